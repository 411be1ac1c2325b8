//! What changed between two versions of a bill's text, by section or by paragraph.
//!
//! A text is cut into units: when some paragraph starts with a section heading (`SECTION 1.`,
//! `Section 5.`, `SEC. 2.`, `Sec. 197.`, `§ 2.`, New York's `S 2.`; a line starting with one
//! starts a paragraph), each heading starts a unit that runs to the
//! next one (the paragraphs before the first heading, title and digest, are one unit without a
//! heading); otherwise each paragraph (blank-line separated, or each line in a text without
//! blank lines) is a unit. Units are compared with white space collapsed, so re-wrapped lines
//! are not changes.
//!
//! The two unit lists are aligned with a Myers diff (the `similar` crate). In a stretch that
//! differs, each old unit is paired with the new unit (after the last one paired) that shares
//! the most words with it, if that is about half of them (see `similarity`); an old unit left
//! over is then paired with a new one of the same heading between those pairs (the texts before
//! the first section count as having the same heading), or with the one new unit left between
//! the same pairs if they share a quarter of their wording. A pair is "changed", and carries a word-level rendering `[-old words-]{+new words+}`; unpaired old
//! units are "removed", unpaired new ones "added". A section renumbered by an inserted one is
//! therefore "changed" (its heading and text kept), not removed and added again.
//!
//! `summary` reads `"2 sections added, 1 removed, 3 changed; 5 unchanged"`: the non-zero counts
//! of added, removed and changed units in that order, the first with the unit's noun
//! (`section`/`sections`, `paragraph`/`paragraphs`), then the unchanged count; with nothing
//! changed it is `"no changes; 5 sections unchanged"`.

use super::marks;
use super::terms::find_terms;
use serde::{Deserialize, Serialize};
use similar::{Algorithm, ChangeTag, DiffOp};
use std::collections::HashMap;

/// The differences between two versions of a text (stored as JSON with the version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextDiff {
    /// `section` when the texts were cut at section headings, else `paragraph`.
    pub unit: String,
    /// A line for people, e.g. "2 sections added, 1 removed, 3 changed; 5 unchanged".
    pub summary: String,
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
    pub unchanged: usize,
    /// The units that differ, in the new text's order (removed ones where they were).
    pub hunks: Vec<Hunk>,
    /// Watched phrases found in the new text and not in the old.
    pub phrases_added: Vec<PhraseChange>,
    /// Watched phrases found in the old text and not in the new.
    pub phrases_removed: Vec<PhraseChange>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HunkKind {
    Added,
    Removed,
    Changed,
}

/// One unit that was added, removed or changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hunk {
    pub kind: HunkKind,
    /// The unit's heading ("SEC. 2."): the new one for added and changed units, the old one for
    /// removed units; `None` for paragraphs and the text before the first section.
    pub heading: Option<String>,
    /// A changed unit's old heading, when it differs (a renumbered section).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_heading: Option<String>,
    /// The old text (removed and changed units).
    pub old: Option<String>,
    /// The new text (added and changed units).
    pub new: Option<String>,
    /// Changed units: the new text with `[-removed words-]` and `{+added words+}` marked.
    pub inline: Option<String>,
}

/// A watched phrase and the text around it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhraseChange {
    pub phrase: String,
    /// About 60 characters either side of its first occurrence (in the text that has it).
    pub snippet: String,
}

/// A section or paragraph.
#[derive(Debug, Clone)]
struct Unit {
    heading: Option<String>,
    /// As stored, with the document's own marks of struck and inserted language.
    text: String,
    /// What it says once enacted ([`marks::live`]): what is compared.
    live: String,
    /// The live text with runs of white space as one space, lower case, for comparing.
    key: String,
}

/// How long the alignment of a text's units (sections, paragraphs) may take before `similar`
/// settles for a coarser one (runs of changes instead of the fewest): a bound for the worst case
/// (two long texts that share little), meant to be far above what real consecutive versions
/// need (see BENCHMARKS.md, "Version diffs").
const UNIT_DEADLINE: std::time::Duration = std::time::Duration::from_millis(500);
/// The same for the words of one changed unit.
const WORD_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(100);

/// The differences from `old` to `new`, with the `watched` phrases (matched as
/// [`find_terms`] does: case-insensitive, whole words, any white space) that appear or
/// disappear.
pub fn diff(old: &str, new: &str, watched: &[String]) -> TextDiff {
    let (old_units, old_sections) = units(old);
    let (new_units, new_sections) = units(new);
    let sections = old_sections || new_sections;
    let old_keys: Vec<&str> = old_units.iter().map(|u| u.key.as_str()).collect();
    let new_keys: Vec<&str> = new_units.iter().map(|u| u.key.as_str()).collect();
    let deadline = std::time::Instant::now() + UNIT_DEADLINE;
    let ops = similar::capture_diff_slices_deadline(Algorithm::Myers, &old_keys, &new_keys, Some(deadline));

    let mut hunks = Vec::new();
    let mut unchanged = 0;
    let (mut old_from, mut new_from) = (None::<usize>, None::<usize>);
    let flush = |old_range: std::ops::Range<usize>, new_range: std::ops::Range<usize>, hunks: &mut Vec<Hunk>| {
        pair_up(&old_units[old_range], &new_units[new_range], sections, hunks);
    };
    for op in &ops {
        match *op {
            DiffOp::Equal { old_index, new_index, len } => {
                if let (Some(o), Some(n)) = (old_from.take(), new_from.take()) {
                    flush(o..old_index, n..new_index, &mut hunks);
                }
                unchanged += len;
            }
            DiffOp::Delete { old_index, new_index, .. }
            | DiffOp::Insert { old_index, new_index, .. }
            | DiffOp::Replace { old_index, new_index, .. } => {
                old_from.get_or_insert(old_index);
                new_from.get_or_insert(new_index);
            }
        }
    }
    if let (Some(o), Some(n)) = (old_from, new_from) {
        flush(o..old_units.len(), n..new_units.len(), &mut hunks);
    }

    let count = |k: HunkKind| hunks.iter().filter(|h| h.kind == k).count();
    let (added, removed, changed) = (count(HunkKind::Added), count(HunkKind::Removed), count(HunkKind::Changed));
    let unit = if sections { "section" } else { "paragraph" };
    let (phrases_added, phrases_removed) = phrases(old, new, watched);
    TextDiff {
        unit: unit.to_string(),
        summary: summary(unit, added, removed, changed, unchanged),
        added,
        removed,
        changed,
        unchanged,
        hunks,
        phrases_added,
        phrases_removed,
    }
}

fn summary(unit: &str, added: usize, removed: usize, changed: usize, unchanged: usize) -> String {
    let noun = |n: usize| if n == 1 { unit.to_string() } else { format!("{unit}s") };
    let parts: Vec<(usize, &str)> =
        [(added, "added"), (removed, "removed"), (changed, "changed")].into_iter().filter(|(n, _)| *n > 0).collect();
    if parts.is_empty() {
        return format!("no changes; {unchanged} {} unchanged", noun(unchanged));
    }
    let listed: Vec<String> = parts
        .iter()
        .enumerate()
        .map(|(i, (n, verb))| if i == 0 { format!("{n} {} {verb}", noun(*n)) } else { format!("{n} {verb}") })
        .collect();
    format!("{}; {unchanged} unchanged", listed.join(", "))
}

/// Pairs the old and new units of a stretch that differs (see the module documentation):
/// first by wording, in order, the pairs sharing the most wording in all; then, between those
/// pairs, by heading.
fn pair_up(old: &[Unit], new: &[Unit], sections: bool, hunks: &mut Vec<Hunk>) {
    let new_words: Vec<HashMap<&str, usize>> = new.iter().map(|u| words(&u.key)).collect();
    let old_words: Vec<HashMap<&str, usize>> = old.iter().map(|u| words(&u.key)).collect();
    let mut matched = match_by_wording(&old_words, &new_words);
    // Paragraphs have no headings; the texts before the first section do, in effect: they are
    // the same slot.
    for i in 0..old.len() {
        if matched[i].is_some() || !(sections || old[i].heading.is_some()) {
            continue;
        }
        let from = matched[..i].iter().rev().flatten().next().map_or(0, |j| j + 1);
        let to = matched[i + 1..].iter().flatten().next().copied().unwrap_or(new.len());
        matched[i] = (from..to).find(|&j| new[j].heading == old[i].heading);
        // One old and one new unit alone between the same neighbours, sharing a quarter of
        // their wording: one unit, changed ("S 4. This act shall take effect immediately."
        // renumbered "S 3." with the page's footnote after it).
        let alone = |k: usize| {
            let before = matched[..k].iter().rposition(Option::is_some).map_or(0, |p| p + 1);
            let after = matched[k + 1..].iter().position(Option::is_some).map_or(old.len(), |p| k + 1 + p);
            after - before == 1
        };
        if matched[i].is_none() && to - from == 1 && alone(i) && similarity(&old_words[i], &new_words[from]) >= 0.25 {
            matched[i] = Some(from);
        }
    }
    let mut next_new = 0;
    for (o, m) in old.iter().zip(matched) {
        match m {
            Some(j) => {
                for added in &new[next_new..j] {
                    hunks.push(hunk(HunkKind::Added, None, Some(added)));
                }
                hunks.push(hunk(HunkKind::Changed, Some(o), Some(&new[j])));
                next_new = j + 1;
            }
            None => hunks.push(hunk(HunkKind::Removed, Some(o), None)),
        }
    }
    for added in &new[next_new..] {
        hunks.push(hunk(HunkKind::Added, None, Some(added)));
    }
}

fn hunk(kind: HunkKind, old: Option<&Unit>, new: Option<&Unit>) -> Hunk {
    let heading = new.or(old).and_then(|u| u.heading.clone());
    let old_heading = match (old, new) {
        (Some(o), Some(n)) if o.heading != n.heading => o.heading.clone(),
        _ => None,
    };
    let inline = match (old, new) {
        (Some(o), Some(n)) => Some(inline(&o.live, &n.live)),
        _ => None,
    };
    Hunk { kind, heading, old_heading, old: old.map(|u| u.text.clone()), new: new.map(|u| u.text.clone()), inline }
}

/// Word counts of a key (lower case).
fn words(key: &str) -> HashMap<&str, usize> {
    let mut m = HashMap::new();
    for w in key.split(' ').filter(|w| !w.is_empty()) {
        *m.entry(w).or_insert(0) += 1;
    }
    m
}

/// The order-keeping pairing of old and new units (each pair sharing at least about half its
/// wording) with the greatest total similarity: a dynamic program over the stretch, as for a
/// longest common subsequence. A stretch of more than 40,000 unit pairs is paired greedily.
fn match_by_wording(old: &[HashMap<&str, usize>], new: &[HashMap<&str, usize>]) -> Vec<Option<usize>> {
    let (m, n) = (old.len(), new.len());
    let mut matched = vec![None; m];
    if m * n > 40_000 {
        let mut next_new = 0;
        for (i, o) in old.iter().enumerate() {
            let best = (next_new..n)
                .map(|j| (j, similarity(o, &new[j])))
                .filter(|&(_, score)| score >= 0.5)
                .max_by(|a, b| a.1.total_cmp(&b.1));
            if let Some((j, _)) = best {
                matched[i] = Some(j);
                next_new = j + 1;
            }
        }
        return matched;
    }
    let score: Vec<Vec<f64>> = old
        .iter()
        .map(|o| new.iter().map(|w| similarity(o, w)).map(|s| if s >= 0.5 { s } else { 0.0 }).collect())
        .collect();
    // best[i][j]: the best total over old[i..] and new[j..].
    let mut best = vec![vec![0.0f64; n + 1]; m + 1];
    for i in (0..m).rev() {
        for j in (0..n).rev() {
            let pair = if score[i][j] > 0.0 { score[i][j] + best[i + 1][j + 1] } else { 0.0 };
            best[i][j] = pair.max(best[i + 1][j]).max(best[i][j + 1]);
        }
    }
    let (mut i, mut j) = (0, 0);
    while i < m && j < n {
        if score[i][j] > 0.0 && best[i][j] == score[i][j] + best[i + 1][j + 1] {
            matched[i] = Some(j);
            i += 1;
            j += 1;
        } else if best[i][j] == best[i + 1][j] {
            i += 1;
        } else {
            j += 1;
        }
    }
    matched
}

/// How much of their wording two texts share: the larger of the Dice coefficient
/// (2·common / (|a| + |b|)) and, for texts of 20 words or more, the share of the shorter one
/// found in the longer one, discounted (a section rewritten at greater length keeps most of
/// its words).
fn similarity(a: &HashMap<&str, usize>, b: &HashMap<&str, usize>) -> f64 {
    let (na, nb): (usize, usize) = (a.values().sum(), b.values().sum());
    if na + nb == 0 {
        return 1.0;
    }
    let common: usize = a.iter().map(|(w, n)| (*n).min(b.get(w).copied().unwrap_or(0))).sum();
    let dice = 2.0 * common as f64 / (na + nb) as f64;
    let shorter = na.min(nb);
    if shorter >= 20 { dice.max(0.75 * common as f64 / shorter as f64) } else { dice }
}

/// The new text with removed words as `[-…-]` and added ones as `{+…+}`, white space within a
/// paragraph collapsed (paragraphs stay on their own lines).
fn inline(old: &str, new: &str) -> String {
    let (old, new) = (collapse_lines(old), collapse_lines(new));
    let d = similar::TextDiff::configure().algorithm(Algorithm::Myers).timeout(WORD_TIMEOUT).diff_words(&old, &new);
    let mut out = String::with_capacity(new.len() + 64);
    let (mut del, mut ins) = (String::new(), String::new());
    // White space seen inside a run of changes: since the last deleted word, since the last
    // inserted word, since the last change of either kind.
    let (mut ws_del, mut ws_ins, mut ws_tail) = (String::new(), String::new(), String::new());
    let flush = |out: &mut String, del: &mut String, ins: &mut String, tail: &mut String| {
        if !del.is_empty() {
            out.push_str(&format!("[-{del}-]"));
        }
        if !ins.is_empty() {
            out.push_str(&format!("{{+{ins}+}}"));
        }
        out.push_str(tail);
        del.clear();
        ins.clear();
        tail.clear();
    };
    for change in d.iter_all_changes() {
        let v = change.value();
        let in_run = !del.is_empty() || !ins.is_empty();
        match change.tag() {
            ChangeTag::Equal if in_run && v.trim().is_empty() && !v.contains('\n') => {
                ws_del.push_str(v);
                ws_ins.push_str(v);
                ws_tail.push_str(v);
            }
            ChangeTag::Equal => {
                flush(&mut out, &mut del, &mut ins, &mut ws_tail);
                ws_del.clear();
                ws_ins.clear();
                out.push_str(v);
            }
            ChangeTag::Delete => {
                if !del.is_empty() {
                    del.push_str(&ws_del);
                }
                ws_del.clear();
                ws_tail.clear();
                del.push_str(v);
            }
            ChangeTag::Insert => {
                if !ins.is_empty() {
                    ins.push_str(&ws_ins);
                }
                ws_ins.clear();
                ws_tail.clear();
                ins.push_str(v);
            }
        }
    }
    flush(&mut out, &mut del, &mut ins, &mut ws_tail);
    close_at_line_ends(&out)
}

/// A marked run that spans paragraphs is closed at each line end and reopened on the next line,
/// so every line reads on its own.
fn close_at_line_ends(marked: &str) -> String {
    let mut out = String::with_capacity(marked.len() + 16);
    let mut open: Option<(&str, &str)> = None;
    let mut rest = marked;
    while let Some(c) = rest.chars().next() {
        let two = rest.get(..2).unwrap_or_default();
        match (two, open) {
            ("[-", None) => open = Some(("[-", "-]")),
            ("{+", None) => open = Some(("{+", "+}")),
            ("-]", Some(("[-", _))) | ("+}", Some(("{+", _))) => open = None,
            _ => {}
        }
        if c == '\n'
            && let Some((start, end)) = open
        {
            out.push_str(end);
            out.push('\n');
            out.push_str(start);
            rest = &rest[1..];
            continue;
        }
        let step = if matches!(two, "[-" | "{+" | "-]" | "+}") { 2 } else { c.len_utf8() };
        out.push_str(&rest[..step]);
        rest = &rest[step..];
    }
    out.replace("[--]", "").replace("{++}", "")
}

/// Each paragraph on one line, white space collapsed.
fn collapse_lines(text: &str) -> String {
    paragraphs(text).iter().map(|p| collapse(p)).collect::<Vec<_>>().join("\n")
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Paragraphs: blank-line separated; in a text without blank lines, lines.
fn paragraphs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    let mut blank_lines = false;
    for line in text.lines() {
        if line.trim().is_empty() {
            blank_lines = true;
            if !current.is_empty() {
                out.push(current.join("\n"));
                current.clear();
            }
        } else {
            // A section heading starts a paragraph even without a blank line before it (New
            // York's and LegiScan's California texts run their sections together).
            if !current.is_empty() && heading(&marks::live(line)).is_some() {
                out.push(current.join("\n"));
                current.clear();
            }
            current.push(line.trim_end());
        }
    }
    if !current.is_empty() {
        out.push(current.join("\n"));
    }
    if !blank_lines && out.len() == 1 {
        return out[0].lines().map(str::to_string).collect();
    }
    out
}

/// A section heading at the start of a paragraph: "SECTION 1.", "Section 5.", "SEC. 1.5.",
/// "Sec. 5-45.", "§ 2.", "S 2." (New York's older plain texts).
fn heading(paragraph: &str) -> Option<String> {
    // A heading inside the document's own marks (an added section: "{++Sec. 197.").
    let p = paragraph
        .trim_start()
        .trim_start_matches(super::marks::INSERTED_OPEN)
        .trim_start_matches(super::marks::STRUCK_OPEN);
    let lower = p.to_ascii_lowercase();
    // "S 2." is New York's "§ 2." in its older plain texts.
    let rest_at = ["section", "sec.", "§", "s "].iter().find_map(|w| lower.starts_with(w).then_some(w.len()))?;
    if lower.starts_with("s ") && !p.starts_with("S ") {
        return None;
    }
    let rest = &p[rest_at..];
    let number = rest.trim_start();
    let number_at = p.len() - number.len();
    // The number: digits, then letters, digits, dots and hyphens, ending with a dot.
    if !number.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let mut end = None;
    for (i, c) in number.char_indices() {
        if c == '.' {
            let after = number[i + 1..].chars().next();
            if after.is_none_or(char::is_whitespace) {
                end = Some(i + 1);
                break;
            }
        } else if !(c.is_ascii_alphanumeric() || c == '-') {
            break;
        }
    }
    let end = end?;
    // "Section 5 of" is a reference; "Sec. 2." is a heading. Words right after the number
    // ("SEC. 2. Section 3 is amended") belong to the text.
    Some(collapse(&p[..number_at + end]))
}

/// A text's units, and whether they are sections. Units are cut and compared by what the
/// text says once enacted: a paragraph the document strikes whole is not one.
fn units(text: &str) -> (Vec<Unit>, bool) {
    let paragraphs: Vec<String> = paragraphs(text).into_iter().filter(|p| !marks::live(p).trim().is_empty()).collect();
    let headings: Vec<Option<String>> = paragraphs.iter().map(|p| heading(&marks::live(p))).collect();
    let make = |heading: Option<String>, text: String| {
        let live = marks::live(&text).into_owned();
        let key = collapse(&live).to_lowercase();
        Unit { heading, text, live, key }
    };
    if headings.iter().all(Option::is_none) {
        return (paragraphs.into_iter().map(|p| make(None, p)).collect(), false);
    }
    let mut out: Vec<Unit> = Vec::new();
    let mut current: Option<(Option<String>, Vec<String>)> = None;
    for (p, h) in paragraphs.into_iter().zip(headings) {
        match (h, &mut current) {
            (Some(h), _) => {
                if let Some((head, ps)) = current.take() {
                    out.push(make(head, ps.join("\n\n")));
                }
                current = Some((Some(h), vec![p]));
            }
            (None, Some((_, ps))) => ps.push(p),
            (None, None) => current = Some((None, vec![p])),
        }
    }
    if let Some((head, ps)) = current {
        out.push(make(head, ps.join("\n\n")));
    }
    (out, true)
}

/// Watched phrases in one text and not the other, struck language aside (a phrase a version
/// strikes is removed).
fn phrases(old: &str, new: &str, watched: &[String]) -> (Vec<PhraseChange>, Vec<PhraseChange>) {
    let in_old = find_terms(&marks::live(old), watched);
    let in_new = find_terms(&marks::live(new), watched);
    let absent = |found: &[(String, String)], phrase: &str| !found.iter().any(|(p, _)| p == phrase);
    let added = in_new
        .iter()
        .filter(|(p, _)| absent(&in_old, p))
        .map(|(p, s)| PhraseChange { phrase: p.clone(), snippet: s.clone() })
        .collect();
    let removed = in_old
        .iter()
        .filter(|(p, _)| absent(&in_new, p))
        .map(|(p, s)| PhraseChange { phrase: p.clone(), snippet: s.clone() })
        .collect();
    (added, removed)
}

/// The diff as plain text for an email body, at most `max_chars` characters (whole hunks
/// while they fit, then a line saying how many were left out).
pub fn render_text(diff: &TextDiff, max_chars: usize) -> String {
    let mut head = format!("Changes: {}\n", diff.summary);
    for p in &diff.phrases_added {
        head.push_str(&format!("Watched phrase added: \"{}\": {}\n", p.phrase, p.snippet));
    }
    for p in &diff.phrases_removed {
        head.push_str(&format!("Watched phrase removed: \"{}\": {}\n", p.phrase, p.snippet));
    }
    let mut out = truncate(&head, max_chars);
    for (i, h) in diff.hunks.iter().enumerate() {
        let name = match (&h.heading, &h.old_heading) {
            (Some(new), Some(old)) => format!("{new} (was {old})"),
            (Some(new), None) => new.clone(),
            (None, _) if diff.unit == "section" => "Text before the first section".to_string(),
            (None, _) => "A paragraph".to_string(),
        };
        let block = match h.kind {
            HunkKind::Added => format!("\n+ Added: {name}\n{}\n", indent(h.new.as_deref().unwrap_or_default())),
            HunkKind::Removed => format!("\n- Removed: {name}\n{}\n", indent(h.old.as_deref().unwrap_or_default())),
            HunkKind::Changed => {
                format!("\n~ Changed: {name}\n{}\n", indent(&changed_lines(h.inline.as_deref().unwrap_or_default())))
            }
        };
        let left = diff.hunks.len() - i;
        let note = format!("\n({left} more {} not shown)\n", if left == 1 { "change" } else { "changes" });
        if out.chars().count() + block.chars().count() + note.chars().count() <= max_chars {
            out.push_str(&block);
        } else {
            // The note if it fits, else as much of the block as fits.
            let room = max_chars.saturating_sub(out.chars().count());
            if note.chars().count() <= room {
                out.push_str(&note);
            } else {
                out.push_str(&truncate(&block, room));
            }
            break;
        }
    }
    out
}

/// The paragraphs of an inline rendering that hold a change, the others as one "…" a run.
fn changed_lines(inline: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for line in inline.lines() {
        if line.contains("[-") || line.contains("{+") {
            out.push(line);
        } else if out.last() != Some(&"…") {
            out.push("…");
        }
    }
    out.join("\n")
}

fn indent(text: &str) -> String {
    text.lines().map(|l| if l.is_empty() { String::new() } else { format!("  {l}") }).collect::<Vec<_>>().join("\n")
}

/// The first `max` characters of `s`, ending in "…" when cut.
fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    if max > 0 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::extract;

    /// The extracted text of a fixture.
    fn text(path: &str) -> String {
        let full = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
        let bytes = std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"));
        extract(None, path, &bytes).text.unwrap()
    }

    fn watched(phrases: &[&str]) -> Vec<String> {
        phrases.iter().map(|p| p.to_string()).collect()
    }

    fn outline(d: &TextDiff) -> Vec<(HunkKind, Option<&str>, Option<&str>)> {
        d.hunks.iter().map(|h| (h.kind, h.heading.as_deref(), h.old_heading.as_deref())).collect()
    }

    #[test]
    fn california_sb2_1999_amended_adds_two_sections_before_the_old_ones() {
        // SB 2 (1999) as introduced (version 99: SECTION 1 adds the exit examination chapter,
        // SEC. 2 appropriates $2,000,000, SEC. 3 is the mandates clause) and as amended in the
        // Senate on 1999-02-23 (version 98: a new SECTION 1 amends Education Code 37252 on
        // summer school, a new SEC. 2 repeals Article 2.5, the old three become SEC. 3 to 5).
        let old = text("ca-pubinfo/1999-2000/BILL_VERSION_TBL_11.lob");
        let new = text("ca-pubinfo/1999-2000/BILL_VERSION_TBL_12.lob");
        let d = diff(&old, &new, &watched(&["summer school", "high school exit examination", "GOALS 2000"]));
        assert_eq!(d.summary, "2 sections added, 4 changed; 0 unchanged");
        assert_eq!((d.unit.as_str(), d.added, d.removed, d.changed, d.unchanged), ("section", 2, 0, 4, 0));
        use HunkKind::*;
        assert_eq!(
            outline(&d),
            [
                (Changed, None, None),
                (Added, Some("SECTION 1."), None),
                (Added, Some("SEC. 2."), None),
                (Changed, Some("SEC. 3."), Some("SECTION 1.")),
                (Changed, Some("SEC. 4."), Some("SEC. 2.")),
                (Changed, Some("SEC. 5."), Some("SEC. 3.")),
            ]
        );
        // The hunks keep the print's marks: the amended-in language is marked as inserted.
        let added = d.hunks[1].new.as_deref().unwrap();
        assert!(
            added.starts_with("SECTION 1.\n\n{++Section 37252 of the Education Code is amended to read:++}"),
            "{added}"
        );
        let added = marks::live(added);
        assert!(added.starts_with("SECTION 1.\n\nSection 37252 of the Education Code is amended to read:"), "{added}");
        assert_eq!(
            d.hunks[2].new.as_deref().map(|t| marks::live(t).into_owned()).as_deref(),
            Some(
                "SEC. 2.\n\nArticle 2.5 (commencing with Section 51215) of Chapter 2 of Part 28 of the Education Code \
                 is repealed."
            )
        );
        assert!(d.hunks[3].old.as_deref().unwrap().contains("Chapter 8 (commencing with Section 60850) is added"));
        // The title gained the two new operations.
        let title = d.hunks[0].inline.as_deref().unwrap().lines().next().unwrap();
        assert!(title.starts_with("An act to {+amend Section 37252 of, to +}add Chapter 8"), "{title}");
        // "summer school" is new; the exit examination and GOALS 2000 are in both.
        assert_eq!(d.phrases_added.iter().map(|p| p.phrase.as_str()).collect::<Vec<_>>(), ["summer school"]);
        assert!(d.phrases_added[0].snippet.to_lowercase().contains("summer school"));
        assert!(d.phrases_removed.is_empty());
    }

    #[test]
    fn california_sb275_2025_drops_its_mandate_section() {
        // SB 275 (2025), Senate amendments of version 98 and then 97: the second strikes SEC. 2
        // (reimbursement of state-mandated costs) and the digest's state-mandated local program,
        // and adds the Legislature's intent to streamline continued eligibility.
        let old = text("ca-pubinfo/2025-2026/BILL_VERSION_TBL_6255.lob");
        let new = text("ca-pubinfo/2025-2026/BILL_VERSION_TBL_7663.lob");
        let phrases =
            watched(&["state-mandated local program", "intent of the Legislature", "eligible training provider"]);
        let d = diff(&old, &new, &phrases);
        assert_eq!(d.summary, "1 section removed, 2 changed; 0 unchanged");
        use HunkKind::*;
        assert_eq!(
            outline(&d),
            [(Changed, None, None), (Changed, Some("SECTION 1."), None), (Removed, Some("SEC. 2."), None)]
        );
        let removed = d.hunks[2].old.as_deref().unwrap();
        assert!(removed.starts_with(
            "SEC. 2.\n\nIf the Commission on State Mandates determines that this act contains costs mandated by the state"
        ));
        assert_eq!(d.hunks[2].new, None);
        let digest = d.hunks[0].inline.as_deref().unwrap();
        assert!(digest.contains("once every [-two-]{+2+} fiscal years"), "{digest}");
        assert!(digest.contains("Local program: [-yes-]{+no+}"), "{digest}");
        assert!(d.hunks[1].inline.as_deref().unwrap().contains("{+(2) It is+} the"));
        let names = |v: &[PhraseChange]| v.iter().map(|p| p.phrase.clone()).collect::<Vec<_>>();
        assert_eq!(names(&d.phrases_removed), ["state-mandated local program"]);
        assert_eq!(names(&d.phrases_added), ["intent of the Legislature"]);
        assert!(
            d.phrases_added[0].snippet.contains("It is the intent of the Legislature in enacting this subdivision")
        );

        // Stored as JSON and read back.
        let json = serde_json::to_string(&d).unwrap();
        assert!(json.contains(r#""kind":"removed""#) && !json.contains("old_heading"));
        assert_eq!(serde_json::from_str::<TextDiff>(&json).unwrap(), d);

        // The email body: the summary, the phrases, the changed paragraphs only.
        let body = render_text(&d, 10_000);
        assert!(body.starts_with(
            "Changes: 1 section removed, 2 changed; 0 unchanged\n\
             Watched phrase added: \"intent of the Legislature\": "
        ));
        assert!(body.contains("\nWatched phrase removed: \"state-mandated local program\": "));
        assert!(
            body.contains("\n~ Changed: SECTION 1.\n  …\n  (e) (1) {+(A) +}An approved training provider"),
            "{body}"
        );
        assert!(body.contains("\n- Removed: SEC. 2.\n  SEC. 2.\n\n  If the Commission on State Mandates"));
        assert!(
            !body.contains("(a) The California Workforce Development Board, in collaboration"),
            "unchanged paragraph"
        );
        // Cut to fit: whole hunks, then how many were left out.
        let short = render_text(&d, 700);
        assert!(short.chars().count() <= 700, "{short}");
        assert!(short.ends_with("\n(3 more changes not shown)\n"), "{short}");
        assert!(render_text(&d, 20).chars().count() <= 20);
    }

    #[test]
    fn illinois_hb1075_engrossed_loses_only_its_synopsis() {
        // The engrossed print has no synopsis page; Section 5 and Sec. 197 did not change.
        let old = text("state-html/il/HB1075/bill_content_Introduced.html");
        let new = text("state-html/il/HB1075/bill_content_Engrossed.html");
        let d = diff(&old, &new, &watched(&["Diwali", "Festival of Lights"]));
        assert_eq!(d.summary, "1 section changed; 2 unchanged");
        assert_eq!(outline(&d), [(HunkKind::Changed, None, None)]);
        let inline = d.hunks[0].inline.as_deref().unwrap();
        assert!(
            inline.starts_with(
                "[-104TH GENERAL ASSEMBLY State of Illinois 2025 and 2026 HB1075-]\n[-Introduced 1/9/2025"
            ),
            "{inline}"
        );
        assert!(inline.ends_with("\nAN ACT concerning government.\nBe it enacted by the People of the State of Illinois, represented in the General Assembly:"));
        // "Festival of Lights" was only in the synopsis (the bill says "festival of lights",
        // which matches too: phrases are case-insensitive), so nothing is added or removed.
        assert!(d.phrases_added.is_empty() && d.phrases_removed.is_empty());
        assert_eq!(diff(&old, &old, &[]).summary, "no changes; 3 sections unchanged");
    }

    #[test]
    fn new_york_s609_amendment_a_drops_the_continuing_education_section() {
        // OpenLegislation's full texts of S609 (2017) and S609-A: no blank lines between
        // sections, "S 2." for "§ 2.". A drops S 2 (continuing education, section 444-f) and
        // subdivision 3 of 444-l; old S 3 and S 4 become S 2 and S 3; Section 1 is the same.
        let path = format!("{}/tests/fixtures/state-api/ny-openleg/S609-2017.json", env!("CARGO_MANIFEST_DIR"));
        let json: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        let amendments = &json["result"]["amendments"]["items"];
        let (old, new) = (amendments[""]["fullText"].as_str().unwrap(), amendments["A"]["fullText"].as_str().unwrap());
        let d = diff(old, new, &watched(&["continuing education", "home inspector"]));
        assert_eq!(d.summary, "1 section removed, 4 changed; 1 unchanged");
        use HunkKind::*;
        assert_eq!(
            outline(&d),
            [
                (Changed, None, None),
                (Removed, Some("S 2."), None),
                (Changed, Some("S 2."), Some("S 3.")),
                (Changed, Some("S 444-l."), None),
                (Changed, Some("S 3."), Some("S 4.")),
            ]
        );
        assert!(d.hunks[1].old.as_deref().unwrap().starts_with("  S 2. Subdivision 1 of section 444-f"));
        let inline = d.hunks[3].inline.as_deref().unwrap();
        assert!(
            inline.contains("\n[-3. THE SECRETARY SHALL ESTABLISH RULES AND REGULATIONS PERTAINING TO-]\n"),
            "{inline}"
        );
        assert!(
            d.hunks[4].inline.as_deref().unwrap().starts_with("S [-4.-]{+3.+} This act shall take effect immediately.")
        );
        let removed: Vec<&str> = d.phrases_removed.iter().map(|p| p.phrase.as_str()).collect();
        assert_eq!(removed, ["continuing education"]);
        assert!(d.phrases_added.is_empty());
    }

    #[test]
    fn paragraphs_when_there_are_no_sections_and_white_space_is_not_a_change() {
        // The sponsor's memo of New York S434 has no section headings: paragraphs.
        let page = text("state-html/ny/2015-S434-20180510T154604.html");
        let memo = &page[page.find("{++BILL NUMBER:++} S434").unwrap()..];
        let rewrapped = memo.replace(" the ", "\nthe ");
        let d = diff(memo, &rewrapped, &[]);
        assert_eq!(d.unit, "paragraph");
        assert!(d.summary.starts_with("no changes; ") && d.summary.ends_with(" paragraphs unchanged"), "{}", d.summary);
        let edited = memo.replace("sixtieth day", "thirtieth day");
        let d = diff(memo, &edited, &watched(&["thirtieth day"]));
        assert_eq!((d.changed, d.added, d.removed), (1, 0, 0));
        assert!(d.summary.starts_with("1 paragraph changed; "));
        assert!(d.hunks[0].inline.as_deref().unwrap().contains("on the [-sixtieth-]{+thirtieth+} day after"));
        assert_eq!(d.phrases_added.len(), 1);
    }

    #[test]
    fn a_watched_phrase_a_version_strikes_is_removed_and_marks_alone_are_no_change() {
        let old = "SECTION 1.\n\nThe Committee on State and Local Government and Veterans hears the bill.";
        let new = "SECTION 1.\n\nThe Committee on State and Local Government {--and Veterans--} hears the bill.";
        let d = diff(old, new, &watched(&["Local Government and Veterans"]));
        assert_eq!(
            d.phrases_removed.iter().map(|p| p.phrase.as_str()).collect::<Vec<_>>(),
            ["Local Government and Veterans"]
        );
        assert_eq!(d.summary, "1 section changed; 0 unchanged");
        assert_eq!(d.hunks[0].new.as_deref(), Some(new), "the hunk keeps the print's marks");
        let inline = d.hunks[0].inline.as_deref().unwrap();
        assert!(inline.contains("Government [-and Veterans -]hears"), "{inline}");
        // Language newly underlined (the same words, now marked as added) is not a change.
        let marked = "SECTION 1.\n\n{++The Committee on State and Local Government and Veterans hears the bill.++}";
        assert_eq!(diff(old, marked, &[]).summary, "no changes; 1 section unchanged");
    }

    #[test]
    fn section_headings() {
        for (paragraph, expected) in [
            ("SECTION 1.", Some("SECTION 1.")),
            ("SEC. 1.5. Section 2 is amended", Some("SEC. 1.5.")),
            ("Section 5. The State Commemorative Dates Act", Some("Section 5.")),
            ("Sec. 197. Diwali Day.", Some("Sec. 197.")),
            ("Sec. 5-45. Definitions.", Some("Sec. 5-45.")),
            ("§ 399-ppp. Prohibition", Some("§ 399-ppp.")),
            ("Section 5 of the Act", None),
            ("Section 197 as follows:", None),
            ("Sections 1.", None),
            ("(5 ILCS 490/197 new)", None),
            ("SEC.", None),
            ("  S 2. Subdivision 1 of section 444-f", Some("S 2.")),
            ("S. 2. is", None),
            ("s 2. lower case", None),
        ] {
            assert_eq!(heading(paragraph).as_deref(), expected, "{paragraph}");
        }
    }
}
