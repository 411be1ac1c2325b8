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
