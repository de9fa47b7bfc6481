//! The server-rendered UI in Simplified Chinese. Pages share one shell (top bar with project
//! switcher and user menu, module navigation for the caller's roles). Forms carry a CSRF token.

mod account;
mod admin;
mod audit;
mod cmdb;
mod contract;
mod daily_log;
mod incidents;
mod inspections;
mod login;
mod monitoring;
mod notify;
mod project;
mod report;
mod topology;

use askama::Template;
use axum::Router;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use yunwei_app::AppError;
use yunwei_app::access::ProjectAccess;
use yunwei_app::project::list_mine;
use yunwei_domain::identity::Permission;
use yunwei_domain::modules::{ModuleInfo, visible_to};

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, current_request_id};

/// The UI's routes: method, path and handler. The router is built from this table and the
/// permission matrix lists it, so the two cannot drift apart.
fn table() -> Vec<(Method, &'static str, MethodRouter<AppState>)> {
    vec![
        (Method::GET, "/", get(project::home)),
        (Method::GET, "/login", get(login::form)),
        (Method::POST, "/login", post(login::submit)),
        (Method::POST, "/logout", post(login::logout)),
        (Method::GET, "/account", get(account::page)),
        (Method::POST, "/account/password", post(account::change_password)),
        (Method::POST, "/account/tokens", post(account::create_token)),
        (Method::POST, "/account/contact", post(account::set_contact)),
        (Method::GET, "/inbox", get(notify::inbox)),
        (Method::POST, "/account/tokens/{id}/revoke", post(account::revoke_token)),
        (Method::GET, "/admin", get(admin::page)),
        (Method::POST, "/admin/users", post(admin::create_user)),
        (Method::POST, "/admin/projects", post(admin::create_project)),
        (Method::POST, "/admin/organizations", post(admin::create_organization)),
        (Method::POST, "/admin/holidays", post(admin::import_holidays)),
        (Method::GET, "/p/{code}", get(project::overview)),
        (Method::POST, "/p/{code}/settings", post(project::update_settings)),
        (Method::GET, "/p/{code}/m/{module}", get(project::module_page)),
        (Method::GET, "/p/{code}/audit", get(audit::page)),
        (Method::GET, "/p/{code}/contract", get(contract::page)),
        (Method::GET, "/p/{code}/incidents", get(incidents::list)),
        (Method::POST, "/p/{code}/incidents", post(incidents::report)),
        (Method::GET, "/p/{code}/incidents/{id}", get(incidents::detail)),
        (Method::POST, "/p/{code}/incidents/{id}/events", post(incidents::event)),
        (
            Method::POST,
            "/p/{code}/incidents/{id}/attachments",
            post(incidents::upload)
                .layer(axum::extract::DefaultBodyLimit::max(yunwei_app::files::MAX_ATTACHMENT_BYTES + 64 * 1024)),
        ),
        (Method::GET, "/p/{code}/incidents/{id}/attachments/{attachment}", get(incidents::attachment)),
        (Method::GET, "/p/{code}/incidents/{id}/report", get(report::html)),
        (Method::GET, "/p/{code}/incidents/{id}/report.docx", get(report::docx)),
        (Method::GET, "/p/{code}/inspections", get(inspections::list)),
        (Method::POST, "/p/{code}/inspections", post(inspections::plan)),
        (Method::POST, "/p/{code}/inspection-templates", post(inspections::copy_template)),
        (Method::GET, "/p/{code}/inspection-templates/{template}", get(inspections::template)),
        (Method::POST, "/p/{code}/inspection-templates/{template}", post(inspections::save_template)),
        (Method::GET, "/p/{code}/inspection-templates/{template}/edit", get(inspections::edit_template)),
        (Method::POST, "/p/{code}/inspection-plans", post(inspections::create_plan)),
        (Method::GET, "/p/{code}/inspection-plans/{id}/report", get(inspections::period_report_html)),
        (Method::GET, "/p/{code}/inspection-plans/{id}/report.docx", get(inspections::period_report_docx)),
        (Method::GET, "/p/{code}/inspections/{id}", get(inspections::detail)),
        (Method::POST, "/p/{code}/inspections/{id}/results/{key}", post(inspections::answer)),
        (Method::POST, "/p/{code}/inspections/{id}/results/{key}/incident", post(inspections::raise_incident)),
        (Method::POST, "/p/{code}/inspections/{id}/complete", post(inspections::complete)),
        (Method::POST, "/p/{code}/inspections/{id}/confirm", post(inspections::confirm)),
        (Method::GET, "/p/{code}/inspections/{id}/report", get(inspections::report_html)),
        (Method::POST, "/p/{code}/inspections/{id}/report", post(inspections::write_report)),
        (Method::GET, "/p/{code}/inspections/{id}/report.docx", get(inspections::report_docx)),
        (Method::GET, "/p/{code}/daily-log", get(daily_log::month)),
        (Method::POST, "/p/{code}/daily-log/{day}", post(daily_log::write)),
        (Method::POST, "/p/{code}/daily-log/{day}/sign", post(daily_log::sign)),
        (Method::GET, "/p/{code}/alerts", get(monitoring::list)),
        (Method::POST, "/p/{code}/backup-jobs", post(monitoring::set_job)),
        (Method::GET, "/p/{code}/cis", get(cmdb::list)),
        (Method::POST, "/p/{code}/cis", post(cmdb::create)),
        (Method::POST, "/p/{code}/cis/import", post(cmdb::import)),
        (Method::GET, "/p/{code}/cis/{id}", get(cmdb::detail)),
        (Method::POST, "/p/{code}/cis/{id}", post(cmdb::save)),
        (Method::GET, "/p/{code}/cis/{id}/edit", get(cmdb::edit_form)),
        (Method::POST, "/p/{code}/cis/{id}/relations/{relation}/delete", post(cmdb::unrelate)),
        (Method::POST, "/p/{code}/cis/{id}/relations", post(cmdb::relate)),
        (Method::GET, "/p/{code}/topology", get(topology::page)),
        (Method::GET, "/p/{code}/topology.svg", get(topology::download)),
        (Method::GET, "/p/{code}/notifications", get(notify::page)),
        (Method::POST, "/p/{code}/notifications/targets", post(notify::set_target)),
        (Method::POST, "/p/{code}/notifications/channels", post(notify::add_channel)),
        (Method::POST, "/p/{code}/notifications/channels/{id}/delete", post(notify::remove_channel)),
        (Method::GET, "/p/{code}/members", get(project::members)),
        (Method::POST, "/p/{code}/members", post(project::grant)),
        (Method::POST, "/p/{code}/members/revoke", post(project::revoke)),
    ]
}

/// Method and path of every UI route.
pub fn routes() -> Vec<(Method, &'static str)> {
    table().into_iter().map(|(m, p, _)| (m, p)).collect()
}

/// Routes of the UI.
pub fn router() -> Router<AppState> {
    table().into_iter().fold(Router::new(), |r, (_, path, mr)| r.route(path, mr))
}

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

/// Renders a template as a response.
pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(s) => Html(s).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "页面渲染失败").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    status: u16,
    title: String,
    detail: String,
    request_id: String,
}

/// An error as an HTML page of the right status.
pub fn error_page(status: StatusCode, title: &str, detail: &str) -> Response {
    let page = ErrorPage {
        status: status.as_u16(),
        title: title.to_owned(),
        detail: detail.to_owned(),
        request_id: current_request_id().unwrap_or_default(),
    };
    (status, render(&page)).into_response()
}

/// Maps a use-case error to an HTML page.
pub fn app_error_page(e: AppError) -> Response {
    let api: ApiError = e.into();
    let status = api.status();
    let (title, detail) = match status {
        StatusCode::NOT_FOUND => ("页面不存在", "您要找的内容不存在，或您不是该项目的成员。"),
        StatusCode::FORBIDDEN => ("无权访问", "您当前的角色无权查看此页面。"),
        StatusCode::UNAUTHORIZED => ("请先登录", "会话已过期，请重新登录。"),
        _ => ("出错了", "服务器处理请求时出错，请将请求编号告知管理员。"),
    };
    error_page(status, title, detail)
}

/// A failed CSRF check on a form.
pub fn csrf_failed() -> Response {
    error_page(StatusCode::FORBIDDEN, "表单已失效", "表单校验失败（可能已在其他窗口退出登录），请返回刷新页面后重试。")
}

/// Checks a form's `_csrf` field against the session.
pub fn csrf_ok(auth: &Auth, sent: &str) -> bool {
    auth.csrf().is_some_and(|c| !sent.is_empty() && c == sent)
}

/// Fallback for unknown paths: problem+json under `/api`, a page elsewhere.
pub async fn not_found(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError::new(StatusCode::NOT_FOUND, "not-found", "不存在", format!("没有接口 {}", uri.path())).into_response()
    } else {
        error_page(StatusCode::NOT_FOUND, "页面不存在", "您要找的页面不存在。")
    }
}

/// Percent-encodes a file name for `Content-Disposition: filename*=UTF-8''…` (RFC 5987).
pub(crate) fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
