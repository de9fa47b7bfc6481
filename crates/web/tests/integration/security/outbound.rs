//! Webhooks and group robots cannot be pointed at the hospital's own network (SSRF, ASVS 5.0
//! V1.3.6): internal addresses are refused when a channel is saved and again, after resolving
//! the host, at every send; an administrator's allowed network opens only itself.

use axum::http::{Method, StatusCode};
use chrono::Duration;
use serde_json::json;
use yunwei_app::NotifySettings;
use yunwei_domain::identity::Role::*;
use yunwei_domain::outbound::OutboundPolicy;

use crate::support::TestApp;

#[tokio::test]
async fn a_channel_aimed_at_an_internal_address_is_refused_naming_the_url_field() {
    let s = TestApp::site().project("h1").members(&[("it", HospitalIt)]).tokens().build().await;
    let it = s.token("it");
    let add = |url: &str| {
        let body = json!({"kind": "webhook", "name": "短信网关", "url": url});
        s.t.api(Method::POST, "/api/v1/projects/h1/notify-channels", Some(&it), Some(body))
    };
    for url in [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.5/send",
        "http://192.168.1.1/",
        "http://172.16.0.1/",
        "http://2130706433/",
        "http://0x7f.1/",
        "http://[::ffff:10.0.0.5]/",
        "http://0.0.0.0:9000/",
    ] {
        let r = add(url).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {}", r.body);
        let e = &r.json()["errors"][0];
        assert_eq!(e["field"], "url", "{url}");
        assert!(e["reason"].as_str().unwrap_or_default().contains("不在允许的网络"), "{url}: {e}");
    }
    assert_eq!(s.t.tdb.scalar("SELECT COUNT(*) FROM notify_channels").await, 0, "nothing saved");
    // The documentation ranges are reserved too; a public address is fine.
    assert_eq!(add("https://203.0.113.7/cgi-bin/webhook/send?key=k").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = add("https://8.8.8.8/cgi-bin/webhook/send?key=k").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

#[tokio::test]
async fn an_allowed_network_lets_a_channel_in_and_only_that_network() {
    let s = TestApp::site().project("h1").members(&[("it", HospitalIt)]).tokens().build().await;
    let policy = OutboundPolicy { allow: vec!["10.20.0.0/16".parse().expect("network")] };
    let app = s.t.app.clone().with_notify(NotifySettings { outbound: policy, ..Default::default() });
    let actor = yunwei_app::identity::authenticate(&app, &s.token("it")).await.expect("auth").expect("actor");
    let add = |url: &'static str| yunwei_app::notify::add_channel(&app, &actor, "h1", "webhook", "网关", url, None);
    assert!(add("http://10.20.1.5/sms").await.is_ok());
    let refused = add("http://10.21.1.5/sms").await.expect_err("outside the allowed network");
    assert!(refused.to_string().contains("10.21.1.5") || format!("{refused:?}").contains("10.21.1.5"), "{refused:?}");
}

/// A channel saved while its network was allowed (or whose name now resolves inside) is checked
/// again at send time: the message fails with the reason and no request is made.
#[tokio::test]
async fn the_address_is_checked_again_at_every_send() {
    let s = TestApp::site()
        .contract(crate::support::EXAMPLE_CONTRACT)
        .members(&[("d1", Dispatcher), ("m1", Manager)])
        .tokens()
        .build()
        .await;
    let t = &s.t;
    // A receiver on loopback that counts any request.
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = hits.clone();
    let receiver = axum::Router::new().fallback(move || {
        seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        async { "ok" }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move { axum::serve(listener, receiver).await });

    let loopback = OutboundPolicy { allow: vec!["127.0.0.0/8".parse().expect("network"), "::1".parse().expect("v6")] };
    let allowed = t.app.clone().with_notify(NotifySettings { outbound: loopback, ..Default::default() });
    let manager = yunwei_app::identity::authenticate(&t.app, &s.token("m1")).await.expect("auth").expect("actor");
    for (name, url) in [("回环", format!("http://127.0.0.1:{port}/")), ("本机名", format!("http://localhost:{port}/"))]
    {
        yunwei_app::notify::add_channel(&allowed, &manager, "demo", "webhook", name, &url, None).await.expect("saved");
    }
    let body = json!({"title": "HIS 数据库无响应", "severity": "P1", "channel": "phone"});
    let r = t.api(Method::POST, "/api/v1/projects/demo/incidents", Some(&s.token("d1")), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = yunwei_domain::id::IncidentId::new(r.json()["id"].as_i64().expect("id"));
    t.clock.advance(Duration::hours(2));
    yunwei_app::notify::fire_due(&t.app).await.expect("fire");
    // The installation no longer allows loopback.
    yunwei_app::notify::deliver_due(&t.app).await.expect("deliver");
    let outbox = yunwei_app::notify::incident_notices(&t.app, &manager, id).await.expect("outbox").messages;
    let hooks: Vec<_> = outbox.iter().filter(|n| n.channel == "webhook").collect();
    assert!(!hooks.is_empty(), "the ladder queued webhook messages: {outbox:?}");
    for n in &hooks {
        let err = n.last_error.clone().unwrap_or_default();
        assert!(n.status != "sent" && err.contains("本机回环地址"), "{}: {} {err}", n.address, n.status);
    }
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 0, "no request reached the internal address");

    // Allowed again, the same messages go out.
    t.clock.advance(Duration::hours(1));
    yunwei_app::notify::deliver_due(&allowed).await.expect("deliver");
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), hooks.len());
}
