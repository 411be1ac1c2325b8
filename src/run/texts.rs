//! Version documents: for pipelines with `[texts] fetch = true`, a version that arrives without
//! a text gets one from the documents it links to, before its batch is normalized, so that it
//! is loaded with its text (searchable, and diffed against the previous version in the same
//! transaction).
//!
//! Each URL is fetched once: what came back is kept in `document_fetches` (status, hashes,
//! validators, the extracted text or why there is none) and the bytes in the raw archive. Later
//! loads of the same version take the stored text; a failed document is tried again in later
//! runs (conditional GET with its validators) until `attempts` is spent. A version's links are
//! tried in order of how well their format reads (HTML, XML, plain text, Word, PDF) until one
//! gives a text. At most `max_documents` requests per source and run, paced per host; a
//! document over `max_bytes` is not read.

use super::{SourceError, Tally};
use crate::archive::Archive;
use crate::config::TextsConfig;
use crate::fetch::{FetchError, FetchOptions, Fetcher, Validators, redact_url};
use crate::model::{Link, Parsed, Warning};
use crate::warehouse::Warehouse;
use crate::warehouse::texts::{DocumentFetchRow, StoredFetch};
use chrono::Utc;
use std::collections::HashSet;

/// The fetching state of one source's run.
pub(super) struct TextFetch {
    fetcher: Fetcher,
    archive: Archive,
    cfg: TextsConfig,
    /// Requests this source may still make in this run.
    left: usize,
    hosts: HashSet<String>,
    run_id: i64,
    /// Per host, the share of each HTML page's characters its text kept.
    kept: std::collections::BTreeMap<String, Vec<f64>>,
}

impl TextFetch {
    pub(super) fn new(
        cfg: &TextsConfig,
        fetch: &FetchOptions,
        data_dir: &std::path::Path,
        run_id: i64,
    ) -> Option<TextFetch> {
        if !cfg.fetch {
            return None;
        }
        let opts = FetchOptions { max_bytes: cfg.max_bytes, ..fetch.clone() };
        let fetcher = Fetcher::new(opts).ok()?;
        Some(TextFetch {
            fetcher,
            archive: Archive::new(data_dir),
            cfg: cfg.clone(),
            left: cfg.max_documents,
            hosts: HashSet::new(),
            run_id,
            kept: Default::default(),
        })
    }

    pub(super) fn requests(&self) -> u64 {
        self.fetcher.stats().requests
    }

    /// Warnings for hosts whose pages' texts look like navigation rather than bills (see
    /// [`navigation_hosts`]).
    pub(super) fn quality_warnings(&self) -> Vec<Warning> {
        navigation_hosts(&self.kept)
            .into_iter()
            .map(|(host, median, pages, others)| {
                Warning::new(
                    host.as_str(),
                    None,
                    format!(
                        "texts of {pages} pages from {host} kept a median {:.0}% of each page's characters{}: they may be \
                         navigation, not the bill; a site rule (src/text/sites.toml) can name where the bill is",
                        median * 100.0,
                        others.map(|o| format!(" (other hosts {:.0}%)", o * 100.0)).unwrap_or_default()
                    ),
                )
            })
            .collect()
    }
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// Hosts whose pages kept (per page, the share of its characters its text kept) a median
/// under a third of the other hosts' median, or under 5% whatever the others (the bill is
/// most of a bill page; a menu or a footer is not): (host, its median, pages, the others'
/// median).
fn navigation_hosts(kept: &std::collections::BTreeMap<String, Vec<f64>>) -> Vec<(String, f64, usize, Option<f64>)> {
    let medians: Vec<(&String, f64, usize)> = kept.iter().map(|(h, v)| (h, median(v), v.len())).collect();
    let mut out = Vec::new();
    for (host, m, n) in &medians {
        let others: Vec<f64> = medians.iter().filter(|(h, ..)| h != host).map(|(_, m, _)| *m).collect();
        let others = (!others.is_empty()).then(|| median(&others));
        if *m < 0.05 || others.is_some_and(|o| *m * 3.0 < o) {
            out.push(((*host).clone(), *m, *n, others));
        }
    }
    out
}

/// How well a link's format reads: lower first.
fn preference(link: &Link) -> u8 {
    let media = link.media_type.as_deref().unwrap_or("").to_ascii_lowercase();
    let path = link.url.split(['?', '#']).next().unwrap_or("").to_ascii_lowercase();
    let has = |m: &str, exts: &[&str]| media.contains(m) || exts.iter().any(|e| path.ends_with(e));
    if has("html", &[".html", ".htm"]) {
        0
    } else if has("xml", &[".xml"]) {
        1
    } else if has("text/plain", &[".txt"]) {
        2
    } else if has("wordprocessingml", &[".docx"]) {
        3
    } else if has("pdf", &[".pdf"]) {
        4
    } else {
        5
    }
}

/// One fetch's outcome, as recorded.
#[derive(Debug, Default)]
struct Outcome {
    status: &'static str,
    http_status: Option<i64>,
    media_type: Option<String>,
    bytes: Option<i64>,
    payload_sha256: Option<String>,
    etag: Option<String>,
    last_modified: Option<String>,
    method: Option<String>,
    text: Option<String>,
    warning: Option<String>,
    error: Option<String>,
    /// Where the document says its text is (resolved against its URL).
    see_also: Option<String>,
}

async fn fetch_one(tf: &mut TextFetch, link: &Link, before: Option<&StoredFetch>) -> Result<Outcome, SourceError> {
    let shown = redact_url(&link.url);
    if let Some(host) = url::Url::parse(&link.url).ok().and_then(|u| u.host_str().map(str::to_string))
        && tf.hosts.insert(host.clone())
    {
        tf.fetcher.set_rate(&host, tf.cfg.requests_per_minute);
    }
    let validators = Validators {
        etag: before.and_then(|b| b.etag.clone()),
        last_modified: before.and_then(|b| b.last_modified.clone()),
    };
    let got = match tf.fetcher.get(&link.url, &[], &validators).await {
        Ok(g) => g,
        Err(FetchError::Status { status, .. }) => {
            return Ok(Outcome {
                status: "http_error",
                http_status: Some(i64::from(status)),
                error: Some(format!("{shown}: HTTP {status}")),
                ..Default::default()
            });
        }
        Err(e @ FetchError::TooLarge { .. }) => {
            return Ok(Outcome { status: "too_large", error: Some(e.to_string()), ..Default::default() });
        }
        Err(e) => return Ok(Outcome { status: "network_error", error: Some(e.to_string()), ..Default::default() }),
    };
    let (body, sha) = if got.not_modified {
        // The document we have: read again from the archive.
        let sha = before.and_then(|b| b.payload_sha256.clone()).unwrap_or_default();
        match tf.archive.read(&sha) {
            Ok(b) => (b, sha),
            Err(e) => {
                return Ok(Outcome {
                    status: "network_error",
                    error: Some(format!("{shown}: 304, but the archived copy {sha} is unreadable: {e}")),
                    ..Default::default()
                });
            }
        }
    } else {
        let sha = crate::archive::sha256_hex(&got.body);
        tf.archive.store_hashed(&sha, &got.body)?;
        (got.body, sha)
    };
    let media = link.media_type.clone();
    let extracted = tokio::task::spawn_blocking({
        let name = link.url.clone();
        let media = media.clone();
        let len = body.len();
        move || (crate::text::extract(media.as_deref(), &name, &body), len)
    })
    .await
    .map_err(|e| SourceError::Input(format!("{shown}: the extractor stopped: {e}")))?;
    let (ex, len) = extracted;
    if let (Some(kept), Some(host)) =
        (ex.kept, url::Url::parse(&link.url).ok().and_then(|u| u.host_str().map(str::to_string)))
        && ex.text.is_some()
    {
        tf.kept.entry(host).or_default().push(kept);
    }
    let see_also =
        ex.see_also.as_deref().and_then(|h| url::Url::parse(&link.url).ok()?.join(h).ok()).map(|u| u.to_string());
    Ok(Outcome {
        see_also,
        status: if ex.text.is_some() { "extracted" } else { "unextractable" },
        http_status: Some(i64::from(got.status)),
        media_type: media,
        bytes: Some(len as i64),
        payload_sha256: Some(sha),
        etag: got.etag,
        last_modified: got.last_modified,
        method: Some(ex.method.to_string()),
        warning: Some(ex.warnings.join("; ")).filter(|w| !w.is_empty()),
        error: ex.error.map(|e| format!("{shown}: {e}")),
        text: ex.text,
    })
}

async fn record(wh: &Warehouse, tf: &TextFetch, url: &str, o: &Outcome, attempts: i64) -> Result<(), sqlx::Error> {
    wh.record_document_fetch(&DocumentFetchRow {
        url: redact_url(url),
        status: o.status.to_string(),
        http_status: o.http_status,
        media_type: o.media_type.clone(),
        bytes: o.bytes,
        payload_sha256: o.payload_sha256.clone(),
        etag: o.etag.clone(),
        last_modified: o.last_modified.clone(),
        method: o.method.clone(),
        extractor: o.method.as_ref().map(|_| crate::text::EXTRACTOR.to_string()),
        text: o.text.clone(),
        warning: o.warning.clone(),
        error: o.error.clone(),
        see_also: o.see_also.clone(),
        attempts,
        fetched_at: Utc::now(),
        run_id: tf.run_id,
    })
    .await
}

/// A document an older extractor generation read: read again from its archived bytes, the new
/// text recorded and returned. `None` (the old text stays) when the bytes are not in the
/// archive or the new reading gives no text (a warning says so).
async fn reread(
    wh: &Warehouse,
    tf: &TextFetch,
    url: &str,
    before: &StoredFetch,
    warnings: &mut Vec<Warning>,
) -> Result<Option<String>, SourceError> {
    let Some(body) = before.payload_sha256.as_deref().and_then(|sha| tf.archive.read(sha).ok()) else {
        return Ok(None);
    };
    let (media, name) = (before.media_type.clone(), url.to_string());
    let ex = tokio::task::spawn_blocking(move || crate::text::extract(media.as_deref(), &name, &body))
        .await
        .map_err(|e| SourceError::Input(format!("{url}: the extractor stopped: {e}")))?;
    match ex.text {
        Some(text) => {
            wh.record_reread(url, &text, ex.method).await?;
            Ok(Some(text))
        }
        None => {
            warnings.push(Warning::new(
                url,
                None,
                format!(
                    "read again by extractor {}: no text ({}); the text read before stays",
                    crate::text::EXTRACTOR,
                    ex.error.unwrap_or_default()
                ),
            ));
            Ok(None)
        }
    }
}

/// Gives the versions of `parsed` that have no text the text of one of their documents, as
/// described in the module documentation. Problems are warnings; nothing here stops the batch.
pub(super) async fn attach_texts(wh: &Warehouse, parsed: &mut Parsed, tally: &mut Tally) -> Result<(), SourceError> {
    let Some(mut tf) = tally.texts.take() else { return Ok(()) };
    // The warnings go with the batch, into the warehouse's `warnings`.
    let mut warnings = Vec::new();
    let result = attach(wh, parsed, &mut tf, &mut warnings).await;
    parsed.warnings.extend(warnings);
    tally.texts = Some(tf);
    result
}

async fn attach(
    wh: &Warehouse,
    parsed: &mut Parsed,
    tf: &mut TextFetch,
    warnings: &mut Vec<Warning>,
) -> Result<(), SourceError> {
    let urls: Vec<String> = parsed
        .bills
        .iter()
        .flat_map(|b| {
            b.versions.iter().filter(|v| v.text.is_none()).flat_map(|v| v.links.iter().map(|l| redact_url(&l.url)))
        })
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    if urls.is_empty() {
        return Ok(());
    }
    let mut known = wh.document_fetches(&urls).await?;
    let mut waiting = 0usize;
    for bill in &mut parsed.bills {
        let label = bill.identifier.clone();
        for version in bill.versions.iter_mut().filter(|v| v.text.is_none() && !v.links.is_empty()) {
            let mut links = version.links.clone();
            links.sort_by_key(preference);
            // A text read before from any of its links (or a page they point to) stays the
            // version's text: reloads give the same version, whatever is retried.
            let mut earlier = None;
            for link in &links {
                let mut key = redact_url(&link.url);
                for _ in 0..2 {
                    match known.get(&key).cloned() {
                        Some(b)
                            if b.status == "extracted" && b.extractor.as_deref() == Some(crate::text::EXTRACTOR) =>
                        {
                            earlier = b.text.clone();
                        }
                        Some(b) if b.status == "extracted" => {
                            // Read by an older extractor: read again from the archived bytes.
                            let again = reread(wh, tf, &key, &b, warnings).await?;
                            if let Some(entry) = known.get_mut(&key) {
                                entry.extractor = Some(crate::text::EXTRACTOR.to_string());
                                if again.is_some() {
                                    entry.text = again.clone();
                                }
                            }
                            earlier = again.or(b.text);
                        }
                        Some(StoredFetch { see_also: Some(next), .. }) => {
                            let next = redact_url(&next);
                            if !known.contains_key(&next) {
                                known.extend(wh.document_fetches(std::slice::from_ref(&next)).await?);
                            }
                            key = next;
                            continue;
                        }
                        _ => {}
                    }
                    break;
                }
                if earlier.is_some() {
                    break;
                }
            }
            if earlier.is_some() {
                version.text = earlier;
                continue;
            }
            let mut failures = Vec::new();
            let mut i = 0;
            while i < links.len() {
                let link = links[i].clone();
                i += 1;
                let key = redact_url(&link.url);
                if !known.contains_key(&key) {
                    // A followed link (see_also) not looked up with the others.
                    known.extend(wh.document_fetches(std::slice::from_ref(&key)).await?);
                }
                let before = known.get(&key).cloned();
                if let Some(b) = &before {
                    if b.status == "extracted" {
                        version.text = b.text.clone();
                        break;
                    }
                    if b.attempts >= i64::from(tf.cfg.attempts) {
                        if let Some(next) = b.see_also.clone()
                            && !links.iter().any(|l| l.url == next)
                        {
                            links.insert(i, Link { url: next, media_type: None });
                        }
                        continue;
                    }
                }
                if tf.left == 0 {
                    waiting += 1;
                    break;
                }
                tf.left -= 1;
                let outcome = fetch_one(tf, &link, before.as_ref()).await?;
                let attempts = before.as_ref().map(|b| b.attempts).unwrap_or(0) + 1;
                record(wh, tf, &link.url, &outcome, attempts).await?;
                known.insert(
                    key.clone(),
                    StoredFetch {
                        status: outcome.status.to_string(),
                        text: outcome.text.clone(),
                        attempts,
                        etag: outcome.etag.clone(),
                        last_modified: outcome.last_modified.clone(),
                        payload_sha256: outcome.payload_sha256.clone(),
                        see_also: outcome.see_also.clone(),
                        media_type: outcome.media_type.clone(),
                        extractor: outcome.method.as_ref().map(|_| crate::text::EXTRACTOR.to_string()),
                    },
                );
                if let Some(w) = &outcome.warning {
                    warnings.push(Warning::new(&key, Some(format!("{label} {}", version.note)), w.clone()));
                }
                if outcome.text.is_some() {
                    version.text = outcome.text;
                    break;
                }
                // A page that points at its text elsewhere (ilga.gov's "too large for display"):
                // that address next, once.
                if let Some(next) = outcome.see_also.clone()
                    && !links.iter().any(|l| l.url == next)
                {
                    links.insert(i, Link { url: next, media_type: None });
                }
                failures.push((key, outcome.status, outcome.error.unwrap_or_default()));
            }
            if version.text.is_none() {
                for (url, status, error) in failures {
                    warnings.push(Warning::new(
                        &url,
                        Some(format!("{label} {}", version.note)),
                        format!("no text ({status}): {error}"),
                    ));
                }
            }
        }
    }
    if waiting > 0 {
        warnings.push(Warning::new(
            "texts",
            None,
            format!(
                "{waiting} version documents wait for the next run (max_documents = {} per source and run)",
                tf.cfg.max_documents
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_whose_pages_keep_little_look_like_navigation() {
        let kept = |list: &[(&str, &[f64])]| -> std::collections::BTreeMap<String, Vec<f64>> {
            list.iter().map(|(h, v)| (h.to_string(), v.to_vec())).collect()
        };
        // Minnesota's framed pages keep 15-69% (short resolutions in a heavy frame), Texas's
        // nearly all: neither is navigation.
        let fine =
            kept(&[("www.revisor.mn.gov", &[0.15, 0.27, 0.37, 0.69]), ("capitol.texas.gov", &[0.86, 0.99, 1.0])]);
        assert!(navigation_hosts(&fine).is_empty());
        // A host whose texts are a few per cent of its pages: a menu was taken for the bill.
        let menu = kept(&[("capitol.texas.gov", &[0.86, 0.99, 1.0]), ("menus.example.gov", &[0.02, 0.03, 0.2])]);
        let found = navigation_hosts(&menu);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].0.as_str(), found[0].2), ("menus.example.gov", 3));
        // Alone, under 5%; and far below the others, even above 5%.
        assert_eq!(navigation_hosts(&kept(&[("a.gov", &[0.04])])).len(), 1);
        assert_eq!(navigation_hosts(&kept(&[("a.gov", &[0.9, 0.95]), ("b.gov", &[0.2, 0.25])]))[0].0, "b.gov");
    }

    #[test]
    fn html_reads_before_pdf() {
        let link = |url: &str, media: Option<&str>| Link { url: url.into(), media_type: media.map(str::to_string) };
        let mut links = [
            link("https://ilga.gov/documents/legislation/104/HB/PDF/10400HB1075.pdf", Some("application/pdf")),
            link("https://ilga.gov/Legislation/BillStatus/FullText?DocName=10400HB1075", Some("text/html")),
            link("https://example.gov/bill.docx", None),
            link("https://example.gov/bill", None),
        ];
        links.sort_by_key(preference);
        let order: Vec<u8> = links.iter().map(preference).collect();
        assert_eq!(order, [0, 3, 4, 5]);
        assert!(links[0].url.contains("FullText"));
    }
}
