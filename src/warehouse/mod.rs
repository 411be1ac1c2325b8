//! The warehouse: SQLite (default, a file) or PostgreSQL, one schema and one behaviour.
//! Only this module writes the database.

pub mod alerts;
pub mod claims;
pub mod diffs;
pub mod export;
pub mod merge;
pub mod people;
mod pg_value;
pub mod resolve;
pub mod scope;
pub mod scorecard;
pub mod search;
mod sql;
pub mod tables;
pub mod texts;
mod value;

use crate::model::Warning;
use crate::normalize::Normalized;
use crate::sources::SourceKind;
use chrono::{DateTime, Utc};
use futures_util::stream::{BoxStream, StreamExt, TryStreamExt};
use merge::Counts;
use serde::Serialize;
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum WarehouseError {
    #[error("database URL {0:?} is neither sqlite:… nor postgres://…")]
    Url(String),
    #[error("cannot connect to {url}")]
    Connect { url: String, source: sqlx::Error },
    #[error("cannot migrate the warehouse at {url}")]
    Migrate { url: String, source: sqlx::migrate::MigrateError },
    #[error("there is no warehouse at {0}: create one with `statehouse init` or `statehouse run`")]
    Missing(String),
    #[error(
        "the database at {url} is not a statehouse warehouse: it holds other tables ({}); \
         give statehouse an empty database or a new file",
        tables.join(", ")
    )]
    Foreign { url: String, tables: Vec<String> },
    #[error(
        "the warehouse at {url} has an older schema than this statehouse ({} {} not applied): \
         run `statehouse init` to migrate it",
        if pending.len() == 1 { "migration" } else { "migrations" },
        pending.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
    )]
    Outdated { url: String, pending: Vec<i64> },
    #[error("the warehouse is opened read-only (this command only reads), and the database refused a write")]
    ReadOnly(#[source] sqlx::Error),
    #[error(transparent)]
    Sql(sqlx::Error),
}

impl From<sqlx::Error> for WarehouseError {
    /// A write the database refused because the warehouse was opened read-only
    /// ([`Warehouse::open_read_only`]) says so; any other error is itself.
    fn from(e: sqlx::Error) -> WarehouseError {
        if refused_as_read_only(&e) { WarehouseError::ReadOnly(e) } else { WarehouseError::Sql(e) }
    }
}

/// Whether the database refused a write because the connection is read-only: SQLite's
/// `SQLITE_READONLY` (8, and its extended codes), PostgreSQL's `read_only_sql_transaction`
/// (25006).
pub fn refused_as_read_only(e: &sqlx::Error) -> bool {
    let Some(db) = e.as_database_error() else { return false };
    let Some(code) = db.code() else { return false };
    if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        code.parse::<i32>().is_ok_and(|c| c & 0xff == 8)
    } else {
        code == "25006"
    }
}

/// A connected warehouse.
#[derive(Clone, Debug)]
pub enum Warehouse {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

/// Runs the same code on either pool.
macro_rules! dispatch {
    ($self:expr, $m:ident :: $f:ident ( $($arg:expr),* )) => {
        match $self {
            Warehouse::Sqlite(p) => sql::sqlite::$f(p, $($arg),*).await,
            Warehouse::Postgres(p) => sql::postgres::$f(p, $($arg),*).await,
        }
    };
}

/// One raw payload (file or HTTP body), for `raw_payloads`.
#[derive(Debug, Clone, Serialize)]
pub struct PayloadRecord {
    pub location: String,
    pub fetched_at: DateTime<Utc>,
    pub http_status: Option<u16>,
    pub sha256: String,
    pub bytes: u64,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// Whether its records were loaded (false: unparseable, or recorded only).
    pub loaded: bool,
}

impl PayloadRecord {
    /// A payload read now from `location`: a file (`http` None) or a response (its status and
    /// validators kept for the next conditional GET); `loaded` true.
    pub fn new(location: impl Into<String>, sha256: String, bytes: u64, http: Option<&crate::fetch::Fetched>) -> Self {
        PayloadRecord {
            location: location.into(),
            fetched_at: Utc::now(),
            http_status: http.map(|g| g.status),
            sha256,
            bytes,
            etag: http.and_then(|g| g.etag.clone()),
            last_modified: http.and_then(|g| g.last_modified.clone()),
            loaded: true,
        }
    }
}

/// One transaction's worth of work.
#[derive(Debug)]
pub struct LoadBatch {
    pub pipeline: String,
    pub source: String,
    /// The source kind, namespace of the source keys in `bill_sources`.
    pub source_kind: crate::sources::SourceKind,
    /// The source's bill keys are stable (kept in `entity_sources`); when false, the bill's
    /// own id stands for the key.
    pub record_bill_sources: bool,
    /// Stored entities loaded again to fill in links: no claims, no precedence, no matching.
    pub reload: bool,
    pub normalized: Normalized,
    pub payloads: Vec<PayloadRecord>,
    pub warnings: Vec<Warning>,
}

#[derive(Debug, Default)]
pub struct LoadOutcome {
    pub counts: Counts,
    /// People were inserted or changed (voters and sponsors may now link to them).
    pub people_changed: bool,
    pub changes: usize,
    /// Every warning of the batch (parse, normalize and load), as stored.
    pub warnings: Vec<Warning>,
}

/// What one source did in one run (`run_sources`).
#[derive(Debug, Clone, Serialize)]
pub struct SourceReport {
    pub source: String,
    pub kind: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// `succeeded` or `failed`.
    pub status: String,
    pub requests: u64,
    pub bytes: u64,
    pub payloads: u64,
    pub unchanged_payloads: u64,
    pub records: u64,
    pub counts: Counts,
    pub changes: u64,
    pub warnings: u64,
    pub error: Option<String>,
}

/// A run's totals, for the `runs` row.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct RunTotals {
    pub requests: i64,
    pub bytes: i64,
    pub records: i64,
    pub changes: i64,
    pub warnings: i64,
    pub duration_ms: i64,
}

/// One source's outcome in one run, newest first (for freshness and streaks).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct SourceRun {
    pub run_id: i64,
    pub status: String,
    pub payloads: i64,
    pub unchanged_payloads: i64,
    pub records: i64,
    pub error: Option<String>,
    pub finished_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewOperatorAlert {
    pub pipeline: String,
    pub source: String,
    /// `failing` or `empty`.
    pub kind: String,
    pub first_run_id: i64,
    pub last_run_id: i64,
    pub streak: i64,
    pub message: String,
}

/// A statement's rows from the driver as they come, as JSON values; the first with the
/// column names.
type RowStream<'a> = BoxStream<'a, Result<(Option<Vec<String>>, Vec<Value>), sqlx::Error>>;

/// A statement's rows as they come ([`Warehouse::stream`]), each a JSON value per column.
pub struct Rows<'a> {
    pub columns: Vec<String>,
    first: Option<Vec<Value>>,
    rest: RowStream<'a>,
}

impl Rows<'_> {
    /// The next row; None after the last.
    pub async fn next(&mut self) -> Result<Option<Vec<Value>>, sqlx::Error> {
        if let Some(first) = self.first.take() {
            return Ok(Some(first));
        }
        Ok(self.rest.try_next().await?.map(|(_, values)| values))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct QueryResult {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

/// A bound parameter of [`Warehouse::fetch`] and [`Warehouse::execute_all`] (`$1`, `$2`, …),
/// typed so that NULLs bind with a type on PostgreSQL.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Text(Option<String>),
    Int(Option<i64>),
    Bool(bool),
    Time(Option<DateTime<Utc>>),
    Date(Option<chrono::NaiveDate>),
}

impl Param {
    pub fn text(s: impl Into<String>) -> Param {
        Param::Text(Some(s.into()))
    }
}

/// Opening a write transaction: on PostgreSQL it takes the ledger's advisory lock, so that
/// change-event sequence numbers are handed out in commit order; on SQLite `BEGIN
/// IMMEDIATE` takes the database's write lock up front.
pub(crate) trait WritePool {
    type Db: sqlx::Database;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>;
}

/// Key of the PostgreSQL advisory lock that serializes ledger writers.
pub const LEDGER_LOCK: i64 = 0x5354_4154_4548_0001;

impl WritePool for sqlx::SqlitePool {
    type Db = sqlx::Sqlite;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

impl WritePool for sqlx::PgPool {
    type Db = sqlx::Postgres;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        let mut tx = self.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(LEDGER_LOCK).execute(&mut *tx).await?;
        Ok(tx)
    }
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("sql/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("sql/postgres");

impl Warehouse {
    /// Connects (creating a SQLite file if needed) and applies pending migrations.
    pub async fn open(url: &str) -> Result<Warehouse, WarehouseError> {
        let wh = if url.starts_with("sqlite:") {
            let opts = sqlite_options(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal);
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(opts)
                .await
                .map_err(|source| WarehouseError::Connect { url: url.into(), source })?;
            let foreign: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
                 AND NOT EXISTS (SELECT 1 FROM sqlite_master WHERE name = '_sqlx_migrations') ORDER BY name LIMIT 5",
            )
            .fetch_all(&pool)
            .await?;
            if !foreign.is_empty() {
                pool.close().await;
                return Err(WarehouseError::Foreign { url: url.into(), tables: foreign });
            }
            // SQLite has no migration lock: two processes opening a new file at once can race
            // to apply the same migration, and the loser then finds it applied on a retry.
            let mut attempt = 0;
            loop {
                match SQLITE_MIGRATIONS.run(&pool).await {
                    Ok(()) => break,
                    Err(_) if attempt < 5 => {
                        attempt += 1;
                        tokio::time::sleep(Duration::from_millis(200 * attempt)).await;
                    }
                    Err(source) => return Err(WarehouseError::Migrate { url: url.into(), source }),
                }
            }
            Warehouse::Sqlite(pool)
        } else if is_postgres(url) {
            let pool = pg_pool(url, pg_options(url)?).await?;
            let foreign: Vec<String> = sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() \
                 AND to_regclass('_sqlx_migrations') IS NULL ORDER BY table_name LIMIT 5",
            )
            .fetch_all(&pool)
            .await?;
            if !foreign.is_empty() {
                pool.close().await;
                return Err(WarehouseError::Foreign { url: redact(url), tables: foreign });
            }
            POSTGRES_MIGRATIONS
                .run(&pool)
                .await
                .map_err(|source| WarehouseError::Migrate { url: redact(url), source })?;
            Warehouse::Postgres(pool)
        } else {
            return Err(WarehouseError::Url(redact(url)));
        };
        wh.fill_local_starts().await?;
        Ok(wh)
    }

    /// Fills `events.start_local` where it is missing: the events stored before migration
    /// 0006 (the loader fills it for the others). A no-op read once they are filled.
    async fn fill_local_starts(&self) -> Result<(), WarehouseError> {
        let missing = self
            .fetch(
                "SELECT id, start_time, start_date, timezone FROM events \
                 WHERE start_local IS NULL AND start_date IS NOT NULL",
                &[],
            )
            .await?;
        let text = |v: &Value| v.as_str().map(str::to_string);
        let updates: Vec<(String, Vec<Param>)> = missing
            .rows
            .iter()
            .filter_map(|r| {
                let start_time = text(&r[1]).and_then(|s| alerts::parse_time(&s));
                let start_date = text(&r[2]).and_then(|s| s.get(..10).and_then(|d| d.parse().ok()));
                let local =
                    crate::normalize::rows::local_start(start_time, start_date, r[3].as_str().unwrap_or("UTC"))?;
                Some((
                    "UPDATE events SET start_local = $1 WHERE id = $2".to_string(),
                    vec![Param::Text(Some(local)), Param::Text(text(&r[0]))],
                ))
            })
            .collect();
        if !updates.is_empty() {
            self.execute_all(&updates).await?;
            tracing::info!(events = updates.len(), "filled events.start_local (migration 0006)");
        }
        Ok(())
    }

    /// Connects for reading only, so that the database itself refuses any write (a refused
    /// write is [`WarehouseError::ReadOnly`]): SQLite opens the file `mode=ro`; on PostgreSQL
    /// every transaction of every connection is read-only (`default_transaction_read_only`).
    /// Creates nothing and migrates nothing: a warehouse that does not exist is
    /// [`WarehouseError::Missing`], one whose schema is older than this build (migrations
    /// pending) [`WarehouseError::Outdated`].
    pub async fn open_read_only(url: &str) -> Result<Warehouse, WarehouseError> {
        if url.starts_with("sqlite:") {
            let opts = sqlite_options(url)?.read_only(true).create_if_missing(false);
            let file = opts.get_filename().to_path_buf();
            if file.as_os_str() != ":memory:" && !file.exists() {
                return Err(WarehouseError::Missing(file.display().to_string()));
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(opts)
                .await
                .map_err(|source| WarehouseError::Connect { url: url.into(), source })?;
            let mut conn = pool.acquire().await?;
            let applied = match sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1",
            )
            .bind(&*SQLITE_MIGRATIONS.table_name)
            .fetch_one(&mut *conn)
            .await?
            {
                0 => Vec::new(),
                _ => applied_versions(&mut *conn, &SQLITE_MIGRATIONS, url).await?,
            };
            drop(conn);
            check_schema(&SQLITE_MIGRATIONS, &applied, url)?;
            Ok(Warehouse::Sqlite(pool))
        } else if is_postgres(url) {
            let opts = pg_options(url)?.options([("default_transaction_read_only", "on")]);
            let pool = pg_pool(url, opts).await?;
            let mut conn = pool.acquire().await?;
            let applied = match sqlx::query_scalar::<_, bool>("SELECT to_regclass($1) IS NOT NULL")
                .bind(&*POSTGRES_MIGRATIONS.table_name)
                .fetch_one(&mut *conn)
                .await?
            {
                false => Vec::new(),
                true => applied_versions(&mut *conn, &POSTGRES_MIGRATIONS, url).await?,
            };
            drop(conn);
            check_schema(&POSTGRES_MIGRATIONS, &applied, url)?;
            Ok(Warehouse::Postgres(pool))
        } else {
            Err(WarehouseError::Url(redact(url)))
        }
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Warehouse::Sqlite(_) => "sqlite",
            Warehouse::Postgres(_) => "postgres",
        }
    }

    pub async fn load(&self, run_id: i64, batch: LoadBatch) -> Result<LoadOutcome, sqlx::Error> {
        dispatch!(self, sql::load(run_id, batch))
    }

    pub async fn record_payloads(
        &self,
        run_id: i64,
        pipeline: &str,
        source: &str,
        payloads: &[PayloadRecord],
        warnings: &[Warning],
    ) -> Result<(), sqlx::Error> {
        dispatch!(self, sql::record_payloads_now(run_id, pipeline, source, payloads, warnings))
    }

    pub async fn loaded_hashes(
        &self,
        pipeline: &str,
        source: &str,
    ) -> Result<std::collections::HashMap<String, String>, sqlx::Error> {
        dispatch!(self, sql::loaded_hashes(pipeline, source))
    }

    pub async fn last_payload(
        &self,
        pipeline: &str,
        source: &str,
        location: &str,
    ) -> Result<Option<(String, Option<String>, Option<String>)>, sqlx::Error> {
        dispatch!(self, sql::last_payload(pipeline, source, location))
    }

    pub async fn begin_run(&self, pipeline: &str, at: DateTime<Utc>) -> Result<i64, sqlx::Error> {
        dispatch!(self, sql::begin_run(pipeline, at))
    }

    pub async fn finish_run(
        &self,
        run_id: i64,
        status: &str,
        summary: &Value,
        totals: &RunTotals,
        at: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        dispatch!(self, sql::finish_run(run_id, status, summary, totals, at))
    }

    pub async fn run_history(&self, pipeline: &str) -> Result<crate::schedule::History, sqlx::Error> {
        dispatch!(self, sql::run_history(pipeline))
    }

    pub async fn source_runs(&self, pipeline: &str, source: &str, limit: i64) -> Result<Vec<SourceRun>, sqlx::Error> {
        dispatch!(self, sql::source_runs(pipeline, source, limit))
    }

    pub async fn insert_operator_alert(&self, alert: &NewOperatorAlert) -> Result<bool, sqlx::Error> {
        dispatch!(self, sql::insert_operator_alert(alert))
    }

    /// Takes the pipeline's run lock, if no one else holds it: a PostgreSQL session advisory
    /// lock (held by a connection of its own, so a crash releases it), or on SQLite an
    /// exclusive lock on a file beside the database (released by the OS when the process
    /// ends). `None`: the pipeline is running elsewhere.
    pub async fn try_lock_pipeline(&self, pipeline: &str) -> Result<Option<PipelineLock>, sqlx::Error> {
        match self {
            Warehouse::Postgres(pool) => {
                let mut conn = pool.acquire().await?.detach();
                let key = lock_key(pipeline);
                let got: bool =
                    sqlx::query_scalar("SELECT pg_try_advisory_lock($1)").bind(key).fetch_one(&mut conn).await?;
                Ok(got.then_some(PipelineLock::Postgres(conn)))
            }
            Warehouse::Sqlite(pool) => {
                let db = pool.connect_options().get_filename().to_path_buf();
                let safe: String = pipeline
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
                    .collect();
                let path = PathBuf::from(format!("{}.{safe}.lock", db.display()));
                let file = std::fs::OpenOptions::new()
                    .create(true)
                    .truncate(false)
                    .write(true)
                    .open(&path)
                    .map_err(sqlx::Error::Io)?;
                match file.try_lock() {
                    Ok(()) => Ok(Some(PipelineLock::File(file))),
                    Err(std::fs::TryLockError::WouldBlock) => Ok(None),
                    Err(std::fs::TryLockError::Error(e)) => Err(sqlx::Error::Io(e)),
                }
            }
        }
    }

    pub async fn record_source(&self, run_id: i64, report: &SourceReport) -> Result<(), sqlx::Error> {
        dispatch!(self, sql::record_source(run_id, report))
    }

    pub async fn get_state(&self, pipeline: &str, source: &str, key: &str) -> Result<Option<String>, sqlx::Error> {
        dispatch!(self, sql::get_state(pipeline, source, key))
    }

    pub async fn set_state(&self, pipeline: &str, source: &str, key: &str, value: &str) -> Result<(), sqlx::Error> {
        dispatch!(self, sql::set_state(pipeline, source, key, value))
    }

    /// Links votes and agenda items to bills that arrived after them (a vote file loaded
    /// before its bill file, a bill that failed to parse and was fixed). Each link is an
    /// ordinary change (`vote_changed`, `agenda_item_changed`) in the ledger.
    pub async fn relink(
        &self,
        run_id: i64,
        pipeline: &str,
        source: &str,
        source_kind: crate::sources::SourceKind,
    ) -> Result<LoadOutcome, sqlx::Error> {
        let (votes, events) = dispatch!(self, sql::orphans())?;
        self.reload(run_id, pipeline, source, source_kind, Normalized { votes, events, ..Default::default() }).await
    }

    /// Loads stored entities again (after their links were filled in), as the given source.
    async fn reload(
        &self,
        run_id: i64,
        pipeline: &str,
        source: &str,
        source_kind: crate::sources::SourceKind,
        normalized: Normalized,
    ) -> Result<LoadOutcome, sqlx::Error> {
        if normalized.entity_count() == 0 {
            return Ok(LoadOutcome::default());
        }
        let batch = LoadBatch {
            pipeline: pipeline.into(),
            source: source.into(),
            source_kind,
            record_bill_sources: false,
            reload: true,
            normalized,
            payloads: Vec::new(),
            warnings: Vec::new(),
        };
        self.load(run_id, batch).await
    }

    /// Links voters and sponsors to people loaded after them (matching names in the same
    /// jurisdiction); each link is an ordinary `vote_changed` or `sponsor_changed` change.
    pub async fn relink_people(
        &self,
        run_id: i64,
        pipeline: &str,
        source: &str,
        source_kind: crate::sources::SourceKind,
        jurisdiction_id: &str,
    ) -> Result<LoadOutcome, sqlx::Error> {
        let (votes, bills) = dispatch!(self, sql::people_orphans(jurisdiction_id))?;
        self.reload(run_id, pipeline, source, source_kind, Normalized { votes, bills, ..Default::default() }).await
    }

    /// Any SQL, its rows read into memory (for short results; `statehouse query` uses
    /// [`Warehouse::stream`]).
    pub async fn query(&self, sql_text: &str) -> Result<QueryResult, sqlx::Error> {
        let mut rows = self.stream(sql_text).await?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().await? {
            out.push(row);
        }
        Ok(QueryResult { columns: rows.columns, rows: out })
    }

    /// Any SQL, its rows as the database sends them, one at a time (`statehouse query`):
    /// nothing is read ahead beyond the driver's buffers. Waits for the first row (or the end),
    /// so the columns are known before any row is read; an error in the statement is
    /// returned here, one while rows come from [`Rows::next`].
    pub async fn stream(&self, sql_text: &str) -> Result<Rows<'_>, sqlx::Error> {
        let mut rest = match self {
            Warehouse::Sqlite(p) => sql::sqlite::stream(p, sql_text),
            Warehouse::Postgres(p) => sql::postgres::stream(p, sql_text),
        };
        match rest.try_next().await? {
            Some((names, values)) => Ok(Rows { columns: names.unwrap_or_default(), first: Some(values), rest }),
            None => {
                // Give the connection back before describing the statement on another.
                drop(rest);
                let columns = dispatch!(self, sql::columns(sql_text));
                Ok(Rows { columns, first: None, rest: futures_util::stream::empty().boxed() })
            }
        }
    }

    /// One statement with bound parameters (`$1`, …), its rows as JSON values.
    pub async fn fetch(&self, sql_text: &str, params: &[Param]) -> Result<QueryResult, sqlx::Error> {
        dispatch!(self, sql::fetch(sql_text, params))
    }

    /// Statements in one write transaction (all or nothing); the rows each affected.
    pub async fn execute_all(&self, stmts: &[(String, Vec<Param>)]) -> Result<Vec<u64>, sqlx::Error> {
        dispatch!(self, sql::execute_all(stmts))
    }

    /// The credit lines these bills must be shown with: for each bill delivered (in part) by a
    /// source whose licence asks for one ([`SourceKind::credit_line`]: LegiScan's CC BY 4.0),
    /// its lines, one per line. Bills that need none are absent.
    pub async fn credit_lines(
        &self,
        bill_ids: &[String],
    ) -> Result<std::collections::HashMap<String, String>, sqlx::Error> {
        let mut kinds: std::collections::HashMap<String, std::collections::BTreeSet<SourceKind>> = Default::default();
        for chunk in bill_ids.chunks(200) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT DISTINCT entity_id, source_kind FROM entity_sources WHERE entity_type = 'bill' \
                 AND entity_id IN ({})",
                marks.join(", ")
            );
            let params: Vec<Param> = chunk.iter().map(|id| Param::text(id.clone())).collect();
            for row in self.fetch(&sql, &params).await?.rows {
                let text = |i: usize| row.get(i).and_then(|v| v.as_str());
                if let (Some(id), Some(kind)) = (text(0), text(1).and_then(SourceKind::parse))
                    && kind.credit_line().is_some()
                {
                    kinds.entry(id.to_string()).or_default().insert(kind);
                }
            }
        }
        Ok(kinds
            .into_iter()
            .map(|(id, ks)| {
                let mut lines: Vec<&str> = ks.into_iter().filter_map(SourceKind::credit_line).collect();
                lines.dedup();
                (id, lines.join("\n"))
            })
            .collect())
    }

    pub async fn close(&self) {
        match self {
            Warehouse::Sqlite(p) => p.close().await,
            Warehouse::Postgres(p) => p.close().await,
        }
    }
}

/// A held pipeline lock. [`PipelineLock::release`] releases it at once; dropping it releases
/// it too (a crash, a panic), but on PostgreSQL only once the server notices the closed
/// connection, so a run that starts right after could find it still held.
#[derive(Debug)]
pub enum PipelineLock {
    Postgres(sqlx::PgConnection),
    File(std::fs::File),
}

impl PipelineLock {
    /// Releases the lock before returning: PostgreSQL's advisory lock is unlocked and its
    /// connection closed; the lock file is unlocked.
    pub async fn release(self, pipeline: &str) -> Result<(), sqlx::Error> {
        match self {
            PipelineLock::Postgres(mut conn) => {
                use sqlx::Connection;
                sqlx::query("SELECT pg_advisory_unlock($1)").bind(lock_key(pipeline)).execute(&mut conn).await?;
                conn.close().await
            }
            PipelineLock::File(file) => file.unlock().map_err(sqlx::Error::Io),
        }
    }
}

/// The advisory-lock key of a pipeline: 63 bits of sha256 over a namespaced name.
pub fn lock_key(pipeline: &str) -> i64 {
    use sha2::Digest;
    let d = sha2::Sha256::digest(format!("statehouse pipeline {pipeline}").as_bytes());
    i64::from_be_bytes(d[..8].try_into().expect("8 bytes")) & i64::MAX
}

/// A database URL with its password replaced, for messages and logs.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("****"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// A SQLite URL's options, for writing and reading alike.
fn sqlite_options(url: &str) -> Result<SqliteConnectOptions, WarehouseError> {
    Ok(SqliteConnectOptions::from_str(url)
        .map_err(|source| WarehouseError::Connect { url: url.into(), source })?
        .busy_timeout(Duration::from_secs(60))
        // Ids are hashes, so inserts land all over the B-trees: a 64 MiB page cache
        // (SQLite's default is 2 MiB) keeps a batch's pages in memory.
        .pragma("cache_size", "-65536")
        .pragma("temp_store", "memory"))
}

/// A PostgreSQL URL's options, for writing and reading alike.
fn pg_options(url: &str) -> Result<PgConnectOptions, WarehouseError> {
    // Custom plans for every execution of a prepared statement: the loader's `… IN ($1,
    // …, $500)` key lookups otherwise get a generic plan after five executions, which
    // without table statistics (a fresh warehouse, during its first load) scans
    // instead of using the key (BENCHMARKS.md, California, PostgreSQL).
    Ok(PgConnectOptions::from_str(url)
        .map_err(|source| WarehouseError::Connect { url: redact(url), source })?
        .options([("plan_cache_mode", "force_custom_plan")]))
}

async fn pg_pool(url: &str, opts: PgConnectOptions) -> Result<sqlx::PgPool, WarehouseError> {
    // One direct connection first: a refused connection or a bad password is reported
    // as itself, not as a pool time-out.
    let probe = <sqlx::PgConnection as sqlx::Connection>::connect_with(&opts)
        .await
        .map_err(|source| WarehouseError::Connect { url: redact(url), source })?;
    let _ = sqlx::Connection::close(probe).await;
    PgPoolOptions::new()
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(opts)
        .await
        .map_err(|source| WarehouseError::Connect { url: redact(url), source })
}

/// The migrations applied to a warehouse, read from sqlx's table without touching it.
async fn applied_versions<C: sqlx::migrate::Migrate>(
    conn: &mut C,
    migrator: &sqlx::migrate::Migrator,
    url: &str,
) -> Result<Vec<i64>, WarehouseError> {
    let applied = conn
        .list_applied_migrations(&migrator.table_name)
        .await
        .map_err(|source| WarehouseError::Migrate { url: redact(url), source })?;
    Ok(applied.into_iter().map(|m| m.version).collect())
}

/// A database with no migration applied holds no warehouse; one missing some of this
/// build's migrations is older than this build.
fn check_schema(migrator: &sqlx::migrate::Migrator, applied: &[i64], url: &str) -> Result<(), WarehouseError> {
    if applied.is_empty() {
        return Err(WarehouseError::Missing(redact(url)));
    }
    let pending: Vec<i64> = migrator
        .iter()
        .filter(|m| !m.migration_type.is_down_migration() && !applied.contains(&m.version))
        .map(|m| m.version)
        .collect();
    if pending.is_empty() { Ok(()) } else { Err(WarehouseError::Outdated { url: redact(url), pending }) }
}
