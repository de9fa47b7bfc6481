//! Storage of yunwei: schema, migrations and queries on SQLite and PostgreSQL.
//!
//! Functions take a [`Tx`] when they write (the app layer owns the transaction, one per use case)
//! and a [`Db`] when they only read. Every business query filters on `project_id`.

pub mod audit;
pub mod backup;
pub mod cmdb;
pub mod contract;
pub mod daily_log;
pub mod db;
pub mod files;
pub mod holidays;
pub mod identity;
pub mod incident;
pub mod inspection;
pub mod jobs;
pub mod json;
pub mod monitoring;
pub mod notify;
pub mod project;
pub mod search;
pub mod writer;

pub use db::{Backend, Db, DbRow, Tx};

use sea_query::{InsertStatement, Query, SimpleExpr};

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint was violated; the app layer turns this into a 409 naming the field.
    #[error("unique constraint violated: {0}")]
    Unique(String),
    /// Bad storage configuration (URL, data directory).
    #[error("{0}")]
    Config(String),
    /// Any other database error.
    #[error(transparent)]
    Database(sqlx::Error),
    /// The `COMMIT` that held this transaction's work failed; nothing of it was kept.
    #[error("commit failed: {0}")]
    Commit(String),
    /// The disk (or the database's quota) is full: nothing of this transaction was kept, and
    /// writes fail until space returns; reads go on.
    #[error("storage full: {0}")]
    Full(String),
    /// A migration failed.
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            if db.is_unique_violation() {
                return StoreError::Unique(db.message().to_owned());
            }
            if is_full(&e) {
                return StoreError::Full(db.message().to_owned());
            }
        }
        StoreError::Database(e)
    }
}

/// Whether a database error says the storage is full: SQLite's `SQLITE_FULL` (13, also as the
/// primary code of an extended one), PostgreSQL's `disk_full` (53100).
pub(crate) fn is_full(e: &sqlx::Error) -> bool {
    let sqlx::Error::Database(db) = e else { return false };
    match db.code().as_deref() {
        Some("53100") => true,
        Some(code) => code.parse::<i64>().is_ok_and(|c| c & 0xff == 13),
        None => false,
    }
}

/// `INSERT INTO table (cols…) VALUES (vals…)` from column/value pairs, so the two lists can never
/// disagree in length.
pub(crate) fn insert_into(table: &'static str, pairs: Vec<(&'static str, SimpleExpr)>) -> InsertStatement {
    let (cols, vals): (Vec<_>, Vec<_>) = pairs.into_iter().unzip();
    let mut q = Query::insert();
    q.into_table(table).columns(cols).values_panic(vals);
    q
}

/// `col` contains `text`, case-insensitively (ASCII letters on SQLite, whose `LIKE` folds only
/// those; all letters on PostgreSQL), with `%`, `_` and `\` in `text` taken literally.
pub(crate) fn contains(backend: Backend, col: &'static str, text: &str) -> SimpleExpr {
    let pattern = format!("%{}%", text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
    match backend {
        Backend::Sqlite => {
            sea_query::ExprTrait::like(sea_query::Expr::col(col), sea_query::LikeExpr::new(pattern).escape('\\'))
        }
        // (sea-query's `ilike` puts the ESCAPE clause in parentheses, which PostgreSQL refuses.)
        Backend::Postgres => sea_query::Expr::cust_with_values(format!("{col} ILIKE $1 ESCAPE '\\'"), [pattern]),
    }
}
