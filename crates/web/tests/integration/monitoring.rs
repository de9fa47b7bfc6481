//! Monitoring intake through the API: Alertmanager notifications open one incident per alert
//! however often they are resent, join the open incident on a re-fire, log the recovery (and
//! resolve where the contract's rule says so); Zabbix and backup payloads; malformed payloads are
//! a 400 that stores nothing; alerts accepted but not acted on are acted on by the next pass.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use yunwei_domain::identity::Role::*;

use crate::support::{Resp, TestApp};

const CONTRACT_RULES: &str = r#"
[monitoring]
severity = "P3"
[[monitoring.rule]]
when = { severity = "critical" }
severity = "P1"
resolve_on_recovery = true
[[monitoring.rule]]
when = { severity = "info" }
ignore = true
[[monitoring.rule]]
when = { source = "zabbix", severity = "high" }
severity = "P1"
"#;

struct Mon {
    t: TestApp,
    /// The monitoring system's token (a reporter of `mon`).
    sender: String,
    eng: String,
    outsider: String,
}

async fn mon() -> Mon {
    let s = TestApp::site()
        .preset("seed-000")
        .project("mon")
        .append(CONTRACT_RULES)
        .members(&[("prom", Reporter), ("e1", Engineer)])
        .other("other", &[("x1", Reporter)])
        .tokens()
        .build()
        .await;
    let (sender, eng, outsider) = (s.token("prom"), s.token("e1"), s.token("x1"));
    Mon { t: s.t, sender, eng, outsider }
}

fn am(status: &str, alerts: Vec<Value>) -> Value {
    json!({"receiver": "yunwei", "status": status, "alerts": alerts, "groupLabels": {"alertname": "HostDown"},
           "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://am:9093", "version": "4",
           "groupKey": "{}:{alertname=\"HostDown\"}", "truncatedAlerts": 0})
}

fn alert(status: &str, fingerprint: &str, severity: &str, instance: &str, starts: &str) -> Value {
    let ends = if status == "firing" { "0001-01-01T00:00:00Z".to_owned() } else { "2026-03-02T01:30:00Z".to_owned() };
    json!({"status": status, "labels": {"alertname": "HostDown", "instance": instance, "job": "node", "severity": severity},
           "annotations": {"summary": format!("{instance} 不可达"), "description": "node_exporter 连续 1 分钟无响应"},
           "startsAt": starts, "endsAt": ends, "generatorURL": "http://prom:9090/graph?g0.expr=up%3D%3D0", "fingerprint": fingerprint})
}

impl Mon {
    async fn post(&self, path: &str, body: Value) -> Resp {
        self.t.api(Method::POST, &format!("/api/v1/projects/mon/alerts/{path}"), Some(&self.sender), Some(body)).await
    }

    async fn incidents(&self) -> Vec<Value> {
        let r = self.t.api(Method::GET, "/api/v1/projects/mon/incidents", Some(&self.eng), None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.json()["items"].as_array().cloned().unwrap_or_default()
    }

    async fn incident(&self, id: i64) -> Value {
        let r = self.t.api(Method::GET, &format!("/api/v1/incidents/{id}"), Some(&self.eng), None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.json()
    }
}

#[tokio::test]
async fn a_resent_alert_opens_one_incident_and_its_recovery_resolves_it() {
    let m = mon().await;
    let body = json!({"name": "HIS 数据库服务器", "type": "server", "ips": ["10.1.2.3"]});
    let r = m.t.api(Method::POST, "/api/v1/projects/mon/cis", Some(&m.eng), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let ci = r.json()["id"].as_i64().expect("ci");

    let firing = am("firing", vec![alert("firing", "fp-his", "critical", "10.1.2.3:9100", "2026-03-02T00:58:00Z")]);
    let r = m.post("alertmanager", firing.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    assert_eq!((v["accepted"].as_u64(), v["resent"].as_u64()), (Some(1), Some(0)));
    let a = &v["alerts"][0];
    assert_eq!(
        (a["state"].as_str(), a["severity"].as_str(), a["ci_id"].as_i64()),
        (Some("done"), Some("P1"), Some(ci))
    );
    let inc_id = a["incident_id"].as_i64().expect("incident opened");
    // Alertmanager repeats the notification every repeat_interval: nothing new.
    for _ in 0..3 {
        let r = m.post("alertmanager", firing.clone()).await;
        assert_eq!((r.json()["accepted"].as_u64(), r.json()["resent"].as_u64()), (Some(0), Some(1)), "{}", r.body);
        assert_eq!(r.json()["alerts"][0]["incident_id"].as_i64(), Some(inc_id));
    }
    assert_eq!(m.incidents().await.len(), 1);
    assert_eq!(m.t.tdb.scalar("SELECT receive_count FROM alerts").await, 4);

    let inc = m.incident(inc_id).await;
    assert_eq!((inc["channel"].as_str(), inc["severity"].as_str()), (Some("monitoring"), Some("P1")));
    assert_eq!(inc["title"], "【监控】10.1.2.3:9100 不可达");
    assert_eq!(inc["reported_at"], "2026-03-02T00:58:00.000000Z", "the clocks run from when the alert started");
    assert_eq!(inc["cis"], json!([{"id": ci, "name": "HIS 数据库服务器"}]));
    let d = inc["description"].as_str().unwrap_or_default();
    assert!(d.contains("node_exporter 连续 1 分钟无响应") && d.contains("instance=10.1.2.3:9100"), "{d}");

    // The engineer takes it; the recovery resolves it (rule: critical resolves on recovery).
    let r =
        m.t.api(
            Method::POST,
            &format!("/api/v1/incidents/{inc_id}/events"),
            Some(&m.eng),
            Some(json!({"type": "respond"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    m.t.clock.advance(chrono::Duration::minutes(40));
    let resolved =
        am("resolved", vec![alert("resolved", "fp-his", "critical", "10.1.2.3:9100", "2026-03-02T00:58:00Z")]);
    let r = m.post("alertmanager", resolved.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!((r.json()["accepted"].as_u64(), r.json()["alerts"][0]["status"].as_str()), (Some(1), Some("resolved")));
    let inc = m.incident(inc_id).await;
    assert_eq!(inc["status"], "resolved", "proposed resolution; the hospital still confirms");
    let last = inc["events"].as_array().and_then(|e| e.last()).cloned().unwrap_or_default();
    assert_eq!(last["type"], "resolve");
    assert!(last["note"].as_str().is_some_and(|n| n.starts_with("监控告警已恢复")), "{last}");
    // The resolved notification sent again changes nothing.
    let r = m.post("alertmanager", resolved).await;
    assert_eq!(r.json()["resent"].as_u64(), Some(1), "{}", r.body);
    assert_eq!(m.incident(inc_id).await["events"].as_array().map(Vec::len), inc["events"].as_array().map(Vec::len));

    // Firing again later while the incident awaits confirmation: added to it, no second incident.
    let again = am("firing", vec![alert("firing", "fp-his", "critical", "10.1.2.3:9100", "2026-03-02T02:00:00Z")]);
    m.t.clock.advance(chrono::Duration::minutes(30));
    let r = m.post("alertmanager", again).await;
    assert_eq!(r.json()["alerts"][0]["incident_id"].as_i64(), Some(inc_id), "{}", r.body);
    assert_eq!(m.incidents().await.len(), 1);
    let last = m.incident(inc_id).await["events"].as_array().and_then(|e| e.last()).cloned().unwrap_or_default();
    assert!(last["note"].as_str().is_some_and(|n| n.starts_with("同一告警再次触发")), "{last}");
}

#[tokio::test]
async fn the_contract_rules_decide_what_an_alert_opens() {
    let m = mon().await;
    let body = am(
        "firing",
        vec![
            alert("firing", "fp-warn", "warning", "10.9.9.9:9100", "2026-03-02T00:50:00Z"),
            alert("firing", "fp-info", "info", "10.9.9.8:9100", "2026-03-02T00:50:00Z"),
        ],
    );
    let r = m.post("alertmanager", body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    assert_eq!(v["alerts"][0]["severity"], "P3", "no rule: the contract's default");
    assert_eq!(v["alerts"][0]["ci_id"], Value::Null, "no CI holds that address");
    assert_eq!((v["alerts"][1]["severity"].clone(), v["alerts"][1]["incident_id"].clone()), (Value::Null, Value::Null));
    assert_eq!(v["alerts"][1]["note"], "合同规则：只记录，不开单");
    assert_eq!(m.incidents().await.len(), 1);
    // Resolved without the rule: a work-log entry only.
    let r = m
        .post(
            "alertmanager",
            am("resolved", vec![alert("resolved", "fp-warn", "warning", "10.9.9.9:9100", "2026-03-02T00:50:00Z")]),
        )
        .await;
    let id = r.json()["alerts"][0]["incident_id"].as_i64().expect("incident");
    let inc = m.incident(id).await;
    assert_eq!(inc["status"], "reported");
    let list = m.t.api(Method::GET, "/api/v1/projects/mon/alerts", Some(&m.eng), None).await;
    assert_eq!(list.json()["items"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn zabbix_problems_and_recoveries_pair_by_event() {
    let m = mon().await;
    let problem = json!({"event_id": "5021", "value": "1", "severity": "4", "host": "lis-app01", "host_ip": "10.2.0.7",
                         "trigger": "LIS 服务进程停止", "started_at": "2026.03.02 08:55:00", "message": "lis.service inactive",
                         "url": "http://zabbix/tr_events.php?eventid=5021"});
    let r = m.post("zabbix", problem.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let a = &r.json()["alerts"][0];
    assert_eq!(
        (a["severity"].as_str(), a["fingerprint"].as_str()),
        (Some("P1"), Some("zabbix:5021")),
        "high from Zabbix is P1 by rule"
    );
    let id = a["incident_id"].as_i64().expect("incident");
    assert_eq!(
        m.incident(id).await["reported_at"],
        "2026-03-02T00:55:00.000000Z",
        "Zabbix times are the project's local time"
    );
    assert_eq!(m.post("zabbix", problem.clone()).await.json()["resent"], 1);
    let mut recovery = problem;
    recovery["value"] = json!("0");
    recovery["recovered_at"] = json!("2026.03.02 09:10:00");
    let r = m.post("zabbix", recovery).await;
    assert_eq!(
        (r.json()["alerts"][0]["status"].as_str(), r.json()["alerts"][0]["incident_id"].as_i64()),
        (Some("resolved"), Some(id))
    );
    assert_eq!(m.incidents().await.len(), 1);
}

#[tokio::test]
async fn a_failed_backup_raises_an_alert_and_the_next_success_clears_it() {
    let m = mon().await;
    let failed = json!({"job": "HIS 全库备份", "success": false, "started_at": "2026-03-02T02:00:00+08:00",
                        "ended_at": "2026-03-02T02:40:00+08:00", "error": "ORA-19502: write error on file", "host": "his-db01"});
    let r = m.post("backup", failed).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    assert!(v["id"].as_i64().is_some());
    let id = v["alerts"][0]["incident_id"].as_i64().expect("incident");
    let inc = m.incident(id).await;
    assert_eq!(inc["title"], "【监控】备份作业失败：HIS 全库备份");
    assert!(inc["description"].as_str().is_some_and(|d| d.contains("ORA-19502")), "{inc}");
    let ok = json!({"job": "HIS 全库备份", "success": true, "started_at": "2026-03-03T02:00:00+08:00",
                    "ended_at": "2026-03-03T02:35:00+08:00", "size_bytes": 53687091200i64});
    let r = m.post("backup", ok).await;
    assert_eq!(r.json()["alerts"][0]["status"], "resolved", "{}", r.body);
    assert_eq!(m.t.tdb.scalar("SELECT COUNT(*) FROM backup_reports").await, 2);
    let r = m.post("backup", json!({"job": "x", "success": false, "started_at": "2026-03-03T02:00:00+08:00", "ended_at": "2026-03-03T01:00:00+08:00"})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let fields: Vec<String> = r.json()["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["field"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(fields, ["ended_at", "error"]);
    assert_eq!(m.t.tdb.scalar("SELECT COUNT(*) FROM backup_reports").await, 2);
}

#[tokio::test]
async fn malformed_payloads_are_a_400_naming_the_field_and_store_nothing() {
    let m = mon().await;
    let good = alert("firing", "fp-1", "critical", "10.1.2.3:9100", "2026-03-02T00:58:00Z");
    let mut no_name = good.clone();
    no_name["labels"].as_object_mut().map(|l| l.remove("alertname"));
    let mut bad_time = good.clone();
    bad_time["startsAt"] = json!("yesterday");
    let cases = [
        (am("firing", vec![good.clone(), no_name]), "alerts[1].labels.alertname"),
        (am("firing", vec![bad_time]), "alerts[0].startsAt"),
        (
            {
                let mut b = am("firing", vec![good.clone()]);
                b["version"] = json!("3");
                b
            },
            "version",
        ),
        (
            {
                let mut b = am("firing", vec![good.clone()]);
                b.as_object_mut().map(|o| o.remove("alerts"));
                b
            },
            "alerts",
        ),
    ];
    for (body, field) in cases {
        let r = m.post("alertmanager", body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{field}: {}", r.body);
        assert_eq!(r.json()["errors"][0]["field"], field, "{}", r.body);
    }
    let r =
        m.t.send(
            axum::http::Request::post("/api/v1/projects/mon/alerts/alertmanager")
                .header("authorization", format!("Bearer {}", m.sender))
                .header("content-type", "application/json")
                .body(axum::body::Body::from("{\"version\": \"4\", \"alerts\": ["))
                .expect("request"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("第 1 行"), "{}", r.body);
    let z = m.post("zabbix", json!({"event_id": "{EVENT.ID}", "value": "2", "severity": "9", "host": "h", "trigger": "t", "started_at": "soon"})).await;
    assert_eq!(z.status, StatusCode::BAD_REQUEST);
    let fields: Vec<String> = z.json()["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["field"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(fields, ["event_id", "value", "severity", "started_at"]);
    assert_eq!(m.t.tdb.scalar("SELECT COUNT(*) FROM alerts").await, 0);
    assert_eq!(m.t.tdb.scalar("SELECT COUNT(*) FROM incidents").await, 0);

    // Without a token: 401; another project's reporter: 404; an auditor cannot report: 403.
    let r =
        m.t.api(Method::POST, "/api/v1/projects/mon/alerts/alertmanager", None, Some(am("firing", vec![good.clone()])))
            .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r =
        m.t.api(
            Method::POST,
            "/api/v1/projects/mon/alerts/alertmanager",
            Some(&m.outsider),
            Some(am("firing", vec![good])),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn alerts_left_pending_are_acted_on_once_even_by_two_processes() {
    let m = mon().await;
    let firing = am(
        "firing",
        vec![
            alert("firing", "fp-a", "critical", "10.1.2.3:9100", "2026-03-02T00:58:00Z"),
            alert("firing", "fp-b", "warning", "10.1.2.4:9100", "2026-03-02T00:58:00Z"),
        ],
    );
    assert_eq!(m.post("alertmanager", firing).await.status, StatusCode::OK);
    // Storing queued one job per firing occurrence; acting at once cancelled them.
    assert_eq!(
        m.t.tdb.scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'monitoring.alert' AND status = 'cancelled'").await,
        2
    );
    // The state a crash between storing the alerts and acting on them leaves: stored, pending,
    // nothing linked, their jobs queued (the incidents already opened stand for transactions
    // that were lost).
    m.t.tdb.raw("UPDATE alerts SET state = 'pending', incident_id = NULL, severity = NULL, ci_id = NULL").await;
    m.t.tdb.raw("UPDATE jobs SET status = 'queued', finished_at = NULL WHERE kind = 'monitoring.alert'").await;
    let before = m.t.tdb.scalar("SELECT COUNT(*) FROM incidents").await;
    // Two `yunwei serve` processes on one database run their job pass at the same moment.
    let other = yunwei_app::App::new(m.t.tdb.second().await, m.t.clock.clone(), yunwei_app::AuthSettings::default());
    let (a, b) =
        tokio::join!(yunwei_app::monitoring::act_on_queued(&m.t.app), yunwei_app::monitoring::act_on_queued(&other));
    // A job is claimed by one of them; a pass that finds its occurrence done skips it.
    let acted = a.unwrap_or(0) + b.unwrap_or(0);
    let left = yunwei_app::monitoring::act_on_queued(&m.t.app).await.expect("pass");
    assert_eq!(acted + left, 2, "each alert acted on once");
    assert_eq!(m.t.tdb.scalar("SELECT COUNT(*) FROM incidents").await, before + 2, "one incident per alert");
    assert_eq!(m.t.tdb.scalar("SELECT COUNT(*) FROM alerts WHERE state = 'pending'").await, 0);
    assert_eq!(m.t.tdb.scalar("SELECT COUNT(*) FROM alerts WHERE incident_id IS NULL").await, 0);
    assert_eq!(yunwei_app::monitoring::act_on_queued(&m.t.app).await.expect("pass"), 0, "nothing left");
    assert_eq!(
        m.t.tdb.scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'monitoring.alert' AND status = 'done'").await,
        2
    );
}

/// The script of `contrib/zabbix/yunwei_media_type.yaml`, run as Zabbix runs it (a function of
/// `value`, the parameters as JSON) under node with Zabbix's `HttpRequest` recording the request;
/// the recorded request is then sent to yunwei.
#[tokio::test]
async fn the_zabbix_media_type_sends_what_the_endpoint_takes() {
    let Some(node) = ["/usr/bin/node", "/usr/local/bin/node"].into_iter().find(|p| std::path::Path::new(p).is_file())
    else {
        assert!(std::env::var_os("CI").is_none(), "node not installed; .ci/run installs it");
        eprintln!("Zabbix media type test skipped: node not found");
        return;
    };
    let yaml = include_str!("../../../../contrib/zabbix/yunwei_media_type.yaml");
    let mut script = String::new();
    let mut params = Vec::new();
    let mut in_script = false;
    for line in yaml.lines() {
        let indent = line.len() - line.trim_start().len();
        if in_script {
            if !line.trim().is_empty() && indent <= 6 {
                in_script = false;
            } else {
                script.push_str(line.get(8..).unwrap_or_default());
                script.push('\n');
                continue;
            }
        }
        if line.trim() == "script: |" {
            in_script = true;
        } else if let Some(name) = line.trim().strip_prefix("- name: ").filter(|_| indent == 8) {
            params.push(name.to_owned());
        }
    }
    assert!(script.contains("new HttpRequest()"), "script found: {script}");
    let m = mon().await;
    // What Zabbix expands the macros to for a problem (recovery macros stay unexpanded).
    let values = json!({"url": "http://yunwei.test/api/v1/projects/mon/alerts/zabbix", "token": m.sender,
        "event_id": "7001", "value": "1", "severity": "5", "host": "pacs-store01", "host_ip": "10.3.0.5",
        "trigger": "PACS 存储空间不足", "started_at": "2026.03.02 08:30:00",
        "recovered_at": "{EVENT.RECOVERY.DATE} {EVENT.RECOVERY.TIME}", "message": "/data 使用率 97%",
        "event_url": "http://zabbix/tr_events.php?triggerid=1&eventid=7001"});
    let mut names: Vec<String> = values.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
    names.sort();
    params.sort();
    assert_eq!(params, names, "the media type's parameters are the ones this test expands");
    let program = format!(
        "var sent = {{headers: []}};\n\
         function HttpRequest() {{}}\n\
         HttpRequest.prototype.addHeader = function (h) {{ sent.headers.push(h); }};\n\
         HttpRequest.prototype.post = function (url, body) {{ sent.url = url; sent.body = body; return '{{}}'; }};\n\
         HttpRequest.prototype.getStatus = function () {{ return 200; }};\n\
         var Zabbix = {{ log: function () {{}} }};\n\
         var result = (function (value) {{\n{script}\n}})({});\n\
         sent.result = result;\n\
         process.stdout.write(JSON.stringify(sent));\n",
        serde_json::to_string(&values.to_string()).expect("json")
    );
    let out = std::process::Command::new(node).arg("-e").arg(&program).output().expect("run node");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let sent: Value = serde_json::from_slice(&out.stdout).expect("recorded request");
    assert_eq!(sent["result"], "OK");
    assert_eq!(sent["url"], "http://yunwei.test/api/v1/projects/mon/alerts/zabbix");
    let headers: Vec<String> =
        sent["headers"].as_array().into_iter().flatten().filter_map(|h| h.as_str().map(str::to_owned)).collect();
    assert!(headers.contains(&format!("Authorization: Bearer {}", m.sender)), "{headers:?}");
    let body: Value = serde_json::from_str(sent["body"].as_str().unwrap_or_default()).expect("body");
    let r = m.post("zabbix", body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let a = &r.json()["alerts"][0];
    assert_eq!((a["fingerprint"].as_str(), a["status"].as_str()), (Some("zabbix:7001"), Some("firing")));
    let inc = m.incident(a["incident_id"].as_i64().expect("incident")).await;
    assert_eq!(inc["title"], "【监控】PACS 存储空间不足（pacs-store01）");
    assert!(inc["description"].as_str().is_some_and(|d| d.contains("/data 使用率 97%")), "{inc}");
}

#[tokio::test]
async fn a_backup_job_without_its_daily_report_raises_an_alert_once() {
    let m = mon().await;
    m.t.user("it1", false).await;
    m.t.grant("mon", "it1", "hospital_it").await;
    let it = m.t.token("it1").await;
    let path = "/api/v1/projects/mon/backup-jobs/HIS%20%E5%85%A8%E5%BA%93%E5%A4%87%E4%BB%BD";
    let r = m.t.api(Method::PUT, path, Some(&m.sender), Some(json!({"expected_by": "06:00"}))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "the monitoring token reports; it does not set up jobs");
    let r = m.t.api(Method::PUT, path, Some(&it), Some(json!({"expected_by": "6 点"}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Set up on Monday 2 March 09:00; due every day by 06:00.
    let r = m.t.api(Method::PUT, path, Some(&it), Some(json!({"expected_by": "06:00", "host": "his-db01"}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["job"], "HIS 全库备份");
    assert_eq!(
        yunwei_app::monitoring::check_backups(&m.t.app).await.expect("check"),
        0,
        "this morning is before it was set up"
    );
    // Tuesday 03:00 the report comes; Tuesday 06:00 passes: nothing to say.
    m.t.clock
        .set(chrono::DateTime::parse_from_rfc3339("2026-03-03T03:00:00+08:00").expect("t").with_timezone(&chrono::Utc));
    let ok = json!({"job": "HIS 全库备份", "success": true, "started_at": "2026-03-03T02:00:00+08:00", "ended_at": "2026-03-03T02:50:00+08:00"});
    assert_eq!(m.post("backup", ok).await.status, StatusCode::OK);
    m.t.clock
        .set(chrono::DateTime::parse_from_rfc3339("2026-03-03T07:00:00+08:00").expect("t").with_timezone(&chrono::Utc));
    assert_eq!(yunwei_app::monitoring::check_backups(&m.t.app).await.expect("check"), 0);
    // Wednesday: no report by 06:00. One alert and one incident, however often the check runs.
    m.t.clock
        .set(chrono::DateTime::parse_from_rfc3339("2026-03-04T06:00:01+08:00").expect("t").with_timezone(&chrono::Utc));
    assert_eq!(yunwei_app::monitoring::check_backups(&m.t.app).await.expect("check"), 1);
    assert_eq!(yunwei_app::monitoring::check_backups(&m.t.app).await.expect("check"), 0);
    let incidents = m.incidents().await;
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0]["title"], "【监控】备份作业未按时报告：HIS 全库备份");
    // The late report resolves the alert and logs it on the incident.
    let late = json!({"job": "HIS 全库备份", "success": true, "started_at": "2026-03-04T06:30:00+08:00", "ended_at": "2026-03-04T07:10:00+08:00"});
    m.t.clock
        .set(chrono::DateTime::parse_from_rfc3339("2026-03-04T07:15:00+08:00").expect("t").with_timezone(&chrono::Utc));
    let r = m.post("backup", late).await;
    assert_eq!(r.json()["alerts"][0]["status"], "resolved", "{}", r.body);
    let jobs = m.t.api(Method::GET, "/api/v1/projects/mon/backup-jobs", Some(&m.eng), None).await;
    assert_eq!(
        (jobs.json()[0]["last_success"].as_bool(), jobs.json()[0]["expected_by"].as_str()),
        (Some(true), Some("06:00"))
    );
    // The job as the list gave it goes back with one field edited; its name and latest report
    // are read-only, and a typo stays an error.
    let mut item = jobs.json()[0].clone();
    item["expected_by"] = json!("05:30");
    let mut forged = item.clone();
    forged["last_success"] = json!(false);
    let r = m.t.api(Method::PUT, path, Some(&it), Some(forged)).await;
    assert_eq!(
        (r.status, r.json()["errors"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("last_success"))
    );
    let mut typo = item.clone();
    typo["hots"] = json!("x");
    let r = m.t.api(Method::PUT, path, Some(&it), Some(typo)).await;
    assert_eq!((r.status, r.json()["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("hots")));
    let r = m.t.api(Method::PUT, path, Some(&it), Some(item)).await;
    assert_eq!(r.status, StatusCode::OK, "takes back what the list gave: {}", r.body);
    assert_eq!(r.json()["expected_by"], "05:30");
}
