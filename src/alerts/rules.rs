//! The pure parts of matching: action filters, headlines, local times, digest times (watched
//! terms in text are `crate::text::terms`, shared with the diffs). `engine` reads the ledger and
//! the warehouse and calls these.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

/// Text reduced for comparison: lower case, letters and digits, single spaces.
pub fn tiebreak_text(s: &str) -> String {
    s.to_lowercase().split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
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
    fn chambers_have_their_local_names() {
        assert_eq!(body_name(Some("lower"), "ocd-jurisdiction/country:us/state:ca/government"), "Assembly");
        assert_eq!(body_name(Some("lower"), "ocd-jurisdiction/country:us/state:de/government"), "House");
        assert_eq!(body_name(Some("Labor"), "ocd-jurisdiction/country:us/state:ny/government"), "Labor");
        let t = Utc.with_ymd_and_hms(2017, 2, 7, 14, 30, 0).unwrap();
        assert_eq!(local_time(t, chrono_tz::America::New_York), "Tuesday, February 7, 2017 at 9:30 AM EST");
    }
}
