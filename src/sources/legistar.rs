//! `legistar`: the Legistar Web API (Granicus, `https://webapi.legistar.com/v1/{client}/…`),
//! the JSON API behind most US city councils' legislation sites (New York's `nyc`, Chicago's
//! `chicago`). One module for every client; a [`Client`] says which council it is.
//!
//! Pure: this module builds request addresses and reads response bytes; the one network loop
//! (`crate::fetch`) does the requests, paging and archiving.
//!
//! Responses are JSON arrays (one page) or one object (`/matters/{id}`), read with
//! [`parse_page`] / [`parse_record`] into the serde types below, then mapped to records:
//!
//! | Legistar | Field | Record |
//! |---|---|---|
//! | Matter | `MatterFile` ("Int 0938-2023", "LU 1505-1997") | bill `identifier` |
//! | Matter | `MatterName`, else `MatterTitle` (whitespace folded) | bill `title` |
//! | Matter | `MatterTitle`, when it differs from the title | bill `abstracts` |
//! | Matter | `MatterTypeName` ([`classify_matter_type`]) | bill `classification` |
//! | Matter | `MatterIntroDate`, else `MatterAgendaDate`, else `MatterPassedDate` | bill `session` ([`Term`]) |
//! | Matter | `MatterId` | bill `source_key` `legistar:{client}:matter:{id}`, and its sources |
//! | Matter | `MatterLastModifiedUtc` | bill `updated_at` |
//! | Matter | `MatterEnactmentNumber` (New York: "2024/108", local law 108 of 2024) | bill `citations` |
//! | MatterHistory | `MatterHistoryActionDate` (its date), `…ActionName` + `…ActionText` | action `date`, `description` |
//! | MatterHistory | `MatterHistoryActionBodyName` | action `organization` (the acting body) |
//! | MatterSponsor | `MatterSponsorName`, `…Sequence` (lowest = primary), `…NameId` | sponsorships |
//! | Event | `EventDate` (date) + `EventTime` ("10:30 AM") in the client's zone | event `start`, `timezone` |
//! | Event | `EventBodyName`; `EventComment` ("Jointly with the Committee on …") | event `name`, `participants` |
//! | Event | `EventLocation`, `EventComment` | event `location`, `description` |
//! | Event | `EventAgendaStatusName`, `EventMinutesStatusName`, wording ([`event_status`]) | event `status` |
//! | Event | `EventId` | event `upstream_id`/`source_key` `legistar:{client}:event:{id}` |
//! | Event | `EventInSiteURL` | event `sources` (with the API address) |
//! | EventItem | `…AgendaSequence` (else `…MinutesSequence`), `…Title`, `…MatterFile` | agenda items |
//! | EventItem + Votes | `…ActionName`, `…PassedFlagName`, `…Tally`, `VoteValueName` | votes ([`vote_record`]) |
//! | MatterHistory + Votes | the row read as its event item, with the matter | the same votes ([`history_vote`]) |
//! | Person | `PersonId`, `PersonFullName`, `PersonEmail` | people |
//! | Body | `BodyId`, `BodyName`, `BodyTypeName` | organizations |
//!
//! Quirks handled (shared research, data-sources.md §2–3, and the fixtures):
//! - at most 1,000 rows per response: every list address pages with `$top`/`$skip`
//!   ([`PAGE_SIZE`]) and a stable `$orderby` on the id, so pages do not shift while read;
//! - `…LastModifiedUtc` has no zone (it is UTC) and 0 to 7 fraction digits
//!   (`2014-05-24T04:10:20.03`, `2015-08-25T15:58:59.527`, `2015-08-25T15:58:59`); the
//!   incremental filter (`MatterLastModifiedUtc gt datetime'…'`) is written to the second, cut
//!   down, so the newest record of the last run is fetched again rather than a record of the
//!   same second missed;
//! - `EventDate` is always midnight (`T00:00:00`); the time is the text `EventTime`;
//! - texts carry `\r\n` and runs of spaces ("250 Broadway  -  Hearing Room"): titles, names,
//!   locations and action texts are folded to single spaces;
//! - a matter's history can hold the same action twice (Chicago's `dupe_event.json`: two
//!   "Passed" rows of one meeting, one written from the agenda, one from the minutes, with
//!   different ids, sequences and texts): rows with the same event, action, body, date and
//!   passed flag are one action ([`history_key`]); the first, by date then id, is kept;
//! - New York marks a meeting that did not take place by setting both its agenda and minutes
//!   status to "Deferred" (132 of the 688 meetings of 2023, `events_2023.json`; none has a
//!   minutes file). The deferred meeting keeps its date and time; when it is held, that is a
//!   new meeting with a new `EventId` (107 of the 132 are followed by a "Final" meeting of the
//!   same body, same comment, later in the year; a public monitor of the NYC API saw the same
//!   live). So "Deferred" is `cancelled`, as are "Cancelled"/"Postponed" in a status, comment
//!   or location; the fixtures hold no other cancellation wording. A meeting whose date is
//!   edited keeps its `EventId`, hence its `upstream_id`: it stays one hearing, moved;
//! - a joint hearing is one Event per committee, each naming the others in `EventComment`
//!   ("Jointly with the Committee on Health and the Committee on Hospitals."): the others are
//!   added to `participants`;
//! - the Votes endpoint is reported (a public Legistar client's notes) to answer for an item
//!   voted in a consent bloc with the votes of another item (the bloc's motion), stamped with
//!   that item's `VoteEventItemId`: votes of another item are dropped with a warning;
//! - a matter's sponsors response lists the sponsors of every version of the matter
//!   ("Int 0951-1997-A" and its original): only those of the matter's `MatterVersion` are kept;
//! - every field may be null or absent, and clients add custom fields (`MatterEXText1…11`):
//!   unknown fields are ignored, and an element of a page that does not fit its type is a
//!   warning naming its id; the rest of the page loads.
//!
//! Votes: an item was voted on when it has a roll call flag, a passed flag, a tally ("12-1",
//! affirmative-negative) or per-member votes. A matter history row's id is the id of its event
//! item, so `/eventitems/{MatterHistoryId}/votes` are its votes: [`history_vote`] reads the row
//! as that event item (and its meeting) and builds the vote [`vote_record`] builds, with the same
//! `source_key`/`dedupe_key` (`legistar:{client}:eventitem:{id}`), so a roll call reached from
//! both the meeting and the matter is one vote; [`history_has_roll_call`] says which rows to ask
//! votes for. Each member's value is mapped
//! to the OCD option ([`vote_option`]: as the Open States NYC scraper does, "Conflict" is
//! `absent`, "Recused" `abstain`, "Non-voting" `not voting`) and the Legistar word is kept as
//! the vote's `note`.
//!
//! Deliberately absent: matter indexes (subjects), attachments and texts (other endpoints,
//! no fixtures), office records (people's terms and districts), and the `passed` event
//! status, which depends on the clock.

use crate::model::*;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};
use chrono_tz::Tz;
use regex::Regex;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::HashSet;
use std::sync::LazyLock;
use url::Url;

/// The Legistar Web API's own row cap: a list response never holds more.
pub const PAGE_SIZE: usize = 1000;
/// The public Web API.
pub const DEFAULT_BASE_URL: &str = "https://webapi.legistar.com/v1";
/// The classification of an event held by a committee or subcommittee.
pub const COMMITTEE_MEETING: &str = "committee-meeting";

/// A council term: the session its matters belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// The session name, e.g. "2022-2023".
    pub name: String,
    pub start: NaiveDate,
    /// Inclusive.
    pub end: NaiveDate,
}

/// One Legistar client (one council). The API token, when the client needs one (New York
/// does), is not kept here: the caller adds it to each address with [`with_token`], so that
/// no record, warning or log line built from a `Client` can hold it.
#[derive(Debug, Clone)]
pub struct Client {
    /// The client name in the API's addresses: `nyc`, `chicago`.
    pub client: String,
    /// [`DEFAULT_BASE_URL`] unless testing.
    pub base_url: String,
    /// OCD jurisdiction id of the city.
    pub jurisdiction_id: String,
    /// The zone of `EventTime`.
    pub tz: Tz,
    /// Council terms, for sessions.
    pub terms: Vec<Term>,
    /// Rows asked for per list request: [`PAGE_SIZE`], the API's cap, unless testing paging.
    pub page_size: usize,
}

// ---------------------------------------------------------------------------------------------
// Serde types: every field optional, unknown fields ignored.
// ---------------------------------------------------------------------------------------------

/// `GET /matters`, `/matters/{id}`: a piece of legislation.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct Matter {
    pub matter_id: Option<i64>,
    pub matter_guid: Option<String>,
    pub matter_last_modified_utc: Option<String>,
    pub matter_file: Option<String>,
    pub matter_name: Option<String>,
    pub matter_title: Option<String>,
    pub matter_type_name: Option<String>,
    pub matter_status_name: Option<String>,
    pub matter_body_name: Option<String>,
    pub matter_intro_date: Option<String>,
    pub matter_agenda_date: Option<String>,
    pub matter_passed_date: Option<String>,
    pub matter_enactment_date: Option<String>,
    pub matter_enactment_number: Option<String>,
    pub matter_version: Option<String>,
}

/// `GET /matters/{id}/histories`: one action on a matter (an event item it appeared on).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct MatterHistory {
    pub matter_history_id: Option<i64>,
    pub matter_history_guid: Option<String>,
    pub matter_history_last_modified_utc: Option<String>,
    pub matter_history_event_id: Option<i64>,
    pub matter_history_agenda_sequence: Option<i64>,
    pub matter_history_minutes_sequence: Option<i64>,
    pub matter_history_agenda_number: Option<String>,
    pub matter_history_action_date: Option<String>,
    pub matter_history_action_id: Option<i64>,
    pub matter_history_action_name: Option<String>,
    pub matter_history_action_text: Option<String>,
    pub matter_history_action_body_id: Option<i64>,
    pub matter_history_action_body_name: Option<String>,
    pub matter_history_passed_flag: Option<i64>,
    pub matter_history_passed_flag_name: Option<String>,
    /// 1 when the row was voted by roll call: its votes are `/eventitems/{MatterHistoryId}/votes`.
    pub matter_history_roll_call_flag: Option<i64>,
    /// "12-1" (affirmative-negative).
    pub matter_history_tally: Option<String>,
    pub matter_history_mover_id: Option<i64>,
    pub matter_history_mover_name: Option<String>,
    pub matter_history_seconder_id: Option<i64>,
    pub matter_history_seconder_name: Option<String>,
}

/// `GET /matters/{id}/sponsors`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct MatterSponsor {
    pub matter_sponsor_id: Option<i64>,
    pub matter_sponsor_last_modified_utc: Option<String>,
    pub matter_sponsor_matter_id: Option<i64>,
    /// The matter version the sponsorship is of ("*", "1", "A"): amendments have their own.
    pub matter_sponsor_matter_version: Option<String>,
    pub matter_sponsor_name_id: Option<i64>,
    pub matter_sponsor_body_id: Option<i64>,
    pub matter_sponsor_name: Option<String>,
    pub matter_sponsor_sequence: Option<i64>,
}

/// `GET /events`, `/events/{id}`: a meeting of one body.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct Event {
    pub event_id: Option<i64>,
    pub event_guid: Option<String>,
    pub event_last_modified_utc: Option<String>,
    pub event_body_id: Option<i64>,
    pub event_body_name: Option<String>,
    /// Always `YYYY-MM-DDT00:00:00`.
    pub event_date: Option<String>,
    /// "10:30 AM".
    pub event_time: Option<String>,
    pub event_agenda_status_name: Option<String>,
    pub event_minutes_status_name: Option<String>,
    pub event_location: Option<String>,
    pub event_agenda_file: Option<String>,
    pub event_minutes_file: Option<String>,
    pub event_comment: Option<String>,
    pub event_video_path: Option<String>,
    #[serde(rename = "EventInSiteURL")]
    pub event_in_site_url: Option<String>,
    /// Filled only when asked for (`/events/{id}?EventItems=1`).
    #[serde(deserialize_with = "null_as_default")]
    pub event_items: Vec<EventItem>,
}

/// `GET /events/{id}/eventitems`: one agenda or minutes item of a meeting.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct EventItem {
    pub event_item_id: Option<i64>,
    pub event_item_last_modified_utc: Option<String>,
    pub event_item_event_id: Option<i64>,
    pub event_item_agenda_sequence: Option<i64>,
    pub event_item_minutes_sequence: Option<i64>,
    pub event_item_agenda_number: Option<String>,
    pub event_item_action_name: Option<String>,
    pub event_item_action_text: Option<String>,
    pub event_item_passed_flag: Option<i64>,
    pub event_item_passed_flag_name: Option<String>,
    pub event_item_roll_call_flag: Option<i64>,
    pub event_item_title: Option<String>,
    pub event_item_tally: Option<String>,
    pub event_item_mover: Option<String>,
    pub event_item_seconder: Option<String>,
    pub event_item_matter_id: Option<i64>,
    pub event_item_matter_file: Option<String>,
    pub event_item_matter_name: Option<String>,
    pub event_item_matter_type: Option<String>,
}

/// `GET /eventitems/{id}/votes`: one member's vote on an item (the API's `GranicusVote`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct Vote {
    pub vote_id: Option<i64>,
    pub vote_last_modified_utc: Option<String>,
    pub vote_person_id: Option<i64>,
    pub vote_person_name: Option<String>,
    pub vote_value_id: Option<i64>,
    /// Affirmative, Negative, Absent, Excused, Abstain, Conflict, Recused, Non-voting, …
    pub vote_value_name: Option<String>,
    pub vote_sort: Option<i64>,
    pub vote_result: Option<i64>,
    pub vote_event_item_id: Option<i64>,
}

/// `GET /bodies`: the council, its committees, offices.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct Body {
    pub body_id: Option<i64>,
    pub body_last_modified_utc: Option<String>,
    pub body_name: Option<String>,
    pub body_type_name: Option<String>,
    pub body_active_flag: Option<i64>,
}

/// `GET /persons`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct Person {
    pub person_id: Option<i64>,
    pub person_guid: Option<String>,
    pub person_last_modified_utc: Option<String>,
    pub person_first_name: Option<String>,
    pub person_last_name: Option<String>,
    pub person_full_name: Option<String>,
    pub person_active_flag: Option<i64>,
    pub person_email: Option<String>,
    #[serde(rename = "PersonWWW")]
    pub person_www: Option<String>,
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A type with a `…LastModifiedUtc`, for the incremental cursor.
pub trait LastModified {
    fn last_modified_utc(&self) -> Option<&str>;
}

macro_rules! last_modified {
    ($($t:ty => $f:ident),* $(,)?) => {
        $(impl LastModified for $t {
            fn last_modified_utc(&self) -> Option<&str> {
                self.$f.as_deref()
            }
        })*
    };
}

last_modified!(
    Matter => matter_last_modified_utc,
    MatterHistory => matter_history_last_modified_utc,
    MatterSponsor => matter_sponsor_last_modified_utc,
    Event => event_last_modified_utc,
    EventItem => event_item_last_modified_utc,
    Vote => vote_last_modified_utc,
    Body => body_last_modified_utc,
    Person => person_last_modified_utc,
);

// ---------------------------------------------------------------------------------------------
// Reading responses.
// ---------------------------------------------------------------------------------------------

/// Reads one list response (a JSON array). `Err` names `location` when the bytes are not a
/// JSON array; an element that does not fit `T` is skipped with a warning naming its position
/// and id, and the others load.
pub fn parse_page<T: DeserializeOwned>(bytes: &[u8], location: &str) -> Result<(Vec<T>, Vec<Warning>), String> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| format!("{location}: not JSON: {e}"))?;
    let Value::Array(elements) = value else {
        return Err(format!("{location}: expected a JSON array (a list response), found {}", kind(&value)));
    };
    let mut items = Vec::with_capacity(elements.len());
    let mut warnings = Vec::new();
    for (i, element) in elements.into_iter().enumerate() {
        let record = Some(element_name(&element, i));
        match serde_json::from_value::<T>(element) {
            Ok(t) => items.push(t),
            Err(e) => warnings.push(Warning::new(location, record, format!("element skipped: {e}"))),
        }
    }
    Ok((items, warnings))
}

/// Reads one single-object response (`/matters/{id}`, `/events/{id}`).
pub fn parse_record<T: DeserializeOwned>(bytes: &[u8], location: &str) -> Result<T, String> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| format!("{location}: not JSON: {e}"))?;
    if !value.is_object() {
        return Err(format!("{location}: expected a JSON object, found {}", kind(&value)));
    }
    serde_json::from_value(value).map_err(|e| format!("{location}: {e}"))
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// "element #3 (MatterId 17071)". The object's own id is the `…Id` key whose stem starts the
/// most keys (`MatterId`: every `Matter…` key; not `MatterAgiloftId`); the keys' order is not
/// kept by the parser, so it cannot be "the first".
fn element_name(v: &Value, i: usize) -> String {
    let id = v.as_object().and_then(|o| {
        o.iter()
            .filter_map(|(k, v)| {
                k.strip_suffix("Id").map(|stem| (o.keys().filter(|x| x.starts_with(stem)).count(), k, v))
            })
            .max_by_key(|(n, k, _)| (*n, std::cmp::Reverse(k.len())))
            .map(|(_, k, v)| format!(" ({k} {v})"))
    });
    format!("element #{}{}", i + 1, id.unwrap_or_default())
}

/// A `…LastModifiedUtc` as a comparable stamp (`as_of`): fixed width, microseconds.
fn stamp(raw: Option<&str>) -> Option<String> {
    raw.and_then(parse_last_modified).map(|t| t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string())
}

/// A `…LastModifiedUtc` value: no zone (UTC), any number of fraction digits, or none. A value
/// with an offset (the API's documentation samples have one) is converted to UTC.
pub fn parse_last_modified(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    let s = s.strip_suffix('Z').unwrap_or(s);
    if let Ok(dt) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(dt);
    }
    DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%:z").ok().map(|dt| dt.naive_utc())
}

/// The newest `…LastModifiedUtc` of a page: the next incremental run's cursor. Records
/// without one, or with one that does not parse, are passed over.
pub fn max_last_modified<T: LastModified>(items: &[T]) -> Option<NaiveDateTime> {
    items.iter().filter_map(|i| i.last_modified_utc().and_then(parse_last_modified)).max()
}

/// Whether a list response of `rows` rows was the last page.
pub fn is_last_page(rows: usize) -> bool {
    rows < PAGE_SIZE
}

// ---------------------------------------------------------------------------------------------
// Addresses.
// ---------------------------------------------------------------------------------------------

/// Percent-encodes a query value: everything but RFC 3986 unreserved characters, so spaces
/// are `%20` (not `+`) and quotes `%27`.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `url` with `token={token}` added: for clients whose API needs a token. The result is a
/// secret: log [`crate::fetch::redact_url`]ed addresses only.
pub fn with_token(url: &Url, token: &str) -> Url {
    let mut u = url.clone();
    let q = match url.query() {
        Some(q) if !q.is_empty() => format!("{q}&token={}", encode(token)),
        _ => format!("token={}", encode(token)),
    };
    u.set_query(Some(&q));
    u
}

impl Client {
    /// A client of the public API.
    pub fn new(client: &str, jurisdiction_id: &str, tz: Tz, terms: Vec<Term>) -> Client {
        Client {
            client: client.to_string(),
            base_url: DEFAULT_BASE_URL.to_string(),
            jurisdiction_id: jurisdiction_id.to_string(),
            tz,
            terms,
            page_size: PAGE_SIZE,
        }
    }

    /// Whether a list response of `rows` rows was the last page.
    pub fn is_last_page(&self, rows: usize) -> bool {
        rows < self.page_size
    }

    /// One event.
    pub fn event_url(&self, event_id: i64) -> Result<Url, url::ParseError> {
        self.url(&format!("events/{event_id}"), &[])
    }

    /// One matter.
    pub fn matter_url(&self, matter_id: i64) -> Result<Url, url::ParseError> {
        self.url(&format!("matters/{matter_id}"), &[])
    }

    fn url(&self, path: &str, query: &[(&str, String)]) -> Result<Url, url::ParseError> {
        let mut s = format!("{}/{}/{}", self.base_url.trim_end_matches('/'), encode(&self.client), path);
        let q: Vec<String> = query.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
        if !q.is_empty() {
            s.push('?');
            s.push_str(&q.join("&"));
        }
        // Fails only when `base_url` (configuration) is not a URL.
        Url::parse(&s)
    }

    fn paged(&self, path: &str, order_by: &str, filter: Option<String>, skip: usize) -> Result<Url, url::ParseError> {
        let mut q = Vec::new();
        if let Some(f) = filter {
            q.push(("$filter", f));
        }
        q.push(("$orderby", order_by.to_string()));
        q.push(("$top", self.page_size.to_string()));
        q.push(("$skip", skip.to_string()));
        self.url(path, &q)
    }

    /// One page of matters, `skip` rows in; only those modified after `since` when given.
    pub fn matters_url(&self, since: Option<NaiveDateTime>, skip: usize) -> Result<Url, url::ParseError> {
        self.paged("matters", "MatterId", since.map(|t| modified_after("MatterLastModifiedUtc", t)), skip)
    }

    /// One page of events (meetings), `skip` rows in; only those modified after `since`.
    pub fn events_url(&self, since: Option<NaiveDateTime>, skip: usize) -> Result<Url, url::ParseError> {
        self.paged("events", "EventId", since.map(|t| modified_after("EventLastModifiedUtc", t)), skip)
    }

    /// A matter's history (its actions).
    pub fn matter_histories_url(&self, matter_id: i64) -> Result<Url, url::ParseError> {
        self.url(&format!("matters/{matter_id}/histories"), &[])
    }

    /// A matter's sponsors.
    pub fn matter_sponsors_url(&self, matter_id: i64) -> Result<Url, url::ParseError> {
        self.url(&format!("matters/{matter_id}/sponsors"), &[])
    }

    /// A meeting's items, with their agenda and minutes notes and the matters' attachments.
    pub fn event_items_url(&self, event_id: i64) -> Result<Url, url::ParseError> {
        let one = || "1".to_string();
        self.url(
            &format!("events/{event_id}/eventitems"),
            &[("AgendaNote", one()), ("MinutesNote", one()), ("Attachments", one())],
        )
    }

    /// The members' votes on one item (a matter history row's id is its event item's id).
    pub fn event_item_votes_url(&self, event_item_id: i64) -> Result<Url, url::ParseError> {
        self.url(&format!("eventitems/{event_item_id}/votes"), &[])
    }

    /// One page of bodies.
    pub fn bodies_url(&self, skip: usize) -> Result<Url, url::ParseError> {
        self.paged("bodies", "BodyId", None, skip)
    }

    /// One page of persons.
    pub fn persons_url(&self, skip: usize) -> Result<Url, url::ParseError> {
        self.paged("persons", "PersonId", None, skip)
    }

    /// The council terms as sessions, for the jurisdiction record.
    pub fn session_records(&self) -> Vec<SessionRecord> {
        self.terms
            .iter()
            .map(|t| SessionRecord {
                identifier: t.name.clone(),
                name: t.name.clone(),
                classification: Some("primary".to_string()),
                start_date: t.start.format("%Y-%m-%d").to_string(),
                end_date: t.end.format("%Y-%m-%d").to_string(),
                active: None,
            })
            .collect()
    }

    /// The term holding `date`, when one does.
    pub fn term_for(&self, date: NaiveDate) -> Option<&Term> {
        self.terms.iter().find(|t| t.start <= date && date <= t.end)
    }

    /// The session of something dated `date`: its term's name, else the calendar year with a
    /// warning (`None` when there is no date at all: "unknown").
    fn session(&self, date: Option<NaiveDate>, location: &str, record: &str, warnings: &mut Vec<Warning>) -> String {
        match date {
            Some(d) => match self.term_for(d) {
                Some(t) => t.name.clone(),
                None => {
                    warnings.push(Warning::new(
                        location,
                        Some(record.to_string()),
                        format!("no council term holds {d}; session is the year {}", d.format("%Y")),
                    ));
                    d.format("%Y").to_string()
                }
            },
            None => {
                warnings.push(Warning::new(location, Some(record.to_string()), "no date to place it in a term"));
                "unknown".to_string()
            }
        }
    }

    fn key(&self, kind: &str, id: impl std::fmt::Display) -> String {
        format!("legistar:{}:{kind}:{id}", self.client)
    }

    fn api(&self, path: &str) -> String {
        format!("{}/{}/{}", self.base_url.trim_end_matches('/'), self.client, path)
    }
}

/// `{field} gt datetime'YYYY-MM-DDTHH:MM:SS'`, the fraction cut off (see the module doc).
fn modified_after(field: &str, t: NaiveDateTime) -> String {
    format!("{field} gt datetime'{}'", t.format("%Y-%m-%dT%H:%M:%S"))
}

// ---------------------------------------------------------------------------------------------
// Records.
// ---------------------------------------------------------------------------------------------

/// Whitespace (`\r\n`, runs of spaces) folded, ends trimmed; `None` when empty.
fn clean(s: Option<&str>) -> Option<String> {
    let s = s?.split_whitespace().collect::<Vec<_>>().join(" ");
    (!s.is_empty()).then_some(s)
}

/// An optional id for a message: the number, or "(no id)".
fn id_text(id: Option<i64>) -> String {
    id.map_or_else(|| "(no id)".to_string(), |i| i.to_string())
}

/// The date of a Legistar datetime (`1997-11-25T14:15:58`, `2023-01-05T00:00:00`).
fn date_of(s: Option<&str>) -> Option<NaiveDate> {
    let s = s?.trim();
    NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

/// Bill classification from `MatterTypeName`. The council types with an Open Civic Data
/// equivalent are mapped; the long tail of other types (New York has 91: "Land Use
/// Application", "Mayor's Message", "Communication", "Oversight", …) keep their name, lower
/// case, so that they can still be told apart. Empty when there is no type.
pub fn classify_matter_type(type_name: &str) -> Vec<String> {
    let t = type_name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    let c = match t.as_str() {
        "" => return Vec::new(),
        // New York's "Int": a proposed local law.
        "introduction" | "local law" | "bill" => "bill",
        "ordinance" => "ordinance",
        "resolution" => "resolution",
        "appointment" | "appointments" => "appointment",
        "petition" => "petition",
        "proclamation" => "proclamation",
        "order" => "order",
        "claim" | "claims" => "claim",
        other => other,
    };
    vec![c.to_string()]
}

/// The identity of a history row for collapsing duplicates: the meeting, the action, the body,
/// the date and the passed flag. Not the id, guid, row version or last-modified time, and not
/// the agenda/minutes sequences or the text: Chicago's duplicate "Passed" rows differ in
/// exactly those (one is the agenda's row, the other the minutes').
pub fn history_key(h: &MatterHistory) -> (Option<i64>, String, String, Option<NaiveDate>, Option<i64>) {
    let action = match h.matter_history_action_id {
        Some(id) => format!("#{id}"),
        None => clean(h.matter_history_action_name.as_deref()).unwrap_or_default().to_lowercase(),
    };
    let body = match h.matter_history_action_body_id {
        Some(id) => format!("#{id}"),
        None => clean(h.matter_history_action_body_name.as_deref()).unwrap_or_default().to_lowercase(),
    };
    (
        h.matter_history_event_id,
        action,
        body,
        date_of(h.matter_history_action_date.as_deref()),
        h.matter_history_passed_flag,
    )
}

/// An action's text: its name, and its text when that says more. A text that starts with the
/// name ("Recommended to Pass  BY VOICE VOTE") replaces it; another is appended after a colon.
fn action_description(name: &str, text: Option<&str>) -> String {
    match clean(text) {
        Some(t) if t.eq_ignore_ascii_case(name) => name.to_string(),
        Some(t) if t.to_lowercase().starts_with(&name.to_lowercase()) => t,
        Some(t) => format!("{name}: {t}"),
        None => name.to_string(),
    }
}

/// One matter with its history and sponsors → a bill. `location` names the payload in
/// warnings and the record's origin.
pub fn bill_record(
    client: &Client,
    matter: &Matter,
    histories: &[MatterHistory],
    sponsors: &[MatterSponsor],
    location: &str,
) -> (BillRecord, Vec<Warning>) {
    let mut warnings = Vec::new();
    let id = matter.matter_id;
    let identifier = match clean(matter.matter_file.as_deref()) {
        Some(f) => f,
        None => {
            let fallback = id.map(|i| format!("MatterId {i}")).unwrap_or_else(|| "(no MatterFile)".into());
            warnings.push(Warning::new(location, Some(fallback.clone()), "matter has no MatterFile; named by its id"));
            fallback
        }
    };
    let warn = |w: &mut Vec<Warning>, m: String| w.push(Warning::new(location, Some(identifier.clone()), m));

    let name = clean(matter.matter_name.as_deref());
    let long_title = clean(matter.matter_title.as_deref());
    let title = match (&name, &long_title) {
        (Some(n), _) => n.clone(),
        (None, Some(t)) => t.clone(),
        (None, None) => {
            warn(&mut warnings, "matter has neither MatterName nor MatterTitle".into());
            String::new()
        }
    };
    let abstracts = match (&name, &matter.matter_title) {
        (Some(n), Some(t)) if clean(Some(t)).as_deref() != Some(n.as_str()) => {
            vec![t.replace("\r\n", "\n").trim().to_string()]
        }
        _ => Vec::new(),
    };

    let dated = date_of(matter.matter_intro_date.as_deref())
        .or_else(|| date_of(matter.matter_agenda_date.as_deref()))
        .or_else(|| date_of(matter.matter_passed_date.as_deref()));
    let session = client.session(dated, location, &identifier, &mut warnings);

    // Actions: rows without a name or date are skipped; duplicates collapsed; date order.
    let mut rows: Vec<(&MatterHistory, NaiveDateTime, String)> = Vec::new();
    for h in histories {
        let Some(action) = clean(h.matter_history_action_name.as_deref()) else {
            warn(&mut warnings, format!("history row {} has no action name; skipped", id_text(h.matter_history_id)));
            continue;
        };
        let when = h
            .matter_history_action_date
            .as_deref()
            .and_then(|s| parse_last_modified(s).or_else(|| date_of(Some(s)).map(|d| d.and_time(NaiveTime::MIN))));
        let Some(when) = when else {
            warn(
                &mut warnings,
                format!("history row {} ({action}) has no action date; skipped", id_text(h.matter_history_id)),
            );
            continue;
        };
        rows.push((h, when, action));
    }
    rows.sort_by_key(|(h, when, _)| (*when, h.matter_history_id));
    let mut seen = HashSet::new();
    let actions = rows
        .into_iter()
        .filter(|(h, _, _)| seen.insert(history_key(h)))
        .map(|(h, when, action)| ActionRecord {
            date: when.date().format("%Y-%m-%d").to_string(),
            description: action_description(&action, h.matter_history_action_text.as_deref()),
            organization: clean(h.matter_history_action_body_name.as_deref()),
            classification: Vec::new(),
            related_entities: Vec::new(),
        })
        .collect();

    // Sponsors: of the matter's version; by sequence; the lowest sequence is the primary.
    let mut sorted: Vec<&MatterSponsor> = sponsors_of_version(sponsors, matter.matter_version.as_deref());
    sorted.sort_by_key(|s| (s.matter_sponsor_sequence.unwrap_or(i64::MAX), s.matter_sponsor_id));
    let primary_seq = sorted.first().and_then(|s| s.matter_sponsor_sequence);
    let mut sponsorships = Vec::new();
    for (i, s) in sorted.iter().enumerate() {
        let Some(name) = clean(s.matter_sponsor_name.as_deref()) else {
            warn(&mut warnings, format!("sponsor {} has no name; skipped", id_text(s.matter_sponsor_id)));
            continue;
        };
        let primary = if primary_seq.is_some() { s.matter_sponsor_sequence == primary_seq } else { i == 0 };
        let is_body = s.matter_sponsor_name_id.is_none() && s.matter_sponsor_body_id.is_some();
        sponsorships.push(SponsorshipRecord {
            name,
            entity_type: if is_body { "organization" } else { "person" }.to_string(),
            primary,
            classification: if primary { "primary" } else { "cosponsor" }.to_string(),
            chamber: None,
            person_source_key: s.matter_sponsor_name_id.map(|p| client.key("person", p)),
        });
    }

    let mut sources = Vec::new();
    if let Some(id) = id {
        if let Some(guid) = matter.matter_guid.as_deref().filter(|g| !g.is_empty()) {
            sources.push(format!("https://{}.legistar.com/LegislationDetail.aspx?ID={id}&GUID={guid}", client.client));
        }
        sources.push(client.api(&format!("matters/{id}")));
    }
    let bill = BillRecord {
        origin: Origin { location: location.to_string(), payload_sha256: None },
        source_key: id.map(|i| client.key("matter", i)),
        jurisdiction_id: client.jurisdiction_id.clone(),
        session,
        identifier,
        title,
        classification: classify_matter_type(matter.matter_type_name.as_deref().unwrap_or("")),
        subjects: Vec::new(),
        abstracts,
        other_titles: Vec::new(),
        other_identifiers: Vec::new(),
        from_organization: Some("legislature".to_string()),
        actions,
        sponsorships,
        versions: Vec::new(),
        documents: Vec::new(),
        related_bills: Vec::new(),
        citations: clean(matter.matter_enactment_number.as_deref()).into_iter().collect(),
        sources,
        updated_at: matter.matter_last_modified_utc.clone(),
        // A matter is loaded only with its histories and sponsors (a matter whose details
        // failed is not loaded at all): its full record.
        complete: BillScope::FULL,
        as_of: stamp(matter.matter_last_modified_utc.as_deref()),
    };
    (bill, warnings)
}

/// The sponsors of one version of a matter: a matter's sponsors response lists those of every
/// version (an amended "Int 0951-1997-A" has its own list), so the same member can be there
/// twice. Those of `version` (the matter's `MatterVersion`) when any are; else those of the
/// latest version (numbers and letters rank above "*", the original); else all.
fn sponsors_of_version<'a>(sponsors: &'a [MatterSponsor], version: Option<&str>) -> Vec<&'a MatterSponsor> {
    let v = |s: &MatterSponsor| s.matter_sponsor_matter_version.as_deref().map(str::trim).unwrap_or("").to_string();
    let versions: HashSet<String> = sponsors.iter().map(v).collect();
    let wanted = match version.map(str::trim) {
        Some(w) if versions.contains(w) => w.to_string(),
        _ => match versions.iter().max_by_key(|x| version_rank(x)) {
            Some(latest) if versions.len() > 1 => latest.clone(),
            _ => return sponsors.iter().collect(),
        },
    };
    sponsors.iter().filter(|s| v(s) == wanted).collect()
}

/// "" < "*" < numbers (by value) < letters ("A" < "B" < … < "AA").
fn version_rank(v: &str) -> (u8, u64, usize, String) {
    match v {
        "" => (0, 0, 0, String::new()),
        "*" => (1, 0, 0, String::new()),
        _ => match v.parse::<u64>() {
            Ok(n) => (2, n, 0, String::new()),
            Err(_) => (3, 0, v.len(), v.to_uppercase()),
        },
    }
}

static CANCELLED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b(cancel+ed|cancel+ation|postponed|deferred)\b").expect("valid regex"));

/// An event's status: `cancelled` when its agenda or minutes status is "Deferred",
/// "Cancelled" or "Postponed", or its comment or location says so; else `confirmed`.
pub fn event_status(e: &Event) -> &'static str {
    let statuses = [&e.event_agenda_status_name, &e.event_minutes_status_name];
    let words = [&e.event_comment, &e.event_location];
    if statuses.iter().chain(words.iter()).any(|s| s.as_deref().is_some_and(|s| CANCELLED.is_match(s))) {
        "cancelled"
    } else {
        "confirmed"
    }
}

/// The other bodies of a joint hearing, from "Jointly with the Committee on A, the Committee
/// on B and the Subcommittee on C." (names can hold commas and "and" themselves: the split is
/// only before "the Committee"/"the Subcommittee").
fn joint_bodies(comment: &str) -> Vec<String> {
    static JOINTLY: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?i)^\s*jointly with\s+(.*)$").expect("valid regex"));
    static SPLIT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)(?:,\s*(?:and\s+)?|\s+and\s+)(the\s+(?:sub)?committee\b)").expect("valid regex")
    });
    let Some(c) = JOINTLY.captures(comment.trim()) else { return Vec::new() };
    let rest = c[1].trim().trim_end_matches('.');
    let marked = SPLIT.replace_all(rest, "\u{0}$1");
    marked
        .split('\u{0}')
        .map(|p| {
            let p = p.trim();
            let p = if p.len() > 4 && p[..4].eq_ignore_ascii_case("the ") { &p[4..] } else { p };
            p.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .filter(|p| !p.is_empty())
        .collect()
}

/// The start of a meeting: `EventDate`'s date and `EventTime` ("10:30 AM") as a naive local
/// datetime (`2023-01-05T10:00:00`), or the date alone when there is no time.
fn event_start(e: &Event, location: &str, record: &str, warnings: &mut Vec<Warning>) -> Option<(NaiveDate, String)> {
    let date = date_of(e.event_date.as_deref())?;
    let time = e.event_time.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let parsed = time.map(|t| {
        let t = t.to_uppercase().replace('.', "");
        NaiveTime::parse_from_str(&t, "%I:%M %p").or_else(|_| NaiveTime::parse_from_str(&t, "%I:%M%p"))
    });
    let start = match parsed {
        Some(Ok(t)) => date.and_time(t).format("%Y-%m-%dT%H:%M:%S").to_string(),
        Some(Err(_)) => {
            warnings.push(Warning::new(
                location,
                Some(record.to_string()),
                format!("EventTime {:?} is not a time of day; the start is the date alone", time.unwrap_or("")),
            ));
            date.format("%Y-%m-%d").to_string()
        }
        None => date.format("%Y-%m-%d").to_string(),
    };
    Some((date, start))
}

/// One meeting and its items → an event. `items` are the meeting's EventItems; when empty,
/// the event's own `EventItems` (filled by `?EventItems=1`) are used.
pub fn event_record(
    client: &Client,
    event: &Event,
    items: &[EventItem],
    location: &str,
) -> (EventRecord, Vec<Warning>) {
    let mut warnings = Vec::new();
    let record = match event.event_id {
        Some(id) => format!("EventId {id}"),
        None => "(no EventId)".to_string(),
    };
    let name = clean(event.event_body_name.as_deref()).unwrap_or_else(|| {
        warnings.push(Warning::new(location, Some(record.clone()), "event has no EventBodyName"));
        String::new()
    });
    let start = match event_start(event, location, &record, &mut warnings) {
        Some((_, s)) => s,
        None => {
            // Normalization skips an event without a start, with its own warning.
            warnings.push(Warning::new(location, Some(record.clone()), "event has no EventDate"));
            String::new()
        }
    };
    let comment = clean(event.event_comment.as_deref());
    let mut participants: Vec<String> = name.is_empty().then(Vec::new).unwrap_or_else(|| vec![name.clone()]);
    for b in comment.as_deref().map(joint_bodies).unwrap_or_default() {
        if !participants.iter().any(|p| p.eq_ignore_ascii_case(&b)) {
            participants.push(b);
        }
    }
    let items = if items.is_empty() { &event.event_items[..] } else { items };
    let agenda = agenda(items);
    let mut sources = Vec::new();
    if let Some(u) = clean(event.event_in_site_url.as_deref()) {
        sources.push(u);
    }
    if let Some(id) = event.event_id {
        sources.push(client.api(&format!("events/{id}")));
    }
    let key = event.event_id.map(|id| client.key("event", id));
    let classification = if name.to_lowercase().contains("committee") { COMMITTEE_MEETING } else { "meeting" };
    let e = EventRecord {
        origin: Origin { location: location.to_string(), payload_sha256: None },
        source_key: key.clone(),
        jurisdiction_id: client.jurisdiction_id.clone(),
        name,
        description: comment.unwrap_or_default(),
        classification: classification.to_string(),
        start,
        end: None,
        all_day: false,
        timezone: Some(client.tz.name().to_string()),
        status: event_status(event).to_string(),
        location: clean(event.event_location.as_deref()),
        upstream_id: key,
        participants,
        agenda,
        sources,
        agenda_complete: true,
        as_of: stamp(event.event_last_modified_utc.as_deref()),
    };
    (e, warnings)
}

/// Agenda items in agenda order; items only in the minutes (no agenda sequence) follow, in
/// minutes order. `order` is the agenda (else minutes) sequence.
fn agenda(items: &[EventItem]) -> Vec<AgendaItemRecord> {
    let mut sorted: Vec<&EventItem> = items.iter().collect();
    sorted.sort_by_key(|i| {
        (
            i.event_item_agenda_sequence.is_none(),
            i.event_item_agenda_sequence.or(i.event_item_minutes_sequence).unwrap_or(i64::MAX),
            i.event_item_id,
        )
    });
    sorted
        .into_iter()
        .enumerate()
        .map(|(n, i)| AgendaItemRecord {
            order: i.event_item_agenda_sequence.or(i.event_item_minutes_sequence).unwrap_or(n as i64 + 1),
            description: clean(i.event_item_title.as_deref())
                .or_else(|| clean(i.event_item_matter_name.as_deref()))
                .or_else(|| clean(i.event_item_action_name.as_deref()))
                .unwrap_or_default(),
            bill_identifiers: clean(i.event_item_matter_file.as_deref()).into_iter().collect(),
            classification: Vec::new(),
        })
        .collect()
}

/// A Legistar vote value → the OCD option (`yes`, `no`, `abstain`, `absent`, `excused`,
/// `not voting`, `other`). New York's values as the Open States NYC scraper maps them
/// ("Conflict" → `absent`, "Recused" → `abstain`, "Maternity"/"Medical"/"Jury Duty"/… →
/// `excused`, "Non-voting" → `not voting`), and the usual words of other councils.
pub fn vote_option(value: &str) -> &'static str {
    let v = value.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    match v.as_str() {
        "affirmative" | "aye" | "ayes" | "yes" | "yea" | "yeas" | "approve" | "approved" => "yes",
        "negative" | "nay" | "nays" | "no" | "noes" | "oppose" | "opposed" => "no",
        "abstain" | "abstained" | "abstention" | "recused" | "recusal" | "present" => "abstain",
        // A member with a conflict of interest leaves the vote (New York).
        "absent" | "absent - not voting" | "conflict" => "absent",
        "excused" | "medical" | "maternity" | "paternity" | "bereavement" | "jury duty" | "leave" => "excused",
        "non-voting" | "non voting" | "not voting" | "did not vote" | "no vote" => "not voting",
        _ => "other",
    }
}

/// A tally "45-4" (affirmative-negative) → counts.
fn parse_tally(tally: &str) -> Option<Vec<(String, i64)>> {
    static TALLY: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\s*(\d+)\s*-\s*(\d+)\s*$").expect("valid regex"));
    let c = TALLY.captures(tally)?;
    Some(vec![("yes".to_string(), c[1].parse().ok()?), ("no".to_string(), c[2].parse().ok()?)])
}

/// One meeting item with its members' votes → a vote, when the item was voted on: it has a
/// roll call flag, a passed flag, a tally or votes. `None` for the other items (hearings,
/// filings). Counts come from the members' votes when there are any (a disagreeing tally is a
/// warning), else from the tally; a voice vote has a result and no counts.
pub fn vote_record(
    client: &Client,
    event: &Event,
    item: &EventItem,
    votes: &[Vote],
    location: &str,
) -> Option<(VoteRecord, Vec<Warning>)> {
    let tally = clean(item.event_item_tally.as_deref());
    let voted = item.event_item_roll_call_flag.is_some_and(|f| f != 0)
        || item.event_item_passed_flag.is_some()
        || tally.is_some()
        || !votes.is_empty();
    if !voted {
        return None;
    }
    let mut warnings = Vec::new();
    let record = match item.event_item_id {
        Some(id) => format!("EventItemId {id}"),
        None => "(no EventItemId)".to_string(),
    };
    let warn = |w: &mut Vec<Warning>, m: String| w.push(Warning::new(location, Some(record.clone()), m));

    let mut own: Vec<&Vote> = Vec::new();
    for v in votes {
        match (v.vote_event_item_id, item.event_item_id) {
            (Some(a), Some(b)) if a != b => warn(
                &mut warnings,
                format!(
                    "vote of {} belongs to event item {a}, not this one; dropped",
                    clean(v.vote_person_name.as_deref()).unwrap_or_else(|| id_text(v.vote_person_id))
                ),
            ),
            _ => own.push(v),
        }
    }
    own.sort_by_key(|v| v.vote_sort.unwrap_or(i64::MAX));
    let mut person_votes = Vec::new();
    for v in own {
        let Some(name) = clean(v.vote_person_name.as_deref()) else {
            warn(&mut warnings, format!("vote of person {} has no name; skipped", id_text(v.vote_person_id)));
            continue;
        };
        let raw = clean(v.vote_value_name.as_deref()).unwrap_or_default();
        let option = vote_option(&raw);
        if option == "other" {
            warn(&mut warnings, format!("vote value {raw:?} of {name} is not a known option; recorded as other"));
        }
        person_votes.push(PersonVoteRecord {
            voter_name: name,
            option: option.to_string(),
            note: raw,
            person_source_key: v.vote_person_id.map(|p| client.key("person", p)),
        });
    }

    let from_tally = tally.as_deref().and_then(|t| {
        let parsed = parse_tally(t);
        if parsed.is_none() {
            warn(&mut warnings, format!("tally {t:?} is not \"yes-no\"; not used"));
        }
        parsed
    });
    let counts = if person_votes.is_empty() {
        from_tally.unwrap_or_default()
    } else {
        let counts: Vec<(String, i64)> = crate::normalize::votes::OPTIONS
            .iter()
            .map(|o| (o.to_string(), person_votes.iter().filter(|v| v.option == *o).count() as i64))
            .filter(|(_, n)| *n > 0)
            .collect();
        if let Some(t) = from_tally {
            let get = |c: &[(String, i64)], k: &str| c.iter().find(|(o, _)| o == k).map_or(0, |(_, n)| *n);
            if get(&counts, "yes") != get(&t, "yes") || get(&counts, "no") != get(&t, "no") {
                warn(
                    &mut warnings,
                    format!(
                        "tally {:?} disagrees with the members' votes; the votes are counted",
                        tally.as_deref().unwrap_or("")
                    ),
                );
            }
        }
        counts
    };

    let result = match (clean(item.event_item_passed_flag_name.as_deref()), item.event_item_passed_flag) {
        (Some(r), _) => r.to_lowercase(),
        (None, Some(1)) => "pass".to_string(),
        (None, Some(0)) => "fail".to_string(),
        _ => {
            warn(&mut warnings, "no passed flag: result unknown".into());
            String::new()
        }
    };
    let event_record = event.event_id.map(|id| format!("EventId {id}")).unwrap_or_else(|| record.clone());
    let (date, start) = match event_start(event, location, &event_record, &mut warnings) {
        Some((d, s)) => (Some(d), s),
        None => {
            warn(&mut warnings, "its event has no EventDate".into());
            (None, String::new())
        }
    };
    let session = client.session(date, location, &record, &mut warnings);
    let motion = clean(item.event_item_action_name.as_deref())
        .or_else(|| clean(item.event_item_title.as_deref()))
        .unwrap_or_default();
    let mut sources = Vec::new();
    if let Some(u) = clean(event.event_in_site_url.as_deref()) {
        sources.push(u);
    }
    if let Some(id) = item.event_item_id {
        sources.push(client.api(&format!("eventitems/{id}/votes")));
    }
    let key = item.event_item_id.map(|id| client.key("eventitem", id));
    let vote = VoteRecord {
        origin: Origin { location: location.to_string(), payload_sha256: None },
        source_key: key.clone(),
        jurisdiction_id: client.jurisdiction_id.clone(),
        session,
        bill: BillRef {
            source_key: item.event_item_matter_id.map(|m| client.key("matter", m)),
            identifier: clean(item.event_item_matter_file.as_deref()),
        },
        motion_text: motion,
        motion_classification: Vec::new(),
        start_date: start,
        result,
        organization: clean(event.event_body_name.as_deref()),
        counts,
        votes: person_votes,
        sources,
        dedupe_key: key,
        records_complete: true,
        as_of: None,
    };
    Some((vote, warnings))
}

/// Whether a matter history row was voted by roll call (`MatterHistoryRollCallFlag` = 1): its
/// members' votes are then `/eventitems/{MatterHistoryId}/votes` ([`Client::event_item_votes_url`]).
pub fn history_has_roll_call(h: &MatterHistory) -> bool {
    h.matter_history_roll_call_flag == Some(1)
}

/// A matter history row as the event item it is, and the meeting holding it, as
/// `tests/fixtures/legistar/derive_votes.py` documents: each `EventItem<X>` is the row's
/// `MatterHistory<X>` (mover and seconder by name), the `EventItemMatter*` fields and the title
/// are the matter's; the meeting is the acting body's on the row's date (`T00:00:00`, no time:
/// a history row's time is not the meeting's), with the row's event id, and holds the item.
fn history_as_event_item(matter: &Matter, h: &MatterHistory) -> (Event, EventItem) {
    let item = EventItem {
        event_item_id: h.matter_history_id,
        event_item_last_modified_utc: h.matter_history_last_modified_utc.clone(),
        event_item_event_id: h.matter_history_event_id,
        event_item_agenda_sequence: h.matter_history_agenda_sequence,
        event_item_minutes_sequence: h.matter_history_minutes_sequence,
        event_item_agenda_number: h.matter_history_agenda_number.clone(),
        event_item_action_name: h.matter_history_action_name.clone(),
        event_item_action_text: h.matter_history_action_text.clone(),
        event_item_passed_flag: h.matter_history_passed_flag,
        event_item_passed_flag_name: h.matter_history_passed_flag_name.clone(),
        event_item_roll_call_flag: h.matter_history_roll_call_flag,
        event_item_title: matter.matter_name.clone(),
        event_item_tally: h.matter_history_tally.clone(),
        event_item_mover: h.matter_history_mover_name.clone(),
        event_item_seconder: h.matter_history_seconder_name.clone(),
        event_item_matter_id: matter.matter_id,
        event_item_matter_file: matter.matter_file.clone(),
        event_item_matter_name: matter.matter_name.clone(),
        event_item_matter_type: matter.matter_type_name.clone(),
    };
    let event = Event {
        event_id: h.matter_history_event_id,
        event_body_id: h.matter_history_action_body_id,
        event_body_name: h.matter_history_action_body_name.clone(),
        event_date: date_of(h.matter_history_action_date.as_deref())
            .map(|d| format!("{}T00:00:00", d.format("%Y-%m-%d"))),
        event_items: vec![item.clone()],
        ..Event::default()
    };
    (event, item)
}

/// One matter history row with its members' votes (`/eventitems/{MatterHistoryId}/votes`) →
/// the vote [`vote_record`] builds for the event item the row is (a history row's id is its
/// event item's id): the same `source_key` and `dedupe_key`, so the roll call reached from the
/// matter and from the meeting is one vote. `None` when the row was not voted on (no roll call
/// flag, passed flag, tally or votes). Built from the row alone, the vote has the meeting's date
/// but not its time, and warnings name the row as `EventItemId {id}`.
pub fn history_vote(
    client: &Client,
    matter: &Matter,
    history: &MatterHistory,
    votes: &[Vote],
    location: &str,
) -> Option<(VoteRecord, Vec<Warning>)> {
    let (event, item) = history_as_event_item(matter, history);
    vote_record(client, &event, &item, votes, location)
}

/// Persons → people. A person without a name is skipped with a warning.
pub fn people(client: &Client, persons: &[Person], location: &str) -> (Vec<PersonRecord>, Vec<Warning>) {
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    for p in persons {
        let name = clean(p.person_full_name.as_deref()).or_else(|| {
            clean(Some(&format!(
                "{} {}",
                p.person_first_name.as_deref().unwrap_or(""),
                p.person_last_name.as_deref().unwrap_or("")
            )))
        });
        let (Some(id), Some(name)) = (p.person_id, name) else {
            warnings.push(Warning::new(
                location,
                p.person_id.map(|i| format!("PersonId {i}")),
                "person without an id or a name; skipped",
            ));
            continue;
        };
        out.push(PersonRecord {
            source_key: client.key("person", id),
            name,
            chamber: None,
            party: None,
            district: None,
            email: clean(p.person_email.as_deref()),
            image: None,
            source_url: Some(client.api(&format!("persons/{id}"))),
            ..Default::default()
        });
    }
    (out, warnings)
}

/// A body's OCD classification from its `BodyTypeName`.
fn body_classification(type_name: &str) -> &'static str {
    let t = type_name.to_lowercase();
    if t.contains("primary legislative") {
        "legislature"
    } else if t.contains("committee") || t.contains("land use") || t.contains("task force") {
        "committee"
    } else if t.contains("commission") {
        "commission"
    } else if t.contains("department") {
        "department"
    } else if t.contains("caucus") || t.contains("conference") || t.contains("delegation") {
        "caucus"
    } else {
        "organization"
    }
}

/// Bodies → organizations. Committees name the legislature among the bodies (the "Primary
/// Legislative Body") as their parent.
pub fn organizations(client: &Client, bodies: &[Body], location: &str) -> (Vec<OrganizationRecord>, Vec<Warning>) {
    let mut warnings = Vec::new();
    let classified: Vec<(&Body, &'static str)> =
        bodies.iter().map(|b| (b, body_classification(b.body_type_name.as_deref().unwrap_or("")))).collect();
    let parent = classified
        .iter()
        .find(|(b, c)| *c == "legislature" && b.body_id.is_some())
        .and_then(|(b, _)| b.body_id)
        .map(|id| client.key("body", id));
    let mut out = Vec::new();
    for (b, classification) in classified {
        let (Some(id), Some(name)) = (b.body_id, clean(b.body_name.as_deref())) else {
            warnings.push(Warning::new(
                location,
                b.body_id.map(|i| format!("BodyId {i}")),
                "body without an id or a name; skipped",
            ));
            continue;
        };
        let committee = classification == "committee";
        out.push(OrganizationRecord {
            source_key: client.key("body", id),
            name,
            classification: classification.to_string(),
            parent_source_key: if committee { parent.clone() } else { None },
            chamber: (committee || classification == "legislature").then(|| "legislature".to_string()),
            ..Default::default()
        });
    }
    (out, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::{Context, normalize};
    use chrono::Utc;

    const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/legistar");
    const NYC_J: &str = "ocd-jurisdiction/country:us/state:ny/place:new_york/government";
    const CHI_J: &str = "ocd-jurisdiction/country:us/state:il/place:chicago/government";

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn term(name: &str, start: &str, end: &str) -> Term {
        Term { name: name.into(), start: d(start), end: d(end) }
    }

    /// New York's council terms around the fixtures' years.
    fn nyc() -> Client {
        Client::new(
            "nyc",
            NYC_J,
            chrono_tz::America::New_York,
            vec![
                term("1994-1997", "1994-01-01", "1997-12-31"),
                term("1998-2001", "1998-01-01", "2001-12-31"),
                term("2022-2023", "2022-01-01", "2023-12-31"),
            ],
        )
    }

    fn chicago() -> Client {
        Client::new("chicago", CHI_J, chrono_tz::America::Chicago, vec![term("2011-2015", "2011-05-16", "2015-05-17")])
    }

    fn read(path: &str) -> Vec<u8> {
        std::fs::read(format!("{DIR}/{path}")).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// A page that must parse without a warning.
    fn page<T: DeserializeOwned>(path: &str) -> Vec<T> {
        let (items, warnings) = parse_page(&read(path), path).unwrap();
        assert_eq!(warnings, vec![], "{path}");
        items
    }

    fn actions(b: &BillRecord) -> Vec<(&str, &str, Option<&str>)> {
        b.actions.iter().map(|a| (a.date.as_str(), a.description.as_str(), a.organization.as_deref())).collect()
    }

    #[test]
    fn matters_page_to_bills() {
        let matters: Vec<Matter> = page("nyc-webapi/matters_page1.json");
        assert_eq!(matters.len(), 10);
        let client = nyc();
        let bills: Vec<BillRecord> = matters
            .iter()
            .map(|m| {
                let (b, w) = bill_record(&client, m, &[], &[], "matters_page1.json");
                assert_eq!(w, vec![], "{:?}", m.matter_file);
                b
            })
            .collect();
        assert_eq!(bills.len(), 10);

        let b = bills.iter().find(|b| b.identifier == "Int 0951-1997-A").unwrap();
        assert_eq!(b.session, "1994-1997"); // introduced 1997-04-30
        assert_eq!(b.title, "Tobacco Product Advertising, Protect Children");
        assert_eq!(b.classification, vec!["bill"]);
        assert_eq!(b.source_key.as_deref(), Some("legistar:nyc:matter:17075"));
        assert_eq!(b.jurisdiction_id, NYC_J);
        assert_eq!(b.from_organization.as_deref(), Some("legislature"));
        assert_eq!(b.updated_at.as_deref(), Some("2019-06-27T16:33:46.387"));
        assert_eq!(b.sources.last().map(String::as_str), Some("https://webapi.legistar.com/v1/nyc/matters/17075"));
        assert!(b.sources[0].starts_with("https://nyc.legistar.com/LegislationDetail.aspx?ID=17075&GUID="));
        // The long MatterTitle is the abstract.
        assert_eq!(b.abstracts.len(), 1);
        assert!(!b.abstracts[0].ends_with('\n'));

        let by_file = |f: &str| bills.iter().find(|b| b.identifier == f).unwrap();
        assert_eq!(by_file("LU 1505-1997").classification, vec!["land use application"]);
        assert_eq!(by_file("LU 1505-1997").updated_at, None); // MatterLastModifiedUtc null
        assert_eq!(by_file("M 0001-1998").classification, vec!["mayor's message"]);
        assert_eq!(by_file("M 0001-1998").session, "1998-2001");
        assert_eq!(bills.iter().filter(|b| b.session == "1998-2001").count(), 6);

        // No term holds 1997: the year, and a warning.
        let only_1998 = Client { terms: vec![term("1998-2001", "1998-01-01", "2001-12-31")], ..nyc() };
        let (b, w) = bill_record(&only_1998, &matters[1], &[], &[], "p.json");
        assert_eq!(b.session, "1997");
        assert_eq!(w.len(), 1);
        assert!(w[0].message.contains("no council term holds 1997-04-30"), "{w:?}");
        assert_eq!(w[0].record.as_deref(), Some("Int 0951-1997-A"));
    }

    #[test]
    fn enacted_local_laws() {
        let matters: Vec<Matter> = page("nyc-webapi/enacted_matters.json");
        assert_eq!(matters.len(), 10);
        let client = Client {
            terms: vec![term("2022-2023", "2022-01-01", "2023-12-31"), term("2024-2025", "2024-01-01", "2025-12-31")],
            ..nyc()
        };
        let bills: Vec<BillRecord> = matters
            .iter()
            .map(|m| {
                let (b, w) = bill_record(&client, m, &[], &[], "enacted_matters.json");
                assert_eq!(w, vec![]);
                b
            })
            .collect();
        assert!(bills.iter().all(|b| b.citations.len() == 1 && b.classification == ["bill"]));
        let b = bills.iter().find(|b| b.identifier == "Int 0891-2024").unwrap();
        assert_eq!((b.session.as_str(), b.citations[0].as_str()), ("2024-2025", "2024/108"));
        // Introduced in 2023, enacted in 2023: the term of its introduction.
        let b = bills.iter().find(|b| b.identifier == "Int 0877-2023").unwrap();
        assert_eq!((b.session.as_str(), b.citations[0].as_str()), ("2022-2023", "2023/130"));
        assert_eq!(
            client.session_records().iter().map(|s| (s.identifier.as_str(), s.start_date.as_str())).collect::<Vec<_>>(),
            vec![("2022-2023", "2022-01-01"), ("2024-2025", "2024-01-01")]
        );
    }

    #[test]
    fn matter_17071_with_history_and_sponsors() {
        let matter: Matter = parse_record(&read("nyc-webapi/matter_detail_17071.json"), "m.json").unwrap();
        let histories: Vec<MatterHistory> = page("nyc-webapi/matter_histories_17071.json");
        let sponsors: Vec<MatterSponsor> = page("nyc-webapi/matter_sponsors_17071.json");
        assert_eq!(histories.len(), 8);
        let (b, w) = bill_record(&nyc(), &matter, &histories, &sponsors, "matter_17071");
        assert_eq!(w, vec![]);
        assert_eq!(b.identifier, "LU 1505-1997");
        assert_eq!(b.session, "1994-1997");
        assert_eq!(b.title, "ULURP, City-Owned Properties, Manhattan (C970260PPM)");
        assert!(b.abstracts[0].starts_with("Uniform land use review procedure application no. C 970260 PPM"));
        assert!(b.abstracts[0].ends_with("Section 197d(b)(3) of the Charter."), "{:?}", b.abstracts);
        let subcommittee = Some("Subcommittee on Permits, Dispositions and Concessions");
        assert_eq!(
            actions(&b),
            vec![
                ("1997-11-25", "Introduced by Council", Some("City Council")),
                ("1997-11-25", "Referred to Comm by Council", Some("City Council")),
                ("1997-12-09", "Hearing Held by Committee", subcommittee),
                ("1997-12-09", "Approved by Committee", subcommittee),
                ("1997-12-10", "Hearing Held by Committee", Some("Committee on Land Use")),
                ("1997-12-10", "Approved by Committee", Some("Committee on Land Use")),
                (
                    "1997-12-10",
                    "Approved by Subcommittee with Modifications and Referred pursuant to Rule 11.20(b) of the \
                     Rules of the Council and Section 197(d) of the New York City Charter",
                    Some("City Council")
                ),
                ("1998-01-07", "Approved by Council", Some("City Council")),
            ]
        );
        // Normalized: one bill, its eight actions and sponsor, no warning.
        let parsed = Parsed { bills: vec![b.clone()], ..Default::default() };
        let n = normalize(parsed, &Context { timezone: nyc().tz, jurisdiction_id: NYC_J.into() });
        assert_eq!(n.warnings, vec![]);
        assert_eq!(n.bills.len(), 1);
        assert_eq!(
            (n.bills[0].bill.identifier.as_str(), n.bills[0].bill.session.as_str()),
            ("LU 1505-1997", "1994-1997")
        );
        assert_eq!((n.bills[0].actions.len(), n.bills[0].sponsorships.len()), (8, 1));
        // Date order, whatever the order of the response (same-time rows by id).
        let reversed: Vec<MatterHistory> = histories.iter().rev().cloned().collect();
        assert_eq!(bill_record(&nyc(), &matter, &reversed, &sponsors, "m").0.actions, b.actions);

        assert_eq!(
            b.sponsorships,
            vec![SponsorshipRecord {
                name: "June M. Eisland".into(),
                entity_type: "person".into(),
                primary: true,
                classification: "primary".into(),
                chamber: None,
                person_source_key: Some("legistar:nyc:person:16".into()),
            }]
        );
        // A row without an action name, or without a date, is a warning; the others load.
        let mut broken = histories.clone();
        broken[0].matter_history_action_name = Some(" \r\n".into());
        broken[1].matter_history_action_date = Some("n/a".into());
        let (b3, w) = bill_record(&nyc(), &matter, &broken, &sponsors, "m");
        assert_eq!(b3.actions.len(), 6);
        let messages: Vec<&str> = w.iter().map(|w| w.message.as_str()).collect();
        assert_eq!(
            messages,
            vec![
                "history row 66893 has no action name; skipped",
                "history row 66894 (Referred to Comm by Council) has no action date; skipped"
            ]
        );
        assert!(w.iter().all(|w| w.record.as_deref() == Some("LU 1505-1997")));

        // Sponsors of another version of the matter are not this version's.
        let mut versions = sponsors.clone();
        versions.push(MatterSponsor {
            matter_sponsor_name: Some("Of Version A".into()),
            matter_sponsor_matter_version: Some("A".into()),
            matter_sponsor_sequence: Some(0),
            ..Default::default()
        });
        let names = |b: BillRecord| b.sponsorships.into_iter().map(|s| s.name).collect::<Vec<_>>();
        assert_eq!(names(bill_record(&nyc(), &matter, &[], &versions, "m").0), vec!["June M. Eisland"]);
        // With a version of its own among none of them, the latest version's ("A" > "*").
        let matter_b = Matter { matter_version: Some("B".into()), ..matter.clone() };
        assert_eq!(names(bill_record(&nyc(), &matter_b, &[], &versions, "m").0), vec!["Of Version A"]);
        // A cosponsor after her (sequence 1) is not primary; the lowest sequence is.
        let mut two = sponsors.clone();
        two.insert(
            0,
            MatterSponsor {
                matter_sponsor_name: Some("A. Cosponsor".into()),
                matter_sponsor_matter_version: Some("*".into()),
                matter_sponsor_sequence: Some(1),
                ..Default::default()
            },
        );
        let b2 = bill_record(&nyc(), &matter, &[], &two, "m").0;
        let s: Vec<(&str, bool, &str)> =
            b2.sponsorships.iter().map(|s| (s.name.as_str(), s.primary, s.classification.as_str())).collect();
        assert_eq!(s, vec![("June M. Eisland", true, "primary"), ("A. Cosponsor", false, "cosponsor")]);
    }

    #[test]
    fn chicago_duplicate_history_rows_collapse() {
        let dupe: Vec<MatterHistory> = page("chicago-webapi/dupe_event.json");
        let no_dupe: Vec<MatterHistory> = page("chicago-webapi/no_dupe_event.json");
        assert_eq!((dupe.len(), no_dupe.len()), (4, 3));
        // The two "Passed" rows of the dupe file: one meeting (3683), one action, different
        // ids, sequences and texts.
        let passed: Vec<&MatterHistory> =
            dupe.iter().filter(|h| h.matter_history_action_name.as_deref() == Some("Passed")).collect();
        assert_eq!(passed.len(), 2);
        assert_ne!(passed[0].matter_history_id, passed[1].matter_history_id);
        assert_ne!(passed[0].matter_history_action_text, passed[1].matter_history_action_text);
        assert_eq!(history_key(passed[0]), history_key(passed[1]));

        let matter = Matter {
            matter_id: Some(1),
            matter_file: Some("O2013-1".into()),
            matter_name: Some("x".into()),
            matter_intro_date: Some("2013-03-13T00:00:00".into()),
            ..Default::default()
        };
        let (a, wa) = bill_record(&chicago(), &matter, &dupe, &[], "dupe_event.json");
        let (b, wb) = bill_record(&chicago(), &matter, &no_dupe, &[], "no_dupe_event.json");
        assert_eq!((wa, wb), (vec![], vec![]));
        let expected = vec![
            ("2013-03-13", "Referred", Some("City Council")),
            (
                "2013-04-30",
                "Recommended to Pass BY VOICE VOTE",
                Some("Committee on Zoning, Landmarks and Building Standards"),
            ),
            ("2013-05-08", "Passed", Some("City Council")),
        ];
        assert_eq!(actions(&a), expected);
        assert_eq!(actions(&b), expected);
        assert_eq!(a.actions, b.actions);
        assert_eq!(a.session, "2011-2015");

        // Same action on the same day but another meeting is not a duplicate.
        let mut other_meeting = dupe.clone();
        other_meeting[3].matter_history_event_id = Some(9999);
        assert_eq!(bill_record(&chicago(), &matter, &other_meeting, &[], "x").0.actions.len(), 4);
    }

    #[test]
    fn events_of_2023() {
        let events: Vec<Event> = page("nyc-webapi/events_2023.json");
        assert_eq!(events.len(), 688);
        let client = nyc();
        let mut records = Vec::new();
        for e in &events {
            let (r, w) = event_record(&client, e, &[], "events_2023.json");
            assert_eq!(w, vec![], "{:?}", e.event_id);
            records.push(r);
        }
        let by_id = |id: i64| {
            let key = format!("legistar:nyc:event:{id}");
            records.iter().find(|r| r.upstream_id.as_deref() == Some(key.as_str())).unwrap()
        };

        let e = by_id(19708);
        assert_eq!(e.name, "Subcommittee on Zoning and Franchises");
        assert_eq!(e.start, "2023-01-05T10:00:00");
        assert_eq!(e.timezone.as_deref(), Some("America/New_York"));
        assert!(!e.all_day);
        assert_eq!(e.location.as_deref(), Some("250 Broadway - Committee Room, 14th Floor"));
        assert_eq!(e.status, "confirmed");
        assert_eq!(e.classification, "committee-meeting");
        assert_eq!(e.source_key, e.upstream_id);
        assert_eq!(e.participants, vec!["Subcommittee on Zoning and Franchises"]);
        assert_eq!(
            e.sources,
            vec![
                "https://nyc.legistar.com/MeetingDetail.aspx?LEGID=19708&GID=61&G=2FD004F1-D85B-4588-A648-0A736C77D6E3",
                "https://webapi.legistar.com/v1/nyc/events/19708",
            ]
        );

        // Deferred: both statuses "Deferred", the date kept; a meeting that did not take place.
        let deferred = &events.iter().find(|e| e.event_id == Some(19709)).unwrap();
        assert_eq!(deferred.event_agenda_status_name.as_deref(), Some("Deferred"));
        let e = by_id(19709);
        assert_eq!((e.status.as_str(), e.start.as_str()), ("cancelled", "2023-01-17T10:00:00"));
        assert_eq!(records.iter().filter(|r| r.status == "cancelled").count(), 132);
        // None of them has minutes (they were not held); every other meeting has.
        assert!(records.iter().zip(&events).all(|(r, e)| (r.status == "cancelled") != e.event_minutes_file.is_some()));
        assert_eq!(events.iter().filter(|e| e.event_agenda_status_name.as_deref() == Some("Deferred")).count(), 132);

        // Joint hearings: the other committees are participants, names with commas kept whole.
        assert_eq!(
            by_id(19738).participants,
            vec![
                "Committee on Health",
                "Committee on Oversight and Investigations",
                "Committee on Consumer and Worker Protection"
            ]
        );
        assert_eq!(
            by_id(19769).participants,
            vec![
                "Committee on Fire and Emergency Management",
                "Committee on Mental Health, Disabilities and Addiction",
                "Committee on Hospitals",
                "Committee on Public Safety"
            ]
        );
        assert_eq!(
            by_id(19738).description,
            "Jointly with the Committee on Oversight and Investigations and the Committee on Consumer and Worker Protection"
        );

        // The incremental cursor of this page.
        assert_eq!(max_last_modified(&events), Some("2024-10-08T15:18:55.573".parse().unwrap()));

        // Normalized: 10:00 EST is 15:00 UTC.
        let parsed = Parsed { events: records, ..Default::default() };
        let n = normalize(parsed, &Context { timezone: client.tz, jurisdiction_id: NYC_J.into() });
        assert_eq!(n.warnings, vec![]);
        assert_eq!(n.events.len(), 688);
        let b = n.events.iter().find(|b| b.event.upstream_id.as_deref() == Some("legistar:nyc:event:19708")).unwrap();
        assert_eq!(b.event.start_time, Some("2023-01-05T15:00:00Z".parse::<DateTime<Utc>>().unwrap()));
        assert_eq!(b.event.status, "confirmed");
    }

    #[test]
    fn cancellation_wording() {
        let e = |comment: Option<&str>, location: Option<&str>, status: Option<&str>| Event {
            event_comment: comment.map(Into::into),
            event_location: location.map(Into::into),
            event_agenda_status_name: status.map(Into::into),
            ..Default::default()
        };
        assert_eq!(event_status(&e(None, Some("CANCELLED - Council Chambers"), Some("Final"))), "cancelled");
        assert_eq!(event_status(&e(Some("This meeting has been canceled."), None, None)), "cancelled");
        assert_eq!(event_status(&e(Some("Meeting postponed"), None, None)), "cancelled");
        assert_eq!(event_status(&e(None, None, Some("Cancelled"))), "cancelled");
        assert_eq!(event_status(&e(Some("VOTE"), Some("Council Chambers - City Hall"), Some("Final"))), "confirmed");
        assert_eq!(event_status(&e(Some("Cancellation of rent arrears hearing"), None, None)), "cancelled");
    }

    #[test]
    fn event_7_items_are_its_agenda() {
        let event: Event = parse_record(&read("nyc-webapi/event_detail_7.json"), "event_detail_7.json").unwrap();
        let items: Vec<EventItem> = page("nyc-webapi/event_items_7.json");
        assert!(event.event_items.is_empty());
        let (e, w) = event_record(&nyc(), &event, &items, "event_7");
        assert_eq!(w, vec![]);
        assert_eq!(e.start, "1999-10-28T10:00:00");
        assert_eq!(e.location.as_deref(), Some("250 Broadway - Hearing Room - 23rd Floor"));
        let agenda: Vec<(i64, &str, &[String])> =
            e.agenda.iter().map(|a| (a.order, a.description.as_str(), a.bill_identifiers.as_slice())).collect();
        let title = "Mayor's Management Report & Oversight - Department for the Aging";
        let bill = ["T1999-1".to_string()];
        // The agenda item (sequence 1), then the minutes-only one (minutes sequence 2).
        assert_eq!(agenda, vec![(1, title, &bill[..]), (2, title, &bill[..])]);
        // A time that is not one: the date alone, and a warning.
        let odd = Event { event_time: Some("TBA".into()), ..event.clone() };
        let (e2, w) = event_record(&nyc(), &odd, &items, "event_7");
        assert_eq!(e2.start, "1999-10-28");
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].record.as_deref(), Some("EventId 7"));
        // Given in the other order, the same agenda.
        let reversed: Vec<EventItem> = items.iter().rev().cloned().collect();
        assert_eq!(event_record(&nyc(), &event, &reversed, "event_7").0.agenda, e.agenda);
        // A hearing and a filing: nothing voted on.
        assert!(items.iter().all(|i| vote_record(&nyc(), &event, i, &[], "event_7").is_none()));
    }

    fn derived() -> (Event, Vec<Vote>) {
        let event: Event = parse_record(&read("derived/event_city_council_1998-01-07.json"), "derived event").unwrap();
        (event, page("derived/votes_66900.json"))
    }

    #[test]
    fn derived_roll_call_to_vote() {
        let (event, votes) = derived();
        assert_eq!(votes.len(), 19);
        let item = &event.event_items[0];
        let (v, w) = vote_record(&nyc(), &event, item, &votes, "votes_66900.json").unwrap();
        assert_eq!(w, vec![]);
        let counts: Vec<(&str, i64)> = v.counts.iter().map(|(o, n)| (o.as_str(), *n)).collect();
        assert_eq!(
            counts,
            vec![("yes", 12), ("no", 1), ("abstain", 2), ("absent", 2), ("excused", 1), ("not voting", 1)]
        );
        assert_eq!(v.result, "pass");
        assert_eq!(v.motion_text, "Approved by Council");
        assert_eq!(v.bill.identifier.as_deref(), Some("LU 1505-1997"));
        assert_eq!(v.bill.source_key.as_deref(), Some("legistar:nyc:matter:17071"));
        assert_eq!(v.session, "1998-2001");
        assert_eq!(v.start_date, "1998-01-07"); // no EventTime
        assert_eq!(v.organization.as_deref(), Some("City Council"));
        assert_eq!(v.dedupe_key.as_deref(), Some("legistar:nyc:eventitem:66900"));
        assert_eq!(v.sources, vec!["https://webapi.legistar.com/v1/nyc/eventitems/66900/votes"]);
        // In VoteSort order; the OCD option, the Legistar value as the note.
        let first: Vec<(&str, &str, &str)> =
            v.votes.iter().take(4).map(|p| (p.voter_name.as_str(), p.option.as_str(), p.note.as_str())).collect();
        assert_eq!(
            first,
            vec![
                ("Noach Dear", "yes", "Affirmative"),
                ("Stephen DiBrienza", "no", "Negative"),
                ("June M. Eisland", "yes", "Affirmative"),
                ("Ronnie M. Eldridge", "absent", "Absent"),
            ]
        );
        assert_eq!(v.votes[2].person_source_key.as_deref(), Some("legistar:nyc:person:16"));
        let conflict = v.votes.iter().find(|p| p.note == "Conflict").unwrap();
        assert_eq!(conflict.option, "absent");
        assert_eq!(v.votes.iter().find(|p| p.note == "Recused").unwrap().option, "abstain");
        assert_eq!(v.votes.iter().find(|p| p.note == "Non-voting").unwrap().option, "not voting");

        // The same response shuffled: the same vote.
        let shuffled: Vec<Vote> = votes.iter().rev().cloned().collect();
        assert_eq!(vote_record(&nyc(), &event, item, &shuffled, "x").unwrap().0.votes, v.votes);

        // Normalized: the counts agree with the records.
        let parsed = Parsed { votes: vec![v], ..Default::default() };
        let n = normalize(parsed, &Context { timezone: nyc().tz, jurisdiction_id: NYC_J.into() });
        assert_eq!(n.warnings, vec![]);
        let row = &n.votes[0].vote;
        assert_eq!((row.yes_count, row.no_count, row.abstain_count), (12, 1, 2));
        assert_eq!((row.absent_count, row.excused_count, row.not_voting_count, row.other_count), (2, 1, 1, 0));
        assert_eq!(row.result, "pass");
    }

    #[test]
    fn tallies_and_stray_votes() {
        let (event, votes) = derived();
        let item = &event.event_items[0];
        // No per-person votes: the tally's counts.
        let (v, w) = vote_record(&nyc(), &event, item, &[], "x").unwrap();
        assert_eq!(w, vec![]);
        assert_eq!(v.counts, vec![("yes".to_string(), 12), ("no".to_string(), 1)]);
        assert!(v.votes.is_empty());
        // A tally that disagrees with the votes: the votes win, with a warning.
        let wrong = EventItem { event_item_tally: Some("13-1".into()), ..item.clone() };
        let (v, w) = vote_record(&nyc(), &event, &wrong, &votes, "x").unwrap();
        assert_eq!(v.counts[0], ("yes".to_string(), 12));
        assert_eq!(w.len(), 1);
        assert!(w[0].message.contains("disagrees"), "{w:?}");
        // A tally in another form is not used.
        let odd = EventItem { event_item_tally: Some("Unanimous".into()), ..item.clone() };
        let (v, w) = vote_record(&nyc(), &event, &odd, &[], "x").unwrap();
        assert!(v.counts.is_empty());
        assert_eq!(w.len(), 1);
        // Votes stamped with another item (the consent-bloc answer) are dropped.
        let mut stray = votes.clone();
        stray[0].vote_event_item_id = Some(1);
        let (v, w) = vote_record(&nyc(), &event, item, &stray, "x").unwrap();
        assert_eq!(v.votes.len(), 18);
        assert_eq!(w.len(), 2, "{w:?}"); // the stray vote, and the tally now off by one
        assert_eq!(w[0].message, "vote of Noach Dear belongs to event item 1, not this one; dropped");
        assert_eq!(w[0].record.as_deref(), Some("EventItemId 66900"));
        // A voice vote: a result, no counts.
        let voice = EventItem { event_item_roll_call_flag: Some(0), event_item_tally: None, ..item.clone() };
        let (v, w) = vote_record(&nyc(), &event, &voice, &[], "x").unwrap();
        assert_eq!((v.result.as_str(), v.counts.len(), w.len()), ("pass", 0, 0));
    }

    /// Matter 17071 and its history with the derived roll call on row 66900.
    fn rollcall_history() -> (Matter, Vec<MatterHistory>) {
        let matter: Matter = parse_record(&read("nyc-webapi/matter_detail_17071.json"), "matter 17071").unwrap();
        (matter, page("derived/matter_histories_17071_rollcall.json"))
    }

    #[test]
    fn history_roll_call_is_the_event_item_vote() {
        let (event, votes) = derived();
        let item = &event.event_items[0];
        let (matter, histories) = rollcall_history();
        assert_eq!(histories.len(), 8);
        let row = histories.iter().find(|h| h.matter_history_id == Some(66900)).unwrap();
        // Only the derived row has the flag; it is the row for the crawl to ask votes of.
        let flagged: Vec<Option<i64>> =
            histories.iter().filter(|h| history_has_roll_call(h)).map(|h| h.matter_history_id).collect();
        assert_eq!(flagged, vec![Some(66900)]);
        assert_eq!(row.matter_history_tally.as_deref(), Some("12-1"));
        // The row read as an event item, and its meeting: exactly the derived ones.
        assert_eq!(history_as_event_item(&matter, row), (event.clone(), item.clone()));

        let from_event = vote_record(&nyc(), &event, item, &votes, "votes_66900.json").unwrap();
        let (v, w) = history_vote(&nyc(), &matter, row, &votes, "votes_66900.json").unwrap();
        assert_eq!(w, vec![]);
        assert_eq!((&v, &w), (&from_event.0, &from_event.1));
        // One vote, whichever path reached it.
        assert_eq!(v.dedupe_key.as_deref(), Some("legistar:nyc:eventitem:66900"));
        assert_eq!(v.source_key, v.dedupe_key);
        assert_eq!(v.bill.identifier.as_deref(), Some("LU 1505-1997"));
        assert_eq!(v.bill.source_key.as_deref(), Some("legistar:nyc:matter:17071"));
        let counts: Vec<(&str, i64)> = v.counts.iter().map(|(o, n)| (o.as_str(), *n)).collect();
        assert_eq!(
            counts,
            vec![("yes", 12), ("no", 1), ("abstain", 2), ("absent", 2), ("excused", 1), ("not voting", 1)]
        );
        let options = |v: &VoteRecord| -> Vec<(String, String)> {
            v.votes.iter().map(|p| (p.voter_name.clone(), p.option.clone())).collect()
        };
        assert_eq!(v.votes.len(), 19);
        assert_eq!(options(&v), options(&from_event.0));
        assert_eq!((v.result.as_str(), v.motion_text.as_str()), ("pass", "Approved by Council"));
        assert_eq!((v.start_date.as_str(), v.session.as_str()), ("1998-01-07", "1998-2001"));
        assert_eq!(v.organization.as_deref(), Some("City Council"));

        // Before the votes are fetched: the tally's counts, as for the item.
        let (t, w) = history_vote(&nyc(), &matter, row, &[], "x").unwrap();
        assert_eq!(w, vec![]);
        assert_eq!(t.counts, vec![("yes".to_string(), 12), ("no".to_string(), 1)]);
        assert_eq!(t, vote_record(&nyc(), &event, item, &[], "x").unwrap().0);
    }

    #[test]
    fn history_rows_without_a_roll_call() {
        let (matter, _) = rollcall_history();
        let real: Vec<MatterHistory> = page("nyc-webapi/matter_histories_17071.json");
        assert!(real.iter().all(|h| !history_has_roll_call(h)));
        // "Introduced by Council": no flag, no passed flag, no tally, no votes → no vote.
        let intro = real.iter().find(|h| h.matter_history_id == Some(66893)).unwrap();
        assert_eq!(intro.matter_history_roll_call_flag, Some(0));
        assert_eq!((intro.matter_history_passed_flag, intro.matter_history_tally.as_deref()), (None, None));
        assert_eq!(history_vote(&nyc(), &matter, intro, &[], "x"), None);
        // The real row 66900 (passed, no roll call, no tally): a voice vote, as for the item,
        // with the same identity as the roll call.
        let real_row = real.iter().find(|h| h.matter_history_id == Some(66900)).unwrap();
        let (v, w) = history_vote(&nyc(), &matter, real_row, &[], "x").unwrap();
        assert_eq!((v.result.as_str(), v.counts.len(), v.votes.len(), w.len()), ("pass", 0, 0, 0));
        assert_eq!(v.dedupe_key.as_deref(), Some("legistar:nyc:eventitem:66900"));
        // A row with no date: a vote without a start, and a warning naming the row.
        let undated = MatterHistory { matter_history_action_date: None, ..real_row.clone() };
        let (v, w) = history_vote(&nyc(), &matter, &undated, &[], "x").unwrap();
        assert_eq!(v.start_date, "");
        assert!(w.iter().any(|w| w.record.as_deref() == Some("EventItemId 66900")), "{w:?}");
        assert!(!history_has_roll_call(&MatterHistory::default()));
    }

    #[test]
    fn last_modified_values() {
        let t = |s: &str| parse_last_modified(s).map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3f").to_string());
        assert_eq!(t("2014-05-24T04:10:20.03").as_deref(), Some("2014-05-24T04:10:20.030"));
        assert_eq!(t("2015-08-25T15:58:59.527").as_deref(), Some("2015-08-25T15:58:59.527"));
        assert_eq!(t("2015-08-25T15:58:59").as_deref(), Some("2015-08-25T15:58:59.000"));
        assert_eq!(t(" 2015-08-25T15:58:59Z").as_deref(), Some("2015-08-25T15:58:59.000"));
        // The API documentation's sample form, with an offset: converted to UTC.
        assert_eq!(t("2019-08-13T19:57:51.3850647-04:00").as_deref(), Some("2019-08-13T23:57:51.385"));
        assert_eq!(t("2015-08-25"), None);
        assert_eq!(t(""), None);
        assert!(parse_last_modified("2014-05-24T04:10:20.03") < parse_last_modified("2014-05-24T04:10:20.1"));

        let matters: Vec<Matter> = page("nyc-webapi/matters_page1.json");
        // One null among them; the newest of the others.
        assert_eq!(max_last_modified(&matters), parse_last_modified("2021-08-20T19:24:24.537"));
        assert_eq!(max_last_modified::<Matter>(&[]), None);
    }

    #[test]
    fn addresses() {
        let c = nyc();
        assert_eq!(
            c.matters_url(None, 0).unwrap().as_str(),
            "https://webapi.legistar.com/v1/nyc/matters?$orderby=MatterId&$top=1000&$skip=0"
        );
        let since = parse_last_modified("2023-01-09T15:15:55.313").unwrap();
        assert_eq!(
            c.matters_url(Some(since), 2000).unwrap().as_str(),
            "https://webapi.legistar.com/v1/nyc/matters?$filter=MatterLastModifiedUtc%20gt%20datetime%272023-01-09T15%3A15%3A55%27&$orderby=MatterId&$top=1000&$skip=2000"
        );
        let u = c.events_url(Some(since), 1000).unwrap();
        let pairs: Vec<(String, String)> = u.query_pairs().map(|(k, v)| (k.into(), v.into())).collect();
        assert_eq!(
            pairs,
            vec![
                ("$filter".into(), "EventLastModifiedUtc gt datetime'2023-01-09T15:15:55'".into()),
                ("$orderby".into(), "EventId".into()),
                ("$top".into(), "1000".into()),
                ("$skip".into(), "1000".into()),
            ]
        );
        assert_eq!(
            c.matter_histories_url(17071).unwrap().as_str(),
            "https://webapi.legistar.com/v1/nyc/matters/17071/histories"
        );
        assert_eq!(
            c.matter_sponsors_url(17071).unwrap().as_str(),
            "https://webapi.legistar.com/v1/nyc/matters/17071/sponsors"
        );
        assert_eq!(
            c.event_items_url(7).unwrap().as_str(),
            "https://webapi.legistar.com/v1/nyc/events/7/eventitems?AgendaNote=1&MinutesNote=1&Attachments=1"
        );
        assert_eq!(
            c.event_item_votes_url(66900).unwrap().as_str(),
            "https://webapi.legistar.com/v1/nyc/eventitems/66900/votes"
        );
        assert_eq!(
            c.bodies_url(0).unwrap().as_str(),
            "https://webapi.legistar.com/v1/nyc/bodies?$orderby=BodyId&$top=1000&$skip=0"
        );
        assert_eq!(
            c.persons_url(1000).unwrap().as_str(),
            "https://webapi.legistar.com/v1/nyc/persons?$orderby=PersonId&$top=1000&$skip=1000"
        );
        assert!(is_last_page(999) && !is_last_page(PAGE_SIZE));

        // The token: encoded, appended, and redacted for logs.
        let t = with_token(&c.matters_url(None, 0).unwrap(), "a b&c=d");
        assert!(t.as_str().ends_with("&$skip=0&token=a%20b%26c%3Dd"), "{t}");
        assert_eq!(t.query_pairs().find(|(k, _)| k == "token").unwrap().1, "a b&c=d");
        assert_eq!(
            crate::fetch::redact_url(t.as_str()),
            c.matters_url(None, 0).unwrap().to_string() + "&token=REDACTED"
        );
        let t = with_token(&c.matter_histories_url(1).unwrap(), "s3cret");
        assert_eq!(t.as_str(), "https://webapi.legistar.com/v1/nyc/matters/1/histories?token=s3cret");
        assert!(!crate::fetch::redact_url(t.as_str()).contains("s3cret"));
        // Another base (a test server).
        let local = Client { base_url: "http://127.0.0.1:8080/v1/".into(), ..nyc() };
        assert_eq!(local.event_item_votes_url(5).unwrap().as_str(), "http://127.0.0.1:8080/v1/nyc/eventitems/5/votes");
        // A base that is not a URL is an error, not a panic.
        let bad = Client { base_url: "webapi.legistar.com".into(), ..nyc() };
        assert!(bad.bodies_url(0).is_err());
    }

    #[test]
    fn bad_pages_and_elements() {
        let text = String::from_utf8(read("nyc-webapi/matters_page1.json")).unwrap();
        // The second matter's id made a string: that element is a warning, the rest load.
        let edited = text.replacen("\"MatterId\": 17075,", "\"MatterId\": \"17075x\",", 1);
        assert_ne!(edited, text);
        let (items, w) = parse_page::<Matter>(edited.as_bytes(), "page-2.json").unwrap();
        assert_eq!(items.len(), 9);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].location, "page-2.json");
        assert_eq!(w[0].record.as_deref(), Some("element #2 (MatterId \"17075x\")"));
        let err = parse_page::<Matter>(&read("nyc-webapi/matter_detail_17071.json"), "m.json").unwrap_err();
        assert!(err.starts_with("m.json: expected a JSON array"), "{err}");
        let err = parse_page::<Matter>(b"<html>Service Unavailable</html>", "p.json").unwrap_err();
        assert!(err.starts_with("p.json: not JSON"), "{err}");
        assert!(parse_record::<Matter>(b"[]", "r.json").unwrap_err().starts_with("r.json: expected a JSON object"));
        // Nulls everywhere, and custom fields, are fine.
        let (m, w) =
            parse_page::<Matter>(br#"[{"MatterId": 1, "MatterEXText5": "x", "MatterFile": null}]"#, "x").unwrap();
        assert_eq!((m.len(), w.len()), (1, 0));
        let e: Event = parse_record(br#"{"EventId": 1, "EventItems": null}"#, "x").unwrap();
        assert!(e.event_items.is_empty());
    }

    #[test]
    fn people_and_bodies() {
        let persons: Vec<Person> = page("nyc-webapi/persons.json");
        let (people, w) = people(&nyc(), &persons, "persons.json");
        assert_eq!(w, vec![]);
        assert_eq!(people.len(), 50);
        let p = people.iter().find(|p| p.source_key == "legistar:nyc:person:16").unwrap();
        assert_eq!(p.name, "June M. Eisland");
        assert_eq!(p.email.as_deref(), Some("Eisland@council.nyc.ny.us"));
        assert_eq!(p.source_url.as_deref(), Some("https://webapi.legistar.com/v1/nyc/persons/16"));
        // An empty e-mail is none.
        assert_eq!(people.iter().find(|p| p.name == "Susan D. Alter").unwrap().email, None);

        let bodies: Vec<Body> = page("nyc-webapi/bodies.json");
        let (orgs, w) = organizations(&nyc(), &bodies, "bodies.json");
        assert_eq!(w, vec![]);
        assert_eq!(orgs.len(), 50);
        let council = &orgs[0];
        assert_eq!((council.name.as_str(), council.classification.as_str()), ("City Council", "legislature"));
        assert_eq!(council.parent_source_key, None);
        let aging = orgs.iter().find(|o| o.name == "Committee on Aging").unwrap();
        assert_eq!(aging.classification, "committee");
        assert_eq!(aging.parent_source_key.as_deref(), Some("legistar:nyc:body:1"));
        assert_eq!(orgs.iter().filter(|o| o.classification == "committee").count(), 41);
        assert_eq!(orgs.iter().filter(|o| o.classification == "department").count(), 8);
    }

    #[test]
    fn matter_types_of_new_york() {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct MatterType {
            matter_type_name: String,
        }
        let types: Vec<MatterType> = page("nyc-webapi/matter_types.json");
        assert_eq!(types.len(), 91);
        for t in &types {
            let c = classify_matter_type(&t.matter_type_name);
            assert_eq!(c.len(), 1, "{}", t.matter_type_name);
            assert!(!c[0].is_empty() && c[0] == c[0].trim() && c[0] == c[0].to_lowercase(), "{c:?}");
        }
        assert_eq!(classify_matter_type("Introduction"), vec!["bill"]);
        assert_eq!(classify_matter_type("Resolution"), vec!["resolution"]);
        assert_eq!(classify_matter_type("Ordinance"), vec!["ordinance"]);
        assert_eq!(classify_matter_type("Tax Commission "), vec!["tax commission"]);
        assert!(classify_matter_type(" ").is_empty());
    }
}
