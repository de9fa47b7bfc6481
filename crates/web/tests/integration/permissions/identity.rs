//! Identity: login and logout, tokens, users and organizations, the account and admin pages.

use axum::http::Method;
use serde_json::json;

use super::Who;
use super::harness::{Cx, Row, api, page};
use crate::support::PASSWORD;

/// A fresh API token of the caller to revoke (any id for an anonymous caller).
async fn own_token(cx: &Cx<'_>) -> i64 {
    if cx.caller.role.is_none() {
        return 1;
    }
    yunwei_app::identity::create_token(&cx.t.app, None, &cx.caller.username, "to revoke").await.expect("token").id
}

pub fn rows() -> Vec<Row> {
    vec![
        // auth
        api(Method::POST, "/api/v1/auth/login", Who::Public, 200).call(async |cx| {
            let body = json!({"username": "victim", "password": PASSWORD});
            cx.api(Method::POST, "/api/v1/auth/login", Some(body)).await
        }),
        api(Method::POST, "/api/v1/auth/logout", Who::AnyUser, 204)
            .not_audited("called with a bearer token it ends no session: nothing changed to record"),
        api(Method::GET, "/api/v1/auth/me", Who::AnyUser, 200),
        api(Method::GET, "/api/v1/auth/tokens", Who::AnyUser, 200),
        api(Method::POST, "/api/v1/auth/tokens", Who::AnyUser, 201)
            .call(async |cx| cx.api(Method::POST, "/api/v1/auth/tokens", Some(json!({"name": "matrix"}))).await),
        api(Method::DELETE, "/api/v1/auth/tokens/{id}", Who::AnyUser, 204).call(async |cx| {
            let id = own_token(cx).await;
            cx.api(Method::DELETE, &format!("/api/v1/auth/tokens/{id}"), None).await
        }),
        // users and organizations
        api(Method::GET, "/api/v1/users", Who::SysAdmin, 200),
        api(Method::POST, "/api/v1/users", Who::SysAdmin, 201).call(async |cx| {
            let body = json!({"username": format!("new{}", cx.n), "display_name": "新用户"});
            cx.api(Method::POST, "/api/v1/users", Some(body)).await
        }),
        api(Method::GET, "/api/v1/organizations", Who::AnyUser, 200),
        api(Method::POST, "/api/v1/organizations", Who::SysAdmin, 201).call(async |cx| {
            let body = json!({"kind": "vendor", "name": format!("乙公司{}", cx.n)});
            cx.api(Method::POST, "/api/v1/organizations", Some(body)).await
        }),
        api(Method::POST, "/api/v1/organizations/{id}/departments", Who::SysAdmin, 201).call(async |cx| {
            let body = json!({"name": format!("科室{}", cx.n)});
            cx.api(Method::POST, "/api/v1/organizations/1/departments", Some(body)).await
        }),
        // login and logout pages
        page(Method::GET, "/login", Who::PublicRedirectsUsers, 200),
        page(Method::POST, "/login", Who::Public, 303).call(async |cx| {
            // The login form's double-submit CSRF cookie comes from GET /login.
            let form = cx.t.page(Method::GET, "/login", None, None).await;
            let cookie = form.cookie(yunwei_web::auth::LOGIN_CSRF_COOKIE).expect("login csrf cookie");
            let req = axum::http::Request::builder()
                .method(Method::POST)
                .uri("/login")
                .header("cookie", format!("{}={cookie}", yunwei_web::auth::LOGIN_CSRF_COOKIE))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::from(format!(
                    "username=victim&password={}&_csrf={cookie}&next=%2F",
                    PASSWORD.replace(' ', "+")
                )))
                .expect("request");
            cx.t.send(req).await
        }),
        page(Method::POST, "/logout", Who::AnyUser, 303).call(async |cx| {
            // Log out a session of its own, so the caller's main session survives.
            let (s, own) =
                if cx.caller.role.is_some() { cx.t.session(cx.caller.user_id).await } else { Default::default() };
            // A caller sending no token (the CSRF check) sends none for this session either.
            let csrf = if cx.csrf().is_empty() { String::new() } else { own };
            let s = (!s.is_empty()).then_some(s);
            cx.t.page(Method::POST, "/logout", s.as_deref(), Some(&[("_csrf", &csrf)])).await
        }),
        // account
        page(Method::GET, "/account", Who::AnyUser, 200),
        // a wrong current password: allowed to try, refused on the merits
        page(Method::POST, "/account/password", Who::AnyUser, 422)
            .call(async |cx| {
                let form = [
                    ("current_password", "wrong password"),
                    ("new_password", "new password 1"),
                    ("confirm_password", "new password 1"),
                ];
                cx.form("/account/password", &form).await
            })
            .not_audited("the matrix's call is refused (422: wrong current password)"),
        page(Method::POST, "/account/tokens", Who::AnyUser, 200)
            .call(async |cx| cx.form("/account/tokens", &[("name", "界面令牌")]).await),
        page(Method::POST, "/account/tokens/{id}/revoke", Who::AnyUser, 303).call(async |cx| {
            let id = own_token(cx).await;
            cx.form(&format!("/account/tokens/{id}/revoke"), &[]).await
        }),
        page(Method::POST, "/account/contact", Who::AnyUser, 200).call(async |cx| {
            let form = [("email", "me@hospital.example"), ("quiet_start", "22:00"), ("quiet_end", "07:00")];
            cx.form("/account/contact", &form).await
        }),
        // administration
        page(Method::GET, "/admin", Who::SysAdmin, 200),
        page(Method::POST, "/admin/users", Who::SysAdmin, 200).call(async |cx| {
            let name = format!("ui{}", cx.n);
            let form = [("username", name.as_str()), ("display_name", "新人"), ("password", "long enough pw")];
            cx.form("/admin/users", &form).await
        }),
        page(Method::POST, "/admin/projects", Who::SysAdmin, 200).call(async |cx| {
            let code = format!("ui{}", cx.n);
            cx.form("/admin/projects", &[("code", &code), ("name", "界面项目")]).await
        }),
        page(Method::POST, "/admin/organizations", Who::SysAdmin, 200).call(async |cx| {
            let name = format!("丙公司{}", cx.n);
            cx.form("/admin/organizations", &[("kind", "vendor"), ("name", &name), ("departments", "一部、二部")]).await
        }),
        page(Method::POST, "/admin/holidays", Who::SysAdmin, 200).call(async |cx| {
            let doc = r#"{"2030": {"holidays": ["2030-01-01"], "workdays": []}}"#;
            cx.form("/admin/holidays", &[("document", doc)]).await
        }),
    ]
}
