//! The monitoring page (监控告警): alerts newest first with what became of each (the incident
//! and the CI), resends counted, recoveries shown; backup jobs set up through the form and their
//! latest reports; the intake URLs of this project; paging; who may see and change what.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};

use yunwei_domain::identity::Role::*;

use crate::support::{Resp, TestApp};

struct Site {
    t: TestApp,
    /// The monitoring system's API token (a reporter of `xj`).
    sender: String,
    eng: (String, String),
    it: (String, String),
    reporter: (String, String),
    outsider: (String, String),
}

async fn site() -> Site {
    let s = TestApp::site()
        .preset("seed-000")
        .project("xj")
        .members(&[("e1", Engineer), ("it1", HospitalIt), ("r1", Reporter)])
        .other("other", &[("e2", Engineer)])
        .sessions()
        .build()
        .await;
    s.t.user("prom", false).await;
    s.t.grant("xj", "prom", "reporter").await;
    let sender = s.t.token("prom").await;
    let (eng, it, reporter, outsider) = (s.session("e1"), s.session("it1"), s.session("r1"), s.session("e2"));
    Site { t: s.t, sender, eng, it, reporter, outsider }
}

fn am(alerts: Vec<Value>) -> Value {
    json!({"receiver": "yunwei", "status": "firing", "alerts": alerts, "groupLabels": {}, "commonLabels": {},
           "commonAnnotations": {}, "externalURL": "http://am:9093", "version": "4", "groupKey": "{}:{}", "truncatedAlerts": 0})
}

fn alert(status: &str, fingerprint: &str, instance: &str) -> Value {
    let ends = if status == "firing" { "0001-01-01T00:00:00Z" } else { "2026-03-02T01:00:00Z" };
    json!({"status": status, "labels": {"alertname": "HostDown", "instance": instance, "severity": "warning"},
           "annotations": {"summary": format!("{instance} 不可达")}, "startsAt": "2026-03-02T00:30:00Z",
           "endsAt": ends, "generatorURL": "http://prom:9090/graph", "fingerprint": fingerprint})
}

impl Site {
    async fn get(&self, who: &(String, String), path: &str) -> Resp {
        self.t.page(Method::GET, path, Some(&who.0), None).await
    }

    async fn post(&self, who: &(String, String), path: &str, fields: &[(&str, &str)]) -> Resp {
        let mut form = vec![("_csrf", who.1.as_str())];
        form.extend_from_slice(fields);
        self.t.page(Method::POST, path, Some(&who.0), Some(&form)).await
    }

    async fn send(&self, path: &str, body: Value) -> Resp {
        let r = self
            .t
            .api(Method::POST, &format!("/api/v1/projects/xj/alerts/{path}"), Some(&self.sender), Some(body))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r
    }
}

#[tokio::test]
async fn alerts_show_their_incident_and_ci_and_backup_jobs_are_set_up_on_the_page() {
    let s = site().await;
    let it_token = s.t.token("it1").await;
    let ci = json!({"name": "PACS-SRV-01", "type": "server", "ips": ["10.1.2.3"]});
    let r = s.t.api(Method::POST, "/api/v1/projects/xj/cis", Some(&it_token), Some(ci)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let ci = r.json()["id"].as_i64().expect("id");

    // The module is built and in the navigation; nothing has come in yet, so the help is open.
    let project = s.get(&s.eng, "/p/xj").await;
    assert!(project.body.contains("href=\"/p/xj/alerts\" data-module=\"monitoring\">监控告警</a>"), "{}", project.body);
    let empty = s.get(&s.eng, "/p/xj/alerts").await;
    assert_eq!(empty.status, StatusCode::OK, "{}", empty.body);
    for needle in [
        "还没有收到告警",
        "<details class=\"card intake\" id=\"intake\" open>",
        "还没有设置备份作业",
        "Authorization: Bearer 令牌",
    ] {
        assert!(empty.body.contains(needle), "{needle}: {}", empty.body);
    }
    assert!(!empty.body.contains("设置备份作业</summary>"), "engineers do not set up jobs");

    // One alert on the PACS server, sent twice; one on an unknown host, recovered.
    s.send("alertmanager", am(vec![alert("firing", "fp-pacs", "10.1.2.3:9100")])).await;
    s.send("alertmanager", am(vec![alert("firing", "fp-pacs", "10.1.2.3:9100")])).await;
    s.send("alertmanager", am(vec![alert("firing", "fp-lis", "10.9.9.9:9100")])).await;
    s.send("alertmanager", am(vec![alert("resolved", "fp-lis", "10.9.9.9:9100")])).await;
    let page = s.get(&s.eng, "/p/xj/alerts").await;
    for needle in [
        "<span class=\"status al-firing\">告警中</span>",
        "<span class=\"status al-resolved\">已恢复</span>",
        "<b>10.1.2.3:9100 不可达</b>",
        "Prometheus 告警 · 10.1.2.3:9100",
        "2026-03-02 08:30",
        "恢复 2026-03-02 09:00",
        "2 次",
        &format!("<a href=\"/p/xj/cis/{ci}\">PACS-SRV-01</a>"),
        "<a href=\"/p/xj/incidents/1\">INC-2026-000001</a>",
        "已开故障 INC-2026-000001",
        "<span class=\"sev-tag\">P3</span>",
        "http://本服务器地址/api/v1/projects/xj/alerts/alertmanager",
    ] {
        assert!(page.body.contains(needle), "{needle}: {}", page.body);
    }
    // Newest first: the LIS alert (second stored) above the PACS one.
    let (lis, pacs) = (page.body.find("10.9.9.9:9100 不可达"), page.body.find("10.1.2.3:9100 不可达"));
    assert!(lis < pacs, "newest first");
    assert!(!page.body.contains("<details class=\"card intake\" id=\"intake\" open>"));

    // The hospital's IT department sets up the nightly backup; a bad time names the field.
    let r = s.post(&s.it, "/p/xj/backup-jobs", &[("job", "HIS 全库备份"), ("expected_by", "6点"), ("host", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("备份作业未保存：最晚报告时间：须为当地时间，例如 06:00"), "{}", r.body);
    assert!(r.body.contains("name=\"job\" value=\"HIS 全库备份\""), "what was typed stays");
    let r = s
        .post(&s.it, "/p/xj/backup-jobs", &[("job", "HIS 全库备份"), ("expected_by", "06:00"), ("host", "10.1.2.3")])
        .await;
    assert_eq!((r.status, r.header("location")), (StatusCode::SEE_OTHER, Some("/p/xj/alerts#backup")), "{}", r.body);
    let page = s.get(&s.it, "/p/xj/alerts").await;
    for needle in [
        "<b>HIS 全库备份</b>",
        "每天 06:00",
        "<span class=\"status bk-none\">尚无报告</span>",
        "设置备份作业</summary>",
    ] {
        assert!(page.body.contains(needle), "{needle}: {}", page.body);
    }
    // Its reports: a success, then a failure with its reason.
    let report = |success: bool, error: Option<&str>| {
        json!({"job": "HIS 全库备份", "success": success, "started_at": "2026-03-02T02:00:00+08:00",
               "ended_at": "2026-03-02T03:10:00+08:00", "size_bytes": 53_687_091_200_i64, "error": error})
    };
    s.send("backup", report(true, None)).await;
    let page = s.get(&s.eng, "/p/xj/alerts").await;
    assert!(
        page.body.contains("<span class=\"status bk-ok\">成功</span>") && page.body.contains("50.0 GB"),
        "{}",
        page.body
    );
    assert!(page.body.contains("2026-03-02 03:10"));
    s.send("backup", report(false, Some("ORA-19502: 写入错误"))).await;
    let page = s.get(&s.eng, "/p/xj/alerts").await;
    assert!(page.body.contains("<span class=\"status bk-failed\">失败</span>"), "{}", page.body);
    assert!(page.body.contains("ORA-19502: 写入错误"));
    assert!(page.body.contains("备份作业"), "the failure is an alert too");

    // Engineers and clinicians read; only the template holders change jobs.
    let r = s.post(&s.eng, "/p/xj/backup-jobs", &[("job", "x"), ("expected_by", "06:00")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(s.get(&s.reporter, "/p/xj/alerts").await.status, StatusCode::OK);
    assert_eq!(s.get(&s.outsider, "/p/xj/alerts").await.status, StatusCode::NOT_FOUND);
    let r = s.post(&s.outsider, "/p/xj/backup-jobs", &[("job", "x"), ("expected_by", "06:00")]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r =
        s.t.page(Method::POST, "/p/xj/backup-jobs", Some(&s.it.0), Some(&[("job", "x"), ("expected_by", "06:00")]))
            .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("表单已失效"));
}

#[tokio::test]
async fn the_intake_urls_name_this_server_and_older_alerts_are_paged() {
    let s = site().await;
    let req = Request::builder()
        .method(Method::GET)
        .uri("/p/xj/alerts")
        .header(header::COOKIE, format!("yunwei_session={}", s.eng.0))
        .header(header::HOST, "yunwei.hospital.local:8080")
        .body(Body::empty())
        .expect("request");
    let page = s.t.send(req).await;
    for path in ["alertmanager", "zabbix", "backup"] {
        let url = format!("<code>http://yunwei.hospital.local:8080/api/v1/projects/xj/alerts/{path}</code>");
        assert!(page.body.contains(&url), "{url}: {}", page.body);
    }

    // 55 alerts in one notification: 50 on the first page, the rest behind 更早的告警.
    let alerts = (0..55).map(|i| alert("firing", &format!("fp-{i}"), &format!("10.8.0.{i}:9100"))).collect();
    s.send("alertmanager", am(alerts)).await;
    let first = s.get(&s.eng, "/p/xj/alerts").await;
    assert_eq!(first.body.matches("<tr id=\"alert-").count(), 50);
    assert!(first.body.contains("10.8.0.54:9100 不可达") && !first.body.contains("10.8.0.4:9100 不可达"));
    let more = "href=\"/p/xj/alerts?before=6#alerts\">更早的告警 ›</a>";
    assert!(first.body.contains(more), "{}", first.body);
    let older = s.get(&s.eng, "/p/xj/alerts?before=6").await;
    assert_eq!(older.body.matches("<tr id=\"alert-").count(), 5);
    assert!(older.body.contains("10.8.0.0:9100 不可达") && older.body.contains("最新的告警"));
    assert!(!older.body.contains("更早的告警 ›"));
}
