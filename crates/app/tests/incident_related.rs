//! Related incidents (`incident::related`): the other incidents of the project that name one of
//! the same configuration items and were reported within an hour of it.

use std::sync::Arc;
use yunwei_domain::id::IncidentId;

use chrono::{DateTime, Duration, TimeZone, Utc};
use yunwei_app::actor::AuthMethod;
use yunwei_app::incident::{self, NewIncident};
use yunwei_app::{Actor, App, AppError, AuthSettings, ManualClock};
use yunwei_store::Db;

/// 2026-03-02 09:00 in Beijing, a Monday.
fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).single().expect("valid time")
}

async fn demo_app() -> (App, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Db::open_sqlite(dir.path()).await.expect("open sqlite");
    db.migrate().await.expect("migrate");
    let app = App::new(db, Arc::new(ManualClock::new(start())), AuthSettings::default());
    yunwei_app::demo::ensure_demo(&app).await.expect("demo installation");
    (app, dir)
}

async fn actor(app: &App, username: &str) -> Actor {
    let u = yunwei_store::identity::user_by_username(&app.db, username).await.expect("db").expect("user");
    Actor::of_user(&u, AuthMethod::Local)
}

async fn report(app: &App, who: &Actor, title: &str, ci: &[&str], minutes_ago: i64) -> i64 {
    let input = NewIncident {
        title: title.into(),
        severity: "P3".into(),
        channel: "phone".into(),
        reported_at: Some(start() - Duration::minutes(minutes_ago)),
        ci: ci.iter().map(|c| (*c).to_owned()).collect(),
        ..Default::default()
    };
    incident::create(app, who, yunwei_app::demo::DEMO_PROJECT, input).await.expect("report").row.id
}

#[tokio::test]
async fn related_incidents_share_a_configuration_item_within_an_hour() {
    let (app, _dir) = demo_app().await;
    let desk = actor(&app, "dispatcher").await;
    let printer = report(&app, &desk, "条码打印机卡纸", &["PRN-TEST-01"], 40).await;
    let same_ci_soon = report(&app, &desk, "条码打印机缺纸", &["PRN-TEST-02", "PRN-TEST-01"], 10).await;
    let same_ci_later = report(&app, &desk, "条码打印机又卡纸", &["PRN-TEST-01"], 0).await;
    let _other_ci = report(&app, &desk, "自助机黑屏", &["KIOSK-TEST-01"], 30).await;
    let _hours_before = report(&app, &desk, "条码打印机驱动异常", &["PRN-TEST-01"], 3 * 60).await;
    let no_ci = report(&app, &desk, "电话咨询", &[], 20).await;

    let ids = |v: Vec<yunwei_app::incident::Incident>| v.into_iter().map(|i| i.id).collect::<Vec<_>>();
    let mut found = ids(incident::related(&app, &desk, IncidentId::new(printer)).await.expect("related"));
    found.sort_unstable();
    assert_eq!(found, vec![same_ci_soon, same_ci_later], "same CI within the hour, itself left out");
    assert_eq!(ids(incident::related(&app, &desk, IncidentId::new(same_ci_later)).await.expect("related")).len(), 2);
    assert!(
        incident::related(&app, &desk, IncidentId::new(no_ci)).await.expect("related").is_empty(),
        "no CI, no relation"
    );
}

#[tokio::test]
async fn related_incidents_are_not_found_outside_the_callers_project() {
    let (app, _dir) = demo_app().await;
    let desk = actor(&app, "dispatcher").await;
    let id = report(&app, &desk, "条码打印机卡纸", &["PRN-TEST-01"], 5).await;
    let input = yunwei_app::identity::NewUserInput {
        username: "outsider",
        display_name: "外单位人员",
        password: None,
        is_admin: false,
        organization: None,
        department: None,
    };
    yunwei_app::identity::add_user(&app, None, input).await.expect("user");
    let outsider = actor(&app, "outsider").await;
    let r = incident::related(&app, &outsider, IncidentId::new(id)).await;
    assert!(matches!(r, Err(AppError::NotFound(_))), "{r:?}");
    assert!(matches!(incident::related(&app, &desk, IncidentId::new(999_999)).await, Err(AppError::NotFound(_))));
}
