//! Contract documents, one row per version per project.

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};

use crate::{Db, StoreError, Tx, insert_into};

/// A stored contract version.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ContractRow {
    pub id: i64,
    pub project_id: i64,
    pub version: i64,
    pub document: String,
    pub digest: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

const COLS: [&str; 7] = ["id", "project_id", "version", "document", "digest", "created_at", "created_by"];

fn latest_query(project_id: i64) -> SelectStatement {
    Query::select()
        .columns(COLS)
        .from("contract_versions")
        .and_where(Expr::col("project_id").eq(project_id))
        .order_by("version", Order::Desc)
        .limit(1)
        .to_owned()
}

/// One version by id (incidents pin the version they were opened under).
pub async fn by_id(db: &Db, id: i64) -> Result<Option<ContractRow>, StoreError> {
    db.fetch_optional(
        &Query::select().columns(COLS).from("contract_versions").and_where(Expr::col("id").eq(id)).to_owned(),
    )
    .await
}

/// The newest version of a project's contract.
pub async fn latest(db: &Db, project_id: i64) -> Result<Option<ContractRow>, StoreError> {
    db.fetch_optional(&latest_query(project_id)).await
}

/// The newest version, read inside a transaction (apply compares against it).
pub async fn latest_tx(tx: &mut Tx, project_id: i64) -> Result<Option<ContractRow>, StoreError> {
    tx.fetch_optional(&latest_query(project_id)).await
}

/// Stores a new version; the unique (project, version) key makes concurrent applies safe.
pub async fn insert(
    tx: &mut Tx,
    project_id: i64,
    version: i64,
    document: &str,
    digest: &str,
    now: DateTime<Utc>,
    by: &str,
) -> Result<i64, StoreError> {
    let mut q = insert_into(
        "contract_versions",
        vec![
            ("project_id", project_id.into()),
            ("version", version.into()),
            ("document", document.into()),
            ("digest", digest.into()),
            ("created_at", now.into()),
            ("created_by", by.into()),
        ],
    );
    q.returning_col("id");
    let (id,): (i64,) = tx.fetch_one(&q).await?;
    Ok(id)
}
