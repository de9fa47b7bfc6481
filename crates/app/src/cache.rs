//! Short-lived caches of what almost every request reads: who a token belongs to, a project and
//! the caller's roles in it, a project's current contract version, compiled contract terms.
//!
//! Every use case in this process that changes one of these clears the cache it affects after
//! committing, so this instance never serves a stale answer for its own changes. Another instance
//! on the same PostgreSQL database sees such a change within [`IDENTITY_TTL`] (for terms,
//! [`TERMS_TTL`]): a revoked token or a withdrawn role stops working there within seconds.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use yunwei_domain::identity::RoleSet;
use yunwei_store::project::ProjectRow;

use crate::Actor;
use yunwei_domain::contract::CompiledContract;

/// How long a token, a project or a membership is trusted without reading it again.
pub const IDENTITY_TTL: Duration = Duration::seconds(10);
/// How long compiled contract terms are reused before holiday years are read again.
pub const TERMS_TTL: Duration = Duration::seconds(60);
/// Entries kept per cache before it starts over (bounds memory under a flood of distinct keys).
const MAX_ENTRIES: usize = 50_000;

/// A map whose entries expire at a time of the app's clock (tests move that clock).
pub struct TtlCache<K, V>(Mutex<HashMap<K, (DateTime<Utc>, V)>>);

impl<K, V> Default for TtlCache<K, V> {
    fn default() -> Self {
        Self(Mutex::new(HashMap::new()))
    }
}

impl<K: Eq + Hash, V: Clone> TtlCache<K, V> {
    /// The value under `key` if it is still valid at `now`.
    pub fn get(&self, key: &K, now: DateTime<Utc>) -> Option<V> {
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.get(key).filter(|(until, _)| now < *until).map(|(_, v)| v.clone())
    }

    /// Keeps `value` under `key` until `until`.
    pub fn put(&self, key: K, value: V, until: DateTime<Utc>) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(key, (until, value));
    }

    /// The valid value under `key`, or what `load` gives (kept until `now + ttl`).
    pub async fn get_or_load<E, Fut>(
        &self,
        key: K,
        now: DateTime<Utc>,
        ttl: Duration,
        load: impl FnOnce() -> Fut,
    ) -> Result<V, E>
    where
        Fut: std::future::Future<Output = Result<V, E>>,
    {
        if let Some(v) = self.get(&key, now) {
            return Ok(v);
        }
        let v = load().await?;
        self.put(key, v.clone(), now + ttl);
        Ok(v)
    }

    /// Forgets everything.
    pub fn clear(&self) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

/// The caches of one [`crate::App`].
#[derive(Default)]
pub struct Caches {
    /// Token hash → the caller it authenticates.
    pub actors: TtlCache<String, Actor>,
    /// Project code → project.
    pub projects_by_code: TtlCache<String, ProjectRow>,
    /// Project id → project.
    pub projects_by_id: TtlCache<i64, ProjectRow>,
    /// (project id, user id) → roles held there.
    pub roles: TtlCache<(i64, i64), RoleSet>,
    /// Project id → its newest contract version id (what new incidents are opened under).
    pub contracts: TtlCache<i64, i64>,
    /// Contract version id → compiled terms.
    pub terms: TtlCache<i64, Arc<CompiledContract>>,
}

impl Caches {
    /// After a change to users, sessions, tokens, projects or memberships.
    pub fn identity_changed(&self) {
        self.actors.clear();
        self.projects_by_code.clear();
        self.projects_by_id.clear();
        self.roles.clear();
    }

    /// After a contract version is applied.
    pub fn contract_applied(&self) {
        self.contracts.clear();
    }

    /// After holiday years change: terms compile them in.
    pub fn terms_changed(&self) {
        self.terms.clear();
    }
}
