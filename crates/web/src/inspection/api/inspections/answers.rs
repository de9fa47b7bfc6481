//! Working an inspection: answer an item (idempotent `PUT`, safe to replay from a phone's queue),
//! sign it (engineer, hospital), turn an abnormal item into an incident, write and issue the report.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yunwei_app::inspection::{self as uc, AnswerInput};
use yunwei_domain::id::InspectionId;

use super::executions::{ExecutionJson, execution_json, respond};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::extract::{ApiJson, ApiPath};
use crate::http::time::parse_instant;
use crate::http::update::parse_update_lazy;
use crate::openapi::problems::{Conflict, Forbidden, Invalid, NotFound};

/// The answer to one item.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteAnswer {
    /// `ok` or `abnormal` (required for tick-box items; a number outside its range is abnormal).
    pub verdict: Option<String>,
    /// The measured number (number items).
    pub value: Option<f64>,
    pub text: Option<String>,
    pub note: Option<String>,
    /// When it was given on the device (RFC 3339); now when absent. An older answer than the one
    /// stored changes nothing, so a queued form may be sent again safely.
    pub recorded_at: Option<String>,
}

/// Records the answer to one item (`key` as in the checklist, `2.3`).
#[utoipa::path(put, path = "/api/v1/inspections/{id}/results/{key}", tag = "inspection",
    params(("id" = i64, Path, description = "巡检编号"), ("key" = String, Path, description = "项目序号，如 2.3")),
    request_body = WriteAnswer,
    responses(
        (status = 200, body = ExecutionJson, headers(("ETag" = String))),
        Forbidden,
        NotFound,
        Conflict,
        Invalid,
    ))]
pub async fn put_answer(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath((id, key)): ApiPath<(InspectionId, String)>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Response, ApiError> {
    // What `GET /inspections/{id}` shows as this item's answer may be sent back as it is.
    let req: WriteAnswer = parse_update_lazy(body, || async {
        let v = uc::get(&st.app, &auth.actor, id).await?;
        let items = execution_json(&v, st.app.now()).items;
        Ok(items.into_iter().find(|i| i.item.key == key).and_then(|i| i.answer))
    })
    .await?;
    let a = AnswerInput {
        verdict: req.verdict,
        value: req.value,
        text: req.text,
        note: req.note,
        recorded_at: parse_instant("recorded_at", &req.recorded_at)?,
    };
    let v = uc::answer(&st.app, &auth.actor, id, &key, a).await?;
    Ok(respond(&st, StatusCode::OK, v))
}

/// The engineer signs the inspection: every item must be answered. Starts the report's clock.
#[utoipa::path(post, path = "/api/v1/inspections/{id}/complete", tag = "inspection",
    params(("id" = i64, Path, description = "巡检编号")),
    responses(
        (status = 200, body = ExecutionJson, headers(("ETag" = String))),
        Forbidden,
        NotFound,
        Conflict,
        Invalid,
    ))]
pub async fn complete_execution(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<InspectionId>,
) -> Result<Response, ApiError> {
    let v = uc::complete(&st.app, &auth.actor, id).await?;
    Ok(respond(&st, StatusCode::OK, v))
}

/// The hospital's signature.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ConfirmExecution {
    pub note: Option<String>,
}

/// The hospital signs a completed inspection.
#[utoipa::path(post, path = "/api/v1/inspections/{id}/confirm", tag = "inspection",
    params(("id" = i64, Path, description = "巡检编号")),
    request_body = ConfirmExecution,
    responses(
        (status = 200, body = ExecutionJson, headers(("ETag" = String))),
        Forbidden,
        NotFound,
        Conflict,
        Invalid,
    ))]
pub async fn confirm_execution(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<InspectionId>,
    ApiJson(req): ApiJson<ConfirmExecution>,
) -> Result<Response, ApiError> {
    let v = uc::confirm(&st.app, &auth.actor, id, req.note).await?;
    Ok(respond(&st, StatusCode::OK, v))
}

/// The incident an abnormal item becomes.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RaiseIncident {
    /// Severity code; the contract's least severe when absent.
    pub severity: Option<String>,
}

/// The incident opened.
#[derive(Serialize, ToSchema)]
pub struct RaisedJson {
    pub incident_id: i64,
    pub inspection: ExecutionJson,
}

/// Turns an abnormal item into an incident (channel `on_site`, linked both ways).
#[utoipa::path(post, path = "/api/v1/inspections/{id}/results/{key}/incident", tag = "inspection",
    params(("id" = i64, Path, description = "巡检编号"), ("key" = String, Path, description = "项目序号，如 2.3")),
    request_body = RaiseIncident,
    responses(
        (status = 201, body = RaisedJson),
        Forbidden,
        NotFound,
        Conflict,
        Invalid,
    ))]
pub async fn raise_incident(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath((id, key)): ApiPath<(InspectionId, String)>,
    ApiJson(req): ApiJson<RaiseIncident>,
) -> Result<(StatusCode, Json<RaisedJson>), ApiError> {
    let incident_id = uc::raise_incident(&st.app, &auth.actor, id, &key, req.severity).await?;
    let v = uc::get(&st.app, &auth.actor, id).await?;
    Ok((StatusCode::CREATED, Json(RaisedJson { incident_id, inspection: execution_json(&v, st.app.now()) })))
}

/// The report's text; `issue` issues it (the issue time is checked against the due time).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteReport {
    pub findings: Option<String>,
    pub causes: Option<String>,
    pub impact: Option<String>,
    pub recommendations: Option<String>,
    pub risks: Option<String>,
    #[serde(default)]
    pub issue: bool,
}

/// Writes the inspection report and, with `issue: true`, issues it.
#[utoipa::path(put, path = "/api/v1/inspections/{id}/report", tag = "inspection",
    params(("id" = i64, Path, description = "巡检编号")),
    request_body = WriteReport,
    responses(
        (status = 200, body = ExecutionJson, headers(("ETag" = String))),
        Forbidden,
        NotFound,
        Conflict,
        Invalid,
    ))]
pub async fn put_report(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<InspectionId>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Response, ApiError> {
    // The `report` object of `GET /inspections/{id}` may be sent back as it is.
    let req: WriteReport = parse_update_lazy(body, || async {
        let v = uc::get(&st.app, &auth.actor, id).await?;
        Ok(execution_json(&v, st.app.now()).report)
    })
    .await?;
    let fields = [
        ("findings", req.findings),
        ("causes", req.causes),
        ("impact", req.impact),
        ("recommendations", req.recommendations),
        ("risks", req.risks),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v)))
    .collect();
    let v = uc::write_report(&st.app, &auth.actor, id, fields, req.issue).await?;
    Ok(respond(&st, StatusCode::OK, v))
}
