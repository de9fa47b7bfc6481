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

use crate::support::TestApp;

fn bj(local: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("{local}+08:00")).expect("time").with_timezone(&Utc)
}

struct Desk {
    t: TestApp,
    dispatcher: Actor,
    engineer: Actor,
    /// Manager1, who also looks after the project's notification settings.
    manager1: Actor,
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
    let (t, code) = (s.t, s.project);
    let (dispatcher, engineer, manager1) = (actor(&t, "d1").await, actor(&t, "e1").await, actor(&t, "m1").await);
    for i in 1..=3 {
        let target = format!("manager{i}");
        notify::set_target_contacts(&t.app, &manager1, &code, &target, &[format!("m{i}")]).await.expect("contacts");
    }
    Desk { t, dispatcher, engineer, manager1, managers }
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
        let all = self.outbox(id).await;
        all.into_iter().filter(|n| n.channel == "in_app").map(|n| n.user_id).collect()
    }

    /// The incident's escalation messages and their delivery attempts, as its page has them.
    async fn notices(&self, id: i64) -> notify::Notices {
        let id = yunwei_domain::id::IncidentId::new(id);
        notify::incident_notices(&self.t.app, &self.dispatcher, id).await.expect("outbox")
    }

    /// The incident's messages in the order they were queued.
    async fn outbox(&self, id: i64) -> Vec<notify::NotificationRow> {
        self.notices(id).await.messages
    }

    /// How Manager1 is reached, set by Manager1.
    async fn reach_manager1(&self, contact: notify::ContactInput) {
        notify::set_my_contact(&self.t.app, &self.manager1, contact).await.expect("contact");
    }

    /// A group robot or gateway of the project, added by Manager1.
    /// Adds a channel; the tests' receivers listen on loopback, which only an allowed network opens.
    async fn add_channel(&self, kind: &str, name: &str, url: &str, secret: Option<&str>) {
        let loopback = yunwei_domain::outbound::OutboundPolicy { allow: vec!["127.0.0.1".parse().expect("network")] };
        let app =
            self.t.app.clone().with_notify(yunwei_app::NotifySettings { outbound: loopback, ..Default::default() });
        notify::add_channel(&app, &self.manager1, "sd", kind, name, url, secret).await.expect("channel");
    }
}

fn steps(fired: &[notify::Fired]) -> Vec<(i64, i64, &str)> {
    fired.iter().map(|f| (f.incident_id, f.step, f.target.as_str())).collect()
}
