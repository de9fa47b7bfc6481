//! Escalation and notifications: an incident's ladder and messages, a project's ladder contacts
//! and channels, and the caller's contact details and in-app messages.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yunwei_app::notify::{self as uc, ChannelRow, ContactInput, ContactRow, InboxMessage, NotificationRow, host_of};
use yunwei_domain::id::{ChannelId, IncidentId};

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::http::page::{Page, Paging};
use crate::http::time::rfc3339;
use crate::openapi::problems::{Forbidden, Invalid, NotFound};

/// One step of an incident's escalation ladder.
#[derive(Serialize, ToSchema)]
pub struct StepJson {
    /// 1 for the first step.
    pub step: i64,
    /// Ladder target (`manager1` …).
    pub target: String,
    /// When it fires; `null` while an approval pause holds the ladder.
    pub due_at: Option<String>,
    /// When it fired.
    pub fired_at: Option<String>,
}

/// One delivery attempt.
#[derive(Serialize, ToSchema)]
pub struct AttemptJson {
    pub at: String,
    pub ok: bool,
    /// Server answer or error.
    pub detail: String,
}

/// One message.
#[derive(Serialize, ToSchema)]
pub struct MessageJson {
    pub id: i64,
    /// `in_app`, `email`, `wecom`, `dingtalk`, `webhook`.
    pub channel: String,
    /// Recipient's name, or the channel's name (addresses are not shown).
    pub recipient: String,
    pub subject: String,
    /// `pending`, `sent`, `failed`.
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: Option<String>,
    pub last_error: Option<String>,
    pub sent_at: Option<String>,
    pub created_at: String,
    /// Every attempt, oldest first.
    pub log: Vec<AttemptJson>,
}

/// An incident's escalation.
#[derive(Serialize, ToSchema)]
pub struct NoticesJson {
    pub steps: Vec<StepJson>,
    pub messages: Vec<MessageJson>,
}

fn message_json(n: &NotificationRow, recipient: String, log: Vec<AttemptJson>) -> MessageJson {
    MessageJson {
        id: n.id,
        channel: n.channel.clone(),
        recipient,
        subject: n.subject.clone(),
        status: n.status.clone(),
        attempts: n.attempts,
        next_attempt_at: (n.status == "pending").then(|| rfc3339(n.next_attempt_at)),
        last_error: n.last_error.clone(),
        sent_at: n.sent_at.map(rfc3339),
        created_at: rfc3339(n.created_at),
        log,
    }
}

/// The escalation ladder of an incident and every message it sent, with each delivery attempt.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/notifications", tag = "servicedesk",
    params(("id" = i64, Path, description = "故障 id")),
    responses(
        (status = 200, body = NoticesJson),
        NotFound,
    ))]
pub async fn incident_notifications(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<IncidentId>,
) -> Result<Json<NoticesJson>, ApiError> {
    let n = uc::incident_notices(&st.app, &auth.actor, id).await?;
    let steps = n
        .steps
        .iter()
        .map(|s| StepJson {
            step: s.step + 1,
            target: s.target.clone(),
            due_at: s.due_at.map(rfc3339),
            fired_at: s.fired_at.map(rfc3339),
        })
        .collect();
    let messages = n
        .messages
        .iter()
        .map(|m| {
            let log = n.attempts_of(m).map(|a| AttemptJson { at: rfc3339(a.at), ok: a.ok, detail: a.detail.clone() });
            message_json(m, n.recipient(m), log.collect())
        })
        .collect();
    Ok(Json(NoticesJson { steps, messages }))
}

/// A ladder target and the people it means.
#[derive(Serialize, ToSchema)]
pub struct TargetJson {
    pub target: String,
    /// Usernames; empty means "the project's members of the target's role".
    pub users: Vec<String>,
}

/// A group robot or gateway (its URL's key is not shown).
#[derive(Serialize, ToSchema)]
pub struct ChannelJson {
    pub id: i64,
    /// `wecom`, `dingtalk`, `webhook`.
    pub kind: String,
    pub name: String,
    /// Host of the URL.
    pub host: String,
    pub signed: bool,
    pub created_at: String,
}

fn channel_json(c: &ChannelRow) -> ChannelJson {
    ChannelJson {
        id: c.id,
        kind: c.kind.clone(),
        name: c.name.clone(),
        host: host_of(&c.url),
        signed: c.secret.is_some(),
        created_at: rfc3339(c.created_at),
    }
}

/// A project's notification settings.
#[derive(Serialize, ToSchema)]
pub struct SettingsJson {
    pub targets: Vec<TargetJson>,
    pub channels: Vec<ChannelJson>,
}

/// Who the escalation ladder's targets are and where the project's notices go (admin, manager,
/// hospital_it).
#[utoipa::path(get, path = "/api/v1/projects/{code}/notify-settings", tag = "servicedesk",
    params(("code" = String, Path, description = "项目代码")),
    responses(
        (status = 200, body = SettingsJson),
        Forbidden,
        NotFound,
    ))]
pub async fn get_settings(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<SettingsJson>, ApiError> {
    let s = uc::settings(&st.app, &auth.actor, &code).await?;
    Ok(Json(SettingsJson {
        targets: s
            .targets
            .into_iter()
            .map(|(target, users)| TargetJson { target, users: users.into_iter().map(|u| u.0).collect() })
            .collect(),
        channels: s.channels.iter().map(channel_json).collect(),
    }))
}

/// The people a ladder target means.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetTarget {
    /// Usernames of project members; empty: fall back to the target's role.
    pub users: Vec<String>,
}

/// Says who a ladder target (`manager1` …) is in this project.
///
/// Takes back the target as the settings gave it (its `target` unchanged).
#[utoipa::path(put, path = "/api/v1/projects/{code}/escalation-contacts/{target}", tag = "servicedesk",
    params(("code" = String, Path, description = "项目代码"), ("target" = String, Path, description = "升级对象代码")),
    request_body = SetTarget,
    responses(
        (status = 204, description = "已保存"),
        Forbidden,
        NotFound,
        Invalid,
    ))]
pub async fn put_target(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath((code, target)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<StatusCode, ApiError> {
    let current = TargetJson { target: target.clone(), users: Vec::new() };
    let req: SetTarget = crate::http::update::parse_update(body, &current)?;
    uc::set_target_contacts(&st.app, &auth.actor, &code, &target, &req.users).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new group robot or gateway.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateChannel {
    /// `wecom`, `dingtalk` or `webhook`.
    pub kind: String,
    pub name: String,
    /// The robot's webhook address (with its key) or the gateway's URL.
    pub url: String,
    /// DingTalk's signing secret (加签), or the HMAC key of a generic webhook.
    pub secret: Option<String>,
}

/// Adds a group robot or gateway.
#[utoipa::path(post, path = "/api/v1/projects/{code}/notify-channels", tag = "servicedesk",
    params(("code" = String, Path, description = "项目代码")),
    request_body = CreateChannel,
    responses(
        (status = 201, body = ChannelJson),
        Forbidden,
        NotFound,
        Invalid,
    ))]
pub async fn create_channel(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(code): ApiPath<String>,
    ApiJson(req): ApiJson<CreateChannel>,
) -> Result<(StatusCode, Json<ChannelJson>), ApiError> {
    let c = uc::add_channel(&st.app, &auth.actor, &code, &req.kind, &req.name, &req.url, req.secret.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(channel_json(&c))))
}

/// Removes a group robot or gateway.
#[utoipa::path(delete, path = "/api/v1/projects/{code}/notify-channels/{id}", tag = "servicedesk",
    params(("code" = String, Path, description = "项目代码"), ("id" = i64, Path)),
    responses(
        (status = 204, description = "已删除"),
        Forbidden,
        NotFound,
    ))]
pub async fn delete_channel(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath((code, id)): ApiPath<(String, ChannelId)>,
) -> Result<StatusCode, ApiError> {
    uc::remove_channel(&st.app, &auth.actor, &code, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// How the caller is reached.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactJson {
    pub email: Option<String>,
    /// Mobile number (group robots mention it; SMS gateways send to it).
    pub phone: Option<String>,
    /// Quiet hours `HH:MM`–`HH:MM` in the project's time zone; only the contract's most severe
    /// level reaches you then.
    pub quiet_start: Option<String>,
    pub quiet_end: Option<String>,
}

fn contact_json(c: ContactRow) -> ContactJson {
    ContactJson { email: c.email, phone: c.phone, quiet_start: c.quiet_start, quiet_end: c.quiet_end }
}

/// The caller's contact details.
#[utoipa::path(get, path = "/api/v1/me/contact", tag = "auth",
    responses((status = 200, body = ContactJson)))]
pub async fn get_contact(State(st): State<AppState>, auth: Auth) -> Result<Json<ContactJson>, ApiError> {
    Ok(Json(contact_json(uc::my_contact(&st.app, auth.actor.user_id).await?)))
}

/// Sets the caller's contact details and quiet hours.
#[utoipa::path(put, path = "/api/v1/me/contact", tag = "auth",
    request_body = ContactJson,
    responses(
        (status = 200, body = ContactJson),
        Invalid,
    ))]
pub async fn put_contact(
    State(st): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<ContactJson>,
) -> Result<Json<ContactJson>, ApiError> {
    let input =
        ContactInput { email: req.email, phone: req.phone, quiet_start: req.quiet_start, quiet_end: req.quiet_end };
    Ok(Json(contact_json(uc::set_my_contact(&st.app, &auth.actor, input).await?)))
}

/// One in-app message.
#[derive(Serialize, ToSchema)]
pub struct InboxItem {
    pub id: i64,
    pub incident_id: Option<i64>,
    pub subject: String,
    pub body: String,
    pub created_at: String,
}

/// The caller's in-app messages, newest first.
#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "auth",
    params(Paging),
    responses((status = 200, body = Page<InboxItem>), Invalid))]
pub async fn inbox(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<Page<InboxItem>>, ApiError> {
    let rows = uc::my_inbox(&st.app, &auth.actor, paging.after_id()?, paging.fetch()).await?;
    Ok(Json(paging.page_by_id(
        rows,
        |m| m.message.id,
        |InboxMessage { message: n, .. }| InboxItem {
            id: n.id,
            incident_id: n.incident_id,
            subject: n.subject,
            body: n.body,
            created_at: rfc3339(n.created_at),
        },
    )))
}
