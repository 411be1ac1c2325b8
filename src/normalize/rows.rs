//! Normalized entities: exactly the warehouse's rows (one struct per table).
//!
//! `content_hash` is sha256 over every field but the hashes and `ordinal` (the id included),
//! so a changed hash means a changed entity. Bundles group a parent with its children and
//! carry a `bundle_hash` over all of them, so an unchanged bill is recognized with one lookup.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Fields that are not content: they never enter a content hash or a change event.
/// `start_local` (events) is derived from `start_time` and `timezone`: not content either.
pub const NOT_CONTENT: &[&str] = &["content_hash", "bundle_hash", "ordinal", "start_local"];

/// A hearing's local start as analysts read it: `YYYY-MM-DD HH:MM` in `timezone`, or the
/// date alone for an all-day event (no start instant).
pub fn local_start(start_time: Option<DateTime<Utc>>, start_date: Option<NaiveDate>, timezone: &str) -> Option<String> {
    match start_time {
        Some(t) => {
            let tz: chrono_tz::Tz = timezone.parse().unwrap_or(chrono_tz::UTC);
            Some(t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string())
        }
        None => start_date.map(|d| d.to_string()),
    }
}

/// sha256 (hex) over a row's content fields.
pub fn content_hash<T: Serialize>(row: &T) -> String {
    let mut v = serde_json::to_value(row).expect("rows serialize");
    if let Some(m) = v.as_object_mut() {
        for k in NOT_CONTENT {
            m.remove(*k);
        }
    }
    hex::encode(Sha256::digest(v.to_string().as_bytes()))
}

/// sha256 (hex) over a list of hashes.
pub fn hash_of_hashes<'a>(hashes: impl IntoIterator<Item = &'a str>) -> String {
    let mut h = Sha256::new();
    for s in hashes {
        h.update(s.as_bytes());
        h.update(b"\n");
    }
    hex::encode(h.finalize())
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct JurisdictionRow {
    pub id: String,
    pub name: String,
    pub classification: String,
    pub division_id: Option<String>,
    pub url: Option<String>,
    pub timezone: String,
    pub content_hash: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct SessionRow {
    pub id: String,
    pub jurisdiction_id: String,
    pub identifier: String,
    pub name: String,
    pub classification: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub active: Option<bool>,
    pub content_hash: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct OrganizationRow {
    pub id: String,
    pub jurisdiction_id: String,
    pub name: String,
    pub classification: String,
    pub chamber: Option<String>,
    pub parent_id: Option<String>,
    /// JSON array of other names ("House Housing Committee"); `[]` when none are known.
    pub other_names: String,
    pub source_url: Option<String>,
    pub content_hash: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct PersonRow {
    pub id: String,
    pub jurisdiction_id: String,
    pub name: String,
    pub chamber: Option<String>,
    pub party: Option<String>,
    pub district: Option<String>,
    pub email: Option<String>,
    pub image: Option<String>,
    pub source_url: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    /// JSON array of other names, as legislatures print them.
    pub other_names: String,
    /// JSON array of URLs.
    pub links: String,
    /// JSON object: identifiers elsewhere (`twitter`, `facebook`, other schemes).
    pub ids: String,
    /// Holds no current seat; `None` when no source said.
    pub former: Option<bool>,
    pub content_hash: String,
}

/// A seat a person held (`person_roles`), by dates.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct RoleRow {
    pub id: String,
    pub person_id: String,
    pub ordinal: i64,
    /// `upper`, `lower`, `legislature`, `mayor`, `governor`, ...
    pub role_type: String,
    /// `upper`, `lower` or `legislature` for a legislative seat, else none.
    pub chamber: Option<String>,
    pub jurisdiction_id: String,
    pub district: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub end_reason: Option<String>,
    pub content_hash: String,
}

/// An office of a person with its contact details (`person_offices`).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct OfficeRow {
    pub id: String,
    pub person_id: String,
    pub ordinal: i64,
    /// `capitol`, `district`, `primary`, ...
    pub classification: String,
    pub name: Option<String>,
    pub address: Option<String>,
    pub voice: Option<String>,
    pub fax: Option<String>,
    pub email: Option<String>,
    pub content_hash: String,
}

/// A member of a committee (`committee_memberships`).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct MembershipRow {
    pub id: String,
    pub organization_id: String,
    pub ordinal: i64,
    pub person_id: Option<String>,
    /// The member's name as the roster prints it.
    pub name: String,
    /// `chair`, `vice chair`, `member`, ... as the source wrote it.
    pub role: String,
    pub content_hash: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct BillRow {
    pub id: String,
    pub jurisdiction_id: String,
    pub session: String,
    pub identifier: String,
    pub title: String,
    /// JSON array of OCD bill classes.
    pub classification: String,
    /// JSON array.
    pub subjects: String,
    pub abstract_text: Option<String>,
    /// JSON array.
    pub other_titles: String,
    /// JSON array.
    pub other_identifiers: String,
    pub from_organization: Option<String>,
    pub first_action_date: Option<NaiveDate>,
    pub latest_action_date: Option<NaiveDate>,
    pub latest_action_description: Option<String>,
    pub source_url: Option<String>,
    /// JSON array of {identifier, session, relation_type}.
    pub related_bills: String,
    /// JSON array.
    pub citations: String,
    pub content_hash: String,
    pub bundle_hash: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ActionRow {
    pub id: String,
    pub bill_id: String,
    pub ordinal: i64,
    pub date: Option<NaiveDate>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub description: String,
    pub organization: Option<String>,
    /// JSON array of OCD action classes.
    pub classification: String,
    /// `source` or the classifier version that assigned the classes.
    pub classification_source: String,
    /// JSON array of names.
    pub related_entities: String,
    pub content_hash: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct SponsorshipRow {
    pub id: String,
    pub bill_id: String,
    pub ordinal: i64,
    pub name: String,
    pub entity_type: String,
    pub is_primary: bool,
    pub classification: String,
    pub chamber: Option<String>,
    pub person_id: Option<String>,
    pub content_hash: String,
}

/// A bill version or a bill document (fiscal note, analysis...): same shape, two tables.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct DocumentRow {
    pub id: String,
    pub bill_id: String,
    pub ordinal: i64,
    pub note: String,
    pub date: Option<NaiveDate>,
    pub classification: String,
    /// The first link's URL and media type.
    pub url: Option<String>,
    pub media_type: Option<String>,
    /// JSON array of every {url, media_type}.
    pub links: String,
    /// sha256 (hex) of the document's text in `bill_texts`, when the source delivered a text.
    pub text_sha256: Option<String>,
    /// The extractor generation that made the text (`text::EXTRACTOR`); not in the ledger.
    pub extractor: Option<String>,
    pub content_hash: String,
}

/// The text of a version or document (`bill_texts`), keyed by the document's id.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct TextRow {
    pub id: String,
    pub bill_id: String,
    pub sha256: String,
    pub characters: i64,
    /// With the document's marks of struck and inserted language (`text::marks`).
    pub text: String,
    /// What search indexes when the text has marks: the text once enacted (`marks::searchable`).
    pub search_text: Option<String>,
}

/// A version's text against the previous version's (`version_diffs`).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct DiffRow {
    pub id: String,
    pub bill_id: String,
    pub version_id: String,
    pub previous_version_id: String,
    /// `section` or `paragraph`.
    pub unit: String,
    pub summary: String,
    pub added: i64,
    pub removed: i64,
    pub changed: i64,
    pub unchanged: i64,
    /// `text::TextDiff` as JSON.
    pub diff: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct VoteRow {
    pub id: String,
    pub bill_id: Option<String>,
    pub jurisdiction_id: String,
    pub session: String,
    pub bill_identifier: Option<String>,
    pub motion: String,
    /// JSON array.
    pub motion_classification: String,
    pub date: Option<NaiveDate>,
    pub start_time: Option<DateTime<Utc>>,
    pub result: String,
    pub organization: Option<String>,
    pub yes_count: i64,
    pub no_count: i64,
    pub abstain_count: i64,
    pub absent_count: i64,
    pub excused_count: i64,
    pub not_voting_count: i64,
    pub other_count: i64,
    pub source_url: Option<String>,
    pub dedupe_key: Option<String>,
    pub content_hash: String,
    pub bundle_hash: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct VoteRecordRow {
    pub id: String,
    pub vote_id: String,
    pub ordinal: i64,
    pub voter_name: String,
    pub person_id: Option<String>,
    pub option: String,
    pub raw_option: String,
    pub note: String,
    pub content_hash: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct EventRow {
    pub id: String,
    pub jurisdiction_id: String,
    pub name: String,
    pub description: String,
    pub classification: String,
    /// The start instant (UTC); None for an all-day event.
    pub start_time: Option<DateTime<Utc>>,
    /// The local start date (always set).
    pub start_date: Option<NaiveDate>,
    /// The local start as text, `YYYY-MM-DD HH:MM` in `timezone` (the date alone when all
    /// day): see [`local_start`]. Not content (not hashed, not in the ledger).
    pub start_local: Option<String>,
    pub end_time: Option<DateTime<Utc>>,
    pub all_day: bool,
    /// The IANA zone the hearing's local times are in.
    pub timezone: String,
    pub location: Option<String>,
    pub status: String,
    pub upstream_id: Option<String>,
    /// JSON array of committee names.
    pub participants: String,
    pub source_url: Option<String>,
    pub content_hash: String,
    pub bundle_hash: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct AgendaRow {
    pub id: String,
    pub event_id: String,
    pub ordinal: i64,
    pub description: String,
    pub bill_identifier: Option<String>,
    pub bill_id: Option<String>,
    /// JSON array.
    pub classification: String,
    pub content_hash: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BillBundle {
    pub bill: BillRow,
    pub actions: Vec<ActionRow>,
    pub sponsorships: Vec<SponsorshipRow>,
    pub versions: Vec<DocumentRow>,
    pub documents: Vec<DocumentRow>,
    /// Texts of versions and documents that have one (keyed by the document's id).
    pub texts: Vec<TextRow>,
    /// The source's own key for the bill (for `bill_sources`).
    pub source_key: Option<String>,
    pub origin: String,
    /// What this delivery is authoritative for (`model::BillScope`).
    pub complete: crate::model::BillScope,
    /// The feed's time or sequence of this snapshot (`model::BillRecord::as_of`).
    pub as_of: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VoteBundle {
    pub vote: VoteRow,
    pub records: Vec<VoteRecordRow>,
    /// The source's own key of the bill, to resolve when `vote.bill_id` could not be computed.
    pub bill_source_key: Option<String>,
    pub origin: String,
    /// Whether `records` is the whole roll call (`model::VoteRecord::records_complete`).
    pub records_complete: bool,
    pub as_of: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EventBundle {
    pub event: EventRow,
    pub agenda: Vec<AgendaRow>,
    pub origin: String,
    /// Whether `agenda` is the whole agenda (`model::EventRecord::agenda_complete`).
    pub agenda_complete: bool,
    pub as_of: Option<String>,
}
