//! The daily log signed on a phone, and a checklist edited by the hospital.

use super::*;

/// A project of its own for the daily-log test (the demo's engineer may have signed today
/// already): the seed 000 contract, the demo's engineer and hospital IT as members, a firing alert
/// that opened an incident, a recovered one, and a backup job with a failed report.
async fn log_project(app: &App) {
    use yunwei_domain::monitoring::{Alert, BackupReport, Source};
    let contract = yunwei_domain::contract::with_project_fields(
        support::preset("seed-000"),
        &[("code", "rz"), ("name", "日志医院运维服务"), ("hospital", "某市人民医院")],
    );
    yunwei_app::contract::apply(app, None, &contract).await.expect("contract");
    for (user, role) in [("engineer", "engineer"), ("hospital_it", "hospital_it")] {
        yunwei_app::project::grant(app, None, "rz", user, role).await.expect("grant");
    }
    let token = yunwei_app::identity::create_token(app, None, "engineer", "browser test").await.expect("token");
    let eng = yunwei_app::identity::authenticate(app, &token.token).await.expect("auth").expect("engineer");
    let now = app.now();
    let alert = |fingerprint: &str, title: &str, host: &str, firing: bool| Alert {
        source: Source::Alertmanager,
        fingerprint: fingerprint.into(),
        firing,
        starts_at: now - chrono::Duration::minutes(40),
        ends_at: (!firing).then(|| now - chrono::Duration::minutes(5)),
        labels: [("alertname", "NodeFilesystemAlmostFull"), ("instance", host), ("severity", "warning")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .chain([("source".to_owned(), "alertmanager".to_owned())])
            .collect(),
        annotations: Default::default(),
        title: title.into(),
        description: String::new(),
        host: Some(host.into()),
        link: None,
    };
    let firing = alert("fp-pacs", "PACS 影像服务器 /data 分区使用率 92%", "10.1.0.31:9100", true);
    yunwei_app::monitoring::receive(app, &eng, "rz", vec![firing]).await.expect("alert");
    let lis = alert("fp-lis", "LIS 接口服务无响应", "10.1.0.40:9100", true);
    yunwei_app::monitoring::receive(app, &eng, "rz", vec![lis.clone()]).await.expect("alert");
    yunwei_app::monitoring::receive(app, &eng, "rz", vec![Alert { firing: false, ..lis }]).await.expect("recovery");
    let it_token = yunwei_app::identity::create_token(app, None, "hospital_it", "browser test").await.expect("token");
    let it = yunwei_app::identity::authenticate(app, &it_token.token).await.expect("auth").expect("hospital_it");
    yunwei_app::monitoring::set_backup_job(app, &it, "rz", "HIS 全库备份", "06:00", Some("10.1.0.21".into()))
        .await
        .expect("backup job");
    let report = BackupReport {
        job: "HIS 全库备份".into(),
        success: false,
        started_at: now - chrono::Duration::hours(3),
        ended_at: now - chrono::Duration::hours(2),
        size_bytes: None,
        error: Some("ORA-19502: 写入文件时出错，磁盘已满".into()),
        host: Some("10.1.0.21".into()),
    };
    yunwei_app::monitoring::backup(app, &eng, "rz", report).await.expect("backup report");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_engineer_signs_the_daily_log_on_a_phone_and_the_hospital_edits_a_checklist() {
    let Some(chromedriver) = chromedriver() else { return };
    let shots = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/screenshots"));
    std::fs::create_dir_all(&shots).expect("create target/screenshots");
    let tdb = support::TestDb::new().await;
    let app = App::new(tdb.db.clone(), Arc::new(SystemClock), AuthSettings::default());
    ensure_demo(&app).await.expect("demo installation");
    log_project(&app).await;
    let base = serve(app.clone()).await;
    let profile = tempfile::tempdir().expect("browser profile dir");
    let (_driver, b) = logged_in(&chromedriver, profile.path(), &base, PHONE, "engineer").await;

    // On the phone: today's form on top with 正常 filled in; one tap signs in.
    b.goto(format!("{base}/p/rz/daily-log")).await.expect("open the daily log");
    wait_text(&b, "#entry h2", "the sign-in form", |t: &str| t == "今日签到").await;
    let server = b.find(By::Css("#entry-form input[name=server_state]")).await.expect("server state");
    assert_eq!(server.prop("value").await.expect("value").as_deref(), Some("正常"));
    let width = script_u32s(&b, WIDTHS).await;
    assert_eq!(width[0], width[1], "the log fits the phone: {width:?}");
    screenshot(&b, &shots, "daily-log-phone-sign-in.png").await;
    b.find(By::Css("#entry-form textarea[name=notes]"))
        .await
        .expect("notes")
        .send_keys("HIS 全库备份失败，已重做")
        .await
        .expect("type");
    click(&b, "#entry-form button[type=submit]").await;
    wait_text(&b, "#entry h2", "signed in", |t: &str| t.starts_with("今日已签到")).await;
    let today = wait_text(&b, "tr.is-today", "today's card", |t: &str| t.contains("待签字")).await;
    assert!(today.contains("正常") && today.contains("HIS 全库备份失败，已重做"), "{today}");
    let width = script_u32s(&b, WIDTHS).await;
    assert_eq!(width[0], width[1], "the log fits the phone: {width:?}");
    full_page_screenshot(&b, &shots, "daily-log-phone.png").await;

    // The alerts on the phone: the firing one in red with its incident, the failed backup.
    b.goto(format!("{base}/p/rz/alerts")).await.expect("open the alerts");
    let first = wait_text(&b, "table.alerts tbody tr", "the newest alert", |t: &str| t.contains("已恢复")).await;
    assert!(first.contains("LIS 接口服务无响应"), "newest first: {first}");
    wait_text(&b, "table.alerts", "the firing alert", |t: &str| t.contains("告警中") && t.contains("INC-")).await;
    wait_text(&b, "table.jobs", "the failed backup", |t: &str| t.contains("失败") && t.contains("ORA-19502")).await;
    let width = script_u32s(&b, WIDTHS).await;
    assert_eq!(width[0], width[1], "the alerts fit the phone: {width:?}");
    full_page_screenshot(&b, &shots, "alerts-phone.png").await;
    set_viewport(&b, DESKTOP).await;
    full_page_screenshot(&b, &shots, "alerts.png").await;
    b.goto(format!("{base}/p/rz/daily-log")).await.expect("open the daily log");
    wait_text(&b, "tr.is-today", "today's row", |t: &str| t.contains("HIS 全库备份失败")).await;
    full_page_screenshot(&b, &shots, "daily-log.png").await;

    // The hospital signs the day off on a desk, then copies a checklist and edits it: a row
    // added with the script, saved as version 2.
    log_out(&b, "engineer").await;
    submit_login(&b, &base, "hospital_it", DEMO_PASSWORD).await;
    b.query(By::Css("a.project-card")).first().await.expect("logged in");
    b.goto(format!("{base}/p/rz/daily-log")).await.expect("open the daily log");
    click(&b, "tr.is-today .dlog-act button").await;
    b.query(By::Css("tr.is-today.is-signed")).desc("signed off").first().await.expect("today signed off");
    b.goto(format!("{base}/p/rz/inspection-templates/health_checkup_server?copy=1")).await.expect("template");
    let code = b.find(By::Css("#copy-form input[name=code]")).await.expect("code");
    screenshot(&b, &shots, "template-copy.png").await;
    code.clear().await.expect("clear");
    code.send_keys("tj-server").await.expect("type");
    click(&b, "#copy-form button[type=submit]").await;
    wait_text(&b, "h1", "the edit page", |t: &str| t.contains("编辑巡检模板")).await;
    click(&b, "#add-row").await;
    let added = "#tpl-rows .tpl-row:last-child";
    let section = b.find(By::Css(format!("{added} input[name$='.section']"))).await.expect("section");
    assert_eq!(section.prop("value").await.expect("value").as_deref(), Some("定期维护"), "the section above");
    b.find(By::Css(format!("{added} input[name$='.name']")))
        .await
        .expect("name")
        .send_keys("磁盘空间")
        .await
        .expect("type");
    full_page_screenshot(&b, &shots, "template-edit.png").await;
    set_viewport(&b, PHONE).await;
    let width = script_u32s(&b, WIDTHS).await;
    assert_eq!(width[0], width[1], "the edit form fits the phone: {width:?}");
    full_page_screenshot(&b, &shots, "template-edit-phone.png").await;
    click(&b, ".tpl-save button[type=submit]").await;
    wait_text(&b, "dl.facts", "version 2", |t: &str| t.contains("第 2 版")).await;
    wait_text(&b, "main", "the new item", |t: &str| t.contains("磁盘空间")).await;

    // A plan on the edited checklist, created on the phone: the list then shows what it made.
    b.goto(format!("{base}/p/rz/inspections")).await.expect("open the inspections");
    click(&b, "#plan-create > summary").await;
    b.find(By::Css("#plan-create-form input[name=name]"))
        .await
        .expect("plan name")
        .send_keys("体检服务器季度维护")
        .await
        .expect("type");
    click(&b, "#plan-create-form select[name=template] option[value='tj-server']").await;
    let width = script_u32s(&b, WIDTHS).await;
    assert_eq!(width[0], width[1], "the plan form fits the phone: {width:?}");
    click(&b, "#plan-create-form button[type=submit]").await;
    wait_text(&b, "#list", "what the plan made", |t: &str| t.starts_with("已创建巡检计划“体检服务器季度维护”")).await;
    wait_text(&b, "table.plans", "the plan", |t: &str| t.contains("体检服务器季度维护") && t.contains("每季度")).await;
    full_page_screenshot(&b, &shots, "inspection-plans-phone.png").await;
    set_viewport(&b, DESKTOP).await;
    b.refresh().await.expect("reload at desk size");
    wait_text(&b, "table.plans", "the plan", |t: &str| t.contains("体检服务器季度维护")).await;
    full_page_screenshot(&b, &shots, "inspection-plans.png").await;
    b.quit().await.expect("quit the browser");
}
