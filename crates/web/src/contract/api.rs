//! `/api/v1/projects/{code}/contract` and `/sla-preview`: the contract document in force, a new
//! version, and the deadlines it gives.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yunwei_app::contract as uc;
use yunwei_domain::FieldError;
use yunwei_domain::contract::ClockKind;

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::etag::{if_match_version, json_with_etag};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::http::time::rfc3339;
use crate::http::update::parse_update_lazy;
use crate::openapi::problems::{Forbidden, Invalid, NotFound, PreconditionFailed, PreconditionRequired};

/// The contract version in force.
#[derive(Serialize, ToSchema)]
pub struct ContractInfo {
    /// Version number (also the ETag).
    pub version: i64,
    /// The TOML document.
    pub document: String,
    /// When it was applied (RFC 3339).
    pub created_at: String,
    /// Who applied it.
    pub created_by: String,
}

/// The contract in force (hospital IT and project administrators).
#[utoipa::path(get, path = "/api/v1/projects/{code}/contract", tag = "contract",
    params(("code" = String, Path, description = "项目代码")),
    responses(
        (status = 200, body = ContractInfo, headers(("ETag" = String))),
        Forbidden,
        NotFound,
    ))]
pub async fn get_contract(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(code): ApiPath<String>,
) -> Result<Response, ApiError> {
    let info = contract_info(uc::current(&st.app, Some(&auth.actor), &code).await?);
    Ok(json_with_etag(info.version, info))
}

fn contract_info(row: uc::ContractRow) -> ContractInfo {
    ContractInfo {
        version: row.version,
        document: row.document,
        created_at: rfc3339(row.created_at),
        created_by: row.created_by,
    }
}

/// A contract document to apply (what `GET` answers may be sent back with the document edited).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutContract {
    /// The TOML document; `[project].code` must be the project of the path.
    pub document: String,
}

/// What applying did.
#[derive(Serialize, ToSchema)]
pub struct AppliedInfo {
    /// The version in force now.
    pub version: i64,
    /// False when the document equals the version in force (no new version).
    pub changed: bool,
}

/// Applies a new contract version. Send `If-Match` with the ETag of the version in force (none
/// is needed for the first). Problems in the document are 422 naming line and field.
#[utoipa::path(put, path = "/api/v1/projects/{code}/contract", tag = "contract",
    params(("code" = String, Path, description = "项目代码"), ("If-Match" = Option<String>, Header, description = "现行版本的 ETag")),
    request_body = PutContract,
    responses(
        (status = 200, body = AppliedInfo, headers(("ETag" = String))),
        Forbidden,
        NotFound,
        PreconditionFailed,
        Invalid,
        PreconditionRequired,
    ))]
pub async fn put_contract(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(code): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Response, ApiError> {
    let expected = if_match_version(&headers)?;
    // The version in force as `GET` gave it may come back with its document edited; its read-only
    // fields are compared only when the client read that version (otherwise the write is stale).
    let req: PutContract = parse_update_lazy(body, || async {
        let row = uc::current(&st.app, Some(&auth.actor), &code).await?;
        match expected {
            Some(v) if v != row.version => Err(yunwei_app::AppError::Stale { current: row.version }.into()),
            _ => Ok(contract_info(row)),
        }
    })
    .await?;
    let a = uc::apply_checked(&st.app, Some(&auth.actor), &req.document, Some(&code), Some(expected)).await?;
    Ok(json_with_etag(a.version, AppliedInfo { version: a.version, changed: a.changed }))
}

/// Parameters of a preview.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PreviewQuery {
    /// Severity code, e.g. `P3`.
    pub severity: String,
    /// Report time, RFC 3339 with offset.
    pub at: String,
}

/// Deadlines of a severity's clocks, one key per clock the severity has a target for (RFC 3339
/// in the offset of `at`), the same object `yunwei sla preview --json` prints.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct SlaPreview {
    /// 响应时限.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub respond: Option<String>,
    /// 远程支持时限.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote: Option<String>,
    /// 到场时限.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub onsite: Option<String>,
    /// 解决时限.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolve: Option<String>,
    /// Per clock, the years it crosses for which no holiday data is loaded (its deadline ignores
    /// holidays there); absent when there are none.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub missing_holiday_years: BTreeMap<String, Vec<i32>>,
}

impl SlaPreview {
    /// The preview of `lines`, times shown in `offset`.
    pub fn new(lines: &[uc::PreviewLine], offset: FixedOffset) -> Self {
        let mut p = Self::default();
        for l in lines {
            let due = Some(l.due.with_timezone(&offset).to_rfc3339());
            match l.clock {
                ClockKind::Respond => p.respond = due,
                ClockKind::Remote => p.remote = due,
                ClockKind::Onsite => p.onsite = due,
                ClockKind::Resolve => p.resolve = due,
            }
            if !l.missing_holiday_years.is_empty() {
                p.missing_holiday_years.insert(l.clock.code().to_owned(), l.missing_holiday_years.clone());
            }
        }
        p
    }
}

/// Deadlines of each clock of a severity for a fault reported at `at`.
#[utoipa::path(get, path = "/api/v1/projects/{code}/sla-preview", tag = "contract",
    params(("code" = String, Path, description = "项目代码"), PreviewQuery),
    responses(
        (status = 200, body = SlaPreview),
        Forbidden,
        NotFound,
        Invalid,
    ))]
pub async fn sla_preview(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(code): ApiPath<String>,
    ApiQuery(q): ApiQuery<PreviewQuery>,
) -> Result<Json<SlaPreview>, ApiError> {
    let at = DateTime::parse_from_rfc3339(&q.at).map_err(|_| {
        ApiError::invalid(vec![FieldError::new("at", "须为带时区的 RFC 3339 时间，例如 2025-09-30T16:50:00+08:00")])
    })?;
    let lines = uc::preview(&st.app, Some(&auth.actor), &code, &q.severity, at.with_timezone(&Utc)).await?;
    Ok(Json(SlaPreview::new(&lines, *at.offset())))
}
