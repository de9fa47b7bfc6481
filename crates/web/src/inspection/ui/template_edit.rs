//! A project template edited as rows (section, name, standard, method, result kind, unit, range,
//! automatic incident, cycle): rows are added (a blank row without script, a button with it) and
//! deleted, each save is a new version, a form read at an older version is refused, and every
//! refusal is shown beside the field it names.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use yunwei_app::AppError;
use yunwei_app::access::ProjectAccess;
use yunwei_app::inspection::{self as uc, TemplateView};
use yunwei_domain::ValidationErrors;
use yunwei_domain::cmdb::CI_TYPES;
use yunwei_domain::identity::Permission;
use yunwei_domain::inspection::{ItemInput, Period, ResultKind, TemplateInput};

use super::executions::ACTIVE;
use super::templates::{FORM, find};
use crate::AppState;
use crate::auth::{Auth, UiAuth};
use crate::contract::ui::severities;
use crate::ui::csrf::CheckedForm;
use crate::ui::page::{app_error_page, error_page, render};
use crate::ui::shell::Shell;

/// One item row of the edit form, as typed.
#[derive(Default, Clone)]
struct RowView {
    /// Its index in the field names (`items[3].name`): kept across a refusal, so a script can
    /// add rows without renumbering.
    idx: String,
    section: String,
    name: String,
    standard: String,
    method: String,
    result: String,
    unit: String,
    min: String,
    max: String,
    cycle: String,
    incident: String,
    /// The refusals of its fields (field → reason).
    errors: BTreeMap<String, String>,
}

impl RowView {
    /// The reason field `f` was refused, or "".
    fn err(&self, f: &str) -> &str {
        self.errors.get(f).map(String::as_str).unwrap_or("")
    }

    fn blank(&self) -> bool {
        [&self.section, &self.name, &self.standard, &self.method, &self.unit, &self.min, &self.max]
            .iter()
            .all(|s| s.trim().is_empty())
    }
}

/// The edit form as typed.
#[derive(Default)]
struct EditForm {
    csrf: String,
    version: String,
    name: String,
    title: String,
    source: String,
    cycle: String,
    header: String,
    ci_types: Vec<String>,
    rows: Vec<RowView>,
    /// Refusals of the template's own fields (field → reason).
    errors: BTreeMap<String, String>,
}

impl EditForm {
    fn err(&self, f: &str) -> &str {
        self.errors.get(f).map(String::as_str).unwrap_or("")
    }

    fn has_ci_type(&self, c: &str) -> bool {
        self.ci_types.iter().any(|t| t == c)
    }
}

#[derive(Template)]
#[template(path = "inspection/inspection_template_edit.html")]
struct EditPage {
    shell: Shell,
    code: String,
    template_code: String,
    version: i64,
    f: EditForm,
    /// The blank row the form always ends with.
    blank: RowView,
    /// The row a script adds (`__i__` replaced by the next index), and that index.
    proto: RowView,
    next: usize,
    error: String,
    periods: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    severities: Vec<(String, String)>,
    ci_types: Vec<(&'static str, &'static str)>,
}

fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_default()
}

fn num(n: Option<f64>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

/// The form a template opens with.
fn form_of(v: &TemplateView) -> EditForm {
    let t = v.template.to_input();
    EditForm {
        csrf: String::new(),
        version: v.version.to_string(),
        name: t.name,
        title: opt(&t.title),
        source: opt(&t.source),
        cycle: opt(&t.cycle),
        header: t.header.join("、"),
        ci_types: t.ci_types,
        rows: t
            .items
            .iter()
            .enumerate()
            .map(|(i, it)| RowView {
                idx: i.to_string(),
                section: it.section.clone(),
                name: it.name.clone(),
                standard: opt(&it.standard),
                method: opt(&it.method),
                result: opt(&it.result),
                unit: opt(&it.unit),
                min: num(it.min),
                max: num(it.max),
                cycle: opt(&it.cycle),
                incident: opt(&it.incident),
                errors: BTreeMap::new(),
            })
            .collect(),
        errors: BTreeMap::new(),
    }
}

#[allow(clippy::too_many_arguments)]
async fn edit_page(
    st: &AppState,
    auth: &Auth,
    code: &str,
    access: &ProjectAccess,
    v: &TemplateView,
    f: EditForm,
    error: String,
    status: StatusCode,
) -> Response {
    let mut sev = severities(st, auth, code).await;
    // A level the contract no longer has stays selectable, so it is refused by name.
    for r in &f.rows {
        if !r.incident.is_empty() && !sev.iter().any(|(c, _)| *c == r.incident) {
            sev.push((r.incident.clone(), r.incident.clone()));
        }
    }
    let shell = match Shell::build(st, auth, format!("编辑 {}", v.template.name), Some(access), ACTIVE).await {
        Ok(s) => s,
        Err(e) => return app_error_page(e),
    };
    let next = f.rows.iter().filter_map(|r| r.idx.parse::<usize>().ok()).max().map_or(0, |m| m + 1);
    let page = EditPage {
        shell,
        code: code.to_owned(),
        template_code: v.template.code.clone(),
        version: v.version,
        blank: RowView { idx: next.to_string(), result: ResultKind::OkAbnormal.code().into(), ..Default::default() },
        proto: RowView { idx: "__i__".into(), result: ResultKind::OkAbnormal.code().into(), ..Default::default() },
        next: next + 1,
        f,
        error,
        periods: Period::ALL.iter().map(|p| (p.code(), p.label())).collect(),
        kinds: ResultKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
        severities: sev,
        ci_types: CI_TYPES.iter().map(|t| (t.code, t.name_zh)).collect(),
    };
    (status, render(&page)).into_response()
}

/// What a built-in's edit page says instead.
fn builtin_refusal() -> Response {
    error_page(
        StatusCode::CONFLICT,
        "内置模板不能修改",
        "内置模板随版本提供，不能修改；请先在模板页“复制为本项目模板”，再编辑副本。",
    )
}

/// `GET /p/{code}/inspection-templates/{template}/edit`: a project template as an editable form.
pub async fn edit(
    State(st): State<AppState>,
    UiAuth(auth): UiAuth,
    Path((code, template)): Path<(String, String)>,
) -> Response {
    let (access, v) = match find(&st, &auth, &code, &template, Permission::InspectionTemplateWrite).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    if v.builtin {
        return builtin_refusal();
    }
    let f = form_of(&v);
    edit_page(&st, &auth, &code, &access, &v, f, String::new(), StatusCode::OK).await
}

/// `items[3].name` → (`3`, `name`).
fn item_key(k: &str) -> Option<(&str, &str)> {
    let rest = k.strip_prefix("items[")?;
    let (idx, field) = rest.split_once("].")?;
    Some((idx, field))
}

/// The posted form: the template's fields, and the item rows in the order they came (deleted and
/// blank rows dropped; a row without a section continues the one above).
fn parse_form(pairs: Vec<(String, String)>) -> EditForm {
    let mut f = EditForm::default();
    let mut rows: Vec<RowView> = Vec::new();
    let mut deleted: Vec<String> = Vec::new();
    for (k, v) in pairs {
        match k.as_str() {
            "_csrf" => f.csrf = v,
            "version" => f.version = v,
            "name" => f.name = v,
            "title" => f.title = v,
            "source" => f.source = v,
            "cycle" => f.cycle = v,
            "header" => f.header = v,
            "ci_types" => f.ci_types.push(v),
            other => {
                let Some((idx, field)) = item_key(other) else { continue };
                if field == "delete" {
                    deleted.push(idx.to_owned());
                    continue;
                }
                let at = match rows.iter().position(|r| r.idx == idx) {
                    Some(at) => at,
                    None => {
                        rows.push(RowView { idx: idx.to_owned(), ..Default::default() });
                        rows.len() - 1
                    }
                };
                let r = &mut rows[at];
                match field {
                    "section" => r.section = v,
                    "name" => r.name = v,
                    "standard" => r.standard = v,
                    "method" => r.method = v,
                    "result" => r.result = v,
                    "unit" => r.unit = v,
                    "min" => r.min = v,
                    "max" => r.max = v,
                    "cycle" => r.cycle = v,
                    "incident" => r.incident = v,
                    _ => {}
                }
            }
        }
    }
    let mut last_section = String::new();
    for mut r in rows.into_iter().filter(|r| !deleted.contains(&r.idx) && !r.blank()) {
        if r.section.trim().is_empty() {
            r.section.clone_from(&last_section);
        }
        last_section.clone_from(&r.section);
        f.rows.push(r);
    }
    f.ci_types.retain(|c| !c.trim().is_empty());
    f
}

/// The use case's input from the form; numbers that are not numbers are refused by row and field.
fn input_of(f: &EditForm, code: &str) -> Result<TemplateInput, ValidationErrors> {
    let mut v = ValidationErrors::default();
    let some = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let items = f
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut number = |field: &str, s: &str| match s.trim() {
                "" => None,
                s => s.parse::<f64>().ok().filter(|n| n.is_finite()).or_else(|| {
                    v.push(format!("items[{i}].{field}"), "须为数字");
                    None
                }),
            };
            let (min, max) = (number("min", &r.min), number("max", &r.max));
            ItemInput {
                section: r.section.clone(),
                name: r.name.clone(),
                standard: some(&r.standard),
                method: some(&r.method),
                result: some(&r.result),
                unit: some(&r.unit),
                min,
                max,
                cycle: some(&r.cycle),
                incident: some(&r.incident),
            }
        })
        .collect();
    v.into_result()?;
    Ok(TemplateInput {
        code: code.to_owned(),
        name: f.name.clone(),
        title: some(&f.title),
        source: some(&f.source),
        cycle: some(&f.cycle),
        header: f.header.split(['、', ',', '，']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect(),
        ci_types: f.ci_types.clone(),
        items,
    })
}

/// Puts each refusal beside its field: `items[2].min` on the third row, `name` on the name; gives
/// back those that name no field of the form.
fn place_errors(f: &mut EditForm, errors: &ValidationErrors) -> ValidationErrors {
    let mut loose = ValidationErrors::default();
    for e in &errors.0 {
        let placed = match item_key(&e.field) {
            Some((idx, field)) => match idx.parse::<usize>().ok().and_then(|i| f.rows.get_mut(i)) {
                Some(r) => {
                    r.errors.entry(field.to_owned()).or_insert_with(|| e.reason.clone());
                    true
                }
                None => false,
            },
            None => {
                let key = if e.field.starts_with("header") {
                    "header"
                } else if e.field.starts_with("ci_types") {
                    "ci_types"
                } else {
                    e.field.as_str()
                };
                if ["name", "title", "source", "cycle", "header", "ci_types"].contains(&key) {
                    f.errors.entry(key.to_owned()).or_insert_with(|| e.reason.clone());
                    true
                } else {
                    false
                }
            }
        };
        if !placed {
            loose.0.push(e.clone());
        }
    }
    loose
}

/// `POST /p/{code}/inspection-templates/{template}`: saves the form as the template's next version.
pub async fn save(
    State(st): State<AppState>,
    Path((code, template)): Path<(String, String)>,
    CheckedForm(auth, pairs): CheckedForm<Vec<(String, String)>>,
) -> Response {
    let mut f = parse_form(pairs);
    let (access, v) = match find(&st, &auth, &code, &template, Permission::InspectionTemplateWrite).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    if v.builtin {
        return builtin_refusal();
    }
    let Ok(expected) = f.version.trim().parse::<i64>() else {
        let msg = "表单缺少版本号，请重新打开编辑页".to_owned();
        return edit_page(&st, &auth, &code, &access, &v, f, msg, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let result = match input_of(&f, &v.template.code) {
        Ok(input) => uc::update_template(&st.app, &auth.actor, &code, &template, input, expected).await,
        Err(e) => Err(e.into()),
    };
    let (status, msg) = match result {
        Ok(saved) => {
            let to = format!("/p/{code}/inspection-templates/{}", saved.template.code);
            return Redirect::to(&to).into_response();
        }
        Err(AppError::Invalid(errors)) => {
            let loose = place_errors(&mut f, &errors);
            let mut msg = format!("未保存：有 {} 处需要修改，见标红的字段", errors.0.len());
            if !loose.0.is_empty() {
                let loose = FORM.reasons(AppError::Invalid(loose)).unwrap_or_default();
                msg = format!("{msg}；{loose}");
            }
            (StatusCode::UNPROCESSABLE_ENTITY, msg)
        }
        Err(AppError::Stale { current }) => (
            StatusCode::CONFLICT,
            format!("未保存：模板已被他人保存为第 {current} 版。请复制您的修改后重新打开编辑页，在最新版本上再改。"),
        ),
        Err(AppError::Conflict { reason, .. }) => (StatusCode::CONFLICT, format!("未保存：{reason}")),
        Err(e) => return app_error_page(e),
    };
    edit_page(&st, &auth, &code, &access, &v, f, msg, status).await
}
