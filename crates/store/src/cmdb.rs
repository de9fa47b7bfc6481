//! CMDB: configuration items, their addresses, relations and revisions. Every query filters on
//! `project_id` or reaches a row by id and returns its project for the caller to authorise.

use chrono::{DateTime, Utc};
use sea_query::{Cond, Expr, ExprTrait, Order, Query, SelectStatement};

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
    /// JSON object of type-specific attributes.
    pub attributes: String,
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
fn values(r: &CiRow) -> Vec<(&'static str, sea_query::SimpleExpr)> {
    vec![
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
        ("attributes", r.attributes.as_str().into()),
        ("updated_at", r.updated_at.into()),
    ]
}

/// Stores a new CI; returns its id.
pub async fn insert(tx: &mut Tx, r: &CiRow) -> Result<i64, StoreError> {
    let mut pairs = vec![
        ("project_id", r.project_id.into()),
        ("created_at", r.created_at.into()),
        ("created_by", r.created_by.as_str().into()),
        ("version", r.version.into()),
    ];
    pairs.extend(values(r));
    let mut q = insert_into("cis", pairs);
    q.returning_col("id");
    let (id,): (i64,) = tx.fetch_one(&q).await?;
    Ok(id)
}

/// Writes a CI if its version is still `expected_version` (and bumps it).
pub async fn update(tx: &mut Tx, r: &CiRow, expected_version: i64) -> Result<bool, StoreError> {
    let mut q = Query::update();
    q.table("cis");
    for (c, v) in values(r) {
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

/// One address or subnet of a CI.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct IpRow {
    pub ci_id: i64,
    pub address: String,
    pub is_subnet: bool,
    pub live: bool,
}

/// Replaces the addresses of a CI. `live` is false for a retired CI, whose addresses may be
/// reused.
pub async fn set_ips(
    tx: &mut Tx,
    project_id: i64,
    ci_id: i64,
    ips: &[(String, bool)],
    live: bool,
) -> Result<(), StoreError> {
    tx.execute(&Query::delete().from_table("ci_ips").and_where(Expr::col("ci_id").eq(ci_id)).to_owned()).await?;
    if ips.is_empty() {
        return Ok(());
    }
    let mut q = Query::insert();
    q.into_table("ci_ips").columns(["project_id", "ci_id", "address", "is_subnet", "live"]);
    for (address, is_subnet) in ips {
        q.values_panic([project_id.into(), ci_id.into(), address.as_str().into(), (*is_subnet).into(), live.into()]);
    }
    tx.execute(&q).await?;
    Ok(())
}

/// The addresses of the given CIs, in id order.
pub async fn ips_of(db: &Db, ci_ids: &[i64]) -> Result<Vec<IpRow>, StoreError> {
    let mut out = Vec::new();
    for chunk in ci_ids.chunks(500) {
        let q = Query::select()
            .columns(["ci_id", "address", "is_subnet", "live"])
            .from("ci_ips")
            .and_where(Expr::col("ci_id").is_in(chunk.iter().copied()))
            .order_by("id", Order::Asc)
            .to_owned();
        out.extend(db.fetch_all::<IpRow, _>(&q).await?);
    }
    Ok(out)
}

/// The addresses of one CI inside a transaction.
pub async fn ips_of_tx(tx: &mut Tx, ci_id: i64) -> Result<Vec<IpRow>, StoreError> {
    let q = Query::select()
        .columns(["ci_id", "address", "is_subnet", "live"])
        .from("ci_ips")
        .and_where(Expr::col("ci_id").eq(ci_id))
        .order_by("id", Order::Asc)
        .to_owned();
    tx.fetch_all(&q).await
}

/// Live CIs of a project other than `except` that hold one of `addresses`: (address, id, name).
pub async fn ip_holders(
    tx: &mut Tx,
    project_id: i64,
    addresses: &[String],
    except: Option<i64>,
) -> Result<Vec<(String, i64, String)>, StoreError> {
    if addresses.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Query::select()
        .column(("i", "address"))
        .column(("c", "id"))
        .column(("c", "name"))
        .from_as("ci_ips", "i")
        .join_as(sea_query::JoinType::InnerJoin, "cis", "c", Expr::col(("c", "id")).equals(("i", "ci_id")))
        .and_where(Expr::col(("i", "project_id")).eq(project_id))
        .and_where(Expr::col(("i", "address")).is_in(addresses.iter().map(String::as_str)))
        .and_where(Expr::col(("i", "live")).eq(true))
        .and_where(Expr::col(("i", "is_subnet")).eq(false))
        .order_by(("i", "address"), Order::Asc)
        .to_owned();
    if let Some(e) = except {
        q.and_where(Expr::col(("c", "id")).ne(e));
    }
    tx.fetch_all(&q).await
}

/// CIs of a project holding an address or subnet: the rows of `ci_ips` equal to `address`.
pub async fn by_address(db: &Db, project_id: i64, address: &str) -> Result<Vec<IpRow>, StoreError> {
    let q = Query::select()
        .columns(["ci_id", "address", "is_subnet", "live"])
        .from("ci_ips")
        .and_where(Expr::col("project_id").eq(project_id))
        .and_where(Expr::col("address").eq(address))
        .order_by("id", Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// Every subnet registered in a project (to find those containing an address).
pub async fn subnets(db: &Db, project_id: i64) -> Result<Vec<IpRow>, StoreError> {
    let q = Query::select()
        .columns(["ci_id", "address", "is_subnet", "live"])
        .from("ci_ips")
        .and_where(Expr::col("project_id").eq(project_id))
        .and_where(Expr::col("is_subnet").eq(true))
        .order_by("id", Order::Asc)
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

/// Every live address of a project held by more than one live CI (the conflict report; the
/// unique index prevents new ones, this finds what an import with checks off let through).
pub async fn address_conflicts(db: &Db, project_id: i64) -> Result<Vec<IpRow>, StoreError> {
    let dup = Query::select()
        .column("address")
        .from("ci_ips")
        .and_where(Expr::col("project_id").eq(project_id))
        .and_where(Expr::col("live").eq(true))
        .and_where(Expr::col("is_subnet").eq(false))
        .group_by_col("address")
        .and_having(Expr::col("id").count().gt(1))
        .to_owned();
    let q = Query::select()
        .columns(["ci_id", "address", "is_subnet", "live"])
        .from("ci_ips")
        .and_where(Expr::col("project_id").eq(project_id))
        .and_where(Expr::col("live").eq(true))
        .and_where(Expr::col("address").in_subquery(dup))
        .order_by("address", Order::Asc)
        .order_by("ci_id", Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

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

/// One saved state of a CI.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct RevisionRow {
    pub id: i64,
    pub project_id: i64,
    pub ci_id: i64,
    pub revision: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    /// JSON: the whole CI.
    pub snapshot: String,
    /// JSON: the changes from the revision before.
    pub changes: String,
    /// What caused it (`incident:12`, `import`), if known.
    pub cause: Option<String>,
}

const REV_COLS: [&str; 9] = ["id", "project_id", "ci_id", "revision", "at", "actor", "snapshot", "changes", "cause"];

/// Stores a revision.
pub async fn insert_revision(tx: &mut Tx, r: &RevisionRow) -> Result<(), StoreError> {
    let q = insert_into(
        "ci_revisions",
        vec![
            ("project_id", r.project_id.into()),
            ("ci_id", r.ci_id.into()),
            ("revision", r.revision.into()),
            ("at", r.at.into()),
            ("actor", r.actor.as_str().into()),
            ("snapshot", r.snapshot.as_str().into()),
            ("changes", r.changes.as_str().into()),
            ("cause", r.cause.clone().into()),
        ],
    );
    tx.execute(&q).await?;
    Ok(())
}

/// The revisions of a CI, newest first.
pub async fn revisions(db: &Db, ci_id: i64) -> Result<Vec<RevisionRow>, StoreError> {
    let q = Query::select()
        .columns(REV_COLS)
        .from("ci_revisions")
        .and_where(Expr::col("ci_id").eq(ci_id))
        .order_by("revision", Order::Desc)
        .to_owned();
    db.fetch_all(&q).await
}

/// The revision of a CI in force at `at` (the last saved at or before it), if it existed then.
pub async fn revision_at(db: &Db, ci_id: i64, at: DateTime<Utc>) -> Result<Option<RevisionRow>, StoreError> {
    let q = Query::select()
        .columns(REV_COLS)
        .from("ci_revisions")
        .and_where(Expr::col("ci_id").eq(ci_id))
        .and_where(Expr::col("at").lte(at))
        .order_by("revision", Order::Desc)
        .limit(1)
        .to_owned();
    db.fetch_optional(&q).await
}

/// The latest `limit` revisions of a CI inside a transaction, newest first.
pub async fn revisions_tx(tx: &mut Tx, ci_id: i64, limit: u64) -> Result<Vec<RevisionRow>, StoreError> {
    let q = Query::select()
        .columns(REV_COLS)
        .from("ci_revisions")
        .and_where(Expr::col("ci_id").eq(ci_id))
        .order_by("revision", Order::Desc)
        .limit(limit)
        .to_owned();
    tx.fetch_all(&q).await
}

/// Every CI of a project, oldest first (export).
pub async fn all(db: &Db, project_id: i64) -> Result<Vec<CiRow>, StoreError> {
    let q = select().and_where(Expr::col("project_id").eq(project_id)).order_by("id", Order::Asc).to_owned();
    db.fetch_all(&q).await
}

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

/// The incidents linked to a CI, newest first: (id, number, title, status).
pub async fn incidents_of(db: &Db, ci_id: i64, limit: u64) -> Result<Vec<(i64, String, String, String)>, StoreError> {
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
