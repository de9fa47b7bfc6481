//! Saving a CI: its row, its addresses (refusing one a live CI already holds) and a revision of
//! what changed. Shared by the single-record use cases and the spreadsheet import.

use chrono::{DateTime, Utc};
use serde_json::Value;
use yunwei_domain::cmdb::{self as domain, CiIp, ValidCi};
use yunwei_store::cmdb::{self as store, CiRow, RevisionRow};

use crate::AppError;

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
        attributes: v.attributes.clone(),
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

async fn add_revision(
    tx: &mut yunwei_store::Tx,
    row: &CiRow,
    snapshot: &Value,
    before: &Value,
    by: &str,
    cause: Option<String>,
) -> Result<Vec<domain::FieldChange>, AppError> {
    let changes = domain::diff(before, snapshot);
    let rev = RevisionRow {
        id: 0,
        project_id: row.project_id,
        ci_id: row.id,
        revision: row.version,
        at: row.updated_at,
        actor: by.to_owned(),
        snapshot: snapshot.clone(),
        changes: changes.clone(),
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
    Ok(before.map(|r| r.snapshot).unwrap_or(Value::Null))
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
) -> Result<(CiRow, Vec<domain::FieldChange>), AppError> {
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
