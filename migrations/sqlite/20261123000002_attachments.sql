-- Files attached to incidents (screenshots, logs, photos of a device), kept in the database so
-- that every instance sees them and a backup holds them. Keep in step with ../postgres/.
CREATE TABLE incident_attachments (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id    INTEGER NOT NULL REFERENCES projects (id),
    incident_id   INTEGER NOT NULL REFERENCES incidents (id),
    name          TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    data          BLOB NOT NULL,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL
);
CREATE INDEX incident_attachments_by_incident ON incident_attachments (incident_id, id);
