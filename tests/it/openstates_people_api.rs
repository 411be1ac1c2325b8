//! The Open States API's `/people` (with offices) and `/committees` (with memberships), replayed
//! from responses derived from Delaware's people files (tests/fixtures/openstates-api/PROVENANCE.md),
//! alone and together with those files (`openstates_people`), in either order. Both backends.

use crate::common::*;
use crate::openstates_http::{KEY, KEY_VAR, Replay, set_key};
use serde_json::Value;
use std::path::Path;
use wiremock::matchers::{header, method};
use wiremock::{Mock, MockServer};

async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET")).and(header("X-API-KEY", KEY)).respond_with(Replay::load()).mount(&server).await;
    server
}

/// People and committees only: `max_pages = 0` asks for no bill (the bills' derived voters
/// and sponsors are another matter).
fn api_source(name: &str, base_url: &str) -> String {
    format!(
        "[[source]]\nname = \"{name}\"\nkind = \"openstates\"\nbase_url = \"{base_url}\"\njurisdiction = \"de\"\n\
         api_key_env = \"{KEY_VAR}\"\npeople = true\ncommittees = true\nmax_pages = 0\n\
         tier = {{ requests_per_minute = 6000, requests_per_day = 250 }}\n"
    )
}

fn people_source(name: &str, path: &Path) -> String {
    format!("[[source]]\nname = \"{name}\"\nkind = \"openstates_people\"\npath = \"{}\"\n", path.display())
}

/// What the fixture pages hold, counted here.
struct Expected {
    people: Vec<String>,
    offices: usize,
    phones: usize,
    committees: usize,
    memberships: usize,
}

fn expected() -> Expected {
    let page = |name: String| -> Value {
        serde_json::from_slice(&std::fs::read(fixture(&format!("openstates-api/de/{name}"))).unwrap()).unwrap()
    };
    let list = |prefix: &str| -> Vec<Value> {
        let mut out = Vec::new();
        let mut k = 1;
        loop {
            let p = page(format!("{prefix}-{k}.json"));
            out.extend(p["results"].as_array().unwrap().iter().cloned());
            if p["pagination"]["page"] == p["pagination"]["max_page"] {
                return out;
            }
            k += 1;
        }
    };
    let people = list("people-offices-page");
    let committees = list("committees-page");
    let offices: Vec<&Value> = people.iter().flat_map(|p| p["offices"].as_array().unwrap()).collect();
    Expected {
        people: people.iter().map(|p| p["id"].as_str().unwrap().to_string()).collect(),
        offices: offices.len(),
        phones: offices.iter().filter(|o| o["voice"].as_str().is_some_and(|v| !v.is_empty())).count(),
        committees: committees.len(),
        memberships: committees
            .iter()
            .map(|c| {
                let ids: std::collections::BTreeSet<&str> = c["memberships"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|m| m["person"]["id"].as_str().unwrap_or_else(|| m["person_name"].as_str().unwrap()))
                    .collect();
                ids.len()
            })
            .sum(),
    }
}

async fn max_seq(wh: &statehouse::warehouse::Warehouse) -> i64 {
    count(wh, "SELECT COALESCE(MAX(seq), 0) FROM change_events").await
}

/// The change events after `seq`, as (kind, entity id, changes).
async fn events_after(wh: &statehouse::warehouse::Warehouse, seq: i64) -> Vec<(String, String, Value)> {
    rows(wh, &format!("SELECT kind, entity_id, changes FROM change_events WHERE seq > {seq} ORDER BY seq"))
        .await
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone(), serde_json::from_str(&r[2]).unwrap()))
        .collect()
}

#[tokio::test]
async fn the_api_loads_every_legislator_with_offices_and_every_committee_with_its_roster_and_a_rerun_writes_nothing() {
    set_key();
    let want = expected();
    assert!(want.people.len() > 50 && want.memberships > 300, "the fixture");
    for db in TestDb::both().await {
        let server = server().await;
        let wh = db.open().await;
        let b = wh.backend().to_string();
        let p = pipeline(db.dir.path(), "api", &api_source("os", &server.uri()));
        let report = run(&wh, &p, &db.options()).await;
        let s = &report.sources[0];
        assert_eq!(s.status, "succeeded", "[{b}] {:?} {:?}", s.error, report.warnings);
        // 2 people pages, 1 events page, the jurisdiction, 3 committee pages.
        assert_eq!(s.requests, 7, "[{b}]");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM people").await as usize, want.people.len(), "[{b}] people");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM person_offices").await as usize, want.offices, "[{b}] offices");
        assert_eq!(
            count(&wh, "SELECT COUNT(*) FROM person_offices WHERE voice IS NOT NULL").await as usize,
            want.phones,
            "[{b}] phones"
        );
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM person_roles").await, 0, "[{b}] the API gives no seat history");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM legislators").await as usize, want.people.len(), "[{b}]");
        assert_eq!(
            count(&wh, "SELECT COUNT(*) FROM organizations WHERE classification = 'committee'").await as usize,
            want.committees,
            "[{b}] committees"
        );
        assert_eq!(
            count(&wh, "SELECT COUNT(*) FROM organizations WHERE classification = 'committee' AND chamber IS NULL")
                .await,
            0,
            "[{b}] every committee has its chamber (from its parent)"
        );
        assert_eq!(
            count(&wh, "SELECT COUNT(*) FROM committee_memberships").await as usize,
            want.memberships,
            "[{b}] memberships"
        );
        assert_eq!(
            count(
                &wh,
                "SELECT COUNT(*) FROM committee_memberships m WHERE NOT EXISTS (SELECT 1 FROM people p WHERE p.id = m.person_id)"
            )
            .await,
            0,
            "[{b}] every member is a person the API listed"
        );
        let berry = rows(
            &wh,
            "SELECT name, chamber, district, party, email, capitol_phone FROM legislators
              WHERE person_id = 'ocd-person/e9301c44-8042-4031-8ed0-4731c64a5a66'",
        )
        .await;
        assert_eq!(
            berry,
            [["Alonna Berry", "lower", "20", "Democratic", "alonna.berry@delaware.gov", "302-744-4351"]],
            "[{b}]"
        );
        let housing = rows(
            &wh,
            "SELECT name, role FROM committee_rosters WHERE committee_id = 'ocd-organization/c415ff7a-e944-40a8-bb7e-280e1330bc1d'",
        )
        .await;
        assert_eq!(housing[0], ["Kendra Johnson", "chair"], "[{b}] {housing:?}");

        // The same pipeline again (conditional requests, unchanged pages), then another one
        // that reads and loads every page again: not one change.
        let seq = max_seq(&wh).await;
        let again = run(&wh, &p, &db.options()).await;
        assert_eq!(again.sources[0].status, "succeeded", "[{b}] {:?}", again.sources[0].error);
        let other = pipeline(db.dir.path(), "api2", &api_source("os2", &server.uri()));
        let reread = run(&wh, &other, &db.options()).await;
        assert_eq!(reread.sources[0].status, "succeeded", "[{b}] {:?}", reread.sources[0].error);
        assert!(reread.sources[0].records > 0, "[{b}] the second pipeline parsed the pages");
        assert_eq!(events_after(&wh, seq).await, [], "[{b}] a rerun wrote changes");
        wh.close().await;
    }
}

#[tokio::test]
async fn the_people_files_then_the_api_write_nothing_and_the_api_then_the_files_add_only_what_the_api_lacks() {
    set_key();
    let want = expected();
    let files = fixture("openstates-people/de");
    for db in TestDb::both().await {
        let server = server().await;
        let b = if db.url.starts_with("sqlite") { "sqlite" } else { "postgres" };
        let dir = db.dir.path().join("people");
        copy_dir(&files, &dir.join("de"));

        // The people files first, then the API: the API carries nothing they do not.
        let wh = db.open().await;
        let yaml = pipeline(db.dir.path(), "files", &people_source("people", &dir));
        assert_eq!(run(&wh, &yaml, &db.options()).await.status, "succeeded", "[{b}]");
        let seats = count(&wh, "SELECT COUNT(*) FROM person_roles").await;
        let seq = max_seq(&wh).await;
        let api = pipeline(db.dir.path(), "api", &api_source("os", &server.uri()));
        let report = run(&wh, &api, &db.options()).await;
        assert_eq!(report.sources[0].status, "succeeded", "[{b}] {:?}", report.sources[0].error);
        assert!(report.sources[0].records > 0, "[{b}]");
        assert_eq!(events_after(&wh, seq).await, [], "[{b}] the API after the people files");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM person_roles").await, seats, "[{b}] seats kept");
        wh.close().await;

        // Another warehouse: the API first, then the people files. What both carry is the same;
        // the files add what only they have: each legislator's seats over time, ids (not
        // requested from the API), `former` (a whole source's word), and the former legislators.
        let other = if b == "sqlite" { TestDb::sqlite() } else { TestDb::postgres().await };
        let wh = other.open().await;
        let api = pipeline(other.dir.path(), "api", &api_source("os", &server.uri()));
        assert_eq!(run(&wh, &api, &other.options()).await.sources[0].status, "succeeded", "[{b}]");
        let seq = max_seq(&wh).await;
        let yaml = pipeline(other.dir.path(), "files", &people_source("people", &dir));
        assert_eq!(run(&wh, &yaml, &other.options()).await.status, "succeeded", "[{b}]");
        let events = events_after(&wh, seq).await;
        let retired = std::fs::read_dir(files.join("retired")).unwrap().count();
        let mut changed = 0;
        for (kind, id, changes) in &events {
            match kind.as_str() {
                "person_added" => assert!(!want.people.contains(id), "[{b}] {id}: the API listed it"),
                "person_changed" => {
                    changed += 1;
                    assert!(want.people.contains(id), "[{b}] {id}");
                    let fields: Vec<&String> = changes.as_object().unwrap().keys().collect();
                    assert!(
                        fields.iter().all(|f| ["former", "ids", "roles"].contains(&f.as_str())),
                        "[{b}] {id}: {changes}"
                    );
                    assert_eq!(changes["former"], serde_json::json!({"old": null, "new": false}), "[{b}] {id}");
                    assert!(changes["roles"].as_array().unwrap().iter().all(|r| r["kind"] == "added"), "[{b}] {id}");
                }
                other => panic!("[{b}] {other} {id}: {changes}"),
            }
        }
        assert_eq!(changed, want.people.len(), "[{b}] every legislator gains its seats");
        assert_eq!(events.len() - changed, retired, "[{b}] the former legislators are new");
        wh.close().await;
    }
}
