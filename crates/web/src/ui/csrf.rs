//! The CSRF check of every form: [`CheckedForm`] takes a form only from a signed-in user whose
//! session issued the `_csrf` token it carries.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::auth::{Auth, UiAuth};
use crate::ui::page::error_page;

/// A failed CSRF check on a form.
pub fn csrf_failed() -> Response {
    error_page(StatusCode::FORBIDDEN, "表单已失效", "表单校验失败（可能已在其他窗口退出登录），请返回刷新页面后重试。")
}

/// Checks a form's `_csrf` field against the session (multipart forms, which
/// [`CheckedForm`] does not read, check their field with this).
pub fn csrf_ok(auth: &Auth, sent: &str) -> bool {
    auth.csrf().is_some_and(|c| !sent.is_empty() && c == sent)
}

/// A URL-encoded form of a signed-in user, accepted only with its session's `_csrf` token: the
/// signed-out are sent to the login page, a missing or wrong token is the "表单已失效" page, and a
/// body that does not fit `T` is a 422 page naming the reason. `T` need not declare `_csrf`.
/// Use it as the last argument of a page handler, in place of `UiAuth` and `Form`.
#[derive(Debug, Clone)]
pub struct CheckedForm<T>(pub Auth, pub T);

impl<T> FromRequest<AppState> for CheckedForm<T>
where
    T: DeserializeOwned,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let UiAuth(auth) = UiAuth::from_request_parts(&mut parts, state).await.map_err(IntoResponse::into_response)?;
        let bytes =
            Bytes::from_request(Request::from_parts(parts, body), state).await.map_err(IntoResponse::into_response)?;
        let sent = form_urlencoded::parse(&bytes).find(|(k, _)| k == "_csrf").map(|(_, v)| v.into_owned());
        if !csrf_ok(&auth, sent.as_deref().unwrap_or_default()) {
            return Err(csrf_failed());
        }
        let form = serde_urlencoded::from_bytes::<T>(&bytes).map_err(|e| {
            error_page(
                StatusCode::UNPROCESSABLE_ENTITY,
                "表单内容有误",
                &format!("表单内容无法读取：{e}。请返回页面重新填写。"),
            )
        })?;
        Ok(CheckedForm(auth, form))
    }
}
