//! What is stored and served: session and API tokens only as hashes (ASVS 5.0 V6.x / V14), new
//! passwords under the policy, and uploads never served inline as a page (V5.4, V3.2).

use axum::http::{Method, StatusCode};
use serde_json::json;
use yunwei_domain::identity::Role::*;

use crate::support::{EXAMPLE_CONTRACT, PASSWORD, TestApp};

/// Neither kind of token is stored, logged in the audit trail, or recoverable from the rows:
/// each row holds the SHA-256 of its token and nothing that contains the secret.
#[tokio::test]
async fn the_database_holds_no_plaintext_session_or_api_token() {
    let t = TestApp::new().await;
    t.user("zabbix", false).await;
    let login =
        t.api(Method::POST, "/api/v1/auth/login", None, Some(json!({"username": "zabbix", "password": PASSWORD})));
    let session = login.await.json()["token"].as_str().expect("token").to_owned();
    let created = t.api(Method::POST, "/api/v1/auth/tokens", Some(&session), Some(json!({"name": "Zabbix"}))).await;
    let api_token = created.json()["token"].as_str().expect("token").to_owned();
    for (table, token) in [("sessions", &session), ("api_tokens", &api_token)] {
        let hashed = t
            .tdb
            .scalar(&format!(
                "SELECT COUNT(*) FROM {table} WHERE token_hash = '{}'",
                yunwei_app::identity::token_hash(token)
            ))
            .await;
        assert_eq!(hashed, 1, "{table} holds the hash");
    }
    // The secret part after the prefix, anywhere in the rows that could hold it.
    for token in [&session, &api_token] {
        let secret = &token[4..];
        for (table, cols) in [
            ("sessions", "token_hash || ' ' || csrf_token"),
            ("api_tokens", "token_hash || ' ' || token_prefix || ' ' || name"),
            ("audit_log", "summary || ' ' || entity_id"),
        ] {
            let n = t.tdb.scalar(&format!("SELECT COUNT(*) FROM {table} WHERE {cols} LIKE '%{secret}%'")).await;
            assert_eq!(n, 0, "{table} holds the secret of {}", &token[..4]);
        }
        // The shown prefix is short enough to recognise, far too short to use.
        let prefix = t.tdb.scalar("SELECT COUNT(*) FROM api_tokens WHERE LENGTH(token_prefix) > 10").await;
        assert_eq!(prefix, 0);
    }
}

/// Password policy at the edge: too short, common (the shipped list), or holding the username is
/// refused with a Chinese reason under the field's name, on the API and on the account page.
#[tokio::test]
async fn weak_new_passwords_are_refused_naming_the_field() {
    let s = TestApp::site().sysadmins(&["root"]).tokens().sessions().build().await;
    let t = &s.t;
    let root = s.token("root");
    for (pw, reason) in [
        ("short", "密码至少 8 个字符"),
        ("password123", "密码过于常见"),
        ("Qwerty123", "密码过于常见"),
        ("woaini1314", "密码过于常见"),
        ("chenyi-2026-pw", "密码不能包含用户名"),
    ] {
        let body = json!({"username": "chenyi", "display_name": "陈一", "password": pw});
        let r = t.api(Method::POST, "/api/v1/users", Some(&root), Some(body)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{pw}: {}", r.body);
        let e = &r.json()["errors"][0];
        assert_eq!(e["field"], "password", "{pw}");
        assert!(e["reason"].as_str().unwrap_or_default().starts_with(reason), "{pw}: {e}");
    }
    let body = json!({"username": "chenyi", "display_name": "陈一", "password": "yunwei-demo"});
    assert_eq!(t.api(Method::POST, "/api/v1/users", Some(&root), Some(body)).await.status, StatusCode::CREATED);

    // The account page names the field by its label.
    let (session, csrf) = s.session("root");
    let form = [
        ("_csrf", csrf.as_str()),
        ("current_password", PASSWORD),
        ("new_password", "iloveyou123"),
        ("confirm_password", "iloveyou123"),
    ];
    let r = t.page(Method::POST, "/account/password", Some(&session), Some(&form)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("新密码") && r.body.contains("密码过于常见"), "{}", r.body);
}

/// An uploaded file that holds HTML is sent back as a download of its stored, non-HTML type
/// with `nosniff` and a sandboxing policy, never as a page of ours; an HTML type is refused.
#[tokio::test]
async fn uploads_are_never_served_inline_as_html() {
    let s = TestApp::site().contract(EXAMPLE_CONTRACT).members(&[("d1", Dispatcher)]).tokens().build().await;
    let t = &s.t;
    let d1 = s.token("d1");
    let body = json!({"title": "PACS 无法调阅", "severity": "P3", "channel": "phone"});
    let id = t.api(Method::POST, "/api/v1/projects/demo/incidents", Some(&d1), Some(body)).await.json()["id"]
        .as_i64()
        .expect("id");
    let url = |name: &str| format!("/api/v1/incidents/{id}/attachments?name={name}");
    let page = b"<html><script>alert(document.cookie)</script></html>".to_vec();
    for (name, ty) in [("x.html", "text/html"), ("x.xhtml", "application/xhtml+xml"), ("x.svg", "image/svg+xml")] {
        let r = t.upload(&url(name), Some(&d1), ty, page.clone()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{ty} accepted: {}", r.body);
    }
    let r = t.upload(&url("notes.txt"), Some(&d1), "text/plain", page.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let aid = r.json()["id"].as_i64().expect("id");
    let got = t.api(Method::GET, &format!("/api/v1/incidents/{id}/attachments/{aid}"), Some(&d1), None).await;
    assert_eq!(got.bytes, page);
    let ty = got.header("content-type").unwrap_or_default();
    assert!(ty.starts_with("text/plain"), "{ty}");
    assert!(got.header("content-disposition").unwrap_or_default().starts_with("attachment;"));
    assert_eq!(got.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(got.header("content-security-policy"), Some(yunwei_web::http::files::DOWNLOAD_CSP));
}
