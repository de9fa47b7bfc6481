//! Real-browser test: Debian's Chromium driven through chromedriver logs in as every demo user
//! and checks the shell shows that role's navigation; screenshots go to target/screenshots/.
//!
//! Skipped (with a message) where chromium-driver is not installed, except under CI, where it
//! fails: `.ci/run` installs it.

use std::collections::BTreeSet;
use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use thirtyfour::prelude::*;
use yunwei_domain::identity::{Permission, Role};
use yunwei_domain::modules::visible_to;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// Kills chromedriver however the test ends.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

fn shots_dir() -> PathBuf {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&d).expect("screenshot dir");
    d
}

async fn start_app() -> (String, Option<tempfile::TempDir>) {
    let (db, dir) = match std::env::var("YUNWEI_TEST_DATABASE_URL").ok().filter(|s| !s.is_empty()) {
        Some(url) => {
            // A fresh schema of its own, dropped at the end of the test run by name.
            let schema = format!("browser_{}", std::process::id());
            let admin = sqlx::PgPool::connect(&url).await.expect("pg");
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
            )))
            .execute(&admin)
            .await
            .expect("schema");
            admin.close().await;
            let opts: sqlx::postgres::PgConnectOptions = url.parse().expect("url");
            let db = yunwei_store::Db::open_postgres_with(
                opts.application_name(&schema).options([("search_path", schema.as_str())]),
                4,
            )
            .await
            .expect("connect");
            (db, None)
        }
        None => {
            let dir = tempfile::tempdir().expect("tempdir");
            (yunwei_store::Db::open_sqlite(dir.path()).await.expect("sqlite"), Some(dir))
        }
    };
    db.migrate().await.expect("migrate");
    let app = yunwei_app::App::new(db, Arc::new(yunwei_app::SystemClock), yunwei_app::AuthSettings::default());
    yunwei_app::demo::ensure_demo(&app).await.expect("demo");
    let router =
        yunwei_web::router(yunwei_web::AppState { app, web: yunwei_web::WebSettings { cookie_secure: false } });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (format!("http://{addr}"), dir)
}

async fn drop_pg_schema() {
    if let Some(url) = std::env::var("YUNWEI_TEST_DATABASE_URL").ok().filter(|s| !s.is_empty()) {
        let schema = format!("browser_{}", std::process::id());
        if let Ok(pool) = sqlx::PgPool::connect(&url).await {
            let _ = sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1")
                .bind(&schema)
                .execute(&pool)
                .await;
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {schema} CASCADE")))
                .execute(&pool)
                .await;
            pool.close().await;
        }
    }
}

async fn start_browser() -> Option<(Driver, WebDriver)> {
    if !Path::new(CHROMEDRIVER).exists() {
        assert!(std::env::var_os("CI").is_none(), "chromium-driver not installed; .ci/run installs it");
        eprintln!("skipping the browser test: {CHROMEDRIVER} not found (apt-get install chromium chromium-driver)");
        return None;
    }
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let guard = Driver(child);
    // Wait for the driver to accept connections: a real process starting, bounded to ~10 s.
    let mut up = false;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "chromedriver did not start on port {port}");
    let profile = tempfile::tempdir().expect("profile dir");
    let mut caps = DesiredCapabilities::chrome();
    caps.set_binary(CHROMIUM).expect("binary");
    for arg in [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--lang=zh-CN",
    ] {
        caps.add_arg(arg).expect("arg");
    }
    caps.add_arg(&format!("--user-data-dir={}", profile.path().display())).expect("arg");
    let driver = WebDriver::new(format!("http://127.0.0.1:{port}"), caps).await.expect("browser session");
    // Keep the profile until the process ends; Chromium writes into it.
    std::mem::forget(profile);
    Some((guard, driver))
}

async fn login(d: &WebDriver, base: &str, username: &str, password: &str) {
    d.delete_all_cookies().await.expect("cookies");
    d.goto(format!("{base}/login")).await.expect("login page");
    d.query(By::Name("username")).first().await.expect("username").send_keys(username).await.expect("type");
    d.find(By::Name("password")).await.expect("password").send_keys(password).await.expect("type");
    d.find(By::Css("button[type=submit]")).await.expect("submit").click().await.expect("click");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_demo_user_sees_the_shell_of_their_role_in_chromium() {
    let Some((_guard, d)) = start_browser().await else { return };
    let (base, _dir) = start_app().await;
    let shots = shots_dir();
    d.set_window_rect(0, 0, 1280, 800).await.expect("window");

    d.goto(format!("{base}/login")).await.expect("login page");
    d.screenshot(&shots.join("login.png")).await.expect("screenshot");
    login(&d, &base, "engineer", "wrong password").await;
    d.query(By::Css(".alert.error")).with_text("用户名或密码错误").first().await.expect("error shown");

    for role in Role::ALL {
        login(&d, &base, role.code(), yunwei_app::demo::DEMO_PASSWORD).await;
        d.query(By::Css("a.project-card[href='/p/demo']"))
            .first()
            .await
            .unwrap_or_else(|e| panic!("{role}: home page: {e}"));
        d.goto(format!("{base}/p/demo")).await.expect("project");
        d.query(By::Css("nav.sidenav")).first().await.expect("navigation");
        let mut shown = BTreeSet::new();
        for a in d.find_all(By::Css("nav.sidenav a[data-module]")).await.expect("links") {
            shown.insert(a.attr("data-module").await.expect("attr").unwrap_or_default());
        }
        let mut want: BTreeSet<String> = visible_to(&[role]).iter().map(|m| m.code.to_owned()).collect();
        if role.grants(Permission::AuditRead) {
            want.insert("audit".into());
        }
        assert_eq!(shown, want, "navigation of {role}");
        let text = d.find(By::Css("nav.sidenav")).await.expect("nav").text().await.expect("text");
        assert!(text.contains(role.label()), "{role}: role name shown in {text:?}");
        if role == Role::Engineer {
            d.screenshot(&shots.join("project-engineer.png")).await.expect("screenshot");
        }
        if role == Role::Auditor {
            d.goto(format!("{base}/p/demo/audit")).await.expect("audit");
            d.query(By::Css("table.audit tbody tr")).first().await.expect("audit rows");
            d.screenshot(&shots.join("audit-auditor.png")).await.expect("screenshot");
        }
        // Log out through the user menu.
        d.find(By::Css("details.usermenu > summary")).await.expect("menu").click().await.expect("open menu");
        d.query(By::XPath("//button[normalize-space()='退出登录']"))
            .first()
            .await
            .expect("logout")
            .click()
            .await
            .expect("logout");
        d.query(By::Name("username")).first().await.unwrap_or_else(|e| panic!("{role}: back on the login page: {e}"));
        let url = d.current_url().await.expect("url");
        assert_eq!(url.path(), "/login", "{role}");
    }

    d.set_window_rect(0, 0, 390, 844).await.expect("phone window");
    login(&d, &base, "reporter", yunwei_app::demo::DEMO_PASSWORD).await;
    d.query(By::Css("a.project-card")).first().await.expect("home");
    d.goto(format!("{base}/p/demo")).await.expect("project");
    d.query(By::Css("main.content h1")).first().await.expect("content");
    d.screenshot(&shots.join("project-reporter-phone.png")).await.expect("screenshot");

    d.quit().await.expect("quit");
    drop_pg_schema().await;
}
