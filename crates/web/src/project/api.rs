//! `/api/v1/projects`: the caller's projects, one project, its members.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yunwei_app::access::ProjectAccess;
use yunwei_app::project::{self as uc, ProjectRow};
use yunwei_domain::identity::Permission;

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::etag::{if_match_version, json_with_etag};
use crate::http::extract::{ApiJson, ApiPath};
use crate::http::time::rfc3339;
use crate::identity::api::users::Created;
use crate::openapi::problems::{
    Conflict, Forbidden, Invalid, NotFound, PreconditionFailed, PreconditionRequired, Unauthorized,
};

/// A project (one hospital × vendor service contract).
#[derive(Serialize, ToSchema)]
pub struct ProjectInfo {
    /// Id.
    pub id: i64,
    /// Short code used in URLs and numbers.
    pub code: String,
    /// Name.
    pub name: String,
    /// IANA time zone in which its clocks are computed.
    pub timezone: String,
    /// Whether the contract is running.
    pub active: bool,
    /// The caller's roles in it.
    pub roles: Vec<String>,
    /// Optimistic-concurrency version (also the ETag).
    pub version: i64,
    /// Created at (RFC 3339).
    pub created_at: String,
    /// Updated at (RFC 3339).
    pub updated_at: String,
}

fn info(p: ProjectRow, roles: Vec<String>) -> ProjectInfo {
    ProjectInfo {
        id: p.id,
        code: p.code,
        name: p.name,
        timezone: p.timezone,
        active: p.active,
        roles,
        version: p.version,
        created_at: rfc3339(p.created_at),
        updated_at: rfc3339(p.updated_at),
    }
}

fn role_codes(a: &ProjectAccess) -> Vec<String> {
    a.roles.0.iter().map(|r| r.code().to_owned()).collect()
}

/// The projects the caller is a member of.
#[utoipa::path(get, path = "/api/v1/projects", tag = "projects",
    responses((status = 200, body = Vec<ProjectInfo>), Unauthorized))]
pub async fn list_projects(State(st): State<AppState>, auth: Auth) -> Result<Json<Vec<ProjectInfo>>, ApiError> {
    let list = uc::list_mine(&st.app, &auth.actor).await?;
    Ok(Json(
        list.into_iter()
            .map(|a| {
                let roles = role_codes(&a);
                info(a.project, roles)
            })
            .collect(),
    ))
}

/// A project to create.
#[derive(Deserialize, ToSchema)]
pub struct CreateProjectRequest {
    /// Short code (2–32 lower-case letters, digits, `-`).
    pub code: String,
    /// Name.
    pub name: String,
    /// Hospital (created if new).
    pub hospital: Option<String>,
    /// Vendor (created if new).
    pub vendor: Option<String>,
    /// IANA time zone, default `Asia/Shanghai`.
    pub timezone: Option<String>,
}

/// Creates a project (installation administrators). Members are granted separately.
#[utoipa::path(post, path = "/api/v1/projects", tag = "projects", request_body = CreateProjectRequest,
    responses(
        (status = 201, body = Created),
        Forbidden,
        Conflict,
        Invalid,
    ))]
pub async fn create_project(
    State(st): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<CreateProjectRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let p = uc::create(
        &st.app,
        Some(&auth.actor),
        uc::NewProjectInput {
            code: &req.code,
            name: &req.name,
            hospital: req.hospital.as_deref(),
            vendor: req.vendor.as_deref(),
            timezone: req.timezone.as_deref(),
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Created { id: p.id })))
}

/// One project, with its ETag.
#[utoipa::path(get, path = "/api/v1/projects/{code}", tag = "projects",
    params(("code" = String, Path, description = "项目代码")),
    responses((status = 200, body = ProjectInfo, headers(("ETag" = String))), NotFound))]
pub async fn get_project(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(code): ApiPath<String>,
) -> Result<Response, ApiError> {
    let a = yunwei_app::access::authorize(&st.app, &auth.actor, &code, Permission::ProjectRead).await?;
    let roles = role_codes(&a);
    let v = a.project.version;
    Ok(json_with_etag(v, info(a.project, roles)))
}

/// Fields to change; omitted fields keep their value.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProjectRequest {
    /// New name.
    pub name: Option<String>,
    /// New IANA time zone.
    pub timezone: Option<String>,
    /// Whether the contract is running.
    pub active: Option<bool>,
}

/// Updates a project. Requires `If-Match` with the ETag of the version being changed; a stale
/// one gets 412 and nothing is written.
#[utoipa::path(patch, path = "/api/v1/projects/{code}", tag = "projects",
    params(("code" = String, Path, description = "项目代码"), ("If-Match" = String, Header, description = "GET 返回的 ETag")),
    request_body = UpdateProjectRequest,
    responses(
        (status = 200, body = ProjectInfo, headers(("ETag" = String))),
        Forbidden,
        NotFound,
        PreconditionFailed,
        Invalid,
        PreconditionRequired,
    ))]
pub async fn update_project(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(code): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Response, ApiError> {
    let expected = if_match_version(&headers)?;
    let a = yunwei_app::access::authorize(&st.app, &auth.actor, &code, Permission::ProjectRead).await?;
    let roles = role_codes(&a);
    let req: UpdateProjectRequest = crate::http::update::parse_update(body, &info(a.project, roles))?;
    let p = uc::update(
        &st.app,
        &auth.actor,
        &code,
        expected,
        uc::ProjectPatch { name: req.name, timezone: req.timezone, active: req.active },
    )
    .await?;
    let a = yunwei_app::access::authorize(&st.app, &auth.actor, &code, Permission::ProjectRead).await?;
    let roles = role_codes(&a);
    let v = p.version;
    Ok(json_with_etag(v, info(p, roles)))
}

/// One role of one member.
#[derive(Serialize, ToSchema)]
pub struct MemberInfo {
    /// User id.
    pub user_id: i64,
    /// Login name.
    pub username: String,
    /// Name shown in the UI.
    pub display_name: String,
    /// Role code.
    pub role: String,
}

/// The project's members, one row per role held.
#[utoipa::path(get, path = "/api/v1/projects/{code}/members", tag = "projects",
    params(("code" = String, Path, description = "项目代码")),
    responses((status = 200, body = Vec<MemberInfo>), Forbidden, NotFound))]
pub async fn list_members(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Vec<MemberInfo>>, ApiError> {
    let rows = uc::members(&st.app, &auth.actor, &code).await?;
    Ok(Json(
        rows.into_iter()
            .map(|m| MemberInfo {
                user_id: m.user_id,
                username: m.username,
                display_name: m.display_name,
                role: m.role,
            })
            .collect(),
    ))
}

/// A role to grant.
#[derive(Deserialize, ToSchema)]
pub struct GrantRequest {
    /// Login name of the user.
    pub username: String,
    /// Role code (`reporter`, `hospital_it`, `dispatcher`, `engineer`, `l2_engineer`, `manager`,
    /// `storekeeper`, `auditor`, `admin`).
    pub role: String,
}

/// Grants a role in the project (project administrators).
#[utoipa::path(post, path = "/api/v1/projects/{code}/members", tag = "projects",
    params(("code" = String, Path, description = "项目代码")), request_body = GrantRequest,
    responses(
        (status = 201, description = "已授予"),
        (status = 200, description = "已持有该角色，未改变"),
        Forbidden,
        NotFound,
        Invalid,
    ))]
pub async fn grant_member(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(code): ApiPath<String>,
    ApiJson(req): ApiJson<GrantRequest>,
) -> Result<StatusCode, ApiError> {
    let changed = uc::grant(&st.app, Some(&auth.actor), &code, &req.username, &req.role).await?;
    Ok(if changed { StatusCode::CREATED } else { StatusCode::OK })
}

/// Revokes a role in the project (project administrators).
#[utoipa::path(delete, path = "/api/v1/projects/{code}/members/{username}/{role}", tag = "projects",
    params(("code" = String, Path, description = "项目代码"), ("username" = String, Path), ("role" = String, Path)),
    responses(
        (status = 204, description = "已撤销"),
        Forbidden,
        NotFound,
    ))]
pub async fn revoke_member(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath((code, username, role)): ApiPath<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    if uc::revoke(&st.app, Some(&auth.actor), &code, &username, &role).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not-found",
            "不存在",
            format!("{username} 在本项目中没有角色 {role}"),
        ))
    }
}
