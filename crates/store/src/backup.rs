//! Online backup of the embedded database: `VACUUM INTO` on a reader copies one consistent
//! snapshot (the read transaction it runs in) into a new file while the writer carries on.
//! Attachments and photos live in the database, so the copy holds them too. PostgreSQL is backed
//! up with its own tools (`pg_dump`), not by yunwei.

use std::path::Path;

use crate::{Db, StoreError};

/// Copies the database into `dest` (which must not exist) as of one moment. SQLite only.
pub async fn vacuum_into(db: &Db, dest: &Path) -> Result<(), StoreError> {
    let Db::Sqlite { read, .. } = db else {
        return Err(StoreError::Config(
            "yunwei backs up its embedded SQLite database only; back up PostgreSQL with pg_dump (docs/reliability.md)"
                .into(),
        ));
    };
    let dest = dest
        .to_str()
        .ok_or_else(|| StoreError::Config(format!("backup path is not valid UTF-8: {}", dest.display())))?;
    sqlx::query("VACUUM INTO ?").bind(dest).execute(read).await?;
    Ok(())
}

/// What `PRAGMA integrity_check` says of the SQLite file at `path`: `Ok(())` when it is a
/// database and intact, else the reasons.
pub async fn check_file(path: &Path) -> Result<Result<(), String>, StoreError> {
    use sqlx::sqlite::SqliteConnectOptions;
    use sqlx::{ConnectOptions, Connection};
    let mut conn = match SqliteConnectOptions::new().filename(path).read_only(true).connect().await {
        Ok(c) => c,
        Err(e) => return Ok(Err(format!("not a database file: {e}"))),
    };
    let rows: Result<Vec<(String,)>, _> = sqlx::query_as("PRAGMA integrity_check").fetch_all(&mut conn).await;
    conn.close().await.ok();
    Ok(match rows {
        Ok(r) if r.len() == 1 && r[0].0 == "ok" => Ok(()),
        Ok(r) => Err(r.into_iter().map(|(s,)| s).collect::<Vec<_>>().join("; ")),
        Err(e) => Err(format!("not a database file: {e}")),
    })
}

/// Moves everything of the database in `data_dir` into the single file `yunwei.db` (the WAL is
/// checkpointed and truncated), so the file alone is the whole database. SQLite only.
pub async fn checkpoint(db: &Db) -> Result<(), StoreError> {
    if let Db::Sqlite { write, .. } = db {
        sqlx::raw_sql("PRAGMA wal_checkpoint(TRUNCATE)").execute(write).await?;
    }
    Ok(())
}
