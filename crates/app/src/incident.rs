//! Service desk use cases: report a fault, record what happened to it, read and list incidents.
//! The SLA clocks are recomputed from the events and the contract version the incident was
//! opened under every time something happens (and live when it is read).

use chrono::{DateTime, Datelike, Utc};
use serde_json::{Value, json};
use yunwei_domain::ValidationErrors;
use yunwei_domain::contract::{ClockKind, CompiledContract};
use yunwei_domain::identity::{Permission, Role};
use yunwei_domain::servicedesk::{
    Channel, ClockEvent, Clocks, EventKind, SUPPORT_LINES, Scope, Status, compute_clocks, transition,
};
use yunwei_store::identity::UserRow;
use yunwei_store::incident::{self as store, EventRow, IncidentFilter, IncidentRow};

use yunwei_domain::servicedesk::audit;

use crate::access::{ProjectAccess, ProjectScoped, authorize, authorize_entity};
use crate::actor::Actor;
use crate::audit::{Record, record};
use crate::{App, AppError};

/// An incident with its live clocks and its events.
#[derive(Debug, Clone)]
pub struct IncidentView {
    /// The stored incident.
    pub row: IncidentRow,
    /// The clocks at the time of reading.
    pub clocks: Clocks,
    /// What happened, in order.
    pub events: Vec<EventRow>,
    /// The CIs its `ci` entries name: (id, name).
    pub cis: Vec<(i64, String)>,
    /// The inspection answers it was raised from: (inspection id, number, item key).
    pub inspections: Vec<(i64, String, String)>,
}

/// The category of incidents raised from inspection items.
pub const INSPECTION_CATEGORY: &str = "巡检";

/// The inspection answers an incident came from; no query unless it was raised from one.
async fn linked_inspections(app: &App, row: &IncidentRow) -> Result<Vec<(i64, String, String)>, AppError> {
    if row.category.as_deref() != Some(INSPECTION_CATEGORY) {
        return Ok(Vec::new());
    }
    Ok(yunwei_store::inspection::sources_of_incident(&app.db, row.id).await?)
}

/// The CIs an incident is linked to; no query when its `ci` list is empty.
async fn linked_cis(app: &App, row: &IncidentRow) -> Result<Vec<(i64, String)>, AppError> {
    if row.ci.trim() == "[]" || row.ci.trim().is_empty() {
        return Ok(Vec::new());
    }
    Ok(yunwei_store::cmdb::cis_of_incident(&app.db, row.id).await?)
}

/// A fault as reported.
#[derive(Debug, Clone, Default)]
pub struct NewIncident {
    pub title: String,
    pub description: String,
    pub severity: String,
    pub channel: String,
    pub reported_at: Option<DateTime<Utc>>,
    pub department: Option<String>,
    pub scope: Option<String>,
    pub category: Option<String>,
    pub ci: Vec<String>,
}

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

fn text(v: &mut ValidationErrors, field: &str, s: &str, max: usize, required: bool) -> String {
    let t = s.trim();
    if required && t.is_empty() {
        v.push(field, "不能为空");
    } else if t.chars().count() > max {
        v.push(field, format!("最多 {max} 个字符"));
    }
    t.to_owned()
}

fn opt_text(v: &mut ValidationErrors, field: &str, s: &Option<String>, max: usize) -> Option<String> {
    s.as_deref().map(|s| text(v, field, s, max, false)).filter(|s| !s.is_empty())
}

/// The clocks from the stored events (no new event).
fn clocks_of(
    t: &CompiledContract,
    row: &IncidentRow,
    events: &[ClockEvent],
    now: DateTime<Utc>,
) -> Result<Clocks, AppError> {
    let sev = t
        .contract
        .severities
        .get(&row.severity)
        .ok_or_else(|| AppError::Internal(format!("severity {} not in the contract", row.severity)))?;
    compute_clocks(row.reported_at, events, sev, &t.calendars, &t.contract.pause_while, now)
        .map_err(|e| ValidationErrors::single("at", format!("无法按合同日历计算时限：{e}")).into())
}

/// The JSON snapshot of the clocks and the instant the incident is (or will be) breached.
fn snapshot(clocks: &Clocks, now: DateTime<Utc>) -> (String, Option<DateTime<Utc>>) {
    let mut breach: Option<DateTime<Utc>> = None;
    let mut map = serde_json::Map::new();
    for (k, c) in clocks {
        let v = match c {
            None => Value::Null,
            Some(c) => {
                let at = match c.met {
                    Some(false) => Some(c.due),
                    Some(true) => None,
                    // A clock standing still cannot breach until it runs again, unless it
                    // was already past due when it stopped.
                    None if c.paused => (c.due <= now).then_some(c.due),
                    None => Some(c.due),
                };
                if let Some(at) = at {
                    breach = Some(breach.map_or(at, |b| b.min(at)));
                }
                json!({
                    "due": c.due.to_rfc3339(),
                    "warn_at": c.warn_at.to_rfc3339(),
                    "stopped_at": c.stopped_at.map(|s| s.to_rfc3339()),
                    "met": c.met,
                    "paused_seconds": c.paused_seconds,
                })
            }
        };
        map.insert(k.code().to_owned(), v);
    }
    (Value::Object(map).to_string(), breach)
}

fn clock_events(events: &[EventRow]) -> Vec<ClockEvent> {
    events.iter().filter_map(|e| EventKind::parse(&e.kind).map(|kind| ClockEvent { kind, at: e.at })).collect()
}

/// Reports a fault in project `code`.
pub async fn create(app: &App, actor: &Actor, code: &str, input: NewIncident) -> Result<IncidentView, AppError> {
    let new = prepare(app, actor, code, input).await?;
    let mut tx = app.db.begin().await?;
    let row = insert_prepared(&mut tx, actor, new.row, &new.terms).await?;
    tx.commit().await?;
    let cis = linked_cis(app, &row).await?;
    Ok(IncidentView { row, clocks: new.clocks, events: Vec::new(), cis, inspections: Vec::new() })
}

/// A reported fault checked and its clocks computed, ready to be stored.
pub(crate) struct Prepared {
    pub(crate) row: IncidentRow,
    pub(crate) clocks: Clocks,
    pub(crate) terms: std::sync::Arc<CompiledContract>,
}

/// Checks a report of a fault in project `code` (permission, fields, contract) without writing.
pub(crate) async fn prepare(app: &App, actor: &Actor, code: &str, input: NewIncident) -> Result<Prepared, AppError> {
    let access = authorize(app, actor, code, Permission::IncidentReport).await?;
    let project = access.project;
    let contract_version_id = crate::terms::current_version(app, project.id).await?;
    let t = crate::terms::of_version(app, contract_version_id).await?;
    let now = app.now();
    let mut v = ValidationErrors::default();
    let title = text(&mut v, "title", &input.title, 200, true);
    let description = text(&mut v, "description", &input.description, 10_000, false);
    if !t.contract.severities.contains_key(&input.severity) {
        let known = t.contract.severities.keys().cloned().collect::<Vec<_>>().join(", ");
        v.push("severity", format!("合同中没有级别“{}”，可选：{known}", input.severity));
    }
    if Channel::parse(&input.channel).is_none() {
        v.push("channel", format!("未知渠道“{}”，可选：{}", input.channel, Channel::codes()));
    }
    let scope = input.scope.clone().unwrap_or_else(|| Scope::Department.code().to_owned());
    if Scope::parse(&scope).is_none() {
        v.push("scope", format!("未知范围“{scope}”，可选：{}", Scope::codes()));
    }
    let reported_at = crate::clock::truncate_micros(input.reported_at.unwrap_or(now));
    if reported_at > now {
        v.push("reported_at", "报障时间不能晚于当前时间");
    }
    let department = opt_text(&mut v, "department", &input.department, 100);
    let category = opt_text(&mut v, "category", &input.category, 100);
    if input.ci.len() > 50 {
        v.push("ci", "最多关联 50 个配置项");
    }
    let ci: Vec<String> = input.ci.iter().map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()).collect();
    if ci.iter().any(|c| c.chars().count() > 200) {
        v.push("ci", "配置项名称最多 200 个字符");
    }
    v.into_result()?;

    let mut row = IncidentRow {
        id: 0,
        project_id: project.id,
        number: String::new(),
        contract_version_id,
        title,
        description,
        channel: input.channel,
        severity: input.severity,
        status: Status::Reported.code().to_owned(),
        scope,
        department,
        category,
        ci: Value::from(ci).to_string(),
        reporter_id: Some(actor.user_id),
        reporter_name: Some(actor.display_name.clone()),
        assignee_id: None,
        assignee_name: None,
        support_line: SUPPORT_LINES[0].0.to_owned(),
        reported_at,
        breach_at: None,
        sla: String::new(),
        created_at: now,
        created_by: actor.username.clone(),
        updated_at: now,
        version: 1,
    };
    let clocks = clocks_of(&t, &row, &[], now)?;
    (row.sla, row.breach_at) = snapshot(&clocks, now);
    Ok(Prepared { row, clocks, terms: t })
}

/// Stores a prepared incident inside `tx`: its number, escalation steps, CI links and audit entry.
pub(crate) async fn insert_prepared(
    tx: &mut yunwei_store::Tx,
    actor: &Actor,
    mut row: IncidentRow,
    t: &CompiledContract,
) -> Result<IncidentRow, AppError> {
    let now = row.created_at;
    let year = row.reported_at.with_timezone(&t.contract.project.timezone).year();
    let seq = store::next_seq(tx, row.project_id, year).await?;
    row.number = yunwei_domain::servicedesk::incident_number(year, seq);
    row.id = store::insert(tx, &row).await?;
    crate::notify::sync_escalations(tx, t, &row, &[], now).await?;
    // Entries that name a CI of the project (id, name or asset tag) become links the CI's page
    // lists; the rest stay as typed.
    let named: Vec<String> = serde_json::from_str(&row.ci).unwrap_or_default();
    let cis = yunwei_store::cmdb::resolve_refs(tx, row.project_id, &named).await?;
    yunwei_store::cmdb::link_incident(tx, row.project_id, row.id, &cis).await?;
    record(
        tx,
        Some(actor),
        now,
        Record {
            project_id: Some(row.project_id),
            code: audit::INCIDENT_CREATE,
            entity_id: row.id.to_string(),
            summary: json!({ "after": { "number": row.number, "severity": row.severity, "channel": row.channel, "reported_at": row.reported_at.to_rfc3339() } }),
        },
    )
    .await?;
    Ok(row)
}

fn not_found(id: i64) -> AppError {
    AppError::NotFound(format!("故障 {id} 不存在"))
}

impl ProjectScoped for IncidentRow {
    fn project_id(&self) -> i64 {
        self.project_id
    }
}

async fn access_to(app: &App, actor: &Actor, row: &IncidentRow, p: Permission) -> Result<ProjectAccess, AppError> {
    authorize_entity(app, actor, row, p, || not_found(row.id)).await
}

/// An incident with live clocks.
pub async fn get(app: &App, actor: &Actor, id: i64) -> Result<IncidentView, AppError> {
    let (row, events) = store::get_with_events(&app.db, id).await?.ok_or_else(|| not_found(id))?;
    access_to(app, actor, &row, Permission::IncidentRead).await?;
    let t = crate::terms::of_version(app, row.contract_version_id).await?;
    let clocks = clocks_of(&t, &row, &clock_events(&events), app.now())?;
    let cis = linked_cis(app, &row).await?;
    let inspections = linked_inspections(app, &row).await?;
    Ok(IncidentView { row, clocks, events, cis, inspections })
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
    id: i64,
    input: NewEvent,
    expected_version: Option<i64>,
) -> Result<IncidentView, AppError> {
    let found = store::get(&app.db, id).await?.ok_or_else(|| not_found(id))?;
    let access = access_to(app, actor, &found, Permission::IncidentRead).await?;
    let kind = EventKind::parse(&input.kind).ok_or_else(|| {
        ValidationErrors::single("type", format!("未知事件类型“{}”，可选：{}", input.kind, EventKind::codes()))
    })?;
    let own = found.reporter_id == Some(actor.user_id) && access.roles.has(Role::Reporter);
    let allowed = may_record(&access.roles, own, kind);
    if !allowed {
        return Err(AppError::Forbidden(format!("当前角色不能执行“{}”", kind.label())));
    }
    let t = crate::terms::of_version(app, found.contract_version_id).await?;
    let now = app.now();
    let mut v = ValidationErrors::default();
    let note = opt_text(&mut v, "note", &input.note, 10_000).unwrap_or_default();
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
            let cause = text(&mut v, "cause", input.cause.as_deref().unwrap_or_default(), 2_000, true);
            let action = text(&mut v, "action", input.action.as_deref().unwrap_or_default(), 5_000, true);
            let prevention = opt_text(&mut v, "prevention", &input.prevention, 2_000);
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
    let cis = linked_cis(app, &row).await?;
    let inspections = linked_inspections(app, &row).await?;
    Ok(IncidentView { row, clocks, events, cis, inspections })
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

/// A page of a project's incidents, newest first (clocks from the stored snapshot).
pub async fn list(
    app: &App,
    actor: &Actor,
    code: &str,
    filter: IncidentFilter,
    limit: u64,
) -> Result<Vec<IncidentRow>, AppError> {
    let access = authorize(app, actor, code, Permission::IncidentRead).await?;
    Ok(store::list(&app.db, access.project.id, &filter, limit).await?)
}

/// The clock kinds in API order.
pub fn clock_kinds() -> [ClockKind; 4] {
    ClockKind::ALL
}

/// Attaches a file to an incident (anyone in its project who may comment). The declared type
/// must be one we accept and match the file's first bytes; text must be UTF-8.
pub async fn attach(
    app: &App,
    actor: &Actor,
    id: i64,
    file: crate::files::Upload,
) -> Result<yunwei_store::incident::AttachmentRow, AppError> {
    use sha2::Digest;
    let row = store::get(&app.db, id).await?.ok_or_else(|| not_found(id))?;
    access_to(app, actor, &row, Permission::IncidentComment).await?;
    let mut v = ValidationErrors::default();
    let (name, ct) = crate::files::check(&mut v, &file, crate::files::ATTACHMENT_TYPES);
    v.into_result()?;
    let now = app.now();
    let mut a = yunwei_store::incident::AttachmentRow {
        id: 0,
        project_id: row.project_id,
        incident_id: id,
        name,
        content_type: ct,
        size: file.data.len() as i64,
        sha256: hex::encode(sha2::Sha256::digest(&file.data)),
        created_at: now,
        created_by: actor.display_name.clone(),
    };
    let mut tx = app.db.begin().await?;
    a.id = store::insert_attachment(&mut tx, &a, &file.data).await?;
    record(
        &mut tx,
        Some(actor),
        now,
        Record {
            project_id: Some(row.project_id),
            code: audit::INCIDENT_ATTACH,
            entity_id: id.to_string(),
            summary: json!({ "attachment": a.id, "name": a.name, "size": a.size, "sha256": a.sha256 }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(a)
}

/// The attachments of an incident.
pub async fn attachments(
    app: &App,
    actor: &Actor,
    id: i64,
) -> Result<Vec<yunwei_store::incident::AttachmentRow>, AppError> {
    let row = store::get(&app.db, id).await?.ok_or_else(|| not_found(id))?;
    access_to(app, actor, &row, Permission::IncidentRead).await?;
    Ok(store::attachments(&app.db, id).await?)
}

/// One attachment with its bytes.
pub async fn attachment(
    app: &App,
    actor: &Actor,
    id: i64,
    attachment_id: i64,
) -> Result<(yunwei_store::incident::AttachmentRow, Vec<u8>), AppError> {
    let row = store::get(&app.db, id).await?.ok_or_else(|| not_found(id))?;
    access_to(app, actor, &row, Permission::IncidentRead).await?;
    store::attachment_data(&app.db, id, attachment_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("附件 {attachment_id} 不存在")))
}

/// Fills the search index behind the writes, every `interval`, forever (the `serve` background
/// indexer; see `store::incident::index_unindexed_text`). A failed pass is logged and retried.
/// On PostgreSQL each insert carries its bigrams, so there is nothing to do.
pub async fn run_text_indexer(app: App, interval: std::time::Duration) {
    if app.db.backend() == yunwei_store::Backend::Postgres {
        return;
    }
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = store::index_unindexed_text(&app.db).await {
            tracing::error!(error = %e, "search indexing pass failed");
        }
    }
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
            row.assignee_id = Some(actor.user_id);
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
        actor_id: Some(actor.user_id),
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
