//! An engineer fills in an inspection on a phone through a dead spot.

use super::*;

#[tokio::test(flavor = "multi_thread")]
async fn an_engineer_fills_in_an_inspection_on_a_phone_through_a_dead_spot() {
    use yunwei_domain::inspection::{ItemInput, TemplateInput};
    let Some(chromedriver) = chromedriver() else { return };
    let shots = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/screenshots"));
    std::fs::create_dir_all(&shots).expect("create target/screenshots");
    let tdb = support::TestDb::new().await;
    let app = App::new(tdb.db.clone(), Arc::new(SystemClock), AuthSettings::default());
    ensure_demo(&app).await.expect("demo installation");
    // The hospital's short copy of the minicomputer checklist: a measured CPU load, a light, a log.
    let token = yunwei_app::identity::create_token(&app, None, "hospital_it", "browser test").await.expect("token");
    let it = yunwei_app::identity::authenticate(&app, &token.token).await.expect("auth").expect("hospital_it");
    let item =
        |section: &str, name: &str| ItemInput { section: section.into(), name: name.into(), ..Default::default() };
    let input = TemplateInput {
        code: "his-mc".into(),
        name: "HIS 小型机巡检".into(),
        title: Some("小型机系统巡检典型作业计划书（服务器部分）".into()),
        source: None,
        cycle: None,
        header: ["系统管理单位", "设备名", "设备型号", "设备序列号", "管理IP"].map(String::from).to_vec(),
        ci_types: Vec::new(),
        items: vec![
            ItemInput {
                result: Some("number".into()),
                unit: Some("%".into()),
                max: Some(80.0),
                standard: Some("业务高峰期不超过 80%".into()),
                ..item("系统性能检查", "CPU利用率")
            },
            ItemInput { standard: Some("绿色常亮".into()), ..item("硬件运行状态", "电源指示灯") },
            ItemInput {
                result: Some("text".into()),
                method: Some("errpt 查看近三个月".into()),
                ..item("硬件运行状态", "系统日志")
            },
        ],
    };
    yunwei_app::inspection::create_template(&app, &it, DEMO_PROJECT, input, None).await.expect("template");
    let base = serve(app.clone()).await;
    let profile = tempfile::tempdir().expect("browser profile dir");
    let (_driver, b) = logged_in(&chromedriver, profile.path(), &base, PHONE, "engineer").await;

    // Plan it on the phone: the checklist, the minicomputer of the HIS database.
    b.goto(format!("{base}/p/{DEMO_PROJECT}/inspections")).await.expect("open the inspections");
    click(&b, "details.report > summary").await;
    click(&b, "select[name=template] option[value='his-mc']").await;
    let picked: Vec<String> = b
        .execute(
            "const s = document.querySelector('select[name=ci_id]');
             const o = [...s.options].find(o => o.text.startsWith('HIS-DB-SRV-01'));
             s.value = o.value; return [o.value];",
            Vec::<serde_json::Value>::new(),
        )
        .await
        .expect("pick the CI")
        .convert()
        .expect("ci id");
    assert!(!picked[0].is_empty());
    click(&b, "#plan-form button[type=submit]").await;
    b.query(By::Css("#inspection")).desc("the inspection page").first().await.expect("inspection page");
    let path = path_of(&b).await;
    let id: i64 = path.rsplit('/').next().and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("{path}"));
    let width = script_u32s(&b, WIDTHS).await;
    assert_eq!(width[0], width[1], "nothing wider than the phone: {width:?}");

    // 95 % ticked 正常: the server's reason appears under the item; 异常 is saved.
    let cpu = "article[data-key='1.1']";
    b.find(By::Css(format!("{cpu} input[name=value]"))).await.expect("number").send_keys("95").await.expect("type");
    click(&b, &format!("{cpu} .v-ok span")).await;
    wait_text(&b, &format!("{cpu} .sync"), "the refusal", |t: &str| t == "错误：95% 超出正常范围 ≤ 80%，不能判为正常")
        .await;
    screenshot(&b, &shots, "inspection-phone-refused.png").await;
    click(&b, &format!("{cpu} .v-abnormal span")).await;
    wait_text(&b, &format!("{cpu} .sync"), "saved abnormal", |t: &str| t.starts_with("已保存（异常）")).await;
    // 转为故障 with the contract's least severe level (preselected).
    click(&b, &format!("{cpu} form.raise button")).await;
    let link =
        wait_text(&b, &format!("{cpu} .insp-incident a"), "incident link", |t: &str| t.starts_with("已转为故障 INC-"))
            .await;
    assert!(link.contains("INC-"), "{link}");

    // The network drops while the power light is ticked: kept on the phone, shown as 待同步.
    let power = "article[data-key='2.1']";
    set_offline(&b, true).await;
    click(&b, &format!("{power} .v-ok span")).await;
    wait_text(&b, &format!("{power} .sync"), "pending", |t: &str| t == "待同步").await;
    wait_text(&b, "#insp-queue", "queue banner", |t: &str| t.starts_with("1 项答案待同步")).await;
    screenshot(&b, &shots, "inspection-phone-offline.png").await;
    let stored =
        yunwei_app::testing::inspection_results(&app, yunwei_domain::id::InspectionId::new(id)).await.expect("results");
    assert!(stored.iter().all(|r| r.item_key != "2.1"), "nothing reached the server while offline");
    let queued =
        script_u32s(&b, "return [Object.keys(JSON.parse(localStorage.getItem('yunwei.inspection.queue'))).length];")
            .await;
    assert_eq!(queued, [1]);

    // Back online: sent by itself, stored with the time it was given on the phone.
    set_offline(&b, false).await;
    wait_text(&b, &format!("{power} .sync"), "synced", |t: &str| t.starts_with("已保存（正常）")).await;
    let api: serde_json::Value = b
        .execute_async(
            &format!(
                "const done = arguments[arguments.length - 1];
                 fetch('/api/v1/inspections/{id}').then(r => r.json()).then(done, e => done(String(e)));"
            ),
            Vec::<serde_json::Value>::new(),
        )
        .await
        .expect("read through the API")
        .json()
        .clone();
    let answer =
        api["items"].as_array().and_then(|a| a.iter().find(|i| i["key"] == "2.1")).map(|i| i["answer"].clone());
    assert_eq!(answer.as_ref().map(|a| a["verdict"].clone()), Some(serde_json::json!("ok")), "{api}");
    let stored =
        yunwei_app::testing::inspection_results(&app, yunwei_domain::id::InspectionId::new(id)).await.expect("results");
    let r = stored.iter().find(|r| r.item_key == "2.1").expect("2.1 stored");
    assert!(r.recorded_at < r.saved_at, "given offline, saved later: {} < {}", r.recorded_at, r.saved_at);
    let queued = script_u32s(&b, "return [localStorage.getItem('yunwei.inspection.queue') === null ? 0 : 1];").await;
    assert_eq!(queued, [0], "the queue is empty");

    // The log, typed while the API is unreachable (the page itself still loads): kept across a
    // reload, and sent by the next page load once the API answers again.
    let log = "article[data-key='2.2']";
    cdp(&b, "Network.enable", serde_json::json!({})).await;
    cdp(&b, "Network.setBlockedURLs", serde_json::json!({"urls": ["*/api/v1/*"]})).await;
    b.find(By::Css(format!("{log} textarea"))).await.expect("text").send_keys("无硬件报错").await.expect("type");
    wait_text(&b, &format!("{log} .sync"), "blocked", |t: &str| t == "待同步").await;
    b.refresh().await.expect("reload");
    wait_text(&b, &format!("{log} .sync"), "still queued after reload", |t: &str| t == "待同步").await;
    let kept = b.find(By::Css(format!("{log} textarea"))).await.expect("text").prop("value").await.expect("value");
    assert_eq!(kept.as_deref(), Some("无硬件报错"), "the queued answer is shown as given");
    let stored =
        yunwei_app::testing::inspection_results(&app, yunwei_domain::id::InspectionId::new(id)).await.expect("results");
    assert!(stored.iter().all(|r| r.item_key != "2.2"));
    cdp(&b, "Network.setBlockedURLs", serde_json::json!({"urls": []})).await;
    b.refresh().await.expect("reload");
    wait_text(&b, &format!("{log} .sync"), "sent on load", |t: &str| t.starts_with("已保存（正常）")).await;

    // A reload shows what the server holds.
    b.refresh().await.expect("reload");
    wait_text(&b, &format!("{power} .sync"), "after reload", |t: &str| t.starts_with("已保存（正常）")).await;
    let progress = wait_text(&b, "#insp-progress", "progress", |t: &str| t.contains("3 / 3")).await;
    assert!(progress.contains("异常 1 项"), "{progress}");
    full_page_screenshot(&b, &shots, "inspection-phone.png").await;

    // Signed, the report written and issued on the phone.
    click(&b, "#complete-form button").await;
    wait_text(&b, "#insp-status", "completed", |t: &str| t == "已完成").await;
    b.find(By::Css("textarea[name=findings]"))
        .await
        .expect("findings")
        .send_keys("CPU 高峰期达 95%")
        .await
        .expect("type");
    b.find(By::Css("textarea[name=recommendations]"))
        .await
        .expect("advice")
        .send_keys("扩容两颗 CPU")
        .await
        .expect("type");
    click(&b, "button[name=issue]").await;
    wait_text(&b, ".insp-report .met", "issued in time", |t: &str| t == "按时").await;
    full_page_screenshot(&b, &shots, "inspection-phone-signed.png").await;

    b.goto(format!("{base}/p/{DEMO_PROJECT}/inspections")).await.expect("open the list");
    wait_text(&b, "table.inspections", "the list", |t: &str| t.contains("HIS 小型机巡检")).await;
    full_page_screenshot(&b, &shots, "inspections-phone.png").await;
    let width = script_u32s(&b, WIDTHS).await;
    assert_eq!(width[0], width[1], "the list fits the phone: {width:?}");
    b.goto(format!("{base}/p/{DEMO_PROJECT}/inspection-templates/minicomputer")).await.expect("open a checklist");
    wait_text(&b, "h1", "the checklist", |t: &str| t == "小型机系统巡检").await;
    full_page_screenshot(&b, &shots, "inspection-template-phone.png").await;

    // The printable report, on the phone and on a desk.
    b.goto(format!("{base}/p/{DEMO_PROJECT}/inspections/{id}/report")).await.expect("open the report");
    wait_text(&b, "table.checklist", "checklist", |t: &str| t.contains("CPU利用率") && t.contains("95%")).await;
    full_page_screenshot(&b, &shots, "inspection-report-phone.png").await;
    set_viewport(&b, DESKTOP).await;
    full_page_screenshot(&b, &shots, "inspection-report.png").await;
    b.goto(format!("{base}/p/{DEMO_PROJECT}/inspections")).await.expect("open the list");
    wait_text(&b, "table.inspections", "the list", |t: &str| t.contains("按时")).await;
    full_page_screenshot(&b, &shots, "inspections.png").await;
    b.quit().await.expect("quit the browser");
}
