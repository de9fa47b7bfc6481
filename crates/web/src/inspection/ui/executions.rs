//! The inspection pages (巡检): the project's inspections with a form to plan one, the checklists
//! it may use and the plans that generate inspections (`plans`); a checklist shown, copied and
//! edited (`templates`); one inspection filled in item by item on a phone (`execution`); and the
//! printable inspection report with its Word document (`report`); the report of a plan's period
//! (`period_report`).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use yunwei_app::AppError;
use yunwei_app::access::{ProjectAccess, authorize};
use yunwei_app::inspection::{self as uc, ExecutionFilter, ExecutionView, NewExecution, REPORT_FIELDS};
use yunwei_domain::ValidationErrors;
use yunwei_domain::id::PlanId;
use yunwei_domain::identity::Permission;
use yunwei_domain::inspection::{Item, Kind, ResultKind, Status, range_text};

use crate::AppState;
use crate::auth::{Auth, UiAuth};
use crate::ui::csrf::CheckedForm;
use crate::ui::form_errors::FormErrors;
use crate::ui::page::{app_error_page, error_page, render};
use crate::ui::shell::Shell;
use crate::ui::time::local;
use crate::ui::time::tz_of;

/// Navigation key of these pages.
pub(crate) const ACTIVE: &str = "inspection";

/// Whether the report came in time, as a word and a colour class (`due`: it has a due time).
pub(crate) fn met_view(met: Option<bool>, due: bool) -> (&'static str, &'static str) {
    match met {
        Some(true) => ("按时", "met"),
        Some(false) => ("逾期", "missed"),
        None if due => ("未到期", "open"),
        None => ("", "none"),
    }
}

/// What an item asks for beyond its name: the normal range of a number, with its unit.
pub(crate) fn range_of(item: &Item) -> String {
    if item.result == ResultKind::Number { range_text(item) } else { String::new() }
}

/// A number as typed back into a form (`95`, `37.5`).
pub(crate) fn number_text(n: Option<f64>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

fn field_label(f: &str) -> &str {
    if let Some((_, l)) = REPORT_FIELDS.iter().find(|(k, _)| *k == f) {
        return l;
    }
    match f {
        "template" => "巡检模板",
        "ci_id" => "配置项",
        "planned_for" => "计划日期",
        "kind" => "巡检类型",
        "verdict" => "结论",
        "value" => "测量值",
        "text" => "记录",
        "note" => "备注",
        "results" => "巡检项目",
        "item" => "巡检项目",
        "status" => "状态",
        "severity" => "故障级别",
        "recorded_at" => "填写时间",
        other => other,
    }
}

/// The field names of this page's forms, in Chinese.
fn label(f: &str) -> String {
    field_label(f).to_owned()
}

/// How this page words a refused form.
const FORM: FormErrors = FormErrors::new(label).stale("巡检刚被他人更新，请刷新后重试");

/// The words of a refusal the page can show; other errors become error pages.
pub(crate) fn reasons(e: AppError) -> Result<String, AppError> {
    FORM.reasons(e)
}

/// The inspection `id` of project `code` as the caller may read it, with the caller's access
/// there; else the page they get instead (404 outside the project, 403 without the right).
pub(crate) async fn execution_in_project(
    st: &AppState,
    auth: &Auth,
    code: &str,
    id: yunwei_domain::id::InspectionId,
) -> Result<(ProjectAccess, ExecutionView), Response> {
    let access = authorize(&st.app, &auth.actor, code, Permission::InspectionRead).await.map_err(app_error_page)?;
    match uc::get(&st.app, &auth.actor, id).await {
        Ok(v) if v.execution.project_id.get() == access.project.id => Ok((access, v)),
        Ok(_) | Err(AppError::NotFound(_)) => Err(error_page(StatusCode::NOT_FOUND, "页面不存在", "没有这个巡检。")),
        Err(e) => Err(app_error_page(e)),
    }
}

/// One inspection in the list.
struct Row {
    id: i64,
    number: String,
    template: String,
    ci: String,
    kind: &'static str,
    planned_for: String,
    /// By when the inspection itself is to be done (a plan's), and whether that has passed.
    due_at: String,
    overdue: bool,
    status: &'static str,
    status_code: &'static str,
    due: String,
    issued: String,
    met: &'static str,
    met_class: &'static str,
}

/// A checklist in the list of templates.
struct TemplateLink {
    code: String,
    name: String,
    cycle: &'static str,
    items: usize,
    source: String,
    /// `内置` or `第 2 版`.
    version: String,
    builtin: bool,
}

/// List filters as typed.
#[derive(Deserialize, Default, Clone)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    /// Only those past their due time and not done.
    #[serde(default)]
    overdue: String,
    /// Only those a plan generated (its id).
    #[serde(default)]
    plan: String,
    /// How many the plan generated when it was just created.
    #[serde(default)]
    created: String,
}

/// The planning form as typed.
#[derive(Deserialize, Default, Clone)]
pub struct PlanForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    template: String,
    #[serde(default)]
    ci_id: String,
    #[serde(default)]
    planned_for: String,
    #[serde(default)]
    kind: String,
}

#[derive(Template)]
#[template(path = "inspection/inspections.html")]
struct ListPage {
    shell: Shell,
    code: String,
    rows: Vec<Row>,
    /// More inspections match than are shown.
    more: bool,
    limit: u64,
    statuses: Vec<(&'static str, &'static str)>,
    f: ListQuery,
    can_plan: bool,
    form: PlanForm,
    /// (code, name) of the built-ins and of the project's own.
    builtin: Vec<(String, String)>,
    own: Vec<(String, String)>,
    /// (id, label) of the project's CIs.
    cis: Vec<(String, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    templates: Vec<TemplateLink>,
    error: String,
    plans: super::plans::Section,
    /// The plan the list is filtered by, and how many it just generated (empty unless created).
    plan_name: String,
    created: String,
}

/// Rows the list shows at most.
const LIMIT: u64 = 200;

#[allow(clippy::too_many_arguments)]
pub(crate) async fn list_page(
    st: &AppState,
    auth: &Auth,
    code: &str,
    f: ListQuery,
    form: PlanForm,
    error: String,
    plan: Option<super::plans::Typed>,
    status: StatusCode,
) -> Response {
    let access = match authorize(&st.app, &auth.actor, code, Permission::InspectionRead).await {
        Ok(a) => a,
        Err(e) => return app_error_page(e),
    };
    let tz = tz_of(&access);
    let now = st.app.now();
    let plan_id = f.plan.trim().parse::<i64>().ok();
    let filter = ExecutionFilter {
        status: Status::parse(&f.status).into_iter().collect(),
        overdue_at: (!f.overdue.is_empty()).then_some(now),
        plan_id: plan_id.map(PlanId::new),
        ..Default::default()
    };
    let mut list = match uc::list(&st.app, &auth.actor, code, &filter, LIMIT + 1).await {
        Ok(l) => l,
        Err(e) => return app_error_page(e),
    };
    let more = list.len() as u64 > LIMIT;
    list.truncate(LIMIT as usize);
    let rows = list
        .into_iter()
        .map(|v| {
            let s = v.execution.status;
            let (met, met_class) = met_view(v.report_met(now), v.execution.report_due.is_some());
            let overdue = v.overdue(now);
            // The execution keeps the template it was planned with, under its name then.
            let ExecutionView { execution: row, template, .. } = v;
            Row {
                id: row.id.get(),
                number: row.number,
                template: template.name,
                ci: row.ci_name.unwrap_or_default(),
                kind: row.kind.label(),
                planned_for: row.planned_for.to_string(),
                due_at: row.due_at.map(|t| local(t, tz)).unwrap_or_default(),
                overdue,
                status: s.label(),
                status_code: s.code(),
                due: row.report_due.map(|t| local(t, tz)).unwrap_or_default(),
                issued: row.report_issued_at.map(|t| local(t, tz)).unwrap_or_default(),
                met,
                met_class,
            }
        })
        .collect();
    let all = match uc::templates(&st.app, &auth.actor, code).await {
        Ok(t) => t,
        Err(e) => return app_error_page(e),
    };
    let pick = |builtin: bool| -> Vec<(String, String)> {
        all.iter()
            .filter(|t| t.builtin == builtin)
            .map(|t| (t.template.code.clone(), t.template.name.clone()))
            .collect()
    };
    let (builtin, own) = (pick(true), pick(false));
    let templates = all
        .iter()
        .map(|t| TemplateLink {
            code: t.template.code.clone(),
            name: t.template.name.clone(),
            cycle: t.template.cycle.label(),
            items: t.template.items.len(),
            source: t.template.source.clone(),
            version: if t.builtin { "内置".into() } else { format!("第 {} 版", t.version) },
            builtin: t.builtin,
        })
        .collect();
    let can_plan = access.roles.grants(Permission::InspectionWork);
    let plans = match super::plans::section(st, auth, code, &access, &all, plan).await {
        Ok(p) => p,
        Err(e) => return app_error_page(e),
    };
    let plan_name =
        plan_id.and_then(|id| plans.rows.iter().find(|p| p.id == id)).map(|p| p.name.clone()).unwrap_or_default();
    let cis = if can_plan || plans.can_create {
        match ci_options(st, auth, code).await {
            Ok(c) => c,
            Err(e) => return app_error_page(e),
        }
    } else {
        Vec::new()
    };
    let form = PlanForm {
        planned_for: if form.planned_for.is_empty() {
            now.with_timezone(&tz).date_naive().to_string()
        } else {
            form.planned_for
        },
        ..form
    };
    let shell = match Shell::build(st, auth, "巡检", Some(&access), ACTIVE).await {
        Ok(s) => s,
        Err(e) => return app_error_page(e),
    };
    let page = ListPage {
        shell,
        code: code.to_owned(),
        rows,
        more,
        limit: LIMIT,
        statuses: Status::ALL.iter().map(|s| (s.code(), s.label())).collect(),
        can_plan,
        form,
        builtin,
        own,
        cis,
        kinds: Kind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
        templates,
        error,
        plans,
        created: if plan_name.is_empty() { String::new() } else { f.created.trim().to_owned() },
        plan_name,
        f,
    };
    (status, render(&page)).into_response()
}

/// The project's CIs for the planning form, by name: (id, "name（type）").
async fn ci_options(st: &AppState, auth: &Auth, code: &str) -> Result<Vec<(String, String)>, AppError> {
    let mut cis = uc::ci_choices(&st.app, &auth.actor, code)
        .await?
        .into_iter()
        .map(|c| {
            let kind = yunwei_domain::cmdb::ci_type(&c.kind).map(|t| t.name_zh).unwrap_or("其他");
            (c.id.to_string(), format!("{}（{kind}）", c.name))
        })
        .collect::<Vec<_>>();
    cis.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(cis)
}

/// `GET /p/{code}/inspections`.
pub async fn list(
    State(st): State<AppState>,
    UiAuth(auth): UiAuth,
    Path(code): Path<String>,
    Query(f): Query<ListQuery>,
) -> Response {
    let form = PlanForm { kind: Kind::Routine.code().to_owned(), ..Default::default() };
    list_page(&st, &auth, &code, f, form, String::new(), None, StatusCode::OK).await
}

/// The planning form read into the use case's input; bad dates and ids name their field.
fn new_execution(f: &PlanForm) -> Result<NewExecution, ValidationErrors> {
    let mut v = ValidationErrors::default();
    let ci_id = match f.ci_id.trim() {
        "" => None,
        s => s.parse().map(Some).unwrap_or_else(|_| {
            v.push("ci_id", "请从列表中选择配置项");
            None
        }),
    };
    let planned_for = match f.planned_for.trim() {
        "" => None,
        s => NaiveDate::parse_from_str(s, "%Y-%m-%d").map(Some).unwrap_or_else(|_| {
            v.push("planned_for", "须为日期，例如 2026-03-01");
            None
        }),
    };
    v.into_result()?;
    Ok(NewExecution {
        template: f.template.trim().to_owned(),
        ci_id,
        planned_for,
        kind: Some(f.kind.trim().to_owned()).filter(|k| !k.is_empty()),
    })
}

/// `POST /p/{code}/inspections`: plans an inspection; on success, its page.
pub async fn plan(
    State(st): State<AppState>,
    Path(code): Path<String>,
    CheckedForm(auth, f): CheckedForm<PlanForm>,
) -> Response {
    let result = match new_execution(&f) {
        Ok(n) => uc::create_execution(&st.app, &auth.actor, &code, n).await,
        Err(v) => Err(v.into()),
    };
    match result {
        Ok(v) => Redirect::to(&format!("/p/{code}/inspections/{}", v.execution.id)).into_response(),
        Err(e) => match reasons(e) {
            Ok(msg) => {
                let msg = format!("未能计划巡检：{msg}");
                let status = StatusCode::UNPROCESSABLE_ENTITY;
                list_page(&st, &auth, &code, ListQuery::default(), f, msg, None, status).await
            }
            Err(e) => app_error_page(e),
        },
    }
}
