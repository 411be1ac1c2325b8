-- Bill texts: diffs between versions, and full-text search (PostgreSQL: tsvector + GIN).
-- Written by hand (the search index differs per backend); sql/sqlite/0002_texts.sql is its twin.

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

-- English stemming, as SQLite's porter tokenizer. A tsvector holds at most 1 MB of lexemes:
-- the first 400,000 characters of a text are indexed (longer bills are rare; their start,
-- with the title and digest, is indexed).
ALTER TABLE bill_texts ADD COLUMN tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', left(text, 400000))) STORED;
CREATE INDEX bill_texts_tsv ON bill_texts USING GIN (tsv);
