-- Trusting the ledger: what each delivery was, and when.
-- entity_sources.as_of: the feed's own time or sequence of the snapshot a source last loaded
-- for an entity (an LBDC file's publication time, a LegiScan dataset's date, an OCD scrape
-- time, an API record's updated_at). A later snapshot that is older is skipped.
ALTER TABLE entity_sources ADD COLUMN as_of TEXT;
