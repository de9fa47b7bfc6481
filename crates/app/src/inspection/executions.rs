//! Executions: planned against a template (copied into it), read one by one or listed.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde_json::json;
use yunwei_domain::ValidationErrors;
use yunwei_domain::id::InspectionId;
use yunwei_domain::identity::Permission;
use yunwei_domain::inspection::{Status, Template, Verdict, audit};
use yunwei_store::inspection as store;

use super::templates::find_template;
use super::{ExecutionFilter, ExecutionRow, ResultRow};
use crate::access::{ProjectAccess, ProjectScoped, authorize, authorize_entity};
use crate::actor::Actor;
use crate::audit::{Record, record};
use crate::{App, AppError};

/// An execution with its template, its report's text and its answers.
#[derive(Debug, Clone)]
pub struct ExecutionView {
    pub row: ExecutionRow,
    /// The template it was created with (`row.template`, read).
    pub template: Template,
    /// The report's text (`row.report`, read).
    pub report: ReportText,
    pub results: Vec<ResultRow>,
}

/// The report's text fields written so far, by [`REPORT_FIELDS`] key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportText(pub(super) BTreeMap<String, String>);

impl ReportText {
    /// The text of field `key`; empty while unwritten.
    pub fn get(&self, key: &str) -> &str {
        self.0.get(key).map_or("", String::as_str)
    }

    fn parse(id: i64, stored: &str) -> Result<Self, AppError> {
        serde_json::from_str(stored)
            .map(ReportText)
            .map_err(|e| AppError::Internal(format!("report of inspection {id} unreadable: {e}")))
    }
}

impl ExecutionView {
    /// Whether the report was issued by its due time (`None` while not issued and not yet due,
    /// or when the contract sets no due time).
    pub fn report_met(&self, now: DateTime<Utc>) -> Option<bool> {
        let due = self.row.report_due?;
        match self.row.report_issued_at {
            Some(at) => Some(at <= due),
            None => (now > due).then_some(false),
        }
    }

    /// The answer to `key`.
    pub fn result(&self, key: &str) -> Option<&ResultRow> {
        self.results.iter().find(|r| r.item_key == key)
    }

    /// Not completed and past its due time.
    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        Status::parse(&self.row.status).is_some_and(Status::open) && self.row.due_at.is_some_and(|d| now > d)
    }

    /// Items answered abnormal.
    pub fn abnormal(&self) -> usize {
        self.results.iter().filter(|r| r.verdict == Verdict::Abnormal.code()).count()
    }
}

/// An execution with its template and answers, as stored.
pub(crate) fn view(row: ExecutionRow, results: Vec<ResultRow>) -> Result<ExecutionView, AppError> {
    let template: Template = serde_json::from_str(&row.template)
        .map_err(|e| AppError::Internal(format!("template of inspection {} unreadable: {e}", row.id)))?;
    let report = ReportText::parse(row.id, &row.report)?;
    Ok(ExecutionView { row, template, report, results })
}

pub(super) fn not_found(id: i64) -> AppError {
    AppError::NotFound(format!("巡检 {id} 不存在"))
}

impl ProjectScoped for ExecutionRow {
    fn project_id(&self) -> yunwei_domain::id::ProjectId {
        yunwei_domain::id::ProjectId::new(self.project_id)
    }
}

pub(super) async fn access_to(
    app: &App,
    actor: &Actor,
    row: &ExecutionRow,
    p: Permission,
) -> Result<ProjectAccess, AppError> {
    authorize_entity(app, actor, row, p, || not_found(row.id)).await
}

/// What kind of inspection an execution is.
pub const KINDS: [(&str, &str); 3] = [("routine", "例行巡检"), ("first", "首次巡检"), ("pre_holiday", "节前巡检")];

/// A new execution as asked for.
#[derive(Debug, Clone, Default)]
pub struct NewExecution {
    /// Template code (the project's own or a built-in).
    pub template: String,
    /// The CI inspected.
    pub ci_id: Option<i64>,
    /// Day it is planned for; today in the project's time zone when absent.
    pub planned_for: Option<NaiveDate>,
    /// `routine` (default), `first` or `pre_holiday`.
    pub kind: Option<String>,
}

/// Plans an inspection of one CI against one template; the template is copied into the execution.
pub async fn create_execution(
    app: &App,
    actor: &Actor,
    code: &str,
    n: NewExecution,
) -> Result<ExecutionView, AppError> {
    let access = authorize(app, actor, code, Permission::InspectionWork).await?;
    let pid = access.project.id;
    let cv = crate::terms::current_version(app, pid).await?;
    let terms = crate::terms::of_version(app, cv).await?;
    let now = app.now();
    let mut v = ValidationErrors::default();
    let kind = n.kind.unwrap_or_else(|| KINDS[0].0.to_owned());
    if !KINDS.iter().any(|(k, _)| *k == kind) {
        v.push("kind", format!("未知巡检类型“{kind}”，可选：{}", KINDS.map(|k| k.0).join(", ")));
    }
    let ci = match n.ci_id {
        Some(id) => match yunwei_store::cmdb::get(&app.db, id).await? {
            Some(ci) if ci.project_id == pid => Some(ci),
            _ => {
                v.push("ci_id", format!("本项目没有编号为 {id} 的配置项"));
                None
            }
        },
        None => None,
    };
    let mut tx = app.db.begin().await?;
    let found = match find_template(&mut tx, pid, &n.template).await {
        Ok(f) => Some(f),
        Err(_) => {
            v.push("template", format!("没有代码为“{}”的巡检模板", n.template));
            None
        }
    };
    v.into_result()?;
    let Some((tv, _)) = found else { return Err(AppError::Internal("template vanished".into())) };
    let tz = terms.contract.project.timezone;
    let planned_for = n.planned_for.unwrap_or_else(|| now.with_timezone(&tz).date_naive());
    let planned = Planned {
        project_id: pid,
        contract_version_id: cv,
        template_code: tv.template.code.clone(),
        template_version: tv.version,
        template: serde_json::to_string(&tv.template).map_err(|e| AppError::Internal(e.to_string()))?,
        ci: ci.map(|c| (c.id, c.name)),
        kind,
        planned_for,
        created_by: actor.username.clone(),
        plan: None,
    };
    let row = insert_planned(&mut tx, planned, now).await?;
    super::sync_jobs(&mut tx, &row, now).await?;
    record(
        &mut tx,
        Some(actor),
        now,
        Record {
            project_id: Some(pid),
            code: audit::INSPECTION_CREATE,
            entity_id: row.id.to_string(),
            summary: json!({ "after": { "number": row.number, "template": row.template_code,
                "template_version": row.template_version, "ci": row.ci_name, "planned_for": row.planned_for } }),
        },
    )
    .await?;
    tx.commit().await?;
    view(row, Vec::new())
}

/// What an execution planned by hand and one generated by a plan differ in.
pub(crate) struct Planned {
    pub project_id: i64,
    pub contract_version_id: i64,
    pub template_code: String,
    pub template_version: i64,
    /// The template copied into the execution (JSON).
    pub template: String,
    /// The CI inspected: id and name.
    pub ci: Option<(i64, String)>,
    pub kind: String,
    pub planned_for: NaiveDate,
    pub created_by: String,
    /// The generating plan, the period it stands for and the due time.
    pub plan: Option<(i64, String, DateTime<Utc>)>,
}

/// Numbers and stores a new execution (planned, nothing answered or signed); the caller syncs its
/// jobs and records its audit entry in the same transaction.
pub(crate) async fn insert_planned(
    tx: &mut yunwei_store::Tx,
    p: Planned,
    now: DateTime<Utc>,
) -> Result<ExecutionRow, yunwei_store::StoreError> {
    let year = p.planned_for.year();
    let seq = store::next_seq(tx, p.project_id, year).await?;
    let (plan_id, period, due_at) = match p.plan {
        Some((plan, period, due)) => (Some(plan), Some(period), Some(due)),
        None => (None, None, None),
    };
    let mut row = ExecutionRow {
        id: 0,
        project_id: p.project_id,
        number: format!("INSP-{year}-{seq:06}"),
        contract_version_id: p.contract_version_id,
        template_code: p.template_code,
        template_version: p.template_version,
        template: p.template,
        ci_id: p.ci.as_ref().map(|c| c.0),
        ci_name: p.ci.map(|c| c.1),
        kind: p.kind,
        status: Status::Planned.code().to_owned(),
        planned_for: p.planned_for.to_string(),
        started_at: None,
        completed_at: None,
        engineer_id: None,
        engineer_name: None,
        hospital_id: None,
        hospital_name: None,
        hospital_signed_at: None,
        hospital_note: None,
        report_due: None,
        report_issued_at: None,
        report: "{}".into(),
        created_at: now,
        created_by: p.created_by,
        updated_at: now,
        version: 1,
        plan_id,
        period,
        due_at,
    };
    row.id = store::insert_execution(tx, &row).await?;
    Ok(row)
}

/// One execution.
pub async fn get(app: &App, actor: &Actor, id: InspectionId) -> Result<ExecutionView, AppError> {
    let id = id.get();
    let row = store::execution(&app.db, id).await?.ok_or_else(|| not_found(id))?;
    access_to(app, actor, &row, Permission::InspectionRead).await?;
    let results = store::results(&app.db, id).await?;
    view(row, results)
}

/// The project's executions, latest planned first (without their answers).
pub async fn list(
    app: &App,
    actor: &Actor,
    code: &str,
    f: &ExecutionFilter,
    limit: u64,
) -> Result<Vec<ExecutionView>, AppError> {
    let access = authorize(app, actor, code, Permission::InspectionRead).await?;
    store::executions(&app.db, access.project.id, f, limit).await?.into_iter().map(|r| view(r, Vec::new())).collect()
}
