//! The account page: profile, password change, API tokens.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use yunwei_app::AppError;
use yunwei_app::identity as uc;
use yunwei_domain::ValidationErrors;
use yunwei_domain::id::TokenId;

use crate::AppState;
use crate::auth::{Auth, UiAuth};
use crate::ui::csrf::CheckedForm;
use crate::ui::form_errors::FormErrors;
use crate::ui::page::{app_error_page, render};
use crate::ui::shell::Shell;

#[derive(Template)]
#[template(path = "identity/account.html")]
struct AccountPage {
    shell: Shell,
    tokens: Vec<TokenView>,
    contact: ContactView,
    said: Said,
}

/// What the page says after a form, and the values a refused form keeps.
#[derive(Default)]
struct Said {
    new_token: String,
    message: String,
    error: String,
    /// The contact form as entered (else the stored contact).
    contact: Option<ContactView>,
    /// The token name as entered.
    token_name: String,
}

impl Said {
    fn message(message: impl Into<String>) -> Self {
        Self { message: message.into(), ..Self::default() }
    }
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

fn field_label(f: &str) -> String {
    match f {
        "name" => "令牌名称",
        "current_password" => "当前密码",
        "password" => "新密码",
        "confirm_password" => "确认新密码",
        "email" => "邮箱",
        "phone" => "手机",
        "quiet_start" => "免打扰开始",
        "quiet_end" => "免打扰结束",
        other => other,
    }
    .to_owned()
}

/// How the account page words a refused form.
const FORM: FormErrors = FormErrors::new(field_label);

async fn show(st: &AppState, auth: &Auth, mut said: Said, status: StatusCode) -> Response {
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
    let contact = match said.contact.take() {
        Some(entered) => entered,
        None => match yunwei_app::notify::my_contact(&st.app, auth.actor.user_id).await {
            Ok(c) => ContactView {
                email: c.email.unwrap_or_default(),
                phone: c.phone.unwrap_or_default(),
                quiet_start: c.quiet_start.unwrap_or_default(),
                quiet_end: c.quiet_end.unwrap_or_default(),
            },
            Err(e) => return app_error_page(e),
        },
    };
    match Shell::build(st, auth, "我的账户", None, "account").await {
        Ok(shell) => (status, render(&AccountPage { shell, tokens, contact, said })).into_response(),
        Err(e) => app_error_page(e),
    }
}

/// The page again with why `e` was refused and what the form kept, or an error page.
async fn refused(st: &AppState, auth: &Auth, e: AppError, what: &str, kept: Said) -> Response {
    match FORM.reasons(e) {
        Ok(msg) => {
            let said = Said { error: format!("{what}：{msg}"), ..kept };
            show(st, auth, said, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => app_error_page(e),
    }
}

/// `GET /account`.
pub async fn page(State(st): State<AppState>, UiAuth(auth): UiAuth) -> Response {
    show(&st, &auth, Said::default(), StatusCode::OK).await
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
    let r = if f.new_password != f.confirm_password {
        Err(ValidationErrors::single("confirm_password", "与新密码不一致").into())
    } else {
        uc::change_own_password(&st.app, &auth.actor, &f.current_password, &f.new_password).await
    };
    match r {
        // All sessions end with a password change, this one included: log in again.
        Ok(()) => Redirect::to("/login").into_response(),
        // Passwords are not kept: they are typed again.
        Err(e) => refused(&st, &auth, e, "密码未修改", Said::default()).await,
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
            let said = Said {
                new_token: t.token,
                ..Said::message("令牌已创建。请立即复制保存，关闭页面后将无法再次查看。")
            };
            show(&st, &auth, said, StatusCode::OK).await
        }
        Err(e) => refused(&st, &auth, e, "未能创建令牌", Said { token_name: f.name, ..Said::default() }).await,
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
    Path(id): Path<TokenId>,
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
        email: Some(f.email.clone()),
        phone: Some(f.phone.clone()),
        quiet_start: Some(f.quiet_start.clone()),
        quiet_end: Some(f.quiet_end.clone()),
    };
    match yunwei_app::notify::set_my_contact(&st.app, &auth.actor, input).await {
        Ok(_) => show(&st, &auth, Said::message("联系方式已保存。"), StatusCode::OK).await,
        Err(e) => {
            let entered =
                ContactView { email: f.email, phone: f.phone, quiet_start: f.quiet_start, quiet_end: f.quiet_end };
            refused(&st, &auth, e, "未能保存", Said { contact: Some(entered), ..Said::default() }).await
        }
    }
}
