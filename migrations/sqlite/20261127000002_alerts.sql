-- Monitoring intake: every alert received (one row per occurrence; resends of a firing alert
-- count on its row), and every backup report. `state` is `pending` until the alert's effect
-- (an incident opened, a work-log entry) is written, so an alert accepted just before a crash is
-- still acted on after the restart.
-- Keep in step with ../postgres/20261127000002_alerts.sql.
CREATE TABLE alerts (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id        INTEGER NOT NULL REFERENCES projects (id),
    source            TEXT NOT NULL,
    fingerprint       TEXT NOT NULL,
    status            TEXT NOT NULL,
    starts_at         TEXT NOT NULL,
    ends_at           TEXT,
    labels            TEXT NOT NULL,
    annotations       TEXT NOT NULL,
    title             TEXT NOT NULL,
    description       TEXT NOT NULL,
    host              TEXT,
    link              TEXT,
    received_at       TEXT NOT NULL,
    last_received_at  TEXT NOT NULL,
    receive_count     INTEGER NOT NULL,
    received_by       INTEGER NOT NULL REFERENCES users (id),
    state             TEXT NOT NULL,
    severity          TEXT,
    ci_id             INTEGER REFERENCES cis (id),
    incident_id       INTEGER REFERENCES incidents (id),
    note              TEXT
);
CREATE INDEX alerts_by_fingerprint ON alerts (project_id, source, fingerprint, id);
CREATE INDEX alerts_by_project ON alerts (project_id, id);
CREATE INDEX alerts_pending ON alerts (state, id) WHERE state = 'pending';
CREATE INDEX alerts_by_incident ON alerts (incident_id) WHERE incident_id IS NOT NULL;

CREATE TABLE backup_reports (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id   INTEGER NOT NULL REFERENCES projects (id),
    job          TEXT NOT NULL,
    success      BOOLEAN NOT NULL,
    started_at   TEXT NOT NULL,
    ended_at     TEXT NOT NULL,
    size_bytes   INTEGER,
    error        TEXT,
    host         TEXT,
    received_at  TEXT NOT NULL,
    alert_id     INTEGER REFERENCES alerts (id)
);
CREATE INDEX backup_reports_by_job ON backup_reports (project_id, job, id);
