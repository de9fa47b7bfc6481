//! One CI's page: its addresses, attributes, relations (with the form to add one), what a
//! failure of it impacts, the incidents naming it, its history and the drawing around it.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::Value;
use yunwei_app::AppError;
use yunwei_app::access::{ProjectAccess, authorize};
use yunwei_app::cmdb::{self as uc, CiFilter};
use yunwei_domain::cmdb::{self as domain, RelationInput, RelationKind};
use yunwei_domain::id::CiId;
use yunwei_domain::identity::Permission;

use super::cis::{location, reasons, status_name, type_name};
use crate::AppState;
use crate::auth::{Auth, UiAuth};
use crate::ui::csrf::CheckedForm;
use crate::ui::page::{app_error_page, render};
use crate::ui::shell::Shell;
use crate::ui::time::tz_of;

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

async fn detail_page(st: &AppState, auth: &Auth, code: &str, id: CiId, error: String, status: StatusCode) -> Response {
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
    let incidents = match uc::incidents(&st.app, &auth.actor, id, 20).await {
        Ok(list) => list
            .into_iter()
            .map(|i| {
                let label = yunwei_domain::servicedesk::Status::parse(&i.status).map(|s| s.label()).unwrap_or("未知");
                (i.id, i.number, i.title, label.to_owned())
            })
            .collect(),
        Err(e) => return app_error_page(e),
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
    let attributes = r.attributes.iter().map(|(k, v)| (k.clone(), show(v))).collect();
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
            changes: h
                .changes
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
        id: id.get(),
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
    Path((code, id)): Path<(String, CiId)>,
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
    Path((code, id)): Path<(String, CiId)>,
    CheckedForm(auth, f): CheckedForm<RelationForm>,
) -> Response {
    if let Err(e) = ci_in_project(&st, &auth, &code, id).await {
        return app_error_page(e);
    }
    let target = f.target.trim();
    let target_id = match target.parse::<i64>() {
        Ok(n) => Some(n),
        Err(_) => {
            let filter = CiFilter { text: Some(target.to_owned()), ..Default::default() };
            match uc::list(&st.app, &auth.actor, &code, filter, 50).await {
                Ok(found) => found.into_iter().find(|v| v.row.name == target).map(|v| v.row.id),
                Err(e) => return app_error_page(e),
            }
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
    id: CiId,
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
pub(crate) async fn ci_in_project(st: &AppState, auth: &Auth, code: &str, id: CiId) -> Result<(), AppError> {
    project_ci(st, auth, code, id, Permission::CmdbRead).await.map(|_| ())
}
