//! Monitoring (监控接入): Alertmanager and Zabbix alerts, backup job reports.

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
                .routes(routes!(api::alertmanager))
                .routes(routes!(api::zabbix))
                .routes(routes!(api::backup))
                .routes(routes!(api::list_alerts))
                .routes(routes!(api::list_backup_jobs))
                .routes(routes!(api::put_backup_job)),
        )
        .page(Method::GET, "/p/{code}/alerts", get(ui::list))
        .page(Method::POST, "/p/{code}/backup-jobs", post(ui::set_job))
}
