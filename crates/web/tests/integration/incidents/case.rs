//! A whole case through the API, severity changes recomputed, bad reports refused.

use super::*;

#[tokio::test]
async fn a_case_from_phone_report_to_hospital_confirmation() {
    // The clock stands at 2026-03-02 09:00 Beijing time (a Monday).
    let d = desk(&seed_003()).await;
    let created =
        d.t.api(
            Method::POST,
            "/api/v1/projects/sd/incidents",
            Some(&d.reporter),
            Some(json!({"title": "门诊挂号系统无法登录", "severity": "P1", "channel": "phone",
                        "reported_at": "2026-03-02T08:50:00+08:00", "department": "门诊部", "ci": ["HIS-APP-01"]})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let inc = created.json();
    let id = inc["id"].as_i64().expect("id");
    assert_eq!(inc["number"], "INC-2026-000001");
    assert_eq!(inc["status"], "reported");
    assert_eq!(created.header("etag"), Some("\"1\""));
    // seed 003: respond 15 min, on site 30 min (not requested yet), resolve 24 h; no remote target.
    assert_eq!(
        inc["sla"],
        json!({
            "respond": {"due": bj("2026-03-02T09:05:00"), "warn_at": bj("2026-03-02T09:01:15"), "stopped_at": null, "met": null, "paused_seconds": 0},
            "onsite": null,
            "resolve": {"due": bj("2026-03-03T08:50:00"), "warn_at": bj("2026-03-03T02:50:00"), "stopped_at": null, "met": null, "paused_seconds": 0},
        })
    );

    let r = d.event(&d.dispatcher, id, json!({"type": "respond", "at": "2026-03-02T08:58:00+08:00"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["sla"]["respond"]["met"], true);
    assert_eq!(r.json()["status"], "in_progress");

    assert_eq!(r.json()["assignee"], "d1", "the responder holds the case until it is assigned");
    // 派单: only to a member who works incidents.
    let to_ward = d.event(&d.dispatcher, id, json!({"type": "assign", "assignee": "r1"})).await;
    assert_eq!(to_ward.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(to_ward.body.contains("\"assignee\""), "{}", to_ward.body);
    let assigned = d
        .event(&d.dispatcher, id, json!({"type": "assign", "assignee": "e1", "at": "2026-03-02T08:58:30+08:00"}))
        .await;
    assert_eq!(assigned.status, StatusCode::OK, "{}", assigned.body);
    assert_eq!(assigned.json()["assignee"], "e1");
    let queue = d.t.api(Method::GET, "/api/v1/projects/sd/incidents?mine=true", Some(&d.engineer), None).await.json();
    assert_eq!(queue["items"][0]["id"].as_i64(), Some(id), "the engineer's queue");

    // Illegal transition: 409 naming the current status; nothing changes.
    let again = d.event(&d.dispatcher, id, json!({"type": "respond"})).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("处理中"), "{}", again.body);
    // In the future, or before the previous event: 422 on `at`.
    let future = d.event(&d.dispatcher, id, json!({"type": "request_onsite", "at": "2026-03-02T09:30:00+08:00"})).await;
    assert_eq!(future.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(future.body.contains("\"at\""), "{}", future.body);
    let early = d.event(&d.dispatcher, id, json!({"type": "request_onsite", "at": "2026-03-02T08:55:00+08:00"})).await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A reporter cannot work the case.
    let forbidden = d.event(&d.reporter, id, json!({"type": "request_onsite"})).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    let unchanged = d.t.api(Method::GET, &format!("/api/v1/incidents/{id}"), Some(&d.it), None).await.json();
    assert_eq!((unchanged["version"].as_i64(), unchanged["events"].as_array().map(Vec::len)), (Some(3), Some(2)));

    assert_eq!(
        d.event(&d.engineer, id, json!({"type": "request_onsite", "at": "2026-03-02T08:59:00+08:00"})).await.status,
        200
    );
    let arrived = d.event(&d.engineer, id, json!({"type": "arrive_onsite"})).await.json();
    assert_eq!(arrived["sla"]["onsite"]["due"], bj("2026-03-02T09:29:00"));
    assert_eq!(arrived["sla"]["onsite"]["met"], true);

    // Waiting two hours for the hospital's approval stands the resolve clock still.
    assert_eq!(d.event(&d.engineer, id, json!({"type": "request_approval", "note": "需重启数据库"})).await.status, 200);
    d.t.clock.advance(Duration::hours(2));
    let approved = d.event(&d.reporter, id, json!({"type": "approve"})).await;
    assert_eq!(approved.status, StatusCode::OK, "the reporter approves for their own incident: {}", approved.body);
    assert_eq!(approved.json()["sla"]["resolve"]["due"], bj("2026-03-03T10:50:00"));
    assert_eq!(approved.json()["sla"]["resolve"]["paused_seconds"], 7200);

    let no_cause = d.event(&d.engineer, id, json!({"type": "resolve", "action": "重启"})).await;
    assert_eq!(no_cause.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_cause.body.contains("cause"), "{}", no_cause.body);
    let resolved = d
        .event(&d.engineer, id, json!({"type": "resolve", "cause": "数据库连接池耗尽", "action": "重启并扩大连接池", "prevention": "监控连接数"}))
        .await;
    assert_eq!(resolved.status, StatusCode::OK, "{}", resolved.body);
    assert_eq!(resolved.json()["sla"]["resolve"]["met"], true);
    assert_eq!(d.event(&d.engineer, id, json!({"type": "confirm"})).await.status, StatusCode::FORBIDDEN);
    let closed = d.event(&d.it, id, json!({"type": "confirm", "note": "已恢复"})).await.json();
    assert_eq!(closed["status"], "closed");
    let events: Vec<&str> =
        closed["events"].as_array().expect("events").iter().map(|e| e["type"].as_str().unwrap_or_default()).collect();
    assert_eq!(
        events,
        ["respond", "assign", "request_onsite", "arrive_onsite", "request_approval", "approve", "resolve", "confirm"]
    );

    let list = d.t.api(Method::GET, "/api/v1/projects/sd/incidents?status=closed", Some(&d.it), None).await.json();
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    let breached = d.t.api(Method::GET, "/api/v1/projects/sd/incidents?breached=true", Some(&d.it), None).await.json();
    assert_eq!(breached["items"].as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn a_severity_change_recomputes_the_clocks_from_the_reported_time() {
    // The DESIGN.md sketch: P1 respond 15 min round the clock; P3 respond 2 h in office hours
    // (08:30–12:00, 13:30–17:30). Reported at 08:00, now 09:00.
    let d = desk(EXAMPLE_CONTRACT).await;
    let inc = d
        .t
        .api(
            Method::POST,
            "/api/v1/projects/demo/incidents",
            Some(&d.dispatcher),
            Some(json!({"title": "打印机卡纸", "severity": "P1", "channel": "phone", "reported_at": "2026-03-02T08:00:00+08:00"})),
        )
        .await
        .json();
    let id = inc["id"].as_i64().expect("id");
    assert_eq!(inc["sla"]["respond"]["due"], bj("2026-03-02T08:15:00"));
    let breached =
        |body: Value| body["items"].as_array().map(|a| a.iter().filter_map(|i| i["id"].as_i64()).collect::<Vec<_>>());
    let list = d.t.api(Method::GET, "/api/v1/projects/demo/incidents?breached=true", Some(&d.it), None).await;
    assert_eq!(breached(list.json()), Some(vec![id]), "15 min passed at 08:15");

    let r = d.event(&d.dispatcher, id, json!({"type": "reclassify", "severity": "P3", "note": "单台打印机"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let sla = &r.json()["sla"];
    assert_eq!(sla["respond"]["due"], bj("2026-03-02T10:30:00"), "2 h of office time from 08:30");
    assert_eq!(sla["resolve"]["due"], bj("2026-03-06T17:30:00"), "5wd from 08:30 Monday: the end of Friday");
    let list = d.t.api(Method::GET, "/api/v1/projects/demo/incidents?breached=true", Some(&d.it), None).await;
    assert_eq!(breached(list.json()), Some(vec![]));

    let unknown = d.event(&d.dispatcher, id, json!({"type": "reclassify", "severity": "P9"})).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.body.contains("P9"));
}

#[tokio::test]
async fn bad_reports_are_refused_naming_the_field() {
    let d = desk(EXAMPLE_CONTRACT).await;
    let post = |body: Value| d.t.api(Method::POST, "/api/v1/projects/demo/incidents", Some(&d.dispatcher), Some(body));
    let r = post(json!({"title": "x", "severity": "P7", "channel": "phone"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("severity") && r.body.contains("P1, P3"), "{}", r.body);
    let r = post(json!({"title": "", "severity": "P1", "channel": "pigeon"})).await;
    let fields: Vec<String> = r.json()["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(fields, ["title", "channel"]);
    let r =
        post(json!({"title": "x", "severity": "P1", "channel": "phone", "reported_at": "2026-03-02T09:30:00+08:00"}))
            .await;
    assert!(r.body.contains("reported_at"), "{}", r.body);
    let r = post(json!({"title": "x", "severity": "P1", "channel": "phone", "priority": "high"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "unknown fields are refused: {}", r.body);
    let list = d.t.api(Method::GET, "/api/v1/projects/demo/incidents", Some(&d.it), None).await.json();
    assert_eq!(list["items"].as_array().map(Vec::len), Some(0), "nothing was stored");

    // Outside the project, an incident does not exist.
    let ok = post(json!({"title": "x", "severity": "P1", "channel": "phone"})).await.json();
    d.t.user("stranger", false).await;
    let stranger = d.t.token("stranger").await;
    let r = d.t.api(Method::GET, &format!("/api/v1/incidents/{}", ok["id"]), Some(&stranger), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
