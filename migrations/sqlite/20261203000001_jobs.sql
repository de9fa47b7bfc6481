-- The job runner (app::worker): background work is a row here, enqueued inside the transaction
-- of the use case that makes it necessary, claimed by one process at a time, retried with
-- backoff, and every attempt kept in job_attempts.
-- Keep in step with ../postgres/20261203000001_jobs.sql.
CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    kind          TEXT NOT NULL,
    -- One job per (kind, key), ever (NULL: no dedupe); a recurring job reuses its one row.
    dedupe_key    TEXT,
    -- Jobs of one chain run one at a time, in the order they were queued (an incident's ladder).
    chain         TEXT,
    payload       TEXT NOT NULL,
    -- queued, running, done, failed (gave up), cancelled.
    status        TEXT NOT NULL,
    run_at        TEXT NOT NULL,
    -- Attempts claimed so far; also the token a holder proves its claim with.
    attempts      INTEGER NOT NULL DEFAULT 0,
    locked_by     TEXT,
    -- A running job whose lease has passed is taken again (its process died).
    locked_until  TEXT,
    last_error    TEXT,
    created_at    TEXT NOT NULL,
    finished_at   TEXT
);
CREATE UNIQUE INDEX jobs_dedupe ON jobs (kind, dedupe_key);
CREATE INDEX jobs_due ON jobs (run_at) WHERE status = 'queued';
CREATE INDEX jobs_leased ON jobs (locked_until) WHERE status = 'running';
CREATE INDEX jobs_chain ON jobs (chain, id) WHERE chain IS NOT NULL AND status IN ('queued', 'running');

CREATE TABLE job_attempts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id       INTEGER NOT NULL REFERENCES jobs (id),
    attempt      INTEGER NOT NULL,
    instance     TEXT NOT NULL,
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    -- done, skipped, later, error, expired (lease passed), lost (another holder finished it).
    outcome      TEXT,
    -- The error's message (never a secret: handlers' errors name no credentials).
    error        TEXT
);
CREATE INDEX job_attempts_job ON job_attempts (job_id, attempt);
