-- Indexes that let every list filter walk newest first (id descending) and stop after a page.
-- Keep in step with the other backend's file of the same name.

-- "Breached" lists: a (project_id, breach_at) index made the planner sort every breached
-- incident; the partial index holds only incidents with a breach time, in id order.
DROP INDEX incidents_by_breach;
CREATE INDEX incidents_breached ON incidents (project_id, id, breach_at) WHERE breach_at IS NOT NULL;

-- Status or severity filters (P1 and "reported" are rare: without an index a page of them
-- means walking thousands of other incidents). Both together walk one and check the other.
DROP INDEX incidents_by_status;
CREATE INDEX incidents_by_status ON incidents (project_id, status, id);
CREATE INDEX incidents_by_severity ON incidents (project_id, severity, id);

-- Reported-time ranges: the list picks a page of ids from this index alone (covering), then
-- reads just those rows.
DROP INDEX incidents_by_reported;
CREATE INDEX incidents_by_reported ON incidents (project_id, reported_at, id);
