//! The escalation ladder (seed 003 1.1.5.2.3) and the notification outbox: steps fire once, in
//! order, across two instances and a restart; pauses and fixes move or cancel them; quiet hours
//! hold personal messages; SMTP, WeCom, DingTalk and generic webhooks deliver with retries.

mod delivery;
mod ladder;
mod settings;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Duration, Utc};
use yunwei_app::incident::{self as uc, NewEvent, NewIncident};
use yunwei_app::notify;
use yunwei_app::{Actor, App, AuthSettings};
use yunwei_app::{NotifySettings, SmtpSettings};
use yunwei_domain::identity::Role::*;
use yunwei_store::notify as ns;

use crate::support::TestApp;

fn bj(local: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("{local}+08:00")).expect("time").with_timezone(&Utc)
}

struct Desk {
    t: TestApp,
    dispatcher: Actor,
    engineer: Actor,
    project_id: i64,
    managers: Vec<i64>,
}

async fn actor(t: &TestApp, name: &str) -> Actor {
    let token = t.token(name).await;
    yunwei_app::identity::authenticate(&t.app, &token).await.expect("auth").expect("actor")
}

/// Seed 003 as project `sd`: a dispatcher, an engineer, and Manager1–3 as the ladder's contacts.
async fn desk() -> Desk {
    let s = TestApp::site()
        .preset("seed-003")
        .project("sd")
        .members(&[("d1", Dispatcher), ("e1", Engineer), ("m1", Manager), ("m2", Manager), ("m3", Manager)])
        .build()
        .await;
    let managers = vec![s.id("m1"), s.id("m2"), s.id("m3")];
    let project_id = yunwei_store::project::by_code(&s.t.app.db, &s.project).await.expect("db").expect("sd").id;
    let t = s.t;
    let mut tx = t.app.db.begin().await.expect("tx");
    for (i, &id) in managers.iter().enumerate() {
        ns::set_contacts(&mut tx, project_id, &format!("manager{}", i + 1), &[id]).await.expect("contacts");
    }
    tx.commit().await.expect("commit");
    let (dispatcher, engineer) = (actor(&t, "d1").await, actor(&t, "e1").await);
    Desk { t, dispatcher, engineer, project_id, managers }
}

impl Desk {
    async fn report(&self, app: &App, severity: &str, reported: &str) -> i64 {
        let input = NewIncident {
            title: "门诊挂号系统无法登录".into(),
            severity: severity.into(),
            channel: "phone".into(),
            reported_at: Some(bj(reported)),
            ..Default::default()
        };
        uc::create(app, &self.dispatcher, "sd", input).await.expect("create").row.id
    }

    async fn event(&self, id: i64, kind: &str, at: &str) {
        let e = NewEvent { kind: kind.into(), at: Some(bj(at)), ..Default::default() };
        let e = if kind == "resolve" {
            NewEvent { cause: Some("连接池耗尽".into()), action: Some("重启".into()), ..e }
        } else {
            e
        };
        uc::add_event(&self.t.app, &self.engineer, yunwei_domain::id::IncidentId::new(id), e, None).await.expect(kind);
    }

    /// In-app messages: (incident, user) in the order they were queued.
    async fn in_app(&self, id: i64) -> Vec<Option<i64>> {
        let all = ns::for_incident(&self.t.app.db, id).await.expect("outbox");
        all.into_iter().filter(|n| n.channel == "in_app").map(|n| n.user_id).collect()
    }
}

fn steps(fired: &[notify::Fired]) -> Vec<(i64, i64, &str)> {
    fired.iter().map(|f| (f.incident_id, f.step, f.target.as_str())).collect()
}
