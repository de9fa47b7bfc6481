//! Who calls a use case, and how they authenticated. The bottom of the app layer: it uses no
//! other module of it.

use yunwei_domain::id::UserId;
use yunwei_store::identity::UserRow;

/// How the caller authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthMethod {
    /// A browser or API session (cookie or `yws_` bearer token).
    Session {
        /// Session id.
        id: i64,
        /// The session's CSRF token, required on HTML form posts.
        csrf_token: String,
    },
    /// An API token (`ywt_`).
    ApiToken {
        /// Token id.
        id: i64,
    },
    /// On this machine, without a login: the demo installation and command-line use cases.
    Local,
}

/// The authenticated caller of a use case.
#[derive(Debug, Clone)]
pub struct Actor {
    /// User id.
    pub user_id: UserId,
    /// Login name.
    pub username: String,
    /// Name shown in the UI.
    pub display_name: String,
    /// Installation administrator (manages users and projects; sees no project by this alone).
    pub is_admin: bool,
    /// How the caller authenticated.
    pub method: AuthMethod,
}

impl Actor {
    /// The stored user `u` as the caller, authenticated by `method`.
    pub fn of_user(u: &UserRow, method: AuthMethod) -> Self {
        Self {
            user_id: UserId::new(u.id),
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            is_admin: u.is_admin,
            method,
        }
    }
}
