//! The pages under their Content-Security-Policy: a blocked inline script, handler or style
//! breaks a page silently, so every violation the browser reports on the main pages of the demo
//! (an administrator's) fails this test, and the handlers moved out of the templates still work.

use super::*;

/// Runs in every new document before the page's own scripts, outside the page's policy.
const LISTEN: &str = "window.__csp = []; document.addEventListener('securitypolicyviolation', \
    function (e) { window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + e.sourceFile + ':' + e.lineNumber); });";

async fn violations(b: &WebDriver) -> Vec<String> {
    b.execute("return window.__csp || ['listener missing'];", Vec::<serde_json::Value>::new())
        .await
        .expect("read violations")
        .convert()
        .expect("strings")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_pages_run_under_their_policy_without_a_violation() {
    let Some(chromedriver) = chromedriver() else { return };
    let tdb = support::TestDb::new().await;
    let app = App::new(tdb.db.clone(), Arc::new(SystemClock), AuthSettings::default());
    ensure_demo(&app).await.expect("demo installation");
    let base = serve(app).await;
    let profile = tempfile::tempdir().expect("browser profile dir");
    let (_driver, b) = logged_in(&chromedriver, profile.path(), &base, DESKTOP, "admin").await;
    cdp(&b, "Page.enable", serde_json::json!({})).await;
    cdp(&b, "Page.addScriptToEvaluateOnNewDocument", serde_json::json!({"source": LISTEN})).await;

    let p = format!("/p/{DEMO_PROJECT}");
    let incident = {
        b.goto(format!("{base}{p}/incidents")).await.expect("open incidents");
        let a = b.query(By::Css("a[href*='/incidents/']")).first().await.expect("an incident link");
        a.attr("href").await.expect("href").expect("href present")
    };
    let pages = [
        "/".to_owned(),
        p.clone(),
        format!("{p}/incidents"),
        incident.clone(),
        format!("{incident}/report"),
        format!("{p}/topology"),
        format!("{p}/cis"),
        format!("{p}/inspections"),
        format!("{p}/notifications"),
        format!("{p}/audit"),
        format!("{p}/contract"),
        format!("{p}/members"),
        "/account".to_owned(),
        "/admin".to_owned(),
        "/inbox".to_owned(),
    ];
    let mut found = Vec::new();
    for page in &pages {
        b.goto(format!("{base}{page}")).await.unwrap_or_else(|e| panic!("open {page}: {e}"));
        for v in violations(&b).await {
            found.push(format!("{page}: {v}"));
        }
    }
    assert!(found.is_empty(), "CSP violations: {found:#?}");

    // The printable report's button is shown by app.js (hidden without script).
    b.goto(format!("{base}{incident}/report")).await.expect("open the report");
    let print = b.query(By::Css("button[data-print]")).first().await.expect("print button");
    assert!(print.is_displayed().await.expect("displayed"), "app.js runs on the report and shows 打印");
    // The project switcher, a handler that moved from the template into app.js.
    b.goto(format!("{base}/account")).await.expect("open /account");
    let select = b.query(By::Id("project-select")).first().await.expect("project switcher");
    select
        .find(By::Css(format!("option[value='{DEMO_PROJECT}']")))
        .await
        .expect("the demo project")
        .click()
        .await
        .expect("choose it");
    b.query(By::Css("nav.sidenav")).first().await.expect("the project's page");
    assert_eq!(path_of(&b).await, p, "the switcher went to the project");
    assert!(violations(&b).await.is_empty());

    // The listener does see a violation: an inline script added now is blocked and reported.
    let inject = "var s = document.createElement('script'); s.textContent = 'window.__ran = 1;'; \
                  document.body.appendChild(s); return window.__ran === undefined;";
    let blocked: bool =
        b.execute(inject, Vec::<serde_json::Value>::new()).await.expect("inject").convert().expect("bool");
    assert!(blocked, "the policy blocks inline script");
    // The event is dispatched as a task of its own: read again (bounded) until it is there.
    let mut v = violations(&b).await;
    for _ in 0..50 {
        if !v.is_empty() {
            break;
        }
        v = violations(&b).await;
    }
    assert!(v.iter().any(|v| v.starts_with("script-src")), "the listener reports it: {v:?}");
}
