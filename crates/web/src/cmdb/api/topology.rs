//! The topology drawing as SVG: `/api/v1/projects/{code}/topology` and
//! `/api/v1/cis/{id}/topology`.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;
use yunwei_app::cmdb::{self as uc, DEFAULT_DEPTH, MAX_DEPTH, Topology, TopologyScope};
use yunwei_domain::FieldError;
use yunwei_domain::id::CiId;

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::extract::{ApiPath, ApiQuery};
use crate::openapi::problems::{Forbidden, Invalid, NotFound};

/// Which CIs a project's drawing shows.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ProjectTopologyQuery {
    /// `network` (network and security devices), `physical` (also hosts and storage; the
    /// default) or `all`.
    pub scope: Option<String>,
    /// Also draw retired CIs.
    pub retired: Option<bool>,
}

/// How far around the CI to draw.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CiTopologyQuery {
    /// Relations to follow from the CI, 1 to 4 (default 2).
    pub depth: Option<u32>,
}

/// `scope` as given, or the default; a clear error naming the field otherwise.
pub fn parse_scope(v: Option<&str>) -> Result<TopologyScope, ApiError> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(TopologyScope::default()),
        Some(s) => TopologyScope::parse(s).ok_or_else(|| {
            let allowed: Vec<String> =
                TopologyScope::ALL.iter().map(|v| format!("{}（{}）", v.code(), v.name_zh())).collect();
            ApiError::invalid(vec![FieldError::new("scope", format!("未知的范围“{s}”，可选：{}", allowed.join("、")))])
        }),
    }
}

/// `depth` as given, or 2; a clear error naming the field when out of range.
pub fn parse_depth(v: Option<u32>) -> Result<u32, ApiError> {
    match v {
        None => Ok(DEFAULT_DEPTH),
        Some(d) if (1..=MAX_DEPTH).contains(&d) => Ok(d),
        Some(_) => Err(ApiError::invalid(vec![FieldError::new("depth", format!("须为 1 到 {MAX_DEPTH} 之间的整数"))])),
    }
}

/// The drawing as an SVG response: no script in it, and the policy says so.
pub fn svg_response(t: &Topology, title: &str) -> Result<Response, ApiError> {
    let body =
        crate::cmdb::svg::svg(t, title).map_err(|e| ApiError::from(yunwei_app::AppError::Internal(e.to_string())))?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, crate::cmdb::svg::SVG_CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response())
}

/// The project's topology: relations drawn in layers, uplinks above, with CIs hanging off one
/// parent listed under it.
#[utoipa::path(get, path = "/api/v1/projects/{code}/topology", tag = "cmdb",
    params(("code" = String, Path, description = "项目代码"), ProjectTopologyQuery),
    responses(
        (status = 200, description = "SVG 图", content_type = "image/svg+xml", body = String),
        Forbidden, NotFound,
        Invalid,
    ))]
pub async fn get_project_topology(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(code): ApiPath<String>,
    ApiQuery(q): ApiQuery<ProjectTopologyQuery>,
) -> Result<Response, ApiError> {
    let scope = parse_scope(q.scope.as_deref())?;
    let t = uc::project_topology(&st.app, &auth.actor, &code, scope, q.retired.unwrap_or(false)).await?;
    svg_response(&t, &format!("{code} 拓扑图（{}）", scope.name_zh()))
}

/// The topology around one CI: everything within `depth` relations of it.
#[utoipa::path(get, path = "/api/v1/cis/{id}/topology", tag = "cmdb",
    params(("id" = i64, Path, description = "配置项编号"), CiTopologyQuery),
    responses(
        (status = 200, description = "SVG 图", content_type = "image/svg+xml", body = String),
        Forbidden, NotFound,
        Invalid,
    ))]
pub async fn get_ci_topology(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<CiId>,
    ApiQuery(q): ApiQuery<CiTopologyQuery>,
) -> Result<Response, ApiError> {
    let depth = parse_depth(q.depth)?;
    let t = uc::ci_topology(&st.app, &auth.actor, id, depth).await?;
    let name = t.cis.get(&id.get()).map_or_else(|| id.to_string(), |c| c.name.clone());
    svg_response(&t, &format!("{name} 周边拓扑图"))
}
