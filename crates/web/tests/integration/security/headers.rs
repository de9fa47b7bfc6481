//! Security headers on every response, and templates with nothing inline that the
//! Content-Security-Policy would block.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::json;
use tower::ServiceExt;
use yunwei_domain::identity::Role::*;
use yunwei_web::{AppState, WebSettings};

use crate::support::TestApp;

fn directive<'a>(csp: &'a str, name: &str) -> Option<&'a str> {
    csp.split(';').map(str::trim).find_map(|d| d.strip_prefix(name).map(str::trim))
}

fn assert_secure_headers(r: &crate::support::Resp, what: &str) {
    let csp = r.header("content-security-policy").unwrap_or_else(|| panic!("{what}: no CSP"));
    assert_eq!(directive(csp, "frame-ancestors"), Some("'none'"), "{what}: {csp}");
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"), "{what}");
    assert_eq!(r.header("referrer-policy"), Some("same-origin"), "{what}");
    assert_eq!(r.header("x-frame-options"), Some("DENY"), "{what}");
    assert!(r.header("access-control-allow-origin").is_none(), "{what}: no cross-origin reads");
}

#[tokio::test]
async fn every_kind_of_response_carries_the_security_headers() {
    let s = TestApp::site().project("h1").members(&[("eng", Engineer)]).tokens().sessions().build().await;
    let (session, _) = s.session("eng");
    let token = s.token("eng");
    let t = &s.t;
    let cases = [
        ("login page", t.page(Method::GET, "/login", None, None).await),
        ("signed-in page", t.page(Method::GET, "/p/h1", Some(&session), None).await),
        ("missing page", t.page(Method::GET, "/no/such/page", Some(&session), None).await),
        ("API answer", t.api(Method::GET, "/api/v1/auth/me", Some(&token), None).await),
        ("API error", t.api(Method::GET, "/api/v1/auth/me", None, None).await),
        ("asset", t.page(Method::GET, "/assets/app.js", None, None).await),
        ("health", t.page(Method::GET, "/healthz", None, None).await),
    ];
    for (what, r) in &cases {
        assert_secure_headers(r, what);
    }
    assert_eq!(cases[1].0, "signed-in page");
    assert_eq!(cases[1].1.status, StatusCode::OK, "{}", cases[1].1.body);
}

#[tokio::test]
async fn the_page_policy_allows_no_inline_script_and_nothing_from_elsewhere() {
    let t = TestApp::new().await;
    let r = t.page(Method::GET, "/login", None, None).await;
    let csp = r.header("content-security-policy").expect("csp");
    assert_eq!(directive(csp, "default-src"), Some("'self'"), "{csp}");
    assert_eq!(directive(csp, "script-src"), Some("'self'"), "{csp}");
    assert_eq!(directive(csp, "object-src"), Some("'none'"), "{csp}");
    assert_eq!(directive(csp, "base-uri"), Some("'none'"), "{csp}");
    assert_eq!(directive(csp, "form-action"), Some("'self'"), "{csp}");
    let style = directive(csp, "style-src").expect("style-src");
    assert!(!style.contains("unsafe-inline"), "{csp}");
    assert_eq!(style, format!("'self' {}", yunwei_web::cmdb::svg::style_hash()));
    assert!(r.header("strict-transport-security").is_none(), "no HSTS over plain HTTP");
}

#[tokio::test]
async fn hsts_is_sent_when_the_server_is_configured_for_https() {
    let t = TestApp::new().await;
    let router = yunwei_web::router(AppState { app: t.app.clone(), web: WebSettings { cookie_secure: true } });
    let req = Request::builder().uri("/login").body(Body::empty()).expect("request");
    let res = router.oneshot(req).await.expect("infallible");
    assert_eq!(res.headers().get("strict-transport-security").and_then(|v| v.to_str().ok()), Some("max-age=31536000"));
}

/// The inline topology drawing keeps its style sheet under the page policy: the text of its
/// `<style>` element is exactly what the policy's hash allows. The download keeps its own policy.
#[tokio::test]
async fn the_inline_topology_style_matches_the_policys_hash_and_the_download_keeps_its_own_policy() {
    use base64::Engine;
    use sha2::Digest;
    let s = TestApp::site().project("h1").members(&[("eng", Engineer)]).tokens().sessions().build().await;
    let t = &s.t;
    let body = json!({"name": "核心交换机", "type": "core_switch"});
    let r = t.api(Method::POST, "/api/v1/projects/h1/cis", Some(&s.token("eng")), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let (session, _) = s.session("eng");
    let page = t.page(Method::GET, "/p/h1/topology", Some(&session), None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let style = page.body.split_once("<style>").and_then(|(_, rest)| rest.split_once("</style>")).expect("style").0;
    let hash = format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(style)));
    let csp = page.header("content-security-policy").expect("csp");
    assert!(directive(csp, "style-src").is_some_and(|d| d.split(' ').any(|s| s == hash)), "{hash} not in {csp}");

    let svg = t.page(Method::GET, "/p/h1/topology.svg", Some(&session), None).await;
    assert_eq!(svg.status, StatusCode::OK);
    assert_eq!(svg.header("content-security-policy"), Some(yunwei_web::cmdb::svg::SVG_CSP));
    assert_eq!(svg.header("x-content-type-options"), Some("nosniff"));
}

/// Nothing in a template needs inline script: no `<script>` without `src`, no `on…=` handler,
/// no `javascript:` URL, no `style` attribute (the policy would block each silently).
#[test]
fn templates_hold_no_inline_script_handler_or_style_attribute() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut bad = Vec::new();
    let mut stack = vec![dir];
    let mut seen = 0;
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("templates dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            seen += 1;
            let text = std::fs::read_to_string(&p).expect("template");
            let lower = text.to_ascii_lowercase();
            for (i, _) in lower.match_indices("<script") {
                let tag = &lower[i..lower[i..].find('>').map_or(lower.len(), |e| i + e)];
                if !tag.contains(" src=") {
                    bad.push(format!("{}: inline <script>", p.display()));
                }
            }
            let bytes = lower.as_bytes();
            for (i, _) in lower.match_indices(" on") {
                let name: String = lower[i + 1..].chars().take_while(|c| c.is_ascii_alphabetic()).collect();
                if name.len() > 2 && bytes.get(i + 1 + name.len()) == Some(&b'=') {
                    bad.push(format!("{}: handler {name}=", p.display()));
                }
            }
            if lower.contains("javascript:") {
                bad.push(format!("{}: javascript: URL", p.display()));
            }
            if lower.contains(" style=") {
                bad.push(format!("{}: style attribute", p.display()));
            }
        }
    }
    assert!(seen > 20, "read {seen} templates");
    assert!(bad.is_empty(), "{bad:#?}");
}
