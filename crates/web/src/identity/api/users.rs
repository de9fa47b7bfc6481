//! `/api/v1/users`: user administration (installation administrators).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yunwei_app::identity as uc;

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::extract::{ApiJson, ApiQuery};
use crate::http::page::{Page, Paging};
use crate::http::time::rfc3339;
use crate::openapi::problems::{Conflict, Forbidden, Invalid};

/// A user as administrators see it (never the password hash).
#[derive(Serialize, ToSchema)]
pub struct UserInfo {
    /// User id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Name shown in the UI.
    pub display_name: String,
    /// Installation administrator.
    pub is_admin: bool,
    /// Can log in.
    pub active: bool,
    /// Created at (RFC 3339).
    pub created_at: String,
}

/// The users, newest first.
#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    params(Paging),
    responses((status = 200, body = Page<UserInfo>), Forbidden, Invalid))]
pub async fn list_users(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<Page<UserInfo>>, ApiError> {
    let rows = uc::users_page(&st.app, &auth.actor, paging.after_id()?, paging.fetch()).await?;
    Ok(Json(paging.page_by_id(
        rows,
        |u| u.id,
        |u| UserInfo {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            is_admin: u.is_admin,
            active: u.active,
            created_at: rfc3339(u.created_at),
        },
    )))
}

/// A user to create.
#[derive(Deserialize, ToSchema)]
pub struct CreateUserRequest {
    /// Login name (letters, digits, `.`, `_`, `-`).
    pub username: String,
    /// Name shown in the UI.
    pub display_name: String,
    /// Initial password (at least 8 characters); omit for token-only integration users.
    pub password: Option<String>,
    /// Installation administrator.
    #[serde(default)]
    pub is_admin: bool,
    /// Name of the user's organisation.
    pub organization: Option<String>,
    /// Name of the user's department within the organisation.
    pub department: Option<String>,
}

/// The created user's id.
#[derive(Serialize, ToSchema)]
pub struct Created {
    /// Id of the new record.
    pub id: i64,
}

/// Creates a user.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = CreateUserRequest,
    responses(
        (status = 201, body = Created),
        Forbidden,
        Conflict,
        Invalid,
    ))]
pub async fn create_user(
    State(st): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<CreateUserRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let id = uc::add_user(
        &st.app,
        Some(&auth.actor),
        uc::NewUserInput {
            username: &req.username,
            display_name: &req.display_name,
            password: req.password.as_deref(),
            is_admin: req.is_admin,
            organization: req.organization.as_deref(),
            department: req.department.as_deref(),
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}
