//! Incidents (CASE) and their events. Every query filters on `project_id` or reaches the
//! incident by id and returns its project for the caller to authorise.

use chrono::{DateTime, Utc};
use sea_query::{Cond, Expr, ExprTrait, OnConflict, Order, Query, SelectStatement};

use crate::{Backend, Db, StoreError, Tx, insert_into, search};

mod attachment;
pub use attachment::{ATTACHMENTS, AttachmentRow};

/// A stored incident.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IncidentRow {
    pub id: i64,
    pub project_id: i64,
    pub number: String,
    pub contract_version_id: i64,
    pub title: String,
    pub description: String,
    pub channel: String,
    pub severity: String,
    pub status: String,
    pub scope: String,
    pub department: Option<String>,
    pub category: Option<String>,
    /// JSON array of CI names or ids.
    pub ci: String,
    pub reporter_id: Option<i64>,
    pub reporter_name: Option<String>,
    pub assignee_id: Option<i64>,
    pub assignee_name: Option<String>,
    pub support_line: String,
    pub reported_at: DateTime<Utc>,
    pub breach_at: Option<DateTime<Utc>>,
    /// JSON snapshot of the clocks when last written.
    pub sla: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

const COLS: [&str; 25] = [
    "id",
    "project_id",
    "number",
    "contract_version_id",
    "title",
    "description",
    "channel",
    "severity",
    "status",
    "scope",
    "department",
    "category",
    "ci",
    "reporter_id",
    "reporter_name",
    "assignee_id",
    "assignee_name",
    "support_line",
    "reported_at",
    "breach_at",
    "sla",
    "created_at",
    "created_by",
    "updated_at",
    "version",
];

fn select() -> SelectStatement {
    Query::select().columns(COLS).from("incidents").to_owned()
}

/// A stored event.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct EventRow {
    pub id: i64,
    pub incident_id: i64,
    pub kind: String,
    pub at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub note: String,
    /// JSON object of type-specific fields.
    pub data: String,
}

/// The next number of the year for a project (1, 2, …), inside the creating transaction.
pub async fn next_seq(tx: &mut Tx, project_id: i64, year: i32) -> Result<i64, StoreError> {
    let mut q = insert_into(
        "incident_counters",
        vec![("project_id", project_id.into()), ("year", i64::from(year).into()), ("last", 1i64.into())],
    );
    q.on_conflict(
        OnConflict::columns(["project_id", "year"])
            .value("last", Expr::col(("incident_counters", "last")).add(1))
            .to_owned(),
    );
    q.returning_col("last");
    let (last,): (i64,) = tx.fetch_one(&q).await?;
    Ok(last)
}

/// Stores a new incident; returns its id.
pub async fn insert(tx: &mut Tx, r: &IncidentRow) -> Result<i64, StoreError> {
    let text = searchable(&r.title, &r.description, &r.number);
    let mut pairs: Vec<(&'static str, sea_query::SimpleExpr)> = vec![
        ("project_id", r.project_id.into()),
        ("number", r.number.as_str().into()),
        ("contract_version_id", r.contract_version_id.into()),
        ("title", r.title.as_str().into()),
        ("description", r.description.as_str().into()),
        ("channel", r.channel.as_str().into()),
        ("severity", r.severity.as_str().into()),
        ("status", r.status.as_str().into()),
        ("scope", r.scope.as_str().into()),
        ("department", r.department.clone().into()),
        ("category", r.category.clone().into()),
        ("ci", r.ci.as_str().into()),
        ("reporter_id", r.reporter_id.into()),
        ("reporter_name", r.reporter_name.clone().into()),
        ("assignee_id", r.assignee_id.into()),
        ("assignee_name", r.assignee_name.clone().into()),
        ("support_line", r.support_line.as_str().into()),
        ("reported_at", r.reported_at.into()),
        ("breach_at", r.breach_at.into()),
        ("sla", r.sla.as_str().into()),
        ("created_at", r.created_at.into()),
        ("created_by", r.created_by.as_str().into()),
        ("updated_at", r.updated_at.into()),
        ("version", r.version.into()),
    ];
    if tx.backend() == Backend::Postgres {
        pairs.push(("search_grams", pg_grams(&search::distinct(&text))));
    }
    let mut q = insert_into("incidents", pairs);
    q.returning_col("id");
    // SQLite's FTS5 index is filled behind the writes by `index_unindexed_text` (a third of a
    // create's cost when done inline); searches read the not yet indexed tail directly.
    let (id,): (i64,) = tx.fetch_one(&q).await?;
    Ok(id)
}

/// The text an incident is found by.
fn searchable(title: &str, description: &str, number: &str) -> String {
    format!("{title}\n{description}\n{number}")
}

/// A PostgreSQL `text[]` of bigrams (bound as one string: no bigram contains a space).
fn pg_grams(grams: &[String]) -> sea_query::SimpleExpr {
    Expr::cust_with_values("string_to_array($1, ' ')", [grams.join(" ")])
}

/// Adds an incident's bigrams to SQLite's FTS5 index.
fn fts_insert(id: i64, text: &str) -> sea_query::InsertStatement {
    insert_into("incident_text", vec![("rowid", id.into()), ("grams", search::document(text).into())])
}

/// Indexes, oldest first, the text of incidents not in the search index yet: on SQLite every
/// new incident (the `serve` background indexer calls this every half second; creates do not
/// wait for it), on either database those stored before the index existed (run after
/// migrations). A no-op once done. Returns how many were indexed.
pub async fn index_unindexed_text(db: &Db) -> Result<u64, StoreError> {
    let mut done = 0u64;
    loop {
        let mut tx = db.begin().await?;
        let mut q = Query::select().columns(["id", "title", "description", "number"]).from("incidents").to_owned();
        match tx.backend() {
            // FTS5 documents are added in id order, so every incident up to the last one in the
            // index is indexed.
            Backend::Sqlite => q.and_where(Expr::cust("id > (SELECT coalesce(max(rowid), 0) FROM incident_text)")),
            Backend::Postgres => q.and_where(Expr::col("search_grams").is_null()),
        };
        q.order_by("id", Order::Asc).limit(1000);
        let rows: Vec<(i64, String, String, String)> = tx.fetch_all(&q).await?;
        if rows.is_empty() {
            return Ok(done);
        }
        for (id, title, description, number) in &rows {
            let text = searchable(title, description, number);
            if tx.backend() == Backend::Sqlite {
                tx.execute(&fts_insert(*id, &text)).await?;
            } else {
                let q = Query::update()
                    .table("incidents")
                    .value("search_grams", pg_grams(&search::distinct(&text)))
                    .and_where(Expr::col("id").eq(*id))
                    .to_owned();
                tx.execute(&q).await?;
            }
        }
        tx.commit().await?;
        done += rows.len() as u64;
    }
}

/// Writes the mutable state of an incident if its version is still `expected_version`.
pub async fn update_state(tx: &mut Tx, r: &IncidentRow, expected_version: i64) -> Result<bool, StoreError> {
    let q = Query::update()
        .table("incidents")
        .value("severity", r.severity.as_str())
        .value("status", r.status.as_str())
        .value("assignee_id", r.assignee_id)
        .value("assignee_name", r.assignee_name.clone())
        .value("support_line", r.support_line.as_str())
        .value("breach_at", r.breach_at)
        .value("sla", r.sla.as_str())
        .value("updated_at", r.updated_at)
        .value("version", expected_version + 1)
        .and_where(Expr::col("id").eq(r.id))
        .and_where(Expr::col("version").eq(expected_version))
        .to_owned();
    Ok(tx.execute(&q).await? == 1)
}

/// An incident by id (any project: the caller authorises against `project_id`).
pub async fn get(db: &Db, id: i64) -> Result<Option<IncidentRow>, StoreError> {
    db.fetch_optional(&select().and_where(Expr::col("id").eq(id)).to_owned()).await
}

/// An incident by id inside a transaction.
pub async fn get_tx(tx: &mut Tx, id: i64) -> Result<Option<IncidentRow>, StoreError> {
    tx.fetch_optional(&select().and_where(Expr::col("id").eq(id)).to_owned()).await
}

/// Stores an event.
pub async fn insert_event(tx: &mut Tx, project_id: i64, e: &EventRow) -> Result<i64, StoreError> {
    let mut q = insert_into(
        "incident_events",
        vec![
            ("incident_id", e.incident_id.into()),
            ("project_id", project_id.into()),
            ("kind", e.kind.as_str().into()),
            ("at", e.at.into()),
            ("recorded_at", e.recorded_at.into()),
            ("actor_id", e.actor_id.into()),
            ("actor", e.actor.as_str().into()),
            ("note", e.note.as_str().into()),
            ("data", e.data.as_str().into()),
        ],
    );
    q.returning_col("id");
    let (id,): (i64,) = tx.fetch_one(&q).await?;
    Ok(id)
}

fn events_query(incident_id: i64) -> SelectStatement {
    Query::select()
        .columns(["id", "incident_id", "kind", "at", "recorded_at", "actor_id", "actor", "note", "data"])
        .from("incident_events")
        .and_where(Expr::col("incident_id").eq(incident_id))
        .order_by("id", Order::Asc)
        .to_owned()
}

#[derive(sqlx::FromRow)]
struct RowWithEvents {
    #[sqlx(flatten)]
    row: IncidentRow,
    events_json: String,
}

/// An incident and its events in one query (a read is one round trip, not two): the events come
/// as a JSON array built by the database.
pub async fn get_with_events(db: &Db, id: i64) -> Result<Option<(IncidentRow, Vec<EventRow>)>, StoreError> {
    const FIELDS: [&str; 9] = ["id", "incident_id", "kind", "at", "recorded_at", "actor_id", "actor", "note", "data"];
    let pairs = FIELDS.iter().map(|f| format!("'{f}', e.{f}")).collect::<Vec<_>>().join(", ");
    let agg = match db.backend() {
        Backend::Sqlite => format!(
            "(SELECT json_group_array(json_object({pairs})) FROM \
             (SELECT * FROM incident_events WHERE incident_id = incidents.id ORDER BY id) e)"
        ),
        Backend::Postgres => format!(
            "(SELECT COALESCE(json_agg(json_build_object({pairs}) ORDER BY e.id), '[]')::text \
             FROM incident_events e WHERE e.incident_id = incidents.id)"
        ),
    };
    let q = select().expr_as(Expr::cust(agg), "events_json").and_where(Expr::col("id").eq(id)).to_owned();
    let Some(found): Option<RowWithEvents> = db.fetch_optional(&q).await? else { return Ok(None) };
    let mut events: Vec<EventRow> = serde_json::from_str(&found.events_json)
        .map_err(|e| StoreError::Config(format!("events of incident {id} unreadable: {e}")))?;
    events.sort_by_key(|e| e.id);
    Ok(Some((found.row, events)))
}

/// The events of an incident inside a transaction.
pub async fn events_tx(tx: &mut Tx, incident_id: i64) -> Result<Vec<EventRow>, StoreError> {
    tx.fetch_all(&events_query(incident_id)).await
}

/// List filters.
#[derive(Debug, Clone, Default)]
pub struct IncidentFilter {
    pub status: Vec<String>,
    pub severity: Vec<String>,
    pub assignee_id: Option<i64>,
    /// Assigned to or reported by this user ("mine").
    pub involving: Option<i64>,
    /// Any clock missed or running past due at this instant.
    pub breached_at: Option<DateTime<Utc>>,
    pub text: Option<String>,
    pub reported_from: Option<DateTime<Utc>>,
    pub reported_to: Option<DateTime<Utc>>,
    /// Keyset cursor: only incidents with a smaller id (newest first).
    pub before_id: Option<i64>,
    /// Keyset cursor of a list with a reported-time range, which is ordered by reported time:
    /// only incidents before this (reported_at, id).
    pub before_reported: Option<(DateTime<Utc>, i64)>,
}

impl IncidentFilter {
    /// Whether the list is ordered by reported time (a reported-time range is given) rather than
    /// by id: then the range is a walk along its index, not a sort of every incident in it.
    pub fn by_reported(&self) -> bool {
        self.reported_from.is_some() || self.reported_to.is_some()
    }
}

/// A page of a project's incidents, newest first.
pub async fn list(db: &Db, project_id: i64, f: &IncidentFilter, limit: u64) -> Result<Vec<IncidentRow>, StoreError> {
    let backend = db.backend();
    let mut cond = Cond::all().add(Expr::col("project_id").eq(project_id));
    if !f.status.is_empty() {
        cond = cond.add(Expr::col("status").is_in(f.status.iter().map(String::as_str)));
    }
    if !f.severity.is_empty() {
        cond = cond.add(Expr::col("severity").is_in(f.severity.iter().map(String::as_str)));
    }
    if let Some(a) = f.assignee_id {
        cond = cond.add(Expr::col("assignee_id").eq(a));
    }
    if let Some(u) = f.involving {
        cond = cond.add(Cond::any().add(Expr::col("assignee_id").eq(u)).add(Expr::col("reporter_id").eq(u)));
    }
    if let Some(now) = f.breached_at {
        // `IS NOT NULL` lets SQLite use the partial index `incidents_breached`.
        cond = cond.add(Expr::col("breach_at").is_not_null()).add(Expr::col("breach_at").lte(now));
    }
    // Runs of the search text an index can look up (none for a number, looked up by its own
    // index, or for a text without two letters in a row, which only a scan can answer).
    let mut runs = Vec::new();
    if let Some(number) = f.text.as_deref().and_then(yunwei_domain::servicedesk::as_incident_number) {
        cond = cond.add(Expr::col("number").eq(number));
    } else if let Some(t) = &f.text {
        // The exact test: a case-insensitive substring of the title, description or number.
        let like = |col| crate::contains(backend, col, t);
        cond = cond.add(Cond::any().add(like("title")).add(like("description")).add(like("number")));
        runs = search::query(t);
    }
    // PostgreSQL's candidates: the GIN index of each incident's bigrams.
    let grams = (backend == Backend::Postgres && !runs.is_empty())
        .then(|| Expr::cust_with_values("search_grams @> string_to_array($1, ' ')", [runs.concat().join(" ")]));
    if let Some(v) = f.reported_from {
        cond = cond.add(Expr::col("reported_at").gte(v));
    }
    if let Some(v) = f.reported_to {
        cond = cond.add(Expr::col("reported_at").lt(v));
    }
    if let Some((at, id)) = f.before_reported {
        let key = Expr::tuple([Expr::col("reported_at"), Expr::col("id")]);
        cond = cond.add(key.lt(Expr::tuple([Expr::val(at), Expr::val(id)])));
    }
    // SQLite's candidates come from its FTS5 index, newest first (a reported-time range walks
    // its own index instead).
    if backend == Backend::Sqlite && !runs.is_empty() && !f.by_reported() {
        let ids = fts_page(db, &search::fts5_match(&runs), cond, f.before_id, limit).await?;
        let mut q = select().and_where(Expr::col("id").is_in(ids)).to_owned();
        q.order_by("id", Order::Desc);
        return db.fetch_all(&q).await;
    }
    if let Some(v) = f.before_id {
        cond = cond.add(Expr::col("id").lt(v));
    }
    if let Some(grams) = grams {
        if f.by_reported() {
            cond = cond.add(grams);
        } else {
            let ids = gin_page(db, project_id, cond, grams, f.before_id, limit).await?;
            let mut q = select().and_where(Expr::col("id").is_in(ids)).to_owned();
            q.order_by("id", Order::Desc);
            return db.fetch_all(&q).await;
        }
    }
    let order = |q: &mut SelectStatement| {
        if f.by_reported() {
            q.order_by("reported_at", Order::Desc);
        }
        q.order_by("id", Order::Desc);
    };
    // Pick the page's ids first, then read just those rows.
    let mut ids = Query::select().column("id").from("incidents").cond_where(cond).limit(limit).to_owned();
    order(&mut ids);
    let mut q = select().and_where(Expr::col("id").in_subquery(ids)).to_owned();
    order(&mut q);
    db.fetch_all(&q).await
}

/// How many of a project's newest incidents a PostgreSQL text search checks directly before it
/// asks the bigram index.
const NEWEST_WINDOW: u64 = 2_000;

/// The ids of a page of a text search on PostgreSQL. A word on many incidents fills the page
/// from the project's newest ones, checked directly along the (project, id) index; only what
/// that window does not fill is asked of the GIN index, below the window — where a rare word's
/// few candidates are found at once. Left to itself the planner estimates several bigrams as
/// independent, takes a common phrase (`ORA-01555` on one incident in six) for a rare one and
/// sorts every match: a second at 1M incidents.
async fn gin_page(
    db: &Db,
    project_id: i64,
    cond: Cond,
    grams: sea_query::SimpleExpr,
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<i64>, StoreError> {
    let mut fq = Query::select()
        .column("id")
        .from("incidents")
        .and_where(Expr::col("project_id").eq(project_id))
        .order_by("id", Order::Desc)
        .offset(NEWEST_WINDOW - 1)
        .limit(1)
        .to_owned();
    if let Some(b) = before {
        fq.and_where(Expr::col("id").lt(b));
    }
    let floor: Option<(i64,)> = db.fetch_optional(&fq).await?;
    let mut window = cond.clone();
    if let Some((f,)) = floor {
        window = window.add(Expr::col("id").gte(f));
    }
    let q = Query::select()
        .column("id")
        .from("incidents")
        .cond_where(window)
        .order_by("id", Order::Desc)
        .limit(limit)
        .to_owned();
    let mut ids: Vec<i64> = db.fetch_all::<(i64,), _>(&q).await?.into_iter().map(|r| r.0).collect();
    let Some((floor,)) = floor else {
        return Ok(ids);
    };
    if ids.len() as u64 >= limit {
        return Ok(ids);
    }
    let older = cond.add(grams).add(Expr::col("id").lt(floor));
    let q = Query::select()
        .column("id")
        .from("incidents")
        .cond_where(older)
        .order_by("id", Order::Desc)
        .limit(limit - ids.len() as u64)
        .to_owned();
    ids.extend(db.fetch_all::<(i64,), _>(&q).await?.into_iter().map(|r| r.0));
    Ok(ids)
}

/// The ids of a page of a text search on SQLite: candidates from the FTS5 index in batches,
/// newest first, each batch checked against `cond` by id, until the page is full or the index
/// has no more. Two plain queries, so no planner can turn it inside out: left to choose the join
/// order, SQLite 3.50 walked the project's incidents and ran the full-text query for each (a
/// common word took minutes at 1M incidents).
async fn fts_page(
    db: &Db,
    matching: &str,
    cond: Cond,
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<i64>, StoreError> {
    // Documents are indexed in id order behind the writes: every incident up to `indexed` is in
    // the index, the newer ones (a moment's worth) are checked directly, and come first.
    let max = Query::select().expr(Expr::cust("coalesce(max(rowid), 0)")).from("incident_text").to_owned();
    let indexed = db.fetch_optional::<(i64,), _>(&max).await?.map_or(0, |r| r.0);
    let mut tail = Query::select()
        .column("id")
        .from("incidents")
        .cond_where(cond.clone().add(Expr::col("id").gt(indexed)))
        .order_by("id", Order::Desc)
        .limit(limit)
        .to_owned();
    if let Some(b) = before {
        tail.and_where(Expr::col("id").lt(b));
    }
    let mut out: Vec<i64> = db.fetch_all::<(i64,), _>(&tail).await?.into_iter().map(|r| r.0).collect();
    if out.len() as u64 >= limit {
        return Ok(out);
    }
    let (mut before, mut batch) = (before, 64u64);
    loop {
        let mut cq = Query::select()
            .expr(Expr::col("rowid"))
            .from("incident_text")
            .and_where(Expr::cust_with_values("incident_text MATCH ?", [matching]))
            .and_where(Expr::col("rowid").lte(indexed))
            .order_by("rowid", Order::Desc)
            .limit(batch)
            .to_owned();
        if let Some(b) = before {
            cq.and_where(Expr::col("rowid").lt(b));
        }
        let cands: Vec<(i64,)> = db.fetch_all(&cq).await?;
        let Some(&(last,)) = cands.last() else {
            return Ok(out);
        };
        let q = Query::select()
            .column("id")
            .from("incidents")
            .cond_where(cond.clone().add(Expr::col("id").is_in(cands.iter().map(|c| c.0))))
            .order_by("id", Order::Desc)
            .limit(limit - out.len() as u64)
            .to_owned();
        let found: Vec<(i64,)> = db.fetch_all(&q).await?;
        out.extend(found.into_iter().map(|r| r.0));
        if out.len() as u64 >= limit || (cands.len() as u64) < batch {
            return Ok(out);
        }
        before = Some(last);
        batch = std::cmp::Ord::min(batch * 4, 4096);
    }
}

/// How many incidents of a project have a number like `pattern` (the load generator's own).
pub async fn count_numbered(db: &Db, project_id: i64, pattern: &str) -> Result<u64, StoreError> {
    let q = Query::select()
        .expr(Expr::col("id").count())
        .from("incidents")
        .cond_where(Cond::all().add(Expr::col("project_id").eq(project_id)).add(Expr::col("number").like(pattern)))
        .to_owned();
    let (n,): (i64,) = db.fetch_optional(&q).await?.unwrap_or((0,));
    Ok(n as u64)
}

/// The numbers of a project's incidents among `ids`: (id, number); ids of other projects or of
/// none are left out.
pub async fn numbers(db: &Db, project_id: i64, ids: &[i64]) -> Result<Vec<(i64, String)>, StoreError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let q = Query::select()
            .columns(["id", "number"])
            .from("incidents")
            .cond_where(
                Cond::all()
                    .add(Expr::col("project_id").eq(project_id))
                    .add(Expr::col("id").is_in(chunk.iter().copied())),
            )
            .to_owned();
        out.extend(db.fetch_all::<(i64, String), _>(&q).await?);
    }
    Ok(out)
}
