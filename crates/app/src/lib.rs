//! Use cases of yunwei. Each public use case checks permissions, runs in one transaction and
//! writes its audit entry inside that transaction, so nothing is half-written and every change is
//! on the trail.

pub mod audit;
pub mod cache;
pub mod clock;
pub mod cmdb;
pub mod contract;
pub mod daily_log;
pub mod demo;
mod demo_cmdb;
mod demo_inspection;
pub mod error;
pub mod holidays;
pub mod identity;
pub mod incident;
pub mod inspection;
pub mod inspection_plan;
pub mod monitoring;
pub mod notify;
pub mod project;
pub mod tabular;

use std::sync::Arc;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::AppError;
pub use identity::Actor;
use yunwei_store::Db;

/// Settings of the app layer (sessions and login throttling).
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// Idle lifetime of a session, in minutes.
    pub session_idle_minutes: i64,
    /// Failed logins for one username within `throttle_window_minutes` that lock it.
    pub max_failed_logins: i64,
    /// Window in which failures are counted, in minutes.
    pub throttle_window_minutes: i64,
    /// How long a locked username stays locked, in minutes.
    pub lockout_minutes: i64,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self { session_idle_minutes: 12 * 60, max_failed_logins: 5, throttle_window_minutes: 15, lockout_minutes: 15 }
    }
}

/// The application: database, clock and settings. Cheap to clone.
#[derive(Clone)]
pub struct App {
    /// The database.
    pub db: Db,
    /// Where "now" comes from (a manual clock in tests).
    pub clock: Arc<dyn Clock>,
    /// Session and login settings.
    pub auth: AuthSettings,
    /// Escalation and delivery settings.
    pub notify: Arc<notify::NotifySettings>,
    /// Tokens, projects, memberships and contract terms read recently.
    pub caches: Arc<cache::Caches>,
}

impl App {
    /// Builds the app over an open, migrated database.
    pub fn new(db: Db, clock: Arc<dyn Clock>, auth: AuthSettings) -> Self {
        Self { db, clock, auth, notify: Arc::new(notify::NotifySettings::default()), caches: Arc::default() }
    }

    /// The same app with other notification settings.
    pub fn with_notify(mut self, settings: notify::NotifySettings) -> Self {
        self.notify = Arc::new(settings);
        self
    }

    /// The current instant, truncated to microseconds (PostgreSQL's precision) so that what is
    /// hashed into the audit chain is exactly what is stored.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        clock::truncate_micros(self.clock.now())
    }
}

/// Installs rustls' ring provider once (lettre and reqwest both use rustls; the process must
/// pick one provider before the first TLS connection).
pub fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
