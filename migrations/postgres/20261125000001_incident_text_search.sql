-- Substring search of incidents through character bigrams (see crates/store/src/search.rs).
-- Keep in step with the other backend's file of the same name.
--
-- The distinct bigrams of an incident's title, description and number. NULL until indexed:
-- existing incidents are indexed by the application right after this migration (SQL cannot cut
-- text into bigrams the same way), and a search checks every candidate against the texts with
-- LIKE anyway.
ALTER TABLE incidents ADD COLUMN search_grams text[];
CREATE INDEX incidents_search ON incidents USING gin (search_grams);
