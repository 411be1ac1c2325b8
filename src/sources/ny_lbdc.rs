//! `ny_lbdc`: New York's Legislative Bill Drafting Commission (LBDC) feed files, the XML the
//! New York Senate's OpenLegislation ingests (`2023-05-30-16.07.29.818207_BILLSTAT_S05186.XML`),
//! and OpenLegislation's own JSON bill responses, the same LBDC data served by the Senate.
//!
//! Each feed file is one fragment, named by its publication time and its kind:
//!
//! | Kind in the name | Root element | Yields |
//! |---|---|---|
//! | `BILLSTAT` | `<billstatus>` | one bill: title, primary sponsor, actions |
//! | `SENAGEN` | `<senagenda>` | one committee meeting (event) per committee on the agenda |
//! | `SENAGENV` | `<senagendavote>` | one committee vote per bill voted on |
//! | `SENFLVOT` | `<senfloorvote>` | one Senate floor roll call |
//! | `SENCAL` | `<sencalendar>` | one floor calendar (event) per supplemental |
//! | `SENCALAL` | `<sencalendaractive>` | nothing: a warning (see [`parse`]) |
//! | `SOBI.D…` | (text) | nothing: a warning (see [`parse`]) |
//! | any `*.json` | `{"responseType": "bill", …}` | one bill: also abstract, cosponsors, versions with their text, sponsor memos, related bills |
//!
//! Quirks of the feed handled here (shared research, data-sources.md §3):
//! - bill numbers are zero-padded and carry the amendment letter apart or appended
//!   (`billno="05186"`, `no="S05795A"`): the bill is `S 5186` / `S 5795`, the letter is the
//!   version (kept as the printed number, `S 5795A`, where the model has room for it);
//! - dates are `YYYY-MM-DD`, `MM/DD/YYYY` (`dateofvote`) or `MM/DD/YY` (the `billactions` text);
//! - times look like `T09.30.00Z`: dots, and a `Z` that is not UTC but New York local time;
//!   `T00.00.00Z` means "no set time" (a meeting "immediately following session");
//! - files may lack an XML declaration and put two spaces between attributes (fine for XML);
//! - some files end with the SUB control character (`\x1a`), which XML forbids: C0 control
//!   characters are removed before parsing;
//! - bytes that are not UTF-8 are decoded lossily, with a warning.
//!
//! A `billstatus` carries the actions twice: as a text block of `MM/DD/YY ACTION` lines and as
//! numbered `<action no="1">` elements. After the numbered actions come one summary element
//! per session year (`<action no="2023">`, whose `no` equals its `actionactsessyr`): the bill's
//! status that year ("passed own house"), not an action, so it is skipped. The numbered
//! actions are used; the text block is the fallback and a cross-check (a disagreement is a
//! warning). In the text, Senate actions are upper case and Assembly actions lower case.
//!
//! An OpenLegislation bill response (`GET /api/3/bills/2017/S609`, the default full view) is
//! read into the bill the `BILLSTAT` files of that print number and session give: the same
//! `source_key` (`ny-lbdc:S00609-2017`), identifier (`S 609`, the amendment letter being the
//! version), session (`2017-2018`), source URL and primary sponsor (the member's short name,
//! `BOYLE`, as the feed writes it), so both forms load as one bill. It adds the summary (the
//! abstract), the cosponsors, each amendment as a version (note `S609A`, a link to the print's
//! page on nysenate.gov, its full text), each amendment's sponsor memo as a document, and the
//! prior-session, same-as and substituted-by bills as related bills. Differences:
//! - titles may start with `@` (`@Relates to training …`); the feed's titles never do, and the
//!   API documents no meaning for it, so one leading `@` is removed;
//! - `publishedDateTime` is the bill's *first* publication (the API's docs; in S609 it is the
//!   original print's, two weeks before amendment A), not a last update: `updated_at` stays empty;
//! - roll calls (`votes`), veto messages and the approval message are not read, with a warning
//!   when present: the one real response at hand has none to check their shape against, and the
//!   feed's `SENFLVOT` and `SENAGENV` files carry the Senate's roll calls.
//!
//! Any other JSON (another `responseType`, `success: false`, not JSON at all) is one warning.
//!
//! Parsing is pure: bytes in, records and warnings out.

use crate::model::*;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::America::New_York;
use regex::Regex;
use roxmltree::{Document, Node};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// New York's OCD jurisdiction.
pub const JURISDICTION_ID: &str = "ocd-jurisdiction/country:us/state:ny/government";
/// The zone of every local time in the feed.
pub const TIMEZONE: &str = "America/New_York";
/// The Senate's OpenLegislation API, whose addresses name the same bills, agendas and calendars.
const OPENLEG: &str = "https://legislation.nysenate.gov/api/3";
/// The Senate's public bill pages: `{NYSENATE_BILLS}/2017/S609/amendment/A`.
const NYSENATE_BILLS: &str = "https://www.nysenate.gov/legislation/bills";

/// What a feed file holds, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeedKind {
    /// `BILLSTAT`: a bill's status and actions.
    BillStatus,
    /// `SENAGEN`: a Senate committee agenda (the week's committee meetings and their bills).
    Agenda,
    /// `SENAGENV`: the committee votes taken on an agenda's bills.
    AgendaVote,
    /// `SENFLVOT`: a Senate floor roll call.
    FloorVote,
    /// `SENCAL` (a floor calendar) and `SENCALAL` (a calendar's active list).
    Calendar,
    /// `SOBI.D…`: the legacy fixed-width text feed.
    Sobi,
    /// `*.json`: an OpenLegislation API v3 bill response (`GET /api/3/bills/{session}/{printNo}`).
    OpenLegBill,
}

/// Whether this module reads a feed file's records: not SOBI files nor calendar active lists
/// (`SENCALAL`), which [`parse`] only names in a warning (see there).
pub fn is_read(file_name: &str) -> bool {
    let name = base_name(file_name).to_ascii_uppercase();
    feed_kind(file_name).is_some_and(|k| k != FeedKind::Sobi) && !name.contains("_SENCALAL")
}

/// The kind of a feed file from its name (a bare name or a path), e.g.
/// `2023-05-30-16.07.29.818207_BILLSTAT_S05186.XML`. Any `*.json` name is taken for an
/// OpenLegislation bill response ([`parse`] checks that it is one). `None` for names that are
/// not LBDC feed files or are kinds this module does not read (`LDSPON`, `BILLTEXT`, `SENMEMO`, …).
pub fn feed_kind(file_name: &str) -> Option<FeedKind> {
    let name = base_name(file_name);
    if name.len() > 5 && name.get(name.len() - 5..).is_some_and(|e| e.eq_ignore_ascii_case(".json")) {
        return Some(FeedKind::OpenLegBill);
    }
    if name.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("SOBI.")) {
        return published_at(name).map(|_| FeedKind::Sobi);
    }
    published_at(name)?;
    let has_xml_extension =
        name.len() > 4 && name.get(name.len() - 4..).is_some_and(|e| e.eq_ignore_ascii_case(".xml"));
    if !has_xml_extension {
        return None;
    }
    let (_, rest) = name.split_once('_')?;
    // The kind runs to the next `_` (`SENAGENV_CODES.XML`) or to the extension (`SENCAL.XML`).
    let tag = rest.split(['_', '.']).next()?;
    Some(match tag.to_ascii_uppercase().as_str() {
        "BILLSTAT" => FeedKind::BillStatus,
        "SENAGEN" => FeedKind::Agenda,
        "SENAGENV" => FeedKind::AgendaVote,
        "SENFLVOT" => FeedKind::FloorVote,
        "SENCAL" | "SENCALAL" => FeedKind::Calendar,
        _ => return None,
    })
}

/// When the LBDC published a feed file, from its name: `2023-05-30-16.07.29.818207_…` or
/// `SOBI.D140509.T124706.TXT`. The feed does not say in which zone; it is presumably New York's.
pub fn published_at(file_name: &str) -> Option<NaiveDateTime> {
    let name = base_name(file_name);
    if let Some(p) = name.get(..5)
        && p.eq_ignore_ascii_case("SOBI.")
    {
        let stamp = name.get(5..20)?;
        return NaiveDateTime::parse_from_str(&stamp.to_ascii_uppercase(), "D%y%m%d.T%H%M%S").ok();
    }
    let (stamp, _) = name.split_once('_')?;
    NaiveDateTime::parse_from_str(stamp, "%Y-%m-%d-%H.%M.%S%.f").ok()
}

fn base_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// Parses one feed file. Never panics: a file that cannot be read is one warning naming
/// `location`; a record that cannot be read is a warning naming `location` and the record,
/// and the file's other records are still returned.
///
/// Two kinds yield no records, only a warning saying so:
/// - `SOBI` files: the legacy fixed-width feed that the XML feed replaced (around 2017). Its
///   line types would need a parser of their own, and most of its lines are bill text, for
///   which the model has no place; the XML feed carries the statuses, votes and agendas.
/// - calendar active lists (`SENCALAL`): a re-selection, with its own sequence numbers, of
///   bills already on a calendar; the model has no "active" mark for an agenda item, and
///   another event for the same floor session would be a duplicate.
///
/// [`FeedKind::OpenLegBill`] files are JSON, not XML: one bill, read as the module docs say.
pub fn parse(kind: FeedKind, bytes: &[u8], location: &str) -> Parsed {
    let mut out = Parsed::default();
    let expected: &[&str] = match kind {
        FeedKind::OpenLegBill => return openleg_bill(bytes, location),
        FeedKind::Sobi => {
            out.warnings.push(Warning::new(
                location,
                None,
                "SOBI file not loaded: the legacy fixed-width LBDC feed, replaced by the XML feed, is not read \
                 (mostly bill text, which the model has no place for)",
            ));
            return out;
        }
        FeedKind::BillStatus => &["billstatus"],
        FeedKind::Agenda => &["senagenda"],
        FeedKind::AgendaVote => &["senagendavote"],
        FeedKind::FloorVote => &["senfloorvote"],
        FeedKind::Calendar => &["sencalendar", "sencalendaractive"],
    };
    let text = decode(bytes, location, &mut out.warnings);
    let doc = match Document::parse(&text) {
        Ok(d) => d,
        Err(e) => {
            // The position names where the file stops making sense (for a file cut short, its end).
            let at = e.pos();
            out.warnings.push(Warning::new(
                location,
                Some(format!("line {}, column {}", at.row, at.col)),
                format!("not well-formed XML: {e}"),
            ));
            return out;
        }
    };
    let root = doc.root_element();
    let tag = root.tag_name().name();
    if !expected.contains(&tag) {
        out.warnings.push(Warning::new(
            location,
            None,
            format!("expected a <{}> file ({kind:?}), found <{tag}>", expected.join("> or <")),
        ));
        return out;
    }
    let ctx = Ctx { location, published: published_at(location) };
    match tag {
        "billstatus" => bill_status(root, &ctx, &mut out),
        "senagenda" => agenda(root, &ctx, &mut out),
        "senagendavote" => agenda_votes(root, &ctx, &mut out),
        "senfloorvote" => floor_vote(root, &ctx, &mut out),
        "sencalendar" => calendar(root, &ctx, &mut out),
        _ => out.warnings.push(Warning::new(
            location,
            None,
            "calendar active list (SENCALAL) not loaded: it re-selects bills already on a calendar, \
             and the model has no place for an agenda item's active mark",
        )),
    }
    // Each feed file is a snapshot of what it carries, as of its publication time: an older
    // one never replaces a newer one, whatever order files arrive in.
    let as_of = ctx.published.map(|p| p.format("%Y-%m-%dT%H:%M:%S%.6f").to_string());
    for b in &mut out.bills {
        b.as_of = as_of.clone();
    }
    for v in &mut out.votes {
        v.as_of = as_of.clone();
    }
    for e in &mut out.events {
        e.as_of = as_of.clone();
    }
    out
}

struct Ctx<'a> {
    location: &'a str,
    published: Option<NaiveDateTime>,
}

impl Ctx<'_> {
    fn warn(&self, out: &mut Parsed, record: impl Into<String>, message: impl Into<String>) {
        out.warnings.push(Warning::new(self.location, Some(record.into()), message));
    }

    fn origin(&self) -> Origin {
        Origin { location: self.location.to_string(), payload_sha256: None }
    }
}

/// UTF-8 text of the payload, lossily decoded (with a warning), without a byte-order mark and
/// without the C0 control characters XML forbids (the LBDC's trailing SUB, `\x1a`).
fn decode(bytes: &[u8], location: &str, warnings: &mut Vec<Warning>) -> String {
    let mut text = match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(e) => {
            warnings.push(Warning::new(
                location,
                None,
                format!(
                    "not valid UTF-8 (first bad byte at offset {}); undecodable bytes were replaced with U+FFFD",
                    e.valid_up_to()
                ),
            ));
            String::from_utf8_lossy(bytes).into_owned()
        }
    };
    if text.starts_with('\u{feff}') {
        text.remove(0);
    }
    text.retain(|c| c >= ' ' || matches!(c, '\t' | '\n' | '\r'));
    text
}

// ---- Small readers -------------------------------------------------------------------------

fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|c| c.has_tag_name(name))
}

fn children<'a, 'i: 'a>(node: Node<'a, 'i>, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    node.children().filter(move |c| c.has_tag_name(name))
}

/// The text (and CDATA) directly inside an element, trimmed.
fn text(node: Node) -> String {
    let s: String = node.children().filter(|c| c.is_text()).filter_map(|c| c.text()).collect();
    s.trim().to_string()
}

/// The text of a child element, trimmed; empty when the child is missing.
fn field(node: Node, name: &str) -> String {
    child(node, name).map(text).unwrap_or_default()
}

fn attr<'a>(node: Node<'a, '_>, name: &str) -> &'a str {
    node.attribute(name).map(str::trim).unwrap_or("")
}

fn is_remove(node: Node) -> bool {
    attr(node, "action").eq_ignore_ascii_case("remove")
}

/// A session year (`sessyr="2023"`); NY sessions are two years, named by their first.
fn session_year(raw: &str) -> Option<String> {
    (raw.len() == 4 && raw.bytes().all(|b| b.is_ascii_digit())).then(|| raw.to_string())
}

/// The session of a session year: New York's sessions last two years and the feed names them
/// by their first (odd) year; records name the session as Open States does, `2023-2024`, so a
/// bill from this feed and from Open States is one bill.
fn session_name(year: &str) -> String {
    match year.parse::<i32>() {
        Ok(y) => {
            let first = if y % 2 == 0 { y - 1 } else { y };
            format!("{first}-{}", first + 1)
        }
        Err(_) => year.to_string(),
    }
}

/// A number without its zero padding (`00009` → `9`).
fn unpadded(raw: &str) -> Option<String> {
    raw.parse::<u64>().ok().map(|n| n.to_string())
}

/// The chamber of a house letter: `S` (Senate) → `upper`, `A` (Assembly) → `lower`.
fn chamber(house: &str) -> Option<&'static str> {
    match house.trim().to_ascii_uppercase().as_str() {
        "S" => Some("upper"),
        "A" => Some("lower"),
        _ => None,
    }
}

/// The OCD-style slug of a committee name (`Health & Mental Hygiene` → `health-mental-hygiene`),
/// the rule of `tests/fixtures/ocd-events/derive.py`.
fn slug(name: &str) -> String {
    let mut s = String::new();
    for c in name.to_lowercase().chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            s.push(c);
        } else if !s.ends_with('-') {
            s.push('-');
        }
    }
    s.trim_matches('-').to_string()
}

/// A New York print number: house prefix, number and amendment letter
/// (`S05795A` → `S`, 5795, `A`; `S100` → `S`, 100, ``).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintNo {
    pub prefix: String,
    pub number: u32,
    /// The version: empty for the original print, else `A`, `B`, …
    pub amendment: String,
}

impl PrintNo {
    /// Parses `S05795A`, `S100`, `a7675a` or `S 5795A`; `None` for anything else.
    pub fn parse(raw: &str) -> Option<PrintNo> {
        let s: String = raw.split_whitespace().collect::<String>().to_ascii_uppercase();
        let letters = s.bytes().take_while(u8::is_ascii_alphabetic).count();
        let digits = s.bytes().skip(letters).take_while(u8::is_ascii_digit).count();
        // Both runs are ASCII, so these are character boundaries.
        let rest = s.get(letters + digits..)?;
        if letters == 0 || digits == 0 || rest.len() > 1 || !rest.bytes().all(|b| b.is_ascii_alphabetic()) {
            return None;
        }
        let number: u32 = s.get(letters..letters + digits)?.parse().ok()?;
        if number == 0 {
            return None;
        }
        Some(PrintNo { prefix: s.get(..letters)?.to_string(), number, amendment: rest.to_string() })
    }

    /// The bill, whatever its version: `S 5795`.
    pub fn bill_identifier(&self) -> String {
        format!("{} {}", self.prefix, self.number)
    }

    /// The print number as the Senate prints it: `S 5795A`.
    pub fn printed(&self) -> String {
        format!("{} {}{}", self.prefix, self.number, self.amendment)
    }

    /// Without spaces or padding, as the OpenLegislation API writes it: `S5795A`.
    fn compact(&self) -> String {
        format!("{}{}{}", self.prefix, self.number, self.amendment)
    }

    /// This source's key for the bill: `ny-lbdc:S05795-2015`.
    pub fn source_key(&self, session: &str) -> String {
        format!("ny-lbdc:{}{:05}-{}", self.prefix, self.number, session)
    }

    fn source_url(&self, session: &str) -> String {
        format!("{OPENLEG}/bills/{session}/{}{}", self.prefix, self.number)
    }
}

/// A feed date as `YYYY-MM-DD`: from `YYYY-MM-DD`, `MM/DD/YYYY` or `MM/DD/YY` (years 00–69
/// are 2000–2069, 70–99 are 1970–1999).
pub fn iso_date(raw: &str) -> Option<String> {
    let s = raw.trim();
    let date = if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        d
    } else {
        let mut parts = s.split('/');
        let (m, d, y) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || m.len() != 2 || d.len() != 2 || !y.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let year: i32 = match y.len() {
            4 => y.parse().ok()?,
            2 => {
                let yy: i32 = y.parse().ok()?;
                if yy < 70 { 2000 + yy } else { 1900 + yy }
            }
            _ => return None,
        };
        NaiveDate::from_ymd_opt(year, m.parse().ok()?, d.parse().ok()?)?
    };
    Some(date.format("%Y-%m-%d").to_string())
}

/// A feed time (`T09.30.00Z`, local New York time despite the `Z`). `Ok(None)` for
/// `T00.00.00Z` or an empty value: no set time.
pub fn meet_time(raw: &str) -> Result<Option<NaiveTime>, String> {
    let s = raw.trim();
    let body = s.strip_prefix('T').unwrap_or(s);
    let body = body.strip_suffix('Z').unwrap_or(body);
    if body.is_empty() {
        return Ok(None);
    }
    let parts: Vec<&str> = body.split(['.', ':']).collect();
    let number = |i: usize| parts.get(i).filter(|p| p.len() == 2).and_then(|p| p.parse::<u32>().ok());
    let time = match (parts.len(), number(0), number(1), number(2)) {
        (3, Some(h), Some(m), Some(sec)) => NaiveTime::from_hms_opt(h, m, sec),
        (2, Some(h), Some(m), _) => NaiveTime::from_hms_opt(h, m, 0),
        _ => None,
    };
    match time {
        Some(t) if t == NaiveTime::MIN => Ok(None),
        Some(t) => Ok(Some(t)),
        None => Err(format!("{s:?} is not a time like T09.30.00Z")),
    }
}

/// A local New York date and time with its offset (`2017-02-07T09:30:00-05:00`); `None` for a
/// time skipped by the change to daylight-saving time.
pub fn local_start(date: NaiveDate, time: NaiveTime) -> Option<String> {
    let local = New_York.from_local_datetime(&date.and_time(time)).earliest()?;
    Some(local.format("%Y-%m-%dT%H:%M:%S%:z").to_string())
}

// ---- billstatus ----------------------------------------------------------------------------

fn bill_status(root: Node, ctx: &Ctx, out: &mut Parsed) {
    let (house, billno, amendment) = (attr(root, "billhse"), attr(root, "billno"), field(root, "currentamd"));
    let sessyr = attr(root, "sessyr");
    let record = format!("{house}{billno}{amendment}-{sessyr}");
    let Some(session) = session_year(sessyr) else {
        return ctx.warn(out, record, format!("sessyr {sessyr:?} is not a year; bill skipped"));
    };
    let Some(print) = PrintNo::parse(&format!("{house}{billno}{amendment}")) else {
        return ctx.warn(
            out,
            record,
            format!(
                "billhse {house:?}, billno {billno:?}, currentamd {amendment:?} are not a print number; bill skipped"
            ),
        );
    };
    if is_remove(root) {
        return ctx.warn(
            out,
            record,
            "action=\"remove\" (the LBDC unpublished the bill): the model cannot remove a bill, nothing loaded",
        );
    }

    let structured = child(root, "actions").map(|a| structured_actions(a, &record, ctx, out)).unwrap_or_default();
    let (from_text, problems) = text_actions(&field(root, "billactions"));
    for p in problems {
        ctx.warn(out, format!("{record} billactions"), p);
    }
    let actions = if structured.is_empty() {
        from_text
    } else {
        if !from_text.is_empty()
            && let Some(difference) = first_difference(&structured, &from_text)
        {
            ctx.warn(
                out,
                record.clone(),
                format!(
                    "the billactions text ({} actions) and the <actions> elements ({}) disagree ({difference}); \
                     the <actions> elements are used",
                    from_text.len(),
                    structured.len()
                ),
            );
        }
        structured
    };

    let sponsor = field(root, "sponsor");
    let sponsorships = if sponsor.is_empty() {
        Vec::new()
    } else {
        // "RULES COM (Request of …)" and "BUDGET BILL" are the committee and the governor's
        // program, not people.
        let upper = sponsor.to_ascii_uppercase();
        let organization = upper.starts_with("RULES") || upper.starts_with("BUDGET BILL");
        vec![SponsorshipRecord {
            name: sponsor,
            entity_type: if organization { "organization" } else { "person" }.into(),
            primary: true,
            classification: "primary".into(),
            chamber: chamber(&print.prefix).map(str::to_string),
            person_source_key: None,
        }]
    };

    out.bills.push(BillRecord {
        origin: ctx.origin(),
        source_key: Some(print.source_key(&session)),
        jurisdiction_id: JURISDICTION_ID.into(),
        identifier: print.bill_identifier(),
        title: field(root, "title"),
        classification: if chamber(&print.prefix).is_some() { vec!["bill".into()] } else { Vec::new() },
        subjects: Vec::new(),
        abstracts: Vec::new(),
        other_titles: Vec::new(),
        // The current version's print number, when the bill has been amended.
        other_identifiers: if print.amendment.is_empty() { Vec::new() } else { vec![print.printed()] },
        from_organization: chamber(&print.prefix).map(str::to_string),
        actions,
        sponsorships,
        versions: Vec::new(),
        documents: Vec::new(),
        related_bills: Vec::new(),
        citations: Vec::new(),
        sources: vec![print.source_url(&session)],
        updated_at: ctx.published.map(|p| p.format("%Y-%m-%dT%H:%M:%S%.f").to_string()),
        session: session_name(&session),
        // A status file has the title and every action, but only the primary sponsor and
        // neither abstract, versions nor memos (the OpenLegislation response has those).
        complete: BillScope { actions: true, ..BillScope::PARTIAL },
        as_of: None,
    });
}

/// The numbered `<action>` elements, in order. Summary elements (`no` equal to their
/// `actionactsessyr`) are skipped; an element out of sequence is skipped with a warning.
fn structured_actions(actions: Node, record: &str, ctx: &Ctx, out: &mut Parsed) -> Vec<ActionRecord> {
    let mut list = Vec::new();
    let mut next = 1usize;
    for a in children(actions, "action") {
        let no = attr(a, "no");
        let session_year = field(a, "actionactsessyr");
        if !session_year.is_empty() && no == session_year {
            continue;
        }
        let here = format!("{record} action {no}");
        if no.parse::<usize>().ok() != Some(next) {
            ctx.warn(out, here, format!("action numbered {no:?} where {next} was expected; skipped"));
            continue;
        }
        next += 1;
        let raw_date = field(a, "actiondate");
        let Some(date) = iso_date(&raw_date) else {
            ctx.warn(out, here, format!("actiondate {raw_date:?} is not a date; action skipped"));
            continue;
        };
        let description = field(a, "actiondesc");
        if description.is_empty() {
            ctx.warn(out, here, "action has no actiondesc; skipped");
            continue;
        }
        list.push(ActionRecord {
            date,
            description,
            organization: chamber(&field(a, "actionhouse")).map(str::to_string),
            classification: Vec::new(),
            related_entities: Vec::new(),
        });
    }
    list
}

static ACTION_DATE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\d\d/\d\d/\d\d ").expect("valid regex"));

/// The `billactions` text block: `MM/DD/YY ACTION` entries, one per line (or run together: an
/// entry starts at each date, as OpenLegislation reads them). Senate actions are upper case,
/// Assembly actions lower case. Returns the actions and what could not be read.
fn text_actions(block: &str) -> (Vec<ActionRecord>, Vec<String>) {
    let starts: Vec<usize> = ACTION_DATE.find_iter(block).map(|m| m.start()).collect();
    let mut problems = Vec::new();
    let before = block.get(..starts.first().copied().unwrap_or(block.len())).unwrap_or("").trim();
    if !before.is_empty() {
        problems.push(format!("text without a MM/DD/YY date ignored: {before:?}"));
    }
    let mut actions = Vec::new();
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(block.len());
        let entry = block.get(start..end).unwrap_or("");
        let (raw_date, description) = (entry.get(..8).unwrap_or(""), entry.get(9..).unwrap_or("").trim());
        let Some(date) = iso_date(raw_date) else {
            problems.push(format!("{raw_date:?} is not a date; entry {entry:?} skipped"));
            continue;
        };
        if description.is_empty() {
            problems.push(format!("entry dated {raw_date} has no text; skipped"));
            continue;
        }
        let letters: Vec<char> = description.chars().filter(char::is_ascii_alphabetic).collect();
        let senate = !letters.is_empty() && letters.iter().all(char::is_ascii_uppercase);
        actions.push(ActionRecord {
            date,
            description: description.to_string(),
            organization: Some(if senate { "upper" } else { "lower" }.into()),
            classification: Vec::new(),
            related_entities: Vec::new(),
        });
    }
    (actions, problems)
}

/// Where two action lists first differ (by date and text), if they do.
fn first_difference(a: &[ActionRecord], b: &[ActionRecord]) -> Option<String> {
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        if x.date != y.date || x.description != y.description {
            return Some(format!("action {}: {} {:?} vs {} {:?}", i + 1, x.date, x.description, y.date, y.description));
        }
    }
    (a.len() != b.len()).then(|| format!("{} vs {} actions", a.len(), b.len()))
}

// ---- senfloorvote --------------------------------------------------------------------------

fn floor_vote(root: Node, ctx: &Ctx, out: &mut Parsed) {
    let (no, sessyr, dateofvote) = (attr(root, "no"), attr(root, "sessyr"), attr(root, "dateofvote"));
    let record = format!("{no}-{sessyr} {dateofvote}");
    let Some(session) = session_year(sessyr) else {
        return ctx.warn(out, record, format!("sessyr {sessyr:?} is not a year; vote skipped"));
    };
    let Some(print) = PrintNo::parse(no) else {
        return ctx.warn(out, record, format!("no {no:?} is not a print number; vote skipped"));
    };
    let Some(date) = iso_date(dateofvote) else {
        return ctx.warn(out, record, format!("dateofvote {dateofvote:?} is not a date; vote skipped"));
    };
    if is_remove(root) {
        return ctx.warn(
            out,
            record,
            "action=\"remove\" (the LBDC withdrew the roll call): the model cannot remove a vote, nothing loaded",
        );
    }
    // The vote's number among the day's votes on the bill (what OpenLegislation keys votes by);
    // files before 2023 do not have it.
    let seqno = match attr(root, "date_seqno") {
        "" => 0,
        s => match s.parse::<u32>() {
            Ok(n) => n,
            Err(_) => return ctx.warn(out, record, format!("date_seqno {s:?} is not a number; vote skipped")),
        },
    };

    let mut counts = Vec::new();
    for total in child(root, "totals").into_iter().flat_map(|t| t.children().filter(Node::is_element)) {
        let name = total.tag_name().name();
        let option = name.strip_prefix("tot_").unwrap_or(name);
        match text(total).parse::<i64>() {
            Ok(n) => counts.push((option.to_string(), n)),
            Err(_) => ctx.warn(out, record.clone(), format!("<{name}> {:?} is not a count; ignored", text(total))),
        }
    }
    let votes = member_votes(child(root, "votes"), &record, ctx, out);
    if votes.is_empty() {
        ctx.warn(out, record.clone(), "roll call has no member votes");
    }
    out.votes.push(VoteRecord {
        origin: ctx.origin(),
        source_key: None,
        jurisdiction_id: JURISDICTION_ID.into(),
        bill: BillRef { source_key: Some(print.source_key(&session)), identifier: Some(print.bill_identifier()) },
        motion_text: "Floor vote".into(),
        motion_classification: Vec::new(),
        start_date: date.clone(),
        // The feed does not say whether the motion carried.
        result: String::new(),
        organization: Some("upper".into()),
        counts,
        votes,
        sources: vec![print.source_url(&session)],
        dedupe_key: Some(format!("ny-senate:{session}:{}:{date}:{seqno}", print.compact())),
        session: session_name(&session),
        records_complete: true,
        as_of: None,
    });
}

/// `<member><name/><vote/></member>` elements (floor and committee votes), raw options kept.
/// A `<remote>Y</remote>` flag (newer files) becomes the note `remote`.
fn member_votes(votes: Option<Node>, record: &str, ctx: &Ctx, out: &mut Parsed) -> Vec<PersonVoteRecord> {
    let mut list = Vec::new();
    for (i, m) in votes.into_iter().flat_map(|v| children(v, "member")).enumerate() {
        let (name, option) = (field(m, "name"), field(m, "vote"));
        if name.is_empty() || option.is_empty() {
            ctx.warn(
                out,
                format!("{record} member {}", i + 1),
                format!("member vote without a name or a vote (name {name:?}, vote {option:?}); skipped"),
            );
            continue;
        }
        let remote = field(m, "remote").eq_ignore_ascii_case("Y");
        list.push(PersonVoteRecord {
            voter_name: name,
            option,
            note: if remote { "remote".into() } else { String::new() },
            person_source_key: None,
        });
    }
    list
}

// ---- senagendavote -------------------------------------------------------------------------

/// A committee's vote action code (OpenLegislation's `AgendaVoteAction`) as a result: the
/// bill reported (`R`), to first (`F`) or third reading (`3`), referred to another committee
/// (`RC`) or restored to third reading (`R3`) carried; defeated (`D`) failed; others raw.
fn committee_result(code: &str) -> String {
    match code.trim().to_ascii_uppercase().as_str() {
        "R" | "F" | "3" | "RC" | "R3" => "pass".into(),
        "D" => "fail".into(),
        other => other.to_string(),
    }
}

fn agenda_votes(root: Node, ctx: &Ctx, out: &mut Parsed) {
    let (no, sessyr) = (attr(root, "no"), attr(root, "sessyr"));
    let Some(session) = session_year(sessyr) else {
        return ctx.warn(out, format!("agenda {no}"), format!("sessyr {sessyr:?} is not a year; file skipped"));
    };
    for addendum in children(root, "addendum") {
        for c in addendum.descendants().filter(|n| n.has_tag_name("committee")) {
            let name = field(c, "name");
            let here = format!("agenda {no} addendum {:?} committee {name:?}", attr(addendum, "id"));
            if name.is_empty() {
                ctx.warn(out, here, "committee without a name; its votes skipped");
                continue;
            }
            if is_remove(c) {
                ctx.warn(out, here, "action=\"remove\": the model cannot remove votes, nothing loaded");
                continue;
            }
            let meetdate = field(c, "meetdate");
            let Some(date) = iso_date(&meetdate) else {
                ctx.warn(out, here, format!("meetdate {meetdate:?} is not a date; its votes skipped"));
                continue;
            };
            for bill in child(c, "bills").into_iter().flat_map(|b| children(b, "bill")) {
                let bill_no = attr(bill, "no");
                let record = format!("{here} bill {bill_no}");
                let Some(print) = PrintNo::parse(bill_no) else {
                    ctx.warn(out, record, format!("{bill_no:?} is not a print number; vote skipped"));
                    continue;
                };
                let votes = member_votes(child(bill, "votes"), &record, ctx, out);
                if votes.is_empty() {
                    ctx.warn(out, record.clone(), "committee vote has no member votes");
                }
                out.votes.push(VoteRecord {
                    origin: ctx.origin(),
                    source_key: None,
                    jurisdiction_id: JURISDICTION_ID.into(),
                    session: session_name(&session),
                    bill: BillRef {
                        source_key: Some(print.source_key(&session)),
                        identifier: Some(print.bill_identifier()),
                    },
                    motion_text: "Committee vote".into(),
                    motion_classification: Vec::new(),
                    start_date: date.clone(),
                    result: committee_result(&field(bill, "action")),
                    organization: Some(name.clone()),
                    // The feed gives no totals; normalization tallies the member votes.
                    counts: Vec::new(),
                    votes,
                    sources: vec![print.source_url(&session)],
                    dedupe_key: Some(format!("ny-senate:{session}:{}:{date}:{}", print.compact(), slug(&name))),
                    records_complete: true,
                    as_of: None,
                });
            }
        }
    }
}

// ---- senagenda -----------------------------------------------------------------------------

/// One event per committee meeting, by the rules of `tests/fixtures/ocd-events/derive.py`:
/// addenda apply in id order ("" < "A" < "B" …), a committee named again is the same meeting
/// (its latest entry wins; its bill list is kept when the latest entry has none).
fn agenda(root: Node, ctx: &Ctx, out: &mut Parsed) {
    let (raw_no, raw_year) = (attr(root, "no"), attr(root, "year"));
    let here = format!("agenda {raw_no}-{raw_year}");
    let (Some(no), Some(year)) = (unpadded(raw_no), session_year(raw_year)) else {
        return ctx.warn(out, here, "agenda without a number and a year; file skipped");
    };
    if is_remove(root) {
        return ctx.warn(out, here, "action=\"remove\" (the agenda was withdrawn): the model cannot remove events");
    }
    let mut addenda: Vec<Node> = children(root, "addendum").collect();
    addenda.sort_by_key(|a| attr(*a, "id").to_string());
    let mut meetings: BTreeMap<String, (Node, Vec<String>)> = BTreeMap::new();
    for addendum in addenda {
        for c in addendum.descendants().filter(|n| n.has_tag_name("committee")) {
            let name = field(c, "name");
            if name.is_empty() {
                ctx.warn(
                    out,
                    format!("{here} addendum {:?}", attr(addendum, "id")),
                    "committee without a name; skipped",
                );
                continue;
            }
            let mut bills: Vec<String> = child(c, "bills")
                .into_iter()
                .flat_map(|b| children(b, "bill"))
                .map(|b| attr(b, "no").to_string())
                .collect();
            if bills.is_empty()
                && let Some((_, earlier)) = meetings.get(&name)
            {
                bills = earlier.clone();
            }
            meetings.insert(name, (c, bills));
        }
    }
    for (name, (c, bills)) in meetings {
        let record = format!("{here} committee {name:?}");
        let meetdate = field(c, "meetdate");
        let Some(date) = iso_date(&meetdate).and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()) else {
            ctx.warn(out, record, format!("meetdate {meetdate:?} is not a date; meeting skipped"));
            continue;
        };
        let bare = date.format("%Y-%m-%d").to_string();
        let meettime = field(c, "meettime");
        let start = match meet_time(&meettime) {
            Ok(Some(t)) => local_start(date, t).unwrap_or_else(|| {
                ctx.warn(out, record.clone(), format!("{bare} {t} does not exist in New York; the date alone is kept"));
                bare.clone()
            }),
            Ok(None) => bare,
            Err(e) => {
                ctx.warn(out, record.clone(), format!("meettime: {e}; the date alone is kept"));
                bare
            }
        };
        let notes = field(c, "notes");
        let cancelled = {
            let upper = notes.to_uppercase();
            upper.contains("CANCELLED") || upper.contains("CANCELED")
        };
        let mut agenda = Vec::new();
        for raw in &bills {
            match PrintNo::parse(raw) {
                Some(p) => agenda.push(AgendaItemRecord {
                    order: agenda.len() as i64,
                    description: p.printed(),
                    bill_identifiers: vec![p.bill_identifier()],
                    classification: Vec::new(),
                }),
                None => {
                    ctx.warn(out, record.clone(), format!("bill {raw:?} is not a print number; agenda item skipped"))
                }
            }
        }
        let upstream = format!("nysenate-agenda-{year}-{no}-{}", slug(&name));
        out.events.push(EventRecord {
            origin: ctx.origin(),
            source_key: Some(upstream.clone()),
            jurisdiction_id: JURISDICTION_ID.into(),
            name: format!("Senate {name} Committee"),
            description: notes,
            classification: "committee-meeting".into(),
            start,
            end: None,
            all_day: false,
            timezone: Some(TIMEZONE.into()),
            status: if cancelled { "cancelled" } else { "confirmed" }.into(),
            location: Some(field(c, "location")).filter(|l| !l.is_empty()),
            upstream_id: Some(upstream),
            participants: vec![name],
            agenda,
            sources: vec![format!("{OPENLEG}/agendas/{year}/{no}")],
            agenda_complete: true,
            as_of: None,
        });
    }
}

// ---- sencalendar ---------------------------------------------------------------------------

/// One event per supplemental (`""`, `A`, …): the Senate's floor calendar for `caldate`, an
/// agenda item per calendar number. A supplemental is its own event (`nysenate-calendar-2017-9`,
/// `…-9a`) because each file replaces one supplemental and does not repeat the others.
fn calendar(root: Node, ctx: &Ctx, out: &mut Parsed) {
    let (raw_no, raw_year) = (attr(root, "no"), attr(root, "year"));
    let here = format!("calendar {raw_no}-{raw_year}");
    let (Some(no), Some(year)) = (unpadded(raw_no), session_year(raw_year)) else {
        return ctx.warn(out, here, "calendar without a number and a year; file skipped");
    };
    if is_remove(root) {
        return ctx.warn(out, here, "action=\"remove\" (the calendar was withdrawn): the model cannot remove events");
    }
    for s in children(root, "supplemental") {
        let id = attr(s, "id").to_ascii_uppercase();
        let record = format!("{here} supplemental {id:?}");
        let caldate = field(s, "caldate");
        let Some(date) = iso_date(&caldate) else {
            ctx.warn(out, record, format!("caldate {caldate:?} is not a date; supplemental skipped"));
            continue;
        };
        let mut agenda = Vec::new();
        for section in s.descendants().filter(|n| n.has_tag_name("section")) {
            let section_name = attr(section, "name");
            for calno in section.descendants().filter(|n| n.has_tag_name("calno")) {
                let cal = unpadded(attr(calno, "no")).unwrap_or_else(|| attr(calno, "no").to_string());
                let raw_bill = child(calno, "bill").map(|b| attr(b, "no")).unwrap_or("");
                let Some(bill) = PrintNo::parse(raw_bill) else {
                    ctx.warn(
                        out,
                        format!("{record} cal. no. {cal}"),
                        format!("bill {raw_bill:?} is not a print number; skipped"),
                    );
                    continue;
                };
                let mut description = format!("Cal. No. {cal}: {}", bill.printed());
                let mut bill_identifiers = vec![bill.bill_identifier()];
                // A bill substituted for this one (usually the Assembly's same-as bill).
                if let Some(sub) = child(calno, "subbill").and_then(|b| PrintNo::parse(attr(b, "no"))) {
                    description.push_str(&format!(", substituted by {}", sub.printed()));
                    bill_identifiers.push(sub.bill_identifier());
                }
                agenda.push(AgendaItemRecord {
                    order: agenda.len() as i64,
                    description,
                    bill_identifiers,
                    classification: if section_name.is_empty() { Vec::new() } else { vec![section_name.to_string()] },
                });
            }
        }
        let upstream = format!("nysenate-calendar-{year}-{no}{}", id.to_lowercase());
        out.events.push(EventRecord {
            origin: ctx.origin(),
            source_key: Some(upstream.clone()),
            jurisdiction_id: JURISDICTION_ID.into(),
            name: format!("Senate Calendar No. {no}{id}"),
            description: String::new(),
            classification: "floor-session".into(),
            start: date,
            end: None,
            all_day: false,
            timezone: Some(TIMEZONE.into()),
            status: "confirmed".into(),
            location: None,
            upstream_id: Some(upstream),
            participants: vec!["Senate".into()],
            agenda,
            sources: vec![format!("{OPENLEG}/calendars/{year}/{no}")],
            agenda_complete: true,
            as_of: None,
        });
    }
}

// ---- OpenLegislation bill JSON -------------------------------------------------------------

/// An OpenLegislation API v3 response envelope (docs/api/bills.rst in nysenate/OpenLegislation).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OlResponse {
    success: Option<bool>,
    message: Option<String>,
    response_type: Option<String>,
    result: Option<Value>,
}

/// `{"items": [...], "size": n}`, the API's list wrapper.
#[derive(Deserialize)]
struct OlList<T> {
    #[serde(default = "Vec::new")]
    items: Vec<T>,
}

/// `{"items": {"": {...}, "A": {...}}, "size": n}`, the API's map wrapper (amendments by version).
#[derive(Deserialize)]
struct OlMap<T> {
    #[serde(default = "BTreeMap::new")]
    items: BTreeMap<String, T>,
}

/// The items of an optional list: a missing or `null` list is empty.
fn items<T>(list: Option<OlList<T>>) -> Vec<T> {
    list.map(|l| l.items).unwrap_or_default()
}

/// A bill's `result`: only the fields read.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OlBill {
    #[serde(default)]
    base_print_no: String,
    session: Option<i64>,
    bill_type: Option<OlBillType>,
    title: Option<String>,
    active_version: Option<String>,
    substituted_by: Option<OlBillId>,
    sponsor: Option<OlSponsor>,
    summary: Option<String>,
    actions: Option<OlList<OlAction>>,
    amendments: Option<OlMap<OlAmendment>>,
    votes: Option<OlList<Value>>,
    veto_messages: Option<OlList<Value>>,
    approval_message: Option<Value>,
    additional_sponsors: Option<OlList<OlMember>>,
    previous_versions: Option<OlList<OlBillId>>,
}

#[derive(Deserialize)]
struct OlBillType {
    chamber: Option<String>,
    resolution: Option<bool>,
}

#[derive(Deserialize)]
struct OlSponsor {
    member: Option<OlMember>,
    budget: Option<bool>,
    rules: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OlMember {
    short_name: Option<String>,
    chamber: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OlBillId {
    base_print_no: Option<String>,
    session: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OlAction {
    date: Option<String>,
    chamber: Option<String>,
    sequence_no: Option<i64>,
    text: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OlAmendment {
    publish_date: Option<String>,
    same_as: Option<OlList<OlBillId>>,
    memo: Option<String>,
    full_text: Option<String>,
    co_sponsors: Option<OlList<OlMember>>,
    multi_sponsors: Option<OlList<OlMember>>,
}

/// The chamber of the API's `SENATE` / `ASSEMBLY`.
fn openleg_chamber(raw: Option<&str>) -> Option<&'static str> {
    match raw?.trim().to_ascii_uppercase().as_str() {
        "SENATE" => Some("upper"),
        "ASSEMBLY" => Some("lower"),
        _ => None,
    }
}

/// A non-empty string, trimmed.
fn filled(raw: Option<&str>) -> Option<&str> {
    raw.map(str::trim).filter(|s| !s.is_empty())
}

/// The public nysenate.gov page of one print: `…/2017/S609/amendment/A`, `…/amendment/original`
/// for the first print (the site's alias rule: nys_bills `BillsHelper::buildAlias`).
fn print_page(session: &str, base: &PrintNo, version: &str) -> String {
    let version = if version.is_empty() { "original" } else { version };
    format!("{NYSENATE_BILLS}/{session}/{}{}/amendment/{version}", base.prefix, base.number)
}

/// One OpenLegislation bill response, the full view (`GET /api/3/bills/2017/S609`): one bill,
/// keyed as the `BILLSTAT` files key it (see the module docs). Anything else is one warning.
fn openleg_bill(bytes: &[u8], location: &str) -> Parsed {
    let mut out = Parsed::default();
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let response: OlResponse = match serde_json::from_slice(bytes) {
        Ok(r) => r,
        Err(e) => {
            out.warnings.push(Warning::new(location, None, format!("not an OpenLegislation JSON response: {e}")));
            return out;
        }
    };
    let kind = response.response_type.as_deref().unwrap_or("");
    let result = match response.result {
        Some(r) if kind == "bill" && response.success != Some(false) => r,
        _ => {
            out.warnings.push(Warning::new(
                location,
                None,
                format!(
                    "not an OpenLegislation bill (responseType {kind:?}, success {:?}, message {:?}): only \
                     single-bill responses (GET /api/3/bills/{{session}}/{{printNo}}) are read",
                    response.success,
                    response.message.unwrap_or_default()
                ),
            ));
            return out;
        }
    };
    let bill: OlBill = match serde_json::from_value(result) {
        Ok(b) => b,
        Err(e) => {
            out.warnings.push(Warning::new(location, None, format!("the bill's result is not as documented: {e}")));
            return out;
        }
    };
    let ctx = Ctx { location, published: None };
    openleg_bill_record(bill, &ctx, &mut out);
    out
}

fn openleg_bill_record(bill: OlBill, ctx: &Ctx, out: &mut Parsed) {
    let sessyr = bill.session.map(|s| s.to_string()).unwrap_or_default();
    let record = format!("{}-{sessyr}", bill.base_print_no);
    let Some(session) = session_year(&sessyr) else {
        return ctx.warn(out, record, format!("session {sessyr:?} is not a year; bill skipped"));
    };
    let Some(base) = PrintNo::parse(&bill.base_print_no).filter(|p| p.amendment.is_empty()) else {
        return ctx.warn(
            out,
            record,
            format!("basePrintNo {:?} is not a print number without a version; bill skipped", bill.base_print_no),
        );
    };
    let active_version = bill.active_version.as_deref().unwrap_or("").trim().to_ascii_uppercase();
    let print = match PrintNo::parse(&format!("{}{active_version}", base.compact())) {
        Some(p) => p,
        None => {
            ctx.warn(out, record.clone(), format!("activeVersion {active_version:?} is not a version; ignored"));
            base.clone()
        }
    };
    let from_organization = openleg_chamber(bill.bill_type.as_ref().and_then(|t| t.chamber.as_deref()))
        .or_else(|| chamber(&print.prefix))
        .map(str::to_string);
    let classification = match bill.bill_type.as_ref().and_then(|t| t.resolution) {
        Some(true) => vec!["resolution".to_string()],
        Some(false) => vec!["bill".to_string()],
        None if chamber(&print.prefix).is_some() => vec!["bill".to_string()],
        None => Vec::new(),
    };
    let title = bill.title.as_deref().unwrap_or("").trim();
    let title = title.strip_prefix('@').unwrap_or(title).trim().to_string();

    let mut raw_actions = items(bill.actions);
    raw_actions.sort_by_key(|a| a.sequence_no.unwrap_or(i64::MAX));
    let mut actions = Vec::new();
    for a in raw_actions {
        let here = format!("{record} action {}", a.sequence_no.map(|n| n.to_string()).unwrap_or_default());
        let raw_date = a.date.as_deref().unwrap_or("");
        let Some(date) = iso_date(raw_date) else {
            ctx.warn(out, here, format!("date {raw_date:?} is not a date; action skipped"));
            continue;
        };
        let Some(description) = filled(a.text.as_deref()) else {
            ctx.warn(out, here, "action has no text; skipped");
            continue;
        };
        actions.push(ActionRecord {
            date,
            description: description.to_string(),
            organization: openleg_chamber(a.chamber.as_deref()).map(str::to_string),
            classification: Vec::new(),
            related_entities: Vec::new(),
        });
    }

    let amendments = bill.amendments.map(|m| m.items).unwrap_or_default();
    let active = amendments.get(&print.amendment);
    if active.is_none() && !amendments.is_empty() {
        ctx.warn(
            out,
            record.clone(),
            format!("no amendment {:?} (the active version); no cosponsors read", print.amendment),
        );
    }

    let mut sponsorships = Vec::new();
    let person = |m: &OlMember, primary: bool| {
        filled(m.short_name.as_deref()).map(|name| SponsorshipRecord {
            name: name.to_string(),
            entity_type: "person".into(),
            primary,
            classification: if primary { "primary" } else { "cosponsor" }.into(),
            chamber: openleg_chamber(m.chamber.as_deref()).or_else(|| chamber(&print.prefix)).map(str::to_string),
            person_source_key: None,
        })
    };
    if let Some(s) = &bill.sponsor {
        let member = s.member.as_ref().and_then(|m| person(m, true));
        // The names the feed gives these sponsors, as organizations (see `bill_status`).
        let organization = if s.rules == Some(true) {
            Some(match &member {
                Some(m) => format!("RULES COM (Request of {})", m.name),
                None => "RULES COM".to_string(),
            })
        } else if s.budget == Some(true) {
            Some("BUDGET BILL".to_string())
        } else {
            None
        };
        match (organization, member) {
            (Some(name), _) => sponsorships.push(SponsorshipRecord {
                name,
                entity_type: "organization".into(),
                primary: true,
                classification: "primary".into(),
                chamber: from_organization.clone(),
                person_source_key: None,
            }),
            (None, Some(m)) => sponsorships.push(m),
            (None, None) => ctx.warn(out, record.clone(), "sponsor without a member's short name; no primary sponsor"),
        }
    }
    // Cosponsors: the bill's additional sponsors, then the active print's co- and multi-sponsors.
    let additional = items(bill.additional_sponsors);
    let of_print = active.into_iter().flat_map(|a| [&a.co_sponsors, &a.multi_sponsors]).flatten();
    for m in additional.iter().chain(of_print.flat_map(|l| &l.items)) {
        match person(m, false) {
            Some(s) if !sponsorships.iter().any(|o| o.name == s.name) => sponsorships.push(s),
            Some(_) => {}
            None => ctx.warn(out, record.clone(), "cosponsor without a short name; skipped"),
        }
    }

    let mut versions = Vec::new();
    let mut documents = Vec::new();
    let mut related_bills = Vec::new();
    let mut relate = |id: &OlBillId, relation_type: &str, out: &mut Parsed| {
        let raw = id.base_print_no.as_deref().unwrap_or("");
        let year = id.session.map(|s| s.to_string()).unwrap_or_else(|| session.clone());
        match (PrintNo::parse(raw), session_year(&year)) {
            (Some(p), Some(y)) => {
                let related = RelatedBillRecord {
                    identifier: p.bill_identifier(),
                    session: session_name(&y),
                    relation_type: relation_type.to_string(),
                };
                if !related_bills.contains(&related) {
                    related_bills.push(related);
                }
            }
            _ => ctx.warn(
                out,
                record.clone(),
                format!("{relation_type} bill {raw:?} of {year:?} is not a print number and session; skipped"),
            ),
        }
    };
    for id in items(bill.previous_versions) {
        relate(&id, "prior-session", out);
    }
    for (version, a) in &amendments {
        let Some(p) = PrintNo::parse(&format!("{}{version}", base.compact())) else {
            ctx.warn(out, record.clone(), format!("amendment {version:?} is not a version; skipped"));
            continue;
        };
        let date = filled(a.publish_date.as_deref()).and_then(iso_date).unwrap_or_default();
        let page = Link { url: print_page(&session, &base, &p.amendment), media_type: Some("text/html".into()) };
        versions.push(DocumentRecord {
            note: p.compact(),
            date: date.clone(),
            classification: String::new(),
            links: vec![page.clone()],
            // The printed bill, hard-wrapped: its lines joined into paragraphs.
            text: a.full_text.as_deref().filter(|t| !t.trim().is_empty()).map(crate::text::extract::plain_text),
        });
        if let Some(memo) = a.memo.as_ref().filter(|m| !m.trim().is_empty()) {
            documents.push(DocumentRecord {
                note: format!("Sponsor memo {}", p.compact()),
                date,
                classification: "memo".into(),
                links: vec![page],
                text: Some(memo.clone()),
            });
        }
        for id in a.same_as.as_ref().map(|l| l.items.as_slice()).unwrap_or_default() {
            relate(id, "companion", out);
        }
    }
    if let Some(id) = &bill.substituted_by {
        relate(id, "replaced-by", out);
    }

    // Parts the one real response at hand leaves empty, so their shape is untested: not read.
    let unread = [
        (
            "roll call(s) (votes)",
            bill.votes.map_or(0, |l| l.items.len()),
            "; the feed's SENFLVOT and SENAGENV files carry them",
        ),
        ("veto message(s)", bill.veto_messages.map_or(0, |l| l.items.len()), ""),
        ("approval message", usize::from(bill.approval_message.is_some()), ""),
    ];
    for (what, n, note) in unread {
        if n > 0 {
            ctx.warn(out, record.clone(), format!("{n} {what} not read: untested on real responses{note}"));
        }
    }

    out.bills.push(BillRecord {
        origin: ctx.origin(),
        source_key: Some(print.source_key(&session)),
        jurisdiction_id: JURISDICTION_ID.into(),
        identifier: print.bill_identifier(),
        title,
        classification,
        subjects: Vec::new(),
        abstracts: filled(bill.summary.as_deref()).map(str::to_string).into_iter().collect(),
        other_titles: Vec::new(),
        other_identifiers: if print.amendment.is_empty() { Vec::new() } else { vec![print.printed()] },
        from_organization,
        actions,
        sponsorships,
        versions,
        documents,
        related_bills,
        citations: Vec::new(),
        sources: vec![print.source_url(&session)],
        // `publishedDateTime` is the first publication, not a last update (module docs).
        updated_at: None,
        session: session_name(&session),
        // The Senate's consolidated view: every print, sponsor, memo and action.
        complete: BillScope::FULL,
        as_of: None,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::ocd_scrape::{self, ScrapeContext};
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    const NY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/state-xml/ny");
    const EVENTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ocd-events");

    const BILL_5795A: &str = "2016-12-31-21.52.25.010960_BILLSTAT_S05795A.XML";
    const BILL_5186: [&str; 3] = [
        "2023-03-22-15.51.55.699307_BILLSTAT_S05186.XML",
        "2023-05-30-10.48.50.700972_BILLSTAT_S05186.XML",
        "2023-05-30-16.07.29.818207_BILLSTAT_S05186.XML",
    ];
    const AGENDA_V1: &str = "2017-02-06-12.23.39.043330_SENAGEN_00005.XML";
    const AGENDA_V2: &str = "2017-02-06-15.57.12.669652_SENAGEN_00005.XML";
    const VOTES_CODES: &str = "2017-01-24-12.14.42.109650_SENAGENV_CODES.XML";
    const VOTES_LABOR: &str = "2017-02-07-15.50.45.604819_SENAGENV_LABOR.XML";
    const FLOOR_2017: &str = "2017-10-23-10.25.46.989009_SENFLVOT_S00100.XML";
    const FLOOR_2023: &str = "2023-05-09-12.06.15.992320_SENFLVOT_S00100.xml";
    const CAL_9: &str = "2017-02-02-15.45.26.173269_SENCAL_00009.XML";
    const CAL_9A: &str = "2017-02-06-16.15.49.267831_SENCAL_00009A.XML";
    const ACTIVE_9: &str = "2017-02-05-19.35.43.213993_SENCALAL_9.XML";
    const SOBI: &str = "SOBI.D140509.T124706.TXT";

    /// The feed files of the fixture folder (its PROVENANCE.md aside).
    fn names() -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(NY)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n != "PROVENANCE.md")
            .collect();
        names.sort();
        names
    }

    fn read(name: &str) -> Vec<u8> {
        let path = Path::new(NY).join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn location(name: &str) -> String {
        format!("{NY}/{name}")
    }

    fn load(name: &str) -> Parsed {
        let kind = feed_kind(name).unwrap_or_else(|| panic!("{name} is not a feed file"));
        parse(kind, &read(name), &location(name))
    }

    /// A file that must parse without warnings.
    fn clean(name: &str) -> Parsed {
        let p = load(name);
        assert!(p.warnings.is_empty(), "{name}: {:?}", p.warnings);
        p
    }

    fn bill(name: &str) -> BillRecord {
        let p = clean(name);
        assert_eq!(p.bills.len(), 1, "{name}");
        p.bills[0].clone()
    }

    fn vote(name: &str) -> VoteRecord {
        let p = clean(name);
        assert_eq!(p.votes.len(), 1, "{name}");
        p.votes[0].clone()
    }

    fn occurrences(bytes: &[u8], needle: &str) -> usize {
        bytes.windows(needle.len()).filter(|w| *w == needle.as_bytes()).count()
    }

    fn actions(b: &BillRecord) -> Vec<(&str, &str, Option<&str>)> {
        b.actions.iter().map(|a| (a.date.as_str(), a.description.as_str(), a.organization.as_deref())).collect()
    }

    fn tally(v: &VoteRecord) -> BTreeMap<&str, i64> {
        let mut t = BTreeMap::new();
        for p in &v.votes {
            *t.entry(p.option.as_str()).or_insert(0) += 1;
        }
        t
    }

    fn by_upstream(events: &[EventRecord]) -> BTreeMap<String, EventRecord> {
        events.iter().map(|e| (e.upstream_id.clone().unwrap(), e.clone())).collect()
    }

    /// Every fixture file: its kind from the name and what it yields. The table lists every
    /// file in the folder, so a new fixture must be added here.
    #[test]
    fn every_fixture_file_is_read() {
        // (file, kind, bills, votes, events, warnings)
        let table = [
            (BILL_5795A, FeedKind::BillStatus, 1, 0, 0, 0),
            (VOTES_CODES, FeedKind::AgendaVote, 0, 21, 0, 0),
            (CAL_9, FeedKind::Calendar, 0, 0, 1, 0),
            (ACTIVE_9, FeedKind::Calendar, 0, 0, 0, 1),
            (AGENDA_V1, FeedKind::Agenda, 0, 0, 9, 0),
            (AGENDA_V2, FeedKind::Agenda, 0, 0, 10, 0),
            (CAL_9A, FeedKind::Calendar, 0, 0, 1, 0),
            (VOTES_LABOR, FeedKind::AgendaVote, 0, 4, 0, 0),
            (FLOOR_2017, FeedKind::FloorVote, 0, 1, 0, 0),
            (BILL_5186[0], FeedKind::BillStatus, 1, 0, 0, 0),
            (FLOOR_2023, FeedKind::FloorVote, 0, 1, 0, 0),
            (BILL_5186[1], FeedKind::BillStatus, 1, 0, 0, 0),
            (BILL_5186[2], FeedKind::BillStatus, 1, 0, 0, 0),
            (SOBI, FeedKind::Sobi, 0, 0, 0, 1),
        ];
        let listed: BTreeSet<&str> = table.iter().map(|t| t.0).collect();
        let present = names();
        assert_eq!(listed, present.iter().map(String::as_str).collect::<BTreeSet<_>>());
        for (name, kind, bills, votes, events, warnings) in table {
            assert_eq!(feed_kind(name), Some(kind), "{name}");
            assert!(published_at(name).is_some(), "{name}");
            let p = load(name);
            let got = (p.bills.len(), p.votes.len(), p.events.len(), p.warnings.len());
            assert_eq!(got, (bills, votes, events, warnings), "{name}: {:?}", p.warnings);
            for w in &p.warnings {
                assert_eq!(w.location, location(name));
            }
            assert!(p.jurisdictions.is_empty() && p.organizations.is_empty() && p.people.is_empty());
        }
    }

    #[test]
    fn file_names_give_kind_and_publication_time() {
        let at = |y, mo, d, h, mi, s, micro| {
            NaiveDate::from_ymd_opt(y, mo, d).unwrap().and_hms_micro_opt(h, mi, s, micro).unwrap()
        };
        assert_eq!(published_at(BILL_5186[2]), Some(at(2023, 5, 30, 16, 7, 29, 818207)));
        assert_eq!(published_at(&location(FLOOR_2023)), Some(at(2023, 5, 9, 12, 6, 15, 992320)));
        assert_eq!(published_at(SOBI), Some(at(2014, 5, 9, 12, 47, 6, 0)));
        // The three snapshots of S05186 sort by their publication time.
        let times: Vec<_> = BILL_5186.iter().map(|n| published_at(n).unwrap()).collect();
        assert!(times.windows(2).all(|w| w[0] < w[1]));

        // `.xml` as well as `.XML`; a path; a committee name with `&` and spaces.
        assert_eq!(feed_kind(FLOOR_2023), Some(FeedKind::FloorVote));
        assert_eq!(feed_kind(&location(VOTES_LABOR)), Some(FeedKind::AgendaVote));
        assert_eq!(
            feed_kind("2017-02-07-15.50.45.604819_SENAGENV_HEALTH & MENTAL HYGIENE.XML"),
            Some(FeedKind::AgendaVote)
        );
        assert_eq!(feed_kind(r"C:\feed\2017-02-02-15.45.26.173269_SENCAL_00009.xml"), Some(FeedKind::Calendar));
        // Any JSON is taken for an OpenLegislation bill response (the parser checks); it has no
        // publication time in its name.
        for name in ["S609-2017.json", "ny-openleg/S609-2017.JSON", "2023-05-30-16.07.29.818207_BILLSTAT_S05186.json"] {
            assert_eq!(feed_kind(name), Some(FeedKind::OpenLegBill), "{name:?}");
        }
        assert_eq!(published_at("S609-2017.json"), None);
        // Not feed files, or kinds this module does not read.
        for name in [
            "PROVENANCE.md",
            "2017-02-07-15.50.45.604819_LDSPON_S00100.XML",
            "2017-02-07_SENAGEN_00005.XML",
            "S609-2017.json.gz",
            ".json",
            "SOBI.TXT",
            "",
        ] {
            assert_eq!(feed_kind(name), None, "{name:?}");
        }
    }

    #[test]
    fn bill_status_s5186_and_its_later_snapshots() {
        let [first, second, third] = BILL_5186.map(bill);
        let b = &first;
        assert_eq!(b.identifier, "S 5186");
        assert_eq!(b.session, "2023-2024");
        assert_eq!(b.source_key.as_deref(), Some("ny-lbdc:S05186-2023"));
        assert_eq!(b.jurisdiction_id, "ocd-jurisdiction/country:us/state:ny/government");
        assert_eq!(b.origin.location, location(BILL_5186[0]));
        assert_eq!(b.from_organization.as_deref(), Some("upper"));
        assert_eq!(b.classification, ["bill"]);
        assert!(b.other_identifiers.is_empty());
        assert_eq!(
            b.title,
            "Requires the department of environmental conservation to implement permit regulations and guidance \
             regarding shoreline management"
        );
        assert_eq!(b.sources, ["https://legislation.nysenate.gov/api/3/bills/2023/S5186"]);
        assert_eq!(b.updated_at.as_deref(), Some("2023-03-22T15:51:55.699307"));
        assert_eq!(b.sponsorships.len(), 1);
        let s = &b.sponsorships[0];
        assert_eq!((s.name.as_str(), s.entity_type.as_str(), s.primary), ("MAYER", "person", true));
        assert_eq!(s.chamber.as_deref(), Some("upper"));

        assert_eq!(b.actions.len(), 6);
        assert_eq!(actions(b)[0], ("2023-02-27", "REFERRED TO ENVIRONMENTAL CONSERVATION", Some("upper")));
        assert_eq!(actions(b)[5], ("2023-03-22", "DELIVERED TO ASSEMBLY", Some("upper")));

        // Each snapshot adds actions after the earlier ones.
        assert_eq!((second.actions.len(), third.actions.len()), (9, 10));
        assert_eq!(&second.actions[..6], &first.actions[..]);
        assert_eq!(&third.actions[..9], &second.actions[..]);
        assert_eq!(actions(&second)[6], ("2023-03-22", "referred to environmental conservation", Some("lower")));
        assert_eq!(actions(&second)[8], ("2023-05-30", "returned to senate", Some("lower")));
        assert_eq!(actions(&third)[9], ("2023-05-30", "VOTE RECONSIDERED - RESTORED TO THIRD READING", Some("upper")));

        // The per-year summary elements (<action no="2023">) are statuses, not actions.
        for b in [&first, &second, &third] {
            assert!(b.actions.iter().all(|a| {
                !["passed own house", "referred to committee opposite house", "on calendar"]
                    .contains(&a.description.as_str())
            }));
        }
        // As many actions as the billactions text has dated lines.
        for (name, b) in BILL_5186.iter().zip([&first, &second, &third]) {
            let text = String::from_utf8(read(name)).unwrap();
            let lines = text.lines().filter(|l| ACTION_DATE.find(l).is_some_and(|m| m.start() == 0)).count();
            assert_eq!(b.actions.len(), lines, "{name}");
        }
    }

    #[test]
    fn bill_status_of_an_amended_bill_s5795a() {
        let b = bill(BILL_5795A);
        assert_eq!(b.identifier, "S 5795");
        assert_eq!(b.other_identifiers, ["S 5795A"]);
        assert_eq!(b.session, "2015-2016");
        assert_eq!(b.source_key.as_deref(), Some("ny-lbdc:S05795-2015"));
        assert_eq!(b.sponsorships[0].name, "MARCELLINO");
        assert_eq!(b.actions.len(), 22);
        let a = actions(&b);
        assert_eq!(a[0], ("2015-06-03", "REFERRED TO EDUCATION", Some("upper")));
        assert_eq!(a[6], ("2016-01-06", "died in assembly", Some("lower")));
        assert_eq!(a[12], ("2016-05-16", "AMENDED ON THIRD READING 5795A", Some("upper")));
        assert_eq!(a[21], ("2016-12-31", "SIGNED CHAP.514", Some("upper")));
        assert!(!b.actions.iter().any(|a| a.description == "signed or chaptered"));
    }

    #[test]
    fn billactions_text_is_the_fallback_and_agrees_with_the_elements() {
        let name = BILL_5186[2];
        let text = String::from_utf8(read(name)).unwrap();
        let (start, end) = (text.find("<actions>").unwrap(), text.find("</actions>").unwrap() + "</actions>".len());
        let without = format!("{}{}", &text[..start], &text[end..]);
        let p = parse(FeedKind::BillStatus, without.as_bytes(), "s5186-text-only.xml");
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        // Same dates, texts and chambers (from the letter case) as the <action> elements.
        assert_eq!(p.bills[0].actions, bill(name).actions);

        // A line missing from the text block: the elements are used, with a warning.
        let dropped = text.replacen("05/30/23 returned to senate\n", "", 1);
        assert_ne!(dropped, text);
        let p = parse(FeedKind::BillStatus, dropped.as_bytes(), "s5186-dropped.xml");
        assert_eq!(p.bills[0].actions.len(), 10);
        assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
        assert_eq!(p.warnings[0].location, "s5186-dropped.xml");
        assert_eq!(p.warnings[0].record.as_deref(), Some("S05186-2023"));
        assert!(p.warnings[0].message.contains("disagree"), "{}", p.warnings[0].message);
    }

    #[test]
    fn a_bad_action_is_a_warning_naming_it() {
        let text = String::from_utf8(read(BILL_5186[0])).unwrap();
        let bad = text.replacen("<actiondate>2023-03-15</actiondate>", "<actiondate>2023-15-03</actiondate>", 1);
        assert_ne!(bad, text);
        let p = parse(FeedKind::BillStatus, bad.as_bytes(), "bad.xml");
        assert_eq!(p.bills[0].actions.len(), 5);
        let records: Vec<_> = p.warnings.iter().map(|w| w.record.as_deref()).collect();
        assert!(records.contains(&Some("S05186-2023 action 2")), "{:?}", p.warnings);
    }

    #[test]
    fn floor_votes_on_s100() {
        let v = vote(FLOOR_2023);
        assert_eq!(v.session, "2023-2024");
        assert_eq!(v.bill.identifier.as_deref(), Some("S 100"));
        assert_eq!(v.bill.source_key.as_deref(), Some("ny-lbdc:S00100-2023"));
        assert_eq!(v.organization.as_deref(), Some("upper"));
        assert_eq!(v.motion_text, "Floor vote");
        assert_eq!(v.start_date, "2023-05-08");
        assert_eq!(v.dedupe_key.as_deref(), Some("ny-senate:2023:S100:2023-05-08:2"));
        assert_eq!(v.counts, [("yes".to_string(), 59), ("no".to_string(), 3)]);
        assert_eq!(v.votes.len(), 63);
        assert_eq!((v.votes[0].voter_name.as_str(), v.votes[0].option.as_str()), ("Addabbo", "Nay"));
        // The member votes tally to the totals (and one senator was absent).
        let t = tally(&v);
        assert_eq!(t, BTreeMap::from([("Absent", 1), ("Aye", 59), ("Nay", 3)]));
        assert_eq!((t["Aye"], t["Nay"]), (v.counts[0].1, v.counts[1].1));

        let old = vote(FLOOR_2017);
        assert_eq!(old.session, "2017-2018");
        assert_eq!(old.start_date, "2017-10-23");
        assert_eq!(old.counts, [("yes".to_string(), 61), ("no".to_string(), 0)]);
        let t = tally(&old);
        assert_eq!(t, BTreeMap::from([("Absent", 1), ("Aye", 61), ("Excused", 1)]));
        assert_eq!(t["Aye"], old.counts[0].1);
        // No date_seqno in files before 2023.
        assert_eq!(old.dedupe_key.as_deref(), Some("ny-senate:2017:S100:2017-10-23:0"));

        // The same roll call published again (a later file) is the same vote.
        let again = parse(FeedKind::FloorVote, &read(FLOOR_2023), "2023-05-10-09.00.00.000000_SENFLVOT_S00100.XML");
        assert_eq!(again.votes[0].dedupe_key, v.dedupe_key);
    }

    #[test]
    fn committee_votes() {
        let bytes = read(VOTES_LABOR);
        let labor = clean(VOTES_LABOR).votes;
        let bills: Vec<_> = labor.iter().map(|v| v.bill.identifier.as_deref().unwrap()).collect();
        assert_eq!(bills, ["S 905", "S 1155", "S 1975", "S 2052"]);
        let members = occurrences(&bytes, "<attendance>");
        assert_eq!(members, 14);
        for v in &labor {
            assert_eq!(v.organization.as_deref(), Some("Labor"));
            assert_eq!(v.motion_text, "Committee vote");
            assert_eq!(v.start_date, "2017-02-06");
            assert_eq!(v.session, "2017-2018");
            assert_eq!(v.votes.len(), members);
            assert_eq!(v.votes[0].voter_name, "Alcantara");
            assert!(v.counts.is_empty());
            // F (reported to first reading) and RC (referred to Finance) both carried.
            assert_eq!(v.result, "pass");
        }
        assert_eq!(labor[0].dedupe_key.as_deref(), Some("ny-senate:2017:S905:2017-02-06:labor"));
        // Raw options are kept, "Aye w/r" (aye with reservations) included.
        let mut all: BTreeMap<&str, usize> = BTreeMap::new();
        for p in labor.iter().flat_map(|v| &v.votes) {
            *all.entry(p.option.as_str()).or_insert(0) += 1;
        }
        assert_eq!(all, BTreeMap::from([("Aye", 49), ("Aye w/r", 6), ("Nay", 1)]));
        for (option, n) in &all {
            assert_eq!(occurrences(&bytes, &format!("<vote>{option}</vote>")), *n, "{option}");
        }

        let bytes = read(VOTES_CODES);
        let codes = clean(VOTES_CODES).votes;
        assert_eq!(codes.len(), occurrences(&bytes, "<bill no="));
        let members = occurrences(&bytes, "<attendance>");
        assert_eq!(members, 16);
        assert!(codes.iter().all(|v| v.organization.as_deref() == Some("Codes")
            && v.start_date == "2017-01-23"
            && v.votes.len() == members));
        assert_eq!(codes[0].bill.identifier.as_deref(), Some("S 196"));
    }

    #[test]
    fn agenda_meetings_and_the_reschedule() {
        let v1 = by_upstream(&clean(AGENDA_V1).events);
        let v2 = by_upstream(&clean(AGENDA_V2).events);
        let energy = "nysenate-agenda-2017-5-energy-and-telecommunications";
        let rules = "nysenate-agenda-2017-5-rules";

        // 12:23: Energy and Telecommunications moved then cancelled by addendum A.
        let e = &v1[energy];
        assert_eq!(e.name, "Senate Energy and Telecommunications Committee");
        assert_eq!(e.status, "cancelled");
        assert_eq!(e.start, "2017-02-06T13:00:00-05:00");
        assert_eq!(e.description, "PLEASE NOTE: THIS MEETING HAS BEEN CANCELLED");
        assert_eq!(e.location.as_deref(), Some("Room 611 LOB"));
        assert!(!v1.contains_key(rules));

        // 15:57: addendum B reschedules it to Tuesday 9:30 (the same meeting), C adds Rules.
        let e = &v2[energy];
        assert_eq!(e.status, "confirmed");
        assert_eq!(e.start, "2017-02-07T09:30:00-05:00");
        assert_eq!(e.description, "Please note change in day and time of meeting.");
        assert_eq!(v2.len(), v1.len() + 1);
        assert!(v1.keys().all(|k| v2.contains_key(k)));
        let r = &v2[rules];
        assert_eq!(r.start, "2017-02-06"); // T00.00.00Z: "called off the floor", no set time
        let item = r.agenda.iter().find(|i| i.description == "S 2956A").unwrap();
        assert_eq!(item.bill_identifiers, ["S 2956"]);

        let codes = &v1["nysenate-agenda-2017-5-codes"];
        assert_eq!(codes.start, "2017-02-06");
        assert_eq!(codes.participants, ["Codes"]);
        assert_eq!(codes.classification, "committee-meeting");
        assert_eq!(codes.timezone.as_deref(), Some("America/New_York"));
        assert_eq!(codes.sources, ["https://legislation.nysenate.gov/api/3/agendas/2017/5"]);
        assert_eq!((codes.agenda[0].order, codes.agenda[0].description.as_str()), (0, "S 468"));
        assert_eq!(codes.agenda[0].bill_identifiers, ["S 468"]);
        let culture = &v1["nysenate-agenda-2017-5-cultural-affairs-tourism-parks-and-recreation"];
        assert_eq!(culture.start, "2017-02-07T09:30:00-05:00");

        // Every bill on the agenda is an item (a committee named again keeps its bills).
        let bytes = read(AGENDA_V1);
        let items: usize = v1.values().map(|e| e.agenda.len()).sum();
        assert_eq!(items, occurrences(&bytes, "<bill no="));
    }

    /// The events match those `tests/fixtures/ocd-events/derive.py` derived from the same files,
    /// except that an agenda item names the bill without its amendment letter.
    #[test]
    fn agenda_events_match_the_derived_ocd_events() {
        let ctx = ScrapeContext { jurisdiction_id: JURISDICTION_ID.into(), ..Default::default() };
        for (folder, file) in [("ny-agenda-5-2017-v1", AGENDA_V1), ("ny-agenda-5-2017-v2", AGENDA_V2)] {
            let dir = Path::new(EVENTS).join(folder);
            let mut derived = Vec::new();
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_none_or(|e| e != "json") {
                    continue;
                }
                let bytes = std::fs::read(&path).unwrap();
                derived.push(ocd_scrape::parse_event(&bytes, &path.display().to_string(), &ctx).unwrap());
            }
            let derived = by_upstream(&derived);
            let ours = by_upstream(&clean(file).events);
            assert_eq!(ours.keys().collect::<Vec<_>>(), derived.keys().collect::<Vec<_>>(), "{folder}");
            for (key, d) in &derived {
                let o = &ours[key];
                assert_eq!(
                    (&o.name, &o.start, &o.status, &o.description, &o.location, &o.participants, &o.classification),
                    (&d.name, &d.start, &d.status, &d.description, &d.location, &d.participants, &d.classification),
                    "{folder} {key}"
                );
                assert_eq!(o.sources, d.sources, "{key}");
                assert_eq!(o.agenda.len(), d.agenda.len(), "{key}");
                for (oi, di) in o.agenda.iter().zip(&d.agenda) {
                    assert_eq!((oi.order, &oi.description), (di.order, &di.description), "{key}");
                    let base: Vec<String> =
                        di.bill_identifiers.iter().map(|b| PrintNo::parse(b).unwrap().bill_identifier()).collect();
                    assert_eq!(oi.bill_identifiers, base, "{key}");
                }
            }
        }
    }

    #[test]
    fn floor_calendars_and_the_skipped_active_list() {
        let bytes = read(CAL_9);
        let cal = clean(CAL_9).events;
        let c = &cal[0];
        assert_eq!(c.name, "Senate Calendar No. 9");
        assert_eq!(c.upstream_id.as_deref(), Some("nysenate-calendar-2017-9"));
        assert_eq!(c.start, "2017-02-06");
        assert_eq!(c.classification, "floor-session");
        assert_eq!(c.agenda.len(), occurrences(&bytes, "<calno no="));
        assert_eq!(c.agenda.len(), 89);
        assert_eq!(c.agenda[0].description, "Cal. No. 105: S 1288");
        assert_eq!(c.agenda[0].bill_identifiers, ["S 1288"]);
        assert_eq!(c.agenda[0].classification, ["BILLS ON ORDER OF FIRST REPORT"]);
        let sections: Vec<&str> = c.agenda.iter().map(|i| i.classification[0].as_str()).collect();
        let mut distinct = sections.clone();
        distinct.dedup();
        assert_eq!(
            distinct,
            ["BILLS ON ORDER OF FIRST REPORT", "BILLS ON ORDER OF SECOND REPORT", "BILLS ON THIRD READING"]
        );
        // Amended bills (S00875A, S03520A, S01379B) are named by print number, linked by bill.
        let amended: Vec<_> =
            c.agenda.iter().filter(|i| i.description.ends_with(|ch: char| ch.is_ascii_uppercase())).collect();
        assert_eq!(amended.len(), 3);
        for i in amended {
            let printed = i.description.rsplit(' ').next().unwrap();
            assert_eq!(i.bill_identifiers[0], format!("S {}", &printed[..printed.len() - 1]));
        }

        let supplemental = clean(CAL_9A).events;
        let s = &supplemental[0];
        assert_eq!(s.name, "Senate Calendar No. 9A");
        assert_eq!(s.upstream_id.as_deref(), Some("nysenate-calendar-2017-9a"));
        assert_eq!(s.start, "2017-02-06");
        assert_eq!(s.agenda.len(), 6);
        assert_eq!(s.agenda[0].description, "Cal. No. 144: S 2956A");
        assert_eq!(s.agenda[0].bill_identifiers, ["S 2956"]);

        let active = load(ACTIVE_9);
        assert_eq!(active.record_count(), 0);
        assert!(active.warnings[0].message.contains("SENCALAL"), "{:?}", active.warnings);
        let sobi = load(SOBI);
        assert_eq!(sobi.record_count(), 0);
        assert!(sobi.warnings[0].message.contains("SOBI"), "{:?}", sobi.warnings);
    }

    #[test]
    fn dates_times_and_print_numbers() {
        assert_eq!(iso_date("05/08/2023").as_deref(), Some("2023-05-08"));
        assert_eq!(iso_date("02/27/23").as_deref(), Some("2023-02-27"));
        assert_eq!(iso_date("06/03/15").as_deref(), Some("2015-06-03"));
        assert_eq!(iso_date("2017-02-06").as_deref(), Some("2017-02-06"));
        for bad in ["13/01/23", "2/7/23", "02/30/2023", "05/08/023", "", "T00.00.00Z"] {
            assert_eq!(iso_date(bad), None, "{bad:?}");
        }

        let hm = |h, m| Some(NaiveTime::from_hms_opt(h, m, 0).unwrap());
        assert_eq!(meet_time("T09.30.00Z"), Ok(hm(9, 30)));
        assert_eq!(meet_time("T13.00.00Z"), Ok(hm(13, 0)));
        assert_eq!(meet_time("T00.00.00Z"), Ok(None));
        assert_eq!(meet_time(""), Ok(None));
        assert!(meet_time("T9.30Z").is_err());
        assert!(meet_time("T25.00.00Z").is_err());
        assert!(meet_time("noon").is_err());

        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        assert_eq!(local_start(day(2017, 2, 7), t(9, 30)).as_deref(), Some("2017-02-07T09:30:00-05:00"));
        assert_eq!(local_start(day(2023, 5, 30), t(10, 0)).as_deref(), Some("2023-05-30T10:00:00-04:00"));
        assert_eq!(local_start(day(2023, 3, 12), t(2, 30)), None); // skipped by daylight-saving time

        let p = PrintNo::parse("S05795A").unwrap();
        assert_eq!((p.bill_identifier(), p.printed(), p.amendment.as_str()), ("S 5795".into(), "S 5795A".into(), "A"));
        assert_eq!(p.source_key("2015"), "ny-lbdc:S05795-2015");
        assert_eq!(PrintNo::parse("S05186").unwrap().bill_identifier(), "S 5186");
        assert_eq!(PrintNo::parse("S100").unwrap().compact(), "S100");
        assert_eq!(PrintNo::parse("a7675a").unwrap().printed(), "A 7675A");
        for bad in ["S", "05186", "S00000", "S123AB", "S12X3", "", "S-100"] {
            assert_eq!(PrintNo::parse(bad), None, "{bad:?}");
        }

        assert_eq!(slug("Health & Mental Hygiene"), "health-mental-hygiene");
        assert_eq!(
            slug("Cultural Affairs, Tourism, Parks and Recreation"),
            "cultural-affairs-tourism-parks-and-recreation"
        );

        // The real files have no XML declaration and a double space between attributes.
        let b = read(BILL_5186[0]);
        assert!(b.starts_with(b"<billstatus  sessyr=\"2023\""));
    }

    #[test]
    fn truncated_and_malformed_files_are_warnings_naming_them() {
        for name in names().iter().filter(|n| feed_kind(n) != Some(FeedKind::Sobi)) {
            let bytes = read(name);
            let kind = feed_kind(name).unwrap();
            let place = format!("truncated/{name}");
            let p = parse(kind, &bytes[..bytes.len() / 2], &place);
            assert_eq!(p.record_count(), 0, "{name}");
            assert_eq!(p.warnings.len(), 1, "{name}: {:?}", p.warnings);
            assert_eq!(p.warnings[0].location, place);
            assert!(p.warnings[0].message.starts_with("not well-formed XML"), "{}", p.warnings[0].message);
        }
        let p = parse(FeedKind::Agenda, b"", "empty.xml");
        assert_eq!((p.record_count(), p.warnings.len()), (0, 1));

        // The right XML under the wrong kind.
        let p = parse(FeedKind::FloorVote, &read(BILL_5186[0]), "wrong.xml");
        assert_eq!(p.record_count(), 0);
        assert!(p.warnings[0].message.contains("expected a <senfloorvote>"), "{:?}", p.warnings);

        // A withdrawn roll call.
        let text = String::from_utf8(read(FLOOR_2023)).unwrap().replacen("action=\"replace\"", "action=\"remove\"", 1);
        let p = parse(FeedKind::FloorVote, text.as_bytes(), "removed.xml");
        assert_eq!(p.record_count(), 0);
        assert_eq!(p.warnings[0].record.as_deref(), Some("S100-2023 05/08/2023"));

        // A member without a name: the other 62 votes stay.
        let text = String::from_utf8(read(FLOOR_2023)).unwrap().replacen("<![CDATA[Addabbo]]>", "", 1);
        let p = parse(FeedKind::FloorVote, text.as_bytes(), "nameless.xml");
        assert_eq!(p.votes[0].votes.len(), 62);
        assert_eq!(p.warnings[0].record.as_deref(), Some("S100-2023 05/08/2023 member 1"));
    }

    #[test]
    fn encoding_quirks() {
        // A Latin-1 byte (§) in the title: decoded lossily, with a warning.
        let mut bytes = read(BILL_5186[0]);
        let at = bytes.windows(9).position(|w| w == b"shoreline").unwrap();
        bytes.insert(at, 0xA7);
        let p = parse(FeedKind::BillStatus, &bytes, "latin1.xml");
        assert_eq!(p.bills.len(), 1);
        assert!(p.bills[0].title.contains("\u{FFFD}shoreline"));
        assert_eq!(p.warnings.len(), 1);
        assert!(p.warnings[0].message.contains("UTF-8"), "{}", p.warnings[0].message);

        // The SUB character some LBDC files end with, and a byte-order mark.
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend(read(AGENDA_V1));
        bytes.push(0x1A);
        let p = parse(FeedKind::Agenda, &bytes, "sub.xml");
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert_eq!(p.events.len(), clean(AGENDA_V1).events.len());
    }

    // ---- OpenLegislation bill JSON ----

    const OPENLEG_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/state-api/ny-openleg");
    const S609: &str = "S609-2017.json";

    fn openleg_bytes() -> Vec<u8> {
        std::fs::read(Path::new(OPENLEG_DIR).join(S609)).unwrap()
    }

    fn openleg_json() -> serde_json::Value {
        serde_json::from_slice(&openleg_bytes()).unwrap()
    }

    fn openleg(json: &serde_json::Value, location: &str) -> Parsed {
        parse(FeedKind::OpenLegBill, &serde_json::to_vec(json).unwrap(), location)
    }

    #[test]
    fn openleg_bill_s609_of_2017() {
        let location = format!("{OPENLEG_DIR}/{S609}");
        assert_eq!(feed_kind(&location), Some(FeedKind::OpenLegBill));
        let p = parse(FeedKind::OpenLegBill, &openleg_bytes(), &location);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert_eq!((p.bills.len(), p.record_count()), (1, 1));
        let b = &p.bills[0];
        assert_eq!(b.origin.location, location);
        assert_eq!(b.jurisdiction_id, JURISDICTION_ID);
        assert_eq!(b.identifier, "S 609");
        assert_eq!(b.session, "2017-2018");
        assert_eq!(b.source_key.as_deref(), Some("ny-lbdc:S00609-2017"));
        assert_eq!(b.source_key, Some(PrintNo::parse("S00609A").unwrap().source_key("2017")));
        // The active version is A: the printed number, as BILLSTAT gives an amended bill's.
        assert_eq!(b.other_identifiers, ["S 609A"]);
        assert_eq!(b.from_organization.as_deref(), Some("upper"));
        assert_eq!(b.classification, ["bill"]);
        // The response's title starts with "@"; the feed's titles never do.
        let raw = String::from_utf8(openleg_bytes()).unwrap();
        assert!(raw.contains(r#""title" : "@Relates to training requirements for home inspector licensing""#));
        assert_eq!(b.title, "Relates to training requirements for home inspector licensing");
        assert_eq!(
            b.abstracts,
            ["Relates to training requirements for home inspector licensing and requires the secretary to establish \
              rules and regulations pertaining to the number and manner of hours of required training needed to \
              obtain a license."]
        );
        assert_eq!(b.sources, ["https://legislation.nysenate.gov/api/3/bills/2017/S609"]);
        // publishedDateTime (2017-01-04T10:45:46) is the first publication, not an update time.
        assert!(raw.contains(r#""publishedDateTime" : "2017-01-04T10:45:46""#));
        assert_eq!(b.updated_at, None);

        let sponsors: Vec<_> = b
            .sponsorships
            .iter()
            .map(|s| {
                (s.name.as_str(), s.entity_type.as_str(), s.primary, s.classification.as_str(), s.chamber.as_deref())
            })
            .collect();
        assert_eq!(sponsors, [("BOYLE", "person", true, "primary", Some("upper"))]);

        assert_eq!(
            actions(b),
            [
                ("2017-01-04", "REFERRED TO JUDICIARY", Some("upper")),
                ("2017-01-18", "AMEND (T) AND RECOMMIT TO JUDICIARY", Some("upper")),
                ("2017-01-18", "PRINT NUMBER 609A", Some("upper")),
            ]
        );

        let versions: Vec<_> =
            b.versions.iter().map(|d| (d.note.as_str(), d.date.as_str(), d.links[0].url.as_str())).collect();
        assert_eq!(
            versions,
            [
                ("S609", "2017-01-04", "https://www.nysenate.gov/legislation/bills/2017/S609/amendment/original"),
                ("S609A", "2017-01-18", "https://www.nysenate.gov/legislation/bills/2017/S609/amendment/A"),
            ]
        );
        let (original, a) = (b.versions[0].text.as_deref().unwrap(), b.versions[1].text.as_deref().unwrap());
        // The printed bill, its wrapped lines joined into paragraphs.
        assert!(original.contains("\n\n609\n\n") && original.contains("LBD05447-01-7"), "{original}");
        assert!(a.contains("\n\n609--A\n\n") && a.contains("LBD05447-03-7"), "{a}");
        assert!(
            a.contains(
                "\n\nIntroduced by Sen. BOYLE -- read twice and ordered printed, and when printed to be committed to \
                 the Committee on Judiciary"
            ),
            "{a}"
        );

        let memos: Vec<_> =
            b.documents.iter().map(|d| (d.note.as_str(), d.date.as_str(), d.classification.as_str())).collect();
        assert_eq!(memos, [("Sponsor memo S609", "2017-01-04", "memo"), ("Sponsor memo S609A", "2017-01-18", "memo")]);
        let memo_a = b.documents[1].text.as_deref().unwrap();
        assert!(memo_a.starts_with(" BILL NUMBER:  S609A\n\n TITLE OF BILL :  An act to amend the real property law"));
        // The memo's legislative history names the prior sessions; the response names the bill.
        assert!(memo_a.contains("2015 - Referred to Judiciary\n2016 - Referred to Judiciary"));
        assert!(b.documents[0].text.as_deref().unwrap().starts_with(" BILL NUMBER:  S609\n"));
        assert_eq!(
            b.related_bills,
            [RelatedBillRecord {
                identifier: "S 5027".into(),
                session: "2015-2016".into(),
                relation_type: "prior-session".into()
            }]
        );

        // A byte-order mark is allowed.
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend(openleg_bytes());
        assert_eq!(parse(FeedKind::OpenLegBill, &bom, &location).bills, p.bills);
    }

    /// The bill the OpenLegislation response gives is the bill BILLSTAT gives for the same print
    /// number and session (S 5795A's real status file, renumbered as S 609A of 2017), so both load
    /// as one bill.
    #[test]
    fn openleg_bill_is_the_bill_billstat_gives_for_the_same_print_and_session() {
        let xml = String::from_utf8(read(BILL_5795A)).unwrap();
        let renumbered = xml.replacen(r#"sessyr="2015""#, r#"sessyr="2017""#, 1).replacen(
            r#"billno="05795""#,
            r#"billno="00609""#,
            1,
        );
        assert!(renumbered.starts_with(r#"<billstatus  sessyr="2017" billhse="S" billno="00609""#));
        let x = parse(FeedKind::BillStatus, renumbered.as_bytes(), "renumbered.xml").bills.remove(0);
        let j = openleg(&openleg_json(), "s609.json").bills.remove(0);
        assert_eq!(x.source_key.as_deref(), Some("ny-lbdc:S00609-2017"));
        let key = |b: &BillRecord| {
            (
                b.source_key.clone(),
                b.jurisdiction_id.clone(),
                b.identifier.clone(),
                b.session.clone(),
                b.other_identifiers.clone(),
                b.from_organization.clone(),
                b.classification.clone(),
                b.sources.clone(),
            )
        };
        assert_eq!(key(&j), key(&x));
        // The feed's sponsor is the member's short name, as the response's is.
        assert_eq!(x.sponsorships[0].entity_type, j.sponsorships[0].entity_type);
        assert!(x.sponsorships[0].name.bytes().all(|c| c.is_ascii_uppercase()) && j.sponsorships[0].name == "BOYLE");
    }

    /// Parts of the documented shape the real response leaves empty, filled on a copy of it.
    #[test]
    fn openleg_cosponsors_related_bills_order_and_unread_parts() {
        let mut json = openleg_json();
        let r = &mut json["result"];
        let member = |name: &str| {
            let mut m = r["sponsor"]["member"].clone();
            m["shortName"] = name.into();
            m
        };
        let (avella, hannon, golden, boyle) = (member("AVELLA"), member("HANNON"), member("GOLDEN"), member("BOYLE"));
        r["additionalSponsors"]["items"] = serde_json::json!([avella]);
        // The active print's cosponsors (the sponsor named again is not a cosponsor) …
        r["amendments"]["items"]["A"]["coSponsors"]["items"] = serde_json::json!([boyle, hannon]);
        r["amendments"]["items"]["A"]["multiSponsors"]["items"] = serde_json::json!([avella]);
        // … not those of an earlier print.
        r["amendments"]["items"][""]["coSponsors"]["items"] = serde_json::json!([golden]);
        let same_as = serde_json::json!([{"basePrintNo": "A1234", "session": 2017, "printNo": "A1234", "version": ""}]);
        r["amendments"]["items"][""]["sameAs"]["items"] = same_as.clone();
        r["amendments"]["items"]["A"]["sameAs"]["items"] = same_as;
        r["substitutedBy"] = serde_json::json!({"basePrintNo": "A1234", "session": 2017});
        r["actions"]["items"].as_array_mut().unwrap().reverse();
        r["votes"]["items"] = serde_json::json!([{"version": "", "voteType": "FLOOR", "voteDate": "2017-06-01"}]);
        r["approvalMessage"] = serde_json::json!({"year": 2017, "approvalNumber": 1, "text": "…"});

        let p = openleg(&json, "filled.json");
        let b = &p.bills[0];
        let sponsors: Vec<_> =
            b.sponsorships.iter().map(|s| (s.name.as_str(), s.primary, s.classification.as_str())).collect();
        assert_eq!(
            sponsors,
            [("BOYLE", true, "primary"), ("AVELLA", false, "cosponsor"), ("HANNON", false, "cosponsor")]
        );
        let related: Vec<_> = b
            .related_bills
            .iter()
            .map(|r| (r.identifier.as_str(), r.session.as_str(), r.relation_type.as_str()))
            .collect();
        assert_eq!(
            related,
            [
                ("S 5027", "2015-2016", "prior-session"),
                ("A 1234", "2017-2018", "companion"),
                ("A 1234", "2017-2018", "replaced-by")
            ]
        );
        // Actions in sequenceNo order, whatever their order in the list.
        assert_eq!(b.actions, openleg(&openleg_json(), "s609.json").bills[0].actions);
        // The roll call and the approval message: a warning each, naming the bill.
        assert_eq!(p.warnings.len(), 2, "{:?}", p.warnings);
        assert!(p.warnings.iter().all(|w| w.location == "filled.json" && w.record.as_deref() == Some("S609-2017")));
        assert!(p.warnings[0].message.starts_with("1 roll call(s) (votes) not read"), "{}", p.warnings[0].message);
        assert!(p.warnings[1].message.starts_with("1 approval message not read"), "{}", p.warnings[1].message);
        assert!(p.votes.is_empty());
    }

    #[test]
    fn other_json_is_one_warning_naming_the_file() {
        let bytes = openleg_bytes();
        let changed = |change: &dyn Fn(&mut serde_json::Value)| {
            let mut json = openleg_json();
            change(&mut json);
            serde_json::to_vec(&json).unwrap()
        };
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            ("truncated", bytes[..bytes.len() / 2].to_vec(), "not an OpenLegislation JSON response"),
            ("empty", Vec::new(), "not an OpenLegislation JSON response"),
            ("array", b"[]".to_vec(), "not an OpenLegislation JSON response"),
            ("agenda", changed(&|j| j["responseType"] = "agenda".into()), "not an OpenLegislation bill"),
            ("failed", changed(&|j| j["success"] = false.into()), "not an OpenLegislation bill"),
            (
                "no-result",
                changed(&|j| {
                    j.as_object_mut().unwrap().remove("result");
                }),
                "not an OpenLegislation bill",
            ),
            ("bad-shape", changed(&|j| j["result"]["actions"]["items"] = "none".into()), "not as documented"),
            ("bad-session", changed(&|j| j["result"]["session"] = 17.into()), "is not a year"),
            ("bad-print", changed(&|j| j["result"]["basePrintNo"] = "S609A".into()), "not a print number"),
        ];
        for (name, bytes, message) in cases {
            let place = format!("{name}.json");
            let p = parse(FeedKind::OpenLegBill, &bytes, &place);
            assert_eq!(p.record_count(), 0, "{name}");
            assert_eq!(p.warnings.len(), 1, "{name}: {:?}", p.warnings);
            assert_eq!(p.warnings[0].location, place);
            assert!(p.warnings[0].message.contains(message), "{name}: {}", p.warnings[0].message);
        }
    }
}
