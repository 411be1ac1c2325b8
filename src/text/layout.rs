//! Paragraphs out of printed lines. Legislatures publish bills as they were printed: numbered
//! lines in a margin (`1.3`, `12`), page headers and footers, and sentences wrapped wherever
//! the line ran out. The extractors (HTML, PDF, plain text) hand over blocks of lines; here
//! a block that looks printed gets its line numbers and page furniture removed and its
//! wrapped lines joined into paragraphs, with section headings and enumerated subdivisions
//! kept as paragraphs of their own (so diffs still pair sections). A block that does not
//! look printed (an address, a table of actions) keeps its lines.
//!
//! The signals, none tied to one legislature:
//! - line numbers: a run of lines that start with `n`, `n+1`, … (or `page.line`), each
//!   number possibly glued to the word after it (`1.3WHEREAS`);
//! - page furniture: short lines that recur with only their digits changed (`HB0001 - 2 -
//!   LRB104 …`), and lines that are only a page number;
//! - wrapping: a line that does not end a sentence followed by one that starts in lower case;
//!   a paragraph starts on an indented line, after a short line that ends a sentence, at a
//!   centered or bold line (a heading), and at an enumerator (`(a)`, `Sec. 2.`, `WHEREAS`)
//!   after a line that ends a sentence or clause.

use super::marks;
use regex::Regex;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// One line as laid out: its raw text (white space as it was: leading spaces and no-break
/// spaces are the indentation) and what the markup said about it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Line {
    pub text: String,
    /// Centered (`<center>`, `align="center"`, `text-align: center`): a heading.
    pub centered: bool,
    /// Every character of the line is bold: a heading.
    pub bold: bool,
}

impl Line {
    pub fn new(text: impl Into<String>) -> Line {
        Line { text: text.into(), ..Default::default() }
    }
}

/// Lines between hard paragraph boundaries (a blank line, an HTML block element).
pub type Block = Vec<Line>;

/// A line once its number is gone: indentation and collapsed text.
#[derive(Debug, Clone)]
struct Laid {
    text: String,
    indent: usize,
    centered: bool,
    bold: bool,
    /// Characters, marks aside.
    width: usize,
}

/// The paragraphs of `blocks`: printed blocks reflowed, others with their lines kept (joined
/// by `\n` into one paragraph). `always` treats every block of two lines or more as printed
/// (a document known to be a print: a PDF).
pub fn paragraphs(blocks: Vec<Block>, always: bool) -> Vec<String> {
    let furniture = furniture(&blocks);
    let blocks: Vec<Block> = blocks
        .into_iter()
        .map(|b| b.into_iter().filter(|l| !l.text.trim().is_empty()).collect::<Block>())
        .filter(|b| !b.is_empty())
        .collect();
    // Line numbers run on across blocks (a PDF's blank lines, a page's tables).
    let flat: Vec<&str> = blocks.iter().flatten().map(|l| l.text.as_str()).collect();
    let numbers = line_numbers(&flat);
    let mut next_line = 0;
    let mut laid: Vec<(Vec<Laid>, bool)> = Vec::with_capacity(blocks.len());
    for block in blocks {
        let first = next_line;
        next_line += block.len();
        let numbered: Option<Vec<Option<usize>>> =
            numbers.as_ref().map(|n| n[first..first + block.len()].to_vec()).filter(|n| n.iter().any(Option::is_some));
        let mut lines = Vec::with_capacity(block.len());
        for (i, line) in block.iter().enumerate() {
            let raw = match numbered.as_ref().and_then(|n| n[i]) {
                Some(cut) => &line.text.trim_start()[cut..],
                None => line.text.as_str(),
            };
            let indent = raw.chars().take_while(|c| c.is_whitespace()).count();
            let mut text = collapse(raw);
            let digits = text.bytes().any(|b| b.is_ascii_digit());
            // A number glued to the word after it at a line start ("4.1The President", as
            // the page has it): the number's own word.
            if text.starts_with(|c: char| c.is_ascii_digit())
                && let Some(m) = GLUED.captures(&text)
            {
                let at = m.get(1).map_or(0, |g| g.end());
                text.insert(at, ' ');
            }
            if text.is_empty() || (digits && !furniture.is_empty() && furniture.contains(&shape(&text))) {
                continue;
            }
            if digits && numbered.is_some() && text.len() <= 24 && PAGE_NUMBER.is_match(&text) {
                continue;
            }
            let width = marks::printed_width(&text);
            lines.push(Laid { text, indent, centered: line.centered, bold: line.bold, width });
        }
        if lines.is_empty() {
            continue;
        }
        let printed = numbered.is_some() || (lines.len() >= 2 && (always || wrapped(&lines)));
        laid.push((lines, printed));
    }
    // The full width of a printed line: from the block when it is long enough, else from
    // every printed line of the document.
    let all: Vec<usize> = laid.iter().filter(|(_, p)| *p).flat_map(|(l, _)| l.iter().map(|l| l.width)).collect();
    let document_width = percentile(all, 0.9);
    let vocabulary = Vocabulary { laid: &laid, words: std::cell::OnceCell::new() };
    let mut out: Vec<String> = Vec::new();
    // Whether the last paragraph ends a printed block (a page: its sentence may run on).
    let mut after_printed = false;
    for (lines, printed) in &laid {
        if !*printed {
            out.push(lines.iter().map(|l| l.text.as_str()).collect::<Vec<_>>().join("\n"));
            after_printed = false;
            continue;
        }
        let width =
            if lines.len() >= 6 { percentile(lines.iter().map(|l| l.width).collect(), 0.9) } else { document_width };
        let mut block = Vec::new();
        reflow(lines, width, &vocabulary, &mut block);
        let mut block = block.into_iter();
        if after_printed
            && let (Some(last), Some(first)) = (out.last_mut(), block.as_slice().first())
            && continues(last, first)
            && !lines[0].centered
            && !lines[0].bold
        {
            join(last, first, &vocabulary);
            block.next();
        }
        out.extend(block);
        after_printed = true;
    }
    out.into_iter()
        .filter(|p| !p.trim().is_empty())
        .map(|p| match marks::tidy(&p) {
            std::borrow::Cow::Borrowed(_) => p,
            std::borrow::Cow::Owned(t) => t,
        })
        .collect()
}

/// The paragraphs of plain text (a PDF's or a text file's lines): blank lines separate blocks.
pub fn text_blocks(text: &str) -> Vec<Block> {
    let mut blocks = vec![Vec::new()];
    for line in text.lines() {
        if line.trim().is_empty() {
            if blocks.last().is_some_and(|b: &Block| !b.is_empty()) {
                blocks.push(Vec::new());
            }
        } else if let Some(b) = blocks.last_mut() {
            b.push(Line::new(line));
        }
    }
    blocks
}

fn percentile(mut values: Vec<usize>, p: f64) -> usize {
    if values.is_empty() {
        return 0;
    }
    values.sort_unstable();
    values[((values.len() - 1) as f64 * p).round() as usize]
}

fn collapse(s: &str) -> String {
    // Lines from HTML come collapsed but for their indentation: trimming is enough.
    let t = s.trim();
    if !t.contains("  ") && !t.contains(['\t', '\n', '\r', '\u{a0}', '\u{c}', '\u{b}']) {
        return t.to_string();
    }
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// A line with its digits generalized (page headers differ only in them).
fn shape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_digit() {
            if !out.ends_with('#') {
                out.push('#');
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Shapes of page furniture: short lines with digits that recur at least three times in at
/// least two spellings (a page header with its page number).
fn furniture(blocks: &[Block]) -> HashSet<String> {
    let mut seen: HashMap<String, HashSet<String>> = HashMap::new();
    let mut count: HashMap<String, usize> = HashMap::new();
    for line in blocks.iter().flatten() {
        if line.text.len() > 400 || !line.text.bytes().any(|b| b.is_ascii_digit()) {
            continue;
        }
        let text = collapse(&line.text);
        if text.chars().count() > 90 {
            continue;
        }
        let s = shape(&text);
        *count.entry(s.clone()).or_default() += 1;
        seen.entry(s).or_default().insert(text);
    }
    count.into_iter().filter(|(s, n)| *n >= 3 && seen[s].len() >= 2).map(|(s, _)| s).collect()
}

static GLUED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d{1,3}(?:\.\d{1,3})*\.?)[A-Z](?:[a-z]| [a-z])").unwrap());

static PAGE_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^[-–—\s]*(page\s+)?\d{1,4}(\s+of\s+\d{1,4})?[-–—\s]*$").unwrap());

/// A printed line number: `12`, `1.3` (page and line).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Num {
    Plain(u32),
    Dotted(u32, u32),
}

impl Num {
    /// The number spelled into `buf` (cleared first: one buffer for every line).
    fn spell(self, buf: &mut String) {
        use std::fmt::Write;
        buf.clear();
        let _ = match self {
            Num::Plain(n) => write!(buf, "{n}"),
            Num::Dotted(p, l) => write!(buf, "{p}.{l}"),
        };
    }

    /// The numbers the next line may carry: the next line, or the first of the next page.
    fn next(self) -> [Num; 2] {
        match self {
            Num::Plain(n) => [Num::Plain(n + 1), Num::Plain(1)],
            Num::Dotted(p, l) => [Num::Dotted(p, l + 1), Num::Dotted(p + 1, 1)],
        }
    }
}

/// The number a line starts with, read greedily (`1.3`, `12`); a line number has at most four
/// digits, a page's line part at most two.
fn leading_number(s: &str) -> Option<(Num, usize)> {
    let digits = |s: &str| s.bytes().take_while(u8::is_ascii_digit).count();
    let a = digits(s);
    if a == 0 || a > 4 {
        return None;
    }
    let first: u32 = s[..a].parse().ok()?;
    if s[a..].starts_with('.') {
        let b = digits(&s[a + 1..]);
        if (1..=2).contains(&b) && a <= 3 {
            return Some((Num::Dotted(first, s[a + 1..a + 1 + b].parse().ok()?), a + 1 + b));
        }
    }
    // "12abc" is a number only when no digit follows.
    Some((Num::Plain(first), a))
}

/// Whether what follows a number can follow a line number: white space, a letter, a quote,
/// a section sign, a bracket or a mark; not "." or ")" (an enumerator: "1. ", "2)").
fn after_number(rest: &str) -> bool {
    rest.chars().next().is_some_and(|c| c.is_whitespace() || c.is_alphabetic() || "\"“'§([{".contains(c))
}

/// Where each line's text starts after its printed line number (byte offset into the line
/// with its leading white space trimmed), when the block is numbered: at least three lines
/// carry numbers that follow one another, and at least 60% of the lines from the first of
/// them on (a page's unnumbered heading lines above its numbered text do not count).
fn line_numbers(block: &[&str]) -> Option<Vec<Option<usize>>> {
    if block.len() < 3 {
        return None;
    }
    let mut cuts = vec![None; block.len()];
    let mut previous: Option<Num> = None;
    // Runs of numbers that follow one another: the lines that carry them.
    let mut runs: Vec<Vec<usize>> = Vec::new();
    let mut spelled = String::new();
    for (i, line) in block.iter().enumerate() {
        let s = line.trim_start();
        if !s.starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        // The expected numbers first (they settle "1.72025:" as line 1.7 then "2025:").
        let expected = previous.map(|p| p.next());
        let hit = expected.and_then(|e| {
            e.into_iter().find_map(|n| {
                n.spell(&mut spelled);
                let rest = s.strip_prefix(spelled.as_str())?;
                // A dotted number may be glued to digits ("1.7" + "2025:"), a plain one not.
                let glued_digit = rest.starts_with(|c: char| c.is_ascii_digit()) && matches!(n, Num::Dotted(..));
                // A restart at line 1 begins a new run (a new page).
                (glued_digit || after_number(rest)).then_some((n, spelled.len(), n != Num::Plain(1)))
            })
        });
        let hit = hit.or_else(|| {
            let (n, len) = leading_number(s)?;
            after_number(&s[len..]).then_some((n, len, false))
        });
        let Some((n, len, follows)) = hit else { continue };
        // A number alone on its line (a page number, a list count) is not a line number.
        if s[len..].trim().is_empty() {
            continue;
        }
        if !follows || runs.is_empty() {
            runs.push(Vec::new());
        }
        if let Some(run) = runs.last_mut() {
            run.push(i);
        }
        cuts[i] = Some(len);
        previous = Some(n);
    }
    let mut any = false;
    for run in runs {
        let span = run.last().map_or(0, |l| l + 1) - run.first().copied().unwrap_or(0);
        if run.len() >= 3 && run.len() * 10 >= span * 6 {
            any = true;
        } else {
            for i in run {
                cuts[i] = None;
            }
        }
    }
    any.then_some(cuts)
}

/// Whether lines of a block run on into each other: at least one pair in seven (and one at
/// least) where a line not ending a sentence is followed by one starting in lower case.
fn wrapped(lines: &[Laid]) -> bool {
    let runs_on = lines.windows(2).filter(|w| continues(&w[0].text, &w[1].text)).count();
    runs_on >= 1 && runs_on * 7 >= lines.len() - 1
}

/// The text without leading marks and quotes: what a line starts with.
fn start(text: &str) -> &str {
    let mut s = text;
    loop {
        let t = s.strip_prefix(marks::INSERTED_OPEN).or_else(|| s.strip_prefix(marks::STRUCK_OPEN)).unwrap_or(s);
        let t = t.trim_start_matches(['"', '“', '\'', ' ']);
        if t.len() == s.len() {
            return t;
        }
        s = t;
    }
}

/// The text without trailing marks: what a line ends with.
fn end(text: &str) -> &str {
    let mut s = text;
    loop {
        let t = s.strip_suffix(marks::INSERTED_CLOSE).or_else(|| s.strip_suffix(marks::STRUCK_CLOSE)).unwrap_or(s);
        let t = t.trim_end();
        if t.len() == s.len() {
            return t;
        }
        s = t;
    }
}

fn ends_sentence(text: &str) -> bool {
    end(text).trim_end_matches(['"', '”', ')', '\'']).ends_with(['.', ':', ';', '!', '?'])
}

/// Whether line `b` runs on from `a`: `a` does not end a sentence and `b` starts in lower case,
/// not with an enumerator (`i.`, `(a)`).
fn continues(a: &str, b: &str) -> bool {
    let b = start(b);
    !ends_sentence(a) && b.starts_with(|c: char| c.is_lowercase()) && !(maybe_enumerator(b) && ENUMERATOR.is_match(b))
}

/// Enumerators and headings that start a paragraph after a line that ends a sentence.
static ENUMERATOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(\(\s*[0-9]{1,3}[A-Za-z]?\s*\)|[0-9]{1,3}(\.[0-9]{1,3})+\.?\s|[0-9]{1,3}[A-Za-z]?[.)]\s|\([a-zA-Z]{1,4}\)|[a-z]{1,2}[.)]\s|[ivxlcIVXLC]{1,6}[.)]\s|[A-Z][.)]\s|§|Sec\.|SEC\.|Section\s+\d|SECTION\s+\d|Subd\.|Subdivision\s+\d|Article\s+\d|ARTICLE\s+\d|Chapter\s+\d|CHAPTER\s+\d|PART\s|WHEREAS|BE IT|RESOLVED|NOW,? THEREFORE|AN ACT|A BILL)",
    )
    .unwrap()
});

/// Whether a line may start with an enumerator (a cheap test before the regular expression):
/// a bracket, a section sign, a dot or a bracket among its first characters, or a heading word.
fn maybe_enumerator(b: &str) -> bool {
    let head = &b.as_bytes()[..b.len().min(7)];
    head.iter().any(|c| matches!(c, b'(' | b')' | b'.' | 0xC2))
        || b.starts_with(['S', 'A', 'C', 'P', 'W', 'B', 'R', 'N'])
}

/// Recitals and enacting words start a paragraph whatever ends the line before.
static RECITAL: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(WHEREAS|BE IT|NOW,? THEREFORE)\b").unwrap());

/// Lower-case words of the document, to tell a hyphenated word ("identifica-" + "tion")
/// from a compound that happens to break at its hyphen ("ready-" + "to-eat"); gathered the
/// first time a line ends in a hyphen.
struct Vocabulary<'a> {
    laid: &'a [(Vec<Laid>, bool)],
    words: std::cell::OnceCell<HashSet<String>>,
}

impl Vocabulary<'_> {
    fn contains(&self, word: &str) -> bool {
        self.words
            .get_or_init(|| {
                let mut words = HashSet::new();
                for (lines, _) in self.laid {
                    for l in lines {
                        for w in l.text.split(|c: char| !c.is_alphabetic()) {
                            if w.len() > 3 {
                                words.insert(w.to_lowercase());
                            }
                        }
                    }
                }
                words
            })
            .contains(word)
    }
}

/// Joins a printed block's lines into paragraphs (see the module documentation).
fn reflow(lines: &[Laid], width: usize, vocabulary: &Vocabulary, out: &mut Vec<String>) {
    let base = lines.iter().map(|l| l.indent).min().unwrap_or(0);
    // Hanging indentation (New York: a paragraph's first line out, the rest in) or first-line
    // indentation (Texas, Illinois), as the lines that plainly run on show it.
    let (mut deeper, mut shallower) = (0, 0);
    for w in lines.windows(2) {
        if continues(&w[0].text, &w[1].text) {
            match w[1].indent.cmp(&w[0].indent) {
                std::cmp::Ordering::Greater => deeper += 1,
                std::cmp::Ordering::Less => shallower += 1,
                std::cmp::Ordering::Equal => {}
            }
        }
    }
    let hanging = deeper > shallower;
    let full = |l: &Laid| width > 0 && l.width * 4 >= width * 3;
    let heading = |l: &Laid| l.centered || l.bold;
    let mut current = lines[0].text.clone();
    for w in lines.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        let break_before = if heading(a) || heading(b) {
            // A heading wrapped over lines stays one.
            !(a.centered == b.centered && a.bold == b.bold && full(a))
        } else if if hanging { b.indent < a.indent } else { b.indent > base && b.indent > a.indent } {
            true
        } else if continues(&a.text, &b.text) {
            false
        } else if (ends_sentence(&a.text) && maybe_enumerator(start(&b.text)) && ENUMERATOR.is_match(start(&b.text)))
            || (start(&b.text).starts_with(['W', 'B', 'N']) && RECITAL.is_match(start(&b.text)))
        {
            true
        } else {
            // A short line ends its paragraph; a full one was wrapped.
            !full(a)
        };
        if break_before {
            out.push(std::mem::take(&mut current));
            current = b.text.clone();
        } else {
            join(&mut current, &b.text, vocabulary);
        }
    }
    out.push(current);
}

/// Appends a wrapped line to its paragraph: with a space, or, after a hyphen that ends the
/// line, without (dropping the hyphen when the document spells the word whole elsewhere). A
/// mark closed at the line end and reopened on the next runs on.
fn join(current: &mut String, next: &str, vocabulary: &Vocabulary) {
    let mut next = next;
    for (open, close) in [(marks::STRUCK_OPEN, marks::STRUCK_CLOSE), (marks::INSERTED_OPEN, marks::INSERTED_CLOSE)] {
        if current.ends_with(close) && next.starts_with(open) {
            current.truncate(current.len() - close.len());
            next = &next[open.len()..];
            break;
        }
    }
    let hyphen = current.ends_with('-')
        && current[..current.len() - 1].ends_with(char::is_alphabetic)
        && next.starts_with(char::is_lowercase);
    if hyphen {
        let stem = &current[..current.len() - 1];
        let before: String = {
            let mut v: Vec<char> = stem.chars().rev().take_while(|c| c.is_alphabetic()).collect();
            v.reverse();
            v.into_iter().collect()
        };
        let after: String = next.chars().take_while(|c| c.is_alphabetic()).collect();
        if vocabulary.contains(&format!("{before}{after}").to_lowercase()) {
            current.pop();
        }
        current.push_str(next);
        return;
    }
    current.push(' ');
    current.push_str(next);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Block {
        text.lines().map(Line::new).collect()
    }

    #[test]
    fn numbered_lines_lose_their_numbers_and_join() {
        let block = lines(
            "1.1A Senate resolution\n\
             1.2relating to the temporary organization of the 94th Minnesota Senate.\n\
             1.3WHEREAS, the GOP and DFL have negotiated an agreement for the temporary organization\n\
             1.4of the Senate for the 2025 legislative session; NOW, THEREFORE,\n\
             1.5BE IT RESOLVED, that this resolution memorializes the agreement for the temporary\n\
             1.6organization of the Senate, ratifies the agreement, and will be printed in the Journal for January 14,\n\
             1.72025:",
        );
        let p = paragraphs(vec![block], false);
        assert_eq!(
            p,
            [
                "A Senate resolution relating to the temporary organization of the 94th Minnesota Senate.",
                "WHEREAS, the GOP and DFL have negotiated an agreement for the temporary organization of the Senate \
                 for the 2025 legislative session; NOW, THEREFORE,",
                "BE IT RESOLVED, that this resolution memorializes the agreement for the temporary organization of \
                 the Senate, ratifies the agreement, and will be printed in the Journal for January 14, 2025:",
            ]
        );
    }

    #[test]
    fn a_table_of_short_lines_keeps_its_lines() {
        let block = lines(
            "01/07/15 REFERRED TO CONSUMER PROTECTION\n05/28/15 REPORTED AND COMMITTED TO FINANCE\n06/10/15 PASSED SENATE",
        );
        assert_eq!(
            paragraphs(vec![block.clone()], false),
            [block.iter().map(|l| l.text.as_str()).collect::<Vec<_>>().join("\n")]
        );
    }

    #[test]
    fn indentation_starts_paragraphs_and_hyphens_rejoin_words() {
        let block = lines(
            "\u{a0}\u{a0}\u{a0}\u{a0}SECTION 1. This Act may be cited as the Texas Women's\n\
             Privacy Act and its identifica-\n\
             tion is ready-\n\
             to-eat.\n\
             \u{a0}\u{a0}\u{a0}\u{a0}SECTION 2. The identification of the thing.",
        );
        let p = paragraphs(vec![block], false);
        assert_eq!(
            p,
            [
                "SECTION 1. This Act may be cited as the Texas Women's Privacy Act and its identification is ready-to-eat.",
                "SECTION 2. The identification of the thing."
            ]
        );
    }

    #[test]
    fn page_furniture_goes() {
        let mut block = Vec::new();
        for page in 1..=3 {
            block.push(Line::new(format!("HB0001 - {page} - LRB104 03394 BDA 13416 b")));
            block.push(Line::new("the text runs on from one printed line to"));
            block.push(Line::new("the next and on"));
        }
        let p = paragraphs(vec![block], false);
        assert!(p.iter().all(|p| !p.contains("LRB104")), "{p:?}");
    }
}
