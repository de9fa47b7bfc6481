//! SQLite's group commit: transactions queued behind one another share a `COMMIT`, each is told
//! "done" only once that `COMMIT` returned, and one that fails or is dropped undoes only its own
//! work.

use std::collections::BTreeSet;
use std::time::Duration;

use sea_query::{Expr, Query};
use yunwei_store::{Db, StoreError};

async fn scratch() -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Db::open_sqlite(dir.path()).await.expect("open");
    let Db::Sqlite { write, .. } = &db else { unreachable!() };
    sqlx::raw_sql("CREATE TABLE t (k INTEGER PRIMARY KEY); INSERT INTO t (k) VALUES (-1)")
        .execute(write)
        .await
        .expect("scratch table");
    (dir, db)
}

fn insert(k: i64) -> sea_query::InsertStatement {
    Query::insert().into_table("t").columns(["k"]).values_panic([Expr::val(k)]).to_owned()
}

/// What another connection sees: only committed rows.
async fn committed(db: &Db) -> BTreeSet<i64> {
    let Db::Sqlite { read, .. } = db else { unreachable!() };
    let rows: Vec<(i64,)> = sqlx::query_as("SELECT k FROM t").fetch_all(read).await.expect("read");
    rows.into_iter().map(|r| r.0).collect()
}

fn commits(db: &Db) -> u64 {
    let Db::Sqlite { writer, .. } = db else { unreachable!() };
    writer.commits()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn queued_transactions_share_commits_and_failures_stay_their_own() {
    let (_dir, db) = scratch().await;
    let mut tasks = Vec::new();
    for i in 0..200i64 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = db.begin().await?;
            tx.execute(&insert(i)).await?;
            // Let others queue behind this one.
            tokio::task::yield_now().await;
            match i % 8 {
                // Dropped without commit: undone.
                3 => {
                    tx.execute(&insert(1000 + i)).await?;
                    drop(tx);
                    return Ok(false);
                }
                // Fails half-way (the row -1 exists): its first insert is undone too.
                5 => {
                    tx.execute(&insert(-1)).await?;
                }
                _ => {}
            }
            tx.commit().await?;
            // Acknowledged means committed: another connection sees it now.
            assert!(committed(&db).await.contains(&i), "{i} acknowledged but not visible");
            Ok::<bool, StoreError>(true)
        }));
    }
    let mut ok = BTreeSet::new();
    for (i, t) in tasks.into_iter().enumerate() {
        match t.await.expect("join") {
            Ok(true) => {
                ok.insert(i as i64);
            }
            Ok(false) => assert_eq!(i % 8, 3),
            Err(e) => {
                assert_eq!(i % 8, 5, "{i}: {e}");
                assert!(matches!(e, StoreError::Unique(_)), "{e:?}");
            }
        }
    }
    let expected: BTreeSet<i64> = (0..200).filter(|i| !matches!(i % 8, 3 | 5)).collect();
    assert_eq!(ok, expected);
    let mut want = expected.clone();
    want.insert(-1);
    assert_eq!(committed(&db).await, want);
    let n = commits(&db);
    assert!(n < expected.len() as u64, "{n} commits for {} transactions: no group formed", expected.len());
}

#[tokio::test]
async fn a_transaction_dropped_alone_is_undone_and_frees_the_writer() {
    let (_dir, db) = scratch().await;
    let mut tx = db.begin().await.expect("begin");
    tx.execute(&insert(7)).await.expect("insert");
    drop(tx);
    // The writer's connection goes back to its pool without anyone else writing.
    let Db::Sqlite { write, .. } = &db else { unreachable!() };
    let conn = tokio::time::timeout(Duration::from_secs(10), write.acquire()).await.expect("freed").expect("conn");
    drop(conn);
    assert_eq!(committed(&db).await, BTreeSet::from([-1]));
    let mut tx = db.begin().await.expect("begin");
    tx.execute(&insert(8)).await.expect("insert");
    tx.commit().await.expect("commit");
    assert_eq!(committed(&db).await, BTreeSet::from([-1, 8]));
}

/// A committed transaction leaves its savepoint for the next one to release: one that then fails
/// on its very first statement, or does nothing at all, must still undo only itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn transactions_that_fail_at_once_or_do_nothing_leave_the_others_whole() {
    let (_dir, db) = scratch().await;
    let mut tasks = Vec::new();
    for i in 0..240i64 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = db.begin().await?;
            tokio::task::yield_now().await;
            match i % 4 {
                // Fails on its first statement (the row -1 exists).
                0 => {
                    tx.execute(&insert(-1)).await?;
                }
                // Dropped having done nothing.
                1 => {
                    drop(tx);
                    return Ok(false);
                }
                // Commits having done nothing.
                2 => {}
                _ => {
                    tx.execute(&insert(i)).await?;
                }
            }
            tx.commit().await?;
            assert!(i % 4 != 3 || committed(&db).await.contains(&i), "{i} acknowledged but not visible");
            Ok::<bool, StoreError>(true)
        }));
    }
    for (i, t) in tasks.into_iter().enumerate() {
        match t.await.expect("join") {
            Ok(true) => assert!(matches!(i % 4, 2 | 3), "{i} committed"),
            Ok(false) => assert_eq!(i % 4, 1),
            Err(e) => {
                assert_eq!(i % 4, 0, "{i}: {e}");
                assert!(matches!(e, StoreError::Unique(_)), "{e:?}");
            }
        }
    }
    let mut want: BTreeSet<i64> = (0..240).filter(|i| i % 4 == 3).collect();
    want.insert(-1);
    assert_eq!(committed(&db).await, want);
    assert!(commits(&db) < 120, "{} commits for 120 transactions: no group formed", commits(&db));
}
