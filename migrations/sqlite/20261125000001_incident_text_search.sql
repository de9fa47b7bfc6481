-- Substring search of incidents through character bigrams (see crates/store/src/search.rs).
-- Keep in step with the other backend's file of the same name.
--
-- One FTS5 document per incident (rowid = incident id): the bigrams of its title, description
-- and number, space-separated. Contentless: the texts stay in `incidents`, and every search is
-- checked against them with LIKE. Existing incidents are indexed by the application right after
-- this migration (SQL cannot cut text into bigrams), oldest first.
CREATE VIRTUAL TABLE incident_text USING fts5(grams, content = '', tokenize = 'ascii');
