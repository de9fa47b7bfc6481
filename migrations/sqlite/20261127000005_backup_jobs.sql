-- Backup jobs a project expects a report from every day by a local time (seed 000 §2.3: 监控备份
-- 服务进程、备份情况). A day without any report of the job by then raises an alert.
-- `checked_until` is the last due time checked, so a missing report alerts once.
-- Keep in step with ../postgres/20261127000005_backup_jobs.sql.
CREATE TABLE backup_jobs (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id     INTEGER NOT NULL REFERENCES projects (id),
    job            TEXT NOT NULL,
    expected_by    TEXT NOT NULL,
    host           TEXT,
    owner_id       INTEGER NOT NULL REFERENCES users (id),
    checked_until  TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    UNIQUE (project_id, job)
);
