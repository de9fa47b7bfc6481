//! Revisions: each save that changes a CI keeps the whole record and what changed.

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Order, Query};
use serde_json::Value;
use yunwei_domain::cmdb::FieldChange;

use crate::json::{JsonText, text};
use crate::{Db, StoreError, Tx, insert_into};

/// One saved state of a CI.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct RevisionRow {
    pub id: i64,
    pub project_id: i64,
    pub ci_id: i64,
    pub revision: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    /// The whole CI.
    #[sqlx(try_from = "JsonText")]
    pub snapshot: Value,
    /// The changes from the revision before.
    #[sqlx(try_from = "JsonText")]
    pub changes: Vec<FieldChange>,
    /// What caused it (`incident:12`, `import`), if known.
    pub cause: Option<String>,
}

const REV_COLS: [&str; 9] = ["id", "project_id", "ci_id", "revision", "at", "actor", "snapshot", "changes", "cause"];

/// Stores a revision.
pub async fn insert_revision(tx: &mut Tx, r: &RevisionRow) -> Result<(), StoreError> {
    let q = insert_into(
        "ci_revisions",
        vec![
            ("project_id", r.project_id.into()),
            ("ci_id", r.ci_id.into()),
            ("revision", r.revision.into()),
            ("at", r.at.into()),
            ("actor", r.actor.as_str().into()),
            ("snapshot", text(&r.snapshot)?.into()),
            ("changes", text(&r.changes)?.into()),
            ("cause", r.cause.clone().into()),
        ],
    );
    tx.execute(&q).await?;
    Ok(())
}

/// The revisions of a CI, newest first.
pub async fn revisions(db: &Db, ci_id: i64) -> Result<Vec<RevisionRow>, StoreError> {
    let q = Query::select()
        .columns(REV_COLS)
        .from("ci_revisions")
        .and_where(Expr::col("ci_id").eq(ci_id))
        .order_by("revision", Order::Desc)
        .to_owned();
    db.fetch_all(&q).await
}

/// A page of a CI's revisions, newest first: at most `limit`, below revision `before` if given.
pub async fn revisions_page(
    db: &Db,
    ci_id: i64,
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<RevisionRow>, StoreError> {
    let mut q = Query::select()
        .columns(REV_COLS)
        .from("ci_revisions")
        .and_where(Expr::col("ci_id").eq(ci_id))
        .order_by("revision", Order::Desc)
        .limit(limit)
        .to_owned();
    if let Some(b) = before {
        q.and_where(Expr::col("revision").lt(b));
    }
    db.fetch_all(&q).await
}

/// The revision of a CI in force at `at` (the last saved at or before it), if it existed then.
pub async fn revision_at(db: &Db, ci_id: i64, at: DateTime<Utc>) -> Result<Option<RevisionRow>, StoreError> {
    let q = Query::select()
        .columns(REV_COLS)
        .from("ci_revisions")
        .and_where(Expr::col("ci_id").eq(ci_id))
        .and_where(Expr::col("at").lte(at))
        .order_by("revision", Order::Desc)
        .limit(1)
        .to_owned();
    db.fetch_optional(&q).await
}

/// The latest `limit` revisions of a CI inside a transaction, newest first.
pub async fn revisions_tx(tx: &mut Tx, ci_id: i64, limit: u64) -> Result<Vec<RevisionRow>, StoreError> {
    let q = Query::select()
        .columns(REV_COLS)
        .from("ci_revisions")
        .and_where(Expr::col("ci_id").eq(ci_id))
        .order_by("revision", Order::Desc)
        .limit(limit)
        .to_owned();
    tx.fetch_all(&q).await
}
