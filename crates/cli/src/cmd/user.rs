//! `yunwei user` and `yunwei project`: accounts, roles, tokens and projects.

use anyhow::Result;
use clap::Subcommand;

use crate::config::Config;
use crate::{app_err, open, read_password};

#[derive(Subcommand)]
pub enum UserCmd {
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
pub enum ProjectCmd {
    /// Create a project.
    Create {
        code: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        hospital: Option<String>,
        #[arg(long)]
        vendor: Option<String>,
        #[arg(long, default_value = yunwei_domain::time::DEFAULT_TZ_NAME)]
        timezone: String,
    },
}

/// Runs `yunwei user …`.
pub async fn user(cfg: &Config, cmd: UserCmd) -> Result<()> {
    use yunwei_app::identity as uc;
    let app = open(cfg).await?;
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

/// Runs `yunwei project …`.
pub async fn project(cfg: &Config, cmd: ProjectCmd) -> Result<()> {
    match cmd {
        ProjectCmd::Create { code, name, hospital, vendor, timezone } => {
            let app = open(cfg).await?;
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
    }
}
