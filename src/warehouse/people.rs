//! Who a printed name is: voters, sponsors and committee members linked to people. Pure:
//! `sql.rs` reads the jurisdiction's people and seats into a [`PeopleIndex`].
//!
//! Legislatures print their members' names in many ways ("Hicks", "Berry, A.", "Sen. Laura
//! V. Sturgeon", "Stephanie  T. Bolden"), so, as Open States does, a name is looked up among
//! the people who held a seat in that chamber on that day, in tiers, stopping at the first tier
//! that finds anyone:
//!
//! 1. the full name or one of the person's other names, folded (case, accents, periods,
//!    spacing and titles ignored; "Last, First" read as "First Last");
//! 2. an initial and the family name ("A. Berry", "Berry, A.");
//! 3. the family name alone, or the last word of any of the person's names ("Stava-Murray").
//!
//! A tier that finds exactly one person links to them; one that finds two or more links to no
//! one (the name is ambiguous that day), and the lower tiers are not tried.

use crate::normalize::rows::{PersonRow, RoleRow};
use chrono::NaiveDate;
use std::collections::HashMap;
use unicode_normalization::UnicodeNormalization;

/// Words before a name that are a title, not part of it.
const TITLES: &[&str] = &[
    "sen",
    "senator",
    "rep",
    "representative",
    "del",
    "delegate",
    "asm",
    "assemblymember",
    "assemblyman",
    "assemblywoman",
    "councilmember",
    "alderman",
    "alderperson",
    "mr",
    "mrs",
    "ms",
    "dr",
    "hon",
    "the",
    "honorable",
    "speaker",
    "president",
    "chair",
    "chairman",
    "chairwoman",
    "leader",
    "majority",
    "minority",
    "pro",
    "tem",
    "vice",
];

/// How far back a seat with an end but no start date reaches, in years.
const OPEN_START_YEARS: u32 = 12;

/// Words after a name that are a suffix, not a family name.
const SUFFIXES: &[&str] = &["jr", "sr", "ii", "iii", "iv", "md", "phd", "esq"];

/// A name folded for comparison: lower case, accents removed, periods, quotes and commas
/// spaced out, whitespace collapsed. Commas are kept as their own word (for "Last, First").
fn fold(name: &str) -> Vec<String> {
    let mut out = String::with_capacity(name.len());
    for c in name.nfkd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        match c {
            ',' => out.push_str(" , "),
            '.' | '"' | '\u{201c}' | '\u{201d}' | '(' | ')' => out.push(' '),
            '\u{2019}' | '`' => out.push('\''),
            c => out.extend(c.to_lowercase()),
        }
    }
    let mut words: Vec<String> = out.split_whitespace().map(str::to_string).collect();
    while words.first().is_some_and(|w| TITLES.contains(&w.as_str())) {
        words.remove(0);
    }
    words
}

fn join(words: &[String]) -> String {
    words.iter().filter(|w| *w != ",").cloned().collect::<Vec<_>>().join(" ")
}

/// The full-name keys of a printed name: as written, and "Last, First" as "First Last".
pub fn full_keys(name: &str) -> Vec<String> {
    let words = fold(name);
    let mut out = vec![join(&words)];
    if let Some(i) = words.iter().position(|w| w == ",") {
        let (last, first) = (&words[..i], &words[i + 1..]);
        let first: Vec<String> = first.iter().filter(|w| *w != ",").cloned().collect();
        let mut reordered = first.clone();
        reordered.extend(last.iter().cloned());
        out.push(join(&reordered));
    }
    out.retain(|k| !k.is_empty());
    out.dedup();
    out
}

/// A name's last word that is not a suffix ("John Smith Jr." → "smith"), or for "Last, First"
/// the part before the comma.
fn family_of(name: &str) -> Option<String> {
    let words = fold(name);
    if let Some(i) = words.iter().position(|w| w == ",") {
        return (i > 0).then(|| join(&words[..i]));
    }
    words.iter().rev().find(|w| !SUFFIXES.contains(&w.as_str())).cloned()
}

/// A seat: chamber and the days it was held (either end open).
#[derive(Debug, Clone)]
struct Seat {
    chamber: Option<String>,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
    /// A person's one chamber as a source gave it, with no seat history (LegiScan, a scrape):
    /// undated, and sometimes the other chamber's ("Rep." in a Senate district), so a full name
    /// matches it in either chamber; a partial name only in its own.
    undated: bool,
}

impl Seat {
    fn fits(&self, chamber: Option<&str>, date: Option<NaiveDate>, tier: Tier) -> bool {
        let chamber_ok = match (chamber, self.chamber.as_deref()) {
            _ if self.undated && tier == Tier::Full => true,
            (Some(c), Some(s)) => c == s,
            _ => true,
        };
        let date_ok = date.is_none_or(|d| self.start.is_none_or(|s| s <= d) && self.end.is_none_or(|e| d <= e));
        chamber_ok && date_ok
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Tier {
    Full,
    Initial,
    Family,
}

/// The people of some jurisdictions, by the keys their names give, with their seats.
#[derive(Debug, Default)]
pub struct PeopleIndex {
    people: Vec<(String, Vec<Seat>)>,
    by_key: HashMap<(String, Tier, String), Vec<usize>>,
}

impl PeopleIndex {
    /// Adds a person with the seats they held (their roles in the person's jurisdiction, a
    /// legislative chamber each); a person without roles has one open seat in `chamber`.
    pub fn add(&mut self, p: &PersonRow, roles: &[RoleRow]) {
        if self.people.iter().any(|(id, _)| id == &p.id) {
            return;
        }
        let mut seats: Vec<Seat> = roles
            .iter()
            .filter(|r| r.jurisdiction_id == p.jurisdiction_id && r.chamber.is_some())
            .map(|r| Seat {
                chamber: r.chamber.clone(),
                // Open States lacks the start of some older seats. An open start would make the
                // seat reach back forever (a 1999 "Reyes" read as a senator elected in 2024, whose
                // earlier Assembly seat has no start): it is taken to have begun at most
                // `OPEN_START_YEARS` before it ended. A missed link is better than a wrong one.
                start: r.start_date.or_else(|| {
                    r.end_date.and_then(|e| e.checked_sub_months(chrono::Months::new(12 * OPEN_START_YEARS)))
                }),
                end: r.end_date,
                undated: false,
            })
            .collect();
        if seats.is_empty() {
            if roles.iter().any(|r| r.jurisdiction_id == p.jurisdiction_id) {
                // Seats other than a legislature's (a governor, a mayor): not a voter here.
                return;
            }
            seats.push(Seat { chamber: p.chamber.clone(), start: None, end: None, undated: true });
        }
        let i = self.people.len();
        self.people.push((p.id.clone(), seats));
        let other: Vec<String> = serde_json::from_str(&p.other_names).unwrap_or_default();
        let mut keys: Vec<(Tier, String)> = Vec::new();
        for n in std::iter::once(&p.name).chain(other.iter()) {
            keys.extend(full_keys(n).into_iter().map(|k| (Tier::Full, k)));
            if let Some(f) = family_of(n) {
                keys.push((Tier::Family, f));
            }
        }
        let family = p.family_name.as_deref().map(|f| join(&fold(f))).filter(|f| !f.is_empty());
        if let Some(f) = &family {
            keys.push((Tier::Family, f.clone()));
        }
        let given = p.given_name.clone().or_else(|| p.name.split_whitespace().next().map(str::to_string));
        if let (Some(g), Some(f)) = (given.as_deref().map(fold), family.clone().or_else(|| family_of(&p.name)))
            && let Some(initial) = g.first().and_then(|w| w.chars().next())
        {
            keys.push((Tier::Initial, format!("{initial} {f}")));
        }
        keys.sort_by(|a, b| (a.0 as u8, &a.1).cmp(&(b.0 as u8, &b.1)));
        keys.dedup();
        for (tier, key) in keys {
            let list = self.by_key.entry((p.jurisdiction_id.clone(), tier, key)).or_default();
            if !list.contains(&i) {
                list.push(i);
            }
        }
    }

    /// Whether the index knows anyone.
    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
    }

    /// The one person `name` stands for in `jurisdiction_id`, among those who held a seat in
    /// `chamber` on `date` (either unknown: any); `None` when no one or more than one fits.
    pub fn find(
        &self,
        jurisdiction_id: &str,
        chamber: Option<&str>,
        date: Option<NaiveDate>,
        name: &str,
    ) -> Option<&str> {
        let lookup = |tier: Tier, key: &str| -> Vec<usize> {
            let fits = |i: &usize| self.people[*i].1.iter().any(|s| s.fits(chamber, date, tier));
            let mut found: Vec<usize> = self
                .by_key
                .get(&(jurisdiction_id.to_string(), tier, key.to_string()))
                .map(|l| l.iter().copied().filter(fits).collect())
                .unwrap_or_default();
            found.sort_unstable();
            found.dedup();
            found
        };
        let words = fold(name);
        let full = full_keys(name);
        let mut tiers: Vec<(Tier, Vec<String>)> = vec![(Tier::Full, full.clone())];
        // "A. Berry", "Berry, A.": an initial and a family name.
        let plain: Vec<&String> = words.iter().filter(|w| *w != ",").collect();
        let initial_keys: Vec<String> = full
            .iter()
            .filter_map(|k| {
                let ws: Vec<&str> = k.split(' ').collect();
                (ws.len() >= 2 && ws[0].chars().count() == 1).then(|| format!("{} {}", ws[0], ws[1..].join(" ")))
            })
            .collect();
        tiers.push((Tier::Initial, initial_keys));
        // The family name alone ("Hicks", "Katz Muhl", "Berry, A." → "berry"); a name of
        // several words is looked up whole, never by its last word ("Kyle Evans Gay" is not
        // "Gay").
        let mut family: Vec<String> = vec![plain.iter().map(|w| w.as_str()).collect::<Vec<_>>().join(" ")];
        if full.len() > 1 {
            family.extend(family_of(name));
        }
        tiers.push((Tier::Family, family));
        for (tier, keys) in tiers {
            let mut found: Vec<usize> = keys.iter().flat_map(|k| lookup(tier, k)).collect();
            found.sort_unstable();
            found.dedup();
            match found.len() {
                0 => continue,
                1 => return Some(self.people[found[0]].0.as_str()),
                _ => return None,
            }
        }
        None
    }
}

/// A committee as hearings may name it: its id, chamber and every name it goes by.
#[derive(Debug, Clone, PartialEq)]
pub struct CommitteeNames {
    pub id: String,
    pub chamber: Option<String>,
    pub names: Vec<String>,
}

/// A committee's name reduced for comparison, and the chamber it names: lower case, `&` as
/// "and", punctuation dropped, and the words that only say "committee" or which chamber
/// ("House", "Assembly", "Senate", "Joint", "Committee", "on", "the", "standing") taken out:
/// "House Committee on Housing", "House Housing Committee" and "Housing" are one key.
pub fn committee_key(name: &str) -> (Option<&'static str>, String) {
    let lower = name.to_lowercase().replace('&', " and ");
    let mut chamber = None;
    let mut words = Vec::new();
    for w in lower.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        match w {
            "house" | "assembly" => chamber = chamber.or(Some("lower")),
            "senate" => chamber = chamber.or(Some("upper")),
            "joint" => chamber = chamber.or(Some("legislature")),
            "committee" | "committees" | "on" | "the" | "standing" | "meeting" | "hearing" => {}
            w => words.push(w.to_string()),
        }
    }
    (chamber, words.join(" "))
}

/// The one committee a hearing names, by its participants' names and then its own name
/// (each compared by [`committee_key`] with every name of every committee, in the chamber
/// the text names, if any). `None` when no name or more than one committee fits.
pub fn committee_of_hearing<'a>(committees: &'a [CommitteeNames], texts: &[String]) -> Option<&'a str> {
    for text in texts {
        let (chamber, key) = committee_key(text);
        if key.is_empty() {
            continue;
        }
        let found: Vec<&CommitteeNames> = committees
            .iter()
            .filter(|c| chamber.is_none_or(|ch| c.chamber.as_deref().is_none_or(|cc| cc == ch)))
            .filter(|c| c.names.iter().any(|n| committee_key(n).1 == key))
            .collect();
        if found.len() == 1 {
            return Some(found[0].id.as_str());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(id: &str, name: &str, family: &str, other: &[&str], chamber: &str) -> PersonRow {
        PersonRow {
            id: id.into(),
            jurisdiction_id: "j".into(),
            name: name.into(),
            chamber: Some(chamber.into()),
            party: None,
            district: None,
            email: None,
            image: None,
            source_url: None,
            given_name: None,
            family_name: Some(family.into()),
            other_names: serde_json::to_string(other).unwrap(),
            links: "[]".into(),
            ids: "{}".into(),
            former: None,
            content_hash: String::new(),
        }
    }

    fn seat(person: &str, chamber: &str, start: &str, end: Option<&str>) -> RoleRow {
        RoleRow {
            id: format!("{person}{start}"),
            person_id: person.into(),
            ordinal: 0,
            role_type: chamber.into(),
            chamber: Some(chamber.into()),
            jurisdiction_id: "j".into(),
            district: None,
            start_date: start.parse().ok(),
            end_date: end.and_then(|e| e.parse().ok()),
            end_reason: None,
            content_hash: String::new(),
        }
    }

    fn day(s: &str) -> Option<NaiveDate> {
        s.parse().ok()
    }

    #[test]
    fn names_as_legislatures_print_them() {
        let mut idx = PeopleIndex::default();
        idx.add(&person("berry", "Alonna Berry", "Berry", &["Berry, A."], "lower"), &[]);
        idx.add(&person("bolden", "Stephanie T. Bolden", "Bolden", &[], "lower"), &[]);
        idx.add(&person("sturgeon", "Laura V. Sturgeon", "Sturgeon", &[], "upper"), &[]);
        idx.add(&person("stava", "Anne Stava", "Stava", &["Anne Stava-Murray"], "lower"), &[]);
        idx.add(&person("jose", "José Álvarez", "Álvarez", &[], "lower"), &[]);
        let find = |chamber, name| idx.find("j", Some(chamber), None, name);
        assert_eq!(find("lower", "Berry, A."), Some("berry"));
        assert_eq!(find("lower", "A. Berry"), Some("berry"));
        assert_eq!(find("lower", "Berry"), Some("berry"));
        assert_eq!(find("lower", "Stephanie  T. Bolden"), Some("bolden"));
        assert_eq!(find("upper", "Sen. Laura V. Sturgeon"), Some("sturgeon"));
        assert_eq!(find("lower", "Stava-Murray"), Some("stava"));
        assert_eq!(find("lower", "Jose Alvarez"), Some("jose"));
        // Another chamber's member is not this chamber's voter, by a partial name; a person
        // known without seat history matches by full name in either chamber (a source's chamber
        // can be the other one: LegiScan's "Rep." Jason Rarick in Senate district 11).
        assert_eq!(find("lower", "Sturgeon"), None);
        assert_eq!(find("lower", "Laura V. Sturgeon"), Some("sturgeon"));
        // A name of several words does not fall back to its last word.
        assert_eq!(find("lower", "Kyle Evans Berry"), None);
    }

    #[test]
    fn two_of_one_family_name_link_neither_but_full_names_still_link() {
        let mut idx = PeopleIndex::default();
        idx.add(&person("a", "Mike Smith", "Smith", &[], "lower"), &[]);
        idx.add(&person("b", "Jane Smith", "Smith", &[], "lower"), &[]);
        assert_eq!(idx.find("j", Some("lower"), None, "Smith"), None);
        assert_eq!(idx.find("j", Some("lower"), None, "Jane Smith"), Some("b"));
        assert_eq!(idx.find("j", Some("lower"), None, "Smith, M."), Some("a"));
    }

    #[test]
    fn the_seat_held_that_day_decides() {
        let mut idx = PeopleIndex::default();
        idx.add(
            &person("old", "Pat Hicks", "Hicks", &[], "lower"),
            &[seat("old", "lower", "2015-01-01", Some("2020-12-31"))],
        );
        idx.add(&person("new", "Lee Hicks", "Hicks", &[], "lower"), &[seat("new", "lower", "2021-01-01", None)]);
        assert_eq!(idx.find("j", Some("lower"), day("2019-03-01"), "Hicks"), Some("old"));
        assert_eq!(idx.find("j", Some("lower"), day("2023-03-01"), "Hicks"), Some("new"));
        assert_eq!(idx.find("j", Some("lower"), None, "Hicks"), None);
        assert_eq!(idx.find("j", Some("upper"), day("2023-03-01"), "Hicks"), None);
    }

    #[test]
    fn a_seat_without_a_start_reaches_back_twelve_years() {
        let mut idx = PeopleIndex::default();
        let mut open = seat("reyes", "lower", "", Some("2022-12-05"));
        open.start_date = None;
        idx.add(&person("reyes", "Eloise Reyes", "Reyes", &[], "upper"), &[open]);
        assert_eq!(idx.find("j", Some("lower"), day("2016-01-04"), "Reyes"), Some("reyes"));
        assert_eq!(idx.find("j", Some("lower"), day("1999-03-22"), "Reyes"), None);
    }
}
