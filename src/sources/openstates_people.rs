//! Open States' people repository (`openstates/people`, CC0): one YAML file per person
//! (`data/<state>/legislature/*.yml` for current legislators, `retired/` for former ones,
//! `executive/`, `municipalities/`) and one per committee (`data/<state>/committees/*.yml`).
//! Its schema is the repository's `schema.md`. Each file is the whole record of its person or
//! committee: the roles, offices and members it lists are all there are.
//!
//! Pure: bytes in, a record or a warning out.

use crate::model::{MembershipRecord, OfficeRecord, OrganizationRecord, PersonRecord, RoleRecord, Warning};
use serde::Deserialize;
use std::path::Path;

/// What a file of the repository holds, by the folder it is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileKind {
    /// A person (`legislature/`, `executive/`, `municipalities/`).
    Person,
    /// A former officeholder (`retired/`).
    Retired,
    /// A committee (`committees/`).
    Committee,
}

impl FileKind {
    /// The kind of a `.yml`/`.yaml` file by its parent folder; `None` for anything else.
    pub fn of(path: &Path) -> Option<FileKind> {
        let ext = path.extension()?.to_str()?;
        if !ext.eq_ignore_ascii_case("yml") && !ext.eq_ignore_ascii_case("yaml") {
            return None;
        }
        match path.parent()?.file_name()?.to_str()? {
            "committees" => Some(FileKind::Committee),
            "retired" => Some(FileKind::Retired),
            "legislature" | "executive" | "municipalities" => Some(FileKind::Person),
            _ => None,
        }
    }
}

/// The state code of a file's folder (`data/<state>/legislature/x.yml` → `de`), which names
/// its jurisdiction before the file is read.
pub fn state_of(path: &Path) -> Option<String> {
    let state = path.parent()?.parent()?.file_name()?.to_str()?;
    (state.len() == 2 && state.chars().all(|c| c.is_ascii_alphabetic())).then(|| state.to_ascii_lowercase())
}

/// A scalar the files write either quoted or not (`district: 20` and `district: '20'`).
#[derive(Deserialize)]
#[serde(untagged)]
enum Scalar {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl Scalar {
    fn text(self) -> String {
        match self {
            Scalar::Text(s) => s,
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(f) => f.to_string(),
            Scalar::Bool(b) => b.to_string(),
        }
    }
}

fn opt(s: Option<Scalar>) -> Option<String> {
    s.map(Scalar::text).map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

#[derive(Deserialize)]
struct Named {
    name: String,
}

#[derive(Deserialize)]
struct RawLink {
    url: String,
}

#[derive(Deserialize)]
struct RawParty {
    name: String,
    #[serde(default)]
    start_date: Option<Scalar>,
    #[serde(default)]
    end_date: Option<Scalar>,
}

#[derive(Deserialize)]
struct RawRole {
    #[serde(rename = "type")]
    role_type: String,
    #[serde(default)]
    jurisdiction: Option<String>,
    #[serde(default)]
    district: Option<Scalar>,
    #[serde(default)]
    start_date: Option<Scalar>,
    #[serde(default)]
    end_date: Option<Scalar>,
    #[serde(default)]
    end_reason: Option<String>,
}

#[derive(Deserialize)]
struct RawOffice {
    classification: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    address: Option<String>,
    #[serde(default)]
    voice: Option<Scalar>,
    #[serde(default)]
    fax: Option<Scalar>,
}

#[derive(Deserialize)]
struct RawIdentifier {
    scheme: String,
    identifier: Scalar,
}

#[derive(Deserialize)]
struct RawPerson {
    id: String,
    name: String,
    #[serde(default)]
    given_name: Option<String>,
    #[serde(default)]
    family_name: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    image: Option<String>,
    #[serde(default)]
    party: Vec<RawParty>,
    #[serde(default)]
    roles: Vec<RawRole>,
    #[serde(default)]
    offices: Vec<RawOffice>,
    #[serde(default)]
    links: Vec<RawLink>,
    #[serde(default)]
    other_names: Vec<Named>,
    #[serde(default)]
    ids: std::collections::BTreeMap<String, Scalar>,
    #[serde(default)]
    other_identifiers: Vec<RawIdentifier>,
    #[serde(default)]
    sources: Vec<RawLink>,
}

#[derive(Deserialize)]
struct RawMember {
    name: String,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    person_id: Option<String>,
}

#[derive(Deserialize)]
struct RawCommittee {
    id: String,
    name: String,
    #[serde(default)]
    jurisdiction: Option<String>,
    #[serde(default)]
    classification: Option<String>,
    #[serde(default)]
    chamber: Option<String>,
    #[serde(default)]
    parent: Option<String>,
    #[serde(default)]
    members: Vec<RawMember>,
    #[serde(default)]
    other_names: Vec<Named>,
    #[serde(default)]
    links: Vec<RawLink>,
    #[serde(default)]
    sources: Vec<RawLink>,
}

/// Reads a whole file. YAML has no end marker: a file cut short at a line's end or in its middle
/// may still parse, with fewer members or offices. The repository's files end with a line
/// break, so one that does not is taken as cut short and not loaded (a cut exactly at a line
/// end cannot be told from a whole file).
fn yaml<'a, T: Deserialize<'a>>(bytes: &'a [u8], location: &str, what: &str) -> Result<T, Warning> {
    if !bytes.ends_with(b"\n") {
        let lines = bytes.iter().filter(|b| **b == b'\n').count() + 1;
        return Err(Warning::new(
            location,
            Some(format!("line {lines}")),
            format!("{what} file does not end with a line break: cut short? It is not loaded"),
        ));
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|e| Warning::new(location, None, format!("{what} file is not UTF-8: {e}")))?;
    serde_saphyr::from_str(text).map_err(|e| {
        // The error's first line says what and where (line and column); the snippet after it
        // repeats the file.
        let message = e.to_string();
        let first = message.lines().next().unwrap_or("").trim().to_string();
        Warning::new(location, None, format!("malformed {what} YAML: {first}"))
    })
}

fn date(s: Option<Scalar>) -> String {
    opt(s).unwrap_or_default()
}

/// The party at `today` (`YYYY-MM-DD`): the one whose dates contain it, else the last listed.
fn current_party(parties: &[RawParty], today: &str) -> Option<String> {
    let within = |p: &&RawParty| {
        let start = p.start_date.as_ref().map(|s| match s {
            Scalar::Text(t) => t.clone(),
            _ => String::new(),
        });
        let end = p.end_date.as_ref().map(|s| match s {
            Scalar::Text(t) => t.clone(),
            _ => String::new(),
        });
        start.is_none_or(|s| s.is_empty() || s.as_str() <= today)
            && end.is_none_or(|e| e.is_empty() || today <= e.as_str())
    };
    parties.iter().rfind(within).or(parties.last()).map(|p| p.name.trim().to_string())
}

/// A person file. `former` for a file under `retired/`. `today` picks the current party and
/// seat (the one without an end date, else the latest).
pub fn parse_person(bytes: &[u8], location: &str, former: bool, today: &str) -> Result<PersonRecord, Warning> {
    let p: RawPerson = yaml(bytes, location, "person")?;
    if !p.id.starts_with("ocd-person/") {
        return Err(Warning::new(location, Some(p.id), "person id is not an ocd-person id"));
    }
    let roles: Vec<RoleRecord> = p
        .roles
        .into_iter()
        .map(|r| RoleRecord {
            role_type: r.role_type.trim().to_string(),
            jurisdiction_id: r.jurisdiction.filter(|j| !j.is_empty()),
            district: opt(r.district),
            start_date: date(r.start_date),
            end_date: date(r.end_date),
            end_reason: r.end_reason.filter(|e| !e.is_empty()),
        })
        .collect();
    // The seat the person row describes: the current legislative one (open-ended, or ending
    // after today), else the legislative one that ended last, else any seat. A former
    // legislator who became a mayor is still filed, and linked, as a legislator.
    let legislative = |r: &&RoleRecord| matches!(r.role_type.as_str(), "upper" | "lower" | "legislature");
    let open = |r: &&RoleRecord| r.end_date.is_empty() || today <= r.end_date.as_str();
    let current = roles
        .iter()
        .filter(legislative)
        .filter(open)
        .max_by(|a, b| a.start_date.cmp(&b.start_date))
        .or_else(|| roles.iter().filter(legislative).max_by(|a, b| a.end_date.cmp(&b.end_date)))
        .or_else(|| roles.iter().filter(open).max_by(|a, b| a.start_date.cmp(&b.start_date)))
        .or_else(|| roles.iter().max_by(|a, b| a.end_date.cmp(&b.end_date)));
    // The jurisdiction is the state folder's (a former legislator's last seat may be a city's).
    let offices: Vec<OfficeRecord> = p
        .offices
        .into_iter()
        .map(|o| OfficeRecord {
            classification: o.classification.trim().to_string(),
            name: o.name.filter(|n| !n.trim().is_empty()),
            address: o.address.map(|a| a.trim().to_string()).filter(|a| !a.is_empty()),
            voice: opt(o.voice),
            fax: opt(o.fax),
            email: None,
        })
        .collect();
    let mut ids: Vec<(String, String)> = p.ids.into_iter().map(|(k, v)| (k, v.text())).collect();
    ids.extend(p.other_identifiers.into_iter().map(|i| (i.scheme, i.identifier.text())));
    let is_former = former || !roles.iter().any(|r| open(&r));
    Ok(PersonRecord {
        source_key: p.id,
        name: p.name.trim().to_string(),
        chamber: current.map(|r| r.role_type.clone()),
        party: current_party(&p.party, today),
        district: current.and_then(|r| r.district.clone()),
        email: p.email.map(|e| e.trim().to_string()).filter(|e| !e.is_empty()),
        image: p.image.filter(|i| !i.trim().is_empty()),
        source_url: p.sources.into_iter().map(|s| s.url).next(),
        jurisdiction_id: None,
        given_name: p.given_name.filter(|g| !g.trim().is_empty()),
        family_name: p.family_name.filter(|f| !f.trim().is_empty()),
        other_names: p.other_names.into_iter().map(|n| n.name.trim().to_string()).filter(|n| !n.is_empty()).collect(),
        links: p.links.into_iter().map(|l| l.url).collect(),
        ids,
        roles: Some(roles),
        offices: Some(offices),
        former: Some(is_former),
        complete: true,
    })
}

/// A committee file: the committee and its whole roster.
pub fn parse_committee(bytes: &[u8], location: &str) -> Result<OrganizationRecord, Warning> {
    let c: RawCommittee = yaml(bytes, location, "committee")?;
    if !c.id.starts_with("ocd-organization/") {
        return Err(Warning::new(location, Some(c.id), "committee id is not an ocd-organization id"));
    }
    let members = c
        .members
        .into_iter()
        .map(|m| MembershipRecord {
            name: m.name.trim().to_string(),
            role: m.role.map(|r| r.trim().to_string()).filter(|r| !r.is_empty()).unwrap_or_else(|| "member".into()),
            person_source_key: m.person_id.filter(|p| p.starts_with("ocd-person/")),
        })
        .collect();
    Ok(OrganizationRecord {
        source_key: c.id,
        name: c.name.trim().to_string(),
        classification: c.classification.unwrap_or_else(|| "committee".into()),
        parent_source_key: c.parent,
        chamber: c.chamber,
        jurisdiction_id: c.jurisdiction,
        other_names: c.other_names.into_iter().map(|n| n.name.trim().to_string()).filter(|n| !n.is_empty()).collect(),
        links: c.links.into_iter().chain(c.sources).map(|l| l.url).take(1).collect(),
        members: Some(members),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BERRY: &str = "id: ocd-person/e9301c44-8042-4031-8ed0-4731c64a5a66
name: Alonna Berry
given_name: Alonna
family_name: Berry
email: alonna.berry@delaware.gov
party:
- name: Democratic
roles:
- start_date: 2025-08-12
  type: lower
  jurisdiction: ocd-jurisdiction/country:us/state:de/government
  district: '20'
offices:
- classification: capitol
  address: P.O. Box 1401 411 Legislative Ave., Dover, DE 19901
  voice: 302-744-4351
other_names:
- name: A. Berry
- name: Berry, A.
ids:
  facebook: RepAlonnaBerry
sources:
- url: https://ballotpedia.org/Alonna_Berry
";

    #[test]
    fn a_person_file() {
        let p = parse_person(BERRY.as_bytes(), "berry.yml", false, "2026-01-01").unwrap();
        assert_eq!(p.source_key, "ocd-person/e9301c44-8042-4031-8ed0-4731c64a5a66");
        assert_eq!(p.chamber.as_deref(), Some("lower"));
        assert_eq!(p.district.as_deref(), Some("20"));
        assert_eq!(p.party.as_deref(), Some("Democratic"));
        assert_eq!(
            p.roles.as_ref().unwrap()[0].jurisdiction_id.as_deref(),
            Some("ocd-jurisdiction/country:us/state:de/government")
        );
        assert_eq!(p.other_names, ["A. Berry", "Berry, A."]);
        assert_eq!(p.roles.as_ref().unwrap()[0].start_date, "2025-08-12");
        assert_eq!(p.offices.as_ref().unwrap()[0].voice.as_deref(), Some("302-744-4351"));
        assert_eq!(p.ids, [("facebook".to_string(), "RepAlonnaBerry".to_string())]);
        assert_eq!(p.former, Some(false));
        assert!(p.complete);
    }

    #[test]
    fn an_unquoted_number_is_text_and_a_past_seat_is_former() {
        let text = BERRY.replace("district: '20'", "district: 20\n  end_date: 2025-12-31");
        let p = parse_person(text.as_bytes(), "berry.yml", false, "2026-01-01").unwrap();
        assert_eq!(p.district.as_deref(), Some("20"));
        assert_eq!(p.former, Some(true));
    }

    #[test]
    fn a_malformed_file_is_a_warning_naming_it() {
        let w = parse_person(b"id: [unclosed\nname: x\n", "de/legislature/x.yml", false, "2026-01-01").unwrap_err();
        assert_eq!(w.location, "de/legislature/x.yml");
        assert!(w.message.starts_with("malformed person YAML"), "{}", w.message);
        let w = parse_person(b"name: No Id\n", "y.yml", false, "2026-01-01").unwrap_err();
        assert!(w.message.contains("malformed person YAML"), "{}", w.message);
        // Cut short: the last line has no line break, though what is left parses.
        let cut = &BERRY[..BERRY.find("other_names").unwrap() + 5];
        let w = parse_person(cut.as_bytes(), "z.yml", false, "2026-01-01").unwrap_err();
        assert!(w.message.contains("cut short"), "{}", w.message);
        assert_eq!(w.record.as_deref(), Some("line 17"));
    }

    #[test]
    fn kinds_by_folder() {
        assert_eq!(FileKind::of(Path::new("data/de/committees/x.yml")), Some(FileKind::Committee));
        assert_eq!(FileKind::of(Path::new("data/de/retired/x.yml")), Some(FileKind::Retired));
        assert_eq!(FileKind::of(Path::new("data/de/legislature/x.yml")), Some(FileKind::Person));
        assert_eq!(FileKind::of(Path::new("data/de/legislature/x.json")), None);
        assert_eq!(state_of(Path::new("data/de/legislature/x.yml")).as_deref(), Some("de"));
    }
}
