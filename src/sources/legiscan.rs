//! `legiscan`: LegiScan's weekly dataset zips (<https://legiscan.com/datasets>), one session of
//! one state each, in either of LegiScan's two flavours. The files sit under
//! `<STATE>/<year_start>-<year_end>_<Session_Name>/` (`MN/2025-2026_94th_Legislature/`):
//!
//! | Flavour | File | Yields |
//! |---|---|---|
//! | CSV | `csv/bills.csv` | one bill per row |
//! | | `csv/history.csv` | the bills' actions, ordered by `sequence` |
//! | | `csv/sponsors.csv` | sponsors (names from `people.csv`), ordered by `position` |
//! | | `csv/rollcalls.csv` | one vote per row: motion, chamber, date, tallies |
//! | | `csv/votes.csv` | each legislator's vote (names from `people.csv`) |
//! | | `csv/documents.csv` | version links (`text`) and document links (`amendment`, `supplement`); no texts |
//! | | `csv/people.csv` | people; "people" that are committees (`committee_id` ≠ 0) become organizations |
//! | JSON | `bill/<bill_number>.json` | a bill: actions, sponsors, subjects, version and document links, vote summaries |
//! | | `vote/<roll_call_id>.json` | a vote with each legislator's vote (names from `people/`) |
//! | | `people/<people_id>.json` | people (committees become organizations, as above) |
//! | | `text/<doc_id>.json` | a version's text: the document itself, base64 in `doc` |
//!
//! Both flavours also carry `LICENSE` (CC BY 4.0, attribution required) and `README.md`;
//! [`attribution`] returns the licence text; the credit line to show with the data is
//! [`super::SourceKind::credit_line`]'s.
//!
//! **Reading a zip.** Dataset zips are downloaded from the network and treated as untrusted, read
//! through [`crate::safe_zip`]: [`open_zip`] rejects, before decompressing anything, an entry whose path could escape a folder
//! (absolute, a `..` component, a drive letter, backslash forms of these, a NUL byte) or that has
//! the same path as another; then a symbolic link; it decompresses every entry into memory, counting
//! the bytes actually produced (declared sizes are not trusted), and fails as soon as one entry
//! passes [`Limits::max_entry_bytes`] or all of them [`Limits::max_total_bytes`] (a zip bomb). Every
//! error names the zip and the entry. The flavour is recognized from the paths, whatever the top
//! folders are called: a `csv/bills.csv` means CSV, `.json` files in `bill/`, `vote/`, `people/` or
//! `text/` mean JSON; the folders above them are the dataset's root, and one zip holds one dataset.
//! Parsing is then pure, over the [`Dataset`] in memory; [`Dataset::from_entries`] builds one from
//! files read elsewhere (an unpacked folder, a test), with the same path checks.
//!
//! **Jurisdiction and session.** The state is the root's `<STATE>` folder (JSON bills also say it
//! in `state`; CSV rows never do, so a root without one falls back to the state in the bills'
//! LegiScan URLs, `https://legiscan.com/MN/bill/HF1/2025`). The session is LegiScan's session as
//! its session folder names it, underscores read as spaces: `2025-2026 94th Legislature`,
//! `2025-2025 94th Legislature 1st Special Session`, that is `<year_start>-<year_end> <session
//! name>`. It is the same string in both flavours (so a bill's id does not change when a source
//! switches flavour) and unique per LegiScan session (a year range alone is not: Arizona's 3rd
//! special session of 2011 is `2011-2011`, as is that year's regular session). Without a session folder, a JSON bill's
//! own `session` gives the same form (`year_start-year_end session_name`), and a CSV dataset falls
//! back to `LegiScan session <session_id>` with a warning. It is not Open States' session
//! identifier (`2025-2026`, `2025s1`): mapping one to the other is configuration's job.
//!
//! **Fields.** Bill `identifier` is `bill_number` as given (`HF1`; normalization writes `HF 1`),
//! `source_key` LegiScan's `bill_id`, `title` the title (the description when the title is
//! empty), the description an abstract when it differs from the title (Minnesota's never do),
//! `sources` the state's page then LegiScan's. Actions and vote chambers: `House`/`H`/`A` (and
//! `Assembly`) are `lower`, `Senate`/`S` `upper`, `Joint`/`J`, Nebraska's `Legislature`/`L` and a
//! council `legislature`; an empty chamber (old data, governor's actions) is none. Votes:
//! `dedupe_key` and `source_key` come from `roll_call_id` (`legiscan:<roll_call_id>`), the bill is
//! named by `bill_id` (and `bill_number` when the bill is in the dataset), the motion is the
//! roll call's description, the counts are LegiScan's four tallies under its own words (`Yea`,
//! `Nay`, `NV`, `Absent`), and each person's option is `vote_desc`/`vote_text` (`vote` 1–4 when
//! that is empty). The CSV flavour has no vote result and no vote URL: the result is left empty
//! and the source is the LegiScan roll-call page, built as the JSON flavour writes it
//! (`https://legiscan.com/MN/rollcall/SF202/id/1523970`). Tallies that disagree with the per-person
//! votes are a warning.
//!
//! Sponsors: in CSV, `position` 1 is the primary sponsor (`primary`), later positions are
//! `cosponsor`s; in JSON, `sponsor_type_id` 1 is primary, 2 `cosponsor`, 3 `joint sponsor`. Old
//! datasets give every sponsor position 0 / type 0 ("Sponsor": AZ 2011, the 2011–12 JSON
//! samples): they are classified `sponsor` and none is marked primary, in the source's order.
//! A committee sponsor is an `organization` sponsorship.
//!
//! Texts (JSON only): `doc` is decoded from base64 and read by its `mime`: Word `.docx` by
//! [`crate::text::formats::docx_text`]; HTML, plain text, PDF (most states) and other formats by
//! [`crate::text::extract`] (the bill alone, printed lines joined into paragraphs, struck and
//! inserted language marked `{--…--}` / `{++…++}`). A document nothing can be read from keeps
//! its version without text and gives a warning saying why.
//!
//! Quirks handled (shared research, data-sources.md, "LegiScan"):
//! - ids are numbers in some places and strings in others (`committee_id` "1623" in sponsors but
//!   1631 in people, `party_id` "0"): every JSON scalar is read as text;
//! - `0000-00-00` (an unknown date) becomes an empty date;
//! - text values are trimmed (`last_action` and history actions end in spaces: "Secretary of
//!   State Chapter 2 ");
//! - the JSON's escaped URLs (`https:\/\/legiscan.com…`) are plain JSON escapes, undone by the
//!   JSON reader;
//! - a CSV row with the wrong number of fields, or with text after a closing quote (a row cut
//!   off inside a quoted field runs into the next line, whose first quote then closes it), is a
//!   warning naming the file and line, and the other rows load. The files are first split into
//!   records here (RFC 4180: quoted fields may hold commas, doubled quotes and line breaks) so
//!   that a bad row can be named and skipped; when a bad record spans lines, reading resumes on
//!   the line after its first, so a cut-off row costs only itself. The clean records are then
//!   read with polars' CSV reader, every column a string, as [`super::ca_pubinfo`] does (polars
//!   alone would pad or merge such rows silently, or fail the whole file);
//! - rows naming a bill, roll call or person the dataset lacks are warnings (one per bill or roll
//!   call), never silent drops.
//!
//! Not handled: `status`/`progress`, `committee`/`pending_committee_id` (the pending committee),
//! `sasts` (same-as/similar-to bills), `calendar` (hearings), `last_action*` (derivable from the
//! actions), people's third-party ids; PDF texts; LegiScan's API envelopes other than
//! `{"status":"OK", "bill"|"roll_call"|"person"|"text": …}` (list endpoints, search).

use crate::model::*;
use polars::prelude::*;
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{Cursor, Read, Seek};
use std::path::Path;

// A dataset zip's bounds are the safe reader's defaults (2 GiB in all, 512 MiB per entry).
pub use crate::safe_zip::{
    DEFAULT_MAX_ENTRIES, DEFAULT_MAX_ENTRY_BYTES, DEFAULT_MAX_TOTAL_BYTES, Limits, ZipError, safe_path,
};
const LEGISCAN: &str = "https://legiscan.com";
/// The JSON flavour's folders.
const JSON_FOLDERS: [&str; 4] = ["bill", "vote", "people", "text"];
const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

// ---- Reading a zip -------------------------------------------------------------------------

/// The two kinds of LegiScan dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    Csv,
    Json,
}

/// Why a dataset zip was rejected. Each names the zip, and the entry when one is at fault.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    #[error(transparent)]
    Zip(#[from] ZipError),
    #[error("{zip} is not a LegiScan dataset: {reason}")]
    NotADataset { zip: String, reason: String },
}

/// Opens a dataset zip from a file; `limits` as in [`open_zip`].
pub fn open_zip_file(path: impl AsRef<Path>, limits: &Limits) -> Result<Dataset, DatasetError> {
    let zip = crate::safe_zip::SafeZip::open(path, limits)?;
    let name = zip.name().to_string();
    Dataset::from_entries(&name, zip.read_all()?)
}

/// Reads a dataset zip (its bytes in a `Cursor`, or a file) as untrusted input, through
/// [`crate::safe_zip`]: see the module documentation. `zip_name` names it in errors. Everything
/// is decompressed into memory, within `limits` ([`Limits::default`]: 2 GiB in all, 512 MiB per
/// entry).
pub fn open_zip<R: Read + Seek>(reader: R, zip_name: &str, limits: &Limits) -> Result<Dataset, DatasetError> {
    let zip = crate::safe_zip::SafeZip::new(reader, zip_name, limits)?;
    Dataset::from_entries(zip_name, zip.read_all()?)
}

/// One dataset's files, in memory, with checked paths.
#[derive(Debug, Clone)]
pub struct Dataset {
    name: String,
    flavour: Flavour,
    /// The folders above `csv/` or `bill/` etc., with a trailing `/`; empty at the top.
    root: String,
    /// Cleaned path → bytes.
    files: BTreeMap<String, Vec<u8>>,
}

impl Dataset {
    /// A dataset from `(path, bytes)` pairs read elsewhere; `name` names it in errors. The paths
    /// get the checks of [`open_zip`]; folders (paths ending in `/`) are ignored.
    pub fn from_entries(
        name: &str,
        entries: impl IntoIterator<Item = (String, Vec<u8>)>,
    ) -> Result<Dataset, DatasetError> {
        let mut files = BTreeMap::new();
        for (path, bytes) in entries {
            let clean = safe_path(&path).map_err(|reason| ZipError::UnsafeEntry {
                zip: name.to_string(),
                entry: path.clone(),
                reason,
            })?;
            if clean.ends_with('/') {
                continue;
            }
            if files.insert(clean, bytes).is_some() {
                return Err(ZipError::UnsafeEntry {
                    zip: name.to_string(),
                    entry: path,
                    reason: "has the same path as another entry",
                }
                .into());
            }
        }
        let (flavour, root) = detect(files.keys().map(String::as_str))
            .map_err(|reason| DatasetError::NotADataset { zip: name.to_string(), reason })?;
        Ok(Dataset { name: name.to_string(), flavour, root, files })
    }

    /// The zip's name, as given to [`open_zip`].
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn flavour(&self) -> Flavour {
        self.flavour
    }

    /// The folders above the dataset's files (`MN/2025-2026_94th_Legislature/`), empty when the
    /// files are at the top.
    pub fn root(&self) -> &str {
        &self.root
    }

    /// All paths, sorted.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// The bytes at a path (as [`Dataset::paths`] lists it).
    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path).map(Vec::as_slice)
    }

    /// The state code (upper case) the root names: its `<STATE>` folder, the one above the
    /// session folder, else any folder that is a state code.
    pub fn state(&self) -> Option<String> {
        let parts: Vec<&str> = self.root.split('/').filter(|p| !p.is_empty()).collect();
        let known = |p: &&str| p.len() == 2 && crate::jurisdictions::name_of(p).is_some();
        let at_session = parts.iter().rposition(|p| is_session_folder(p));
        at_session
            .and_then(|i| i.checked_sub(1))
            .map(|i| parts[i])
            .filter(known)
            .or_else(|| parts.iter().rev().copied().find(known))
            .map(str::to_ascii_uppercase)
    }

    /// The session, from the root's session folder (`2025-2026_94th_Legislature` →
    /// `2025-2026 94th Legislature`).
    pub fn session(&self) -> Option<String> {
        let folder = self.root.split('/').rfind(|p| is_session_folder(p))?;
        Some(folder.split('_').filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" "))
    }

    /// The file `<root><folder>/<file>`, folder and file matched case-insensitively.
    fn file(&self, folder: &str, file: &str) -> Option<(&str, &[u8])> {
        let want = format!("{folder}/{file}");
        self.files
            .iter()
            .filter_map(|(p, b)| Some((p.as_str(), p.strip_prefix(&self.root)?, b)))
            .find(|(_, rel, _)| rel.eq_ignore_ascii_case(&want))
            .map(|(p, _, b)| (p, b.as_slice()))
    }

    /// The `.json` files directly in `<root><folder>/`, in path order, with their paths.
    fn json_files(&self, folder: &str) -> Vec<(&str, &[u8])> {
        self.files
            .iter()
            .filter(|(p, _)| {
                p.strip_prefix(&self.root).and_then(|rel| rel.split_once('/')).is_some_and(|(dir, file)| {
                    dir.eq_ignore_ascii_case(folder)
                        && !file.contains('/')
                        && file.to_ascii_lowercase().ends_with(".json")
                })
            })
            .map(|(p, b)| (p.as_str(), b.as_slice()))
            .collect()
    }
}

/// `2025-2026_94th_Legislature`: a LegiScan session folder.
fn is_session_folder(part: &str) -> bool {
    let b = part.as_bytes();
    b.len() > 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..9].iter().all(u8::is_ascii_digit)
        && b[9] == b'_'
}

/// The flavour and the root (with a trailing `/`, or empty) of a dataset's paths.
fn detect<'a>(paths: impl Iterator<Item = &'a str>) -> Result<(Flavour, String), String> {
    let (mut csv_roots, mut json_roots) = (BTreeSet::new(), BTreeSet::new());
    for path in paths {
        let Some((dir, file)) = path.rsplit_once('/') else { continue };
        let (parent, folder) = match dir.rsplit_once('/') {
            Some((parent, folder)) => (format!("{parent}/"), folder),
            None => (String::new(), dir),
        };
        let folder = folder.to_ascii_lowercase();
        let file = file.to_ascii_lowercase();
        if folder == "csv" && file == "bills.csv" {
            csv_roots.insert(parent);
        } else if JSON_FOLDERS.contains(&folder.as_str()) && file.ends_with(".json") {
            json_roots.insert(parent);
        }
    }
    let shown = |roots: &BTreeSet<String>| {
        roots.iter().map(|r| if r.is_empty() { "(top)".to_string() } else { r.clone() }).collect::<Vec<_>>().join(", ")
    };
    match (csv_roots.len(), json_roots.len()) {
        (1, 0) => Ok((Flavour::Csv, csv_roots.pop_first().unwrap_or_default())),
        (0, 1) => Ok((Flavour::Json, json_roots.pop_first().unwrap_or_default())),
        (0, 0) => Err("no csv/bills.csv (CSV flavour) and no .json files in bill/, vote/, people/ or text/ \
                       (JSON flavour)"
            .to_string()),
        (c, j) if c > 0 && j > 0 => Err(format!(
            "it holds both a CSV dataset (in {}) and JSON files (in {})",
            shown(&csv_roots),
            shown(&json_roots)
        )),
        _ => Err(format!(
            "it holds more than one dataset (in {})",
            shown(&csv_roots.union(&json_roots).cloned().collect())
        )),
    }
}

/// The licence text the dataset carries (its `LICENSE`, else its `README`), to keep beside the
/// data: LegiScan's data is CC BY 4.0 and must be credited (see [`super::SourceKind::credit_line`]).
pub fn attribution(files: &Dataset) -> Option<String> {
    let base = |p: &str| p.rsplit('/').next().unwrap_or(p).to_ascii_lowercase();
    let find = |names: &[&str]| {
        files.files.iter().find(|(p, _)| names.contains(&base(p).as_str())).map(|(_, b)| String::from_utf8_lossy(b))
    };
    find(&["license", "license.txt", "license.md"])
        .or_else(|| find(&["readme.md", "readme", "readme.txt"]))
        .map(|s| s.into_owned())
}

// ---- Shared helpers ------------------------------------------------------------------------

/// The OCD jurisdiction of a LegiScan state code, when it is a state this project covers.
fn jurisdiction_id(state: &str) -> Option<String> {
    let code = state.trim().to_ascii_lowercase();
    crate::jurisdictions::name_of(&code)?;
    Some(crate::normalize::ids::state_jurisdiction_id(&code))
}

/// The chamber of a LegiScan chamber, body or role (`House`, `H`, `Rep`, `Senate`, `S`, ...).
fn chamber(raw: &str) -> Option<String> {
    let c = match raw.trim().to_ascii_lowercase().as_str() {
        "h" | "a" | "house" | "assembly" | "rep" | "asm" | "del" => "lower",
        "s" | "senate" | "sen" => "upper",
        "j" | "joint" | "jnt" | "l" | "legislature" | "c" | "council" => "legislature",
        _ => return None,
    };
    Some(c.to_string())
}

/// A person's chamber from `role` (`Rep`, `Sen`, `Jnt`), else `role_id` (1, 2, 3).
fn role_chamber(role: &str, role_id: &str) -> Option<String> {
    chamber(role).or_else(|| {
        let c = match role_id.trim() {
            "1" => "lower",
            "2" => "upper",
            "3" => "legislature",
            _ => return None,
        };
        Some(c.to_string())
    })
}

/// LegiScan's unknown date `0000-00-00` is an empty date; other dates are kept.
fn date(raw: &str) -> String {
    let d = raw.trim();
    if d.starts_with("0000-00-00") { String::new() } else { d.to_string() }
}

fn nonempty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// A vote option from `vote_desc`/`vote_text`, else the `vote` number (1–4).
fn vote_option(text: &str, number: &str) -> String {
    if !text.trim().is_empty() {
        return text.trim().to_string();
    }
    match number.trim() {
        "1" => "Yea",
        "2" => "Nay",
        "3" => "NV",
        "4" => "Absent",
        other => other,
    }
    .to_string()
}

/// The four tallies, under LegiScan's words; a tally that is not a number is a warning.
fn counts(values: [(&str, &str); 4], record: &str, ctx: &mut Ctx) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for (option, value) in values {
        match value.trim().parse::<i64>() {
            Ok(n) => out.push((option.to_string(), n)),
            Err(_) => ctx.warn(record, format!("the {option} tally {value:?} is not a number; left out")),
        }
    }
    out
}

/// Compares a vote's tallies with its per-person votes.
fn check_tallies(vote: &VoteRecord, ctx: &mut Ctx) {
    if vote.votes.is_empty() {
        return;
    }
    let mut tally: BTreeMap<String, i64> = BTreeMap::new();
    for v in &vote.votes {
        *tally.entry(v.option.clone()).or_default() += 1;
    }
    let disagree = vote.counts.iter().any(|(o, n)| tally.get(o).copied().unwrap_or(0) != *n)
        || tally.keys().any(|o| !vote.counts.iter().any(|(c, _)| c == o));
    if disagree {
        let key = vote.dedupe_key.clone().unwrap_or_default();
        ctx.warn(key, format!("the tallies {:?} disagree with the per-person votes {:?}", vote.counts, tally));
    }
}

/// The sponsorship classification and primary flag of a CSV `position` (1 is the primary sponsor;
/// 0 means LegiScan does not know the order).
fn csv_sponsor_class(position: i64) -> (&'static str, bool) {
    match position {
        1 => ("primary", true),
        p if p > 1 => ("cosponsor", false),
        _ => ("sponsor", false),
    }
}

/// The same for a JSON `sponsor_type_id` (LegiScan's `sponsor_type` table).
fn json_sponsor_class(sponsor_type: &str) -> (&'static str, bool) {
    match sponsor_type.trim() {
        "1" => ("primary", true),
        "2" => ("cosponsor", false),
        "3" => ("joint sponsor", false),
        _ => ("sponsor", false),
    }
}

/// A bill's classification from LegiScan's `bill_type` abbreviation (its `bill_type` table).
fn bill_classification(bill_type: &str) -> Vec<String> {
    let class = match bill_type.trim().to_ascii_uppercase().as_str() {
        "B" => "bill",
        "R" => "resolution",
        "CR" => "concurrent resolution",
        "JR" => "joint resolution",
        "JRCA" | "CA" => "constitutional amendment",
        "EO" => "executive order",
        "M" => "memorial",
        "CL" => "claim",
        "C" => "commemoration",
        "CSR" => "committee study request",
        "JM" => "joint memorial",
        "P" => "proclamation",
        "SR" => "study request",
        "A" => "address",
        "CM" => "concurrent memorial",
        "I" => "initiative",
        "PET" => "petition",
        "SB" => "study bill",
        "IP" => "initiative petition",
        "RB" => "repeal bill",
        "RM" => "remonstration",
        "CB" => "committee bill",
        _ => return Vec::new(),
    };
    vec![class.to_string()]
}

/// Links to a document: the state's copy (with its media type) then LegiScan's page.
fn document_links(state_link: &str, url: &str, mime: &str) -> Vec<Link> {
    let mut links = Vec::new();
    if let Some(u) = nonempty(state_link) {
        links.push(Link { url: u, media_type: nonempty(mime) });
    }
    if let Some(u) = nonempty(url) {
        links.push(Link { url: u, media_type: None });
    }
    links
}

fn sources(state_link: &str, url: &str) -> Vec<String> {
    [state_link, url].into_iter().filter_map(nonempty).collect()
}

/// The state code in a LegiScan URL (`https://legiscan.com/MN/bill/HF1/2025` → `MN`).
fn state_in_url(url: &str) -> Option<String> {
    let rest =
        url.trim().strip_prefix("https://legiscan.com/").or_else(|| url.trim().strip_prefix("http://legiscan.com/"))?;
    let code = rest.split('/').next()?;
    (code.len() == 2 && crate::jurisdictions::name_of(code).is_some()).then(|| code.to_ascii_uppercase())
}

struct Ctx<'a> {
    location: &'a str,
    warnings: Vec<Warning>,
}

impl Ctx<'_> {
    fn warn(&mut self, record: impl Into<String>, message: impl Into<String>) {
        self.warnings.push(Warning::new(self.location, Some(record.into()), message));
    }

    fn warn_dataset(&mut self, message: impl Into<String>) {
        self.warnings.push(Warning::new(self.location, None, message));
    }

    fn origin(&self) -> Origin {
        Origin { location: self.location.to_string(), payload_sha256: None }
    }
}

/// A bill as votes and texts find it.
struct BillKey {
    index: usize,
    jurisdiction_id: String,
    session: String,
    identifier: String,
}

// ---- CSV flavour ---------------------------------------------------------------------------

/// One CSV file read into a frame, every column a string.
struct Table {
    file: String,
    frame: DataFrame,
    /// The line (1-based) each row of `frame` starts on.
    lines: Vec<usize>,
    /// Every record was read (none skipped, the file not cut inside a record): the table is
    /// authoritative for what it carries (`model::BillScope`).
    complete: bool,
}

/// The columns of a [`Table`], row by row.
struct Rows<'a> {
    file: &'a str,
    cols: HashMap<&'a str, Vec<Option<&'a str>>>,
    lines: &'a [usize],
}

impl<'a> Rows<'a> {
    fn new(table: &'a Table) -> Result<Rows<'a>, String> {
        let mut cols = HashMap::new();
        for column in table.frame.columns() {
            let values = column.str().map_err(|e| format!("{}: {e}", column.name()))?;
            cols.insert(column.name().as_str(), values.iter().collect());
        }
        Ok(Rows { file: &table.file, cols, lines: &table.lines })
    }

    fn len(&self) -> usize {
        self.lines.len()
    }

    /// A value, trimmed; empty for a missing column or value.
    fn get(&self, row: usize, column: &str) -> &'a str {
        self.cols.get(column).and_then(|c| c.get(row).copied().flatten()).map(str::trim).unwrap_or("")
    }

    fn number(&self, row: usize, column: &str) -> Option<i64> {
        self.get(row, column).parse().ok()
    }

    /// `<file> line <n>`, for warnings.
    fn record(&self, row: usize) -> String {
        format!("{} line {}", self.file, self.lines.get(row).copied().unwrap_or(0))
    }
}

/// One record of a CSV file, as split by [`split_csv`].
struct CsvRecord {
    /// The line it starts on, 1-based.
    line: usize,
    fields: Vec<String>,
}

/// Splits a CSV file (RFC 4180: `,` between fields, `"` around a field that holds commas,
/// quotes (doubled) or line breaks; LF or CRLF) into its header and records. Records whose
/// field count differs from the header's are warnings naming `file` and the line, and are left
/// out; when such a record spans lines (a quote that never closes), reading resumes on the line
/// after its first, so a truncated row costs only itself.
fn split_csv(bytes: &[u8], file: &str, ctx: &mut Ctx) -> Option<(Vec<String>, Vec<CsvRecord>)> {
    if let Err(e) = std::str::from_utf8(bytes) {
        ctx.warn(
            file,
            format!(
                "not valid UTF-8 (first bad byte at offset {}); undecodable bytes were replaced with U+FFFD",
                e.valid_up_to()
            ),
        );
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let (mut pos, mut line) = (0, 1);
    let mut header: Option<Vec<String>> = None;
    let mut records = Vec::new();
    while pos < bytes.len() {
        let raw = read_record(bytes, pos);
        let blank = raw.fields.len() == 1 && raw.fields[0].is_empty() && !raw.quoted;
        let width = header.as_ref().map(Vec::len);
        let bad = match width {
            _ if blank => None,
            _ if raw.unclosed => Some(format!(
                "a quoted field is not closed by the end of the file; record skipped ({} fields)",
                raw.fields.len()
            )),
            _ if raw.broken_quote => Some(format!(
                "text follows a closing quote (a broken or cut-off quoted field); row skipped ({} fields)",
                raw.fields.len()
            )),
            Some(w) if raw.fields.len() != w => {
                Some(format!("{} fields where the header has {w}; row skipped", raw.fields.len()))
            }
            _ => None,
        };
        if let Some(message) = bad {
            ctx.warn(format!("{file} line {line}"), message);
            if raw.newlines > 1 {
                // Resume on the line after this record's first.
                let next = bytes[pos..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |i| pos + i + 1);
                pos = next;
                line += 1;
                continue;
            }
        } else if !blank {
            let fields = raw.fields.into_iter().map(|f| String::from_utf8_lossy(&f).into_owned()).collect();
            match header {
                None => header = Some(fields),
                Some(_) => records.push(CsvRecord { line, fields }),
            }
        }
        pos = raw.end;
        line += raw.newlines;
    }
    let Some(header) = header else {
        ctx.warn(file, "empty: no header row");
        return None;
    };
    Some((header, records))
}

struct RawCsvRecord {
    fields: Vec<Vec<u8>>,
    /// Where the next record starts.
    end: usize,
    /// Line breaks consumed, the record's own included.
    newlines: usize,
    /// Whether any field was quoted.
    quoted: bool,
    /// Whether the input ended inside a quoted field.
    unclosed: bool,
    /// Whether text follows a closing quote (`"a"b`): a quote that is broken or was cut off,
    /// which a well-formed file never has.
    broken_quote: bool,
}

/// Reads one record from `start`. A quote opens a quoted field only at the field's start (a
/// quote inside an unquoted field is kept as is); text after a closing quote is kept too, and
/// the record marked `broken_quote`.
fn read_record(bytes: &[u8], start: usize) -> RawCsvRecord {
    let mut fields = Vec::new();
    let mut field = Vec::new();
    let (mut in_quotes, mut at_start, mut quoted, mut broken_quote) = (false, true, false, false);
    let mut newlines = 0;
    let mut i = start;
    loop {
        let Some(&b) = bytes.get(i) else {
            fields.push(field);
            return RawCsvRecord { fields, end: i, newlines, quoted, unclosed: in_quotes, broken_quote };
        };
        i += 1;
        match b {
            b'"' if in_quotes => {
                if bytes.get(i) == Some(&b'"') {
                    field.push(b'"');
                    i += 1;
                } else {
                    in_quotes = false;
                    broken_quote |= !matches!(bytes.get(i), None | Some(b',' | b'\n' | b'\r'));
                }
            }
            b'"' if at_start => (in_quotes, quoted, at_start) = (true, true, false),
            b',' if !in_quotes => {
                fields.push(std::mem::take(&mut field));
                at_start = true;
            }
            b'\n' => {
                newlines += 1;
                if in_quotes {
                    field.push(b'\n');
                } else {
                    if field.last() == Some(&b'\r') {
                        field.pop();
                    }
                    fields.push(field);
                    return RawCsvRecord { fields, end: i, newlines, quoted, unclosed: false, broken_quote };
                }
            }
            b => {
                field.push(b);
                at_start = false;
            }
        }
    }
}

/// Reads one CSV file of the dataset: split here, then read by polars, every column a string.
/// `required` columns must be in the header, or the file is a warning and not read.
fn read_csv(files: &Dataset, name: &str, required: &[&str], ctx: &mut Ctx) -> Option<Table> {
    let Some((path, bytes)) = files.file("csv", name) else {
        ctx.warn_dataset(format!("no csv/{name} in the dataset; what it holds is missing"));
        return None;
    };
    let file = path.strip_prefix(files.root()).unwrap_or(path).to_string();
    // LegiScan ends every file with a line break; one that does not was cut short, and its
    // last record may be cut inside a field that still parses.
    let mut complete = true;
    let bytes = match bytes.iter().rposition(|&b| b == b'\n') {
        Some(last) if last + 1 < bytes.len() => {
            let line = bytes[..=last].iter().filter(|&&b| b == b'\n').count() + 1;
            ctx.warn(
                format!("{file} line {line}"),
                "the file ends inside this record (cut short?): the record is skipped and the table is partial",
            );
            complete = false;
            &bytes[..=last]
        }
        _ => bytes,
    };
    let before = ctx.warnings.len();
    let (mut header, records) = split_csv(bytes, &file, ctx)?;
    // A skipped record makes the table partial (the UTF-8 warning loses no record).
    if ctx.warnings[before..].iter().any(|w| w.message.contains("skipped")) {
        complete = false;
    }
    if let Some(missing) = required.iter().find(|c| !header.iter().any(|h| h.trim() == **c)) {
        ctx.warn(file, format!("has no {missing} column; not read"));
        return None;
    }
    // Unique column names for the frame (a repeated name keeps its first column's meaning).
    let mut seen: HashMap<String, usize> = HashMap::new();
    for h in &mut header {
        let name = h.trim().to_string();
        let n = seen.entry(name.clone()).or_default();
        *n += 1;
        *h = if *n == 1 { name } else { format!("{name}#{n}") };
    }
    // The clean records, re-encoded for polars: every value quoted, quotes doubled.
    let mut clean = Vec::new();
    for r in &records {
        for (i, f) in r.fields.iter().enumerate() {
            if i > 0 {
                clean.push(b',');
            }
            clean.push(b'"');
            clean.extend_from_slice(f.replace('"', "\"\"").as_bytes());
            clean.push(b'"');
        }
        clean.push(b'\n');
    }
    let schema: Schema = header.iter().map(|c| Field::new(c.as_str().into(), DataType::String)).collect();
    let frame = if records.is_empty() {
        DataFrame::empty_with_schema(&schema)
    } else {
        let parse_options = CsvParseOptions {
            separator: b',',
            quote_char: Some(b'"'),
            eol_char: b'\n',
            encoding: CsvEncoding::Utf8,
            null_values: None,
            missing_is_null: true,
            truncate_ragged_lines: false,
            comment_prefix: None,
            try_parse_dates: false,
            decimal_comma: false,
        };
        let read = CsvReadOptions::default()
            .with_has_header(false)
            .with_schema(Some(Arc::new(schema)))
            .with_parse_options(parse_options)
            .with_raise_if_empty(false)
            .into_reader_with_file_handle(Cursor::new(clean))
            .finish();
        match read {
            Ok(frame) => frame,
            Err(e) => {
                ctx.warn(file, format!("polars could not read the records: {e}; not read"));
                return None;
            }
        }
    };
    if frame.height() != records.len() {
        ctx.warn(file, format!("polars read {} rows from {} records; not read", frame.height(), records.len()));
        return None;
    }
    Some(Table { file, frame, lines: records.iter().map(|r| r.line).collect(), complete })
}

/// A person of `people.csv` or `people/`, as sponsors and votes name them.
#[derive(Debug, Clone)]
struct Person {
    name: String,
    chamber: Option<String>,
    committee: bool,
}

/// Parses a CSV-flavour dataset (see the module documentation). Never panics and never stops
/// early: problems are warnings naming `location` (and the file and line, or the bill).
/// A dataset's date, from the name LegiScan gives its zips
/// (`AZ_2011-2011_…_CSV_20110613_<hash>.zip`): `2011-06-13`, for "time only moves forward".
pub fn dataset_date(location: &str) -> Option<String> {
    let name = location.rsplit(['/', '\\']).next().unwrap_or(location);
    let parts: Vec<&str> = name.split('_').collect();
    parts.windows(2).find_map(|w| {
        let flavour = w[0].eq_ignore_ascii_case("CSV") || w[0].eq_ignore_ascii_case("JSON");
        let d = chrono::NaiveDate::parse_from_str(w[1], "%Y%m%d").ok()?;
        flavour.then(|| d.format("%Y-%m-%d").to_string())
    })
}

pub fn parse_csv_dataset(files: &Dataset, location: &str) -> Parsed {
    let mut ctx = Ctx { location, warnings: Vec::new() };
    let mut out = Parsed::default();
    if files.flavour() != Flavour::Csv {
        ctx.warn_dataset("not a CSV-flavour dataset; nothing read");
        out.warnings = ctx.warnings;
        return out;
    }
    let tables: Vec<Option<Table>> = [
        ("bills.csv", &["bill_id", "bill_number"][..]),
        ("history.csv", &["bill_id", "action"][..]),
        ("sponsors.csv", &["bill_id", "people_id"][..]),
        ("rollcalls.csv", &["bill_id", "roll_call_id"][..]),
        ("votes.csv", &["roll_call_id", "people_id"][..]),
        ("people.csv", &["people_id", "name"][..]),
        ("documents.csv", &["bill_id"][..]),
    ]
    .into_iter()
    .map(|(name, required)| read_csv(files, name, required, &mut ctx))
    .collect();
    // Per table: present and read whole (absent or partial tables say nothing of what they lack).
    let whole: Vec<bool> = tables.iter().map(|t| t.as_ref().is_some_and(|t| t.complete)).collect();
    let (bills_whole, history_whole, sponsors_whole, votes_whole, people_whole, documents_whole) =
        (whole[0], whole[1], whole[2], whole[4], whole[5], whole[6]);
    let as_of = dataset_date(location);
    out.partial = tables.iter().any(|t| t.as_ref().is_some_and(|t| !t.complete));
    let mut rows: Vec<Option<Rows>> = Vec::new();
    for table in &tables {
        rows.push(table.as_ref().and_then(|t| match Rows::new(t) {
            Ok(r) => Some(r),
            Err(e) => {
                ctx.warn(t.file.clone(), format!("not read: {e}"));
                None
            }
        }));
    }
    let mut rows = rows.into_iter();
    let mut next = || rows.next().flatten();
    let (bills, history, sponsors, rollcalls, votes, people, documents) =
        (next(), next(), next(), next(), next(), next(), next());
    let Some(bills) = bills else {
        out.warnings = ctx.warnings;
        return out;
    };

    // Jurisdiction and session.
    let state = files.state().or_else(|| (0..bills.len()).find_map(|r| state_in_url(bills.get(r, "url"))));
    let Some(jurisdiction) = state.as_deref().and_then(jurisdiction_id) else {
        ctx.warn_dataset(format!(
            "the dataset names no state this project covers (root {:?}, state {state:?}); nothing read",
            files.root()
        ));
        out.warnings = ctx.warnings;
        return out;
    };
    let state = state.unwrap_or_default();
    let session = match files.session() {
        Some(s) => s,
        None => {
            let id = (0..bills.len()).map(|r| bills.get(r, "session_id")).find(|s| !s.is_empty()).unwrap_or("?");
            let session = format!("LegiScan session {id}");
            ctx.warn_dataset(format!(
                "no session folder (`<year_start>-<year_end>_<name>`) above csv/; the session is named {session:?}"
            ));
            session
        }
    };

    // People.
    let mut persons: HashMap<String, Person> = HashMap::new();
    if let Some(people) = &people {
        for r in 0..people.len() {
            let (id, name) = (people.get(r, "people_id"), people.get(r, "name"));
            if id.is_empty() || name.is_empty() {
                ctx.warn(people.record(r), "no people_id or name; row skipped");
                continue;
            }
            if persons.contains_key(id) {
                ctx.warn(people.record(r), format!("person {id} is listed again; the first row is kept"));
                continue;
            }
            let committee = !matches!(people.get(r, "committee_id"), "" | "0");
            let chamber = role_chamber(people.get(r, "role"), people.get(r, "role_id"));
            if committee {
                out.organizations.push(OrganizationRecord {
                    source_key: id.to_string(),
                    name: name.to_string(),
                    classification: "committee".to_string(),
                    parent_source_key: None,
                    chamber: chamber.clone(),
                    ..Default::default()
                });
            } else {
                out.people.push(PersonRecord {
                    source_key: id.to_string(),
                    name: name.to_string(),
                    chamber: chamber.clone(),
                    party: nonempty(people.get(r, "party")),
                    district: nonempty(people.get(r, "district")),
                    email: None,
                    image: None,
                    source_url: None,
                    ..Default::default()
                });
            }
            persons.insert(id.to_string(), Person { name: name.to_string(), chamber, committee });
        }
    }

    // Bills.
    let mut by_id: HashMap<String, BillKey> = HashMap::new();
    for r in 0..bills.len() {
        let (id, number) = (bills.get(r, "bill_id"), bills.get(r, "bill_number"));
        if id.is_empty() || number.is_empty() {
            ctx.warn(bills.record(r), "no bill_id or bill_number; row skipped");
            continue;
        }
        if by_id.contains_key(id) {
            ctx.warn(bills.record(r), format!("bill {id} is listed again; the first row is kept"));
            continue;
        }
        let (title, description) = (bills.get(r, "title"), bills.get(r, "description"));
        let title = if title.is_empty() { description } else { title };
        let abstracts = if description.is_empty() || description == title { vec![] } else { vec![description.into()] };
        by_id.insert(
            id.to_string(),
            BillKey {
                index: out.bills.len(),
                jurisdiction_id: jurisdiction.clone(),
                session: session.clone(),
                identifier: number.to_string(),
            },
        );
        out.bills.push(BillRecord {
            origin: ctx.origin(),
            source_key: Some(id.to_string()),
            jurisdiction_id: jurisdiction.clone(),
            session: session.clone(),
            identifier: number.to_string(),
            title: title.to_string(),
            classification: Vec::new(),
            subjects: Vec::new(),
            abstracts,
            other_titles: Vec::new(),
            other_identifiers: Vec::new(),
            from_organization: None,
            actions: Vec::new(),
            sponsorships: Vec::new(),
            versions: Vec::new(),
            documents: Vec::new(),
            related_bills: Vec::new(),
            citations: Vec::new(),
            sources: sources(bills.get(r, "state_link"), bills.get(r, "url")),
            updated_at: None,
            complete: BillScope {
                fields: bills_whole,
                actions: history_whole,
                sponsorships: sponsors_whole && people_whole,
                versions: documents_whole,
                documents: documents_whole,
            },
            as_of: as_of.clone(),
        });
    }

    // Rows that name a bill the dataset lacks: one warning per file and bill.
    let mut orphans: BTreeMap<(String, String), usize> = BTreeMap::new();

    if let Some(history) = &history {
        let mut actions: HashMap<usize, Vec<(i64, usize, ActionRecord)>> = HashMap::new();
        for r in 0..history.len() {
            let bill_id = history.get(r, "bill_id");
            let Some(bill) = by_id.get(bill_id) else {
                *orphans.entry((history.file.to_string(), bill_id.to_string())).or_default() += 1;
                continue;
            };
            let action = ActionRecord {
                date: date(history.get(r, "date")),
                description: history.get(r, "action").to_string(),
                organization: chamber(history.get(r, "chamber")),
                classification: Vec::new(),
                related_entities: Vec::new(),
            };
            let sequence = history.number(r, "sequence").unwrap_or(i64::MAX);
            actions.entry(bill.index).or_default().push((sequence, r, action));
        }
        for (index, mut list) in actions {
            list.sort_by_key(|(sequence, row, _)| (*sequence, *row));
            out.bills[index].actions = list.into_iter().map(|(_, _, a)| a).collect();
        }
    }

    if let Some(sponsors) = &sponsors {
        let mut by_bill: HashMap<usize, Vec<(i64, usize, SponsorshipRecord)>> = HashMap::new();
        for r in 0..sponsors.len() {
            let bill_id = sponsors.get(r, "bill_id");
            let Some(bill) = by_id.get(bill_id) else {
                *orphans.entry((sponsors.file.to_string(), bill_id.to_string())).or_default() += 1;
                continue;
            };
            let people_id = sponsors.get(r, "people_id");
            let Some(person) = persons.get(people_id) else {
                ctx.warn(
                    sponsors.record(r),
                    format!("bill {bill_id}: sponsor {people_id} is not in people.csv; sponsor dropped"),
                );
                continue;
            };
            let position = sponsors.number(r, "position").unwrap_or(0);
            let (classification, primary) = csv_sponsor_class(position);
            let sponsorship = SponsorshipRecord {
                name: person.name.clone(),
                entity_type: if person.committee { "organization" } else { "person" }.to_string(),
                primary,
                classification: classification.to_string(),
                chamber: person.chamber.clone(),
                person_source_key: Some(people_id.to_string()),
            };
            // Known positions first, in order; unknown (0) ones after, in file order.
            let key = if position > 0 { position } else { i64::MAX };
            by_bill.entry(bill.index).or_default().push((key, r, sponsorship));
        }
        for (index, mut list) in by_bill {
            list.sort_by_key(|(position, row, _)| (*position, *row));
            out.bills[index].sponsorships = list.into_iter().map(|(_, _, s)| s).collect();
        }
    }

    if let Some(documents) = &documents {
        for r in 0..documents.len() {
            let bill_id = documents.get(r, "bill_id");
            let Some(bill) = by_id.get(bill_id) else {
                *orphans.entry((documents.file.to_string(), bill_id.to_string())).or_default() += 1;
                continue;
            };
            let kind = documents.get(r, "document_type").to_ascii_lowercase();
            let note = nonempty(documents.get(r, "document_desc")).unwrap_or_else(|| kind.clone());
            let document = DocumentRecord {
                note,
                date: String::new(),
                classification: if kind == "text" { String::new() } else { kind.clone() },
                links: document_links(
                    documents.get(r, "state_link"),
                    documents.get(r, "url"),
                    documents.get(r, "document_mime"),
                ),
                text: None,
            };
            let b = &mut out.bills[bill.index];
            if kind == "text" || kind.is_empty() { b.versions.push(document) } else { b.documents.push(document) }
        }
    }

    // Votes: roll calls, then each person's vote.
    let mut person_votes: HashMap<String, Vec<PersonVoteRecord>> = HashMap::new();
    let mut unknown_people: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut vote_rows: Vec<(String, usize)> = Vec::new();
    if let Some(votes) = &votes {
        for r in 0..votes.len() {
            let (roll_call, people_id) = (votes.get(r, "roll_call_id"), votes.get(r, "people_id"));
            vote_rows.push((roll_call.to_string(), r));
            let Some(person) = persons.get(people_id) else {
                unknown_people.entry(roll_call.to_string()).or_default().push(people_id.to_string());
                continue;
            };
            person_votes.entry(roll_call.to_string()).or_default().push(PersonVoteRecord {
                voter_name: person.name.clone(),
                option: vote_option(votes.get(r, "vote_desc"), votes.get(r, "vote")),
                note: String::new(),
                person_source_key: Some(people_id.to_string()),
            });
        }
    }
    let mut known_roll_calls = std::collections::HashSet::new();
    if let Some(rollcalls) = &rollcalls {
        for r in 0..rollcalls.len() {
            let (roll_call, bill_id) = (rollcalls.get(r, "roll_call_id"), rollcalls.get(r, "bill_id"));
            if roll_call.is_empty() {
                ctx.warn(rollcalls.record(r), "no roll_call_id; row skipped");
                continue;
            }
            if !known_roll_calls.insert(roll_call.to_string()) {
                ctx.warn(rollcalls.record(r), format!("roll call {roll_call} is listed again; the first row is kept"));
                continue;
            }
            let dedupe = format!("legiscan:{roll_call}");
            let bill = by_id.get(bill_id);
            if bill.is_none() {
                ctx.warn(
                    dedupe.clone(),
                    format!("its bill {bill_id} is not in bills.csv; the vote names it by id only"),
                );
            }
            let tallies = [
                ("Yea", rollcalls.get(r, "yea")),
                ("Nay", rollcalls.get(r, "nay")),
                ("NV", rollcalls.get(r, "nv")),
                ("Absent", rollcalls.get(r, "absent")),
            ];
            let counts = counts(tallies, &dedupe, &mut ctx);
            if let Some(ids) = unknown_people.get(roll_call) {
                ctx.warn(
                    dedupe.clone(),
                    format!("{} person votes name people not in people.csv ({}); dropped", ids.len(), ids.join(", ")),
                );
            }
            let vote = VoteRecord {
                origin: ctx.origin(),
                source_key: Some(roll_call.to_string()),
                jurisdiction_id: jurisdiction.clone(),
                session: session.clone(),
                bill: BillRef { source_key: nonempty(bill_id), identifier: bill.map(|b| b.identifier.clone()) },
                motion_text: rollcalls.get(r, "description").to_string(),
                motion_classification: Vec::new(),
                start_date: date(rollcalls.get(r, "date")),
                result: String::new(),
                organization: chamber(rollcalls.get(r, "chamber")),
                counts,
                votes: person_votes.remove(roll_call).unwrap_or_default(),
                sources: bill
                    .map(|b| format!("{LEGISCAN}/{state}/rollcall/{}/id/{roll_call}", b.identifier))
                    .into_iter()
                    .collect(),
                dedupe_key: Some(dedupe),
                records_complete: votes_whole && people_whole,
                as_of: as_of.clone(),
            };
            check_tallies(&vote, &mut ctx);
            out.votes.push(vote);
        }
    }
    let mut stray: BTreeMap<String, usize> = BTreeMap::new();
    for (roll_call, _) in vote_rows {
        if !known_roll_calls.contains(&roll_call) {
            *stray.entry(roll_call).or_default() += 1;
        }
    }
    for (roll_call, n) in stray {
        ctx.warn(
            format!("legiscan:{roll_call}"),
            format!("votes.csv has {n} rows for roll call {roll_call}, which is not in rollcalls.csv; dropped"),
        );
    }
    for ((file, bill_id), n) in orphans {
        ctx.warn(
            bill_id.clone(),
            format!("{file} has {n} rows for bill {bill_id}, which is not in bills.csv; dropped"),
        );
    }
    out.warnings = ctx.warnings;
    out
}

// ---- JSON flavour --------------------------------------------------------------------------

/// A JSON scalar read as text: LegiScan writes some ids as numbers in one file and strings in
/// another (`committee_id`, `party_id`, `ftm_eid`). `null`, `""`, arrays and objects are empty;
/// strings are trimmed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Flex(Option<String>);

impl<'de> Deserialize<'de> for Flex {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Flex, D::Error> {
        Ok(Flex(match Value::deserialize(d)? {
            Value::String(s) => nonempty(&s),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(if b { "1" } else { "0" }.to_string()),
            Value::Null | Value::Array(_) | Value::Object(_) => None,
        }))
    }
}

impl Flex {
    fn as_str(&self) -> &str {
        self.0.as_deref().unwrap_or("")
    }
}

/// A list, or nothing: LegiScan writes `[]` or `{}` for an empty one; items that are not
/// objects of the expected shape are left out.
fn list<'de, D: Deserializer<'de>, T: serde::de::DeserializeOwned>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items.into_iter().filter_map(|v| serde_json::from_value(v).ok()).collect(),
        _ => Vec::new(),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct JsonSession {
    session_id: Flex,
    session_name: Flex,
    year_start: Flex,
    year_end: Flex,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct JsonBill {
    bill_id: Flex,
    session: JsonSession,
    url: Flex,
    state_link: Flex,
    state: Flex,
    bill_number: Flex,
    bill_type: Flex,
    body: Flex,
    title: Flex,
    description: Flex,
    #[serde(deserialize_with = "list")]
    history: Vec<JsonHistory>,
    #[serde(deserialize_with = "list")]
    sponsors: Vec<JsonPerson>,
    #[serde(deserialize_with = "list")]
    subjects: Vec<JsonSubject>,
    #[serde(deserialize_with = "list")]
    texts: Vec<JsonDocument>,
    #[serde(deserialize_with = "list")]
    votes: Vec<JsonRollCall>,
    #[serde(deserialize_with = "list")]
    amendments: Vec<JsonDocument>,
    #[serde(deserialize_with = "list")]
    supplements: Vec<JsonDocument>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct JsonHistory {
    date: Flex,
    action: Flex,
    chamber: Flex,
}

/// A person file's `person`, and a bill's sponsor (the same fields, plus the sponsorship's).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct JsonPerson {
    people_id: Flex,
    name: Flex,
    party: Flex,
    role: Flex,
    role_id: Flex,
    district: Flex,
    committee_sponsor: Flex,
    committee_id: Flex,
    sponsor_type_id: Flex,
}

impl JsonPerson {
    fn is_committee(&self) -> bool {
        self.committee_sponsor.as_str() == "1" || !matches!(self.committee_id.as_str(), "" | "0")
    }

    fn chamber(&self) -> Option<String> {
        role_chamber(self.role.as_str(), self.role_id.as_str())
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct JsonSubject {
    subject_name: Flex,
}

/// A bill's `texts[]`, `amendments[]` or `supplements[]` item.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct JsonDocument {
    doc_id: Flex,
    amendment_id: Flex,
    supplement_id: Flex,
    date: Flex,
    #[serde(rename = "type")]
    kind: Flex,
    title: Flex,
    mime: Flex,
    url: Flex,
    state_link: Flex,
}

/// A vote file's `roll_call`, and a bill's vote summary (without `votes`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct JsonRollCall {
    roll_call_id: Flex,
    bill_id: Flex,
    date: Flex,
    desc: Flex,
    yea: Flex,
    nay: Flex,
    nv: Flex,
    absent: Flex,
    passed: Flex,
    chamber: Flex,
    url: Flex,
    state_link: Flex,
    #[serde(deserialize_with = "list")]
    votes: Vec<JsonPersonVote>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct JsonPersonVote {
    people_id: Flex,
    vote_id: Flex,
    vote_text: Flex,
}

/// A text file's `text`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct JsonText {
    doc_id: Flex,
    bill_id: Flex,
    date: Flex,
    #[serde(rename = "type")]
    kind: Flex,
    mime: Flex,
    text_size: Flex,
    doc: Flex,
}

/// The object under `key` in a dataset file (`{"bill": {…}}`), also inside an API envelope
/// (`{"status": "OK", "bill": {…}}`).
fn read_json<T: serde::de::DeserializeOwned>(bytes: &[u8], key: &str) -> Result<T, String> {
    let mut value: Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    if let Some(status) = value.get("status").and_then(Value::as_str)
        && status != "OK"
    {
        return Err(format!("LegiScan status {status:?}"));
    }
    let inner = value.get_mut(key).map(Value::take).ok_or_else(|| format!("no {key:?} object"))?;
    serde_json::from_value(inner).map_err(|e| format!("{key}: {e}"))
}

/// Parses a JSON-flavour dataset (see the module documentation). Never panics and never stops
/// early: problems are warnings naming `location` (and the file, or the bill or vote).
pub fn parse_json_dataset(files: &Dataset, location: &str) -> Parsed {
    let as_of = dataset_date(location);
    let mut ctx = Ctx { location, warnings: Vec::new() };
    let mut out = Parsed::default();
    if files.flavour() != Flavour::Json {
        ctx.warn_dataset("not a JSON-flavour dataset; nothing read");
        out.warnings = ctx.warnings;
        return out;
    }
    let root_state = files.state();
    let root_session = files.session();
    let relative = |path: &str| path.strip_prefix(files.root()).unwrap_or(path).to_string();

    // People.
    let mut persons: HashMap<String, Person> = HashMap::new();
    for (path, bytes) in files.json_files("people") {
        let p: JsonPerson = match read_json(bytes, "person") {
            Ok(p) => p,
            Err(e) => {
                ctx.warn(relative(path), format!("{e}; file skipped"));
                continue;
            }
        };
        let (Some(id), Some(name)) = (p.people_id.0.clone(), p.name.0.clone()) else {
            ctx.warn(relative(path), "no people_id or name; file skipped");
            continue;
        };
        if p.is_committee() {
            out.organizations.push(OrganizationRecord {
                source_key: id.clone(),
                name: name.clone(),
                classification: "committee".to_string(),
                parent_source_key: None,
                chamber: p.chamber(),
                ..Default::default()
            });
        } else {
            out.people.push(PersonRecord {
                source_key: id.clone(),
                name: name.clone(),
                chamber: p.chamber(),
                party: p.party.0.clone(),
                district: p.district.0.clone(),
                email: None,
                image: None,
                source_url: None,
                ..Default::default()
            });
        }
        persons.insert(id, Person { name, chamber: p.chamber(), committee: p.is_committee() });
    }

    // Bills.
    let mut by_id: HashMap<String, BillKey> = HashMap::new();
    // (bill index, doc_id) → version index, for the texts.
    let mut versions: HashMap<(usize, String), usize> = HashMap::new();
    let mut summaries: Vec<(JsonRollCall, String)> = Vec::new();
    for (path, bytes) in files.json_files("bill") {
        let file = relative(path);
        let b: JsonBill = match read_json(bytes, "bill") {
            Ok(b) => b,
            Err(e) => {
                ctx.warn(file, format!("{e}; file skipped"));
                continue;
            }
        };
        let (Some(id), Some(number)) = (b.bill_id.0.clone(), b.bill_number.0.clone()) else {
            ctx.warn(file, "no bill_id or bill_number; file skipped");
            continue;
        };
        if by_id.contains_key(&id) {
            ctx.warn(file, format!("bill {id} is in the dataset twice; the first file is kept"));
            continue;
        }
        // Jurisdiction: the bill's state, else the root's.
        let state = b.state.0.clone().or_else(|| root_state.clone());
        let Some(jurisdiction) = state.as_deref().and_then(jurisdiction_id) else {
            ctx.warn(file, format!("bill {id}: state {state:?} is not a state this project covers; file skipped"));
            continue;
        };
        if let (Some(root), Some(own)) = (&root_state, &b.state.0)
            && !root.eq_ignore_ascii_case(own)
        {
            ctx.warn(id.clone(), format!("the bill's state {own} is not the dataset folder's {root}; its own is used"));
        }
        // Session: the root's session folder, else the bill's own.
        let years = format!("{}-{}", b.session.year_start.as_str(), b.session.year_end.as_str());
        let own_session = match (b.session.year_start.0.is_some(), &b.session.session_name.0, &b.session.session_id.0) {
            (true, Some(name), _) => Some(format!("{years} {name}")),
            (_, _, Some(sid)) => Some(format!("LegiScan session {sid}")),
            _ => None,
        };
        let session = match (&root_session, own_session) {
            (Some(root), Some(own)) if b.session.year_start.0.is_some() && !root.starts_with(&format!("{years} ")) => {
                ctx.warn(
                    id.clone(),
                    format!("the bill's session ({own}) is not the dataset folder's ({root}); its own is used"),
                );
                own
            }
            (Some(root), _) => root.clone(),
            (None, Some(own)) => own,
            (None, None) => {
                ctx.warn(file, format!("bill {id}: no session folder and no session in the file; file skipped"));
                continue;
            }
        };
        let index = out.bills.len();
        let title = b.title.0.clone().or_else(|| b.description.0.clone()).unwrap_or_default();
        let abstracts = b.description.0.clone().filter(|d| *d != title).into_iter().collect();
        let mut bill_versions = Vec::new();
        for t in &b.texts {
            if let Some(doc_id) = t.doc_id.0.clone() {
                versions.insert((index, doc_id), bill_versions.len());
            }
            bill_versions.push(DocumentRecord {
                note: t.kind.0.clone().unwrap_or_else(|| "Text".to_string()),
                date: date(t.date.as_str()),
                classification: String::new(),
                links: document_links(t.state_link.as_str(), t.url.as_str(), t.mime.as_str()),
                text: None,
            });
        }
        let mut documents = Vec::new();
        for (kind, items) in [("amendment", &b.amendments), ("supplement", &b.supplements)] {
            for d in items {
                let id = d.amendment_id.0.as_ref().or(d.supplement_id.0.as_ref());
                let note =
                    d.title.0.clone().or_else(|| d.kind.0.clone()).unwrap_or_else(|| {
                        format!("{kind} {}", id.map(String::as_str).unwrap_or("")).trim().to_string()
                    });
                documents.push(DocumentRecord {
                    note,
                    date: date(d.date.as_str()),
                    classification: kind.to_string(),
                    links: document_links(d.state_link.as_str(), d.url.as_str(), d.mime.as_str()),
                    text: None,
                });
            }
        }
        let sponsorships = b
            .sponsors
            .iter()
            .filter_map(|s| {
                let name = s.name.0.clone()?;
                let (classification, primary) = json_sponsor_class(s.sponsor_type_id.as_str());
                Some(SponsorshipRecord {
                    name,
                    entity_type: if s.is_committee() { "organization" } else { "person" }.to_string(),
                    primary,
                    classification: classification.to_string(),
                    chamber: s.chamber(),
                    person_source_key: s.people_id.0.clone(),
                })
            })
            .collect();
        // Sponsors name people too: a fallback for votes when people/ lacks someone.
        for s in &b.sponsors {
            if let (Some(pid), Some(name)) = (&s.people_id.0, &s.name.0) {
                persons.entry(pid.clone()).or_insert_with(|| Person {
                    name: name.clone(),
                    chamber: s.chamber(),
                    committee: s.is_committee(),
                });
            }
        }
        by_id.insert(
            id.clone(),
            BillKey {
                index,
                jurisdiction_id: jurisdiction.clone(),
                session: session.clone(),
                identifier: number.clone(),
            },
        );
        for v in b.votes {
            summaries.push((v, id.clone()));
        }
        out.bills.push(BillRecord {
            origin: ctx.origin(),
            source_key: Some(id),
            jurisdiction_id: jurisdiction,
            session,
            identifier: number,
            title,
            classification: bill_classification(b.bill_type.as_str()),
            subjects: b.subjects.iter().filter_map(|s| s.subject_name.0.clone()).collect(),
            abstracts,
            other_titles: Vec::new(),
            other_identifiers: Vec::new(),
            from_organization: chamber(b.body.as_str()),
            actions: b
                .history
                .iter()
                .map(|h| ActionRecord {
                    date: date(h.date.as_str()),
                    description: h.action.as_str().to_string(),
                    organization: chamber(h.chamber.as_str()),
                    classification: Vec::new(),
                    related_entities: Vec::new(),
                })
                .collect(),
            sponsorships,
            versions: bill_versions,
            documents,
            related_bills: Vec::new(),
            citations: Vec::new(),
            sources: sources(b.state_link.as_str(), b.url.as_str()),
            updated_at: None,
            // One bill file is the bill's full record.
            complete: BillScope::FULL,
            as_of: as_of.clone(),
        });
    }

    // Texts, into their bills' versions.
    for (path, bytes) in files.json_files("text") {
        let file = relative(path);
        let t: JsonText = match read_json(bytes, "text") {
            Ok(t) => t,
            Err(e) => {
                ctx.warn(file, format!("{e}; file skipped"));
                continue;
            }
        };
        let (doc_id, bill_id) = (t.doc_id.as_str().to_string(), t.bill_id.as_str().to_string());
        let Some(bill) = by_id.get(&bill_id) else {
            ctx.warn(file, format!("text {doc_id}: its bill {bill_id} is not in the dataset; text dropped"));
            continue;
        };
        let text = match document_text(t.mime.as_str(), t.doc.as_str()) {
            Ok(decoded) => {
                if let Ok(size) = t.text_size.as_str().parse::<usize>()
                    && size != decoded.bytes
                {
                    ctx.warn(
                        bill_id.clone(),
                        format!("text {doc_id}: the document has {} bytes where text_size says {size}", decoded.bytes),
                    );
                }
                decoded.text
            }
            Err(e) => {
                ctx.warn(bill_id.clone(), format!("text {doc_id}: {e}"));
                None
            }
        };
        let b = &mut out.bills[bill.index];
        match versions.get(&(bill.index, doc_id.clone())) {
            Some(&v) => b.versions[v].text = text,
            None => {
                // A text the bill's texts[] does not list: a version of its own.
                versions.insert((bill.index, doc_id), b.versions.len());
                b.versions.push(DocumentRecord {
                    note: t.kind.0.clone().unwrap_or_else(|| "Text".to_string()),
                    date: date(t.date.as_str()),
                    classification: String::new(),
                    links: Vec::new(),
                    text,
                });
            }
        }
    }

    // Votes: the vote files, then the bills' vote summaries that have no file.
    let mut seen = std::collections::HashSet::new();
    // (roll call, where it came from, whether from a vote file)
    let mut calls: Vec<(JsonRollCall, String, bool)> = Vec::new();
    for (path, bytes) in files.json_files("vote") {
        let file = relative(path);
        match read_json::<JsonRollCall>(bytes, "roll_call") {
            Ok(v) => calls.push((v, file, true)),
            Err(e) => ctx.warn(file, format!("{e}; file skipped")),
        }
    }
    for (mut v, bill_id) in summaries {
        if v.bill_id.0.is_none() {
            v.bill_id = Flex(Some(bill_id.clone()));
        }
        calls.push((v, format!("bill {bill_id}"), false));
    }
    for (v, file, from_file) in calls {
        let Some(roll_call) = v.roll_call_id.0.clone() else {
            ctx.warn(file, "no roll_call_id; skipped");
            continue;
        };
        if !seen.insert(roll_call.clone()) {
            if from_file {
                ctx.warn(file, format!("roll call {roll_call} is in the dataset twice; the first file is kept"));
            }
            continue;
        }
        let dedupe = format!("legiscan:{roll_call}");
        let bill_id = v.bill_id.as_str().to_string();
        let bill = by_id.get(&bill_id);
        let (jurisdiction, session) = match bill {
            Some(b) => (b.jurisdiction_id.clone(), b.session.clone()),
            None => {
                let jurisdiction = root_state.as_deref().and_then(jurisdiction_id);
                let (Some(jurisdiction), Some(session)) = (jurisdiction, root_session.clone()) else {
                    ctx.warn(
                        dedupe,
                        format!(
                            "its bill {bill_id} is not in the dataset and the dataset folder names no state and \
                             session; vote skipped"
                        ),
                    );
                    continue;
                };
                ctx.warn(
                    dedupe.clone(),
                    format!("its bill {bill_id} is not in the dataset; the vote names it by id only"),
                );
                (jurisdiction, session)
            }
        };
        let mut person_votes = Vec::new();
        let mut unknown = Vec::new();
        for pv in &v.votes {
            let pid = pv.people_id.as_str();
            match persons.get(pid) {
                Some(p) => person_votes.push(PersonVoteRecord {
                    voter_name: p.name.clone(),
                    option: vote_option(pv.vote_text.as_str(), pv.vote_id.as_str()),
                    note: String::new(),
                    person_source_key: Some(pid.to_string()),
                }),
                None => unknown.push(pid.to_string()),
            }
        }
        if !unknown.is_empty() {
            ctx.warn(
                dedupe.clone(),
                format!("{} person votes name people not in people/ ({}); dropped", unknown.len(), unknown.join(", ")),
            );
        }
        let tallies =
            [("Yea", v.yea.as_str()), ("Nay", v.nay.as_str()), ("NV", v.nv.as_str()), ("Absent", v.absent.as_str())];
        let vote = VoteRecord {
            origin: ctx.origin(),
            source_key: Some(roll_call),
            jurisdiction_id: jurisdiction,
            session,
            bill: BillRef { source_key: nonempty(&bill_id), identifier: bill.map(|b| b.identifier.clone()) },
            motion_text: v.desc.as_str().to_string(),
            motion_classification: Vec::new(),
            start_date: date(v.date.as_str()),
            result: match v.passed.as_str() {
                "1" => "pass",
                "0" => "fail",
                _ => "",
            }
            .to_string(),
            organization: chamber(v.chamber.as_str()),
            counts: counts(tallies, &dedupe, &mut ctx),
            votes: person_votes,
            sources: sources(v.state_link.as_str(), v.url.as_str()),
            dedupe_key: Some(dedupe),
            // A vote file lists every member; a bill's summary of it lists none.
            records_complete: from_file && unknown.is_empty(),
            as_of: as_of.clone(),
        };
        if unknown.is_empty() {
            check_tallies(&vote, &mut ctx);
        }
        out.votes.push(vote);
    }
    // A file that could not be read leaves the dataset partial (its bill or vote is untouched).
    out.partial |= ctx.warnings.iter().any(|w| w.message.ends_with("file skipped"));
    out.warnings = ctx.warnings;
    out
}

// ---- Texts ---------------------------------------------------------------------------------

/// A decoded text document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedText {
    /// The document's size, decoded.
    pub bytes: usize,
    /// Its text, when this module reads its format.
    pub text: Option<String>,
}

/// Decodes a text file's base64 `doc` and reads it by `mime` (see the module documentation).
/// `Err` when the base64 is bad, or the format is not read (PDF and others): the message says
/// why, for a warning.
pub fn document_text(mime: &str, doc_base64: &str) -> Result<DecodedText, String> {
    let bytes = base64_decode(doc_base64).map_err(|e| format!("the document is not valid base64: {e}"))?;
    let n = bytes.len();
    let mime = mime.trim().to_ascii_lowercase();
    let text = match mime.as_str() {
        _ if bytes.starts_with(b"%PDF") => extracted(&mime, &bytes)?,
        "" => extracted("text/html", &bytes)?,
        DOCX => {
            crate::text::formats::docx_text(&bytes).map_err(|e| format!("a Word document that cannot be read: {e}"))?
        }
        // PDF (most states) and other formats: the shared extractor.
        other => extracted(other, &bytes)?,
    };
    Ok(DecodedText { bytes: n, text: Some(text) })
}

/// A document read by [`crate::text::extract`]; its error (why no text came out) otherwise.
fn extracted(mime: &str, bytes: &[u8]) -> Result<String, String> {
    let e = crate::text::extract(Some(mime), "", bytes);
    e.text
        .ok_or_else(|| format!("{mime}: no text could be extracted ({}); text left empty", e.error.unwrap_or_default()))
}

/// Standard base64 (RFC 4648, `+/`, `=` padding), whitespace ignored.
pub fn base64_decode(s: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let (mut acc, mut bits, mut sextets, mut padding) = (0u32, 0u32, 0usize, 0usize);
    for (i, c) in s.bytes().enumerate() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                padding += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' | b'\n' => continue,
            _ => return Err(format!("byte {i} ({:?}) is not a base64 character", c as char)),
        };
        if padding > 0 {
            return Err(format!("byte {i}: data after the `=` padding"));
        }
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        sextets += 1;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if sextets % 4 == 1 {
        return Err("the data ends with a lone character".to_string());
    }
    if padding > 2 || (padding > 0 && (sextets + padding) % 4 != 0) {
        return Err("bad `=` padding".to_string());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::path::PathBuf;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/legiscan-dataset");
    const MN: &str = "MN_2025-2026_94th_Legislature_CSV_20250624_a1687132784c08697da95392252b72ea.zip";
    const MN_SPECIAL: &str =
        "MN_2025-2025_94th_Legislature_1st_Special_Session_CSV_20250614_05f51f1fee23afa7a99f72383554d02e.zip";
    const AZ: &str = "AZ_2011-2011_Fiftieth_Legislature_3rd_Special_CSV_20110613_54a93e027eec7e5f6ab77468430a217a.zip";
    const CO: &str = "CO_2025-2025_1st_Special_Session_CSV_20250828_8ca9ac23e2123f1daaee6889b5064633.zip";
    const KS: &str = "KS_2024-2024_Special_Session_CSV_20240618_d1085420cbf100b97298278dc99e5c9d.zip";

    fn zip_path(name: &str) -> PathBuf {
        PathBuf::from(FIXTURES).join("csv-zips").join(name)
    }

    fn open(name: &str) -> Dataset {
        open_zip_file(zip_path(name), &Limits::default()).unwrap()
    }

    fn json(rel: &str) -> Vec<u8> {
        std::fs::read(PathBuf::from(FIXTURES).join("json").join(rel)).unwrap()
    }

    /// A zip (deflated) of these entries, built in memory.
    fn zip_of(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
        let mut writer = ::zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = ::zip::write::SimpleFileOptions::default().compression_method(::zip::CompressionMethod::Deflated);
        for (name, bytes) in entries {
            writer.start_file(name.as_str(), options).unwrap();
            writer.write_all(bytes).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    /// The entries of a real dataset zip, in archive order.
    fn entries_of(name: &str) -> Vec<(String, Vec<u8>)> {
        let mut archive = ::zip::ZipArchive::new(std::fs::File::open(zip_path(name)).unwrap()).unwrap();
        (0..archive.len())
            .map(|i| {
                let mut f = archive.by_index(i).unwrap();
                let mut bytes = Vec::new();
                f.read_to_end(&mut bytes).unwrap();
                (f.name().unwrap().to_string(), bytes)
            })
            .collect()
    }

    fn open_bytes(bytes: Vec<u8>, name: &str, limits: &Limits) -> Result<Dataset, DatasetError> {
        open_zip(Cursor::new(bytes), name, limits)
    }

    fn bill<'a>(p: &'a Parsed, identifier: &str) -> &'a BillRecord {
        p.bills.iter().find(|b| b.identifier == identifier).unwrap_or_else(|| panic!("no bill {identifier}"))
    }

    fn vote<'a>(p: &'a Parsed, roll_call: &str) -> &'a VoteRecord {
        let key = format!("legiscan:{roll_call}");
        p.votes.iter().find(|v| v.dedupe_key.as_deref() == Some(&key)).unwrap_or_else(|| panic!("no vote {key}"))
    }

    fn messages(p: &Parsed) -> Vec<(String, String)> {
        p.warnings.iter().map(|w| (w.record.clone().unwrap_or_default(), w.message.clone())).collect()
    }

    fn counts(pairs: [(&str, i64); 4]) -> Vec<(String, i64)> {
        pairs.iter().map(|(o, n)| (o.to_string(), *n)).collect()
    }

    #[test]
    fn mn_2025_2026_csv_dataset_counts() {
        let ds = open(MN);
        assert_eq!(ds.flavour(), Flavour::Csv);
        assert_eq!(ds.root(), "MN/2025-2026_94th_Legislature/");
        assert_eq!(ds.state().as_deref(), Some("MN"));
        assert_eq!(ds.session().as_deref(), Some("2025-2026 94th Legislature"));
        let p = parse_csv_dataset(&ds, MN);
        assert_eq!(p.warnings, []);
        // Rows in the files (bills.csv 6,958; history.csv 17,244; sponsors.csv 22,496; rollcalls.csv
        // 277; votes.csv 30,628; people.csv 202; documents.csv 7,485, all of type `text`).
        assert_eq!(p.bills.len(), 6958);
        assert_eq!(p.bills.iter().map(|b| b.actions.len()).sum::<usize>(), 17244);
        assert_eq!(p.bills.iter().map(|b| b.sponsorships.len()).sum::<usize>(), 22496);
        assert_eq!(p.votes.len(), 277);
        assert_eq!(p.votes.iter().map(|v| v.votes.len()).sum::<usize>(), 30628);
        assert_eq!((p.people.len(), p.organizations.len()), (202, 0));
        assert_eq!(p.bills.iter().map(|b| b.versions.len()).sum::<usize>(), 7485);
        assert_eq!(p.bills.iter().map(|b| b.documents.len()).sum::<usize>(), 0);
        let mn = "ocd-jurisdiction/country:us/state:mn/government";
        assert!(p.bills.iter().all(|b| b.jurisdiction_id == mn && b.session == "2025-2026 94th Legislature"));
        assert!(p.votes.iter().all(|v| v.jurisdiction_id == mn && v.bill.identifier.is_some()));
        // Every bill has exactly one sponsor at position 1, and Minnesota's titles and
        // descriptions are the same text, so no abstracts.
        assert!(p.bills.iter().all(|b| b.sponsorships.iter().filter(|s| s.primary).count() == 1));
        assert!(p.bills.iter().all(|b| b.sponsorships[0].primary && b.abstracts.is_empty()));
        // Only yeas and nays in this dataset.
        let options: BTreeSet<&str> =
            p.votes.iter().flat_map(|v| v.votes.iter().map(|pv| pv.option.as_str())).collect();
        assert_eq!(options, BTreeSet::from(["Nay", "Yea"]));
        let senators = p.people.iter().filter(|x| x.chamber.as_deref() == Some("upper")).count();
        assert_eq!(senators, 67);
    }

    #[test]
    fn mn_hf1_title_sponsors_history_and_versions() {
        let p = parse_csv_dataset(&open(MN), MN);
        let hf1 = bill(&p, "HF1");
        assert_eq!(hf1.source_key.as_deref(), Some("1923333"));
        assert!(hf1.title.starts_with("Office of Inspector General established, powers and duties provided,"));
        assert!(hf1.title.ends_with("reports required, and money appropriated."));
        assert_eq!(
            hf1.sources,
            [
                "https://www.revisor.mn.gov/bills/bill.php?b=House&f=HF0001&ssn=0&y=2025",
                "https://legiscan.com/MN/bill/HF1/2025"
            ]
        );
        // Sponsors by position: Patti Anderson (1) is the chief author.
        assert_eq!(hf1.sponsorships.len(), 30);
        let s0 = &hf1.sponsorships[0];
        assert_eq!(
            (s0.name.as_str(), s0.primary, s0.classification.as_str(), s0.chamber.as_deref()),
            ("Patti Anderson", true, "primary", Some("lower"))
        );
        assert_eq!(s0.person_source_key.as_deref(), Some("23742"));
        let names: Vec<&str> = hf1.sponsorships[1..4].iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["Harry Niska", "Lisa Demuth", "Jim Nash"]);
        assert!(hf1.sponsorships[1..].iter().all(|s| !s.primary && s.classification == "cosponsor"));
        assert_eq!(hf1.sponsorships.last().unwrap().name, "Pam Altendorf");
        // History by sequence.
        assert_eq!(hf1.actions.len(), 10);
        let a0 = &hf1.actions[0];
        assert_eq!(
            (a0.date.as_str(), a0.description.as_str(), a0.organization.as_deref()),
            (
                "2025-02-06",
                "Introduction and first reading, referred to State Government Finance and Policy",
                Some("lower")
            )
        );
        assert_eq!(
            hf1.actions[9].description,
            "Committee report, to adopt and re-refer to State Government Finance and Policy"
        );
        // Versions: links only (PDFs at the Revisor, then LegiScan's page), no text.
        let notes: Vec<&str> = hf1.versions.iter().map(|v| v.note.as_str()).collect();
        assert_eq!(notes, ["Introduced", "Engrossed", "Engrossed", "Engrossed", "Engrossed"]);
        assert_eq!(
            hf1.versions[0].links,
            [
                Link {
                    url: "https://www.revisor.mn.gov/bills/text.php?number=HF1&version=0&session=ls94&session_year=2025&session_number=0&format=pdf".into(),
                    media_type: Some("application/pdf".into())
                },
                Link { url: "https://legiscan.com/MN/text/HF1/id/3060429".into(), media_type: None },
            ]
        );
        assert!(hf1.versions.iter().all(|v| v.text.is_none()));
        // SF202's last actions have no chamber and end in a space in the file.
        let sf202 = bill(&p, "SF202");
        let last: Vec<(&str, Option<&str>)> =
            sf202.actions[15..18].iter().map(|a| (a.description.as_str(), a.organization.as_deref())).collect();
        assert_eq!(
            last,
            [
                ("Presented to Governor", None),
                ("Governor's action Approval", None),
                ("Secretary of State Chapter 2", None)
            ]
        );
        // Quotes inside quoted titles.
        let quoted = p.bills.iter().filter(|b| b.title.contains("\"Share the Road\" special license plate")).count();
        assert_eq!(quoted, 1);
    }

    #[test]
    fn mn_roll_calls_with_each_members_vote_and_name() {
        let p = parse_csv_dataset(&open(MN), MN);
        let v = vote(&p, "1523970");
        assert_eq!(v.bill, BillRef { source_key: Some("1921781".into()), identifier: Some("SF202".into()) });
        assert_eq!(v.source_key.as_deref(), Some("1523970"));
        assert_eq!(
            (v.motion_text.as_str(), v.start_date.as_str(), v.organization.as_deref(), v.result.as_str()),
            ("House: Passage", "2025-03-20", Some("lower"), "")
        );
        assert_eq!(v.counts, counts([("Yea", 119), ("Nay", 12), ("NV", 0), ("Absent", 0)]));
        assert_eq!(v.votes.len(), 131);
        let nays: Vec<&str> = v.votes.iter().filter(|x| x.option == "Nay").map(|x| x.voter_name.as_str()).collect();
        assert_eq!(nays.len(), 12);
        assert_eq!(&nays[..5], ["Chris Swedzinski", "Matt Bliss", "Shane Mekeland", "Ben Davis", "Jim Joy"]);
        assert_eq!(v.sources, ["https://legiscan.com/MN/rollcall/SF202/id/1523970"]);

        let first = vote(&p, "1471868");
        assert_eq!(first.motion_text, "Senate: Adopted");
        assert_eq!((first.organization.as_deref(), first.votes.len()), (Some("upper"), 66));
        assert_eq!(
            first.votes[0],
            PersonVoteRecord {
                voter_name: "Erin Murphy".into(),
                option: "Yea".into(),
                note: String::new(),
                person_source_key: Some("6301".into())
            }
        );
        assert_eq!(first.votes[65].voter_name, "Michael Kreun");
    }

    #[test]
    fn the_other_csv_zips() {
        // (zip, bills, actions, sponsors, votes, person votes, people, versions, documents)
        let cases = [
            (AZ, "2011-2011 Fiftieth Legislature 3rd Special", 3, 9, 26, 0, 0, 24, 3, 0),
            (CO, "2025-2025 1st Special Session", 35, 198, 524, 173, 4364, 99, 93, 190),
            (KS, "2024-2024 Special Session", 23, 76, 70, 5, 370, 165, 24, 5),
            (MN_SPECIAL, "2025-2025 94th Legislature 1st Special Session", 48, 316, 101, 50, 4471, 201, 51, 0),
        ];
        for (zip, session, bills, actions, sponsors, votes, person_votes, people, versions, documents) in cases {
            let p = parse_csv_dataset(&open(zip), zip);
            assert_eq!(p.warnings, [], "{zip}");
            let sum = |f: fn(&BillRecord) -> usize| p.bills.iter().map(f).sum::<usize>();
            assert_eq!(
                (
                    p.bills.len(),
                    sum(|b| b.actions.len()),
                    sum(|b| b.sponsorships.len()),
                    p.votes.len(),
                    p.votes.iter().map(|v| v.votes.len()).sum::<usize>(),
                    p.people.len(),
                    sum(|b| b.versions.len()),
                    sum(|b| b.documents.len()),
                ),
                (bills, actions, sponsors, votes, person_votes, people, versions, documents),
                "{zip}"
            );
            assert!(p.bills.iter().all(|b| b.session == session), "{zip}");
        }
        // AZ 2011: every sponsor at position 0 (order unknown), every action without a chamber.
        let az = parse_csv_dataset(&open(AZ), AZ);
        let sponsors: Vec<&SponsorshipRecord> = az.bills.iter().flat_map(|b| &b.sponsorships).collect();
        assert!(sponsors.iter().all(|s| !s.primary && s.classification == "sponsor"));
        assert!(az.bills.iter().flat_map(|b| &b.actions).all(|a| a.organization.is_none()));
        assert_eq!(az.bills[0].jurisdiction_id, "ocd-jurisdiction/country:us/state:az/government");
        // KS: not-voting and absent members; CO: amendments and supplements as documents.
        let ks = parse_csv_dataset(&open(KS), KS);
        let senate = vote(&ks, "1458567");
        assert_eq!(senate.counts, counts([("Yea", 27), ("Nay", 8), ("NV", 3), ("Absent", 2)]));
        assert_eq!(senate.votes.iter().filter(|v| v.option == "NV").count(), 3);
        let co = parse_csv_dataset(&open(CO), CO);
        let kinds: BTreeSet<&str> =
            co.bills.iter().flat_map(|b| &b.documents).map(|d| d.classification.as_str()).collect();
        assert_eq!(kinds, BTreeSet::from(["amendment", "supplement"]));
        let hb1001 = bill(&co, "HB1001");
        assert!(
            hb1001
                .documents
                .iter()
                .any(|d| d.note == "Second Reading Amendment L.003" && d.classification == "amendment")
        );
    }

    #[test]
    fn a_truncated_row_is_a_warning_and_the_others_load() {
        // The MN 2025-26 dataset with two rows cut short: bills.csv line 2 (HF1) inside its
        // quoted title, history.csv line 5 in its chamber.
        let cut = |bytes: &[u8], line: usize, keep: usize| -> Vec<u8> {
            let text = String::from_utf8(bytes.to_vec()).unwrap();
            let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
            lines[line - 1].truncate(keep);
            lines.join("\n").into_bytes()
        };
        let mut entries = entries_of(MN);
        for (name, bytes) in &mut entries {
            if name.ends_with("csv/bills.csv") {
                assert!(String::from_utf8_lossy(bytes).lines().nth(1).unwrap().starts_with("1923333,2151,HF1,"));
                *bytes = cut(bytes, 2, 65);
            } else if name.ends_with("csv/history.csv") {
                assert_eq!(
                    String::from_utf8_lossy(bytes).lines().nth(4),
                    Some("1920854,2025-01-16,Senate,2,\"Referred to Taxes\"")
                );
                *bytes = cut(bytes, 5, 22);
            }
        }
        let ds = Dataset::from_entries(MN, entries).unwrap();
        let p = parse_csv_dataset(&ds, MN);
        assert_eq!(
            messages(&p),
            [
                (
                    "csv/bills.csv line 2".to_string(),
                    "text follows a closing quote (a broken or cut-off quoted field); row skipped (15 fields)"
                        .to_string()
                ),
                ("csv/history.csv line 5".to_string(), "3 fields where the header has 5; row skipped".to_string()),
                (
                    "1923333".to_string(),
                    "csv/documents.csv has 5 rows for bill 1923333, which is not in bills.csv; dropped".to_string()
                ),
                (
                    "1923333".to_string(),
                    "csv/history.csv has 10 rows for bill 1923333, which is not in bills.csv; dropped".to_string()
                ),
                (
                    "1923333".to_string(),
                    "csv/sponsors.csv has 30 rows for bill 1923333, which is not in bills.csv; dropped".to_string()
                ),
            ]
        );
        assert!(p.warnings.iter().all(|w| w.location == MN));
        // Everything else loads; HF2, the line after the cut one, is intact.
        assert_eq!(p.bills.len(), 6957);
        assert_eq!(p.bills.iter().map(|b| b.actions.len()).sum::<usize>(), 17244 - 1 - 10);
        assert_eq!(
            bill(&p, "HF2").title,
            "Fraud reporting required when a state employee has reason to suspect fraud, and grants management requirements strengthened."
        );
        assert_eq!(p.votes.len(), 277);
    }

    #[test]
    fn csv_records_with_quotes_commas_line_breaks_and_crlf() {
        // The first rows of MN 2025-26 rollcalls.csv, then the same with CRLF line ends, then a
        // description with a comma, a doubled quote and a line break.
        let real = "bill_id,roll_call_id,date,chamber,description,yea,nay,nv,absent,total\n\
                    1917646,1471868,2025-01-14,Senate,\"Senate: Adopted\",66,0,0,0,66\n\
                    1921781,1486019,2025-02-10,Senate,\"Senate: Third reading Passed\",62,0,0,0,62\n";
        for text in [real.to_string(), real.replace('\n', "\r\n")] {
            let mut ctx = Ctx { location: "x", warnings: Vec::new() };
            let (header, records) = split_csv(text.as_bytes(), "rollcalls.csv", &mut ctx).unwrap();
            assert_eq!(header.len(), 10);
            assert_eq!(records.len(), 2);
            assert_eq!(records[1].fields[4], "Senate: Third reading Passed");
            assert_eq!(records[1].fields[9], "62");
            assert_eq!(records[1].line, 3);
            assert!(ctx.warnings.is_empty());
        }
        let odd = real.replace("\"Senate: Adopted\"", "\"Senate: Adopted, \"\"as amended\"\"\nlater\"");
        let mut ctx = Ctx { location: "x", warnings: Vec::new() };
        let (_, records) = split_csv(odd.as_bytes(), "rollcalls.csv", &mut ctx).unwrap();
        assert_eq!(records[0].fields[4], "Senate: Adopted, \"as amended\"\nlater");
        assert_eq!((records[1].line, records.len()), (4, 2));
        assert!(ctx.warnings.is_empty());
        // A quote that never closes: a warning, and the next line still loads.
        let open_quote = real.replace("\"Senate: Adopted\"", "\"Senate: Adopted");
        let mut ctx = Ctx { location: "x", warnings: Vec::new() };
        let (_, records) = split_csv(open_quote.as_bytes(), "rollcalls.csv", &mut ctx).unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].fields[1], "1486019");
        assert_eq!(ctx.warnings.len(), 1);
        assert_eq!(ctx.warnings[0].record.as_deref(), Some("rollcalls.csv line 2"));
    }

    #[test]
    fn the_top_folders_do_not_matter() {
        let entries = entries_of(MN_SPECIAL);
        let original = parse_csv_dataset(&Dataset::from_entries("a.zip", entries.clone()).unwrap(), "a.zip");
        // Deeper: the same dataset under two more folders.
        let deeper: Vec<(String, Vec<u8>)> =
            entries.iter().map(|(n, b)| (format!("downloads/legiscan/{n}"), b.clone())).collect();
        let ds = open_bytes(zip_of(&deeper), "deeper.zip", &Limits::default()).unwrap();
        assert_eq!(ds.root(), "downloads/legiscan/MN/2025-2025_94th_Legislature_1st_Special_Session/");
        let p = parse_csv_dataset(&ds, "a.zip");
        assert_eq!((p.bills, p.votes, p.warnings), (original.bills.clone(), original.votes.clone(), vec![]));
        // No state or session folder: the state from the bills' LegiScan URLs, the session by id.
        let flat: Vec<(String, Vec<u8>)> =
            entries.iter().map(|(n, b)| (format!("export/csv/{}", n.rsplit('/').next().unwrap()), b.clone())).collect();
        let ds = Dataset::from_entries("flat.zip", flat).unwrap();
        assert_eq!((ds.root(), ds.state(), ds.session()), ("export/", None, None));
        let p = parse_csv_dataset(&ds, "flat.zip");
        assert_eq!(p.bills.len(), 48);
        assert!(p.bills.iter().all(|b| b.jurisdiction_id == original.bills[0].jurisdiction_id));
        assert!(p.bills.iter().all(|b| b.session == "LegiScan session 2217"));
        assert_eq!(p.warnings.len(), 1);
        assert!(p.warnings[0].message.contains("the session is named \"LegiScan session 2217\""));
    }

    #[test]
    fn attribution_is_the_licence_in_the_zip() {
        let text = attribution(&open(MN)).unwrap();
        assert!(text.contains("https://creativecommons.org/licenses/by/4.0/"));
        assert!(text.contains("Creative Commons Attribution 4.0 International Public License"));
        assert!(text.contains("LegiScan LLC"));
        assert_eq!(text.len(), 15594);
        let json_only = Dataset::from_entries(
            "j.zip",
            [("AK/2011-2012_27th_Legislature/bill/HB1.json".into(), json("bill/HB1.json"))],
        );
        assert_eq!(attribution(&json_only.unwrap()), None);
    }

    // ---- JSON flavour ----

    /// The AK sample bills (27th Legislature, 2011-2012) in a JSON dataset zip, with Carl Gatto's
    /// person file derived from his sponsor object in HB1.json (the samples have no person file
    /// for him; the sponsor object has the person file's fields).
    fn ak_dataset() -> Dataset {
        let root = "AK/2011-2012_27th_Legislature";
        let hb1: Value = serde_json::from_slice(&json("bill/HB1.json")).unwrap();
        let gatto = serde_json::json!({ "person": hb1["bill"]["sponsors"][0].clone() });
        let entries = vec![
            (format!("{root}/bill/HB1.json"), json("bill/HB1.json")),
            (format!("{root}/bill/HB2.json"), json("bill/HB2.json")),
            (format!("{root}/people/6033.json"), serde_json::to_vec(&gatto).unwrap()),
        ];
        open_bytes(zip_of(&entries), "AK_2011-2012_27th_Legislature_JSON.zip", &Limits::default()).unwrap()
    }

    #[test]
    fn json_bills_and_people() {
        let ds = ak_dataset();
        assert_eq!(ds.flavour(), Flavour::Json);
        assert_eq!((ds.state().as_deref(), ds.session().as_deref()), (Some("AK"), Some("2011-2012 27th Legislature")));
        let p = parse_json_dataset(&ds, "ak.zip");
        assert_eq!(p.warnings, []);
        assert_eq!(p.bills.len(), 2);
        let hb1 = bill(&p, "HB1");
        assert_eq!(hb1.source_key.as_deref(), Some("230084"));
        assert_eq!(hb1.jurisdiction_id, "ocd-jurisdiction/country:us/state:ak/government");
        assert_eq!(hb1.session, "2011-2012 27th Legislature");
        assert_eq!(hb1.title, "Policy For Securing Health Care Services");
        assert_eq!(
            hb1.abstracts,
            [
                "An Act stating a public policy that allows a person to accept or decline any offered mode of securing health care services."
            ]
        );
        assert_eq!(
            (hb1.classification.as_slice(), hb1.from_organization.as_deref()),
            (&["bill".to_string()][..], Some("lower"))
        );
        assert_eq!(hb1.subjects, ["Attorney General", "Insurance", "Intergovernmental Relations", "Medical Care"]);
        // Escaped URLs in the file (`http:\/\/…`) are plain URLs.
        assert_eq!(
            hb1.sources,
            [
                "http://www.legis.state.ak.us/basis/get_bill.asp?session=27&bill=HB1",
                "https://legiscan.com/AK/bill/HB1/2011"
            ]
        );
        assert_eq!(hb1.actions.len(), 27);
        assert_eq!(
            (hb1.actions[0].date.as_str(), hb1.actions[0].description.as_str(), hb1.actions[0].organization.as_ref()),
            ("2011-01-18", "PREFILE RELEASED 1/7/11", None)
        );
        assert_eq!(hb1.actions[3].description, "HSS RPT CS(HSS) 2DP 3NR");
        // Sponsors of 2011 data: sponsor type 0 and order 0, so none is marked primary.
        let sponsors: Vec<(&str, &str, bool)> =
            hb1.sponsorships.iter().map(|s| (s.name.as_str(), s.classification.as_str(), s.primary)).collect();
        assert_eq!(
            sponsors,
            [
                ("Carl Gatto", "sponsor", false),
                ("Robert Lynn", "sponsor", false),
                ("Craig Johnson", "sponsor", false),
                ("Peggy Wilson", "sponsor", false),
                ("Alan Dick", "sponsor", false)
            ]
        );
        assert!(hb1.sponsorships.iter().all(|s| s.entity_type == "person" && s.chamber.as_deref() == Some("lower")));
        assert_eq!(hb1.sponsorships[0].person_source_key.as_deref(), Some("6033"));
        let notes: Vec<(&str, &str)> = hb1.versions.iter().map(|v| (v.note.as_str(), v.date.as_str())).collect();
        assert_eq!(notes, [("Introduced", "2011-01-18"), ("Comm Sub", "2011-03-16"), ("Comm Sub", "2011-04-07")]);
        assert_eq!(hb1.versions[0].links[0].media_type.as_deref(), Some("application/pdf"));
        assert_eq!(hb1.versions[0].links[1].url, "https://legiscan.com/AK/text/HB1/id/153588");
        assert!(p.votes.is_empty());
        assert_eq!(
            p.people,
            [PersonRecord {
                source_key: "6033".into(),
                name: "Carl Gatto".into(),
                chamber: Some("lower".into()),
                party: Some("R".into()),
                district: Some("HD-013".into()),
                email: None,
                image: None,
                source_url: None,
                ..Default::default()
            }]
        );
        assert_eq!(bill(&p, "HB2").subjects.len(), 11);
    }

    #[test]
    fn json_vote_summaries_committee_sponsors_and_a_session_from_the_bill() {
        // AR HB1044 at the top of a folder that names no state or session: both from the bill.
        let entries = vec![("legiscan/bill/HB1044.json".to_string(), json("bill/HB1044.json"))];
        let ds = open_bytes(zip_of(&entries), "hb1044.zip", &Limits::default()).unwrap();
        assert_eq!((ds.root(), ds.state(), ds.session()), ("legiscan/", None, None));
        let p = parse_json_dataset(&ds, "hb1044.zip");
        assert_eq!(p.warnings, []);
        let b = bill(&p, "HB1044");
        assert_eq!(b.jurisdiction_id, "ocd-jurisdiction/country:us/state:ar/government");
        assert_eq!(b.session, "2012-2012 88th General Assembly (2012 Fiscal)");
        assert!(b.abstracts.is_empty());
        let s = &b.sponsorships[0];
        assert_eq!(
            (s.name.as_str(), s.entity_type.as_str(), s.chamber.as_deref(), s.primary),
            ("Joint Budget Committee", "organization", Some("legislature"), false)
        );
        assert_eq!(b.actions.len(), 18);
        assert_eq!(b.actions[17].description, "House Notification that HB1044 is now Act 36");
        // The bill's two vote summaries are votes (no vote files: no per-person votes).
        assert_eq!(p.votes.len(), 2);
        let house = vote(&p, "155205");
        assert_eq!(house.bill, BillRef { source_key: Some("396373".into()), identifier: Some("HB1044".into()) });
        assert_eq!(
            (
                house.motion_text.as_str(),
                house.start_date.as_str(),
                house.result.as_str(),
                house.organization.as_deref()
            ),
            (
                "Read the third time and passed and ordered transmitted to the Senate.",
                "2012-02-15",
                "pass",
                Some("lower")
            )
        );
        assert_eq!(house.counts, counts([("Yea", 94), ("Nay", 0), ("NV", 0), ("Absent", 0)]));
        assert_eq!(house.session, b.session);
        assert!(house.votes.is_empty());
        assert_eq!(house.sources[1], "https://legiscan.com/AR/rollcall/HB1044/id/155205");
        let senate = vote(&p, "155206");
        assert_eq!(senate.organization.as_deref(), Some("upper"));
        assert_eq!(senate.counts, counts([("Yea", 34), ("Nay", 0), ("NV", 0), ("Absent", 1)]));
    }

    #[test]
    fn json_vote_files_and_committee_people() {
        // The WY samples: two Senate roll calls of bill 395975 (not in the samples) and a
        // committee's "person" file. The samples come without folders: these are ours, in
        // LegiScan's layout.
        let root = "WY/2012-2012_2012_Budget_Session";
        let entries = vec![
            (format!("{root}/vote/154366.json"), json("vote/154366.json")),
            (format!("{root}/vote/154367.json"), json("vote/154367.json")),
            (format!("{root}/people/8630.json"), json("people/8630.json")),
        ];
        let ds = open_bytes(zip_of(&entries), "wy.zip", &Limits::default()).unwrap();
        let p = parse_json_dataset(&ds, "wy.zip");
        assert_eq!(p.votes.len(), 2);
        let v = vote(&p, "154366");
        assert_eq!(v.jurisdiction_id, "ocd-jurisdiction/country:us/state:wy/government");
        assert_eq!(v.session, "2012-2012 2012 Budget Session");
        assert_eq!(v.bill, BillRef { source_key: Some("395975".into()), identifier: None });
        assert_eq!(
            (v.motion_text.as_str(), v.start_date.as_str(), v.result.as_str(), v.organization.as_deref()),
            ("S Introduced and Referred to S10", "2012-02-14", "pass", Some("upper"))
        );
        assert_eq!(v.counts, counts([("Yea", 30), ("Nay", 0), ("NV", 0), ("Absent", 0)]));
        // Its 30 members are not in people/: their votes are dropped, loudly.
        assert!(v.votes.is_empty());
        let m = messages(&p);
        assert_eq!(m.len(), 4);
        assert_eq!(
            m[0],
            (
                "legiscan:154366".to_string(),
                "its bill 395975 is not in the dataset; the vote names it by id only".to_string()
            )
        );
        assert_eq!(m[1].0, "legiscan:154366");
        assert!(m[1].1.starts_with("30 person votes name people not in people/ (8641, 8642, 8651,"), "{}", m[1].1);
        // The committee is an organization, not a person.
        assert!(p.people.is_empty());
        assert_eq!(
            p.organizations,
            [OrganizationRecord {
                source_key: "8630".into(),
                name: "Agriculture, State and Public Lands and Water Resources".into(),
                classification: "committee".into(),
                parent_source_key: None,
                chamber: Some("legislature".into()),
                ..Default::default()
            }]
        );
    }

    #[test]
    fn json_texts_decode_by_mime() {
        // The samples' texts are CA bills the samples lack: each is a warning.
        let root = "CA/2011-2012_Regular_Session";
        let entries: Vec<(String, Vec<u8>)> = ["100932", "105736", "138449"]
            .iter()
            .map(|id| (format!("{root}/text/{id}.json"), json(&format!("text/{id}.json"))))
            .collect();
        let ds = open_bytes(zip_of(&entries), "ca.zip", &Limits::default()).unwrap();
        let p = parse_json_dataset(&ds, "ca.zip");
        assert_eq!(
            messages(&p),
            [
                ("text/100932.json".into(), "text 100932: its bill 231132 is not in the dataset; text dropped".into()),
                ("text/105736.json".into(), "text 105736: its bill 212667 is not in the dataset; text dropped".into()),
                ("text/138449.json".into(), "text 138449: its bill 242623 is not in the dataset; text dropped".into()),
            ]
        );

        // Decoding the real documents (HTML in <pre>, 3,706 bytes as text_size says).
        let doc = |id: &str| -> (String, String) {
            let t: JsonText = read_json(&json(&format!("text/{id}.json")), "text").unwrap();
            (t.mime.as_str().to_string(), t.doc.as_str().to_string())
        };
        let (mime, b64) = doc("100932");
        let sb151 = document_text(&mime, &b64).unwrap();
        assert_eq!(sb151.bytes, 3706);
        let text = sb151.text.unwrap();
        assert!(
            text.starts_with(
                "BILL NUMBER: SB 151 INTRODUCED\nBILL TEXT\n\nINTRODUCED BY Senator Correa\n\nFEBRUARY 1, 2011\n"
            ),
            "{text}"
        );
        assert!(!text.contains('<'));
        // AB 50 as amended: struck text is marked struck, inserted text stays; the printed
        // lines are one paragraph.
        let (mime, b64) = doc("105736");
        let raw = String::from_utf8(base64_decode(&b64).unwrap()).unwrap();
        assert!(raw.contains("<strike> SEC. 3. </strike> <em> SEC. 5. </em>"));
        let ab50 = document_text(&mime, &b64).unwrap().text.unwrap();
        assert!(ab50.contains("{--SEC. 3.--} SEC. 5. This act provides for a tax levy"), "{ab50}");
        assert!(!crate::text::marks::live(&ab50).contains("SEC. 3. SEC. 5."));

        // Joined to a bill: the real text 100932 re-pointed at AR HB1044's first version (doc
        // 573635), and 138449 at its second (575293) marked as a PDF, as most states' are.
        let mut first: Value = serde_json::from_slice(&json("text/100932.json")).unwrap();
        first["text"]["bill_id"] = 396373.into();
        first["text"]["doc_id"] = 573635.into();
        let mut second: Value = serde_json::from_slice(&json("text/138449.json")).unwrap();
        second["text"]["bill_id"] = 396373.into();
        second["text"]["doc_id"] = 575293.into();
        second["text"]["mime"] = "application/pdf".into();
        let root = "AR/2012-2012_88th_General_Assembly_Fiscal_Session";
        let entries = vec![
            (format!("{root}/bill/HB1044.json"), json("bill/HB1044.json")),
            (format!("{root}/text/573635.json"), serde_json::to_vec(&first).unwrap()),
            (format!("{root}/text/575293.json"), serde_json::to_vec(&second).unwrap()),
        ];
        let p = parse_json_dataset(&Dataset::from_entries("ar.zip", entries).unwrap(), "ar.zip");
        let b = bill(&p, "HB1044");
        assert_eq!(b.versions.len(), 2);
        assert!(b.versions[0].text.as_deref().unwrap().starts_with("BILL NUMBER: SB 151 INTRODUCED\n"));
        assert_eq!(b.versions[0].links.len(), 2);
        assert_eq!(b.versions[1].text, None);
        assert_eq!(
            messages(&p),
            [(
                "396373".to_string(),
                "text 575293: application/pdf: no text could be extracted (a PDF that cannot be read: couldn't \
                 parse input: invalid file header); text left empty"
                    .to_string()
            )]
        );
    }

    /// Standard base64 (with padding), for documents made into LegiScan text objects here.
    fn base64_encode(bytes: &[u8]) -> String {
        const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for c in bytes.chunks(3) {
            let n = (u32::from(c[0]) << 16)
                | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
                | u32::from(*c.get(2).unwrap_or(&0));
            for i in 0..4 {
                if i <= c.len() {
                    out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    #[test]
    fn a_pdf_document_is_read_by_the_shared_extractor() {
        // The PDF printed from the real ilga.gov page of IL HB 1075 (tests/fixtures/texts), in
        // base64 as LegiScan sends its PDFs.
        let pdf = std::fs::read(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/texts/il-HB1075-introduced.pdf"),
        )
        .unwrap();
        let b64 = base64_encode(&pdf);
        assert_eq!(base64_decode(&b64).unwrap(), pdf);
        let text = document_text("application/pdf", &b64).unwrap().text.unwrap();
        assert!(text.contains("State Commemorative Dates Act") && text.contains("Diwali Day"), "{text}");
    }

    #[test]
    fn base64_decoding() {
        for (encoded, plain) in [("", ""), ("Zg==", "f"), ("Zm8=", "fo"), ("Zm9v", "foo"), ("Zm9v\nYmFy", "foobar")] {
            assert_eq!(base64_decode(encoded).unwrap(), plain.as_bytes(), "{encoded}");
        }
        assert!(base64_decode("Zm9v!").unwrap_err().contains("byte 4"));
        assert!(base64_decode("Zg==Zg==").is_err());
        assert!(base64_decode("Zm9vY").is_err());
        assert!(base64_decode("Zg===").is_err());
    }

    #[test]
    fn json_with_an_api_envelope_or_a_bad_file() {
        let hb2 = String::from_utf8(json("bill/HB2.json")).unwrap();
        let enveloped = format!("{{\"status\":\"OK\",{}", &hb2[1..]);
        let failed = "{\"status\":\"ERROR\",\"alert\":{\"message\":\"Unknown bill id\"}}".to_string();
        let root = "AK/2011-2012_27th_Legislature";
        let entries = vec![
            (format!("{root}/bill/HB2.json"), enveloped.into_bytes()),
            (format!("{root}/bill/HB3.json"), failed.into_bytes()),
            (format!("{root}/bill/HB4.json"), hb2.as_bytes()[..200].to_vec()),
        ];
        let p = parse_json_dataset(&Dataset::from_entries("ak.zip", entries).unwrap(), "ak.zip");
        assert_eq!(p.bills.len(), 1);
        assert_eq!(p.bills[0].identifier, "HB2");
        let m = messages(&p);
        assert_eq!(m[0], ("bill/HB3.json".into(), "LegiScan status \"ERROR\"; file skipped".into()));
        assert_eq!(m[1].0, "bill/HB4.json");
        assert!(m[1].1.starts_with("not JSON: EOF while parsing"), "{}", m[1].1);
    }

    // ---- Untrusted zips ----

    #[test]
    fn entry_paths_that_could_escape_are_refused() {
        for (path, ok) in [
            ("MN/2025-2026_94th_Legislature/csv/bills.csv", Some("MN/2025-2026_94th_Legislature/csv/bills.csv")),
            ("MN\\2025\\csv\\bills.csv", Some("MN/2025/csv/bills.csv")),
            ("./MN//csv/./bills.csv", Some("MN/csv/bills.csv")),
            ("MN/", Some("MN/")),
            ("../../evil", None),
            ("MN/../../evil", None),
            ("MN/csv/../bills.csv", None),
            ("..\\..\\evil", None),
            ("/etc/passwd", None),
            ("\\\\server\\share\\evil", None),
            ("C:\\Windows\\evil", None),
            ("c:evil", None),
            ("MN/bills\0.csv", None),
            ("", None),
        ] {
            assert_eq!(safe_path(path).ok().as_deref(), ok, "{path:?}");
        }
    }

    /// The MN special session's real entries, plus one more.
    fn with_extra(name: &str, bytes: Vec<u8>) -> Vec<u8> {
        let mut entries = entries_of(MN_SPECIAL);
        entries.insert(3, (name.to_string(), bytes));
        zip_of(&entries)
    }

    #[test]
    fn a_zip_with_an_escaping_entry_is_rejected() {
        let readme = entries_of(MN_SPECIAL).into_iter().find(|(n, _)| n.ends_with("README.md")).unwrap().1;
        for entry in ["../../evil", "/etc/cron.d/legiscan", "..\\..\\evil.csv", "C:\\Users\\Public\\evil.csv"] {
            let err = open_bytes(with_extra(entry, readme.clone()), "MN_special.zip", &Limits::default()).unwrap_err();
            match &err {
                DatasetError::Zip(ZipError::UnsafeEntry { zip, entry: e, .. }) => {
                    assert_eq!((zip.as_str(), e.as_str()), ("MN_special.zip", entry))
                }
                other => panic!("{entry}: {other}"),
            }
            let shown = err.to_string();
            assert!(shown.starts_with("MN_special.zip: entry ") && shown.contains(&format!("{entry:?}")), "{shown}");
        }
        // The same entries without the extra one open.
        assert!(open_bytes(zip_of(&entries_of(MN_SPECIAL)), "MN_special.zip", &Limits::default()).is_ok());
    }

    #[test]
    fn symbolic_links_and_duplicate_paths_are_rejected() {
        let mut writer = ::zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = ::zip::write::SimpleFileOptions::default();
        for (name, bytes) in entries_of(MN_SPECIAL) {
            writer.start_file(name.as_str(), options).unwrap();
            writer.write_all(&bytes).unwrap();
        }
        writer.add_symlink("MN/link.csv", "/etc/passwd", options).unwrap();
        let bytes = writer.finish().unwrap().into_inner();
        let err = open_bytes(bytes, "link.zip", &Limits::default()).unwrap_err();
        assert!(
            matches!(&err, DatasetError::Zip(ZipError::UnsafeEntry { entry, reason: "is a symbolic link", .. }) if entry == "MN/link.csv"),
            "{err}"
        );

        let mut entries = entries_of(MN_SPECIAL);
        let (name, bytes) = entries[0].clone();
        entries.push((name.replace('/', "\\"), bytes));
        let err = Dataset::from_entries("dup.zip", entries.clone()).unwrap_err();
        assert!(
            matches!(
                &err,
                DatasetError::Zip(ZipError::UnsafeEntry { reason: "has the same path as another entry", .. })
            ),
            "{err}"
        );
        let err = open_bytes(zip_of(&entries), "dup.zip", &Limits::default()).unwrap_err();
        let backslashed = entries.last().unwrap().0.clone();
        assert!(
            matches!(&err, DatasetError::Zip(ZipError::UnsafeEntry { entry, reason: "has the same path as another entry", .. }) if *entry == backslashed),
            "{err}"
        );
    }

    #[test]
    fn a_zip_bomb_is_rejected() {
        // 8 MiB of zeros deflate to a few kilobytes; the bound is 1 MiB per entry.
        let bomb = "MN/2025-2026_94th_Legislature/csv/votes.csv";
        let bytes = zip_of(&[(bomb.to_string(), vec![0u8; 8 << 20])]);
        assert!(bytes.len() < 64 << 10, "{}", bytes.len());
        let limits = Limits { max_entry_bytes: 1 << 20, ..Limits::default() };
        let err = open_bytes(bytes, "bomb.zip", &limits).unwrap_err();
        assert!(
            matches!(&err, DatasetError::Zip(ZipError::EntryTooLarge { zip, entry, limit: 1048576 }) if zip == "bomb.zip" && entry == bomb),
            "{err}"
        );
        assert!(err.to_string().starts_with(
            "bomb.zip: entry \"MN/2025-2026_94th_Legislature/csv/votes.csv\" decompresses to more than 1048576 bytes"
        ));

        // All entries together: the real MN special session (178,196 bytes) under a 100,000-byte bound.
        let limits = Limits { max_total_bytes: 100_000, ..Limits::default() };
        let err = open_zip_file(zip_path(MN_SPECIAL), &limits).unwrap_err();
        match &err {
            DatasetError::Zip(ZipError::TotalTooLarge { zip, entry, limit }) => {
                assert!(zip.ends_with(MN_SPECIAL));
                assert_eq!(
                    (entry.as_str(), *limit),
                    ("MN/2025-2025_94th_Legislature_1st_Special_Session/csv/votes.csv", 100_000)
                );
            }
            other => panic!("{other}"),
        }
        assert!(open_zip_file(zip_path(MN_SPECIAL), &Limits { max_total_bytes: 178_196, ..Limits::default() }).is_ok());
        assert!(
            open_zip_file(zip_path(MN_SPECIAL), &Limits { max_total_bytes: 178_195, ..Limits::default() }).is_err()
        );
    }

    #[test]
    fn declared_sizes_are_not_trusted() {
        // A 2 MiB entry whose headers claim 100 bytes (under the bound): rejected, naming the
        // entry, as soon as more comes out (here the zip reader's own check fires first; the
        // bound counts bytes read whatever the headers claim).
        let name = "MN/2025-2026_94th_Legislature/csv/bills.csv";
        let mut bytes = zip_of(&[(name.to_string(), vec![b'x'; 2 << 20])]);
        let patch = |bytes: &mut Vec<u8>, signature: &[u8], offset: usize, size: u32| {
            let at = bytes.windows(4).position(|w| w == signature).unwrap() + offset;
            assert_eq!(u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()), 2 << 20);
            bytes[at..at + 4].copy_from_slice(&size.to_le_bytes());
        };
        patch(&mut bytes, b"PK\x03\x04", 22, 100);
        patch(&mut bytes, b"PK\x01\x02", 24, 100);
        let mut archive = ::zip::ZipArchive::new(Cursor::new(bytes.clone())).unwrap();
        assert_eq!(archive.by_index(0).unwrap().size(), 100);
        let limits = Limits { max_entry_bytes: 1 << 20, ..Limits::default() };
        let err = open_bytes(bytes, "liar.zip", &limits).unwrap_err();
        assert!(
            matches!(&err, DatasetError::Zip(ZipError::Entry { zip, entry, .. }) if zip == "liar.zip" && entry == name),
            "{err}"
        );
        assert!(err.to_string().contains("larger than its declared uncompressed size"), "{err}");
    }

    #[test]
    fn a_zip_that_is_not_a_dataset() {
        let readme = entries_of(MN_SPECIAL).into_iter().find(|(n, _)| n.ends_with("README.md")).unwrap();
        let err = open_bytes(zip_of(&[readme]), "readme.zip", &Limits::default()).unwrap_err();
        assert!(err.to_string().starts_with("readme.zip is not a LegiScan dataset: no csv/bills.csv"), "{err}");
        let mut both = entries_of(MN_SPECIAL);
        both.push(("MN/x/bill/HB1.json".into(), json("bill/HB1.json")));
        let err = Dataset::from_entries("both.zip", both).unwrap_err();
        assert!(err.to_string().contains("both a CSV dataset"), "{err}");
        let err = open_bytes(b"PK not a zip".to_vec(), "junk.zip", &Limits::default()).unwrap_err();
        assert!(matches!(err, DatasetError::Zip(ZipError::Archive { .. })));
        // A CSV dataset given to the JSON parser (and back) says so.
        let p = parse_json_dataset(&open(MN_SPECIAL), "x");
        assert_eq!((p.bills.len(), p.warnings.len()), (0, 1));
    }
}
