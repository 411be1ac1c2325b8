//! Bill texts from legislatures' own pages, fetched as a pipeline fetches them: Minnesota's
//! resolutions inside the Senate site's frame (printed line numbers in the margin) and every
//! printed version of Texas's 89(2) SB 8 and SB 14 (one table row a printed line, added
//! language underlined). The Open States records and the pages are real
//! (tests/fixtures/state-html/{mn,tx}); a local server answers for the legislatures' hosts.

use crate::common::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

const HOSTS: &[&str] = &["https://www.revisor.mn.gov/", "https://www.senate.mn/", "http://capitol.texas.gov/"];

/// The page file of a version, as the pipeline that saved the pages named it: Minnesota's
/// `bill_content_<note>.html`, Texas's `<document>_<note>.HTM`.
fn page_of(folder: &Path, note: &str, url: &str) -> Option<PathBuf> {
    let note = note.replace(' ', "_");
    let stem = url.trim_end_matches('/').rsplit('/').next().unwrap_or_default().split('.').next().unwrap_or_default();
    std::fs::read_dir(folder).ok()?.flatten().map(|e| e.path()).find(|p| {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        name == format!("bill_content_{note}.html") || name == format!("{stem}_{note}.HTM")
    })
}

/// Copies the Open States records of `state` (`mn`, `tx`) into `dir/<state>`, their links
/// pointed at `server`, which answers each version's HTML link with its real page (other
/// documents, the PDFs, are 404s). Returns the folder.
async fn serve(server: &wiremock::MockServer, dir: &Path, state: &str) -> PathBuf {
    let root = fixture(&format!("state-html/{state}"));
    let mut pages: HashMap<String, Vec<u8>> = HashMap::new();
    let mut bills: Vec<_> =
        std::fs::read_dir(&root).unwrap().flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    bills.sort();
    for bill in bills {
        let meta: serde_json::Value =
            serde_json::from_slice(&std::fs::read(bill.join("metadata.json")).unwrap()).unwrap();
        for v in meta["versions"].as_array().unwrap() {
            for link in v["links"].as_array().unwrap() {
                let url = link["url"].as_str().unwrap();
                if let Some(page) = page_of(&bill, v["note"].as_str().unwrap(), url) {
                    let local = HOSTS.iter().fold(url.to_string(), |u, h| u.replace(h, "/"));
                    pages.insert(local, std::fs::read(page).unwrap());
                }
            }
        }
        let text = std::fs::read_to_string(bill.join("metadata.json")).unwrap();
        let text = HOSTS.iter().fold(text, |t, h| t.replace(h, &format!("{}/", server.uri())));
        let to = dir.join(state).join(bill.file_name().unwrap());
        std::fs::create_dir_all(&to).unwrap();
        std::fs::write(to.join("metadata.json"), text).unwrap();
    }
    assert!(pages.len() >= 4, "{state}: {} pages", pages.len());
    wiremock::Mock::given(wiremock::matchers::method("GET"))
        .respond_with(move |req: &wiremock::Request| {
            let key = match req.url.query() {
                Some(q) => format!("{}?{q}", req.url.path()),
                None => req.url.path().to_string(),
            };
            match pages.get(&key) {
                Some(body) => wiremock::ResponseTemplate::new(200)
                    .insert_header("content-type", "text/html")
                    .set_body_bytes(body.clone()),
                None => wiremock::ResponseTemplate::new(404),
            }
        })
        .mount(server)
        .await;
    dir.join(state)
}

fn sources(mn: &Path, tx: &Path) -> String {
    format!(
        "[texts]\nfetch = true\nrequests_per_minute = 60000\n\n{}{}",
        scrape_source("mn", mn, Some("ocd-jurisdiction/country:us/state:mn/government")),
        scrape_source("tx", tx, Some("ocd-jurisdiction/country:us/state:tx/government")),
    )
}

/// Each stored text with its bill and version: (identifier, note, text).
async fn texts(wh: &statehouse::warehouse::Warehouse) -> Vec<(String, String, String)> {
    rows(
        wh,
        "SELECT b.identifier, v.note, t.text FROM bill_texts t JOIN bill_versions v ON v.id = t.id \
         JOIN bills b ON b.id = v.bill_id ORDER BY b.identifier, v.ordinal",
    )
    .await
    .into_iter()
    .map(|r| (r[0].clone(), r[1].clone(), r[2].clone()))
    .collect()
}

/// Whether a line starts with a number glued to a word ("1.3WHEREAS", "1.4of the"), ordinals
/// ("104TH", "15th") aside.
fn glued_number(glued: &regex::Regex, text: &str) -> bool {
    glued.captures_iter(text).any(|c| !matches!(c[1].to_ascii_lowercase().as_str(), "st" | "nd" | "rd" | "th"))
}

/// The bills `statehouse search` finds, by identifier.
fn search(db: &TestDb, query: &str) -> Vec<String> {
    let out = statehouse_command(db).args(["search", query, "--format", "json"]).output().unwrap();
    assert!(out.status.success(), "{query}: {}", String::from_utf8_lossy(&out.stderr));
    let hits: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    hits.iter().map(|h| h["identifier"].as_str().unwrap_or_default().to_string()).collect()
}

#[tokio::test]
async fn pages_of_states_never_taught_give_the_bill_alone_in_paragraphs_with_its_marks() {
    let glued = regex::Regex::new(r"(?m)^\d+(?:\.\d+)?([A-Za-z]{2,})").unwrap();
    let enumerator = regex::Regex::new(r"^([a-z]{1,4}\.\s|\([a-z0-9]{1,4}\))").unwrap();
    for db in TestDb::both().await {
        let wh = db.open().await;
        let b = wh.backend();
        let (mn_server, tx_server) = (wiremock::MockServer::start().await, wiremock::MockServer::start().await);
        let mn = serve(&mn_server, db.dir.path(), "mn").await;
        let tx = serve(&tx_server, db.dir.path(), "tx").await;
        let p = pipeline(db.dir.path(), "pages", &sources(&mn, &tx));
        let report = run(&wh, &p, &db.options()).await;
        assert_eq!(report.status, "succeeded", "{b}: {:?}", report.sources);

        // Every version whose page was served has its text: four Minnesota resolutions (SR 4's
        // First Engrossment page was not saved), five prints each of SB 8 and SB 14.
        let all = texts(&wh).await;
        let mn_texts: Vec<_> = all.iter().filter(|(id, ..)| id.starts_with("SR")).collect();
        let tx_texts: Vec<_> = all.iter().filter(|(id, ..)| id.starts_with("SB")).collect();
        assert_eq!(
            (mn_texts.len(), tx_texts.len()),
            (4, 10),
            "{b}: {:?}",
            all.iter().map(|t| (&t.0, &t.1)).collect::<Vec<_>>()
        );

        // The bill alone: nothing of the Senate site's frame (its skip link, menus, search form,
        // footer with phone numbers), nor of Texas's page title.
        for (id, note, text) in &all {
            for frame in [
                "Skip to",
                "Minnesota Senate navigation",
                "Get bill info",
                "View full site",
                "Who Represents Me",
                "651-296-0504",
                "Frequently Called Numbers",
                "Employee Portal",
                "Bill Text",
                "Authors and Status",
            ] {
                assert!(!text.contains(frame), "{b}: {id} {note} keeps {frame:?}");
            }
            // No printed line number left glued to its line's first word ("1.3WHEREAS").
            assert!(!glued_number(&glued, text), "{b}: {id} {note}: {:?}", glued.find(text).map(|m| m.as_str()));
            // Paragraphs, not printed lines: no paragraph of the resolutions and bills ends
            // in the middle of a sentence with the next starting in lower case.
            let paragraphs: Vec<&str> = text.split("\n\n").collect();
            let cut = paragraphs.windows(2).find(|w| {
                w[1].starts_with(|c: char| c.is_lowercase())
                    && !enumerator.is_match(w[1])
                    && !w[0].trim_end_matches(['+', '}', '-']).ends_with(['.', ':', ';', ','])
                    // A heading ("AN ACT") is a paragraph of its own.
                    && w[0].chars().any(char::is_lowercase)
            });
            assert!(cut.is_none(), "{b}: {id} {note}: a sentence cut at a printed line end: {cut:?}");
        }
        let sr1 = &mn_texts.iter().find(|t| t.0 == "SR 1").unwrap().2;
        assert!(
            sr1.starts_with(
                "A Senate resolution relating to the temporary organization of the 94th Minnesota Senate.\n\n\
                 WHEREAS, the GOP and DFL have negotiated an agreement for the temporary organization of the Senate \
                 for the 2025 legislative session; NOW, THEREFORE,\n\n"
            ),
            "{b}: {sr1}"
        );
        // Language the resolution strikes from the Senate's rules, marked.
        assert!(sr1.contains("Committee on State and Local Government {--and Veterans--}, must be referred"), "{b}");

        // Texas: a printed line a paragraph no more; underlined language (added to the
        // statutes) marked.
        let sb8 = |note: &str| &tx_texts.iter().find(|t| t.0 == "SB 8" && t.1 == note).unwrap().2;
        let introduced = sb8("Introduced");
        assert!(
            introduced.contains(
                "\n\nrelating to the designation and use of certain spaces and facilities according to sex; \
                 authorizing a civil penalty and a private civil right of action.\n\n"
            ),
            "{b}: {introduced}"
        );
        assert!(introduced.contains("\n\n{++Sec. 3002.001. DEFINITIONS. In this chapter:++}\n\n"), "{b}");

        // Search finds a phrase the printer wrapped across two lines, and not struck language.
        for (query, bill) in [
            ("\"temporary organization of the Senate for the 2025 legislative session\"", "SR 1"),
            ("\"spaces and facilities according to sex\"", "SB 8"),
            ("\"Senate Majority Leader and Senate Minority Leader\"", "SR 13"),
        ] {
            let hits = search(&db, query);
            assert!(hits.iter().any(|h| h == bill), "{b}: {query}: {hits:?}");
        }
        // Struck language is not what a bill says: not found (the enacted wording is).
        assert_eq!(search(&db, "\"State and Local Government and Veterans\""), Vec::<String>::new(), "{b}");
        assert!(
            search(&db, "\"Committee on State and Local Government, must be referred\"").contains(&"SR 1".to_string()),
            "{b}"
        );
        // The site's frame is not searchable: "View full site" was on every Minnesota page.
        assert_eq!(search(&db, "\"View full site\""), Vec::<String>::new(), "{b}");

        // SB 8's engrossed print against its introduced one: compared by section; the Senate
        // passed the bill as introduced, so every section is the same.
        let engrossed = sb8("Engrossed");
        assert!(engrossed.contains("\n\n{++Sec. 3002.001. DEFINITIONS. In this chapter:++}\n\n"), "{b}");
        let d = statehouse::text::diff(introduced, engrossed, &[]);
        assert_eq!((d.unit.as_str(), d.changed, d.added, d.removed), ("section", 0, 0, 0), "{b}: {}", d.summary);
        assert!(d.unchanged >= 10, "{b}: {}", d.summary);
        // SB 14 enrolled: "A BILL TO BE ENTITLED" goes from the head, the presiding officers'
        // signatures and the certificates of passage follow the last section.
        let sb14 = |note: &str| &tx_texts.iter().find(|t| t.0 == "SB 14" && t.1 == note).unwrap().2;
        let d = statehouse::text::diff(sb14("Engrossed"), sb14("Enrolled"), &[]);
        assert_eq!(d.summary, "2 sections changed; 2 unchanged", "{b}");
        let head = d.hunks[0].inline.as_deref().unwrap_or_default();
        assert!(head.starts_with("[-A BILL TO BE ENTITLED-]\nAN ACT\n"), "{b}: {head}");
        let last = &d.hunks[1];
        assert_eq!(last.heading.as_deref(), Some("SECTION 2."), "{b}");
        assert!(
            last.inline.as_deref().unwrap_or_default().contains(
                "\n{+I hereby certify that S.B. No. 14 passed the House on August 26, 2025, by the following vote: \
                 Yeas 133, Nays 6, one present not voting.+}\n"
            ),
            "{b}: {:?}",
            last.inline
        );
        // The loaded diff of each later print is by section too.
        let units = rows(
            &wh,
            "SELECT DISTINCT d.unit FROM version_diffs d JOIN bills b ON b.id = d.bill_id WHERE b.identifier = 'SB 8'",
        )
        .await;
        assert_eq!(units, vec![vec!["section".to_string()]], "{b}");

        // Each host's share kept is on record in the run's warnings only when it looks like
        // navigation: neither host does.
        assert!(
            !report.warnings.iter().any(|(_, w)| w.message.contains("may be navigation")),
            "{b}: {:?}",
            report.warnings
        );
    }
}
