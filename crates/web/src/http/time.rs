//! Instants in and out of the API (RFC 3339).

use yunwei_domain::FieldError;

use crate::error::ApiError;

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
