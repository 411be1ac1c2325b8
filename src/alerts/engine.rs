//! Alerts, start to end: coalition files into the warehouse, the ledger read once for every
//! coalition into an outbox, the outbox into messages (one per alert, or one digest per lead
//! per day), and messages claimed, then delivered over SMTP or written as `.eml` files, each
//! attempt recorded. The SQL is in `warehouse::alerts`.
//!
//! Exactly once (docs/alerts.md, "Exactly once"):
//! - matching reads `change_events` after each coalition's cursor, by `seq` only; the outbox
//!   rows of a batch and the cursors' new values commit in one transaction, and each outbox
//!   row has a unique key (coalition, rule, recipient, key): a crash redoes the batch, a
//!   replay inserts nothing new;
//! - a message has a unique key (coalition, recipient, `alert:<outbox id>` or
//!   `digest:<time>`) and a Message-ID that names the warehouse;
//! - a sender claims messages before sending them (a lease: `claimed_by`, `claimed_until`),
//!   so concurrent senders, on one host or several sharing PostgreSQL, send each message
//!   once; it is marked sent in the transaction that records the attempt. The one window
//!   left is a crash between the SMTP server's acceptance and that commit: the message is
//!   sent again after the lease lapses, with the same Message-ID;
//! - a failed send is kept, retried after 5 minutes, doubling to 6 hours, never dropped.

use super::config::{self, Coalition, Delivery, Lead, Start};
use super::render::{self, Links};
use super::rules;
use super::*;
use crate::text::terms::{TermSet, find_terms};
use crate::warehouse::Warehouse;
use crate::warehouse::alerts::{
    Attempt, BillRow, ClaimedMessage, CoalitionRecord, EventRow, LeadRecord, LedgerEntry, LedgerFilter, NewAlert,
    Recorded, TrackedRecord,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum AlertsError {
    #[error("warehouse")]
    Warehouse(#[from] sqlx::Error),
    #[error("outbox row {0}: stored alert is unreadable")]
    Stored(i64, #[source] serde_json::Error),
    #[error("cannot write {path}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Where messages go.
pub enum Transport {
    /// SMTP (STATEHOUSE_SMTP_URL).
    Smtp(Box<crate::mail::Mailer>),
    /// `.eml` files in this folder: a dry-run pipeline's own messages, marked written.
    Files(PathBuf),
    /// `.eml` files in this folder for messages that go by SMTP (`alerts send --dry-run` on
    /// an SMTP pipeline): written for reading, and left waiting for the real send.
    Preview(PathBuf),
    /// Nowhere yet: messages wait in the outbox (no SMTP configured).
    Hold,
}

/// How a pipeline's coalitions get their messages: what `coalitions.transport` and
/// `alert_messages.transport` hold.
pub fn transport_of(mode: crate::config::AlertMode) -> &'static str {
    match mode {
        crate::config::AlertMode::Smtp => "smtp",
        crate::config::AlertMode::DryRun => "file",
    }
}

/// How long a sender's claim on a message lasts before another sender may take it over,
/// unless renewed; STATEHOUSE_ALERT_LEASE_SECONDS sets it (default 300).
pub const LEASE_VAR: &str = "STATEHOUSE_ALERT_LEASE_SECONDS";

/// Delivery settings.
#[derive(Debug, Clone)]
pub struct DeliverOptions {
    pub lease: chrono::Duration,
    /// Messages claimed at a time.
    pub batch: i64,
    /// This sender's name in claims: host, process and a random part.
    pub owner: String,
}

impl Default for DeliverOptions {
    fn default() -> Self {
        let lease = std::env::var(LEASE_VAR).ok().and_then(|s| s.trim().parse::<i64>().ok()).filter(|s| *s > 0);
        DeliverOptions { lease: chrono::Duration::seconds(lease.unwrap_or(300)), batch: 10, owner: sender_name() }
    }
}

/// A name for this sender, unique across hosts and processes.
pub fn sender_name() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".into());
    format!("{host}:{}:{:08x}", std::process::id(), rand::random::<u32>())
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct AlertsReport {
    /// New outbox rows.
    pub matched: u64,
    /// Messages composed (single alerts and digests).
    pub composed: u64,
    pub sent: u64,
    /// Written as `.eml` files (dry run).
    pub written: u64,
    /// Attempts that failed (to be retried).
    pub failed: u64,
    /// Alerts and messages cancelled: their recipient is no longer a lead.
    pub cancelled: u64,
    /// Messages still waiting (failed, held, or digests not due yet) after the pass.
    pub waiting: u64,
}

pub use crate::warehouse::alerts::parse_time;

fn json_list(s: &str) -> Vec<String> {
    serde_json::from_str::<Vec<Value>>(s)
        .map(|a| a.into_iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

fn value_list(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
        Value::String(s) => json_list(s),
        _ => Vec::new(),
    }
}

fn text_of(v: &Value, key: &str) -> Option<String> {
    match v.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

// ------------------------------------------------------------------------------------------
// Coalition files → warehouse
// ------------------------------------------------------------------------------------------

fn record_of(c: &Coalition, transport: &str) -> CoalitionRecord {
    let w = &c.watch;
    CoalitionRecord {
        id: c.id.clone(),
        name: c.name.clone(),
        file: c.file.display().to_string(),
        config_hash: c.hash.clone(),
        unsubscribe: c.unsubscribe.clone(),
        reminder_days: serde_json::to_string(&c.reminder_days).unwrap_or_default(),
        actions: serde_json::to_string(&c.actions).unwrap_or_default(),
        replay: c.start == Start::Beginning,
        transport: transport.to_string(),
        groups: c.groups.iter().map(|g| (g.id.clone(), g.name.clone())).collect(),
        leads: c
            .leads
            .iter()
            .map(|l| LeadRecord {
                group_id: l.group.clone(),
                name: l.name.clone(),
                // Stored lower-case: outbox recipients are, and cancellation compares them.
                email: l.email.to_lowercase(),
                timezone: l.timezone.name().to_string(),
                delivery: l.delivery.as_str().to_string(),
                digest_hour: i64::from(l.digest_hour),
            })
            .collect(),
        bills: c
            .bills
            .iter()
            .flat_map(|b| {
                b.groups().into_iter().enumerate().map(|(i, (group, position))| TrackedRecord {
                    jurisdiction_id: b.jurisdiction_id.clone(),
                    identifier: b.identifier.clone(),
                    session: b.session.clone().unwrap_or_default(),
                    group_id: group,
                    position: position.as_str().to_string(),
                    assigned: i == 0,
                })
            })
            .collect(),
        watches: [("term", &w.terms), ("subject", &w.subjects), ("sponsor", &w.sponsors), ("committee", &w.committees)]
            .into_iter()
            .flat_map(|(kind, values)| values.iter().map(move |v| (kind.to_string(), v.clone())))
            .collect(),
    }
}

/// Writes each coalition's configuration into the warehouse when its file (or its
/// pipeline's delivery mode) changed, and starts a new coalition's cursor: at the ledger's
/// end (`start = "now"`) or its beginning. Alerts and messages waiting for someone who is no
/// longer a lead are cancelled; returns how many.
pub async fn sync(
    wh: &Warehouse,
    coalitions: &[Coalition],
    mode: crate::config::AlertMode,
    now: DateTime<Utc>,
) -> Result<u64, AlertsError> {
    let transport = transport_of(mode);
    let ids: Vec<String> = coalitions.iter().map(|c| c.id.clone()).collect();
    let stored: HashMap<String, _> = wh.coalition_rows(&ids).await?.into_iter().map(|r| (r.id.clone(), r)).collect();
    let mut cancelled = 0;
    for c in coalitions {
        let row = stored.get(&c.id);
        if row.is_some_and(|r| r.config_hash == c.hash && r.transport == transport) {
            continue;
        }
        let cursor = match row {
            Some(r) => r.cursor_seq,
            None => start_cursor(wh, c.start == Start::Beginning).await?,
        };
        cancelled += wh.replace_coalition(&record_of(c, transport), cursor, now).await?;
    }
    Ok(cancelled)
}

/// Where a new coalition's cursor starts: the ledger's beginning (`replay`) or its end.
async fn start_cursor(wh: &Warehouse, replay: bool) -> Result<i64, AlertsError> {
    if replay {
        return Ok(0);
    }
    Ok(wh.ledger_end().await?)
}

// ------------------------------------------------------------------------------------------
// Matching: the ledger → the outbox, one pass for every coalition
// ------------------------------------------------------------------------------------------

/// A match, before it is queued: who gets which alert, under which unique key.
#[derive(Debug, Clone)]
pub struct Match {
    pub recipient: Recipient,
    pub delivery: Delivery,
    pub digest_hour: u32,
    pub timezone: chrono_tz::Tz,
    pub dedupe_key: String,
    pub alert: Alert,
}

/// The key of a tracked bill the warehouse does not hold: agenda items name it by identifier.
fn pending_key(jurisdiction_id: &str, identifier: &str) -> String {
    format!("pending:{jurisdiction_id}|{identifier}")
}

/// One coalition in a pass: where its cursor is, and what it needs.
struct Plan<'a> {
    c: &'a Coalition,
    cursor: i64,
    replay: bool,
    /// Watches terms, subjects, sponsors or committees (new bills can match).
    watches: bool,
}

impl Plan<'_> {
    /// Whether an event is this coalition's to look at: after its cursor, in its
    /// jurisdictions.
    fn sees(&self, e: &LedgerEntry) -> bool {
        e.seq > self.cursor && (self.c.jurisdictions.is_empty() || self.c.jurisdictions.contains(&e.jurisdiction_id))
    }

    fn group_name<'g>(&'g self, group: &'g str) -> &'g str {
        self.c.groups.iter().find(|g| g.id == group).map(|g| g.name.as_str()).unwrap_or(group)
    }

    fn recipient(&self, lead: &Lead) -> Recipient {
        Recipient {
            name: lead.name.clone(),
            email: lead.email.clone(),
            timezone: lead.timezone.name().to_string(),
            group: self.group_name(&lead.group).to_string(),
        }
    }

    fn matched(&self, lead: &Lead, key: &str, alert: Alert) -> Match {
        Match {
            recipient: self.recipient(lead),
            delivery: lead.delivery,
            digest_hour: lead.digest_hour,
            timezone: lead.timezone,
            dedupe_key: key.to_string(),
            alert,
        }
    }

    fn alert(&self, kind: AlertKind, headline: String, seq: Option<i64>, at: DateTime<Utc>) -> Alert {
        Alert {
            kind,
            coalition_id: self.c.id.clone(),
            coalition_name: self.c.name.clone(),
            headline,
            bill: None,
            why: Why::default(),
            action: None,
            hearing: None,
            vote: None,
            version: None,
            sponsor: None,
            source_url: None,
            data_as_of: at,
            change_seq: seq,
            your_legislators: Vec::new(),
            committee: None,
        }
    }

    fn tracked_why(&self, bill: &BillInfo, position: Position, group: &str) -> Why {
        Why {
            reason: format!(
                "{} tracks {} ({}), assigned to {}",
                self.c.name,
                bill.identifier,
                position.as_str(),
                self.group_name(group)
            ),
            terms: Vec::new(),
            snippet: None,
        }
    }

    fn with_position(&self, bill: &BillInfo, position: Position, group: &str) -> BillInfo {
        let mut b = bill.clone();
        b.position = Some(position);
        b.group = Some(self.group_name(group).to_string());
        b
    }

    /// A tracked bill's alert for one group: the bill with the group's position, and why.
    fn tracked_alert(
        &self,
        kind: AlertKind,
        headline: &str,
        e: &LedgerEntry,
        bill: &BillInfo,
        position: Position,
        group: &str,
    ) -> Alert {
        let mut a = self.alert(kind, headline.to_string(), Some(e.seq), e.recorded_at);
        a.bill = Some(self.with_position(bill, position, group));
        a.why = self.tracked_why(bill, position, group);
        a.source_url = bill.url.clone();
        a
    }

    /// One match per lead of each group following the bill (a lead in two groups once),
    /// each alert carrying that group's position.
    fn for_tracked(
        &self,
        tracked: &config::TrackedBill,
        key: &str,
        build: impl Fn(Position, &str) -> Alert,
    ) -> Vec<Match> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for (group, position) in tracked.groups() {
            for lead in self.c.leads_of(&group) {
                if seen.insert(lead.email.to_lowercase()) {
                    out.push(self.matched(lead, key, build(position, &group)));
                }
            }
        }
        out
    }
}

/// The matches of every coalition tracking a bill: one per lead of each group following it.
fn fan_out(
    plans: &[Plan<'_>],
    trackers: Vec<(usize, &config::TrackedBill)>,
    key: &str,
    build: impl Fn(&Plan<'_>, Position, &str) -> Alert,
) -> Vec<(usize, Match)> {
    let mut out = Vec::new();
    for (i, t) in trackers {
        let p = &plans[i];
        out.extend(p.for_tracked(t, key, |position, group| build(p, position, group)).into_iter().map(|m| (i, m)));
    }
    out
}

/// The facts about one bill that alerts carry.
#[derive(Debug, Clone)]
struct BillFacts {
    info: BillInfo,
    jurisdiction_id: String,
    /// The run that first loaded it.
    created_run_id: i64,
    subjects: Vec<String>,
    abstract_text: Option<String>,
}

fn facts_of(r: BillRow) -> BillFacts {
    BillFacts {
        info: BillInfo {
            id: r.id,
            jurisdiction: r.jurisdiction_name.unwrap_or_default(),
            session: r.session,
            identifier: r.identifier,
            title: r.title,
            url: r.source_url,
            position: None,
            group: None,
            latest_action: r.latest_action_description,
            credit: None,
            jurisdiction_id: Some(r.jurisdiction_id.clone()),
        },
        jurisdiction_id: r.jurisdiction_id,
        created_run_id: r.created_run_id,
        subjects: json_list(&r.subjects),
        abstract_text: r.abstract_text,
    }
}

/// What one pass shares across coalitions: tracked bills, caches.
struct Pass<'a> {
    wh: &'a Warehouse,
    plans: Vec<Plan<'a>>,
    /// Bill id (or [`pending_key`]) → the coalitions tracking it.
    tracked: HashMap<String, Vec<(usize, &'a config::TrackedBill)>>,
    /// Jurisdictions where some coalition tracks a bill the warehouse does not hold.
    pending_in: HashSet<String>,
    first_loads: HashMap<String, Option<i64>>,
    bills: HashMap<String, Option<std::sync::Arc<BillFacts>>>,
    credits: HashMap<String, Option<String>>,
    jurisdiction_names: HashMap<String, String>,
    /// Every coalition's watched terms, and committees, each in one automaton (owner: the
    /// plan's index).
    terms: TermSet,
    committees: TermSet,
    /// Hearings whose run's story is told: (run, event).
    told: HashSet<(i64, String)>,
    /// Each seat a group declared → its current holders.
    seats: HashMap<config::Seat, Vec<LegislatorInfo>>,
    /// Committees by jurisdiction, with every name they go by.
    committee_names: HashMap<String, Vec<(rules::CommitteeNames, String)>>,
    /// Tracked bills' latest committee referral (read once).
    referrals: Option<HashMap<String, crate::warehouse::alerts::ReferralRow>>,
    /// Committees whose run's changes are told: (run, committee).
    committees_told: HashSet<(i64, String)>,
}

/// Matching reads the ledger this many sequence numbers at a time (of which it reads only
/// the events that can concern a coalition: a few percent).
const LEDGER_SPAN: i64 = 1_000_000;

impl<'a> Pass<'a> {
    async fn new(wh: &'a Warehouse, plans: Vec<Plan<'a>>) -> Result<Pass<'a>, AlertsError> {
        let mut tracked: HashMap<String, Vec<(usize, &'a config::TrackedBill)>> = HashMap::new();
        let mut pending_in = HashSet::new();
        // Ids of tracked bills: from their session, or the newest session held.
        let mut wanted: Vec<(usize, &'a config::TrackedBill, Option<String>)> = Vec::new();
        for (i, p) in plans.iter().enumerate() {
            for b in &p.c.bills {
                let id = match &b.session {
                    Some(s) => Some(crate::normalize::ids::bill_id(&b.jurisdiction_id, s, &b.identifier)),
                    None => wh.latest_bill_id(&b.jurisdiction_id, &b.identifier).await?,
                };
                wanted.push((i, b, id));
            }
        }
        let ids: Vec<String> = wanted.iter().filter_map(|w| w.2.clone()).collect();
        let held = wh.existing_bills(&ids).await?;
        for (i, b, id) in wanted {
            let key = match id {
                Some(id) if held.contains(&id) => id,
                // Not in the warehouse (yet): still followed on hearing agendas, by identifier.
                _ => {
                    pending_in.insert(b.jurisdiction_id.clone());
                    pending_key(&b.jurisdiction_id, &b.identifier)
                }
            };
            tracked.entry(key).or_default().push((i, b));
        }
        let terms = TermSet::new(
            plans.iter().enumerate().flat_map(|(i, p)| p.c.watch.terms.iter().map(move |t| (i, t.as_str()))),
        );
        let committees = TermSet::new(
            plans.iter().enumerate().flat_map(|(i, p)| p.c.watch.committees.iter().map(move |t| (i, t.as_str()))),
        );
        Ok(Pass {
            wh,
            terms,
            committees,
            plans,
            tracked,
            pending_in,
            first_loads: HashMap::new(),
            bills: HashMap::new(),
            credits: HashMap::new(),
            jurisdiction_names: wh.jurisdiction_names().await?,
            told: HashSet::new(),
            seats: HashMap::new(),
            committee_names: HashMap::new(),
            referrals: None,
            committees_told: HashSet::new(),
        })
    }

    /// The coalitions (by index) tracking a bill key, that see this event.
    fn trackers(&self, key: &str, e: &LedgerEntry) -> Vec<(usize, &'a config::TrackedBill)> {
        self.tracked
            .get(key)
            .map(|v| v.iter().filter(|(i, _)| self.plans[*i].sees(e)).copied().collect())
            .unwrap_or_default()
    }

    /// Loads the facts of these bills into the cache.
    fn cache_bills(&mut self, rows: Vec<BillRow>) {
        for r in rows {
            self.bills.insert(r.id.clone(), Some(std::sync::Arc::new(facts_of(r))));
        }
    }

    async fn load_bills(&mut self, ids: &[String]) -> Result<(), AlertsError> {
        let missing: Vec<String> = ids.iter().filter(|id| !self.bills.contains_key(*id)).cloned().collect();
        if missing.is_empty() {
            return Ok(());
        }
        self.cache_bills(self.wh.alert_bills(&missing).await?);
        for id in missing {
            self.bills.entry(id).or_insert(None);
        }
        Ok(())
    }

    /// A bill's facts, with its credit line: data whose licence asks for credit (LegiScan's
    /// CC BY 4.0) is shown with it. (Read only for bills that match something.)
    async fn bill(&mut self, id: &str) -> Result<Option<BillFacts>, AlertsError> {
        let Some(facts) = self.bill_uncredited(id).await? else { return Ok(None) };
        let mut facts = BillFacts::clone(&facts);
        if !self.credits.contains_key(id) {
            let credit = self.wh.credit_lines(&[id.to_string()]).await?.remove(id);
            self.credits.insert(id.to_string(), credit);
        }
        facts.info.credit = self.credits.get(id).cloned().flatten();
        Ok(Some(facts))
    }

    async fn bill_uncredited(&mut self, id: &str) -> Result<Option<std::sync::Arc<BillFacts>>, AlertsError> {
        if !self.bills.contains_key(id) {
            self.load_bills(&[id.to_string()]).await?;
        }
        Ok(self.bills.get(id).cloned().flatten())
    }

    /// A tracked bill's facts: from the warehouse, or from the coalition file for a bill it
    /// does not hold yet.
    async fn facts(&mut self, key: &str) -> Result<Option<BillFacts>, AlertsError> {
        if !key.starts_with("pending:") {
            return self.bill(key).await;
        }
        let Some((_, t)) = self.tracked.get(key).and_then(|v| v.first()) else { return Ok(None) };
        Ok(Some(BillFacts {
            info: BillInfo {
                id: String::new(),
                jurisdiction: self.jurisdiction_names.get(&t.jurisdiction_id).cloned().unwrap_or_default(),
                session: t.session.clone().unwrap_or_default(),
                identifier: t.identifier.clone(),
                title: String::new(),
                url: None,
                position: None,
                group: None,
                latest_action: None,
                credit: None,
                jurisdiction_id: Some(t.jurisdiction_id.clone()),
            },
            jurisdiction_id: t.jurisdiction_id.clone(),
            created_run_id: -1,
            subjects: Vec::new(),
            abstract_text: None,
        }))
    }

    /// Whether this event is in the run that first introduced its jurisdiction's bills (its
    /// history, not news; a replaying coalition takes it all the same).
    async fn in_first_load(&mut self, e: &LedgerEntry) -> Result<bool, AlertsError> {
        let first = match self.first_loads.get(&e.jurisdiction_id) {
            Some(f) => *f,
            None => {
                let f = self.wh.first_load_run(&e.jurisdiction_id).await?;
                self.first_loads.insert(e.jurisdiction_id.clone(), f);
                f
            }
        };
        Ok(first == Some(e.run_id))
    }
}

/// The alerts [`sync`] then one pass would give these coalitions now, writing nothing (it
/// works on a warehouse opened read-only): a stored coalition keeps its cursor, a new one
/// starts where `sync` would start it; `replay` follows the file either way.
pub async fn preview(wh: &Warehouse, coalitions: &[Coalition], now: DateTime<Utc>) -> Result<Vec<Match>, AlertsError> {
    let plans = plans(wh, coalitions, false).await?;
    scan(wh, plans, now, false).await
}

/// The matches for these coalitions (call [`sync`] first) from the ledger after their
/// cursors, and the reminders due: queued in the outbox with the cursors moved, batch by
/// batch. Returns the matches.
pub async fn evaluate(wh: &Warehouse, coalitions: &[Coalition], now: DateTime<Utc>) -> Result<Vec<Match>, AlertsError> {
    let plans = plans(wh, coalitions, true).await?;
    scan(wh, plans, now, true).await
}

async fn plans<'a>(wh: &Warehouse, coalitions: &'a [Coalition], synced: bool) -> Result<Vec<Plan<'a>>, AlertsError> {
    let ids: Vec<String> = coalitions.iter().map(|c| c.id.clone()).collect();
    let stored: HashMap<String, _> = wh.coalition_rows(&ids).await?.into_iter().map(|r| (r.id.clone(), r)).collect();
    let mut out = Vec::new();
    for c in coalitions {
        let replay = c.start == Start::Beginning;
        let cursor = match stored.get(&c.id) {
            Some(r) => r.cursor_seq,
            None if synced => continue,
            None => start_cursor(wh, replay).await?,
        };
        let w = &c.watch;
        let watches =
            !(w.terms.is_empty() && w.subjects.is_empty() && w.sponsors.is_empty() && w.committees.is_empty());
        out.push(Plan { c, cursor, replay, watches });
    }
    Ok(out)
}

fn is_hearing_kind(kind: &str) -> bool {
    matches!(kind, "hearing_scheduled" | "hearing_changed" | "hearing_cancelled")
}

/// One pass over the ledger from the lowest cursor: each event is read once and offered to
/// every coalition past whose cursor it lies.
async fn scan(
    wh: &Warehouse,
    plans: Vec<Plan<'_>>,
    now: DateTime<Utc>,
    write: bool,
) -> Result<Vec<Match>, AlertsError> {
    if plans.is_empty() {
        return Ok(Vec::new());
    }
    let started = std::time::Instant::now();
    let mut pass = Pass::new(wh, plans).await?;
    tracing::debug!(ms = started.elapsed().as_millis() as u64, "alerts: pass ready");
    let mut after = pass.plans.iter().map(|p| p.cursor).min().unwrap_or(0);
    // The ledger as it stands now; what the pass reads of it is filtered in SQL: the events
    // it skips concern none of these coalitions.
    let end = wh.ledger_end().await?;
    let filter = LedgerFilter {
        introduced: pass.plans.iter().any(|p| p.watches),
        bills: pass.tracked.keys().filter(|k| !k.starts_with("pending:")).cloned().collect(),
    };
    let mut all: Vec<(usize, Match)> = Vec::new();
    while after < end {
        let started = std::time::Instant::now();
        let last = end.min(after.saturating_add(LEDGER_SPAN));
        let batch = wh.ledger_after(after, last, &filter).await?;
        tracing::debug!(events = batch.len(), ms = started.elapsed().as_millis() as u64, "alerts: ledger batch read");
        let started = std::time::Instant::now();
        let mut matches = match_batch(&mut pass, &batch).await?;
        personalize(&mut pass, &mut matches).await?;
        tracing::debug!(matches = matches.len(), ms = started.elapsed().as_millis() as u64, "alerts: batch matched");
        if write {
            let cursors: Vec<(String, i64)> =
                pass.plans.iter().filter(|p| p.cursor < last).map(|p| (p.c.id.clone(), last)).collect();
            queue(wh, &pass, &matches, &cursors, now).await?;
        }
        for p in pass.plans.iter_mut() {
            p.cursor = p.cursor.max(last);
        }
        all.extend(matches);
        after = last;
    }
    let mut reminders = reminders(&mut pass, now).await?;
    personalize(&mut pass, &mut reminders).await?;
    if write && !reminders.is_empty() {
        queue(wh, &pass, &reminders, &[], now).await?;
    }
    all.extend(reminders);
    Ok(all.into_iter().map(|(_, m)| m).collect())
}

/// A sentence for one membership change: "Bill Carson is now chair (was member)".
fn membership_sentence(kind: &str, ch: &Value) -> Option<String> {
    let member = ch["member"].as_str().unwrap_or("A member");
    match kind {
        "membership_added" => Some(format!("{member} joined as {}", ch["new"]["role"].as_str().unwrap_or("member"))),
        "membership_removed" => Some(format!("{member} left (was {})", ch["old"]["role"].as_str().unwrap_or("member"))),
        "membership_changed" => match (ch["role"]["old"].as_str(), ch["role"]["new"].as_str()) {
            (Some(old), Some(new)) => Some(format!("{member} is now {new} (was {old})")),
            _ => None,
        },
        _ => None,
    }
}

/// A committee's members changed (joined, left, a new chair) and it holds a tracked bill (the
/// bill's latest referral names it): one alert per committee and run, telling every change of
/// that run. A committee loaded for the first time with its roster is not news.
async fn committee_changed(
    pass: &mut Pass<'_>,
    e: &LedgerEntry,
    ch: &Value,
) -> Result<Vec<(usize, Match)>, AlertsError> {
    let Some(org_id) = ch["organization_id"].as_str().map(str::to_string) else { return Ok(Vec::new()) };
    if !pass.committees_told.insert((e.run_id, org_id.clone())) {
        return Ok(Vec::new());
    }
    let new_committee = pass
        .wh
        .fetch(
            "SELECT COUNT(*) FROM change_events WHERE run_id = $1 AND kind = 'organization_added' AND entity_id = $2",
            &[crate::warehouse::Param::Int(Some(e.run_id)), crate::warehouse::Param::Text(Some(org_id.clone()))],
        )
        .await?;
    if new_committee.rows.first().and_then(|r| r.first()).and_then(Value::as_i64).unwrap_or(0) > 0 {
        return Ok(Vec::new());
    }
    if !pass.committee_names.contains_key(&e.jurisdiction_id) {
        let list = pass
            .wh
            .committees_of(&e.jurisdiction_id)
            .await?
            .into_iter()
            .map(|c| {
                let display = match c.chamber.as_deref() {
                    Some("upper") => format!("Senate {}", c.name),
                    Some("lower") => format!("House {}", c.name),
                    _ => c.name.clone(),
                };
                let names = std::iter::once(c.name).chain(json_list(&c.other_names)).collect();
                (rules::CommitteeNames { id: c.id, chamber: c.chamber, names }, display)
            })
            .collect();
        pass.committee_names.insert(e.jurisdiction_id.clone(), list);
    }
    let Some((committee, display)) =
        pass.committee_names[&e.jurisdiction_id].iter().find(|(c, _)| c.id == org_id).cloned()
    else {
        return Ok(Vec::new());
    };
    if pass.referrals.is_none() {
        let ids: Vec<String> = pass.tracked.keys().filter(|k| !k.starts_with("pending:")).cloned().collect();
        let mut latest = HashMap::new();
        for r in pass.wh.referrals(&ids).await? {
            latest.insert(r.bill_id.clone(), r);
        }
        pass.referrals = Some(latest);
    }
    let keys: Vec<(String, String)> = pass
        .referrals
        .as_ref()
        .map(|m| {
            let mut held: Vec<(String, String)> = m
                .values()
                .filter(|r| {
                    let named: Vec<String> = serde_json::from_str::<Vec<Value>>(&r.related_entities)
                        .unwrap_or_default()
                        .iter()
                        .filter(|v| v["entity_type"] == "organization")
                        .filter_map(|v| v["name"].as_str().map(str::to_string))
                        .collect();
                    rules::referral_names(&committee, r.organization.as_deref(), &named, &r.description)
                })
                .map(|r| (r.bill_id.clone(), r.description.clone()))
                .collect();
            held.sort();
            held
        })
        .unwrap_or_default();
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let changes: Vec<String> = pass
        .wh
        .membership_changes(e.run_id)
        .await?
        .into_iter()
        .filter_map(|(_, kind, text)| {
            let v: Value = serde_json::from_str(&text).ok()?;
            (v["organization_id"].as_str() == Some(org_id.as_str())).then(|| membership_sentence(&kind, &v)).flatten()
        })
        .collect();
    if changes.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for (bill_id, referral) in keys {
        let trackers = pass.tracked.get(&bill_id).cloned().unwrap_or_default();
        let Some(bill) = pass.facts(&bill_id).await? else { continue };
        let headline = format!("{display}, which holds {}: {}", bill.info.identifier, changes.join("; "));
        let key = format!("committee:{org_id}:run:{}", e.run_id);
        let info = CommitteeChange {
            committee_id: org_id.clone(),
            committee: display.clone(),
            changes: changes.clone(),
            referral: Some(referral.clone()),
        };
        out.extend(fan_out(&pass.plans, trackers, &key, |p, position, group| {
            let mut a = p.tracked_alert(AlertKind::CommitteeChanged, &headline, e, &bill.info, position, group);
            a.committee = Some(info.clone());
            a
        }));
    }
    Ok(out)
}

/// Each match's own legislators: the current holders of the seats the recipient's group
/// declared, in the bill's jurisdiction, with their phone and email; marked in the hearing's
/// roster and in the roll call.
async fn personalize(pass: &mut Pass<'_>, matches: &mut [(usize, Match)]) -> Result<(), AlertsError> {
    for (i, m) in matches.iter_mut() {
        let c = pass.plans[*i].c;
        let Some(lead) = c.leads.iter().find(|l| l.email == m.recipient.email) else { continue };
        let Some(group) = c.groups.iter().find(|g| g.id == lead.group) else { continue };
        let jurisdiction = m.alert.bill.as_ref().and_then(|b| b.jurisdiction_id.clone());
        let mut yours: Vec<LegislatorInfo> = Vec::new();
        for seat in &group.districts {
            if jurisdiction.as_ref().is_some_and(|j| *j != seat.jurisdiction_id) {
                continue;
            }
            if !pass.seats.contains_key(seat) {
                let rows = pass.wh.legislators_of_seat(&seat.jurisdiction_id, &seat.chamber, &seat.district).await?;
                let holders = rows
                    .into_iter()
                    .map(|r| LegislatorInfo {
                        person_id: r.person_id,
                        name: r.name,
                        chamber: r.chamber,
                        district: r.district,
                        party: r.party,
                        phone: r.capitol_phone.or(r.district_phone),
                        email: r.email,
                    })
                    .collect();
                pass.seats.insert(seat.clone(), holders);
            }
            for l in &pass.seats[seat] {
                if !yours.iter().any(|y| y.person_id == l.person_id) {
                    yours.push(l.clone());
                }
            }
        }
        let ids: HashSet<&str> = yours.iter().map(|l| l.person_id.as_str()).collect();
        let is_yours = |p: &Option<String>| p.as_deref().is_some_and(|p| ids.contains(p));
        if let Some(h) = m.alert.hearing.as_mut() {
            for r in &mut h.roster {
                r.yours = is_yours(&r.person_id);
            }
        }
        if let Some(v) = m.alert.vote.as_mut() {
            for r in &mut v.voters {
                r.yours = is_yours(&r.person_id);
            }
        }
        m.alert.your_legislators = yours;
    }
    Ok(())
}

/// A hearing and the committee it was matched to ([`rules::committee_of_hearing`]), for
/// `statehouse status`: hearings of jurisdictions whose committees the warehouse holds.
#[derive(Debug, Clone, PartialEq)]
pub struct HearingCommittee {
    pub event_id: String,
    pub jurisdiction_id: String,
    pub name: String,
    pub start_date: Option<NaiveDate>,
    pub committee_id: Option<String>,
}

/// Every hearing of the jurisdictions whose committees the warehouse holds, with the committee
/// its name and participants match, if one does.
pub async fn hearing_committees(wh: &Warehouse) -> Result<Vec<HearingCommittee>, AlertsError> {
    let events = wh
        .query(
            "SELECT e.id, e.jurisdiction_id, e.name, e.participants, e.start_date FROM events e \
             WHERE EXISTS (SELECT 1 FROM organizations o WHERE o.jurisdiction_id = e.jurisdiction_id \
                             AND o.classification IN ('committee', 'subcommittee')) \
             ORDER BY e.start_date, e.id",
        )
        .await?;
    let mut committees: HashMap<String, Vec<rules::CommitteeNames>> = HashMap::new();
    let mut out = Vec::new();
    for row in events.rows {
        let text = |i: usize| row.get(i).and_then(Value::as_str).unwrap_or_default().to_string();
        let (event_id, jurisdiction_id, name, participants) = (text(0), text(1), text(2), text(3));
        if !committees.contains_key(&jurisdiction_id) {
            let list = wh
                .committees_of(&jurisdiction_id)
                .await?
                .into_iter()
                .map(|c| rules::CommitteeNames {
                    id: c.id,
                    chamber: c.chamber,
                    names: std::iter::once(c.name).chain(json_list(&c.other_names)).collect(),
                })
                .collect();
            committees.insert(jurisdiction_id.clone(), list);
        }
        let mut texts = json_list(&participants);
        texts.push(name.clone());
        let committee_id = rules::committee_of_hearing(&committees[&jurisdiction_id], &texts).map(str::to_string);
        let start_date = row.get(4).and_then(Value::as_str).and_then(|d| d.get(..10)).and_then(|d| d.parse().ok());
        out.push(HearingCommittee { event_id, jurisdiction_id, name, start_date, committee_id });
    }
    Ok(out)
}

/// The roster of the committee a hearing names (chair and vice chair first), when the
/// warehouse holds the jurisdiction's committees and the name matches one
/// ([`rules::committee_of_hearing`]).
async fn hearing_roster(
    wh: &Warehouse,
    jurisdiction_id: &str,
    hearing: &HearingInfo,
) -> Result<Vec<RosterMember>, AlertsError> {
    let committees: Vec<rules::CommitteeNames> = wh
        .committees_of(jurisdiction_id)
        .await?
        .into_iter()
        .map(|c| rules::CommitteeNames {
            id: c.id,
            chamber: c.chamber,
            names: std::iter::once(c.name).chain(json_list(&c.other_names)).collect(),
        })
        .collect();
    if committees.is_empty() {
        return Ok(Vec::new());
    }
    let mut texts = hearing.committees.clone();
    texts.push(hearing.name.clone());
    let Some(id) = rules::committee_of_hearing(&committees, &texts) else { return Ok(Vec::new()) };
    Ok(wh
        .roster(id)
        .await?
        .into_iter()
        .map(|r| RosterMember {
            person_id: r.person_id,
            name: r.name,
            role: r.role,
            party: r.party,
            district: r.district,
            phone: r.phone,
            email: r.email,
            yours: false,
        })
        .collect())
}

/// Inserts matches into the outbox (a key already there is skipped) and moves the cursors,
/// in one transaction.
async fn queue(
    wh: &Warehouse,
    pass: &Pass<'_>,
    matches: &[(usize, Match)],
    cursors: &[(String, i64)],
    now: DateTime<Utc>,
) -> Result<u64, AlertsError> {
    let rows: Vec<NewAlert> = matches
        .iter()
        .map(|(i, m)| NewAlert {
            coalition_id: pass.plans[*i].c.id.clone(),
            rule: m.alert.kind.rule().to_string(),
            recipient: m.recipient.email.to_lowercase(),
            dedupe_key: m.dedupe_key.clone(),
            change_seq: m.alert.change_seq,
            bill_id: m.alert.bill.as_ref().map(|b| b.id.clone()).filter(|id| !id.is_empty()),
            alert: serde_json::to_string(&m.alert).expect("alerts serialize"),
            delivery: m.delivery.as_str().to_string(),
            due_at: match m.delivery {
                Delivery::Immediate => now,
                Delivery::Daily => rules::next_digest(now, m.timezone, m.digest_hour),
            },
        })
        .collect();
    Ok(wh.queue_alerts(&rows, cursors, now).await?)
}

/// The matches in one batch of the ledger, for every coalition.
async fn match_batch(pass: &mut Pass<'_>, batch: &[LedgerEntry]) -> Result<Vec<(usize, Match)>, AlertsError> {
    // Which events some coalition could want, and what they need read.
    let hearing_ids: Vec<String> = {
        let mut ids: Vec<String> =
            batch.iter().filter(|e| is_hearing_kind(&e.kind)).map(|e| e.entity_id.clone()).collect();
        ids.sort();
        ids.dedup();
        ids
    };
    // Hearings' agendas, as tracked-bill keys.
    let mut on_agenda: HashMap<String, Vec<String>> = HashMap::new();
    if !hearing_ids.is_empty() && !pass.tracked.is_empty() {
        for r in pass.wh.agendas(&hearing_ids).await? {
            let key = match (r.bill_id, r.bill_identifier) {
                (Some(id), _) => id,
                (None, Some(ident)) => pending_key(&r.jurisdiction_id, &ident),
                (None, None) => continue,
            };
            let keys = on_agenda.entry(r.event_id).or_default();
            if pass.tracked.contains_key(&key) && !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    let any_watch = pass.plans.iter().any(|p| p.watches);
    let mut wanted: Vec<&LedgerEntry> = Vec::new();
    let mut need_bills: Vec<String> = Vec::new();
    for e in batch {
        let want = match e.kind.as_str() {
            "bill_introduced" => {
                if any_watch {
                    need_bills.push(e.entity_id.clone());
                }
                any_watch
            }
            "action_added" | "sponsor_added" | "sponsor_removed" | "version_added" | "vote_recorded" => {
                let tracked = e.bill_id.as_ref().is_some_and(|b| pass.tracked.contains_key(b));
                if tracked {
                    need_bills.extend(e.bill_id.clone());
                }
                tracked
            }
            k if is_hearing_kind(k) => on_agenda.get(&e.entity_id).is_some_and(|k| !k.is_empty()),
            "membership_added" | "membership_changed" | "membership_removed" => !pass.tracked.is_empty(),
            "agenda_item_added" | "agenda_item_removed" => match &e.bill_id {
                Some(b) => pass.tracked.contains_key(b),
                None => pass.pending_in.contains(&e.jurisdiction_id),
            },
            _ => false,
        };
        if want && pass.plans.iter().any(|p| p.sees(e)) {
            wanted.push(e);
        }
    }
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    need_bills.sort();
    need_bills.dedup();
    let started = std::time::Instant::now();
    pass.load_bills(&need_bills).await?;
    tracing::debug!(bills = need_bills.len(), ms = started.elapsed().as_millis() as u64, "alerts: bills read");
    // A tracked bill's history (what the run that first loaded it brought) is not news: left
    // out before its changes are read.
    wanted.retain(|e| match e.kind.as_str() {
        "action_added" | "sponsor_added" | "sponsor_removed" | "version_added" | "vote_recorded" => e
            .bill_id
            .as_ref()
            .and_then(|b| pass.bills.get(b))
            .is_some_and(|b| b.as_ref().is_some_and(|b| !is_history(b, e))),
        _ => true,
    });
    // New bills and hearings are read from their rows (a hearing's story from all its
    // events), so only the others' changes are read here.
    let seqs: Vec<i64> =
        wanted.iter().filter(|e| !is_hearing_kind(&e.kind) && e.kind != "bill_introduced").map(|e| e.seq).collect();
    let started = std::time::Instant::now();
    let changes = pass.wh.changes_of(&seqs).await?;
    tracing::debug!(changes = seqs.len(), ms = started.elapsed().as_millis() as u64, "alerts: changes read");
    // New bills: one read of sponsors and actions for the ones a watch could match.
    let new_bills: Vec<String> =
        wanted.iter().filter(|e| e.kind == "bill_introduced").map(|e| e.entity_id.clone()).collect();
    let extra = NewBillExtra::load(pass, &new_bills).await?;
    let started = std::time::Instant::now();
    let mut out = Vec::new();
    for e in wanted {
        let ch = changes.get(&e.seq).and_then(|s| serde_json::from_str::<Value>(s).ok()).unwrap_or(Value::Null);
        match e.kind.as_str() {
            "bill_introduced" => out.extend(new_bill(pass, e, &extra).await?),
            "action_added" => out.extend(action_added(pass, e, &ch).await?),
            "sponsor_added" | "sponsor_removed" => out.extend(sponsor_changed(pass, e, &ch).await?),
            "version_added" => out.extend(version_added(pass, e, &ch).await?),
            "vote_recorded" => out.extend(vote_recorded(pass, e).await?),
            "membership_added" | "membership_changed" | "membership_removed" => {
                out.extend(committee_changed(pass, e, &ch).await?)
            }
            k if is_hearing_kind(k) => {
                let keys = on_agenda.get(&e.entity_id).cloned().unwrap_or_default();
                out.extend(hearing_story(pass, e, &keys).await?)
            }
            _ => out.extend(agenda_item(pass, e, &ch).await?),
        }
    }
    tracing::debug!(ms = started.elapsed().as_millis() as u64, "alerts: events matched");
    Ok(out)
}

/// Whether a bill's child event was written by the run that first loaded the bill: its
/// history (the actions, sponsors, versions and votes it already had), not news. This holds
/// when a coalition replays the ledger too.
fn is_history(bill: &BillFacts, e: &LedgerEntry) -> bool {
    bill.created_run_id == e.run_id
}

/// Whether an added action only replaces one removed in the same load with the same date and
/// text (spacing, case and punctuation aside): a source re-keying an action (a state feed
/// taking over from Open States), not a new action.
async fn is_rekeyed(wh: &Warehouse, e: &LedgerEntry, new: &Value) -> Result<bool, AlertsError> {
    let Some(bill_id) = &e.bill_id else { return Ok(false) };
    let key = |v: &Value| (text_of(v, "date"), rules::tiebreak_text(&text_of(v, "description").unwrap_or_default()));
    let mine = key(new);
    Ok(wh
        .removed_actions(bill_id, e.run_id)
        .await?
        .iter()
        .any(|s| serde_json::from_str::<Value>(s).is_ok_and(|v| key(&v["old"]) == mine)))
}

/// Sponsors and actions of new bills, read once per batch for the coalitions whose watches
/// need them.
#[derive(Default)]
struct NewBillExtra {
    sponsors: HashMap<String, Vec<(String, Option<String>)>>,
    /// Each action's description and related entities, as one text.
    actions: HashMap<String, Vec<String>>,
}

impl NewBillExtra {
    async fn load(pass: &Pass<'_>, bills: &[String]) -> Result<NewBillExtra, AlertsError> {
        let mut out = NewBillExtra::default();
        if bills.is_empty() {
            return Ok(out);
        }
        if pass.plans.iter().any(|p| !p.c.watch.sponsors.is_empty()) {
            for r in pass.wh.alert_sponsors(bills).await? {
                out.sponsors.entry(r.bill_id).or_default().push((r.name, r.person_id));
            }
        }
        if pass.plans.iter().any(|p| !p.c.watch.committees.is_empty()) {
            for r in pass.wh.alert_action_texts(bills).await? {
                out.actions.entry(r.bill_id).or_default().push(format!("{} {}", r.description, r.related_entities));
            }
        }
        Ok(out)
    }
}

/// What a coalition's watches find in a new bill: the why-terms and a snippet.
/// What one new bill's texts hold of every coalition's watched terms and committees, found
/// in one pass each (one automaton for all coalitions).
struct Found {
    /// Owner (plan index) → (term, snippet), in the order of the coalition's terms.
    terms: HashMap<usize, Vec<(String, String)>>,
    /// Owner → committees named by the bill's actions.
    committees: HashMap<usize, Vec<String>>,
}

impl Found {
    fn of(pass: &Pass<'_>, bill: &BillFacts, extra: &NewBillExtra) -> Found {
        let mut terms: HashMap<usize, Vec<(String, String)>> = HashMap::new();
        if !pass.terms.is_empty() {
            let text = format!("{} {}", bill.info.title, bill.abstract_text.as_deref().unwrap_or_default());
            for m in pass.terms.find(&text) {
                terms.entry(m.owner).or_default().push((m.term.to_string(), m.snippet));
            }
        }
        let mut committees: HashMap<usize, Vec<String>> = HashMap::new();
        if !pass.committees.is_empty() {
            let mut entries: Vec<(usize, usize, String)> = Vec::new();
            for text in extra.actions.get(&bill.info.id).map(Vec::as_slice).unwrap_or_default() {
                for m in pass.committees.find(text) {
                    entries.push((m.entry, m.owner, m.term.to_string()));
                }
            }
            entries.sort();
            entries.dedup();
            for (_, owner, term) in entries {
                committees.entry(owner).or_default().push(term);
            }
        }
        Found { terms, committees }
    }
}

/// What a coalition's watches find in a new bill: the why-terms and a snippet.
fn watched_in(
    i: usize,
    c: &Coalition,
    bill: &BillFacts,
    extra: &NewBillExtra,
    found: &Found,
) -> (Vec<String>, Option<String>) {
    let w = &c.watch;
    let mut terms = Vec::new();
    let mut snippet = None;
    for (term, s) in found.terms.get(&i).map(Vec::as_slice).unwrap_or_default() {
        terms.push(term.clone());
        snippet.get_or_insert(s.clone());
    }
    for s in &w.subjects {
        if bill.subjects.iter().any(|x| x.eq_ignore_ascii_case(s)) {
            terms.push(format!("subject: {s}"));
        }
    }
    if !w.sponsors.is_empty() {
        // Each legislator who matches, by name: two sharing a watched family name both show.
        for (name, person) in extra.sponsors.get(&bill.info.id).map(Vec::as_slice).unwrap_or_default() {
            if let Some(watch) = w.sponsors.iter().find(|s| rules::sponsor_matches(s, name, person.as_deref())) {
                let term = rules::sponsor_term(name, watch);
                if !terms.contains(&term) {
                    terms.push(term);
                }
            }
        }
    }
    for committee in found.committees.get(&i).map(Vec::as_slice).unwrap_or_default() {
        terms.push(format!("committee: {committee}"));
    }
    (terms, snippet)
}

/// A bill new to the warehouse, for the coalitions whose watches it matches (a tracked one
/// with each group's position). A jurisdiction's first load introduces every bill it
/// has ever had: not news, except to a coalition replaying the ledger.
async fn new_bill(
    pass: &mut Pass<'_>,
    e: &LedgerEntry,
    extra: &NewBillExtra,
) -> Result<Vec<(usize, Match)>, AlertsError> {
    let first_load = pass.in_first_load(e).await?;
    let Some(bill) = pass.bill_uncredited(&e.entity_id).await? else { return Ok(Vec::new()) };
    let found = Found::of(pass, &bill, extra);
    // A new bill is news to the coalitions whose watches match it; a tracked one then shows
    // each group's position.
    // Only the coalitions whose terms or committees were found, or that watch subjects or
    // sponsors, can match.
    let matched: Vec<(usize, Vec<String>, Option<String>)> = pass
        .plans
        .iter()
        .enumerate()
        .filter(|(i, p)| {
            found.terms.contains_key(i)
                || found.committees.contains_key(i)
                || !p.c.watch.subjects.is_empty()
                || !p.c.watch.sponsors.is_empty()
        })
        .filter(|(_, p)| p.sees(e) && (p.replay || !first_load) && p.watches)
        .map(|(i, p)| {
            let (terms, snippet) = watched_in(i, p.c, &bill, extra, &found);
            (i, terms, snippet)
        })
        .filter(|(_, terms, _)| !terms.is_empty())
        .collect();
    if matched.is_empty() {
        return Ok(Vec::new());
    }
    let trackers = pass.trackers(&e.entity_id, e);
    let key = format!("seq:{}", e.seq);
    let Some(bill) = pass.bill(&e.entity_id).await? else { return Ok(Vec::new()) };
    let headline = format!("New bill {}: {}", bill.info.identifier, bill.info.title);
    let mut out = Vec::new();
    for (i, terms, snippet) in matched {
        let p = &pass.plans[i];
        let tracked = trackers.iter().find(|(j, _)| *j == i).map(|(_, t)| *t);
        let mut seen = HashSet::new();
        if let Some(t) = tracked {
            // Every group following the bill, with its position.
            for m in p.for_tracked(t, &key, |position, group| {
                let mut a = p.tracked_alert(AlertKind::NewBill, &headline, e, &bill.info, position, group);
                a.why.terms = terms.clone();
                a.why.snippet = snippet.clone();
                a.source_url = bill.info.url.clone();
                a
            }) {
                seen.insert(m.recipient.email.to_lowercase());
                out.push((i, m));
            }
        }
        for lead in &p.c.leads {
            if !seen.insert(lead.email.to_lowercase()) {
                continue;
            }
            let mut a = p.alert(AlertKind::NewBill, headline.clone(), Some(e.seq), e.recorded_at);
            a.bill = Some(match tracked {
                // The coalition's position, as the group the bill is assigned to holds it.
                Some(t) => p.with_position(&bill.info, t.position, &t.group),
                None => bill.info.clone(),
            });
            a.why = match tracked {
                Some(t) => {
                    let mut why = p.tracked_why(&bill.info, t.position, &t.group);
                    why.terms = terms.clone();
                    why.snippet = snippet.clone();
                    why
                }
                None => Why {
                    reason: format!("A new bill in {} matches what {} watches", bill.info.jurisdiction, p.c.name),
                    terms: terms.clone(),
                    snippet: snippet.clone(),
                },
            };
            a.source_url = bill.info.url.clone();
            out.push((i, p.matched(lead, &key, a)));
        }
    }
    Ok(out)
}

/// The tracked bill an event is about, and the coalitions that see it; None when the event
/// is the bill's history.
async fn tracked_bill<'a>(
    pass: &mut Pass<'a>,
    e: &LedgerEntry,
) -> Result<Option<(BillFacts, Vec<(usize, &'a config::TrackedBill)>)>, AlertsError> {
    let Some(bill_id) = &e.bill_id else { return Ok(None) };
    let trackers = pass.trackers(bill_id, e);
    if trackers.is_empty() {
        return Ok(None);
    }
    let Some(bill) = pass.bill(bill_id).await? else { return Ok(None) };
    if is_history(&bill, e) {
        return Ok(None);
    }
    Ok(Some((bill, trackers)))
}

async fn action_added(pass: &mut Pass<'_>, e: &LedgerEntry, ch: &Value) -> Result<Vec<(usize, Match)>, AlertsError> {
    let Some((bill, trackers)) = tracked_bill(pass, e).await? else { return Ok(Vec::new()) };
    let new = &ch["new"];
    if is_rekeyed(pass.wh, e, new).await? {
        return Ok(Vec::new());
    }
    let classes = value_list(&new["classification"]);
    let action = ActionInfo {
        date: text_of(new, "date"),
        description: text_of(new, "description").unwrap_or_default(),
        classification: classes.clone(),
        organization: text_of(new, "organization"),
    };
    let headline = format!("{}: {}", bill.info.identifier, action.description);
    let mut out = Vec::new();
    for (i, t) in trackers {
        let p = &pass.plans[i];
        if !rules::action_passes(&classes, &p.c.actions) {
            continue;
        }
        for m in p.for_tracked(t, &format!("seq:{}", e.seq), |position, group| {
            let mut a = p.tracked_alert(AlertKind::Action, &headline, e, &bill.info, position, group);
            a.action = Some(action.clone());
            a.source_url = bill.info.url.clone();
            a
        }) {
            out.push((i, m));
        }
    }
    Ok(out)
}

async fn sponsor_changed(pass: &mut Pass<'_>, e: &LedgerEntry, ch: &Value) -> Result<Vec<(usize, Match)>, AlertsError> {
    let Some((bill, trackers)) = tracked_bill(pass, e).await? else { return Ok(Vec::new()) };
    let added = e.kind == "sponsor_added";
    let row = if added { &ch["new"] } else { &ch["old"] };
    let sponsor = SponsorInfo {
        name: text_of(row, "name").unwrap_or_default(),
        primary: row["is_primary"].as_bool().unwrap_or(false),
    };
    let (kind, verb) =
        if added { (AlertKind::SponsorAdded, "adds sponsor") } else { (AlertKind::SponsorRemoved, "loses sponsor") };
    let headline = format!("{} {verb} {}", bill.info.identifier, sponsor.name);
    Ok(fan_out(&pass.plans, trackers, &format!("seq:{}", e.seq), |p, position, group| {
        let mut a = p.tracked_alert(kind, &headline, e, &bill.info, position, group);
        a.sponsor = Some(sponsor.clone());
        a.source_url = bill.info.url.clone();
        a
    }))
}

async fn version_added(pass: &mut Pass<'_>, e: &LedgerEntry, ch: &Value) -> Result<Vec<(usize, Match)>, AlertsError> {
    let Some((bill, trackers)) = tracked_bill(pass, e).await? else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for (i, t) in trackers {
        let p = &pass.plans[i];
        let version = version_info(pass.wh, p.c, &bill.info.id, &e.entity_id, &ch["new"]).await?;
        let headline = format!("{}: new version ({})", bill.info.identifier, version.note);
        for m in p.for_tracked(t, &format!("seq:{}", e.seq), |position, group| {
            let mut a = p.tracked_alert(AlertKind::NewVersion, &headline, e, &bill.info, position, group);
            a.version = Some(version.clone());
            a.source_url = version.url.clone().or(bill.info.url.clone());
            a
        }) {
            out.push((i, m));
        }
    }
    Ok(out)
}

async fn vote_recorded(pass: &mut Pass<'_>, e: &LedgerEntry) -> Result<Vec<(usize, Match)>, AlertsError> {
    let Some((bill, trackers)) = tracked_bill(pass, e).await? else { return Ok(Vec::new()) };
    let Some((vote, records)) = vote_facts(pass.wh, &e.entity_id, &bill.jurisdiction_id).await? else {
        return Ok(Vec::new());
    };
    let headline = format!(
        "{}: {} vote, {} ({}–{})",
        bill.info.identifier,
        vote.body,
        match vote.result.as_str() {
            "pass" => "passed",
            "fail" => "failed",
            other => other,
        },
        vote.yes,
        vote.no
    );
    Ok(fan_out(&pass.plans, trackers, &format!("seq:{}", e.seq), |p, position, group| {
        let mut v = vote.clone();
        v.voters = records
            .iter()
            .map(|(name, option, person_id)| VoterInfo {
                name: name.clone(),
                person_id: person_id.clone(),
                yours: false,
                option: option.clone(),
                with_position: position.agrees(option),
            })
            .collect();
        let mut a = p.alert(AlertKind::RollCall, headline.clone(), Some(e.seq), e.recorded_at);
        a.bill = Some(p.with_position(&bill.info, position, group));
        a.why = p.tracked_why(&bill.info, position, group);
        a.source_url = v.url.clone().or(bill.info.url.clone());
        a.vote = Some(v);
        a
    }))
}

/// A tracked bill put on or taken off a hearing's agenda (an item that arrived with its
/// hearing is told by the hearing's own alert).
async fn agenda_item(pass: &mut Pass<'_>, e: &LedgerEntry, ch: &Value) -> Result<Vec<(usize, Match)>, AlertsError> {
    let added = e.kind == "agenda_item_added";
    let row = if added { &ch["new"] } else { &ch["old"] };
    let key = match &e.bill_id {
        Some(b) => b.clone(),
        None => match text_of(row, "bill_identifier") {
            Some(ident) => pending_key(&e.jurisdiction_id, &ident),
            None => return Ok(Vec::new()),
        },
    };
    let trackers = pass.trackers(&key, e);
    if trackers.is_empty() {
        return Ok(Vec::new());
    }
    let event_id = ch["event_id"].as_str().unwrap_or_default().to_string();
    if added && pass.wh.hearing_arrived_in_run(&event_id, e.run_id).await? {
        return Ok(Vec::new());
    }
    let Some(bill) = pass.facts(&key).await? else { return Ok(Vec::new()) };
    let Some(event) = pass.wh.alert_event(&event_id).await? else { return Ok(Vec::new()) };
    // The hearing as it was after this event's run, not as it is now.
    let changes = pass.wh.hearing_changes(&event_id).await?;
    let mut hearing = hearing_info(&event, &state_after_run(&event, &changes, e.run_id));
    if added {
        hearing.roster = hearing_roster(pass.wh, &event.jurisdiction_id, &hearing).await?;
    }
    let (kind, headline) = if added {
        (
            AlertKind::HearingScheduled,
            format!("{} is on the agenda: {}, {}", bill.info.identifier, hearing.name, hearing.when),
        )
    } else {
        (
            AlertKind::AgendaRemoved,
            format!("{} taken off the agenda: {}, {}", bill.info.identifier, hearing.name, hearing.when),
        )
    };
    Ok(fan_out(&pass.plans, trackers, &format!("seq:{}", e.seq), |p, position, group| {
        let mut a = p.tracked_alert(kind, &headline, e, &bill.info, position, group);
        a.source_url = hearing.url.clone().or(bill.info.url.clone());
        a.hearing = Some(hearing.clone());
        a
    }))
}

// ------------------------------------------------------------------------------------------
// Hearings: what happened in one run, told from the change events
// ------------------------------------------------------------------------------------------

/// The parts of a hearing an alert tells.
#[derive(Debug, Clone, PartialEq)]
struct HearingState {
    name: String,
    start_time: Option<DateTime<Utc>>,
    start_date: Option<String>,
    all_day: bool,
    location: Option<String>,
    status: String,
}

impl HearingState {
    fn of(e: &EventRow) -> HearingState {
        HearingState {
            name: e.name.clone(),
            start_time: e.start_time,
            start_date: e.start_date.map(|d| d.to_string()),
            all_day: e.all_day,
            location: e.location.clone(),
            status: e.status.clone(),
        }
    }

    /// The state before a field-by-field change (`{field: {old, new}}`).
    fn revert(&mut self, diff: &Value) {
        let Some(fields) = diff.as_object() else { return };
        for (field, change) in fields {
            let old = &change["old"];
            match field.as_str() {
                "name" => self.name = old.as_str().unwrap_or_default().to_string(),
                "start_time" => self.start_time = old.as_str().and_then(parse_time),
                "start_date" => self.start_date = old.as_str().map(|d| d.get(..10).unwrap_or(d).to_string()),
                "all_day" => self.all_day = old.as_bool().or(old.as_i64().map(|n| n == 1)).unwrap_or(false),
                "location" => self.location = old.as_str().map(str::to_string),
                "status" => self.status = old.as_str().unwrap_or_default().to_string(),
                _ => {}
            }
        }
    }

    fn cancelled(&self) -> bool {
        self.status.eq_ignore_ascii_case("cancelled")
    }

    fn slot(&self) -> (Option<DateTime<Utc>>, Option<&str>, bool, Option<&str>) {
        (self.start_time, self.start_date.as_deref(), self.all_day, self.location.as_deref())
    }

    fn when(&self, tz: chrono_tz::Tz) -> String {
        hearing_when(self.start_time, self.start_date.as_deref(), self.all_day, tz)
    }

    /// Whether the hearing was over at `at`.
    fn over_at(&self, at: DateTime<Utc>) -> bool {
        match (self.start_time, &self.start_date) {
            (Some(t), _) => t < at,
            (None, Some(d)) => NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok_and(|d| d < at.date_naive()),
            _ => false,
        }
    }
}

/// A hearing as it was at the end of a run: its current row with the changes of later runs
/// undone.
fn state_after_run(event: &EventRow, changes: &[crate::warehouse::alerts::EntityChange], run_id: i64) -> HearingState {
    let mut state = HearingState::of(event);
    for c in changes.iter().rev().filter(|c| c.run_id > run_id) {
        state.revert(&serde_json::from_str::<Value>(&c.changes).unwrap_or(Value::Null));
    }
    state
}

/// A change's record is a whole new row (`{"new": …}`: the hearing arrived) or a diff.
fn arrived(changes: &Value) -> bool {
    changes.get("new").is_some() && changes.get("old").is_none()
}

/// The story of one hearing in one run, told once to every coalition tracking a bill on its
/// agenda: the state before the run (from the change events, not the current row) and after
/// it, in one message per bill and lead.
async fn hearing_story(
    pass: &mut Pass<'_>,
    e: &LedgerEntry,
    keys: &[String],
) -> Result<Vec<(usize, Match)>, AlertsError> {
    if !pass.told.insert((e.run_id, e.entity_id.clone())) {
        return Ok(Vec::new());
    }
    let Some(event) = pass.wh.alert_event(&e.entity_id).await? else { return Ok(Vec::new()) };
    let changes = pass.wh.hearing_changes(&e.entity_id).await?;
    let state = state_after_run(&event, &changes, e.run_id);
    let parse = |c: &str| serde_json::from_str::<Value>(c).unwrap_or(Value::Null);
    let this_run: Vec<Value> = changes.iter().filter(|c| c.run_id == e.run_id).map(|c| parse(&c.changes)).collect();
    let tz: chrono_tz::Tz = event.timezone.parse().unwrap_or(chrono_tz::UTC);
    let Some(Told { kind, shown, was, story }) = tell(state, &this_run, tz) else { return Ok(Vec::new()) };
    // A hearing already over when the change was recorded is not something to act on (a
    // jurisdiction's first load brings its past hearings); a replaying coalition keeps them.
    let over = shown.over_at(e.recorded_at);
    let mut hearing = hearing_info(&event, &shown);
    if let Some(was) = &was {
        if was.start_time != shown.start_time || was.start_date != shown.start_date || was.all_day != shown.all_day {
            hearing.before = Some(was.when(tz));
        }
        if was.location != shown.location {
            hearing.before_location = was.location.clone();
        }
    }
    hearing.story = story;
    if kind != AlertKind::HearingCancelled {
        hearing.roster = hearing_roster(pass.wh, &event.jurisdiction_id, &hearing).await?;
    }
    let mut out = Vec::new();
    for key in keys {
        let trackers = pass.trackers(key, e);
        if trackers.iter().all(|(i, _)| over && !pass.plans[*i].replay) {
            continue;
        }
        let Some(bill) = pass.facts(key).await? else { continue };
        let headline = match (kind, &hearing.story) {
            (AlertKind::HearingCancelled, _) => {
                format!("Hearing cancelled: {} ({}), {}", hearing.name, bill.info.identifier, hearing.when)
            }
            (AlertKind::HearingRescheduled, _) => {
                format!("Hearing moved: {} ({}), now {}", hearing.name, bill.info.identifier, hearing.when)
            }
            (AlertKind::HearingScheduled, Some(_)) => {
                format!("Hearing back on: {} ({}), {}", hearing.name, bill.info.identifier, hearing.when)
            }
            _ => format!("Hearing: {} takes up {}, {}", hearing.name, bill.info.identifier, hearing.when),
        };
        let dedupe = format!("hearing:{}:{}:{key}", e.run_id, e.entity_id);
        for (i, t) in trackers {
            let p = &pass.plans[i];
            if over && !p.replay {
                continue;
            }
            for m in p.for_tracked(t, &dedupe, |position, group| {
                let mut a = p.tracked_alert(kind, &headline, e, &bill.info, position, group);
                a.source_url = hearing.url.clone().or(bill.info.url.clone());
                a.hearing = Some(hearing.clone());
                a
            }) {
                out.push((i, m));
            }
        }
    }
    Ok(out)
}

/// What a hearing's changes in one run come to, for the alert.
#[derive(Debug, Clone, PartialEq)]
struct Told {
    kind: AlertKind,
    /// The state the alert shows (a cancellation shows the slot that was cancelled).
    shown: HearingState,
    /// The state before, for "was → now".
    was: Option<HearingState>,
    /// One sentence for a story of more than one change.
    story: Option<String>,
}

/// The story of one run's changes to a hearing (`changes`, in order), from its state at the
/// end of the run: walked back to its first state (before the run, or as it arrived), then
/// told as one alert, or none when nothing a lead acts on changed.
fn tell(after: HearingState, changes: &[Value], tz: chrono_tz::Tz) -> Option<Told> {
    let mut first = after.clone();
    let mut arrived_in_run = false;
    let mut cancelled_between = false;
    // The state just before the run's last cancellation: the slot that was cancelled.
    let mut pre_cancel: Option<HearingState> = None;
    for v in changes.iter().rev() {
        if arrived(v) {
            arrived_in_run = true;
            break;
        }
        let was_cancelled = first.cancelled();
        first.revert(v);
        if was_cancelled && !first.cancelled() && pre_cancel.is_none() {
            pre_cancel = Some(first.clone());
        }
        cancelled_between |= first.cancelled();
    }
    let moved = first.slot() != after.slot();
    let moved_story =
        || format!("The meeting of {} was cancelled; the hearing moved to {}.", first.when(tz), after.when(tz));
    let back_on = || Some("This hearing was cancelled and is back on.".to_string());
    let told = |kind, shown: &HearingState, was: Option<&HearingState>, story| Told {
        kind,
        shown: shown.clone(),
        was: was.cloned(),
        story,
    };
    Some(if after.cancelled() {
        if first.cancelled() && !arrived_in_run {
            // Cancelled before this run, and still.
            return None;
        }
        told(AlertKind::HearingCancelled, pre_cancel.as_ref().unwrap_or(&first), None, None)
    } else if first.cancelled() && moved {
        told(AlertKind::HearingRescheduled, &after, Some(&first), Some(moved_story()))
    } else if first.cancelled() {
        told(AlertKind::HearingScheduled, &after, None, back_on())
    } else if arrived_in_run {
        told(AlertKind::HearingScheduled, &after, None, None)
    } else if moved {
        told(AlertKind::HearingRescheduled, &after, Some(&first), cancelled_between.then(moved_story))
    } else if cancelled_between {
        told(AlertKind::HearingScheduled, &after, None, back_on())
    } else {
        // Neither time, place nor status changed: nothing to act on.
        return None;
    })
}

fn hearing_when(
    start_time: Option<DateTime<Utc>>,
    start_date: Option<&str>,
    all_day: bool,
    tz: chrono_tz::Tz,
) -> String {
    match (start_time, all_day) {
        (Some(t), false) => rules::local_time(t, tz),
        _ => start_date
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .map(rules::local_date)
            .unwrap_or_else(|| "(date to be announced)".into()),
    }
}

/// A hearing as alerts show it, in the state `s`.
fn hearing_info(e: &EventRow, s: &HearingState) -> HearingInfo {
    let tz: chrono_tz::Tz = e.timezone.parse().unwrap_or(chrono_tz::UTC);
    HearingInfo {
        event_id: e.id.clone(),
        name: s.name.clone(),
        committees: json_list(&e.participants),
        when: s.when(tz),
        before: None,
        location: s.location.clone(),
        before_location: None,
        status: s.status.clone(),
        start_time: s.start_time,
        start_date: s.start_date.clone(),
        all_day: s.all_day,
        timezone: tz.name().to_string(),
        members: Vec::new(),
        roster: Vec::new(),
        url: e.source_url.clone(),
        story: None,
    }
}

/// How much of a version's changes an alert shows.
const DIFF_EXCERPT_CHARS: usize = 1_500;

async fn version_info(
    wh: &Warehouse,
    c: &Coalition,
    bill_id: &str,
    version_id: &str,
    new: &Value,
) -> Result<VersionInfo, AlertsError> {
    let mut info = VersionInfo {
        note: text_of(new, "note").unwrap_or_default(),
        date: text_of(new, "date"),
        url: text_of(new, "url"),
        diff_summary: None,
        phrases_added: Vec::new(),
        phrases_removed: Vec::new(),
        diff_excerpt: None,
    };
    // The texts, when the source delivered them: this version's and the previous one's.
    let list = wh.version_texts(bill_id).await?;
    if let Some(pos) = list.iter().position(|v| v.id == version_id)
        && pos > 0
    {
        let (old, new) = (&list[pos - 1].text, &list[pos].text);
        // The diff stored when the version was loaded (`version_diffs`), else one made now.
        let diff = wh
            .version_diff(version_id)
            .await?
            .and_then(|d| serde_json::from_str::<crate::text::TextDiff>(&d).ok())
            .unwrap_or_else(|| crate::text::diff(old, new, &[]));
        let summary = diff.summary.clone();
        // The sections themselves, without render_text's own summary line.
        let rendered = crate::text::render_text(&diff, DIFF_EXCERPT_CHARS);
        info.diff_excerpt =
            rendered.split_once('\n').map(|(_, rest)| rest.trim().to_string()).filter(|r| !r.is_empty());
        info.diff_summary = Some(format!("{summary} (against the previous version)"));
        // Looked for in what the texts say once enacted: a phrase a version strikes is gone.
        let (old, new) = (crate::text::marks::live(old), crate::text::marks::live(new));
        let in_old: HashSet<String> = find_terms(&old, &c.watch.terms).into_iter().map(|t| t.0).collect();
        let in_new: HashSet<String> = find_terms(&new, &c.watch.terms).into_iter().map(|t| t.0).collect();
        info.phrases_added =
            c.watch.terms.iter().filter(|t| in_new.contains(*t) && !in_old.contains(*t)).cloned().collect();
        info.phrases_removed =
            c.watch.terms.iter().filter(|t| in_old.contains(*t) && !in_new.contains(*t)).cloned().collect();
    }
    Ok(info)
}

async fn vote_facts(
    wh: &Warehouse,
    vote_id: &str,
    jurisdiction_id: &str,
) -> Result<Option<(VoteInfo, Vec<(String, String, Option<String>)>)>, AlertsError> {
    let Some(r) = wh.alert_vote(vote_id).await? else { return Ok(None) };
    let info = VoteInfo {
        motion: r.motion,
        date: r.date.map(|d| d.to_string()),
        result: r.result,
        body: rules::body_name(r.organization.as_deref(), jurisdiction_id),
        yes: r.yes_count,
        no: r.no_count,
        other: r.abstain_count + r.absent_count + r.excused_count + r.not_voting_count + r.other_count,
        voters: Vec::new(),
        url: r.source_url,
    };
    let records = wh.alert_voters(vote_id).await?.into_iter().map(|v| (v.voter_name, v.option, v.person_id)).collect();
    Ok(Some((info, records)))
}

/// Who sits on a committee, as its latest roll call shows it (the warehouse keeps no
/// membership lists; a committee's last vote names its voting members).
async fn committee_members(
    wh: &Warehouse,
    jurisdiction_id: &str,
    committees: &[String],
) -> Result<Vec<String>, AlertsError> {
    for committee in committees {
        if let Some(id) = wh.committee_last_vote(jurisdiction_id, committee).await? {
            let mut names: Vec<String> = wh.alert_voters(&id).await?.into_iter().map(|v| v.voter_name).collect();
            names.sort();
            return Ok(names);
        }
    }
    Ok(Vec::new())
}

/// Reminders N days before upcoming hearings on tracked bills (time-driven, not ledger-driven:
/// keyed by hearing, start and N, so each goes out once, and again after a reschedule).
async fn reminders(pass: &mut Pass<'_>, now: DateTime<Utc>) -> Result<Vec<(usize, Match)>, AlertsError> {
    let keys: Vec<String> = {
        let mut k: Vec<String> = pass
            .tracked
            .iter()
            .filter(|(_, v)| v.iter().any(|(i, _)| !pass.plans[*i].c.reminder_days.is_empty()))
            .map(|(k, _)| k.clone())
            .collect();
        k.sort();
        k
    };
    let mut out = Vec::new();
    for key in keys {
        let rows = match key.strip_prefix("pending:").and_then(|k| k.split_once('|')) {
            Some((jurisdiction, identifier)) => pass.wh.hearings_of_identifier(jurisdiction, identifier).await?,
            None => pass.wh.hearings_of_bill(&key).await?,
        };
        for r in rows {
            let tz: chrono_tz::Tz = r.timezone.parse().unwrap_or(chrono_tz::UTC);
            let today = now.with_timezone(&tz).date_naive();
            let Some(day) = r.start_date else { continue };
            let trackers: Vec<(usize, &config::TrackedBill)> = pass.tracked.get(&key).cloned().unwrap_or_default();
            let due: Vec<(usize, &config::TrackedBill, u32)> = trackers
                .into_iter()
                .filter_map(|(i, t)| rules::reminder_due(today, day, &pass.plans[i].c.reminder_days).map(|n| (i, t, n)))
                .collect();
            if due.is_empty() {
                continue;
            }
            let Some(bill) = pass.facts(&key).await? else { continue };
            let Some(event) = pass.wh.alert_event(&r.id).await? else { continue };
            let mut hearing = hearing_info(&event, &HearingState::of(&event));
            hearing.roster = hearing_roster(pass.wh, &bill.jurisdiction_id, &hearing).await?;
            if hearing.roster.is_empty() {
                hearing.members = committee_members(pass.wh, &bill.jurisdiction_id, &hearing.committees).await?;
            }
            let days_left = (day - today).num_days();
            let headline = format!(
                "Reminder: {} hearing on {} in {} day{} ({})",
                hearing.name,
                bill.info.identifier,
                days_left,
                if days_left == 1 { "" } else { "s" },
                hearing.when
            );
            let start_key = r.start_time.map(|t| t.to_rfc3339()).unwrap_or_else(|| day.to_string());
            for (i, t, n) in due {
                let p = &pass.plans[i];
                let dedupe = format!("reminder:{}:{start_key}:{n}d:{key}", r.id);
                for m in p.for_tracked(t, &dedupe, |position, group| {
                    let mut a = p.alert(AlertKind::HearingReminder, headline.clone(), None, now);
                    a.bill = Some(p.with_position(&bill.info, position, group));
                    a.why = Why {
                        reason: format!(
                            "{} tracks {} ({}) and asked for reminders {} days before hearings",
                            p.c.name,
                            bill.info.identifier,
                            position.as_str(),
                            p.c.reminder_days.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(" and ")
                        ),
                        terms: Vec::new(),
                        snippet: None,
                    };
                    a.source_url = hearing.url.clone().or(bill.info.url.clone());
                    a.hearing = Some(hearing.clone());
                    a
                }) {
                    out.push((i, m));
                }
            }
        }
    }
    Ok(out)
}

// ------------------------------------------------------------------------------------------
// Outbox → messages → delivery
// ------------------------------------------------------------------------------------------

/// A message's Message-ID: the warehouse's identifier, the coalition, and a digest of the
/// recipient and the message's key, so no two warehouses (and no two messages of one) share
/// one.
pub fn message_id(warehouse_id: &str, coalition: &str, recipient: &str, key: &str) -> String {
    let domain = recipient.rsplit('@').next().filter(|d| !d.is_empty()).unwrap_or("localhost");
    let digest = crate::hash::sha256_hex(format!("{warehouse_id}\u{0}{recipient}\u{0}{key}").as_bytes());
    format!("<statehouse.{warehouse_id}.{coalition}.{}@{domain}>", &digest[..24])
}

/// Groups due outbox rows into messages: one per immediate alert, one per lead and digest
/// time for daily ones. Returns the number of messages created.
pub async fn compose(wh: &Warehouse, now: DateTime<Utc>) -> Result<u64, AlertsError> {
    let due = wh.due_alerts(now).await?;
    if due.is_empty() {
        return Ok(0);
    }
    let warehouse_id = wh.warehouse_id().await?;
    /// (coalition, recipient, message key, kind, transport) → outbox ids.
    type Key = (String, String, String, &'static str, Option<String>);
    let mut groups: Vec<(Key, Vec<i64>)> = Vec::new();
    let mut index: HashMap<Key, usize> = HashMap::new();
    for r in due {
        let (key, kind) = match r.delivery.as_str() {
            "daily" => (format!("digest:{}", r.due_at.to_rfc3339()), "digest"),
            _ => (format!("alert:{}", r.id), "alert"),
        };
        let k = (r.coalition_id, r.recipient, key, kind, r.transport);
        match index.get(&k) {
            Some(&i) => groups[i].1.push(r.id),
            None => {
                index.insert(k.clone(), groups.len());
                groups.push((k, vec![r.id]));
            }
        }
    }
    let mut created = 0;
    for ((coalition, recipient, key, kind, transport), ids) in groups {
        let rfc_id = message_id(&warehouse_id, &coalition, &recipient, &key);
        created +=
            wh.create_message(&coalition, &recipient, &key, kind, transport.as_deref(), &rfc_id, &ids, now).await?;
    }
    Ok(created)
}

/// Backoff after `attempts` failures: 5 minutes, doubling, at most 6 hours.
pub fn retry_after(attempts: i64) -> chrono::Duration {
    let minutes = 5i64.saturating_mul(1i64 << attempts.clamp(0, 10).saturating_sub(1).max(0));
    chrono::Duration::minutes(minutes.min(6 * 60))
}

/// A claimed (or, for a preview, due) message made ready to send: None when its recipient
/// is no longer a lead of the coalition.
struct Outgoing {
    message: lettre::Message,
    subject: Option<String>,
}

async fn prepare(
    wh: &Warehouse,
    coalitions: &[Coalition],
    m: &ClaimedMessage,
    from: &lettre::message::Mailbox,
    now: DateTime<Utc>,
) -> Result<Option<Result<Outgoing, String>>, AlertsError> {
    let coalition = coalitions.iter().find(|c| c.id == m.coalition_id);
    let Some((c, lead)) =
        coalition.and_then(|c| c.leads.iter().find(|l| l.email.eq_ignore_ascii_case(&m.recipient)).map(|l| (c, l)))
    else {
        return Ok(None);
    };
    let mut alerts = Vec::new();
    for r in wh.alerts_of_message(m.id).await? {
        alerts.push(serde_json::from_str::<Alert>(&r.alert).map_err(|e| AlertsError::Stored(r.id, e))?);
    }
    let recipient = Recipient {
        name: lead.name.clone(),
        email: m.recipient.clone(),
        timezone: lead.timezone.name().to_string(),
        group: c.groups.iter().find(|g| g.id == lead.group).map(|g| g.name.clone()).unwrap_or_default(),
    };
    let links = Links { unsubscribe: c.unsubscribe.clone(), manage: None };
    let rendered = if m.kind == "digest" {
        render::render_digest(&alerts, &recipient, rules::digest_day(now, lead.timezone), &links)
    } else {
        match alerts.first() {
            Some(a) => render::render_alert(a, &recipient, &links),
            None => return Ok(Some(Err("the message holds no alert".into()))),
        }
    };
    let rendered = match rendered {
        Ok(r) => r,
        Err(e) => return Ok(Some(Err(format!("cannot render: {e}")))),
    };
    Ok(Some(
        render::message(&rendered, from, &recipient, &links.unsubscribe, &m.rfc_message_id, now)
            .map(|message| Outgoing { message, subject: alerts.first().map(|a| a.headline.clone()) })
            .map_err(|e| format!("cannot build the message: {e}")),
    ))
}

fn write_eml(dir: &std::path::Path, m: &ClaimedMessage, message: &lettre::Message) -> Result<(), String> {
    let folder = dir.join(&m.coalition_id);
    let path = folder.join(format!("{:06}.eml", m.id));
    std::fs::create_dir_all(&folder)
        .and_then(|_| std::fs::write(&path, message.formatted()))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn default_from() -> lettre::message::Mailbox {
    crate::mail::mailbox("statehouse@example.org").expect("valid address")
}

/// Sends (or writes) the due messages of these coalitions, recording each attempt. Each
/// message is claimed first; only what this sender claimed is sent (see the module
/// documentation). A preview writes the due SMTP messages as files and changes nothing.
pub async fn deliver(
    wh: &Warehouse,
    coalitions: &[Coalition],
    transport: &Transport,
    now: DateTime<Utc>,
    opts: &DeliverOptions,
) -> Result<AlertsReport, AlertsError> {
    let mut report = AlertsReport::default();
    let ids: Vec<String> = coalitions.iter().map(|c| c.id.clone()).collect();
    let (kind, from) = match transport {
        Transport::Hold => return Ok(report),
        Transport::Preview(dir) => {
            for m in wh.due_messages(&ids, "smtp", now).await? {
                if let Some(Ok(out)) = prepare(wh, coalitions, &m, &default_from(), now).await? {
                    write_eml(dir, &m, &out.message)
                        .map_err(|e| AlertsError::Write { path: dir.clone(), source: std::io::Error::other(e) })?;
                    report.written += 1;
                }
            }
            return Ok(report);
        }
        Transport::Smtp(mailer) => ("smtp", mailer.from().clone()),
        Transport::Files(_) => ("file", default_from()),
    };
    let lease_until = || Utc::now() + opts.lease;
    loop {
        let claimed = wh.claim_messages(&ids, kind, &opts.owner, now, Utc::now(), lease_until(), opts.batch).await?;
        if claimed.is_empty() {
            break;
        }
        for m in &claimed {
            let outgoing = match prepare(wh, coalitions, m, &from, now).await? {
                None => {
                    if wh
                        .cancel_message(m.id, &opts.owner, "the recipient is no longer a lead of the coalition")
                        .await?
                    {
                        report.cancelled += 1;
                    }
                    continue;
                }
                Some(o) => o,
            };
            // Renewed just before sending: a sender whose lease lapsed and was taken over
            // leaves the message to its new claimer.
            if !wh.renew_claim(m.id, &opts.owner, lease_until()).await? {
                tracing::warn!(message = m.id, "claim lost before sending; another sender has it");
                continue;
            }
            let outcome = match outgoing {
                Err(e) => Err(e),
                Ok(out) => {
                    let sent = match transport {
                        Transport::Smtp(mailer) => {
                            mailer.send(out.message).await.map_err(|e| crate::fetch::error_chain(&e))
                        }
                        Transport::Files(dir) => write_eml(dir, m, &out.message),
                        Transport::Hold | Transport::Preview(_) => unreachable!("returned above"),
                    };
                    sent.map(|_| out.subject)
                }
            };
            let attempt = match outcome {
                Ok(subject) => {
                    if kind == "file" {
                        report.written += 1;
                    } else {
                        report.sent += 1;
                    }
                    Attempt::Delivered { transport: kind.to_string(), subject }
                }
                Err(error) => {
                    report.failed += 1;
                    tracing::warn!(message = m.id, recipient = %m.recipient, error = %error, "alert not delivered; it will be retried");
                    Attempt::Failed { transport: kind.to_string(), error, retry_at: now + retry_after(m.attempts + 1) }
                }
            };
            if wh.record_attempt(m.id, &opts.owner, &attempt, now).await? == Recorded::ClaimLost {
                tracing::warn!(
                    message = m.id,
                    "the claim lapsed during the attempt; the attempt is recorded, the message left to its new claimer"
                );
            }
        }
    }
    Ok(report)
}

/// One pass for a pipeline's coalitions: sync, match, compose, deliver.
pub async fn process(
    wh: &Warehouse,
    coalitions: &[Coalition],
    mode: crate::config::AlertMode,
    transport: &Transport,
    now: DateTime<Utc>,
) -> Result<AlertsReport, AlertsError> {
    let opts = DeliverOptions::default();
    let mut report = AlertsReport { cancelled: sync(wh, coalitions, mode, now).await?, ..Default::default() };
    let ids: Vec<String> = coalitions.iter().map(|c| c.id.clone()).collect();
    let before = wh.outbox_count(&ids).await?;
    evaluate(wh, coalitions, now).await?;
    report.matched = wh.outbox_count(&ids).await? - before;
    report.composed = compose(wh, now).await?;
    let sent = deliver(wh, coalitions, transport, now, &opts).await?;
    report.sent = sent.sent;
    report.written = sent.written;
    report.failed = sent.failed;
    report.cancelled += sent.cancelled;
    report.waiting = wh.alerts_waiting(&ids).await?;
    Ok(report)
}

/// Writes each coalition's feeds into `dir`: `<id>.ics`, the upcoming hearings (from today
/// on, in the recipient-neutral UTC day) that take up its tracked bills, and `<id>.atom`, its
/// latest 100 alerts (one entry per alert, whoever received it).
pub async fn write_feeds(
    wh: &Warehouse,
    coalitions: &[Coalition],
    dir: &std::path::Path,
    now: DateTime<Utc>,
) -> Result<(), AlertsError> {
    std::fs::create_dir_all(dir).map_err(|source| AlertsError::Write { path: dir.to_path_buf(), source })?;
    let plans: Vec<Plan<'_>> =
        coalitions.iter().map(|c| Plan { c, cursor: i64::MAX, replay: false, watches: false }).collect();
    let mut pass = Pass::new(wh, plans).await?;
    let events = wh.hearings_with_agendas_from((now - chrono::Duration::days(1)).date_naive()).await?;
    let agendas = if pass.tracked.is_empty() { Vec::new() } else { wh.agendas(&events).await? };
    for (ci, c) in coalitions.iter().enumerate() {
        let mut hearings: Vec<(HearingInfo, Vec<BillInfo>)> = Vec::new();
        for id in &events {
            let mut keys: Vec<String> = Vec::new();
            for r in agendas.iter().filter(|r| &r.event_id == id) {
                let key = match (&r.bill_id, &r.bill_identifier) {
                    (Some(b), _) => b.clone(),
                    (None, Some(ident)) => pending_key(&r.jurisdiction_id, ident),
                    (None, None) => continue,
                };
                let mine = pass.tracked.get(&key).is_some_and(|v| v.iter().any(|(i, _)| *i == ci));
                if mine && !keys.contains(&key) {
                    keys.push(key);
                }
            }
            if keys.is_empty() {
                continue;
            }
            let Some(event) = wh.alert_event(id).await? else { continue };
            let h = hearing_info(&event, &HearingState::of(&event));
            let mut bills = Vec::new();
            for k in keys {
                let position =
                    pass.tracked.get(&k).and_then(|v| v.iter().find(|(i, _)| *i == ci)).map(|(_, t)| t.position);
                if let Some(f) = pass.facts(&k).await? {
                    let mut info = f.info;
                    info.position = position;
                    bills.push(info);
                }
            }
            hearings.push((h, bills));
        }
        let ics = super::feeds::hearings_ical(&c.name, &c.id, &hearings, now);
        let mut entries = Vec::new();
        for r in wh.feed_alerts(&c.id).await? {
            let mut a: Alert = serde_json::from_str(&r.alert).map_err(|e| AlertsError::Stored(r.id, e))?;
            // One entry for every recipient: no group's position in the shared feed.
            if let Some(b) = &mut a.bill {
                b.group = None;
            }
            entries.push((r.id, a));
        }
        let atom = super::feeds::alerts_atom(&c.name, &c.id, &entries, now, None);
        for (ext, body) in [("ics", ics), ("atom", atom)] {
            let path = dir.join(format!("{}.{ext}", c.id));
            std::fs::write(&path, body).map_err(|source| AlertsError::Write { path, source })?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_six_hours() {
        assert_eq!(retry_after(1), chrono::Duration::minutes(5));
        assert_eq!(retry_after(2), chrono::Duration::minutes(10));
        assert_eq!(retry_after(4), chrono::Duration::minutes(40));
        assert_eq!(retry_after(20), chrono::Duration::hours(6));
    }

    fn state(time: &str, status: &str) -> HearingState {
        HearingState {
            name: "Senate Labor".into(),
            start_time: parse_time(time),
            start_date: Some(time[..10].to_string()),
            all_day: false,
            location: Some("Room 1".into()),
            status: status.into(),
        }
    }

    fn diff(fields: serde_json::Value) -> Value {
        fields
    }

    const MON: &str = "2017-02-06T18:00:00Z";
    const TUE: &str = "2017-02-07T14:30:00Z";
    const NY: chrono_tz::Tz = chrono_tz::America::New_York;

    #[test]
    fn a_cancellation_shows_the_slot_that_was_cancelled() {
        // Moved to Tuesday, then cancelled, in one run: the Tuesday slot is what is cancelled.
        let changes = [
            diff(
                serde_json::json!({"start_time": {"old": MON, "new": TUE}, "start_date": {"old": "2017-02-06", "new": "2017-02-07"}}),
            ),
            diff(serde_json::json!({"status": {"old": "confirmed", "new": "cancelled"}})),
        ];
        let told = tell(state(TUE, "cancelled"), &changes, NY).unwrap();
        assert_eq!(told.kind, AlertKind::HearingCancelled);
        assert_eq!(told.shown.start_time, parse_time(TUE));
        // Cancelled alone: the current row's time is the cancelled one.
        let changes = [diff(serde_json::json!({"status": {"old": "confirmed", "new": "cancelled"}}))];
        let told = tell(state(MON, "cancelled"), &changes, NY).unwrap();
        assert_eq!((told.kind, told.shown.start_time), (AlertKind::HearingCancelled, parse_time(MON)));
    }

    #[test]
    fn cancelled_then_moved_is_one_move_that_says_so() {
        // The sample's S 688 story: arrived cancelled on Monday, then moved to Tuesday.
        let arrived = serde_json::json!({"new": {"status": "cancelled"}});
        let moved = diff(serde_json::json!({
            "start_time": {"old": MON, "new": TUE}, "start_date": {"old": "2017-02-06", "new": "2017-02-07"},
            "status": {"old": "cancelled", "new": "confirmed"}}));
        let told = tell(state(TUE, "confirmed"), &[arrived, moved.clone()], NY).unwrap();
        assert_eq!(told.kind, AlertKind::HearingRescheduled);
        assert_eq!(told.was.unwrap().start_time, parse_time(MON));
        assert_eq!(
            told.story.as_deref(),
            Some(
                "The meeting of Monday, February 6, 2017 at 1:00 PM EST was cancelled; the hearing moved to Tuesday, February 7, 2017 at 9:30 AM EST."
            )
        );
        // Cancelled in an earlier run, moved in this one: the same story.
        let told = tell(state(TUE, "confirmed"), &[moved], NY).unwrap();
        assert_eq!(told.kind, AlertKind::HearingRescheduled);
        assert!(told.story.is_some());
    }

    #[test]
    fn a_reinstated_hearing_is_back_on() {
        let reinstated = diff(serde_json::json!({"status": {"old": "cancelled", "new": "confirmed"}}));
        let told = tell(state(MON, "confirmed"), &[reinstated], NY).unwrap();
        assert_eq!(told.kind, AlertKind::HearingScheduled);
        assert_eq!(told.story.as_deref(), Some("This hearing was cancelled and is back on."));
        // Cancelled and reinstated within one run, same slot: back on, as planned.
        let changes = [
            diff(serde_json::json!({"status": {"old": "confirmed", "new": "cancelled"}})),
            diff(serde_json::json!({"status": {"old": "cancelled", "new": "confirmed"}})),
        ];
        let told = tell(state(MON, "confirmed"), &changes, NY).unwrap();
        assert_eq!(told.kind, AlertKind::HearingScheduled);
        assert_eq!(told.story.as_deref(), Some("This hearing was cancelled and is back on."));
    }

    #[test]
    fn nothing_to_act_on_tells_nothing() {
        // A description changed; a cancelled hearing stays cancelled.
        assert_eq!(
            tell(state(MON, "confirmed"), &[diff(serde_json::json!({"description": {"old": "a", "new": "b"}}))], NY),
            None
        );
        let cancelled = diff(serde_json::json!({"location": {"old": "Room 2", "new": "Room 1"}}));
        assert_eq!(tell(state(MON, "cancelled"), &[cancelled], NY), None);
        // A plain move: was → now, no story.
        let moved = diff(serde_json::json!({"location": {"old": "Room 2", "new": "Room 1"}}));
        let told = tell(state(MON, "confirmed"), &[moved], NY).unwrap();
        assert_eq!((told.kind, told.story), (AlertKind::HearingRescheduled, None));
        assert_eq!(told.was.unwrap().location.as_deref(), Some("Room 2"));
    }

    #[test]
    fn message_ids_name_the_warehouse() {
        let a = message_id("0123456789abcdef", "de", "pat@example.org", "alert:1");
        let b = message_id("fedcba9876543210", "de", "pat@example.org", "alert:1");
        assert_ne!(a, b);
        assert!(a.starts_with("<statehouse.0123456789abcdef.de.") && a.ends_with("@example.org>"), "{a}");
        assert_eq!(a, message_id("0123456789abcdef", "de", "pat@example.org", "alert:1"));
        assert_ne!(a, message_id("0123456789abcdef", "de", "pat@example.org", "alert:2"));
    }

    #[test]
    fn both_backends_timestamps_parse() {
        let t = chrono::TimeZone::with_ymd_and_hms(&Utc, 2017, 2, 7, 14, 30, 0).unwrap();
        assert_eq!(parse_time("2017-02-07 14:30:00+00:00"), Some(t));
        assert_eq!(parse_time("2017-02-07T14:30:00+00:00"), Some(t));
        assert_eq!(parse_time("2017-02-07T14:30:00Z"), Some(t));
    }
}
