//! Escalation steps of incidents, who ladder targets mean in a project, how people are reached,
//! and the notification outbox with its delivery attempts.
//!
//! An escalation step fires as a job of the runner (`jobs`, see `crate::jobs`); the step's
//! `fired_at` records when (the ladder shows it) and `claim_step` refuses a step that is gone, not
//! yet due or already fired. Outbox rows are leased for delivery: `UPDATE … WHERE
//! next_attempt_at = <seen>` succeeds for one caller.

use chrono::{DateTime, Utc};
use sea_query::{Alias, Cond, Expr, ExprTrait, OnConflict, Order, Query};

use crate::{Db, StoreError, Tx, insert_into};

/// One ladder step of an incident.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EscalationRow {
    pub incident_id: i64,
    pub step: i64,
    pub project_id: i64,
    pub target: String,
    pub due_at: Option<DateTime<Utc>>,
    pub fired_at: Option<DateTime<Utc>>,
    pub fired_by: Option<String>,
}

const ESC_COLS: [&str; 7] = ["incident_id", "step", "project_id", "target", "due_at", "fired_at", "fired_by"];

/// Replaces the unfired steps of an incident with `steps` (step, target, due); fired steps stay.
pub async fn sync_steps(
    tx: &mut Tx,
    project_id: i64,
    incident_id: i64,
    steps: &[(i64, String, Option<DateTime<Utc>>)],
    fresh: bool,
) -> Result<(), StoreError> {
    if !fresh {
        let del = Query::delete()
            .from_table("incident_escalations")
            .cond_where(Cond::all().add(Expr::col("incident_id").eq(incident_id)).add(Expr::col("fired_at").is_null()))
            .to_owned();
        tx.execute(&del).await?;
    }
    if steps.is_empty() {
        return Ok(());
    }
    let mut q = Query::insert();
    q.into_table("incident_escalations").columns(["incident_id", "step", "project_id", "target", "due_at"]);
    for (step, target, due) in steps {
        q.values_panic([incident_id.into(), (*step).into(), project_id.into(), target.as_str().into(), (*due).into()]);
    }
    q.on_conflict(OnConflict::columns(["incident_id", "step"]).do_nothing().to_owned());
    tx.execute(&q).await?;
    Ok(())
}

/// The steps of an incident, in ladder order.
pub async fn steps_of(db: &Db, incident_id: i64) -> Result<Vec<EscalationRow>, StoreError> {
    let q = Query::select()
        .columns(ESC_COLS)
        .from("incident_escalations")
        .and_where(Expr::col("incident_id").eq(incident_id))
        .order_by("step", Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// Marks a due step fired (inside the transaction of its job): false if it is gone, not yet due,
/// already fired, or an earlier due step of its incident is unfired.
pub async fn claim_step(
    tx: &mut Tx,
    incident_id: i64,
    step: i64,
    now: DateTime<Utc>,
    by: &str,
) -> Result<bool, StoreError> {
    let earlier_unfired = Query::select()
        .expr(Expr::val(1))
        .from_as("incident_escalations", Alias::new("e2"))
        .cond_where(
            Cond::all()
                .add(Expr::col((Alias::new("e2"), Alias::new("incident_id"))).eq(incident_id))
                .add(Expr::col((Alias::new("e2"), Alias::new("step"))).lt(step))
                .add(Expr::col((Alias::new("e2"), Alias::new("fired_at"))).is_null())
                .add(Expr::col((Alias::new("e2"), Alias::new("due_at"))).is_not_null()),
        )
        .to_owned();
    let q = Query::update()
        .table("incident_escalations")
        .value("fired_at", now)
        .value("fired_by", by)
        .cond_where(
            Cond::all()
                .add(Expr::col("incident_id").eq(incident_id))
                .add(Expr::col("step").eq(step))
                .add(Expr::col("fired_at").is_null())
                .add(Expr::col("due_at").lte(now))
                .add(Expr::exists(earlier_unfired).not()),
        )
        .to_owned();
    Ok(tx.execute(&q).await? == 1)
}

/// The users a ladder target names in a project.
pub async fn contacts_for(db: &Db, project_id: i64, target: &str) -> Result<Vec<i64>, StoreError> {
    let q = Query::select()
        .column("user_id")
        .from("escalation_contacts")
        .cond_where(Cond::all().add(Expr::col("project_id").eq(project_id)).add(Expr::col("target").eq(target)))
        .order_by("user_id", Order::Asc)
        .to_owned();
    let rows: Vec<(i64,)> = db.fetch_all(&q).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Every (target, user id) of a project.
pub async fn contacts(db: &Db, project_id: i64) -> Result<Vec<(String, i64)>, StoreError> {
    let q = Query::select()
        .columns(["target", "user_id"])
        .from("escalation_contacts")
        .and_where(Expr::col("project_id").eq(project_id))
        .order_by("target", Order::Asc)
        .order_by("user_id", Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// Replaces the users a target names.
pub async fn set_contacts(tx: &mut Tx, project_id: i64, target: &str, users: &[i64]) -> Result<(), StoreError> {
    let del = Query::delete()
        .from_table("escalation_contacts")
        .cond_where(Cond::all().add(Expr::col("project_id").eq(project_id)).add(Expr::col("target").eq(target)))
        .to_owned();
    tx.execute(&del).await?;
    for u in users {
        let mut q = insert_into(
            "escalation_contacts",
            vec![("project_id", project_id.into()), ("target", target.into()), ("user_id", (*u).into())],
        );
        q.on_conflict(OnConflict::columns(["project_id", "target", "user_id"]).do_nothing().to_owned());
        tx.execute(&q).await?;
    }
    Ok(())
}

/// How to reach a person.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct ContactRow {
    pub user_id: i64,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// `HH:MM` in the project's time zone; quiet from start to end (may wrap midnight).
    pub quiet_start: Option<String>,
    pub quiet_end: Option<String>,
}

/// A person's contact details, if any were given.
pub async fn contact(db: &Db, user_id: i64) -> Result<Option<ContactRow>, StoreError> {
    let q = Query::select()
        .columns(["user_id", "email", "phone", "quiet_start", "quiet_end"])
        .from("user_contacts")
        .and_where(Expr::col("user_id").eq(user_id))
        .to_owned();
    db.fetch_optional(&q).await
}

/// Stores a person's contact details.
pub async fn set_contact(tx: &mut Tx, c: &ContactRow, now: DateTime<Utc>) -> Result<(), StoreError> {
    let mut q = insert_into(
        "user_contacts",
        vec![
            ("user_id", c.user_id.into()),
            ("email", c.email.clone().into()),
            ("phone", c.phone.clone().into()),
            ("quiet_start", c.quiet_start.clone().into()),
            ("quiet_end", c.quiet_end.clone().into()),
            ("updated_at", now.into()),
        ],
    );
    q.on_conflict(
        OnConflict::column("user_id")
            .update_columns(["email", "phone", "quiet_start", "quiet_end", "updated_at"])
            .to_owned(),
    );
    tx.execute(&q).await?;
    Ok(())
}

/// A project's group robot or gateway.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ChannelRow {
    pub id: i64,
    pub project_id: i64,
    /// `wecom`, `dingtalk`, `webhook`.
    pub kind: String,
    pub name: String,
    pub url: String,
    pub secret: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A project's channels, oldest first.
pub async fn channels(db: &Db, project_id: i64) -> Result<Vec<ChannelRow>, StoreError> {
    let q = Query::select()
        .columns(["id", "project_id", "kind", "name", "url", "secret", "created_at"])
        .from("notify_channels")
        .and_where(Expr::col("project_id").eq(project_id))
        .order_by("id", Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// Adds a channel; returns its id.
pub async fn insert_channel(tx: &mut Tx, c: &ChannelRow) -> Result<i64, StoreError> {
    let mut q = insert_into(
        "notify_channels",
        vec![
            ("project_id", c.project_id.into()),
            ("kind", c.kind.as_str().into()),
            ("name", c.name.as_str().into()),
            ("url", c.url.as_str().into()),
            ("secret", c.secret.clone().into()),
            ("created_at", c.created_at.into()),
        ],
    );
    q.returning_col("id");
    let (id,): (i64,) = tx.fetch_one(&q).await?;
    Ok(id)
}

/// Deletes a channel; messages that named it keep their record without the link.
pub async fn delete_channel(tx: &mut Tx, project_id: i64, id: i64) -> Result<(), StoreError> {
    let q = Query::update()
        .table("notifications")
        .value("channel_id", Option::<i64>::None)
        .cond_where(Cond::all().add(Expr::col("project_id").eq(project_id)).add(Expr::col("channel_id").eq(id)))
        .to_owned();
    tx.execute(&q).await?;
    let q = Query::delete()
        .from_table("notify_channels")
        .cond_where(Cond::all().add(Expr::col("project_id").eq(project_id)).add(Expr::col("id").eq(id)))
        .to_owned();
    tx.execute(&q).await?;
    Ok(())
}

/// A message to one destination.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NotificationRow {
    pub id: i64,
    pub project_id: i64,
    pub incident_id: Option<i64>,
    pub user_id: Option<i64>,
    pub channel_id: Option<i64>,
    /// `in_app`, `email`, `wecom`, `dingtalk`, `webhook`.
    pub channel: String,
    /// E-mail address, robot URL, or the user's name for in-app.
    pub address: String,
    /// `escalation` …
    pub kind: String,
    pub subject: String,
    pub body: String,
    /// `pending`, `sent`, `failed` (gave up).
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub read_at: Option<DateTime<Utc>>,
}

const N_COLS: [&str; 17] = [
    "id",
    "project_id",
    "incident_id",
    "user_id",
    "channel_id",
    "channel",
    "address",
    "kind",
    "subject",
    "body",
    "status",
    "attempts",
    "next_attempt_at",
    "last_error",
    "created_at",
    "sent_at",
    "read_at",
];

/// Queues a message; returns its id.
pub async fn enqueue(tx: &mut Tx, n: &NotificationRow) -> Result<i64, StoreError> {
    let mut q = insert_into(
        "notifications",
        vec![
            ("project_id", n.project_id.into()),
            ("incident_id", n.incident_id.into()),
            ("user_id", n.user_id.into()),
            ("channel_id", n.channel_id.into()),
            ("channel", n.channel.as_str().into()),
            ("address", n.address.as_str().into()),
            ("kind", n.kind.as_str().into()),
            ("subject", n.subject.as_str().into()),
            ("body", n.body.as_str().into()),
            ("status", n.status.as_str().into()),
            ("attempts", n.attempts.into()),
            ("next_attempt_at", n.next_attempt_at.into()),
            ("last_error", n.last_error.clone().into()),
            ("created_at", n.created_at.into()),
            ("sent_at", n.sent_at.into()),
        ],
    );
    q.returning_col("id");
    let (id,): (i64,) = tx.fetch_one(&q).await?;
    Ok(id)
}

/// Messages about an incident, in the order they were queued.
pub async fn for_incident(db: &Db, incident_id: i64) -> Result<Vec<NotificationRow>, StoreError> {
    let q = Query::select()
        .columns(N_COLS)
        .from("notifications")
        .and_where(Expr::col("incident_id").eq(incident_id))
        .order_by("id", Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// A user's in-app messages, newest first: at most `limit`, below id `before` if given.
pub async fn inbox(db: &Db, user_id: i64, before: Option<i64>, limit: u64) -> Result<Vec<NotificationRow>, StoreError> {
    let mut cond = Cond::all().add(Expr::col("user_id").eq(user_id)).add(Expr::col("channel").eq("in_app"));
    if let Some(b) = before {
        cond = cond.add(Expr::col("id").lt(b));
    }
    let q = Query::select()
        .columns(N_COLS)
        .from("notifications")
        .cond_where(cond)
        .order_by("id", Order::Desc)
        .limit(limit)
        .to_owned();
    db.fetch_all(&q).await
}

/// Pending messages whose time has come, oldest first.
pub async fn due_messages(db: &Db, now: DateTime<Utc>, limit: u64) -> Result<Vec<NotificationRow>, StoreError> {
    let q = Query::select()
        .columns(N_COLS)
        .from("notifications")
        .cond_where(Cond::all().add(Expr::col("status").eq("pending")).add(Expr::col("next_attempt_at").lte(now)))
        .order_by("next_attempt_at", Order::Asc)
        .order_by("id", Order::Asc)
        .limit(limit)
        .to_owned();
    db.fetch_all(&q).await
}

/// Leases a pending message for one delivery attempt until `lease_until`: true for exactly one
/// caller. A worker that dies mid-attempt loses the lease and the message is tried again.
pub async fn lease(
    tx: &mut Tx,
    id: i64,
    seen_next_attempt: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let q = Query::update()
        .table("notifications")
        .value("next_attempt_at", lease_until)
        .value("attempts", Expr::col("attempts").add(1))
        .cond_where(
            Cond::all()
                .add(Expr::col("id").eq(id))
                .add(Expr::col("status").eq("pending"))
                .add(Expr::col("next_attempt_at").eq(seen_next_attempt)),
        )
        .to_owned();
    Ok(tx.execute(&q).await? == 1)
}

/// Records an attempt and the message's new state.
#[allow(clippy::too_many_arguments)]
pub async fn record_attempt(
    tx: &mut Tx,
    n: &NotificationRow,
    at: DateTime<Utc>,
    ok: bool,
    detail: &str,
    status: &str,
    next_attempt_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let q = insert_into(
        "notification_attempts",
        vec![
            ("notification_id", n.id.into()),
            ("project_id", n.project_id.into()),
            ("at", at.into()),
            ("ok", ok.into()),
            ("detail", detail.into()),
        ],
    );
    tx.execute(&q).await?;
    let q = Query::update()
        .table("notifications")
        .value("status", status)
        .value("next_attempt_at", next_attempt_at)
        .value("last_error", if ok { None } else { Some(detail.to_owned()) })
        .value("sent_at", if ok { Some(at) } else { None })
        .and_where(Expr::col("id").eq(n.id))
        .to_owned();
    tx.execute(&q).await?;
    Ok(())
}

/// One delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AttemptRow {
    pub notification_id: i64,
    pub at: DateTime<Utc>,
    pub ok: bool,
    pub detail: String,
}

/// The attempts of the messages of an incident, in order.
pub async fn attempts_for_incident(db: &Db, incident_id: i64) -> Result<Vec<AttemptRow>, StoreError> {
    let ids = Query::select()
        .column("id")
        .from("notifications")
        .and_where(Expr::col("incident_id").eq(incident_id))
        .to_owned();
    let q = Query::select()
        .columns(["notification_id", "at", "ok", "detail"])
        .from("notification_attempts")
        .and_where(Expr::col("notification_id").in_subquery(ids))
        .order_by("id", Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}
