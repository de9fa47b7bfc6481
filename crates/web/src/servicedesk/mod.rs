//! Service desk (服务台): incidents with their SLA clocks, events and attachments, and the incident
//! report (HTML and DOCX).

pub mod api;
pub mod report;
pub mod ui;

use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yunwei_app::files::MAX_ATTACHMENT_BYTES;

use crate::routes::Routes;

/// The module's routes.
pub fn routes() -> Routes {
    Routes::default()
        .api(
            OpenApiRouter::new()
                .routes(routes!(api::list_incidents, api::create_incident))
                .routes(routes!(api::get_incident))
                .routes(routes!(api::create_event))
                .routes(routes!(api::list_attachments, api::create_attachment))
                .routes(routes!(api::get_attachment)),
        )
        .page(Method::GET, "/p/{code}/incidents", get(ui::list))
        .page(Method::POST, "/p/{code}/incidents", post(ui::report))
        .page(Method::GET, "/p/{code}/incidents/{id}", get(ui::detail))
        .page(Method::POST, "/p/{code}/incidents/{id}/events", post(ui::event))
        .page(
            Method::POST,
            "/p/{code}/incidents/{id}/attachments",
            post(ui::upload).layer(DefaultBodyLimit::max(MAX_ATTACHMENT_BYTES + 64 * 1024)),
        )
        .page(Method::GET, "/p/{code}/incidents/{id}/attachments/{attachment}", get(ui::attachment))
        .page(Method::GET, "/p/{code}/incidents/{id}/report", get(report::html))
        .page(Method::GET, "/p/{code}/incidents/{id}/report.docx", get(report::docx))
}
