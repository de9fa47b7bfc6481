//! Identity (用户与权限): login, sessions and API tokens, users, organizations and departments, the
//! account page and the administration page.

pub mod api {
    pub mod auth;
    pub mod organizations;
    pub mod users;
}
pub mod ui {
    pub mod account;
    pub mod admin;
    pub mod login;
}

use axum::http::Method;
use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::routes::Routes;

/// The module's routes.
pub fn routes() -> Routes {
    use api::{auth, organizations, users};
    use ui::{account, admin, login};
    Routes::default()
        .api(
            OpenApiRouter::new()
                .routes(routes!(auth::login))
                .routes(routes!(auth::logout))
                .routes(routes!(auth::me))
                .routes(routes!(auth::list_tokens, auth::create_token))
                .routes(routes!(auth::revoke_token))
                .routes(routes!(users::list_users, users::create_user))
                .routes(routes!(organizations::list_organizations, organizations::create_organization))
                .routes(routes!(organizations::create_department)),
        )
        .page(Method::GET, "/login", get(login::form))
        .page(Method::POST, "/login", post(login::submit))
        .page(Method::POST, "/logout", post(login::logout))
        .page(Method::GET, "/account", get(account::page))
        .page(Method::POST, "/account/password", post(account::change_password))
        .page(Method::POST, "/account/tokens", post(account::create_token))
        .page(Method::POST, "/account/contact", post(account::set_contact))
        .page(Method::POST, "/account/tokens/{id}/revoke", post(account::revoke_token))
        .page(Method::GET, "/admin", get(admin::page))
        .page(Method::POST, "/admin/users", post(admin::create_user))
        .page(Method::POST, "/admin/projects", post(admin::create_project))
        .page(Method::POST, "/admin/organizations", post(admin::create_organization))
        .page(Method::POST, "/admin/holidays", post(admin::import_holidays))
}
