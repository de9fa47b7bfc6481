//! The CMDB through the API: records with revisions and their diffs, the IP register with
//! conflicts and lookups by monitoring instance, relations and the impact query, and bad input
//! refused without a change.

use axum::http::{Method, StatusCode};
use chrono::Duration;
use serde_json::{Value, json};

use yunwei_domain::identity::Role::*;

use crate::support::{Resp, TestApp};

struct Cmdb {
    t: TestApp,
    /// An engineer of `h1` (writes).
    eng: String,
    /// An auditor of `h1` (reads only).
    auditor: String,
    /// An engineer of `h2` only.
    other: String,
}

async fn cmdb() -> Cmdb {
    let s = TestApp::site()
        .project("h1")
        .members(&[("eng", Engineer), ("aud", Auditor)])
        .other("h2", &[("eng2", Engineer)])
        .tokens()
        .build()
        .await;
    let (eng, auditor, other) = (s.token("eng"), s.token("aud"), s.token("eng2"));
    Cmdb { t: s.t, eng, auditor, other }
}

impl Cmdb {
    async fn create(&self, project: &str, body: Value) -> Resp {
        self.t.api(Method::POST, &format!("/api/v1/projects/{project}/cis"), Some(&self.eng), Some(body)).await
    }

    async fn ci(&self, body: Value) -> i64 {
        let r = self.create("h1", body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.json()["id"].as_i64().expect("id")
    }

    async fn get(&self, path: &str) -> Value {
        let r = self.t.api(Method::GET, path, Some(&self.auditor), None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        r.json()
    }

    async fn relate(&self, source: i64, kind: &str, target: i64) -> Resp {
        let body = json!({"kind": kind, "target": target});
        self.t.api(Method::POST, &format!("/api/v1/cis/{source}/relations"), Some(&self.eng), Some(body)).await
    }
}

fn field(r: &Resp) -> String {
    r.json()["errors"][0]["field"].as_str().unwrap_or_default().to_owned()
}

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
    let revs = history.as_array().expect("revisions");
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
    assert_eq!(then[0]["revision"], json!(1));
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

#[tokio::test]
async fn bad_input_names_every_field_and_changes_nothing() {
    let c = cmdb().await;
    let r =
        c.create("h1", json!({"name": " ", "type": "toaster", "status": "lost", "warranty_end": "2026-13-01"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(field(&r), "warranty_end");
    let r = c
        .create("h1", json!({"name": " ", "type": "toaster", "status": "lost", "attributes": {"cpu": {"cores": 8}}}))
        .await;
    let fields: Vec<String> = r.json()["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str().map(str::to_owned))
        .collect();
    for f in ["name", "type", "status", "attributes.cpu"] {
        assert!(fields.contains(&f.to_owned()), "{f} missing from {fields:?}");
    }
    assert!(r.body.contains("未知的配置项类型“toaster”"), "{}", r.body);
    let r = c.create("h1", json!({"name": "x", "type": "server", "colour": "red"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "unknown fields are refused: {}", r.body);
    let r = c.t.api(Method::GET, "/api/v1/projects/h1/cis?ip=not-an-ip", Some(&c.auditor), None).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "ip".to_owned()));
    assert_eq!(c.t.tdb.scalar("SELECT COUNT(*) FROM cis").await, 0);
    assert_eq!(c.t.tdb.scalar("SELECT COUNT(*) FROM ci_revisions").await, 0);

    let types = c.get("/api/v1/cmdb/types").await;
    let pacs = types.as_array().expect("types").iter().find(|t| t["code"] == "pacs").cloned().unwrap_or_default();
    assert_eq!(pacs["class"], json!("application"));
}

#[tokio::test]
async fn lists_filter_by_type_status_location_and_text_and_page_newest_first() {
    let c = cmdb().await;
    let mut ids = Vec::new();
    for i in 0..7 {
        let kind = if i % 2 == 0 { "server" } else { "access_switch" };
        let status = if i == 6 { "retired" } else { "in_service" };
        let room = if i < 3 { "门诊楼机房" } else { "住院楼弱电间" };
        ids.push(
            c.ci(json!({"name": format!("设备 {i}"), "type": kind, "status": status, "serial": format!("SN-{i:04}"),
                               "location": {"room": room}}))
                .await,
        );
    }
    let page = |q: &'static str| {
        let c = &c;
        async move {
            let v = c.get(&format!("/api/v1/projects/h1/cis?{q}")).await;
            let ids: Vec<i64> = v["items"].as_array().expect("items").iter().filter_map(|i| i["id"].as_i64()).collect();
            (ids, v["next_cursor"].as_str().map(str::to_owned))
        }
    };
    let pick = |f: &dyn Fn(usize) -> bool| -> Vec<i64> { (0..7).rev().filter(|i| f(*i)).map(|i| ids[i]).collect() };
    assert_eq!(page("").await.0, pick(&|_| true));
    assert_eq!(page("type=server").await.0, pick(&|i| i % 2 == 0));
    assert_eq!(page("type=server&status=in_service").await.0, pick(&|i| i % 2 == 0 && i != 6));
    assert_eq!(page("location=%E9%97%A8%E8%AF%8A").await.0, pick(&|i| i < 3), "location=门诊");
    assert_eq!(page("text=sn-0005").await.0, vec![ids[5]]);
    let (first, cursor) = page("limit=4").await;
    assert_eq!(first, pick(&|i| i >= 3));
    let cursor = cursor.expect("a second page");
    let v = c.get(&format!("/api/v1/projects/h1/cis?limit=4&cursor={cursor}")).await;
    let rest: Vec<i64> = v["items"].as_array().expect("items").iter().filter_map(|i| i["id"].as_i64()).collect();
    assert_eq!(rest, pick(&|i| i < 3));
    assert!(v["next_cursor"].is_null());
}

#[tokio::test]
async fn a_spreadsheet_imports_through_the_api_only_when_every_row_is_good() {
    let c = cmdb().await;
    let csv = "名称,类型,IP地址,资产编号\r\n核心交换机,core_switch,10.1.0.1,ZC-1\r\nPACS,pacs,10.1.0.1,ZC-2\r\n";
    let url = |q: &str| format!("/api/v1/projects/h1/cis/import?name=%E8%B5%84%E4%BA%A7.csv{q}");
    let r = c.t.upload(&url(""), Some(&c.eng), "text/csv", csv.as_bytes().to_vec()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["errors"][0]["field"], json!("rows[3].ips[0]"), "{}", r.body);
    assert!(r.body.contains("第 3 行“IP地址”"), "{}", r.body);
    let r = c.t.upload(&url("&dry_run=true"), Some(&c.eng), "text/csv", csv.as_bytes().to_vec()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (r.json()["new"].clone(), r.json()["invalid"].clone(), r.json()["applied"].clone()),
        (json!(1), json!(1), json!(false))
    );
    assert_eq!(c.t.tdb.scalar("SELECT COUNT(*) FROM cis").await, 0, "nothing written");
    let r = c.t.upload(&url("&skip_invalid=true"), Some(&c.eng), "text/csv", csv.as_bytes().to_vec()).await;
    assert_eq!((r.status, r.json()["applied"].clone()), (StatusCode::OK, json!(true)), "{}", r.body);
    assert_eq!(c.t.tdb.scalar("SELECT COUNT(*) FROM cis").await, 1);

    let r = c.t.api(Method::GET, "/api/v1/projects/h1/cis/export", Some(&c.auditor), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.header("content-disposition").unwrap_or_default().contains(".xlsx"));
    let r = c.t.api(Method::GET, "/api/v1/projects/h1/cis/export?format=pdf", Some(&c.auditor), None).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "format".to_owned()));
    let r =
        c.t.upload(
            &url("").replace("%E8%B5%84%E4%BA%A7.csv", "cis.pdf"),
            Some(&c.eng),
            "application/pdf",
            b"%PDF".to_vec(),
        )
        .await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "file".to_owned()), "{}", r.body);
}

#[tokio::test]
async fn the_pages_record_relate_import_and_show_impact_and_history() {
    let c = cmdb().await;
    let uid = yunwei_store::identity::user_by_username(&c.t.app.db, "eng").await.expect("db").expect("user").id;
    let (s, csrf) = c.t.session(uid).await;
    let form = [
        ("_csrf", csrf.as_str()),
        ("name", "门诊楼核心交换机"),
        ("type", "core_switch"),
        ("status", "in_service"),
        ("ips", "10.1.0.1，10.1.0.0/16"),
        ("attributes", "firmware=V200R021; ports=48"),
    ];
    let r = c.t.page(Method::POST, "/p/h1/cis", Some(&s), Some(&form)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let core_page = r.header("location").expect("location").to_owned();
    let core: i64 = core_page.rsplit('/').next().and_then(|n| n.parse().ok()).expect("id");
    let vm = c.ci(json!({"name": "HIS 应用虚拟机", "type": "virtual_machine"})).await;

    // A bad address is refused with the reason on the page, and nothing is recorded.
    let bad = [("_csrf", csrf.as_str()), ("name", "x"), ("type", "server"), ("ips", "10.1.0.999")];
    let r = c.t.page(Method::POST, "/p/h1/cis", Some(&s), Some(&bad)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("未能登记") && r.body.contains("10.1.0.999"), "{}", r.body);

    // Relate by name from the VM's page; the switch's page shows the impact.
    let rel = [("_csrf", csrf.as_str()), ("kind", "connects_to"), ("target", "门诊楼核心交换机")];
    let r = c.t.page(Method::POST, &format!("/p/h1/cis/{vm}/relations"), Some(&s), Some(&rel)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = c.t.page(Method::GET, &core_page, Some(&s), None).await;
    assert_eq!(page.status, StatusCode::OK);
    for want in ["门诊楼核心交换机", "10.1.0.0/16", "V200R021", "故障影响（1 项）", "HIS 应用虚拟机", "第 1 版"]
    {
        assert!(page.body.contains(want), "{want} missing");
    }
    // Another project's page does not show it.
    c.t.project("h3").await;
    c.t.grant("h3", "eng", "engineer").await;
    assert_eq!(c.t.page(Method::GET, &format!("/p/h3/cis/{core}"), Some(&s), None).await.status, StatusCode::NOT_FOUND);

    // A spreadsheet checked on the page lists its bad rows; the list shows the recorded ones.
    let csv = "名称,类型,IP地址\r\nPACS 服务器,server,10.1.0.1\r\n".as_bytes();
    let r = c.t.multipart("/p/h1/cis/import", Some(&s), &csrf, ("资产.csv", "text/csv", csv)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("未导入") && r.body.contains("门诊楼核心交换机"), "{}", r.body);
    // No file chosen: the page says so.
    let r = c.t.multipart("/p/h1/cis/import", Some(&s), &csrf, ("", "text/csv", b"")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("未能导入：请选择 .xlsx 或 .csv 文件"), "{}", r.body);
    let list = c.t.page(Method::GET, "/p/h1/cis?type=core_switch", Some(&s), None).await;
    assert!(list.body.contains("门诊楼核心交换机") && !list.body.contains("HIS 应用虚拟机"), "{}", list.body);
}

#[tokio::test]
async fn an_incident_naming_a_ci_is_listed_on_its_page() {
    let c = cmdb().await;
    let contract = crate::support::EXAMPLE_CONTRACT.replace("code = \"demo\"", "code = \"h1\"");
    yunwei_app::contract::apply(&c.t.app, None, &contract).await.expect("contract");
    let core = c.ci(json!({"name": "门诊楼核心交换机", "type": "core_switch", "asset_tag": "ZC-0001"})).await;
    let other = c.ci(json!({"name": "住院楼汇聚交换机", "type": "aggregation_switch"})).await;
    // Named by name, by asset tag and by id; a free-text entry stays as typed.
    let (mut numbers, mut ids) = (Vec::new(), Vec::new());
    for refs in [json!(["门诊楼核心交换机"]), json!(["ZC-0001", "某台打印机"]), json!([other.to_string()])]
    {
        let body = json!({"title": "门诊断网", "severity": "P3", "channel": "phone", "ci": refs});
        let r = c.t.api(Method::POST, "/api/v1/projects/h1/incidents", Some(&c.eng), Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        numbers.push(r.json()["number"].as_str().expect("number").to_owned());
        ids.push(r.json()["id"].as_i64().expect("id"));
    }
    // The incident JSON names the linked CIs by id; the free-text entry links nothing.
    let linked = |v: &Value| v["cis"].as_array().map(|a| a.iter().map(|c| c["id"].as_i64()).collect::<Vec<_>>());
    for (id, want) in ids.iter().zip([core, core, other]) {
        let v = c.get(&format!("/api/v1/incidents/{id}")).await;
        assert_eq!(linked(&v), Some(vec![Some(want)]), "{v}");
        assert_eq!(v["ci"].as_array().map(Vec::len), Some(if want == core && *id == ids[1] { 2 } else { 1 }));
    }
    let listed = c.get("/api/v1/projects/h1/incidents").await;
    assert!(
        listed["items"][0]["id"].is_i64() && listed["items"][0].get("cis").is_none(),
        "lists leave links out: {listed}"
    );
    let uid = yunwei_store::identity::user_by_username(&c.t.app.db, "eng").await.expect("db").expect("user").id;
    let (s, _) = c.t.session(uid).await;
    let page = c.t.page(Method::GET, &format!("/p/h1/cis/{core}"), Some(&s), None).await;
    assert!(page.body.contains(&numbers[0]) && page.body.contains(&numbers[1]), "{}", page.body);
    assert!(!page.body.contains(&numbers[2]), "an incident of another CI is not listed");
    let page = c.t.page(Method::GET, &format!("/p/h1/cis/{other}"), Some(&s), None).await;
    assert!(page.body.contains(&numbers[2]) && !page.body.contains(&numbers[0]));
}

/// The `<a href>` targets and `<text>` contents of an SVG, failing if it is not well-formed XML.
fn svg_parts(svg: &str) -> (Vec<String>, Vec<String>) {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(svg);
    let (mut hrefs, mut texts) = (Vec::new(), Vec::new());
    let mut in_text = false;
    loop {
        match reader.read_event().expect("well-formed SVG") {
            Event::Start(e) if e.name().as_ref() == "a" => {
                let href = e.try_get_attribute("href").expect("attribute").expect("href");
                hrefs.push(href.value.into_owned());
            }
            Event::Start(e) => {
                in_text = e.name().as_ref() == "text";
                if in_text {
                    texts.push(String::new());
                }
            }
            Event::Text(t) if in_text => {
                if let Some(last) = texts.last_mut() {
                    last.push_str(&t.into_inner());
                }
            }
            Event::GeneralRef(r) if in_text => {
                let name: &str = AsRef::<str>::as_ref(&r);
                let c = match name.strip_prefix('#') {
                    Some(n) => n.parse::<u32>().ok().and_then(char::from_u32).expect("a character reference"),
                    None => match name {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "quot" => '"',
                        _ => '\'',
                    },
                };
                if let Some(last) = texts.last_mut() {
                    last.push(c);
                }
            }
            Event::End(_) => in_text = false,
            Event::Eof => break,
            _ => {}
        }
    }
    (hrefs, texts)
}

#[tokio::test]
async fn the_topology_draws_a_projects_relations_as_svg_and_refuses_a_bad_scope() {
    let c = cmdb().await;
    let core = c.ci(json!({"name": "核心交换机 <A&B>", "type": "core_switch", "ips": ["10.0.0.1"]})).await;
    let access = c.ci(json!({"name": "门诊楼接入交换机", "type": "access_switch"})).await;
    let mut servers = Vec::new();
    for i in 1..=3 {
        let s = c.ci(json!({"name": format!("服务器 {i}"), "type": "server", "ips": [format!("10.1.0.{i}")]})).await;
        assert_eq!(c.relate(s, "connects_to", access).await.status, StatusCode::CREATED);
        servers.push(s);
    }
    let vm = c.ci(json!({"name": "HIS 应用虚拟机", "type": "virtual_machine"})).await;
    assert_eq!(c.relate(vm, "runs_on", servers[0]).await.status, StatusCode::CREATED);
    assert_eq!(c.relate(access, "connects_to", core).await.status, StatusCode::CREATED);
    let ups = c.ci(json!({"name": "UPS 电源", "type": "ups"})).await;

    let r = c.t.api(Method::GET, "/api/v1/projects/h1/topology?scope=all", Some(&c.auditor), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers["content-type"], "image/svg+xml; charset=utf-8");
    assert!(r.headers["content-security-policy"].to_str().unwrap_or_default().contains("default-src 'none'"));
    let (hrefs, texts) = svg_parts(&r.body);
    for id in [core, access, servers[0], servers[1], servers[2], vm, ups] {
        assert!(hrefs.contains(&format!("/p/h1/cis/{id}")), "CI {id} links to its page: {hrefs:?}");
    }
    assert!(texts.iter().any(|t| t == "核心交换机 <A&B>"), "names are escaped and read back: {texts:?}");
    assert!(texts.iter().any(|t| t == "服务器 1  10.1.0.1"), "servers are listed under their switch: {texts:?}");
    assert!(texts.iter().any(|t| t.starts_with("门诊楼接入交换机 下挂 4 项")), "{texts:?}");
    assert!(texts.iter().any(|t| t.starts_with("未建立关系的配置项（1 项）")), "{texts:?}");
    assert_eq!(r.body.matches("<path class=\"ln k-connects_to\"").count(), 3, "core–access, access–group, legend");

    // Network devices only: the servers and the VM are left out.
    let r = c.t.api(Method::GET, "/api/v1/projects/h1/topology?scope=network", Some(&c.auditor), None).await;
    let (hrefs, _) = svg_parts(&r.body);
    assert_eq!(hrefs, vec![format!("/p/h1/cis/{core}"), format!("/p/h1/cis/{access}")]);

    // Around one server, one relation deep: its switch and its VM, not the other servers.
    let r = c.t.api(Method::GET, &format!("/api/v1/cis/{}/topology?depth=1", servers[0]), Some(&c.auditor), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (hrefs, _) = svg_parts(&r.body);
    let mut want: Vec<String> = [access, servers[0], vm].iter().map(|id| format!("/p/h1/cis/{id}")).collect();
    let mut got = hrefs.clone();
    want.sort();
    got.sort();
    assert_eq!(got, want);

    for (path, field_name) in [
        ("/api/v1/projects/h1/topology?scope=everything".to_owned(), "scope"),
        (format!("/api/v1/cis/{core}/topology?depth=9"), "depth"),
    ] {
        let r = c.t.api(Method::GET, &path, Some(&c.auditor), None).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {}", r.body);
        assert_eq!(field(&r), field_name);
    }
    // Another project's engineer sees neither drawing.
    let r = c.t.api(Method::GET, "/api/v1/projects/h1/topology", Some(&c.other), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = c.t.api(Method::GET, &format!("/api/v1/cis/{core}/topology"), Some(&c.other), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

fn refs(form: &[(String, String)]) -> Vec<(&str, &str)> {
    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// The values of the edit form's `c0`, `c1`, … fields, in order.
fn form_cells(page: &str) -> Vec<String> {
    let mut out = Vec::new();
    for i in 0.. {
        let key = format!("name=\"c{i}\"");
        let Some(at) = page.find(&key) else { break };
        let rest = &page[at..];
        let value = if rest.starts_with(&format!("{key} rows")) || page[..at].ends_with("<textarea ") {
            rest.split_once('>').and_then(|(_, r)| r.split_once("</textarea>")).map(|(v, _)| v).unwrap_or_default()
        } else {
            rest.split_once("value=\"").and_then(|(_, r)| r.split_once('"')).map(|(v, _)| v).unwrap_or_default()
        };
        out.push(value.replace("&#61;", "=").replace("&#59;", ";").replace("&#32;", " "));
    }
    out
}

#[tokio::test]
async fn the_edit_form_shows_every_column_saves_only_what_changed_and_refuses_a_stale_version() {
    let c = cmdb().await;
    let uid = yunwei_store::identity::user_by_username(&c.t.app.db, "eng").await.expect("db").expect("user").id;
    let (s, csrf) = c.t.session(uid).await;
    let id = c
        .ci(json!({"name": "PACS 存储", "type": "storage_array", "part_number": "02351QAK", "warranty_end": "2027-06-30",
                   "supplier": "华为", "location": {"rack": "A03", "u": "10-13"}, "ips": ["10.1.0.41"],
                   "attributes": {"capacity_tb": 200}}))
        .await;
    let other = c.ci(json!({"name": "PACS 服务器", "type": "server"})).await;
    let rel = c.relate(other, "depends_on", id).await.json()["id"].as_i64().expect("relation id");

    let page = c.t.page(Method::GET, &format!("/p/h1/cis/{id}/edit"), Some(&s), None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let mut cells = form_cells(&page.body);
    let header = yunwei_domain::cmdb::header_row();
    assert_eq!(cells.len(), header.len(), "one field per sheet column: {cells:?}");
    let col = |h: &str| header.iter().position(|x| x == h).unwrap_or_else(|| panic!("column {h}"));
    assert_eq!(cells[col("PN号")], "02351QAK");
    assert_eq!(cells[col("保修截止")], "2027-06-30");
    assert_eq!(cells[col("机柜")], "A03");

    // Change the model only: everything else survives, and the revision lists just that.
    cells[col("型号")] = "OceanStor 5310".into();
    let mut form: Vec<(String, String)> = vec![("_csrf".into(), csrf.clone()), ("version".into(), "1".into())];
    form.extend(cells.iter().enumerate().map(|(i, v)| (format!("c{i}"), v.clone())));
    let r = c.t.page(Method::POST, &format!("/p/h1/cis/{id}"), Some(&s), Some(&refs(&form))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let ci = c.get(&format!("/api/v1/cis/{id}")).await;
    assert_eq!(
        (ci["model"].as_str(), ci["part_number"].as_str(), ci["version"].as_i64()),
        (Some("OceanStor 5310"), Some("02351QAK"), Some(2))
    );
    assert_eq!(ci["attributes"]["capacity_tb"], json!(200));
    let history = c.get(&format!("/api/v1/cis/{id}/history")).await;
    assert_eq!(
        history[0]["changes"].as_array().map(|a| a.iter().map(|c| c["field"].clone()).collect::<Vec<_>>()),
        Some(vec![json!("model")])
    );

    // The same form again, still at version 1: someone saved in between.
    let r = c.t.page(Method::POST, &format!("/p/h1/cis/{id}"), Some(&s), Some(&refs(&form))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("已被他人更新"), "{}", r.body);
    // A bad address names its column and changes nothing.
    form[1].1 = "2".into();
    form.iter_mut().find(|(k, _)| *k == format!("c{}", col("IP地址"))).expect("ip field").1 = "10.1.0.999".into();
    let r = c.t.page(Method::POST, &format!("/p/h1/cis/{id}"), Some(&s), Some(&refs(&form))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("IP地址") && r.body.contains("10.1.0.999"), "{}", r.body);
    assert_eq!(c.get(&format!("/api/v1/cis/{id}")).await["version"], json!(2));

    // A relation removed from the page is gone.
    let r =
        c.t.page(
            Method::POST,
            &format!("/p/h1/cis/{id}/relations/{rel}/delete"),
            Some(&s),
            Some(&[("_csrf", csrf.as_str())]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(c.get(&format!("/api/v1/cis/{id}/relations")).await, json!([]));
}
