//! The account page: profile, password change, API tokens.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use yunwei_app::AppError;
use yunwei_app::identity as uc;

use crate::AppState;
use crate::auth::{Auth, UiAuth};
use crate::ui::csrf::CheckedForm;
use crate::ui::page::{app_error_page, render};
use crate::ui::shell::Shell;

#[derive(Template)]
#[template(path = "identity/account.html")]
struct AccountPage {
    shell: Shell,
    tokens: Vec<TokenView>,
    new_token: String,
    message: String,
    error: String,
    contact: ContactView,
}

/// The contact form's values.
#[derive(Default)]
struct ContactView {
    email: String,
    phone: String,
    quiet_start: String,
    quiet_end: String,
}

struct TokenView {
    id: i64,
    name: String,
    prefix: String,
    created_at: String,
    last_used_at: String,
    revoked: bool,
}

async fn show(
    st: &AppState,
    auth: &Auth,
    new_token: String,
    message: String,
    error: String,
    status: StatusCode,
) -> Response {
    let fmt = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&yunwei_domain::time::DEFAULT_TZ).format("%Y-%m-%d %H:%M").to_string()
    };
    let tokens = match uc::list_tokens(&st.app, &auth.actor).await {
        Ok(t) => t
            .into_iter()
            .map(|t| TokenView {
                id: t.id,
                name: t.name,
                prefix: t.token_prefix,
                created_at: fmt(t.created_at),
                last_used_at: t.last_used_at.map(fmt).unwrap_or_else(|| "从未".into()),
                revoked: t.revoked_at.is_some(),
            })
            .collect(),
        Err(e) => return app_error_page(e),
    };
    let contact = match yunwei_app::notify::my_contact(&st.app, auth.actor.user_id).await {
        Ok(c) => ContactView {
            email: c.email.unwrap_or_default(),
            phone: c.phone.unwrap_or_default(),
            quiet_start: c.quiet_start.unwrap_or_default(),
            quiet_end: c.quiet_end.unwrap_or_default(),
        },
        Err(e) => return app_error_page(e),
    };
    match Shell::build(st, auth, "我的账户", None, "account").await {
        Ok(shell) => {
            (status, render(&AccountPage { shell, tokens, new_token, message, error, contact })).into_response()
        }
        Err(e) => app_error_page(e),
    }
}

/// `GET /account`.
pub async fn page(State(st): State<AppState>, UiAuth(auth): UiAuth) -> Response {
    show(&st, &auth, String::new(), String::new(), String::new(), StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    _csrf: String,
    current_password: String,
    new_password: String,
    confirm_password: String,
}

/// `POST /account/password`.
pub async fn change_password(State(st): State<AppState>, CheckedForm(auth, f): CheckedForm<PasswordForm>) -> Response {
    if f.new_password != f.confirm_password {
        return show(
            &st,
            &auth,
            String::new(),
            String::new(),
            "两次输入的新密码不一致".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    match uc::change_own_password(&st.app, &auth.actor, &f.current_password, &f.new_password).await {
        // All sessions end with a password change, this one included: log in again.
        Ok(()) => Redirect::to("/login").into_response(),
        Err(AppError::Invalid(v)) => {
            let msg = v.0.iter().map(|e| e.reason.clone()).collect::<Vec<_>>().join("；");
            show(&st, &auth, String::new(), String::new(), msg, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => app_error_page(e),
    }
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    _csrf: String,
    name: String,
}

/// `POST /account/tokens`: creates a token and shows it once.
pub async fn create_token(State(st): State<AppState>, CheckedForm(auth, f): CheckedForm<TokenForm>) -> Response {
    match uc::create_token(&st.app, Some(&auth.actor), &auth.actor.username, &f.name).await {
        Ok(t) => {
            show(
                &st,
                &auth,
                t.token,
                "令牌已创建。请立即复制保存，关闭页面后将无法再次查看。".into(),
                String::new(),
                StatusCode::OK,
            )
            .await
        }
        Err(AppError::Invalid(v)) => {
            let msg = v.0.iter().map(|e| e.reason.clone()).collect::<Vec<_>>().join("；");
            show(&st, &auth, String::new(), String::new(), msg, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => app_error_page(e),
    }
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    _csrf: String,
}

/// `POST /account/tokens/{id}/revoke`.
pub async fn revoke_token(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    CheckedForm(auth, _f): CheckedForm<CsrfOnly>,
) -> Response {
    match uc::revoke_token(&st.app, &auth.actor, id).await {
        Ok(()) => Redirect::to("/account").into_response(),
        Err(e) => app_error_page(e),
    }
}

#[derive(Deserialize)]
pub struct ContactForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    quiet_start: String,
    #[serde(default)]
    quiet_end: String,
}

/// `POST /account/contact`: e-mail, mobile number and quiet hours for notifications.
pub async fn set_contact(State(st): State<AppState>, CheckedForm(auth, f): CheckedForm<ContactForm>) -> Response {
    let input = yunwei_app::notify::ContactInput {
        email: Some(f.email),
        phone: Some(f.phone),
        quiet_start: Some(f.quiet_start),
        quiet_end: Some(f.quiet_end),
    };
    match yunwei_app::notify::set_my_contact(&st.app, &auth.actor, input).await {
        Ok(_) => show(&st, &auth, String::new(), "联系方式已保存。".into(), String::new(), StatusCode::OK).await,
        Err(AppError::Invalid(v)) => {
            let label = |f: &str| {
                match f {
                    "email" => "邮箱",
                    "phone" => "手机",
                    "quiet_start" => "免打扰开始",
                    "quiet_end" => "免打扰结束",
                    other => other,
                }
                .to_owned()
            };
            let msg = v.0.iter().map(|e| format!("{}：{}", label(&e.field), e.reason)).collect::<Vec<_>>().join("；");
            show(&st, &auth, String::new(), String::new(), format!("未能保存：{msg}"), StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(e) => app_error_page(e),
    }
}
