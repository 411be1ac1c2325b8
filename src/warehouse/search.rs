//! Full-text search over bills' titles, abstracts and subjects (`bills`) and their texts
//! (`bill_texts`): SQLite's FTS5 indexes `bills_fts` and `bill_texts_fts` (Porter stemming),
//! PostgreSQL's `tsv` columns with GIN indexes (English stemming). Both read the same query
//! language: words (all must occur, stemmed), `"a quoted phrase"`, `-word` to exclude, `word
//! OR word`. Hits are bills: first those whose title, abstract or subjects match (best
//! first), then those matched by a text alone (best first); each says where it matched and
//! has a snippet with the matches in `[brackets]`.

use super::{Param, Warehouse};
use serde::Serialize;

/// One bill found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub bill_id: String,
    pub jurisdiction_id: String,
    pub session: String,
    pub identifier: String,
    pub title: String,
    /// Where the words were found: `title`, `abstract`, `subjects` (the bill itself) and
    /// `text` (a version or document), in that order.
    pub matched: Vec<String>,
    /// The version or document whose text matched best; empty when no text matched.
    pub document_id: String,
    /// From the bill's title or abstract when they matched, else from the text.
    pub snippet: String,
    /// Higher is better (SQLite: −bm25; PostgreSQL: ts_rank_cd), comparable among the hits
    /// matched on the bill, and among those matched by a text alone: the first rank above
    /// the second whatever their scores.
    pub score: f64,
    /// Where the data came from needs a credit line (LegiScan's CC BY 4.0).
    pub credit: Option<String>,
}

/// What to search for, and where.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub text: String,
    /// An OCD jurisdiction id.
    pub jurisdiction_id: Option<String>,
    pub session: Option<String>,
    pub limit: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("nothing to search for: give words or a \"quoted phrase\"")]
    Empty,
    #[error("search failed")]
    Database(#[from] sqlx::Error),
}

/// The query as an FTS5 expression: each word and phrase quoted (so punctuation is literal),
/// `-word` as `NOT`, `OR` kept. FTS5 has no leading `NOT`: a query of exclusions only is empty.
pub fn fts5_query(text: &str) -> Option<String> {
    let mut include: Vec<String> = Vec::new();
    let mut exclude: Vec<String> = Vec::new();
    let mut chars = text.chars().peekable();
    let mut pending_or = false;
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let negated = c == '-';
        if negated {
            chars.next();
        }
        let term: String = if chars.peek() == Some(&'"') {
            chars.next();
            let t: String = chars.by_ref().take_while(|&c| c != '"').collect();
            t
        } else {
            let mut t = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                t.push(c);
                chars.next();
            }
            t
        };
        let term = term.trim();
        if term.is_empty() {
            continue;
        }
        if term == "OR" && !negated {
            pending_or = true;
            continue;
        }
        let quoted = format!("\"{}\"", term.replace('"', "\"\""));
        if negated {
            exclude.push(quoted);
        } else if pending_or && !include.is_empty() {
            let last = include.pop().unwrap_or_default();
            include.push(format!("({last} OR {quoted})"));
            pending_or = false;
        } else {
            include.push(quoted);
            pending_or = false;
        }
    }
    if include.is_empty() {
        return None;
    }
    let mut q = include.join(" AND ");
    for e in exclude {
        q = format!("{q} NOT {e}");
    }
    Some(q)
}

const SQLITE: &str = "
SELECT b.id AS bill_id, b.jurisdiction_id, b.session, b.identifier, b.title, t.id AS document_id,
       snippet(bill_texts_fts, 0, '[', ']', '…', 16) AS snippet, -bm25(bill_texts_fts) AS score
FROM bill_texts_fts
JOIN bill_texts t ON t.rowid = bill_texts_fts.rowid
JOIN bills b ON b.id = t.bill_id
WHERE bill_texts_fts MATCH $1
  AND ($2 IS NULL OR b.jurisdiction_id = $2)
  AND ($3 IS NULL OR b.session = $3)
ORDER BY score DESC
LIMIT $4";

/// The bills matched on their title, abstract or subjects (SQLite), best first, with which
/// of the three matched (`highlight` marks a column's matches; U+0001 is in no title).
const SQLITE_BILLS: &str = "
SELECT b.id AS bill_id, b.jurisdiction_id, b.session, b.identifier, b.title,
       instr(highlight(bills_fts, 0, char(1), ''), char(1)) > 0 AS in_title,
       instr(highlight(bills_fts, 1, char(1), ''), char(1)) > 0 AS in_abstract,
       instr(highlight(bills_fts, 2, char(1), ''), char(1)) > 0 AS in_subjects,
       snippet(bills_fts, -1, '[', ']', '…', 16) AS snippet, -bm25(bills_fts, 4.0, 1.0, 2.0) AS score
FROM bills_fts
JOIN bills b ON b.rowid = bills_fts.rowid
WHERE bills_fts MATCH $1
  AND ($2 IS NULL OR b.jurisdiction_id = $2)
  AND ($3 IS NULL OR b.session = $3)
ORDER BY score DESC
LIMIT $4";

/// The same on PostgreSQL: the GIN index of `bills.tsv` finds them; each column is then
/// matched alone to say which did.
const POSTGRES_BILLS: &str = "
WITH q AS (SELECT websearch_to_tsquery('english', $1) AS q),
best AS (
    SELECT b.id, ts_rank_cd(b.tsv, q.q) AS score
    FROM bills b
    CROSS JOIN q
    WHERE b.tsv @@ q.q
      AND ($2::text IS NULL OR b.jurisdiction_id = $2)
      AND ($3::text IS NULL OR b.session = $3)
    ORDER BY score DESC
    LIMIT $4
)
SELECT b.id AS bill_id, b.jurisdiction_id, b.session, b.identifier, b.title,
       to_tsvector('english', b.title) @@ q.q AS in_title,
       to_tsvector('english', left(coalesce(b.abstract_text, ''), 400000)) @@ q.q AS in_abstract,
       to_tsvector('english', b.subjects) @@ q.q AS in_subjects,
       ts_headline('english', b.title || ' … ' || coalesce(b.abstract_text, ''), q.q, 'StartSel=[, StopSel=], MaxWords=24, MinWords=10, MaxFragments=2, FragmentDelimiter=\" … \"') AS snippet,
       best.score::float8 AS score
FROM best
JOIN bills b ON b.id = best.id
CROSS JOIN q
ORDER BY best.score DESC";

/// Rows of one of the searches, by column name.
struct Rows {
    result: super::QueryResult,
}

impl Rows {
    fn col(&self, name: &str) -> Option<usize> {
        self.result.columns.iter().position(|c| c == name)
    }

    fn text(&self, row: &[serde_json::Value], name: &str) -> String {
        self.col(name).and_then(|i| row.get(i)).and_then(|v| v.as_str()).unwrap_or_default().to_string()
    }

    /// SQLite answers 0/1, PostgreSQL true/false.
    fn flag(&self, row: &[serde_json::Value], name: &str) -> bool {
        match self.col(name).and_then(|i| row.get(i)) {
            Some(serde_json::Value::Bool(b)) => *b,
            Some(v) => v.as_i64().is_some_and(|n| n != 0),
            None => false,
        }
    }

    fn hit(&self, row: &[serde_json::Value], matched: Vec<String>) -> Hit {
        Hit {
            bill_id: self.text(row, "bill_id"),
            jurisdiction_id: self.text(row, "jurisdiction_id"),
            session: self.text(row, "session"),
            identifier: self.text(row, "identifier"),
            title: self.text(row, "title"),
            matched,
            document_id: self.text(row, "document_id"),
            snippet: self.text(row, "snippet").split_whitespace().collect::<Vec<_>>().join(" "),
            score: self.col("score").and_then(|i| row.get(i)).and_then(|v| v.as_f64()).unwrap_or(0.0),
            credit: None,
        }
    }
}

/// Bills whose title, abstract, subjects or texts match, best first (one hit per bill).
pub async fn search(wh: &Warehouse, q: &Query) -> Result<Vec<Hit>, SearchError> {
    let limit = q.limit.max(1);
    // Ask for more texts than bills: several texts of one bill may match.
    let texts_wanted = (limit * 5) as i64;
    let (expr, bills_sql, texts_sql) = match wh {
        Warehouse::Sqlite(_) => (fts5_query(&q.text).ok_or(SearchError::Empty)?, SQLITE_BILLS, SQLITE),
        Warehouse::Postgres(_) => {
            if q.text.trim().is_empty() {
                return Err(SearchError::Empty);
            }
            (q.text.clone(), POSTGRES_BILLS, POSTGRES_SEARCH)
        }
    };
    let params = |n: i64| {
        [
            Param::text(expr.clone()),
            Param::Text(q.jurisdiction_id.clone()),
            Param::Text(q.session.clone()),
            Param::Int(Some(n)),
        ]
    };
    let (bills_params, texts_params) = (params(limit as i64), params(texts_wanted));
    let (bills, texts) = tokio::try_join!(wh.fetch(bills_sql, &bills_params), wh.fetch(texts_sql, &texts_params))?;
    let (bills, texts) = (Rows { result: bills }, Rows { result: texts });
    let mut hits: Vec<Hit> = Vec::new();
    for row in &bills.result.rows {
        let matched = [("in_title", "title"), ("in_abstract", "abstract"), ("in_subjects", "subjects")]
            .into_iter()
            .filter(|(flag, _)| bills.flag(row, flag))
            .map(|(_, name)| name.to_string())
            .collect::<Vec<_>>();
        // The words spread over several of them, none holding them all.
        let matched = if matched.is_empty() { vec!["bill".to_string()] } else { matched };
        hits.push(bills.hit(row, matched));
    }
    for row in &texts.result.rows {
        let bill_id = texts.text(row, "bill_id");
        match hits.iter_mut().find(|h| h.bill_id == bill_id) {
            // Matched on the bill as well: its best text is named too.
            Some(h) if h.document_id.is_empty() => {
                h.matched.push("text".to_string());
                h.document_id = texts.text(row, "document_id");
            }
            Some(_) => {}
            None => hits.push(texts.hit(row, vec!["text".to_string()])),
        }
    }
    hits.truncate(limit);
    // Data whose licence asks for credit (LegiScan's) carries its credit line.
    let ids: Vec<String> = hits.iter().map(|h| h.bill_id.clone()).collect();
    let mut credits = wh.credit_lines(&ids).await?;
    for h in &mut hits {
        h.credit = credits.remove(&h.bill_id);
    }
    Ok(hits)
}

/// PostgreSQL: rank the matching texts first (the GIN index finds them), then make snippets for
/// the best only (`ts_headline` reads the whole text).
const POSTGRES_SEARCH: &str = "
WITH q AS (SELECT websearch_to_tsquery('english', $1) AS q),
best AS (
    SELECT t.id, t.bill_id, ts_rank_cd(t.tsv, q.q) AS score
    FROM bill_texts t
    CROSS JOIN q
    JOIN bills b ON b.id = t.bill_id
    WHERE t.tsv @@ q.q
      AND ($2::text IS NULL OR b.jurisdiction_id = $2)
      AND ($3::text IS NULL OR b.session = $3)
    ORDER BY score DESC
    LIMIT $4
)
SELECT b.id AS bill_id, b.jurisdiction_id, b.session, b.identifier, b.title, best.id AS document_id,
       ts_headline('english', COALESCE(t.search_text, t.text), q.q, 'StartSel=[, StopSel=], MaxWords=24, MinWords=10, MaxFragments=2, FragmentDelimiter=\" … \"') AS snippet,
       best.score::float8 AS score
FROM best
JOIN bill_texts t ON t.id = best.id
JOIN bills b ON b.id = best.bill_id
CROSS JOIN q
ORDER BY best.score DESC";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_become_fts5_expressions() {
        assert_eq!(fts5_query("summer school").as_deref(), Some("\"summer\" AND \"school\""));
        assert_eq!(fts5_query("\"summer school\" -charter").as_deref(), Some("\"summer school\" NOT \"charter\""));
        assert_eq!(fts5_query("police OR sheriff tanks").as_deref(), Some("(\"police\" OR \"sheriff\") AND \"tanks\""));
        assert_eq!(fts5_query("O\"Brien's").as_deref(), Some("\"O\"\"Brien's\""));
        assert_eq!(fts5_query("AB-1*").as_deref(), Some("\"AB-1*\""));
        assert_eq!(fts5_query("  -only -exclusions "), None);
        assert_eq!(fts5_query(""), None);
    }
}
