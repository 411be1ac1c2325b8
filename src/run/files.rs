//! The source kinds that arrive as files: what each reads, in which order and batches, and
//! which pure parser reads it. Everything else (hashing, the unchanged check, the archive,
//! payload records, normalizing, loading, relinking) is the loop's (`ingest.rs`).
//!
//! - **Files one by one** (`ocd_scrape`, `ny_lbdc`): the plan is a list of batches of files;
//!   each file is one payload, parsed alone; a batch is one transaction.
//! - **One whole payload** (`ca_pubinfo`, `legiscan_dataset`, `ical`): an export, a zip or a
//!   feed is one payload, parsed whole (off the async workers) and loaded in batches, its
//!   record written with the last batch.

use super::SourceError;
use super::ingest::{Ingest, list_files};
use crate::config::{
    CaPubinfoConfig, IcalConfig, LegiscanDatasetConfig, NyLbdcConfig, OcdScrapeConfig, OpenstatesPeopleConfig,
};
use crate::model::{Parsed, Warning};
use crate::normalize::ids;
use crate::sources::ocd_scrape::{self, FileKind, ScrapeContext};
use crate::sources::openstates_people::{self, FileKind as PeopleFile};
use crate::sources::{ca_pubinfo, legiscan, ny_lbdc};
use crate::warehouse::PayloadRecord;
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};

/// The OCD jurisdiction id a source names: a state code (`il`) or an id as is; anything else
/// is refused (every configured jurisdiction goes through here).
pub(super) fn jurisdiction_of(text: &str) -> Result<String, SourceError> {
    ids::jurisdiction_id_of(text).ok_or_else(|| {
        SourceError::Input(format!(
            "jurisdiction {text:?}: a state code (`il`) or an OCD jurisdiction id (`ocd-jurisdiction/…`)"
        ))
    })
}

/// Whether a parse read its file: it yielded records, or no warning.
fn read_whole(parsed: &Parsed, before: (usize, usize)) -> bool {
    parsed.record_count() > before.0 || parsed.warnings.len() == before.1
}

/// Reads the plan's batches of files in order, each file through `parse`, one transaction per
/// batch. A file whose bytes were loaded before is not parsed again. `parse` says whether it
/// could read the file; one it could not is recorded as not loaded (read and reported again
/// next run) and leaves the delivery partial.
async fn load_files<K: Copy>(
    ing: &mut Ingest<'_>,
    plan: Vec<Vec<(K, PathBuf)>>,
    parse: impl Fn(K, &[u8], &str, &mut Parsed) -> bool,
) -> Result<(), SourceError> {
    let pb = ing.progress(plan.iter().map(|b| b.len() as u64).sum());
    for batch in plan {
        ing.check_stop()?;
        let mut parsed = Parsed::default();
        let mut read = 0;
        for (kind, path) in batch {
            pb.inc(1);
            let Some(payload) = ing.read_file(&path).await? else { continue };
            let ok = parse(kind, &payload.bytes, &payload.location, &mut parsed);
            ing.record(payload.record, ok);
            read += 1;
        }
        if read > 0 {
            ing.load(parsed).await?;
            pb.set_message(ing.loaded_message());
        } else {
            // A batch of files unchanged since the last load still counts as progress.
            ing.pulse();
        }
    }
    pb.finish_and_clear();
    Ok(())
}

/// Files of a scrape folder (recursively) or the one file, with their kinds, in load order.
pub fn list_scrape_files(path: &Path) -> Result<Vec<(FileKind, PathBuf)>, SourceError> {
    let mut out: Vec<(FileKind, PathBuf)> =
        list_files(path)?.into_iter().filter_map(|p| FileKind::of(&p).map(|k| (k, p))).collect();
    out.sort();
    Ok(out)
}

fn first_bill_jurisdiction(files: &[(FileKind, PathBuf)]) -> Option<String> {
    files.iter().filter(|(k, _)| *k == FileKind::Bill).take(5).find_map(|(_, p)| {
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(p).ok()?).ok()?;
        v.get("jurisdiction")?.get("id")?.as_str().map(str::to_string)
    })
}

/// `ocd_scrape`: Open States scraper output. Plan: the context files (jurisdiction,
/// organizations, people) first, then bills, votes and events, each kind in batches. One
/// bill file is one bill's full record.
pub(super) async fn ocd_scrape(ing: &mut Ingest<'_>, cfg: &OcdScrapeConfig) -> Result<(), SourceError> {
    let files = list_scrape_files(&cfg.path)?;
    if files.is_empty() {
        return Err(SourceError::Input(format!(
            "{}: no scrape files (bill_*.json, vote_event_*.json, …) found",
            cfg.path.display()
        )));
    }
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
        (Some(j), _) => jurisdiction_of(j)?,
        (None, Some(j)) => j.id.clone(),
        (None, None) => first_bill_jurisdiction(&files).ok_or_else(|| {
            SourceError::Input(format!(
                "{}: no jurisdiction_*.json file and no `jurisdiction` in the pipeline; cannot tell whose data this is",
                cfg.path.display()
            ))
        })?,
    };
    ing.set_jurisdiction(&ctx.jurisdiction_id.clone(), None);
    if jurisdiction_file.is_none() {
        ing.ensure_jurisdiction(&ctx.jurisdiction_id.clone(), Vec::new()).await?;
    }
    // Batches: the context files together, then each kind in batches of `batch_size`.
    let context = |k: FileKind| matches!(k, FileKind::Jurisdiction | FileKind::Organization | FileKind::Person);
    let mut plan: Vec<Vec<(FileKind, PathBuf)>> = Vec::new();
    for (kind, path) in files {
        let fits = plan.last().is_some_and(|b| {
            let k = b[0].0;
            (k == kind || (context(k) && context(kind))) && b.len() < ing.opts.batch_size
        });
        if fits {
            plan.last_mut().expect("fits").push((kind, path));
        } else {
            plan.push(vec![(kind, path)]);
        }
    }
    let present: Vec<PathBuf> = plan.iter().flatten().map(|(_, p)| p.clone()).collect();
    ing.note_missing(&cfg.path, &present).await?;
    load_files(ing, plan, |kind, bytes, loc, parsed| {
        let before = (parsed.record_count(), parsed.warnings.len());
        ocd_scrape::parse_into(kind, bytes, loc, &ctx, parsed);
        read_whole(parsed, before)
    })
    .await?;
    ing.relink().await
}

/// `openstates_people`: a folder of Open States' people repository (`data/`, or one state's
/// folder), read recursively. Plan: state by state (the folder names the jurisdiction), people
/// (current, then former) before committees, in batches; each file is one person's or one
/// committee's whole record. A file that cannot be read is a warning naming it; the others load.
pub(super) async fn openstates_people(ing: &mut Ingest<'_>, cfg: &OpenstatesPeopleConfig) -> Result<(), SourceError> {
    let mut by_state: std::collections::BTreeMap<String, Vec<(PeopleFile, PathBuf)>> = Default::default();
    let mut files = 0;
    for p in list_files(&cfg.path)? {
        let Some(kind) = PeopleFile::of(&p) else { continue };
        let Some(state) = openstates_people::state_of(&p) else { continue };
        by_state.entry(state).or_default().push((kind, p));
        files += 1;
    }
    if files == 0 {
        return Err(SourceError::Input(format!(
            "{}: no Open States people files (<state>/legislature/*.yml, <state>/committees/*.yml, …) found",
            cfg.path.display()
        )));
    }
    let today = ing.opts.clock.now().date_naive().to_string();
    let mut present = Vec::new();
    for (state, mut list) in by_state {
        let Some(jurisdiction) = ids::jurisdiction_id_of(&state) else {
            ing.warn(Warning::new(
                cfg.path.display().to_string(),
                Some(state.clone()),
                "not a state code; its folder is skipped",
            ));
            continue;
        };
        list.sort();
        ing.set_jurisdiction(&jurisdiction, None);
        ing.ensure_jurisdiction(&jurisdiction, Vec::new()).await?;
        let size = ing.opts.batch_size.max(1);
        let plan: Vec<Vec<(PeopleFile, PathBuf)>> = list.chunks(size).map(<[_]>::to_vec).collect();
        present.extend(list.into_iter().map(|(_, p)| p));
        load_files(ing, plan, |kind, bytes, loc, parsed| {
            let read = match kind {
                PeopleFile::Committee => {
                    openstates_people::parse_committee(bytes, loc).map(|c| parsed.organizations.push(c))
                }
                PeopleFile::Person | PeopleFile::Retired => {
                    openstates_people::parse_person(bytes, loc, kind == PeopleFile::Retired, &today)
                        .map(|p| parsed.people.push(p))
                }
            };
            match read {
                Ok(()) => true,
                Err(w) => {
                    parsed.warnings.push(w);
                    parsed.partial = true;
                    false
                }
            }
        })
        .await?;
    }
    ing.note_missing(&cfg.path, &present).await?;
    ing.relink().await
}

/// `ny_lbdc`: a folder of New York LBDC feed files, in the order they were published (each
/// file a snapshot of what it carries as of its publication time: an older one never replaces
/// a newer one, `as_of`), then the OpenLegislation bill responses (`*.json`) in name order:
/// their names carry no publication time, and each is the Senate's whole view of a bill.
pub(super) async fn ny_lbdc(ing: &mut Ingest<'_>, cfg: &NyLbdcConfig) -> Result<(), SourceError> {
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
    files.sort_by(|a, b| (a.0.is_none(), a.0, &a.1).cmp(&(b.0.is_none(), b.0, &b.1)));
    ing.set_jurisdiction(ny_lbdc::JURISDICTION_ID, Some(chrono_tz::America::New_York));
    ing.ensure_jurisdiction(ny_lbdc::JURISDICTION_ID, Vec::new()).await?;
    let size = ing.opts.batch_size.max(1);
    let plan: Vec<Vec<(ny_lbdc::FeedKind, PathBuf)>> =
        files.chunks(size).map(|c| c.iter().map(|(_, p, k)| (*k, p.clone())).collect()).collect();
    let present: Vec<PathBuf> = plan.iter().flatten().map(|(_, p)| p.clone()).collect();
    ing.note_missing(&cfg.path, &present).await?;
    load_files(ing, plan, |kind, bytes, loc, parsed| {
        let before = (parsed.record_count(), parsed.warnings.len());
        parsed.extend(ny_lbdc::parse(kind, bytes, loc));
        // The kinds statehouse does not read (SOBI, active lists) are a warning, not damage.
        !ny_lbdc::is_read(loc) || read_whole(parsed, before)
    })
    .await?;
    ing.relink().await
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

/// Parses a whole payload off the async workers (CPU-bound).
async fn parse_blocking(
    location: &str,
    parse: impl FnOnce() -> Result<Parsed, String> + Send + 'static,
) -> Result<Result<Parsed, String>, SourceError> {
    tokio::task::spawn_blocking(parse)
        .await
        .map_err(|e| SourceError::Input(format!("{location}: the parser stopped: {e}")))
}

/// `ca_pubinfo`: California's pubinfo export (a folder, a zip on disk, or the zip downloaded
/// from the Legislative Counsel): one payload, each of its tables authoritative for what it
/// carries when present and read whole (`sources::ca_pubinfo`).
pub(super) async fn ca_pubinfo(ing: &mut Ingest<'_>, cfg: &CaPubinfoConfig) -> Result<(), SourceError> {
    ing.set_jurisdiction(ca_pubinfo::JURISDICTION_ID, Some(chrono_tz::America::Los_Angeles));
    ing.ensure_jurisdiction(ca_pubinfo::JURISDICTION_ID, Vec::new()).await?;
    let export = match &cfg.path {
        Some(path) => ing.read_export(path).await?,
        None => {
            let file = cfg.file.replace("{day}", &ca_export_day(Utc::now()));
            let url = format!("{}/{file}", cfg.base_url.trim_end_matches('/'));
            ing.download(&url, &file).await?
        }
    };
    let Some((export, payload)) = export else { return ing.relink().await };
    let location = payload.location.clone();
    let loc = location.clone();
    let parsed = parse_blocking(&location, move || {
        if export.is_dir() {
            let mut files = ca_pubinfo::DirFiles::open(&export).map_err(|e| format!("{loc}: {e}"))?;
            Ok(ca_pubinfo::parse(&mut files, &loc))
        } else {
            let mut files = ca_pubinfo::ZipFiles::open(&export).map_err(|e| e.to_string())?;
            Ok(ca_pubinfo::parse(&mut files, &loc))
        }
    })
    .await?
    .map_err(SourceError::Input)?;
    if parsed.bills.is_empty() && parsed.votes.is_empty() {
        parsed.warnings.into_iter().for_each(|w| ing.warn(w));
        return Err(SourceError::Input(format!(
            "{location}: no bills in this export (is it a pubinfo zip or folder, with BILL_TBL.dat?)"
        )));
    }
    ing.load_whole(parsed, payload).await?;
    ing.relink().await
}

/// `legiscan_dataset`: every dataset zip at `path` (one zip, or the `*.zip` files of a folder,
/// in name order), each one payload, read as untrusted input. A zip rejected as unsafe or
/// unreadable fails the source with an error naming it, after the other zips are loaded.
pub(super) async fn legiscan_dataset(ing: &mut Ingest<'_>, cfg: &LegiscanDatasetConfig) -> Result<(), SourceError> {
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
    let mut failures = Vec::new();
    for zip in zips {
        ing.check_stop()?;
        let Some((path, payload)) = ing.read_export(&zip).await? else { continue };
        let location = payload.location.clone();
        let loc = location.clone();
        let parsed = parse_blocking(&location, move || {
            let dataset = legiscan::open_zip_file(&path, &limits).map_err(|e| e.to_string())?;
            Ok(match dataset.flavour() {
                legiscan::Flavour::Csv => legiscan::parse_csv_dataset(&dataset, &loc),
                legiscan::Flavour::Json => legiscan::parse_json_dataset(&dataset, &loc),
            })
        })
        .await?;
        let mut parsed = match parsed {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(source = %ing.name, error = %e, "dataset rejected");
                ing.warn_partial(Warning::new(&location, None, &e));
                ing.record(payload, false);
                ing.load(Parsed { partial: true, ..Default::default() }).await?;
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
            ing.warn_partial(Warning::new(&location, None, &e));
            ing.record(payload, false);
            ing.load(Parsed { warnings: parsed.warnings, partial: true, ..Default::default() }).await?;
            failures.push(e);
            continue;
        };
        ing.set_jurisdiction(&jurisdiction_id, None);
        rename_sessions(&mut parsed, &cfg.session_names);
        parsed.jurisdictions.insert(0, super::ingest::placeholder_jurisdiction(&jurisdiction_id));
        ing.load_whole(parsed, payload).await?;
    }
    ing.relink().await?;
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

/// `ical`: one iCalendar feed, from a file or a URL (conditional GET). It says nothing of a
/// jurisdiction but its id: the jurisdiction row is only written when the warehouse has none.
pub(super) async fn ical(ing: &mut Ingest<'_>, cfg: &IcalConfig) -> Result<(), SourceError> {
    let jurisdiction_id = jurisdiction_of(&cfg.jurisdiction)?;
    let tz = match &cfg.timezone {
        Some(t) => Some(t.parse().map_err(|_| SourceError::Input(format!("timezone {t:?} is not an IANA zone")))?),
        None => None,
    };
    ing.set_jurisdiction(&jurisdiction_id, tz);
    let tz = ing.context.timezone;
    let (location, bytes, record): (String, Vec<u8>, PayloadRecord) = match (&cfg.path, &cfg.url) {
        (Some(path), _) => match ing.read_file(path).await? {
            Some(p) => (p.location, p.bytes, p.record),
            None => return ing.relink().await,
        },
        (None, Some(url)) => {
            let shown = crate::fetch::redact_url(url);
            let got = ing.get(url, &shown, &[], true).await?;
            if got.unchanged {
                return ing.relink().await;
            }
            (shown, got.body, got.record)
        }
        (None, None) => return Err(SourceError::Input("an ical source needs `path` or `url`".into())),
    };
    let mut parsed = crate::sources::ical::parse(&bytes, &location, &jurisdiction_id, tz);
    if parsed.events.is_empty() && !parsed.warnings.is_empty() {
        parsed.warnings.into_iter().for_each(|w| ing.warn(w));
        return Err(SourceError::Input(format!("{location}: no events could be read (see the warnings)")));
    }
    parsed.jurisdictions.insert(0, super::ingest::placeholder_jurisdiction(&jurisdiction_id));
    ing.load_whole(parsed, record).await?;
    ing.relink().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jurisdictions_by_code_or_id() {
        assert_eq!(jurisdiction_of("il").unwrap(), "ocd-jurisdiction/country:us/state:il/government");
        let city = "ocd-jurisdiction/country:us/state:il/place:chicago/government";
        assert_eq!(jurisdiction_of(city).unwrap(), city);
        assert!(jurisdiction_of("chicago").unwrap_err().to_string().contains("\"chicago\""));
        assert!(jurisdiction_of("az").is_ok());
    }
}
