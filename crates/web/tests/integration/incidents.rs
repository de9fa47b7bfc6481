//! The service desk through the API: a whole case under the seed 003 preset with its clocks,
//! severity changes recomputed from the reported time, and bad input refused without a change.

use axum::http::{Method, StatusCode};
use chrono::Duration;
use serde_json::{Value, json};

use yunwei_domain::identity::Role::*;

use crate::support::{EXAMPLE_CONTRACT, TestApp};

/// `2026-03-02T09:05:00` in Beijing time as the API writes it (UTC, microseconds).
fn bj(local: &str) -> String {
    let t = chrono::DateTime::parse_from_rfc3339(&format!("{local}+08:00")).expect("time");
    t.with_timezone(&chrono::Utc).to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

struct Desk {
    t: TestApp,
    reporter: String,
    dispatcher: String,
    engineer: String,
    it: String,
}

async fn desk(contract: &str) -> Desk {
    let s = TestApp::site()
        .contract(contract)
        .members(&[("r1", Reporter), ("d1", Dispatcher), ("e1", Engineer), ("it1", HospitalIt)])
        .tokens()
        .build()
        .await;
    let (reporter, dispatcher, engineer, it) = (s.token("r1"), s.token("d1"), s.token("e1"), s.token("it1"));
    Desk { t: s.t, reporter, dispatcher, engineer, it }
}

impl Desk {
    async fn event(&self, token: &str, id: i64, body: Value) -> crate::support::Resp {
        self.t.api(Method::POST, &format!("/api/v1/incidents/{id}/events"), Some(token), Some(body)).await
    }
}

fn seed_003() -> String {
    yunwei_domain::contract::with_project_fields(include_str!("../../../../contracts/seed-003.toml"), &[("code", "sd")])
}

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

/// The hotline's form, the engineer's buttons and the hospital's confirmation, through the pages.
#[tokio::test]
async fn the_pages_carry_a_phone_report_to_confirmation() {
    let d = desk(&seed_003()).await;
    let session = |name: &'static str| {
        let t = &d.t;
        async move {
            let uid = yunwei_store::identity::user_by_username(&t.app.db, name).await.expect("db").expect("user").id;
            t.session(uid).await
        }
    };
    let (hotline, hotline_csrf) = session("d1").await;
    let list = d.t.page(Method::GET, "/p/sd/incidents", Some(&hotline), None).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("id=\"report-form\"") && list.body.contains("P1 "), "{}", list.body);

    // A bad report says why in Chinese, keeps what was typed, and stores nothing.
    let bad =
        [("_csrf", hotline_csrf.as_str()), ("title", "门诊挂号系统无法登录"), ("severity", ""), ("channel", "phone")];
    let r = d.t.page(Method::POST, "/p/sd/incidents", Some(&hotline), Some(&bad)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("级别：") && r.body.contains("value=\"门诊挂号系统无法登录\""), "{}", r.body);
    let future = [
        ("_csrf", hotline_csrf.as_str()),
        ("title", "门诊挂号系统无法登录"),
        ("severity", "P1"),
        ("channel", "phone"),
        ("reported_at", "2026-03-02T09:30"),
    ];
    let r = d.t.page(Method::POST, "/p/sd/incidents", Some(&hotline), Some(&future)).await;
    assert!(r.body.contains("报障时间："), "{}", r.body);
    assert_eq!(d.t.tdb.scalar("SELECT COUNT(*) FROM incidents").await, 0);

    // The phone call came in at 08:50; typed in at 09:00.
    let good = [
        ("_csrf", hotline_csrf.as_str()),
        ("title", "门诊挂号系统无法登录"),
        ("severity", "P1"),
        ("channel", "phone"),
        ("department", "门诊部"),
        ("reported_at", "2026-03-02T08:50"),
        ("ci", "HIS-APP-01，HIS-DB-01"),
    ];
    let r = d.t.page(Method::POST, "/p/sd/incidents", Some(&hotline), Some(&good)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let at = r.header("location").expect("location").to_owned();
    let page = d.t.page(Method::GET, &at, Some(&hotline), None).await;
    assert!(page.body.contains("INC-2026-000001"), "{}", page.body);
    assert!(page.body.contains("时限 2026-03-02 09:05") && page.body.contains("剩余 5 分"), "{}", page.body);
    assert!(page.body.contains("时限 2026-03-03 08:50"), "resolve in 24 h: {}", page.body);
    assert!(page.body.contains("HIS-APP-01、HIS-DB-01"));
    assert!(page.body.contains("value=\"respond\""), "the hotline may respond");

    // The list shows the respond clock as the nearest deadline.
    let list = d.t.page(Method::GET, "/p/sd/incidents", Some(&hotline), None).await;
    assert!(list.body.contains("响应 · <span class=\"left\">剩余 5 分"), "{}", list.body);
    // Past 75 % of the respond time the clock is amber; past due, red and in the breached filter.
    d.t.clock.advance(Duration::minutes(2));
    let list = d.t.page(Method::GET, "/p/sd/incidents", Some(&hotline), None).await;
    assert!(list.body.contains("clock c-warn"), "{}", list.body);
    d.t.clock.advance(Duration::minutes(4));
    let list = d.t.page(Method::GET, "/p/sd/incidents?breached=1", Some(&hotline), None).await;
    assert!(list.body.contains("clock c-missed") && list.body.contains("已超时 1 分"), "{}", list.body);

    let form = |kind: &'static str, csrf: &str| vec![("_csrf", csrf.to_owned()), ("type", kind.to_owned())];
    let post = |who: String, f: Vec<(&'static str, String)>| {
        let t = &d.t;
        let at = at.clone();
        async move {
            let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            t.page(Method::POST, &format!("{at}/events"), Some(&who), Some(&f)).await
        }
    };
    let mut respond = form("respond", &hotline_csrf);
    respond.push(("at", "2026-03-02T08:58".into()));
    let r = post(hotline.clone(), respond).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = d.t.page(Method::GET, &at, Some(&hotline), None).await;
    assert!(page.body.contains("已达标"), "met at 08:58: {}", page.body);
    // The same button again: the case has moved on, and the page says so.
    let r = post(hotline.clone(), form("respond", &hotline_csrf)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("未能执行") && r.body.contains("处理中"), "{}", r.body);

    // "Mine": the hotline took the case by responding; the engineer has nothing yet.
    let (eng, eng_csrf) = session("e1").await;
    let mine = d.t.page(Method::GET, "/p/sd/incidents?mine=1", Some(&hotline), None).await;
    assert!(mine.body.contains("INC-2026-000001"), "{}", mine.body);
    let mine = d.t.page(Method::GET, "/p/sd/incidents?mine=1", Some(&eng), None).await;
    assert!(!mine.body.contains("INC-2026-000001") && mine.body.contains("没有符合条件的故障"), "{}", mine.body);

    // The hotline hands it to the engineer; now it is in the engineer's queue.
    let mut assign = form("assign", &hotline_csrf);
    assign.push(("assignee", "e1".into()));
    assert_eq!(post(hotline.clone(), assign).await.status, StatusCode::SEE_OTHER);
    let mine = d.t.page(Method::GET, "/p/sd/incidents?mine=1", Some(&eng), None).await;
    assert!(mine.body.contains("INC-2026-000001"), "{}", mine.body);
    let page = d.t.page(Method::GET, &at, Some(&eng), None).await;
    assert!(page.body.contains("派给e1"), "{}", page.body);

    // The hospital side sees no engineer's buttons; it confirms once resolved.
    let (it, it_csrf) = session("it1").await;
    let page = d.t.page(Method::GET, &at, Some(&it), None).await;
    assert!(!page.body.contains("value=\"request_onsite\"") && !page.body.contains("解决故障"), "{}", page.body);
    let mut resolve = form("resolve", &eng_csrf);
    resolve.extend([("cause", "数据库连接池耗尽".into()), ("action", "重启并扩大连接池".into())]);
    assert_eq!(post(eng.clone(), resolve).await.status, StatusCode::SEE_OTHER);
    let page = d.t.page(Method::GET, &at, Some(&it), None).await;
    assert!(page.body.contains("value=\"confirm\"") && page.body.contains("原因：数据库连接池耗尽"), "{}", page.body);
    assert_eq!(post(it.clone(), form("confirm", &it_csrf)).await.status, StatusCode::SEE_OTHER);
    let page = d.t.page(Method::GET, &at, Some(&it), None).await;
    assert!(page.body.contains("s-closed") && page.body.contains("服务满意度"), "{}", page.body);

    // Satisfaction: 1–5, once, by the hospital side.
    let mut rate = form("rate", &it_csrf);
    rate.push(("score", "6".into()));
    let r = post(it.clone(), rate).await;
    assert!(r.status == StatusCode::UNPROCESSABLE_ENTITY && r.body.contains("满意度：满意度须为 1–5"), "{}", r.body);
    let mut rate = form("rate", &it_csrf);
    rate.extend([("score", "4".into()), ("note", "响应快，下次请提前告知重启".into())]);
    assert_eq!(post(it.clone(), rate.clone()).await.status, StatusCode::SEE_OTHER);
    let r = post(it.clone(), rate).await;
    assert!(r.body.contains("本故障已评价过"), "{}", r.body);

    // The incident report: printable page and Word document, with the hospital's confirmation.
    let report = d.t.page(Method::GET, &format!("{at}/report"), Some(&it), None).await;
    assert_eq!(report.status, StatusCode::OK);
    for needle in
        ["故障处理报告", "INC-2026-000001", "数据库连接池耗尽", "重启并扩大连接池", "it1", "4 分（满分 5 分）", "达标"]
    {
        assert!(report.body.contains(needle), "{needle}: {}", report.body);
    }
    let doc = d.t.page(Method::GET, &format!("{at}/report.docx"), Some(&it), None).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(doc.header("content-type").unwrap_or_default().contains("wordprocessingml"));
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(doc.bytes.clone())).expect("a docx is a zip");
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").expect("document.xml"), &mut xml).expect("xml");
    for needle in ["故障处理报告", "数据库连接池耗尽", "宋体", "响应快，下次请提前告知重启", "门诊部"]
    {
        assert!(xml.contains(needle), "{needle} in document.xml");
    }

    // A second call about the same database server: the page points at the first case.
    let again = [
        ("_csrf", hotline_csrf.as_str()),
        ("title", "收费处报错"),
        ("severity", "P2"),
        ("channel", "phone"),
        ("ci", "HIS-DB-01"),
    ];
    let r = d.t.page(Method::POST, "/p/sd/incidents", Some(&hotline), Some(&again)).await;
    let second = r.header("location").expect("location").to_owned();
    let page = d.t.page(Method::GET, &second, Some(&hotline), None).await;
    assert!(
        page.body.contains("可能重复") && page.body.contains("INC-2026-000001 门诊挂号系统无法登录"),
        "{}",
        page.body
    );
    let unrelated = [
        ("_csrf", hotline_csrf.as_str()),
        ("title", "打印机"),
        ("severity", "P4"),
        ("channel", "phone"),
        ("ci", "PRN-01"),
    ];
    let r = d.t.page(Method::POST, "/p/sd/incidents", Some(&hotline), Some(&unrelated)).await;
    let third = r.header("location").expect("location").to_owned();
    assert!(!d.t.page(Method::GET, &third, Some(&hotline), None).await.body.contains("可能重复"));

    // Another project's member gets 404 for the page.
    d.t.user("stranger", false).await;
    let uid = yunwei_store::identity::user_by_username(&d.t.app.db, "stranger").await.expect("db").expect("user").id;
    let (stranger, _) = d.t.session(uid).await;
    assert_eq!(d.t.page(Method::GET, &at, Some(&stranger), None).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn attachments_are_checked_stored_whole_and_served_as_downloads() {
    let d = desk(EXAMPLE_CONTRACT).await;
    let inc =
        d.t.api(
            Method::POST,
            "/api/v1/projects/demo/incidents",
            Some(&d.dispatcher),
            Some(json!({"title": "PACS 无法调阅", "severity": "P1", "channel": "phone"})),
        )
        .await
        .json();
    let id = inc["id"].as_i64().expect("id");
    let url = |name: &str| format!("/api/v1/incidents/{id}/attachments?name={name}");
    let png: Vec<u8> = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-screenshot".to_vec();

    let big = vec![b'a'; yunwei_app::files::MAX_ATTACHMENT_BYTES + 1];
    let r = d.t.upload(&url("huge.log"), Some(&d.reporter), "text/plain", big).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert!(r.header("content-type").unwrap_or_default().starts_with("application/problem+json"));
    assert_eq!(r.json()["errors"][0]["field"], "file");
    assert!(r.body.contains("10 MB"), "{}", r.body);
    let r = d.t.upload(&url("setup.exe"), Some(&d.reporter), "application/x-msdownload", b"MZ".to_vec()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("不接受的文件类型"), "{}", r.body);
    let r = d.t.upload(&url("fake.png"), Some(&d.reporter), "image/png", b"<script>".to_vec()).await;
    assert!(
        r.status == StatusCode::UNPROCESSABLE_ENTITY && r.body.contains("文件内容与类型 image/png 不符"),
        "{}",
        r.body
    );
    let r = d.t.upload(&url("gbk.txt"), Some(&d.reporter), "text/plain", vec![0xc4, 0xe3, 0xba, 0xc3]).await;
    assert!(r.body.contains("UTF-8"), "{}", r.body);
    assert_eq!(d.t.tdb.scalar("SELECT COUNT(*) FROM incident_attachments").await, 0, "nothing stored");

    let r = d.t.upload(&url("%E6%88%AA%E5%9B%BE.png"), Some(&d.reporter), "image/png", png.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let a = r.json();
    assert_eq!((a["name"].as_str(), a["size"].as_i64()), (Some("截图.png"), Some(png.len() as i64)));
    let list = d.t.api(Method::GET, &format!("/api/v1/incidents/{id}/attachments"), Some(&d.it), None).await.json();
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    let aid = a["id"].as_i64().expect("id");
    let got = d.t.api(Method::GET, &format!("/api/v1/incidents/{id}/attachments/{aid}"), Some(&d.it), None).await;
    assert_eq!(got.bytes, png, "the bytes come back whole");
    assert_eq!(got.header("x-content-type-options"), Some("nosniff"));
    assert!(got.header("content-disposition").unwrap_or_default().starts_with("attachment;"));

    d.t.user("stranger", false).await;
    let stranger = d.t.token("stranger").await;
    let r = d.t.api(Method::GET, &format!("/api/v1/incidents/{id}/attachments/{aid}"), Some(&stranger), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // The page: upload through the form, see it listed; too large says so in Chinese.
    let uid = yunwei_store::identity::user_by_username(&d.t.app.db, "it1").await.expect("db").expect("user").id;
    let (s, csrf) = d.t.session(uid).await;
    let page = format!("/p/demo/incidents/{id}");
    let r =
        d.t.multipart(&format!("{page}/attachments"), Some(&s), &csrf, ("alert.log", "text/plain", b"ORA-00600")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let body = d.t.page(Method::GET, &page, Some(&s), None).await.body;
    assert!(body.contains("截图.png") && body.contains("alert.log"), "{body}");
    let big = vec![b'a'; yunwei_app::files::MAX_ATTACHMENT_BYTES + 1];
    let r = d.t.multipart(&format!("{page}/attachments"), Some(&s), &csrf, ("big.log", "text/plain", &big)).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.body.contains("未能上传：附件最大 10 MB"), "{}", r.body);
    assert_eq!(d.t.tdb.scalar("SELECT COUNT(*) FROM incident_attachments").await, 2);
}

/// Every list filter, alone and together, and keyset pages that neither skip nor repeat.
#[tokio::test]
async fn the_list_filters_and_pages_newest_first() {
    let d = desk(&seed_003()).await;
    let mut made = Vec::new();
    // Reported over four days, severities P1..P4 in turn; every third mentions the storage array.
    for i in 0..12i64 {
        let title = if i % 3 == 0 { format!("存储阵列告警 {i}") } else { format!("门诊打印机故障 {i}") };
        let body = json!({"title": title, "severity": format!("P{}", i % 4 + 1), "channel": "phone",
                          "reported_at": format!("2026-02-{:02}T10:00:00+08:00", 20 + i / 3)});
        let r = d.t.api(Method::POST, "/api/v1/projects/sd/incidents", Some(&d.dispatcher), Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let v = r.json();
        made.push((v["id"].as_i64().expect("id"), v["number"].as_str().expect("number").to_owned()));
    }
    let ids = |q: &str| {
        let d = &d;
        let q = q.to_owned();
        async move {
            let r = d.t.api(Method::GET, &format!("/api/v1/projects/sd/incidents?{q}"), Some(&d.it), None).await;
            assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.body);
            let v = r.json();
            let ids: Vec<i64> = v["items"].as_array().expect("items").iter().filter_map(|i| i["id"].as_i64()).collect();
            (ids, v["next_cursor"].as_str().map(str::to_owned))
        }
    };
    let want = |pick: &dyn Fn(usize) -> bool| -> Vec<i64> {
        made.iter().enumerate().rev().filter(|(i, _)| pick(*i)).map(|(_, (id, _))| *id).collect()
    };
    assert_eq!(ids("").await.0, want(&|_| true), "newest first");
    assert_eq!(ids("severity=P1").await.0, want(&|i| i % 4 == 0));
    assert_eq!(ids("severity=P2&status=reported").await.0, want(&|i| i % 4 == 1));
    assert_eq!(ids("severity=P2&status=closed").await.0, Vec::<i64>::new());
    assert_eq!(ids("text=%E5%AD%98%E5%82%A8").await.0, want(&|i| i % 3 == 0), "text=存储");
    // A number typed with the wrong case and spaces finds that incident (by the number's index).
    let (id5, number5) = &made[5];
    let q = format!("text=%20{}%20", number5.to_ascii_lowercase());
    assert_eq!(ids(&q).await.0, vec![*id5]);
    // Reported range: 21 and 22 Feb (Beijing), the end exclusive.
    let range = "reported_from=2026-02-21T00:00:00%2B08:00&reported_to=2026-02-23T00:00:00%2B08:00";
    assert_eq!(ids(range).await.0, want(&|i| (3..9).contains(&i)));
    assert_eq!(ids(&format!("{range}&severity=P4")).await.0, want(&|i| (3..9).contains(&i) && i % 4 == 3));

    // A phone report typed in late: newest by id, oldest by report. A range lists by report time.
    let late = json!({"title": "补录：门诊打印机故障", "severity": "P3", "channel": "phone",
                      "reported_at": "2026-02-21T08:00:00+08:00"});
    let r = d.t.api(Method::POST, "/api/v1/projects/sd/incidents", Some(&d.dispatcher), Some(late)).await;
    let late_id = r.json()["id"].as_i64().expect("id");
    assert_eq!(ids("").await.0.first(), Some(&late_id), "newest by id first");
    let mut in_range = want(&|i| (3..9).contains(&i));
    in_range.push(late_id);
    assert_eq!(ids(range).await.0, in_range, "by report time, the late one last");
    let (mut paged, mut cursor) = (Vec::new(), None::<String>);
    loop {
        let q = match &cursor {
            Some(c) => format!("{range}&limit=2&cursor={c}"),
            None => format!("{range}&limit=2"),
        };
        let (page, next) = ids(&q).await;
        paged.extend(page);
        match next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    assert_eq!(paged, in_range, "range pages neither skip nor repeat");
    let mut all = vec![late_id];
    all.extend(want(&|_| true));

    // Pages of 5 follow the cursor through all 13, newest first, nothing twice.
    let (mut seen, mut cursor) = (Vec::new(), None::<String>);
    loop {
        let q = match &cursor {
            Some(c) => format!("limit=5&cursor={c}"),
            None => "limit=5".to_owned(),
        };
        let (page, next) = ids(&q).await;
        assert!(page.len() <= 5);
        seen.extend(page);
        match next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    assert_eq!(seen, all);
}

/// Text search through the bigram index: two-character Chinese words, any case, a description,
/// words joined by punctuation, a single character (scanned), pages, and incidents stored before
/// the index existed.
#[tokio::test]
async fn text_search_finds_every_substring_and_only_substrings() {
    let d = desk(&seed_003()).await;
    let texts = [
        ("PACS 影像调阅缓慢", "放射科 3 号机 Oracle 报 ORA-01555，快照过旧"),
        ("HIS 挂号收费无法登录", "门诊 5 个窗口同时出现"),
        ("存储阵列硬盘故障", "阵列 2 号盘亮黄灯"),
        ("网络中断", "住院部三楼交换机断电，100% 丢包"),
        ("ab ba", "两个词各自出现，但 aba 没有"),
        ("门诊打印机故障", "打印机卡纸"),
    ];
    let mut ids = Vec::new();
    for (title, description) in texts {
        let body = json!({"title": title, "description": description, "severity": "P3", "channel": "phone"});
        let r = d.t.api(Method::POST, "/api/v1/projects/sd/incidents", Some(&d.dispatcher), Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        ids.push(r.json()["id"].as_i64().expect("id"));
    }
    let found = |q: &'static str| {
        let d = &d;
        async move {
            let url = format!(
                "/api/v1/projects/sd/incidents?text={}",
                form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
            );
            let r = d.t.api(Method::GET, &url, Some(&d.it), None).await;
            assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.body);
            r.json()["items"].as_array().expect("items").iter().filter_map(|i| i["id"].as_i64()).collect::<Vec<_>>()
        }
    };
    let cases: [(&str, Vec<i64>); 14] = [
        ("影像", vec![ids[0]]),
        ("oracle", vec![ids[0]]),
        ("ora-01555", vec![ids[0]]),
        ("RA-0", vec![ids[0]]),
        ("01555，快照", vec![ids[0]]),
        ("窗口", vec![ids[1]]),
        ("故障", vec![ids[5], ids[2]]),
        ("阵列硬", vec![ids[2]]),
        ("网", vec![ids[3]]),
        ("100%", vec![ids[3]]),
        ("aba", vec![ids[4]]),
        ("ab ba", vec![ids[4]]),
        ("储阵", vec![ids[2]]),
        ("阵列故障", vec![]),
    ];
    for (q, want) in &cases {
        assert_eq!(&found(q).await, want, "text={q}");
    }
    // "ab ba" holds both bigrams of "aba" but not the word: only its description has it.
    assert_eq!(found("bab").await, Vec::<i64>::new());

    // Pages of one through a search that matches two.
    let r =
        d.t.api(Method::GET, "/api/v1/projects/sd/incidents?text=%E6%95%85%E9%9A%9C&limit=1", Some(&d.it), None).await;
    let first = r.json();
    assert_eq!(first["items"][0]["id"].as_i64(), Some(ids[5]));
    let cursor = first["next_cursor"].as_str().expect("a next page").to_owned();
    let url = format!("/api/v1/projects/sd/incidents?text=%E6%95%85%E9%9A%9C&limit=1&cursor={cursor}");
    let second = d.t.api(Method::GET, &url, Some(&d.it), None).await.json();
    assert_eq!(second["items"][0]["id"].as_i64(), Some(ids[2]));

    // 2,100 newer incidents without these words: the searches must now reach past the newest
    // ones that PostgreSQL checks directly, into the index.
    let model = yunwei_store::incident::get(&d.t.app.db, ids[0]).await.expect("db").expect("incident");
    let mut tx = d.t.app.db.begin().await.expect("tx");
    for i in 0..2_100 {
        let row = yunwei_store::incident::IncidentRow {
            number: format!("INC-2026-9{i:05}"),
            title: format!("例行记录 {i}"),
            description: String::new(),
            ..model.clone()
        };
        yunwei_store::incident::insert(&mut tx, &row).await.expect("filler");
    }
    tx.commit().await.expect("commit");
    // Not yet indexed (on SQLite the background indexer fills the index behind the writes; no
    // indexer runs here), then indexed: the same answers either way.
    for (q, want) in &cases {
        assert_eq!(&found(q).await, want, "behind newer incidents, unindexed, text={q}");
    }
    let tape = |n: i64| {
        let d = &d;
        async move {
            let body = json!({"title": format!("磁带机离线 {n}"), "severity": "P3", "channel": "phone"});
            let r = d.t.api(Method::POST, "/api/v1/projects/sd/incidents", Some(&d.dispatcher), Some(body)).await;
            r.json()["id"].as_i64().expect("id")
        }
    };
    let older_tape = tape(1).await;
    yunwei_store::incident::index_unindexed_text(&d.t.app.db).await.expect("index");
    for (q, want) in &cases {
        assert_eq!(&found(q).await, want, "behind newer incidents, indexed, text={q}");
    }
    // One more match after indexing: pages run from the unindexed tail into the index.
    let newer_tape = tape(2).await;
    let mut seen = Vec::new();
    let mut url = "/api/v1/projects/sd/incidents?text=%E7%A3%81%E5%B8%A6%E6%9C%BA&limit=1".to_owned();
    loop {
        let page = d.t.api(Method::GET, &url, Some(&d.it), None).await.json();
        seen.extend(page["items"].as_array().expect("items").iter().filter_map(|i| i["id"].as_i64()));
        let Some(c) = page["next_cursor"].as_str() else { break };
        url = format!("/api/v1/projects/sd/incidents?text=%E7%A3%81%E5%B8%A6%E6%9C%BA&limit=1&cursor={c}");
    }
    assert_eq!(seen, vec![newer_tape, older_tape], "磁带机: the unindexed one, then the indexed one");

    // Incidents stored before the index existed are indexed after migrating, oldest first.
    match d.t.app.db.backend() {
        yunwei_store::Backend::Sqlite => {
            d.t.tdb.raw("INSERT INTO incident_text (incident_text) VALUES ('delete-all')").await;
        }
        yunwei_store::Backend::Postgres => d.t.tdb.raw("UPDATE incidents SET search_grams = NULL").await,
    }
    match d.t.app.db.backend() {
        // What the index does not hold yet is read directly: still exact.
        yunwei_store::Backend::Sqlite => assert_eq!(found("影像").await, vec![ids[0]]),
        yunwei_store::Backend::Postgres => {
            assert_eq!(found("影像").await, Vec::<i64>::new(), "the index is gone");
        }
    }
    d.t.app.db.migrate().await.expect("migrate");
    let left = yunwei_store::incident::index_unindexed_text(&d.t.app.db).await.expect("index");
    assert_eq!(left, 0, "migrating indexed every incident");
    for (q, want) in &cases {
        assert_eq!(&found(q).await, want, "after reindexing, text={q}");
    }

    // Seventy newer matches of another severity: the two older ones are still found, past the
    // index's first batch of candidates.
    for i in 0..70 {
        let body = json!({"title": format!("打印机故障 {i}"), "severity": "P4", "channel": "phone"});
        let r = d.t.api(Method::POST, "/api/v1/projects/sd/incidents", Some(&d.dispatcher), Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let r =
        d.t.api(Method::GET, "/api/v1/projects/sd/incidents?text=%E6%95%85%E9%9A%9C&severity=P3", Some(&d.it), None)
            .await;
    let got: Vec<i64> = r.json()["items"].as_array().expect("items").iter().filter_map(|i| i["id"].as_i64()).collect();
    assert_eq!(got, vec![ids[5], ids[2]]);
}
