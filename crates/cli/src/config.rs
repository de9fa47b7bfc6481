//! Configuration: defaults, then `yunwei.toml` (or `--config FILE`), then `YUNWEI_*` environment
//! variables, then command-line flags — later sources win.

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Everything that can be configured.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Directory of the embedded SQLite database and other local files.
    pub data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL instead of SQLite.
    pub database_url: Option<String>,
    /// Address `serve` listens on.
    pub listen: String,
    /// Mark cookies `Secure` (only when served over HTTPS).
    pub cookie_secure: bool,
    /// `text` or `json`.
    pub log_format: String,
    /// Session idle timeout in minutes.
    pub session_idle_minutes: i64,
    /// Failed logins that lock a username.
    pub max_failed_logins: i64,
    /// Window for counting failures, in minutes.
    pub throttle_window_minutes: i64,
    /// Lock duration, in minutes.
    pub lockout_minutes: i64,
    /// How often the background worker fires due escalations and delivers messages, in seconds
    /// (0: no worker in this instance).
    pub jobs_interval_seconds: u64,
    /// Days a finished background job is kept (with its attempts) before it is deleted.
    pub jobs_keep_days: i64,
    /// This instance's name in the records of what it did (default: host name and process id).
    pub instance_name: Option<String>,
    /// Mail server for notifications; unset: no e-mail.
    pub smtp_host: Option<String>,
    pub smtp_port: u16,
    /// `none`, `starttls` or `tls`.
    pub smtp_tls: String,
    pub smtp_from: String,
    pub smtp_username: Option<String>,
    pub smtp_password: Option<String>,
    /// Folder of the scheduled backups of the embedded database; unset: no scheduled backup.
    pub backup_dir: Option<PathBuf>,
    /// Hours between scheduled backups.
    pub backup_every_hours: u64,
    /// Scheduled backups kept; older ones are deleted.
    pub backup_keep: usize,
    /// Internal networks (CIDR, e.g. `["10.20.0.0/16"]`) that webhooks and group robots may
    /// reach; loopback, private and link-local addresses outside them are refused.
    pub notify_allow_networks: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        let auth = yunwei_app::AuthSettings::default();
        Self {
            data_dir: PathBuf::from("./yunwei-data"),
            database_url: None,
            listen: "127.0.0.1:8080".into(),
            cookie_secure: false,
            log_format: "text".into(),
            session_idle_minutes: auth.session_idle_minutes,
            max_failed_logins: auth.max_failed_logins,
            throttle_window_minutes: auth.throttle_window_minutes,
            lockout_minutes: auth.lockout_minutes,
            jobs_interval_seconds: 10,
            jobs_keep_days: yunwei_app::JobSettings::default().keep_finished_days,
            instance_name: None,
            smtp_host: None,
            smtp_port: 25,
            smtp_tls: "none".into(),
            smtp_from: "yunwei@localhost".into(),
            smtp_username: None,
            smtp_password: None,
            backup_dir: None,
            backup_every_hours: 24,
            backup_keep: 7,
            notify_allow_networks: Vec::new(),
        }
    }
}

/// Overrides from command-line flags (only those given).
#[derive(Debug, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
}

/// Environment variables under `YUNWEI_` that are not configuration fields (the tests' database, the log filter).
const IGNORED_ENV: &[&str] = &["test_database_url", "log"];

/// Loads the configuration; errors name the offending key and its source.
pub fn load(file: Option<&Path>, overrides: Overrides) -> Result<Config, String> {
    let mut fig = Figment::from(Serialized::defaults(Config::default()));
    match file {
        Some(f) if !f.exists() => {
            return Err(format!("config file {} does not exist", f.display()));
        }
        Some(f) => fig = fig.merge(Toml::file(f)),
        None => fig = fig.merge(Toml::file("yunwei.toml")),
    }
    let env = Env::prefixed("YUNWEI_").filter(|k| !IGNORED_ENV.contains(&k.as_str().to_ascii_lowercase().as_str()));
    fig = fig.merge(env).merge(Serialized::defaults(overrides));
    let c: Config = fig.extract().map_err(|e| format!("invalid configuration: {e}"))?;
    if !["none", "starttls", "tls"].contains(&c.smtp_tls.as_str()) {
        return Err(format!(
            "invalid configuration: smtp_tls must be \"none\", \"starttls\" or \"tls\", not {:?}",
            c.smtp_tls
        ));
    }
    if c.log_format != "text" && c.log_format != "json" {
        return Err(format!("invalid configuration: log_format must be \"text\" or \"json\", not {:?}", c.log_format));
    }
    if c.jobs_keep_days < 1 {
        return Err(format!("invalid configuration: jobs_keep_days must be at least 1, not {}", c.jobs_keep_days));
    }
    if c.backup_every_hours < 1 {
        return Err(format!(
            "invalid configuration: backup_every_hours must be at least 1, not {}",
            c.backup_every_hours
        ));
    }
    if c.backup_keep < 1 {
        return Err(format!("invalid configuration: backup_keep must be at least 1, not {}", c.backup_keep));
    }
    if c.backup_dir.is_some() && c.database_url.as_deref().is_some_and(|u| u.starts_with("postgres")) {
        return Err("invalid configuration: backup_dir is for the embedded SQLite database; back up PostgreSQL with pg_dump (docs/reliability.md)".into());
    }
    for n in &c.notify_allow_networks {
        n.parse::<yunwei_domain::outbound::Network>()
            .map_err(|e| format!("invalid configuration: notify_allow_networks: {e}"))?;
    }
    if c.listen.parse::<std::net::SocketAddr>().is_err() {
        return Err(format!(
            "invalid configuration: listen must be an address like 127.0.0.1:8080, not {:?}",
            c.listen
        ));
    }
    Ok(c)
}
