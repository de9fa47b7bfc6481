//! The impact query along each relation.

use super::*;

#[tokio::test]
async fn impact_follows_each_relation_the_way_a_failure_travels() {
    let c = cmdb().await;
    let core = c.ci(json!({"name": "核心交换机", "type": "core_switch"})).await;
    let access = c.ci(json!({"name": "接入交换机 3F", "type": "access_switch"})).await;
    let host = c.ci(json!({"name": "ESXi 主机 01", "type": "server"})).await;
    let vm = c.ci(json!({"name": "HIS 应用虚拟机", "type": "virtual_machine"})).await;
    let his = c.ci(json!({"name": "HIS", "type": "his"})).await;
    let tape = c.ci(json!({"name": "磁带库", "type": "tape_library"})).await;
    let r =
        c.t.api(
            Method::POST,
            &format!("/api/v1/cis/{access}/relations"),
            Some(&c.eng),
            Some(json!({"kind": "connects_to", "target": core, "local_port": "Gi0/1", "remote_port": "Gi1/0/24"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    for (s, k, t) in
        [(host, "connects_to", access), (vm, "runs_on", host), (his, "runs_on", vm), (tape, "backs_up", host)]
    {
        assert_eq!(c.relate(s, k, t).await.status, StatusCode::CREATED);
    }
    // The same relation twice is a conflict; onto itself or another project's CI is refused.
    assert_eq!(c.relate(his, "runs_on", vm).await.status, StatusCode::CONFLICT);
    let r = c.relate(his, "runs_on", his).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "target".to_owned()));
    let foreign =
        c.t.api(Method::POST, "/api/v1/projects/h2/cis", Some(&c.other), Some(json!({"name": "z", "type": "server"})))
            .await;
    let r = c.relate(his, "runs_on", foreign.json()["id"].as_i64().expect("id")).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "target".to_owned()));
    let r = c.relate(his, "loves", vm).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "kind".to_owned()));

    let hit = c.get(&format!("/api/v1/cis/{core}/impact")).await;
    let got: Vec<(i64, i64)> = hit
        .as_array()
        .expect("impact")
        .iter()
        .map(|v| (v["ci"]["id"].as_i64().unwrap_or(0), v["depth"].as_i64().unwrap_or(0)))
        .collect();
    assert_eq!(got, vec![(access, 1), (host, 2), (vm, 3), (his, 4)], "the backup library is not impacted");
    assert_eq!(c.get(&format!("/api/v1/cis/{his}/impact")).await, json!([]), "nothing depends on HIS");

    let rels = c.get(&format!("/api/v1/cis/{host}/relations")).await;
    let dirs: Vec<(&str, &str)> = rels
        .as_array()
        .expect("relations")
        .iter()
        .map(|r| (r["kind"].as_str().unwrap_or(""), r["direction"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(dirs, vec![("connects_to", "out"), ("runs_on", "in"), ("backs_up", "in")]);
    let first = &c.get(&format!("/api/v1/cis/{access}/relations")).await[0];
    assert_eq!((first["local_port"].as_str(), first["remote_port"].as_str()), (Some("Gi0/1"), Some("Gi1/0/24")));

    // Removing the host's uplink cuts the chain.
    let rid = rels[0]["id"].as_i64().expect("id");
    let r = c.t.api(Method::DELETE, &format!("/api/v1/cis/{his}/relations/{rid}"), Some(&c.eng), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "a relation of another CI");
    let r = c.t.api(Method::DELETE, &format!("/api/v1/cis/{host}/relations/{rid}"), Some(&c.eng), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let hit = c.get(&format!("/api/v1/cis/{core}/impact")).await;
    assert_eq!(hit.as_array().map(Vec::len), Some(1));
}
