//! Backup and restore of the embedded database (`yunwei backup`, `yunwei restore`, and the
//! scheduled backup of `serve`).
//!
//! A backup is one SQLite file: a consistent snapshot taken while the server keeps writing
//! (`VACUUM INTO` on a reader), attachments and photos included (they live in the database). It
//! is written beside its destination under a temporary name, checked, flushed to disk and only
//! then renamed, so a file with the backup's name is always whole. A restore goes the same way
//! into an empty data directory: copied, checked, migrated, its audit trail verified, then put
//! in place. PostgreSQL is backed up with `pg_dump` (docs/reliability.md).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use yunwei_store::{Db, backup as store};

use crate::audit_trail::{self, VerifyReport};
use crate::worker::Worker;
use crate::{App, AppError, AuthSettings, SystemClock};

/// The database file's name inside a data directory.
pub const DB_FILE: &str = "yunwei.db";

/// A finished backup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backup {
    pub path: PathBuf,
    pub bytes: u64,
}

/// Copies the database into `dest`, which must not exist yet.
pub async fn create(db: &Db, dest: &Path) -> Result<Backup, AppError> {
    if dest.exists() {
        return Err(conflict("output", format!("{} exists already; choose a new file name", dest.display())));
    }
    let partial = partial_of(dest);
    remove_if_present(&partial)?;
    let result = async {
        store::vacuum_into(db, &partial).await.map_err(|e| match e {
            yunwei_store::StoreError::Config(m) => conflict("database", m),
            other => other.into(),
        })?;
        ensure_intact(&partial).await?;
        sync_file(&partial)?;
        std::fs::rename(&partial, dest).map_err(|e| io("renaming the backup into place", dest, e))?;
        sync_dir(dest)?;
        let bytes = std::fs::metadata(dest).map_err(|e| io("reading", dest, e))?.len();
        Ok(Backup { path: dest.to_owned(), bytes })
    }
    .await;
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

/// A finished restore.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    pub path: PathBuf,
    pub audit: VerifyReport,
}

/// Restores the backup `src` into `data_dir`, which must hold no database yet. The copy is
/// checked, migrated to this version's schema and its audit trail verified before it takes the
/// database's name; a restore that fails leaves the data directory as it was.
pub async fn restore(src: &Path, data_dir: &Path) -> Result<Restored, AppError> {
    let dest = data_dir.join(DB_FILE);
    if dest.exists() {
        return Err(conflict(
            "data_dir",
            format!("{} holds a database already; restore into an empty data directory", data_dir.display()),
        ));
    }
    if !src.is_file() {
        return Err(conflict("backup", format!("{} is not a file", src.display())));
    }
    ensure_intact(src).await?;
    std::fs::create_dir_all(data_dir).map_err(|e| io("creating", data_dir, e))?;
    let staging = data_dir.join(".restore");
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(|e| io("removing an earlier restore's leftovers in", &staging, e))?;
    }
    let result = async {
        std::fs::create_dir_all(&staging).map_err(|e| io("creating", &staging, e))?;
        let copy = staging.join(DB_FILE);
        std::fs::copy(src, &copy).map_err(|e| io("copying the backup to", &copy, e))?;
        let db = Db::open_sqlite(&staging).await?;
        let checked = async {
            db.migrate().await?;
            let app = App::new(db.clone(), Arc::new(SystemClock), AuthSettings::default());
            let audit = audit_trail::verify_all(&app, |_| {})
                .await?
                .map_err(|b| conflict("backup", format!("the audit trail in the backup is broken: {b}")))?;
            store::checkpoint(&db).await?;
            Ok::<_, AppError>(audit)
        }
        .await;
        db.close().await;
        let audit = checked?;
        sync_file(&copy)?;
        std::fs::rename(&copy, &dest).map_err(|e| io("moving the restored database to", &dest, e))?;
        sync_dir(&dest)?;
        Ok(Restored { path: dest.clone(), audit })
    }
    .await;
    let _ = std::fs::remove_dir_all(&staging);
    result
}

/// The scheduled backup of `serve`: a copy every `every` into `dir`, keeping the newest `keep`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub dir: PathBuf,
    pub every: Duration,
    pub keep: usize,
}

/// The recurring job of the scheduled backup.
pub const SCHEDULED: &str = "backup.scheduled";

/// The worker with the scheduled backup as a recurring job.
pub fn schedule(w: Worker, s: Schedule) -> Worker {
    let s = Arc::new(s);
    w.every(SCHEDULED, s.every, move |app| {
        let s = s.clone();
        async move { scheduled(&app, &s).await.map(drop) }
    })
}

/// One scheduled backup: a new file named by the time, then the oldest beyond `keep` deleted.
/// Returns the new backup and the files deleted.
pub async fn scheduled(app: &App, s: &Schedule) -> Result<(Backup, Vec<PathBuf>), AppError> {
    std::fs::create_dir_all(&s.dir).map_err(|e| io("creating", &s.dir, e))?;
    let backup = create(&app.db, &s.dir.join(file_name(app.now()))).await?;
    let mut ours: Vec<PathBuf> = std::fs::read_dir(&s.dir)
        .map_err(|e| io("listing", &s.dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(is_scheduled_name))
        .collect();
    ours.sort();
    let excess = ours.len().saturating_sub(s.keep.max(1));
    let mut removed = Vec::new();
    for old in ours.into_iter().take(excess) {
        std::fs::remove_file(&old).map_err(|e| io("deleting the old backup", &old, e))?;
        removed.push(old);
    }
    tracing::info!(file = %backup.path.display(), bytes = backup.bytes, removed = removed.len(), "scheduled backup written");
    Ok((backup, removed))
}

const PREFIX: &str = "yunwei-backup-";
const SUFFIX: &str = ".db";

/// `yunwei-backup-20261204T031500Z.db`: sorts by time.
pub fn file_name(at: DateTime<Utc>) -> String {
    format!("{PREFIX}{}{SUFFIX}", at.format("%Y%m%dT%H%M%SZ"))
}

fn is_scheduled_name(name: &str) -> bool {
    name.strip_prefix(PREFIX)
        .and_then(|r| r.strip_suffix(SUFFIX))
        .is_some_and(|stamp| chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%M%SZ").is_ok())
}

async fn ensure_intact(path: &Path) -> Result<(), AppError> {
    store::check_file(path)
        .await?
        .map_err(|why| conflict("backup", format!("{} is not an intact yunwei database: {why}", path.display())))
}

/// Where [`create`] writes the copy of `dest` before it is whole (`FILE.partial`).
pub fn partial_of(dest: &Path) -> PathBuf {
    let mut s = dest.as_os_str().to_owned();
    s.push(".partial");
    PathBuf::from(s)
}

fn remove_if_present(path: &Path) -> Result<(), AppError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io("removing", path, e)),
    }
}

fn sync_file(path: &Path) -> Result<(), AppError> {
    std::fs::File::open(path).and_then(|f| f.sync_all()).map_err(|e| io("flushing", path, e))
}

/// Flushes the directory entry of `path` (the rename) to disk.
fn sync_dir(path: &Path) -> Result<(), AppError> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::File::open(dir).and_then(|f| f.sync_all()).map_err(|e| io("flushing", dir, e))
}

fn conflict(field: &str, reason: String) -> AppError {
    AppError::Conflict { field: field.into(), reason }
}

fn io(what: &str, path: &Path, e: std::io::Error) -> AppError {
    AppError::Internal(format!("{what} {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn scheduled_names_sort_by_time_and_only_ours_are_pruned() {
        let a = file_name(Utc.with_ymd_and_hms(2026, 12, 4, 3, 15, 0).unwrap());
        let b = file_name(Utc.with_ymd_and_hms(2026, 12, 4, 15, 0, 9).unwrap());
        assert_eq!(a, "yunwei-backup-20261204T031500Z.db");
        assert!(a < b);
        assert!(is_scheduled_name(&a));
        assert!(!is_scheduled_name("yunwei-backup-20261204T031500Z.db.partial"));
        assert!(!is_scheduled_name("yunwei-backup-monthly.db"));
        assert!(!is_scheduled_name("notes.db"));
    }
}
