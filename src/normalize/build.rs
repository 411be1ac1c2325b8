//! Parsed records → warehouse rows: the normalization entry point.

use super::rows::*;
use super::{actions, dates, frames, ids, votes};
use crate::model::{self, Parsed, Warning};
use chrono_tz::Tz;
use std::collections::HashMap;

/// What normalization needs to know besides the records.
#[derive(Debug, Clone)]
pub struct Context {
    /// The jurisdiction's time zone (from the pipeline), for local dates and naive times.
    pub timezone: Tz,
    /// The jurisdiction organizations and people of this batch belong to.
    pub jurisdiction_id: String,
}

/// Everything one batch of records normalizes to.
#[derive(Debug, Default)]
pub struct Normalized {
    pub jurisdictions: Vec<JurisdictionRow>,
    /// Jurisdictions known only by id (`model::JurisdictionRecord::placeholder`): inserted
    /// when absent, never written over.
    pub placeholder_jurisdictions: Vec<JurisdictionRow>,
    pub sessions: Vec<SessionRow>,
    pub organizations: Vec<OrganizationRow>,
    pub people: Vec<PersonRow>,
    /// Seats of people whose source delivered them whole (`role_people`), and offices of
    /// people whose source delivered those whole (`office_people`).
    pub person_roles: Vec<RoleRow>,
    pub person_offices: Vec<OfficeRow>,
    /// People delivered with all their seats: a stored seat they lack is gone. A person not
    /// listed here keeps its stored seats (the Open States API gives only the current one).
    pub role_people: Vec<String>,
    /// People delivered with all their offices: a stored office they lack is gone.
    pub office_people: Vec<String>,
    /// People delivered whole (an Open States people file): a field they lack is empty. Any
    /// other person's missing field is unknown, and the stored value stays.
    pub complete_people: Vec<String>,
    /// Committee members, of committees delivered with their whole roster (`rosters`).
    pub memberships: Vec<MembershipRow>,
    pub rosters: Vec<String>,
    pub bills: Vec<BillBundle>,
    pub votes: Vec<VoteBundle>,
    pub events: Vec<EventBundle>,
    pub warnings: Vec<Warning>,
}

impl Normalized {
    pub fn entity_count(&self) -> usize {
        self.jurisdictions.len()
            + self.sessions.len()
            + self.organizations.len()
            + self.people.len()
            + self.bills.len()
            + self.votes.len()
            + self.events.len()
    }
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("serializable")
}

fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// Normalizes one batch. Never fails: a record that cannot be normalized becomes a warning.
pub fn normalize(parsed: Parsed, ctx: &Context) -> Normalized {
    let mut out = Normalized { warnings: parsed.warnings, ..Default::default() };
    let tz = ctx.timezone;

    for j in &parsed.jurisdictions {
        let mut row = JurisdictionRow {
            id: j.id.clone(),
            name: j.name.clone(),
            classification: j.classification.clone(),
            division_id: j.division_id.clone(),
            url: j.url.clone(),
            timezone: zone_of(&j.id, tz).name().to_string(),
            content_hash: String::new(),
        };
        row.content_hash = content_hash(&row);
        if j.placeholder {
            out.placeholder_jurisdictions.push(row);
        } else {
            out.jurisdictions.push(row);
        }
        for s in &j.sessions {
            let mut date = |raw: &str, what: &str| match dates::parse_when(raw, tz) {
                Ok(w) => w.map(|w| w.date),
                Err(e) => {
                    out.warnings.push(Warning::new(
                        &j.id,
                        Some(format!("session {}", s.identifier)),
                        format!("{what}: {e}"),
                    ));
                    None
                }
            };
            let start_date = date(&s.start_date, "start_date");
            let end_date = date(&s.end_date, "end_date");
            let mut row = SessionRow {
                id: format!("{}/{}", ids::jurisdiction_code(&j.id), s.identifier),
                jurisdiction_id: j.id.clone(),
                identifier: s.identifier.clone(),
                name: s.name.clone(),
                classification: s.classification.clone(),
                start_date,
                end_date,
                active: s.active,
                content_hash: String::new(),
            };
            row.content_hash = content_hash(&row);
            out.sessions.push(row);
        }
    }

    let org_id = |o: &model::OrganizationRecord, jurisdiction_id: &str| {
        if is_ocd_uuid(&o.source_key, "ocd-organization/") {
            o.source_key.clone()
        } else {
            organization_id(jurisdiction_id, &o.classification, &o.name)
        }
    };
    for o in &parsed.organizations {
        let jurisdiction_id = o.jurisdiction_id.clone().unwrap_or_else(|| ctx.jurisdiction_id.clone());
        let id = org_id(o, &jurisdiction_id);
        let parent_id = o.parent_source_key.as_ref().and_then(|p| {
            if is_ocd_uuid(p, "ocd-organization/") {
                return Some(p.clone());
            }
            parsed.organizations.iter().find(|x| &x.source_key == p).map(|x| org_id(x, &jurisdiction_id))
        });
        if let Some(members) = &o.members {
            let mut seen = std::collections::HashSet::new();
            for (i, m) in members.iter().enumerate() {
                let who = m.person_source_key.clone().unwrap_or_else(|| ids::clean_text(&m.name).to_lowercase());
                if !seen.insert(who.clone()) {
                    out.warnings.push(Warning::new(
                        o.links.first().cloned().unwrap_or_else(|| id.clone()),
                        Some(format!("{} member {}", o.name, m.name)),
                        "listed twice on the roster; the first listing is kept",
                    ));
                    continue;
                }
                let mut row = MembershipRow {
                    id: ids::stable_id("membership", &[&id, &who]),
                    organization_id: id.clone(),
                    ordinal: i as i64,
                    person_id: m.person_source_key.clone(),
                    name: ids::clean_text(&m.name),
                    role: ids::clean_text(&m.role).to_lowercase(),
                    content_hash: String::new(),
                };
                row.content_hash = content_hash(&row);
                out.memberships.push(row);
            }
            out.rosters.push(id.clone());
        }
        let mut row = OrganizationRow {
            id,
            jurisdiction_id,
            name: o.name.clone(),
            classification: o.classification.clone(),
            chamber: o.chamber.clone().or_else(|| ids::chamber(&o.classification).map(str::to_string)),
            parent_id,
            other_names: json(&o.other_names),
            source_url: o.links.first().cloned(),
            content_hash: String::new(),
        };
        row.content_hash = content_hash(&row);
        out.organizations.push(row);
    }

    for p in &parsed.people {
        let jurisdiction_id = p.jurisdiction_id.clone().unwrap_or_else(|| ctx.jurisdiction_id.clone());
        let ids_map: serde_json::Map<String, serde_json::Value> =
            p.ids.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect();
        let mut row = PersonRow {
            id: person_id(&jurisdiction_id, &p.source_key, &p.name),
            jurisdiction_id,
            name: ids::clean_text(&p.name),
            chamber: p.chamber.clone(),
            party: p.party.clone(),
            district: p.district.clone(),
            email: p.email.clone(),
            image: p.image.clone(),
            source_url: p.source_url.clone(),
            given_name: p.given_name.as_deref().map(ids::clean_text),
            family_name: p.family_name.as_deref().map(ids::clean_text),
            other_names: json(&p.other_names.iter().map(|n| ids::clean_text(n)).collect::<Vec<_>>()),
            links: json(&p.links),
            ids: json(&ids_map),
            former: p.former,
            content_hash: String::new(),
        };
        row.content_hash = content_hash(&row);
        if p.complete {
            out.complete_people.push(row.id.clone());
        }
        if let Some(roles) = &p.roles {
            for (i, r) in roles.iter().enumerate() {
                let mut date = |raw: &str, what: &str| match dates::parse_when(raw, tz) {
                    Ok(w) => w.map(|w| w.date),
                    Err(e) => {
                        out.warnings.push(Warning::new(
                            p.source_url.clone().unwrap_or_else(|| row.id.clone()),
                            Some(format!("{} role {}", p.name, i + 1)),
                            format!("{what}: {e}"),
                        ));
                        None
                    }
                };
                let start_date = date(&r.start_date, "start_date");
                let end_date = date(&r.end_date, "end_date");
                let jurisdiction_id = r.jurisdiction_id.clone().unwrap_or_else(|| row.jurisdiction_id.clone());
                let mut role = RoleRow {
                    id: ids::stable_id(
                        "role",
                        &[&row.id, &r.role_type, &jurisdiction_id, r.district.as_deref().unwrap_or(""), &r.start_date],
                    ),
                    person_id: row.id.clone(),
                    ordinal: i as i64,
                    role_type: r.role_type.clone(),
                    chamber: ids::chamber(&r.role_type).filter(|c| *c != "executive").map(str::to_string),
                    jurisdiction_id,
                    district: r.district.clone(),
                    start_date,
                    end_date,
                    end_reason: r.end_reason.clone(),
                    content_hash: String::new(),
                };
                role.content_hash = content_hash(&role);
                out.person_roles.push(role);
            }
            out.role_people.push(row.id.clone());
        }
        if let Some(offices) = &p.offices {
            let mut per_class: HashMap<&str, usize> = HashMap::new();
            for (i, o) in offices.iter().enumerate() {
                let n = per_class.entry(o.classification.as_str()).or_default();
                *n += 1;
                let mut office = OfficeRow {
                    id: ids::stable_id("office", &[&row.id, &o.classification, &n.to_string()]),
                    person_id: row.id.clone(),
                    ordinal: i as i64,
                    classification: o.classification.clone(),
                    name: o.name.clone(),
                    address: o.address.clone(),
                    voice: o.voice.clone(),
                    fax: o.fax.clone(),
                    email: o.email.clone(),
                    content_hash: String::new(),
                };
                office.content_hash = content_hash(&office);
                out.person_offices.push(office);
            }
            out.office_people.push(row.id.clone());
        }
        out.people.push(row);
    }

    dedupe_people(&mut out.people, &mut out.warnings);
    normalize_bills(&parsed.bills, tz, &mut out);
    normalize_votes(&parsed.votes, tz, &mut out);
    normalize_events(&parsed.events, tz, &mut out);
    out
}

/// One person per id. People known only by name share an id when their names match: the same
/// person delivered twice is one row (the later record, with what only the earlier one had),
/// and two different people of one name (Kansas' Senator and Representative Mike Thompson)
/// are told apart by chamber and district, each with a warning.
fn dedupe_people(people: &mut Vec<PersonRow>, warnings: &mut Vec<Warning>) {
    let mut by_id: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, p) in people.iter().enumerate() {
        by_id.entry(p.id.clone()).or_default().push(i);
    }
    if by_id.values().all(|v| v.len() == 1) {
        return;
    }
    let mut drop = std::collections::HashSet::new();
    for list in by_id.values().filter(|v| v.len() > 1) {
        let seat = |p: &PersonRow| (p.chamber.clone(), p.district.clone());
        let seats: std::collections::HashSet<_> = list.iter().map(|&i| seat(&people[i])).collect();
        if seats.len() == 1 {
            // The same person twice: the last record wins, filled from the others.
            let (&last, earlier) = list.split_last().expect("more than one");
            for &e in earlier {
                let other = people[e].clone();
                let p = &mut people[last];
                for (mine, theirs) in [
                    (&mut p.party, &other.party),
                    (&mut p.email, &other.email),
                    (&mut p.image, &other.image),
                    (&mut p.source_url, &other.source_url),
                ] {
                    if mine.is_none() {
                        *mine = theirs.clone();
                    }
                }
                drop.insert(e);
            }
            let p = &mut people[last];
            p.content_hash = content_hash(&*p);
        } else {
            for &i in list {
                let p = &mut people[i];
                let (chamber, district) = seat(p);
                p.id = ids::stable_id(
                    "person",
                    &[
                        &p.jurisdiction_id,
                        &p.name.to_lowercase(),
                        chamber.as_deref().unwrap_or(""),
                        district.as_deref().unwrap_or(""),
                    ],
                );
                p.content_hash = content_hash(&*p);
                warnings.push(Warning::new(
                    &p.jurisdiction_id,
                    Some(p.name.clone()),
                    format!(
                        "two people of this name ({} seats): told apart by chamber and district; votes and sponsorships that name only the name are not linked to either",
                        seats.len()
                    ),
                ));
            }
        }
    }
    let mut i = 0;
    people.retain(|_| {
        let keep = !drop.contains(&i);
        i += 1;
        keep
    });
}

/// A jurisdiction's time zone: its capitol's for the states Open States covers, else the
/// pipeline's.
pub fn zone_of(jurisdiction_id: &str, pipeline_zone: Tz) -> Tz {
    let code = ids::jurisdiction_code(jurisdiction_id);
    crate::jurisdictions::STATES
        .iter()
        .find(|(c, _, _)| *c == code)
        .and_then(|(_, _, z)| z.parse().ok())
        .unwrap_or(pipeline_zone)
}

/// An organization's stable id: jurisdiction, classification and name.
pub fn organization_id(jurisdiction_id: &str, classification: &str, name: &str) -> String {
    format!(
        "ocd-organization/{}/{}/{}",
        ids::jurisdiction_code(jurisdiction_id),
        classification,
        ids::clean_text(name).to_lowercase().replace(' ', "-")
    )
}

/// Whether `key` is an Open States id: `prefix` and a UUID (`ocd-person/0a1b…`). Ids this
/// program derives (`ocd-organization/de/committee/housing`) are not.
pub fn is_ocd_uuid(key: &str, prefix: &str) -> bool {
    key.strip_prefix(prefix).is_some_and(|rest| {
        rest.len() == 36
            && rest
                .char_indices()
                .all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { c == '-' } else { c.is_ascii_hexdigit() })
    })
}

/// A person's stable id: the source's `ocd-person/…` id if it has one, else jurisdiction and name.
pub fn person_id(jurisdiction_id: &str, source_key: &str, name: &str) -> String {
    if source_key.starts_with("ocd-person/") {
        source_key.to_string()
    } else {
        ids::stable_id("person", &[jurisdiction_id, &ids::clean_text(name).to_lowercase()])
    }
}

fn normalize_bills(records: &[model::BillRecord], tz: Tz, out: &mut Normalized) {
    let keys = match frames::bill_keys(records) {
        Ok(k) => k,
        Err(e) => {
            out.warnings.push(Warning::new("normalize", None, format!("bill frame: {e}")));
            return;
        }
    };
    let rows = frames::u32s(&keys, "row").unwrap_or_default();
    let identifiers = frames::strs(&keys, "identifier").unwrap_or_default();
    let bill_ids = frames::strs(&keys, "bill_id").unwrap_or_default();
    if rows.len() < records.len() {
        let kept: std::collections::HashSet<u32> = rows.iter().copied().collect();
        for (i, r) in records.iter().enumerate() {
            if !kept.contains(&(i as u32)) {
                out.warnings.push(Warning::new(
                    &r.origin.location,
                    Some(r.identifier.clone()),
                    "duplicate of a later record of the same bill in this batch; the later one is kept",
                ));
            }
        }
    }
    for ((row, identifier), bill_id) in rows.iter().zip(identifiers).zip(bill_ids) {
        let r = &records[*row as usize];
        let (Some(identifier), Some(bill_id)) = (identifier, bill_id) else { continue };
        out.bills.push(bill_bundle(r, identifier, bill_id, tz, &mut out.warnings));
    }
}

fn bill_bundle(
    r: &model::BillRecord,
    identifier: String,
    bill_id: String,
    tz: Tz,
    warnings: &mut Vec<Warning>,
) -> BillBundle {
    let loc = r.origin.location.as_str();
    let mut date_of = |raw: &str, what: &str| match dates::parse_when(raw, tz) {
        Ok(w) => w,
        Err(e) => {
            warnings.push(Warning::new(loc, Some(identifier.clone()), format!("{what}: {e}")));
            None
        }
    };

    let mut actions = Vec::with_capacity(r.actions.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, a) in r.actions.iter().enumerate() {
        let when = date_of(&a.date, "action date");
        let description = ids::clean_text(&a.description);
        let key = format!("{}\u{0}{}\u{0}{}", a.date, description, a.organization.as_deref().unwrap_or(""));
        let n = seen.entry(key.clone()).or_insert(0);
        *n += 1;
        let (classification, classification_source) = actions::classify_action(&a.classification, &description);
        let mut row = ActionRow {
            id: ids::stable_id("action", &[&bill_id, &key, &n.to_string()]),
            bill_id: bill_id.clone(),
            ordinal: i as i64,
            date: when.map(|w| w.date),
            occurred_at: when.and_then(|w| w.instant),
            description,
            organization: a.organization.clone(),
            classification: json(&classification),
            classification_source: classification_source.to_string(),
            related_entities: json(&a.related_entities),
            content_hash: String::new(),
        };
        row.content_hash = content_hash(&row);
        actions.push(row);
    }

    let mut sponsorships = Vec::with_capacity(r.sponsorships.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, s) in r.sponsorships.iter().enumerate() {
        let name = ids::clean_text(&s.name);
        let n = seen.entry(format!("{}\u{0}{}", s.entity_type, name)).or_insert(0);
        *n += 1;
        let mut row = SponsorshipRow {
            id: ids::stable_id("sponsorship", &[&bill_id, &s.entity_type, &name, &n.to_string()]),
            bill_id: bill_id.clone(),
            ordinal: i as i64,
            name,
            entity_type: s.entity_type.clone(),
            is_primary: s.primary,
            classification: s.classification.clone(),
            chamber: s.chamber.clone(),
            // A source's own person id (`ocd-person/…`) is ours too; other people are linked by name.
            person_id: s.person_source_key.clone().filter(|k| k.starts_with("ocd-person/")),
            content_hash: String::new(),
        };
        row.content_hash = content_hash(&row);
        sponsorships.push(row);
    }

    let mut texts = Vec::new();
    let mut docs = |list: &[model::DocumentRecord], prefix: &str, what: &str| {
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut rows = Vec::with_capacity(list.len());
        for (i, d) in list.iter().enumerate() {
            let note = ids::clean_text(&d.note);
            let n = seen.entry(note.clone()).or_insert(0);
            *n += 1;
            let when = date_of(&d.date, what);
            let id = ids::stable_id(prefix, &[&bill_id, &note, &n.to_string()]);
            let text_sha256 = d.text.as_ref().filter(|t| !t.trim().is_empty()).map(|t| {
                let sha256 = crate::hash::sha256_hex(t.as_bytes());
                texts.push(TextRow {
                    id: id.clone(),
                    bill_id: bill_id.clone(),
                    sha256: sha256.clone(),
                    characters: t.chars().count() as i64,
                    text: t.clone(),
                    search_text: crate::text::marks::searchable(t),
                });
                sha256
            });
            let mut row = DocumentRow {
                id,
                bill_id: bill_id.clone(),
                ordinal: i as i64,
                note,
                date: when.map(|w| w.date),
                classification: d.classification.clone(),
                url: d.links.first().map(|l| l.url.clone()),
                media_type: d.links.first().and_then(|l| l.media_type.clone()),
                links: json(&d.links),
                extractor: text_sha256.as_ref().map(|_| crate::text::EXTRACTOR.to_string()),
                text_sha256,
                content_hash: String::new(),
            };
            row.content_hash = content_hash(&row);
            rows.push(row);
        }
        rows
    };
    let versions = docs(&r.versions, "version", "version date");
    let documents = docs(&r.documents, "document", "document date");

    let bill = BillRow {
        id: bill_id,
        jurisdiction_id: r.jurisdiction_id.clone(),
        session: r.session.clone(),
        identifier,
        title: ids::clean_text(&r.title),
        classification: json(&r.classification),
        subjects: json(&r.subjects),
        abstract_text: r.abstracts.first().and_then(|a| non_empty(a)),
        other_titles: json(&r.other_titles),
        other_identifiers: json(&r.other_identifiers),
        from_organization: r.from_organization.clone(),
        first_action_date: None,
        latest_action_date: None,
        latest_action_description: None,
        source_url: r.sources.first().cloned(),
        related_bills: json(&r.related_bills),
        citations: json(&r.citations),
        content_hash: String::new(),
        bundle_hash: String::new(),
    };
    let mut bundle = BillBundle {
        bill,
        actions,
        sponsorships,
        versions,
        documents,
        texts,
        source_key: r.source_key.clone(),
        origin: r.origin.location.clone(),
        complete: r.complete,
        as_of: r.as_of.clone(),
    };
    bundle.derive();
    bundle
}

impl BillBundle {
    /// Recomputes what the bill row derives from its actions (first and latest action), its
    /// content hash and the bundle hash. Call after the children change.
    pub fn derive(&mut self) {
        let dated: Vec<&ActionRow> = self.actions.iter().filter(|a| a.date.is_some()).collect();
        // The latest action: the last one on the latest date, in the source's order.
        let latest = dated.iter().max_by_key(|a| (a.date, a.ordinal));
        self.bill.first_action_date = dated.iter().filter_map(|a| a.date).min();
        self.bill.latest_action_date = latest.and_then(|a| a.date);
        self.bill.latest_action_description = latest.map(|a| a.description.clone());
        self.bill.content_hash = content_hash(&self.bill);
        self.rehash();
    }

    /// Recomputes the bundle hash over the bill and its children (their hashes and order).
    pub fn rehash(&mut self) {
        let ordinals: Vec<String> = self
            .actions
            .iter()
            .map(|a| a.ordinal.to_string())
            .chain(self.sponsorships.iter().map(|a| a.ordinal.to_string()))
            .collect();
        self.bill.bundle_hash = hash_of_hashes(
            std::iter::once(self.bill.content_hash.as_str())
                .chain(self.actions.iter().map(|a| a.content_hash.as_str()))
                .chain(self.sponsorships.iter().map(|a| a.content_hash.as_str()))
                .chain(self.versions.iter().map(|a| a.content_hash.as_str()))
                .chain(self.documents.iter().map(|a| a.content_hash.as_str()))
                .chain(ordinals.iter().map(String::as_str)),
        );
    }
}

impl VoteBundle {
    /// Gives the vote the id of the same roll call stored from another source; its records'
    /// ids follow (derived from their own, so they stay stable from run to run).
    pub fn reid(&mut self, id: &str) {
        self.vote.id = id.to_string();
        for r in &mut self.records {
            r.id = ids::stable_id("voterec", &[id, &r.id]);
            r.vote_id = id.to_string();
            r.content_hash = content_hash(r);
        }
        self.rehash();
    }

    /// Recomputes the vote's content hash and bundle hash (after its bill was resolved).
    pub fn rehash(&mut self) {
        self.vote.content_hash = content_hash(&self.vote);
        self.vote.bundle_hash = hash_of_hashes(
            std::iter::once(self.vote.content_hash.as_str())
                .chain(self.records.iter().map(|r| r.content_hash.as_str())),
        );
    }
}

impl EventBundle {
    /// Gives the hearing the id of the same meeting stored from another source (see
    /// [`VoteBundle::reid`]).
    pub fn reid(&mut self, id: &str) {
        self.event.id = id.to_string();
        for a in &mut self.agenda {
            a.id = ids::stable_id("agenda", &[id, &a.id]);
            a.event_id = id.to_string();
        }
        self.rehash();
    }

    /// Recomputes the event's hashes (after agenda bills were resolved).
    pub fn rehash(&mut self) {
        for a in &mut self.agenda {
            a.content_hash = content_hash(a);
        }
        self.event.content_hash = content_hash(&self.event);
        self.event.bundle_hash = hash_of_hashes(
            std::iter::once(self.event.content_hash.as_str())
                .chain(self.agenda.iter().map(|r| r.content_hash.as_str())),
        );
    }
}

fn normalize_votes(records: &[model::VoteRecord], tz: Tz, out: &mut Normalized) {
    let keys = match frames::vote_keys(records) {
        Ok(k) => k,
        Err(e) => {
            out.warnings.push(Warning::new("normalize", None, format!("vote frame: {e}")));
            return;
        }
    };
    let rows = frames::u32s(&keys, "row").unwrap_or_default();
    let vote_ids = frames::strs(&keys, "vote_id").unwrap_or_default();
    let bill_identifiers = frames::strs(&keys, "bill_identifier").unwrap_or_default();
    let person_votes = match frames::person_votes(records, &rows) {
        Ok(df) => df,
        Err(e) => {
            out.warnings.push(Warning::new("normalize", None, format!("person-vote frame: {e}")));
            return;
        }
    };
    // Group the per-person frame back by vote.
    let pv_row = frames::u32s(&person_votes, "vote_row").unwrap_or_default();
    let pv_name = frames::strs(&person_votes, "voter_name").unwrap_or_default();
    let pv_raw = frames::strs(&person_votes, "raw_option").unwrap_or_default();
    let pv_opt = frames::strs(&person_votes, "option").unwrap_or_default();
    let mut by_vote: HashMap<u32, Vec<usize>> = HashMap::new();
    for (i, r) in pv_row.iter().enumerate() {
        by_vote.entry(*r).or_default().push(i);
    }

    for ((row, vote_id), bill_identifier) in rows.iter().zip(vote_ids).zip(bill_identifiers) {
        let r = &records[*row as usize];
        let Some(vote_id) = vote_id else { continue };
        let when = match dates::parse_when(&r.start_date, tz) {
            Ok(w) => w,
            Err(e) => {
                out.warnings.push(Warning::new(&r.origin.location, Some(vote_id.clone()), format!("vote date: {e}")));
                None
            }
        };
        let mut records_out = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut tally = [0i64; 7];
        for (ordinal, &i) in by_vote.get(row).map(Vec::as_slice).unwrap_or(&[]).iter().enumerate() {
            let name = pv_name[i].clone().unwrap_or_default();
            let option = pv_opt[i].clone().unwrap_or_else(|| "other".into());
            let n = seen.entry(name.clone()).or_insert(0);
            *n += 1;
            if let Some(k) = votes::OPTIONS.iter().position(|o| *o == option) {
                tally[k] += 1;
            }
            let note = r.votes.get(ordinal).map(|v| v.note.clone()).unwrap_or_default();
            let person_id =
                r.votes.get(ordinal).and_then(|v| v.person_source_key.clone()).filter(|k| k.starts_with("ocd-person/"));
            let mut rec = VoteRecordRow {
                id: ids::stable_id("voterec", &[&vote_id, &name, &n.to_string()]),
                vote_id: vote_id.clone(),
                ordinal: ordinal as i64,
                voter_name: name,
                person_id,
                option,
                raw_option: pv_raw[i].clone().unwrap_or_default(),
                note,
                content_hash: String::new(),
            };
            rec.content_hash = content_hash(&rec);
            records_out.push(rec);
        }
        // Counts: the source's where it gave them, else tallied from the per-person votes.
        let mut counts = [None::<i64>; 7];
        for (opt, value) in &r.counts {
            let k = votes::OPTIONS.iter().position(|o| *o == votes::option(opt)).unwrap_or(6);
            counts[k] = Some(counts[k].unwrap_or(0) + value);
        }
        let count = |k: usize| counts[k].unwrap_or(tally[k]);
        let bill_id = bill_identifier.as_ref().map(|i| ids::bill_id(&r.jurisdiction_id, &r.session, i));
        let mut bundle = VoteBundle {
            vote: VoteRow {
                id: vote_id,
                bill_id,
                jurisdiction_id: r.jurisdiction_id.clone(),
                session: r.session.clone(),
                bill_identifier,
                motion: ids::clean_text(&r.motion_text),
                motion_classification: json(&r.motion_classification),
                date: when.map(|w| w.date),
                start_time: when.and_then(|w| w.instant),
                result: votes::result(&r.result),
                organization: r.organization.clone(),
                yes_count: count(0),
                no_count: count(1),
                abstain_count: count(2),
                absent_count: count(3),
                excused_count: count(4),
                not_voting_count: count(5),
                other_count: count(6),
                source_url: r.sources.first().cloned(),
                dedupe_key: r.dedupe_key.clone(),
                content_hash: String::new(),
                bundle_hash: String::new(),
            },
            records: records_out,
            bill_source_key: r.bill.source_key.clone(),
            origin: r.origin.location.clone(),
            records_complete: r.records_complete,
            as_of: r.as_of.clone(),
        };
        bundle.rehash();
        out.votes.push(bundle);
    }
}

fn normalize_events(records: &[model::EventRecord], default_tz: Tz, out: &mut Normalized) {
    let keys = match frames::event_keys(records) {
        Ok(k) => k,
        Err(e) => {
            out.warnings.push(Warning::new("normalize", None, format!("event frame: {e}")));
            return;
        }
    };
    let rows = frames::u32s(&keys, "row").unwrap_or_default();
    let event_ids = frames::strs(&keys, "event_id").unwrap_or_default();
    for (row, event_id) in rows.iter().zip(event_ids) {
        let r = &records[*row as usize];
        let Some(event_id) = event_id else { continue };
        let tz: Tz = r.timezone.as_deref().and_then(|z| z.parse().ok()).unwrap_or(default_tz);
        let start = match dates::parse_when(&r.start, tz) {
            Ok(Some(w)) => w,
            Ok(None) => {
                out.warnings.push(Warning::new(
                    &r.origin.location,
                    Some(r.name.clone()),
                    "event has no start date; skipped",
                ));
                continue;
            }
            Err(e) => {
                out.warnings.push(Warning::new(
                    &r.origin.location,
                    Some(r.name.clone()),
                    format!("event start: {e}; skipped"),
                ));
                continue;
            }
        };
        let end = r.end.as_deref().and_then(|e| dates::parse_when(e, tz).ok().flatten());
        let mut agenda = Vec::new();
        let mut ordinal = 0i64;
        let mut seen: HashMap<String, usize> = HashMap::new();
        for item in &r.agenda {
            let bills: Vec<Option<String>> = if item.bill_identifiers.is_empty() {
                vec![None]
            } else {
                item.bill_identifiers.iter().map(|b| Some(ids::canonical_bill_identifier(b))).collect()
            };
            for b in bills {
                let description = ids::clean_text(&item.description);
                let key = b.clone().unwrap_or_else(|| description.clone());
                let n = seen.entry(key.clone()).or_insert(0);
                *n += 1;
                if b.is_some() && *n > 1 {
                    // The same bill twice on one agenda is one agenda entry.
                    continue;
                }
                agenda.push(AgendaRow {
                    id: ids::stable_id("agenda", &[&event_id, &key, &n.to_string()]),
                    event_id: event_id.clone(),
                    ordinal,
                    description,
                    bill_identifier: b,
                    bill_id: None,
                    classification: json(&item.classification),
                    content_hash: String::new(),
                });
                ordinal += 1;
            }
        }
        let status = match r.status.trim().to_lowercase().as_str() {
            "" => "confirmed".to_string(),
            "canceled" => "cancelled".to_string(),
            s => s.to_string(),
        };
        let mut bundle = EventBundle {
            event: EventRow {
                id: event_id,
                jurisdiction_id: r.jurisdiction_id.clone(),
                name: ids::clean_text(&r.name),
                description: r.description.trim().to_string(),
                classification: r.classification.clone(),
                start_time: if r.all_day { None } else { start.instant },
                start_date: Some(start.date),
                start_local: local_start(if r.all_day { None } else { start.instant }, Some(start.date), tz.name()),
                end_time: end.and_then(|e| e.instant),
                all_day: r.all_day || start.instant.is_none(),
                timezone: tz.name().to_string(),
                location: r.location.as_deref().and_then(non_empty),
                status,
                upstream_id: r.upstream_id.clone(),
                participants: json(&r.participants),
                source_url: r.sources.first().cloned(),
                content_hash: String::new(),
                bundle_hash: String::new(),
            },
            agenda,
            origin: r.origin.location.clone(),
            agenda_complete: r.agenda_complete,
            as_of: r.as_of.clone(),
        };
        bundle.rehash();
        out.events.push(bundle);
    }
}
