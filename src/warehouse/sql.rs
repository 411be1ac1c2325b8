//! The warehouse's SQL, written once and compiled for each backend by the `backend!` macro
//! (SQLite and PostgreSQL take the same SQL text with `$N` placeholders; only the types
//! differ). Everything here is I/O; the decisions are in `merge.rs` and `resolve.rs`.

use super::claims;
use super::merge::{self, Change, OldBills, OldEvents, OldVotes, WriteSet};
use super::resolve::{self, Known};
use super::scope;
use super::tables::{Doc, Table};
use super::{LoadBatch, LoadOutcome, NewOperatorAlert, PayloadRecord, QueryResult, RunTotals, SourceReport, SourceRun};
use crate::model::Warning;
use crate::normalize::rows::*;
use chrono::{DateTime, Utc};
use futures_util::stream::{StreamExt, TryStreamExt};
use serde_json::Value;
use sqlx::{AssertSqlSafe, Column, QueryBuilder, Row};
use std::collections::{HashMap, HashSet};

/// Ids per `IN (...)` list.
const IN_CHUNK: usize = 900;

fn now() -> DateTime<Utc> {
    Utc::now()
}

/// A row of `entity_sources` as read.
#[derive(Debug, Clone)]
struct StoredClaim {
    source_kind: String,
    source_key: String,
    parts: String,
    /// The feed's time of the snapshot last loaded (`model::BillRecord::as_of`).
    as_of: Option<String>,
}

/// A claim to write: this source delivered this entity with these parts.
#[derive(Debug, Clone)]
struct ClaimRow {
    entity_type: &'static str,
    source_key: String,
    entity_id: String,
    parts: String,
    as_of: Option<String>,
    /// Already stored as is: nothing to write.
    unchanged: bool,
}

impl ClaimRow {
    fn new(
        entity_type: &'static str,
        kind: &str,
        source_key: String,
        entity_id: &str,
        parts: claims::Parts,
        as_of: Option<&str>,
        stored: &HashMap<String, Vec<StoredClaim>>,
    ) -> ClaimRow {
        let parts = claims::parts_text(&parts);
        let unchanged = stored.get(entity_id).is_some_and(|list| {
            list.iter().any(|c| {
                c.source_kind == kind
                    && c.source_key == source_key
                    && c.parts == parts
                    && (as_of.is_none() || c.as_of.as_deref() == as_of)
            })
        });
        ClaimRow {
            entity_type,
            source_key,
            entity_id: entity_id.to_string(),
            parts,
            as_of: as_of.map(str::to_string),
            unchanged,
        }
    }
}

/// The newer snapshot time a source of the same kind already loaded for an entity, when the
/// delivered one (`as_of`) is older: then the delivery is stale and skipped.
fn newer_snapshot(
    stored: &HashMap<String, Vec<StoredClaim>>,
    id: &str,
    kind: &str,
    as_of: Option<&str>,
) -> Option<String> {
    let as_of = as_of?;
    stored
        .get(id)?
        .iter()
        .filter(|c| c.source_kind == kind)
        .filter_map(|c| c.as_of.as_deref())
        .filter(|stored| *stored > as_of)
        .max()
        .map(str::to_string)
}

/// Stale records of a batch (older than what was loaded), gathered into one warning per file.
#[derive(Default)]
struct Stale(std::collections::BTreeMap<String, Vec<String>>);

impl Stale {
    fn push(&mut self, origin: &str, what: String) {
        self.0.entry(origin.to_string()).or_default().push(what);
    }

    fn warnings(self) -> Vec<Warning> {
        self.0
            .into_iter()
            .map(|(origin, list)| {
                let examples: Vec<&str> = list.iter().take(5).map(String::as_str).collect();
                let more = if list.len() > 5 { format!(", and {} more", list.len() - 5) } else { String::new() };
                Warning::new(
                    origin,
                    list.first().cloned(),
                    format!(
                        "{} records older than the snapshot already loaded were skipped (time only moves forward): {}{more}",
                        list.len(),
                        examples.join("; ")
                    ),
                )
            })
            .collect()
    }
}

/// The claims of sources of other kinds on an entity.
fn others_of(stored: &HashMap<String, Vec<StoredClaim>>, id: &str, kind: &str) -> Vec<claims::Claim> {
    let all: Vec<&'static str> =
        claims::BILL_PARTS.iter().chain(claims::VOTE_PARTS).chain(claims::EVENT_PARTS).copied().collect();
    stored
        .get(id)
        .map(|list| {
            list.iter()
                .filter(|c| c.source_kind != kind)
                .map(|c| claims::Claim {
                    source_kind: c.source_kind.clone(),
                    parts: claims::parse_parts(&c.parts, &all),
                })
                .collect()
        })
        .unwrap_or_default()
}

macro_rules! backend {
    ($m:ident, $DB:ty, $Pool:ty, $bind:ident) => {
        pub mod $m {
            use super::*;
            type Db = $DB;
            pub type Pool = $Pool;
            type Tx = sqlx::Transaction<'static, Db>;

            pub async fn upsert<T: Table>(tx: &mut Tx, rows: &[T], run_id: i64) -> Result<(), sqlx::Error> {
                if rows.is_empty() {
                    return Ok(());
                }
                let per = (30_000 / (T::COLUMNS.len() + 2)).min(500);
                let set = T::COLUMNS
                    .iter()
                    .skip(1)
                    .map(|c| format!("{c} = excluded.{c}"))
                    .chain(std::iter::once("updated_run_id = excluded.updated_run_id".to_string()))
                    .collect::<Vec<_>>()
                    .join(", ");
                for chunk in rows.chunks(per) {
                    let mut qb = QueryBuilder::<Db>::new(format!(
                        "INSERT INTO {} ({}, created_run_id, updated_run_id) ",
                        T::TABLE,
                        T::COLUMNS.join(", ")
                    ));
                    qb.push_values(chunk, |mut sep, row| {
                        row.$bind(&mut sep);
                        sep.push_bind(run_id);
                        sep.push_bind(run_id);
                    });
                    qb.push(format!(" ON CONFLICT (id) DO UPDATE SET {set}"));
                    qb.build().execute(&mut **tx).await?;
                }
                Ok(())
            }

            /// Rows of `T` whose `key` column is one of `keys`.
            pub async fn select_in<T>(tx: &mut Tx, key: &str, keys: &[String]) -> Result<Vec<T>, sqlx::Error>
            where
                T: Table + for<'r> sqlx::FromRow<'r, <Db as sqlx::Database>::Row>,
            {
                let mut out = Vec::new();
                for chunk in keys.chunks(IN_CHUNK) {
                    let mut qb = QueryBuilder::<Db>::new(format!("SELECT {} FROM {} WHERE {key} IN (", T::COLUMNS.join(", "), T::TABLE));
                    let mut sep = qb.separated(", ");
                    for k in chunk {
                        sep.push_bind(k.clone());
                    }
                    qb.push(")");
                    out.extend(qb.build_query_as::<T>().fetch_all(&mut **tx).await?);
                }
                Ok(out)
            }

            /// `(id, other)` text pairs of `table` whose `key` is one of `keys`.
            async fn pairs_in(tx: &mut Tx, sql_head: &str, keys: &[String]) -> Result<Vec<(String, String)>, sqlx::Error> {
                let mut out = Vec::new();
                for chunk in keys.chunks(IN_CHUNK) {
                    let mut qb = QueryBuilder::<Db>::new(sql_head.to_string());
                    let mut sep = qb.separated(", ");
                    for k in chunk {
                        sep.push_bind(k.clone());
                    }
                    qb.push(")");
                    out.extend(qb.build_query_as::<(String, String)>().fetch_all(&mut **tx).await?);
                }
                Ok(out)
            }

            async fn delete_ids(tx: &mut Tx, table: &str, ids: &[String]) -> Result<(), sqlx::Error> {
                for chunk in ids.chunks(IN_CHUNK) {
                    let mut qb = QueryBuilder::<Db>::new(format!("DELETE FROM {table} WHERE id IN ("));
                    let mut sep = qb.separated(", ");
                    for k in chunk {
                        sep.push_bind(k.clone());
                    }
                    qb.push(")");
                    qb.build().execute(&mut **tx).await?;
                }
                Ok(())
            }

            fn group<T: Clone>(rows: Vec<T>, key: impl Fn(&T) -> &str) -> HashMap<String, Vec<T>> {
                let mut m: HashMap<String, Vec<T>> = HashMap::new();
                for r in rows {
                    m.entry(key(&r).to_string()).or_default().push(r);
                }
                m
            }

            /// Finds the people and committees stored (or delivered in this batch) under a
            /// derived id that are one of Open States' (`ocd-person/<uuid>`, `ocd-organization/
            /// <uuid>`) of the same jurisdiction: a person by name within the chamber
            /// (`warehouse::people`), a committee by its names within the chamber. Records each
            /// in `entity_merges` and returns, per merge, its table, its ledger event
            /// (`person_merged` / `organization_merged`, with the derived row's old values) and
            /// the derived row's id when it is stored (to delete).
            async fn merge_identities(tx: &mut Tx, run_id: i64, n: &crate::normalize::Normalized) -> Result<Vec<(&'static str, Change, Option<String>)>, sqlx::Error> {
                use crate::normalize::build::is_ocd_uuid;
                let mut out = Vec::new();
                let mut found: Vec<(&'static str, String, String, String, Option<serde_json::Value>)> = Vec::new();
                // People.
                let mut jurisdictions: Vec<String> = n.people.iter().map(|p| p.jurisdiction_id.clone()).collect();
                jurisdictions.sort();
                jurisdictions.dedup();
                if !jurisdictions.is_empty() {
                    let stored = select_in::<PersonRow>(tx, "jurisdiction_id", &jurisdictions).await?;
                    let canonical_ids: Vec<String> = stored.iter().filter(|p| is_ocd_uuid(&p.id, "ocd-person/")).map(|p| p.id.clone()).collect();
                    let mut roles = group(select_in::<RoleRow>(tx, "person_id", &canonical_ids).await?, |r| &r.person_id);
                    for r in &n.person_roles {
                        roles.insert(r.person_id.clone(), Vec::new());
                    }
                    for r in &n.person_roles {
                        roles.entry(r.person_id.clone()).or_default().push(r.clone());
                    }
                    let mut index = crate::warehouse::people::PeopleIndex::default();
                    for p in n.people.iter().chain(stored.iter()).filter(|p| is_ocd_uuid(&p.id, "ocd-person/")) {
                        index.add(p, roles.get(&p.id).map(Vec::as_slice).unwrap_or(&[]));
                    }
                    if !index.is_empty() {
                        let stored_ids: HashSet<&str> = stored.iter().map(|p| p.id.as_str()).collect();
                        let mut seen = HashSet::new();
                        for p in stored.iter().chain(n.people.iter()).filter(|p| !p.id.starts_with("ocd-person/")) {
                            if !seen.insert(p.id.clone()) {
                                continue;
                            }
                            let chamber = p.chamber.as_deref().filter(|c| matches!(*c, "upper" | "lower" | "legislature"));
                            if let Some(into) = index.find(&p.jurisdiction_id, chamber, None, &p.name) {
                                let old = stored_ids.contains(p.id.as_str()).then(|| merge::content(p));
                                found.push(("people", p.id.clone(), into.to_string(), p.jurisdiction_id.clone(), old));
                            }
                        }
                    }
                }
                // Committees.
                let mut jurisdictions: Vec<String> = n.organizations.iter().map(|o| o.jurisdiction_id.clone()).collect();
                jurisdictions.sort();
                jurisdictions.dedup();
                if !jurisdictions.is_empty() {
                    let stored = select_in::<OrganizationRow>(tx, "jurisdiction_id", &jurisdictions).await?;
                    let committee = |o: &&OrganizationRow| matches!(o.classification.as_str(), "committee" | "subcommittee");
                    let canonical: Vec<crate::warehouse::people::CommitteeNames> = n
                        .organizations
                        .iter()
                        .chain(stored.iter())
                        .filter(committee)
                        .filter(|o| is_ocd_uuid(&o.id, "ocd-organization/"))
                        .map(|o| crate::warehouse::people::CommitteeNames {
                            id: o.id.clone(),
                            chamber: o.chamber.clone(),
                            names: std::iter::once(o.name.clone()).chain(serde_json::from_str::<Vec<String>>(&o.other_names).unwrap_or_default()).collect(),
                        })
                        .collect();
                    let mut canonical_dedup: Vec<crate::warehouse::people::CommitteeNames> = Vec::new();
                    for c in canonical {
                        if !canonical_dedup.iter().any(|d| d.id == c.id) {
                            canonical_dedup.push(c);
                        }
                    }
                    if !canonical_dedup.is_empty() {
                        let stored_ids: HashSet<&str> = stored.iter().map(|o| o.id.as_str()).collect();
                        let mut seen = HashSet::new();
                        for o in stored.iter().chain(n.organizations.iter()).filter(committee).filter(|o| !is_ocd_uuid(&o.id, "ocd-organization/")) {
                            if !seen.insert(o.id.clone()) {
                                continue;
                            }
                            let mut text = o.name.clone();
                            if let Some(ch) = o.chamber.as_deref() {
                                text = match ch {
                                    "upper" => format!("Senate {text}"),
                                    "lower" => format!("House {text}"),
                                    _ => text,
                                };
                            }
                            if let Some(into) = crate::warehouse::people::committee_of_hearing(&canonical_dedup, &[text]) {
                                let old = stored_ids.contains(o.id.as_str()).then(|| merge::content(o));
                                found.push(("organizations", o.id.clone(), into.to_string(), o.jurisdiction_id.clone(), old));
                            }
                        }
                    }
                }
                for (table, alias, into, jurisdiction_id, old) in found {
                    let entity_type = if table == "people" { "person" } else { "organization" };
                    let inserted = sqlx::query(
                        "INSERT INTO entity_merges (entity_type, alias_id, into_id, jurisdiction_id, run_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (entity_type, alias_id) DO NOTHING",
                    )
                    .bind(entity_type)
                    .bind(&alias)
                    .bind(&into)
                    .bind(&jurisdiction_id)
                    .bind(run_id)
                    .execute(&mut **tx)
                    .await?
                    .rows_affected();
                    if let Some(old) = old {
                        out.push((
                            table,
                            Change {
                                jurisdiction_id,
                                entity_type,
                                entity_id: into.clone(),
                                bill_id: None,
                                kind: format!("{entity_type}_merged"),
                                changes: serde_json::json!({ "merged": alias, "old": old }),
                            },
                            Some(alias),
                        ));
                    } else if inserted == 0 {
                        continue;
                    }
                }
                Ok(out)
            }

            /// What a batch delivers under an id merged into another (`entity_merges`) is read as
            /// the canonical one: a person row takes the canonical id (the canonical row, if the
            /// batch has it too, wins), a derived committee row is dropped (the canonical one is
            /// the better record), and sponsors, voters and members link to the canonical person.
            async fn apply_merges(tx: &mut Tx, n: &mut crate::normalize::Normalized) -> Result<(), sqlx::Error> {
                let mut ids: Vec<String> = n.people.iter().map(|p| p.id.clone()).collect();
                ids.extend(n.organizations.iter().map(|o| o.id.clone()));
                for b in &n.bills {
                    ids.extend(b.sponsorships.iter().filter_map(|s| s.person_id.clone()));
                }
                for v in &n.votes {
                    ids.extend(v.records.iter().filter_map(|r| r.person_id.clone()));
                }
                ids.extend(n.memberships.iter().filter_map(|m| m.person_id.clone()));
                ids.sort();
                ids.dedup();
                if ids.is_empty() {
                    return Ok(());
                }
                let map: HashMap<String, String> = pairs_in(tx, "SELECT alias_id, into_id FROM entity_merges WHERE alias_id IN (", &ids).await?.into_iter().collect();
                if map.is_empty() {
                    return Ok(());
                }
                let present: HashSet<String> = n.people.iter().map(|p| p.id.clone()).collect();
                n.people.retain(|p| map.get(&p.id).is_none_or(|c| !present.contains(c)));
                for p in &mut n.people {
                    if let Some(c) = map.get(&p.id) {
                        p.id = c.clone();
                        p.content_hash = content_hash(&*p);
                    }
                }
                n.organizations.retain(|o| !map.contains_key(&o.id));
                for b in &mut n.bills {
                    let mut touched = false;
                    for s in &mut b.sponsorships {
                        if let Some(c) = s.person_id.as_ref().and_then(|p| map.get(p)) {
                            s.person_id = Some(c.clone());
                            s.content_hash = content_hash(&*s);
                            touched = true;
                        }
                    }
                    if touched {
                        b.rehash();
                    }
                }
                for v in &mut n.votes {
                    let mut touched = false;
                    for r in &mut v.records {
                        if let Some(c) = r.person_id.as_ref().and_then(|p| map.get(p)) {
                            r.person_id = Some(c.clone());
                            r.content_hash = content_hash(&*r);
                            touched = true;
                        }
                    }
                    if touched {
                        v.rehash();
                    }
                }
                for m in &mut n.memberships {
                    if let Some(c) = m.person_id.as_ref().and_then(|p| map.get(p)) {
                        m.person_id = Some(c.clone());
                        m.content_hash = content_hash(&*m);
                    }
                }
                Ok(())
            }

            /// The people of these jurisdictions with their seats, the batch's own first (they
            /// are the newer word), for linking names to people.
            async fn people_index(tx: &mut Tx, jurisdictions: &[String], n: &crate::normalize::Normalized) -> Result<crate::warehouse::people::PeopleIndex, sqlx::Error> {
                let stored = select_in::<PersonRow>(tx, "jurisdiction_id", jurisdictions).await?;
                let ids: Vec<String> = stored.iter().map(|p| p.id.clone()).collect();
                let mut roles = group(select_in::<RoleRow>(tx, "person_id", &ids).await?, |r| &r.person_id);
                for r in &n.person_roles {
                    roles.insert(r.person_id.clone(), Vec::new());
                }
                for r in &n.person_roles {
                    roles.entry(r.person_id.clone()).or_default().push(r.clone());
                }
                let mut index = crate::warehouse::people::PeopleIndex::default();
                for p in n.people.iter().chain(stored.iter()) {
                    index.add(p, roles.get(&p.id).map(Vec::as_slice).unwrap_or(&[]));
                }
                Ok(index)
            }

            async fn old_flat<T>(tx: &mut Tx, rows: &[T]) -> Result<HashMap<String, T>, sqlx::Error>
            where
                T: Table + merge::Entity + for<'r> sqlx::FromRow<'r, <Db as sqlx::Database>::Row>,
            {
                let ids: Vec<String> = rows.iter().map(|r| r.id().to_string()).collect();
                Ok(select_in::<T>(tx, "id", &ids).await?.into_iter().map(|r| (r.id().to_string(), r)).collect())
            }

            /// Claims (`entity_sources`) on the given entities, by entity id.
            async fn claims_in(tx: &mut Tx, entity_type: &str, ids: &[String]) -> Result<HashMap<String, Vec<StoredClaim>>, sqlx::Error> {
                let mut out: HashMap<String, Vec<StoredClaim>> = HashMap::new();
                for chunk in ids.chunks(IN_CHUNK) {
                    let mut qb = QueryBuilder::<Db>::new("SELECT entity_id, source_kind, source_key, parts, as_of FROM entity_sources WHERE entity_type = ");
                    qb.push_bind(entity_type.to_string());
                    qb.push(" AND entity_id IN (");
                    let mut sep = qb.separated(", ");
                    for k in chunk {
                        sep.push_bind(k.clone());
                    }
                    qb.push(")");
                    for (id, source_kind, source_key, parts, as_of) in qb.build_query_as::<(String, String, String, String, Option<String>)>().fetch_all(&mut **tx).await? {
                        out.entry(id).or_default().push(StoredClaim { source_kind, source_key, parts, as_of });
                    }
                }
                Ok(out)
            }

            /// Loads one batch in one transaction: resolve links, compare with what is
            /// stored, write the difference and its change events, record the payloads.
            pub async fn load(pool: &Pool, run_id: i64, mut batch: LoadBatch) -> Result<LoadOutcome, sqlx::Error> {
                let mut tx = super::super::WritePool::begin_write(pool).await?;
                let n = &mut batch.normalized;

                // 1. What the warehouse knows, for links.
                let mut jurisdictions: HashSet<String> = HashSet::new();
                jurisdictions.extend(n.bills.iter().map(|b| b.bill.jurisdiction_id.clone()));
                jurisdictions.extend(n.votes.iter().map(|b| b.vote.jurisdiction_id.clone()));
                jurisdictions.extend(n.events.iter().map(|b| b.event.jurisdiction_id.clone()));
                jurisdictions.extend(n.people.iter().map(|p| p.jurisdiction_id.clone()));
                let jurisdictions: Vec<String> = jurisdictions.into_iter().collect();
                let mut known = Known::default();
                if !n.votes.is_empty() || !n.events.is_empty() || !n.bills.is_empty() {
                    for s in select_in::<SessionRow>(&mut tx, "jurisdiction_id", &jurisdictions).await? {
                        known.sessions.entry(s.jurisdiction_id.clone()).or_default().push(s);
                    }
                    for s in &n.sessions {
                        known.sessions.entry(s.jurisdiction_id.clone()).or_default().push(s.clone());
                    }
                    // A session named by a bill but unknown (no jurisdiction file, an API
                    // that lists none) is recorded from the bill, without dates.
                    for s in resolve::sessions_from_bills(n, &known.sessions) {
                        known.sessions.entry(s.jurisdiction_id.clone()).or_default().push(s.clone());
                        n.sessions.push(s);
                    }
                    known.people = people_index(&mut tx, &jurisdictions, n).await?;
                    let candidates = resolve::candidate_bills(n, &known.sessions);
                    for (id, _) in pairs_in(&mut tx, "SELECT id, id FROM bills WHERE id IN (", &candidates).await? {
                        known.bills.insert(id);
                    }
                    let keys: Vec<String> = n.votes.iter().filter_map(|v| v.bill_source_key.clone()).collect();
                    let head = format!("SELECT source_key, entity_id FROM entity_sources WHERE entity_type = 'bill' AND source_kind = '{}' AND source_key IN (", batch.source_kind.as_str());
                    for (k, b) in pairs_in(&mut tx, &head, &keys).await? {
                        known.bill_sources.insert(format!("{}\u{0}{k}", batch.source_kind.as_str()), b);
                    }
                }
                let mut warnings = resolve::resolve(n, &known, batch.source_kind.as_str());
                // One legislator, one row: people and committees under derived ids merged into
                // Open States' (recorded in `entity_merges`, told in the ledger), and what this
                // batch delivers under a merged id read as the canonical one.
                let identity_merges = merge_identities(&mut tx, run_id, n).await?;
                apply_merges(&mut tx, n).await?;

                // 2. What is stored of the batch's entities, and the merge.
                let mut ws = WriteSet::default();
                let n = std::mem::take(&mut batch.normalized);
                let jur_of = |j: &str| j.to_string();
                let mut jurisdictions = n.jurisdictions;
                let placeholders: Vec<JurisdictionRow> = n.placeholder_jurisdictions.into_iter().filter(|p| !jurisdictions.iter().any(|j| j.id == p.id)).collect();
                let stored_placeholders = old_flat(&mut tx, &placeholders).await?;
                jurisdictions.extend(placeholders.into_iter().filter(|p| !stored_placeholders.contains_key(&p.id)));
                let old = old_flat(&mut tx, &jurisdictions).await?;
                merge::merge_flat(jurisdictions, &old, "jurisdiction", |r| jur_of(&r.id), &mut ws.jurisdictions, &mut ws.changes, &mut ws.counts);
                let old = old_flat(&mut tx, &n.sessions).await?;
                merge::merge_flat(n.sessions, &old, "session", |r| jur_of(&r.jurisdiction_id), &mut ws.sessions, &mut ws.changes, &mut ws.counts);
                // Rosters: the members of committees delivered whole.
                let roster_ids: Vec<String> = n.rosters.clone();
                let committees: Vec<(String, String, String)> = n
                    .organizations
                    .iter()
                    .filter(|o| roster_ids.contains(&o.id))
                    .map(|o| (o.id.clone(), o.jurisdiction_id.clone(), o.name.clone()))
                    .collect();
                let old_members = group(select_in::<MembershipRow>(&mut tx, "organization_id", &roster_ids).await?, |r| &r.organization_id);
                let new_members = group(n.memberships, |r| &r.organization_id);
                let old = old_flat(&mut tx, &n.organizations).await?;
                merge::merge_flat(n.organizations, &old, "organization", |r| jur_of(&r.jurisdiction_id), &mut ws.organizations, &mut ws.changes, &mut ws.counts);
                merge::merge_rosters(&mut ws, &committees, new_members, old_members);

                // People, with their seats and offices when delivered whole.
                let mut old_people = merge::OldPeople { people: old_flat(&mut tx, &n.people).await?, ..Default::default() };
                let complete: std::collections::HashSet<&String> = n.complete_people.iter().collect();
                let mut people = n.people;
                for p in &mut people {
                    if !complete.contains(&p.id)
                        && let Some(o) = old_people.people.get(&p.id)
                    {
                        merge::complete_person(p, o);
                    }
                }
                old_people.roles = group(select_in::<RoleRow>(&mut tx, "person_id", &n.role_people).await?, |r| &r.person_id);
                old_people.offices = group(select_in::<OfficeRow>(&mut tx, "person_id", &n.office_people).await?, |r| &r.person_id);
                let whole = merge::Whole { roles: n.role_people.into_iter().collect(), offices: n.office_people.into_iter().collect() };
                merge::merge_people(&mut ws, people, group(n.person_roles, |r| &r.person_id), group(n.person_offices, |r| &r.person_id), &whole, old_people);

                let kind = batch.source_kind.as_str().to_string();
                let arbitrate = !batch.reload;
                let mut claim_rows: Vec<ClaimRow> = Vec::new();

                // Bills: one lookup of bundle hashes; old rows only for those that changed.
                let ids: Vec<String> = n.bills.iter().map(|b| b.bill.id.clone()).collect();
                let stored: HashMap<String, String> = pairs_in(&mut tx, "SELECT id, bundle_hash FROM bills WHERE id IN (", &ids).await?.into_iter().collect();
                let bill_claims = if arbitrate { claims_in(&mut tx, "bill", &ids).await? } else { HashMap::new() };
                let mut changed = Vec::new();
                let mut stale = Stale::default();
                for b in n.bills {
                    if let Some(newer) = newer_snapshot(&bill_claims, &b.bill.id, &kind, b.as_of.as_deref()) {
                        stale.push(&b.origin, format!("{} as of {} (loaded: {newer})", b.bill.identifier, b.as_of.as_deref().unwrap_or_default()));
                        continue;
                    }
                    let key = if batch.record_bill_sources { b.source_key.clone().unwrap_or_else(|| b.bill.id.clone()) } else { b.bill.id.clone() };
                    if arbitrate {
                        claim_rows.push(ClaimRow::new("bill", &kind, key, &b.bill.id, claims::bill_parts(&b), b.as_of.as_deref(), &bill_claims));
                    }
                    if stored.get(&b.bill.id) == Some(&b.bill.bundle_hash) {
                        ws.counts.unchanged += 1;
                    } else {
                        changed.push(b);
                    }
                }
                let existing: Vec<String> = changed.iter().filter(|b| stored.contains_key(&b.bill.id)).map(|b| b.bill.id.clone()).collect();
                let mut old = OldBills::default();
                if !existing.is_empty() {
                    old.bills = select_in::<BillRow>(&mut tx, "id", &existing).await?.into_iter().map(|b| (b.id.clone(), b)).collect();
                    old.actions = group(select_in::<ActionRow>(&mut tx, "bill_id", &existing).await?, |r| &r.bill_id);
                    old.sponsorships = group(select_in::<SponsorshipRow>(&mut tx, "bill_id", &existing).await?, |r| &r.bill_id);
                    old.versions = group(select_in::<DocumentRow>(&mut tx, "bill_id", &existing).await?, |r| &r.bill_id);
                    old.documents = group(
                        select_in_docs(&mut tx, &existing).await?,
                        |r| &r.bill_id,
                    );
                }
                let mut merged = Vec::with_capacity(changed.len());
                for mut b in changed {
                    let id = b.bill.id.clone();
                    let others = others_of(&bill_claims, &id, &kind);
                    if !others.is_empty() {
                        let stored_bill = claims::StoredBill {
                            bill: old.bills.get(&id).cloned(),
                            actions: old.actions.get(&id).cloned().unwrap_or_default(),
                            sponsorships: old.sponsorships.get(&id).cloned().unwrap_or_default(),
                            versions: old.versions.get(&id).cloned().unwrap_or_default(),
                            documents: old.documents.get(&id).cloned().unwrap_or_default(),
                        };
                        claims::arbitrate_bill(&mut b, &kind, stored_bill, &others);
                    }
                    scope::complete_bill(&mut b, &old);
                    if stored.get(&id) == Some(&b.bill.bundle_hash) {
                        ws.counts.unchanged += 1;
                        continue;
                    }
                    merged.push(b);
                }
                merge::merge_bills(&mut ws, merged, old);

                // Votes: the id this source's vote was given before, else the same roll call
                // stored from another source, else its own.
                let mut votes = n.votes;
                let own_keys: Vec<String> = votes.iter().map(|v| v.vote.id.clone()).collect();
                if arbitrate && !votes.is_empty() {
                    let head = format!("SELECT source_key, entity_id FROM entity_sources WHERE entity_type = 'vote' AND source_kind = '{}' AND source_key IN (", kind.replace('\'', "''"));
                    let adopted: HashMap<String, String> = pairs_in(&mut tx, &head, &own_keys).await?.into_iter().collect();
                    let present: HashSet<String> = pairs_in(&mut tx, "SELECT id, id FROM votes WHERE id IN (", &own_keys).await?.into_iter().map(|(a, _)| a).collect();
                    let mut unmatched = Vec::new();
                    for (i, v) in votes.iter_mut().enumerate() {
                        match adopted.get(&own_keys[i]) {
                            Some(id) if *id != v.vote.id => v.reid(id),
                            Some(_) => {}
                            None if !present.contains(&v.vote.id) => unmatched.push(i),
                            None => {}
                        }
                    }
                    let bills: Vec<String> = unmatched.iter().filter_map(|&i| votes[i].vote.bill_id.clone()).collect::<HashSet<_>>().into_iter().collect();
                    if !bills.is_empty() {
                        let stored_votes = select_in::<VoteRow>(&mut tx, "bill_id", &bills).await?;
                        let ids: Vec<String> = stored_votes.iter().map(|v| v.id.clone()).collect();
                        let kinds = claims_in(&mut tx, "vote", &ids).await?;
                        let mut candidates: HashMap<String, Vec<claims::Candidate>> = HashMap::new();
                        for sv in &stored_votes {
                            if let Some(key) = claims::vote_key(sv) {
                                let k = kinds.get(&sv.id).map(|c| c.iter().map(|c| c.source_kind.clone()).collect()).unwrap_or_default();
                                candidates.entry(key.clone()).or_default().push(claims::Candidate { id: sv.id.clone(), key, tiebreak: claims::tiebreak(&sv.motion), kinds: k });
                            }
                        }
                        let mut taken = std::collections::BTreeSet::new();
                        for i in unmatched {
                            let Some(key) = claims::vote_key(&votes[i].vote) else { continue };
                            let tb = claims::tiebreak(&votes[i].vote.motion);
                            if let Some(c) = claims::match_one(&key, &tb, &kind, &candidates, &taken) {
                                taken.insert(c.id.clone());
                                let id = c.id.clone();
                                votes[i].reid(&id);
                            }
                        }
                    }
                }
                let ids: Vec<String> = votes.iter().map(|v| v.vote.id.clone()).collect();
                let stored: HashMap<String, String> = pairs_in(&mut tx, "SELECT id, bundle_hash FROM votes WHERE id IN (", &ids).await?.into_iter().collect();
                let vote_claims = if arbitrate { claims_in(&mut tx, "vote", &ids).await? } else { HashMap::new() };
                let votes: Vec<VoteBundle> = votes.into_iter().zip(&own_keys).filter_map(|(v, own)| {
                    if let Some(newer) = newer_snapshot(&vote_claims, &v.vote.id, &kind, v.as_of.as_deref()) {
                        stale.push(&v.origin, format!("vote {} as of {} (loaded: {newer})", v.vote.id, v.as_of.as_deref().unwrap_or_default()));
                        return None;
                    }
                    if arbitrate {
                        claim_rows.push(ClaimRow::new("vote", &kind, own.clone(), &v.vote.id, claims::vote_parts(&v), v.as_of.as_deref(), &vote_claims));
                    }
                    Some(v)
                }).collect();
                let (same, changed): (Vec<_>, Vec<_>) = votes.into_iter().partition(|v| stored.get(&v.vote.id) == Some(&v.vote.bundle_hash));
                ws.counts.unchanged += same.len() as u64;
                let existing: Vec<String> = changed.iter().filter(|v| stored.contains_key(&v.vote.id)).map(|v| v.vote.id.clone()).collect();
                let mut old = OldVotes::default();
                if !existing.is_empty() {
                    old.votes = select_in::<VoteRow>(&mut tx, "id", &existing).await?.into_iter().map(|v| (v.id.clone(), v)).collect();
                    old.records = group(select_in::<VoteRecordRow>(&mut tx, "vote_id", &existing).await?, |r| &r.vote_id);
                }
                let mut merged = Vec::with_capacity(changed.len());
                for mut v in changed {
                    let id = v.vote.id.clone();
                    let others = others_of(&vote_claims, &id, &kind);
                    if !others.is_empty() {
                        let prior = old.votes.get(&id).cloned().map(|row| (row, old.records.get(&id).cloned().unwrap_or_default()));
                        claims::arbitrate_vote(&mut v, &kind, prior, &others);
                    }
                    if let Some(stored_vote) = old.votes.get(&id) {
                        scope::complete_vote_fields(&mut v, stored_vote);
                    }
                    if let Some(records) = old.records.get(&id) {
                        scope::adopt_vote_links(&mut v.records, records);
                        scope::complete_vote(&mut v, records);
                        v.rehash();
                    }
                    if stored.get(&id) == Some(&v.vote.bundle_hash) {
                        ws.counts.unchanged += 1;
                        continue;
                    }
                    merged.push(v);
                }
                merge::merge_votes(&mut ws, merged, old);

                // Hearings: the same three steps as votes.
                let mut events = n.events;
                let own_keys: Vec<String> = events.iter().map(|e| e.event.id.clone()).collect();
                if arbitrate && !events.is_empty() {
                    let head = format!("SELECT source_key, entity_id FROM entity_sources WHERE entity_type = 'event' AND source_kind = '{}' AND source_key IN (", kind.replace('\'', "''"));
                    let adopted: HashMap<String, String> = pairs_in(&mut tx, &head, &own_keys).await?.into_iter().collect();
                    let present: HashSet<String> = pairs_in(&mut tx, "SELECT id, id FROM events WHERE id IN (", &own_keys).await?.into_iter().map(|(a, _)| a).collect();
                    let mut unmatched = Vec::new();
                    for (i, e) in events.iter_mut().enumerate() {
                        match adopted.get(&own_keys[i]) {
                            Some(id) if *id != e.event.id => e.reid(id),
                            Some(_) => {}
                            None if !present.contains(&e.event.id) => unmatched.push(i),
                            None => {}
                        }
                    }
                    let jurs: Vec<String> = unmatched.iter().map(|&i| events[i].event.jurisdiction_id.clone()).collect::<HashSet<_>>().into_iter().collect();
                    if !jurs.is_empty() {
                        let dates: HashSet<chrono::NaiveDate> = unmatched.iter().filter_map(|&i| events[i].event.start_date).collect();
                        let stored_events: Vec<EventRow> = select_in::<EventRow>(&mut tx, "jurisdiction_id", &jurs).await?.into_iter().filter(|e| e.start_date.is_some_and(|d| dates.contains(&d))).collect();
                        let ids: Vec<String> = stored_events.iter().map(|e| e.id.clone()).collect();
                        let kinds = claims_in(&mut tx, "event", &ids).await?;
                        let mut candidates: HashMap<String, Vec<claims::Candidate>> = HashMap::new();
                        for se in &stored_events {
                            if let Some(key) = claims::event_key(se) {
                                let k = kinds.get(&se.id).map(|c| c.iter().map(|c| c.source_kind.clone()).collect()).unwrap_or_default();
                                candidates.entry(key.clone()).or_default().push(claims::Candidate { id: se.id.clone(), key, tiebreak: claims::tiebreak(&se.name), kinds: k });
                            }
                        }
                        let mut taken = std::collections::BTreeSet::new();
                        for i in unmatched {
                            let Some(key) = claims::event_key(&events[i].event) else { continue };
                            let tb = claims::tiebreak(&events[i].event.name);
                            if let Some(c) = claims::match_one(&key, &tb, &kind, &candidates, &taken) {
                                taken.insert(c.id.clone());
                                let id = c.id.clone();
                                events[i].reid(&id);
                            }
                        }
                    }
                }
                let ids: Vec<String> = events.iter().map(|e| e.event.id.clone()).collect();
                let stored: HashMap<String, String> = pairs_in(&mut tx, "SELECT id, bundle_hash FROM events WHERE id IN (", &ids).await?.into_iter().collect();
                let event_claims = if arbitrate { claims_in(&mut tx, "event", &ids).await? } else { HashMap::new() };
                let events: Vec<EventBundle> = events.into_iter().zip(&own_keys).filter_map(|(e, own)| {
                    if let Some(newer) = newer_snapshot(&event_claims, &e.event.id, &kind, e.as_of.as_deref()) {
                        stale.push(&e.origin, format!("hearing {} as of {} (loaded: {newer})", e.event.name, e.as_of.as_deref().unwrap_or_default()));
                        return None;
                    }
                    if arbitrate {
                        claim_rows.push(ClaimRow::new("event", &kind, own.clone(), &e.event.id, claims::event_parts(&e), e.as_of.as_deref(), &event_claims));
                    }
                    Some(e)
                }).collect();
                let (same, changed): (Vec<_>, Vec<_>) = events.into_iter().partition(|e| stored.get(&e.event.id) == Some(&e.event.bundle_hash));
                ws.counts.unchanged += same.len() as u64;
                let existing: Vec<String> = changed.iter().filter(|e| stored.contains_key(&e.event.id)).map(|e| e.event.id.clone()).collect();
                let mut old = OldEvents::default();
                if !existing.is_empty() {
                    old.events = select_in::<EventRow>(&mut tx, "id", &existing).await?.into_iter().map(|e| (e.id.clone(), e)).collect();
                    old.agenda = group(select_in::<AgendaRow>(&mut tx, "event_id", &existing).await?, |r| &r.event_id);
                }
                let mut merged = Vec::with_capacity(changed.len());
                for mut e in changed {
                    let id = e.event.id.clone();
                    let others = others_of(&event_claims, &id, &kind);
                    if !others.is_empty() {
                        let prior = old.events.get(&id).cloned().map(|row| (row, old.agenda.get(&id).cloned().unwrap_or_default()));
                        claims::arbitrate_event(&mut e, &kind, prior, &others);
                    }
                    if let Some(agenda) = old.agenda.get(&id) {
                        scope::complete_event(&mut e, agenda);
                    }
                    if stored.get(&id) == Some(&e.event.bundle_hash) {
                        ws.counts.unchanged += 1;
                        continue;
                    }
                    merged.push(e);
                }
                merge::merge_events(&mut ws, merged, old);

                // 3. Writes.
                upsert(&mut tx, &ws.jurisdictions, run_id).await?;
                upsert(&mut tx, &ws.sessions, run_id).await?;
                upsert(&mut tx, &ws.organizations, run_id).await?;
                upsert(&mut tx, &ws.people, run_id).await?;
                upsert(&mut tx, &ws.person_roles, run_id).await?;
                upsert(&mut tx, &ws.person_offices, run_id).await?;
                upsert(&mut tx, &ws.memberships, run_id).await?;
                upsert(&mut tx, &ws.bills, run_id).await?;
                upsert(&mut tx, &ws.actions, run_id).await?;
                upsert(&mut tx, &ws.sponsorships, run_id).await?;
                upsert(&mut tx, &ws.versions, run_id).await?;
                let docs: Vec<Doc> = ws.documents.iter().cloned().map(Doc).collect();
                upsert(&mut tx, &docs, run_id).await?;
                upsert(&mut tx, &ws.votes, run_id).await?;
                upsert(&mut tx, &ws.vote_records, run_id).await?;
                upsert(&mut tx, &ws.events, run_id).await?;
                upsert(&mut tx, &ws.agenda, run_id).await?;
                let mut deletes: HashMap<&str, Vec<String>> = HashMap::new();
                for (t, id) in &ws.deletes {
                    deletes.entry(*t).or_default().push(id.clone());
                    if matches!(*t, "bill_versions" | "bill_documents") {
                        deletes.entry("bill_texts").or_default().push(id.clone());
                    }
                }
                for (t, ids) in deletes {
                    delete_ids(&mut tx, t, &ids).await?;
                }
                upsert(&mut tx, &ws.texts, run_id).await?;
                let diffs = version_diffs(&mut tx, &mut ws.changes).await?;
                upsert(&mut tx, &diffs, run_id).await?;
                let rediffs = quiet_diffs(&mut tx, &ws.rediff).await?;
                upsert(&mut tx, &rediffs, run_id).await?;
                let claim_rows: Vec<ClaimRow> = claim_rows.into_iter().filter(|c| !c.unchanged).collect();
                for chunk in claim_rows.chunks(2_000) {
                    let mut qb = QueryBuilder::<Db>::new("INSERT INTO entity_sources (entity_type, source_kind, source_key, entity_id, parts, first_run_id, updated_run_id, as_of) ");
                    qb.push_values(chunk, |mut sep, c| {
                        sep.push_bind(c.entity_type);
                        sep.push_bind(kind.clone());
                        sep.push_bind(c.source_key.clone());
                        sep.push_bind(c.entity_id.clone());
                        sep.push_bind(c.parts.clone());
                        sep.push_bind(run_id);
                        sep.push_bind(run_id);
                        sep.push_bind(c.as_of.clone());
                    });
                    qb.push(" ON CONFLICT (entity_type, source_kind, source_key) DO UPDATE SET entity_id = excluded.entity_id, parts = excluded.parts, updated_run_id = excluded.updated_run_id, as_of = COALESCE(excluded.as_of, entity_sources.as_of)");
                    qb.build().execute(&mut *tx).await?;
                }
                // The merges' ledger events and the derived rows they remove.
                for (table, change, alias) in identity_merges {
                    ws.changes.push(change);
                    if let Some(alias) = alias {
                        delete_ids(&mut tx, table, &[alias]).await?;
                    }
                }
                let change_count = ws.changes.len();
                let people_changed = !ws.people.is_empty() || ws.changes.iter().any(|c| c.kind == "person_merged");
                append_changes(&mut tx, run_id, &ws.changes).await?;
                record_payloads(&mut tx, run_id, &batch.pipeline, &batch.source, &batch.payloads).await?;
                warnings.extend(stale.warnings());
                warnings.extend(batch.warnings.drain(..));
                warnings.extend(n.warnings);
                record_warnings(&mut tx, run_id, &batch.source, &warnings).await?;
                tx.commit().await?;
                Ok(LoadOutcome { counts: ws.counts, people_changed, changes: change_count, warnings })
            }

            async fn select_in_docs(tx: &mut Tx, bill_ids: &[String]) -> Result<Vec<DocumentRow>, sqlx::Error> {
                let mut out = Vec::new();
                for chunk in bill_ids.chunks(IN_CHUNK) {
                    let mut qb = QueryBuilder::<Db>::new(format!("SELECT {} FROM bill_documents WHERE bill_id IN (", DocumentRow::COLUMNS.join(", ")));
                    let mut sep = qb.separated(", ");
                    for k in chunk {
                        sep.push_bind(k.clone());
                    }
                    qb.push(")");
                    out.extend(qb.build_query_as::<DocumentRow>().fetch_all(&mut **tx).await?);
                }
                Ok(out)
            }

            /// Appends change events with gapless, increasing sequence numbers. The caller's
            /// transaction holds the ledger's write lock, so numbers follow commit order.
            /// Diffs for the versions whose text arrived in this batch (added with a text, or
            /// a text added or changed later), each against the previous version (by ordinal)
            /// that has a text; the version's change event names its diff under `diff`. Runs
            /// after the batch's texts are written, inside its transaction.
            async fn version_diffs(tx: &mut Tx, changes: &mut [Change]) -> Result<Vec<DiffRow>, sqlx::Error> {
                let targets: Vec<usize> = changes.iter().enumerate().filter(|(_, c)| crate::warehouse::diffs::wants_diff(c)).map(|(i, _)| i).collect();
                if targets.is_empty() {
                    return Ok(Vec::new());
                }
                let bills: Vec<String> = targets.iter().filter_map(|i| changes[*i].bill_id.clone()).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
                let texts = bill_version_texts(tx, &bills).await?;
                Ok(crate::warehouse::diffs::diff_versions(changes, &targets, texts))
            }

            /// The diffs of every version of `bills` (whose texts a newer extractor made again),
            /// made again without change events.
            async fn quiet_diffs(tx: &mut Tx, bills: &[String]) -> Result<Vec<DiffRow>, sqlx::Error> {
                if bills.is_empty() {
                    return Ok(Vec::new());
                }
                let texts = bill_version_texts(tx, bills).await?;
                Ok(crate::warehouse::diffs::rediff(texts))
            }

            /// (version id, bill id, ordinal, text) of every version of `bills` with a text.
            async fn bill_version_texts(tx: &mut Tx, bills: &[String]) -> Result<Vec<(String, String, i64, String)>, sqlx::Error> {
                let mut texts: Vec<(String, String, i64, String)> = Vec::new();
                for chunk in bills.chunks(IN_CHUNK) {
                    let mut qb = QueryBuilder::<Db>::new("SELECT v.id, v.bill_id, v.ordinal, t.text FROM bill_versions v JOIN bill_texts t ON t.id = v.id WHERE v.bill_id IN (");
                    let mut sep = qb.separated(", ");
                    for k in chunk {
                        sep.push_bind(k.clone());
                    }
                    qb.push(")");
                    texts.extend(qb.build_query_as::<(String, String, i64, String)>().fetch_all(&mut **tx).await?);
                }
                Ok(texts)
            }

            async fn append_changes(tx: &mut Tx, run_id: i64, changes: &[Change]) -> Result<(), sqlx::Error> {
                if changes.is_empty() {
                    return Ok(());
                }
                let base: i64 = sqlx::query_scalar::<Db, i64>("SELECT COALESCE(MAX(seq), 0) FROM change_events").fetch_one(&mut **tx).await?;
                let at = now();
                for (ci, chunk) in changes.chunks(2_000).enumerate() {
                    let mut qb = QueryBuilder::<Db>::new(
                        "INSERT INTO change_events (seq, run_id, recorded_at, jurisdiction_id, entity_type, entity_id, bill_id, kind, changes) ",
                    );
                    qb.push_values(chunk.iter().enumerate(), |mut sep, (i, c)| {
                        sep.push_bind(base + (ci * 2_000 + i) as i64 + 1);
                        sep.push_bind(run_id);
                        sep.push_bind(at);
                        sep.push_bind(c.jurisdiction_id.clone());
                        sep.push_bind(c.entity_type.to_string());
                        sep.push_bind(c.entity_id.clone());
                        sep.push_bind(c.bill_id.clone());
                        sep.push_bind(c.kind.clone());
                        sep.push_bind(c.changes.to_string());
                    });
                    qb.build().execute(&mut **tx).await?;
                }
                Ok(())
            }

            async fn record_payloads(tx: &mut Tx, run_id: i64, pipeline: &str, source: &str, payloads: &[PayloadRecord]) -> Result<(), sqlx::Error> {
                for chunk in payloads.chunks(2_000) {
                    let mut qb = QueryBuilder::<Db>::new(
                        "INSERT INTO raw_payloads (run_id, pipeline, source, location, fetched_at, http_status, sha256, bytes, etag, last_modified, loaded) ",
                    );
                    qb.push_values(chunk, |mut sep, p| {
                        sep.push_bind(run_id);
                        sep.push_bind(pipeline.to_string());
                        sep.push_bind(source.to_string());
                        sep.push_bind(p.location.clone());
                        sep.push_bind(p.fetched_at);
                        sep.push_bind(p.http_status.map(i64::from));
                        sep.push_bind(p.sha256.clone());
                        sep.push_bind(p.bytes as i64);
                        sep.push_bind(p.etag.clone());
                        sep.push_bind(p.last_modified.clone());
                        sep.push_bind(p.loaded);
                    });
                    qb.build().execute(&mut **tx).await?;
                }
                Ok(())
            }

            async fn record_warnings(tx: &mut Tx, run_id: i64, source: &str, warnings: &[Warning]) -> Result<(), sqlx::Error> {
                for chunk in warnings.chunks(2_000) {
                    let mut qb = QueryBuilder::<Db>::new("INSERT INTO warnings (run_id, source, location, record, message) ");
                    qb.push_values(chunk, |mut sep, w| {
                        sep.push_bind(run_id);
                        sep.push_bind(source.to_string());
                        sep.push_bind(w.location.clone());
                        sep.push_bind(w.record.clone());
                        sep.push_bind(w.message.clone());
                    });
                    qb.build().execute(&mut **tx).await?;
                }
                Ok(())
            }

            /// Payloads recorded outside a load (unparseable, or fetched and unchanged).
            pub async fn record_payloads_now(pool: &Pool, run_id: i64, pipeline: &str, source: &str, payloads: &[PayloadRecord], warnings: &[Warning]) -> Result<(), sqlx::Error> {
                let mut tx = pool.begin().await?;
                record_payloads(&mut tx, run_id, pipeline, source, payloads).await?;
                record_warnings(&mut tx, run_id, source, warnings).await?;
                tx.commit().await
            }

            /// location → sha256 of the last payload of each location that was loaded.
            pub async fn loaded_hashes(pool: &Pool, pipeline: &str, source: &str) -> Result<HashMap<String, String>, sqlx::Error> {
                let rows: Vec<(String, String)> = sqlx::query_as::<Db, (String, String)>(
                    "SELECT p.location, p.sha256 FROM raw_payloads p
                     WHERE p.pipeline = $1 AND p.source = $2 AND p.loaded = $3
                       AND p.id = (SELECT MAX(q.id) FROM raw_payloads q
                                   WHERE q.pipeline = p.pipeline AND q.source = p.source
                                     AND q.location = p.location AND q.loaded = $3)",
                )
                .bind(pipeline)
                .bind(source)
                .bind(true)
                .fetch_all(pool)
                .await?;
                Ok(rows.into_iter().collect())
            }

            /// The last loaded payload of one location: (sha256, etag, last_modified).
            pub async fn last_payload(pool: &Pool, pipeline: &str, source: &str, location: &str) -> Result<Option<(String, Option<String>, Option<String>)>, sqlx::Error> {
                sqlx::query_as::<Db, (String, Option<String>, Option<String>)>(
                    "SELECT sha256, etag, last_modified FROM raw_payloads
                     WHERE pipeline = $1 AND source = $2 AND location = $3 AND loaded = $4
                     ORDER BY id DESC LIMIT 1",
                )
                .bind(pipeline)
                .bind(source)
                .bind(location)
                .bind(true)
                .fetch_optional(pool)
                .await
            }

            /// Starts a run. The caller holds the pipeline's lock, so a run of it still marked
            /// `running` was cut off (killed, machine lost): it is marked `abandoned`.
            pub async fn begin_run(pool: &Pool, pipeline: &str, at: DateTime<Utc>) -> Result<i64, sqlx::Error> {
                sqlx::query::<Db>("UPDATE runs SET status = 'abandoned' WHERE pipeline = $1 AND status = 'running'")
                    .bind(pipeline)
                    .execute(pool)
                    .await?;
                sqlx::query_scalar::<Db, i64>("INSERT INTO runs (pipeline, started_at, status) VALUES ($1, $2, 'running') RETURNING id")
                    .bind(pipeline)
                    .bind(at)
                    .fetch_one(pool)
                    .await
            }

            pub async fn finish_run(pool: &Pool, run_id: i64, status: &str, summary: &Value, t: &RunTotals, at: DateTime<Utc>) -> Result<(), sqlx::Error> {
                sqlx::query::<Db>(
                    "UPDATE runs SET finished_at = $1, status = $2, summary = $3, requests = $4, bytes = $5, records = $6,
                        changes = $7, warnings = $8, duration_ms = $9 WHERE id = $10",
                )
                .bind(at)
                .bind(status)
                .bind(summary.to_string())
                .bind(t.requests)
                .bind(t.bytes)
                .bind(t.records)
                .bind(t.changes)
                .bind(t.warnings)
                .bind(t.duration_ms)
                .bind(run_id)
                .execute(pool)
                .await
                .map(|_| ())
            }

            /// The pipeline's runs, as scheduling needs them: a run counts from when it ended (an
            /// abandoned one, from when it started), so the ticks that fell while it ran are its.
            pub async fn run_history(pool: &Pool, pipeline: &str) -> Result<crate::schedule::History, sqlx::Error> {
                let success: Option<(i64, DateTime<Utc>)> = sqlx::query_as::<Db, (i64, DateTime<Utc>)>(
                    "SELECT id, COALESCE(finished_at, started_at) FROM runs WHERE pipeline = $1 AND status = 'succeeded' ORDER BY id DESC LIMIT 1",
                )
                .bind(pipeline)
                .fetch_optional(pool)
                .await?;
                let since = success.map_or(0, |s| s.0);
                let failures: i64 = sqlx::query_scalar::<Db, i64>(
                    "SELECT COUNT(*) FROM runs WHERE pipeline = $1 AND id > $2 AND status IN ('failed', 'interrupted', 'abandoned')",
                )
                .bind(pipeline)
                .bind(since)
                .fetch_one(pool)
                .await?;
                let last_attempt: Option<DateTime<Utc>> = sqlx::query_scalar::<Db, DateTime<Utc>>(
                    "SELECT COALESCE(finished_at, started_at) FROM runs WHERE pipeline = $1 AND status <> 'running' ORDER BY id DESC LIMIT 1",
                )
                .bind(pipeline)
                .fetch_optional(pool)
                .await?;
                Ok(crate::schedule::History { last_success: success.map(|s| s.1), failures_since: failures as u32, last_attempt })
            }

            /// A source's most recent runs, newest first.
            pub async fn source_runs(pool: &Pool, pipeline: &str, source: &str, limit: i64) -> Result<Vec<SourceRun>, sqlx::Error> {
                sqlx::query_as::<Db, SourceRun>(
                    "SELECT s.run_id, s.status, s.payloads, s.unchanged_payloads, s.records, s.error, s.finished_at
                     FROM run_sources s JOIN runs r ON r.id = s.run_id
                     WHERE r.pipeline = $1 AND s.source = $2 ORDER BY s.run_id DESC LIMIT $3",
                )
                .bind(pipeline)
                .bind(source)
                .bind(limit)
                .fetch_all(pool)
                .await
            }

            /// Records an operator alert once per streak; false if it was already recorded.
            pub async fn insert_operator_alert(pool: &Pool, a: &NewOperatorAlert) -> Result<bool, sqlx::Error> {
                let r = sqlx::query::<Db>(
                    "INSERT INTO operator_alerts (pipeline, source, kind, first_run_id, last_run_id, streak, message, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                     ON CONFLICT (pipeline, source, kind, first_run_id) DO NOTHING",
                )
                .bind(&a.pipeline)
                .bind(&a.source)
                .bind(&a.kind)
                .bind(a.first_run_id)
                .bind(a.last_run_id)
                .bind(a.streak)
                .bind(&a.message)
                .bind(now())
                .execute(pool)
                .await?;
                Ok(r.rows_affected() == 1)
            }

            pub async fn record_source(pool: &Pool, run_id: i64, r: &SourceReport) -> Result<(), sqlx::Error> {
                sqlx::query::<Db>(
                    "INSERT INTO run_sources (run_id, source, kind, started_at, finished_at, status, requests, bytes, payloads,
                        unchanged_payloads, records, inserted, updated, unchanged, changes, warnings, error)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
                )
                .bind(run_id)
                .bind(&r.source)
                .bind(&r.kind)
                .bind(r.started_at)
                .bind(r.finished_at)
                .bind(&r.status)
                .bind(r.requests as i64)
                .bind(r.bytes as i64)
                .bind(r.payloads as i64)
                .bind(r.unchanged_payloads as i64)
                .bind(r.records as i64)
                .bind(r.counts.inserted as i64)
                .bind(r.counts.updated as i64)
                .bind(r.counts.unchanged as i64)
                .bind(r.changes as i64)
                .bind(r.warnings as i64)
                .bind(&r.error)
                .execute(pool)
                .await
                .map(|_| ())
            }

            pub async fn get_state(pool: &Pool, pipeline: &str, source: &str, key: &str) -> Result<Option<String>, sqlx::Error> {
                sqlx::query_scalar::<Db, String>("SELECT value FROM source_state WHERE pipeline = $1 AND source = $2 AND key = $3")
                    .bind(pipeline)
                    .bind(source)
                    .bind(key)
                    .fetch_optional(pool)
                    .await
            }

            pub async fn set_state(pool: &Pool, pipeline: &str, source: &str, key: &str, value: &str) -> Result<(), sqlx::Error> {
                sqlx::query::<Db>(
                    "INSERT INTO source_state (pipeline, source, key, value, updated_at) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (pipeline, source, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                )
                .bind(pipeline)
                .bind(source)
                .bind(key)
                .bind(value)
                .bind(now())
                .execute(pool)
                .await
                .map(|_| ())
            }

            /// Stored votes and hearings whose bill was missing when they were loaded and
            /// has arrived since, as bundles ready to load again (see `Warehouse::relink`).
            pub async fn orphans(pool: &Pool) -> Result<(Vec<VoteBundle>, Vec<EventBundle>), sqlx::Error> {
                let mut conn = pool.acquire().await?;
                let cols = VoteRow::COLUMNS.iter().map(|c| format!("v.{c}")).collect::<Vec<_>>().join(", ");
                let votes: Vec<VoteRow> = sqlx::query_as::<Db, VoteRow>(AssertSqlSafe(format!(
                    "SELECT {cols} FROM votes v JOIN bills b
                       ON b.jurisdiction_id = v.jurisdiction_id AND b.session = v.session AND b.identifier = v.bill_identifier
                     WHERE v.bill_id IS NULL AND v.bill_identifier IS NOT NULL"
                )))
                .fetch_all(&mut *conn)
                .await?;
                let event_ids: Vec<(String, String)> = sqlx::query_as::<Db, (String, String)>(
                    "SELECT DISTINCT g.event_id, g.event_id FROM event_agenda g
                       JOIN events e ON e.id = g.event_id
                       JOIN bills b ON b.jurisdiction_id = e.jurisdiction_id AND b.identifier = g.bill_identifier
                     WHERE g.bill_id IS NULL AND g.bill_identifier IS NOT NULL",
                )
                .fetch_all(&mut *conn)
                .await?;
                drop(conn);
                let mut tx = pool.begin().await?;
                let ids: Vec<String> = votes.iter().map(|v| v.id.clone()).collect();
                let mut records = group(select_in::<VoteRecordRow>(&mut tx, "vote_id", &ids).await?, |r| &r.vote_id);
                let mut vote_bundles = Vec::new();
                for mut vote in votes {
                    let mut recs = records.remove(&vote.id).unwrap_or_default();
                    recs.sort_by_key(|r| r.ordinal);
                    vote.bill_id = vote.bill_identifier.as_ref().map(|i| crate::normalize::ids::bill_id(&vote.jurisdiction_id, &vote.session, i));
                    let mut b = VoteBundle { vote, records: recs, bill_source_key: None, origin: "relink".into(), records_complete: true, as_of: None };
                    b.rehash();
                    vote_bundles.push(b);
                }
                let ids: Vec<String> = event_ids.into_iter().map(|(e, _)| e).collect();
                let mut agenda = group(select_in::<AgendaRow>(&mut tx, "event_id", &ids).await?, |r| &r.event_id);
                let mut event_bundles = Vec::new();
                for event in select_in::<EventRow>(&mut tx, "id", &ids).await? {
                    let mut items = agenda.remove(&event.id).unwrap_or_default();
                    items.sort_by_key(|r| r.ordinal);
                    event_bundles.push(EventBundle { event, agenda: items, origin: "relink".into(), agenda_complete: true, as_of: None });
                }
                tx.rollback().await?;
                Ok((vote_bundles, event_bundles))
            }

            /// Stored votes and bills of a jurisdiction with a voter or sponsor, not linked to a
            /// person, whose name is now a person's (after people were loaded or renamed).
            pub async fn people_orphans(pool: &Pool, jurisdiction_id: &str) -> Result<(Vec<VoteBundle>, Vec<BillBundle>), sqlx::Error> {
                let mut tx = pool.begin().await?;
                let index = people_index(&mut tx, &[jurisdiction_id.to_string()], &Default::default()).await?;
                // Unlinked voters whose name now finds someone (matched in Rust: printed names
                // take the tiers of `warehouse::people`, which SQL cannot).
                let unlinked: Vec<(String, String, Option<String>, Option<chrono::NaiveDate>)> = sqlx::query_as(
                    "SELECT DISTINCT v.id, r.voter_name, v.organization, v.date FROM vote_records r
                       JOIN votes v ON v.id = r.vote_id
                     WHERE r.person_id IS NULL AND v.jurisdiction_id = $1",
                )
                .bind(jurisdiction_id)
                .fetch_all(&mut *tx)
                .await?;
                let chamber = |o: &Option<String>| o.as_deref().filter(|o| matches!(*o, "upper" | "lower" | "legislature")).map(str::to_string);
                let mut vote_ids: Vec<String> = unlinked
                    .into_iter()
                    .filter(|(_, name, org, date)| index.find(jurisdiction_id, chamber(org).as_deref(), *date, name).is_some())
                    .map(|(v, ..)| v)
                    .collect();
                // Voters linked to a person since merged into another (`entity_merges`).
                let merged: Vec<String> = sqlx::query_scalar(
                    "SELECT DISTINCT r.vote_id FROM vote_records r JOIN entity_merges m ON m.alias_id = r.person_id
                     WHERE m.entity_type = 'person' AND m.jurisdiction_id = $1",
                )
                .bind(jurisdiction_id)
                .fetch_all(&mut *tx)
                .await?;
                vote_ids.extend(merged);
                vote_ids.sort();
                vote_ids.dedup();
                let ids = vote_ids;
                let mut records = group(select_in::<VoteRecordRow>(&mut tx, "vote_id", &ids).await?, |r| &r.vote_id);
                let mut votes = Vec::new();
                for vote in select_in::<VoteRow>(&mut tx, "id", &ids).await? {
                    let mut recs = records.remove(&vote.id).unwrap_or_default();
                    recs.sort_by_key(|r| r.ordinal);
                    votes.push(VoteBundle { vote, records: recs, bill_source_key: None, origin: "relink".into(), records_complete: true, as_of: None });
                }
                let unlinked: Vec<(String, String, Option<String>, Option<chrono::NaiveDate>)> = sqlx::query_as(
                    "SELECT DISTINCT b.id, s.name, s.chamber, b.first_action_date FROM bill_sponsorships s
                       JOIN bills b ON b.id = s.bill_id
                     WHERE s.person_id IS NULL AND s.entity_type = 'person' AND b.jurisdiction_id = $1",
                )
                .bind(jurisdiction_id)
                .fetch_all(&mut *tx)
                .await?;
                let mut bill_ids: Vec<String> = unlinked
                    .into_iter()
                    .filter(|(_, name, ch, date)| index.find(jurisdiction_id, chamber(ch).as_deref(), *date, name).is_some())
                    .map(|(b, ..)| b)
                    .collect();
                let merged: Vec<String> = sqlx::query_scalar(
                    "SELECT DISTINCT s.bill_id FROM bill_sponsorships s JOIN entity_merges m ON m.alias_id = s.person_id
                     WHERE m.entity_type = 'person' AND m.jurisdiction_id = $1",
                )
                .bind(jurisdiction_id)
                .fetch_all(&mut *tx)
                .await?;
                bill_ids.extend(merged);
                bill_ids.sort();
                bill_ids.dedup();
                let ids = bill_ids;
                let mut actions = group(select_in::<ActionRow>(&mut tx, "bill_id", &ids).await?, |r| &r.bill_id);
                let mut sponsorships = group(select_in::<SponsorshipRow>(&mut tx, "bill_id", &ids).await?, |r| &r.bill_id);
                let mut versions = group(select_in::<DocumentRow>(&mut tx, "bill_id", &ids).await?, |r| &r.bill_id);
                let mut documents = group(select_in_docs(&mut tx, &ids).await?, |r| &r.bill_id);
                let mut bills = Vec::new();
                for bill in select_in::<BillRow>(&mut tx, "id", &ids).await? {
                    let mut a = actions.remove(&bill.id).unwrap_or_default();
                    a.sort_by_key(|r| r.ordinal);
                    let mut s = sponsorships.remove(&bill.id).unwrap_or_default();
                    s.sort_by_key(|r| r.ordinal);
                    let mut v = versions.remove(&bill.id).unwrap_or_default();
                    v.sort_by_key(|r| r.ordinal);
                    let mut d = documents.remove(&bill.id).unwrap_or_default();
                    d.sort_by_key(|r| r.ordinal);
                    bills.push(BillBundle { bill, actions: a, sponsorships: s, versions: v, documents: d, texts: Vec::new(), source_key: None, origin: "relink".into(), complete: crate::model::BillScope::FULL, as_of: None });
                }
                tx.rollback().await?;
                Ok((votes, bills))
            }

            fn bound<'q>(sql: &str, params: &[super::super::Param]) -> sqlx::query::Query<'q, Db, <Db as sqlx::Database>::Arguments> {
                use super::super::Param;
                let mut q = sqlx::query::<Db>(AssertSqlSafe(sql.to_string()));
                for p in params {
                    q = match p {
                        Param::Text(v) => q.bind(v.clone()),
                        Param::Int(v) => q.bind(*v),
                        Param::Bool(v) => q.bind(*v),
                        Param::Time(v) => q.bind(*v),
                        Param::Date(v) => q.bind(*v),
                    };
                }
                q
            }

            fn to_result(rows: &[<Db as sqlx::Database>::Row]) -> QueryResult {
                let columns: Vec<String> = rows.first().map(|r| r.columns().iter().map(|c| c.name().to_string()).collect()).unwrap_or_default();
                let rows = rows
                    .iter()
                    .map(|row| (0..row.columns().len()).map(|i| super::super::value::decode(row, i)).collect())
                    .collect();
                QueryResult { columns, rows }
            }

            /// Runs one statement with bound parameters and returns its rows as JSON values.
            pub async fn fetch(pool: &Pool, sql: &str, params: &[super::super::Param]) -> Result<QueryResult, sqlx::Error> {
                let rows = bound(sql, params).fetch_all(pool).await?;
                Ok(to_result(&rows))
            }

            /// Runs statements in one write transaction; returns the rows each affected.
            pub async fn execute_all(pool: &Pool, stmts: &[(String, Vec<super::super::Param>)]) -> Result<Vec<u64>, sqlx::Error> {
                let mut tx = super::super::WritePool::begin_write(pool).await?;
                let mut out = Vec::with_capacity(stmts.len());
                for (sql, params) in stmts {
                    out.push(bound(sql, params).execute(&mut *tx).await?.rows_affected());
                }
                tx.commit().await?;
                Ok(out)
            }

            /// Runs any SQL; its rows as they come, as JSON values, the first with the column names.
            pub fn stream<'a>(pool: &'a Pool, sql: &str) -> super::super::RowStream<'a> {
                let mut first = true;
                sqlx::query::<Db>(AssertSqlSafe(sql.to_string()))
                    .fetch(pool)
                    .map_ok(move |row| {
                        let names = std::mem::take(&mut first).then(|| row.columns().iter().map(|c| c.name().to_string()).collect());
                        (names, (0..row.columns().len()).map(|i| super::super::value::decode(&row, i)).collect())
                    })
                    .boxed()
            }

            /// A statement's column names without its rows (a result with no rows still has a
            /// header); none when the database cannot describe it.
            pub async fn columns(pool: &Pool, sql: &str) -> Vec<String> {
                match sqlx::Executor::describe(pool, sqlx::SqlSafeStr::into_sql_str(AssertSqlSafe(sql.to_string()))).await {
                    Ok(d) => d.columns().iter().map(|c| c.name().to_string()).collect(),
                    Err(_) => Vec::new(),
                }
            }
        }
    };
}

backend!(sqlite, sqlx::Sqlite, sqlx::SqlitePool, bind_sqlite);
backend!(postgres, sqlx::Postgres, sqlx::PgPool, bind_pg);
