//! `ocd_scrape`: the JSON files Open States' scrapers write (`bill_*.json`,
//! `vote_event_*.json`, `event_*.json`, `jurisdiction_*.json`, `organization_*.json`,
//! `person_*.json`), and the Windy Civi re-serialization of them (a folder per bill with
//! `metadata.json` and `*.vote_event.*.json`).
//!
//! Parsing is pure: bytes in, records and warnings out. Pseudo-ids such as
//! `~{"classification": "lower"}` are resolved against the organizations read first.

use crate::model::*;
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

/// What a file in a scrape folder holds, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileKind {
    // Ordered: context files first, then bills before the votes and events that name them.
    Jurisdiction,
    Organization,
    Person,
    Bill,
    Vote,
    Event,
}

impl FileKind {
    pub fn of(path: &Path) -> Option<FileKind> {
        let name = path.file_name()?.to_str()?;
        if !name.ends_with(".json") {
            return None;
        }
        let name = name.strip_prefix("raw-").unwrap_or(name);
        Some(if name.starts_with("jurisdiction_") {
            FileKind::Jurisdiction
        } else if name.starts_with("organization_") {
            FileKind::Organization
        } else if name.starts_with("person_") {
            FileKind::Person
        } else if name.starts_with("bill_") || name == "metadata.json" {
            FileKind::Bill
        } else if name.starts_with("vote_event_") || name.contains(".vote_event.") {
            FileKind::Vote
        } else if name.starts_with("event_") {
            FileKind::Event
        } else {
            return None;
        })
    }
}

/// What parsing needs from the rest of the folder.
#[derive(Debug, Clone, Default)]
pub struct ScrapeContext {
    /// OCD jurisdiction id (from the jurisdiction file, or the pipeline).
    pub jurisdiction_id: String,
    /// Organization `_id` → classification (`upper`, `lower`, `legislature`, a committee's).
    pub organizations: HashMap<String, String>,
}

impl ScrapeContext {
    /// Resolves an organization reference (a pseudo-id or a real `_id`) to a chamber.
    pub fn chamber(&self, reference: Option<&str>) -> Option<String> {
        let r = reference?.trim();
        if r.is_empty() {
            return None;
        }
        if let Some(p) = pseudo_id(r) {
            if let Some(c) = p.get("classification").or_else(|| p.get("chamber")) {
                return c.as_str().map(str::to_string);
            }
            return p.get("name").and_then(Value::as_str).map(str::to_string);
        }
        self.organizations.get(r).cloned()
    }
}

/// Parses a pseudo-id (`~` followed by a JSON object).
pub fn pseudo_id(s: &str) -> Option<serde_json::Map<String, Value>> {
    let json = s.strip_prefix('~')?;
    match serde_json::from_str::<Value>(json).ok()? {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

fn de<T: for<'de> Deserialize<'de>>(bytes: &[u8], location: &str, what: &str) -> Result<T, Warning> {
    serde_json::from_slice(bytes).map_err(|e| Warning::new(location, None, format!("not a valid OCD {what} file: {e}")))
}

fn string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[derive(Deserialize)]
struct RawJurisdiction {
    id: String,
    name: String,
    #[serde(default)]
    classification: String,
    division_id: Option<String>,
    url: Option<String>,
    #[serde(default)]
    legislative_sessions: Vec<RawSession>,
}

#[derive(Deserialize)]
struct RawSession {
    identifier: String,
    #[serde(default)]
    name: String,
    classification: Option<String>,
    #[serde(default)]
    start_date: String,
    #[serde(default)]
    end_date: String,
    active: Option<bool>,
}

pub fn parse_jurisdiction(bytes: &[u8], location: &str) -> Result<JurisdictionRecord, Warning> {
    let j: RawJurisdiction = de(bytes, location, "jurisdiction")?;
    Ok(JurisdictionRecord {
        id: j.id,
        name: j.name,
        classification: j.classification,
        division_id: j.division_id,
        url: j.url,
        placeholder: false,
        sessions: j
            .legislative_sessions
            .into_iter()
            .map(|s| SessionRecord {
                identifier: s.identifier,
                name: s.name,
                classification: s.classification,
                start_date: s.start_date,
                end_date: s.end_date,
                active: s.active,
            })
            .collect(),
    })
}

#[derive(Deserialize)]
struct RawOrganization {
    #[serde(rename = "_id")]
    id: Option<String>,
    name: String,
    #[serde(default)]
    classification: String,
    parent_id: Option<String>,
}

/// Parses an organization file. Some writers concatenate several objects in one file
/// (the Windy Civi copies do), so every top-level object is read.
pub fn parse_organizations(bytes: &[u8], location: &str) -> Result<Vec<OrganizationRecord>, Warning> {
    let mut out = Vec::new();
    for (i, item) in serde_json::Deserializer::from_slice(bytes).into_iter::<RawOrganization>().enumerate() {
        let o = item.map_err(|e| {
            Warning::new(location, Some(format!("object {}", i + 1)), format!("not a valid OCD organization: {e}"))
        })?;
        out.push(OrganizationRecord {
            // Without an `_id` (Windy Civi drops it) the classification stands in.
            source_key: o.id.unwrap_or_else(|| o.classification.clone()),
            // A committee's chamber is its parent's, which a scrape names by pseudo-id
            // (`~{"classification": "lower"}`).
            chamber: crate::normalize::ids::chamber(&o.classification)
                .or_else(|| {
                    let parent = o.parent_id.as_deref()?.strip_prefix('~')?;
                    let v: Value = serde_json::from_str(parent).ok()?;
                    crate::normalize::ids::chamber(v.get("classification")?.as_str()?)
                })
                .map(str::to_string),
            name: o.name,
            classification: o.classification,
            parent_source_key: o.parent_id,
            ..Default::default()
        });
    }
    Ok(out)
}

#[derive(Deserialize)]
struct RawPerson {
    #[serde(rename = "_id")]
    id: Option<String>,
    name: String,
    #[serde(default)]
    image: String,
    #[serde(default)]
    contact_details: Vec<RawContact>,
    #[serde(default)]
    sources: Vec<RawLink>,
    #[serde(default)]
    party: Vec<Value>,
    #[serde(default)]
    roles: Vec<Value>,
}

#[derive(Deserialize)]
struct RawContact {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    value: String,
}

#[derive(Deserialize, Default)]
struct RawLink {
    #[serde(default)]
    url: String,
}

pub fn parse_person(bytes: &[u8], location: &str) -> Result<PersonRecord, Warning> {
    let p: RawPerson = de(bytes, location, "person")?;
    let role = p.roles.first();
    Ok(PersonRecord {
        source_key: p.id.unwrap_or_default(),
        name: p.name,
        chamber: role.and_then(|r| r.get("type")).and_then(Value::as_str).map(str::to_string),
        party: p.party.first().and_then(|v| v.get("name")).and_then(Value::as_str).map(str::to_string),
        district: role.and_then(|r| r.get("district")).map(string),
        email: p.contact_details.iter().find(|c| c.kind == "email").map(|c| c.value.clone()),
        image: (!p.image.is_empty()).then_some(p.image),
        source_url: p.sources.first().map(|s| s.url.clone()),
        ..Default::default()
    })
}

#[derive(Deserialize)]
struct RawBill {
    #[serde(rename = "_id")]
    id: Option<String>,
    /// When Open States' scraper read the bill (its newer scrapes carry it).
    #[serde(default)]
    scraped_at: Option<String>,
    legislative_session: String,
    identifier: String,
    #[serde(default)]
    title: String,
    from_organization: Option<String>,
    #[serde(default)]
    classification: Vec<String>,
    #[serde(default)]
    subject: Vec<String>,
    #[serde(default)]
    abstracts: Vec<Value>,
    #[serde(default)]
    other_titles: Vec<Value>,
    #[serde(default)]
    other_identifiers: Vec<Value>,
    #[serde(default)]
    actions: Vec<RawAction>,
    #[serde(default)]
    sponsorships: Vec<RawSponsorship>,
    #[serde(default)]
    related_bills: Vec<Value>,
    #[serde(default)]
    versions: Vec<RawDocument>,
    #[serde(default)]
    documents: Vec<RawDocument>,
    #[serde(default)]
    citations: Vec<Value>,
    #[serde(default)]
    sources: Vec<RawLink>,
    jurisdiction: Option<Value>,
}

#[derive(Deserialize)]
struct RawAction {
    #[serde(default)]
    description: String,
    #[serde(default)]
    date: String,
    organization_id: Option<String>,
    organization: Option<String>,
    #[serde(default)]
    classification: Vec<String>,
    #[serde(default)]
    related_entities: Vec<Value>,
}

#[derive(Deserialize)]
struct RawSponsorship {
    #[serde(default)]
    name: String,
    #[serde(default)]
    entity_type: String,
    #[serde(default)]
    primary: bool,
    #[serde(default)]
    classification: String,
    person_id: Option<String>,
    organization_id: Option<String>,
}

#[derive(Deserialize)]
struct RawDocument {
    #[serde(default)]
    note: String,
    #[serde(default)]
    date: Value,
    #[serde(default)]
    classification: Value,
    #[serde(default)]
    links: Vec<RawMediaLink>,
}

#[derive(Deserialize)]
struct RawMediaLink {
    #[serde(default)]
    url: String,
    media_type: Option<String>,
}

fn field(v: &Value, key: &str) -> String {
    v.get(key).map(string).unwrap_or_default()
}

fn documents(list: Vec<RawDocument>) -> Vec<DocumentRecord> {
    list.into_iter()
        .map(|d| DocumentRecord {
            note: d.note,
            date: string(&d.date),
            classification: string(&d.classification),
            links: d
                .links
                .into_iter()
                .filter(|l| !l.url.is_empty())
                .map(|l| Link { url: l.url, media_type: l.media_type.filter(|m| !m.is_empty()) })
                .collect(),
            text: None,
        })
        .collect()
}

pub fn parse_bill(bytes: &[u8], location: &str, ctx: &ScrapeContext) -> Result<BillRecord, Warning> {
    let b: RawBill = de(bytes, location, "bill")?;
    if b.identifier.trim().is_empty() {
        return Err(Warning::new(location, b.id, "bill has an empty identifier"));
    }
    let jurisdiction_id = b
        .jurisdiction
        .as_ref()
        .and_then(|j| j.get("id"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| ctx.jurisdiction_id.clone());
    Ok(BillRecord {
        origin: Origin { location: location.to_string(), payload_sha256: None },
        source_key: b.id,
        jurisdiction_id,
        session: b.legislative_session,
        identifier: b.identifier,
        title: b.title,
        classification: b.classification,
        subjects: b.subject,
        abstracts: b.abstracts.iter().map(|a| field(a, "abstract")).collect(),
        other_titles: b.other_titles.iter().map(|a| field(a, "title")).collect(),
        other_identifiers: b.other_identifiers.iter().map(|a| field(a, "identifier")).collect(),
        from_organization: ctx.chamber(b.from_organization.as_deref()),
        actions: b
            .actions
            .into_iter()
            .map(|a| ActionRecord {
                date: a.date,
                description: a.description,
                organization: ctx.chamber(a.organization_id.as_deref().or(a.organization.as_deref())),
                classification: a.classification,
                related_entities: a
                    .related_entities
                    .iter()
                    .map(|e| field(e, "name"))
                    .filter(|n| !n.is_empty())
                    .collect(),
            })
            .collect(),
        sponsorships: b
            .sponsorships
            .into_iter()
            .map(|s| {
                let reference = s.person_id.as_deref().or(s.organization_id.as_deref());
                let chamber = reference
                    .and_then(pseudo_id)
                    .and_then(|p| p.get("chamber").and_then(Value::as_str).map(str::to_string));
                let person_source_key = s.person_id.filter(|p| !p.starts_with('~'));
                SponsorshipRecord {
                    name: s.name,
                    entity_type: s.entity_type,
                    primary: s.primary,
                    classification: s.classification,
                    chamber,
                    person_source_key,
                }
            })
            .collect(),
        versions: documents(b.versions),
        documents: documents(b.documents),
        related_bills: b
            .related_bills
            .iter()
            .map(|r| RelatedBillRecord {
                identifier: field(r, "identifier"),
                session: field(r, "legislative_session"),
                relation_type: field(r, "relation_type"),
            })
            .collect(),
        citations: b.citations.iter().map(|c| field(c, "citation")).filter(|c| !c.is_empty()).collect(),
        sources: b.sources.into_iter().map(|s| s.url).filter(|u| !u.is_empty()).collect(),
        updated_at: None,
        // One bill file is the bill's full record.
        complete: crate::model::BillScope::FULL,
        as_of: b.scraped_at.filter(|s| !s.is_empty()),
    })
}

#[derive(Deserialize)]
struct RawVoteEvent {
    #[serde(rename = "_id")]
    id: Option<String>,
    #[serde(default)]
    scraped_at: Option<String>,
    #[serde(default)]
    motion_text: String,
    #[serde(default)]
    motion_classification: Vec<String>,
    #[serde(default)]
    start_date: String,
    #[serde(default)]
    result: String,
    organization: Option<String>,
    #[serde(default)]
    legislative_session: String,
    bill: Option<String>,
    bill_identifier: Option<String>,
    #[serde(default)]
    votes: Vec<RawPersonVote>,
    #[serde(default)]
    counts: Vec<RawCount>,
    #[serde(default)]
    sources: Vec<RawLink>,
    dedupe_key: Option<String>,
}

#[derive(Deserialize)]
struct RawPersonVote {
    #[serde(default)]
    option: String,
    #[serde(default)]
    voter_name: String,
    voter_id: Option<String>,
    #[serde(default)]
    note: String,
}

#[derive(Deserialize)]
struct RawCount {
    option: String,
    #[serde(default)]
    value: i64,
}

pub fn parse_vote(bytes: &[u8], location: &str, ctx: &ScrapeContext) -> Result<VoteRecord, Warning> {
    let v: RawVoteEvent = de(bytes, location, "vote_event")?;
    // `bill` is the bill's `_id`, or a pseudo-id naming its identifier and session.
    let mut bill = BillRef { source_key: None, identifier: v.bill_identifier.clone().filter(|s| !s.is_empty()) };
    let mut session = v.legislative_session.clone();
    match v.bill.as_deref() {
        Some(b) if b.starts_with('~') => {
            if let Some(p) = pseudo_id(b) {
                if bill.identifier.is_none() {
                    bill.identifier = p.get("identifier").and_then(Value::as_str).map(str::to_string);
                }
                if session.is_empty()
                    && let Some(s) = p.get("legislative_session__identifier").and_then(Value::as_str)
                {
                    session = s.to_string();
                }
            }
        }
        Some(b) if !b.is_empty() => bill.source_key = Some(b.to_string()),
        _ => {}
    }
    Ok(VoteRecord {
        origin: Origin { location: location.to_string(), payload_sha256: None },
        source_key: v.id,
        jurisdiction_id: ctx.jurisdiction_id.clone(),
        session,
        bill,
        motion_text: v.motion_text,
        motion_classification: v.motion_classification,
        start_date: v.start_date,
        result: v.result,
        organization: ctx.chamber(v.organization.as_deref()),
        counts: v.counts.into_iter().map(|c| (c.option, c.value)).collect(),
        votes: v
            .votes
            .into_iter()
            .map(|p| PersonVoteRecord {
                voter_name: p.voter_name,
                option: p.option,
                note: p.note,
                person_source_key: p.voter_id.filter(|id| !id.starts_with('~')),
            })
            .collect(),
        sources: v.sources.into_iter().map(|s| s.url).filter(|u| !u.is_empty()).collect(),
        dedupe_key: v.dedupe_key.filter(|k| !k.is_empty()),
        records_complete: true,
        as_of: v.scraped_at.filter(|s| !s.is_empty()),
    })
}

#[derive(Deserialize)]
struct RawEvent {
    #[serde(rename = "_id")]
    id: Option<String>,
    #[serde(default)]
    scraped_at: Option<String>,
    name: String,
    #[serde(default)]
    all_day: bool,
    #[serde(default)]
    start_date: String,
    #[serde(default)]
    end_date: Value,
    #[serde(default)]
    status: String,
    #[serde(default)]
    classification: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    upstream_id: String,
    #[serde(default)]
    dedupe_key: Option<String>,
    location: Option<Value>,
    #[serde(default)]
    participants: Vec<Value>,
    #[serde(default)]
    agenda: Vec<RawAgendaItem>,
    #[serde(default)]
    sources: Vec<RawLink>,
    timezone: Option<String>,
}

#[derive(Deserialize)]
struct RawAgendaItem {
    #[serde(default)]
    description: String,
    #[serde(default)]
    classification: Vec<String>,
    #[serde(default)]
    order: Value,
    #[serde(default)]
    related_entities: Vec<Value>,
}

pub fn parse_event(bytes: &[u8], location: &str, ctx: &ScrapeContext) -> Result<EventRecord, Warning> {
    let e: RawEvent = de(bytes, location, "event")?;
    let upstream =
        Some(e.upstream_id.clone()).filter(|s| !s.is_empty()).or(e.dedupe_key.clone().filter(|s| !s.is_empty()));
    let _ = e.id;
    Ok(EventRecord {
        origin: Origin { location: location.to_string(), payload_sha256: None },
        source_key: upstream.clone(),
        jurisdiction_id: ctx.jurisdiction_id.clone(),
        name: e.name,
        description: e.description,
        classification: if e.classification.is_empty() { "event".into() } else { e.classification },
        start: e.start_date,
        end: Some(string(&e.end_date)).filter(|s| !s.is_empty()),
        all_day: e.all_day,
        timezone: e.timezone,
        status: e.status,
        location: e.location.as_ref().map(|l| field(l, "name")).filter(|s| !s.is_empty()),
        upstream_id: upstream,
        participants: e.participants.iter().map(|p| field(p, "name")).filter(|s| !s.is_empty()).collect(),
        agenda: e
            .agenda
            .into_iter()
            .enumerate()
            .map(|(i, a)| AgendaItemRecord {
                order: a.order.as_i64().or_else(|| a.order.as_str().and_then(|s| s.parse().ok())).unwrap_or(i as i64),
                description: a.description,
                bill_identifiers: a
                    .related_entities
                    .iter()
                    .filter(|r| field(r, "entity_type") == "bill")
                    .map(|r| {
                        let name = field(r, "name");
                        if !name.is_empty() {
                            return name;
                        }
                        r.get("bill_id")
                            .and_then(Value::as_str)
                            .and_then(pseudo_id)
                            .and_then(|p| p.get("identifier").and_then(Value::as_str).map(str::to_string))
                            .unwrap_or_default()
                    })
                    .filter(|s| !s.is_empty())
                    .collect(),
                classification: a.classification,
            })
            .collect(),
        sources: e.sources.into_iter().map(|s| s.url).filter(|u| !u.is_empty()).collect(),
        agenda_complete: true,
        as_of: e.scraped_at.filter(|s| !s.is_empty()),
    })
}

/// Parses one file of the given kind into `parsed` (records or a warning).
pub fn parse_into(kind: FileKind, bytes: &[u8], location: &str, ctx: &ScrapeContext, parsed: &mut Parsed) {
    let result = match kind {
        FileKind::Jurisdiction => parse_jurisdiction(bytes, location).map(|j| parsed.jurisdictions.push(j)),
        FileKind::Organization => parse_organizations(bytes, location).map(|o| parsed.organizations.extend(o)),
        FileKind::Person => parse_person(bytes, location).map(|p| parsed.people.push(p)),
        FileKind::Bill => parse_bill(bytes, location, ctx).map(|b| parsed.bills.push(b)),
        FileKind::Vote => parse_vote(bytes, location, ctx).map(|v| parsed.votes.push(v)),
        FileKind::Event => parse_event(bytes, location, ctx).map(|e| parsed.events.push(e)),
    };
    if let Err(w) = result {
        parsed.warnings.push(w);
    }
}
