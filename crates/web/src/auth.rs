//! Who is calling: a session cookie (browsers), a session-bound bearer token from
//! `POST /api/v1/auth/login`, or an API token (`Authorization: Bearer ywt_…`).
//!
//! Cookie-authenticated unsafe requests need a CSRF token: the `_csrf` form field on HTML forms
//! (checked by the UI handlers), or the `X-CSRF-Token` header on the JSON API.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use yunwei_app::actor::AuthMethod;
use yunwei_app::identity::authenticate;
use yunwei_app::{Actor, AppError};

use crate::AppState;
use crate::error::ApiError;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "yunwei_session";
/// Name of the pre-login CSRF cookie (double-submit on the login form).
pub const LOGIN_CSRF_COOKIE: &str = "yunwei_login_csrf";
/// Header carrying the CSRF token on cookie-authenticated API calls.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How the credentials arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The session cookie.
    Cookie,
    /// `Authorization: Bearer`.
    Bearer,
}

/// An authenticated API caller.
#[derive(Debug, Clone)]
pub struct Auth {
    /// The user.
    pub actor: Actor,
    /// The token presented (needed to end the session on logout).
    pub token: String,
    /// Where it came from.
    pub via: Via,
}

impl Auth {
    /// The session's CSRF token, if this is a session.
    pub fn csrf(&self) -> Option<&str> {
        match &self.actor.method {
            AuthMethod::Session { csrf_token, .. } => Some(csrf_token),
            AuthMethod::ApiToken { .. } | AuthMethod::Local => None,
        }
    }
}

fn bearer(parts: &Parts) -> Option<String> {
    let v = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned())
}

async fn resolve(parts: &Parts, state: &AppState) -> Result<Option<Auth>, AppError> {
    if let Some(token) = bearer(parts) {
        return Ok(authenticate(&state.app, &token).await?.map(|actor| Auth { actor, token, via: Via::Bearer }));
    }
    let jar = CookieJar::from_headers(&parts.headers);
    if let Some(c) = jar.get(SESSION_COOKIE) {
        let token = c.value().to_owned();
        return Ok(authenticate(&state.app, &token).await?.map(|actor| Auth { actor, token, via: Via::Cookie }));
    }
    Ok(None)
}

fn is_safe(m: &Method) -> bool {
    matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let auth = resolve(parts, state).await?.ok_or_else(|| {
            ApiError::from(AppError::Unauthenticated("请先登录，或在 Authorization 头中提供令牌".into()))
        })?;
        if auth.via == Via::Cookie && !is_safe(&parts.method) {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            if sent.is_none() || sent != auth.csrf() {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "csrf",
                    "CSRF 校验失败",
                    "使用会话 Cookie 调用接口时须带 X-CSRF-Token 请求头",
                ));
            }
        }
        Ok(auth)
    }
}

/// An authenticated browser user; unauthenticated requests are sent to the login page.
#[derive(Debug, Clone)]
pub struct UiAuth(pub Auth);

/// Rejection of [`UiAuth`]: a redirect to the login page, or an error page.
pub enum UiReject {
    /// Not logged in.
    Login(String),
    /// Something failed while checking.
    Error(ApiError),
}

impl IntoResponse for UiReject {
    fn into_response(self) -> Response {
        match self {
            UiReject::Login(next) => {
                let next: String = url_escape(&next);
                Redirect::to(&format!("/login?next={next}")).into_response()
            }
            UiReject::Error(e) => e.into_response(),
        }
    }
}

/// Percent-encodes a path for a query parameter.
pub fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl FromRequestParts<AppState> for UiAuth {
    type Rejection = UiReject;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match resolve(parts, state).await {
            Ok(Some(a)) => Ok(UiAuth(a)),
            Ok(None) => Err(UiReject::Login(parts.uri.path().to_owned())),
            Err(e) => Err(UiReject::Error(e.into())),
        }
    }
}

impl axum::extract::OptionalFromRequestParts<AppState> for UiAuth {
    type Rejection = UiReject;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>, Self::Rejection> {
        match resolve(parts, state).await {
            Ok(a) => Ok(a.map(UiAuth)),
            Err(e) => Err(UiReject::Error(e.into())),
        }
    }
}
