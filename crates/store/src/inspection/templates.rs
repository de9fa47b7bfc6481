//! A project's own templates and every version of them.

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Order, Query};

use crate::{Db, StoreError, Tx, insert_into};

/// A project's own template (its current version).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TemplateRow {
    pub id: i64,
    pub project_id: i64,
    pub code: String,
    pub name: String,
    pub version: i64,
    /// Built-in code it was copied from.
    pub based_on: Option<String>,
    /// The template as JSON (`domain::inspection::Template`).
    pub document: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
}

const TEMPLATE_COLS: [&str; 10] =
    ["id", "project_id", "code", "name", "version", "based_on", "document", "created_at", "created_by", "updated_at"];

/// The project's templates, by code.
pub async fn templates(db: &Db, project_id: i64) -> Result<Vec<TemplateRow>, StoreError> {
    let q = Query::select()
        .columns(TEMPLATE_COLS)
        .from("inspection_templates")
        .and_where(Expr::col("project_id").eq(project_id))
        .order_by("code", Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// The project's template with this code.
pub async fn template_tx(tx: &mut Tx, project_id: i64, code: &str) -> Result<Option<TemplateRow>, StoreError> {
    let q = Query::select()
        .columns(TEMPLATE_COLS)
        .from("inspection_templates")
        .and_where(Expr::col("project_id").eq(project_id))
        .and_where(Expr::col("code").eq(code))
        .to_owned();
    tx.fetch_optional(&q).await
}

/// Stores a new template (version 1) and its first version row; returns its id.
pub async fn insert_template(tx: &mut Tx, r: &TemplateRow) -> Result<i64, StoreError> {
    let mut q = insert_into(
        "inspection_templates",
        vec![
            ("project_id", r.project_id.into()),
            ("code", r.code.as_str().into()),
            ("name", r.name.as_str().into()),
            ("version", r.version.into()),
            ("based_on", r.based_on.clone().into()),
            ("document", r.document.as_str().into()),
            ("created_at", r.created_at.into()),
            ("created_by", r.created_by.as_str().into()),
            ("updated_at", r.updated_at.into()),
        ],
    );
    q.returning_col("id");
    let (id,): (i64,) = tx.fetch_one(&q).await?;
    insert_version(tx, id, r).await?;
    Ok(id)
}

async fn insert_version(tx: &mut Tx, template_id: i64, r: &TemplateRow) -> Result<(), StoreError> {
    let q = insert_into(
        "inspection_template_versions",
        vec![
            ("template_id", template_id.into()),
            ("project_id", r.project_id.into()),
            ("version", r.version.into()),
            ("document", r.document.as_str().into()),
            ("created_at", r.updated_at.into()),
            ("created_by", r.created_by.as_str().into()),
        ],
    );
    tx.execute(&q).await?;
    Ok(())
}

/// Saves `r` as the template's next version (`r.version` is the new number; the row must still
/// be at the one before). `false` when someone else saved first.
pub async fn update_template(tx: &mut Tx, r: &TemplateRow) -> Result<bool, StoreError> {
    let q = Query::update()
        .table("inspection_templates")
        .value("name", r.name.as_str())
        .value("document", r.document.as_str())
        .value("version", r.version)
        .value("updated_at", r.updated_at)
        .and_where(Expr::col("id").eq(r.id))
        .and_where(Expr::col("version").eq(r.version - 1))
        .to_owned();
    if tx.execute(&q).await? != 1 {
        return Ok(false);
    }
    insert_version(tx, r.id, r).await?;
    Ok(true)
}
