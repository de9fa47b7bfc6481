//! Configuration items: the record, its lookups and the list with its filters.

use chrono::{DateTime, Utc};
use sea_query::{Cond, Expr, ExprTrait, Order, Query, SelectStatement};
use serde_json::{Map, Value};

use crate::json::{JsonText, text};
use crate::{Db, StoreError, Tx, insert_into};

/// A stored configuration item.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CiRow {
    pub id: i64,
    pub project_id: i64,
    pub name: String,
    #[sqlx(rename = "type")]
    pub kind: String,
    pub status: String,
    pub hostname: Option<String>,
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub serial: Option<String>,
    pub part_number: Option<String>,
    pub asset_tag: Option<String>,
    pub building: Option<String>,
    pub room: Option<String>,
    pub rack: Option<String>,
    pub rack_unit: Option<String>,
    pub owner_department: Option<String>,
    /// `YYYY-MM-DD`.
    pub warranty_end: Option<String>,
    pub supplier: Option<String>,
    pub criticality: Option<String>,
    /// Type-specific attributes (a JSON object in the column).
    #[sqlx(try_from = "JsonText")]
    pub attributes: Map<String, Value>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

const COLS: [&str; 24] = [
    "id",
    "project_id",
    "name",
    "type",
    "status",
    "hostname",
    "vendor",
    "model",
    "serial",
    "part_number",
    "asset_tag",
    "building",
    "room",
    "rack",
    "rack_unit",
    "owner_department",
    "warranty_end",
    "supplier",
    "criticality",
    "attributes",
    "created_at",
    "created_by",
    "updated_at",
    "version",
];

fn select() -> SelectStatement {
    Query::select().columns(COLS).from("cis").to_owned()
}

/// The columns a save writes (everything but the identity and creation).
fn values(r: &CiRow) -> Result<Vec<(&'static str, sea_query::SimpleExpr)>, StoreError> {
    Ok(vec![
        ("name", r.name.as_str().into()),
        ("type", r.kind.as_str().into()),
        ("status", r.status.as_str().into()),
        ("hostname", r.hostname.clone().into()),
        ("vendor", r.vendor.clone().into()),
        ("model", r.model.clone().into()),
        ("serial", r.serial.clone().into()),
        ("part_number", r.part_number.clone().into()),
        ("asset_tag", r.asset_tag.clone().into()),
        ("building", r.building.clone().into()),
        ("room", r.room.clone().into()),
        ("rack", r.rack.clone().into()),
        ("rack_unit", r.rack_unit.clone().into()),
        ("owner_department", r.owner_department.clone().into()),
        ("warranty_end", r.warranty_end.clone().into()),
        ("supplier", r.supplier.clone().into()),
        ("criticality", r.criticality.clone().into()),
        ("attributes", text(&r.attributes)?.into()),
        ("updated_at", r.updated_at.into()),
    ])
}

/// Stores a new CI; returns its id.
pub async fn insert(tx: &mut Tx, r: &CiRow) -> Result<i64, StoreError> {
    let mut pairs = vec![
        ("project_id", r.project_id.into()),
        ("created_at", r.created_at.into()),
        ("created_by", r.created_by.as_str().into()),
        ("version", r.version.into()),
    ];
    pairs.extend(values(r)?);
    let mut q = insert_into("cis", pairs);
    q.returning_col("id");
    let (id,): (i64,) = tx.fetch_one(&q).await?;
    Ok(id)
}

/// Writes a CI if its version is still `expected_version` (and bumps it).
pub async fn update(tx: &mut Tx, r: &CiRow, expected_version: i64) -> Result<bool, StoreError> {
    let mut q = Query::update();
    q.table("cis");
    for (c, v) in values(r)? {
        q.value(c, v);
    }
    q.value("version", expected_version + 1)
        .and_where(Expr::col("id").eq(r.id))
        .and_where(Expr::col("version").eq(expected_version));
    Ok(tx.execute(&q).await? == 1)
}

/// A CI by id (any project: the caller authorises against `project_id`).
pub async fn get(db: &Db, id: i64) -> Result<Option<CiRow>, StoreError> {
    db.fetch_optional(&select().and_where(Expr::col("id").eq(id)).to_owned()).await
}

/// A CI by id inside a transaction.
pub async fn get_tx(tx: &mut Tx, id: i64) -> Result<Option<CiRow>, StoreError> {
    tx.fetch_optional(&select().and_where(Expr::col("id").eq(id)).to_owned()).await
}

/// CIs of a project by ids (for relations and impact lists).
pub async fn by_ids(db: &Db, project_id: i64, ids: &[i64]) -> Result<Vec<CiRow>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows = Vec::with_capacity(ids.len());
    // Bounded IN lists: SQLite allows 32,766 parameters, but long lists plan badly.
    for chunk in ids.chunks(500) {
        let q = select()
            .and_where(Expr::col("project_id").eq(project_id))
            .and_where(Expr::col("id").is_in(chunk.iter().copied()))
            .to_owned();
        rows.extend(db.fetch_all::<CiRow, _>(&q).await?);
    }
    Ok(rows)
}

/// The CI a re-imported row stands for: the one with its asset tag, or — for a row without a
/// tag — the oldest with its serial, or — for a row with neither — the oldest CI of that name
/// and type that has neither either (a virtual machine or an application has no tag, and
/// re-importing the export must not duplicate it). A row with a tag never matches by serial:
/// two devices tagged apart are two CIs whatever their serials say.
pub async fn by_tag_or_serial(
    tx: &mut Tx,
    project_id: i64,
    asset_tag: Option<&str>,
    serial: Option<&str>,
    name_and_type: (&str, &str),
) -> Result<Option<CiRow>, StoreError> {
    let q = match (asset_tag, serial) {
        (Some(tag), _) => select()
            .and_where(Expr::col("project_id").eq(project_id))
            .and_where(Expr::col("asset_tag").eq(tag))
            .to_owned(),
        (None, Some(serial)) => select()
            .and_where(Expr::col("project_id").eq(project_id))
            .and_where(Expr::col("serial").eq(serial))
            .order_by("id", Order::Asc)
            .limit(1)
            .to_owned(),
        (None, None) => select()
            .and_where(Expr::col("project_id").eq(project_id))
            .and_where(Expr::col("asset_tag").is_null())
            .and_where(Expr::col("serial").is_null())
            .and_where(Expr::col("name").eq(name_and_type.0))
            .and_where(Expr::col("type").eq(name_and_type.1))
            .order_by("id", Order::Asc)
            .limit(1)
            .to_owned(),
    };
    tx.fetch_optional(&q).await
}

/// List filters.
#[derive(Debug, Clone, Default)]
pub struct CiFilter {
    pub kinds: Vec<String>,
    pub status: Vec<String>,
    /// Substring of building, room or rack.
    pub location: Option<String>,
    /// Substring of name, hostname, vendor, model, serial, part number or asset tag.
    pub text: Option<String>,
    /// An exact address on the CI.
    pub ip: Option<String>,
    /// Keyset cursor: only CIs with a smaller id (newest first).
    pub before_id: Option<i64>,
}

/// A page of a project's CIs, newest first.
pub async fn list(db: &Db, project_id: i64, f: &CiFilter, limit: u64) -> Result<Vec<CiRow>, StoreError> {
    let like = |col, t: &str| crate::contains(db.backend(), col, t);
    let mut cond = Cond::all().add(Expr::col("project_id").eq(project_id));
    if !f.kinds.is_empty() {
        cond = cond.add(Expr::col("type").is_in(f.kinds.iter().map(String::as_str)));
    }
    if !f.status.is_empty() {
        cond = cond.add(Expr::col("status").is_in(f.status.iter().map(String::as_str)));
    }
    if let Some(t) = &f.location {
        cond = cond.add(Cond::any().add(like("building", t)).add(like("room", t)).add(like("rack", t)));
    }
    if let Some(t) = &f.text {
        let mut any = Cond::any();
        for c in ["name", "hostname", "vendor", "model", "serial", "part_number", "asset_tag"] {
            any = any.add(like(c, t));
        }
        cond = cond.add(any);
    }
    if let Some(ip) = &f.ip {
        let sub = Query::select()
            .column("ci_id")
            .from("ci_ips")
            .and_where(Expr::col("project_id").eq(project_id))
            .and_where(Expr::col("address").eq(ip.as_str()))
            .to_owned();
        cond = cond.add(Expr::col("id").in_subquery(sub));
    }
    if let Some(v) = f.before_id {
        cond = cond.add(Expr::col("id").lt(v));
    }
    let q = select().cond_where(cond).order_by("id", Order::Desc).limit(limit).to_owned();
    db.fetch_all(&q).await
}

/// How many CIs a project has of each type (the 信息资产统计 summary).
pub async fn count_by_type(db: &Db, project_id: i64) -> Result<Vec<(String, i64)>, StoreError> {
    let q = Query::select()
        .column("type")
        .expr(Expr::col("id").count())
        .from("cis")
        .and_where(Expr::col("project_id").eq(project_id))
        .group_by_col("type")
        .order_by("type", Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// CIs of a project with this hostname (case-insensitive) or name.
pub async fn by_hostname(db: &Db, project_id: i64, host: &str) -> Result<Vec<CiRow>, StoreError> {
    let host = host.to_lowercase();
    let q = select()
        .and_where(Expr::col("project_id").eq(project_id))
        .cond_where(Cond::any().add(Expr::col("hostname").eq(host.as_str())).add(Expr::col("name").eq(host.as_str())))
        .order_by("id", Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// Every CI of a project, oldest first (export).
pub async fn all(db: &Db, project_id: i64) -> Result<Vec<CiRow>, StoreError> {
    let q = select().and_where(Expr::col("project_id").eq(project_id)).order_by("id", Order::Asc).to_owned();
    db.fetch_all(&q).await
}
