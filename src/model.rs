//! Parsed records: what every source parser produces, before normalization.
//!
//! These types speak the Open Civic Data vocabulary but keep values as the source gave
//! them (raw identifiers, raw date strings, raw vote options). Normalization
//! (`crate::normalize`) canonicalizes them; the warehouse never sees these types.
//! Parsers build them from bytes and do no I/O.

use serde::Serialize;

/// Where a record came from: the file or URL, for warnings and provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Origin {
    /// File path or URL of the payload.
    pub location: String,
    /// sha256 (hex) of the raw payload, when archived.
    pub payload_sha256: Option<String>,
}

/// A problem with one record or payload. It never stops a run; it is counted,
/// printed and stored in the `warnings` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// File path or URL.
    pub location: String,
    /// The record inside it (an id, an identifier, a line number), when known.
    pub record: Option<String>,
    pub message: String,
}

impl Warning {
    pub fn new(location: impl Into<String>, record: Option<String>, message: impl Into<String>) -> Self {
        Warning { location: location.into(), record, message: message.into() }
    }
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.record {
            Some(r) => write!(f, "{} [{}]: {}", self.location, r, self.message),
            None => write!(f, "{}: {}", self.location, self.message),
        }
    }
}

/// Everything one source produced in one run (or one payload).
#[derive(Debug, Default, Clone)]
pub struct Parsed {
    pub jurisdictions: Vec<JurisdictionRecord>,
    pub organizations: Vec<OrganizationRecord>,
    pub people: Vec<PersonRecord>,
    pub bills: Vec<BillRecord>,
    pub votes: Vec<VoteRecord>,
    pub events: Vec<EventRecord>,
    pub warnings: Vec<Warning>,
    /// Some part of the payload was damaged or missing (a table cut short, a malformed row,
    /// a file that could not be read): the warnings say which. The source's run is then
    /// `partial`, and what the damage could have carried is left as the warehouse has it.
    pub partial: bool,
}

impl Parsed {
    pub fn extend(&mut self, other: Parsed) {
        self.partial |= other.partial;
        self.jurisdictions.extend(other.jurisdictions);
        self.organizations.extend(other.organizations);
        self.people.extend(other.people);
        self.bills.extend(other.bills);
        self.votes.extend(other.votes);
        self.events.extend(other.events);
        self.warnings.extend(other.warnings);
    }

    pub fn record_count(&self) -> usize {
        self.jurisdictions.len()
            + self.organizations.len()
            + self.people.len()
            + self.bills.len()
            + self.votes.len()
            + self.events.len()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JurisdictionRecord {
    /// OCD jurisdiction id, e.g. `ocd-jurisdiction/country:us/state:de/government`.
    pub id: String,
    pub name: String,
    pub classification: String,
    pub division_id: Option<String>,
    pub url: Option<String>,
    pub sessions: Vec<SessionRecord>,
    /// Known only by its id (a source's configuration names it; no file describes it): the
    /// row is written when the warehouse has none, and never over a stored one.
    pub placeholder: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionRecord {
    pub identifier: String,
    pub name: String,
    pub classification: Option<String>,
    /// Raw date strings (`YYYY-MM-DD`), empty when unknown.
    pub start_date: String,
    pub end_date: String,
    pub active: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct OrganizationRecord {
    /// The source's id for it (OCD `_id`, a UUID in scrape output; Open States'
    /// `ocd-organization/<uuid>`, which is then its identity).
    pub source_key: String,
    pub name: String,
    /// `legislature`, `upper`, `lower`, `committee`, ...
    pub classification: String,
    pub parent_source_key: Option<String>,
    /// Chamber (`upper`, `lower`, `legislature`) of a committee, when known.
    pub chamber: Option<String>,
    /// Its jurisdiction, when the record names it (else the source's).
    pub jurisdiction_id: Option<String>,
    /// Other names it goes by ("House Housing Committee").
    pub other_names: Vec<String>,
    pub links: Vec<String>,
    /// Its members, when the source delivers the roster (then the whole roster: a stored
    /// member it lacks has left); `None` when the source says nothing of members.
    pub members: Option<Vec<MembershipRecord>>,
}

/// One member of a committee.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MembershipRecord {
    pub name: String,
    /// `chair`, `vice chair`, `member`, `ranking member`, ... as the source wrote it.
    pub role: String,
    /// The person's id at the source (`ocd-person/…`), when given.
    pub person_source_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct PersonRecord {
    pub source_key: String,
    pub name: String,
    /// `upper` or `lower`, when known.
    pub chamber: Option<String>,
    pub party: Option<String>,
    pub district: Option<String>,
    pub email: Option<String>,
    pub image: Option<String>,
    pub source_url: Option<String>,
    /// Its jurisdiction, when the record names it (else the source's).
    pub jurisdiction_id: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    /// Other names the person goes by, as legislatures print them ("Berry, A.").
    pub other_names: Vec<String>,
    pub links: Vec<String>,
    /// Identifiers elsewhere (`twitter`, `facebook`, other schemes), name → value.
    pub ids: Vec<(String, String)>,
    /// The seats held over time, when the source delivers them (then all of them).
    pub roles: Option<Vec<RoleRecord>>,
    /// Offices with their contact details, when the source delivers them (then all of them).
    pub offices: Option<Vec<OfficeRecord>>,
    /// Holds no current seat (Open States' `retired/`), when the source says.
    pub former: Option<bool>,
    /// The record is the person's whole record (an Open States people file): a field it
    /// lacks is empty. Otherwise a field it lacks is unknown and the stored value stays.
    pub complete: bool,
}

/// A seat a person held: chamber (or office) and district, by dates.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct RoleRecord {
    /// `upper`, `lower`, `legislature`, `mayor`, `governor`, ...
    pub role_type: String,
    pub jurisdiction_id: Option<String>,
    pub district: Option<String>,
    /// Raw `YYYY-MM-DD`, empty when unknown.
    pub start_date: String,
    pub end_date: String,
    pub end_reason: Option<String>,
}

/// An office with its contact details.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct OfficeRecord {
    /// `capitol`, `district`, `primary`, ...
    pub classification: String,
    pub name: Option<String>,
    pub address: Option<String>,
    pub voice: Option<String>,
    pub fax: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Link {
    pub url: String,
    pub media_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct BillRecord {
    pub origin: Origin,
    /// The source's own id for the bill (OCD `_id`, Open States `ocd-bill/…`, LegiScan `bill_id`).
    pub source_key: Option<String>,
    /// OCD jurisdiction id.
    pub jurisdiction_id: String,
    pub session: String,
    /// As the source wrote it ("HB1", "SB 02273"); normalization canonicalizes it.
    pub identifier: String,
    pub title: String,
    pub classification: Vec<String>,
    pub subjects: Vec<String>,
    pub abstracts: Vec<String>,
    pub other_titles: Vec<String>,
    pub other_identifiers: Vec<String>,
    /// Originating chamber: `upper`, `lower` or `legislature` (pseudo-ids resolved).
    pub from_organization: Option<String>,
    pub actions: Vec<ActionRecord>,
    pub sponsorships: Vec<SponsorshipRecord>,
    pub versions: Vec<DocumentRecord>,
    pub documents: Vec<DocumentRecord>,
    pub related_bills: Vec<RelatedBillRecord>,
    pub citations: Vec<String>,
    pub sources: Vec<String>,
    /// When the source says the bill was last updated (API sources), raw.
    pub updated_at: Option<String>,
    /// What this delivery of the bill is authoritative for (see [`BillScope`]).
    pub complete: BillScope,
    /// The feed's own time or sequence for this snapshot of the bill (comparable as text:
    /// an ISO timestamp), for "time only moves forward"; `None` when the feed has none.
    pub as_of: Option<String>,
}

/// What one delivery of a bill is authoritative for. A part marked complete was delivered
/// whole (its table or file present and parsed without error): the load may remove stored
/// children it lacks and blank fields it leaves empty. A part not marked says nothing about
/// what it lacks: its children are only added or updated, and an empty field is unknown, not
/// empty. The default is partial in every part, so a parser has to claim completeness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct BillScope {
    /// The bill's own fields (title, subjects, abstracts, …).
    pub fields: bool,
    pub actions: bool,
    pub sponsorships: bool,
    pub versions: bool,
    pub documents: bool,
}

impl BillScope {
    /// A bill's full record (an OCD bill file, an API bill with its children).
    pub const FULL: BillScope =
        BillScope { fields: true, actions: true, sponsorships: true, versions: true, documents: true };
    /// Says nothing about anything it lacks.
    pub const PARTIAL: BillScope =
        BillScope { fields: false, actions: false, sponsorships: false, versions: false, documents: false };

    /// Every part complete.
    pub fn is_full(&self) -> bool {
        *self == BillScope::FULL
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionRecord {
    /// Raw: `YYYY-MM-DD` or an ISO datetime.
    pub date: String,
    pub description: String,
    /// Chamber that acted: `upper`, `lower`, `legislature`, `executive`, or None.
    pub organization: Option<String>,
    /// The source's OCD classes; empty when the source gave none.
    pub classification: Vec<String>,
    /// Committees and people named by the action.
    pub related_entities: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SponsorshipRecord {
    pub name: String,
    /// `person` or `organization`.
    pub entity_type: String,
    pub primary: bool,
    pub classification: String,
    /// Chamber of the sponsor, from a pseudo-id, when known.
    pub chamber: Option<String>,
    /// The source's id for the person, when it gave a real one.
    pub person_source_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentRecord {
    pub note: String,
    /// Raw date, often empty.
    pub date: String,
    pub classification: String,
    pub links: Vec<Link>,
    /// The document's text, when the source delivers it inline (California's CAML versions,
    /// analyses and veto messages); `None` when only links are given.
    pub text: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RelatedBillRecord {
    pub identifier: String,
    pub session: String,
    pub relation_type: String,
}

/// How a vote names its bill: by the source's bill id, by identifier, or both.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct BillRef {
    pub source_key: Option<String>,
    pub identifier: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct VoteRecord {
    pub origin: Origin,
    pub source_key: Option<String>,
    pub jurisdiction_id: String,
    pub session: String,
    pub bill: BillRef,
    pub motion_text: String,
    pub motion_classification: Vec<String>,
    /// Raw date or datetime.
    pub start_date: String,
    /// `pass` or `fail` (raw).
    pub result: String,
    /// Chamber: `upper`, `lower`, `legislature`, or a committee name.
    pub organization: Option<String>,
    /// Raw option → count, as the source reported them.
    pub counts: Vec<(String, i64)>,
    pub votes: Vec<PersonVoteRecord>,
    pub sources: Vec<String>,
    /// The source's own dedupe key, when it has one: the vote's identity.
    pub dedupe_key: Option<String>,
    /// Whether `votes` is the roll call's whole list of legislators' votes (then a stored
    /// record it lacks is removed); otherwise records are only added or updated.
    pub records_complete: bool,
    /// The feed's own time or sequence for this snapshot (see [`BillRecord::as_of`]).
    pub as_of: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonVoteRecord {
    pub voter_name: String,
    /// Raw option ("yes", "Aye", "NV", ...).
    pub option: String,
    pub note: String,
    pub person_source_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventRecord {
    pub origin: Origin,
    pub source_key: Option<String>,
    pub jurisdiction_id: String,
    pub name: String,
    pub description: String,
    pub classification: String,
    /// Raw start: a date, a datetime with offset, or a naive datetime in `timezone`.
    pub start: String,
    pub end: Option<String>,
    pub all_day: bool,
    /// IANA zone the event's local times are in, when the source says.
    pub timezone: Option<String>,
    /// `confirmed`, `tentative`, `cancelled`, `passed` (raw).
    pub status: String,
    pub location: Option<String>,
    /// A stable upstream id (OCD `upstream_id` or `dedupe_key`), the event's identity.
    pub upstream_id: Option<String>,
    /// Committees taking part.
    pub participants: Vec<String>,
    pub agenda: Vec<AgendaItemRecord>,
    pub sources: Vec<String>,
    /// Whether `agenda` is the meeting's whole agenda (then a stored item it lacks is
    /// removed); otherwise items are only added or updated.
    pub agenda_complete: bool,
    /// The feed's own time or sequence for this snapshot (see [`BillRecord::as_of`]).
    pub as_of: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgendaItemRecord {
    pub order: i64,
    pub description: String,
    /// Bills the item names (raw identifiers).
    pub bill_identifiers: Vec<String>,
    pub classification: Vec<String>,
}
