//! `/api/v1/projects/{code}/incidents` and `/api/v1/incidents/{id}`: report a fault, record what
//! happened to it, read and list incidents with their four SLA clocks.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use yunwei_app::incident::{
    self as uc, Attachment, Incident, IncidentFilter, IncidentView, NewEvent, NewIncident, Sla,
};
use yunwei_domain::contract::ClockKind;
use yunwei_domain::id::AttachmentId;
use yunwei_domain::id::IncidentId;
use yunwei_domain::servicedesk::Clocks;

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::cursor::{decode_time_cursor, encode_cursor, encode_time_cursor};
use crate::http::etag::if_match_version;
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::http::files::{AttachQuery, body_upload, download_file};
use crate::http::page::{Page, Paging};
use crate::http::time::{parse_instant, rfc3339};
use crate::openapi::problems::{Conflict, Forbidden, Invalid, NotFound, PreconditionFailed, TooLarge};

/// A fault as reported.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateIncident {
    /// Short title (1–200 characters).
    pub title: String,
    /// What happened.
    #[serde(default)]
    pub description: String,
    /// Severity code of the contract, e.g. `P1`.
    pub severity: String,
    /// `phone`, `fax`, `email`, `web`, `wechat`, `on_site`, `remote` or `monitoring`.
    pub channel: String,
    /// When it was reported (RFC 3339); default now; never in the future.
    pub reported_at: Option<String>,
    /// Department or ward.
    pub department: Option<String>,
    /// `hospital`, `department` (default) or `user`.
    pub scope: Option<String>,
    /// Category (e.g. HIS, 网络).
    pub category: Option<String>,
    /// Affected configuration items (names or ids).
    #[serde(default)]
    pub ci: Vec<String>,
}

/// Something that happened to an incident.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEvent {
    /// `respond`, `request_remote`, `start_remote`, `request_onsite`, `arrive_onsite`,
    /// `request_approval`, `approve`, `escalate`, `resolve`, `confirm`, `reopen`, `comment`,
    /// `reclassify`, `assign`, `rate`.
    #[serde(rename = "type")]
    pub kind: String,
    /// When it happened (RFC 3339); default now; not in the future, not before the previous event.
    pub at: Option<String>,
    /// A note.
    pub note: Option<String>,
    /// `reclassify`: the new severity.
    pub severity: Option<String>,
    /// `escalate`: `l2` (default) or `expert`.
    pub to: Option<String>,
    /// `assign`: username of a project member who works incidents.
    pub assignee: Option<String>,
    /// `rate`: satisfaction 1 (very dissatisfied) – 5 (very satisfied); the note is the comment.
    pub score: Option<i64>,
    /// `resolve`: the cause (required).
    pub cause: Option<String>,
    /// `resolve`: what was done (required).
    pub action: Option<String>,
    /// `resolve`: how to prevent it.
    pub prevention: Option<String>,
}

/// One SLA clock; `null` in `sla` when it has not started.
#[derive(Serialize, ToSchema)]
pub struct ClockJson {
    /// Deadline (RFC 3339), pauses excluded.
    pub due: String,
    /// When three quarters of the allowed time are used.
    pub warn_at: String,
    /// When it stopped, if it has.
    pub stopped_at: Option<String>,
    /// Whether it stopped in time; `null` while running.
    pub met: Option<bool>,
    /// Business time of the clock's calendar excluded by pauses, in seconds.
    pub paused_seconds: i64,
}

/// One event.
#[derive(Serialize, ToSchema)]
pub struct EventJson {
    /// Event id.
    pub id: i64,
    /// Event type.
    #[serde(rename = "type")]
    pub kind: String,
    /// When it happened.
    pub at: String,
    /// When it was recorded.
    pub recorded_at: String,
    /// Who recorded it.
    pub actor: String,
    /// Note.
    pub note: String,
    /// Type-specific fields (severity, to, cause, action, prevention).
    #[schema(value_type = Object)]
    pub data: Value,
}

/// An incident.
#[derive(Serialize, ToSchema)]
pub struct IncidentJson {
    /// Id.
    pub id: i64,
    /// Number, e.g. `INC-2026-000123`.
    pub number: String,
    /// `reported`, `in_progress`, `awaiting_approval`, `resolved` or `closed`.
    pub status: String,
    /// Severity code.
    pub severity: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Channel.
    pub channel: String,
    /// Scope.
    pub scope: String,
    /// Department.
    pub department: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// Affected configuration items.
    pub ci: Vec<String>,
    /// Who reported it.
    pub reporter: Option<String>,
    /// Who is working on it (display name); the first responder unless assigned.
    pub assignee: Option<String>,
    /// Their user id (the `assignee` list filter).
    pub assignee_id: Option<i64>,
    /// Support line: `l1`, `l2`, `expert`.
    pub support_line: String,
    /// When it was reported.
    pub reported_at: String,
    /// Contract version it was opened under.
    pub contract_version_id: i64,
    /// Version (also the ETag).
    pub version: i64,
    /// The clocks of its severity: `respond`, `remote`, `onsite`, `resolve`.
    #[schema(value_type = Object)]
    pub sla: Value,
    /// Events, oldest first (only on single reads).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<EventJson>>,
    /// The configuration items among `ci` that name a CI of the project (only on single reads).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cis: Option<Vec<LinkedCi>>,
    /// The inspection items it was raised from (only on single reads of such incidents).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inspections: Option<Vec<InspectionSource>>,
}

/// An inspection item an incident was raised from.
#[derive(Serialize, ToSchema)]
pub struct InspectionSource {
    /// Inspection id.
    pub id: i64,
    /// Inspection number (`INSP-2026-000001`).
    pub number: String,
    /// Item key (`2.3`).
    pub item: String,
}

/// A configuration item an incident is linked to.
#[derive(Serialize, ToSchema)]
pub struct LinkedCi {
    pub id: i64,
    pub name: String,
}

fn clocks_json(c: &Clocks) -> Value {
    let mut map = serde_json::Map::new();
    for k in ClockKind::ALL {
        if let Some(state) = c.get(&k) {
            let v = state.as_ref().map(|s| {
                serde_json::to_value(ClockJson {
                    due: rfc3339(s.due),
                    warn_at: rfc3339(s.warn_at),
                    stopped_at: s.stopped_at.map(rfc3339),
                    met: s.met,
                    paused_seconds: s.paused_seconds,
                })
                .unwrap_or(Value::Null)
            });
            map.insert(k.code().to_owned(), v.unwrap_or(Value::Null));
        }
    }
    Value::Object(map)
}

/// The stored snapshot of the clocks (a list's), its times written as they were stored.
fn snapshot_json(sla: &Sla) -> Value {
    let mut map = serde_json::Map::new();
    for (k, c) in sla {
        let v = c.as_ref().map(|s| {
            serde_json::to_value(ClockJson {
                due: s.due.to_rfc3339(),
                warn_at: s.warn_at.to_rfc3339(),
                stopped_at: s.stopped_at.map(|t| t.to_rfc3339()),
                met: s.met,
                paused_seconds: s.paused_seconds,
            })
            .unwrap_or(Value::Null)
        });
        map.insert(k.code().to_owned(), v.unwrap_or(Value::Null));
    }
    Value::Object(map)
}

fn base(r: &Incident, sla: Value, events: Option<Vec<EventJson>>) -> IncidentJson {
    IncidentJson {
        id: r.id,
        number: r.number.clone(),
        status: r.status.clone(),
        severity: r.severity.clone(),
        title: r.title.clone(),
        description: r.description.clone(),
        channel: r.channel.clone(),
        scope: r.scope.clone(),
        department: r.department.clone(),
        category: r.category.clone(),
        ci: r.ci.clone(),
        reporter: r.reporter_name.clone(),
        assignee: r.assignee_name.clone(),
        assignee_id: r.assignee_id,
        support_line: r.support_line.clone(),
        reported_at: rfc3339(r.reported_at),
        contract_version_id: r.contract_version_id,
        version: r.version,
        sla,
        events,
        cis: None,
        inspections: None,
    }
}

fn view_json(v: IncidentView) -> IncidentJson {
    let events = v
        .events
        .iter()
        .map(|e| EventJson {
            id: e.id,
            kind: e.kind.clone(),
            at: rfc3339(e.at),
            recorded_at: rfc3339(e.recorded_at),
            actor: e.actor.clone(),
            note: e.note.clone(),
            data: Value::Object(e.data.clone()),
        })
        .collect();
    let mut json = base(&v.row, clocks_json(&v.clocks), Some(events));
    json.cis = Some(v.cis.into_iter().map(|(id, name)| LinkedCi { id, name }).collect());
    if !v.inspections.is_empty() {
        json.inspections =
            Some(v.inspections.into_iter().map(|(id, number, item)| InspectionSource { id, number, item }).collect());
    }
    json
}

fn with_etag(status: StatusCode, v: IncidentView) -> Response {
    let version = v.row.version;
    crate::http::etag::json_with_status_etag(status, version, view_json(v))
}

/// Reports a fault: 201 with the incident and its clocks.
#[utoipa::path(post, path = "/api/v1/projects/{code}/incidents", tag = "servicedesk",
    params(("code" = String, Path, description = "项目代码")),
    request_body = CreateIncident,
    responses(
        (status = 201, body = IncidentJson, headers(("ETag" = String))),
        Forbidden,
        NotFound,
        Conflict,
        Invalid,
    ))]
pub async fn create_incident(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(code): ApiPath<String>,
    ApiJson(req): ApiJson<CreateIncident>,
) -> Result<Response, ApiError> {
    let input = NewIncident {
        reported_at: parse_instant("reported_at", &req.reported_at)?,
        title: req.title,
        description: req.description,
        severity: req.severity,
        channel: req.channel,
        department: req.department,
        scope: req.scope,
        category: req.category,
        ci: req.ci,
    };
    let v = uc::create(&st.app, &auth.actor, &code, input).await?;
    Ok(with_etag(StatusCode::CREATED, v))
}

/// An incident with its live clocks and events.
#[utoipa::path(get, path = "/api/v1/incidents/{id}", tag = "servicedesk",
    params(("id" = i64, Path, description = "故障 id")),
    responses(
        (status = 200, body = IncidentJson, headers(("ETag" = String))),
        NotFound,
    ))]
pub async fn get_incident(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<IncidentId>,
) -> Result<Response, ApiError> {
    Ok(with_etag(StatusCode::OK, uc::get(&st.app, &auth.actor, id).await?))
}

/// Records an event; illegal transitions are 409 naming the current status. `If-Match` is
/// optional (send it to refuse acting on a stale view).
#[utoipa::path(post, path = "/api/v1/incidents/{id}/events", tag = "servicedesk",
    params(("id" = i64, Path, description = "故障 id"), ("If-Match" = Option<String>, Header, description = "读取时的 ETag")),
    request_body = CreateEvent,
    responses(
        (status = 200, body = IncidentJson, headers(("ETag" = String))),
        Forbidden,
        NotFound,
        Conflict,
        PreconditionFailed,
        Invalid,
    ))]
pub async fn create_event(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<IncidentId>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CreateEvent>,
) -> Result<Response, ApiError> {
    let expected = if_match_version(&headers)?;
    let input = NewEvent {
        at: parse_instant("at", &req.at)?,
        kind: req.kind,
        note: req.note,
        severity: req.severity,
        to: req.to,
        assignee: req.assignee,
        score: req.score,
        cause: req.cause,
        action: req.action,
        prevention: req.prevention,
    };
    Ok(with_etag(StatusCode::OK, uc::add_event(&st.app, &auth.actor, id, input, expected).await?))
}

/// List filters.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IncidentQuery {
    /// Status codes, comma-separated.
    pub status: Option<String>,
    /// Severity codes, comma-separated.
    pub severity: Option<String>,
    /// Assignee user id.
    pub assignee: Option<i64>,
    /// `true`: only incidents assigned to or reported by the caller.
    pub mine: Option<bool>,
    /// `true`: only incidents with a clock missed or running past due.
    pub breached: Option<bool>,
    /// Text in number, title or description.
    pub text: Option<String>,
    /// Reported from (RFC 3339, inclusive).
    pub reported_from: Option<String>,
    /// Reported before (RFC 3339, exclusive).
    pub reported_to: Option<String>,
}

/// A project's incidents, newest first, with filters and keyset pagination.
///
/// With a reported-time range they come newest reported first, and the cursor follows that order.
#[utoipa::path(get, path = "/api/v1/projects/{code}/incidents", tag = "servicedesk",
    params(("code" = String, Path, description = "项目代码"), IncidentQuery, Paging),
    responses(
        (status = 200, body = Page<IncidentJson>),
        NotFound,
        Invalid,
    ))]
pub async fn list_incidents(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(code): ApiPath<String>,
    ApiQuery(q): ApiQuery<IncidentQuery>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<Page<IncidentJson>>, ApiError> {
    let list = |v: &Option<String>| -> Vec<String> {
        v.as_deref()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let mut filter = IncidentFilter {
        status: list(&q.status),
        severity: list(&q.severity),
        assignee_id: q.assignee,
        involving: q.mine.filter(|m| *m).map(|_| auth.actor.user_id.get()),
        breached_at: q.breached.filter(|b| *b).map(|_| st.app.now()),
        text: q.text.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned),
        reported_from: parse_instant("reported_from", &q.reported_from)?,
        reported_to: parse_instant("reported_to", &q.reported_to)?,
        before_id: None,
        before_reported: None,
    };
    // With a reported-time range the list is in reported-time order, and so is its cursor.
    let by_reported = filter.by_reported();
    if by_reported {
        filter.before_reported = paging.cursor().map(decode_time_cursor).transpose()?;
    } else {
        filter.before_id = paging.after_id()?;
    }
    let rows = uc::list(&st.app, &auth.actor, &code, filter, paging.fetch()).await?;
    let cursor_of =
        |r: &Incident| if by_reported { encode_time_cursor(r.reported_at, r.id) } else { encode_cursor(r.id) };
    Ok(Json(paging.page(rows, cursor_of, |r| base(&r, snapshot_json(&r.sla), None))))
}

/// An attachment's description.
#[derive(Serialize, ToSchema)]
pub struct AttachmentJson {
    pub id: i64,
    pub name: String,
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    pub sha256: String,
    pub created_at: String,
    pub created_by: String,
}

fn attachment_json(a: &Attachment) -> AttachmentJson {
    AttachmentJson {
        id: a.id,
        name: a.file.name.clone(),
        content_type: a.file.content_type.clone(),
        size: a.file.size,
        sha256: a.file.sha256.clone(),
        created_at: rfc3339(a.file.created_at),
        created_by: a.file.created_by.clone(),
    }
}

/// Attaches a file: the request body is the file itself, its `Content-Type` the file's type
/// (PNG, JPEG, GIF, WebP, PDF, ZIP, DOCX, XLSX, UTF-8 text or CSV; at most 10 MB).
#[utoipa::path(post, path = "/api/v1/incidents/{id}/attachments", tag = "servicedesk",
    params(("id" = i64, Path, description = "故障 id"), AttachQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 201, body = AttachmentJson),
        NotFound,
        TooLarge,
        Invalid,
    ))]
pub async fn create_attachment(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<IncidentId>,
    ApiQuery(q): ApiQuery<AttachQuery>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<(StatusCode, Json<AttachmentJson>), ApiError> {
    let a = uc::attach(&st.app, &auth.actor, id, body_upload(q, &headers, body).await?).await?;
    Ok((StatusCode::CREATED, Json(attachment_json(&a))))
}

/// The attachments of an incident.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/attachments", tag = "servicedesk",
    params(("id" = i64, Path, description = "故障 id")),
    responses(
        (status = 200, body = Vec<AttachmentJson>),
        NotFound,
    ))]
pub async fn list_attachments(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<IncidentId>,
) -> Result<Json<Vec<AttachmentJson>>, ApiError> {
    Ok(Json(uc::attachments(&st.app, &auth.actor, id).await?.iter().map(attachment_json).collect()))
}

/// Downloads an attachment (always as a download, never rendered inline).
#[utoipa::path(get, path = "/api/v1/incidents/{id}/attachments/{attachment}", tag = "servicedesk",
    params(("id" = i64, Path, description = "故障 id"), ("attachment" = i64, Path, description = "附件 id")),
    responses(
        (status = 200, description = "文件内容"),
        NotFound,
    ))]
pub async fn get_attachment(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath((id, attachment)): ApiPath<(IncidentId, AttachmentId)>,
) -> Result<Response, ApiError> {
    let (a, data) = uc::attachment(&st.app, &auth.actor, id, attachment).await?;
    Ok(download_file(&a.file.name, &a.file.content_type, data))
}
