//! `yunwei`: the one binary. `serve` runs the web application; the other subcommands administer
//! an installation from the shell (they act as the system and are recorded on the audit trail).

mod bench;
mod bench_cmdb;
mod bench_http;
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
    User(UserCmd),
    /// Manage projects.
    #[command(subcommand)]
    Project(ProjectCmd),
    /// The audit trail.
    #[command(subcommand)]
    Audit(AuditCmd),
    /// Service contracts (the TOML document that drives every clock).
    #[command(subcommand)]
    Contract(ContractCmd),
    /// SLA deadlines.
    #[command(subcommand)]
    Sla(SlaCmd),
    /// Public holidays and make-up workdays of business calendars.
    #[command(subcommand)]
    Calendar(CalendarCmd),
    /// Import records from a spreadsheet.
    #[command(subcommand)]
    Import(ImportCmd),
    /// Export records to a spreadsheet.
    #[command(subcommand)]
    Export(ExportCmd),
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

#[derive(Subcommand)]
enum ImportCmd {
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
enum ExportCmd {
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

#[derive(Subcommand)]
enum CalendarCmd {
    /// Add or correct holiday years from a JSON file in the shipped format:
    /// {"2027": {"holidays": ["2027-01-01", ...], "workdays": ["2027-02-06", ...]}, "_source": {"2027": "..."}}.
    Import { file: PathBuf },
    /// List the years with holiday data, shipped and imported.
    List,
}

#[derive(Subcommand)]
enum ContractCmd {
    /// Check a contract document; prints FILE:LINE:COLUMN: field: reason for each problem.
    Validate { file: PathBuf },
    /// Apply a contract document to the project named in [project].code (created if new).
    Apply { file: PathBuf },
    /// Print the contract in force for a project.
    Show { code: String },
}

#[derive(Subcommand)]
enum SlaCmd {
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
enum UserCmd {
    /// Add a user; the password is read from the terminal, or from stdin with --password-stdin.
    Add {
        username: String,
        /// Name shown in the UI (defaults to the username).
        #[arg(long)]
        name: Option<String>,
        /// Make the user an installation administrator.
        #[arg(long)]
        admin: bool,
        /// Organisation (hospital or vendor) the user belongs to.
        #[arg(long)]
        org: Option<String>,
        /// Department within the organisation.
        #[arg(long, requires = "org")]
        department: Option<String>,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
        /// Create without a password (token-only integration user).
        #[arg(long, conflicts_with = "password_stdin")]
        no_password: bool,
    },
    /// Set a user's password (ends their sessions).
    Passwd {
        username: String,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Grant (or with --revoke, revoke) a role in a project.
    Grant {
        username: String,
        /// Project code.
        #[arg(long)]
        project: String,
        /// Role: reporter, hospital_it, dispatcher, engineer, l2_engineer, manager, storekeeper, auditor, admin.
        #[arg(long)]
        role: String,
        /// Revoke instead of grant.
        #[arg(long)]
        revoke: bool,
    },
    /// Create an API token; prints the token alone on stdout.
    Token {
        username: String,
        /// What the token is for.
        #[arg(long, default_value = "cli")]
        name: String,
    },
    /// Make a user an installation administrator (or not, with --off).
    Admin {
        username: String,
        #[arg(long)]
        off: bool,
    },
}

#[derive(Subcommand)]
enum ProjectCmd {
    /// Create a project.
    Create {
        code: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        hospital: Option<String>,
        #[arg(long)]
        vendor: Option<String>,
        #[arg(long, default_value = "Asia/Shanghai")]
        timezone: String,
    },
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Verify the hash chains; exits non-zero naming the first bad entry.
    Verify,
}

fn init_logging(format: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("YUNWEI_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
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
        ..Default::default()
    };
    yunwei_app::install_crypto_provider();
    Ok(App::new(db, Arc::new(SystemClock), auth).with_notify(notify))
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
    init_logging(&cfg.log_format);
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
        Command::User(cmd) => user(cfg, cmd).await,
        Command::Project(ProjectCmd::Create { code, name, hospital, vendor, timezone }) => {
            let app = open(&cfg).await?;
            let p = yunwei_app::project::create(
                &app,
                None,
                yunwei_app::project::NewProjectInput {
                    code: &code,
                    name: &name,
                    hospital: hospital.as_deref(),
                    vendor: vendor.as_deref(),
                    timezone: Some(&timezone),
                },
            )
            .await
            .map_err(app_err)?;
            eprintln!("project {} created", p.code);
            Ok(())
        }
        Command::Contract(ContractCmd::Validate { file }) => {
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
        Command::Contract(ContractCmd::Apply { file }) => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let app = open(&cfg).await?;
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
        Command::Contract(ContractCmd::Show { code }) => {
            let app = open(&cfg).await?;
            let row = yunwei_app::contract::current(&app, None, &code).await.map_err(app_err)?;
            eprintln!(
                "# project {code}, contract version {} applied {} by {}",
                row.version, row.created_at, row.created_by
            );
            print!("{}", row.document);
            Ok(())
        }
        Command::Sla(SlaCmd::Preview { project, severity, at, json }) => {
            let at = chrono::DateTime::parse_from_rfc3339(&at)
                .with_context(|| format!("--at {at:?} must be RFC 3339 with offset, e.g. 2025-09-30T16:50:00+08:00"))?;
            let app = open(&cfg).await?;
            let lines = yunwei_app::contract::preview(&app, None, &project, &severity, at.with_timezone(&chrono::Utc))
                .await
                .map_err(app_err)?;
            let offset = *at.offset();
            let fmt = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&offset).to_rfc3339();
            if json {
                // The API's answer, so scripts read one shape.
                println!("{}", serde_json::to_string(&yunwei_web::api::contract::SlaPreview::new(&lines, offset))?);
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
        Command::Bench { clients, seconds, bulk, projects, cmdb } => {
            let app = open(&cfg).await?;
            let backend = match app.db.backend() {
                yunwei_store::Backend::Sqlite => "SQLite",
                yunwei_store::Backend::Postgres => "PostgreSQL",
            };
            bench::run(app, backend, bench::BenchArgs { clients, seconds, bulk, projects: projects.max(1), cmdb }).await
        }
        Command::Import(ImportCmd::Cmdb { file, project, dry_run, skip_invalid }) => {
            import_cmdb(&cfg, &file, &project, yunwei_app::cmdb::ImportOptions { dry_run, skip_invalid }).await
        }
        Command::Export(ExportCmd::Cmdb { project, output }) => {
            let format = match output.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
                Some("xlsx") => "xlsx",
                Some("csv") => "csv",
                _ => bail!("{}: the file name must end in .xlsx or .csv", output.display()),
            };
            let app = open(&cfg).await?;
            let f = yunwei_app::cmdb::export(&app, None, &project, format).await.map_err(app_err)?;
            std::fs::write(&output, &f.bytes).with_context(|| format!("cannot write {}", output.display()))?;
            eprintln!("{}: {} bytes", output.display(), f.bytes.len());
            Ok(())
        }
        Command::Calendar(CalendarCmd::Import { file }) => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let app = open(&cfg).await?;
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
        Command::Calendar(CalendarCmd::List) => {
            let app = open(&cfg).await?;
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
        Command::Audit(AuditCmd::Verify) => {
            let app = open(&cfg).await?;
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

fn app_err(e: yunwei_app::AppError) -> anyhow::Error {
    match e {
        yunwei_app::AppError::Invalid(v) => anyhow::anyhow!(
            "invalid input: {}",
            v.0.iter().map(|f| format!("{}: {}", f.field, f.reason)).collect::<Vec<_>>().join("; ")
        ),
        other => anyhow::anyhow!("{other}"),
    }
}

async fn user(cfg: Config, cmd: UserCmd) -> Result<()> {
    use yunwei_app::identity as uc;
    let app = open(&cfg).await?;
    match cmd {
        UserCmd::Add { username, name, admin, org, department, password_stdin, no_password } => {
            let password = if no_password { None } else { Some(read_password(password_stdin, "Password: ")?) };
            let display = name.unwrap_or_else(|| username.clone());
            uc::add_user(
                &app,
                None,
                uc::NewUserInput {
                    username: &username,
                    display_name: &display,
                    password: password.as_deref(),
                    is_admin: admin,
                    organization: org.as_deref(),
                    department: department.as_deref(),
                },
            )
            .await
            .map_err(app_err)?;
            eprintln!("user {username} added");
        }
        UserCmd::Passwd { username, password_stdin } => {
            let password = read_password(password_stdin, "New password: ")?;
            uc::set_password(&app, None, &username, &password).await.map_err(app_err)?;
            eprintln!("password of {username} changed; their sessions are ended");
        }
        UserCmd::Grant { username, project, role, revoke } => {
            let changed = if revoke {
                yunwei_app::project::revoke(&app, None, &project, &username, &role).await
            } else {
                yunwei_app::project::grant(&app, None, &project, &username, &role).await
            }
            .map_err(app_err)?;
            let what = if revoke { "revoked" } else { "granted" };
            if changed {
                eprintln!("{role} {what} for {username} in {project}");
            } else {
                eprintln!(
                    "nothing to do: {username} {} {role} in {project}",
                    if revoke { "does not hold" } else { "already holds" }
                );
            }
        }
        UserCmd::Token { username, name } => {
            let t = uc::create_token(&app, None, &username, &name).await.map_err(app_err)?;
            println!("{}", t.token);
        }
        UserCmd::Admin { username, off } => {
            uc::set_admin(&app, &username, !off).await.map_err(app_err)?;
            eprintln!("{username} is {}an installation administrator", if off { "no longer " } else { "" });
        }
    }
    app.db.close().await;
    Ok(())
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
        let worker =
            yunwei_app::background::run_worker(app.clone(), std::time::Duration::from_secs(cfg.jobs_interval_seconds));
        tokio::spawn(worker);
    }
    // New incidents reach the search index within half a second; searches cover the gap.
    tokio::spawn(yunwei_app::incident::run_text_indexer(app.clone(), std::time::Duration::from_millis(500)));
    tracing::info!(listen = %cfg.listen, %backend, "yunwei serving");
    eprintln!("yunwei listening on http://{} ({backend})", cfg.listen);
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
