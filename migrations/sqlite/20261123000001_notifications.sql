-- Escalation ladder steps per incident and the notification outbox.
-- Keep in step with ../postgres/20261123000001_notifications.sql.

-- Who a ladder target (`manager1`, `manager2`, `l2` …) means in a project.
CREATE TABLE escalation_contacts (
    project_id  INTEGER NOT NULL REFERENCES projects (id),
    target      TEXT NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (project_id, target, user_id)
);

-- The ladder as it stands for each incident; a step fires once (fired_at set by one claim).
CREATE TABLE incident_escalations (
    incident_id  INTEGER NOT NULL REFERENCES incidents (id),
    step         INTEGER NOT NULL,
    project_id   INTEGER NOT NULL REFERENCES projects (id),
    target       TEXT NOT NULL,
    due_at       TEXT,
    fired_at     TEXT,
    fired_by     TEXT,
    PRIMARY KEY (incident_id, step)
);
CREATE INDEX incident_escalations_due ON incident_escalations (due_at) WHERE fired_at IS NULL;

-- How to reach a person, and when not to (quiet hours, local time of the project).
CREATE TABLE user_contacts (
    user_id      INTEGER PRIMARY KEY REFERENCES users (id),
    email        TEXT,
    phone        TEXT,
    quiet_start  TEXT,
    quiet_end    TEXT,
    updated_at   TEXT NOT NULL
);

-- A project's group robots (WeCom, DingTalk) and HTTP gateways (SMS).
CREATE TABLE notify_channels (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id  INTEGER NOT NULL REFERENCES projects (id),
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    url         TEXT NOT NULL,
    secret      TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX notify_channels_by_project ON notify_channels (project_id);

-- The outbox: one row per message and destination; delivered with retries.
CREATE TABLE notifications (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id       INTEGER NOT NULL REFERENCES projects (id),
    incident_id      INTEGER REFERENCES incidents (id),
    user_id          INTEGER REFERENCES users (id),
    channel_id       INTEGER REFERENCES notify_channels (id),
    channel          TEXT NOT NULL,
    address          TEXT NOT NULL,
    kind             TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body             TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempts         INTEGER NOT NULL,
    next_attempt_at  TEXT NOT NULL,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    sent_at          TEXT,
    read_at          TEXT
);
CREATE INDEX notifications_pending ON notifications (next_attempt_at) WHERE status = 'pending';
CREATE INDEX notifications_by_incident ON notifications (incident_id, id);
CREATE INDEX notifications_by_user ON notifications (user_id, id);

CREATE TABLE notification_attempts (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    notification_id  INTEGER NOT NULL REFERENCES notifications (id),
    project_id       INTEGER NOT NULL REFERENCES projects (id),
    at               TEXT NOT NULL,
    ok               BOOLEAN NOT NULL,
    detail           TEXT NOT NULL
);
CREATE INDEX notification_attempts_by_notification ON notification_attempts (notification_id, id);
