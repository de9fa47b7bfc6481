//! The contract of a project and the SLA preview.

use axum::http::Method;
use serde_json::json;
use yunwei_domain::identity::Role::*;

use super::harness::{Row, api, page};
use super::{PROJECT_SETTINGS, Who};

pub fn rows() -> Vec<Row> {
    vec![
        api(Method::GET, "/api/v1/projects/{code}/contract", Who::Project(PROJECT_SETTINGS), 200),
        api(Method::PUT, "/api/v1/projects/{code}/contract", Who::Project(PROJECT_SETTINGS), 200).call(async |cx| {
            let current = yunwei_app::contract::current(&cx.t.app, None, "alpha").await.expect("contract");
            let etag = format!("\"{}\"", current.version);
            // A changed document: an unchanged one is by design no new version and no write.
            let body = json!({"document": format!("{}\n# matrix {}\n", current.document, cx.n)});
            cx.api_with(Method::PUT, "/api/v1/projects/alpha/contract", Some(body), &[("if-match", &etag)]).await
        }),
        api(
            Method::GET,
            "/api/v1/projects/{code}/sla-preview",
            Who::Project(&[Admin, HospitalIt, Dispatcher, Engineer, L2Engineer, Manager, Auditor]),
            200,
        )
        .call(async |cx| {
            let path = "/api/v1/projects/alpha/sla-preview?severity=P3&at=2026-03-02T09:00:00%2B08:00";
            cx.api(Method::GET, path, None).await
        }),
        page(Method::GET, "/p/{code}/contract", Who::Project(PROJECT_SETTINGS), 200),
    ]
}
