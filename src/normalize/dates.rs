//! Dates and times as sources write them: `YYYY-MM-DD`, fuzzy `YYYY-MM`, ISO datetimes with an
//! offset or `Z`, and naive datetimes in the jurisdiction's zone. A date stays a date; a datetime
//! becomes UTC, and its local date (in the jurisdiction's zone) is kept beside it.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct When {
    /// The local calendar date.
    pub date: NaiveDate,
    /// The instant, when the source gave a time of day.
    pub instant: Option<DateTime<Utc>>,
}

/// Parses a source date or datetime. `Ok(None)` for an empty string; `Err` for text that is
/// not a date, with the reason.
pub fn parse_when(raw: &str, zone: Tz) -> Result<Option<When>, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(Some(When { date: d, instant: None }));
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        let utc = dt.with_timezone(&Utc);
        return Ok(Some(When { date: utc.with_timezone(&zone).date_naive(), instant: Some(utc) }));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f%:z", "%Y-%m-%dT%H:%M%:z", "%Y-%m-%d %H:%M:%S%.f%:z"] {
        if let Ok(dt) = DateTime::parse_from_str(s, fmt) {
            let utc = dt.with_timezone(&Utc);
            return Ok(Some(When { date: utc.with_timezone(&zone).date_naive(), instant: Some(utc) }));
        }
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(s, fmt) {
            let local =
                zone.from_local_datetime(&naive).earliest().ok_or_else(|| format!("{s:?} does not exist in {zone}"))?;
            return Ok(Some(When { date: naive.date(), instant: Some(local.with_timezone(&Utc)) }));
        }
    }
    // Fuzzy dates of the OCD schema: YYYY-MM and YYYY.
    if let Ok(d) = NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d") {
        return Ok(Some(When { date: d, instant: None }));
    }
    if s.len() == 4
        && let Ok(y) = s.parse::<i32>()
        && let Some(d) = NaiveDate::from_ymd_opt(y, 1, 1)
    {
        return Ok(Some(When { date: d, instant: None }));
    }
    Err(format!("{s:?} is not a date or datetime"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_datetimes() {
        let ny: Tz = "America/New_York".parse().unwrap();
        let w = parse_when("2025-05-22", ny).unwrap().unwrap();
        assert_eq!(w.date.to_string(), "2025-05-22");
        assert!(w.instant.is_none());

        // Alabama-style midnight in UTC offset form: the local date is the day before in New York.
        let w = parse_when("2025-05-22T03:00:00+00:00", ny).unwrap().unwrap();
        assert_eq!(w.date.to_string(), "2025-05-21");
        assert_eq!(w.instant.unwrap().to_rfc3339(), "2025-05-22T03:00:00+00:00");

        let w = parse_when("2026-05-09T12:00:00Z", ny).unwrap().unwrap();
        assert_eq!(w.instant.unwrap().to_rfc3339(), "2026-05-09T12:00:00+00:00");

        // A naive time is local to the jurisdiction (EDT is UTC-4 in May).
        let w = parse_when("2025-05-22T10:30:00", ny).unwrap().unwrap();
        assert_eq!(w.instant.unwrap().to_rfc3339(), "2025-05-22T14:30:00+00:00");

        assert_eq!(parse_when("", ny).unwrap(), None);
        assert_eq!(parse_when("2025-03", ny).unwrap().unwrap().date.to_string(), "2025-03-01");
        assert!(parse_when("next Tuesday", ny).is_err());
    }
}
