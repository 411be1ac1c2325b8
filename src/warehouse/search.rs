//! Full-text search over bill texts (`bill_texts`): SQLite's FTS5 index `bill_texts_fts`
//! (Porter stemming), PostgreSQL's `tsv` column with a GIN index (English stemming). Both read
//! the same query language: words (all must occur, stemmed), `"a quoted phrase"`, `-word` to
//! exclude, `word OR word`. Hits are bills, best first, each with its best-matching text and a
//! snippet with the matches in `[brackets]`.

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
    /// The version or document whose text matched best.
    pub document_id: String,
    pub snippet: String,
    /// Higher is better (SQLite: −bm25; PostgreSQL: ts_rank_cd). Comparable within one search only.
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

/// Bills whose texts match, best first (one hit per bill: its best text).
pub async fn search(wh: &Warehouse, q: &Query) -> Result<Vec<Hit>, SearchError> {
    let limit = q.limit.max(1);
    // Ask for more texts than bills: several texts of one bill may match.
    let rows_wanted = (limit * 5) as i64;
    let jurisdiction = Param::Text(q.jurisdiction_id.clone());
    let session = Param::Text(q.session.clone());
    let result = match wh {
        Warehouse::Sqlite(_) => {
            let expr = fts5_query(&q.text).ok_or(SearchError::Empty)?;
            wh.fetch(SQLITE, &[Param::text(expr), jurisdiction, session, Param::Int(Some(rows_wanted))]).await?
        }
        Warehouse::Postgres(_) => {
            if q.text.trim().is_empty() {
                return Err(SearchError::Empty);
            }
            wh.fetch(
                POSTGRES_SEARCH,
                &[Param::text(q.text.clone()), jurisdiction, session, Param::Int(Some(rows_wanted))],
            )
            .await?
        }
    };
    let col = |name: &str| result.columns.iter().position(|c| c == name);
    let (bill, jur, ses, ident, title, doc, snip, score) = (
        col("bill_id"),
        col("jurisdiction_id"),
        col("session"),
        col("identifier"),
        col("title"),
        col("document_id"),
        col("snippet"),
        col("score"),
    );
    let s = |row: &Vec<serde_json::Value>, i: Option<usize>| {
        i.and_then(|i| row.get(i)).and_then(|v| v.as_str()).unwrap_or_default().to_string()
    };
    let mut hits: Vec<Hit> = Vec::new();
    for row in &result.rows {
        let bill_id = s(row, bill);
        if hits.iter().any(|h| h.bill_id == bill_id) {
            continue;
        }
        hits.push(Hit {
            bill_id,
            jurisdiction_id: s(row, jur),
            session: s(row, ses),
            identifier: s(row, ident),
            title: s(row, title),
            document_id: s(row, doc),
            snippet: s(row, snip).split_whitespace().collect::<Vec<_>>().join(" "),
            score: score.and_then(|i| row.get(i)).and_then(|v| v.as_f64()).unwrap_or(0.0),
            credit: None,
        });
        if hits.len() == limit {
            break;
        }
    }
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
       ts_headline('english', t.text, q.q, 'StartSel=[, StopSel=], MaxWords=24, MinWords=10, MaxFragments=2, FragmentDelimiter=\" … \"') AS snippet,
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
