//! Login and logout pages.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use base64::Engine;
use rand::RngCore;
use serde::Deserialize;
use yunwei_app::AppError;
use yunwei_app::identity as uc;

use crate::auth::{LOGIN_CSRF_COOKIE, UiAuth};
use crate::ui::csrf::CheckedForm;
use crate::ui::page::{app_error_page, render};
use crate::{AppState, session_cookie};

#[derive(Template)]
#[template(path = "identity/login.html")]
struct LoginPage {
    csrf: String,
    next: String,
    username: String,
    error: String,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only local paths: an open redirect to another host would make a phishing tool of the login.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

fn login_csrf_cookie(st: &AppState, value: String) -> Cookie<'static> {
    Cookie::build((LOGIN_CSRF_COOKIE, value))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(st.web.cookie_secure)
        .path("/login")
        .build()
}

fn new_csrf() -> String {
    let mut b = [0u8; 24];
    rand::rng().fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// `GET /login`.
pub async fn form(
    State(st): State<AppState>,
    jar: CookieJar,
    auth: Option<UiAuth>,
    Query(q): Query<NextQuery>,
) -> Response {
    let next = safe_next(q.next.as_deref());
    if auth.is_some() {
        return Redirect::to(&next).into_response();
    }
    let csrf = new_csrf();
    let jar = jar.add(login_csrf_cookie(&st, csrf.clone()));
    let page = LoginPage { csrf, next, username: String::new(), error: String::new() };
    (jar, render(&page)).into_response()
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    _csrf: String,
    next: Option<String>,
}

/// `POST /login`.
pub async fn submit(State(st): State<AppState>, jar: CookieJar, Form(f): Form<LoginForm>) -> Response {
    let next = safe_next(f.next.as_deref());
    let cookie_csrf = jar.get(LOGIN_CSRF_COOKIE).map(|c| c.value().to_owned()).unwrap_or_default();
    let retry = |jar: CookieJar, status: StatusCode, error: String| {
        let csrf = new_csrf();
        let jar = jar.add(login_csrf_cookie(&st, csrf.clone()));
        let page = LoginPage { csrf, next: next.clone(), username: f.username.clone(), error };
        (status, jar, render(&page)).into_response()
    };
    if cookie_csrf.is_empty() || cookie_csrf != f._csrf {
        return retry(jar, StatusCode::FORBIDDEN, "登录表单已过期，请重新输入".into());
    }
    match uc::login(&st.app, &f.username, &f.password).await {
        Ok(out) => {
            if let Some(old) = jar.get(crate::auth::SESSION_COOKIE)
                && let Err(e) = uc::discard_session(&st.app, old.value()).await
            {
                return app_error_page(e);
            }
            let jar = jar.remove(login_csrf_cookie(&st, String::new())).add(session_cookie(&st, out.token));
            (jar, Redirect::to(&next)).into_response()
        }
        Err(AppError::Unauthenticated(msg)) => retry(jar, StatusCode::UNAUTHORIZED, msg),
        Err(AppError::Throttled { retry_after_secs }) => retry(
            jar,
            StatusCode::TOO_MANY_REQUESTS,
            format!("登录失败次数过多，请 {} 分钟后再试", (retry_after_secs + 59) / 60),
        ),
        Err(e) => app_error_page(e),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    _csrf: String,
}

/// `POST /logout`.
pub async fn logout(
    State(st): State<AppState>,
    jar: CookieJar,
    CheckedForm(auth, _f): CheckedForm<CsrfForm>,
) -> Response {
    if let Err(e) = uc::logout(&st.app, &auth.actor, &auth.token).await {
        return app_error_page(e);
    }
    (jar.remove(session_cookie(&st, String::new())), Redirect::to("/login")).into_response()
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_never_leaves_the_site() {
        assert_eq!(safe_next(Some("/p/demo")), "/p/demo");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
