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
    fetched_at TIMESTAMPTZ NOT NULL,
    run_id BIGINT NOT NULL
);

-- Versions with what fetching their documents gave (one row per fetched link).
CREATE VIEW version_texts AS
SELECT v.id AS version_id, v.bill_id, v.note, v.date, l.value ->> 'url' AS url, f.status, f.http_status, f.method,
       f.characters, f.warning, f.error, f.attempts, f.fetched_at
FROM bill_versions v
CROSS JOIN LATERAL jsonb_array_elements(v.links::jsonb) l
JOIN document_fetches f ON f.url = l.value ->> 'url';
