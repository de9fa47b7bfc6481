//! The links between incidents and the CIs they name.

use sea_query::{Cond, Expr, ExprTrait, Order, Query};

use crate::{Db, StoreError, Tx};

/// The CIs of a project an incident's `ci` entries name: by id, by exact name or by asset tag.
pub async fn resolve_refs(tx: &mut Tx, project_id: i64, refs: &[String]) -> Result<Vec<i64>, StoreError> {
    if refs.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = refs.iter().filter_map(|r| r.trim().parse().ok()).collect();
    let texts: Vec<&str> = refs.iter().map(|r| r.trim()).filter(|r| !r.is_empty()).collect();
    let q = Query::select()
        .column("id")
        .from("cis")
        .and_where(Expr::col("project_id").eq(project_id))
        .cond_where(
            Cond::any()
                .add(Expr::col("id").is_in(ids))
                .add(Expr::col("name").is_in(texts.clone()))
                .add(Expr::col("asset_tag").is_in(texts)),
        )
        .order_by("id", Order::Asc)
        .to_owned();
    let rows: Vec<(i64,)> = tx.fetch_all(&q).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Links an incident to CIs of its project.
pub async fn link_incident(tx: &mut Tx, project_id: i64, incident_id: i64, ci_ids: &[i64]) -> Result<(), StoreError> {
    if ci_ids.is_empty() {
        return Ok(());
    }
    let mut q = Query::insert();
    q.into_table("incident_cis").columns(["incident_id", "ci_id", "project_id"]);
    for id in ci_ids {
        q.values_panic([incident_id.into(), (*id).into(), project_id.into()]);
    }
    tx.execute(&q).await?;
    Ok(())
}

/// The CIs an incident is linked to, by id: (id, name).
pub async fn cis_of_incident(db: &Db, incident_id: i64) -> Result<Vec<(i64, String)>, StoreError> {
    let q = Query::select()
        .column(("c", "id"))
        .column(("c", "name"))
        .from_as("incident_cis", "l")
        .join_as(sea_query::JoinType::InnerJoin, "cis", "c", Expr::col(("c", "id")).equals(("l", "ci_id")))
        .and_where(Expr::col(("l", "incident_id")).eq(incident_id))
        .order_by(("c", "id"), Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// An incident linked to a CI.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LinkedIncident {
    pub id: i64,
    pub number: String,
    pub title: String,
    /// Status code.
    pub status: String,
}

/// The incidents linked to a CI, newest first.
pub async fn incidents_of(db: &Db, ci_id: i64, limit: u64) -> Result<Vec<LinkedIncident>, StoreError> {
    let q = Query::select()
        .column(("i", "id"))
        .column(("i", "number"))
        .column(("i", "title"))
        .column(("i", "status"))
        .from_as("incident_cis", "l")
        .join_as(sea_query::JoinType::InnerJoin, "incidents", "i", Expr::col(("i", "id")).equals(("l", "incident_id")))
        .and_where(Expr::col(("l", "ci_id")).eq(ci_id))
        .order_by(("i", "id"), Order::Desc)
        .limit(limit)
        .to_owned();
    db.fetch_all(&q).await
}
