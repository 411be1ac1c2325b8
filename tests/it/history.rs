//! Full runs into real warehouses (SQLite and PostgreSQL): completeness, idempotence, the
//! exact change events of a change, bad input, and a batch that dies mid-run.

use crate::common::*;
use statehouse::warehouse::Warehouse;
use std::path::Path;

const DE: &str = "ocd-jurisdiction/country:us/state:de/government";

async fn ledger_is_gapless(wh: &Warehouse, backend: &str) {
    let n = count(wh, "SELECT COUNT(*) FROM change_events").await;
    let max = count(wh, "SELECT COALESCE(MAX(seq), 0) FROM change_events").await;
    let min = count(wh, "SELECT COALESCE(MIN(seq), 1) FROM change_events").await;
    assert_eq!((min, max), (1, n), "{backend}: sequence numbers run 1..=count with no gap");
}

#[tokio::test]
async fn sample_run_loads_every_record_and_a_rerun_changes_nothing() {
    for db in TestDb::both().await {
        let wh = db.open().await;
        let b = wh.backend();
        let p = pipeline(db.dir.path(), "sample", &sample_sources());
        let first = run(&wh, &p, &db.options()).await;
        assert_eq!(first.status, "succeeded", "{b}: {:?}", first.sources);

        assert_eq!(count(&wh, "SELECT COUNT(*) FROM bills").await, 150 + 15, "{b}");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM votes").await, 249 + 83, "{b}");
        // Every legislator's record of every vote (5,562 in Delaware, 3,808 in Illinois).
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM vote_records").await, 5562 + 3808, "{b}");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM events").await, 9, "{b}");
        // Arizona's one scraped person, and Delaware's people files (current and former).
        let de_people = ["legislature", "retired"]
            .iter()
            .map(|f| std::fs::read_dir(fixture("openstates-people/de").join(f)).unwrap().count() as i64)
            .sum::<i64>();
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM people").await, 1 + de_people, "{b}");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM jurisdictions").await, 4, "{b}");
        // Illinois votes name their bill as "HB1075": all resolve to the canonical bills.
        assert_eq!(
            count(&wh, "SELECT COUNT(*) FROM votes WHERE jurisdiction_id LIKE '%state:il%' AND bill_id IS NULL").await,
            0,
            "{b}"
        );
        // The one Delaware vote whose bill is not in the scrape is kept, unlinked, and reported.
        assert_eq!(
            rows(&wh, "SELECT bill_identifier FROM votes WHERE bill_id IS NULL").await,
            vec![vec!["SB 51".to_string()]],
            "{b}"
        );
        let w = rows(&wh, "SELECT location, message FROM warnings").await;
        assert_eq!(w.len(), 1, "{b}: {w:?}");
        assert!(
            w[0][0].ends_with("vote_event_1f82ac66-ca8e-11f0-8677-32549feb6cd6.json") && w[0][1].contains("SB 51"),
            "{b}: {w:?}"
        );
        // Options are the normalized seven.
        assert_eq!(
            count(&wh, "SELECT COUNT(*) FROM vote_records WHERE option NOT IN ('yes','no','abstain','absent','excused','not voting','other')").await,
            0
        );
        // Canonical identifiers: no Illinois "HB1075" left.
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM bills WHERE identifier NOT LIKE '% %'").await, 0, "{b}");
        assert_eq!(
            rows(&wh, "SELECT title, latest_action_description FROM bill_status WHERE bill_id = 'ocd-bill-de-153-SB4'")
                .await,
            vec![vec![
                "AN ACT TO AMEND TITLE 29 OF THE DELAWARE CODE RELATING TO THE OFFICE OF INSPECTOR GENERAL."
                    .to_string(),
                "Signed by Governor".to_string()
            ]],
            "{b}"
        );
        let ledger = count(&wh, "SELECT COUNT(*) FROM change_events").await;
        assert_eq!(ledger as u64, first.changes(), "{b}");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM change_events WHERE kind = 'bill_introduced'").await, 165, "{b}");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM change_events WHERE kind = 'vote_recorded'").await, 332, "{b}");
        ledger_is_gapless(&wh, b).await;

        // Rerun: every payload is recognized as unchanged; nothing is written.
        let second = run(&wh, &p, &db.options()).await;
        assert_eq!(second.changes(), 0, "{b}");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM change_events").await, ledger, "{b}");
        let payloads: u64 = second.sources.iter().map(|s| s.payloads).sum();
        let unchanged: u64 = second.sources.iter().map(|s| s.unchanged_payloads).sum();
        assert_eq!(payloads, unchanged, "{b}");

        // The same data under another pipeline is parsed and merged again: still no change.
        let other = pipeline(db.dir.path(), "sample-again", &sample_sources());
        let third = run(&wh, &other, &db.options()).await;
        assert_eq!(third.changes(), 0, "{b}: {:?}", third.sources);
        assert!(third.sources.iter().map(|s| s.counts.unchanged).sum::<u64>() >= 165 + 332, "{b}");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM bills").await, 165, "{b}");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM vote_records").await, 9370, "{b}");
        wh.close().await;
    }
}

fn edit_json(path: &Path, f: impl FnOnce(&mut serde_json::Value)) {
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    f(&mut v);
    std::fs::write(path, serde_json::to_vec(&v).unwrap()).unwrap();
}

#[tokio::test]
async fn one_changed_bill_gives_exactly_its_change_events() {
    for db in TestDb::both().await {
        let wh = db.open().await;
        let b = wh.backend();
        let folder = db.dir.path().join("de");
        copy_dir(&fixture("ocd-scrape/de-153"), &folder);
        let p = pipeline(db.dir.path(), "de", &scrape_source("de", &folder, None));
        run(&wh, &p, &db.options()).await;
        let action_ids =
            rows(&wh, "SELECT id FROM bill_actions WHERE bill_id = 'ocd-bill-de-153-SB4' ORDER BY ordinal").await;
        assert_eq!(action_ids.len(), 17);

        // SB 4 changes upstream: a new title, one more action, one sponsor fewer.
        edit_json(&folder.join("bill_405b6cde-ca8e-11f0-8677-32549feb6cd6.json"), |v| {
            v["title"] = "AN ACT TO AMEND TITLE 29 RELATING TO THE OFFICE OF INSPECTOR GENERAL.".into();
            v["actions"].as_array_mut().unwrap().push(serde_json::json!({
                "description": "Effective Date 2025-10-01", "date": "2025-10-01",
                "organization_id": "~{\"classification\": \"executive\"}", "classification": [], "related_entities": []
            }));
            v["sponsorships"].as_array_mut().unwrap().pop();
        });
        let report = run(&wh, &p, &db.options()).await;
        assert_eq!(report.sources[0].counts.updated, 1, "{b}: {:?}", report.sources);
        let got = rows(
            &wh,
            &format!(
                "SELECT kind, entity_type, bill_id, changes FROM change_events WHERE run_id = {} ORDER BY seq",
                report.run_id
            ),
        )
        .await;
        let kinds: Vec<&str> = got.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(kinds, vec!["bill_changed", "action_added", "sponsor_removed"], "{b}: {got:?}");
        assert!(got.iter().all(|r| r[2] == "ocd-bill-de-153-SB4"), "{b}");
        let changed: serde_json::Value = serde_json::from_str(&got[0][3]).unwrap();
        let mut fields: Vec<&String> = changed.as_object().unwrap().keys().collect();
        fields.sort();
        assert_eq!(fields, vec!["latest_action_date", "latest_action_description", "title"], "{b}");
        assert_eq!(changed["latest_action_description"]["old"], "Signed by Governor");
        assert_eq!(changed["latest_action_description"]["new"], "Effective Date 2025-10-01");
        let added: serde_json::Value = serde_json::from_str(&got[1][3]).unwrap();
        assert_eq!(added["new"]["description"], "Effective Date 2025-10-01");
        let removed: serde_json::Value = serde_json::from_str(&got[2][3]).unwrap();
        assert!(removed["old"]["name"].is_string(), "{b}: {removed}");

        // The 17 actions kept their ids; the new one was added, nothing recreated.
        let after =
            rows(&wh, "SELECT id FROM bill_actions WHERE bill_id = 'ocd-bill-de-153-SB4' ORDER BY ordinal").await;
        assert_eq!(after.len(), 18);
        assert_eq!(&after[..17], &action_ids[..], "{b}");
        assert_eq!(
            count(&wh, "SELECT COUNT(*) FROM bill_sponsorships WHERE bill_id = 'ocd-bill-de-153-SB4'").await,
            20
        );
        ledger_is_gapless(&wh, b).await;
        wh.close().await;
    }
}

#[tokio::test]
async fn a_rescheduled_and_an_added_hearing() {
    for db in TestDb::both().await {
        let wh = db.open().await;
        let b = wh.backend();
        let ny = Some("ocd-jurisdiction/country:us/state:ny/government");
        let v1 = pipeline(db.dir.path(), "ny", &scrape_source("ny", &fixture("ocd-events/ny-agenda-5-2017-v1"), ny));
        run(&wh, &v1, &db.options()).await;
        assert_eq!(
            rows(
                &wh,
                "SELECT status FROM events WHERE upstream_id = 'nysenate-agenda-2017-5-energy-and-telecommunications'"
            )
            .await,
            vec![vec!["cancelled".to_string()]]
        );
        // The agenda is published again: Energy moves to the next morning, Rules is added.
        let v2 = pipeline(db.dir.path(), "ny", &scrape_source("ny", &fixture("ocd-events/ny-agenda-5-2017-v2"), ny));
        let report = run(&wh, &v2, &db.options()).await;
        let got = rows(
            &wh,
            &format!("SELECT kind, changes FROM change_events WHERE run_id = {} ORDER BY seq", report.run_id),
        )
        .await;
        let kinds: Vec<&str> = got.iter().map(|r| r[0].as_str()).collect();
        let mut want = vec!["hearing_changed", "hearing_scheduled"];
        want.extend(std::iter::repeat_n("agenda_item_added", 6));
        assert_eq!(kinds, want, "{b}: {got:?}");
        let moved: serde_json::Value = serde_json::from_str(&got[0][1]).unwrap();
        assert_eq!(moved["start_time"]["old"], "2017-02-06T18:00:00Z", "{b}: 1 pm in Albany");
        assert_eq!(moved["start_time"]["new"], "2017-02-07T14:30:00Z", "{b}: 9:30 am in Albany");
        assert_eq!(moved["status"]["old"], "cancelled");
        assert_eq!(moved["status"]["new"], "confirmed");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM events").await, 10, "{b}: the same hearing, not a new one");
        wh.close().await;
    }
}

#[tokio::test]
async fn a_malformed_file_is_reported_and_the_rest_loads() {
    for db in TestDb::both().await {
        let wh = db.open().await;
        let b = wh.backend();
        let folder = db.dir.path().join("de");
        copy_dir(&fixture("ocd-scrape/de-153"), &folder);
        let bad = folder.join("bill_405b6cde-ca8e-11f0-8677-32549feb6cd6.json");
        let bytes = std::fs::read(&bad).unwrap();
        std::fs::write(&bad, &bytes[..bytes.len() / 3]).unwrap();
        let p = pipeline(db.dir.path(), "de", &scrape_source("de", &folder, None));
        let report = run(&wh, &p, &db.options()).await;
        assert_eq!(report.status, "succeeded", "{b}: a bad record is a warning, not a failure");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM bills").await, 149, "{b}");
        let w =
            rows(&wh, "SELECT location, message FROM warnings WHERE message LIKE '%not a valid OCD bill file%'").await;
        assert_eq!(w.len(), 1, "{b}: {w:?}");
        assert_eq!(w[0][0], bad.display().to_string(), "{b}: the warning names the file");
        // SB 4's votes are kept without their bill, each reported.
        assert!(
            count(&wh, "SELECT COUNT(*) FROM votes WHERE bill_id IS NULL AND bill_identifier = 'SB 4'").await > 0,
            "{b}"
        );
        // Fixed upstream: the next run loads it and links nothing twice.
        std::fs::write(&bad, &bytes).unwrap();
        let report = run(&wh, &p, &db.options()).await;
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM bills").await, 150, "{b}");
        assert_eq!(report.sources[0].counts.inserted, 1, "{b}: {:?}", report.sources);
        wh.close().await;
    }
}

async fn inject_failure(wh: &Warehouse, on: bool) {
    let statements: &[&str] = match (wh.backend(), on) {
        ("sqlite", true) => &[
            "CREATE TRIGGER inject_failure BEFORE INSERT ON bills WHEN NEW.identifier = 'SB 4' BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
        ],
        ("sqlite", false) => &["DROP TRIGGER inject_failure"],
        (_, true) => &[
            "CREATE FUNCTION inject_failure() RETURNS trigger AS $$ BEGIN IF NEW.identifier = 'SB 4' THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER inject_failure BEFORE INSERT ON bills FOR EACH ROW EXECUTE FUNCTION inject_failure()",
        ],
        (_, false) => &["DROP TRIGGER inject_failure ON bills", "DROP FUNCTION inject_failure()"],
    };
    for s in statements {
        wh.query(s).await.unwrap_or_else(|e| panic!("{s}: {e}"));
    }
}

#[tokio::test]
async fn a_batch_that_dies_midway_leaves_nothing_half_written() {
    for db in TestDb::both().await {
        let wh = db.open().await;
        let b = wh.backend();
        let p = pipeline(db.dir.path(), "de", &scrape_source("de", &fixture("ocd-scrape/de-153"), None));
        let mut opts = db.options();
        opts.batch_size = 20;

        // The database fails in the middle of the run (in the batch that holds SB 4).
        inject_failure(&wh, true).await;
        let broken = run(&wh, &p, &opts).await;
        assert_eq!(broken.status, "failed", "{b}");
        assert!(
            broken.sources[0].error.as_deref().unwrap_or("").contains("injected failure"),
            "{b}: {:?}",
            broken.sources[0].error
        );
        let partial = count(&wh, "SELECT COUNT(*) FROM bills").await;
        assert!(partial > 0 && partial < 150 && partial % 20 == 0, "{b}: whole batches only, got {partial}");
        // Nothing of the failed batch: every bill has all its actions, and the ledger matches.
        assert_eq!(
            count(&wh, "SELECT COUNT(*) FROM change_events WHERE kind = 'bill_introduced'").await,
            partial,
            "{b}"
        );
        ledger_is_gapless(&wh, b).await;

        // Rerun after the fault is gone: completes, no duplicates, no gaps.
        inject_failure(&wh, false).await;
        let fixed = run(&wh, &p, &opts).await;
        assert_eq!(fixed.status, "succeeded", "{b}: {:?}", fixed.sources);
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM bills").await, 150, "{b}");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM change_events WHERE kind = 'bill_introduced'").await, 150, "{b}");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM votes").await, 249, "{b}");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM vote_records").await, 5562, "{b}");
        ledger_is_gapless(&wh, b).await;

        // The same ledger as one clean run into an empty warehouse of the same kind.
        let clean_db = if b == "sqlite" { TestDb::sqlite() } else { TestDb::postgres().await };
        let clean = clean_db.open().await;
        run(&clean, &p, &clean_db.options()).await;
        let kinds = "SELECT kind, COUNT(*) FROM change_events GROUP BY kind ORDER BY kind";
        assert_eq!(rows(&wh, kinds).await, rows(&clean, kinds).await, "{b}");
        clean.close().await;
        wh.close().await;
    }
}

#[tokio::test]
async fn a_missing_folder_fails_its_source_and_others_still_run() {
    let db = TestDb::sqlite();
    let wh = db.open().await;
    let sources = [
        scrape_source("gone", &db.dir.path().join("nope"), Some(DE)),
        scrape_source("az", &fixture("ocd-scrape/az-person"), Some(DE)),
    ]
    .concat();
    let p = pipeline(db.dir.path(), "mixed", &sources);
    let report = run(&wh, &p, &db.options()).await;
    assert_eq!(report.status, "failed");
    assert_eq!(report.sources[0].status, "failed");
    assert!(report.sources[0].error.as_deref().unwrap().contains("nope"), "{:?}", report.sources[0].error);
    assert_eq!(report.sources[1].status, "succeeded");
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM people").await, 1);
    wh.close().await;
}

#[tokio::test]
async fn people_loaded_later_are_linked_to_their_votes_and_bills() {
    for db in TestDb::both().await {
        let wh = db.open().await;
        let b = wh.backend();
        let folder = db.dir.path().join("de");
        copy_dir(&fixture("ocd-scrape/de-153"), &folder);
        let p = pipeline(db.dir.path(), "de", &scrape_source("de", &folder, None));
        run(&wh, &p, &db.options()).await;
        assert_eq!(
            count(&wh, "SELECT COUNT(*) FROM vote_records WHERE person_id IS NOT NULL").await,
            0,
            "{b}: no people yet"
        );

        // A person file arrives for a senator who voted (the name as the real roll calls spell it;
        // no real Delaware person file exists, so this one is built from that name).
        let voter = "Darius J. Brown";
        let voted =
            count(&wh, &format!("SELECT COUNT(DISTINCT vote_id) FROM vote_records WHERE voter_name = '{voter}'")).await;
        let sponsored =
            count(&wh, &format!("SELECT COUNT(DISTINCT bill_id) FROM bill_sponsorships WHERE name = '{voter}'")).await;
        assert!(voted > 0, "{b}");
        std::fs::write(
            folder.join("person_0d1f0d2e-0000-4000-8000-000000000001.json"),
            serde_json::json!({"name": voter, "roles": [{"type": "upper", "district": "3"}], "party": [{"name": "Democratic"}], "_id": "0d1f0d2e-0000-4000-8000-000000000001"}).to_string(),
        )
        .unwrap();
        let report = run(&wh, &p, &db.options()).await;
        let kinds = rows(
            &wh,
            &format!(
                "SELECT kind, COUNT(*) FROM change_events WHERE run_id = {} GROUP BY kind ORDER BY kind",
                report.run_id
            ),
        )
        .await;
        let mut want = vec![vec!["person_added".to_string(), "1".to_string()]];
        if sponsored > 0 {
            want.push(vec!["sponsor_changed".to_string(), sponsored.to_string()]);
        }
        want.push(vec!["vote_changed".to_string(), voted.to_string()]);
        want.sort();
        assert_eq!(kinds, want, "{b}");
        assert_eq!(
            count(
                &wh,
                &format!("SELECT COUNT(*) FROM vote_records WHERE voter_name = '{voter}' AND person_id IS NULL")
            )
            .await,
            0,
            "{b}"
        );
        assert_eq!(
            count(&wh, &format!("SELECT COUNT(*) FROM unmatched_voters WHERE voter_name = '{voter}'")).await,
            0,
            "{b}"
        );
        // Linked once: the next run changes nothing.
        assert_eq!(run(&wh, &p, &db.options()).await.changes(), 0, "{b}");
        wh.close().await;
    }
}

#[tokio::test]
async fn the_new_york_feed_loads_and_shares_hearings_with_the_scrape() {
    for db in TestDb::both().await {
        let wh = db.open().await;
        let b = wh.backend();
        let feed = format!(
            "[[source]]\nname = \"ny-feed\"\nkind = \"ny_lbdc\"\npath = \"{}\"\n",
            fixture("state-xml/ny").display()
        );
        let p = pipeline(db.dir.path(), "ny", &feed);
        let report = run(&wh, &p, &db.options()).await;
        assert_eq!(report.status, "succeeded", "{b}: {:?}", report.sources);
        // Two bills (S 5795 of 2015-2016, S 5186 of 2023-2024), the later snapshot of S 5186 winning.
        assert_eq!(
            rows(&wh, "SELECT identifier, session FROM bills ORDER BY identifier").await,
            vec![
                vec!["S 5186".to_string(), "2023-2024".to_string()],
                vec!["S 5795".to_string(), "2015-2016".to_string()]
            ],
            "{b}"
        );
        assert_eq!(
            count(&wh, "SELECT COUNT(*) FROM bill_actions WHERE bill_id = 'ocd-bill-ny-2023-2024-S5186'").await,
            10,
            "{b}"
        );
        // Floor votes link to their bills when the bill is in the feed; committee votes carry members.
        assert!(count(&wh, "SELECT COUNT(*) FROM votes").await >= 27, "{b}");
        assert!(count(&wh, "SELECT COUNT(*) FROM vote_records").await > 400, "{b}");
        // The agenda's meetings, rescheduled one included, once each.
        let meetings = count(&wh, "SELECT COUNT(*) FROM events WHERE upstream_id LIKE 'nysenate-agenda-%'").await;
        assert_eq!(meetings, 10, "{b}");

        // The same meetings from the Open States-shaped (derived) scrape are the same hearings.
        let both = [
            feed.clone(),
            scrape_source(
                "ny-hearings",
                &fixture("ocd-events/ny-agenda-5-2017-v2"),
                Some("ocd-jurisdiction/country:us/state:ny/government"),
            ),
        ]
        .concat();
        let p2 = pipeline(db.dir.path(), "ny", &both);
        let sources_before = rows(&wh, "SELECT id, source_url, description FROM events ORDER BY id").await;
        // The two sources describe a meeting slightly differently (source URL, notes); the
        // state feed outranks the scrape, so the scrape changes nothing the feed delivered.
        let second = run(&wh, &p2, &db.options()).await;
        assert_eq!(second.status, "succeeded", "{b}: {:?}", second.sources);
        assert_eq!(
            count(&wh, "SELECT COUNT(*) FROM events WHERE upstream_id LIKE 'nysenate-agenda-%'").await,
            10,
            "{b}: one hearing, two sources"
        );
        assert_eq!(
            count(
                &wh,
                &format!(
                    "SELECT COUNT(*) FROM change_events WHERE run_id = {} AND entity_type IN ('event', 'agenda_item')",
                    second.run_id
                )
            )
            .await,
            0,
            "{b}: the scrape's copy of the feed's hearings writes no change events"
        );
        assert_eq!(
            rows(&wh, "SELECT id, source_url, description FROM events ORDER BY id").await,
            sources_before,
            "{b}"
        );
        assert_eq!(
            count(
                &wh,
                "SELECT COUNT(*) FROM entity_sources WHERE entity_type = 'event' AND source_kind = 'ocd_scrape'"
            )
            .await,
            10,
            "{b}: the scrape's claim on each hearing is kept"
        );
        assert_eq!(run(&wh, &p2, &db.options()).await.changes(), 0, "{b}");
        wh.close().await;
    }
}

/// The derived New York hearings as Open States publishes real events: its own ids, no LBDC
/// upstream id (the copy is edited at test time).
fn hearings_without_upstream_ids(to: &Path) {
    copy_dir(&fixture("ocd-events/ny-agenda-5-2017-v2"), to);
    for entry in std::fs::read_dir(to).unwrap() {
        let p = entry.unwrap().path();
        if p.file_name().unwrap().to_str().unwrap().starts_with("event_") {
            edit_json(&p, |v| {
                let id = v["_id"].as_str().unwrap().to_string();
                v["upstream_id"] = serde_json::Value::String(String::new());
                v["dedupe_key"] = serde_json::Value::String(format!("ocd-event/{id}"));
            });
        }
    }
}

#[tokio::test]
async fn hearings_from_two_sources_match_by_date_and_committee_in_either_order() {
    for db in TestDb::both().await {
        let wh = db.open().await;
        let b = wh.backend();
        let folder = db.dir.path().join("os-hearings");
        hearings_without_upstream_ids(&folder);
        let feed = format!(
            "[[source]]\nname = \"ny-feed\"\nkind = \"ny_lbdc\"\npath = \"{}\"\n",
            fixture("state-xml/ny").display()
        );
        let os = scrape_source("ny-os", &folder, Some("ocd-jurisdiction/country:us/state:ny/government"));

        // Open States first, then the feed: the feed's meetings are recognized as the same.
        let p = pipeline(db.dir.path(), "ny-os-first", &[os.clone(), feed.clone()].concat());
        let first = run(&wh, &p, &db.options()).await;
        assert_eq!(first.status, "succeeded", "{b}: {:?}", first.sources);
        // Ten committee meetings (both sources) and two floor calendars (the feed only).
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM events").await, 12, "{b}: one hearing per meeting");
        assert_eq!(
            count(&wh, "SELECT COUNT(*) FROM change_events WHERE kind IN ('hearing_scheduled', 'hearing_cancelled')")
                .await,
            12,
            "{b}: each hearing announced once"
        );
        assert_eq!(
            count(&wh, "SELECT COUNT(*) FROM (SELECT entity_id FROM entity_sources WHERE entity_type = 'event' GROUP BY entity_id HAVING COUNT(DISTINCT source_kind) = 2) t").await,
            10,
            "{b}"
        );
        // The feed's word wins on every meeting both report: its upstream id is now the event's.
        assert_eq!(
            count(&wh, "SELECT COUNT(*) FROM events WHERE upstream_id IS NULL OR upstream_id = ''").await,
            0,
            "{b}: {:?}",
            rows(&wh, "SELECT name, source_url, upstream_id FROM events").await
        );

        // Both read again from scratch: nothing moves.
        let again = pipeline(
            db.dir.path(),
            "ny-again",
            &[os.replace("ny-os", "ny-os-2"), feed.replace("ny-feed", "ny-feed-2")].concat(),
        );
        let rerun = run(&wh, &again, &db.options()).await;
        assert_eq!(rerun.changes(), 0, "{b}: {:?}", rerun.sources);
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM events").await, 12, "{b}");
        wh.close().await;
    }
    // The feed first, then Open States: Open States' copies write nothing.
    let db = TestDb::sqlite();
    let wh = db.open().await;
    let folder = db.dir.path().join("os-hearings");
    hearings_without_upstream_ids(&folder);
    let feed = format!(
        "[[source]]\nname = \"ny-feed\"\nkind = \"ny_lbdc\"\npath = \"{}\"\n",
        fixture("state-xml/ny").display()
    );
    run(&wh, &pipeline(db.dir.path(), "ny-feed", &feed), &db.options()).await;
    let os = scrape_source("ny-os", &folder, Some("ocd-jurisdiction/country:us/state:ny/government"));
    let report = run(&wh, &pipeline(db.dir.path(), "ny-os", &os), &db.options()).await;
    assert_eq!(report.status, "succeeded", "{:?}", report.sources);
    assert_eq!(report.changes(), 0, "{:?}", report.sources);
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM events").await, 12);
    assert_eq!(
        count(&wh, "SELECT COUNT(*) FROM (SELECT entity_id FROM entity_sources WHERE entity_type = 'event' GROUP BY entity_id HAVING COUNT(DISTINCT source_kind) = 2) t").await,
        10
    );
    wh.close().await;
}
