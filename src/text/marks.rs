//! How a stored text marks the language a bill strikes from current law and the language it
//! adds: CriticMarkup's deletion and addition marks, `{--struck--}` and `{++inserted++}`.
//!
//! These are the document's own marks (`<s>`, `<u>`, `<del>`, `<ins>`, CSS classes, California's
//! CAML deletion and insertion marks), kept as the legislature printed them; they are not the
//! diff between two versions (`[-…-]` / `{+…+}` in `version_diffs`). A mark never spans two
//! paragraphs (or two lines of a paragraph): the extractors close it at a line end and reopen
//! it on the next.
//!
//! What the text says once the bill is law ([`live`]: struck language gone, inserted kept) is
//! what search indexes and what watched phrases are looked for in.

use std::borrow::Cow;

pub const STRUCK_OPEN: &str = "{--";
pub const STRUCK_CLOSE: &str = "--}";
pub const INSERTED_OPEN: &str = "{++";
pub const INSERTED_CLOSE: &str = "++}";

/// Whether `text` holds any mark.
pub fn has_marks(text: &str) -> bool {
    // Most texts have no brace at all: one byte scan settles them.
    text.as_bytes().contains(&b'{') && (text.contains(STRUCK_OPEN) || text.contains(INSERTED_OPEN))
}

/// The text without its struck language and without the marks around inserted language. A
/// struck run's place becomes one space (words on either side stay apart), runs of spaces
/// left by it are collapsed.
pub fn live(text: &str) -> Cow<'_, str> {
    if !has_marks(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let struck = rest.find(STRUCK_OPEN);
        let inserted = rest.find(INSERTED_OPEN);
        let next = match (struck, inserted) {
            (Some(s), Some(i)) => Some(s.min(i)),
            (s, i) => s.or(i),
        };
        let Some(at) = next else {
            out.push_str(rest);
            break;
        };
        out.push_str(&rest[..at]);
        let after = &rest[at + 3..];
        if Some(at) == struck {
            match after.find(STRUCK_CLOSE) {
                Some(end) => {
                    if !out.ends_with([' ', '\n']) && !out.is_empty() {
                        out.push(' ');
                    }
                    rest = after[end + 3..].trim_start_matches(' ');
                }
                // An unclosed mark is text.
                None => {
                    out.push_str(&rest[at..]);
                    break;
                }
            }
        } else {
            match after.find(INSERTED_CLOSE) {
                Some(end) => {
                    out.push_str(&after[..end]);
                    rest = &after[end + 3..];
                }
                None => {
                    out.push_str(&rest[at..]);
                    break;
                }
            }
        }
    }
    // A struck run at a line end leaves a trailing space; one that was a whole paragraph
    // leaves an empty one.
    let lines: Vec<&str> = out.split('\n').map(str::trim_end).collect();
    Cow::Owned(super::extract::normalize(&lines.join("\n")))
}

/// What search indexes for a text: `None` when the text has no marks (the text itself is
/// indexed), else [`live`].
pub fn searchable(text: &str) -> Option<String> {
    has_marks(text).then(|| live(text).into_owned())
}

/// The characters of a text as printed: the marks' own characters not counted (struck language
/// is printed, so it counts).
pub fn printed_width(text: &str) -> usize {
    let chars = text.chars().count();
    if !text.as_bytes().contains(&b'{') {
        return chars;
    }
    let marks = [STRUCK_OPEN, STRUCK_CLOSE, INSERTED_OPEN, INSERTED_CLOSE]
        .iter()
        .map(|m| text.matches(m).count())
        .sum::<usize>();
    chars.saturating_sub(3 * marks)
}

/// Whether [`tidy`] has anything to do: a mark closed and the same one opened right after
/// (or after one space), or a mark with white space just inside it.
fn untidy(text: &str) -> bool {
    let b = text.as_bytes();
    b.windows(4).any(|w| {
        (w[..3] == *b"++}" || w[..3] == *b"--}") && (w[3] == b'{' || w[3] == b' ')
            || (w[0] == b'{'
                && (w[1..3] == *b"++" || w[1..3] == *b"--")
                && (w[3] == b' ' || w[3] == b'+' || w[3] == b'-'))
            || (w[0] == b' ' && (w[1..] == *b"++}" || w[1..] == *b"--}"))
    })
}

/// Adjacent runs of the same mark joined (`{++a++} {++b++}` → `{++a b++}`), marks holding only
/// white space dropped (their white space kept).
pub fn tidy(text: &str) -> Cow<'_, str> {
    if !has_marks(text) || !untidy(text) {
        return Cow::Borrowed(text);
    }
    let mut s = text.to_string();
    for (open, close) in [(STRUCK_OPEN, STRUCK_CLOSE), (INSERTED_OPEN, INSERTED_CLOSE)] {
        s = s.replace(&format!("{close}{open}"), "").replace(&format!("{close} {open}"), " ");
        // A mark around white space only.
        let mut out = String::with_capacity(s.len());
        let mut rest = s.as_str();
        while let Some(at) = rest.find(open) {
            let after = &rest[at + open.len()..];
            match after.find(close) {
                Some(end) if after[..end].trim().is_empty() => {
                    out.push_str(&rest[..at]);
                    out.push_str(if after[..end].is_empty() { "" } else { " " });
                    rest = &after[end + close.len()..];
                }
                _ => {
                    out.push_str(&rest[..at + open.len()]);
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        s = out;
    }
    // Marks just inside a run of spaces: the spaces outside them.
    for open in [STRUCK_OPEN, INSERTED_OPEN] {
        s = s.replace(&format!("{open} "), &format!(" {open}"));
    }
    for close in [STRUCK_CLOSE, INSERTED_CLOSE] {
        s = s.replace(&format!(" {close}"), &format!("{close} "));
    }
    Cow::Owned(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_text_drops_struck_language_and_keeps_inserted() {
        assert_eq!(live("every {--two--} {++2++} fiscal years"), "every 2 fiscal years");
        assert_eq!(live("plain"), "plain");
        assert_eq!(live("a{--b--}c"), "a c");
        assert_eq!(live("{--SEC. 2. Struck whole.--}\n\nSEC. 3. Kept."), "SEC. 3. Kept.");
        assert_eq!(live("unclosed {--mark"), "unclosed {--mark");
        assert_eq!(searchable("no marks"), None);
        assert_eq!(searchable("{++new++} law").as_deref(), Some("new law"));
    }

    #[test]
    fn tidy_joins_runs_and_drops_empty_marks() {
        assert_eq!(tidy("{++(1)++}{++ ++}{++ ++}{++\"Court\" means++}"), "{++(1)  \"Court\" means++}");
        assert_eq!(tidy("{++a++} {++b++}"), "{++a b++}");
        assert_eq!(tidy("x{++++}y"), "xy");
        assert_eq!(tidy("the {++ new ++} law"), "the  {++new++}  law");
    }
}
