-- CMDB: configuration items, their IP addresses and subnets, relations and revisions.
-- Keep in step with ../postgres/20261125000002_cmdb.sql.
CREATE TABLE cis (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id        INTEGER NOT NULL REFERENCES projects (id),
    name              TEXT NOT NULL,
    type              TEXT NOT NULL,
    status            TEXT NOT NULL,
    hostname          TEXT,
    vendor            TEXT,
    model             TEXT,
    serial            TEXT,
    part_number       TEXT,
    asset_tag         TEXT,
    building          TEXT,
    room              TEXT,
    rack              TEXT,
    rack_unit         TEXT,
    owner_department  TEXT,
    warranty_end      TEXT,
    supplier          TEXT,
    criticality       TEXT,
    attributes        TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    created_by        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    version           INTEGER NOT NULL
);
-- Re-imports find a row by its asset tag (unique in a project) or else its serial.
CREATE UNIQUE INDEX cis_asset_tag ON cis (project_id, asset_tag) WHERE asset_tag IS NOT NULL;
CREATE INDEX cis_by_serial ON cis (project_id, serial) WHERE serial IS NOT NULL;
CREATE INDEX cis_by_project ON cis (project_id, id);
CREATE INDEX cis_by_type ON cis (project_id, type, id);
CREATE INDEX cis_by_status ON cis (project_id, status, id);
CREATE INDEX cis_by_hostname ON cis (project_id, hostname) WHERE hostname IS NOT NULL;

-- One row per address or subnet of a CI. `live` is false once the CI is retired: an address
-- may be on one live CI only (the partial unique index backs the check made on save).
CREATE TABLE ci_ips (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id  INTEGER NOT NULL REFERENCES projects (id),
    ci_id       INTEGER NOT NULL REFERENCES cis (id),
    address     TEXT NOT NULL,
    is_subnet   BOOLEAN NOT NULL,
    live        BOOLEAN NOT NULL
);
CREATE UNIQUE INDEX ci_ips_live_address ON ci_ips (project_id, address) WHERE live AND NOT is_subnet;
CREATE INDEX ci_ips_by_address ON ci_ips (project_id, address);
CREATE INDEX ci_ips_by_ci ON ci_ips (ci_id);

-- Ports are '' when not given, so the unique key treats "no port" as one value.
CREATE TABLE ci_relations (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id   INTEGER NOT NULL REFERENCES projects (id),
    source_id    INTEGER NOT NULL REFERENCES cis (id),
    target_id    INTEGER NOT NULL REFERENCES cis (id),
    kind         TEXT NOT NULL,
    source_port  TEXT NOT NULL,
    target_port  TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    UNIQUE (source_id, target_id, kind, source_port, target_port)
);
CREATE INDEX ci_relations_by_project ON ci_relations (project_id);
CREATE INDEX ci_relations_by_target ON ci_relations (target_id);

-- Every saved state of a CI (the configuration archive of seed 003 1.1.6.2.8): the whole
-- record as JSON, what changed from the revision before, and what caused it.
CREATE TABLE ci_revisions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id  INTEGER NOT NULL REFERENCES projects (id),
    ci_id       INTEGER NOT NULL REFERENCES cis (id),
    revision    INTEGER NOT NULL,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    snapshot    TEXT NOT NULL,
    changes     TEXT NOT NULL,
    cause       TEXT,
    UNIQUE (ci_id, revision)
);
