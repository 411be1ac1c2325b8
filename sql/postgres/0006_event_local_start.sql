-- A hearing's local start as text (issue 14): analysts read it without converting zones
-- (SQLite cannot). `start_local` is `YYYY-MM-DD HH:MM` in the event's `timezone`, or the
-- date alone for an all-day event. It is derived from `start_time` and `timezone`, so it is
-- not content: it is left out of the content hash and of the ledger. The loader fills it for
-- new and changed events; the warehouse fills it for the events stored before this migration
-- when it is next opened for writing (time zones are converted in Rust, on both backends).
ALTER TABLE events ADD COLUMN start_local TEXT;

DROP VIEW upcoming_hearings;
CREATE VIEW upcoming_hearings AS
SELECT
    e.id AS event_id,
    e.jurisdiction_id,
    e.name,
    e.start_date,
    e.start_time,
    e.start_local,
    e.timezone,
    e.all_day,
    e.location,
    e.status,
    g.ordinal AS agenda_ordinal,
    g.bill_identifier,
    g.bill_id,
    g.description AS agenda_description
FROM events e
LEFT JOIN event_agenda g ON g.event_id = e.id
WHERE e.start_date >= CURRENT_DATE;
