//! A CI's revisions and the record in force at an instant.

use chrono::{DateTime, Utc};
use yunwei_domain::id::CiId;
use yunwei_domain::identity::Permission;
use yunwei_store::cmdb::{self as store, RevisionRow};

use super::cis::ci_access;
use crate::actor::Actor;
use crate::{App, AppError};

/// The revisions of a CI, newest first.
pub async fn history(app: &App, actor: &Actor, id: CiId) -> Result<Vec<RevisionRow>, AppError> {
    let id = id.get();
    ci_access(app, actor, id, Permission::CmdbRead).await?;
    Ok(store::revisions(&app.db, id).await?)
}

/// A page of a CI's revisions, newest first: at most `limit`, below revision `before` if given.
pub async fn history_page(
    app: &App,
    actor: &Actor,
    id: CiId,
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<RevisionRow>, AppError> {
    let id = id.get();
    ci_access(app, actor, id, Permission::CmdbRead).await?;
    Ok(store::revisions_page(&app.db, id, before, limit).await?)
}

/// The CI as it was recorded at `at` (its last revision then), or 404 if it did not exist yet.
pub async fn as_of(app: &App, actor: &Actor, id: CiId, at: DateTime<Utc>) -> Result<RevisionRow, AppError> {
    let id = id.get();
    ci_access(app, actor, id, Permission::CmdbRead).await?;
    store::revision_at(&app.db, id, at)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("配置项 {id} 在 {} 时尚未登记", at.to_rfc3339())))
}
