-- Search over bills' titles, abstracts and subjects (issue 14), beside their texts: a
-- generated tsvector of those columns (English stemming, as bill_texts.tsv), weighted title
-- and subjects A, abstract B, with a GIN index.
ALTER TABLE bills ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', title), 'A')
    || setweight(to_tsvector('english', subjects), 'A')
    || setweight(to_tsvector('english', left(coalesce(abstract_text, ''), 400000)), 'B')
) STORED;
CREATE INDEX bills_tsv ON bills USING GIN (tsv);
