-- Alert matching at scale (issue 13): the alert engine reads new bills, hearings and agenda
-- items after the coalitions' cursors. A partial index of those events alone (a few percent
-- of the ledger) holding every column the read needs answers it without touching the
-- ledger's rows, which carry the changes' JSON. Its WHERE is repeated word for word by
-- the engine's query (the `alert_kinds!` macro in src/warehouse/alerts.rs): SQLite uses a partial
-- index only for a query that has the same term.
DROP INDEX change_events_kind;
CREATE INDEX change_events_alerts ON change_events (seq, kind, run_id, recorded_at, jurisdiction_id, entity_id, bill_id)
    WHERE kind IN ('bill_introduced', 'hearing_scheduled', 'hearing_changed', 'hearing_cancelled', 'agenda_item_added', 'agenda_item_removed');
