//! The one ingest loop: the path every payload takes, whatever its source kind.
//!
//! ```text
//! plan (the kind: files in batches, one whole payload, or an API crawl)
//!   → fetch or read   (Ingest::read_file, read_export, get, download: conditional GET, size
//!                      cap, sha256, archive, unchanged check, the payload's record)
//!   → parse           (the kind's pure function of bytes → model::Parsed)
//!   → texts           ([texts] fetch: versions without a text get one)
//!   → normalize       (polars; pure)
//!   → load            (Ingest::load: one transaction per batch, with the payload records)
//!   → relink          (Ingest::finish)
//! ```
//!
//! A source kind (`run/files.rs`, `run/openstates.rs`, `run/legiscan_api.rs`,
//! `run/legistar.rs`) says what to read and how to parse it; it never archives, hashes,
//! compares with the last load, records payloads, counts, or writes the warehouse itself.
//! [`Ingest`] is the one context a kind gets: the warehouse, the run, the pipeline, the
//! source, the archive, the fetcher and the tally travel together.

use super::{RunOptions, SourceError, texts};
use crate::archive::Archive;
use crate::config::{Pipeline, SourceConfig};
use crate::fetch::{Fetched, Fetcher, Validators};
use crate::hash::sha256_hex;
use crate::model::{JurisdictionRecord, Parsed, SessionRecord, Warning};
use crate::normalize::{self, Context};
use crate::sources::SourceKind;
use crate::warehouse::merge::Counts;
use crate::warehouse::{LoadBatch, PayloadRecord, SourceReport, Warehouse};
use chrono::Utc;
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// Running totals of one source.
pub(super) struct Tally {
    pub report: SourceReport,
    pub warnings: Vec<Warning>,
    /// The source's bill keys seen this run → bill ids. Scrape `_id`s change with every
    /// scrape, so they are not kept in `bill_sources`; votes of the same scrape that name
    /// their bill only by `_id` are linked through this map.
    run_keys: HashMap<String, String>,
    /// Jurisdictions whose people were inserted or changed in this run.
    people_changed: BTreeSet<String>,
    /// Fetching version documents (`[texts] fetch = true`).
    pub texts: Option<texts::TextFetch>,
    /// Some delivery was damaged or missing a part (`model::Parsed::partial`).
    pub partial: bool,
    /// Every payload was read again for texts of an older extractor generation: the current
    /// one is recorded once the run succeeds.
    pub reread: bool,
}

impl Tally {
    fn new(source: &SourceConfig) -> Tally {
        let now = Utc::now();
        Tally {
            report: SourceReport {
                source: source.name(),
                kind: source.source_kind().as_str().to_string(),
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
            reread: false,
        }
    }
}

/// A payload read or fetched whose bytes differ from the ones last loaded from its place.
pub(super) struct Payload {
    pub location: String,
    pub bytes: Vec<u8>,
    /// Its record in `raw_payloads`, written with the batch that loads it.
    pub record: PayloadRecord,
}

/// A response: its bytes (the archived ones on a 304), whether they are the ones last
/// loaded from that address, and their record.
pub(super) struct Got {
    pub body: Vec<u8>,
    pub unchanged: bool,
    pub record: PayloadRecord,
}

fn per_minute(n: u64, elapsed: std::time::Duration) -> u64 {
    (n as f64 * 60.0 / elapsed.as_secs_f64().max(0.001)) as u64
}

/// The source state key that records the extractor generation of the source's texts.
pub(super) const EXTRACTOR_STATE: &str = "extractor";

/// One source's pass through the loop.
pub(super) struct Ingest<'a> {
    pub wh: &'a Warehouse,
    pub run_id: i64,
    pub pipeline: &'a Pipeline,
    pub opts: &'a RunOptions,
    /// The source's name (`[[sources]] name`).
    pub name: String,
    pub kind: SourceKind,
    pub tally: Tally,
    archive: Archive,
    /// location → sha256 of the payload last loaded from it.
    prior: Option<HashMap<String, String>>,
    /// The texts this source loaded were made by an older extractor generation (or it has
    /// not recorded one): every payload is read again once, unchanged or not.
    rereading: Option<bool>,
    /// Payloads read since the last load: recorded with the next one.
    pending: Vec<PayloadRecord>,
    /// Warnings of the crawl since the last load: stored (`warnings`) with the next one.
    pending_warnings: Vec<Warning>,
    fetcher: Option<Fetcher>,
    /// The jurisdiction and zone records are normalized in.
    pub context: Context,
    pulse: Pulse,
}

/// A source's progress while it runs: a spinner line on a terminal, else an info line every
/// `RunOptions::progress_every`.
struct Pulse {
    started: std::time::Instant,
    last: std::time::Instant,
    spinner: Option<ProgressBar>,
    /// Requests the source knows it will make in all (API pages, bills), once it knows.
    expected: u64,
}

impl<'a> Ingest<'a> {
    pub fn new(
        wh: &'a Warehouse,
        run_id: i64,
        pipeline: &'a Pipeline,
        opts: &'a RunOptions,
        source: &SourceConfig,
    ) -> Ingest<'a> {
        let mut tally = Tally::new(source);
        tally.texts = texts::TextFetch::new(&pipeline.texts, &opts.fetch, &opts.data_dir, run_id);
        Ingest {
            wh,
            run_id,
            pipeline,
            opts,
            name: source.name(),
            kind: source.source_kind(),
            tally,
            archive: Archive::new(&opts.data_dir),
            prior: None,
            rereading: None,
            pending: Vec::new(),
            pending_warnings: Vec::new(),
            fetcher: None,
            context: Context { timezone: pipeline.timezone, jurisdiction_id: String::new() },
            pulse: Pulse {
                started: std::time::Instant::now(),
                last: std::time::Instant::now(),
                spinner: None,
                expected: 0,
            },
        }
    }

    /// Records are normalized as `jurisdiction_id`'s, in its capitol's zone (else the
    /// pipeline's, else `zone`).
    pub fn set_jurisdiction(&mut self, jurisdiction_id: &str, zone: Option<chrono_tz::Tz>) {
        self.context = Context {
            timezone: zone.unwrap_or_else(|| normalize::build::zone_of(jurisdiction_id, self.pipeline.timezone)),
            jurisdiction_id: jurisdiction_id.to_string(),
        };
    }

    // ---- stop, warnings, progress ----------------------------------------------------------

    /// `Err(Interrupted)` once a stop was requested (checked between batches and pages).
    pub fn check_stop(&self) -> Result<(), SourceError> {
        if self.opts.stop.requested() { Err(SourceError::Interrupted) } else { Ok(()) }
    }

    /// A warning of the crawl (not of a parser's records): reported, and stored in `warnings`
    /// with the next load.
    pub fn warn(&mut self, w: Warning) {
        self.pending_warnings.push(w);
    }

    /// A warning that leaves this delivery partial: something it should carry is missing.
    pub fn warn_partial(&mut self, w: Warning) {
        self.tally.partial = true;
        self.warn(w);
    }

    pub fn progress(&self, len: u64) -> ProgressBar {
        if !self.opts.progress {
            return ProgressBar::hidden();
        }
        let pb = ProgressBar::new(len);
        pb.set_style(
            ProgressStyle::with_template("{prefix:>24} [{bar:30}] {pos}/{len} {rate} eta {eta} {msg}")
                .expect("valid template")
                .with_key("rate", |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.0}/s", s.per_sec());
                })
                .progress_chars("=> "),
        );
        pb.set_prefix(self.name.clone());
        pb
    }

    /// `more` requests the source now knows it will make (the pages a first page announces,
    /// the bills a change list names): progress then shows them out of a total, with an ETA.
    pub fn expect_requests(&mut self, more: u64) {
        self.pulse.expected = self.pulse.expected.max(self.requests()) + more;
    }

    /// How many requests of the expected, and the seconds left at the rate so far.
    fn requests_eta(&self, requests: u64) -> (Option<u64>, Option<u64>) {
        if self.pulse.expected == 0 || requests == 0 {
            return (None, None);
        }
        let total = self.pulse.expected.max(requests);
        let per_request = self.pulse.started.elapsed().as_secs_f64() / requests as f64;
        (Some(total), Some((per_request * (total - requests) as f64).round() as u64))
    }

    /// Shows how far the source has got: on a terminal, a spinner line of an HTTP source's
    /// requests, records and documents (files have their bar); else, when
    /// `progress_every` has passed since the last, an info line.
    pub(super) fn pulse(&mut self) {
        let r = &self.tally.report;
        let documents = self.tally.texts.as_ref().map_or(0, |t| t.requests());
        let requests = self.requests();
        if self.opts.progress {
            if requests == 0 {
                return;
            }
            let of = match self.requests_eta(requests) {
                (Some(total), Some(eta)) => format!("/{total} (eta {eta}s)"),
                _ => String::new(),
            };
            let spinner = self.pulse.spinner.get_or_insert_with(|| {
                let s = ProgressBar::new_spinner();
                s.set_style(
                    ProgressStyle::with_template("{prefix:>24} {spinner} {elapsed} {msg}").expect("valid template"),
                );
                s.set_prefix(self.name.clone());
                s
            });
            spinner.set_message(format!(
                "{requests}{of} requests, {} records ({}/min), {documents} documents",
                r.records,
                per_minute(r.records, self.pulse.started.elapsed())
            ));
            spinner.tick();
            return;
        }
        let Some(every) = self.opts.progress_every else { return };
        if self.pulse.last.elapsed() < every {
            return;
        }
        self.pulse.last = std::time::Instant::now();
        let (total, eta) = self.requests_eta(requests);
        let total = total.map_or_else(|| "unknown".to_string(), |t| t.to_string());
        let eta = eta.map_or_else(|| "unknown".to_string(), |s| format!("{s}s"));
        tracing::info!(
            source = %self.name,
            requests,
            expected_requests = %total,
            eta = %eta,
            payloads = r.payloads,
            records = r.records,
            records_per_minute = per_minute(r.records, self.pulse.started.elapsed()),
            documents,
            warnings = self.tally.warnings.len(),
            elapsed_s = self.pulse.started.elapsed().as_secs(),
            "progress"
        );
    }

    /// What a bar says beside its count: records loaded and documents fetched so far.
    pub(super) fn loaded_message(&self) -> String {
        let documents = self.tally.texts.as_ref().map_or(0, |t| t.requests());
        format!("{} records, {documents} documents", self.tally.report.records)
    }

    /// Ends the source's spinner, if it had one.
    fn finish_pulse(&mut self) {
        if let Some(s) = self.pulse.spinner.take() {
            s.finish_and_clear();
        }
    }

    // ---- source state ----------------------------------------------------------------------

    pub async fn state(&self, key: &str) -> Result<Option<String>, SourceError> {
        Ok(self.wh.get_state(&self.pipeline.name, &self.name, key).await?)
    }

    pub async fn set_state(&self, key: &str, value: &str) -> Result<(), SourceError> {
        Ok(self.wh.set_state(&self.pipeline.name, &self.name, key, value).await?)
    }

    // ---- fetch or read ---------------------------------------------------------------------

    async fn prior(&mut self) -> Result<&HashMap<String, String>, SourceError> {
        if self.prior.is_none() {
            self.prior = Some(self.wh.loaded_hashes(&self.pipeline.name, &self.name).await?);
        }
        Ok(self.prior.as_ref().expect("just read"))
    }

    /// Whether this run reads every payload again: the source's texts were made by an older
    /// extractor generation (`text::EXTRACTOR`; recorded in the source's state after each run
    /// that succeeds). Their texts are made again and rewritten quietly (`warehouse::merge`).
    async fn rereading(&mut self) -> Result<bool, SourceError> {
        if self.rereading.is_none() {
            let mut recorded = self.state(EXTRACTOR_STATE).await?;
            if recorded.is_none() && self.prior().await?.is_empty() {
                // A source that never loaded anything has no older texts.
                self.set_state(EXTRACTOR_STATE, crate::text::EXTRACTOR).await?;
                recorded = Some(crate::text::EXTRACTOR.to_string());
            }
            let again = recorded.as_deref() != Some(crate::text::EXTRACTOR);
            if again && recorded.is_some() {
                tracing::info!(
                    source = %self.name,
                    from = recorded.as_deref().unwrap_or_default(),
                    to = crate::text::EXTRACTOR,
                    "texts were made by an older extractor: every payload is read again once"
                );
            }
            self.rereading = Some(again);
        }
        Ok(self.rereading == Some(true))
    }

    /// Whether `sha` is what was last loaded from `location`; counts the payload.
    async fn seen(&mut self, location: &str, sha: &str) -> Result<bool, SourceError> {
        self.tally.report.payloads += 1;
        let rereading = self.rereading().await?;
        let same = !rereading && self.prior().await?.get(location).is_some_and(|s| s == sha);
        if same {
            self.tally.report.unchanged_payloads += 1;
        }
        Ok(same)
    }

    /// Files this source loaded before that are no longer under `root`: named in one warning.
    /// Absence is not deletion: what they carried stays as the warehouse has it.
    pub async fn note_missing(&mut self, root: &Path, present: &[PathBuf]) -> Result<(), SourceError> {
        let root = root.display().to_string();
        let present: BTreeSet<String> = present.iter().map(|p| p.display().to_string()).collect();
        let mut missing: Vec<String> =
            self.prior().await?.keys().filter(|l| l.starts_with(&root) && !present.contains(*l)).cloned().collect();
        if missing.is_empty() {
            return Ok(());
        }
        missing.sort();
        let examples: Vec<&str> = missing.iter().take(5).map(String::as_str).collect();
        let more = if missing.len() > 5 { format!(" and {} more", missing.len() - 5) } else { String::new() };
        self.warn(Warning::new(
            root,
            missing.first().cloned(),
            format!(
                "{} files loaded before are no longer here ({}{more}): what they carried is kept, not removed",
                missing.len(),
                examples.join(", ")
            ),
        ));
        Ok(())
    }

    /// Reads one file. `None` when its bytes are those last loaded from it, or when it cannot
    /// be read (a warning, and the delivery is partial); else its archived bytes.
    pub async fn read_file(&mut self, path: &Path) -> Result<Option<Payload>, SourceError> {
        let location = path.display().to_string();
        // The same size cap as a response's (`FetchOptions::max_bytes`): one file never fills
        // memory; one over it is left out, and the delivery is partial.
        let cap = self.opts.fetch.max_bytes;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.len() > cap
        {
            self.warn_partial(Warning::new(
                &location,
                None,
                format!("{} bytes, over the size cap of {cap} bytes: not read", meta.len()),
            ));
            return Ok(None);
        }
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                self.warn_partial(Warning::new(&location, None, format!("cannot read: {e}")));
                return Ok(None);
            }
        };
        self.tally.report.bytes += bytes.len() as u64;
        let sha = sha256_hex(&bytes);
        if self.seen(&location, &sha).await? {
            return Ok(None);
        }
        self.archive.store_hashed(&sha, &bytes)?;
        let record = PayloadRecord::new(location.clone(), sha, bytes.len() as u64, None);
        Ok(Some(Payload { location, bytes, record }))
    }

    /// A large file (a zip) or a folder of files (an unpacked export), hashed without holding
    /// it in memory: `None` when unchanged, else the path to parse from and its record. A
    /// file is archived; a folder's identity is the sha256 over its files' names and hashes.
    pub async fn read_export(&mut self, path: &Path) -> Result<Option<(PathBuf, PayloadRecord)>, SourceError> {
        let location = path.display().to_string();
        let meta = std::fs::metadata(path).map_err(|e| SourceError::Input(format!("cannot read {location}: {e}")))?;
        let (sha, bytes) = if meta.is_dir() {
            (folder_sha256(path)?, 0)
        } else {
            let sha = crate::hash::sha256_file(path)
                .map_err(|e| SourceError::Input(format!("cannot read {location}: {e}")))?;
            (sha, meta.len())
        };
        self.tally.report.bytes += bytes;
        if self.seen(&location, &sha).await? {
            return Ok(None);
        }
        if !meta.is_dir() {
            self.archive.store_file(&sha, path, true)?;
        }
        Ok(Some((path.to_path_buf(), PayloadRecord::new(location, sha, bytes, None))))
    }

    /// The HTTP client (one per source, created on first use); `per_minute` paces `url`'s host.
    pub fn fetcher(&mut self, url: &str, per_minute: Option<u32>) -> Result<&Fetcher, SourceError> {
        if self.fetcher.is_none() {
            let f =
                Fetcher::new(self.opts.fetch.clone()).map_err(|e| SourceError::Input(format!("HTTP client: {e}")))?;
            self.fetcher = Some(f);
        }
        let f = self.fetcher.as_ref().expect("just made");
        if let Some(n) = per_minute {
            let host = url::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_string)).unwrap_or_default();
            f.set_rate(&host, n);
        }
        Ok(f)
    }

    /// Requests sent so far by this source.
    pub fn requests(&self) -> u64 {
        self.fetcher.as_ref().map(|f| f.stats().requests).unwrap_or(0)
    }

    /// GETs `url` (shown and recorded as `shown`: secrets redacted), conditionally when
    /// `conditional` (the validators of the last payload loaded from `shown`). The body is
    /// archived unless it is the one last loaded from there; a 304 reads the archived copy.
    pub async fn get(
        &mut self,
        url: &str,
        shown: &str,
        headers: &[(String, String)],
        conditional: bool,
    ) -> Result<Got, SourceError> {
        let last = if conditional { self.wh.last_payload(&self.pipeline.name, &self.name, shown).await? } else { None };
        let validators = Validators {
            etag: last.as_ref().and_then(|l| l.1.clone()),
            last_modified: last.as_ref().and_then(|l| l.2.clone()),
        };
        let got: Fetched = self.fetcher(url, None)?.get(url, headers, &validators).await?;
        self.pulse();
        if got.not_modified
            && let Some((sha, ..)) = &last
        {
            self.tally.report.payloads += 1;
            self.tally.report.unchanged_payloads += 1;
            let body = self.archive.read(sha).map_err(|e| {
                SourceError::Input(format!("{shown}: 304, but the archived payload {sha} is unreadable: {e}"))
            })?;
            let record = PayloadRecord::new(shown, sha.clone(), body.len() as u64, Some(&got));
            return Ok(Got { body, unchanged: true, record });
        }
        let sha = sha256_hex(&got.body);
        let unchanged = self.seen(shown, &sha).await?;
        if !unchanged {
            self.archive.store_hashed(&sha, &got.body)?;
            // Seen from now on in this run too (a page fetched twice is parsed once).
            if let Some(p) = self.prior.as_mut() {
                p.insert(shown.to_string(), sha.clone());
            }
        }
        let record = PayloadRecord::new(shown, sha, got.body.len() as u64, Some(&got));
        Ok(Got { body: got.body, unchanged, record })
    }

    /// Downloads `url` into `downloads/` (streamed to disk: exports are large), conditionally.
    /// `None` when unchanged (a 304, or the same bytes); else the archived file and its record.
    pub async fn download(
        &mut self,
        url: &str,
        file_name: &str,
    ) -> Result<Option<(PathBuf, PayloadRecord)>, SourceError> {
        let last = self.wh.last_payload(&self.pipeline.name, &self.name, url).await?;
        let validators = Validators {
            etag: last.as_ref().and_then(|l| l.1.clone()),
            last_modified: last.as_ref().and_then(|l| l.2.clone()),
        };
        let downloads = self.opts.data_dir.join("downloads");
        std::fs::create_dir_all(&downloads)
            .map_err(|e| SourceError::Input(format!("cannot create {}: {e}", downloads.display())))?;
        let part = downloads.join(format!("{file_name}.{}.part", std::process::id()));
        let got = self.fetcher(url, None)?.download(url, &validators, &part).await?;
        if got.not_modified {
            self.tally.report.payloads += 1;
            self.tally.report.unchanged_payloads += 1;
            return Ok(None);
        }
        let sha = crate::hash::sha256_file(&part)
            .map_err(|e| SourceError::Input(format!("cannot read {}: {e}", part.display())))?;
        if self.seen(url, &sha).await? {
            let _ = std::fs::remove_file(&part);
            return Ok(None);
        }
        let archived = self.archive.store_file(&sha, &part, false)?;
        let bytes = std::fs::metadata(&archived).map(|m| m.len()).unwrap_or(0);
        Ok(Some((archived, PayloadRecord::new(url, sha, bytes, Some(&got)))))
    }

    /// Records `payload` with the next load (as loaded, or as `loaded: false` when its
    /// parse failed: then it is read and reported again next run).
    pub fn record(&mut self, payload: PayloadRecord, loaded: bool) {
        if !loaded {
            self.tally.partial = true;
        }
        self.pending.push(PayloadRecord { loaded, ..payload });
    }

    // ---- load ------------------------------------------------------------------------------

    /// The jurisdiction a source's configuration names, written only when the warehouse has
    /// none (a configuration never rewrites a jurisdiction: `model::JurisdictionRecord::placeholder`).
    pub async fn ensure_jurisdiction(&mut self, id: &str, sessions: Vec<SessionRecord>) -> Result<(), SourceError> {
        let mut j = placeholder_jurisdiction(id);
        j.sessions = sessions;
        // The configuration's placeholder is no record read from the source: not counted.
        let records = self.tally.report.records;
        self.load(Parsed { jurisdictions: vec![j], ..Default::default() }).await?;
        self.tally.report.records = records;
        Ok(())
    }

    /// Loads one batch in one transaction, with the payloads read since the last load.
    pub async fn load(&mut self, parsed: Parsed) -> Result<(), SourceError> {
        let payloads = std::mem::take(&mut self.pending);
        let tally = &mut self.tally;
        tally.report.records += parsed.record_count() as u64;
        tally.partial |= parsed.partial;
        let mut parsed = parsed;
        texts::attach_texts(self.wh, &mut parsed, tally).await?;
        let mut normalized = normalize::normalize(parsed, &self.context);
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
            pipeline: self.pipeline.name.clone(),
            source: self.name.clone(),
            source_kind: self.kind,
            // Open States' `ocd-bill/…` ids are stable; a scrape's `_id`s are not.
            record_bill_sources: self.kind != SourceKind::OcdScrape,
            reload: false,
            normalized,
            payloads,
            warnings: std::mem::take(&mut self.pending_warnings),
        };
        let outcome = self.wh.load(self.run_id, batch).await?;
        if outcome.people_changed {
            tally.people_changed.insert(self.context.jurisdiction_id.clone());
        }
        tally.report.counts.add(outcome.counts);
        tally.report.changes += outcome.changes as u64;
        for w in &outcome.warnings {
            // Counted in the run's summary and stored in `warnings`; shown with --show-warnings.
            tracing::debug!(source = %self.name, warning = %w, "warning");
        }
        tally.warnings.extend(outcome.warnings);
        self.pulse();
        Ok(())
    }

    /// Loads one whole payload's records in batches of `batch_size`, in link order, the
    /// payload recorded with the last batch (an interrupted load is parsed again next run).
    /// A partial payload is recorded as not loaded: it is read again, and reported partial
    /// again, every run until a whole one replaces it.
    pub async fn load_whole(&mut self, parsed: Parsed, payload: PayloadRecord) -> Result<(), SourceError> {
        let whole = !parsed.partial;
        let batches = batches(parsed, self.opts.batch_size);
        let pb = self.progress(batches.len() as u64);
        let last = batches.len() - 1;
        for (i, batch) in batches.into_iter().enumerate() {
            self.check_stop()?;
            pb.inc(1);
            if i == last {
                self.record(payload.clone(), whole);
            }
            self.load(batch).await?;
            pb.set_message(self.loaded_message());
        }
        pb.finish_and_clear();
        Ok(())
    }

    /// After a source's batches: link what was loaded before its bill, and voters and sponsors
    /// to people who arrived after them.
    pub async fn relink(&mut self) -> Result<(), SourceError> {
        if !self.pending_warnings.is_empty() || !self.pending.is_empty() {
            self.load(Parsed::default()).await?;
        }
        let mut outcomes = vec![self.wh.relink(self.run_id, &self.pipeline.name, &self.name, self.kind).await?];
        for jurisdiction in std::mem::take(&mut self.tally.people_changed) {
            outcomes.push(
                self.wh.relink_people(self.run_id, &self.pipeline.name, &self.name, self.kind, &jurisdiction).await?,
            );
        }
        for outcome in outcomes {
            self.tally.report.changes += outcome.changes as u64;
            self.tally.report.counts.updated += outcome.counts.updated;
        }
        Ok(())
    }

    /// The source's totals, whatever its crawl returned: requests and bytes sent.
    pub fn into_tally(mut self) -> Tally {
        self.finish_pulse();
        // Warnings no load stored (the source failed first) are still reported.
        self.tally.warnings.append(&mut self.pending_warnings);
        if let Some(f) = &self.fetcher {
            let stats = f.stats();
            self.tally.report.requests += stats.requests;
            self.tally.report.bytes += stats.bytes;
        }
        self.tally.reread = self.rereading == Some(true);
        if let Some(t) = &self.tally.texts {
            self.tally.report.requests += t.requests();
            let quality = t.quality_warnings();
            for w in &quality {
                tracing::warn!(source = %self.tally.report.source, host = %w.location, "{}", w.message);
            }
            self.tally.warnings.extend(quality);
        }
        self.tally
    }
}

/// A jurisdiction record for a jurisdiction known only by id (no jurisdiction file).
pub(super) fn placeholder_jurisdiction(id: &str) -> JurisdictionRecord {
    let code = crate::normalize::ids::jurisdiction_code(id);
    JurisdictionRecord {
        id: id.to_string(),
        name: match place_of(id) {
            Some(place) => place,
            None => crate::jurisdictions::name_of(&code).map(str::to_string).unwrap_or(code),
        },
        classification: if id.contains("/place:") { "municipality".into() } else { "state".into() },
        division_id: None,
        url: None,
        sessions: Vec::new(),
        placeholder: true,
    }
}

/// A city's or county's name from its OCD id: `…/place:new_york/government` → "New York".
fn place_of(id: &str) -> Option<String> {
    let slug = id.split("/place:").nth(1)?.split('/').next()?;
    let words: Vec<String> = slug
        .split(['_', '-', '~'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
        })
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// Splits one payload's records into batches of `size`, in the order links need them: the
/// jurisdiction, organizations and people, then bills, then votes, then events. The payload's
/// warnings (and its partial mark) go with the first batch.
pub(super) fn batches(parsed: Parsed, size: usize) -> Vec<Parsed> {
    let size = size.max(1);
    let Parsed { jurisdictions, organizations, people, bills, votes, events, warnings, partial } = parsed;
    let mut out = vec![Parsed { jurisdictions, organizations, people, warnings, partial, ..Default::default() }];
    fn chunks<T>(items: Vec<T>, size: usize, out: &mut Vec<Parsed>, put: fn(&mut Parsed, Vec<T>)) {
        let mut items = items.into_iter().peekable();
        while items.peek().is_some() {
            let mut p = Parsed::default();
            put(&mut p, items.by_ref().take(size).collect());
            out.push(p);
        }
    }
    chunks(bills, size, &mut out, |p, v| p.bills = v);
    chunks(votes, size, &mut out, |p, v| p.votes = v);
    chunks(events, size, &mut out, |p, v| p.events = v);
    out
}

/// Every file under a folder (recursively), or the one file.
pub(super) fn list_files(path: &Path) -> Result<Vec<PathBuf>, SourceError> {
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

/// sha256 over a folder's files (names and contents, in name order): a folder's identity.
fn folder_sha256(dir: &Path) -> Result<String, SourceError> {
    let mut files = list_files(dir)?;
    files.sort();
    let mut parts = Vec::new();
    for f in files {
        let sha = crate::hash::sha256_file(&f)
            .map_err(|e| SourceError::Input(format!("cannot read {}: {e}", f.display())))?;
        parts.push(format!("{}\u{0}{sha}", f.strip_prefix(dir).unwrap_or(&f).display()));
    }
    Ok(sha256_hex(parts.join("\n").as_bytes()))
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_city_is_named_for_itself_not_its_state() {
        let chicago = placeholder_jurisdiction("ocd-jurisdiction/country:us/state:il/place:chicago/government");
        assert_eq!((chicago.name.as_str(), chicago.classification.as_str()), ("Chicago", "municipality"));
        let nyc = placeholder_jurisdiction("ocd-jurisdiction/country:us/state:ny/place:new_york/government");
        assert_eq!(nyc.name, "New York");
        assert_eq!(placeholder_jurisdiction("ocd-jurisdiction/country:us/state:il/government").name, "Illinois");
    }

    use super::*;
    use crate::model::{BillRecord, VoteRecord};

    #[test]
    fn batches_come_in_link_order_with_the_warnings_first() {
        let bill = |n: usize| BillRecord { identifier: format!("HF {n}"), ..Default::default() };
        let parsed = Parsed {
            bills: (0..5).map(bill).collect(),
            votes: vec![VoteRecord::default(); 3],
            warnings: vec![Warning::new("x", None, "w")],
            partial: true,
            ..Default::default()
        };
        let b = batches(parsed, 2);
        let shape: Vec<(usize, usize, usize, bool)> =
            b.iter().map(|p| (p.bills.len(), p.votes.len(), p.warnings.len(), p.partial)).collect();
        assert_eq!(
            shape,
            vec![
                (0, 0, 1, true),
                (2, 0, 0, false),
                (2, 0, 0, false),
                (1, 0, 0, false),
                (0, 2, 0, false),
                (0, 1, 0, false)
            ]
        );
        assert_eq!(b[3].bills[0].identifier, "HF 4");
    }
}
