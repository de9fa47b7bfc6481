//! `yunwei backup -o FILE` and `yunwei restore FILE`: the embedded database copied while the
//! server runs, and put back into an empty data directory (see `yunwei_app::backup`).

use std::path::Path;

use anyhow::{Context, Result, bail};
use yunwei_store::Db;

use crate::app_err;
use crate::config::Config;

fn is_postgres(cfg: &Config) -> bool {
    cfg.database_url.as_deref().is_some_and(|u| u.starts_with("postgres://") || u.starts_with("postgresql://"))
}

/// Runs `yunwei backup -o FILE`.
pub async fn backup(cfg: &Config, output: &Path) -> Result<()> {
    if is_postgres(cfg) {
        bail!("yunwei backs up its embedded SQLite database; back up PostgreSQL with pg_dump (docs/reliability.md)");
    }
    if !cfg.data_dir.join(yunwei_app::backup::DB_FILE).is_file() {
        bail!("no database in {}: nothing to back up", cfg.data_dir.display());
    }
    // No migration: the server that may be running owns the schema.
    let db = Db::open(cfg.database_url.as_deref(), &cfg.data_dir)
        .await
        .with_context(|| format!("cannot open the SQLite database in {}", cfg.data_dir.display()))?;
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} backing up: {msg} written ({elapsed})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    let partial = yunwei_app::backup::partial_of(output);
    let ticker = {
        let bar = bar.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_millis(200));
            loop {
                every.tick().await;
                let n = std::fs::metadata(&partial).map(|m| m.len()).unwrap_or(0);
                bar.set_message(indicatif::HumanBytes(n).to_string());
                bar.tick();
            }
        })
    };
    let result = yunwei_app::backup::create(&db, output).await;
    ticker.abort();
    bar.finish_and_clear();
    db.close().await;
    let b = result.map_err(app_err)?;
    println!("backup written: {} ({})", b.path.display(), indicatif::HumanBytes(b.bytes));
    Ok(())
}

/// Runs `yunwei restore FILE` into the configured data directory.
pub async fn restore(cfg: &Config, file: &Path) -> Result<()> {
    if is_postgres(cfg) {
        bail!("yunwei restores its embedded SQLite database; restore PostgreSQL with pg_restore (docs/reliability.md)");
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} restoring and verifying the audit trail ({elapsed})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    let result = yunwei_app::backup::restore(file, &cfg.data_dir).await;
    bar.finish_and_clear();
    let r = result.map_err(app_err)?;
    println!(
        "restored into {}: audit trail intact ({} entries in {} chains)",
        r.path.display(),
        r.audit.entries,
        r.audit.chains
    );
    Ok(())
}
