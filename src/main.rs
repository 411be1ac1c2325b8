//! The `statehouse` command line. Errors end here: printed with their whole cause chain,
//! mapped to the exit status.

use anyhow::{Context as _, Result};
use clap::{Parser, Subcommand, ValueEnum};
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use statehouse::config::Pipeline;
use statehouse::mail::Mailer;
use statehouse::output::{self, Format, TABLE_PAGE, write_result};
use statehouse::run::{RunOptions, Stop, run_pipeline};
use statehouse::schedule::Backoff;
use statehouse::warehouse::export::{ExportFormat, ExportOptions};
use statehouse::warehouse::{Warehouse, WarehouseError, redact};
use statehouse::{ops, scheduler};
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "statehouse",
    version,
    about = "Watches state legislatures and city councils for advocacy coalitions: ingests bills, votes and hearings into a SQL warehouse that keeps history.",
    after_help = "Environment:
  STATEHOUSE_LOG           What is logged on stderr (tracing's filter syntax). Default: warnings
                           and errors (`schedule`: also one line per run). `info`: each run's and
                           source's start and end with counts, and a progress line per source
                           every STATEHOUSE_PROGRESS_SECONDS (default 10) when stderr is not a
                           terminal; `statehouse=debug`: much more.
  STATEHOUSE_DATABASE_URL  As --database.        STATEHOUSE_DATA_DIR  As --data-dir.
  STATEHOUSE_SMTP_URL, STATEHOUSE_MAIL_FROM, STATEHOUSE_OPERATOR_EMAIL: email (see README).
Colours only on a terminal."
)]
struct Cli {
    /// Warehouse URL: `sqlite:PATH` or `postgres://user@host/db`. Default: a SQLite file in the data folder.
    #[arg(long, global = true, env = "STATEHOUSE_DATABASE_URL", hide_env_values = true)]
    database: Option<String>,

    /// Folder for the raw payload archive and outputs.
    #[arg(long, global = true, env = "STATEHOUSE_DATA_DIR", default_value = "./statehouse-data")]
    data_dir: PathBuf,

    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,

    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum ScorecardFormat {
    /// Aligned for reading: the bills counted, then the legislators.
    Table,
    /// The `legislator_scorecards` view's columns, one line per legislator.
    Csv,
    /// One self-contained page (inline CSS, no external assets, printable) to print or post.
    Html,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum StatusFormat {
    Table,
    Json,
}

/// `statehouse status --format json`: a health check for monitors, in this key order.
#[derive(serde::Serialize)]
struct Health<'a> {
    checked_at: String,
    /// Any source is stale (the exit status is 3).
    stale: bool,
    sources: Vec<ops::SourceHealth>,
    runs: output::Objects<'a>,
    operator_alerts: output::Objects<'a>,
    partial_deliveries: output::Objects<'a>,
    /// Per jurisdiction: vote records, how many are linked to a person, the share.
    voter_links: output::Objects<'a>,
    /// Hearings (of jurisdictions whose committees are known) matched to a committee.
    hearings_matched: usize,
    /// Those whose name matches no committee: their alerts carry no roster.
    hearings_unmatched: Vec<UnmatchedHearing>,
}

#[derive(serde::Serialize)]
struct UnmatchedHearing {
    event_id: String,
    jurisdiction_id: String,
    name: String,
    start_date: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Create the data folder and the warehouse (or migrate it to this version's schema).
    Init,
    /// Run pipelines: fetch or read each source, normalize, load, record the changes.
    ///
    /// Prints a summary per source (requests, unchanged payloads, records, inserted / updated /
    /// unchanged, change events, warnings). Exits with status 1 when a source failed; the other
    /// sources still run. Warnings (bad records) do not fail a run.
    Run {
        /// Pipeline files (TOML).
        #[arg(required = true)]
        pipelines: Vec<PathBuf>,
        /// Files or API pages per transaction.
        #[arg(long, default_value_t = 500)]
        batch_size: usize,
        /// Print each warning (the summary counts them either way).
        #[arg(long)]
        show_warnings: bool,
    },
    /// Run the pipelines that are due (for cron, systemd timers, Kubernetes CronJobs).
    ///
    /// A pipeline is due when a tick of its schedule (or of an extra schedule in force) has
    /// passed since its last successful run: after downtime the missed ticks are one run. A
    /// failed run is retried with backoff (5 minutes, doubling, at most 2 hours apart). A
    /// pipeline running elsewhere is skipped. Call it every few minutes.
    RunDue {
        /// Pipeline files (TOML).
        #[arg(required = true)]
        pipelines: Vec<PathBuf>,
        /// Pretend it is this time (RFC 3339), to check what would run.
        #[arg(long, hide = true)]
        now: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// Run pipelines on their schedules until stopped (SIGTERM or SIGINT).
    Schedule {
        /// Pipeline files (TOML).
        #[arg(required = true)]
        pipelines: Vec<PathBuf>,
    },
    /// Run SQL against the warehouse and print the rows as they come.
    ///
    /// Reads only: the warehouse is opened read-only, so a statement that writes (`DELETE`,
    /// `UPDATE`, `DROP VIEW`, …) is refused by the database and exits with status 2. A
    /// warehouse that does not exist is an error, not an empty answer.
    ///
    /// csv and json write every row, each as soon as the database sends it; table shows a page
    /// of 100 rows and says on stderr how many it left out. A reader that stops reading
    /// (`statehouse query … | head`) ends the command quietly, with status 0.
    Query {
        /// The SQL (one statement).
        #[arg(required_unless_present = "file", conflicts_with = "file")]
        sql: Option<String>,
        /// Read the SQL from this file instead.
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
        /// table: aligned for reading; csv: a header line, then one line per row (RFC 4180
        /// quoting); json: JSON Lines, one object per row, its keys the columns in order.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// At most this many rows; 0 for all. Default: all for csv and json, a page of 100 for
        /// table.
        #[arg(long)]
        limit: Option<u64>,
    },
    /// Search bills: their titles, abstracts, subjects and texts. First the bills matched on
    /// their title, abstract or subjects, then those matched by a text alone, best first, each
    /// saying where it matched (`matched`: title, abstract, subjects, text) with a snippet (the
    /// matches in [brackets]). Reads only.
    ///
    /// Words must all occur (stemmed: "tanks" finds "tank"); "a quoted phrase" occurs as
    /// written; -word excludes; a OR b. Example: statehouse search '"summer school"' --jurisdiction ca
    Search {
        /// What to find.
        query: String,
        /// Only bills of this jurisdiction: a state code (`ca`) or an OCD jurisdiction id.
        #[arg(long)]
        jurisdiction: Option<String>,
        /// Only bills of this session, as the warehouse names it (`2025-2026`, `20252026`).
        #[arg(long)]
        session: Option<String>,
        /// At most this many bills (1 or more).
        #[arg(long, default_value_t = 20, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
        limit: usize,
        /// table or csv: one line per bill; json: an array of the hits, with their scores.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Export tables and views for analysts' tools (DuckDB, pandas, polars, R, spreadsheets):
    /// one file per table and view, typed columns, read in one transaction, and a
    /// `manifest.json` (tables, row counts, schema version, the ledger sequence number the
    /// files agree with, the database's date). Reads only.
    ///
    /// Example: statehouse export --out export/ ; duckdb -c "SELECT COUNT(*) FROM 'export/bills.parquet'"
    Export {
        /// The folder to write (created if missing; files of the same names are replaced).
        #[arg(long)]
        out: PathBuf,
        /// parquet: typed columns (dates as dates, moments as UTC timestamps, counts as
        /// integers); csv: a header line, then one line per row.
        #[arg(long, value_enum, default_value_t = ExportFormat::Parquet)]
        format: ExportFormat,
        /// Only these tables and views (comma-separated, e.g. `bills,bill_actions`). Default: all.
        #[arg(long, value_delimiter = ',')]
        tables: Option<Vec<String>>,
        /// Only the ledger's events after this sequence number (a previous manifest's
        /// `ledger_seq`): exports `change_events` alone unless --tables names more.
        #[arg(long)]
        since_seq: Option<i64>,
    },
    /// Coalition alerts: what would be sent and why, or send what is due.
    Alerts {
        #[command(subcommand)]
        action: AlertsAction,
    },
    /// A coalition's scorecard: each legislator's votes on the roll calls of the coalition's
    /// tracked bills, with or against each bill's position, and a score (the share of their yes
    /// and no votes that were with it). Reads only (the coalition as the last `run` or
    /// `alerts send` copied it into the warehouse).
    ///
    /// Counted by default: final passage votes of a chamber, against each bill's assigned
    /// group's position; bills on `watch` and procedural motions never count. Voters not
    /// linked to a legislator are left out (said on stderr). See docs/scorecards.md.
    /// Example: statehouse scorecard pipelines/sample.toml --coalition sample-coalition --format html > scorecard.html
    Scorecard {
        /// The pipeline file whose coalition to score.
        pipeline: PathBuf,
        /// The coalition's id (its file's `id`).
        #[arg(long)]
        coalition: String,
        /// Only the bills of this session, as the warehouse names it (`153`, `2025-2026`).
        #[arg(long)]
        session: Option<String>,
        /// Count committee votes too (final passage always counts; procedural motions never).
        #[arg(long)]
        all_votes: bool,
        /// Score against this group's positions (bills it does not follow, or only watches,
        /// do not count). Default: each bill's assigned group's.
        #[arg(long)]
        group: Option<String>,
        #[arg(long, value_enum, default_value_t = ScorecardFormat::Table)]
        format: ScorecardFormat,
    },
    /// Recent runs, the freshness of each source, and open operator alerts (reads only).
    ///
    /// With pipeline files, each source is checked against its pipeline's `stale_after`
    /// (default: twice the schedule's interval); exits with status 3 when a source is stale.
    /// `--format json` is the same as one JSON object, for monitors.
    Status {
        /// Pipeline files whose sources to check for freshness.
        pipelines: Vec<PathBuf>,
        /// How many recent runs to show.
        #[arg(long, default_value_t = 10)]
        limit: u32,
        /// table: for reading; json: one object with `checked_at`, `stale` (any source),
        /// `sources` (each: pipeline, source, last_success, age_seconds, stale_after_seconds,
        /// stale, streak), `runs`, `operator_alerts` and `partial_deliveries`.
        #[arg(long, value_enum, default_value_t = StatusFormat::Table)]
        format: StatusFormat,
    },
}

#[derive(Subcommand)]
enum AlertsAction {
    /// Show the alerts the pipelines' coalitions would get from the ledger now (matched, not
    /// yet queued), and the messages waiting in the outbox. Writes nothing: the warehouse is
    /// opened read-only, and coalition files not yet copied into it are read from the files.
    Preview {
        /// Pipeline files (TOML).
        #[arg(required = true)]
        pipelines: Vec<PathBuf>,
    },
    /// Match, compose and send what is due (what `statehouse run` does after loading).
    Send {
        /// Pipeline files (TOML).
        #[arg(required = true)]
        pipelines: Vec<PathBuf>,
        /// Write `.eml` files under <data-dir>/outbox instead of sending.
        #[arg(long)]
        dry_run: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format, matches!(cli.command, Command::Schedule { .. }));
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let stop = Stop::default();
    // Commands that only read hold nothing a signal could leave half done: they stop at once.
    let reads_only = matches!(
        cli.command,
        Command::Query { .. }
            | Command::Search { .. }
            | Command::Status { .. }
            | Command::Export { .. }
            | Command::Scorecard { .. }
            | Command::Alerts { action: AlertsAction::Preview { .. } }
    );
    match rt.block_on(async {
        listen_for_signals(stop.clone(), reads_only);
        run(cli, stop).await
    }) {
        Ok(code) => code,
        // `statehouse query … | head`: the reader left; that is not an error.
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            // The chain once: causes whose text an error already carries are not repeated.
            eprintln!("error: {}", statehouse::fetch::error_chain(e.as_ref()));
            ExitCode::from(2)
        }
    }
}

/// SIGTERM or SIGINT: finish the batch in flight and stop. A second one: stop now (the
/// open transaction rolls back). A command that only reads stops at the first (an export
/// then has no manifest: it is not a whole export).
fn listen_for_signals(stop: Stop, reads_only: bool) {
    tokio::spawn(async move {
        let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) else { return };
        let mut first = true;
        loop {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            if !first || reads_only {
                eprintln!("stopping now");
                std::process::exit(130);
            }
            first = false;
            eprintln!("stopping after the current batch (send the signal again to stop now)");
            stop.request();
        }
    });
}

/// Logs on stderr: warnings and errors unless STATEHOUSE_LOG says otherwise (`schedule` also
/// logs one line per run); colours only on a terminal.
fn init_logging(format: LogFormat, schedule: bool) {
    // sqlx warns of every statement over a second: an export's or a long query's read is one
    // by design, so only its errors show unless asked for.
    let default = if schedule { "warn,sqlx::query=error,statehouse::scheduler=info" } else { "warn,sqlx::query=error" };
    let filter = tracing_subscriber::EnvFilter::try_from_env("STATEHOUSE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

fn database_url(cli: &Cli) -> String {
    match &cli.database {
        Some(u) => u.clone(),
        None => format!("sqlite:{}", cli.data_dir.join("warehouse.db").display()),
    }
}

/// The warehouse for a command that writes: created and migrated as needed.
async fn open(cli: &Cli) -> Result<Warehouse> {
    std::fs::create_dir_all(&cli.data_dir)
        .with_context(|| format!("cannot create the data folder {}", cli.data_dir.display()))?;
    let url = database_url(cli);
    Warehouse::open(&url).await.with_context(|| format!("opening the warehouse {}", redact(&url)))
}

/// The warehouse for a command that only reads (`query`, `search`, `status`, `alerts
/// preview`): opened read-only, so the database refuses writes; nothing is created or
/// migrated.
async fn open_read_only(cli: &Cli) -> Result<Warehouse> {
    let url = database_url(cli);
    Warehouse::open_read_only(&url).await.with_context(|| format!("opening the warehouse {}", redact(&url)))
}

/// A line of a job's report (`run`, `run-due`, `alerts send`) on stdout. A reader that went
/// away (`statehouse run … | head`) does not stop the job: its report is in the warehouse
/// (`runs`, `run_sources`), and the pipelines after it and the alerts still run.
macro_rules! report {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// Exit statuses.
const EXIT_FAILED: u8 = 1;
const EXIT_ALERT: u8 = 3;

fn load_pipelines(paths: &[PathBuf]) -> Result<Vec<Pipeline>> {
    // Read every pipeline first: a typo fails before anything runs.
    let loaded: Vec<Pipeline> = paths.iter().map(|p| Pipeline::load(p)).collect::<Result<_, _>>()?;
    statehouse::config::check_delivery_modes(&loaded)?;
    Ok(loaded)
}

fn options(cli: &Cli, stop: &Stop) -> RunOptions {
    let mut opts = RunOptions::new(&cli.data_dir);
    opts.progress = std::io::stderr().is_terminal();
    let every = std::env::var("STATEHOUSE_PROGRESS_SECONDS").ok().and_then(|s| s.trim().parse::<f64>().ok());
    opts.progress_every = Some(std::time::Duration::from_secs_f64(every.unwrap_or(10.0).max(0.0)));
    opts.stop = stop.clone();
    opts
}

fn mailer() -> Result<Option<Mailer>> {
    Mailer::from_env().context("email settings")
}

async fn run(cli: Cli, stop: Stop) -> Result<ExitCode> {
    match &cli.command {
        Command::Init => {
            let wh = open(&cli).await?;
            writeln!(std::io::stdout(), "warehouse ready ({}); data folder {}", wh.backend(), cli.data_dir.display())?;
            wh.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Run { pipelines, batch_size, show_warnings } => {
            let loaded = load_pipelines(pipelines)?;
            let mailer = mailer()?;
            let wh = open(&cli).await?;
            let mut opts = options(&cli, &stop);
            opts.batch_size = (*batch_size).max(1);
            let (mut failed, mut alerts) = (false, 0);
            for p in &loaded {
                if stop.requested() {
                    break;
                }
                let report =
                    run_pipeline(&wh, p, &opts).await.with_context(|| format!("running pipeline {}", p.name))?;
                print_report(&report);
                print_warnings(&report, *show_warnings);
                if report.status != "skipped" {
                    alerts += ops::check_after_run(&wh, p, &report).await?.len();
                }
                failed |= !matches!(report.status.as_str(), "succeeded" | "skipped") || report.alerts_error.is_some();
            }
            ops::send_pending(&wh, mailer.as_ref()).await?;
            wh.close().await;
            Ok(exit(failed, alerts))
        }
        Command::RunDue { pipelines, now } => {
            let loaded = load_pipelines(pipelines)?;
            let mailer = mailer()?;
            let wh = open(&cli).await?;
            let opts = options(&cli, &stop);
            let now = now.unwrap_or_else(chrono::Utc::now);
            let pass = scheduler::run_due(&wh, &loaded, &opts, &Backoff::default(), now, mailer.as_ref()).await?;
            for r in &pass.reports {
                print_report(r);
                print_warnings(r, false);
            }
            for (name, at) in &pass.waiting {
                report!("pipeline {name}: not due; next at {}", at.to_rfc3339());
            }
            wh.close().await;
            let failed = pass.reports.iter().any(|r| !matches!(r.status.as_str(), "succeeded" | "skipped"));
            Ok(exit(failed, pass.alerts_raised))
        }
        Command::Schedule { pipelines } => {
            let loaded = load_pipelines(pipelines)?;
            let mailer = mailer()?;
            let wh = open(&cli).await?;
            let mut opts = options(&cli, &stop);
            opts.progress = false;
            eprintln!("scheduling {} pipeline(s); SIGTERM or Ctrl-C stops after the current batch", loaded.len());
            scheduler::schedule(&wh, &loaded, &opts, &Backoff::default(), mailer.as_ref()).await?;
            wh.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Alerts { action: AlertsAction::Preview { pipelines } } => {
            let loaded = load_pipelines(pipelines)?;
            let wh = open_read_only(&cli).await?;
            let now = chrono::Utc::now();
            let mut t = Table::new();
            t.load_preset(UTF8_FULL_CONDENSED);
            t.set_header(["coalition", "recipient", "delivery", "rule", "headline", "why"]);
            let mut n = 0;
            for p in &loaded {
                for m in statehouse::alerts::engine::preview(&wh, &p.coalitions, now).await? {
                    n += 1;
                    let why = if m.alert.why.terms.is_empty() {
                        m.alert.why.reason.clone()
                    } else {
                        format!("{} ({})", m.alert.why.reason, m.alert.why.terms.join(", "))
                    };
                    t.add_row([
                        m.alert.coalition_id.clone(),
                        m.recipient.email.clone(),
                        m.delivery.as_str().to_string(),
                        m.alert.kind.rule().to_string(),
                        m.alert.headline.clone(),
                        why,
                    ]);
                }
            }
            let mut out = std::io::stdout().lock();
            writeln!(out, "New matches ({n})\n{t}\n\nWaiting in the outbox")?;
            let waiting = wh
                .query(
                    "SELECT m.id, m.coalition_id, m.recipient, m.kind, m.status, m.attempts, m.next_attempt_at, m.last_error,
                            (SELECT COUNT(*) FROM alert_outbox o WHERE o.message_id = m.id) AS alerts
                     FROM alert_messages m WHERE m.status IN ('pending', 'retrying') ORDER BY m.id",
                )
                .await?;
            write_result(&mut out, &waiting, Format::Table)?;
            let queued = wh
                .query("SELECT coalition_id, recipient, delivery, MIN(due_at) AS next_due, COUNT(*) AS alerts FROM alert_outbox WHERE message_id IS NULL GROUP BY coalition_id, recipient, delivery ORDER BY coalition_id, recipient")
                .await?;
            write_result(&mut out, &queued, Format::Table)?;
            wh.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Alerts { action: AlertsAction::Send { pipelines, dry_run } } => {
            let loaded = load_pipelines(pipelines)?;
            let wh = open(&cli).await?;
            let mut failed = false;
            for p in &loaded {
                // A dry run writes its own pipeline's messages as files; an SMTP pipeline's are
                // previewed as files and left waiting for the real send.
                let transport = match (*dry_run, p.alerts) {
                    (true, statehouse::config::AlertMode::Smtp) => {
                        statehouse::alerts::engine::Transport::Preview(cli.data_dir.join("outbox-preview"))
                    }
                    _ => statehouse::run::alert_transport(p, &cli.data_dir).context("email settings")?,
                };
                let r =
                    statehouse::alerts::engine::process(&wh, &p.coalitions, p.alerts, &transport, chrono::Utc::now())
                        .await
                        .with_context(|| format!("alerts of pipeline {}", p.name))?;
                statehouse::alerts::engine::write_feeds(
                    &wh,
                    &p.coalitions,
                    &cli.data_dir.join("feeds"),
                    chrono::Utc::now(),
                )
                .await
                .with_context(|| format!("feeds of pipeline {}", p.name))?;
                if matches!(transport, statehouse::alerts::engine::Transport::Preview(_)) {
                    report!(
                        "dry run of {}: {} waiting message(s) written as .eml to {} for reading; nothing was sent or marked",
                        p.name,
                        r.written,
                        cli.data_dir.join("outbox-preview").display()
                    );
                } else {
                    print_alerts(&p.name, &r);
                }
                failed |= r.failed > 0;
            }
            wh.close().await;
            Ok(exit(failed, 0))
        }
        Command::Query { sql, file, format, limit } => {
            let sql = match (sql, file) {
                (Some(sql), _) => sql.clone(),
                (None, Some(file)) => std::fs::read_to_string(file)
                    .with_context(|| format!("cannot read the SQL file {}", file.display()))?,
                (None, None) => anyhow::bail!("no SQL: give it as an argument or with --file"),
            };
            let limit = match (*limit, *format) {
                (Some(0), _) => None,
                (Some(n), _) => Some(n),
                (None, Format::Table) => Some(TABLE_PAGE),
                (None, _) => None,
            };
            let wh = open_read_only(&cli).await?;
            let mut rows = wh.stream(&sql).await.map_err(WarehouseError::from).context("query failed")?;
            let mut out = BufWriter::new(std::io::stdout().lock());
            let written = output::write_rows(&mut out, &mut rows, *format, limit).await?;
            drop(rows);
            if written.left_out > 0 {
                let more = written.left_out;
                let rows = if more == 1 { "row" } else { "rows" };
                match format {
                    Format::Table => eprintln!(
                        "{more} more {rows} not shown: --limit 0 shows them all; --format csv or json writes them for other tools"
                    ),
                    _ => eprintln!(
                        "{more} more {rows} not written (--limit {}): --limit 0 writes them all",
                        written.rows
                    ),
                }
            }
            wh.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Export { out, format, tables, since_seq } => {
            let wh = open_read_only(&cli).await?;
            let opts =
                ExportOptions { format: *format, out: out.clone(), tables: tables.clone(), since_seq: *since_seq };
            let manifest = wh.export(&opts).await.with_context(|| format!("exporting to {}", out.display()))?;
            let mut stdout = std::io::stdout().lock();
            for t in &manifest.tables {
                writeln!(stdout, "{:>10} rows  {}", t.rows, out.join(&t.file).display())?;
                for c in t.columns.iter().filter(|c| c.unreadable > 0) {
                    eprintln!(
                        "warning: {}.{}: {} values are not {:?}s and were exported as empty",
                        t.name, c.name, c.unreadable, c.kind
                    );
                }
            }
            writeln!(
                stdout,
                "{} tables and views, consistent with ledger seq {}: {}",
                manifest.tables.len(),
                manifest.ledger_seq,
                out.join("manifest.json").display()
            )?;
            wh.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Search { query, jurisdiction, session, limit, format } => {
            let jurisdiction_id = match jurisdiction.as_deref() {
                None => None,
                Some(j) => match statehouse::normalize::ids::jurisdiction_id_of(j) {
                    Some(id) => Some(id),
                    None => anyhow::bail!("--jurisdiction {j:?}: a state code (`ca`) or an OCD jurisdiction id"),
                },
            };
            let wh = open_read_only(&cli).await?;
            let q = statehouse::warehouse::search::Query {
                text: query.clone(),
                jurisdiction_id,
                session: session.clone(),
                limit: *limit,
            };
            let hits = statehouse::warehouse::search::search(&wh, &q).await?;
            wh.close().await;
            let mut out = std::io::stdout().lock();
            if *format == Format::Json {
                serde_json::to_writer_pretty(&mut out, &hits).map_err(std::io::Error::from)?;
                writeln!(out)?;
                return Ok(ExitCode::SUCCESS);
            }
            let result = statehouse::warehouse::QueryResult {
                columns: ["rank", "bill", "jurisdiction", "session", "title", "matched", "snippet"]
                    .map(String::from)
                    .to_vec(),
                rows: hits
                    .iter()
                    .enumerate()
                    .map(|(i, h)| {
                        vec![
                            serde_json::json!(i + 1),
                            serde_json::json!(h.identifier),
                            serde_json::json!(statehouse::normalize::ids::jurisdiction_code(&h.jurisdiction_id)),
                            serde_json::json!(h.session),
                            serde_json::json!(h.title.chars().take(80).collect::<String>()),
                            serde_json::json!(h.matched.join(", ")),
                            serde_json::json!(h.snippet),
                        ]
                    })
                    .collect(),
            };
            write_result(&mut out, &result, *format)?;
            if *format == Format::Table
                && let Some(credit) = hits.iter().find_map(|h| h.credit.clone())
            {
                writeln!(out, "{credit}")?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Scorecard { pipeline, coalition, session, all_votes, group, format } => {
            let loaded = load_pipelines(std::slice::from_ref(pipeline))?;
            let coalitions = loaded.iter().flat_map(|p| &p.coalitions).collect::<Vec<_>>();
            let Some(file) = coalitions.iter().find(|c| c.id == *coalition) else {
                anyhow::bail!(
                    "pipeline {} has no coalition {coalition:?} (its coalitions: {})",
                    pipeline.display(),
                    coalitions.iter().map(|c| c.id.as_str()).collect::<Vec<_>>().join(", ")
                );
            };
            let wh = open_read_only(&cli).await?;
            if wh.coalition_rows(std::slice::from_ref(coalition)).await?.iter().any(|c| c.config_hash != file.hash) {
                eprintln!(
                    "note: {} changed since it was last copied into the warehouse; this scorecard uses the positions the warehouse holds (the next `statehouse run` copies the file)",
                    file.file.display()
                );
            }
            let opts = statehouse::warehouse::scorecard::Options {
                coalition_id: coalition.clone(),
                session: session.clone(),
                all_votes: *all_votes,
                group: group.clone(),
            };
            let card = wh.scorecard(&opts).await?;
            wh.close().await;
            if let Some(left_out) = statehouse::scorecard::unlinked(&card) {
                eprintln!("note: {left_out} See them with `statehouse query \"SELECT * FROM unmatched_voters\"`.");
            }
            let mut out = BufWriter::new(std::io::stdout().lock());
            match format {
                ScorecardFormat::Csv => {
                    write_result(&mut out, &statehouse::scorecard::rows(&card, false), Format::Csv)?;
                }
                ScorecardFormat::Table => {
                    writeln!(out, "{} scorecard", card.coalition_name)?;
                    let bills = statehouse::warehouse::QueryResult {
                        columns: ["bill", "session", "position", "roll calls", "title"].map(String::from).to_vec(),
                        rows: card
                            .bills
                            .iter()
                            .map(|b| {
                                vec![
                                    serde_json::json!(b.identifier),
                                    serde_json::json!(b.session),
                                    serde_json::json!(b.position),
                                    serde_json::json!(b.roll_calls),
                                    serde_json::json!(b.title.chars().take(60).collect::<String>()),
                                ]
                            })
                            .collect(),
                    };
                    write_result(&mut out, &bills, Format::Table)?;
                    write_result(&mut out, &statehouse::scorecard::rows(&card, true), Format::Table)?;
                    writeln!(out, "{}", statehouse::scorecard::counted(&card))?;
                }
                ScorecardFormat::Html => {
                    let page = statehouse::scorecard::html(&card, chrono::Local::now().date_naive())?;
                    out.write_all(page.as_bytes())?;
                }
            }
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Status { pipelines, limit, format } => {
            let loaded = load_pipelines(pipelines)?;
            let wh = open_read_only(&cli).await?;
            let now = chrono::Utc::now();
            let runs = wh
                .query(&format!(
                    "SELECT id, pipeline, status, started_at, finished_at, duration_ms, requests, records, changes, warnings
                     FROM runs ORDER BY id DESC LIMIT {limit}"
                ))
                .await?;
            let freshness = ops::freshness(&wh, &loaded, now).await?;
            let stale = freshness.iter().any(|f| f.stale);
            let alerts = wh
                .query("SELECT id, pipeline, source, kind, streak, created_at, sent_at, last_error FROM operator_alerts ORDER BY id DESC LIMIT 20")
                .await?;
            // Sources whose latest delivery was partial: what was damaged, from its warnings.
            let partial = wh
                .query(
                    "SELECT r.pipeline, s.source, s.run_id, s.finished_at,
                            (SELECT MIN(w.location || COALESCE(' [' || w.record || ']', '') || ': ' || w.message)
                               FROM warnings w WHERE w.run_id = s.run_id AND w.source = s.source) AS first_warning,
                            s.warnings
                     FROM run_sources s JOIN runs r ON r.id = s.run_id
                     WHERE s.status = 'partial'
                       AND s.run_id = (SELECT MAX(s2.run_id) FROM run_sources s2 JOIN runs r2 ON r2.id = s2.run_id
                                       WHERE r2.pipeline = r.pipeline AND s2.source = s.source)
                     ORDER BY r.pipeline, s.source",
                )
                .await?;
            let links = wh.query("SELECT jurisdiction_id, vote_records, linked, linked_percent FROM voter_links ORDER BY jurisdiction_id").await?;
            // Hearings whose committee could not be told (no roster in their alerts).
            let hearings = statehouse::alerts::engine::hearing_committees(&wh).await?;
            let unmatched: Vec<&statehouse::alerts::engine::HearingCommittee> =
                hearings.iter().filter(|h| h.committee_id.is_none()).collect();
            let mut out = std::io::stdout().lock();
            if *format == StatusFormat::Json {
                let health = Health {
                    voter_links: output::Objects(&links),
                    hearings_matched: hearings.len() - unmatched.len(),
                    hearings_unmatched: unmatched
                        .iter()
                        .map(|h| UnmatchedHearing {
                            event_id: h.event_id.clone(),
                            jurisdiction_id: h.jurisdiction_id.clone(),
                            name: h.name.clone(),
                            start_date: h.start_date.map(|d| d.to_string()),
                        })
                        .collect(),
                    checked_at: now.to_rfc3339(),
                    stale,
                    sources: freshness.iter().map(|f| f.health(now)).collect(),
                    runs: output::Objects(&runs),
                    operator_alerts: output::Objects(&alerts),
                    partial_deliveries: output::Objects(&partial),
                };
                serde_json::to_writer_pretty(&mut out, &health).map_err(std::io::Error::from)?;
                writeln!(out)?;
                wh.close().await;
                return Ok(if stale { ExitCode::from(EXIT_ALERT) } else { ExitCode::SUCCESS });
            }
            writeln!(out, "Recent runs")?;
            write_result(&mut out, &runs, Format::Table)?;
            if !loaded.is_empty() {
                writeln!(out, "\nFreshness")?;
                let mut t = Table::new();
                t.load_preset(UTF8_FULL_CONDENSED);
                t.set_header(["pipeline", "source", "last success", "stale after", "state", "streak"]);
                for f in freshness {
                    t.add_row([
                        f.pipeline,
                        f.source,
                        f.last_success.map(|t| t.to_rfc3339()).unwrap_or_else(|| "never".into()),
                        humantime::format_duration(f.stale_after.to_std().unwrap_or_default()).to_string(),
                        if f.stale { "STALE".into() } else { "fresh".into() },
                        f.streak.map(|s| format!("{} x{}", s.kind, s.length)).unwrap_or_default(),
                    ]);
                }
                writeln!(out, "{t}")?;
            }
            if !alerts.rows.is_empty() {
                writeln!(out, "\nOperator alerts")?;
                write_result(&mut out, &alerts, Format::Table)?;
            }
            if !links.rows.is_empty() {
                writeln!(out, "\nVoters linked to people (`unmatched_voters` lists the rest)")?;
                write_result(&mut out, &links, Format::Table)?;
            }
            if !hearings.is_empty() {
                writeln!(
                    out,
                    "\nHearings matched to a committee (their alerts list its roster): {} of {}",
                    hearings.len() - unmatched.len(),
                    hearings.len()
                )?;
                if !unmatched.is_empty() {
                    let mut t = Table::new();
                    t.load_preset(UTF8_FULL_CONDENSED);
                    t.set_header(["date", "jurisdiction", "hearing (no committee of this name)", "event"]);
                    for h in unmatched.iter().rev().take(20) {
                        t.add_row([
                            h.start_date.map(|d| d.to_string()).unwrap_or_default(),
                            h.jurisdiction_id.clone(),
                            h.name.clone(),
                            h.event_id.clone(),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                    if unmatched.len() > 20 {
                        writeln!(out, "(the latest 20 of {})", unmatched.len())?;
                    }
                }
            }
            if !partial.rows.is_empty() {
                writeln!(
                    out,
                    "\nPartial deliveries (latest run; nothing they lacked was removed or blanked; `statehouse warnings` has the rest)"
                )?;
                write_result(&mut out, &partial, Format::Table)?;
            }
            writeln!(out, "\nLast success per pipeline and source")?;
            let fresh = wh
                .query(
                    "SELECT r.pipeline, s.source, s.kind, MAX(CASE WHEN s.status IN ('succeeded', 'partial') THEN s.finished_at END) AS last_success,
                            MAX(s.finished_at) AS last_attempt
                     FROM run_sources s JOIN runs r ON r.id = s.run_id
                     GROUP BY r.pipeline, s.source, s.kind ORDER BY r.pipeline, s.source",
                )
                .await?;
            write_result(&mut out, &fresh, Format::Table)?;
            wh.close().await;
            Ok(if stale { ExitCode::from(EXIT_ALERT) } else { ExitCode::SUCCESS })
        }
    }
}

fn exit(failed: bool, alerts: usize) -> ExitCode {
    if failed {
        ExitCode::from(EXIT_FAILED)
    } else if alerts > 0 {
        ExitCode::from(EXIT_ALERT)
    } else {
        ExitCode::SUCCESS
    }
}

fn print_alerts(pipeline: &str, r: &statehouse::alerts::engine::AlertsReport) {
    report!(
        "alerts of {pipeline}: {} matched, {} messages composed, {} sent, {} written as .eml, {} failed (retried later), {} cancelled (no longer a lead), {} waiting",
        r.matched,
        r.composed,
        r.sent,
        r.written,
        r.failed,
        r.cancelled,
        r.waiting
    );
}

/// Each warning in full with --show-warnings; else how many there were and where to see them.
fn print_warnings(report: &statehouse::run::RunReport, show: bool) {
    if show {
        for (source, w) in &report.warnings {
            report!("warning: {source}: {w}");
        }
    } else if !report.warnings.is_empty() {
        report!(
            "{} {} (bad or missing records; the rest loaded): see each with --show-warnings, or \
             `statehouse query \"SELECT * FROM warnings WHERE run_id = {}\"`",
            report.warnings.len(),
            if report.warnings.len() == 1 { "warning" } else { "warnings" },
            report.run_id
        );
    }
}

fn print_report(report: &statehouse::run::RunReport) {
    if report.status == "skipped" {
        report!("pipeline {}: skipped (already running elsewhere)", report.pipeline);
        return;
    }
    report!("pipeline {} (run {}): {}", report.pipeline, report.run_id, report.status);
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header([
        "source",
        "status",
        "requests",
        "payloads",
        "unchanged payloads",
        "records",
        "inserted",
        "updated",
        "unchanged",
        "changes",
        "warnings",
    ]);
    for s in &report.sources {
        t.add_row([
            s.source.clone(),
            s.status.clone(),
            s.requests.to_string(),
            s.payloads.to_string(),
            s.unchanged_payloads.to_string(),
            s.records.to_string(),
            s.counts.inserted.to_string(),
            s.counts.updated.to_string(),
            s.counts.unchanged.to_string(),
            s.changes.to_string(),
            s.warnings.to_string(),
        ]);
    }
    report!("{t}");
    for s in &report.sources {
        if let Some(e) = &s.error {
            report!("source {} failed: {e}", s.source);
        }
    }
    if let Some(a) = &report.alerts {
        print_alerts(&report.pipeline, a);
    }
    if let Some(e) = &report.alerts_error {
        report!("alerts of {} failed: {e}", report.pipeline);
    }
}
