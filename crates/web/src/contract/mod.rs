//! Contract (服务合同): the project's contract document, its versions and the SLA preview.

pub mod api;
pub mod ui;

use axum::http::Method;
use axum::routing::get;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::routes::Routes;

/// The module's routes.
pub fn routes() -> Routes {
    Routes::default()
        .api(
            OpenApiRouter::new()
                .routes(routes!(api::get_contract, api::put_contract))
                .routes(routes!(api::sla_preview)),
        )
        .page(Method::GET, "/p/{code}/contract", get(ui::page))
}
