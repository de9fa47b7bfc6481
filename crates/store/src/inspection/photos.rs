//! Photos of an execution's items (their bytes kept in the row, read apart).

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Order, Query};

use crate::{Db, StoreError, Tx, insert_into};

/// A photo of an inspection item (without its bytes).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PhotoRow {
    pub id: i64,
    pub execution_id: i64,
    pub project_id: i64,
    pub item_key: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

const PHOTO_COLS: [&str; 10] = [
    "id",
    "execution_id",
    "project_id",
    "item_key",
    "name",
    "content_type",
    "size",
    "sha256",
    "created_at",
    "created_by",
];

/// Stores a photo; returns its id.
pub async fn insert_photo(tx: &mut Tx, r: &PhotoRow, data: &[u8]) -> Result<i64, StoreError> {
    let mut q = insert_into(
        "inspection_photos",
        vec![
            ("execution_id", r.execution_id.into()),
            ("project_id", r.project_id.into()),
            ("item_key", r.item_key.as_str().into()),
            ("name", r.name.as_str().into()),
            ("content_type", r.content_type.as_str().into()),
            ("size", r.size.into()),
            ("sha256", r.sha256.as_str().into()),
            ("data", data.to_vec().into()),
            ("created_at", r.created_at.into()),
            ("created_by", r.created_by.as_str().into()),
        ],
    );
    q.returning_col("id");
    let (id,): (i64,) = tx.fetch_one(&q).await?;
    Ok(id)
}

/// The photos of an execution, oldest first.
pub async fn photos(db: &Db, execution_id: i64) -> Result<Vec<PhotoRow>, StoreError> {
    let q = Query::select()
        .columns(PHOTO_COLS)
        .from("inspection_photos")
        .and_where(Expr::col("execution_id").eq(execution_id))
        .order_by("id", Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// A photo of an execution with its bytes.
pub async fn photo(db: &Db, execution_id: i64, id: i64) -> Result<Option<(PhotoRow, Vec<u8>)>, StoreError> {
    let q = Query::select()
        .columns(PHOTO_COLS)
        .from("inspection_photos")
        .and_where(Expr::col("execution_id").eq(execution_id))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    let Some(row) = db.fetch_optional::<PhotoRow, _>(&q).await? else { return Ok(None) };
    let q = Query::select().column("data").from("inspection_photos").and_where(Expr::col("id").eq(id)).to_owned();
    let data: Option<(Vec<u8>,)> = db.fetch_optional(&q).await?;
    Ok(data.map(|d| (row, d.0)))
}
