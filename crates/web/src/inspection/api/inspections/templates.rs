//! Checklist templates: `/api/v1/projects/{code}/inspection-templates` (the seeds' built-ins and
//! the project's own), read, created (or copied) and saved as new versions.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yunwei_app::AppError;
use yunwei_app::inspection::{self as uc, TemplateView};
use yunwei_domain::FieldError;
use yunwei_domain::inspection::{ItemInput, TemplateInput};

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::etag::{if_match_version, json_with_status_etag};
use crate::http::extract::{ApiJson, ApiPath};
use crate::openapi::problems::{Conflict, Forbidden, Invalid, NotFound, PreconditionFailed, PreconditionRequired};

/// One line of a checklist.
#[derive(Serialize, ToSchema)]
pub struct ItemJson {
    /// `section.item` counted from 1 (`2.3`): what answers refer to.
    pub key: String,
    pub section: String,
    pub name: String,
    /// Reference standard (参考标准).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub standard: Option<String>,
    /// Method (巡检方法描述).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// `ok_abnormal`, `number`, `text` or `photo`.
    pub result: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Lowest normal value, inclusive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Highest normal value, inclusive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// The item's own cycle when it differs from the template's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cycle: Option<&'static str>,
    /// Severity of the incident an abnormal answer opens by itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident: Option<String>,
}

/// A checklist template.
#[derive(Serialize, ToSchema)]
pub struct TemplateJson {
    pub code: String,
    pub name: String,
    /// Title of the printed form.
    pub title: String,
    /// Where it comes from (`种子 000 §2.3`).
    pub source: String,
    /// `day`, `week`, `month`, `quarter`, `half_year` or `year`.
    pub cycle: &'static str,
    /// Header fields of the printed form.
    pub header: Vec<String>,
    /// CMDB types it is meant for.
    pub ci_types: Vec<String>,
    /// Shipped with yunwei (copy it to edit it).
    pub builtin: bool,
    /// The project template's version; 0 for a built-in.
    pub version: i64,
    /// The built-in it was copied from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub based_on: Option<String>,
    pub items: Vec<ItemJson>,
}

pub(super) fn items_json(t: &yunwei_domain::inspection::Template) -> Vec<ItemJson> {
    t.items
        .iter()
        .map(|i| ItemJson {
            key: i.key.clone(),
            section: i.section.clone(),
            name: i.name.clone(),
            standard: i.standard.clone(),
            method: i.method.clone(),
            result: i.result.code(),
            unit: i.unit.clone(),
            min: i.min,
            max: i.max,
            cycle: i.cycle.map(|c| c.code()),
            incident: i.incident.clone(),
        })
        .collect()
}

fn template_json(v: TemplateView) -> TemplateJson {
    let t = &v.template;
    TemplateJson {
        code: t.code.clone(),
        name: t.name.clone(),
        title: t.title.clone(),
        source: t.source.clone(),
        cycle: t.cycle.code(),
        header: t.header.clone(),
        ci_types: t.ci_types.clone(),
        builtin: v.builtin,
        version: v.version,
        based_on: v.based_on.clone(),
        items: items_json(t),
    }
}

/// A checklist line as written.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteItem {
    /// Ignored (keys follow the position), accepted so a template read can be sent back edited.
    pub key: Option<String>,
    pub section: String,
    pub name: String,
    pub standard: Option<String>,
    pub method: Option<String>,
    /// `ok_abnormal` (default), `number`, `text` or `photo`.
    pub result: Option<String>,
    pub unit: Option<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub cycle: Option<String>,
    /// Severity code: an abnormal answer opens an incident of it at once.
    pub incident: Option<String>,
}

/// A template as written: in full, or (on create) a copy of `copy_of` under a new code and name.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteTemplate {
    /// Code of a built-in or project template to copy (create only; its items unless `items` given).
    pub copy_of: Option<String>,
    /// Lower-case letters, digits, `_`, `-` (ignored on update).
    pub code: String,
    pub name: String,
    pub title: Option<String>,
    pub source: Option<String>,
    /// Default `quarter`.
    pub cycle: Option<String>,
    #[serde(default)]
    pub header: Vec<String>,
    #[serde(default)]
    pub ci_types: Vec<String>,
    #[serde(default)]
    pub items: Vec<WriteItem>,
}

impl WriteTemplate {
    fn input(self) -> (TemplateInput, Option<String>) {
        let input = TemplateInput {
            code: self.code,
            name: self.name,
            title: self.title,
            source: self.source,
            cycle: self.cycle,
            header: self.header,
            ci_types: self.ci_types,
            items: self
                .items
                .into_iter()
                .map(|i| ItemInput {
                    section: i.section,
                    name: i.name,
                    standard: i.standard,
                    method: i.method,
                    result: i.result,
                    unit: i.unit,
                    min: i.min,
                    max: i.max,
                    cycle: i.cycle,
                    incident: i.incident,
                })
                .collect(),
        };
        (input, self.copy_of)
    }
}

/// The built-in templates (the seeds' checklists), then the project's own.
#[utoipa::path(get, path = "/api/v1/projects/{code}/inspection-templates", tag = "inspection",
    params(("code" = String, Path, description = "项目代码")),
    responses(
        (status = 200, body = Vec<TemplateJson>),
        Forbidden,
        NotFound,
    ))]
pub async fn list_templates(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Vec<TemplateJson>>, ApiError> {
    Ok(Json(uc::templates(&st.app, &auth.actor, &code).await?.into_iter().map(template_json).collect()))
}

/// A new template of the project, written in full or copied from another (`copy_of`).
#[utoipa::path(post, path = "/api/v1/projects/{code}/inspection-templates", tag = "inspection",
    params(("code" = String, Path, description = "项目代码")),
    request_body = WriteTemplate,
    responses(
        (status = 201, body = TemplateJson, headers(("ETag" = String))),
        Forbidden,
        NotFound,
        Conflict,
        Invalid,
    ))]
pub async fn create_template(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(code): ApiPath<String>,
    ApiJson(req): ApiJson<WriteTemplate>,
) -> Result<Response, ApiError> {
    let (input, copy_of) = req.input();
    let v = uc::create_template(&st.app, &auth.actor, &code, input, copy_of.as_deref()).await?;
    Ok(json_with_status_etag(StatusCode::CREATED, v.version, template_json(v)))
}

/// One template: the project's own, or a built-in.
#[utoipa::path(get, path = "/api/v1/projects/{code}/inspection-templates/{template}", tag = "inspection",
    params(("code" = String, Path, description = "项目代码"), ("template" = String, Path, description = "模板代码")),
    responses(
        (status = 200, body = TemplateJson, headers(("ETag" = String))),
        Forbidden, NotFound,
    ))]
pub async fn get_template(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath((code, template)): ApiPath<(String, String)>,
) -> Result<Response, ApiError> {
    let v = uc::template(&st.app, &auth.actor, &code, &template).await?;
    Ok(json_with_status_etag(StatusCode::OK, v.version, template_json(v)))
}

/// Saves a new version of one of the project's templates (`If-Match` required); inspections
/// already planned keep the version they were created with.
#[utoipa::path(put, path = "/api/v1/projects/{code}/inspection-templates/{template}", tag = "inspection",
    params(("code" = String, Path, description = "项目代码"), ("template" = String, Path, description = "模板代码"),
        ("If-Match" = String, Header, description = "ETag")),
    request_body = WriteTemplate,
    responses(
        (status = 200, body = TemplateJson, headers(("ETag" = String))),
        Forbidden,
        NotFound,
        Conflict,
        PreconditionFailed,
        Invalid,
        PreconditionRequired,
    ))]
pub async fn update_template(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath((code, template)): ApiPath<(String, String)>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Response, ApiError> {
    let current = template_json(uc::template(&st.app, &auth.actor, &code, &template).await?);
    let req: WriteTemplate = crate::http::update::parse_update(body, &current)?;
    let (input, copy_of) = req.input();
    if copy_of.is_some() {
        return Err(ApiError::invalid(vec![FieldError::new("copy_of", "只能在新建模板时复制")]));
    }
    let expected = if_match_version(&headers)?.ok_or(AppError::PreconditionRequired)?;
    let v = uc::update_template(&st.app, &auth.actor, &code, &template, input, expected).await?;
    Ok(json_with_status_etag(StatusCode::OK, v.version, template_json(v)))
}
