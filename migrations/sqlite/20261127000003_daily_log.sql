-- The daily operation log (维护项目运行表, seed 004 附件1): one row per project and day, signed
-- in by the resident engineer and signed off by the hospital's IT department.
-- Keep in step with ../postgres/20261127000003_daily_log.sql.
CREATE TABLE daily_logs (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id          INTEGER NOT NULL REFERENCES projects (id),
    day                 TEXT NOT NULL,
    engineer_id         INTEGER NOT NULL REFERENCES users (id),
    engineer_name       TEXT NOT NULL,
    signed_in_at        TEXT NOT NULL,
    server_state        TEXT NOT NULL,
    system_state        TEXT NOT NULL,
    notes               TEXT NOT NULL,
    hospital_id         INTEGER REFERENCES users (id),
    hospital_name       TEXT,
    hospital_signed_at  TEXT,
    updated_at          TEXT NOT NULL,
    version             INTEGER NOT NULL,
    UNIQUE (project_id, day)
);
