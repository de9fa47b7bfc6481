//! CSRF on every state-changing request (ASVS 5.0 V3.5.1): the router's own list of endpoints is
//! walked, so a form added later without the check fails here.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use yunwei_domain::identity::Role::*;

use crate::support::TestApp;

/// A path template with its parameters filled in: the project's code, and `1` for the rest.
fn fill(path: &str, code: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').map_or(rest.len(), |e| start + e + 1);
        out.push_str(if &rest[start..end] == "{code}" { code } else { "1" });
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn paths_are_filled_with_the_project_and_ids() {
    assert_eq!(fill("/p/{code}/incidents/{id}/events", "h1"), "/p/h1/incidents/1/events");
    assert_eq!(fill("/admin/users", "h1"), "/admin/users");
}

/// Every `POST` of the UI, sent by a signed-in installation and project administrator without
/// the `_csrf` field — as a plain form and as a multipart upload — is refused (403 in the
/// encoding the handler takes) and changes nothing. The login form's token is the cookie it set.
#[tokio::test]
async fn every_ui_post_without_the_csrf_token_is_refused() {
    let s = TestApp::site().project("h1").members(&[("root", Admin)]).sysadmins(&["root"]).sessions().build().await;
    let t = &s.t;
    let (session, _) = s.session("root");
    let before = t.tdb.scalar("SELECT COUNT(*) FROM audit_log").await;
    let posts: Vec<String> = yunwei_web::endpoints()
        .into_iter()
        .filter(|e| e.method == Method::POST && !e.path.starts_with("/api/"))
        .map(|e| e.path)
        .collect();
    assert!(posts.len() > 30, "the UI has its forms: {posts:?}");
    let mut accepted = Vec::new();
    for p in &posts {
        let path = fill(p, "h1");
        let fields = [("name", "x"), ("username", "root"), ("password", "x")];
        let form = t.page(Method::POST, &path, Some(&session), Some(&fields)).await;
        let multipart = t.multipart(&path, Some(&session), "", ("x.txt", "text/plain", b"x")).await;
        // The encoding a handler takes reaches the check and fails it (403); the other one is
        // refused before anything is read (400 bad multipart, 415 not a form).
        let refused = |r: &crate::support::Resp| {
            matches!(r.status, StatusCode::FORBIDDEN | StatusCode::BAD_REQUEST | StatusCode::UNSUPPORTED_MEDIA_TYPE)
        };
        let checked = form.status == StatusCode::FORBIDDEN || multipart.status == StatusCode::FORBIDDEN;
        if !(checked && refused(&form) && refused(&multipart)) {
            let show =
                |r: &crate::support::Resp| format!("{} {}", r.status, r.body.chars().take(100).collect::<String>());
            accepted.push(format!("POST {p}: form {}, multipart {}", show(&form), show(&multipart)));
        }
    }
    assert!(accepted.is_empty(), "{accepted:#?}");
    assert_eq!(t.tdb.scalar("SELECT COUNT(*) FROM audit_log").await, before, "nothing changed");
}

/// Every unsafe API operation called with the session cookie but without `X-CSRF-Token` is
/// refused with 403 (bearer tokens, which a browser never sends by itself, need none). The
/// operations that take no session at all are listed with why.
#[tokio::test]
async fn every_api_write_by_cookie_without_the_csrf_header_is_refused() {
    let s = TestApp::site().project("h1").members(&[("root", Admin)]).sysadmins(&["root"]).sessions().build().await;
    let t = &s.t;
    let (session, _) = s.session("root");
    let before = t.tdb.scalar("SELECT COUNT(*) FROM audit_log").await;
    // Login takes a password, not a session.
    let no_session = |p: &str| p == "/api/v1/auth/login";
    let mut accepted = Vec::new();
    let mut walked = 0;
    for e in yunwei_web::endpoints() {
        if !e.path.starts_with("/api/") || matches!(e.method, Method::GET | Method::HEAD) || no_session(&e.path) {
            continue;
        }
        walked += 1;
        let req = Request::builder()
            .method(e.method.clone())
            .uri(fill(&e.path, "h1"))
            .header("cookie", format!("yunwei_session={session}"))
            .header("content-type", "application/json")
            .body(Body::from("{}"))
            .expect("request");
        let r = t.send(req).await;
        if r.status != StatusCode::FORBIDDEN {
            accepted.push(format!(
                "{} {}: {} {}",
                e.method,
                e.path,
                r.status,
                r.body.chars().take(120).collect::<String>()
            ));
        }
    }
    assert!(walked > 30, "{walked}");
    assert!(accepted.is_empty(), "{accepted:#?}");
    assert_eq!(t.tdb.scalar("SELECT COUNT(*) FROM audit_log").await, before, "nothing changed");
}
