//! Use cases of yunwei. Each public use case checks permissions, runs in one transaction and
//! writes its audit entry inside that transaction, so nothing is half-written and every change is
//! on the trail.

pub mod access;
pub mod actor;
pub mod audit;
pub mod audit_trail;
pub mod background;
pub mod backup;
pub mod cache;
pub mod clock;
pub mod cmdb;
pub mod contract;
pub mod daily_log;
pub mod demo;
pub mod error;
pub mod files;
pub mod holidays;
pub mod identity;
pub mod incident;
pub mod inspection;
pub mod inspection_plan;
pub mod monitoring;
pub mod notify;
pub mod project;
pub mod report;
pub mod settings;
pub mod tabular;
pub mod terms;
#[cfg(feature = "testing")]
pub mod testing;
pub mod worker;

use std::sync::Arc;

pub use actor::Actor;
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::AppError;
pub use settings::{AuthSettings, JobSettings, NotifySettings, SmtpSettings};
/// The database handle and its backend (what `App::db` is, for those that open one).
pub use yunwei_store::{Backend, Db};

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
    pub notify: Arc<NotifySettings>,
    /// Job runner settings.
    pub jobs: JobSettings,
    /// Tokens, projects, memberships and contract terms read recently.
    pub caches: Arc<cache::Caches>,
}

impl App {
    /// Builds the app over an open, migrated database.
    pub fn new(db: Db, clock: Arc<dyn Clock>, auth: AuthSettings) -> Self {
        Self {
            db,
            clock,
            auth,
            notify: Arc::new(NotifySettings::default()),
            jobs: JobSettings::default(),
            caches: Arc::default(),
        }
    }

    /// The same app with other notification settings.
    pub fn with_notify(mut self, settings: NotifySettings) -> Self {
        self.notify = Arc::new(settings);
        self
    }

    /// The same app with other job runner settings.
    pub fn with_jobs(mut self, settings: JobSettings) -> Self {
        self.jobs = settings;
        self
    }

    /// The current instant, truncated to microseconds (PostgreSQL's precision) so that what is
    /// hashed into the audit chain is exactly what is stored.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        clock::truncate_micros(self.clock.now())
    }

    /// Whether the database answers (the health check).
    pub async fn ping(&self) -> Result<(), AppError> {
        Ok(self.db.ping().await?)
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
