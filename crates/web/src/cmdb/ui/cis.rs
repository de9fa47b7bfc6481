//! The CMDB pages: the configuration items of a project with filters, a form to record one, the
//! spreadsheet import (with a dry run) and export; and one CI with its addresses, attributes,
//! relations, what a failure of it impacts, and its history.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::Value;
use yunwei_app::AppError;
use yunwei_app::access::{ProjectAccess, authorize};
use yunwei_app::cmdb::{self as uc, ImportOptions, ImportReport};
use yunwei_domain::cmdb::{self as domain, CiStatus, RelationInput, RelationKind};
use yunwei_domain::identity::Permission;
use yunwei_store::cmdb::{CiFilter, CiRow};

use crate::AppState;
use crate::auth::{Auth, UiAuth};
use crate::ui::csrf::{csrf_failed, csrf_ok};
use crate::ui::page::{app_error_page, render};
use crate::ui::shell::Shell;
use crate::ui::time::tz_of;

fn type_name(code: &str) -> String {
    domain::ci_type(code).map(|t| t.name_zh.to_owned()).unwrap_or_else(|| code.to_owned())
}

fn status_name(code: &str) -> String {
    CiStatus::parse(code).map(|s| s.label().to_owned()).unwrap_or_else(|| code.to_owned())
}

fn location(r: &CiRow) -> String {
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
        Err(AppError::Invalid(v)) => (Vec::new(), v.0.iter().map(|e| e.reason.clone()).collect::<Vec<_>>().join("；")),
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
    let counts = uc::counts(&st.app, &auth.actor, code)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|(t, n)| (type_name(&t), n))
        .collect();
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

pub(crate) fn reasons(e: AppError) -> Result<String, AppError> {
    match e {
        AppError::Invalid(v) => Ok(v
            .0
            .iter()
            .map(|e| format!("{}：{}", domain::field_name_zh(e.field.split('[').next().unwrap_or(&e.field)), e.reason))
            .collect::<Vec<_>>()
            .join("；")),
        AppError::Conflict { reason, .. } => Ok(reason),
        AppError::Stale { .. } => Ok("配置项已被他人更新，请刷新后重试".into()),
        other => Err(other),
    }
}

/// `POST /p/{code}/cis`: records a CI; on success, its page.
pub async fn create(
    State(st): State<AppState>,
    UiAuth(auth): UiAuth,
    Path(code): Path<String>,
    Form(f): Form<CiForm>,
) -> Response {
    if !csrf_ok(&auth, &f._csrf) {
        return csrf_failed();
    }
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
            let status = if r.applied || dry_run { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
            list_page(&st, &auth, &code, ListQuery::default(), CiForm::default(), String::new(), Some(r), status).await
        }
        Err(e) => match reasons(e) {
            Ok(msg) => refused(&msg).await,
            Err(e) => app_error_page(e),
        },
    }
}

/// A relation as the page shows it.
struct RelView {
    /// Id of the relation (to remove it).
    id: i64,
    /// Whether this CI is the source (`本项 运行于 → other`) or the target (`other 运行于 → 本项`).
    outgoing: bool,
    text: String,
    other_id: i64,
    other: String,
}

/// A CI a failure reaches.
struct ImpactView {
    id: i64,
    name: String,
    kind: String,
    depth: u32,
}

/// A revision as the page shows it.
struct RevView {
    revision: i64,
    at: String,
    actor: String,
    cause: String,
    changes: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "cmdb/ci.html")]
struct DetailPage {
    shell: Shell,
    code: String,
    id: i64,
    name: String,
    kind: String,
    status: String,
    status_code: String,
    facts: Vec<(&'static str, String)>,
    ips: Vec<String>,
    attributes: Vec<(String, String)>,
    relations: Vec<RelView>,
    impact: Vec<ImpactView>,
    history: Vec<RevView>,
    /// Incidents naming it: (id, number, title, status label).
    incidents: Vec<(i64, String, String, String)>,
    can_write: bool,
    /// The drawing around the CI (SVG), empty without relations.
    topology: String,
    kinds: Vec<(&'static str, &'static str)>,
    error: String,
}

fn or_dash(s: &str) -> &str {
    if s.is_empty() { "—" } else { s }
}

fn show(v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

async fn detail_page(st: &AppState, auth: &Auth, code: &str, id: i64, error: String, status: StatusCode) -> Response {
    let (access, v) = match project_ci(st, auth, code, id, Permission::CmdbRead).await {
        Ok(found) => found,
        Err(e) => return app_error_page(e),
    };
    let tz = tz_of(&access);
    let (relations, impact, history) = match (
        uc::relations(&st.app, &auth.actor, id).await,
        uc::impact(&st.app, &auth.actor, id).await,
        uc::history(&st.app, &auth.actor, id).await,
    ) {
        (Ok(r), Ok(i), Ok(h)) => (r, i, h),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return app_error_page(e),
    };
    let incidents = match yunwei_store::cmdb::incidents_of(&st.app.db, id, 20).await {
        Ok(list) => list
            .into_iter()
            .map(|(iid, number, title, status)| {
                let label = yunwei_domain::servicedesk::Status::parse(&status).map(|s| s.label()).unwrap_or("未知");
                (iid, number, title, label.to_owned())
            })
            .collect(),
        Err(e) => return app_error_page(e.into()),
    };
    // The drawing around it, one relation deep; the topology page goes further.
    let topology = if relations.is_empty() {
        String::new()
    } else {
        let drawn = uc::ci_topology(&st.app, &auth.actor, id, 1)
            .await
            .map_err(|e| e.to_string())
            .and_then(|t| crate::cmdb::svg::svg(&t, &format!("{} 周边拓扑图", v.row.name)).map_err(|e| e.to_string()));
        match drawn {
            Ok(svg) => svg,
            Err(e) => return app_error_page(AppError::Internal(e)),
        }
    };
    let r = &v.row;
    let facts = vec![
        ("主机名", r.hostname.clone().unwrap_or_default()),
        ("厂商 / 型号", [r.vendor.as_deref(), r.model.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ")),
        ("序列号", r.serial.clone().unwrap_or_default()),
        ("PN号", r.part_number.clone().unwrap_or_default()),
        ("资产编号", r.asset_tag.clone().unwrap_or_default()),
        ("位置", location(r)),
        ("所属科室", r.owner_department.clone().unwrap_or_default()),
        ("保修截止", r.warranty_end.clone().unwrap_or_default()),
        ("供应商", r.supplier.clone().unwrap_or_default()),
        (
            "重要程度",
            r.criticality
                .as_deref()
                .and_then(domain::Criticality::parse)
                .map(|c| c.label().to_owned())
                .unwrap_or_default(),
        ),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .collect();
    let attributes = serde_json::from_str::<serde_json::Map<String, Value>>(&r.attributes)
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, show(&v)))
        .collect();
    let relations = relations
        .into_iter()
        .map(|rel| {
            let kind = RelationKind::parse(&rel.row.kind).map(|k| k.label()).unwrap_or("关系");
            // Ports as seen from this CI: its own first.
            let (mine, theirs) = if rel.outgoing {
                (rel.row.source_port.as_str(), rel.row.target_port.as_str())
            } else {
                (rel.row.target_port.as_str(), rel.row.source_port.as_str())
            };
            let ports = match (mine.is_empty(), theirs.is_empty()) {
                (true, true) => String::new(),
                _ => format!("（本端 {} ↔ 对端 {}）", or_dash(mine), or_dash(theirs)),
            };
            let text = format!("{kind} →{ports}");
            RelView {
                id: rel.row.id,
                outgoing: rel.outgoing,
                text,
                other_id: rel.other.id,
                other: rel.other.name.clone(),
            }
        })
        .collect();
    let impact = impact
        .into_iter()
        .map(|(i, c)| ImpactView { id: c.id, name: c.name, kind: type_name(&c.kind), depth: i.depth })
        .collect();
    let history = history
        .into_iter()
        .map(|h| RevView {
            revision: h.revision,
            at: h.at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
            actor: h.actor,
            cause: h.cause.unwrap_or_default(),
            changes: serde_json::from_str::<Vec<domain::Change>>(&h.changes)
                .unwrap_or_default()
                .into_iter()
                .map(|c| (domain::field_name_zh(&c.field), show(&c.before), show(&c.after)))
                .collect(),
        })
        .collect();
    let shell = match Shell::build(st, auth, r.name.clone(), Some(&access), "cmdb").await {
        Ok(s) => s,
        Err(e) => return app_error_page(e),
    };
    let page = DetailPage {
        shell,
        code: code.to_owned(),
        id,
        name: r.name.clone(),
        kind: type_name(&r.kind),
        status: status_name(&r.status),
        status_code: r.status.clone(),
        facts,
        ips: v.ips.iter().map(|i| i.address.clone()).collect(),
        attributes,
        relations,
        impact,
        history,
        incidents,
        can_write: access.roles.grants(Permission::CmdbWrite),
        topology,
        kinds: RelationKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
        error,
    };
    (status, render(&page)).into_response()
}

/// `GET /p/{code}/cis/{id}`.
pub async fn detail(
    State(st): State<AppState>,
    UiAuth(auth): UiAuth,
    Path((code, id)): Path<(String, i64)>,
) -> Response {
    detail_page(&st, &auth, &code, id, String::new(), StatusCode::OK).await
}

/// The relation form.
#[derive(Deserialize)]
pub struct RelationForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    kind: String,
    /// Target CI id, or its exact name.
    #[serde(default)]
    target: String,
    #[serde(default)]
    local_port: String,
    #[serde(default)]
    remote_port: String,
}

/// `POST /p/{code}/cis/{id}/relations`.
pub async fn relate(
    State(st): State<AppState>,
    UiAuth(auth): UiAuth,
    Path((code, id)): Path<(String, i64)>,
    Form(f): Form<RelationForm>,
) -> Response {
    if !csrf_ok(&auth, &f._csrf) {
        return csrf_failed();
    }
    if let Err(e) = ci_in_project(&st, &auth, &code, id).await {
        return app_error_page(e);
    }
    let target = f.target.trim();
    let target_id = match target.parse::<i64>() {
        Ok(n) => Some(n),
        Err(_) => {
            let filter = CiFilter { text: Some(target.to_owned()), ..Default::default() };
            let found = uc::list(&st.app, &auth.actor, &code, filter, 50).await.unwrap_or_default();
            found.into_iter().find(|v| v.row.name == target).map(|v| v.row.id)
        }
    };
    let Some(target_id) = target_id else {
        let msg = format!("未能添加关系：没有名为“{target}”的配置项");
        return detail_page(&st, &auth, &code, id, msg, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let input = RelationInput {
        kind: f.kind.clone(),
        target: target_id,
        local_port: opt(&f.local_port),
        remote_port: opt(&f.remote_port),
    };
    match uc::add_relation(&st.app, &auth.actor, id, &input).await {
        Ok(_) => Redirect::to(&format!("/p/{code}/cis/{id}")).into_response(),
        Err(e) => match reasons(e) {
            Ok(msg) => {
                detail_page(&st, &auth, &code, id, format!("未能添加关系：{msg}"), StatusCode::UNPROCESSABLE_ENTITY)
                    .await
            }
            Err(e) => app_error_page(e),
        },
    }
}

/// The caller's access to the page's project (with `p`) and the CI, which must be that
/// project's: a CI of another project is 404 here even to a member of both.
pub(crate) async fn project_ci(
    st: &AppState,
    auth: &Auth,
    code: &str,
    id: i64,
    p: Permission,
) -> Result<(ProjectAccess, uc::CiView), AppError> {
    let access = authorize(&st.app, &auth.actor, code, p).await?;
    let v = uc::get(&st.app, &auth.actor, id).await?;
    if v.row.project_id != access.project.id {
        return Err(AppError::NotFound(format!("配置项 {id} 不存在")));
    }
    Ok((access, v))
}

/// The CI exists in the page's project (else the page is 404).
pub(crate) async fn ci_in_project(st: &AppState, auth: &Auth, code: &str, id: i64) -> Result<(), AppError> {
    project_ci(st, auth, code, id, Permission::CmdbRead).await.map(|_| ())
}
