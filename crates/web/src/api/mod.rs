//! The JSON API under `/api/v1` (conventions in docs/API.md). Every handler is annotated for the
//! OpenAPI document, which is generated from these annotations and locked by a snapshot test.

pub mod alerts;
pub mod audit;
pub mod auth;
pub mod cmdb;
pub mod contract;
pub mod daily_log;
pub mod incidents;
pub mod inspections;
pub mod notify;
pub mod organizations;
pub mod projects;
pub mod update;
pub mod users;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, header};
use base64::Engine;
use serde::de::DeserializeOwned;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yunwei_domain::FieldError;

use crate::AppState;
use crate::error::ApiError;

/// All API routes with their OpenAPI description.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(crate::openapi::ApiDoc::openapi())
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .routes(routes!(auth::list_tokens, auth::create_token))
        .routes(routes!(auth::revoke_token))
        .routes(routes!(users::list_users, users::create_user))
        .routes(routes!(organizations::list_organizations, organizations::create_organization))
        .routes(routes!(organizations::create_department))
        .routes(routes!(projects::list_projects, projects::create_project))
        .routes(routes!(projects::get_project, projects::update_project))
        .routes(routes!(projects::list_members, projects::grant_member))
        .routes(routes!(projects::revoke_member))
        .routes(routes!(audit::list_audit))
        .routes(routes!(contract::get_contract, contract::put_contract))
        .routes(routes!(contract::sla_preview))
        .routes(routes!(incidents::list_incidents, incidents::create_incident))
        .routes(routes!(incidents::get_incident))
        .routes(routes!(incidents::create_event))
        .routes(routes!(incidents::list_attachments, incidents::create_attachment))
        .routes(routes!(incidents::get_attachment))
        .routes(routes!(notify::incident_notifications))
        .routes(routes!(notify::get_settings))
        .routes(routes!(notify::put_target))
        .routes(routes!(notify::create_channel))
        .routes(routes!(notify::delete_channel))
        .routes(routes!(notify::get_contact, notify::put_contact))
        .routes(routes!(notify::inbox))
        .routes(routes!(cmdb::list_ci_types))
        .routes(routes!(cmdb::sheet::get_template))
        .routes(routes!(cmdb::sheet::import_cis))
        .routes(routes!(cmdb::sheet::export_cis))
        .routes(routes!(cmdb::list_cis, cmdb::create_ci))
        .routes(routes!(cmdb::get_ci, cmdb::update_ci))
        .routes(routes!(cmdb::list_relations, cmdb::create_relation))
        .routes(routes!(cmdb::delete_relation))
        .routes(routes!(cmdb::get_impact))
        .routes(routes!(cmdb::get_history))
        .routes(routes!(cmdb::lookup_ip))
        .routes(routes!(cmdb::topology::get_project_topology))
        .routes(routes!(cmdb::topology::get_ci_topology))
        .routes(routes!(inspections::list_templates, inspections::create_template))
        .routes(routes!(inspections::get_template, inspections::update_template))
        .routes(routes!(inspections::list_executions, inspections::create_execution))
        .routes(routes!(inspections::get_execution))
        .routes(routes!(inspections::put_answer))
        .routes(routes!(inspections::complete_execution))
        .routes(routes!(inspections::confirm_execution))
        .routes(routes!(inspections::raise_incident))
        .routes(routes!(inspections::put_report))
        .routes(routes!(inspections::list_plans, inspections::create_plan))
        .routes(routes!(inspections::get_period_report))
        .routes(routes!(inspections::add_photo))
        .routes(routes!(inspections::list_photos))
        .routes(routes!(inspections::get_photo))
        .routes(routes!(daily_log::get_month))
        .routes(routes!(daily_log::get_xlsx))
        .routes(routes!(daily_log::put_day))
        .routes(routes!(daily_log::sign_day))
        .routes(routes!(alerts::alertmanager))
        .routes(routes!(alerts::zabbix))
        .routes(routes!(alerts::backup))
        .routes(routes!(alerts::list_alerts))
        .routes(routes!(alerts::list_backup_jobs))
        .routes(routes!(alerts::put_backup_job))
}

/// A JSON body whose errors name the field: malformed JSON is a 400 with line and column; a
/// missing or mistyped field is a 422 naming its path.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json") || v.contains("+json"));
        if !is_json {
            return Err(ApiError::new(
                axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "内容类型不支持",
                "请求体须为 JSON（Content-Type: application/json）",
            ));
        }
        let bytes =
            Bytes::from_request(req, state).await.map_err(|e| ApiError::bad_request(format!("无法读取请求体：{e}")))?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses JSON into `T`, naming the offending field on failure.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    parse_value(parse_json_value(bytes)?)
}

/// Parses a body as JSON of any shape (a 400 with line and column when it is not JSON).
pub fn parse_json_value(bytes: &[u8]) -> Result<serde_json::Value, ApiError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("JSON 格式错误（第 {} 行第 {} 列）：{e}", e.line(), e.column())))
}

/// Reads a JSON value into `T`, naming the offending field on failure.
pub fn parse_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        // serde reports a missing field at the parent path; name the field itself.
        let field = match (inner.find("missing field `"), path.as_str()) {
            (Some(i), p) => {
                let name = inner[i + 15..].split('`').next().unwrap_or_default();
                if p == "." { name.to_owned() } else { format!("{p}.{name}") }
            }
            (None, p) => p.to_owned(),
        };
        ApiError::invalid(vec![FieldError::new(field, inner)])
    })
}

/// An opaque keyset cursor around an id.
pub fn encode_cursor(id: i64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("id:{id}"))
}

/// Decodes a cursor from [`encode_cursor`]; a bad one is a 422 on `cursor`.
pub fn decode_cursor(c: &str) -> Result<i64, ApiError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(c)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("id:").and_then(|n| n.parse().ok()))
        .ok_or_else(|| ApiError::invalid(vec![FieldError::new("cursor", "游标无效，请使用上一页返回的 next_cursor")]))
}

/// A cursor after the item at (`at`, `id`) of a list ordered by time.
pub fn encode_time_cursor(at: chrono::DateTime<chrono::Utc>, id: i64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("at:{}:{id}", at.timestamp_micros()))
}

/// Decodes a cursor from [`encode_time_cursor`]; a bad one is a 422 on `cursor`.
pub fn decode_time_cursor(c: &str) -> Result<(chrono::DateTime<chrono::Utc>, i64), ApiError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(c)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            let (micros, id) = s.strip_prefix("at:")?.split_once(':')?;
            Some((chrono::DateTime::from_timestamp_micros(micros.parse().ok()?)?, id.parse().ok()?))
        })
        .ok_or_else(|| ApiError::invalid(vec![FieldError::new("cursor", "游标无效，请使用上一页返回的 next_cursor")]))
}

/// The version named by `If-Match` (`"3"` or `W/"3"`); `None` when absent.
pub fn if_match_version(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let Some(v) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let s = v.to_str().unwrap_or_default().trim();
    let s = s.strip_prefix("W/").unwrap_or(s).trim_matches('"');
    s.parse()
        .map(Some)
        .map_err(|_| ApiError::invalid(vec![FieldError::new("If-Match", "须为 GET 返回的 ETag，例如 \"3\"")]))
}

/// The ETag of a record at `version`.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// A 200 JSON response carrying the ETag of `version`.
pub fn json_with_etag(version: i64, body: impl serde::Serialize) -> axum::response::Response {
    json_with_status_etag(axum::http::StatusCode::OK, version, body)
}

/// A JSON response of `status` carrying the ETag of `version` (201 for a create).
pub fn json_with_status_etag(
    status: axum::http::StatusCode,
    version: i64,
    body: impl serde::Serialize,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut res = (status, axum::Json(body)).into_response();
    if let Ok(v) = axum::http::HeaderValue::from_str(&etag(version)) {
        res.headers_mut().insert(header::ETAG, v);
    }
    res
}

/// An optional RFC 3339 instant from a query or body field; blank is absent, a bad one is a 422
/// naming `field`.
pub fn parse_instant(field: &str, v: &Option<String>) -> Result<Option<chrono::DateTime<chrono::Utc>>, ApiError> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            chrono::DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&chrono::Utc)).map_err(|_| {
                ApiError::invalid(vec![FieldError::new(
                    field,
                    "须为带时区的 RFC 3339 时间，例如 2026-03-01T08:00:00+08:00",
                )])
            })
        })
        .transpose()
}

/// Formats an instant as RFC 3339 with offset, in UTC.
pub fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Path parameters whose rejection is problem+json naming the parameter.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> axum::extract::FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|e| ApiError::invalid(vec![FieldError::new("path", e.body_text())]))
    }
}

/// Query parameters whose rejection is problem+json naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> axum::extract::FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded_deserializer(q);
        serde_path_to_error::deserialize(de).map(ApiQuery).map_err(|e| {
            let field = e.path().to_string();
            ApiError::invalid(vec![FieldError::new(field, e.into_inner().to_string())])
        })
    }
}

fn serde_urlencoded_deserializer(q: &str) -> serde_urlencoded::Deserializer<'_> {
    serde_urlencoded::Deserializer::new(form_urlencoded::parse(q.as_bytes()))
}
