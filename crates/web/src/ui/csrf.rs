//! The CSRF check of every form.

use axum::http::StatusCode;
use axum::response::Response;

use crate::auth::Auth;
use crate::ui::page::error_page;

/// A failed CSRF check on a form.
pub fn csrf_failed() -> Response {
    error_page(StatusCode::FORBIDDEN, "表单已失效", "表单校验失败（可能已在其他窗口退出登录），请返回刷新页面后重试。")
}

/// Checks a form's `_csrf` field against the session.
pub fn csrf_ok(auth: &Auth, sent: &str) -> bool {
    auth.csrf().is_some_and(|c| !sent.is_empty() && c == sent)
}
