//! The bench's baseline: the bare database doing exactly the writes and reads of one incident
//! create and one incident read, from as many concurrent tasks as the HTTP phases have clients,
//! with no HTTP and no application in between (docs/reliability.md, "Efficiency against the bare
//! database"). The statements are the store functions the use cases call, in the same order and
//! in one transaction per create, so the SQL, the durability (SQLite WAL `synchronous=FULL`,
//! PostgreSQL's defaults) and the indexes are those of the real thing; what is left out is what
//! yunwei adds: HTTP, authentication, validation, contract terms, clocks and JSON.
//!
//! A create (P3, no CIs, as the bench's `POST` sends): the project's next number, the incident
//! row, its escalation steps (one statement), one job per timed step, the audit chain's head
//! locked and the audit entry appended. A read: the incident with its events (one query; the
//! caller, project, roles and contract come from the application's caches).

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use chrono::{Datelike, Utc};
use serde_json::json;
use yunwei_domain::audit::{AuditEntry, GENESIS_HASH, project_chain};
use yunwei_domain::servicedesk::{audit::INCIDENT_CREATE, incident_number};
use yunwei_store::Db;
use yunwei_store::incident::IncidentRow;
use yunwei_store::jobs::NewJob;

use crate::bench::Phase;

/// Runs `op(i)` from `clients` tasks for `seconds`, as [`crate::bench::drive`] does requests.
pub(crate) async fn drive<F, Fut>(name: &str, clients: usize, seconds: u64, op: F) -> Phase
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<()>> + Send + 'static,
{
    let op = Arc::new(op);
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (op, stop) = (op.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let (mut lat, mut errors, mut i) = (Vec::new(), 0usize, c);
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                match op(i).await {
                    Ok(()) => lat.push(t.elapsed().as_micros() as u64),
                    Err(_) => errors += 1,
                }
                i += clients;
            }
            (lat, errors)
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let (mut micros, mut errors) = (Vec::new(), 0);
    for t in tasks {
        if let Ok((l, e)) = t.await {
            micros.extend(l);
            errors += e;
        }
    }
    Phase::of(name, errors, started.elapsed(), micros)
}

/// What one create writes, taken from an incident the application created.
#[derive(Clone)]
pub(crate) struct CreateTemplate {
    row: IncidentRow,
    steps: Vec<(i64, String, Option<chrono::DateTime<Utc>>)>,
}

impl CreateTemplate {
    /// The row and escalation steps of incident `id` (created through the API).
    pub(crate) async fn of(db: &Db, id: i64) -> Result<Self> {
        let (row, _) = yunwei_store::incident::get_with_events(db, id).await?.context("template incident")?;
        let steps = yunwei_store::notify::steps_of(db, id).await?;
        Ok(CreateTemplate { row, steps: steps.into_iter().map(|s| (s.step, s.target, s.due_at)).collect() })
    }
}

/// One create's statements, in one transaction.
pub(crate) async fn create(db: &Db, t: &CreateTemplate) -> Result<()> {
    let now = yunwei_app::clock::truncate_micros(Utc::now());
    let mut row = t.row.clone();
    (row.created_at, row.updated_at) = (now, now);
    let year = row.reported_at.year();
    let mut tx = db.begin().await?;
    let seq = yunwei_store::incident::next_seq(&mut tx, row.project_id, year).await?;
    row.number = incident_number(year, seq);
    row.id = yunwei_store::incident::insert(&mut tx, &row).await?;
    yunwei_store::notify::sync_steps(&mut tx, row.project_id, row.id, &t.steps, true).await?;
    let chain = format!("incident:{}", row.id);
    for (step, target, due) in &t.steps {
        if let Some(due) = due {
            let payload = json!({ "incident_id": row.id, "step": step, "target": target }).to_string();
            let key = format!("incident:{}:step:{step}", row.id);
            let job = NewJob {
                kind: "escalation",
                dedupe_key: Some(&key),
                chain: Some(&chain),
                run_at: *due,
                payload: &payload,
            };
            yunwei_store::jobs::schedule(&mut tx, &job, now).await?;
        }
    }
    let chain = project_chain(row.project_id);
    let head = yunwei_store::audit::lock_head(&mut tx, &chain).await?;
    let (seq, prev_hash) = match head {
        Some(h) => (h.last_seq + 1, h.last_hash),
        None => (1, GENESIS_HASH.to_owned()),
    };
    let summary = json!({ "after": { "number": row.number, "severity": row.severity, "channel": row.channel,
                                     "reported_at": row.reported_at.to_rfc3339() } });
    let mut e = AuditEntry {
        id: 0,
        chain,
        seq,
        at: now,
        actor_id: row.reporter_id,
        actor_name: row.created_by.clone(),
        project_id: Some(row.project_id),
        entity: INCIDENT_CREATE.entity.to_owned(),
        entity_id: row.id.to_string(),
        action: INCIDENT_CREATE.action.to_owned(),
        summary: summary.to_string(),
        prev_hash,
        hash: String::new(),
    };
    e.hash = e.compute_hash();
    yunwei_store::audit::append(&mut tx, &e).await?;
    tx.commit().await?;
    Ok(())
}

/// One read's statement.
pub(crate) async fn read(db: &Db, id: i64) -> Result<()> {
    yunwei_store::incident::get_with_events(db, id).await?.context("incident")?;
    Ok(())
}

/// The process's resident set (`VmRSS`), in MiB, and a sampler of its peak.
pub(crate) fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

/// The highest RSS seen since the last [`RssPeak::take`], sampled every 100 ms.
pub(crate) struct RssPeak(Arc<AtomicU64>);

impl RssPeak {
    pub(crate) fn start() -> Self {
        let peak = Arc::new(AtomicU64::new(0));
        let p = peak.clone();
        tokio::spawn(async move {
            loop {
                p.fetch_max((rss_mib() * 1024.0) as u64, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        RssPeak(peak)
    }

    /// The peak in MiB since the last call, and starts over.
    pub(crate) fn take(&self) -> f64 {
        self.0.swap(0, Ordering::Relaxed) as f64 / 1024.0
    }
}
