//! Every revision of a CI kept with what changed, answered as of a date.

use super::*;

#[tokio::test]
async fn a_ci_keeps_every_revision_with_what_changed_and_answers_as_of_a_date() {
    let c = cmdb().await;
    let body = json!({"name": "HIS 数据库服务器 01", "type": "server", "vendor": "华为", "model": "TaiShan 2280",
                      "serial": "2102312ABC", "asset_tag": "ZC-2019-0001",
                      "location": {"building": "门诊楼", "room": "3楼信息中心机房", "rack": "A03", "u": "12-13"},
                      "ips": ["10.1.2.3", "10.1.0.0/16"],
                      "attributes": {"os": "CentOS 7.9", "memory_gb": 256, "vlans": ["10", "20"]}});
    let r = c.create("h1", body.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.header("etag"), Some("\"1\""));
    let v = r.json();
    let id = v["id"].as_i64().expect("id");
    assert_eq!(
        (v["type"].as_str(), v["type_name"].as_str(), v["status"].as_str()),
        (Some("server"), Some("服务器"), Some("in_service"))
    );
    assert_eq!(v["ips"], json!(["10.1.2.3", "10.1.0.0/16"]));
    assert_eq!(v["attributes"]["memory_gb"], json!(256));
    assert_eq!(v["location"]["rack"], json!("A03"));
    let created_at = c.t.app.now();

    // A patch a day later; a cause naming no incident of the project is refused.
    c.t.clock.advance(Duration::days(1));
    let mut upgraded = body.clone();
    upgraded["attributes"]["os"] = json!("CentOS 7.9 (补丁 2026-03)");
    upgraded["ips"] = json!(["10.1.0.0/16", "10.1.2.4"]);
    upgraded["cause"] = json!("incident:999999");
    let put = |b: Value, etag: &'static str| {
        let c = &c;
        async move {
            c.t.api_with(Method::PUT, &format!("/api/v1/cis/{id}"), Some(&c.eng), Some(b), &[("if-match", etag)]).await
        }
    };
    let r = put(upgraded.clone(), "\"1\"").await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "cause".to_owned()), "{}", r.body);
    upgraded.as_object_mut().expect("object").remove("cause");
    let r = put(upgraded.clone(), "\"1\"").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["version"], json!(2));
    // The same again with the old version: 412 naming the current one; without If-Match: 428.
    let r = put(upgraded.clone(), "\"1\"").await;
    assert_eq!(r.status, StatusCode::PRECONDITION_FAILED, "{}", r.body);
    let r = c.t.api(Method::PUT, &format!("/api/v1/cis/{id}"), Some(&c.eng), Some(upgraded.clone())).await;
    assert_eq!(r.status, StatusCode::PRECONDITION_REQUIRED, "{}", r.body);
    // Saving it unchanged adds no revision and keeps the version.
    let r = put(upgraded.clone(), "\"2\"").await;
    assert_eq!((r.status, r.json()["version"].clone()), (StatusCode::OK, json!(2)));

    let history = c.get(&format!("/api/v1/cis/{id}/history")).await;
    let revs = history["items"].as_array().expect("revisions");
    assert_eq!(revs.len(), 2, "{history}");
    assert_eq!(revs[0]["revision"], json!(2));
    assert_eq!(revs[0]["actor"], json!("eng"));
    assert_eq!(
        revs[0]["changes"],
        json!([
            {"field": "ips", "before": "10.1.2.3", "after": null},
            {"field": "ips", "before": null, "after": "10.1.2.4"},
            {"field": "attributes.os", "before": "CentOS 7.9", "after": "CentOS 7.9 (补丁 2026-03)"},
        ])
    );
    assert_eq!(revs[1]["snapshot"]["attributes"]["os"], json!("CentOS 7.9"));

    // As of the first day: revision 1; before it existed: 404.
    let at = |t: chrono::DateTime<chrono::Utc>| {
        form_urlencoded::byte_serialize(t.to_rfc3339().as_bytes()).collect::<String>()
    };
    let then = c.get(&format!("/api/v1/cis/{id}/history?as_of={}", at(created_at + Duration::hours(1)))).await;
    assert_eq!(then["items"][0]["revision"], json!(1));
    let r =
        c.t.api(
            Method::GET,
            &format!("/api/v1/cis/{id}/history?as_of={}", at(created_at - Duration::hours(1))),
            Some(&c.auditor),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Another project's engineer does not see it; the auditor may read but not write.
    let r = c.t.api(Method::GET, &format!("/api/v1/cis/{id}"), Some(&c.other), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = c
        .t
        .api_with(Method::PUT, &format!("/api/v1/cis/{id}"), Some(&c.auditor), Some(upgraded), &[("if-match", "\"2\"")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}
