//! Settings of the app layer: sessions and login throttling, escalation and delivery.

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

/// Settings of the job runner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobSettings {
    /// Jobs that finished (done or cancelled) more than this many days ago are deleted with their
    /// attempts; failed ones stay until an operator has seen them.
    pub keep_finished_days: i64,
}

impl Default for JobSettings {
    fn default() -> Self {
        Self { keep_finished_days: 30 }
    }
}

/// How mail leaves (lettre over SMTP).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    /// `none` (plain, e.g. an intranet relay on port 25), `starttls`, or `tls` (implicit).
    pub tls: String,
    pub from: String,
    pub username: Option<String>,
    pub password: Option<String>,
}

/// Settings of escalation and delivery.
#[derive(Debug, Clone)]
pub struct NotifySettings {
    /// Mail server; without one, e-mail messages fail with a clear reason and are retried.
    pub smtp: Option<SmtpSettings>,
    /// Attempts before a message is given up (`failed`).
    pub max_attempts: i64,
    /// Wait before attempt n+1, in seconds; the last value repeats.
    pub backoff_seconds: Vec<i64>,
    /// How long a delivery attempt holds its message before another worker may retry it.
    pub lease_seconds: i64,
    /// This instance's name, recorded on the steps it fires.
    pub instance: String,
    /// Timeout of one HTTP or SMTP attempt.
    pub timeout_seconds: u64,
    /// Which addresses webhooks and group robots may reach (internal ones only where allowed).
    pub outbound: yunwei_domain::outbound::OutboundPolicy,
}

impl Default for NotifySettings {
    fn default() -> Self {
        Self {
            smtp: None,
            max_attempts: 8,
            backoff_seconds: vec![60, 300, 900, 3600, 4 * 3600],
            lease_seconds: 120,
            instance: "yunwei".into(),
            timeout_seconds: 15,
            outbound: Default::default(),
        }
    }
}
