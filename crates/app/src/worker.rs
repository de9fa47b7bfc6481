//! The job runner: one `jobs` table for all background work.
//!
//! A module enqueues its work inside the transaction of the use case that makes it necessary
//! ([`enqueue`], [`schedule`], [`cancel`]), so a job exists exactly when that change committed,
//! and registers a handler per kind on the [`Worker`] built at start-up. The worker claims what is
//! due (see `store::jobs`: `FOR UPDATE SKIP LOCKED` on PostgreSQL, the one writer on SQLite),
//! under a lease: a job claimed by a process that died is taken again once its lease has passed.
//! A handler runs its own transaction; where exactly-once matters it finishes the job inside it
//! ([`Job::complete`]) — that statement succeeds for one holder only, so work committed with it
//! happens once even when a lease passed mid-run. A failed attempt is retried with exponential
//! backoff up to the kind's maximum; every attempt is kept in `job_attempts`. All times come from
//! the injected clock.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use yunwei_store::Tx;
use yunwei_store::jobs::{self as store, Finish, NewJob};

use crate::{App, AppError};

/// A claimed job, as its handler sees it.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub key: Option<String>,
    pub payload: Value,
    /// 1 for the first attempt; the token that proves this process holds the job.
    pub attempt: i64,
    /// When it was due.
    pub run_at: DateTime<Utc>,
}

impl Job {
    /// Finishes the job inside the handler's transaction: false if this process no longer holds
    /// it (its lease passed and another took it, or it was finished) — then the handler must drop
    /// its transaction and return [`Outcome::Lost`]. Call it first, before the work: on
    /// PostgreSQL it locks the job's row until the transaction ends.
    pub async fn complete(&self, tx: &mut Tx, now: DateTime<Utc>) -> Result<bool, AppError> {
        let f = Finish { status: "done", run_at: None, outcome: "done", error: None, attempts: None };
        Ok(store::finish(tx, self.id, self.attempt, &f, now).await?)
    }

    /// Like [`Job::complete`] for a recurring job: queues its next run at `next`, in the same row.
    /// Its earlier successful runs' attempts are dropped (a pass every few seconds would fill the
    /// table); failed ones stay on record.
    pub async fn repeat_at(&self, tx: &mut Tx, next: DateTime<Utc>, now: DateTime<Utc>) -> Result<bool, AppError> {
        store::forget_done_attempts(tx, self.id).await?;
        let f = Finish { status: "queued", run_at: Some(next), outcome: "done", error: None, attempts: Some(0) };
        Ok(store::finish(tx, self.id, self.attempt, &f, now).await?)
    }
}

/// How a handler's attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Done (finished by the handler in its transaction, or else by the runner now).
    Done,
    /// Nothing to do any more (the inspection was done in time, the step was cancelled).
    Skipped,
    /// Not yet: run again at this time, without spending an attempt.
    Later(DateTime<Utc>),
    /// Another process holds the job now (see [`Job::complete`]); nothing was done here.
    Lost,
}

/// Retries and lease of a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Attempts before the job is given up (`failed`).
    pub max_attempts: i64,
    /// Wait after the first failure; doubled after each further one …
    pub first_backoff: Duration,
    /// … up to this.
    pub max_backoff: Duration,
    /// How long a claim holds the job before another process may take it again.
    pub lease: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Self {
            max_attempts: 10,
            first_backoff: Duration::seconds(30),
            max_backoff: Duration::hours(1),
            lease: Duration::minutes(5),
        }
    }
}

impl Retry {
    /// The wait after failed attempt `attempt` (1-based).
    pub fn backoff(&self, attempt: i64) -> Duration {
        let doublings = (attempt - 1).clamp(0, 30) as u32;
        let wait = self.first_backoff.num_seconds().saturating_mul(1i64 << doublings);
        Duration::seconds(wait).min(self.max_backoff)
    }
}

type Fut = Pin<Box<dyn Future<Output = Result<Outcome, AppError>> + Send>>;
type Handler = Arc<dyn Fn(App, Job) -> Fut + Send + Sync>;

struct Kind {
    retry: Retry,
    handler: Handler,
    /// A recurring job: its one row is queued at start-up and runs again every this long.
    every: Option<Duration>,
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunReport {
    pub runs: Vec<Ran>,
}

/// One attempt made by a pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ran {
    pub id: i64,
    pub kind: String,
    pub key: Option<String>,
    pub payload: Value,
    pub attempt: i64,
    /// `done`, `skipped`, `later`, `lost`, `error`, `failed` (the last attempt failed).
    pub outcome: &'static str,
    pub error: Option<String>,
}

impl RunReport {
    /// The jobs of `kind` this pass finished with [`Outcome::Done`], in order.
    pub fn done<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Ran> + 'a {
        self.runs.iter().filter(move |r| r.kind == kind && r.outcome == "done")
    }
}

/// The job runner of a process: the app and a handler per kind.
pub struct Worker {
    app: App,
    kinds: BTreeMap<&'static str, Kind>,
}

/// Jobs one pass takes at most (the next pass goes on).
const PASS_LIMIT: usize = 2000;

impl Worker {
    /// A runner with no handlers.
    pub fn new(app: App) -> Self {
        Self { app, kinds: BTreeMap::new() }
    }

    /// Runs jobs of `kind` with `handler`, retried as [`Retry::default`] says.
    pub fn handle<F, R>(self, kind: &'static str, handler: F) -> Self
    where
        F: Fn(App, Job) -> R + Send + Sync + 'static,
        R: Future<Output = Result<Outcome, AppError>> + Send + 'static,
    {
        self.handle_with(kind, Retry::default(), handler)
    }

    /// Runs jobs of `kind` with `handler` and the retries and lease of `retry`.
    pub fn handle_with<F, R>(mut self, kind: &'static str, retry: Retry, handler: F) -> Self
    where
        F: Fn(App, Job) -> R + Send + Sync + 'static,
        R: Future<Output = Result<Outcome, AppError>> + Send + 'static,
    {
        let handler: Handler = Arc::new(move |app, job| Box::pin(handler(app, job)));
        self.kinds.insert(kind, Kind { retry, handler, every: None });
        self
    }

    /// A recurring job of `kind`: `work` runs every `every` (its work must be safe to repeat — a
    /// pass after a crash may run again); its next run is queued in the transaction that finishes
    /// this one. A failure is retried after `every` at most and never given up.
    pub fn every<F, R>(mut self, kind: &'static str, every: Duration, work: F) -> Self
    where
        F: Fn(App) -> R + Send + Sync + 'static,
        R: Future<Output = Result<(), AppError>> + Send + 'static,
    {
        let work = Arc::new(work);
        let handler: Handler = Arc::new(move |app: App, job: Job| {
            let work = work.clone();
            Box::pin(async move {
                work(app.clone()).await?;
                let now = app.now();
                let mut tx = app.db.begin().await?;
                if !job.repeat_at(&mut tx, now + every, now).await? {
                    return Ok(Outcome::Lost);
                }
                tx.commit().await?;
                Ok(Outcome::Done)
            })
        });
        let retry = Retry { max_attempts: i64::MAX, first_backoff: every, max_backoff: every, ..Retry::default() };
        self.kinds.insert(kind, Kind { retry, handler, every: Some(every) });
        self
    }

    /// Queues the one row of each recurring kind, due now, unless it exists.
    pub async fn start_recurring(&self) -> Result<(), AppError> {
        let now = self.app.now();
        let mut tx = self.app.db.begin().await?;
        for (kind, k) in &self.kinds {
            if k.every.is_some() {
                enqueue(&mut tx, kind, Some("recurring"), now, &Value::Null, now).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Claims and runs, one at a time, every job of the registered kinds that is due now (each at
    /// most once in this pass), and says what happened.
    pub async fn run_once(&self) -> Result<RunReport, AppError> {
        let kinds: Vec<&str> = self.kinds.keys().copied().collect();
        let lease = self.kinds.values().map(|k| k.retry.lease).max().unwrap_or_else(|| Retry::default().lease);
        let mut report = RunReport::default();
        let mut seen = Vec::new();
        while seen.len() < PASS_LIMIT && !kinds.is_empty() {
            let now = self.app.now();
            let mut tx = self.app.db.begin().await?;
            let claimed = store::claim(&mut tx, &kinds, &seen, now, &self.app.notify.instance, now + lease).await?;
            tx.commit().await?;
            let Some(row) = claimed else { break };
            seen.push(row.id);
            report.runs.push(self.run_claimed(row).await?);
        }
        Ok(report)
    }

    async fn run_claimed(&self, row: store::JobRow) -> Result<Ran, AppError> {
        let payload: Value = serde_json::from_str(&row.payload).unwrap_or(Value::Null);
        let job = Job {
            id: row.id,
            kind: row.kind.clone(),
            key: row.dedupe_key.clone(),
            payload: payload.clone(),
            attempt: row.attempts,
            run_at: row.run_at,
        };
        let mut ran = Ran {
            id: row.id,
            kind: row.kind.clone(),
            key: row.dedupe_key,
            payload,
            attempt: row.attempts,
            outcome: "done",
            error: None,
        };
        let Some(kind) = self.kinds.get(row.kind.as_str()) else { return Ok(ran) };
        let retry = kind.retry;
        let result = if row.attempts > retry.max_attempts {
            // Its last attempt's process died: give it up as a failure would.
            Err(AppError::Internal("the last attempt did not finish".into()))
        } else {
            (kind.handler)(self.app.clone(), job).await
        };
        let now = self.app.now();
        let (finish, outcome) = match &result {
            Ok(Outcome::Done) => {
                (Finish { status: "done", run_at: None, outcome: "done", error: None, attempts: None }, "done")
            }
            Ok(Outcome::Skipped) => {
                (Finish { status: "done", run_at: None, outcome: "skipped", error: None, attempts: None }, "skipped")
            }
            Ok(Outcome::Later(at)) => (
                Finish {
                    status: "queued",
                    run_at: Some(*at),
                    outcome: "later",
                    error: None,
                    attempts: Some(row.attempts - 1),
                },
                "later",
            ),
            Ok(Outcome::Lost) => {
                ran.outcome = "lost";
                return Ok(ran);
            }
            Err(e) => {
                let text: String = e.to_string().chars().take(1000).collect();
                ran.error = Some(text);
                if row.attempts >= retry.max_attempts {
                    tracing::error!(job = row.id, kind = %row.kind, attempt = row.attempts, error = %e, "job given up");
                    let f = Finish { status: "failed", run_at: None, outcome: "error", error: None, attempts: None };
                    (f, "failed")
                } else {
                    tracing::warn!(job = row.id, kind = %row.kind, attempt = row.attempts, error = %e, "job failed; retried");
                    let at = now + retry.backoff(row.attempts);
                    let f =
                        Finish { status: "queued", run_at: Some(at), outcome: "error", error: None, attempts: None };
                    (f, "error")
                }
            }
        };
        let finish = Finish { error: ran.error.as_deref(), ..finish };
        ran.outcome = outcome;
        let mut tx = self.app.db.begin().await?;
        // False when the handler finished the job itself (or lost it): nothing more to record.
        store::finish(&mut tx, row.id, row.attempts, &finish, now).await?;
        tx.commit().await?;
        Ok(ran)
    }

    /// Runs [`Worker::run_once`] every `interval`, forever (the `serve` background worker).
    pub async fn run(self, interval: std::time::Duration) {
        if let Err(e) = self.start_recurring().await {
            tracing::error!(error = %e, "queueing the recurring jobs failed");
        }
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = self.run_once().await {
                tracing::error!(error = %e, "job pass failed");
            }
        }
    }
}

fn json(payload: &Value) -> Result<String, AppError> {
    serde_json::to_string(payload).map_err(|e| AppError::Internal(format!("job payload: {e}")))
}

/// The recurring job that deletes finished jobs (see [`prune`]).
pub const PRUNE: &str = "jobs.prune";

/// Deletes the jobs that finished (done or cancelled) more than
/// [`crate::JobSettings::keep_finished_days`] ago, with their attempts; failed jobs stay. Returns
/// how many were deleted.
pub async fn prune(app: &App) -> Result<u64, AppError> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let n = store::prune(&mut tx, now - Duration::days(app.jobs.keep_finished_days.max(0))).await?;
    tx.commit().await?;
    Ok(n)
}

/// Queues a job of `kind` due at `run_at` inside the caller's transaction, unless a job of the
/// same kind and `key` exists already (in any state); true if queued.
pub async fn enqueue(
    tx: &mut Tx,
    kind: &str,
    key: Option<&str>,
    run_at: DateTime<Utc>,
    payload: &Value,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let payload = json(payload)?;
    let job = NewJob { kind, dedupe_key: key, chain: None, run_at, payload: &payload };
    Ok(store::enqueue(tx, &job, now).await?)
}

/// Queues the job of `kind` and `key` due at `run_at`, or moves it there if it is still waiting
/// (or was cancelled); jobs of one `chain` run one at a time, in the order they were first queued.
pub async fn schedule(
    tx: &mut Tx,
    kind: &str,
    key: &str,
    chain: Option<&str>,
    run_at: DateTime<Utc>,
    payload: &Value,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let payload = json(payload)?;
    let job = NewJob { kind, dedupe_key: Some(key), chain, run_at, payload: &payload };
    Ok(store::schedule(tx, &job, now).await?)
}

/// Cancels the waiting job of `kind` and `key`, if any (one already running sees, in its own
/// transaction, that there is nothing left to do).
pub async fn cancel(tx: &mut Tx, kind: &str, key: &str, now: DateTime<Utc>) -> Result<bool, AppError> {
    Ok(store::cancel(tx, kind, key, now).await?)
}

/// Cancels every waiting job of `kind` in `chain`; returns how many.
pub async fn cancel_chain(tx: &mut Tx, kind: &str, chain: &str, now: DateTime<Utc>) -> Result<u64, AppError> {
    Ok(store::cancel_chain(tx, kind, chain, now).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        let r = Retry { first_backoff: Duration::seconds(30), max_backoff: Duration::minutes(5), ..Retry::default() };
        let waits: Vec<i64> = (1..=6).map(|n| r.backoff(n).num_seconds()).collect();
        assert_eq!(waits, [30, 60, 120, 240, 300, 300]);
        assert_eq!(r.backoff(1000).num_seconds(), 300, "no overflow");
    }
}
