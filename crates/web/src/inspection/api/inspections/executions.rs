//! Inspections as the API shows them, and `/api/v1/projects/{code}/inspections` (plan one, list
//! them) and `/api/v1/inspections/{id}` (one with its checklist and answers).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yunwei_app::inspection::{self as uc, Execution, ExecutionFilter, ExecutionView, NewExecution};
use yunwei_domain::FieldError;
use yunwei_domain::id::{CiId, InspectionId, PlanId, UserId};
use yunwei_domain::inspection::Status;

use super::templates::{ItemJson, items_json};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::cursor::{decode_key_cursor, encode_key_cursor};
use crate::http::etag::json_with_status_etag;
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::http::page::{Page, Paging};
use crate::http::time::rfc3339;
use crate::openapi::problems::{Forbidden, Invalid, NotFound};

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

pub(super) fn execution_json(v: &ExecutionView, now: chrono::DateTime<chrono::Utc>) -> ExecutionJson {
    let r = &v.execution;
    let status = r.status;
    let field = |k: &str| v.report.get(k).to_owned();
    let items = items_json(&v.template)
        .into_iter()
        .map(|item| {
            let answer = v.result(&item.key).map(|a| AnswerJson {
                verdict: a.verdict.code().to_owned(),
                value: a.number,
                text: a.text.clone(),
                note: a.note.clone(),
                recorded_at: rfc3339(a.recorded_at),
                by: a.actor.clone(),
                incident_id: a.incident_id.map(|i| i.get()),
            });
            ExecutionItemJson { item, answer }
        })
        .collect();
    ExecutionJson {
        id: r.id.get(),
        number: r.number.clone(),
        status: status.code(),
        status_name: status.label(),
        kind: r.kind.code().to_owned(),
        template: TemplateRefJson {
            code: r.template_code.clone(),
            version: r.template_version,
            name: v.template.name.clone(),
            title: v.template.title.clone(),
            header: v.template.header.clone(),
        },
        ci: r.ci_id.map(|id| CiRefJson { id: id.get(), name: r.ci_name.clone().unwrap_or_default() }),
        planned_for: r.planned_for.to_string(),
        started_at: r.started_at.map(rfc3339),
        completed_at: r.completed_at.map(rfc3339),
        engineer: SignatureJson {
            user_id: r.engineer_id.map(UserId::get),
            name: r.engineer_name.clone(),
            at: r.completed_at.map(rfc3339),
            note: None,
        },
        hospital: SignatureJson {
            user_id: r.hospital_id.map(UserId::get),
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
        plan_id: r.plan_id.map(PlanId::get),
        period: r.period.clone(),
        version: r.version,
    }
}

pub(super) fn respond(st: &AppState, status: StatusCode, v: ExecutionView) -> Response {
    json_with_status_etag(status, v.execution.version, execution_json(&v, st.app.now()))
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

/// The project's inspections, latest planned first.
#[utoipa::path(get, path = "/api/v1/projects/{code}/inspections", tag = "inspection",
    params(("code" = String, Path, description = "项目代码"), ExecutionQuery, Paging),
    responses(
        (status = 200, body = Page<ExecutionSummaryJson>),
        Forbidden,
        NotFound,
        Invalid,
    ))]
pub async fn list_executions(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(code): ApiPath<String>,
    ApiQuery(q): ApiQuery<ExecutionQuery>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<Page<ExecutionSummaryJson>>, ApiError> {
    let mut errors = Vec::new();
    let mut status = Vec::new();
    for s in q.status.as_deref().unwrap_or("").split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match Status::parse(s) {
            Some(s) => status.push(s),
            None if errors.is_empty() => {
                let known = Status::CODES.join(", ");
                errors.push(FieldError::new("status", format!("未知状态“{s}”，可选：{known}")));
            }
            None => {}
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let f = ExecutionFilter {
        status,
        ci_id: q.ci_id.map(CiId::new),
        from: parse_date("from", &q.from)?,
        to: parse_date("to", &q.to)?,
        overdue_at: q.overdue.unwrap_or(false).then(|| st.app.now()),
        plan_id: q.plan_id.map(PlanId::new),
        period: q.period.clone().filter(|p| !p.trim().is_empty()),
        after: paging.cursor().map(decode_day_cursor).transpose()?,
    };
    let now = st.app.now();
    let rows = uc::list(&st.app, &auth.actor, &code, &f, paging.fetch()).await?;
    Ok(Json(paging.page(
        rows,
        |v| encode_key_cursor(&v.execution.planned_for.to_string(), v.execution.id.get()),
        |v| summary_json(v.execution, now),
    )))
}

/// One inspection with its checklist and answers.
#[utoipa::path(get, path = "/api/v1/inspections/{id}", tag = "inspection",
    params(("id" = i64, Path, description = "巡检编号")),
    responses(
        (status = 200, body = ExecutionJson, headers(("ETag" = String))),
        Forbidden, NotFound,
    ))]
pub async fn get_execution(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<InspectionId>,
) -> Result<Response, ApiError> {
    let v = uc::get(&st.app, &auth.actor, id).await?;
    Ok(respond(&st, StatusCode::OK, v))
}

/// A list cursor from [`encode_key_cursor`] over the planned day; a bad one is a 422 on `cursor`.
fn decode_day_cursor(c: &str) -> Result<(NaiveDate, InspectionId), ApiError> {
    let (day, id) = decode_key_cursor(c)?;
    let day = day
        .parse()
        .map_err(|_| ApiError::invalid(vec![FieldError::new("cursor", "游标无效，请使用上一页返回的 next_cursor")]))?;
    Ok((day, InspectionId::new(id)))
}

pub(super) fn summary_json(r: Execution, now: chrono::DateTime<chrono::Utc>) -> ExecutionSummaryJson {
    let s = r.status;
    let overdue = r.overdue(now);
    ExecutionSummaryJson {
        id: r.id.get(),
        number: r.number,
        status: s.code(),
        status_name: s.label(),
        kind: r.kind.code().to_owned(),
        template_code: r.template_code,
        ci: r.ci_id.map(|id| CiRefJson { id: id.get(), name: r.ci_name.unwrap_or_default() }),
        planned_for: r.planned_for.to_string(),
        completed_at: r.completed_at.map(rfc3339),
        report_due: r.report_due.map(rfc3339),
        report_issued_at: r.report_issued_at.map(rfc3339),
        overdue,
        due_at: r.due_at.map(rfc3339),
        period: r.period,
    }
}
