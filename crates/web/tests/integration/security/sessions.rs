//! Session cookies, a new session at every login, the end of sessions at logout and at a password
//! change, and login throttling through the page (ASVS 5.0 V3.3, V6.3.1, V7.2.4, V7.4).

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::json;
use tower::ServiceExt;
use yunwei_web::{AppState, WebSettings};

use crate::support::{PASSWORD, Resp, TestApp};

async fn login(t: &TestApp, user: &str, cookie: Option<&str>) -> Resp {
    let mut b =
        Request::builder().method(Method::POST).uri("/api/v1/auth/login").header("content-type", "application/json");
    if let Some(c) = cookie {
        b = b.header("cookie", format!("yunwei_session={c}"));
    }
    t.send(b.body(Body::from(json!({"username": user, "password": PASSWORD}).to_string())).expect("request")).await
}

async fn token_of(r: &Resp) -> String {
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["token"].as_str().expect("token").to_owned()
}

async fn alive(t: &TestApp, token: &str) -> bool {
    t.api(Method::GET, "/api/v1/auth/me", Some(token), None).await.status == StatusCode::OK
}

fn set_cookie(headers: &axum::http::HeaderMap, name: &str) -> String {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie"))
        .to_owned()
}

#[tokio::test]
async fn session_and_login_form_cookies_are_http_only_same_site_on_the_root_path_and_secure_under_https() {
    let t = TestApp::new().await;
    t.user("nurse", false).await;
    let r = login(&t, "nurse", None).await;
    let form = t.page(Method::GET, "/login", None, None).await;
    // The login form's token is needed only by the login form: stricter still.
    for (c, wants) in [
        (set_cookie(&r.headers, "yunwei_session"), ["HttpOnly", "SameSite=Lax", "Path=/"]),
        (set_cookie(&form.headers, "yunwei_login_csrf"), ["HttpOnly", "SameSite=Strict", "Path=/login"]),
    ] {
        let attrs: Vec<&str> = c.split(';').map(str::trim).collect();
        for want in wants {
            assert!(attrs.contains(&want), "{want} missing: {c}");
        }
        assert!(!attrs.contains(&"Secure"), "plain HTTP by default: {c}");
    }

    // Configured as served over HTTPS: both cookies are `Secure`.
    let https = yunwei_web::router(AppState { app: t.app.clone(), web: WebSettings { cookie_secure: true } });
    let body = json!({"username": "nurse", "password": PASSWORD}).to_string();
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/auth/login")
        .header("content-type", "application/json")
        .body(Body::from(body))
        .expect("request");
    let res = https.clone().oneshot(req).await.expect("infallible");
    assert!(set_cookie(res.headers(), "yunwei_session").split(';').any(|a| a.trim() == "Secure"));
    let res = https.oneshot(Request::builder().uri("/login").body(Body::empty()).expect("request")).await.expect("ok");
    assert!(set_cookie(res.headers(), "yunwei_login_csrf").split(';').any(|a| a.trim() == "Secure"));
}

/// Session fixation: the server never adopts a session id the browser brings, and a login from
/// a browser that still holds a session ends that one.
#[tokio::test]
async fn every_login_issues_a_new_session_and_ends_the_one_the_browser_held() {
    let t = TestApp::new().await;
    t.user("nurse", false).await;
    t.user("doctor", false).await;
    let first = token_of(&login(&t, "nurse", None).await).await;
    let planted = "yws_chosen-by-an-attacker";
    let second = token_of(&login(&t, "nurse", Some(planted)).await).await;
    assert_ne!(second, planted);
    assert_ne!(second, first);
    assert!(alive(&t, &first).await, "another browser's session is not this login's business");

    // At a shared workstation: the doctor logs in where the nurse's session still is.
    let doctor = token_of(&login(&t, "doctor", Some(&second)).await).await;
    assert!(!alive(&t, &second).await, "the session the browser held is gone");
    assert!(alive(&t, &doctor).await);

    // The same through the login page.
    let form = t.page(Method::GET, "/login", None, None).await;
    let csrf = form.cookie(yunwei_web::auth::LOGIN_CSRF_COOKIE).expect("csrf cookie");
    let req = Request::builder()
        .method(Method::POST)
        .uri("/login")
        .header("cookie", format!("yunwei_login_csrf={csrf}; yunwei_session={doctor}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(format!("username=nurse&password={}&_csrf={csrf}", PASSWORD.replace(' ', "+"))))
        .expect("request");
    let page = t.send(req).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let new = page.cookie("yunwei_session").expect("new session");
    assert!(new != doctor && alive(&t, &new).await);
    assert!(!alive(&t, &doctor).await);
}

#[tokio::test]
async fn logout_ends_the_session_on_the_server_so_a_kept_cookie_is_useless() {
    let t = TestApp::new().await;
    let uid = t.user("nurse", false).await;
    let (session, csrf) = t.session(uid).await;
    let out = t.page(Method::POST, "/logout", Some(&session), Some(&[("_csrf", &csrf)])).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.header("location"), Some("/login"));
    assert!(set_cookie(&out.headers, "yunwei_session").contains("Max-Age=0"), "the cookie is removed");
    let replay = t.page(Method::GET, "/account", Some(&session), None).await;
    assert_eq!(replay.status, StatusCode::SEE_OTHER);
    assert!(replay.header("location").unwrap_or_default().starts_with("/login"));
    assert!(!alive(&t, &session).await);
}

#[tokio::test]
async fn a_password_change_ends_every_session_of_that_user_and_no_one_elses() {
    let t = TestApp::new().await;
    t.user("nurse", false).await;
    let other_uid = t.user("doctor", false).await;
    let here = token_of(&login(&t, "nurse", None).await).await;
    let elsewhere = token_of(&login(&t, "nurse", None).await).await;
    let (doctor, _) = t.session(other_uid).await;
    let me = t.api(Method::GET, "/api/v1/auth/me", Some(&here), None).await.json();
    let csrf = me["csrf_token"].as_str().map(str::to_owned);
    // The page form takes the session's CSRF token; read it from the account page.
    let page = t.page(Method::GET, "/account", Some(&here), None).await;
    let csrf = csrf.unwrap_or_else(|| {
        let (_, rest) = page.body.split_once("name=\"_csrf\" value=\"").expect("csrf field");
        rest.split('"').next().expect("value").to_owned()
    });
    let form = [
        ("_csrf", csrf.as_str()),
        ("current_password", PASSWORD),
        ("new_password", "a new and long one"),
        ("confirm_password", "a new and long one"),
    ];
    let r = t.page(Method::POST, "/account/password", Some(&here), Some(&form)).await;
    assert!(r.status.is_redirection() || r.status == StatusCode::OK, "{}: {}", r.status, r.body);
    assert!(!alive(&t, &here).await, "this session ends too: log in again");
    assert!(!alive(&t, &elsewhere).await, "the other browser's session ends");
    assert!(alive(&t, &doctor).await, "another user's session stays");

    // An administrator's reset does the same.
    let again = token_of(&login_with(&t, "nurse", "a new and long one").await).await;
    yunwei_app::identity::set_password(&t.app, None, "nurse", "reset by the admin 1").await.expect("reset");
    assert!(!alive(&t, &again).await);
}

async fn login_with(t: &TestApp, user: &str, pw: &str) -> Resp {
    t.api(Method::POST, "/api/v1/auth/login", None, Some(json!({"username": user, "password": pw}))).await
}

/// Throttling through the login page: five failures lock the name (429 with the wait in
/// Chinese), the lock is recorded in the audit trail, other names are not affected, and it
/// lifts after the lockout.
#[tokio::test]
async fn the_login_page_locks_a_name_after_repeated_failures_without_locking_others() {
    let t = TestApp::new().await;
    let uid = t.user("nurse", false).await;
    t.user("doctor", false).await;
    let t = &t;
    let attempt = |user: &'static str, pw: &'static str| async move {
        let form = t.page(Method::GET, "/login", None, None).await;
        let csrf = form.cookie(yunwei_web::auth::LOGIN_CSRF_COOKIE).expect("csrf cookie");
        let req = Request::builder()
            .method(Method::POST)
            .uri("/login")
            .header("cookie", format!("yunwei_login_csrf={csrf}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(format!("username={user}&password={}&_csrf={csrf}", pw.replace(' ', "+"))))
            .expect("request");
        t.send(req).await
    };
    for i in 1..=4 {
        assert_eq!(attempt("nurse", "guess").await.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let locked = attempt("nurse", "guess").await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(locked.body.contains("登录失败次数过多，请 15 分钟后再试"), "{}", locked.body);
    let right = attempt("nurse", PASSWORD).await;
    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS, "even the right password waits");
    assert_eq!(attempt("doctor", PASSWORD).await.status, StatusCode::SEE_OTHER, "others log in");
    let locks = t
        .tdb
        .scalar(&format!("SELECT COUNT(*) FROM audit_log WHERE action = 'login_locked' AND entity_id = '{uid}'"))
        .await;
    assert_eq!(locks, 1, "the lock is in the audit trail");
    t.clock.advance(chrono::Duration::minutes(15) + chrono::Duration::seconds(1));
    assert_eq!(attempt("nurse", PASSWORD).await.status, StatusCode::SEE_OTHER);
}
