//! Login, sessions, throttling, tokens, CSRF.

use axum::http::{Method, StatusCode};
use chrono::Duration;
use serde_json::json;

use crate::support::{PASSWORD, TestApp};

async fn login(t: &TestApp, user: &str, pw: &str) -> crate::support::Resp {
    t.api(Method::POST, "/api/v1/auth/login", None, Some(json!({"username": user, "password": pw}))).await
}

#[tokio::test]
async fn login_returns_a_session_bound_token_and_cookie() {
    let t = TestApp::new().await;
    t.user("zhangsan", false).await;
    let r = login(&t, "ZhangSan", PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let token = r.json()["token"].as_str().expect("token").to_owned();
    assert!(token.starts_with("yws_"));
    let set_cookie = r
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("yunwei_session="))
        .expect("cookie")
        .to_owned();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    assert!(!set_cookie.contains("Secure"), "Secure is off by default (plain-HTTP intranets)");
    assert_eq!(t.api(Method::GET, "/api/v1/auth/me", Some(&token), None).await.json()["username"], "zhangsan");

    let out = t.api(Method::POST, "/api/v1/auth/logout", Some(&token), None).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert_eq!(t.api(Method::GET, "/api/v1/auth/me", Some(&token), None).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_answer() {
    let t = TestApp::new().await;
    t.user("lisi", false).await;
    let a = login(&t, "lisi", "wrong password").await;
    let b = login(&t, "nobody", "wrong password").await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(b.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.json()["detail"], b.json()["detail"]);
}

#[tokio::test]
async fn repeated_failures_lock_the_name_for_a_while_known_or_not() {
    let t = TestApp::new().await;
    t.user("wangwu", false).await;
    for name in ["wangwu", "ghost"] {
        for i in 1..=5 {
            let r = login(&t, name, "bad").await;
            let want = if i < 5 { StatusCode::UNAUTHORIZED } else { StatusCode::TOO_MANY_REQUESTS };
            assert_eq!(r.status, want, "{name} attempt {i}");
        }
        let locked = login(&t, name, PASSWORD).await;
        assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS, "even the right password waits");
        assert!(locked.json()["detail"].as_str().unwrap_or_default().contains("分钟后再试"));
        assert!(locked.header("retry-after").is_some());
    }
    t.clock.advance(Duration::minutes(16));
    assert_eq!(login(&t, "wangwu", PASSWORD).await.status, StatusCode::OK);
}

#[tokio::test]
async fn sessions_expire_when_idle() {
    let t = TestApp::new().await;
    t.user("idle", false).await;
    let token = login(&t, "idle", PASSWORD).await.json()["token"].as_str().expect("token").to_owned();
    t.clock.advance(Duration::hours(11));
    assert_eq!(t.api(Method::GET, "/api/v1/auth/me", Some(&token), None).await.status, StatusCode::OK);
    // Activity slid the expiry forward; twelve idle hours end it.
    t.clock.advance(Duration::hours(11));
    assert_eq!(t.api(Method::GET, "/api/v1/auth/me", Some(&token), None).await.status, StatusCode::OK);
    t.clock.advance(Duration::hours(13));
    assert_eq!(t.api(Method::GET, "/api/v1/auth/me", Some(&token), None).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn api_tokens_work_until_revoked_and_are_stored_hashed() {
    let t = TestApp::new().await;
    t.user("zabbix", false).await;
    let session = login(&t, "zabbix", PASSWORD).await.json()["token"].as_str().expect("token").to_owned();
    let created = t.api(Method::POST, "/api/v1/auth/tokens", Some(&session), Some(json!({"name": "Zabbix"}))).await;
    assert_eq!(created.status, StatusCode::CREATED);
    let body = created.json();
    let token = body["token"].as_str().expect("token").to_owned();
    assert!(token.starts_with("ywt_"));
    assert_eq!(t.api(Method::GET, "/api/v1/auth/me", Some(&token), None).await.status, StatusCode::OK);
    // Only a hash is stored.
    let stored = t
        .tdb
        .scalar(&format!(
            "SELECT COUNT(*) FROM api_tokens WHERE token_hash = '{}'",
            yunwei_app::identity::token_hash(&token)
        ))
        .await;
    assert_eq!(stored, 1);
    let plain = t
        .tdb
        .scalar(&format!("SELECT COUNT(*) FROM api_tokens WHERE token_hash = '{token}' OR token_prefix = '{token}'"))
        .await;
    assert_eq!(plain, 0);

    let id = body["id"].as_i64().expect("id");
    let r = t.api(Method::DELETE, &format!("/api/v1/auth/tokens/{id}"), Some(&session), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(t.api(Method::GET, "/api/v1/auth/me", Some(&token), None).await.status, StatusCode::UNAUTHORIZED);
    let list = t.api(Method::GET, "/api/v1/auth/tokens", Some(&session), None).await.json();
    assert!(list[0]["revoked_at"].is_string());
}

#[tokio::test]
async fn someone_elses_token_cannot_be_revoked() {
    let t = TestApp::new().await;
    t.user("a", false).await;
    t.user("b", false).await;
    let ta = t.token("a").await;
    let tb = yunwei_app::identity::create_token(&t.app, None, "b", "b's").await.expect("token");
    let r = t.api(Method::DELETE, &format!("/api/v1/auth/tokens/{}", tb.id), Some(&ta), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(t.api(Method::GET, "/api/v1/auth/me", Some(&tb.token), None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn cookie_authenticated_api_writes_need_the_csrf_header() {
    let t = TestApp::new().await;
    let uid = t.user("c", false).await;
    let (session, csrf) = t.session(uid).await;
    let call = |hdrs: Vec<(&'static str, String)>| {
        let mut b = axum::http::Request::builder()
            .method(Method::POST)
            .uri("/api/v1/auth/tokens")
            .header("cookie", format!("yunwei_session={session}"))
            .header("content-type", "application/json");
        for (k, v) in hdrs {
            b = b.header(k, v);
        }
        b.body(axum::body::Body::from(json!({"name": "x"}).to_string())).expect("request")
    };
    assert_eq!(t.send(call(vec![])).await.status, StatusCode::FORBIDDEN);
    assert_eq!(t.send(call(vec![("x-csrf-token", "wrong".into())])).await.status, StatusCode::FORBIDDEN);
    assert_eq!(t.send(call(vec![("x-csrf-token", csrf)])).await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn html_forms_without_the_csrf_field_are_refused() {
    let t = TestApp::new().await;
    t.project("demo").await;
    let uid = t.user("boss", true).await;
    t.grant("demo", "boss", "admin").await;
    t.user("newbie", false).await;
    let (session, csrf) = t.session(uid).await;
    let no = t
        .page(Method::POST, "/p/demo/members", Some(&session), Some(&[("username", "newbie"), ("role", "engineer")]))
        .await;
    assert_eq!(no.status, StatusCode::FORBIDDEN);
    let boss = yunwei_app::identity::authenticate(&t.app, &session).await.expect("auth").expect("actor");
    let members = yunwei_app::project::members(&t.app, &boss, "demo").await.expect("members");
    assert!(members.iter().all(|m| m.username != "newbie"), "no role granted: {members:?}");
    let yes = t
        .page(
            Method::POST,
            "/p/demo/members",
            Some(&session),
            Some(&[("_csrf", &csrf), ("username", "newbie"), ("role", "engineer")]),
        )
        .await;
    assert_eq!(yes.status, StatusCode::SEE_OTHER);
    let members = yunwei_app::project::members(&t.app, &boss, "demo").await.expect("members");
    assert!(members.iter().any(|m| m.username == "newbie" && m.role == "engineer"));
}

#[tokio::test]
async fn the_login_page_logs_in_and_returns_to_next() {
    let t = TestApp::new().await;
    t.user("nurse", false).await;
    let form = t.page(Method::GET, "/login?next=/account", None, None).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("运维服务平台"));
    let csrf = form.cookie(yunwei_web::auth::LOGIN_CSRF_COOKIE).expect("csrf cookie");
    let submit = |pw: &str, csrf_field: &str| {
        axum::http::Request::builder()
            .method(Method::POST)
            .uri("/login")
            .header("cookie", format!("{}={csrf}", yunwei_web::auth::LOGIN_CSRF_COOKIE))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(axum::body::Body::from(format!(
                "username=nurse&password={}&_csrf={csrf_field}&next=%2Faccount",
                pw.replace(' ', "+")
            )))
            .expect("request")
    };
    let bad = t.send(submit("nope", &csrf)).await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert!(bad.body.contains("用户名或密码错误"));
    let forged = t.send(submit(PASSWORD, "forged")).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let ok = t.send(submit(PASSWORD, &csrf)).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(ok.header("location"), Some("/account"));
    assert!(ok.cookie("yunwei_session").is_some_and(|s| s.starts_with("yws_")));
}

/// Another instance on the same database trusts what it read for at most `IDENTITY_TTL`: a token
/// revoked or a role withdrawn elsewhere stops working there within seconds, here at once.
#[tokio::test]
async fn a_revoked_token_and_a_withdrawn_role_stop_working_on_another_instance_within_the_ttl() {
    use yunwei_app::{App, AuthSettings, access, cache::IDENTITY_TTL, project};
    use yunwei_domain::identity::Permission;

    let t = TestApp::new().await;
    t.user("zabbix", false).await;
    t.project("hx").await;
    t.grant("hx", "zabbix", "engineer").await;
    let token = t.token("zabbix").await;
    let other = App::new(t.tdb.second().await, t.clock.clone(), AuthSettings::default());
    let actor = yunwei_app::identity::authenticate(&other, &token).await.expect("auth").expect("known token");
    access::authorize(&other, &actor, "hx", Permission::IncidentWork).await.expect("engineer works cases");

    // Withdrawn and revoked through this instance, which forgets at once.
    project::revoke(&t.app, None, "hx", "zabbix", "engineer").await.expect("revoke role");
    let here = yunwei_app::identity::authenticate(&t.app, &token).await.expect("auth").expect("still a token");
    assert!(access::authorize(&t.app, &here, "hx", Permission::IncidentWork).await.is_err());
    let id = t.tdb.scalar("SELECT id FROM api_tokens").await;
    yunwei_app::identity::revoke_token(&t.app, &here, yunwei_domain::id::TokenId::new(id)).await.expect("revoke token");
    assert!(yunwei_app::identity::authenticate(&t.app, &token).await.expect("auth").is_none());

    // The other instance still trusts what it read a moment ago …
    t.clock.advance(IDENTITY_TTL - Duration::seconds(1));
    assert!(yunwei_app::identity::authenticate(&other, &token).await.expect("auth").is_some());
    assert!(access::authorize(&other, &actor, "hx", Permission::IncidentWork).await.is_ok());
    // … and not a second longer than the TTL.
    t.clock.advance(Duration::seconds(1));
    assert!(yunwei_app::identity::authenticate(&other, &token).await.expect("auth").is_none());
    let err = access::authorize(&other, &actor, "hx", Permission::IncidentWork).await.expect_err("role withdrawn");
    assert!(matches!(err, yunwei_app::AppError::NotFound(_)), "{err:?}");
}
