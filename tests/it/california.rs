//! California's pubinfo export (tests/fixtures/ca-pubinfo, real), alone and together with
//! Open States-shaped output for the same bills (tests/fixtures/ocd-scrape/ca-19992000-derived,
//! derived from the same real tables by its derive.py): one bill, one set of votes, and the
//! state feed's word first. And the download: a zip from a local server, then a 304.

use crate::common::*;
use std::io::Write;
use wiremock::matchers::{header, method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CA: &str = "ocd-jurisdiction/country:us/state:ca/government";

fn feed_source(name: &str, folder: &str) -> String {
    format!(
        "[[source]]\nname = \"{name}\"\nkind = \"ca_pubinfo\"\npath = \"{}\"\n",
        fixture(&format!("ca-pubinfo/{folder}")).display()
    )
}

fn open_states_source(name: &str) -> String {
    scrape_source(name, &fixture("ocd-scrape/ca-19992000-derived"), Some(CA))
}

/// Lines of a fixture table (one record per line).
fn table_rows(file: &str) -> i64 {
    std::fs::read_to_string(fixture(&format!("ca-pubinfo/1999-2000/{file}")))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count() as i64
}

#[tokio::test]
async fn one_bill_one_set_of_votes_from_open_states_and_the_state_feed() {
    let roll_calls = table_rows("BILL_SUMMARY_VOTE_TBL.dat");
    let member_votes = table_rows("BILL_DETAIL_VOTE_TBL.dat");
    for db in TestDb::both().await {
        let wh = db.open().await;
        let b = wh.backend();
        // Open States first (as when a state feed is added to a running pipeline), then the feed.
        let both = [open_states_source("ca-os"), feed_source("ca-feed", "1999-2000")].concat();
        let p = pipeline(db.dir.path(), "ca", &both);
        let first = run(&wh, &p, &db.options()).await;
        assert_eq!(first.status, "succeeded", "{b}: {:?}", first.sources);

        assert_eq!(
            rows(&wh, "SELECT identifier, session FROM bills ORDER BY id").await,
            vec![
                vec!["AB 1".to_string(), "19992000".to_string()],
                vec!["SB 1".to_string(), "19992000 Special Session 1".to_string()],
                vec!["SB 2".to_string(), "19992000 Special Session 1".to_string()],
            ],
            "{b}"
        );
        // Each source keeps its own key for each bill.
        assert_eq!(
            rows(
                &wh,
                "SELECT source_kind, source_key FROM bill_sources WHERE bill_id LIKE '%-AB1' ORDER BY source_kind"
            )
            .await,
            vec![
                vec!["ca_pubinfo".to_string(), "199920000AB1".to_string()],
                vec!["ocd_scrape".to_string(), "ocd-bill-ca-19992000-AB1".to_string()],
            ],
            "{b}"
        );
        // One vote per roll call, each recorded once in the ledger, with every member's vote.
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM votes").await, roll_calls, "{b}");
        assert_eq!(
            count(&wh, "SELECT COUNT(*) FROM change_events WHERE kind = 'vote_recorded'").await,
            roll_calls,
            "{b}"
        );
        assert_eq!(
            count(&wh, "SELECT COUNT(*) FROM (SELECT entity_id FROM change_events WHERE kind = 'vote_recorded' GROUP BY entity_id HAVING COUNT(*) > 1) t").await,
            0,
            "{b}"
        );
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM vote_records").await, member_votes, "{b}");
        assert_eq!(
            count(&wh, "SELECT COUNT(*) FROM (SELECT entity_id FROM entity_sources WHERE entity_type = 'vote' GROUP BY entity_id HAVING COUNT(DISTINCT source_kind) = 2) t").await,
            roll_calls,
            "{b}: every roll call is claimed by both sources"
        );
        // Nine Assembly votes on SB 1 on 22 March 1999, seven of them sharing tallies (43-31
        // three times, 44-31 and 42-31 twice): told apart by their motions, one vote each.
        assert_eq!(
            count(&wh, "SELECT COUNT(*) FROM votes WHERE bill_id LIKE '%SB1' AND date = '1999-03-22' AND organization = 'lower'").await,
            9,
            "{b}"
        );
        // The feed's word wins: its per-member record, its actions (as California writes them).
        assert_eq!(
            rows(&wh, "SELECT r.option FROM vote_records r JOIN votes v ON v.id = r.vote_id WHERE r.voter_name = 'Thompson' AND v.motion = 'Motion 113445'").await,
            vec![vec!["no".to_string()]],
            "{b}"
        );
        assert_eq!(
            rows(&wh, "SELECT latest_action_description FROM bills WHERE id LIKE '%-AB1'").await,
            vec![vec!["Chaptered by Secretary of State - Chapter 191, Statutes of 1999.".to_string()]],
            "{b}"
        );
        // Version texts from the CAML files the sample has.
        assert!(count(&wh, "SELECT COUNT(*) FROM bill_texts t JOIN bill_versions v ON v.id = t.id").await > 0, "{b}");
        assert_eq!(
            count(&wh, "SELECT COUNT(*) FROM bill_versions v LEFT JOIN bill_texts t ON t.id = v.id WHERE (v.text_sha256 IS NULL) <> (t.id IS NULL)").await,
            0,
            "{b}: a version has a text exactly when it names one"
        );

        // Both sources read again from scratch (new source names: no payload is skipped): the
        // feed's parts stay, Open States changes nothing it covers.
        let again = [open_states_source("ca-os-again"), feed_source("ca-feed-again", "1999-2000")].concat();
        let p2 = pipeline(db.dir.path(), "ca-again", &again);
        let rerun = run(&wh, &p2, &db.options()).await;
        assert_eq!(rerun.status, "succeeded", "{b}: {:?}", rerun.sources);
        assert_eq!(rerun.changes(), 0, "{b}: {:?}", rerun.sources);
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM votes").await, roll_calls, "{b}");
        wh.close().await;
    }
}

#[tokio::test]
async fn the_state_feed_first_then_open_states_only_fills_in_chambers() {
    let roll_calls = table_rows("BILL_SUMMARY_VOTE_TBL.dat");
    for db in TestDb::both().await {
        let wh = db.open().await;
        let b = wh.backend();
        let feed_only = pipeline(db.dir.path(), "ca-feed", &feed_source("ca-feed", "1999-2000"));
        assert_eq!(run(&wh, &feed_only, &db.options()).await.status, "succeeded", "{b}");
        let ledger = count(&wh, "SELECT COUNT(*) FROM change_events").await;
        let os = pipeline(db.dir.path(), "ca-os", &open_states_source("ca-os"));
        let no_chamber = "SELECT COUNT(*) FROM bill_actions WHERE organization IS NULL";
        let actions = count(&wh, "SELECT COUNT(*) FROM bill_actions").await;
        assert_eq!(count(&wh, no_chamber).await, actions, "{b}: the 1999 feed gives no action a chamber");
        let report = run(&wh, &os, &db.options()).await;
        assert_eq!(report.status, "succeeded", "{b}: {:?}", report.sources);
        // Open States changes nothing the feed delivered; it only fills in what the feed
        // lacks (the actions' chambers), once, so both orders of arrival end the same.
        let kinds =
            rows(&wh, &format!("SELECT kind, COUNT(*) FROM change_events WHERE seq > {ledger} GROUP BY kind")).await;
        assert_eq!(kinds, vec![vec!["action_changed".to_string(), actions.to_string()]], "{b}");
        let fields = rows(&wh, &format!("SELECT DISTINCT changes FROM change_events WHERE seq > {ledger}")).await;
        for f in &fields {
            let v: serde_json::Value = serde_json::from_str(&f[0]).unwrap();
            let m = v.as_object().unwrap();
            assert_eq!(m.keys().collect::<Vec<_>>(), vec!["organization"], "{b}: {v}");
            assert!(m["organization"]["old"].is_null() && m["organization"]["new"].is_string(), "{b}: {v}");
        }
        assert_eq!(count(&wh, no_chamber).await, 0, "{b}");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM bill_actions").await, actions, "{b}");
        // And again, from scratch under other names: nothing.
        let again = [open_states_source("ca-os-2"), feed_source("ca-feed-2", "1999-2000")].concat();
        let rerun = run(&wh, &pipeline(db.dir.path(), "ca-again", &again), &db.options()).await;
        assert_eq!(rerun.changes(), 0, "{b}: {:?}", rerun.sources);
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM votes").await, roll_calls, "{b}");
        assert_eq!(
            count(&wh, "SELECT COUNT(*) FROM entity_sources WHERE source_kind = 'ocd_scrape'").await,
            3 + roll_calls,
            "{b}"
        );
        wh.close().await;
    }
}

/// The 2025-26 fixture folder as a deflated zip, the way the Legislative Counsel serves it.
fn zip_of(folder: &str) -> Vec<u8> {
    let dir = fixture(&format!("ca-pubinfo/{folder}"));
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    for p in names {
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        if name == "PROVENANCE.md" {
            continue;
        }
        zip.start_file(name, options).unwrap();
        zip.write_all(&std::fs::read(&p).unwrap()).unwrap();
    }
    zip.finish().unwrap();
    out.into_inner()
}

#[tokio::test]
async fn the_daily_export_is_downloaded_and_not_again_when_unchanged() {
    let server = MockServer::start().await;
    let body = zip_of("2025-2026");
    Mock::given(method("GET"))
        .and(path_regex(r"^/pubinfo_daily_(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\.zip$"))
        .and(header("if-none-match", "\"export-1\""))
        .respond_with(ResponseTemplate::new(304))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/pubinfo_daily_(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\.zip$"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(body, "application/zip").insert_header("ETag", "\"export-1\""),
        )
        .with_priority(2)
        .mount(&server)
        .await;

    let db = TestDb::sqlite();
    let wh = db.open().await;
    let source = format!("[[source]]\nname = \"ca-daily\"\nkind = \"ca_pubinfo\"\nbase_url = \"{}\"\n", server.uri());
    let p = pipeline(db.dir.path(), "ca", &source);
    let first = run(&wh, &p, &db.options()).await;
    assert_eq!(first.status, "succeeded", "{:?}", first.sources);
    assert_eq!(first.sources[0].requests, 1);
    assert_eq!(
        rows(&wh, "SELECT identifier, title FROM bills ORDER BY identifier").await,
        vec![
            vec!["AB 831".to_string(), "Gambling: operation of a contest or sweepstakes.".to_string()],
            vec!["SB 275".to_string(), "Eligible training provider list.".to_string()],
        ]
    );
    // Every version of the sample has its CAML file: every version has its text.
    assert_eq!(
        count(&wh, "SELECT COUNT(*) FROM bill_versions v JOIN bill_texts t ON t.id = v.id").await,
        count(&wh, "SELECT COUNT(*) FROM bill_versions").await
    );
    assert!(count(&wh, "SELECT COUNT(*) FROM bill_versions").await >= 9);
    // The veto message is a document; its file is not in the sample, and the warning says so.
    assert_eq!(
        count(
            &wh,
            "SELECT COUNT(*) FROM bill_documents WHERE classification = 'veto-message' AND bill_id LIKE '%SB275'"
        )
        .await,
        1
    );
    assert!(
        rows(&wh, "SELECT message FROM warnings").await.iter().any(|r| r[0].contains("VETO_MESSAGE_TBL_1.lob")),
        "{:?}",
        rows(&wh, "SELECT location, record, message FROM warnings").await
    );
    // The raw zip is archived under its hash, and recorded as the loaded payload.
    let sha = rows(&wh, "SELECT sha256 FROM raw_payloads WHERE loaded").await;
    assert_eq!(sha.len(), 1);
    assert!(db.data_dir().join("raw").join(&sha[0][0][..2]).join(&sha[0][0]).exists());

    let second = run(&wh, &p, &db.options()).await;
    assert_eq!(second.status, "succeeded", "{:?}", second.sources);
    assert_eq!(second.sources[0].unchanged_payloads, 1, "a 304: nothing to read");
    assert_eq!(second.changes(), 0);
    wh.close().await;
}

#[tokio::test]
async fn a_zip_on_disk_loads_like_its_folder_and_is_archived() {
    let db = TestDb::sqlite();
    let wh = db.open().await;
    let zip_path = db.dir.path().join("pubinfo_1999.zip");
    std::fs::write(&zip_path, zip_of("1999-2000")).unwrap();
    let source = format!("[[source]]\nname = \"ca-zip\"\nkind = \"ca_pubinfo\"\npath = \"{}\"\n", zip_path.display());
    let p = pipeline(db.dir.path(), "ca", &source);
    let first = run(&wh, &p, &db.options()).await;
    assert_eq!(first.status, "succeeded", "{:?}", first.sources);
    let from_zip = rows(&wh, "SELECT id, bundle_hash FROM bills ORDER BY id").await;
    assert_eq!(from_zip.len(), 3);
    let sha = statehouse::hash::sha256_file(&zip_path).unwrap();
    assert!(db.data_dir().join("raw").join(&sha[..2]).join(&sha).exists());
    assert!(zip_path.exists(), "the operator's file stays where it is");
    assert_eq!(run(&wh, &p, &db.options()).await.sources[0].unchanged_payloads, 1);
    wh.close().await;

    // The same export as a folder gives the same bills, to the hash.
    let db = TestDb::sqlite();
    let wh = db.open().await;
    let p = pipeline(db.dir.path(), "ca", &feed_source("ca-folder", "1999-2000"));
    run(&wh, &p, &db.options()).await;
    assert_eq!(rows(&wh, "SELECT id, bundle_hash FROM bills ORDER BY id").await, from_zip);
    wh.close().await;
}
