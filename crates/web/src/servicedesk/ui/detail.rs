//! One incident's page: its facts, clocks and history, the actions the caller may take now, its
//! escalation steps and messages, attachments, related incidents and inspection sources.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use yunwei_app::AppError;
use yunwei_app::access::authorize;
use yunwei_app::incident::{self as uc, Event};
use yunwei_domain::id::IncidentId;
use yunwei_domain::identity::{Permission, Role};
use yunwei_domain::servicedesk::{Channel, EventKind, SUPPORT_LINES, Scope, Status, transition};

use super::clocks::{self, ClockView};
use crate::AppState;
use crate::auth::{Auth, UiAuth};
use crate::contract::ui::severities;
use crate::ui::page::{app_error_page, error_page, render};
use crate::ui::shell::Shell;
use crate::ui::time::{local, tz_of};

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

fn event_detail(e: &Event) -> String {
    let s = |k: &str| e.text(k).to_owned();
    match e.kind.as_str() {
        "resolve" => {
            let mut out = format!("原因：{}；措施：{}", s("cause"), s("action"));
            if !s("prevention").is_empty() {
                out.push_str(&format!("；预防：{}", s("prevention")));
            }
            out
        }
        "reclassify" => format!("{} → {}", s("from"), s("severity")),
        "assign" => format!("派给{}", s("assignee_name")),
        "rate" => format!("{} 分（5 分为非常满意）", e.number("score").unwrap_or_default()),
        "escalate" => {
            let to = s("to");
            format!("升级至{}", SUPPORT_LINES.iter().find(|(c, _)| *c == to).map(|(_, l)| *l).unwrap_or(&to))
        }
        _ => String::new(),
    }
}

pub(super) async fn detail_page(
    st: &AppState,
    auth: &Auth,
    code: &str,
    id: yunwei_domain::id::IncidentId,
    error: String,
    status: StatusCode,
) -> Response {
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
    let sev = severities(st, auth, code).await;
    let row = &v.row;
    let status_now = Status::parse(&row.status).unwrap_or(Status::Reported);
    let count = |k: &str| v.events.iter().filter(|e| e.kind == k).count();
    let remote = count("request_remote") > count("start_remote");
    let onsite = count("request_onsite") > count("arrive_onsite");
    let roles = &access.roles;
    let own = row.reporter_id == Some(auth.actor.user_id.get()) && roles.has(Role::Reporter);
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
    let ci = &row.ci;
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
        .map(|e| EventView {
            at: local(e.at, tz),
            label: EventKind::parse(&e.kind).map(EventKind::label).unwrap_or("事件"),
            actor: e.actor.clone(),
            note: e.note.clone(),
            detail: event_detail(e),
        })
        .collect();
    let assignees = if may(EventKind::Assign) {
        match uc::assignees(&st.app, &auth.actor, code).await {
            Ok(a) => a,
            Err(e) => return app_error_page(e),
        }
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
            recipient: notices.recipient(m),
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
    let attachments = match uc::attachments(&st.app, &auth.actor, id).await {
        Ok(a) => a,
        Err(e) => return app_error_page(e),
    };
    let attachments = attachments
        .into_iter()
        .map(|a| {
            let f = a.file;
            let size = if f.size >= 1024 * 1024 {
                format!("{:.1} MB", f.size as f64 / 1048576.0)
            } else {
                format!("{} KB", (f.size + 1023) / 1024)
            };
            (a.id, f.name, size, f.created_by)
        })
        .collect();
    let similar = match uc::related(&st.app, &auth.actor, id).await {
        Ok(r) => r.into_iter().map(|o| (o.id, o.number, o.title)).collect(),
        Err(e) => return app_error_page(e),
    };
    let sources = if roles.grants(Permission::InspectionRead) { v.inspections.clone() } else { Vec::new() };
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
        clocks: clocks::live(&v.clocks, &row.status, now, tz),
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
    Path((code, id)): Path<(String, IncidentId)>,
) -> Response {
    detail_page(&st, &auth, &code, id, String::new(), StatusCode::OK).await
}
