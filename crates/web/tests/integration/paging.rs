//! Every list that grows with use answers `{"items", "next_cursor"}`: `limit=1` walks it one item
//! at a time along `next_cursor`, newest first, and `limit=1000` is clamped, not refused.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use yunwei_domain::identity::Role::*;

use crate::support::{TestApp, TestSite};

/// A site with the example contract (project `demo`) and `it`, its hospital IT member.
async fn site() -> TestSite {
    TestApp::site().preset("example").members(&[("it", HospitalIt)]).tokens().build().await
}

async fn get(t: &TestApp, token: &str, url: &str) -> Value {
    let r = t.api(Method::GET, url, Some(token), None).await;
    assert_eq!(r.status, StatusCode::OK, "{url}: {}", r.body);
    r.json()
}

/// Walks `url` (at least two items, `key` falling from one to the next): two pages of one, then
/// everything at once with a limit above the largest page.
async fn walk(t: &TestApp, token: &str, url: &str, key: &str) {
    let sep = if url.contains('?') { '&' } else { '?' };
    let first = get(t, token, &format!("{url}{sep}limit=1")).await;
    assert_eq!(first["items"].as_array().map(Vec::len), Some(1), "{first}");
    let cursor = first["next_cursor"].as_str().unwrap_or_else(|| panic!("{url}: a next page: {first}"));
    let second = get(t, token, &format!("{url}{sep}limit=1&cursor={cursor}")).await;
    assert_eq!(second["items"].as_array().map(Vec::len), Some(1), "{second}");
    let (a, b) = (first["items"][0][key].as_i64(), second["items"][0][key].as_i64());
    assert!(a.zip(b).is_some_and(|(a, b)| b < a), "{url}: newest first, {a:?} then {b:?}");

    let all = get(t, token, &format!("{url}{sep}limit=1000")).await;
    let items = all["items"].as_array().expect("items");
    assert!(items.len() >= 2 && items.len() <= 200, "{url}: {} items", items.len());
    assert_eq!(items[0][key].as_i64(), a, "{url}: the same first item");
    assert_eq!(items[1][key].as_i64(), b, "{url}: the same second item");
    assert_eq!(all["next_cursor"], Value::Null, "{url}: everything on one page");
}

async fn report(s: &TestSite, title: &str) -> i64 {
    let body = json!({"title": title, "severity": "P3", "channel": "phone"});
    let r = s.t.api(Method::POST, "/api/v1/projects/demo/incidents", Some(&s.token("it")), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_i64().expect("id")
}

async fn create_ci(s: &TestSite, name: &str) -> i64 {
    let body = json!({"name": name, "type": "server"});
    let r = s.t.api(Method::POST, "/api/v1/projects/demo/cis", Some(&s.token("it")), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_i64().expect("id")
}

#[tokio::test]
async fn incidents_are_paged() {
    let s = site().await;
    for title in ["打印机卡纸", "PACS 无法调阅", "门诊挂号缓慢"] {
        report(&s, title).await;
    }
    walk(&s.t, &s.token("it"), "/api/v1/projects/demo/incidents", "id").await;
    let range = "reported_from=2026-03-01T00:00:00%2B08:00&reported_to=2026-03-03T00:00:00%2B08:00";
    walk(&s.t, &s.token("it"), &format!("/api/v1/projects/demo/incidents?{range}"), "id").await;
}

#[tokio::test]
async fn the_audit_trail_is_paged() {
    let s = site().await;
    report(&s, "打印机卡纸").await;
    report(&s, "PACS 无法调阅").await;
    walk(&s.t, &s.token("it"), "/api/v1/projects/demo/audit", "id").await;
}

#[tokio::test]
async fn cis_are_paged() {
    let s = site().await;
    for name in ["his-app01", "his-app02", "lis-db01"] {
        create_ci(&s, name).await;
    }
    walk(&s.t, &s.token("it"), "/api/v1/projects/demo/cis", "id").await;
    walk(&s.t, &s.token("it"), "/api/v1/projects/demo/cis?text=his", "id").await;
}

#[tokio::test]
async fn a_ci_s_history_is_paged() {
    let s = site().await;
    let id = create_ci(&s, "his-app01").await;
    for (version, model) in [(1, "R740"), (2, "R750")] {
        let r =
            s.t.api_with(
                Method::PUT,
                &format!("/api/v1/cis/{id}"),
                Some(&s.token("it")),
                Some(json!({"name": "his-app01", "type": "server", "model": model})),
                &[("if-match", &format!("\"{version}\""))],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    walk(&s.t, &s.token("it"), &format!("/api/v1/cis/{id}/history"), "revision").await;
}

#[tokio::test]
async fn alerts_are_paged() {
    let s = site().await;
    for (fingerprint, instance) in [("a1", "10.1.0.1:9100"), ("a2", "10.1.0.2:9100"), ("a3", "10.1.0.3:9100")] {
        let alert = json!({"status": "firing",
            "labels": {"alertname": "DiskFull", "instance": instance, "severity": "info"},
            "annotations": {"summary": format!("{instance} 磁盘将满")},
            "startsAt": "2026-03-02T00:55:00Z", "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prom:9090/graph", "fingerprint": fingerprint});
        let body = json!({"receiver": "yunwei", "status": "firing", "alerts": [alert],
            "groupLabels": {"alertname": "DiskFull"}, "commonLabels": {}, "commonAnnotations": {},
            "externalURL": "http://am:9093", "version": "4", "groupKey": "{}:{alertname=\"DiskFull\"}",
            "truncatedAlerts": 0});
        let r =
            s.t.api(Method::POST, "/api/v1/projects/demo/alerts/alertmanager", Some(&s.token("it")), Some(body)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    walk(&s.t, &s.token("it"), "/api/v1/projects/demo/alerts", "id").await;
}

#[tokio::test]
async fn in_app_messages_are_paged() {
    let s = site().await;
    let incident = report(&s, "打印机卡纸").await;
    let project = s.t.stored_project("demo").await.id;
    let now = s.t.app.now();
    let mut messages = Vec::new();
    for subject in ["一", "二", "三"] {
        messages.push(yunwei_app::notify::NotificationRow {
            id: 0,
            project_id: project,
            incident_id: Some(incident),
            user_id: Some(s.id("it")),
            channel_id: None,
            channel: "in_app".into(),
            address: "it".into(),
            kind: "escalation".into(),
            subject: format!("【升级】{subject}"),
            body: String::new(),
            status: "sent".into(),
            attempts: 1,
            next_attempt_at: now,
            last_error: None,
            created_at: now,
            sent_at: Some(now),
            read_at: None,
        });
    }
    yunwei_app::testing::queue_notifications(&s.t.app, &messages).await.expect("enqueue");
    walk(&s.t, &s.token("it"), "/api/v1/me/notifications", "id").await;
}

#[tokio::test]
async fn users_are_paged() {
    let s = site().await;
    s.t.user("root", true).await;
    s.t.user("zhang", false).await;
    walk(&s.t, &s.t.token("root").await, "/api/v1/users", "id").await;
}

#[tokio::test]
async fn inspections_are_paged_latest_planned_first() {
    let s = TestApp::site().preset("example").members(&[("it", HospitalIt), ("e1", Engineer)]).tokens().build().await;
    let eng = s.token("e1");
    let mut ids = Vec::new();
    for day in ["2026-04-02", "2026-04-02", "2026-04-01"] {
        let body = json!({"template": "health_checkup_server", "planned_for": day});
        let r = s.t.api(Method::POST, "/api/v1/projects/demo/inspections", Some(&eng), Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        ids.push(r.json()["id"].as_i64().expect("id"));
    }
    // Latest planned first, newest first within a day: the cursor carries both.
    let mut seen = Vec::new();
    let mut url = "/api/v1/projects/demo/inspections?limit=1".to_owned();
    loop {
        let page = get(&s.t, &s.token("it"), &url).await;
        seen.extend(page["items"].as_array().into_iter().flatten().filter_map(|i| i["id"].as_i64()));
        match page["next_cursor"].as_str() {
            Some(c) => url = format!("/api/v1/projects/demo/inspections?limit=1&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, [ids[1], ids[0], ids[2]]);
    let all = get(&s.t, &s.token("it"), "/api/v1/projects/demo/inspections?limit=1000").await;
    assert_eq!(all["items"].as_array().map(Vec::len), Some(3), "clamped, not refused");
    let r = s.t.api(Method::GET, "/api/v1/projects/demo/inspections?cursor=bogus", Some(&s.token("it")), None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}
