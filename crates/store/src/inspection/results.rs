//! The answers of an execution and the incidents they became.

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query, SelectStatement};

use crate::{Db, StoreError, Tx, insert_into};

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
