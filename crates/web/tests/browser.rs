//! End-to-end test in a real browser: headless Chromium driven through chromedriver (WebDriver).
//!
//! Serves the router on a loopback port with the demo installation, logs in as each of the nine
//! demo users, checks the module navigation against the permission table, logs out through the
//! user menu, and leaves screenshots in `target/screenshots/`.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). Without
//! chromedriver the test is skipped, except under `CI` where it fails. Nothing is downloaded.

// Shares the integration tests' database fixture; most of that module is unused here.
#![allow(dead_code)]

#[path = "integration/support.rs"]
mod support;

use std::collections::BTreeSet;
use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use thirtyfour::extensions::query::ElementPollerWithTimeout;
use thirtyfour::prelude::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use yunwei_app::demo::{DEMO_PASSWORD, DEMO_PROJECT, ensure_demo};
use yunwei_app::{App, AuthSettings, SystemClock};
use yunwei_domain::identity::{Permission, Role};
use yunwei_web::{AppState, WebSettings};

const DESKTOP: (u32, u32) = (1280, 800);
const PHONE: (u32, u32) = (390, 844);
/// How long an element query polls before it fails.
const WAIT: Duration = Duration::from_secs(15);
const POLL: Duration = Duration::from_millis(50);

/// The chromedriver child process, killed when dropped (also when the test panics).
struct DriverProcess {
    child: Child,
    port: u16,
}

impl Drop for DriverProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `chromedriver` in /usr/bin or on PATH.
fn find_program(name: &str) -> Option<PathBuf> {
    let fixed = Path::new("/usr/bin").join(name);
    if fixed.is_file() {
        return Some(fixed);
    }
    std::env::split_paths(&std::env::var_os("PATH")?).map(|dir| dir.join(name)).find(|p| p.is_file())
}

/// chromedriver, or `None` (the test is skipped) where it is not installed — except under `CI`,
/// where its absence fails the test.
fn chromedriver() -> Option<PathBuf> {
    let found = find_program("chromedriver");
    if found.is_none() {
        assert!(std::env::var_os("CI").is_none(), "chromium-driver not installed; .ci/run installs it");
        eprintln!("browser test skipped: chromedriver not found (apt-get install chromium-driver)");
    }
    found
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0").expect("bind a loopback port").local_addr().expect("local addr").port()
}

/// One `GET /status` against chromedriver: true once it reports itself ready.
async fn driver_ready(port: u16) -> bool {
    let Ok(mut s) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else {
        return false;
    };
    let req = format!("GET /status HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    if s.write_all(req.as_bytes()).await.is_err() {
        return false;
    }
    // chromedriver keeps the connection open whatever we ask: read until the JSON says.
    let read = async {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 1024];
        loop {
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
            let text = String::from_utf8_lossy(&buf).replace(' ', "");
            if text.contains("\"ready\":true") {
                return true;
            }
            if text.contains("\"ready\":false") {
                return false;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(2), read).await.unwrap_or(false)
}

/// Starts chromedriver on a free loopback port and waits (bounded) until it answers.
async fn start_chromedriver(path: &Path) -> DriverProcess {
    let port = free_port();
    let child = Command::new(path)
        .arg(format!("--port={port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start chromedriver");
    let mut proc = DriverProcess { child, port };
    for _ in 0..100 {
        if driver_ready(port).await {
            return proc;
        }
        if let Some(status) = proc.child.try_wait().expect("chromedriver status") {
            panic!("chromedriver exited early ({status})");
        }
        // Polling a child process that is starting up, not waiting for a page.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not answer on port {port} within 10 s");
}

async fn start_browser(driver: &DriverProcess, profile: &Path) -> WebDriver {
    // thirtyfour's HTTP client shares our rustls build, which has no default provider.
    yunwei_app::install_crypto_provider();
    let mut caps = DesiredCapabilities::chrome();
    if let Some(chromium) = find_program("chromium") {
        caps.set_binary(chromium.to_str().expect("utf-8 path")).expect("binary");
    }
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
        caps.add_arg(arg).expect("chromium argument");
    }
    caps.add_arg(&format!("--user-data-dir={}", profile.display())).expect("chromium argument");
    WebDriver::builder(format!("http://127.0.0.1:{}", driver.port), caps)
        .poller(Arc::new(ElementPollerWithTimeout::new(WAIT, POLL)))
        .request_timeout(Duration::from_secs(60))
        .await
        .expect("start a Chromium session through chromedriver")
}

async fn script_u32s(b: &WebDriver, script: &str) -> Vec<u32> {
    b.execute(script, Vec::<serde_json::Value>::new()).await.expect("run script").convert().expect("numbers")
}

/// Sizes the window (WebDriver window rect) so that the page's viewport is `w`×`h`: headless
/// Chromium still reserves room for browser chrome, and may report the viewport of the size
/// before the last resize, so correct from the window's current size until the two agree.
async fn set_viewport(b: &WebDriver, (w, h): (u32, u32)) {
    const INNER: &str = "return [window.innerWidth, window.innerHeight];";
    b.set_window_rect(0, 0, w, h).await.expect("window size");
    let mut inner = script_u32s(b, INNER).await;
    for _ in 0..5 {
        if inner == [w, h] {
            break;
        }
        let rect = b.get_window_rect().await.expect("window rect");
        let fix = |outer: i64, want: u32, got: u32| (outer + i64::from(want) - i64::from(got)).max(1) as u32;
        b.set_window_rect(0, 0, fix(rect.width, w, inner[0]), fix(rect.height, h, inner[1]))
            .await
            .expect("window size");
        inner = script_u32s(b, INNER).await;
    }
    assert_eq!(inner, [w, h], "viewport size");
}

/// A browser of `size` logged in as `username` (the demo password) at `base`. The driver is
/// returned to be kept alive as long as the browser (declared first, it is dropped last).
async fn logged_in(
    chromedriver: &Path,
    profile: &Path,
    base: &str,
    size: (u32, u32),
    username: &str,
) -> (DriverProcess, WebDriver) {
    let driver = start_chromedriver(chromedriver).await;
    let b = start_browser(&driver, profile).await;
    b.goto(format!("{base}/login")).await.expect("open /login");
    set_viewport(&b, size).await;
    submit_login(&b, base, username, DEMO_PASSWORD).await;
    b.query(By::Css("a.project-card")).first().await.expect("logged in");
    (driver, b)
}

/// Serves the router on a loopback port; returns its base URL.
async fn serve(app: App) -> String {
    let router = yunwei_web::router(AppState { app, web: WebSettings { cookie_secure: false } });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the app's port");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        axum::serve(listener, router).await.expect("serve");
    });
    format!("http://{addr}")
}

async fn path_of(b: &WebDriver) -> String {
    b.current_url().await.expect("current url").path().to_owned()
}

async fn screenshot(b: &WebDriver, dir: &Path, name: &str) {
    b.screenshot(&dir.join(name)).await.expect("screenshot");
}

/// Opens the login page with no cookies, submits the form, and leaves the browser wherever the
/// server sent it.
async fn submit_login(b: &WebDriver, base: &str, username: &str, password: &str) {
    b.delete_all_cookies().await.expect("delete cookies");
    b.goto(format!("{base}/login")).await.expect("open /login");
    let form = b.query(By::Css("form[action='/login']")).desc("login form").first().await.expect("login form");
    form.find(By::Name("username")).await.expect("username input").send_keys(username).await.expect("type username");
    form.find(By::Name("password")).await.expect("password input").send_keys(password).await.expect("type password");
    form.find(By::Css("button[type='submit']")).await.expect("login button").click().await.expect("submit login");
}

async fn log_out(b: &WebDriver, who: &str) {
    b.query(By::Css("details.usermenu > summary"))
        .desc("user menu")
        .first()
        .await
        .expect("user menu")
        .click()
        .await
        .expect("open user menu");
    b.query(By::Css("details.usermenu button"))
        .with_text("退出登录")
        .and_clickable()
        .desc("logout button")
        .first()
        .await
        .expect("logout button shown in the opened user menu")
        .click()
        .await
        .expect("click logout");
    b.query(By::Css("form[action='/login'] input[name='username']"))
        .desc("login form after logout")
        .first()
        .await
        .unwrap_or_else(|e| panic!("{who}: logout did not lead to the login form: {e}"));
    assert_eq!(path_of(b).await, "/login", "{who}: after logout");
}

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

/// A 500-CI hospital in project `big`: 2 core, 6 aggregation and 24 access switches, 60 servers
/// with 100 VMs and 10 applications on them, and 298 PCs on the access switches.
async fn big_hospital(app: &App) {
    yunwei_app::project::create(
        app,
        None,
        yunwei_app::project::NewProjectInput {
            code: "big",
            name: "五百个配置项的医院",
            hospital: None,
            vendor: None,
            timezone: Some("Asia/Shanghai"),
        },
    )
    .await
    .expect("project big");
    yunwei_app::project::grant(app, None, "big", "engineer", "engineer").await.expect("grant");
    let floors = ["门诊楼", "住院楼", "医技楼", "行政楼"];
    let mut rows = vec!["名称,类型,IP地址".to_owned()];
    let mut kinds = Vec::new();
    for i in 0..500usize {
        let (name, kind) = match i {
            0..2 => (format!("CORE-SW-{:02}", i + 1), "core_switch"),
            2..8 => (format!("AGG-{:02}", i - 1), "aggregation_switch"),
            8..32 => (format!("{}{}F接入交换机", floors[i % 4], i / 4), "access_switch"),
            32..92 => (format!("SRV-{:03}", i - 31), "server"),
            92..192 => (format!("VM-{:03}", i - 91), "virtual_machine"),
            192..202 => (format!("业务系统-{:02}", i - 191), "other_application"),
            _ => (format!("{}{}层护士站医生工作站-{:03}", floors[i % 4], i % 9 + 1, i - 201), "pc_workstation"),
        };
        rows.push(format!("{name},{kind},10.{}.{}.{}", i / 250, i % 250, i % 200 + 1));
        kinds.push(kind);
    }
    let csv = rows.join("\r\n");
    let opts = yunwei_app::cmdb::ImportOptions { dry_run: false, skip_invalid: false };
    let report = yunwei_app::cmdb::import(app, None, "big", "big.csv", csv.as_bytes(), opts, &|_, _| {})
        .await
        .expect("import 500 CIs");
    assert_eq!(report.line(), "new 500, changed 0, unchanged 0, invalid 0");
    let pid = yunwei_store::project::by_code(&app.db, "big").await.expect("db").expect("big").id;
    let mut cis = yunwei_store::cmdb::all(&app.db, pid).await.expect("cis");
    cis.sort_by_key(|c| c.id);
    let id = |i: usize| cis[i].id;
    let mut edges: Vec<(usize, usize, &str)> = Vec::new();
    for a in 2..8 {
        edges.push((a, 0, "connects_to"));
        edges.push((a, 1, "connects_to"));
    }
    edges.extend((8..32).map(|x| (x, 2 + x % 6, "connects_to")));
    edges.extend((32..92).map(|s| (s, 8 + s % 4, "connects_to")));
    edges.extend((92..192).map(|v| (v, 32 + v % 60, "runs_on")));
    edges.extend((192..202).map(|p| (p, 92 + (p * 7) % 100, "runs_on")));
    edges.extend((202..500).map(|p| (p, 12 + p % 20, "connects_to")));
    let mut tx = app.db.begin().await.expect("tx");
    for (s, t, kind) in edges {
        let r = yunwei_store::cmdb::RelationRow {
            id: 0,
            project_id: pid,
            source_id: id(s),
            target_id: id(t),
            kind: kind.to_owned(),
            source_port: String::new(),
            target_port: String::new(),
            created_at: chrono::Utc::now(),
            created_by: "test".into(),
        };
        yunwei_store::cmdb::insert_relation(&mut tx, &r).await.expect("relation");
    }
    tx.commit().await.expect("commit");
}

/// Measures the drawing in the page: [CI boxes, group rows, texts running past their box,
/// overlapping boxes, smallest font size in tenths of a pixel].
const MEASURE_TOPOLOGY: &str = r#"
const svg = document.querySelector('#topology svg');
const boxes = [...svg.querySelectorAll('g.ci')].map(g => g.querySelector('rect').getBBox());
let overflow = 0, overlaps = 0, minFont = 1000;
const inside = (g, box) => {
  for (const t of g.querySelectorAll('text')) {
    const b = t.getBBox();
    if (b.x < box.x || b.x + b.width > box.x + box.width - 2) overflow++;
    minFont = Math.min(minFont, Math.round(parseFloat(getComputedStyle(t).fontSize) * 10));
  }
};
svg.querySelectorAll('g.ci').forEach(g => inside(g, g.querySelector('rect').getBBox()));
svg.querySelectorAll('g.row').forEach(g => inside(g, g.querySelector('rect.hit').getBBox()));
for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
  const a = boxes[i], b = boxes[j];
  if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height) overlaps++;
}
return [boxes.length, svg.querySelectorAll('g.row').length, overflow, overlaps, minFont];
"#;

#[tokio::test(flavor = "multi_thread")]
async fn the_topology_of_a_500_ci_hospital_is_legible_in_chromium() {
    let Some(chromedriver) = chromedriver() else { return };
    let shots = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/screenshots"));
    std::fs::create_dir_all(&shots).expect("create target/screenshots");
    let tdb = support::TestDb::new().await;
    let app = App::new(tdb.db.clone(), Arc::new(SystemClock), AuthSettings::default());
    ensure_demo(&app).await.expect("demo installation");
    big_hospital(&app).await;
    let base = serve(app).await;
    let profile = tempfile::tempdir().expect("browser profile dir");
    let (_driver, b) = logged_in(&chromedriver, profile.path(), &base, (1600, 1000), "engineer").await;

    b.goto(format!("{base}/p/big/topology?scope=all")).await.expect("open the topology");
    b.query(By::Css("#topology svg g.ci")).first().await.expect("the drawing");
    let m = script_u32s(&b, MEASURE_TOPOLOGY).await;
    let [boxes, rows, overflow, overlaps, min_font] = m[..] else { panic!("measurements {m:?}") };
    assert_eq!(boxes, 32, "the switches have boxes");
    assert_eq!(rows, 468, "everything else is listed under its switch");
    assert_eq!(overflow, 0, "every text fits its box as rendered");
    assert_eq!(overlaps, 0, "no box overlaps another");
    assert!(min_font >= 110, "no text smaller than 11 px: {min_font}");
    screenshot(&b, &shots, "topology-500.png").await;
    b.find(By::Css("button[data-topo='fit']")).await.expect("fit button").click().await.expect("fit");
    screenshot(&b, &shots, "topology-500-fit.png").await;

    // The demo hospital's drawing, shrunk to the page because it is not much wider.
    b.goto(format!("{base}/p/{DEMO_PROJECT}/topology?scope=all")).await.expect("open the demo topology");
    let fit = script_u32s(&b, "return [document.getElementById('topology').classList.contains('fit') ? 1 : 0];").await;
    assert_eq!(fit, [1]);
    let m = script_u32s(&b, MEASURE_TOPOLOGY).await;
    assert_eq!((m[2], m[3]), (0, 0), "demo drawing: overflow and overlaps {m:?}");
    screenshot(&b, &shots, "topology-demo.png").await;
    b.quit().await.expect("quit the browser");
}

/// The page's scroll width and the viewport's width without its scroll bar.
const WIDTHS: &str = "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];";

/// A chromedriver command outside W3C WebDriver (thirtyfour wraps these only with its `cdp`
/// feature, which this build leaves off).
#[derive(Debug)]
struct ChromiumCommand {
    path: &'static str,
    body: serde_json::Value,
}

impl thirtyfour::common::command::FormatRequestData for ChromiumCommand {
    fn format_request(&self, session_id: &thirtyfour::SessionId) -> thirtyfour::RequestData {
        thirtyfour::RequestData::new(axum::http::Method::POST, format!("/session/{session_id}/{}", self.path))
            .add_body(self.body.clone())
    }
}

/// Cuts the browser off the network (as a phone in a lift), or gives it back.
async fn set_offline(b: &WebDriver, offline: bool) {
    let conditions = serde_json::json!({"network_conditions":
        {"offline": offline, "latency": 0, "download_throughput": -1, "upload_throughput": -1}});
    b.handle()
        .cmd(ChromiumCommand { path: "chromium/network_conditions", body: conditions })
        .await
        .expect("chromedriver network conditions");
}

/// One Chrome DevTools Protocol command through chromedriver.
async fn cdp(b: &WebDriver, cmd: &str, params: serde_json::Value) -> serde_json::Value {
    let body = serde_json::json!({"cmd": cmd, "params": params});
    let r = b.handle().cmd(ChromiumCommand { path: "goog/cdp/execute", body }).await.expect("cdp command");
    r.value_json().expect("cdp result")
}

/// The whole page, not only the viewport (the checklist is long on a phone).
async fn full_page_screenshot(b: &WebDriver, dir: &Path, name: &str) {
    use base64::Engine;
    // From the top, so the sticky top bar is drawn where it belongs.
    b.execute("window.scrollTo(0, 0); return [];", Vec::<serde_json::Value>::new()).await.expect("scroll to top");
    let m = cdp(b, "Page.getLayoutMetrics", serde_json::json!({})).await;
    let size = &m["cssContentSize"];
    let (w, h) = (size["width"].as_f64().unwrap_or(390.0), size["height"].as_f64().unwrap_or(844.0));
    let clip = serde_json::json!({"x": 0, "y": 0, "width": w, "height": h, "scale": 1});
    let shot = cdp(
        b,
        "Page.captureScreenshot",
        serde_json::json!({"format": "png", "captureBeyondViewport": true, "clip": clip}),
    )
    .await;
    let png = base64::engine::general_purpose::STANDARD
        .decode(shot["data"].as_str().expect("screenshot data"))
        .expect("base64 screenshot");
    std::fs::write(dir.join(name), png).expect("write screenshot");
}

/// The text of the first element matching `css`, once `done` says it is there (asked again if
/// the page is replaced between finding the element and reading it).
async fn wait_text(
    b: &WebDriver,
    css: &str,
    what: &str,
    done: impl Fn(&str) -> bool + Clone + Send + Sync + 'static,
) -> String {
    for _ in 0..3 {
        let el = b
            .query(By::Css(css))
            // Set before the filter, which otherwise fails on an element the page just replaced.
            .ignore_errors(true)
            .with_text(done.clone())
            .desc(what)
            .first()
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        if let Ok(text) = el.text().await {
            return text;
        }
    }
    panic!("{what}: the page kept changing under {css}");
}

async fn click(b: &WebDriver, css: &str) {
    b.query(By::Css(css))
        .and_clickable()
        .first()
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .expect(css);
}

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
    let stored = yunwei_store::inspection::results(&tdb.db, id).await.expect("results");
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
    let stored = yunwei_store::inspection::results(&tdb.db, id).await.expect("results");
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
    let stored = yunwei_store::inspection::results(&tdb.db, id).await.expect("results");
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

/// A project of its own for the daily-log test (the demo's engineer may have signed today
/// already): the seed 000 contract, the demo's engineer and hospital IT as members, a firing alert
/// that opened an incident, a recovered one, and a backup job with a failed report.
async fn log_project(app: &App) {
    use yunwei_domain::monitoring::{Alert, BackupReport, Source};
    let contract = yunwei_domain::contract::with_project_fields(
        include_str!("../../../contracts/seed-000.toml"),
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
