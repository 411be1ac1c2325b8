-- Bill texts from any legislature's pages (issue 16). Written by hand; sql/sqlite/0010_text_marks.sql
-- is its twin.
--
-- A stored text keeps the document's own marks of language the bill strikes from current law
-- and language it adds: CriticMarkup's `{--struck--}` and `{++inserted++}` (text::marks).
-- `search_text` is what search indexes: the text as it would read once enacted (struck language
-- gone, marks dropped); NULL when the text has no marks (the text itself is indexed).
ALTER TABLE bill_texts DROP COLUMN tsv;
ALTER TABLE bill_texts ADD COLUMN search_text TEXT;
ALTER TABLE bill_texts ADD COLUMN tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', left(COALESCE(search_text, text), 400000))) STORED;
CREATE INDEX bill_texts_tsv ON bill_texts USING GIN (tsv);

-- Which generation of the extractor made a version's or document's text (text::EXTRACTOR), and
-- a fetched document's. A text made by an older generation is made again from the same bytes
-- and rewritten quietly (no change event, no alert).
ALTER TABLE bill_versions ADD COLUMN extractor TEXT;
ALTER TABLE bill_documents ADD COLUMN extractor TEXT;
ALTER TABLE document_fetches ADD COLUMN extractor TEXT;
