//! `yunwei import cmdb` and `yunwei export cmdb`: the 信息资产统计 spreadsheet.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Subcommand;

use crate::config::Config;
use crate::{app_err, open};

#[derive(Subcommand)]
pub enum ImportCmd {
    /// Configuration items from an XLSX or CSV (UTF-8 or GBK) file in the 信息资产统计 layout
    /// (`yunwei export cmdb` writes one; the template is at /api/v1/cmdb/template.xlsx). Prints
    /// every bad row as FILE:ROW:COLUMN: reason and imports nothing unless all rows are good.
    Cmdb {
        file: PathBuf,
        /// Project code.
        #[arg(long)]
        project: String,
        /// Check and count only.
        #[arg(long)]
        dry_run: bool,
        /// Import the good rows even if some are bad.
        #[arg(long)]
        skip_invalid: bool,
    },
}

#[derive(Subcommand)]
pub enum ExportCmd {
    /// A project's configuration items; `.xlsx` (with counts by type) or `.csv` by the file name.
    Cmdb {
        /// Project code.
        #[arg(long)]
        project: String,
        /// Output file.
        #[arg(short, long)]
        output: PathBuf,
    },
}

/// Runs `yunwei import …`.
pub async fn import(cfg: &Config, cmd: ImportCmd) -> Result<()> {
    match cmd {
        ImportCmd::Cmdb { file, project, dry_run, skip_invalid } => {
            import_cmdb(cfg, &file, &project, yunwei_app::cmdb::ImportOptions { dry_run, skip_invalid }).await
        }
    }
}

/// Runs `yunwei export …`.
pub async fn export(cfg: &Config, cmd: ExportCmd) -> Result<()> {
    match cmd {
        ExportCmd::Cmdb { project, output } => {
            let format = match output.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
                Some("xlsx") => "xlsx",
                Some("csv") => "csv",
                _ => bail!("{}: the file name must end in .xlsx or .csv", output.display()),
            };
            let app = open(cfg).await?;
            let f = yunwei_app::cmdb::export(&app, None, &project, format).await.map_err(app_err)?;
            std::fs::write(&output, &f.bytes).with_context(|| format!("cannot write {}", output.display()))?;
            eprintln!("{}: {} bytes", output.display(), f.bytes.len());
            Ok(())
        }
    }
}

async fn import_cmdb(
    cfg: &Config,
    file: &std::path::Path,
    project: &str,
    opts: yunwei_app::cmdb::ImportOptions,
) -> Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let app = open(cfg).await?;
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} {bar:40} {pos}/{len} rows  {per_sec}  eta {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message(if opts.dry_run { "checking" } else { "importing" });
    let progress = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let report =
        yunwei_app::cmdb::import(&app, None, project, &name, &bytes, opts, &progress).await.map_err(app_err)?;
    bar.finish_and_clear();
    for e in &report.errors {
        println!("{}:{}:{}: {}: {}", file.display(), e.row, e.column, e.field, e.reason);
    }
    println!("{}", report.line());
    if report.refused(opts) {
        if opts.dry_run {
            bail!("check failed: {} bad row(s); the import would write nothing", report.invalid);
        }
        bail!("nothing imported: {} bad row(s); fix them or use --skip-invalid", report.invalid);
    }
    Ok(())
}
