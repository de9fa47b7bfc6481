//! Test support: a fresh database per test (SQLite in a temp dir, or a new PostgreSQL schema when
//! `YUNWEI_TEST_DATABASE_URL` is set, dropped afterwards), the router in-process, a manual clock.

mod site;

// Shared by three test binaries, not all of which use each of these.
#[allow(unused_imports)]
pub use site::{SiteBuilder, TestSite, preset};

use std::str::FromStr;
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use chrono::{TimeZone, Utc};
use http_body_util::BodyExt;
use serde_json::Value;
use sqlx::postgres::PgConnectOptions;
use tower::ServiceExt;
use yunwei_app::{App, AuthSettings, Db, ManualClock};
use yunwei_web::{AppState, WebSettings};

/// A fresh, migrated database that is removed when dropped.
pub struct TestDb {
    pub db: Db,
    _dir: Option<tempfile::TempDir>,
    pg_schema: Option<(String, String)>,
}

fn random_suffix() -> String {
    use rand::RngCore;
    let mut b = [0u8; 6];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

impl TestDb {
    pub async fn new() -> TestDb {
        match std::env::var("YUNWEI_TEST_DATABASE_URL").ok().filter(|s| !s.is_empty()) {
            Some(url) => {
                let schema = format!("t_{}", random_suffix());
                let admin = Db::open_postgres_with(PgConnectOptions::from_str(&url).expect("test database url"), 1)
                    .await
                    .expect("connect to the PostgreSQL test server");
                if let Db::Postgres(pool) = &admin {
                    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                        .execute(pool)
                        .await
                        .expect("create schema");
                }
                admin.close().await;
                // The application name lets Drop find this test's connections: a pool dropped
                // with its runtime can leave one idle in a transaction, holding locks.
                let opts = PgConnectOptions::from_str(&url)
                    .expect("url")
                    .application_name(&schema)
                    .options([("search_path", schema.as_str())]);
                let db = Db::open_postgres_with(opts, 8).await.expect("connect");
                db.migrate().await.expect("migrate");
                TestDb { db, _dir: None, pg_schema: Some((url, schema)) }
            }
            None => {
                let dir = tempfile::tempdir().expect("tempdir");
                let db = Db::open_sqlite(dir.path()).await.expect("open sqlite");
                db.migrate().await.expect("migrate");
                TestDb { db, _dir: Some(dir), pg_schema: None }
            }
        }
    }

    /// Runs raw SQL (tests that tamper with the database directly).
    pub async fn raw(&self, sql: &str) {
        match &self.db {
            Db::Sqlite { write, .. } => {
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned())).execute(write).await.expect("raw sql");
            }
            Db::Postgres(pool) => {
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned())).execute(pool).await.expect("raw sql");
            }
        }
    }
}

impl TestDb {
    /// A pool of its own on the same database, as a second `yunwei serve` process would have.
    pub async fn second(&self) -> Db {
        match (&self.pg_schema, &self._dir) {
            (Some((url, schema)), _) => {
                let opts = PgConnectOptions::from_str(url)
                    .expect("url")
                    .application_name(schema)
                    .options([("search_path", schema.as_str())]);
                Db::open_postgres_with(opts, 8).await.expect("connect")
            }
            (None, Some(dir)) => Db::open_sqlite(dir.path()).await.expect("open sqlite"),
            (None, None) => unreachable!("a test database is SQLite or PostgreSQL"),
        }
    }

    /// Runs a query returning one integer.
    pub async fn scalar(&self, sql: &str) -> i64 {
        let q = sqlx::AssertSqlSafe(sql.to_owned());
        match &self.db {
            Db::Sqlite { read, .. } => sqlx::query_scalar(q).fetch_one(read).await.expect("scalar"),
            Db::Postgres(pool) => sqlx::query_scalar(q).fetch_one(pool).await.expect("scalar"),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((url, schema)) = self.pg_schema.take() {
            // Drop needs async work; do it on a thread of its own so any runtime state is fine.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
                rt.block_on(async {
                    if let Ok(Db::Postgres(pool)) =
                        Db::open_postgres_with(PgConnectOptions::from_str(&url).expect("url"), 1).await
                    {
                        let _ = sqlx::query(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
                        )
                        .bind(&schema)
                        .execute(&pool)
                        .await;
                        let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
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

/// The application under test.
pub struct TestApp {
    pub tdb: TestDb,
    pub app: App,
    pub clock: Arc<ManualClock>,
    pub router: Router,
}

/// 2026-03-02 09:00 in Beijing, a Monday.
pub fn start_time() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).single().expect("valid time")
}

impl TestApp {
    /// A site builder: a preset or contract, projects, members with their handles.
    pub fn site() -> SiteBuilder {
        SiteBuilder::default()
    }

    pub async fn new() -> TestApp {
        let tdb = TestDb::new().await;
        let clock = Arc::new(ManualClock::new(start_time()));
        let app = App::new(tdb.db.clone(), clock.clone(), AuthSettings::default());
        let router = yunwei_web::router(AppState { app: app.clone(), web: WebSettings { cookie_secure: false } });
        TestApp { tdb, app, clock, router }
    }

    /// Sends a request through the router in-process.
    pub async fn send(&self, req: Request<Body>) -> Resp {
        let res = self.router.clone().oneshot(req).await.expect("infallible");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        Resp { status, headers, body: String::from_utf8_lossy(&bytes).into_owned(), bytes: bytes.to_vec() }
    }

    /// A JSON API call with an optional bearer token.
    pub async fn api(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Resp {
        self.api_with(method, path, token, body, &[]).await
    }

    /// A JSON API call with extra headers.
    pub async fn api_with(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut b = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let req = match body {
            Some(v) => {
                b.header(header::CONTENT_TYPE, "application/json").body(Body::from(v.to_string())).expect("request")
            }
            None => b.body(Body::empty()).expect("request"),
        };
        self.send(req).await
    }

    /// A browser request: session cookie, optional urlencoded form.
    pub async fn page(&self, method: Method, path: &str, session: Option<&str>, form: Option<&[(&str, &str)]>) -> Resp {
        let mut b = Request::builder().method(method).uri(path);
        if let Some(s) = session {
            b = b.header(header::COOKIE, format!("yunwei_session={s}"));
        }
        let req = match form {
            Some(fields) => {
                let body = fields.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&");
                b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(body))
                    .expect("request")
            }
            None => b.body(Body::empty()).expect("request"),
        };
        self.send(req).await
    }

    /// A raw upload to the API: the body is the file, with its content type.
    pub async fn upload(&self, path: &str, token: Option<&str>, content_type: &str, data: Vec<u8>) -> Resp {
        let mut b = Request::builder().method(Method::POST).uri(path).header(header::CONTENT_TYPE, content_type);
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        self.send(b.body(Body::from(data)).expect("request")).await
    }

    /// A browser's multipart form post with one file field `file`.
    pub async fn multipart(
        &self,
        path: &str,
        session: Option<&str>,
        csrf: &str,
        (name, content_type, data): (&str, &str, &[u8]),
    ) -> Resp {
        let boundary = "----yunwei-test-boundary";
        let mut body = Vec::new();
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{csrf}\r\n").as_bytes(),
        );
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(data);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let mut b = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"));
        if let Some(s) = session {
            b = b.header(header::COOKIE, format!("yunwei_session={s}"));
        }
        self.send(b.body(Body::from(body)).expect("request")).await
    }

    /// Creates a user directly (no audit entry, pre-computed password hash: fast fixtures).
    pub async fn user(&self, username: &str, is_admin: bool) -> i64 {
        yunwei_app::testing::insert_user(&self.app, username, is_admin, password_hash()).await.expect("insert user")
    }

    /// The id of user `username`.
    pub async fn user_id(&self, username: &str) -> i64 {
        yunwei_app::testing::user_id(&self.app, username)
            .await
            .expect("db")
            .unwrap_or_else(|| panic!("user {username}"))
    }

    /// Creates a project through the use case (as the system).
    pub async fn project(&self, code: &str) {
        yunwei_app::project::create(
            &self.app,
            None,
            yunwei_app::project::NewProjectInput {
                code,
                name: &format!("{code} 医院运维项目"),
                hospital: None,
                vendor: None,
                timezone: None,
            },
        )
        .await
        .expect("create project");
    }

    pub async fn grant(&self, code: &str, username: &str, role: &str) {
        yunwei_app::project::grant(&self.app, None, code, username, role).await.expect("grant");
    }

    /// An API token for `username`.
    pub async fn token(&self, username: &str) -> String {
        yunwei_app::identity::create_token(&self.app, None, username, "test").await.expect("token").token
    }

    /// A session for `user_id` without going through the password: returns (token, csrf).
    pub async fn session(&self, user_id: i64) -> (String, String) {
        let token = format!("yws_test{}", random_suffix());
        let csrf = format!("csrf{}", random_suffix());
        let expires = self.app.now() + chrono::Duration::hours(8);
        yunwei_app::testing::insert_session(&self.app, &token, user_id, &csrf, expires).await.expect("session");
        (token, csrf)
    }

    /// A session of user `username`: (token, csrf).
    pub async fn session_of(&self, username: &str) -> (String, String) {
        self.session(self.user_id(username).await).await
    }

    /// The stored project `code`.
    pub async fn stored_project(&self, code: &str) -> yunwei_app::project::ProjectRow {
        yunwei_app::testing::project(&self.app, code).await.expect("db").unwrap_or_else(|| panic!("project {code}"))
    }
}

/// The example contract of `contracts/` (project code `demo`).
pub const EXAMPLE_CONTRACT: &str = include_str!("../../../../../contracts/example.toml");

/// Password of every fixture user.
pub const PASSWORD: &str = "correct horse battery";

/// Argon2id hash of [`PASSWORD`], computed once per test binary.
pub fn password_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| {
        use argon2::password_hash::PasswordHasher;
        argon2::Argon2::default().hash_password(PASSWORD.as_bytes()).expect("hash").to_string()
    })
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A response, body as text.
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    /// The raw body (downloads).
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The value of a `Set-Cookie` for `name`.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|c| {
            let (kv, _) = c.split_once(';').unwrap_or((c, ""));
            let (k, v) = kv.split_once('=')?;
            (k == name).then(|| v.to_owned())
        })
    }
}
