//! Delivery: a real SMTP server, group robots and gateways, retries and giving up.

use super::*;

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
    d.reach_manager1(notify::ContactInput { email: Some("m1@hospital.example".into()), ..Default::default() }).await;
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
    let mail = d.outbox(id).await.into_iter().find(|n| n.channel == "email");
    let mail = mail.expect("mail queued");
    assert_eq!((mail.status.as_str(), mail.attempts), ("pending", 1));
    assert_eq!(mail.next_attempt_at, d.t.app.now() + Duration::seconds(60));
    assert!(mail.last_error.as_deref().unwrap_or_default().contains("SMTP"), "{:?}", mail.last_error);
    assert_eq!(notify::deliver_due(&down).await.expect("deliver"), 0, "not before its time");

    let server = smtp_server().await;
    let up = d.t.app.clone().with_notify(settings(server.port));
    d.t.clock.advance(Duration::seconds(60));
    assert_eq!(notify::deliver_due(&up).await.expect("deliver"), 1);
    let mail = d.outbox(id).await.into_iter().find(|n| n.channel == "email");
    assert_eq!(mail.map(|m| (m.status, m.attempts)), Some(("sent".into(), 2)));
    let attempts = d.notices(id).await.attempts;
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
    d.reach_manager1(notify::ContactInput { phone: Some("13800000001".into()), ..Default::default() }).await;
    for (kind, name, url, secret) in [
        ("wecom", "运维群", format!("{base}/cgi-bin/webhook/send?key=k1"), None),
        ("dingtalk", "钉钉群", format!("{base}/robot/send?access_token=t1"), Some("SECret")),
        ("webhook", "短信网关", format!("{base}/flaky"), Some("gw-secret")),
        ("wecom", "配置错的群", format!("{base}/wecom-bad"), None),
    ] {
        d.add_channel(kind, name, &url, secret).await;
    }
    let id = d.report(&d.t.app, "P1", "2026-03-02T08:20:00").await;
    notify::fire_due(&d.t.app).await.expect("fire");
    // The receiver listens on loopback, which only an allowed network opens.
    let loopback = yunwei_domain::outbound::OutboundPolicy { allow: vec!["127.0.0.1".parse().expect("network")] };
    let app = d.t.app.clone().with_notify(NotifySettings { outbound: loopback, ..Default::default() });
    assert_eq!(notify::deliver_due(&app).await.expect("deliver"), 4);

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

    let outbox = d.outbox(id).await;
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
    assert_eq!(notify::deliver_due(&app).await.expect("deliver"), 2);
    let outbox = d.outbox(id).await;
    let gw = outbox.iter().find(|n| n.address == "短信网关").expect("gateway");
    assert_eq!((gw.status.as_str(), gw.attempts), ("sent", 2));
    assert_eq!(hits.lock().expect("lock").iter().filter(|h| h.path_and_query == "/flaky").count(), 2);
}

#[tokio::test]
async fn a_message_is_given_up_after_the_last_attempt() {
    let d = desk().await;
    d.add_channel("webhook", "坏网关", "http://127.0.0.1:9/", None).await;
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
    let n = d.outbox(id).await.into_iter().find(|n| n.channel == "webhook");
    assert_eq!(n.map(|n| (n.status, n.attempts)), Some(("failed".into(), 3)));
}
