//! Checklist templates (巡检模板): one shown section by section, and copied into the project under
//! a new code and name (复制为本项目模板); the copy is then edited as rows (`template_edit`).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use yunwei_app::AppError;
use yunwei_app::access::{ProjectAccess, authorize};
use yunwei_app::inspection::{self as uc, TemplateView};
use yunwei_domain::identity::Permission;
use yunwei_domain::inspection::TemplateInput;

use super::executions::{ACTIVE, range_of};
use crate::AppState;
use crate::auth::{Auth, UiAuth};
use crate::ui::csrf::CheckedForm;
use crate::ui::form_errors::FormErrors;
use crate::ui::page::{app_error_page, error_page, render};
use crate::ui::shell::Shell;

/// One line of a checklist as the template page shows it.
struct ItemLine {
    key: String,
    name: String,
    standard: String,
    method: String,
    result: &'static str,
    range: String,
    cycle: &'static str,
    incident: String,
}

/// The copy form as typed.
#[derive(Deserialize, Default)]
pub struct CopyForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    copy_of: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
}

#[derive(Template)]
#[template(path = "inspection/inspection_template.html")]
struct ShowPage {
    shell: Shell,
    code: String,
    name: String,
    title: String,
    template_code: String,
    source: String,
    cycle: &'static str,
    header: String,
    ci_types: String,
    version: String,
    /// (section number, name, lines)
    sections: Vec<(usize, String, Vec<ItemLine>)>,
    builtin: bool,
    can_write: bool,
    copy: CopyForm,
    /// The copy form starts open (the list's 复制 link).
    copy_open: bool,
    error: String,
}

/// `?copy=1`: open the copy form.
#[derive(Deserialize, Default)]
pub struct ShowQuery {
    #[serde(default)]
    copy: String,
}

/// The template `template` of project `code` with the caller's access there, or the page to
/// show instead.
pub(super) async fn find(
    st: &AppState,
    auth: &Auth,
    code: &str,
    template: &str,
    permission: Permission,
) -> Result<(ProjectAccess, TemplateView), Response> {
    let access = authorize(&st.app, &auth.actor, code, permission).await.map_err(app_error_page)?;
    match uc::template(&st.app, &auth.actor, code, template).await {
        Ok(v) => Ok((access, v)),
        Err(AppError::NotFound(_)) => Err(error_page(StatusCode::NOT_FOUND, "页面不存在", "没有这个巡检模板。")),
        Err(e) => Err(app_error_page(e)),
    }
}

#[allow(clippy::too_many_arguments)]
async fn show_page(
    st: &AppState,
    auth: &Auth,
    code: &str,
    template: &str,
    copy: CopyForm,
    copy_open: bool,
    error: String,
    status: StatusCode,
) -> Response {
    let (access, v) = match find(st, auth, code, template, Permission::InspectionRead).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let t = &v.template;
    let sections = t
        .sections()
        .into_iter()
        .enumerate()
        .map(|(i, (name, items))| {
            let lines = items
                .into_iter()
                .map(|it| ItemLine {
                    key: it.key.clone(),
                    name: it.name.clone(),
                    standard: it.standard.clone().unwrap_or_default(),
                    method: it.method.clone().unwrap_or_default(),
                    result: it.result.label(),
                    range: range_of(it),
                    cycle: it.cycle.map(|c| c.label()).unwrap_or(""),
                    incident: it.incident.clone().unwrap_or_default(),
                })
                .collect();
            (i + 1, name.to_owned(), lines)
        })
        .collect();
    let ci_types = t
        .ci_types
        .iter()
        .map(|c| yunwei_domain::cmdb::ci_type(c).map(|t| t.name_zh.to_owned()).unwrap_or_else(|| c.clone()))
        .collect::<Vec<_>>()
        .join("、");
    let version = match (&v.builtin, &v.based_on) {
        (true, _) => "内置（随版本提供，复制后可编辑）".to_owned(),
        (false, Some(b)) => format!("第 {} 版，复制自 {b}", v.version),
        (false, None) => format!("第 {} 版", v.version),
    };
    let shell = match Shell::build(st, auth, &t.name, Some(&access), ACTIVE).await {
        Ok(s) => s,
        Err(e) => return app_error_page(e),
    };
    // A fresh copy form suggests a code and a name the project does not have yet.
    let copy = if copy.code.is_empty() && copy.name.is_empty() && error.is_empty() {
        CopyForm { code: format!("{}-copy", t.code), name: format!("{}（本项目）", t.name), ..copy }
    } else {
        copy
    };
    let page = ShowPage {
        shell,
        code: code.to_owned(),
        name: t.name.clone(),
        title: t.title.clone(),
        template_code: t.code.clone(),
        source: t.source.clone(),
        cycle: t.cycle.label(),
        header: t.header.join("、"),
        ci_types,
        version,
        sections,
        builtin: v.builtin,
        can_write: access.roles.grants(Permission::InspectionTemplateWrite),
        copy,
        copy_open,
        error,
    };
    (status, render(&page)).into_response()
}

/// `GET /p/{code}/inspection-templates/{template}`: one checklist, section by section.
pub async fn show(
    State(st): State<AppState>,
    UiAuth(auth): UiAuth,
    Path((code, template)): Path<(String, String)>,
    Query(q): Query<ShowQuery>,
) -> Response {
    let open = !q.copy.is_empty();
    show_page(&st, &auth, &code, &template, CopyForm::default(), open, String::new(), StatusCode::OK).await
}

pub(super) fn field_label(f: &str) -> String {
    match f {
        "code" => "模板代码",
        "name" => "名称",
        "title" => "表名",
        "source" => "来源",
        "cycle" => "周期",
        "header" => "表头",
        "items" => "巡检项目",
        "copy_of" => "复制自",
        "section" => "分节",
        "standard" => "参考标准",
        "method" => "巡检方法",
        "result" => "结果类型",
        "unit" => "单位",
        "min" => "下限",
        "max" => "上限",
        "incident" => "异常自动报障",
        f if f.starts_with("ci_types") => "适用配置项",
        f if f.starts_with("header") => "表头",
        other => other,
    }
    .to_owned()
}

/// How the template pages word a refused form.
pub(super) const FORM: FormErrors = FormErrors::new(field_label);

/// `POST /p/{code}/inspection-templates`: copies a template into the project; on success, the
/// copy's edit page.
pub async fn copy(
    State(st): State<AppState>,
    Path(code): Path<String>,
    CheckedForm(auth, f): CheckedForm<CopyForm>,
) -> Response {
    let input = TemplateInput {
        code: f.code.trim().to_owned(),
        name: f.name.trim().to_owned(),
        title: None,
        source: None,
        cycle: None,
        header: Vec::new(),
        ci_types: Vec::new(),
        items: Vec::new(),
    };
    let from = f.copy_of.trim().to_owned();
    match uc::create_template(&st.app, &auth.actor, &code, input, Some(&from)).await {
        Ok(v) => Redirect::to(&format!("/p/{code}/inspection-templates/{}/edit", v.template.code)).into_response(),
        Err(e) => {
            let msg = match FORM.reasons(e) {
                Ok(msg) => msg,
                Err(e) => return app_error_page(e),
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            show_page(&st, &auth, &code, &from, f, true, format!("未能复制：{msg}"), status).await
        }
    }
}
