-- Bill texts from any legislature's pages (issue 16). Written by hand; sql/postgres/0010_text_marks.sql
-- is its twin.
--
-- A stored text keeps the document's own marks of language the bill strikes from current law
-- and language it adds: CriticMarkup's `{--struck--}` and `{++inserted++}` (text::marks).
-- `search_text` is what search indexes: the text as it would read once enacted (struck language
-- gone, marks dropped); NULL when the text has no marks (the text itself is indexed).
ALTER TABLE bill_texts ADD COLUMN search_text TEXT;

-- Which generation of the extractor made a version's or document's text (text::EXTRACTOR), and
-- a fetched document's. A text made by an older generation is made again from the same bytes
-- and rewritten quietly (no change event, no alert).
ALTER TABLE bill_versions ADD COLUMN extractor TEXT;
ALTER TABLE bill_documents ADD COLUMN extractor TEXT;
ALTER TABLE document_fetches ADD COLUMN extractor TEXT;

-- The full-text index now reads search_text where there is one: external content from a view.
DROP TRIGGER bill_texts_fts_insert;
DROP TRIGGER bill_texts_fts_delete;
DROP TRIGGER bill_texts_fts_update;
DROP TABLE bill_texts_fts;
CREATE VIEW bill_texts_fts_source AS SELECT rowid AS text_rowid, COALESCE(search_text, text) AS text FROM bill_texts;
CREATE VIRTUAL TABLE bill_texts_fts USING fts5(text, content = 'bill_texts_fts_source', content_rowid = 'text_rowid', tokenize = 'porter unicode61');
CREATE TRIGGER bill_texts_fts_insert AFTER INSERT ON bill_texts BEGIN
    INSERT INTO bill_texts_fts (rowid, text) VALUES (new.rowid, COALESCE(new.search_text, new.text));
END;
CREATE TRIGGER bill_texts_fts_delete AFTER DELETE ON bill_texts BEGIN
    INSERT INTO bill_texts_fts (bill_texts_fts, rowid, text) VALUES ('delete', old.rowid, COALESCE(old.search_text, old.text));
END;
CREATE TRIGGER bill_texts_fts_update AFTER UPDATE OF text, search_text ON bill_texts BEGIN
    INSERT INTO bill_texts_fts (bill_texts_fts, rowid, text) VALUES ('delete', old.rowid, COALESCE(old.search_text, old.text));
    INSERT INTO bill_texts_fts (rowid, text) VALUES (new.rowid, COALESCE(new.search_text, new.text));
END;
INSERT INTO bill_texts_fts (rowid, text) SELECT rowid, COALESCE(search_text, text) FROM bill_texts;
