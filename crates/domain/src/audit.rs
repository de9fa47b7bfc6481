//! The audit trail's hash chain (seed 002 §12 and seed 000 §3.2 ask that every change and every
//! manual data operation be traceable). Entries form one chain per project plus one global chain;
//! each entry stores the hash of its predecessor, so an edit or a deletion made directly in the
//! database breaks the chain at a point `verify_chain` names.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// `prev_hash` of the first entry of every chain.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Chain key of entries that belong to no project (users, organisations).
pub const GLOBAL_CHAIN: &str = "global";

/// Chain key of a project's entries.
pub fn project_chain(project_id: i64) -> String {
    format!("p:{project_id}")
}

/// One audit entry as stored; every field takes part in the hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Database id (not hashed: it is assigned by the database).
    pub id: i64,
    /// Chain key (`global` or `p:{project_id}`).
    pub chain: String,
    /// Position in the chain, from 1 without gaps.
    pub seq: i64,
    /// When the change happened (UTC, microsecond precision).
    pub at: DateTime<Utc>,
    /// Acting user, if any (the CLI acting as the system has none).
    pub actor_id: Option<i64>,
    /// Acting user's name at the time, or `system`.
    pub actor_name: String,
    /// Project the change belongs to.
    pub project_id: Option<i64>,
    /// Kind of thing changed (`user`, `project`, `membership`, …).
    pub entity: String,
    /// Id of the thing changed.
    pub entity_id: String,
    /// What was done (`create`, `update`, `grant`, `login` …).
    pub action: String,
    /// JSON summary of before/after.
    pub summary: String,
    /// Hash of the previous entry in the chain.
    pub prev_hash: String,
    /// Hash of this entry.
    pub hash: String,
}

impl AuditEntry {
    /// Computes the hash over every field except `id` and `hash`.
    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        let at = self.at.to_rfc3339_opts(SecondsFormat::Micros, true);
        let actor_id = self.actor_id.map(|v| v.to_string()).unwrap_or_default();
        let project_id = self.project_id.map(|v| v.to_string()).unwrap_or_default();
        let seq = self.seq.to_string();
        for part in [
            self.chain.as_str(),
            seq.as_str(),
            at.as_str(),
            actor_id.as_str(),
            self.actor_name.as_str(),
            project_id.as_str(),
            self.entity.as_str(),
            self.entity_id.as_str(),
            self.action.as_str(),
            self.summary.as_str(),
            self.prev_hash.as_str(),
        ] {
            // Length-prefixing makes the encoding unambiguous ("ab"+"c" ≠ "a"+"bc").
            h.update((part.len() as u64).to_be_bytes());
            h.update(part.as_bytes());
        }
        hex::encode(h.finalize())
    }
}

/// Where and why a chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit chain {chain} broken at entry id {entry_id} (seq {seq}): {reason}")]
pub struct ChainBreak {
    /// The chain.
    pub chain: String,
    /// Database id of the first bad entry (or of the last good one when the tail was removed).
    pub entry_id: i64,
    /// Its sequence number.
    pub seq: i64,
    /// What is wrong.
    pub reason: String,
}

/// Where verification of a chain stands: the next expected sequence number and the hash the
/// next entry must point back to. Lets a long chain be verified page by page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainCursor {
    /// Sequence number the next entry must carry.
    pub next_seq: i64,
    /// Hash the next entry's `prev_hash` must equal.
    pub prev_hash: String,
    /// Database id of the last verified entry (0 before the first).
    pub last_id: i64,
}

impl Default for ChainCursor {
    fn default() -> Self {
        Self { next_seq: 1, prev_hash: GENESIS_HASH.to_owned(), last_id: 0 }
    }
}

/// Checks `entries` (in `seq` order) continuing from `cursor`; returns the cursor after them.
pub fn verify_entries(chain: &str, entries: &[AuditEntry], mut cursor: ChainCursor) -> Result<ChainCursor, ChainBreak> {
    for e in entries {
        let brk = |reason: String| ChainBreak { chain: chain.to_owned(), entry_id: e.id, seq: e.seq, reason };
        if e.seq != cursor.next_seq {
            return Err(brk(format!("expected seq {}, found {} (entries deleted)", cursor.next_seq, e.seq)));
        }
        if e.prev_hash != cursor.prev_hash {
            return Err(brk("prev_hash does not match the previous entry".into()));
        }
        if e.compute_hash() != e.hash {
            return Err(brk("content does not match its hash (entry edited)".into()));
        }
        cursor = ChainCursor { next_seq: e.seq + 1, prev_hash: e.hash.clone(), last_id: e.id };
    }
    Ok(cursor)
}

/// Checks that the separately recorded chain head (last seq and hash) matches where
/// verification ended; this catches a deleted tail.
pub fn verify_head(chain: &str, end: &ChainCursor, head: Option<(i64, &str)>) -> Result<(), ChainBreak> {
    let last_seq = end.next_seq - 1;
    let (head_seq, head_hash) = head.unwrap_or((0, GENESIS_HASH));
    if head_seq != last_seq || head_hash != end.prev_hash {
        return Err(ChainBreak {
            chain: chain.to_owned(),
            entry_id: end.last_id,
            seq: last_seq,
            reason: format!(
                "chain head records seq {head_seq} but the last entry is seq {last_seq} (entries deleted or head altered)"
            ),
        });
    }
    Ok(())
}

/// Checks a whole chain held in memory: entries, then the head. Returns the number of entries.
pub fn verify_chain(chain: &str, entries: &[AuditEntry], head: Option<(i64, &str)>) -> Result<usize, ChainBreak> {
    let end = verify_entries(chain, entries, ChainCursor::default())?;
    verify_head(chain, &end, head)?;
    Ok(entries.len())
}

/// Audited entity kinds with their Chinese names (filters and labels of the audit page).
pub const ENTITIES: &[(&str, &str)] = &[
    ("project", "服务项目"),
    ("membership", "项目成员"),
    ("user", "用户"),
    ("session", "会话"),
    ("api_token", "API 令牌"),
    ("organization", "机构"),
    ("department", "科室"),
];

/// Audited actions with their Chinese names.
pub const ACTIONS: &[(&str, &str)] = &[
    ("create", "新建"),
    ("update", "修改"),
    ("grant", "授予角色"),
    ("revoke", "撤销"),
    ("login", "登录"),
    ("logout", "退出登录"),
    ("login_locked", "登录锁定"),
    ("set_password", "设置密码"),
    ("set_admin", "设置系统管理员"),
];

fn label<'a>(table: &[(&str, &'static str)], code: &'a str) -> &'a str {
    table.iter().find(|(c, _)| *c == code).map(|(_, l)| *l).unwrap_or(code)
}

/// Chinese name of an audited entity kind (the code itself when unknown).
pub fn entity_label(entity: &str) -> &str {
    label(ENTITIES, entity)
}

/// Chinese name of an audited action (the code itself when unknown).
pub fn action_label(action: &str) -> &str {
    label(ACTIONS, action)
}

/// Before/after summary of an update: only the keys whose values differ, so the trail shows what
/// changed rather than two full copies.
pub fn diff_summary(before: &Value, after: &Value) -> Value {
    let (Some(b), Some(a)) = (before.as_object(), after.as_object()) else {
        return serde_json::json!({ "before": before, "after": after });
    };
    let mut bo = Map::new();
    let mut ao = Map::new();
    for (k, av) in a {
        let bv = b.get(k).unwrap_or(&Value::Null);
        if bv != av {
            bo.insert(k.clone(), bv.clone());
            ao.insert(k.clone(), av.clone());
        }
    }
    for (k, bv) in b {
        if !a.contains_key(k) {
            bo.insert(k.clone(), bv.clone());
            ao.insert(k.clone(), Value::Null);
        }
    }
    serde_json::json!({ "before": bo, "after": ao })
}

/// What an audit entry is about and what was done, as stored in `entity` and `action`. Every
/// module declares its codes once (its `audit` module: `servicedesk::audit::INCIDENT_CREATE` …),
/// so no use case writes a free string and a search of the trail can list every code there is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AuditCode {
    /// Kind of thing (`incident`, `ci`, `user` …).
    pub entity: &'static str,
    /// What was done to it (`create`, `update`, an event kind …).
    pub action: &'static str,
}

impl AuditCode {
    /// A code of `entity` and `action`.
    pub const fn new(entity: &'static str, action: &'static str) -> Self {
        Self { entity, action }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn chain_of(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|i| {
                let mut e = AuditEntry {
                    id: i * 10,
                    chain: "p:1".into(),
                    seq: i,
                    at: Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 0).single().unwrap_or_default(),
                    actor_id: Some(7),
                    actor_name: "engineer".into(),
                    project_id: Some(1),
                    entity: "project".into(),
                    entity_id: "1".into(),
                    action: "update".into(),
                    summary: format!("{{\"n\":{i}}}"),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                e.hash = e.compute_hash();
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    #[test]
    fn intact_chain_verifies() {
        let c = chain_of(5);
        let head = (5, c[4].hash.as_str());
        assert_eq!(verify_chain("p:1", &c, Some(head)), Ok(5));
    }

    #[test]
    fn edited_entry_is_named() {
        let mut c = chain_of(5);
        let head_hash = c[4].hash.clone();
        c[2].summary = "{\"n\":99}".into();
        let err = verify_chain("p:1", &c, Some((5, &head_hash))).err();
        assert_eq!(err.map(|e| (e.entry_id, e.seq)), Some((30, 3)));
    }

    #[test]
    fn deleted_middle_entry_is_named() {
        let mut c = chain_of(5);
        let head_hash = c[4].hash.clone();
        c.remove(1);
        let err = verify_chain("p:1", &c, Some((5, &head_hash))).err();
        assert_eq!(err.map(|e| e.seq), Some(3));
    }

    #[test]
    fn deleted_tail_is_caught_by_the_head() {
        let mut c = chain_of(5);
        let head_hash = c[4].hash.clone();
        c.pop();
        let err = verify_chain("p:1", &c, Some((5, &head_hash))).err();
        assert_eq!(err.map(|e| e.entry_id), Some(40));
    }

    #[test]
    fn recomputed_hash_after_edit_still_breaks_the_link() {
        let mut c = chain_of(3);
        let head_hash = c[2].hash.clone();
        c[1].summary = "{}".into();
        c[1].hash = c[1].compute_hash();
        let err = verify_chain("p:1", &c, Some((3, &head_hash))).err();
        assert_eq!(err.map(|e| e.seq), Some(3));
    }

    #[test]
    fn diff_summary_keeps_only_changed_keys() {
        let b = serde_json::json!({"name": "A", "tz": "Asia/Shanghai"});
        let a = serde_json::json!({"name": "B", "tz": "Asia/Shanghai"});
        assert_eq!(diff_summary(&b, &a), serde_json::json!({"before": {"name": "A"}, "after": {"name": "B"}}));
    }
}
