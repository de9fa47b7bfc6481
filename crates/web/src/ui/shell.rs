//! The frame of every page: top bar with project switcher and user menu, module navigation for the
//! caller's roles.

use yunwei_app::AppError;
use yunwei_app::access::ProjectAccess;
use yunwei_app::project::list_mine;
use yunwei_domain::identity::Permission;
use yunwei_domain::modules::{ModuleInfo, visible_to};

use crate::AppState;
use crate::auth::Auth;

/// A project in the switcher.
pub struct ProjectLink {
    pub code: String,
    pub name: String,
}

/// A module as the navigation and the project page link to it.
pub struct NavModule {
    pub code: &'static str,
    pub label: &'static str,
    pub summary: &'static str,
    pub seeds: &'static str,
    /// Its own pages, or its placeholder.
    pub href: String,
    pub built: bool,
}

impl NavModule {
    /// The module `m` of `project`.
    pub fn of(m: &'static ModuleInfo, project: &str) -> NavModule {
        NavModule {
            code: m.code,
            label: m.label,
            summary: m.summary,
            seeds: m.seeds,
            href: module_href(m.code, project),
            built: m.built,
        }
    }
}

/// Where a module lives in a project: its own pages once built, else its placeholder.
fn module_href(code: &str, project: &str) -> String {
    match code {
        "servicedesk" => format!("/p/{project}/incidents"),
        "cmdb" => format!("/p/{project}/cis"),
        "inspection" => format!("/p/{project}/inspections"),
        "monitoring" => format!("/p/{project}/alerts"),
        code => format!("/p/{project}/m/{code}"),
    }
}

/// The project being viewed, as the navigation needs it.
pub struct CurrentProject {
    pub code: String,
    pub name: String,
    pub role_labels: String,
    pub modules: Vec<NavModule>,
    pub can_audit: bool,
    pub can_members: bool,
    pub can_contract: bool,
    pub can_notify: bool,
}

/// What every page's frame shows.
pub struct Shell {
    pub title: String,
    pub display_name: String,
    /// First character of the display name, for the avatar.
    pub initial: String,
    pub username: String,
    pub is_admin: bool,
    pub csrf: String,
    pub projects: Vec<ProjectLink>,
    pub current: Option<CurrentProject>,
    /// Navigation key of the page (`overview`, a module code, `audit`, `members`, `account`).
    pub active: String,
}

impl Shell {
    /// Builds the shell for `auth`, optionally inside project `access`.
    pub async fn build(
        st: &AppState,
        auth: &Auth,
        title: impl Into<String>,
        access: Option<&ProjectAccess>,
        active: &str,
    ) -> Result<Shell, AppError> {
        let projects = list_mine(&st.app, &auth.actor)
            .await?
            .into_iter()
            .map(|a| ProjectLink { code: a.project.code, name: a.project.name })
            .collect();
        let current = access.map(|a| CurrentProject {
            code: a.project.code.clone(),
            name: a.project.name.clone(),
            role_labels: a.roles.0.iter().map(|r| r.label()).collect::<Vec<_>>().join("、"),
            modules: visible_to(&a.roles.0).into_iter().map(|m| NavModule::of(m, &a.project.code)).collect(),
            can_audit: a.roles.grants(Permission::AuditRead),
            can_members: a.roles.grants(Permission::MembersRead),
            can_contract: a.roles.grants(Permission::ContractRead),
            can_notify: a.roles.grants(Permission::NotifyManage),
        });
        Ok(Shell {
            title: title.into(),
            display_name: auth.actor.display_name.clone(),
            initial: auth.actor.display_name.chars().next().map(String::from).unwrap_or_default(),
            username: auth.actor.username.clone(),
            is_admin: auth.actor.is_admin,
            csrf: auth.csrf().unwrap_or_default().to_owned(),
            projects,
            current,
            active: active.to_owned(),
        })
    }

    /// Whether `code` is the current project (for the switcher's `selected`).
    pub fn is_current(&self, code: &str) -> bool {
        self.current.as_ref().is_some_and(|c| c.code == code)
    }
}
