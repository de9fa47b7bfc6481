//! The job runner (`app::worker`): retries with backoff and every attempt on record, a lease that
//! lets another process take a job whose process died, each job run once by two instances, the
//! order of a chain, dedupe, re-timing and cancelling — driven by the manual clock.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::Duration;
use serde_json::json;
use yunwei_app::NotifySettings;
use yunwei_app::testing;
use yunwei_app::worker::{self, Outcome, Retry, Worker};
use yunwei_app::{App, AppError, AuthSettings};

use crate::support::TestApp;

async fn queue(app: &App, kind: &str, key: &str, after: Duration) -> i64 {
    let now = app.now();
    let mut tx = app.db.begin().await.expect("tx");
    assert!(worker::enqueue(&mut tx, kind, Some(key), now + after, &json!({"key": key}), now).await.expect("enqueue"));
    tx.commit().await.expect("commit");
    testing::job_by_key(app, kind, key).await.expect("db").expect("queued").id
}

#[tokio::test]
async fn a_failing_job_is_retried_with_backoff_and_every_attempt_is_recorded() {
    let t = TestApp::new().await;
    let calls = Arc::new(Mutex::new(0));
    let c = calls.clone();
    let retry = Retry { max_attempts: 5, first_backoff: Duration::seconds(30), ..Retry::default() };
    let w = Worker::new(t.app.clone()).handle_with("test.flaky", retry, move |_app, _job| {
        let c = c.clone();
        async move {
            let mut n = c.lock().expect("lock");
            *n += 1;
            if *n <= 2 { Err(AppError::Internal(format!("gateway busy ({n})"))) } else { Ok(Outcome::Done) }
        }
    });
    let id = queue(&t.app, "test.flaky", "a", Duration::zero()).await;
    let start = t.app.now();

    let r = w.run_once().await.expect("run");
    assert_eq!(r.runs.iter().map(|r| r.outcome).collect::<Vec<_>>(), ["error"]);
    let job = testing::job(&t.app, id).await.expect("db").expect("job");
    assert_eq!((job.status.as_str(), job.run_at), ("queued", start + Duration::seconds(30)), "30 s after the first");
    assert!(w.run_once().await.expect("run").runs.is_empty(), "not before its time");

    t.clock.advance(Duration::seconds(30));
    assert_eq!(w.run_once().await.expect("run").runs[0].outcome, "error");
    let job = testing::job(&t.app, id).await.expect("db").expect("job");
    assert_eq!(job.run_at, start + Duration::seconds(90), "then 60 s: the wait doubles");
    assert_eq!(job.last_error.as_deref(), Some("internal error: gateway busy (2)"));

    t.clock.advance(Duration::seconds(60));
    assert_eq!(w.run_once().await.expect("run").runs[0].outcome, "done");
    let job = testing::job(&t.app, id).await.expect("db").expect("job");
    assert_eq!((job.status.as_str(), job.attempts, job.last_error), ("done", 3, None));
    let attempts = testing::job_attempts(&t.app, id).await.expect("attempts");
    let seen: Vec<(i64, Option<&str>, Option<&str>)> =
        attempts.iter().map(|a| (a.attempt, a.outcome.as_deref(), a.error.as_deref())).collect();
    assert_eq!(
        seen,
        [
            (1, Some("error"), Some("internal error: gateway busy (1)")),
            (2, Some("error"), Some("internal error: gateway busy (2)")),
            (3, Some("done"), None)
        ]
    );
    assert_eq!(attempts[0].started_at, start);
    assert_eq!(attempts[2].finished_at, Some(start + Duration::seconds(90)));
    assert!(attempts.iter().all(|a| a.instance == "yunwei"));
}

#[tokio::test]
async fn a_job_that_keeps_failing_is_given_up_after_its_kind_s_maximum() {
    let t = TestApp::new().await;
    let retry = Retry { max_attempts: 3, first_backoff: Duration::seconds(10), ..Retry::default() };
    let w = Worker::new(t.app.clone())
        .handle_with("test.broken", retry, |_app, _job| async { Err(AppError::Internal("always".into())) });
    let id = queue(&t.app, "test.broken", "a", Duration::zero()).await;
    let mut outcomes = Vec::new();
    for _ in 0..5 {
        outcomes.extend(w.run_once().await.expect("run").runs.iter().map(|r| r.outcome));
        t.clock.advance(Duration::hours(1));
    }
    assert_eq!(outcomes, ["error", "error", "failed"]);
    let job = testing::job(&t.app, id).await.expect("db").expect("job");
    assert_eq!((job.status.as_str(), job.attempts), ("failed", 3));
    assert_eq!(testing::job_attempts(&t.app, id).await.expect("attempts").len(), 3);
}

#[tokio::test]
async fn a_job_whose_process_died_is_taken_again_when_its_lease_has_passed() {
    let t = TestApp::new().await;
    let id = queue(&t.app, "test.once", "a", Duration::zero()).await;
    // Another process claims it and dies before finishing.
    let now = t.app.now();
    let claimed = testing::claim_job(&t.app, &["test.once"], "dead", now + Duration::minutes(5)).await.expect("claim");
    assert_eq!(claimed.map(|j| (j.id, j.attempts)), Some((id, 1)));

    let ran = Arc::new(Mutex::new(Vec::new()));
    let r = ran.clone();
    let w = Worker::new(t.app.clone()).handle("test.once", move |app, job| {
        let r = r.clone();
        async move {
            let now = app.now();
            let mut tx = app.db.begin().await?;
            if !job.complete(&mut tx, now).await? {
                return Ok(Outcome::Lost);
            }
            tx.commit().await?;
            r.lock().expect("lock").push(job.attempt);
            Ok(Outcome::Done)
        }
    });
    t.clock.advance(Duration::minutes(4));
    assert!(w.run_once().await.expect("run").runs.is_empty(), "the lease still holds");
    t.clock.advance(Duration::minutes(1));
    assert_eq!(w.run_once().await.expect("run").runs.iter().map(|r| r.outcome).collect::<Vec<_>>(), ["done"]);
    assert_eq!(*ran.lock().expect("lock"), [2]);

    // The dead process's claim no longer finishes anything.
    assert!(!testing::try_finish_job(&t.app, id, 1).await.expect("finish"));
    let attempts = testing::job_attempts(&t.app, id).await.expect("attempts");
    let seen: Vec<(&str, Option<&str>)> =
        attempts.iter().map(|a| (a.instance.as_str(), a.outcome.as_deref())).collect();
    assert_eq!(seen, [("dead", Some("expired")), ("yunwei", Some("done"))]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_run_each_job_exactly_once() {
    let t = TestApp::new().await;
    let mut ids = Vec::new();
    for i in 0..40 {
        ids.push(queue(&t.app, "test.count", &format!("job-{i}"), Duration::zero()).await);
    }
    let ran: Arc<Mutex<Vec<(String, i64)>>> = Arc::default();
    let worker_of = |app: App, name: &str| {
        let r = ran.clone();
        let app = app.with_notify(NotifySettings { instance: name.into(), ..Default::default() });
        Worker::new(app).handle("test.count", move |app, job| {
            let r = r.clone();
            async move {
                let now = app.now();
                let mut tx = app.db.begin().await?;
                if !job.complete(&mut tx, now).await? {
                    return Ok(Outcome::Lost);
                }
                tx.commit().await?;
                r.lock().expect("lock").push((app.notify.instance.clone(), job.id));
                Ok(Outcome::Done)
            }
        })
    };
    let a = worker_of(t.app.clone(), "a");
    let b = worker_of(App::new(t.tdb.second().await, t.clock.clone(), AuthSettings::default()), "b");
    let (ra, rb) =
        tokio::join!(tokio::spawn(async move { a.run_once().await }), tokio::spawn(async move { b.run_once().await }));
    let (ra, rb) = (ra.expect("join").expect("run a"), rb.expect("join").expect("run b"));
    assert_eq!(ra.runs.len() + rb.runs.len(), 40, "a ran {}, b ran {}", ra.runs.len(), rb.runs.len());
    let mut count: BTreeMap<i64, usize> = BTreeMap::new();
    for (_, id) in ran.lock().expect("lock").iter() {
        *count.entry(*id).or_default() += 1;
    }
    assert_eq!(count.keys().copied().collect::<Vec<_>>(), ids);
    assert!(count.values().all(|n| *n == 1), "{count:?}");
    assert_eq!(t.tdb.scalar("SELECT COUNT(*) FROM jobs WHERE status = 'done'").await, 40);
    assert_eq!(t.tdb.scalar("SELECT COUNT(*) FROM job_attempts").await, 40);
}

#[tokio::test]
async fn a_key_is_queued_once_re_timed_while_waiting_and_cancelled() {
    let t = TestApp::new().await;
    let now = t.app.now();
    let mut tx = t.app.db.begin().await.expect("tx");
    assert!(worker::enqueue(&mut tx, "test.k", Some("x"), now, &json!(1), now).await.expect("first"));
    assert!(!worker::enqueue(&mut tx, "test.k", Some("x"), now, &json!(2), now).await.expect("again"), "deduped");
    worker::schedule(&mut tx, "test.k", "y", None, now + Duration::hours(1), &json!("y"), now).await.expect("y");
    worker::schedule(&mut tx, "test.k", "y", None, now + Duration::hours(2), &json!("y2"), now).await.expect("y");
    worker::schedule(&mut tx, "test.k", "z", None, now, &json!("z"), now).await.expect("z");
    assert!(worker::cancel(&mut tx, "test.k", "z", now).await.expect("cancel"));
    tx.commit().await.expect("commit");
    let y = testing::job_by_key(&t.app, "test.k", "y").await.expect("db").expect("y");
    assert_eq!((y.run_at, y.payload.as_str()), (now + Duration::hours(2), "\"y2\""), "moved, not doubled");

    let w = Worker::new(t.app.clone()).handle("test.k", |_app, _job| async { Ok(Outcome::Done) });
    let r = w.run_once().await.expect("run");
    assert_eq!(r.runs.iter().map(|r| r.key.as_deref()).collect::<Vec<_>>(), [Some("x")], "z was cancelled");
    // A finished job is not re-timed or queued again.
    let mut tx = t.app.db.begin().await.expect("tx");
    worker::schedule(&mut tx, "test.k", "x", None, now, &json!(3), now).await.expect("x");
    tx.commit().await.expect("commit");
    assert!(w.run_once().await.expect("run").runs.is_empty());
    t.clock.advance(Duration::hours(2));
    assert_eq!(
        w.run_once().await.expect("run").runs.iter().map(|r| r.payload.clone()).collect::<Vec<_>>(),
        [json!("y2")]
    );
}

#[tokio::test]
async fn jobs_of_one_chain_run_in_order_and_wait_for_the_one_before() {
    let t = TestApp::new().await;
    let now = t.app.now();
    let mut tx = t.app.db.begin().await.expect("tx");
    for (key, after) in [("c1", 1), ("c2", 2), ("other", 3)] {
        let chain = (key != "other").then_some("chain-1");
        worker::schedule(&mut tx, "test.chain", key, chain, now + Duration::minutes(after), &json!(key), now)
            .await
            .expect("schedule");
    }
    tx.commit().await.expect("commit");
    let fail_c1 = Arc::new(Mutex::new(true));
    let f = fail_c1.clone();
    let w = Worker::new(t.app.clone()).handle("test.chain", move |_app, job| {
        let f = f.clone();
        async move {
            if job.key.as_deref() == Some("c1") && *f.lock().expect("lock") {
                return Err(AppError::Internal("not yet".into()));
            }
            Ok(Outcome::Done)
        }
    });
    t.clock.advance(Duration::minutes(10));
    let keys = |r: &worker::RunReport| {
        r.runs.iter().map(|r| (r.key.clone().unwrap_or_default(), r.outcome)).collect::<Vec<_>>()
    };
    let r = w.run_once().await.expect("run");
    assert_eq!(keys(&r), [("c1".into(), "error"), ("other".into(), "done")], "c2 waits for c1");
    *fail_c1.lock().expect("lock") = false;
    t.clock.advance(Duration::minutes(10));
    let r = w.run_once().await.expect("run");
    assert_eq!(keys(&r), [("c1".into(), "done"), ("c2".into(), "done")], "then both, in order, in one pass");
}

#[tokio::test]
async fn a_recurring_job_queues_its_next_run_as_it_finishes() {
    let t = TestApp::new().await;
    let runs = Arc::new(Mutex::new(0));
    let r = runs.clone();
    let w = Worker::new(t.app.clone()).every("test.hourly", Duration::hours(1), move |_app| {
        let r = r.clone();
        async move {
            *r.lock().expect("lock") += 1;
            Ok(())
        }
    });
    w.start_recurring().await.expect("start");
    w.start_recurring().await.expect("a second process starting");
    assert_eq!(w.run_once().await.expect("run").runs.len(), 1);
    assert!(w.run_once().await.expect("run").runs.is_empty(), "next in an hour");
    t.clock.advance(Duration::hours(1));
    assert_eq!(w.run_once().await.expect("run").runs.len(), 1);
    assert_eq!(*runs.lock().expect("lock"), 2);
    let rows = testing::jobs_of_kind(&t.app, "test.hourly").await.expect("db");
    assert_eq!(rows.len(), 1, "one row for every run");
    assert_eq!((rows[0].status.as_str(), rows[0].run_at), ("queued", t.app.now() + Duration::hours(1)));
}

#[tokio::test]
async fn finished_jobs_are_deleted_after_their_keeping_time_and_failed_ones_stay() {
    let t = TestApp::new().await;
    let app = t.app.clone().with_jobs(yunwei_app::JobSettings { keep_finished_days: 30 });
    let done = queue(&app, "test.prune", "done", Duration::zero()).await;
    let failed = queue(&app, "test.prune", "failed", Duration::zero()).await;
    let waiting = queue(&app, "test.prune", "waiting", Duration::days(60)).await;
    let w = Worker::new(app.clone()).handle_with(
        "test.prune",
        Retry { max_attempts: 1, ..Retry::default() },
        |_app, job| async move {
            match job.key.as_deref() {
                Some("failed") => Err(AppError::Internal("boom".into())),
                _ => Ok(Outcome::Done),
            }
        },
    );
    assert_eq!(w.run_once().await.expect("run").runs.len(), 2);
    let status = |id| {
        let app = &app;
        async move { testing::job(app, id).await.expect("db").map(|j| j.status) }
    };
    assert_eq!(status(done).await.as_deref(), Some("done"));
    assert_eq!(status(failed).await.as_deref(), Some("failed"));

    t.clock.advance(Duration::days(30) - Duration::seconds(1));
    assert_eq!(worker::prune(&app).await.expect("prune"), 0, "kept for 30 days");
    t.clock.advance(Duration::seconds(2));
    assert_eq!(worker::prune(&app).await.expect("prune"), 1);
    assert_eq!(status(done).await, None, "done job deleted");
    assert!(testing::job_attempts(&app, done).await.expect("db").is_empty(), "with its attempts");
    assert_eq!(status(failed).await.as_deref(), Some("failed"), "a failed job waits for an operator");
    assert_eq!(testing::job_attempts(&app, failed).await.expect("db").len(), 1);
    assert_eq!(status(waiting).await.as_deref(), Some("queued"), "a waiting job is not finished");
}
