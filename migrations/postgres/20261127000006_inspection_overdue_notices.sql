-- When the overdue notice of an inspection (not done by its due time) and of its report (not
-- issued by its due time) went out: each goes out once.
-- Keep in step with ../sqlite/20261127000006_inspection_overdue_notices.sql.
ALTER TABLE inspection_executions ADD COLUMN overdue_noticed_at TIMESTAMPTZ;
ALTER TABLE inspection_executions ADD COLUMN report_overdue_noticed_at TIMESTAMPTZ;
