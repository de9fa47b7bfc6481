-- Stored firing alerts are acted on by jobs of the runner (kind 'monitoring.alert', key
-- 'alert:{id}', one per occurrence) instead of a recurring pass over the pending ones. The
-- occurrences still pending now become their jobs, so nothing accepted before this version is
-- lost; the recurring pass's row goes.
-- Keep in step with ../sqlite/20261203000003_alert_jobs.sql.
INSERT INTO jobs (kind, dedupe_key, payload, status, run_at, attempts, created_at)
SELECT 'monitoring.alert', 'alert:' || id, json_build_object('alert_id', id)::text, 'queued', received_at, 0, received_at
FROM alerts
WHERE state = 'pending'
ORDER BY id;
DELETE FROM job_attempts WHERE job_id IN (SELECT id FROM jobs WHERE kind = 'monitoring.pending');
DELETE FROM jobs WHERE kind = 'monitoring.pending';
