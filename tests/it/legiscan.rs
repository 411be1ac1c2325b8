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
        // LegiScan's data is shown with its credit line (CC BY 4.0); an unknown bill needs none.
        let mut ids: Vec<String> =
            rows(&wh, "SELECT id FROM bills ORDER BY id LIMIT 3").await.into_iter().map(|r| r[0].clone()).collect();
        ids.push("no-such-bill".into());
        let credits = wh.credit_lines(&ids).await.unwrap();
        assert_eq!(credits.len(), 3, "{b}: {credits:?}");
        assert!(credits.values().all(|c| c.contains("LegiScan") && c.contains("CC BY 4.0")), "{b}: {credits:?}");
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
    // The rejected zips are recorded as payloads not loaded: read (and reported) again next run.
    let rejected = "(location LIKE '%bomb.zip' OR location LIKE '%escape.zip')";
    assert_eq!(count(&wh, &format!("SELECT COUNT(*) FROM raw_payloads WHERE {rejected} AND loaded = TRUE")).await, 0);
    assert_eq!(count(&wh, &format!("SELECT COUNT(*) FROM raw_payloads WHERE {rejected} AND loaded = FALSE")).await, 2);
    assert_eq!(s.status, "failed");
    assert!(!db.dir.path().join("etc").exists());
    // The rejection is a warning too, naming the zip, so `statehouse warnings` shows it.
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM warnings WHERE location LIKE '%bomb.zip'").await, 1);
}

// ---- The pull API, replayed ------------------------------------------------------------------

const KEY_VAR: &str = "STATEHOUSE_TEST_LEGISCAN_KEY";
const KEY: &str = "legiscan-test-key-not-a-secret";

fn set_key() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| unsafe { std::env::set_var(KEY_VAR, KEY) });
}

/// Answers `?op=<op>&id=<id>` (or `&state=`) from tests/fixtures/legiscan-api: `before/` first
/// when `before` is set, then the folder; an unknown document as LegiScan answers an error.
struct Replay {
    before: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl wiremock::Respond for Replay {
    fn respond(&self, req: &wiremock::Request) -> wiremock::ResponseTemplate {
        let q: std::collections::HashMap<String, String> = req.url.query_pairs().into_owned().collect();
        if q.get("key").map(String::as_str) != Some(KEY) {
            return wiremock::ResponseTemplate::new(200)
                .set_body_string(r#"{"status":"ERROR","alert":{"message":"Invalid API key"}}"#);
        }
        let op = q.get("op").cloned().unwrap_or_default();
        let arg = q.get("id").or(q.get("state")).cloned().unwrap_or_default();
        let file = format!("{op}-{arg}.json");
        let dir = fixture("legiscan-api");
        let mut candidates = vec![dir.join(&file)];
        if self.before.load(std::sync::atomic::Ordering::SeqCst) {
            candidates.insert(0, dir.join("before").join(&file));
        }
        match candidates.iter().find(|p| p.exists()) {
            Some(p) => wiremock::ResponseTemplate::new(200).set_body_bytes(std::fs::read(p).unwrap()),
            None => wiremock::ResponseTemplate::new(200)
                .set_body_string(format!(r#"{{"status":"ERROR","alert":{{"message":"Unknown {op} id {arg}"}}}}"#)),
        }
    }
}

fn api_source(base: &str, extra: &str) -> String {
    format!(
        "[[source]]\nname = \"mn-api\"\nkind = \"legiscan\"\nbase_url = \"{base}\"\nstate = \"mn\"\n\
         api_key_env = \"{KEY_VAR}\"\n{extra}"
    )
}

/// Counts of the replay's queries by operation.
async fn ops(server: &wiremock::MockServer) -> std::collections::BTreeMap<String, usize> {
    let mut out = std::collections::BTreeMap::new();
    for r in server.received_requests().await.unwrap() {
        let op = r.url.query_pairs().find(|(k, _)| k == "op").map(|(_, v)| v.into_owned()).unwrap_or_default();
        *out.entry(op).or_insert(0) += 1;
    }
    out
}

fn replay_files(prefix: &str) -> usize {
    std::fs::read_dir(fixture("legiscan-api"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().starts_with(prefix))
        .count()
}

#[tokio::test]
async fn the_pull_api_fetches_only_changed_bills_and_new_roll_calls_within_its_budget() {
    set_key();
    let bills = replay_files("getBill-");
    let roll_calls = replay_files("getRollCall-");
    assert_eq!((bills, roll_calls), (10, 24));
    // HF 3's texts: getBillText is asked once per document and answered with an error.
    let master: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture("legiscan-api/getMasterListRaw-2151.json")).unwrap()).unwrap();
    assert_eq!(master["masterlist"].as_object().unwrap().len(), bills + 1);
    let documents: usize = (0..bills)
        .map(|i| {
            let id = master["masterlist"][i.to_string()]["bill_id"].as_i64().unwrap();
            let b: serde_json::Value =
                serde_json::from_slice(&std::fs::read(fixture(&format!("legiscan-api/getBill-{id}.json"))).unwrap())
                    .unwrap();
            b["bill"]["texts"].as_array().unwrap().len()
        })
        .sum();
    let person_votes: usize = std::fs::read_dir(fixture("legiscan-api"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("getRollCall-"))
        .map(|p| {
            let v: serde_json::Value = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
            v["roll_call"]["votes"].as_array().unwrap().len()
        })
        .sum();
    for db in TestDb::both().await {
        let wh = db.open().await;
        let b = wh.backend();
        let server = wiremock::MockServer::start().await;
        let before = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        wiremock::Mock::given(wiremock::matchers::method("GET"))
            .respond_with(Replay { before: before.clone() })
            .mount(&server)
            .await;
        let p = pipeline(db.dir.path(), "mn-api", &api_source(&format!("{}/", server.uri()), ""));

        // 1. First run, with HF 3 as it was before its last action and roll call.
        let first = run(&wh, &p, &db.options()).await;
        assert_eq!(first.status, "succeeded", "{b}: {:?}", first.sources);
        let asked = ops(&server).await;
        let expected: std::collections::BTreeMap<String, usize> = [
            ("getSessionList", 1),
            ("getMasterListRaw", 1),
            ("getSessionPeople", 1),
            ("getBill", bills),
            ("getRollCall", roll_calls - 1),
            ("getBillText", documents),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        assert_eq!(asked, expected, "{b}");
        let queries = 3 + bills + roll_calls - 1 + documents;
        assert_eq!(first.sources[0].requests as usize, queries, "{b}");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM bills").await as usize, bills, "{b}");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM votes").await as usize, roll_calls - 1, "{b}");
        // Every text LegiScan could not give is a warning naming the bill and the document;
        // the version stays, without text.
        let text_warnings = first.warnings.iter().filter(|(_, w)| w.message.contains("Unknown getBillText id")).count();
        assert_eq!(text_warnings, documents, "{b}");
        assert!(first.warnings.iter().all(|(_, w)| !w.to_string().contains(KEY)), "{b}: the key leaked");
        assert_eq!(
            count(&wh, "SELECT COUNT(*) FROM raw_payloads WHERE location LIKE '%key=REDACTED%'").await as usize,
            queries,
            "{b}"
        );
        assert_eq!(
            count(&wh, &format!("SELECT COUNT(*) FROM raw_payloads WHERE location LIKE '%{KEY}%'")).await,
            0,
            "{b}"
        );
        let hf3_actions = count(
            &wh,
            "SELECT COUNT(*) FROM bill_actions a JOIN bills b ON b.id = a.bill_id WHERE b.identifier = 'HF 3'",
        )
        .await;

        // 2. HF 3 moved on: the master list says so; only it and its new roll call are fetched.
        before.store(false, std::sync::atomic::Ordering::SeqCst);
        server.reset().await;
        wiremock::Mock::given(wiremock::matchers::method("GET"))
            .respond_with(Replay { before: before.clone() })
            .mount(&server)
            .await;
        let seq = count(&wh, "SELECT COALESCE(MAX(seq), 0) FROM change_events").await;
        let second = run(&wh, &p, &db.options()).await;
        assert_eq!(second.status, "succeeded", "{b}: {:?}", second.sources);
        let asked = ops(&server).await;
        let expected: std::collections::BTreeMap<String, usize> = [
            ("getSessionList", 1),
            ("getMasterListRaw", 1),
            ("getSessionPeople", 1),
            ("getBill", 1),
            ("getRollCall", 1),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        assert_eq!(asked, expected, "{b}: documents already asked for are not asked again");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM votes").await as usize, roll_calls, "{b}");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM vote_records").await as usize, person_votes, "{b}");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM vote_records WHERE person_id IS NULL").await, 0, "{b}");
        assert_eq!(
            count(
                &wh,
                "SELECT COUNT(*) FROM bill_actions a JOIN bills b ON b.id = a.bill_id WHERE b.identifier = 'HF 3'"
            )
            .await,
            hf3_actions + 1,
            "{b}"
        );
        let kinds = rows(
            &wh,
            &format!("SELECT kind, COUNT(*) FROM change_events WHERE seq > {seq} GROUP BY kind ORDER BY kind"),
        )
        .await;
        // The new action (and the bill's latest action with it) and the new roll call; the roll
        // calls loaded before keep every member's vote.
        assert_eq!(
            kinds,
            [["action_added", "1"], ["bill_changed", "1"], ["vote_recorded", "1"]]
                .map(|r| r.map(String::from).to_vec())
                .to_vec(),
            "{b}"
        );

        // 3. Nothing changed upstream: two queries, zero change events.
        server.reset().await;
        wiremock::Mock::given(wiremock::matchers::method("GET"))
            .respond_with(Replay { before: before.clone() })
            .mount(&server)
            .await;
        let seq = count(&wh, "SELECT COALESCE(MAX(seq), 0) FROM change_events").await;
        let third = run(&wh, &p, &db.options()).await;
        assert_eq!(third.sources[0].requests, 2, "{b}");
        assert_eq!(count(&wh, &format!("SELECT COUNT(*) FROM change_events WHERE seq > {seq}")).await, 0, "{b}");
    }
}

#[tokio::test]
async fn the_monthly_budget_stops_a_crawl_and_the_next_run_resumes_it() {
    set_key();
    let db = TestDb::sqlite();
    let wh = db.open().await;
    let server = wiremock::MockServer::start().await;
    let before = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    wiremock::Mock::given(wiremock::matchers::method("GET")).respond_with(Replay { before }).mount(&server).await;
    // 8 queries: session list, master list, people, then 5 of the bills and roll calls.
    let p = pipeline(
        db.dir.path(),
        "mn-api",
        &api_source(&format!("{}/", server.uri()), "monthly_budget = 8\ntexts = false\n"),
    );
    let first = run(&wh, &p, &db.options()).await;
    assert_eq!(first.status, "succeeded", "{:?}", first.sources);
    assert_eq!(first.sources[0].requests, 8);
    assert_eq!(server.received_requests().await.unwrap().len(), 8);
    let note =
        first.warnings.iter().find(|(_, w)| w.message.contains("monthly budget of 8")).expect("a budget warning");
    assert!(note.1.message.contains("changed bills wait for the next run"), "{}", note.1);
    let loaded = count(&wh, "SELECT COUNT(*) FROM bills").await;
    assert!((1..10).contains(&loaded), "{loaded}");
    // The month's budget is spent: the next run sends nothing.
    let second = run(&wh, &p, &db.options()).await;
    assert_eq!(second.sources[0].requests, 0);
    assert_eq!(server.received_requests().await.unwrap().len(), 8);
    // A larger budget (a new month, or a raised setting): the crawl finishes, the bills already
    // loaded are not fetched again.
    let bigger = pipeline(
        db.dir.path(),
        "mn-api",
        &api_source(&format!("{}/", server.uri()), "monthly_budget = 1000\ntexts = false\n"),
    );
    let third = run(&wh, &bigger, &db.options()).await;
    assert_eq!(third.status, "succeeded");
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM bills").await, 10);
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM votes").await, 24);
    let bill_queries = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.query_pairs().any(|(k, v)| k == "op" && v == "getBill"))
        .count();
    // Every bill fetched once, but the one whose roll calls the budget cut off: it is fetched
    // again (its change_hash was not stored, as it was not loaded whole).
    assert_eq!(bill_queries, 11);
}
