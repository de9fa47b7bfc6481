//! The service desk: incidents, their events and attachments, their reports.

use axum::http::Method;
use serde_json::json;

use super::harness::{Row, api, page};
use super::{ALL, PNG, REPORTERS, Who};

pub fn rows() -> Vec<Row> {
    vec![
        api(Method::GET, "/api/v1/projects/{code}/incidents", Who::Project(ALL), 200).call(async |cx| {
            cx.api(Method::GET, "/api/v1/projects/alpha/incidents?breached=true&severity=P1", None).await
        }),
        api(Method::POST, "/api/v1/projects/{code}/incidents", Who::Project(REPORTERS), 201).call(async |cx| {
            let body = json!({"title": format!("HIS 挂号缓慢 {}", cx.n), "severity": "P1", "channel": "phone"});
            cx.api(Method::POST, "/api/v1/projects/alpha/incidents", Some(body)).await
        }),
        api(Method::GET, "/api/v1/incidents/{id}", Who::Project(ALL), 200).call(async |cx| {
            let id = cx.fx.incident().await;
            cx.api(Method::GET, &format!("/api/v1/incidents/{id}"), None).await
        }),
        // the row posts a comment, which every member may add
        api(Method::POST, "/api/v1/incidents/{id}/events", Who::Project(ALL), 200).call(async |cx| {
            let id = cx.fx.incident().await;
            let body = json!({"type": "comment", "note": "已电话联系"});
            cx.api(Method::POST, &format!("/api/v1/incidents/{id}/events"), Some(body)).await
        }),
        api(Method::GET, "/api/v1/incidents/{id}/attachments", Who::Project(ALL), 200).call(async |cx| {
            let id = cx.fx.incident().await;
            cx.api(Method::GET, &format!("/api/v1/incidents/{id}/attachments"), None).await
        }),
        api(Method::POST, "/api/v1/incidents/{id}/attachments", Who::Project(ALL), 201).call(async |cx| {
            let id = cx.fx.incident().await;
            cx.upload(&format!("/api/v1/incidents/{id}/attachments?name=screen.png"), "image/png", PNG.to_vec()).await
        }),
        api(Method::GET, "/api/v1/incidents/{id}/attachments/{attachment}", Who::Project(ALL), 200).call(async |cx| {
            let (id, a) = cx.fx.attachment().await;
            cx.api(Method::GET, &format!("/api/v1/incidents/{id}/attachments/{a}"), None).await
        }),
        // pages
        page(Method::GET, "/p/{code}/incidents", Who::Project(ALL), 200)
            .call(async |cx| cx.page(Method::GET, "/p/alpha/incidents?breached=1").await),
        page(Method::POST, "/p/{code}/incidents", Who::Project(REPORTERS), 303).call(async |cx| {
            let form = [("title", "收费窗口打印机卡纸"), ("severity", "P3"), ("channel", "phone")];
            cx.form("/p/alpha/incidents", &form).await
        }),
        page(Method::GET, "/p/{code}/incidents/{id}", Who::Project(ALL), 200).call(async |cx| {
            let id = cx.fx.incident().await;
            cx.page(Method::GET, &format!("/p/alpha/incidents/{id}")).await
        }),
        page(Method::POST, "/p/{code}/incidents/{id}/events", Who::Project(ALL), 303).call(async |cx| {
            let id = cx.fx.incident().await;
            cx.form(&format!("/p/alpha/incidents/{id}/events"), &[("type", "comment"), ("note", "已电话回访")]).await
        }),
        page(Method::GET, "/p/{code}/incidents/{id}/report", Who::Project(ALL), 200).call(async |cx| {
            let id = cx.fx.incident().await;
            cx.page(Method::GET, &format!("/p/alpha/incidents/{id}/report")).await
        }),
        page(Method::GET, "/p/{code}/incidents/{id}/report.docx", Who::Project(ALL), 200).call(async |cx| {
            let id = cx.fx.incident().await;
            cx.page(Method::GET, &format!("/p/alpha/incidents/{id}/report.docx")).await
        }),
        page(Method::POST, "/p/{code}/incidents/{id}/attachments", Who::Project(ALL), 303).call(async |cx| {
            let id = cx.fx.incident().await;
            let path = format!("/p/alpha/incidents/{id}/attachments");
            cx.multipart(&path, ("log.txt", "text/plain", "ORA-00600".as_bytes())).await
        }),
        page(Method::GET, "/p/{code}/incidents/{id}/attachments/{attachment}", Who::Project(ALL), 200).call(
            async |cx| {
                let (id, a) = cx.fx.attachment().await;
                cx.page(Method::GET, &format!("/p/alpha/incidents/{id}/attachments/{a}")).await
            },
        ),
    ]
}
