//! The `statehouse` binary as an operator and an analyst use it.

use crate::common::*;

fn statehouse(db: &TestDb, args: &[&str]) -> std::process::Output {
    statehouse_command(db).args(args).output().expect("run statehouse")
}

/// A pipeline file of Delaware's 153rd General Assembly (the real scrape) beside `db`.
fn delaware_pipeline(db: &TestDb) -> std::path::PathBuf {
    pipeline_file(db.dir.path(), "de", "America/New_York", &scrape_source("de", &fixture("ocd-scrape/de-153"), None))
}

#[test]
fn run_query_and_status() {
    let db = TestDb::sqlite();
    let p = delaware_pipeline(&db);
    let out = statehouse(&db, &["run", &p.display().to_string()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("pipeline de (run 1): succeeded"), "{stdout}");

    let out = statehouse(
        &db,
        &[
            "query",
            "SELECT identifier, title FROM bills WHERE identifier IN ('SB 4', 'HB 120') ORDER BY identifier",
            "--format",
            "csv",
        ],
    );
    assert!(out.status.success());
    let csv = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "identifier,title");
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[1].starts_with("HB 120,"), "{csv}");
    assert_eq!(
        lines[2],
        "SB 4,AN ACT TO AMEND TITLE 29 OF THE DELAWARE CODE RELATING TO THE OFFICE OF INSPECTOR GENERAL."
    );

    let out = statehouse(&db, &["query", "SELECT COUNT(*) AS n FROM vote_records", "--format", "json"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "{\"n\":5562}\n");

    let out = statehouse(&db, &["status"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("succeeded") && text.contains("de"), "{text}");
}

#[test]
fn a_bad_pipeline_file_fails_before_anything_runs() {
    let db = TestDb::sqlite();
    let p = pipeline_file(db.dir.path(), "bad", "America/New_York", "[[source]]\nkind = \"ocd_scrape\"\npth = \"x\"\n");
    let out = statehouse(&db, &["run", &p.display().to_string()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml") && err.contains("pth"), "{err}");
}

#[test]
fn a_failed_source_exits_nonzero() {
    let db = TestDb::sqlite();
    let p = pipeline_file(
        db.dir.path(),
        "gone",
        "America/New_York",
        "[[source]]\nkind = \"ocd_scrape\"\npath = \"does-not-exist\"\njurisdiction = \"ocd-jurisdiction/country:us/state:de/government\"\n",
    );
    let out = statehouse(&db, &["run", &p.display().to_string()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("does-not-exist"));
}

#[test]
fn search_refuses_a_limit_of_zero() {
    let db = TestDb::sqlite();
    let out = statehouse(&db, &["search", "inspector general", "--limit", "0"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--limit") && err.contains("0 is not in 1.."), "{err}");
    assert!(out.stdout.is_empty());
}

/// What an operator sees on stderr and stdout: no colour codes in a log file, each warning
/// once (counted in the summary; in full with --show-warnings), progress and per-source lines
/// at info level, STATEHOUSE_LOG in --help, and no records counted for sources that read
/// nothing new.
#[test]
fn operators_get_plain_logs_progress_lines_and_each_warning_once() {
    let db = TestDb::sqlite();
    let sources = [
        scrape_source("de", &fixture("ocd-scrape/de-153"), None),
        scrape_source("az", &fixture("ocd-scrape/az-person"), Some("ocd-jurisdiction/country:us/state:az/government")),
    ]
    .concat();
    let p = pipeline_file(db.dir.path(), "de", "America/New_York", &sources).display().to_string();
    // Delaware's one warning: a roll call of SB 51, a bill the scrape does not have.
    let warning = "vote's bill \"SB 51\" is not in the warehouse";
    let out = statehouse_command(&db).env_remove("STATEHOUSE_LOG").args(["run", &p]).output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains('\u{1b}') && !stdout.contains('\u{1b}'), "{stderr}");
    assert!(!stderr.contains(warning) && !stdout.contains(warning), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("1 warning (bad or missing records; the rest loaded): see each with --show-warnings"),
        "{stdout}"
    );
    // A rerun reads nothing new: no records, whatever the configuration adds.
    let out = statehouse_command(&db)
        .env("STATEHOUSE_LOG", "info")
        .env("STATEHOUSE_PROGRESS_SECONDS", "0")
        .args(["run", &p])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "{stderr}");
    let lines = |what: &str| stderr.lines().filter(|l| l.contains(what)).count();
    assert!(lines(" progress source=de ") >= 1, "{stderr}");
    assert_eq!(lines("source finished source=de status=succeeded"), 1, "{stderr}");
    assert_eq!(lines("source finished source=az status=succeeded"), 1, "{stderr}");
    assert_eq!(lines("run finished pipeline=de run_id=2 status=succeeded"), 1, "{stderr}");
    let out = statehouse_command(&db)
        .args(["query", "SELECT source, records FROM run_sources WHERE run_id = 2 ORDER BY source", "--format", "csv"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "source,records\naz,0\nde,0\n");
    // With --show-warnings (a fresh warehouse): each in full, once, on stdout.
    let db = TestDb::sqlite();
    let p = pipeline_file(db.dir.path(), "de", "America/New_York", &sources).display().to_string();
    let out =
        statehouse_command(&db).env_remove("STATEHOUSE_LOG").args(["run", &p, "--show-warnings"]).output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout.matches(warning).count(), 1, "{stdout}");
    assert!(stdout.contains("warning: de: ") && stdout.contains("vote_event_"), "{stdout}");
    assert!(!stderr.contains(warning), "{stderr}");
    let out = statehouse_command(&db).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("STATEHOUSE_LOG") && help.contains("STATEHOUSE_PROGRESS_SECONDS"), "{help}");
}

/// An error prints its chain once: no cause repeated, no line of PostgreSQL's own source.
#[tokio::test]
async fn an_error_says_its_causes_once() {
    for db in TestDb::both().await {
        db.open().await.close().await;
        let out = statehouse(&db, &["query", "SELECT nope FROM bills"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{}: {err}", db.url);
        assert_eq!(err.lines().count(), 1, "{}: {err}", db.url);
        assert!(err.starts_with("error: query failed: "), "{}: {err}", db.url);
        assert_eq!(err.matches("nope").count(), 1, "{}: {err}", db.url);
        assert!(!err.contains(" at line "), "{}: {err}", db.url);
        let out = statehouse(&db, &["query", "DELETE FROM change_events"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{}: {err}", db.url);
        assert!(err.contains("refused a write"), "{}: {err}", db.url);
        let refusal = if db.url.starts_with("sqlite:") {
            "attempt to write a readonly database"
        } else {
            "cannot execute DELETE in a read-only transaction"
        };
        assert_eq!(err.matches(refusal).count(), 1, "{}: {err}", db.url);
        assert!(!err.contains(" at line "), "{}: {err}", db.url);
    }
}

/// `status --format json`: the health check a monitor reads, with the exit status it acts on.
#[tokio::test]
async fn status_as_json_is_a_health_check() {
    for db in TestDb::both().await {
        let az = scrape_source(
            "az",
            &fixture("ocd-scrape/az-person"),
            Some("ocd-jurisdiction/country:us/state:az/government"),
        );
        let gone = "[[source]]\nname = \"gone\"\nkind = \"ocd_scrape\"\npath = \"does-not-exist\"\njurisdiction = \"ocd-jurisdiction/country:us/state:de/government\"\n";
        let p = pipeline_file(db.dir.path(), "watch", "America/Phoenix", &format!("alert_after = 1\n{az}{gone}"));
        let p = p.display().to_string();
        let out = statehouse(&db, &["run", &p]);
        assert_eq!(out.status.code(), Some(1), "{}: a source failed", db.url);

        let out = statehouse(&db, &["status", &p, "--format", "json"]);
        assert_eq!(out.status.code(), Some(3), "{}: stale: {}", db.url, String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let keys: Vec<usize> =
            ["\"checked_at\"", "\"stale\"", "\"sources\"", "\"runs\"", "\"operator_alerts\"", "\"partial_deliveries\""]
                .iter()
                .map(|k| text.find(k).unwrap_or_else(|| panic!("{k} in {text}")))
                .collect();
        assert!(keys.is_sorted(), "keys in their documented order: {text}");
        let checked = chrono::DateTime::parse_from_rfc3339(v["checked_at"].as_str().unwrap()).unwrap();
        assert!((chrono::Utc::now() - checked.to_utc()).num_seconds() < 600, "{text}");
        assert_eq!(v["stale"], true);

        let az = &v["sources"][0];
        assert_eq!((az["pipeline"].as_str(), az["source"].as_str()), (Some("watch"), Some("az")));
        let last = chrono::DateTime::parse_from_rfc3339(az["last_success"].as_str().unwrap()).unwrap();
        assert!(last <= checked, "{text}");
        let age = az["age_seconds"].as_i64().unwrap();
        assert!((0..600).contains(&age), "{text}");
        assert_eq!(az["stale_after_seconds"], 2 * 24 * 3600, "twice the daily schedule");
        assert_eq!((&az["stale"], &az["streak"]), (&serde_json::json!(false), &serde_json::Value::Null));
        assert_eq!(
            v["sources"][1],
            serde_json::json!({
                "pipeline": "watch", "source": "gone", "last_success": null, "age_seconds": null,
                "stale_after_seconds": 172800, "stale": true,
                "streak": {"kind": "failing", "length": 1, "first_run_id": 1, "last_run_id": 1}
            })
        );
        assert_eq!(v["sources"].as_array().unwrap().len(), 2);

        let runs = v["runs"].as_array().unwrap();
        assert_eq!(runs.len(), 1, "{text}");
        assert_eq!(
            (&runs[0]["id"], &runs[0]["pipeline"], &runs[0]["status"]),
            (&1.into(), &"watch".into(), &"failed".into())
        );
        let alerts = v["operator_alerts"].as_array().unwrap();
        assert_eq!(alerts.len(), 1, "{text}");
        assert_eq!(
            (&alerts[0]["source"], &alerts[0]["kind"], &alerts[0]["streak"]),
            (&"gone".into(), &"failing".into(), &1.into())
        );
        assert_eq!(v["partial_deliveries"], serde_json::json!([]));

        // Without pipeline files: no freshness to judge, so not stale.
        let out = statehouse(&db, &["status", "--format", "json"]);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!((&v["stale"], &v["sources"]), (&serde_json::json!(false), &serde_json::json!([])));
        assert_eq!(v["runs"].as_array().unwrap().len(), 1);
    }
}

/// `init` (or `run`) on a database that holds other tables refuses it, and creates nothing
/// there: not even the migrations' bookkeeping table.
#[tokio::test]
async fn a_foreign_database_is_refused_and_left_as_it_was() {
    for db in TestDb::both().await {
        let tables = |db: &TestDb| {
            let url = db.url.clone();
            async move {
                if url.starts_with("sqlite:") {
                    let pool = sqlx::SqlitePool::connect(&format!("{url}?mode=rwc")).await.unwrap();
                    let t: Vec<String> =
                        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
                            .fetch_all(&pool)
                            .await
                            .unwrap();
                    pool.close().await;
                    t
                } else {
                    let pool = sqlx::PgPool::connect(&url).await.unwrap();
                    let t: Vec<String> = sqlx::query_scalar(
                        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
                    )
                    .fetch_all(&pool)
                    .await
                    .unwrap();
                    pool.close().await;
                    t
                }
            }
        };
        // Someone else's table.
        if db.url.starts_with("sqlite:") {
            let pool = sqlx::SqlitePool::connect(&format!("{}?mode=rwc", db.url)).await.unwrap();
            sqlx::query("CREATE TABLE notes (x TEXT)").execute(&pool).await.unwrap();
            pool.close().await;
        } else {
            let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
            sqlx::query("CREATE TABLE notes (x TEXT)").execute(&pool).await.unwrap();
            pool.close().await;
        }
        let out = statehouse(&db, &["init"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{}: {err}", db.url);
        assert!(err.contains("is not a statehouse warehouse: it holds other tables (notes)"), "{}: {err}", db.url);
        assert_eq!(tables(&db).await, ["notes"], "{}", db.url);
    }
}

/// Every argument of every command says what it is in `--help`.
#[test]
fn every_argument_has_a_description() {
    let db = TestDb::sqlite();
    let commands: &[&[&str]] = &[
        &[],
        &["init"],
        &["run"],
        &["run-due"],
        &["schedule"],
        &["query"],
        &["search"],
        &["export"],
        &["status"],
        &["alerts", "preview"],
        &["alerts", "send"],
    ];
    for c in commands {
        let out = statehouse_command(&db).args(*c).arg("-h").output().unwrap();
        let help = String::from_utf8_lossy(&out.stdout);
        let args: Vec<&str> =
            help.lines().filter(|l| l.starts_with("  -") || l.starts_with("  <") || l.starts_with("  [")).collect();
        assert!(!args.is_empty(), "{c:?}: {help}");
        for line in args {
            // `  --name <VALUE>  What it is`: a description after the two-space gap.
            let described = line.trim_start().split_once("  ").is_some_and(|(_, d)| !d.trim().is_empty());
            assert!(described, "{c:?}: {line:?} has no description");
        }
    }
}

/// `statehouse run … | head -0`: the reader goes away at once; the run still loads and says
/// nothing about a broken pipe (its report is in the warehouse).
#[tokio::test]
async fn a_run_whose_reader_left_still_runs_to_the_end() {
    let db = TestDb::sqlite();
    let p = delaware_pipeline(&db);
    let mut child = statehouse_command(&db)
        .args(["run", &p.display().to_string()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked") && !err.contains("Broken pipe"), "{err}");
    let wh = db.open().await;
    assert_eq!(rows(&wh, "SELECT status FROM runs").await, [["succeeded"]]);
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM bills").await, 150);
}

/// On a terminal (a pseudo-terminal through `script`, as an operator's shell), each file
/// source has a bar with its rate, ETA and the records loaded so far.
#[test]
fn a_terminal_shows_each_source_a_bar_with_rate_eta_and_records() {
    let db = TestDb::sqlite();
    let p = delaware_pipeline(&db);
    let command = format!(
        "{} --database {} --data-dir {} run {}",
        env!("CARGO_BIN_EXE_statehouse"),
        db.url,
        db.data_dir().display(),
        p.display()
    );
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env_remove("STATEHOUSE_LOG")
        .output()
        .expect("script (util-linux) runs the command on a pseudo-terminal");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    let frames: Vec<&str> = text.split(['\r', '\n']).filter(|f| f.contains("/403 ")).collect();
    assert!(!frames.is_empty(), "{text}");
    let last = frames.last().unwrap();
    assert!(last.contains("de [") && last.contains("/s eta "), "{last}");
    assert!(frames.iter().any(|f| f.contains(" records, 0 documents")), "{frames:?}");
}

/// A query that would run for ever (`… | less`, then Ctrl-C) stops at the first signal.
#[test]
fn a_reading_command_stops_at_the_first_signal() {
    let db = TestDb::sqlite();
    let p = delaware_pipeline(&db);
    assert!(statehouse(&db, &["run", &p.display().to_string()]).status.success());
    let mut child = statehouse_command(&db)
        .args([
            "query",
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c",
            "--format",
            "csv",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(child.try_wait().unwrap().is_none(), "the query is still streaming");
    let kill = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "still running after one SIGINT");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(130));
}
