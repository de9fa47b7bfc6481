//! Spreadsheet import and export of a project's CIs: `/api/v1/projects/{code}/cis/import`,
//! `/api/v1/projects/{code}/cis/export` and the template `/api/v1/cmdb/template.xlsx`.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yunwei_app::cmdb as uc;

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::extract::{ApiPath, ApiQuery};
use crate::http::files::{download_file, read_limited};
use crate::openapi::problems::{Forbidden, Invalid, NotFound, TooLarge};

/// How to import.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// File name; `.xlsx` or `.csv` (UTF-8 or GBK) decides how the body is read.
    pub name: String,
    /// Check and count only.
    #[serde(default)]
    pub dry_run: bool,
    /// Import the good rows even if some are bad.
    #[serde(default)]
    pub skip_invalid: bool,
}

/// One refused row.
#[derive(Serialize, ToSchema)]
pub struct RowErrorJson {
    /// Spreadsheet row number (the header is row 1).
    pub row: usize,
    /// Column header (`IP地址`).
    pub column: String,
    /// Field path (`ips[1]`).
    pub field: String,
    pub reason: String,
}

/// What an import did, or (dry run) would do.
#[derive(Serialize, ToSchema)]
pub struct ImportJson {
    pub new: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub invalid: usize,
    /// Whether anything was written.
    pub applied: bool,
    pub errors: Vec<RowErrorJson>,
}

/// Largest spreadsheet accepted (a 5,000-row list is well under 1 MB).
const MAX_IMPORT_BYTES: usize = 20 * 1024 * 1024;

/// Imports CIs from a spreadsheet in the body (the 信息资产统计 layout of the export and the
/// template). With bad rows and without `skip_invalid`, nothing is written and the answer is 422
/// naming each row and column — for a dry run too, so a check that finds problems fails as the
/// command line's `--dry-run` does; a dry run of good rows answers 200 with what it would do.
#[utoipa::path(post, path = "/api/v1/projects/{code}/cis/import", tag = "cmdb",
    params(("code" = String, Path, description = "项目代码"), ImportQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 200, body = ImportJson),
        Forbidden,
        NotFound,
        TooLarge,
        Invalid,
    ))]
pub async fn import_cis(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(code): ApiPath<String>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: axum::body::Body,
) -> Result<Json<ImportJson>, ApiError> {
    let data = read_limited(body, MAX_IMPORT_BYTES).await?;
    let opts = uc::ImportOptions { dry_run: q.dry_run, skip_invalid: q.skip_invalid };
    let r = uc::import(&st.app, Some(&auth.actor), &code, &q.name, &data, opts, &|_, _| {}).await?;
    if r.refused(opts) {
        let errors = r
            .errors
            .iter()
            .map(|e| {
                yunwei_domain::FieldError::new(
                    format!("rows[{}].{}", e.row, e.field),
                    format!("第 {} 行“{}”：{}", e.row, e.column, e.reason),
                )
            })
            .collect();
        return Err(ApiError::invalid(errors));
    }
    Ok(Json(ImportJson {
        new: r.new,
        changed: r.changed,
        unchanged: r.unchanged,
        invalid: r.invalid,
        applied: r.applied,
        errors: r
            .errors
            .into_iter()
            .map(|e| RowErrorJson { row: e.row, column: e.column, field: e.field, reason: e.reason })
            .collect(),
    }))
}

/// `format`: `xlsx` (default) or `csv`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `xlsx` (the list, counts by type and the type codes) or `csv` (the list, UTF-8).
    pub format: Option<String>,
}

/// The project's CIs as a spreadsheet that re-imports with no changes.
#[utoipa::path(get, path = "/api/v1/projects/{code}/cis/export", tag = "cmdb",
    params(("code" = String, Path, description = "项目代码"), ExportQuery),
    responses(
        (status = 200, description = "XLSX 或 CSV 文件"),
        Forbidden,
        NotFound,
        Invalid,
    ))]
pub async fn export_cis(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(code): ApiPath<String>,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    let format = q.format.as_deref().map(str::trim).filter(|f| !f.is_empty()).unwrap_or("xlsx");
    let f = uc::export(&st.app, Some(&auth.actor), &code, format).await?;
    Ok(download_file(&f.name, f.content_type, f.bytes))
}

/// The import template: the columns with one example row, and the type codes.
#[utoipa::path(get, path = "/api/v1/cmdb/template.xlsx", tag = "cmdb",
    responses((status = 200, description = "XLSX 文件")))]
pub async fn get_template(_auth: Auth) -> Result<Response, ApiError> {
    let f = uc::template()?;
    Ok(download_file(&f.name, f.content_type, f.bytes))
}
