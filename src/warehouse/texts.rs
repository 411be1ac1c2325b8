//! `document_fetches`: what fetching each version document's URL gave (`run/texts.rs`, the
//! `[texts] fetch` stage), read back as typed rows and written one fetch at a time. The same SQL
//! serves both backends (`$N` placeholders; only the pool type differs).

use super::{Warehouse, WritePool};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// URLs per `IN (...)` list.
const IN_CHUNK: usize = 200;

/// What `document_fetches` holds of one URL, as the texts stage reads it back.
#[derive(Debug, Clone, Default, PartialEq, sqlx::FromRow)]
pub struct StoredFetch {
    /// `extracted`, `unextractable`, `http_error`, `too_large`, `network_error`.
    pub status: String,
    pub text: Option<String>,
    pub attempts: i64,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub payload_sha256: Option<String>,
    /// Where the document says its text is (resolved against its URL).
    pub see_also: Option<String>,
    /// The media type the link declared.
    pub media_type: Option<String>,
    /// The extractor generation that read it (`text::EXTRACTOR`); `None` before there was one.
    pub extractor: Option<String>,
}

#[derive(sqlx::FromRow)]
struct StoredRow {
    url: String,
    #[sqlx(flatten)]
    fetch: StoredFetch,
}

/// One fetch of a document URL, to record (replacing what was recorded of the URL).
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentFetchRow {
    /// Redacted (`fetch::redact_url`): no keys in the warehouse.
    pub url: String,
    pub status: String,
    pub http_status: Option<i64>,
    pub media_type: Option<String>,
    pub bytes: Option<i64>,
    pub payload_sha256: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// How the text was extracted (`text::Extraction::method`).
    pub method: Option<String>,
    /// The extractor generation that read it (`text::EXTRACTOR`).
    pub extractor: Option<String>,
    pub text: Option<String>,
    pub warning: Option<String>,
    pub error: Option<String>,
    pub see_also: Option<String>,
    pub attempts: i64,
    pub fetched_at: DateTime<Utc>,
    pub run_id: i64,
}

const SELECT_HEAD: &str = "SELECT url, status, text, attempts, etag, last_modified, payload_sha256, see_also, media_type, extractor \
                           FROM document_fetches WHERE url IN (";

const UPSERT: &str = "INSERT INTO document_fetches (url, status, http_status, media_type, bytes, payload_sha256, etag, last_modified, method, text_sha256, characters, text, warning, error, see_also, attempts, fetched_at, run_id, extractor) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) \
    ON CONFLICT (url) DO UPDATE SET status = excluded.status, http_status = excluded.http_status, media_type = excluded.media_type, \
    bytes = excluded.bytes, payload_sha256 = excluded.payload_sha256, etag = excluded.etag, last_modified = excluded.last_modified, \
    method = excluded.method, text_sha256 = excluded.text_sha256, characters = excluded.characters, text = excluded.text, \
    warning = excluded.warning, error = excluded.error, see_also = excluded.see_also, attempts = excluded.attempts, fetched_at = excluded.fetched_at, run_id = excluded.run_id, extractor = excluded.extractor";

macro_rules! backend {
    ($m:ident, $DB:ty, $Pool:ty) => {
        mod $m {
            use super::*;
            type Db = $DB;

            pub(super) async fn document_fetches(
                pool: &$Pool,
                urls: &[String],
            ) -> Result<HashMap<String, StoredFetch>, sqlx::Error> {
                let mut out = HashMap::new();
                for chunk in urls.chunks(IN_CHUNK) {
                    let mut qb = sqlx::QueryBuilder::<Db>::new(SELECT_HEAD);
                    let mut list = qb.separated(", ");
                    for url in chunk {
                        list.push_bind(url.clone());
                    }
                    qb.push(")");
                    for row in qb.build_query_as::<StoredRow>().fetch_all(pool).await? {
                        out.insert(row.url, row.fetch);
                    }
                }
                Ok(out)
            }

            pub(super) async fn record_reread(
                pool: &$Pool,
                url: &str,
                text: &str,
                method: &str,
            ) -> Result<(), sqlx::Error> {
                let mut tx = pool.begin_write().await?;
                sqlx::query::<Db>(REREAD)
                    .bind(text)
                    .bind(crate::hash::sha256_hex(text.as_bytes()))
                    .bind(text.chars().count() as i64)
                    .bind(method)
                    .bind(crate::text::EXTRACTOR)
                    .bind(url)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await
            }

            pub(super) async fn record_document_fetch(pool: &$Pool, r: &DocumentFetchRow) -> Result<(), sqlx::Error> {
                let text_sha256 = r.text.as_deref().map(|t| crate::hash::sha256_hex(t.as_bytes()));
                let characters = r.text.as_ref().map(|t| t.chars().count() as i64);
                let mut tx = pool.begin_write().await?;
                sqlx::query::<Db>(UPSERT)
                    .bind(&r.url)
                    .bind(&r.status)
                    .bind(r.http_status)
                    .bind(&r.media_type)
                    .bind(r.bytes)
                    .bind(&r.payload_sha256)
                    .bind(&r.etag)
                    .bind(&r.last_modified)
                    .bind(&r.method)
                    .bind(text_sha256)
                    .bind(characters)
                    .bind(&r.text)
                    .bind(&r.warning)
                    .bind(&r.error)
                    .bind(&r.see_also)
                    .bind(r.attempts)
                    .bind(r.fetched_at)
                    .bind(r.run_id)
                    .bind(&r.extractor)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await
            }
        }
    };
}

const REREAD: &str = "UPDATE document_fetches SET text = $1, text_sha256 = $2, characters = $3, method = $4, extractor = $5 WHERE url = $6";

backend!(sqlite, sqlx::Sqlite, sqlx::SqlitePool);
backend!(postgres, sqlx::Postgres, sqlx::PgPool);

impl Warehouse {
    /// What is recorded of these URLs (redacted, as recorded), by URL; URLs never fetched are
    /// absent.
    pub async fn document_fetches(&self, urls: &[String]) -> Result<HashMap<String, StoredFetch>, sqlx::Error> {
        match self {
            Warehouse::Sqlite(p) => sqlite::document_fetches(p, urls).await,
            Warehouse::Postgres(p) => postgres::document_fetches(p, urls).await,
        }
    }

    /// Records that a document fetched before was read again from its archived bytes by this
    /// extractor generation: its new text and method.
    pub async fn record_reread(&self, url: &str, text: &str, method: &str) -> Result<(), sqlx::Error> {
        match self {
            Warehouse::Sqlite(p) => sqlite::record_reread(p, url, text, method).await,
            Warehouse::Postgres(p) => postgres::record_reread(p, url, text, method).await,
        }
    }

    /// Records one fetch of a URL (its text's hash and length derived here), replacing what was
    /// recorded of it, in a write transaction of its own.
    pub async fn record_document_fetch(&self, row: &DocumentFetchRow) -> Result<(), sqlx::Error> {
        match self {
            Warehouse::Sqlite(p) => sqlite::record_document_fetch(p, row).await,
            Warehouse::Postgres(p) => postgres::record_document_fetch(p, row).await,
        }
    }
}
