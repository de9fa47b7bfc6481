//! Projects and their members, the home page and the project pages.

use axum::http::Method;
use serde_json::json;

use super::harness::{Row, api, page};
use super::{ALL, MEMBERS_READ, PROJECT_SETTINGS, Who};
use yunwei_domain::identity::Role::Admin;

pub fn rows() -> Vec<Row> {
    vec![
        api(Method::GET, "/api/v1/projects", Who::AnyUser, 200),
        api(Method::POST, "/api/v1/projects", Who::SysAdmin, 201).call(async |cx| {
            let body = json!({"code": format!("new{}", cx.n), "name": "新项目"});
            cx.api(Method::POST, "/api/v1/projects", Some(body)).await
        }),
        api(Method::GET, "/api/v1/projects/{code}", Who::Project(ALL), 200),
        api(Method::PATCH, "/api/v1/projects/{code}", Who::Project(PROJECT_SETTINGS), 200).call(async |cx| {
            let v = cx.t.stored_project("alpha").await.version;
            let etag = format!("\"{v}\"");
            let body = json!({"name": format!("甲医院 {}", cx.n)});
            cx.api_with(Method::PATCH, "/api/v1/projects/alpha", Some(body), &[("if-match", &etag)]).await
        }),
        api(Method::GET, "/api/v1/projects/{code}/members", Who::Project(MEMBERS_READ), 200),
        api(Method::POST, "/api/v1/projects/{code}/members", Who::Project(&[Admin]), 201).call(async |cx| {
            let _ = yunwei_app::project::revoke(&cx.t.app, None, "alpha", "victim", "auditor").await;
            let body = json!({"username": "victim", "role": "auditor"});
            cx.api(Method::POST, "/api/v1/projects/alpha/members", Some(body)).await
        }),
        api(Method::DELETE, "/api/v1/projects/{code}/members/{username}/{role}", Who::Project(&[Admin]), 204).call(
            async |cx| {
                cx.t.grant("alpha", "victim", "auditor").await;
                cx.api(Method::DELETE, "/api/v1/projects/alpha/members/victim/auditor", None).await
            },
        ),
        // pages
        page(Method::GET, "/", Who::AnyUser, 200),
        page(Method::GET, "/p/{code}", Who::Project(ALL), 200),
        // a form from version 1, long since changed by the matrix: allowed, but refused as stale
        page(Method::POST, "/p/{code}/settings", Who::Project(PROJECT_SETTINGS), 412)
            .call(async |cx| {
                let form = [("name", "甲"), ("timezone", "Asia/Shanghai"), ("version", "1")];
                cx.form("/p/alpha/settings", &form).await
            })
            .not_audited("the matrix's call is refused (412: stale version)"),
        page(Method::GET, "/p/{code}/m/{module}", Who::Project(ALL), 200)
            .call(async |cx| cx.page(Method::GET, "/p/alpha/m/servicedesk").await),
        page(Method::GET, "/p/{code}/members", Who::Project(MEMBERS_READ), 200),
        page(Method::POST, "/p/{code}/members", Who::Project(&[Admin]), 303).call(async |cx| {
            let _ = yunwei_app::project::revoke(&cx.t.app, None, "alpha", "victim", "auditor").await;
            cx.form("/p/alpha/members", &[("username", "victim"), ("role", "auditor")]).await
        }),
        page(Method::POST, "/p/{code}/members/revoke", Who::Project(&[Admin]), 303).call(async |cx| {
            cx.t.grant("alpha", "victim", "auditor").await;
            cx.form("/p/alpha/members/revoke", &[("username", "victim"), ("role", "auditor")]).await
        }),
    ]
}
