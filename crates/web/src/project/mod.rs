//! Projects (服务项目): the projects, their members and settings, the home page and each project's
//! overview with its modules.

pub mod api;
pub mod ui;

use axum::http::Method;
use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::routes::Routes;

/// The module's routes.
pub fn routes() -> Routes {
    Routes::default()
        .api(
            OpenApiRouter::new()
                .routes(routes!(api::list_projects, api::create_project))
                .routes(routes!(api::get_project, api::update_project))
                .routes(routes!(api::list_members, api::grant_member))
                .routes(routes!(api::revoke_member)),
        )
        .page(Method::GET, "/", get(ui::home))
        .page(Method::GET, "/p/{code}", get(ui::overview))
        .page(Method::POST, "/p/{code}/settings", post(ui::update_settings))
        .page(Method::GET, "/p/{code}/m/{module}", get(ui::module_page))
        .page(Method::GET, "/p/{code}/members", get(ui::members))
        .page(Method::POST, "/p/{code}/members", post(ui::grant))
        .page(Method::POST, "/p/{code}/members/revoke", post(ui::revoke))
}
