//! The IP register: one live CI per address, found by monitoring instance.

use super::*;

#[tokio::test]
async fn an_address_belongs_to_one_live_ci_and_monitoring_instances_find_it() {
    let c = cmdb().await;
    let db = c.ci(json!({"name": "PACS 数据库", "type": "database", "hostname": "PACS-DB01.hospital.local.", "ips": ["10.1.2.3"]})).await;
    let net =
        c.ci(json!({"name": "机房核心交换机", "type": "core_switch", "ips": ["10.1.0.0/16", "10.0.0.0/8"]})).await;

    // The same address on a second live CI: 409 naming the entry and the holder.
    let r = c.create("h1", json!({"name": "新服务器", "type": "server", "ips": ["10.1.9.9", "10.1.2.3"]})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("ips[1]") && r.body.contains("PACS 数据库"), "{}", r.body);
    // Another project may use it; a spare here may keep it on record.
    assert_eq!(
        c.t.api(
            Method::POST,
            "/api/v1/projects/h2/cis",
            Some(&c.other),
            Some(json!({"name": "x", "type": "server", "ips": ["10.1.2.3"]}))
        )
        .await
        .status,
        StatusCode::CREATED
    );
    let spare = c.ci(json!({"name": "备机", "type": "server", "status": "spare", "ips": ["10.1.2.3"]})).await;

    // Lookups: a Prometheus instance, a bare address, a host name, an address only a subnet covers.
    let found = c.get("/api/v1/projects/h1/ips?ip=10.1.2.3:9100").await;
    let ids: Vec<i64> = found["cis"].as_array().expect("cis").iter().filter_map(|v| v["id"].as_i64()).collect();
    assert_eq!(ids, vec![db, spare], "the live holder first");
    assert_eq!(found["subnets"][0]["subnet"], json!("10.1.0.0/16"), "narrowest first");
    assert_eq!(found["subnets"][1]["subnet"], json!("10.0.0.0/8"));
    assert_eq!(found["subnets"][0]["ci"]["id"], json!(net));
    let by_name = c.get("/api/v1/projects/h1/ips?ip=pacs-db01.hospital.local:9100").await;
    assert_eq!(by_name["cis"][0]["id"], json!(db));
    let only_net = c.get("/api/v1/projects/h1/ips?ip=10.1.200.1").await;
    assert_eq!(
        (only_net["cis"].as_array().map(Vec::len), only_net["subnets"].as_array().map(Vec::len)),
        (Some(0), Some(2))
    );
    let list = c.get("/api/v1/projects/h1/cis?ip=10.1.2.3").await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(2));

    // Bad addresses name the entry; a subnet with host bits set says how to write it.
    let r = c.create("h1", json!({"name": "y", "type": "server", "ips": ["10.1.2.5", "10.1.2.300"]})).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "ips[1]".to_owned()), "{}", r.body);
    let r = c.create("h1", json!({"name": "y", "type": "server", "ips": ["10.1.2.3/16"]})).await;
    assert!(r.body.contains("10.1.0.0/16"), "{}", r.body);
    let r = c.t.api(Method::GET, "/api/v1/projects/h1/ips?ip=%20", Some(&c.auditor), None).await;
    assert_eq!(r.json()["conflicts"], json!([]), "{}", r.body);
    assert_eq!(c.t.tdb.scalar("SELECT COUNT(*) FROM cis").await, 4, "nothing refused was stored");
}
