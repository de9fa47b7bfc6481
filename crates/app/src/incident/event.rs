//! Recording what happened to an incident: who may record which event, the checks of its
//! fields, and applying it (transition, clocks, escalation steps, audit) in one transaction.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use yunwei_domain::ValidationErrors;
use yunwei_domain::contract::CompiledContract;
use yunwei_domain::id::IncidentId;
use yunwei_domain::identity::{Permission, Role};
use yunwei_domain::servicedesk::{ClockEvent, Clocks, EventKind, SUPPORT_LINES, Status, audit, transition};
use yunwei_store::identity::UserRow;
use yunwei_store::incident::{self as store, EventRow, IncidentRow};

use super::clocks::{clock_events, clocks_of, snapshot};
use super::create::{opt_text, text};
use super::read::{access_to, not_found};
use super::view::IncidentView;
use crate::access::authorize;
use crate::actor::Actor;
use crate::audit::{Record, record};
use crate::{App, AppError};

/// Something that happened to an incident.
#[derive(Debug, Clone, Default)]
pub struct NewEvent {
    pub kind: String,
    pub at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    /// `reclassify`: the new severity.
    pub severity: Option<String>,
    /// `escalate`: `l2` or `expert`.
    pub to: Option<String>,
    /// `assign`: the engineer's username.
    pub assignee: Option<String>,
    /// `rate`: satisfaction 1–5.
    pub score: Option<i64>,
    /// `resolve`: cause, action taken, prevention.
    pub cause: Option<String>,
    pub action: Option<String>,
    pub prevention: Option<String>,
}

/// Whether holders of `roles` may record `kind` (`own`: the reporter of this incident). The
/// hospital side approves, confirms and rates; the vendor's desk and engineers work the case;
/// everyone comments.
pub fn may_record(roles: &yunwei_domain::identity::RoleSet, own: bool, kind: EventKind) -> bool {
    match kind {
        EventKind::Comment => roles.grants(Permission::IncidentComment),
        EventKind::Approve | EventKind::Confirm | EventKind::Rate => roles.grants(Permission::IncidentConfirm) || own,
        EventKind::Reopen => roles.grants(Permission::IncidentConfirm) || own || roles.grants(Permission::IncidentWork),
        _ => roles.grants(Permission::IncidentWork),
    }
}

/// Records an event. `expected_version` (from `If-Match`) guards against acting on a stale view.
pub async fn add_event(
    app: &App,
    actor: &Actor,
    id: IncidentId,
    input: NewEvent,
    expected_version: Option<i64>,
) -> Result<IncidentView, AppError> {
    let id = id.get();
    let found = store::get(&app.db, id).await?.ok_or_else(|| not_found(id))?;
    let access = access_to(app, actor, &found, Permission::IncidentRead).await?;
    let kind = EventKind::parse(&input.kind).ok_or_else(|| {
        ValidationErrors::single("type", format!("未知事件类型“{}”，可选：{}", input.kind, EventKind::codes()))
    })?;
    let own = found.reporter_id == Some(actor.user_id.get()) && access.roles.has(Role::Reporter);
    let allowed = may_record(&access.roles, own, kind);
    if !allowed {
        return Err(AppError::Forbidden(format!("当前角色不能执行“{}”", kind.label())));
    }
    let t = crate::terms::of_version(app, found.contract_version_id).await?;
    let now = app.now();
    let mut v = ValidationErrors::default();
    let note = opt_text::<10_000>(&mut v, "note", &input.note).unwrap_or_default();
    let mut data = serde_json::Map::new();
    let mut assignee = None;
    match kind {
        EventKind::Reclassify => match input.severity.as_deref() {
            Some(s) if t.contract.severities.contains_key(s) => {
                data.insert("from".into(), found.severity.clone().into());
                data.insert("severity".into(), s.into());
            }
            other => {
                let known = t.contract.severities.keys().cloned().collect::<Vec<_>>().join(", ");
                v.push("severity", format!("合同中没有级别“{}”，可选：{known}", other.unwrap_or_default()));
            }
        },
        EventKind::Escalate => {
            let to = input.to.as_deref().unwrap_or("l2");
            if !SUPPORT_LINES.iter().skip(1).any(|(c, _)| *c == to) {
                v.push("to", "升级对象须为 l2（二线）或 expert（专家）");
            }
            data.insert("to".into(), to.into());
        }
        EventKind::Assign => {
            let name = input.assignee.as_deref().map(str::trim).unwrap_or_default();
            match assignable(app, found.project_id, name).await? {
                Ok(u) => {
                    data.insert("assignee".into(), u.username.clone().into());
                    data.insert("assignee_name".into(), u.display_name.clone().into());
                    assignee = Some(u);
                }
                Err(reason) => v.push("assignee", reason),
            }
        }
        EventKind::Rate => match input.score {
            Some(n) if (1..=5).contains(&n) => {
                data.insert("score".into(), n.into());
            }
            _ => v.push("score", "满意度须为 1–5 的整数"),
        },
        EventKind::Resolve => {
            let cause = text::<2_000>(&mut v, "cause", input.cause.as_deref().unwrap_or_default(), true);
            let action = text::<5_000>(&mut v, "action", input.action.as_deref().unwrap_or_default(), true);
            let prevention = opt_text::<2_000>(&mut v, "prevention", &input.prevention);
            data.insert("cause".into(), cause.into());
            data.insert("action".into(), action.into());
            data.insert("prevention".into(), prevention.into());
        }
        _ => {}
    }
    v.into_result()?;

    let mut tx = app.db.begin().await?;
    let (row, clocks, events) = apply_event(
        &mut tx,
        &t,
        actor,
        id,
        Recorded { kind, at: input.at, severity: input.severity.clone(), to: input.to.clone(), assignee, note, data },
        expected_version,
        now,
    )
    .await?;
    tx.commit().await?;
    IncidentView::load(app, row, clocks, events).await
}

fn role_works(code: &str) -> bool {
    Role::ALL.iter().any(|r| r.code() == code && r.grants(Permission::IncidentWork))
}

/// A project member who may work incidents, by username; or why `name` is not one.
async fn assignable(app: &App, project_id: i64, name: &str) -> Result<Result<UserRow, String>, AppError> {
    if name.is_empty() {
        return Ok(Err("须指定处理人（用户名）".into()));
    }
    let Some(u) = yunwei_store::identity::user_by_username(&app.db, name).await?.filter(|u| u.active) else {
        return Ok(Err(format!("没有用户“{name}”")));
    };
    let roles = yunwei_store::identity::roles_in_project(&app.db, project_id, u.id).await?;
    if roles.iter().any(|r| role_works(r)) {
        Ok(Ok(u))
    } else {
        Ok(Err(format!("“{name}”在本项目中不是可处理故障的工程师或受理员")))
    }
}

/// The project members who may work incidents: (username, display name), by display name.
pub async fn assignees(app: &App, actor: &Actor, code: &str) -> Result<Vec<(String, String)>, AppError> {
    let access = authorize(app, actor, code, Permission::IncidentRead).await?;
    let members = yunwei_store::identity::list_members(&app.db, access.project.id).await?;
    let mut out: Vec<(String, String)> =
        members.into_iter().filter(|m| role_works(&m.role)).map(|m| (m.username, m.display_name)).collect();
    out.sort_by(|a, b| a.1.cmp(&b.1));
    out.dedup();
    Ok(out)
}

/// An event checked for its fields, to be applied.
pub(crate) struct Recorded {
    pub(crate) kind: EventKind,
    pub(crate) at: Option<DateTime<Utc>>,
    pub(crate) severity: Option<String>,
    pub(crate) to: Option<String>,
    pub(crate) assignee: Option<UserRow>,
    pub(crate) note: String,
    pub(crate) data: serde_json::Map<String, Value>,
}

/// Applies an event inside `tx`: order and transition checks, clocks, escalation steps, audit.
/// Returns the incident, its clocks and all its events.
pub(crate) async fn apply_event(
    tx: &mut yunwei_store::Tx,
    t: &CompiledContract,
    actor: &Actor,
    id: i64,
    r: Recorded,
    expected_version: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(IncidentRow, Clocks, Vec<EventRow>), AppError> {
    let Recorded { kind, at, severity, to, assignee, note, data } = r;
    let mut row = store::get_tx(tx, id).await?.ok_or_else(|| not_found(id))?;
    if let Some(expected) = expected_version
        && expected != row.version
    {
        return Err(AppError::Stale { current: row.version });
    }
    let stored = store::events_tx(tx, id).await?;
    if kind == EventKind::Rate && stored.iter().any(|e| e.kind == EventKind::Rate.code()) {
        return Err(AppError::Conflict { field: "type".into(), reason: "本故障已评价过".into() });
    }
    let at = crate::clock::truncate_micros(at.unwrap_or(now));
    if at > now {
        return Err(ValidationErrors::single("at", "事件时间不能晚于当前时间").into());
    }
    let previous = stored.last().map(|e| e.at).unwrap_or(row.reported_at);
    if at < previous {
        return Err(ValidationErrors::single(
            "at",
            format!(
                "事件时间不能早于上一事件（{}）",
                previous.with_timezone(&t.contract.project.timezone).format("%Y-%m-%d %H:%M:%S")
            ),
        )
        .into());
    }
    let mut evs = clock_events(&stored);
    let pending = |req: EventKind, done: EventKind| {
        let (r, d) = (evs.iter().filter(|e| e.kind == req).count(), evs.iter().filter(|e| e.kind == done).count());
        r > d
    };
    let (remote, onsite) = (
        pending(EventKind::RequestRemote, EventKind::StartRemote),
        pending(EventKind::RequestOnsite, EventKind::ArriveOnsite),
    );
    let status = Status::parse(&row.status).ok_or_else(|| AppError::Internal(format!("status {}", row.status)))?;
    let next = transition(status, kind, remote, onsite)
        .map_err(|reason| AppError::Conflict { field: "status".into(), reason })?;
    let before = json!({ "status": row.status, "severity": row.severity, "version": row.version });
    row.status = next.code().to_owned();
    match kind {
        EventKind::Reclassify => row.severity = severity.clone().unwrap_or_default(),
        EventKind::Escalate => row.support_line = to.clone().unwrap_or_else(|| "l2".into()),
        EventKind::Respond if row.assignee_id.is_none() => {
            row.assignee_id = Some(actor.user_id.get());
            row.assignee_name = Some(actor.display_name.clone());
        }
        EventKind::Assign => {
            if let Some(u) = &assignee {
                row.assignee_id = Some(u.id);
                row.assignee_name = Some(u.display_name.clone());
            }
        }
        _ => {}
    }
    evs.push(ClockEvent { kind, at });
    let clocks = clocks_of(t, &row, &evs, now)?;
    (row.sla, row.breach_at) = snapshot(&clocks, now);
    row.updated_at = now;
    let event = EventRow {
        id: 0,
        incident_id: id,
        kind: kind.code().to_owned(),
        at,
        recorded_at: now,
        actor_id: Some(actor.user_id.get()),
        actor: actor.display_name.clone(),
        note,
        data: Value::Object(data).to_string(),
    };
    let event_id = store::insert_event(tx, row.project_id, &event).await?;
    if !store::update_state(tx, &row, row.version).await? {
        return Err(AppError::Stale { current: row.version + 1 });
    }
    row.version += 1;
    crate::notify::sync_escalations(tx, t, &row, &evs, now).await?;
    record(
        tx,
        Some(actor),
        now,
        Record {
            project_id: Some(row.project_id),
            code: audit::incident_event(kind),
            entity_id: id.to_string(),
            summary: json!({ "before": before, "after": { "status": row.status, "severity": row.severity, "version": row.version }, "event": event_id, "at": at.to_rfc3339() }),
        },
    )
    .await?;
    let mut events = stored;
    events.push(EventRow { id: event_id, ..event });
    Ok((row, clocks, events))
}
