//! Optimistic concurrency: `If-Match` in, `ETag` out.

use axum::http::{HeaderMap, header};
use yunwei_domain::FieldError;

use crate::error::ApiError;

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
