//! Migration parity: SQLite and PostgreSQL must end with the same tables and columns.

use std::collections::BTreeMap;
use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;
use yunwei_store::Db;

/// table → column → (type family, not null)
type Schema = BTreeMap<String, BTreeMap<String, (String, bool)>>;

fn family(t: &str) -> String {
    match t.to_ascii_lowercase().as_str() {
        "integer" | "bigint" => "integer",
        "boolean" => "boolean",
        "real" | "double precision" => "real",
        // SQLite stores instants as RFC 3339 text; PostgreSQL as timestamptz.
        "text" | "timestamp with time zone" => "text",
        "blob" | "bytea" => "bytes",
        other => other,
    }
    .to_owned()
}

async fn sqlite_schema(db: &Db) -> Schema {
    let Db::Sqlite { read, .. } = db else { unreachable!() };
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
    )
    .fetch_all(read)
    .await
    .expect("tables");
    let mut out = Schema::new();
    for (t,) in tables {
        let cols: Vec<(i64, String, String, i64, Option<String>, i64)> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("PRAGMA table_info({t})")))
                .fetch_all(read)
                .await
                .expect("columns");
        let m = out.entry(t).or_default();
        for (_, name, ty, notnull, _, pk) in cols {
            m.insert(name, (family(&ty), notnull == 1 || pk == 1));
        }
    }
    out
}

async fn pg_schema(db: &Db, schema: &str) -> Schema {
    let Db::Postgres(pool) = db else { unreachable!() };
    let cols: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text FROM information_schema.columns \
         WHERE table_schema = $1 AND table_name <> '_sqlx_migrations'",
    )
    .bind(schema)
    .fetch_all(pool)
    .await
    .expect("columns");
    let mut out = Schema::new();
    for (t, c, ty, nullable) in cols {
        out.entry(t).or_default().insert(c, (family(&ty), nullable == "NO"));
    }
    out
}

#[test]
fn both_backends_have_the_same_migration_versions() {
    let names = |dir: &str| {
        let mut v: Vec<String> = std::fs::read_dir(format!("{}/../../migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
            .expect("migrations dir")
            .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
            .filter(|n| n.ends_with(".sql"))
            .collect();
        v.sort();
        v
    };
    let (s, p) = (names("sqlite"), names("postgres"));
    assert!(!s.is_empty());
    assert_eq!(s, p, "every migration needs a file of the same name for both backends");
}

#[tokio::test]
async fn sqlite_and_postgres_end_with_the_same_tables_and_columns() {
    let Some(url) = std::env::var("YUNWEI_TEST_DATABASE_URL").ok().filter(|s| !s.is_empty()) else {
        eprintln!("YUNWEI_TEST_DATABASE_URL not set: the PostgreSQL half of the parity test runs in CI");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let lite = Db::open_sqlite(dir.path()).await.expect("sqlite");
    lite.migrate().await.expect("migrate sqlite");

    let schema = format!("parity_{}", std::process::id());
    let admin = Db::open_postgres(&url).await.expect("pg");
    let Db::Postgres(pool) = &admin else { unreachable!() };
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {schema} CASCADE; ")))
        .execute(pool)
        .await
        .expect("drop");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}"))).execute(pool).await.expect("create");
    let pg = Db::open_postgres_with(
        PgConnectOptions::from_str(&url).expect("url").options([("search_path", schema.as_str())]),
        2,
    )
    .await
    .expect("pg schema");
    pg.migrate().await.expect("migrate pg");

    let (mut a, mut b) = (sqlite_schema(&lite).await, pg_schema(&pg, &schema).await);
    // The one intended difference: each backend's own index of incident text (crates/store/src/search.rs):
    // an FTS5 table with its shadow tables on SQLite, a column of bigrams on PostgreSQL.
    let fts: Vec<String> = a.keys().filter(|t| t.starts_with("incident_text")).cloned().collect();
    assert!(fts.contains(&"incident_text".to_owned()), "{fts:?}");
    for t in fts {
        a.remove(&t);
    }
    assert!(b.get_mut("incidents").and_then(|c| c.remove("search_grams")).is_some(), "search_grams");
    pg.close().await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE"))).execute(pool).await.expect("drop");
    assert!(a.contains_key("audit_log") && a.contains_key("users"), "{a:?}");
    assert_eq!(a, b);
}
