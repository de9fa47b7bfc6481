//! Downloads and uploads: every handler that answers a file or reads one goes through these.

use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;
use yunwei_app::files::{MAX_ATTACHMENT_BYTES, Upload};

use crate::error::ApiError;

/// The name of a file sent as a request body.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AttachQuery {
    /// File name as it should be shown and downloaded.
    pub name: String,
}

/// A file sent as the request body (an incident's attachment, an item's photo …): named by the
/// query's `name`, typed by the request's `Content-Type`, at most `MAX_ATTACHMENT_BYTES` (larger
/// is 413 naming `file`). The use case checks the rest.
pub async fn body_upload(q: AttachQuery, headers: &HeaderMap, body: axum::body::Body) -> Result<Upload, ApiError> {
    let data = read_limited(body, MAX_ATTACHMENT_BYTES).await?;
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    Ok(Upload { name: q.name, content_type, data })
}

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

/// Content-Security-Policy of a stored file: should a browser show one anyway, it runs no script,
/// loads nothing and is a sandboxed origin of its own.
pub const DOWNLOAD_CSP: &str = "default-src 'none'; sandbox";

/// Bytes as a download named `name` (non-ASCII names via RFC 5987): always `attachment`, never
/// sniffed, sandboxed, and a stored HTML type is sent as plain bytes, so no stored file runs as a
/// page of ours.
pub fn download_file(name: &str, content_type: &str, data: Vec<u8>) -> Response {
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let content_type = if matches!(essence.as_str(), "text/html" | "application/xhtml+xml") {
        "application/octet-stream"
    } else {
        content_type
    };
    let ascii: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' { c } else { '_' }).collect();
    let disposition = attachment_disposition(&ascii, name);
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CONTENT_SECURITY_POLICY, DOWNLOAD_CSP.to_owned()),
        ],
        data,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(r: &Response) -> (String, String, String) {
        let h = |n: header::HeaderName| r.headers().get(n).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        (h(header::CONTENT_TYPE), h(header::CONTENT_DISPOSITION), h(header::X_CONTENT_TYPE_OPTIONS))
    }

    #[test]
    fn an_attachment_and_a_photo_download_as_attachments_never_sniffed() {
        let attachment = download_file("故障截图 1.pdf", "application/pdf", b"%PDF-".to_vec());
        assert_eq!(
            headers(&attachment),
            (
                "application/pdf".to_owned(),
                "attachment; filename=\"_____1.pdf\"; filename*=UTF-8''%E6%95%85%E9%9A%9C%E6%88%AA%E5%9B%BE%201.pdf"
                    .to_owned(),
                "nosniff".to_owned()
            )
        );
        let photo = download_file("rack.png", "image/png", b"\x89PNG".to_vec());
        assert_eq!(
            headers(&photo),
            (
                "image/png".to_owned(),
                "attachment; filename=\"rack.png\"; filename*=UTF-8''rack.png".to_owned(),
                "nosniff".to_owned()
            )
        );
    }

    #[test]
    fn a_stored_html_type_is_sent_as_plain_bytes() {
        for t in ["text/html", "Text/HTML; charset=utf-8", "application/xhtml+xml"] {
            let r = download_file("x.html", t, b"<script>".to_vec());
            assert_eq!(headers(&r).0, "application/octet-stream", "{t}");
        }
    }
}
