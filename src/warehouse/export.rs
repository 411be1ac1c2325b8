//! `statehouse export`: the warehouse's tables and views as Parquet or CSV files with typed
//! columns (written by polars), all read in one transaction, so that they agree with each
//! other and with the ledger sequence number the manifest gives: SQLite's read transaction is
//! a snapshot (WAL), PostgreSQL's is `REPEATABLE READ READ ONLY`.
//!
//! A column's type is the one PostgreSQL gives it, on both backends: SQLite stores dates,
//! times and booleans as text and integers, so its columns take the type PostgreSQL's
//! schema declares for a column of that name (from the PostgreSQL migrations), then their
//! declared type, then the storage class of their first value.

use super::{POSTGRES_MIGRATIONS, Warehouse};
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::TryStreamExt;
use polars::prelude::*;
use serde::Serialize;
use sqlx::{AssertSqlSafe, Column as _, Row, SqlSafeStr, TypeInfo, ValueRef};
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

/// Rows per batch: each batch is one Parquet row group.
const BATCH: usize = 50_000;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("no table or view {name:?} in the warehouse (it has: {available})")]
    UnknownTable { name: String, available: String },
    #[error("reading {table} from the warehouse")]
    Read { table: String, source: sqlx::Error },
    #[error(transparent)]
    Sql(#[from] sqlx::Error),
    #[error("writing {path}")]
    Write { path: PathBuf, source: PolarsError },
    #[error("writing {path}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// `statehouse export --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Parquet,
    Csv,
}

impl ExportFormat {
    fn extension(self) -> &'static str {
        match self {
            ExportFormat::Parquet => "parquet",
            ExportFormat::Csv => "csv",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub format: ExportFormat,
    pub out: PathBuf,
    /// Only these tables and views (default: all).
    pub tables: Option<Vec<String>>,
    /// Only the ledger's events after this sequence number; the export is then of
    /// `change_events` alone unless `tables` names others.
    pub since_seq: Option<i64>,
}

/// `manifest.json`, written last: a folder with a manifest holds a whole export.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    pub statehouse: &'static str,
    pub backend: &'static str,
    pub format: &'static str,
    /// When the snapshot was taken (UTC).
    pub taken_at: DateTime<Utc>,
    /// The database's `CURRENT_DATE` in the snapshot: the "today" of views such as
    /// `upcoming_hearings`.
    pub database_date: String,
    /// The last migration applied to the warehouse.
    pub schema_version: i64,
    /// The ledger's last sequence number in the snapshot: every file agrees with it.
    pub ledger_seq: i64,
    /// With `--since-seq`: `change_events` holds the events after this one only.
    pub since_seq: Option<i64>,
    pub tables: Vec<ExportedTable>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExportedTable {
    pub name: String,
    /// `table` or `view`.
    pub kind: String,
    pub file: String,
    pub rows: u64,
    pub columns: Vec<ExportedColumn>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExportedColumn {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: Kind,
    /// SQLite values that are not of the column's type (a date that is not a date), written
    /// as nulls.
    #[serde(skip_serializing_if = "is_zero")]
    pub unreadable: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// A column's type in the export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Integer,
    Float,
    Boolean,
    Date,
    /// A moment, UTC (Parquet: microseconds, zone UTC).
    Timestamp,
    Text,
}

impl Kind {
    fn of_postgres(type_name: &str) -> Option<Kind> {
        Some(match type_name {
            "INT2" | "INT4" | "INT8" => Kind::Integer,
            "FLOAT4" | "FLOAT8" | "NUMERIC" => Kind::Float,
            "BOOL" => Kind::Boolean,
            "DATE" => Kind::Date,
            "TIMESTAMPTZ" | "TIMESTAMP" => Kind::Timestamp,
            // Search vectors are PostgreSQL's own index of the texts, not data.
            t if t.eq_ignore_ascii_case("tsvector") => return None,
            _ => Kind::Text,
        })
    }

    /// The SQL that reads a PostgreSQL column as this type's Rust value.
    fn postgres_select(self, column: &str) -> String {
        let c = quote(column);
        match self {
            Kind::Integer => format!("{c}::int8"),
            Kind::Float => format!("{c}::float8"),
            Kind::Timestamp => format!("{c}::timestamptz"),
            Kind::Text => format!("{c}::text"),
            Kind::Boolean | Kind::Date => c,
        }
    }
}

/// PostgreSQL's declared types of dates, moments and booleans, by column name, from its
/// migrations: the types SQLite's text and integer columns of those names hold. A name
/// declared with two types anywhere is left out.
static POSTGRES_TYPES: LazyLock<HashMap<String, Kind>> = LazyLock::new(|| {
    let decl = regex::Regex::new(
        r"(?m)(?:^\s*|ADD COLUMN\s+)([a-z_][a-z0-9_]*)\s+(DATE|TIMESTAMPTZ|BOOLEAN|TEXT|BIGINT|INTEGER|BIGSERIAL|DOUBLE PRECISION)\b",
    )
    .expect("valid regex");
    let mut seen: HashMap<String, Option<Kind>> = HashMap::new();
    for m in POSTGRES_MIGRATIONS.iter() {
        for c in decl.captures_iter(m.sql.as_str()) {
            let kind = match &c[2] {
                "DATE" => Kind::Date,
                "TIMESTAMPTZ" => Kind::Timestamp,
                "BOOLEAN" => Kind::Boolean,
                "TEXT" => Kind::Text,
                "DOUBLE PRECISION" => Kind::Float,
                _ => Kind::Integer,
            };
            seen.entry(c[1].to_string())
                .and_modify(|k| {
                    if *k != Some(kind) {
                        *k = None
                    }
                })
                .or_insert(Some(kind));
        }
    }
    seen.into_iter()
        .filter_map(|(name, k)| match k {
            Some(k @ (Kind::Date | Kind::Timestamp | Kind::Boolean)) => Some((name, k)),
            _ => None,
        })
        .collect()
});

/// Computed columns of views whose type SQLite cannot tell (no declared type, and often all
/// NULL): PostgreSQL's. The export test compares every column's type on both backends, so a
/// new one shows there.
const VIEW_COLUMNS: &[(&str, &str, Kind)] = &[
    ("bill_status", "next_hearing_date", Kind::Date),
    ("source_freshness", "last_success", Kind::Timestamp),
    ("legislator_scorecards", "votes_with", Kind::Integer),
    ("legislator_scorecards", "votes_against", Kind::Integer),
    ("legislator_scorecards", "absent", Kind::Integer),
    ("legislator_scorecards", "score", Kind::Float),
    ("legislators", "email", Kind::Text),
    ("legislators", "capitol_phone", Kind::Text),
    ("legislators", "district_phone", Kind::Text),
    ("committee_rosters", "name", Kind::Text),
    ("committee_rosters", "role_rank", Kind::Integer),
    ("committee_rosters", "email", Kind::Text),
    ("committee_rosters", "phone", Kind::Text),
    ("voter_links", "vote_records", Kind::Integer),
    ("voter_links", "linked", Kind::Integer),
    ("voter_links", "linked_percent", Kind::Float),
];

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// One column's values of one batch.
enum Values {
    Integer(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
    Boolean(Vec<Option<bool>>),
    Date(Vec<Option<i32>>),
    Timestamp(Vec<Option<i64>>),
    Text(Vec<Option<String>>),
}

impl Values {
    fn new(kind: Kind) -> Values {
        match kind {
            Kind::Integer => Values::Integer(Vec::new()),
            Kind::Float => Values::Float(Vec::new()),
            Kind::Boolean => Values::Boolean(Vec::new()),
            Kind::Date => Values::Date(Vec::new()),
            Kind::Timestamp => Values::Timestamp(Vec::new()),
            Kind::Text => Values::Text(Vec::new()),
        }
    }

    /// The batch as a polars column; the values are taken, ready for the next batch.
    fn take(&mut self, name: &str) -> polars::prelude::Column {
        let name = PlSmallStr::from(name);
        let series = match self {
            Values::Integer(v) => Series::new(name, std::mem::take(v)),
            Values::Float(v) => Series::new(name, std::mem::take(v)),
            Values::Boolean(v) => Series::new(name, std::mem::take(v)),
            Values::Date(v) => Series::new(name, std::mem::take(v)).into_date(),
            Values::Timestamp(v) => {
                Series::new(name, std::mem::take(v)).into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
            }
            Values::Text(v) => Series::new(name, std::mem::take(v)),
        };
        series.into()
    }
}

const EPOCH: NaiveDate = NaiveDate::from_ymd_opt(1970, 1, 1).expect("a date");

fn days(d: NaiveDate) -> i32 {
    (d - EPOCH).num_days() as i32
}

/// A column being exported.
struct Col {
    name: String,
    kind: Kind,
    values: Values,
    unreadable: u64,
}

/// One row's cells into the columns.
trait PushRow {
    fn push(&self, cols: &mut [Col]);
}

impl PushRow for sqlx::postgres::PgRow {
    fn push(&self, cols: &mut [Col]) {
        // The SELECT cast every column to its kind's type.
        for (i, c) in cols.iter_mut().enumerate() {
            let ok = match &mut c.values {
                Values::Integer(v) => self.try_get::<Option<i64>, _>(i).map(|x| v.push(x)),
                Values::Float(v) => self.try_get::<Option<f64>, _>(i).map(|x| v.push(x)),
                Values::Boolean(v) => self.try_get::<Option<bool>, _>(i).map(|x| v.push(x)),
                Values::Date(v) => self.try_get::<Option<NaiveDate>, _>(i).map(|x| v.push(x.map(days))),
                Values::Timestamp(v) => {
                    self.try_get::<Option<DateTime<Utc>>, _>(i).map(|x| v.push(x.map(|t| t.timestamp_micros())))
                }
                Values::Text(v) => self.try_get::<Option<String>, _>(i).map(|x| v.push(x)),
            };
            if ok.is_err() {
                c.unreadable += 1;
                push_null(&mut c.values);
            }
        }
    }
}

fn push_null(v: &mut Values) {
    match v {
        Values::Integer(v) => v.push(None),
        Values::Float(v) => v.push(None),
        Values::Boolean(v) => v.push(None),
        Values::Date(v) => v.push(None),
        Values::Timestamp(v) => v.push(None),
        Values::Text(v) => v.push(None),
    }
}

impl PushRow for sqlx::sqlite::SqliteRow {
    fn push(&self, cols: &mut [Col]) {
        // SQLite is dynamically typed: read each value by its own storage class, then as
        // the column's kind.
        for (i, c) in cols.iter_mut().enumerate() {
            let class = match self.try_get_raw(i) {
                Ok(raw) if raw.is_null() => None,
                Ok(raw) => Some(raw.type_info().name().to_string()),
                Err(_) => {
                    c.unreadable += 1;
                    push_null(&mut c.values);
                    continue;
                }
            };
            let Some(class) = class else {
                push_null(&mut c.values);
                continue;
            };
            let int = || self.try_get::<i64, _>(i).ok();
            let text = || self.try_get::<String, _>(i).ok();
            let ok = match &mut c.values {
                Values::Integer(v) => {
                    let x = if class == "INTEGER" { int() } else { text().and_then(|s| s.trim().parse().ok()) };
                    v.push(x);
                    x.is_some()
                }
                Values::Float(v) => {
                    let x = self.try_get::<f64, _>(i).ok();
                    v.push(x);
                    x.is_some()
                }
                Values::Boolean(v) => {
                    let x = int().map(|n| n != 0);
                    v.push(x);
                    x.is_some()
                }
                Values::Date(v) => {
                    let x = text().and_then(|s| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()).map(days);
                    v.push(x);
                    x.is_some()
                }
                Values::Timestamp(v) => {
                    let x = text().and_then(|s| super::alerts::parse_time(&s)).map(|t| t.timestamp_micros());
                    v.push(x);
                    x.is_some()
                }
                Values::Text(v) => {
                    let x = match class.as_str() {
                        "INTEGER" => int().map(|n| n.to_string()),
                        "REAL" => self.try_get::<f64, _>(i).ok().map(|f| f.to_string()),
                        _ => text(),
                    };
                    v.push(x.clone());
                    x.is_some()
                }
            };
            if !ok {
                c.unreadable += 1;
            }
        }
    }
}

/// Where a table's batches go.
enum Sink {
    Parquet(Box<polars::io::parquet::write::BatchedWriter<File>>),
    Csv(polars::io::csv::write::BatchedWriter<File>),
}

impl Sink {
    fn create(format: ExportFormat, path: &Path, schema: &Schema) -> Result<Sink, ExportError> {
        let file = File::create(path).map_err(|source| ExportError::Io { path: path.into(), source })?;
        let wrap = |source| ExportError::Write { path: path.into(), source };
        Ok(match format {
            ExportFormat::Parquet => Sink::Parquet(Box::new(ParquetWriter::new(file).batched(schema).map_err(wrap)?)),
            ExportFormat::Csv => Sink::Csv(CsvWriter::new(file).include_header(true).batched(schema).map_err(wrap)?),
        })
    }

    fn write(&mut self, df: &DataFrame) -> PolarsResult<()> {
        match self {
            Sink::Parquet(w) => w.write_batch(df),
            Sink::Csv(w) => w.write_batch(df),
        }
    }

    fn finish(self) -> PolarsResult<()> {
        match self {
            Sink::Parquet(w) => w.finish().map(|_| ()),
            Sink::Csv(mut w) => w.finish(),
        }
    }
}

/// Streams `rows` into `path` in batches; returns the row count.
async fn write_rows<'s, R: PushRow>(
    mut rows: futures_util::stream::BoxStream<'s, Result<R, sqlx::Error>>,
    cols: &mut [Col],
    format: ExportFormat,
    path: &Path,
    table: &str,
) -> Result<u64, ExportError> {
    let schema: Schema = cols
        .iter_mut()
        .map(|c| {
            let col = c.values.take(&c.name);
            (PlSmallStr::from(c.name.as_str()), col.dtype().clone())
        })
        .collect();
    let mut sink = Sink::create(format, path, &schema)?;
    let wrap = |source| ExportError::Write { path: path.into(), source };
    let mut count = 0u64;
    let mut in_batch = 0usize;
    let flush = |cols: &mut [Col], sink: &mut Sink| -> Result<(), ExportError> {
        let columns: Vec<polars::prelude::Column> = cols.iter_mut().map(|c| c.values.take(&c.name)).collect();
        let height = columns.first().map_or(0, |c| c.len());
        let df = DataFrame::new(height, columns).map_err(wrap)?;
        sink.write(&df).map_err(wrap)
    };
    while let Some(row) = rows.try_next().await.map_err(|source| ExportError::Read { table: table.into(), source })? {
        row.push(cols);
        count += 1;
        in_batch += 1;
        if in_batch == BATCH {
            flush(cols, &mut sink)?;
            in_batch = 0;
        }
    }
    // The last batch; a table with no rows is a file with the header (CSV) or schema alone.
    if in_batch > 0 || count == 0 {
        flush(cols, &mut sink)?;
    }
    sink.finish().map_err(wrap)?;
    Ok(count)
}

impl Warehouse {
    /// Writes the tables and views to `opts.out` (created if missing), then `manifest.json`.
    pub async fn export(&self, opts: &ExportOptions) -> Result<Manifest, ExportError> {
        std::fs::create_dir_all(&opts.out).map_err(|source| ExportError::Io { path: opts.out.clone(), source })?;
        let taken_at = Utc::now();
        let snapshot = match self {
            Warehouse::Sqlite(pool) => {
                let mut tx = pool.begin().await?;
                // Tables and views, without SQLite's own, the migrations' bookkeeping, and the
                // full-text index (a virtual table and its shadow tables).
                let listed: Vec<(String, String, Option<String>)> = sqlx::query_as(
                    "SELECT name, type, sql FROM sqlite_master WHERE type IN ('table', 'view') \
                     AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> '_sqlx_migrations' ORDER BY name",
                )
                .fetch_all(&mut *tx)
                .await?;
                let virtuals: Vec<String> = listed
                    .iter()
                    .filter(|(_, _, sql)| sql.as_deref().is_some_and(|s| s.starts_with("CREATE VIRTUAL TABLE")))
                    .map(|(n, _, _)| n.clone())
                    .collect();
                let all: Vec<(String, String)> = listed
                    .into_iter()
                    .filter(|(n, _, _)| !virtuals.iter().any(|v| n == v || n.starts_with(&format!("{v}_"))))
                    .map(|(n, t, _)| (n, t))
                    .collect();
                let chosen = choose(&all, opts)?;
                let (database_date, schema_version, ledger_seq): (String, i64, i64) = sqlx::query_as(
                    "SELECT date('now'), (SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success), \
                     (SELECT COALESCE(MAX(seq), 0) FROM change_events)",
                )
                .fetch_one(&mut *tx)
                .await?;
                let mut tables = Vec::new();
                for (name, kind) in chosen {
                    let from = from_clause(&name, opts.since_seq);
                    let described =
                        sqlx::Executor::describe(&mut *tx, AssertSqlSafe(format!("SELECT * {from}")).into_sql_str())
                            .await
                            .map_err(|source| ExportError::Read { table: name.clone(), source })?;
                    let mut cols = Vec::new();
                    for c in described.columns() {
                        let declared = c.type_info().name().to_ascii_uppercase();
                        let computed =
                            VIEW_COLUMNS.iter().find(|(v, col, _)| *v == name && *col == c.name()).map(|(_, _, k)| k);
                        let kind = match POSTGRES_TYPES.get(c.name()).or(computed) {
                            Some(k) => *k,
                            None if declared.contains("INT") => Kind::Integer,
                            None if ["REAL", "FLOA", "DOUB"].iter().any(|t| declared.contains(t)) => Kind::Float,
                            None if declared.contains("TEXT") || declared.contains("CHAR") => Kind::Text,
                            // No declared type (a computed column of a view): its first value's.
                            None => {
                                let class: Option<String> = sqlx::query_scalar(AssertSqlSafe(format!(
                                    "SELECT typeof({q}) {from} {and} {q} IS NOT NULL LIMIT 1",
                                    q = quote(c.name()),
                                    and = if from.contains(" WHERE ") { "AND" } else { "WHERE" }
                                )))
                                .fetch_optional(&mut *tx)
                                .await?;
                                match class.as_deref() {
                                    Some("integer") => Kind::Integer,
                                    Some("real") => Kind::Float,
                                    _ => Kind::Text,
                                }
                            }
                        };
                        cols.push(Col { name: c.name().to_string(), kind, values: Values::new(kind), unreadable: 0 });
                    }
                    let file = format!("{name}.{}", opts.format.extension());
                    let path = opts.out.join(&file);
                    let rows = {
                        let stream = sqlx::query(AssertSqlSafe(format!("SELECT * {from}"))).fetch(&mut *tx);
                        write_rows(stream, &mut cols, opts.format, &path, &name).await?
                    };
                    tables.push(exported(name, kind, file, rows, cols));
                }
                tx.commit().await?;
                Snapshot { backend: "sqlite", database_date, schema_version, ledger_seq, tables }
            }
            Warehouse::Postgres(pool) => {
                let mut tx = pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?;
                let all: Vec<(String, String)> = sqlx::query_as(
                    "SELECT table_name::text, CASE table_type WHEN 'VIEW' THEN 'view' ELSE 'table' END \
                     FROM information_schema.tables WHERE table_schema = current_schema() \
                     AND table_name <> '_sqlx_migrations' ORDER BY table_name",
                )
                .fetch_all(&mut *tx)
                .await?;
                let chosen = choose(&all, opts)?;
                let (database_date, schema_version, ledger_seq): (String, i64, i64) = sqlx::query_as(
                    "SELECT CURRENT_DATE::text, (SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success), \
                     (SELECT COALESCE(MAX(seq), 0) FROM change_events)",
                )
                .fetch_one(&mut *tx)
                .await?;
                let mut tables = Vec::new();
                for (name, kind) in chosen {
                    let from = from_clause(&name, opts.since_seq);
                    let described =
                        sqlx::Executor::describe(&mut *tx, AssertSqlSafe(format!("SELECT * {from}")).into_sql_str())
                            .await
                            .map_err(|source| ExportError::Read { table: name.clone(), source })?;
                    let cols: Vec<Col> = described
                        .columns()
                        .iter()
                        .filter_map(|c| {
                            let kind = Kind::of_postgres(c.type_info().name())?;
                            Some(Col { name: c.name().to_string(), kind, values: Values::new(kind), unreadable: 0 })
                        })
                        .collect();
                    let mut cols = cols;
                    let select: Vec<String> = cols.iter().map(|c| c.kind.postgres_select(&c.name)).collect();
                    let file = format!("{name}.{}", opts.format.extension());
                    let path = opts.out.join(&file);
                    let rows = {
                        let sql = format!("SELECT {} {from}", select.join(", "));
                        let stream = sqlx::query(AssertSqlSafe(sql)).fetch(&mut *tx);
                        write_rows(stream, &mut cols, opts.format, &path, &name).await?
                    };
                    tables.push(exported(name, kind, file, rows, cols));
                }
                tx.commit().await?;
                Snapshot { backend: "postgres", database_date, schema_version, ledger_seq, tables }
            }
        };
        let mut manifest = Manifest {
            statehouse: env!("CARGO_PKG_VERSION"),
            backend: snapshot.backend,
            format: opts.format.extension(),
            taken_at,
            database_date: snapshot.database_date,
            schema_version: snapshot.schema_version,
            ledger_seq: snapshot.ledger_seq,
            since_seq: opts.since_seq,
            tables: snapshot.tables,
        };
        manifest.tables.sort_by(|a, b| a.name.cmp(&b.name));
        let path = opts.out.join("manifest.json");
        let tmp = opts.out.join("manifest.json.partial");
        let text = serde_json::to_string_pretty(&manifest).expect("the manifest serializes");
        std::fs::write(&tmp, text + "\n")
            .and_then(|()| std::fs::rename(&tmp, &path))
            .map_err(|source| ExportError::Io { path, source })?;
        Ok(manifest)
    }
}

/// What one backend's read transaction saw.
struct Snapshot {
    backend: &'static str,
    database_date: String,
    schema_version: i64,
    ledger_seq: i64,
    tables: Vec<ExportedTable>,
}

/// `FROM` the table; the ledger from `since_seq` on.
fn from_clause(table: &str, since_seq: Option<i64>) -> String {
    match since_seq {
        Some(n) if table == "change_events" => format!("FROM change_events WHERE seq > {n} ORDER BY seq"),
        _ => format!("FROM {}", quote(table)),
    }
}

/// The tables and views to export, by name: those asked for, or all (`change_events` alone
/// with `--since-seq`).
fn choose(all: &[(String, String)], opts: &ExportOptions) -> Result<Vec<(String, String)>, ExportError> {
    let wanted: Vec<String> = match (&opts.tables, opts.since_seq) {
        (Some(t), _) => t.clone(),
        (None, Some(_)) => vec!["change_events".to_string()],
        (None, None) => return Ok(all.to_vec()),
    };
    let by_name: BTreeMap<&str, &str> = all.iter().map(|(n, k)| (n.as_str(), k.as_str())).collect();
    wanted
        .into_iter()
        .map(|name| match by_name.get(name.as_str()) {
            Some(kind) => Ok((name, kind.to_string())),
            None => Err(ExportError::UnknownTable {
                name,
                available: by_name.keys().copied().collect::<Vec<_>>().join(", "),
            }),
        })
        .collect()
}

fn exported(name: String, kind: String, file: String, rows: u64, cols: Vec<Col>) -> ExportedTable {
    ExportedTable {
        name,
        kind,
        file,
        rows,
        columns: cols
            .into_iter()
            .map(|c| ExportedColumn { name: c.name, kind: c.kind, unreadable: c.unreadable })
            .collect(),
    }
}
