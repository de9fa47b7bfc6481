//! Overdue inspections and reports, as jobs of the runner (seed 000: inspections by their period's
//! end, the report within the contract's working days of the signature).
//!
//! Every write that creates an execution or moves its status calls [`sync_jobs`] in its
//! transaction (an answer changes neither the due time nor the report, so it does not): an
//! execution still to be done with a due time has its [`DUE`] job at that time, a done one whose report is not issued
//! has its [`REPORT_DUE`] job at the report's due time, and the jobs of what no longer applies are
//! cancelled. A job that runs finishes itself in the transaction that queues the managers' notice
//! and marks the execution noticed, so each notice goes out once however many instances run.

use chrono::{DateTime, Utc};
use serde_json::json;
use yunwei_domain::inspection::Status;
use yunwei_store::Tx;
use yunwei_store::inspection::{self as store, ExecutionRow};

use crate::worker::{self, Job, Outcome, Worker};
use crate::{App, AppError};

/// The job kind of an inspection not done by its due time (key `inspection:{id}`).
pub const DUE: &str = "inspection.due";
/// The job kind of a report not issued by its due time (key `inspection:{id}`).
pub const REPORT_DUE: &str = "inspection.report_due";

fn key(id: i64) -> String {
    format!("inspection:{id}")
}

fn open(row: &ExecutionRow) -> bool {
    Status::parse(&row.status).is_some_and(Status::open)
}

/// Queues, re-times or cancels the execution's overdue jobs after a write (inside its
/// transaction).
pub(crate) async fn sync_jobs(tx: &mut Tx, row: &ExecutionRow, now: DateTime<Utc>) -> Result<(), AppError> {
    let payload = json!({ "inspection_id": row.id });
    match row.due_at.filter(|_| open(row)) {
        Some(due) => worker::schedule(tx, DUE, &key(row.id), None, due, &payload, now).await?,
        None => {
            worker::cancel(tx, DUE, &key(row.id), now).await?;
        }
    }
    match row.report_due.filter(|_| row.report_issued_at.is_none()) {
        Some(due) => worker::schedule(tx, REPORT_DUE, &key(row.id), None, due, &payload, now).await?,
        None => {
            worker::cancel(tx, REPORT_DUE, &key(row.id), now).await?;
        }
    }
    Ok(())
}

/// Registers the overdue handlers on `w`.
pub fn jobs(w: Worker) -> Worker {
    w.handle(DUE, |app, job| async move { notice(app, job, false).await })
        .handle(REPORT_DUE, |app, job| async move { notice(app, job, true).await })
}

/// Announces every inspection and report that became overdue, each once across all instances
/// (one pass of the job runner over the overdue jobs); returns how many notices went out.
pub async fn notify_overdue(app: &App) -> Result<usize, AppError> {
    let report = jobs(Worker::new(app.clone())).run_once().await?;
    Ok(report.done(DUE).count() + report.done(REPORT_DUE).count())
}

/// The handler: the managers' notice, if the execution is still overdue and unnoticed.
async fn notice(app: App, job: Job, report: bool) -> Result<Outcome, AppError> {
    let id = job.payload["inspection_id"]
        .as_i64()
        .ok_or_else(|| AppError::Internal(format!("job {}: no inspection_id", job.id)))?;
    let Some(row) = store::execution(&app.db, id).await? else { return Ok(Outcome::Skipped) };
    let now = app.now();
    let due = if report {
        row.report_due.filter(|_| row.report_issued_at.is_none())
    } else {
        row.due_at.filter(|_| open(&row))
    };
    let Some(due) = due else { return Ok(Outcome::Skipped) };
    if due >= now {
        // Moved later since it was queued (the queueing write re-times it too).
        return Ok(Outcome::Later(due + chrono::Duration::microseconds(1)));
    }
    let terms = crate::terms::of_version(&app, row.contract_version_id).await?;
    let tz = terms.contract.project.timezone;
    let recipients = crate::notify::recipients(&app, row.project_id, "manager1").await?;
    let notice = notice_of(&row, report, tz);
    let mut tx = app.db.begin().await?;
    if !job.complete(&mut tx, now).await? {
        return Ok(Outcome::Lost);
    }
    if !store::mark_noticed(&mut tx, row.id, report, now).await? {
        return Ok(Outcome::Skipped);
    }
    crate::notify::queue_notice(&app, &mut tx, &notice, &recipients, tz, now).await?;
    tx.commit().await?;
    Ok(Outcome::Done)
}

fn notice_of(row: &ExecutionRow, report: bool, tz: chrono_tz::Tz) -> crate::notify::Notice {
    let local = |d: Option<DateTime<Utc>>| {
        d.map(|d| d.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default()
    };
    let on = row.ci_name.as_deref().map(|c| format!("（{c}）")).unwrap_or_default();
    let (subject, text, kind) = if report {
        (
            format!("【巡检报告逾期】{}{on}", row.number),
            format!(
                "巡检 {}{on}已于 {} 完成，巡检报告应于 {} 前提交，至今未提交。",
                row.number,
                local(row.completed_at),
                local(row.report_due)
            ),
            "inspection_report_overdue",
        )
    } else {
        let status = Status::parse(&row.status).map(Status::label).unwrap_or("—");
        (
            format!("【巡检逾期】{}{on}", row.number),
            format!(
                "巡检 {}{on}（{}）应于 {} 前完成，当前状态：{status}。",
                row.number,
                row.period.as_deref().unwrap_or(&row.kind),
                local(row.due_at)
            ),
            "inspection_overdue",
        )
    };
    crate::notify::Notice {
        project_id: row.project_id,
        incident_id: None,
        kind,
        subject,
        text,
        urgent: false,
        event: json!({ "event": format!("inspection.{}", if report { "report_overdue" } else { "overdue" }),
                       "inspection": { "id": row.id, "number": row.number, "ci": row.ci_name,
                                       "due_at": row.due_at.map(|d| d.to_rfc3339()),
                                       "report_due": row.report_due.map(|d| d.to_rfc3339()) } }),
    }
}
