//! CMDB use cases: keep the configuration records (seed 000 §2.1 信息资产统计, seed 003
//! 1.1.6.2.8 配置档案) — configuration items with their addresses, relations, revisions and the
//! impact of a failure. Spreadsheet import and export are in [`sheet`], the topology drawing in
//! [`topology`].

mod sheet;
mod topology;

pub use sheet::{ExportFile, ImportOptions, ImportReport, export, import, sheet_cells, template};
pub use topology::{DEFAULT_DEPTH, MAX_DEPTH, Topology, TopologyScope, ci_topology, project_topology};

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use yunwei_domain::ValidationErrors;
use yunwei_domain::cmdb::{self as domain, CiInput, CiIp, Edge, ImpactGraph, Impacted, RelationInput, ValidCi};
use yunwei_domain::identity::Permission;
use yunwei_store::cmdb::{self as store, CiFilter, CiRow, IpRow, RelationRow, RevisionRow};

use yunwei_domain::cmdb::audit;

use crate::access::{ProjectAccess, ProjectScoped, authorize, load_entity};
use crate::actor::Actor;
use crate::audit::{Record, record};
use crate::{App, AppError};

/// A CI with its addresses.
#[derive(Debug, Clone)]
pub struct CiView {
    pub row: CiRow,
    pub ips: Vec<IpRow>,
}

/// A relation seen from one of its CIs, with the other end.
#[derive(Debug, Clone)]
pub struct RelationView {
    pub row: RelationRow,
    /// The CI at the other end.
    pub other: CiRow,
    /// Whether the CI asked about is the relation's source.
    pub outgoing: bool,
}

fn not_found(id: i64) -> AppError {
    AppError::NotFound(format!("配置项 {id} 不存在"))
}

/// The CI and the caller's access to its project; 404 outside the project.
async fn ci_access(app: &App, actor: &Actor, id: i64, p: Permission) -> Result<(CiRow, ProjectAccess), AppError> {
    load_entity(app, actor, store::get(&app.db, id).await?, p, || not_found(id)).await
}

impl ProjectScoped for CiRow {
    fn project_id(&self) -> i64 {
        self.project_id
    }
}

fn to_row(v: &ValidCi, project_id: i64, now: DateTime<Utc>, by: &str) -> CiRow {
    CiRow {
        id: 0,
        project_id,
        name: v.name.clone(),
        kind: v.ci_type.code.to_owned(),
        status: v.status.code().to_owned(),
        hostname: v.hostname.clone(),
        vendor: v.vendor.clone(),
        model: v.model.clone(),
        serial: v.serial.clone(),
        part_number: v.part_number.clone(),
        asset_tag: v.asset_tag.clone(),
        building: v.location.building.clone(),
        room: v.location.room.clone(),
        rack: v.location.rack.clone(),
        rack_unit: v.location.u.clone(),
        owner_department: v.owner_department.clone(),
        warranty_end: v.warranty_end.map(|d| d.format("%Y-%m-%d").to_string()),
        supplier: v.supplier.clone(),
        criticality: Some(v.criticality.code().to_owned()),
        attributes: Value::Object(v.attributes.clone()).to_string(),
        created_at: now,
        created_by: by.to_owned(),
        updated_at: now,
        version: 1,
    }
}

fn ip_rows(v: &ValidCi) -> Vec<(String, bool)> {
    v.ips.iter().map(|ip| (ip.to_string(), matches!(ip, CiIp::Net { .. }))).collect()
}

/// Refuses addresses that a live CI other than `except` already holds (409 naming `ips[i]`).
async fn check_conflicts(
    tx: &mut yunwei_store::Tx,
    project_id: i64,
    v: &ValidCi,
    except: Option<i64>,
) -> Result<(), AppError> {
    if !v.status.is_live() {
        return Ok(());
    }
    let addrs: Vec<String> = v.ips.iter().filter(|ip| matches!(ip, CiIp::Addr(_))).map(ToString::to_string).collect();
    let holders = store::ip_holders(tx, project_id, &addrs, except).await?;
    if let Some((addr, id, name)) = holders.first() {
        let i = v.ips.iter().position(|ip| ip.to_string() == *addr).unwrap_or(0);
        return Err(AppError::Conflict {
            field: format!("ips[{i}]"),
            reason: format!("IP 地址 {addr} 已被在用的配置项“{name}”（编号 {id}）占用"),
        });
    }
    Ok(())
}

/// Checks a `cause` (`incident:{id}` of this project) and returns it.
async fn check_cause(app: &App, project_id: i64, cause: Option<&str>) -> Result<Option<String>, AppError> {
    let Some(c) = cause.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let id = c.strip_prefix("incident:").and_then(|n| n.parse::<i64>().ok());
    let Some(id) = id else {
        return Err(ValidationErrors::single("cause", "须为 incident:<故障编号>").into());
    };
    match yunwei_store::incident::get(&app.db, id).await? {
        Some(i) if i.project_id == project_id => Ok(Some(format!("incident:{id}"))),
        _ => Err(ValidationErrors::single("cause", format!("本项目没有故障 {id}")).into()),
    }
}

async fn add_revision(
    tx: &mut yunwei_store::Tx,
    row: &CiRow,
    snapshot: &Value,
    before: &Value,
    by: &str,
    cause: Option<String>,
) -> Result<Vec<domain::Change>, AppError> {
    let changes = domain::diff(before, snapshot);
    let rev = RevisionRow {
        id: 0,
        project_id: row.project_id,
        ci_id: row.id,
        revision: row.version,
        at: row.updated_at,
        actor: by.to_owned(),
        snapshot: snapshot.to_string(),
        changes: serde_json::to_string(&changes).map_err(|e| AppError::Internal(e.to_string()))?,
        cause,
    };
    store::insert_revision(tx, &rev).await?;
    Ok(changes)
}

/// Stores a new CI with its addresses and first revision, inside `tx`; returns it.
pub(crate) async fn insert_in(
    tx: &mut yunwei_store::Tx,
    project_id: i64,
    v: &ValidCi,
    by: &str,
    now: DateTime<Utc>,
    cause: Option<String>,
) -> Result<CiRow, AppError> {
    let mut row = to_row(v, project_id, now, by);
    check_conflicts(tx, project_id, v, None).await?;
    row.id = store::insert(tx, &row).await?;
    store::set_ips(tx, project_id, row.id, &ip_rows(v), v.status.is_live()).await?;
    add_revision(tx, &row, &domain::snapshot(v), &Value::Null, by, cause).await?;
    Ok(row)
}

/// The snapshot of a CI's latest revision (`null` if it has none).
pub(crate) async fn last_snapshot(tx: &mut yunwei_store::Tx, id: i64) -> Result<Value, AppError> {
    let before = store::revisions_tx(tx, id, 1).await?.into_iter().next();
    Ok(before.and_then(|r| serde_json::from_str(&r.snapshot).ok()).unwrap_or(Value::Null))
}

/// What an update writes over `cur` (expected at `expected`): the new record, what it was
/// before, who and when, and why.
pub(crate) struct Overwrite<'a> {
    pub cur: &'a CiRow,
    pub expected: i64,
    pub v: &'a ValidCi,
    pub before: &'a Value,
    /// Username of who saves it.
    pub by: &'a str,
    pub now: DateTime<Utc>,
    pub cause: Option<String>,
}

/// Writes an [`Overwrite`] with a revision of what changed; returns the new row and the changes.
pub(crate) async fn update_in(
    tx: &mut yunwei_store::Tx,
    o: Overwrite<'_>,
) -> Result<(CiRow, Vec<domain::Change>), AppError> {
    let cur = o.cur;
    check_conflicts(tx, cur.project_id, o.v, Some(cur.id)).await?;
    let mut row = to_row(o.v, cur.project_id, o.now, o.by);
    row.id = cur.id;
    row.created_at = cur.created_at;
    row.created_by = cur.created_by.clone();
    if !store::update(tx, &row, o.expected).await? {
        let current = store::get_tx(tx, cur.id).await?.map(|r| r.version).unwrap_or_default();
        return Err(AppError::Stale { current });
    }
    row.version = o.expected + 1;
    store::set_ips(tx, row.project_id, row.id, &ip_rows(o.v), o.v.status.is_live()).await?;
    let changes = add_revision(tx, &row, &domain::snapshot(o.v), o.before, o.by, o.cause).await?;
    Ok((row, changes))
}

/// Records a new CI in a project.
pub async fn create(
    app: &App,
    actor: &Actor,
    code: &str,
    input: &CiInput,
    cause: Option<&str>,
) -> Result<CiView, AppError> {
    let access = authorize(app, actor, code, Permission::CmdbWrite).await?;
    let v = input.validate()?;
    let cause = check_cause(app, access.project.id, cause).await?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let row = insert_in(&mut tx, access.project.id, &v, &actor.username, now, cause).await?;
    record(
        &mut tx,
        Some(actor),
        now,
        Record {
            project_id: Some(row.project_id),
            code: audit::CI_CREATE,
            entity_id: row.id.to_string(),
            summary: json!({ "after": { "name": row.name, "type": row.kind } }),
        },
    )
    .await?;
    let ips = store::ips_of_tx(&mut tx, row.id).await?;
    tx.commit().await?;
    Ok(CiView { row, ips })
}

/// Replaces a CI's record if it is still at `expected_version`; a new revision lists what
/// changed. Saving without a change keeps the version and adds no revision.
pub async fn update(
    app: &App,
    actor: &Actor,
    id: i64,
    expected_version: Option<i64>,
    input: &CiInput,
    cause: Option<&str>,
) -> Result<CiView, AppError> {
    let (cur, _) = ci_access(app, actor, id, Permission::CmdbWrite).await?;
    let Some(expected) = expected_version else {
        return Err(AppError::PreconditionRequired);
    };
    let v = input.validate()?;
    let cause = check_cause(app, cur.project_id, cause).await?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let before = last_snapshot(&mut tx, id).await?;
    if cur.version == expected && domain::diff(&before, &domain::snapshot(&v)).is_empty() {
        let ips = store::ips_of_tx(&mut tx, id).await?;
        return Ok(CiView { row: cur, ips });
    }
    let o = Overwrite { cur: &cur, expected, v: &v, before: &before, by: &actor.username, now, cause };
    let (row, changes) = update_in(&mut tx, o).await?;
    record(
        &mut tx,
        Some(actor),
        now,
        Record {
            project_id: Some(row.project_id),
            code: audit::CI_UPDATE,
            entity_id: id.to_string(),
            summary: json!({ "changes": changes }),
        },
    )
    .await?;
    let ips = store::ips_of_tx(&mut tx, id).await?;
    tx.commit().await?;
    Ok(CiView { row, ips })
}

/// One CI with its addresses.
pub async fn get(app: &App, actor: &Actor, id: i64) -> Result<CiView, AppError> {
    let (row, _) = ci_access(app, actor, id, Permission::CmdbRead).await?;
    let ips = store::ips_of(&app.db, &[id]).await?;
    Ok(CiView { row, ips })
}

/// A page of a project's CIs, newest first. An `ip` filter is normalised first
/// (`010.1.2.3` is not an address; `::FFFF:10.1.2.3` is `10.1.2.3`).
pub async fn list(
    app: &App,
    actor: &Actor,
    code: &str,
    mut filter: CiFilter,
    limit: u64,
) -> Result<Vec<CiView>, AppError> {
    let access = authorize(app, actor, code, Permission::CmdbRead).await?;
    if let Some(ip) = &filter.ip {
        let parsed = CiIp::parse(ip).map_err(|reason| ValidationErrors::single("ip", reason))?;
        filter.ip = Some(parsed.to_string());
    }
    let rows = store::list(&app.db, access.project.id, &filter, limit).await?;
    with_ips(app, rows).await
}

/// The CIs with their addresses (read in one go, grouped by CI).
async fn with_ips(app: &App, rows: Vec<CiRow>) -> Result<Vec<CiView>, AppError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut by_ci = by_ci(store::ips_of(&app.db, &ids).await?);
    Ok(rows
        .into_iter()
        .map(|row| {
            let ips = by_ci.remove(&row.id).unwrap_or_default();
            CiView { row, ips }
        })
        .collect())
}

/// Addresses grouped by their CI, each CI's in stored order.
pub(crate) fn by_ci(ips: Vec<IpRow>) -> std::collections::HashMap<i64, Vec<IpRow>> {
    let mut m: std::collections::HashMap<i64, Vec<IpRow>> = std::collections::HashMap::new();
    for ip in ips {
        m.entry(ip.ci_id).or_default().push(ip);
    }
    m
}

/// What a lookup by address or host name found.
#[derive(Debug, Clone)]
pub struct IpLookup {
    /// CIs holding the address itself (or named so), live ones first.
    pub holders: Vec<CiView>,
    /// Subnets registered in the project that contain the address, narrowest first, with the
    /// CI each is registered on.
    pub subnets: Vec<(String, CiView)>,
}

/// Finds the CIs behind an address, a monitoring `instance` (`10.1.2.3:9100`) or a host name.
pub async fn lookup(app: &App, actor: &Actor, code: &str, query: &str) -> Result<IpLookup, AppError> {
    let access = authorize(app, actor, code, Permission::CmdbRead).await?;
    let pid = access.project.id;
    let Some(host) = domain::parse_instance(query) else {
        return Err(
            ValidationErrors::single("ip", "请填写 IP 地址、主机名或监控的 instance（如 10.1.2.3:9100）").into()
        );
    };
    match host {
        domain::InstanceHost::Hostname(h) => {
            let rows = store::by_hostname(&app.db, pid, &h).await?;
            Ok(IpLookup { holders: with_ips(app, rows).await?, subnets: Vec::new() })
        }
        domain::InstanceHost::Ip(addr) => {
            let text = CiIp::Addr(addr).to_string();
            let held = store::by_address(&app.db, pid, &text).await?;
            let mut ids: Vec<i64> = held.iter().map(|r| r.ci_id).collect();
            ids.dedup();
            let mut holders = with_ips(app, store::by_ids(&app.db, pid, &ids).await?).await?;
            holders.sort_by_key(|v| (!v.ips.iter().any(|i| i.address == text && i.live), v.row.id));
            let mut nets: Vec<(u8, String, i64)> = store::subnets(&app.db, pid)
                .await?
                .into_iter()
                .filter_map(|r| match CiIp::parse(&r.address) {
                    Ok(n @ CiIp::Net { prefix, .. }) if n.contains(addr) => Some((prefix, r.address, r.ci_id)),
                    _ => None,
                })
                .collect();
            nets.sort_by(|a, b| b.0.cmp(&a.0).then(a.2.cmp(&b.2)));
            let net_cis =
                with_ips(app, store::by_ids(&app.db, pid, &nets.iter().map(|n| n.2).collect::<Vec<_>>()).await?)
                    .await?;
            let subnets = nets
                .into_iter()
                .filter_map(|(_, net, ci)| net_cis.iter().find(|v| v.row.id == ci).map(|v| (net, v.clone())))
                .collect();
            Ok(IpLookup { holders, subnets })
        }
    }
}

/// Live addresses held by more than one live CI (what an import with checks off let through).
pub async fn conflicts(app: &App, actor: &Actor, code: &str) -> Result<Vec<IpRow>, AppError> {
    let access = authorize(app, actor, code, Permission::CmdbRead).await?;
    Ok(store::address_conflicts(&app.db, access.project.id).await?)
}

/// Relates a CI to another of the same project.
pub async fn add_relation(app: &App, actor: &Actor, id: i64, input: &RelationInput) -> Result<RelationView, AppError> {
    let (source, _) = ci_access(app, actor, id, Permission::CmdbWrite).await?;
    let v = input.validate(id)?;
    let target = match store::get(&app.db, v.target).await? {
        Some(t) if t.project_id == source.project_id => t,
        _ => return Err(ValidationErrors::single("target", format!("本项目没有配置项 {}", v.target)).into()),
    };
    let now = app.now();
    let row = RelationRow {
        id: 0,
        project_id: source.project_id,
        source_id: id,
        target_id: target.id,
        kind: v.kind.code().to_owned(),
        source_port: v.local_port.clone().unwrap_or_default(),
        target_port: v.remote_port.clone().unwrap_or_default(),
        created_at: now,
        created_by: actor.username.clone(),
    };
    let mut tx = app.db.begin().await?;
    let rid = match store::insert_relation(&mut tx, &row).await {
        Ok(rid) => rid,
        Err(yunwei_store::StoreError::Unique(_)) => {
            return Err(AppError::Conflict {
                field: "target".into(), reason: "这两个配置项之间已有这种关系".into()
            });
        }
        Err(e) => return Err(e.into()),
    };
    record(
        &mut tx,
        Some(actor),
        now,
        Record {
            project_id: Some(source.project_id),
            code: audit::RELATION_CREATE,
            entity_id: rid.to_string(),
            summary: json!({ "after": { "source": id, "kind": row.kind, "target": target.id,
                                        "source_port": row.source_port, "target_port": row.target_port } }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(RelationView { row: RelationRow { id: rid, ..row }, other: target, outgoing: true })
}

/// Removes a relation of a CI.
pub async fn delete_relation(app: &App, actor: &Actor, id: i64, relation: i64) -> Result<(), AppError> {
    let (ci, _) = ci_access(app, actor, id, Permission::CmdbWrite).await?;
    let mut tx = app.db.begin().await?;
    let Some(r) = store::relation_tx(&mut tx, relation).await?.filter(|r| r.source_id == id || r.target_id == id)
    else {
        return Err(AppError::NotFound(format!("配置项 {id} 没有关系 {relation}")));
    };
    store::delete_relation(&mut tx, relation).await?;
    record(
        &mut tx,
        Some(actor),
        app.now(),
        Record {
            project_id: Some(ci.project_id),
            code: audit::RELATION_DELETE,
            entity_id: relation.to_string(),
            summary: json!({ "before": { "source": r.source_id, "kind": r.kind, "target": r.target_id } }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The relations of a CI, from either end.
pub async fn relations(app: &App, actor: &Actor, id: i64) -> Result<Vec<RelationView>, AppError> {
    let (ci, _) = ci_access(app, actor, id, Permission::CmdbRead).await?;
    let rels = store::relations_of(&app.db, id).await?;
    let others: Vec<i64> = rels.iter().map(|r| if r.source_id == id { r.target_id } else { r.source_id }).collect();
    let cis = store::by_ids(&app.db, ci.project_id, &others).await?;
    Ok(rels
        .into_iter()
        .filter_map(|row| {
            let outgoing = row.source_id == id;
            let other_id = if outgoing { row.target_id } else { row.source_id };
            let other = cis.iter().find(|c| c.id == other_id)?.clone();
            Some(RelationView { row, other, outgoing })
        })
        .collect())
}

fn edges(rels: &[RelationRow]) -> Vec<Edge> {
    rels.iter()
        .filter_map(|r| {
            let kind = domain::RelationKind::parse(&r.kind)?;
            Some(Edge { source: r.source_id, target: r.target_id, kind })
        })
        .collect()
}

/// Everything a failure of the CI impacts, directly or transitively, nearest first.
pub async fn impact(app: &App, actor: &Actor, id: i64) -> Result<Vec<(Impacted, CiRow)>, AppError> {
    let (ci, _) = ci_access(app, actor, id, Permission::CmdbRead).await?;
    let rels = store::relations(&app.db, ci.project_id).await?;
    let hit = ImpactGraph::new(&edges(&rels)).impact(id);
    let rows = store::by_ids(&app.db, ci.project_id, &hit.iter().map(|i| i.id).collect::<Vec<_>>()).await?;
    let by_id: std::collections::HashMap<i64, CiRow> = rows.into_iter().map(|r| (r.id, r)).collect();
    Ok(hit.into_iter().filter_map(|i| by_id.get(&i.id).cloned().map(|r| (i, r))).collect())
}

/// The revisions of a CI, newest first.
pub async fn history(app: &App, actor: &Actor, id: i64) -> Result<Vec<RevisionRow>, AppError> {
    ci_access(app, actor, id, Permission::CmdbRead).await?;
    Ok(store::revisions(&app.db, id).await?)
}

/// The CI as it was recorded at `at` (its last revision then), or 404 if it did not exist yet.
pub async fn as_of(app: &App, actor: &Actor, id: i64, at: DateTime<Utc>) -> Result<RevisionRow, AppError> {
    ci_access(app, actor, id, Permission::CmdbRead).await?;
    store::revision_at(&app.db, id, at)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("配置项 {id} 在 {} 时尚未登记", at.to_rfc3339())))
}

/// The counts by type (the 信息资产统计 summary).
pub async fn counts(app: &App, actor: &Actor, code: &str) -> Result<Vec<(String, i64)>, AppError> {
    let access = authorize(app, actor, code, Permission::CmdbRead).await?;
    Ok(store::count_by_type(&app.db, access.project.id).await?)
}
