//! Inspection (巡检): checklists, inspections filled in item by item with photos, abnormal items
//! raised as incidents, plans that generate inspections, the inspection and period reports, and
//! the daily log (运维日志).

pub mod api {
    pub mod daily_log;
    pub mod inspections;
}
pub mod ui {
    pub mod daily_log;
    pub mod execution;
    pub mod executions;
    pub mod period_report;
    pub mod plans;
    pub mod report;
    pub mod template_edit;
    pub mod templates;
}

use axum::http::Method;
use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::routes::Routes;

/// The module's routes.
pub fn routes() -> Routes {
    use api::{daily_log, inspections as i};
    use ui::{execution, executions, period_report, plans, report, template_edit, templates};
    Routes::default()
        .api(
            OpenApiRouter::new()
                .routes(routes!(i::templates::list_templates, i::templates::create_template))
                .routes(routes!(i::templates::get_template, i::templates::update_template))
                .routes(routes!(i::executions::list_executions, i::executions::create_execution))
                .routes(routes!(i::executions::get_execution))
                .routes(routes!(i::answers::put_answer))
                .routes(routes!(i::answers::complete_execution))
                .routes(routes!(i::answers::confirm_execution))
                .routes(routes!(i::answers::raise_incident))
                .routes(routes!(i::answers::put_report))
                .routes(routes!(i::plans::list_plans, i::plans::create_plan))
                .routes(routes!(i::plans::get_period_report))
                .routes(routes!(i::photos::add_photo))
                .routes(routes!(i::photos::list_photos))
                .routes(routes!(i::photos::get_photo))
                .routes(routes!(daily_log::get_month))
                .routes(routes!(daily_log::get_xlsx))
                .routes(routes!(daily_log::put_day))
                .routes(routes!(daily_log::sign_day)),
        )
        .page(Method::GET, "/p/{code}/inspections", get(executions::list))
        .page(Method::POST, "/p/{code}/inspections", post(executions::plan))
        .page(Method::POST, "/p/{code}/inspection-templates", post(templates::copy))
        .page(Method::GET, "/p/{code}/inspection-templates/{template}", get(templates::show))
        .page(Method::POST, "/p/{code}/inspection-templates/{template}", post(template_edit::save))
        .page(Method::GET, "/p/{code}/inspection-templates/{template}/edit", get(template_edit::edit))
        .page(Method::POST, "/p/{code}/inspection-plans", post(plans::create))
        .page(Method::GET, "/p/{code}/inspection-plans/{id}/report", get(period_report::html))
        .page(Method::GET, "/p/{code}/inspection-plans/{id}/report.docx", get(period_report::docx))
        .page(Method::GET, "/p/{code}/inspections/{id}", get(execution::detail))
        .page(Method::POST, "/p/{code}/inspections/{id}/results/{key}", post(execution::answer))
        .page(Method::POST, "/p/{code}/inspections/{id}/results/{key}/incident", post(execution::raise_incident))
        .page(Method::POST, "/p/{code}/inspections/{id}/complete", post(execution::complete))
        .page(Method::POST, "/p/{code}/inspections/{id}/confirm", post(execution::confirm))
        .page(Method::GET, "/p/{code}/inspections/{id}/report", get(report::html))
        .page(Method::POST, "/p/{code}/inspections/{id}/report", post(execution::write_report))
        .page(Method::GET, "/p/{code}/inspections/{id}/report.docx", get(report::docx))
        .page(Method::GET, "/p/{code}/daily-log", get(ui::daily_log::month))
        .page(Method::POST, "/p/{code}/daily-log/{day}", post(ui::daily_log::write))
        .page(Method::POST, "/p/{code}/daily-log/{day}/sign", post(ui::daily_log::sign))
}
