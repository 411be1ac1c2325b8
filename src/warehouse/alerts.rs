//! The alert engine's SQL: coalitions, the ledger as alerts read it, the facts alerts carry,
//! the outbox, messages and the claim protocol. Reads return typed rows (`FromRow`), so a
//! mistyped column is an error, not a silent null. Written once, compiled for each backend.
//!
//! The claim protocol (docs/alerts.md, "Exactly once"): a sender claims due messages with
//! one atomic statement (`UPDATE … RETURNING`; on PostgreSQL the candidates are locked with
//! `FOR UPDATE SKIP LOCKED`, on SQLite the statement holds the write lock), naming itself as
//! `claimed_by` until `claimed_until` (a lease in wall-clock time). Only the claimer sends;
//! it renews its lease on a message just before sending it (a sender whose lease lapsed and
//! was taken over does not send), and records the outcome only while it still holds the
//! claim. A crashed sender's claims lapse and another sender retries them, with the same
//! Message-ID.

use super::{Warehouse, WritePool};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{AssertSqlSafe, QueryBuilder};
use std::collections::{HashMap, HashSet};

/// Ids per `IN (...)` list.
const IN_CHUNK: usize = 500;

/// A coalition as the warehouse holds it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CoalitionRow {
    pub id: String,
    pub config_hash: String,
    pub cursor_seq: i64,
    pub replay: bool,
    pub transport: String,
}

/// What [`Warehouse::replace_coalition`] writes: a coalition file's content.
#[derive(Debug, Clone, Default)]
pub struct CoalitionRecord {
    pub id: String,
    pub name: String,
    pub file: String,
    pub config_hash: String,
    pub unsubscribe: String,
    /// JSON lists.
    pub reminder_days: String,
    pub actions: String,
    pub replay: bool,
    /// `smtp` or `file`.
    pub transport: String,
    /// (id, name).
    pub groups: Vec<(String, String)>,
    pub leads: Vec<LeadRecord>,
    pub bills: Vec<TrackedRecord>,
    /// (kind, value).
    pub watches: Vec<(String, String)>,
}

#[derive(Debug, Clone, Default)]
pub struct LeadRecord {
    pub group_id: String,
    pub name: String,
    pub email: String,
    pub timezone: String,
    pub delivery: String,
    pub digest_hour: i64,
}

#[derive(Debug, Clone, Default)]
pub struct TrackedRecord {
    pub jurisdiction_id: String,
    pub identifier: String,
    pub session: String,
    pub group_id: String,
    pub position: String,
    pub assigned: bool,
}

/// What syncing a coalition did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Synced {
    /// The file changed (or is new) and was written.
    pub written: bool,
    /// Alerts and messages cancelled because their recipient is no longer a lead.
    pub cancelled: u64,
}

/// Which change events a pass of the alert engine reads: hearings and agenda items always,
/// new bills when some coalition watches terms, subjects, sponsors or committees, and the
/// events of tracked bills.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LedgerFilter {
    pub introduced: bool,
    pub bills: Vec<String>,
}

/// One change event, without its `changes` (read separately, for the events that match).
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerEntry {
    pub seq: i64,
    pub run_id: i64,
    pub recorded_at: DateTime<Utc>,
    pub jurisdiction_id: String,
    pub entity_id: String,
    pub bill_id: Option<String>,
    pub kind: String,
}

/// One change event of an entity, with its changes.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct EntityChange {
    pub seq: i64,
    pub run_id: i64,
    pub kind: String,
    pub changes: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BillRow {
    pub id: String,
    pub jurisdiction_id: String,
    pub session: String,
    pub identifier: String,
    pub title: String,
    pub source_url: Option<String>,
    pub latest_action_description: Option<String>,
    /// JSON list.
    pub subjects: String,
    pub abstract_text: Option<String>,
    pub jurisdiction_name: Option<String>,
    pub created_run_id: i64,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct SponsorRow {
    pub bill_id: String,
    pub name: String,
    pub person_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ActionTextRow {
    pub bill_id: String,
    pub description: String,
    /// JSON list.
    pub related_entities: String,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct VersionTextRow {
    pub id: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct VoteRow {
    pub motion: String,
    pub date: Option<NaiveDate>,
    pub result: String,
    pub organization: Option<String>,
    pub yes_count: i64,
    pub no_count: i64,
    pub abstain_count: i64,
    pub absent_count: i64,
    pub excused_count: i64,
    pub not_voting_count: i64,
    pub other_count: i64,
    pub source_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct VoterRow {
    pub voter_name: String,
    pub option: String,
    pub person_id: Option<String>,
}

/// A current legislator (`legislators`), as alerts name them.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct LegislatorRow {
    pub person_id: String,
    pub jurisdiction_id: String,
    pub name: String,
    pub chamber: Option<String>,
    pub district: Option<String>,
    pub party: Option<String>,
    pub email: Option<String>,
    pub capitol_phone: Option<String>,
    pub district_phone: Option<String>,
}

/// A committee of a jurisdiction with the names it goes by.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CommitteeRow {
    pub id: String,
    pub jurisdiction_id: String,
    pub chamber: Option<String>,
    pub name: String,
    /// JSON array.
    pub other_names: String,
}

/// A committee referral of a bill (an action classed `referral-committee`).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ReferralRow {
    pub bill_id: String,
    pub ordinal: i64,
    pub description: String,
    pub organization: Option<String>,
    /// JSON array of `{name, entity_type}`.
    pub related_entities: String,
}

/// One member of a committee's roster (`committee_rosters`).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct RosterRow {
    pub person_id: Option<String>,
    pub name: String,
    pub role: String,
    pub party: Option<String>,
    pub district: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct EventRow {
    pub id: String,
    pub jurisdiction_id: String,
    pub name: String,
    pub start_time: Option<DateTime<Utc>>,
    pub start_date: Option<NaiveDate>,
    pub all_day: bool,
    pub timezone: String,
    pub location: Option<String>,
    pub status: String,
    /// JSON list.
    pub participants: String,
    pub source_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AgendaRow {
    pub event_id: String,
    pub bill_id: Option<String>,
    pub bill_identifier: Option<String>,
    pub jurisdiction_id: String,
}

/// A hearing that takes up a bill, for reminders.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct UpcomingRow {
    pub id: String,
    pub start_date: Option<NaiveDate>,
    pub start_time: Option<DateTime<Utc>>,
    pub timezone: String,
}

/// An outbox row ready to be composed into a message.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DueAlert {
    pub id: i64,
    pub coalition_id: String,
    pub recipient: String,
    pub delivery: String,
    pub due_at: DateTime<Utc>,
    /// The coalition's transport (`smtp`, `file`), when the coalition is known.
    pub transport: Option<String>,
}

/// An outbox row to insert (a key already there is skipped).
#[derive(Debug, Clone, PartialEq)]
pub struct NewAlert {
    pub coalition_id: String,
    pub rule: String,
    pub recipient: String,
    pub dedupe_key: String,
    pub change_seq: Option<i64>,
    pub bill_id: Option<String>,
    /// The alert, as JSON.
    pub alert: String,
    pub delivery: String,
    pub due_at: DateTime<Utc>,
}

/// A message a sender claimed.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ClaimedMessage {
    pub id: i64,
    pub coalition_id: String,
    pub recipient: String,
    pub kind: String,
    pub attempts: i64,
    pub rfc_message_id: String,
}

/// A message that is due, as a dry run previews it (nothing is claimed).
pub type DueMessage = ClaimedMessage;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct StoredAlert {
    pub id: i64,
    pub alert: String,
}

/// How one delivery attempt ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Attempt {
    /// Sent (`smtp`) or written (`file`).
    Delivered {
        transport: String,
        subject: Option<String>,
    },
    Failed {
        transport: String,
        error: String,
        retry_at: DateTime<Utc>,
    },
}

/// What one attempt's record found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    Recorded,
    /// The sender's claim had lapsed and been taken: the attempt is recorded, the message's
    /// state is left to the new claimer.
    ClaimLost,
}

/// An operator alert a sender claimed.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ClaimedOperatorAlert {
    pub id: i64,
    pub pipeline: String,
    pub source: String,
    pub kind: String,
    pub streak: i64,
    pub message: String,
    pub attempts: i64,
}

const COALITION_COLUMNS: &str = "id, config_hash, cursor_seq, replay, transport";

/// Rows aggregated into one JSON array by the database, decoded into typed tuples.
fn decode_rows<T: serde::de::DeserializeOwned>(json: &str) -> Result<Vec<T>, sqlx::Error> {
    serde_json::from_str(json).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

/// A timestamp as either backend returns it as text (`2017-02-07 14:30:00+00:00`, RFC 3339).
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let t = s.trim().replacen(' ', "T", 1);
    DateTime::parse_from_rfc3339(&t)
        .ok()
        .map(|d| d.with_timezone(&Utc))
        .or_else(|| chrono::NaiveDateTime::parse_from_str(&t, "%Y-%m-%dT%H:%M:%S%.f").ok().map(|n| n.and_utc()))
}

fn parse_timestamp(s: &str) -> Result<DateTime<Utc>, sqlx::Error> {
    parse_time(s).ok_or_else(|| sqlx::Error::Decode(format!("not a timestamp: {s:?}").into()))
}

/// The kinds of change the alert engine reads whoever they concern, word for word the
/// `WHERE` of the partial index `change_events_alerts` (migration 0005): SQLite uses a
/// partial index only for a query that repeats its term.
macro_rules! alert_kinds {
    () => {
        "kind IN ('bill_introduced', 'hearing_scheduled', 'hearing_changed', 'hearing_cancelled', 'agenda_item_added', 'agenda_item_removed', 'membership_added', 'membership_changed', 'membership_removed')"
    };
}

/// The ledger's events of [`alert_kinds!`] in (`$1`, `$2`], in order, answered from the
/// partial index `change_events_alerts` alone (public for the test that checks the plan).
pub const LEDGER_BY_KIND: &str = concat!(
    "SELECT seq, run_id, recorded_at, jurisdiction_id, entity_id, bill_id, kind FROM change_events WHERE ",
    alert_kinds!(),
    " AND seq > $1 AND seq <= $2 ORDER BY seq"
);

/// Ledger rows aggregated as JSON arrays `[seq, run_id, recorded_at, jurisdiction_id,
/// entity_id, bill_id, kind]`.
fn ledger_entries(json: &str) -> Result<Vec<LedgerEntry>, sqlx::Error> {
    type Entry = (i64, i64, String, String, String, Option<String>, String);
    let rows: Vec<Entry> = decode_rows(json)?;
    rows.into_iter()
        .map(|(seq, run_id, recorded_at, jurisdiction_id, entity_id, bill_id, kind)| {
            Ok(LedgerEntry {
                seq,
                run_id,
                recorded_at: parse_timestamp(&recorded_at)?,
                jurisdiction_id,
                entity_id,
                bill_id,
                kind,
            })
        })
        .collect()
}

const HEARING_KINDS: &str = "('hearing_scheduled', 'hearing_changed', 'hearing_cancelled')";

macro_rules! backend {
    (
        $m:ident,
        $DB:ty,
        $Pool:ty,
        $skip_locked:literal,
        $json_list:literal,
        $by_jurisdiction:literal,
        $agg_open:literal,
        $agg_close:literal
    ) => {
        mod $m {
            use super::*;
            type Db = $DB;
            type Pool = $Pool;

            /// `SELECT … WHERE col IN (<ids>)`, chunked, rows of `T`.
            async fn select_in<T, V>(pool: &Pool, head: &str, tail: &str, ids: &[V]) -> Result<Vec<T>, sqlx::Error>
            where
                T: for<'r> sqlx::FromRow<'r, <Db as sqlx::Database>::Row> + Send + Unpin,
                V: Clone + for<'q> sqlx::Encode<'q, Db> + sqlx::Type<Db> + Send + Sync + 'static,
            {
                let mut out = Vec::new();
                for chunk in ids.chunks(IN_CHUNK) {
                    let mut qb = QueryBuilder::<Db>::new(head.to_string());
                    let mut list = qb.separated(", ");
                    for id in chunk {
                        list.push_bind(id.clone());
                    }
                    qb.push(")");
                    qb.push(tail.to_string());
                    out.extend(qb.build_query_as::<T>().fetch_all(pool).await?);
                }
                Ok(out)
            }

            pub(super) async fn coalitions(pool: &Pool, ids: &[String]) -> Result<Vec<CoalitionRow>, sqlx::Error> {
                select_in(pool, &format!("SELECT {COALITION_COLUMNS} FROM coalitions WHERE id IN ("), "", ids).await
            }

            pub(super) async fn replace_coalition(
                pool: &Pool,
                c: &CoalitionRecord,
                cursor: i64,
                now: DateTime<Utc>,
            ) -> Result<u64, sqlx::Error> {
                let mut tx = pool.begin_write().await?;
                let exists: i64 = sqlx::query_scalar::<Db, i64>("SELECT COUNT(*) FROM coalitions WHERE id = $1")
                    .bind(&c.id)
                    .fetch_one(&mut *tx)
                    .await?;
                if exists > 0 {
                    sqlx::query::<Db>(
                        "UPDATE coalitions SET name = $2, file = $3, config_hash = $4, unsubscribe = $5, reminder_days = $6, \
                         actions = $7, replay = $8, transport = $9, updated_at = $10 WHERE id = $1",
                    )
                    .bind(&c.id)
                    .bind(&c.name)
                    .bind(&c.file)
                    .bind(&c.config_hash)
                    .bind(&c.unsubscribe)
                    .bind(&c.reminder_days)
                    .bind(&c.actions)
                    .bind(c.replay)
                    .bind(&c.transport)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                } else {
                    sqlx::query::<Db>(
                        "INSERT INTO coalitions (id, name, file, config_hash, unsubscribe, reminder_days, actions, replay, \
                         transport, cursor_seq, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
                    )
                    .bind(&c.id)
                    .bind(&c.name)
                    .bind(&c.file)
                    .bind(&c.config_hash)
                    .bind(&c.unsubscribe)
                    .bind(&c.reminder_days)
                    .bind(&c.actions)
                    .bind(c.replay)
                    .bind(&c.transport)
                    .bind(cursor)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                for table in ["coalition_groups", "coalition_leads", "coalition_bills", "coalition_watches"] {
                    sqlx::query::<Db>(AssertSqlSafe(format!("DELETE FROM {table} WHERE coalition_id = $1")))
                        .bind(&c.id)
                        .execute(&mut *tx)
                        .await?;
                }
                // The file's rows, one multi-row INSERT per table.
                // In chunks: a statement binds at most 32,766 values (SQLite), 65,535 (PostgreSQL).
                for chunk in c.groups.chunks(1_000) {
                    let mut qb = QueryBuilder::<Db>::new("INSERT INTO coalition_groups (coalition_id, id, name) ");
                    qb.push_values(chunk, |mut row, (id, name)| {
                        row.push_bind(&c.id).push_bind(id).push_bind(name);
                    });
                    qb.build().execute(&mut *tx).await?;
                }
                for chunk in c.leads.chunks(1_000) {
                    let mut qb = QueryBuilder::<Db>::new(
                        "INSERT INTO coalition_leads (coalition_id, group_id, name, email, timezone, delivery, digest_hour) ",
                    );
                    qb.push_values(chunk, |mut row, l| {
                        row.push_bind(&c.id).push_bind(&l.group_id).push_bind(&l.name).push_bind(&l.email);
                        row.push_bind(&l.timezone).push_bind(&l.delivery).push_bind(l.digest_hour);
                    });
                    qb.push(" ON CONFLICT DO NOTHING").build().execute(&mut *tx).await?;
                }
                for chunk in c.bills.chunks(1_000) {
                    let mut qb = QueryBuilder::<Db>::new(
                        "INSERT INTO coalition_bills (coalition_id, jurisdiction_id, identifier, session, group_id, position, assigned) ",
                    );
                    qb.push_values(chunk, |mut row, b| {
                        row.push_bind(&c.id).push_bind(&b.jurisdiction_id).push_bind(&b.identifier).push_bind(&b.session);
                        row.push_bind(&b.group_id).push_bind(&b.position).push_bind(b.assigned);
                    });
                    qb.push(" ON CONFLICT DO NOTHING").build().execute(&mut *tx).await?;
                }
                for chunk in c.watches.chunks(1_000) {
                    let mut qb = QueryBuilder::<Db>::new("INSERT INTO coalition_watches (coalition_id, kind, value) ");
                    qb.push_values(chunk, |mut row, (kind, value)| {
                        row.push_bind(&c.id).push_bind(kind).push_bind(value);
                    });
                    qb.push(" ON CONFLICT DO NOTHING").build().execute(&mut *tx).await?;
                }
                // Whoever is no longer a lead gets nothing more: alerts not yet composed, and
                // messages not yet delivered, are cancelled.
                let gone = "recipient NOT IN (SELECT LOWER(email) FROM coalition_leads WHERE coalition_id = $1)";
                let alerts = sqlx::query::<Db>(AssertSqlSafe(format!(
                    "UPDATE alert_outbox SET cancelled_at = $2 WHERE coalition_id = $1 AND message_id IS NULL \
                     AND cancelled_at IS NULL AND {gone}"
                )))
                .bind(&c.id)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                let messages = sqlx::query::<Db>(AssertSqlSafe(format!(
                    "UPDATE alert_messages SET status = 'cancelled', claimed_by = NULL, claimed_until = NULL, \
                     last_error = 'the recipient is no longer a lead of the coalition' \
                     WHERE coalition_id = $1 AND status IN ('pending', 'retrying') AND {gone}"
                )))
                .bind(&c.id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                tx.commit().await?;
                Ok(alerts + messages)
            }

            pub(super) async fn ledger_end(pool: &Pool) -> Result<i64, sqlx::Error> {
                sqlx::query_scalar::<Db, i64>("SELECT COALESCE(MAX(seq), 0) FROM change_events").fetch_one(pool).await
            }

            /// New bills, hearings and agenda items in (after, until], in order: read from
            /// the partial index `change_events_alerts` alone.
            pub(super) async fn ledger_by_kind(pool: &Pool, after: i64, until: i64) -> Result<Vec<LedgerEntry>, sqlx::Error> {
                let sql = format!("SELECT {}seq, run_id, recorded_at, jurisdiction_id, entity_id, bill_id, kind{} FROM ({LEDGER_BY_KIND}) t", $agg_open, $agg_close);
                let json: String =
                    sqlx::query_scalar::<Db, String>(AssertSqlSafe(sql)).bind(after).bind(until).fetch_one(pool).await?;
                ledger_entries(&json)
            }

            /// These bills' events in (after, until], in order (change_events_bill).
            pub(super) async fn ledger_of_bills(
                pool: &Pool,
                after: i64,
                until: i64,
                bills: &[String],
            ) -> Result<Vec<LedgerEntry>, sqlx::Error> {
                if bills.is_empty() {
                    return Ok(Vec::new());
                }
                let list = serde_json::to_string(bills).expect("strings serialize");
                let sql = format!(
                    "SELECT {}seq, run_id, recorded_at, jurisdiction_id, entity_id, bill_id, kind{} FROM (\
                     SELECT seq, run_id, recorded_at, jurisdiction_id, entity_id, bill_id, kind FROM change_events \
                     WHERE bill_id IN ({}) AND seq > $1 AND seq <= $2 ORDER BY seq) t",
                    $agg_open, $agg_close, $json_list
                );
                let json: String = sqlx::query_scalar::<Db, String>(AssertSqlSafe(sql))
                    .bind(after)
                    .bind(until)
                    .bind(list)
                    .fetch_one(pool)
                    .await?;
                ledger_entries(&json)
            }

            pub(super) async fn changes_of(pool: &Pool, seqs: &[i64]) -> Result<Vec<(i64, String)>, sqlx::Error> {
                select_in(pool, "SELECT seq, changes FROM change_events WHERE seq IN (", "", seqs).await
            }

            pub(super) async fn hearing_changes(pool: &Pool, event_id: &str) -> Result<Vec<EntityChange>, sqlx::Error> {
                sqlx::query_as::<Db, EntityChange>(AssertSqlSafe(format!(
                    "SELECT seq, run_id, kind, changes FROM change_events WHERE entity_type = 'event' AND entity_id = $1 AND kind IN {HEARING_KINDS} ORDER BY seq"
                )))
                .bind(event_id)
                .fetch_all(pool)
                .await
            }

            pub(super) async fn first_load_run(pool: &Pool, jurisdiction_id: &str) -> Result<Option<i64>, sqlx::Error> {
                // The run of its earliest new bill (runs and sequence numbers grow together):
                // read in the (jurisdiction_id, seq) index's order, it stops at the first.
                sqlx::query_scalar::<Db, i64>(concat!(
                    "SELECT run_id FROM change_events ",
                    $by_jurisdiction,
                    " WHERE jurisdiction_id = $1 AND kind = 'bill_introduced' ORDER BY seq LIMIT 1"
                ))
                .bind(jurisdiction_id)
                .fetch_optional(pool)
                .await
            }

            pub(super) async fn hearing_arrived_in_run(pool: &Pool, event_id: &str, run_id: i64) -> Result<bool, sqlx::Error> {
                let n = sqlx::query_scalar::<Db, i64>(
                    "SELECT COUNT(*) FROM change_events WHERE entity_type = 'event' AND entity_id = $1 AND run_id = $2 AND kind IN ('hearing_scheduled', 'hearing_cancelled')",
                )
                .bind(event_id)
                .bind(run_id)
                .fetch_one(pool)
                .await?;
                Ok(n > 0)
            }

            pub(super) async fn removed_actions(pool: &Pool, bill_id: &str, run_id: i64) -> Result<Vec<String>, sqlx::Error> {
                sqlx::query_scalar::<Db, String>(
                    "SELECT changes FROM change_events WHERE bill_id = $1 AND run_id = $2 AND kind = 'action_removed'",
                )
                .bind(bill_id)
                .bind(run_id)
                .fetch_all(pool)
                .await
            }

            pub(super) async fn bills(pool: &Pool, ids: &[String]) -> Result<Vec<BillRow>, sqlx::Error> {
                let list = serde_json::to_string(ids).expect("strings serialize");
                bills_where(pool, &format!("b.id IN ({})", $json_list.replace("$3", "$1")), |q| q.bind(list)).await
            }

            async fn bills_where<'q>(
                pool: &Pool,
                condition: &str,
                bind: impl FnOnce(
                    sqlx::query::QueryScalar<'q, Db, String, <Db as sqlx::Database>::Arguments>,
                ) -> sqlx::query::QueryScalar<'q, Db, String, <Db as sqlx::Database>::Arguments>,
            ) -> Result<Vec<BillRow>, sqlx::Error> {
                let sql = format!(
                    "SELECT {}b.id, b.jurisdiction_id, b.session, b.identifier, b.title, b.source_url, \
                     b.latest_action_description, b.subjects, b.abstract_text, j.name, b.created_run_id{} \
                     FROM bills b LEFT JOIN jurisdictions j ON j.id = b.jurisdiction_id WHERE {condition}",
                    $agg_open,
                    $agg_close,
                );
                let json: String = bind(sqlx::query_scalar::<Db, String>(AssertSqlSafe(sql))).fetch_one(pool).await?;
                type Bill = (
                    String, String, String, String, String, Option<String>, Option<String>, String, Option<String>,
                    Option<String>, i64,
                );
                let rows: Vec<Bill> = decode_rows(&json)?;
                Ok(rows
                    .into_iter()
                    .map(|r| BillRow {
                        id: r.0,
                        jurisdiction_id: r.1,
                        session: r.2,
                        identifier: r.3,
                        title: r.4,
                        source_url: r.5,
                        latest_action_description: r.6,
                        subjects: r.7,
                        abstract_text: r.8,
                        jurisdiction_name: r.9,
                        created_run_id: r.10,
                    })
                    .collect())
            }

            pub(super) async fn latest_bill_id(pool: &Pool, jurisdiction_id: &str, identifier: &str) -> Result<Option<String>, sqlx::Error> {
                sqlx::query_scalar::<Db, String>(
                    "SELECT id FROM bills WHERE jurisdiction_id = $1 AND identifier = $2 ORDER BY first_action_date DESC, created_run_id DESC LIMIT 1",
                )
                .bind(jurisdiction_id)
                .bind(identifier)
                .fetch_optional(pool)
                .await
            }

            pub(super) async fn existing_bills(pool: &Pool, ids: &[String]) -> Result<Vec<String>, sqlx::Error> {
                let rows: Vec<(String,)> = select_in(pool, "SELECT id FROM bills WHERE id IN (", "", ids).await?;
                Ok(rows.into_iter().map(|r| r.0).collect())
            }

            pub(super) async fn jurisdiction_names(pool: &Pool) -> Result<Vec<(String, String)>, sqlx::Error> {
                sqlx::query_as::<Db, (String, String)>("SELECT id, name FROM jurisdictions").fetch_all(pool).await
            }

            pub(super) async fn referrals(pool: &Pool, bill_ids: &[String]) -> Result<Vec<ReferralRow>, sqlx::Error> {
                select_in(
                    pool,
                    "SELECT bill_id, ordinal, description, organization, related_entities FROM bill_actions \
                     WHERE classification LIKE '%referral-committee%' AND bill_id IN (",
                    " ORDER BY bill_id, ordinal",
                    bill_ids,
                )
                .await
            }

            pub(super) async fn membership_changes(pool: &Pool, run_id: i64) -> Result<Vec<(i64, String, String)>, sqlx::Error> {
                sqlx::query_as::<Db, (i64, String, String)>(
                    "SELECT seq, kind, changes FROM change_events \
                     WHERE run_id = $1 AND kind IN ('membership_added', 'membership_changed', 'membership_removed') ORDER BY seq",
                )
                .bind(run_id)
                .fetch_all(pool)
                .await
            }

            pub(super) async fn sponsors(pool: &Pool, bill_ids: &[String]) -> Result<Vec<SponsorRow>, sqlx::Error> {
                select_in(pool, "SELECT bill_id, name, person_id FROM bill_sponsorships WHERE bill_id IN (", " ORDER BY bill_id, ordinal", bill_ids).await
            }

            pub(super) async fn action_texts(pool: &Pool, bill_ids: &[String]) -> Result<Vec<ActionTextRow>, sqlx::Error> {
                select_in(pool, "SELECT bill_id, description, related_entities FROM bill_actions WHERE bill_id IN (", " ORDER BY bill_id, ordinal", bill_ids).await
            }

            pub(super) async fn version_texts(pool: &Pool, bill_id: &str) -> Result<Vec<VersionTextRow>, sqlx::Error> {
                sqlx::query_as::<Db, VersionTextRow>(
                    "SELECT v.id, t.text FROM bill_versions v JOIN bill_texts t ON t.id = v.id WHERE v.bill_id = $1 ORDER BY v.ordinal",
                )
                .bind(bill_id)
                .fetch_all(pool)
                .await
            }

            pub(super) async fn version_diff(pool: &Pool, version_id: &str) -> Result<Option<String>, sqlx::Error> {
                sqlx::query_scalar::<Db, String>("SELECT diff FROM version_diffs WHERE version_id = $1")
                    .bind(version_id)
                    .fetch_optional(pool)
                    .await
            }

            pub(super) async fn vote(pool: &Pool, id: &str) -> Result<Option<VoteRow>, sqlx::Error> {
                sqlx::query_as::<Db, VoteRow>(
                    "SELECT motion, date, result, organization, yes_count, no_count, abstain_count, absent_count, \
                     excused_count, not_voting_count, other_count, source_url FROM votes WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(pool)
                .await
            }

            pub(super) async fn voters(pool: &Pool, vote_id: &str) -> Result<Vec<VoterRow>, sqlx::Error> {
                sqlx::query_as::<Db, VoterRow>("SELECT voter_name, option, person_id FROM vote_records WHERE vote_id = $1 ORDER BY ordinal")
                    .bind(vote_id)
                    .fetch_all(pool)
                    .await
            }

            pub(super) async fn event(pool: &Pool, id: &str) -> Result<Option<EventRow>, sqlx::Error> {
                sqlx::query_as::<Db, EventRow>(
                    "SELECT id, jurisdiction_id, name, start_time, start_date, all_day, timezone, location, status, participants, source_url \
                     FROM events WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(pool)
                .await
            }

            pub(super) async fn legislators_of_seat(pool: &Pool, jurisdiction_id: &str, chamber: &str, district: &str) -> Result<Vec<LegislatorRow>, sqlx::Error> {
                sqlx::query_as::<Db, LegislatorRow>(
                    "SELECT person_id, jurisdiction_id, name, chamber, district, party, email, capitol_phone, district_phone \
                     FROM legislators WHERE jurisdiction_id = $1 AND chamber = $2 AND district = $3 ORDER BY name",
                )
                .bind(jurisdiction_id)
                .bind(chamber)
                .bind(district)
                .fetch_all(pool)
                .await
            }

            pub(super) async fn committees_of(pool: &Pool, jurisdiction_id: &str) -> Result<Vec<CommitteeRow>, sqlx::Error> {
                sqlx::query_as::<Db, CommitteeRow>(
                    "SELECT id, jurisdiction_id, chamber, name, other_names FROM organizations \
                     WHERE jurisdiction_id = $1 AND classification IN ('committee', 'subcommittee') ORDER BY id",
                )
                .bind(jurisdiction_id)
                .fetch_all(pool)
                .await
            }

            pub(super) async fn roster(pool: &Pool, committee_id: &str) -> Result<Vec<RosterRow>, sqlx::Error> {
                sqlx::query_as::<Db, RosterRow>(
                    "SELECT person_id, name, role, party, district, email, phone FROM committee_rosters \
                     WHERE committee_id = $1 ORDER BY role_rank, name",
                )
                .bind(committee_id)
                .fetch_all(pool)
                .await
            }

            pub(super) async fn committee_last_vote(pool: &Pool, jurisdiction_id: &str, committee: &str) -> Result<Option<String>, sqlx::Error> {
                sqlx::query_scalar::<Db, String>(
                    "SELECT id FROM votes WHERE jurisdiction_id = $1 AND organization = $2 ORDER BY date DESC, id LIMIT 1",
                )
                .bind(jurisdiction_id)
                .bind(committee)
                .fetch_optional(pool)
                .await
            }

            pub(super) async fn agendas(pool: &Pool, event_ids: &[String]) -> Result<Vec<AgendaRow>, sqlx::Error> {
                select_in(
                    pool,
                    "SELECT a.event_id, a.bill_id, a.bill_identifier, e.jurisdiction_id FROM event_agenda a JOIN events e ON e.id = a.event_id WHERE a.event_id IN (",
                    " ORDER BY a.event_id, a.ordinal",
                    event_ids,
                )
                .await
            }

            pub(super) async fn hearings_of_bill(pool: &Pool, bill_id: &str) -> Result<Vec<UpcomingRow>, sqlx::Error> {
                sqlx::query_as::<Db, UpcomingRow>(
                    "SELECT DISTINCT e.id, e.start_date, e.start_time, e.timezone FROM event_agenda a JOIN events e ON e.id = a.event_id \
                     WHERE a.bill_id = $1 AND e.status <> 'cancelled' ORDER BY e.id",
                )
                .bind(bill_id)
                .fetch_all(pool)
                .await
            }

            pub(super) async fn hearings_of_identifier(pool: &Pool, jurisdiction_id: &str, identifier: &str) -> Result<Vec<UpcomingRow>, sqlx::Error> {
                sqlx::query_as::<Db, UpcomingRow>(
                    "SELECT DISTINCT e.id, e.start_date, e.start_time, e.timezone FROM event_agenda a JOIN events e ON e.id = a.event_id \
                     WHERE a.bill_id IS NULL AND a.bill_identifier = $1 AND e.jurisdiction_id = $2 AND e.status <> 'cancelled' ORDER BY e.id",
                )
                .bind(identifier)
                .bind(jurisdiction_id)
                .fetch_all(pool)
                .await
            }

            pub(super) async fn hearings_with_agendas_from(pool: &Pool, from: NaiveDate) -> Result<Vec<String>, sqlx::Error> {
                sqlx::query_scalar::<Db, String>(
                    "SELECT DISTINCT e.id FROM events e JOIN event_agenda a ON a.event_id = e.id WHERE e.start_date >= $1 ORDER BY e.id",
                )
                .bind(from)
                .fetch_all(pool)
                .await
            }

            pub(super) async fn queue(
                pool: &Pool,
                alerts: &[NewAlert],
                cursors: &[(String, i64)],
                now: DateTime<Utc>,
            ) -> Result<u64, sqlx::Error> {
                let mut tx = pool.begin_write().await?;
                let mut inserted = 0;
                for a in alerts {
                    inserted += sqlx::query::<Db>(
                        "INSERT INTO alert_outbox (coalition_id, rule, recipient, dedupe_key, change_seq, bill_id, alert, delivery, due_at, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (coalition_id, rule, recipient, dedupe_key) DO NOTHING",
                    )
                    .bind(&a.coalition_id)
                    .bind(&a.rule)
                    .bind(&a.recipient)
                    .bind(&a.dedupe_key)
                    .bind(a.change_seq)
                    .bind(&a.bill_id)
                    .bind(&a.alert)
                    .bind(&a.delivery)
                    .bind(a.due_at)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                }
                for (coalition, seq) in cursors {
                    sqlx::query::<Db>("UPDATE coalitions SET cursor_seq = $2 WHERE id = $1 AND cursor_seq < $2")
                        .bind(coalition)
                        .bind(*seq)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(inserted)
            }

            pub(super) async fn due_alerts(pool: &Pool, now: DateTime<Utc>) -> Result<Vec<DueAlert>, sqlx::Error> {
                sqlx::query_as::<Db, DueAlert>(
                    "SELECT o.id, o.coalition_id, o.recipient, o.delivery, o.due_at, c.transport FROM alert_outbox o \
                     LEFT JOIN coalitions c ON c.id = o.coalition_id \
                     WHERE o.message_id IS NULL AND o.cancelled_at IS NULL AND o.due_at <= $1 ORDER BY o.id",
                )
                .bind(now)
                .fetch_all(pool)
                .await
            }

            #[allow(clippy::too_many_arguments)]
            pub(super) async fn create_message(
                pool: &Pool,
                coalition: &str,
                recipient: &str,
                key: &str,
                kind: &str,
                transport: Option<&str>,
                rfc_id: &str,
                alert_ids: &[i64],
                now: DateTime<Utc>,
            ) -> Result<u64, sqlx::Error> {
                let mut tx = pool.begin_write().await?;
                let created = sqlx::query::<Db>(
                    "INSERT INTO alert_messages (coalition_id, recipient, message_key, kind, status, attempts, next_attempt_at, rfc_message_id, transport, created_at) \
                     VALUES ($1, $2, $3, $4, 'pending', 0, $5, $6, $7, $5) ON CONFLICT (coalition_id, recipient, message_key) DO NOTHING",
                )
                .bind(coalition)
                .bind(recipient)
                .bind(key)
                .bind(kind)
                .bind(now)
                .bind(rfc_id)
                .bind(transport)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                let id: i64 = sqlx::query_scalar::<Db, i64>(
                    "SELECT id FROM alert_messages WHERE coalition_id = $1 AND recipient = $2 AND message_key = $3",
                )
                .bind(coalition)
                .bind(recipient)
                .bind(key)
                .fetch_one(&mut *tx)
                .await?;
                for chunk in alert_ids.chunks(IN_CHUNK) {
                    let mut qb = QueryBuilder::<Db>::new("UPDATE alert_outbox SET message_id = ");
                    qb.push_bind(id);
                    qb.push(" WHERE message_id IS NULL AND id IN (");
                    let mut list = qb.separated(", ");
                    for a in chunk {
                        list.push_bind(*a);
                    }
                    qb.push(")");
                    qb.build().execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(created)
            }

            /// The coalitions-and-transport filter of due messages, pushed onto `qb`.
            fn push_due(qb: &mut QueryBuilder<Db>, coalitions: &[String], transport: &str, now: DateTime<Utc>) {
                qb.push("SELECT id FROM alert_messages WHERE status IN ('pending', 'retrying') AND next_attempt_at <= ");
                qb.push_bind(now);
                qb.push(" AND (transport IS NULL OR transport = ");
                qb.push_bind(transport.to_string());
                qb.push(") AND coalition_id IN (");
                let mut list = qb.separated(", ");
                for c in coalitions {
                    list.push_bind(c.clone());
                }
                qb.push(")");
            }

            #[allow(clippy::too_many_arguments)]
            pub(super) async fn claim(
                pool: &Pool,
                coalitions: &[String],
                transport: &str,
                owner: &str,
                due_by: DateTime<Utc>,
                wall: DateTime<Utc>,
                until: DateTime<Utc>,
                limit: i64,
            ) -> Result<Vec<ClaimedMessage>, sqlx::Error> {
                if coalitions.is_empty() {
                    return Ok(Vec::new());
                }
                let mut qb = QueryBuilder::<Db>::new("UPDATE alert_messages SET claimed_by = ");
                qb.push_bind(owner.to_string());
                qb.push(", claimed_until = ");
                qb.push_bind(until);
                qb.push(" WHERE id IN (");
                push_due(&mut qb, coalitions, transport, due_by);
                qb.push(" AND (claimed_until IS NULL OR claimed_until <= ");
                qb.push_bind(wall);
                qb.push(") ORDER BY id LIMIT ");
                qb.push_bind(limit);
                qb.push($skip_locked);
                qb.push(") RETURNING id, coalition_id, recipient, kind, attempts, rfc_message_id");
                let mut rows = qb.build_query_as::<ClaimedMessage>().fetch_all(pool).await?;
                rows.sort_by_key(|r| r.id);
                Ok(rows)
            }

            pub(super) async fn due_messages(
                pool: &Pool,
                coalitions: &[String],
                transport: &str,
                now: DateTime<Utc>,
            ) -> Result<Vec<DueMessage>, sqlx::Error> {
                if coalitions.is_empty() {
                    return Ok(Vec::new());
                }
                let mut qb = QueryBuilder::<Db>::new(
                    "SELECT id, coalition_id, recipient, kind, attempts, rfc_message_id FROM alert_messages WHERE id IN (",
                );
                push_due(&mut qb, coalitions, transport, now);
                qb.push(") ORDER BY id");
                qb.build_query_as::<DueMessage>().fetch_all(pool).await
            }

            pub(super) async fn renew(pool: &Pool, id: i64, owner: &str, until: DateTime<Utc>) -> Result<bool, sqlx::Error> {
                let n = sqlx::query::<Db>(
                    "UPDATE alert_messages SET claimed_until = $3 WHERE id = $1 AND claimed_by = $2 AND status IN ('pending', 'retrying')",
                )
                .bind(id)
                .bind(owner)
                .bind(until)
                .execute(pool)
                .await?
                .rows_affected();
                Ok(n == 1)
            }

            pub(super) async fn release(pool: &Pool, owner: &str) -> Result<u64, sqlx::Error> {
                sqlx::query::<Db>(
                    "UPDATE alert_messages SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = $1",
                )
                .bind(owner)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
            }

            pub(super) async fn alerts_of_message(pool: &Pool, message_id: i64) -> Result<Vec<StoredAlert>, sqlx::Error> {
                sqlx::query_as::<Db, StoredAlert>("SELECT id, alert FROM alert_outbox WHERE message_id = $1 ORDER BY id")
                    .bind(message_id)
                    .fetch_all(pool)
                    .await
            }

            pub(super) async fn record_attempt(
                pool: &Pool,
                id: i64,
                owner: &str,
                attempt: &Attempt,
                now: DateTime<Utc>,
            ) -> Result<Recorded, sqlx::Error> {
                let mut tx = pool.begin_write().await?;
                let (updated, transport, error) = match attempt {
                    Attempt::Delivered { transport, subject } => {
                        let status = if transport == "file" { "written" } else { "sent" };
                        let n = sqlx::query::<Db>(
                            "UPDATE alert_messages SET status = $2, attempts = attempts + 1, sent_at = $3, last_error = NULL, subject = $4, \
                             claimed_by = NULL, claimed_until = NULL WHERE id = $1 AND claimed_by = $5",
                        )
                        .bind(id)
                        .bind(status)
                        .bind(now)
                        .bind(subject)
                        .bind(owner)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        (n, transport, None)
                    }
                    Attempt::Failed { transport, error, retry_at } => {
                        let n = sqlx::query::<Db>(
                            "UPDATE alert_messages SET status = 'retrying', attempts = attempts + 1, next_attempt_at = $2, last_error = $3, \
                             claimed_by = NULL, claimed_until = NULL WHERE id = $1 AND claimed_by = $4",
                        )
                        .bind(id)
                        .bind(*retry_at)
                        .bind(error)
                        .bind(owner)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        (n, transport, Some(error.clone()))
                    }
                };
                sqlx::query::<Db>(
                    "INSERT INTO alert_attempts (message_id, attempted_at, transport, ok, error) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id)
                .bind(now)
                .bind(transport)
                .bind(error.is_none())
                .bind(error)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(if updated == 1 { Recorded::Recorded } else { Recorded::ClaimLost })
            }

            pub(super) async fn cancel_message(pool: &Pool, id: i64, owner: &str, reason: &str) -> Result<bool, sqlx::Error> {
                let n = sqlx::query::<Db>(
                    "UPDATE alert_messages SET status = 'cancelled', last_error = $3, claimed_by = NULL, claimed_until = NULL \
                     WHERE id = $1 AND claimed_by = $2",
                )
                .bind(id)
                .bind(owner)
                .bind(reason)
                .execute(pool)
                .await?
                .rows_affected();
                Ok(n == 1)
            }

            pub(super) async fn outbox_count(pool: &Pool, coalitions: &[String]) -> Result<i64, sqlx::Error> {
                let rows: Vec<(i64,)> =
                    select_in(pool, "SELECT COUNT(*) FROM alert_outbox WHERE coalition_id IN (", "", coalitions).await?;
                Ok(rows.iter().map(|r| r.0).sum())
            }

            pub(super) async fn waiting(pool: &Pool, coalitions: &[String]) -> Result<i64, sqlx::Error> {
                let a: Vec<(i64,)> = select_in(
                    pool,
                    "SELECT COUNT(*) FROM alert_messages WHERE status IN ('pending', 'retrying') AND coalition_id IN (",
                    "",
                    coalitions,
                )
                .await?;
                let b: Vec<(i64,)> = select_in(
                    pool,
                    "SELECT COUNT(*) FROM alert_outbox WHERE message_id IS NULL AND cancelled_at IS NULL AND coalition_id IN (",
                    "",
                    coalitions,
                )
                .await?;
                Ok(a.iter().chain(b.iter()).map(|r| r.0).sum())
            }

            pub(super) async fn feed_alerts(pool: &Pool, coalition: &str) -> Result<Vec<StoredAlert>, sqlx::Error> {
                sqlx::query_as::<Db, StoredAlert>(
                    "SELECT id, alert FROM alert_outbox WHERE id IN (SELECT MIN(id) FROM alert_outbox WHERE coalition_id = $1 \
                     GROUP BY rule, dedupe_key) ORDER BY id DESC LIMIT 100",
                )
                .bind(coalition)
                .fetch_all(pool)
                .await
            }

            pub(super) async fn warehouse_id(pool: &Pool) -> Result<String, sqlx::Error> {
                sqlx::query_scalar::<Db, String>("SELECT value FROM warehouse_info WHERE key = 'warehouse_id'")
                    .fetch_one(pool)
                    .await
            }

            pub(super) async fn claim_operator_alerts(
                pool: &Pool,
                owner: &str,
                wall: DateTime<Utc>,
                until: DateTime<Utc>,
            ) -> Result<Vec<ClaimedOperatorAlert>, sqlx::Error> {
                let sql = concat!(
                    "UPDATE operator_alerts SET claimed_by = $1, claimed_until = $2 WHERE id IN (",
                    "SELECT id FROM operator_alerts WHERE sent_at IS NULL AND (claimed_until IS NULL OR claimed_until <= $3) ORDER BY id",
                    $skip_locked,
                    ") RETURNING id, pipeline, source, kind, streak, message, attempts"
                );
                let mut rows = sqlx::query_as::<Db, ClaimedOperatorAlert>(sql)
                    .bind(owner)
                    .bind(until)
                    .bind(wall)
                    .fetch_all(pool)
                    .await?;
                rows.sort_by_key(|r| r.id);
                Ok(rows)
            }

            pub(super) async fn finish_operator_alert(
                pool: &Pool,
                id: i64,
                owner: &str,
                error: Option<&str>,
                now: DateTime<Utc>,
            ) -> Result<(), sqlx::Error> {
                let q = match error {
                    None => sqlx::query::<Db>(
                        "UPDATE operator_alerts SET sent_at = $1, attempts = attempts + 1, claimed_by = NULL, claimed_until = NULL \
                         WHERE id = $2 AND claimed_by = $3",
                    )
                    .bind(now),
                    Some(e) => sqlx::query::<Db>(
                        "UPDATE operator_alerts SET attempts = attempts + 1, last_error = $1, claimed_by = NULL, claimed_until = NULL \
                         WHERE id = $2 AND claimed_by = $3",
                    )
                    .bind(e.to_string()),
                };
                q.bind(id).bind(owner).execute(pool).await.map(|_| ())
            }
        }
    };
}

// `$3` as a list of strings: a JSON array, read by each backend's JSON functions. Large reads
// come back as one JSON array of rows built by the database (`$agg_open … $agg_close`): one
// row through the driver instead of tens of thousands (SQLite's driver hands each row across
// threads). SQLite is told
// to read a jurisdiction's first new bill through change_events_jurisdiction (it would otherwise
// walk every new bill through change_events_alerts).
backend!(
    sqlite,
    sqlx::Sqlite,
    sqlx::SqlitePool,
    "",
    "SELECT value FROM json_each($3)",
    "INDEXED BY change_events_jurisdiction",
    "json_group_array(json_array(",
    "))"
);
backend!(
    postgres,
    sqlx::Postgres,
    sqlx::PgPool,
    " FOR UPDATE SKIP LOCKED",
    "SELECT jsonb_array_elements_text($3::jsonb)",
    "",
    "COALESCE(json_agg(json_build_array(",
    ")), '[]')::text"
);

/// Runs the same function on either pool.
macro_rules! on {
    ($self:expr, $f:ident ( $($arg:expr),* )) => {
        match $self {
            Warehouse::Sqlite(p) => sqlite::$f(p, $($arg),*).await,
            Warehouse::Postgres(p) => postgres::$f(p, $($arg),*).await,
        }
    };
}

/// The alert engine's reads and writes. See the module documentation for the claim protocol.
impl Warehouse {
    /// The stored state of these coalitions (those the warehouse holds).
    pub async fn coalition_rows(&self, ids: &[String]) -> Result<Vec<CoalitionRow>, sqlx::Error> {
        on!(self, coalitions(ids))
    }

    /// Writes a coalition's file into the warehouse in one transaction (a new one starts at
    /// `cursor`) and cancels what waits for recipients who are no longer leads. Returns the
    /// number cancelled.
    pub async fn replace_coalition(
        &self,
        c: &CoalitionRecord,
        cursor: i64,
        now: DateTime<Utc>,
    ) -> Result<u64, sqlx::Error> {
        on!(self, replace_coalition(c, cursor, now))
    }

    /// The ledger's last sequence number (0 when empty).
    pub async fn ledger_end(&self) -> Result<i64, sqlx::Error> {
        on!(self, ledger_end())
    }

    /// The change events after `after` and up to `until`, in order, without their changes:
    /// only those `filter` lets through (the others concern no coalition of the pass).
    pub async fn ledger_after(
        &self,
        after: i64,
        until: i64,
        filter: &LedgerFilter,
    ) -> Result<Vec<LedgerEntry>, sqlx::Error> {
        // Two reads, each through its own index, at once (on two connections).
        let (by_kind, of_bills) = tokio::try_join!(async { on!(self, ledger_by_kind(after, until)) }, async {
            on!(self, ledger_of_bills(after, until, &filter.bills))
        })?;
        let mut out: Vec<LedgerEntry> =
            by_kind.into_iter().filter(|e| filter.introduced || e.kind != "bill_introduced").collect();
        // An agenda item of a tracked bill is in both.
        let seen: HashSet<i64> = out.iter().map(|e| e.seq).collect();
        out.extend(of_bills.into_iter().filter(|e| !seen.contains(&e.seq)));
        out.sort_by_key(|e| e.seq);
        Ok(out)
    }

    /// The `changes` of these events, by sequence number.
    pub async fn changes_of(&self, seqs: &[i64]) -> Result<HashMap<i64, String>, sqlx::Error> {
        Ok(on!(self, changes_of(seqs))?.into_iter().collect())
    }

    /// Every hearing-level change of one event (scheduled, changed, cancelled), in order.
    pub async fn hearing_changes(&self, event_id: &str) -> Result<Vec<EntityChange>, sqlx::Error> {
        on!(self, hearing_changes(event_id))
    }

    /// The run that first introduced bills of a jurisdiction.
    pub async fn first_load_run(&self, jurisdiction_id: &str) -> Result<Option<i64>, sqlx::Error> {
        on!(self, first_load_run(jurisdiction_id))
    }

    /// Whether a hearing was scheduled or cancelled (arrived) in a run.
    pub async fn hearing_arrived_in_run(&self, event_id: &str, run_id: i64) -> Result<bool, sqlx::Error> {
        on!(self, hearing_arrived_in_run(event_id, run_id))
    }

    /// The `changes` of the actions a run removed from a bill.
    pub async fn removed_actions(&self, bill_id: &str, run_id: i64) -> Result<Vec<String>, sqlx::Error> {
        on!(self, removed_actions(bill_id, run_id))
    }

    pub async fn alert_bills(&self, ids: &[String]) -> Result<Vec<BillRow>, sqlx::Error> {
        on!(self, bills(ids))
    }

    /// The bill of that identifier in the newest session the warehouse holds.
    pub async fn latest_bill_id(&self, jurisdiction_id: &str, identifier: &str) -> Result<Option<String>, sqlx::Error> {
        on!(self, latest_bill_id(jurisdiction_id, identifier))
    }

    /// Which of these bill ids the warehouse holds.
    pub async fn existing_bills(&self, ids: &[String]) -> Result<HashSet<String>, sqlx::Error> {
        Ok(on!(self, existing_bills(ids))?.into_iter().collect())
    }

    pub async fn jurisdiction_names(&self) -> Result<HashMap<String, String>, sqlx::Error> {
        Ok(on!(self, jurisdiction_names())?.into_iter().collect())
    }

    pub async fn alert_sponsors(&self, bill_ids: &[String]) -> Result<Vec<SponsorRow>, sqlx::Error> {
        on!(self, sponsors(bill_ids))
    }

    pub async fn alert_action_texts(&self, bill_ids: &[String]) -> Result<Vec<ActionTextRow>, sqlx::Error> {
        on!(self, action_texts(bill_ids))
    }

    /// A bill's versions that have texts, in order.
    pub async fn version_texts(&self, bill_id: &str) -> Result<Vec<VersionTextRow>, sqlx::Error> {
        on!(self, version_texts(bill_id))
    }

    /// The diff stored for a version (JSON), if any.
    pub async fn version_diff(&self, version_id: &str) -> Result<Option<String>, sqlx::Error> {
        on!(self, version_diff(version_id))
    }

    pub async fn alert_vote(&self, id: &str) -> Result<Option<VoteRow>, sqlx::Error> {
        on!(self, vote(id))
    }

    pub async fn alert_voters(&self, vote_id: &str) -> Result<Vec<VoterRow>, sqlx::Error> {
        on!(self, voters(vote_id))
    }

    pub async fn alert_event(&self, id: &str) -> Result<Option<EventRow>, sqlx::Error> {
        on!(self, event(id))
    }

    /// The current legislators of one seat.
    pub async fn legislators_of_seat(
        &self,
        jurisdiction_id: &str,
        chamber: &str,
        district: &str,
    ) -> Result<Vec<LegislatorRow>, sqlx::Error> {
        on!(self, legislators_of_seat(jurisdiction_id, chamber, district))
    }

    /// A jurisdiction's committees with their other names.
    pub async fn committees_of(&self, jurisdiction_id: &str) -> Result<Vec<CommitteeRow>, sqlx::Error> {
        on!(self, committees_of(jurisdiction_id))
    }

    /// The committee referrals of these bills, in order.
    pub async fn referrals(&self, bill_ids: &[String]) -> Result<Vec<ReferralRow>, sqlx::Error> {
        on!(self, referrals(bill_ids))
    }

    /// Every committee membership change of a run: (seq, kind, changes), in order.
    pub async fn membership_changes(&self, run_id: i64) -> Result<Vec<(i64, String, String)>, sqlx::Error> {
        on!(self, membership_changes(run_id))
    }

    /// A committee's roster: chair, vice chair, then the members by name.
    pub async fn roster(&self, committee_id: &str) -> Result<Vec<RosterRow>, sqlx::Error> {
        on!(self, roster(committee_id))
    }

    /// A committee's latest roll call in a jurisdiction.
    pub async fn committee_last_vote(
        &self,
        jurisdiction_id: &str,
        committee: &str,
    ) -> Result<Option<String>, sqlx::Error> {
        on!(self, committee_last_vote(jurisdiction_id, committee))
    }

    /// The agenda items of these hearings, in order.
    pub async fn agendas(&self, event_ids: &[String]) -> Result<Vec<AgendaRow>, sqlx::Error> {
        on!(self, agendas(event_ids))
    }

    /// Hearings (not cancelled) that take up a bill.
    pub async fn hearings_of_bill(&self, bill_id: &str) -> Result<Vec<UpcomingRow>, sqlx::Error> {
        on!(self, hearings_of_bill(bill_id))
    }

    /// Hearings (not cancelled) that name a bill the warehouse does not hold, by identifier.
    pub async fn hearings_of_identifier(
        &self,
        jurisdiction_id: &str,
        identifier: &str,
    ) -> Result<Vec<UpcomingRow>, sqlx::Error> {
        on!(self, hearings_of_identifier(jurisdiction_id, identifier))
    }

    /// Hearings with agendas starting on or after a day.
    pub async fn hearings_with_agendas_from(&self, from: NaiveDate) -> Result<Vec<String>, sqlx::Error> {
        on!(self, hearings_with_agendas_from(from))
    }

    /// Queues alerts (a key already there is skipped) and moves cursors forward, in one
    /// transaction. Returns the number of alerts queued.
    pub async fn queue_alerts(
        &self,
        alerts: &[NewAlert],
        cursors: &[(String, i64)],
        now: DateTime<Utc>,
    ) -> Result<u64, sqlx::Error> {
        on!(self, queue(alerts, cursors, now))
    }

    /// Outbox rows due by `now`, not yet in a message and not cancelled.
    pub async fn due_alerts(&self, now: DateTime<Utc>) -> Result<Vec<DueAlert>, sqlx::Error> {
        on!(self, due_alerts(now))
    }

    /// Creates a message (once per coalition, recipient and key) and puts the alerts in it.
    /// Returns 1 when the message is new.
    #[allow(clippy::too_many_arguments)]
    pub async fn create_message(
        &self,
        coalition: &str,
        recipient: &str,
        key: &str,
        kind: &str,
        transport: Option<&str>,
        rfc_id: &str,
        alert_ids: &[i64],
        now: DateTime<Utc>,
    ) -> Result<u64, sqlx::Error> {
        on!(self, create_message(coalition, recipient, key, kind, transport, rfc_id, alert_ids, now))
    }

    /// Claims up to `limit` messages of these coalitions that go by `transport` and are due
    /// by `due_by`, unclaimed or with a lapsed lease at wall-clock time `wall`, for `owner`
    /// until `until`. Only the returned messages are this sender's to send.
    #[allow(clippy::too_many_arguments)]
    pub async fn claim_messages(
        &self,
        coalitions: &[String],
        transport: &str,
        owner: &str,
        due_by: DateTime<Utc>,
        wall: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<ClaimedMessage>, sqlx::Error> {
        on!(self, claim(coalitions, transport, owner, due_by, wall, until, limit))
    }

    /// The messages a claim would take, claiming nothing (dry runs).
    pub async fn due_messages(
        &self,
        coalitions: &[String],
        transport: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<DueMessage>, sqlx::Error> {
        on!(self, due_messages(coalitions, transport, now))
    }

    /// Extends the owner's lease on a message; false when the claim is no longer the owner's
    /// (it lapsed and was taken, or the message was cancelled): then it must not be sent.
    pub async fn renew_claim(&self, id: i64, owner: &str, until: DateTime<Utc>) -> Result<bool, sqlx::Error> {
        on!(self, renew(id, owner, until))
    }

    /// Gives back every claim an owner still holds.
    pub async fn release_claims(&self, owner: &str) -> Result<u64, sqlx::Error> {
        on!(self, release(owner))
    }

    pub async fn alerts_of_message(&self, message_id: i64) -> Result<Vec<StoredAlert>, sqlx::Error> {
        on!(self, alerts_of_message(message_id))
    }

    /// Records an attempt and, while the owner still holds the claim, the message's new
    /// state, in one transaction.
    pub async fn record_attempt(
        &self,
        id: i64,
        owner: &str,
        attempt: &Attempt,
        now: DateTime<Utc>,
    ) -> Result<Recorded, sqlx::Error> {
        on!(self, record_attempt(id, owner, attempt, now))
    }

    /// Cancels a claimed message (its recipient is no longer a lead).
    pub async fn cancel_message(&self, id: i64, owner: &str, reason: &str) -> Result<bool, sqlx::Error> {
        on!(self, cancel_message(id, owner, reason))
    }

    pub async fn outbox_count(&self, coalitions: &[String]) -> Result<u64, sqlx::Error> {
        Ok(on!(self, outbox_count(coalitions))? as u64)
    }

    /// Messages of these coalitions still to deliver, and their alerts not yet composed.
    pub async fn alerts_waiting(&self, coalitions: &[String]) -> Result<u64, sqlx::Error> {
        Ok(on!(self, waiting(coalitions))? as u64)
    }

    /// A coalition's latest 100 distinct alerts, newest first (for its Atom feed).
    pub async fn feed_alerts(&self, coalition: &str) -> Result<Vec<StoredAlert>, sqlx::Error> {
        on!(self, feed_alerts(coalition))
    }

    /// This warehouse's identifier, made once when it was created (or first migrated).
    pub async fn warehouse_id(&self) -> Result<String, sqlx::Error> {
        on!(self, warehouse_id())
    }

    /// Claims every unsent operator alert that no live sender holds.
    pub async fn claim_operator_alerts(
        &self,
        owner: &str,
        wall: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<ClaimedOperatorAlert>, sqlx::Error> {
        on!(self, claim_operator_alerts(owner, wall, until))
    }

    /// Marks a claimed operator alert sent (`error` None) or records a failed attempt, and
    /// releases the claim.
    pub async fn finish_operator_alert(
        &self,
        id: i64,
        owner: &str,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        on!(self, finish_operator_alert(id, owner, error, now))
    }
}
