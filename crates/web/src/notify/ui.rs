//! Notification pages: a project's ladder contacts and group robots, and the caller's messages.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use yunwei_app::AppError;
use yunwei_app::access::authorize;
use yunwei_app::notify::{self as uc, CHANNEL_KINDS, host_of};
use yunwei_domain::id::ChannelId;
use yunwei_domain::identity::Permission;

use crate::AppState;
use crate::auth::{Auth, UiAuth};
use crate::ui::csrf::CheckedForm;
use crate::ui::form_errors::FormErrors;
use crate::ui::page::{app_error_page, render};
use crate::ui::shell::Shell;

struct TargetView {
    code: String,
    label: String,
    users: String,
}

struct ChannelView {
    id: i64,
    kind: &'static str,
    name: String,
    host: String,
    signed: bool,
}

#[derive(Template)]
#[template(path = "notify/notify_settings.html")]
struct SettingsPage {
    shell: Shell,
    code: String,
    targets: Vec<TargetView>,
    channels: Vec<ChannelView>,
    kinds: &'static [(&'static str, &'static str)],
    message: String,
    error: String,
}

fn target_label(t: &str) -> String {
    match t {
        "manager1" => "Manager1 · 技术部经理、项目经理".into(),
        "manager2" => "Manager2 · 服务交付中心经理".into(),
        "manager3" => "Manager3 · 公司总经理".into(),
        "l2" => "二线工程师".into(),
        "expert" => "专家".into(),
        other => other.into(),
    }
}

async fn settings_page(st: &AppState, auth: &Auth, code: &str, message: String, error: String) -> Response {
    let status = if error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let access = match authorize(&st.app, &auth.actor, code, Permission::NotifyManage).await {
        Ok(a) => a,
        Err(e) => return app_error_page(e),
    };
    let s = match uc::settings(&st.app, &auth.actor, code).await {
        Ok(s) => s,
        Err(e) => return app_error_page(e),
    };
    let targets = s
        .targets
        .into_iter()
        .map(|(t, users)| TargetView {
            label: target_label(&t),
            users: users.into_iter().map(|u| u.0).collect::<Vec<_>>().join(", "),
            code: t,
        })
        .collect();
    let channels = s
        .channels
        .iter()
        .map(|c| ChannelView {
            id: c.id,
            kind: CHANNEL_KINDS.iter().find(|(k, _)| *k == c.kind).map(|(_, l)| *l).unwrap_or("—"),
            name: c.name.clone(),
            host: host_of(&c.url),
            signed: c.secret.is_some(),
        })
        .collect();
    let shell = match Shell::build(st, auth, "通知与升级", Some(&access), "notify").await {
        Ok(s) => s,
        Err(e) => return app_error_page(e),
    };
    let page = SettingsPage { shell, code: code.to_owned(), targets, channels, kinds: CHANNEL_KINDS, message, error };
    (status, render(&page)).into_response()
}

fn field_label(f: &str) -> String {
    match f {
        "users" => "人员",
        "target" => "升级对象",
        "kind" => "类型",
        "name" => "名称",
        "url" => "地址",
        "secret" => "密钥",
        other => other,
    }
    .to_owned()
}

/// How the notification pages word a refused form.
const FORM: FormErrors = FormErrors::new(field_label);

async fn after(st: &AppState, auth: &Auth, code: &str, r: Result<(), AppError>, done: &str) -> Response {
    match r {
        Ok(()) => settings_page(st, auth, code, done.to_owned(), String::new()).await,
        Err(e) => match FORM.reasons(e) {
            Ok(msg) => settings_page(st, auth, code, String::new(), format!("未能保存：{msg}")).await,
            Err(e) => app_error_page(e),
        },
    }
}

/// `GET /p/{code}/notifications`.
pub async fn page(State(st): State<AppState>, UiAuth(auth): UiAuth, Path(code): Path<String>) -> Response {
    settings_page(&st, &auth, &code, String::new(), String::new()).await
}

#[derive(Deserialize)]
pub struct TargetForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    users: String,
}

/// `POST /p/{code}/notifications/targets`.
pub async fn set_target(
    State(st): State<AppState>,
    Path(code): Path<String>,
    CheckedForm(auth, f): CheckedForm<TargetForm>,
) -> Response {
    let users: Vec<String> = f.users.split([',', '，', '、', ' ']).map(str::to_owned).collect();
    let r = uc::set_target_contacts(&st.app, &auth.actor, &code, f.target.trim(), &users).await;
    after(&st, &auth, &code, r, "升级对象已保存。").await
}

#[derive(Deserialize)]
pub struct ChannelForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    secret: String,
}

/// `POST /p/{code}/notifications/channels`.
pub async fn add_channel(
    State(st): State<AppState>,
    Path(code): Path<String>,
    CheckedForm(auth, f): CheckedForm<ChannelForm>,
) -> Response {
    let r = uc::add_channel(&st.app, &auth.actor, &code, &f.kind, &f.name, &f.url, Some(&f.secret)).await.map(|_| ());
    after(&st, &auth, &code, r, "通知渠道已添加。").await
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    _csrf: String,
}

/// `POST /p/{code}/notifications/channels/{id}/delete`.
pub async fn remove_channel(
    State(st): State<AppState>,
    Path((code, id)): Path<(String, ChannelId)>,
    CheckedForm(auth, _f): CheckedForm<CsrfForm>,
) -> Response {
    match uc::remove_channel(&st.app, &auth.actor, &code, id).await {
        Ok(()) => Redirect::to(&format!("/p/{code}/notifications")).into_response(),
        Err(e) => app_error_page(e),
    }
}

struct InboxItem {
    subject: String,
    body: String,
    at: String,
    link: String,
}

#[derive(Template)]
#[template(path = "notify/inbox.html")]
struct InboxPage {
    shell: Shell,
    items: Vec<InboxItem>,
}

/// `GET /inbox`: the caller's in-app messages.
pub async fn inbox(State(st): State<AppState>, UiAuth(auth): UiAuth) -> Response {
    let rows = match uc::my_inbox(&st.app, &auth.actor, None, 100).await {
        Ok(r) => r,
        Err(e) => return app_error_page(e),
    };
    let items = rows
        .into_iter()
        .map(|m| {
            let n = m.message;
            let link = match (n.incident_id, m.project_code) {
                (Some(id), Some(code)) => format!("/p/{code}/incidents/{id}"),
                _ => String::new(),
            };
            InboxItem {
                subject: n.subject,
                body: n.body,
                at: n.created_at.with_timezone(&yunwei_domain::time::DEFAULT_TZ).format("%Y-%m-%d %H:%M").to_string(),
                link,
            }
        })
        .collect();
    match Shell::build(&st, &auth, "我的消息", None, "inbox").await {
        Ok(shell) => render(&InboxPage { shell, items }).into_response(),
        Err(e) => app_error_page(e),
    }
}
