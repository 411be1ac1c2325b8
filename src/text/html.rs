//! The text of an HTML bill page: the bill alone, as paragraphs, with the page's own marks of
//! struck and inserted language kept ([`super::marks`]).
//!
//! 1. **Where the bill is.** A site rule's `content` selector when one applies (`sites.toml`,
//!    by host or by a signature element); otherwise the main content by weight of text, as
//!    readability-style extractors find it: from `<body>` (or a `<main>`, `<article>` or
//!    `role="main"` holding at least half of its text), go down into the child element that
//!    holds at least 60% of the text outside links, while there is one. Site chrome never
//!    counts: `<nav>`, `<header>`, `<footer>`, `<aside>`, forms' controls, scripts, elements
//!    whose class, id or role names navigation, menus, footers, banners or breadcrumbs, and
//!    blocks that are mostly links.
//! 2. **Lines, then paragraphs.** The content is read into blocks (HTML block elements) of
//!    lines (`<br>`, table rows, line ends inside `<pre>`), with each line's indentation
//!    (no-break spaces), centering and boldness; [`super::layout`] removes printed line
//!    numbers and page furniture and joins wrapped lines.
//! 3. **Marks.** `<s>`, `<strike>`, `<del>`, and classes or styles for struck text (`strike`,
//!    `deleted`, `line-through`) become `{--…--}`; `<u>`, `<ins>`, and classes or styles for
//!    added text (`underline`, `inserted`) become `{++…++}`.
//!
//! No recursion over the tree (pages can nest deeply).

use super::layout::{Block, Line, paragraphs};
use super::marks;
use ego_tree::NodeId;
use regex::Regex;
use scraper::{Html, Node, Selector};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

type NodeRef<'a> = ego_tree::NodeRef<'a, Node>;

/// What was read from a page.
#[derive(Debug, Clone, PartialEq)]
pub struct PageText {
    pub text: String,
    /// The share of the page's visible characters (outside scripts and styles) the text kept.
    pub kept: f64,
    /// The site rule that applied, by name.
    pub rule: Option<String>,
}

/// Why a page gave no text, with where it says the text is.
#[derive(Debug, Clone, PartialEq)]
pub struct NoText {
    pub error: String,
    pub see_also: Option<String>,
}

// ---- Site rules ------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
struct SiteFile {
    site: Vec<SiteRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SiteRule {
    name: String,
    #[serde(default)]
    hosts: Vec<String>,
    signature: Option<String>,
    content: Option<String>,
    #[serde(default)]
    drop: Vec<String>,
    #[serde(default)]
    drop_lines: Vec<String>,
    placeholder: Option<String>,
}

/// A site rule, compiled.
pub struct Site {
    pub name: String,
    hosts: Vec<String>,
    signature: Option<Selector>,
    content: Option<Selector>,
    drop: Vec<Selector>,
    drop_lines: Vec<Regex>,
    placeholder: Option<String>,
}

fn selector(rule: &str, s: &str) -> Result<Selector, String> {
    Selector::parse(s).map_err(|e| format!("site rule {rule:?}: bad selector {s:?}: {e}"))
}

/// Compiles a site table (the TOML of `sites.toml`).
pub fn compile_sites(toml_text: &str) -> Result<Vec<Site>, String> {
    let file: SiteFile = toml::from_str(toml_text).map_err(|e| format!("site rules: {e}"))?;
    file.site
        .into_iter()
        .map(|r| {
            Ok(Site {
                signature: r.signature.as_deref().map(|s| selector(&r.name, s)).transpose()?,
                content: r.content.as_deref().map(|s| selector(&r.name, s)).transpose()?,
                drop: r.drop.iter().map(|s| selector(&r.name, s)).collect::<Result<_, _>>()?,
                drop_lines: r
                    .drop_lines
                    .iter()
                    .map(|s| Regex::new(s).map_err(|e| format!("site rule {:?}: bad pattern {s:?}: {e}", r.name)))
                    .collect::<Result<_, _>>()?,
                hosts: r.hosts.iter().map(|h| h.to_ascii_lowercase()).collect(),
                placeholder: r.placeholder,
                name: r.name,
            })
        })
        .collect()
}

/// The rules shipped with statehouse (`src/text/sites.toml`).
pub static SITES: LazyLock<Vec<Site>> =
    LazyLock::new(|| compile_sites(include_str!("sites.toml")).expect("src/text/sites.toml is valid (tested)"));

impl Site {
    /// Whether the rule is for `host` (or a subdomain of one of its hosts).
    fn serves(&self, host: &str) -> bool {
        self.hosts.iter().any(|x| host == x || host.strip_suffix(x.as_str()).is_some_and(|sub| sub.ends_with('.')))
    }

    /// Whether a line (at most 90 characters) is page furniture by the rule's `drop_lines`.
    pub fn is_furniture(&self, line: &str) -> bool {
        let t = line.trim();
        !self.drop_lines.is_empty() && t.chars().count() <= 90 && self.drop_lines.iter().any(|r| r.is_match(t))
    }
}

/// The shipped site rules for `name`'s host: their page furniture applies to its PDFs and plain
/// texts too (by host only: there is no page to find a signature in).
pub fn sites_for(name: &str) -> Vec<&'static Site> {
    let Some(host) = host_of(name) else { return Vec::new() };
    SITES.iter().filter(|s| s.serves(&host)).collect()
}

fn host_of(name: &str) -> Option<String> {
    url::Url::parse(name).ok()?.host_str().map(|h| h.to_ascii_lowercase())
}

fn site_for<'a>(sites: &'a [Site], name: &str, doc: &Html) -> Option<&'a Site> {
    let host = host_of(name);
    sites.iter().find(|s| {
        host.as_deref().is_some_and(|h| s.serves(h))
            || s.signature.as_ref().is_some_and(|sel| doc.select(sel).next().is_some())
    })
}

// ---- What is never text ------------------------------------------------------------------------

/// Elements whose content is never text of the document.
fn is_skipped(name: &str) -> bool {
    matches!(
        name,
        "head"
            | "script"
            | "style"
            | "noscript"
            | "template"
            | "nav"
            | "header"
            | "footer"
            | "aside"
            | "select"
            | "option"
            | "button"
            | "textarea"
            | "input"
            | "label"
            | "iframe"
            | "object"
            | "svg"
            | "math"
            | "canvas"
            | "map"
            | "title"
    )
}

/// Words in a `class`, `id` or `role` that mark site chrome (matched inside the attribute's
/// words, so `leg_PageFooter` and `navbar-top` count).
const CHROME: &[&str] =
    &["nav", "menu", "footer", "banner", "breadcrumb", "skip", "sidebar", "masthead", "toolbar", "social", "cookie"];

fn is_chrome(e: &scraper::node::Element) -> bool {
    e.classes().chain(e.id()).chain(e.attr("role")).any(|w| {
        let w = w.as_bytes();
        CHROME.iter().any(|c| {
            let c = c.as_bytes();
            w.windows(c.len()).enumerate().any(|(i, window)| {
                // "nav" inside a word only at a word boundary ("leg_nav", "navbar"), not "canvas".
                window.eq_ignore_ascii_case(c)
                    && (c != b"nav"
                        || i == 0
                        || !w[i - 1].is_ascii_alphabetic()
                        || (i >= 4 && w[i - 4..i].eq_ignore_ascii_case(b"main")))
            })
        })
    })
}

/// Elements that start and end a block of lines.
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "address"
            | "article"
            | "blockquote"
            | "body"
            | "caption"
            | "center"
            | "dd"
            | "details"
            | "dialog"
            | "div"
            | "dl"
            | "dt"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "form"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "hr"
            | "li"
            | "main"
            | "ol"
            | "p"
            | "section"
            | "summary"
            | "table"
            | "ul"
            | "text"
    )
}

/// Containers dropped when most of their text is links (menus, link lists).
fn is_link_list(name: &str) -> bool {
    matches!(name, "ul" | "ol" | "dl" | "table" | "div" | "section" | "p" | "td" | "tr" | "li" | "span")
}

fn is_struck(e: &scraper::node::Element) -> bool {
    matches!(e.name(), "s" | "strike" | "del")
        || e.classes().any(|c| {
            let c = c.to_ascii_lowercase();
            c.contains("strike") || c.contains("deleted") || c == "del" || c.contains("removed")
        })
        || e.attr("style").is_some_and(|s| s.to_ascii_lowercase().contains("line-through"))
}

fn is_inserted(e: &scraper::node::Element) -> bool {
    matches!(e.name(), "u" | "ins")
        || e.classes().any(|c| {
            let c = c.to_ascii_lowercase();
            c.contains("underline") || c.contains("inserted") || c == "ins" || c.contains("added")
        })
        || e.attr("style").is_some_and(|s| {
            let s = s.to_ascii_lowercase();
            s.contains("underline") && !s.contains("text-decoration: none")
        })
}

fn is_bold(e: &scraper::node::Element) -> bool {
    matches!(e.name(), "b" | "strong")
        || e.attr("style").is_some_and(|s| s.to_ascii_lowercase().replace(' ', "").contains("font-weight:bold"))
}

fn is_centered(e: &scraper::node::Element) -> bool {
    e.name() == "center"
        || e.attr("align").is_some_and(|a| a.eq_ignore_ascii_case("center"))
        || e.attr("style").is_some_and(|s| s.to_ascii_lowercase().replace(' ', "").contains("text-align:center"))
}

/// Characters that show (not white space).
fn visible(s: &str) -> usize {
    s.chars().filter(|c| !c.is_whitespace()).count()
}

/// Text weights of every element: visible characters, and those inside links (elements
/// that are never text weigh nothing); and the page's visible characters (outside scripts and
/// styles, chrome included). One pass, no recursion.
struct Weights {
    chars: HashMap<NodeId, (usize, usize), IdHash>,
    shown: usize,
}

/// Hashing for node ids (an index each): one multiplication, not SipHash's rounds; ids are
/// not attacker-chosen keys (they number the page's nodes in order).
#[derive(Default, Clone, Copy)]
struct IdHash;

impl std::hash::BuildHasher for IdHash {
    type Hasher = IdHasher;
    fn build_hasher(&self) -> IdHasher {
        IdHasher(0)
    }
}

struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Elements whose content never shows.
fn is_hidden(name: &str) -> bool {
    matches!(name, "head" | "script" | "style" | "noscript" | "template")
}

impl Weights {
    fn of(root: NodeRef, never: &dyn Fn(NodeRef) -> bool) -> Weights {
        use ego_tree::iter::Edge;
        // An open node's sums so far, and what it is.
        struct Acc {
            chars: usize,
            links: usize,
            shown: usize,
            skipped: bool,
            hidden: bool,
            link: bool,
        }
        let mut chars = HashMap::with_hasher(IdHash);
        let mut stack: Vec<Acc> = Vec::new();
        let mut shown = 0;
        for edge in root.traverse() {
            match edge {
                Edge::Open(node) => {
                    let (skipped, hidden, link) = match node.value() {
                        Node::Element(e) => (never(node), is_hidden(e.name()), e.name() == "a"),
                        _ => (false, false, false),
                    };
                    let mut acc = Acc { chars: 0, links: 0, shown: 0, skipped, hidden, link };
                    if let Node::Text(t) = node.value() {
                        let n = visible(t);
                        (acc.chars, acc.shown) = (n, n);
                    }
                    stack.push(acc);
                }
                Edge::Close(node) => {
                    let Some(mut acc) = stack.pop() else { continue };
                    if acc.skipped {
                        (acc.chars, acc.links) = (0, 0);
                    }
                    if acc.hidden {
                        acc.shown = 0;
                    }
                    if acc.link {
                        acc.links = acc.chars;
                    }
                    if node.value().is_element() {
                        chars.insert(node.id(), (acc.chars, acc.links));
                    }
                    match stack.last_mut() {
                        Some(parent) => {
                            parent.chars += acc.chars;
                            parent.links += acc.links;
                            parent.shown += acc.shown;
                        }
                        None => shown = acc.shown,
                    }
                }
            }
        }
        Weights { chars, shown }
    }

    fn get(&self, node: NodeRef) -> (usize, usize) {
        self.chars.get(&node.id()).copied().unwrap_or_default()
    }

    /// Text outside links.
    fn prose(&self, node: NodeRef) -> usize {
        let (c, l) = self.get(node);
        c - l
    }
}

fn element_children(node: NodeRef) -> impl Iterator<Item = NodeRef> {
    node.children().filter(|c| c.value().is_element())
}

/// The main content: see the module documentation.
fn main_content<'a>(doc: &'a Html, weights: &Weights) -> NodeRef<'a> {
    let root = doc.tree.root();
    let body = root.descendants().find(|n| n.value().as_element().is_some_and(|e| e.name() == "body")).unwrap_or(root);
    let total = weights.prose(body).max(1);
    let hinted = body.descendants().find(|n| {
        n.value().as_element().is_some_and(|e| {
            matches!(e.name(), "main" | "article") || e.attr("role").is_some_and(|r| r.eq_ignore_ascii_case("main"))
        }) && weights.prose(*n) * 2 >= total
    });
    let mut node = hinted.unwrap_or(body);
    loop {
        let here = weights.prose(node);
        let Some(best) = element_children(node).max_by_key(|c| weights.prose(*c)) else { break };
        // The element that holds the text itself (its own text nodes, not only its
        // children's) is the container: a table inside the bill stays part of it.
        let own: usize = node.children().filter_map(|c| c.value().as_text().map(|t| visible(t))).sum();
        if here == 0 || weights.prose(best) * 10 < here * 6 || own * 10 >= here {
            break;
        }
        node = best;
    }
    node
}

// ---- The walk ----------------------------------------------------------------------------------

#[derive(Default)]
struct Writer {
    blocks: Vec<Block>,
    block: Block,
    line: String,
    visible_in_line: usize,
    bold_in_line: usize,
    centered_line: bool,
    /// `<pre>` elements open that hold their own line ends.
    pre: usize,
    /// Each open `<pre>`: whether it holds its own line ends.
    pres: Vec<bool>,
    struck: usize,
    inserted: usize,
    bold: usize,
    centered: usize,
    /// The mark open in `line`.
    open: Option<(&'static str, &'static str)>,
}

impl Writer {
    fn wanted(&self) -> Option<(&'static str, &'static str)> {
        if self.struck > 0 {
            Some((marks::STRUCK_OPEN, marks::STRUCK_CLOSE))
        } else if self.inserted > 0 {
            Some((marks::INSERTED_OPEN, marks::INSERTED_CLOSE))
        } else {
            None
        }
    }

    fn text(&mut self, s: &str) {
        for c in s.chars() {
            if c == '\n' && self.pre > 0 {
                if self.line.trim().is_empty() {
                    // An empty line inside <pre> separates blocks.
                    self.line.clear();
                    self.end_block();
                } else {
                    self.end_line();
                }
            } else if self.visible_in_line == 0 && (c == '\u{a0}' || (self.pre > 0 && c.is_whitespace())) {
                // Indentation: kept, every one.
                self.line.push(' ');
            } else if c.is_whitespace() {
                if !self.line.is_empty() && !self.line.ends_with(' ') {
                    self.line.push(' ');
                }
            } else {
                let want = self.wanted();
                if want != self.open {
                    if let Some((_, close)) = self.open {
                        self.line.push_str(close);
                    }
                    if let Some((open, _)) = want {
                        self.line.push_str(open);
                    }
                    self.open = want;
                }
                self.line.push(c);
                self.visible_in_line += 1;
                if self.bold > 0 {
                    self.bold_in_line += 1;
                }
                if self.centered > 0 {
                    self.centered_line = true;
                }
            }
        }
    }

    fn space(&mut self) {
        if !self.line.is_empty() && !self.line.ends_with(' ') {
            self.line.push(' ');
        }
    }

    fn end_line(&mut self) {
        if let Some((_, close)) = self.open.take() {
            // Before the trailing spaces.
            let trimmed = self.line.trim_end().len();
            self.line.truncate(trimmed);
            self.line.push_str(close);
        }
        if self.visible_in_line > 0 {
            self.block.push(Line {
                text: std::mem::take(&mut self.line),
                centered: self.centered_line,
                bold: self.bold_in_line == self.visible_in_line,
            });
        }
        self.line.clear();
        self.visible_in_line = 0;
        self.bold_in_line = 0;
        self.centered_line = false;
    }

    fn end_block(&mut self) {
        self.end_line();
        if !self.block.is_empty() {
            self.blocks.push(std::mem::take(&mut self.block));
        }
    }
}

/// Whether a `<pre>` holds its own line ends: not when it wraps block markup, or lines ended
/// by `<br>` more than by line ends (Minnesota's pages put the whole bill, `<br>` lines and
/// all, inside one; California's old prints end with a stray `<br>`).
fn real_pre(node: NodeRef) -> bool {
    let mut breaks = 0;
    let mut line_ends = 0;
    for n in node.descendants() {
        match n.value() {
            Node::Element(e) if is_block(e.name()) => return false,
            Node::Element(e) if e.name() == "br" => breaks += 1,
            Node::Text(t) => line_ends += t.matches('\n').count(),
            _ => {}
        }
    }
    breaks * 4 <= line_ends
}

/// Reads a page (see the module documentation). `name` is its URL or file name (for the site
/// rules by host).
pub fn read(source: &str, name: &str) -> Result<PageText, NoText> {
    read_with(source, name, &SITES)
}

pub fn read_with(source: &str, name: &str, sites: &[Site]) -> Result<PageText, NoText> {
    let doc = Html::parse_document(source);
    let site = site_for(sites, name, &doc);
    let dropped: HashSet<NodeId> =
        site.map(|s| s.drop.iter().flat_map(|sel| doc.select(sel).map(|e| e.id())).collect()).unwrap_or_default();
    let never = |n: NodeRef| {
        n.value().as_element().is_some_and(|e| is_skipped(e.name()) || is_chrome(e)) || dropped.contains(&n.id())
    };
    let weights = Weights::of(doc.tree.root(), &never);
    let page_chars = weights.shown.max(1);
    let content = match site.and_then(|s| s.content.as_ref()).and_then(|sel| doc.select(sel).next()) {
        Some(e) => {
            let node = doc.tree.get(e.id()).expect("a selected node is in the tree");
            if let Some(words) = site.and_then(|s| s.placeholder.as_deref()) {
                let text: String =
                    node.descendants().filter_map(|n| n.value().as_text().map(|t| t.to_string())).collect();
                if text.contains(words) {
                    let href = node.descendants().find_map(|n| n.value().as_element().and_then(|e| e.attr("href")));
                    return Err(NoText {
                        error: format!(
                            "a page without the bill text ({}: \"{words}\"); the text is at {}",
                            site.map(|s| s.name.as_str()).unwrap_or_default(),
                            href.unwrap_or("a link the page does not give")
                        ),
                        see_also: href.map(str::to_string),
                    });
                }
            }
            node
        }
        None => main_content(&doc, &weights),
    };
    let mut out = Writer::default();
    walk(content, &never, &weights, &mut out);
    out.end_block();
    let mut blocks = out.blocks;
    if let Some(site) = site {
        for block in &mut blocks {
            block.retain(|l| !site.is_furniture(&l.text));
        }
    }
    let text = paragraphs(blocks, false).join("\n\n");
    // Struck language was on the page too: it counts as kept.
    let kept = (visible(&text) as f64 / page_chars as f64).min(1.0);
    Ok(PageText { text, kept, rule: site.map(|s| s.name.clone()) })
}

/// Depth first over `root` without recursion.
fn walk(root: NodeRef, never: &dyn Fn(NodeRef) -> bool, weights: &Weights, out: &mut Writer) {
    // (node, closing, the element's style when closing)
    let mut stack = vec![(root, false, Style::default())];
    while let Some((node, closing, style)) = stack.pop() {
        match node.value() {
            Node::Text(t) if !closing => out.text(t),
            Node::Element(e) => {
                let name = e.name();
                if closing {
                    close(name, style, out);
                    continue;
                }
                let (chars, links) = weights.get(node);
                if chars == 0 {
                    // Nothing to read: never text (`never`: it weighs nothing), or empty. A
                    // spacer cell's no-break spaces are not indentation; a line break and a
                    // block's bounds still count.
                    match name {
                        "td" | "th" => out.space(),
                        "br" | "tr" => out.end_line(),
                        _ if never(node) => {}
                        _ if is_block(name) => out.end_block(),
                        // White space alone (`<u>&nbsp;</u>` between two words): a space.
                        _ if node.descendants().any(|n| n.value().is_text()) => out.space(),
                        _ => {}
                    }
                    continue;
                }
                if node.id() != root.id() && is_link_list(name) && links * 2 > chars {
                    continue;
                }
                let style = open(node, e, out);
                stack.push((node, true, style));
                let children: Vec<_> = node.children().collect();
                stack.extend(children.into_iter().rev().map(|c| (c, false, Style::default())));
            }
            Node::Document | Node::Fragment if !closing => {
                let children: Vec<_> = node.children().collect();
                stack.extend(children.into_iter().rev().map(|c| (c, false, Style::default())));
            }
            _ => {}
        }
    }
}

/// What an element does to the text inside it (read once, when it opens).
#[derive(Debug, Clone, Copy, Default)]
struct Style {
    struck: bool,
    inserted: bool,
    bold: bool,
    centered: bool,
}

fn open(node: NodeRef, e: &scraper::node::Element, out: &mut Writer) -> Style {
    let name = e.name();
    match name {
        "pre" => {
            out.end_block();
            let real = real_pre(node);
            out.pres.push(real);
            out.pre += usize::from(real);
        }
        "br" => out.end_line(),
        "tr" => out.end_line(),
        "td" | "th" => out.space(),
        _ if is_block(name) => out.end_block(),
        _ => {}
    }
    let styled = e.attr("class").is_some() || e.attr("style").is_some() || e.attr("align").is_some();
    let plain = |names: &[&str]| names.contains(&name);
    let style = Style {
        struck: plain(&["s", "strike", "del"]) || (styled && is_struck(e)),
        inserted: plain(&["u", "ins"]) || (styled && is_inserted(e)),
        bold: plain(&["b", "strong"]) || (styled && is_bold(e)),
        centered: name == "center" || (styled && is_centered(e)),
    };
    out.struck += usize::from(style.struck);
    out.inserted += usize::from(style.inserted);
    out.bold += usize::from(style.bold);
    out.centered += usize::from(style.centered);
    style
}

fn close(name: &str, style: Style, out: &mut Writer) {
    out.struck -= usize::from(style.struck);
    out.inserted -= usize::from(style.inserted);
    out.bold -= usize::from(style.bold);
    match name {
        "pre" => {
            out.end_block();
            if out.pres.pop() == Some(true) {
                out.pre -= 1;
            }
        }
        "tr" => out.end_line(),
        // A printed line number in a <var> (Minnesota) stays apart from the line's first word.
        "var" => out.space(),
        _ if is_block(name) => out.end_block(),
        _ => {}
    }
    // After the line it centered ends (a centered cell's row ends the line).
    out.centered -= usize::from(style.centered);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(path: &str) -> String {
        let full = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
        String::from_utf8_lossy(&std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))).into_owned()
    }

    #[test]
    fn the_shipped_site_rules_compile_and_bad_ones_are_named() {
        assert!(SITES.iter().any(|s| s.name.contains("Illinois")));
        let bad = compile_sites("[[site]]\nname = \"x\"\ncontent = \"div[\"\n").err().unwrap();
        assert!(bad.contains("site rule \"x\": bad selector"), "{bad}");
        let unknown = compile_sites("[[site]]\nname = \"x\"\ncontnet = \"div\"\n").err().unwrap();
        assert!(unknown.contains("unknown field"), "{unknown}");
    }

    #[test]
    fn a_rule_applies_by_host_or_by_its_signature() {
        let page = fixture("state-html/il/HB1075/bill_content_Introduced.html");
        // By its signature (#billtextanchor) under any name, and by host.
        for name in ["saved.html", "https://www.ilga.gov/Legislation/BillStatus/FullText?DocName=10400HB1075"] {
            assert_eq!(read(&page, name).unwrap().rule.as_deref(), Some("Illinois General Assembly full text"));
        }
        // A rule of another host does not apply; the generic method still finds the bill.
        let rules =
            compile_sites("[[site]]\nname = \"elsewhere\"\nhosts = [\"example.gov\"]\ncontent = \"nav\"\n").unwrap();
        let generic = read_with(&page, "https://www.ilga.gov/x", &rules).unwrap();
        assert_eq!(generic.rule, None);
        assert!(generic.text.contains("Sec. 197. Diwali Day."), "{}", generic.text);
        // By host: a rule naming where the bill is.
        let mn = fixture("state-html/mn/SR13/bill_content_Introduction.html");
        let rules =
            compile_sites("[[site]]\nname = \"mn\"\nhosts = [\"revisor.mn.gov\"]\ncontent = \"div.xtend\"\n").unwrap();
        let ruled =
            read_with(&mn, "https://www.revisor.mn.gov/bills/94/2025/0/SR/13/versions/latest/", &rules).unwrap();
        assert_eq!(ruled.rule.as_deref(), Some("mn"));
        assert_eq!(ruled.text, read(&mn, "x.html").unwrap().text, "the generic method found the same block");
    }

    #[test]
    fn marks_from_elements_classes_and_styles() {
        let page = "<html><body><p>Every <s>two</s> <u>2</u> years, <span class=\"strikethrough\">old</span> \
                    <span style=\"text-decoration: underline\">new</span> and <del>gone</del><ins>added</ins>.</p></body></html>";
        assert_eq!(
            read(page, "x.html").unwrap().text,
            "Every {--two--} {++2++} years, {--old--} {++new++} and {--gone--}{++added++}."
        );
    }

    #[test]
    fn link_lists_and_chrome_are_not_the_bill() {
        // Minnesota's frame: its menus (link lists), search form and footer (leg_PageFooter).
        let mn = fixture("state-html/mn/SR15/bill_content_Introduction.html");
        let page = read(&mn, "x.html").unwrap();
        assert!(
            page.text.starts_with("A Senate resolution expressing the Minnesota Senate's condemnation"),
            "{}",
            page.text
        );
        assert!(page.text.ends_with("and transmit it to Governor Tim Walz."), "{}", page.text);
        assert!(page.kept < 0.5, "the frame is most of the page: {}", page.kept);
    }
}
