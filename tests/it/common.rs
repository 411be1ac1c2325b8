//! Test support: fresh warehouses on both backends, fixture paths, pipeline files.

#![allow(dead_code)]

use statehouse::config::Pipeline;
use statehouse::run::{RunOptions, RunReport, run_pipeline};
use statehouse::warehouse::Warehouse;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(rel)
}

fn pg_base() -> String {
    std::env::var("STATEHOUSE_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// A fresh, empty warehouse of one backend, removed when dropped.
pub struct TestDb {
    pub url: String,
    pub dir: tempfile::TempDir,
    pg_name: Option<String>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDb {
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite:{}", dir.path().join("warehouse.db").display());
        TestDb { url, dir, pg_name: None }
    }

    pub async fn postgres() -> TestDb {
        let name = format!("statehouse_test_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst));
        let admin = format!("{}/postgres", pg_base());
        let pool = sqlx::PgPool::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {admin} is needed for this test (start it; .ci/run does): {e}"));
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}"))).execute(&pool).await.expect("drop");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&pool)
            .await
            .expect("create database");
        pool.close().await;
        TestDb {
            url: format!("{}/{name}", pg_base()),
            dir: tempfile::tempdir().expect("temp dir"),
            pg_name: Some(name),
        }
    }

    /// One of each backend.
    pub async fn both() -> Vec<TestDb> {
        vec![TestDb::sqlite(), TestDb::postgres().await]
    }

    pub async fn open(&self) -> Warehouse {
        Warehouse::open(&self.url).await.unwrap_or_else(|e| panic!("open {}: {e:#}", self.url))
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn options(&self) -> RunOptions {
        RunOptions::new(self.data_dir())
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = self.pg_name.take() {
            let admin = format!("{}/postgres", pg_base());
            // Drop from a thread of its own: Drop cannot await on the test's runtime.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                rt.block_on(async {
                    if let Ok(pool) = sqlx::PgPool::connect(&admin).await {
                        let _ =
                            sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                                .execute(&pool)
                                .await;
                    }
                });
            })
            .join();
        }
    }
}

/// The `statehouse` binary on this warehouse, with no settings from the environment.
pub fn statehouse_command(db: &TestDb) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_statehouse"));
    c.args(["--database", &db.url, "--data-dir", &db.data_dir().display().to_string()])
        .env_remove("STATEHOUSE_DATABASE_URL")
        .env_remove("STATEHOUSE_DATA_DIR")
        .env_remove("STATEHOUSE_SMTP_URL")
        .env_remove("STATEHOUSE_OPERATOR_EMAIL")
        .env_remove("STATEHOUSE_MAIL_FROM")
        .env_remove("STATEHOUSE_ALERT_LEASE_SECONDS");
    c
}

/// Writes `<dir>/<name>.toml`: a nightly pipeline in `timezone` with `body` (more settings,
/// then sources), and returns its path.
pub fn pipeline_file(dir: &Path, name: &str, timezone: &str, body: &str) -> PathBuf {
    let text = format!("name = \"{name}\"\nschedule = \"0 30 2 * * *\"\ntimezone = \"{timezone}\"\n{body}");
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).expect("write pipeline");
    path
}

/// Writes a New York-time pipeline file into `dir` and loads it.
pub fn pipeline(dir: &Path, name: &str, sources: &str) -> Pipeline {
    Pipeline::load(&pipeline_file(dir, name, "America/New_York", sources)).expect("valid pipeline")
}

/// An `ocd_scrape` source block.
pub fn scrape_source(name: &str, path: &Path, jurisdiction: Option<&str>) -> String {
    let mut s = format!("[[source]]\nname = \"{name}\"\nkind = \"ocd_scrape\"\npath = \"{}\"\n", path.display());
    if let Some(j) = jurisdiction {
        s.push_str(&format!("jurisdiction = \"{j}\"\n"));
    }
    s
}

pub async fn run(wh: &Warehouse, p: &Pipeline, opts: &RunOptions) -> RunReport {
    run_pipeline(wh, p, opts).await.expect("run")
}

/// A single integer from SQL.
pub async fn count(wh: &Warehouse, sql: &str) -> i64 {
    let r = wh.query(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    r.rows[0][0].as_i64().unwrap_or_else(|| panic!("{sql}: not an integer: {:?}", r.rows[0][0]))
}

/// Rows of strings from SQL (NULL as "").
pub async fn rows(wh: &Warehouse, sql: &str) -> Vec<Vec<String>> {
    let r = wh.query(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    r.rows
        .into_iter()
        .map(|row| {
            row.into_iter()
                .map(|v| match v {
                    serde_json::Value::Null => String::new(),
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

/// Copies a fixture folder into `dir` (to edit it in a test).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read fixture dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// The sample sources: Delaware and Illinois scrapes, the Arizona person, Delaware's people and
/// committees, New York hearings.
pub fn sample_sources() -> String {
    [
        scrape_source("de", &fixture("ocd-scrape/de-153"), None),
        scrape_source("il", &fixture("ocd-scrape/il-104th-windycivi"), None),
        scrape_source("az", &fixture("ocd-scrape/az-person"), Some("ocd-jurisdiction/country:us/state:az/government")),
        format!(
            "[[source]]\nname = \"de-people\"\nkind = \"openstates_people\"\npath = \"{}\"\n",
            fixture("openstates-people/de").display()
        ),
        scrape_source(
            "ny",
            &fixture("ocd-events/ny-agenda-5-2017-v1"),
            Some("ocd-jurisdiction/country:us/state:ny/government"),
        ),
    ]
    .concat()
}

/// A real SMTP server (aiosmtpd, installed by scripts/test) writing each message to a maildir.
pub struct SmtpServer {
    child: Child,
    pub port: u16,
    maildir: tempfile::TempDir,
}

impl SmtpServer {
    pub fn start() -> SmtpServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        SmtpServer::start_on(port)
    }

    /// On a given port (one a test first found closed, to simulate an outage).
    pub fn start_on(port: u16) -> SmtpServer {
        let python = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-tools/venv/bin/python");
        assert!(
            python.exists(),
            "{} is missing: run scripts/test, which installs the SMTP test server (aiosmtpd)",
            python.display()
        );
        let maildir = tempfile::tempdir().unwrap();
        let child = Command::new(python)
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
                &maildir.path().join("mail").display().to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(start.elapsed() < Duration::from_secs(20), "the SMTP server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        SmtpServer { child, port, maildir }
    }

    pub fn messages(&self) -> Vec<String> {
        let new = self.maildir.path().join("mail/new");
        let mut out: Vec<String> = std::fs::read_dir(&new)
            .map(|d| d.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok()).collect())
            .unwrap_or_default();
        out.sort();
        out
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Legistar's Web API replayed: answers `/v1/nyc/<path>` from `routes`; list answers honour `$filter` (`… gt datetime'…'`),
/// `$skip` and `$top` as the API does; anything not recorded is a 404.
#[derive(Clone)]
pub struct LegistarReplay {
    routes: std::sync::Arc<std::sync::Mutex<HashMap<String, Vec<u8>>>>,
    /// The token every request must carry.
    token: &'static str,
}

impl LegistarReplay {
    pub fn new(token: &'static str) -> LegistarReplay {
        LegistarReplay { routes: Default::default(), token }
    }

    pub fn set(&self, path: &str, body: Vec<u8>) {
        self.routes.lock().unwrap().insert(path.to_string(), body);
    }
}

impl wiremock::Respond for LegistarReplay {
    fn respond(&self, req: &wiremock::Request) -> wiremock::ResponseTemplate {
        let q: HashMap<String, String> = req.url.query_pairs().into_owned().collect();
        if q.get("token").map(String::as_str) != Some(self.token) {
            return wiremock::ResponseTemplate::new(401).set_body_string("token missing or wrong");
        }
        let path = req.url.path().strip_prefix("/v1/nyc/").unwrap_or_default().to_string();
        let Some(body) = self.routes.lock().unwrap().get(&path).cloned() else {
            return wiremock::ResponseTemplate::new(404).set_body_string("not recorded");
        };
        let Some(top) = q.get("$top").and_then(|t| t.parse::<usize>().ok()) else {
            return wiremock::ResponseTemplate::new(200).set_body_bytes(body);
        };
        let mut rows: Vec<serde_json::Value> = serde_json::from_slice(&body).unwrap();
        if let Some(filter) = q.get("$filter") {
            let (field, rest) = filter.split_once(" gt datetime'").unwrap_or_else(|| panic!("filter {filter}"));
            let since = statehouse::sources::legistar::parse_last_modified(rest.trim_end_matches('\'')).unwrap();
            rows.retain(|r| {
                r[field]
                    .as_str()
                    .and_then(statehouse::sources::legistar::parse_last_modified)
                    .is_some_and(|t| t > since)
            });
        }
        let skip = q.get("$skip").and_then(|s| s.parse::<usize>().ok()).unwrap_or(0);
        let page: Vec<_> = rows.into_iter().skip(skip).take(top).collect();
        wiremock::ResponseTemplate::new(200).set_body_json(page)
    }
}

/// A coalition tracking Delaware SJR 6 (`de-watch`), for the alerts and read-only tests.
pub const DE_COALITION: &str = r#"
id = "de-watch"
name = "Delaware Families Coalition"
unsubscribe = "https://example.org/unsubscribe?c=de-watch"

[[group]]
id = "dover"
name = "Dover Indivisible"

[[group.lead]]
name = "Jo Example"
email = "jo@example.org"
timezone = "America/New_York"

[[bill]]
jurisdiction = "de"
bill = "SJR 6"
session = "153"
position = "support"
group = "dover"
"#;
