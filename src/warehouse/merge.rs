//! The merge: new bundles against what the warehouse holds → the rows to write and the
//! change events to append. Pure (no I/O), so the history rules are tested without a
//! database; `sql.rs` reads the old rows and applies the result.
//!
//! Rules:
//! - an entity whose content hash is unchanged is not written (children whose only change is
//!   their position are rewritten quietly, with no change event);
//! - a new entity is inserted with one `*_added` event (for a bill `bill_introduced`, a vote
//!   `vote_recorded`, a hearing `hearing_scheduled`);
//! - a changed entity is updated in place (same id) with one `*_changed` event listing each
//!   changed field as `{"old": …, "new": …}`; a hearing whose status becomes `cancelled` gets
//!   `hearing_cancelled` instead;
//! - a child (action, sponsorship, version, document, agenda item) missing from a new bundle
//!   of its parent is deleted with a `*_removed` event holding its old values. Parents
//!   (bills, votes, hearings) are never deleted: sources deliver partial scrapes.

use crate::normalize::rows::*;
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// One row of the change ledger, before it gets its sequence number.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub jurisdiction_id: String,
    pub entity_type: &'static str,
    pub entity_id: String,
    pub bill_id: Option<String>,
    pub kind: String,
    pub changes: Value,
}

/// Top-level entity counts of one load.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

impl Counts {
    pub fn add(&mut self, o: Counts) {
        self.inserted += o.inserted;
        self.updated += o.updated;
        self.unchanged += o.unchanged;
    }
}

/// Rows to upsert and delete, table by table, and the ledger rows.
#[derive(Debug, Default)]
pub struct WriteSet {
    pub jurisdictions: Vec<JurisdictionRow>,
    pub sessions: Vec<SessionRow>,
    pub organizations: Vec<OrganizationRow>,
    pub people: Vec<PersonRow>,
    pub bills: Vec<BillRow>,
    pub actions: Vec<ActionRow>,
    pub sponsorships: Vec<SponsorshipRow>,
    pub versions: Vec<DocumentRow>,
    pub documents: Vec<DocumentRow>,
    pub votes: Vec<VoteRow>,
    pub vote_records: Vec<VoteRecordRow>,
    pub events: Vec<EventRow>,
    pub agenda: Vec<AgendaRow>,
    pub person_roles: Vec<RoleRow>,
    pub person_offices: Vec<OfficeRow>,
    pub memberships: Vec<MembershipRow>,
    /// Texts of the versions and documents written.
    pub texts: Vec<TextRow>,
    /// Bills with a version text rewritten quietly (a newer extractor): their diffs are made
    /// again, quietly.
    pub rediff: Vec<String>,
    /// (table, id) of child rows to delete.
    pub deletes: Vec<(&'static str, String)>,
    pub changes: Vec<Change>,
    pub counts: Counts,
}

/// A row the merge can compare.
pub trait Entity: Serialize + Clone {
    fn id(&self) -> &str;
    fn hash(&self) -> &str;
    /// Position among its siblings (0 for parents).
    fn ordinal(&self) -> i64 {
        0
    }
    /// Whether the difference from `old` (`changes`, as [`diff`] gives it) is only a text made
    /// again by a newer extractor from the same document: rewritten quietly.
    fn reextracted(&self, _old: &Self, _changes: &Value) -> bool {
        false
    }
}

macro_rules! entity {
    ($($t:ty),* ; ordinal: $($o:ty),*) => {
        $(impl Entity for $t {
            fn id(&self) -> &str { &self.id }
            fn hash(&self) -> &str { &self.content_hash }
        })*
        $(impl Entity for $o {
            fn id(&self) -> &str { &self.id }
            fn hash(&self) -> &str { &self.content_hash }
            fn ordinal(&self) -> i64 { self.ordinal }
        })*
    };
}
entity!(JurisdictionRow, SessionRow, OrganizationRow, PersonRow, BillRow, VoteRow, EventRow;
    ordinal: ActionRow, SponsorshipRow, VoteRecordRow, AgendaRow, RoleRow, OfficeRow, MembershipRow);

impl Entity for DocumentRow {
    fn id(&self) -> &str {
        &self.id
    }
    fn hash(&self) -> &str {
        &self.content_hash
    }
    fn ordinal(&self) -> i64 {
        self.ordinal
    }
    /// A text the row had and still has, made by another extractor generation, nothing else
    /// changed (a stored text of an earlier generation has none recorded). A real change of the
    /// document in the same load as a new generation is not told apart: the price of not
    /// re-reading every source document on every upgrade.
    fn reextracted(&self, old: &Self, changes: &Value) -> bool {
        let only_text = changes.as_object().is_some_and(|m| m.keys().all(|k| k == "text_sha256"));
        only_text && self.extractor != old.extractor && old.text_sha256.is_some() && self.text_sha256.is_some()
    }
}

/// Columns that hold JSON text; in the ledger they appear as JSON, not as strings.
const JSON_COLUMNS: &[&str] = &[
    "classification",
    "subjects",
    "other_titles",
    "other_identifiers",
    "related_bills",
    "citations",
    "related_entities",
    "links",
    "motion_classification",
    "participants",
    "other_names",
    "ids",
];

/// Content fields kept out of the ledger: bookkeeping, not news (in the content hash, so a
/// row whose only change is one of them is rewritten, quietly).
const NOT_NEWS: &[&str] = &["extractor"];

/// A row as ledger JSON: content fields only, JSON columns embedded as JSON.
pub fn content(row: &impl Serialize) -> Value {
    let mut v = serde_json::to_value(row).expect("rows serialize");
    if let Some(m) = v.as_object_mut() {
        for k in NOT_CONTENT.iter().chain(NOT_NEWS) {
            m.remove(*k);
        }
        for k in JSON_COLUMNS {
            if let Some(Value::String(s)) = m.get(*k)
                && let Ok(parsed) = serde_json::from_str::<Value>(s)
            {
                m.insert((*k).to_string(), parsed);
            }
        }
    }
    v
}

/// `{"field": {"old": …, "new": …}}` for each content field that differs.
pub fn diff(old: &impl Serialize, new: &impl Serialize) -> Value {
    let (old, new) = (content(old), content(new));
    let mut out = Map::new();
    if let (Some(o), Some(n)) = (old.as_object(), new.as_object()) {
        for (k, nv) in n {
            let ov = o.get(k).unwrap_or(&Value::Null);
            if ov != nv {
                out.insert(k.clone(), json!({"old": ov, "new": nv}));
            }
        }
    }
    Value::Object(out)
}

/// Names of the change kinds of one entity type.
#[derive(Clone, Copy)]
pub struct Kinds {
    pub entity_type: &'static str,
    pub added: &'static str,
    pub changed: &'static str,
    pub removed: &'static str,
}

pub const ACTION: Kinds =
    Kinds { entity_type: "action", added: "action_added", changed: "action_changed", removed: "action_removed" };
pub const SPONSORSHIP: Kinds = Kinds {
    entity_type: "sponsorship",
    added: "sponsor_added",
    changed: "sponsor_changed",
    removed: "sponsor_removed",
};
pub const VERSION: Kinds =
    Kinds { entity_type: "version", added: "version_added", changed: "version_changed", removed: "version_removed" };
pub const DOCUMENT: Kinds = Kinds {
    entity_type: "document",
    added: "document_added",
    changed: "document_changed",
    removed: "document_removed",
};
pub const AGENDA: Kinds = Kinds {
    entity_type: "agenda_item",
    added: "agenda_item_added",
    changed: "agenda_item_changed",
    removed: "agenda_item_removed",
};

pub const MEMBERSHIP: Kinds = Kinds {
    entity_type: "membership",
    added: "membership_added",
    changed: "membership_changed",
    removed: "membership_removed",
};

/// A parent whose children are being merged: where their deletes and change events go.
struct Parent<'a> {
    jurisdiction_id: &'a str,
    bill_id: Option<&'a str>,
    deletes: &'a mut Vec<(&'static str, String)>,
    changes: &'a mut Vec<Change>,
    /// Write no change events (the children of a new vote: `vote_recorded` stands for them).
    quiet: bool,
    /// Children rewritten quietly with a text made again by a newer extractor.
    reextracted: Vec<String>,
}

impl Parent<'_> {
    fn event(&mut self, kinds: Kinds, kind: &str, entity_id: &str, changes: Value) {
        if !self.quiet {
            self.changes.push(Change {
                jurisdiction_id: self.jurisdiction_id.into(),
                entity_type: kinds.entity_type,
                entity_id: entity_id.into(),
                bill_id: self.bill_id.map(str::to_string),
                kind: kind.into(),
                changes,
            });
        }
    }

    /// Merges the parent's children of one table. Returns the rows to upsert; records the
    /// deletes and the change events.
    fn merge<T: Entity>(&mut self, table: &'static str, kinds: Kinds, old: Vec<T>, new: Vec<T>) -> Vec<T> {
        let mut old: HashMap<String, T> = old.into_iter().map(|r| (r.id().to_string(), r)).collect();
        let mut upserts = Vec::new();
        for n in new {
            match old.remove(n.id()) {
                None => {
                    self.event(kinds, kinds.added, n.id(), json!({ "new": content(&n) }));
                    upserts.push(n);
                }
                Some(o) if o.hash() != n.hash() => {
                    let changes = diff(&o, &n);
                    if n.reextracted(&o, &changes) {
                        self.reextracted.push(n.id().to_string());
                    } else {
                        self.event(kinds, kinds.changed, n.id(), changes);
                    }
                    upserts.push(n);
                }
                Some(o) if o.ordinal() != n.ordinal() => upserts.push(n),
                Some(_) => {}
            }
        }
        let mut removed: Vec<T> = old.into_values().collect();
        removed.sort_by_key(|r| r.ordinal());
        for o in removed {
            self.event(kinds, kinds.removed, o.id(), json!({ "old": content(&o) }));
            self.deletes.push((table, o.id().to_string()));
        }
        upserts
    }
}

/// A parent's stored children (none if it has none).
fn take<T>(stored: &mut HashMap<String, Vec<T>>, parent_id: &str) -> Vec<T> {
    stored.remove(parent_id).unwrap_or_default()
}

/// What the warehouse holds of the bills in a batch that changed.
#[derive(Debug, Default)]
pub struct OldBills {
    pub bills: HashMap<String, BillRow>,
    pub actions: HashMap<String, Vec<ActionRow>>,
    pub sponsorships: HashMap<String, Vec<SponsorshipRow>>,
    pub versions: HashMap<String, Vec<DocumentRow>>,
    pub documents: HashMap<String, Vec<DocumentRow>>,
}

/// Merges bill bundles whose bundle hash differs from the stored one (or that are new).
pub fn merge_bills(ws: &mut WriteSet, bundles: Vec<BillBundle>, mut old: OldBills) {
    for b in bundles {
        let jur = b.bill.jurisdiction_id.clone();
        let id = b.bill.id.clone();
        match &old.bills.remove(&id) {
            None => {
                ws.counts.inserted += 1;
                ws.changes.push(Change {
                    jurisdiction_id: jur.clone(),
                    entity_type: "bill",
                    entity_id: id.clone(),
                    bill_id: Some(id.clone()),
                    kind: "bill_introduced".into(),
                    changes: json!({ "new": content(&b.bill) }),
                });
            }
            Some(o) => {
                ws.counts.updated += 1;
                if o.content_hash != b.bill.content_hash {
                    ws.changes.push(Change {
                        jurisdiction_id: jur.clone(),
                        entity_type: "bill",
                        entity_id: id.clone(),
                        bill_id: Some(id.clone()),
                        kind: "bill_changed".into(),
                        changes: diff(o, &b.bill),
                    });
                }
            }
        }
        let mut parent = Parent {
            jurisdiction_id: &jur,
            bill_id: Some(&id),
            deletes: &mut ws.deletes,
            changes: &mut ws.changes,
            quiet: false,
            reextracted: Vec::new(),
        };
        ws.actions.extend(parent.merge("bill_actions", ACTION, take(&mut old.actions, &id), b.actions));
        ws.sponsorships.extend(parent.merge(
            "bill_sponsorships",
            SPONSORSHIP,
            take(&mut old.sponsorships, &id),
            b.sponsorships,
        ));
        let versions = parent.merge("bill_versions", VERSION, take(&mut old.versions, &id), b.versions);
        if !parent.reextracted.is_empty() {
            ws.rediff.push(id.clone());
        }
        let documents = parent.merge("bill_documents", DOCUMENT, take(&mut old.documents, &id), b.documents);
        // A text is written with its document (a removed document's text is deleted with it).
        let written: std::collections::HashSet<&str> =
            versions.iter().chain(documents.iter()).map(|d| d.id.as_str()).collect();
        ws.texts.extend(b.texts.into_iter().filter(|t| written.contains(t.id.as_str())));
        ws.versions.extend(versions);
        ws.documents.extend(documents);
        ws.bills.push(b.bill);
    }
}

/// What the warehouse holds of the votes in a batch that changed.
#[derive(Debug, Default)]
pub struct OldVotes {
    pub votes: HashMap<String, VoteRow>,
    pub records: HashMap<String, Vec<VoteRecordRow>>,
}

pub fn merge_votes(ws: &mut WriteSet, bundles: Vec<VoteBundle>, mut old: OldVotes) {
    for b in bundles {
        let v = b.vote;
        let old_vote = old.votes.remove(&v.id);
        let old_records = old.records.remove(&v.id).unwrap_or_default();
        // Per-legislator changes are summarized in the vote's own event, not one event each.
        let mut record_changes = Vec::new();
        let mut parent = Parent {
            jurisdiction_id: &v.jurisdiction_id,
            bill_id: v.bill_id.as_deref(),
            deletes: &mut ws.deletes,
            changes: &mut record_changes,
            quiet: old_vote.is_none(),
            reextracted: Vec::new(),
        };
        let records_kinds =
            Kinds { entity_type: "vote_record", added: "added", changed: "changed", removed: "removed" };
        ws.vote_records.extend(parent.merge("vote_records", records_kinds, old_records, b.records));
        match old_vote {
            None => {
                ws.counts.inserted += 1;
                ws.changes.push(Change {
                    jurisdiction_id: v.jurisdiction_id.clone(),
                    entity_type: "vote",
                    entity_id: v.id.clone(),
                    bill_id: v.bill_id.clone(),
                    kind: "vote_recorded".into(),
                    changes: json!({ "new": content(&v) }),
                });
            }
            Some(o) => {
                ws.counts.updated += 1;
                if o.content_hash == v.content_hash && record_changes.is_empty() {
                    // Only the order of the roll call changed: rewritten quietly.
                    ws.votes.push(v);
                    continue;
                }
                let mut d = diff(&o, &v);
                if !record_changes.is_empty()
                    && let Some(m) = d.as_object_mut()
                {
                    let list: Vec<Value> = record_changes
                        .into_iter()
                        .map(|c| json!({"kind": c.kind, "record": c.entity_id, "changes": c.changes}))
                        .collect();
                    m.insert("vote_records".into(), Value::Array(list));
                }
                ws.changes.push(Change {
                    jurisdiction_id: v.jurisdiction_id.clone(),
                    entity_type: "vote",
                    entity_id: v.id.clone(),
                    bill_id: v.bill_id.clone(),
                    kind: "vote_changed".into(),
                    changes: d,
                });
            }
        }
        ws.votes.push(v);
    }
}

/// What the warehouse holds of the hearings in a batch that changed.
#[derive(Debug, Default)]
pub struct OldEvents {
    pub events: HashMap<String, EventRow>,
    pub agenda: HashMap<String, Vec<AgendaRow>>,
}

pub fn merge_events(ws: &mut WriteSet, bundles: Vec<EventBundle>, mut old: OldEvents) {
    for b in bundles {
        let e = b.event;
        let old_event = old.events.remove(&e.id);
        match &old_event {
            None => {
                ws.counts.inserted += 1;
                ws.changes.push(Change {
                    jurisdiction_id: e.jurisdiction_id.clone(),
                    entity_type: "event",
                    entity_id: e.id.clone(),
                    bill_id: None,
                    kind: if e.status == "cancelled" { "hearing_cancelled" } else { "hearing_scheduled" }.into(),
                    changes: json!({ "new": content(&e) }),
                });
            }
            Some(o) => {
                ws.counts.updated += 1;
                if o.content_hash != e.content_hash {
                    let kind = if e.status == "cancelled" && o.status != "cancelled" {
                        "hearing_cancelled"
                    } else {
                        "hearing_changed"
                    };
                    ws.changes.push(Change {
                        jurisdiction_id: e.jurisdiction_id.clone(),
                        entity_type: "event",
                        entity_id: e.id.clone(),
                        bill_id: None,
                        kind: kind.into(),
                        changes: diff(o, &e),
                    });
                }
            }
        }
        // Agenda items carry their bill in the ledger, so a bill's alerts find them.
        let old_agenda = old.agenda.remove(&e.id).unwrap_or_default();
        let mut item_changes = Vec::new();
        let by_id: HashMap<String, Option<String>> =
            b.agenda.iter().chain(old_agenda.iter()).map(|a| (a.id.clone(), a.bill_id.clone())).collect();
        let mut parent = Parent {
            jurisdiction_id: &e.jurisdiction_id,
            bill_id: None,
            deletes: &mut ws.deletes,
            changes: &mut item_changes,
            quiet: false,
            reextracted: Vec::new(),
        };
        ws.agenda.extend(parent.merge("event_agenda", AGENDA, old_agenda, b.agenda));
        for mut c in item_changes {
            c.bill_id = by_id.get(&c.entity_id).cloned().flatten();
            if let Some(m) = c.changes.as_object_mut() {
                m.insert("event_id".into(), Value::String(e.id.clone()));
            }
            ws.changes.push(c);
        }
        ws.events.push(e);
    }
}

/// What the warehouse holds of the people in a batch.
#[derive(Debug, Default)]
pub struct OldPeople {
    pub people: HashMap<String, PersonRow>,
    pub roles: HashMap<String, Vec<RoleRow>>,
    pub offices: HashMap<String, Vec<OfficeRow>>,
}

/// A person delivered in part (any source but a whole people file) leaves what it lacks as
/// stored: a missing field, an empty list of names or links, an unknown `former`. And a
/// person a whole source described (`former` is known only from one) keeps its values: a
/// partial delivery only fills what the stored row lacks.
pub fn complete_person(new: &mut PersonRow, old: &PersonRow) {
    if old.former.is_some() {
        let mut kept = old.clone();
        for (mine, theirs) in [
            (&mut kept.chamber, &new.chamber),
            (&mut kept.party, &new.party),
            (&mut kept.district, &new.district),
            (&mut kept.email, &new.email),
            (&mut kept.image, &new.image),
            (&mut kept.source_url, &new.source_url),
            (&mut kept.given_name, &new.given_name),
            (&mut kept.family_name, &new.family_name),
        ] {
            if mine.is_none() {
                mine.clone_from(theirs);
            }
        }
        *new = kept;
    } else {
        for (mine, theirs) in [
            (&mut new.chamber, &old.chamber),
            (&mut new.party, &old.party),
            (&mut new.district, &old.district),
            (&mut new.email, &old.email),
            (&mut new.image, &old.image),
            (&mut new.source_url, &old.source_url),
            (&mut new.given_name, &old.given_name),
            (&mut new.family_name, &old.family_name),
        ] {
            if mine.is_none() {
                mine.clone_from(theirs);
            }
        }
        for (mine, theirs, empty) in [
            (&mut new.other_names, &old.other_names, "[]"),
            (&mut new.links, &old.links, "[]"),
            (&mut new.ids, &old.ids, "{}"),
        ] {
            if mine == empty {
                mine.clone_from(theirs);
            }
        }
    }
    new.content_hash = crate::normalize::rows::content_hash(&*new);
}

/// The people whose seats (`roles`) and whose offices (`offices`) were delivered whole, each
/// apart: a source may give every office and only the current seat (the Open States API).
#[derive(Debug, Default)]
pub struct Whole {
    pub roles: std::collections::HashSet<String>,
    pub offices: std::collections::HashSet<String>,
}

/// Merges people and, for those delivered with them (`whole`), their seats and their offices:
/// `person_added` (with its seats and offices) or one `person_changed` listing the changed
/// fields and, under `roles` and `offices`, each seat or office added, changed or removed. A
/// person whose seats (or offices) were not delivered whole keeps the stored ones untouched.
pub fn merge_people(
    ws: &mut WriteSet,
    people: Vec<PersonRow>,
    mut roles: HashMap<String, Vec<RoleRow>>,
    mut offices: HashMap<String, Vec<OfficeRow>>,
    whole: &Whole,
    mut old: OldPeople,
) {
    let role_kinds = Kinds { entity_type: "person_role", added: "added", changed: "changed", removed: "removed" };
    let office_kinds = Kinds { entity_type: "person_office", added: "added", changed: "changed", removed: "removed" };
    for p in people {
        let old_person = old.people.remove(&p.id);
        let mut role_changes = Vec::new();
        let mut office_changes = Vec::new();
        let (mut new_roles, mut new_offices) = (Vec::new(), Vec::new());
        if whole.roles.contains(&p.id) {
            let mut parent = Parent {
                jurisdiction_id: &p.jurisdiction_id,
                bill_id: None,
                deletes: &mut ws.deletes,
                changes: &mut role_changes,
                quiet: false,
                reextracted: Vec::new(),
            };
            let r = roles.remove(&p.id).unwrap_or_default();
            new_roles = parent.merge("person_roles", role_kinds, take(&mut old.roles, &p.id), r);
        }
        if whole.offices.contains(&p.id) {
            let mut parent = Parent {
                jurisdiction_id: &p.jurisdiction_id,
                bill_id: None,
                deletes: &mut ws.deletes,
                changes: &mut office_changes,
                quiet: false,
                reextracted: Vec::new(),
            };
            let o = offices.remove(&p.id).unwrap_or_default();
            new_offices = parent.merge("person_offices", office_kinds, take(&mut old.offices, &p.id), o);
        }
        let listed = |changes: Vec<Change>| -> Value {
            Value::Array(
                changes
                    .into_iter()
                    .map(|c| json!({"kind": c.kind, "record": c.entity_id, "changes": c.changes}))
                    .collect(),
            )
        };
        match &old_person {
            None => {
                ws.counts.inserted += 1;
                let mut new = content(&p);
                if let Some(m) = new.as_object_mut() {
                    m.insert("roles".into(), Value::Array(new_roles.iter().map(content).collect()));
                    m.insert("offices".into(), Value::Array(new_offices.iter().map(content).collect()));
                }
                ws.changes.push(Change {
                    jurisdiction_id: p.jurisdiction_id.clone(),
                    entity_type: "person",
                    entity_id: p.id.clone(),
                    bill_id: None,
                    kind: "person_added".into(),
                    changes: json!({ "new": new }),
                });
            }
            Some(o) => {
                let children_changed = !role_changes.is_empty() || !office_changes.is_empty();
                let d = diff(o, &p);
                let no_field = d.as_object().is_some_and(|m| m.is_empty());
                if o.content_hash == p.content_hash && !children_changed {
                    ws.counts.unchanged += 1;
                } else if no_field && !children_changed {
                    // Same values, another hash (a row stored before a column was added):
                    // rewritten quietly, no news.
                    ws.counts.unchanged += 1;
                } else {
                    ws.counts.updated += 1;
                    let mut d = d;
                    if let Some(m) = d.as_object_mut() {
                        if !role_changes.is_empty() {
                            m.insert("roles".into(), listed(role_changes));
                        }
                        if !office_changes.is_empty() {
                            m.insert("offices".into(), listed(office_changes));
                        }
                    }
                    ws.changes.push(Change {
                        jurisdiction_id: p.jurisdiction_id.clone(),
                        entity_type: "person",
                        entity_id: p.id.clone(),
                        bill_id: None,
                        kind: "person_changed".into(),
                        changes: d,
                    });
                }
            }
        }
        ws.person_roles.extend(new_roles);
        ws.person_offices.extend(new_offices);
        if old_person.as_ref().is_none_or(|o| o.content_hash != p.content_hash) {
            ws.people.push(p);
        }
    }
}

/// Merges the rosters of committees delivered whole: one `membership_added`,
/// `membership_changed` (a new role: the chair changed) or `membership_removed` per member,
/// each naming its committee (`organization_id`, `committee`).
pub fn merge_rosters(
    ws: &mut WriteSet,
    committees: &[(String, String, String)],
    mut new: HashMap<String, Vec<MembershipRow>>,
    mut old: HashMap<String, Vec<MembershipRow>>,
) {
    for (id, jurisdiction_id, name) in committees {
        let who: HashMap<String, (String, Option<String>)> = new
            .get(id)
            .into_iter()
            .flatten()
            .chain(old.get(id).into_iter().flatten())
            .map(|m| (m.id.clone(), (m.name.clone(), m.person_id.clone())))
            .collect();
        let mut changes = Vec::new();
        let mut parent = Parent {
            jurisdiction_id,
            bill_id: None,
            deletes: &mut ws.deletes,
            changes: &mut changes,
            quiet: false,
            reextracted: Vec::new(),
        };
        let members = parent.merge("committee_memberships", MEMBERSHIP, take(&mut old, id), take(&mut new, id));
        ws.memberships.extend(members);
        for mut c in changes {
            if let Some(m) = c.changes.as_object_mut() {
                m.insert("organization_id".into(), Value::String(id.clone()));
                m.insert("committee".into(), Value::String(name.clone()));
                if let Some((member, person)) = who.get(&c.entity_id) {
                    m.insert("member".into(), Value::String(member.clone()));
                    m.insert("person_id".into(), person.clone().map_or(Value::Null, Value::String));
                }
            }
            ws.changes.push(c);
        }
    }
}

/// Merges flat entities (jurisdictions, sessions, organizations, people).
pub fn merge_flat<T: Entity>(
    rows: Vec<T>,
    old: &HashMap<String, T>,
    entity_type: &'static str,
    jurisdiction_of: impl Fn(&T) -> String,
    out: &mut Vec<T>,
    ws_changes: &mut Vec<Change>,
    counts: &mut Counts,
) {
    for r in rows {
        match old.get(r.id()) {
            None => {
                counts.inserted += 1;
                ws_changes.push(Change {
                    jurisdiction_id: jurisdiction_of(&r),
                    entity_type,
                    entity_id: r.id().into(),
                    bill_id: None,
                    kind: format!("{entity_type}_added"),
                    changes: json!({ "new": content(&r) }),
                });
                out.push(r);
            }
            // Same values, another hash (a row stored before a column was added): rewritten
            // quietly, no news.
            Some(o) if o.hash() != r.hash() && diff(o, &r).as_object().is_some_and(|m| m.is_empty()) => {
                counts.unchanged += 1;
                out.push(r);
            }
            Some(o) if o.hash() != r.hash() => {
                counts.updated += 1;
                ws_changes.push(Change {
                    jurisdiction_id: jurisdiction_of(&r),
                    entity_type,
                    entity_id: r.id().into(),
                    bill_id: None,
                    kind: format!("{entity_type}_changed"),
                    changes: diff(o, &r),
                });
                out.push(r);
            }
            Some(_) => counts.unchanged += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn berry() -> PersonRow {
        let mut p = PersonRow {
            id: "ocd-person/e9301c44-8042-4031-8ed0-4731c64a5a66".into(),
            jurisdiction_id: "ocd-jurisdiction/country:us/state:de/government".into(),
            name: "Alonna Berry".into(),
            chamber: Some("lower".into()),
            party: Some("Democratic".into()),
            district: Some("20".into()),
            email: None,
            image: None,
            source_url: None,
            given_name: None,
            family_name: None,
            other_names: "[]".into(),
            links: "[]".into(),
            ids: "{}".into(),
            former: None,
            content_hash: String::new(),
        };
        p.content_hash = crate::normalize::rows::content_hash(&p);
        p
    }

    #[test]
    fn a_row_whose_hash_changed_but_no_value_is_rewritten_quietly() {
        // Stored before a column was added: the same values under the old hash.
        let mut stored = berry();
        stored.content_hash = "hash-of-an-older-schema".into();
        let mut ws = WriteSet::default();
        let old = OldPeople { people: [(stored.id.clone(), stored)].into_iter().collect(), ..Default::default() };
        merge_people(&mut ws, vec![berry()], HashMap::new(), HashMap::new(), &Default::default(), old);
        assert!(ws.changes.is_empty(), "{:?}", ws.changes);
        assert_eq!(ws.people.len(), 1, "rewritten with the new hash");
        assert_eq!(ws.counts.unchanged, 1);

        // A value that did change is news.
        let mut stored = berry();
        stored.district = Some("19".into());
        stored.content_hash = crate::normalize::rows::content_hash(&stored);
        let mut ws = WriteSet::default();
        let old = OldPeople { people: [(stored.id.clone(), stored)].into_iter().collect(), ..Default::default() };
        merge_people(&mut ws, vec![berry()], HashMap::new(), HashMap::new(), &Default::default(), old);
        assert_eq!(ws.changes.len(), 1);
        assert_eq!(ws.changes[0].kind, "person_changed");
        assert_eq!(ws.changes[0].changes, json!({"district": {"old": "19", "new": "20"}}));

        // Flat entities alike.
        let mut stored = berry();
        stored.content_hash = "hash-of-an-older-schema".into();
        let old: HashMap<String, PersonRow> = [(stored.id.clone(), stored)].into_iter().collect();
        let (mut out, mut changes, mut counts) = (Vec::new(), Vec::new(), Counts::default());
        merge_flat(vec![berry()], &old, "person", |r| r.jurisdiction_id.clone(), &mut out, &mut changes, &mut counts);
        assert!(changes.is_empty() && out.len() == 1 && counts.unchanged == 1);
    }
}
