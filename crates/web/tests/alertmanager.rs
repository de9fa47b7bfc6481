//! End to end with the real programs: Debian's `prometheus` evaluates a rule that fires,
//! `prometheus-alertmanager` sends its webhook to yunwei served on a loopback port, and yunwei
//! opens one incident however often Alertmanager repeats the notification; when the rule stops
//! firing, the resolved notification is recorded on the incident.
//!
//! Needs the `prometheus` and `prometheus-alertmanager` packages (`.ci/run` installs them).
//! Without them the test is skipped, except under `CI` where it fails. Nothing is downloaded.

// Shares the integration tests' database fixture; most of that module is unused here.
#![allow(dead_code)]

#[path = "integration/support/mod.rs"]
mod support;

use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use yunwei_app::{App, AuthSettings, SystemClock};
use yunwei_domain::identity::Role;
use yunwei_web::{AppState, WebSettings};

use crate::support::TestApp;

/// A child process killed when dropped (also when the test panics).
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn program(name: &str) -> Option<PathBuf> {
    let fixed = Path::new("/usr/bin").join(name);
    if fixed.is_file() {
        return Some(fixed);
    }
    assert!(std::env::var_os("CI").is_none(), "{name} not installed; .ci/run installs it");
    eprintln!("Alertmanager test skipped: {name} not found (apt-get install prometheus prometheus-alertmanager)");
    None
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0").expect("bind a loopback port").local_addr().expect("local addr").port()
}

fn start(bin: &Path, args: &[String], log: &Path) -> Proc {
    let out = std::fs::File::create(log).expect("log file");
    let err = out.try_clone().expect("log file");
    let child = Command::new(bin)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .spawn()
        .unwrap_or_else(|e| panic!("start {}: {e}", bin.display()));
    Proc(child)
}

/// Polls `check` until it holds, for at most `limit` (real programs on real timers: bounded
/// waiting is the only way to see them act). The logs are printed when it never holds.
async fn until<F, Fut>(what: &str, limit: Duration, logs: &[&Path], mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while !check().await {
        if Instant::now() > deadline {
            for l in logs {
                eprintln!("--- {}\n{}", l.display(), std::fs::read_to_string(l).unwrap_or_default());
            }
            panic!("timed out waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `POST path` with an empty body on a loopback port; the status line of the answer.
async fn post_empty(port: u16, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.expect("connect");
    let req =
        format!("POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.expect("write");
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.expect("read");
    String::from_utf8_lossy(&buf).lines().next().unwrap_or_default().to_owned()
}

const RULES_FIRING: &str = r#"groups:
  - name: yunwei-e2e
    rules:
      - alert: HisDatabaseDown
        expr: vector(1)
        labels:
          severity: warning
          instance: "10.1.2.3:9100"
        annotations:
          summary: HIS 数据库服务器不可达
          description: 由 yunwei 端到端测试的静态规则触发
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alertmanager_repeats_open_one_incident_and_the_recovery_is_recorded() {
    let (Some(am_bin), Some(prom_bin)) = (program("prometheus-alertmanager"), program("prometheus")) else {
        return;
    };
    let members = [("alertmanager", Role::Reporter), ("admin1", Role::Admin)];
    let s = TestApp::site().preset("seed-000").project("mon").members(&members).tokens().build().await;
    let t = &s.t;
    let (token, admin) = (s.token("alertmanager"), s.token("admin1"));
    let ci = serde_json::json!({"name": "HIS 数据库服务器", "type": "server", "ips": ["10.1.2.3"]});
    let r = t.api(axum::http::Method::POST, "/api/v1/projects/mon/cis", Some(&admin), Some(ci)).await;
    assert_eq!(r.status, 201, "{}", r.body);

    // yunwei on a loopback port, on the real clock (Alertmanager's times are real).
    let app = App::new(t.tdb.db.clone(), Arc::new(SystemClock), AuthSettings::default());
    let router = yunwei_web::router(AppState { app, web: WebSettings { cookie_secure: false } });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });

    let dir = tempfile::tempdir().expect("tempdir");
    let (am_port, prom_port) = (free_port(), free_port());
    let am_config = format!(
        r#"route:
  receiver: yunwei
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 2s
receivers:
  - name: yunwei
    webhook_configs:
      - url: {base}/api/v1/projects/mon/alerts/alertmanager
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: {token}
"#
    );
    std::fs::write(dir.path().join("alertmanager.yml"), am_config).expect("write");
    let am_log = dir.path().join("alertmanager.log");
    let _am = start(
        &am_bin,
        &[
            format!("--config.file={}", dir.path().join("alertmanager.yml").display()),
            format!("--storage.path={}", dir.path().join("am-data").display()),
            format!("--web.listen-address=127.0.0.1:{am_port}"),
            "--cluster.listen-address=".into(),
        ],
        &am_log,
    );
    let rules = dir.path().join("rules.yml");
    std::fs::write(&rules, RULES_FIRING).expect("write");
    let prom_config = format!(
        r#"global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: ["{}"]
alerting:
  alertmanagers:
    - static_configs:
        - targets: ["127.0.0.1:{am_port}"]
"#,
        rules.display()
    );
    std::fs::write(dir.path().join("prometheus.yml"), prom_config).expect("write");
    let prom_log = dir.path().join("prometheus.log");
    let _prom = start(
        &prom_bin,
        &[
            format!("--config.file={}", dir.path().join("prometheus.yml").display()),
            format!("--storage.tsdb.path={}", dir.path().join("prom-data").display()),
            format!("--web.listen-address=127.0.0.1:{prom_port}"),
            "--web.enable-lifecycle".into(),
            "--rules.alert.resend-delay=1s".into(),
        ],
        &prom_log,
    );
    let logs = [am_log.as_path(), prom_log.as_path()];

    // The rule fires; Alertmanager's notification opens an incident on the CI at 10.1.2.3.
    until("the incident", Duration::from_secs(90), &logs, || async {
        t.tdb.scalar("SELECT COUNT(*) FROM alerts WHERE incident_id IS NOT NULL").await > 0
    })
    .await;
    // Alertmanager repeats the notification every 2 s while it fires: counted, never reopened.
    until("three notifications", Duration::from_secs(60), &logs, || async {
        t.tdb.scalar("SELECT MAX(receive_count) FROM alerts").await >= 3
    })
    .await;
    assert_eq!(t.tdb.scalar("SELECT COUNT(*) FROM incidents").await, 1, "one incident however often it is sent");
    assert_eq!(t.tdb.scalar("SELECT COUNT(*) FROM alerts").await, 1, "one occurrence");
    let incident = t.tdb.scalar("SELECT incident_id FROM alerts").await;
    let r = t.api(axum::http::Method::GET, &format!("/api/v1/incidents/{incident}"), Some(&admin), None).await;
    let inc = r.json();
    assert_eq!((inc["channel"].as_str(), inc["severity"].as_str()), (Some("monitoring"), Some("P3")));
    assert_eq!(inc["title"], "【监控】HIS 数据库服务器不可达");
    assert_eq!(inc["cis"][0]["name"], "HIS 数据库服务器");

    // The rule stops firing: Prometheus sends the resolved alert, Alertmanager the resolved
    // notification, yunwei records it on the incident.
    std::fs::write(&rules, RULES_FIRING.replace("expr: vector(1)", "expr: vector(1) == 0")).expect("write");
    assert_eq!(post_empty(prom_port, "/-/reload").await, "HTTP/1.1 200 OK", "prometheus reload");
    until("the resolved notification", Duration::from_secs(90), &logs, || async {
        t.tdb.scalar("SELECT COUNT(*) FROM alerts WHERE status = 'resolved' AND state = 'done'").await == 1
    })
    .await;
    let r = t.api(axum::http::Method::GET, &format!("/api/v1/incidents/{incident}"), Some(&admin), None).await;
    let events = r.json()["events"].as_array().cloned().unwrap_or_default();
    assert!(
        events
            .iter()
            .any(|e| e["type"] == "comment" && e["note"].as_str().is_some_and(|n| n.starts_with("监控告警已恢复"))),
        "{events:?}"
    );
    assert_eq!(t.tdb.scalar("SELECT COUNT(*) FROM incidents").await, 1);
}
