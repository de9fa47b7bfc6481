-- Overdue inspections and reports are announced by jobs of the runner, one per execution and
-- due time (kinds 'inspection.due' and 'inspection.report_due', key 'inspection:{id}'), queued
-- by the write that sets the due time, instead of a recurring pass over the executions. What is
-- due and not yet announced now becomes its job, so nothing is missed; the pass's row goes.
-- overdue_noticed_at and report_overdue_noticed_at still record when the notice went out.
-- Keep in step with ../postgres/20261203000004_inspection_due_jobs.sql.
INSERT INTO jobs (kind, dedupe_key, payload, status, run_at, attempts, created_at)
SELECT 'inspection.due', 'inspection:' || id, json_object('inspection_id', id), 'queued', due_at, 0, created_at
FROM inspection_executions
WHERE status IN ('planned', 'in_progress') AND due_at IS NOT NULL AND overdue_noticed_at IS NULL
ORDER BY id;
INSERT INTO jobs (kind, dedupe_key, payload, status, run_at, attempts, created_at)
SELECT 'inspection.report_due', 'inspection:' || id, json_object('inspection_id', id), 'queued', report_due, 0, created_at
FROM inspection_executions
WHERE report_due IS NOT NULL AND report_issued_at IS NULL AND report_overdue_noticed_at IS NULL
ORDER BY id;
DELETE FROM job_attempts WHERE job_id IN (SELECT id FROM jobs WHERE kind = 'inspection.overdue');
DELETE FROM jobs WHERE kind = 'inspection.overdue';
