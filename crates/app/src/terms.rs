//! The terms a project works under: its contract versions compiled (calendars with the
//! administrator's holiday years), cached per process. Versions never change, so they are compiled
//! once; holiday years can, so an entry lives for [`TERMS_TTL`] only.

use std::sync::Arc;

use yunwei_domain::contract::CompiledContract;

use crate::App;
use crate::cache::{IDENTITY_TTL, TERMS_TTL};
use crate::error::AppError;

/// The compiled terms of contract version `contract_version_id`.
pub async fn of_version(app: &App, contract_version_id: i64) -> Result<Arc<CompiledContract>, AppError> {
    let load = || async {
        let row = yunwei_store::contract::by_id(&app.db, contract_version_id)
            .await?
            .ok_or_else(|| AppError::Internal(format!("contract version {contract_version_id} missing")))?;
        // A stored version was valid when it was applied; failing now is ours, not the caller's.
        let contract = yunwei_domain::contract::parse(&row.document)
            .map_err(|e| AppError::Internal(format!("stored contract version {contract_version_id}: {e}")))?;
        let extra = crate::holidays::stored(app).await?;
        Ok::<_, AppError>(Arc::new(CompiledContract::compile(contract, &extra)))
    };
    app.caches.terms.get_or_load(contract_version_id, app.now(), TERMS_TTL, load).await
}

/// The compiled terms of the contract a project's new work falls under (its newest version).
pub async fn current(app: &App, project_id: i64) -> Result<Arc<CompiledContract>, AppError> {
    let cv = current_version(app, project_id).await?;
    of_version(app, cv).await
}

/// The contract version new work of a project is opened under (its newest); a project without
/// a contract cannot compute deadlines (409 naming `contract`).
pub async fn current_version(app: &App, project_id: i64) -> Result<i64, AppError> {
    let load = || async {
        let row = yunwei_store::contract::latest(&app.db, project_id).await?.ok_or_else(|| AppError::Conflict {
            field: "contract".into(),
            reason: "本项目还没有生效的服务合同，无法计算服务时限".into(),
        })?;
        Ok::<_, AppError>(row.id)
    };
    app.caches.contracts.get_or_load(project_id, app.now(), IDENTITY_TTL, load).await
}
