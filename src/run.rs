//! One run of a pipeline, top to bottom: for each source, the one ingest loop (`ingest.rs`)
//! with the source kind's plan and parser (`files.rs`, `openstates.rs`, `legiscan_api.rs`,
//! `legistar.rs`), then the coalitions' alerts. A failing source is recorded and the others go
//! on.

mod files;
mod ingest;
mod legiscan_api;
mod legistar;
mod openstates;
mod texts;

pub use files::{ca_export_day, list_scrape_files};

use crate::config::{Pipeline, SourceConfig};
use crate::fetch::FetchOptions;
use crate::model::Warning;
use crate::sources::openstates as openstates_api;
use crate::warehouse::{SourceReport, Warehouse};
use chrono::{DateTime, Utc};
use ingest::{Ingest, Tally};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct RunOptions {
    pub data_dir: PathBuf,
    /// Files (or pages) per transaction.
    pub batch_size: usize,
    pub fetch: FetchOptions,
    /// Show progress bars (on a terminal).
    pub progress: bool,
    /// Without bars (not a terminal): an info line per source this often while it runs
    /// (requests, files or pages, records, documents, rate). `None`: no progress lines.
    pub progress_every: Option<std::time::Duration>,
    /// Set on SIGTERM or SIGINT: runs stop between batches.
    pub stop: Stop,
    /// The clock alerts use (digest times, reminders); `None`: `clock`. Tests set it.
    pub alerts_now: Option<DateTime<Utc>>,
    /// The clock runs are recorded at (`runs.started_at`, `finished_at`) and the scheduler
    /// waits by: the system's, or a simulated one in tests.
    pub clock: crate::clock::Clock,
    /// The SMTP mailer for `alerts = "smtp"` pipelines; `None`: from the environment.
    pub alert_mailer: Option<crate::mail::Mailer>,
}

impl RunOptions {
    pub fn new(data_dir: impl Into<PathBuf>) -> RunOptions {
        RunOptions {
            data_dir: data_dir.into(),
            batch_size: 500,
            fetch: FetchOptions::default(),
            progress: false,
            progress_every: None,
            stop: Stop::default(),
            alerts_now: None,
            clock: crate::clock::Clock::default(),
            alert_mailer: None,
        }
    }
}

/// A request to stop, shared between the signal handler and the runs. A run checks it
/// between batches: the batch in flight commits (or rolls back), nothing is half-written,
/// the run is recorded as `interrupted`, and the next run resumes where it stopped.
#[derive(Debug, Clone, Default)]
pub struct Stop(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl Stop {
    pub fn request(&self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn requested(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub run_id: i64,
    pub pipeline: String,
    /// `succeeded` or `failed` (some source failed).
    pub status: String,
    pub sources: Vec<SourceReport>,
    /// Every warning, for printing (also stored in `warnings`).
    #[serde(skip)]
    pub warnings: Vec<(String, Warning)>,
    /// The pipeline's coalition alerts after the load (none without coalitions).
    pub alerts: Option<crate::alerts::engine::AlertsReport>,
    /// Why alerts could not be processed (the load itself is kept).
    pub alerts_error: Option<String>,
}

impl RunReport {
    pub fn changes(&self) -> u64 {
        self.sources.iter().map(|s| s.changes).sum()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{0}")]
    Input(String),
    #[error("interrupted (stop requested); the next run resumes")]
    Interrupted,
    #[error("warehouse")]
    Warehouse(#[from] sqlx::Error),
    #[error(transparent)]
    Fetch(#[from] crate::fetch::FetchError),
    #[error(transparent)]
    Archive(#[from] crate::archive::ArchiveError),
    #[error("Open States: {0}")]
    OpenStates(#[from] openstates_api::ParseError),
}

/// Runs a pipeline, unless it is already running (in this or another process, on this or
/// another machine sharing the warehouse): then nothing is done and the report's status is
/// `skipped`.
pub async fn run_pipeline(wh: &Warehouse, pipeline: &Pipeline, opts: &RunOptions) -> Result<RunReport, sqlx::Error> {
    let Some(lock) = wh.try_lock_pipeline(&pipeline.name).await? else {
        tracing::info!(pipeline = %pipeline.name, "already running elsewhere; skipped");
        return Ok(RunReport {
            run_id: 0,
            pipeline: pipeline.name.clone(),
            status: "skipped".into(),
            sources: Vec::new(),
            warnings: Vec::new(),
            alerts: None,
            alerts_error: None,
        });
    };
    let mut report = run_locked(wh, pipeline, opts).await;
    if let Ok(r) = &mut report
        && !pipeline.coalitions.is_empty()
        && r.status != "interrupted"
    {
        match run_alerts(wh, pipeline, opts).await {
            Ok(a) => r.alerts = Some(a),
            Err(e) => {
                let message = crate::fetch::error_chain(&e);
                tracing::error!(pipeline = %pipeline.name, error = %message, "alerts failed; the outbox keeps what was matched");
                r.alerts_error = Some(message);
            }
        }
    }
    // Released at once, so a run right after this one is not skipped (dropping the lock would
    // release it only when the server notices the closed connection).
    if let Err(e) = lock.release(&pipeline.name).await {
        tracing::warn!(pipeline = %pipeline.name, error = %e, "releasing the pipeline lock failed; it is released when the connection closes");
    }
    report
}

/// The transport a pipeline's alerts use: `.eml` files for `alerts = "dry-run"`, SMTP when
/// STATEHOUSE_SMTP_URL is set, else hold them in the outbox (a warning says so).
pub fn alert_transport(
    pipeline: &Pipeline,
    data_dir: &Path,
) -> Result<crate::alerts::engine::Transport, crate::mail::MailError> {
    use crate::alerts::engine::Transport;
    Ok(match pipeline.alerts {
        crate::config::AlertMode::DryRun => Transport::Files(data_dir.join("outbox")),
        crate::config::AlertMode::Smtp => match crate::mail::Mailer::from_env()? {
            Some(m) => Transport::Smtp(Box::new(m)),
            None => {
                tracing::warn!(pipeline = %pipeline.name, "{} is not set: alerts wait in the outbox", crate::mail::SMTP_URL_VAR);
                Transport::Hold
            }
        },
    })
}

#[derive(Debug, thiserror::Error)]
pub enum RunAlertsError {
    #[error(transparent)]
    Alerts(#[from] crate::alerts::engine::AlertsError),
    #[error("email settings")]
    Mail(#[from] crate::mail::MailError),
}

async fn run_alerts(
    wh: &Warehouse,
    pipeline: &Pipeline,
    opts: &RunOptions,
) -> Result<crate::alerts::engine::AlertsReport, RunAlertsError> {
    let transport = match (&opts.alert_mailer, pipeline.alerts) {
        (Some(m), crate::config::AlertMode::Smtp) => crate::alerts::engine::Transport::Smtp(Box::new(m.clone())),
        _ => alert_transport(pipeline, &opts.data_dir)?,
    };
    let now = opts.alerts_now.unwrap_or_else(|| opts.clock.now());
    let report = crate::alerts::engine::process(wh, &pipeline.coalitions, pipeline.alerts, &transport, now).await?;
    crate::alerts::engine::write_feeds(wh, &pipeline.coalitions, &opts.data_dir.join("feeds"), now).await?;
    Ok(report)
}

async fn run_locked(wh: &Warehouse, pipeline: &Pipeline, opts: &RunOptions) -> Result<RunReport, sqlx::Error> {
    let started = std::time::Instant::now();
    let run_id = wh.begin_run(&pipeline.name, opts.clock.now()).await?;
    tracing::info!(pipeline = %pipeline.name, run_id, "run started");
    let mut reports = Vec::new();
    let mut all_warnings = Vec::new();
    for source in &pipeline.sources {
        if opts.stop.requested() {
            break;
        }
        let mut ing = Ingest::new(wh, run_id, pipeline, opts, source);
        // The kind's plan and parser; the loop is the same for all.
        let result = match source {
            SourceConfig::OcdScrape(c) => files::ocd_scrape(&mut ing, c).await,
            SourceConfig::NyLbdc(c) => files::ny_lbdc(&mut ing, c).await,
            SourceConfig::CaPubinfo(c) => files::ca_pubinfo(&mut ing, c).await,
            SourceConfig::LegiscanDataset(c) => files::legiscan_dataset(&mut ing, c).await,
            SourceConfig::Ical(c) => files::ical(&mut ing, c).await,
            SourceConfig::OpenstatesPeople(c) => files::openstates_people(&mut ing, c).await,
            SourceConfig::Openstates(c) => openstates::crawl(&mut ing, c).await,
            SourceConfig::Legiscan(c) => legiscan_api::crawl(&mut ing, c).await,
            SourceConfig::Legistar(c) => legistar::crawl(&mut ing, c).await,
        };
        let mut tally: Tally = ing.into_tally();
        tally.report.finished_at = Utc::now();
        tally.report.warnings = tally.warnings.len() as u64;
        match result {
            Ok(()) => {
                if tally.partial {
                    tracing::warn!(source = %tally.report.source, "partial delivery: nothing it lacks was removed or blanked (see the warnings)");
                    tally.report.status = "partial".into();
                } else {
                    tally.report.status = "succeeded".into();
                }
                // Every payload read again with this extractor generation: later runs skip
                // unchanged ones (recorded once, not on every run).
                if tally.reread {
                    wh.set_state(&pipeline.name, &tally.report.source, ingest::EXTRACTOR_STATE, crate::text::EXTRACTOR)
                        .await?;
                }
            }
            Err(SourceError::Interrupted) => {
                tracing::warn!(source = %tally.report.source, "interrupted");
                tally.report.status = "interrupted".into();
                tally.report.error = Some(SourceError::Interrupted.to_string());
            }
            Err(e) => {
                tracing::error!(source = %tally.report.source, error = %e, "source failed");
                tally.report.status = "failed".into();
                tally.report.error = Some(crate::fetch::error_chain(&e));
            }
        }
        let r = &tally.report;
        tracing::info!(
            source = %r.source,
            status = %r.status,
            requests = r.requests,
            records = r.records,
            inserted = r.counts.inserted,
            updated = r.counts.updated,
            unchanged = r.counts.unchanged,
            changes = r.changes,
            warnings = r.warnings,
            "source finished"
        );
        wh.record_source(run_id, &tally.report).await?;
        all_warnings.extend(tally.warnings.into_iter().map(|w| (tally.report.source.clone(), w)));
        reports.push(tally.report);
    }
    let status = if opts.stop.requested() || reports.iter().any(|r| r.status == "interrupted") {
        "interrupted"
    } else if reports.iter().all(|r| matches!(r.status.as_str(), "succeeded" | "partial")) {
        "succeeded"
    } else {
        "failed"
    };
    let summary = serde_json::to_value(&reports).unwrap_or_default();
    let sum = |f: fn(&SourceReport) -> u64| reports.iter().map(f).sum::<u64>() as i64;
    let totals = crate::warehouse::RunTotals {
        requests: sum(|r| r.requests),
        bytes: sum(|r| r.bytes),
        records: sum(|r| r.records),
        changes: sum(|r| r.changes),
        warnings: sum(|r| r.warnings),
        duration_ms: started.elapsed().as_millis() as i64,
    };
    wh.finish_run(run_id, status, &summary, &totals, opts.clock.now()).await?;
    tracing::info!(
        pipeline = %pipeline.name,
        run_id,
        status = %status,
        records = totals.records,
        changes = totals.changes,
        warnings = totals.warnings,
        seconds = totals.duration_ms as f64 / 1000.0,
        "run finished"
    );
    Ok(RunReport {
        run_id,
        pipeline: pipeline.name.clone(),
        status: status.into(),
        sources: reports,
        warnings: all_warnings,
        alerts: None,
        alerts_error: None,
    })
}

/// A secret (API key, token) from the environment variable a pipeline names; an error naming
/// the variable, never the value, when it is unset or empty.
fn secret_from_env(var: &str, what: &str) -> Result<String, SourceError> {
    std::env::var(var).ok().filter(|v| !v.trim().is_empty()).ok_or_else(|| {
        SourceError::Input(format!(
            "no {what}: set the environment variable {var} (secrets are read from the environment only)"
        ))
    })
}

/// Counts per source, for printing.
pub fn summary_rows(report: &RunReport) -> Vec<HashMap<&'static str, String>> {
    report
        .sources
        .iter()
        .map(|s| {
            HashMap::from([
                ("source", s.source.clone()),
                ("status", s.status.clone()),
                ("requests", s.requests.to_string()),
                ("payloads", s.payloads.to_string()),
                ("unchanged payloads", s.unchanged_payloads.to_string()),
                ("records", s.records.to_string()),
                ("inserted", s.counts.inserted.to_string()),
                ("updated", s.counts.updated.to_string()),
                ("unchanged", s.counts.unchanged.to_string()),
                ("changes", s.changes.to_string()),
                ("warnings", s.warnings.to_string()),
            ])
        })
        .collect()
}
