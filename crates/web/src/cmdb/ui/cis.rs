//! The CMDB list page: the configuration items of a project with filters, a form to record one,
//! the spreadsheet import (with a dry run) and export. One CI's page is in [`super::ci`].

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use yunwei_app::AppError;
use yunwei_app::access::authorize;
use yunwei_app::cmdb::{self as uc, CiFilter, CiRow, ImportOptions, ImportReport};
use yunwei_domain::cmdb::{self as domain, CiStatus};
use yunwei_domain::identity::Permission;

use crate::AppState;
use crate::auth::{Auth, UiAuth};
use crate::ui::csrf::{CheckedForm, csrf_failed, csrf_ok};
use crate::ui::form_errors::FormErrors;
use crate::ui::page::{app_error_page, render};
use crate::ui::shell::Shell;

pub(super) fn type_name(code: &str) -> String {
    domain::ci_type(code).map(|t| t.name_zh.to_owned()).unwrap_or_else(|| code.to_owned())
}

pub(super) fn status_name(code: &str) -> String {
    CiStatus::parse(code).map(|s| s.label().to_owned()).unwrap_or_else(|| code.to_owned())
}

pub(super) fn location(r: &CiRow) -> String {
    [&r.building, &r.room, &r.rack, &r.rack_unit].iter().filter_map(|p| p.as_deref()).collect::<Vec<_>>().join(" / ")
}

/// One row of the list.
struct Item {
    id: i64,
    name: String,
    kind: String,
    status: String,
    status_code: String,
    ips: String,
    location: String,
    model: String,
}

/// List filters as typed.
#[derive(Deserialize, Default, Clone)]
pub struct ListQuery {
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    ip: String,
    #[serde(default)]
    cursor: String,
}

/// The record form as typed; the addresses and attributes are read the way the spreadsheet
/// columns are.
#[derive(Deserialize, Default, Clone)]
pub struct CiForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    hostname: String,
    #[serde(default)]
    vendor: String,
    #[serde(default)]
    model: String,
    #[serde(default)]
    serial: String,
    #[serde(default)]
    asset_tag: String,
    #[serde(default)]
    building: String,
    #[serde(default)]
    room: String,
    #[serde(default)]
    ips: String,
    #[serde(default)]
    attributes: String,
}

#[derive(Template)]
#[template(path = "cmdb/cis.html")]
struct ListPage {
    shell: Shell,
    code: String,
    items: Vec<Item>,
    can_write: bool,
    types: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    counts: Vec<(String, i64)>,
    f: ListQuery,
    form: CiForm,
    error: String,
    report: Option<ImportReport>,
    next_url: String,
}

#[allow(clippy::too_many_arguments)]
async fn list_page(
    st: &AppState,
    auth: &Auth,
    code: &str,
    f: ListQuery,
    form: CiForm,
    error: String,
    report: Option<ImportReport>,
    status: StatusCode,
) -> Response {
    let access = match authorize(&st.app, &auth.actor, code, Permission::CmdbRead).await {
        Ok(a) => a,
        Err(e) => return app_error_page(e),
    };
    let one = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
    let filter = CiFilter {
        kinds: one(&f.kind).into_iter().collect(),
        status: one(&f.status).into_iter().collect(),
        location: None,
        text: one(&f.text),
        ip: one(&f.ip),
        before_id: crate::http::cursor::decode_cursor(&f.cursor).ok(),
    };
    let (rows, error) = match uc::list(&st.app, &auth.actor, code, filter, 101).await {
        Ok(r) => (r, error),
        Err(e @ AppError::Invalid(_)) => (Vec::new(), reasons(e).unwrap_or_default()),
        Err(e) => return app_error_page(e),
    };
    let next_url = match rows.get(99) {
        Some(last) if rows.len() > 100 => format!(
            "/p/{code}/cis?type={}&status={}&text={}&ip={}&cursor={}",
            enc(&f.kind),
            enc(&f.status),
            enc(&f.text),
            enc(&f.ip),
            crate::http::cursor::encode_cursor(last.row.id)
        ),
        _ => String::new(),
    };
    let items = rows
        .into_iter()
        .take(100)
        .map(|v| Item {
            id: v.row.id,
            name: v.row.name.clone(),
            kind: type_name(&v.row.kind),
            status: status_name(&v.row.status),
            status_code: v.row.status.clone(),
            ips: v.ips.iter().map(|i| i.address.as_str()).collect::<Vec<_>>().join(", "),
            location: location(&v.row),
            model: [v.row.vendor.as_deref(), v.row.model.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" "),
        })
        .collect();
    let counts = match uc::counts(&st.app, &auth.actor, code).await {
        Ok(c) => c.into_iter().map(|(t, n)| (type_name(&t), n)).collect(),
        Err(e) => return app_error_page(e),
    };
    let shell = match Shell::build(st, auth, "配置管理", Some(&access), "cmdb").await {
        Ok(s) => s,
        Err(e) => return app_error_page(e),
    };
    let page = ListPage {
        shell,
        code: code.to_owned(),
        items,
        can_write: access.roles.grants(Permission::CmdbWrite),
        types: domain::CI_TYPES.iter().map(|t| (t.code, t.name_zh)).collect(),
        statuses: CiStatus::ALL.iter().map(|s| (s.code(), s.label())).collect(),
        counts,
        f,
        form,
        error,
        report,
        next_url,
    };
    (status, render(&page)).into_response()
}

fn enc(s: &str) -> String {
    crate::http::files::percent_encode(s)
}

/// `GET /p/{code}/cis`.
pub async fn list(
    State(st): State<AppState>,
    UiAuth(auth): UiAuth,
    Path(code): Path<String>,
    Query(f): Query<ListQuery>,
) -> Response {
    list_page(&st, &auth, &code, f, CiForm::default(), String::new(), None, StatusCode::OK).await
}

/// The form as one spreadsheet row, so addresses and attributes read exactly as in an import.
fn form_input(f: &CiForm) -> Result<domain::CiInput, String> {
    let header = domain::header_row();
    let mut row = vec![String::new(); header.len()];
    for (h, cell) in header.iter().zip(row.iter_mut()) {
        *cell = match domain::SheetColumn::from_header(h) {
            Some(domain::SheetColumn::Name) => f.name.clone(),
            Some(domain::SheetColumn::Type) => f.kind.clone(),
            Some(domain::SheetColumn::Status) => f.status.clone(),
            Some(domain::SheetColumn::Hostname) => f.hostname.clone(),
            Some(domain::SheetColumn::Vendor) => f.vendor.clone(),
            Some(domain::SheetColumn::Model) => f.model.clone(),
            Some(domain::SheetColumn::Serial) => f.serial.clone(),
            Some(domain::SheetColumn::AssetTag) => f.asset_tag.clone(),
            Some(domain::SheetColumn::Building) => f.building.clone(),
            Some(domain::SheetColumn::Room) => f.room.clone(),
            Some(domain::SheetColumn::Ips) => f.ips.clone(),
            Some(domain::SheetColumn::Attributes) => f.attributes.clone(),
            _ => String::new(),
        };
    }
    parse_row(row)
}

/// One row of sheet cells (in [`domain::header_row`] order) read as the import reads it; the
/// first bad cell as `column：reason`.
pub(crate) fn parse_row(cells: Vec<String>) -> Result<domain::CiInput, String> {
    let rows = domain::parse_sheet(&[domain::header_row(), cells]).map_err(|e| e.to_string())?;
    let first = rows.into_iter().next().ok_or_else(|| "名称：不能为空".to_owned())?;
    if let Some(e) = first.cell_errors.first() {
        return Err(format!("{}：{}", e.column, e.reason));
    }
    Ok(first.input)
}

/// The Chinese name of a CI field (`ips[2]` is the addresses; `ip` the list's address filter).
fn field_label(f: &str) -> String {
    match f {
        "ip" => "IP 地址".to_owned(),
        f => domain::field_name_zh(f.split('[').next().unwrap_or(f)),
    }
}

/// How the CMDB pages word a refused form.
const FORM: FormErrors = FormErrors::new(field_label).stale("配置项已被他人更新，请刷新后重试");

/// The words of a refusal the page can show; other errors become error pages.
pub(crate) fn reasons(e: AppError) -> Result<String, AppError> {
    FORM.reasons(e)
}

/// `POST /p/{code}/cis`: records a CI; on success, its page.
pub async fn create(
    State(st): State<AppState>,
    Path(code): Path<String>,
    CheckedForm(auth, f): CheckedForm<CiForm>,
) -> Response {
    let result = match form_input(&f) {
        Ok(input) => uc::create(&st.app, &auth.actor, &code, &input, None).await.map_err(reasons),
        Err(msg) => Err(Ok(msg)),
    };
    match result {
        Ok(v) => Redirect::to(&format!("/p/{code}/cis/{}", v.row.id)).into_response(),
        Err(Ok(msg)) => {
            let msg = format!("未能登记：{msg}");
            list_page(&st, &auth, &code, ListQuery::default(), f, msg, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(Err(e)) => app_error_page(e),
    }
}

/// `POST /p/{code}/cis/import`: a spreadsheet, checked (dry run) or imported.
pub async fn import(
    State(st): State<AppState>,
    UiAuth(auth): UiAuth,
    Path(code): Path<String>,
    mut form: axum::extract::Multipart,
) -> Response {
    let (mut csrf, mut file, mut dry_run) = (String::new(), None::<(String, Vec<u8>)>, false);
    while let Ok(Some(field)) = form.next_field().await {
        match field.name().unwrap_or_default() {
            "_csrf" => csrf = field.text().await.unwrap_or_default(),
            "dry_run" => dry_run = true,
            "file" => {
                let name = field.file_name().unwrap_or_default().to_owned();
                file = field.bytes().await.ok().map(|b| (name, b.to_vec()));
            }
            _ => {}
        }
    }
    if !csrf_ok(&auth, &csrf) {
        return csrf_failed();
    }
    // The list page with why nothing was imported.
    let refused = |why: &str| {
        let msg = format!("未能导入：{why}");
        list_page(
            &st,
            &auth,
            &code,
            ListQuery::default(),
            CiForm::default(),
            msg,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let Some((name, bytes)) = file.filter(|f| !f.0.is_empty()) else {
        return refused("请选择 .xlsx 或 .csv 文件").await;
    };
    let opts = ImportOptions { dry_run, skip_invalid: false };
    match uc::import(&st.app, Some(&auth.actor), &code, &name, &bytes, opts, &|_, _| {}).await {
        Ok(r) => {
            let status = if r.refused(opts) { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
            list_page(&st, &auth, &code, ListQuery::default(), CiForm::default(), String::new(), Some(r), status).await
        }
        Err(e) => match reasons(e) {
            Ok(msg) => refused(&msg).await,
            Err(e) => app_error_page(e),
        },
    }
}
