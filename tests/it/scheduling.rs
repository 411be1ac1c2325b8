//! Scheduled runs as operators use them: run-due, no overlap between processes, a run
//! stopped by SIGTERM that the next run completes, and operator alerts by email through a
//! real SMTP server on loopback.

use crate::common::*;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn statehouse(db: &TestDb) -> Command {
    statehouse_command(db)
}

/// A synthetic corpus big enough for a run to take a few seconds (the benchmark generator).
fn corpus(dir: &std::path::Path) -> std::path::PathBuf {
    let out = dir.join("corpus");
    let status = Command::new(env!("CARGO_BIN_EXE_statehouse-bench"))
        .args(["generate", "--out", &out.display().to_string(), "--scale", "0.01", "--seed", "7"])
        .stdout(Stdio::null())
        .status()
        .expect("run the generator");
    assert!(status.success());
    out.join("pipeline.toml")
}

/// Waits until `sql` counts something, failing fast (with its output) if `child` exits first.
async fn wait_until(wh: &statehouse::warehouse::Warehouse, sql: &str, what: &str, child: &mut Child) {
    let start = Instant::now();
    loop {
        if let Ok(r) = wh.query(sql).await
            && r.rows.first().and_then(|row| row[0].as_i64()).unwrap_or(0) > 0
        {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            let mut out = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut out);
            }
            panic!("the process exited ({status}) before {what}: {out}");
        }
        assert!(start.elapsed() < Duration::from_secs(120), "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn finish(child: Child) -> (Option<i32>, String) {
    let out = child.wait_with_output().expect("wait");
    (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr))
}

#[tokio::test]
async fn run_due_runs_once_then_waits_then_catches_up_once() {
    let db = TestDb::sqlite();
    let p = pipeline_file(
        db.dir.path(),
        "de",
        "America/New_York",
        &scrape_source("de", &fixture("ocd-scrape/de-153"), None),
    );
    let p = p.display().to_string();
    // Never ran: due now.
    let out = statehouse(&db).args(["run-due", &p]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("pipeline de (run 1): succeeded"), "{text}");
    // Just ran: not due until tomorrow 02:30 New York time.
    let out = statehouse(&db).args(["run-due", &p]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("pipeline de: not due; next at"), "{text}");
    // A week later (the machine was down): one catch-up run, not seven.
    let later = (chrono::Utc::now() + chrono::Duration::days(7)).to_rfc3339();
    let out = statehouse(&db).args(["run-due", &p, "--now", &later]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("(run 2): succeeded"), "{text}");
    let wh = db.open().await;
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM runs").await, 2);
    assert_eq!(
        count(&wh, "SELECT COUNT(*) FROM runs WHERE status = 'succeeded' AND duration_ms IS NOT NULL AND records > 0")
            .await,
        1
    );
    wh.close().await;
}

async fn two_processes_do_not_overlap(db: TestDb) {
    let pipeline = corpus(db.dir.path());
    let wh = db.open().await;
    let b = wh.backend();
    let p = pipeline.display().to_string();
    let mut first = statehouse(&db)
        .args(["run", &p, "--batch-size", "5"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until(&wh, "SELECT COUNT(*) FROM runs WHERE status = 'running'", "the first run to start", &mut first).await;
    // While it runs, a second process (a cron tick, another machine) tries the same pipeline.
    let second = statehouse(&db).args(["run", &p]).output().unwrap();
    let text = String::from_utf8_lossy(&second.stdout);
    assert!(second.status.success() && text.contains("skipped (already running elsewhere)"), "{b}: {text}");
    let (code, out) = finish(first);
    assert_eq!(code, Some(0), "{b}: {out}");
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM runs").await, 1, "{b}: one run, the second skipped");
    // Once it is done, the lock is free again.
    let third = statehouse(&db).args(["run", &p]).output().unwrap();
    assert!(String::from_utf8_lossy(&third.stdout).contains("(run 2): succeeded"), "{b}");
    wh.close().await;
}

#[tokio::test]
async fn no_overlap_on_sqlite() {
    two_processes_do_not_overlap(TestDb::sqlite()).await;
}

#[tokio::test]
async fn no_overlap_on_postgres() {
    two_processes_do_not_overlap(TestDb::postgres().await).await;
}

async fn sigterm_midway_then_resume(db: TestDb) {
    let pipeline = corpus(db.dir.path());
    let wh = db.open().await;
    let b = wh.backend();
    let p = pipeline.display().to_string();
    let mut child = statehouse(&db)
        .args(["run", &p, "--batch-size", "5"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until(&wh, "SELECT COUNT(*) FROM bills", "the first bills", &mut child).await;
    let kill = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let (code, out) = finish(child);
    assert_eq!(code, Some(1), "{b}: an interrupted run exits 1: {out}");
    assert!(out.contains("interrupted"), "{b}: {out}");
    assert_eq!(rows(&wh, "SELECT status FROM runs").await, vec![vec!["interrupted".to_string()]], "{b}");
    let partial = count(&wh, "SELECT COUNT(*) FROM bills").await;
    // Whole batches only: every loaded bill has its introduction in the ledger.
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM change_events WHERE kind = 'bill_introduced'").await, partial, "{b}");

    // The next run completes; the warehouse equals one uninterrupted run.
    let out = statehouse(&db).args(["run", &p]).output().unwrap();
    assert!(out.status.success(), "{b}: {}", String::from_utf8_lossy(&out.stdout));
    let clean_db = if b == "sqlite" { TestDb::sqlite() } else { TestDb::postgres().await };
    let clean = clean_db.open().await;
    let opts = clean_db.options();
    let pl = statehouse::config::Pipeline::load(&pipeline).unwrap();
    run(&clean, &pl, &opts).await;
    for sql in [
        "SELECT COUNT(*) FROM bills",
        "SELECT COUNT(*) FROM bill_actions",
        "SELECT COUNT(*) FROM votes",
        "SELECT COUNT(*) FROM vote_records",
        "SELECT COUNT(*) FROM events",
        "SELECT COUNT(*) FROM change_events",
    ] {
        assert_eq!(count(&wh, sql).await, count(&clean, sql).await, "{b}: {sql}");
    }
    let gapless = count(&wh, "SELECT COUNT(*) FROM change_events").await
        == count(&wh, "SELECT MAX(seq) FROM change_events").await;
    assert!(gapless, "{b}");
    clean.close().await;
    wh.close().await;
}

#[tokio::test]
async fn sigterm_on_sqlite() {
    sigterm_midway_then_resume(TestDb::sqlite()).await;
}

#[tokio::test]
async fn sigterm_on_postgres() {
    sigterm_midway_then_resume(TestDb::postgres().await).await;
}

#[tokio::test]
async fn a_source_failing_three_runs_in_a_row_emails_the_operators_once() {
    let db = TestDb::sqlite();
    let p = pipeline_file(
        db.dir.path(),
        "gone",
        "America/New_York",
        "alert_after = 3\n[[source]]\nname = \"missing\"\nkind = \"ocd_scrape\"\npath = \"no-such-folder\"\njurisdiction = \"ocd-jurisdiction/country:us/state:de/government\"\n",
    );
    let p = p.display().to_string();

    // SMTP down: the alert is recorded, not lost.
    let dead_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let with_mail = |c: &mut Command, port: u16| {
        c.env("STATEHOUSE_SMTP_URL", format!("smtp://127.0.0.1:{port}"))
            .env("STATEHOUSE_OPERATOR_EMAIL", "ops@example.org")
            .env("STATEHOUSE_MAIL_FROM", "statehouse@example.org");
    };
    let mut codes = Vec::new();
    for _ in 0..3 {
        let mut c = statehouse(&db);
        with_mail(&mut c, dead_port);
        codes.push(c.args(["run", &p]).output().unwrap().status.code());
    }
    assert_eq!(codes, vec![Some(1), Some(1), Some(1)], "a failed source exits 1");
    let wh = db.open().await;
    assert_eq!(
        rows(&wh, "SELECT kind, streak, sent_at FROM operator_alerts").await,
        vec![vec!["failing".to_string(), "3".to_string(), String::new()]]
    );
    assert!(count(&wh, "SELECT attempts FROM operator_alerts").await >= 1);

    // The server is back: the next run sends it, once; later failures of the same streak send nothing new.
    let smtp = SmtpServer::start();
    for _ in 0..2 {
        let mut c = statehouse(&db);
        with_mail(&mut c, smtp.port);
        c.args(["run", &p]).output().unwrap();
    }
    let mail = smtp.messages();
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert!(
        mail[0].contains("To: ops@example.org")
            && mail[0].contains("Subject: [statehouse] gone: source missing failing (3 runs)"),
        "{}",
        mail[0]
    );
    assert!(mail[0].contains("no-such-folder"), "the last error is in the message");
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM operator_alerts WHERE sent_at IS NOT NULL").await, 1);
    wh.close().await;
}

#[tokio::test]
async fn status_flags_a_stale_source() {
    let db = TestDb::sqlite();
    let p = pipeline_file(
        db.dir.path(),
        "az",
        "America/Phoenix",
        &format!(
            "stale_after = \"1s\"\n{}",
            &scrape_source(
                "az",
                &fixture("ocd-scrape/az-person"),
                Some("ocd-jurisdiction/country:us/state:az/government")
            )
        ),
    );
    let p = p.display().to_string();
    // `status` reads only: on no warehouse at all it says so (readonly.rs); on a new one,
    // a source that never ran is stale.
    assert!(statehouse(&db).args(["init"]).output().unwrap().status.success());
    let out = statehouse(&db).args(["status", &p]).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "never ran: stale");
    assert!(String::from_utf8_lossy(&out.stdout).contains("never"));
    statehouse(&db).args(["run", &p]).output().unwrap();
    let out = statehouse(&db).args(["status", &p]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).contains("fresh"));
    std::thread::sleep(Duration::from_millis(1100));
    let out = statehouse(&db).args(["status", &p]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stdout).contains("STALE"));
}

#[tokio::test]
async fn the_scheduler_runs_what_is_due_and_stops_cleanly_on_sigterm() {
    let db = TestDb::sqlite();
    let p = pipeline_file(
        db.dir.path(),
        "az",
        "America/Phoenix",
        &scrape_source("az", &fixture("ocd-scrape/az-person"), Some("ocd-jurisdiction/country:us/state:az/government")),
    );
    let wh = db.open().await;
    let mut child = statehouse(&db)
        .args(["schedule", &p.display().to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Never ran, so it is due at once; then the scheduler sleeps until 02:30 Phoenix time.
    wait_until(&wh, "SELECT COUNT(*) FROM runs WHERE status = 'succeeded'", "the first scheduled run", &mut child)
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM runs").await, 1, "not due again right away");
    assert!(Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    let (code, out) = finish(child);
    assert_eq!(code, Some(0), "{out}");
    wh.close().await;
}

/// `statehouse schedule` on simulated time (issue 13): a ten-second schedule, ten minutes.
/// The runs are real (a small fixture, loaded once, then unchanged); only the clock is not.
async fn every_tick_on_simulated_time(db: TestDb) {
    let path = db.dir.path().join("az.toml");
    let source =
        scrape_source("az", &fixture("ocd-scrape/az-person"), Some("ocd-jurisdiction/country:us/state:az/government"));
    std::fs::write(
        &path,
        format!("name = \"az\"\nschedule = \"*/10 * * * * *\"\ntimezone = \"America/Phoenix\"\n{source}"),
    )
    .unwrap();
    let pipeline = statehouse::config::Pipeline::load(&path).unwrap();
    let wh = db.open().await;
    let b = wh.backend();
    let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&chrono::Utc);
    let start = at("2026-04-01T09:06:31Z");
    let end = start + chrono::Duration::minutes(10);
    let mut opts = db.options();
    opts.clock = statehouse::clock::Clock::simulated(start, end);
    statehouse::scheduler::schedule(&wh, &[pipeline], &opts, &statehouse::schedule::Backoff::default(), None)
        .await
        .unwrap();
    assert_eq!(opts.clock.now(), end, "{b}: the loop slept past the end of the simulation");

    // The first run at once (it never ran), then one run on every tick: 09:06:40 … 09:16:30.
    let mut expected = vec![start];
    let mut tick = at("2026-04-01T09:06:40Z");
    while tick <= end {
        expected.push(tick);
        tick += chrono::Duration::seconds(10);
    }
    assert_eq!(expected.len(), 61);
    let runs = rows(&wh, "SELECT started_at, finished_at, status FROM runs ORDER BY id").await;
    let time = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .or_else(|_| chrono::DateTime::parse_from_str(s, "%F %T%.f%:z"))
            .unwrap_or_else(|e| panic!("{b}: {s}: {e}"))
            .with_timezone(&chrono::Utc)
    };
    let started: Vec<_> = runs.iter().map(|r| time(&r[0])).collect();
    assert_eq!(started, expected, "{b}: one run per tick, at the tick");
    assert!(runs.iter().all(|r| r[2] == "succeeded"), "{b}: {runs:?}");
    // No overlap: each run ended before the next began.
    for pair in runs.windows(2) {
        assert!(time(&pair[0][1]) <= time(&pair[1][0]), "{b}: {pair:?}");
    }
    wh.close().await;
}

#[tokio::test]
async fn every_tick_on_simulated_time_on_sqlite() {
    every_tick_on_simulated_time(TestDb::sqlite()).await;
}

#[tokio::test]
async fn every_tick_on_simulated_time_on_postgres() {
    every_tick_on_simulated_time(TestDb::postgres().await).await;
}

/// `statehouse schedule` logs one line per run, with its outcome and counts, by default (an
/// operator's journal shows each run without STATEHOUSE_LOG).
#[tokio::test]
async fn schedule_logs_one_line_per_run() {
    let db = TestDb::sqlite();
    let wh = db.open().await;
    let body = format!(
        "name = \"az\"\nschedule = \"*/2 * * * * *\"\ntimezone = \"America/Phoenix\"\n{}",
        scrape_source("az", &fixture("ocd-scrape/az-person"), Some("ocd-jurisdiction/country:us/state:az/government"))
    );
    let p = db.dir.path().join("az.toml");
    std::fs::write(&p, body).unwrap();
    let mut child = statehouse(&db)
        .env_remove("STATEHOUSE_LOG")
        .args(["schedule", &p.display().to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until(&wh, "SELECT COUNT(*) FROM runs WHERE id >= 2 AND finished_at IS NOT NULL", "two runs", &mut child)
        .await;
    let kill = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let (_, out) = finish(child);
    let runs = count(&wh, "SELECT COUNT(*) FROM runs WHERE finished_at IS NOT NULL").await;
    let lines: Vec<&str> = out.lines().filter(|l| l.contains("scheduled run")).collect();
    assert_eq!(lines.len() as i64, runs, "{out}");
    assert!(lines[0].contains("pipeline=az run_id=1 status=succeeded records=1"), "{out}");
    assert!(lines[1].contains("pipeline=az run_id=2 status=succeeded records=0 changes=0"), "{out}");
    assert!(!out.contains('\u{1b}'), "{out}");
}
