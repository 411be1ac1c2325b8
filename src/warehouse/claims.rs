//! One bill, vote or hearing from several sources: which source's word counts, and how a
//! second source's record is recognized as one already stored. Pure: `sql.rs` reads the
//! stored rows and the claims (`entity_sources`), calls these functions, and writes.
//!
//! **Precedence.** Each source kind has a rank ([`SourceKind::rank`]): the legislatures' own
//! feeds first (`ca_pubinfo`, `ny_lbdc`: 1), then Open States (`openstates`, `ocd_scrape`: 2). A
//! kind stored by another build and unknown to this one ranks last. An entity is
//! split into parts ([`BillPart`] for bills; a vote's or a hearing's core and its children).
//! Every source that delivers an entity records a claim naming the parts it delivered
//! *non-empty*. When source S delivers an entity, each part is taken from S unless
//! - a source ranked strictly better than S claims that part (its value stays), or
//! - S's part is empty and another source claims it (the other source's value stays).
//!
//! Between sources of equal rank the latest delivery wins, as within one source. So a state
//! feed's actions replace Open States' actions once, and Open States' later runs change
//! nothing they cover; Open States' subjects, which the feed does not carry, stay.
//!
//! **Identity.** Bills are one row by construction (jurisdiction, session, identifier). Votes
//! and hearings carry source-specific keys, so a record from a second source is matched to a
//! stored one delivered by *other* sources: a vote by (bill, date, yes and no counts)
//! ([`vote_key`]), a hearing by (jurisdiction, local date, committee) ([`event_key`]). A match
//! must be unique; the adopted id is remembered per (source, own key) so later runs go
//! straight to it.

use crate::normalize::rows::*;
use crate::sources::SourceKind;
use std::collections::{BTreeSet, HashMap};

/// The parts of a bill a source may or may not deliver.
pub const BILL_PARTS: &[&str] = &[
    "title",
    "classification",
    "subjects",
    "abstract",
    "other_titles",
    "other_identifiers",
    "from_organization",
    "source_url",
    "related_bills",
    "citations",
    "actions",
    "sponsorships",
    "versions",
    "documents",
];

/// The parts of a vote: the roll call itself and its per-legislator records.
pub const VOTE_PARTS: &[&str] = &["vote", "records"];
/// The parts of a hearing: the meeting itself and its agenda.
pub const EVENT_PARTS: &[&str] = &["event", "agenda"];

/// A set of part names, stored as a comma-separated list.
pub type Parts = BTreeSet<&'static str>;

pub fn parts_text(p: &Parts) -> String {
    p.iter().copied().collect::<Vec<_>>().join(",")
}

pub fn parse_parts(s: &str, all: &[&'static str]) -> Parts {
    s.split(',').filter_map(|x| all.iter().find(|a| **a == x).copied()).collect()
}

fn empty_json(s: &str) -> bool {
    matches!(s.trim(), "" | "[]" | "{}" | "null")
}

/// The parts of a bill bundle that are non-empty.
pub fn bill_parts(b: &BillBundle) -> Parts {
    let r = &b.bill;
    let mut p = Parts::new();
    let mut put = |name: &'static str, present: bool| {
        if present {
            p.insert(name);
        }
    };
    put("title", !r.title.trim().is_empty());
    put("classification", !empty_json(&r.classification));
    put("subjects", !empty_json(&r.subjects));
    put("abstract", r.abstract_text.is_some());
    put("other_titles", !empty_json(&r.other_titles));
    put("other_identifiers", !empty_json(&r.other_identifiers));
    put("from_organization", r.from_organization.is_some());
    put("source_url", r.source_url.is_some());
    put("related_bills", !empty_json(&r.related_bills));
    put("citations", !empty_json(&r.citations));
    put("actions", !b.actions.is_empty());
    put("sponsorships", !b.sponsorships.is_empty());
    put("versions", !b.versions.is_empty());
    put("documents", !b.documents.is_empty());
    p
}

/// Another source's claim on an entity.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    pub source_kind: String,
    pub parts: Parts,
}

/// Whether part `part` is to be kept from the stored entity rather than taken from `kind`'s
/// delivery (see the module docs).
pub fn keep_stored(part: &str, kind: &str, delivered: &Parts, others: &[Claim]) -> bool {
    let mine = SourceKind::rank_of(kind);
    let claimed = |c: &&Claim| c.source_kind != kind && c.parts.contains(part);
    others.iter().filter(claimed).any(|c| SourceKind::rank_of(&c.source_kind) < mine)
        || (!delivered.contains(part) && others.iter().any(|c| claimed(&c)))
}

/// What the warehouse holds of one bill: its row and children.
#[derive(Debug, Clone, Default)]
pub struct StoredBill {
    pub bill: Option<BillRow>,
    pub actions: Vec<ActionRow>,
    pub sponsorships: Vec<SponsorshipRow>,
    pub versions: Vec<DocumentRow>,
    pub documents: Vec<DocumentRow>,
}

/// Applies precedence to a bill bundle from `kind`: parts others own are replaced by the
/// stored ones. Returns the parts `kind` delivered (its claim). A bill not stored yet is
/// taken whole.
pub fn arbitrate_bill(b: &mut BillBundle, kind: &str, stored: StoredBill, others: &[Claim]) -> Parts {
    let delivered = bill_parts(b);
    let Some(old) = stored.bill else { return delivered };
    if others.iter().all(|c| c.source_kind == kind) {
        return delivered;
    }
    let keep = |part: &str| keep_stored(part, kind, &delivered, others);
    let r = &mut b.bill;
    if keep("title") {
        r.title = old.title.clone();
    }
    if keep("classification") {
        r.classification = old.classification.clone();
    }
    if keep("subjects") {
        r.subjects = old.subjects.clone();
    }
    if keep("abstract") {
        r.abstract_text = old.abstract_text.clone();
    }
    if keep("other_titles") {
        r.other_titles = old.other_titles.clone();
    }
    if keep("other_identifiers") {
        r.other_identifiers = old.other_identifiers.clone();
    }
    if keep("from_organization") {
        r.from_organization = old.from_organization.clone();
    }
    if keep("source_url") {
        r.source_url = old.source_url.clone();
    }
    if keep("related_bills") {
        r.related_bills = old.related_bills.clone();
    }
    if keep("citations") {
        r.citations = old.citations.clone();
    }
    // The same action or sponsor from two sources is one row: a better-ranked source's
    // record takes the stored one's id (updated once, never removed and added) and keeps
    // what only the stored one knows (a chamber, a classification, a person link). A
    // worse-ranked source changes nothing the better one delivered, but fills in what it
    // lacks, so both orders of arrival end with the same rows.
    if keep("actions") {
        let delivered = std::mem::replace(&mut b.actions, sorted(stored.actions, |a| a.ordinal));
        super::scope::adopt_actions(&mut b.actions, &delivered, false);
    } else {
        super::scope::adopt_actions(&mut b.actions, &stored.actions, true);
    }
    if keep("sponsorships") {
        let delivered = std::mem::replace(&mut b.sponsorships, sorted(stored.sponsorships, |a| a.ordinal));
        super::scope::adopt_sponsorships(&mut b.sponsorships, &delivered, false);
    } else {
        super::scope::adopt_sponsorships(&mut b.sponsorships, &stored.sponsorships, true);
    }
    if keep("versions") {
        let ids: BTreeSet<String> = stored.versions.iter().map(|v| v.id.clone()).collect();
        b.texts.retain(|t| !b.versions.iter().any(|v| v.id == t.id) || ids.contains(&t.id));
        b.versions = sorted(stored.versions, |a| a.ordinal);
    }
    if keep("documents") {
        let ids: BTreeSet<String> = stored.documents.iter().map(|v| v.id.clone()).collect();
        b.texts.retain(|t| !b.documents.iter().any(|v| v.id == t.id) || ids.contains(&t.id));
        b.documents = sorted(stored.documents, |a| a.ordinal);
    }
    b.derive();
    delivered
}

fn sorted<T>(mut v: Vec<T>, key: impl Fn(&T) -> i64) -> Vec<T> {
    v.sort_by_key(|x| key(x));
    v
}

/// The parts of a vote bundle that are non-empty (a vote always has its core).
pub fn vote_parts(v: &VoteBundle) -> Parts {
    let mut p = Parts::from(["vote"]);
    if !v.records.is_empty() {
        p.insert("records");
    }
    p
}

/// Applies precedence to a vote bundle (see [`arbitrate_bill`]).
pub fn arbitrate_vote(
    v: &mut VoteBundle,
    kind: &str,
    stored: Option<(VoteRow, Vec<VoteRecordRow>)>,
    others: &[Claim],
) -> Parts {
    let delivered = vote_parts(v);
    let Some((old, old_records)) = stored else { return delivered };
    if keep_stored("vote", kind, &delivered, others) {
        let bill_id = v.vote.bill_id.clone();
        v.vote = old;
        // A link the stored row lacks is still worth having.
        if v.vote.bill_id.is_none() {
            v.vote.bill_id = bill_id;
        }
    } else if v.vote.bill_id.is_none() {
        v.vote.bill_id = old.bill_id;
    }
    if keep_stored("records", kind, &delivered, others) {
        v.records = sorted(old_records, |r| r.ordinal);
    }
    v.rehash();
    delivered
}

/// The parts of a hearing bundle that are non-empty.
pub fn event_parts(e: &EventBundle) -> Parts {
    let mut p = Parts::from(["event"]);
    if !e.agenda.is_empty() {
        p.insert("agenda");
    }
    p
}

/// Applies precedence to a hearing bundle (see [`arbitrate_bill`]).
pub fn arbitrate_event(
    e: &mut EventBundle,
    kind: &str,
    stored: Option<(EventRow, Vec<AgendaRow>)>,
    others: &[Claim],
) -> Parts {
    let delivered = event_parts(e);
    let Some((old, old_agenda)) = stored else { return delivered };
    if keep_stored("event", kind, &delivered, others) {
        e.event = old;
    }
    if keep_stored("agenda", kind, &delivered, others) {
        e.agenda = sorted(old_agenda, |r| r.ordinal);
    }
    e.rehash();
    delivered
}

/// The cross-source identity of a vote: its bill, local date, and yes and no counts. The
/// body is left out: sources name committees differently, and some (Open States' California)
/// file committee votes under the chamber. `None` for a vote without bill or date.
pub fn vote_key(v: &VoteRow) -> Option<String> {
    let bill = v.bill_id.as_deref()?;
    let date = v.date?;
    Some(format!("{bill}|{date}|{}|{}", v.yes_count, v.no_count))
}

/// A committee or meeting name reduced to the words that identify it: lower case, without
/// punctuation and without the words every source adds ("committee", "senate", "standing").
pub fn committee_words(name: &str) -> String {
    const NOISE: &[&str] = &[
        "committee",
        "committees",
        "comm",
        "cmte",
        "senate",
        "assembly",
        "house",
        "standing",
        "on",
        "of",
        "the",
        "and",
        "meeting",
        "hearing",
        "joint",
        "subcommittee",
        "select",
    ];
    name.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !NOISE.contains(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The cross-source identity of a hearing: jurisdiction, local date and the committee (the
/// first participant, else the name). `None` without a date or a name.
pub fn event_key(e: &EventRow) -> Option<String> {
    let date = e.start_date?;
    let participants: Vec<String> = serde_json::from_str(&e.participants).unwrap_or_default();
    let who = participants.first().map(String::as_str).unwrap_or(&e.name);
    let words = committee_words(who);
    if words.is_empty() {
        return None;
    }
    Some(format!("{}|{date}|{words}", e.jurisdiction_id))
}

/// A stored entity a new one may be matched to: its id and which sources claim it.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: String,
    pub key: String,
    /// What tells apart candidates with the same key (a vote's motion, a hearing's name),
    /// as [`tiebreak`] reduces it.
    pub tiebreak: String,
    pub kinds: Vec<String>,
}

/// Text reduced for comparison across sources: lower case, words only.
pub fn tiebreak(text: &str) -> String {
    text.to_lowercase().split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

/// The one stored entity with the same key delivered only by other sources. When several
/// share the key (seven amendment votes of one bill on one day, 43 to 31 twice), the one
/// whose tiebreak text is the same; none when that is not unique either. `taken` holds ids
/// already matched in this batch.
pub fn match_one<'a>(
    key: &str,
    tiebreak: &str,
    kind: &str,
    candidates: &'a HashMap<String, Vec<Candidate>>,
    taken: &BTreeSet<String>,
) -> Option<&'a Candidate> {
    let list = candidates.get(key)?;
    let open: Vec<&Candidate> =
        list.iter().filter(|c| !c.kinds.iter().any(|k| k == kind) && !taken.contains(&c.id)).collect();
    match open.as_slice() {
        [one] => Some(one),
        [] => None,
        many => {
            let same: Vec<&&Candidate> = many.iter().filter(|c| c.tiebreak == tiebreak).collect();
            if same.len() == 1 { Some(same[0]) } else { None }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(kind: &str, parts: &[&'static str]) -> Claim {
        Claim { source_kind: kind.into(), parts: parts.iter().copied().collect() }
    }

    #[test]
    fn the_state_feed_wins_what_it_delivers_and_open_states_fills_the_rest() {
        let feed = claim("ca_pubinfo", &["title", "actions", "versions"]);
        let os = claim("openstates", &["title", "actions", "subjects", "sponsorships"]);
        let os_delivers: Parts = os.parts.clone();
        // Open States loading after the feed: the feed's parts stay, its own others are taken.
        assert!(keep_stored("actions", "openstates", &os_delivers, std::slice::from_ref(&feed)));
        assert!(keep_stored("title", "openstates", &os_delivers, std::slice::from_ref(&feed)));
        assert!(!keep_stored("subjects", "openstates", &os_delivers, std::slice::from_ref(&feed)));
        // The feed loading after Open States: its parts are taken, the ones it lacks stay.
        let feed_delivers = feed.parts.clone();
        assert!(!keep_stored("actions", "ca_pubinfo", &feed_delivers, std::slice::from_ref(&os)));
        assert!(keep_stored("subjects", "ca_pubinfo", &feed_delivers, std::slice::from_ref(&os)));
        assert!(keep_stored("sponsorships", "ca_pubinfo", &feed_delivers, std::slice::from_ref(&os)));
        // A part nobody else claims follows the delivery, empty or not.
        assert!(!keep_stored("documents", "ca_pubinfo", &feed_delivers, std::slice::from_ref(&os)));
        // Equal ranks: the latest delivery wins.
        let scrape = claim("ocd_scrape", &["actions"]);
        assert!(!keep_stored("actions", "openstates", &os_delivers, &[scrape]));
    }

    #[test]
    fn committee_names_reduce_to_their_subject() {
        assert_eq!(committee_words("Senate Standing Committee on Labor"), "labor");
        assert_eq!(committee_words("Labor"), "labor");
        assert_eq!(committee_words("Committee on Health & Human Services"), "health human services");
        assert_eq!(committee_words("Senate"), "");
    }

    #[test]
    fn a_match_must_be_unique_and_from_another_source() {
        let c = |id: &str, motion: &str, kinds: &[&str]| Candidate {
            id: id.into(),
            key: "k".into(),
            tiebreak: tiebreak(motion),
            kinds: kinds.iter().map(|s| s.to_string()).collect(),
        };
        let none = BTreeSet::new();
        let mut m = HashMap::new();
        m.insert("k".to_string(), vec![c("a", "Third reading", &["openstates"])]);
        assert_eq!(match_one("k", "other", "ny_lbdc", &m, &none).map(|c| c.id.as_str()), Some("a"));
        assert!(match_one("k", "", "openstates", &m, &none).is_none(), "never two of one source");
        assert!(match_one("k", "", "ny_lbdc", &m, &BTreeSet::from(["a".to_string()])).is_none());
        m.insert("k".to_string(), vec![c("a", "Amendment 1", &["openstates"]), c("b", "Amendment 2", &["openstates"])]);
        assert!(match_one("k", "passage", "ny_lbdc", &m, &none).is_none(), "ambiguous");
        assert_eq!(match_one("k", &tiebreak("AMENDMENT  2."), "ny_lbdc", &m, &none).map(|c| c.id.as_str()), Some("b"));
    }
}
