//! CMDB (配置管理): configuration items, their addresses, relations, impact and history, the
//! spreadsheet import and export, and the topology drawing (`svg`).

pub mod api {
    pub mod cis;
    pub mod history;
    pub mod ips;
    pub mod relations;
    pub mod sheet;
    pub mod topology;
}
pub mod svg;
pub mod ui {
    pub mod ci;
    pub mod cis;
    pub mod edit;
    pub mod topology;
}

use axum::http::Method;
use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::routes::Routes;

/// The module's routes.
pub fn routes() -> Routes {
    use api::{cis, history, ips, relations, sheet, topology};
    Routes::default()
        .api(
            OpenApiRouter::new()
                .routes(routes!(cis::list_ci_types))
                .routes(routes!(sheet::get_template))
                .routes(routes!(sheet::import_cis))
                .routes(routes!(sheet::export_cis))
                .routes(routes!(cis::list_cis, cis::create_ci))
                .routes(routes!(cis::get_ci, cis::update_ci))
                .routes(routes!(relations::list_relations, relations::create_relation))
                .routes(routes!(relations::delete_relation))
                .routes(routes!(relations::get_impact))
                .routes(routes!(history::get_history))
                .routes(routes!(ips::lookup_ip))
                .routes(routes!(topology::get_project_topology))
                .routes(routes!(topology::get_ci_topology)),
        )
        .page(Method::GET, "/p/{code}/cis", get(ui::cis::list))
        .page(Method::POST, "/p/{code}/cis", post(ui::cis::create))
        .page(Method::POST, "/p/{code}/cis/import", post(ui::cis::import))
        .page(Method::GET, "/p/{code}/cis/{id}", get(ui::ci::detail))
        .page(Method::POST, "/p/{code}/cis/{id}", post(ui::edit::save))
        .page(Method::GET, "/p/{code}/cis/{id}/edit", get(ui::edit::form))
        .page(Method::POST, "/p/{code}/cis/{id}/relations/{relation}/delete", post(ui::edit::unrelate))
        .page(Method::POST, "/p/{code}/cis/{id}/relations", post(ui::ci::relate))
        .page(Method::GET, "/p/{code}/topology", get(ui::topology::page))
        .page(Method::GET, "/p/{code}/topology.svg", get(ui::topology::download))
}
