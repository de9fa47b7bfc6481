//! Test set-up that no use case offers, for the tests of the crates above app (web). Fixtures are
//! written straight to the tables — no permission check, no audit entry, no job — so that a test
//! can have a user, a session or thousands of rows at once; and the job runner's bookkeeping, which
//! no page shows, can be read back. Compiled only with the `testing` feature, which
//! `crates/web`'s dev-dependencies enable: the served binary has none of it.

use chrono::{DateTime, Utc};
use yunwei_domain::id::{IncidentId, InspectionId};
use yunwei_store::cmdb::RelationRow;
use yunwei_store::incident::IncidentRow;
use yunwei_store::inspection::ResultRow;
use yunwei_store::jobs::{self, AttemptRow, Finish, JobRow};
use yunwei_store::notify::{ChannelRow, NotificationRow};
use yunwei_store::project::ProjectRow;

use crate::{App, AppError};

/// The id of the user called `username`, if there is one.
pub async fn user_id(app: &App, username: &str) -> Result<Option<i64>, AppError> {
    Ok(yunwei_store::identity::user_by_username(&app.db, username).await?.map(|u| u.id))
}

/// Stores an active local user with an already computed password hash (hashing per fixture user
/// would dominate the tests' time); returns its id.
pub async fn insert_user(app: &App, username: &str, is_admin: bool, password_hash: &str) -> Result<i64, AppError> {
    let user = yunwei_store::identity::NewUser {
        username,
        display_name: username,
        organization_id: None,
        department_id: None,
        password_hash: Some(password_hash),
        is_admin,
        now: app.now(),
    };
    let mut tx = app.db.begin().await?;
    let id = yunwei_store::identity::insert_user(&mut tx, &user).await?;
    tx.commit().await?;
    Ok(id)
}

/// Stores a browser session of `user_id` with the given token and CSRF token, valid until
/// `expires_at` (a login without the password form).
pub async fn insert_session(
    app: &App,
    token: &str,
    user_id: i64,
    csrf: &str,
    expires_at: DateTime<Utc>,
) -> Result<(), AppError> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    yunwei_store::identity::insert_session(
        &mut tx,
        &crate::identity::token_hash(token),
        user_id,
        csrf,
        now,
        expires_at,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The stored project `code`, if there is one.
pub async fn project(app: &App, code: &str) -> Result<Option<ProjectRow>, AppError> {
    Ok(yunwei_store::project::by_code(&app.db, code).await?)
}

/// The answers stored for an inspection, as the server has them.
pub async fn inspection_results(app: &App, id: InspectionId) -> Result<Vec<ResultRow>, AppError> {
    Ok(yunwei_store::inspection::results(&app.db, id.get()).await?)
}

/// Stores copies of incident `model`, one per `(number, title)`, with an empty description, in
/// one transaction (filler rows for searches and pages over thousands of incidents).
pub async fn copy_incident(app: &App, model: IncidentId, copies: &[(String, String)]) -> Result<(), AppError> {
    let model = yunwei_store::incident::get(&app.db, model.get())
        .await?
        .ok_or_else(|| AppError::NotFound(format!("故障 {model} 不存在")))?;
    let mut tx = app.db.begin().await?;
    for (number, title) in copies {
        let row =
            IncidentRow { number: number.clone(), title: title.clone(), description: String::new(), ..model.clone() };
        yunwei_store::incident::insert(&mut tx, &row).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Stores outbox messages as given (their ids are assigned), in one transaction.
pub async fn queue_notifications(app: &App, messages: &[NotificationRow]) -> Result<(), AppError> {
    let mut tx = app.db.begin().await?;
    for m in messages {
        yunwei_store::notify::enqueue(&mut tx, m).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Stores a project's notification channel as given, as no one (no audit entry: a fixture that
/// must not count as any caller's write); returns its id.
pub async fn insert_channel(app: &App, channel: &ChannelRow) -> Result<i64, AppError> {
    let mut tx = app.db.begin().await?;
    let id = yunwei_store::notify::insert_channel(&mut tx, channel).await?;
    tx.commit().await?;
    Ok(id)
}

/// Stores relations between configuration items as given (their ids are assigned), in one
/// transaction.
pub async fn insert_relations(app: &App, relations: &[RelationRow]) -> Result<(), AppError> {
    let mut tx = app.db.begin().await?;
    for r in relations {
        yunwei_store::cmdb::insert_relation(&mut tx, r).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The job `id` of the runner's table.
pub async fn job(app: &App, id: i64) -> Result<Option<JobRow>, AppError> {
    Ok(jobs::get(&app.db, id).await?)
}

/// The job of `kind` and `key`.
pub async fn job_by_key(app: &App, kind: &str, key: &str) -> Result<Option<JobRow>, AppError> {
    Ok(jobs::by_key(&app.db, kind, key).await?)
}

/// Every job of `kind`.
pub async fn jobs_of_kind(app: &App, kind: &str) -> Result<Vec<JobRow>, AppError> {
    Ok(jobs::of_kind(&app.db, kind).await?)
}

/// The attempts recorded for job `id`, oldest first.
pub async fn job_attempts(app: &App, id: i64) -> Result<Vec<AttemptRow>, AppError> {
    Ok(jobs::attempts(&app.db, id).await?)
}

/// Claims the next due job of `kinds` as process `instance` would, under a lease until
/// `lease_until`, without running it (a process that dies holding a job).
pub async fn claim_job(
    app: &App,
    kinds: &[&str],
    instance: &str,
    lease_until: DateTime<Utc>,
) -> Result<Option<JobRow>, AppError> {
    let mut tx = app.db.begin().await?;
    let job = jobs::claim(&mut tx, kinds, &[], app.now(), instance, lease_until).await?;
    tx.commit().await?;
    Ok(job)
}

/// Tries to finish attempt `attempt` of job `id` as done, as the process that claimed it would;
/// true if that process still held it. Nothing is committed.
pub async fn try_finish_job(app: &App, id: i64, attempt: i64) -> Result<bool, AppError> {
    let mut tx = app.db.begin().await?;
    let done = Finish { status: "done", run_at: None, outcome: "done", error: None, attempts: None };
    let held = jobs::finish(&mut tx, id, attempt, &done, app.now()).await?;
    drop(tx);
    Ok(held)
}
