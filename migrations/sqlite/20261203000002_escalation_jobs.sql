-- Escalation steps fire as jobs of the runner (kind 'escalation', one per step, in the chain of
-- its incident). The steps that are due and unfired now become their jobs, so nothing queued
-- before this version is lost. incident_escalations.fired_at is still written (it is what the
-- ladder shows) but no longer decides who fires a step.
-- Keep in step with ../postgres/20261203000002_escalation_jobs.sql.
INSERT INTO jobs (kind, dedupe_key, chain, payload, status, run_at, attempts, created_at)
SELECT 'escalation',
       'incident:' || incident_id || ':step:' || step,
       'incident:' || incident_id,
       json_object('incident_id', incident_id, 'step', step, 'target', target),
       'queued', due_at, 0, due_at
FROM incident_escalations
WHERE fired_at IS NULL AND due_at IS NOT NULL
ORDER BY incident_id, step;
