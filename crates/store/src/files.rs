//! Stored files (incident attachments, inspection photos …): one table per owner, each with the
//! same description columns and the bytes in a `data` column read apart. A module declares its
//! table as a [`FileTable`] and its row type, which holds the description as one [`FileMeta`]
//! (`#[sqlx(flatten)]`); the queries are written once here.

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement, SimpleExpr};

use crate::{Db, DbRow, StoreError, Tx, insert_into};

/// A table of files belonging to one kind of entity.
#[derive(Debug, Clone, Copy)]
pub struct FileTable {
    /// The table's name.
    pub table: &'static str,
    /// The column naming the entity a file belongs to (`incident_id`, `execution_id` …).
    pub owner: &'static str,
    /// The columns the module's row type reads besides the [`FileMeta`] ones (its id, its owner
    /// and any columns of its own).
    pub columns: &'static [&'static str],
}

/// What every stored file records besides its id, its owner and its bytes.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FileMeta {
    pub project_id: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// The columns of [`FileMeta`].
const META_COLUMNS: [&str; 7] = ["project_id", "name", "content_type", "size", "sha256", "created_at", "created_by"];

/// The description columns of `t`'s files (everything but `data`).
fn select(t: &FileTable) -> SelectStatement {
    Query::select().columns(t.columns.iter().copied().chain(META_COLUMNS)).from(t.table).to_owned()
}

/// Stores a file of `owner_id` (with the module's `extra` text columns); returns its id.
pub async fn insert(
    tx: &mut Tx,
    t: &FileTable,
    owner_id: i64,
    extra: &[(&'static str, &str)],
    m: &FileMeta,
    data: &[u8],
) -> Result<i64, StoreError> {
    let mut pairs: Vec<(&'static str, SimpleExpr)> = vec![(t.owner, owner_id.into())];
    pairs.extend(extra.iter().map(|(c, v)| (*c, (*v).into())));
    pairs.extend([
        ("project_id", m.project_id.into()),
        ("name", m.name.as_str().into()),
        ("content_type", m.content_type.as_str().into()),
        ("size", m.size.into()),
        ("sha256", m.sha256.as_str().into()),
        ("data", data.to_vec().into()),
        ("created_at", m.created_at.into()),
        ("created_by", m.created_by.as_str().into()),
    ]);
    let mut q = insert_into(t.table, pairs);
    q.returning_col("id");
    let (id,): (i64,) = tx.fetch_one(&q).await?;
    Ok(id)
}

/// The files of `owner_id`, oldest first (without their bytes).
pub async fn list<T: DbRow>(db: &Db, t: &FileTable, owner_id: i64) -> Result<Vec<T>, StoreError> {
    let q = select(t).and_where(Expr::col(t.owner).eq(owner_id)).order_by("id", Order::Asc).to_owned();
    db.fetch_all(&q).await
}

/// File `id` of `owner_id` with its bytes.
pub async fn load<T: DbRow>(
    db: &Db,
    t: &FileTable,
    owner_id: i64,
    id: i64,
) -> Result<Option<(T, Vec<u8>)>, StoreError> {
    let q = select(t).and_where(Expr::col(t.owner).eq(owner_id)).and_where(Expr::col("id").eq(id)).to_owned();
    let Some(row) = db.fetch_optional::<T, _>(&q).await? else { return Ok(None) };
    let q = Query::select().column("data").from(t.table).and_where(Expr::col("id").eq(id)).to_owned();
    let data: Option<(Vec<u8>,)> = db.fetch_optional(&q).await?;
    Ok(data.map(|d| (row, d.0)))
}
