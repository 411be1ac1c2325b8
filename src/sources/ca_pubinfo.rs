//! `ca_pubinfo`: California's Legislative Counsel "pubinfo" export
//! (`downloads.leginfo.legislature.ca.gov/pubinfo_2025.zip`): the tables of the LC's `capublic`
//! MySQL database as `.dat` files, plus one `.lob` file per large text (bill texts, analyses,
//! veto messages).
//!
//! An export is a folder or a zip ([`DirFiles`], [`ZipFiles`], both behind [`Files`]); [`parse`]
//! reads the tables it knows, by base name and case-insensitively (zips may nest a folder):
//!
//! | Table | Yields |
//! |---|---|
//! | `BILL_TBL.dat` | one bill per row: identifier, session, classification, chamber of origin |
//! | `BILL_VERSION_TBL.dat` | the bill's versions (texts from their CAML `.lob`), and its title (the latest version's subject) |
//! | `BILL_VERSION_AUTHORS_TBL.dat` | the sponsors: the authors of the bill's latest version |
//! | `BILL_HISTORY_TBL.dat` | the actions |
//! | `BILL_ANALYSIS_TBL.dat` | documents: committee and floor analyses (texts from their `.lob`) |
//! | `VETO_MESSAGE_TBL.dat` | a document: the Governor's veto message (text from its `.lob`) |
//! | `BILL_SUMMARY_VOTE_TBL.dat` | one vote per row: motion, tallies, result |
//! | `BILL_DETAIL_VOTE_TBL.dat` | each legislator's vote in those votes |
//! | `BILL_MOTION_TBL.dat` (or `MOTION_TBL.dat`) | the votes' motion texts, by `motion_id` |
//!
//! Other tables of the export (`LEGISLATOR_TBL`, `LOCATION_CODE_TBL`, `COMMITTEE_HEARING_TBL`,
//! `DAILY_FILE_TBL`, the `LAW_*` tables, …) are not read.
//!
//! The `.dat` format: tab-separated, one record per line, no header, strings in backticks,
//! unquoted `NULL`, datetimes `YYYY-MM-DD HH:MM:SS` in Pacific time without a zone. The LC loads
//! them with MySQL (`OPTIONALLY ENCLOSED BY '`'`, default `ESCAPED BY '\\'`), so a backslash
//! escapes the next byte (`\n`, `\t`, an escaped backtick, tab or line break). Each file is
//! tokenized here (backslash escapes honored, each record checked against the table's column
//! count) and the clean records are read with polars' CSV reader, every column a string.
//!
//! Quirks handled (shared research, data-sources.md, "California pubinfo"):
//! - composite ids: bill `199920001SB1` = session `19992000` + session number `1` + `SB` + `1`;
//!   version `19991SB199INT` (number 99, counting down as the bill advances, then the stage).
//!   Session number 0 is the regular session (`20252026`), n > 0 an extraordinary one,
//!   named as Open States names it: `19992000 Special Session 1`;
//! - a record with the wrong number of fields is a warning naming the file and line, and the
//!   file's other records are read. When a whole file is one column short or long (an older or
//!   newer layout), the missing trailing columns read as NULL and extra ones are ignored, with
//!   one warning for the file;
//! - bytes that are not UTF-8 are decoded lossily, with a warning;
//! - datetimes at midnight are dates (pubinfo writes `00:00:00` when it has no time): they become
//!   `YYYY-MM-DD`, and real times `YYYY-MM-DDTHH:MM:SS` (local time, America/Los_Angeles);
//! - action order: by date, then `action_sequence` (newer exports), then `bill_history_id`.
//!   The id runs with time in newer exports but against it in older ones (1999-2000: ids
//!   decrease as dates increase, and within a day the higher id is the earlier action), so the
//!   direction of each bill's ids is read from its dated rows and ties are broken that way;
//! - action text keeps its runs of double spaces (normalization collapses whitespace);
//! - an action's `primary_location` is where the bill is after the action (`Senate`, `Assembly`,
//!   `Governor`, …; NULL in old exports): `Senate`/`Assembly` become the action's
//!   organization (`upper`/`lower`), anything else none;
//! - version texts are CAML XML (namespace [`formats::CAML_NS`], with embedded XHTML). Amended prints
//!   mark struck text as `<?xm-deletion_mark data="…"?>` processing instructions and added text
//!   between `<?xm-insertion_mark_start?>`/`<?xm-insertion_mark_end?>`: the extracted text is
//!   the current text (deletions dropped, insertions kept), without the metadata
//!   (`caml:History`, `caml:LegislativeInfo`, …); see [`formats::caml_text`];
//! - analyses are old fixed-width HTML (1999: an 80-column padded `<head>`, a `<pre>` body) or,
//!   in current exports, Word documents (`.docx` bytes in the `.lob`): [`formats::html_text`] and
//!   [`formats::docx_text`] extract their text;
//! - a `.lob` the export lacks or that cannot be read keeps its document (text `None`) and is
//!   a warning naming the LOB, the bill and the export;
//! - the sponsors are the authors of the bill's latest version; when the export has no authors
//!   rows for it, they are read from that version's CAML (`caml:Authors`);
//! - rows of a bill that is not in `BILL_TBL.dat` are dropped with one warning per bill.
//!
//! Votes: `BILL_SUMMARY_VOTE_TBL` has one row per vote, `BILL_DETAIL_VOTE_TBL` one per member.
//! The summary's `vote_date_time` is the day at midnight while the detail rows carry the time of
//! the roll call (`1999-03-22 00:00:00` against `13:23:00`), so the two are matched on bill,
//! location, vote date (the day), `vote_date_seq` and `motion_id`, and the vote's key uses the
//! day too (`ca-pubinfo:<bill_id>:<location>:<YYYY-MM-DD>:<seq>:<motion_id>`); the start date is
//! the detail's time when it has one. Within a day, votes are ordered by `vote_date_seq` (the
//! roll-call times disagree with it). A summary without details is a vote without per-member
//! records; details without a summary are a vote whose counts are computed from them, with a
//! warning; tallies that disagree with the details are a warning. `AFLOOR`/`SFLOOR` are the
//! Assembly and Senate floors (`lower`, `upper`, motion classified `passage`); other locations
//! are committees (`committee-passage`), named from `BILL_ANALYSIS_TBL` (`committee_code` →
//! `committee_name`) when it names them, else by code with the chamber its prefix gives
//! (`CS…` Senate, `CX…` Assembly: "Senate committee CS44"). Floor votes on amendments are
//! classified `passage` too: without the motion text nothing tells them apart.
//!
//! California's `ABS` means absent, abstaining or not voting alike (the Legislature does not
//! tell them apart), so a member's `ABS` becomes `not voting`, with `ABS` kept in the person
//! vote's note, and the summary's `abstain` tally is counted as `not voting`; `AYE` is `yes`,
//! `NOE` `no`, other codes pass through raw. Counts are always `yes`, `no`, `not voting`.
//!
//! Not handled:
//! - motion texts live in `BILL_MOTION_TBL`; without it a vote's motion is `Motion <id>`, with
//!   one warning per export;
//! - `LOCATION_CODE_TBL` (location code → committee name) is not read;
//! - the daily `pubinfo_<Day>.zip` files are deltas (only the rows changed that day, tables
//!   missing), not complete bills: parsing one alone yields partial bills and warnings about
//!   rows whose bill is not in its `BILL_TBL.dat`. Load full session exports.
//!
//! Parsing is pure: [`parse`] reads only through [`Files`]; the two implementations are the only
//! I/O here, and `crate::run` chooses which to open.

use crate::model::*;
use crate::safe_zip::{Limits, SafeZip, ZipError};
use crate::text::formats::{self, CAML_NS, docx_text, html_text, text_of};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use polars::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Cursor, Read, Seek};
use std::path::{Path, PathBuf};

/// California's OCD jurisdiction.
pub const JURISDICTION_ID: &str = "ocd-jurisdiction/country:us/state:ca/government";
/// The zone of every time in the export.
pub const TIMEZONE: &str = "America/Los_Angeles";
const LEGINFO: &str = "https://leginfo.legislature.ca.gov/faces";

// ---- The tables ----------------------------------------------------------------------------

/// The pubinfo tables this module reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TableKind {
    Bill,
    History,
    Version,
    VersionAuthors,
    Analysis,
    VetoMessage,
    SummaryVote,
    DetailVote,
    Motion,
}

impl TableKind {
    pub const ALL: [TableKind; 9] = [
        TableKind::Bill,
        TableKind::History,
        TableKind::Version,
        TableKind::VersionAuthors,
        TableKind::Analysis,
        TableKind::VetoMessage,
        TableKind::SummaryVote,
        TableKind::DetailVote,
        TableKind::Motion,
    ];

    /// The file's name in an export.
    pub fn file_name(self) -> &'static str {
        match self {
            TableKind::Bill => "BILL_TBL.dat",
            TableKind::History => "BILL_HISTORY_TBL.dat",
            TableKind::Version => "BILL_VERSION_TBL.dat",
            TableKind::VersionAuthors => "BILL_VERSION_AUTHORS_TBL.dat",
            TableKind::Analysis => "BILL_ANALYSIS_TBL.dat",
            TableKind::VetoMessage => "VETO_MESSAGE_TBL.dat",
            TableKind::SummaryVote => "BILL_SUMMARY_VOTE_TBL.dat",
            TableKind::DetailVote => "BILL_DETAIL_VOTE_TBL.dat",
            TableKind::Motion => "BILL_MOTION_TBL.dat",
        }
    }

    /// The columns, in file order, as the LC's `capublic.sql` names them.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            TableKind::Bill => &[
                "bill_id",
                "session_year",
                "session_num",
                "measure_type",
                "measure_num",
                "measure_state",
                "chapter_year",
                "chapter_type",
                "chapter_session_num",
                "chapter_num",
                "latest_bill_version_id",
                "active_flg",
                "trans_uid",
                "trans_update",
                "current_location",
                "current_secondary_loc",
                "current_house",
                "current_status",
                "days_31st_in_print",
            ],
            TableKind::History => &[
                "bill_id",
                "bill_history_id",
                "action_date",
                "action",
                "trans_uid",
                "trans_update_dt",
                "action_sequence",
                "action_code",
                "action_status",
                "primary_location",
                "secondary_location",
                "ternary_location",
                "end_status",
            ],
            TableKind::Version => &[
                "bill_version_id",
                "bill_id",
                "version_num",
                "bill_version_action_date",
                "bill_version_action",
                "request_num",
                "subject",
                "vote_required",
                "appropriation",
                "fiscal_committee",
                "local_program",
                "substantive_changes",
                "urgency",
                "taxlevy",
                "bill_xml",
                "active_flg",
                "trans_uid",
                "trans_update",
            ],
            TableKind::VersionAuthors => &[
                "bill_version_id",
                "type",
                "house",
                "name",
                "contribution",
                "committee_members",
                "active_flg",
                "trans_uid",
                "trans_update",
                "primary_author_flg",
            ],
            TableKind::Analysis => &[
                "analysis_id",
                "bill_id",
                "house",
                "analysis_type",
                "committee_code",
                "committee_name",
                "amendment_author",
                "analysis_date",
                "amendment_date",
                "page_num",
                "source_doc",
                "released_floor",
                "active_flg",
                "trans_uid",
                "trans_update",
            ],
            TableKind::VetoMessage => &["bill_id", "veto_date", "message", "trans_uid", "trans_update"],
            TableKind::SummaryVote => &[
                "bill_id",
                "location_code",
                "vote_date_time",
                "vote_date_seq",
                "motion_id",
                "ayes",
                "noes",
                "abstain",
                "vote_result",
                "trans_uid",
                "trans_update",
                "file_item_num",
                "file_location",
                "display_lines",
                "session_date",
            ],
            TableKind::DetailVote => &[
                "bill_id",
                "location_code",
                "legislator_name",
                "vote_date_time",
                "vote_date_seq",
                "vote_code",
                "motion_id",
                "trans_uid",
                "trans_update",
                "member_order",
                "session_date",
                "speaker",
            ],
            TableKind::Motion => &["motion_id", "motion_text", "trans_uid", "trans_update"],
        }
    }

    /// The table a file holds, from its name (a bare name or a path, any case).
    pub fn from_file_name(name: &str) -> Option<TableKind> {
        let name = base_name(name);
        if name.eq_ignore_ascii_case("MOTION_TBL.dat") {
            return Some(TableKind::Motion);
        }
        TableKind::ALL.into_iter().find(|k| k.file_name().eq_ignore_ascii_case(name))
    }
}

fn base_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

// ---- Where the files come from -------------------------------------------------------------

/// The files of one export, by base name.
pub trait Files {
    /// The base names of the files (no folders).
    fn names(&self) -> Vec<String>;
    /// The bytes of the file with this base name (case-insensitive); `None` when there is none.
    fn read(&mut self, name: &str) -> Option<std::io::Result<Vec<u8>>>;
}

/// An export unpacked in a folder (its files directly inside it).
#[derive(Debug, Clone)]
pub struct DirFiles {
    /// Lower-cased base name → path.
    by_name: BTreeMap<String, PathBuf>,
}

impl DirFiles {
    pub fn open(dir: impl AsRef<Path>) -> std::io::Result<DirFiles> {
        let mut by_name = BTreeMap::new();
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            if entry.file_type()?.is_file()
                && let Some(name) = entry.file_name().to_str()
            {
                by_name.entry(name.to_ascii_lowercase()).or_insert_with(|| entry.path());
            }
        }
        Ok(DirFiles { by_name })
    }
}

impl Files for DirFiles {
    fn names(&self) -> Vec<String> {
        self.by_name.values().filter_map(|p| p.file_name()?.to_str().map(str::to_string)).collect()
    }

    fn read(&mut self, name: &str) -> Option<std::io::Result<Vec<u8>>> {
        let path = self.by_name.get(&base_name(name).to_ascii_lowercase())?;
        Some(std::fs::read(path))
    }
}

/// The bounds on an export zip: 10,000 entries, 4 GiB per entry, 8 GiB in all. A daily export
/// unpacks to a few hundred megabytes, a full session's to several gigabytes.
pub const LIMITS: Limits = Limits { max_total_bytes: 8 << 30, max_entry_bytes: 4 << 30, max_entries: 10_000 };

/// An export as the LC publishes it: a zip (`pubinfo_2025.zip`), whose files may sit in a folder.
/// When two entries share a base name, the first in the archive wins. Read as untrusted input
/// ([`crate::safe_zip`]): a zip with an escaping entry or a link does not open, and a file past
/// the [`Limits`] (by default [`LIMITS`]) is an error naming the zip and the entry.
pub struct ZipFiles<R: Read + Seek = std::io::BufReader<std::fs::File>> {
    zip: SafeZip<R>,
    /// Lower-cased base name → the entry's full name.
    by_name: BTreeMap<String, String>,
}

impl ZipFiles {
    /// Opens an export zip within [`LIMITS`].
    pub fn open(path: impl AsRef<Path>) -> Result<ZipFiles, ZipError> {
        ZipFiles::open_with(path, &LIMITS)
    }

    pub fn open_with(path: impl AsRef<Path>, limits: &Limits) -> Result<ZipFiles, ZipError> {
        ZipFiles::from_zip(SafeZip::open(path, limits)?)
    }
}

impl<R: Read + Seek> ZipFiles<R> {
    /// An export zip from a reader; `zip_name` names it in errors.
    pub fn new(reader: R, zip_name: &str, limits: &Limits) -> Result<ZipFiles<R>, ZipError> {
        ZipFiles::from_zip(SafeZip::new(reader, zip_name, limits)?)
    }

    fn from_zip(zip: SafeZip<R>) -> Result<ZipFiles<R>, ZipError> {
        let mut by_name = BTreeMap::new();
        for name in zip.files() {
            by_name.entry(base_name(name).to_ascii_lowercase()).or_insert_with(|| name.to_string());
        }
        Ok(ZipFiles { zip, by_name })
    }
}

impl<R: Read + Seek> Files for ZipFiles<R> {
    fn names(&self) -> Vec<String> {
        self.by_name.values().map(|n| base_name(n).to_string()).collect()
    }

    fn read(&mut self, name: &str) -> Option<std::io::Result<Vec<u8>>> {
        let entry = self.by_name.get(&base_name(name).to_ascii_lowercase())?;
        Some(self.zip.read(entry).map_err(std::io::Error::other))
    }
}

// ---- Reading one table ---------------------------------------------------------------------

/// One `.dat` file read into a frame.
#[derive(Debug, Clone)]
pub struct Table {
    pub kind: TableKind,
    /// One string column per [`TableKind::columns`], in that order; `NULL` is null.
    pub frame: DataFrame,
    /// The line (1-based) each row of `frame` starts on in the file.
    pub lines: Vec<usize>,
    /// Records that could not be read, and layout or encoding problems of the file.
    pub warnings: Vec<Warning>,
    /// Every record of the file was read: none skipped, and the file does not end mid-record
    /// (a table cut short or with a malformed row is partial: see `model::BillScope`).
    pub complete: bool,
}

/// Reads one pubinfo table. `file_name` says which table it is ([`TableKind::from_file_name`]);
/// `location` (the export) goes into the warnings, whose record is `<file> line <n>`.
///
/// `Err` only when the file is not a table this module knows or polars fails; bad records are
/// warnings and the other records are read.
pub fn read_table(file_name: &str, bytes: &[u8], location: &str) -> Result<Table, String> {
    let kind = TableKind::from_file_name(file_name)
        .ok_or_else(|| format!("{file_name} is not a pubinfo table this module reads"))?;
    let file = base_name(file_name);
    let columns = kind.columns();
    let mut warnings = Vec::new();
    let warn = |warnings: &mut Vec<Warning>, record: Option<String>, message: String| {
        warnings.push(Warning::new(location, record, message));
    };
    if let Err(e) = std::str::from_utf8(bytes) {
        warn(
            &mut warnings,
            Some(file.to_string()),
            format!(
                "not valid UTF-8 (first bad byte at offset {}); undecodable bytes were replaced with U+FFFD",
                e.valid_up_to()
            ),
        );
    }
    // Every export's table ends with a line break; a file that does not was cut short, and
    // its last record may be cut inside a field that still parses (a number, a date).
    let mut complete = true;
    let bytes = match bytes.iter().rposition(|&b| b == b'\n') {
        Some(last) if last + 1 < bytes.len() => {
            let line = bytes[..=last].iter().filter(|&&b| b == b'\n').count() + 1;
            warn(
                &mut warnings,
                Some(format!("{file} line {line}")),
                "the file ends inside this record (cut short?): the record is skipped and the table is partial"
                    .to_string(),
            );
            complete = false;
            &bytes[..=last]
        }
        None if !bytes.is_empty() => {
            warn(
                &mut warnings,
                Some(format!("{file} line 1")),
                "the file ends inside its first record (cut short?): nothing read, the table is partial".to_string(),
            );
            complete = false;
            &bytes[..0]
        }
        _ => bytes,
    };
    let records = split_records(bytes);

    // The file's width: the field count most of its records have (the layout's own on a tie).
    let mut widths: BTreeMap<usize, usize> = BTreeMap::new();
    for r in &records {
        if let Ok(fields) = &r.fields {
            *widths.entry(fields.len()).or_default() += 1;
        }
    }
    let width =
        widths.iter().max_by_key(|(w, n)| (**n, **w == columns.len())).map(|(w, _)| *w).unwrap_or(columns.len());
    if width != columns.len() {
        let what = if width < columns.len() {
            "the missing trailing columns read as NULL"
        } else {
            "the extra trailing columns are ignored"
        };
        warn(
            &mut warnings,
            Some(file.to_string()),
            format!("rows have {width} fields where this table has {} columns: {what}", columns.len()),
        );
    }

    // The clean records, re-encoded for polars: every value quoted (backticks doubled), NULL bare.
    let mut clean = Vec::with_capacity(bytes.len());
    let mut lines = Vec::with_capacity(records.len());
    for r in records {
        let record = Some(format!("{file} line {}", r.line));
        match r.fields {
            Err(e) => {
                complete = false;
                warn(&mut warnings, record, format!("{e}; record skipped"))
            }
            Ok(fields) if fields.len() != width => {
                complete = false;
                warn(
                    &mut warnings,
                    record,
                    format!("{} fields where the file's records have {width}; record skipped", fields.len()),
                )
            }
            Ok(fields) => {
                for i in 0..columns.len() {
                    if i > 0 {
                        clean.push(b'\t');
                    }
                    match fields.get(i) {
                        Some(Some(value)) => {
                            clean.push(b'`');
                            for &b in value {
                                if b == b'`' {
                                    clean.push(b'`');
                                }
                                clean.push(b);
                            }
                            clean.push(b'`');
                        }
                        _ => clean.extend_from_slice(b"NULL"),
                    }
                }
                clean.push(b'\n');
                lines.push(r.line);
            }
        }
    }

    let schema: Schema = columns.iter().map(|c| Field::new((*c).into(), DataType::String)).collect();
    let frame = if lines.is_empty() {
        DataFrame::empty_with_schema(&schema)
    } else {
        let parse_options = CsvParseOptions {
            separator: b'\t',
            quote_char: Some(b'`'),
            eol_char: b'\n',
            encoding: CsvEncoding::LossyUtf8,
            null_values: Some(NullValues::AllColumnsSingle("NULL".into())),
            missing_is_null: true,
            truncate_ragged_lines: false,
            comment_prefix: None,
            try_parse_dates: false,
            decimal_comma: false,
        };
        CsvReadOptions::default()
            .with_has_header(false)
            .with_schema(Some(Arc::new(schema)))
            .with_parse_options(parse_options)
            .with_raise_if_empty(false)
            .into_reader_with_file_handle(Cursor::new(clean))
            .finish()
            .map_err(|e| format!("{file}: polars could not read the records: {e}"))?
    };
    if frame.height() != lines.len() {
        return Err(format!("{file}: polars read {} rows from {} records", frame.height(), lines.len()));
    }
    Ok(Table { kind, frame, lines, warnings, complete })
}

struct RawRecord {
    /// The line the record starts on, 1-based.
    line: usize,
    /// The fields (`None` for NULL), or why the record is malformed.
    fields: Result<Vec<Option<Vec<u8>>>, String>,
}

/// Splits a `.dat` file into records as MySQL's `LOAD DATA … FIELDS TERMINATED BY '\t'
/// OPTIONALLY ENCLOSED BY '`' ESCAPED BY '\\'` would: a backslash takes the next byte literally
/// (`\n`, `\t`, `\r` are the control characters, `\N` is NULL), a doubled backtick inside a quoted
/// field is one backtick, and an unescaped line break ends the record. A line that ends inside a
/// quoted field is malformed (a truncated record), and the next line starts a new record.
fn split_records(bytes: &[u8]) -> Vec<RawRecord> {
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < bytes.len() {
        let start = line;
        let mut fields = Vec::new();
        let mut field = Vec::new();
        let (mut quoted, mut in_quote, mut started, mut null_escape) = (false, false, false, false);
        let mut error = None;
        loop {
            let Some(&b) = bytes.get(i) else {
                if in_quote {
                    error = Some("the file ends inside a `-quoted field".to_string());
                }
                break;
            };
            i += 1;
            match b {
                b'\\' if i < bytes.len() => {
                    let c = bytes[i];
                    i += 1;
                    match c {
                        b'n' => field.push(b'\n'),
                        b't' => field.push(b'\t'),
                        b'r' => field.push(b'\r'),
                        b'N' if !started => null_escape = true,
                        // NUL, Ctrl-Z, backspace: control characters no text wants.
                        b'0' | b'Z' | b'b' => {}
                        b'\n' => {
                            line += 1;
                            field.push(b'\n');
                        }
                        c => field.push(c),
                    }
                    started = true;
                }
                b'`' if in_quote => {
                    if bytes.get(i) == Some(&b'`') {
                        field.push(b'`');
                        i += 1;
                    } else {
                        in_quote = false;
                    }
                }
                b'`' if !started => (quoted, in_quote, started) = (true, true, true),
                b'\n' => {
                    line += 1;
                    if in_quote {
                        error = Some("the line ends inside a `-quoted field".to_string());
                    }
                    break;
                }
                b'\t' if !in_quote => {
                    fields.push(field_value(std::mem::take(&mut field), quoted, null_escape));
                    (quoted, started, null_escape) = (false, false, false);
                }
                b'\r' if !in_quote && bytes.get(i) == Some(&b'\n') => {}
                b => {
                    field.push(b);
                    started = true;
                }
            }
        }
        let blank = fields.is_empty() && !started && error.is_none();
        fields.push(field_value(field, quoted, null_escape));
        if !blank {
            out.push(RawRecord { line: start, fields: error.map_or(Ok(fields), Err) });
        }
    }
    out
}

fn field_value(bytes: Vec<u8>, quoted: bool, null_escape: bool) -> Option<Vec<u8>> {
    if (!quoted && bytes == b"NULL") || (null_escape && bytes.is_empty()) { None } else { Some(bytes) }
}

/// The string columns of a table, row by row.
struct Rows<'a> {
    kind: TableKind,
    cols: Vec<Vec<Option<&'a str>>>,
    lines: &'a [usize],
}

impl<'a> Rows<'a> {
    fn new(table: &'a Table) -> Result<Rows<'a>, String> {
        let mut cols = Vec::new();
        for name in table.kind.columns() {
            let col = table.frame.column(name).and_then(|c| c.str()).map_err(|e| format!("{name}: {e}"))?;
            cols.push(col.iter().collect());
        }
        Ok(Rows { kind: table.kind, cols, lines: &table.lines })
    }

    fn len(&self) -> usize {
        self.lines.len()
    }

    /// A value, trimmed; `None` for NULL and empty values.
    fn get(&self, row: usize, column: &str) -> Option<&'a str> {
        let c = self.kind.columns().iter().position(|n| *n == column);
        debug_assert!(c.is_some(), "{column} is not a column of {:?}", self.kind);
        self.cols.get(c?)?.get(row).copied().flatten().map(str::trim).filter(|s| !s.is_empty())
    }

    fn number(&self, row: usize, column: &str) -> Option<i64> {
        self.get(row, column)?.parse().ok()
    }

    /// `<file> line <n>`, for warnings.
    fn record(&self, row: usize) -> String {
        format!("{} line {}", self.kind.file_name(), self.lines.get(row).copied().unwrap_or(0))
    }
}

// ---- Parsing an export ---------------------------------------------------------------------

struct Ctx<'a> {
    location: &'a str,
}

impl Ctx<'_> {
    fn warn(&self, warnings: &mut Vec<Warning>, record: impl Into<String>, message: impl Into<String>) {
        warnings.push(Warning::new(self.location, Some(record.into()), message));
    }

    fn origin(&self) -> Origin {
        Origin { location: self.location.to_string(), payload_sha256: None }
    }
}

/// Parses one export (a session's `pubinfo_<year>.zip` or its unpacked folder). Never panics
/// and never stops early: unreadable files, bad records and missing `.lob` files are warnings
/// naming `location`, and everything else is still returned.
pub fn parse(files: &mut dyn Files, location: &str) -> Parsed {
    let ctx = Ctx { location };
    let mut out = Parsed::default();
    let names = files.names();

    let mut tables: BTreeMap<TableKind, Table> = BTreeMap::new();
    for kind in TableKind::ALL {
        let Some(name) = names.iter().find(|n| TableKind::from_file_name(n) == Some(kind)) else { continue };
        match files.read(name) {
            None => ctx.warn(&mut out.warnings, name.as_str(), "listed in the export but not found"),
            Some(Err(e)) => ctx.warn(&mut out.warnings, name.as_str(), format!("could not be read: {e}")),
            Some(Ok(bytes)) => match read_table(name, &bytes, location) {
                Ok(mut table) => {
                    out.warnings.append(&mut table.warnings);
                    tables.insert(kind, table);
                }
                Err(e) => ctx.warn(&mut out.warnings, name.as_str(), e),
            },
        }
    }
    if !tables.contains_key(&TableKind::Bill) {
        out.warnings.push(Warning::new(
            location,
            None,
            "no BILL_TBL.dat in the export: nothing loaded (a daily pubinfo_<Day>.zip delta is not a complete export)",
        ));
        return out;
    }
    // An absent table says nothing: what it carries is neither updated nor removed. It is
    // named, so a damaged download is seen (`BILL_MOTION_TBL` has its own warning below).
    for kind in TableKind::ALL {
        let carries = match kind {
            TableKind::History => "the actions",
            TableKind::Version => "the versions, their texts and the titles",
            TableKind::VersionAuthors => "the sponsors (read from the versions' texts where they have them)",
            TableKind::Analysis => "the analyses",
            TableKind::VetoMessage => "the veto messages",
            TableKind::SummaryVote => "the roll calls' tallies and results",
            TableKind::DetailVote => "the legislators' votes",
            TableKind::Bill | TableKind::Motion => continue,
        };
        if !names.iter().any(|n| TableKind::from_file_name(n) == Some(kind)) {
            ctx.warn(
                &mut out.warnings,
                kind.file_name(),
                format!("not in the export: {carries} are kept as the warehouse has them, neither updated nor removed"),
            );
        }
    }
    let has_authors_table = tables.contains_key(&TableKind::VersionAuthors);
    let has_motion_table = tables.contains_key(&TableKind::Motion);
    // The tables delivered whole: each is authoritative for what it carries (absent or
    // partial ones say nothing about what they lack).
    let whole: HashSet<TableKind> = tables.values().filter(|t| t.complete).map(|t| t.kind).collect();
    for t in tables.values().filter(|t| !t.complete) {
        out.partial = true;
        ctx.warn(
            &mut out.warnings,
            t.kind.file_name(),
            "partial table: what it lacks is kept as the warehouse has it (nothing is removed or blanked)",
        );
    }
    // The export's own time: its newest row update (for "time only moves forward").
    let as_of = tables
        .values()
        .filter_map(|t| {
            let column = t.kind.columns().iter().find(|c| c.starts_with("trans_update"))?;
            let c = t.frame.column(column).ok()?.str().ok()?.iter().flatten().max()?.to_string();
            Some(c)
        })
        .max();
    for kind in TableKind::ALL {
        tables.entry(kind).or_insert_with(|| empty_table(kind));
    }
    let mut rows = BTreeMap::new();
    for (kind, table) in &tables {
        match Rows::new(table) {
            Ok(r) => {
                rows.insert(*kind, r);
            }
            Err(e) => {
                ctx.warn(&mut out.warnings, kind.file_name(), format!("not read: {e}"));
                // An unreadable table counts as an empty one.
                rows.insert(*kind, Rows { kind: *kind, cols: Vec::new(), lines: &[] });
            }
        }
    }
    let mut whole = whole;
    whole.retain(|k| rows.get(k).is_some_and(|r| !r.cols.is_empty()));
    let export = Export { ctx: &ctx, rows: &rows, has_authors_table, has_motion_table, whole, as_of };
    export.build(files, &mut out);
    out
}

fn empty_table(kind: TableKind) -> Table {
    let schema: Schema = kind.columns().iter().map(|c| Field::new((*c).into(), DataType::String)).collect();
    Table {
        kind,
        frame: DataFrame::empty_with_schema(&schema),
        lines: Vec::new(),
        warnings: Vec::new(),
        complete: false,
    }
}

struct Export<'a> {
    ctx: &'a Ctx<'a>,
    rows: &'a BTreeMap<TableKind, Rows<'a>>,
    has_authors_table: bool,
    has_motion_table: bool,
    /// Tables present and read whole.
    whole: HashSet<TableKind>,
    /// The export's newest `trans_update`.
    as_of: Option<String>,
}

/// What a bill's rows in the child tables are, by table.
#[derive(Default)]
struct Children {
    history: Vec<usize>,
    versions: Vec<usize>,
    analyses: Vec<usize>,
    vetoes: Vec<usize>,
    summaries: Vec<usize>,
    details: Vec<usize>,
}

impl<'a> Export<'a> {
    fn table(&self, kind: TableKind) -> &'a Rows<'a> {
        &self.rows[&kind]
    }

    fn build(&self, files: &mut dyn Files, out: &mut Parsed) {
        let ctx = self.ctx;
        let bills = self.table(TableKind::Bill);

        // The bills, in file order; the first row of a bill_id wins.
        let mut order: Vec<(usize, &str)> = Vec::new();
        let mut children: HashMap<&str, Children> = HashMap::new();
        for row in 0..bills.len() {
            let Some(bill_id) = bills.get(row, "bill_id") else {
                ctx.warn(&mut out.warnings, bills.record(row), "no bill_id; row skipped");
                continue;
            };
            if children.contains_key(bill_id) {
                ctx.warn(
                    &mut out.warnings,
                    bill_id,
                    format!("{}: a second row for the bill, skipped", bills.record(row)),
                );
                continue;
            }
            children.insert(bill_id, Children::default());
            order.push((row, bill_id));
        }

        // Child rows by bill; rows of bills not in BILL_TBL are counted, then reported per bill.
        let mut orphans: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
        let mut version_bill: HashMap<&str, &str> = HashMap::new();
        for kind in [
            TableKind::History,
            TableKind::Version,
            TableKind::Analysis,
            TableKind::VetoMessage,
            TableKind::SummaryVote,
            TableKind::DetailVote,
        ] {
            let table = self.table(kind);
            for row in 0..table.len() {
                let Some(bill_id) = table.get(row, "bill_id") else {
                    ctx.warn(&mut out.warnings, table.record(row), "no bill_id; row skipped");
                    continue;
                };
                let Some(c) = children.get_mut(bill_id) else {
                    *orphans.entry(bill_id).or_default().entry(kind.file_name()).or_default() += 1;
                    continue;
                };
                let list = match kind {
                    TableKind::History => &mut c.history,
                    TableKind::Version => {
                        if let Some(v) = table.get(row, "bill_version_id") {
                            version_bill.insert(v, bill_id);
                        }
                        &mut c.versions
                    }
                    TableKind::Analysis => &mut c.analyses,
                    TableKind::VetoMessage => &mut c.vetoes,
                    TableKind::SummaryVote => &mut c.summaries,
                    _ => &mut c.details,
                };
                list.push(row);
            }
        }
        for (bill_id, counts) in &orphans {
            let what: Vec<String> = counts.iter().map(|(file, n)| format!("{file} ({n})")).collect();
            ctx.warn(
                &mut out.warnings,
                *bill_id,
                format!("rows of a bill that is not in BILL_TBL.dat dropped: {}", what.join(", ")),
            );
        }

        // Authors by version; versions the export cannot place are reported once each.
        let authors = self.table(TableKind::VersionAuthors);
        let latest_ids: HashSet<&str> =
            (0..bills.len()).filter_map(|row| bills.get(row, "latest_bill_version_id")).collect();
        let mut authors_by_version: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut unplaced: BTreeMap<&str, usize> = BTreeMap::new();
        for row in 0..authors.len() {
            let Some(v) = authors.get(row, "bill_version_id") else {
                ctx.warn(&mut out.warnings, authors.record(row), "no bill_version_id; row skipped");
                continue;
            };
            if version_bill.contains_key(v) || latest_ids.contains(v) {
                authors_by_version.entry(v).or_default().push(row);
            } else {
                *unplaced.entry(v).or_default() += 1;
            }
        }
        for (v, n) in unplaced {
            ctx.warn(
                &mut out.warnings,
                v,
                format!(
                    "{n} {} rows of a version that is neither in BILL_VERSION_TBL.dat nor a bill's latest version dropped",
                    TableKind::VersionAuthors.file_name()
                ),
            );
        }

        // Committee names by code, from the analyses (CS… and CX… codes name committees).
        let analyses = self.table(TableKind::Analysis);
        let mut committees: HashMap<&str, &str> = HashMap::new();
        for row in 0..analyses.len() {
            if let (Some(code), Some(name)) = (analyses.get(row, "committee_code"), analyses.get(row, "committee_name"))
                && (code.starts_with("CS") || code.starts_with("CX"))
            {
                committees.entry(code).or_insert(name);
            }
        }
        let motions = self.table(TableKind::Motion);
        let mut motion_text: HashMap<&str, &str> = HashMap::new();
        for row in 0..motions.len() {
            if let (Some(id), Some(text)) = (motions.get(row, "motion_id"), motions.get(row, "motion_text")) {
                motion_text.entry(id).or_insert(text);
            }
        }

        let mut any_vote = false;
        for (row, bill_id) in order {
            let c = &children[bill_id];
            let Some(bill) = self.bill(files, row, bill_id, c, &authors_by_version, &mut out.warnings) else {
                continue;
            };
            let votes = self.votes(&bill, c, &committees, &motion_text, &mut out.warnings);
            any_vote |= !votes.is_empty();
            out.bills.push(bill);
            out.votes.extend(votes);
        }
        if any_vote && !self.has_motion_table {
            out.warnings.push(Warning::new(
                ctx.location,
                None,
                "no BILL_MOTION_TBL.dat in the export: motion texts are unavailable, votes are named \"Motion <motion_id>\"",
            ));
        }
    }

    fn bill(
        &self,
        files: &mut dyn Files,
        row: usize,
        bill_id: &str,
        c: &Children,
        authors_by_version: &HashMap<&str, Vec<usize>>,
        warnings: &mut Vec<Warning>,
    ) -> Option<BillRecord> {
        let ctx = self.ctx;
        let bills = self.table(TableKind::Bill);
        let (Some(year), Some(kind), Some(number)) =
            (bills.get(row, "session_year"), bills.get(row, "measure_type"), bills.get(row, "measure_num"))
        else {
            ctx.warn(
                warnings,
                bill_id,
                format!("{}: no session_year, measure_type or measure_num; bill skipped", bills.record(row)),
            );
            return None;
        };
        let session = session(year, bills.get(row, "session_num"));
        let kind = kind.to_ascii_uppercase();
        let classification = match kind.as_str() {
            "AB" | "SB" => "bill",
            "ACR" | "SCR" | "HCR" => "concurrent resolution",
            "AJR" | "SJR" => "joint resolution",
            "ACA" | "SCA" => "constitutional amendment",
            "AR" | "SR" | "HR" => "resolution",
            other => {
                ctx.warn(warnings, bill_id, format!("unknown measure type {other:?}: classified as a bill"));
                "bill"
            }
        };
        let from_organization = match kind.as_bytes().first() {
            Some(&b'A') => Some("lower".to_string()),
            Some(&b'S') => Some("upper".to_string()),
            _ => None,
        };
        let mut updated_at = bills.get(row, "trans_update").map(str::to_string);

        let mut versions = self.versions(files, bill_id, &c.versions, warnings);
        let latest_id = bills.get(row, "latest_bill_version_id");
        let latest =
            latest_id.and_then(|id| versions.iter().position(|v| v.id == id)).or(versions.len().checked_sub(1));
        let title = match latest.and_then(|i| versions[i].subject) {
            Some(subject) => subject.to_string(),
            None => {
                ctx.warn(warnings, bill_id, "no version with a subject: the bill has no title");
                String::new()
            }
        };
        let sponsor_version = latest_id.or_else(|| latest.map(|i| versions[i].id));
        let mut sponsorships: Vec<SponsorshipRecord> = sponsor_version
            .and_then(|v| authors_by_version.get(v))
            .map(|rows| rows.iter().filter_map(|&r| self.author(r, bill_id, warnings)).collect())
            .unwrap_or_default();
        if sponsorships.is_empty()
            && let Some(i) = latest
        {
            sponsorships = std::mem::take(&mut versions[i].authors);
            if !sponsorships.is_empty() && self.has_authors_table {
                ctx.warn(
                    warnings,
                    bill_id,
                    format!("no authors rows for version {}: the sponsors are read from its text", versions[i].id),
                );
            }
        }

        let actions = self.actions(bill_id, &c.history, warnings);
        let documents = self.documents(files, bill_id, c, warnings);
        for (kind, list, column) in [
            (TableKind::History, &c.history, "trans_update_dt"),
            (TableKind::Version, &c.versions, "trans_update"),
            (TableKind::Analysis, &c.analyses, "trans_update"),
            (TableKind::VetoMessage, &c.vetoes, "trans_update"),
            (TableKind::SummaryVote, &c.summaries, "trans_update"),
            (TableKind::DetailVote, &c.details, "trans_update"),
        ] {
            let table = self.table(kind);
            for &r in list {
                if let Some(t) = table.get(r, column)
                    && updated_at.as_deref().is_none_or(|u| t > u)
                {
                    updated_at = Some(t.to_string());
                }
            }
        }

        Some(BillRecord {
            origin: ctx.origin(),
            source_key: Some(bill_id.to_string()),
            jurisdiction_id: JURISDICTION_ID.to_string(),
            session,
            identifier: format!("{kind} {number}"),
            title,
            classification: vec![classification.to_string()],
            subjects: Vec::new(),
            abstracts: Vec::new(),
            other_titles: Vec::new(),
            other_identifiers: Vec::new(),
            from_organization,
            actions,
            sponsorships,
            versions: versions.into_iter().map(|v| v.record).collect(),
            documents,
            related_bills: Vec::new(),
            citations: Vec::new(),
            sources: vec![format!("{LEGINFO}/billNavClient.xhtml?bill_id={bill_id}")],
            updated_at,
            complete: BillScope {
                fields: self.whole.contains(&TableKind::Bill) && self.whole.contains(&TableKind::Version),
                actions: self.whole.contains(&TableKind::History),
                versions: self.whole.contains(&TableKind::Version),
                sponsorships: self.whole.contains(&TableKind::Version)
                    && self.whole.contains(&TableKind::VersionAuthors),
                documents: self.whole.contains(&TableKind::Analysis) && self.whole.contains(&TableKind::VetoMessage),
            },
            as_of: self.as_of.clone(),
        })
    }

    fn author(&self, row: usize, bill_id: &str, warnings: &mut Vec<Warning>) -> Option<SponsorshipRecord> {
        let authors = self.table(TableKind::VersionAuthors);
        let Some(name) = authors.get(row, "name") else {
            self.ctx.warn(warnings, bill_id, format!("{}: an author without a name, skipped", authors.record(row)));
            return None;
        };
        Some(sponsorship(
            authors.get(row, "type"),
            authors.get(row, "house"),
            name,
            authors.get(row, "contribution"),
            authors.get(row, "primary_author_flg"),
        ))
    }

    /// The bill's versions, oldest first: by date, then by version number, which counts down.
    fn versions(
        &self,
        files: &mut dyn Files,
        bill_id: &str,
        list: &[usize],
        warnings: &mut Vec<Warning>,
    ) -> Vec<Version<'a>> {
        let ctx = self.ctx;
        let table = self.table(TableKind::Version);
        let mut versions = Vec::new();
        for &row in list {
            let Some(id) = table.get(row, "bill_version_id") else {
                ctx.warn(
                    warnings,
                    bill_id,
                    format!("{}: a version without a bill_version_id, skipped", table.record(row)),
                );
                continue;
            };
            let date = table.get(row, "bill_version_action_date").and_then(when);
            if date.is_none() {
                ctx.warn(warnings, bill_id, format!("version {id}: no readable bill_version_action_date"));
            }
            let mut authors = Vec::new();
            let text = self
                .lob(files, table.get(row, "bill_xml"), &format!("version {id}"), bill_id, warnings)
                .and_then(|bytes| {
                    let xml = decode(&bytes);
                    match parse_caml(&xml) {
                        Ok(caml) => {
                            authors = caml.authors;
                            Some(caml.text)
                        }
                        Err(e) => {
                            let lob = table.get(row, "bill_xml").unwrap_or_default();
                            ctx.warn(
                                warnings,
                                bill_id,
                                format!("version {id}: LOB {lob} is not readable CAML ({e}); its text is left empty"),
                            );
                            None
                        }
                    }
                });
            versions.push(Version {
                id,
                number: table.number(row, "version_num"),
                subject: table.get(row, "subject"),
                authors,
                record: DocumentRecord {
                    note: table.get(row, "bill_version_action").unwrap_or(id).to_string(),
                    date: date.unwrap_or_default(),
                    classification: String::new(),
                    links: vec![Link {
                        url: format!("{LEGINFO}/billPdf.xhtml?bill_id={bill_id}&version={id}"),
                        media_type: Some("application/pdf".to_string()),
                    }],
                    text,
                },
            });
        }
        versions.sort_by(|a, b| {
            day(&a.record.date)
                .cmp(day(&b.record.date))
                .then(b.number.unwrap_or(i64::MIN).cmp(&a.number.unwrap_or(i64::MIN)))
                .then(a.id.cmp(b.id))
        });
        versions
    }

    /// The actions in the order they happened (see the module docs for the rule).
    fn actions(&self, bill_id: &str, list: &[usize], warnings: &mut Vec<Warning>) -> Vec<ActionRecord> {
        let table = self.table(TableKind::History);
        struct Dated {
            day: String,
            sequence: Option<i64>,
            id: Option<i64>,
            position: usize,
            action: ActionRecord,
        }
        let mut dated = Vec::new();
        for (position, &row) in list.iter().enumerate() {
            let Some(date) = table.get(row, "action_date").and_then(when) else {
                self.ctx.warn(
                    warnings,
                    bill_id,
                    format!("{}: an action without a readable date, skipped", table.record(row)),
                );
                continue;
            };
            let Some(description) = table.get(row, "action") else {
                self.ctx.warn(warnings, bill_id, format!("{}: an action without text, skipped", table.record(row)));
                continue;
            };
            let organization = match table.get(row, "primary_location").map(str::to_ascii_lowercase).as_deref() {
                Some("senate") => Some("upper".to_string()),
                Some("assembly") => Some("lower".to_string()),
                _ => None,
            };
            dated.push(Dated {
                day: day(&date).to_string(),
                sequence: table.number(row, "action_sequence"),
                id: table.number(row, "bill_history_id"),
                position,
                action: ActionRecord {
                    date,
                    description: description.to_string(),
                    organization,
                    classification: Vec::new(),
                    related_entities: Vec::new(),
                },
            });
        }
        // Do this bill's history ids run with time or against it?
        let mut by_id: Vec<(i64, &str)> = dated.iter().filter_map(|a| Some((a.id?, a.day.as_str()))).collect();
        by_id.sort();
        let (mut with, mut against) = (0, 0);
        for pair in by_id.windows(2) {
            match pair[0].1.cmp(pair[1].1) {
                std::cmp::Ordering::Less => with += 1,
                std::cmp::Ordering::Greater => against += 1,
                std::cmp::Ordering::Equal => {}
            }
        }
        let descending = against > with;
        dated.sort_by(|a, b| {
            let ids = if descending { b.id.cmp(&a.id) } else { a.id.cmp(&b.id) };
            a.day
                .cmp(&b.day)
                .then(a.sequence.unwrap_or(i64::MAX).cmp(&b.sequence.unwrap_or(i64::MAX)))
                .then(ids)
                .then(a.position.cmp(&b.position))
        });
        dated.into_iter().map(|a| a.action).collect()
    }

    /// Analyses and the veto message, by date then id.
    fn documents(
        &self,
        files: &mut dyn Files,
        bill_id: &str,
        c: &Children,
        warnings: &mut Vec<Warning>,
    ) -> Vec<DocumentRecord> {
        let ctx = self.ctx;
        let mut documents: Vec<((String, u8, i64), DocumentRecord)> = Vec::new();
        let analyses = self.table(TableKind::Analysis);
        for &row in &c.analyses {
            let id = analyses.get(row, "analysis_id").unwrap_or_default();
            let date = analyses.get(row, "analysis_date").and_then(when);
            if date.is_none() {
                ctx.warn(warnings, bill_id, format!("analysis {id}: no readable analysis_date"));
            }
            let date = date.unwrap_or_default();
            let what = analyses
                .get(row, "committee_name")
                .or_else(|| analyses.get(row, "analysis_type"))
                .unwrap_or("analysis");
            let note = if date.is_empty() {
                format!("Analysis: {what}")
            } else {
                format!("Analysis: {what} ({})", day(&date))
            };
            let text = self
                .lob(files, analyses.get(row, "source_doc"), &format!("analysis {id}"), bill_id, warnings)
                .and_then(|bytes| document_text(&bytes, &format!("analysis {id}"), bill_id, ctx, warnings));
            let key = (day(&date).to_string(), 0, analyses.number(row, "analysis_id").unwrap_or(i64::MAX));
            documents.push((
                key,
                DocumentRecord {
                    note,
                    date,
                    classification: "analysis".to_string(),
                    links: vec![Link {
                        url: format!("{LEGINFO}/billAnalysisClient.xhtml?bill_id={bill_id}"),
                        media_type: None,
                    }],
                    text,
                },
            ));
        }
        let vetoes = self.table(TableKind::VetoMessage);
        for &row in &c.vetoes {
            let date = vetoes.get(row, "veto_date").and_then(when).unwrap_or_else(|| {
                ctx.warn(warnings, bill_id, format!("{}: no readable veto_date", vetoes.record(row)));
                String::new()
            });
            let text = self
                .lob(files, vetoes.get(row, "message"), "veto message", bill_id, warnings)
                .and_then(|bytes| document_text(&bytes, "veto message", bill_id, ctx, warnings));
            documents.push((
                (day(&date).to_string(), 1, row as i64),
                DocumentRecord {
                    note: "Veto message".to_string(),
                    date,
                    classification: "veto-message".to_string(),
                    links: Vec::new(),
                    text,
                },
            ));
        }
        documents.sort_by(|a, b| a.0.cmp(&b.0));
        documents.into_iter().map(|(_, d)| d).collect()
    }

    /// The bytes of a `.lob`, or a warning naming it.
    fn lob(
        &self,
        files: &mut dyn Files,
        name: Option<&str>,
        what: &str,
        bill_id: &str,
        warnings: &mut Vec<Warning>,
    ) -> Option<Vec<u8>> {
        let name = name?;
        match files.read(name) {
            Some(Ok(bytes)) => Some(bytes),
            Some(Err(e)) => {
                self.ctx.warn(
                    warnings,
                    bill_id,
                    format!("{what}: LOB {name} could not be read ({e}); its text is left empty"),
                );
                None
            }
            None => {
                self.ctx.warn(
                    warnings,
                    bill_id,
                    format!("{what}: LOB {name} is not in the export; its text is left empty"),
                );
                None
            }
        }
    }

    fn votes(
        &self,
        bill: &BillRecord,
        c: &Children,
        committees: &HashMap<&str, &str>,
        motion_text: &HashMap<&str, &str>,
        warnings: &mut Vec<Warning>,
    ) -> Vec<VoteRecord> {
        let ctx = self.ctx;
        let bill_id = bill.source_key.as_deref().unwrap_or_default();
        let summaries = self.table(TableKind::SummaryVote);
        let details = self.table(TableKind::DetailVote);
        let key_of = |table: &Rows<'a>, row: usize| -> Option<VoteKey<'a>> {
            Some(VoteKey {
                location: table.get(row, "location_code")?,
                day: table.get(row, "vote_date_time")?.get(..10)?,
                seq: table.get(row, "vote_date_seq")?,
                motion: table.get(row, "motion_id")?,
            })
        };

        // Member votes grouped by vote, in file order.
        let mut groups: HashMap<VoteKey, Vec<usize>> = HashMap::new();
        let mut group_order: Vec<VoteKey> = Vec::new();
        for &row in &c.details {
            let Some(key) = key_of(details, row) else {
                ctx.warn(
                    warnings,
                    bill_id,
                    format!("{}: a member vote without location, date, seq or motion, skipped", details.record(row)),
                );
                continue;
            };
            groups
                .entry(key)
                .or_insert_with(|| {
                    group_order.push(key);
                    Vec::new()
                })
                .push(row);
        }

        let mut votes: Vec<(VoteKey, VoteRecord)> = Vec::new();
        let mut summarized: HashSet<VoteKey> = HashSet::new();
        for &row in &c.summaries {
            let Some(key) = key_of(summaries, row) else {
                ctx.warn(
                    warnings,
                    bill_id,
                    format!("{}: a vote without location, date, seq or motion, skipped", summaries.record(row)),
                );
                continue;
            };
            if !summarized.insert(key) {
                ctx.warn(
                    warnings,
                    bill_id,
                    format!("{}: a second summary of vote {}, skipped", summaries.record(row), key.dedupe(bill_id)),
                );
                continue;
            }
            let members = groups.get(&key).map(Vec::as_slice).unwrap_or_default();
            let mut vote = self.vote(bill, key, summaries.get(row, "vote_date_time"), members, committees, motion_text);
            vote.result = match summaries.get(row, "vote_result") {
                Some(r) => r.trim_matches(['(', ')']).to_lowercase(),
                None => String::new(),
            };
            let counts = [("yes", "ayes"), ("no", "noes"), ("not voting", "abstain")];
            let reported: Vec<(String, i64)> = counts
                .iter()
                .map(|(option, column)| (option.to_string(), summaries.number(row, column).unwrap_or(0)))
                .collect();
            if !members.is_empty() && reported != vote.counts {
                ctx.warn(
                    warnings,
                    bill_id,
                    format!(
                        "vote {}: the tallies {reported:?} disagree with the member votes {:?}",
                        key.dedupe(bill_id),
                        vote.counts
                    ),
                );
            }
            vote.counts = reported;
            votes.push((key, vote));
        }
        for key in group_order {
            if summarized.contains(&key) {
                continue;
            }
            // Counted from the members only when every member row and every summary was read:
            // otherwise the summary may be the part cut off, or the members be cut short.
            if !self.whole.contains(&TableKind::DetailVote)
                || (self.rows[&TableKind::SummaryVote].len() > 0 && !self.whole.contains(&TableKind::SummaryVote))
            {
                ctx.warn(
                    warnings,
                    bill_id,
                    format!(
                        "vote {}: member votes without a summary row in a partial export: skipped",
                        key.dedupe(bill_id)
                    ),
                );
                continue;
            }
            ctx.warn(
                warnings,
                bill_id,
                format!(
                    "vote {}: member votes without a summary row: counted from them, no result",
                    key.dedupe(bill_id)
                ),
            );
            let vote = self.vote(bill, key, None, &groups[&key], committees, motion_text);
            votes.push((key, vote));
        }
        votes.sort_by(|(a, _), (b, _)| {
            a.day
                .cmp(b.day)
                .then(a.seq.parse::<i64>().unwrap_or(i64::MAX).cmp(&b.seq.parse::<i64>().unwrap_or(i64::MAX)))
                .then(a.location.cmp(b.location))
                .then(a.motion.cmp(b.motion))
        });
        votes.into_iter().map(|(_, v)| v).collect()
    }

    /// A vote from its key and member rows; counts are the members' (the caller replaces them
    /// with the summary's tallies when there is one).
    fn vote(
        &self,
        bill: &BillRecord,
        key: VoteKey,
        summary_time: Option<&str>,
        members: &[usize],
        committees: &HashMap<&str, &str>,
        motion_text: &HashMap<&str, &str>,
    ) -> VoteRecord {
        let details = self.table(TableKind::DetailVote);
        let bill_id = bill.source_key.as_deref().unwrap_or_default();
        let mut ordered: Vec<(usize, usize)> = members.iter().copied().enumerate().collect();
        ordered.sort_by_key(|&(position, row)| (details.number(row, "member_order").unwrap_or(i64::MAX), position));
        let votes: Vec<PersonVoteRecord> = ordered
            .iter()
            .filter_map(|&(_, row)| {
                let name = details.get(row, "legislator_name")?;
                let code = details.get(row, "vote_code").unwrap_or_default();
                let (option, note) = match code.to_ascii_uppercase().as_str() {
                    "AYE" => ("yes".to_string(), String::new()),
                    "NOE" => ("no".to_string(), String::new()),
                    "ABS" => ("not voting".to_string(), "ABS".to_string()),
                    _ => (code.to_string(), String::new()),
                };
                Some(PersonVoteRecord { voter_name: name.to_string(), option, note, person_source_key: None })
            })
            .collect();
        let mut counts: Vec<(String, i64)> = ["yes", "no", "not voting"].iter().map(|o| (o.to_string(), 0)).collect();
        for v in &votes {
            match counts.iter_mut().find(|(o, _)| *o == v.option) {
                Some((_, n)) => *n += 1,
                None => counts.push((v.option.clone(), 1)),
            }
        }
        // The roll call's time is in the member rows; the summary has the day.
        let start_date = members
            .first()
            .and_then(|&row| details.get(row, "vote_date_time"))
            .or(summary_time)
            .and_then(when)
            .unwrap_or_else(|| key.day.to_string());
        let (organization, classification) = match key.location {
            "AFLOOR" => ("lower".to_string(), "passage"),
            "SFLOOR" => ("upper".to_string(), "passage"),
            code => {
                let name = committees.get(code).map(|n| n.to_string()).unwrap_or_else(|| match code.get(..2) {
                    Some("CS") => format!("Senate committee {code}"),
                    Some("CX") => format!("Assembly committee {code}"),
                    _ => code.to_string(),
                });
                (name, "committee-passage")
            }
        };
        let dedupe = key.dedupe(bill_id);
        VoteRecord {
            origin: self.ctx.origin(),
            source_key: Some(dedupe.clone()),
            jurisdiction_id: JURISDICTION_ID.to_string(),
            session: bill.session.clone(),
            bill: BillRef { source_key: Some(bill_id.to_string()), identifier: Some(bill.identifier.clone()) },
            motion_text: match motion_text.get(key.motion) {
                Some(text) => text.to_string(),
                None => format!("Motion {}", key.motion),
            },
            motion_classification: vec![classification.to_string()],
            start_date,
            result: String::new(),
            organization: Some(organization),
            counts,
            votes,
            sources: vec![format!("{LEGINFO}/billVotesClient.xhtml?bill_id={bill_id}")],
            dedupe_key: Some(dedupe),
            records_complete: self.whole.contains(&TableKind::DetailVote),
            as_of: self.as_of.clone(),
        }
    }
}

struct Version<'a> {
    id: &'a str,
    number: Option<i64>,
    subject: Option<&'a str>,
    /// The authors the version's CAML names.
    authors: Vec<SponsorshipRecord>,
    record: DocumentRecord,
}

/// A vote's identity: bill aside, its location, day, sequence and motion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct VoteKey<'a> {
    location: &'a str,
    day: &'a str,
    seq: &'a str,
    motion: &'a str,
}

impl VoteKey<'_> {
    fn dedupe(&self, bill_id: &str) -> String {
        format!("ca-pubinfo:{bill_id}:{}:{}:{}:{}", self.location, self.day, self.seq, self.motion)
    }
}

/// A sponsor from an author's type (`Legislator`, `Committee`), house (`ASSEMBLY`, `SENATE`),
/// name, contribution (`LEAD_AUTHOR`, `PRINCIPAL_COAUTHOR`, `COAUTHOR`) and primary flag.
fn sponsorship(
    kind: Option<&str>,
    house: Option<&str>,
    name: &str,
    contribution: Option<&str>,
    primary_flag: Option<&str>,
) -> SponsorshipRecord {
    let primary = contribution.is_some_and(|c| c.eq_ignore_ascii_case("LEAD_AUTHOR"))
        || primary_flag.is_some_and(|f| f.eq_ignore_ascii_case("Y"));
    let chamber = match house.map(str::to_ascii_uppercase).as_deref() {
        Some("ASSEMBLY") => Some("lower".to_string()),
        Some("SENATE") => Some("upper".to_string()),
        _ => None,
    };
    let entity_type = if kind.is_some_and(|k| k.eq_ignore_ascii_case("Committee")) { "organization" } else { "person" };
    SponsorshipRecord {
        name: name.to_string(),
        entity_type: entity_type.to_string(),
        primary,
        classification: if primary { "primary" } else { "cosponsor" }.to_string(),
        chamber,
        person_source_key: None,
    }
}

/// Open States' name for a California session: `20252026`, or `19992000 Special Session 1`.
fn session(year: &str, number: Option<&str>) -> String {
    match number.and_then(|n| n.parse::<u32>().ok()) {
        Some(n) if n > 0 => format!("{year} Special Session {n}"),
        _ => year.to_string(),
    }
}

/// A pubinfo datetime as the model takes it: `YYYY-MM-DD` at midnight (pubinfo's "no time"),
/// else `YYYY-MM-DDTHH:MM:SS`, naive (California local time). `None` when it is not a datetime.
pub fn when(raw: &str) -> Option<String> {
    let s = raw.trim();
    let at = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f")
        .ok()
        .or_else(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().map(|d| d.and_time(NaiveTime::MIN)))?;
    Some(if at.time() == NaiveTime::MIN {
        at.date().format("%Y-%m-%d").to_string()
    } else {
        at.format("%Y-%m-%dT%H:%M:%S").to_string()
    })
}

/// The `YYYY-MM-DD` of a date or datetime string ("" stays "").
fn day(date: &str) -> &str {
    date.get(..10).unwrap_or(date)
}

fn decode(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    text.strip_prefix('\u{feff}').unwrap_or(&text).to_string()
}

/// An analysis's or veto message's text: a Word document or (old) HTML or plain text.
fn document_text(bytes: &[u8], what: &str, bill_id: &str, ctx: &Ctx, warnings: &mut Vec<Warning>) -> Option<String> {
    if bytes.starts_with(b"PK\x03\x04") {
        match docx_text(bytes) {
            Ok(text) => Some(text),
            Err(e) => {
                ctx.warn(warnings, bill_id, format!("{what}: {e}; its text is left empty"));
                None
            }
        }
    } else {
        Some(html_text(&decode(bytes)))
    }
}

// ---- A version's CAML ---------------------------------------------------------------------

struct Caml {
    text: String,
    authors: Vec<SponsorshipRecord>,
}

/// A version's CAML: its text ([`formats::caml_text`]) and its authors (`caml:Authors`).
fn parse_caml(xml: &str) -> Result<Caml, String> {
    let doc = formats::caml_document(xml)?;
    let root = doc.root_element();
    let authors = root
        .descendants()
        .find(|n| n.has_tag_name((CAML_NS, "Authors")))
        .map(|a| {
            a.children()
                .filter(|n| n.is_element())
                .filter_map(|author| {
                    let field = |name: &str| {
                        author
                            .children()
                            .find(|n| n.has_tag_name((CAML_NS, name)))
                            .map(|n| text_of(n).trim().to_string())
                    };
                    let name = field("Name").filter(|n| !n.is_empty())?;
                    Some(sponsorship(
                        Some(author.tag_name().name()),
                        field("House").as_deref(),
                        &name,
                        field("Contribution").as_deref(),
                        None,
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Caml { text: formats::caml_document_text(&doc), authors })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ca-pubinfo");
    const FOLDERS: [&str; 3] = ["1989-1990", "1999-2000", "2025-2026"];

    fn folder(name: &str) -> String {
        format!("{FIXTURES}/{name}")
    }

    /// Parses, setting aside the warnings that name tables absent from the export (the
    /// fixtures are subsets; `absent_tables_are_named` checks those).
    fn parse_present(files: &mut dyn Files, location: &str) -> Parsed {
        let mut p = parse(files, location);
        p.warnings.retain(|w| !w.message.starts_with("not in the export:"));
        p
    }

    fn parse_folder(name: &str) -> Parsed {
        let dir = folder(name);
        parse_present(&mut DirFiles::open(&dir).unwrap(), &dir)
    }

    #[test]
    fn absent_tables_are_named() {
        for (name, absent) in [
            (
                "1989-1990",
                &[
                    "BILL_HISTORY_TBL.dat",
                    "BILL_ANALYSIS_TBL.dat",
                    "VETO_MESSAGE_TBL.dat",
                    "BILL_SUMMARY_VOTE_TBL.dat",
                    "BILL_DETAIL_VOTE_TBL.dat",
                ][..],
            ),
            ("1999-2000", &["BILL_VERSION_AUTHORS_TBL.dat", "VETO_MESSAGE_TBL.dat"][..]),
            (
                "2025-2026",
                &["BILL_VERSION_AUTHORS_TBL.dat", "BILL_SUMMARY_VOTE_TBL.dat", "BILL_DETAIL_VOTE_TBL.dat"][..],
            ),
        ] {
            let dir = folder(name);
            let p = parse(&mut DirFiles::open(&dir).unwrap(), &dir);
            let named: Vec<&str> = p
                .warnings
                .iter()
                .filter(|w| w.message.starts_with("not in the export:"))
                .map(|w| w.record.as_deref().unwrap())
                .collect();
            assert_eq!(named, absent, "{name}");
            // Absent says nothing: not partial, and no bill is complete for what it lacks.
            assert!(!p.partial, "{name}");
            if absent.contains(&"BILL_HISTORY_TBL.dat") {
                assert!(p.bills.iter().all(|b| !b.complete.actions), "{name}");
            }
        }
    }

    fn bill<'p>(parsed: &'p Parsed, identifier: &str) -> &'p BillRecord {
        parsed.bills.iter().find(|b| b.identifier == identifier).unwrap()
    }

    fn descriptions(b: &BillRecord) -> Vec<&str> {
        b.actions.iter().map(|a| a.description.as_str()).collect()
    }

    fn fixture(folder_name: &str, file: &str) -> Vec<u8> {
        std::fs::read(format!("{}/{file}", folder(folder_name))).unwrap()
    }

    /// An export in memory: the fixture folder's files, which tests then change.
    struct MemFiles(BTreeMap<String, Vec<u8>>);

    impl MemFiles {
        fn of(folder_name: &str) -> MemFiles {
            let mut files = BTreeMap::new();
            for entry in std::fs::read_dir(folder(folder_name)).unwrap() {
                let entry = entry.unwrap();
                files.insert(entry.file_name().into_string().unwrap(), std::fs::read(entry.path()).unwrap());
            }
            MemFiles(files)
        }
    }

    impl Files for MemFiles {
        fn names(&self) -> Vec<String> {
            self.0.keys().cloned().collect()
        }

        fn read(&mut self, name: &str) -> Option<std::io::Result<Vec<u8>>> {
            self.0.iter().find(|(n, _)| n.eq_ignore_ascii_case(base_name(name))).map(|(_, b)| Ok(b.clone()))
        }
    }

    #[test]
    fn every_table_of_the_fixtures_reads_cleanly() {
        let mut seen = HashSet::new();
        for name in FOLDERS {
            for entry in std::fs::read_dir(folder(name)).unwrap() {
                let file = entry.unwrap().file_name().into_string().unwrap();
                if !file.ends_with(".dat") {
                    continue;
                }
                let bytes = fixture(name, &file);
                let table = read_table(&file, &bytes, "here").unwrap();
                let lines = bytes.iter().filter(|&&b| b == b'\n').count();
                assert!(table.warnings.is_empty(), "{name}/{file}: {:?}", table.warnings);
                assert_eq!(table.frame.height(), lines, "{name}/{file}");
                assert_eq!(table.frame.width(), table.kind.columns().len(), "{name}/{file}");
                assert_eq!(table.lines, (1..=lines).collect::<Vec<_>>(), "{name}/{file}");
                seen.insert(table.kind);
            }
        }
        // Every table but the motions (which no fixture has) is exercised.
        assert_eq!(seen.len(), TableKind::ALL.len() - 1);
        assert!(!seen.contains(&TableKind::Motion));

        // Values: backticks stripped, bare numbers and datetimes kept, NULL read as null.
        let table = read_table("BILL_TBL.dat", &fixture("2025-2026", "BILL_TBL.dat"), "here").unwrap();
        let rows = Rows::new(&table).unwrap();
        assert_eq!(rows.get(0, "bill_id"), Some("202520260SB275"));
        assert_eq!(rows.get(0, "measure_num"), Some("275"));
        assert_eq!(rows.get(0, "trans_update"), Some("2026-03-02 14:55:27"));
        assert_eq!(rows.get(0, "chapter_year"), None);
        assert_eq!(rows.get(1, "current_house"), Some("Secretary of State"));
        assert_eq!(table.frame.column("chapter_year").unwrap().null_count(), 1);
    }

    #[test]
    fn a_truncated_record_is_a_warning_and_the_others_are_read() {
        // BILL_TBL.dat of 1999-2000 with its second line cut in the middle of a quoted string.
        let real = String::from_utf8(fixture("1999-2000", "BILL_TBL.dat")).unwrap();
        let lines: Vec<&str> = real.lines().collect();
        assert_eq!(lines.len(), 3);
        let cut = lines[1].find("`Chaptered").unwrap() + 4;
        let bytes = format!("{}\n{}\n{}\n", lines[0], &lines[1][..cut], lines[2]);
        let table = read_table("BILL_TBL.dat", bytes.as_bytes(), "pubinfo_1999.zip").unwrap();
        assert_eq!(table.warnings.len(), 1, "{:?}", table.warnings);
        let w = &table.warnings[0];
        assert_eq!(w.location, "pubinfo_1999.zip");
        assert_eq!(w.record.as_deref(), Some("BILL_TBL.dat line 2"));
        assert!(w.message.contains("ends inside a `-quoted field"), "{}", w.message);
        assert_eq!(table.lines, [1, 3]);
        let rows = Rows::new(&table).unwrap();
        assert_eq!((rows.get(0, "bill_id"), rows.get(1, "bill_id")), (Some("199920001SB2"), Some("199920000AB1")));

        // Cut at a field boundary instead: too few fields.
        let cut = lines[1].find("\t`Chaptered").unwrap();
        let bytes = format!("{}\n{}\n{}\n", lines[0], &lines[1][..cut], lines[2]);
        let table = read_table("BILL_TBL.dat", bytes.as_bytes(), "pubinfo_1999.zip").unwrap();
        assert_eq!(table.warnings.len(), 1);
        assert_eq!(table.warnings[0].record.as_deref(), Some("BILL_TBL.dat line 2"));
        assert!(table.warnings[0].message.starts_with("5 fields where the file's records have 19"));
        assert_eq!(table.frame.height(), 2);

        // And through parse: the bill on the bad line is gone, its rows in the other tables are
        // reported once, and the others are whole.
        let mut files = MemFiles::of("1999-2000");
        files.0.insert("BILL_TBL.dat".into(), bytes.into_bytes());
        let parsed = parse(&mut files, "pubinfo_1999.zip");
        assert_eq!(parsed.bills.iter().map(|b| b.identifier.as_str()).collect::<Vec<_>>(), ["SB 2", "AB 1"]);
        assert!(parsed.votes.iter().all(|v| v.bill.identifier.as_deref() != Some("SB 1")));
        let dropped: Vec<&Warning> =
            parsed.warnings.iter().filter(|w| w.record.as_deref() == Some("199920001SB1")).collect();
        assert_eq!(dropped.len(), 1, "{dropped:?}");
        assert_eq!(
            dropped[0].message,
            "rows of a bill that is not in BILL_TBL.dat dropped: BILL_ANALYSIS_TBL.dat (8), \
             BILL_DETAIL_VOTE_TBL.dat (858), BILL_HISTORY_TBL.dat (25), BILL_SUMMARY_VOTE_TBL.dat (15), \
             BILL_VERSION_TBL.dat (10)"
        );
    }

    #[test]
    fn a_file_one_column_short_or_long_is_read_with_one_warning() {
        let real = String::from_utf8(fixture("1989-1990", "BILL_TBL.dat")).unwrap();
        // An older layout, before `days_31st_in_print` (added 2010): every row one field short.
        let short: String = real.lines().map(|l| format!("{}\n", &l[..l.rfind('\t').unwrap()])).collect();
        let table = read_table("BILL_TBL.dat", short.as_bytes(), "x").unwrap();
        assert_eq!(table.frame.height(), 5);
        assert_eq!(table.warnings.len(), 1);
        assert_eq!(table.warnings[0].record.as_deref(), Some("BILL_TBL.dat"));
        assert!(table.warnings[0].message.contains("18 fields where this table has 19 columns"));
        assert_eq!(table.frame.column("days_31st_in_print").unwrap().null_count(), 5);
        // A newer one with a column more: ignored.
        let long: String = real.lines().map(|l| format!("{l}\t`extra`\n")).collect();
        let table = read_table("BILL_TBL.dat", long.as_bytes(), "x").unwrap();
        assert_eq!((table.frame.height(), table.frame.width()), (5, 19));
        assert!(table.warnings[0].message.contains("extra trailing columns are ignored"));
        let rows = Rows::new(&table).unwrap();
        assert_eq!(rows.get(4, "bill_id"), Some("198919900SB729"));
        // CRLF line ends read the same.
        let crlf = real.replace('\n', "\r\n");
        let table = read_table("BILL_TBL.dat", crlf.as_bytes(), "x").unwrap();
        assert!(table.warnings.is_empty());
        assert_eq!(Rows::new(&table).unwrap().get(4, "days_31st_in_print"), None);
    }

    #[test]
    fn mysql_escapes_and_invalid_utf8() {
        // The first history line of 1999-2000 with an escaped backtick, tab and line break in its
        // action text, and a byte that is not UTF-8.
        let real = String::from_utf8(fixture("1999-2000", "BILL_HISTORY_TBL.dat")).unwrap();
        let edited =
            real.replacen("Chaptered by Secretary of State", "Chaptered by \\`Secretary\\` of\\\nState\\tnow", 1);
        let mut bytes = edited.into_bytes();
        let at = bytes.windows(5).position(|w| w == b"Statu").unwrap();
        bytes[at] = 0xE9;
        let table = read_table("BILL_HISTORY_TBL.dat", &bytes, "x").unwrap();
        assert_eq!(table.frame.height(), 66);
        assert_eq!(table.warnings.len(), 1, "{:?}", table.warnings);
        assert!(table.warnings[0].message.starts_with("not valid UTF-8"));
        // The first record spans two lines, so the second starts on line 3.
        assert_eq!(&table.lines[..3], [1, 3, 4]);
        let rows = Rows::new(&table).unwrap();
        assert_eq!(
            rows.get(0, "action"),
            Some("Chaptered by `Secretary` of\nState\tnow - Chapter   191, \u{fffd}tatutes of  1999.")
        );
        assert_eq!(rows.get(1, "action"), Some("Approved by the Governor."));
    }

    #[test]
    fn sessions_and_dates() {
        assert_eq!(session("20252026", Some("0")), "20252026");
        assert_eq!(session("19992000", Some("1")), "19992000 Special Session 1");
        assert_eq!(session("19992000", None), "19992000");
        assert_eq!(when("1999-07-28 00:00:00").as_deref(), Some("1999-07-28"));
        assert_eq!(when("1999-03-22 13:23:00").as_deref(), Some("1999-03-22T13:23:00"));
        assert_eq!(when("1999-03-22").as_deref(), Some("1999-03-22"));
        assert_eq!(when("March 22"), None);
        assert_eq!(TableKind::from_file_name("pubinfo_2025/bill_tbl.DAT"), Some(TableKind::Bill));
        assert_eq!(TableKind::from_file_name("MOTION_TBL.dat"), Some(TableKind::Motion));
        assert_eq!(TableKind::from_file_name("LEGISLATOR_TBL.dat"), None);
    }

    #[test]
    fn session_1989_1990() {
        let p = parse_folder("1989-1990");
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert!(p.votes.is_empty());
        let ids: Vec<&str> = p.bills.iter().map(|b| b.identifier.as_str()).collect();
        assert_eq!(ids, ["ACR 65", "SJR 31", "SJR 27", "SCR 39", "SB 729"]);
        for b in &p.bills {
            assert_eq!(b.session, "19891990");
            assert_eq!(b.jurisdiction_id, JURISDICTION_ID);
            // No history table in this export.
            assert!(b.actions.is_empty() && b.documents.is_empty());
            assert_eq!(b.versions.len(), 1);
            assert_eq!(b.versions[0].note, "Chaptered");
        }
        let acr = bill(&p, "ACR 65");
        assert_eq!(acr.source_key.as_deref(), Some("198919900ACR65"));
        assert_eq!(acr.title, "Meet Your Judges Week.");
        assert_eq!(acr.classification, ["concurrent resolution"]);
        assert_eq!(acr.from_organization.as_deref(), Some("lower"));
        assert_eq!(
            acr.sources,
            ["https://leginfo.legislature.ca.gov/faces/billNavClient.xhtml?bill_id=198919900ACR65"]
        );
        assert_eq!(acr.updated_at.as_deref(), Some("2007-08-22 11:53:23"));
        let sponsors: Vec<(&str, bool, &str, Option<&str>)> = acr
            .sponsorships
            .iter()
            .map(|s| (s.name.as_str(), s.primary, s.classification.as_str(), s.chamber.as_deref()))
            .collect();
        assert_eq!(
            sponsors,
            [
                ("Connelly", true, "primary", Some("lower")),
                ("Isenberg", false, "cosponsor", Some("lower")),
                ("Stirling", false, "cosponsor", Some("upper")),
            ]
        );
        assert!(acr.sponsorships.iter().all(|s| s.entity_type == "person" && s.person_source_key.is_none()));
        let version = &acr.versions[0];
        assert_eq!(version.date, "1989-08-23");
        assert_eq!(
            version.links,
            [Link {
                url: "https://leginfo.legislature.ca.gov/faces/billPdf.xhtml?bill_id=198919900ACR65&version=19890ACR6596CHP"
                    .into(),
                media_type: Some("application/pdf".into()),
            }]
        );
        let text = version.text.as_deref().unwrap();
        assert!(
            text.starts_with("Relative to Meet Your Judges Week.\nMeet Your Judges Week.\nThis measure urges"),
            "{text}"
        );
        assert!(text.contains(
            "\nWHEREAS, The people of the State of California are entitled to have access to a judicial process"
        ));
        assert!(
            text.contains("\nResolved by the Assembly of the State of California, the Senate thereof concurring, That")
        );

        // SJR 31 has six lead authors and seven coauthors.
        let sjr = bill(&p, "SJR 31");
        assert_eq!(
            (sjr.classification[0].as_str(), sjr.from_organization.as_deref()),
            ("joint resolution", Some("upper"))
        );
        assert_eq!(sjr.title, "Agriculture:  set-aside and conservation farm programs.");
        let primary: Vec<&str> = sjr.sponsorships.iter().filter(|s| s.primary).map(|s| s.name.as_str()).collect();
        assert_eq!(primary, ["Vuich", "Deddeh", "Keene", "McCorquodale", "Nielsen", "Presley"]);
        assert_eq!(sjr.sponsorships.iter().filter(|s| !s.primary).count(), 7);
        assert_eq!(sjr.sponsorships.last().unwrap().name, "Norman Waters");
        let sb = bill(&p, "SB 729");
        assert_eq!(
            (sb.classification[0].as_str(), sb.title.as_str()),
            ("bill", "Monterey Peninsula Water Management District.")
        );
        assert_eq!(sb.sponsorships.len(), 1);
        // The text's ASCII ballot table (`<span class="NCTTable">` with `<br/>`) keeps its lines.
        let text = sb.versions[0].text.as_deref().unwrap();
        assert!(text.contains("\n' Shall the proposed work or project for ' _ '\n"), "{text}");
        assert!(
            text.contains("\nSEC. 1.5.\nSection 333 is added to the Monterey Peninsula Water Management District Law")
        );
    }

    #[test]
    fn session_1999_2000() {
        let dir = folder("1999-2000");
        let p = parse_folder("1999-2000");
        assert_eq!(
            p.warnings,
            [Warning::new(
                &dir,
                None,
                "no BILL_MOTION_TBL.dat in the export: motion texts are unavailable, votes are named \"Motion <motion_id>\""
            )]
        );
        let ids: Vec<(&str, &str)> = p.bills.iter().map(|b| (b.identifier.as_str(), b.session.as_str())).collect();
        assert_eq!(
            ids,
            [("SB 2", "19992000 Special Session 1"), ("SB 1", "19992000 Special Session 1"), ("AB 1", "19992000")]
        );

        let ab1 = bill(&p, "AB 1");
        // The title is the subject of the latest version (19990AB195CHP), spaces as given.
        assert_eq!(ab1.title, "School finance:  necessary small schools: necessary small high schools.");
        assert_eq!(ab1.from_organization.as_deref(), Some("lower"));
        assert_eq!(ab1.updated_at.as_deref(), Some("2010-11-07 23:08:21"));
        // Actions: this export's history ids decrease as dates increase.
        assert_eq!(ab1.actions.len(), 19);
        assert_eq!(
            (ab1.actions[0].date.as_str(), ab1.actions[0].description.as_str()),
            ("1998-12-07", "Read first time.  To print.")
        );
        let last = ab1.actions.last().unwrap();
        assert_eq!(
            (last.date.as_str(), last.description.as_str()),
            ("1999-07-28", "Chaptered by Secretary of State - Chapter   191, Statutes of  1999.")
        );
        assert!(ab1.actions.iter().all(|a| a.organization.is_none()));
        assert!(ab1.actions.windows(2).all(|w| w[0].date <= w[1].date));
        // Same day, 1999-07-15: the Senate passed it, then it went back to the Assembly.
        let d = descriptions(ab1);
        let passed = d
            .iter()
            .position(|a| a.starts_with("Read third time.  Urgency clause adopted.  Passed and to Assembly"))
            .unwrap();
        assert_eq!(d[passed + 1], "In Assembly.  To enrollment.");
        let sb1 = bill(&p, "SB 1");
        assert_eq!(sb1.actions.len(), 25);
        let d = descriptions(sb1);
        assert_eq!(d[0], "Introduced.  Read first time.  To Com. on  ED.");
        assert_eq!(
            &d[d.len() - 2..],
            [
                "Approved by Governor.",
                "Chaptered by Secretary of State.  Chapter     3, Statutes of 1999-2000 First Extraordinary Session.",
            ]
        );
        let passed = d.iter().position(|a| a.starts_with("Read third time.  Passed.   (Ayes 33.")).unwrap();
        assert_eq!(d[passed + 1], "In Assembly.  Read first time.  Held at Desk.");
        assert_eq!(bill(&p, "SB 2").actions.len(), 22);

        // Versions, oldest first; sponsors from the latest version's CAML (no authors table here).
        let notes: Vec<(&str, &str)> = ab1.versions.iter().map(|v| (v.date.as_str(), v.note.as_str())).collect();
        assert_eq!(
            notes,
            [
                ("1998-12-07", "Introduced"),
                ("1999-02-11", "Amended Assembly"),
                ("1999-05-28", "Amended Assembly"),
                ("1999-07-15", "Enrolled"),
                ("1999-07-28", "Chaptered"),
            ]
        );
        let sponsors: Vec<(&str, bool, Option<&str>)> =
            ab1.sponsorships.iter().map(|s| (s.name.as_str(), s.primary, s.chamber.as_deref())).collect();
        assert_eq!(sponsors, [("Aanestad", true, Some("lower")), ("Leslie", false, Some("upper"))]);
        assert_eq!(sb1.versions.len(), 10);
        assert_eq!(sb1.versions.last().unwrap().note, "Chaptered");
        assert_eq!(sb1.sponsorships.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["Alpert"]);
        let sb2 = bill(&p, "SB 2");
        let d =
            crate::text::diff(sb2.versions[0].text.as_deref().unwrap(), sb2.versions[1].text.as_deref().unwrap(), &[]);
        // The same diff as text::diff's test of these prints read one paragraph a line.
        assert_eq!(d.summary, "2 sections added, 4 changed; 0 unchanged");
        assert_eq!(sb2.versions.len(), 8);
        assert_eq!(sb2.sponsorships.len(), 10);
        assert_eq!(sb2.sponsorships[0].name, "O'Connell");

        // Amended prints: struck text (`xm-deletion_mark`) is marked struck, not in the text
        // as it would be enacted.
        use crate::text::marks::live;
        let struck = "evaluating the Golden State Exam for possible conversion";
        assert!(sb2.versions[0].text.as_deref().unwrap().contains(struck));
        assert!(!live(sb2.versions[1].text.as_deref().unwrap()).contains(struck));
        let intent = "It is the intent of the Legislature that legislation be enacted to repeal any requirement";
        assert!(sb2.versions[0].text.as_deref().unwrap().contains(intent));
        assert!(!live(sb2.versions[1].text.as_deref().unwrap()).contains(intent));
        assert!(sb2.versions[1].text.as_deref().unwrap().contains("{--"));
        // Law headings keep their kind; the digest key is one line.
        let text = sb1.versions.last().unwrap().text.as_deref().unwrap();
        assert!(text.contains("\nChapter 6.1. Public Schools Accountability Act of 1999\nArticle 1. Legislative Findings and Intent\n52050.\n"));
        assert!(text.contains("\nAppropriation: yes; Urgency: no; Tax levy: no\nThe people of the State of California do enact as follows:\nSECTION 1.\n"));

        // Analyses: by date; padded HTML reduced to its text.
        let notes: Vec<&str> = ab1.documents.iter().map(|d| d.note.as_str()).collect();
        assert_eq!(
            notes,
            [
                "Analysis: Assembly Committee (1999-02-03)",
                "Analysis: ASSEMBLY FLOOR ANALYSIS (1999-06-02)",
                "Analysis: Senate Committee (1999-06-16)",
                "Analysis: ASSEMBLY FLOOR ANALYSIS (1999-06-18)",
                "Analysis: Senate Committee (1999-07-12)",
                "Analysis: Sen. Floor Analyses (1999-07-14)",
            ]
        );
        let first = &ab1.documents[0];
        assert_eq!((first.date.as_str(), first.classification.as_str()), ("1999-02-03", "analysis"));
        assert_eq!(
            first.links[0].url,
            "https://leginfo.legislature.ca.gov/faces/billAnalysisClient.xhtml?bill_id=199920000AB1"
        );
        let text = first.text.as_deref().unwrap();
        assert!(text.starts_with("BILL ANALYSIS\n\nAB 1\nPage 1\n\nDate of Hearing: February 3, 1999\n\nASSEMBLY COMMITTEE ON EDUCATION\n"), "{text}");
        assert!(text.ends_with("Analysis Prepared by : Hal Geiogue / aed / (916) 319-2087"));
        assert_eq!((sb1.documents.len(), sb2.documents.len()), (8, 7));
        for b in &p.bills {
            for d in b.versions.iter().chain(&b.documents) {
                let text = d.text.as_deref().unwrap();
                assert!(
                    !text.contains('<') && !text.contains("caml") && !text.contains("xm-"),
                    "{}: {}",
                    b.identifier,
                    d.note
                );
            }
        }

        // Votes: one per summary row, each with its members.
        assert_eq!(p.votes.len(), 28);
        let count = |id: &str| p.votes.iter().filter(|v| v.bill.identifier.as_deref() == Some(id)).count();
        assert_eq!((count("SB 1"), count("SB 2"), count("AB 1")), (15, 7, 6));
        let details =
            read_table("BILL_DETAIL_VOTE_TBL.dat", &fixture("1999-2000", "BILL_DETAIL_VOTE_TBL.dat"), "x").unwrap();
        assert_eq!(p.votes.iter().map(|v| v.votes.len()).sum::<usize>(), details.frame.height());
        for v in &p.votes {
            // Every tally equals its member votes (no "disagree" warning above says the same).
            let n = |o: &str| v.votes.iter().filter(|m| m.option == o).count() as i64;
            let counted = vec![
                ("yes".to_string(), n("yes")),
                ("no".to_string(), n("no")),
                ("not voting".to_string(), n("not voting")),
            ];
            assert_eq!(v.counts, counted, "{:?}", v.dedupe_key);
            assert_eq!(v.result, "pass");
            assert_eq!(v.session, bill(&p, v.bill.identifier.as_deref().unwrap()).session);
        }
        // The SB 1 Assembly floor votes of 1999-03-22 follow vote_date_seq, not the roll-call times.
        let floor: Vec<(&str, &str)> = p
            .votes
            .iter()
            .filter(|v| v.bill.identifier.as_deref() == Some("SB 1") && v.organization.as_deref() == Some("lower"))
            .map(|v| (v.dedupe_key.as_deref().unwrap(), v.start_date.as_str()))
            .collect();
        assert_eq!(floor.len(), 9);
        assert_eq!(floor[0], ("ca-pubinfo:199920001SB1:AFLOOR:1999-03-22:1002:113443", "1999-03-22T13:29:00"));
        assert_eq!(floor[1], ("ca-pubinfo:199920001SB1:AFLOOR:1999-03-22:1003:113444", "1999-03-22T13:22:00"));
        let vote = p
            .votes
            .iter()
            .find(|v| v.dedupe_key.as_deref() == Some("ca-pubinfo:199920001SB1:AFLOOR:1999-03-22:1004:113445"))
            .unwrap();
        assert_eq!(vote.source_key, vote.dedupe_key);
        assert_eq!(vote.bill, BillRef { source_key: Some("199920001SB1".into()), identifier: Some("SB 1".into()) });
        assert_eq!(vote.motion_text, "Motion 113445");
        assert_eq!(vote.motion_classification, ["passage"]);
        assert_eq!(vote.counts, [("yes".to_string(), 42), ("no".to_string(), 31), ("not voting".to_string(), 6)]);
        assert_eq!(vote.votes.len(), 79);
        let member = |name: &str| vote.votes.iter().find(|m| m.voter_name == name).unwrap();
        assert_eq!((member("Thompson").option.as_str(), member("Thompson").note.as_str()), ("no", ""));
        assert_eq!(member("Strom-Martin").option, "yes");
        assert_eq!(vote.votes.iter().filter(|m| m.note == "ABS").count(), 6);
        assert!(vote.votes.iter().filter(|m| m.note == "ABS").all(|m| m.option == "not voting"));
        assert_eq!(
            vote.sources,
            ["https://leginfo.legislature.ca.gov/faces/billVotesClient.xhtml?bill_id=199920001SB1"]
        );
        // Committee votes: a day without a time, the committee named by code and chamber.
        let committee = p
            .votes
            .iter()
            .find(|v| v.dedupe_key.as_deref() == Some("ca-pubinfo:199920000AB1:CS44:1999-06-16:1001:49"))
            .unwrap();
        assert_eq!(committee.start_date, "1999-06-16");
        assert_eq!(committee.organization.as_deref(), Some("Senate committee CS44"));
        assert_eq!(committee.motion_classification, ["committee-passage"]);
        let cx = p
            .votes
            .iter()
            .find(|v| v.dedupe_key.as_deref() == Some("ca-pubinfo:199920000AB1:CX03:1999-02-03:1001:44"))
            .unwrap();
        assert_eq!((cx.organization.as_deref(), cx.votes.len()), (Some("Assembly committee CX03"), 19));
        // AB 1's Assembly floor vote ran past midnight.
        let late = p
            .votes
            .iter()
            .find(|v| v.dedupe_key.as_deref() == Some("ca-pubinfo:199920000AB1:AFLOOR:1999-06-03:1141:104836"))
            .unwrap();
        assert_eq!(late.start_date, "1999-06-03T00:10:00");
    }

    #[test]
    fn session_2025_2026() {
        let dir = folder("2025-2026");
        let p = parse_folder("2025-2026");
        // The one .lob the export references but lacks: the veto message.
        assert_eq!(
            p.warnings,
            [Warning::new(
                &dir,
                Some("202520260SB275".into()),
                "veto message: LOB VETO_MESSAGE_TBL_1.lob is not in the export; its text is left empty"
            )]
        );
        assert!(p.votes.is_empty());
        let ab = bill(&p, "AB 831");
        assert_eq!(ab.source_key.as_deref(), Some("202520260AB831"));
        assert_eq!(ab.session, "20252026");
        assert_eq!(ab.title, "Gambling: operation of a contest or sweepstakes.");
        assert_eq!(ab.updated_at.as_deref(), Some("2025-11-13 16:06:50"));
        // Actions follow action_sequence; the ids run with time here.
        assert_eq!(ab.actions.len(), 37);
        let first = &ab.actions[0];
        assert_eq!(
            (first.date.as_str(), first.description.as_str(), first.organization.as_deref()),
            ("2025-02-19", "Read first time.  To print.", Some("lower"))
        );
        let d = descriptions(ab);
        assert_eq!(
            &d[d.len() - 2..],
            ["Approved by the Governor.", "Chaptered by Secretary of State - Chapter 623, Statutes of 2025."]
        );
        assert_eq!(ab.actions.last().unwrap().organization, None);
        let at = |text: &str| d.iter().position(|a| *a == text).unwrap();
        assert!(at("Withdrawn from committee.") + 1 == at("Ordered to second reading."));
        assert_eq!(
            &d[at("From Consent Calendar.")..at("From Consent Calendar.") + 6],
            [
                "From Consent Calendar.",
                "Ordered to inactive file at the request of Senator Richardson.",
                "From inactive file.",
                "Ordered to second reading.",
                "Read second time and amended.  Ordered returned to second reading.",
                "Read second time. Ordered to third reading.",
            ]
        );
        let sb = bill(&p, "SB 275");
        assert_eq!(sb.actions.len(), 29);
        assert_eq!(
            sb.actions[0].description,
            "Introduced.  Read first time.  To Com. on RLS. for assignment.  To print."
        );
        assert_eq!(sb.actions.last().unwrap().description, "Veto sustained.");

        // Versions and their texts (from CAML with insertion and deletion marks).
        let notes: Vec<&str> = ab.versions.iter().map(|v| v.note.as_str()).collect();
        assert_eq!(
            notes,
            ["Introduced", "Amended Senate", "Amended Senate", "Amended Senate", "Enrolled", "Chaptered"]
        );
        let introduced = ab.versions[0].text.as_deref().unwrap();
        assert!(introduced.starts_with("Introduced by Assembly Member Ramos\nAn act to amend Section 12012.25 of the Government Code, relating to gaming.\nGaming: Tribal-state gaming compacts.\n"));
        // Gutted and amended: the old author, title and digest struck, the new ones inserted.
        let marked = ab.versions[1].text.as_deref().unwrap();
        assert!(marked.starts_with("Introduced by Assembly Member {--Ramos--} {++Valencia++}\n"), "{marked}");
        let amended = &*crate::text::marks::live(marked);
        assert!(amended.starts_with("Introduced by Assembly Member Valencia\nAn act to amend Section 17539.1 of the Business and Professions Code, and to add Section 337o to the Penal Code, relating to gambling.\nGambling: operation of a contest or sweepstakes.\n"), "{amended}");
        assert!(!amended.contains("relating to gaming") && !amended.contains("Ramos"));
        assert!(amended.contains("\nVote: majority; Appropriation: no; Fiscal committee: yes; Local program: yes\n"));
        assert_eq!(sb.versions.len(), 4);
        // Sponsors: the latest version's authors (20250SB27596ENR).
        let sponsors: Vec<(&str, bool, Option<&str>)> =
            sb.sponsorships.iter().map(|s| (s.name.as_str(), s.primary, s.chamber.as_deref())).collect();
        assert_eq!(sponsors, [("Smallwood-Cuevas", true, Some("upper")), ("Limón", false, Some("upper"))]);
        assert_eq!(ab.sponsorships.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["Valencia"]);

        // Documents: analyses (Word documents) by date, then the veto message without its text.
        assert_eq!((ab.documents.len(), sb.documents.len()), (11, 9));
        let go = &ab.documents[2];
        assert_eq!(go.note, "Analysis: Senate Governmental Organization (2025-06-05)");
        assert_eq!(go.date, "2025-06-05T13:25:02");
        let text = go.text.as_deref().unwrap();
        assert!(
            text.starts_with("SENATE COMMITTEE ON GOVERNMENTAL ORGANIZATION\nSenator Steve Padilla\nChair\n"),
            "{text}"
        );
        let floor = &ab.documents[1];
        assert_eq!(floor.note, "Analysis: ASSEMBLY FLOOR ANALYSIS (2025-04-16)");
        let text = floor.text.as_deref().unwrap();
        // Hidden runs ("ATR Bill Id:") and field codes are left out.
        assert!(
            text.starts_with(
                "ASSEMBLY THIRD READING\nAB 831\n(Ramos)\nAs Introduced February 19, 2025\nMajority vote\nSUMMARY\n"
            ),
            "{text}"
        );
        assert!(!text.contains("Bill Id") && !text.contains("MERGEFIELD"));
        let veto = sb.documents.last().unwrap();
        assert_eq!(
            (veto.note.as_str(), veto.date.as_str(), veto.classification.as_str(), veto.text.as_ref()),
            ("Veto message", "2025-10-10", "veto-message", None)
        );
    }

    #[test]
    fn votes_without_a_summary_without_members_or_with_other_tallies() {
        let mut files = MemFiles::of("1999-2000");
        let text = |files: &MemFiles, name: &str| String::from_utf8(files.0[name].clone()).unwrap();
        // SB 2's Assembly floor vote loses its summary row; SB 1's Senate committee vote of
        // 1999-02-17 loses its members; AB 1's Senate floor summary says 39 ayes.
        let summary: String = text(&files, "BILL_SUMMARY_VOTE_TBL.dat")
            .lines()
            .filter(|l| !l.starts_with("`199920001SB2`\t`AFLOOR`"))
            .map(|l| format!("{}\n", l.replace("\t1104\t104837\t40\t", "\t1104\t104837\t39\t")))
            .collect();
        let details: String = text(&files, "BILL_DETAIL_VOTE_TBL.dat")
            .lines()
            .filter(|l| !(l.starts_with("`199920001SB1`\t`CS44`")))
            .map(|l| format!("{l}\n"))
            .collect();
        files.0.insert("BILL_SUMMARY_VOTE_TBL.dat".into(), summary.into_bytes());
        files.0.insert("BILL_DETAIL_VOTE_TBL.dat".into(), details.into_bytes());
        // Motion texts, when the export has them (the real table's name and layout).
        files.0.insert(
            "BILL_MOTION_TBL.dat".into(),
            b"113454\t`SB2 X1 O'Connell Senate Third Reading By ALPERT`\t`LEG_ESI`\t2007-02-13 15:09:27\n".to_vec(),
        );
        let p = parse_present(&mut files, "x");
        assert_eq!(p.votes.len(), 28);
        let vote = |key: &str| p.votes.iter().find(|v| v.dedupe_key.as_deref() == Some(key)).unwrap();

        let counted = vote("ca-pubinfo:199920001SB2:AFLOOR:1999-03-22:1013:113454");
        assert_eq!(counted.counts, [("yes".to_string(), 75), ("no".to_string(), 0), ("not voting".to_string(), 4)]);
        assert_eq!((counted.result.as_str(), counted.votes.len()), ("", 79));
        assert_eq!(counted.motion_text, "SB2 X1 O'Connell Senate Third Reading By ALPERT");
        let bare = vote("ca-pubinfo:199920001SB1:CS44:1999-02-17:1001:17");
        assert_eq!(bare.counts, [("yes".to_string(), 9), ("no".to_string(), 0), ("not voting".to_string(), 5)]);
        assert!(bare.votes.is_empty());
        assert_eq!(bare.motion_text, "Motion 17");
        let reported = vote("ca-pubinfo:199920000AB1:SFLOOR:1999-07-15:1104:104837");
        assert_eq!(reported.counts[0], ("yes".to_string(), 39));
        assert_eq!(reported.votes.len(), 40);

        let messages: Vec<&str> = p.warnings.iter().map(|w| w.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "vote ca-pubinfo:199920001SB2:AFLOOR:1999-03-22:1013:113454: member votes without a summary row: \
                 counted from them, no result",
                "vote ca-pubinfo:199920000AB1:SFLOOR:1999-07-15:1104:104837: the tallies [(\"yes\", 39), (\"no\", 0), \
                 (\"not voting\", 0)] disagree with the member votes [(\"yes\", 40), (\"no\", 0), (\"not voting\", 0)]",
            ]
        );
    }

    #[test]
    fn sponsors_fall_back_to_the_text_when_the_authors_table_lacks_the_version() {
        let mut files = MemFiles::of("1989-1990");
        let authors: String = String::from_utf8(files.0["BILL_VERSION_AUTHORS_TBL.dat"].clone())
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with("`19890ACR6596CHP`"))
            .map(|l| format!("{l}\n"))
            .collect();
        files.0.insert("BILL_VERSION_AUTHORS_TBL.dat".into(), authors.into_bytes());
        let p = parse_present(&mut files, "x");
        let acr = bill(&p, "ACR 65");
        let sponsors: Vec<(&str, bool)> = acr.sponsorships.iter().map(|s| (s.name.as_str(), s.primary)).collect();
        assert_eq!(sponsors, [("Connelly", true), ("Isenberg", false), ("Stirling", false)]);
        assert_eq!(p.warnings.len(), 1);
        assert_eq!(p.warnings[0].record.as_deref(), Some("198919900ACR65"));
        assert_eq!(bill(&p, "SJR 31").sponsorships.len(), 13);
    }

    #[test]
    fn missing_lobs_keep_their_documents() {
        let mut files = MemFiles::of("1999-2000");
        files.0.remove("BILL_VERSION_TBL_18.lob");
        files.0.remove("BILL_ANALYSIS_TBL_56.lob");
        files.0.insert("BILL_VERSION_TBL_19.lob".into(), b"<html>not CAML</html>".to_vec());
        let p = parse_present(&mut files, "pubinfo_1999.zip");
        let sb1 = bill(&p, "SB 1");
        assert_eq!(sb1.versions.len(), 10);
        assert_eq!((sb1.versions[0].text.as_ref(), sb1.versions[1].text.as_ref()), (None, None));
        assert!(sb1.versions[2].text.is_some());
        assert_eq!(bill(&p, "AB 1").documents[0].text, None);
        let messages: Vec<(&str, &str)> = p
            .warnings
            .iter()
            .filter(|w| w.record.is_some())
            .map(|w| (w.record.as_deref().unwrap(), w.message.as_str()))
            .collect();
        assert_eq!(
            messages,
            [
                (
                    "199920001SB1",
                    "version 19991SB199INT: LOB BILL_VERSION_TBL_18.lob is not in the export; its text is left empty"
                ),
                (
                    "199920001SB1",
                    "version 19991SB198AMD: LOB BILL_VERSION_TBL_19.lob is not readable CAML (the root element is <html>, \
                     not a CAML MeasureDoc); its text is left empty"
                ),
                (
                    "199920000AB1",
                    "analysis 125755: LOB BILL_ANALYSIS_TBL_56.lob is not in the export; its text is left empty"
                ),
            ]
        );
        assert!(p.warnings.iter().all(|w| w.location == "pubinfo_1999.zip"));
    }

    #[test]
    fn an_export_without_bill_tbl_loads_nothing() {
        let mut files = MemFiles::of("2025-2026");
        files.0.remove("BILL_TBL.dat");
        let p = parse_present(&mut files, "pubinfo_Mon.zip");
        assert!(p.bills.is_empty() && p.votes.is_empty());
        assert_eq!(p.warnings.len(), 1);
        assert!(p.warnings[0].message.starts_with("no BILL_TBL.dat in the export"));
    }

    #[test]
    fn a_zip_reads_like_its_folder() {
        // The 1999-2000 export zipped (deflate) into a nested folder, table names lower-cased.
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("pubinfo_1999.zip");
        let mut writer = ::zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        let options = ::zip::write::SimpleFileOptions::default().compression_method(::zip::CompressionMethod::Deflated);
        writer.add_directory("pubinfo_1999/", options).unwrap();
        let mut names: Vec<String> = std::fs::read_dir(folder("1999-2000"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        for name in &names {
            let inner = if name.ends_with(".dat") { name.to_lowercase() } else { name.clone() };
            writer.start_file(format!("pubinfo_1999/{inner}"), options).unwrap();
            writer.write_all(&fixture("1999-2000", name)).unwrap();
        }
        writer.finish().unwrap();

        let location = "pubinfo_1999.zip";
        let mut zipped = ZipFiles::open(&path).unwrap();
        assert_eq!(zipped.names().len(), names.len());
        assert!(zipped.names().contains(&"bill_tbl.dat".to_string()));
        let from_zip = parse(&mut zipped, location);
        let from_dir = parse(&mut DirFiles::open(folder("1999-2000")).unwrap(), location);
        assert_eq!(from_zip.bills.len(), 3);
        assert_eq!(from_zip.bills, from_dir.bills);
        assert_eq!(from_zip.votes, from_dir.votes);
        assert_eq!(from_zip.warnings, from_dir.warnings);
    }

    #[test]
    fn a_zip_with_an_escaping_or_oversized_entry_is_refused() {
        let zip_of = |entries: &[(&str, &[u8])]| {
            let mut writer = ::zip::ZipWriter::new(Cursor::new(Vec::new()));
            let options =
                ::zip::write::SimpleFileOptions::default().compression_method(::zip::CompressionMethod::Deflated);
            for (name, bytes) in entries {
                writer.start_file(*name, options).unwrap();
                writer.write_all(bytes).unwrap();
            }
            writer.finish().unwrap()
        };
        let bill_tbl = fixture("1999-2000", "BILL_TBL.dat");
        // An entry that could escape its folder: the zip does not open.
        let escaping = zip_of(&[("pubinfo/BILL_TBL.dat", &bill_tbl), ("../../etc/cron.d/pubinfo", b"x")]);
        let err = ZipFiles::new(escaping, "pubinfo_2025.zip", &LIMITS).err().unwrap();
        assert!(
            matches!(&err, ZipError::UnsafeEntry { zip, entry, .. } if zip == "pubinfo_2025.zip" && entry == "../../etc/cron.d/pubinfo"),
            "{err}"
        );
        // 2 MiB of spaces (a few kilobytes deflated) over a 1 MiB bound: that file is an error
        // naming the zip and the entry, and the parse's warning says so; the others read.
        let lob = vec![b' '; 2 << 20];
        let bomb = zip_of(&[("pubinfo/BILL_TBL.dat", &bill_tbl), ("pubinfo/BILL_VERSION_TBL.dat", &lob)]);
        let limits = Limits { max_entry_bytes: 1 << 20, ..LIMITS };
        let mut files = ZipFiles::new(bomb, "pubinfo_2025.zip", &limits).unwrap();
        let err = files.read("bill_version_tbl.dat").unwrap().unwrap_err();
        assert!(
            err.to_string().starts_with(
                "pubinfo_2025.zip: entry \"pubinfo/BILL_VERSION_TBL.dat\" decompresses to more than 1048576 bytes"
            ),
            "{err}"
        );
        let parsed = parse(&mut files, "pubinfo_2025.zip");
        assert!(!parsed.bills.is_empty());
        assert!(
            parsed.warnings.iter().any(|w| w.message.contains("entry \"pubinfo/BILL_VERSION_TBL.dat\" decompresses")),
            "{:?}",
            parsed.warnings
        );
    }
}
