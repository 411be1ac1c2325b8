//! Canonical identifiers: bills, chambers, stable ids of entities.

use regex::Regex;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

static BILL_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([A-Z][A-Z.]*?)\s*0*(\d[\d-]*)(.*)$").expect("valid regex"));
static MI_LETTER_ID: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(SJR|HJR)\s*([A-Z]+)$").expect("valid regex"));

/// Open States' bill identifier rule: upper case, one space between the prefix and the
/// number, no leading zeros ("sb2273" and "SB02273" both become "SB 2273"; Michigan's
/// lettered joint resolutions keep their letter: "SJR A").
pub fn canonical_bill_identifier(raw: &str) -> String {
    let up = raw.trim().to_uppercase();
    let up = up.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some(c) = MI_LETTER_ID.captures(&up) {
        return format!("{} {}", &c[1], &c[2]);
    }
    match BILL_ID.captures(&up) {
        Some(c) => {
            let prefix = c[1].replace('.', "");
            format!("{} {}{}", prefix, &c[2], c[3].trim())
        }
        None => up,
    }
}

/// The short code of an OCD jurisdiction: `ocd-jurisdiction/country:us/state:de/government` → `de`;
/// a city jurisdiction keeps its place name (`place:new_york`). Unknown shapes are returned whole.
pub fn jurisdiction_code(jurisdiction_id: &str) -> String {
    for part in jurisdiction_id.split('/') {
        for prefix in ["state:", "district:", "territory:", "place:", "county:"] {
            if let Some(rest) = part.strip_prefix(prefix) {
                return rest.to_string();
            }
        }
    }
    jurisdiction_id.to_string()
}

/// The OCD jurisdiction id a pipeline or a user names: an id as is (`ocd-jurisdiction/…`), or
/// a state code (`il`) of a jurisdiction Open States covers. `None` for anything else.
pub fn jurisdiction_id_of(text: &str) -> Option<String> {
    if text.starts_with("ocd-jurisdiction/") {
        Some(text.to_string())
    } else if crate::jurisdictions::name_of(&text.to_lowercase()).is_some() {
        Some(state_jurisdiction_id(text))
    } else {
        None
    }
}

/// The OCD jurisdiction id of a US state (or DC, PR) code.
pub fn state_jurisdiction_id(code: &str) -> String {
    let code = code.to_lowercase();
    match code.as_str() {
        "dc" => "ocd-jurisdiction/country:us/district:dc/government".into(),
        "pr" => "ocd-jurisdiction/country:us/territory:pr/government".into(),
        _ => format!("ocd-jurisdiction/country:us/state:{code}/government"),
    }
}

/// Our stable bill id: `ocd-bill-{code}-{session}-{IDENTIFIER without spaces}`, after Open
/// States' namespaced identifier. Readable, and the same for the same bill from any source.
pub fn bill_id(jurisdiction_id: &str, session: &str, canonical_identifier: &str) -> String {
    format!(
        "ocd-bill-{}-{}-{}",
        jurisdiction_code(jurisdiction_id),
        session.replace(' ', "_"),
        canonical_identifier.replace(' ', "")
    )
}

/// Chamber from an OCD organization classification or name.
pub fn chamber(raw: &str) -> Option<&'static str> {
    match raw.trim().to_lowercase().as_str() {
        "upper" | "senate" | "s" => Some("upper"),
        "lower" | "house" | "assembly" | "house of representatives" | "h" | "a" => Some("lower"),
        "legislature" | "joint" | "general assembly" => Some("legislature"),
        "executive" | "governor" => Some("executive"),
        _ => None,
    }
}

/// A short, stable id from parts: 20 hex characters of sha256 over the parts joined by NUL.
pub fn stable_id(prefix: &str, parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    let digest = h.finalize();
    format!("{prefix}-{}", &hex::encode(digest)[..20])
}

/// Whitespace folded to single spaces, ends trimmed.
pub fn clean_text(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bill_identifiers_follow_open_states_rule() {
        let cases = [
            ("sb2273", "SB 2273"),
            ("SB02273", "SB 2273"),
            ("HB1", "HB 1"),
            ("HB 120", "HB 120"),
            ("hcr  50", "HCR 50"),
            ("SJR A", "SJR A"),
            ("AM1030372", "AM 1030372"),
            ("H.B. 12", "HB 12"),
            ("S05795A", "S 5795A"),
        ];
        for (raw, want) in cases {
            assert_eq!(canonical_bill_identifier(raw), want, "input {raw:?}");
        }
    }

    #[test]
    fn jurisdiction_codes() {
        assert_eq!(jurisdiction_code("ocd-jurisdiction/country:us/state:de/government"), "de");
        assert_eq!(jurisdiction_code(&state_jurisdiction_id("PR")), "pr");
        assert_eq!(
            bill_id("ocd-jurisdiction/country:us/state:il/government", "104th", "HB 1075"),
            "ocd-bill-il-104th-HB1075"
        );
    }
}
