//! `openstates`: the Open States API v3 (`https://v3.openstates.org`), list endpoints
//! `/bills`, `/people`, `/events` and `/committees`, and `/jurisdictions/<id>` (its chambers).
//!
//! This module builds request URLs and parses response pages; it does no I/O. The shared
//! fetch loop sends the requests (with the key in an `X-API-KEY` header, so URLs carry no
//! secret), follows [`Pagination::next_page`], and hands each page's bytes to a parser here.
//!
//! What the API does that matters here (openstates/api-v3, `api/bills.py`,
//! `api/pagination.py`, `api/schemas.py`):
//! * Collections are opt-in: a bill carries actions, votes, versions, ... only when the
//!   request names them with repeated `include=` parameters ([`INCLUDES`]). Fields the
//!   request did not include are *absent*, not empty (`response_model_exclude_none`).
//! * `/bills` pages hold at most 20 bills, `/people` 50, `/events` 20, `/committees` 20
//!   (api-v3 `api/committees.py`, ordered by name). Every list answer is
//!   `{"results": [...], "pagination": {"per_page", "page", "max_page", "total_items"}}`.
//! * `updated_since` is parsed by Python 3.9's `datetime.fromisoformat`, which rejects a
//!   trailing `Z`; [`api_datetime`] rewrites it to `+00:00`.
//! * Errors are `{"detail": ...}` bodies ([`ParseError::Api`]).
//!
//! One malformed bill, vote, person or event becomes a [`Warning`] naming it; the rest of
//! the page still parses. Only a page that is not a list answer at all is an error.
//!
//! The replay fixtures in `tests/fixtures/openstates-api/de/` are derived from real
//! Delaware scrape files (no recorded v3 response exists); see their `PROVENANCE.md`.

use crate::model::{
    ActionRecord, AgendaItemRecord, BillRecord, BillRef, DocumentRecord, EventRecord, Link, MembershipRecord,
    OfficeRecord, OrganizationRecord, Origin, Parsed, PersonRecord, PersonVoteRecord, RelatedBillRecord,
    SponsorshipRecord, VoteRecord, Warning,
};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// The ten `/bills` includes (api-v3 `BillInclude`), in the API's order. Requests send all
/// of them, each as its own `include=` parameter.
pub const INCLUDES: [&str; 10] = [
    "sponsorships",
    "abstracts",
    "other_titles",
    "other_identifiers",
    "actions",
    "sources",
    "documents",
    "versions",
    "votes",
    "related_bills",
];

/// `/bills` page size: the API's maximum.
pub const BILLS_PER_PAGE: u32 = 20;
/// `/people` page size: the API's maximum.
pub const PEOPLE_PER_PAGE: u32 = 50;
/// `/events` page size: the API's maximum.
pub const EVENTS_PER_PAGE: u32 = 20;
/// `/committees` page size: the API's maximum.
pub const COMMITTEES_PER_PAGE: u32 = 20;

/// The `/people` includes (api-v3 `PersonInclude`) requests send: every office (so a
/// person's offices are whole), links, other names, and sources (so `source_url` is the
/// people file's first source, as `openstates_people` has it).
pub const PEOPLE_INCLUDES: [&str; 4] = ["offices", "links", "other_names", "sources"];

/// The `/committees` includes (api-v3 `CommitteeInclude`): the roster, and links and sources
/// (the committee's `source_url`, as `openstates_people` has it).
pub const COMMITTEE_INCLUDES: [&str; 3] = ["memberships", "links", "sources"];

/// `GET /bills` for one jurisdiction (an abbreviation such as `de`, or an OCD id), with
/// every include. `updated_since` may end in `Z`; it is sent in a form the API accepts
/// (see [`api_datetime`]).
pub fn bills_url(
    base_url: &str,
    jurisdiction: &str,
    session: Option<&str>,
    updated_since: Option<&str>,
    page: u32,
) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("jurisdiction", jurisdiction);
    if let Some(session) = session {
        query.append_pair("session", session);
    }
    if let Some(since) = updated_since {
        query.append_pair("updated_since", &api_datetime(since));
    }
    for include in INCLUDES {
        query.append_pair("include", include);
    }
    query.append_pair("per_page", &BILLS_PER_PAGE.to_string());
    query.append_pair("page", &page.to_string());
    endpoint(base_url, "bills", query.finish())
}

/// `GET /people` for one jurisdiction (current legislators only, as the API decides), with
/// [`PEOPLE_INCLUDES`].
pub fn people_url(base_url: &str, jurisdiction: &str, page: u32) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("jurisdiction", jurisdiction);
    for include in PEOPLE_INCLUDES {
        query.append_pair("include", include);
    }
    query.append_pair("per_page", &PEOPLE_PER_PAGE.to_string()).append_pair("page", &page.to_string());
    endpoint(base_url, "people", query.finish())
}

/// `GET /committees` for one jurisdiction, with [`COMMITTEE_INCLUDES`].
pub fn committees_url(base_url: &str, jurisdiction: &str, page: u32) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("jurisdiction", jurisdiction);
    for include in COMMITTEE_INCLUDES {
        query.append_pair("include", include);
    }
    query.append_pair("per_page", &COMMITTEES_PER_PAGE.to_string()).append_pair("page", &page.to_string());
    endpoint(base_url, "committees", query.finish())
}

/// `GET /jurisdictions/<OCD id>?include=organizations`: the chambers a committee's
/// `parent_id` names (a committee has no chamber field).
pub fn jurisdiction_url(base_url: &str, jurisdiction_id: &str) -> String {
    format!("{}/jurisdictions/{jurisdiction_id}?include=organizations", base_url.trim_end_matches('/'))
}

/// `GET /events` for one jurisdiction, with agendas.
pub fn events_url(base_url: &str, jurisdiction: &str, page: u32) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("jurisdiction", jurisdiction)
        .append_pair("include", "agenda")
        .append_pair("per_page", &EVENTS_PER_PAGE.to_string())
        .append_pair("page", &page.to_string())
        .finish();
    endpoint(base_url, "events", query)
}

/// `base_url` is a scheme and host, optionally with a path prefix (`http://127.0.0.1:8080`
/// in tests); a trailing slash is allowed.
fn endpoint(base_url: &str, path: &str, query: String) -> String {
    format!("{}/{path}?{query}", base_url.trim_end_matches('/'))
}

/// A timestamp as the API's `updated_since` accepts it. An RFC 3339 value is rewritten as
/// `YYYY-MM-DDTHH:MM:SS+HH:MM` (a `Z` becomes `+00:00`; fractional seconds are dropped,
/// which moves the cut-off earlier, so nothing is missed). Anything else (a bare date, a
/// naive datetime) is sent as given, except that a trailing `Z` is still replaced.
pub fn api_datetime(value: &str) -> String {
    let value = value.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(value) {
        return t.format("%Y-%m-%dT%H:%M:%S%:z").to_string();
    }
    match value.strip_suffix(['Z', 'z']) {
        Some(rest) => format!("{rest}+00:00"),
        None => value.to_string(),
    }
}

/// The `pagination` object of every list answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct Pagination {
    pub page: u32,
    pub max_page: u32,
    pub per_page: u32,
    pub total_items: u64,
}

impl Pagination {
    /// The page to ask for next, or `None` after the last one. (The API answers 404 for
    /// a page past `max_page`; an empty result has `max_page` 1.)
    pub fn next_page(&self) -> Option<u32> {
        (self.page < self.max_page).then_some(self.page + 1)
    }
}

/// A page that could not be read at all. Problems with single records are warnings.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("{location}: not an Open States API response")]
    Json {
        location: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("{location}: the Open States API answered with an error: {detail}")]
    Api { location: String, detail: String },
}

/// Only the pagination of a list answer, for a page whose payload is unchanged (its
/// records are not parsed again).
pub fn pagination_of(bytes: &[u8], location: &str) -> Result<Pagination, ParseError> {
    #[derive(Deserialize)]
    struct Only {
        pagination: Pagination,
    }
    serde_json::from_slice::<Only>(bytes)
        .map(|o| o.pagination)
        .map_err(|source| ParseError::Json { location: location.to_string(), source })
}

/// Parses one `/bills` page into bills and the votes included with them.
///
/// `jurisdiction_id` is the OCD jurisdiction the request asked for; records carry it, and a
/// bill whose own `jurisdiction.id` differs is skipped with a warning. Actions are put in
/// the API's `order` (the API does not sort them). A malformed vote is a warning and its
/// bill is kept.
pub fn parse_bills_page(
    bytes: &[u8],
    location: &str,
    jurisdiction_id: &str,
) -> Result<(Parsed, Pagination), ParseError> {
    let (results, pagination) = list_page(bytes, location)?;
    let mut parsed = Parsed::default();
    for value in results {
        let record = record_name(&value, &["id", "identifier"]);
        if let Err(message) = parse_bill(value, location, jurisdiction_id, &mut parsed) {
            parsed.warnings.push(Warning::new(location, record, format!("bill skipped: {message}")));
        }
    }
    Ok((parsed, pagination))
}

/// Parses one `/people` page.
pub fn parse_people_page(
    bytes: &[u8],
    location: &str,
    jurisdiction_id: &str,
) -> Result<(Parsed, Pagination), ParseError> {
    let (results, pagination) = list_page(bytes, location)?;
    let mut parsed = Parsed::default();
    for value in results {
        let record = record_name(&value, &["id", "name"]);
        match parse_person(value, jurisdiction_id) {
            Ok(person) => parsed.people.push(person),
            Err(message) => parsed.warnings.push(Warning::new(location, record, format!("person skipped: {message}"))),
        }
    }
    Ok((parsed, pagination))
}

/// Parses one `/events` page (requested with `include=agenda`). The API gives local times
/// without a zone name, so `timezone` is left to the pipeline's configuration.
pub fn parse_events_page(
    bytes: &[u8],
    location: &str,
    jurisdiction_id: &str,
) -> Result<(Parsed, Pagination), ParseError> {
    let (results, pagination) = list_page(bytes, location)?;
    let mut parsed = Parsed::default();
    for value in results {
        let record = record_name(&value, &["id", "name"]);
        match parse_event(value, location, jurisdiction_id) {
            Ok(event) => parsed.events.push(event),
            Err(message) => parsed.warnings.push(Warning::new(location, record, format!("event skipped: {message}"))),
        }
    }
    Ok((parsed, pagination))
}

/// The chambers of a `/jurisdictions/<id>?include=organizations` answer: organization id →
/// `legislature`, `upper` or `lower` (the executive and anything else are left out).
pub fn parse_jurisdiction_chambers(bytes: &[u8], location: &str) -> Result<HashMap<String, String>, ParseError> {
    #[derive(Deserialize)]
    struct Answer {
        #[serde(default)]
        organizations: Option<Vec<ApiChamber>>,
        #[serde(default)]
        detail: Option<Value>,
    }
    #[derive(Deserialize)]
    struct ApiChamber {
        id: String,
        classification: String,
    }
    let answer: Answer =
        serde_json::from_slice(bytes).map_err(|source| ParseError::Json { location: location.to_string(), source })?;
    match (answer.organizations, answer.detail) {
        (Some(orgs), _) => Ok(orgs
            .into_iter()
            .filter(|o| matches!(o.classification.as_str(), "legislature" | "upper" | "lower"))
            .map(|o| (o.id, o.classification))
            .collect()),
        (None, Some(detail)) => Err(ParseError::Api {
            location: location.to_string(),
            detail: detail.as_str().map_or_else(|| detail.to_string(), str::to_string),
        }),
        (None, None) => Ok(HashMap::new()),
    }
}

/// Parses one `/committees` page (requested with [`COMMITTEE_INCLUDES`]): each committee with
/// its whole roster (`memberships`, when present) and member ids (`person.id`).
///
/// The API gives no chamber: a committee's `parent_id` is its chamber's organization, one of
/// `chambers` (from [`parse_jurisdiction_chambers`]), and the committee gets that chamber and
/// no parent, as a people file has it. A subcommittee's parent is a committee: it keeps it as
/// its parent and gets that committee's chamber when `committees` (committee id → chamber,
/// filled as pages are read, so a parent read earlier in the crawl or on this page is known)
/// has it; else its chamber is unknown.
pub fn parse_committees_page(
    bytes: &[u8],
    location: &str,
    jurisdiction_id: &str,
    chambers: &HashMap<String, String>,
    committees: &mut HashMap<String, String>,
) -> Result<(Parsed, Pagination), ParseError> {
    let (results, pagination) = list_page(bytes, location)?;
    let mut parsed = Parsed::default();
    for value in results {
        let record = record_name(&value, &["id", "name"]);
        match parse_committee(value, jurisdiction_id) {
            Ok(c) => parsed.organizations.push(c),
            Err(message) => {
                parsed.warnings.push(Warning::new(location, record, format!("committee skipped: {message}")))
            }
        }
    }
    for c in &mut parsed.organizations {
        if let Some(chamber) = c.parent_source_key.as_ref().and_then(|p| chambers.get(p)) {
            c.chamber = Some(chamber.clone());
            c.parent_source_key = None;
            committees.insert(c.source_key.clone(), chamber.clone());
        }
    }
    for c in &mut parsed.organizations {
        if c.chamber.is_none()
            && let Some(chamber) = c.parent_source_key.as_ref().and_then(|p| committees.get(p)).cloned()
        {
            committees.insert(c.source_key.clone(), chamber.clone());
            c.chamber = Some(chamber);
        }
    }
    Ok((parsed, pagination))
}

// ---- the envelope ------------------------------------------------------------------------

#[derive(Deserialize)]
struct ListPage {
    results: Vec<Value>,
    pagination: Pagination,
}

fn list_page(bytes: &[u8], location: &str) -> Result<(Vec<Value>, Pagination), ParseError> {
    let json = |source| ParseError::Json { location: location.to_string(), source };
    let value: Value = serde_json::from_slice(bytes).map_err(json)?;
    if value.get("results").is_none()
        && let Some(detail) = value.get("detail")
    {
        let detail = match detail {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        return Err(ParseError::Api { location: location.to_string(), detail });
    }
    let page: ListPage = serde_json::from_value(value).map_err(json)?;
    Ok((page.results, page.pagination))
}

/// The first of `keys` that is a non-empty string in `value`: how a warning names a record.
fn record_name(value: &Value, keys: &[&str]) -> Option<String> {
    keys.iter().filter_map(|k| value.get(k).and_then(Value::as_str)).find(|s| !s.is_empty()).map(str::to_string)
}

/// One JSON object, taken apart field by field so that an error names the field.
struct Fields(Map<String, Value>);

impl Fields {
    fn of(value: Value, what: &str) -> Result<Fields, String> {
        match value {
            Value::Object(map) => Ok(Fields(map)),
            other => Err(format!("{what} is not a JSON object but {}", kind(&other))),
        }
    }

    /// A field that must be there, not null, and (for strings) not empty.
    fn required<T: DeserializeOwned>(&mut self, key: &str) -> Result<T, String> {
        match self.0.remove(key) {
            None | Some(Value::Null) => Err(format!("field `{key}` is missing")),
            Some(Value::String(s)) if s.trim().is_empty() => Err(format!("field `{key}` is empty")),
            Some(v) => serde_json::from_value(v).map_err(|e| format!("field `{key}`: {e}")),
        }
    }

    /// Whether the API sent a field (an included list, even empty, is the whole list; an
    /// absent one was not asked for and says nothing).
    fn has(&self, key: &str) -> bool {
        self.0.get(key).is_some_and(|v| !v.is_null())
    }

    /// A field the API may leave out (not included, or None): absent and null read as the
    /// default.
    fn optional<T: DeserializeOwned + Default>(&mut self, key: &str) -> Result<T, String> {
        match self.0.remove(key) {
            None | Some(Value::Null) => Ok(T::default()),
            Some(v) => serde_json::from_value(v).map_err(|e| format!("field `{key}`: {e}")),
        }
    }

    /// The record's `jurisdiction.id`, which must be `expected` when present.
    fn check_jurisdiction(&mut self, expected: &str) -> Result<(), String> {
        let jurisdiction: Option<ApiJurisdiction> = self.optional("jurisdiction")?;
        match jurisdiction.and_then(|j| j.id).filter(|id| !id.is_empty()) {
            Some(id) if id != expected => Err(format!("it belongs to {id}, not {expected}")),
            _ => Ok(()),
        }
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn nonempty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.trim().is_empty())
}

fn origin(location: &str) -> Origin {
    Origin { location: location.to_string(), payload_sha256: None }
}

// ---- response models (api/schemas.py), only the fields we read ---------------------------
// Every field is optional: the API omits what was not included and what is None.

#[derive(Deserialize, Default)]
struct ApiJurisdiction {
    id: Option<String>,
}

#[derive(Deserialize, Default)]
struct ApiOrganization {
    name: Option<String>,
    classification: Option<String>,
}

#[derive(Deserialize, Default)]
struct ApiCompactPerson {
    id: Option<String>,
    current_role: Option<ApiCurrentRole>,
}

#[derive(Deserialize, Default)]
struct ApiCurrentRole {
    org_classification: Option<String>,
    /// A string or a number.
    district: Option<Value>,
}

#[derive(Deserialize)]
struct ApiAbstract {
    #[serde(rename = "abstract")]
    text: Option<String>,
}

#[derive(Deserialize)]
struct ApiTitle {
    title: Option<String>,
}

#[derive(Deserialize)]
struct ApiIdentifier {
    identifier: Option<String>,
}

#[derive(Deserialize)]
struct ApiSponsorship {
    name: Option<String>,
    entity_type: Option<String>,
    primary: Option<bool>,
    classification: Option<String>,
    person: Option<ApiCompactPerson>,
}

#[derive(Deserialize)]
struct ApiAction {
    organization: Option<ApiOrganization>,
    description: Option<String>,
    date: Option<String>,
    classification: Option<Vec<String>>,
    order: Option<i64>,
    related_entities: Option<Vec<ApiEntity>>,
}

#[derive(Deserialize)]
struct ApiEntity {
    name: Option<String>,
}

#[derive(Deserialize)]
struct ApiDocument {
    note: Option<String>,
    date: Option<String>,
    /// Not in the v3 model today; read in case it appears.
    classification: Option<String>,
    links: Option<Vec<ApiMediaLink>>,
}

#[derive(Deserialize)]
struct ApiMediaLink {
    url: Option<String>,
    media_type: Option<String>,
}

#[derive(Deserialize)]
struct ApiLink {
    url: Option<String>,
}

#[derive(Deserialize)]
struct ApiRelatedBill {
    identifier: Option<String>,
    legislative_session: Option<String>,
    relation_type: Option<String>,
}

#[derive(Deserialize)]
struct ApiPersonVote {
    option: Option<String>,
    voter_name: Option<String>,
    voter: Option<ApiCompactPerson>,
}

#[derive(Deserialize)]
struct ApiCount {
    option: String,
    value: i64,
}

#[derive(Deserialize)]
struct ApiEventLocation {
    name: Option<String>,
}

#[derive(Deserialize)]
struct ApiParticipant {
    name: Option<String>,
    entity_type: Option<String>,
}

#[derive(Deserialize)]
struct ApiAgendaItem {
    description: Option<String>,
    classification: Option<Vec<String>>,
    order: Option<i64>,
    related_entities: Option<Vec<ApiEventEntity>>,
}

#[derive(Deserialize)]
struct ApiEventEntity {
    name: Option<String>,
    entity_type: Option<String>,
    bill: Option<ApiCompactBill>,
}

#[derive(Deserialize)]
struct ApiCompactBill {
    identifier: Option<String>,
}

#[derive(Deserialize)]
struct ApiOffice {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    classification: Option<String>,
    #[serde(default)]
    address: Option<String>,
    #[serde(default)]
    voice: Option<String>,
    #[serde(default)]
    fax: Option<String>,
}

#[derive(Deserialize)]
struct ApiAltName {
    name: Option<String>,
}

#[derive(Deserialize)]
struct ApiMembership {
    person_name: Option<String>,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    person: Option<ApiCompactPerson>,
}

/// A trimmed value, `None` when empty (the API writes an absent office field as `""`).
fn trimmed(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

fn urls(links: Vec<ApiLink>) -> Vec<String> {
    links.into_iter().filter_map(|l| nonempty(l.url)).collect()
}

fn documents(list: Vec<ApiDocument>) -> Vec<DocumentRecord> {
    list.into_iter()
        .map(|d| DocumentRecord {
            note: d.note.unwrap_or_default(),
            date: d.date.unwrap_or_default(),
            classification: d.classification.unwrap_or_default(),
            links: d
                .links
                .unwrap_or_default()
                .into_iter()
                .filter_map(|l| Some(Link { url: nonempty(l.url)?, media_type: nonempty(l.media_type) }))
                .collect(),
            text: None,
        })
        .collect()
}

/// A chamber (`upper`, `lower`, `legislature`, `executive`) from an organization object.
fn classification(org: Option<ApiOrganization>) -> Option<String> {
    nonempty(org?.classification)
}

/// What a vote record names as its organization: the chamber, or a committee's name.
fn vote_body(org: Option<ApiOrganization>) -> Option<String> {
    let org = org?;
    match org.classification.as_deref() {
        Some("committee") | Some("subcommittee") => nonempty(org.name),
        _ => nonempty(org.classification),
    }
}

// ---- records -----------------------------------------------------------------------------

fn parse_bill(value: Value, location: &str, jurisdiction_id: &str, parsed: &mut Parsed) -> Result<(), String> {
    let mut f = Fields::of(value, "the bill")?;
    let id: String = f.required("id")?;
    let identifier: String = f.required("identifier")?;
    let session: String = f.required("session")?;
    f.check_jurisdiction(jurisdiction_id)?;
    let complete = crate::model::BillScope {
        fields: f.has("title"),
        actions: f.has("actions"),
        sponsorships: f.has("sponsorships"),
        versions: f.has("versions"),
        documents: f.has("documents"),
    };
    let title: Option<String> = f.optional("title")?;
    let from_organization: Option<ApiOrganization> = f.optional("from_organization")?;
    let bill_classification: Vec<String> = f.optional("classification")?;
    let subject: Vec<String> = f.optional("subject")?;
    let updated_at: Option<String> = f.optional("updated_at")?;
    let abstracts: Vec<ApiAbstract> = f.optional("abstracts")?;
    let other_titles: Vec<ApiTitle> = f.optional("other_titles")?;
    let other_identifiers: Vec<ApiIdentifier> = f.optional("other_identifiers")?;
    let sponsorships: Vec<ApiSponsorship> = f.optional("sponsorships")?;
    let mut actions: Vec<ApiAction> = f.optional("actions")?;
    let sources: Vec<ApiLink> = f.optional("sources")?;
    let versions: Vec<ApiDocument> = f.optional("versions")?;
    let docs: Vec<ApiDocument> = f.optional("documents")?;
    let related_bills: Vec<ApiRelatedBill> = f.optional("related_bills")?;
    let votes: Vec<Value> = f.optional("votes")?;

    // A stable sort: actions without an `order` keep their place relative to each other.
    actions.sort_by_key(|a| a.order.unwrap_or(i64::MAX));

    for vote in votes {
        let record = record_name(&vote, &["id"]);
        match parse_vote(vote, location, jurisdiction_id, &id, &identifier, &session) {
            Ok(v) => parsed.votes.push(v),
            Err(message) => parsed.warnings.push(Warning::new(
                location,
                record.or_else(|| Some(identifier.clone())),
                format!("vote on {identifier} skipped: {message}"),
            )),
        }
    }

    parsed.bills.push(BillRecord {
        origin: origin(location),
        source_key: Some(id),
        jurisdiction_id: jurisdiction_id.to_string(),
        session,
        identifier,
        title: title.unwrap_or_default(),
        classification: bill_classification,
        subjects: subject,
        abstracts: abstracts.into_iter().filter_map(|a| a.text).collect(),
        other_titles: other_titles.into_iter().filter_map(|t| t.title).collect(),
        other_identifiers: other_identifiers.into_iter().filter_map(|i| i.identifier).collect(),
        from_organization: classification(from_organization),
        actions: actions
            .into_iter()
            .map(|a| ActionRecord {
                date: a.date.unwrap_or_default(),
                description: a.description.unwrap_or_default(),
                organization: classification(a.organization),
                classification: a.classification.unwrap_or_default(),
                related_entities: a
                    .related_entities
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|e| nonempty(e.name))
                    .collect(),
            })
            .collect(),
        sponsorships: sponsorships
            .into_iter()
            .map(|s| {
                let person = s.person.unwrap_or_default();
                SponsorshipRecord {
                    name: s.name.unwrap_or_default(),
                    entity_type: s.entity_type.unwrap_or_default(),
                    primary: s.primary.unwrap_or(false),
                    classification: s.classification.unwrap_or_default(),
                    chamber: person.current_role.and_then(|r| nonempty(r.org_classification)),
                    person_source_key: nonempty(person.id),
                }
            })
            .collect(),
        versions: documents(versions),
        documents: documents(docs),
        related_bills: related_bills
            .into_iter()
            .map(|r| RelatedBillRecord {
                identifier: r.identifier.unwrap_or_default(),
                session: r.legislative_session.unwrap_or_default(),
                relation_type: r.relation_type.unwrap_or_default(),
            })
            .collect(),
        // The API has no citations.
        citations: Vec::new(),
        sources: urls(sources),
        as_of: nonempty(updated_at.clone()),
        updated_at: nonempty(updated_at),
        complete,
    });
    Ok(())
}

fn parse_vote(
    value: Value,
    location: &str,
    jurisdiction_id: &str,
    bill_id: &str,
    bill_identifier: &str,
    session: &str,
) -> Result<VoteRecord, String> {
    let mut f = Fields::of(value, "the vote")?;
    let id: String = f.required("id")?;
    let motion_text: Option<String> = f.optional("motion_text")?;
    let motion_classification: Vec<String> = f.optional("motion_classification")?;
    let start_date: Option<String> = f.optional("start_date")?;
    let result: Option<String> = f.optional("result")?;
    let organization: Option<ApiOrganization> = f.optional("organization")?;
    let records_complete = f.has("votes");
    let votes: Vec<ApiPersonVote> = f.optional("votes")?;
    let counts: Vec<ApiCount> = f.optional("counts")?;
    let sources: Vec<ApiLink> = f.optional("sources")?;
    Ok(VoteRecord {
        origin: origin(location),
        source_key: Some(id.clone()),
        jurisdiction_id: jurisdiction_id.to_string(),
        session: session.to_string(),
        bill: BillRef { source_key: Some(bill_id.to_string()), identifier: Some(bill_identifier.to_string()) },
        motion_text: motion_text.unwrap_or_default(),
        motion_classification,
        start_date: start_date.unwrap_or_default(),
        result: result.unwrap_or_default(),
        organization: vote_body(organization),
        counts: counts.into_iter().map(|c| (c.option, c.value)).collect(),
        votes: votes
            .into_iter()
            .map(|v| PersonVoteRecord {
                voter_name: v.voter_name.unwrap_or_default(),
                option: v.option.unwrap_or_default(),
                note: String::new(),
                person_source_key: v.voter.and_then(|p| nonempty(p.id)),
            })
            .collect(),
        sources: urls(sources),
        dedupe_key: Some(id),
        records_complete,
        as_of: None,
    })
}

fn parse_person(value: Value, jurisdiction_id: &str) -> Result<PersonRecord, String> {
    let mut f = Fields::of(value, "the person")?;
    let id: String = f.required("id")?;
    let name: String = f.required("name")?;
    f.check_jurisdiction(jurisdiction_id)?;
    let party: Option<String> = f.optional("party")?;
    let current_role: Option<ApiCurrentRole> = f.optional("current_role")?;
    let email: Option<String> = f.optional("email")?;
    let image: Option<String> = f.optional("image")?;
    let sources: Vec<ApiLink> = f.optional("sources")?;
    let openstates_url: Option<String> = f.optional("openstates_url")?;
    let given_name: Option<String> = f.optional("given_name")?;
    let family_name: Option<String> = f.optional("family_name")?;
    let other_names: Vec<ApiAltName> = f.optional("other_names")?;
    let links: Vec<ApiLink> = f.optional("links")?;
    // An included list is the whole list (every office of the person); absent, it says nothing.
    let offices = if f.has("offices") {
        let list: Vec<ApiOffice> = f.optional("offices")?;
        Some(
            list.into_iter()
                .filter_map(|o| {
                    Some(OfficeRecord {
                        classification: trimmed(o.classification)?,
                        name: trimmed(o.name),
                        address: trimmed(o.address),
                        voice: trimmed(o.voice),
                        fax: trimmed(o.fax),
                        email: None,
                    })
                })
                .collect(),
        )
    } else {
        None
    };
    let (chamber, district) = match current_role {
        Some(role) => {
            let district = match role.district {
                Some(Value::String(s)) => Some(s),
                Some(Value::Number(n)) => Some(n.to_string()),
                _ => None,
            };
            (nonempty(role.org_classification), nonempty(district))
        }
        None => (None, None),
    };
    Ok(PersonRecord {
        source_key: id,
        name,
        chamber,
        party: nonempty(party),
        district,
        email: trimmed(email),
        image: nonempty(image),
        source_url: urls(sources).into_iter().next().or_else(|| nonempty(openstates_url)),
        given_name: nonempty(given_name),
        family_name: nonempty(family_name),
        other_names: other_names.into_iter().filter_map(|n| trimmed(n.name)).collect(),
        links: urls(links),
        offices,
        // Only the current seat: the seats a person held are never taken from the API, and
        // a stored history stays as it is.
        roles: None,
        // The API lists current members only, but whether someone is former is for a whole
        // source (a people file) to say.
        former: None,
        // Not the whole record: the API has no seat history or ids (not requested), and a
        // field it leaves out is unknown; a field a people file gave stays.
        complete: false,
        ..Default::default()
    })
}

/// One committee, its `parent_id` as given (resolved to a chamber by the page parser).
fn parse_committee(value: Value, jurisdiction_id: &str) -> Result<OrganizationRecord, String> {
    let mut f = Fields::of(value, "the committee")?;
    let id: String = f.required("id")?;
    if !id.starts_with("ocd-organization/") {
        return Err(format!("id {id} is not an ocd-organization id"));
    }
    let name: String = f.required("name")?;
    let classification: Option<String> = f.optional("classification")?;
    let parent_id: Option<String> = f.optional("parent_id")?;
    let other_names: Vec<ApiAltName> = f.optional("other_names")?;
    let links: Vec<ApiLink> = f.optional("links")?;
    let sources: Vec<ApiLink> = f.optional("sources")?;
    let members = if f.has("memberships") {
        let list: Vec<ApiMembership> = f.optional("memberships")?;
        let mut members = Vec::with_capacity(list.len());
        for (i, m) in list.into_iter().enumerate() {
            let Some(person_name) = trimmed(m.person_name) else {
                return Err(format!("membership {} has no `person_name`: the roster would not be whole", i + 1));
            };
            members.push(MembershipRecord {
                name: person_name,
                role: trimmed(m.role).unwrap_or_else(|| "member".into()),
                person_source_key: m.person.and_then(|p| p.id).filter(|p| p.starts_with("ocd-person/")),
            });
        }
        Some(members)
    } else {
        None
    };
    Ok(OrganizationRecord {
        source_key: id,
        name: name.trim().to_string(),
        classification: trimmed(classification).unwrap_or_else(|| "committee".into()),
        parent_source_key: trimmed(parent_id),
        chamber: None,
        jurisdiction_id: Some(jurisdiction_id.to_string()),
        other_names: other_names.into_iter().filter_map(|n| trimmed(n.name)).collect(),
        // The first link, else the first source: what a people file gives.
        links: urls(links).into_iter().chain(urls(sources)).take(1).collect(),
        members,
    })
}

fn parse_event(value: Value, location: &str, jurisdiction_id: &str) -> Result<EventRecord, String> {
    let mut f = Fields::of(value, "the event")?;
    let id: String = f.required("id")?;
    let name: String = f.required("name")?;
    let start: String = f.required("start_date")?;
    f.check_jurisdiction(jurisdiction_id)?;
    let description: Option<String> = f.optional("description")?;
    let event_classification: Option<String> = f.optional("classification")?;
    let end: Option<String> = f.optional("end_date")?;
    let all_day: Option<bool> = f.optional("all_day")?;
    let status: Option<String> = f.optional("status")?;
    let event_location: Option<ApiEventLocation> = f.optional("location")?;
    let participants: Vec<ApiParticipant> = f.optional("participants")?;
    let agenda_complete = f.has("agenda");
    let updated_at: Option<String> = f.optional("updated_at")?;
    let agenda: Vec<ApiAgendaItem> = f.optional("agenda")?;
    let sources: Vec<ApiLink> = f.optional("sources")?;
    Ok(EventRecord {
        origin: origin(location),
        source_key: Some(id.clone()),
        jurisdiction_id: jurisdiction_id.to_string(),
        name,
        description: description.unwrap_or_default(),
        classification: event_classification.unwrap_or_default(),
        start,
        end: nonempty(end),
        all_day: all_day.unwrap_or(false),
        timezone: None,
        status: status.unwrap_or_default(),
        location: event_location.and_then(|l| nonempty(l.name)),
        upstream_id: Some(id),
        // Committees: participants that are organizations.
        participants: participants
            .into_iter()
            .filter(|p| p.entity_type.as_deref() == Some("organization"))
            .filter_map(|p| nonempty(p.name))
            .collect(),
        agenda: agenda
            .into_iter()
            .enumerate()
            .map(|(i, item)| AgendaItemRecord {
                order: item.order.unwrap_or(i as i64),
                description: item.description.unwrap_or_default(),
                bill_identifiers: item
                    .related_entities
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|e| e.entity_type.as_deref() == Some("bill"))
                    // The resolved bill's identifier when the API linked one, else the name.
                    .filter_map(|e| e.bill.and_then(|b| nonempty(b.identifier)).or_else(|| nonempty(e.name)))
                    .collect(),
                classification: item.classification.unwrap_or_default(),
            })
            .collect(),
        sources: urls(sources),
        agenda_complete,
        as_of: nonempty(updated_at),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    const API: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/openstates-api/de");
    const SCRAPE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ocd-scrape/de-153");
    const DE: &str = "ocd-jurisdiction/country:us/state:de/government";

    fn read(name: &str) -> Vec<u8> {
        let path = Path::new(API).join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn json(name: &str) -> Value {
        serde_json::from_slice(&read(name)).unwrap()
    }

    /// The real scrape files whose names start with `prefix`, parsed.
    fn scrape(prefix: &str) -> Vec<Value> {
        let mut names: Vec<_> = std::fs::read_dir(SCRAPE)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.starts_with(prefix) && n.ends_with(".json"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|n| serde_json::from_slice(&std::fs::read(Path::new(SCRAPE).join(n)).unwrap()).unwrap())
            .collect()
    }

    fn scrape_bill(identifier: &str) -> Value {
        scrape("bill_").into_iter().find(|b| b["identifier"] == identifier).unwrap()
    }

    fn s(v: &Value) -> &str {
        v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
    }

    /// Every `/bills` page, following `next_page` from page 1.
    fn all_bill_pages() -> (Parsed, Vec<(Pagination, usize)>) {
        let mut all = Parsed::default();
        let mut pages = Vec::new();
        let mut page = Some(1);
        while let Some(k) = page {
            let name = format!("bills-page-{k}.json");
            let (parsed, pagination) = parse_bills_page(&read(&name), &name, DE).unwrap();
            assert_eq!(pagination.page, k, "{name}");
            pages.push((pagination, parsed.bills.len()));
            page = pagination.next_page();
            all.extend(parsed);
        }
        (all, pages)
    }

    #[test]
    fn bill_pages_hold_every_scraped_bill_once() {
        let scraped = scrape("bill_");
        assert_eq!(scraped.len(), 150, "tests/fixtures/ocd-scrape/PROVENANCE.md lists 150 DE bills");
        let (all, pages) = all_bill_pages();
        assert!(all.warnings.is_empty(), "{:?}", all.warnings);

        let max_page = scraped.len().div_ceil(BILLS_PER_PAGE as usize);
        assert_eq!(pages.len(), max_page);
        for (i, (p, bills)) in pages.iter().enumerate() {
            assert_eq!(p.per_page, 20);
            assert_eq!(p.max_page as usize, max_page);
            assert_eq!(p.total_items as usize, scraped.len());
            let expected = if i + 1 < max_page { 20 } else { scraped.len() - 20 * (max_page - 1) };
            assert_eq!(*bills, expected, "page {}", i + 1);
        }

        let keys: BTreeSet<String> = all.bills.iter().map(|b| b.source_key.clone().unwrap()).collect();
        let expected: BTreeSet<String> = scraped.iter().map(|b| format!("ocd-bill/{}", s(&b["_id"]))).collect();
        assert_eq!(keys, expected);
        assert!(all.bills.iter().all(|b| b.jurisdiction_id == DE && b.session == "153"));
    }

    #[test]
    fn sb_4_matches_its_scrape_file() {
        let raw = scrape_bill("SB 4");
        let (all, _) = all_bill_pages();
        let bill = all.bills.iter().find(|b| b.identifier == "SB 4").unwrap();

        assert_eq!(bill.source_key.as_deref(), Some("ocd-bill/405b6cde-ca8e-11f0-8677-32549feb6cd6"));
        assert!(bill.origin.location.starts_with("bills-page-"), "{}", bill.origin.location);
        assert_eq!(bill.title, s(&raw["title"]));
        assert_eq!(bill.updated_at.as_deref(), Some(s(&raw["scraped_at"])));
        assert_eq!(bill.from_organization.as_deref(), Some("upper"));

        // Copied from bill_405b6cde-ca8e-11f0-8677-32549feb6cd6.json, and checked against it.
        let raw_actions = raw["actions"].as_array().unwrap();
        assert_eq!(bill.actions.len(), 17);
        assert_eq!(bill.actions.len(), raw_actions.len());
        let first = &bill.actions[0];
        assert_eq!(first.description, "Introduced and Assigned to Executive Committee in Senate");
        assert_eq!(first.description, s(&raw_actions[0]["description"]));
        assert_eq!(first.date, "2025-01-10");
        assert_eq!(first.organization.as_deref(), Some("upper"));
        assert_eq!(first.classification, ["introduction", "referral-committee"]);
        assert_eq!(first.related_entities, ["Executive"]);
        let last = bill.actions.last().unwrap();
        assert_eq!(last.description, "Signed by Governor");
        assert_eq!(last.organization.as_deref(), Some("executive"));
        for (action, raw) in bill.actions.iter().zip(raw_actions) {
            assert_eq!(action.description, s(&raw["description"]));
            assert_eq!(action.date, s(&raw["date"]));
        }

        let raw_sponsors = raw["sponsorships"].as_array().unwrap();
        assert_eq!(bill.sponsorships.len(), raw_sponsors.len());
        let sturgeon = &bill.sponsorships[0];
        assert_eq!(sturgeon.name, "Laura V. Sturgeon");
        assert!(sturgeon.primary);
        assert_eq!(sturgeon.chamber.as_deref(), Some("upper"));
        assert!(sturgeon.person_source_key.as_deref().unwrap().starts_with("ocd-person/"));
        let ortega = bill.sponsorships.iter().find(|s| s.name == "Josue O Ortega").unwrap();
        assert_eq!(ortega.chamber.as_deref(), Some("lower"));

        assert_eq!(bill.abstracts, [s(&raw["abstracts"][0]["abstract"])]);
        assert_eq!(bill.other_titles, ["Inspector General/Office of/Establish"]);
        assert_eq!(bill.versions.len(), raw["versions"].as_array().unwrap().len());
        assert_eq!(bill.versions[0].note, "Bill Text");
        assert_eq!(bill.versions[0].links[1].media_type.as_deref(), Some("application/pdf"));
        assert_eq!(bill.versions[0].links[1].url, s(&raw["versions"][0]["links"][1]["url"]));
        assert_eq!(bill.documents.len(), 1);
        assert_eq!(bill.documents[0].note, "Fiscal Note");
        assert_eq!(bill.sources, ["https://legis.delaware.gov/BillDetail?LegislationId=141724"]);
        assert!(bill.citations.is_empty(), "the API has no citations");
    }

    #[test]
    fn sb_4_house_vote_keeps_counts_and_voters() {
        let (all, _) = all_bill_pages();
        let raw =
            scrape("vote_event_").into_iter().find(|v| v["_id"] == "41de6142-ca8e-11f0-8677-32549feb6cd6").unwrap();
        let vote = all
            .votes
            .iter()
            .find(|v| v.dedupe_key.as_deref() == Some("ocd-vote/41de6142-ca8e-11f0-8677-32549feb6cd6"))
            .unwrap();

        assert_eq!(vote.bill.source_key.as_deref(), Some("ocd-bill/405b6cde-ca8e-11f0-8677-32549feb6cd6"));
        assert_eq!(vote.bill.identifier.as_deref(), Some("SB 4"));
        assert_eq!(vote.session, "153");
        assert_eq!(vote.motion_text, "SM");
        assert_eq!(vote.start_date, "2025-07-01");
        assert_eq!(vote.result, "pass");
        assert_eq!(vote.organization.as_deref(), Some("lower"));
        assert_eq!(vote.counts, [("yes".to_string(), 30), ("no".to_string(), 1), ("other".to_string(), 10)]);
        let raw_counts: Vec<(String, i64)> = raw["counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (s(&c["option"]).to_string(), c["value"].as_i64().unwrap()))
            .collect();
        assert_eq!(vote.counts, raw_counts);
        assert_eq!(vote.sources, [s(&raw["sources"][0]["url"])]);

        // The real roll call lists 40 members although its counts add up to 41.
        let raw_votes = raw["votes"].as_array().unwrap();
        assert_eq!(vote.votes.len(), 40);
        assert_eq!(vote.votes.len(), raw_votes.len());
        for (v, raw) in vote.votes.iter().zip(raw_votes) {
            assert_eq!((v.voter_name.as_str(), v.option.as_str()), (s(&raw["voter_name"]), s(&raw["option"])));
        }
        let by_name: BTreeMap<&str, &PersonVoteRecord> =
            vote.votes.iter().map(|v| (v.voter_name.as_str(), v)).collect();
        assert_eq!(by_name["Stephanie  T. Bolden"].option, "other");
        // Frank Burns sponsors nothing in this sample, so the API resolved no voter for him.
        assert_eq!(by_name["Frank Burns"].option, "yes");
        assert_eq!(by_name["Frank Burns"].person_source_key, None);
        // Mara Gorman does, and her voter id is the one in the people list.
        let gorman = by_name["Mara Gorman"].person_source_key.clone().unwrap();
        let people = all_people();
        let listed = people.iter().find(|p| p.name == "Mara Gorman").unwrap();
        assert_eq!(listed.source_key, gorman);
        assert_eq!(listed.chamber.as_deref(), Some("lower"));
    }

    #[test]
    fn every_vote_but_the_orphan_comes_with_its_bill() {
        let bill_ids: BTreeSet<String> = scrape("bill_").iter().map(|b| s(&b["_id"]).to_string()).collect();
        let (with_bill, orphans): (Vec<Value>, Vec<Value>) =
            scrape("vote_event_").into_iter().partition(|v| bill_ids.contains(s(&v["bill"])));
        assert_eq!(orphans.len(), 1, "PROVENANCE: DE has one orphan vote_event");

        let (all, _) = all_bill_pages();
        let keys: BTreeSet<String> = all.votes.iter().map(|v| v.dedupe_key.clone().unwrap()).collect();
        let expected: BTreeSet<String> = with_bill.iter().map(|v| format!("ocd-vote/{}", s(&v["_id"]))).collect();
        assert_eq!(keys, expected);
        assert_eq!(all.votes.len(), with_bill.len());
        assert!(!keys.contains(&format!("ocd-vote/{}", s(&orphans[0]["_id"]))));
    }

    #[test]
    fn one_malformed_bill_is_a_warning_and_the_page_still_parses() {
        let mut page = json("bills-page-1.json");
        let results = page["results"].as_array_mut().unwrap();
        let total = results.len();
        let broken_id = s(&results[3]["id"]).to_string();
        let broken_identifier = s(&results[3]["identifier"]).to_string();
        results[3]["actions"] = Value::String("not a list".into());
        let bytes = serde_json::to_vec(&page).unwrap();

        let (parsed, pagination) = parse_bills_page(&bytes, "page-1-edited", DE).unwrap();
        assert_eq!(pagination.page, 1);
        assert_eq!(parsed.bills.len(), total - 1);
        assert!(parsed.bills.iter().all(|b| b.identifier != broken_identifier));
        assert_eq!(parsed.warnings.len(), 1, "{:?}", parsed.warnings);
        let w = &parsed.warnings[0];
        assert_eq!(w.location, "page-1-edited");
        assert_eq!(w.record.as_deref(), Some(broken_id.as_str()));
        assert!(w.message.contains("`actions`"), "{}", w.message);
    }

    #[test]
    fn one_malformed_vote_is_a_warning_and_its_bill_is_kept() {
        let mut page = json("bills-page-1.json");
        let results = page["results"].as_array_mut().unwrap();
        let bill = results.iter_mut().find(|b| b["votes"].as_array().is_some_and(|v| !v.is_empty())).unwrap();
        let identifier = s(&bill["identifier"]).to_string();
        let votes_before = bill["votes"].as_array().unwrap().len();
        let vote_id = s(&bill["votes"][0]["id"]).to_string();
        bill["votes"][0]["counts"] = Value::from(7);
        let bytes = serde_json::to_vec(&page).unwrap();

        let (parsed, _) = parse_bills_page(&bytes, "page-1-edited", DE).unwrap();
        let bill = parsed.bills.iter().find(|b| b.identifier == identifier).unwrap();
        let votes = parsed.votes.iter().filter(|v| v.bill.source_key == bill.source_key).count();
        assert_eq!(votes, votes_before - 1);
        assert_eq!(parsed.warnings.len(), 1, "{:?}", parsed.warnings);
        assert_eq!(parsed.warnings[0].record.as_deref(), Some(vote_id.as_str()));
        assert!(parsed.warnings[0].message.contains("`counts`"), "{}", parsed.warnings[0].message);
    }

    #[test]
    fn actions_are_put_in_the_api_order() {
        // The API does not sort included actions; shuffle SB 4's and expect the scrape's order.
        let raw = scrape_bill("SB 4");
        let mut page = json("bills-page-3.json");
        let bill = page["results"].as_array_mut().unwrap().iter_mut().find(|b| b["identifier"] == "SB 4");
        let actions = bill.expect("SB 4 is on page 3")["actions"].as_array_mut().unwrap();
        actions.reverse();
        actions.swap(2, 7);
        let bytes = serde_json::to_vec(&page).unwrap();
        let (parsed, _) = parse_bills_page(&bytes, "page-3-shuffled", DE).unwrap();
        let bill = parsed.bills.iter().find(|b| b.identifier == "SB 4").unwrap();
        let got: Vec<&str> = bill.actions.iter().map(|a| a.description.as_str()).collect();
        let expected: Vec<&str> = raw["actions"].as_array().unwrap().iter().map(|a| s(&a["description"])).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn a_bill_of_another_jurisdiction_is_skipped() {
        let page = read("bills-page-1.json");
        let other = "ocd-jurisdiction/country:us/state:il/government";
        let (parsed, _) = parse_bills_page(&page, "bills-page-1.json", other).unwrap();
        assert!(parsed.bills.is_empty());
        assert_eq!(parsed.warnings.len(), 20);
        assert!(parsed.warnings[0].message.contains(DE), "{}", parsed.warnings[0].message);
    }

    #[test]
    fn a_page_that_is_not_a_list_answer_is_an_error_naming_its_location() {
        let err = parse_bills_page(b"<html>502 Bad Gateway</html>", "https://v3.openstates.org/bills?page=2", DE)
            .unwrap_err();
        assert!(matches!(err, ParseError::Json { .. }));
        assert!(err.to_string().starts_with("https://v3.openstates.org/bills?page=2: "), "{err}");

        // api/auth.py's answer to an unknown key.
        let body = br#"{"detail":"Invalid API Key. Login and visit https://openstates.org/account/profile/ for your API key."}"#;
        let err = parse_people_page(body, "people-page-1.json", DE).unwrap_err();
        assert!(matches!(&err, ParseError::Api { detail, .. } if detail.starts_with("Invalid API Key.")), "{err}");

        let err = parse_events_page(br#"{"results": []}"#, "events-page-1.json", DE).unwrap_err();
        let chain = crate::fetch::error_chain(&err);
        assert!(chain.contains("pagination"), "{chain}");
    }

    #[test]
    fn updated_since_page_holds_the_latest_updated_bills() {
        let (all, _) = all_bill_pages();
        let latest = all.bills.iter().filter_map(|b| b.updated_at.clone()).max().unwrap();
        let expected: BTreeSet<String> = all
            .bills
            .iter()
            .filter(|b| b.updated_at.as_deref() >= Some(latest.as_str()))
            .map(|b| b.identifier.clone())
            .collect();

        let (parsed, pagination) = parse_bills_page(&read("bills-updated-since.json"), "since", DE).unwrap();
        assert!(parsed.warnings.is_empty());
        let got: BTreeSet<String> = parsed.bills.iter().map(|b| b.identifier.clone()).collect();
        assert_eq!(got, expected);
        assert_eq!(pagination, Pagination { page: 1, max_page: 1, per_page: 20, total_items: got.len() as u64 });

        // The scrape files agree: these are the bills scraped last.
        let raw_latest = scrape("bill_").iter().map(|b| s(&b["scraped_at"]).to_string()).max().unwrap();
        assert_eq!(latest, raw_latest);
    }

    fn all_people() -> Vec<PersonRecord> {
        let mut people = Vec::new();
        let mut page = Some(1);
        while let Some(k) = page {
            let name = format!("people-page-{k}.json");
            let (parsed, pagination) = parse_people_page(&read(&name), &name, DE).unwrap();
            assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
            assert_eq!((pagination.page, pagination.per_page), (k, 50));
            page = pagination.next_page();
            people.extend(parsed.people);
        }
        people
    }

    #[test]
    fn people_are_the_distinct_sponsors_with_their_chambers() {
        // (name, chamber) from the sponsorships' pseudo-ids.
        let mut sponsors = BTreeSet::new();
        for bill in scrape("bill_") {
            for sp in bill["sponsorships"].as_array().unwrap() {
                let pseudo: Value = serde_json::from_str(&s(&sp["person_id"])[1..]).unwrap();
                sponsors.insert((s(&sp["name"]).to_string(), s(&pseudo["chamber"]).to_string()));
            }
        }
        let people = all_people();
        let got: BTreeSet<(String, String)> =
            people.iter().map(|p| (p.name.clone(), p.chamber.clone().unwrap())).collect();
        assert_eq!(got, sponsors);
        assert_eq!(people.len(), sponsors.len());

        let (page1, p) = parse_people_page(&read("people-page-1.json"), "p1", DE).unwrap();
        assert_eq!(page1.people.len(), 50);
        assert_eq!((p.max_page as usize, p.total_items as usize), (sponsors.len().div_ceil(50), sponsors.len()));
        // The derived people have no party or district: the scrape does not say.
        assert!(people.iter().all(|p| p.party.is_none() && p.district.is_none()));
        assert!(
            people.iter().all(|p| { p.source_url.as_deref().unwrap().starts_with("https://openstates.org/person/") })
        );
    }

    #[test]
    fn events_page_is_empty() {
        let (parsed, pagination) = parse_events_page(&read("events-page-1.json"), "events-page-1.json", DE).unwrap();
        assert_eq!(parsed.record_count(), 0);
        assert!(parsed.warnings.is_empty());
        assert_eq!(pagination, Pagination { page: 1, max_page: 1, per_page: 20, total_items: 0 });
        assert_eq!(pagination.next_page(), None);
    }

    /// FIXME: no real Open States event response (or OCD event) exists for any state, so this
    /// one is built here from the field names of api-v3's `Event` model, with a real DE bill.
    /// Replace it with a recorded page once there is one.
    #[test]
    fn event_fields_map_to_the_record() {
        let page = serde_json::json!({
            "results": [
                {"id": "ocd-event/00000000-0000-0000-0000-000000000001", "name": "Senate Executive Committee",
                 "jurisdiction": {"id": DE, "name": "Delaware", "classification": "state"},
                 "description": "", "classification": "committee-meeting",
                 "start_date": "2025-03-26T13:00:00", "end_date": "", "all_day": false,
                 "status": "tentative", "upstream_id": "", "deleted": false,
                 "location": {"name": "Senate Chamber", "url": ""},
                 "agenda": [{"description": "SB 4", "classification": [], "order": 0, "subjects": [],
                             "notes": [], "extras": {}, "media": [],
                             "related_entities": [
                                {"note": "", "name": "SB 4", "entity_type": "bill",
                                 "bill": {"id": "ocd-bill/405b6cde-ca8e-11f0-8677-32549feb6cd6",
                                          "session": "153", "identifier": "SB 4", "title": ""}},
                                {"note": "", "name": "Executive", "entity_type": "organization"}]}]},
                {"id": "ocd-event/00000000-0000-0000-0000-000000000002", "name": "No start"}
            ],
            "pagination": {"per_page": 20, "page": 1, "max_page": 1, "total_items": 2}
        });
        let (parsed, _) = parse_events_page(&serde_json::to_vec(&page).unwrap(), "synthetic", DE).unwrap();
        assert_eq!(parsed.events.len(), 1);
        let e = &parsed.events[0];
        assert_eq!(e.upstream_id.as_deref(), Some("ocd-event/00000000-0000-0000-0000-000000000001"));
        assert_eq!((e.start.as_str(), e.end.as_deref(), e.all_day), ("2025-03-26T13:00:00", None, false));
        assert_eq!(
            (e.status.as_str(), e.location.as_deref(), e.timezone.as_deref()),
            ("tentative", Some("Senate Chamber"), None)
        );
        assert_eq!(e.agenda.len(), 1);
        assert_eq!(e.agenda[0].bill_identifiers, ["SB 4"]);
        assert_eq!(parsed.warnings.len(), 1);
        assert_eq!(parsed.warnings[0].record.as_deref(), Some("ocd-event/00000000-0000-0000-0000-000000000002"));
        assert!(parsed.warnings[0].message.contains("`start_date`"), "{}", parsed.warnings[0].message);
    }

    fn query(url: &str) -> Vec<(String, String)> {
        url::Url::parse(url).unwrap().query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
    }

    #[test]
    fn bills_url_repeats_includes_and_never_sends_z() {
        let url = bills_url("https://v3.openstates.org/", "de", Some("153"), Some("2025-11-26T06:10:55Z"), 2);
        assert!(url.starts_with("https://v3.openstates.org/bills?"), "{url}");
        let pairs = query(&url);
        let includes: Vec<&str> = pairs.iter().filter(|(k, _)| k == "include").map(|(_, v)| v.as_str()).collect();
        assert_eq!(includes, INCLUDES);
        let get = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        assert_eq!(get("jurisdiction"), Some("de"));
        assert_eq!(get("session"), Some("153"));
        assert_eq!(get("updated_since"), Some("2025-11-26T06:10:55+00:00"));
        assert_eq!(get("per_page"), Some("20"));
        assert_eq!(get("page"), Some("2"));
        // `+` must be escaped, or the server reads a space.
        assert!(url.contains("updated_since=2025-11-26T06%3A10%3A55%2B00%3A00&"), "{url}");

        let no_since = bills_url("https://v3.openstates.org", "de", None, None, 1);
        assert!(!no_since.contains("session=") && !no_since.contains("updated_since="), "{no_since}");
    }

    #[test]
    fn api_datetime_is_what_fromisoformat_accepts() {
        let cases = [
            ("2025-11-26T06:10:55Z", "2025-11-26T06:10:55+00:00"),
            ("2025-01-31T00:00:00.123456Z", "2025-01-31T00:00:00+00:00"),
            ("2025-01-31T00:00:00-05:00", "2025-01-31T00:00:00-05:00"),
            ("2025-01-31T00:00:00+00:00", "2025-01-31T00:00:00+00:00"),
            ("2025-01-31T00:00:00", "2025-01-31T00:00:00"),
            ("2025-01-31", "2025-01-31"),
            ("2025-01-31T00:00Z", "2025-01-31T00:00+00:00"),
        ];
        for (input, expected) in cases {
            assert_eq!(api_datetime(input), expected, "{input}");
        }
    }

    #[test]
    fn urls_reproduce_the_fixture_requests() {
        let requests = json("requests.json");
        let base = "http://127.0.0.1:9";
        let target = |url: String| url.strip_prefix(base).unwrap().to_string();
        for k in 1..=8 {
            let name = format!("bills-page-{k}.json");
            assert_eq!(target(bills_url(base, "de", Some("153"), None, k)), s(&requests[&name]), "{name}");
        }
        // The incremental request, asked with a Z as a caller would.
        let (all, _) = all_bill_pages();
        let latest = all.bills.iter().filter_map(|b| b.updated_at.clone()).max().unwrap();
        let since = latest.replace("+00:00", "Z");
        assert_eq!(
            target(bills_url(base, "de", Some("153"), Some(&since), 1)),
            s(&requests["bills-updated-since.json"])
        );
        assert_eq!(target(people_url(base, "de", 1)), s(&requests["people-offices-page-1.json"]));
        assert_eq!(target(people_url(base, "de", 2)), s(&requests["people-offices-page-2.json"]));
        assert_eq!(target(events_url(base, "de", 1)), s(&requests["events-page-1.json"]));
        for k in 1..=3 {
            let name = format!("committees-page-{k}.json");
            assert_eq!(target(committees_url(base, "de", k)), s(&requests[&name]), "{name}");
        }
        assert_eq!(target(jurisdiction_url(base, DE)), s(&requests["jurisdiction-organizations.json"]));
    }

    /// The people files the API fixtures were derived from, by id.
    fn people_files(folder: &str) -> BTreeMap<String, std::path::PathBuf> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/openstates-people/de").join(folder);
        std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| {
                let text = std::fs::read_to_string(&p).unwrap();
                let id = text.lines().next().unwrap().trim_start_matches("id: ").to_string();
                (id, p)
            })
            .collect()
    }

    /// Every page of a list, following `next_page` from page 1.
    fn pages<F>(prefix: &str, mut parse: F) -> Parsed
    where
        F: FnMut(&[u8], &str) -> Result<(Parsed, Pagination), ParseError>,
    {
        let mut all = Parsed::default();
        let mut page = Some(1);
        while let Some(k) = page {
            let name = format!("{prefix}-{k}.json");
            let (parsed, pagination) = parse(&read(&name), &name).unwrap();
            assert!(parsed.warnings.is_empty(), "{name}: {:?}", parsed.warnings);
            all.extend(parsed);
            page = pagination.next_page();
        }
        all
    }

    #[test]
    fn people_with_offices_are_the_people_files_but_their_seats() {
        let api = pages("people-offices-page", |b, l| parse_people_page(b, l, DE)).people;
        let files = people_files("legislature");
        assert_eq!(api.len(), files.len(), "every current legislator");
        for p in &api {
            let bytes = std::fs::read(&files[&p.source_key]).unwrap();
            let yaml = crate::sources::openstates_people::parse_person(&bytes, "x.yml", false, "2026-01-01").unwrap();
            // What both carry, the same way.
            assert_eq!(
                (&p.name, &p.chamber, &p.district, &p.party, &p.email, &p.image, &p.source_url),
                (&yaml.name, &yaml.chamber, &yaml.district, &yaml.party, &yaml.email, &yaml.image, &yaml.source_url),
                "{}",
                p.name
            );
            assert_eq!((&p.given_name, &p.family_name), (&yaml.given_name, &yaml.family_name), "{}", p.name);
            assert_eq!((&p.other_names, &p.links), (&yaml.other_names, &yaml.links), "{}", p.name);
            assert_eq!(p.offices, yaml.offices, "{}: every office, whole", p.name);
            // What only the people file has: the seats over time, ids, whether former.
            assert_eq!((p.roles.is_none(), p.ids.is_empty(), p.former, p.complete), (true, true, None, false));
        }
        assert!(api.iter().all(|p| p.offices.as_ref().is_some_and(|o| !o.is_empty())));
    }

    #[test]
    fn committees_are_the_committee_files_with_their_chambers() {
        let chambers = parse_jurisdiction_chambers(&read("jurisdiction-organizations.json"), "j").unwrap();
        assert_eq!(chambers.len(), 3, "legislature, upper, lower; not the executive");
        let mut known = HashMap::new();
        let api = pages("committees-page", |b, l| parse_committees_page(b, l, DE, &chambers, &mut known));
        let files = people_files("committees");
        assert_eq!(api.organizations.len(), files.len());
        let mut names: Vec<&str> = api.organizations.iter().map(|c| c.name.as_str()).collect();
        assert!(names.is_sorted(), "ordered by name");
        names.dedup();
        assert!(names.len() < files.len(), "some names are in two chambers (Agriculture)");
        for c in &api.organizations {
            let yaml = crate::sources::openstates_people::parse_committee(
                &std::fs::read(&files[&c.source_key]).unwrap(),
                "x.yml",
            )
            .unwrap();
            assert_eq!((&c.name, &c.classification, &c.chamber), (&yaml.name, &yaml.classification, &yaml.chamber));
            assert_eq!(c.parent_source_key, None, "{}: its parent is its chamber", c.name);
            assert_eq!((&c.other_names, &c.links), (&yaml.other_names, &yaml.links), "{}", c.name);
            assert_eq!(c.members, yaml.members, "{}: the whole roster, in order, with person ids", c.name);
        }
        assert_eq!(known.len(), files.len());
    }

    #[test]
    fn a_committee_without_memberships_says_nothing_of_its_roster_and_a_subcommittee_gets_its_parents_chamber() {
        let chambers: HashMap<String, String> = [("ocd-organization/c".to_string(), "upper".to_string())].into();
        let body = br#"{"results":[
            {"id":"ocd-organization/00000000-0000-0000-0000-000000000002","name":"B sub","classification":"subcommittee","parent_id":"ocd-organization/00000000-0000-0000-0000-000000000001","extras":{}},
            {"id":"ocd-organization/00000000-0000-0000-0000-000000000001","name":"C","classification":"committee","parent_id":"ocd-organization/c","extras":{},"memberships":[]},
            {"id":"not-an-org","name":"D","classification":"committee","parent_id":"ocd-organization/c"},
            {"id":"ocd-organization/00000000-0000-0000-0000-000000000003","name":"E","classification":"committee","parent_id":"ocd-organization/c","memberships":[{"role":"chair"}]}
        ],"pagination":{"per_page":20,"page":1,"max_page":1,"total_items":4}}"#;
        let mut known = HashMap::new();
        let (parsed, _) = parse_committees_page(body, "c1", DE, &chambers, &mut known).unwrap();
        let [sub, c] = &parsed.organizations[..] else { panic!("{:?}", parsed.organizations) };
        assert_eq!((sub.members.as_ref(), sub.chamber.as_deref()), (None, Some("upper")));
        assert_eq!(sub.parent_source_key.as_deref(), Some("ocd-organization/00000000-0000-0000-0000-000000000001"));
        assert_eq!((c.members.as_deref(), c.parent_source_key.as_ref()), (Some(&[][..]), None));
        assert_eq!(parsed.warnings.len(), 2, "{:?}", parsed.warnings);
        assert!(parsed.warnings[1].message.contains("person_name"), "{}", parsed.warnings[1].message);
    }
}
