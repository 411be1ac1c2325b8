-- Search over bills' titles, abstracts and subjects (issue 14), beside their texts: an FTS5
-- index of those columns of `bills`, kept by triggers (external content: stored once), with
-- the same tokenizer as bill_texts_fts.
CREATE VIRTUAL TABLE bills_fts USING fts5(title, abstract_text, subjects, content = 'bills', content_rowid = 'rowid', tokenize = 'porter unicode61');
CREATE TRIGGER bills_fts_insert AFTER INSERT ON bills BEGIN
    INSERT INTO bills_fts (rowid, title, abstract_text, subjects) VALUES (new.rowid, new.title, new.abstract_text, new.subjects);
END;
CREATE TRIGGER bills_fts_delete AFTER DELETE ON bills BEGIN
    INSERT INTO bills_fts (bills_fts, rowid, title, abstract_text, subjects) VALUES ('delete', old.rowid, old.title, old.abstract_text, old.subjects);
END;
CREATE TRIGGER bills_fts_update AFTER UPDATE OF title, abstract_text, subjects ON bills BEGIN
    INSERT INTO bills_fts (bills_fts, rowid, title, abstract_text, subjects) VALUES ('delete', old.rowid, old.title, old.abstract_text, old.subjects);
    INSERT INTO bills_fts (rowid, title, abstract_text, subjects) VALUES (new.rowid, new.title, new.abstract_text, new.subjects);
END;
INSERT INTO bills_fts (rowid, title, abstract_text, subjects) SELECT rowid, title, abstract_text, subjects FROM bills;
