-- Photos taken for inspection items (a photo item's answer, or evidence of an abnormal one).
-- Keep in step with ../postgres/20261127000007_inspection_photos.sql.
CREATE TABLE inspection_photos (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    execution_id  INTEGER NOT NULL REFERENCES inspection_executions (id),
    project_id    INTEGER NOT NULL REFERENCES projects (id),
    item_key      TEXT NOT NULL,
    name          TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    data          BLOB NOT NULL,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL
);
CREATE INDEX inspection_photos_by_execution ON inspection_photos (execution_id, id);
