//! `yunwei contract`, `yunwei sla` and `yunwei calendar`: the contract document, its deadlines and
//! the holiday data its calendars follow.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Subcommand;

use crate::config::Config;
use crate::{app_err, open};

#[derive(Subcommand)]
pub enum ContractCmd {
    /// Check a contract document; prints FILE:LINE:COLUMN: field: reason for each problem.
    Validate { file: PathBuf },
    /// Apply a contract document to the project named in [project].code (created if new).
    Apply { file: PathBuf },
    /// Print the contract in force for a project.
    Show { code: String },
}

#[derive(Subcommand)]
pub enum SlaCmd {
    /// Deadlines of each clock of a severity for a fault reported at a given time.
    Preview {
        /// Project code.
        #[arg(long)]
        project: String,
        /// Severity code, e.g. P3.
        #[arg(long)]
        severity: String,
        /// Report time, RFC 3339 with offset, e.g. 2025-09-30T16:50:00+08:00.
        #[arg(long)]
        at: String,
        /// Print JSON: {"respond": "…", "resolve": "…"}.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum CalendarCmd {
    /// Add or correct holiday years from a JSON file in the shipped format:
    /// {"2027": {"holidays": ["2027-01-01", ...], "workdays": ["2027-02-06", ...]}, "_source": {"2027": "..."}}.
    Import { file: PathBuf },
    /// List the years with holiday data, shipped and imported.
    List,
}

/// Runs `yunwei contract …`.
pub async fn contract(cfg: &Config, cmd: ContractCmd) -> Result<()> {
    match cmd {
        ContractCmd::Validate { file } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            match yunwei_domain::contract::parse(&text) {
                Ok(c) => {
                    println!(
                        "{}: ok: project {}, {} calendars, {} severity levels",
                        file.display(),
                        c.project.code,
                        c.calendars.len(),
                        c.severities.len()
                    );
                    Ok(())
                }
                Err(errors) => {
                    for e in &errors.0 {
                        println!("{}:{}:{}: {}: {}", file.display(), e.line, e.column, e.field, e.reason);
                    }
                    bail!("{} problem(s) in {}", errors.0.len(), file.display())
                }
            }
        }
        ContractCmd::Apply { file } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let app = open(cfg).await?;
            let a = yunwei_app::contract::apply(&app, None, &text).await.map_err(app_err)?;
            if a.changed {
                eprintln!(
                    "project {}: contract version {} applied{}",
                    a.project,
                    a.version,
                    if a.created_project { " (project created)" } else { "" }
                );
            } else {
                eprintln!("project {}: unchanged, version {} stays in force", a.project, a.version);
            }
            Ok(())
        }
        ContractCmd::Show { code } => {
            let app = open(cfg).await?;
            let row = yunwei_app::contract::current(&app, None, &code).await.map_err(app_err)?;
            eprintln!(
                "# project {code}, contract version {} applied {} by {}",
                row.version, row.created_at, row.created_by
            );
            print!("{}", row.document);
            Ok(())
        }
    }
}

/// Runs `yunwei sla …`.
pub async fn sla(cfg: &Config, cmd: SlaCmd) -> Result<()> {
    match cmd {
        SlaCmd::Preview { project, severity, at, json } => {
            let at = chrono::DateTime::parse_from_rfc3339(&at)
                .with_context(|| format!("--at {at:?} must be RFC 3339 with offset, e.g. 2025-09-30T16:50:00+08:00"))?;
            let app = open(cfg).await?;
            let lines = yunwei_app::contract::preview(&app, None, &project, &severity, at.with_timezone(&chrono::Utc))
                .await
                .map_err(app_err)?;
            let offset = *at.offset();
            let fmt = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&offset).to_rfc3339();
            if json {
                // The API's answer, so scripts read one shape.
                println!("{}", serde_json::to_string(&yunwei_web::contract::api::SlaPreview::new(&lines, offset))?);
            } else {
                for l in &lines {
                    println!("{} {}", l.clock.code(), fmt(l.due));
                }
            }
            for l in &lines {
                if !l.missing_holiday_years.is_empty() {
                    eprintln!(
                        "warning: {} crosses {:?}, for which no holiday data is loaded; the deadline ignores holidays there",
                        l.clock.code(),
                        l.missing_holiday_years
                    );
                }
            }
            Ok(())
        }
    }
}

/// Runs `yunwei calendar …`.
pub async fn calendar(cfg: &Config, cmd: CalendarCmd) -> Result<()> {
    match cmd {
        CalendarCmd::Import { file } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let app = open(cfg).await?;
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
            let years = yunwei_app::holidays::import(&app, None, &text, name.as_deref())
                .await
                .map_err(|e| anyhow::anyhow!("{}: {}", file.display(), app_err(e)))?;
            let list = yunwei_app::holidays::list(&app).await.map_err(app_err)?;
            for y in list.iter().filter(|i| years.contains(&i.year)) {
                eprintln!("imported {}: {} days off, {} make-up workdays", y.year, y.holidays, y.workdays);
            }
            Ok(())
        }
        CalendarCmd::List => {
            let app = open(cfg).await?;
            for y in yunwei_app::holidays::list(&app).await.map_err(app_err)? {
                let origin = match &y.imported {
                    Some((at, by)) => format!("imported {} by {by}", at.format("%Y-%m-%d")),
                    None => "shipped".to_owned(),
                };
                println!(
                    "{} {:>2} days off {:>2} make-up workdays  {origin}  {}",
                    y.year, y.holidays, y.workdays, y.source
                );
            }
            Ok(())
        }
    }
}
