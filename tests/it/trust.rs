//! The ledger says only what happened: a removal only from a complete delivery, never a
//! jurisdiction rewritten from a configuration, one jurisdiction and one legislator however a
//! pipeline names them, and operators told about partial deliveries. (The table-driven damage
//! cases are in `faults.rs`.)

use crate::common::*;
use statehouse::fetch::FetchOptions;
use std::path::Path;
use std::time::Duration;

const DE: &str = "ocd-jurisdiction/country:us/state:de/government";

fn ca_source(name: &str, path: &Path) -> String {
    format!("[[source]]\nname = \"{name}\"\nkind = \"ca_pubinfo\"\npath = \"{}\"\n", path.display())
}

/// Kinds of the change events after `seq`, with their counts, in kind order.
async fn kinds_after(wh: &statehouse::warehouse::Warehouse, seq: i64) -> Vec<Vec<String>> {
    rows(wh, &format!("SELECT kind, COUNT(*) FROM change_events WHERE seq > {seq} GROUP BY kind ORDER BY kind")).await
}

async fn last_seq(wh: &statehouse::warehouse::Warehouse) -> i64 {
    count(wh, "SELECT COALESCE(MAX(seq), 0) FROM change_events").await
}

/// A California export in which one history row really disappears (derived from the real
/// 1999-2000 tables by deleting one line of `BILL_HISTORY_TBL.dat`): the history table is whole,
/// so it is authoritative for the actions of its bills, and exactly that action is removed.
#[tokio::test]
async fn a_history_row_that_really_disappears_is_removed_and_nothing_else() {
    for db in TestDb::both().await {
        let wh = db.open().await;
        let b = wh.backend();
        let export = db.dir.path().join("export");
        copy_dir(&fixture("ca-pubinfo/1999-2000"), &export);
        let p = pipeline(db.dir.path(), "ca", &ca_source("ca", &export));
        assert_eq!(run(&wh, &p, &db.options()).await.status, "succeeded", "{b}");
        let actions = count(&wh, "SELECT COUNT(*) FROM bill_actions").await;

        // SB 2's "Read first time." goes, as if the Legislative Counsel had deleted it.
        let history = export.join("BILL_HISTORY_TBL.dat");
        let text = std::fs::read_to_string(&history).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let gone = lines
            .iter()
            .position(|l| l.contains("SB2") && l.contains("Read first time."))
            .unwrap_or_else(|| panic!("{b}: SB 2's first reading is in the fixture"));
        let kept: Vec<&str> = lines.iter().enumerate().filter(|(i, _)| *i != gone).map(|(_, l)| *l).collect();
        std::fs::write(&history, kept.join("\n") + "\n").unwrap();
        let seq = last_seq(&wh).await;
        let report = run(&wh, &p, &db.options()).await;
        assert_eq!(report.status, "succeeded", "{b}: {:?}", report.sources);
        assert_eq!(report.sources[0].status, "succeeded", "{b}: a whole export is not partial");
        assert_eq!(kinds_after(&wh, seq).await, vec![vec!["action_removed".to_string(), "1".to_string()]], "{b}");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM bill_actions").await, actions - 1, "{b}");
        let removed = rows(&wh, &format!("SELECT bill_id, changes FROM change_events WHERE seq > {seq}")).await;
        assert!(removed[0][0].ends_with("-SB2"), "{b}: {removed:?}");
        assert!(removed[0][1].contains("Read first time."), "{b}: {removed:?}");
        wh.close().await;
    }
}

/// A source that fails (a closed port) and a calendar that names a jurisdiction know nothing
/// of its address or division: the row the jurisdiction's own file wrote stays as it was.
#[tokio::test]
async fn a_failed_source_or_a_calendar_never_rewrites_a_jurisdiction() {
    // SAFETY of the test: a variable of this test's own, set before any thread reads it.
    unsafe { std::env::set_var("STATEHOUSE_TEST_TRUST_OS_KEY", "not-a-secret") };
    for db in TestDb::both().await {
        let wh = db.open().await;
        let b = wh.backend();
        let scrape = pipeline(db.dir.path(), "de", &scrape_source("de", &fixture("ocd-scrape/de-153"), None));
        assert_eq!(run(&wh, &scrape, &db.options()).await.status, "succeeded", "{b}");
        let before =
            rows(&wh, &format!("SELECT name, classification, division_id, url FROM jurisdictions WHERE id = '{DE}'"))
                .await;
        assert!(!before[0][2].is_empty() && !before[0][3].is_empty(), "{b}: {before:?}");
        let seq = last_seq(&wh).await;

        // Nothing listens on port 9 of the loopback address.
        let closed = "[[source]]\nname = \"de-api\"\nkind = \"openstates\"\njurisdiction = \"de\"\n\
                      base_url = \"http://127.0.0.1:9\"\napi_key_env = \"STATEHOUSE_TEST_TRUST_OS_KEY\"\n";
        let calendar = format!(
            "[[source]]\nname = \"de-ical\"\nkind = \"ical\"\njurisdiction = \"de\"\npath = \"{}\"\n",
            fixture("ics/det_board_of_education.ics").display()
        );
        let p = pipeline(db.dir.path(), "de-more", &format!("{closed}{calendar}"));
        let mut opts = db.options();
        opts.fetch = FetchOptions { max_attempts: 1, timeout: Duration::from_secs(5), ..FetchOptions::default() };
        let report = run(&wh, &p, &opts).await;
        assert_eq!(report.sources[0].status, "failed", "{b}: {:?}", report.sources);
        assert_eq!(report.sources[1].status, "succeeded", "{b}: {:?}", report.sources);
        let after =
            rows(&wh, &format!("SELECT name, classification, division_id, url FROM jurisdictions WHERE id = '{DE}'"))
                .await;
        assert_eq!(after, before, "{b}");
        assert_eq!(
            count(
                &wh,
                &format!("SELECT COUNT(*) FROM change_events WHERE seq > {seq} AND entity_type = 'jurisdiction'")
            )
            .await,
            0,
            "{b}"
        );
        wh.close().await;
    }
}

/// `jurisdiction = "az"` and the OCD id name one jurisdiction: one row, one legislator.
#[tokio::test]
async fn a_state_code_and_an_ocd_id_are_one_jurisdiction_and_one_legislator() {
    for db in TestDb::both().await {
        let wh = db.open().await;
        let b = wh.backend();
        let folder = fixture("ocd-scrape/az-person");
        let sources = [
            scrape_source("az-code", &folder, Some("az")),
            scrape_source("az-id", &folder, Some("ocd-jurisdiction/country:us/state:az/government")),
        ]
        .concat();
        let p = pipeline(db.dir.path(), "az", &sources);
        assert_eq!(run(&wh, &p, &db.options()).await.status, "succeeded", "{b}");
        assert_eq!(
            rows(&wh, "SELECT id FROM jurisdictions").await,
            vec![vec!["ocd-jurisdiction/country:us/state:az/government".to_string()]],
            "{b}"
        );
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM people").await, 1, "{b}");

        // A code that names no jurisdiction is refused, naming it.
        let p = pipeline(db.dir.path(), "zz", &scrape_source("zz", &folder, Some("arizona")));
        let report = run(&wh, &p, &db.options()).await;
        assert_eq!(report.sources[0].status, "failed", "{b}");
        assert!(
            report.sources[0].error.as_deref().unwrap_or_default().contains("\"arizona\""),
            "{b}: {:?}",
            report.sources
        );
        wh.close().await;
    }
}

/// An export whose history table is cut short: the run is `partial` (every run, until a whole
/// export comes), `statehouse status` names the damaged table, and after `alert_after` partial
/// runs in a row the operators are alerted, once.
#[tokio::test]
async fn a_partial_source_is_shown_and_alerts_the_operators() {
    let db = TestDb::sqlite();
    let wh = db.open().await;
    let export = db.dir.path().join("export");
    copy_dir(&fixture("ca-pubinfo/1999-2000"), &export);
    let history = export.join("BILL_HISTORY_TBL.dat");
    let bytes = std::fs::read(&history).unwrap();
    std::fs::write(&history, &bytes[..bytes.len() / 2]).unwrap();
    let path = pipeline_file(
        db.dir.path(),
        "ca",
        "America/Los_Angeles",
        &format!("alert_after = 2\n{}", ca_source("ca", &export)),
    );
    let p = statehouse::config::Pipeline::load(&path).unwrap();
    for n in 1..=3 {
        let report = run(&wh, &p, &db.options()).await;
        assert_eq!(report.sources[0].status, "partial", "run {n}: {:?}", report.sources);
        assert_eq!(report.status, "succeeded", "run {n}");
        assert!(
            report.warnings.iter().any(|(_, w)| w.to_string().contains("BILL_HISTORY_TBL.dat line")),
            "run {n}: {:?}",
            report.warnings
        );
        let raised = statehouse::ops::check_after_run(&wh, &p, &report).await.unwrap();
        assert_eq!(raised.len(), usize::from(n == 2), "run {n}: {raised:?}");
        if n == 2 {
            assert_eq!(raised[0].kind, "partial");
            assert!(raised[0].message.contains("partial"), "{}", raised[0].message);
        }
    }
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM change_events WHERE kind LIKE '%_removed'").await, 0);
    wh.close().await;

    let out = statehouse_command(&db).args(["status", &path.display().to_string()]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Partial deliveries"), "{stdout}");
    assert!(stdout.contains("BILL_HISTORY_TBL.dat"), "{stdout}");
}

/// Kansas' 2024 special session has a Senator and a Representative both named Mike Thompson
/// (LegiScan people 21512 and 24862): two people, told apart by chamber and district, on both
/// backends (one id for both made PostgreSQL refuse the batch), and a re-parse changes nothing.
#[tokio::test]
async fn two_legislators_of_one_name_are_two_people() {
    let zip = fixture(
        "legiscan-dataset/csv-zips/KS_2024-2024_Special_Session_CSV_20240618_d1085420cbf100b97298278dc99e5c9d.zip",
    );
    for db in TestDb::both().await {
        let wh = db.open().await;
        let b = wh.backend();
        let source = |name: &str| {
            format!("[[source]]\nname = \"{name}\"\nkind = \"legiscan_dataset\"\npath = \"{}\"\n", zip.display())
        };
        let first = run(&wh, &pipeline(db.dir.path(), "ks", &source("ks")), &db.options()).await;
        assert_eq!(first.status, "succeeded", "{b}: {:?}", first.sources);
        assert_eq!(
            rows(&wh, "SELECT name, chamber, district FROM people WHERE name = 'Mike Thompson' ORDER BY chamber").await,
            vec![
                vec!["Mike Thompson".to_string(), "lower".to_string(), "HD-033".to_string()],
                vec!["Mike Thompson".to_string(), "upper".to_string(), "SD-010".to_string()],
            ],
            "{b}"
        );
        let again = run(&wh, &pipeline(db.dir.path(), "ks-again", &source("ks-again")), &db.options()).await;
        assert_eq!(again.changes(), 0, "{b}: {:?}", again.sources);
        wh.close().await;
    }
}

/// A file over the size cap is left out, named, and the delivery is partial: what the warehouse
/// holds of it stays.
#[tokio::test]
async fn a_file_over_the_size_cap_is_left_out_and_removes_nothing() {
    let db = TestDb::sqlite();
    let wh = db.open().await;
    let folder = db.dir.path().join("de");
    copy_dir(&fixture("ocd-scrape/de-153"), &folder);
    let p = pipeline(db.dir.path(), "de", &scrape_source("de", &folder, None));
    assert_eq!(run(&wh, &p, &db.options()).await.status, "succeeded");
    let seq = last_seq(&wh).await;
    // Every file changes (a trailing space), and the cap is below the largest bill file.
    let bill = folder.join("bill_9512f558-ca8e-11f0-8677-32549feb6cd6.json");
    let size = std::fs::metadata(&bill).unwrap().len();
    for entry in std::fs::read_dir(&folder).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let mut bytes = std::fs::read(&path).unwrap();
            bytes.push(b' ');
            std::fs::write(&path, bytes).unwrap();
        }
    }
    let mut opts = db.options();
    opts.fetch.max_bytes = size;
    let report = run(&wh, &p, &opts).await;
    assert_eq!(report.sources[0].status, "partial", "{:?}", report.sources);
    assert!(
        report.warnings.iter().any(|(_, w)| w.location.ends_with("bill_9512f558-ca8e-11f0-8677-32549feb6cd6.json")
            && w.message.contains("size cap")),
        "{:?}",
        report.warnings
    );
    assert_eq!(kinds_after(&wh, seq).await, Vec::<Vec<String>>::new());
    wh.close().await;
}
