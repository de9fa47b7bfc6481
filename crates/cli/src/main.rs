//! `yunwei`: the one binary. `serve` runs the web application; the other subcommands administer
//! an installation from the shell (they act as the system and are recorded on the audit trail).

mod bench;
mod bench_bare;
mod bench_cmdb;
mod bench_http;
mod cmd;
mod config;

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use yunwei_app::{App, AuthSettings, SystemClock};
use yunwei_store::Db;
use yunwei_web::{AppState, WebSettings};

use config::{Config, Overrides};

// glibc's malloc showed up at ~12 % of a loaded server's CPU; mimalloc is leaner with many
// small, short-lived allocations across threads (docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// 运维服务平台 — hospital IT operations and maintenance service platform.
#[derive(Parser)]
#[command(name = "yunwei", version, about)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct Global {
    /// Directory of the embedded SQLite database [env: YUNWEI_DATA_DIR] [default: ./yunwei-data]
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// PostgreSQL URL (postgres://…) instead of SQLite [env: YUNWEI_DATABASE_URL]
    #[arg(long, global = true)]
    database_url: Option<String>,
    /// Configuration file [default: ./yunwei.toml if present]
    #[arg(long, global = true)]
    config: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web application (migrates the database first).
    Serve {
        /// Address to listen on [env: YUNWEI_LISTEN] [default: 127.0.0.1:8080]
        #[arg(long)]
        listen: Option<String>,
        /// Create the demo project and one user per role (password yunwei-demo).
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations.
    Migrate,
    /// Create the demo project and users without serving.
    Demo,
    /// Manage users.
    #[command(subcommand)]
    User(cmd::user::UserCmd),
    /// Manage projects.
    #[command(subcommand)]
    Project(cmd::user::ProjectCmd),
    /// The audit trail.
    #[command(subcommand)]
    Audit(cmd::audit::AuditCmd),
    /// Copy the embedded database (attachments and photos included) into one file, while the
    /// server keeps running. PostgreSQL: use pg_dump.
    Backup {
        /// The backup file to write (must not exist).
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Restore a backup into an empty data directory (checked, migrated, audit trail verified).
    Restore {
        /// The backup file.
        file: PathBuf,
    },
    /// Service contracts (the TOML document that drives every clock).
    #[command(subcommand)]
    Contract(cmd::contract::ContractCmd),
    /// SLA deadlines.
    #[command(subcommand)]
    Sla(cmd::contract::SlaCmd),
    /// Public holidays and make-up workdays of business calendars.
    #[command(subcommand)]
    Calendar(cmd::contract::CalendarCmd),
    /// Import records from a spreadsheet.
    #[command(subcommand)]
    Import(cmd::cmdb::ImportCmd),
    /// Export records to a spreadsheet.
    #[command(subcommand)]
    Export(cmd::cmdb::ExportCmd),
    /// Load benchmark of the HTTP API on an empty database (see docs/performance.md).
    Bench {
        /// Concurrent clients.
        #[arg(long, default_value_t = 64)]
        clients: usize,
        /// Seconds per phase.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Incidents to bulk-load before the list phase (0: skip).
        #[arg(long, default_value_t = 1_000_000)]
        bulk: u64,
        /// Projects (hospitals) the creates and reads are spread over; lists run in the first.
        #[arg(long, default_value_t = 1)]
        projects: usize,
        /// Configuration items to import for the CMDB phases (0: skip).
        #[arg(long, default_value_t = 5_000)]
        cmdb: usize,
    },
}

/// Logs to stderr: `YUNWEI_LOG` if set, else `default`.
fn init_logging(format: &str, default: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("YUNWEI_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let b = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if format == "json" {
        b.json().init();
    } else {
        b.init();
    }
}

async fn open(cfg: &Config) -> Result<App> {
    let db = Db::open(cfg.database_url.as_deref(), &cfg.data_dir).await.with_context(|| match &cfg.database_url {
        Some(_) => "cannot connect to the database given by --database-url / YUNWEI_DATABASE_URL".to_owned(),
        None => format!("cannot open the SQLite database in {}", cfg.data_dir.display()),
    })?;
    db.migrate().await.context("database migration failed")?;
    let auth = AuthSettings {
        session_idle_minutes: cfg.session_idle_minutes,
        max_failed_logins: cfg.max_failed_logins,
        throttle_window_minutes: cfg.throttle_window_minutes,
        lockout_minutes: cfg.lockout_minutes,
    };
    let notify = yunwei_app::NotifySettings {
        smtp: cfg.smtp_host.clone().map(|host| yunwei_app::SmtpSettings {
            host,
            port: cfg.smtp_port,
            tls: cfg.smtp_tls.clone(),
            from: cfg.smtp_from.clone(),
            username: cfg.smtp_username.clone(),
            password: cfg.smtp_password.clone(),
        }),
        instance: cfg.instance_name.clone().unwrap_or_else(|| {
            let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
            format!("{}-{}", host.trim(), std::process::id())
        }),
        outbound: yunwei_domain::outbound::OutboundPolicy {
            allow: cfg.notify_allow_networks.iter().filter_map(|n| n.parse().ok()).collect(),
        },
        ..Default::default()
    };
    yunwei_app::install_crypto_provider();
    let jobs = yunwei_app::JobSettings { keep_finished_days: cfg.jobs_keep_days };
    Ok(App::new(db, Arc::new(SystemClock), auth).with_notify(notify).with_jobs(jobs))
}

fn read_password(from_stdin: bool, prompt: &str) -> Result<String> {
    if from_stdin || !std::io::stdin().is_terminal() {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        let p = s.lines().next().unwrap_or_default().to_owned();
        if p.is_empty() {
            bail!("no password on standard input");
        }
        return Ok(p);
    }
    let p = rpassword::prompt_password(prompt)?;
    let again = rpassword::prompt_password("Repeat: ")?;
    if p != again {
        bail!("the passwords do not match");
    }
    Ok(p)
}

fn print_demo_users(users: &[(String, yunwei_domain::identity::Role)]) {
    eprintln!("Demo users (password: {}):", yunwei_app::demo::DEMO_PASSWORD);
    for (u, r) in users {
        eprintln!("  {u:<12} {}", r.label());
    }
}

async fn run(cli: Cli) -> Result<()> {
    let listen = match &cli.command {
        Command::Serve { listen, .. } => listen.clone(),
        _ => None,
    };
    let cfg = config::load(
        cli.global.config.as_deref(),
        Overrides { data_dir: cli.global.data_dir.clone(), database_url: cli.global.database_url.clone(), listen },
    )
    .map_err(anyhow::Error::msg)?;
    // The bench logs warnings only: a line per request would cost the server it measures.
    let default_log = if matches!(cli.command, Command::Bench { .. }) { "warn" } else { "info,sqlx=warn" };
    init_logging(&cfg.log_format, default_log);
    match cli.command {
        Command::Serve { demo, .. } => serve(cfg, demo).await,
        Command::Migrate => {
            open(&cfg).await?;
            eprintln!("migrations applied");
            Ok(())
        }
        Command::Demo => {
            let app = open(&cfg).await?;
            let users = yunwei_app::demo::ensure_demo(&app).await.map_err(app_err)?;
            print_demo_users(&users);
            Ok(())
        }
        Command::User(cmd) => cmd::user::user(&cfg, cmd).await,
        Command::Project(cmd) => cmd::user::project(&cfg, cmd).await,
        Command::Contract(cmd) => cmd::contract::contract(&cfg, cmd).await,
        Command::Sla(cmd) => cmd::contract::sla(&cfg, cmd).await,
        Command::Calendar(cmd) => cmd::contract::calendar(&cfg, cmd).await,
        Command::Import(cmd) => cmd::cmdb::import(&cfg, cmd).await,
        Command::Export(cmd) => cmd::cmdb::export(&cfg, cmd).await,
        Command::Audit(cmd) => cmd::audit::audit(&cfg, cmd).await,
        Command::Backup { output } => cmd::backup::backup(&cfg, &output).await,
        Command::Restore { file } => cmd::backup::restore(&cfg, &file).await,
        Command::Bench { clients, seconds, bulk, projects, cmdb } => {
            let app = open(&cfg).await?;
            let backend = match app.db.backend() {
                yunwei_store::Backend::Sqlite => "SQLite",
                yunwei_store::Backend::Postgres => "PostgreSQL",
            };
            bench::run(app, backend, bench::BenchArgs { clients, seconds, bulk, projects: projects.max(1), cmdb }).await
        }
    }
}

fn app_err(e: yunwei_app::AppError) -> anyhow::Error {
    match e {
        yunwei_app::AppError::Invalid(v) => anyhow::anyhow!(
            "invalid input: {}",
            v.0.iter().map(|f| format!("{}: {}", f.field, f.reason)).collect::<Vec<_>>().join("; ")
        ),
        other => anyhow::anyhow!("{other}"),
    }
}

async fn serve(cfg: Config, demo: bool) -> Result<()> {
    let app = open(&cfg).await?;
    if demo {
        let users = yunwei_app::demo::ensure_demo(&app).await.map_err(app_err)?;
        print_demo_users(&users);
    }
    let state = AppState { app: app.clone(), web: WebSettings { cookie_secure: cfg.cookie_secure } };
    let router = yunwei_web::router(state);
    let listener =
        tokio::net::TcpListener::bind(&cfg.listen).await.with_context(|| format!("cannot listen on {}", cfg.listen))?;
    let backend = match app.db.backend() {
        yunwei_store::Backend::Sqlite => format!("SQLite in {}", cfg.data_dir.display()),
        yunwei_store::Backend::Postgres => "PostgreSQL".to_owned(),
    };
    if cfg.jobs_interval_seconds > 0 {
        let interval = std::time::Duration::from_secs(cfg.jobs_interval_seconds);
        let every = chrono::Duration::from_std(interval).unwrap_or_else(|_| chrono::Duration::seconds(10));
        let mut worker = yunwei_app::background::worker(&app, every);
        if let Some(dir) = &cfg.backup_dir {
            let s = yunwei_app::backup::Schedule {
                dir: dir.clone(),
                every: chrono::Duration::hours(cfg.backup_every_hours as i64),
                keep: cfg.backup_keep,
            };
            eprintln!("scheduled backup every {} h into {}, keeping {}", cfg.backup_every_hours, dir.display(), s.keep);
            worker = yunwei_app::backup::schedule(worker, s);
        }
        tokio::spawn(worker.run(interval));
    } else if cfg.backup_dir.is_some() {
        bail!("backup_dir needs the background worker: set jobs_interval_seconds above 0");
    }
    // New incidents reach the search index within half a second; searches cover the gap.
    tokio::spawn(yunwei_app::incident::run_text_indexer(app.clone(), std::time::Duration::from_millis(500)));
    // The bound address, so `--listen 127.0.0.1:0` tells which port it got.
    let bound = listener.local_addr().map(|a| a.to_string()).unwrap_or_else(|_| cfg.listen.clone());
    tracing::info!(listen = %bound, %backend, "yunwei serving");
    eprintln!("yunwei listening on http://{bound} ({backend})");
    axum::serve(listener, router).with_graceful_shutdown(shutdown_signal()).await.context("server error")?;
    tracing::info!("shutting down: closing the database");
    app.db.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
