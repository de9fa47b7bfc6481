//! Scale-out by project, checked (issue 17 item 8, docs/scaling.md): every table of the migrated
//! schema is either distributed (it has its distribution column, NOT NULL: `project_id`, or the
//! audit trail's `chain`, which names the project) or a reference/global table with its reason;
//! and every query function in `crates/store/src` that touches a distributed table names that
//! column, or is in one of the commented lists below. A new table or a new unscoped query fails
//! here until it is classified.
//!
//! The schema is SQLite's after all migrations; `schema.rs` proves PostgreSQL ends with the same
//! tables and columns (the FTS5 tables below are SQLite's form of one PostgreSQL column).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;
use yunwei_store::Db;

/// Tables split by project on Citus, with their distribution column.
const DISTRIBUTED: &[(&str, &str)] = &[
    ("project_members", "project_id"),
    // The trail of one project is one chain (`project:<id>`; the platform's own entries are the
    // chain `global`, whose project_id is NULL): the chain is what every write and read names.
    ("audit_log", "chain"),
    ("audit_heads", "chain"),
    ("contract_versions", "project_id"),
    ("incidents", "project_id"),
    ("incident_events", "project_id"),
    ("incident_counters", "project_id"),
    ("escalation_contacts", "project_id"),
    ("incident_escalations", "project_id"),
    ("notify_channels", "project_id"),
    ("notifications", "project_id"),
    ("notification_attempts", "project_id"),
    ("incident_attachments", "project_id"),
    ("cis", "project_id"),
    ("ci_ips", "project_id"),
    ("ci_relations", "project_id"),
    ("ci_revisions", "project_id"),
    ("incident_cis", "project_id"),
    ("inspection_templates", "project_id"),
    ("inspection_template_versions", "project_id"),
    ("inspection_executions", "project_id"),
    ("inspection_results", "project_id"),
    ("inspection_counters", "project_id"),
    ("inspection_plans", "project_id"),
    ("inspection_photos", "project_id"),
    ("alerts", "project_id"),
    ("backup_reports", "project_id"),
    ("backup_jobs", "project_id"),
    ("daily_logs", "project_id"),
];

/// Tables that are not a project's: reference tables on Citus (copied to every node, joined
/// locally) or tables the coordinator keeps, with the reason.
const REFERENCE: &[(&str, &str)] = &[
    ("organizations", "hospitals and vendors: one organisation serves or is served by several projects"),
    ("departments", "departments of an organisation, shared by its projects"),
    ("users", "a person is a member of several projects (project_members is the project's part)"),
    ("projects", "the tenants themselves: small, read by every request's permission check"),
    ("sessions", "a browser login is a user's, before any project is chosen"),
    ("api_tokens", "a token is a user's and reaches every project the user is a member of"),
    ("login_throttle", "failed logins by user name and address, before anyone is known"),
    ("holiday_years", "the State Council's holidays, one table for every calendar of every project"),
    ("user_contacts", "a person's e-mail, phone and quiet hours, the same in every project"),
    ("jobs", "the background queue, claimed across projects by whichever instance is free (coordinator table)"),
    ("job_attempts", "the history of jobs (coordinator table, with jobs)"),
    // SQLite's FTS5 index of incident text; on PostgreSQL the same index is the `search_grams`
    // column of incidents, distributed with them.
    ("incident_text", "SQLite only: the FTS5 index (PostgreSQL: incidents.search_grams)"),
    ("incident_text_data", "SQLite only: FTS5 shadow table"),
    ("incident_text_idx", "SQLite only: FTS5 shadow table"),
    ("incident_text_docsize", "SQLite only: FTS5 shadow table"),
    ("incident_text_config", "SQLite only: FTS5 shadow table"),
];

/// Query functions that touch distributed tables across projects, on purpose.
const CROSS_PROJECT: &[(&str, &str, &str)] = &[
    ("incident.rs", "index_unindexed_text", "background indexer: adds every project's new incidents in id order"),
    ("notify.rs", "due_messages", "delivery worker: the due messages of every project"),
    ("notify.rs", "lease", "delivery worker: leases one message by id for an attempt"),
    (
        "inspection/executions.rs",
        "planned",
        "plan generation: one plan's execution for a period (the plan is the project's)",
    ),
];

/// Query functions that read or write rows by a key of a row the caller already found within
/// its project (the entity's id, its parent's id, a stored version id), or helpers whose callers
/// add the filter. Not a leak: the project was checked when the key was found. On Citus each is a
/// lookup by a unique key that goes to every shard until `project_id` is added to it (listed in
/// docs/scaling.md as the work of the move).
const BY_KEY: &[(&str, &str)] = &[
    ("contract.rs", "by_id"),
    ("daily_log.rs", "select"),
    ("daily_log.rs", "update"),
    ("files.rs", "select"),
    ("files.rs", "list"),
    ("files.rs", "load"),
    ("incident.rs", "select"),
    ("incident.rs", "get"),
    ("incident.rs", "get_tx"),
    ("incident.rs", "events_tx"),
    ("incident.rs", "get_with_events"),
    ("incident.rs", "update_state"),
    ("incident.rs", "events_query"),
    ("incident.rs", "fts_page"),
    ("monitoring.rs", "select"),
    ("monitoring.rs", "get"),
    ("monitoring.rs", "get_tx"),
    ("monitoring.rs", "resent"),
    ("monitoring.rs", "resolve"),
    ("monitoring.rs", "done"),
    ("monitoring.rs", "mark_checked"),
    ("notify.rs", "steps_of"),
    ("notify.rs", "claim_step"),
    ("notify.rs", "for_incident"),
    ("notify.rs", "inbox"),
    ("notify.rs", "attempts_for_incident"),
    ("inspection/executions.rs", "select_executions"),
    ("inspection/executions.rs", "execution"),
    ("inspection/executions.rs", "execution_tx"),
    ("inspection/executions.rs", "update_execution"),
    ("inspection/executions.rs", "mark_noticed"),
    ("inspection/plans.rs", "plan"),
    ("inspection/plans.rs", "plan_periods"),
    ("inspection/results.rs", "results_query"),
    ("inspection/results.rs", "results"),
    ("inspection/results.rs", "results_tx"),
    ("inspection/results.rs", "link_incident"),
    ("inspection/results.rs", "sources_of_incident"),
    ("inspection/templates.rs", "update_template"),
    ("cmdb/cis.rs", "select"),
    ("cmdb/cis.rs", "get"),
    ("cmdb/cis.rs", "get_tx"),
    ("cmdb/cis.rs", "update"),
    ("cmdb/incidents.rs", "cis_of_incident"),
    ("cmdb/incidents.rs", "incidents_of"),
    ("cmdb/ips.rs", "ips_of"),
    ("cmdb/ips.rs", "ips_of_tx"),
    ("cmdb/relations.rs", "relation_tx"),
    ("cmdb/relations.rs", "delete_relation"),
    ("cmdb/relations.rs", "relations_of"),
    ("cmdb/revisions.rs", "revisions"),
    ("cmdb/revisions.rs", "revisions_page"),
    ("cmdb/revisions.rs", "revision_at"),
    ("cmdb/revisions.rs", "revisions_tx"),
];

/// table → column → not null, after every SQLite migration.
async fn schema() -> BTreeMap<String, BTreeMap<String, bool>> {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Db::open_sqlite(dir.path()).await.expect("sqlite");
    db.migrate().await.expect("migrate");
    let Db::Sqlite { read, .. } = &db else { unreachable!() };
    let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT m.name, c.name, c.\"notnull\", c.pk FROM sqlite_master m, pragma_table_info(m.name) c \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'",
    )
    .fetch_all(read)
    .await
    .expect("columns");
    let mut out: BTreeMap<String, BTreeMap<String, bool>> = BTreeMap::new();
    for (t, c, notnull, pk) in rows {
        out.entry(t).or_default().insert(c, notnull == 1 || pk > 0);
    }
    db.close().await;
    out
}

/// The same on PostgreSQL, in a schema of its own (when `YUNWEI_TEST_DATABASE_URL` is set).
async fn pg_schema(url: &str) -> BTreeMap<String, BTreeMap<String, bool>> {
    let name = format!("scale_out_{}", std::process::id());
    let admin = Db::open_postgres(url).await.expect("pg");
    let Db::Postgres(pool) = &admin else { unreachable!() };
    let run = |sql: String| sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool);
    run(format!("DROP SCHEMA IF EXISTS {name} CASCADE")).await.expect("drop");
    run(format!("CREATE SCHEMA {name}")).await.expect("create");
    let opts = PgConnectOptions::from_str(url).expect("url").options([("search_path", name.as_str())]);
    let db = Db::open_postgres_with(opts, 2).await.expect("pg schema");
    db.migrate().await.expect("migrate pg");
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, is_nullable::text FROM information_schema.columns \
         WHERE table_schema = $1 AND table_name <> '_sqlx_migrations'",
    )
    .bind(&name)
    .fetch_all(pool)
    .await
    .expect("columns");
    db.close().await;
    run(format!("DROP SCHEMA {name} CASCADE")).await.expect("drop");
    let mut out: BTreeMap<String, BTreeMap<String, bool>> = BTreeMap::new();
    for (t, c, nullable) in rows {
        out.entry(t).or_default().insert(c, nullable == "NO");
    }
    out
}

#[tokio::test]
async fn every_table_is_distributed_by_project_or_a_reference_table_with_a_reason() {
    let schema = schema().await;
    check_tables(&schema, true);
}

#[tokio::test]
async fn every_postgresql_table_is_distributed_by_project_or_a_reference_table_with_a_reason() {
    let Some(url) = std::env::var("YUNWEI_TEST_DATABASE_URL").ok().filter(|s| !s.is_empty()) else {
        eprintln!("YUNWEI_TEST_DATABASE_URL not set: the PostgreSQL half runs in CI");
        return;
    };
    check_tables(&pg_schema(&url).await, false);
}

/// `sqlite`: the FTS5 tables exist only there.
fn check_tables(schema: &BTreeMap<String, BTreeMap<String, bool>>, sqlite: bool) {
    let mut problems = Vec::new();
    for (t, cols) in schema {
        let dist = DISTRIBUTED.iter().find(|(n, _)| n == t);
        let reference = REFERENCE.iter().any(|(n, _)| n == t);
        match (dist, reference) {
            (Some(_), true) => problems.push(format!("{t}: listed as both distributed and reference")),
            (None, false) => problems.push(format!(
                "{t}: a new table — give it project_id and list it in DISTRIBUTED, or list it in REFERENCE with its reason"
            )),
            (Some((_, col)), false) => match cols.get(*col) {
                None => problems.push(format!("{t}: distributed by {col}, which it does not have")),
                // Citus refuses NULL in a distribution column.
                Some(false) => problems.push(format!("{t}.{col} may be NULL; a distribution column may not")),
                Some(_) => {}
            },
            (None, true) => {}
        }
    }
    for (t, _) in DISTRIBUTED.iter().chain(REFERENCE) {
        if !schema.contains_key(*t) && (sqlite || !t.starts_with("incident_text")) {
            problems.push(format!("{t}: listed but not in the schema"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// One function of the store's source: file (relative to src), name, body text.
struct Function {
    file: String,
    name: String,
    body: String,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read dir").filter_map(Result::ok) {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The functions of `crates/store/src`, each from its `fn` line to the next `fn` line (unit
/// tests cut off), which is precise enough for what a query function names.
fn functions() -> Vec<Function> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).expect("read");
        let text = text.split("#[cfg(test)]").next().unwrap_or_default();
        let file = path.strip_prefix(&src).expect("under src").to_string_lossy().replace('\\', "/");
        let mut current: Option<Function> = None;
        for line in text.lines() {
            let t = line.trim_start();
            let decl = ["pub(crate) async fn ", "pub(crate) fn ", "pub async fn ", "pub fn ", "async fn ", "fn "]
                .iter()
                .find_map(|p| t.strip_prefix(p));
            if let Some(rest) = decl {
                out.extend(current.take());
                let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                current = Some(Function { file: file.clone(), name, body: String::new() });
            }
            if let Some(f) = &mut current {
                f.body.push_str(line);
                f.body.push('\n');
            }
        }
        out.extend(current);
    }
    out
}

/// The string literals of a body (no raw strings in the store's queries).
fn literals(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '"' {
            continue;
        }
        let mut s = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => break,
                c => s.push(c),
            }
        }
        out.push(s);
    }
    out
}

/// Whether `sql` names `word` as a whole word.
fn names_word(sql: &str, word: &str) -> bool {
    sql.match_indices(word).any(|(i, _)| {
        let ok = |c: Option<char>| c.is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        ok(sql[..i].chars().next_back()) && ok(sql[i + word.len()..].chars().next())
    })
}

/// The distributed tables a function touches: a literal that is the table's name (sea-query's
/// `from`, `table`, `insert_into`, joins), a table after FROM/JOIN/UPDATE/INTO in SQL text, and
/// the file tables (`store::files` takes the table from a `FileTable`).
fn touched(f: &Function) -> BTreeSet<&'static str> {
    let lits = literals(&f.body);
    let mut out = BTreeSet::new();
    for (table, _) in DISTRIBUTED {
        let in_sql = lits.iter().any(|l| {
            let upper = l.to_ascii_uppercase();
            ["FROM ", "JOIN ", "UPDATE ", "INTO "]
                .iter()
                .any(|k| upper.contains(&format!("{k}{}", table.to_ascii_uppercase())) && names_word(l, table))
        });
        if lits.iter().any(|l| l == table) || in_sql {
            out.insert(*table);
        }
    }
    if f.body.contains("t.table") || f.body.contains("table.table") {
        out.insert("incident_attachments");
        out.insert("inspection_photos");
    }
    out
}

/// Whether the function names the table's distribution column or `project_id` (a filter, an
/// insert, a join on it).
fn scoped(f: &Function, table: &str) -> bool {
    let col = DISTRIBUTED.iter().find(|(t, _)| *t == table).map_or("project_id", |(_, c)| *c);
    literals(&f.body).iter().any(|l| names_word(l, col) || names_word(l, "project_id"))
}

/// Whether `body` calls the function `name` of the same file (`select()`, not `Query::select()`).
fn calls(body: &str, name: &str) -> bool {
    let call = format!("{name}(");
    body.match_indices(&call).any(|(i, _)| {
        body[..i].chars().next_back().is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == ':' || c == '.'))
    })
}

/// The distributed tables each function touches without naming their column, itself or through
/// the helpers of its file it calls (`select()` builds the base query and the caller adds the
/// filter; `latest_query(project_id)` filters for its caller). Keyed by (file, name).
fn unscoped(functions: &[Function]) -> BTreeMap<(String, String), BTreeSet<&'static str>> {
    let own: Vec<BTreeSet<&'static str>> = functions.iter().map(touched).collect();
    let mut out = BTreeMap::new();
    for (i, f) in functions.iter().enumerate() {
        let mut missing: BTreeSet<&'static str> = own[i].iter().copied().filter(|t| !scoped(f, t)).collect();
        for (j, h) in functions.iter().enumerate() {
            if i != j && h.file == f.file && !own[j].is_empty() && calls(&f.body, &h.name) {
                missing.extend(own[j].iter().copied().filter(|t| !scoped(f, t) && !scoped(h, t)));
            }
        }
        out.insert((f.file.clone(), f.name.clone()), missing);
    }
    out
}

#[test]
fn every_query_of_a_distributed_table_names_its_project_or_is_listed() {
    let functions = functions();
    assert!(functions.len() > 100, "found {} functions: is the scan broken?", functions.len());
    let unscoped_tables = unscoped(&functions);
    let listed = |f: &Function| {
        CROSS_PROJECT.iter().any(|(file, name, _)| *file == f.file && *name == f.name)
            || BY_KEY.iter().any(|(file, name)| *file == f.file && *name == f.name)
    };
    let mut problems = Vec::new();
    let mut unscoped = BTreeSet::new();
    for f in &functions {
        let missing: Vec<&str> = unscoped_tables[&(f.file.clone(), f.name.clone())].iter().copied().collect();
        if missing.is_empty() {
            continue;
        }
        unscoped.insert((f.file.clone(), f.name.clone()));
        if !listed(f) {
            problems.push(format!(
                "{}::{} touches {} without naming project_id: filter on it, or list it here with the reason",
                f.file,
                f.name,
                missing.join(", ")
            ));
        }
    }
    let entries = CROSS_PROJECT.iter().map(|(f, n, _)| (*f, *n)).chain(BY_KEY.iter().copied());
    for (file, name) in entries {
        if !unscoped.contains(&(file.to_owned(), name.to_owned())) {
            problems.push(format!(
                "{file}::{name} is listed but now names its project (or is gone): remove it from the list"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_scan_tells_a_scoped_query_from_an_unscoped_one() {
    let f = |body: &str| Function { file: "x.rs".into(), name: "f".into(), body: body.into() };
    let bare = f(r#"Query::select().from("cis").and_where(Expr::col("id").eq(id))"#);
    assert_eq!(touched(&bare), BTreeSet::from(["cis"]));
    assert!(!scoped(&bare, "cis"));
    let scoped_q = f(r#"Query::select().from("cis").and_where(Expr::col("project_id").eq(pid))"#);
    assert!(scoped(&scoped_q, "cis"));
    let sql = f(r#"format!("SELECT id FROM incident_events WHERE incident_id = {id}")"#);
    assert_eq!(touched(&sql), BTreeSet::from(["incident_events"]));
    let files = f("let q = Query::select().from(t.table);");
    assert!(touched(&files).contains("incident_attachments"));
    assert!(touched(&f(r#"Expr::col("cis_count")"#)).is_empty(), "a longer name is not the table");

    let g = |name: &str, body: &str| Function { file: "x.rs".into(), name: name.into(), body: body.into() };
    let helpers = [
        g("select", r#"fn select() -> SelectStatement { Query::select().from("cis").to_owned() }"#),
        g("by_id", "fn by_id(id: i64) { select().and_where(Expr::col(\"id\").eq(id)) }"),
        g("of_project", "fn of_project(pid: i64) { select().and_where(Expr::col(\"project_id\").eq(pid)) }"),
        g("plain", "fn plain() { Query::select().from(\"users\") }"),
    ];
    let u = unscoped(&helpers);
    assert_eq!(u[&("x.rs".to_owned(), "by_id".to_owned())], BTreeSet::from(["cis"]), "through the helper");
    assert!(u[&("x.rs".to_owned(), "of_project".to_owned())].is_empty());
    assert!(u[&("x.rs".to_owned(), "plain".to_owned())].is_empty(), "Query::select() is not the helper");
}
