//! The contract API: versions, optimistic concurrency, errors naming line and field, preview.

use axum::http::{Method, StatusCode};
use serde_json::json;

use yunwei_domain::identity::Role::*;

use crate::support::{EXAMPLE_CONTRACT, TestApp};

async fn setup() -> (TestApp, String) {
    let s = TestApp::site().preset("example").members(&[("it", HospitalIt)]).tokens().build().await;
    let token = s.token("it");
    (s.t, token)
}

#[tokio::test]
async fn a_new_version_needs_the_current_etag_and_unchanged_is_no_new_version() {
    let (t, token) = setup().await;
    let got = t.api(Method::GET, "/api/v1/projects/demo/contract", Some(&token), None).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.header("etag"), Some("\"1\""));
    assert_eq!(got.json()["document"], EXAMPLE_CONTRACT);

    let same = t
        .api_with(
            Method::PUT,
            "/api/v1/projects/demo/contract",
            Some(&token),
            Some(json!({"document": EXAMPLE_CONTRACT})),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(same.status, StatusCode::OK, "{}", same.body);
    assert_eq!(same.json(), json!({"version": 1, "changed": false}));

    let v2 = EXAMPLE_CONTRACT.replace(
        r#"respond = { within = "2h",  calendar = "office" }"#,
        r#"respond = { within = "1h",  calendar = "office" }"#,
    );
    let none = t.api(Method::PUT, "/api/v1/projects/demo/contract", Some(&token), Some(json!({"document": v2}))).await;
    assert_eq!(none.status, StatusCode::PRECONDITION_REQUIRED);
    let ok = t
        .api_with(
            Method::PUT,
            "/api/v1/projects/demo/contract",
            Some(&token),
            Some(json!({"document": v2})),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(ok.json(), json!({"version": 2, "changed": true}));
    let stale = t
        .api_with(
            Method::PUT,
            "/api/v1/projects/demo/contract",
            Some(&token),
            Some(json!({"document": EXAMPLE_CONTRACT})),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(yunwei_app::contract::current(&t.app, None, "demo").await.expect("current").version, 2);
}

#[tokio::test]
async fn a_bad_document_is_a_422_naming_line_and_field_and_stores_nothing() {
    let (t, token) = setup().await;
    let bad = EXAMPLE_CONTRACT.replace(
        r#"calendar = "office" }
resolve"#,
        r#"calendar = "offce" }
resolve"#,
    );
    let r = t
        .api_with(
            Method::PUT,
            "/api/v1/projects/demo/contract",
            Some(&token),
            Some(json!({"document": bad})),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let e = &r.json()["errors"][0];
    assert_eq!(e["field"], "severity.P3.respond.calendar");
    assert!(e["reason"].as_str().unwrap_or_default().starts_with("第 28 行"), "{e}");
    let other = EXAMPLE_CONTRACT.replace("code = \"demo\"", "code = \"other\"");
    let r = t
        .api_with(
            Method::PUT,
            "/api/v1/projects/demo/contract",
            Some(&token),
            Some(json!({"document": other})),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(r.json()["errors"][0]["field"], "project.code");
    assert_eq!(yunwei_app::contract::current(&t.app, None, "demo").await.expect("current").version, 1);
}

#[tokio::test]
async fn preview_across_national_day() {
    let (t, token) = setup().await;
    let r = t
        .api(
            Method::GET,
            "/api/v1/projects/demo/sla-preview?severity=P3&at=2025-09-30T16:50:00%2B08:00",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    // One key per clock with a target, as `yunwei sla preview --json` prints it.
    assert_eq!(v["respond"], "2025-10-09T09:50:00+08:00", "{v}");
    assert_eq!(v["resolve"], "2025-10-14T16:50:00+08:00", "{v}");
    assert!(v.get("onsite").is_none() && v.get("missing_holiday_years").is_none(), "{v}");
    let bad =
        t.api(Method::GET, "/api/v1/projects/demo/sla-preview?severity=P3&at=yesterday", Some(&token), None).await;
    assert_eq!(bad.json()["errors"][0]["field"], "at");
    let unknown = t
        .api(
            Method::GET,
            "/api/v1/projects/demo/sla-preview?severity=P7&at=2025-09-30T16:50:00%2B08:00",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(unknown.json()["errors"][0]["field"], "severity");
}

#[tokio::test]
async fn put_takes_back_what_get_gave_with_the_document_edited() {
    let (t, token) = setup().await;
    let path = "/api/v1/projects/demo/contract";
    let put = |body: serde_json::Value, etag: &'static str| {
        let (t, token) = (&t, &token);
        async move { t.api_with(Method::PUT, path, Some(token), Some(body), &[("if-match", etag)]).await }
    };
    let mut read = t.api(Method::GET, path, Some(&token), None).await.json();
    read["document"] = json!(EXAMPLE_CONTRACT.replace(
        r#"respond = { within = "2h",  calendar = "office" }"#,
        r#"respond = { within = "1h",  calendar = "office" }"#,
    ));
    // Read-only fields that would change, and typos, are refused by name; nothing is applied.
    let mut forged = read.clone();
    forged["created_by"] = json!("someone-else");
    let r = put(forged, "\"1\"").await;
    assert_eq!(
        (r.status, r.json()["errors"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("created_by"))
    );
    let mut typo = read.clone();
    typo["documnet"] = json!("x");
    let r = put(typo, "\"1\"").await;
    assert_eq!(
        (r.status, r.json()["errors"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("documnet"))
    );
    assert_eq!(yunwei_app::contract::current(&t.app, None, "demo").await.expect("current").version, 1);

    let r = put(read.clone(), "\"1\"").await;
    assert_eq!(r.status, StatusCode::OK, "takes back what GET gave: {}", r.body);
    assert_eq!(r.json(), json!({"version": 2, "changed": true}));
    // The same representation of version 1 again is stale (412), not a read-only complaint.
    let r = put(read, "\"1\"").await;
    assert_eq!(r.status, StatusCode::PRECONDITION_FAILED, "{}", r.body);
}
