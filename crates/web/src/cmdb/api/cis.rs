//! The CMDB's records: `/api/v1/cmdb/types`, `/api/v1/projects/{code}/cis` and
//! `/api/v1/cis/{id}`. Relations and impact are in [`super::relations`], history in
//! [`super::history`], the IP register in [`super::ips`].

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};
use yunwei_app::cmdb::{self as uc, CiFilter, CiRow, CiView};
use yunwei_domain::cmdb::{self as domain, CiInput, Location};
use yunwei_domain::id::CiId;

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::etag::if_match_version;
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::http::page::{Page, Paging};
use crate::http::time::rfc3339;
use crate::openapi::problems::{Conflict, Forbidden, Invalid, NotFound, PreconditionFailed, PreconditionRequired};

/// A CI type of the catalog.
#[derive(Serialize, ToSchema)]
pub struct CiTypeJson {
    /// Code (`core_switch`).
    pub code: &'static str,
    /// Chinese name (`核心交换机`).
    pub name: &'static str,
    /// Class code (`network`).
    pub class: &'static str,
    /// Class name (`网络设备`).
    pub class_name: &'static str,
}

/// The CI types with their Chinese names, in display order.
#[utoipa::path(get, path = "/api/v1/cmdb/types", tag = "cmdb",
    responses((status = 200, body = Vec<CiTypeJson>)))]
pub async fn list_ci_types(_auth: Auth) -> Json<Vec<CiTypeJson>> {
    Json(
        domain::list_types()
            .into_iter()
            .map(|t| CiTypeJson { code: t.code, name: t.name, class: t.class.code(), class_name: t.class_name })
            .collect(),
    )
}

/// Where a CI stands.
#[derive(Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct LocationJson {
    /// Building (`门诊楼`).
    pub building: Option<String>,
    /// Room (`3楼信息中心机房`).
    pub room: Option<String>,
    /// Rack (`A03`).
    pub rack: Option<String>,
    /// U position (`12-13`).
    pub u: Option<String>,
}

/// A CI as written by a client.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteCi {
    /// Name (1–200 characters).
    pub name: String,
    /// Type code from `/api/v1/cmdb/types` (or its Chinese name).
    #[serde(rename = "type")]
    pub kind: String,
    /// `in_service` (default), `spare`, `under_repair` or `retired`.
    pub status: Option<String>,
    /// Host name, as monitoring names it.
    pub hostname: Option<String>,
    pub vendor: Option<String>,
    pub model: Option<String>,
    /// Serial number.
    pub serial: Option<String>,
    /// Part number (PN).
    pub part_number: Option<String>,
    /// The hospital's asset tag (unique in the project).
    pub asset_tag: Option<String>,
    #[serde(default)]
    pub location: LocationJson,
    pub owner_department: Option<String>,
    /// Warranty end, `YYYY-MM-DD`.
    pub warranty_end: Option<String>,
    /// Who supplied it.
    pub supplier: Option<String>,
    /// `critical`, `high`, `medium` (default) or `low`.
    pub criticality: Option<String>,
    /// Addresses and subnets (`10.1.2.3`, `10.1.0.0/16`, `fe80::1`).
    #[serde(default)]
    pub ips: Vec<String>,
    /// Type-specific attributes: strings, numbers, booleans or lists of strings.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub attributes: Map<String, Value>,
    /// What caused this change, `incident:{id}`.
    pub cause: Option<String>,
}

impl WriteCi {
    fn input(self) -> Result<(CiInput, Option<String>), ApiError> {
        let warranty_end = match self.warranty_end.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
                ApiError::invalid(vec![yunwei_domain::FieldError::new("warranty_end", "须为 YYYY-MM-DD 格式的日期")])
            })?),
        };
        let input = CiInput {
            name: self.name,
            type_code: self.kind,
            hostname: self.hostname,
            vendor: self.vendor,
            model: self.model,
            serial: self.serial,
            part_number: self.part_number,
            asset_tag: self.asset_tag,
            location: Location {
                building: self.location.building,
                room: self.location.room,
                rack: self.location.rack,
                u: self.location.u,
            },
            owner_department: self.owner_department,
            status: self.status,
            warranty_end,
            supplier: self.supplier,
            criticality: self.criticality,
            ips: self.ips,
            attributes: self.attributes,
        };
        Ok((input, self.cause))
    }
}

/// A CI as stored.
#[derive(Serialize, ToSchema)]
pub struct CiJson {
    pub id: i64,
    pub name: String,
    /// Type code.
    #[serde(rename = "type")]
    pub kind: String,
    /// Type name in Chinese.
    pub type_name: String,
    pub status: String,
    pub hostname: Option<String>,
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub serial: Option<String>,
    pub part_number: Option<String>,
    pub asset_tag: Option<String>,
    pub location: LocationJson,
    pub owner_department: Option<String>,
    pub warranty_end: Option<String>,
    pub supplier: Option<String>,
    pub criticality: Option<String>,
    /// Addresses and subnets.
    pub ips: Vec<String>,
    #[schema(value_type = Object)]
    pub attributes: Value,
    pub created_at: String,
    pub updated_at: String,
    /// Optimistic-concurrency version; send it back in `If-Match`.
    pub version: i64,
}

fn ci_json(r: &CiRow, ips: Vec<String>) -> CiJson {
    CiJson {
        id: r.id,
        name: r.name.clone(),
        kind: r.kind.clone(),
        type_name: domain::ci_type(&r.kind).map(|t| t.name_zh).unwrap_or(&r.kind).to_owned(),
        status: r.status.clone(),
        hostname: r.hostname.clone(),
        vendor: r.vendor.clone(),
        model: r.model.clone(),
        serial: r.serial.clone(),
        part_number: r.part_number.clone(),
        asset_tag: r.asset_tag.clone(),
        location: LocationJson {
            building: r.building.clone(),
            room: r.room.clone(),
            rack: r.rack.clone(),
            u: r.rack_unit.clone(),
        },
        owner_department: r.owner_department.clone(),
        warranty_end: r.warranty_end.clone(),
        supplier: r.supplier.clone(),
        criticality: r.criticality.clone(),
        ips,
        attributes: Value::Object(r.attributes.clone()),
        created_at: rfc3339(r.created_at),
        updated_at: rfc3339(r.updated_at),
        version: r.version,
    }
}

pub(super) fn view_json(v: CiView) -> CiJson {
    ci_json(&v.row, v.ips.into_iter().map(|i| i.address).collect())
}

fn with_etag(status: StatusCode, v: CiView) -> Response {
    let version = v.row.version;
    crate::http::etag::json_with_status_etag(status, version, view_json(v))
}

/// Records a CI.
#[utoipa::path(post, path = "/api/v1/projects/{code}/cis", tag = "cmdb",
    params(("code" = String, Path, description = "项目代码")),
    request_body = WriteCi,
    responses(
        (status = 201, body = CiJson, headers(("ETag" = String))),
        Forbidden,
        NotFound,
        Conflict,
        Invalid,
    ))]
pub async fn create_ci(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(code): ApiPath<String>,
    ApiJson(req): ApiJson<WriteCi>,
) -> Result<Response, ApiError> {
    let (input, cause) = req.input()?;
    let v = uc::create(&st.app, &auth.actor, &code, &input, cause.as_deref()).await?;
    Ok(with_etag(StatusCode::CREATED, v))
}

/// One CI.
#[utoipa::path(get, path = "/api/v1/cis/{id}", tag = "cmdb",
    params(("id" = i64, Path, description = "配置项编号")),
    responses(
        (status = 200, body = CiJson, headers(("ETag" = String))),
        Forbidden, NotFound,
    ))]
pub async fn get_ci(State(st): State<AppState>, auth: Auth, ApiPath(id): ApiPath<CiId>) -> Result<Response, ApiError> {
    Ok(with_etag(StatusCode::OK, uc::get(&st.app, &auth.actor, id).await?))
}

/// Replaces a CI's record; `If-Match` with the version read is required. A save that changes
/// nothing keeps the version.
#[utoipa::path(put, path = "/api/v1/cis/{id}", tag = "cmdb",
    params(("id" = i64, Path, description = "配置项编号"), ("If-Match" = String, Header, description = "ETag")),
    request_body = WriteCi,
    responses(
        (status = 200, body = CiJson, headers(("ETag" = String))),
        Forbidden,
        NotFound,
        Conflict,
        PreconditionFailed,
        Invalid,
        PreconditionRequired,
    ))]
pub async fn update_ci(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<CiId>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Response, ApiError> {
    let expected = if_match_version(&headers)?;
    let current = view_json(uc::get(&st.app, &auth.actor, id).await?);
    let req: WriteCi = crate::http::update::parse_update(body, &current)?;
    let (input, cause) = req.input()?;
    let v = uc::update(&st.app, &auth.actor, id, expected, &input, cause.as_deref()).await?;
    Ok(with_etag(StatusCode::OK, v))
}

/// List filters (the page is [`Paging`]'s).
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CiQuery {
    /// Type codes, comma-separated.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Status codes, comma-separated.
    pub status: Option<String>,
    /// Text in building, room or rack.
    pub location: Option<String>,
    /// Text in name, host name, vendor, model, serial, PN or asset tag.
    pub text: Option<String>,
    /// An address on the CI.
    pub ip: Option<String>,
}

fn csv(v: &Option<String>) -> Vec<String> {
    v.as_deref().unwrap_or_default().split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

pub(super) fn blank_none(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// A project's CIs, newest first, with filters and keyset pagination.
#[utoipa::path(get, path = "/api/v1/projects/{code}/cis", tag = "cmdb",
    params(("code" = String, Path, description = "项目代码"), CiQuery, Paging),
    responses(
        (status = 200, body = Page<CiJson>),
        Forbidden, NotFound,
        Invalid,
    ))]
pub async fn list_cis(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(code): ApiPath<String>,
    ApiQuery(q): ApiQuery<CiQuery>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<Page<CiJson>>, ApiError> {
    let filter = CiFilter {
        kinds: csv(&q.kind),
        status: csv(&q.status),
        location: blank_none(q.location),
        text: blank_none(q.text),
        ip: blank_none(q.ip),
        before_id: paging.after_id()?,
    };
    let rows = uc::list(&st.app, &auth.actor, &code, filter, paging.fetch()).await?;
    Ok(Json(paging.page_by_id(rows, |v| v.row.id, view_json)))
}

/// A CI named in another's answer.
#[derive(Serialize, ToSchema)]
pub struct CiBrief {
    pub id: i64,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub status: String,
}

pub(super) fn brief(r: &CiRow) -> CiBrief {
    CiBrief { id: r.id, name: r.name.clone(), kind: r.kind.clone(), status: r.status.clone() }
}
