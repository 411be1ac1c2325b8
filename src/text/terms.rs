//! Watched terms in text: whole words, case-insensitive, any white space, each with a snippet
//! around its first occurrence. Below both users: alerts match coalitions' terms with it, and
//! `diff` reports the watched phrases a new version gains or loses.

/// Watched terms found in `text`, each with a snippet around its first occurrence. A term
/// matches case-insensitively on word boundaries ("police" matches "Police," but not
/// "policeman"); runs of whitespace in either count as one space.
pub fn find_terms(text: &str, terms: &[String]) -> Vec<(String, String)> {
    let hay = normalize(text);
    let lower = hay.to_lowercase();
    let mut out = Vec::new();
    for term in terms {
        let needle = normalize(term).to_lowercase();
        if needle.is_empty() {
            continue;
        }
        let mut from = 0;
        while let Some(pos) = lower[from..].find(&needle).map(|p| p + from) {
            let end = pos + needle.len();
            let before_ok = lower[..pos].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
            let after_ok = lower[end..].chars().next().is_none_or(|c| !c.is_alphanumeric());
            if before_ok && after_ok {
                out.push((term.clone(), snippet(&hay, pos, end)));
                break;
            }
            from = pos + needle.len().max(1);
            while !lower.is_char_boundary(from) {
                from += 1;
            }
        }
    }
    out
}

fn normalize(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// About 60 characters either side of a match, cut at word boundaries, with ellipses.
fn snippet(text: &str, start: usize, end: usize) -> String {
    const CONTEXT: usize = 60;
    let mut a = start.saturating_sub(CONTEXT);
    while !text.is_char_boundary(a) {
        a -= 1;
    }
    let mut b = (end + CONTEXT).min(text.len());
    while !text.is_char_boundary(b) {
        b += 1;
    }
    let mut s = text[a..b].to_string();
    if a > 0 {
        s = match s.find(' ') {
            Some(i) if i < start - a => format!("…{}", &s[i + 1..]),
            _ => format!("…{s}"),
        };
    }
    if b < text.len() {
        s = match s.rfind(' ') {
            Some(i) if i > s.len().saturating_sub(CONTEXT) => format!("{}…", &s[..i]),
            _ => format!("{s}…"),
        };
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_match_whole_words_with_a_snippet() {
        // The title of Delaware SB 4 (tests/fixtures/ocd-scrape/de-153).
        let title = "AN ACT TO AMEND TITLE 29 OF THE DELAWARE CODE RELATING TO THE OFFICE OF INSPECTOR GENERAL.";
        let found = find_terms(
            title,
            &["inspector general".into(), "Delaware  code".into(), "code relating to the off".into()],
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].0, "inspector general");
        assert!(found[0].1.contains("INSPECTOR GENERAL"), "{found:?}");
        assert!(find_terms("Policeman pensions", &["police".into()]).is_empty());
        assert_eq!(find_terms("police, fire", &["police".into()]).len(), 1);
        // A long text gives an excerpt, not the whole text.
        let long = format!("{} police {}", "word ".repeat(40), "more ".repeat(40));
        let s = &find_terms(&long, &["police".into()])[0].1;
        assert!(s.starts_with('…') && s.ends_with('…') && s.len() < 160, "{s}");
    }
}
