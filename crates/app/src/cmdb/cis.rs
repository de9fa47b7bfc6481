//! Recording, changing, reading and listing CIs.

use serde_json::json;
use yunwei_domain::ValidationErrors;
use yunwei_domain::cmdb::{self as domain, CiInput, CiIp, audit};
use yunwei_domain::id::CiId;
use yunwei_domain::identity::Permission;
use yunwei_store::cmdb::{self as store, CiFilter, CiRow, IpRow, LinkedIncident};

use super::record::{Overwrite, insert_in, last_snapshot, update_in};
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

pub(super) fn not_found(id: i64) -> AppError {
    AppError::NotFound(format!("配置项 {id} 不存在"))
}

/// The CI and the caller's access to its project; 404 outside the project.
pub(super) async fn ci_access(
    app: &App,
    actor: &Actor,
    id: i64,
    p: Permission,
) -> Result<(CiRow, ProjectAccess), AppError> {
    load_entity(app, actor, store::get(&app.db, id).await?, p, || not_found(id)).await
}

impl ProjectScoped for CiRow {
    fn project_id(&self) -> yunwei_domain::id::ProjectId {
        yunwei_domain::id::ProjectId::new(self.project_id)
    }
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
    id: CiId,
    expected_version: Option<i64>,
    input: &CiInput,
    cause: Option<&str>,
) -> Result<CiView, AppError> {
    let id = id.get();
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
pub async fn get(app: &App, actor: &Actor, id: CiId) -> Result<CiView, AppError> {
    let id = id.get();
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
pub(super) async fn with_ips(app: &App, rows: Vec<CiRow>) -> Result<Vec<CiView>, AppError> {
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

/// The counts by type (the 信息资产统计 summary).
pub async fn counts(app: &App, actor: &Actor, code: &str) -> Result<Vec<(String, i64)>, AppError> {
    let access = authorize(app, actor, code, Permission::CmdbRead).await?;
    Ok(store::count_by_type(&app.db, access.project.id).await?)
}

/// The incidents that name a CI, newest first (the latest `limit`).
pub async fn incidents(app: &App, actor: &Actor, id: CiId, limit: u64) -> Result<Vec<LinkedIncident>, AppError> {
    let id = id.get();
    ci_access(app, actor, id, Permission::CmdbRead).await?;
    Ok(store::incidents_of(&app.db, id, limit).await?)
}
