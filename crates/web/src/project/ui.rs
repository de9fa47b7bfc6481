//! Home (project list), project overview, module pages, members.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use yunwei_app::AppError;
use yunwei_app::access::authorize;
use yunwei_app::project::{self as uc, MemberRow};
use yunwei_domain::identity::{Permission, Role};
use yunwei_domain::modules::module;

use crate::AppState;
use crate::auth::UiAuth;
use crate::ui::csrf::CheckedForm;
use crate::ui::form_errors::FormErrors;
use crate::ui::page::{app_error_page, error_page, render};
use crate::ui::shell::{NavModule, Shell};

#[derive(Template)]
#[template(path = "project/home.html")]
struct HomePage {
    shell: Shell,
    cards: Vec<ProjectCard>,
}

struct ProjectCard {
    code: String,
    name: String,
    roles: String,
    active: bool,
}

/// `GET /`: the caller's projects.
pub async fn home(State(st): State<AppState>, UiAuth(auth): UiAuth) -> Response {
    let list = match uc::list_mine(&st.app, &auth.actor).await {
        Ok(l) => l,
        Err(e) => return app_error_page(e),
    };
    let cards = list
        .into_iter()
        .map(|a| ProjectCard {
            roles: a.roles.0.iter().map(|r| r.label()).collect::<Vec<_>>().join("、"),
            code: a.project.code,
            name: a.project.name,
            active: a.project.active,
        })
        .collect();
    match Shell::build(&st, &auth, "我的项目", None, "home").await {
        Ok(shell) => render(&HomePage { shell, cards }),
        Err(e) => app_error_page(e),
    }
}

#[derive(Template)]
#[template(path = "project/project.html")]
struct OverviewPage {
    shell: Shell,
    timezone: String,
    version: i64,
    active: bool,
    can_edit: bool,
    message: String,
    error: String,
    form: SettingsView,
}

/// The settings form's values: the stored ones, or those a refused form was sent with.
struct SettingsView {
    name: String,
    timezone: String,
    active: bool,
}

fn field_label(f: &str) -> String {
    match f {
        "name" => "项目名称",
        "timezone" => "时区",
        "username" => "用户名",
        "role" => "角色",
        other => other,
    }
    .to_owned()
}

/// How the project pages word a refused form.
const FORM: FormErrors = FormErrors::new(field_label);

async fn overview_page(
    st: &AppState,
    auth: &crate::auth::Auth,
    code: &str,
    message: String,
    error: String,
    entered: Option<SettingsView>,
    status: StatusCode,
) -> Response {
    let access = match authorize(&st.app, &auth.actor, code, Permission::ProjectRead).await {
        Ok(a) => a,
        Err(e) => return app_error_page(e),
    };
    let title = access.project.name.clone();
    let can_edit = access.roles.grants(Permission::ProjectUpdate);
    let form = entered.unwrap_or_else(|| SettingsView {
        name: access.project.name.clone(),
        timezone: access.project.timezone.clone(),
        active: access.project.active,
    });
    match Shell::build(st, auth, title, Some(&access), "overview").await {
        Ok(shell) => (
            status,
            render(&OverviewPage {
                shell,
                timezone: access.project.timezone.clone(),
                version: access.project.version,
                active: access.project.active,
                can_edit,
                message,
                error,
                form,
            }),
        )
            .into_response(),
        Err(e) => app_error_page(e),
    }
}

#[derive(Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    _csrf: String,
    name: String,
    timezone: String,
    #[serde(default)]
    active: Option<String>,
    version: i64,
}

/// `POST /p/{code}/settings`: edit the project; a stale form (someone saved in between) is
/// refused and says so, rather than overwriting their change.
pub async fn update_settings(
    State(st): State<AppState>,
    Path(code): Path<String>,
    CheckedForm(auth, f): CheckedForm<SettingsForm>,
) -> Response {
    let entered = SettingsView { name: f.name.clone(), timezone: f.timezone.clone(), active: f.active.is_some() };
    let patch = uc::ProjectPatch { name: Some(f.name), timezone: Some(f.timezone), active: Some(f.active.is_some()) };
    match uc::update(&st.app, &auth.actor, &code, Some(f.version), patch).await {
        Ok(_) => overview_page(&st, &auth, &code, "已保存".into(), String::new(), None, StatusCode::OK).await,
        // The newer content is shown, not the form: the change is made again on top of it.
        Err(AppError::Stale { .. }) => {
            let msg = "保存失败：其他人刚刚修改了项目信息，下面显示的是最新内容，请核对后重新修改。".to_owned();
            overview_page(&st, &auth, &code, String::new(), msg, None, StatusCode::PRECONDITION_FAILED).await
        }
        Err(e) => match FORM.reasons(e) {
            Ok(msg) => {
                let msg = format!("保存失败：{msg}");
                let status = StatusCode::UNPROCESSABLE_ENTITY;
                overview_page(&st, &auth, &code, String::new(), msg, Some(entered), status).await
            }
            Err(e) => app_error_page(e),
        },
    }
}

/// `GET /p/{code}`: overview with the modules of the caller's roles.
pub async fn overview(State(st): State<AppState>, UiAuth(auth): UiAuth, Path(code): Path<String>) -> Response {
    overview_page(&st, &auth, &code, String::new(), String::new(), None, StatusCode::OK).await
}

#[derive(Template)]
#[template(path = "project/module.html")]
struct ModulePage {
    shell: Shell,
    module: NavModule,
}

/// `GET /p/{code}/m/{module}`: a module's page; modules not built yet say so plainly.
pub async fn module_page(
    State(st): State<AppState>,
    UiAuth(auth): UiAuth,
    Path((code, m)): Path<(String, String)>,
) -> Response {
    let access = match authorize(&st.app, &auth.actor, &code, Permission::ProjectRead).await {
        Ok(a) => a,
        Err(e) => return app_error_page(e),
    };
    let Some(info) = module(&m) else {
        return error_page(StatusCode::NOT_FOUND, "页面不存在", "没有这个模块。");
    };
    if !info.opens.admits(&access.roles) {
        return error_page(StatusCode::FORBIDDEN, "无权访问", "您当前的角色无权查看此模块。");
    }
    match Shell::build(&st, &auth, info.label, Some(&access), info.code).await {
        Ok(shell) => render(&ModulePage { shell, module: NavModule::of(info, &code) }),
        Err(e) => app_error_page(e),
    }
}

#[derive(Template)]
#[template(path = "project/members.html")]
struct MembersPage {
    shell: Shell,
    members: Vec<MemberView>,
    can_manage: bool,
    roles: Vec<(&'static str, &'static str)>,
    message: String,
    /// The member form as a refused submit sent it.
    entered_username: String,
    entered_role: String,
}

struct MemberView {
    username: String,
    display_name: String,
    role: String,
    role_label: String,
}

fn member_view(m: MemberRow) -> MemberView {
    let role_label = m.role.parse::<Role>().map(|r| r.label().to_owned()).unwrap_or_else(|_| m.role.clone());
    MemberView { username: m.username, display_name: m.display_name, role: m.role, role_label }
}

async fn members_page(
    st: &AppState,
    auth: &crate::auth::Auth,
    code: &str,
    message: String,
    entered: Option<MemberForm>,
    status: StatusCode,
) -> Response {
    let access = match authorize(&st.app, &auth.actor, code, Permission::MembersRead).await {
        Ok(a) => a,
        Err(e) => return app_error_page(e),
    };
    let members = match uc::members(&st.app, &auth.actor, code).await {
        Ok(m) => m.into_iter().map(member_view).collect(),
        Err(e) => return app_error_page(e),
    };
    let can_manage = access.roles.grants(Permission::MembersManage);
    match Shell::build(st, auth, "项目成员", Some(&access), "members").await {
        Ok(shell) => (
            status,
            render(&MembersPage {
                shell,
                members,
                can_manage,
                roles: Role::ALL.iter().map(|r| (r.code(), r.label())).collect(),
                message,
                entered_username: entered.as_ref().map(|f| f.username.clone()).unwrap_or_default(),
                entered_role: entered.map(|f| f.role).unwrap_or_default(),
            }),
        )
            .into_response(),
        Err(e) => app_error_page(e),
    }
}

/// `GET /p/{code}/members`.
pub async fn members(State(st): State<AppState>, UiAuth(auth): UiAuth, Path(code): Path<String>) -> Response {
    members_page(&st, &auth, &code, String::new(), None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    _csrf: String,
    username: String,
    role: String,
}

/// `POST /p/{code}/members`: grant a role.
pub async fn grant(
    State(st): State<AppState>,
    Path(code): Path<String>,
    CheckedForm(auth, f): CheckedForm<MemberForm>,
) -> Response {
    change(st, auth, code, f, true).await
}

/// `POST /p/{code}/members/revoke`: revoke a role.
pub async fn revoke(
    State(st): State<AppState>,
    Path(code): Path<String>,
    CheckedForm(auth, f): CheckedForm<MemberForm>,
) -> Response {
    change(st, auth, code, f, false).await
}

async fn change(st: AppState, auth: crate::auth::Auth, code: String, f: MemberForm, grant: bool) -> Response {
    let r = if grant {
        uc::grant(&st.app, Some(&auth.actor), &code, &f.username, &f.role).await
    } else {
        uc::revoke(&st.app, Some(&auth.actor), &code, &f.username, &f.role).await
    };
    match r {
        Ok(_) => Redirect::to(&format!("/p/{code}/members")).into_response(),
        Err(e) => match FORM.reasons(e) {
            Ok(msg) => {
                let msg = format!("{}：{msg}", if grant { "未能添加" } else { "未能移除" });
                members_page(&st, &auth, &code, msg, grant.then_some(f), StatusCode::UNPROCESSABLE_ENTITY).await
            }
            Err(e) => app_error_page(e),
        },
    }
}
