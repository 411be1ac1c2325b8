//! Coalition files: TOML under `pipelines/coalitions/`, named by a pipeline's `coalitions`
//! list. Unknown keys are errors. See README "Coalitions" for the format.

use super::Position;
use crate::normalize::ids;
use serde::Deserialize;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

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
    /// Action classes that alert for tracked bills (default: every action).
    #[serde(default)]
    actions: Vec<String>,
    /// `mailto:` or `https:` link for unsubscribing (List-Unsubscribe).
    unsubscribe: Option<String>,
    #[serde(default, rename = "group")]
    groups: Vec<GroupFile>,
    #[serde(default, rename = "bill")]
    bills: Vec<BillFile>,
    #[serde(default)]
    watch: Watch,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupFile {
    id: String,
    name: String,
    #[serde(default, rename = "lead")]
    leads: Vec<LeadFile>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct LeadFile {
    name: String,
    email: String,
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
    bill: String,
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

/// What a coalition watches for new bills.
#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Watch {
    /// Words and phrases, matched case-insensitively on whole words in titles and abstracts.
    #[serde(default)]
    pub terms: Vec<String>,
    #[serde(default)]
    pub subjects: Vec<String>,
    #[serde(default)]
    pub sponsors: Vec<String>,
    /// Committees: a new bill referred to one of them.
    #[serde(default)]
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
        if f.id.is_empty() || !f.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(invalid(format!("id {:?}: letters, digits, - and _ only", f.id)));
        }
        let jurisdictions: Vec<String> =
            f.jurisdictions.iter().map(|j| jurisdiction_id(j)).collect::<Result<_, _>>().map_err(invalid)?;
        let mut group_ids = HashSet::new();
        let mut groups = Vec::new();
        let mut leads = Vec::new();
        for g in &f.groups {
            if !group_ids.insert(g.id.clone()) {
                return Err(invalid(format!("group {:?} is defined twice", g.id)));
            }
            groups.push(Group { id: g.id.clone(), name: g.name.clone() });
            for l in &g.leads {
                crate::mail::mailbox(&l.email).map_err(|e| invalid(format!("lead {:?}: {e}", l.name)))?;
                let timezone: chrono_tz::Tz = l
                    .timezone
                    .parse()
                    .map_err(|_| invalid(format!("lead {:?}: unknown time zone {:?}", l.name, l.timezone)))?;
                if l.digest_hour > 23 {
                    return Err(invalid(format!("lead {:?}: digest_hour must be 0 to 23", l.name)));
                }
                leads.push(Lead {
                    group: g.id.clone(),
                    name: l.name.clone(),
                    email: l.email.trim().to_string(),
                    timezone,
                    delivery: l.delivery,
                    digest_hour: l.digest_hour,
                });
            }
        }
        let mut bills = Vec::new();
        for b in &f.bills {
            let jurisdiction = match (&b.jurisdiction, jurisdictions.as_slice()) {
                (Some(j), _) => jurisdiction_id(j).map_err(|e| invalid(format!("bill {:?}: {e}", b.bill)))?,
                (None, [one]) => one.clone(),
                (None, _) => {
                    return Err(invalid(format!(
                        "bill {:?}: name its jurisdiction (the coalition follows several or none)",
                        b.bill
                    )));
                }
            };
            for g in std::iter::once(&b.group).chain(b.positions.keys()) {
                if !group_ids.contains(g) {
                    return Err(invalid(format!("bill {:?}: no group {g:?}", b.bill)));
                }
            }
            bills.push(TrackedBill {
                jurisdiction_id: jurisdiction,
                identifier: ids::canonical_bill_identifier(&b.bill),
                session: b.session.clone(),
                position: b.position,
                group: b.group.clone(),
                positions: b.positions.iter().map(|(g, p)| (g.clone(), *p)).collect(),
            });
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
            actions: f.actions,
            unsubscribe,
            groups,
            leads,
            bills,
            watch: f.watch,
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
}
