//! `ical`: iCalendar (RFC 5545) feeds of public meetings and hearings (`.ics`), one
//! [`EventRecord`] per `VEVENT`.
//!
//! Reading the format is left to the `icalendar` crate's parser: [`icalendar::parser::unfold`]
//! joins folded lines (CRLF or LF followed by a space or tab), and
//! [`icalendar::parser::read_components`] splits properties from their parameters and unescapes
//! TEXT values (`\,` `\;` `\n` `\\`). This module only maps properties to the model:
//!
//! | Property | Field |
//! |---|---|
//! | `UID` | `upstream_id` and `source_key`, HTML tags and entities removed (see below) |
//! | `SUMMARY` | `name`, a cancellation marker removed ("(Cancelled)", "Cancelled:", "CANCELED -") |
//! | `DESCRIPTION` | `description`, crudely de-HTML-ed when it holds tags |
//! | `DTSTART` / `DTEND` | `start` / `end`, `all_day`, `timezone` (below) |
//! | `STATUS` | `status`: `CANCELLED` → `cancelled`, `TENTATIVE` → `tentative`, else `confirmed` |
//! | `LOCATION` | `location` |
//! | `URL` | `sources` |
//! | calendar `X-WR-CALNAME`, else `CATEGORIES` | `participants`: the body holding the meeting |
//!
//! Every event is classified `committee-meeting`. The participants come from the calendar's
//! name first because a feed is usually one body's calendar (`X-WR-CALNAME:CLIHTF`), while
//! `CATEGORIES` is free tagging ("Administrative Day"); it is the fallback for feeds without a
//! name (Detroit's Schoolwires feed has neither, so its events have no participants).
//!
//! Times (the raw forms `crate::normalize::dates::parse_when` reads):
//! - `DTSTART;VALUE=DATE:20240508` → all-day, `start` = `2024-05-08`. An all-day `DTEND` is
//!   exclusive in RFC 5545; `end` is the last day the event covers, or none for a one-day event;
//! - `DTSTART;TZID=America/Chicago:20240509T083000` → `2024-05-09T08:30:00` with `timezone`
//!   `America/Chicago`. A TZID that is not an IANA name is mapped when it plainly names one
//!   (`/mozilla.org/20050126_1/America/New_York`, Windows' `Central Standard Time`, Outlook's
//!   `(UTC-06:00) Central Time (US & Canada)`); otherwise the feed's zone is used, with a warning;
//! - `DTSTART:20190416T213000Z` (UTC) → `2019-04-16T21:30:00+00:00`, no `timezone`;
//! - a floating time (no TZID, no `Z`) → naive, in the calendar's `X-WR-TIMEZONE` when that is
//!   an IANA name, else in the feed's zone (`default_tz`).
//!
//! `VTIMEZONE` blocks are not read: zones come from the IANA database (CLIHTF's single block
//! declares both `UTC` and `America/Chicago`, which no reading of it could honour).
//!
//! Deliberately absent: recurrence. A `VEVENT` with an `RRULE` or `RDATE` yields its first
//! occurrence and a warning naming its UID; an override (`RECURRENCE-ID`) is its own event,
//! keyed `UID#RECURRENCE-ID`. `DURATION` without `DTEND` leaves `end` empty.
//!
//! Quirks of the real feeds (shared research, data-sources.md, ICS):
//! - CLIHTF (The Events Calendar for WordPress) obfuscates its UIDs as e-mail addresses:
//!   `<span class="xQ8Cnt">gro&#x2e;fthilc&#64;9972125171-…</span>`. Tags are removed and
//!   entities decoded, giving the stable `gro.fthilc@9972125171-…`; the text stays reversed as
//!   served (the page's CSS reverses it), since un-reversing would be a guess about one plugin;
//! - CRLF line endings, trailing spaces in Detroit's SUMMARY and LOCATION values (trimmed);
//! - bytes that are not UTF-8 are decoded lossily, with a warning.
//!
//! A `VEVENT` without a `DTSTART`, or with one that is not a date, is skipped with a warning
//! naming the file and the UID; the others load. A file the parser rejects as a whole (not
//! iCalendar syntax) is one warning and no events.

use crate::model::{EventRecord, Origin, Parsed, Warning};
use chrono::{Days, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use icalendar::parser::{Component, ParseString, Property, read_components, unfold};
use regex::Regex;
use std::borrow::Cow;
use std::sync::LazyLock;

/// The classification of every event from a feed.
pub const CLASSIFICATION: &str = "committee-meeting";

/// Parses one iCalendar payload into events and warnings. `location` names the file or URL in
/// warnings; `default_tz` is the jurisdiction's zone, for floating times and unknown TZIDs.
pub fn parse(bytes: &[u8], location: &str, jurisdiction_id: &str, default_tz: Tz) -> Parsed {
    let mut out = Parsed::default();
    let text = match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(e) => {
            out.warnings.push(Warning::new(
                location,
                None,
                format!("not UTF-8 ({e}); decoded lossily, some characters replaced"),
            ));
            String::from_utf8_lossy(bytes)
        }
    };
    let unfolded = unfold(text.trim_start_matches('\u{feff}'));
    let roots = match read_components(&unfolded) {
        Ok(c) => c,
        Err(e) => {
            let first = e.lines().filter(|l| !l.trim().is_empty()).take(3).collect::<Vec<_>>().join(" / ");
            out.warnings.push(Warning::new(location, None, format!("not an iCalendar feed: {first}")));
            return out;
        }
    };
    // Usually one VCALENDAR; several, or bare VEVENTs, are read too.
    let bare = Feed::new(&[], default_tz, location, &mut out.warnings);
    let mut n = 0usize;
    for root in &roots {
        let (feed, vevents) = if root.name == "VCALENDAR" {
            (Feed::new(&root.properties, default_tz, location, &mut out.warnings), &root.components[..])
        } else {
            (bare.clone(), std::slice::from_ref(root))
        };
        for vevent in vevents.iter().filter(|c| c.name == "VEVENT") {
            n += 1;
            let ctx = EventCtx { location, jurisdiction_id, feed: &feed, ordinal: n };
            match event(vevent, &ctx, &mut out.warnings) {
                Ok(e) => out.events.push(e),
                Err(w) => out.warnings.push(w),
            }
        }
    }
    out
}

/// What the calendar says about all its events.
#[derive(Debug, Clone)]
struct Feed {
    /// `X-WR-CALNAME`, trimmed, when present and not empty.
    name: Option<String>,
    /// Zone of floating times: `X-WR-TIMEZONE` when an IANA name, else the jurisdiction's.
    floating_tz: Tz,
    /// The jurisdiction's zone, for unknown TZIDs.
    default_tz: Tz,
}

impl Feed {
    fn new(props: &[Property<'_>], default_tz: Tz, location: &str, warnings: &mut Vec<Warning>) -> Feed {
        let name = prop(props, "X-WR-CALNAME").map(|p| clean(p.val.as_str())).filter(|s| !s.is_empty());
        let floating_tz = match prop(props, "X-WR-TIMEZONE").map(|p| p.val.as_str().trim()) {
            Some(z) if !z.is_empty() => resolve_tzid(z).unwrap_or_else(|| {
                warnings.push(Warning::new(
                    location,
                    None,
                    format!("X-WR-TIMEZONE {z:?} is not a known time zone; using {default_tz}"),
                ));
                default_tz
            }),
            _ => default_tz,
        };
        Feed { name, floating_tz, default_tz }
    }
}

struct EventCtx<'a> {
    location: &'a str,
    jurisdiction_id: &'a str,
    feed: &'a Feed,
    /// 1-based position of the VEVENT in the file, to name one without a UID.
    ordinal: usize,
}

/// One `VEVENT` → an event, or the warning that skips it. Warnings about parts of a kept event
/// go to `warnings`.
fn event(c: &Component<'_>, ctx: &EventCtx<'_>, warnings: &mut Vec<Warning>) -> Result<EventRecord, Warning> {
    let props = &c.properties[..];
    let uid = prop(props, "UID").map(|p| clean_uid(p.val.as_str())).filter(|u| !u.is_empty());
    let upstream_id = match (&uid, prop(props, "RECURRENCE-ID")) {
        (Some(u), Some(r)) => Some(format!("{u}#{}", r.val.as_str().trim())),
        (u, _) => u.clone(),
    };
    let record = Some(upstream_id.clone().unwrap_or_else(|| format!("VEVENT #{} (no UID)", ctx.ordinal)));
    let warn = |message: String| Warning::new(ctx.location, record.clone(), message);

    let dtstart = prop(props, "DTSTART").ok_or_else(|| warn("VEVENT has no DTSTART; skipped".to_string()))?;
    let start = when(dtstart, ctx.feed).map_err(|e| warn(format!("DTSTART: {e}; skipped")))?;
    if let Some(z) = &start.unknown_tzid {
        warnings.push(warn(format!("DTSTART: TZID {z:?} is not a known time zone; read in {}", ctx.feed.default_tz)));
    }
    let end = match prop(props, "DTEND").map(|p| when(p, ctx.feed)) {
        None => None,
        Some(Ok(end)) => end_value(&start, &end),
        Some(Err(e)) => {
            warnings.push(warn(format!("DTEND: {e}; no end time")));
            None
        }
    };
    if props.iter().any(|p| p.name == "RRULE" || p.name == "RDATE") {
        warnings.push(warn(
            "recurring event (RRULE/RDATE): recurrence not expanded, only the first occurrence loaded".into(),
        ));
    }

    let summary = prop(props, "SUMMARY").map(|p| clean(p.val.as_str())).unwrap_or_default();
    let (name, cancelled_in_name) = strip_cancel_marker(&summary);
    let status = match prop(props, "STATUS").map(|p| p.val.as_str().trim().to_ascii_uppercase()).as_deref() {
        _ if cancelled_in_name => "cancelled",
        Some("CANCELLED" | "CANCELED") => "cancelled",
        Some("TENTATIVE") => "tentative",
        _ => "confirmed",
    };
    let description = prop(props, "DESCRIPTION").map(|p| html_to_text(p.val.as_str())).unwrap_or_default();
    let location = prop(props, "LOCATION").map(|p| clean(p.val.as_str())).filter(|s| !s.is_empty());
    let sources = props
        .iter()
        .filter(|p| p.name == "URL")
        .map(|p| p.val.as_str().trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let participants = match &ctx.feed.name {
        Some(n) => vec![n.clone()],
        None => props.iter().filter(|p| p.name == "CATEGORIES").flat_map(|p| text_list(p.val.as_str())).collect(),
    };

    Ok(EventRecord {
        origin: Origin { location: ctx.location.to_string(), payload_sha256: None },
        source_key: upstream_id.clone(),
        jurisdiction_id: ctx.jurisdiction_id.to_string(),
        name,
        description,
        classification: CLASSIFICATION.to_string(),
        start: start.value,
        end,
        all_day: start.all_day,
        timezone: start.tz.map(|z| z.name().to_string()),
        status: status.to_string(),
        location,
        upstream_id,
        participants,
        agenda: Vec::new(),
        sources,
        // iCalendar carries no agenda: it says nothing about one another source delivered.
        agenda_complete: false,
        as_of: None,
    })
}

/// A `DTSTART` or `DTEND` read into the raw forms of the model.
#[derive(Debug, Clone, PartialEq)]
struct When {
    /// `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SS` (local to `tz`) or RFC 3339 with `+00:00`.
    value: String,
    all_day: bool,
    /// The zone of a naive `value`; None for a date or a UTC time.
    tz: Option<Tz>,
    date: Option<NaiveDate>,
    naive: Option<NaiveDateTime>,
    /// A TZID that named no zone (the feed's zone was used).
    unknown_tzid: Option<String>,
}

fn when(p: &Property<'_>, feed: &Feed) -> Result<When, String> {
    let raw = p.val.as_str().trim();
    let value_type = param(p, "VALUE").map(|v| v.to_ascii_uppercase());
    let is_date = value_type.as_deref() == Some("DATE") || (raw.len() == 8 && raw.bytes().all(|b| b.is_ascii_digit()));
    if is_date {
        let d = NaiveDate::parse_from_str(raw, "%Y%m%d").map_err(|_| format!("{raw:?} is not a DATE (YYYYMMDD)"))?;
        return Ok(When {
            value: d.format("%Y-%m-%d").to_string(),
            all_day: true,
            tz: None,
            date: Some(d),
            naive: None,
            unknown_tzid: None,
        });
    }
    let (local, utc) = match raw.strip_suffix(['Z', 'z']) {
        Some(l) => (l, true),
        None => (raw, false),
    };
    let naive = NaiveDateTime::parse_from_str(local, "%Y%m%dT%H%M%S")
        .map_err(|_| format!("{raw:?} is not a DATE-TIME (YYYYMMDDTHHMMSS[Z])"))?;
    if utc {
        return Ok(When {
            value: naive.format("%Y-%m-%dT%H:%M:%S+00:00").to_string(),
            all_day: false,
            tz: None,
            date: None,
            naive: Some(naive),
            unknown_tzid: None,
        });
    }
    let (tz, unknown_tzid) = match param(p, "TZID") {
        Some(z) => match resolve_tzid(z) {
            Some(tz) => (tz, None),
            None => (feed.default_tz, Some(z.to_string())),
        },
        None => (feed.floating_tz, None),
    };
    Ok(When {
        value: naive.format("%Y-%m-%dT%H:%M:%S").to_string(),
        all_day: false,
        tz: Some(tz),
        date: None,
        naive: Some(naive),
        unknown_tzid,
    })
}

/// The raw `end` for an event starting at `start`: an all-day end as its last covered day (none
/// for a one-day event); a local end in another zone than the start's as RFC 3339.
fn end_value(start: &When, end: &When) -> Option<String> {
    if let Some(d) = end.date {
        let last = d.checked_sub_days(Days::new(1)).unwrap_or(d);
        return match start.date {
            Some(first) if last <= first => None,
            _ => Some(last.format("%Y-%m-%d").to_string()),
        };
    }
    match (end.tz, end.naive) {
        (Some(tz), Some(naive)) if end.tz != start.tz => {
            tz.from_local_datetime(&naive).earliest().map(|t| t.to_rfc3339())
        }
        _ => Some(end.value.clone()),
    }
}

/// The IANA zone a TZID names: itself, the IANA name at the end of a vendor path
/// (`/mozilla.org/20050126_1/America/New_York`), or a US Windows/Outlook zone name.
fn resolve_tzid(raw: &str) -> Option<Tz> {
    let z = raw.trim().trim_matches('"').trim();
    if let Ok(tz) = z.parse::<Tz>() {
        return Some(tz);
    }
    // A vendor prefix: try every suffix that starts after a '/'.
    for (i, _) in z.match_indices('/') {
        if let Ok(tz) = z[i + 1..].parse::<Tz>() {
            return Some(tz);
        }
    }
    const WINDOWS: [(&str, &str); 11] = [
        ("US Eastern", "America/Indiana/Indianapolis"),
        ("Eastern", "America/New_York"),
        ("Central", "America/Chicago"),
        ("US Mountain", "America/Phoenix"),
        ("Arizona", "America/Phoenix"),
        ("Mountain", "America/Denver"),
        ("Pacific", "America/Los_Angeles"),
        ("Alaskan", "America/Anchorage"),
        ("Alaska", "America/Anchorage"),
        ("Hawaiian", "Pacific/Honolulu"),
        ("Hawaii", "Pacific/Honolulu"),
    ];
    // Windows: "Central Standard Time"; Outlook: "(UTC-06:00) Central Time (US & Canada)".
    let name = match z.find(") ") {
        Some(i) if z.starts_with('(') => &z[i + 2..],
        _ => z,
    };
    let stem = ["Standard Time", "Daylight Time", "Time (US & Canada)", "Time"]
        .iter()
        .find_map(|s| name.strip_suffix(s))
        .map(str::trim)?;
    WINDOWS.iter().find(|(w, _)| w.eq_ignore_ascii_case(stem)).and_then(|(_, iana)| iana.parse().ok())
}

/// The first property named `name`.
fn prop<'a, 'b>(props: &'a [Property<'b>], name: &str) -> Option<&'a Property<'b>> {
    props.iter().find(|p| p.name.as_str().eq_ignore_ascii_case(name))
}

/// The value of a property's parameter, without its quotes.
fn param<'a>(p: &'a Property<'_>, key: &str) -> Option<&'a str> {
    p.params
        .iter()
        .find(|q| q.key.as_str().eq_ignore_ascii_case(key))
        .and_then(|q| q.val.as_ref())
        .map(|v| v.as_str().trim().trim_matches('"'))
}

/// The items of a TEXT list (`CATEGORIES:Finance,Budget\, Audit`), split on unescaped commas and
/// unescaped by the parser crate.
fn text_list(raw: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut current = String::new();
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                current.push(c);
                if let Some(next) = chars.next() {
                    current.push(next);
                }
            }
            ',' => items.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    items.push(current);
    items.into_iter().map(|i| clean(ParseString::from(i).unescape_text().as_str())).filter(|i| !i.is_empty()).collect()
}

/// A UID as a stable id: HTML tags removed, entities decoded, whitespace folded.
fn clean_uid(raw: &str) -> String {
    clean(&crate::text::formats::decode_entities(&strip_tags(raw)))
}

/// Whitespace folded to single spaces, ends trimmed.
fn clean(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

static CANCEL_MARKERS: LazyLock<[Regex; 3]> = LazyLock::new(|| {
    [
        // "Finance Meeting (Cancelled)", "[CANCELED] Finance Meeting"
        Regex::new(r"(?i)\s*[(\[]\s*cancell?ed\s*[)\]]\s*").expect("valid regex"),
        // "Cancelled: Finance Meeting", "CANCELED - Finance Meeting", "CANCELLED Finance Meeting"
        Regex::new(r"(?i)^\s*cancell?ed\b\s*[:\-–—]?\s*").expect("valid regex"),
        // "Finance Meeting - CANCELLED"
        Regex::new(r"(?i)\s*[:\-–—]\s*cancell?ed\s*$").expect("valid regex"),
    ]
});

/// The summary without its cancellation marker, and whether it had one.
fn strip_cancel_marker(summary: &str) -> (String, bool) {
    for re in CANCEL_MARKERS.iter() {
        if re.is_match(summary) {
            let name = clean(&re.replace(summary, " "));
            // A summary that is only the marker keeps its text as the name.
            return (if name.is_empty() { summary.to_string() } else { name }, true);
        }
    }
    (summary.to_string(), false)
}

static TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)<\s*/?\s*[a-zA-Z][^<>]*>|<!--.*?-->").expect("valid regex"));
static BLOCK_END: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)<\s*(br\s*/?|/p|/div|/li|/h[1-6]|/tr)\s*>").expect("valid regex"));

/// `s` without HTML tags.
fn strip_tags(s: &str) -> String {
    TAG.replace_all(s, "").into_owned()
}

/// A DESCRIPTION as plain text: when it holds HTML tags, line breaks for `<br>` and block ends,
/// tags removed and entities decoded (crudely; no DOM). Lines are trimmed, blank runs collapsed.
fn html_to_text(s: &str) -> String {
    let text = if TAG.is_match(s) {
        crate::text::formats::decode_entities(&strip_tags(&BLOCK_END.replace_all(s, "\n")))
    } else {
        s.to_string()
    };
    let mut lines: Vec<&str> = Vec::new();
    for line in text.lines().map(str::trim) {
        if !(line.is_empty() && lines.last().is_none_or(|l| l.is_empty())) {
            lines.push(line);
        }
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::{Context, normalize};
    use chrono::{DateTime, Utc};

    const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ics");
    const CHI: &str = "chi_low_income_housing_trust_fund.ics";
    const DET: &str = "det_board_of_education.ics";
    const CHI_J: &str = "ocd-jurisdiction/country:us/state:il/place:chicago/government";
    const DET_J: &str = "ocd-jurisdiction/country:us/state:mi/place:detroit/government";
    /// CLIHTF's "Finance Meeting" of 2024-05-09, its UID as served and de-obfuscated.
    const FINANCE_UID_RAW: &str = r#"<span class="xQ8Cnt">gro&#x2e;fthilc&#64;0022725171-0068625171-29200001</span>"#;
    const FINANCE_UID: &str = "gro.fthilc@0022725171-0068625171-29200001";

    fn chicago() -> Tz {
        "America/Chicago".parse().unwrap()
    }

    fn detroit() -> Tz {
        "America/Detroit".parse().unwrap()
    }

    fn read(name: &str) -> String {
        std::fs::read_to_string(format!("{DIR}/{name}")).unwrap()
    }

    fn parse_chi(text: &str) -> Parsed {
        parse(text.as_bytes(), CHI, CHI_J, chicago())
    }

    fn parse_det(text: &str) -> Parsed {
        parse(text.as_bytes(), DET, DET_J, detroit())
    }

    fn by_uid<'a>(p: &'a Parsed, uid: &str) -> &'a EventRecord {
        p.events.iter().find(|e| e.upstream_id.as_deref() == Some(uid)).unwrap_or_else(|| panic!("no event {uid}"))
    }

    /// `text` with `from` replaced once, inside the VEVENT holding `anchor` only.
    fn edit_event(text: &str, anchor: &str, from: &str, to: &str) -> String {
        let at = text.find(anchor).unwrap_or_else(|| panic!("{anchor:?} not in fixture"));
        let begin = text[..at].rfind("BEGIN:VEVENT").unwrap();
        let end = at + text[at..].find("END:VEVENT").unwrap();
        let block = &text[begin..end];
        assert!(block.contains(from), "{from:?} not in the event of {anchor:?}");
        format!("{}{}{}", &text[..begin], block.replacen(from, to, 1), &text[end..])
    }

    #[test]
    fn chicago_trust_fund_feed() {
        let text = read(CHI);
        let p = parse_chi(&text);
        assert_eq!(p.warnings, vec![]);
        assert_eq!(p.events.len(), text.matches("BEGIN:VEVENT").count());
        assert_eq!(p.events.len(), 30);
        assert_eq!(p.events.iter().filter(|e| e.all_day).count(), 23);

        // A timed meeting: naive local time in the TZID's zone; UID de-obfuscated.
        assert!(text.contains(&format!("UID:{FINANCE_UID_RAW}\r\n")));
        let e = by_uid(&p, FINANCE_UID);
        assert_eq!(e.name, "Finance Meeting");
        assert_eq!(e.start, "2024-05-09T15:30:00");
        assert_eq!(e.end.as_deref(), Some("2024-05-09T16:30:00"));
        assert_eq!(e.timezone.as_deref(), Some("America/Chicago"));
        assert!(!e.all_day);
        assert_eq!(e.source_key.as_deref(), Some(FINANCE_UID));
        assert_eq!(e.status, "confirmed");
        assert_eq!(e.description, "");
        assert_eq!(e.location, None);
        assert_eq!(e.participants, vec!["CLIHTF"]);
        assert_eq!(e.sources, vec!["https://clihtf.org/event/finance-meeting-4/"]);
        assert_eq!(e.classification, "committee-meeting");
        assert_eq!(e.jurisdiction_id, CHI_J);
        assert_eq!(e.origin.location, CHI);

        // An all-day day (VALUE=DATE): a date, no zone, the exclusive DTEND dropped.
        let e = by_uid(&p, "gro.fthilc@9972125171-0046215171-34000001");
        assert_eq!((e.name.as_str(), e.start.as_str(), e.all_day), ("Administrative Day", "2024-05-08", true));
        assert_eq!(e.end, None);
        assert_eq!(e.timezone, None);
        assert_eq!(e.description, "Office Closed");
        // X-WR-CALNAME wins over CATEGORIES ("Administrative Day").
        assert_eq!(e.participants, vec!["CLIHTF"]);

        // Every UID is clean and distinct.
        let mut uids: Vec<&str> = p.events.iter().map(|e| e.upstream_id.as_deref().unwrap()).collect();
        assert!(uids.iter().all(|u| u.starts_with("gro.fthilc@") && !u.contains(['<', '&', '>'])), "{uids:?}");
        uids.sort();
        uids.dedup();
        assert_eq!(uids.len(), 30);
    }

    #[test]
    fn detroit_board_feed() {
        let text = read(DET);
        assert!(text.contains("PRODID:Schoolwires Calendar\r\n"));
        let p = parse_det(&text);
        assert_eq!(p.warnings, vec![]);
        assert_eq!(p.events.len(), 33);
        // UTC times stay UTC, with an offset; no zone of their own.
        assert!(p.events.iter().all(|e| e.start.ends_with("+00:00") && e.timezone.is_none() && !e.all_day));
        assert!(p.events.iter().all(|e| e.status == "confirmed" && e.participants.is_empty()));

        let e = by_uid(&p, "7856");
        assert_eq!(e.name, "DPSCD Regular Board Meeting (Open)");
        assert_eq!(e.start, "2019-04-16T21:30:00+00:00");
        assert_eq!(e.end.as_deref(), Some("2019-04-16T23:30:00+00:00"));
        assert_eq!(e.location.as_deref(), Some("Renaissance High School, Detroit, MI 48235, USA"));
        // A trailing space in the SUMMARY is trimmed.
        assert!(text.contains("SUMMARY:DPSCD Special Meeting (Open) \r\n"));
        assert_eq!(by_uid(&p, "15351").name, "DPSCD Special Meeting (Open)");
        // The feed folds long LOCATIONs ("Conference Ro\r\n om").
        assert!(text.contains("Conference Ro\r\n om\r\n"));
        assert_eq!(
            by_uid(&p, "8973").location.as_deref(),
            Some("Fisher Building, 3011 W. Grand Boulevard, 12th Floor Conference Room")
        );
    }

    #[test]
    fn every_event_normalizes() {
        let chi = parse_chi(&read(CHI));
        let n = normalize(chi, &Context { timezone: chicago(), jurisdiction_id: CHI_J.into() });
        assert_eq!(n.warnings, vec![]);
        assert_eq!(n.events.len(), 30);
        let finance = n.events.iter().find(|b| b.event.upstream_id.as_deref() == Some(FINANCE_UID)).unwrap();
        // 15:30 CDT is 20:30 UTC.
        let utc = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(finance.event.start_time, Some(utc("2024-05-09T20:30:00Z")));
        assert_eq!(finance.event.end_time, Some(utc("2024-05-09T21:30:00Z")));
        assert_eq!(finance.event.start_date.unwrap().to_string(), "2024-05-09");
        assert_eq!(finance.event.timezone, "America/Chicago");
        let day = n
            .events
            .iter()
            .find(|b| b.event.upstream_id.as_deref() == Some("gro.fthilc@9972125171-0046215171-34000001"))
            .unwrap();
        assert!(day.event.all_day);
        assert_eq!((day.event.start_time, day.event.start_date.unwrap().to_string()), (None, "2024-05-08".into()));

        let det = parse_det(&read(DET));
        let n = normalize(det, &Context { timezone: detroit(), jurisdiction_id: DET_J.into() });
        assert_eq!(n.warnings, vec![]);
        assert_eq!(n.events.len(), 33);
        // 22:30 UTC on 12 November is 17:30 EST: still the 12th in Detroit, though it ends on the 13th in UTC.
        let board = n.events.iter().find(|b| b.event.upstream_id.as_deref() == Some("8989")).unwrap();
        assert_eq!(board.event.start_time, Some(utc("2019-11-12T22:30:00Z")));
        assert_eq!(board.event.end_time, Some(utc("2019-11-13T00:30:00Z")));
        assert_eq!(board.event.start_date.unwrap().to_string(), "2019-11-12");
        assert_eq!(board.event.timezone, "America/Detroit");
        assert_eq!(board.event.status, "confirmed");
    }

    #[test]
    fn escaped_and_folded_values_of_a_real_event() {
        let text = read(CHI);
        // Escapes in TEXT values, and folds (CRLF + space, CRLF + tab) anywhere in a line,
        // including the long obfuscated UID.
        let uid_line = format!("UID:{FINANCE_UID_RAW}");
        let folded_uid = format!("{}\r\n {}\r\n\t{}", &uid_line[..40], &uid_line[40..75], &uid_line[75..]);
        let edited = edit_event(&text, FINANCE_UID_RAW, &uid_line, &folded_uid);
        let edited = edit_event(
            &edited,
            "finance-meeting-4",
            "SUMMARY:Finance Meeting\r\n",
            "SUMMARY:Finance Meeting\\, Budget\\; FY2025 \\\\ dra\r\n ft\r\n",
        );
        let edited = edit_event(
            &edited,
            "finance-meeting-4",
            "DESCRIPTION:\r\n",
            "DESCRIPTION:Agenda:\\n1. Minutes\\N2. Loans\\, grants\r\nLOCATION:77 W. Jackson\\, Room 100\r\n",
        );
        let p = parse_chi(&edited);
        assert_eq!(p.warnings, vec![]);
        assert_eq!(p.events.len(), 30);
        let e = by_uid(&p, FINANCE_UID);
        assert_eq!(e.name, r"Finance Meeting, Budget; FY2025 \ draft");
        assert_eq!(e.description, "Agenda:\n1. Minutes\n2. Loans, grants");
        assert_eq!(e.location.as_deref(), Some("77 W. Jackson, Room 100"));
        assert_eq!(e.start, "2024-05-09T15:30:00");
    }

    #[test]
    fn cancelled_events() {
        let text = read(DET);
        let cases = [
            ("STATUS:CONFIRMED", "STATUS:CANCELLED", "DPSCD Regular Board Meeting (Open)", "cancelled"),
            ("STATUS:CONFIRMED", "STATUS:TENTATIVE", "DPSCD Regular Board Meeting (Open)", "tentative"),
            (
                "SUMMARY:DPSCD Regular Board Meeting (Open)",
                "SUMMARY:DPSCD Regular Board Meeting (Open) (Cancelled)",
                "DPSCD Regular Board Meeting (Open)",
                "cancelled",
            ),
            (
                "SUMMARY:DPSCD Regular Board Meeting (Open)",
                "SUMMARY:Cancelled: DPSCD Regular Board Meeting (Open)",
                "DPSCD Regular Board Meeting (Open)",
                "cancelled",
            ),
            (
                "SUMMARY:DPSCD Regular Board Meeting (Open)",
                "SUMMARY:CANCELED - DPSCD Regular Board Meeting (Open)",
                "DPSCD Regular Board Meeting (Open)",
                "cancelled",
            ),
        ];
        for (from, to, name, status) in cases {
            let p = parse_det(&edit_event(&text, "UID:7856", from, to));
            assert_eq!(p.warnings, vec![], "{to}");
            let e = by_uid(&p, "7856");
            assert_eq!((e.name.as_str(), e.status.as_str()), (name, status), "{to}");
            assert_eq!(p.events.iter().filter(|e| e.status != "confirmed").count(), 1, "{to}");
        }
        // A summary that is only the marker keeps it as its name.
        assert_eq!(strip_cancel_marker("CANCELLED"), ("CANCELLED".to_string(), true));
        // Words that merely contain the letters are not markers.
        assert!(!strip_cancel_marker("Cancellation Policy Hearing").1);
    }

    #[test]
    fn a_bad_event_is_a_warning_and_the_others_load() {
        let text = read(CHI);
        let no_start = edit_event(&text, FINANCE_UID_RAW, "DTSTART;TZID=America/Chicago:20240509T153000\r\n", "");
        let p = parse_chi(&no_start);
        assert_eq!(p.events.len(), 29);
        assert!(p.events.iter().all(|e| e.upstream_id.as_deref() != Some(FINANCE_UID)));
        assert_eq!(p.warnings, vec![Warning::new(CHI, Some(FINANCE_UID.into()), "VEVENT has no DTSTART; skipped")]);

        let bad_start = edit_event(&text, FINANCE_UID_RAW, "20240509T153000", "2024-05-09 15:30");
        let p = parse_chi(&bad_start);
        assert_eq!(p.events.len(), 29);
        assert_eq!(p.warnings.len(), 1);
        assert_eq!((p.warnings[0].location.as_str(), p.warnings[0].record.as_deref()), (CHI, Some(FINANCE_UID)));
        assert!(
            p.warnings[0].message.starts_with("DTSTART: \"2024-05-09 15:30\" is not a DATE-TIME"),
            "{}",
            p.warnings[0]
        );

        // A bad DTEND only loses the end.
        let bad_end = edit_event(&text, FINANCE_UID_RAW, "20240509T163000", "tomorrow");
        let p = parse_chi(&bad_end);
        assert_eq!(p.events.len(), 30);
        assert_eq!(by_uid(&p, FINANCE_UID).end, None);
        assert_eq!(p.warnings.len(), 1);

        // Not iCalendar at all: one warning, no events.
        let p = parse_chi("<html><body>Moved</body></html>");
        assert_eq!((p.events.len(), p.warnings.len()), (0, 1));
        assert!(p.warnings[0].message.starts_with("not an iCalendar feed"), "{}", p.warnings[0]);
    }

    #[test]
    fn time_zone_ids() {
        let text = read(CHI);
        let la: Tz = "America/Los_Angeles".parse().unwrap();
        let zone_of = |tzid: &str| {
            let edited = text.replace("TZID=America/Chicago", tzid);
            let p = parse(edited.as_bytes(), CHI, CHI_J, la);
            let e = by_uid(&p, FINANCE_UID);
            assert_eq!(e.start, "2024-05-09T15:30:00");
            (e.timezone.clone().unwrap(), p.warnings.len())
        };
        assert_eq!(zone_of("TZID=America/Chicago"), ("America/Chicago".into(), 0));
        assert_eq!(zone_of("TZID=\"Central Standard Time\""), ("America/Chicago".into(), 0));
        assert_eq!(zone_of("TZID=/mozilla.org/20050126_1/America/Chicago"), ("America/Chicago".into(), 0));
        assert_eq!(zone_of("TZID=\"(UTC-06:00) Central Time (US & Canada)\""), ("America/Chicago".into(), 0));
        // Unknown: the jurisdiction's zone, one warning per DTSTART (7 timed events).
        assert_eq!(zone_of("TZID=Mars/Olympus_Mons"), ("America/Los_Angeles".into(), 7));
        // Floating: the jurisdiction's zone, no warning.
        assert_eq!(zone_of("X-NO-TZID=1"), ("America/Los_Angeles".into(), 0));
        // ... or the calendar's X-WR-TIMEZONE.
        let floating = text
            .replace(";TZID=America/Chicago", "")
            .replace("X-WR-CALNAME", "X-WR-TIMEZONE:America/Denver\r\nX-WR-CALNAME");
        let p = parse(floating.as_bytes(), CHI, CHI_J, la);
        assert_eq!(by_uid(&p, FINANCE_UID).timezone.as_deref(), Some("America/Denver"));

        for (tzid, iana) in [
            ("Eastern Standard Time", Some("America/New_York")),
            ("US Mountain Standard Time", Some("America/Phoenix")),
            ("(UTC-08:00) Pacific Time (US & Canada)", Some("America/Los_Angeles")),
            ("UTC", Some("UTC")),
            ("Central Europe Standard Time", None),
            ("", None),
        ] {
            assert_eq!(resolve_tzid(tzid).map(|z| z.name()), iana, "{tzid}");
        }
    }

    #[test]
    fn recurrence_is_not_expanded() {
        let text = read(DET);
        let edited =
            edit_event(&text, "UID:7856", "TRANSP:OPAQUE", "RRULE:FREQ=MONTHLY;BYDAY=3TU;COUNT=3\r\nTRANSP:OPAQUE");
        let p = parse_det(&edited);
        assert_eq!(p.events.len(), 33);
        assert_eq!(by_uid(&p, "7856").start, "2019-04-16T21:30:00+00:00");
        assert_eq!(p.warnings.len(), 1);
        assert_eq!(p.warnings[0].record.as_deref(), Some("7856"));
        assert!(p.warnings[0].message.contains("recurrence not expanded"), "{}", p.warnings[0]);
    }

    #[test]
    fn bytes_that_are_not_utf8() {
        let text = read(DET);
        let mut bytes = text.into_bytes();
        let at = bytes.windows(6).position(|w| w == b"Budget").unwrap();
        bytes.insert(at, 0xE9);
        let p = parse(&bytes, DET, DET_J, detroit());
        assert_eq!(p.events.len(), 33);
        assert_eq!(p.warnings.len(), 1);
        assert!(p.warnings[0].message.starts_with("not UTF-8"), "{}", p.warnings[0]);
        assert_eq!(by_uid(&p, "15582").name, "DPSCD 2019-20 \u{fffd}Budget Hearing");
    }

    #[test]
    fn html_descriptions_and_uids() {
        assert_eq!(
            html_to_text("<p>Agenda:<br/>1. Minutes &amp; loans</p><p>&lt;draft&gt;</p>"),
            "Agenda:\n1. Minutes & loans\n<draft>"
        );
        assert_eq!(html_to_text("Fees < $5 & more"), "Fees < $5 & more");
        assert_eq!(clean_uid(FINANCE_UID_RAW), FINANCE_UID);
        assert_eq!(clean_uid(" 7856 "), "7856");
        assert_eq!(text_list(r"Finance,Budget\, Audit,,"), vec!["Finance", "Budget, Audit"]);
    }
}
