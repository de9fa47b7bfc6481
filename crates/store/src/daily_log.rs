//! The daily operation log (维护项目运行表): one row per project and day.

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};

use crate::{Db, StoreError, Tx, insert_into};

/// One day of the log.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DailyLogRow {
    pub id: i64,
    pub project_id: i64,
    /// `YYYY-MM-DD` in the project's time zone.
    pub day: String,
    pub engineer_id: i64,
    pub engineer_name: String,
    /// When the engineer signed in (the first entry of the day).
    pub signed_in_at: DateTime<Utc>,
    pub server_state: String,
    pub system_state: String,
    pub notes: String,
    pub hospital_id: Option<i64>,
    pub hospital_name: Option<String>,
    pub hospital_signed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

const COLS: [&str; 14] = [
    "id",
    "project_id",
    "day",
    "engineer_id",
    "engineer_name",
    "signed_in_at",
    "server_state",
    "system_state",
    "notes",
    "hospital_id",
    "hospital_name",
    "hospital_signed_at",
    "updated_at",
    "version",
];

fn select() -> SelectStatement {
    Query::select().columns(COLS).from("daily_logs").to_owned()
}

/// The project's entry for `day`.
pub async fn day_tx(tx: &mut Tx, project_id: i64, day: &str) -> Result<Option<DailyLogRow>, StoreError> {
    let q = select().and_where(Expr::col("project_id").eq(project_id)).and_where(Expr::col("day").eq(day)).to_owned();
    tx.fetch_optional(&q).await
}

/// The project's entries from `from` to `to` (inclusive), by day.
pub async fn range(db: &Db, project_id: i64, from: &str, to: &str) -> Result<Vec<DailyLogRow>, StoreError> {
    let q = select()
        .and_where(Expr::col("project_id").eq(project_id))
        .and_where(Expr::col("day").gte(from))
        .and_where(Expr::col("day").lte(to))
        .order_by("day", Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// Stores a new day.
pub async fn insert(tx: &mut Tx, r: &DailyLogRow) -> Result<i64, StoreError> {
    let mut q = insert_into(
        "daily_logs",
        vec![
            ("project_id", r.project_id.into()),
            ("day", r.day.as_str().into()),
            ("engineer_id", r.engineer_id.into()),
            ("engineer_name", r.engineer_name.as_str().into()),
            ("signed_in_at", r.signed_in_at.into()),
            ("server_state", r.server_state.as_str().into()),
            ("system_state", r.system_state.as_str().into()),
            ("notes", r.notes.as_str().into()),
            ("hospital_id", r.hospital_id.into()),
            ("hospital_name", r.hospital_name.clone().into()),
            ("hospital_signed_at", r.hospital_signed_at.into()),
            ("updated_at", r.updated_at.into()),
            ("version", r.version.into()),
        ],
    );
    q.returning_col("id");
    let (id,): (i64,) = tx.fetch_one(&q).await?;
    Ok(id)
}

/// Saves a day if it is still at `expected_version`.
pub async fn update(tx: &mut Tx, r: &DailyLogRow, expected_version: i64) -> Result<bool, StoreError> {
    let q = Query::update()
        .table("daily_logs")
        .value("server_state", r.server_state.as_str())
        .value("system_state", r.system_state.as_str())
        .value("notes", r.notes.as_str())
        .value("hospital_id", r.hospital_id)
        .value("hospital_name", r.hospital_name.clone())
        .value("hospital_signed_at", r.hospital_signed_at)
        .value("updated_at", r.updated_at)
        .value("version", expected_version + 1)
        .and_where(Expr::col("id").eq(r.id))
        .and_where(Expr::col("version").eq(expected_version))
        .to_owned();
    Ok(tx.execute(&q).await? == 1)
}
