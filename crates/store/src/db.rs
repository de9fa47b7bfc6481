//! One data layer over two backends. Queries are built once with sea-query and rendered for the
//! backend in use; rows decode into the same structs on both (`#[derive(sqlx::FromRow)]`).
//!
//! SQLite runs in WAL mode with one writer connection, so writers queue in-process instead of
//! failing with `SQLITE_BUSY`, committing in groups ([`crate::writer`]), and a separate read pool.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};
use sea_query_sqlx::SqlxBinder;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, FromRow, Postgres, Transaction};

use crate::StoreError;
use crate::writer::{Writer, WriterTx};

/// Which database engine is behind a [`Db`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite (default).
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// A row type that decodes from both backends.
pub trait DbRow: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}
impl<T> DbRow for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}

/// Connection pools of either backend. Cheap to clone.
#[derive(Clone, Debug)]
pub enum Db {
    /// SQLite: a read pool and a single-connection write pool.
    Sqlite {
        /// Readers.
        read: SqlitePool,
        /// The one writer's connection (migrations take it directly).
        write: SqlitePool,
        /// Transactions on `write`, committed in groups.
        writer: Arc<Writer>,
    },
    /// PostgreSQL.
    Postgres(PgPool),
}

/// A transaction of either backend. Dropped without [`Tx::commit`], it rolls back.
pub enum Tx {
    /// SQLite transaction on the one writer (see [`crate::writer`]).
    Sqlite(WriterTx),
    /// PostgreSQL transaction.
    Postgres(Transaction<'static, Postgres>),
}

macro_rules! dispatch {
    ($stmt:expr, sqlite => $sq:expr, postgres => $pg:expr, |$sql:ident, $vals:ident, $conn:ident| $body:expr) => {{
        match ($sq, $pg) {
            (Some($conn), _) => {
                let ($sql, $vals) = $stmt.build_sqlx(SqliteQueryBuilder);
                let $sql = AssertSqlSafe($sql);
                $body
            }
            (_, Some($conn)) => {
                let ($sql, $vals) = $stmt.build_sqlx(PostgresQueryBuilder);
                let $sql = AssertSqlSafe($sql);
                $body
            }
            (None, None) => unreachable!("one backend is always present"),
        }
    }};
}

impl Db {
    /// Opens (creating if needed) the SQLite database `yunwei.db` in `data_dir`.
    pub async fn open_sqlite(data_dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| StoreError::Config(format!("cannot create data directory {}: {e}", data_dir.display())))?;
        let opts = SqliteConnectOptions::new()
            .filename(data_dir.join("yunwei.db"))
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a committed transaction survives a power cut, not only a process crash.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let write = SqlitePoolOptions::new().max_connections(1).connect_with(opts.clone()).await?;
        let read = SqlitePoolOptions::new().max_connections(8).connect_with(opts.read_only(true)).await?;
        Ok(Db::Sqlite { read, writer: Writer::new(write.clone()), write })
    }

    /// Connects to PostgreSQL at `url`.
    pub async fn open_postgres(url: &str) -> Result<Self, StoreError> {
        let opts =
            PgConnectOptions::from_str(url).map_err(|e| StoreError::Config(format!("invalid database URL: {e}")))?;
        Self::open_postgres_with(opts, 16).await
    }

    /// Connects to PostgreSQL with prepared options (tests set `search_path`).
    pub async fn open_postgres_with(opts: PgConnectOptions, max_connections: u32) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await?;
        Ok(Db::Postgres(pool))
    }

    /// Opens the database a URL or data directory names: `postgres://…` is PostgreSQL,
    /// anything else means SQLite in `data_dir`.
    pub async fn open(database_url: Option<&str>, data_dir: &Path) -> Result<Self, StoreError> {
        match database_url {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Self::open_postgres(url).await
            }
            Some(url) if url.starts_with("sqlite:") => {
                let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
                Self::open_sqlite(Path::new(path)).await
            }
            Some(url) => Err(StoreError::Config(format!(
                "unsupported database URL scheme in {:?}: use postgres://… or leave it unset for SQLite",
                url.split(':').next().unwrap_or_default()
            ))),
            None => Self::open_sqlite(data_dir).await,
        }
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite { .. } => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Turns SQLite's group commit off (one `COMMIT` per transaction) or on; nothing on
    /// PostgreSQL. Only the load benchmark's bare-database baseline turns it off.
    pub fn set_group_commit(&self, on: bool) {
        if let Db::Sqlite { writer, .. } = self {
            writer.set_grouping(on);
        }
    }

    /// SQLite's group `COMMIT`s so far (`None` on PostgreSQL): the load benchmark reports
    /// transactions per commit.
    pub fn group_commits(&self) -> Option<u64> {
        match self {
            Db::Sqlite { writer, .. } => Some(writer.commits()),
            Db::Postgres(_) => None,
        }
    }

    /// Applies pending migrations (idempotent; PostgreSQL takes an advisory lock so several
    /// instances starting together migrate once).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Db::Sqlite { write, .. } => sqlx::migrate!("../../migrations/sqlite").run(write).await?,
            Db::Postgres(pool) => sqlx::migrate!("../../migrations/postgres").run(pool).await?,
        }
        // Data a migration cannot compute in SQL.
        crate::incident::index_unindexed_text(self).await?;
        Ok(())
    }

    /// Begins a write transaction.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            Db::Sqlite { writer, .. } => Tx::Sqlite(writer.begin().await?),
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Checks that the database answers (for `/healthz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        match self {
            Db::Sqlite { read, .. } => {
                sqlx::query("SELECT 1").execute(read).await?;
            }
            Db::Postgres(pool) => {
                sqlx::query("SELECT 1").execute(pool).await?;
            }
        }
        Ok(())
    }

    /// Refreshes the query planner's statistics (`ANALYZE`). PostgreSQL's autovacuum does this on
    /// its own schedule; after a bulk load (the benchmark's million incidents) it has not yet.
    pub async fn analyze(&self) -> Result<(), StoreError> {
        match self {
            Db::Sqlite { write, .. } => {
                sqlx::raw_sql("ANALYZE").execute(write).await?;
            }
            Db::Postgres(pool) => {
                sqlx::raw_sql("ANALYZE").execute(pool).await?;
            }
        }
        Ok(())
    }

    /// Closes all connections (graceful shutdown).
    pub async fn close(&self) {
        match self {
            Db::Sqlite { read, write, .. } => {
                read.close().await;
                write.close().await;
            }
            Db::Postgres(pool) => pool.close().await,
        }
    }

    fn parts(&self) -> (Option<&SqlitePool>, Option<&PgPool>) {
        match self {
            Db::Sqlite { read, .. } => (Some(read), None),
            Db::Postgres(p) => (None, Some(p)),
        }
    }

    /// Runs a read query and decodes every row.
    pub async fn fetch_all<T: DbRow, S: SqlxBinder>(&self, stmt: &S) -> Result<Vec<T>, StoreError> {
        let (sq, pg) = self.parts();
        dispatch!(stmt, sqlite => sq, postgres => pg, |sql, vals, c| {
            Ok(sqlx::query_as_with(sql, vals).fetch_all(c).await?)
        })
    }

    /// Runs a read query and decodes the first row, if any.
    pub async fn fetch_optional<T: DbRow, S: SqlxBinder>(&self, stmt: &S) -> Result<Option<T>, StoreError> {
        let (sq, pg) = self.parts();
        dispatch!(stmt, sqlite => sq, postgres => pg, |sql, vals, c| {
            Ok(sqlx::query_as_with(sql, vals).fetch_optional(c).await?)
        })
    }
}

impl Tx {
    fn parts(&mut self) -> (Option<&mut sqlx::SqliteConnection>, Option<&mut sqlx::PgConnection>) {
        match self {
            Tx::Sqlite(t) => (t.conn(), None),
            Tx::Postgres(t) => (None, Some(&mut **t)),
        }
    }

    /// The backend of this transaction.
    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs a statement; returns the number of rows affected.
    pub async fn execute<S: SqlxBinder>(&mut self, stmt: &S) -> Result<u64, StoreError> {
        let (sq, pg) = self.parts();
        dispatch!(stmt, sqlite => sq, postgres => pg, |sql, vals, c| {
            Ok(sqlx::query_with(sql, vals).execute(c).await?.rows_affected())
        })
    }

    /// Runs a query and decodes every row.
    pub async fn fetch_all<T: DbRow, S: SqlxBinder>(&mut self, stmt: &S) -> Result<Vec<T>, StoreError> {
        let (sq, pg) = self.parts();
        dispatch!(stmt, sqlite => sq, postgres => pg, |sql, vals, c| {
            Ok(sqlx::query_as_with(sql, vals).fetch_all(c).await?)
        })
    }

    /// Runs a query and decodes the first row, if any.
    pub async fn fetch_optional<T: DbRow, S: SqlxBinder>(&mut self, stmt: &S) -> Result<Option<T>, StoreError> {
        let (sq, pg) = self.parts();
        dispatch!(stmt, sqlite => sq, postgres => pg, |sql, vals, c| {
            Ok(sqlx::query_as_with(sql, vals).fetch_optional(c).await?)
        })
    }

    /// Runs a query that must return exactly one row (an `INSERT … RETURNING id`).
    pub async fn fetch_one<T: DbRow, S: SqlxBinder>(&mut self, stmt: &S) -> Result<T, StoreError> {
        let (sq, pg) = self.parts();
        dispatch!(stmt, sqlite => sq, postgres => pg, |sql, vals, c| {
            Ok(sqlx::query_as_with(sql, vals).fetch_one(c).await?)
        })
    }

    /// Commits; only then is the use case's work (and its audit entry) durable.
    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}
