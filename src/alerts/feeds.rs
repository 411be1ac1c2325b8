//! Per-coalition files a calendar or feed reader subscribes to (pure): upcoming hearings as
//! iCalendar (RFC 5545) and alerts as Atom (RFC 4287).
//!
//! Both are written by hand rather than with the `icalendar` or `atom_syndication` crates:
//! - iCalendar: timed hearings carry `TZID=<IANA zone>`, and RFC 5545 wants a `VTIMEZONE` for
//!   every TZID, which we derive from chrono-tz (`vtimezone`); `icalendar` 0.17 writes none,
//!   brings uuid, iso8601 and nom, and fills a missing DTSTAMP or UID from the clock or at
//!   random. Escaping and folding are a few lines here (`text`, `fold`).
//! - Atom: `atom_syndication` brings a second quick-xml (with `encoding_rs`) and a builder
//!   macro crate, and passes through characters XML 1.0 forbids (a stray `\u{1}` in a title makes
//!   the whole feed unreadable); `xml_text` escapes and drops them.
//!
//! Everything shown comes from feeds and is untrusted: text is escaped for its format, and
//! URLs are only written as links when they are absolute `http`/`https` ([`super::render::web_link`]).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

use super::render::{alert_text, one_line, web_link};
use super::{Alert, BillInfo, HearingInfo};

/// The iCalendar `PRODID`.
pub const PRODID: &str = "-//statehouse//hearings//EN";

/// A calendar of upcoming hearings: one `VEVENT` per hearing, `UID` `<event_id>@statehouse` (so
/// a moved hearing updates the same entry), one hour long (sources give no end), cancelled ones
/// kept with `STATUS:CANCELLED`. A hearing listed twice is one event with both lists of bills;
/// one with neither a start time nor a date is left out. `now` is the `DTSTAMP`.
pub fn hearings_ical(
    coalition_name: &str,
    coalition_id: &str,
    hearings: &[(HearingInfo, Vec<BillInfo>)],
    now: DateTime<Utc>,
) -> String {
    // One event per event_id, in first-seen order.
    let mut merged: Vec<(&HearingInfo, Vec<&BillInfo>)> = Vec::new();
    for (hearing, bills) in hearings {
        let i = match merged.iter().position(|(h, _)| h.event_id == hearing.event_id) {
            Some(i) => i,
            None => {
                merged.push((hearing, Vec::new()));
                merged.len() - 1
            }
        };
        for bill in bills {
            if !merged[i].1.iter().any(|b| b.id == bill.id) {
                merged[i].1.push(bill);
            }
        }
    }

    let events: Vec<(&HearingInfo, Vec<&BillInfo>, Start)> =
        merged.into_iter().filter_map(|(h, bills)| start(h).map(|s| (h, bills, s))).collect();

    let mut lines: Vec<String> = vec![
        "BEGIN:VCALENDAR".into(),
        "VERSION:2.0".into(),
        format!("PRODID:{PRODID}"),
        "CALSCALE:GREGORIAN".into(),
        "METHOD:PUBLISH".into(),
        format!("X-WR-CALNAME:{}", text(&format!("{} hearings", one_line(coalition_name)))),
        format!("X-WR-RELCALID:{}", text(&format!("statehouse-{}-hearings", one_line(coalition_id)))),
    ];

    // One VTIMEZONE per zone, covering the years its hearings fall in.
    let mut zones: Vec<(Tz, BTreeSet<i32>)> = Vec::new();
    for (_, _, s) in &events {
        if let Start::Zoned(t, tz) = s {
            let year = t.with_timezone(tz).year();
            match zones.iter_mut().find(|(z, _)| z == tz) {
                Some((_, years)) => {
                    years.insert(year);
                }
                None => zones.push((*tz, BTreeSet::from([year]))),
            }
        }
    }
    zones.sort_by_key(|(tz, _)| tz.name());
    for (tz, years) in &zones {
        let (first, last) = (*years.first().unwrap_or(&1970), *years.last().unwrap_or(&1970));
        lines.extend(vtimezone(*tz, first, last));
    }

    let stamp = now.format("%Y%m%dT%H%M%SZ").to_string();
    for (h, bills, s) in &events {
        lines.push("BEGIN:VEVENT".into());
        lines.push(format!("UID:{}", text(&format!("{}@statehouse", one_line(&h.event_id)))));
        lines.push(format!("DTSTAMP:{stamp}"));
        match s {
            Start::Zoned(t, tz) => {
                let fmt = |t: DateTime<Utc>| t.with_timezone(tz).format("%Y%m%dT%H%M%S").to_string();
                lines.push(format!("DTSTART;TZID={}:{}", tz.name(), fmt(*t)));
                lines.push(format!("DTEND;TZID={}:{}", tz.name(), fmt(*t + chrono::Duration::hours(1))));
            }
            Start::Utc(t) => {
                lines.push(format!("DTSTART:{}", t.format("%Y%m%dT%H%M%SZ")));
                lines.push(format!("DTEND:{}", (*t + chrono::Duration::hours(1)).format("%Y%m%dT%H%M%SZ")));
            }
            Start::Day(d) => {
                lines.push(format!("DTSTART;VALUE=DATE:{}", d.format("%Y%m%d")));
                let next = d.succ_opt().unwrap_or(*d);
                lines.push(format!("DTEND;VALUE=DATE:{}", next.format("%Y%m%d")));
            }
        }
        let cancelled = h.status.trim().eq_ignore_ascii_case("cancelled");
        lines.push(format!("SUMMARY:{}", text(&summary(h, bills, cancelled))));
        if let Some(location) = h.location.as_deref().map(one_line).filter(|l| !l.is_empty()) {
            lines.push(format!("LOCATION:{}", text(&location)));
        }
        lines.push(format!("DESCRIPTION:{}", text(&description(h, bills, cancelled))));
        let status = match h.status.trim().to_ascii_lowercase().as_str() {
            "cancelled" => Some("CANCELLED"),
            "confirmed" => Some("CONFIRMED"),
            "tentative" => Some("TENTATIVE"),
            _ => None,
        };
        if let Some(status) = status {
            lines.push(format!("STATUS:{status}"));
        }
        if let Some(url) = h.url.as_deref().and_then(web_link) {
            // A URI value: not TEXT-escaped; `web_link` leaves no spaces or control characters.
            lines.push(format!("URL:{url}"));
        }
        lines.push("END:VEVENT".into());
    }
    lines.push("END:VCALENDAR".into());

    let mut out = String::new();
    for line in &lines {
        out.push_str(&fold(line));
    }
    out
}

/// A feed of a coalition's alerts, newest data last as given: one entry per outbox row, with
/// the alert's plain-text rendering as content (data times in UTC).
pub fn alerts_atom(
    coalition_name: &str,
    coalition_id: &str,
    alerts: &[(i64, Alert)],
    updated: DateTime<Utc>,
    self_url: Option<&str>,
) -> String {
    let id = tag(coalition_id);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    let _ = writeln!(out, "  <id>{}</id>", xml_text(&format!("{id}/alerts")));
    let _ = writeln!(out, "  <title>{}</title>", xml_text(&format!("{} alerts", one_line(coalition_name))));
    let _ = writeln!(out, "  <updated>{}</updated>", rfc3339(updated));
    if let Some(url) = self_url.and_then(web_link) {
        let _ = writeln!(out, "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>", xml_text(&url));
    }
    out.push_str("  <author><name>statehouse</name></author>\n");
    out.push_str("  <generator>statehouse</generator>\n");
    for (outbox_id, alert) in alerts {
        let content = alert_text(alert, "UTC").unwrap_or_else(|e| format!("{}\n\n({e})", one_line(&alert.headline)));
        out.push_str("  <entry>\n");
        let _ = writeln!(out, "    <id>{}</id>", xml_text(&format!("{id}/alert/{outbox_id}")));
        let _ = writeln!(out, "    <title type=\"text\">{}</title>", xml_text(&one_line(&alert.headline)));
        let _ = writeln!(out, "    <updated>{}</updated>", rfc3339(alert.data_as_of));
        if let Some(url) = alert.source_url.as_deref().and_then(web_link) {
            let _ = writeln!(out, "    <link rel=\"alternate\" href=\"{}\"/>", xml_text(&url));
        }
        let _ = writeln!(out, "    <category term=\"{}\"/>", alert.kind.rule());
        let _ = writeln!(out, "    <content type=\"text\">{}</content>", xml_text(&content));
        out.push_str("  </entry>\n");
    }
    out.push_str("</feed>\n");
    out
}

/// `tag:statehouse,2026:<coalition id>` (RFC 4151), the coalition id percent-encoded outside
/// unreserved characters.
fn tag(coalition_id: &str) -> String {
    let mut out = String::from("tag:statehouse,2026:");
    for b in coalition_id.trim().bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Text for XML content or attribute values: `& < > " '` escaped, line ends as `\n`, and the
/// characters XML 1.0 does not allow (C0 controls but tab and newline, U+FFFE, U+FFFF) dropped.
fn xml_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let s = s.replace("\r\n", "\n");
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push('\n'),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

// --- iCalendar -----------------------------------------------------------------------------------

enum Start {
    /// A timed hearing in a known zone.
    Zoned(DateTime<Utc>, Tz),
    /// A timed hearing whose zone we do not know: written in UTC.
    Utc(DateTime<Utc>),
    /// An all-day hearing (or one with a date only).
    Day(NaiveDate),
}

fn start(h: &HearingInfo) -> Option<Start> {
    let tz: Option<Tz> = h.timezone.trim().parse().ok();
    let date = h.start_date.as_deref().and_then(|d| d.trim().get(..10)).and_then(|d| d.parse::<NaiveDate>().ok());
    match (h.start_time, h.all_day) {
        (Some(t), false) => Some(tz.map_or(Start::Utc(t), |tz| Start::Zoned(t, tz))),
        (Some(t), true) => Some(Start::Day(date.unwrap_or_else(|| match tz {
            Some(tz) => t.with_timezone(&tz).date_naive(),
            None => t.date_naive(),
        }))),
        (None, _) => date.map(Start::Day),
    }
}

fn summary(h: &HearingInfo, bills: &[&BillInfo], cancelled: bool) -> String {
    let committees: Vec<String> = h.committees.iter().map(|c| one_line(c)).filter(|c| !c.is_empty()).collect();
    let name = Some(one_line(&h.name)).filter(|n| !n.is_empty()).unwrap_or_else(|| committees.join(", "));
    let ids: Vec<String> = bills.iter().map(|b| one_line(&b.identifier)).collect();
    let mut s = if cancelled { format!("Cancelled: {name}") } else { name };
    if !ids.is_empty() {
        let _ = write!(s, " ({})", ids.join(", "));
    }
    s
}

fn description(h: &HearingInfo, bills: &[&BillInfo], cancelled: bool) -> String {
    let mut lines = Vec::new();
    if cancelled {
        lines.push("This hearing is cancelled.".to_string());
    }
    lines.push(format!("When: {}", one_line(&h.when)));
    let committees: Vec<String> = h.committees.iter().map(|c| one_line(c)).filter(|c| !c.is_empty()).collect();
    if !committees.is_empty() {
        lines.push(format!("Committee: {}", committees.join(", ")));
    }
    if !bills.is_empty() {
        lines.push(String::new());
        lines.push("Tracked bills:".into());
        for b in bills {
            let position = b.position.map_or("no position", |p| p.as_str());
            lines.push(format!("- {} ({position}): {}", one_line(&b.identifier), one_line(&b.title)));
        }
    }
    let members: Vec<String> = h.members.iter().map(|m| one_line(m)).filter(|m| !m.is_empty()).collect();
    if !members.is_empty() {
        lines.push(String::new());
        lines.push(format!("Committee members: {}", members.join(", ")));
    }
    if let Some(url) = h.url.as_deref().and_then(web_link) {
        lines.push(String::new());
        lines.push(url);
    }
    lines.join("\n")
}

/// An RFC 5545 TEXT value: `\` `;` `,` escaped, line breaks as `\n`, other control characters
/// dropped.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let s = s.replace("\r\n", "\n");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' | '\r' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// One content line, folded so no physical line exceeds 75 octets (RFC 5545 §3.1): a CRLF and a
/// space before the 76th octet, never inside a UTF-8 sequence. Ends with CRLF.
fn fold(line: &str) -> String {
    const LIMIT: usize = 75;
    let mut out = String::with_capacity(line.len() + line.len() / 64 * 3 + 2);
    let mut width = 0; // octets on the current physical line
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > LIMIT {
            out.push_str("\r\n ");
            width = 1; // the leading space
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
    out
}

/// A `VTIMEZONE` for `tz` valid from January 1 of `first` to the end of `last`: the offset in
/// force on January 1 of `first`, then each change of offset (daylight saving time) until the
/// end of `last`, as `STANDARD`/`DAYLIGHT` observances with the onset in local time before the
/// change, as RFC 5545 §3.6.5 asks.
fn vtimezone(tz: Tz, first: i32, last: i32) -> Vec<String> {
    let begin =
        Utc.from_utc_datetime(&NaiveDate::from_ymd_opt(first, 1, 1).unwrap_or_default().and_time(Default::default()));
    let end = Utc.from_utc_datetime(
        &NaiveDate::from_ymd_opt(last.saturating_add(1), 1, 1).unwrap_or_default().and_time(Default::default()),
    );
    let offset = |t: DateTime<Utc>| tz.offset_from_utc_datetime(&t.naive_utc());
    let seconds = |t: DateTime<Utc>| {
        let o = offset(t);
        (o.base_utc_offset() + o.dst_offset()).num_seconds()
    };

    let mut lines = vec!["BEGIN:VTIMEZONE".to_string(), format!("TZID:{}", tz.name())];
    let observance = |at: DateTime<Utc>, from: i64, lines: &mut Vec<String>| {
        let o = offset(at);
        let to = (o.base_utc_offset() + o.dst_offset()).num_seconds();
        let kind = if o.dst_offset().is_zero() { "STANDARD" } else { "DAYLIGHT" };
        // The onset in the local time of the offset in force just before it.
        let local: NaiveDateTime = at.naive_utc() + chrono::Duration::seconds(from);
        lines.push(format!("BEGIN:{kind}"));
        lines.push(format!("DTSTART:{}", local.format("%Y%m%dT%H%M%S")));
        lines.push(format!("TZOFFSETFROM:{}", utc_offset(from)));
        lines.push(format!("TZOFFSETTO:{}", utc_offset(to)));
        if let Some(name) = o.abbreviation().filter(|n| n.chars().all(|c| c.is_ascii_alphabetic())) {
            lines.push(format!("TZNAME:{name}"));
        }
        lines.push(format!("END:{kind}"));
    };

    let initial = seconds(begin);
    observance(begin, initial, &mut lines);
    // Offsets change at most a few times a year: step a day at a time, then bisect to the second.
    let mut day = begin;
    while day < end {
        let next = day + chrono::Duration::days(1);
        let before = seconds(day);
        if seconds(next) != before {
            let (mut lo, mut hi) = (day, next);
            while hi - lo > chrono::Duration::seconds(1) {
                let mid = lo + (hi - lo) / 2;
                if seconds(mid) == before { lo = mid } else { hi = mid }
            }
            let hi = hi.with_nanosecond(0).unwrap_or(hi);
            observance(hi, before, &mut lines);
        }
        day = next;
    }
    lines.push("END:VTIMEZONE".into());
    lines
}

/// `-0500`, `+0530`.
fn utc_offset(seconds: i64) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.abs();
    if s % 60 == 0 {
        format!("{sign}{:02}{:02}", s / 3600, s / 60 % 60)
    } else {
        format!("{sign}{:02}{:02}{:02}", s / 3600, s / 60 % 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::render::samples::*;
    use crate::alerts::{AlertKind, Position};

    /// Unfolds an iCalendar text into content lines, checking the physical lines on the way:
    /// CRLF endings only and at most 75 octets each.
    fn unfold(ics: &str) -> Vec<String> {
        assert!(ics.ends_with("\r\n"), "ends with CRLF");
        let mut lines: Vec<String> = Vec::new();
        for physical in ics.strip_suffix("\r\n").unwrap_or(ics).split("\r\n") {
            assert!(!physical.contains('\n') && !physical.contains('\r'), "bare line break in {physical:?}");
            assert!(physical.len() <= 75, "{} octets: {physical:?}", physical.len());
            match physical.strip_prefix(' ') {
                Some(rest) => lines.last_mut().expect("a continuation follows a line").push_str(rest),
                None => lines.push(physical.to_string()),
            }
        }
        lines
    }

    /// The inverse of [`text`].
    fn unescape(value: &str) -> String {
        let mut out = String::new();
        let mut chars = value.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some('n' | 'N') => out.push('\n'),
                    Some(c @ ('\\' | ';' | ',')) => out.push(c),
                    other => panic!("bad escape \\{other:?} in {value:?}"),
                }
            } else {
                assert!(c != ';' && c != ',', "unescaped {c:?} in TEXT {value:?}");
                out.push(c);
            }
        }
        out
    }

    /// The VEVENTs as (name;params, value) pairs.
    fn events(lines: &[String]) -> Vec<Vec<(String, String)>> {
        let mut out = Vec::new();
        let mut current: Option<Vec<(String, String)>> = None;
        for line in lines {
            match line.as_str() {
                "BEGIN:VEVENT" => current = Some(Vec::new()),
                "END:VEVENT" => out.extend(current.take()),
                _ => {
                    if let Some(props) = current.as_mut() {
                        let (name, value) = line.split_once(':').expect("name:value");
                        props.push((name.to_string(), value.to_string()));
                    }
                }
            }
        }
        out
    }

    fn prop<'a>(event: &'a [(String, String)], name: &str) -> Option<&'a str> {
        event.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    fn calendar() -> Vec<(HearingInfo, Vec<BillInfo>)> {
        vec![
            (labor_hearing(), vec![ny_s905()]),
            (codes_hearing(), vec![ny_s468()]),
            (energy_hearing(false), vec![ny_s688()]),
        ]
    }

    #[test]
    fn hearings_become_events_with_zones_dates_and_status() {
        let now = at("2017-02-05T12:00:00Z");
        let ics = hearings_ical(COALITION, "open-gov", &calendar(), now);
        let lines = unfold(&ics);
        assert_eq!(lines[0], "BEGIN:VCALENDAR");
        assert_eq!(lines.last().map(String::as_str), Some("END:VCALENDAR"));
        for expected in [
            "VERSION:2.0",
            "PRODID:-//statehouse//hearings//EN",
            "X-WR-CALNAME:Open Government Coalition hearings",
            "BEGIN:VTIMEZONE",
            "TZID:America/New_York",
        ] {
            assert_eq!(lines.iter().filter(|l| *l == expected).count(), 1, "{expected} once in:\n{ics}");
        }
        for name in ["VEVENT", "VTIMEZONE", "STANDARD", "DAYLIGHT", "VCALENDAR"] {
            let begins = lines.iter().filter(|l| **l == format!("BEGIN:{name}")).count();
            assert_eq!(begins, lines.iter().filter(|l| **l == format!("END:{name}")).count(), "{name}");
        }

        let evs = events(&lines);
        assert_eq!(evs.len(), 3);
        let labor = &evs[0];
        assert_eq!(prop(labor, "UID"), Some("41575f65-1bfd-5ed1-9ca4-c30594731288@statehouse"));
        assert_eq!(prop(labor, "DTSTAMP"), Some("20170205T120000Z"));
        assert_eq!(prop(labor, "DTSTART;TZID=America/New_York"), Some("20170206T120000"));
        assert_eq!(prop(labor, "DTEND;TZID=America/New_York"), Some("20170206T130000"));
        assert_eq!(prop(labor, "SUMMARY").map(unescape).as_deref(), Some("Senate Labor Committee (S 905)"));
        assert_eq!(prop(labor, "LOCATION"), Some("Room 123 CAP"));
        assert_eq!(prop(labor, "STATUS"), Some("CONFIRMED"));
        assert_eq!(prop(labor, "URL"), Some(NY_AGENDA_URL));
        let description = unescape(prop(labor, "DESCRIPTION").unwrap());
        assert!(
            description.contains("When: Monday, February 6, 2017 at 12:00 PM EST\nCommittee: Labor"),
            "{description}"
        );
        assert!(description.contains(&format!("- S 905 (support): {}", ny_s905().title)), "{description}");
        assert!(description.ends_with(NY_AGENDA_URL));

        let codes = &evs[1];
        assert_eq!(prop(codes, "DTSTART;VALUE=DATE"), Some("20170206"));
        assert_eq!(prop(codes, "DTEND;VALUE=DATE"), Some("20170207"));
        // The title's commas and quotes survive the round trip.
        let description = unescape(prop(codes, "DESCRIPTION").unwrap());
        assert!(description.contains(
            "- S 468 (watch): An act to amend the penal law, in relation to including certain computer offenses,"
        ));
        assert!(description.contains("\"criminal act\""));

        let energy = &evs[2];
        assert_eq!(prop(energy, "STATUS"), Some("CANCELLED"));
        assert_eq!(
            prop(energy, "SUMMARY").map(unescape).as_deref(),
            Some("Cancelled: Senate Energy and Telecommunications Committee (S 688)")
        );
        assert!(unescape(prop(energy, "DESCRIPTION").unwrap()).starts_with("This hearing is cancelled.\n"));
        assert_eq!(prop(energy, "DTSTART;TZID=America/New_York"), Some("20170206T130000"));
    }

    #[test]
    fn vtimezone_has_the_years_daylight_saving_changes() {
        let ics = hearings_ical(COALITION, "open-gov", &calendar(), at("2017-02-05T12:00:00Z"));
        let lines = unfold(&ics);
        let start = lines.iter().position(|l| l == "BEGIN:VTIMEZONE").unwrap();
        let end = lines.iter().position(|l| l == "END:VTIMEZONE").unwrap();
        let tz: Vec<&str> = lines[start..=end].iter().map(String::as_str).collect();
        assert_eq!(
            tz,
            [
                "BEGIN:VTIMEZONE",
                "TZID:America/New_York",
                "BEGIN:STANDARD",
                "DTSTART:20161231T190000",
                "TZOFFSETFROM:-0500",
                "TZOFFSETTO:-0500",
                "TZNAME:EST",
                "END:STANDARD",
                // Second Sunday of March 2017, 2:00 AM EST.
                "BEGIN:DAYLIGHT",
                "DTSTART:20170312T020000",
                "TZOFFSETFROM:-0500",
                "TZOFFSETTO:-0400",
                "TZNAME:EDT",
                "END:DAYLIGHT",
                // First Sunday of November 2017, 2:00 AM EDT.
                "BEGIN:STANDARD",
                "DTSTART:20171105T020000",
                "TZOFFSETFROM:-0400",
                "TZOFFSETTO:-0500",
                "TZNAME:EST",
                "END:STANDARD",
                "END:VTIMEZONE",
            ]
        );
        // The VTIMEZONE comes before the events that use it.
        assert!(end < lines.iter().position(|l| l == "BEGIN:VEVENT").unwrap());

        // An all-day hearing alone needs no zone; an unknown zone is written in UTC.
        let mut odd = labor_hearing();
        odd.timezone = "Not/A_Zone".into();
        let ics = hearings_ical(
            COALITION,
            "open-gov",
            &[(codes_hearing(), vec![]), (odd, vec![])],
            at("2017-02-05T12:00:00Z"),
        );
        assert!(!ics.contains("VTIMEZONE"));
        assert!(ics.contains("\r\nDTSTART:20170206T170000Z\r\nDTEND:20170206T180000Z\r\n"), "{ics}");
    }

    #[test]
    fn hostile_text_is_escaped_and_folded_safely() {
        let mut h = labor_hearing();
        h.name = "Budget; \"Hearing\", part\\2\r\nEND:VEVENT\r\nBEGIN:VEVENT ✓ Comité de Presupuesto y Apropiaciones — sesión pública 🏛️🏛️🏛️ número 42".into();
        h.location = Some("Room 123, CAP; \\ floor\n2".into());
        h.url = Some("javascript:alert(1)".into());
        let mut bill = ny_s905();
        bill.title = "é".repeat(100);
        let ics = hearings_ical(
            "Coalition, \"A\"; B",
            "open-gov",
            &[(h.clone(), vec![bill.clone()])],
            at("2017-02-05T12:00:00Z"),
        );
        let lines = unfold(&ics); // checks 75 octets and CRLF on every physical line
        // Multi-byte characters are never cut: every physical line is whole UTF-8 by
        // construction (the output is a String), and folding happened inside the long values.
        assert!(ics.contains("\r\n "), "long lines were folded");
        assert_eq!(lines.iter().filter(|l| *l == "BEGIN:VEVENT").count(), 1, "no injected event:\n{ics}");
        assert_eq!(lines.iter().filter(|l| *l == "END:VEVENT").count(), 1);
        assert!(lines.contains(&"X-WR-CALNAME:Coalition\\, \"A\"\\; B hearings".to_string()));
        let evs = events(&lines);
        let summary = unescape(prop(&evs[0], "SUMMARY").unwrap());
        assert_eq!(summary, format!("{} (S 905)", one_line(&h.name)));
        assert_eq!(unescape(prop(&evs[0], "LOCATION").unwrap()), "Room 123, CAP; \\ floor 2");
        assert!(unescape(prop(&evs[0], "DESCRIPTION").unwrap()).contains(&"é".repeat(100)));
        assert_eq!(prop(&evs[0], "URL"), None, "no javascript: URL");

        // Folding counts octets, not characters.
        let folded = fold(&format!("SUMMARY:{}", "é".repeat(60)));
        let physical: Vec<&str> = folded.trim_end_matches("\r\n").split("\r\n").collect();
        assert_eq!(physical[0].len(), 74, "8 + 33×2 octets; a 34th é would make 76");
        assert!(physical.iter().all(|l| l.len() <= 75));
        assert_eq!(physical.concat().replace(" é", "é"), format!("SUMMARY:{}", "é".repeat(60)));
    }

    #[test]
    fn repeated_hearings_merge_and_dateless_ones_are_skipped() {
        let mut dateless = labor_hearing();
        dateless.event_id = "no-date".into();
        dateless.start_time = None;
        let hearings = vec![
            (labor_hearing(), vec![ny_s905()]),
            (dateless, vec![ny_s905()]),
            (labor_hearing(), vec![ny_s905(), ny_s688()]),
        ];
        let ics = hearings_ical(COALITION, "open-gov", &hearings, at("2017-02-05T12:00:00Z"));
        let evs = events(&unfold(&ics));
        assert_eq!(evs.len(), 1);
        assert_eq!(prop(&evs[0], "SUMMARY").map(unescape).as_deref(), Some("Senate Labor Committee (S 905, S 688)"));
    }

    const ATOM: &str = "http://www.w3.org/2005/Atom";

    fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
        node.children().find(|c| c.tag_name().name() == name && c.tag_name().namespace() == Some(ATOM))
    }

    fn text(node: roxmltree::Node<'_, '_>, name: &str) -> String {
        child(node, name).and_then(|c| c.text()).unwrap_or_default().to_string()
    }

    #[test]
    fn atom_feed_is_well_formed_with_one_entry_per_alert() {
        let mut hostile = signed();
        hostile.headline = "<script>alert(1)</script> & \"quotes\" ]]> \u{1}\u{b}bell\u{7}".into();
        hostile.source_url = Some("javascript:alert(1)".into());
        let alerts = vec![(17, signed()), (18, house_roll_call(Position::Support)), (19, hostile)];
        let xml = alerts_atom(
            "Open Government & Friends",
            "open gov/1",
            &alerts,
            at("2025-08-15T14:05:00Z"),
            Some("https://alerts.example.org/feeds/open-gov.atom"),
        );
        let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}:\n{xml}"));
        let feed = doc.root_element();
        assert_eq!(feed.tag_name().name(), "feed");
        assert_eq!(feed.tag_name().namespace(), Some(ATOM));
        assert_eq!(text(feed, "id"), "tag:statehouse,2026:open%20gov%2F1/alerts");
        assert_eq!(text(feed, "title"), "Open Government & Friends alerts");
        assert_eq!(text(feed, "updated"), "2025-08-15T14:05:00Z");
        let link = child(feed, "link").unwrap();
        assert_eq!(link.attribute("rel"), Some("self"));
        assert_eq!(link.attribute("href"), Some("https://alerts.example.org/feeds/open-gov.atom"));
        assert_eq!(text(child(feed, "author").unwrap(), "name"), "statehouse");

        let entries: Vec<_> = feed.children().filter(|c| c.tag_name().name() == "entry").collect();
        assert_eq!(entries.len(), 3);
        let first = entries[0];
        assert_eq!(text(first, "id"), "tag:statehouse,2026:open%20gov%2F1/alert/17");
        assert_eq!(text(first, "title"), "SB 4 signed by the Governor");
        assert_eq!(text(first, "updated"), "2025-08-15T14:02:00Z");
        assert_eq!(child(first, "link").and_then(|l| l.attribute("href")), Some(DE_SB4_URL));
        assert_eq!(child(first, "category").and_then(|c| c.attribute("term")), Some(AlertKind::Action.rule()));
        let content = child(first, "content").unwrap();
        assert_eq!(content.attribute("type"), Some("text"));
        let body = content.text().unwrap_or_default();
        assert!(body.starts_with("[Bill action] SB 4 signed by the Governor\n"), "{body}");
        assert!(
            body.contains("Signed by Governor") && body.contains("Data as of Friday, August 15, 2025 at 2:02 PM UTC")
        );
        assert!(!body.contains("Unsubscribe"), "no email footer in the feed");

        let roll = entries[1];
        assert_eq!(text(roll, "id"), "tag:statehouse,2026:open%20gov%2F1/alert/18");
        assert!(child(roll, "content").and_then(|c| c.text()).unwrap_or_default().contains("Jeff Hilovsky (no)"));

        let bad = entries[2];
        assert_eq!(text(bad, "title"), "<script>alert(1)</script> & \"quotes\" ]]> bell");
        assert!(child(bad, "link").is_none(), "no javascript: link");
        assert!(!xml.contains("<script>"));
    }

    #[test]
    fn xml_text_drops_what_xml_forbids() {
        assert_eq!(xml_text("a\u{0}b\u{1f}c\td\r\ne\u{fffe}'"), "abc\td\ne&apos;");
        assert!(
            roxmltree::Document::parse(&format!("<a b=\"{}\">{}</a>", xml_text("\"<&>'"), xml_text("]]>"))).is_ok()
        );
    }
}
