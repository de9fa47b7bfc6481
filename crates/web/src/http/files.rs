//! Downloads and uploads: every handler that answers a file or reads one goes through these.

use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// Percent-encodes a file name for `Content-Disposition: filename*=UTF-8''…` (RFC 5987).
pub fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `Content-Disposition` of a download: `ascii` for old clients, `name` in UTF-8 (RFC 5987).
pub fn attachment_disposition(ascii: &str, name: &str) -> String {
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{}", percent_encode(name))
}

/// Reads a body of at most `limit` bytes; larger is 413 naming `file`.
pub async fn read_limited(body: axum::body::Body, limit: usize) -> Result<Vec<u8>, ApiError> {
    match axum::body::to_bytes(body, limit).await {
        Ok(b) => Ok(b.to_vec()),
        Err(_) => Err(ApiError::too_large("file", format!("附件最大 {} MB", limit / 1024 / 1024))),
    }
}

/// Bytes as a download named `name` (non-ASCII names via RFC 5987).
pub fn download_file(name: &str, content_type: &str, data: Vec<u8>) -> Response {
    let ascii: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' { c } else { '_' }).collect();
    let disposition = attachment_disposition(&ascii, name);
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        data,
    )
        .into_response()
}
