//! Inspections through the API under the seed 000 preset: the seeds' templates, a project's copy
//! edited into a new version while executions keep theirs, an execution answered item by item
//! (a replayed older answer changes nothing), thresholds, signatures, abnormal items turned into
//! incidents linked both ways, and the report due 3 working days after completion in the
//! contract's calendar — computed here by hand across 清明 and 国庆 with its make-up Saturday.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use yunwei_domain::identity::Role::*;

use crate::support::{Resp, TestApp};

/// An instant given in Beijing time.
fn bj(local: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(&format!("{local}+08:00")).expect("time").with_timezone(&chrono::Utc)
}

/// As the API writes it.
fn api_time(local: &str) -> String {
    bj(local).to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

struct Site {
    t: TestApp,
    eng: String,
    it: String,
    reporter: String,
    manager: String,
    /// An engineer of another project.
    outsider: String,
}

async fn site() -> Site {
    let s = TestApp::site()
        .preset("seed-000")
        .project("xj")
        .members(&[("e1", Engineer), ("it1", HospitalIt), ("r1", Reporter), ("m1", Manager)])
        .other("other", &[("e2", Engineer)])
        .tokens()
        .build()
        .await;
    let (eng, it, reporter, manager, outsider) =
        (s.token("e1"), s.token("it1"), s.token("r1"), s.token("m1"), s.token("e2"));
    Site { t: s.t, eng, it, reporter, manager, outsider }
}

impl Site {
    async fn call(&self, token: &str, method: Method, path: &str, body: Option<Value>) -> Resp {
        self.t.api(method, path, Some(token), body).await
    }

    async fn ok(&self, token: &str, method: Method, path: &str, body: Option<Value>, want: StatusCode) -> Value {
        let r = self.call(token, method.clone(), path, body).await;
        assert_eq!(r.status, want, "{method} {path}: {}", r.body);
        r.json()
    }

    async fn ci(&self, name: &str, kind: &str) -> i64 {
        let body = json!({"name": name, "type": kind});
        let v = self.ok(&self.eng, Method::POST, "/api/v1/projects/xj/cis", Some(body), StatusCode::CREATED).await;
        v["id"].as_i64().expect("id")
    }

    async fn plan(&self, template: &str, ci: Option<i64>) -> Value {
        let body = json!({"template": template, "ci_id": ci, "planned_for": "2026-04-02"});
        self.ok(&self.eng, Method::POST, "/api/v1/projects/xj/inspections", Some(body), StatusCode::CREATED).await
    }

    async fn answer(&self, id: i64, key: &str, body: Value) -> Resp {
        self.call(&self.eng, Method::PUT, &format!("/api/v1/inspections/{id}/results/{key}"), Some(body)).await
    }

    async fn get(&self, id: i64) -> Value {
        self.ok(&self.it, Method::GET, &format!("/api/v1/inspections/{id}"), None, StatusCode::OK).await
    }
}

fn field(r: &Resp) -> String {
    r.json()["errors"][0]["field"].as_str().unwrap_or_default().to_owned()
}

fn item<'a>(v: &'a Value, key: &str) -> &'a Value {
    v["items"].as_array().and_then(|a| a.iter().find(|i| i["key"] == key)).expect("item")
}

#[tokio::test]
async fn the_seeds_templates_are_listed_and_a_project_copy_is_versioned() {
    let s = site().await;
    let list = s.ok(&s.eng, Method::GET, "/api/v1/projects/xj/inspection-templates", None, StatusCode::OK).await;
    let codes: Vec<&str> = list.as_array().expect("list").iter().filter_map(|t| t["code"].as_str()).collect();
    assert_eq!(
        codes,
        [
            "core_switch",
            "network_onsite",
            "minicomputer",
            "storage",
            "oracle",
            "weblogic",
            "pc_workstation",
            "health_checkup_server"
        ]
    );
    let mc = &list[2];
    assert_eq!(
        (mc["name"].as_str(), mc["builtin"].as_bool(), mc["cycle"].as_str()),
        (Some("小型机系统巡检"), Some(true), Some("quarter"))
    );
    assert_eq!(mc["items"].as_array().map(Vec::len), Some(30));
    assert_eq!(
        mc["items"][0],
        json!({"key": "1.1", "section": "硬件运行状态", "name": "电源指示灯", "result": "ok_abnormal"})
    );
    let wl = s.ok(&s.eng, Method::GET, "/api/v1/projects/xj/inspection-templates/weblogic", None, StatusCode::OK).await;
    assert!(
        wl["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|i| i["standard"].as_str().is_some_and(|t| t.contains("初始容量")))
    );

    // The hospital's IT staff copy the minicomputer checklist and add a measured item.
    let copy = json!({"copy_of": "minicomputer", "code": "his-mc", "name": "HIS 小型机巡检"});
    let r = s.call(&s.it, Method::POST, "/api/v1/projects/xj/inspection-templates", Some(copy.clone())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.header("etag"), Some("\"1\""));
    let v = r.json();
    assert_eq!(
        (v["version"].as_i64(), v["based_on"].as_str(), v["builtin"].as_bool()),
        (Some(1), Some("minicomputer"), Some(false))
    );
    assert_eq!(v["items"].as_array().map(Vec::len), Some(30));
    let again = s.call(&s.it, Method::POST, "/api/v1/projects/xj/inspection-templates", Some(copy)).await;
    assert_eq!((again.status, field(&again)), (StatusCode::CONFLICT, "code".to_owned()), "{}", again.body);
    let builtin_code = json!({"code": "oracle", "name": "x", "items": [{"section": "a", "name": "b"}]});
    let r = s.call(&s.it, Method::POST, "/api/v1/projects/xj/inspection-templates", Some(builtin_code)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);

    // An inspection planned now keeps version 1, whatever happens to the template later.
    let planned = s.plan("his-mc", None).await;
    assert_eq!(planned["template"]["version"], 1);

    let mut items: Vec<Value> = v["items"].as_array().expect("items").clone();
    items.push(json!({"section": "系统性能检查", "name": "CPU峰值利用率", "result": "number", "unit": "%", "min": 0, "max": 80, "incident": "P3"}));
    // Items of one section stay together: appended after 存储检查, this one is refused.
    let body = json!({"code": "his-mc", "name": "HIS 小型机巡检", "items": items});
    let path = "/api/v1/projects/xj/inspection-templates/his-mc";
    let r = s.t.api_with(Method::PUT, path, Some(&s.it), Some(body), &[("if-match", "\"1\"")]).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "items[30].section".to_owned()), "{}", r.body);
    let cpu = items.pop().expect("cpu");
    items.insert(22, cpu);
    let body = json!({"code": "his-mc", "name": "HIS 小型机巡检", "items": items});
    let r = s.t.api(Method::PUT, path, Some(&s.it), Some(body.clone())).await;
    assert_eq!(r.status, StatusCode::PRECONDITION_REQUIRED, "{}", r.body);
    let r = s.t.api_with(Method::PUT, path, Some(&s.eng), Some(body.clone()), &[("if-match", "\"1\"")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "engineers fill in checklists, they do not rewrite them");
    let r = s.t.api_with(Method::PUT, path, Some(&s.it), Some(body.clone()), &[("if-match", "\"1\"")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v2 = r.json();
    assert_eq!(v2["version"], 2);
    assert_eq!(item(&v2, "3.4")["name"], "CPU峰值利用率");
    let kept = s.get(planned["id"].as_i64().expect("id")).await;
    assert_eq!((kept["template"]["version"].as_i64(), kept["counts"]["items"].as_i64()), (Some(1), Some(30)));
    let stale = s.t.api_with(Method::PUT, path, Some(&s.it), Some(body), &[("if-match", "\"1\"")]).await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED, "{}", stale.body);
    let r =
        s.t.api_with(
            Method::PUT,
            "/api/v1/projects/xj/inspection-templates/oracle",
            Some(&s.it),
            Some(json!({"code": "oracle", "name": "x", "items": [{"section": "a", "name": "b"}]})),
            &[("if-match", "\"0\"")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "built-ins are copied, not edited: {}", r.body);

    // Bad templates name the field; the unknown severity names the contract's.
    let bad = json!({"code": "bad", "name": "坏模板", "items": [{"section": "a", "name": "b", "result": "number", "min": 5, "max": 1, "incident": "P9"}]});
    let r = s.call(&s.it, Method::POST, "/api/v1/projects/xj/inspection-templates", Some(bad)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let errors = r.json()["errors"].as_array().cloned().unwrap_or_default();
    let fields: Vec<&str> = errors.iter().filter_map(|e| e["field"].as_str()).collect();
    assert_eq!(fields, ["items[0].min", "items[0].incident"], "{}", r.body);
    assert!(r.body.contains("可选：P1, P2, P3"), "{}", r.body);
    let list = s.ok(&s.eng, Method::GET, "/api/v1/projects/xj/inspection-templates", None, StatusCode::OK).await;
    assert_eq!(list.as_array().map(Vec::len), Some(9), "nothing of the refused templates was kept");

    // Other projects see none of it; clinicians reporting faults have no use for checklists.
    let r = s.call(&s.outsider, Method::GET, path, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = s.call(&s.reporter, Method::GET, "/api/v1/projects/xj/inspection-templates", None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_inspection_from_plan_to_issued_report_with_its_due_time_in_the_contract_calendar() {
    let s = site().await;
    let ci = s.ci("体检系统服务器", "server").await;
    let v = s.plan("health_checkup_server", Some(ci)).await;
    let id = v["id"].as_i64().expect("id");
    assert_eq!(v["number"], "INSP-2026-000001");
    assert_eq!((v["status"].as_str(), v["status_name"].as_str()), (Some("planned"), Some("待巡检")));
    assert_eq!(v["ci"], json!({"id": ci, "name": "体检系统服务器"}));
    assert_eq!(v["template"]["version"], 0);
    assert_eq!(v["counts"], json!({"items": 3, "answered": 0, "abnormal": 0}));
    assert_eq!(v["report"]["due"], Value::Null);

    // Answers typed on site at 15:00–15:20, the first sent at once, the phone then offline.
    s.t.clock.set(bj("2026-04-02T15:00:00"));
    let r = s
        .answer(id, "1.1", json!({"verdict": "ok", "note": "补丁为最新", "recorded_at": "2026-04-02T15:00:00+08:00"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "in_progress");
    assert_eq!(r.json()["started_at"], api_time("2026-04-02T15:00:00"));
    // The engineer corrects 1.1 at 15:10; then the queued 15:00 answer arrives again.
    s.t.clock.set(bj("2026-04-02T15:30:00"));
    let newer =
        json!({"verdict": "abnormal", "note": "发现高危漏洞补丁未装", "recorded_at": "2026-04-02T15:10:00+08:00"});
    assert_eq!(s.answer(id, "1.1", newer).await.status, StatusCode::OK);
    let replay = s
        .answer(id, "1.1", json!({"verdict": "ok", "note": "补丁为最新", "recorded_at": "2026-04-02T15:00:00+08:00"}))
        .await;
    assert_eq!(replay.status, StatusCode::OK, "{}", replay.body);
    let replayed = replay.json();
    let a = &item(&replayed, "1.1")["answer"];
    assert_eq!(
        (a["verdict"].as_str(), a["note"].as_str()),
        (Some("abnormal"), Some("发现高危漏洞补丁未装")),
        "the newer answer stands"
    );
    assert_eq!(a["recorded_at"], api_time("2026-04-02T15:10:00"));
    // A device clock ahead of the server's counts as the server's now.
    let r = s.answer(id, "1.2", json!({"verdict": "ok", "recorded_at": "2026-04-02T18:00:00+08:00"})).await;
    assert_eq!(item(&r.json(), "1.2")["answer"]["recorded_at"], api_time("2026-04-02T15:30:00"));

    // Signing before every item is answered names what is missing.
    let r = s.call(&s.eng, Method::POST, &format!("/api/v1/inspections/{id}/complete"), None).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "results".to_owned()));
    assert!(r.body.contains("尚有 1 项未填写：1.3 系统优化"), "{}", r.body);
    let r = s.answer(id, "1.3", json!({"text": "清理临时表空间", "recorded_at": "2026-04-02T15:20:00+08:00"})).await;
    assert_eq!(item(&r.json(), "1.3")["answer"]["verdict"], "ok");

    // Signed Thursday 16:00 before 清明 (Sat 4/4 – Mon 4/6 off): 3 working days of 9 h in
    // 08:30–17:30 are 27 h: Thu 1.5 h + Fri 9 h + Tue 9 h = 19.5 h, Wed 08:30 + 7.5 h = 16:00.
    s.t.clock.set(bj("2026-04-02T16:00:00"));
    let hospital_first =
        s.call(&s.it, Method::POST, &format!("/api/v1/inspections/{id}/confirm"), Some(json!({}))).await;
    assert_eq!(hospital_first.status, StatusCode::CONFLICT, "{}", hospital_first.body);
    let report_early =
        s.call(&s.eng, Method::PUT, &format!("/api/v1/inspections/{id}/report"), Some(json!({"findings": "x"}))).await;
    assert_eq!(report_early.status, StatusCode::CONFLICT, "{}", report_early.body);
    let v = s.ok(&s.eng, Method::POST, &format!("/api/v1/inspections/{id}/complete"), None, StatusCode::OK).await;
    assert_eq!(v["status"], "completed");
    assert_eq!(v["engineer"]["name"], "e1");
    assert_eq!(v["engineer"]["at"], api_time("2026-04-02T16:00:00"));
    assert_eq!(v["report"]["due"], api_time("2026-04-08T16:00:00"));
    assert_eq!(v["report"]["met"], Value::Null);
    assert_eq!(v["counts"], json!({"items": 3, "answered": 3, "abnormal": 1}));
    let late = s.answer(id, "1.2", json!({"verdict": "abnormal"})).await;
    assert_eq!(late.status, StatusCode::CONFLICT, "a signed inspection is not edited: {}", late.body);

    // The hospital signs; the report is written, then issued on Wednesday 15:59.
    let v = s
        .ok(
            &s.it,
            Method::POST,
            &format!("/api/v1/inspections/{id}/confirm"),
            Some(json!({"note": "情况属实"})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        (v["status"].as_str(), v["hospital"]["name"].as_str(), v["hospital"]["note"].as_str()),
        (Some("confirmed"), Some("it1"), Some("情况属实"))
    );
    let report = json!({"findings": "一台服务器高危漏洞补丁未安装", "causes": "补丁窗口未获批准", "impact": "存在被利用风险",
                        "recommendations": "下周维护窗口安装", "risks": "安装需重启，影响体检登记 10 分钟"});
    let v = s.ok(&s.eng, Method::PUT, &format!("/api/v1/inspections/{id}/report"), Some(report), StatusCode::OK).await;
    assert_eq!(
        (v["report"]["issued_at"].clone(), v["report"]["causes"].as_str()),
        (Value::Null, Some("补丁窗口未获批准"))
    );
    s.t.clock.set(bj("2026-04-08T15:59:00"));
    let v = s
        .ok(
            &s.eng,
            Method::PUT,
            &format!("/api/v1/inspections/{id}/report"),
            Some(json!({"issue": true})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(v["report"]["issued_at"], api_time("2026-04-08T15:59:00"));
    assert_eq!(v["report"]["met"], true);
    assert_eq!(v["report"]["findings"], "一台服务器高危漏洞补丁未安装", "fields not sent are kept");
    let r =
        s.call(&s.eng, Method::PUT, &format!("/api/v1/inspections/{id}/report"), Some(json!({"summary": "x"}))).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "summary".to_owned()), "{}", r.body);

    // Listed with its dates; other projects cannot see it.
    let list =
        s.ok(&s.manager, Method::GET, "/api/v1/projects/xj/inspections?status=confirmed", None, StatusCode::OK).await;
    assert_eq!(list["items"][0]["report_due"], api_time("2026-04-08T16:00:00"));
    let r = s.call(&s.outsider, Method::GET, &format!("/api/v1/inspections/{id}"), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_report_clock_counts_the_national_day_make_up_saturday() {
    let s = site().await;
    let id = s.plan("health_checkup_server", None).await["id"].as_i64().expect("id");
    s.t.clock.set(bj("2026-09-30T16:00:00"));
    for key in ["1.1", "1.2", "1.3"] {
        assert_eq!(s.answer(id, key, json!({"verdict": "ok"})).await.status, StatusCode::OK);
    }
    // Signed Wed 9/30 17:00; 10/1–10/7 off; Thu 10/8 and Fri 10/9 work; Sat 10/10 is a make-up
    // workday. 0.5 h + 9 h + 9 h = 18.5 h, then 8.5 h of Saturday: 17:00.
    s.t.clock.set(bj("2026-09-30T17:00:00"));
    let v = s.ok(&s.eng, Method::POST, &format!("/api/v1/inspections/{id}/complete"), None, StatusCode::OK).await;
    assert_eq!(v["report"]["due"], api_time("2026-10-10T17:00:00"));
    // Not issued by then: missed once the due time passes.
    s.t.clock.set(bj("2026-10-10T17:01:00"));
    assert_eq!(s.get(id).await["report"]["met"], false);
    s.t.clock.set(bj("2026-10-12T09:00:00"));
    let v = s
        .ok(
            &s.eng,
            Method::PUT,
            &format!("/api/v1/inspections/{id}/report"),
            Some(json!({"issue": true})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(v["report"]["met"], false);
}

#[tokio::test]
async fn an_abnormal_item_becomes_one_incident_linked_both_ways() {
    let s = site().await;
    let ci = s.ci("HIS 小型机 01", "minicomputer").await;
    let copy = json!({"copy_of": "minicomputer", "code": "his-mc", "name": "HIS 小型机巡检",
                      "items": [{"section": "系统性能检查", "name": "CPU利用率", "result": "number", "unit": "%", "max": 80, "incident": "P3"},
                                {"section": "系统性能检查", "name": "内存利用率", "result": "number", "unit": "%", "max": 90},
                                {"section": "硬件运行状态", "name": "电源指示灯"}]});
    s.ok(&s.it, Method::POST, "/api/v1/projects/xj/inspection-templates", Some(copy), StatusCode::CREATED).await;
    let v = s.plan("his-mc", Some(ci)).await;
    let id = v["id"].as_i64().expect("id");
    assert_eq!((v["template"]["code"].as_str(), v["template"]["version"].as_i64()), (Some("his-mc"), Some(1)));

    // 95 % CPU where 80 % is the limit: abnormal, and the template opens a P3 at once.
    let r = s.answer(id, "1.1", json!({"value": 95, "verdict": "ok"})).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "verdict".to_owned()), "{}", r.body);
    assert!(r.body.contains("95% 超出正常范围 ≤ 80%，不能判为正常"), "{}", r.body);
    let r = s.answer(id, "1.1", json!({"value": 95})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let answered = r.json();
    let a = &item(&answered, "1.1")["answer"];
    assert_eq!((a["verdict"].as_str(), a["value"].as_f64()), (Some("abnormal"), Some(95.0)));
    let auto = a["incident_id"].as_i64().expect("opened by itself");
    let inc = s.ok(&s.eng, Method::GET, &format!("/api/v1/incidents/{auto}"), None, StatusCode::OK).await;
    assert_eq!((inc["severity"].as_str(), inc["channel"].as_str()), (Some("P3"), Some("on_site")));
    assert_eq!(inc["title"], "巡检异常：HIS 小型机 01 CPU利用率");
    assert!(inc["description"].as_str().is_some_and(|d| d.contains("测得：95%（正常范围 ≤ 80%）")), "{inc}");
    assert_eq!(inc["cis"], json!([{"id": ci, "name": "HIS 小型机 01"}]));
    assert_eq!(inc["inspections"], json!([{"id": id, "number": "INSP-2026-000001", "item": "1.1"}]));
    // Answering again (still abnormal) keeps the one incident.
    let r = s.answer(id, "1.1", json!({"value": 97})).await;
    assert_eq!(item(&r.json(), "1.1")["answer"]["incident_id"].as_i64(), Some(auto));

    // Memory: abnormal by the engineer's judgement; becomes an incident only on request.
    let r = s.answer(id, "1.2", json!({"value": 70, "verdict": "abnormal", "note": "内存泄漏迹象"})).await;
    assert_eq!(item(&r.json(), "1.2")["answer"]["incident_id"], Value::Null);
    let normal = s.answer(id, "2.1", json!({"verdict": "ok"})).await;
    assert_eq!(normal.status, StatusCode::OK);
    let path = |k: &str| format!("/api/v1/inspections/{id}/results/{k}/incident");
    let r = s.call(&s.eng, Method::POST, &path("2.1"), Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "a normal item is no fault: {}", r.body);
    let r = s.call(&s.eng, Method::POST, &path("1.2"), Some(json!({"severity": "P9"}))).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "severity".to_owned()), "{}", r.body);
    let before = s.t.tdb.scalar("SELECT COUNT(*) FROM incidents").await;
    assert_eq!(before, 1, "the refused request opened nothing");
    let v = s.ok(&s.eng, Method::POST, &path("1.2"), Some(json!({})), StatusCode::CREATED).await;
    let raised = v["incident_id"].as_i64().expect("id");
    assert_eq!(item(&v["inspection"], "1.2")["answer"]["incident_id"].as_i64(), Some(raised));
    let inc = s.ok(&s.eng, Method::GET, &format!("/api/v1/incidents/{raised}"), None, StatusCode::OK).await;
    assert_eq!(inc["severity"], "P3", "the contract's least severe level by default");
    assert!(inc["description"].as_str().is_some_and(|d| d.contains("备注：内存泄漏迹象")), "{inc}");
    let r = s.call(&s.eng, Method::POST, &path("1.2"), Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "one incident per answer: {}", r.body);
    assert_eq!(s.t.tdb.scalar("SELECT COUNT(*) FROM incidents").await, 2);
    let r = s.call(&s.it, Method::POST, &path("1.2"), Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn bad_input_is_refused_by_name_and_changes_nothing() {
    let s = site().await;
    let id = s.plan("core_switch", None).await["id"].as_i64().expect("id");
    for (body, want) in [
        (json!({"verdict": "fine"}), "verdict"),
        (json!({}), "verdict"),
        (json!({"verdict": "ok", "recorded_at": "yesterday"}), "recorded_at"),
        (json!({"verdict": "ok", "mood": "good"}), "mood"),
    ] {
        let r = s.answer(id, "1.1", body.clone()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", r.body);
        assert_eq!(field(&r), want, "{body}: {}", r.body);
    }
    let r = s.answer(id, "9.9", json!({"verdict": "ok"})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(s.get(id).await["counts"]["answered"], 0);
    assert_eq!(s.get(id).await["status"], "planned");

    for (body, want) in [
        (json!({"template": "nope"}), "template"),
        (json!({"template": "oracle", "ci_id": 999}), "ci_id"),
        (json!({"template": "oracle", "kind": "weekly"}), "kind"),
        (json!({"template": "oracle", "planned_for": "4/2"}), "planned_for"),
    ] {
        let r = s.call(&s.eng, Method::POST, "/api/v1/projects/xj/inspections", Some(body.clone())).await;
        assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, want.to_owned()), "{body}: {}", r.body);
    }
    let list = s.ok(&s.eng, Method::GET, "/api/v1/projects/xj/inspections", None, StatusCode::OK).await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    let r = s.call(&s.eng, Method::GET, "/api/v1/projects/xj/inspections?status=done", None).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "status".to_owned()));

    // The hospital signs, it does not fill in; other projects' engineers see nothing.
    let r = s
        .call(&s.it, Method::PUT, &format!("/api/v1/inspections/{id}/results/1.1"), Some(json!({"verdict": "ok"})))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = s
        .call(
            &s.outsider,
            Method::PUT,
            &format!("/api/v1/inspections/{id}/results/1.1"),
            Some(json!({"verdict": "ok"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let other_ci = {
        let body = json!({"name": "别的医院的交换机", "type": "core_switch"});
        let r = s.call(&s.outsider, Method::POST, "/api/v1/projects/other/cis", Some(body)).await;
        r.json()["id"].as_i64().expect("id")
    };
    let r = s
        .call(
            &s.eng,
            Method::POST,
            "/api/v1/projects/xj/inspections",
            Some(json!({"template": "oracle", "ci_id": other_ci})),
        )
        .await;
    assert_eq!(
        (r.status, field(&r)),
        (StatusCode::UNPROCESSABLE_ENTITY, "ci_id".to_owned()),
        "another project's CI is unknown here"
    );
}

#[tokio::test]
async fn the_daily_log_is_signed_in_signed_off_and_exported_as_the_seed_form() {
    let s = site().await;
    let put = |day: &str| format!("/api/v1/projects/xj/daily-log/{day}");
    let entry = json!({"server_state": "正常", "system_state": "正常", "notes": "HIS 全库备份成功"});
    // 09:00 on Monday 2 March: the engineer signs in.
    let v = s.ok(&s.eng, Method::PUT, &put("2026-03-02"), Some(entry), StatusCode::OK).await;
    assert_eq!((v["engineer"].as_str(), v["version"].as_i64()), (Some("e1"), Some(1)));
    assert_eq!(v["signed_in_at"], api_time("2026-03-02T09:00:00"));
    let r = s
        .call(&s.eng, Method::PUT, &put("2026-03-03"), Some(json!({"server_state": "正常", "system_state": "正常"})))
        .await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "day".to_owned()), "not ahead of today");
    let r = s
        .call(&s.eng, Method::PUT, &put("2026-03-02"), Some(json!({"server_state": " ", "system_state": "正常"})))
        .await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "server_state".to_owned()));
    // At 16:00 the system state changes; the sign-in time stays.
    s.t.clock.set(bj("2026-03-02T16:00:00"));
    let later =
        json!({"server_state": "正常", "system_state": "LIS 14:10–14:25 中断，已恢复", "notes": "HIS 全库备份成功"});
    let v = s.ok(&s.eng, Method::PUT, &put("2026-03-02"), Some(later.clone()), StatusCode::OK).await;
    assert_eq!(
        (v["signed_in_at"].as_str(), v["version"].as_i64()),
        (Some(api_time("2026-03-02T09:00:00").as_str()), Some(2))
    );
    let r = s.call(&s.eng, Method::POST, &format!("{}/sign", put("2026-03-02")), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "the hospital signs off, not the engineer");
    s.t.clock.set(bj("2026-03-02T17:20:00"));
    let v = s.ok(&s.it, Method::POST, &format!("{}/sign", put("2026-03-02")), None, StatusCode::OK).await;
    assert_eq!(
        (v["hospital"].as_str(), v["hospital_signed_at"].as_str()),
        (Some("it1"), Some(api_time("2026-03-02T17:20:00").as_str()))
    );
    let r = s.call(&s.eng, Method::PUT, &put("2026-03-02"), Some(later)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "a signed-off day is closed: {}", r.body);
    let r = s.call(&s.it, Method::POST, &format!("{}/sign", put("2026-03-01")), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "nobody signed in on Sunday");

    let m = s.ok(&s.manager, Method::GET, "/api/v1/projects/xj/daily-log?month=2026-03", None, StatusCode::OK).await;
    assert_eq!(
        (m["month"].as_str(), m["signed_in"].as_u64(), m["signed_off"].as_u64()),
        (Some("2026-03"), Some(1), Some(1))
    );
    assert_eq!(m["days"].as_array().map(Vec::len), Some(31));
    assert_eq!(m["days"][0]["entry"], Value::Null);
    assert_eq!(m["days"][1]["entry"]["system_state"], "LIS 14:10–14:25 中断，已恢复");
    let r = s.call(&s.manager, Method::GET, "/api/v1/projects/xj/daily-log?month=March", None).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "month".to_owned()));
    assert_eq!(
        s.call(&s.reporter, Method::GET, "/api/v1/projects/xj/daily-log", None).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        s.call(&s.outsider, Method::GET, "/api/v1/projects/xj/daily-log", None).await.status,
        StatusCode::NOT_FOUND
    );

    // The export is the seed's form: title, the six columns, a row per day.
    let r = s.call(&s.it, Method::GET, "/api/v1/projects/xj/daily-log.xlsx?month=2026-03", None).await;
    assert_eq!(r.status, StatusCode::OK);
    let rows = yunwei_app::tabular::read_table("log.xlsx", &r.bytes).expect("xlsx");
    assert_eq!(rows[0][0], "（医院名称）维护项目运行表（2026年3月）");
    assert_eq!(rows[1], ["日期", "维护工程师签到", "服务器运行情况", "系统运行情况", "医院信息科签字", "备注"]);
    assert_eq!(rows.len(), 2 + 31);
    assert_eq!(
        rows[3],
        ["3月2日", "e1 09:00", "正常", "LIS 14:10–14:25 中断，已恢复", "it1 17:20", "HIS 全库备份成功"]
    );
    assert_eq!(rows[2][0], "3月1日");
}

#[tokio::test]
async fn a_plan_generates_each_period_the_first_and_the_pre_holiday_inspections_once() {
    let s = TestApp::site()
        .preset("seed-003")
        .project("pl")
        .members(&[("it1", HospitalIt), ("e1", Engineer)])
        .other("other", &[("e2", Engineer)])
        .tokens()
        .build()
        .await;
    let (it, eng, outsider) = (s.token("it1"), s.token("e1"), s.token("e2"));
    let t = s.t;
    let mut cis = Vec::new();
    for name in ["体检服务器 A", "体检服务器 B"] {
        let r = t
            .api(Method::POST, "/api/v1/projects/pl/cis", Some(&eng), Some(json!({"name": name, "type": "server"})))
            .await;
        cis.push(r.json()["id"].as_i64().expect("ci"));
    }
    let foreign = t
        .api(Method::POST, "/api/v1/projects/other/cis", Some(&outsider), Some(json!({"name": "x", "type": "server"})))
        .await;
    let foreign = foreign.json()["id"].as_i64().expect("ci");

    // Thursday 10 September 2026, 09:00 in Beijing.
    t.clock.set(bj("2026-09-10T09:00:00"));
    let plan = json!({"name": "体检服务器季度巡检", "template": "health_checkup_server", "ci_ids": cis});
    let r = t.api(Method::POST, "/api/v1/projects/pl/inspection-plans", Some(&eng), Some(plan.clone())).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "plans are the hospital's and the manager's");
    for (bad, want) in [
        (json!({"name": "x", "template": "nope"}), "template"),
        (json!({"name": "x", "template": "oracle", "ci_ids": [foreign]}), "ci_ids"),
        (json!({"name": "x", "template": "oracle", "cycle": "fortnight"}), "cycle"),
    ] {
        let r = t.api(Method::POST, "/api/v1/projects/pl/inspection-plans", Some(&it), Some(bad.clone())).await;
        assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, want.to_owned()), "{bad}: {}", r.body);
    }
    let r = t.api(Method::POST, "/api/v1/projects/pl/inspection-plans", Some(&it), Some(plan)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v = r.json();
    assert_eq!(v["cycle"], "quarter", "the contract's cycle (seed 003 1.1.6.2.5)");
    let generated = v["generated"].as_array().cloned().unwrap_or_default();
    let mut got: Vec<(String, String, String, bool)> = generated
        .iter()
        .map(|g| {
            let s = |k: &str| g[k].as_str().unwrap_or_default().to_owned();
            (s("kind"), s("period"), s("due_at"), g["overdue"].as_bool().unwrap_or_default())
        })
        .collect();
    got.dedup();
    assert_eq!(
        got,
        [
            // This quarter: due when it ends.
            ("routine".into(), "2026-Q3".into(), api_time("2026-10-01T00:00:00"), false),
            // The first inspection: a week (7×24) after the service period started — long past.
            ("first".into(), "first".into(), api_time("2026-01-08T00:00:00"), true),
            // 国庆 starts Thu 1 Oct; 5 working days of the office calendar before it, 中秋 (25–27
            // Sep) off: Wed 23 Sep 08:30. Listed now, within 30 days of that.
            ("pre_holiday".into(), "pre_holiday:2026-国庆节".into(), api_time("2026-09-23T08:30:00"), false),
        ]
    );
    assert_eq!(generated.len(), 6, "each for both CIs");
    assert_eq!(yunwei_app::inspection_plan::generate_all(&t.app).await.expect("pass"), 0, "nothing twice");

    // 8 October: a new quarter. Two processes run their pass at once; each execution once.
    t.clock.set(bj("2026-10-08T09:00:00"));
    let other = yunwei_app::App::new(t.tdb.second().await, t.clock.clone(), yunwei_app::AuthSettings::default());
    let (a, b) = tokio::join!(
        yunwei_app::inspection_plan::generate_all(&t.app),
        yunwei_app::inspection_plan::generate_all(&other)
    );
    assert_eq!(a.unwrap_or(0) + b.unwrap_or(0), 2, "2026-Q4 for both CIs");
    assert_eq!(t.tdb.scalar("SELECT COUNT(*) FROM inspection_executions").await, 8);
    let overdue = t.api(Method::GET, "/api/v1/projects/pl/inspections?overdue=true", Some(&it), None).await;
    let items = overdue.json()["items"].as_array().cloned().unwrap_or_default();
    let mut periods: Vec<&str> = items.iter().filter_map(|i| i["period"].as_str()).collect();
    periods.sort_unstable();
    assert_eq!(periods, ["2026-Q3", "2026-Q3", "first", "first", "pre_holiday:2026-国庆节", "pre_holiday:2026-国庆节"]);
    let plans = t.api(Method::GET, "/api/v1/projects/pl/inspection-plans", Some(&eng), None).await;
    assert_eq!(plans.json()[0]["ci_ids"], json!(cis));
    assert_eq!(
        t.api(Method::GET, "/api/v1/projects/pl/inspection-plans", Some(&outsider), None).await.status,
        StatusCode::NOT_FOUND
    );

    // The report per plan period: the latest period by default, any period by name.
    let plan_id = v["id"].as_i64().expect("plan");
    let report = format!("/api/v1/inspection-plans/{plan_id}/report");
    let r = t.api(Method::GET, &report, Some(&it), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["period"], "2026-Q4");
    assert_eq!(r.json()["periods"][0], "2026-Q4");
    let q3_id = generated[0]["id"].as_i64().expect("q3");
    let ans = json!({"verdict": "abnormal", "note": "发现未授权账户"});
    let a = t.api(Method::PUT, &format!("/api/v1/inspections/{q3_id}/results/1.1"), Some(&eng), Some(ans)).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let r = t.api(Method::GET, &format!("{report}?period=2026-Q3"), Some(&it), None).await;
    let v = r.json();
    assert_eq!(
        (v["inspections"].as_array().map(Vec::len), v["done"].as_u64(), v["overdue"].as_u64()),
        (Some(2), Some(0), Some(2))
    );
    assert_eq!((v["answered"].as_u64(), v["abnormal"].as_u64()), (Some(1), Some(1)));
    assert_eq!(v["findings"][0]["item"], "系统安全检查");
    assert_eq!(v["findings"][0]["note"], "发现未授权账户");
    let r = t.api(Method::GET, &format!("{report}?period=2025-Q1"), Some(&it), None).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "period".to_owned()));
    assert_eq!(t.api(Method::GET, &report, Some(&outsider), None).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn overdue_inspections_and_reports_are_announced_once_to_the_managers() {
    let s = site().await;
    // A quarterly plan made on 2 March: 2026-Q1 is due at the quarter's end.
    let plan = json!({"name": "体检服务器巡检", "template": "health_checkup_server"});
    let v = s.ok(&s.it, Method::POST, "/api/v1/projects/xj/inspection-plans", Some(plan), StatusCode::CREATED).await;
    let id = v["generated"][0]["id"].as_i64().expect("generated");
    assert_eq!(yunwei_app::inspection::notify_overdue(&s.t.app).await.expect("pass"), 0, "nothing is late yet");
    s.t.clock.set(bj("2026-04-01T09:00:00"));
    assert_eq!(yunwei_app::inspection::notify_overdue(&s.t.app).await.expect("pass"), 1);
    assert_eq!(yunwei_app::inspection::notify_overdue(&s.t.app).await.expect("pass"), 0, "once");
    let inbox = s.ok(&s.manager, Method::GET, "/api/v1/me/notifications", None, StatusCode::OK).await;
    let subjects: Vec<&str> = inbox.as_array().into_iter().flatten().filter_map(|n| n["subject"].as_str()).collect();
    assert_eq!(subjects, [format!("【巡检逾期】{}", v["generated"][0]["number"].as_str().unwrap_or_default())]);
    let body = inbox[0]["body"].as_str().unwrap_or_default();
    assert!(body.contains("应于 2026-04-01 00:00 前完成") && body.contains("待巡检"), "{body}");
    // Done late and signed; the report (3 working days, seed 000) is not issued in time either.
    for key in ["1.1", "1.2", "1.3"] {
        assert_eq!(s.answer(id, key, json!({"verdict": "ok"})).await.status, StatusCode::OK);
    }
    s.ok(&s.eng, Method::POST, &format!("/api/v1/inspections/{id}/complete"), None, StatusCode::OK).await;
    s.t.clock.set(bj("2026-04-09T09:00:00"));
    assert_eq!(yunwei_app::inspection::notify_overdue(&s.t.app).await.expect("pass"), 1);
    let inbox = s.ok(&s.manager, Method::GET, "/api/v1/me/notifications", None, StatusCode::OK).await;
    assert!(inbox[0]["subject"].as_str().is_some_and(|t| t.starts_with("【巡检报告逾期】")), "{inbox}");
    assert_eq!(yunwei_app::inspection::notify_overdue(&s.t.app).await.expect("pass"), 0);
}

#[tokio::test]
async fn photos_are_kept_per_item_checked_for_their_type_and_closed_with_the_inspection() {
    let s = site().await;
    let id = s.plan("health_checkup_server", None).await["id"].as_i64().expect("id");
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-photo-of-the-rack".to_vec();
    let path = format!("/api/v1/inspections/{id}/results/1.1/photos?name=%E6%9C%BA%E6%9F%9C.png");
    let r = s.t.upload(&path, Some(&s.eng), "image/png", png.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let photo = r.json();
    assert_eq!(
        (photo["item"].as_str(), photo["name"].as_str(), photo["size"].as_i64()),
        (Some("1.1"), Some("机柜.png"), Some(png.len() as i64))
    );
    let r = s.t.upload(&path, Some(&s.eng), "image/jpeg", png.clone()).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "file".to_owned()), "declared JPEG, is PNG");
    let r = s.t.upload(&path, Some(&s.eng), "text/plain", b"hello".to_vec()).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "file".to_owned()));
    let r =
        s.t.upload(
            &format!("/api/v1/inspections/{id}/results/9.9/photos?name=x.png"),
            Some(&s.eng),
            "image/png",
            png.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(s.t.upload(&path, Some(&s.it), "image/png", png.clone()).await.status, StatusCode::FORBIDDEN);
    assert_eq!(s.t.upload(&path, Some(&s.outsider), "image/png", png.clone()).await.status, StatusCode::NOT_FOUND);

    let list = s.ok(&s.it, Method::GET, &format!("/api/v1/inspections/{id}/photos"), None, StatusCode::OK).await;
    assert_eq!(list.as_array().map(Vec::len), Some(1), "the refused uploads stored nothing");
    let got = s.call(&s.it, Method::GET, &format!("/api/v1/inspections/{id}/photos/{}", photo["id"]), None).await;
    assert_eq!((got.status, got.bytes.clone()), (StatusCode::OK, png.clone()));
    assert_eq!(got.header("content-type"), Some("image/png"));
    assert_eq!(
        s.call(&s.outsider, Method::GET, &format!("/api/v1/inspections/{id}/photos"), None).await.status,
        StatusCode::NOT_FOUND
    );

    for key in ["1.1", "1.2", "1.3"] {
        assert_eq!(s.answer(id, key, json!({"verdict": "ok"})).await.status, StatusCode::OK);
    }
    s.ok(&s.eng, Method::POST, &format!("/api/v1/inspections/{id}/complete"), None, StatusCode::OK).await;
    let r = s.t.upload(&path, Some(&s.eng), "image/png", png).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "a signed inspection takes no more photos: {}", r.body);
}
