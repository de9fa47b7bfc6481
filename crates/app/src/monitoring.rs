//! Monitoring intake (seed 000 §2.3): alerts from Alertmanager, Zabbix and backup jobs become
//! incidents with channel `monitoring`.
//!
//! Receiving and acting are two steps. `receive` stores every alert of a notification in one
//! transaction and answers: a resent firing alert only counts on its stored occurrence, so it never
//! opens a second incident. Each stored occurrence is then acted on in its own transaction —
//! an incident opened (or the open incident of the same fingerprint added to), or a work-log entry
//! for a recovery — and marked done in that same transaction. Storing a firing occurrence queues
//! its job on the job runner (kind [`ALERT`], key `alert:{id}`) in the storing transaction; the
//! request then acts on it at once and cancels the job, and whatever it could not act on (a
//! failure, a crash after the answer) the worker's job does. The job is the claim: its handler
//! finishes it in the transaction that acts, so two `yunwei serve` processes never act twice; the
//! occurrence's `pending` state only records that nothing has been done yet, and a request acting
//! while a job runs loses to whichever commits first.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::json;
use yunwei_domain::identity::Permission;
use yunwei_domain::monitoring::{self as domain, Alert, BackupReport};
use yunwei_domain::servicedesk::{EventKind, Status};
use yunwei_domain::text::BoundedText;
use yunwei_store::monitoring::{self as store, AlertRow, BackupRow};

use yunwei_domain::monitoring::audit;

use crate::access::authorize;
use crate::actor::{Actor, AuthMethod};
use crate::audit::{Record, record};
use crate::incident::{NewIncident, Recorded};
use crate::worker::{self, Job, Outcome, Worker};
use crate::{App, AppError};
use yunwei_domain::contract::CompiledContract;

mod view;
pub use view::{AlertView, LinkedAlert, list, list_linked};

/// What a notification did.
#[derive(Debug, Clone)]
pub struct Intake {
    /// Alerts new to yunwei (a new occurrence, or the recovery of a firing one).
    pub accepted: usize,
    /// Alerts already known (a resend).
    pub resent: usize,
    /// The occurrences the notification touched, after acting on them.
    pub alerts: Vec<AlertView>,
}

/// Stores the alerts of one notification to project `code`, then acts on them.
pub async fn receive(app: &App, actor: &Actor, code: &str, alerts: Vec<Alert>) -> Result<Intake, AppError> {
    Ok(receive_with(app, actor, code, alerts, None).await?.0)
}

/// `receive`, storing a backup report in the same transaction as its alert.
async fn receive_with(
    app: &App,
    actor: &Actor,
    code: &str,
    alerts: Vec<Alert>,
    backup: Option<&BackupReport>,
) -> Result<(Intake, Option<i64>), AppError> {
    let access = authorize(app, actor, code, Permission::IncidentReport).await?;
    let pid = access.project.id;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let (mut accepted, mut resent) = (0, 0);
    let mut ids = Vec::with_capacity(alerts.len());
    for a in &alerts {
        let Some((id, new)) = store_one(&mut tx, pid, actor, a, now).await? else { continue };
        ids.push(id);
        if new { accepted += 1 } else { resent += 1 }
    }
    let backup_id = match backup {
        Some(r) => {
            let row = BackupRow {
                id: 0,
                project_id: pid,
                job: r.job.clone(),
                success: r.success,
                started_at: r.started_at,
                ended_at: r.ended_at,
                size_bytes: r.size_bytes,
                error: r.error.clone(),
                host: r.host.clone(),
                received_at: now,
                alert_id: ids.first().copied(),
            };
            Some(store::insert_backup(&mut tx, &row).await?)
        }
        None => None,
    };
    // The alert rows are the record of what came in; the trail records notifications that
    // brought something new (a resend only counts on its row).
    if accepted > 0 {
        record(
            &mut tx,
            Some(actor),
            now,
            Record {
                project_id: Some(pid),
                code: audit::ALERT_RECEIVE,
                entity_id: ids.first().map(|i| i.to_string()).unwrap_or_default(),
                summary: json!({ "source": alerts.first().map(|a| a.source.code()), "alerts": alerts.len(),
                                 "accepted": accepted, "resent": resent }),
            },
        )
        .await?;
    }
    tx.commit().await?;
    // Act on what this notification stored, now; whatever fails here stays pending for the
    // worker (and other pending alerts are the worker's, not this request's).
    let mut rows = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(mut r) = store::get(&app.db, id).await? else { continue };
        if r.state == "pending" {
            match act(app, &r, None).await {
                Ok(_) => r = store::get(&app.db, id).await?.unwrap_or(r),
                Err(e) => tracing::warn!(error = %e, alert = id, "alert stored; acting on it is left to the worker"),
            }
        }
        rows.push(AlertView::from_row(r)?);
    }
    Ok((Intake { accepted, resent, alerts: rows }, backup_id))
}

/// Stores one alert: a new occurrence, a resend, or a recovery; `(occurrence id, new)`, or
/// `None` for a backup success with no failure to clear (the report itself is the record).
async fn store_one(
    tx: &mut yunwei_store::Tx,
    pid: i64,
    actor: &Actor,
    a: &Alert,
    now: DateTime<Utc>,
) -> Result<Option<(i64, bool)>, AppError> {
    let latest = store::latest(tx, pid, a.source.code(), &a.fingerprint, false).await?;
    match (a.firing, latest) {
        (true, Some(l)) if l.status == "firing" => {
            store::resent(tx, l.id, now).await?;
            Ok(Some((l.id, false)))
        }
        (false, Some(l)) if l.status == "firing" => {
            store::resolve(tx, l.id, a.ends_at.unwrap_or(now).min(now), now).await?;
            Ok(Some((l.id, true)))
        }
        (false, Some(l)) if l.starts_at == a.starts_at => {
            store::resent(tx, l.id, now).await?;
            Ok(Some((l.id, false)))
        }
        (false, _) if a.source == domain::Source::Backup => Ok(None),
        (firing, _) => {
            let row = AlertRow {
                id: 0,
                project_id: pid,
                source: a.source.code().to_owned(),
                fingerprint: a.fingerprint.clone(),
                status: if firing { "firing" } else { "resolved" }.to_owned(),
                starts_at: a.starts_at,
                ends_at: a.ends_at,
                labels: serde_json::to_string(&a.labels).map_err(|e| AppError::Internal(e.to_string()))?,
                annotations: serde_json::to_string(&a.annotations).map_err(|e| AppError::Internal(e.to_string()))?,
                title: cut(&a.title, 200),
                description: cut(&a.description, 5000),
                host: a.host.clone(),
                link: a.link.clone(),
                received_at: now,
                last_received_at: now,
                receive_count: 1,
                received_by: actor.user_id.get(),
                // A recovery of nothing known is stored and needs no action.
                state: if firing { "pending" } else { "done" }.to_owned(),
                severity: None,
                ci_id: None,
                incident_id: None,
                note: (!firing).then(|| "恢复通知：之前未收到此告警".to_owned()),
            };
            let id = store::insert(tx, &row).await?;
            if firing {
                worker::enqueue(tx, ALERT, Some(&alert_key(id)), now, &json!({ "alert_id": id }), now).await?;
            }
            Ok(Some((id, true)))
        }
    }
}

fn cut(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// The job kind that acts on one stored firing occurrence (key `alert:{id}`, payload
/// `{"alert_id": id}`), queued in the transaction that stored it.
pub const ALERT: &str = "monitoring.alert";

fn alert_key(id: i64) -> String {
    format!("alert:{id}")
}

/// Registers the alert handler on `w`.
pub fn jobs(w: Worker) -> Worker {
    w.handle(ALERT, act_job)
}

/// Acts on every stored occurrence whose job is due, each exactly once across all instances (one
/// pass of the job runner over alert jobs); returns how many were acted on.
pub async fn act_on_queued(app: &App) -> Result<usize, AppError> {
    Ok(jobs(Worker::new(app.clone())).run_once().await?.done(ALERT).count())
}

/// The handler of an [`ALERT`] job.
async fn act_job(app: App, job: Job) -> Result<Outcome, AppError> {
    let id =
        job.payload["alert_id"].as_i64().ok_or_else(|| AppError::Internal(format!("job {}: no alert_id", job.id)))?;
    match store::get(&app.db, id).await? {
        Some(row) if row.state == "pending" => act(&app, &row, Some(&job)).await,
        // Acted on by the request that stored it (or the occurrence is gone).
        _ => Ok(Outcome::Skipped),
    }
}

/// The user who sent an occurrence, acting as then.
async fn sender(app: &App, row: &AlertRow) -> Result<Actor, AppError> {
    let u = yunwei_store::identity::user_by_id(&app.db, row.received_by)
        .await?
        .ok_or_else(|| AppError::Internal(format!("user {} missing", row.received_by)))?;
    Ok(Actor::of_user(&u, AuthMethod::Local))
}

/// Acts on one occurrence: `Skipped` when it was no longer pending, `Lost` when its job is held
/// by another process. With `job`, the job is finished in the transaction that acts; without
/// (the request that stored it), its waiting job is cancelled there.
async fn act(app: &App, row: &AlertRow, job: Option<&Job>) -> Result<Outcome, AppError> {
    let project = yunwei_store::project::by_id(&app.db, row.project_id)
        .await?
        .ok_or_else(|| AppError::Internal(format!("project {} missing", row.project_id)))?;
    let actor = sender(app, row).await?;
    let t = crate::terms::current(app, row.project_id).await?;
    let lowest = t.contract.severities.keys().next_back().cloned().unwrap_or_default();
    let labels: BTreeMap<String, String> = serde_json::from_str(&row.labels).unwrap_or_default();
    let decision = domain::decide(&t.contract.terms.monitoring, &labels, &lowest);
    let now = app.now();
    // Everything read outside the write transaction comes first: a transaction holding a pool
    // connection while waiting for another starves PostgreSQL's pool under a storm of alerts.
    let fresh = if row.status == "firing"
        && let Some(severity) = decision.severity.clone()
    {
        let ci = match_ci(app, row.project_id, row.host.as_deref()).await?;
        let input = NewIncident {
            title: cut(&format!("【监控】{}", row.title), 200),
            description: describe(row, &labels),
            severity,
            channel: "monitoring".into(),
            reported_at: Some(row.starts_at.min(now)),
            department: None,
            scope: None,
            category: Some("监控告警".into()),
            ci: ci.as_ref().map(|(id, _)| vec![id.to_string()]).unwrap_or_default(),
        };
        Some((ci, crate::incident::prepare(app, &actor, &project.code, input).await?))
    } else {
        None
    };
    let mut tx = app.db.begin().await?;
    match job {
        Some(job) => {
            if !job.complete(&mut tx, now).await? {
                return Ok(Outcome::Lost);
            }
        }
        None => {
            worker::cancel(&mut tx, ALERT, &alert_key(row.id), now).await?;
        }
    }
    let Some(row) = store::get_tx(&mut tx, row.id).await? else { return Ok(Outcome::Skipped) };
    if row.state != "pending" {
        return Ok(Outcome::Skipped);
    }
    let (ci, incident, note) = if row.status == "firing" {
        if decision.severity.is_none() {
            finish(&mut tx, &row, None, None, None, "合同规则：只记录，不开单").await?;
            return commit(tx).await;
        }
        let earlier = store::latest(&mut tx, row.project_id, &row.source, &row.fingerprint, true).await?;
        let open = match earlier.as_ref().and_then(|e| e.incident_id) {
            Some(id) => yunwei_store::incident::get_tx(&mut tx, id)
                .await?
                .filter(|i| i.status != Status::Closed.code())
                .map(|i| (i, earlier.as_ref().and_then(|e| e.ci_id))),
            None => None,
        };
        match open {
            Some((inc, ci)) => {
                let note = format!("同一告警再次触发：{}（{}）", row.title, local(&t, row.starts_at));
                comment(&mut tx, &t, &actor, inc.id, note, now).await?;
                (ci, Some(inc.id), "并入未关闭的故障".to_owned())
            }
            None => {
                let (ci, prepared) =
                    fresh.ok_or_else(|| AppError::Internal(format!("alert {} not prepared", row.id)))?;
                let inc = crate::incident::insert_prepared(&mut tx, &actor, prepared.row, &prepared.terms).await?;
                (ci.map(|c| c.0), Some(inc.id), format!("已开故障 {}", inc.number))
            }
        }
    } else {
        match row.incident_id {
            None => (row.ci_id, None, "告警已恢复（未开单）".to_owned()),
            Some(id) => {
                let ended = row.ends_at.unwrap_or(now);
                let note = format!("监控告警已恢复：{}（{}）", row.title, local(&t, ended));
                let inc = yunwei_store::incident::get_tx(&mut tx, id).await?;
                let status = inc.as_ref().and_then(|i| Status::parse(&i.status));
                let outcome = if decision.resolve_on_recovery && status == Some(Status::InProgress) {
                    let mut data = serde_json::Map::new();
                    data.insert("cause".into(), "监控告警已恢复".into());
                    data.insert(
                        "action".into(),
                        format!("告警于 {} 恢复，系统按合同规则提出解决，待医院确认", local(&t, ended)).into(),
                    );
                    data.insert("prevention".into(), serde_json::Value::Null);
                    event(&mut tx, &t, &actor, id, EventKind::Resolve, note, data, now).await?;
                    "已按合同规则提出解决，待医院确认"
                } else if status == Some(Status::Closed) {
                    "故障已关闭，恢复只记录"
                } else {
                    comment(&mut tx, &t, &actor, id, note, now).await?;
                    if decision.resolve_on_recovery {
                        "已记入处理记录（故障尚未响应，未自动解决）"
                    } else {
                        "已记入处理记录"
                    }
                };
                (row.ci_id, Some(id), outcome.to_owned())
            }
        }
    };
    let severity = decision.severity.as_deref().filter(|_| row.status == "firing").or(row.severity.as_deref());
    finish(&mut tx, &row, severity, ci, incident, &note).await?;
    commit(tx).await
}

async fn commit(tx: yunwei_store::Tx) -> Result<Outcome, AppError> {
    tx.commit().await?;
    Ok(Outcome::Done)
}

/// Marks an occurrence done; another process having done so first undoes this transaction.
async fn finish(
    tx: &mut yunwei_store::Tx,
    row: &AlertRow,
    severity: Option<&str>,
    ci: Option<i64>,
    incident: Option<i64>,
    note: &str,
) -> Result<(), AppError> {
    if store::done(tx, row.id, severity, ci, incident, note).await? {
        Ok(())
    } else {
        Err(AppError::Conflict { field: "state".into(), reason: format!("告警 {} 已由另一进程处理", row.id) })
    }
}

fn local(t: &CompiledContract, at: DateTime<Utc>) -> String {
    at.with_timezone(&t.contract.project.timezone).format("%Y-%m-%d %H:%M:%S").to_string()
}

async fn comment(
    tx: &mut yunwei_store::Tx,
    t: &CompiledContract,
    actor: &Actor,
    id: i64,
    note: String,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    event(tx, t, actor, id, EventKind::Comment, note, serde_json::Map::new(), now).await
}

#[allow(clippy::too_many_arguments)]
async fn event(
    tx: &mut yunwei_store::Tx,
    t: &CompiledContract,
    actor: &Actor,
    id: i64,
    kind: EventKind,
    note: String,
    data: serde_json::Map<String, serde_json::Value>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let r = Recorded { kind, at: Some(now), severity: None, to: None, assignee: None, note, data };
    crate::incident::apply_event(tx, t, actor, id, r, None, now).await?;
    Ok(())
}

/// The incident's description: what the sender said, the labels, the link.
fn describe(row: &AlertRow, labels: &BTreeMap<String, String>) -> String {
    let mut d = String::new();
    if !row.description.is_empty() {
        d.push_str(&row.description);
        d.push_str("\n\n");
    }
    d.push_str(&format!("来源：{}；告警标识：{}\n", source_label(&row.source), row.fingerprint));
    let pairs: Vec<String> = labels.iter().filter(|(k, _)| *k != "source").map(|(k, v)| format!("{k}={v}")).collect();
    if !pairs.is_empty() {
        d.push_str(&format!("标签：{}\n", pairs.join(", ")));
    }
    if let Some(l) = &row.link {
        d.push_str(&format!("链接：{l}\n"));
    }
    cut(d.trim_end(), 10_000)
}

fn source_label(code: &str) -> &'static str {
    match code {
        "alertmanager" => domain::Source::Alertmanager.label(),
        "zabbix" => domain::Source::Zabbix.label(),
        _ => domain::Source::Backup.label(),
    }
}

/// The in-service CI an alert's host names: by address (live first), else by host name.
async fn match_ci(app: &App, project_id: i64, host: Option<&str>) -> Result<Option<(i64, String)>, AppError> {
    use yunwei_domain::cmdb::{CiIp, InstanceHost, parse_instance};
    let Some(host) = host.and_then(parse_instance) else { return Ok(None) };
    let rows = match host {
        InstanceHost::Ip(addr) => {
            let held = yunwei_store::cmdb::by_address(&app.db, project_id, &CiIp::Addr(addr).to_string()).await?;
            let mut ids: Vec<i64> = held.iter().filter(|r| r.live).map(|r| r.ci_id).collect();
            ids.dedup();
            yunwei_store::cmdb::by_ids(&app.db, project_id, &ids).await?
        }
        InstanceHost::Hostname(h) => yunwei_store::cmdb::by_hostname(&app.db, project_id, &h).await?,
    };
    Ok(rows.into_iter().find(|c| c.status == "in_service").map(|c| (c.id, c.name)))
}

/// Stores a backup report with the alert it raises (a failure) or resolves (a success), in one
/// transaction; returns the report's id.
pub async fn backup(app: &App, actor: &Actor, code: &str, r: BackupReport) -> Result<(i64, Intake), AppError> {
    let (intake, id) = receive_with(app, actor, code, vec![r.alert()], Some(&r)).await?;
    Ok((id.unwrap_or_default(), intake))
}

/// The project's time zone (Zabbix writes local times), for a caller allowed to report.
pub async fn timezone(app: &App, actor: &Actor, code: &str) -> Result<chrono_tz::Tz, AppError> {
    let access = authorize(app, actor, code, Permission::IncidentReport).await?;
    Ok(crate::terms::current(app, access.project.id).await?.contract.project.timezone)
}

/// A backup job as set up.
#[derive(Debug, Clone)]
pub struct BackupJobView {
    pub row: yunwei_store::monitoring::BackupJobRow,
    /// Its latest report.
    pub last: Option<BackupRow>,
}

/// Sets up (or changes) a backup job the project expects a report from every day by
/// `expected_by` (`HH:MM`, the project's time zone).
pub async fn set_backup_job(
    app: &App,
    actor: &Actor,
    code: &str,
    job: &str,
    expected_by: &str,
    host: Option<String>,
) -> Result<BackupJobView, AppError> {
    let access = authorize(app, actor, code, Permission::InspectionTemplateWrite).await?;
    let pid = access.project.id;
    let mut v = yunwei_domain::ValidationErrors::default();
    let job = BoundedText::<200>::required(&mut v, "job", job).map(String::from).unwrap_or_default();
    let time = chrono::NaiveTime::parse_from_str(expected_by.trim(), "%H:%M");
    if time.is_err() {
        v.push("expected_by", "须为当地时间，例如 06:00");
    }
    v.into_result()?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let row = yunwei_store::monitoring::BackupJobRow {
        id: 0,
        project_id: pid,
        job: job.clone(),
        expected_by: time.map(|t| t.format("%H:%M").to_string()).unwrap_or_default(),
        host: host.map(|h| h.trim().to_owned()).filter(|h| !h.is_empty()),
        owner_id: actor.user_id.get(),
        // Days before it was set up are not held against it.
        checked_until: Some(now),
        created_at: now,
        updated_at: now,
    };
    store::upsert_job(&mut tx, &row).await?;
    record(
        &mut tx,
        Some(actor),
        now,
        Record {
            project_id: Some(pid),
            code: audit::BACKUP_JOB_SET,
            entity_id: job.clone(),
            summary: json!({ "expected_by": row.expected_by }),
        },
    )
    .await?;
    tx.commit().await?;
    let last = store::last_backup(&app.db, pid, &job).await?;
    Ok(BackupJobView { row, last })
}

/// The project's backup jobs with their latest reports.
pub async fn backup_jobs(app: &App, actor: &Actor, code: &str) -> Result<Vec<BackupJobView>, AppError> {
    let access = authorize(app, actor, code, Permission::IncidentRead).await?;
    let mut out = Vec::new();
    for row in store::jobs(&app.db, Some(access.project.id)).await? {
        let last = store::last_backup(&app.db, row.project_id, &row.job).await?;
        out.push(BackupJobView { row, last });
    }
    Ok(out)
}

/// The latest due time of a daily job at `now`: today's `expected_by` once passed, else
/// yesterday's.
fn latest_due(expected_by: &str, tz: chrono_tz::Tz, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    use chrono::TimeZone;
    let time = chrono::NaiveTime::parse_from_str(expected_by, "%H:%M").ok()?;
    let today = now.with_timezone(&tz).date_naive();
    let at = |d: chrono::NaiveDate| tz.from_local_datetime(&d.and_time(time)).earliest().map(|t| t.with_timezone(&Utc));
    match at(today)? {
        due if due <= now => Some(due),
        _ => at(today.pred_opt()?),
    }
}

/// Raises an alert for every backup job whose report of the last day did not come by its due
/// time (once per due time); a later report of the job resolves it. Returns the alerts raised.
pub async fn check_backups(app: &App) -> Result<usize, AppError> {
    let now = app.now();
    let mut raised = 0;
    for job in store::jobs(&app.db, None).await? {
        // A project without a contract yet has nothing due.
        let t = match crate::terms::current(app, job.project_id).await {
            Ok(t) => t,
            Err(AppError::Conflict { .. }) => continue,
            Err(e) => return Err(e),
        };
        let tz = t.contract.project.timezone;
        let Some(due) = latest_due(&job.expected_by, tz, now) else { continue };
        if job.checked_until.is_some_and(|c| c >= due) {
            continue;
        }
        let owner = yunwei_store::identity::user_by_id(&app.db, job.owner_id)
            .await?
            .ok_or_else(|| AppError::Internal(format!("user {} missing", job.owner_id)))?;
        let actor = Actor::of_user(&owner, AuthMethod::Local);
        let mut tx = app.db.begin().await?;
        if !store::mark_checked(&mut tx, job.id, due).await? {
            continue;
        }
        let since = due - chrono::Duration::days(1);
        if !store::reported_between(&mut tx, job.project_id, &job.job, since, due).await? {
            let alert = Alert {
                source: domain::Source::Backup,
                fingerprint: format!("backup:{}", job.job),
                firing: true,
                starts_at: due,
                ends_at: None,
                labels: BTreeMap::from([
                    ("source".to_owned(), "backup".to_owned()),
                    ("job".to_owned(), job.job.clone()),
                    ("reason".to_owned(), "missing".to_owned()),
                ]),
                annotations: BTreeMap::new(),
                title: format!("备份作业未按时报告：{}", job.job),
                description: format!(
                    "应于 {} 前收到本日备份报告，至今未收到（备份可能未运行，或报告未能送达）。",
                    local(&t, due)
                ),
                host: job.host.clone(),
                link: None,
            };
            store_one(&mut tx, job.project_id, &actor, &alert, now).await?;
            raised += 1;
        }
        tx.commit().await?;
    }
    if raised > 0 {
        act_on_queued(app).await?;
    }
    Ok(raised)
}
