//! Bad input, list filters and pages, spreadsheet imports through the API.

use super::*;

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
    // A dry run that finds a bad row fails as the import would (and as `--dry-run` exits non-zero).
    let r = c.t.upload(&url("&dry_run=true"), Some(&c.eng), "text/csv", csv.as_bytes().to_vec()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["errors"][0]["field"], json!("rows[3].ips[0]"), "{}", r.body);
    let good = "名称,类型,IP地址,资产编号\r\n核心交换机,core_switch,10.1.0.1,ZC-1\r\n";
    let r = c.t.upload(&url("&dry_run=true"), Some(&c.eng), "text/csv", good.as_bytes().to_vec()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (r.json()["new"].clone(), r.json()["invalid"].clone(), r.json()["applied"].clone()),
        (json!(1), json!(0), json!(false))
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
