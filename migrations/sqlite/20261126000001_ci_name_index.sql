-- Re-imports of rows with neither asset tag nor serial find their CI by name and type, and
-- incidents name CIs; both look a CI up by name within its project.
CREATE INDEX cis_by_name ON cis (project_id, name);
