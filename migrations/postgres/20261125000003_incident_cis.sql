-- Incidents linked to the configuration items they affect (an incident's `ci` entries that name
-- a CI of its project by id, name or asset tag). Keep in step with ../sqlite/.
CREATE TABLE incident_cis (
    incident_id  BIGINT NOT NULL REFERENCES incidents (id),
    ci_id        BIGINT NOT NULL REFERENCES cis (id),
    project_id   BIGINT NOT NULL REFERENCES projects (id),
    PRIMARY KEY (incident_id, ci_id)
);
CREATE INDEX incident_cis_by_ci ON incident_cis (ci_id, incident_id);
