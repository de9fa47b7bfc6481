//! Plans and the periods they have executions for.

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Order, Query};

use crate::{Db, StoreError, Tx, insert_into};

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
