-- Contract documents, versioned per project. Records opened under a version keep pointing at it.
-- Keep in step with ../postgres/20261122000001_contracts.sql.
CREATE TABLE contract_versions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id  INTEGER NOT NULL REFERENCES projects (id),
    version     INTEGER NOT NULL,
    document    TEXT NOT NULL,
    digest      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    UNIQUE (project_id, version)
);
