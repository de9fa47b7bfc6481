//! Executions: numbered, stored, updated at a version, listed, and found past their due time.

use chrono::{DateTime, Utc};
use sea_query::{Cond, Expr, ExprTrait, OnConflict, Order, Query, SelectStatement};

use crate::{Db, StoreError, Tx, insert_into};

/// One inspection, done (or to be done) against one template on one CI.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ExecutionRow {
    pub id: i64,
    pub project_id: i64,
    /// `XJ-2026-000012`.
    pub number: String,
    pub contract_version_id: i64,
    pub template_code: String,
    /// The project template's version; 0 for a built-in.
    pub template_version: i64,
    /// The template as it was when the execution was created (JSON).
    pub template: String,
    pub ci_id: Option<i64>,
    pub ci_name: Option<String>,
    /// `routine`, `first` or `pre_holiday`.
    pub kind: String,
    pub status: String,
    /// `YYYY-MM-DD`.
    pub planned_for: String,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub engineer_id: Option<i64>,
    pub engineer_name: Option<String>,
    pub hospital_id: Option<i64>,
    pub hospital_name: Option<String>,
    pub hospital_signed_at: Option<DateTime<Utc>>,
    pub hospital_note: Option<String>,
    pub report_due: Option<DateTime<Utc>>,
    pub report_issued_at: Option<DateTime<Utc>>,
    /// The report's text fields (JSON object).
    pub report: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// The plan that generated it.
    pub plan_id: Option<i64>,
    /// The plan's period it stands for (`2026-Q2`, `first`, `pre_holiday:2026-国庆节`).
    pub period: Option<String>,
    /// By when it is to be done.
    pub due_at: Option<DateTime<Utc>>,
}

const EXECUTION_COLS: [&str; 30] = [
    "id",
    "project_id",
    "number",
    "contract_version_id",
    "template_code",
    "template_version",
    "template",
    "ci_id",
    "ci_name",
    "kind",
    "status",
    "planned_for",
    "started_at",
    "completed_at",
    "engineer_id",
    "engineer_name",
    "hospital_id",
    "hospital_name",
    "hospital_signed_at",
    "hospital_note",
    "report_due",
    "report_issued_at",
    "report",
    "created_at",
    "created_by",
    "updated_at",
    "version",
    "plan_id",
    "period",
    "due_at",
];

fn select_executions() -> SelectStatement {
    Query::select().columns(EXECUTION_COLS).from("inspection_executions").to_owned()
}

/// The next number of the project's inspections in `year` (1, 2, …).
pub async fn next_seq(tx: &mut Tx, project_id: i64, year: i32) -> Result<i64, StoreError> {
    let mut q = insert_into(
        "inspection_counters",
        vec![("project_id", project_id.into()), ("year", i64::from(year).into()), ("last", 1i64.into())],
    );
    q.on_conflict(
        OnConflict::columns(["project_id", "year"])
            .value("last", Expr::col(("inspection_counters", "last")).add(1))
            .to_owned(),
    );
    q.returning_col("last");
    let (last,): (i64,) = tx.fetch_one(&q).await?;
    Ok(last)
}

/// Stores a new execution; returns its id.
pub async fn insert_execution(tx: &mut Tx, r: &ExecutionRow) -> Result<i64, StoreError> {
    let mut q = insert_into(
        "inspection_executions",
        vec![
            ("project_id", r.project_id.into()),
            ("number", r.number.as_str().into()),
            ("contract_version_id", r.contract_version_id.into()),
            ("template_code", r.template_code.as_str().into()),
            ("template_version", r.template_version.into()),
            ("template", r.template.as_str().into()),
            ("ci_id", r.ci_id.into()),
            ("ci_name", r.ci_name.clone().into()),
            ("kind", r.kind.as_str().into()),
            ("status", r.status.as_str().into()),
            ("planned_for", r.planned_for.as_str().into()),
            ("started_at", r.started_at.into()),
            ("completed_at", r.completed_at.into()),
            ("engineer_id", r.engineer_id.into()),
            ("engineer_name", r.engineer_name.clone().into()),
            ("hospital_id", r.hospital_id.into()),
            ("hospital_name", r.hospital_name.clone().into()),
            ("hospital_signed_at", r.hospital_signed_at.into()),
            ("hospital_note", r.hospital_note.clone().into()),
            ("report_due", r.report_due.into()),
            ("report_issued_at", r.report_issued_at.into()),
            ("report", r.report.as_str().into()),
            ("created_at", r.created_at.into()),
            ("created_by", r.created_by.as_str().into()),
            ("updated_at", r.updated_at.into()),
            ("version", r.version.into()),
            ("plan_id", r.plan_id.into()),
            ("period", r.period.clone().into()),
            ("due_at", r.due_at.into()),
        ],
    );
    q.returning_col("id");
    let (id,): (i64,) = tx.fetch_one(&q).await?;
    Ok(id)
}

/// Whether the plan already has its execution for `period` and the CI.
pub async fn planned(tx: &mut Tx, plan_id: i64, period: &str, ci_id: Option<i64>) -> Result<bool, StoreError> {
    let mut q = Query::select()
        .expr(Expr::col("id"))
        .from("inspection_executions")
        .and_where(Expr::col("plan_id").eq(plan_id))
        .and_where(Expr::col("period").eq(period))
        .limit(1)
        .to_owned();
    match ci_id {
        Some(c) => q.and_where(Expr::col("ci_id").eq(c)),
        None => q.and_where(Expr::col("ci_id").is_null()),
    };
    Ok(tx.fetch_optional::<(i64,), _>(&q).await?.is_some())
}

/// Saves the changing state of an execution if it is still at `expected_version`.
pub async fn update_execution(tx: &mut Tx, r: &ExecutionRow, expected_version: i64) -> Result<bool, StoreError> {
    let q = Query::update()
        .table("inspection_executions")
        .value("status", r.status.as_str())
        .value("started_at", r.started_at)
        .value("completed_at", r.completed_at)
        .value("engineer_id", r.engineer_id)
        .value("engineer_name", r.engineer_name.clone())
        .value("hospital_id", r.hospital_id)
        .value("hospital_name", r.hospital_name.clone())
        .value("hospital_signed_at", r.hospital_signed_at)
        .value("hospital_note", r.hospital_note.clone())
        .value("report_due", r.report_due)
        .value("report_issued_at", r.report_issued_at)
        .value("report", r.report.as_str())
        .value("updated_at", r.updated_at)
        .value("version", expected_version + 1)
        .and_where(Expr::col("id").eq(r.id))
        .and_where(Expr::col("version").eq(expected_version))
        .to_owned();
    Ok(tx.execute(&q).await? == 1)
}

/// An execution by id (any project: the caller authorises against `project_id`).
pub async fn execution(db: &Db, id: i64) -> Result<Option<ExecutionRow>, StoreError> {
    db.fetch_optional(&select_executions().and_where(Expr::col("id").eq(id)).to_owned()).await
}

/// An execution by id inside a transaction.
pub async fn execution_tx(tx: &mut Tx, id: i64) -> Result<Option<ExecutionRow>, StoreError> {
    tx.fetch_optional(&select_executions().and_where(Expr::col("id").eq(id)).to_owned()).await
}

/// Filters of the execution list.
#[derive(Debug, Clone, Default)]
pub struct ExecutionFilter {
    pub status: Vec<String>,
    pub ci_id: Option<i64>,
    /// `planned_for` on or after (`YYYY-MM-DD`).
    pub from: Option<String>,
    /// `planned_for` on or before.
    pub to: Option<String>,
    /// Not completed and past its due time at this instant.
    pub overdue_at: Option<DateTime<Utc>>,
    pub plan_id: Option<i64>,
    /// The plan's period (`2026-Q2`, `first` …).
    pub period: Option<String>,
    /// Only those after this (`planned_for`, id) in the list's order (a page's cursor).
    pub after: Option<(String, i64)>,
}

/// The project's executions, latest planned first.
pub async fn executions(
    db: &Db,
    project_id: i64,
    f: &ExecutionFilter,
    limit: u64,
) -> Result<Vec<ExecutionRow>, StoreError> {
    let mut q = select_executions().and_where(Expr::col("project_id").eq(project_id)).to_owned();
    if !f.status.is_empty() {
        q.and_where(Expr::col("status").is_in(f.status.clone()));
    }
    if let Some(ci) = f.ci_id {
        q.and_where(Expr::col("ci_id").eq(ci));
    }
    if let Some(from) = &f.from {
        q.and_where(Expr::col("planned_for").gte(from.as_str()));
    }
    if let Some(to) = &f.to {
        q.and_where(Expr::col("planned_for").lte(to.as_str()));
    }
    if let Some(at) = f.overdue_at {
        q.and_where(Expr::col("status").is_in(["planned", "in_progress"]));
        q.and_where(Expr::col("due_at").lt(at));
    }
    if let Some(p) = f.plan_id {
        q.and_where(Expr::col("plan_id").eq(p));
    }
    if let Some(p) = &f.period {
        q.and_where(Expr::col("period").eq(p.as_str()));
    }
    if let Some((day, id)) = &f.after {
        q.cond_where(
            Cond::any()
                .add(Expr::col("planned_for").lt(day.as_str()))
                .add(Cond::all().add(Expr::col("planned_for").eq(day.as_str())).add(Expr::col("id").lt(*id))),
        );
    }
    q.order_by("planned_for", Order::Desc).order_by("id", Order::Desc).limit(limit);
    db.fetch_all(&q).await
}

/// Marks the overdue notice of an execution (or of its report) sent; `false` when another
/// process marked it first.
pub async fn mark_noticed(tx: &mut Tx, id: i64, report: bool, at: DateTime<Utc>) -> Result<bool, StoreError> {
    let col = if report { "report_overdue_noticed_at" } else { "overdue_noticed_at" };
    let q = Query::update()
        .table("inspection_executions")
        .value(col, at)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col(col).is_null())
        .to_owned();
    Ok(tx.execute(&q).await? == 1)
}
