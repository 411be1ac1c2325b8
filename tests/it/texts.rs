//! Bill texts in the warehouse: California's real pubinfo versions (tests/fixtures/ca-pubinfo,
//! CAML) give a stored diff for each new version, pointed to by its change event, and the
//! texts are searchable on both backends, from SQL and from `statehouse search`.

use crate::common::*;

fn ca_1999() -> String {
    format!(
        "[[source]]\nname = \"ca\"\nkind = \"ca_pubinfo\"\npath = \"{}\"\n",
        fixture("ca-pubinfo/1999-2000").display()
    )
}

#[tokio::test]
async fn each_new_version_gets_a_diff_against_the_previous_one_and_its_event_points_to_it() {
    for db in TestDb::both().await {
        let wh = db.open().await;
        let b = wh.backend();
        let p = pipeline(db.dir.path(), "ca", &ca_1999());
        assert_eq!(run(&wh, &p, &db.options()).await.status, "succeeded", "{b}");
        // SB 2 (1999), introduced → amended in the Senate on 1999-02-23: a new SECTION 1
        // (Education Code 37252, summer school) and SEC. 2 (Article 2.5 repealed) before the
        // old three sections, renumbered SEC. 3 to 5; the title gains the two operations.
        // (Read from BILL_VERSION_TBL_11.lob and _12.lob; the same pair is unit-tested in
        // text::diff.)
        let first = rows(
            &wh,
            "SELECT d.summary, d.unit, d.added, d.removed, d.changed, d.unchanged, pv.note, v.note, d.diff \
             FROM version_diffs d JOIN bill_versions v ON v.id = d.version_id \
             JOIN bill_versions pv ON pv.id = d.previous_version_id \
             WHERE d.bill_id = 'ocd-bill-ca-19992000_Special_Session_1-SB2' AND pv.ordinal = 0",
        )
        .await;
        assert_eq!(first.len(), 1, "{b}");
        assert_eq!(
            first[0][..8],
            ["2 sections added, 4 changed; 0 unchanged", "section", "2", "0", "4", "0", "Introduced", "Amended Senate"]
                .map(String::from),
            "{b}"
        );
        let diff: serde_json::Value = serde_json::from_str(&first[0][8]).unwrap();
        let headings: Vec<(String, String)> = diff["hunks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (h["kind"].as_str().unwrap().to_string(), h["heading"].as_str().unwrap_or("").to_string()))
            .collect();
        assert_eq!(
            headings,
            [
                ("changed", ""),
                ("added", "SECTION 1."),
                ("added", "SEC. 2."),
                ("changed", "SEC. 3."),
                ("changed", "SEC. 4."),
                ("changed", "SEC. 5.")
            ]
            .map(|(k, h)| (k.to_string(), h.to_string())),
            "{b}"
        );
        // The amended print keeps California's deletion and insertion marks; what search
        // indexes is the text as enacted, without them.
        let amended = rows(
            &wh,
            "SELECT t.text, COALESCE(t.search_text, '') FROM bill_texts t JOIN bill_versions v ON v.id = t.id \
             WHERE v.bill_id = 'ocd-bill-ca-19992000_Special_Session_1-SB2' AND v.ordinal = 1",
        )
        .await;
        let (text, searched) = (&amended[0][0], &amended[0][1]);
        assert!(text.starts_with("An act to {++amend Section 37252 of, to++} add Chapter 8"), "{b}: {text}");
        assert!(text.contains("{--") && !searched.contains("{--") && !searched.contains("{++"), "{b}");
        assert!(searched.starts_with("An act to amend Section 37252 of, to add Chapter 8"), "{b}: {searched}");
        // Every later version of SB 2 has one too (8 versions, 7 diffs), and every version
        // event that brought a text with a predecessor names its diff.
        assert_eq!(
            count(
                &wh,
                "SELECT COUNT(*) FROM version_diffs WHERE bill_id = 'ocd-bill-ca-19992000_Special_Session_1-SB2'"
            )
            .await,
            7,
            "{b}"
        );
        let events =
            rows(&wh, "SELECT changes FROM change_events WHERE entity_type = 'version' AND kind = 'version_added'")
                .await;
        let pointed: Vec<String> = events
            .iter()
            .filter_map(|r| serde_json::from_str::<serde_json::Value>(&r[0]).ok())
            .filter_map(|v| v["diff"]["id"].as_str().map(str::to_string))
            .collect();
        assert_eq!(pointed.len() as i64, count(&wh, "SELECT COUNT(*) FROM version_diffs").await, "{b}");
        for id in &pointed {
            assert_eq!(count(&wh, &format!("SELECT COUNT(*) FROM version_diffs WHERE id = '{id}'")).await, 1, "{b}");
        }
        // A rerun and a re-parse add no diff and no event.
        let (diffs, seq) = (
            count(&wh, "SELECT COUNT(*) FROM version_diffs").await,
            count(&wh, "SELECT MAX(seq) FROM change_events").await,
        );
        let other = pipeline(db.dir.path(), "ca-again", &ca_1999());
        assert_eq!(run(&wh, &other, &db.options()).await.status, "succeeded", "{b}");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM version_diffs").await, diffs, "{b}");
        assert_eq!(count(&wh, "SELECT MAX(seq) FROM change_events").await, seq, "{b}");
    }
}

#[tokio::test]
async fn search_finds_real_phrases_on_both_backends() {
    use statehouse::warehouse::search::{Query, search};
    for db in TestDb::both().await {
        let wh = db.open().await;
        let b = wh.backend();
        let p = pipeline(db.dir.path(), "ca", &ca_1999());
        assert_eq!(run(&wh, &p, &db.options()).await.status, "succeeded", "{b}");
        let q = |text: &str| Query { text: text.into(), limit: 10, ..Default::default() };

        // A phrase of SB 2's amended text (Education Code 37252, summer school).
        let hits = search(&wh, &q("\"summer school\"")).await.unwrap();
        assert_eq!(hits.iter().map(|h| h.identifier.as_str()).collect::<Vec<_>>(), ["SB 2"], "{b}");
        // California's data needs no credit line (LegiScan's does: tests/it/legiscan.rs).
        assert!(hits.iter().all(|h| h.credit.is_none()), "{b}: {hits:?}");
        let snippet = hits[0].snippet.to_lowercase();
        assert!(snippet.contains("[summer school]") || snippet.contains("[summer] [school]"), "{b}: {snippet}");
        // Stemmed words: "examinations" finds SB 2's "high school exit examination".
        let hits = search(&wh, &q("exit examinations")).await.unwrap();
        assert_eq!(hits.first().map(|h| h.identifier.as_str()), Some("SB 2"), "{b}");
        // Excluding a word: the texts that have it do not match (SB 2's first version, without
        // "summer", still does).
        let hits = search(&wh, &q("exit examinations -summer")).await.unwrap();
        assert!(hits.iter().any(|h| !h.document_id.is_empty()), "{b}: {hits:?}");
        for h in &hits {
            // A text that matched has no "summer"; nor has a bill that matched on its title,
            // abstract or subjects.
            let sql = if h.matched == ["text"] {
                format!("SELECT text FROM bill_texts WHERE id = '{}'", h.document_id)
            } else {
                format!(
                    "SELECT title || ' ' || COALESCE(abstract_text, '') || subjects FROM bills WHERE id = '{}'",
                    h.bill_id
                )
            };
            let text = rows(&wh, &sql).await;
            assert!(!text[0][0].to_lowercase().contains("summer"), "{b}: {h:?}");
        }
        // Filters: another jurisdiction finds nothing; a word in no text finds nothing.
        let elsewhere = Query {
            jurisdiction_id: Some("ocd-jurisdiction/country:us/state:ny/government".into()),
            ..q("\"summer school\"")
        };
        assert!(search(&wh, &elsewhere).await.unwrap().is_empty(), "{b}");
        assert!(search(&wh, &q("xylophonist")).await.unwrap().is_empty(), "{b}");
        // Best first: the bill whose texts say "mandate" most often outranks the others.
        // Bills matched on their title, abstract or subjects come first, then those matched
        // by a text alone; each group best first.
        let hits = search(&wh, &q("reimbursement")).await.unwrap();
        assert!(hits.len() >= 2, "{b}: {hits:?}");
        let by_text = hits.iter().position(|h| h.matched == ["text"]).unwrap_or(hits.len());
        assert!(hits[by_text..].iter().all(|h| h.matched == ["text"]), "{b}: {hits:?}");
        for group in [&hits[..by_text], &hits[by_text..]] {
            assert!(group.windows(2).all(|w| w[0].score >= w[1].score), "{b}: {hits:?}");
        }
    }
}

#[tokio::test]
async fn the_search_command_prints_bills_with_snippets() {
    let db = TestDb::sqlite();
    let wh = db.open().await;
    let p = pipeline(db.dir.path(), "ca", &ca_1999());
    assert_eq!(run(&wh, &p, &db.options()).await.status, "succeeded");
    wh.close().await;
    let out = statehouse_command(&db).args(["search", "\"summer school\"", "--jurisdiction", "ca"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("SB 2") && text.contains("[summer school]") && text.contains("(1 rows)"), "{text}");
    let out = statehouse_command(&db).args(["search", "\"summer school\"", "--format", "json"]).output().unwrap();
    let hits: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(hits[0]["identifier"], "SB 2");
    assert_eq!(hits[0]["session"], "19992000 Special Session 1");
    let out = statehouse_command(&db).args(["search", "--", "-only"]).output().unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("nothing to search for"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Illinois HB 1075 as Open States scraped it (tests/fixtures/ocd-scrape/il-104th-windycivi,
/// real), its version links pointed at a local server that answers with the real ilga.gov
/// pages of three versions (tests/fixtures/state-html/il) and a PDF printed from the first
/// (tests/fixtures/texts); every other document is a 404.
async fn ilga(server: &wiremock::MockServer, dir: &std::path::Path) -> std::path::PathBuf {
    use wiremock::matchers::{method, path, query_param};
    use wiremock::{Mock, ResponseTemplate};
    for (doc, file) in [("10400HB1075", "Introduced"), ("10400HB1075eng", "Engrossed"), ("10400HB1075enr", "Enrolled")]
    {
        let body = std::fs::read(fixture(&format!("state-html/il/HB1075/bill_content_{file}.html"))).unwrap();
        Mock::given(method("GET"))
            .and(path("/Legislation/BillStatus/FullText"))
            .and(query_param("DocName", doc))
            .respond_with(ResponseTemplate::new(200).insert_header("content-type", "text/html").set_body_bytes(body))
            .mount(server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/documents/legislation/104/HB/PDF/10400HB1075.pdf"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/pdf")
                .set_body_bytes(std::fs::read(fixture("texts/il-HB1075-introduced.pdf")).unwrap()),
        )
        .mount(server)
        .await;
    let folder = dir.join("il/HB1075");
    copy_dir(&fixture("ocd-scrape/il-104th-windycivi/HB1075"), &folder);
    let meta = folder.join("metadata.json");
    let text = std::fs::read_to_string(&meta).unwrap().replace("https://ilga.gov/", &format!("{}/", server.uri()));
    std::fs::write(&meta, text).unwrap();
    dir.join("il")
}

fn il_source(folder: &std::path::Path, texts: &str) -> String {
    format!(
        "[texts]\nfetch = true\nrequests_per_minute = 60000\n{texts}\n\
         [[source]]\nname = \"il\"\nkind = \"ocd_scrape\"\npath = \"{}\"\njurisdiction = \"ocd-jurisdiction/country:us/state:il/government\"\n",
        folder.display()
    )
}

#[tokio::test]
async fn linked_version_documents_are_fetched_once_extracted_searched_and_diffed() {
    for db in TestDb::both().await {
        let wh = db.open().await;
        let b = wh.backend();
        let server = wiremock::MockServer::start().await;
        let folder = ilga(&server, db.dir.path()).await;
        let p = pipeline(db.dir.path(), "il", &il_source(&folder, ""));
        let first = run(&wh, &p, &db.options()).await;
        assert_eq!(first.status, "succeeded", "{b}: {:?}", first.sources);

        // Introduced and Engrossed read from their HTML pages; Enrolled's page is ilga.gov's
        // "too large for display" placeholder, and its PDF is not served: no text, said so.
        let fetched = rows(
            &wh,
            "SELECT v.note, f.status, COALESCE(f.method, ''), COALESCE(f.http_status, 0) FROM version_texts f \
             JOIN bill_versions v ON v.id = f.version_id ORDER BY v.ordinal, f.url",
        )
        .await;
        let by_note = |note: &str| -> Vec<(String, String, String)> {
            fetched.iter().filter(|r| r[0] == note).map(|r| (r[1].clone(), r[2].clone(), r[3].clone())).collect()
        };
        assert_eq!(by_note("Introduced"), [("extracted".to_string(), "html".to_string(), "200".to_string())], "{b}");
        assert_eq!(by_note("Engrossed"), [("extracted".to_string(), "html".to_string(), "200".to_string())], "{b}");
        let enrolled = by_note("Enrolled");
        assert_eq!(enrolled.len(), 2, "{b}: {enrolled:?}");
        assert!(enrolled.contains(&("unextractable".to_string(), "html".to_string(), "200".to_string())), "{b}");
        assert!(enrolled.contains(&("http_error".to_string(), String::new(), "404".to_string())), "{b}");
        let why = rows(&wh, "SELECT error, see_also FROM document_fetches WHERE status = 'unextractable'").await;
        assert!(why[0][0].contains("too large for display"), "{b}: {why:?}");
        // The placeholder names the page with the text; it was asked for next (not served here).
        let full_text = format!("{}/documents/legislation/104/HB/10400HB1075enr.htm", server.uri());
        assert_eq!(why[0][1], full_text, "{b}");
        assert_eq!(
            rows(
                &wh,
                &format!("SELECT status, CAST(http_status AS TEXT) FROM document_fetches WHERE url = '{full_text}'")
            )
            .await,
            vec![vec!["http_error".to_string(), "404".to_string()]],
            "{b}"
        );
        let warned: Vec<_> = first.warnings.iter().filter(|(_, w)| w.message.contains("no text")).collect();
        assert!(warned.iter().any(|(_, w)| w.record.as_deref() == Some("HB1075 Enrolled")), "{b}: {warned:?}");

        // The texts are the versions' texts: searchable, and the Engrossed one diffed against
        // the Introduced one (the synopsis goes; the two sections stay).
        assert_eq!(
            count(&wh, "SELECT COUNT(*) FROM bill_texts t JOIN bill_versions v ON v.id = t.id WHERE v.note IN ('Introduced', 'Engrossed')").await,
            2,
            "{b}"
        );
        assert_eq!(
            rows(&wh, "SELECT d.summary FROM version_diffs d JOIN bill_versions v ON v.id = d.version_id WHERE v.note = 'Engrossed'").await,
            vec![vec!["1 section changed; 2 unchanged".to_string()]],
            "{b}"
        );
        let hits = statehouse::warehouse::search::search(
            &wh,
            &statehouse::warehouse::search::Query {
                text: "\"State Commemorative Dates Act\" Diwali".into(),
                limit: 5,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(hits.first().map(|h| h.identifier.as_str()), Some("HB 1075"), "{b}: {hits:?}");

        // 2. The same bill again (another pipeline re-reads the folder): what was extracted is
        // not fetched again; what failed is tried again (a second attempt); nothing changes.
        let asked = server.received_requests().await.unwrap().len();
        let seq = count(&wh, "SELECT MAX(seq) FROM change_events").await;
        let again = pipeline(db.dir.path(), "il-again", &il_source(&folder, ""));
        assert_eq!(run(&wh, &again, &db.options()).await.status, "succeeded", "{b}");
        let requests = server.received_requests().await.unwrap();
        let new: Vec<String> = requests[asked..].iter().map(|r| r.url.to_string()).collect();
        assert!(
            new.iter().all(|u| !u.contains("DocName=10400HB1075&") && !u.contains("DocName=10400HB1075eng&")),
            "{b}: {new:?}"
        );
        assert!(new.iter().any(|u| u.contains("10400HB1075enr")), "{b}: {new:?}");
        assert_eq!(
            count(&wh, "SELECT MAX(attempts) FROM document_fetches WHERE status <> 'extracted'").await,
            2,
            "{b}"
        );
        assert_eq!(count(&wh, "SELECT MAX(seq) FROM change_events").await, seq, "{b}");
    }
}

/// What a warehouse holds after an older extractor generation read its texts: other texts
/// (as an older extractor would have made them), no generation recorded, and the sources'
/// payloads already loaded.
async fn as_if_read_by_an_older_extractor(wh: &statehouse::warehouse::Warehouse) {
    let older = |sql: &str| (sql.to_string(), vec![]);
    wh.execute_all(&[
        older("UPDATE bill_texts SET text = 'A text as an older extractor read it.', sha256 = 'older', search_text = NULL"),
        older(
            "UPDATE bill_versions SET text_sha256 = 'older', extractor = NULL, content_hash = 'older' \
             WHERE text_sha256 IS NOT NULL",
        ),
        older(
            "UPDATE bill_documents SET text_sha256 = 'older', extractor = NULL, content_hash = 'older' \
             WHERE text_sha256 IS NOT NULL",
        ),
        older("UPDATE bills SET bundle_hash = 'older'"),
        older("UPDATE version_diffs SET summary = 'an older diff'"),
        older("UPDATE document_fetches SET text = 'A text as an older extractor read it.', extractor = NULL WHERE status = 'extracted'"),
        older("DELETE FROM source_state WHERE key = 'extractor'"),
    ])
    .await
    .unwrap();
}

/// A newer extractor reads the stored documents again: texts, their search index and their
/// diffs are made again, quietly: no change event, no alert, no request.
#[tokio::test]
async fn texts_an_older_extractor_made_are_made_again_quietly() {
    for db in TestDb::both().await {
        let wh = db.open().await;
        let b = wh.backend();
        // Fetched documents (Illinois HB 1075's pages, from the archive).
        let server = wiremock::MockServer::start().await;
        let folder = ilga(&server, db.dir.path()).await;
        // Inline documents (California SB 2 (1999), CAML in the export).
        let ca = db.dir.path().join("ca");
        copy_dir(&fixture("ca-pubinfo/1999-2000"), &ca);
        let sources = format!(
            "{}\n[[source]]\nname = \"ca\"\nkind = \"ca_pubinfo\"\npath = \"{}\"\n",
            il_source(&folder, ""),
            ca.display()
        );
        let p = pipeline(db.dir.path(), "texts", &sources);
        assert_eq!(run(&wh, &p, &db.options()).await.status, "succeeded", "{b}");
        let texts = "SELECT t.id, t.sha256, t.text, COALESCE(t.search_text, '') FROM bill_texts t ORDER BY t.id";
        let fresh = rows(&wh, texts).await;
        let diffs = rows(&wh, "SELECT version_id, summary, diff FROM version_diffs ORDER BY version_id").await;
        let fetched = rows(&wh, "SELECT url, text, extractor FROM document_fetches ORDER BY url").await;
        assert!(fresh.len() >= 10 && diffs.len() >= 5, "{b}: {} texts, {} diffs", fresh.len(), diffs.len());
        let seq = count(&wh, "SELECT MAX(seq) FROM change_events").await;
        let asked = server.received_requests().await.unwrap().len();

        as_if_read_by_an_older_extractor(&wh).await;
        let again = run(&wh, &p, &db.options()).await;
        assert_eq!(again.status, "succeeded", "{b}: {:?}", again.sources);
        assert_eq!(rows(&wh, texts).await, fresh, "{b}");
        let rediffs = rows(&wh, "SELECT version_id, summary, diff FROM version_diffs ORDER BY version_id").await;
        assert_eq!(rediffs.len(), diffs.len(), "{b}");
        // Made again (the word-level alignment inside a changed section has a time bound, so
        // the hunks' fine grain may differ under load; the summaries may not).
        for (again, before) in rediffs.iter().zip(&diffs) {
            assert_eq!(again[..2], before[..2], "{b}");
        }
        assert_eq!(rows(&wh, "SELECT url, text, extractor FROM document_fetches ORDER BY url").await, fetched, "{b}");
        assert_eq!(
            count(&wh, "SELECT COUNT(*) FROM bill_versions WHERE text_sha256 IS NOT NULL AND extractor IS NULL").await,
            0,
            "{b}"
        );
        // No news: the ledger did not move, so no alert can come of it; the extracted pages
        // were read from the archive, not fetched (only the failed ones were asked again).
        assert_eq!(count(&wh, "SELECT MAX(seq) FROM change_events").await, seq, "{b}");
        let requests = server.received_requests().await.unwrap();
        assert!(
            requests[asked..].iter().all(|r| !r.url.to_string().contains("DocName=10400HB1075&")
                && !r.url.to_string().contains("DocName=10400HB1075eng&")),
            "{b}"
        );
        // The generation is recorded: the next run skips the unchanged export again.
        let third = run(&wh, &p, &db.options()).await;
        let ca_report = third.sources.iter().find(|s| s.source == "ca").unwrap();
        assert_eq!(ca_report.payloads, ca_report.unchanged_payloads, "{b}: {ca_report:?}");
    }
}

#[tokio::test]
async fn documents_over_the_size_cap_are_not_read_and_the_version_loads_without_text() {
    let db = TestDb::sqlite();
    let wh = db.open().await;
    let server = wiremock::MockServer::start().await;
    let folder = ilga(&server, db.dir.path()).await;
    let p = pipeline(db.dir.path(), "il", &il_source(&folder, "max_bytes = 4096\nmax_documents = 3\n"));
    let report = run(&wh, &p, &db.options()).await;
    assert_eq!(report.status, "succeeded", "{:?}", report.sources);
    // Three requests in all (max_documents), each page over 4 KiB.
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM document_fetches WHERE status = 'too_large'").await, 3);
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM bill_texts").await, 0);
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM bill_versions").await, 7);
    assert!(report.warnings.iter().any(|(_, w)| w.message.contains("wait for the next run")));
}

#[tokio::test]
async fn an_alert_about_a_new_version_carries_its_diff() {
    let db = TestDb::sqlite();
    let wh = db.open().await;
    // California SB 2 (1999) before it was chaptered: the real export without the version row
    // of the chaptered text (the last line of BILL_VERSION_TBL.dat); then the real export.
    let folder = db.dir.path().join("ca");
    copy_dir(&fixture("ca-pubinfo/1999-2000"), &folder);
    let table = folder.join("BILL_VERSION_TBL.dat");
    let full = std::fs::read_to_string(&table).unwrap();
    let before: String = full.lines().filter(|l| !l.starts_with("`19991SB292CHP`")).map(|l| format!("{l}\n")).collect();
    assert_eq!(before.lines().count() + 1, full.lines().count());
    std::fs::write(&table, &before).unwrap();
    std::fs::write(
        db.dir.path().join("sb2.toml"),
        r#"
id = "ca-watch"
name = "California Schools Coalition"
unsubscribe = "https://example.org/unsubscribe?c=ca-watch"

[[group]]
id = "sac"
name = "Sacramento Indivisible"

[[group.lead]]
name = "Sam Example"
email = "sam@example.org"
timezone = "America/Los_Angeles"

[[bill]]
jurisdiction = "ca"
bill = "SB 2"
session = "19992000 Special Session 1"
position = "support"
group = "sac"
"#,
    )
    .unwrap();
    let source = format!("[[source]]\nname = \"ca\"\nkind = \"ca_pubinfo\"\npath = \"{}\"\n", folder.display());
    let p = pipeline(db.dir.path(), "ca", &format!("coalitions = [\"sb2.toml\"]\nalerts = \"dry-run\"\n{source}"));
    assert_eq!(run(&wh, &p, &db.options()).await.status, "succeeded");
    std::fs::write(&table, &full).unwrap();
    let second = run(&wh, &p, &db.options()).await;
    assert_eq!(second.status, "succeeded");
    let mails: Vec<String> = std::fs::read_dir(db.data_dir().join("outbox/ca-watch"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    let version =
        mails.iter().find(|m| m.contains("Chaptered")).unwrap_or_else(|| panic!("no version email: {mails:?}"));
    let flat: String = version.replace("=\r\n", "").replace("\r\n", "\n");
    assert!(flat.contains("1 section changed; 8 unchanged"), "{flat}");
    assert!(flat.contains("~ Changed:"), "{flat}");
}

/// Titles, abstracts and subjects are searched as well as texts: Delaware's SB 4 (the real
/// scrape, no texts loaded) is found by a phrase of its title, and says where it matched.
#[tokio::test]
async fn search_finds_bills_by_title_abstract_and_subjects() {
    use statehouse::warehouse::search::{Query, search};
    for db in TestDb::both().await {
        let wh = db.open().await;
        let p = pipeline(db.dir.path(), "de", &scrape_source("de", &fixture("ocd-scrape/de-153"), None));
        run(&wh, &p, &db.options()).await;
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM bill_texts").await, 0);
        let q = |text: &str| Query { text: text.into(), limit: 10, ..Default::default() };
        let hits = search(&wh, &q("\"inspector general\"")).await.unwrap();
        let sb4 = hits.iter().find(|h| h.identifier == "SB 4").unwrap_or_else(|| panic!("{}: {hits:?}", db.url));
        assert!(sb4.matched.iter().any(|m| m == "title" || m == "abstract"), "{}: {sb4:?}", db.url);
        assert!(sb4.document_id.is_empty(), "{}: {sb4:?}", db.url);
        assert!(sb4.snippet.to_lowercase().contains("[inspector"), "{}: {sb4:?}", db.url);
        // Every bill found says so in its title, abstract or subjects.
        for h in &hits {
            let text = rows(
                &wh,
                &format!("SELECT lower(title || ' ' || COALESCE(abstract_text, '') || ' ' || subjects) FROM bills WHERE id = '{}'", h.bill_id),
            )
            .await;
            assert!(text[0][0].contains("inspector general"), "{}: {h:?}", db.url);
        }
        // A bill's title word, after a load that changes the title, is found by the new word
        // only: the index follows the table.
        let title = rows(&wh, &format!("SELECT title FROM bills WHERE id = '{}'", sb4.bill_id)).await[0][0].clone();
        wh.execute_all(&[(
            "UPDATE bills SET title = 'AN ACT CONCERNING XYLOPHONISTS' WHERE id = $1".into(),
            vec![statehouse::warehouse::Param::text(sb4.bill_id.clone())],
        )])
        .await
        .unwrap();
        let hits = search(&wh, &q("xylophonists")).await.unwrap();
        assert_eq!(hits.iter().map(|h| h.identifier.as_str()).collect::<Vec<_>>(), ["SB 4"], "{}", db.url);
        assert_eq!(hits[0].matched, ["title"], "{}", db.url);
        assert!(!title.to_lowercase().contains("xylophon"));
    }
}
