//! Inspection plans: `/api/v1/projects/{code}/inspection-plans` (create, list) and the report of a
//! plan's period, `/api/v1/inspection-plans/{id}/report`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yunwei_app::inspection::ExecutionView;
use yunwei_domain::id::PlanId;
use yunwei_domain::inspection::{Status, Verdict};

use super::executions::{ExecutionSummaryJson, summary_json};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::openapi::problems::{Conflict, Forbidden, Invalid, NotFound};

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
        Forbidden, NotFound,
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
        Forbidden, NotFound,
        Conflict,
        Invalid,
    ))]
pub async fn get_period_report(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<PlanId>,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> Result<Json<PeriodReportJson>, ApiError> {
    let now = st.app.now();
    let r = yunwei_app::inspection_plan::period_report(&st.app, &auth.actor, id, q.period.as_deref()).await?;
    let done =
        r.executions.iter().filter(|e| !e.execution.status.open() && e.execution.status != Status::Cancelled).count();
    let overdue = r.executions.iter().filter(|e| e.overdue(now)).count();
    let answered = r.executions.iter().map(|e| e.results.len()).sum();
    let abnormal = r.executions.iter().map(ExecutionView::abnormal).sum();
    let mut findings = Vec::new();
    for e in &r.executions {
        for a in e.results.iter().filter(|a| a.verdict == Verdict::Abnormal) {
            let item = e.template.item(&a.item_key);
            findings.push(FindingJson {
                inspection_id: e.execution.id.get(),
                number: e.execution.number.clone(),
                ci: e.execution.ci_name.clone(),
                key: a.item_key.clone(),
                section: item.map(|i| i.section.clone()).unwrap_or_default(),
                item: item.map(|i| i.name.clone()).unwrap_or_default(),
                note: a.note.clone(),
                value: a.number,
                incident_id: a.incident_id.map(|i| i.get()),
            });
        }
    }
    Ok(Json(PeriodReportJson {
        plan: plan_json(r.plan, now),
        period: r.period,
        periods: r.periods,
        inspections: r.executions.into_iter().map(|e| summary_json(e.execution, now)).collect(),
        done,
        overdue,
        answered,
        abnormal,
        findings,
    }))
}
