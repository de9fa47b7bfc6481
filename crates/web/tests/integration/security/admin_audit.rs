//! Every administrative action leaves an audit entry naming who did it (ASVS 5.0 V16.3): the
//! installation administrator's (users, organisations, departments, projects, holidays), the
//! project administrator's (members, settings, notification channels), through the API and
//! the pages alike, and the CLI's, recorded as the system.

use axum::http::{Method, StatusCode};
use serde_json::json;
use yunwei_domain::identity::Role::*;

use crate::support::{Resp, TestApp, TestSite};

struct Count<'a> {
    s: &'a TestSite,
    all: i64,
    by_root: i64,
}

impl<'a> Count<'a> {
    async fn new(s: &'a TestSite) -> Self {
        let (all, by_root) = counts(s).await;
        Count { s, all, by_root }
    }

    /// The action answered with success and added an entry, by `root` unless `system`.
    async fn check(&mut self, what: &str, r: &Resp, system: bool) {
        assert!(r.status.is_success() || r.status == StatusCode::SEE_OTHER, "{what}: {} {}", r.status, r.body);
        let (all, by_root) = counts(self.s).await;
        assert!(all > self.all, "{what} wrote no audit entry");
        if !system {
            assert!(by_root > self.by_root, "{what}: the entry does not name root");
        }
        (self.all, self.by_root) = (all, by_root);
    }
}

async fn counts(s: &TestSite) -> (i64, i64) {
    let all = s.t.tdb.scalar("SELECT COUNT(*) FROM audit_log").await;
    let by_root = s.t.tdb.scalar(&format!("SELECT COUNT(*) FROM audit_log WHERE actor_id = {}", s.id("root"))).await;
    (all, by_root)
}

#[tokio::test]
async fn every_administrative_action_through_the_api_is_audited() {
    let s = TestApp::site().project("h1").members(&[("root", Admin)]).sysadmins(&["root"]).tokens().build().await;
    let t = &s.t;
    let root = s.token("root");
    let mut c = Count::new(&s).await;

    let body = json!({"username": "newbie", "display_name": "新人", "password": "a long passphrase"});
    c.check("create user", &t.api(Method::POST, "/api/v1/users", Some(&root), Some(body)).await, false).await;
    let org = t
        .api(Method::POST, "/api/v1/organizations", Some(&root), Some(json!({"kind": "hospital", "name": "市一院"})))
        .await;
    c.check("create organisation", &org, false).await;
    let org_id = org.json()["id"].as_i64().expect("id");
    let dept = t
        .api(
            Method::POST,
            &format!("/api/v1/organizations/{org_id}/departments"),
            Some(&root),
            Some(json!({"name": "检验科"})),
        )
        .await;
    c.check("create department", &dept, false).await;
    let project = t.api(Method::POST, "/api/v1/projects", Some(&root), Some(json!({"code": "h2", "name": "二号项目"})));
    c.check("create project", &project.await, false).await;
    let etag =
        t.api(Method::GET, "/api/v1/projects/h1", Some(&root), None).await.header("etag").expect("etag").to_owned();
    let patch = t
        .api_with(
            Method::PATCH,
            "/api/v1/projects/h1",
            Some(&root),
            Some(json!({"name": "一号院区"})),
            &[("if-match", &etag)],
        )
        .await;
    c.check("update project", &patch, false).await;
    let grant = t.api(
        Method::POST,
        "/api/v1/projects/h1/members",
        Some(&root),
        Some(json!({"username": "newbie", "role": "engineer"})),
    );
    c.check("grant a role", &grant.await, false).await;
    let revoke = t.api(Method::DELETE, "/api/v1/projects/h1/members/newbie/engineer", Some(&root), None);
    c.check("revoke a role", &revoke.await, false).await;
    let ch = json!({"kind": "webhook", "name": "短信网关", "url": "https://8.8.8.8/sms"});
    let ch = t.api(Method::POST, "/api/v1/projects/h1/notify-channels", Some(&root), Some(ch)).await;
    c.check("add a channel", &ch, false).await;
    let ch_id = ch.json()["id"].as_i64().expect("id");
    c.check(
        "remove a channel",
        &t.api(Method::DELETE, &format!("/api/v1/projects/h1/notify-channels/{ch_id}"), Some(&root), None).await,
        false,
    )
    .await;
    let token = t.api(Method::POST, "/api/v1/auth/tokens", Some(&root), Some(json!({"name": "Zabbix"}))).await;
    c.check("create a token", &token, false).await;
    let token_id = token.json()["id"].as_i64().expect("id");
    c.check(
        "revoke a token",
        &t.api(Method::DELETE, &format!("/api/v1/auth/tokens/{token_id}"), Some(&root), None).await,
        false,
    )
    .await;

    // What only the CLI does is recorded as the system.
    yunwei_app::identity::set_admin(&t.app, "newbie", true).await.expect("set admin");
    c.check("make an administrator (CLI)", &ok(), true).await;
    yunwei_app::identity::set_password(&t.app, None, "newbie", "another long one").await.expect("set password");
    c.check("set a password (CLI)", &ok(), true).await;
}

fn ok() -> Resp {
    Resp { status: StatusCode::OK, headers: Default::default(), body: String::new(), bytes: Vec::new() }
}

#[tokio::test]
async fn every_administrative_form_is_audited() {
    let s = TestApp::site().project("h1").members(&[("root", Admin)]).sysadmins(&["root"]).sessions().build().await;
    let t = &s.t;
    let (session, csrf) = s.session("root");
    let (session, csrf) = (&session, &csrf);
    let post = |p: &'static str, f: Vec<(&'static str, &'static str)>| {
        let mut form = vec![("_csrf", csrf.as_str())];
        form.extend(f);
        async move { t.page(Method::POST, p, Some(session), Some(&form)).await }
    };
    let mut c = Count::new(&s).await;
    let user =
        post("/admin/users", vec![("username", "newbie"), ("display_name", "新人"), ("password", "a long passphrase")]);
    c.check("add a user", &user.await, false).await;
    let org = post("/admin/organizations", vec![("kind", "vendor"), ("name", "维保公司"), ("departments", "驻场组")]);
    c.check("add an organisation", &org.await, false).await;
    c.check("add a project", &post("/admin/projects", vec![("code", "h3"), ("name", "三号项目")]).await, false).await;
    let holidays = r#"{"2027": {"holidays": ["2027-01-01"], "workdays": []}}"#;
    c.check("import holidays", &post("/admin/holidays", vec![("document", holidays)]).await, false).await;
    c.check("grant a role", &post("/p/h1/members", vec![("username", "newbie"), ("role", "engineer")]).await, false)
        .await;
    let revoke = post("/p/h1/members/revoke", vec![("username", "newbie"), ("role", "engineer")]);
    c.check("revoke a role", &revoke.await, false).await;
    let ch = post(
        "/p/h1/notifications/channels",
        vec![("kind", "wecom"), ("name", "运维群"), ("url", "https://8.8.8.8/cgi-bin/webhook/send?key=k")],
    );
    c.check("add a channel", &ch.await, false).await;
}
