//! The escalation ladder (seed 003 1.1.5.2.3: Manager1 → Manager2 → Manager3 by elapsed time per
//! severity): kept per incident in `incident_escalations`, each step with a due time a job of the
//! runner in its incident's chain, fired exactly once in the transaction that finishes the job.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::json;
use yunwei_domain::contract::CompiledContract;
use yunwei_domain::identity::Role;
use yunwei_domain::servicedesk::{ClockEvent, Status, audit, escalation_steps};
use yunwei_store::Tx;
use yunwei_store::incident::IncidentRow;
use yunwei_store::notify as store;

use super::outbox::{Notice, queue_notice};
use crate::audit::{Record, record};
use crate::worker::{self, Job, Outcome, Worker};
use crate::{App, AppError};

/// Recomputes the ladder of an incident inside the transaction that changed it.
pub(crate) async fn sync_escalations(
    tx: &mut Tx,
    t: &CompiledContract,
    row: &IncidentRow,
    events: &[ClockEvent],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let closed = matches!(Status::parse(&row.status), Some(Status::Resolved | Status::Closed));
    let steps = match t.contract.severities.get(&row.severity) {
        Some(sev) if !closed => {
            escalation_steps(row.reported_at, events, sev, &t.calendars, &t.contract.pause_while, now)
                .map_err(|e| AppError::Internal(format!("escalation ladder: {e}")))?
        }
        _ => Vec::new(),
    };
    let steps: Vec<(i64, String, Option<DateTime<Utc>>)> =
        steps.into_iter().map(|s| (s.step as i64, s.to, s.due)).collect();
    // No events yet: the incident is being created and has no steps to replace.
    let fresh = events.is_empty();
    store::sync_steps(tx, row.project_id, row.id, &steps, fresh).await?;
    // The jobs follow the ladder: waiting ones are re-timed, those of steps gone are cancelled
    // (fired steps' jobs are done and stay so).
    let chain = ladder_chain(row.id);
    if !fresh {
        worker::cancel_chain(tx, ESCALATION, &chain, now).await?;
    }
    for (step, target, due) in &steps {
        if let Some(due) = due {
            let payload = json!({ "incident_id": row.id, "step": step, "target": target });
            worker::schedule(tx, ESCALATION, &step_key(row.id, *step), Some(&chain), *due, &payload, now).await?;
        }
    }
    Ok(())
}

/// A step that fired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fired {
    pub incident_id: i64,
    pub step: i64,
    pub target: String,
}

/// The job kind of an escalation step: one job per step (key `incident:{id}:step:{n}`), due at the
/// step's due time, in the chain of its incident so the ladder goes out in order.
pub const ESCALATION: &str = "escalation";

fn step_key(incident_id: i64, step: i64) -> String {
    format!("incident:{incident_id}:step:{step}")
}

fn ladder_chain(incident_id: i64) -> String {
    format!("incident:{incident_id}")
}

/// Registers the escalation handler on `w`.
pub fn jobs(w: Worker) -> Worker {
    w.handle(ESCALATION, fire_step)
}

/// Fires every escalation step due now, each exactly once across all instances, in ladder order
/// (one pass of the job runner over escalation jobs).
pub async fn fire_due(app: &App) -> Result<Vec<Fired>, AppError> {
    let report = jobs(Worker::new(app.clone())).run_once().await?;
    Ok(report
        .done(ESCALATION)
        .map(|r| Fired {
            incident_id: r.payload["incident_id"].as_i64().unwrap_or_default(),
            step: r.payload["step"].as_i64().unwrap_or_default(),
            target: r.payload["target"].as_str().unwrap_or_default().to_owned(),
        })
        .collect())
}

/// Fires one step: marks it fired, queues its messages and records it, in the transaction that
/// finishes its job.
async fn fire_step(app: App, job: Job) -> Result<Outcome, AppError> {
    let (Some(incident_id), Some(step)) = (job.payload["incident_id"].as_i64(), job.payload["step"].as_i64()) else {
        return Err(AppError::Internal(format!("escalation job {} without its step", job.id)));
    };
    let now = app.now();
    let mut tx = app.db.begin().await?;
    if !job.complete(&mut tx, now).await? {
        return Ok(Outcome::Lost);
    }
    // Gone (fixed, paused) or moved since the job was claimed: nothing to fire.
    if !store::claim_step(&mut tx, incident_id, step, now, &app.notify.instance).await? {
        return Ok(Outcome::Skipped);
    }
    let Some(row) = yunwei_store::incident::get_tx(&mut tx, incident_id).await? else {
        return Ok(Outcome::Skipped);
    };
    let target = job.payload["target"].as_str().unwrap_or_default().to_owned();
    queue_escalation(&app, &mut tx, &row, &target, step, now).await?;
    record(
        &mut tx,
        None,
        now,
        Record {
            project_id: Some(row.project_id),
            code: audit::INCIDENT_ESCALATION,
            entity_id: row.id.to_string(),
            summary: json!({ "step": step, "target": target, "due_at": job.run_at.to_rfc3339(), "instance": app.notify.instance }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Outcome::Done)
}

/// The users a ladder target names: its configured contacts, else the project's members of the
/// role the target belongs to (`manager…` → manager, `l2`/`expert` → l2_engineer).
pub(crate) async fn recipients(app: &App, project_id: i64, target: &str) -> Result<Vec<(i64, String)>, AppError> {
    let ids = store::contacts_for(&app.db, project_id, target).await?;
    let members = yunwei_store::identity::list_members(&app.db, project_id).await?;
    let mut out: Vec<(i64, String)> = if ids.is_empty() {
        let role = if target.starts_with("manager") {
            Some(Role::Manager)
        } else if target == "l2" || target == "expert" {
            Some(Role::L2Engineer)
        } else {
            None
        };
        members
            .iter()
            .filter(|m| role.is_some_and(|r| r.code() == m.role))
            .map(|m| (m.user_id, m.display_name.clone()))
            .collect()
    } else {
        let users = yunwei_store::identity::users_by_ids(&app.db, &ids).await?;
        users.into_iter().filter(|u| u.active).map(|u| (u.id, u.display_name)).collect()
    };
    out.sort();
    out.dedup();
    Ok(out)
}

fn target_label(target: &str) -> String {
    match target {
        "manager1" => "Manager1（项目经理）".into(),
        "manager2" => "Manager2（服务交付中心经理）".into(),
        "manager3" => "Manager3（公司总经理）".into(),
        "l2" => "二线工程师".into(),
        "expert" => "专家".into(),
        other => other.into(),
    }
}

async fn queue_escalation(
    app: &App,
    tx: &mut Tx,
    row: &IncidentRow,
    target: &str,
    step: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let project = yunwei_store::project::by_id(&app.db, row.project_id)
        .await?
        .ok_or_else(|| AppError::Internal("project missing".into()))?;
    let tz: Tz = yunwei_domain::time::project_tz(&project.timezone);
    let terms = crate::terms::of_version(app, row.contract_version_id).await.ok();
    let (sev_name, most_severe) = match terms.as_ref().map(|t| &t.contract) {
        Some(c) => (
            c.severities.get(&row.severity).map(|s| s.name.clone()).unwrap_or_else(|| row.severity.clone()),
            c.severities.keys().next().is_some_and(|k| *k == row.severity),
        ),
        None => (row.severity.clone(), false),
    };
    let status = Status::parse(&row.status).map(Status::label).unwrap_or("—");
    let who = target_label(target);
    let subject = format!("【故障升级】{} {} {}", row.number, sev_name, row.title);
    let text = format!(
        "故障 {number}「{title}」（{sev}）已按合同升级至 {who}（第 {n} 级）。\n报障时间：{reported}\n当前状态：{status}\n处理人：{assignee}\n科室：{dept}",
        number = row.number,
        title = row.title,
        sev = sev_name,
        n = step + 1,
        reported = row.reported_at.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
        assignee = row.assignee_name.as_deref().unwrap_or("未指派"),
        dept = row.department.as_deref().unwrap_or("—"),
    );
    let recipients = recipients(app, row.project_id, target).await?;
    let notice = Notice {
        project_id: row.project_id,
        incident_id: Some(row.id),
        kind: "escalation",
        subject,
        text,
        urgent: most_severe,
        event: json!({
            "event": "incident.escalation",
            "incident": {"id": row.id, "number": row.number, "title": row.title, "severity": row.severity, "status": row.status},
            "step": step + 1,
            "target": target,
        }),
    };
    queue_notice(app, tx, &notice, &recipients, tz, now).await
}
