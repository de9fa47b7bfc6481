//! `/api/v1/organizations`: hospitals and vendors, and their departments.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yunwei_app::identity as uc;
use yunwei_domain::id::OrganizationId;

use super::users::Created;
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::extract::{ApiJson, ApiPath};
use crate::http::time::rfc3339;
use crate::openapi::problems::{Conflict, Forbidden, Invalid, NotFound, Unauthorized};

/// A department.
#[derive(Serialize, ToSchema)]
pub struct DepartmentInfo {
    /// Id.
    pub id: i64,
    /// Name, e.g. 检验科.
    pub name: String,
}

/// An organisation with its departments.
#[derive(Serialize, ToSchema)]
pub struct OrganizationInfo {
    /// Id.
    pub id: i64,
    /// `hospital` or `vendor`.
    pub kind: String,
    /// Name.
    pub name: String,
    /// Created at (RFC 3339).
    pub created_at: String,
    /// Departments, by name.
    pub departments: Vec<DepartmentInfo>,
}

/// All organisations with their departments.
#[utoipa::path(get, path = "/api/v1/organizations", tag = "users",
    responses((status = 200, body = Vec<OrganizationInfo>), Unauthorized))]
pub async fn list_organizations(
    State(st): State<AppState>,
    _auth: Auth,
) -> Result<Json<Vec<OrganizationInfo>>, ApiError> {
    let rows = uc::list_organizations(&st.app).await?;
    Ok(Json(
        rows.into_iter()
            .map(|(o, d)| OrganizationInfo {
                id: o.id,
                kind: o.kind,
                name: o.name,
                created_at: rfc3339(o.created_at),
                departments: d.into_iter().map(|d| DepartmentInfo { id: d.id, name: d.name }).collect(),
            })
            .collect(),
    ))
}

/// An organisation to create.
#[derive(Deserialize, ToSchema)]
pub struct CreateOrganizationRequest {
    /// `hospital` (甲方) or `vendor` (乙方).
    pub kind: String,
    /// Name.
    pub name: String,
}

/// Creates an organisation (installation administrators).
#[utoipa::path(post, path = "/api/v1/organizations", tag = "users", request_body = CreateOrganizationRequest,
    responses(
        (status = 201, body = Created),
        Forbidden,
        Conflict,
        Invalid,
    ))]
pub async fn create_organization(
    State(st): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<CreateOrganizationRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let id = uc::create_organization(&st.app, &auth.actor, &req.kind, &req.name).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// A department to create.
#[derive(Deserialize, ToSchema)]
pub struct CreateDepartmentRequest {
    /// Name, e.g. 放射科.
    pub name: String,
}

/// Adds a department to an organisation (installation administrators).
#[utoipa::path(post, path = "/api/v1/organizations/{id}/departments", tag = "users",
    params(("id" = i64, Path, description = "机构编号")), request_body = CreateDepartmentRequest,
    responses(
        (status = 201, body = Created),
        Forbidden,
        NotFound,
        Conflict,
    ))]
pub async fn create_department(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<OrganizationId>,
    ApiJson(req): ApiJson<CreateDepartmentRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let id = uc::create_department(&st.app, &auth.actor, id, &req.name).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}
