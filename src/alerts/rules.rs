//! The pure parts of matching: action filters, sponsor watches, headlines, local times, digest
//! times (watched terms in text are `crate::text::terms`, shared with the diffs). `engine` reads
//! the ledger and the warehouse and calls these.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

/// Text reduced for comparison: lower case, letters and digits, single spaces.
pub fn tiebreak_text(s: &str) -> String {
    s.to_lowercase().split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

/// Whether a sponsor watch (`[watch] sponsors`) matches a sponsorship. A value starting with
/// `ocd-person/` matches that person's id; any other value matches when each of its words is
/// one of the words of the sponsor's name, case-insensitively: "Sturgeon", "STURGEON",
/// "Laura Sturgeon" and "Sturgeon, Laura" all match "Laura V. Sturgeon" (and "Sen. Sturgeon"),
/// "Sturg" does not. Words are letters and digits; other punctuation is ignored, except that a
/// hyphen or an apostrophe inside a name keeps it one word ("Wilson" does not match "Madinah
/// Wilson-Anton": watch "Wilson-Anton"). A value with no word matches nothing.
pub fn sponsor_matches(watch: &str, name: &str, person_id: Option<&str>) -> bool {
    let watch = watch.trim();
    if watch.starts_with("ocd-person/") {
        return person_id == Some(watch);
    }
    let wanted = name_words(watch);
    let have = name_words(name);
    !wanted.is_empty() && wanted.iter().all(|w| have.contains(w))
}

/// The why-line term of a matched sponsor: which legislator sponsored, and the watch value
/// that matched when it is not simply the name ("sponsor: Laura V. Sturgeon (watched
/// \"Sturgeon\")").
pub fn sponsor_term(name: &str, watch: &str) -> String {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.to_lowercase() == watch.trim().to_lowercase() {
        format!("sponsor: {name}")
    } else {
        format!("sponsor: {name} (watched {:?})", watch.trim())
    }
}

/// A name's words, lower case: runs of letters, digits and combining marks, with a hyphen or
/// an apostrophe between two of them kept ("o'brien", "snyder-hall").
fn name_words(s: &str) -> Vec<String> {
    let is_word = crate::text::terms::is_word_char;
    let chars: Vec<char> = s.chars().map(|c| if c == '\u{2019}' { '\'' } else { c }).collect();
    let mut words = Vec::new();
    let mut word = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let joiner = matches!(c, '-' | '\'') && !word.is_empty() && chars.get(i + 1).is_some_and(|n| is_word(*n));
        if is_word(c) || joiner {
            word.extend(c.to_lowercase());
        } else if !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// Whether an action with these OCD classes passes a coalition's action filter (an empty
/// filter passes every action).
pub fn action_passes(classes: &[String], filter: &[String]) -> bool {
    filter.is_empty() || classes.iter().any(|c| filter.iter().any(|f| f == c))
}

/// A chamber word as people say it in a state: `upper` → "Senate", `lower` → "House"
/// ("Assembly" in California, New York, Nevada and Wisconsin), else the name as given.
pub fn body_name(organization: Option<&str>, jurisdiction_id: &str) -> String {
    let assembly = ["state:ca/", "state:ny/", "state:nv/", "state:wi/"].iter().any(|s| jurisdiction_id.contains(s));
    match organization {
        Some("upper") => "Senate".into(),
        Some("lower") if assembly => "Assembly".into(),
        Some("lower") => "House".into(),
        Some("legislature") => "Legislature".into(),
        Some("executive") => "Governor".into(),
        Some(other) => other.to_string(),
        None => "the legislature".into(),
    }
}

/// "Tuesday, February 7, 2017 at 9:30 AM EST", in `tz`.
pub fn local_time(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%A, %B %-d, %Y at %-I:%M %p %Z").to_string()
}

/// "Tuesday, February 7, 2017".
pub fn local_date(d: NaiveDate) -> String {
    d.format("%A, %B %-d, %Y").to_string()
}

/// The next digest time at or after `after`: `hour`:00 in `tz` on the first day it has not
/// yet passed.
pub fn next_digest(after: DateTime<Utc>, tz: Tz, hour: u32) -> DateTime<Utc> {
    let local = after.with_timezone(&tz);
    let mut day = local.date_naive();
    loop {
        let at = day.and_hms_opt(hour, 0, 0).expect("valid hour");
        // A nonexistent local time (spring forward) moves to the next valid instant.
        let candidate = match tz.from_local_datetime(&at) {
            chrono::LocalResult::Single(t) => Some(t),
            chrono::LocalResult::Ambiguous(t, _) => Some(t),
            chrono::LocalResult::None => tz.from_local_datetime(&(at + chrono::Duration::hours(1))).earliest(),
        };
        if let Some(t) = candidate {
            let t = t.with_timezone(&Utc);
            if t >= after {
                return t;
            }
        }
        day = day.succ_opt().expect("date in range");
    }
}

/// The recipient's local date of a digest sent at `at`.
pub fn digest_day(at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    let l = at.with_timezone(&tz);
    NaiveDate::from_ymd_opt(l.year(), l.month(), l.day()).expect("valid date")
}

/// The reminder to send today for a hearing on `hearing_day`, if any: the smallest of `days`
/// that has been reached (so a hearing added two days ahead gets the two-day reminder, not
/// a late three-day one). `None` once the hearing's day has come.
pub fn reminder_due(today: NaiveDate, hearing_day: NaiveDate, days: &[u32]) -> Option<u32> {
    if hearing_day <= today {
        return None;
    }
    let left = (hearing_day - today).num_days();
    days.iter().copied().filter(|d| i64::from(*d) >= left).min()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_go_out_at_the_leads_hour_in_their_zone() {
        let ny = chrono_tz::America::New_York;
        // 2026-11-26 15:00 UTC is 10:00 in New York: the 7:00 digest is tomorrow's.
        let at = Utc.with_ymd_and_hms(2026, 11, 26, 15, 0, 0).unwrap();
        assert_eq!(next_digest(at, ny, 7), Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap());
        // In Los Angeles it is 7:00 exactly: this one.
        let la = chrono_tz::America::Los_Angeles;
        assert_eq!(next_digest(at, la, 7), at);
        assert_eq!(digest_day(at, la), NaiveDate::from_ymd_opt(2026, 11, 26).unwrap());
        // Spring forward: 2:00 does not exist on 2026-03-08 in New York; 3:00 is used.
        let before = Utc.with_ymd_and_hms(2026, 3, 8, 5, 0, 0).unwrap();
        assert_eq!(next_digest(before, ny, 2), Utc.with_ymd_and_hms(2026, 3, 8, 7, 0, 0).unwrap());
    }

    #[test]
    fn reminders_take_the_nearest_reached_day() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(reminder_due(d("2017-02-03"), d("2017-02-07"), &[3, 1]), None);
        assert_eq!(reminder_due(d("2017-02-04"), d("2017-02-07"), &[3, 1]), Some(3));
        assert_eq!(reminder_due(d("2017-02-05"), d("2017-02-07"), &[3, 1]), Some(3));
        assert_eq!(reminder_due(d("2017-02-06"), d("2017-02-07"), &[3, 1]), Some(1));
        assert_eq!(reminder_due(d("2017-02-07"), d("2017-02-07"), &[3, 1]), None);
    }

    #[test]
    fn sponsor_watches_match_any_of_a_legislators_names() {
        // Real Delaware sponsors (tests/fixtures/ocd-scrape/de-153).
        let table: &[(&str, &str, bool)] = &[
            ("Sturgeon", "Laura V. Sturgeon", true),
            ("sturgeon", "Laura V. Sturgeon", true),
            ("STURGEON", "Laura V. Sturgeon", true),
            ("Sturgeon", "Sen. Sturgeon", true),
            ("Laura Sturgeon", "Laura V. Sturgeon", true),
            ("Laura V Sturgeon", "Laura V. Sturgeon", true),
            ("Sturgeon, Laura", "Laura V. Sturgeon", true),
            ("Sturgeon, Laura", "STURGEON, LAURA V.", true),
            ("  Laura V. Sturgeon ", "Laura V. Sturgeon", true),
            ("Sturg", "Laura V. Sturgeon", false),
            ("Laura Townsend", "Laura V. Sturgeon", false),
            ("Jack", "John \"Jack\" Walsh", true),
            ("Smith", "Michael F. Smith", true),
            ("Smith", "Kamela T Smith", true),
            ("Postles", "Charles S Postles Jr.", true),
            ("Snyder-Hall", "Claire Snyder-Hall", true),
            ("Wilson", "Madinah Wilson-Anton", false),
            ("Wilson", "David L. Wilson", true),
            ("Moore", "Sherae'a Moore", true),
            // Minnesota (tests/fixtures/legiscan-api/getSessionPeople-2151.json), a typographic
            // apostrophe in the watch.
            ("O\u{2019}Driscoll", "Tim O'Driscoll", true),
            // California's CAML authors (tests/fixtures/ca-pubinfo/2025-2026).
            ("LIMÓN", "Limón", true),
            ("Limon", "Limón", false),
            ("Smallwood-Cuevas", "Smallwood-Cuevas", true),
            ("Cuevas", "Smallwood-Cuevas", false),
            (".", "Laura V. Sturgeon", false),
        ];
        for &(watch, name, expected) in table {
            assert_eq!(sponsor_matches(watch, name, None), expected, "{watch:?} on {name:?}");
        }
        // Their Open States ids (tests/fixtures/openstates-api/de/people-page-*.json).
        let id = "ocd-person/21d5af4e-31e6-5a32-9134-7042e4a9d672";
        assert!(sponsor_matches(id, "Laura V. Sturgeon", Some(id)));
        assert!(!sponsor_matches(id, "Laura V. Sturgeon", None));
        assert!(!sponsor_matches(id, "Laura V. Sturgeon", Some("ocd-person/385f7ee7-84d2-52e6-a564-f8dc51229819")));
        assert_eq!(sponsor_term("Laura V. Sturgeon", "Sturgeon"), "sponsor: Laura V. Sturgeon (watched \"Sturgeon\")");
        assert_eq!(sponsor_term("Stephanie  T. Bolden", "stephanie t. bolden"), "sponsor: Stephanie T. Bolden");
    }

    #[test]
    fn chambers_have_their_local_names() {
        assert_eq!(body_name(Some("lower"), "ocd-jurisdiction/country:us/state:ca/government"), "Assembly");
        assert_eq!(body_name(Some("lower"), "ocd-jurisdiction/country:us/state:de/government"), "House");
        assert_eq!(body_name(Some("Labor"), "ocd-jurisdiction/country:us/state:ny/government"), "Labor");
        let t = Utc.with_ymd_and_hms(2017, 2, 7, 14, 30, 0).unwrap();
        assert_eq!(local_time(t, chrono_tz::America::New_York), "Tuesday, February 7, 2017 at 9:30 AM EST");
    }
}

pub use crate::warehouse::people::{CommitteeNames, committee_key, committee_of_hearing};

/// Whether a referral (an action, its chamber, the organizations it names, its text) sends a
/// bill to `committee`: a named organization is one of its names, or the text holds one
/// (ending it, or followed by "in"), in its chamber when both are known.
pub fn referral_names(committee: &CommitteeNames, chamber: Option<&str>, named: &[String], description: &str) -> bool {
    let chamber_ok = match (chamber, committee.chamber.as_deref()) {
        (Some(a), Some(b)) if matches!(a, "upper" | "lower") && matches!(b, "upper" | "lower") => a == b,
        _ => true,
    };
    if !chamber_ok {
        return false;
    }
    let keys: Vec<String> = committee.names.iter().map(|n| committee_key(n).1).filter(|k| !k.is_empty()).collect();
    if named.iter().any(|n| keys.contains(&committee_key(n).1)) {
        return true;
    }
    // In the text: the whole name, ending the text or followed by "in" ("… Committee in
    // House"), so "Housing" is not read in "Housing Finance".
    let text = format!(" {} ", committee_key(description).1);
    named.is_empty() && keys.iter().any(|k| text.ends_with(&format!(" {k} ")) || text.contains(&format!(" {k} in ")))
}

#[cfg(test)]
mod committee_tests {
    use super::*;

    fn c(id: &str, chamber: &str, names: &[&str]) -> CommitteeNames {
        CommitteeNames {
            id: id.into(),
            chamber: Some(chamber.into()),
            names: names.iter().map(|n| n.to_string()).collect(),
        }
    }

    #[test]
    fn hearings_name_their_committee_in_many_ways() {
        let list = [
            c("house-housing", "lower", &["Housing", "House Housing Committee"]),
            c("senate-housing", "upper", &["Housing & Land Use", "Senate Housing & Land Use Committee"]),
            c("senate-energy", "upper", &["Energy and Telecommunications"]),
            c("house-energy", "lower", &["Energy and Telecommunications"]),
        ];
        let find = |t: &str| committee_of_hearing(&list, &[t.to_string()]);
        assert_eq!(find("House Housing Committee"), Some("house-housing"));
        assert_eq!(find("House Committee on Housing"), Some("house-housing"));
        assert_eq!(find("Senate Housing and Land Use"), Some("senate-housing"));
        assert_eq!(find("Senate Energy and Telecommunications Committee"), Some("senate-energy"));
        // Two chambers have it and the text names neither: no one.
        assert_eq!(find("Energy and Telecommunications"), None);
        assert_eq!(find("Finance"), None);
        // The participants first, then the meeting's name.
        assert_eq!(
            committee_of_hearing(&list, &["Budget Hearing".to_string(), "House Housing".to_string()]),
            Some("house-housing")
        );
    }

    #[test]
    fn a_referral_names_its_committee_in_its_chamber() {
        let housing = c("house-housing", "lower", &["Housing", "House Housing Committee"]);
        let named = |n: &str| vec![n.to_string()];
        assert!(referral_names(&housing, Some("lower"), &named("Housing"), "Assigned to Housing Committee in House"));
        assert!(!referral_names(&housing, Some("upper"), &named("Housing"), "Assigned to Housing Committee in Senate"));
        assert!(!referral_names(&housing, Some("lower"), &named("Housing & Land Use"), "Assigned to …"));
        assert!(referral_names(&housing, Some("lower"), &[], "Referred to the Committee on Housing"));
        assert!(!referral_names(&housing, Some("lower"), &[], "Referred to Housing Finance"));
    }
}
