//! Public-holiday years added or corrected by an administrator, laid over the shipped data.

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Order, Query};

use crate::{Db, StoreError, Tx, insert_into};

/// One stored year: dates as JSON arrays of `YYYY-MM-DD`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HolidayYearRow {
    pub year: i64,
    pub holidays: String,
    pub workdays: String,
    pub source: String,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

const COLS: [&str; 6] = ["year", "holidays", "workdays", "source", "updated_at", "updated_by"];

/// Every stored year, oldest first.
pub async fn list(db: &Db) -> Result<Vec<HolidayYearRow>, StoreError> {
    db.fetch_all(&Query::select().columns(COLS).from("holiday_years").order_by("year", Order::Asc).to_owned()).await
}

/// One stored year, read inside a transaction (import records what it replaces).
pub async fn get_tx(tx: &mut Tx, year: i64) -> Result<Option<HolidayYearRow>, StoreError> {
    tx.fetch_optional(
        &Query::select().columns(COLS).from("holiday_years").and_where(Expr::col("year").eq(year)).to_owned(),
    )
    .await
}

/// Stores a year, replacing what was stored for it.
pub async fn put(tx: &mut Tx, row: &HolidayYearRow) -> Result<(), StoreError> {
    tx.execute(&Query::delete().from_table("holiday_years").and_where(Expr::col("year").eq(row.year)).to_owned())
        .await?;
    tx.execute(&insert_into(
        "holiday_years",
        vec![
            ("year", row.year.into()),
            ("holidays", row.holidays.as_str().into()),
            ("workdays", row.workdays.as_str().into()),
            ("source", row.source.as_str().into()),
            ("updated_at", row.updated_at.into()),
            ("updated_by", row.updated_by.as_str().into()),
        ],
    ))
    .await?;
    Ok(())
}
