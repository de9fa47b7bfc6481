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

#[path = "../integration/support/mod.rs"]
mod support;

mod csp;
mod daily_log;
mod inspection;
mod roles;
mod topology;

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
