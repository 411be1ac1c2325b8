//! LegiScan dataset zips (tests/fixtures/legiscan-dataset/csv-zips, real): Minnesota's 2025-26
//! session whole, every roll call and person vote; a rerun and a re-parse that change nothing;
//! crafted zips (a bomb, an escaping entry) rejected with errors naming them while the good
//! zips beside them load.

use crate::common::*;
use std::io::{Read, Write};

const MN_REGULAR: &str = "MN_2025-2026_94th_Legislature_CSV_20250624_a1687132784c08697da95392252b72ea.zip";
const MN_SPECIAL: &str =
    "MN_2025-2025_94th_Legislature_1st_Special_Session_CSV_20250614_05f51f1fee23afa7a99f72383554d02e.zip";

fn zip_path(name: &str) -> std::path::PathBuf {
    fixture(&format!("legiscan-dataset/csv-zips/{name}"))
}

fn source(name: &str, path: &std::path::Path, extra: &str) -> String {
    format!("[[source]]\nname = \"{name}\"\nkind = \"legiscan_dataset\"\npath = \"{}\"\n{extra}", path.display())
}

/// Data rows of one CSV table in a dataset zip (records, not lines: quoted fields may span
/// lines), counted here from the raw bytes, independently of the parser.
fn csv_records(zip: &str, table: &str) -> i64 {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(zip_path(zip)).unwrap()).unwrap();
    let name = (0..archive.len())
        .map(|i| archive.by_index(i).unwrap().name().unwrap().to_string())
        .find(|n| n.ends_with(&format!("/csv/{table}")))
        .unwrap();
    let mut text = String::new();
    archive.by_name(&name).unwrap().read_to_string(&mut text).unwrap();
    let (mut records, mut quoted) = (0, false);
    for line in text.lines() {
        if !quoted && !line.is_empty() {
            records += 1;
        }
        quoted ^= line.matches('"').count() % 2 == 1;
    }
    records - 1
}

#[tokio::test]
async fn minnesota_2025_26_whole_then_a_rerun_and_a_reparse_that_change_nothing() {
    let bills = csv_records(MN_REGULAR, "bills.csv");
    let roll_calls = csv_records(MN_REGULAR, "rollcalls.csv");
    let person_votes = csv_records(MN_REGULAR, "votes.csv");
    let actions = csv_records(MN_REGULAR, "history.csv");
    assert_eq!((bills, roll_calls, person_votes), (6958, 277, 30628));
    for db in TestDb::both().await {
        let wh = db.open().await;
        let b = wh.backend();
        let p = pipeline(db.dir.path(), "mn", &source("mn-legiscan", &zip_path(MN_REGULAR), ""));
        let first = run(&wh, &p, &db.options()).await;
        assert_eq!(first.status, "succeeded", "{b}: {:?}", first.sources);
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM bills").await, bills, "{b}");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM votes").await, roll_calls, "{b}");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM vote_records").await, person_votes, "{b}");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM bill_actions").await, actions, "{b}");
        // Every roll call found its bill, every person vote its legislator.
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM votes WHERE bill_id IS NULL").await, 0, "{b}");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM vote_records WHERE person_id IS NULL").await, 0, "{b}");
        assert_eq!(
            rows(&wh, "SELECT DISTINCT jurisdiction_id, session FROM bills").await,
            vec![vec![
                "ocd-jurisdiction/country:us/state:mn/government".to_string(),
                "2025-2026 94th Legislature".to_string()
            ]],
            "{b}"
        );
        // One real roll call, read by hand from rollcalls.csv and votes.csv: roll call 1523970,
        // "House: Passage" of 2025-03-20, 119 yeas and 12 nays, 131 person votes.
        assert_eq!(
            rows(
                &wh,
                "SELECT v.motion, CAST(v.date AS TEXT), v.result, \
                        (SELECT COUNT(*) FROM vote_records r WHERE r.vote_id = v.id AND r.option = 'yes'), \
                        (SELECT COUNT(*) FROM vote_records r WHERE r.vote_id = v.id AND r.option = 'no'), \
                        (SELECT COUNT(*) FROM vote_records r WHERE r.vote_id = v.id) \
                 FROM votes v WHERE v.id IN (SELECT entity_id FROM entity_sources \
                     WHERE entity_type = 'vote') AND v.dedupe_key = 'legiscan:1523970'",
            )
            .await,
            vec![["House: Passage", "2025-03-20", "", "119", "12", "131"].map(String::from).to_vec()],
            "{b}"
        );
        let events = count(&wh, "SELECT COUNT(*) FROM change_events").await;
        let again = run(&wh, &p, &db.options()).await;
        assert_eq!(again.status, "succeeded", "{b}");
        assert_eq!(again.sources[0].unchanged_payloads, 1, "{b}");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM change_events").await, events, "{b}: the rerun wrote changes");

        // Another pipeline reading the same zip parses it again: still nothing changes.
        let other = pipeline(db.dir.path(), "mn-again", &source("mn-legiscan", &zip_path(MN_REGULAR), ""));
        let reparse = run(&wh, &other, &db.options()).await;
        assert_eq!(reparse.status, "succeeded", "{b}");
        assert_eq!(reparse.sources[0].unchanged_payloads, 0, "{b}");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM change_events").await, events, "{b}: the re-parse wrote changes");
    }
}

/// The entries of a real dataset zip.
fn entries_of(name: &str) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(zip_path(name)).unwrap()).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut f = archive.by_index(i).unwrap();
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).unwrap();
            (f.name().unwrap().to_string(), bytes)
        })
        .collect()
}

fn write_zip(path: &std::path::Path, entries: &[(String, Vec<u8>)]) {
    let mut writer = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        writer.start_file(name.as_str(), options).unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap();
}

#[tokio::test]
async fn a_zip_bomb_and_an_escaping_entry_are_rejected_and_the_good_zip_beside_them_loads() {
    let db = TestDb::sqlite();
    let wh = db.open().await;
    let folder = db.dir.path().join("datasets");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::copy(zip_path(MN_SPECIAL), folder.join(MN_SPECIAL)).unwrap();
    // A bomb: the real special session, plus 64 MiB of zeros (about 64 KiB deflated) in one entry.
    let mut bomb = entries_of(MN_SPECIAL);
    let root = bomb[0].0.split("/csv/").next().unwrap().to_string();
    bomb.push((format!("{root}/csv/filler.csv"), vec![0u8; 64 << 20]));
    write_zip(&folder.join("bomb.zip"), &bomb);
    assert!(std::fs::metadata(folder.join("bomb.zip")).unwrap().len() < 1 << 20);
    // An entry climbing out of the folder it would be unpacked into.
    let mut escape = entries_of(MN_SPECIAL);
    escape.push(("MN/../../etc/cron.d/evil".to_string(), b"* * * * * root true\n".to_vec()));
    write_zip(&folder.join("escape.zip"), &escape);

    // Open States calls this session `2025s1`: named so, its bills are the same rows as Open States'.
    let extra = "max_unpacked_bytes = 16777216\n\
                 session_names = { \"2025-2025 94th Legislature 1st Special Session\" = \"2025s1\" }\n";
    let p = pipeline(db.dir.path(), "mn", &source("mn", &folder, extra));
    let report = run(&wh, &p, &db.options()).await;
    let s = &report.sources[0];
    assert_eq!(s.status, "failed", "{s:?}");
    let error = s.error.clone().unwrap();
    assert!(error.contains("bomb.zip") && error.contains("filler.csv") && error.contains("zip bomb"), "{error}");
    assert!(
        error.contains("escape.zip") && error.contains("MN/../../etc/cron.d/evil") && error.contains("rejected"),
        "{error}"
    );
    // The good zip loaded whole; nothing of the rejected ones did.
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM bills").await, csv_records(MN_SPECIAL, "bills.csv"));
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM votes").await, csv_records(MN_SPECIAL, "rollcalls.csv"));
    assert_eq!(rows(&wh, "SELECT DISTINCT session FROM bills").await, vec![vec!["2025s1".to_string()]]);
    assert_eq!(
        count(&wh, "SELECT COUNT(*) FROM bills WHERE id LIKE 'ocd-bill-mn-2025s1-%'").await,
        count(&wh, "SELECT COUNT(*) FROM bills").await
    );
    assert_eq!(
        count(&wh, "SELECT COUNT(*) FROM raw_payloads WHERE location LIKE '%bomb.zip' OR location LIKE '%escape.zip'")
            .await,
        0
    );
    assert!(!db.dir.path().join("etc").exists());
    // The rejection is a warning too, naming the zip, so `statehouse warnings` shows it.
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM warnings WHERE location LIKE '%bomb.zip'").await, 1);
}
