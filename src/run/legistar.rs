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

use super::SourceError;
use super::ingest::{Ingest, placeholder_jurisdiction};
use crate::config::LegistarConfig;
use crate::fetch::redact_url;
use crate::model::{Parsed, Warning};
use crate::sources::legistar::{self as lg, Client};
use chrono::NaiveDateTime;
use serde::de::DeserializeOwned;
use std::collections::BTreeSet;

const MATTERS_SINCE: &str = "matters_since";
const EVENTS_SINCE: &str = "events_since";
const RETRY_MATTERS: &str = "retry_matters";
const RETRY_EVENTS: &str = "retry_events";
/// Matters or events per transaction.
const PER_BATCH: usize = 50;

/// The API: its client and its token.
struct Api<'c> {
    client: &'c Client,
    token: Option<String>,
}

/// A response: its rows, and whether its bytes are the ones last loaded from that address.
struct Got<T> {
    items: Vec<T>,
    unchanged: bool,
}

impl Api<'_> {
    /// GETs one list (or one object, as a list of one) through the loop and parses it.
    /// Errors name the URL (token redacted).
    async fn get<T: DeserializeOwned>(
        &self,
        ing: &mut Ingest<'_>,
        url: Result<url::Url, url::ParseError>,
        one: bool,
    ) -> Result<Got<T>, SourceError> {
        let url = url.map_err(|e| SourceError::Input(format!("base_url: {e}")))?;
        let shown = redact_url(url.as_str());
        let requested = match &self.token {
            Some(t) => lg::with_token(&url, t),
            None => url,
        };
        let got = ing.get(requested.as_str(), &shown, &[], false).await?;
        let parsed = if one {
            lg::parse_record::<T>(&got.body, &shown).map(|r| (vec![r], Vec::new()))
        } else {
            lg::parse_page::<T>(&got.body, &shown)
        };
        let (items, warnings) = parsed.map_err(SourceError::Input)?;
        warnings.into_iter().for_each(|w| ing.warn(w));
        if !got.unchanged {
            ing.record(got.record, true);
        }
        Ok(Got { items, unchanged: got.unchanged })
    }

    /// Every page of a list, from `url(skip)`.
    async fn all<T: DeserializeOwned>(
        &self,
        ing: &mut Ingest<'_>,
        url: impl Fn(usize) -> Result<url::Url, url::ParseError>,
    ) -> Result<Got<T>, SourceError> {
        let (mut items, mut unchanged) = (Vec::new(), true);
        let mut skip = 0;
        loop {
            let page: Got<T> = self.get(ing, url(skip), false).await?;
            let rows = page.items.len();
            unchanged &= page.unchanged;
            items.extend(page.items);
            if self.client.is_last_page(rows) {
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

pub(super) async fn crawl(ing: &mut Ingest<'_>, cfg: &LegistarConfig) -> Result<(), SourceError> {
    let tz: chrono_tz::Tz = match &cfg.timezone {
        Some(t) => t.parse().map_err(|_| SourceError::Input(format!("timezone {t:?} is not an IANA zone")))?,
        None => ing.pipeline.timezone,
    };
    let token = match &cfg.token_env {
        Some(var) => Some(super::secret_from_env(var, "Legistar token")?),
        None => None,
    };
    let jurisdiction_id = super::files::jurisdiction_of(&cfg.jurisdiction)?;
    let terms = cfg.terms.iter().map(|t| lg::Term { name: t.name.clone(), start: t.start, end: t.end }).collect();
    let mut client = Client::new(&cfg.client, &jurisdiction_id, tz, terms);
    client.base_url = cfg.base_url.clone();
    if let Some(n) = cfg.page_size {
        client.page_size = n;
    }
    ing.set_jurisdiction(&jurisdiction_id, Some(tz));
    ing.fetcher(&cfg.base_url, Some(cfg.requests_per_minute))?;
    let api = Api { client: &client, token };
    pages(ing, cfg, &api).await?;
    ing.relink().await
}

async fn pages(ing: &mut Ingest<'_>, cfg: &LegistarConfig, api: &Api<'_>) -> Result<(), SourceError> {
    let client = api.client;
    let first_day = cfg.since.and_then(|d| d.and_hms_opt(0, 0, 0));
    let matters_since = parse_since(ing.state(MATTERS_SINCE).await?).or(first_day);
    let events_since = parse_since(ing.state(EVENTS_SINCE).await?).or(first_day);
    let retry_matters = ids_of(ing.state(RETRY_MATTERS).await?);
    let retry_events = ids_of(ing.state(RETRY_EVENTS).await?);
    // What fails this run, to fetch again by id next run.
    let (mut failed_matters, mut failed_events) = (BTreeSet::new(), BTreeSet::new());
    let location = redact_url(&format!("{}/{}", cfg.base_url.trim_end_matches('/'), cfg.client));

    // 1. The jurisdiction, its bodies and its people.
    let mut jurisdiction = placeholder_jurisdiction(&ing.context.jurisdiction_id);
    jurisdiction.sessions = client.session_records();
    let bodies: Got<lg::Body> = api.all(ing, |skip| client.bodies_url(skip)).await?;
    let persons: Got<lg::Person> = api.all(ing, |skip| client.persons_url(skip)).await?;
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
    ing.load(parsed).await?;

    // 2. Events first (their items name matters to refresh), then matters.
    let mut events: Vec<lg::Event> = Vec::new();
    let mut newest_event = events_since;
    if cfg.events {
        let page: Got<lg::Event> = api.all(ing, |skip| client.events_url(events_since, skip)).await?;
        newest_event = newest_event.max(lg::max_last_modified(&page.items));
        events = page.items;
        for id in &retry_events {
            if !events.iter().any(|e| e.event_id == Some(*id)) {
                match api.get::<lg::Event>(ing, client.event_url(*id), true).await {
                    Ok(g) => events.extend(g.items),
                    Err(e) => {
                        ing.warn_partial(Warning::new(&location, Some(format!("event {id}")), e.to_string()));
                        failed_events.insert(*id);
                    }
                }
            }
        }
    }
    let page: Got<lg::Matter> = api.all(ing, |skip| client.matters_url(matters_since, skip)).await?;
    let newest_matter = matters_since.max(lg::max_last_modified(&page.items));
    let mut matters = page.items;

    // 3. Events in batches: items, votes; matters their items name are added to the list.
    let mut named: BTreeSet<i64> = BTreeSet::new();
    for chunk in events.chunks(PER_BATCH) {
        ing.check_stop()?;
        let mut parsed = Parsed::default();
        for event in chunk {
            let Some(event_id) = event.event_id else { continue };
            let loc = redact_url(client.event_url(event_id).map(|u| u.to_string()).unwrap_or_default().as_str());
            let items = if cfg.agendas {
                match api.get::<lg::EventItem>(ing, client.event_items_url(event_id), false).await {
                    Ok(g) => g.items,
                    Err(e) => {
                        ing.warn_partial(Warning::new(
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
                    match api.get::<lg::Vote>(ing, client.event_item_votes_url(item_id), false).await {
                        Ok(g) => votes = g.items,
                        Err(e) => {
                            ing.warn_partial(Warning::new(
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
        ing.load(parsed).await?;
    }

    // 4. Matters: the modified ones, those to retry, those named on the events' items.
    let listed: BTreeSet<i64> = matters.iter().filter_map(|m| m.matter_id).collect();
    for id in retry_matters.iter().chain(named.iter()).copied().collect::<BTreeSet<i64>>() {
        if listed.contains(&id) {
            continue;
        }
        match api.get::<lg::Matter>(ing, client.matter_url(id), true).await {
            Ok(g) => matters.extend(g.items),
            Err(e) => {
                ing.warn_partial(Warning::new(&location, Some(format!("matter {id}")), e.to_string()));
                failed_matters.insert(id);
            }
        }
    }
    for chunk in matters.chunks(PER_BATCH) {
        ing.check_stop()?;
        let mut parsed = Parsed::default();
        for matter in chunk {
            let Some(matter_id) = matter.matter_id else { continue };
            let loc = redact_url(client.matter_url(matter_id).map(|u| u.to_string()).unwrap_or_default().as_str());
            let histories = api.get::<lg::MatterHistory>(ing, client.matter_histories_url(matter_id), false).await;
            let sponsors = api.get::<lg::MatterSponsor>(ing, client.matter_sponsors_url(matter_id), false).await;
            match (histories, sponsors) {
                (Ok(h), Ok(s)) => {
                    // Roll calls recorded on the matter's history rows (a row is an event item).
                    for row in h.items.iter().filter(|r| lg::history_has_roll_call(r)) {
                        let Some(item_id) = row.matter_history_id else { continue };
                        match api.get::<lg::Vote>(ing, client.event_item_votes_url(item_id), false).await {
                            Ok(v) => {
                                if let Some((vote, w)) = lg::history_vote(client, matter, row, &v.items, &loc) {
                                    parsed.votes.push(vote);
                                    parsed.warnings.extend(w);
                                }
                            }
                            Err(e) => {
                                ing.warn_partial(Warning::new(
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
                    ing.warn_partial(Warning::new(
                        &loc,
                        Some(format!("matter {matter_id} ({})", matter.matter_file.as_deref().unwrap_or("?"))),
                        format!("{e}; the bill is not updated, and is tried again next run"),
                    ));
                    failed_matters.insert(matter_id);
                }
            }
        }
        ing.load(parsed).await?;
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
        ing.set_state(key, &value).await?;
    }
    Ok(())
}
