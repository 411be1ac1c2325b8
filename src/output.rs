//! What the commands that read print (`query`, `search`, `status`, `alerts preview`): rows as
//! an aligned table, CSV or JSON Lines, written to any `Write` (the CLI passes stdout).
//!
//! `query` writes rows as the database sends them ([`write_rows`]): csv and json one line per
//! row, flushed whenever the next row is not there yet; a table needs its rows to align them,
//! so it shows one page. A closed pipe is an `io::Error` of kind `BrokenPipe`, which the CLI
//! takes as the reader having left (exit 0), not as a failure.

use crate::warehouse::{QueryResult, Rows, WarehouseError};
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use futures_util::FutureExt;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;
use std::io::{self, Write};

/// How rows are printed (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    // Each command's `--format` says what these are for it (`search` writes its hits as one
    // JSON array); these are `query`'s.
    // Aligned for reading, with a row count.
    Table,
    // A header line, then one line per row (RFC 4180 quoting).
    Csv,
    // JSON Lines: one object per row, its keys the columns in order.
    Json,
}

/// Rows a `table` shows when `--limit` does not say.
pub const TABLE_PAGE: u64 = 100;

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("query failed")]
    Query(#[source] WarehouseError),
    #[error("cannot write the rows")]
    Write(#[source] io::Error),
}

impl From<io::Error> for OutputError {
    fn from(e: io::Error) -> OutputError {
        OutputError::Write(e)
    }
}

impl From<sqlx::Error> for OutputError {
    fn from(e: sqlx::Error) -> OutputError {
        OutputError::Query(WarehouseError::from(e))
    }
}

/// What [`write_rows`] wrote, and what it left out because of the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub rows: u64,
    pub left_out: u64,
}

/// Writes a statement's rows as they come, at most `limit` of them (None: all), then reads
/// the rest only to count them.
pub async fn write_rows<W: Write>(
    out: &mut W,
    rows: &mut Rows<'_>,
    format: Format,
    limit: Option<u64>,
) -> Result<Written, OutputError> {
    let columns = rows.columns.clone();
    if format == Format::Csv {
        csv_line(out, &columns)?;
    }
    let mut page = Vec::new();
    let mut written = 0;
    while limit.is_none_or(|l| written < l) {
        let Some(row) = next_row(rows, out).await? else { break };
        written += 1;
        match format {
            Format::Table => page.push(row),
            Format::Csv => csv_line(out, row.iter().map(cell))?,
            Format::Json => json_line(out, &columns, &row)?,
        }
    }
    if format == Format::Table {
        write_table(out, &columns, &page)?;
    }
    out.flush()?;
    let mut left_out = 0;
    if limit.is_some_and(|l| written >= l) {
        while rows.next().await?.is_some() {
            left_out += 1;
        }
    }
    if format == Format::Table {
        if left_out == 0 {
            writeln!(out, "({written} rows)")?;
        } else {
            writeln!(out, "({written} of {} rows)", written + left_out)?;
        }
        out.flush()?;
    }
    Ok(Written { rows: written, left_out })
}

/// The next row; what was written goes out first when the database has not sent it yet, so
/// a reader sees rows as they come without a write per row.
async fn next_row<W: Write>(rows: &mut Rows<'_>, out: &mut W) -> Result<Option<Vec<Value>>, OutputError> {
    if let Some(ready) = rows.next().now_or_never() {
        return Ok(ready?);
    }
    out.flush()?;
    Ok(rows.next().await?)
}

/// A result read whole (`status`, `alerts preview`, `search`), in one of the formats.
pub fn write_result<W: Write>(out: &mut W, r: &QueryResult, format: Format) -> io::Result<()> {
    match format {
        Format::Table => {
            write_table(out, &r.columns, &r.rows)?;
            writeln!(out, "({} rows)", r.rows.len())
        }
        Format::Csv => {
            csv_line(out, &r.columns)?;
            for row in &r.rows {
                csv_line(out, row.iter().map(cell))?;
            }
            Ok(())
        }
        Format::Json => r.rows.iter().try_for_each(|row| json_line(out, &r.columns, row)),
    }
}

/// A value as a table or CSV cell: a string as itself, NULL empty, anything else as JSON.
pub fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn write_table<W: Write>(out: &mut W, columns: &[String], rows: &[Vec<Value>]) -> io::Result<()> {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(columns.to_vec());
    for row in rows {
        t.add_row(row.iter().map(cell));
    }
    writeln!(out, "{t}")
}

/// One CSV line: a field with a comma, a quote or a line break is quoted, quotes doubled.
fn csv_line<W: Write, S: AsRef<str>>(out: &mut W, fields: impl IntoIterator<Item = S>) -> io::Result<()> {
    let mut line = String::new();
    for (i, f) in fields.into_iter().enumerate() {
        let f = f.as_ref();
        if i > 0 {
            line.push(',');
        }
        if f.contains([',', '"', '\n', '\r']) {
            line.push('"');
            line.push_str(&f.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(f);
        }
    }
    line.push('\n');
    out.write_all(line.as_bytes())
}

/// One JSON Lines record: the row as an object, keys in column order.
fn json_line<W: Write>(out: &mut W, columns: &[String], row: &[Value]) -> io::Result<()> {
    serde_json::to_writer(&mut *out, &RowObject { columns, values: row })?;
    out.write_all(b"\n")
}

/// A row as a JSON object whose keys are its columns, in order (serde_json's own maps sort
/// their keys).
pub struct RowObject<'a> {
    pub columns: &'a [String],
    pub values: &'a [Value],
}

impl Serialize for RowObject<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.columns.len()))?;
        for (c, v) in self.columns.iter().zip(self.values) {
            m.serialize_entry(c, v)?;
        }
        m.end()
    }
}

/// A result as a JSON array of [`RowObject`]s.
pub struct Objects<'a>(pub &'a QueryResult);

impl Serialize for Objects<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.rows.len()))?;
        for row in &self.0.rows {
            seq.serialize_element(&RowObject { columns: &self.0.columns, values: row })?;
        }
        seq.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn result() -> QueryResult {
        QueryResult {
            columns: vec!["z".into(), "a".into(), "note".into()],
            rows: vec![
                vec![json!(1), json!(null), json!("plain")],
                vec![json!("1.50"), json!([1, null]), json!("say \"hi\", then\nleave")],
            ],
        }
    }

    fn written(format: Format) -> String {
        let mut out = Vec::new();
        write_result(&mut out, &result(), format).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn csv_quotes_what_needs_it() {
        assert_eq!(written(Format::Csv), "z,a,note\n1,,plain\n1.50,\"[1,null]\",\"say \"\"hi\"\", then\nleave\"\n");
    }

    #[test]
    fn json_lines_keep_the_column_order() {
        assert_eq!(
            written(Format::Json),
            "{\"z\":1,\"a\":null,\"note\":\"plain\"}\n{\"z\":\"1.50\",\"a\":[1,null],\"note\":\"say \\\"hi\\\", then\\nleave\"}\n"
        );
        assert_eq!(
            serde_json::to_string(&Objects(&result())).unwrap(),
            "[{\"z\":1,\"a\":null,\"note\":\"plain\"},{\"z\":\"1.50\",\"a\":[1,null],\"note\":\"say \\\"hi\\\", then\\nleave\"}]"
        );
    }

    #[test]
    fn a_table_counts_its_rows() {
        let t = written(Format::Table);
        assert!(t.contains("│ z    ┆ a        ┆ note"), "{t}");
        assert!(t.ends_with("(2 rows)\n"), "{t}");
    }

    /// A reader that leaves: a closed pipe.
    struct Gone;

    impl Write for Gone {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::from(io::ErrorKind::BrokenPipe))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_pipe_is_an_io_error_of_its_kind() {
        for format in [Format::Table, Format::Csv, Format::Json] {
            let e = write_result(&mut Gone, &result(), format).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::BrokenPipe);
        }
    }
}
