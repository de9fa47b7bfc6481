//! Notifications (通知与升级): what was sent about an incident, a project's escalation targets and
//! channels, a user's contact and inbox.

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
                .routes(routes!(api::incident_notifications))
                .routes(routes!(api::get_settings))
                .routes(routes!(api::put_target))
                .routes(routes!(api::create_channel))
                .routes(routes!(api::delete_channel))
                .routes(routes!(api::get_contact, api::put_contact))
                .routes(routes!(api::inbox)),
        )
        .page(Method::GET, "/inbox", get(ui::inbox))
        .page(Method::GET, "/p/{code}/notifications", get(ui::page))
        .page(Method::POST, "/p/{code}/notifications/targets", post(ui::set_target))
        .page(Method::POST, "/p/{code}/notifications/channels", post(ui::add_channel))
        .page(Method::POST, "/p/{code}/notifications/channels/{id}/delete", post(ui::remove_channel))
}
