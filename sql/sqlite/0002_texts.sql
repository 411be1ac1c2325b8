-- Bill texts: diffs between versions, and full-text search (SQLite: FTS5).
-- Written by hand (the search index differs per backend); sql/postgres/0002_texts.sql is its twin.

-- A version's text against the previous version's (by ordinal) that has a text: the summary,
-- the counts, and the hunks as JSON (text::TextDiff). One row per version; its version_added
-- (or version_changed, when the text arrives later) change event names it under "diff".
CREATE TABLE version_diffs (
    id TEXT PRIMARY KEY,
    bill_id TEXT NOT NULL,
    version_id TEXT NOT NULL,
    previous_version_id TEXT NOT NULL,
    unit TEXT NOT NULL,
    summary TEXT NOT NULL,
    added BIGINT NOT NULL,
    removed BIGINT NOT NULL,
    changed BIGINT NOT NULL,
    unchanged BIGINT NOT NULL,
    diff TEXT NOT NULL,
    created_run_id BIGINT NOT NULL,
    updated_run_id BIGINT NOT NULL
);
CREATE INDEX version_diffs_bill ON version_diffs (bill_id);
CREATE UNIQUE INDEX version_diffs_version ON version_diffs (version_id);

-- The full-text index of bill_texts, kept by triggers (external content: the text is stored once).
CREATE VIRTUAL TABLE bill_texts_fts USING fts5(text, content = 'bill_texts', content_rowid = 'rowid', tokenize = 'porter unicode61');
CREATE TRIGGER bill_texts_fts_insert AFTER INSERT ON bill_texts BEGIN
    INSERT INTO bill_texts_fts (rowid, text) VALUES (new.rowid, new.text);
END;
CREATE TRIGGER bill_texts_fts_delete AFTER DELETE ON bill_texts BEGIN
    INSERT INTO bill_texts_fts (bill_texts_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
END;
CREATE TRIGGER bill_texts_fts_update AFTER UPDATE OF text ON bill_texts BEGIN
    INSERT INTO bill_texts_fts (bill_texts_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
    INSERT INTO bill_texts_fts (rowid, text) VALUES (new.rowid, new.text);
END;
INSERT INTO bill_texts_fts (rowid, text) SELECT rowid, text FROM bill_texts;

-- Each version document fetched (pipelines with `[texts] fetch = true`): what came back and
-- what was read from it. One row per URL; `text` is the extracted text (also attached to the
-- version, in bill_texts, when the version is loaded). `status`: extracted, unextractable
-- (the document was read but no text came out: `error` says why), too_large, http_error
-- (`http_status`), network_error.
CREATE TABLE document_fetches (
    url TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    http_status BIGINT,
    media_type TEXT,
    bytes BIGINT,
    payload_sha256 TEXT,
    etag TEXT,
    last_modified TEXT,
    method TEXT,
    text_sha256 TEXT,
    characters BIGINT,
    text TEXT,
    warning TEXT,
    error TEXT,
    see_also TEXT,
    attempts BIGINT NOT NULL,
    fetched_at TEXT NOT NULL,
    run_id BIGINT NOT NULL
);

-- Versions with what fetching their documents gave (one row per fetched link).
CREATE VIEW version_texts AS
SELECT v.id AS version_id, v.bill_id, v.note, v.date, json_extract(l.value, '$.url') AS url, f.status, f.http_status, f.method,
       f.characters, f.warning, f.error, f.attempts, f.fetched_at
FROM bill_versions v, json_each(v.links) l
JOIN document_fetches f ON f.url = json_extract(l.value, '$.url');
