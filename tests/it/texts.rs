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
        let snippet = hits[0].snippet.to_lowercase();
        assert!(snippet.contains("[summer school]") || snippet.contains("[summer] [school]"), "{b}: {snippet}");
        // Stemmed words: "examinations" finds SB 2's "high school exit examination".
        let hits = search(&wh, &q("exit examinations")).await.unwrap();
        assert_eq!(hits.first().map(|h| h.identifier.as_str()), Some("SB 2"), "{b}");
        // Excluding a word: the texts that have it do not match (SB 2's first version, without
        // "summer", still does).
        let hits = search(&wh, &q("exit examinations -summer")).await.unwrap();
        assert!(!hits.is_empty(), "{b}");
        for h in &hits {
            let text = rows(&wh, &format!("SELECT text FROM bill_texts WHERE id = '{}'", h.document_id)).await;
            assert!(!text[0][0].to_lowercase().contains("summer"), "{b}: {}", h.document_id);
        }
        // Filters: another jurisdiction finds nothing; a word in no text finds nothing.
        let elsewhere = Query {
            jurisdiction_id: Some("ocd-jurisdiction/country:us/state:ny/government".into()),
            ..q("\"summer school\"")
        };
        assert!(search(&wh, &elsewhere).await.unwrap().is_empty(), "{b}");
        assert!(search(&wh, &q("xylophonist")).await.unwrap().is_empty(), "{b}");
        // Best first: the bill whose texts say "mandate" most often outranks the others.
        let hits = search(&wh, &q("reimbursement")).await.unwrap();
        assert!(hits.len() >= 2, "{b}: {hits:?}");
        assert!(hits.windows(2).all(|w| w[0].score >= w[1].score), "{b}: {hits:?}");
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
