//! The service desk pages: the hotline's list and quick report form, and one incident with its
//! clocks, its history and the actions the caller may take.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use serde_json::Value;
use yunwei_app::AppError;
use yunwei_app::access::{ProjectAccess, authorize};
use yunwei_app::incident::{self as uc, NewEvent, NewIncident};
use yunwei_domain::contract::ClockKind;
use yunwei_domain::identity::{Permission, Role};
use yunwei_domain::servicedesk::{Channel, EventKind, SUPPORT_LINES, Scope, Status, transition};
use yunwei_store::incident::{IncidentFilter, IncidentRow};

use crate::AppState;
use crate::auth::{Auth, UiAuth};
use crate::contract::ui::severities;
use crate::ui::csrf::{csrf_failed, csrf_ok};
use crate::ui::page::{app_error_page, error_page, render};
use crate::ui::shell::Shell;
use crate::ui::time::{local, parse_local, tz_of};

/// A clock as the pages show it.
struct ClockView {
    label: &'static str,
    due: String,
    due_iso: String,
    warn_iso: String,
    /// `met`, `missed`, `running`, `paused`, `waiting`.
    state: &'static str,
    text: String,
}

/// "剩余 1 小时 5 分" / "已超时 20 分".
fn remaining(due: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (due - now).num_seconds();
    let m = secs.abs() / 60;
    let span = if m >= 24 * 60 {
        format!("{} 天 {} 小时", m / (24 * 60), m % (24 * 60) / 60)
    } else if m >= 60 {
        format!("{} 小时 {} 分", m / 60, m % 60)
    } else {
        format!("{m} 分")
    };
    if secs >= 0 { format!("剩余 {span}") } else { format!("已超时 {span}") }
}

fn clock_view(kind: ClockKind, v: &Value, status: &str, now: DateTime<Utc>, tz: Tz) -> ClockView {
    let time =
        |k: &str| v[k].as_str().and_then(|s| DateTime::parse_from_rfc3339(s).ok()).map(|t| t.with_timezone(&Utc));
    let (due, warn) = (time("due"), time("warn_at"));
    let Some(due) = due else {
        return ClockView {
            label: kind.label(),
            due: "—".into(),
            due_iso: String::new(),
            warn_iso: String::new(),
            state: "waiting",
            text: "未开始".into(),
        };
    };
    let (state, text) = match v["met"].as_bool() {
        Some(true) => ("met", "已达标".to_owned()),
        Some(false) => ("missed", "超时".to_owned()),
        None if status == Status::AwaitingApproval.code() && due > now => ("paused", "暂停（待院方批准）".to_owned()),
        None if now > due => ("missed", remaining(due, now)),
        None if warn.is_some_and(|w| now >= w) => ("warn", remaining(due, now)),
        None => ("running", remaining(due, now)),
    };
    ClockView {
        label: kind.label(),
        due: local(due, tz),
        due_iso: due.to_rfc3339(),
        warn_iso: warn.map(|w| w.to_rfc3339()).unwrap_or_default(),
        state,
        text,
    }
}

fn clocks(sla: &Value, status: &str, now: DateTime<Utc>, tz: Tz) -> Vec<ClockView> {
    ClockKind::ALL
        .iter()
        .filter(|k| sla.get(k.code()).is_some())
        .map(|k| clock_view(*k, &sla[k.code()], status, now, tz))
        .collect()
}

fn status_label(s: &str) -> &'static str {
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

fn reasons(e: AppError) -> Result<String, AppError> {
    match e {
        AppError::Invalid(v) => {
            Ok(v.0.iter().map(|e| format!("{}：{}", field_label(&e.field), e.reason)).collect::<Vec<_>>().join("；"))
        }
        AppError::Conflict { reason, .. } => Ok(reason),
        AppError::Stale { .. } => Ok("故障已被他人更新，请刷新后重试".into()),
        other => Err(other),
    }
}

fn field_label(f: &str) -> &str {
    match f {
        "title" => "标题",
        "severity" => "级别",
        "channel" => "渠道",
        "scope" => "影响范围",
        "reported_at" => "报障时间",
        "department" => "科室",
        "description" => "描述",
        "ci" => "配置项",
        "at" => "发生时间",
        "cause" => "故障原因",
        "action" => "处理措施",
        "prevention" => "预防措施",
        "note" => "备注",
        "to" => "升级对象",
        "assignee" => "处理人",
        "score" => "满意度",
        other => other,
    }
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
        involving: (!f.mine.is_empty()).then_some(auth.actor.user_id),
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
        .map(|row: &IncidentRow| {
            let sla: Value = serde_json::from_str(&row.sla).unwrap_or(Value::Null);
            let next = clocks(&sla, &row.status, now, tz)
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
    UiAuth(auth): UiAuth,
    Path(code): Path<String>,
    Form(r): Form<ReportForm>,
) -> Response {
    if !csrf_ok(&auth, &r._csrf) {
        return csrf_failed();
    }
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

/// An action the caller may take now.
struct ActionView {
    kind: &'static str,
    label: &'static str,
}

struct StepView {
    n: i64,
    target: String,
    due: String,
    fired: String,
}

struct MessageView {
    channel: &'static str,
    recipient: String,
    status: &'static str,
    status_code: String,
    attempts: i64,
    error: String,
}

fn channel_label(c: &str) -> &'static str {
    match c {
        "in_app" => "站内消息",
        "email" => "邮件",
        "wecom" => "企业微信群",
        "dingtalk" => "钉钉群",
        "webhook" => "Webhook",
        _ => "其他",
    }
}

struct EventView {
    at: String,
    label: &'static str,
    actor: String,
    note: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "servicedesk/incident.html")]
struct DetailPage {
    shell: Shell,
    code: String,
    id: i64,
    number: String,
    title: String,
    description: String,
    status: &'static str,
    status_code: String,
    severity: String,
    facts: Vec<(&'static str, String)>,
    clocks: Vec<ClockView>,
    events: Vec<EventView>,
    actions: Vec<ActionView>,
    can_resolve: bool,
    can_reclassify: bool,
    can_escalate: bool,
    can_comment: bool,
    can_assign: bool,
    can_rate: bool,
    assignees: Vec<(String, String)>,
    severities: Vec<(String, String)>,
    version: i64,
    error: String,
    steps: Vec<StepView>,
    messages: Vec<MessageView>,
    /// (id, name, size in words, uploader)
    attachments: Vec<(i64, String, String, String)>,
    /// Other incidents on the same configuration items within an hour of this one.
    similar: Vec<(i64, String, String)>,
    /// The inspection answers it came from: (inspection id, number, item key).
    sources: Vec<(i64, String, String)>,
}

fn event_detail(kind: &str, data: &Value) -> String {
    let s = |k: &str| data[k].as_str().unwrap_or_default().to_owned();
    match kind {
        "resolve" => {
            let mut out = format!("原因：{}；措施：{}", s("cause"), s("action"));
            if !s("prevention").is_empty() {
                out.push_str(&format!("；预防：{}", s("prevention")));
            }
            out
        }
        "reclassify" => format!("{} → {}", s("from"), s("severity")),
        "assign" => format!("派给{}", s("assignee_name")),
        "rate" => format!("{} 分（5 分为非常满意）", data["score"].as_i64().unwrap_or_default()),
        "escalate" => {
            let to = s("to");
            format!("升级至{}", SUPPORT_LINES.iter().find(|(c, _)| *c == to).map(|(_, l)| *l).unwrap_or(&to))
        }
        _ => String::new(),
    }
}

async fn detail_page(st: &AppState, auth: &Auth, code: &str, id: i64, error: String, status: StatusCode) -> Response {
    let access = match authorize(&st.app, &auth.actor, code, Permission::IncidentRead).await {
        Ok(a) => a,
        Err(e) => return app_error_page(e),
    };
    let v = match uc::get(&st.app, &auth.actor, id).await {
        Ok(v) if v.row.project_id == access.project.id => v,
        Ok(_) | Err(AppError::NotFound(_)) => return error_page(StatusCode::NOT_FOUND, "页面不存在", "没有这个故障。"),
        Err(e) => return app_error_page(e),
    };
    let tz = tz_of(&access);
    let now = st.app.now();
    let sla = crate::servicedesk::api::clocks_json(&v.clocks);
    let sev = severities(st, auth, code).await;
    let row = &v.row;
    let status_now = Status::parse(&row.status).unwrap_or(Status::Reported);
    let count = |k: &str| v.events.iter().filter(|e| e.kind == k).count();
    let remote = count("request_remote") > count("start_remote");
    let onsite = count("request_onsite") > count("arrive_onsite");
    let roles = &access.roles;
    let own = row.reporter_id == Some(auth.actor.user_id) && roles.has(Role::Reporter);
    let may = |k: EventKind| -> bool {
        let allowed = uc::may_record(roles, own, k);
        allowed && transition(status_now, k, remote, onsite).is_ok()
    };
    let simple = [
        EventKind::Respond,
        EventKind::RequestRemote,
        EventKind::StartRemote,
        EventKind::RequestOnsite,
        EventKind::ArriveOnsite,
        EventKind::RequestApproval,
        EventKind::Approve,
        EventKind::Confirm,
        EventKind::Reopen,
    ];
    let actions = simple.iter().filter(|k| may(**k)).map(|k| ActionView { kind: k.code(), label: k.label() }).collect();
    let ci: Vec<String> = serde_json::from_str(&row.ci).unwrap_or_default();
    let line = SUPPORT_LINES.iter().find(|(c, _)| *c == row.support_line).map(|(_, l)| *l).unwrap_or("一线");
    let facts = vec![
        ("报障渠道", Channel::parse(&row.channel).map(Channel::label).unwrap_or("—").to_owned()),
        ("报障时间", local(row.reported_at, tz)),
        ("报障人", row.reporter_name.clone().unwrap_or_default()),
        ("科室", row.department.clone().unwrap_or_else(|| "—".into())),
        ("影响范围", Scope::parse(&row.scope).map(Scope::label).unwrap_or("—").to_owned()),
        ("处理人", row.assignee_name.clone().unwrap_or_else(|| "未指派".into())),
        ("支持级别", line.to_owned()),
        ("配置项", if ci.is_empty() { "—".into() } else { ci.join("、") }),
    ];
    let events = v
        .events
        .iter()
        .map(|e| {
            let data: Value = serde_json::from_str(&e.data).unwrap_or(Value::Null);
            EventView {
                at: local(e.at, tz),
                label: EventKind::parse(&e.kind).map(EventKind::label).unwrap_or("事件"),
                actor: e.actor.clone(),
                note: e.note.clone(),
                detail: event_detail(&e.kind, &data),
            }
        })
        .collect();
    let assignees = if may(EventKind::Assign) {
        uc::assignees(&st.app, &auth.actor, code).await.unwrap_or_default()
    } else {
        Vec::new()
    };
    let notices = match yunwei_app::notify::incident_notices(&st.app, &auth.actor, id).await {
        Ok(n) => n,
        Err(e) => return app_error_page(e),
    };
    let steps = notices
        .steps
        .iter()
        .map(|s| StepView {
            n: s.step + 1,
            target: s.target.clone(),
            due: s.due_at.map(|t| local(t, tz)).unwrap_or_else(|| "暂停中".into()),
            fired: s.fired_at.map(|t| local(t, tz)).unwrap_or_default(),
        })
        .collect();
    let mut messages = Vec::new();
    for m in &notices.messages {
        messages.push(MessageView {
            channel: channel_label(&m.channel),
            recipient: crate::notify::api::recipient_name(st, m).await,
            status: match m.status.as_str() {
                "sent" => "已送达",
                "failed" => "已放弃",
                _ => "待发送",
            },
            status_code: m.status.clone(),
            attempts: m.attempts,
            error: m.last_error.clone().unwrap_or_default(),
        });
    }
    let attachments = yunwei_store::incident::attachments(&st.app.db, row.id)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|a| {
            let size = if a.size >= 1024 * 1024 {
                format!("{:.1} MB", a.size as f64 / 1048576.0)
            } else {
                format!("{} KB", (a.size + 1023) / 1024)
            };
            (a.id, a.name, size, a.created_by)
        })
        .collect();
    let similar = if ci.is_empty() {
        Vec::new()
    } else {
        let window = chrono::Duration::hours(1);
        let filter = IncidentFilter {
            reported_from: Some(row.reported_at - window),
            reported_to: Some(row.reported_at + window),
            ..Default::default()
        };
        uc::list(&st.app, &auth.actor, code, filter, 200)
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|o| o.id != row.id)
            .filter(|o| serde_json::from_str::<Vec<String>>(&o.ci).unwrap_or_default().iter().any(|c| ci.contains(c)))
            .map(|o| (o.id, o.number, o.title))
            .collect()
    };
    let sources = if roles.grants(Permission::InspectionRead) {
        yunwei_store::inspection::sources_of_incident(&st.app.db, row.id).await.unwrap_or_default()
    } else {
        Vec::new()
    };
    let shell = match Shell::build(st, auth, &row.number, Some(&access), "servicedesk").await {
        Ok(s) => s,
        Err(e) => return app_error_page(e),
    };
    let page = DetailPage {
        shell,
        code: code.to_owned(),
        id: row.id,
        number: row.number.clone(),
        title: row.title.clone(),
        description: row.description.clone(),
        status: status_now.label(),
        status_code: row.status.clone(),
        severity: sev
            .iter()
            .find(|(k, _)| *k == row.severity)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| row.severity.clone()),
        facts,
        clocks: clocks(&sla, &row.status, now, tz),
        events,
        actions,
        can_resolve: may(EventKind::Resolve),
        can_reclassify: may(EventKind::Reclassify),
        can_escalate: may(EventKind::Escalate),
        can_comment: may(EventKind::Comment),
        can_assign: may(EventKind::Assign),
        can_rate: may(EventKind::Rate) && !v.events.iter().any(|e| e.kind == EventKind::Rate.code()),
        assignees,
        severities: sev,
        version: row.version,
        error,
        steps,
        messages,
        similar,
        sources,
        attachments,
    };
    (status, render(&page)).into_response()
}

/// `GET /p/{code}/incidents/{id}`.
pub async fn detail(
    State(st): State<AppState>,
    UiAuth(auth): UiAuth,
    Path((code, id)): Path<(String, i64)>,
) -> Response {
    detail_page(&st, &auth, &code, id, String::new(), StatusCode::OK).await
}

/// An action form.
#[derive(Deserialize, Default)]
pub struct EventForm {
    #[serde(default)]
    _csrf: String,
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    at: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    score: String,
    #[serde(default)]
    cause: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    prevention: String,
    #[serde(default)]
    version: Option<i64>,
}

/// The caller's access to project `code` if incident `id` is in it and they may read it there;
/// else the page they get instead.
async fn incident_in_project(st: &AppState, auth: &Auth, code: &str, id: i64) -> Result<ProjectAccess, Response> {
    let access = authorize(&st.app, &auth.actor, code, Permission::IncidentRead).await.map_err(app_error_page)?;
    match yunwei_store::incident::get(&st.app.db, id).await {
        Ok(Some(r)) if r.project_id == access.project.id => Ok(access),
        Ok(_) => Err(error_page(StatusCode::NOT_FOUND, "页面不存在", "没有这个故障。")),
        Err(e) => Err(app_error_page(e.into())),
    }
}

/// `POST /p/{code}/incidents/{id}/events`.
pub async fn event(
    State(st): State<AppState>,
    UiAuth(auth): UiAuth,
    Path((code, id)): Path<(String, i64)>,
    Form(f): Form<EventForm>,
) -> Response {
    if !csrf_ok(&auth, &f._csrf) {
        return csrf_failed();
    }
    let access = match incident_in_project(&st, &auth, &code, id).await {
        Ok(a) => a,
        Err(page) => return page,
    };
    let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let result = match parse_local("发生时间", &f.at, tz_of(&access)) {
        Err(msg) => Err(AppError::Invalid(yunwei_domain::ValidationErrors::single("at", msg))),
        Ok(at) => {
            let input = NewEvent {
                kind: f.kind.clone(),
                at,
                note: opt(&f.note),
                severity: opt(&f.severity),
                to: opt(&f.to),
                assignee: opt(&f.assignee),
                score: f.score.trim().parse().ok(),
                cause: opt(&f.cause),
                action: opt(&f.action),
                prevention: opt(&f.prevention),
            };
            uc::add_event(&st.app, &auth.actor, id, input, f.version).await
        }
    };
    match result {
        Ok(_) => Redirect::to(&format!("/p/{code}/incidents/{id}")).into_response(),
        Err(e) => match reasons(e) {
            Ok(msg) => {
                detail_page(&st, &auth, &code, id, format!("未能执行：{msg}"), StatusCode::UNPROCESSABLE_ENTITY).await
            }
            Err(e) => app_error_page(e),
        },
    }
}

/// `POST /p/{code}/incidents/{id}/attachments`: a file from the incident page (multipart form).
pub async fn upload(
    State(st): State<AppState>,
    UiAuth(auth): UiAuth,
    Path((code, id)): Path<(String, i64)>,
    mut form: axum::extract::Multipart,
) -> Response {
    let mut csrf = String::new();
    let mut file: Option<yunwei_app::files::Upload> = None;
    let too_large = format!("未能上传：附件最大 {} MB", yunwei_app::files::MAX_ATTACHMENT_BYTES / 1024 / 1024);
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => return detail_page(&st, &auth, &code, id, too_large, StatusCode::PAYLOAD_TOO_LARGE).await,
        };
        match field.name().unwrap_or_default() {
            "_csrf" => csrf = field.text().await.unwrap_or_default(),
            "file" => {
                let name = field.file_name().unwrap_or_default().to_owned();
                let content_type = field.content_type().unwrap_or_default().to_owned();
                match field.bytes().await {
                    Ok(b) => file = Some(yunwei_app::files::Upload { name, content_type, data: b.to_vec() }),
                    Err(_) => {
                        return detail_page(&st, &auth, &code, id, too_large, StatusCode::PAYLOAD_TOO_LARGE).await;
                    }
                }
            }
            _ => {}
        }
    }
    if !csrf_ok(&auth, &csrf) {
        return csrf_failed();
    }
    if let Err(page) = incident_in_project(&st, &auth, &code, id).await {
        return page;
    }
    let Some(file) = file else {
        return detail_page(&st, &auth, &code, id, "未能上传：请选择文件".into(), StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    };
    if file.data.len() > yunwei_app::files::MAX_ATTACHMENT_BYTES {
        return detail_page(&st, &auth, &code, id, too_large, StatusCode::PAYLOAD_TOO_LARGE).await;
    }
    match uc::attach(&st.app, &auth.actor, id, file).await {
        Ok(_) => Redirect::to(&format!("/p/{code}/incidents/{id}")).into_response(),
        Err(AppError::Invalid(v)) => {
            let msg = v.0.iter().map(|e| e.reason.clone()).collect::<Vec<_>>().join("；");
            detail_page(&st, &auth, &code, id, format!("未能上传：{msg}"), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => app_error_page(e),
    }
}

/// `GET /p/{code}/incidents/{id}/attachments/{attachment}`.
pub async fn attachment(
    State(st): State<AppState>,
    UiAuth(auth): UiAuth,
    Path((code, id, attachment)): Path<(String, i64, i64)>,
) -> Response {
    let access = match authorize(&st.app, &auth.actor, &code, Permission::IncidentRead).await {
        Ok(a) => a,
        Err(e) => return app_error_page(e),
    };
    match uc::attachment(&st.app, &auth.actor, id, attachment).await {
        Ok((a, data)) if a.project_id == access.project.id => crate::servicedesk::api::download(&a, data),
        Ok(_) | Err(AppError::NotFound(_)) => error_page(StatusCode::NOT_FOUND, "页面不存在", "没有这个附件。"),
        Err(e) => app_error_page(e),
    }
}
