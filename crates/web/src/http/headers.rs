//! Security headers on every response (OWASP ASVS 5.0 V3.4): a Content-Security-Policy that
//! allows no inline script and no framing, `nosniff`, a referrer policy, and HSTS when the
//! server is configured as served over HTTPS. Everything a page loads comes from the server
//! itself, so `'self'` is the only source; the inline topology drawing keeps its one style
//! sheet through its hash. A response that sets its own policy (the SVG download) keeps it.

use std::sync::OnceLock;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

/// `Referrer-Policy`: URLs carry project codes and incident numbers, which stay on the server.
pub const REFERRER_POLICY: &str = "same-origin";

/// `Strict-Transport-Security` sent when cookies are marked `Secure` (served over HTTPS).
pub const HSTS: &str = "max-age=31536000";

/// The Content-Security-Policy of every page and API answer.
pub fn page_csp() -> &'static str {
    static CSP: OnceLock<String> = OnceLock::new();
    CSP.get_or_init(|| {
        format!(
            "default-src 'self'; script-src 'self'; style-src 'self' {}; img-src 'self' data:; \
             object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
            crate::cmdb::svg::style_hash()
        )
    })
}

/// Middleware adding the security headers to every response.
pub async fn security_headers(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY)
        && let Ok(v) = HeaderValue::from_str(page_csp())
    {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static(REFERRER_POLICY));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    if st.web.cookie_secure {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    res
}
