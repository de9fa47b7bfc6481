//! The installation administrator's page: users, organisations, new projects.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use yunwei_app::identity as uc;
use yunwei_app::{AppError, project};

use crate::AppState;
use crate::auth::{Auth, UiAuth};
use crate::ui::csrf::CheckedForm;
use crate::ui::form_errors::{FormErrors, field_code};
use crate::ui::page::{app_error_page, error_page, render};
use crate::ui::shell::Shell;

#[derive(Template)]
#[template(path = "identity/admin.html")]
struct AdminPage {
    shell: Shell,
    users: Vec<UserView>,
    orgs: Vec<OrgView>,
    years: Vec<YearView>,
    message: String,
    error: String,
    /// What was pasted into the holiday form, kept when it is refused.
    holiday_text: String,
}

struct YearView {
    year: i32,
    holidays: usize,
    workdays: usize,
    source: String,
    origin: String,
}

struct UserView {
    username: String,
    display_name: String,
    is_admin: bool,
    active: bool,
}

struct OrgView {
    name: String,
    kind_label: &'static str,
    departments: String,
}

fn forbidden() -> Response {
    error_page(StatusCode::FORBIDDEN, "无权访问", "只有系统管理员可以进入系统管理。")
}

async fn show(st: &AppState, auth: &Auth, message: String, error: String, status: StatusCode) -> Response {
    show_with(st, auth, message, error, status, String::new()).await
}

async fn show_with(
    st: &AppState,
    auth: &Auth,
    message: String,
    error: String,
    status: StatusCode,
    holiday_text: String,
) -> Response {
    let users = match uc::list_users(&st.app, &auth.actor).await {
        Ok(u) => u,
        Err(AppError::Forbidden(_)) => return forbidden(),
        Err(e) => return app_error_page(e),
    };
    let orgs = match uc::list_organizations(&st.app).await {
        Ok(o) => o,
        Err(e) => return app_error_page(e),
    };
    let years = match yunwei_app::holidays::list(&st.app).await {
        Ok(y) => y,
        Err(e) => return app_error_page(e),
    };
    let shell = match Shell::build(st, auth, "系统管理", None, "admin").await {
        Ok(s) => s,
        Err(e) => return app_error_page(e),
    };
    let page = AdminPage {
        shell,
        users: users
            .into_iter()
            .map(|u| UserView {
                username: u.username,
                display_name: u.display_name,
                is_admin: u.is_admin,
                active: u.active,
            })
            .collect(),
        orgs: orgs
            .into_iter()
            .map(|(o, d)| OrgView {
                kind_label: o.kind.parse::<yunwei_domain::identity::OrgKind>().map(|k| k.label()).unwrap_or("机构"),
                name: o.name,
                departments: d.into_iter().map(|d| d.name).collect::<Vec<_>>().join("、"),
            })
            .collect(),
        years: years
            .into_iter()
            .map(|y| YearView {
                year: y.year,
                holidays: y.holidays,
                workdays: y.workdays,
                source: y.source,
                origin: match y.imported {
                    Some((at, by)) => format!(
                        "{} 由 {by} 导入",
                        at.with_timezone(&yunwei_domain::time::DEFAULT_TZ).format("%Y-%m-%d %H:%M")
                    ),
                    None => "随版本提供".to_owned(),
                },
            })
            .collect(),
        message,
        error,
        holiday_text,
    };
    (status, render(&page)).into_response()
}

/// How the administration page words a refused form (its fields' codes read as they are).
const FORM: FormErrors = FormErrors::new(field_code);

async fn outcome(st: &AppState, auth: &Auth, r: Result<String, AppError>) -> Response {
    match r {
        Ok(msg) => show(st, auth, msg, String::new(), StatusCode::OK).await,
        Err(AppError::Forbidden(_)) => forbidden(),
        Err(e) => match FORM.reasons(e) {
            Ok(msg) => show(st, auth, String::new(), msg, StatusCode::UNPROCESSABLE_ENTITY).await,
            Err(e) => app_error_page(e),
        },
    }
}

/// `GET /admin`.
pub async fn page(State(st): State<AppState>, UiAuth(auth): UiAuth) -> Response {
    show(&st, &auth, String::new(), String::new(), StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct UserForm {
    #[serde(default)]
    _csrf: String,
    username: String,
    display_name: String,
    password: String,
    #[serde(default)]
    organization: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    is_admin: Option<String>,
}

fn opt(s: &str) -> Option<&str> {
    Some(s.trim()).filter(|s| !s.is_empty())
}

/// `POST /admin/users`.
pub async fn create_user(State(st): State<AppState>, CheckedForm(auth, f): CheckedForm<UserForm>) -> Response {
    let r = uc::add_user(
        &st.app,
        Some(&auth.actor),
        uc::NewUserInput {
            username: &f.username,
            display_name: &f.display_name,
            password: Some(&f.password),
            is_admin: f.is_admin.is_some(),
            organization: opt(&f.organization),
            department: opt(&f.department),
        },
    )
    .await
    .map(|_| format!("已添加用户 {}", f.username.trim()));
    outcome(&st, &auth, r).await
}

#[derive(Deserialize)]
pub struct ProjectForm {
    #[serde(default)]
    _csrf: String,
    code: String,
    name: String,
    #[serde(default)]
    hospital: String,
    #[serde(default)]
    vendor: String,
    #[serde(default)]
    timezone: String,
    /// Grant the creator the project administrator role, so the project is visible to them.
    #[serde(default)]
    join: Option<String>,
}

/// `POST /admin/projects`.
pub async fn create_project(State(st): State<AppState>, CheckedForm(auth, f): CheckedForm<ProjectForm>) -> Response {
    let r = project::create(
        &st.app,
        Some(&auth.actor),
        project::NewProjectInput {
            code: &f.code,
            name: &f.name,
            hospital: opt(&f.hospital),
            vendor: opt(&f.vendor),
            timezone: opt(&f.timezone),
        },
    )
    .await;
    match r {
        Ok(p) if f.join.is_some() => {
            match project::grant(&st.app, None, &p.code, &auth.actor.username, "admin").await {
                Ok(_) => Redirect::to(&format!("/p/{}/members", p.code)).into_response(),
                Err(e) => app_error_page(e),
            }
        }
        Ok(p) => outcome(&st, &auth, Ok(format!("已创建项目 {}", p.code))).await,
        Err(e) => outcome(&st, &auth, Err(e)).await,
    }
}

#[derive(Deserialize)]
pub struct OrgForm {
    #[serde(default)]
    _csrf: String,
    kind: String,
    name: String,
    #[serde(default)]
    departments: String,
}

/// `POST /admin/organizations`: an organisation with departments (one per line or separated by 、).
pub async fn create_organization(State(st): State<AppState>, CheckedForm(auth, f): CheckedForm<OrgForm>) -> Response {
    let r = async {
        let id = uc::create_organization(&st.app, &auth.actor, &f.kind, &f.name).await?;
        for d in f.departments.split(['\n', '、', ',', '，']).map(str::trim).filter(|d| !d.is_empty()) {
            uc::create_department(&st.app, &auth.actor, yunwei_domain::id::OrganizationId::new(id), d).await?;
        }
        Ok(format!("已添加机构 {}", f.name.trim()))
    }
    .await;
    outcome(&st, &auth, r).await
}

#[derive(Deserialize)]
pub struct HolidayForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    document: String,
}

/// `POST /admin/holidays`: add or correct holiday years (the JSON of `yunwei calendar import`).
pub async fn import_holidays(State(st): State<AppState>, CheckedForm(auth, f): CheckedForm<HolidayForm>) -> Response {
    match yunwei_app::holidays::import(&st.app, Some(&auth.actor), &f.document, Some("管理员在系统管理页导入")).await
    {
        Ok(years) => {
            let y = years.iter().map(ToString::to_string).collect::<Vec<_>>().join("、");
            show(&st, &auth, format!("已导入 {y} 年节假日安排"), String::new(), StatusCode::OK).await
        }
        Err(AppError::Forbidden(_)) => forbidden(),
        Err(e) => match FORM.reasons(e) {
            Ok(msg) => {
                let msg = format!("节假日数据有误，未导入：{msg}");
                show_with(&st, &auth, String::new(), msg, StatusCode::UNPROCESSABLE_ENTITY, f.document).await
            }
            Err(e) => app_error_page(e),
        },
    }
}
