//! The pages: record, relate, import, impact and history, the incidents of a CI, the edit form.

use super::*;

#[tokio::test]
async fn the_pages_record_relate_import_and_show_impact_and_history() {
    let c = cmdb().await;
    let (s, csrf) = c.t.session_of("eng").await;
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
    // A filter that is no address says which field and why.
    let list = c.t.page(Method::GET, "/p/h1/cis?ip=not-an-ip", Some(&s), None).await;
    assert!(list.body.contains("IP 地址：") && !list.body.contains("门诊楼核心交换机</a>"), "{}", list.body);
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
    let (s, _) = c.t.session_of("eng").await;
    let page = c.t.page(Method::GET, &format!("/p/h1/cis/{core}"), Some(&s), None).await;
    assert!(page.body.contains(&numbers[0]) && page.body.contains(&numbers[1]), "{}", page.body);
    assert!(!page.body.contains(&numbers[2]), "an incident of another CI is not listed");
    let page = c.t.page(Method::GET, &format!("/p/h1/cis/{other}"), Some(&s), None).await;
    assert!(page.body.contains(&numbers[2]) && !page.body.contains(&numbers[0]));
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
    let (s, csrf) = c.t.session_of("eng").await;
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
        history["items"][0]["changes"].as_array().map(|a| a.iter().map(|c| c["field"].clone()).collect::<Vec<_>>()),
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
