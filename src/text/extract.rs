//! Clean text from a bill version's document: HTML (ilga.gov, nysenate/LBDC and other state
//! pages), PDF, California CAML XML, other XML, Word (`.docx`) and plain text.
//!
//! The method is chosen by the declared media type, else the file name's extension, else the
//! first bytes (`%PDF`, a `PK` zip, `<`, the CAML namespace). A strong signature in the bytes
//! (a PDF, a zip, an old binary Word file) wins over a contradicting media type or extension,
//! with a warning: servers mislabel documents.
//!
//! The output is normalized the same way for every method: `\n` line ends, no trailing spaces,
//! paragraphs (HTML blocks, CAML and Word paragraphs) separated by one blank line, never more
//! than two blank lines in a row, no blank lines at either end.
//!
//! A document that cannot be read gives `text: None` and an `error` saying why; nothing here
//! panics on bad input (the PDF reader, which can, runs under `catch_unwind`).

use super::formats::{CAML_NS, caml_text, docx_text};
use super::layout;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// What [`extract`] got out of a document.
#[derive(Debug, Clone, PartialEq)]
pub struct Extraction {
    /// The normalized text; `None` when the document could not be read (see `error`).
    pub text: Option<String>,
    /// How it was read: `html`, `pdf`, `caml`, `xml`, `text` or `docx`.
    pub method: &'static str,
    /// Things a reader of the text should know (a mislabelled document, bytes that were not
    /// UTF-8, a page that held no text), the text being usable anyway.
    pub warnings: Vec<String>,
    /// Why there is no text.
    pub error: Option<String>,
    /// Where the document says its text is, when it holds none itself (ilga.gov's "too large
    /// for display" pages link the full text), as written in it (often relative).
    pub see_also: Option<String>,
    /// HTML: the share of the page's visible characters the text kept (navigation, menus and
    /// footers are what it leaves out); a share far below other pages' means the bill was not
    /// found in the page.
    pub kept: Option<f64>,
}

/// The closed set of ways to read a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Html,
    Pdf,
    Caml,
    Xml,
    Text,
    Docx,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::Html => "html",
            Method::Pdf => "pdf",
            Method::Caml => "caml",
            Method::Xml => "xml",
            Method::Text => "text",
            Method::Docx => "docx",
        }
    }
}

const DOCX_MIME: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// The text of a document: `media_type` as the server declared it (`Content-Type`, parameters
/// allowed), `name` its file name or URL (for the extension), `bytes` its content.
pub fn extract(media_type: Option<&str>, name: &str, bytes: &[u8]) -> Extraction {
    let mut warnings = Vec::new();
    let method = match choose(media_type, name, bytes, &mut warnings) {
        Ok(m) => m,
        Err((method, error)) => {
            return Extraction {
                text: None,
                method: method.name(),
                warnings,
                error: Some(error),
                see_also: None,
                kept: None,
            };
        }
    };
    let mut see_also = None;
    let mut kept = None;
    let read = match method {
        Method::Html => html(&decode(bytes, &mut warnings), name, &mut warnings, &mut see_also, &mut kept),
        Method::Pdf => pdf(bytes, name, &mut warnings),
        Method::Caml => caml_text(&decode(bytes, &mut warnings)).map(|t| paragraphs_of_lines(&t)),
        Method::Xml => xml(&decode(bytes, &mut warnings)),
        Method::Text => Ok(plain_text(&decode(bytes, &mut warnings))),
        Method::Docx => docx_text(bytes).map(|t| paragraphs_of_lines(&t)),
    };
    match read.map(|t| normalize(&t)) {
        Ok(text) if text.trim().is_empty() => Extraction {
            text: None,
            method: method.name(),
            warnings,
            error: Some(format!("no text found in the {} document", method.name())),
            see_also,
            kept,
        },
        Ok(text) => Extraction { text: Some(text), method: method.name(), warnings, error: None, see_also, kept },
        Err(e) => Extraction { text: None, method: method.name(), warnings, error: Some(e), see_also, kept },
    }
}

/// The method for a document; `Err` for a format this module does not read.
fn choose(
    media_type: Option<&str>,
    name: &str,
    bytes: &[u8],
    warnings: &mut Vec<String>,
) -> Result<Method, (Method, String)> {
    let sniffed = sniff(bytes);
    if sniffed == Sniffed::OldWord {
        return Err((Method::Docx, "an old binary Word document (.doc): not read, only .docx is".into()));
    }
    let mime = media_type
        .map(|m| m.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
        .filter(|m| !m.is_empty() && m != "application/octet-stream" && m != "binary/octet-stream");
    let declared = match mime.as_deref() {
        Some("text/html" | "application/xhtml+xml") => Some(Method::Html),
        Some("application/pdf" | "application/x-pdf") => Some(Method::Pdf),
        Some("text/plain") => Some(Method::Text),
        Some("application/xml" | "text/xml") => Some(Method::Xml),
        Some(DOCX_MIME) => Some(Method::Docx),
        Some("application/msword") => {
            return Err((Method::Docx, "application/msword: an old Word document, not read (only .docx is)".into()));
        }
        Some(other) if other.starts_with("image/") => {
            return Err((Method::Text, format!("{other}: an image, no text to read (OCR is not done)")));
        }
        _ => None,
    };
    let by_extension = || {
        let path = name.split(['?', '#']).next().unwrap_or_default();
        let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).filter(|e| !e.contains('/'));
        match ext.as_deref() {
            Some("html" | "htm" | "xhtml") => Some(Method::Html),
            Some("pdf") => Some(Method::Pdf),
            Some("docx") => Some(Method::Docx),
            Some("xml") => Some(Method::Xml),
            Some("txt") => Some(Method::Text),
            _ => None,
        }
    };
    let from_label = declared.or_else(by_extension);
    let strong = match sniffed {
        Sniffed::Pdf => Some(Method::Pdf),
        Sniffed::Zip => Some(Method::Docx),
        _ => None,
    };
    let method = match (from_label, strong) {
        (Some(label), Some(bytes_say)) if label != bytes_say => {
            warnings.push(format!(
                "labelled {} ({}) but the bytes are {}: read as {}",
                label.name(),
                mime.as_deref().unwrap_or(name),
                bytes_say.name(),
                bytes_say.name()
            ));
            bytes_say
        }
        (Some(label), _) => label,
        (None, _) => match sniffed {
            Sniffed::Pdf => Method::Pdf,
            Sniffed::Zip => Method::Docx,
            Sniffed::Caml => Method::Caml,
            Sniffed::Xml => Method::Xml,
            Sniffed::Html => Method::Html,
            Sniffed::Text => Method::Text,
            Sniffed::Binary => {
                return Err((
                    Method::Text,
                    "not a known document format (binary bytes, no PDF/zip/markup signature)".into(),
                ));
            }
            Sniffed::OldWord => unreachable!("handled above"),
        },
    };
    // XML that is CAML is read as CAML; CAML declared as HTML too (pubinfo `.lob` files).
    Ok(match method {
        Method::Xml | Method::Html | Method::Text if sniffed == Sniffed::Caml => Method::Caml,
        m => m,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sniffed {
    Pdf,
    Zip,
    OldWord,
    Caml,
    Xml,
    Html,
    Text,
    Binary,
}

/// What the first bytes say.
fn sniff(bytes: &[u8]) -> Sniffed {
    let head = &bytes[..bytes.len().min(4096)];
    // A PDF header may follow some junk within the first 1024 bytes (PDF 1.7, annex H); not
    // markup that merely mentions "%PDF-".
    let start = head.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(head.len());
    if head[start..].starts_with(b"%PDF-")
        || (head.get(start) != Some(&b'<') && head[..head.len().min(1024)].windows(5).any(|w| w == b"%PDF-"))
    {
        return Sniffed::Pdf;
    }
    if head.starts_with(b"PK\x03\x04") {
        return Sniffed::Zip;
    }
    if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Sniffed::OldWord;
    }
    let text = String::from_utf8_lossy(head);
    let start = text.trim_start_matches('\u{feff}').trim_start();
    if start.starts_with('<') {
        let lower = start.to_ascii_lowercase();
        if start.contains(CAML_NS) {
            Sniffed::Caml
        } else if lower.starts_with("<?xml") && !lower.contains("<html") && !lower.contains("<!doctype html") {
            Sniffed::Xml
        } else {
            Sniffed::Html
        }
    } else if head.iter().filter(|&&b| b < 0x09 || (0x0E..0x20).contains(&b)).count() * 20 > head.len().max(1) {
        // More than 5% control bytes.
        Sniffed::Binary
    } else {
        Sniffed::Text
    }
}

/// Bytes as text: UTF-8 (a byte order mark dropped); bytes that are not UTF-8 are read as
/// Latin-1, one character each, with a warning (pages declared UTF-8 with a stray `§` byte).
fn decode(bytes: &[u8], warnings: &mut Vec<String>) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => {
            let mut out = String::with_capacity(bytes.len());
            let mut bad = 0;
            for chunk in bytes.utf8_chunks() {
                out.push_str(chunk.valid());
                bad += chunk.invalid().len();
                out.extend(chunk.invalid().iter().map(|&b| char::from(b)));
            }
            warnings.push(format!("{bad} bytes were not UTF-8 and were read as Latin-1"));
            out
        }
    }
}

// ---- Normalization -------------------------------------------------------------------------

/// `\r\n` and `\r` to `\n`, form feeds (PDF page ends) to line ends, trailing white space of each
/// line removed, at most two blank lines in a row, none at either end.
pub fn normalize(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace(['\r', '\u{c}'], "\n");
    let mut out = String::with_capacity(text.len());
    let mut blanks = 0;
    for line in text.split('\n') {
        let line = line.trim_end();
        if line.is_empty() {
            blanks += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(&"\n".repeat(blanks.min(2) + 1));
        }
        blanks = 0;
        out.push_str(line);
    }
    out
}

/// Plain text: printed lines (numbered, or wrapped) rebuilt into paragraphs; other text as it is.
pub fn plain_text(text: &str) -> String {
    layout::paragraphs(layout::text_blocks(&text.replace("\r\n", "\n").replace('\r', "\n")), false).join("\n\n")
}

/// One paragraph a line (CAML and Word output) to paragraphs separated by a blank line.
fn paragraphs_of_lines(text: &str) -> String {
    text.lines().filter(|l| !l.trim().is_empty()).collect::<Vec<_>>().join("\n\n")
}

// ---- PDF -----------------------------------------------------------------------------------

fn pdf(bytes: &[u8], name: &str, warnings: &mut Vec<String>) -> Result<String, String> {
    // pdf-extract panics on some malformed files (by design, its author says); a panic here is
    // an unreadable document, not a crash.
    let pages = match catch_unwind(AssertUnwindSafe(|| pdf_pages(bytes, warnings))) {
        Ok(result) => result?,
        Err(panic) => {
            let why = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("no message");
            return Err(format!("a PDF that cannot be read: the PDF reader failed ({why})"));
        }
    };
    let empty = pages.iter().filter(|p| p.trim().is_empty()).count();
    if pages.is_empty() {
        return Err("a PDF without pages".into());
    }
    if empty == pages.len() {
        return Err(format!("a PDF of {} pages without a text layer (scanned images?); OCR is not done", pages.len()));
    }
    if empty > 0 {
        warnings.push(format!("{empty} of {} PDF pages have no text (scanned images?)", pages.len()));
    }
    // pdf-extract marks a wider gap between lines with a blank line: paragraphs, unless the
    // page is double-spaced (most of its runs one line long), where the gaps say nothing.
    let mut blocks = Vec::new();
    // Page furniture the site's rule names (a print of its web page: its header).
    let sites = super::html::sites_for(name);
    for page in &pages {
        let mut page_blocks = layout::text_blocks(page);
        for block in &mut page_blocks {
            block.retain(|l| !sites.iter().any(|s| s.is_furniture(&l.text)));
        }
        page_blocks.retain(|b| !b.is_empty());
        let singles = page_blocks.iter().filter(|b| b.len() == 1).count();
        if singles * 10 >= page_blocks.len() * 6 {
            blocks.push(page_blocks.into_iter().flatten().collect());
        } else {
            blocks.extend(page_blocks);
        }
    }
    Ok(layout::paragraphs(blocks, true).join("\n\n"))
}

/// The text of each page, in order.
fn pdf_pages(bytes: &[u8], warnings: &mut Vec<String>) -> Result<Vec<String>, String> {
    use pdf_extract::{Document, PlainTextOutput, output_doc_page};
    let mut doc = Document::load_mem(bytes).map_err(|e| format!("a PDF that cannot be read: {e}"))?;
    if doc.is_encrypted() {
        // Many "protected" PDFs only restrict printing and open with the empty password.
        doc.decrypt("").map_err(|e| format!("an encrypted PDF that cannot be opened without a password: {e}"))?;
    }
    let fixed = expand_cid_width_ranges(&mut doc);
    if fixed > 0 {
        tracing::debug!(fonts = fixed, "PDF: CID font width ranges expanded for pdf-extract");
    }
    let mut pages = Vec::new();
    for number in doc.get_pages().into_keys() {
        let mut text = String::new();
        match output_doc_page(&doc, &mut PlainTextOutput::new(&mut text), number) {
            Ok(()) => pages.push(text),
            Err(e) => {
                warnings.push(format!("PDF page {number} cannot be read: {e}"));
                pages.push(String::new());
            }
        }
    }
    Ok(pages)
}

/// Rewrites the `c_first c_last w` runs of CID fonts' `/W` arrays as `c_first [w w …]`, the form
/// pdf-extract 0.12 reads: it misreads the range form (`c_last` and `w` both taken from
/// `c_first`), so those glyphs get the default width (0 in Chromium's PDFs) and every letter
/// of a monospaced text comes out followed by a space ("A m e n d s"). Returns the number of
/// fonts changed.
fn expand_cid_width_ranges(doc: &mut pdf_extract::Document) -> usize {
    use pdf_extract::Object;
    let cid_fonts: Vec<_> = doc
        .objects
        .iter()
        .filter_map(|(id, o)| {
            let d = o.as_dict().ok()?;
            let subtype = d.get(b"Subtype").ok()?.as_name().ok()?;
            (subtype == b"CIDFontType0" || subtype == b"CIDFontType2").then_some(*id)
        })
        .collect();
    let mut changed = 0;
    for id in cid_fonts {
        let w = match doc.objects.get(&id).and_then(|o| o.as_dict().ok()).and_then(|d| d.get(b"W").ok()) {
            Some(Object::Reference(r)) => doc.objects.get(r).cloned(),
            Some(o) => Some(o.clone()),
            None => None,
        };
        let Some(Object::Array(items)) = w else { continue };
        let mut out = Vec::with_capacity(items.len());
        let mut i = 0;
        let mut ranges = false;
        while i < items.len() {
            match (&items[i], items.get(i + 1), items.get(i + 2)) {
                (first, Some(Object::Array(widths)), _) => {
                    out.push(first.clone());
                    out.push(Object::Array(widths.clone()));
                    i += 2;
                }
                (Object::Integer(first), Some(Object::Integer(last)), Some(width)) => {
                    // At most 65,536 CIDs: a hostile range does not allocate gigabytes.
                    let n = last.saturating_sub(*first).saturating_add(1).clamp(0, 65_536) as usize;
                    out.push(Object::Integer(*first));
                    out.push(Object::Array(vec![width.clone(); n]));
                    ranges = true;
                    i += 3;
                }
                _ => break,
            }
        }
        if ranges
            && i == items.len()
            && let Some(Object::Dictionary(d)) = doc.objects.get_mut(&id)
        {
            d.set("W", Object::Array(out));
            changed += 1;
        }
    }
    changed
}

// ---- XML -----------------------------------------------------------------------------------

/// The text of an XML document: each element's own text one paragraph (mixed content joined).
fn xml(source: &str) -> Result<String, String> {
    let options = roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() };
    let doc =
        roxmltree::Document::parse_with_options(source, options).map_err(|e| format!("not well-formed XML: {e}"))?;
    let mut paragraphs: Vec<String> = Vec::new();
    let mut last_parent = None;
    for node in doc.descendants().filter(|n| n.is_text()) {
        let text = node.text().unwrap_or_default().split_whitespace().collect::<Vec<_>>().join(" ");
        if text.is_empty() {
            continue;
        }
        let parent = node.parent().map(|p| p.id());
        match paragraphs.last_mut() {
            Some(last) if parent == last_parent => {
                last.push(' ');
                last.push_str(&text);
            }
            _ => paragraphs.push(text),
        }
        last_parent = parent;
    }
    Ok(paragraphs.join("\n\n"))
}

// ---- HTML ----------------------------------------------------------------------------------

/// The text of an HTML page ([`super::html`]): the bill alone, in paragraphs, with its marks.
fn html(
    source: &str,
    name: &str,
    warnings: &mut Vec<String>,
    see_also: &mut Option<String>,
    kept: &mut Option<f64>,
) -> Result<String, String> {
    match super::html::read(source, name) {
        Ok(page) => {
            if page.text.is_empty() {
                warnings.push("the HTML page has no text outside scripts, styles and navigation".into());
            }
            *kept = Some(page.kept);
            Ok(page.text)
        }
        Err(no) => {
            *see_also = no.see_also;
            Err(no.error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::legiscan::base64_decode;

    fn fixture(path: &str) -> Vec<u8> {
        let full = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
    }

    fn text_of_fixture(media_type: Option<&str>, path: &str) -> Extraction {
        extract(media_type, path, &fixture(path))
    }

    /// A LegiScan text file's declared media type and decoded document.
    fn legiscan_doc(id: &str) -> (String, Vec<u8>) {
        let json: serde_json::Value =
            serde_json::from_slice(&fixture(&format!("legiscan-dataset/json/text/{id}.json"))).unwrap();
        let mime = json["text"]["mime"].as_str().unwrap().to_string();
        (mime, base64_decode(json["text"]["doc"].as_str().unwrap()).unwrap())
    }

    #[test]
    fn an_ilga_page_gives_the_bill_in_paragraphs_without_the_site() {
        let e = text_of_fixture(Some("text/html; charset=utf-8"), "state-html/il/HB1075/bill_content_Introduced.html");
        assert_eq!((e.method, e.error.as_deref(), e.warnings.len()), ("html", None, 0));
        let text = e.text.unwrap();
        // The printed header, then the bill; the site's title, logo and <h2> are not text.
        assert!(
            text.starts_with(
                "104TH GENERAL ASSEMBLY State of Illinois 2025 and 2026\nHB1075\n\n\
                 Introduced 1/9/2025, by Rep. Daniel Didech\n\nSYNOPSIS AS INTRODUCED:\n\n5 ILCS 490/197 new\n\n\
                 Amends the State Commemorative Dates Act. Provides that, in accordance"
            ),
            "{text}"
        );
        // Printed lines 4-5 and 7-12 are one paragraph each, without their line numbers.
        assert!(text.contains(
            "\n\nSection 5. The State Commemorative Dates Act is amended by adding Section 197 as follows:\n\n\
             (5 ILCS 490/197 new)\n\n"
        ));
        // The new section is underlined on the page: language the bill adds to the statutes.
        assert!(text.ends_with(
            "\n\n{++Sec. 197. Diwali Day. In accordance with the official day recognized by the government of the \
             Republic of India, the 15th day of the Hindu lunisolar month of Kartika is designated as Diwali Day, \
             to be observed through the State by the many Illinoisans who celebrate Diwali, also known as the \
             festival of lights, as a day of thanksgiving and reflection.++}"
        ));
        for chrome in ["ILGA.GOV", "Full Text of", "104th General Assembly", "LRB104", "enableWordFriendlyCopy"] {
            assert!(!text.contains(chrome), "{chrome}");
        }
        assert!(!text.lines().any(|l| l.trim().parse::<u32>().is_ok()), "a line number left: {text}");
    }

    #[test]
    fn an_ilga_bill_runs_across_its_pages_and_hyphens() {
        // HB1 as introduced: 14 printed pages, a "HB0001 - 3 - LRB104 03394 BDA 13416 b" header
        // on each after the first.
        let text = text_of_fixture(None, "state-html/il/HB1/bill_content_Introduced.html").text.unwrap();
        assert!(!text.contains("LRB104") && !text.contains("- 3 -"));
        // Page 2 line 26 ends "electronic menus, menu"; page 3 line 1 is "boards, and menus
        // published on the Internet.".
        assert!(text.contains(
            "\n\n\"Menu\" means the primary writing of the establishment from which a customer makes an order \
             selection, including, but not limited to, breakfast, lunch, and dinner menus, dessert menus, \
             beverage menus, other specialty menus, electronic menus, menu boards, and menus published on the \
             Internet.\n\n"
        ));
        // A line ending "ready-" continues with "to-eat" on the next.
        assert!(text.contains("ready-to-eat hemp products to end consumers") && !text.contains("ready- to"));
        assert!(text.contains("\n\nSection 10. Sale of hemp cannabinoid products.\n\n"));
    }

    #[test]
    fn a_missouri_house_bill_page_of_2011_reads_without_its_form_chrome() {
        // ASP.NET, uppercase tags, `[ four-year ]` marking struck words as Missouri prints them.
        let e = text_of_fixture(Some("text/html"), "state-html/mo/billtext-house.html");
        let text = e.text.unwrap();
        assert!(text.contains("HOUSE BILL NO. 45"), "{text}");
        assert!(text.contains("Be it enacted by the General Assembly of the state of Missouri, as follows:"), "{text}");
        assert!(text.contains("the \"Big Government Get Off My Back Act\""), "{text}");
        assert!(!text.contains("__VIEWSTATE") && !text.contains("function("), "{text}");
    }

    #[test]
    fn an_ilga_placeholder_page_is_an_error_with_the_link() {
        // The Enrolled page of HB1075 carries no text, only "too large for display".
        let e = text_of_fixture(Some("text/html"), "state-html/il/HB1075/bill_content_Enrolled.html");
        assert_eq!((e.method, e.text), ("html", None));
        assert_eq!(e.see_also.as_deref(), Some("/documents/legislation/104/HB/10400HB1075enr.htm"));
        let error = e.error.unwrap();
        assert!(error.contains("too large for display"), "{error}");
        assert!(error.ends_with("/documents/legislation/104/HB/10400HB1075enr.htm"), "{error}");
    }

    #[test]
    fn a_new_york_lbdc_page_keeps_its_preformatted_bill_without_the_menus() {
        let e = text_of_fixture(None, "state-html/ny/2015-S434-20180510T154604.html");
        assert_eq!((e.method, e.warnings.len()), ("html", 0));
        let text = e.text.unwrap();
        // The <pre> bill text: its printed lines joined into paragraphs without their numbers,
        // hanging indentation read as paragraphs, "Assem-" + "bly" one word again, the
        // underlined new section marked as added; &#167; is "§".
        assert!(text.contains(
            "\n\nIntroduced by Sen. GALLIVAN -- read twice and ordered printed, and when printed to be committed \
             to the Committee on Consumer Protection\n\n"
        ));
        assert!(text.contains(
            "\n\n{++The People of the State of New York, represented in Senate and Assembly, do enact as follows:++}\n\n\
             Section 1. The general business law is amended by adding a new section 399-ppp to read as follows:\n\n\
             {++§ 399-ppp. Prohibition on provision of deceptive caller identification information. 1. It shall be \
             unlawful for any business entity,"
        ));
        assert!(text.contains(": This act will take effect on the sixtieth day after it shall have become a law."));
        assert!(text.contains("\n06/10/15 PASSED SENATE\n"));
        // The menu (a div.nav), the search form's <select> and the scripts are not text.
        for chrome in ["Laws of New York", "Chapters", "Approval No.", "closeNav", "submitForm"] {
            assert!(!text.contains(chrome), "{chrome}");
        }
    }

    #[test]
    fn caml_paragraphs_with_struck_and_inserted_language_marked() {
        // California SB 275 (2025) as amended in the Senate, version 97: its SEC. 2 and the
        // digest's state-mandated local program are struck (xm-deletion_mark), "two" became
        // "2" (a deletion mark, then an insertion mark).
        let path = "ca-pubinfo/2025-2026/BILL_VERSION_TBL_7663.lob";
        let e = text_of_fixture(None, path);
        assert_eq!((e.method, e.warnings.len()), ("caml", 0));
        let text = e.text.unwrap();
        assert!(text.starts_with("Introduced by Senator Smallwood-Cuevas\n\n(Coauthor: Senator Limón)\n\n"), "{text}");
        assert!(text.contains(
            "\n\nSECTION 1.\n\nSection 14020 of the Unemployment Insurance Code is amended to read:\n\n14020.\n\n"
        ));
        assert!(text.contains("Vote: majority; Appropriation: no; Fiscal committee: yes; Local program: no"));
        assert!(text.contains("conducted once every {--two--} {++2++} fiscal {--years,"), "{text}");
        assert!(text.contains("\n\n{--SEC. 2.If the Commission on State Mandates determines"), "{text}");
        let live = crate::text::marks::live(&text);
        assert!(!live.contains("Commission on State Mandates") && !live.contains("SEC. 2."));
        assert!(live.contains("conducted once every 2 fiscal"));
        // Declared as HTML or XML, CAML is still read as CAML.
        for declared in ["text/html", "application/xml"] {
            let again = extract(Some(declared), "doc", &fixture(path));
            assert_eq!((again.method, again.text.as_deref()), ("caml", Some(text.as_str())));
        }
    }

    #[test]
    fn legiscan_base64_documents() {
        // LegiScan text 100932: California SB 151 (2011) as introduced, HTML in a <pre>.
        let (mime, bytes) = legiscan_doc("100932");
        assert_eq!(mime, "text/html");
        let e = extract(Some(&mime), "100932", &bytes);
        assert_eq!((e.method, e.warnings.len()), ("html", 0));
        let text = e.text.unwrap();
        assert!(
            text.starts_with(
                "BILL NUMBER: SB 151 INTRODUCED\nBILL TEXT\n\nINTRODUCED BY Senator Correa\n\nFEBRUARY 1, 2011\n\n"
            ),
            "{text}"
        );
        // 105736, AB 50 as amended: "<strike> SEC. 3. </strike> <em> SEC. 5. </em>" reads "SEC. 5.".
        let (mime, bytes) = legiscan_doc("105736");
        let text = extract(Some(&mime), "105736", &bytes).text.unwrap();
        assert!(text.contains("\n{--SEC. 3.--} SEC. 5. This act provides for a tax levy"), "{text}");
        assert!(!super::super::marks::live(&text).contains("SEC. 3. SEC. 5."));
        // 138449, ACR 9: declared UTF-8 HTML, three Latin-1 bytes in the coauthors' names.
        let (mime, bytes) = legiscan_doc("138449");
        let e = extract(Some(&mime), "138449", &bytes);
        assert_eq!(e.warnings, ["3 bytes were not UTF-8 and were read as Latin-1"]);
        assert!(e.text.unwrap().contains("John A. Pérez, V. Manuel Pérez,"));
    }

    #[test]
    fn a_pdf_printed_from_the_ilga_page() {
        let path = "texts/il-HB1075-introduced.pdf";
        let e = text_of_fixture(Some("application/pdf"), path);
        assert_eq!((e.method, e.error.as_deref(), e.warnings.len()), ("pdf", None, 0));
        let text = e.text.unwrap();
        for phrase in [
            "Introduced 1/9/2025, by Rep. Daniel Didech",
            "Amends the State Commemorative Dates Act. Provides that, in",
            "Section 5. The State Commemorative Dates Act is amended by",
            "Sec. 197. Diwali Day. In accordance with the official day",
            "15th day of the Hindu lunisolar month of Kartika is designated",
            "of lights, as a day of thanksgiving and reflection.",
        ] {
            assert!(text.contains(phrase), "{phrase}:\n{text}");
        }
        // Chromium writes its monospaced glyph widths as /W ranges, which pdf-extract 0.12
        // misreads; unrepaired, this text comes out "A m e n d s   t h e   S t a t e".
        let mut doc = pdf_extract::Document::load_mem(&fixture(path)).unwrap();
        assert!(expand_cid_width_ranges(&mut doc) >= 1);
        assert_eq!(expand_cid_width_ranges(&mut doc), 0, "a second pass has nothing to do");
        assert!(!text.contains("A m e n d s"));
        // By extension or by its first bytes alone, the same.
        assert_eq!(extract(None, path, &fixture(path)).method, "pdf");
        assert_eq!(extract(Some("application/octet-stream"), "download", &fixture(path)).text, Some(text));
    }

    #[test]
    fn documents_that_cannot_be_read_are_errors_not_panics() {
        let pdf = fixture("texts/il-HB1075-introduced.pdf");
        // (media type, name, bytes, method, words of the error)
        type Case<'a> = (Option<&'a str>, &'a str, Vec<u8>, &'a str, &'a str);
        let mut cases: Vec<Case> = vec![
            // The first half of a real PDF: its cross-reference table and trailer are gone.
            (Some("application/pdf"), "half.pdf", pdf[..pdf.len() / 2].to_vec(), "pdf", "a PDF that cannot be read"),
            (None, "junk.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog".to_vec(), "pdf", "a PDF that cannot be read"),
            (Some("image/png"), "scan.png", b"\x89PNG\r\n\x1a\n".to_vec(), "text", "an image"),
            (None, "old.doc", vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0], "docx", "old binary Word"),
            (None, "broken.docx", b"PK\x03\x04 not really a zip".to_vec(), "docx", "not a readable Word document"),
            (None, "blob", vec![0u8, 1, 2, 3, 4, 5, 6, 7, 200, 201], "text", "not a known document format"),
            (
                Some("text/html"),
                "empty.html",
                b"<html><head><title>x</title></head><body> </body></html>".to_vec(),
                "html",
                "no text found",
            ),
            (None, "bad.xml", b"<?xml version=\"1.0\"?><bill><unclosed></bill>".to_vec(), "xml", "not well-formed XML"),
        ];
        // The real PDF with one font's widths made malformed, same length (the cross-reference
        // offsets stay right): pdf-extract panics on it ("id should be num"); caught.
        let (from, to): (&[u8], &[u8]) = (b"/W [0 98 602.05078]", b"/W [/X [602.05078]]");
        let at = pdf.windows(from.len()).position(|w| w == from).expect("the monospaced font's widths");
        let mut bad_widths = pdf.clone();
        bad_widths[at..at + to.len()].copy_from_slice(to);
        cases.push((None, "widths.pdf", bad_widths, "pdf", "the PDF reader failed (id should be num"));
        for (media_type, name, bytes, method, error) in cases {
            let e = extract(media_type, name, &bytes);
            assert_eq!((e.method, e.text.as_deref()), (method, None), "{name}");
            let message = e.error.unwrap_or_default();
            assert!(message.contains(error), "{name}: {message}");
        }
    }

    #[test]
    fn every_truncation_of_real_documents_gives_a_text_or_an_error() {
        for path in [
            "texts/il-HB1075-introduced.pdf",
            "ca-pubinfo/2025-2026/BILL_ANALYSIS_TBL_176.lob",
            "ca-pubinfo/2025-2026/BILL_VERSION_TBL_7663.lob",
            "state-html/il/HB1075/bill_content_Introduced.html",
        ] {
            let bytes = fixture(path);
            for sixteenths in 0..16 {
                let cut = bytes.len() * sixteenths / 16;
                let e = extract(None, path, &bytes[..cut]);
                assert!(e.text.is_some() != e.error.is_some(), "{path} cut at {cut}: {e:?}");
            }
        }
    }

    #[test]
    fn the_method_comes_from_the_media_type_then_the_extension_then_the_bytes() {
        let html = fixture("state-html/il/HB1075/bill_content_Introduced.html");
        let pdf = fixture("texts/il-HB1075-introduced.pdf");
        // A real Word analysis (California AB 831, 2025), stored as a .lob.
        let docx = fixture("ca-pubinfo/2025-2026/BILL_ANALYSIS_TBL_176.lob");
        let e = extract(None, "BILL_ANALYSIS_TBL_176.lob", &docx);
        assert_eq!(e.method, "docx");
        assert!(
            e.text
                .unwrap()
                .starts_with("ASSEMBLY THIRD READING\n\nAB 831\n\n(Ramos)\n\nAs Introduced February 19, 2025")
        );
        assert_eq!(extract(Some("text/plain"), "x.html", &html).method, "text");
        assert_eq!(extract(None, "x.html?session=104", &html).method, "html");
        assert_eq!(extract(None, "no-extension", &html).method, "html");
        assert_eq!(extract(Some("TEXT/HTML; charset=UTF-8"), "x.txt", &html).method, "html");
        // Bytes that are plainly a PDF or a zip win over the label, with a warning.
        let e = extract(Some("text/html"), "x.html", &pdf);
        assert_eq!(e.method, "pdf");
        assert_eq!(e.warnings, ["labelled html (text/html) but the bytes are pdf: read as pdf"]);
        let e = extract(None, "analysis.html", &docx);
        assert_eq!((e.method, e.warnings.len()), ("docx", 1));
        // Markup that mentions a PDF is not one.
        let page = b"<html><body><p>Scanned copy: %PDF-1.4 file attached</p></body></html>";
        assert_eq!(
            extract(Some("text/html"), "x.html", page).text.as_deref(),
            Some("Scanned copy: %PDF-1.4 file attached")
        );
        assert_eq!(extract(None, "x", b"junk line\n%PDF-1.4\n").method, "pdf");
        // Other XML: each element's text a paragraph (a real New York LBDC bill status file).
        let path = "state-xml/ny/2016-12-31-21.52.25.010960_BILLSTAT_S05795A.XML";
        let e = extract(None, path, &fixture(path));
        assert_eq!(e.method, "xml");
        assert!(e.text.unwrap().contains(
            "\n\nEducation Law\n\nRelates to reporting school finances, reserve funds, final annual budgets and \
             multi-year financial plans\n\n"
        ));
        // Plain text is only normalized.
        let e = extract(None, "notes", b"SECTION 1.  Text \r\nmore   \r\n\r\n\r\n\r\n\r\nend\n\n");
        // Plain text is normalized, its wrapped lines joined ("Text" runs on into "more").
        assert_eq!((e.method, e.text.as_deref()), ("text", Some("SECTION 1. Text more\n\nend")));
        let e = extract(None, "notes", b"Short line.\nAnother Line.\n\n\nend\n");
        assert_eq!((e.method, e.text.as_deref()), ("text", Some("Short line.\nAnother Line.\n\nend")));
    }

    /// Whether a line starts with a number glued to a word ("1.3WHEREAS", "1.4of the"), ordinals
    /// ("104TH", "15th") aside.
    fn glued_number(glued: &regex::Regex, text: &str) -> bool {
        glued.captures_iter(text).any(|c| !matches!(c[1].to_ascii_lowercase().as_str(), "st" | "nd" | "rd" | "th"))
    }

    /// Every real bill page and print of the fixtures, with phrases of the frame around it:
    /// none is left, and no printed line number stays glued to its line's first word.
    #[test]
    fn every_fixture_page_gives_the_bill_alone_without_glued_line_numbers() {
        let glued = regex::Regex::new(r"(?m)^\d+(?:\.\d+)?([A-Za-z]{2,})").unwrap();
        let il = ["ILGA.GOV", "Full Text of", "enableWordFriendlyCopy", "LRB104", "104th General Assembly"];
        let mn = ["Skip to", "Get bill info", "View full site", "Who Represents Me", "651-296-0504", "Employee Portal"];
        let mut cases: Vec<(String, Option<&str>, &[&str])> = vec![
            ("state-html/il/HB1/bill_content_Introduced.html".into(), None, &il),
            ("state-html/il/HB1075/bill_content_Introduced.html".into(), None, &il),
            ("state-html/il/HB1075/bill_content_Engrossed.html".into(), None, &il),
            (
                "state-html/ny/2015-S434-20180510T154604.html".into(),
                None,
                &["Laws of New York", "closeNav", "submitForm"],
            ),
            (
                "state-html/ny/2017-A6361-20180510T153404.html".into(),
                None,
                &["Laws of New York", "closeNav", "submitForm"],
            ),
            (
                "state-html/ny/2023-S6169-20240109T175502.html".into(),
                None,
                &["Laws of New York", "closeNav", "submitForm"],
            ),
            ("state-html/mo/billtext-house.html".into(), None, &["__VIEWSTATE", "function("]),
            ("ca-pubinfo/2025-2026/BILL_VERSION_TBL_7663.lob".into(), None, &["MeasureDoc", "VersionNum"]),
            ("ca-pubinfo/1999-2000/BILL_VERSION_TBL_12.lob".into(), None, &["MeasureDoc", "VersionNum"]),
            // The PDF as fetched from ilga.gov: its site rule names the print's header.
            (
                "texts/il-HB1075-introduced.pdf".into(),
                Some("https://www.ilga.gov/documents/legislation/104/HB/PDF/10400HB1075.pdf"),
                &["ILGA Logo", "LRB104", "104th General Assembly"],
            ),
        ];
        for sr in ["SR1", "SR4", "SR13", "SR15"] {
            cases.push((format!("state-html/mn/{sr}/bill_content_Introduction.html"), None, &mn));
        }
        for (bill, doc) in [("SB8", "SB00008"), ("SB14", "SB00014")] {
            for print in
                ["I_Introduced", "S_Senate_Committee_Report", "E_Engrossed", "H_House_Committee_Report", "F_Enrolled"]
            {
                cases.push((format!("state-html/tx/{bill}/{doc}{print}.HTM"), None, &["Bill Text"]));
            }
        }
        for (path, url, frame) in cases {
            let e = extract(None, url.unwrap_or(&path), &fixture(&path));
            let text = e.text.unwrap_or_else(|| panic!("{path}: {:?}", e.error));
            for phrase in frame {
                assert!(!text.contains(phrase), "{path} keeps {phrase:?}");
            }
            assert!(!glued_number(&glued, &text), "{path}: {:?}", glued.find(&text).map(|m| m.as_str()));
            // Words a page parts with a no-break space of its own (`<u>(1)</u><u>&nbsp;</u><u>reduces`)
            // stay apart.
            assert!(!text.contains(")reduces") && !text.contains("Sec.395"), "{path}");
        }
    }

    #[test]
    fn normalization() {
        assert_eq!(normalize("a \r\nb\t\rc\u{c}d"), "a\nb\nc\nd");
        assert_eq!(normalize("\n\n a\n\n\n\n\nb\n\n"), " a\n\n\nb");
        assert_eq!(normalize(" \n \n"), "");
        assert_eq!(paragraphs_of_lines("one\ntwo\n\nthree"), "one\n\ntwo\n\nthree");
    }
}
