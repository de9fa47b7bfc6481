//! Reading incidents: one with its live clocks, a project's list, and the incidents related to
//! one (the same configuration items, about the same time).

use yunwei_domain::contract::ClockKind;
use yunwei_domain::id::IncidentId;
use yunwei_domain::identity::Permission;
use yunwei_store::incident::{self as store, IncidentFilter, IncidentRow};

use super::clocks::{clock_events, clocks_of};
use super::view::{Incident, IncidentView, ci_of};
use crate::access::{ProjectAccess, ProjectScoped, authorize, authorize_entity};
use crate::actor::Actor;
use crate::{App, AppError};

pub(super) fn not_found(id: i64) -> AppError {
    AppError::NotFound(format!("故障 {id} 不存在"))
}

impl ProjectScoped for IncidentRow {
    fn project_id(&self) -> yunwei_domain::id::ProjectId {
        yunwei_domain::id::ProjectId::new(self.project_id)
    }
}

pub(super) async fn access_to(
    app: &App,
    actor: &Actor,
    row: &IncidentRow,
    p: Permission,
) -> Result<ProjectAccess, AppError> {
    authorize_entity(app, actor, row, p, || not_found(row.id)).await
}

/// An incident with live clocks.
pub async fn get(app: &App, actor: &Actor, id: IncidentId) -> Result<IncidentView, AppError> {
    let id = id.get();
    let (row, events) = store::get_with_events(&app.db, id).await?.ok_or_else(|| not_found(id))?;
    access_to(app, actor, &row, Permission::IncidentRead).await?;
    let t = crate::terms::of_version(app, row.contract_version_id).await?;
    let clocks = clocks_of(&t, &row, &clock_events(&events), app.now())?;
    IncidentView::load(app, row, clocks, events).await
}

/// A page of a project's incidents, newest first (clocks from the stored snapshot).
pub async fn list(
    app: &App,
    actor: &Actor,
    code: &str,
    filter: IncidentFilter,
    limit: u64,
) -> Result<Vec<Incident>, AppError> {
    let access = authorize(app, actor, code, Permission::IncidentRead).await?;
    store::list(&app.db, access.project.id, &filter, limit).await?.into_iter().map(Incident::from_row).collect()
}

/// Whether incident `id` is in the project the caller was authorised for (`access`, which must
/// let them read incidents): an incident of another project is as missing as one that does not
/// exist.
pub async fn in_project(app: &App, access: &ProjectAccess, id: IncidentId) -> Result<(), AppError> {
    let id = id.get();
    if !access.roles.grants(Permission::IncidentRead) {
        return Err(not_found(id));
    }
    match store::get(&app.db, id).await? {
        Some(r) if r.project_id == access.project.id => Ok(()),
        _ => Err(not_found(id)),
    }
}

/// How far apart two incidents may have been reported to count as related.
const RELATED_WINDOW_HOURS: i64 = 1;

/// The other incidents of its project that name one of incident `id`'s configuration items and
/// were reported within an hour of it, newest first (none when it names no CI).
pub async fn related(app: &App, actor: &Actor, id: IncidentId) -> Result<Vec<Incident>, AppError> {
    let id = id.get();
    let row = store::get(&app.db, id).await?.ok_or_else(|| not_found(id))?;
    access_to(app, actor, &row, Permission::IncidentRead).await?;
    let ci = ci_of(&row)?;
    if ci.is_empty() {
        return Ok(Vec::new());
    }
    let window = chrono::Duration::hours(RELATED_WINDOW_HOURS);
    let filter = IncidentFilter {
        reported_from: Some(row.reported_at - window),
        reported_to: Some(row.reported_at + window),
        ..Default::default()
    };
    let mut out = Vec::new();
    for other in store::list(&app.db, row.project_id, &filter, 200).await? {
        if other.id == row.id {
            continue;
        }
        let other = Incident::from_row(other)?;
        if other.ci.iter().any(|c| ci.contains(c)) {
            out.push(other);
        }
    }
    Ok(out)
}

/// The clock kinds in API order.
pub fn clock_kinds() -> [ClockKind; 4] {
    ClockKind::ALL
}

/// One pass of the search indexer: indexes every incident written since the last pass (see
/// `store::incident::index_unindexed_text`); returns how many. On PostgreSQL each insert carries
/// its bigrams, so this finds nothing to do.
pub async fn index_text(app: &App) -> Result<u64, AppError> {
    Ok(store::index_unindexed_text(&app.db).await?)
}

/// Fills the search index behind the writes, every `interval`, forever (the `serve` background
/// indexer, [`index_text`] in a loop). A failed pass is logged and retried. On PostgreSQL there
/// is nothing to do.
pub async fn run_text_indexer(app: App, interval: std::time::Duration) {
    if app.db.backend() == yunwei_store::Backend::Postgres {
        return;
    }
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = index_text(&app).await {
            tracing::error!(error = %e, "search indexing pass failed");
        }
    }
}
