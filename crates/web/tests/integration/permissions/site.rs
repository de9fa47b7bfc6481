//! Operations and public endpoints: health, metrics, the OpenAPI document, assets.

use axum::http::Method;

use super::Who;
use super::harness::{Row, api};

pub fn rows() -> Vec<Row> {
    vec![
        api(Method::GET, "/healthz", Who::Public, 200),
        api(Method::GET, "/metrics", Who::Public, 200),
        api(Method::GET, "/api/v1/openapi.json", Who::Public, 200),
        api(Method::GET, "/assets/{*path}", Who::Public, 200)
            .call(async |cx| cx.api(Method::GET, "/assets/app.css", None).await),
    ]
}
