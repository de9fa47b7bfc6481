//! Inspections: a project's own templates and their versions, executions and their answers.
//! Every query filters on `project_id` or reaches a row by id and returns its project for the
//! caller to authorise.

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query, SelectStatement};

use crate::{Db, StoreError, Tx, insert_into};

/// A project's own template (its current version).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TemplateRow {
    pub id: i64,
    pub project_id: i64,
    pub code: String,
    pub name: String,
    pub version: i64,
    /// Built-in code it was copied from.
    pub based_on: Option<String>,
    /// The template as JSON (`domain::inspection::Template`).
    pub document: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
}

const TEMPLATE_COLS: [&str; 10] =
    ["id", "project_id", "code", "name", "version", "based_on", "document", "created_at", "created_by", "updated_at"];

/// The project's templates, by code.
pub async fn templates(db: &Db, project_id: i64) -> Result<Vec<TemplateRow>, StoreError> {
    let q = Query::select()
        .columns(TEMPLATE_COLS)
        .from("inspection_templates")
        .and_where(Expr::col("project_id").eq(project_id))
        .order_by("code", Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// The project's template with this code.
pub async fn template_tx(tx: &mut Tx, project_id: i64, code: &str) -> Result<Option<TemplateRow>, StoreError> {
    let q = Query::select()
        .columns(TEMPLATE_COLS)
        .from("inspection_templates")
        .and_where(Expr::col("project_id").eq(project_id))
        .and_where(Expr::col("code").eq(code))
        .to_owned();
    tx.fetch_optional(&q).await
}

/// Stores a new template (version 1) and its first version row; returns its id.
pub async fn insert_template(tx: &mut Tx, r: &TemplateRow) -> Result<i64, StoreError> {
    let mut q = insert_into(
        "inspection_templates",
        vec![
            ("project_id", r.project_id.into()),
            ("code", r.code.as_str().into()),
            ("name", r.name.as_str().into()),
            ("version", r.version.into()),
            ("based_on", r.based_on.clone().into()),
            ("document", r.document.as_str().into()),
            ("created_at", r.created_at.into()),
            ("created_by", r.created_by.as_str().into()),
            ("updated_at", r.updated_at.into()),
        ],
    );
    q.returning_col("id");
    let (id,): (i64,) = tx.fetch_one(&q).await?;
    insert_version(tx, id, r).await?;
    Ok(id)
}

async fn insert_version(tx: &mut Tx, template_id: i64, r: &TemplateRow) -> Result<(), StoreError> {
    let q = insert_into(
        "inspection_template_versions",
        vec![
            ("template_id", template_id.into()),
            ("project_id", r.project_id.into()),
            ("version", r.version.into()),
            ("document", r.document.as_str().into()),
            ("created_at", r.updated_at.into()),
            ("created_by", r.created_by.as_str().into()),
        ],
    );
    tx.execute(&q).await?;
    Ok(())
}

/// Saves `r` as the template's next version (`r.version` is the new number; the row must still
/// be at the one before). `false` when someone else saved first.
pub async fn update_template(tx: &mut Tx, r: &TemplateRow) -> Result<bool, StoreError> {
    let q = Query::update()
        .table("inspection_templates")
        .value("name", r.name.as_str())
        .value("document", r.document.as_str())
        .value("version", r.version)
        .value("updated_at", r.updated_at)
        .and_where(Expr::col("id").eq(r.id))
        .and_where(Expr::col("version").eq(r.version - 1))
        .to_owned();
    if tx.execute(&q).await? != 1 {
        return Ok(false);
    }
    insert_version(tx, r.id, r).await?;
    Ok(true)
}

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

/// A plan: a template on a set of CIs on a cycle.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PlanRow {
    pub id: i64,
    pub project_id: i64,
    pub name: String,
    pub template_code: String,
    /// JSON array of CI ids (empty: one execution without a CI).
    pub cis: String,
    /// Period code (`quarter` …).
    pub cycle: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

const PLAN_COLS: [&str; 11] = [
    "id",
    "project_id",
    "name",
    "template_code",
    "cis",
    "cycle",
    "active",
    "created_at",
    "created_by",
    "updated_at",
    "version",
];

/// Stores a plan; returns its id.
pub async fn insert_plan(tx: &mut Tx, r: &PlanRow) -> Result<i64, StoreError> {
    let mut q = insert_into(
        "inspection_plans",
        vec![
            ("project_id", r.project_id.into()),
            ("name", r.name.as_str().into()),
            ("template_code", r.template_code.as_str().into()),
            ("cis", r.cis.as_str().into()),
            ("cycle", r.cycle.as_str().into()),
            ("active", r.active.into()),
            ("created_at", r.created_at.into()),
            ("created_by", r.created_by.as_str().into()),
            ("updated_at", r.updated_at.into()),
            ("version", r.version.into()),
        ],
    );
    q.returning_col("id");
    let (id,): (i64,) = tx.fetch_one(&q).await?;
    Ok(id)
}

/// The project's plans (all projects' active ones with `None`).
pub async fn plans(db: &Db, project_id: Option<i64>) -> Result<Vec<PlanRow>, StoreError> {
    let mut q = Query::select().columns(PLAN_COLS).from("inspection_plans").order_by("id", Order::Asc).to_owned();
    match project_id {
        Some(p) => q.and_where(Expr::col("project_id").eq(p)),
        None => q.and_where(Expr::col("active").eq(true)),
    };
    db.fetch_all(&q).await
}

/// A plan by id (any project: the caller authorises against `project_id`).
pub async fn plan(db: &Db, id: i64) -> Result<Option<PlanRow>, StoreError> {
    let q = Query::select().columns(PLAN_COLS).from("inspection_plans").and_where(Expr::col("id").eq(id)).to_owned();
    db.fetch_optional(&q).await
}

/// The periods a plan has executions for, latest first.
pub async fn plan_periods(db: &Db, plan_id: i64) -> Result<Vec<String>, StoreError> {
    let q = Query::select()
        .column("period")
        .from("inspection_executions")
        .and_where(Expr::col("plan_id").eq(plan_id))
        .and_where(Expr::col("period").is_not_null())
        .group_by_col("period")
        .order_by_expr(Expr::col("id").max(), Order::Desc)
        .to_owned();
    Ok(db.fetch_all::<(String,), _>(&q).await?.into_iter().map(|r| r.0).collect())
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
    q.order_by("planned_for", Order::Desc).order_by("id", Order::Desc).limit(limit);
    db.fetch_all(&q).await
}

/// The answer to one item.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ResultRow {
    pub id: i64,
    pub execution_id: i64,
    pub item_key: String,
    pub verdict: String,
    pub number: Option<f64>,
    pub text: Option<String>,
    pub note: String,
    /// When the engineer recorded it on the device (a form filled offline arrives later).
    pub recorded_at: DateTime<Utc>,
    /// When the server stored it.
    pub saved_at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub actor: String,
    /// The incident this answer became.
    pub incident_id: Option<i64>,
}

const RESULT_COLS: [&str; 12] = [
    "id",
    "execution_id",
    "item_key",
    "verdict",
    "number",
    "text",
    "note",
    "recorded_at",
    "saved_at",
    "actor_id",
    "actor",
    "incident_id",
];

fn results_query(execution_id: i64) -> SelectStatement {
    Query::select()
        .columns(RESULT_COLS)
        .from("inspection_results")
        .and_where(Expr::col("execution_id").eq(execution_id))
        .order_by("id", Order::Asc)
        .to_owned()
}

/// The answers of an execution.
pub async fn results(db: &Db, execution_id: i64) -> Result<Vec<ResultRow>, StoreError> {
    db.fetch_all(&results_query(execution_id)).await
}

/// The answers of an execution inside a transaction.
pub async fn results_tx(tx: &mut Tx, execution_id: i64) -> Result<Vec<ResultRow>, StoreError> {
    tx.fetch_all(&results_query(execution_id)).await
}

/// Stores an answer, replacing an earlier one to the same item.
pub async fn upsert_result(tx: &mut Tx, project_id: i64, r: &ResultRow) -> Result<(), StoreError> {
    let mut q = insert_into(
        "inspection_results",
        vec![
            ("execution_id", r.execution_id.into()),
            ("project_id", project_id.into()),
            ("item_key", r.item_key.as_str().into()),
            ("verdict", r.verdict.as_str().into()),
            ("number", r.number.into()),
            ("text", r.text.clone().into()),
            ("note", r.note.as_str().into()),
            ("recorded_at", r.recorded_at.into()),
            ("saved_at", r.saved_at.into()),
            ("actor_id", r.actor_id.into()),
            ("actor", r.actor.as_str().into()),
            ("incident_id", r.incident_id.into()),
        ],
    );
    q.on_conflict(
        OnConflict::columns(["execution_id", "item_key"])
            .update_columns(["verdict", "number", "text", "note", "recorded_at", "saved_at", "actor_id", "actor"])
            .to_owned(),
    );
    tx.execute(&q).await?;
    Ok(())
}

/// Links an answer to the incident it became.
pub async fn link_incident(tx: &mut Tx, execution_id: i64, item_key: &str, incident_id: i64) -> Result<(), StoreError> {
    let q = Query::update()
        .table("inspection_results")
        .value("incident_id", incident_id)
        .and_where(Expr::col("execution_id").eq(execution_id))
        .and_where(Expr::col("item_key").eq(item_key))
        .to_owned();
    tx.execute(&q).await?;
    Ok(())
}

/// The inspection answers an incident came from: (execution id, number, item key).
pub async fn sources_of_incident(db: &Db, incident_id: i64) -> Result<Vec<(i64, String, String)>, StoreError> {
    let q = Query::select()
        .column(("r", "execution_id"))
        .column(("e", "number"))
        .column(("r", "item_key"))
        .from_as("inspection_results", "r")
        .join_as(
            sea_query::JoinType::InnerJoin,
            "inspection_executions",
            "e",
            Expr::col(("e", "id")).equals(("r", "execution_id")),
        )
        .and_where(Expr::col(("r", "incident_id")).eq(incident_id))
        .to_owned();
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

/// A photo of an inspection item (without its bytes).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PhotoRow {
    pub id: i64,
    pub execution_id: i64,
    pub project_id: i64,
    pub item_key: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

const PHOTO_COLS: [&str; 10] = [
    "id",
    "execution_id",
    "project_id",
    "item_key",
    "name",
    "content_type",
    "size",
    "sha256",
    "created_at",
    "created_by",
];

/// Stores a photo; returns its id.
pub async fn insert_photo(tx: &mut Tx, r: &PhotoRow, data: &[u8]) -> Result<i64, StoreError> {
    let mut q = insert_into(
        "inspection_photos",
        vec![
            ("execution_id", r.execution_id.into()),
            ("project_id", r.project_id.into()),
            ("item_key", r.item_key.as_str().into()),
            ("name", r.name.as_str().into()),
            ("content_type", r.content_type.as_str().into()),
            ("size", r.size.into()),
            ("sha256", r.sha256.as_str().into()),
            ("data", data.to_vec().into()),
            ("created_at", r.created_at.into()),
            ("created_by", r.created_by.as_str().into()),
        ],
    );
    q.returning_col("id");
    let (id,): (i64,) = tx.fetch_one(&q).await?;
    Ok(id)
}

/// The photos of an execution, oldest first.
pub async fn photos(db: &Db, execution_id: i64) -> Result<Vec<PhotoRow>, StoreError> {
    let q = Query::select()
        .columns(PHOTO_COLS)
        .from("inspection_photos")
        .and_where(Expr::col("execution_id").eq(execution_id))
        .order_by("id", Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// A photo of an execution with its bytes.
pub async fn photo(db: &Db, execution_id: i64, id: i64) -> Result<Option<(PhotoRow, Vec<u8>)>, StoreError> {
    let q = Query::select()
        .columns(PHOTO_COLS)
        .from("inspection_photos")
        .and_where(Expr::col("execution_id").eq(execution_id))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    let Some(row) = db.fetch_optional::<PhotoRow, _>(&q).await? else { return Ok(None) };
    let q = Query::select().column("data").from("inspection_photos").and_where(Expr::col("id").eq(id)).to_owned();
    let data: Option<(Vec<u8>,)> = db.fetch_optional(&q).await?;
    Ok(data.map(|d| (row, d.0)))
}

/// An incident an answer became, as an inspection names it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct IncidentRefRow {
    pub id: i64,
    /// `INC-2026-000003`.
    pub number: String,
    pub title: String,
    pub status: String,
}

/// The project's incidents among `ids` (others' and missing ones are left out), in id order.
pub async fn incident_refs(db: &Db, project_id: i64, ids: &[i64]) -> Result<Vec<IncidentRefRow>, StoreError> {
    let mut rows = Vec::with_capacity(ids.len());
    // Bounded IN lists, as for CIs.
    for chunk in ids.chunks(500) {
        let q = Query::select()
            .columns(["id", "number", "title", "status"])
            .from("incidents")
            .and_where(Expr::col("project_id").eq(project_id))
            .and_where(Expr::col("id").is_in(chunk.iter().copied()))
            .order_by("id", Order::Asc)
            .to_owned();
        rows.extend(db.fetch_all::<IncidentRefRow, _>(&q).await?);
    }
    Ok(rows)
}
