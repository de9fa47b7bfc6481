//! Extractors whose rejections are problem+json naming the field: JSON bodies, path and query.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde::de::DeserializeOwned;
use yunwei_domain::FieldError;

use crate::error::ApiError;

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
