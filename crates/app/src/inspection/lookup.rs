//! What the inspection pages name from other modules, read in one go for a whole page: the
//! incidents answers became and the CIs plans and forms name, always within the caller's project.

use std::collections::BTreeMap;

use yunwei_domain::identity::Permission;
use yunwei_store::cmdb::CiFilter;
use yunwei_store::inspection as store;

use crate::access::authorize;
use crate::actor::Actor;
use crate::{App, AppError};

/// An incident an answer became.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentRef {
    pub id: i64,
    /// `INC-2026-000003`.
    pub number: String,
    pub title: String,
    /// Status code (`servicedesk::Status`).
    pub status: String,
}

/// The incidents of project `code` among `ids`, by id, for a caller who may read its
/// inspections; an id of another project or of none is absent.
pub async fn incidents(
    app: &App,
    actor: &Actor,
    code: &str,
    ids: &[i64],
) -> Result<BTreeMap<i64, IncidentRef>, AppError> {
    let access = authorize(app, actor, code, Permission::InspectionRead).await?;
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    Ok(store::incident_refs(&app.db, access.project.id, &ids)
        .await?
        .into_iter()
        .map(|r| (r.id, IncidentRef { id: r.id, number: r.number, title: r.title, status: r.status }))
        .collect())
}

/// The names of project `code`'s CIs among `ids`, by id (a plan's CIs), for a caller who may
/// read its inspections.
pub async fn ci_names(app: &App, actor: &Actor, code: &str, ids: &[i64]) -> Result<BTreeMap<i64, String>, AppError> {
    let access = authorize(app, actor, code, Permission::InspectionRead).await?;
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    Ok(yunwei_store::cmdb::by_ids(&app.db, access.project.id, &ids)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect())
}

/// A CI to pick in a planning form.
#[derive(Debug, Clone, PartialEq)]
pub struct CiChoice {
    pub id: i64,
    pub name: String,
    /// CMDB type code.
    pub kind: String,
}

/// CIs the planning forms offer at most.
pub const MAX_CI_CHOICES: u64 = 2000;

/// The CIs of project `code` a planning form offers (newest first, at most
/// [`MAX_CI_CHOICES`]); none for a caller who may not read the CMDB.
pub async fn ci_choices(app: &App, actor: &Actor, code: &str) -> Result<Vec<CiChoice>, AppError> {
    let access = authorize(app, actor, code, Permission::InspectionRead).await?;
    if !access.roles.grants(Permission::CmdbRead) {
        return Ok(Vec::new());
    }
    let rows = yunwei_store::cmdb::list(&app.db, access.project.id, &CiFilter::default(), MAX_CI_CHOICES).await?;
    Ok(rows.into_iter().map(|c| CiChoice { id: c.id, name: c.name, kind: c.kind }).collect())
}
