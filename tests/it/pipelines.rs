//! The shipped pipeline files, and a full run of the sample pipeline as the README runs it.

use crate::common::*;
use statehouse::config::{Pipeline, SourceConfig};
use std::path::Path;

fn shipped(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines").join(name)
}

#[test]
fn every_shipped_pipeline_is_valid_and_every_jurisdiction_has_one() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines");
    let mut codes = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let p = Pipeline::load(&path).unwrap_or_else(|e| panic!("{e}"));
            for s in &p.sources {
                if let SourceConfig::OcdScrape(c) = s {
                    assert!(c.path.exists(), "{}: {} does not exist", path.display(), c.path.display());
                }
            }
            codes.push(p.name);
        }
    }
    for (code, _, _) in statehouse::jurisdictions::STATES {
        assert!(codes.iter().any(|c| c == code), "no pipeline for {code}");
    }
    assert!(codes.iter().any(|c| c == "sample"));
    // California and New York read the legislature's own feed beside Open States.
    for (file, feed) in [("ca.toml", "ca_pubinfo"), ("ny.toml", "ny_lbdc")] {
        let p = Pipeline::load(&shipped(file)).unwrap();
        let kinds: Vec<&str> = p.sources.iter().map(|s| s.kind()).collect();
        assert_eq!(kinds, vec![feed, "openstates"], "{file}");
    }
}

#[tokio::test]
async fn the_sample_pipeline_loads_california_and_new_york_and_a_rerun_changes_nothing() {
    let sample = Pipeline::load(&shipped("sample.toml")).unwrap();
    for db in TestDb::both().await {
        let wh = db.open().await;
        let b = wh.backend();
        let first = run(&wh, &sample, &db.options()).await;
        assert_eq!(first.status, "succeeded", "{b}: {:?}", first.sources);
        let per_state = |state: &str, table: &str| {
            format!(
                "SELECT COUNT(*) FROM {table} WHERE jurisdiction_id = 'ocd-jurisdiction/country:us/state:{state}/government'"
            )
        };
        // California: 5 + 3 + 2 bills of three sessions, their version texts, 28 roll calls
        // with every member's vote.
        assert_eq!(count(&wh, &per_state("ca", "bills")).await, 10, "{b}");
        assert_eq!(count(&wh, &per_state("ca", "votes")).await, 28, "{b}");
        assert_eq!(
            count(&wh, "SELECT COUNT(*) FROM vote_records r JOIN votes v ON v.id = r.vote_id WHERE v.jurisdiction_id LIKE '%state:ca%'").await,
            1271,
            "{b}"
        );
        assert!(
            count(&wh, "SELECT COUNT(*) FROM bill_texts t JOIN bills x ON x.id = t.bill_id WHERE x.jurisdiction_id LIKE '%state:ca%'").await >= 20,
            "{b}"
        );
        // New York: the feed's bills, its committee and floor votes with members, and one
        // hearing per meeting though two sources report them.
        assert_eq!(count(&wh, &per_state("ny", "bills")).await, 2, "{b}");
        assert!(
            count(&wh, "SELECT COUNT(*) FROM vote_records r JOIN votes v ON v.id = r.vote_id WHERE v.jurisdiction_id LIKE '%state:ny%'").await > 400,
            "{b}"
        );
        assert_eq!(
            count(&wh, "SELECT COUNT(*) FROM events WHERE jurisdiction_id LIKE '%state:ny%' AND upstream_id LIKE 'nysenate-agenda-%'").await,
            10,
            "{b}"
        );
        assert_eq!(
            count(&wh, "SELECT COUNT(*) FROM (SELECT entity_id FROM entity_sources WHERE entity_type = 'event' GROUP BY entity_id HAVING COUNT(DISTINCT source_kind) = 2) t").await,
            9,
            "{b}: the scrape's week is nine of the feed's ten meetings"
        );

        // A rerun: every payload unchanged, nothing written.
        let second = run(&wh, &sample, &db.options()).await;
        assert_eq!(second.changes(), 0, "{b}: {:?}", second.sources);
        // Everything read and merged again (another pipeline name: no payload is skipped):
        // still nothing, though two sources describe the same bills, votes and hearings.
        let mut again = sample.clone();
        again.name = "sample-again".into();
        let third = run(&wh, &again, &db.options()).await;
        assert_eq!(third.status, "succeeded", "{b}: {:?}", third.sources);
        assert_eq!(third.changes(), 0, "{b}: {:?}", third.sources);
        wh.close().await;
    }
}
