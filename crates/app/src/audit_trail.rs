//! Browsing and verifying the audit trail.

use chrono::{DateTime, Utc};
use serde_json::Value;
use yunwei_domain::audit::{AuditEntry, ChainBreak, ChainCursor, verify_entries, verify_head};
use yunwei_domain::identity::Permission;
use yunwei_store::audit::{self as store, AuditRow};

use crate::access::authorize;
use crate::actor::Actor;
use crate::{App, AppError};

/// Filters of a project's trail.
pub use yunwei_store::audit::AuditFilter;

/// One entry of a project's trail as a reader sees it.
#[derive(Debug, Clone)]
pub struct TrailEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// Username, or `system`.
    pub actor: String,
    pub entity: String,
    pub entity_id: String,
    pub action: String,
    /// The before/after summary; an entry whose summary is not JSON shows it as a string.
    pub summary: Value,
    /// Position in the project's chain.
    pub seq: i64,
    pub hash: String,
}

impl From<AuditRow> for TrailEntry {
    fn from(r: AuditRow) -> Self {
        // The stored text stays as written (the chain hashes it); only this view parses it.
        let summary = serde_json::from_str(&r.summary).unwrap_or(Value::String(r.summary));
        TrailEntry {
            id: r.id,
            at: r.at,
            actor: r.actor_name,
            entity: r.entity,
            entity_id: r.entity_id,
            action: r.action,
            summary,
            seq: r.seq,
            hash: r.hash,
        }
    }
}

/// Result of verifying every chain.
#[derive(Debug, Clone, PartialEq, Eq)]
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
) -> Result<Vec<TrailEntry>, AppError> {
    let p = authorize(app, actor, project_code, Permission::AuditRead).await?;
    let rows = store::list_for_project(&app.db, p.project.id, filter, limit.clamp(1, 200)).await?;
    Ok(rows.into_iter().map(TrailEntry::from).collect())
}
