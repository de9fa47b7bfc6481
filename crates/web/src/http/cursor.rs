//! Opaque keyset cursors of the lists.

use base64::Engine;
use yunwei_domain::FieldError;

use crate::error::ApiError;

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

/// A cursor after the item at (`key`, `id`) of a list ordered by a text key (a date) and id.
pub fn encode_key_cursor(key: &str, id: i64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("key:{id}:{key}"))
}

/// Decodes a cursor from [`encode_key_cursor`]; a bad one is a 422 on `cursor`.
pub fn decode_key_cursor(c: &str) -> Result<(String, i64), ApiError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(c)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            let (id, key) = s.strip_prefix("key:")?.split_once(':')?;
            Some((key.to_owned(), id.parse().ok()?))
        })
        .ok_or_else(|| ApiError::invalid(vec![FieldError::new("cursor", "游标无效，请使用上一页返回的 next_cursor")]))
}
