//! The `legistar` crawl: a city's or county's Legistar Web API.
//!
//! Per run: bodies and persons (every page; an unchanged page is not parsed again), then the
//! matters modified since the last complete crawl (pages of `$top`/`$skip`), each with its
//! histories and sponsors (and, for a history row with a roll call, its votes), then the
//! events modified since, each with its items (the agenda) and, for an item with a roll call,
//! its votes (the same roll call reached both ways is one vote). Matters named on those events' items are
//! fetched too, since a new history row does not always touch a matter's own
//! `MatterLastModifiedUtc`.
//!
//! A matter or event whose sub-requests fail is not loaded (loading it without its actions or
//! agenda would remove them); it is a warning, remembered in `source_state` (`retry_matters`,
//! `retry_events`) and fetched again by id next run. The cursors (`matters_since`,
//! `events_since`: the newest `…LastModifiedUtc` seen) move only when a crawl completes.

use super::{SourceError, Tally, bare_jurisdiction, load_batch, relink};
use crate::archive::Archive;
use crate::config::{LegistarConfig, Pipeline, SourceConfig};
use crate::fetch::{Fetcher, Validators, redact_url};
use crate::model::{Parsed, Warning};
use crate::normalize::Context;
use crate::sources::legistar::{self as lg, Client};
use crate::warehouse::{PayloadRecord, Warehouse};
use chrono::NaiveDateTime;
use serde::de::DeserializeOwned;
use std::collections::{BTreeSet, HashMap};

const MATTERS_SINCE: &str = "matters_since";
const EVENTS_SINCE: &str = "events_since";
const RETRY_MATTERS: &str = "retry_matters";
const RETRY_EVENTS: &str = "retry_events";
/// Matters or events per transaction.
const PER_BATCH: usize = 50;

/// The API, its token, and the responses of the batch in progress.
struct Api<'a> {
    fetcher: Fetcher,
    token: Option<String>,
    archive: &'a Archive,
    /// location → sha256 of the payload last loaded from it.
    prior: HashMap<String, String>,
    payloads: Vec<PayloadRecord>,
}

/// A response: its rows, and whether its bytes are the ones last loaded from that address.
struct Got<T> {
    items: Vec<T>,
    unchanged: bool,
}

impl Api<'_> {
    /// GETs one list (or one object, as a list of one) and parses it. Errors name the URL
    /// (token redacted).
    async fn get<T: DeserializeOwned>(
        &mut self,
        url: Result<url::Url, url::ParseError>,
        one: bool,
        tally: &mut Tally,
    ) -> Result<Got<T>, SourceError> {
        let url = url.map_err(|e| SourceError::Input(format!("base_url: {e}")))?;
        let shown = redact_url(url.as_str());
        let requested = match &self.token {
            Some(t) => lg::with_token(&url, t),
            None => url,
        };
        let got = self.fetcher.get(requested.as_str(), &[], &Validators::default()).await?;
        tally.report.payloads += 1;
        let sha = crate::archive::sha256_hex(&got.body);
        let unchanged = self.prior.get(&shown) == Some(&sha);
        let parsed = if one {
            lg::parse_record::<T>(&got.body, &shown).map(|r| (vec![r], Vec::new()))
        } else {
            lg::parse_page::<T>(&got.body, &shown)
        };
        let (items, warnings) = parsed.map_err(SourceError::Input)?;
        tally.warnings.extend(warnings);
        if unchanged {
            tally.report.unchanged_payloads += 1;
        } else {
            self.archive.store_hashed(&sha, &got.body)?;
            self.payloads.push(PayloadRecord::new(shown.clone(), sha.clone(), got.body.len() as u64, Some(&got)));
            self.prior.insert(shown, sha);
        }
        Ok(Got { items, unchanged })
    }

    /// Every page of a list, from `url(skip)`.
    async fn all<T: DeserializeOwned>(
        &mut self,
        client: &Client,
        url: impl Fn(usize) -> Result<url::Url, url::ParseError>,
        tally: &mut Tally,
    ) -> Result<Got<T>, SourceError> {
        let (mut items, mut unchanged) = (Vec::new(), true);
        let mut skip = 0;
        loop {
            let page: Got<T> = self.get(url(skip), false, tally).await?;
            let rows = page.items.len();
            unchanged &= page.unchanged;
            items.extend(page.items);
            if client.is_last_page(rows) {
                break;
            }
            skip += rows;
        }
        Ok(Got { items, unchanged })
    }
}

fn parse_since(v: Option<String>) -> Option<NaiveDateTime> {
    v.as_deref().and_then(lg::parse_last_modified)
}

fn ids_of(v: Option<String>) -> BTreeSet<i64> {
    v.and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn run_legistar(
    wh: &Warehouse,
    run_id: i64,
    pipeline: &Pipeline,
    source: &SourceConfig,
    cfg: &LegistarConfig,
    archive: &Archive,
    opts: &super::RunOptions,
    tally: &mut Tally,
) -> Result<(), SourceError> {
    let name = source.name();
    let kind = "legistar";
    let tz: chrono_tz::Tz = match &cfg.timezone {
        Some(t) => t.parse().map_err(|_| SourceError::Input(format!("timezone {t:?} is not an IANA zone")))?,
        None => pipeline.timezone,
    };
    let token = match &cfg.token_env {
        Some(var) => Some(super::secret_from_env(var, "Legistar token")?),
        None => None,
    };
    let terms = cfg.terms.iter().map(|t| lg::Term { name: t.name.clone(), start: t.start, end: t.end }).collect();
    let mut client = Client::new(&cfg.client, &cfg.jurisdiction, tz, terms);
    client.base_url = cfg.base_url.clone();
    if let Some(n) = cfg.page_size {
        client.page_size = n;
    }
    let ctx = Context { timezone: tz, jurisdiction_id: cfg.jurisdiction.clone() };
    let fetcher = Fetcher::new(opts.fetch.clone()).map_err(|e| SourceError::Input(format!("HTTP client: {e}")))?;
    let host = url::Url::parse(&cfg.base_url).ok().and_then(|u| u.host_str().map(str::to_string)).unwrap_or_default();
    fetcher.set_rate(&host, cfg.requests_per_minute);
    let prior = wh.loaded_hashes(&pipeline.name, &name).await?;
    let mut api = Api { fetcher, token, archive, prior, payloads: Vec::new() };
    let result = crawl(wh, run_id, pipeline, &name, cfg, &client, &ctx, &mut api, opts, tally).await;
    let stats = api.fetcher.stats();
    tally.report.requests += stats.requests;
    tally.report.bytes += stats.bytes;
    result?;
    relink(wh, run_id, pipeline, &name, kind, tally).await
}

#[allow(clippy::too_many_arguments)]
async fn crawl(
    wh: &Warehouse,
    run_id: i64,
    pipeline: &Pipeline,
    name: &str,
    cfg: &LegistarConfig,
    client: &Client,
    ctx: &Context,
    api: &mut Api<'_>,
    opts: &super::RunOptions,
    tally: &mut Tally,
) -> Result<(), SourceError> {
    let kind = "legistar";
    let state = |key: &'static str| wh.get_state(&pipeline.name, name, key);
    let first_day = cfg.since.and_then(|d| d.and_hms_opt(0, 0, 0));
    let matters_since = parse_since(state(MATTERS_SINCE).await?).or(first_day);
    let events_since = parse_since(state(EVENTS_SINCE).await?).or(first_day);
    let retry_matters = ids_of(state(RETRY_MATTERS).await?);
    let retry_events = ids_of(state(RETRY_EVENTS).await?);
    // What fails this run, to fetch again by id next run.
    let (mut failed_matters, mut failed_events) = (BTreeSet::new(), BTreeSet::new());
    let location = redact_url(&format!("{}/{}", cfg.base_url.trim_end_matches('/'), cfg.client));

    // 1. The jurisdiction, its bodies and its people.
    let mut jurisdiction = bare_jurisdiction(&cfg.jurisdiction);
    jurisdiction.sessions = client.session_records();
    let bodies: Got<lg::Body> = api.all(client, |skip| client.bodies_url(skip), tally).await?;
    let persons: Got<lg::Person> = api.all(client, |skip| client.persons_url(skip), tally).await?;
    let mut parsed = Parsed { jurisdictions: vec![jurisdiction], ..Default::default() };
    if !bodies.unchanged {
        let (orgs, w) = lg::organizations(client, &bodies.items, &location);
        parsed.organizations = orgs;
        parsed.warnings.extend(w);
    }
    if !persons.unchanged {
        let (people, w) = lg::people(client, &persons.items, &location);
        parsed.people = people;
        parsed.warnings.extend(w);
    }
    let payloads = std::mem::take(&mut api.payloads);
    load_batch(wh, run_id, pipeline, name, kind, parsed, payloads, ctx, tally).await?;

    // 2. Events first (their items name matters to refresh), then matters.
    let mut events: Vec<lg::Event> = Vec::new();
    let mut newest_event = events_since;
    if cfg.events {
        let page: Got<lg::Event> = api.all(client, |skip| client.events_url(events_since, skip), tally).await?;
        newest_event = newest_event.max(lg::max_last_modified(&page.items));
        events = page.items;
        for id in &retry_events {
            if !events.iter().any(|e| e.event_id == Some(*id)) {
                match api.get::<lg::Event>(client.event_url(*id), true, tally).await {
                    Ok(g) => events.extend(g.items),
                    Err(e) => {
                        tally.warnings.push(Warning::new(&location, Some(format!("event {id}")), e.to_string()));
                        failed_events.insert(*id);
                    }
                }
            }
        }
    }
    let page: Got<lg::Matter> = api.all(client, |skip| client.matters_url(matters_since, skip), tally).await?;
    let newest_matter = matters_since.max(lg::max_last_modified(&page.items));
    let mut matters = page.items;

    // 3. Events in batches: items, votes; matters their items name are added to the list.
    let mut named: BTreeSet<i64> = BTreeSet::new();
    for chunk in events.chunks(PER_BATCH) {
        if opts.stop.requested() {
            return Err(SourceError::Interrupted);
        }
        let mut parsed = Parsed::default();
        for event in chunk {
            let Some(event_id) = event.event_id else { continue };
            let loc = redact_url(client.event_url(event_id).map(|u| u.to_string()).unwrap_or_default().as_str());
            let items = if cfg.agendas {
                match api.get::<lg::EventItem>(client.event_items_url(event_id), false, tally).await {
                    Ok(g) => g.items,
                    Err(e) => {
                        tally.warnings.push(Warning::new(
                            &loc,
                            Some(format!("event {event_id}")),
                            format!("{e}; the hearing is not updated, and is tried again next run"),
                        ));
                        failed_events.insert(event_id);
                        continue;
                    }
                }
            } else {
                Vec::new()
            };
            named.extend(items.iter().filter_map(|i| i.event_item_matter_id));
            let mut complete = true;
            for item in &items {
                let Some(item_id) = item.event_item_id else { continue };
                let mut votes = Vec::new();
                if item.event_item_roll_call_flag == Some(1) {
                    match api.get::<lg::Vote>(client.event_item_votes_url(item_id), false, tally).await {
                        Ok(g) => votes = g.items,
                        Err(e) => {
                            tally.warnings.push(Warning::new(
                                &loc,
                                Some(format!("event item {item_id}")),
                                format!("{e}; its roll call is tried again next run"),
                            ));
                            complete = false;
                            continue;
                        }
                    }
                }
                if let Some((vote, w)) = lg::vote_record(client, event, item, &votes, &loc) {
                    parsed.votes.push(vote);
                    parsed.warnings.extend(w);
                }
            }
            if !complete {
                failed_events.insert(event_id);
            }
            let (record, w) = lg::event_record(client, event, &items, &loc);
            parsed.events.push(record);
            parsed.warnings.extend(w);
        }
        let payloads = std::mem::take(&mut api.payloads);
        load_batch(wh, run_id, pipeline, name, kind, parsed, payloads, ctx, tally).await?;
    }

    // 4. Matters: the modified ones, those to retry, those named on the events' items.
    let listed: BTreeSet<i64> = matters.iter().filter_map(|m| m.matter_id).collect();
    for id in retry_matters.iter().chain(named.iter()).copied().collect::<BTreeSet<i64>>() {
        if listed.contains(&id) {
            continue;
        }
        match api.get::<lg::Matter>(client.matter_url(id), true, tally).await {
            Ok(g) => matters.extend(g.items),
            Err(e) => {
                tally.warnings.push(Warning::new(&location, Some(format!("matter {id}")), e.to_string()));
                failed_matters.insert(id);
            }
        }
    }
    for chunk in matters.chunks(PER_BATCH) {
        if opts.stop.requested() {
            return Err(SourceError::Interrupted);
        }
        let mut parsed = Parsed::default();
        for matter in chunk {
            let Some(matter_id) = matter.matter_id else { continue };
            let loc = redact_url(client.matter_url(matter_id).map(|u| u.to_string()).unwrap_or_default().as_str());
            let histories = api.get::<lg::MatterHistory>(client.matter_histories_url(matter_id), false, tally).await;
            let sponsors = api.get::<lg::MatterSponsor>(client.matter_sponsors_url(matter_id), false, tally).await;
            match (histories, sponsors) {
                (Ok(h), Ok(s)) => {
                    // Roll calls recorded on the matter's history rows (a row is an event item).
                    for row in h.items.iter().filter(|r| lg::history_has_roll_call(r)) {
                        let Some(item_id) = row.matter_history_id else { continue };
                        match api.get::<lg::Vote>(client.event_item_votes_url(item_id), false, tally).await {
                            Ok(v) => {
                                if let Some((vote, w)) = lg::history_vote(client, matter, row, &v.items, &loc) {
                                    parsed.votes.push(vote);
                                    parsed.warnings.extend(w);
                                }
                            }
                            Err(e) => {
                                tally.warnings.push(Warning::new(
                                    &loc,
                                    Some(format!("matter {matter_id} history row {item_id}")),
                                    format!("{e}; its roll call is tried again next run"),
                                ));
                                failed_matters.insert(matter_id);
                            }
                        }
                    }
                    let (bill, w) = lg::bill_record(client, matter, &h.items, &s.items, &loc);
                    parsed.bills.push(bill);
                    parsed.warnings.extend(w);
                }
                (Err(e), _) | (_, Err(e)) => {
                    tally.warnings.push(Warning::new(
                        &loc,
                        Some(format!("matter {matter_id} ({})", matter.matter_file.as_deref().unwrap_or("?"))),
                        format!("{e}; the bill is not updated, and is tried again next run"),
                    ));
                    failed_matters.insert(matter_id);
                }
            }
        }
        let payloads = std::mem::take(&mut api.payloads);
        load_batch(wh, run_id, pipeline, name, kind, parsed, payloads, ctx, tally).await?;
    }

    // 5. The crawl is complete: move the cursors, remember what failed.
    let mut writes = vec![
        (RETRY_MATTERS, serde_json::to_string(&failed_matters).expect("ids serialize")),
        (RETRY_EVENTS, serde_json::to_string(&failed_events).expect("ids serialize")),
    ];
    if let Some(t) = newest_matter {
        writes.push((MATTERS_SINCE, t.format("%Y-%m-%dT%H:%M:%S%.f").to_string()));
    }
    if let Some(t) = newest_event {
        writes.push((EVENTS_SINCE, t.format("%Y-%m-%dT%H:%M:%S%.f").to_string()));
    }
    for (key, value) in writes {
        wh.set_state(&pipeline.name, name, key, &value).await?;
    }
    Ok(())
}
