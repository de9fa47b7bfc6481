//! Inspections: `/api/v1/projects/{code}/inspection-templates` (the seeds' built-ins and the
//! project's own), `/api/v1/projects/{code}/inspections` and `/api/v1/inspections/{id}`: plan an
//! inspection, answer it item by item (idempotent `PUT` per item, safe to replay from a phone's
//! queue), sign it, turn abnormal items into incidents, write and issue its report.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yunwei_app::AppError;
use yunwei_app::inspection::{
    self as uc, AnswerInput, ExecutionFilter, ExecutionRow, ExecutionView, NewExecution, Photo, TemplateView,
};
use yunwei_domain::FieldError;
use yunwei_domain::inspection::{ItemInput, Status, TemplateInput};

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::etag::{if_match_version, json_with_status_etag};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::http::time::{parse_instant, rfc3339};
use crate::openapi::problems::{
    Conflict, Forbidden, Invalid, NotFound, PreconditionFailed, PreconditionRequired, TooLarge,
};

/// One line of a checklist.
#[derive(Serialize, ToSchema)]
pub struct ItemJson {
    /// `section.item` counted from 1 (`2.3`): what answers refer to.
    pub key: String,
    pub section: String,
    pub name: String,
    /// Reference standard (参考标准).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub standard: Option<String>,
    /// Method (巡检方法描述).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// `ok_abnormal`, `number`, `text` or `photo`.
    pub result: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Lowest normal value, inclusive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Highest normal value, inclusive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// The item's own cycle when it differs from the template's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cycle: Option<&'static str>,
    /// Severity of the incident an abnormal answer opens by itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident: Option<String>,
}

/// A checklist template.
#[derive(Serialize, ToSchema)]
pub struct TemplateJson {
    pub code: String,
    pub name: String,
    /// Title of the printed form.
    pub title: String,
    /// Where it comes from (`种子 000 §2.3`).
    pub source: String,
    /// `day`, `week`, `month`, `quarter`, `half_year` or `year`.
    pub cycle: &'static str,
    /// Header fields of the printed form.
    pub header: Vec<String>,
    /// CMDB types it is meant for.
    pub ci_types: Vec<String>,
    /// Shipped with yunwei (copy it to edit it).
    pub builtin: bool,
    /// The project template's version; 0 for a built-in.
    pub version: i64,
    /// The built-in it was copied from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub based_on: Option<String>,
    pub items: Vec<ItemJson>,
}

fn items_json(t: &yunwei_domain::inspection::Template) -> Vec<ItemJson> {
    t.items
        .iter()
        .map(|i| ItemJson {
            key: i.key.clone(),
            section: i.section.clone(),
            name: i.name.clone(),
            standard: i.standard.clone(),
            method: i.method.clone(),
            result: i.result.code(),
            unit: i.unit.clone(),
            min: i.min,
            max: i.max,
            cycle: i.cycle.map(|c| c.code()),
            incident: i.incident.clone(),
        })
        .collect()
}

fn template_json(v: TemplateView) -> TemplateJson {
    let t = &v.template;
    TemplateJson {
        code: t.code.clone(),
        name: t.name.clone(),
        title: t.title.clone(),
        source: t.source.clone(),
        cycle: t.cycle.code(),
        header: t.header.clone(),
        ci_types: t.ci_types.clone(),
        builtin: v.builtin,
        version: v.version,
        based_on: v.based_on.clone(),
        items: items_json(t),
    }
}

/// A checklist line as written.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteItem {
    /// Ignored (keys follow the position), accepted so a template read can be sent back edited.
    pub key: Option<String>,
    pub section: String,
    pub name: String,
    pub standard: Option<String>,
    pub method: Option<String>,
    /// `ok_abnormal` (default), `number`, `text` or `photo`.
    pub result: Option<String>,
    pub unit: Option<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub cycle: Option<String>,
    /// Severity code: an abnormal answer opens an incident of it at once.
    pub incident: Option<String>,
}

/// A template as written: in full, or (on create) a copy of `copy_of` under a new code and name.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteTemplate {
    /// Code of a built-in or project template to copy (create only; its items unless `items` given).
    pub copy_of: Option<String>,
    /// Lower-case letters, digits, `_`, `-` (ignored on update).
    pub code: String,
    pub name: String,
    pub title: Option<String>,
    pub source: Option<String>,
    /// Default `quarter`.
    pub cycle: Option<String>,
    #[serde(default)]
    pub header: Vec<String>,
    #[serde(default)]
    pub ci_types: Vec<String>,
    #[serde(default)]
    pub items: Vec<WriteItem>,
}

impl WriteTemplate {
    fn input(self) -> (TemplateInput, Option<String>) {
        let input = TemplateInput {
            code: self.code,
            name: self.name,
            title: self.title,
            source: self.source,
            cycle: self.cycle,
            header: self.header,
            ci_types: self.ci_types,
            items: self
                .items
                .into_iter()
                .map(|i| ItemInput {
                    section: i.section,
                    name: i.name,
                    standard: i.standard,
                    method: i.method,
                    result: i.result,
                    unit: i.unit,
                    min: i.min,
                    max: i.max,
                    cycle: i.cycle,
                    incident: i.incident,
                })
                .collect(),
        };
        (input, self.copy_of)
    }
}

/// The built-in templates (the seeds' checklists), then the project's own.
#[utoipa::path(get, path = "/api/v1/projects/{code}/inspection-templates", tag = "inspection",
    params(("code" = String, Path, description = "项目代码")),
    responses(
        (status = 200, body = Vec<TemplateJson>),
        NotFound,
    ))]
pub async fn list_templates(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Vec<TemplateJson>>, ApiError> {
    Ok(Json(uc::templates(&st.app, &auth.actor, &code).await?.into_iter().map(template_json).collect()))
}

/// A new template of the project, written in full or copied from another (`copy_of`).
#[utoipa::path(post, path = "/api/v1/projects/{code}/inspection-templates", tag = "inspection",
    params(("code" = String, Path, description = "项目代码")),
    request_body = WriteTemplate,
    responses(
        (status = 201, body = TemplateJson, headers(("ETag" = String))),
        Forbidden,
        NotFound,
        Conflict,
        Invalid,
    ))]
pub async fn create_template(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(code): ApiPath<String>,
    ApiJson(req): ApiJson<WriteTemplate>,
) -> Result<Response, ApiError> {
    let (input, copy_of) = req.input();
    let v = uc::create_template(&st.app, &auth.actor, &code, input, copy_of.as_deref()).await?;
    Ok(json_with_status_etag(StatusCode::CREATED, v.version, template_json(v)))
}

/// One template: the project's own, or a built-in.
#[utoipa::path(get, path = "/api/v1/projects/{code}/inspection-templates/{template}", tag = "inspection",
    params(("code" = String, Path, description = "项目代码"), ("template" = String, Path, description = "模板代码")),
    responses(
        (status = 200, body = TemplateJson, headers(("ETag" = String))),
        NotFound,
    ))]
pub async fn get_template(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath((code, template)): ApiPath<(String, String)>,
) -> Result<Response, ApiError> {
    let v = uc::template(&st.app, &auth.actor, &code, &template).await?;
    Ok(json_with_status_etag(StatusCode::OK, v.version, template_json(v)))
}

/// Saves a new version of one of the project's templates (`If-Match` required); inspections
/// already planned keep the version they were created with.
#[utoipa::path(put, path = "/api/v1/projects/{code}/inspection-templates/{template}", tag = "inspection",
    params(("code" = String, Path, description = "项目代码"), ("template" = String, Path, description = "模板代码"),
        ("If-Match" = String, Header, description = "ETag")),
    request_body = WriteTemplate,
    responses(
        (status = 200, body = TemplateJson, headers(("ETag" = String))),
        Forbidden,
        NotFound,
        Conflict,
        PreconditionFailed,
        Invalid,
        PreconditionRequired,
    ))]
pub async fn update_template(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath((code, template)): ApiPath<(String, String)>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Response, ApiError> {
    let current = template_json(uc::template(&st.app, &auth.actor, &code, &template).await?);
    let req: WriteTemplate = crate::http::update::parse_update(body, &current)?;
    let (input, copy_of) = req.input();
    if copy_of.is_some() {
        return Err(ApiError::invalid(vec![FieldError::new("copy_of", "只能在新建模板时复制")]));
    }
    let expected = if_match_version(&headers)?.ok_or(AppError::PreconditionRequired)?;
    let v = uc::update_template(&st.app, &auth.actor, &code, &template, input, expected).await?;
    Ok(json_with_status_etag(StatusCode::OK, v.version, template_json(v)))
}

/// The answer to one item.
#[derive(Serialize, ToSchema)]
pub struct AnswerJson {
    /// `ok` or `abnormal`.
    pub verdict: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    pub note: String,
    /// When it was given on the device.
    pub recorded_at: String,
    /// Who gave it.
    pub by: String,
    /// The incident it became.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident_id: Option<i64>,
}

/// An item with its answer (`null` while unanswered).
#[derive(Serialize, ToSchema)]
pub struct ExecutionItemJson {
    #[serde(flatten)]
    pub item: ItemJson,
    pub answer: Option<AnswerJson>,
}

/// A signature.
#[derive(Serialize, ToSchema)]
pub struct SignatureJson {
    pub user_id: Option<i64>,
    pub name: Option<String>,
    pub at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The inspection report (巡检报告).
#[derive(Serialize, ToSchema)]
pub struct ReportJson {
    /// Due time in the contract's calendar, from the engineer's signature; `null` before it or
    /// when the contract sets none.
    pub due: Option<String>,
    pub issued_at: Option<String>,
    /// Issued by the due time; `false` once overdue and not issued; `null` while open.
    pub met: Option<bool>,
    pub findings: String,
    pub causes: String,
    pub impact: String,
    pub recommendations: String,
    pub risks: String,
}

/// Counts of the checklist.
#[derive(Serialize, ToSchema)]
pub struct CountsJson {
    pub items: usize,
    pub answered: usize,
    pub abnormal: usize,
}

/// A CI reference.
#[derive(Serialize, ToSchema)]
pub struct CiRefJson {
    pub id: i64,
    pub name: String,
}

/// The template an inspection was created with.
#[derive(Serialize, ToSchema)]
pub struct TemplateRefJson {
    pub code: String,
    /// 0 for a built-in.
    pub version: i64,
    pub name: String,
    pub title: String,
    pub header: Vec<String>,
}

/// One inspection.
#[derive(Serialize, ToSchema)]
pub struct ExecutionJson {
    pub id: i64,
    /// `INSP-2026-000012`.
    pub number: String,
    /// `planned`, `in_progress`, `completed`, `confirmed` or `cancelled`.
    pub status: &'static str,
    pub status_name: &'static str,
    /// `routine`, `first` or `pre_holiday`.
    pub kind: String,
    pub template: TemplateRefJson,
    pub ci: Option<CiRefJson>,
    /// `YYYY-MM-DD`.
    pub planned_for: String,
    pub started_at: Option<String>,
    pub completed_at: Option<String>,
    pub engineer: SignatureJson,
    pub hospital: SignatureJson,
    pub report: ReportJson,
    pub counts: CountsJson,
    pub items: Vec<ExecutionItemJson>,
    /// By when it is to be done (plans set it: the period's end, the contract's first-inspection
    /// or pre-holiday time); `null` for one planned by hand.
    pub due_at: Option<String>,
    /// Not completed and past `due_at`.
    pub overdue: bool,
    /// The plan that generated it, and the period it stands for (`2026-Q2`, `first`,
    /// `pre_holiday:2026-国庆节`).
    pub plan_id: Option<i64>,
    pub period: Option<String>,
    pub version: i64,
}

fn status_of(row: &ExecutionRow) -> Status {
    Status::parse(&row.status).unwrap_or(Status::Planned)
}

fn execution_json(v: &ExecutionView, now: chrono::DateTime<chrono::Utc>) -> ExecutionJson {
    let r = &v.row;
    let status = status_of(r);
    let field = |k: &str| v.report.get(k).to_owned();
    let items = items_json(&v.template)
        .into_iter()
        .map(|item| {
            let answer = v.result(&item.key).map(|a| AnswerJson {
                verdict: a.verdict.clone(),
                value: a.number,
                text: a.text.clone(),
                note: a.note.clone(),
                recorded_at: rfc3339(a.recorded_at),
                by: a.actor.clone(),
                incident_id: a.incident_id,
            });
            ExecutionItemJson { item, answer }
        })
        .collect();
    ExecutionJson {
        id: r.id,
        number: r.number.clone(),
        status: status.code(),
        status_name: status.label(),
        kind: r.kind.clone(),
        template: TemplateRefJson {
            code: r.template_code.clone(),
            version: r.template_version,
            name: v.template.name.clone(),
            title: v.template.title.clone(),
            header: v.template.header.clone(),
        },
        ci: r.ci_id.map(|id| CiRefJson { id, name: r.ci_name.clone().unwrap_or_default() }),
        planned_for: r.planned_for.clone(),
        started_at: r.started_at.map(rfc3339),
        completed_at: r.completed_at.map(rfc3339),
        engineer: SignatureJson {
            user_id: r.engineer_id,
            name: r.engineer_name.clone(),
            at: r.completed_at.map(rfc3339),
            note: None,
        },
        hospital: SignatureJson {
            user_id: r.hospital_id,
            name: r.hospital_name.clone(),
            at: r.hospital_signed_at.map(rfc3339),
            note: r.hospital_note.clone(),
        },
        report: ReportJson {
            due: r.report_due.map(rfc3339),
            issued_at: r.report_issued_at.map(rfc3339),
            met: v.report_met(now),
            findings: field("findings"),
            causes: field("causes"),
            impact: field("impact"),
            recommendations: field("recommendations"),
            risks: field("risks"),
        },
        counts: CountsJson { items: v.template.items.len(), answered: v.results.len(), abnormal: v.abnormal() },
        items,
        due_at: r.due_at.map(rfc3339),
        overdue: v.overdue(now),
        plan_id: r.plan_id,
        period: r.period.clone(),
        version: r.version,
    }
}

fn respond(st: &AppState, status: StatusCode, v: ExecutionView) -> Response {
    json_with_status_etag(status, v.row.version, execution_json(&v, st.app.now()))
}

/// An inspection to plan.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateExecution {
    /// Template code (built-in or the project's own).
    pub template: String,
    /// The CI inspected.
    pub ci_id: Option<i64>,
    /// `YYYY-MM-DD`; today in the project's time zone when absent.
    pub planned_for: Option<String>,
    /// `routine` (default), `first` or `pre_holiday`.
    pub kind: Option<String>,
}

fn parse_date(field: &str, v: &Option<String>) -> Result<Option<NaiveDate>, ApiError> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| ApiError::invalid(vec![FieldError::new(field, "须为日期，例如 2026-03-01")]))
        })
        .transpose()
}

/// Plans an inspection of one CI against one template (the template is copied into it).
#[utoipa::path(post, path = "/api/v1/projects/{code}/inspections", tag = "inspection",
    params(("code" = String, Path, description = "项目代码")),
    request_body = CreateExecution,
    responses(
        (status = 201, body = ExecutionJson, headers(("ETag" = String))),
        Forbidden,
        NotFound,
        Invalid,
    ))]
pub async fn create_execution(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(code): ApiPath<String>,
    ApiJson(req): ApiJson<CreateExecution>,
) -> Result<Response, ApiError> {
    let n = NewExecution {
        template: req.template,
        ci_id: req.ci_id,
        planned_for: parse_date("planned_for", &req.planned_for)?,
        kind: req.kind,
    };
    let v = uc::create_execution(&st.app, &auth.actor, &code, n).await?;
    Ok(respond(&st, StatusCode::CREATED, v))
}

/// List filters.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExecutionQuery {
    /// Status codes, comma-separated.
    pub status: Option<String>,
    pub ci_id: Option<i64>,
    /// Planned on or after (`YYYY-MM-DD`).
    pub from: Option<String>,
    /// Planned on or before (`YYYY-MM-DD`).
    pub to: Option<String>,
    /// `true`: only those not completed past their due time.
    pub overdue: Option<bool>,
    pub plan_id: Option<i64>,
    /// A plan's period (`2026-Q2`, `first` …).
    pub period: Option<String>,
    /// 1–500, default 100.
    pub limit: Option<u64>,
}

/// One inspection in a list.
#[derive(Serialize, ToSchema)]
pub struct ExecutionSummaryJson {
    pub id: i64,
    pub number: String,
    pub status: &'static str,
    pub status_name: &'static str,
    pub kind: String,
    pub template_code: String,
    pub ci: Option<CiRefJson>,
    pub planned_for: String,
    pub completed_at: Option<String>,
    pub report_due: Option<String>,
    pub report_issued_at: Option<String>,
    pub due_at: Option<String>,
    pub overdue: bool,
    pub period: Option<String>,
}

/// A page of inspections.
#[derive(Serialize, ToSchema)]
pub struct ExecutionListJson {
    pub items: Vec<ExecutionSummaryJson>,
}

/// The project's inspections, latest planned first.
#[utoipa::path(get, path = "/api/v1/projects/{code}/inspections", tag = "inspection",
    params(("code" = String, Path, description = "项目代码"), ExecutionQuery),
    responses(
        (status = 200, body = ExecutionListJson),
        NotFound,
        Invalid,
    ))]
pub async fn list_executions(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(code): ApiPath<String>,
    ApiQuery(q): ApiQuery<ExecutionQuery>,
) -> Result<Json<ExecutionListJson>, ApiError> {
    let mut errors = Vec::new();
    let status: Vec<String> = q
        .status
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if let Some(bad) = status.iter().find(|s| Status::parse(s).is_none()) {
        let known = Status::ALL.map(Status::code).join(", ");
        errors.push(FieldError::new("status", format!("未知状态“{bad}”，可选：{known}")));
    }
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        errors.push(FieldError::new("limit", "须为 1 到 500"));
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let f = ExecutionFilter {
        status,
        ci_id: q.ci_id,
        from: parse_date("from", &q.from)?.map(|d| d.to_string()),
        to: parse_date("to", &q.to)?.map(|d| d.to_string()),
        overdue_at: q.overdue.unwrap_or(false).then(|| st.app.now()),
        plan_id: q.plan_id,
        period: q.period.clone().filter(|p| !p.trim().is_empty()),
    };
    let now = st.app.now();
    let rows = uc::list(&st.app, &auth.actor, &code, &f, limit).await?;
    let items = rows.into_iter().map(|v| summary_json(v.row, now)).collect();
    Ok(Json(ExecutionListJson { items }))
}

/// One inspection with its checklist and answers.
#[utoipa::path(get, path = "/api/v1/inspections/{id}", tag = "inspection",
    params(("id" = i64, Path, description = "巡检编号")),
    responses(
        (status = 200, body = ExecutionJson, headers(("ETag" = String))),
        NotFound,
    ))]
pub async fn get_execution(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let v = uc::get(&st.app, &auth.actor, id).await?;
    Ok(respond(&st, StatusCode::OK, v))
}

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
    ApiPath((id, key)): ApiPath<(i64, String)>,
    ApiJson(req): ApiJson<WriteAnswer>,
) -> Result<Response, ApiError> {
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
    ApiPath(id): ApiPath<i64>,
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
    ApiPath(id): ApiPath<i64>,
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
    ApiPath((id, key)): ApiPath<(i64, String)>,
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
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<WriteReport>,
) -> Result<Response, ApiError> {
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

/// A plan as written.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePlan {
    pub name: String,
    /// Template code (built-in or the project's own).
    pub template: String,
    /// The CIs inspected (one execution each per period); none: one execution without a CI.
    #[serde(default)]
    pub ci_ids: Vec<i64>,
    /// `month`, `quarter` …; the contract's `inspection.cycle` when absent.
    pub cycle: Option<String>,
}

/// A plan.
#[derive(Serialize, ToSchema)]
pub struct PlanJson {
    pub id: i64,
    pub name: String,
    pub template: String,
    pub ci_ids: Vec<i64>,
    pub cycle: String,
    pub active: bool,
    /// Executions this call generated (on create: the current period's, the first inspection,
    /// a pre-holiday one when due soon).
    pub generated: Vec<ExecutionSummaryJson>,
}

fn summary_json(r: ExecutionRow, now: chrono::DateTime<chrono::Utc>) -> ExecutionSummaryJson {
    let s = status_of(&r);
    ExecutionSummaryJson {
        id: r.id,
        number: r.number,
        status: s.code(),
        status_name: s.label(),
        kind: r.kind,
        template_code: r.template_code,
        ci: r.ci_id.map(|id| CiRefJson { id, name: r.ci_name.unwrap_or_default() }),
        planned_for: r.planned_for,
        completed_at: r.completed_at.map(rfc3339),
        report_due: r.report_due.map(rfc3339),
        report_issued_at: r.report_issued_at.map(rfc3339),
        overdue: s.open() && r.due_at.is_some_and(|d| now > d),
        due_at: r.due_at.map(rfc3339),
        period: r.period,
    }
}

fn plan_json(v: yunwei_app::inspection_plan::PlanView, now: chrono::DateTime<chrono::Utc>) -> PlanJson {
    PlanJson {
        id: v.row.id,
        name: v.row.name,
        template: v.row.template_code,
        ci_ids: v.ci_ids,
        cycle: v.row.cycle,
        active: v.row.active,
        generated: v.created.into_iter().map(|r| summary_json(r, now)).collect(),
    }
}

/// Creates an inspection plan and generates what it owes now.
#[utoipa::path(post, path = "/api/v1/projects/{code}/inspection-plans", tag = "inspection",
    params(("code" = String, Path, description = "项目代码")),
    request_body = CreatePlan,
    responses(
        (status = 201, body = PlanJson),
        Forbidden,
        NotFound,
        Invalid,
    ))]
pub async fn create_plan(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(code): ApiPath<String>,
    ApiJson(req): ApiJson<CreatePlan>,
) -> Result<(StatusCode, Json<PlanJson>), ApiError> {
    let n = yunwei_app::inspection_plan::NewPlan {
        name: req.name,
        template: req.template,
        ci_ids: req.ci_ids,
        cycle: req.cycle,
    };
    let v = yunwei_app::inspection_plan::create(&st.app, &auth.actor, &code, n).await?;
    Ok((StatusCode::CREATED, Json(plan_json(v, st.app.now()))))
}

/// The project's inspection plans.
#[utoipa::path(get, path = "/api/v1/projects/{code}/inspection-plans", tag = "inspection",
    params(("code" = String, Path, description = "项目代码")),
    responses(
        (status = 200, body = Vec<PlanJson>),
        NotFound,
    ))]
pub async fn list_plans(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Vec<PlanJson>>, ApiError> {
    let now = st.app.now();
    let plans = yunwei_app::inspection_plan::list(&st.app, &auth.actor, &code).await?;
    Ok(Json(plans.into_iter().map(|p| plan_json(p, now)).collect()))
}

/// Which period of a plan.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PeriodQuery {
    /// `2026-Q2`, `first`, `pre_holiday:2026-国庆节`; the plan's latest when absent.
    pub period: Option<String>,
}

/// An abnormal finding of a period.
#[derive(Serialize, ToSchema)]
pub struct FindingJson {
    pub inspection_id: i64,
    pub number: String,
    pub ci: Option<String>,
    pub key: String,
    pub section: String,
    pub item: String,
    pub note: String,
    pub value: Option<f64>,
    pub incident_id: Option<i64>,
}

/// A plan's inspections of one period (the report per plan period).
#[derive(Serialize, ToSchema)]
pub struct PeriodReportJson {
    pub plan: PlanJson,
    pub period: String,
    /// Every period the plan has inspections for, latest first.
    pub periods: Vec<String>,
    pub inspections: Vec<ExecutionSummaryJson>,
    /// Inspections done (completed or confirmed) of all.
    pub done: usize,
    pub overdue: usize,
    /// Items answered, and of them abnormal.
    pub answered: usize,
    pub abnormal: usize,
    pub findings: Vec<FindingJson>,
}

/// A plan's inspections of one period, with their abnormal findings.
#[utoipa::path(get, path = "/api/v1/inspection-plans/{id}/report", tag = "inspection",
    params(("id" = i64, Path, description = "计划编号"), PeriodQuery),
    responses(
        (status = 200, body = PeriodReportJson),
        NotFound,
        Conflict,
        Invalid,
    ))]
pub async fn get_period_report(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> Result<Json<PeriodReportJson>, ApiError> {
    let now = st.app.now();
    let r = yunwei_app::inspection_plan::period_report(&st.app, &auth.actor, id, q.period.as_deref()).await?;
    let done =
        r.executions.iter().filter(|e| !status_of(&e.row).open() && status_of(&e.row) != Status::Cancelled).count();
    let overdue = r.executions.iter().filter(|e| e.overdue(now)).count();
    let answered = r.executions.iter().map(|e| e.results.len()).sum();
    let abnormal = r.executions.iter().map(ExecutionView::abnormal).sum();
    let mut findings = Vec::new();
    for e in &r.executions {
        for a in e.results.iter().filter(|a| a.verdict == "abnormal") {
            let item = e.template.item(&a.item_key);
            findings.push(FindingJson {
                inspection_id: e.row.id,
                number: e.row.number.clone(),
                ci: e.row.ci_name.clone(),
                key: a.item_key.clone(),
                section: item.map(|i| i.section.clone()).unwrap_or_default(),
                item: item.map(|i| i.name.clone()).unwrap_or_default(),
                note: a.note.clone(),
                value: a.number,
                incident_id: a.incident_id,
            });
        }
    }
    Ok(Json(PeriodReportJson {
        plan: plan_json(r.plan, now),
        period: r.period,
        periods: r.periods,
        inspections: r.executions.into_iter().map(|e| summary_json(e.row, now)).collect(),
        done,
        overdue,
        answered,
        abnormal,
        findings,
    }))
}

/// A photo of an item.
#[derive(Serialize, ToSchema)]
pub struct PhotoJson {
    pub id: i64,
    /// The item's key.
    pub item: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: String,
    pub created_by: String,
}

fn photo_json(p: Photo) -> PhotoJson {
    PhotoJson {
        id: p.id,
        item: p.item_key,
        name: p.name,
        content_type: p.content_type,
        size: p.size,
        sha256: p.sha256,
        created_at: rfc3339(p.created_at),
        created_by: p.created_by,
    }
}

/// Adds a photo to an item: the body is the image itself (JPEG, PNG or WebP, at most 10 MB),
/// its `Content-Type` the image's type.
#[utoipa::path(post, path = "/api/v1/inspections/{id}/results/{key}/photos", tag = "inspection",
    params(("id" = i64, Path, description = "巡检编号"), ("key" = String, Path, description = "项目序号，如 2.3"),
        crate::servicedesk::api::AttachQuery),
    request_body(content = Vec<u8>, content_type = "image/jpeg"),
    responses(
        (status = 201, body = PhotoJson),
        Forbidden,
        NotFound,
        Conflict,
        TooLarge,
        Invalid,
    ))]
pub async fn add_photo(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath((id, key)): ApiPath<(i64, String)>,
    ApiQuery(q): ApiQuery<crate::servicedesk::api::AttachQuery>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<(StatusCode, Json<PhotoJson>), ApiError> {
    let data = crate::http::files::read_limited(body, yunwei_app::files::MAX_ATTACHMENT_BYTES).await?;
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let file = yunwei_app::files::Upload { name: q.name, content_type, data };
    let p = uc::add_photo(&st.app, &auth.actor, id, &key, file).await?;
    Ok((StatusCode::CREATED, Json(photo_json(p))))
}

/// The photos of an inspection.
#[utoipa::path(get, path = "/api/v1/inspections/{id}/photos", tag = "inspection",
    params(("id" = i64, Path, description = "巡检编号")),
    responses(
        (status = 200, body = Vec<PhotoJson>),
        NotFound,
    ))]
pub async fn list_photos(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<PhotoJson>>, ApiError> {
    Ok(Json(uc::photos(&st.app, &auth.actor, id).await?.into_iter().map(photo_json).collect()))
}

/// One photo (as a download; an `<img>` shows it).
#[utoipa::path(get, path = "/api/v1/inspections/{id}/photos/{photo}", tag = "inspection",
    params(("id" = i64, Path, description = "巡检编号"), ("photo" = i64, Path, description = "照片编号")),
    responses(
        (status = 200, content_type = "image/jpeg", body = Vec<u8>),
        NotFound,
    ))]
pub async fn get_photo(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath((id, photo)): ApiPath<(i64, i64)>,
) -> Result<Response, ApiError> {
    let (p, data) = uc::photo(&st.app, &auth.actor, id, photo).await?;
    Ok(crate::http::files::download_file(&p.name, &p.content_type, data))
}
