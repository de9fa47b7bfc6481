-- Service desk: incidents (CASE), their events, and the per-project yearly number counter.
-- Keep in step with ../postgres/20261122000003_incidents.sql.
CREATE TABLE incidents (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id           INTEGER NOT NULL REFERENCES projects (id),
    number               TEXT NOT NULL,
    contract_version_id  INTEGER NOT NULL REFERENCES contract_versions (id),
    title                TEXT NOT NULL,
    description          TEXT NOT NULL,
    channel              TEXT NOT NULL,
    severity             TEXT NOT NULL,
    status               TEXT NOT NULL,
    scope                TEXT NOT NULL,
    department           TEXT,
    category             TEXT,
    ci                   TEXT NOT NULL,
    reporter_id          INTEGER REFERENCES users (id),
    reporter_name        TEXT,
    assignee_id          INTEGER REFERENCES users (id),
    assignee_name        TEXT,
    support_line         TEXT NOT NULL,
    reported_at          TEXT NOT NULL,
    breach_at            TEXT,
    sla                  TEXT NOT NULL,
    created_at           TEXT NOT NULL,
    created_by           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    version              INTEGER NOT NULL,
    UNIQUE (project_id, number)
);
CREATE INDEX incidents_by_project ON incidents (project_id, id);
CREATE INDEX incidents_by_reported ON incidents (project_id, reported_at);
CREATE INDEX incidents_by_status ON incidents (project_id, status);
CREATE INDEX incidents_by_breach ON incidents (project_id, breach_at);

CREATE TABLE incident_events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id  INTEGER NOT NULL REFERENCES incidents (id),
    project_id   INTEGER NOT NULL REFERENCES projects (id),
    kind         TEXT NOT NULL,
    at           TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    actor_id     INTEGER REFERENCES users (id),
    actor        TEXT NOT NULL,
    note         TEXT NOT NULL,
    data         TEXT NOT NULL
);
CREATE INDEX incident_events_by_incident ON incident_events (incident_id, id);

CREATE TABLE incident_counters (
    project_id  INTEGER NOT NULL REFERENCES projects (id),
    year        INTEGER NOT NULL,
    last        INTEGER NOT NULL,
    PRIMARY KEY (project_id, year)
);
