//! Monitoring intake: alerts as received and what became of them, and backup reports.

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};

use crate::{Db, StoreError, Tx, insert_into};

/// One occurrence of an alert.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AlertRow {
    pub id: i64,
    pub project_id: i64,
    pub source: String,
    pub fingerprint: String,
    /// `firing` or `resolved`.
    pub status: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    /// JSON object.
    pub labels: String,
    /// JSON object.
    pub annotations: String,
    pub title: String,
    pub description: String,
    pub host: Option<String>,
    pub link: Option<String>,
    pub received_at: DateTime<Utc>,
    pub last_received_at: DateTime<Utc>,
    /// Notifications that carried it (resends count here).
    pub receive_count: i64,
    /// The user whose token sent it (incidents it opens are reported in their name).
    pub received_by: i64,
    /// `pending` until its effect is written, then `done`.
    pub state: String,
    /// Severity of the incident it opened (`None`: ignored by the contract's rules).
    pub severity: Option<String>,
    pub ci_id: Option<i64>,
    pub incident_id: Option<i64>,
    /// What was done with it (为何未开单 …).
    pub note: Option<String>,
}

const COLS: [&str; 22] = [
    "id",
    "project_id",
    "source",
    "fingerprint",
    "status",
    "starts_at",
    "ends_at",
    "labels",
    "annotations",
    "title",
    "description",
    "host",
    "link",
    "received_at",
    "last_received_at",
    "receive_count",
    "received_by",
    "state",
    "severity",
    "ci_id",
    "incident_id",
    "note",
];

fn select() -> SelectStatement {
    Query::select().columns(COLS).from("alerts").to_owned()
}

/// The latest occurrence of an alert in the project; with `with_incident`, the latest that
/// opened or joined an incident.
pub async fn latest(
    tx: &mut Tx,
    project_id: i64,
    source: &str,
    fingerprint: &str,
    with_incident: bool,
) -> Result<Option<AlertRow>, StoreError> {
    let mut q = select()
        .and_where(Expr::col("project_id").eq(project_id))
        .and_where(Expr::col("source").eq(source))
        .and_where(Expr::col("fingerprint").eq(fingerprint))
        .order_by("id", Order::Desc)
        .limit(1)
        .to_owned();
    if with_incident {
        q.and_where(Expr::col("incident_id").is_not_null());
    }
    tx.fetch_optional(&q).await
}

/// Stores a new occurrence; returns its id.
pub async fn insert(tx: &mut Tx, r: &AlertRow) -> Result<i64, StoreError> {
    let mut q = insert_into(
        "alerts",
        vec![
            ("project_id", r.project_id.into()),
            ("source", r.source.as_str().into()),
            ("fingerprint", r.fingerprint.as_str().into()),
            ("status", r.status.as_str().into()),
            ("starts_at", r.starts_at.into()),
            ("ends_at", r.ends_at.into()),
            ("labels", r.labels.as_str().into()),
            ("annotations", r.annotations.as_str().into()),
            ("title", r.title.as_str().into()),
            ("description", r.description.as_str().into()),
            ("host", r.host.clone().into()),
            ("link", r.link.clone().into()),
            ("received_at", r.received_at.into()),
            ("last_received_at", r.last_received_at.into()),
            ("receive_count", r.receive_count.into()),
            ("received_by", r.received_by.into()),
            ("state", r.state.as_str().into()),
            ("severity", r.severity.clone().into()),
            ("ci_id", r.ci_id.into()),
            ("incident_id", r.incident_id.into()),
            ("note", r.note.clone().into()),
        ],
    );
    q.returning_col("id");
    let (id,): (i64,) = tx.fetch_one(&q).await?;
    Ok(id)
}

/// Counts a resend of an occurrence.
pub async fn resent(tx: &mut Tx, id: i64, at: DateTime<Utc>) -> Result<(), StoreError> {
    let q = Query::update()
        .table("alerts")
        .value("last_received_at", at)
        .value("receive_count", Expr::col("receive_count").add(1))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    tx.execute(&q).await?;
    Ok(())
}

/// Marks a firing occurrence resolved; its effect (the work-log entry) is still to be written.
pub async fn resolve(tx: &mut Tx, id: i64, ends_at: DateTime<Utc>, at: DateTime<Utc>) -> Result<(), StoreError> {
    let q = Query::update()
        .table("alerts")
        .value("status", "resolved")
        .value("ends_at", ends_at)
        .value("last_received_at", at)
        .value("receive_count", Expr::col("receive_count").add(1))
        .value("state", "pending")
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    tx.execute(&q).await?;
    Ok(())
}

/// Records what became of a pending occurrence; `false` when it was no longer pending (another
/// process acted first).
pub async fn done(
    tx: &mut Tx,
    id: i64,
    severity: Option<&str>,
    ci_id: Option<i64>,
    incident_id: Option<i64>,
    note: &str,
) -> Result<bool, StoreError> {
    let q = Query::update()
        .table("alerts")
        .value("state", "done")
        .value("severity", severity)
        .value("ci_id", ci_id)
        .value("incident_id", incident_id)
        .value("note", note)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("state").eq("pending"))
        .to_owned();
    Ok(tx.execute(&q).await? == 1)
}

/// An occurrence by id.
pub async fn get(db: &Db, id: i64) -> Result<Option<AlertRow>, StoreError> {
    db.fetch_optional(&select().and_where(Expr::col("id").eq(id)).to_owned()).await
}

/// An occurrence by id inside a transaction.
pub async fn get_tx(tx: &mut Tx, id: i64) -> Result<Option<AlertRow>, StoreError> {
    tx.fetch_optional(&select().and_where(Expr::col("id").eq(id)).to_owned()).await
}

/// Occurrences whose effect is still to be written, oldest first (all projects, or one).
pub async fn pending(db: &Db, project_id: Option<i64>, limit: u64) -> Result<Vec<AlertRow>, StoreError> {
    let mut q = select().and_where(Expr::col("state").eq("pending")).order_by("id", Order::Asc).limit(limit).to_owned();
    if let Some(p) = project_id {
        q.and_where(Expr::col("project_id").eq(p));
    }
    db.fetch_all(&q).await
}

/// The project's alerts, newest first, before `before` (an id) when given.
pub async fn list(db: &Db, project_id: i64, before: Option<i64>, limit: u64) -> Result<Vec<AlertRow>, StoreError> {
    let mut q = select().and_where(Expr::col("project_id").eq(project_id)).to_owned();
    if let Some(b) = before {
        q.and_where(Expr::col("id").lt(b));
    }
    q.order_by("id", Order::Desc).limit(limit);
    db.fetch_all(&q).await
}

/// The alerts that opened or joined an incident, oldest first.
pub async fn of_incident(db: &Db, incident_id: i64) -> Result<Vec<AlertRow>, StoreError> {
    let q = select().and_where(Expr::col("incident_id").eq(incident_id)).order_by("id", Order::Asc).to_owned();
    db.fetch_all(&q).await
}

/// A backup report as received.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct BackupRow {
    pub id: i64,
    pub project_id: i64,
    pub job: String,
    pub success: bool,
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub size_bytes: Option<i64>,
    pub error: Option<String>,
    pub host: Option<String>,
    pub received_at: DateTime<Utc>,
    /// The alert it raised or resolved.
    pub alert_id: Option<i64>,
}

const BACKUP_COLS: [&str; 11] = [
    "id",
    "project_id",
    "job",
    "success",
    "started_at",
    "ended_at",
    "size_bytes",
    "error",
    "host",
    "received_at",
    "alert_id",
];

/// Stores a backup report; returns its id.
pub async fn insert_backup(tx: &mut Tx, r: &BackupRow) -> Result<i64, StoreError> {
    let mut q = insert_into(
        "backup_reports",
        vec![
            ("project_id", r.project_id.into()),
            ("job", r.job.as_str().into()),
            ("success", r.success.into()),
            ("started_at", r.started_at.into()),
            ("ended_at", r.ended_at.into()),
            ("size_bytes", r.size_bytes.into()),
            ("error", r.error.clone().into()),
            ("host", r.host.clone().into()),
            ("received_at", r.received_at.into()),
            ("alert_id", r.alert_id.into()),
        ],
    );
    q.returning_col("id");
    let (id,): (i64,) = tx.fetch_one(&q).await?;
    Ok(id)
}

/// The project's backup reports, newest first.
pub async fn backups(db: &Db, project_id: i64, limit: u64) -> Result<Vec<BackupRow>, StoreError> {
    let q = Query::select()
        .columns(BACKUP_COLS)
        .from("backup_reports")
        .and_where(Expr::col("project_id").eq(project_id))
        .order_by("id", Order::Desc)
        .limit(limit)
        .to_owned();
    db.fetch_all(&q).await
}

/// A backup job a project expects a daily report from.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct BackupJobRow {
    pub id: i64,
    pub project_id: i64,
    pub job: String,
    /// `HH:MM` in the project's time zone.
    pub expected_by: String,
    pub host: Option<String>,
    /// Who set it up (alerts for a missing report are raised in their name).
    pub owner_id: i64,
    /// The last due time checked.
    pub checked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const JOB_COLS: [&str; 9] =
    ["id", "project_id", "job", "expected_by", "host", "owner_id", "checked_until", "created_at", "updated_at"];

/// Sets up or changes a backup job (by name).
pub async fn upsert_job(tx: &mut Tx, r: &BackupJobRow) -> Result<(), StoreError> {
    let mut q = insert_into(
        "backup_jobs",
        vec![
            ("project_id", r.project_id.into()),
            ("job", r.job.as_str().into()),
            ("expected_by", r.expected_by.as_str().into()),
            ("host", r.host.clone().into()),
            ("owner_id", r.owner_id.into()),
            ("checked_until", r.checked_until.into()),
            ("created_at", r.created_at.into()),
            ("updated_at", r.updated_at.into()),
        ],
    );
    q.on_conflict(
        sea_query::OnConflict::columns(["project_id", "job"])
            .update_columns(["expected_by", "host", "owner_id", "checked_until", "updated_at"])
            .to_owned(),
    );
    tx.execute(&q).await?;
    Ok(())
}

/// Backup jobs of a project (all projects with `None`), by name.
pub async fn jobs(db: &Db, project_id: Option<i64>) -> Result<Vec<BackupJobRow>, StoreError> {
    let mut q = Query::select().columns(JOB_COLS).from("backup_jobs").order_by("job", Order::Asc).to_owned();
    if let Some(p) = project_id {
        q.and_where(Expr::col("project_id").eq(p));
    }
    db.fetch_all(&q).await
}

/// Moves a job's checked mark to `due` if it is still before it; `false` when another process
/// checked this due time already.
pub async fn mark_checked(tx: &mut Tx, id: i64, due: DateTime<Utc>) -> Result<bool, StoreError> {
    let q = Query::update()
        .table("backup_jobs")
        .value("checked_until", due)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("checked_until").is_null().or(Expr::col("checked_until").lt(due)))
        .to_owned();
    Ok(tx.execute(&q).await? == 1)
}

/// Whether the job reported (success or failure) with its end in `(from, to]`.
pub async fn reported_between(
    tx: &mut Tx,
    project_id: i64,
    job: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let q = Query::select()
        .expr(Expr::col("id"))
        .from("backup_reports")
        .and_where(Expr::col("project_id").eq(project_id))
        .and_where(Expr::col("job").eq(job))
        .and_where(Expr::col("ended_at").gt(from))
        .and_where(Expr::col("ended_at").lte(to))
        .limit(1)
        .to_owned();
    Ok(tx.fetch_optional::<(i64,), _>(&q).await?.is_some())
}

/// The latest report of a job.
pub async fn last_backup(db: &Db, project_id: i64, job: &str) -> Result<Option<BackupRow>, StoreError> {
    let q = Query::select()
        .columns(BACKUP_COLS)
        .from("backup_reports")
        .and_where(Expr::col("project_id").eq(project_id))
        .and_where(Expr::col("job").eq(job))
        .order_by("id", Order::Desc)
        .limit(1)
        .to_owned();
    db.fetch_optional(&q).await
}
