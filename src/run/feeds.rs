//! Runs of the sources that arrive as whole files: LegiScan dataset zips (`legiscan_dataset`)
//! and iCalendar feeds (`ical`). Each file is one payload: skipped when its sha256 (or a 304)
//! says it is the one last loaded, else parsed whole and loaded in batches, the payload recorded
//! with the last batch (an interrupted load is parsed again next run).

use super::{SourceError, Tally, bare_jurisdiction, list_files, load_batch, progress, relink};
use crate::archive::Archive;
use crate::config::{IcalConfig, LegiscanDatasetConfig, Pipeline, SourceConfig};
use crate::fetch::{Fetcher, Validators};
use crate::model::{Parsed, Warning};
use crate::normalize::{Context, ids};
use crate::sources::legiscan;
use crate::warehouse::{PayloadRecord, Warehouse};

/// Splits one payload's records into batches of `size`, in the order links need them: the
/// jurisdiction, organizations and people, then bills, then votes, then events. The payload's
/// warnings go with the first batch.
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

/// Loads one parsed payload in batches, recording the payload with the last one.
#[allow(clippy::too_many_arguments)]
pub(super) async fn load_payload(
    wh: &Warehouse,
    run_id: i64,
    pipeline: &Pipeline,
    name: &str,
    kind: &str,
    parsed: Parsed,
    payload: PayloadRecord,
    ctx: &Context,
    opts: &super::RunOptions,
    tally: &mut Tally,
) -> Result<(), SourceError> {
    let batches = batches(parsed, opts.batch_size);
    let pb = progress(opts, batches.len() as u64, name);
    let last = batches.len() - 1;
    for (i, batch) in batches.into_iter().enumerate() {
        if opts.stop.requested() {
            return Err(SourceError::Interrupted);
        }
        pb.inc(1);
        let payloads = if i == last { vec![payload.clone()] } else { Vec::new() };
        load_batch(wh, run_id, pipeline, name, kind, batch, payloads, ctx, tally).await?;
    }
    pb.finish_and_clear();
    Ok(())
}

/// `legiscan_dataset`: every dataset zip at `path` (one zip, or the `*.zip` files of a folder,
/// in name order). A zip rejected as unsafe (an entry escaping its folder, a zip bomb) or
/// unreadable fails the source with an error naming it, after the other zips are loaded.
#[allow(clippy::too_many_arguments)]
pub(super) async fn run_legiscan_dataset(
    wh: &Warehouse,
    run_id: i64,
    pipeline: &Pipeline,
    source: &SourceConfig,
    cfg: &LegiscanDatasetConfig,
    archive: &Archive,
    opts: &super::RunOptions,
    tally: &mut Tally,
) -> Result<(), SourceError> {
    let name = source.name();
    let kind = "legiscan_dataset";
    let meta = std::fs::metadata(&cfg.path)
        .map_err(|e| SourceError::Input(format!("cannot read {}: {e}", cfg.path.display())))?;
    let mut zips = if meta.is_dir() {
        list_files(&cfg.path)?
            .into_iter()
            .filter(|p| p.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("zip")))
            .collect()
    } else {
        vec![cfg.path.clone()]
    };
    zips.sort();
    if zips.is_empty() {
        return Err(SourceError::Input(format!("{}: no LegiScan dataset zips (*.zip) found", cfg.path.display())));
    }
    let limits = legiscan::Limits {
        max_total_bytes: cfg.max_unpacked_bytes.unwrap_or(legiscan::DEFAULT_MAX_TOTAL_BYTES),
        max_entry_bytes: cfg.max_unpacked_bytes.unwrap_or(u64::MAX).min(legiscan::DEFAULT_MAX_ENTRY_BYTES),
        ..Default::default()
    };
    let prior = wh.loaded_hashes(&pipeline.name, &name).await?;
    let mut failures = Vec::new();
    for zip in zips {
        if opts.stop.requested() {
            return Err(SourceError::Interrupted);
        }
        let location = zip.display().to_string();
        let sha = crate::archive::sha256_file(&zip)
            .map_err(|e| SourceError::Input(format!("cannot read {location}: {e}")))?;
        let bytes = std::fs::metadata(&zip).map(|m| m.len()).unwrap_or(0);
        tally.report.payloads += 1;
        tally.report.bytes += bytes;
        if prior.get(&location) == Some(&sha) {
            tally.report.unchanged_payloads += 1;
            continue;
        }
        archive.store_file(&sha, &zip, true)?;
        let loc = location.clone();
        let path = zip.clone();
        let parsed = tokio::task::spawn_blocking(move || -> Result<Parsed, String> {
            let dataset = legiscan::open_zip_file(&path, &limits).map_err(|e| e.to_string())?;
            Ok(match dataset.flavour() {
                legiscan::Flavour::Csv => legiscan::parse_csv_dataset(&dataset, &loc),
                legiscan::Flavour::Json => legiscan::parse_json_dataset(&dataset, &loc),
            })
        })
        .await
        .map_err(|e| SourceError::Input(format!("{location}: the parser stopped: {e}")))?;
        let parsed = match parsed {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(source = %name, error = %e, "dataset rejected");
                record_failure(wh, run_id, pipeline, &name, kind, Parsed::default(), &location, &e, tally).await?;
                failures.push(e);
                continue;
            }
        };
        let Some(jurisdiction_id) = parsed
            .bills
            .first()
            .map(|b| b.jurisdiction_id.clone())
            .or_else(|| parsed.votes.first().map(|v| v.jurisdiction_id.clone()))
        else {
            let e = format!("{location}: no bills or votes in this dataset");
            record_failure(wh, run_id, pipeline, &name, kind, parsed, &location, &e, tally).await?;
            failures.push(e);
            continue;
        };
        let ctx = Context {
            timezone: crate::normalize::build::zone_of(&jurisdiction_id, pipeline.timezone),
            jurisdiction_id: jurisdiction_id.clone(),
        };
        let mut parsed = parsed;
        rename_sessions(&mut parsed, &cfg.session_names);
        parsed.jurisdictions.insert(0, bare_jurisdiction(&jurisdiction_id));
        let payload = PayloadRecord::new(location.clone(), sha, bytes, None);
        load_payload(wh, run_id, pipeline, &name, kind, parsed, payload, &ctx, opts, tally).await?;
    }
    relink(wh, run_id, pipeline, &name, kind, tally).await?;
    if failures.is_empty() { Ok(()) } else { Err(SourceError::Input(failures.join("; "))) }
}

/// Renames sessions as a pipeline's `session_names` say (LegiScan's names → the warehouse's).
pub(super) fn rename_sessions(parsed: &mut Parsed, names: &std::collections::BTreeMap<String, String>) {
    if names.is_empty() {
        return;
    }
    for b in &mut parsed.bills {
        if let Some(n) = names.get(&b.session) {
            b.session = n.clone();
        }
    }
    for v in &mut parsed.votes {
        if let Some(n) = names.get(&v.session) {
            v.session = n.clone();
        }
    }
}

/// Records why a payload was not loaded as a warning in the warehouse (with the parser's own
/// warnings, if any), so `statehouse warnings` shows it beside the source's failure.
#[allow(clippy::too_many_arguments)]
async fn record_failure(
    wh: &Warehouse,
    run_id: i64,
    pipeline: &Pipeline,
    name: &str,
    kind: &str,
    parsed: Parsed,
    location: &str,
    error: &str,
    tally: &mut Tally,
) -> Result<(), SourceError> {
    let mut warnings = parsed.warnings;
    warnings.push(Warning::new(location, None, error));
    let parsed = Parsed { warnings, ..Default::default() };
    let ctx = Context { timezone: pipeline.timezone, jurisdiction_id: String::new() };
    load_batch(wh, run_id, pipeline, name, kind, parsed, Vec::new(), &ctx, tally).await
}

/// The OCD jurisdiction id a source names: a state code (`il`) or an id as is.
pub(super) fn jurisdiction_of(text: &str) -> Result<String, SourceError> {
    ids::jurisdiction_id_of(text).ok_or_else(|| {
        SourceError::Input(format!(
            "jurisdiction {text:?}: a state code (`il`) or an OCD jurisdiction id (`ocd-jurisdiction/…`)"
        ))
    })
}

/// `ical`: one iCalendar feed, from a file or a URL (conditional GET).
#[allow(clippy::too_many_arguments)]
pub(super) async fn run_ical(
    wh: &Warehouse,
    run_id: i64,
    pipeline: &Pipeline,
    source: &SourceConfig,
    cfg: &IcalConfig,
    archive: &Archive,
    opts: &super::RunOptions,
    tally: &mut Tally,
) -> Result<(), SourceError> {
    let name = source.name();
    let kind = "ical";
    let jurisdiction_id = jurisdiction_of(&cfg.jurisdiction)?;
    let tz = match &cfg.timezone {
        Some(t) => t.parse().map_err(|_| SourceError::Input(format!("timezone {t:?} is not an IANA zone")))?,
        None => crate::normalize::build::zone_of(&jurisdiction_id, pipeline.timezone),
    };
    let ctx = Context { timezone: tz, jurisdiction_id: jurisdiction_id.clone() };
    let prior = wh.loaded_hashes(&pipeline.name, &name).await?;
    let (location, bytes, http) = match (&cfg.path, &cfg.url) {
        (Some(path), _) => {
            let location = path.display().to_string();
            let bytes = std::fs::read(path).map_err(|e| SourceError::Input(format!("cannot read {location}: {e}")))?;
            (location, bytes, None)
        }
        (None, Some(url)) => {
            let last = wh.last_payload(&pipeline.name, &name, url).await?;
            let validators = Validators {
                etag: last.as_ref().and_then(|l| l.1.clone()),
                last_modified: last.as_ref().and_then(|l| l.2.clone()),
            };
            let fetcher =
                Fetcher::new(opts.fetch.clone()).map_err(|e| SourceError::Input(format!("HTTP client: {e}")))?;
            let got = fetcher.get(url, &[], &validators).await;
            let stats = fetcher.stats();
            tally.report.requests += stats.requests;
            tally.report.bytes += stats.bytes;
            let mut got = got?;
            tally.report.payloads += 1;
            if got.not_modified {
                tally.report.unchanged_payloads += 1;
                return relink(wh, run_id, pipeline, &name, kind, tally).await;
            }
            let body = std::mem::take(&mut got.body);
            (url.clone(), body, Some(got))
        }
        (None, None) => return Err(SourceError::Input("an ical source needs `path` or `url`".into())),
    };
    if http.is_none() {
        tally.report.payloads += 1;
        tally.report.bytes += bytes.len() as u64;
    }
    let sha = crate::archive::sha256_hex(&bytes);
    if prior.get(&location) == Some(&sha) {
        tally.report.unchanged_payloads += 1;
        return relink(wh, run_id, pipeline, &name, kind, tally).await;
    }
    archive.store_hashed(&sha, &bytes)?;
    let mut parsed = crate::sources::ical::parse(&bytes, &location, &jurisdiction_id, tz);
    if parsed.events.is_empty() && !parsed.warnings.is_empty() {
        tally.warnings.extend(parsed.warnings);
        return Err(SourceError::Input(format!("{location}: no events could be read (see the warnings)")));
    }
    parsed.jurisdictions.insert(0, bare_jurisdiction(&jurisdiction_id));
    let payload = PayloadRecord::new(location, sha, bytes.len() as u64, http.as_ref());
    load_payload(wh, run_id, pipeline, &name, kind, parsed, payload, &ctx, opts, tally).await?;
    relink(wh, run_id, pipeline, &name, kind, tally).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BillRecord, VoteRecord};

    #[test]
    fn batches_come_in_link_order_with_the_warnings_first() {
        let bill = |n: usize| BillRecord { identifier: format!("HF {n}"), ..Default::default() };
        let parsed = Parsed {
            bills: (0..5).map(bill).collect(),
            votes: vec![VoteRecord::default(); 3],
            warnings: vec![Warning::new("x", None, "w")],
            ..Default::default()
        };
        let b = batches(parsed, 2);
        let shape: Vec<(usize, usize, usize)> =
            b.iter().map(|p| (p.bills.len(), p.votes.len(), p.warnings.len())).collect();
        assert_eq!(shape, vec![(0, 0, 1), (2, 0, 0), (2, 0, 0), (1, 0, 0), (0, 2, 0), (0, 1, 0)]);
        assert_eq!(b[3].bills[0].identifier, "HF 4");
    }

    #[test]
    fn jurisdictions_by_code_or_id() {
        assert_eq!(jurisdiction_of("il").unwrap(), "ocd-jurisdiction/country:us/state:il/government");
        let city = "ocd-jurisdiction/country:us/state:il/place:chicago/government";
        assert_eq!(jurisdiction_of(city).unwrap(), city);
        assert!(jurisdiction_of("chicago").unwrap_err().to_string().contains("\"chicago\""));
    }
}
