//! Document formats as plain text: CAML (California's XML for measures, with embedded XHTML),
//! Word (`.docx`) and HTML read crudely (no DOM), and the helpers HTML needs (dropping
//! elements, decoding entities). Pure, from a string or bytes to text; `extract` chooses among
//! them, and sources whose payloads carry documents (`ca_pubinfo`, `legiscan`) call them
//! directly.

use crate::safe_zip::{Limits, SafeZip, ZipError};
use crate::text::marks;
use roxmltree::{Document, Node, NodeType};
use std::io::Cursor;

/// The namespace of CAML, the Legislative Counsel of California's XML for measures.
pub const CAML_NS: &str = "http://lc.ca.gov/legalservices/schemas/caml.1#";
/// WordprocessingML, the XML inside a `.docx`.
const WORD_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

/// Lines of text: whitespace within a line collapsed, empty lines dropped. Language marked as
/// inserted is wrapped in `{++…++}` line by line ([`crate::text::marks`]).
#[derive(Default)]
struct Lines {
    lines: Vec<String>,
    current: String,
    /// Inside an insertion mark.
    inserting: bool,
    /// `{++` written in `current` and not yet closed.
    open_in_line: bool,
}

impl Lines {
    fn push(&mut self, s: &str) {
        if self.inserting && !self.open_in_line && !s.trim().is_empty() {
            self.current.push_str(marks::INSERTED_OPEN);
            self.open_in_line = true;
        }
        self.current.push_str(s);
    }

    /// Text the document strikes, inline.
    fn struck(&mut self, s: &str) {
        if s.trim().is_empty() {
            return;
        }
        self.close_insertion();
        self.current.push(' ');
        self.current.push_str(marks::STRUCK_OPEN);
        self.current.push_str(s);
        self.current.push_str(marks::STRUCK_CLOSE);
        self.current.push(' ');
    }

    fn close_insertion(&mut self) {
        if self.open_in_line {
            self.current.push_str(marks::INSERTED_CLOSE);
            self.open_in_line = false;
        }
    }

    fn insertion(&mut self, start: bool) {
        if !start {
            self.close_insertion();
        }
        self.inserting = start;
    }

    fn end_line(&mut self) {
        self.close_insertion();
        let tidied = marks::tidy(&self.current);
        let mut line = String::with_capacity(tidied.len());
        for word in tidied.split_whitespace() {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        if !line.is_empty() {
            self.lines.push(line);
        }
        self.current.clear();
    }

    fn finish(mut self) -> String {
        self.end_line();
        self.lines.join("\n")
    }
}

/// The struck text a CAML deletion mark carries (`<?xm-deletion_mark data="…"?>`): its
/// `data`, entities decoded, markup inside it (whole struck paragraphs) as lines.
fn deletion_text(value: &str) -> Vec<String> {
    let Some(start) = value.find("data=\"") else { return Vec::new() };
    let rest = &value[start + 6..];
    let data = rest.rfind('"').map_or(rest, |end| &rest[..end]);
    let decoded = decode_entities(data);
    if decoded.contains('<') {
        html_text(&decoded).lines().map(str::to_string).filter(|l| !l.trim().is_empty()).collect()
    } else {
        vec![decoded]
    }
}

/// The plain text of a CAML measure: title, digest and text, one block (paragraph, heading,
/// section number, …) per line, in document order, without struck text.
pub fn caml_text(xml: &str) -> Result<String, String> {
    caml_document(xml).map(|doc| caml_document_text(&doc))
}

/// A CAML measure parsed: `Err` when it is not well-formed XML or its root is not a
/// `caml:MeasureDoc`.
pub fn caml_document(xml: &str) -> Result<Document<'_>, String> {
    let doc = Document::parse(xml).map_err(|e| format!("not well-formed XML: {e}"))?;
    let root = doc.root_element();
    if !(root.has_tag_name((CAML_NS, "MeasureDoc"))) {
        return Err(format!("the root element is <{}>, not a CAML MeasureDoc", root.tag_name().name()));
    }
    Ok(doc)
}

/// The plain text of a parsed CAML measure (see [`caml_text`]).
pub fn caml_document_text(doc: &Document) -> String {
    let mut lines = Lines::default();
    caml_children(doc.root_element(), &mut lines);
    lines.finish()
}

/// The text inside an element, processing instructions (struck text) aside.
pub fn text_of(node: Node) -> String {
    node.descendants().filter(|n| n.is_text()).filter_map(|n| n.text()).collect()
}

/// CAML elements that start and end a line.
const CAML_BLOCKS: &[&str] = &[
    "Description",
    "Title",
    "AuthorText",
    "GeneralSubject",
    "Subject",
    "DigestText",
    "Bill",
    "Preamble",
    "BillSection",
    "ActionLine",
    "Fragment",
    "LawSection",
    "LawSectionVersion",
    "LawHeading",
    "Content",
    "Resolution",
    "Whereas",
    "Resolved",
];
/// CAML metadata, not part of the printed measure.
const CAML_SKIPPED: &[&str] =
    &["Id", "VersionNum", "History", "LegislativeInfo", "Authors", "RelatingClause", "MeasureIndicators"];
/// HTML elements that start and end a line.
const HTML_BLOCKS: &[&str] =
    &["p", "div", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"];

fn caml_children(node: Node, lines: &mut Lines) {
    for child in node.children() {
        match child.node_type() {
            NodeType::Text => lines.push(child.text().unwrap_or_default()),
            NodeType::Element => caml_element(child, lines),
            // Struck and inserted language: `xm-deletion_mark` carries the struck text,
            // `xm-insertion_mark_start` / `_end` surround the inserted.
            NodeType::PI => match child.pi() {
                Some(pi) if pi.target == "xm-deletion_mark" => {
                    let struck = deletion_text(pi.value.unwrap_or_default());
                    if struck.len() > 1 {
                        // Whole paragraphs struck: each its own line.
                        lines.end_line();
                        for line in struck {
                            lines.struck(&line);
                            lines.end_line();
                        }
                    } else if let Some(line) = struck.first() {
                        lines.struck(line);
                    }
                }
                Some(pi) if pi.target == "xm-insertion_mark_start" => lines.insertion(true),
                Some(pi) if pi.target == "xm-insertion_mark_end" => lines.insertion(false),
                _ => {}
            },
            _ => {}
        }
    }
}

fn caml_element(e: Node, lines: &mut Lines) {
    let name = e.tag_name().name();
    let caml = e.tag_name().namespace() == Some(CAML_NS);
    if caml && CAML_SKIPPED.contains(&name) {
        return;
    }
    if caml && name == "DigestKey" {
        // "Vote: majority; Appropriation: no; Fiscal committee: yes; Local program: yes"
        let parts: Vec<String> = e
            .children()
            .filter(|n| n.is_element())
            .map(|n| {
                let label = match n.tag_name().name() {
                    "VoteRequired" => "Vote",
                    "FiscalCommittee" => "Fiscal committee",
                    "LocalProgram" => "Local program",
                    "TaxLevy" => "Tax levy",
                    other => other,
                };
                format!("{label}: {}", text_of(n).trim().to_lowercase())
            })
            .collect();
        lines.end_line();
        lines.push(&parts.join("; "));
        lines.end_line();
        return;
    }
    if caml && name == "Num" {
        // A heading's number gets its kind: "Chapter 6.1.", "Article 1.".
        if let Some(kind) =
            e.parent().filter(|p| p.has_tag_name((CAML_NS, "LawHeading"))).and_then(|p| p.attribute("type"))
        {
            let mut chars = kind.chars();
            if let Some(first) = chars.next() {
                lines.push(&format!("{}{} ", first.to_ascii_uppercase(), chars.as_str().to_lowercase()));
            }
        }
        caml_children(e, lines);
        lines.push(" ");
        return;
    }
    if !caml {
        if name == "br" {
            lines.end_line();
            return;
        }
        // `EnSpace`, `EmSpace`, `ThinSpace`: typographic spaces.
        if name == "span" && e.attribute("class").is_some_and(|c| c.ends_with("Space")) {
            lines.push(" ");
            return;
        }
    }
    let block = if caml { CAML_BLOCKS.contains(&name) } else { HTML_BLOCKS.contains(&name) };
    if block {
        lines.end_line();
    }
    caml_children(e, lines);
    if block {
        lines.end_line();
    }
}

/// Bounds on a Word document's zip (a fetched or exported file, read as untrusted input): only
/// its text part is read, up to 256 MiB.
const DOCX_LIMITS: Limits = Limits { max_total_bytes: 256 << 20, max_entry_bytes: 256 << 20, max_entries: 10_000 };

/// The text of a Word document (`.docx`): one line per paragraph, without hidden runs, field
/// codes and tracked deletions.
pub fn docx_text(bytes: &[u8]) -> Result<String, String> {
    let mut zip = SafeZip::new(Cursor::new(bytes), "the document", &DOCX_LIMITS).map_err(|e| match e {
        ZipError::Archive { source, .. } => format!("not a readable Word document: {source}"),
        e => format!("not a readable Word document: {e}"),
    })?;
    const PART: &str = "word/document.xml";
    if !zip.files().iter().any(|f| f == PART) {
        return Err(format!("a Word document without {PART}"));
    }
    let xml = zip.read(PART).map_err(|e| format!("{PART} could not be read: {e}"))?;
    let xml = String::from_utf8(xml).map_err(|e| format!("{PART} could not be read: {e}"))?;
    let doc = Document::parse(&xml).map_err(|e| format!("{PART} is not well-formed XML: {e}"))?;
    let mut lines = Lines::default();
    docx_children(doc.root_element(), &mut lines);
    Ok(lines.finish())
}

fn docx_children(node: Node, lines: &mut Lines) {
    for e in node.children().filter(|n| n.is_element()) {
        if e.tag_name().namespace() != Some(WORD_NS) {
            docx_children(e, lines);
            continue;
        }
        match e.tag_name().name() {
            "p" => {
                lines.end_line();
                docx_children(e, lines);
                lines.end_line();
            }
            "r" if !hidden(e) => docx_children(e, lines),
            "t" => lines.push(e.text().unwrap_or_default()),
            "tab" => lines.push(" "),
            "br" | "cr" => lines.end_line(),
            "r" | "instrText" | "delText" | "del" | "rPr" | "pPr" | "sectPr" => {}
            _ => docx_children(e, lines),
        }
    }
}

/// A run formatted as hidden (`<w:vanish/>`).
fn hidden(run: Node) -> bool {
    run.children()
        .find(|n| n.has_tag_name((WORD_NS, "rPr")))
        .and_then(|p| p.children().find(|n| n.has_tag_name((WORD_NS, "vanish"))))
        .is_some_and(|v| !matches!(v.attribute((WORD_NS, "val")), Some("0" | "false" | "off")))
}

/// The text of an HTML or plain-text document, crudely: `<script>`, `<style>` and `<head>`
/// dropped, tags removed (block tags end a line), the common entities decoded, runs of spaces
/// collapsed, line breaks kept (at most one empty line in a row).
pub fn html_text(html: &str) -> String {
    let mut s = html.to_string();
    for tag in ["script", "style", "head"] {
        s = drop_element(&s, tag);
    }
    let mut text = String::with_capacity(s.len());
    let mut rest = s.as_str();
    // Once no `>` follows, none follows any later `<` either: not searched again (linear time
    // on text full of `<` without `>`).
    let mut closes = true;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let is_tag = after.starts_with(|c: char| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?'));
        let close = if is_tag && closes { after.find('>') } else { None };
        closes &= !is_tag || close.is_some();
        match close {
            Some(close) => {
                let name: String = after
                    .trim_start_matches('/')
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .collect::<String>()
                    .to_ascii_lowercase();
                if name == "br" || HTML_BLOCKS.contains(&name.as_str()) {
                    text.push('\n');
                }
                rest = &after[close + 1..];
            }
            None => {
                text.push('<');
                rest = after;
            }
        }
    }
    text.push_str(rest);
    let text = decode_entities(&text);
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() && out.last().is_none_or(|l| l.is_empty()) {
            continue;
        }
        out.push(line);
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out.join("\n")
}

/// `s` without the `<tag …>…</tag>` elements (case-insensitive); an unclosed one is left alone.
pub fn drop_element(s: &str, tag: &str) -> String {
    // ASCII lower-casing keeps byte offsets, so offsets in `lower` are offsets in `s`.
    let lower = s.to_ascii_lowercase();
    let (open, close) = (format!("<{tag}"), format!("</{tag}>"));
    let mut out = String::with_capacity(s.len());
    let mut at = 0;
    while let Some(i) = lower[at..].find(&open).map(|i| i + at) {
        let boundary = lower[i + open.len()..].chars().next().is_none_or(|c| c == '>' || c.is_whitespace());
        let end = lower[i..].find(&close).map(|j| i + j + close.len());
        match end {
            Some(end) if boundary => {
                out.push_str(&s[at..i]);
                at = end;
            }
            // No closing tag after this one: none after any later opening tag either.
            None => break,
            Some(_) => {
                out.push_str(&s[at..i + open.len()]);
                at = i + open.len();
            }
        }
    }
    out.push_str(&s[at..]);
    out
}

/// `&amp;` `&lt;` `&gt;` `&quot;` `&apos;` `&nbsp;` (a space) and numeric references; other
/// entities are left as written.
pub fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        // Entities are short: look for the `;` in the next 11 bytes only (linear time on text
        // full of `&` without `;`).
        let semi = after.as_bytes().iter().take(11).position(|&b| b == b';');
        let decoded = semi.and_then(|semi| {
            let name = &after[..semi];
            let c = match name {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                "nbsp" => ' ',
                _ => {
                    let code = name.strip_prefix('#')?;
                    let n = match code.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => code.parse().ok()?,
                    };
                    char::from_u32(n)?
                }
            };
            Some((c, semi))
        });
        match decoded {
            Some((c, semi)) => {
                out.push(c);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file of California's pubinfo fixtures (`tests/fixtures/ca-pubinfo/<folder>/<file>`).
    fn fixture(folder_name: &str, file: &str) -> Vec<u8> {
        std::fs::read(format!("{}/tests/fixtures/ca-pubinfo/{folder_name}/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    #[test]
    fn text_helpers_stay_correct_on_markup_that_never_closes() {
        // Inputs that made these helpers rescan the rest of the text at every `&`, `<` or
        // opening tag; the results are what a careful reading gives.
        let many = |unit: &str, n: usize| unit.repeat(n);
        assert_eq!(decode_entities(&format!("{}&amp;", many("& ", 3))), "& & & &");
        assert_eq!(decode_entities(&many("&", 5)), "&&&&&");
        assert_eq!(decode_entities("&#x41;&verylongentityname;&lt;"), "A&verylongentityname;<");
        assert_eq!(html_text(&format!("a {}b", many("<i ", 4))), "a <i <i <i <i b");
        assert_eq!(html_text("x <b>y</b> <i z"), "x y <i z");
        let s = format!("{}</script>", many("<script>a ", 3));
        assert_eq!(drop_element(&s, "script"), "");
        assert_eq!(drop_element("<script>a <script>b", "script"), "<script>a <script>b");
        assert_eq!(drop_element("q <script>x</script> r <script>open", "script"), "q  r <script>open");
        // Large inputs of each kind (each helper was quadratic on them before): 200,000 of each.
        assert_eq!(decode_entities(&many("&", 200_000)).len(), 200_000);
        assert!(html_text(&many("<a", 200_000)).starts_with("<a<a"));
        assert_eq!(drop_element(&many("<style>", 200_000), "style").len(), 7 * 200_000);
    }

    #[test]
    fn html_text_decodes_entities_and_drops_markup() {
        // A real 1999 analysis, its quotes written as entities: the same text.
        let real = String::from_utf8(fixture("1999-2000", "BILL_ANALYSIS_TBL_56.lob")).unwrap();
        let plain = html_text(&real);
        assert!(plain.contains("continue to receive \"necessary small schools\" funding"));
        let entities = real
            .replace("\"necessary small schools\"", "&quot;necessary small schools&#34;")
            .replace("School Finance", "School&nbsp;Finance<script>var x = 1;</script>");
        assert_eq!(html_text(&entities), plain);
        assert_eq!(html_text("a &lt;b&gt; &amp; &#x41;&unknown; 1 < 2"), "a <b> & A&unknown; 1 < 2");
        // The padded <head> and its title are gone.
        assert!(!plain.contains("Assembly Bill - Bill Analysis") && !plain.contains("FILEDATE"));
    }

    #[test]
    fn caml_text_of_an_amended_print() {
        let xml = String::from_utf8(fixture("misc", "bill_version_amended.lob")).unwrap();
        let text = caml_text(&xml).unwrap();
        assert!(text.starts_with("Introduced by Assembly Member Alvarez\nAn act to amend Section 54221 of the Government Code, relating to land use.\nSurplus land: exempt surplus land: sectional planning area.\n"), "{text}");
        // Inserted text stays, in its sentence.
        assert!(text.contains("at least 25% of units that are not designated for students, faculty, or staff of an academic institution must be dedicated to lower income households"));
        assert!(text.contains("\nSECTION 1.\nSection 54221 of the Government Code, as amended by Section 5 of Chapter 494 of the Statutes of 2024, is amended to read:\n54221.\nAs used in this article, the following definitions shall apply:\n(a) (1) “Local agency” means every city"));
        assert!(!text.contains('<') && !text.contains("xm-") && !text.contains("20250AB__007699INT"));
        assert!(caml_text("<html/>").is_err());
        assert!(caml_text("<caml:MeasureDoc").is_err());
    }
}
