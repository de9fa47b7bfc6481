//! The `jobs` table of the job runner (`app::worker`) and the attempts made at each job.
//!
//! A claim is one statement, `UPDATE jobs … WHERE id = (SELECT id … LIMIT 1) RETURNING …`, inside
//! a write transaction. On PostgreSQL the inner select takes the row `FOR UPDATE SKIP LOCKED`, so
//! concurrent claimers pass over each other's rows instead of queueing on them; on SQLite the
//! transaction holds the one writer (of every process: `BEGIN IMMEDIATE`), so claims cannot
//! interleave. The claim raises `attempts`, which is also the holder's token: finishing a job
//! checks it, so a holder whose lease passed and whose job was taken again can no longer finish
//! it.

use chrono::{DateTime, Utc};
use sea_query::{Alias, Cond, Expr, ExprTrait, LockBehavior, LockType, OnConflict, Order, Query};

use crate::{Db, StoreError, Tx, insert_into};

/// One job.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub dedupe_key: Option<String>,
    pub chain: Option<String>,
    /// JSON.
    pub payload: String,
    /// `queued`, `running`, `done`, `failed`, `cancelled`.
    pub status: String,
    pub run_at: DateTime<Utc>,
    pub attempts: i64,
    pub locked_by: Option<String>,
    pub locked_until: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

const COLS: [&str; 13] = [
    "id",
    "kind",
    "dedupe_key",
    "chain",
    "payload",
    "status",
    "run_at",
    "attempts",
    "locked_by",
    "locked_until",
    "last_error",
    "created_at",
    "finished_at",
];

/// A job to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob<'a> {
    pub kind: &'a str,
    pub dedupe_key: Option<&'a str>,
    pub chain: Option<&'a str>,
    pub run_at: DateTime<Utc>,
    pub payload: &'a str,
}

fn insert(job: &NewJob<'_>, now: DateTime<Utc>) -> sea_query::InsertStatement {
    insert_into(
        "jobs",
        vec![
            ("kind", job.kind.into()),
            ("dedupe_key", job.dedupe_key.map(str::to_owned).into()),
            ("chain", job.chain.map(str::to_owned).into()),
            ("payload", job.payload.into()),
            ("status", "queued".into()),
            ("run_at", job.run_at.into()),
            ("attempts", 0i64.into()),
            ("created_at", now.into()),
        ],
    )
}

/// Queues a job unless one of the same kind and dedupe key exists (in any state); true if queued.
pub async fn enqueue(tx: &mut Tx, job: &NewJob<'_>, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let mut q = insert(job, now);
    q.on_conflict(OnConflict::columns(["kind", "dedupe_key"]).do_nothing().to_owned());
    Ok(tx.execute(&q).await? == 1)
}

/// Queues a job, or moves the waiting (or cancelled) job of its kind and key to the new time and
/// payload; a job that is running or finished is left alone. Needs a dedupe key.
pub async fn schedule(tx: &mut Tx, job: &NewJob<'_>, now: DateTime<Utc>) -> Result<(), StoreError> {
    let mut q = insert(job, now);
    q.on_conflict(
        OnConflict::columns(["kind", "dedupe_key"])
            .update_columns(["run_at", "payload", "chain"])
            .value("status", "queued")
            .value("finished_at", Option::<DateTime<Utc>>::None)
            .action_and_where(Expr::col((Alias::new("jobs"), Alias::new("status"))).is_in(["queued", "cancelled"]))
            .to_owned(),
    );
    tx.execute(&q).await?;
    Ok(())
}

/// Cancels the waiting job of a kind and key (a running or finished one is left alone); true if
/// one was cancelled.
pub async fn cancel(tx: &mut Tx, kind: &str, key: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let q = Query::update()
        .table("jobs")
        .value("status", "cancelled")
        .value("finished_at", now)
        .cond_where(
            Cond::all()
                .add(Expr::col("kind").eq(kind))
                .add(Expr::col("dedupe_key").eq(key))
                .add(Expr::col("status").eq("queued")),
        )
        .to_owned();
    Ok(tx.execute(&q).await? == 1)
}

/// Cancels every waiting job of a kind in a chain; returns how many.
pub async fn cancel_chain(tx: &mut Tx, kind: &str, chain: &str, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let q = Query::update()
        .table("jobs")
        .value("status", "cancelled")
        .value("finished_at", now)
        .cond_where(
            Cond::all()
                .add(Expr::col("kind").eq(kind))
                .add(Expr::col("chain").eq(chain))
                .add(Expr::col("status").eq("queued")),
        )
        .to_owned();
    tx.execute(&q).await
}

/// Claims the next job of `kinds` that is due at `now` (or whose holder's lease has passed),
/// skipping `seen`, and records the attempt's start; `None` when nothing is due. A job of a chain
/// waits while one queued before it in its chain is queued or running.
pub async fn claim(
    tx: &mut Tx,
    kinds: &[&str],
    seen: &[i64],
    now: DateTime<Utc>,
    instance: &str,
    lease_until: DateTime<Utc>,
) -> Result<Option<JobRow>, StoreError> {
    let (j, e) = (Alias::new("j"), Alias::new("e"));
    let jc = |c: &str| Expr::col((j.clone(), Alias::new(c)));
    let ec = |c: &str| Expr::col((e.clone(), Alias::new(c)));
    let claimable = |col: &dyn Fn(&str) -> Expr| {
        Cond::any()
            .add(Cond::all().add(col("status").eq("queued")).add(col("run_at").lte(now)))
            .add(Cond::all().add(col("status").eq("running")).add(col("locked_until").lte(now)))
    };
    let earlier_in_chain = Query::select()
        .expr(Expr::val(1))
        .from_as("jobs", e.clone())
        .cond_where(
            Cond::all()
                .add(ec("chain").equals((j.clone(), Alias::new("chain"))))
                .add(ec("id").lt(jc("id")))
                .add(ec("status").is_in(["queued", "running"])),
        )
        .to_owned();
    let mut pick = Query::select();
    pick.column((j.clone(), Alias::new("id")))
        .from_as("jobs", j.clone())
        .cond_where(
            Cond::all()
                .add(jc("kind").is_in(kinds.iter().copied()))
                .add(claimable(&jc))
                .add(Cond::any().add(jc("chain").is_null()).add(Expr::exists(earlier_in_chain).not())),
        )
        .order_by((j.clone(), Alias::new("run_at")), Order::Asc)
        .order_by((j.clone(), Alias::new("id")), Order::Asc)
        .limit(1)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    if !seen.is_empty() {
        pick.and_where(jc("id").is_not_in(seen.iter().copied()));
    }
    // `id = (…)`, not `id IN (…)`: PostgreSQL runs a scalar subquery once, while a semi-join may
    // rescan it per row and claim more than one job.
    let q = Query::update()
        .table("jobs")
        .value("status", "running")
        .value("attempts", Expr::col("attempts").add(1))
        .value("locked_by", instance)
        .value("locked_until", lease_until)
        .cond_where(
            Cond::all()
                .add(Expr::col("id").eq(Expr::SubQuery(None, Box::new(pick.into()))))
                .add(claimable(&|c| Expr::col(c.to_owned()))),
        )
        .returning(Query::returning().columns(COLS))
        .to_owned();
    let Some(row): Option<JobRow> = tx.fetch_optional(&q).await? else { return Ok(None) };
    // A holder whose lease passed never finished its attempt.
    let q = Query::update()
        .table("job_attempts")
        .value("finished_at", now)
        .value("outcome", "expired")
        .cond_where(Cond::all().add(Expr::col("job_id").eq(row.id)).add(Expr::col("finished_at").is_null()))
        .to_owned();
    tx.execute(&q).await?;
    let q = insert_into(
        "job_attempts",
        vec![
            ("job_id", row.id.into()),
            ("attempt", row.attempts.into()),
            ("instance", instance.into()),
            ("started_at", now.into()),
        ],
    );
    tx.execute(&q).await?;
    Ok(Some(row))
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finish<'a> {
    /// The job's new status (`done`, `queued` for a retry or a recurring job's next run, `failed`).
    pub status: &'a str,
    /// When it runs next, for `queued`.
    pub run_at: Option<DateTime<Utc>>,
    /// The attempt's outcome (`done`, `skipped`, `later`, `error`).
    pub outcome: &'a str,
    pub error: Option<&'a str>,
    /// Count the attempts from zero again (a recurring job's next run) or give this one back
    /// (`later`: not yet, no attempt spent).
    pub attempts: Option<i64>,
}

/// Ends attempt `attempt` of job `id`: true if this holder still held it (nobody took it over
/// after its lease passed, nobody finished it).
pub async fn finish(
    tx: &mut Tx,
    id: i64,
    attempt: i64,
    f: &Finish<'_>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let mut q = Query::update();
    q.table("jobs")
        .value("status", f.status)
        .value("locked_by", Option::<String>::None)
        .value("locked_until", Option::<DateTime<Utc>>::None)
        .value("last_error", f.error.map(str::to_owned))
        .value("finished_at", if f.status == "queued" { None } else { Some(now) })
        .cond_where(
            Cond::all()
                .add(Expr::col("id").eq(id))
                .add(Expr::col("status").eq("running"))
                .add(Expr::col("attempts").eq(attempt)),
        );
    if let Some(at) = f.run_at {
        q.value("run_at", at);
    }
    if let Some(n) = f.attempts {
        q.value("attempts", n);
    }
    if tx.execute(&q).await? != 1 {
        return Ok(false);
    }
    let q = Query::update()
        .table("job_attempts")
        .value("finished_at", now)
        .value("outcome", f.outcome)
        .value("error", f.error.map(str::to_owned))
        .cond_where(Cond::all().add(Expr::col("job_id").eq(id)).add(Expr::col("attempt").eq(attempt)))
        .to_owned();
    tx.execute(&q).await?;
    Ok(true)
}

/// Drops the finished successful attempts of a job (a recurring job's earlier runs).
pub async fn forget_done_attempts(tx: &mut Tx, job_id: i64) -> Result<u64, StoreError> {
    let q = Query::delete()
        .from_table("job_attempts")
        .cond_where(Cond::all().add(Expr::col("job_id").eq(job_id)).add(Expr::col("outcome").eq("done")))
        .to_owned();
    tx.execute(&q).await
}

/// Deletes the jobs that finished `done` or `cancelled` before `before`, with their attempts;
/// returns how many jobs. A key so freed may be queued again: handlers check their entity (a
/// fired step, an alert acted on) rather than rely on the job row staying.
pub async fn prune(tx: &mut Tx, before: DateTime<Utc>) -> Result<u64, StoreError> {
    let finished =
        || Cond::all().add(Expr::col("status").is_in(["done", "cancelled"])).add(Expr::col("finished_at").lt(before));
    let ids = Query::select().column("id").from("jobs").cond_where(finished()).to_owned();
    let q = Query::delete().from_table("job_attempts").and_where(Expr::col("job_id").in_subquery(ids)).to_owned();
    tx.execute(&q).await?;
    let q = Query::delete().from_table("jobs").cond_where(finished()).to_owned();
    tx.execute(&q).await
}

/// A job by id.
pub async fn get(db: &Db, id: i64) -> Result<Option<JobRow>, StoreError> {
    let q = Query::select().columns(COLS).from("jobs").and_where(Expr::col("id").eq(id)).to_owned();
    db.fetch_optional(&q).await
}

/// The job of a kind and dedupe key.
pub async fn by_key(db: &Db, kind: &str, key: &str) -> Result<Option<JobRow>, StoreError> {
    let q = Query::select()
        .columns(COLS)
        .from("jobs")
        .cond_where(Cond::all().add(Expr::col("kind").eq(kind)).add(Expr::col("dedupe_key").eq(key)))
        .to_owned();
    db.fetch_optional(&q).await
}

/// The jobs of a kind, oldest first (tests and the operator's view).
pub async fn of_kind(db: &Db, kind: &str) -> Result<Vec<JobRow>, StoreError> {
    let q = Query::select()
        .columns(COLS)
        .from("jobs")
        .and_where(Expr::col("kind").eq(kind))
        .order_by("id", Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// One attempt at a job.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AttemptRow {
    pub job_id: i64,
    pub attempt: i64,
    pub instance: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
    pub error: Option<String>,
}

/// The attempts at a job, in order.
pub async fn attempts(db: &Db, job_id: i64) -> Result<Vec<AttemptRow>, StoreError> {
    let q = Query::select()
        .columns(["job_id", "attempt", "instance", "started_at", "finished_at", "outcome", "error"])
        .from("job_attempts")
        .and_where(Expr::col("job_id").eq(job_id))
        .order_by("id", Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}
