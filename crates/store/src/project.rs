//! Projects: one hospital × vendor service contract each.

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};

use crate::{Db, StoreError, Tx, insert_into};

/// A project as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProjectRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub hospital_org_id: Option<i64>,
    pub vendor_org_id: Option<i64>,
    pub timezone: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

const COLS: [&str; 10] = [
    "id",
    "code",
    "name",
    "hospital_org_id",
    "vendor_org_id",
    "timezone",
    "active",
    "created_at",
    "updated_at",
    "version",
];

fn by_code_query(code: &str) -> SelectStatement {
    Query::select().columns(COLS).from("projects").and_where(Expr::col("code").eq(code)).to_owned()
}

/// Finds a project by code.
pub async fn by_code(db: &Db, code: &str) -> Result<Option<ProjectRow>, StoreError> {
    db.fetch_optional(&by_code_query(code)).await
}

/// Finds a project by id.
pub async fn by_id(db: &Db, id: i64) -> Result<Option<ProjectRow>, StoreError> {
    db.fetch_optional(&Query::select().columns(COLS).from("projects").and_where(Expr::col("id").eq(id)).to_owned())
        .await
}

/// The projects with these ids, by id (unknown ids are left out).
pub async fn by_ids(db: &Db, ids: &[i64]) -> Result<Vec<ProjectRow>, StoreError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let q = Query::select()
            .columns(COLS)
            .from("projects")
            .and_where(Expr::col("id").is_in(chunk.iter().copied()))
            .order_by("id", Order::Asc)
            .to_owned();
        out.extend(db.fetch_all::<ProjectRow, _>(&q).await?);
    }
    Ok(out)
}

/// Finds a project by code inside a transaction.
pub async fn by_code_tx(tx: &mut Tx, code: &str) -> Result<Option<ProjectRow>, StoreError> {
    tx.fetch_optional(&by_code_query(code)).await
}

/// Projects where `user_id` holds at least one role, by code.
pub async fn list_for_user(db: &Db, user_id: i64) -> Result<Vec<ProjectRow>, StoreError> {
    let q = Query::select()
        .columns(COLS.map(|c| ("p", c)))
        .from_as("projects", "p")
        .and_where(
            Expr::col(("p", "id")).in_subquery(
                Query::select()
                    .column("project_id")
                    .from("project_members")
                    .and_where(Expr::col("user_id").eq(user_id))
                    .to_owned(),
            ),
        )
        .order_by(("p", "code"), Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// A new project.
pub struct NewProject<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub hospital_org_id: Option<i64>,
    pub vendor_org_id: Option<i64>,
    pub timezone: &'a str,
    pub now: DateTime<Utc>,
}

/// Inserts a project; returns its id.
pub async fn insert(tx: &mut Tx, p: &NewProject<'_>) -> Result<i64, StoreError> {
    let mut q = insert_into(
        "projects",
        vec![
            ("code", p.code.into()),
            ("name", p.name.into()),
            ("hospital_org_id", p.hospital_org_id.into()),
            ("vendor_org_id", p.vendor_org_id.into()),
            ("timezone", p.timezone.into()),
            ("active", true.into()),
            ("created_at", p.now.into()),
            ("updated_at", p.now.into()),
            ("version", 1i64.into()),
        ],
    );
    q.returning_col("id");
    let (id,): (i64,) = tx.fetch_one(&q).await?;
    Ok(id)
}

/// Changed fields of a project.
pub struct ProjectUpdate<'a> {
    pub name: &'a str,
    pub timezone: &'a str,
    pub active: bool,
    pub now: DateTime<Utc>,
}

/// Updates a project if its version is still `expected_version`; returns whether it did
/// (false means somebody else changed it first: the caller answers 412).
pub async fn update_if_version(
    tx: &mut Tx,
    id: i64,
    expected_version: i64,
    u: &ProjectUpdate<'_>,
) -> Result<bool, StoreError> {
    let q = Query::update()
        .table("projects")
        .value("name", u.name)
        .value("timezone", u.timezone)
        .value("active", u.active)
        .value("updated_at", u.now)
        .value("version", Expr::col("version").add(1))
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("version").eq(expected_version))
        .to_owned();
    Ok(tx.execute(&q).await? == 1)
}
