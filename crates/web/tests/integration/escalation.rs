//! The escalation ladder (seed 003 1.1.5.2.3) and the notification outbox: steps fire once, in
//! order, across two instances and a restart; pauses and fixes move or cancel them; quiet hours
//! hold personal messages; SMTP, WeCom, DingTalk and generic webhooks deliver with retries.

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
        uc::add_event(&self.t.app, &self.engineer, id, e, None).await.expect(kind);
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

#[tokio::test]
async fn a_backdated_incident_fires_its_overdue_steps_at_once_in_order() {
    // Now is 09:00; the call came in at 04:30 and is typed in only now: 30 min, 2 h and 4 h are
    // all past.
    let d = desk().await;
    let id = d.report(&d.t.app, "P1", "2026-03-02T04:30:00").await;
    let later = d.report(&d.t.app, "P3", "2026-03-02T08:50:00").await;
    let fired = notify::fire_due(&d.t.app).await.expect("fire");
    assert_eq!(steps(&fired), [(id, 0, "manager1"), (id, 1, "manager2"), (id, 2, "manager3")]);
    assert_eq!(d.in_app(id).await, d.managers.iter().map(|m| Some(*m)).collect::<Vec<_>>(), "Manager1 → 2 → 3");
    assert!(notify::fire_due(&d.t.app).await.expect("again").is_empty(), "each step once");
    assert!(d.in_app(later).await.is_empty(), "the P3's first step is 12 h away");

    // The P3's first step comes due at 20:50.
    d.t.clock.set(bj("2026-03-02T20:49:59"));
    assert!(notify::fire_due(&d.t.app).await.expect("fire").is_empty());
    d.t.clock.set(bj("2026-03-02T20:50:00"));
    assert_eq!(steps(&notify::fire_due(&d.t.app).await.expect("fire")), [(later, 0, "manager1")]);
    let inbox = ns::inbox(&d.t.app.db, d.managers[0], 10).await.expect("inbox");
    assert_eq!(inbox.len(), 2);
    assert!(inbox[0].subject.contains("三级故障") && inbox[0].body.contains("第 1 级"), "{:?}", inbox[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_fire_each_step_exactly_once() {
    let d = desk().await;
    let mut ids = Vec::new();
    for _ in 0..20 {
        ids.push(d.report(&d.t.app, "P1", "2026-03-02T04:00:00").await);
    }
    let a = d.t.app.clone().with_notify(NotifySettings { instance: "a".into(), ..Default::default() });
    let b = App::new(d.t.tdb.second().await, d.t.clock.clone(), AuthSettings::default())
        .with_notify(NotifySettings { instance: "b".into(), ..Default::default() });
    let (ra, rb) = tokio::join!(
        tokio::spawn(async move { notify::fire_due(&a).await }),
        tokio::spawn(async move { notify::fire_due(&b).await })
    );
    let (fa, fb) = (ra.expect("join").expect("fire a"), rb.expect("join").expect("fire b"));
    let all: Vec<(i64, i64)> = fa.iter().chain(fb.iter()).map(|f| (f.incident_id, f.step)).collect();
    let unique: BTreeSet<(i64, i64)> = all.iter().copied().collect();
    assert_eq!(all.len(), 60, "20 incidents × 3 steps, none twice: a {} + b {}", fa.len(), fb.len());
    assert_eq!(unique.len(), 60);
    assert_eq!(d.t.tdb.scalar("SELECT COUNT(*) FROM notifications WHERE channel = 'in_app'").await, 60);
    // Each incident's ladder went out in order, whichever instance sent which step.
    for id in ids {
        assert_eq!(d.in_app(id).await, d.managers.iter().map(|m| Some(*m)).collect::<Vec<_>>(), "incident {id}");
    }
}

#[tokio::test]
async fn after_a_restart_nothing_fires_twice_and_what_came_due_meanwhile_fires() {
    let d = desk().await;
    let id = d.report(&d.t.app, "P1", "2026-03-02T08:25:00").await;
    let first = App::new(d.t.tdb.second().await, d.t.clock.clone(), AuthSettings::default());
    assert_eq!(steps(&notify::fire_due(&first).await.expect("fire")), [(id, 0, "manager1")]);
    first.db.close().await;
    drop(first);

    // The instance is down from 09:00 to 10:30; Manager2's step came due at 10:25.
    d.t.clock.set(bj("2026-03-02T10:30:00"));
    let restarted = App::new(d.t.tdb.second().await, d.t.clock.clone(), AuthSettings::default());
    assert_eq!(steps(&notify::fire_due(&restarted).await.expect("fire")), [(id, 1, "manager2")]);
    assert!(notify::fire_due(&restarted).await.expect("again").is_empty());
    assert_eq!(d.in_app(id).await, [Some(d.managers[0]), Some(d.managers[1])]);
}

#[tokio::test]
async fn the_ladder_stands_still_while_the_hospital_decides_and_stops_with_the_fix() {
    let d = desk().await;
    let id = d.report(&d.t.app, "P1", "2026-03-02T09:00:00").await;
    d.t.clock.set(bj("2026-03-02T09:10:00"));
    d.event(id, "respond", "2026-03-02T09:05:00").await;
    d.event(id, "request_approval", "2026-03-02T09:10:00").await;
    d.t.clock.set(bj("2026-03-02T11:10:00"));
    assert!(notify::fire_due(&d.t.app).await.expect("fire").is_empty(), "paused: nothing is due");
    let it = {
        d.t.user("it1", false).await;
        d.t.grant("sd", "it1", "hospital_it").await;
        actor(&d.t, "it1").await
    };
    let approve = NewEvent { kind: "approve".into(), ..Default::default() };
    uc::add_event(&d.t.app, &it, id, approve, None).await.expect("approve");
    // 30 min of running time: 09:00–09:10 and 11:10–11:30.
    d.t.clock.set(bj("2026-03-02T11:29:59"));
    assert!(notify::fire_due(&d.t.app).await.expect("fire").is_empty());
    d.t.clock.set(bj("2026-03-02T11:30:00"));
    assert_eq!(steps(&notify::fire_due(&d.t.app).await.expect("fire")), [(id, 0, "manager1")]);

    d.t.clock.set(bj("2026-03-02T11:40:00"));
    d.event(id, "resolve", "2026-03-02T11:40:00").await;
    d.t.clock.set(bj("2026-03-03T09:00:00"));
    assert!(notify::fire_due(&d.t.app).await.expect("fire").is_empty(), "fixed: the rest of the ladder is off");
}

#[tokio::test]
async fn quiet_hours_hold_personal_messages_except_for_the_most_severe_level() {
    let d = desk().await;
    let mut tx = d.t.app.db.begin().await.expect("tx");
    let contact = ns::ContactRow {
        user_id: d.managers[0],
        email: Some("m1@hospital.example".into()),
        phone: None,
        quiet_start: Some("22:00".into()),
        quiet_end: Some("07:00".into()),
    };
    ns::set_contact(&mut tx, &contact, d.t.app.now()).await.expect("contact");
    tx.commit().await.expect("commit");
    d.t.clock.set(bj("2026-03-03T00:30:00"));
    let p2 = d.report(&d.t.app, "P2", "2026-03-02T23:00:00").await;
    let p1 = d.report(&d.t.app, "P1", "2026-03-02T23:55:00").await;
    notify::fire_due(&d.t.app).await.expect("fire");
    let email = |id: i64| {
        let db = d.t.app.db.clone();
        async move {
            let all = ns::for_incident(&db, id).await.expect("outbox");
            all.into_iter().find(|n| n.channel == "email").expect("an e-mail").next_attempt_at
        }
    };
    assert_eq!(email(p2).await, bj("2026-03-03T07:00:00"), "a P2 at midnight waits for the morning");
    assert_eq!(email(p1).await, bj("2026-03-03T00:30:00"), "a P1 goes out at once");
    assert_eq!(d.in_app(p2).await, [Some(d.managers[0])], "in-app is silent and immediate");
}

/// A real SMTP server (Python's aiosmtpd) writing to a maildir.
struct SmtpServer {
    child: std::process::Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn smtp_server() -> SmtpServer {
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
    let dir = tempfile::tempdir().expect("maildir");
    let child = std::process::Command::new("python3")
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
        .arg(dir.path().join("mail"))
        .spawn()
        .expect("python3 -m aiosmtpd (pip install aiosmtpd)");
    // Wait for it to listen (a child process's start-up, not a timing assumption of ours).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(std::time::Instant::now() < deadline, "aiosmtpd did not start");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    SmtpServer { child, port, dir }
}

/// (To, Subject, body) of every message in the maildir, decoded by Python's email package.
fn read_maildir(dir: &std::path::Path) -> Vec<(String, String, String)> {
    let script = r#"
import mailbox, sys, json
from email.header import decode_header, make_header
out = []
for m in mailbox.Maildir(sys.argv[1], create=False):
    body = m.get_payload(decode=True).decode(m.get_content_charset() or 'utf-8')
    out.append([m['To'], str(make_header(decode_header(m['Subject']))), body])
print(json.dumps(out))
"#;
    let out = std::process::Command::new("python3").args(["-c", script]).arg(dir).output().expect("python3");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("json")
}

#[tokio::test]
async fn escalation_mail_reaches_a_real_smtp_server_and_failures_are_retried() {
    let d = desk().await;
    let mut tx = d.t.app.db.begin().await.expect("tx");
    let c = ns::ContactRow { user_id: d.managers[0], email: Some("m1@hospital.example".into()), ..Default::default() };
    ns::set_contact(&mut tx, &c, d.t.app.now()).await.expect("contact");
    tx.commit().await.expect("commit");
    let id = d.report(&d.t.app, "P1", "2026-03-02T08:00:00").await;
    notify::fire_due(&d.t.app).await.expect("fire");

    // First the mail server is down: the attempt is recorded, the message waits a minute.
    let dead_port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
    let settings = |port: u16| NotifySettings {
        smtp: Some(SmtpSettings {
            host: "127.0.0.1".into(),
            port,
            tls: "none".into(),
            from: "运维服务平台 <yunwei@vendor.example>".into(),
            username: None,
            password: None,
        }),
        timeout_seconds: 5,
        ..Default::default()
    };
    let down = d.t.app.clone().with_notify(settings(dead_port));
    assert_eq!(notify::deliver_due(&down).await.expect("deliver"), 1);
    let mail = ns::for_incident(&d.t.app.db, id).await.expect("outbox").into_iter().find(|n| n.channel == "email");
    let mail = mail.expect("mail queued");
    assert_eq!((mail.status.as_str(), mail.attempts), ("pending", 1));
    assert_eq!(mail.next_attempt_at, d.t.app.now() + Duration::seconds(60));
    assert!(mail.last_error.as_deref().unwrap_or_default().contains("SMTP"), "{:?}", mail.last_error);
    assert_eq!(notify::deliver_due(&down).await.expect("deliver"), 0, "not before its time");

    let server = smtp_server().await;
    let up = d.t.app.clone().with_notify(settings(server.port));
    d.t.clock.advance(Duration::seconds(60));
    assert_eq!(notify::deliver_due(&up).await.expect("deliver"), 1);
    let mail = ns::for_incident(&d.t.app.db, id).await.expect("outbox").into_iter().find(|n| n.channel == "email");
    assert_eq!(mail.map(|m| (m.status, m.attempts)), Some(("sent".into(), 2)));
    let attempts = ns::attempts_for_incident(&d.t.app.db, id).await.expect("attempts");
    assert_eq!(attempts.iter().map(|a| a.ok).collect::<Vec<_>>(), [false, true], "every attempt is on record");

    let inbox = read_maildir(&server.dir.path().join("mail"));
    assert_eq!(inbox.len(), 1, "{inbox:?}");
    let (to, subject, body) = &inbox[0];
    assert_eq!(to, "m1@hospital.example");
    assert!(subject.starts_with("【故障升级】INC-2026-000001 一级故障（紧急故障）"), "{subject}");
    assert!(body.contains("Manager1（项目经理）") && body.contains("报障时间：2026-03-02 08:00"), "{body}");
}

/// What a webhook receiver saw.
#[derive(Clone, Debug)]
struct Hit {
    path_and_query: String,
    headers: HeaderMap,
    body: serde_json::Value,
}

/// A local HTTP server standing in for the WeCom / DingTalk robot endpoints and an SMS gateway;
/// `/flaky` fails its first call.
async fn receiver() -> (String, Arc<Mutex<Vec<Hit>>>) {
    use axum::extract::{OriginalUri, State};
    use axum::routing::post;
    let hits: Arc<Mutex<Vec<Hit>>> = Arc::default();
    async fn record(
        State(hits): State<Arc<Mutex<Vec<Hit>>>>,
        OriginalUri(uri): OriginalUri,
        headers: HeaderMap,
        body: String,
    ) -> (StatusCode, String) {
        let mut h = hits.lock().expect("lock");
        let first_flaky = uri.path() == "/flaky" && !h.iter().any(|x| x.path_and_query.starts_with("/flaky"));
        h.push(Hit { path_and_query: uri.to_string(), headers, body: serde_json::from_str(&body).unwrap_or_default() });
        if first_flaky {
            return (StatusCode::BAD_GATEWAY, "gateway busy".into());
        }
        if uri.path() == "/wecom-bad" {
            return (StatusCode::OK, r#"{"errcode":93000,"errmsg":"invalid webhook url"}"#.into());
        }
        (StatusCode::OK, r#"{"errcode":0,"errmsg":"ok"}"#.into())
    }
    let app = axum::Router::new().fallback(post(record)).with_state(hits.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, hits)
}

#[tokio::test]
async fn group_robots_and_gateways_get_their_documented_json() {
    let d = desk().await;
    let (base, hits) = receiver().await;
    let mut tx = d.t.app.db.begin().await.expect("tx");
    let c = ns::ContactRow { user_id: d.managers[0], phone: Some("13800000001".into()), ..Default::default() };
    ns::set_contact(&mut tx, &c, d.t.app.now()).await.expect("contact");
    let now = d.t.app.now();
    let ch = |kind: &str, name: &str, url: String, secret: Option<&str>| ns::ChannelRow {
        id: 0,
        project_id: d.project_id,
        kind: kind.into(),
        name: name.into(),
        url,
        secret: secret.map(str::to_owned),
        created_at: now,
    };
    for c in [
        ch("wecom", "运维群", format!("{base}/cgi-bin/webhook/send?key=k1"), None),
        ch("dingtalk", "钉钉群", format!("{base}/robot/send?access_token=t1"), Some("SECret")),
        ch("webhook", "短信网关", format!("{base}/flaky"), Some("gw-secret")),
        ch("wecom", "配置错的群", format!("{base}/wecom-bad"), None),
    ] {
        ns::insert_channel(&mut tx, &c).await.expect("channel");
    }
    tx.commit().await.expect("commit");
    let id = d.report(&d.t.app, "P1", "2026-03-02T08:20:00").await;
    notify::fire_due(&d.t.app).await.expect("fire");
    assert_eq!(notify::deliver_due(&d.t.app).await.expect("deliver"), 4);

    let seen = hits.lock().expect("lock").clone();
    let find = |p: &str| seen.iter().find(|h| h.path_and_query.starts_with(p)).cloned().expect(p);
    let wecom = find("/cgi-bin/webhook/send?key=k1");
    assert_eq!(wecom.body["msgtype"], "text");
    assert!(wecom.body["text"]["content"].as_str().unwrap_or_default().contains("INC-2026-000001"));
    assert_eq!(wecom.body["text"]["mentioned_mobile_list"], serde_json::json!(["13800000001"]));

    let ding = find("/robot/send");
    assert_eq!(ding.body["at"]["atMobiles"], serde_json::json!(["13800000001"]));
    let ts = d.t.app.now().timestamp_millis();
    let expected = notify::dingtalk_signed_url("/robot/send?access_token=t1", "SECret", d.t.app.now());
    assert_eq!(ding.path_and_query, expected, "timestamp {ts} and HMAC sign on the URL");

    let gw = find("/flaky");
    let body = serde_json::to_string(&gw.body).expect("json");
    assert_eq!(gw.body["event"], "incident.escalation");
    assert_eq!(gw.body["phones"], serde_json::json!(["13800000001"]));
    let sig = gw.headers.get("x-yunwei-signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(sig.starts_with("sha256=") && sig.len() == 7 + 64, "{sig} for {body}");

    let outbox = ns::for_incident(&d.t.app.db, id).await.expect("outbox");
    let state = |name: &str| {
        outbox.iter().find(|n| n.address == name).map(|n| (n.status.clone(), n.last_error.clone().unwrap_or_default()))
    };
    assert_eq!(state("运维群").map(|s| s.0), Some("sent".into()));
    assert_eq!(state("钉钉群").map(|s| s.0), Some("sent".into()));
    let (gw_status, gw_error) = state("短信网关").expect("gateway message");
    assert_eq!(gw_status, "pending");
    assert!(gw_error.contains("502"), "{gw_error}");
    let (bad_status, bad_error) = state("配置错的群").expect("bad robot message");
    assert!(bad_status == "pending" && bad_error.contains("93000"), "WeCom's errcode is a failure: {bad_error}");

    // A minute later the gateway takes it.
    d.t.clock.advance(Duration::seconds(60));
    assert_eq!(notify::deliver_due(&d.t.app).await.expect("deliver"), 2);
    let outbox = ns::for_incident(&d.t.app.db, id).await.expect("outbox");
    let gw = outbox.iter().find(|n| n.address == "短信网关").expect("gateway");
    assert_eq!((gw.status.as_str(), gw.attempts), ("sent", 2));
    assert_eq!(hits.lock().expect("lock").iter().filter(|h| h.path_and_query == "/flaky").count(), 2);
}

#[tokio::test]
async fn a_message_is_given_up_after_the_last_attempt() {
    let d = desk().await;
    let mut tx = d.t.app.db.begin().await.expect("tx");
    let c = ns::ChannelRow {
        id: 0,
        project_id: d.project_id,
        kind: "webhook".into(),
        name: "坏网关".into(),
        url: "http://127.0.0.1:9/".into(),
        secret: None,
        created_at: d.t.app.now(),
    };
    ns::insert_channel(&mut tx, &c).await.expect("channel");
    tx.commit().await.expect("commit");
    let id = d.report(&d.t.app, "P1", "2026-03-02T08:20:00").await;
    notify::fire_due(&d.t.app).await.expect("fire");
    let app = d.t.app.clone().with_notify(NotifySettings {
        max_attempts: 3,
        backoff_seconds: vec![10, 20],
        timeout_seconds: 2,
        ..Default::default()
    });
    for wait in [0, 10, 20] {
        d.t.clock.advance(Duration::seconds(wait));
        assert_eq!(notify::deliver_due(&app).await.expect("deliver"), 1, "attempt after {wait} s");
    }
    d.t.clock.advance(Duration::hours(1));
    assert_eq!(notify::deliver_due(&app).await.expect("deliver"), 0);
    let n = ns::for_incident(&d.t.app.db, id).await.expect("outbox").into_iter().find(|n| n.channel == "webhook");
    assert_eq!(n.map(|n| (n.status, n.attempts)), Some(("failed".into(), 3)));
}

#[tokio::test]
async fn settings_and_the_incident_s_escalation_through_the_api() {
    use axum::http::Method;
    use serde_json::json;
    let d = desk().await;
    d.t.user("boss", false).await;
    d.t.grant("sd", "boss", "manager").await;
    let boss = d.t.token("boss").await;
    let settings = d.t.api(Method::GET, "/api/v1/projects/sd/notify-settings", Some(&boss), None).await;
    assert_eq!(settings.status, StatusCode::OK, "{}", settings.body);
    let targets: Vec<String> = settings.json()["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .map(|t| format!("{}={}", t["target"].as_str().unwrap_or_default(), t["users"]))
        .collect();
    assert_eq!(targets, [r#"manager1=["m1"]"#, r#"manager2=["m2"]"#, r#"manager3=["m3"]"#]);

    let bad =
        d.t.api(
            Method::PUT,
            "/api/v1/projects/sd/escalation-contacts/manager1",
            Some(&boss),
            Some(json!({"users": ["nobody"]})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("\"users\"") && bad.body.contains("nobody"), "{}", bad.body);
    let ok =
        d.t.api(
            Method::PUT,
            "/api/v1/projects/sd/escalation-contacts/manager1",
            Some(&boss),
            Some(json!({"users": ["boss", "m1"]})),
        )
        .await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT, "{}", ok.body);

    let bad =
        d.t.api(
            Method::POST,
            "/api/v1/projects/sd/notify-channels",
            Some(&boss),
            Some(json!({"kind": "qq", "name": "", "url": "ftp://x"})),
        )
        .await;
    let fields: Vec<String> = bad.json()["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(fields, ["kind", "name", "url"]);
    let made = d
        .t
        .api(
            Method::POST,
            "/api/v1/projects/sd/notify-channels",
            Some(&boss),
            Some(json!({"kind": "wecom", "name": "运维群", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRETKEY"})),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    assert!(
        !made.body.contains("SECRETKEY") && made.body.contains("qyapi.weixin.qq.com"),
        "the key is not shown: {}",
        made.body
    );

    let me =
        d.t.api(
            Method::PUT,
            "/api/v1/me/contact",
            Some(&boss),
            Some(json!({"email": "not-an-address", "quiet_start": "22:00"})),
        )
        .await;
    let fields: Vec<String> = me.json()["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(fields, ["email", "quiet_end"]);
    let me =
        d.t.api(
            Method::PUT,
            "/api/v1/me/contact",
            Some(&boss),
            Some(json!({"email": "boss@vendor.example", "phone": "13900000000"})),
        )
        .await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);

    // Reported 40 minutes ago: Manager1 (now boss and m1) is told, in-app, by mail and in the group.
    let id = d.report(&d.t.app, "P1", "2026-03-02T08:20:00").await;
    notify::fire_due(&d.t.app).await.expect("fire");
    let n = d.t.api(Method::GET, &format!("/api/v1/incidents/{id}/notifications"), Some(&boss), None).await;
    assert_eq!(n.status, StatusCode::OK, "{}", n.body);
    let n = n.json();
    assert_eq!(n["steps"][0]["fired_at"], "2026-03-02T01:00:00.000000Z");
    assert_eq!(n["steps"][1]["fired_at"], serde_json::Value::Null);
    let messages: Vec<String> = n["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| {
            format!(
                "{}:{}:{}",
                m["channel"].as_str().unwrap_or_default(),
                m["recipient"].as_str().unwrap_or_default(),
                m["status"].as_str().unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(messages, ["in_app:m1:sent", "in_app:boss:sent", "email:boss:pending", "wecom:运维群:pending"]);
    assert!(!n.to_string().contains("boss@vendor.example"), "addresses are not shown");
    let inbox = d.t.api(Method::GET, "/api/v1/me/notifications", Some(&boss), None).await.json();
    assert_eq!(inbox[0]["incident_id"].as_i64(), Some(id));
}

#[tokio::test]
async fn the_pages_show_the_ladder_and_let_a_manager_set_it_up() {
    use axum::http::Method;
    let d = desk().await;
    d.t.user("boss", false).await;
    d.t.grant("sd", "boss", "manager").await;
    let uid = yunwei_store::identity::user_by_username(&d.t.app.db, "boss").await.expect("db").expect("user").id;
    let (s, csrf) = d.t.session(uid).await;
    let page = d.t.page(Method::GET, "/p/sd/notifications", Some(&s), None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Manager2 · 服务交付中心经理") && page.body.contains("value=\"m2\""), "{}", page.body);

    let bad = [("_csrf", csrf.as_str()), ("target", "manager2"), ("users", "m2, ghost")];
    let r = d.t.page(Method::POST, "/p/sd/notifications/targets", Some(&s), Some(&bad)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("人员：“ghost”不是本项目成员"), "{}", r.body);
    let robot = [
        ("_csrf", csrf.as_str()),
        ("kind", "wecom"),
        ("name", "信息科运维群"),
        ("url", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=TOPSECRET"),
        ("secret", ""),
    ];
    let r = d.t.page(Method::POST, "/p/sd/notifications/channels", Some(&s), Some(&robot)).await;
    assert!(r.body.contains("信息科运维群") && !r.body.contains("TOPSECRET"), "{}", r.body);

    let contact =
        [("_csrf", csrf.as_str()), ("email", "boss@"), ("phone", ""), ("quiet_start", "22:00"), ("quiet_end", "")];
    let r = d.t.page(Method::POST, "/account/contact", Some(&s), Some(&contact)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("邮箱：不是有效的邮箱地址") && r.body.contains("免打扰结束"), "{}", r.body);

    let id = d.report(&d.t.app, "P1", "2026-03-02T08:00:00").await;
    notify::fire_due(&d.t.app).await.expect("fire");
    let page = d.t.page(Method::GET, &format!("/p/sd/incidents/{id}"), Some(&s), None).await;
    assert!(page.body.contains("升级与通知") && page.body.contains("manager1"), "{}", page.body);
    assert!(page.body.contains("企业微信群") && page.body.contains("待发送"), "{}", page.body);
    let (m1, _) = d.t.session(d.managers[0]).await;
    let inbox = d.t.page(Method::GET, "/inbox", Some(&m1), None).await;
    assert!(
        inbox.body.contains(&format!("/p/sd/incidents/{id}")) && inbox.body.contains("【故障升级】"),
        "{}",
        inbox.body
    );
}
