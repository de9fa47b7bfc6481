//! Reliability, proven on the real binary (issue 17, docs/reliability.md): SIGKILL under load,
//! backup and restore under load, the disk running full. On SQLite, and on a fresh PostgreSQL
//! database when `YUNWEI_TEST_DATABASE_URL` is set.

mod backup;
mod crash;
mod disk_full;
mod support;
mod two_instances;
