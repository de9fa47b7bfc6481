//! Group commit for SQLite's one writer.
//!
//! SQLite allows one writer at a time, and with `synchronous = FULL` every `COMMIT` waits for the
//! disk. Transactions that queue behind one another here share that wait: each runs inside one
//! open `BEGIN IMMEDIATE` transaction under its own `SAVEPOINT` (so a failed use case undoes only
//! its own work), and the last of a queue of writers commits for all of them. Nobody is told
//! "done" before the `COMMIT` that holds their work has returned, so a crash loses nothing that
//! was acknowledged; if that `COMMIT` fails, every transaction in it gets the error.
//!
//! A writer alone commits at once, without a savepoint, exactly as a plain transaction would.
//!
//! A transaction that commits into the open batch leaves its savepoint open; the next one
//! releases it as it takes its own (`RELEASE tx; SAVEPOINT tx`, one round trip to SQLite's
//! thread instead of two), and `COMMIT` ends whatever is left.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use sqlx::pool::PoolConnection;
use sqlx::{Sqlite, SqliteConnection, SqlitePool};
use tokio::sync::{Mutex, OwnedMutexGuard, oneshot};

use crate::StoreError;

/// Transactions committed together at most (bounds the wait of the first of a long queue).
const MAX_BATCH: usize = 64;

/// The shared writer of one SQLite database.
#[derive(Debug)]
pub struct Writer {
    pool: SqlitePool,
    state: Arc<Mutex<State>>,
    /// Writers queued for `state` right now.
    waiting: AtomicUsize,
    /// `COMMIT`s that succeeded (fewer than transactions when groups formed).
    commits: AtomicU64,
    /// Transactions committed together at most: [`MAX_BATCH`], or 1 to measure without grouping.
    max_batch: AtomicUsize,
}

#[derive(Debug, Default)]
struct State {
    /// The connection, while a batch transaction is open on it.
    conn: Option<PoolConnection<Sqlite>>,
    /// Transactions whose work is in the open transaction, awaiting its `COMMIT`.
    batch: Vec<oneshot::Sender<Result<(), Failed>>>,
    /// Work of a transaction dropped without commit, still to be undone.
    undo: Option<Undo>,
    /// A flush task is queued for the lock.
    flush_queued: bool,
    /// The last transaction committed into the batch left its savepoint open.
    unreleased: bool,
}

/// Why a batch's `COMMIT` did not happen, as everyone in it is told.
#[derive(Debug, Clone)]
struct Failed {
    why: String,
    /// The storage is full (see [`crate::is_full`]).
    full: bool,
}

impl Failed {
    fn new(what: &str, e: &sqlx::Error) -> Self {
        Failed { why: format!("{what}: {e}"), full: crate::is_full(e) }
    }
}

impl From<Failed> for StoreError {
    fn from(f: Failed) -> Self {
        if f.full { StoreError::Full(f.why) } else { StoreError::Commit(f.why) }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Undo {
    /// Roll back to the savepoint (others' work stays).
    Savepoint,
    /// Roll back the whole transaction (it held nothing else).
    Whole,
}

/// One use case's transaction on the writer. Dropped without [`WriterTx::commit`], it is undone.
#[derive(Debug)]
pub struct WriterTx {
    writer: Arc<Writer>,
    guard: Option<OwnedMutexGuard<State>>,
    savepoint: bool,
}

struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn new(n: &'a AtomicUsize) -> Self {
        n.fetch_add(1, Ordering::SeqCst);
        Waiting(n)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn exec(conn: &mut SqliteConnection, sql: &'static str) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(sql).execute(conn).await.map(|_| ())
}

impl State {
    /// Undoes a dropped transaction's work. If SQLite has already rolled the whole transaction
    /// back (it does after some errors), the batch fails with it.
    async fn settle(&mut self) {
        let Some(undo) = self.undo.take() else { return };
        let Some(conn) = self.conn.as_mut() else { return };
        let undone = match undo {
            Undo::Savepoint => exec(conn, "ROLLBACK TO tx; RELEASE tx").await,
            Undo::Whole => Err(sqlx::Error::Protocol("rolled back".into())),
        };
        if let Err(e) = undone {
            self.abort(Failed::new("transaction lost", &e)).await;
        }
    }

    /// Rolls the open transaction back and fails everyone waiting on it.
    async fn abort(&mut self, why: Failed) {
        self.unreleased = false;
        if let Some(mut conn) = self.conn.take()
            && exec(&mut conn, "ROLLBACK").await.is_err()
        {
            // No transaction to roll back (SQLite ended it): the connection itself is fine.
            drop(conn);
        }
        for s in self.batch.drain(..) {
            let _ = s.send(Err(why.clone()));
        }
    }

    /// Commits the open transaction and tells everyone in it.
    async fn flush(&mut self, commits: &AtomicU64) {
        self.settle().await;
        self.unreleased = false;
        let Some(mut conn) = self.conn.take() else { return };
        let res = match exec(&mut conn, "COMMIT").await {
            Ok(()) => {
                commits.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
            Err(e) => {
                let _ = exec(&mut conn, "ROLLBACK").await;
                Err(Failed::new("commit failed", &e))
            }
        };
        drop(conn);
        for s in self.batch.drain(..) {
            let _ = s.send(res.clone());
        }
    }
}

impl Writer {
    /// A writer over the single-connection pool `pool`.
    pub fn new(pool: SqlitePool) -> Arc<Self> {
        Arc::new(Writer {
            pool,
            state: Arc::new(Mutex::new(State::default())),
            waiting: AtomicUsize::new(0),
            commits: AtomicU64::new(0),
            max_batch: AtomicUsize::new(MAX_BATCH),
        })
    }

    /// Begins a transaction: queues for the writer, joins the open batch transaction or opens one.
    pub async fn begin(self: &Arc<Self>) -> Result<WriterTx, StoreError> {
        let mut guard = {
            let _w = Waiting::new(&self.waiting);
            self.state.clone().lock_owned().await
        };
        guard.settle().await;
        let savepoint = guard.conn.is_some();
        if savepoint {
            let release = std::mem::take(&mut guard.unreleased);
            let conn = guard.conn.as_mut().ok_or_else(|| StoreError::Config("writer lost its connection".into()))?;
            if let Err(e) = exec(conn, if release { "RELEASE tx; SAVEPOINT tx" } else { "SAVEPOINT tx" }).await {
                if release {
                    // Whether the earlier savepoint still stands is unknown, and a later
                    // `ROLLBACK TO tx` could reach into committed work: fail the batch (nobody in
                    // it has been told "done" yet).
                    guard.abort(Failed::new("savepoint failed", &e)).await;
                }
                return Err(e.into());
            }
        } else {
            let mut conn = self.pool.acquire().await?;
            exec(&mut conn, "BEGIN IMMEDIATE").await?;
            guard.conn = Some(conn);
        }
        Ok(WriterTx { writer: self.clone(), guard: Some(guard), savepoint })
    }

    /// `COMMIT`s so far (for tests and the load benchmark).
    pub fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }

    /// Turns group commit off (each transaction its own `COMMIT`) or back on: for the load
    /// benchmark's baseline of the bare database, never for serving.
    pub fn set_grouping(&self, on: bool) {
        self.max_batch.store(if on { MAX_BATCH } else { 1 }, Ordering::Relaxed);
    }

    /// Queues a task that takes the lock after everyone queued now and commits what they left.
    fn queue_flush(self: &Arc<Self>, state: &mut State) {
        if state.flush_queued {
            return;
        }
        let Ok(rt) = tokio::runtime::Handle::try_current() else { return };
        state.flush_queued = true;
        let me = self.clone();
        rt.spawn(async move {
            let mut g = me.state.clone().lock_owned().await;
            g.flush_queued = false;
            g.flush(&me.commits).await;
        });
    }
}

impl WriterTx {
    /// The connection, for statements.
    pub fn conn(&mut self) -> Option<&mut SqliteConnection> {
        self.guard.as_mut().and_then(|g| g.conn.as_mut()).map(|c| &mut **c)
    }

    /// Commits: returns once a `COMMIT` holding this transaction's work has returned.
    pub async fn commit(mut self) -> Result<(), StoreError> {
        let Some(mut g) = self.guard.take() else { return Err(StoreError::Config("transaction already ended".into())) };
        // The next transaction, or the COMMIT, releases the savepoint.
        g.unreleased = self.savepoint;
        let (tx, rx) = oneshot::channel();
        g.batch.push(tx);
        if self.writer.waiting.load(Ordering::SeqCst) == 0
            || g.batch.len() >= self.writer.max_batch.load(Ordering::Relaxed)
        {
            g.flush(&self.writer.commits).await;
        } else {
            // Others are queued: the last of them (or the flush task behind them) commits.
            self.writer.queue_flush(&mut g);
        }
        drop(g);
        match rx.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(why)) => Err(why.into()),
            Err(_) => Err(StoreError::Commit("the writer stopped before committing".into())),
        }
    }
}

impl Drop for WriterTx {
    fn drop(&mut self) {
        if let Some(mut g) = self.guard.take() {
            g.undo = Some(if self.savepoint { Undo::Savepoint } else { Undo::Whole });
            // Undo it (and commit anyone waiting) even if no other writer comes along.
            self.writer.queue_flush(&mut g);
        }
    }
}
