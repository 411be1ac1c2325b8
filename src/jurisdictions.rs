//! The jurisdictions Open States covers: 50 states, DC and Puerto Rico, with the time zone
//! their legislature meets in (the capitol's zone).

/// (code, name, IANA zone of the capitol).
pub const STATES: [(&str, &str, &str); 52] = [
    ("al", "Alabama", "America/Chicago"),
    ("ak", "Alaska", "America/Juneau"),
    ("az", "Arizona", "America/Phoenix"),
    ("ar", "Arkansas", "America/Chicago"),
    ("ca", "California", "America/Los_Angeles"),
    ("co", "Colorado", "America/Denver"),
    ("ct", "Connecticut", "America/New_York"),
    ("de", "Delaware", "America/New_York"),
    ("dc", "District of Columbia", "America/New_York"),
    ("fl", "Florida", "America/New_York"),
    ("ga", "Georgia", "America/New_York"),
    ("hi", "Hawaii", "Pacific/Honolulu"),
    ("id", "Idaho", "America/Boise"),
    ("il", "Illinois", "America/Chicago"),
    ("in", "Indiana", "America/Indiana/Indianapolis"),
    ("ia", "Iowa", "America/Chicago"),
    ("ks", "Kansas", "America/Chicago"),
    ("ky", "Kentucky", "America/New_York"),
    ("la", "Louisiana", "America/Chicago"),
    ("me", "Maine", "America/New_York"),
    ("md", "Maryland", "America/New_York"),
    ("ma", "Massachusetts", "America/New_York"),
    ("mi", "Michigan", "America/Detroit"),
    ("mn", "Minnesota", "America/Chicago"),
    ("ms", "Mississippi", "America/Chicago"),
    ("mo", "Missouri", "America/Chicago"),
    ("mt", "Montana", "America/Denver"),
    ("ne", "Nebraska", "America/Chicago"),
    ("nv", "Nevada", "America/Los_Angeles"),
    ("nh", "New Hampshire", "America/New_York"),
    ("nj", "New Jersey", "America/New_York"),
    ("nm", "New Mexico", "America/Denver"),
    ("ny", "New York", "America/New_York"),
    ("nc", "North Carolina", "America/New_York"),
    ("nd", "North Dakota", "America/Chicago"),
    ("oh", "Ohio", "America/New_York"),
    ("ok", "Oklahoma", "America/Chicago"),
    ("or", "Oregon", "America/Los_Angeles"),
    ("pa", "Pennsylvania", "America/New_York"),
    ("pr", "Puerto Rico", "America/Puerto_Rico"),
    ("ri", "Rhode Island", "America/New_York"),
    ("sc", "South Carolina", "America/New_York"),
    ("sd", "South Dakota", "America/Chicago"),
    ("tn", "Tennessee", "America/Chicago"),
    ("tx", "Texas", "America/Chicago"),
    ("ut", "Utah", "America/Denver"),
    ("vt", "Vermont", "America/New_York"),
    ("va", "Virginia", "America/New_York"),
    ("wa", "Washington", "America/Los_Angeles"),
    ("wv", "West Virginia", "America/New_York"),
    ("wi", "Wisconsin", "America/Chicago"),
    ("wy", "Wyoming", "America/Denver"),
];

/// The name of a jurisdiction code, when it is one of [`STATES`].
pub fn name_of(code: &str) -> Option<&'static str> {
    STATES.iter().find(|(c, _, _)| c.eq_ignore_ascii_case(code)).map(|(_, n, _)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_zone_is_valid_and_codes_are_unique() {
        let mut codes: Vec<&str> = STATES.iter().map(|s| s.0).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), 52);
        for (code, _, tz) in STATES {
            assert!(tz.parse::<chrono_tz::Tz>().is_ok(), "{code}: {tz}");
        }
        assert_eq!(name_of("DE"), Some("Delaware"));
    }
}
