//! Relations between CIs of one project.

use chrono::{DateTime, Utc};
use sea_query::{Cond, Expr, ExprTrait, Order, Query};

use crate::{Db, StoreError, Tx, insert_into};

/// A stored relation between two CIs of one project.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RelationRow {
    pub id: i64,
    pub project_id: i64,
    pub source_id: i64,
    pub target_id: i64,
    pub kind: String,
    pub source_port: String,
    pub target_port: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

const REL_COLS: [&str; 9] =
    ["id", "project_id", "source_id", "target_id", "kind", "source_port", "target_port", "created_at", "created_by"];

/// Stores a relation; returns its id ([`StoreError::Unique`] when it exists).
pub async fn insert_relation(tx: &mut Tx, r: &RelationRow) -> Result<i64, StoreError> {
    let mut q = insert_into(
        "ci_relations",
        vec![
            ("project_id", r.project_id.into()),
            ("source_id", r.source_id.into()),
            ("target_id", r.target_id.into()),
            ("kind", r.kind.as_str().into()),
            ("source_port", r.source_port.as_str().into()),
            ("target_port", r.target_port.as_str().into()),
            ("created_at", r.created_at.into()),
            ("created_by", r.created_by.as_str().into()),
        ],
    );
    q.returning_col("id");
    let (id,): (i64,) = tx.fetch_one(&q).await?;
    Ok(id)
}

/// A relation by id inside a transaction.
pub async fn relation_tx(tx: &mut Tx, id: i64) -> Result<Option<RelationRow>, StoreError> {
    let q = Query::select().columns(REL_COLS).from("ci_relations").and_where(Expr::col("id").eq(id)).to_owned();
    tx.fetch_optional(&q).await
}

/// Deletes a relation.
pub async fn delete_relation(tx: &mut Tx, id: i64) -> Result<bool, StoreError> {
    Ok(tx.execute(&Query::delete().from_table("ci_relations").and_where(Expr::col("id").eq(id)).to_owned()).await? == 1)
}

/// The relations a CI takes part in, from either end, in id order.
pub async fn relations_of(db: &Db, ci_id: i64) -> Result<Vec<RelationRow>, StoreError> {
    let q = Query::select()
        .columns(REL_COLS)
        .from("ci_relations")
        .cond_where(Cond::any().add(Expr::col("source_id").eq(ci_id)).add(Expr::col("target_id").eq(ci_id)))
        .order_by("id", Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// Every relation of a project (the graph for impact and topology).
pub async fn relations(db: &Db, project_id: i64) -> Result<Vec<RelationRow>, StoreError> {
    let q = Query::select()
        .columns(REL_COLS)
        .from("ci_relations")
        .and_where(Expr::col("project_id").eq(project_id))
        .order_by("id", Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}
