//! Links between entities that only the warehouse can make: a vote's bill, a hearing's
//! agenda bills (by session date), sponsors and voters to people. Pure: `sql.rs` reads what
//! is needed into a [`Known`] and calls [`resolve`].

use crate::model::Warning;
use crate::normalize::{Normalized, ids, rows::SessionRow};
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};

/// What the warehouse (and the batch itself) already knows.
#[derive(Debug, Default)]
pub struct Known {
    /// Bill ids that exist.
    pub bills: HashSet<String>,
    /// (source kind, source key) → bill id.
    pub bill_sources: HashMap<String, String>,
    /// Sessions by jurisdiction.
    pub sessions: HashMap<String, Vec<SessionRow>>,
    /// The jurisdictions' people with their seats, by the names they go by.
    pub people: super::people::PeopleIndex,
}

/// The session an event on `date` belongs to: the one whose dates contain it, else the
/// latest one (Open States' rule for agenda bills, which name no session).
pub fn session_for(sessions: &[SessionRow], date: NaiveDate) -> Option<&SessionRow> {
    sessions
        .iter()
        .filter(|s| s.start_date.is_some_and(|d| d <= date) && s.end_date.is_none_or(|d| date <= d))
        .max_by_key(|s| s.start_date)
        .or_else(|| sessions.iter().max_by_key(|s| s.start_date))
}

/// Sessions the batch's bills name that are not known yet, as rows without dates.
pub fn sessions_from_bills(n: &Normalized, known: &HashMap<String, Vec<SessionRow>>) -> Vec<SessionRow> {
    let mut out: Vec<SessionRow> = Vec::new();
    for b in &n.bills {
        let (j, s) = (&b.bill.jurisdiction_id, &b.bill.session);
        let is_known = |list: &[SessionRow]| list.iter().any(|x| &x.jurisdiction_id == j && &x.identifier == s);
        if known.get(j).is_some_and(|l| is_known(l)) || is_known(&out) {
            continue;
        }
        let mut row = SessionRow {
            id: format!("{}/{}", ids::jurisdiction_code(j), s),
            jurisdiction_id: j.clone(),
            identifier: s.clone(),
            name: s.clone(),
            classification: None,
            start_date: None,
            end_date: None,
            active: None,
            content_hash: String::new(),
        };
        row.content_hash = crate::normalize::rows::content_hash(&row);
        out.push(row);
    }
    out
}

/// Bill ids a batch's votes and agendas could point at (to ask the warehouse about).
pub fn candidate_bills(n: &Normalized, sessions: &HashMap<String, Vec<SessionRow>>) -> Vec<String> {
    let mut out: Vec<String> = n.votes.iter().filter_map(|v| v.vote.bill_id.clone()).collect();
    for e in &n.events {
        let Some(date) = e.event.start_date else { continue };
        let Some(s) = sessions.get(&e.event.jurisdiction_id).and_then(|s| session_for(s, date)) else { continue };
        for a in &e.agenda {
            if let Some(i) = &a.bill_identifier {
                out.push(ids::bill_id(&e.event.jurisdiction_id, &s.identifier, i));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The chamber a vote or sponsorship names, if it is one (a committee's name is not).
fn chamber_of(organization: Option<&str>) -> Option<&str> {
    organization.filter(|o| matches!(*o, "upper" | "lower" | "legislature"))
}

/// Fills in bill ids and person ids, rehashing what changed. Returns warnings for votes
/// whose bill is missing (the vote is kept, with no bill).
pub fn resolve(n: &mut Normalized, known: &Known, source_kind: &str) -> Vec<Warning> {
    let mut warnings = Vec::new();
    let batch_bills: HashSet<String> = n.bills.iter().map(|b| b.bill.id.clone()).collect();
    let batch_sources: HashMap<String, String> =
        n.bills.iter().filter_map(|b| b.source_key.clone().map(|k| (k, b.bill.id.clone()))).collect();
    let exists = |id: &str| batch_bills.contains(id) || known.bills.contains(id);

    for b in &mut n.bills {
        let mut touched = false;
        let introduced = b.bill.first_action_date;
        for s in &mut b.sponsorships {
            if s.entity_type == "person"
                && s.person_id.is_none()
                && let Some(p) =
                    known.people.find(&b.bill.jurisdiction_id, chamber_of(s.chamber.as_deref()), introduced, &s.name)
            {
                let p = p.to_string();
                s.person_id = Some(p);
                touched = true;
            }
        }
        if touched {
            for s in &mut b.sponsorships {
                s.content_hash = crate::normalize::rows::content_hash(s);
            }
            b.rehash();
        }
    }

    for v in &mut n.votes {
        let before = v.vote.bill_id.clone();
        let by_identifier = v.vote.bill_id.clone().filter(|id| exists(id));
        let by_key = v.bill_source_key.as_deref().and_then(|k| {
            batch_sources.get(k).cloned().or_else(|| known.bill_sources.get(&format!("{source_kind}\u{0}{k}")).cloned())
        });
        v.vote.bill_id = by_identifier.or(by_key);
        // (A vote relinked later was warned about when it was loaded.)
        if v.vote.bill_id.is_none() && v.origin != "relink" {
            warnings.push(Warning::new(
                &v.origin,
                Some(v.vote.dedupe_key.clone().unwrap_or_else(|| v.vote.id.clone())),
                format!(
                    "vote's bill {} is not in the warehouse; the vote is kept without a bill",
                    v.vote
                        .bill_identifier
                        .clone()
                        .or_else(|| v.bill_source_key.clone())
                        .map(|s| format!("{s:?}"))
                        .unwrap_or_else(|| "(unnamed)".into())
                ),
            ));
        }
        let mut touched = before != v.vote.bill_id;
        for r in &mut v.records {
            if r.person_id.is_none()
                && let Some(p) = known.people.find(
                    &v.vote.jurisdiction_id,
                    chamber_of(v.vote.organization.as_deref()),
                    v.vote.date,
                    &r.voter_name,
                )
            {
                let p = p.to_string();
                r.person_id = Some(p);
                r.content_hash = crate::normalize::rows::content_hash(r);
                touched = true;
            }
        }
        if touched {
            v.rehash();
        }
    }

    for e in &mut n.events {
        let Some(date) = e.event.start_date else { continue };
        let session = known.sessions.get(&e.event.jurisdiction_id).and_then(|s| session_for(s, date));
        let mut touched = false;
        for a in &mut e.agenda {
            if let (Some(i), Some(s)) = (&a.bill_identifier, session) {
                let id = ids::bill_id(&e.event.jurisdiction_id, &s.identifier, i);
                if exists(&id) && a.bill_id.as_deref() != Some(id.as_str()) {
                    a.bill_id = Some(id);
                    touched = true;
                }
            }
        }
        if touched {
            e.rehash();
        }
    }
    warnings
}
