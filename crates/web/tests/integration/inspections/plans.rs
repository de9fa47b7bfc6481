//! Plans generating their inspections each period, and overdue work announced to the managers.

use super::*;

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
    let subjects: Vec<&str> =
        inbox["items"].as_array().into_iter().flatten().filter_map(|n| n["subject"].as_str()).collect();
    assert_eq!(subjects, [format!("【巡检逾期】{}", v["generated"][0]["number"].as_str().unwrap_or_default())]);
    let body = inbox["items"][0]["body"].as_str().unwrap_or_default();
    assert!(body.contains("应于 2026-04-01 00:00 前完成") && body.contains("待巡检"), "{body}");
    // Done late and signed; the report (3 working days, seed 000) is not issued in time either.
    for key in ["1.1", "1.2", "1.3"] {
        assert_eq!(s.answer(id, key, json!({"verdict": "ok"})).await.status, StatusCode::OK);
    }
    s.ok(&s.eng, Method::POST, &format!("/api/v1/inspections/{id}/complete"), None, StatusCode::OK).await;
    s.t.clock.set(bj("2026-04-09T09:00:00"));
    assert_eq!(yunwei_app::inspection::notify_overdue(&s.t.app).await.expect("pass"), 1);
    let inbox = s.ok(&s.manager, Method::GET, "/api/v1/me/notifications", None, StatusCode::OK).await;
    assert!(inbox["items"][0]["subject"].as_str().is_some_and(|t| t.starts_with("【巡检报告逾期】")), "{inbox}");
    assert_eq!(yunwei_app::inspection::notify_overdue(&s.t.app).await.expect("pass"), 0);
}
