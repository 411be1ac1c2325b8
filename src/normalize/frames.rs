//! The polars stage: parsed records become per-entity frames, where identifiers are
//! canonicalized, natural keys computed and duplicates dropped (last record wins, in input
//! order). The frames carry a `row` column pointing back at the record each row came from.

use super::{ids, votes};
use crate::model::{BillRecord, EventRecord, VoteRecord};
use polars::prelude::*;

/// A frame of bill keys: `row`, `jurisdiction_id`, `session`, `identifier_raw`, `identifier`
/// (canonical) and `bill_id`, deduplicated on `bill_id`.
pub fn bill_keys(records: &[BillRecord]) -> PolarsResult<DataFrame> {
    let n = records.len();
    let row: Vec<u32> = (0..n as u32).collect();
    let jur: Vec<&str> = records.iter().map(|r| r.jurisdiction_id.as_str()).collect();
    let session: Vec<&str> = records.iter().map(|r| r.session.as_str()).collect();
    let raw: Vec<&str> = records.iter().map(|r| r.identifier.as_str()).collect();
    let mut df = DataFrame::new(
        n,
        vec![
            Column::new("row".into(), row),
            Column::new("jurisdiction_id".into(), jur),
            Column::new("session".into(), session),
            Column::new("identifier_raw".into(), raw),
        ],
    )?;
    let canonical = df
        .column("identifier_raw")?
        .str()?
        .apply_into_string_amortized(|s, buf| buf.push_str(&ids::canonical_bill_identifier(s)))
        .with_name("identifier".into());
    df.with_column(canonical.into_column())?;
    let bill_id: StringChunked = {
        let j = df.column("jurisdiction_id")?.str()?;
        let s = df.column("session")?.str()?;
        let i = df.column("identifier")?.str()?;
        j.iter()
            .zip(s.iter())
            .zip(i.iter())
            .map(|((j, s), i)| Some(ids::bill_id(j.unwrap_or(""), s.unwrap_or(""), i.unwrap_or(""))))
            .collect()
    };
    df.with_column(bill_id.with_name("bill_id".into()).into_column())?;
    df.unique_stable(Some(&["bill_id".to_string()]), UniqueKeepStrategy::Last, None)
}

/// A frame of vote keys: `row`, `vote_id` (from the source's dedupe key, or from bill,
/// date, motion and chamber), `bill_identifier` (canonical), deduplicated on `vote_id`.
pub fn vote_keys(records: &[VoteRecord]) -> PolarsResult<DataFrame> {
    let n = records.len();
    let row: Vec<u32> = (0..n as u32).collect();
    let vote_id: Vec<String> = records.iter().map(vote_id).collect();
    let bill_identifier: Vec<Option<String>> = records
        .iter()
        .map(|r| r.bill.identifier.as_deref().filter(|s| !s.trim().is_empty()).map(ids::canonical_bill_identifier))
        .collect();
    let df = DataFrame::new(
        n,
        vec![
            Column::new("row".into(), row),
            Column::new("vote_id".into(), vote_id),
            Column::new("bill_identifier".into(), bill_identifier),
        ],
    )?;
    df.unique_stable(Some(&["vote_id".to_string()]), UniqueKeepStrategy::Last, None)
}

fn vote_id(r: &VoteRecord) -> String {
    match r.dedupe_key.as_deref().filter(|k| !k.is_empty()) {
        Some(k) => ids::stable_id("vote", &[&r.jurisdiction_id, k]),
        None => ids::stable_id(
            "vote",
            &[
                &r.jurisdiction_id,
                &r.session,
                r.bill.identifier.as_deref().or(r.bill.source_key.as_deref()).unwrap_or(""),
                &r.start_date,
                &r.motion_text,
                r.organization.as_deref().unwrap_or(""),
                r.sources.first().map(String::as_str).unwrap_or(""),
            ],
        ),
    }
}

/// Per-legislator votes of the given votes as one frame: `vote_row`, `ordinal`, `voter_name`,
/// `raw_option`, `option` (normalized).
pub fn person_votes(records: &[VoteRecord], rows: &[u32]) -> PolarsResult<DataFrame> {
    let mut vote_row = Vec::new();
    let mut ordinal = Vec::new();
    let mut name = Vec::new();
    let mut raw = Vec::new();
    for &r in rows {
        for (i, v) in records[r as usize].votes.iter().enumerate() {
            vote_row.push(r);
            ordinal.push(i as i64);
            name.push(ids::clean_text(&v.voter_name));
            raw.push(v.option.as_str());
        }
    }
    let n = vote_row.len();
    let mut df = DataFrame::new(
        n,
        vec![
            Column::new("vote_row".into(), vote_row),
            Column::new("ordinal".into(), ordinal),
            Column::new("voter_name".into(), name),
            Column::new("raw_option".into(), raw),
        ],
    )?;
    let option = df
        .column("raw_option")?
        .str()?
        .apply_into_string_amortized(|s, buf| buf.push_str(votes::option(s)))
        .with_name("option".into());
    df.with_column(option.into_column())?;
    Ok(df)
}

/// A frame of event keys: `row`, `event_id`, deduplicated on `event_id`. An event's identity
/// is its upstream id when the source has one, else its name and start: a reschedule of an
/// event without an upstream id cannot be told from a new event.
pub fn event_keys(records: &[EventRecord]) -> PolarsResult<DataFrame> {
    let n = records.len();
    let row: Vec<u32> = (0..n as u32).collect();
    let event_id: Vec<String> = records
        .iter()
        .map(|r| match r.upstream_id.as_deref().filter(|k| !k.is_empty()) {
            Some(k) => ids::stable_id("event", &[&r.jurisdiction_id, k]),
            None => ids::stable_id("event", &[&r.jurisdiction_id, &r.name, &r.start]),
        })
        .collect();
    let df = DataFrame::new(n, vec![Column::new("row".into(), row), Column::new("event_id".into(), event_id)])?;
    df.unique_stable(Some(&["event_id".to_string()]), UniqueKeepStrategy::Last, None)
}

/// Reads a `u32` column.
pub fn u32s(df: &DataFrame, name: &str) -> PolarsResult<Vec<u32>> {
    Ok(df.column(name)?.u32()?.into_no_null_iter().collect())
}

/// Reads a string column (nulls as None).
pub fn strs(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<String>>> {
    Ok(df.column(name)?.str()?.iter().map(|s| s.map(str::to_string)).collect())
}
