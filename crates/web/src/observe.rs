//! Operations endpoints and request observation: request ids, request metrics, `/healthz`,
//! `/metrics` (Prometheus text format).

use std::sync::OnceLock;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use rand::RngCore;

use crate::AppState;
use crate::error::REQUEST_ID;

/// Header carrying the request id (taken from the client if it sends one).
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The process-wide Prometheus recorder (installed on first use).
pub fn metrics_handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(&[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0])
            .map(|b| b.build_recorder())
            .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
        let handle = recorder.handle();
        // Fails only if another recorder is installed already; then ours records nothing.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

fn table() -> Vec<(Method, &'static str, MethodRouter<AppState>)> {
    vec![(Method::GET, "/healthz", get(healthz)), (Method::GET, "/metrics", get(metrics_text))]
}

/// Method and path of the operations routes.
pub fn routes() -> Vec<(Method, &'static str)> {
    table().into_iter().map(|(m, p, _)| (m, p)).collect()
}

/// Routes `/healthz` and `/metrics`.
pub fn router() -> Router<AppState> {
    table().into_iter().fold(Router::new(), |r, (_, path, mr)| r.route(path, mr))
}

async fn healthz(State(st): State<AppState>) -> Response {
    match st.app.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n").into_response()
        }
    }
}

async fn metrics_text() -> Response {
    let body = metrics_handle().render();
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

fn new_request_id() -> String {
    let mut b = [0u8; 8];
    rand::rng().fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Middleware: assigns a request id, counts and times the request by route template, and logs
/// one line per request (method, route, status, duration — never bodies, tokens or query strings).
pub async fn track(req: Request, next: Next) -> Response {
    metrics_handle();
    let start = Instant::now();
    let id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|s| !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .map(str::to_owned)
        .unwrap_or_else(new_request_id);
    let method = req.method().to_string();
    let route =
        req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "unmatched".into());
    let mut res = REQUEST_ID.scope(id.clone(), next.run(req)).await;
    let status = res.status().as_u16().to_string();
    let secs = start.elapsed().as_secs_f64();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status.clone()).increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method.clone(), "route" => route.clone())
        .record(secs);
    tracing::info!(request_id = %id, %method, %route, %status, ms = (secs * 1000.0).round() as u64, "request");
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    res
}
