//! The append-only, hash-chained audit trail.

use chrono::{DateTime, Utc};
use sea_query::{Cond, Expr, ExprTrait, Order, Query};
use yunwei_domain::audit::AuditEntry;

use crate::{Backend, Db, StoreError, Tx, insert_into};

/// An audit entry as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub chain: String,
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub project_id: Option<i64>,
    pub entity: String,
    pub entity_id: String,
    pub action: String,
    pub summary: String,
    pub prev_hash: String,
    pub hash: String,
}

impl From<AuditRow> for AuditEntry {
    fn from(r: AuditRow) -> Self {
        AuditEntry {
            id: r.id,
            chain: r.chain,
            seq: r.seq,
            at: r.at,
            actor_id: r.actor_id,
            actor_name: r.actor_name,
            project_id: r.project_id,
            entity: r.entity,
            entity_id: r.entity_id,
            action: r.action,
            summary: r.summary,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

const COLS: [&str; 13] = [
    "id",
    "chain",
    "seq",
    "at",
    "actor_id",
    "actor_name",
    "project_id",
    "entity",
    "entity_id",
    "action",
    "summary",
    "prev_hash",
    "hash",
];

/// Head of a chain: its last sequence number and hash.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HeadRow {
    pub chain: String,
    pub last_seq: i64,
    pub last_hash: String,
}

/// Locks and reads a chain's head. On PostgreSQL the row lock serialises concurrent writers of
/// the same chain (other chains, i.e. other projects, proceed in parallel); SQLite transactions
/// are already serialised by the single writer.
pub async fn lock_head(tx: &mut Tx, chain: &str) -> Result<Option<HeadRow>, StoreError> {
    let q = Query::select()
        .columns(["chain", "last_seq", "last_hash"])
        .from("audit_heads")
        .and_where(Expr::col("chain").eq(chain))
        .lock(sea_query::LockType::Update)
        .to_owned();
    let mut head: Option<HeadRow> = tx.fetch_optional(&q).await?;
    if head.is_none() && tx.backend() == Backend::Postgres {
        // A new chain: make sure a head row exists to lock, without racing another first writer
        // (the loser of that race waits on the winner's row here).
        let mut ins = insert_into(
            "audit_heads",
            vec![
                ("chain", chain.into()),
                ("last_seq", 0i64.into()),
                ("last_hash", yunwei_domain::audit::GENESIS_HASH.into()),
            ],
        );
        ins.on_conflict(sea_query::OnConflict::column("chain").do_nothing().to_owned());
        tx.execute(&ins).await?;
        head = tx.fetch_optional(&q).await?;
    }
    Ok(head.filter(|h| h.last_seq > 0))
}

/// Appends an entry and moves the chain head to it.
pub async fn append(tx: &mut Tx, e: &AuditEntry) -> Result<i64, StoreError> {
    let mut q = insert_into(
        "audit_log",
        vec![
            ("chain", e.chain.as_str().into()),
            ("seq", e.seq.into()),
            ("at", e.at.into()),
            ("actor_id", e.actor_id.into()),
            ("actor_name", e.actor_name.as_str().into()),
            ("project_id", e.project_id.into()),
            ("entity", e.entity.as_str().into()),
            ("entity_id", e.entity_id.as_str().into()),
            ("action", e.action.as_str().into()),
            ("summary", e.summary.as_str().into()),
            ("prev_hash", e.prev_hash.as_str().into()),
            ("hash", e.hash.as_str().into()),
        ],
    );
    q.returning_col("id");
    let (id,): (i64,) = tx.fetch_one(&q).await?;
    if tx.backend() == Backend::Sqlite {
        // The trigger `audit_log_moves_head` has moved the head.
        return Ok(id);
    }
    // Update in place (never delete + insert): a PostgreSQL writer waiting on the head's row lock
    // must find the row again, with the new values, when this transaction commits.
    let upd = Query::update()
        .table("audit_heads")
        .value("last_seq", e.seq)
        .value("last_hash", e.hash.as_str())
        .and_where(Expr::col("chain").eq(e.chain.as_str()))
        .to_owned();
    if tx.execute(&upd).await? == 0 {
        let head = insert_into(
            "audit_heads",
            vec![("chain", e.chain.as_str().into()), ("last_seq", e.seq.into()), ("last_hash", e.hash.as_str().into())],
        );
        tx.execute(&head).await?;
    }
    Ok(id)
}

/// Every chain head.
pub async fn heads(db: &Db) -> Result<Vec<HeadRow>, StoreError> {
    let q = Query::select()
        .columns(["chain", "last_seq", "last_hash"])
        .from("audit_heads")
        .and_where(Expr::col("last_seq").gt(0))
        .order_by("chain", Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// Names of every chain that has entries or a head.
pub async fn chains(db: &Db) -> Result<Vec<String>, StoreError> {
    let q = Query::select().distinct().column("chain").from("audit_log").order_by("chain", Order::Asc).to_owned();
    let rows: Vec<(String,)> = db.fetch_all(&q).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Entries of one chain with `seq > after_seq`, in order, at most `limit`.
pub async fn chain_page(db: &Db, chain: &str, after_seq: i64, limit: u64) -> Result<Vec<AuditRow>, StoreError> {
    let q = Query::select()
        .columns(COLS)
        .from("audit_log")
        .and_where(Expr::col("chain").eq(chain))
        .and_where(Expr::col("seq").gt(after_seq))
        .order_by("seq", Order::Asc)
        .limit(limit)
        .to_owned();
    db.fetch_all(&q).await
}

/// Filters for browsing a project's trail.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub action: Option<String>,
    pub actor: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Keyset cursor: only entries with a smaller id (the list is newest first).
    pub before_id: Option<i64>,
}

/// A page of a project's trail, newest first.
pub async fn list_for_project(
    db: &Db,
    project_id: i64,
    f: &AuditFilter,
    limit: u64,
) -> Result<Vec<AuditRow>, StoreError> {
    let mut cond = Cond::all().add(Expr::col("project_id").eq(project_id));
    if let Some(v) = &f.entity {
        cond = cond.add(Expr::col("entity").eq(v.as_str()));
    }
    if let Some(v) = &f.action {
        cond = cond.add(Expr::col("action").eq(v.as_str()));
    }
    if let Some(v) = &f.actor {
        cond = cond.add(Expr::col("actor_name").eq(v.as_str()));
    }
    if let Some(v) = f.from {
        cond = cond.add(Expr::col("at").gte(v));
    }
    if let Some(v) = f.to {
        cond = cond.add(Expr::col("at").lt(v));
    }
    if let Some(v) = f.before_id {
        cond = cond.add(Expr::col("id").lt(v));
    }
    let q = Query::select()
        .columns(COLS)
        .from("audit_log")
        .cond_where(cond)
        .order_by("id", Order::Desc)
        .limit(limit)
        .to_owned();
    db.fetch_all(&q).await
}
