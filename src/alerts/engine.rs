//! Alerts, start to end: coalition files into the warehouse, the ledger read by cursor into
//! an outbox, the outbox into messages (one per alert, or one digest per lead per day), and
//! messages delivered over SMTP or written as `.eml` files, each attempt recorded.
//!
//! Exactly once:
//! - matching reads `change_events` after the coalition's cursor, by `seq` only; the outbox
//!   rows of a batch and the cursor's new value commit in one transaction, and each outbox row
//!   has a unique key (coalition, rule, recipient, change): a crash redoes the batch, a replay
//!   inserts nothing new;
//! - a message has a unique key (coalition, recipient, `alert:<outbox id>` or
//!   `digest:<time>`); it is marked sent in the transaction that records the attempt. The one
//!   window left is a crash between the SMTP server's acceptance and that commit: the message
//!   is sent again, with the same `Message-ID`;
//! - a failed send is kept, retried after 5 minutes, doubling to 6 hours, never dropped.

use super::config::{self, Coalition, Delivery, Lead, Start};
use super::render::{self, Links};
use super::rules;
use super::*;
use crate::text::terms::find_terms;
use crate::warehouse::{Param, QueryResult, Warehouse};
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
    /// `.eml` files in this folder (dry run).
    Files(PathBuf),
    /// Nowhere yet: messages wait in the outbox (no SMTP configured).
    Hold,
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
    /// Messages still waiting (failed, held, or digests not due yet) after the pass.
    pub waiting: u64,
}

/// A column of a result row, by name.
struct Rows {
    columns: Vec<String>,
    rows: Vec<Vec<Value>>,
}

impl From<QueryResult> for Rows {
    fn from(q: QueryResult) -> Rows {
        Rows { columns: q.columns, rows: q.rows }
    }
}

#[derive(Clone, Copy)]
struct Row<'a> {
    columns: &'a [String],
    values: &'a [Value],
}

impl Rows {
    fn iter(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().map(|values| Row { columns: &self.columns, values })
    }
    fn first(&self) -> Option<Row<'_>> {
        self.iter().next()
    }
}

impl Row<'_> {
    fn get(&self, name: &str) -> &Value {
        self.columns.iter().position(|c| c == name).map(|i| &self.values[i]).unwrap_or(&Value::Null)
    }
    fn s(&self, name: &str) -> Option<String> {
        match self.get(name) {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }
    fn i(&self, name: &str) -> Option<i64> {
        match self.get(name) {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
    }
    fn b(&self, name: &str) -> bool {
        match self.get(name) {
            Value::Bool(b) => *b,
            Value::Number(n) => n.as_i64() == Some(1),
            _ => false,
        }
    }
    fn time(&self, name: &str) -> Option<DateTime<Utc>> {
        self.s(name).and_then(|s| parse_time(&s))
    }
}

/// A timestamp as either backend returns it (`2017-02-07 14:30:00+00:00`, RFC 3339).
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let t = s.trim().replacen(' ', "T", 1);
    DateTime::parse_from_rfc3339(&t)
        .ok()
        .map(|d| d.with_timezone(&Utc))
        .or_else(|| chrono::NaiveDateTime::parse_from_str(&t, "%Y-%m-%dT%H:%M:%S%.f").ok().map(|n| n.and_utc()))
}

fn json_list(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
        Value::String(s) => serde_json::from_str::<Vec<String>>(s).unwrap_or_default(),
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

/// Writes each coalition's configuration into the warehouse (when its file changed) and
/// starts a new coalition's cursor: at the ledger's end (`start = "now"`) or its beginning.
pub async fn sync(wh: &Warehouse, coalitions: &[Coalition], now: DateTime<Utc>) -> Result<(), AlertsError> {
    for c in coalitions {
        let stored =
            Rows::from(wh.fetch("SELECT config_hash FROM coalitions WHERE id = $1", &[Param::text(&c.id)]).await?);
        let exists = stored.first().is_some();
        if stored.first().and_then(|r| r.s("config_hash")).as_deref() == Some(c.hash.as_str()) {
            continue;
        }
        let id = || Param::text(&c.id);
        let mut stmts: Vec<(String, Vec<Param>)> = Vec::new();
        let replay = c.start == Start::Beginning;
        let days = serde_json::to_string(&c.reminder_days).unwrap_or_default();
        let actions = serde_json::to_string(&c.actions).unwrap_or_default();
        if exists {
            stmts.push((
                "UPDATE coalitions SET name = $2, file = $3, config_hash = $4, unsubscribe = $5, reminder_days = $6, actions = $7, replay = $8, updated_at = $9 WHERE id = $1".into(),
                vec![id(), Param::text(&c.name), Param::text(c.file.display().to_string()), Param::text(&c.hash), Param::text(&c.unsubscribe), Param::text(days), Param::text(actions), Param::Bool(replay), Param::Time(Some(now))],
            ));
        } else {
            let cursor = start_cursor(wh, replay).await?;
            stmts.push((
                "INSERT INTO coalitions (id, name, file, config_hash, unsubscribe, reminder_days, actions, replay, cursor_seq, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)".into(),
                vec![id(), Param::text(&c.name), Param::text(c.file.display().to_string()), Param::text(&c.hash), Param::text(&c.unsubscribe), Param::text(days), Param::text(actions), Param::Bool(replay), Param::Int(Some(cursor)), Param::Time(Some(now))],
            ));
        }
        for table in ["coalition_groups", "coalition_leads", "coalition_bills", "coalition_watches"] {
            stmts.push((format!("DELETE FROM {table} WHERE coalition_id = $1"), vec![id()]));
        }
        for g in &c.groups {
            stmts.push((
                "INSERT INTO coalition_groups (coalition_id, id, name) VALUES ($1, $2, $3)".into(),
                vec![id(), Param::text(&g.id), Param::text(&g.name)],
            ));
        }
        for l in &c.leads {
            stmts.push((
                "INSERT INTO coalition_leads (coalition_id, group_id, name, email, timezone, delivery, digest_hour) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING".into(),
                vec![id(), Param::text(&l.group), Param::text(&l.name), Param::text(&l.email), Param::text(l.timezone.name()), Param::text(l.delivery.as_str()), Param::Int(Some(i64::from(l.digest_hour)))],
            ));
        }
        for b in &c.bills {
            for (i, (group, position)) in b.groups().into_iter().enumerate() {
                stmts.push((
                    "INSERT INTO coalition_bills (coalition_id, jurisdiction_id, identifier, session, group_id, position, assigned) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING".into(),
                    vec![id(), Param::text(&b.jurisdiction_id), Param::text(&b.identifier), Param::text(b.session.clone().unwrap_or_default()), Param::text(group), Param::text(position.as_str()), Param::Bool(i == 0)],
                ));
            }
        }
        let w = &c.watch;
        for (kind, values) in
            [("term", &w.terms), ("subject", &w.subjects), ("sponsor", &w.sponsors), ("committee", &w.committees)]
        {
            for v in values {
                stmts.push((
                    "INSERT INTO coalition_watches (coalition_id, kind, value) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING".into(),
                    vec![id(), Param::text(kind), Param::text(v)],
                ));
            }
        }
        wh.execute_all(&stmts).await?;
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Matching: the ledger → the outbox
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

/// Tracked bills by warehouse id.
struct Tracked<'a> {
    by_bill: HashMap<String, &'a config::TrackedBill>,
}

async fn resolve_tracked<'a>(wh: &Warehouse, c: &'a Coalition) -> Result<Tracked<'a>, AlertsError> {
    let mut by_bill = HashMap::new();
    for b in &c.bills {
        let id = match &b.session {
            Some(s) => Some(crate::normalize::ids::bill_id(&b.jurisdiction_id, s, &b.identifier)),
            None => Rows::from(
                wh.fetch(
                    "SELECT id FROM bills WHERE jurisdiction_id = $1 AND identifier = $2 ORDER BY first_action_date DESC, created_run_id DESC LIMIT 1",
                    &[Param::text(&b.jurisdiction_id), Param::text(&b.identifier)],
                )
                .await?,
            )
            .first()
            .and_then(|r| r.s("id")),
        };
        let exists = match &id {
            Some(id) => {
                Rows::from(wh.fetch("SELECT id FROM bills WHERE id = $1", &[Param::text(id)]).await?).first().is_some()
            }
            None => false,
        };
        match id {
            Some(id) if exists => by_bill.insert(id, b),
            // Not in the warehouse (yet): still followed on hearing agendas, by identifier.
            _ => by_bill.insert(pending_key(&b.jurisdiction_id, &b.identifier), b),
        };
    }
    Ok(Tracked { by_bill })
}

/// The key of a tracked bill the warehouse does not hold: agenda items name it by identifier.
fn pending_key(jurisdiction_id: &str, identifier: &str) -> String {
    format!("pending:{jurisdiction_id}|{identifier}")
}

/// A tracked bill's facts: from the warehouse, or from the coalition file for a bill it
/// does not hold yet.
async fn facts(wh: &Warehouse, ctx: &Ctx<'_>, key: &str) -> Result<Option<BillFacts>, AlertsError> {
    if !key.starts_with("pending:") {
        return bill_facts(wh, key).await;
    }
    let Some(t) = ctx.tracked.by_bill.get(key) else { return Ok(None) };
    let name =
        Rows::from(wh.fetch("SELECT name FROM jurisdictions WHERE id = $1", &[Param::text(&t.jurisdiction_id)]).await?)
            .first()
            .and_then(|r| r.s("name"))
            .unwrap_or_default();
    Ok(Some(BillFacts {
        info: BillInfo {
            id: String::new(),
            jurisdiction: name,
            session: t.session.clone().unwrap_or_default(),
            identifier: t.identifier.clone(),
            title: String::new(),
            url: None,
            position: None,
            group: None,
            latest_action: None,
            credit: None,
        },
        jurisdiction_id: t.jurisdiction_id.clone(),
        created_run_id: -1,
        subjects: Vec::new(),
        abstract_text: None,
    }))
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

async fn bill_facts(wh: &Warehouse, id: &str) -> Result<Option<BillFacts>, AlertsError> {
    let r = Rows::from(
        wh.fetch(
            "SELECT b.id, b.jurisdiction_id, b.session, b.identifier, b.title, b.source_url, b.latest_action_description, b.subjects, b.abstract_text, j.name AS jurisdiction_name, b.created_run_id FROM bills b LEFT JOIN jurisdictions j ON j.id = b.jurisdiction_id WHERE b.id = $1",
            &[Param::text(id)],
        )
        .await?,
    );
    // Data whose licence asks for credit (LegiScan's CC BY 4.0) is shown with its credit line.
    let credit = wh.credit_lines(&[id.to_string()]).await?.remove(id);
    Ok(r.first().map(|r| BillFacts {
        info: BillInfo {
            id: r.s("id").unwrap_or_default(),
            jurisdiction: r.s("jurisdiction_name").unwrap_or_default(),
            session: r.s("session").unwrap_or_default(),
            identifier: r.s("identifier").unwrap_or_default(),
            title: r.s("title").unwrap_or_default(),
            url: r.s("source_url"),
            position: None,
            group: None,
            latest_action: r.s("latest_action_description"),
            credit: credit.clone(),
        },
        jurisdiction_id: r.s("jurisdiction_id").unwrap_or_default(),
        created_run_id: r.i("created_run_id").unwrap_or(0),
        subjects: json_list(r.get("subjects")),
        abstract_text: r.s("abstract_text"),
    }))
}

/// One change event as read from the ledger.
#[derive(Debug, Clone)]
struct Change {
    seq: i64,
    run_id: i64,
    recorded_at: DateTime<Utc>,
    jurisdiction_id: String,
    entity_id: String,
    bill_id: Option<String>,
    kind: String,
    changes: Value,
}

/// Everything `kind` needs to make alerts for a tracked bill's groups.
struct Ctx<'a> {
    c: &'a Coalition,
    tracked: &'a Tracked<'a>,
    replay: bool,
}

impl Ctx<'_> {
    /// One match per lead of each group following the bill (a lead in two groups once),
    /// each alert carrying that group's position.
    fn for_tracked(&self, bill_id: &str, key: &str, build: impl Fn(Position, &str) -> Alert) -> Vec<Match> {
        let Some(t) = self.tracked.by_bill.get(bill_id) else { return Vec::new() };
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for (group, position) in t.groups() {
            for lead in self.c.leads_of(&group) {
                if seen.insert(lead.email.to_lowercase()) {
                    out.push(self.matched(lead, key, build(position, &group)));
                }
            }
        }
        out
    }

    fn matched(&self, lead: &Lead, key: &str, alert: Alert) -> Match {
        Match {
            recipient: Recipient {
                name: lead.name.clone(),
                email: lead.email.clone(),
                timezone: lead.timezone.name().to_string(),
                group: self.c.groups.iter().find(|g| g.id == lead.group).map(|g| g.name.clone()).unwrap_or_default(),
            },
            delivery: lead.delivery,
            digest_hour: lead.digest_hour,
            timezone: lead.timezone,
            dedupe_key: key.to_string(),
            alert,
        }
    }

    fn alert(&self, kind: AlertKind, headline: String, ch: Option<&Change>, at: DateTime<Utc>) -> Alert {
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
            change_seq: ch.map(|c| c.seq),
        }
    }

    fn tracked_why(&self, bill: &BillInfo, position: Position, group: &str) -> Why {
        let group_name = self.c.groups.iter().find(|g| g.id == group).map(|g| g.name.as_str()).unwrap_or(group);
        Why {
            reason: format!(
                "{} tracks {} ({}), assigned to {}",
                self.c.name,
                bill.identifier,
                position.as_str(),
                group_name
            ),
            terms: Vec::new(),
            snippet: None,
        }
    }
}

fn with_position(bill: &BillInfo, position: Position, group: &str, c: &Coalition) -> BillInfo {
    let mut b = bill.clone();
    b.position = Some(position);
    b.group = c.groups.iter().find(|g| g.id == group).map(|g| g.name.clone());
    b
}

/// The alerts a coalition gets from the ledger after its cursor (call [`sync`] first): the
/// outbox rows queued and the cursor moved, batch by batch. Returns the matches.
pub async fn evaluate(wh: &Warehouse, c: &Coalition, now: DateTime<Utc>) -> Result<Vec<Match>, AlertsError> {
    let state =
        Rows::from(wh.fetch("SELECT cursor_seq, replay FROM coalitions WHERE id = $1", &[Param::text(&c.id)]).await?);
    let Some(row) = state.first() else { return Ok(Vec::new()) };
    let (cursor, replay) = (row.i("cursor_seq").unwrap_or(0), row.b("replay"));
    scan(wh, c, cursor, replay, now, true).await
}

/// The alerts [`sync`] then [`evaluate`] would give a coalition now, writing nothing (it
/// works on a warehouse opened read-only): the coalition's state is what `sync` would leave,
/// kept in memory. A stored coalition keeps its cursor, a new one starts where `sync` would
/// start it; `replay` follows the file either way, as `sync` writes it.
pub async fn preview(wh: &Warehouse, c: &Coalition, now: DateTime<Utc>) -> Result<Vec<Match>, AlertsError> {
    let replay = c.start == Start::Beginning;
    let stored = Rows::from(wh.fetch("SELECT cursor_seq FROM coalitions WHERE id = $1", &[Param::text(&c.id)]).await?);
    let cursor = match stored.first() {
        Some(row) => row.i("cursor_seq").unwrap_or(0),
        None => start_cursor(wh, replay).await?,
    };
    scan(wh, c, cursor, replay, now, false).await
}

/// Where a new coalition's cursor starts: the ledger's beginning (`replay`) or its end.
async fn start_cursor(wh: &Warehouse, replay: bool) -> Result<i64, AlertsError> {
    if replay {
        return Ok(0);
    }
    Ok(Rows::from(wh.fetch("SELECT COALESCE(MAX(seq), 0) AS n FROM change_events", &[]).await?)
        .first()
        .and_then(|r| r.i("n"))
        .unwrap_or(0))
}

/// The matches in the ledger after `cursor`, and reminders due; with `write`, queued in the
/// outbox with the cursor moved, batch by batch.
async fn scan(
    wh: &Warehouse,
    c: &Coalition,
    mut cursor: i64,
    replay: bool,
    now: DateTime<Utc>,
    write: bool,
) -> Result<Vec<Match>, AlertsError> {
    let tracked = resolve_tracked(wh, c).await?;
    let ctx = Ctx { c, tracked: &tracked, replay };
    let mut first_loads: HashMap<String, Option<i64>> = HashMap::new();
    let mut all = Vec::new();
    loop {
        let batch = Rows::from(
            wh.fetch(
                "SELECT seq, run_id, recorded_at, jurisdiction_id, entity_id, bill_id, kind, changes FROM change_events WHERE seq > $1 ORDER BY seq LIMIT 2000",
                &[Param::Int(Some(cursor))],
            )
            .await?,
        );
        if batch.rows.is_empty() {
            break;
        }
        let mut matches = Vec::new();
        let mut last = cursor;
        for r in batch.iter() {
            let ch = Change {
                seq: r.i("seq").unwrap_or(0),
                run_id: r.i("run_id").unwrap_or(0),
                recorded_at: r.time("recorded_at").unwrap_or(now),
                jurisdiction_id: r.s("jurisdiction_id").unwrap_or_default(),
                entity_id: r.s("entity_id").unwrap_or_default(),
                bill_id: r.s("bill_id"),
                kind: r.s("kind").unwrap_or_default(),
                changes: r.s("changes").and_then(|s| serde_json::from_str(&s).ok()).unwrap_or(Value::Null),
            };
            last = ch.seq;
            if !c.jurisdictions.is_empty() && !c.jurisdictions.contains(&ch.jurisdiction_id) {
                continue;
            }
            matches.extend(match_change(wh, &ctx, &ch, &mut first_loads).await?);
        }
        if write {
            queue(wh, c, &matches, Some(last), now).await?;
        }
        all.extend(matches);
        cursor = last;
    }
    let reminders = reminders(wh, &ctx, now).await?;
    if write && !reminders.is_empty() {
        queue(wh, c, &reminders, None, now).await?;
    }
    all.extend(reminders);
    Ok(all)
}

/// Inserts matches into the outbox (a key already there is skipped) and moves the cursor,
/// in one transaction.
async fn queue(
    wh: &Warehouse,
    c: &Coalition,
    matches: &[Match],
    cursor: Option<i64>,
    now: DateTime<Utc>,
) -> Result<u64, AlertsError> {
    let mut stmts = Vec::with_capacity(matches.len() + 1);
    for m in matches {
        let due = match m.delivery {
            Delivery::Immediate => now,
            Delivery::Daily => rules::next_digest(now, m.timezone, m.digest_hour),
        };
        stmts.push((
            "INSERT INTO alert_outbox (coalition_id, rule, recipient, dedupe_key, change_seq, bill_id, alert, delivery, due_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (coalition_id, rule, recipient, dedupe_key) DO NOTHING".to_string(),
            vec![
                Param::text(&c.id),
                Param::text(m.alert.kind.rule()),
                Param::text(m.recipient.email.to_lowercase()),
                Param::text(&m.dedupe_key),
                Param::Int(m.alert.change_seq),
                Param::Text(m.alert.bill.as_ref().map(|b| b.id.clone())),
                Param::text(serde_json::to_string(&m.alert).expect("alerts serialize")),
                Param::text(m.delivery.as_str()),
                Param::Time(Some(due)),
                Param::Time(Some(now)),
            ],
        ));
    }
    if let Some(seq) = cursor {
        stmts.push((
            "UPDATE coalitions SET cursor_seq = $2 WHERE id = $1 AND cursor_seq < $2".into(),
            vec![Param::text(&c.id), Param::Int(Some(seq))],
        ));
    }
    let affected = wh.execute_all(&stmts).await?;
    Ok(affected.iter().take(matches.len()).sum())
}

/// Whether a bill's child event was written by the run that first loaded the bill: its
/// history (the actions, sponsors, versions and votes it already had), not news. This holds
/// when a coalition replays the ledger too.
fn is_history(bill: &BillFacts, ch: &Change) -> bool {
    bill.created_run_id == ch.run_id
}

/// Whether an added action only replaces one removed in the same load with the same date and
/// text (spacing, case and punctuation aside): a source re-keying an action (a state feed
/// taking over from Open States), not a new action.
async fn is_rekeyed(wh: &Warehouse, ch: &Change, new: &Value) -> Result<bool, AlertsError> {
    let removed = Rows::from(
        wh.fetch(
            "SELECT changes FROM change_events WHERE bill_id = $1 AND run_id = $2 AND kind = 'action_removed'",
            &[Param::Text(ch.bill_id.clone()), Param::Int(Some(ch.run_id))],
        )
        .await?,
    );
    let key = |v: &Value| (text_of(v, "date"), rules::tiebreak_text(&text_of(v, "description").unwrap_or_default()));
    let mine = key(new);
    Ok(removed.iter().any(|r| {
        r.s("changes").and_then(|s| serde_json::from_str::<Value>(&s).ok()).is_some_and(|v| key(&v["old"]) == mine)
    }))
}

async fn match_change(
    wh: &Warehouse,
    ctx: &Ctx<'_>,
    ch: &Change,
    first_loads: &mut HashMap<String, Option<i64>>,
) -> Result<Vec<Match>, AlertsError> {
    let c = ctx.c;
    let tracked_bill = ch.bill_id.as_deref().filter(|b| ctx.tracked.by_bill.contains_key(*b));
    match ch.kind.as_str() {
        "bill_introduced" => new_bill(wh, ctx, ch, first_loads).await,
        "action_added" => {
            let Some(bill_id) = tracked_bill else { return Ok(Vec::new()) };
            let Some(bill) = bill_facts(wh, bill_id).await? else { return Ok(Vec::new()) };
            if is_history(&bill, ch) {
                return Ok(Vec::new());
            }
            let new = &ch.changes["new"];
            if is_rekeyed(wh, ch, new).await? {
                return Ok(Vec::new());
            }
            let classes = json_list(&new["classification"]);
            if !rules::action_passes(&classes, &c.actions) {
                return Ok(Vec::new());
            }
            let action = ActionInfo {
                date: text_of(new, "date"),
                description: text_of(new, "description").unwrap_or_default(),
                classification: classes,
                organization: text_of(new, "organization"),
            };
            let headline = format!("{}: {}", bill.info.identifier, action.description);
            Ok(ctx.for_tracked(bill_id, &format!("seq:{}", ch.seq), |position, group| {
                let mut a = ctx.alert(AlertKind::Action, headline.clone(), Some(ch), ch.recorded_at);
                a.bill = Some(with_position(&bill.info, position, group, c));
                a.why = ctx.tracked_why(&bill.info, position, group);
                a.action = Some(action.clone());
                a.source_url = bill.info.url.clone();
                a
            }))
        }
        "sponsor_added" | "sponsor_removed" => {
            let Some(bill_id) = tracked_bill else { return Ok(Vec::new()) };
            let Some(bill) = bill_facts(wh, bill_id).await? else { return Ok(Vec::new()) };
            if is_history(&bill, ch) {
                return Ok(Vec::new());
            }
            let added = ch.kind == "sponsor_added";
            let row = if added { &ch.changes["new"] } else { &ch.changes["old"] };
            let sponsor = SponsorInfo {
                name: text_of(row, "name").unwrap_or_default(),
                primary: row["is_primary"].as_bool().unwrap_or(false),
            };
            let (kind, verb) = if added {
                (AlertKind::SponsorAdded, "adds sponsor")
            } else {
                (AlertKind::SponsorRemoved, "loses sponsor")
            };
            let headline = format!("{} {verb} {}", bill.info.identifier, sponsor.name);
            Ok(ctx.for_tracked(bill_id, &format!("seq:{}", ch.seq), |position, group| {
                let mut a = ctx.alert(kind, headline.clone(), Some(ch), ch.recorded_at);
                a.bill = Some(with_position(&bill.info, position, group, c));
                a.why = ctx.tracked_why(&bill.info, position, group);
                a.sponsor = Some(sponsor.clone());
                a.source_url = bill.info.url.clone();
                a
            }))
        }
        "version_added" => {
            let Some(bill_id) = tracked_bill else { return Ok(Vec::new()) };
            let Some(bill) = bill_facts(wh, bill_id).await? else { return Ok(Vec::new()) };
            if is_history(&bill, ch) {
                return Ok(Vec::new());
            }
            let version = version_info(wh, c, bill_id, &ch.entity_id, &ch.changes["new"]).await?;
            let headline = format!("{}: new version ({})", bill.info.identifier, version.note);
            Ok(ctx.for_tracked(bill_id, &format!("seq:{}", ch.seq), |position, group| {
                let mut a = ctx.alert(AlertKind::NewVersion, headline.clone(), Some(ch), ch.recorded_at);
                a.bill = Some(with_position(&bill.info, position, group, c));
                a.why = ctx.tracked_why(&bill.info, position, group);
                a.version = Some(version.clone());
                a.source_url = version.url.clone().or(bill.info.url.clone());
                a
            }))
        }
        "vote_recorded" => {
            let Some(bill_id) = tracked_bill else { return Ok(Vec::new()) };
            let Some(bill) = bill_facts(wh, bill_id).await? else { return Ok(Vec::new()) };
            if is_history(&bill, ch) {
                return Ok(Vec::new());
            }
            let Some((vote, records)) = vote_facts(wh, &ch.entity_id, &bill.jurisdiction_id).await? else {
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
            Ok(ctx.for_tracked(bill_id, &format!("seq:{}", ch.seq), |position, group| {
                let mut v = vote.clone();
                v.voters = records
                    .iter()
                    .map(|(name, option)| VoterInfo {
                        name: name.clone(),
                        option: option.clone(),
                        with_position: position.agrees(option),
                    })
                    .collect();
                let mut a = ctx.alert(AlertKind::RollCall, headline.clone(), Some(ch), ch.recorded_at);
                a.bill = Some(with_position(&bill.info, position, group, c));
                a.why = ctx.tracked_why(&bill.info, position, group);
                a.source_url = v.url.clone().or(bill.info.url.clone());
                a.vote = Some(v);
                a
            }))
        }
        "hearing_scheduled" | "hearing_changed" | "hearing_cancelled" => hearing_change(wh, ctx, ch).await,
        "agenda_item_added" | "agenda_item_removed" => {
            let row = if ch.kind == "agenda_item_added" { &ch.changes["new"] } else { &ch.changes["old"] };
            let pending = text_of(row, "bill_identifier").map(|i| pending_key(&ch.jurisdiction_id, &i));
            let Some(bill_id) = tracked_bill
                .map(str::to_string)
                .or(pending.filter(|k| ch.bill_id.is_none() && ctx.tracked.by_bill.contains_key(k)))
            else {
                return Ok(Vec::new());
            };
            let bill_id = bill_id.as_str();
            let event_id = ch.changes["event_id"].as_str().unwrap_or_default().to_string();
            // An item that arrived with its hearing is announced by the hearing's own alert.
            let with_hearing = Rows::from(
                wh.fetch(
                    "SELECT COUNT(*) AS n FROM change_events WHERE entity_id = $1 AND run_id = $2 AND kind IN ('hearing_scheduled', 'hearing_cancelled')",
                    &[Param::text(&event_id), Param::Int(Some(ch.run_id))],
                )
                .await?,
            );
            if ch.kind == "agenda_item_added" && with_hearing.first().and_then(|r| r.i("n")).unwrap_or(0) > 0 {
                return Ok(Vec::new());
            }
            let Some(bill) = facts(wh, ctx, bill_id).await? else { return Ok(Vec::new()) };
            let Some(hearing) = hearing_facts(wh, &event_id, None).await? else { return Ok(Vec::new()) };
            let (kind, headline) = if ch.kind == "agenda_item_added" {
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
            Ok(ctx.for_tracked(bill_id, &format!("seq:{}", ch.seq), |position, group| {
                let mut a = ctx.alert(kind, headline.clone(), Some(ch), ch.recorded_at);
                a.bill = Some(with_position(&bill.info, position, group, c));
                a.why = ctx.tracked_why(&bill.info, position, group);
                a.source_url = hearing.url.clone().or(bill.info.url.clone());
                a.hearing = Some(hearing.clone());
                a
            }))
        }
        _ => Ok(Vec::new()),
    }
}

async fn new_bill(
    wh: &Warehouse,
    ctx: &Ctx<'_>,
    ch: &Change,
    first_loads: &mut HashMap<String, Option<i64>>,
) -> Result<Vec<Match>, AlertsError> {
    let c = ctx.c;
    let w = &c.watch;
    if w.terms.is_empty() && w.subjects.is_empty() && w.sponsors.is_empty() && w.committees.is_empty() {
        return Ok(Vec::new());
    }
    if !ctx.replay {
        // A jurisdiction's first load introduces every bill it has ever had: not news.
        let first = match first_loads.get(&ch.jurisdiction_id) {
            Some(f) => *f,
            None => {
                let f = Rows::from(
                    wh.fetch(
                        "SELECT MIN(run_id) AS r FROM change_events WHERE jurisdiction_id = $1 AND kind = 'bill_introduced'",
                        &[Param::text(&ch.jurisdiction_id)],
                    )
                    .await?,
                )
                .first()
                .and_then(|r| r.i("r"));
                first_loads.insert(ch.jurisdiction_id.clone(), f);
                f
            }
        };
        if first == Some(ch.run_id) {
            return Ok(Vec::new());
        }
    }
    let Some(bill) = bill_facts(wh, &ch.entity_id).await? else { return Ok(Vec::new()) };
    let mut terms = Vec::new();
    let mut snippet = None;
    let text = format!("{} {}", bill.info.title, bill.abstract_text.clone().unwrap_or_default());
    for (term, s) in find_terms(&text, &w.terms) {
        terms.push(term);
        snippet.get_or_insert(s);
    }
    for s in &w.subjects {
        if bill.subjects.iter().any(|x| x.eq_ignore_ascii_case(s)) {
            terms.push(format!("subject: {s}"));
        }
    }
    if !w.sponsors.is_empty() {
        let sponsors = Rows::from(
            wh.fetch(
                "SELECT name, person_id FROM bill_sponsorships WHERE bill_id = $1 ORDER BY ordinal",
                &[Param::text(&bill.info.id)],
            )
            .await?,
        );
        // Each legislator who matches, by name: two sharing a watched family name both show.
        for r in sponsors.iter() {
            let name = r.s("name").unwrap_or_default();
            let person = r.s("person_id");
            if let Some(watch) = w.sponsors.iter().find(|s| rules::sponsor_matches(s, &name, person.as_deref())) {
                let term = rules::sponsor_term(&name, watch);
                if !terms.contains(&term) {
                    terms.push(term);
                }
            }
        }
    }
    if !w.committees.is_empty() {
        let actions = Rows::from(
            wh.fetch(
                "SELECT description, related_entities FROM bill_actions WHERE bill_id = $1",
                &[Param::text(&bill.info.id)],
            )
            .await?,
        );
        for committee in &w.committees {
            let named = actions.iter().any(|r| {
                let text = format!(
                    "{} {}",
                    r.s("description").unwrap_or_default(),
                    r.s("related_entities").unwrap_or_default()
                );
                !find_terms(&text, std::slice::from_ref(committee)).is_empty()
            });
            if named {
                terms.push(format!("committee: {committee}"));
            }
        }
    }
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let headline = format!("New bill {}: {}", bill.info.identifier, bill.info.title);
    for lead in &c.leads {
        if !seen.insert(lead.email.to_lowercase()) {
            continue;
        }
        let mut a = ctx.alert(AlertKind::NewBill, headline.clone(), Some(ch), ch.recorded_at);
        a.bill = Some(bill.info.clone());
        a.why = Why {
            reason: format!("A new bill in {} matches what {} watches", bill.info.jurisdiction, c.name),
            terms: terms.clone(),
            snippet: snippet.clone(),
        };
        a.source_url = bill.info.url.clone();
        out.push(ctx.matched(lead, &format!("seq:{}", ch.seq), a));
    }
    Ok(out)
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
    let texts = Rows::from(
        wh.fetch(
            "SELECT v.id, v.ordinal, t.text FROM bill_versions v JOIN bill_texts t ON t.id = v.id WHERE v.bill_id = $1 ORDER BY v.ordinal",
            &[Param::text(bill_id)],
        )
        .await?,
    );
    let list: Vec<(String, String)> =
        texts.iter().map(|r| (r.s("id").unwrap_or_default(), r.s("text").unwrap_or_default())).collect();
    if let Some(pos) = list.iter().position(|(id, _)| id == version_id)
        && pos > 0
    {
        let (old, new) = (&list[pos - 1].1, &list[pos].1);
        // The diff stored when the version was loaded (`version_diffs`), else one made now.
        let stored = Rows::from(
            wh.fetch("SELECT diff FROM version_diffs WHERE version_id = $1", &[Param::text(version_id)]).await?,
        );
        let diff = stored
            .first()
            .and_then(|r| r.s("diff"))
            .and_then(|d| serde_json::from_str::<crate::text::TextDiff>(&d).ok())
            .unwrap_or_else(|| crate::text::diff(old, new, &[]));
        let summary = diff.summary.clone();
        // The sections themselves, without render_text's own summary line.
        let rendered = crate::text::render_text(&diff, DIFF_EXCERPT_CHARS);
        info.diff_excerpt =
            rendered.split_once('\n').map(|(_, rest)| rest.trim().to_string()).filter(|r| !r.is_empty());
        info.diff_summary = Some(format!("{summary} (against the previous version)"));
        let in_old: HashSet<String> = find_terms(old, &c.watch.terms).into_iter().map(|t| t.0).collect();
        let in_new: HashSet<String> = find_terms(new, &c.watch.terms).into_iter().map(|t| t.0).collect();
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
) -> Result<Option<(VoteInfo, Vec<(String, String)>)>, AlertsError> {
    let v = Rows::from(
        wh.fetch(
            "SELECT motion, date, result, organization, yes_count, no_count, abstain_count, absent_count, excused_count, not_voting_count, other_count, source_url FROM votes WHERE id = $1",
            &[Param::text(vote_id)],
        )
        .await?,
    );
    let Some(r) = v.first() else { return Ok(None) };
    let other = ["abstain_count", "absent_count", "excused_count", "not_voting_count", "other_count"]
        .iter()
        .map(|k| r.i(k).unwrap_or(0))
        .sum();
    let info = VoteInfo {
        motion: r.s("motion").unwrap_or_default(),
        date: r.s("date"),
        result: r.s("result").unwrap_or_default(),
        body: rules::body_name(r.s("organization").as_deref(), jurisdiction_id),
        yes: r.i("yes_count").unwrap_or(0),
        no: r.i("no_count").unwrap_or(0),
        other,
        voters: Vec::new(),
        url: r.s("source_url"),
    };
    let records = Rows::from(
        wh.fetch(
            "SELECT voter_name, option FROM vote_records WHERE vote_id = $1 ORDER BY ordinal",
            &[Param::text(vote_id)],
        )
        .await?,
    );
    let records =
        records.iter().map(|r| (r.s("voter_name").unwrap_or_default(), r.s("option").unwrap_or_default())).collect();
    Ok(Some((info, records)))
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

/// A hearing as alerts show it; `before` holds the diff of a reschedule.
async fn hearing_facts(
    wh: &Warehouse,
    event_id: &str,
    before: Option<&Value>,
) -> Result<Option<HearingInfo>, AlertsError> {
    let e = Rows::from(
        wh.fetch(
            "SELECT id, name, start_time, start_date, all_day, timezone, location, status, participants, source_url FROM events WHERE id = $1",
            &[Param::text(event_id)],
        )
        .await?,
    );
    let Some(r) = e.first() else { return Ok(None) };
    let tz: chrono_tz::Tz = r.s("timezone").and_then(|z| z.parse().ok()).unwrap_or(chrono_tz::UTC);
    let start_time = r.time("start_time");
    let start_date = r.s("start_date");
    let all_day = r.b("all_day");
    let committees = json_list(r.get("participants"));
    let mut info = HearingInfo {
        event_id: event_id.to_string(),
        name: r.s("name").unwrap_or_default(),
        committees: committees.clone(),
        when: hearing_when(start_time, start_date.as_deref(), all_day, tz),
        before: None,
        location: r.s("location"),
        before_location: None,
        status: r.s("status").unwrap_or_default(),
        start_time,
        start_date,
        all_day,
        timezone: tz.name().to_string(),
        members: Vec::new(),
        url: r.s("source_url"),
    };
    if let Some(diff) = before {
        let old_time = diff["start_time"]["old"]
            .as_str()
            .and_then(parse_time)
            .or(if diff.get("start_time").is_some() { None } else { start_time });
        let old_date = diff["start_date"]["old"].as_str().map(str::to_string).or(info.start_date.clone());
        if diff.get("start_time").is_some() || diff.get("start_date").is_some() {
            info.before = Some(hearing_when(old_time, old_date.as_deref(), all_day, tz));
        }
        if let Some(loc) = diff.get("location") {
            info.before_location = loc["old"].as_str().map(str::to_string);
        }
    }
    Ok(Some(info))
}

/// Who sits on a committee, as its latest roll call shows it (the warehouse keeps no
/// membership lists; a committee's last vote names its voting members).
async fn committee_members(
    wh: &Warehouse,
    jurisdiction_id: &str,
    committees: &[String],
) -> Result<Vec<String>, AlertsError> {
    for committee in committees {
        let last = Rows::from(
            wh.fetch(
                "SELECT id FROM votes WHERE jurisdiction_id = $1 AND organization = $2 ORDER BY date DESC, id LIMIT 1",
                &[Param::text(jurisdiction_id), Param::text(committee)],
            )
            .await?,
        );
        if let Some(id) = last.first().and_then(|r| r.s("id")) {
            let names = Rows::from(
                wh.fetch(
                    "SELECT voter_name FROM vote_records WHERE vote_id = $1 ORDER BY voter_name",
                    &[Param::text(&id)],
                )
                .await?,
            );
            return Ok(names.iter().filter_map(|r| r.s("voter_name")).collect());
        }
    }
    Ok(Vec::new())
}

async fn tracked_on_agenda(wh: &Warehouse, ctx: &Ctx<'_>, event_id: &str) -> Result<Vec<String>, AlertsError> {
    let agenda = Rows::from(
        wh.fetch(
            "SELECT a.bill_id, a.bill_identifier, e.jurisdiction_id FROM event_agenda a JOIN events e ON e.id = a.event_id WHERE a.event_id = $1 ORDER BY a.ordinal",
            &[Param::text(event_id)],
        )
        .await?,
    );
    let mut out: Vec<String> = Vec::new();
    for r in agenda.iter() {
        let key = match (r.s("bill_id"), r.s("bill_identifier")) {
            (Some(id), _) => id,
            (None, Some(ident)) => pending_key(&r.s("jurisdiction_id").unwrap_or_default(), &ident),
            (None, None) => continue,
        };
        if ctx.tracked.by_bill.contains_key(&key) && !out.contains(&key) {
            out.push(key);
        }
    }
    Ok(out)
}

async fn hearing_change(wh: &Warehouse, ctx: &Ctx<'_>, ch: &Change) -> Result<Vec<Match>, AlertsError> {
    let c = ctx.c;
    let bills = tracked_on_agenda(wh, ctx, &ch.entity_id).await?;
    if bills.is_empty() {
        return Ok(Vec::new());
    }
    let diff = (ch.kind == "hearing_changed" || (ch.kind == "hearing_cancelled" && ch.changes.get("new").is_none()))
        .then_some(&ch.changes);
    let Some(hearing) = hearing_facts(wh, &ch.entity_id, diff).await? else { return Ok(Vec::new()) };
    // A hearing already over when the change was recorded is not something to act on (a
    // jurisdiction's first load brings its past hearings); a replayed ledger keeps them.
    let over = match (hearing.start_time, &hearing.start_date) {
        (Some(t), _) => t < ch.recorded_at,
        (None, Some(d)) => NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok_and(|d| d < ch.recorded_at.date_naive()),
        _ => false,
    };
    if over && !ctx.replay {
        return Ok(Vec::new());
    }
    let kind = match ch.kind.as_str() {
        "hearing_scheduled" => AlertKind::HearingScheduled,
        "hearing_cancelled" => AlertKind::HearingCancelled,
        _ => {
            let moved =
                ["start_time", "start_date", "location", "all_day"].iter().any(|k| ch.changes.get(*k).is_some());
            let reinstated = ch.changes["status"]["old"].as_str() == Some("cancelled");
            if !moved && !reinstated {
                return Ok(Vec::new());
            }
            if moved { AlertKind::HearingRescheduled } else { AlertKind::HearingScheduled }
        }
    };
    let mut out = Vec::new();
    for bill_id in bills {
        let Some(bill) = facts(wh, ctx, &bill_id).await? else { continue };
        let headline = match kind {
            AlertKind::HearingCancelled => {
                format!("Hearing cancelled: {} ({}), {}", hearing.name, bill.info.identifier, hearing.when)
            }
            AlertKind::HearingRescheduled => {
                format!("Hearing moved: {} ({}), now {}", hearing.name, bill.info.identifier, hearing.when)
            }
            _ => format!("Hearing: {} takes up {}, {}", hearing.name, bill.info.identifier, hearing.when),
        };
        out.extend(ctx.for_tracked(&bill_id, &format!("seq:{}:{bill_id}", ch.seq), |position, group| {
            let mut a = ctx.alert(kind, headline.clone(), Some(ch), ch.recorded_at);
            a.bill = Some(with_position(&bill.info, position, group, c));
            a.why = ctx.tracked_why(&bill.info, position, group);
            a.source_url = hearing.url.clone().or(bill.info.url.clone());
            a.hearing = Some(hearing.clone());
            a
        }));
    }
    Ok(out)
}

/// Reminders N days before upcoming hearings on tracked bills (time-driven, not ledger-driven:
/// keyed by hearing, start and N, so each goes out once, and again after a reschedule).
async fn reminders(wh: &Warehouse, ctx: &Ctx<'_>, now: DateTime<Utc>) -> Result<Vec<Match>, AlertsError> {
    let c = ctx.c;
    if c.reminder_days.is_empty() || ctx.tracked.by_bill.is_empty() {
        return Ok(Vec::new());
    }
    let bill_ids: Vec<String> = ctx.tracked.by_bill.keys().cloned().collect();
    let mut out = Vec::new();
    for bill_id in bill_ids {
        let rows = match bill_id.strip_prefix("pending:").and_then(|k| k.split_once('|')) {
            Some((jurisdiction, identifier)) => Rows::from(
                wh.fetch(
                    "SELECT DISTINCT e.id, e.start_date, e.timezone, e.status, e.start_time FROM event_agenda a JOIN events e ON e.id = a.event_id WHERE a.bill_id IS NULL AND a.bill_identifier = $1 AND e.jurisdiction_id = $2 AND e.status <> 'cancelled'",
                    &[Param::text(identifier), Param::text(jurisdiction)],
                )
                .await?,
            ),
            None => Rows::from(
                wh.fetch(
                    "SELECT DISTINCT e.id, e.start_date, e.timezone, e.status, e.start_time FROM event_agenda a JOIN events e ON e.id = a.event_id WHERE a.bill_id = $1 AND e.status <> 'cancelled'",
                    &[Param::text(&bill_id)],
                )
                .await?,
            ),
        };
        for r in rows.iter() {
            let tz: chrono_tz::Tz = r.s("timezone").and_then(|z| z.parse().ok()).unwrap_or(chrono_tz::UTC);
            let today = now.with_timezone(&tz).date_naive();
            let Some(day) = r.s("start_date").and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()) else {
                continue;
            };
            let Some(n) = rules::reminder_due(today, day, &c.reminder_days) else { continue };
            let event_id = r.s("id").unwrap_or_default();
            let Some(bill) = facts(wh, ctx, &bill_id).await? else { continue };
            let Some(mut hearing) = hearing_facts(wh, &event_id, None).await? else { continue };
            hearing.members = committee_members(wh, &bill.jurisdiction_id, &hearing.committees).await?;
            let days_left = (day - today).num_days();
            let headline = format!(
                "Reminder: {} hearing on {} in {} day{} ({})",
                hearing.name,
                bill.info.identifier,
                days_left,
                if days_left == 1 { "" } else { "s" },
                hearing.when
            );
            let start_key = r.s("start_time").unwrap_or_else(|| day.to_string());
            let key = format!("reminder:{event_id}:{start_key}:{n}d:{bill_id}");
            out.extend(ctx.for_tracked(&bill_id, &key, |position, group| {
                let mut a = ctx.alert(AlertKind::HearingReminder, headline.clone(), None, now);
                a.bill = Some(with_position(&bill.info, position, group, c));
                a.why = Why {
                    reason: format!(
                        "{} tracks {} ({}) and asked for reminders {} days before hearings",
                        c.name,
                        bill.info.identifier,
                        position.as_str(),
                        c.reminder_days.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(" and ")
                    ),
                    terms: Vec::new(),
                    snippet: None,
                };
                a.source_url = hearing.url.clone().or(bill.info.url.clone());
                a.hearing = Some(hearing.clone());
                a
            }));
        }
    }
    Ok(out)
}

// ------------------------------------------------------------------------------------------
// Outbox → messages → delivery
// ------------------------------------------------------------------------------------------

/// Groups due outbox rows into messages: one per immediate alert, one per lead and digest
/// time for daily ones. Returns the number of messages created.
pub async fn compose(wh: &Warehouse, now: DateTime<Utc>) -> Result<u64, AlertsError> {
    let due = Rows::from(
        wh.fetch(
            "SELECT id, coalition_id, recipient, delivery, due_at FROM alert_outbox WHERE message_id IS NULL AND due_at <= $1 ORDER BY id",
            &[Param::Time(Some(now))],
        )
        .await?,
    );
    /// (coalition, recipient, message key, kind) → outbox ids.
    type Group = ((String, String, String, &'static str), Vec<i64>);
    let mut groups: Vec<Group> = Vec::new();
    for r in due.iter() {
        let id = r.i("id").unwrap_or(0);
        let (key, kind) = match r.s("delivery").as_deref() {
            Some("daily") => {
                (format!("digest:{}", r.time("due_at").map(|t| t.to_rfc3339()).unwrap_or_default()), "digest")
            }
            _ => (format!("alert:{id}"), "alert"),
        };
        let k = (r.s("coalition_id").unwrap_or_default(), r.s("recipient").unwrap_or_default(), key, kind);
        match groups.iter_mut().find(|(g, _)| *g == k) {
            Some((_, ids)) => ids.push(id),
            None => groups.push((k, vec![id])),
        }
    }
    let mut created = 0;
    for ((coalition, recipient, key, kind), ids) in groups {
        let domain = recipient.rsplit('@').next().unwrap_or("localhost").to_string();
        let rfc_id = format!(
            "<statehouse.{}.{}@{}>",
            coalition,
            &crate::hash::sha256_hex(format!("{recipient}\u{0}{key}").as_bytes())[..24],
            domain
        );
        let id_list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
        let stmts = vec![
            (
                "INSERT INTO alert_messages (coalition_id, recipient, message_key, kind, status, attempts, next_attempt_at, rfc_message_id, created_at) VALUES ($1, $2, $3, $4, 'pending', 0, $5, $6, $5) ON CONFLICT (coalition_id, recipient, message_key) DO NOTHING".to_string(),
                vec![Param::text(&coalition), Param::text(&recipient), Param::text(&key), Param::text(kind), Param::Time(Some(now)), Param::text(rfc_id)],
            ),
            (
                // The ids are integers read from the outbox: safe to inline.
                format!("UPDATE alert_outbox SET message_id = (SELECT id FROM alert_messages WHERE coalition_id = $1 AND recipient = $2 AND message_key = $3) WHERE id IN ({id_list}) AND message_id IS NULL"),
                vec![Param::text(&coalition), Param::text(&recipient), Param::text(&key)],
            ),
        ];
        let done = wh.execute_all(&stmts).await?;
        created += done[0];
    }
    Ok(created)
}

/// Backoff after `attempts` failures: 5 minutes, doubling, at most 6 hours.
pub fn retry_after(attempts: i64) -> chrono::Duration {
    let minutes = 5i64.saturating_mul(1i64 << attempts.clamp(0, 10).saturating_sub(1).max(0));
    chrono::Duration::minutes(minutes.min(6 * 60))
}

/// Sends (or writes) every message that is due, recording each attempt.
pub async fn deliver(
    wh: &Warehouse,
    coalitions: &[Coalition],
    transport: &Transport,
    now: DateTime<Utc>,
) -> Result<AlertsReport, AlertsError> {
    let mut report = AlertsReport::default();
    if matches!(transport, Transport::Hold) {
        return Ok(report);
    }
    let due = Rows::from(
        wh.fetch(
            "SELECT id, coalition_id, recipient, kind, attempts, rfc_message_id FROM alert_messages WHERE status IN ('pending', 'retrying') AND next_attempt_at <= $1 ORDER BY id",
            &[Param::Time(Some(now))],
        )
        .await?,
    );
    for m in due.iter() {
        let id = m.i("id").unwrap_or(0);
        let coalition_id = m.s("coalition_id").unwrap_or_default();
        let email = m.s("recipient").unwrap_or_default();
        let attempts = m.i("attempts").unwrap_or(0);
        let stored = Rows::from(
            wh.fetch("SELECT id, alert FROM alert_outbox WHERE message_id = $1 ORDER BY id", &[Param::Int(Some(id))])
                .await?,
        );
        let mut alerts = Vec::new();
        for r in stored.iter() {
            let a: Alert = serde_json::from_str(&r.s("alert").unwrap_or_default())
                .map_err(|e| AlertsError::Stored(r.i("id").unwrap_or(0), e))?;
            alerts.push(a);
        }
        let coalition = coalitions.iter().find(|c| c.id == coalition_id);
        let lead = coalition.and_then(|c| c.leads.iter().find(|l| l.email.eq_ignore_ascii_case(&email)));
        let recipient = Recipient {
            name: lead.map(|l| l.name.clone()).unwrap_or_default(),
            email: email.clone(),
            timezone: lead.map(|l| l.timezone.name().to_string()).unwrap_or_else(|| "UTC".into()),
            group: lead
                .and_then(|l| coalition.and_then(|c| c.groups.iter().find(|g| g.id == l.group)))
                .map(|g| g.name.clone())
                .unwrap_or_default(),
        };
        let links = Links {
            unsubscribe: coalition
                .map(|c| c.unsubscribe.clone())
                .unwrap_or_else(|| "mailto:unsubscribe@example.org".into()),
            manage: None,
        };
        let tz: chrono_tz::Tz = recipient.timezone.parse().unwrap_or(chrono_tz::UTC);
        let rendered = if m.s("kind").as_deref() == Some("digest") {
            render::render_digest(&alerts, &recipient, rules::digest_day(now, tz), &links)
        } else {
            match alerts.first() {
                Some(a) => render::render_alert(a, &recipient, &links),
                None => continue,
            }
        };
        let outcome: Result<&'static str, String> = match rendered {
            Err(e) => Err(format!("cannot render: {e}")),
            Ok(rendered) => {
                let from = match transport {
                    Transport::Smtp(mailer) => mailer.from().clone(),
                    _ => crate::mail::mailbox("statehouse@example.org").expect("valid address"),
                };
                let rfc_id = m.s("rfc_message_id").unwrap_or_default();
                match render::message(&rendered, &from, &recipient, &links.unsubscribe, &rfc_id, now) {
                    Err(e) => Err(format!("cannot build the message: {e}")),
                    Ok(message) => match transport {
                        Transport::Smtp(mailer) => {
                            mailer.send(message).await.map(|_| "smtp").map_err(|e| crate::fetch::error_chain(&e))
                        }
                        Transport::Files(dir) => {
                            let folder = dir.join(&coalition_id);
                            let path = folder.join(format!("{id:06}.eml"));
                            std::fs::create_dir_all(&folder)
                                .and_then(|_| std::fs::write(&path, message.formatted()))
                                .map(|_| "file")
                                .map_err(|e| format!("cannot write {}: {e}", path.display()))
                        }
                        Transport::Hold => unreachable!("held above"),
                    },
                }
            }
        };
        let subject = alerts.first().map(|a| a.headline.clone());
        let stmts = match &outcome {
            Ok(transport_name) => {
                let status = if *transport_name == "file" { "written" } else { "sent" };
                if status == "written" {
                    report.written += 1;
                } else {
                    report.sent += 1;
                }
                vec![
                    (
                        "UPDATE alert_messages SET status = $2, attempts = attempts + 1, sent_at = $3, last_error = NULL, subject = $4 WHERE id = $1".to_string(),
                        vec![Param::Int(Some(id)), Param::text(status), Param::Time(Some(now)), Param::Text(subject)],
                    ),
                    (
                        "INSERT INTO alert_attempts (message_id, attempted_at, transport, ok, error) VALUES ($1, $2, $3, $4, NULL)".to_string(),
                        vec![Param::Int(Some(id)), Param::Time(Some(now)), Param::text(*transport_name), Param::Bool(true)],
                    ),
                ]
            }
            Err(error) => {
                report.failed += 1;
                tracing::warn!(message = id, recipient = %email, error = %error, "alert not delivered; it will be retried");
                let next = now + retry_after(attempts + 1);
                let transport_name = match transport {
                    Transport::Smtp(_) => "smtp",
                    _ => "file",
                };
                vec![
                    (
                        "UPDATE alert_messages SET status = 'retrying', attempts = attempts + 1, next_attempt_at = $2, last_error = $3 WHERE id = $1".to_string(),
                        vec![Param::Int(Some(id)), Param::Time(Some(next)), Param::text(error.clone())],
                    ),
                    (
                        "INSERT INTO alert_attempts (message_id, attempted_at, transport, ok, error) VALUES ($1, $2, $3, $4, $5)".to_string(),
                        vec![Param::Int(Some(id)), Param::Time(Some(now)), Param::text(transport_name), Param::Bool(false), Param::text(error.clone())],
                    ),
                ]
            }
        };
        wh.execute_all(&stmts).await?;
    }
    Ok(report)
}

/// One pass for a pipeline's coalitions: sync, match, compose, deliver.
pub async fn process(
    wh: &Warehouse,
    coalitions: &[Coalition],
    transport: &Transport,
    now: DateTime<Utc>,
) -> Result<AlertsReport, AlertsError> {
    sync(wh, coalitions, now).await?;
    let mut report = AlertsReport::default();
    for c in coalitions {
        let before = outbox_count(wh, &c.id).await?;
        evaluate(wh, c, now).await?;
        report.matched += outbox_count(wh, &c.id).await? - before;
    }
    report.composed = compose(wh, now).await?;
    let sent = deliver(wh, coalitions, transport, now).await?;
    report.sent = sent.sent;
    report.written = sent.written;
    report.failed = sent.failed;
    let ids: Vec<Param> = Vec::new();
    let waiting = Rows::from(
        wh.fetch(
            "SELECT (SELECT COUNT(*) FROM alert_messages WHERE status IN ('pending', 'retrying')) + (SELECT COUNT(*) FROM alert_outbox WHERE message_id IS NULL) AS n",
            &ids,
        )
        .await?,
    );
    report.waiting = waiting.first().and_then(|r| r.i("n")).unwrap_or(0) as u64;
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
    for c in coalitions {
        let tracked = resolve_tracked(wh, c).await?;
        let ctx = Ctx { c, tracked: &tracked, replay: false };
        let mut hearings: Vec<(HearingInfo, Vec<BillInfo>)> = Vec::new();
        let events = Rows::from(
            wh.fetch(
                "SELECT DISTINCT e.id FROM events e JOIN event_agenda a ON a.event_id = e.id WHERE e.start_date >= $1 ORDER BY e.id",
                &[Param::Date(Some((now - chrono::Duration::days(1)).date_naive()))],
            )
            .await?,
        );
        for r in events.iter() {
            let id = r.s("id").unwrap_or_default();
            let keys = tracked_on_agenda(wh, &ctx, &id).await?;
            if keys.is_empty() {
                continue;
            }
            let Some(h) = hearing_facts(wh, &id, None).await? else { continue };
            let mut bills = Vec::new();
            for k in keys {
                if let (Some(f), Some(t)) = (facts(wh, &ctx, &k).await?, tracked.by_bill.get(&k)) {
                    let mut info = f.info;
                    info.position = Some(t.position);
                    bills.push(info);
                }
            }
            hearings.push((h, bills));
        }
        let ics = super::feeds::hearings_ical(&c.name, &c.id, &hearings, now);
        let alerts = Rows::from(
            wh.fetch(
                "SELECT id, alert FROM alert_outbox WHERE id IN (SELECT MIN(id) FROM alert_outbox WHERE coalition_id = $1 GROUP BY rule, dedupe_key) ORDER BY id DESC LIMIT 100",
                &[Param::text(&c.id)],
            )
            .await?,
        );
        let mut entries = Vec::new();
        for r in alerts.iter() {
            let id = r.i("id").unwrap_or(0);
            let mut a: Alert =
                serde_json::from_str(&r.s("alert").unwrap_or_default()).map_err(|e| AlertsError::Stored(id, e))?;
            // One entry for every recipient: no group's position in the shared feed.
            if let Some(b) = &mut a.bill {
                b.group = None;
            }
            entries.push((id, a));
        }
        let atom = super::feeds::alerts_atom(&c.name, &c.id, &entries, now, None);
        for (ext, body) in [("ics", ics), ("atom", atom)] {
            let path = dir.join(format!("{}.{ext}", c.id));
            std::fs::write(&path, body).map_err(|source| AlertsError::Write { path, source })?;
        }
    }
    Ok(())
}

async fn outbox_count(wh: &Warehouse, coalition: &str) -> Result<u64, AlertsError> {
    Ok(Rows::from(
        wh.fetch("SELECT COUNT(*) AS n FROM alert_outbox WHERE coalition_id = $1", &[Param::text(coalition)]).await?,
    )
    .first()
    .and_then(|r| r.i("n"))
    .unwrap_or(0) as u64)
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

    #[test]
    fn both_backends_timestamps_parse() {
        let t = chrono::TimeZone::with_ymd_and_hms(&Utc, 2017, 2, 7, 14, 30, 0).unwrap();
        assert_eq!(parse_time("2017-02-07 14:30:00+00:00"), Some(t));
        assert_eq!(parse_time("2017-02-07T14:30:00+00:00"), Some(t));
        assert_eq!(parse_time("2017-02-07T14:30:00Z"), Some(t));
    }
}
