//! `yunwei audit verify`: walks every hash chain of the audit trail.

use anyhow::{Result, bail};
use clap::Subcommand;

use crate::config::Config;
use crate::{app_err, open};

#[derive(Subcommand)]
pub enum AuditCmd {
    /// Verify the hash chains; exits non-zero naming the first bad entry.
    Verify,
}

/// Runs `yunwei audit …`.
pub async fn audit(cfg: &Config, cmd: AuditCmd) -> Result<()> {
    match cmd {
        AuditCmd::Verify => {
            let app = open(cfg).await?;
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} verifying audit trail: {pos} entries ({per_sec})")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            let result =
                yunwei_app::audit_trail::verify_all(&app, |n| bar.set_position(n as u64)).await.map_err(app_err)?;
            bar.finish_and_clear();
            match result {
                Ok(r) => {
                    println!("audit trail intact: {} entries in {} chains", r.entries, r.chains);
                    Ok(())
                }
                Err(b) => bail!("AUDIT TRAIL BROKEN: {b}"),
            }
        }
    }
}
