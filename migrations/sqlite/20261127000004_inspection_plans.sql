-- Inspection plans: a template on a set of CIs on a cycle. Each plan generates one execution per
-- CI and period (its routine inspections), the first inspection after the service period starts,
-- and one before each of the contract's holidays; the unique index makes generating idempotent
-- (two processes, or a pass repeated, create nothing twice).
-- Keep in step with ../postgres/20261127000004_inspection_plans.sql.
CREATE TABLE inspection_plans (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id     INTEGER NOT NULL REFERENCES projects (id),
    name           TEXT NOT NULL,
    template_code  TEXT NOT NULL,
    cis            TEXT NOT NULL,
    cycle          TEXT NOT NULL,
    active         BOOLEAN NOT NULL,
    created_at     TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    version        INTEGER NOT NULL
);
CREATE INDEX inspection_plans_by_project ON inspection_plans (project_id, id);

ALTER TABLE inspection_executions ADD COLUMN plan_id INTEGER REFERENCES inspection_plans (id);
ALTER TABLE inspection_executions ADD COLUMN period TEXT;
ALTER TABLE inspection_executions ADD COLUMN due_at TEXT;
CREATE UNIQUE INDEX inspection_executions_per_period
    ON inspection_executions (plan_id, period, COALESCE(ci_id, 0)) WHERE plan_id IS NOT NULL;
