//! The audit trail: every change writes an entry in its transaction; tampering is detected.

use axum::http::{Method, StatusCode};
use serde_json::json;
use yunwei_app::audit_trail::verify_all;
use yunwei_domain::identity::Role;

use crate::support::{TestApp, TestDb};

async fn verify(t: &TestApp) -> Result<usize, yunwei_domain::audit::ChainBreak> {
    verify_all(&t.app, |_| {}).await.expect("verify runs").map(|r| r.entries)
}

async fn with_changes() -> (TestApp, String) {
    let members = [("it", Role::HospitalIt), ("it", Role::Auditor)];
    let s = TestApp::site().project("demo").members(&members).tokens().build().await;
    let token = s.token("it");
    let t = s.t;
    for (i, name) in ["一", "二", "三"].iter().enumerate() {
        let etag = format!("\"{}\"", i + 1);
        let r = t
            .api_with(
                Method::PATCH,
                "/api/v1/projects/demo",
                Some(&token),
                Some(json!({"name": format!("项目{name}")})),
                &[("if-match", &etag)],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    (t, token)
}

#[tokio::test]
async fn changes_are_on_the_trail_with_before_and_after() {
    let (t, token) = with_changes().await;
    let r = t.api(Method::GET, "/api/v1/projects/demo/audit?entity=project&action=update", Some(&token), None).await;
    assert_eq!(r.status, StatusCode::OK);
    let items = r.json()["items"].as_array().expect("items").clone();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["actor"], "it");
    assert_eq!(items[0]["summary"], json!({"before": {"name": "项目二"}, "after": {"name": "项目三"}}));
    assert!(verify(&t).await.is_ok());
}

#[tokio::test]
async fn audit_list_pages_with_a_cursor() {
    let (t, token) = with_changes().await;
    let first = t.api(Method::GET, "/api/v1/projects/demo/audit?limit=2", Some(&token), None).await.json();
    assert_eq!(first["items"].as_array().map(Vec::len), Some(2));
    let cursor = first["next_cursor"].as_str().expect("more pages").to_owned();
    let second = t
        .api(Method::GET, &format!("/api/v1/projects/demo/audit?limit=2&cursor={cursor}"), Some(&token), None)
        .await
        .json();
    let ids = |v: &serde_json::Value| {
        v["items"].as_array().expect("items").iter().map(|i| i["id"].as_i64().unwrap_or_default()).collect::<Vec<_>>()
    };
    let (a, b) = (ids(&first), ids(&second));
    assert!(a.iter().all(|x| b.iter().all(|y| y < x)), "{a:?} then {b:?}");
    let bad = t.api(Method::GET, "/api/v1/projects/demo/audit?cursor=zzz", Some(&token), None).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["errors"][0]["field"], "cursor");
}

#[tokio::test]
async fn a_failed_use_case_leaves_no_audit_entry() {
    let (t, token) = with_changes().await;
    let before = verify(&t).await.expect("intact");
    let r = t
        .api_with(
            Method::PATCH,
            "/api/v1/projects/demo",
            Some(&token),
            Some(json!({"name": "过期"})),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(r.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(verify(&t).await.expect("intact"), before);
}

#[tokio::test]
async fn edited_entry_is_detected_and_named() {
    let (t, _) = with_changes().await;
    assert!(verify(&t).await.is_ok());
    let victim = t.tdb.scalar("SELECT MIN(id) FROM audit_log WHERE action = 'update'").await;
    drop_triggers(&t.tdb).await;
    t.tdb.raw(&format!("UPDATE audit_log SET summary = '{{}}' WHERE id = {victim}")).await;
    let err = verify(&t).await.expect_err("tampering must be detected");
    assert_eq!(err.entry_id, victim);
    assert!(err.reason.contains("edited"), "{err}");
}

#[tokio::test]
async fn deleted_entry_is_detected() {
    let (t, _) = with_changes().await;
    drop_triggers(&t.tdb).await;
    t.tdb.raw("DELETE FROM audit_log WHERE id = (SELECT MIN(id) FROM audit_log WHERE action = 'update')").await;
    let err = verify(&t).await.expect_err("deletion must be detected");
    assert!(err.reason.contains("deleted"), "{err}");
}

#[tokio::test]
async fn deleted_last_entry_is_detected_by_the_chain_head() {
    let (t, _) = with_changes().await;
    drop_triggers(&t.tdb).await;
    t.tdb.raw("DELETE FROM audit_log WHERE id = (SELECT MAX(id) FROM audit_log)").await;
    let err = verify(&t).await.expect_err("a removed tail must be detected");
    assert!(err.reason.contains("head"), "{err}");
}

#[tokio::test]
async fn the_database_refuses_to_edit_the_trail() {
    let (t, _) = with_changes().await;
    let r = match &t.tdb.db {
        yunwei_app::Db::Sqlite { write, .. } => {
            sqlx::raw_sql("UPDATE audit_log SET summary = 'x'").execute(write).await.map(|_| ())
        }
        yunwei_app::Db::Postgres(pool) => {
            sqlx::raw_sql("UPDATE audit_log SET summary = 'x'").execute(pool).await.map(|_| ())
        }
    };
    assert!(r.is_err(), "append-only trigger must refuse updates");
    assert!(verify(&t).await.is_ok());
}

async fn drop_triggers(db: &TestDb) {
    match db.db.backend() {
        yunwei_app::Backend::Postgres => {
            db.raw("DROP TRIGGER audit_log_no_update ON audit_log; DROP TRIGGER audit_log_no_delete ON audit_log").await
        }
        yunwei_app::Backend::Sqlite => {
            db.raw("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete").await
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_changes_keep_one_unbroken_chain() {
    let t = TestApp::new().await;
    t.project("demo").await;
    for i in 0..12 {
        t.user(&format!("u{i}"), false).await;
    }
    let mut tasks = Vec::new();
    for i in 0..12 {
        let app = t.app.clone();
        tasks.push(tokio::spawn(async move {
            yunwei_app::project::grant(&app, None, "demo", &format!("u{i}"), "engineer").await
        }));
    }
    for task in tasks {
        assert!(task.await.expect("join").expect("grant"));
    }
    // project create + 12 grants, all in one chain without gaps or forks.
    assert_eq!(verify(&t).await.expect("intact chain"), 13);
    assert_eq!(t.tdb.scalar("SELECT MAX(seq) FROM audit_log WHERE chain = 'p:1'").await, 13);
}
