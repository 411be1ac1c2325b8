//! Watched terms in text: whole words, case-insensitive, any white space, each with a snippet
//! around its first occurrence. Below both users: alerts match coalitions' terms with it, and
//! `diff` reports the watched phrases a new version gains or loses.
//!
//! A [`TermSet`] is built once from many terms (of many owners: one automaton can hold every
//! coalition's terms) and finds all of them in one pass over a text. Matching runs on a folded
//! copy of the text (white-space runs as one space, each character lower-cased on its own);
//! a map from folded offsets back to the original ones cuts the snippet from the original text,
//! on its character boundaries, so it always shows the matched words as they were written
//! (even after letters such as "İ" or "ẞ" whose lower case has another length).

use aho_corasick::AhoCorasick;

/// Watched terms found in `text`, each with a snippet around its first occurrence, in the
/// order of `terms`. A term matches case-insensitively on word boundaries ("police" matches
/// "Police," but not "policeman"); runs of whitespace in either count as one space.
pub fn find_terms(text: &str, terms: &[String]) -> Vec<(String, String)> {
    TermSet::new(terms.iter().map(|t| (0, t.as_str())))
        .find(text)
        .into_iter()
        .map(|m| (m.term.to_string(), m.snippet))
        .collect()
}

/// Terms to look for, each with the owner it belongs to (a coalition's index, say), matched
/// all at once by one Aho-Corasick automaton. Terms that fold to nothing (empty or white space)
/// never match.
#[derive(Debug, Clone)]
pub struct TermSet {
    /// `None` when no term has any letter to match.
    automaton: Option<AhoCorasick>,
    /// (owner, term as given), in the order given.
    entries: Vec<(usize, String)>,
    /// For each pattern of the automaton, the entries that fold to it (two owners watching
    /// "Police" and "police" share one pattern).
    pattern_entries: Vec<Vec<usize>>,
}

/// One term found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermMatch<'a> {
    /// The entry's position in the list the set was built from.
    pub entry: usize,
    pub owner: usize,
    /// The term as given to [`TermSet::new`].
    pub term: &'a str,
    /// About 60 characters of the original text either side of the first whole-word
    /// occurrence, cut at spaces, with ellipses, white space collapsed.
    pub snippet: String,
}

impl TermSet {
    pub fn new<S: Into<String>>(terms: impl IntoIterator<Item = (usize, S)>) -> TermSet {
        let entries: Vec<(usize, String)> = terms.into_iter().map(|(o, t)| (o, t.into())).collect();
        let mut patterns: Vec<String> = Vec::new();
        let mut pattern_entries: Vec<Vec<usize>> = Vec::new();
        let mut index = std::collections::HashMap::new();
        for (i, (_, term)) in entries.iter().enumerate() {
            let needle = fold(term).0.trim_matches(' ').to_string();
            if needle.is_empty() {
                continue;
            }
            let p = *index.entry(needle.clone()).or_insert_with(|| {
                patterns.push(needle);
                pattern_entries.push(Vec::new());
                patterns.len() - 1
            });
            pattern_entries[p].push(i);
        }
        let automaton = (!patterns.is_empty())
            .then(|| AhoCorasick::new(&patterns).expect("an automaton of a few thousand literal terms"));
        TermSet { automaton, entries, pattern_entries }
    }

    /// Whether the set holds no term that can match.
    pub fn is_empty(&self) -> bool {
        self.automaton.is_none()
    }

    /// Every entry whose term occurs in `text` as whole words, in the order the entries were
    /// given, with a snippet around its first occurrence.
    pub fn find(&self, text: &str) -> Vec<TermMatch<'_>> {
        let Some(automaton) = &self.automaton else { return Vec::new() };
        // Most texts hold no term at all: folded without the offsets first, they are passed
        // over after one scan.
        if !automaton.is_match(&fold_only(text)) {
            return Vec::new();
        }
        let (folded, origin) = fold(text);
        // The first whole-word occurrence of each pattern, as a byte range of the original.
        let mut first: Vec<Option<(usize, usize)>> = vec![None; self.pattern_entries.len()];
        let mut left = first.len();
        for m in automaton.find_overlapping_iter(&folded) {
            let p = m.pattern().as_usize();
            if first[p].is_some() || !whole_words(&folded, &origin, m.start(), m.end()) {
                continue;
            }
            let start = origin[m.start()];
            let last = origin[m.end() - 1];
            let end = last + text[last..].chars().next().map_or(0, char::len_utf8);
            first[p] = Some((start, end));
            left -= 1;
            if left == 0 {
                break;
            }
        }
        let mut found: Vec<(usize, (usize, usize))> = first
            .iter()
            .enumerate()
            .filter_map(|(p, at)| at.map(|at| (p, at)))
            .flat_map(|(p, at)| self.pattern_entries[p].iter().map(move |&e| (e, at)))
            .collect();
        found.sort_unstable_by_key(|(e, _)| *e);
        found
            .into_iter()
            .map(|(e, (start, end))| TermMatch {
                entry: e,
                owner: self.entries[e].0,
                term: &self.entries[e].1,
                snippet: snippet(text, start, end),
            })
            .collect()
    }
}

/// A letter, digit or combining mark: part of a word. (The combining dot above that "İ"
/// lower-cases with keeps "i" from matching "İstanbul".)
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
        || matches!(c, '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

/// Whether `folded[start..end]` is whole words: no word character touches it on either side,
/// and it neither begins nor ends inside the folding of one original character.
fn whole_words(folded: &str, origin: &[usize], start: usize, end: usize) -> bool {
    let before_ok = folded[..start].chars().next_back().is_none_or(|c| !is_word_char(c));
    let after_ok = folded[end..].chars().next().is_none_or(|c| !is_word_char(c));
    let starts_a_char = start == 0 || origin[start - 1] != origin[start];
    let ends_a_char = end == folded.len() || origin[end] != origin[end - 1];
    before_ok && after_ok && starts_a_char && ends_a_char
}

/// `text` folded for matching: each run of white space as one space, each character in its
/// own lower case (final sigma as sigma). With it, for each byte of the folded text, the byte
/// offset in `text` of the character it came from.
fn fold(text: &str) -> (String, Vec<usize>) {
    let mut folded = String::with_capacity(text.len());
    let mut origin = Vec::with_capacity(text.len());
    let mut in_space = false;
    for (at, c) in text.char_indices() {
        if c.is_whitespace() {
            if !in_space {
                folded.push(' ');
                origin.push(at);
            }
            in_space = true;
            continue;
        }
        in_space = false;
        for l in c.to_lowercase() {
            let l = if l == 'ς' { 'σ' } else { l };
            folded.push(l);
            origin.extend(std::iter::repeat_n(at, l.len_utf8()));
        }
    }
    (folded, origin)
}

/// [`fold`]'s text alone (the same string), without the offsets.
fn fold_only(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    let mut in_space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            if !in_space {
                folded.push(' ');
            }
            in_space = true;
            continue;
        }
        in_space = false;
        if c.is_ascii() {
            folded.push(c.to_ascii_lowercase());
            continue;
        }
        for l in c.to_lowercase() {
            folded.push(if l == 'ς' { 'σ' } else { l });
        }
    }
    folded
}

/// About 60 characters either side of `text[start..end]` (a range on character boundaries),
/// cut at white space, with ellipses; white-space runs as one space.
fn snippet(text: &str, start: usize, end: usize) -> String {
    const CONTEXT: usize = 60;
    let a = text[..start].char_indices().rev().nth(CONTEXT - 1).map_or(0, |(i, _)| i);
    let b = text[end..].char_indices().nth(CONTEXT).map_or(text.len(), |(i, _)| end + i);
    let mut from = a;
    if a > 0 {
        // Drop the word cut in half, if a space comes before the match.
        if let Some((i, c)) = text[a..start].char_indices().find(|(_, c)| c.is_whitespace()) {
            from = a + i + c.len_utf8();
        }
    }
    let mut to = b;
    if b < text.len()
        && let Some((i, _)) = text[end..b].char_indices().rev().find(|(_, c)| c.is_whitespace())
    {
        to = end + i;
    }
    let body = text[from..to].split_whitespace().collect::<Vec<_>>().join(" ");
    let lead = if a > 0 { "…" } else { "" };
    let tail = if b < text.len() { "…" } else { "" };
    format!("{lead}{body}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quick_fold_is_the_fold() {
        for t in ["AN ACT\tTO  amend", "İstanbul ẞtraße ΟΔΟΣ  \n x", "", "   ", "Ünïcödé\u{00A0}space"] {
            assert_eq!(fold_only(t), fold(t).0, "{t:?}");
        }
    }

    fn terms(ts: &[&str]) -> Vec<String> {
        ts.iter().map(|t| t.to_string()).collect()
    }

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

    #[test]
    fn snippets_are_cut_from_the_original_after_letters_whose_lower_case_is_longer() {
        // "İ" (2 bytes) lower-cases to "i̇" (3 bytes): offsets in the folded text run ahead of
        // the original's by one byte per "İ" before the match.
        let title = format!("{}İSTANBUL POLICE COOPERATION ACT", "İ".repeat(70));
        let found = find_terms(&title, &terms(&["police cooperation"]));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].1.contains("POLICE COOPERATION"), "{found:?}");
        // Capital sharp s (3 bytes) lower-cases to "ß" (2 bytes): the folded text runs behind.
        let title = format!("{} GROẞE STRAẞE police", "ẞ".repeat(80));
        let found = find_terms(&title, &terms(&["police", "große straße"]));
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].1.ends_with("STRAẞE police"), "{found:?}");
        assert!(found[1].1.contains("GROẞE STRAẞE"), "{found:?}");
        // "İstanbul" is a word of its own: its "i" with the combining dot is not "i".
        assert!(find_terms("İstanbul police", &terms(&["i"])).is_empty());
        assert_eq!(find_terms("İstanbul police", &terms(&["i\u{307}stanbul"])).len(), 1);
        // Greek final sigma matches the sigma a capital folds to.
        assert_eq!(find_terms("ΝΟΜΟΣ ΓΙΑ ΤΗΝ ΑΣΤΥΝΟΜΙΑ", &terms(&["νομος"])).len(), 1);
    }

    #[test]
    fn white_space_runs_count_as_one_space_in_text_and_term() {
        let text = "An act concerning\n\tinspector   general\u{a0}offices";
        let found = find_terms(text, &terms(&["Inspector general  offices", "concerning inspector"]));
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].1, "An act concerning inspector general offices");
        assert!(find_terms(text, &terms(&["  ", ""])).is_empty());
    }

    #[test]
    fn terms_match_only_whole_words_even_at_the_ends() {
        let text = "police reform for policemen and police";
        let found = find_terms(text, &terms(&["police", "men", "reform for"]));
        assert_eq!(found.iter().map(|f| f.0.as_str()).collect::<Vec<_>>(), ["police", "reform for"]);
        // At the very start and the very end, with nothing around them.
        assert_eq!(find_terms("police", &terms(&["police"]))[0].1, "police");
        assert_eq!(find_terms("Sweepstakes.", &terms(&["sweepstakes"]))[0].1, "Sweepstakes.");
        assert!(find_terms("a policeman", &terms(&["policeman s"])).is_empty());
        // A match that is not a whole word does not hide a later one that is.
        let found = find_terms("policemen police", &terms(&["police"]));
        assert_eq!(found, vec![("police".to_string(), "policemen police".to_string())]);
    }

    #[test]
    fn one_set_holds_many_owners_terms_and_finds_them_in_one_pass() {
        // Three coalitions; two watch the same term spelled differently.
        let mut list: Vec<(usize, String)> = (0..1000).map(|i| (2, format!("term{i}"))).collect();
        list.push((0, "Inspector General".into()));
        list.push((1, "inspector  general".into()));
        list.push((1, "delaware code".into()));
        list.push((0, "general".into()));
        let set = TermSet::new(list);
        assert!(!set.is_empty());
        let title = "AN ACT TO AMEND TITLE 29 OF THE DELAWARE CODE RELATING TO THE OFFICE OF INSPECTOR GENERAL term999";
        let found = set.find(title);
        let got: Vec<(usize, &str)> = found.iter().map(|m| (m.owner, m.term)).collect();
        assert_eq!(
            got,
            [(2, "term999"), (0, "Inspector General"), (1, "inspector  general"), (1, "delaware code"), (0, "general")]
        );
        assert!(found.iter().all(|m| m.snippet.contains(&title[title.len() - 40..])), "{found:?}");
        assert!(TermSet::new([(0, " ")]).is_empty());
        assert!(TermSet::new(Vec::<(usize, String)>::new()).find("anything").is_empty());
    }
}
