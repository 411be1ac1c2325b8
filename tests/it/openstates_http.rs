//! The Open States source against a local server replaying responses (derived from real
//! Delaware data, see tests/fixtures/openstates-api/PROVENANCE.md), with the faults the real
//! API shows: 429 without Retry-After, 500s, and a response too slow to wait for.

use crate::common::*;
use statehouse::fetch::FetchOptions;
use std::collections::HashMap;
use std::sync::Once;
use std::time::Duration;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub(crate) const KEY_VAR: &str = "STATEHOUSE_TEST_OPENSTATES_KEY";
pub(crate) const KEY: &str = "test-key-not-a-secret";

pub(crate) fn set_key() {
    static ONCE: Once = Once::new();
    // SAFETY: set once, before any test of this module reads it; nothing else writes it.
    ONCE.call_once(|| unsafe { std::env::set_var(KEY_VAR, KEY) });
}

/// Answers each request with the recorded file its path and query map to.
pub(crate) struct Replay {
    by_request: HashMap<String, Vec<u8>>,
    updated_since: Vec<u8>,
}

impl Replay {
    pub(crate) fn load() -> Replay {
        let dir = fixture("openstates-api/de");
        let map: HashMap<String, String> =
            serde_json::from_slice(&std::fs::read(dir.join("requests.json")).unwrap()).unwrap();
        let by_request = map.into_iter().map(|(file, req)| (req, std::fs::read(dir.join(&file)).unwrap())).collect();
        Replay { by_request, updated_since: std::fs::read(dir.join("bills-updated-since.json")).unwrap() }
    }
}

impl Respond for Replay {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let key = format!("{}?{}", req.url.path(), req.url.query().unwrap_or(""));
        if req.url.path() == "/bills" && req.url.query_pairs().any(|(k, _)| k == "updated_since") {
            return ResponseTemplate::new(200).set_body_raw(self.updated_since.clone(), "application/json");
        }
        match self.by_request.get(&key) {
            Some(body) => ResponseTemplate::new(200).set_body_raw(body.clone(), "application/json"),
            None => ResponseTemplate::new(404).set_body_string(format!("no recorded response for {key}")),
        }
    }
}

async fn server_with_faults() -> MockServer {
    let server = MockServer::start().await;
    // Page 2: rate limited once (the real API sends no Retry-After).
    Mock::given(method("GET"))
        .and(path("/bills"))
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(429))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    // Page 3: a server error once.
    Mock::given(method("GET"))
        .and(path("/bills"))
        .and(query_param("page", "3"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    // Page 4: too slow once (longer than the client's timeout).
    Mock::given(method("GET"))
        .and(path("/bills"))
        .and(query_param("page", "4"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    // Everything else replays, only with the API key.
    Mock::given(method("GET"))
        .and(header("X-API-KEY", KEY))
        .respond_with(Replay::load())
        .with_priority(5)
        .mount(&server)
        .await;
    server
}

fn source(base_url: &str, per_day: u32) -> String {
    format!(
        "[[source]]\nname = \"os\"\nkind = \"openstates\"\nbase_url = \"{base_url}\"\njurisdiction = \"de\"\nsession = \"153\"\napi_key_env = \"{KEY_VAR}\"\ntier = {{ requests_per_minute = 6000, requests_per_day = {per_day} }}\n"
    )
}

fn quick() -> FetchOptions {
    FetchOptions {
        timeout: Duration::from_millis(1500),
        max_attempts: 4,
        min_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        max_bytes: 8 * 1024 * 1024,
        // A 429 without Retry-After waits this long (a minute in production).
        rate_limited_wait: Duration::from_millis(300),
    }
}

#[tokio::test]
async fn replays_the_api_through_429_500_and_a_timeout() {
    set_key();
    for db in TestDb::both().await {
        let server = server_with_faults().await;
        let wh = db.open().await;
        let b = wh.backend();
        let p = pipeline(db.dir.path(), "de-api", &source(&server.uri(), 250));
        let mut opts = db.options();
        opts.fetch = quick();
        let report = run(&wh, &p, &opts).await;
        let s = &report.sources[0];
        assert_eq!(s.status, "succeeded", "{b}: {:?}", s.error);
        // 2 people pages + 8 bill pages + 1 events page, and 3 retries.
        assert_eq!(s.requests, 14, "{b}");
        // The 429 named no Retry-After: the retry waited the rate-limit pause, not the
        // 10-50 ms backoff.
        let received = server.received_requests().await.unwrap();
        let page2: Vec<_> = received
            .iter()
            .filter(|r| r.url.path() == "/bills" && r.url.query_pairs().any(|(k, v)| k == "page" && v == "2"))
            .collect();
        assert_eq!(page2.len(), 2, "{b}");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM bills").await, 150, "{b}");
        assert_eq!(
            count(&wh, "SELECT COUNT(*) FROM votes").await,
            248,
            "{b}: every vote but the orphan, which /bills cannot carry"
        );
        assert_eq!(
            count(&wh, "SELECT COUNT(*) FROM vote_records").await,
            5562 - 21,
            "{b}: less the orphan vote's 21 records"
        );
        // The people pages (derived from the people files, with offices): every legislator.
        let people: i64 = (1..=2)
            .map(|k| {
                let page = std::fs::read(fixture(&format!("openstates-api/de/people-offices-page-{k}.json"))).unwrap();
                let page: serde_json::Value = serde_json::from_slice(&page).unwrap();
                page["results"].as_array().unwrap().len() as i64
            })
            .sum();
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM people").await, people, "{b}");
        // Voters carry the person ids their votes name (derived from the scrape, not the
        // people files the people pages come from: see the fixtures' PROVENANCE.md).
        assert!(count(&wh, "SELECT COUNT(*) FROM vote_records WHERE person_id IS NOT NULL").await > 5000, "{b}");
        assert_eq!(
            rows(&wh, "SELECT COUNT(*), MIN(http_status), MAX(http_status) FROM raw_payloads WHERE source = 'os'")
                .await,
            vec![vec!["11".to_string(), "200".to_string(), "200".to_string()]],
            "{b}: one archived payload per page"
        );

        // The next run asks only for what changed since, and finds nothing new.
        let again = run(&wh, &p, &opts).await;
        assert_eq!(again.sources[0].status, "succeeded", "{b}: {:?}", again.sources[0].error);
        assert_eq!(again.changes(), 0, "{b}");
        let received = server.received_requests().await.unwrap();
        let last_bills = received.iter().rev().find(|r| r.url.path() == "/bills").unwrap();
        let since = last_bills.url.query_pairs().find(|(k, _)| k == "updated_since").map(|(_, v)| v.to_string());
        let since = since.unwrap_or_else(|| panic!("{b}: the second run sends updated_since"));
        assert!(!since.ends_with('Z') && since.ends_with("+00:00"), "{b}: the API rejects a trailing Z: {since}");
        wh.close().await;
    }
}

#[tokio::test]
async fn a_server_that_keeps_failing_fails_the_source_with_its_url() {
    set_key();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).set_body_string("upstream down"))
        .mount(&server)
        .await;
    let db = TestDb::sqlite();
    let wh = db.open().await;
    let p = pipeline(db.dir.path(), "de-api", &source(&server.uri(), 250));
    let mut opts = db.options();
    opts.fetch = quick();
    let report = run(&wh, &p, &opts).await;
    assert_eq!(report.status, "failed");
    let err = report.sources[0].error.clone().unwrap();
    assert!(err.contains(&server.uri()) && err.contains("503") && err.contains("upstream down"), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 4, "max_attempts");
    assert!(!err.contains(KEY), "the key never appears in errors");
    wh.close().await;
}

#[tokio::test]
async fn the_daily_quota_stops_the_crawl_and_keeps_the_cursor() {
    set_key();
    let server = MockServer::start().await;
    Mock::given(method("GET")).and(header("X-API-KEY", KEY)).respond_with(Replay::load()).mount(&server).await;
    let db = TestDb::sqlite();
    let wh = db.open().await;
    let p = pipeline(db.dir.path(), "de-api", &source(&server.uri(), 4));
    let mut opts = db.options();
    opts.fetch = quick();
    let report = run(&wh, &p, &opts).await;
    assert_eq!(report.sources[0].requests, 4);
    assert_eq!(report.sources[0].status, "succeeded");
    assert!(report.warnings.iter().any(|(_, w)| w.message.contains("quota")), "{:?}", report.warnings);
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM bills").await, 40, "two bill pages after two people pages");
    assert_eq!(
        count(&wh, "SELECT COUNT(*) FROM source_state WHERE key = 'updated_since'").await,
        0,
        "an incomplete crawl sets no cursor"
    );
    // The same day, the quota is spent: the next run sends nothing.
    let next = run(&wh, &p, &opts).await;
    assert_eq!(next.sources[0].requests, 0);

    // A new day (the day's count reset): the crawl resumes at bills page 3, not at the start.
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    wh.set_state("de-api", "os", &format!("requests:{today}"), "0").await.unwrap();
    let before = server.received_requests().await.unwrap().len();
    run(&wh, &p, &opts).await;
    run(&wh, &p, &opts).await;
    wh.set_state("de-api", "os", &format!("requests:{today}"), "0").await.unwrap();
    run(&wh, &p, &opts).await;
    let sent: Vec<String> = server.received_requests().await.unwrap()[before..]
        .iter()
        .map(|r| format!("{}?page={}", r.url.path(), r.url.query_pairs().find(|(k, _)| k == "page").unwrap().1))
        .collect();
    assert_eq!(
        sent,
        [
            "/bills?page=3",
            "/bills?page=4",
            "/bills?page=5",
            "/bills?page=6",
            "/bills?page=7",
            "/bills?page=8",
            "/events?page=1"
        ],
        "4 requests, none the next run (quota spent), then the rest"
    );
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM bills").await, 150);
    assert_eq!(
        count(&wh, "SELECT COUNT(*) FROM source_state WHERE key = 'updated_since'").await,
        1,
        "complete: cursor set"
    );
    wh.close().await;
}

/// The replay, as a server that sends ETags and answers 304 when the client has the page.
struct WithEtags(Replay);

impl Respond for WithEtags {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let resp = self.0.respond(req);
        let key = format!("{}?{}", req.url.path(), req.url.query().unwrap_or(""));
        let Some(body) = self.0.by_request.get(&key) else { return resp };
        let etag = format!("\"{}\"", &statehouse::hash::sha256_hex(body)[..16]);
        if req.headers.get("if-none-match").and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
            return ResponseTemplate::new(304).insert_header("ETag", etag.as_str());
        }
        resp.insert_header("ETag", etag.as_str())
    }
}

#[tokio::test]
async fn conditional_get_turns_unchanged_pages_into_304s() {
    set_key();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(header("X-API-KEY", KEY))
        .respond_with(WithEtags(Replay::load()))
        .mount(&server)
        .await;
    let db = TestDb::sqlite();
    let wh = db.open().await;
    let p = pipeline(db.dir.path(), "de-api", &source(&server.uri(), 250));
    let mut opts = db.options();
    opts.fetch = quick();
    run(&wh, &p, &opts).await;
    let first = server.received_requests().await.unwrap().len();
    let again = run(&wh, &p, &opts).await;
    let second: Vec<_> = server.received_requests().await.unwrap()[first..].to_vec();
    // People and events pages are asked for with the ETag they came with; the bills request
    // is a new one (updated_since), so it has no validator yet.
    let conditional = second.iter().filter(|r| r.headers.get("if-none-match").is_some()).count();
    assert_eq!(conditional, 3, "2 people pages and 1 events page");
    assert_eq!(again.sources[0].unchanged_payloads, 3, "the three 304s; the updated-since bills page is new");
    assert_eq!(again.changes(), 0);
    wh.close().await;
}

/// Off a terminal at info level, the crawl's progress lines count its requests out of the
/// pages the first page announced, with an ETA.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_lines_count_pages_out_of_the_announced_total() {
    set_key();
    let server = MockServer::start().await;
    Mock::given(method("GET")).and(header("X-API-KEY", KEY)).respond_with(Replay::load()).mount(&server).await;
    let db = TestDb::sqlite();
    let p = pipeline_file(db.dir.path(), "de", "America/New_York", &source(&server.uri(), 500)).display().to_string();
    let mut command = statehouse_command(&db);
    command.env(KEY_VAR, KEY).env("STATEHOUSE_LOG", "info").env("STATEHOUSE_PROGRESS_SECONDS", "0").args(["run", &p]);
    let out = tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let field = |line: &str, name: &str| -> String {
        line.split_whitespace()
            .find_map(|f| f.strip_prefix(&format!("{name}=")))
            .unwrap_or_else(|| panic!("{name} in {line}"))
            .to_string()
    };
    let lines: Vec<&str> = stderr.lines().filter(|l| l.contains(" progress source=os ")).collect();
    assert!(lines.len() >= 8, "{stderr}");
    let last = lines.last().unwrap();
    let (requests, expected) = (field(last, "requests"), field(last, "expected_requests"));
    // People, 2 pages of 50; Delaware's 150 bills, 8 pages of 20; events, 1 page (the
    // recorded responses' max_page each).
    assert_eq!(requests, "11", "{last}");
    assert_eq!(expected, "11", "{last}");
    // The bills' pages were counted ahead, from their first page.
    assert!(lines.iter().any(|l| field(l, "requests") == "4" && field(l, "expected_requests") == "10"), "{stderr}");
    assert!(lines.iter().any(|l| field(l, "eta").trim_end_matches('s').parse::<u64>().is_ok()), "{stderr}");
}
