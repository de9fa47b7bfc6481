//! Identity use cases: users, passwords, sessions, API tokens, login throttling.

use base64::Engine;
use chrono::Duration;
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};
use yunwei_domain::ValidationErrors;
use yunwei_domain::id::TokenId;
use yunwei_domain::identity::{Password, Username};
use yunwei_domain::text::BoundedText;
use yunwei_store::Tx;
use yunwei_store::identity::{self as store, NewUser, ThrottleRow, UserRow};

use crate::actor::{Actor, AuthMethod};
use yunwei_domain::identity::audit;

use crate::audit::{Record, record};
use crate::{App, AppError};

mod organizations;
pub use organizations::*;

/// Prefix of API tokens (`ywt_…`), so a leaked token is recognisable in a scan.
pub const API_TOKEN_PREFIX: &str = "ywt_";
/// Prefix of session tokens (`yws_…`), used in the cookie and as a session-bound bearer token.
pub const SESSION_TOKEN_PREFIX: &str = "yws_";

fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// SHA-256 of a token; only this is stored. Tokens are 256-bit random, so a fast hash suffices.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Hashes a password with argon2id off the async runtime.
pub async fn hash_password(password: &Password) -> Result<String, AppError> {
    let pw = password.expose().to_owned();
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::PasswordHasher;
        argon2::Argon2::default()
            .hash_password(pw.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(format!("argon2: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(format!("hashing task: {e}")))?
}

/// A valid argon2id hash of a random secret: verified against when the username is unknown, so
/// that an unknown user takes as long to reject as a known one (no enumeration by timing).
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        use argon2::password_hash::PasswordHasher;
        argon2::Argon2::default().hash_password(random_token("").as_bytes()).map(|h| h.to_string()).unwrap_or_default()
    })
}

async fn verify_password(hash: Option<String>, password: String) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::PasswordVerifier;
        let (hash, real) = match hash {
            Some(h) => (h, true),
            None => (dummy_hash().to_owned(), false),
        };
        let Ok(parsed) = argon2::password_hash::phc::PasswordHash::new(&hash) else {
            return false;
        };
        let ok = argon2::Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok();
        ok && real
    })
    .await
    .map_err(|e| AppError::Internal(format!("verify task: {e}")))
}

/// What a successful login returns.
#[derive(Debug)]
pub struct LoginOutcome {
    /// The session token (cookie value and session-bound bearer token). Shown once.
    pub token: String,
    /// The logged-in user.
    pub actor: Actor,
}

fn bad_credentials() -> AppError {
    AppError::Unauthenticated("用户名或密码错误".into())
}

/// Password login. Failed attempts are counted per username — known or not, so the answer never
/// tells whether an account exists — and lock the name for a while after too many.
pub async fn login(app: &App, username: &str, password: &str) -> Result<LoginOutcome, AppError> {
    let now = app.now();
    let key = username.trim().to_ascii_lowercase();
    let s = &app.auth;
    // Refuse early while locked, before spending a hash.
    {
        let mut tx = app.db.begin().await?;
        if let Some(t) = store::throttle_get(&mut tx, &key).await?
            && let Some(until) = t.locked_until
            && until > now
        {
            return Err(AppError::Throttled { retry_after_secs: (until - now).num_seconds().max(1) });
        }
    }
    let user = match Username::parse(username, "username") {
        Ok(u) => store::user_by_username(&app.db, u.as_str()).await?,
        Err(_) => None,
    };
    let hash = user.as_ref().filter(|u| u.active).and_then(|u| u.password_hash.clone());
    let ok = verify_password(hash, password.to_owned()).await?;

    let mut tx = app.db.begin().await?;
    if !ok {
        let window = Duration::minutes(s.throttle_window_minutes);
        let mut t = store::throttle_get(&mut tx, &key).await?.unwrap_or(ThrottleRow {
            key: key.clone(),
            failures: 0,
            window_start: now,
            locked_until: None,
        });
        if now - t.window_start > window {
            t.failures = 0;
            t.window_start = now;
            t.locked_until = None;
        }
        t.failures += 1;
        let locked = t.failures >= s.max_failed_logins;
        if locked {
            t.locked_until = Some(now + Duration::minutes(s.lockout_minutes));
        }
        store::throttle_put(&mut tx, &t).await?;
        if locked {
            // Only a lock of a real account is worth a trail entry; never log the password.
            if let Some(u) = &user {
                record(
                    &mut tx,
                    None,
                    now,
                    Record {
                        project_id: None,
                        code: audit::USER_LOGIN_LOCKED,
                        entity_id: u.id.to_string(),
                        summary: json!({ "failures": t.failures, "locked_minutes": s.lockout_minutes }),
                    },
                )
                .await?;
            }
            tx.commit().await?;
            return Err(AppError::Throttled { retry_after_secs: s.lockout_minutes * 60 });
        }
        tx.commit().await?;
        return Err(bad_credentials());
    }
    let Some(user) = user else {
        return Err(bad_credentials());
    };
    store::throttle_clear(&mut tx, &key).await?;
    let token = random_token(SESSION_TOKEN_PREFIX);
    let csrf = random_token("");
    let id = store::insert_session(
        &mut tx,
        &token_hash(&token),
        user.id,
        &csrf,
        now,
        now + Duration::minutes(s.session_idle_minutes),
    )
    .await?;
    let actor = Actor::of_user(&user, AuthMethod::Session { id, csrf_token: csrf });
    record(
        &mut tx,
        Some(&actor),
        now,
        Record { project_id: None, code: audit::SESSION_LOGIN, entity_id: id.to_string(), summary: json!({}) },
    )
    .await?;
    tx.commit().await?;
    Ok(LoginOutcome { token, actor })
}

/// Resolves a session or API token to its user; `None` when unknown, expired, revoked, or the
/// user is deactivated.
pub async fn authenticate(app: &App, token: &str) -> Result<Option<Actor>, AppError> {
    let now = app.now();
    let hash = token_hash(token);
    if let Some(actor) = app.caches.actors.get(&hash, now) {
        return Ok(Some(actor));
    }
    let ttl = now + crate::cache::IDENTITY_TTL;
    if token.starts_with(SESSION_TOKEN_PREFIX) {
        let Some(sess) = store::session_by_token_hash(&app.db, &hash, now).await? else {
            return Ok(None);
        };
        let Some(user) = store::user_by_id(&app.db, sess.user_id).await?.filter(|u| u.active) else {
            return Ok(None);
        };
        // Slide the idle expiry, but write at most once a minute per session.
        let mut expires_at = sess.expires_at;
        if now - sess.last_seen_at > Duration::minutes(1) {
            expires_at = now + Duration::minutes(app.auth.session_idle_minutes);
            let mut tx = app.db.begin().await?;
            store::touch_session(&mut tx, sess.id, now, expires_at).await?;
            tx.commit().await?;
        }
        let actor = Actor::of_user(&user, AuthMethod::Session { id: sess.id, csrf_token: sess.csrf_token });
        app.caches.actors.put(hash, actor.clone(), ttl.min(expires_at));
        return Ok(Some(actor));
    }
    if token.starts_with(API_TOKEN_PREFIX) {
        let Some(t) = store::api_token_by_hash(&app.db, &hash).await? else {
            return Ok(None);
        };
        let Some(user) = store::user_by_id(&app.db, t.user_id).await?.filter(|u| u.active) else {
            return Ok(None);
        };
        if t.last_used_at.is_none_or(|at| now - at > Duration::minutes(5)) {
            let mut tx = app.db.begin().await?;
            store::touch_api_token(&mut tx, t.id, now).await?;
            tx.commit().await?;
        }
        let actor = Actor::of_user(&user, AuthMethod::ApiToken { id: t.id });
        app.caches.actors.put(hash, actor.clone(), ttl);
        return Ok(Some(actor));
    }
    Ok(None)
}

/// Ends the caller's session (cookie and session-bound bearer token alike).
pub async fn logout(app: &App, actor: &Actor, token: &str) -> Result<(), AppError> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    if store::delete_session(&mut tx, &token_hash(token)).await?
        && let AuthMethod::Session { id, .. } = &actor.method
    {
        record(
            &mut tx,
            Some(actor),
            now,
            Record { project_id: None, code: audit::SESSION_LOGOUT, entity_id: id.to_string(), summary: json!({}) },
        )
        .await?;
    }
    tx.commit().await?;
    app.caches.identity_changed();
    Ok(())
}

/// Ends the session of `token` if there is one: a login from a browser that still held a
/// session (another user at a shared workstation, or a planted cookie) leaves no session behind
/// but the new one.
pub async fn discard_session(app: &App, token: &str) -> Result<(), AppError> {
    if !token.starts_with(SESSION_TOKEN_PREFIX) {
        return Ok(());
    }
    let mut tx = app.db.begin().await?;
    store::delete_session(&mut tx, &token_hash(token)).await?;
    tx.commit().await?;
    app.caches.identity_changed();
    Ok(())
}

/// A new user as an administrator (or the CLI) enters it.
pub struct NewUserInput<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password: Option<&'a str>,
    pub is_admin: bool,
    pub organization: Option<&'a str>,
    /// Department within `organization`.
    pub department: Option<&'a str>,
}

/// Adds a user. `actor` is `None` for the CLI, which acts as the system.
pub async fn add_user(app: &App, actor: Option<&Actor>, input: NewUserInput<'_>) -> Result<i64, AppError> {
    if let Some(a) = actor
        && !a.is_admin
    {
        return Err(AppError::Forbidden("只有系统管理员可以添加用户".into()));
    }
    let mut errs = ValidationErrors::default();
    let username = Username::parse(input.username, "username").map_err(|e| errs.0.extend(e.0)).ok();
    let display = BoundedText::<64>::required(&mut errs, "display_name", input.display_name);
    let password = match input.password {
        Some(p) => Password::parse_new_for(p, "password", input.username).map_err(|e| errs.0.extend(e.0)).ok(),
        None => None,
    };
    errs.into_result()?;
    let display = display.as_ref().map_or("", BoundedText::as_str);
    let Some(username) = username else {
        return Err(AppError::Internal("unreachable".into()));
    };
    let hash = match &password {
        Some(p) => Some(hash_password(p).await?),
        None => None,
    };
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let org_id = match input.organization {
        Some(name) => Some(
            store::organization_by_name(&mut tx, name)
                .await?
                .ok_or_else(|| ValidationErrors::single("organization", format!("没有名为“{name}”的机构")))?
                .id,
        ),
        None => None,
    };
    let dept_id = match (input.department, org_id) {
        (Some(d), Some(o)) => Some(
            store::department_by_name(&mut tx, o, d)
                .await?
                .ok_or_else(|| ValidationErrors::single("department", format!("该机构没有名为“{d}”的科室")))?
                .id,
        ),
        (Some(_), None) => {
            return Err(ValidationErrors::single("department", "指定科室时须同时指定机构").into());
        }
        (None, _) => None,
    };
    if store::user_by_username_tx(&mut tx, username.as_str()).await?.is_some() {
        return Err(AppError::Conflict { field: "username".into(), reason: "用户名已存在".into() });
    }
    let id = store::insert_user(
        &mut tx,
        &NewUser {
            username: username.as_str(),
            display_name: display,
            organization_id: org_id,
            department_id: dept_id,
            password_hash: hash.as_deref(),
            is_admin: input.is_admin,
            now,
        },
    )
    .await?;
    record(&mut tx, actor, now, Record {
        project_id: None,
        code: audit::USER_CREATE,
        entity_id: id.to_string(),
        summary: json!({ "after": { "username": username.as_str(), "display_name": display, "is_admin": input.is_admin, "organization_id": org_id, "department_id": dept_id } }),
    })
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The user named `username` (any case), or 404.
async fn existing_user(tx: &mut Tx, username: &str) -> Result<UserRow, AppError> {
    store::user_by_username_tx(tx, &username.to_ascii_lowercase())
        .await?
        .ok_or_else(|| AppError::NotFound(format!("用户 {username} 不存在")))
}

/// Sets a user's password and ends all their sessions.
pub async fn set_password(app: &App, actor: Option<&Actor>, username: &str, password: &str) -> Result<(), AppError> {
    if let Some(a) = actor
        && !a.is_admin
        && a.username != username
    {
        return Err(AppError::Forbidden("只能修改自己的密码".into()));
    }
    let pw = Password::parse_new_for(password, "password", username)?;
    let hash = hash_password(&pw).await?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let u = existing_user(&mut tx, username).await?;
    store::set_password_hash(&mut tx, u.id, &hash, now).await?;
    store::delete_user_sessions(&mut tx, u.id).await?;
    record(
        &mut tx,
        actor,
        now,
        Record { project_id: None, code: audit::USER_SET_PASSWORD, entity_id: u.id.to_string(), summary: json!({}) },
    )
    .await?;
    tx.commit().await?;
    app.caches.identity_changed();
    Ok(())
}

/// Makes a user an installation administrator or not (CLI only).
pub async fn set_admin(app: &App, username: &str, is_admin: bool) -> Result<(), AppError> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let u = existing_user(&mut tx, username).await?;
    store::set_admin(&mut tx, u.id, is_admin, now).await?;
    record(
        &mut tx,
        None,
        now,
        Record {
            project_id: None,
            code: audit::USER_SET_ADMIN,
            entity_id: u.id.to_string(),
            summary: json!({ "before": { "is_admin": u.is_admin }, "after": { "is_admin": is_admin } }),
        },
    )
    .await?;
    tx.commit().await?;
    app.caches.identity_changed();
    Ok(())
}

/// A newly created API token: the secret is shown once and never stored.
#[derive(Debug)]
pub struct NewToken {
    /// Token id.
    pub id: i64,
    /// The secret.
    pub token: String,
}

/// Creates an API token for `username`. The caller must be that user or an administrator;
/// `actor` is `None` for the CLI.
pub async fn create_token(app: &App, actor: Option<&Actor>, username: &str, name: &str) -> Result<NewToken, AppError> {
    if let Some(a) = actor
        && !a.is_admin
        && a.username != username.to_ascii_lowercase()
    {
        return Err(AppError::Forbidden("只能为自己创建令牌".into()));
    }
    let name = BoundedText::<64>::parse(name).map_err(|e| ValidationErrors::single("name", e.reason()))?;
    let name = name.as_str();
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let u = existing_user(&mut tx, username).await?;
    let token = random_token(API_TOKEN_PREFIX);
    let prefix: String = token.chars().take(API_TOKEN_PREFIX.len() + 6).collect();
    let id = store::insert_api_token(&mut tx, u.id, name, &token_hash(&token), &prefix, now).await?;
    record(
        &mut tx,
        actor,
        now,
        Record {
            project_id: None,
            code: audit::API_TOKEN_CREATE,
            entity_id: id.to_string(),
            summary: json!({ "after": { "user_id": u.id, "name": name, "prefix": prefix } }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(NewToken { id, token })
}

/// Revokes one of the caller's own tokens.
pub async fn revoke_token(app: &App, actor: &Actor, token_id: TokenId) -> Result<(), AppError> {
    let token_id = token_id.get();
    let now = app.now();
    let mut tx = app.db.begin().await?;
    if !store::revoke_api_token(&mut tx, actor.user_id.get(), token_id, now).await? {
        return Err(AppError::NotFound("令牌不存在或已吊销".into()));
    }
    record(
        &mut tx,
        Some(actor),
        now,
        Record { project_id: None, code: audit::API_TOKEN_REVOKE, entity_id: token_id.to_string(), summary: json!({}) },
    )
    .await?;
    tx.commit().await?;
    app.caches.identity_changed();
    Ok(())
}

/// The caller's own tokens.
pub async fn list_tokens(app: &App, actor: &Actor) -> Result<Vec<store::ApiTokenRow>, AppError> {
    Ok(store::list_api_tokens(&app.db, actor.user_id.get()).await?)
}

/// All users (administrators only).
pub async fn list_users(app: &App, actor: &Actor) -> Result<Vec<UserRow>, AppError> {
    if !actor.is_admin {
        return Err(AppError::Forbidden("只有系统管理员可以查看用户列表".into()));
    }
    Ok(store::list_users(&app.db).await?)
}

/// A page of users, newest first: at most `limit`, below id `before` if given (installation
/// administrators).
pub async fn users_page(app: &App, actor: &Actor, before: Option<i64>, limit: u64) -> Result<Vec<UserRow>, AppError> {
    if !actor.is_admin {
        return Err(AppError::Forbidden("只有系统管理员可以查看用户列表".into()));
    }
    Ok(store::users_page(&app.db, before, limit).await?)
}

/// Changes the caller's own password after checking the current one; ends their other sessions.
pub async fn change_own_password(app: &App, actor: &Actor, current: &str, new: &str) -> Result<(), AppError> {
    let user = store::user_by_id(&app.db, actor.user_id.get())
        .await?
        .ok_or_else(|| AppError::Unauthenticated("用户不存在".into()))?;
    if !verify_password(user.password_hash.clone(), current.to_owned()).await? {
        return Err(ValidationErrors::single("current_password", "当前密码不正确").into());
    }
    set_password(app, Some(actor), &actor.username, new).await
}
