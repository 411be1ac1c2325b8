//! Coalition files: TOML under `pipelines/coalitions/`, named by a pipeline's `coalitions`
//! list. Unknown keys are errors. See README "Coalitions" for the format.

use super::Position;
use crate::normalize::{actions, ids};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use toml::Spanned;

#[derive(Debug, thiserror::Error)]
pub enum CoalitionError {
    #[error("cannot read coalition file {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("coalition file {path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// How a lead gets alerts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// One email per alert, as soon as it is found.
    #[default]
    Immediate,
    /// One email a day, at `digest_hour` in the lead's time zone.
    Daily,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Immediate => "immediate",
            Delivery::Daily => "daily",
        }
    }
}

/// Where a new coalition's cursor starts in the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Start {
    /// Only changes recorded after the coalition was added (no flood of history).
    #[default]
    Now,
    /// Every change in the ledger (for the sample, and for replaying history).
    Beginning,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    id: String,
    name: String,
    #[serde(default)]
    jurisdictions: Vec<String>,
    #[serde(default)]
    start: Start,
    /// Days before a hearing on a tracked bill to send a reminder.
    #[serde(default)]
    reminder_days: Vec<u32>,
    /// Action classes that alert for tracked bills (default: every action): OCD classes
    /// (`normalize::actions::VOCABULARY`).
    #[serde(default)]
    actions: Vec<Spanned<String>>,
    /// `mailto:` or `https:` link for unsubscribing (List-Unsubscribe).
    unsubscribe: Option<String>,
    #[serde(default, rename = "group")]
    groups: Vec<GroupFile>,
    #[serde(default, rename = "bill")]
    bills: Vec<BillFile>,
    #[serde(default)]
    watch: WatchFile,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupFile {
    id: Spanned<String>,
    name: String,
    #[serde(default, rename = "lead")]
    leads: Vec<LeadFile>,
    /// The group's own districts: `{ ca = { lower = ["7"], upper = ["6"] } }`, or OCD
    /// division ids (`ocd-division/country:us/state:ca/sldl:7`).
    #[serde(default)]
    districts: Option<DistrictsFile>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum DistrictsFile {
    /// Jurisdiction (state code or OCD id) → chamber → district names.
    ByChamber(std::collections::BTreeMap<String, std::collections::BTreeMap<String, Vec<DistrictName>>>),
    /// OCD division ids.
    Divisions(Vec<String>),
}

/// A district as written: `"7"`, `7` or `"At-Large"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum DistrictName {
    Text(String),
    Number(i64),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct LeadFile {
    name: String,
    email: Spanned<String>,
    timezone: String,
    #[serde(default)]
    delivery: Delivery,
    #[serde(default = "default_digest_hour")]
    digest_hour: u32,
}

fn default_digest_hour() -> u32 {
    7
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct BillFile {
    /// "HB 1075" (any spelling: it is canonicalized).
    bill: Spanned<String>,
    /// Two-letter code or OCD id; optional when the coalition names one jurisdiction.
    jurisdiction: Option<String>,
    /// Optional: without it, the bill of that identifier in the newest session the
    /// warehouse holds.
    session: Option<String>,
    position: Position,
    group: String,
    /// Other groups' positions on the bill.
    #[serde(default)]
    positions: std::collections::BTreeMap<String, Position>,
}

/// What a coalition watches for new bills (`[watch]`). Empty values are errors.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct WatchFile {
    /// Words and phrases, matched case-insensitively on whole words in titles and abstracts
    /// (`text::terms`).
    #[serde(default)]
    terms: Vec<Spanned<String>>,
    /// Subjects, matched case-insensitively on the bill's subjects.
    #[serde(default)]
    subjects: Vec<Spanned<String>>,
    /// Legislators: a family name or any of their names ("Sturgeon", "Laura Sturgeon",
    /// "Sturgeon, Laura"), or an `ocd-person/…` id (`rules::sponsor_matches`).
    #[serde(default)]
    sponsors: Vec<Spanned<String>>,
    /// Committees: a new bill referred to one of them.
    #[serde(default)]
    committees: Vec<Spanned<String>>,
}

/// What a coalition watches for new bills: the `[watch]` table, checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Watch {
    pub terms: Vec<String>,
    pub subjects: Vec<String>,
    pub sponsors: Vec<String>,
    pub committees: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Lead {
    pub group: String,
    pub name: String,
    pub email: String,
    pub timezone: chrono_tz::Tz,
    pub delivery: Delivery,
    pub digest_hour: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub id: String,
    pub name: String,
    /// The seats whose holders are the group's own legislators.
    pub districts: Vec<Seat>,
}

/// A legislative seat: jurisdiction, chamber (`upper`, `lower`, `legislature`) and district.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Seat {
    pub jurisdiction_id: String,
    pub chamber: String,
    pub district: String,
}

/// A seat from an OCD division id: `…/state:ca/sldl:7` (lower), `…/sldu:6` (upper).
fn seat_of_division(division: &str) -> Result<Seat, String> {
    let bad = || {
        format!(
            "district {division:?}: an OCD division id of a state legislative district (`ocd-division/country:us/state:ca/sldl:7`)"
        )
    };
    let rest = division.strip_prefix("ocd-division/country:us/").ok_or_else(bad)?;
    let mut state = None;
    let mut seat = None;
    for part in rest.split('/') {
        match part.split_once(':') {
            Some(("state" | "district" | "territory", code)) => state = Some(code.to_string()),
            Some(("sldl", d)) => seat = Some(("lower", d.to_string())),
            Some(("sldu", d)) => seat = Some(("upper", d.to_string())),
            _ => return Err(bad()),
        }
    }
    let (Some(state), Some((chamber, district))) = (state, seat) else { return Err(bad()) };
    let jurisdiction_id = ids::jurisdiction_id_of(&state).ok_or_else(bad)?;
    // Nebraska's one chamber and DC's council are `legislature` in Open States.
    let chamber = if matches!(state.as_str(), "ne" | "dc") { "legislature" } else { chamber };
    Ok(Seat { jurisdiction_id, chamber: chamber.to_string(), district })
}

fn seats(districts: &DistrictsFile) -> Result<Vec<Seat>, String> {
    let mut out = Vec::new();
    match districts {
        DistrictsFile::Divisions(list) => {
            for d in list {
                out.push(seat_of_division(d)?);
            }
        }
        DistrictsFile::ByChamber(map) => {
            for (j, chambers) in map {
                let jurisdiction_id = jurisdiction_id(j)?;
                for (chamber, names) in chambers {
                    if !matches!(chamber.as_str(), "upper" | "lower" | "legislature") {
                        return Err(format!("districts.{j}.{chamber}: a chamber is upper, lower or legislature"));
                    }
                    for n in names {
                        let district = match n {
                            DistrictName::Text(t) => t.trim().to_string(),
                            DistrictName::Number(i) => i.to_string(),
                        };
                        if district.is_empty() {
                            return Err(format!("districts.{j}.{chamber}: an empty district"));
                        }
                        out.push(Seat { jurisdiction_id: jurisdiction_id.clone(), chamber: chamber.clone(), district });
                    }
                }
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

#[derive(Debug, Clone, PartialEq)]
pub struct TrackedBill {
    pub jurisdiction_id: String,
    /// Canonical identifier.
    pub identifier: String,
    pub session: Option<String>,
    pub position: Position,
    pub group: String,
    /// (group, position) for other groups.
    pub positions: Vec<(String, Position)>,
}

impl TrackedBill {
    /// Each group following the bill, with its position: the assigned group first.
    pub fn groups(&self) -> Vec<(String, Position)> {
        let mut out = vec![(self.group.clone(), self.position)];
        out.extend(self.positions.iter().filter(|(g, _)| *g != self.group).cloned());
        out
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Coalition {
    pub id: String,
    pub name: String,
    pub file: PathBuf,
    /// OCD jurisdiction ids (empty: all).
    pub jurisdictions: Vec<String>,
    pub start: Start,
    pub reminder_days: Vec<u32>,
    pub actions: Vec<String>,
    pub unsubscribe: String,
    pub groups: Vec<Group>,
    pub leads: Vec<Lead>,
    pub bills: Vec<TrackedBill>,
    pub watch: Watch,
    /// sha256 of the file, to reload the warehouse's copy only when it changed.
    pub hash: String,
}

/// The line (from 1) of a byte offset in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|b| **b == b'\n').count() + 1
}

/// A coalition file's jurisdiction: an OCD id or a state code; anything else is refused.
fn jurisdiction_id(code: &str) -> Result<String, String> {
    ids::jurisdiction_id_of(code).ok_or_else(|| {
        format!("jurisdiction {code:?}: a state code (`il`) or an OCD jurisdiction id (`ocd-jurisdiction/…`)")
    })
}

impl Coalition {
    pub fn load(path: &Path) -> Result<Coalition, CoalitionError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| CoalitionError::Read { path: path.to_path_buf(), source })?;
        Coalition::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Coalition, CoalitionError> {
        let invalid = |message: String| CoalitionError::Invalid { path: path.to_path_buf(), message };
        let f: File = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let line = |v: &Spanned<String>| line_of(text, v.span().start);
        if f.id.is_empty() || !f.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(invalid(format!("id {:?}: letters, digits, - and _ only", f.id)));
        }
        let jurisdictions: Vec<String> =
            f.jurisdictions.iter().map(|j| jurisdiction_id(j)).collect::<Result<_, _>>().map_err(invalid)?;
        let mut group_ids = HashSet::new();
        let mut groups = Vec::new();
        let mut leads = Vec::new();
        // Lower-cased email → (line, lead name) of its first lead.
        let mut emails: HashMap<String, (usize, &str)> = HashMap::new();
        for g in &f.groups {
            let group = g.id.get_ref();
            if !group_ids.insert(group.clone()) {
                return Err(invalid(format!("line {}: group {group:?} is defined twice", line(&g.id))));
            }
            let districts = match &g.districts {
                Some(d) => seats(d).map_err(|e| invalid(format!("group {group:?}: {e}")))?,
                None => Vec::new(),
            };
            groups.push(Group { id: group.clone(), name: g.name.clone(), districts });
            for l in &g.leads {
                let email = l.email.get_ref();
                crate::mail::mailbox(email).map_err(|e| invalid(format!("lead {:?}: {e}", l.name)))?;
                let key = email.trim().to_lowercase();
                if let Some((first_line, name)) = emails.get(&key) {
                    return Err(invalid(format!(
                        "line {}: lead {:?}: {email:?} is already the address of lead {name:?} (line {first_line}); one lead per address",
                        line(&l.email),
                        l.name,
                    )));
                }
                emails.insert(key, (line(&l.email), &l.name));
                let timezone: chrono_tz::Tz = l
                    .timezone
                    .parse()
                    .map_err(|_| invalid(format!("lead {:?}: unknown time zone {:?}", l.name, l.timezone)))?;
                if l.digest_hour > 23 {
                    return Err(invalid(format!("lead {:?}: digest_hour must be 0 to 23", l.name)));
                }
                leads.push(Lead {
                    group: group.clone(),
                    name: l.name.clone(),
                    email: email.trim().to_string(),
                    timezone,
                    delivery: l.delivery,
                    digest_hour: l.digest_hour,
                });
            }
        }
        let mut bills: Vec<TrackedBill> = Vec::new();
        // (jurisdiction, identifier, session, group) → line of the bill that tracks it first.
        let mut tracked: HashMap<(String, String, String, String), usize> = HashMap::new();
        for b in &f.bills {
            let bill = b.bill.get_ref();
            let jurisdiction = match (&b.jurisdiction, jurisdictions.as_slice()) {
                (Some(j), _) => jurisdiction_id(j).map_err(|e| invalid(format!("bill {bill:?}: {e}")))?,
                (None, [one]) => one.clone(),
                (None, _) => {
                    return Err(invalid(format!(
                        "bill {bill:?}: name its jurisdiction (the coalition follows several or none)"
                    )));
                }
            };
            for g in std::iter::once(&b.group).chain(b.positions.keys()) {
                if !group_ids.contains(g) {
                    return Err(invalid(format!("bill {bill:?}: no group {g:?}")));
                }
            }
            let t = TrackedBill {
                jurisdiction_id: jurisdiction,
                identifier: ids::canonical_bill_identifier(bill),
                session: b.session.clone(),
                position: b.position,
                group: b.group.clone(),
                positions: b.positions.iter().map(|(g, p)| (g.clone(), *p)).collect(),
            };
            for (g, _) in t.groups() {
                let key = (t.jurisdiction_id.clone(), t.identifier.clone(), t.session.clone().unwrap_or_default(), g);
                if let Some(first) = tracked.get(&key) {
                    return Err(invalid(format!(
                        "line {}: bill {bill:?}: {} is already tracked for group {:?} (line {first}); one entry per bill and group",
                        line(&b.bill),
                        t.identifier,
                        key.3,
                    )));
                }
                tracked.insert(key, line(&b.bill));
            }
            bills.push(t);
        }
        for a in &f.actions {
            if !actions::VOCABULARY.contains(&a.get_ref().as_str()) {
                return Err(invalid(format!(
                    "line {}: actions: unknown action class {:?} (known: {})",
                    line(a),
                    a.get_ref(),
                    actions::VOCABULARY.join(", ")
                )));
            }
        }
        let w = &f.watch;
        let mut watch = Watch::default();
        for (key, values, out) in [
            ("terms", &w.terms, &mut watch.terms),
            ("subjects", &w.subjects, &mut watch.subjects),
            ("sponsors", &w.sponsors, &mut watch.sponsors),
            ("committees", &w.committees, &mut watch.committees),
        ] {
            for v in values {
                if v.get_ref().trim().is_empty() {
                    return Err(invalid(format!(
                        "line {}: watch.{key}: {:?} is empty (a value needs a word to match)",
                        line(v),
                        v.get_ref()
                    )));
                }
                out.push(v.get_ref().clone());
            }
        }
        let unsubscribe = match &f.unsubscribe {
            Some(u) if u.starts_with("mailto:") || u.starts_with("https://") => u.clone(),
            Some(u) => return Err(invalid(format!("unsubscribe {u:?}: a mailto: or https: link"))),
            None => format!("mailto:unsubscribe@example.org?subject=unsubscribe%20{}", f.id),
        };
        Ok(Coalition {
            id: f.id,
            name: f.name,
            file: path.to_path_buf(),
            jurisdictions,
            start: f.start,
            reminder_days: f.reminder_days,
            actions: f.actions.into_iter().map(Spanned::into_inner).collect(),
            unsubscribe,
            groups,
            leads,
            bills,
            watch,
            hash: crate::hash::sha256_hex(text.as_bytes()),
        })
    }

    /// The leads of a group.
    pub fn leads_of<'a>(&'a self, group: &'a str) -> impl Iterator<Item = &'a Lead> + 'a {
        self.leads.iter().filter(move |l| l.group == group)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
id = "de-coalition"
name = "Delaware Coalition"
jurisdictions = ["de"]
reminder_days = [3, 1]

[[group]]
id = "wilmington"
name = "Wilmington"
[[group.lead]]
name = "Pat"
email = "pat@example.org"
timezone = "America/New_York"

[[group]]
id = "dover"
name = "Dover"
[[group.lead]]
name = "Sam"
email = "sam@example.org"
timezone = "America/Los_Angeles"
delivery = "daily"

[[bill]]
bill = "sb4"
session = "153"
position = "support"
group = "wilmington"
positions = { dover = "watch" }

[watch]
terms = ["inspector general"]
"#;

    #[test]
    fn a_coalition_file_loads_with_canonical_bills_and_zones() {
        let c = Coalition::parse(SAMPLE, Path::new("c.toml")).unwrap();
        assert_eq!(c.jurisdictions, vec!["ocd-jurisdiction/country:us/state:de/government"]);
        assert_eq!(c.bills[0].identifier, "SB 4");
        assert_eq!(
            c.bills[0].groups(),
            vec![("wilmington".into(), Position::Support), ("dover".into(), Position::Watch)]
        );
        assert_eq!(c.leads.len(), 2);
        assert_eq!(c.leads[1].delivery, Delivery::Daily);
        assert_eq!(c.leads[1].timezone, chrono_tz::America::Los_Angeles);
        assert_eq!(c.start, Start::Now);
        assert!(c.unsubscribe.starts_with("mailto:"));
    }

    #[test]
    fn mistakes_are_named() {
        let bad = SAMPLE.replace("group = \"wilmington\"", "group = \"newark\"");
        let e = Coalition::parse(&bad, Path::new("c.toml")).unwrap_err().to_string();
        assert!(e.contains("no group \"newark\""), "{e}");
        let bad = SAMPLE.replace("America/Los_Angeles", "Pacific");
        let e = Coalition::parse(&bad, Path::new("c.toml")).unwrap_err().to_string();
        assert!(e.contains("unknown time zone"), "{e}");
        let bad = SAMPLE.replace("pat@example.org", "pat at example");
        assert!(Coalition::parse(&bad, Path::new("c.toml")).is_err());
        let bad = SAMPLE.replace("reminder_days", "reminders");
        let e = Coalition::parse(&bad, Path::new("c.toml")).unwrap_err().to_string();
        assert!(e.contains("unknown field"), "{e}");
    }

    /// The error of `text` as a coalition file.
    fn error_of(text: &str) -> String {
        let e = Coalition::parse(text, Path::new("pipelines/coalitions/c.toml")).unwrap_err().to_string();
        assert!(e.starts_with("coalition file pipelines/coalitions/c.toml: "), "{e}");
        e
    }

    /// The line (from 1) of the `n`th line (from 0) containing `needle`, counted independently
    /// of the parser.
    fn line_with(text: &str, needle: &str, n: usize) -> usize {
        text.lines().enumerate().filter(|(_, l)| l.contains(needle)).nth(n).expect(needle).0 + 1
    }

    #[test]
    fn an_unknown_action_class_is_named_with_its_line() {
        let bad = SAMPLE.replace(
            "reminder_days = [3, 1]\n",
            "reminder_days = [3, 1]\nactions = [\"passage\", \"floor-vote-xyz\"]\n",
        );
        assert_eq!(line_with(&bad, "floor-vote-xyz", 0), 6);
        let e = error_of(&bad);
        assert!(e.contains("line 6: actions: unknown action class \"floor-vote-xyz\" (known: filing, "), "{e}");
        assert!(e.contains("committee-passage-favorable"), "{e}");
        // The known classes load.
        let good = bad.replace("\"floor-vote-xyz\"", "\"executive-signature\", \"referral-committee\"");
        let c = Coalition::parse(&good, Path::new("c.toml")).unwrap();
        assert_eq!(c.actions, ["passage", "executive-signature", "referral-committee"]);
    }

    #[test]
    fn an_empty_watch_value_is_named_with_its_line() {
        for key in ["terms", "subjects", "sponsors", "committees"] {
            for empty in ["", "   ", "\\t"] {
                let watch = format!("{key} = [\n  \"Sturgeon\",\n  \"{empty}\",\n]\n");
                let bad = SAMPLE.replace("terms = [\"inspector general\"]\n", &watch);
                let (e, line) = (error_of(&bad), line_with(&bad, &format!("\"{empty}\","), 0));
                let shown = format!("{:?}", empty.replace("\\t", "\t"));
                assert!(e.contains(&format!("line {line}: watch.{key}: {shown} is empty")), "{key} {empty:?}: {e}");
            }
        }
        let c =
            Coalition::parse(&SAMPLE.replace("[watch]\n", "[watch]\nsponsors = [\"Sturgeon\"]\n"), Path::new("c.toml"));
        assert_eq!(c.unwrap().watch.sponsors, ["Sturgeon"]);
    }

    #[test]
    fn a_lead_listed_twice_is_named_with_both_lines() {
        // Across groups, in another case and with spaces.
        let bad = SAMPLE.replace("\"sam@example.org\"", "\" PAT@Example.org\"");
        let (e, line, first) = (error_of(&bad), line_with(&bad, "PAT@Example.org", 0), line_with(&bad, "pat@", 0));
        assert!(
            e.contains(&format!(
                "line {line}: lead \"Sam\": \" PAT@Example.org\" is already the address of lead \"Pat\" (line {first})"
            )),
            "{e}"
        );
        // Within one group.
        let again =
            "[[group.lead]]\nname = \"Pat again\"\nemail = \"pat@example.org\"\ntimezone = \"America/New_York\"\n";
        let bad = SAMPLE.replacen("\n[[group]]\nid = \"dover\"", &format!("{again}\n[[group]]\nid = \"dover\""), 1);
        let (e, line) = (error_of(&bad), line_with(&bad, "pat@example.org", 1));
        assert!(e.contains(&format!("line {line}: lead \"Pat again\": \"pat@example.org\" is already")), "{e}");
    }

    #[test]
    fn a_bill_tracked_twice_for_one_group_is_named_with_both_lines() {
        let bill = |b: &str, session: &str, group: &str| {
            format!("[[bill]]\nbill = \"{b}\"\nsession = \"{session}\"\nposition = \"oppose\"\ngroup = \"{group}\"\n\n")
        };
        // Dover follows SB 4 through the first entry's `positions`.
        let bad = SAMPLE.replace("[watch]", &format!("{}[watch]", bill("SB 4", "153", "dover")));
        let (e, line, first) = (error_of(&bad), line_with(&bad, "SB 4", 0), line_with(&bad, "sb4", 0));
        assert!(
            e.contains(&format!(
                "line {line}: bill \"SB 4\": SB 4 is already tracked for group \"dover\" (line {first})"
            )),
            "{e}"
        );
        // Another session, or another bill, is another entry.
        let good = SAMPLE
            .replace("[watch]", &format!("{}{}[watch]", bill("SB 4", "152", "dover"), bill("SB 5", "153", "dover")));
        assert_eq!(Coalition::parse(&good, Path::new("c.toml")).unwrap().bills.len(), 3);
    }
}
