//! Writing the audit trail: [`record`] appends one entry to its project's hash chain inside the
//! use case's own transaction. The bottom of the app layer: it uses no other module of it
//! (browsing and verifying the trail is `audit_trail`).

use chrono::{DateTime, Utc};
use serde_json::Value;
use yunwei_domain::audit::{AuditCode, AuditEntry, GENESIS_HASH, GLOBAL_CHAIN, project_chain};
use yunwei_store::Tx;
use yunwei_store::audit as store;

use crate::actor::Actor;
use crate::error::AppError;

/// What one use case records about itself.
pub struct Record {
    /// Project the entry belongs to, if any (else the global chain).
    pub project_id: Option<i64>,
    /// What it is about and what was done: a code its module declares.
    pub code: AuditCode,
    /// The entity's id.
    pub entity_id: String,
    /// Before/after summary (never secrets, never patient data).
    pub summary: Value,
}

/// Appends `entry` to its chain inside `tx`. Call it in the same transaction as the entry.
pub async fn record(tx: &mut Tx, actor: Option<&Actor>, at: DateTime<Utc>, entry: Record) -> Result<i64, AppError> {
    let chain = entry.project_id.map(project_chain).unwrap_or_else(|| GLOBAL_CHAIN.to_owned());
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
        actor_id: actor.map(|a| a.user_id.get()),
        actor_name: actor.map(|a| a.username.clone()).unwrap_or_else(|| "system".into()),
        project_id: entry.project_id,
        entity: entry.code.entity.to_owned(),
        entity_id: entry.entity_id,
        action: entry.code.action.to_owned(),
        summary: entry.summary.to_string(),
        prev_hash,
        hash: String::new(),
    };
    e.hash = e.compute_hash();
    Ok(store::append(tx, &e).await?)
}
