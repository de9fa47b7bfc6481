//! The permission matrix: every endpoint × every role × member / non-member (and anonymous),
//! with the expected status. It fails when an endpoint exists without a row here. Every write
//! called by an allowed member must leave an audit entry of that member (or be listed with the
//! reason it does not), and every form refused without its CSRF token, changing nothing.

use std::collections::BTreeSet;

use axum::http::Method;
use serde_json::json;
use yunwei_domain::identity::Role;

use crate::support::{Resp, TestApp};

/// Who may use an endpoint.
#[derive(Clone, Copy)]
enum Who {
    /// Anyone, logged in or not.
    Public,
    /// Anyone; a logged-in user is sent on (the login form) with a 303.
    PublicRedirectsUsers,
    /// Any logged-in user.
    AnyUser,
    /// Installation administrators (the `admin` fixture users).
    SysAdmin,
    /// Members of the project holding one of these roles; non-members get 404.
    Project(&'static [Role]),
}

use Role::*;
const ALL: &[Role] = &Role::ALL;
const NOTIFY: &[Role] = &[Admin, HospitalIt, Manager];
const REPORTERS: &[Role] = &[Admin, HospitalIt, Reporter, Dispatcher, Engineer, L2Engineer, Manager, Storekeeper];
const CMDB_READ: &[Role] = &[Admin, HospitalIt, Dispatcher, Engineer, L2Engineer, Manager, Storekeeper, Auditor];
const CMDB_WRITE: &[Role] = &[Admin, HospitalIt, Engineer, L2Engineer];
const INSPECTION_READ: &[Role] = &[Admin, HospitalIt, Dispatcher, Engineer, L2Engineer, Manager, Storekeeper, Auditor];
const INSPECTION_TEMPLATES: &[Role] = &[Admin, HospitalIt, Manager];
const INSPECTION_WORK: &[Role] = &[Engineer, L2Engineer, Manager];
const INSPECTION_CONFIRM: &[Role] = &[HospitalIt];

struct Row {
    method: Method,
    path: &'static str,
    who: Who,
    /// Status of an allowed call.
    ok: u16,
    /// UI routes answer anonymous callers with a redirect to the login page, not 401.
    ui: bool,
}

fn rows() -> Vec<Row> {
    let r = |method: Method, path, who, ok, ui| Row { method, path, who, ok, ui };
    vec![
        // operations and public
        r(Method::GET, "/healthz", Who::Public, 200, false),
        r(Method::GET, "/metrics", Who::Public, 200, false),
        r(Method::GET, "/api/v1/openapi.json", Who::Public, 200, false),
        r(Method::GET, "/assets/{*path}", Who::Public, 200, false),
        // auth
        r(Method::POST, "/api/v1/auth/login", Who::Public, 200, false),
        r(Method::POST, "/api/v1/auth/logout", Who::AnyUser, 204, false),
        r(Method::GET, "/api/v1/auth/me", Who::AnyUser, 200, false),
        r(Method::GET, "/api/v1/auth/tokens", Who::AnyUser, 200, false),
        r(Method::POST, "/api/v1/auth/tokens", Who::AnyUser, 201, false),
        r(Method::DELETE, "/api/v1/auth/tokens/{id}", Who::AnyUser, 204, false),
        // users
        r(Method::GET, "/api/v1/users", Who::SysAdmin, 200, false),
        r(Method::POST, "/api/v1/users", Who::SysAdmin, 201, false),
        r(Method::GET, "/api/v1/organizations", Who::AnyUser, 200, false),
        r(Method::POST, "/api/v1/organizations", Who::SysAdmin, 201, false),
        r(Method::POST, "/api/v1/organizations/{id}/departments", Who::SysAdmin, 201, false),
        // projects
        r(Method::GET, "/api/v1/projects", Who::AnyUser, 200, false),
        r(Method::POST, "/api/v1/projects", Who::SysAdmin, 201, false),
        r(Method::GET, "/api/v1/projects/{code}", Who::Project(ALL), 200, false),
        r(Method::PATCH, "/api/v1/projects/{code}", Who::Project(&[Admin, HospitalIt]), 200, false),
        r(
            Method::GET,
            "/api/v1/projects/{code}/members",
            Who::Project(&[Admin, HospitalIt, Manager, Dispatcher, Auditor]),
            200,
            false,
        ),
        r(Method::POST, "/api/v1/projects/{code}/members", Who::Project(&[Admin]), 201, false),
        r(Method::DELETE, "/api/v1/projects/{code}/members/{username}/{role}", Who::Project(&[Admin]), 204, false),
        r(
            Method::GET,
            "/api/v1/projects/{code}/audit",
            Who::Project(&[Admin, Auditor, HospitalIt, Manager]),
            200,
            false,
        ),
        r(Method::GET, "/api/v1/projects/{code}/contract", Who::Project(&[Admin, HospitalIt]), 200, false),
        // service desk (the event row posts a comment, which every member may add)
        r(Method::GET, "/api/v1/projects/{code}/incidents", Who::Project(ALL), 200, false),
        r(Method::POST, "/api/v1/projects/{code}/incidents", Who::Project(REPORTERS), 201, false),
        r(Method::GET, "/api/v1/incidents/{id}", Who::Project(ALL), 200, false),
        r(Method::POST, "/api/v1/incidents/{id}/events", Who::Project(ALL), 200, false),
        r(Method::GET, "/api/v1/incidents/{id}/notifications", Who::Project(ALL), 200, false),
        r(Method::GET, "/api/v1/incidents/{id}/attachments", Who::Project(ALL), 200, false),
        r(Method::POST, "/api/v1/incidents/{id}/attachments", Who::Project(ALL), 201, false),
        r(Method::GET, "/api/v1/incidents/{id}/attachments/{attachment}", Who::Project(ALL), 200, false),
        // cmdb
        r(Method::GET, "/api/v1/cmdb/types", Who::AnyUser, 200, false),
        r(Method::GET, "/api/v1/cmdb/template.xlsx", Who::AnyUser, 200, false),
        r(Method::POST, "/api/v1/projects/{code}/cis/import", Who::Project(CMDB_WRITE), 200, false),
        r(Method::GET, "/api/v1/projects/{code}/cis/export", Who::Project(CMDB_READ), 200, false),
        r(Method::GET, "/api/v1/projects/{code}/cis", Who::Project(CMDB_READ), 200, false),
        r(Method::POST, "/api/v1/projects/{code}/cis", Who::Project(CMDB_WRITE), 201, false),
        r(Method::GET, "/api/v1/cis/{id}", Who::Project(CMDB_READ), 200, false),
        r(Method::PUT, "/api/v1/cis/{id}", Who::Project(CMDB_WRITE), 200, false),
        r(Method::GET, "/api/v1/cis/{id}/relations", Who::Project(CMDB_READ), 200, false),
        r(Method::POST, "/api/v1/cis/{id}/relations", Who::Project(CMDB_WRITE), 201, false),
        r(Method::DELETE, "/api/v1/cis/{id}/relations/{relation}", Who::Project(CMDB_WRITE), 204, false),
        r(Method::GET, "/api/v1/cis/{id}/impact", Who::Project(CMDB_READ), 200, false),
        r(Method::GET, "/api/v1/cis/{id}/history", Who::Project(CMDB_READ), 200, false),
        // monitoring
        r(Method::POST, "/api/v1/projects/{code}/alerts/alertmanager", Who::Project(REPORTERS), 200, false),
        r(Method::POST, "/api/v1/projects/{code}/alerts/zabbix", Who::Project(REPORTERS), 200, false),
        r(Method::POST, "/api/v1/projects/{code}/alerts/backup", Who::Project(REPORTERS), 200, false),
        r(Method::GET, "/api/v1/projects/{code}/alerts", Who::Project(ALL), 200, false),
        r(Method::GET, "/api/v1/projects/{code}/backup-jobs", Who::Project(ALL), 200, false),
        r(Method::PUT, "/api/v1/projects/{code}/backup-jobs/{job}", Who::Project(INSPECTION_TEMPLATES), 200, false),
        r(Method::GET, "/api/v1/projects/{code}/inspection-plans", Who::Project(INSPECTION_READ), 200, false),
        r(Method::GET, "/api/v1/inspection-plans/{id}/report", Who::Project(INSPECTION_READ), 200, false),
        r(Method::POST, "/api/v1/inspections/{id}/results/{key}/photos", Who::Project(INSPECTION_WORK), 201, false),
        r(Method::GET, "/api/v1/inspections/{id}/photos", Who::Project(INSPECTION_READ), 200, false),
        r(Method::GET, "/api/v1/inspections/{id}/photos/{photo}", Who::Project(INSPECTION_READ), 200, false),
        r(Method::POST, "/api/v1/projects/{code}/inspection-plans", Who::Project(INSPECTION_TEMPLATES), 201, false),
        // daily operation log
        r(Method::GET, "/api/v1/projects/{code}/daily-log", Who::Project(INSPECTION_READ), 200, false),
        r(Method::GET, "/api/v1/projects/{code}/daily-log.xlsx", Who::Project(INSPECTION_READ), 200, false),
        r(Method::PUT, "/api/v1/projects/{code}/daily-log/{day}", Who::Project(INSPECTION_WORK), 200, false),
        r(Method::POST, "/api/v1/projects/{code}/daily-log/{day}/sign", Who::Project(INSPECTION_CONFIRM), 200, false),
        // inspection
        r(Method::GET, "/api/v1/projects/{code}/inspection-templates", Who::Project(INSPECTION_READ), 200, false),
        r(Method::POST, "/api/v1/projects/{code}/inspection-templates", Who::Project(INSPECTION_TEMPLATES), 201, false),
        r(
            Method::GET,
            "/api/v1/projects/{code}/inspection-templates/{template}",
            Who::Project(INSPECTION_READ),
            200,
            false,
        ),
        r(
            Method::PUT,
            "/api/v1/projects/{code}/inspection-templates/{template}",
            Who::Project(INSPECTION_TEMPLATES),
            200,
            false,
        ),
        r(Method::GET, "/api/v1/projects/{code}/inspections", Who::Project(INSPECTION_READ), 200, false),
        r(Method::POST, "/api/v1/projects/{code}/inspections", Who::Project(INSPECTION_WORK), 201, false),
        r(Method::GET, "/api/v1/inspections/{id}", Who::Project(INSPECTION_READ), 200, false),
        r(Method::PUT, "/api/v1/inspections/{id}/results/{key}", Who::Project(INSPECTION_WORK), 200, false),
        r(Method::POST, "/api/v1/inspections/{id}/complete", Who::Project(INSPECTION_WORK), 200, false),
        r(Method::POST, "/api/v1/inspections/{id}/confirm", Who::Project(INSPECTION_CONFIRM), 200, false),
        r(Method::POST, "/api/v1/inspections/{id}/results/{key}/incident", Who::Project(INSPECTION_WORK), 201, false),
        r(Method::PUT, "/api/v1/inspections/{id}/report", Who::Project(INSPECTION_WORK), 200, false),
        r(Method::GET, "/api/v1/projects/{code}/ips", Who::Project(CMDB_READ), 200, false),
        r(Method::GET, "/api/v1/projects/{code}/topology", Who::Project(CMDB_READ), 200, false),
        r(Method::GET, "/api/v1/cis/{id}/topology", Who::Project(CMDB_READ), 200, false),
        r(Method::GET, "/api/v1/projects/{code}/notify-settings", Who::Project(NOTIFY), 200, false),
        r(Method::PUT, "/api/v1/projects/{code}/escalation-contacts/{target}", Who::Project(NOTIFY), 204, false),
        r(Method::POST, "/api/v1/projects/{code}/notify-channels", Who::Project(NOTIFY), 201, false),
        r(Method::DELETE, "/api/v1/projects/{code}/notify-channels/{id}", Who::Project(NOTIFY), 204, false),
        r(Method::GET, "/api/v1/me/contact", Who::AnyUser, 200, false),
        r(Method::PUT, "/api/v1/me/contact", Who::AnyUser, 200, false),
        r(Method::GET, "/api/v1/me/notifications", Who::AnyUser, 200, false),
        r(Method::PUT, "/api/v1/projects/{code}/contract", Who::Project(&[Admin, HospitalIt]), 200, false),
        r(
            Method::GET,
            "/api/v1/projects/{code}/sla-preview",
            Who::Project(&[Admin, HospitalIt, Dispatcher, Engineer, L2Engineer, Manager, Auditor]),
            200,
            false,
        ),
        // UI
        r(Method::GET, "/", Who::AnyUser, 200, true),
        r(Method::GET, "/login", Who::PublicRedirectsUsers, 200, true),
        r(Method::POST, "/login", Who::Public, 303, true),
        r(Method::POST, "/logout", Who::AnyUser, 303, true),
        r(Method::GET, "/account", Who::AnyUser, 200, true),
        // a wrong current password: allowed to try, refused on the merits
        r(Method::POST, "/account/password", Who::AnyUser, 422, true),
        r(Method::POST, "/account/tokens", Who::AnyUser, 200, true),
        r(Method::POST, "/account/tokens/{id}/revoke", Who::AnyUser, 303, true),
        r(Method::POST, "/account/contact", Who::AnyUser, 200, true),
        r(Method::GET, "/inbox", Who::AnyUser, 200, true),
        r(Method::GET, "/admin", Who::SysAdmin, 200, true),
        r(Method::POST, "/admin/users", Who::SysAdmin, 200, true),
        r(Method::POST, "/admin/projects", Who::SysAdmin, 200, true),
        r(Method::POST, "/admin/organizations", Who::SysAdmin, 200, true),
        r(Method::POST, "/admin/holidays", Who::SysAdmin, 200, true),
        r(Method::GET, "/p/{code}", Who::Project(ALL), 200, true),
        // a form from version 1, long since changed by the matrix: allowed, but refused as stale
        r(Method::POST, "/p/{code}/settings", Who::Project(&[Admin, HospitalIt]), 412, true),
        r(Method::GET, "/p/{code}/m/{module}", Who::Project(ALL), 200, true),
        r(Method::GET, "/p/{code}/audit", Who::Project(&[Admin, Auditor, HospitalIt, Manager]), 200, true),
        r(
            Method::GET,
            "/p/{code}/members",
            Who::Project(&[Admin, HospitalIt, Manager, Dispatcher, Auditor]),
            200,
            true,
        ),
        r(Method::GET, "/p/{code}/contract", Who::Project(&[Admin, HospitalIt]), 200, true),
        r(Method::GET, "/p/{code}/notifications", Who::Project(NOTIFY), 200, true),
        r(Method::POST, "/p/{code}/notifications/targets", Who::Project(NOTIFY), 200, true),
        r(Method::POST, "/p/{code}/notifications/channels", Who::Project(NOTIFY), 200, true),
        r(Method::POST, "/p/{code}/notifications/channels/{id}/delete", Who::Project(NOTIFY), 303, true),
        r(Method::GET, "/p/{code}/cis", Who::Project(CMDB_READ), 200, true),
        r(Method::POST, "/p/{code}/cis", Who::Project(CMDB_WRITE), 303, true),
        r(Method::POST, "/p/{code}/cis/import", Who::Project(CMDB_WRITE), 200, true),
        r(Method::GET, "/p/{code}/cis/{id}", Who::Project(CMDB_READ), 200, true),
        r(Method::POST, "/p/{code}/cis/{id}/relations", Who::Project(CMDB_WRITE), 303, true),
        r(Method::GET, "/p/{code}/cis/{id}/edit", Who::Project(CMDB_WRITE), 200, true),
        r(Method::POST, "/p/{code}/cis/{id}", Who::Project(CMDB_WRITE), 303, true),
        r(Method::POST, "/p/{code}/cis/{id}/relations/{relation}/delete", Who::Project(CMDB_WRITE), 303, true),
        r(Method::GET, "/p/{code}/topology", Who::Project(CMDB_READ), 200, true),
        r(Method::GET, "/p/{code}/topology.svg", Who::Project(CMDB_READ), 200, true),
        r(Method::GET, "/p/{code}/incidents", Who::Project(ALL), 200, true),
        r(Method::POST, "/p/{code}/incidents", Who::Project(REPORTERS), 303, true),
        r(Method::GET, "/p/{code}/incidents/{id}", Who::Project(ALL), 200, true),
        r(Method::POST, "/p/{code}/incidents/{id}/events", Who::Project(ALL), 303, true),
        r(Method::GET, "/p/{code}/incidents/{id}/report", Who::Project(ALL), 200, true),
        r(Method::POST, "/p/{code}/incidents/{id}/attachments", Who::Project(ALL), 303, true),
        r(Method::GET, "/p/{code}/incidents/{id}/attachments/{attachment}", Who::Project(ALL), 200, true),
        r(Method::GET, "/p/{code}/incidents/{id}/report.docx", Who::Project(ALL), 200, true),
        r(Method::GET, "/p/{code}/inspections", Who::Project(INSPECTION_READ), 200, true),
        r(Method::POST, "/p/{code}/inspections", Who::Project(INSPECTION_WORK), 303, true),
        r(Method::GET, "/p/{code}/inspection-templates/{template}", Who::Project(INSPECTION_READ), 200, true),
        r(Method::POST, "/p/{code}/inspection-templates", Who::Project(INSPECTION_TEMPLATES), 303, true),
        r(Method::POST, "/p/{code}/inspection-templates/{template}", Who::Project(INSPECTION_TEMPLATES), 303, true),
        r(Method::GET, "/p/{code}/inspection-templates/{template}/edit", Who::Project(INSPECTION_TEMPLATES), 200, true),
        r(Method::POST, "/p/{code}/inspection-plans", Who::Project(INSPECTION_TEMPLATES), 303, true),
        r(Method::GET, "/p/{code}/inspection-plans/{id}/report", Who::Project(INSPECTION_READ), 200, true),
        r(Method::GET, "/p/{code}/inspection-plans/{id}/report.docx", Who::Project(INSPECTION_READ), 200, true),
        r(Method::GET, "/p/{code}/daily-log", Who::Project(INSPECTION_READ), 200, true),
        r(Method::POST, "/p/{code}/daily-log/{day}", Who::Project(INSPECTION_WORK), 303, true),
        r(Method::POST, "/p/{code}/daily-log/{day}/sign", Who::Project(INSPECTION_CONFIRM), 303, true),
        r(Method::GET, "/p/{code}/alerts", Who::Project(ALL), 200, true),
        r(Method::POST, "/p/{code}/backup-jobs", Who::Project(INSPECTION_TEMPLATES), 303, true),
        r(Method::GET, "/p/{code}/inspections/{id}", Who::Project(INSPECTION_READ), 200, true),
        r(Method::POST, "/p/{code}/inspections/{id}/results/{key}", Who::Project(INSPECTION_WORK), 303, true),
        r(Method::POST, "/p/{code}/inspections/{id}/results/{key}/incident", Who::Project(INSPECTION_WORK), 303, true),
        r(Method::POST, "/p/{code}/inspections/{id}/complete", Who::Project(INSPECTION_WORK), 303, true),
        r(Method::POST, "/p/{code}/inspections/{id}/confirm", Who::Project(INSPECTION_CONFIRM), 303, true),
        r(Method::GET, "/p/{code}/inspections/{id}/report", Who::Project(INSPECTION_READ), 200, true),
        r(Method::POST, "/p/{code}/inspections/{id}/report", Who::Project(INSPECTION_WORK), 303, true),
        r(Method::GET, "/p/{code}/inspections/{id}/report.docx", Who::Project(INSPECTION_READ), 200, true),
        r(Method::POST, "/p/{code}/members", Who::Project(&[Admin]), 303, true),
        r(Method::POST, "/p/{code}/members/revoke", Who::Project(&[Admin]), 303, true),
    ]
}

/// A caller of the matrix.
struct Caller {
    label: String,
    role: Option<Role>,
    member: bool,
    username: String,
    user_id: i64,
    token: String,
    session: String,
    csrf: String,
}

struct Fixture {
    t: TestApp,
    callers: Vec<Caller>,
    counter: std::sync::atomic::AtomicU64,
}

/// The smallest PNG header that passes the type check.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

impl Fixture {
    /// A fresh incident in `alpha` with one attachment; (incident, attachment).
    async fn attachment(&self) -> (i64, i64) {
        let id = self.incident().await;
        let admin = self.callers.iter().find(|c| c.label == "admin").expect("alpha admin");
        let path = format!("/api/v1/incidents/{id}/attachments?name=screen.png");
        let r = self.t.upload(&path, Some(&admin.token), "image/png", PNG.to_vec()).await;
        assert_eq!(r.status, 201, "{}", r.body);
        (id, r.json()["id"].as_i64().expect("id"))
    }

    /// A fresh notification channel in `alpha` (added by the system).
    async fn channel(&self) -> i64 {
        let pid = yunwei_store::project::by_code(&self.t.app.db, "alpha").await.expect("db").expect("alpha").id;
        let mut tx = self.t.app.db.begin().await.expect("tx");
        let row = yunwei_store::notify::ChannelRow {
            id: 0,
            project_id: pid,
            kind: "webhook".into(),
            name: "短信网关".into(),
            url: "https://sms.example/send".into(),
            secret: None,
            created_at: self.t.app.now(),
        };
        let id = yunwei_store::notify::insert_channel(&mut tx, &row).await.expect("channel");
        tx.commit().await.expect("commit");
        id
    }

    /// A fresh CI in `alpha` with an address, recorded by its project administrator.
    async fn ci(&self) -> i64 {
        let admin = self.callers.iter().find(|c| c.label == "admin").expect("alpha admin");
        let n = self.counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let body = json!({"name": format!("HIS 数据库服务器 {n}"), "type": "server",
                          "ips": [format!("10.9.{}.{}", n / 200, n % 200 + 1)]});
        let r = self.t.api(Method::POST, "/api/v1/projects/alpha/cis", Some(&admin.token), Some(body)).await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.json()["id"].as_i64().expect("id")
    }

    /// A fresh relation in `alpha` from a new CI to another; (source CI, relation).
    async fn relation(&self) -> (i64, i64) {
        let (a, b) = (self.ci().await, self.ci().await);
        let admin = self.callers.iter().find(|c| c.label == "admin").expect("alpha admin");
        let body = json!({"kind": "depends_on", "target": b});
        let r = self.t.api(Method::POST, &format!("/api/v1/cis/{a}/relations"), Some(&admin.token), Some(body)).await;
        assert_eq!(r.status, 201, "{}", r.body);
        (a, r.json()["id"].as_i64().expect("id"))
    }

    fn token_of(&self, label: &str) -> &str {
        &self.callers.iter().find(|c| c.label == label).expect("caller").token
    }

    /// A fresh inspection in `alpha` against the three-item 体检系统 template, planned by its
    /// engineer; `answer` items answered (the first abnormal), completed if `complete`.
    async fn inspection(&self, answer: usize, complete: bool) -> i64 {
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
    async fn own_template(&self) -> String {
        let n = self.counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let code = format!("ui-own-{n}");
        let body = json!({"copy_of": "weblogic", "code": code, "name": "中间件巡检"});
        let path = "/api/v1/projects/alpha/inspection-templates";
        let r = self.t.api(Method::POST, path, Some(self.token_of("admin")), Some(body)).await;
        assert_eq!(r.status, 201, "{}", r.body);
        code
    }

    /// A fresh incident in `alpha`, reported by its project administrator.
    async fn incident(&self) -> i64 {
        let admin = self.callers.iter().find(|c| c.label == "admin").expect("alpha admin");
        let body = json!({"title": "PACS 影像调阅失败", "severity": "P1", "channel": "phone"});
        let r = self.t.api(Method::POST, "/api/v1/projects/alpha/incidents", Some(&admin.token), Some(body)).await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.json()["id"].as_i64().expect("id")
    }
}

async fn fixture() -> Fixture {
    let t = TestApp::new().await;
    t.project("alpha").await;
    t.project("beta").await;
    yunwei_app::identity::ensure_organization(&t.app, None, yunwei_domain::identity::OrgKind::Hospital, "甲医院")
        .await
        .expect("organization");
    let contract = crate::support::EXAMPLE_CONTRACT.replace("code = \"demo\"", "code = \"alpha\"");
    yunwei_app::contract::apply(&t.app, None, &contract).await.expect("contract");
    t.user("victim", false).await;
    t.grant("alpha", "victim", "reporter").await;
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
            let username = format!("{project}_{}", role.code());
            let user_id = t.user(&username, role == Admin).await;
            t.grant(project, &username, role.code()).await;
            let token = t.token(&username).await;
            let (session, csrf) = t.session(user_id).await;
            callers.push(Caller {
                label: format!("{}{}", role.code(), if member { "" } else { " (non-member)" }),
                role: Some(role),
                member,
                username,
                user_id,
                token,
                session,
                csrf,
            });
        }
    }
    Fixture { t, callers, counter: Default::default() }
}

fn expected(row: &Row, c: &Caller) -> u16 {
    let Some(role) = c.role else {
        return match row.who {
            Who::Public | Who::PublicRedirectsUsers => row.ok,
            _ if row.ui => 303,
            _ => 401,
        };
    };
    match row.who {
        Who::Public | Who::AnyUser => row.ok,
        Who::PublicRedirectsUsers => 303,
        Who::SysAdmin => {
            if role == Admin {
                row.ok
            } else {
                403
            }
        }
        Who::Project(roles) => {
            if !c.member {
                404
            } else if roles.contains(&role) {
                row.ok
            } else {
                403
            }
        }
    }
}

async fn call(fx: &Fixture, row: &Row, c: &Caller) -> Resp {
    let t = &fx.t;
    let n = fx.counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let token = (!c.token.is_empty()).then_some(c.token.as_str());
    let session = (!c.session.is_empty()).then_some(c.session.as_str());
    let csrf = c.csrf.as_str();
    match (row.method.as_str(), row.path) {
        ("GET", "/assets/{*path}") => t.api(Method::GET, "/assets/app.css", token, None).await,
        ("POST", "/api/v1/auth/login") => {
            t.api(
                Method::POST,
                row.path,
                token,
                Some(json!({"username": "victim", "password": crate::support::PASSWORD})),
            )
            .await
        }
        ("POST", "/api/v1/auth/tokens") => t.api(Method::POST, row.path, token, Some(json!({"name": "matrix"}))).await,
        ("DELETE", "/api/v1/auth/tokens/{id}") => {
            let id = if c.role.is_some() {
                yunwei_app::identity::create_token(&t.app, None, &c.username, "to revoke").await.expect("token").id
            } else {
                1
            };
            t.api(Method::DELETE, &format!("/api/v1/auth/tokens/{id}"), token, None).await
        }
        ("POST", "/api/v1/users") => {
            t.api(Method::POST, row.path, token, Some(json!({"username": format!("new{n}"), "display_name": "新用户"})))
                .await
        }
        ("POST", "/api/v1/projects") => {
            t.api(Method::POST, row.path, token, Some(json!({"code": format!("new{n}"), "name": "新项目"}))).await
        }
        ("GET", "/api/v1/projects/{code}/inspection-plans") => {
            t.api(Method::GET, "/api/v1/projects/alpha/inspection-plans", token, None).await
        }
        ("POST", "/api/v1/inspections/{id}/results/{key}/photos") => {
            let id = fx.inspection(0, false).await;
            let path = format!("/api/v1/inspections/{id}/results/1.1/photos?name=p.png");
            t.upload(&path, token, "image/png", PNG.to_vec()).await
        }
        ("GET", "/api/v1/inspections/{id}/photos") => {
            let id = fx.inspection(0, false).await;
            t.api(Method::GET, &format!("/api/v1/inspections/{id}/photos"), token, None).await
        }
        ("GET", "/api/v1/inspections/{id}/photos/{photo}") => {
            let id = fx.inspection(0, false).await;
            let path = format!("/api/v1/inspections/{id}/results/1.1/photos?name=p.png");
            let r = t.upload(&path, Some(fx.token_of("engineer")), "image/png", PNG.to_vec()).await;
            assert_eq!(r.status, 201, "{}", r.body);
            let photo = r.json()["id"].as_i64().expect("photo");
            t.api(Method::GET, &format!("/api/v1/inspections/{id}/photos/{photo}"), token, None).await
        }
        ("GET", "/api/v1/inspection-plans/{id}/report") => {
            let body = json!({"name": format!("报告用计划 {n}"), "template": "oracle"});
            let admin = Some(fx.token_of("admin"));
            let r = t.api(Method::POST, "/api/v1/projects/alpha/inspection-plans", admin, Some(body)).await;
            assert_eq!(r.status, 201, "{}", r.body);
            let id = r.json()["id"].as_i64().expect("plan");
            t.api(Method::GET, &format!("/api/v1/inspection-plans/{id}/report"), token, None).await
        }
        ("POST", "/api/v1/projects/{code}/inspection-plans") => {
            let body = json!({"name": format!("季度巡检 {n}"), "template": "oracle"});
            t.api(Method::POST, "/api/v1/projects/alpha/inspection-plans", token, Some(body)).await
        }
        ("GET", "/api/v1/projects/{code}/daily-log") | ("GET", "/api/v1/projects/{code}/daily-log.xlsx") => {
            t.api(Method::GET, &format!("{}?month=2026-03", row.path.replace("{code}", "alpha")), token, None).await
        }
        ("PUT", "/api/v1/projects/{code}/daily-log/{day}") => {
            let day = chrono::NaiveDate::from_ymd_opt(2025, 6, 1).expect("day") - chrono::Days::new(n);
            let body = json!({"server_state": "正常", "system_state": "正常"});
            t.api(Method::PUT, &format!("/api/v1/projects/alpha/daily-log/{day}"), token, Some(body)).await
        }
        ("POST", "/api/v1/projects/{code}/daily-log/{day}/sign") => {
            let day = chrono::NaiveDate::from_ymd_opt(2024, 6, 1).expect("day") - chrono::Days::new(n);
            let path = format!("/api/v1/projects/alpha/daily-log/{day}");
            let body = json!({"server_state": "正常", "system_state": "正常"});
            let r = t.api(Method::PUT, &path, Some(fx.token_of("engineer")), Some(body)).await;
            assert_eq!(r.status, 200, "{}", r.body);
            t.api(Method::POST, &format!("{path}/sign"), token, None).await
        }
        ("POST", "/api/v1/projects/{code}/alerts/alertmanager") => {
            let body = json!({"version": "4", "status": "firing", "receiver": "yunwei", "alerts": [{"status": "firing",
                "labels": {"alertname": "HostDown", "instance": format!("10.8.0.{}:9100", n % 250)},
                "startsAt": "2026-03-02T00:58:00Z", "endsAt": "0001-01-01T00:00:00Z", "fingerprint": format!("fp{n}")}]});
            t.api(Method::POST, "/api/v1/projects/alpha/alerts/alertmanager", token, Some(body)).await
        }
        ("POST", "/api/v1/projects/{code}/alerts/zabbix") => {
            let body = json!({"event_id": format!("{n}"), "value": "1", "severity": "3", "host": "his-app01",
                              "trigger": "CPU 过高", "started_at": "2026.03.02 08:55:00"});
            t.api(Method::POST, "/api/v1/projects/alpha/alerts/zabbix", token, Some(body)).await
        }
        ("POST", "/api/v1/projects/{code}/alerts/backup") => {
            let body = json!({"job": format!("备份{n}"), "success": true, "started_at": "2026-03-02T02:00:00+08:00",
                              "ended_at": "2026-03-02T02:30:00+08:00"});
            t.api(Method::POST, "/api/v1/projects/alpha/alerts/backup", token, Some(body)).await
        }
        ("GET", "/api/v1/projects/{code}/alerts") => {
            t.api(Method::GET, "/api/v1/projects/alpha/alerts", token, None).await
        }
        ("GET", "/api/v1/projects/{code}/backup-jobs") => {
            t.api(Method::GET, "/api/v1/projects/alpha/backup-jobs", token, None).await
        }
        ("PUT", "/api/v1/projects/{code}/backup-jobs/{job}") => {
            let path = format!("/api/v1/projects/alpha/backup-jobs/job-{n}");
            t.api(Method::PUT, &path, token, Some(json!({"expected_by": "06:00"}))).await
        }
        ("GET", "/api/v1/projects/{code}/inspection-templates") | ("GET", "/api/v1/projects/{code}/inspections") => {
            t.api(Method::GET, &row.path.replace("{code}", "alpha"), token, None).await
        }
        ("POST", "/api/v1/projects/{code}/inspection-templates") => {
            let body = json!({"copy_of": "oracle", "code": format!("oracle-{n}"), "name": format!("数据库巡检 {n}")});
            t.api(Method::POST, "/api/v1/projects/alpha/inspection-templates", token, Some(body)).await
        }
        ("GET", "/api/v1/projects/{code}/inspection-templates/{template}") => {
            t.api(Method::GET, "/api/v1/projects/alpha/inspection-templates/oracle", token, None).await
        }
        ("PUT", "/api/v1/projects/{code}/inspection-templates/{template}") => {
            let code = format!("own-{n}");
            let body = json!({"copy_of": "weblogic", "code": code, "name": "中间件巡检"});
            let r = t
                .api(
                    Method::POST,
                    "/api/v1/projects/alpha/inspection-templates",
                    Some(fx.token_of("admin")),
                    Some(body),
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.body);
            let body =
                json!({"code": code, "name": "中间件巡检（改）", "items": [{"section": "中间件", "name": "JVM内存"}]});
            let path = format!("/api/v1/projects/alpha/inspection-templates/{code}");
            t.api_with(Method::PUT, &path, token, Some(body), &[("if-match", "\"1\"")]).await
        }
        ("POST", "/api/v1/projects/{code}/inspections") => {
            let body = json!({"template": "core_switch", "planned_for": "2026-03-10"});
            t.api(Method::POST, "/api/v1/projects/alpha/inspections", token, Some(body)).await
        }
        ("GET", "/api/v1/inspections/{id}") => {
            let id = fx.inspection(0, false).await;
            t.api(Method::GET, &format!("/api/v1/inspections/{id}"), token, None).await
        }
        ("PUT", "/api/v1/inspections/{id}/results/{key}") => {
            let id = fx.inspection(0, false).await;
            let body = json!({"verdict": "ok"});
            t.api(Method::PUT, &format!("/api/v1/inspections/{id}/results/1.1"), token, Some(body)).await
        }
        ("POST", "/api/v1/inspections/{id}/complete") => {
            let id = fx.inspection(3, false).await;
            t.api(Method::POST, &format!("/api/v1/inspections/{id}/complete"), token, None).await
        }
        ("POST", "/api/v1/inspections/{id}/confirm") => {
            let id = fx.inspection(3, true).await;
            t.api(Method::POST, &format!("/api/v1/inspections/{id}/confirm"), token, Some(json!({"note": "同意"})))
                .await
        }
        ("POST", "/api/v1/inspections/{id}/results/{key}/incident") => {
            let id = fx.inspection(1, false).await;
            let path = format!("/api/v1/inspections/{id}/results/1.1/incident");
            t.api(Method::POST, &path, token, Some(json!({"severity": "P3"}))).await
        }
        ("PUT", "/api/v1/inspections/{id}/report") => {
            let id = fx.inspection(3, true).await;
            let body = json!({"findings": "无异常", "issue": true});
            t.api(Method::PUT, &format!("/api/v1/inspections/{id}/report"), token, Some(body)).await
        }
        ("GET", "/api/v1/projects/{code}/cis") => {
            t.api(Method::GET, "/api/v1/projects/alpha/cis?type=server&status=in_service", token, None).await
        }
        ("POST", "/api/v1/projects/{code}/cis") => {
            let body = json!({"name": format!("核心交换机 {n}"), "type": "core_switch"});
            t.api(Method::POST, "/api/v1/projects/alpha/cis", token, Some(body)).await
        }
        ("GET", "/api/v1/cis/{id}")
        | ("GET", "/api/v1/cis/{id}/relations")
        | ("GET", "/api/v1/cis/{id}/impact")
        | ("GET", "/api/v1/cis/{id}/history")
        | ("GET", "/api/v1/cis/{id}/topology") => {
            let id = fx.ci().await;
            t.api(Method::GET, &row.path.replace("{id}", &id.to_string()), token, None).await
        }
        ("PUT", "/api/v1/cis/{id}") => {
            let id = fx.ci().await;
            let body = json!({"name": format!("HIS 数据库服务器 改 {n}"), "type": "server"});
            t.api_with(Method::PUT, &format!("/api/v1/cis/{id}"), token, Some(body), &[("if-match", "\"1\"")]).await
        }
        ("POST", "/api/v1/cis/{id}/relations") => {
            let (a, b) = (fx.ci().await, fx.ci().await);
            let body = json!({"kind": "runs_on", "target": b});
            t.api(Method::POST, &format!("/api/v1/cis/{a}/relations"), token, Some(body)).await
        }
        ("DELETE", "/api/v1/cis/{id}/relations/{relation}") => {
            let (a, rel) = fx.relation().await;
            t.api(Method::DELETE, &format!("/api/v1/cis/{a}/relations/{rel}"), token, None).await
        }
        ("POST", "/api/v1/projects/{code}/cis/import") => {
            let csv = format!("名称,类型,资产编号\r\n导入的交换机 {n},access_switch,ZC-M-{n}\r\n");
            t.upload("/api/v1/projects/alpha/cis/import?name=cis.csv", token, "text/csv", csv.into_bytes()).await
        }
        ("GET", "/api/v1/projects/{code}/cis/export") => {
            t.api(Method::GET, "/api/v1/projects/alpha/cis/export?format=csv", token, None).await
        }
        ("GET", "/api/v1/projects/{code}/ips") => {
            t.api(Method::GET, "/api/v1/projects/alpha/ips?ip=10.9.0.1:9100", token, None).await
        }
        ("GET", "/api/v1/projects/{code}/incidents") => {
            t.api(Method::GET, "/api/v1/projects/alpha/incidents?breached=true&severity=P1", token, None).await
        }
        ("POST", "/api/v1/projects/{code}/incidents") => {
            let body = json!({"title": format!("HIS 挂号缓慢 {n}"), "severity": "P1", "channel": "phone"});
            t.api(Method::POST, "/api/v1/projects/alpha/incidents", token, Some(body)).await
        }
        ("GET", "/api/v1/incidents/{id}") => {
            let id = fx.incident().await;
            t.api(Method::GET, &format!("/api/v1/incidents/{id}"), token, None).await
        }
        ("GET", "/api/v1/incidents/{id}/notifications") => {
            let id = fx.incident().await;
            t.api(Method::GET, &format!("/api/v1/incidents/{id}/notifications"), token, None).await
        }
        ("GET", "/api/v1/projects/{code}/notify-settings") => {
            t.api(Method::GET, "/api/v1/projects/alpha/notify-settings", token, None).await
        }
        ("PUT", "/api/v1/projects/{code}/escalation-contacts/{target}") => {
            let body = json!({"users": ["victim"]});
            t.api(Method::PUT, "/api/v1/projects/alpha/escalation-contacts/manager1", token, Some(body)).await
        }
        ("POST", "/api/v1/projects/{code}/notify-channels") => {
            let body = json!({"kind": "wecom", "name": format!("群{n}"), "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x"});
            t.api(Method::POST, "/api/v1/projects/alpha/notify-channels", token, Some(body)).await
        }
        ("DELETE", "/api/v1/projects/{code}/notify-channels/{id}") => {
            let id = fx.channel().await;
            t.api(Method::DELETE, &format!("/api/v1/projects/alpha/notify-channels/{id}"), token, None).await
        }
        ("PUT", "/api/v1/me/contact") => {
            t.api(
                Method::PUT,
                row.path,
                token,
                Some(json!({"phone": "13800000000", "quiet_start": "22:00", "quiet_end": "07:00"})),
            )
            .await
        }
        ("POST", "/api/v1/incidents/{id}/events") => {
            let id = fx.incident().await;
            let body = json!({"type": "comment", "note": "已电话联系"});
            t.api(Method::POST, &format!("/api/v1/incidents/{id}/events"), token, Some(body)).await
        }
        ("GET", "/api/v1/projects/{code}/contract") => {
            t.api(Method::GET, "/api/v1/projects/alpha/contract", token, None).await
        }
        ("PUT", "/api/v1/projects/{code}/contract") => {
            let current = yunwei_app::contract::current(&t.app, None, "alpha").await.expect("contract");
            let etag = format!("\"{}\"", current.version);
            // A changed document: an unchanged one is by design no new version and no write.
            let body = json!({"document": format!("{}\n# matrix {n}\n", current.document)});
            t.api_with(Method::PUT, "/api/v1/projects/alpha/contract", token, Some(body), &[("if-match", &etag)]).await
        }
        ("GET", "/api/v1/projects/{code}/sla-preview") => {
            t.api(
                Method::GET,
                "/api/v1/projects/alpha/sla-preview?severity=P3&at=2026-03-02T09:00:00%2B08:00",
                token,
                None,
            )
            .await
        }
        ("POST", "/api/v1/organizations") => {
            t.api(Method::POST, row.path, token, Some(json!({"kind": "vendor", "name": format!("乙公司{n}")}))).await
        }
        ("POST", "/api/v1/organizations/{id}/departments") => {
            t.api(Method::POST, "/api/v1/organizations/1/departments", token, Some(json!({"name": format!("科室{n}")})))
                .await
        }
        ("POST", "/admin/users") => {
            let name = format!("ui{n}");
            t.page(
                Method::POST,
                row.path,
                session,
                Some(&[("_csrf", csrf), ("username", &name), ("display_name", "新人"), ("password", "long enough pw")]),
            )
            .await
        }
        ("POST", "/admin/projects") => {
            let code = format!("ui{n}");
            t.page(Method::POST, row.path, session, Some(&[("_csrf", csrf), ("code", &code), ("name", "界面项目")]))
                .await
        }
        ("POST", "/admin/organizations") => {
            let name = format!("丙公司{n}");
            t.page(
                Method::POST,
                row.path,
                session,
                Some(&[("_csrf", csrf), ("kind", "vendor"), ("name", &name), ("departments", "一部、二部")]),
            )
            .await
        }
        ("POST", "/admin/holidays") => {
            let doc = r#"{"2030": {"holidays": ["2030-01-01"], "workdays": []}}"#;
            t.page(Method::POST, row.path, session, Some(&[("_csrf", csrf), ("document", doc)])).await
        }
        ("GET", "/api/v1/projects/{code}") => t.api(Method::GET, "/api/v1/projects/alpha", token, None).await,
        ("PATCH", "/api/v1/projects/{code}") => {
            let v = yunwei_store::project::by_code(&t.app.db, "alpha").await.expect("db").expect("alpha").version;
            let etag = format!("\"{v}\"");
            t.api_with(
                Method::PATCH,
                "/api/v1/projects/alpha",
                token,
                Some(json!({"name": format!("甲医院 {n}")})),
                &[("if-match", &etag)],
            )
            .await
        }
        ("GET", "/api/v1/projects/{code}/members") => {
            t.api(Method::GET, "/api/v1/projects/alpha/members", token, None).await
        }
        ("POST", "/api/v1/projects/{code}/members") => {
            let _ = yunwei_app::project::revoke(&t.app, None, "alpha", "victim", "auditor").await;
            t.api(
                Method::POST,
                "/api/v1/projects/alpha/members",
                token,
                Some(json!({"username": "victim", "role": "auditor"})),
            )
            .await
        }
        ("DELETE", "/api/v1/projects/{code}/members/{username}/{role}") => {
            t.grant("alpha", "victim", "auditor").await;
            t.api(Method::DELETE, "/api/v1/projects/alpha/members/victim/auditor", token, None).await
        }
        ("GET", "/api/v1/projects/{code}/audit") => {
            t.api(Method::GET, "/api/v1/projects/alpha/audit", token, None).await
        }
        ("POST", "/login") => {
            // The login form's double-submit CSRF cookie comes from GET /login.
            let form = t.page(Method::GET, "/login", None, None).await;
            let cookie = form.cookie(yunwei_web::auth::LOGIN_CSRF_COOKIE).expect("login csrf cookie");
            let req = axum::http::Request::builder()
                .method(Method::POST)
                .uri("/login")
                .header("cookie", format!("{}={cookie}", yunwei_web::auth::LOGIN_CSRF_COOKIE))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::from(format!(
                    "username=victim&password={}&_csrf={cookie}&next=%2F",
                    crate::support::PASSWORD.replace(' ', "+")
                )))
                .expect("request");
            t.send(req).await
        }
        ("POST", "/logout") => {
            // Log out a session of its own, so the caller's main session survives.
            let (s, own) = if c.role.is_some() { t.session(c.user_id).await } else { Default::default() };
            // A caller sending no token (the CSRF check) sends none for this session either.
            let csrf = if c.csrf.is_empty() { String::new() } else { own };
            let s = (!s.is_empty()).then_some(s);
            t.page(Method::POST, "/logout", s.as_deref(), Some(&[("_csrf", &csrf)])).await
        }
        ("POST", "/account/password") => {
            t.page(
                Method::POST,
                row.path,
                session,
                Some(&[
                    ("_csrf", csrf),
                    ("current_password", "wrong password"),
                    ("new_password", "new password 1"),
                    ("confirm_password", "new password 1"),
                ]),
            )
            .await
        }
        ("POST", "/account/tokens") => {
            t.page(Method::POST, row.path, session, Some(&[("_csrf", csrf), ("name", "界面令牌")])).await
        }
        ("POST", "/account/tokens/{id}/revoke") => {
            let id = if c.role.is_some() {
                yunwei_app::identity::create_token(&t.app, None, &c.username, "to revoke").await.expect("token").id
            } else {
                1
            };
            t.page(Method::POST, &format!("/account/tokens/{id}/revoke"), session, Some(&[("_csrf", csrf)])).await
        }
        ("GET", "/p/{code}") => t.page(Method::GET, "/p/alpha", session, None).await,
        ("POST", "/p/{code}/settings") => {
            let form = [("_csrf", csrf), ("name", "甲"), ("timezone", "Asia/Shanghai"), ("version", "1")];
            t.page(Method::POST, "/p/alpha/settings", session, Some(&form)).await
        }
        ("GET", "/p/{code}/m/{module}") => t.page(Method::GET, "/p/alpha/m/servicedesk", session, None).await,
        ("GET", "/p/{code}/audit") => t.page(Method::GET, "/p/alpha/audit", session, None).await,
        ("GET", "/p/{code}/contract") => t.page(Method::GET, "/p/alpha/contract", session, None).await,
        ("POST", "/account/contact") => {
            let form =
                [("_csrf", csrf), ("email", "me@hospital.example"), ("quiet_start", "22:00"), ("quiet_end", "07:00")];
            t.page(Method::POST, row.path, session, Some(&form)).await
        }
        ("GET", "/p/{code}/notifications") => t.page(Method::GET, "/p/alpha/notifications", session, None).await,
        ("POST", "/p/{code}/notifications/targets") => {
            let form = [("_csrf", csrf), ("target", "manager1"), ("users", "victim")];
            t.page(Method::POST, "/p/alpha/notifications/targets", session, Some(&form)).await
        }
        ("POST", "/p/{code}/notifications/channels") => {
            let form = [
                ("_csrf", csrf),
                ("kind", "dingtalk"),
                ("name", "钉钉群"),
                ("url", "https://oapi.dingtalk.com/robot/send?access_token=x"),
                ("secret", "SEC1"),
            ];
            t.page(Method::POST, "/p/alpha/notifications/channels", session, Some(&form)).await
        }
        ("POST", "/p/{code}/notifications/channels/{id}/delete") => {
            let id = fx.channel().await;
            t.page(
                Method::POST,
                &format!("/p/alpha/notifications/channels/{id}/delete"),
                session,
                Some(&[("_csrf", csrf)]),
            )
            .await
        }
        ("GET", "/p/{code}/incidents") => t.page(Method::GET, "/p/alpha/incidents?breached=1", session, None).await,
        ("POST", "/p/{code}/incidents") => {
            let form = [("_csrf", csrf), ("title", "收费窗口打印机卡纸"), ("severity", "P3"), ("channel", "phone")];
            t.page(Method::POST, "/p/alpha/incidents", session, Some(&form)).await
        }
        ("GET", "/p/{code}/incidents/{id}") => {
            let id = fx.incident().await;
            t.page(Method::GET, &format!("/p/alpha/incidents/{id}"), session, None).await
        }
        ("GET", "/api/v1/projects/{code}/topology") => {
            t.api(Method::GET, "/api/v1/projects/alpha/topology?scope=all", token, None).await
        }
        ("GET", "/p/{code}/topology") => t.page(Method::GET, "/p/alpha/topology?scope=network", session, None).await,
        ("GET", "/p/{code}/topology.svg") => {
            let id = fx.ci().await;
            t.page(Method::GET, &format!("/p/alpha/topology.svg?ci={id}&depth=1"), session, None).await
        }
        ("GET", "/p/{code}/cis") => t.page(Method::GET, "/p/alpha/cis?type=server", session, None).await,
        ("POST", "/p/{code}/cis") => {
            let name = format!("界面登记的服务器 {n}");
            let form = [("_csrf", csrf), ("name", name.as_str()), ("type", "server"), ("ips", "")];
            t.page(Method::POST, "/p/alpha/cis", session, Some(&form)).await
        }
        ("POST", "/p/{code}/cis/import") => {
            let csv = format!("名称,类型\r\n界面导入的交换机 {n},access_switch\r\n");
            t.multipart("/p/alpha/cis/import", session, csrf, ("cis.csv", "text/csv", csv.as_bytes())).await
        }
        ("GET", "/p/{code}/cis/{id}") => {
            let id = fx.ci().await;
            t.page(Method::GET, &format!("/p/alpha/cis/{id}"), session, None).await
        }
        ("GET", "/p/{code}/cis/{id}/edit") => {
            let id = fx.ci().await;
            t.page(Method::GET, &format!("/p/alpha/cis/{id}/edit"), session, None).await
        }
        ("POST", "/p/{code}/cis/{id}") => {
            let id = fx.ci().await;
            let name = format!("界面改名的服务器 {n}");
            let form = [("_csrf", csrf), ("version", "1"), ("c0", name.as_str()), ("c1", "服务器")];
            t.page(Method::POST, &format!("/p/alpha/cis/{id}"), session, Some(&form)).await
        }
        ("POST", "/p/{code}/cis/{id}/relations/{relation}/delete") => {
            let (a, rel) = fx.relation().await;
            t.page(Method::POST, &format!("/p/alpha/cis/{a}/relations/{rel}/delete"), session, Some(&[("_csrf", csrf)]))
                .await
        }
        ("POST", "/p/{code}/cis/{id}/relations") => {
            let (a, b) = (fx.ci().await, fx.ci().await);
            let target = b.to_string();
            let form = [("_csrf", csrf), ("kind", "runs_on"), ("target", target.as_str())];
            t.page(Method::POST, &format!("/p/alpha/cis/{a}/relations"), session, Some(&form)).await
        }
        ("POST", "/p/{code}/incidents/{id}/attachments") => {
            let id = fx.incident().await;
            let path = format!("/p/alpha/incidents/{id}/attachments");
            t.multipart(&path, session, csrf, ("log.txt", "text/plain", "ORA-00600".as_bytes())).await
        }
        ("GET", "/p/{code}/incidents/{id}/attachments/{attachment}") => {
            let (id, a) = fx.attachment().await;
            t.page(Method::GET, &format!("/p/alpha/incidents/{id}/attachments/{a}"), session, None).await
        }
        ("GET", "/api/v1/incidents/{id}/attachments") => {
            let id = fx.incident().await;
            t.api(Method::GET, &format!("/api/v1/incidents/{id}/attachments"), token, None).await
        }
        ("POST", "/api/v1/incidents/{id}/attachments") => {
            let id = fx.incident().await;
            let path = format!("/api/v1/incidents/{id}/attachments?name=screen.png");
            t.upload(&path, token, "image/png", PNG.to_vec()).await
        }
        ("GET", "/api/v1/incidents/{id}/attachments/{attachment}") => {
            let (id, a) = fx.attachment().await;
            t.api(Method::GET, &format!("/api/v1/incidents/{id}/attachments/{a}"), token, None).await
        }
        ("GET", "/p/{code}/incidents/{id}/report") => {
            let id = fx.incident().await;
            t.page(Method::GET, &format!("/p/alpha/incidents/{id}/report"), session, None).await
        }
        ("GET", "/p/{code}/incidents/{id}/report.docx") => {
            let id = fx.incident().await;
            t.page(Method::GET, &format!("/p/alpha/incidents/{id}/report.docx"), session, None).await
        }
        ("POST", "/p/{code}/incidents/{id}/events") => {
            let id = fx.incident().await;
            let form = [("_csrf", csrf), ("type", "comment"), ("note", "已电话回访")];
            t.page(Method::POST, &format!("/p/alpha/incidents/{id}/events"), session, Some(&form)).await
        }
        ("GET", "/p/{code}/inspections") => {
            t.page(Method::GET, "/p/alpha/inspections?status=in_progress", session, None).await
        }
        ("POST", "/p/{code}/inspections") => {
            let form = [("_csrf", csrf), ("template", "health_checkup_server"), ("kind", "routine")];
            t.page(Method::POST, "/p/alpha/inspections", session, Some(&form)).await
        }
        ("GET", "/p/{code}/inspection-templates/{template}") => {
            t.page(Method::GET, "/p/alpha/inspection-templates/oracle", session, None).await
        }
        ("POST", "/p/{code}/inspection-templates") => {
            let code = format!("ui-oracle-{n}");
            let form = [("_csrf", csrf), ("copy_of", "oracle"), ("code", code.as_str()), ("name", "数据库巡检")];
            t.page(Method::POST, "/p/alpha/inspection-templates", session, Some(&form)).await
        }
        ("GET", "/p/{code}/inspection-templates/{template}/edit") => {
            let code = fx.own_template().await;
            t.page(Method::GET, &format!("/p/alpha/inspection-templates/{code}/edit"), session, None).await
        }
        ("POST", "/p/{code}/inspection-templates/{template}") => {
            let code = fx.own_template().await;
            let form = [
                ("_csrf", csrf),
                ("version", "1"),
                ("name", "中间件巡检（改）"),
                ("items[0].section", "中间件"),
                ("items[0].name", "JVM内存"),
            ];
            t.page(Method::POST, &format!("/p/alpha/inspection-templates/{code}"), session, Some(&form)).await
        }
        ("POST", "/p/{code}/inspection-plans") => {
            let name = format!("季度巡检 {n}");
            let form = [("_csrf", csrf), ("name", name.as_str()), ("template", "oracle"), ("cycle", "quarter")];
            t.page(Method::POST, "/p/alpha/inspection-plans", session, Some(&form)).await
        }
        ("GET", "/p/{code}/inspection-plans/{id}/report" | "/p/{code}/inspection-plans/{id}/report.docx") => {
            let body = json!({"name": format!("报告用计划 {n}"), "template": "oracle"});
            let admin = Some(fx.token_of("admin"));
            let r = t.api(Method::POST, "/api/v1/projects/alpha/inspection-plans", admin, Some(body)).await;
            assert_eq!(r.status, 201, "{}", r.body);
            let id = r.json()["id"].as_i64().expect("plan");
            let path = row.path.replace("{code}", "alpha").replace("{id}", &id.to_string());
            t.page(Method::GET, &path, session, None).await
        }
        ("GET", "/p/{code}/daily-log") => t.page(Method::GET, "/p/alpha/daily-log?month=2026-03", session, None).await,
        ("POST", "/p/{code}/daily-log/{day}") => {
            let day = chrono::NaiveDate::from_ymd_opt(2023, 6, 1).expect("day") - chrono::Days::new(n);
            let form = [("_csrf", csrf), ("server_state", "正常"), ("system_state", "正常"), ("notes", "")];
            t.page(Method::POST, &format!("/p/alpha/daily-log/{day}"), session, Some(&form)).await
        }
        ("POST", "/p/{code}/daily-log/{day}/sign") => {
            let day = chrono::NaiveDate::from_ymd_opt(2022, 6, 1).expect("day") - chrono::Days::new(n);
            let path = format!("/api/v1/projects/alpha/daily-log/{day}");
            let body = json!({"server_state": "正常", "system_state": "正常"});
            let r = t.api(Method::PUT, &path, Some(fx.token_of("engineer")), Some(body)).await;
            assert_eq!(r.status, 200, "{}", r.body);
            t.page(Method::POST, &format!("/p/alpha/daily-log/{day}/sign"), session, Some(&[("_csrf", csrf)])).await
        }
        ("GET", "/p/{code}/alerts") => t.page(Method::GET, "/p/alpha/alerts?before=1000", session, None).await,
        ("POST", "/p/{code}/backup-jobs") => {
            let job = format!("ui-job-{n}");
            let form = [("_csrf", csrf), ("job", job.as_str()), ("expected_by", "06:00"), ("host", "")];
            t.page(Method::POST, "/p/alpha/backup-jobs", session, Some(&form)).await
        }
        ("GET", "/p/{code}/inspections/{id}") => {
            let id = fx.inspection(1, false).await;
            t.page(Method::GET, &format!("/p/alpha/inspections/{id}"), session, None).await
        }
        ("POST", "/p/{code}/inspections/{id}/results/{key}") => {
            let id = fx.inspection(0, false).await;
            let form = [("_csrf", csrf), ("verdict", "ok"), ("note", "")];
            t.page(Method::POST, &format!("/p/alpha/inspections/{id}/results/1.1"), session, Some(&form)).await
        }
        ("POST", "/p/{code}/inspections/{id}/results/{key}/incident") => {
            let id = fx.inspection(1, false).await;
            let path = format!("/p/alpha/inspections/{id}/results/1.1/incident");
            t.page(Method::POST, &path, session, Some(&[("_csrf", csrf), ("severity", "")])).await
        }
        ("POST", "/p/{code}/inspections/{id}/complete") => {
            let id = fx.inspection(3, false).await;
            t.page(Method::POST, &format!("/p/alpha/inspections/{id}/complete"), session, Some(&[("_csrf", csrf)]))
                .await
        }
        ("POST", "/p/{code}/inspections/{id}/confirm") => {
            let id = fx.inspection(3, true).await;
            let form = [("_csrf", csrf), ("note", "同意")];
            t.page(Method::POST, &format!("/p/alpha/inspections/{id}/confirm"), session, Some(&form)).await
        }
        ("GET", "/p/{code}/inspections/{id}/report") => {
            let id = fx.inspection(3, true).await;
            t.page(Method::GET, &format!("/p/alpha/inspections/{id}/report"), session, None).await
        }
        ("POST", "/p/{code}/inspections/{id}/report") => {
            let id = fx.inspection(3, true).await;
            let form = [("_csrf", csrf), ("findings", "无异常"), ("issue", "1")];
            t.page(Method::POST, &format!("/p/alpha/inspections/{id}/report"), session, Some(&form)).await
        }
        ("GET", "/p/{code}/inspections/{id}/report.docx") => {
            let id = fx.inspection(1, false).await;
            t.page(Method::GET, &format!("/p/alpha/inspections/{id}/report.docx"), session, None).await
        }
        ("GET", "/p/{code}/members") => t.page(Method::GET, "/p/alpha/members", session, None).await,
        ("POST", "/p/{code}/members") => {
            let _ = yunwei_app::project::revoke(&t.app, None, "alpha", "victim", "auditor").await;
            t.page(
                Method::POST,
                "/p/alpha/members",
                session,
                Some(&[("_csrf", csrf), ("username", "victim"), ("role", "auditor")]),
            )
            .await
        }
        ("POST", "/p/{code}/members/revoke") => {
            t.grant("alpha", "victim", "auditor").await;
            t.page(
                Method::POST,
                "/p/alpha/members/revoke",
                session,
                Some(&[("_csrf", csrf), ("username", "victim"), ("role", "auditor")]),
            )
            .await
        }
        (_, path) if row.ui => t.page(row.method.clone(), path, session, None).await,
        (_, path) => t.api(row.method.clone(), path, token, None).await,
    }
}

#[tokio::test]
async fn every_endpoint_has_a_row_in_the_matrix() {
    let listed: BTreeSet<(String, String)> = rows().iter().map(|r| (r.method.to_string(), r.path.to_owned())).collect();
    let served: BTreeSet<(String, String)> =
        yunwei_web::endpoints().into_iter().map(|e| (e.method.to_string(), e.path)).collect();
    let missing: Vec<_> = served.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&served).collect();
    assert!(missing.is_empty(), "endpoints without a row in the permission matrix: {missing:?}");
    assert!(stale.is_empty(), "matrix rows for endpoints that do not exist: {stale:?}");
}

#[tokio::test]
async fn permission_matrix_holds_for_every_role_and_membership() {
    let fx = fixture().await;
    let mut failures = Vec::new();
    let mut checked = 0;
    for row in rows() {
        for c in &fx.callers {
            let want = expected(&row, c);
            let res = call(&fx, &row, c).await;
            checked += 1;
            let got = res.status.as_u16();
            let login_redirect = res.header("location").is_some_and(|l| l.starts_with("/login"));
            // An anonymous UI caller must be sent to the login page specifically.
            let wrong_redirect = want == 303
                && c.role.is_none()
                && row.ui
                && !matches!(row.who, Who::Public | Who::PublicRedirectsUsers)
                && !login_redirect;
            if got != want || wrong_redirect {
                failures.push(format!(
                    "{} {} as {}: expected {want}, got {got} {}",
                    row.method,
                    row.path,
                    c.label,
                    res.body.chars().take(160).collect::<String>()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {checked} checks failed:\n{}", failures.len(), failures.join("\n"));
    // Every row ran for the anonymous caller and both callers of each of the nine roles.
    assert_eq!(checked, rows().len() * (1 + 2 * Role::ALL.len()));
}

/// Successful writes that by design leave no audit entry of their caller, with the reason.
const NOT_AUDITED: &[(&str, &str, &str)] = &[
    ("POST", "/api/v1/auth/logout", "called with a bearer token it ends no session: nothing changed to record"),
    (
        "POST",
        "/api/v1/projects/{code}/alerts/backup",
        "a backup success with no failure to clear: the stored report is the record (app::monitoring)",
    ),
    ("POST", "/account/password", "the matrix's call is refused (422: wrong current password)"),
    ("POST", "/p/{code}/settings", "the matrix's call is refused (412: stale version)"),
];

/// Writes the matrix has found leaving no audit entry: printed on every run until fixed.
const KNOWN_DEFECTS: &[(&str, &str, &str)] = &[];

/// The member the matrix calls a row as: an allowed role other than the project administrator
/// and the engineer where there is one (they make the fixtures a call needs, so their entries
/// would hide a write that records none).
fn allowed_caller<'a>(fx: &'a Fixture, row: &Row) -> Option<&'a Caller> {
    let role = match row.who {
        Who::Public | Who::PublicRedirectsUsers => return None,
        Who::AnyUser => L2Engineer,
        Who::SysAdmin => Admin,
        Who::Project(roles) => {
            roles.iter().copied().find(|r| !matches!(r, Admin | Engineer)).or(roles.first().copied())?
        }
    };
    fx.callers.iter().find(|c| c.member && c.role == Some(role))
}

async fn audited_by(fx: &Fixture, c: &Caller) -> i64 {
    fx.t.tdb.scalar(&format!("SELECT COUNT(*) FROM audit_log WHERE actor_id = {}", c.user_id)).await
}

#[tokio::test]
async fn every_write_is_audited_and_every_form_needs_its_csrf_token() {
    let fx = fixture().await;
    let mut failures = Vec::new();
    for defect in KNOWN_DEFECTS {
        println!("known defect: {} {}: {}", defect.0, defect.1, defect.2);
    }
    for row in rows().into_iter().filter(|r| r.method != Method::GET) {
        let Some(c) = allowed_caller(&fx, &row) else { continue };
        let label = format!("{} {} as {}", row.method, row.path, c.label);
        if row.ui {
            let forged = Caller {
                label: c.label.clone(),
                role: c.role,
                member: c.member,
                username: c.username.clone(),
                user_id: c.user_id,
                token: c.token.clone(),
                session: c.session.clone(),
                csrf: String::new(),
            };
            let before = audited_by(&fx, c).await;
            let res = call(&fx, &row, &forged).await;
            let after = audited_by(&fx, c).await;
            if res.status != 403 || after != before {
                failures.push(format!(
                    "{label} without its CSRF token: got {} and {} audit entries",
                    res.status,
                    after - before
                ));
            }
        }
        let before = audited_by(&fx, c).await;
        let res = call(&fx, &row, c).await;
        let after = audited_by(&fx, c).await;
        if res.status.as_u16() != row.ok {
            failures.push(format!("{label}: expected {}, got {}", row.ok, res.status));
            continue;
        }
        let exempt =
            NOT_AUDITED.iter().chain(KNOWN_DEFECTS).any(|(m, p, _)| *m == row.method.as_str() && *p == row.path);
        if after <= before && !exempt {
            failures.push(format!("{label}: answered {} and left no audit entry", res.status));
        }
    }
    assert!(failures.is_empty(), "{} writes failed:\n{}", failures.len(), failures.join("\n"));
}
