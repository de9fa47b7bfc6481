//! The incident report (故障处理报告): the printable page and the Word document of
//! `yunwei_app::report::incident`.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use yunwei_app::AppError;
use yunwei_app::access::authorize;
use yunwei_app::report::{self, IncidentReport};
use yunwei_domain::id::IncidentId;
use yunwei_domain::identity::Permission;

use crate::AppState;
use crate::auth::{Auth, UiAuth};
use crate::ui::docx::docx_download;
use crate::ui::page::{app_error_page, error_page, render};

async fn build(st: &AppState, auth: &Auth, code: &str, id: IncidentId) -> Result<IncidentReport, Response> {
    let access = authorize(&st.app, &auth.actor, code, Permission::IncidentRead).await.map_err(app_error_page)?;
    match report::incident(&st.app, &auth.actor, &access, id).await {
        Ok(r) => Ok(r),
        Err(AppError::NotFound(_)) => Err(error_page(StatusCode::NOT_FOUND, "页面不存在", "没有这个故障。")),
        Err(e) => Err(app_error_page(e)),
    }
}

#[derive(Template)]
#[template(path = "servicedesk/incident_report.html")]
struct ReportPage {
    r: IncidentReport,
    /// The incident's page.
    back: String,
}

/// `GET /p/{code}/incidents/{id}/report`: the printable report.
pub async fn html(
    State(st): State<AppState>,
    UiAuth(auth): UiAuth,
    Path((code, id)): Path<(String, IncidentId)>,
) -> Response {
    match build(&st, &auth, &code, id).await {
        Ok(r) => render(&ReportPage { r, back: format!("/p/{code}/incidents/{id}") }).into_response(),
        Err(resp) => resp,
    }
}

/// `GET /p/{code}/incidents/{id}/report.docx`: the same report as a Word document.
pub async fn docx(
    State(st): State<AppState>,
    UiAuth(auth): UiAuth,
    Path((code, id)): Path<(String, IncidentId)>,
) -> Response {
    match build(&st, &auth, &code, id).await {
        Ok(r) => docx_download(r.to_docx(), &r.number, "故障处理报告"),
        Err(resp) => resp,
    }
}
