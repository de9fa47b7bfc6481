//! The fixture of the matrix, from the site builder: projects `alpha` (with the example contract)
//! and `beta`, a user of each role in each (their administrators installation administrators too),
//! an anonymous caller, and fresh objects of `alpha` for calls that need one.

use axum::http::Method;
use serde_json::json;
use yunwei_domain::identity::Role;

use crate::support::TestApp;

/// A caller of the matrix.
pub struct Caller {
    pub label: String,
    pub role: Option<Role>,
    pub member: bool,
    pub username: String,
    pub user_id: i64,
    pub token: String,
    pub session: String,
    pub csrf: String,
}

pub struct Fixture {
    pub t: TestApp,
    pub callers: Vec<Caller>,
    pub counter: std::sync::atomic::AtomicU64,
}

/// The smallest PNG header that passes the type check.
pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

impl Fixture {
    /// A fresh incident in `alpha` with one attachment; (incident, attachment).
    pub async fn attachment(&self) -> (i64, i64) {
        let id = self.incident().await;
        let admin = self.callers.iter().find(|c| c.label == "admin").expect("alpha admin");
        let path = format!("/api/v1/incidents/{id}/attachments?name=screen.png");
        let r = self.t.upload(&path, Some(&admin.token), "image/png", PNG.to_vec()).await;
        assert_eq!(r.status, 201, "{}", r.body);
        (id, r.json()["id"].as_i64().expect("id"))
    }

    /// A fresh notification channel in `alpha` (added by the system).
    pub async fn channel(&self) -> i64 {
        let pid = self.t.stored_project("alpha").await.id;
        let row = yunwei_app::notify::ChannelRow {
            id: 0,
            project_id: pid,
            kind: "webhook".into(),
            name: "短信网关".into(),
            url: "https://sms.example/send".into(),
            secret: None,
            created_at: self.t.app.now(),
        };
        yunwei_app::testing::insert_channel(&self.t.app, &row).await.expect("channel")
    }

    /// A fresh CI in `alpha` with an address, recorded by its project administrator.
    pub async fn ci(&self) -> i64 {
        let admin = self.callers.iter().find(|c| c.label == "admin").expect("alpha admin");
        let n = self.counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let body = json!({"name": format!("HIS 数据库服务器 {n}"), "type": "server",
                          "ips": [format!("10.9.{}.{}", n / 200, n % 200 + 1)]});
        let r = self.t.api(Method::POST, "/api/v1/projects/alpha/cis", Some(&admin.token), Some(body)).await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.json()["id"].as_i64().expect("id")
    }

    /// A fresh relation in `alpha` from a new CI to another; (source CI, relation).
    pub async fn relation(&self) -> (i64, i64) {
        let (a, b) = (self.ci().await, self.ci().await);
        let admin = self.callers.iter().find(|c| c.label == "admin").expect("alpha admin");
        let body = json!({"kind": "depends_on", "target": b});
        let r = self.t.api(Method::POST, &format!("/api/v1/cis/{a}/relations"), Some(&admin.token), Some(body)).await;
        assert_eq!(r.status, 201, "{}", r.body);
        (a, r.json()["id"].as_i64().expect("id"))
    }

    pub fn token_of(&self, label: &str) -> &str {
        &self.callers.iter().find(|c| c.label == label).expect("caller").token
    }

    /// A fresh inspection in `alpha` against the three-item 体检系统 template, planned by its
    /// engineer; `answer` items answered (the first abnormal), completed if `complete`.
    pub async fn inspection(&self, answer: usize, complete: bool) -> i64 {
        let eng = self.token_of("engineer");
        let body = json!({"template": "health_checkup_server"});
        let r = self.t.api(Method::POST, "/api/v1/projects/alpha/inspections", Some(eng), Some(body)).await;
        assert_eq!(r.status, 201, "{}", r.body);
        let id = r.json()["id"].as_i64().expect("id");
        let items = r.json()["items"].as_array().cloned().unwrap_or_default();
        for (i, item) in items.iter().take(answer).enumerate() {
            let key = item["key"].as_str().expect("key");
            let verdict = if i == 0 { "abnormal" } else { "ok" };
            let body = json!({"verdict": verdict, "text": "已检查"});
            let path = format!("/api/v1/inspections/{id}/results/{key}");
            let r = self.t.api(Method::PUT, &path, Some(eng), Some(body)).await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
        if complete {
            let r = self.t.api(Method::POST, &format!("/api/v1/inspections/{id}/complete"), Some(eng), None).await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
        id
    }

    /// A fresh template of `alpha`'s own (version 1), copied from a built-in by its administrator;
    /// its code.
    pub async fn own_template(&self) -> String {
        let n = self.counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let code = format!("ui-own-{n}");
        let body = json!({"copy_of": "weblogic", "code": code, "name": "中间件巡检"});
        let path = "/api/v1/projects/alpha/inspection-templates";
        let r = self.t.api(Method::POST, path, Some(self.token_of("admin")), Some(body)).await;
        assert_eq!(r.status, 201, "{}", r.body);
        code
    }

    /// A fresh incident in `alpha`, reported by its project administrator.
    pub async fn incident(&self) -> i64 {
        let admin = self.callers.iter().find(|c| c.label == "admin").expect("alpha admin");
        let body = json!({"title": "PACS 影像调阅失败", "severity": "P1", "channel": "phone"});
        let r = self.t.api(Method::POST, "/api/v1/projects/alpha/incidents", Some(&admin.token), Some(body)).await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.json()["id"].as_i64().expect("id")
    }
}

fn refs(users: &[(String, Role)]) -> Vec<(&str, Role)> {
    users.iter().map(|(n, r)| (n.as_str(), *r)).collect()
}

pub async fn fixture() -> Fixture {
    let name = |project: &str, role: Role| format!("{project}_{}", role.code());
    let of = |project: &str| Role::ALL.iter().map(|r| (name(project, *r), *r)).collect::<Vec<_>>();
    let (alpha, beta) = (of("alpha"), of("beta"));
    let s = TestApp::site()
        .preset("example")
        .project("alpha")
        .members(&refs(&alpha))
        .members(&[("victim", Role::Reporter)])
        .other("beta", &refs(&beta))
        .sysadmins(&["alpha_admin", "beta_admin"])
        .tokens()
        .sessions()
        .build()
        .await;
    yunwei_app::identity::ensure_organization(&s.t.app, None, yunwei_domain::identity::OrgKind::Hospital, "甲医院")
        .await
        .expect("organization");
    let mut callers = vec![Caller {
        label: "anonymous".into(),
        role: None,
        member: false,
        username: String::new(),
        user_id: 0,
        token: String::new(),
        session: String::new(),
        csrf: String::new(),
    }];
    for role in Role::ALL {
        for (project, member) in [("alpha", true), ("beta", false)] {
            let username = name(project, role);
            let (session, csrf) = s.session(&username);
            callers.push(Caller {
                label: format!("{}{}", role.code(), if member { "" } else { " (non-member)" }),
                role: Some(role),
                member,
                user_id: s.id(&username),
                token: s.token(&username),
                username,
                session,
                csrf,
            });
        }
    }
    Fixture { t: s.t, callers, counter: Default::default() }
}
