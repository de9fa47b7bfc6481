//! `/api/v1/auth`: login, logout, the caller, API tokens.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum_extra::extract::CookieJar;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yunwei_app::identity as uc;
use yunwei_domain::id::TokenId;

use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::http::extract::{ApiJson, ApiPath};
use crate::http::time::rfc3339;
use crate::openapi::problems::{Invalid, NotFound, Unauthorized};
use crate::{AppState, session_cookie};

/// Login credentials.
#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    /// Login name.
    pub username: String,
    /// Password.
    pub password: String,
}

/// A session-bound bearer token.
#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// Use as `Authorization: Bearer …`; ends with the session (logout, password change, idle
    /// timeout).
    pub token: String,
    /// The logged-in user.
    pub user: Me,
}

/// The caller.
#[derive(Serialize, ToSchema)]
pub struct Me {
    /// User id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Name shown in the UI.
    pub display_name: String,
    /// Installation administrator.
    pub is_admin: bool,
}

impl From<&yunwei_app::Actor> for Me {
    fn from(a: &yunwei_app::Actor) -> Self {
        Me {
            id: a.user_id.get(),
            username: a.username.clone(),
            display_name: a.display_name.clone(),
            is_admin: a.is_admin,
        }
    }
}

/// Logs in with a password; sets the session cookie and returns a session-bound bearer token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", security(), request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 401, body = Problem, content_type = "application/problem+json", description = "用户名或密码错误"),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "失败次数过多，暂时锁定"),
    ))]
pub async fn login(
    State(st): State<AppState>,
    jar: CookieJar,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let out = uc::login(&st.app, &req.username, &req.password).await?;
    if let Some(old) = jar.get(crate::auth::SESSION_COOKIE) {
        uc::discard_session(&st.app, old.value()).await?;
    }
    let jar = jar.add(session_cookie(&st, out.token.clone()));
    Ok((jar, Json(LoginResponse { user: Me::from(&out.actor), token: out.token })))
}

/// Ends the current session (cookie or session-bound token). API tokens are revoked instead.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204), Unauthorized))]
pub async fn logout(State(st): State<AppState>, jar: CookieJar, auth: Auth) -> Result<impl IntoResponse, ApiError> {
    uc::logout(&st.app, &auth.actor, &auth.token).await?;
    Ok((jar.remove(session_cookie(&st, String::new())), StatusCode::NO_CONTENT))
}

/// The caller.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth",
    responses((status = 200, body = Me), Unauthorized))]
pub async fn me(auth: Auth) -> Json<Me> {
    Json(Me::from(&auth.actor))
}

/// An API token's metadata (the secret is shown only once, at creation).
#[derive(Serialize, ToSchema)]
pub struct TokenInfo {
    /// Token id.
    pub id: i64,
    /// What it is for.
    pub name: String,
    /// First characters, to recognise it.
    pub prefix: String,
    /// Created at (RFC 3339).
    pub created_at: String,
    /// Last used at, if ever.
    pub last_used_at: Option<String>,
    /// Revoked at, if revoked.
    pub revoked_at: Option<String>,
}

/// The caller's API tokens, newest first.
#[utoipa::path(get, path = "/api/v1/auth/tokens", tag = "auth",
    responses((status = 200, body = Vec<TokenInfo>), Unauthorized))]
pub async fn list_tokens(State(st): State<AppState>, auth: Auth) -> Result<Json<Vec<TokenInfo>>, ApiError> {
    let rows = uc::list_tokens(&st.app, &auth.actor).await?;
    Ok(Json(
        rows.into_iter()
            .map(|t| TokenInfo {
                id: t.id,
                name: t.name,
                prefix: t.token_prefix,
                created_at: rfc3339(t.created_at),
                last_used_at: t.last_used_at.map(rfc3339),
                revoked_at: t.revoked_at.map(rfc3339),
            })
            .collect(),
    ))
}

/// A token to create.
#[derive(Deserialize, ToSchema)]
pub struct CreateTokenRequest {
    /// What it is for, e.g. `Alertmanager`.
    pub name: String,
}

/// A newly created token; `token` is shown this once.
#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    /// Token id.
    pub id: i64,
    /// The secret: `Authorization: Bearer ywt_…`.
    pub token: String,
}

/// Creates an API token for the caller.
#[utoipa::path(post, path = "/api/v1/auth/tokens", tag = "auth", request_body = CreateTokenRequest,
    responses((status = 201, body = CreatedToken), Invalid))]
pub async fn create_token(
    State(st): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<CreateTokenRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let t = uc::create_token(&st.app, Some(&auth.actor), &auth.actor.username, &req.name).await?;
    Ok((StatusCode::CREATED, Json(CreatedToken { id: t.id, token: t.token })))
}

/// Revokes one of the caller's API tokens.
#[utoipa::path(delete, path = "/api/v1/auth/tokens/{id}", tag = "auth",
    params(("id" = i64, Path, description = "令牌编号")),
    responses((status = 204), NotFound))]
pub async fn revoke_token(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<TokenId>,
) -> Result<StatusCode, ApiError> {
    uc::revoke_token(&st.app, &auth.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
