//! Files attached to incidents (their descriptions and bytes).

use chrono::{DateTime, Utc};
use sea_query::{Cond, Expr, ExprTrait, Order, Query};

use crate::{Db, StoreError, Tx, insert_into};

/// An attachment's description (without its bytes).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AttachmentRow {
    pub id: i64,
    pub project_id: i64,
    pub incident_id: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

const ATT_COLS: [&str; 9] =
    ["id", "project_id", "incident_id", "name", "content_type", "size", "sha256", "created_at", "created_by"];

/// Stores an attachment; returns its id.
pub async fn insert_attachment(tx: &mut Tx, a: &AttachmentRow, data: &[u8]) -> Result<i64, StoreError> {
    let mut q = insert_into(
        "incident_attachments",
        vec![
            ("project_id", a.project_id.into()),
            ("incident_id", a.incident_id.into()),
            ("name", a.name.as_str().into()),
            ("content_type", a.content_type.as_str().into()),
            ("size", a.size.into()),
            ("sha256", a.sha256.as_str().into()),
            ("data", data.to_vec().into()),
            ("created_at", a.created_at.into()),
            ("created_by", a.created_by.as_str().into()),
        ],
    );
    q.returning_col("id");
    let (id,): (i64,) = tx.fetch_one(&q).await?;
    Ok(id)
}

/// The attachments of an incident, oldest first.
pub async fn attachments(db: &Db, incident_id: i64) -> Result<Vec<AttachmentRow>, StoreError> {
    let q = Query::select()
        .columns(ATT_COLS)
        .from("incident_attachments")
        .and_where(Expr::col("incident_id").eq(incident_id))
        .order_by("id", Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// One attachment of an incident with its bytes.
pub async fn attachment_data(
    db: &Db,
    incident_id: i64,
    id: i64,
) -> Result<Option<(AttachmentRow, Vec<u8>)>, StoreError> {
    let q = Query::select()
        .columns(ATT_COLS)
        .from("incident_attachments")
        .cond_where(Cond::all().add(Expr::col("incident_id").eq(incident_id)).add(Expr::col("id").eq(id)))
        .to_owned();
    let Some(row) = db.fetch_optional::<AttachmentRow, _>(&q).await? else {
        return Ok(None);
    };
    let q = Query::select().column("data").from("incident_attachments").and_where(Expr::col("id").eq(id)).to_owned();
    let data: Option<(Vec<u8>,)> = db.fetch_optional(&q).await?;
    Ok(data.map(|d| (row, d.0)))
}
