//! Completeness: what one delivery may remove or blank. Pure; `sql.rs` calls it between
//! precedence (`claims`) and the merge (`merge`).
//!
//! A parser marks each record with what it delivered whole (`model::BillScope`, a vote's
//! `records_complete`, a hearing's `agenda_complete`). Before the merge, every part a delivery
//! is *not* authoritative for is completed from what the warehouse holds:
//! - children: the stored ones it lacks are kept (in their stored order, the delivered ones
//!   in their places, new ones after), so the merge removes nothing;
//! - fields: an empty field is unknown, so the stored value stays.
//!
//! A complete part is taken as delivered: the merge may remove the children it lacks and
//! blank what it leaves empty, within the record's scope. A bill's title is never blanked:
//! no legislature takes a bill's title away, and an empty one always means a part missing.
//!
//! Across sources, an action is the same action when its date, chamber and words match (the
//! chamber matching when either side has none), and a sponsorship when its kind and name
//! match: a higher-ranked source's record takes the stored one's id, so it is updated once
//! rather than removed and added, and a chamber, a classification or a person link one
//! source has is never lost because another lacks it.

use super::merge::{Entity, OldBills};
use crate::normalize::rows::*;
use std::collections::{HashMap, HashSet};

/// A child row that knows its position among its siblings, and which of its fields a
/// delivery may leave unknown.
pub trait Child: Entity {
    fn set_ordinal(&mut self, ordinal: i64);
    fn set_id(&mut self, id: &str);
    /// Fills the fields this delivery left empty from the stored row of the same id.
    fn fill_from(&mut self, stored: &Self);
}

macro_rules! child {
    ($($t:ty => |$r:ident, $s:ident| $fill:block),* $(,)?) => {
        $(impl Child for $t {
            fn set_ordinal(&mut self, ordinal: i64) { self.ordinal = ordinal; }
            fn set_id(&mut self, id: &str) { self.id = id.to_string(); }
            fn fill_from(&mut self, stored: &Self) {
                let ($r, $s) = (&mut *self, stored);
                $fill
                self.content_hash = content_hash(&*self);
            }
        })*
    };
}
child!(
    ActionRow => |r, s| {
        keep_opt(&mut r.organization, &s.organization);
        keep_opt(&mut r.occurred_at, &s.occurred_at);
        if empty_json(&r.classification) && !empty_json(&s.classification) {
            r.classification = s.classification.clone();
            r.classification_source = s.classification_source.clone();
        }
    },
    SponsorshipRow => |r, s| {
        keep_opt(&mut r.chamber, &s.chamber);
        keep_opt(&mut r.person_id, &s.person_id);
    },
    DocumentRow => |r, s| {
        keep_opt(&mut r.date, &s.date);
        keep_opt(&mut r.url, &s.url);
        keep_opt(&mut r.media_type, &s.media_type);
        keep_opt(&mut r.text_sha256, &s.text_sha256);
        keep_json(&mut r.links, &s.links);
    },
    VoteRecordRow => |r, s| {
        keep_opt(&mut r.person_id, &s.person_id);
    },
    AgendaRow => |r, s| {
        keep_opt(&mut r.bill_id, &s.bill_id);
    },
);

/// A partial part's children: the stored ones (in stored order, replaced by the delivered
/// row where the delivery has it), then the delivered ones that are new. Positions are
/// renumbered (a position is not content: it changes no hash and writes no event).
pub fn union<T: Child>(stored: &[T], delivered: Vec<T>) -> Vec<T> {
    let mut by_id: HashMap<String, T> = HashMap::with_capacity(delivered.len());
    let mut order = Vec::with_capacity(delivered.len());
    for d in delivered {
        order.push(d.id().to_string());
        by_id.insert(d.id().to_string(), d);
    }
    let mut stored: Vec<&T> = stored.iter().collect();
    stored.sort_by_key(|s| s.ordinal());
    let mut out = Vec::with_capacity(stored.len() + order.len());
    for s in stored {
        out.push(match by_id.remove(s.id()) {
            Some(mut d) => {
                d.fill_from(s);
                d
            }
            None => s.clone(),
        });
    }
    for id in order {
        if let Some(d) = by_id.remove(&id) {
            out.push(d);
        }
    }
    for (i, r) in out.iter_mut().enumerate() {
        r.set_ordinal(i as i64);
    }
    out
}

fn empty_json(s: &str) -> bool {
    matches!(s.trim(), "" | "[]" | "{}" | "null")
}

fn keep_text(new: &mut String, old: &str) {
    if new.trim().is_empty() && !old.trim().is_empty() {
        *new = old.to_string();
    }
}

fn keep_json(new: &mut String, old: &str) {
    if empty_json(new) && !empty_json(old) {
        *new = old.to_string();
    }
}

fn keep_opt<T: Clone>(new: &mut Option<T>, old: &Option<T>) {
    if new.is_none() && old.is_some() {
        *new = old.clone();
    }
}

/// Completes a bill bundle from what is stored, part by part, as its scope says (see the
/// module docs). A bill not stored yet is left as delivered.
pub fn complete_bill(b: &mut BillBundle, old: &OldBills) {
    let id = b.bill.id.clone();
    let Some(o) = old.bills.get(&id) else { return };
    let scope = b.complete;
    // A version's or document's text, once read, stays (a `.lob` missing from one export, a
    // text not fetched this time): an absent text is unknown, whatever the scope.
    for (docs, stored) in [(&mut b.versions, old.versions.get(&id)), (&mut b.documents, old.documents.get(&id))] {
        let stored: HashMap<&str, &DocumentRow> = stored.into_iter().flatten().map(|d| (d.id.as_str(), d)).collect();
        for d in docs.iter_mut() {
            if d.text_sha256.is_none()
                && let Some(s) = stored.get(d.id.as_str())
                && s.text_sha256.is_some()
            {
                d.text_sha256 = s.text_sha256.clone();
                d.content_hash = content_hash(&*d);
            }
        }
    }
    let r = &mut b.bill;
    keep_text(&mut r.title, &o.title);
    if !scope.fields {
        keep_json(&mut r.classification, &o.classification);
        keep_json(&mut r.subjects, &o.subjects);
        keep_opt(&mut r.abstract_text, &o.abstract_text);
        keep_json(&mut r.other_titles, &o.other_titles);
        keep_json(&mut r.other_identifiers, &o.other_identifiers);
        keep_opt(&mut r.from_organization, &o.from_organization);
        keep_opt(&mut r.source_url, &o.source_url);
        keep_json(&mut r.related_bills, &o.related_bills);
        keep_json(&mut r.citations, &o.citations);
    }
    let none = Vec::new();
    if !scope.actions {
        let stored = old.actions.get(&id).unwrap_or(&none);
        b.actions = union(stored, std::mem::take(&mut b.actions));
    }
    let none = Vec::new();
    if !scope.sponsorships {
        let stored = old.sponsorships.get(&id).unwrap_or(&none);
        b.sponsorships = union(stored, std::mem::take(&mut b.sponsorships));
    }
    let none = Vec::new();
    if !scope.versions {
        let stored = old.versions.get(&id).unwrap_or(&none);
        b.versions = union(stored, std::mem::take(&mut b.versions));
    }
    if !scope.documents {
        let stored = old.documents.get(&id).unwrap_or(&none);
        b.documents = union(stored, std::mem::take(&mut b.documents));
    }
    b.derive();
}

/// Completes a roll call's records from the stored ones unless the delivery has them all.
pub fn complete_vote(v: &mut VoteBundle, old_records: &[VoteRecordRow]) {
    if v.records_complete || old_records.is_empty() {
        return;
    }
    v.records = union(old_records, std::mem::take(&mut v.records));
    v.rehash();
}

/// A roll call's own fields a delivery left empty (a time, a result, a body, its bill, an
/// address) are unknown, not gone: they keep their stored values.
pub fn complete_vote_fields(v: &mut VoteBundle, stored: &VoteRow) {
    let r = &mut v.vote;
    let before = r.content_hash.clone();
    keep_opt(&mut r.start_time, &stored.start_time);
    keep_opt(&mut r.date, &stored.date);
    keep_opt(&mut r.organization, &stored.organization);
    keep_opt(&mut r.bill_id, &stored.bill_id);
    keep_opt(&mut r.bill_identifier, &stored.bill_identifier);
    keep_opt(&mut r.source_url, &stored.source_url);
    keep_opt(&mut r.dedupe_key, &stored.dedupe_key);
    keep_text(&mut r.result, &stored.result);
    keep_text(&mut r.motion, &stored.motion);
    keep_json(&mut r.motion_classification, &stored.motion_classification);
    r.content_hash = content_hash(&*r);
    if r.content_hash != before {
        v.rehash();
    }
}

/// Completes a hearing's agenda from the stored one unless the delivery has it whole.
pub fn complete_event(e: &mut EventBundle, old_agenda: &[AgendaRow]) {
    if e.agenda_complete || old_agenda.is_empty() {
        return;
    }
    e.agenda = union(old_agenda, std::mem::take(&mut e.agenda));
    e.rehash();
}

/// Words only, lower case: an action's text as sources agree on it.
pub fn words(text: &str) -> String {
    text.to_lowercase().split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

fn chambers_agree(a: &Option<String>, b: &Option<String>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

/// Gives each delivered child the id of the same stored one (by id, else the first not yet
/// matched for which `same` holds) when `take_ids`, and fills what the delivered one lacks
/// from it (`Child::fill_from`). Returns whether anything changed.
fn adopt<T: Child>(delivered: &mut [T], stored: &[T], take_ids: bool, same: impl Fn(&T, &T) -> bool) -> bool {
    let by_id: HashMap<&str, &T> = stored.iter().map(|s| (s.id(), s)).collect();
    // Exact ids first, so a later match by content cannot take a row's own.
    let own: HashSet<String> =
        delivered.iter().filter(|d| by_id.contains_key(d.id())).map(|d| d.id().to_string()).collect();
    let mut taken: HashSet<String> = HashSet::new();
    let mut changed = false;
    for d in delivered.iter_mut() {
        let matched = if own.contains(d.id()) {
            by_id.get(d.id()).copied()
        } else {
            let m = stored.iter().find(|s| !own.contains(s.id()) && !taken.contains(s.id()) && same(s, d));
            if let Some(s) = m {
                taken.insert(s.id().to_string());
                if take_ids {
                    d.set_id(s.id());
                    changed = true;
                }
            }
            m
        };
        if let Some(s) = matched {
            let before = d.hash().to_string();
            d.fill_from(s);
            changed |= before != d.hash();
        }
    }
    changed
}

/// The same action from two sources: the same date, agreeing chambers (or one has none) and
/// the same words. See [`adopt`].
pub fn adopt_actions(delivered: &mut [ActionRow], stored: &[ActionRow], take_ids: bool) -> bool {
    adopt(delivered, stored, take_ids, |s, d| {
        s.date == d.date
            && chambers_agree(&s.organization, &d.organization)
            && words(&s.description) == words(&d.description)
    })
}

/// The same sponsor from two sources: the same kind and name. See [`adopt`].
pub fn adopt_sponsorships(delivered: &mut [SponsorshipRow], stored: &[SponsorshipRow], take_ids: bool) -> bool {
    adopt(delivered, stored, take_ids, |s, d| s.entity_type == d.entity_type && words(&s.name) == words(&d.name))
}

/// Fills what stored vote records lack (a person link) from the delivered ones, and the
/// delivered ones from the stored, matched by voter name.
pub fn adopt_vote_links(delivered: &mut [VoteRecordRow], stored: &[VoteRecordRow]) {
    let by_name: HashMap<String, &VoteRecordRow> = stored.iter().map(|s| (words(&s.voter_name), s)).collect();
    for d in delivered.iter_mut() {
        if d.person_id.is_none()
            && let Some(s) = by_name.get(&words(&d.voter_name))
            && s.person_id.is_some()
        {
            d.person_id = s.person_id.clone();
            d.content_hash = content_hash(&*d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn action(id: &str, ordinal: i64, date: &str, text: &str, org: Option<&str>) -> ActionRow {
        let mut a = ActionRow {
            id: id.into(),
            bill_id: "b".into(),
            ordinal,
            date: NaiveDate::parse_from_str(date, "%Y-%m-%d").ok(),
            occurred_at: None,
            description: text.into(),
            organization: org.map(str::to_string),
            classification: "[]".into(),
            classification_source: "none".into(),
            related_entities: "[]".into(),
            content_hash: String::new(),
        };
        a.content_hash = content_hash(&a);
        a
    }

    #[test]
    fn a_partial_part_keeps_what_it_lacks_and_adds_what_is_new() {
        let stored = vec![
            action("a1", 0, "2025-01-02", "Introduced", Some("upper")),
            action("a2", 1, "2025-01-03", "Referred", Some("upper")),
            action("a3", 2, "2025-02-01", "Passed", Some("upper")),
        ];
        let delivered = vec![
            action("a2", 0, "2025-01-03", "Referred", Some("upper")),
            action("a4", 1, "2025-03-01", "Signed", None),
        ];
        let out = union(&stored, delivered);
        let ids: Vec<(&str, i64)> = out.iter().map(|a| (a.id.as_str(), a.ordinal)).collect();
        assert_eq!(ids, vec![("a1", 0), ("a2", 1), ("a3", 2), ("a4", 3)]);
    }

    #[test]
    fn the_same_action_from_another_source_takes_its_id_and_keeps_its_chamber() {
        let stored = vec![
            action("os1", 0, "1999-01-04", "Introduced.  Read first time.", Some("upper")),
            action("os2", 1, "1999-01-05", "Referred to Com. on RLS.", Some("upper")),
        ];
        let mut delivered = vec![
            action("ca1", 0, "1999-01-04", "Introduced. Read first time.", None),
            action("ca2", 1, "1999-01-05", "Referred to Com. on RLS", None),
            action("ca3", 2, "1999-01-06", "From printer.", None),
        ];
        assert!(adopt_actions(&mut delivered, &stored, true));
        let got: Vec<(&str, Option<&str>)> =
            delivered.iter().map(|a| (a.id.as_str(), a.organization.as_deref())).collect();
        assert_eq!(got, vec![("os1", Some("upper")), ("os2", Some("upper")), ("ca3", None)]);
        // A second pass changes nothing.
        assert!(!adopt_actions(&mut delivered, &stored, true));
    }

    #[test]
    fn chambers_that_disagree_are_different_actions() {
        let stored = vec![action("s1", 0, "2025-01-02", "Read third time", Some("upper"))];
        let mut delivered = vec![action("d1", 0, "2025-01-02", "Read third time", Some("lower"))];
        adopt_actions(&mut delivered, &stored, true);
        assert_eq!(delivered[0].id, "d1");
    }
}
