-- Trusting the ledger: what each delivery was, and when.
-- entity_sources.as_of: the feed's own time or sequence of the snapshot a source last loaded
-- for an entity (an LBDC file's publication time, a LegiScan dataset's date, an OCD scrape
-- time, an API record's updated_at). A later snapshot that is older is skipped.
ALTER TABLE entity_sources ADD COLUMN as_of TEXT;

-- A partial delivery (run_sources.status = 'partial') loaded what it had: it counts as a
-- success for freshness (its streak alerts the operators on its own).
DROP VIEW source_freshness;
CREATE VIEW source_freshness AS
SELECT r.pipeline, s.source, s.kind, MAX(s.finished_at) AS last_success
FROM run_sources s JOIN runs r ON r.id = s.run_id
WHERE s.status IN ('succeeded', 'partial')
GROUP BY r.pipeline, s.source, s.kind;
