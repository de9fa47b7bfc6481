//! Every demo role logs in, sees its modules and logs out.

use super::*;

#[tokio::test(flavor = "multi_thread")]
async fn every_demo_role_logs_in_sees_its_modules_and_logs_out() {
    let Some(chromedriver) = chromedriver() else { return };
    let started = Instant::now();
    let shots = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/screenshots"));
    std::fs::create_dir_all(&shots).expect("create target/screenshots");
    let shots = shots.canonicalize().expect("screenshot dir");

    let tdb = support::TestDb::new().await;
    let app = App::new(tdb.db.clone(), Arc::new(SystemClock), AuthSettings::default());
    let users = ensure_demo(&app).await.expect("demo installation");
    assert_eq!(users.len(), Role::ALL.len());
    let base = serve(app).await;

    // Declared in this order so they drop in reverse: session, chromedriver, profile dir.
    let profile = tempfile::tempdir().expect("browser profile dir");
    let driver = start_chromedriver(&chromedriver).await;
    let b = start_browser(&driver, profile.path()).await;

    // The login page, and a wrong password.
    b.goto(format!("{base}/login")).await.expect("open /login");
    set_viewport(&b, DESKTOP).await;
    b.query(By::Name("username")).first().await.expect("login page");
    screenshot(&b, &shots, "login.png").await;
    submit_login(&b, &base, "reporter", "not-the-password").await;
    b.query(By::Css("form[action='/login'] .alert.error"))
        .with_text("用户名或密码错误")
        .desc("wrong-password message")
        .first()
        .await
        .expect("a wrong password says 用户名或密码错误");
    assert_eq!(path_of(&b).await, "/login");

    for role in Role::ALL {
        let who = role.code();
        submit_login(&b, &base, who, DEMO_PASSWORD).await;
        b.query(By::Css(format!("a.project-card[href='/p/{DEMO_PROJECT}']")))
            .desc("demo project card")
            .first()
            .await
            .unwrap_or_else(|e| panic!("{who}: no demo project card after login: {e}"));
        assert_eq!(path_of(&b).await, "/", "{who}: landing page after login");

        b.goto(format!("{base}/p/{DEMO_PROJECT}")).await.expect("open the project");
        let links = b
            .query(By::Css("nav.sidenav a[data-module]"))
            .desc("module navigation")
            .all_from_selector_required()
            .await
            .unwrap_or_else(|e| panic!("{who}: no module navigation: {e}"));
        let mut shown = Vec::new();
        for a in &links {
            shown.push(a.attr("data-module").await.expect("data-module").expect("data-module present"));
        }
        let mut expected: BTreeSet<String> =
            yunwei_domain::modules::visible_to(&[role]).iter().map(|m| m.code.to_owned()).collect();
        if role.grants(Permission::ContractRead) {
            expected.insert("contract".to_owned());
        }
        if role.grants(Permission::AuditRead) {
            expected.insert("audit".to_owned());
        }
        if role.grants(Permission::NotifyManage) {
            expected.insert("notify".to_owned());
        }
        let shown_set: BTreeSet<String> = shown.iter().cloned().collect();
        assert_eq!(shown_set, expected, "{who}: module navigation");
        assert_eq!(shown.len(), shown_set.len(), "{who}: duplicate links {shown:?}");
        let text = b.find(By::Tag("body")).await.expect("body").text().await.expect("page text");
        assert!(text.contains(role.label()), "{who}: the project page does not show {}", role.label());

        match role {
            Role::Engineer => screenshot(&b, &shots, "project-engineer.png").await,
            Role::Reporter => {
                set_viewport(&b, PHONE).await;
                b.refresh().await.expect("reload at phone size");
                b.query(By::Css("nav.sidenav a[data-module]")).first().await.expect("navigation at phone size");
                screenshot(&b, &shots, "project-reporter-phone.png").await;
                set_viewport(&b, DESKTOP).await;
            }
            Role::Auditor => {
                b.goto(format!("{base}/p/{DEMO_PROJECT}/audit")).await.expect("open the audit trail");
                b.query(By::Css("table.audit tbody tr")).desc("audit table").first().await.expect("audit table");
                assert_eq!(path_of(&b).await, format!("/p/{DEMO_PROJECT}/audit"));
                screenshot(&b, &shots, "audit-auditor.png").await;
            }
            _ => {}
        }

        log_out(&b, who).await;
    }

    b.quit().await.expect("quit the browser");
    drop(driver);
    eprintln!(
        "browser test: {} roles in {:.1} s; screenshots in {}",
        Role::ALL.len(),
        started.elapsed().as_secs_f64(),
        shots.display()
    );
}
