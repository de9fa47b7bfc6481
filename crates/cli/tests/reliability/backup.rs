//! `yunwei backup` while the server is under write load, `yunwei restore` into an empty data
//! directory: the copy is consistent and holds every write acknowledged before the backup began.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::support::{Ledger, Server, Target, check, load, text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_under_load_restores_everything_acknowledged_before_it() {
    // SQLite only: PostgreSQL is backed up with pg_dump (docs/reliability.md).
    let t = Target::sqlite_in(tempfile::tempdir().expect("tempdir"));
    let token = t.demo_token();
    let server = Server::start(&t, &[]);
    let ledger = Arc::new(Ledger::default());
    let stop = Arc::new(AtomicBool::new(false));
    let mut clients = tokio::spawn(load(server.base.clone(), token.clone(), 32, ledger.clone(), stop.clone()));
    tokio::select! {
        () = ledger.until(200) => {}
        _ = &mut clients => panic!("the load ended early:\n{}", server.log()),
    }

    // What was acknowledged before the backup began must be in it.
    let before = ledger.incidents.lock().expect("ledger").clone();
    let file = t.dir.path().join("backup.db");
    let out = t.run(&["backup", "-o", file.to_str().expect("utf-8")]);
    assert!(out.status.success(), "backup: {}", text(&out.stderr));
    let during = ledger.acked_writes();
    // The load went on while the copy was taken; a little more, then stop.
    tokio::select! {
        () = ledger.until(during + 50) => {}
        _ = &mut clients => panic!("the load ended during the backup:\n{}", server.log()),
    }
    stop.store(true, Ordering::Relaxed);
    clients.await.expect("load");
    assert_eq!(ledger.failed.load(Ordering::Relaxed), 0, "no request failed while the backup ran");

    // A second backup to the same name is refused; the first stays whole.
    let again = t.run(&["backup", "-o", file.to_str().expect("utf-8")]);
    assert!(!again.status.success());
    assert!(text(&again.stderr).contains("exists already"), "{}", text(&again.stderr));

    // Restore into an empty data directory, then check it as the crash test checks a restart.
    let restored = Target::sqlite_in(tempfile::tempdir().expect("tempdir"));
    let out = restored.run(&["restore", file.to_str().expect("utf-8")]);
    assert!(out.status.success(), "restore: {}", text(&out.stderr));
    assert!(text(&out.stdout).contains("audit trail intact"), "{}", text(&out.stdout));
    let copy = Ledger::default();
    *copy.incidents.lock().expect("ledger") = before.clone();
    let checked = check(&restored, &copy).await;
    assert!(checked >= before.len());
    // The restored copy serves.
    let s = Server::start(&restored, &[]);
    let (id, acked) = before.iter().next().expect("something acknowledged");
    let got: serde_json::Value = crate::support::client(1)
        .get(format!("{}/api/v1/incidents/{id}", s.base))
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(got["number"], acked.number.as_str());

    // Restoring over a database is refused and changes nothing.
    let twice = restored.run(&["restore", file.to_str().expect("utf-8")]);
    assert!(!twice.status.success());
    assert!(text(&twice.stderr).contains("holds a database already"), "{}", text(&twice.stderr));
    // A file that is not a backup is refused before anything is written.
    let junk = t.dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database").expect("write");
    let empty = Target::sqlite_in(tempfile::tempdir().expect("tempdir"));
    let bad = empty.run(&["restore", junk.to_str().expect("utf-8")]);
    assert!(!bad.status.success());
    assert!(text(&bad.stderr).contains("not an intact yunwei database"), "{}", text(&bad.stderr));
    assert!(!empty.data_dir().join("yunwei.db").exists());
    drop(server);
}
