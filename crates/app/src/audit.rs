//! Writing, browsing and verifying the audit trail.

use chrono::{DateTime, Utc};
use serde_json::Value;
use yunwei_domain::audit::{
    AuditEntry, ChainBreak, ChainCursor, GENESIS_HASH, GLOBAL_CHAIN, project_chain, verify_entries, verify_head,
};
use yunwei_domain::identity::Permission;
use yunwei_store::Tx;
use yunwei_store::audit::{self as store, AuditFilter, AuditRow};

use crate::identity::Actor;
use crate::project::authorize;
use crate::{App, AppError};

/// What one use case records about itself.
pub struct Change<'a> {
    /// Project the change belongs to, if any.
    pub project_id: Option<i64>,
    /// Kind of thing (`user`, `project`, `membership`, `api_token`, `session`).
    pub entity: &'a str,
    /// Its id.
    pub entity_id: String,
    /// What was done.
    pub action: &'a str,
    /// Before/after summary (never secrets, never patient data).
    pub summary: Value,
}

/// Appends `change` to its chain inside `tx`. Call it in the same transaction as the change.
pub async fn record(
    tx: &mut Tx,
    actor: Option<&Actor>,
    at: DateTime<Utc>,
    change: Change<'_>,
) -> Result<i64, AppError> {
    let chain = change.project_id.map(project_chain).unwrap_or_else(|| GLOBAL_CHAIN.to_owned());
    let head = store::lock_head(tx, &chain).await?;
    let (seq, prev_hash) = match head {
        Some(h) => (h.last_seq + 1, h.last_hash),
        None => (1, GENESIS_HASH.to_owned()),
    };
    let mut e = AuditEntry {
        id: 0,
        chain,
        seq,
        at,
        actor_id: actor.map(|a| a.user_id),
        actor_name: actor.map(|a| a.username.clone()).unwrap_or_else(|| "system".into()),
        project_id: change.project_id,
        entity: change.entity.to_owned(),
        entity_id: change.entity_id,
        action: change.action.to_owned(),
        summary: change.summary.to_string(),
        prev_hash,
        hash: String::new(),
    };
    e.hash = e.compute_hash();
    Ok(store::append(tx, &e).await?)
}

/// Result of verifying every chain.
#[derive(Debug)]
pub struct VerifyReport {
    /// Chains checked.
    pub chains: usize,
    /// Entries checked.
    pub entries: usize,
}

/// Verifies every chain from its first entry; the inner error names the first bad entry.
/// Reads in pages so a trail of millions of entries needs little memory.
pub async fn verify_all(
    app: &App,
    mut progress: impl FnMut(usize),
) -> Result<Result<VerifyReport, ChainBreak>, AppError> {
    const PAGE: u64 = 5000;
    let heads = store::heads(&app.db).await?;
    let mut chains = store::chains(&app.db).await?;
    for h in &heads {
        if !chains.contains(&h.chain) {
            chains.push(h.chain.clone());
        }
    }
    let mut total = 0;
    for chain in &chains {
        let mut cursor = ChainCursor::default();
        loop {
            let page: Vec<AuditEntry> = store::chain_page(&app.db, chain, cursor.next_seq - 1, PAGE)
                .await?
                .into_iter()
                .map(AuditEntry::from)
                .collect();
            // A deleted entry leaves a gap; fetch by seq > last verified seq so the gap is seen.
            cursor = match verify_entries(chain, &page, cursor) {
                Ok(c) => c,
                Err(b) => return Ok(Err(b)),
            };
            total += page.len();
            progress(total);
            if (page.len() as u64) < PAGE {
                break;
            }
        }
        let head = heads.iter().find(|h| &h.chain == chain).map(|h| (h.last_seq, h.last_hash.as_str()));
        if let Err(b) = verify_head(chain, &cursor, head) {
            return Ok(Err(b));
        }
    }
    Ok(Ok(VerifyReport { chains: chains.len(), entries: total }))
}

/// A page of a project's trail for someone allowed to read it.
pub async fn list(
    app: &App,
    actor: &Actor,
    project_code: &str,
    filter: &AuditFilter,
    limit: u64,
) -> Result<Vec<AuditRow>, AppError> {
    let p = authorize(app, actor, project_code, Permission::AuditRead).await?;
    Ok(store::list_for_project(&app.db, p.project.id, filter, limit.clamp(1, 200)).await?)
}
