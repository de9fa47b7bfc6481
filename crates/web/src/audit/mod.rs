//! Audit (审计): the project's audit log, as JSON and as a page.

pub mod api;
pub mod ui;

use axum::http::Method;
use axum::routing::get;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::routes::Routes;

/// The module's routes.
pub fn routes() -> Routes {
    Routes::default().api(OpenApiRouter::new().routes(routes!(api::list_audit))).page(
        Method::GET,
        "/p/{code}/audit",
        get(ui::page),
    )
}
