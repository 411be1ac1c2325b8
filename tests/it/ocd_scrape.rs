//! The `ocd_scrape` parser on every real fixture file, cross-checked against the raw JSON.

use crate::common::fixture;
use statehouse::model::Parsed;
use statehouse::run::list_scrape_files;
use statehouse::sources::ocd_scrape::{self, FileKind, ScrapeContext};

/// Parses a scrape folder the way a run does: context files first.
fn parse_folder(rel: &str, jurisdiction: &str) -> Parsed {
    let files = list_scrape_files(&fixture(rel)).expect("list");
    let mut ctx = ScrapeContext { jurisdiction_id: jurisdiction.into(), ..Default::default() };
    for (kind, path) in &files {
        if *kind == FileKind::Organization {
            for o in ocd_scrape::parse_organizations(&std::fs::read(path).unwrap(), "x").unwrap() {
                ctx.organizations.insert(o.source_key, o.classification);
            }
        }
    }
    let mut parsed = Parsed::default();
    for (kind, path) in &files {
        ocd_scrape::parse_into(*kind, &std::fs::read(path).unwrap(), &path.display().to_string(), &ctx, &mut parsed);
    }
    parsed
}

fn raw_files(rel: &str, pattern: &str) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for (_, path) in list_scrape_files(&fixture(rel)).unwrap() {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.contains(pattern) {
            out.push(serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap());
        }
    }
    out
}

#[test]
fn delaware_scrape_parses_completely() {
    let p = parse_folder("ocd-scrape/de-153", "ocd-jurisdiction/country:us/state:de/government");
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    let raw_bills = raw_files("ocd-scrape/de-153", "bill_");
    let raw_votes = raw_files("ocd-scrape/de-153", "vote_event_");
    assert_eq!(p.bills.len(), raw_bills.len());
    assert_eq!(p.bills.len(), 150);
    assert_eq!(p.votes.len(), raw_votes.len());
    assert_eq!(p.jurisdictions.len(), 1);
    assert_eq!(p.jurisdictions[0].sessions.iter().filter(|s| s.active == Some(true)).count(), 1);
    assert_eq!(p.organizations.len(), 3);

    // Every action, sponsor, version and person-vote of the raw files is kept.
    let count = |vals: &[serde_json::Value], key: &str| {
        vals.iter().map(|v| v[key].as_array().map_or(0, Vec::len)).sum::<usize>()
    };
    assert_eq!(p.bills.iter().map(|b| b.actions.len()).sum::<usize>(), count(&raw_bills, "actions"));
    assert_eq!(p.bills.iter().map(|b| b.sponsorships.len()).sum::<usize>(), count(&raw_bills, "sponsorships"));
    assert_eq!(p.bills.iter().map(|b| b.versions.len()).sum::<usize>(), count(&raw_bills, "versions"));
    assert_eq!(p.votes.iter().map(|v| v.votes.len()).sum::<usize>(), count(&raw_votes, "votes"));
    assert_eq!(p.votes.iter().map(|v| v.votes.len()).sum::<usize>(), 5562);

    // SB 4 (the Inspector General bill), as its file has it.
    let sb4 = p.bills.iter().find(|b| b.identifier == "SB 4").expect("SB 4");
    assert_eq!(sb4.session, "153");
    assert_eq!(
        sb4.from_organization.as_deref(),
        Some("upper"),
        "pseudo-id ~{{\"classification\": \"upper\"}} resolved"
    );
    assert_eq!(sb4.actions.len(), 17);
    assert_eq!(sb4.actions[0].description, "Introduced and Assigned to Executive Committee in Senate");
    assert_eq!(sb4.actions[0].classification, vec!["introduction", "referral-committee"]);
    assert_eq!(sb4.actions.last().unwrap().organization.as_deref(), Some("executive"));
    assert_eq!(sb4.sponsorships.len(), 21);
    assert_eq!(sb4.sponsorships[0].chamber.as_deref(), Some("upper"));
    assert_eq!(sb4.versions[0].date, "", "empty version dates stay empty");
    assert_eq!(sb4.citations, vec!["Volume 85 Chapter 138"]);

    // The orphan vote: its bill's file is not in the scrape; it is parsed all the same.
    let orphan = p.votes.iter().find(|v| v.bill.identifier.as_deref() == Some("SB 51")).expect("SB 51 vote");
    let bill_ids: std::collections::HashSet<_> = p.bills.iter().filter_map(|b| b.source_key.clone()).collect();
    assert!(!bill_ids.contains(orphan.bill.source_key.as_deref().unwrap()));
    assert_eq!(orphan.organization.as_deref(), Some("upper"));
}

#[test]
fn illinois_windy_civi_copies_parse() {
    let p = parse_folder("ocd-scrape/il-104th-windycivi", "ocd-jurisdiction/country:us/state:il/government");
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    assert_eq!(p.bills.len(), 15);
    assert_eq!(p.votes.len(), 83);
    assert_eq!(p.votes.iter().map(|v| v.votes.len()).sum::<usize>(), 3808);
    let hb1075 = p.bills.iter().find(|b| b.identifier == "HB1075").expect("HB1075");
    assert_eq!(hb1075.source_key, None, "Windy Civi drops _id");
    assert_eq!(hb1075.actions.len(), 120);
    assert_eq!(hb1075.actions[0].description, "Prefiled with Clerk by Rep. Daniel Didech");
    assert_eq!(hb1075.jurisdiction_id, "ocd-jurisdiction/country:us/state:il/government");
    // Organizations without `_id` still resolve chamber pseudo-ids.
    assert_eq!(hb1075.from_organization.as_deref(), Some("lower"));
    // Votes name their bill by identifier ("HB1075", no space); normalization canonicalizes it.
    assert!(p.votes.iter().any(|v| v.bill.identifier.as_deref() == Some("HB1075")));
}

#[test]
fn a_person_file_parses() {
    let p = parse_folder("ocd-scrape/az-person", "ocd-jurisdiction/country:us/state:az/government");
    assert_eq!(p.people.len(), 1);
    assert_eq!(p.people[0].name, "Jake Hoffman");
    assert_eq!(p.people[0].email.as_deref(), Some("jake.hoffman@azleg.gov"));
}

#[test]
fn derived_events_parse() {
    let p = parse_folder("ocd-events/ny-agenda-5-2017-v2", "ocd-jurisdiction/country:us/state:ny/government");
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    assert_eq!(p.events.len(), 10);
    let energy = p.events.iter().find(|e| e.name.contains("Energy")).unwrap();
    assert_eq!(energy.start, "2017-02-07T09:30:00-05:00");
    assert_eq!(energy.location.as_deref(), Some("Room 611 LOB"));
    assert_eq!(energy.upstream_id.as_deref(), Some("nysenate-agenda-2017-5-energy-and-telecommunications"));
    assert_eq!(energy.agenda.len(), 6);
    assert!(energy.agenda.iter().all(|a| a.bill_identifiers.len() == 1));
}

#[test]
fn a_malformed_file_is_a_warning_naming_it() {
    let ctx = ScrapeContext {
        jurisdiction_id: "ocd-jurisdiction/country:us/state:de/government".into(),
        ..Default::default()
    };
    let good = std::fs::read(fixture("ocd-scrape/de-153/bill_405b6cde-ca8e-11f0-8677-32549feb6cd6.json")).unwrap();
    let mut parsed = Parsed::default();
    ocd_scrape::parse_into(FileKind::Bill, &good[..good.len() / 2], "de/bill_truncated.json", &ctx, &mut parsed);
    ocd_scrape::parse_into(FileKind::Bill, &good, "de/bill_good.json", &ctx, &mut parsed);
    assert_eq!(parsed.bills.len(), 1);
    assert_eq!(parsed.warnings.len(), 1);
    assert_eq!(parsed.warnings[0].location, "de/bill_truncated.json");
    assert!(parsed.warnings[0].message.contains("not a valid OCD bill file"), "{}", parsed.warnings[0]);
}
