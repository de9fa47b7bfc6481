//! The harness of the reliability tests: the real `yunwei` binary as a server process (started,
//! SIGKILLed, restarted), a load of concurrent API clients that writes down every write the
//! server acknowledged, and checks of the stored rows against that ledger.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

pub const BIN: &str = env!("CARGO_BIN_EXE_yunwei");

/// Titles of the incidents the load creates (the checks look at these only).
pub const TITLE: &str = "可靠性测试";

/// Where one test keeps its data: a temp dir (SQLite), or a fresh PostgreSQL database when
/// `YUNWEI_TEST_DATABASE_URL` is set.
pub struct Target {
    pub dir: tempfile::TempDir,
    pub args: Vec<String>,
    pg: Option<(String, String)>,
}

impl Target {
    pub async fn new() -> Target {
        let dir = tempfile::tempdir().expect("tempdir");
        match std::env::var("YUNWEI_TEST_DATABASE_URL").ok().filter(|s| !s.is_empty()) {
            Some(url) => {
                let name = format!("yunwei_rel_{}_{}", std::process::id(), suffix());
                let pool = sqlx::PgPool::connect(&url).await.expect("pg");
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&pool).await.expect("db");
                pool.close().await;
                let (base, _) = url.rsplit_once('/').expect("url with a database");
                Target { dir, args: vec!["--database-url".into(), format!("{base}/{name}")], pg: Some((url, name)) }
            }
            None => Target::sqlite_in(dir),
        }
    }

    /// SQLite in `dir`, whatever the environment says.
    pub fn sqlite_in(dir: tempfile::TempDir) -> Target {
        let d = dir.path().join("data").to_string_lossy().into_owned();
        Target { dir, args: vec!["--data-dir".into(), d], pg: None }
    }

    pub fn is_pg(&self) -> bool {
        self.pg.is_some()
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Runs a `yunwei` subcommand against this target.
    pub fn run(&self, args: &[&str]) -> Output {
        yunwei().args(args).args(&self.args).output().expect("run yunwei")
    }

    /// `yunwei demo` and an API token of the demo project's on-site engineer.
    pub fn demo_token(&self) -> String {
        let out = self.run(&["demo"]);
        assert!(out.status.success(), "demo: {}", text(&out.stderr));
        let out = self.run(&["user", "token", "engineer", "--name", "reliability"]);
        assert!(out.status.success(), "token: {}", text(&out.stderr));
        text(&out.stdout).trim().to_owned()
    }

    pub async fn db(&self) -> Sql {
        match &self.pg {
            Some((url, name)) => {
                let (base, _) = url.rsplit_once('/').expect("url");
                Sql::Pg(sqlx::PgPool::connect(&format!("{base}/{name}")).await.expect("pg"))
            }
            None => {
                let path = self.data_dir().join("yunwei.db");
                let opts = sqlx::sqlite::SqliteConnectOptions::new().filename(path).read_only(true);
                Sql::Sqlite(sqlx::SqlitePool::connect_with(opts).await.expect("sqlite"))
            }
        }
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        if let Some((url, name)) = self.pg.take() {
            // Best effort; a leftover database only costs disk.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
                rt.block_on(async {
                    if let Ok(pool) = sqlx::PgPool::connect(&url).await {
                        let _ =
                            sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                                .execute(&pool)
                                .await;
                    }
                })
            })
            .join();
        }
    }
}

fn suffix() -> u32 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or_default()
}

/// The binary with none of this shell's `YUNWEI_*` settings (the tests' own, such as
/// `YUNWEI_CRASH_KILLS`, are not configuration), logging warnings only.
fn yunwei() -> Command {
    let mut c = Command::new(BIN);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("YUNWEI_") {
            c.env_remove(k);
        }
    }
    c.env("YUNWEI_LOG", "warn");
    c
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Read-only access to the stored rows of either backend.
pub enum Sql {
    Sqlite(sqlx::SqlitePool),
    Pg(sqlx::PgPool),
}

/// One stored incident of the load, with what belongs to it.
#[derive(Debug, Clone)]
pub struct Stored {
    pub number: String,
    pub version: i64,
    pub events: Vec<String>,
    pub sla: Value,
    pub audit_creates: i64,
    pub audit_events: i64,
}

macro_rules! fetch {
    ($sql:expr, $q:expr, $t:ty) => {
        match $sql {
            Sql::Sqlite(p) => sqlx::query_as::<_, $t>(sqlx::AssertSqlSafe($q.to_owned())).fetch_all(p).await.expect($q),
            Sql::Pg(p) => sqlx::query_as::<_, $t>(sqlx::AssertSqlSafe($q.to_owned())).fetch_all(p).await.expect($q),
        }
    };
}

impl Sql {
    /// Every incident of the load, by id.
    pub async fn load_incidents(&self) -> BTreeMap<i64, Stored> {
        let like = format!("{TITLE}%");
        let q = format!("SELECT id, number, version, sla FROM incidents WHERE title LIKE '{like}'");
        let mut out: BTreeMap<i64, Stored> = fetch!(self, q.as_str(), (i64, String, i64, String))
            .into_iter()
            .map(|(id, number, version, sla)| {
                let sla = serde_json::from_str(&sla).expect("sla is JSON");
                (id, Stored { number, version, events: vec![], sla, audit_creates: 0, audit_events: 0 })
            })
            .collect();
        for (id, kind) in fetch!(self, "SELECT incident_id, kind FROM incident_events ORDER BY id", (i64, String)) {
            if let Some(s) = out.get_mut(&id) {
                s.events.push(kind);
            }
        }
        let audit = fetch!(
            self,
            "SELECT entity_id, action FROM audit_log WHERE entity = 'incident' AND action <> 'escalation'",
            (String, String)
        );
        for (entity_id, action) in audit {
            let Ok(id) = entity_id.parse::<i64>() else { continue };
            if let Some(s) = out.get_mut(&id) {
                if action == "create" {
                    s.audit_creates += 1;
                } else {
                    s.audit_events += 1;
                }
            }
        }
        out
    }

    /// The numbers of every incident (demo ones included).
    pub async fn numbers(&self) -> Vec<String> {
        fetch!(self, "SELECT number FROM incidents", (String,)).into_iter().map(|(n,)| n).collect()
    }

    /// A `SELECT COUNT(*) …`.
    pub async fn count(&self, q: &str) -> i64 {
        fetch!(self, q, (i64,)).first().map(|(n,)| *n).unwrap_or_default()
    }

    pub async fn close(self) {
        match self {
            Sql::Sqlite(p) => p.close().await,
            Sql::Pg(p) => p.close().await,
        }
    }
}

/// A running `yunwei serve`.
pub struct Server {
    child: Child,
    pub base: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `yunwei serve` on a free port and waits for it to say where it listens.
    pub fn start(t: &Target, extra_env: &[(&str, &str)]) -> Server {
        let mut cmd = yunwei();
        cmd.args(["serve", "--listen", "127.0.0.1:0"])
            .args(&t.args)
            .env("YUNWEI_JOBS_INTERVAL_SECONDS", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn yunwei serve");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = std::sync::mpsc::channel::<Option<String>>();
        let log = Arc::new(Mutex::new(Vec::new()));
        let keep = log.clone();
        // Reads the server's stderr to its end (a full pipe would stall the server).
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("yunwei listening on http://").nth(1)
                    && let Some(t) = tx.take()
                {
                    let _ = t.send(Some(rest.split_whitespace().next().unwrap_or_default().to_owned()));
                }
                keep.lock().expect("log").push(line);
            }
            if let Some(t) = tx.take() {
                let _ = t.send(None);
            }
        });
        match rx.recv().ok().flatten() {
            Some(addr) => Server { child, base: format!("http://{addr}"), log },
            None => {
                let _ = child.wait();
                panic!("yunwei serve did not start:\n{}", log.lock().expect("log").join("\n"));
            }
        }
    }

    /// SIGKILL: no shutdown, no flushing, nothing of the process's memory survives.
    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reap");
    }

    /// What the server wrote to stderr so far.
    pub fn log(&self) -> String {
        self.log.lock().expect("log").join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the server acknowledged of one incident.
#[derive(Debug, Clone, Default)]
pub struct Acked {
    pub number: String,
    pub version: i64,
    pub events: usize,
    pub responded: bool,
}

/// Every write the server acknowledged, across restarts.
#[derive(Default)]
pub struct Ledger {
    pub incidents: Mutex<BTreeMap<i64, Acked>>,
    /// Acknowledged writes (creates and events), watched by whoever waits for a count.
    pub writes: tokio::sync::watch::Sender<usize>,
    /// Requests that failed without an answer or with one the load does not expect.
    pub failed: AtomicUsize,
}

impl Ledger {
    /// Waits until at least `n` writes are acknowledged, or the load ended.
    pub async fn until(&self, n: usize) {
        let mut rx = self.writes.subscribe();
        let _ = rx.wait_for(|w| *w >= n).await;
    }

    pub fn acked_writes(&self) -> usize {
        *self.writes.borrow()
    }
}

/// `clients` tasks each creating incidents and adding events to them until `stop` is set or the
/// server stops answering. Every 2xx is written into the ledger before the next request.
pub async fn load(base: String, token: String, clients: usize, ledger: Arc<Ledger>, stop: Arc<AtomicBool>) {
    let http = client(clients);
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (http, ledger, stop) = (http.clone(), ledger.clone(), stop.clone());
        let (base, auth) = (base.to_owned(), format!("Bearer {token}"));
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let body = json!({"title": format!("{TITLE} {c}-{n}"), "severity": "P3", "channel": "phone", "department": "门诊部"});
                let r = http
                    .post(format!("{base}/api/v1/projects/demo/incidents"))
                    .header("authorization", &auth)
                    .json(&body)
                    .send()
                    .await;
                // No answer: the server is gone (killed); this client is done.
                let Some(v) = answer(r, 201, &ledger).await else { return };
                let id = v["id"].as_i64().expect("id");
                ledger.incidents.lock().expect("ledger").insert(
                    id,
                    Acked { number: v["number"].as_str().expect("number").into(), version: v["version"].as_i64().unwrap_or(1), ..Default::default() },
                );
                ledger.writes.send_modify(|n| *n += 1);
                for kind in ["respond", "comment", "comment"] {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let r = http
                        .post(format!("{base}/api/v1/incidents/{id}/events"))
                        .header("authorization", &auth)
                        .json(&json!({"type": kind, "note": format!("第 {n} 次")}))
                        .send()
                        .await;
                    let Some(v) = answer(r, 200, &ledger).await else { return };
                    let mut l = ledger.incidents.lock().expect("ledger");
                    let a = l.get_mut(&id).expect("acked");
                    a.version = v["version"].as_i64().expect("version");
                    a.events += 1;
                    a.responded |= kind == "respond";
                    drop(l);
                    ledger.writes.send_modify(|n| *n += 1);
                }
            }
        }));
    }
    for t in tasks {
        t.await.expect("client task");
    }
}

async fn answer(r: reqwest::Result<reqwest::Response>, expect: u16, ledger: &Ledger) -> Option<Value> {
    let Ok(r) = r else {
        ledger.failed.fetch_add(1, Ordering::Relaxed);
        return None;
    };
    if r.status().as_u16() == expect {
        // A body that does not arrive whole was not acknowledged.
        return r.json::<Value>().await.ok();
    }
    ledger.failed.fetch_add(1, Ordering::Relaxed);
    None
}

/// Checks the stored rows against the ledger; returns how many acknowledged writes it checked.
pub async fn check(t: &Target, ledger: &Ledger) -> usize {
    let sql = t.db().await;
    let stored = sql.load_incidents().await;
    let numbers = sql.numbers().await;
    sql.close().await;
    let acked = ledger.incidents.lock().expect("ledger").clone();
    let mut checked = 0;
    for (id, a) in &acked {
        let s = stored.get(id).unwrap_or_else(|| panic!("acknowledged incident {id} ({}) is lost", a.number));
        assert_eq!(s.number, a.number, "incident {id}'s number");
        assert!(s.version >= a.version, "incident {id}: acknowledged version {} but stored {}", a.version, s.version);
        assert!(
            s.events.len() >= a.events,
            "incident {id}: {} events acknowledged, {} stored",
            a.events,
            s.events.len()
        );
        checked += 1 + a.events;
    }
    // Nothing half-written, acknowledged or not.
    for (id, s) in &stored {
        assert_eq!(s.audit_creates, 1, "incident {id} has {} creation audit entries", s.audit_creates);
        assert_eq!(
            s.version,
            1 + s.events.len() as i64,
            "incident {id}: version {} with {} events",
            s.version,
            s.events.len()
        );
        assert_eq!(
            s.audit_events,
            s.events.len() as i64,
            "incident {id}: {} events but {} audit entries",
            s.events.len(),
            s.audit_events
        );
        if s.events.iter().any(|k| k == "respond") {
            assert!(
                !s.sla["respond"]["stopped_at"].is_null(),
                "incident {id} was responded to but its clock runs: {}",
                s.sla
            );
        }
    }
    // Numbering: per year, 1..n with no gap and no duplicate.
    let mut by_year: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for n in &numbers {
        let (prefix, seq) = n.rsplit_once('-').expect("INC-YYYY-NNNNNN");
        by_year.entry(prefix.to_owned()).or_default().push(seq.parse().expect("sequence"));
    }
    for (prefix, mut seqs) in by_year {
        seqs.sort_unstable();
        let expected: Vec<u32> = (1..=seqs.len() as u32).collect();
        assert_eq!(seqs, expected, "numbers of {prefix}-… have a gap or a duplicate");
    }
    let verify = t.run(&["audit", "verify"]);
    assert!(verify.status.success(), "audit verify: {}{}", text(&verify.stdout), text(&verify.stderr));
    checked
}

/// An HTTP client for the tests (rustls needs its provider chosen first).
pub fn client(idle: usize) -> reqwest::Client {
    yunwei_app::install_crypto_provider();
    reqwest::Client::builder()
        .pool_max_idle_per_host(idle)
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .expect("client")
}
