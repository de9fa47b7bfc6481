//! The execution's life after its answers: the engineer's and the hospital's signatures and the
//! report, whose due time the contract sets.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use yunwei_domain::ValidationErrors;
use yunwei_domain::contract::{CompiledContract, ReportKind};
use yunwei_domain::id::InspectionId;
use yunwei_domain::identity::Permission;
use yunwei_domain::inspection::{self as domain, Status, audit};
use yunwei_domain::text::BoundedText;
use yunwei_store::inspection::{self as store, ExecutionRow};

use super::executions::{access_to, not_found};
use super::view::{ExecutionView, view};
use crate::actor::Actor;
use crate::audit::{Record, record};
use crate::{App, AppError};

async fn transition(
    app: &App,
    actor: &Actor,
    id: i64,
    p: Permission,
    change: impl FnOnce(
        &mut ExecutionRow,
        &ExecutionView,
        Status,
        DateTime<Utc>,
        &CompiledContract,
    ) -> Result<yunwei_domain::audit::AuditCode, AppError>,
) -> Result<ExecutionView, AppError> {
    let row = store::execution(&app.db, id).await?.ok_or_else(|| not_found(id))?;
    access_to(app, actor, &row, p).await?;
    let terms = crate::terms::of_version(app, row.contract_version_id).await?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let row = store::execution_tx(&mut tx, id).await?.ok_or_else(|| not_found(id))?;
    let results = store::results_tx(&mut tx, id).await?;
    let ev = view(&row, &results)?;
    let mut next = row.clone();
    let action = change(&mut next, &ev, ev.execution.status, now, &terms)?;
    next.updated_at = now;
    if !store::update_execution(&mut tx, &next, row.version).await? {
        return Err(AppError::Stale { current: row.version + 1 });
    }
    super::sync_jobs(&mut tx, &next, now).await?;
    next.version = row.version + 1;
    record(
        &mut tx,
        Some(actor),
        now,
        Record {
            project_id: Some(row.project_id),
            code: action,
            entity_id: id.to_string(),
            summary: json!({ "before": { "status": row.status }, "after": { "status": next.status,
                "report_due": next.report_due.map(|d| d.to_rfc3339()) } }),
        },
    )
    .await?;
    tx.commit().await?;
    view(&next, &results)
}

fn wrong_status(now: Status, what: &str) -> AppError {
    AppError::Conflict {
        field: "status".into(),
        reason: format!("巡检{}，不能{what}（当前状态：{}）", now.label(), now.code()),
    }
}

/// The engineer signs a fully answered inspection; the report's due time starts from here.
pub async fn complete(app: &App, actor: &Actor, id: InspectionId) -> Result<ExecutionView, AppError> {
    let id = id.get();
    let name = actor.display_name.clone();
    let uid = actor.user_id.get();
    transition(app, actor, id, Permission::InspectionWork, |row, ev, status, now, terms| {
        if !status.open() {
            return Err(wrong_status(status, "签字完成"));
        }
        let answered: BTreeSet<&str> = ev.results.iter().map(|r| r.item_key.as_str()).collect();
        let missing = domain::unanswered(&ev.template, &answered);
        if !missing.is_empty() {
            let list = missing.iter().take(5).map(|i| format!("{} {}", i.key, i.name)).collect::<Vec<_>>().join("、");
            let more = if missing.len() > 5 { " 等" } else { "" };
            return Err(
                ValidationErrors::single("results", format!("尚有 {} 项未填写：{list}{more}", missing.len())).into()
            );
        }
        row.status = Status::Completed.code().to_owned();
        row.completed_at = Some(now);
        row.engineer_id = Some(uid);
        row.engineer_name = Some(name);
        row.report_due = report_due(terms, now)?;
        Ok(audit::INSPECTION_COMPLETE)
    })
    .await
}

/// When the inspection report is due after an inspection completed at `at`, in the contract's
/// calendar (seed 000 §2.9: 3 working days); `None` when the contract sets no such term.
pub fn report_due(t: &CompiledContract, at: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, AppError> {
    let Some(target) = t.contract.terms.reports.get(&ReportKind::Inspection) else { return Ok(None) };
    let cal = t
        .calendars
        .get(&target.calendar)
        .ok_or_else(|| AppError::Internal(format!("calendar {} missing", target.calendar)))?;
    let due = cal
        .add_business(at, target.within, &[])
        .map_err(|e| ValidationErrors::single("report_due", format!("无法按合同日历计算报告期限：{e}")))?;
    Ok(Some(due.value))
}

/// The hospital signs a completed inspection.
pub async fn confirm(
    app: &App,
    actor: &Actor,
    id: InspectionId,
    note: Option<String>,
) -> Result<ExecutionView, AppError> {
    let id = id.get();
    let name = actor.display_name.clone();
    let uid = actor.user_id.get();
    let mut v = ValidationErrors::default();
    let note = BoundedText::<2000>::optional_multiline(&mut v, "note", note.as_deref()).map(String::from);
    v.into_result()?;
    transition(app, actor, id, Permission::InspectionConfirm, |row, _, status, now, _| {
        if status != Status::Completed {
            return Err(wrong_status(status, "确认"));
        }
        row.status = Status::Confirmed.code().to_owned();
        row.hospital_id = Some(uid);
        row.hospital_name = Some(name);
        row.hospital_signed_at = Some(now);
        row.hospital_note = note;
        Ok(audit::INSPECTION_CONFIRM)
    })
    .await
}

/// The report's text fields (seed 003 1.1.6.2.5: 发现的问题、原因、影响、建议与风险).
pub const REPORT_FIELDS: [(&str, &str); 5] = [
    ("findings", "发现的问题"),
    ("causes", "原因分析"),
    ("impact", "影响"),
    ("recommendations", "建议"),
    ("risks", "风险"),
];

/// Writes the report's text and, with `issue`, issues it (once: the issue time is what the due
/// time is checked against).
pub async fn write_report(
    app: &App,
    actor: &Actor,
    id: InspectionId,
    fields: Vec<(String, String)>,
    issue: bool,
) -> Result<ExecutionView, AppError> {
    let id = id.get();
    let mut v = ValidationErrors::default();
    let mut report = serde_json::Map::new();
    for (k, text) in fields {
        if !REPORT_FIELDS.iter().any(|(f, _)| *f == k) {
            v.push(k.clone(), format!("未知报告栏目，可选：{}", REPORT_FIELDS.map(|f| f.0).join(", ")));
            continue;
        }
        let text = BoundedText::<10_000>::optional_multiline(&mut v, &k, Some(&text));
        report.insert(k, Value::from(text.map(String::from).unwrap_or_default()));
    }
    v.into_result()?;
    transition(app, actor, id, Permission::InspectionWork, |row, ev, status, now, _| {
        if !matches!(status, Status::Completed | Status::Confirmed) {
            return Err(wrong_status(status, "编写报告（须先签字完成巡检）"));
        }
        let mut merged: serde_json::Map<String, Value> =
            ev.report.0.iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect();
        merged.extend(report);
        row.report = Value::Object(merged).to_string();
        if issue && row.report_issued_at.is_none() {
            row.report_issued_at = Some(now);
        }
        Ok(if issue { audit::INSPECTION_ISSUE_REPORT } else { audit::INSPECTION_WRITE_REPORT })
    })
    .await
}
