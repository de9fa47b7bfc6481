-- Inspections: a project's own templates (copied from the built-ins and edited, every version
-- kept), executions with the exact template they were filled in against, and their answers.
-- Keep in step with ../postgres/20261127000001_inspections.sql.
CREATE TABLE inspection_templates (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id  INTEGER NOT NULL REFERENCES projects (id),
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    based_on    TEXT,
    document    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (project_id, code)
);

CREATE TABLE inspection_template_versions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    template_id  INTEGER NOT NULL REFERENCES inspection_templates (id),
    project_id   INTEGER NOT NULL REFERENCES projects (id),
    version      INTEGER NOT NULL,
    document     TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    UNIQUE (template_id, version)
);

CREATE TABLE inspection_executions (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id           INTEGER NOT NULL REFERENCES projects (id),
    number               TEXT NOT NULL,
    contract_version_id  INTEGER NOT NULL REFERENCES contract_versions (id),
    template_code        TEXT NOT NULL,
    template_version     INTEGER NOT NULL,
    template             TEXT NOT NULL,
    ci_id                INTEGER REFERENCES cis (id),
    ci_name              TEXT,
    kind                 TEXT NOT NULL,
    status               TEXT NOT NULL,
    planned_for          TEXT NOT NULL,
    started_at           TEXT,
    completed_at         TEXT,
    engineer_id          INTEGER REFERENCES users (id),
    engineer_name        TEXT,
    hospital_id          INTEGER REFERENCES users (id),
    hospital_name        TEXT,
    hospital_signed_at   TEXT,
    hospital_note        TEXT,
    report_due           TEXT,
    report_issued_at     TEXT,
    report               TEXT NOT NULL,
    created_at           TEXT NOT NULL,
    created_by           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    version              INTEGER NOT NULL,
    UNIQUE (project_id, number)
);
CREATE INDEX inspection_executions_by_project ON inspection_executions (project_id, planned_for, id);
CREATE INDEX inspection_executions_by_ci ON inspection_executions (ci_id);

CREATE TABLE inspection_results (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    execution_id  INTEGER NOT NULL REFERENCES inspection_executions (id),
    project_id    INTEGER NOT NULL REFERENCES projects (id),
    item_key      TEXT NOT NULL,
    verdict       TEXT NOT NULL,
    number        REAL,
    text          TEXT,
    note          TEXT NOT NULL,
    recorded_at   TEXT NOT NULL,
    saved_at      TEXT NOT NULL,
    actor_id      INTEGER REFERENCES users (id),
    actor         TEXT NOT NULL,
    incident_id   INTEGER REFERENCES incidents (id),
    UNIQUE (execution_id, item_key)
);
CREATE INDEX inspection_results_by_incident ON inspection_results (incident_id) WHERE incident_id IS NOT NULL;

CREATE TABLE inspection_counters (
    project_id  INTEGER NOT NULL REFERENCES projects (id),
    year        INTEGER NOT NULL,
    last        INTEGER NOT NULL,
    PRIMARY KEY (project_id, year)
);
