//! The seeds' templates and a project's copy edited into new versions.

use super::*;

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
