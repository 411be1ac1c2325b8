//! Legistar's Web API for New York City's Council, replayed from a local server with the real
//! responses in tests/fixtures/legistar (and a roll call derived from them, see its
//! PROVENANCE.md): paging, the token kept out of everything stored, zone-less times read in
//! the city's zone, what cannot be fetched retried by id; then the meeting moved, an item
//! taken off its agenda, and the meeting deferred (New York's word for cancelled), each one
//! change on the same hearing; and an incremental run that changes nothing.

use crate::common::*;

const NYC: &str = "ocd-jurisdiction/country:us/state:ny/place:new_york/government";
const TOKEN_VAR: &str = "STATEHOUSE_TEST_LEGISTAR_TOKEN";
const TOKEN: &str = "legistar-test-token-not-a-secret";

fn set_token() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| unsafe { std::env::set_var(TOKEN_VAR, TOKEN) });
}

fn real(file: &str) -> Vec<u8> {
    std::fs::read(fixture(&format!("legistar/{file}"))).unwrap()
}

/// The real responses: bodies, persons, the first page of matters (10), matter 17071's
/// history and sponsors, and event 7 (a 1999 hearing of the Committee on Aging) with its items.
fn nyc_replay() -> LegistarReplay {
    let r = LegistarReplay::new(TOKEN);
    r.set("bodies", real("nyc-webapi/bodies.json"));
    r.set("persons", real("nyc-webapi/persons.json"));
    r.set("matters", real("nyc-webapi/matters_page1.json"));
    r.set("matters/17071/histories", real("nyc-webapi/matter_histories_17071.json"));
    r.set("matters/17071/sponsors", real("nyc-webapi/matter_sponsors_17071.json"));
    r.set("events", event_list(|_| {}));
    r.set("events/7/eventitems", real("nyc-webapi/event_items_7.json"));
    r
}

/// `[event 7]` as the events list answers it, after `edit`.
fn event_list(edit: impl Fn(&mut serde_json::Value)) -> Vec<u8> {
    let mut e: serde_json::Value = serde_json::from_slice(&real("nyc-webapi/event_detail_7.json")).unwrap();
    edit(&mut e);
    serde_json::to_vec(&vec![e]).unwrap()
}

fn source(base: &str) -> String {
    format!(
        "[[source]]\nname = \"nyc\"\nkind = \"legistar\"\nclient = \"nyc\"\nbase_url = \"{base}/v1\"\n\
         jurisdiction = \"{NYC}\"\ntimezone = \"America/New_York\"\ntoken_env = \"{TOKEN_VAR}\"\n\
         page_size = 4\nrequests_per_minute = 60000\n\
         [[source.term]]\nname = \"1994-1997\"\nstart = \"1994-01-01\"\nend = \"1997-12-31\"\n\
         [[source.term]]\nname = \"1998-2001\"\nstart = \"1998-01-01\"\nend = \"2001-12-31\"\n"
    )
}

async fn serve(replay: &LegistarReplay) -> wiremock::MockServer {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("GET")).respond_with(replay.clone()).mount(&server).await;
    server
}

fn paths(requests: &[wiremock::Request]) -> Vec<String> {
    requests.iter().map(|r| r.url.path().trim_start_matches("/v1/nyc/").to_string()).collect()
}

#[tokio::test]
async fn new_york_city_council_over_the_web_api() {
    set_token();
    for db in TestDb::both().await {
        let wh = db.open().await;
        let b = wh.backend();
        let replay = nyc_replay();
        let server = serve(&replay).await;
        let p = pipeline(db.dir.path(), "nyc", &source(&server.uri()));
        let first = run(&wh, &p, &db.options()).await;
        assert_eq!(first.status, "succeeded", "{b}: {:?}", first.sources);
        let asked = server.received_requests().await.unwrap();
        // 10 matters in pages of 4: three pages, the last short.
        let matter_pages: Vec<String> = asked
            .iter()
            .filter(|r| r.url.path().ends_with("/nyc/matters"))
            .map(|r| r.url.query_pairs().find(|(k, _)| k == "$skip").unwrap().1.into_owned())
            .collect();
        assert_eq!(matter_pages, ["0", "4", "8"], "{b}");
        // Every matter's history and sponsors were asked for; only 17071's are recorded.
        let asked_paths = paths(&asked);
        for id in [17071, 17075, 17136] {
            assert!(asked_paths.contains(&format!("matters/{id}/histories")), "{b}: {asked_paths:?}");
        }
        // The matter event 7's items name (20629) was fetched too, to refresh its history.
        assert!(asked_paths.contains(&"matters/20629".to_string()), "{b}");

        // LU 1505-1997, with its 8 actions in order and its sponsor.
        assert_eq!(
            rows(&wh, "SELECT identifier, session, jurisdiction_id FROM bills").await,
            vec![vec!["LU 1505-1997".to_string(), "1994-1997".to_string(), NYC.to_string()]],
            "{b}"
        );
        assert_eq!(
            rows(&wh, "SELECT CAST(date AS TEXT), description FROM bill_actions ORDER BY ordinal")
                .await
                .iter()
                .map(|r| format!("{} {}", r[0], r[1]))
                .collect::<Vec<_>>()[..3],
            [
                "1997-11-25 Introduced by Council",
                "1997-11-25 Referred to Comm by Council",
                "1997-12-09 Hearing Held by Committee"
            ],
            "{b}"
        );
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM bill_actions").await, 8, "{b}");
        assert_eq!(
            rows(&wh, "SELECT name FROM bill_sponsorships").await,
            vec![vec!["June M. Eisland".to_string()]],
            "{b}"
        );
        // The other nine matters could not be completed: a warning each, retried next run.
        let not_updated: Vec<&String> = first
            .warnings
            .iter()
            .filter(|(_, w)| w.message.contains("tried again next run"))
            .map(|(_, w)| &w.message)
            .collect();
        assert_eq!(not_updated.len(), 9, "{b}: {not_updated:?}");
        assert!(not_updated.iter().all(|m| m.contains("HTTP 404")), "{b}");

        // The hearing: 10:00 AM on 1999-10-28 in New York is 14:00 UTC. Its two items are the
        // agenda entry of T1999-1 and the minutes entry of the same matter (same title): one
        // agenda item.
        assert_eq!(
            rows(&wh, "SELECT name, CAST(start_date AS TEXT), timezone, status, upstream_id FROM events").await,
            vec![
                ["Committee on Aging", "1999-10-28", "America/New_York", "confirmed", "legistar:nyc:event:7"]
                    .map(String::from)
                    .to_vec()
            ],
            "{b}"
        );
        let start = rows(&wh, "SELECT CAST(start_time AS TEXT) FROM events").await[0][0].clone();
        assert!(start.starts_with("1999-10-28") && start.contains("14:00:00"), "{b}: {start}");
        assert_eq!(
            rows(&wh, "SELECT description, bill_identifier FROM event_agenda").await,
            vec![vec![
                "Mayor's Management Report & Oversight - Department for the Aging".to_string(),
                "T 1999-1".to_string()
            ]],
            "{b}"
        );

        // The token went to the server on every request and is nowhere in what was stored.
        let without: Vec<String> = asked
            .iter()
            .filter(|r| !r.url.query_pairs().any(|(k, v)| k == "token" && v == TOKEN))
            .map(|r| r.url.to_string())
            .collect();
        assert!(without.is_empty(), "{b}: {without:?}");
        // Payloads are recorded under the address without the token.
        assert!(count(&wh, "SELECT COUNT(*) FROM raw_payloads WHERE location LIKE '%/v1/nyc/%'").await > 10, "{b}");
        assert_eq!(
            count(&wh, &format!("SELECT COUNT(*) FROM raw_payloads WHERE location LIKE '%{TOKEN}%'")).await,
            0,
            "{b}"
        );
        assert_eq!(
            count(&wh, &format!("SELECT COUNT(*) FROM warnings WHERE message LIKE '%{TOKEN}%'")).await,
            0,
            "{b}"
        );

        // 2. Nothing changed upstream: the incremental run asks only for what changed since,
        // retries the nine, and writes nothing.
        let seq = count(&wh, "SELECT COALESCE(MAX(seq), 0) FROM change_events").await;
        server.reset().await;
        wiremock::Mock::given(wiremock::matchers::method("GET")).respond_with(replay.clone()).mount(&server).await;
        let second = run(&wh, &p, &db.options()).await;
        assert_eq!(second.status, "succeeded", "{b}");
        let asked = server.received_requests().await.unwrap();
        let filters: Vec<String> = asked
            .iter()
            .filter_map(|r| r.url.query_pairs().find(|(k, _)| k == "$filter").map(|(_, v)| v.into_owned()))
            .collect();
        assert!(
            filters.contains(&"MatterLastModifiedUtc gt datetime'2021-08-20T19:24:24'".to_string()),
            "{b}: {filters:?}"
        );
        assert!(
            filters.contains(&"EventLastModifiedUtc gt datetime'2015-08-25T15:57:12'".to_string()),
            "{b}: {filters:?}"
        );
        assert!(paths(&asked).contains(&"matters/17075".to_string()), "{b}: retried by id");
        assert_eq!(count(&wh, &format!("SELECT COUNT(*) FROM change_events WHERE seq > {seq}")).await, 0, "{b}");
    }
}

#[tokio::test]
async fn a_legistar_hearing_moved_trimmed_and_deferred_stays_one_hearing() {
    set_token();
    let db = TestDb::sqlite();
    let wh = db.open().await;
    let replay = nyc_replay();
    let server = serve(&replay).await;
    let p = pipeline(db.dir.path(), "nyc", &source(&server.uri()));
    assert_eq!(run(&wh, &p, &db.options()).await.status, "succeeded");
    let changes_after = |seq: i64| {
        let wh = &wh;
        async move {
            rows(wh, &format!("SELECT kind FROM change_events WHERE seq > {seq} ORDER BY seq"))
                .await
                .into_iter()
                .map(|r| r[0].clone())
                .collect::<Vec<String>>()
        }
    };

    // The meeting moved to 2:00 PM in another room (the API stamps the edit).
    let seq = count(&wh, "SELECT MAX(seq) FROM change_events").await;
    replay.set(
        "events",
        event_list(|e| {
            e["EventTime"] = "2:00 PM".into();
            e["EventLocation"] = "250 Broadway - 16th Floor Hearing Room".into();
            e["EventLastModifiedUtc"] = "2015-09-01T10:00:00.5".into();
        }),
    );
    assert_eq!(run(&wh, &p, &db.options()).await.status, "succeeded");
    assert_eq!(changes_after(seq).await, ["hearing_changed"]);
    let start = rows(&wh, "SELECT CAST(start_time AS TEXT) FROM events").await[0][0].clone();
    assert!(start.contains("18:00:00"), "{start}");

    // The item taken off the agenda (both its rows gone): its own change, the hearing kept.
    let seq = count(&wh, "SELECT MAX(seq) FROM change_events").await;
    replay.set("events/7/eventitems", b"[]".to_vec());
    replay.set(
        "events",
        event_list(|e| {
            e["EventTime"] = "2:00 PM".into();
            e["EventLocation"] = "250 Broadway - 16th Floor Hearing Room".into();
            e["EventLastModifiedUtc"] = "2015-09-02T10:00:00".into();
        }),
    );
    assert_eq!(run(&wh, &p, &db.options()).await.status, "succeeded");
    assert_eq!(changes_after(seq).await, ["agenda_item_removed"]);

    // Deferred, as New York marks a meeting that will not take place.
    let seq = count(&wh, "SELECT MAX(seq) FROM change_events").await;
    replay.set(
        "events",
        event_list(|e| {
            e["EventTime"] = "2:00 PM".into();
            e["EventLocation"] = "250 Broadway - 16th Floor Hearing Room".into();
            e["EventAgendaStatusName"] = "Deferred".into();
            e["EventMinutesStatusName"] = "Deferred".into();
            e["EventLastModifiedUtc"] = "2015-09-03T10:00:00".into();
        }),
    );
    assert_eq!(run(&wh, &p, &db.options()).await.status, "succeeded");
    assert_eq!(changes_after(seq).await, ["hearing_cancelled"]);
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM events").await, 1);
    assert_eq!(rows(&wh, "SELECT status FROM events").await, vec![vec!["cancelled".to_string()]]);
}

#[tokio::test]
async fn a_roll_call_on_a_matter_history_row_with_every_members_vote() {
    // Derived (tests/fixtures/legistar/PROVENANCE.md): no real Votes response exists; the roll
    // call flag and tally of the real row 66900 and the members' votes are derived.
    set_token();
    let db = TestDb::sqlite();
    let wh = db.open().await;
    let replay = nyc_replay();
    replay.set("matters/17071/histories", real("derived/matter_histories_17071_rollcall.json"));
    replay.set("eventitems/66900/votes", real("derived/votes_66900.json"));
    let server = serve(&replay).await;
    let p = pipeline(db.dir.path(), "nyc", &source(&server.uri()));
    assert_eq!(run(&wh, &p, &db.options()).await.status, "succeeded");
    let votes: Vec<serde_json::Value> = serde_json::from_slice(&real("derived/votes_66900.json")).unwrap();
    assert_eq!(
        rows(
            &wh,
            "SELECT bill_identifier, CAST(date AS TEXT), motion, result, yes_count, no_count, organization FROM votes"
        )
        .await,
        vec![
            ["LU 1505-1997", "1998-01-07", "Approved by Council", "pass", "12", "1", "City Council"]
                .map(String::from)
                .to_vec()
        ]
    );
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM vote_records").await as usize, votes.len());
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM votes WHERE bill_id IS NULL").await, 0);
    // Every member's Legistar word is kept beside the OCD option.
    let noach = rows(&wh, "SELECT option, note FROM vote_records WHERE voter_name = 'Noach Dear'").await;
    assert_eq!(noach, vec![vec!["yes".to_string(), "Affirmative".to_string()]]);
    // A rerun: the same roll call, nothing new.
    let seq = count(&wh, "SELECT MAX(seq) FROM change_events").await;
    assert_eq!(run(&wh, &p, &db.options()).await.status, "succeeded");
    assert_eq!(count(&wh, &format!("SELECT COUNT(*) FROM change_events WHERE seq > {seq}")).await, 0);
}
