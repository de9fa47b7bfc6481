//! Answers item by item (the newest by device time wins) and abnormal items raised as incidents.

use chrono::{DateTime, Utc};
use serde_json::json;
use yunwei_domain::ValidationErrors;
use yunwei_domain::contract::CompiledContract;
use yunwei_domain::id::InspectionId;
use yunwei_domain::identity::Permission;
use yunwei_domain::inspection::{self as domain, Answer, Status, Template, Verdict, audit};
use yunwei_domain::text::BoundedText;
use yunwei_store::inspection as store;

use yunwei_store::inspection::ResultRow;

use super::executions::{access_to, not_found};
use super::view::{Execution, ExecutionView, ItemResult, template_of, view};
use crate::actor::Actor;
use crate::audit::{Record, record};
use crate::incident::NewIncident;
use crate::{App, AppError};

#[derive(Debug, Clone, Default)]
pub struct AnswerInput {
    pub verdict: Option<String>,
    pub value: Option<f64>,
    pub text: Option<String>,
    pub note: Option<String>,
    /// When it was given on the device; now when absent. A device clock ahead of the server's
    /// counts as now.
    pub recorded_at: Option<DateTime<Utc>>,
}

/// Records the answer to one item. The newest answer by device time wins: a replay of an older
/// one (a queued form sent again after the connection came back) changes nothing. An abnormal
/// answer to an item whose template says so opens its incident at once.
pub async fn answer(
    app: &App,
    actor: &Actor,
    id: InspectionId,
    key: &str,
    a: AnswerInput,
) -> Result<ExecutionView, AppError> {
    let id = id.get();
    let first = store::execution(&app.db, id).await?.ok_or_else(|| not_found(id))?;
    let access = access_to(app, actor, &first, Permission::InspectionWork).await?;
    let now = app.now();
    // An execution's template never changes: the answer is checked against it before the write.
    let template = template_of(&first)?;
    let item = template.item(key).ok_or_else(|| AppError::NotFound(format!("巡检项目 {key} 不存在")))?;
    let mut v = ValidationErrors::default();
    let verdict = match a.verdict.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Verdict::parse(s).or_else(|| {
            v.push("verdict", format!("未知结论“{s}”，可选：ok, abnormal"));
            None
        }),
    };
    let text = BoundedText::<2000>::optional_multiline(&mut v, "text", a.text.as_deref()).map(String::from);
    let note = BoundedText::<2000>::optional_multiline(&mut v, "note", a.note.as_deref()).map(String::from);
    let note = note.unwrap_or_default();
    let judged = domain::judge(item, &Answer { verdict, number: a.value, text: text.clone() });
    if let Err((field, reason)) = &judged {
        v.push(*field, reason.clone());
    }
    v.into_result()?;
    let verdict = judged.map_err(|(f, r)| ValidationErrors::single(f, r))?;
    let recorded_at = crate::clock::truncate_micros(a.recorded_at.map_or(now, |t| t.min(now)));
    let mut result = ResultRow {
        id: 0,
        execution_id: id,
        item_key: key.to_owned(),
        verdict: verdict.code().to_owned(),
        number: a.value.filter(|_| item.result == domain::ResultKind::Number),
        text,
        note,
        recorded_at,
        saved_at: now,
        actor_id: Some(actor.user_id.get()),
        actor: actor.display_name.clone(),
        incident_id: None,
    };
    // The incident it would open, checked outside the write transaction.
    let auto = match (&item.incident, verdict) {
        (Some(sev), Verdict::Abnormal) => {
            let input = incident_input(
                &Execution::from_row(&first)?,
                &template,
                item,
                &ItemResult::from_row(&result)?,
                sev.clone(),
            );
            Some(crate::incident::prepare(app, actor, &access.project.code, input).await?)
        }
        _ => None,
    };
    let mut tx = app.db.begin().await?;
    let mut row = store::execution_tx(&mut tx, id).await?.ok_or_else(|| not_found(id))?;
    let status = Status::parse(&row.status).ok_or_else(|| AppError::Internal(format!("status {}", row.status)))?;
    if !status.open() {
        return Err(AppError::Conflict {
            field: "status".into(),
            reason: format!("巡检{}，不能再填写（当前状态：{}）", status.label(), status.code()),
        });
    }
    let results = store::results_tx(&mut tx, id).await?;
    let existing = results.iter().find(|r| r.item_key == key);
    if existing.is_some_and(|e| e.recorded_at > recorded_at) {
        // An older answer arriving late: the newer one stands.
        drop(tx);
        return view(&row, &results);
    }
    result.incident_id = existing.and_then(|e| e.incident_id);
    store::upsert_result(&mut tx, row.project_id, &result).await?;
    let expected = row.version;
    if status == Status::Planned {
        row.status = Status::InProgress.code().to_owned();
        row.started_at = Some(recorded_at);
    }
    row.updated_at = now;
    if !store::update_execution(&mut tx, &row, expected).await? {
        return Err(AppError::Stale { current: expected + 1 });
    }
    // An answer leaves the inspection open with its due time and no report: its overdue jobs
    // stand as they are (see `overdue::sync_jobs`).
    row.version = expected + 1;
    if let Some(prepared) = auto
        && result.incident_id.is_none()
    {
        open_incident(&mut tx, actor, id, key, prepared).await?;
    }
    record(
        &mut tx,
        Some(actor),
        now,
        Record {
            project_id: Some(row.project_id),
            code: audit::INSPECTION_ANSWER,
            entity_id: id.to_string(),
            summary: json!({ "item": key, "verdict": verdict.code() }),
        },
    )
    .await?;
    let results = store::results_tx(&mut tx, id).await?;
    tx.commit().await?;
    view(&row, &results)
}

/// The incident an abnormal answer becomes: what was checked, against what, and what was found.
fn incident_input(
    row: &Execution,
    template: &Template,
    item: &domain::Item,
    result: &ItemResult,
    severity: String,
) -> NewIncident {
    let on = row.ci_name.as_deref().map(|c| format!("{c} ")).unwrap_or_default();
    let mut description = format!(
        "巡检 {}（{}）第 {} 项“{} / {}”结论为异常。",
        row.number, template.name, item.key, item.section, item.name
    );
    if let Some(s) = &item.standard {
        description.push_str(&format!("\n参考标准：{s}"));
    }
    if let Some(n) = result.number {
        description.push_str(&format!(
            "\n测得：{n}{}（正常范围 {}）",
            item.unit.as_deref().unwrap_or(""),
            domain::range_text(item)
        ));
    }
    if let Some(t) = &result.text {
        description.push_str(&format!("\n记录：{t}"));
    }
    if !result.note.is_empty() {
        description.push_str(&format!("\n备注：{}", result.note));
    }
    NewIncident {
        title: format!("巡检异常：{on}{}", item.name),
        description,
        severity,
        channel: "on_site".into(),
        reported_at: Some(result.recorded_at),
        department: None,
        scope: None,
        category: Some(crate::incident::INSPECTION_CATEGORY.into()),
        ci: row.ci_id.map(|id| vec![id.to_string()]).unwrap_or_default(),
    }
}

/// Stores a prepared incident for an answer and links the two, inside `tx`.
async fn open_incident(
    tx: &mut yunwei_store::Tx,
    actor: &Actor,
    execution_id: i64,
    key: &str,
    prepared: crate::incident::Prepared,
) -> Result<i64, AppError> {
    let inc = crate::incident::insert_prepared(tx, actor, prepared.row, &prepared.terms).await?;
    store::link_incident(tx, execution_id, key, inc.id).await?;
    Ok(inc.id)
}

/// Turns an abnormal answer into an incident of `severity` (the contract's lowest when absent);
/// returns the incident's id. An answer becomes one incident at most.
pub async fn raise_incident(
    app: &App,
    actor: &Actor,
    id: InspectionId,
    key: &str,
    severity: Option<String>,
) -> Result<i64, AppError> {
    let id = id.get();
    let row = store::execution(&app.db, id).await?.ok_or_else(|| not_found(id))?;
    let access = access_to(app, actor, &row, Permission::InspectionWork).await?;
    let terms = crate::terms::of_version(app, row.contract_version_id).await?;
    let severity = match severity {
        Some(s) => s,
        None => lowest_severity(&terms)?,
    };
    let raisable = |ev: &ExecutionView| -> Result<ItemResult, AppError> {
        let result = ev
            .result(key)
            .ok_or_else(|| AppError::Conflict {
                field: "item".into(), reason: format!("第 {key} 项还没有填写")
            })?;
        if result.verdict != Verdict::Abnormal {
            return Err(AppError::Conflict {
                field: "item".into(),
                reason: format!("第 {key} 项结论为正常，无需报障"),
            });
        }
        if let Some(inc) = result.incident_id {
            return Err(AppError::Conflict {
                field: "item".into(),
                reason: format!("第 {key} 项已转为故障（编号 {inc}）"),
            });
        }
        Ok(result.clone())
    };
    // Checked and prepared outside the write transaction, checked again inside it.
    let ev = view(&row, &store::results(&app.db, id).await?)?;
    let item = ev.template.item(key).ok_or_else(|| AppError::NotFound(format!("巡检项目 {key} 不存在")))?;
    let result = raisable(&ev)?;
    let input = incident_input(&ev.execution, &ev.template, item, &result, severity);
    let prepared = crate::incident::prepare(app, actor, &access.project.code, input).await?;
    let mut tx = app.db.begin().await?;
    let row = store::execution_tx(&mut tx, id).await?.ok_or_else(|| not_found(id))?;
    let now_ev = view(&row, &store::results_tx(&mut tx, id).await?)?;
    raisable(&now_ev)?;
    let inc = open_incident(&mut tx, actor, id, key, prepared).await?;
    record(
        &mut tx,
        Some(actor),
        app.now(),
        Record {
            project_id: Some(now_ev.execution.project_id.get()),
            code: audit::INSPECTION_RAISE_INCIDENT,
            entity_id: id.to_string(),
            summary: json!({ "item": key, "incident_id": inc }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(inc)
}

/// The contract's least severe level (its last code: P1 is the most severe).
fn lowest_severity(t: &CompiledContract) -> Result<String, AppError> {
    t.contract
        .severities
        .keys()
        .next_back()
        .cloned()
        .ok_or_else(|| AppError::Internal("contract without severities".into()))
}
