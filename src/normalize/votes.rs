//! Vote options and results.

/// The options a legislator's vote is normalized to.
pub const OPTIONS: [&str; 7] = ["yes", "no", "abstain", "absent", "excused", "not voting", "other"];

/// Normalizes a source's vote option ("Aye", "Y", "NV", "ABS", "Nay", ...). Unknown words are
/// `other`; the raw word stays in the warehouse beside it.
pub fn option(raw: &str) -> &'static str {
    let s = raw.trim().to_lowercase().replace(['.', '_'], " ");
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    match s.as_str() {
        // "Aye w/r": aye with reservations (New York Senate committees).
        "yes" | "y" | "aye" | "ayes" | "yea" | "yeas" | "affirmative" | "aye w/r" | "aye with reservations" => "yes",
        "no" | "n" | "nay" | "nays" | "noe" | "noes" | "negative" => "no",
        "abstain" | "abstained" | "abstention" | "present" | "pass" => "abstain",
        "absent" | "a" | "abs" | "absent not voting" => "absent",
        "excused" | "e" | "exc" | "excused absence" | "leave" | "excused not voting" => "excused",
        "not voting" | "nv" | "n v" | "did not vote" | "no vote" | "not present" | "present not voting" => "not voting",
        _ => "other",
    }
}

/// Normalizes a vote result to `pass`, `fail`, or the raw text lower-cased.
pub fn result(raw: &str) -> String {
    match raw.trim().to_lowercase().as_str() {
        "pass" | "passed" | "adopted" | "carried" | "(pass)" => "pass".into(),
        "fail" | "failed" | "lost" | "defeated" | "(fail)" => "fail".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options() {
        for (raw, want) in [
            ("yes", "yes"),
            ("Aye", "yes"),
            ("Aye w/r", "yes"),
            ("AYE", "yes"),
            ("Nay", "no"),
            ("NOE", "no"),
            ("NV", "not voting"),
            ("not voting", "not voting"),
            ("ABS", "absent"),
            ("excused", "excused"),
            ("abstain", "abstain"),
            ("paired", "other"),
            ("other", "other"),
        ] {
            assert_eq!(option(raw), want, "{raw}");
        }
        assert!(OPTIONS.contains(&option("whatever")));
    }
}
