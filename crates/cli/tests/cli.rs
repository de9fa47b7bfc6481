//! The `yunwei` binary end to end: demo, tokens, grants, audit verification after tampering,
//! on SQLite and (with `YUNWEI_TEST_DATABASE_URL`) on a fresh PostgreSQL database.

use std::process::{Command, Output};

/// Where the binary keeps its data for one test: a temp dir, or a fresh PostgreSQL database.
struct Target {
    _dir: tempfile::TempDir,
    args: Vec<String>,
    pg: Option<(String, String)>,
}

fn admin_url(url: &str) -> String {
    url.to_owned()
}

async fn target() -> Target {
    let dir = tempfile::tempdir().expect("tempdir");
    match std::env::var("YUNWEI_TEST_DATABASE_URL").ok().filter(|s| !s.is_empty()) {
        Some(url) => {
            let name = format!("yunwei_cli_{}_{}", std::process::id(), rand_suffix());
            let pool = sqlx::PgPool::connect(&admin_url(&url)).await.expect("pg");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&pool)
                .await
                .expect("create db");
            pool.close().await;
            let (base, _) = url.rsplit_once('/').expect("url with a database");
            let db_url = format!("{base}/{name}");
            Target { _dir: dir, args: vec!["--database-url".into(), db_url], pg: Some((url, name)) }
        }
        None => {
            let d = dir.path().to_string_lossy().into_owned();
            Target { _dir: dir, args: vec!["--data-dir".into(), d], pg: None }
        }
    }
}

fn rand_suffix() -> u32 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or_default()
}

impl Target {
    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_yunwei"))
            .args(args)
            .args(&self.args)
            .env_remove("YUNWEI_DATABASE_URL")
            .env_remove("YUNWEI_DATA_DIR")
            .output()
            .expect("run yunwei")
    }

    async fn sql(&self, statements: &[&str]) {
        match &self.pg {
            Some((url, name)) => {
                let (base, _) = url.rsplit_once('/').expect("url");
                let pool = sqlx::PgPool::connect(&format!("{base}/{name}")).await.expect("pg");
                for s in statements {
                    sqlx::raw_sql(sqlx::AssertSqlSafe(s.to_string())).execute(&pool).await.expect("sql");
                }
                pool.close().await;
            }
            None => {
                let path = self._dir.path().join("yunwei.db");
                let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display())).await.expect("sqlite");
                for s in statements {
                    sqlx::raw_sql(sqlx::AssertSqlSafe(s.to_string())).execute(&pool).await.expect("sql");
                }
                pool.close().await;
            }
        }
    }

    fn is_pg(&self) -> bool {
        self.pg.is_some()
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        if let Some((url, name)) = self.pg.take() {
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
                rt.block_on(async {
                    if let Ok(pool) = sqlx::PgPool::connect(&url).await {
                        let _ =
                            sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                                .execute(&pool)
                                .await;
                        pool.close().await;
                    }
                });
            })
            .join();
        }
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test]
async fn demo_token_grant_and_audit_verify_end_to_end() {
    let t = target().await;
    let demo = t.run(&["demo"]);
    assert!(demo.status.success(), "{}", text(&demo.stderr));
    assert!(text(&demo.stderr).contains("dispatcher"));
    // Idempotent.
    assert!(t.run(&["demo"]).status.success());

    let token = t.run(&["user", "token", "engineer", "--name", "ci"]);
    assert!(token.status.success(), "{}", text(&token.stderr));
    let out = text(&token.stdout);
    assert_eq!(out.lines().count(), 1, "the token alone on stdout: {out:?}");
    assert!(out.trim().starts_with("ywt_"));

    let grant = t.run(&["user", "grant", "engineer", "--project", "demo", "--role", "l2_engineer"]);
    assert!(grant.status.success(), "{}", text(&grant.stderr));
    let bad = t.run(&["user", "grant", "engineer", "--project", "demo", "--role", "boss"]);
    assert!(!bad.status.success());
    assert!(text(&bad.stderr).contains("role"), "{}", text(&bad.stderr));

    let ok = t.run(&["audit", "verify"]);
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    assert!(text(&ok.stdout).contains("intact"));

    // Somebody edits the trail directly in the database.
    if t.is_pg() {
        t.sql(&[
            "DROP TRIGGER audit_log_no_update ON audit_log",
            "UPDATE audit_log SET actor_name = 'nobody' WHERE id = 5",
        ])
        .await;
    } else {
        t.sql(&["DROP TRIGGER audit_log_no_update", "UPDATE audit_log SET actor_name = 'nobody' WHERE id = 5"]).await;
    }
    let broken = t.run(&["audit", "verify"]);
    assert!(!broken.status.success());
    let err = text(&broken.stderr);
    assert!(err.contains("entry id 5"), "{err}");
}

#[tokio::test]
async fn passwd_reads_stdin_and_user_add_refuses_duplicates() {
    use std::io::Write;
    let t = target().await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_yunwei"))
        .args(["user", "add", "liuqiang", "--name", "刘强", "--password-stdin"])
        .args(&t.args)
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    child.stdin.take().expect("stdin").write_all(b"a long password\n").expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let again = t.run(&["user", "add", "liuqiang", "--no-password"]);
    assert!(!again.status.success());
    assert!(text(&again.stderr).contains("username"), "{}", text(&again.stderr));
}

#[test]
fn bad_database_url_is_a_clear_startup_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_yunwei"))
        .args(["migrate", "--database-url", "mysql://localhost/x"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("unsupported database URL"), "{}", text(&out.stderr));
    let out = Command::new(env!("CARGO_BIN_EXE_yunwei"))
        .args(["migrate", "--database-url", "postgres://nobody@127.0.0.1:1/none"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("cannot connect to the database"), "{}", text(&out.stderr));
}

#[test]
fn bad_config_file_names_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("yunwei.toml");
    std::fs::write(&cfg, "listen = 8080\n").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_yunwei")).args(["migrate", "--config"]).arg(&cfg).output().expect("run");
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("listen"), "{}", text(&out.stderr));
}

/// The contract sketch of DESIGN.md, with a period that covers the preview below.
const SKETCH: &str = r#"[project]
code = "demo"
hospital = "示例医院"
vendor = "示例运维服务商"
period = { start = "2025-01-01", end = "2026-12-31" }
annual_fee_yuan = 1200000
timezone = "Asia/Shanghai"

[calendars.always]
kind = "24x7"
[calendars.office]
kind = "business"
weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri"]
hours = ["08:30-12:00", "13:30-17:30"]
holidays = "cn"

[severity.P1]
name = "一级故障（紧急）"
respond = { within = "15m", calendar = "always" }
resolve = { within = "24h", calendar = "always" }
escalate = [{ after = "30m", to = "manager1" }, { after = "2h", to = "manager2" }]

[severity.P3]
respond = { within = "2h",  calendar = "office" }
resolve = { within = "5wd", calendar = "office" }

[sla]
pause_while = ["awaiting_approval"]
"#;

#[tokio::test]
async fn contract_validate_apply_and_sla_preview() {
    let t = target().await;
    let file = t._dir.path().join("contract.toml");
    std::fs::write(&file, SKETCH.replace("calendar = \"office\" }\nresolve", "calendar = \"offce\" }\nresolve"))
        .expect("write");
    let bad = t.run(&["contract", "validate", file.to_str().expect("path")]);
    assert!(!bad.status.success());
    let out = text(&bad.stdout);
    assert!(out.contains("contract.toml:24:") && out.contains("severity.P3.respond.calendar"), "{out}");

    std::fs::write(&file, SKETCH).expect("write");
    let ok = t.run(&["contract", "validate", file.to_str().expect("path")]);
    assert!(ok.status.success(), "{}", text(&ok.stdout));
    let applied = t.run(&["contract", "apply", file.to_str().expect("path")]);
    assert!(applied.status.success(), "{}", text(&applied.stderr));
    assert!(text(&applied.stderr).contains("version 1 applied (project created)"));
    let again = t.run(&["contract", "apply", file.to_str().expect("path")]);
    assert!(text(&again.stderr).contains("unchanged"), "{}", text(&again.stderr));

    let preview =
        t.run(&["sla", "preview", "--project", "demo", "--severity", "P3", "--at", "2025-09-30T16:50:00+08:00"]);
    assert!(preview.status.success(), "{}", text(&preview.stderr));
    assert_eq!(text(&preview.stdout), "respond 2025-10-09T09:50:00+08:00\nresolve 2025-10-14T16:50:00+08:00\n");
    let json = t.run(&[
        "sla",
        "preview",
        "--project",
        "demo",
        "--severity",
        "P1",
        "--at",
        "2025-09-30T16:50:00+08:00",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(text(&json.stdout).trim()).expect("json");
    assert_eq!(v, serde_json::json!({"respond": "2025-09-30T17:05:00+08:00", "resolve": "2025-10-01T16:50:00+08:00"}));
    let unknown =
        t.run(&["sla", "preview", "--project", "demo", "--severity", "P9", "--at", "2025-09-30T16:50:00+08:00"]);
    assert!(!unknown.status.success());
    assert!(text(&unknown.stderr).contains("severity"), "{}", text(&unknown.stderr));
    let shown = t.run(&["contract", "show", "demo"]);
    assert_eq!(text(&shown.stdout), SKETCH);
}

#[tokio::test]
async fn calendar_import_adds_a_year_the_deadlines_then_follow() {
    let t = target().await;
    let file = t._dir.path().join("contract.toml");
    std::fs::write(&file, SKETCH.replace("end = \"2026-12-31\"", "end = \"2027-12-31\"")).expect("write");
    assert!(t.run(&["contract", "apply", file.to_str().expect("path")]).status.success());
    let at = "2027-09-30T16:50:00+08:00";
    let before = t.run(&["sla", "preview", "--project", "demo", "--severity", "P3", "--at", at]);
    assert!(before.status.success(), "{}", text(&before.stderr));
    assert!(text(&before.stdout).starts_with("respond 2027-10-01T09:50:00+08:00\n"), "{}", text(&before.stdout));
    assert!(text(&before.stderr).contains("warning: respond crosses [2027]"), "{}", text(&before.stderr));

    let bad = t._dir.path().join("bad.json");
    std::fs::write(&bad, "{\n  \"2027\": {\"holidays\": [\"2027-10-01\",]}\n}\n").expect("write");
    let refused = t.run(&["calendar", "import", bad.to_str().expect("path")]);
    assert!(!refused.status.success());
    assert!(text(&refused.stderr).contains("第 2 行"), "{}", text(&refused.stderr));

    let notice = t._dir.path().join("cn2027.json");
    std::fs::write(
        &notice,
        r#"{"_source": {"2027": "国务院办公厅关于2027年部分节假日安排的通知（测试数据）"},
            "2027": {"holidays": ["2027-10-01", "2027-10-02", "2027-10-03", "2027-10-04", "2027-10-05", "2027-10-06", "2027-10-07"],
                     "workdays": ["2027-09-26", "2027-10-09"]}}"#,
    )
    .expect("write");
    let imported = t.run(&["calendar", "import", notice.to_str().expect("path")]);
    assert!(imported.status.success(), "{}", text(&imported.stderr));
    assert!(text(&imported.stderr).contains("imported 2027: 7 days off, 2 make-up workdays"));
    let after = t.run(&["sla", "preview", "--project", "demo", "--severity", "P3", "--at", at]);
    assert!(text(&after.stdout).starts_with("respond 2027-10-08T09:50:00+08:00\n"), "{}", text(&after.stdout));
    assert!(!text(&after.stderr).contains("warning"), "{}", text(&after.stderr));

    let list = text(&t.run(&["calendar", "list"]).stdout).to_owned();
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 3, "{list}");
    assert!(lines[0].starts_with("2025") && lines[0].contains("shipped"), "{list}");
    assert!(lines[2].starts_with("2027") && lines[2].contains("imported") && lines[2].contains("测试数据"), "{list}");
    let verify = t.run(&["audit", "verify"]);
    assert!(verify.status.success(), "the import is in the audit trail's chain: {}", text(&verify.stderr));
}

/// A GBK-encoded CSV with bad rows: every bad row listed by row and column, nothing imported
/// until `--skip-invalid`; then an XLSX export re-imports with no changes.
#[tokio::test]
async fn cmdb_import_reports_bad_rows_and_an_export_reimports_unchanged() {
    let t = target().await;
    assert!(t.run(&["demo"]).status.success());
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = "名称,类型,状态,IP地址,资产编号,序列号,属性\r\n\
               核心交换机,core_switch,在用,10.1.0.1,ZC-001,SN1,firmware=V200R021\r\n\
               接入交换机 3F,接入交换机,,10.1.0.2,ZC-002,SN2,\r\n\
               ,server,,10.1.0.3,ZC-003,SN3,\r\n\
               HIS 服务器,toaster,,10.1.0.300,ZC-004,SN4,\r\n\
               PACS 服务器,server,,10.1.0.1,ZC-005,SN5,\r\n";
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(csv);
    assert!(!unmappable);
    let file = dir.path().join("资产.csv");
    std::fs::write(&file, &gbk).expect("write csv");
    let f = file.to_string_lossy().into_owned();

    // A dry run that finds bad rows fails as the import would; with --skip-invalid it passes.
    let dry = t.run(&["import", "cmdb", &f, "--project", "demo", "--dry-run"]);
    assert!(!dry.status.success(), "a check with bad rows exits non-zero");
    assert!(text(&dry.stderr).contains("check failed: 3 bad row(s)"), "{}", text(&dry.stderr));
    let dry_skip = t.run(&["import", "cmdb", &f, "--project", "demo", "--dry-run", "--skip-invalid"]);
    assert!(dry_skip.status.success(), "{}", text(&dry_skip.stderr));
    let out = text(&dry.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.last(), Some(&"new 2, changed 0, unchanged 0, invalid 3"), "{out}");
    for want in [
        format!("{f}:4:名称: name:"),
        format!("{f}:5:类型: type:"),
        format!("{f}:5:IP地址: ips[0]:"),
        format!("{f}:6:IP地址:"),
    ] {
        assert!(lines.iter().any(|l| l.starts_with(&want)), "{want} missing from\n{out}");
    }

    let refused = t.run(&["import", "cmdb", &f, "--project", "demo"]);
    assert!(!refused.status.success());
    assert!(text(&refused.stderr).contains("nothing imported"), "{}", text(&refused.stderr));
    let none = t.run(&["export", "cmdb", "--project", "demo", "-o", &dir.path().join("none.csv").to_string_lossy()]);
    assert!(none.status.success(), "{}", text(&none.stderr));
    let exported = std::fs::read_to_string(dir.path().join("none.csv")).expect("csv");
    // The demo hospital's own records; none of the file's.
    let demo = exported.lines().count() - 1;
    assert!(demo > 0 && !exported.contains("ZC-00"), "only the demo's CIs: {exported}");

    let partial = t.run(&["import", "cmdb", &f, "--project", "demo", "--skip-invalid"]);
    assert!(partial.status.success(), "{}", text(&partial.stderr));
    assert!(text(&partial.stdout).ends_with("new 2, changed 0, unchanged 0, invalid 3\n"), "{}", text(&partial.stdout));

    let xlsx = dir.path().join("信息资产统计.xlsx").to_string_lossy().into_owned();
    let export = t.run(&["export", "cmdb", "--project", "demo", "-o", &xlsx]);
    assert!(export.status.success(), "{}", text(&export.stderr));
    let again = t.run(&["import", "cmdb", &xlsx, "--project", "demo", "--dry-run"]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(text(&again.stdout), format!("new 0, changed 0, unchanged {}, invalid 0\n", demo + 2));
    let bad_name = t.run(&["export", "cmdb", "--project", "demo", "-o", "cis.txt"]);
    assert!(!bad_name.status.success());
}

/// `yunwei bench` logs nothing per request unless asked (a line per request would cost the server
/// it measures), and runs the bare-database baseline next to the HTTP phases.
#[tokio::test]
async fn bench_is_quiet_by_default_and_measures_the_bare_database() {
    let t = target().await;
    let out = Command::new(env!("CARGO_BIN_EXE_yunwei"))
        .args(["bench", "--seconds", "1", "--bulk", "0", "--cmdb", "0", "--clients", "4"])
        .args(&t.args)
        .env_remove("YUNWEI_LOG")
        .env_remove("YUNWEI_DATABASE_URL")
        .env_remove("YUNWEI_DATA_DIR")
        .output()
        .expect("run yunwei bench");
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(!stderr.contains(" INFO "), "the bench logged at INFO:\n{stderr}");
    assert!(stdout.contains("RSS idle after start-up"), "{stdout}");
    let bare: Vec<&str> = stdout.lines().filter(|l| l.starts_with("bare ")).collect();
    let expected = if t.is_pg() { 2 } else { 3 };
    assert_eq!(bare.len(), expected, "{stdout}");
    for l in bare {
        assert!(l.ends_with(", 0 errors)") && !l.contains("(0 ok"), "{l}");
    }
    assert_eq!(stdout.matches("of the bare database's").count(), expected, "{stdout}");
}
