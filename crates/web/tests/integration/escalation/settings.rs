//! Escalation settings and an incident's escalation through the API and the pages.

use super::*;

#[tokio::test]
async fn settings_and_the_incident_s_escalation_through_the_api() {
    use axum::http::Method;
    use serde_json::json;
    let d = desk().await;
    d.t.user("boss", false).await;
    d.t.grant("sd", "boss", "manager").await;
    let boss = d.t.token("boss").await;
    let settings = d.t.api(Method::GET, "/api/v1/projects/sd/notify-settings", Some(&boss), None).await;
    assert_eq!(settings.status, StatusCode::OK, "{}", settings.body);
    let targets: Vec<String> = settings.json()["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .map(|t| format!("{}={}", t["target"].as_str().unwrap_or_default(), t["users"]))
        .collect();
    assert_eq!(targets, [r#"manager1=["m1"]"#, r#"manager2=["m2"]"#, r#"manager3=["m3"]"#]);

    let bad =
        d.t.api(
            Method::PUT,
            "/api/v1/projects/sd/escalation-contacts/manager1",
            Some(&boss),
            Some(json!({"users": ["nobody"]})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("\"users\"") && bad.body.contains("nobody"), "{}", bad.body);
    let ok =
        d.t.api(
            Method::PUT,
            "/api/v1/projects/sd/escalation-contacts/manager1",
            Some(&boss),
            Some(json!({"users": ["boss", "m1"]})),
        )
        .await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT, "{}", ok.body);
    // A target as the settings list gave it goes back too; its `target` is read-only.
    let path = "/api/v1/projects/sd/escalation-contacts/manager2";
    let r = d.t.api(Method::PUT, path, Some(&boss), Some(json!({"target": "manager2", "users": ["m2", "boss"]}))).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = d.t.api(Method::PUT, path, Some(&boss), Some(json!({"target": "manager3", "users": ["m2"]}))).await;
    assert_eq!((r.status, r.json()["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("target")));
    let r = d.t.api(Method::PUT, path, Some(&boss), Some(json!({"usres": ["m2"]}))).await;
    assert_eq!((r.status, r.json()["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("usres")));
    let settings = d.t.api(Method::GET, "/api/v1/projects/sd/notify-settings", Some(&boss), None).await.json();
    assert_eq!(settings["targets"][1]["users"], json!(["m2", "boss"]), "{settings}");

    let bad =
        d.t.api(
            Method::POST,
            "/api/v1/projects/sd/notify-channels",
            Some(&boss),
            Some(json!({"kind": "qq", "name": "", "url": "ftp://x"})),
        )
        .await;
    let fields: Vec<String> = bad.json()["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(fields, ["kind", "name", "url"]);
    let made = d
        .t
        .api(
            Method::POST,
            "/api/v1/projects/sd/notify-channels",
            Some(&boss),
            Some(json!({"kind": "wecom", "name": "运维群", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRETKEY"})),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    assert!(
        !made.body.contains("SECRETKEY") && made.body.contains("qyapi.weixin.qq.com"),
        "the key is not shown: {}",
        made.body
    );

    let me =
        d.t.api(
            Method::PUT,
            "/api/v1/me/contact",
            Some(&boss),
            Some(json!({"email": "not-an-address", "quiet_start": "22:00"})),
        )
        .await;
    let fields: Vec<String> = me.json()["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(fields, ["email", "quiet_end"]);
    let me =
        d.t.api(
            Method::PUT,
            "/api/v1/me/contact",
            Some(&boss),
            Some(json!({"email": "boss@vendor.example", "phone": "13900000000"})),
        )
        .await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);

    // Reported 40 minutes ago: Manager1 (now boss and m1) is told, in-app, by mail and in the group.
    let id = d.report(&d.t.app, "P1", "2026-03-02T08:20:00").await;
    notify::fire_due(&d.t.app).await.expect("fire");
    let n = d.t.api(Method::GET, &format!("/api/v1/incidents/{id}/notifications"), Some(&boss), None).await;
    assert_eq!(n.status, StatusCode::OK, "{}", n.body);
    let n = n.json();
    assert_eq!(n["steps"][0]["fired_at"], "2026-03-02T01:00:00.000000Z");
    assert_eq!(n["steps"][1]["fired_at"], serde_json::Value::Null);
    let messages: Vec<String> = n["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| {
            format!(
                "{}:{}:{}",
                m["channel"].as_str().unwrap_or_default(),
                m["recipient"].as_str().unwrap_or_default(),
                m["status"].as_str().unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(messages, ["in_app:m1:sent", "in_app:boss:sent", "email:boss:pending", "wecom:运维群:pending"]);
    assert!(!n.to_string().contains("boss@vendor.example"), "addresses are not shown");
    let inbox = d.t.api(Method::GET, "/api/v1/me/notifications", Some(&boss), None).await.json();
    assert_eq!(inbox["items"][0]["incident_id"].as_i64(), Some(id));
}

#[tokio::test]
async fn the_pages_show_the_ladder_and_let_a_manager_set_it_up() {
    use axum::http::Method;
    let d = desk().await;
    d.t.user("boss", false).await;
    d.t.grant("sd", "boss", "manager").await;
    let (s, csrf) = d.t.session_of("boss").await;
    let page = d.t.page(Method::GET, "/p/sd/notifications", Some(&s), None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Manager2 · 服务交付中心经理") && page.body.contains("value=\"m2\""), "{}", page.body);

    let bad = [("_csrf", csrf.as_str()), ("target", "manager2"), ("users", "m2, ghost")];
    let r = d.t.page(Method::POST, "/p/sd/notifications/targets", Some(&s), Some(&bad)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("人员：“ghost”不是本项目成员"), "{}", r.body);
    let robot = [
        ("_csrf", csrf.as_str()),
        ("kind", "wecom"),
        ("name", "信息科运维群"),
        ("url", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=TOPSECRET"),
        ("secret", ""),
    ];
    let r = d.t.page(Method::POST, "/p/sd/notifications/channels", Some(&s), Some(&robot)).await;
    assert!(r.body.contains("信息科运维群") && !r.body.contains("TOPSECRET"), "{}", r.body);

    let contact =
        [("_csrf", csrf.as_str()), ("email", "boss@"), ("phone", ""), ("quiet_start", "22:00"), ("quiet_end", "")];
    let r = d.t.page(Method::POST, "/account/contact", Some(&s), Some(&contact)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("邮箱：不是有效的邮箱地址") && r.body.contains("免打扰结束"), "{}", r.body);

    let id = d.report(&d.t.app, "P1", "2026-03-02T08:00:00").await;
    notify::fire_due(&d.t.app).await.expect("fire");
    let page = d.t.page(Method::GET, &format!("/p/sd/incidents/{id}"), Some(&s), None).await;
    assert!(page.body.contains("升级与通知") && page.body.contains("manager1"), "{}", page.body);
    assert!(page.body.contains("企业微信群") && page.body.contains("待发送"), "{}", page.body);
    let (m1, _) = d.t.session(d.managers[0]).await;
    let inbox = d.t.page(Method::GET, "/inbox", Some(&m1), None).await;
    assert!(
        inbox.body.contains(&format!("/p/sd/incidents/{id}")) && inbox.body.contains("【故障升级】"),
        "{}",
        inbox.body
    );
}
