//! The hotline's list of incidents with its filters, and the quick report form above it.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use yunwei_app::AppError;
use yunwei_app::access::authorize;
use yunwei_app::incident::{self as uc, Incident, IncidentFilter, NewIncident};
use yunwei_domain::identity::{Permission, Role};
use yunwei_domain::servicedesk::{Channel, Scope, Status};

use super::clocks::{self, ClockView};
use super::forms::reasons;
use crate::AppState;
use crate::auth::{Auth, UiAuth};
use crate::contract::ui::severities;
use crate::ui::csrf::CheckedForm;
use crate::ui::page::{app_error_page, render};
use crate::ui::shell::Shell;
use crate::ui::time::{local, parse_local, tz_of};

pub(super) fn status_label(s: &str) -> &'static str {
    Status::parse(s).map(Status::label).unwrap_or("未知")
}

/// One row of the list.
struct Item {
    id: i64,
    number: String,
    title: String,
    severity: String,
    status: String,
    status_code: String,
    reported: String,
    next: Option<ClockView>,
}

#[derive(Template)]
#[template(path = "servicedesk/incidents.html")]
struct ListPage {
    shell: Shell,
    code: String,
    items: Vec<Item>,
    can_report: bool,
    /// The report form starts unfolded for the hotline and the wards.
    open_report: bool,
    severities: Vec<(String, String)>,
    channels: Vec<(&'static str, &'static str)>,
    scopes: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    f: ListQuery,
    r: ReportForm,
    error: String,
    next_url: String,
}

/// List filters as typed.
#[derive(Deserialize, Default, Clone)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    breached: String,
    #[serde(default)]
    text: String,
    /// Assigned to or reported by the caller.
    #[serde(default)]
    mine: String,
    #[serde(default)]
    before: Option<i64>,
}

/// The quick report form.
#[derive(Deserialize, Default, Clone)]
pub struct ReportForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    reported_at: String,
    #[serde(default)]
    ci: String,
    #[serde(default)]
    description: String,
}

#[allow(clippy::too_many_arguments)]
async fn list_page(
    st: &AppState,
    auth: &Auth,
    code: &str,
    f: ListQuery,
    r: ReportForm,
    error: String,
    status: StatusCode,
) -> Response {
    let access = match authorize(&st.app, &auth.actor, code, Permission::IncidentRead).await {
        Ok(a) => a,
        Err(e) => return app_error_page(e),
    };
    let tz = tz_of(&access);
    let now = st.app.now();
    let filter = IncidentFilter {
        status: Some(f.status.clone()).filter(|s| !s.is_empty()).into_iter().collect(),
        severity: Some(f.severity.clone()).filter(|s| !s.is_empty()).into_iter().collect(),
        breached_at: (!f.breached.is_empty()).then_some(now),
        involving: (!f.mine.is_empty()).then_some(auth.actor.user_id.get()),
        text: Some(f.text.trim().to_owned()).filter(|s| !s.is_empty()),
        before_id: f.before,
        ..Default::default()
    };
    const PAGE: u64 = 50;
    let mut rows = match uc::list(&st.app, &auth.actor, code, filter, PAGE + 1).await {
        Ok(r) => r,
        Err(e) => return app_error_page(e),
    };
    let more = rows.len() as u64 > PAGE;
    rows.truncate(PAGE as usize);
    let sev = severities(st, auth, code).await;
    let sev_name = |c: &str| sev.iter().find(|(k, _)| k == c).map(|(_, n)| n.clone()).unwrap_or_else(|| c.to_owned());
    let items = rows
        .iter()
        .map(|row: &Incident| {
            let next = clocks::stored(&row.sla, &row.status, now, tz)
                .into_iter()
                .filter(|c| matches!(c.state, "running" | "warn" | "missed" | "paused"))
                .filter(|c| c.state != "missed" || c.text.starts_with("已超时"))
                .min_by(|a, b| a.due_iso.cmp(&b.due_iso));
            Item {
                id: row.id,
                number: row.number.clone(),
                title: row.title.clone(),
                severity: sev_name(&row.severity),
                status: status_label(&row.status).to_owned(),
                status_code: row.status.clone(),
                reported: local(row.reported_at, tz),
                next,
            }
        })
        .collect();
    let next_url = if more {
        let last = rows.last().map(|r| r.id).unwrap_or_default();
        let q = serde_urlencoded::to_string([
            ("status", f.status.as_str()),
            ("severity", f.severity.as_str()),
            ("breached", f.breached.as_str()),
            ("text", f.text.as_str()),
            ("mine", f.mine.as_str()),
        ])
        .unwrap_or_default();
        format!("/p/{code}/incidents?{q}&before={last}")
    } else {
        String::new()
    };
    let can_report = access.roles.grants(Permission::IncidentReport);
    let shell = match Shell::build(st, auth, "服务台", Some(&access), "servicedesk").await {
        Ok(s) => s,
        Err(e) => return app_error_page(e),
    };
    let page = ListPage {
        shell,
        code: code.to_owned(),
        items,
        can_report,
        open_report: !error.is_empty() || access.roles.has(Role::Dispatcher) || access.roles.has(Role::Reporter),
        severities: sev,
        channels: Channel::ALL.iter().map(|c| (c.code(), c.label())).collect(),
        scopes: Scope::ALL.iter().map(|c| (c.code(), c.label())).collect(),
        statuses: Status::ALL.iter().map(|c| (c.code(), c.label())).collect(),
        f,
        r,
        error,
        next_url,
    };
    (status, render(&page)).into_response()
}

/// `GET /p/{code}/incidents`.
pub async fn list(
    State(st): State<AppState>,
    UiAuth(auth): UiAuth,
    Path(code): Path<String>,
    Query(f): Query<ListQuery>,
) -> Response {
    let r = ReportForm {
        channel: Channel::Phone.code().into(),
        scope: Scope::Department.code().into(),
        ..Default::default()
    };
    list_page(&st, &auth, &code, f, r, String::new(), StatusCode::OK).await
}

/// `POST /p/{code}/incidents`: the quick report; on success, the new incident's page.
pub async fn report(
    State(st): State<AppState>,
    Path(code): Path<String>,
    CheckedForm(auth, r): CheckedForm<ReportForm>,
) -> Response {
    let tz = match authorize(&st.app, &auth.actor, &code, Permission::IncidentRead).await {
        Ok(a) => tz_of(&a),
        Err(e) => return app_error_page(e),
    };
    let result = match parse_local("报障时间", &r.reported_at, tz) {
        Err(msg) => Err(AppError::Invalid(yunwei_domain::ValidationErrors::single("reported_at", msg))),
        Ok(reported_at) => {
            let input = NewIncident {
                title: r.title.clone(),
                description: r.description.clone(),
                severity: r.severity.clone(),
                channel: r.channel.clone(),
                reported_at,
                department: Some(r.department.clone()),
                scope: Some(r.scope.clone()).filter(|s| !s.is_empty()),
                category: None,
                ci: r
                    .ci
                    .split([',', '，', '、', '\n'])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
            };
            uc::create(&st.app, &auth.actor, &code, input).await
        }
    };
    match result {
        Ok(v) => Redirect::to(&format!("/p/{code}/incidents/{}", v.row.id)).into_response(),
        Err(e) => match reasons(e) {
            Ok(msg) => {
                let msg = format!("未能提交：{msg}");
                list_page(&st, &auth, &code, ListQuery::default(), r, msg, StatusCode::UNPROCESSABLE_ENTITY).await
            }
            Err(e) => app_error_page(e),
        },
    }
}
