//! An inspection from plan to issued report, the report clock in the contract calendar, abnormal
//! items turned into incidents, and bad input refused.

use super::*;

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
