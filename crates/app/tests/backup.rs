//! The scheduled backup on the job runner: one file per period named by the injected clock, the
//! newest `keep` kept, other files in the folder left alone; each file is a whole database.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use yunwei_app::backup::{self, Schedule};
use yunwei_app::worker::Worker;
use yunwei_app::{App, AuthSettings, ManualClock};
use yunwei_store::Db;

#[tokio::test]
async fn scheduled_backups_run_on_the_runner_and_keep_the_newest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Db::open_sqlite(&dir.path().join("data")).await.expect("open");
    db.migrate().await.expect("migrate");
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 12, 4, 1, 0, 0).single().expect("time")));
    let app = App::new(db, clock.clone(), AuthSettings::default());
    yunwei_app::demo::ensure_demo(&app).await.expect("demo");
    let out = dir.path().join("backups");
    std::fs::create_dir_all(&out).expect("mkdir");
    std::fs::write(out.join("notes.txt"), "the operator's own file").expect("write");
    let s = Schedule { dir: out.clone(), every: Duration::hours(6), keep: 2 };
    let w = backup::schedule(Worker::new(app.clone()), s);
    w.start_recurring().await.expect("queue");

    let names = || {
        let mut v: Vec<String> = std::fs::read_dir(&out)
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let ran = w.run_once().await.expect("pass");
    assert_eq!(ran.done(backup::SCHEDULED).count(), 1);
    assert_eq!(names(), ["notes.txt", "yunwei-backup-20261204T010000Z.db"]);
    // Not due again within the period.
    clock.advance(Duration::hours(5));
    assert_eq!(w.run_once().await.expect("pass").done(backup::SCHEDULED).count(), 0);
    for _ in 0..2 {
        clock.advance(Duration::hours(6));
        assert_eq!(w.run_once().await.expect("pass").done(backup::SCHEDULED).count(), 1);
    }
    assert_eq!(names(), ["notes.txt", "yunwei-backup-20261204T120000Z.db", "yunwei-backup-20261204T180000Z.db"]);

    // Each is a whole database that restores.
    let restored = dir.path().join("restored");
    let r = backup::restore(&out.join("yunwei-backup-20261204T180000Z.db"), &restored).await.expect("restore");
    assert!(r.audit.entries > 0);
    assert!(restored.join("yunwei.db").is_file());
    assert!(!restored.join(".restore").exists());
}
