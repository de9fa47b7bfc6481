//! API conventions: problem+json errors naming the field, ETag / If-Match (412), OpenAPI.

use axum::http::{Method, StatusCode};
use serde_json::json;

use yunwei_domain::identity::Role;

use crate::support::{TestApp, TestSite};

/// A plain project `demo` with its hospital IT head `it_head`; the site and the head's token.
async fn demo_with_it_head() -> (TestSite, String) {
    let s = TestApp::site().project("demo").members(&[("it_head", Role::HospitalIt)]).tokens().build().await;
    let token = s.token("it_head");
    (s, token)
}

#[tokio::test]
async fn stale_update_gets_412_and_overwrites_nothing() {
    let (s, token) = demo_with_it_head().await;
    let t = &s.t;
    let first = t.api(Method::GET, "/api/v1/projects/demo", Some(&token), None).await;
    assert_eq!(first.status, StatusCode::OK);
    let etag = first.header("etag").expect("etag").to_owned();
    assert_eq!(etag, "\"1\"");

    // Two people edit version 1; the first wins.
    let a = t
        .api_with(
            Method::PATCH,
            "/api/v1/projects/demo",
            Some(&token),
            Some(json!({"name": "甲：第一人民医院运维"})),
            &[("if-match", &etag)],
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.header("etag"), Some("\"2\""));
    let b = t
        .api_with(
            Method::PATCH,
            "/api/v1/projects/demo",
            Some(&token),
            Some(json!({"name": "乙：覆盖"})),
            &[("if-match", &etag)],
        )
        .await;
    assert_eq!(b.status, StatusCode::PRECONDITION_FAILED, "{}", b.body);
    assert_eq!(b.header("content-type"), Some("application/problem+json"));
    assert_eq!(b.json()["current_version"], 2);

    let now = t.api(Method::GET, "/api/v1/projects/demo", Some(&token), None).await.json();
    assert_eq!(now["name"], "甲：第一人民医院运维");
    assert_eq!(now["version"], 2);
}

#[tokio::test]
async fn update_without_if_match_is_refused_with_428() {
    let (s, token) = demo_with_it_head().await;
    let t = &s.t;
    let r = t.api(Method::PATCH, "/api/v1/projects/demo", Some(&token), Some(json!({"name": "x"}))).await;
    assert_eq!(r.status, StatusCode::PRECONDITION_REQUIRED);
    let v = t.stored_project("demo").await;
    assert_eq!(v.version, 1);
}

#[tokio::test]
async fn invalid_update_names_the_field_and_writes_nothing() {
    let (s, token) = demo_with_it_head().await;
    let t = &s.t;
    let r = t
        .api_with(
            Method::PATCH,
            "/api/v1/projects/demo",
            Some(&token),
            Some(json!({"name": "  ", "timezone": "Mars/Base"})),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let fields: Vec<String> = r.json()["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(fields.contains(&"name".to_owned()), "{fields:?}");
    let v = t.stored_project("demo").await;
    assert_eq!(v.version, 1);
}

#[tokio::test]
async fn unknown_field_and_wrong_type_are_named() {
    let (s, token) = demo_with_it_head().await;
    let t = &s.t;
    let r = t
        .api_with(
            Method::PATCH,
            "/api/v1/projects/demo",
            Some(&token),
            Some(json!({"active": "yes"})),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["errors"][0]["field"], "active");
    let r = t.api(Method::POST, "/api/v1/auth/login", None, Some(json!({"username": "x"}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["field"], "password");
}

#[tokio::test]
async fn malformed_json_reports_line_and_column() {
    let t = TestApp::new().await;
    let req = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/api/v1/auth/login")
        .header("content-type", "application/json")
        .body(axum::body::Body::from("{\n  \"username\": \"a\",\n  oops\n}"))
        .expect("request");
    let r = t.send(req).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.json()["detail"].as_str().unwrap_or_default().contains("第 3 行"), "{}", r.body);
}

#[tokio::test]
async fn duplicate_project_code_is_a_409_naming_code() {
    let t = TestApp::new().await;
    t.user("root", true).await;
    let token = t.token("root").await;
    let body = json!({"code": "szrmyy", "name": "市人民医院"});
    let a = t.api(Method::POST, "/api/v1/projects", Some(&token), Some(body.clone())).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let b = t.api(Method::POST, "/api/v1/projects", Some(&token), Some(body)).await;
    assert_eq!(b.status, StatusCode::CONFLICT);
    assert_eq!(b.json()["errors"][0]["field"], "code");
    // The creator is not a member of the new project: it is invisible to them until granted.
    let g = t.api(Method::GET, "/api/v1/projects/szrmyy", Some(&token), None).await;
    assert_eq!(g.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn projects_list_shows_only_the_callers_projects() {
    let s = TestApp::site().project("alpha").other("beta", &[("eng", Role::Engineer)]).tokens().build().await;
    let t = &s.t;
    let token = s.token("eng");
    let r = t.api(Method::GET, "/api/v1/projects", Some(&token), None).await.json();
    let codes: Vec<&str> = r.as_array().expect("list").iter().filter_map(|p| p["code"].as_str()).collect();
    assert_eq!(codes, vec!["beta"]);
    assert_eq!(r[0]["roles"], json!(["engineer"]));
    assert!(r[0]["created_at"].as_str().unwrap_or_default().ends_with('Z'));
}

#[tokio::test]
async fn unknown_api_path_is_problem_json() {
    let t = TestApp::new().await;
    let r = t.api(Method::GET, "/api/v1/nothing-here", None, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.header("content-type"), Some("application/problem+json"));
    assert!(r.json()["request_id"].is_string());
}

#[tokio::test]
async fn openapi_document_is_locked_by_snapshot() {
    let t = TestApp::new().await;
    let r = t.api(Method::GET, "/api/v1/openapi.json", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.json();
    assert!(doc["openapi"].as_str().unwrap_or_default().starts_with("3."));
    // Sorted keys: serde_json's key order depends on features other crates switch on.
    insta::with_settings!({ sort_maps => true }, {
        insta::assert_json_snapshot!("openapi", doc);
    });
}

#[tokio::test]
async fn healthz_and_metrics_answer() {
    let t = TestApp::new().await;
    let h = t.api(Method::GET, "/healthz", None, None).await;
    assert_eq!(h.status, StatusCode::OK);
    t.api(Method::GET, "/api/v1/auth/me", None, None).await;
    let m = t.api(Method::GET, "/metrics", None, None).await;
    assert_eq!(m.status, StatusCode::OK);
    assert!(m.body.contains("http_requests_total"), "{}", m.body);
    assert!(m.body.contains("route=\"/api/v1/auth/me\""), "{}", m.body);
    assert!(m.body.contains("http_request_duration_seconds_bucket"));
}

#[tokio::test]
async fn organizations_and_departments_are_managed_by_administrators() {
    let t = TestApp::new().await;
    t.user("root", true).await;
    t.user("clerk", false).await;
    let root = t.token("root").await;
    let clerk = t.token("clerk").await;
    let r =
        t.api(Method::POST, "/api/v1/organizations", Some(&root), Some(json!({"kind": "clinic", "name": ""}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.json();
    let fields: Vec<&str> =
        body["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
    assert_eq!(fields, vec!["kind", "name"]);
    let h = t
        .api(
            Method::POST,
            "/api/v1/organizations",
            Some(&root),
            Some(json!({"kind": "hospital", "name": "市第一人民医院"})),
        )
        .await;
    assert_eq!(h.status, StatusCode::CREATED);
    let id = h.json()["id"].as_i64().expect("id");
    for d in ["检验科", "放射科"] {
        let r = t
            .api(
                Method::POST,
                &format!("/api/v1/organizations/{id}/departments"),
                Some(&root),
                Some(json!({"name": d})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
    let dup = t
        .api(
            Method::POST,
            &format!("/api/v1/organizations/{id}/departments"),
            Some(&root),
            Some(json!({"name": "检验科"})),
        )
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    let missing =
        t.api(Method::POST, "/api/v1/organizations/999/departments", Some(&root), Some(json!({"name": "x"}))).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    let list = t.api(Method::GET, "/api/v1/organizations", Some(&clerk), None).await.json();
    assert_eq!(list[0]["name"], "市第一人民医院");
    assert_eq!(list[0]["departments"].as_array().map(Vec::len), Some(2));

    // A user in a department of that hospital.
    let u = t.api(Method::POST, "/api/v1/users", Some(&root), Some(json!({"username": "chen", "display_name": "陈医生", "password": "long enough", "organization": "市第一人民医院", "department": "检验科"}))).await;
    assert_eq!(u.status, StatusCode::CREATED, "{}", u.body);
    let bad = t.api(Method::POST, "/api/v1/users", Some(&root), Some(json!({"username": "li", "display_name": "李", "organization": "市第一人民医院", "department": "不存在科"}))).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["errors"][0]["field"], "department");
}

#[tokio::test]
async fn bad_path_and_query_parameters_are_problem_json() {
    let (s, token) = demo_with_it_head().await;
    let t = &s.t;
    t.grant("demo", "it_head", "auditor").await;
    let r = t.api(Method::DELETE, "/api/v1/auth/tokens/abc", Some(&token), None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.header("content-type"), Some("application/problem+json"));
    assert_eq!(r.json()["errors"][0]["field"], "path");
    let q = t.api(Method::GET, "/api/v1/projects/demo/audit?limit=lots", Some(&token), None).await;
    assert_eq!(q.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(q.json()["errors"][0]["field"], "limit");
    let tz = t
        .api_with(
            Method::PATCH,
            "/api/v1/projects/demo",
            Some(&token),
            Some(json!({"timezone": "Asia/Shangai"})),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(tz.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(tz.json()["errors"][0]["field"], "timezone");
    let ok = t
        .api_with(
            Method::PATCH,
            "/api/v1/projects/demo",
            Some(&token),
            Some(json!({"timezone": "Asia/Urumqi"})),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
}
