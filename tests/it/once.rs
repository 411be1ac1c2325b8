//! Alerts exactly once when several senders run at once (issue 13): real `statehouse`
//! processes, a real SMTP server on loopback, both backends. Over 100 messages wait in the
//! outbox (composed while no SMTP server was configured); concurrent `alerts send` processes
//! deliver each Message-ID once; a sender killed with SIGKILL while holding claims leaves them
//! to the others once its lease lapses; a dry run uses up nothing; two warehouses never share
//! a Message-ID; a lead removed from the file gets nothing more.

use crate::common::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A coalition replaying the Delaware ledger, watching a phrase most Delaware titles carry
/// ("… of the Delaware Code …"): 83 bills, two immediate leads, 166 messages.
fn many_coalition(with_second_lead: bool) -> String {
    let second = if with_second_lead {
        "\n[[group.lead]]\nname = \"Lee Example\"\nemail = \"lee@example.org\"\ntimezone = \"America/New_York\"\n"
    } else {
        ""
    };
    format!(
        "id = \"many\"\nname = \"Delaware Code Watchers\"\nstart = \"beginning\"\n\n[[group]]\nid = \"dover\"\nname = \"Dover Indivisible\"\n\n[[group.lead]]\nname = \"Jo Example\"\nemail = \"jo@example.org\"\ntimezone = \"America/New_York\"\n{second}\n[watch]\nterms = [\"Delaware Code\"]\n"
    )
}

const MESSAGES: i64 = 166;

/// An SMTP pipeline over the Delaware scrape with the `many` coalition, run once with no SMTP
/// server configured: every message waits. Returns the pipeline file.
fn held(db: &TestDb) -> PathBuf {
    std::fs::write(db.dir.path().join("many-coalition.toml"), many_coalition(true)).unwrap();
    let p = pipeline_file(
        db.dir.path(),
        "many",
        "America/New_York",
        &format!(
            "coalitions = [\"many-coalition.toml\"]\n{}",
            scrape_source("de", &fixture("ocd-scrape/de-153"), None)
        ),
    );
    let out = statehouse_command(db).args(["run", &p.display().to_string()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    p
}

fn send(db: &TestDb, pipeline: &Path, smtp_port: u16) -> Command {
    let mut c = statehouse_command(db);
    c.args(["alerts", "send", &pipeline.display().to_string()])
        .env("STATEHOUSE_SMTP_URL", format!("smtp://127.0.0.1:{smtp_port}"))
        .env("STATEHOUSE_MAIL_FROM", "alerts@statehouse.example.org");
    c
}

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn message_ids(messages: &[String]) -> Vec<String> {
    messages
        .iter()
        .map(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("Message-ID: ").or_else(|| l.strip_prefix("Message-Id: ")))
                .unwrap_or_else(|| panic!("no Message-ID in {m}"))
                .trim()
                .to_string()
        })
        .collect()
}

/// How many times each Message-ID arrived.
fn tally(ids: &[String]) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    for id in ids {
        *out.entry(id.clone()).or_insert(0) += 1;
    }
    out
}

async fn status_counts(db: &TestDb) -> HashMap<String, i64> {
    let wh = db.open().await;
    let out = rows(&wh, "SELECT status, COUNT(*) FROM alert_messages GROUP BY status")
        .await
        .into_iter()
        .map(|r| (r[0].clone(), r[1].parse().unwrap()))
        .collect();
    wh.close().await;
    out
}

/// Every message sent exactly once: one arrival per Message-ID, one successful attempt each.
async fn assert_each_once(db: &TestDb, smtp: &SmtpServer, what: &str) {
    let ids = message_ids(&smtp.messages());
    let t = tally(&ids);
    assert_eq!(t.len() as i64, MESSAGES, "{what}: distinct Message-IDs delivered");
    assert!(
        t.values().all(|n| *n == 1),
        "{what}: a Message-ID arrived twice: {:?}",
        t.iter().filter(|(_, n)| **n > 1).collect::<Vec<_>>()
    );
    assert_eq!(ids.len() as i64, MESSAGES, "{what}: deliveries");
    let wh = db.open().await;
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM alert_messages WHERE status = 'sent'").await, MESSAGES, "{what}");
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM alert_attempts WHERE ok = TRUE").await, MESSAGES, "{what}: attempts");
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM alert_messages WHERE attempts <> 1").await, 0, "{what}");
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM alert_messages WHERE claimed_by IS NOT NULL").await, 0, "{what}");
    // The stored Message-IDs are the ones that arrived.
    let stored: Vec<String> =
        rows(&wh, "SELECT rfc_message_id FROM alert_messages").await.into_iter().map(|r| r[0].clone()).collect();
    assert!(stored.iter().all(|id| t.contains_key(id)), "{what}");
    wh.close().await;
}

#[tokio::test]
async fn concurrent_senders_deliver_each_message_once() {
    for senders in [2, 4] {
        for db in TestDb::both().await {
            let b =
                format!("{} with {senders} senders", if db.url.starts_with("sqlite") { "sqlite" } else { "postgres" });
            let p = held(&db);
            assert_eq!(status_counts(&db).await.get("pending"), Some(&MESSAGES), "{b}: all {MESSAGES} wait");
            let smtp = SmtpServer::start();
            let children: Vec<_> = (0..senders).map(|_| send(&db, &p, smtp.port).spawn().unwrap()).collect();
            for c in children {
                ok(&c.wait_with_output().unwrap());
            }
            assert_each_once(&db, &smtp, &b).await;
            // A later send finds nothing to do.
            ok(&send(&db, &p, smtp.port).output().unwrap());
            assert_eq!(smtp.messages().len() as i64, MESSAGES, "{b}");
        }
    }
}

#[tokio::test]
async fn a_sender_killed_while_holding_claims_leaves_them_to_the_others_after_its_lease() {
    for db in TestDb::both().await {
        let b = if db.url.starts_with("sqlite") { "sqlite" } else { "postgres" };
        let p = held(&db);
        // A server that accepts connections and never answers: the first sender claims a
        // batch, starts sending, and hangs there.
        let stalled = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let stalled_port = stalled.local_addr().unwrap().port();
        let mut hung = send(&db, &p, stalled_port).env("STATEHOUSE_ALERT_LEASE_SECONDS", "4").spawn().unwrap();
        let wh = db.open().await;
        let start = Instant::now();
        let held_claims = loop {
            let n = count(&wh, "SELECT COUNT(*) FROM alert_messages WHERE claimed_by IS NOT NULL").await;
            if n > 0 {
                break n;
            }
            assert!(start.elapsed() < Duration::from_secs(60), "{b}: the sender claimed nothing");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        hung.kill().unwrap(); // SIGKILL: no clean-up.
        hung.wait().unwrap();
        assert!(held_claims < MESSAGES, "{b}: a sender claims a batch at a time, not everything");
        // Another sender right away: everything but the dead sender's claims (unless its lease
        // lapsed meanwhile), never twice.
        let smtp = SmtpServer::start();
        ok(&send(&db, &p, smtp.port).output().unwrap());
        let delivered = smtp.messages().len() as i64;
        assert!(delivered >= MESSAGES - held_claims, "{b}: {delivered} delivered, {held_claims} held");
        // After the lease: the rest, once.
        let start = Instant::now();
        while count(&wh, "SELECT COUNT(*) FROM alert_messages WHERE status = 'pending'").await > 0 {
            ok(&send(&db, &p, smtp.port).output().unwrap());
            assert!(start.elapsed() < Duration::from_secs(60), "{b}: the dead sender's claims never lapsed");
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        wh.close().await;
        assert_each_once(&db, &smtp, b).await;
    }
}

#[tokio::test]
async fn a_dry_run_uses_up_nothing_then_the_real_send_delivers_everything() {
    for db in TestDb::both().await {
        let b = if db.url.starts_with("sqlite") { "sqlite" } else { "postgres" };
        let p = held(&db);
        let out =
            statehouse_command(&db).args(["alerts", "send", "--dry-run", &p.display().to_string()]).output().unwrap();
        ok(&out);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains(&format!("{MESSAGES} waiting message(s) written as .eml")), "{b}: {stdout}");
        let preview = db.data_dir().join("outbox-preview/many");
        assert_eq!(std::fs::read_dir(&preview).unwrap().count() as i64, MESSAGES, "{b}");
        assert_eq!(status_counts(&db).await.get("pending"), Some(&MESSAGES), "{b}: the dry run changed no message");
        assert!(!db.data_dir().join("outbox/many").exists(), "{b}");
        let smtp = SmtpServer::start();
        ok(&send(&db, &p, smtp.port).output().unwrap());
        assert_each_once(&db, &smtp, b).await;
    }
}

/// The Message-IDs in a folder of `.eml` files.
fn eml_ids(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap()).collect();
    files.sort();
    message_ids(&files)
}

#[tokio::test]
async fn two_warehouses_never_share_a_message_id() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines/sample.toml").display().to_string();
    let mut seen: Vec<Vec<String>> = Vec::new();
    for db in TestDb::both().await {
        ok(&statehouse_command(&db).args(["run", &sample]).output().unwrap());
        let ids = eml_ids(&db.data_dir().join("outbox/sample-coalition"));
        assert!(ids.len() >= 4, "{ids:?}");
        // One warehouse's identifier in all of them.
        let wh = db.open().await;
        let id = wh.warehouse_id().await.unwrap();
        wh.close().await;
        assert!(ids.iter().all(|m| m.contains(&id)), "{id}: {ids:?}");
        seen.push(ids);
    }
    // The same data, the same coalition, the same recipients: different Message-IDs.
    assert_eq!(seen[0].len(), seen[1].len());
    assert!(seen[0].iter().all(|m| !seen[1].contains(m)), "{:?} / {:?}", seen[0], seen[1]);
}

#[tokio::test]
async fn a_lead_removed_from_the_file_gets_nothing_more() {
    for db in TestDb::both().await {
        let b = if db.url.starts_with("sqlite") { "sqlite" } else { "postgres" };
        let p = held(&db);
        // Lee leaves the coalition before the SMTP server is configured.
        std::fs::write(db.dir.path().join("many-coalition.toml"), many_coalition(false)).unwrap();
        let smtp = SmtpServer::start();
        let out = send(&db, &p, smtp.port).output().unwrap();
        ok(&out);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains(&format!("{} cancelled (no longer a lead)", MESSAGES / 2)), "{b}: {stdout}");
        let messages = smtp.messages();
        assert_eq!(messages.len() as i64, MESSAGES / 2, "{b}");
        assert!(messages.iter().all(|m| m.contains("jo@example.org") && !m.contains("lee@example.org")), "{b}");
        let counts = status_counts(&db).await;
        assert_eq!(counts.get("cancelled"), Some(&(MESSAGES / 2)), "{b}: {counts:?}");
        assert_eq!(counts.get("pending"), None, "{b}: {counts:?}");
    }
}

#[test]
fn a_coalition_named_by_a_dry_run_and_an_smtp_pipeline_is_a_configuration_error() {
    let db = TestDb::sqlite();
    std::fs::write(db.dir.path().join("many-coalition.toml"), many_coalition(true)).unwrap();
    let source = scrape_source("de", &fixture("ocd-scrape/de-153"), None);
    let smtp = pipeline_file(
        db.dir.path(),
        "by-mail",
        "America/New_York",
        &format!("coalitions = [\"many-coalition.toml\"]\n{source}"),
    );
    let dry = pipeline_file(
        db.dir.path(),
        "by-file",
        "America/New_York",
        &format!("coalitions = [\"many-coalition.toml\"]\nalerts = \"dry-run\"\n{source}"),
    );
    let out = statehouse_command(&db)
        .args(["run", &smtp.display().to_string(), &dry.display().to_string()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("coalition \"many\" is also named by") && stderr.contains("by-file.toml"), "{stderr}");
}
