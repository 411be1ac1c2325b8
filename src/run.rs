//! One run of a pipeline, top to bottom: for each source, read or fetch its payloads, skip
//! the unchanged ones, parse, normalize and load them batch by batch (one transaction per
//! batch), and record what happened. A failing source is recorded and the others go on.

mod feeds;
mod legiscan_api;
mod legistar;
mod texts;

use crate::archive::Archive;
use crate::config::{OcdScrapeConfig, OpenStatesConfig, Pipeline, SourceConfig};
use crate::fetch::{FetchOptions, Fetcher, Validators};
use crate::model::{JurisdictionRecord, Parsed, Warning};
use crate::normalize::{self, Context, ids};
use crate::sources::ocd_scrape::{self, FileKind, ScrapeContext};
use crate::sources::openstates;
use crate::warehouse::merge::Counts;
use crate::warehouse::{LoadBatch, PayloadRecord, SourceReport, Warehouse};
use chrono::{DateTime, Utc};
use indicatif::{ProgressBar, ProgressStyle};
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
    /// Set on SIGTERM or SIGINT: runs stop between batches.
    pub stop: Stop,
    /// The clock alerts use (digest times, reminders); `None`: now. Tests set it.
    pub alerts_now: Option<DateTime<Utc>>,
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
            stop: Stop::default(),
            alerts_now: None,
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
    OpenStates(#[from] openstates::ParseError),
}

/// Running totals of one source.
struct Tally {
    report: SourceReport,
    warnings: Vec<Warning>,
    /// The source's bill keys seen this run → bill ids. Scrape `_id`s change with every
    /// scrape, so they are not kept in `bill_sources`; votes of the same scrape that name
    /// their bill only by `_id` are linked through this map.
    run_keys: HashMap<String, String>,
    /// Jurisdictions whose people were inserted or changed in this run.
    people_changed: std::collections::BTreeSet<String>,
    /// Fetching version documents (`[texts] fetch = true`).
    texts: Option<texts::TextFetch>,
    /// Some delivery was damaged or missing a part (`model::Parsed::partial`).
    partial: bool,
}

impl Tally {
    fn new(source: &SourceConfig) -> Tally {
        let now = Utc::now();
        Tally {
            report: SourceReport {
                source: source.name(),
                kind: source.kind().to_string(),
                started_at: now,
                finished_at: now,
                status: "running".into(),
                requests: 0,
                bytes: 0,
                payloads: 0,
                unchanged_payloads: 0,
                records: 0,
                counts: Counts::default(),
                changes: 0,
                warnings: 0,
                error: None,
            },
            warnings: Vec::new(),
            run_keys: HashMap::new(),
            people_changed: Default::default(),
            texts: None,
            partial: false,
        }
    }
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
    drop(lock);
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
    let now = opts.alerts_now.unwrap_or_else(Utc::now);
    let report = crate::alerts::engine::process(wh, &pipeline.coalitions, &transport, now).await?;
    crate::alerts::engine::write_feeds(wh, &pipeline.coalitions, &opts.data_dir.join("feeds"), now).await?;
    Ok(report)
}

async fn run_locked(wh: &Warehouse, pipeline: &Pipeline, opts: &RunOptions) -> Result<RunReport, sqlx::Error> {
    let started = std::time::Instant::now();
    let run_id = wh.begin_run(&pipeline.name).await?;
    tracing::info!(pipeline = %pipeline.name, run_id, "run started");
    let archive = Archive::new(&opts.data_dir);
    let mut reports = Vec::new();
    let mut all_warnings = Vec::new();
    for source in &pipeline.sources {
        if opts.stop.requested() {
            break;
        }
        let mut tally = Tally::new(source);
        tally.texts = texts::TextFetch::new(&pipeline.texts, &opts.fetch, &opts.data_dir, run_id);
        let result = match source {
            SourceConfig::OcdScrape(c) => {
                run_ocd_scrape(wh, run_id, pipeline, source, c, &archive, opts, &mut tally).await
            }
            SourceConfig::Openstates(c) => {
                run_openstates(wh, run_id, pipeline, source, c, &archive, opts, &mut tally).await
            }
            SourceConfig::NyLbdc(c) => run_ny_lbdc(wh, run_id, pipeline, source, c, &archive, opts, &mut tally).await,
            SourceConfig::CaPubinfo(c) => {
                run_ca_pubinfo(wh, run_id, pipeline, source, c, &archive, opts, &mut tally).await
            }
            SourceConfig::LegiscanDataset(c) => {
                feeds::run_legiscan_dataset(wh, run_id, pipeline, source, c, &archive, opts, &mut tally).await
            }
            SourceConfig::Ical(c) => feeds::run_ical(wh, run_id, pipeline, source, c, &archive, opts, &mut tally).await,
            SourceConfig::Legiscan(c) => {
                legiscan_api::run_legiscan(wh, run_id, pipeline, source, c, &archive, opts, &mut tally).await
            }
            SourceConfig::Legistar(c) => {
                legistar::run_legistar(wh, run_id, pipeline, source, c, &archive, opts, &mut tally).await
            }
        };
        if let Some(t) = &tally.texts {
            tally.report.requests += t.requests();
        }
        tally.report.finished_at = Utc::now();
        tally.report.warnings = tally.warnings.len() as u64;
        match result {
            Ok(()) if tally.partial => {
                tracing::warn!(source = %tally.report.source, "partial delivery: nothing it lacks was removed or blanked (see the warnings)");
                tally.report.status = "partial".into();
            }
            Ok(()) => tally.report.status = "succeeded".into(),
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
    wh.finish_run(run_id, status, &summary, &totals).await?;
    tracing::info!(pipeline = %pipeline.name, run_id, status, "run finished");
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

fn progress(opts: &RunOptions, len: u64, what: &str) -> ProgressBar {
    if !opts.progress {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template("{prefix:>24} [{bar:30}] {pos}/{len} {msg}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    pb.set_prefix(what.to_string());
    pb
}

/// Files of a scrape folder (recursively) or the one file, with their kinds, in load order.
pub fn list_scrape_files(path: &Path) -> Result<Vec<(FileKind, PathBuf)>, SourceError> {
    let mut out: Vec<(FileKind, PathBuf)> =
        list_files(path)?.into_iter().filter_map(|p| FileKind::of(&p).map(|k| (k, p))).collect();
    out.sort();
    Ok(out)
}

/// Every file under a folder (recursively), or the one file.
fn list_files(path: &Path) -> Result<Vec<PathBuf>, SourceError> {
    let meta =
        std::fs::metadata(path).map_err(|e| SourceError::Input(format!("cannot read {}: {e}", path.display())))?;
    let mut files = Vec::new();
    if meta.is_file() {
        files.push(path.to_path_buf());
    } else {
        let mut stack = vec![path.to_path_buf()];
        while let Some(dir) = stack.pop() {
            let entries = std::fs::read_dir(&dir)
                .map_err(|e| SourceError::Input(format!("cannot list {}: {e}", dir.display())))?;
            for entry in entries {
                let entry = entry.map_err(|e| SourceError::Input(format!("cannot list {}: {e}", dir.display())))?;
                let p = entry.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    files.push(p);
                }
            }
        }
    }
    Ok(files)
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

/// A jurisdiction record for a jurisdiction known only by id (no jurisdiction file).
fn bare_jurisdiction(id: &str) -> JurisdictionRecord {
    let code = ids::jurisdiction_code(id);
    JurisdictionRecord {
        id: id.to_string(),
        name: crate::jurisdictions::name_of(&code).map(str::to_string).unwrap_or(code),
        classification: if id.contains("/place:") { "municipality".into() } else { "state".into() },
        division_id: None,
        url: None,
        sessions: Vec::new(),
        placeholder: true,
    }
}

#[allow(clippy::too_many_arguments)]
async fn run_ocd_scrape(
    wh: &Warehouse,
    run_id: i64,
    pipeline: &Pipeline,
    source: &SourceConfig,
    cfg: &OcdScrapeConfig,
    archive: &Archive,
    opts: &RunOptions,
    tally: &mut Tally,
) -> Result<(), SourceError> {
    let name = source.name();
    let files = list_scrape_files(&cfg.path)?;
    if files.is_empty() {
        return Err(SourceError::Input(format!(
            "{}: no scrape files (bill_*.json, vote_event_*.json, …) found",
            cfg.path.display()
        )));
    }
    let t = std::time::Instant::now();
    let prior = wh.loaded_hashes(&pipeline.name, &name).await?;
    tracing::debug!(source = %name, files = files.len(), known = prior.len(), elapsed = ?t.elapsed(), "payload history read");

    // Context first: the jurisdiction and the organizations that pseudo-ids name.
    let mut ctx = ScrapeContext::default();
    let mut jurisdiction_file = None;
    for (kind, path) in files.iter().filter(|(k, _)| matches!(k, FileKind::Jurisdiction | FileKind::Organization)) {
        let loc = path.display().to_string();
        let Ok(bytes) = std::fs::read(path) else { continue };
        match kind {
            FileKind::Jurisdiction => {
                if let Ok(j) = ocd_scrape::parse_jurisdiction(&bytes, &loc) {
                    jurisdiction_file.get_or_insert(j);
                }
            }
            _ => {
                if let Ok(orgs) = ocd_scrape::parse_organizations(&bytes, &loc) {
                    for o in orgs {
                        ctx.organizations.insert(o.source_key.clone(), o.classification.clone());
                    }
                }
            }
        }
    }
    ctx.jurisdiction_id = match (&cfg.jurisdiction, &jurisdiction_file) {
        (Some(j), _) => feeds::jurisdiction_of(j)?,
        (None, Some(j)) => j.id.clone(),
        (None, None) => first_bill_jurisdiction(&files).ok_or_else(|| {
            SourceError::Input(format!(
                "{}: no jurisdiction_*.json file and no `jurisdiction` in the pipeline; cannot tell whose data this is",
                cfg.path.display()
            ))
        })?,
    };
    let norm_ctx = Context {
        timezone: normalize::build::zone_of(&ctx.jurisdiction_id, pipeline.timezone),
        jurisdiction_id: ctx.jurisdiction_id.clone(),
    };

    // The jurisdiction row must exist before anything that points at it.
    if jurisdiction_file.is_none() {
        let parsed = Parsed { jurisdictions: vec![bare_jurisdiction(&ctx.jurisdiction_id)], ..Default::default() };
        load_batch(wh, run_id, pipeline, &name, "ocd_scrape", parsed, Vec::new(), &norm_ctx, tally).await?;
    }

    let pb = progress(opts, files.len() as u64, &name);
    // Load in kind order; each kind in batches, one transaction per batch.
    let mut i = 0;
    while i < files.len() {
        if opts.stop.requested() {
            return Err(SourceError::Interrupted);
        }
        let kind = files[i].0;
        let context_kind = matches!(kind, FileKind::Jurisdiction | FileKind::Organization | FileKind::Person);
        let mut j = i;
        while j < files.len()
            && (files[j].0 == kind
                || (context_kind
                    && matches!(files[j].0, FileKind::Jurisdiction | FileKind::Organization | FileKind::Person)))
            && j - i < opts.batch_size
        {
            j += 1;
        }
        let mut parsed = Parsed::default();
        let mut payloads = Vec::new();
        for (kind, path) in &files[i..j] {
            pb.inc(1);
            let payload = read_file(path, &prior, archive, tally, &mut parsed, |bytes, loc, parsed| {
                ocd_scrape::parse_into(*kind, bytes, loc, &ctx, parsed)
            })?;
            payloads.extend(payload);
        }
        if !payloads.is_empty() {
            load_batch(wh, run_id, pipeline, &name, "ocd_scrape", parsed, payloads, &norm_ctx, tally).await?;
        }
        i = j;
    }
    pb.finish_and_clear();
    tracing::debug!(source = %name, elapsed = ?t.elapsed(), "files loaded");
    relink(wh, run_id, pipeline, &name, "ocd_scrape", tally).await?;
    tracing::debug!(source = %name, elapsed = ?t.elapsed(), "relinked");
    Ok(())
}

/// Reads one input file: counts it, skips it when its bytes are those last loaded from the
/// same place, else archives and parses it into `parsed`. Returns the payload's record.
fn read_file(
    path: &Path,
    prior: &HashMap<String, String>,
    archive: &Archive,
    tally: &mut Tally,
    parsed: &mut Parsed,
    parse: impl FnOnce(&[u8], &str, &mut Parsed),
) -> Result<Option<PayloadRecord>, SourceError> {
    let loc = path.display().to_string();
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            tally.warnings.push(Warning::new(&loc, None, format!("cannot read: {e}")));
            return Ok(None);
        }
    };
    tally.report.bytes += bytes.len() as u64;
    tally.report.payloads += 1;
    let sha = crate::archive::sha256_hex(&bytes);
    if prior.get(&loc) == Some(&sha) {
        tally.report.unchanged_payloads += 1;
        return Ok(None);
    }
    archive.store_hashed(&sha, &bytes)?;
    let before = (parsed.record_count(), parsed.warnings.len());
    parse(&bytes, &loc, parsed);
    let ok = parsed.record_count() > before.0 || parsed.warnings.len() == before.1;
    if !ok {
        parsed.partial = true;
    }
    // An unparseable file is parsed (and reported) again next run.
    Ok(Some(PayloadRecord { loaded: ok, ..PayloadRecord::new(loc, sha, bytes.len() as u64, None) }))
}

/// `ny_lbdc`: a folder of New York LBDC feed files, loaded in the order they were published
/// (a later snapshot of a bill or an agenda replaces the earlier one), then the OpenLegislation
/// bill responses (`*.json`), in name order: their names carry no publication time, and each is
/// the Senate's consolidated view of a bill (every print, memo and text), so it comes last.
#[allow(clippy::too_many_arguments)]
async fn run_ny_lbdc(
    wh: &Warehouse,
    run_id: i64,
    pipeline: &Pipeline,
    source: &SourceConfig,
    cfg: &crate::config::NyLbdcConfig,
    archive: &Archive,
    opts: &RunOptions,
    tally: &mut Tally,
) -> Result<(), SourceError> {
    use crate::sources::ny_lbdc;
    let name = source.name();
    let mut files: Vec<(Option<chrono::NaiveDateTime>, PathBuf, ny_lbdc::FeedKind)> = list_files(&cfg.path)?
        .into_iter()
        .filter_map(|p| {
            let file_name = p.file_name()?.to_str()?.to_string();
            Some((ny_lbdc::published_at(&file_name), p, ny_lbdc::feed_kind(&file_name)?))
        })
        .collect();
    if files.is_empty() {
        return Err(SourceError::Input(format!(
            "{}: no LBDC feed files (…_BILLSTAT_…, …_SENAGEN_…) or OpenLegislation bill responses (*.json) found",
            cfg.path.display()
        )));
    }
    // Files without a publication time in their name (OpenLegislation JSON) after the others.
    files.sort_by(|a, b| (a.0.is_none(), a.0, &a.1).cmp(&(b.0.is_none(), b.0, &b.1)));
    let jurisdiction_id = ny_lbdc::JURISDICTION_ID.to_string();
    let ctx = Context { timezone: chrono_tz::America::New_York, jurisdiction_id: jurisdiction_id.clone() };
    let parsed = Parsed { jurisdictions: vec![bare_jurisdiction(&jurisdiction_id)], ..Default::default() };
    load_batch(wh, run_id, pipeline, &name, "ny_lbdc", parsed, Vec::new(), &ctx, tally).await?;
    let prior = wh.loaded_hashes(&pipeline.name, &name).await?;
    let pb = progress(opts, files.len() as u64, &name);
    for batch in files.chunks(opts.batch_size) {
        if opts.stop.requested() {
            return Err(SourceError::Interrupted);
        }
        let mut parsed = Parsed::default();
        let mut payloads = Vec::new();
        for (_, path, kind) in batch {
            pb.inc(1);
            payloads.extend(read_file(path, &prior, archive, tally, &mut parsed, |bytes, loc, parsed| {
                parsed.extend(ny_lbdc::parse(*kind, bytes, loc))
            })?);
        }
        if !payloads.is_empty() {
            load_batch(wh, run_id, pipeline, &name, "ny_lbdc", parsed, payloads, &ctx, tally).await?;
        }
    }
    pb.finish_and_clear();
    relink(wh, run_id, pipeline, &name, "ny_lbdc", tally).await
}

/// The weekday (`Mon` … `Sun`) of California's newest daily export at `now`: the Legislative
/// Counsel writes `pubinfo_daily_<Day>.zip` around 21:20 Pacific time, so before 22:00 the
/// newest one is the previous day's.
pub fn ca_export_day(now: DateTime<Utc>) -> String {
    let local = now.with_timezone(&chrono_tz::America::Los_Angeles);
    let day = if local.time() >= chrono::NaiveTime::from_hms_opt(22, 0, 0).expect("valid time") {
        local.date_naive()
    } else {
        local.date_naive() - chrono::Duration::days(1)
    };
    day.format("%a").to_string()
}

/// sha256 over a folder's files (names and contents, in name order): a pubinfo folder's identity.
fn folder_sha256(dir: &Path) -> Result<String, SourceError> {
    let mut files = list_files(dir)?;
    files.sort();
    let mut parts = Vec::new();
    for f in files {
        let sha = crate::archive::sha256_file(&f)
            .map_err(|e| SourceError::Input(format!("cannot read {}: {e}", f.display())))?;
        parts.push(format!("{}\u{0}{sha}", f.strip_prefix(dir).unwrap_or(&f).display()));
    }
    Ok(crate::archive::sha256_hex(parts.join("\n").as_bytes()))
}

/// `ca_pubinfo`: California's pubinfo export (a folder, a zip on disk, or the zip downloaded
/// from the Legislative Counsel). One export is one payload: unchanged (same sha256, or a 304)
/// it is skipped; otherwise every bill in it is loaded, in batches, bills before votes, and the
/// payload is recorded with the last batch (an interrupted load is parsed again next run).
#[allow(clippy::too_many_arguments)]
async fn run_ca_pubinfo(
    wh: &Warehouse,
    run_id: i64,
    pipeline: &Pipeline,
    source: &SourceConfig,
    cfg: &crate::config::CaPubinfoConfig,
    archive: &Archive,
    opts: &RunOptions,
    tally: &mut Tally,
) -> Result<(), SourceError> {
    use crate::sources::ca_pubinfo;
    let name = source.name();
    let jurisdiction_id = ca_pubinfo::JURISDICTION_ID.to_string();
    let ctx = Context { timezone: chrono_tz::America::Los_Angeles, jurisdiction_id: jurisdiction_id.clone() };
    let parsed = Parsed { jurisdictions: vec![bare_jurisdiction(&jurisdiction_id)], ..Default::default() };
    load_batch(wh, run_id, pipeline, &name, "ca_pubinfo", parsed, Vec::new(), &ctx, tally).await?;
    let prior = wh.loaded_hashes(&pipeline.name, &name).await?;

    // 1. The export and its identity.
    let (location, sha, export, http) = match &cfg.path {
        Some(path) => {
            let location = path.display().to_string();
            let meta =
                std::fs::metadata(path).map_err(|e| SourceError::Input(format!("cannot read {location}: {e}")))?;
            if meta.is_dir() {
                (location, folder_sha256(path)?, path.clone(), None)
            } else {
                let sha = crate::archive::sha256_file(path)
                    .map_err(|e| SourceError::Input(format!("cannot read {location}: {e}")))?;
                tally.report.bytes += meta.len();
                if prior.get(&location) != Some(&sha) {
                    let bytes =
                        std::fs::read(path).map_err(|e| SourceError::Input(format!("cannot read {location}: {e}")))?;
                    archive.store_hashed(&sha, &bytes)?;
                }
                (location, sha, path.clone(), None)
            }
        }
        None => {
            let file = cfg.file.replace("{day}", &ca_export_day(Utc::now()));
            let url = format!("{}/{file}", cfg.base_url.trim_end_matches('/'));
            let last = wh.last_payload(&pipeline.name, &name, &url).await?;
            let validators = Validators {
                etag: last.as_ref().and_then(|l| l.1.clone()),
                last_modified: last.as_ref().and_then(|l| l.2.clone()),
            };
            let downloads = opts.data_dir.join("downloads");
            std::fs::create_dir_all(&downloads)
                .map_err(|e| SourceError::Input(format!("cannot create {}: {e}", downloads.display())))?;
            let part = downloads.join(format!("{file}.{}.part", std::process::id()));
            let fetcher =
                Fetcher::new(opts.fetch.clone()).map_err(|e| SourceError::Input(format!("HTTP client: {e}")))?;
            let got = fetcher.download(&url, &validators, &part).await;
            let stats = fetcher.stats();
            tally.report.requests += stats.requests;
            tally.report.bytes += stats.bytes;
            let got = got?;
            if got.not_modified {
                tally.report.payloads += 1;
                tally.report.unchanged_payloads += 1;
                return relink(wh, run_id, pipeline, &name, "ca_pubinfo", tally).await;
            }
            let sha = crate::archive::sha256_file(&part)
                .map_err(|e| SourceError::Input(format!("cannot read {}: {e}", part.display())))?;
            let archived = archive.store_file(&sha, &part, false)?;
            (url, sha, archived, Some(got))
        }
    };
    tally.report.payloads += 1;
    if prior.get(&location) == Some(&sha) {
        tally.report.unchanged_payloads += 1;
        return relink(wh, run_id, pipeline, &name, "ca_pubinfo", tally).await;
    }
    let bytes = std::fs::metadata(&export).map(|m| m.len()).unwrap_or(0);
    let payload = PayloadRecord::new(location.clone(), sha, bytes, http.as_ref());

    // 2. Parse (CPU-bound: off the async workers).
    let loc = location.clone();
    let parsed = tokio::task::spawn_blocking(move || -> Result<Parsed, String> {
        if export.is_dir() {
            let mut files = ca_pubinfo::DirFiles::open(&export).map_err(|e| format!("{loc}: {e}"))?;
            Ok(ca_pubinfo::parse(&mut files, &loc))
        } else {
            let mut files =
                ca_pubinfo::ZipFiles::open(&export).map_err(|e| format!("{loc}: not a readable zip: {e}"))?;
            Ok(ca_pubinfo::parse(&mut files, &loc))
        }
    })
    .await
    .map_err(|e| SourceError::Input(format!("{location}: the parser stopped: {e}")))?
    .map_err(SourceError::Input)?;
    if parsed.bills.is_empty() && parsed.votes.is_empty() {
        return Err(SourceError::Input(format!(
            "{location}: no bills in this export (is it a pubinfo zip or folder, with BILL_TBL.dat?)"
        )));
    }

    // 3. Load: bills first (votes link to them), in batches.
    feeds::load_payload(wh, run_id, pipeline, &name, "ca_pubinfo", parsed, payload, &ctx, opts, tally).await?;
    relink(wh, run_id, pipeline, &name, "ca_pubinfo", tally).await
}

fn first_bill_jurisdiction(files: &[(FileKind, PathBuf)]) -> Option<String> {
    files.iter().filter(|(k, _)| *k == FileKind::Bill).take(5).find_map(|(_, p)| {
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(p).ok()?).ok()?;
        v.get("jurisdiction")?.get("id")?.as_str().map(str::to_string)
    })
}

#[allow(clippy::too_many_arguments)]
async fn load_batch(
    wh: &Warehouse,
    run_id: i64,
    pipeline: &Pipeline,
    source: &str,
    kind: &str,
    parsed: Parsed,
    payloads: Vec<PayloadRecord>,
    ctx: &Context,
    tally: &mut Tally,
) -> Result<(), SourceError> {
    tally.report.records += parsed.record_count() as u64;
    tally.partial |= parsed.partial;
    let mut parsed = parsed;
    texts::attach_texts(wh, &mut parsed, tally).await?;
    let mut normalized = normalize::normalize(parsed, ctx);
    for b in &normalized.bills {
        if let Some(k) = &b.source_key {
            tally.run_keys.insert(k.clone(), b.bill.id.clone());
        }
    }
    for v in &mut normalized.votes {
        if v.vote.bill_id.is_none()
            && let Some(id) = v.bill_source_key.as_ref().and_then(|k| tally.run_keys.get(k))
        {
            v.vote.bill_id = Some(id.clone());
            v.rehash();
        }
    }
    let batch = LoadBatch {
        pipeline: pipeline.name.clone(),
        source: source.to_string(),
        source_kind: kind.to_string(),
        // Open States' `ocd-bill/…` ids are stable; a scrape's `_id`s are not.
        record_bill_sources: kind != "ocd_scrape",
        reload: false,
        normalized,
        payloads,
        warnings: Vec::new(),
    };
    let outcome = wh.load(run_id, batch).await?;
    if outcome.people_changed {
        tally.people_changed.insert(ctx.jurisdiction_id.clone());
    }
    tally.report.counts.add(outcome.counts);
    tally.report.changes += outcome.changes as u64;
    for w in &outcome.warnings {
        tracing::warn!(source, warning = %w, "warning");
    }
    tally.warnings.extend(outcome.warnings);
    Ok(())
}

/// After a source's batches: link what was loaded before its bill, and voters and sponsors
/// to people who arrived after them.
async fn relink(
    wh: &Warehouse,
    run_id: i64,
    pipeline: &Pipeline,
    source: &str,
    kind: &str,
    tally: &mut Tally,
) -> Result<(), SourceError> {
    let mut outcomes = vec![wh.relink(run_id, &pipeline.name, source, kind).await?];
    for jurisdiction in std::mem::take(&mut tally.people_changed) {
        outcomes.push(wh.relink_people(run_id, &pipeline.name, source, kind, &jurisdiction).await?);
    }
    for outcome in outcomes {
        tally.report.changes += outcome.changes as u64;
        tally.report.counts.updated += outcome.counts.updated;
    }
    Ok(())
}

/// Keys in `source_state` for the Open States source: the incremental cursor, and where
/// a crawl cut short by the daily quota resumes.
const CURSOR_KEY: &str = "updated_since";
const RESUME_KEY: &str = "resume";

/// A crawl in progress: which list and page come next, the cursor it runs with, and when
/// it started (the next cursor). Stored as `list|page|since|started`.
#[derive(Debug, Clone, PartialEq)]
struct Resume {
    list: String,
    page: u32,
    since: Option<String>,
    started: DateTime<Utc>,
}

impl Resume {
    fn encode(&self) -> String {
        format!("{}|{}|{}|{}", self.list, self.page, self.since.as_deref().unwrap_or(""), self.started.to_rfc3339())
    }

    fn decode(s: &str) -> Option<Resume> {
        let mut it = s.split('|');
        let list = it.next()?.to_string();
        let page = it.next()?.parse().ok()?;
        let since = Some(it.next()?.to_string()).filter(|s| !s.is_empty());
        let started = DateTime::parse_from_rfc3339(it.next()?).ok()?.with_timezone(&Utc);
        Some(Resume { list, page, since, started })
    }
}

#[allow(clippy::too_many_arguments)]
async fn run_openstates(
    wh: &Warehouse,
    run_id: i64,
    pipeline: &Pipeline,
    source: &SourceConfig,
    cfg: &OpenStatesConfig,
    archive: &Archive,
    opts: &RunOptions,
    tally: &mut Tally,
) -> Result<(), SourceError> {
    let name = source.name();
    let key = secret_from_env(&cfg.api_key_env, "Open States API key (Open States answers 403 without one)")?;
    let headers = vec![("X-API-KEY".to_string(), key)];
    let jurisdiction_id = feeds::jurisdiction_of(&cfg.jurisdiction)?;
    let code = ids::jurisdiction_code(&jurisdiction_id);
    let fetcher = Fetcher::new(opts.fetch.clone()).map_err(|e| SourceError::Input(format!("HTTP client: {e}")))?;
    let host = url::Url::parse(&cfg.base_url).ok().and_then(|u| u.host_str().map(str::to_string)).unwrap_or_default();
    fetcher.set_rate(&host, cfg.tier.requests_per_minute);
    let norm_ctx = Context {
        timezone: normalize::build::zone_of(&jurisdiction_id, pipeline.timezone),
        jurisdiction_id: jurisdiction_id.clone(),
    };

    // The daily quota is counted per UTC day in `source_state`, across runs.
    let today = Utc::now().format("%Y-%m-%d").to_string();
    let quota_key = format!("requests:{today}");
    let used_before: u64 =
        wh.get_state(&pipeline.name, &name, &quota_key).await?.and_then(|v| v.parse().ok()).unwrap_or(0);
    let budget = u64::from(cfg.tier.requests_per_day).saturating_sub(used_before);

    let parsed = Parsed { jurisdictions: vec![bare_jurisdiction(&jurisdiction_id)], ..Default::default() };
    load_batch(wh, run_id, pipeline, &name, "openstates", parsed, Vec::new(), &norm_ctx, tally).await?;

    // A crawl the quota cut short goes on where it stopped, with the cursor it started with.
    let lists: Vec<&str> =
        [cfg.people.then_some("people"), Some("bills"), cfg.events.then_some("events")].into_iter().flatten().collect();
    let resume = wh.get_state(&pipeline.name, &name, RESUME_KEY).await?.and_then(|s| Resume::decode(&s));
    let (since, started) = match &resume {
        Some(r) => (r.since.clone(), r.started),
        None => (wh.get_state(&pipeline.name, &name, CURSOR_KEY).await?, Utc::now()),
    };
    let first = resume.as_ref().and_then(|r| lists.iter().position(|l| *l == r.list)).unwrap_or(0);
    let mut stopped_at: Option<Resume> = None;
    let mut interrupted = false;

    'lists: for list in &lists[first..] {
        let mut page = match &resume {
            Some(r) if r.list == *list => r.page,
            _ => 1,
        };
        loop {
            if opts.stop.requested() {
                // Resume here next run, with this crawl's cursor.
                stopped_at = Some(Resume { list: list.to_string(), page, since: since.clone(), started });
                interrupted = true;
                break 'lists;
            }
            if fetcher.stats().requests >= budget {
                tally.warnings.push(Warning::new(
                    &cfg.base_url,
                    None,
                    format!(
                        "daily request quota of {} reached at {list} page {page}; the next run resumes there",
                        cfg.tier.requests_per_day
                    ),
                ));
                stopped_at = Some(Resume { list: list.to_string(), page, since: since.clone(), started });
                break 'lists;
            }
            if *list == "bills" && cfg.max_pages.is_some_and(|m| page > m) {
                break;
            }
            let url = match *list {
                "people" => openstates::people_url(&cfg.base_url, &code, page),
                "events" => openstates::events_url(&cfg.base_url, &code, page),
                _ => openstates::bills_url(&cfg.base_url, &code, cfg.session.as_deref(), since.as_deref(), page),
            };
            let last = wh.last_payload(&pipeline.name, &name, &url).await?;
            let validators = Validators {
                etag: last.as_ref().and_then(|l| l.1.clone()),
                last_modified: last.as_ref().and_then(|l| l.2.clone()),
            };
            let got = fetcher.get(&url, &headers, &validators).await?;
            tally.report.payloads += 1;
            let sha = if got.not_modified {
                last.as_ref().map(|l| l.0.clone()).unwrap_or_default()
            } else {
                crate::archive::sha256_hex(&got.body)
            };
            let pagination = if last.as_ref().is_some_and(|l| l.0 == sha) {
                // The same payload as last time: only its page count is read.
                tally.report.unchanged_payloads += 1;
                let body = if got.not_modified {
                    archive.read(&sha).map_err(|e| {
                        SourceError::Input(format!("{url}: 304, but the archived payload {sha} is unreadable: {e}"))
                    })?
                } else {
                    got.body
                };
                openstates::pagination_of(&body, &url)?
            } else {
                let (parsed, pagination) = match *list {
                    "people" => openstates::parse_people_page(&got.body, &url, &jurisdiction_id),
                    "events" => openstates::parse_events_page(&got.body, &url, &jurisdiction_id),
                    _ => openstates::parse_bills_page(&got.body, &url, &jurisdiction_id),
                }?;
                archive.store_hashed(&sha, &got.body)?;
                let payload = PayloadRecord::new(url.clone(), sha, got.body.len() as u64, Some(&got));
                load_batch(wh, run_id, pipeline, &name, "openstates", parsed, vec![payload], &norm_ctx, tally).await?;
                pagination
            };
            match pagination.next_page() {
                Some(next) => page = next,
                None => break,
            }
        }
    }
    let stats = fetcher.stats();
    tally.report.requests = stats.requests;
    tally.report.bytes += stats.bytes;
    wh.set_state(&pipeline.name, &name, &quota_key, &(used_before + stats.requests).to_string()).await?;
    relink(wh, run_id, pipeline, &name, "openstates", tally).await?;
    if interrupted {
        if let Some(r) = stopped_at {
            wh.set_state(&pipeline.name, &name, RESUME_KEY, &r.encode()).await?;
        }
        return Err(SourceError::Interrupted);
    }
    match stopped_at {
        Some(r) => wh.set_state(&pipeline.name, &name, RESUME_KEY, &r.encode()).await?,
        None => {
            // Complete: the next crawl asks only for what changed since this one started
            // (an hour earlier, for clock skew and slow upstream indexing; reloading is
            // idempotent).
            let cursor = started - chrono::Duration::hours(1);
            wh.set_state(&pipeline.name, &name, CURSOR_KEY, &cursor.format("%Y-%m-%dT%H:%M:%S+00:00").to_string())
                .await?;
            wh.set_state(&pipeline.name, &name, RESUME_KEY, "").await?;
        }
    }
    Ok(())
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
