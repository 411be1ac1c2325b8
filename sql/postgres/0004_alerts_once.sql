-- Alerts a lead can trust (issue 13).
-- warehouse_info: facts about this warehouse. `warehouse_id` is made once, when the warehouse
-- is created or first migrated to this version; every new Message-ID carries it, so two
-- warehouses never mint the same one.
CREATE TABLE warehouse_info (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO warehouse_info (key, value) VALUES ('warehouse_id', substr(md5(random()::text || clock_timestamp()::text), 1, 16));

-- A coalition's delivery mode is its pipeline's: 'smtp' or 'file' (a dry-run pipeline).
ALTER TABLE coalitions ADD COLUMN transport TEXT NOT NULL DEFAULT 'smtp';

-- The transport a message goes by (its coalition's, when it was composed; NULL: composed
-- before this migration, any transport may take it). A sender claims a message before it
-- sends it: claimed_by names the sender, claimed_until ends the lease (wall-clock time).
ALTER TABLE alert_messages ADD COLUMN transport TEXT;
ALTER TABLE alert_messages ADD COLUMN claimed_by TEXT;
ALTER TABLE alert_messages ADD COLUMN claimed_until TIMESTAMPTZ;

-- An alert whose recipient left the coalition before it was composed.
ALTER TABLE alert_outbox ADD COLUMN cancelled_at TIMESTAMPTZ;

-- Operator emails: claimed the same way, and with a Message-ID of their own.
ALTER TABLE operator_alerts ADD COLUMN claimed_by TEXT;
ALTER TABLE operator_alerts ADD COLUMN claimed_until TIMESTAMPTZ;

-- Alert matching reads the ledger by kind (new bills, hearings, agenda items) and by tracked
-- bill (change_events_bill) after the coalitions' cursors, never the whole table.
CREATE INDEX change_events_kind ON change_events (kind, seq);

-- A bill's credit lines (which source kinds delivered it) read from the index alone: without
-- source_kind in it, SQLite's planner scanned every bill's entry through the primary key.
DROP INDEX entity_sources_entity;
CREATE INDEX entity_sources_entity ON entity_sources (entity_type, entity_id, source_kind);
