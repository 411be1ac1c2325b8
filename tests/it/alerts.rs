//! Coalition alerts end to end on real data: the sample pipeline's example emails, a real SMTP
//! server on loopback (with an outage first), digests in two time zones, and hearing
//! reminders. Every message is counted: a rerun, a replay or a retry never sends twice.

use crate::common::*;
use chrono::{DateTime, TimeZone, Utc};
use statehouse::alerts::config::Coalition;
use statehouse::alerts::engine::{self, Transport};
use statehouse::config::{AlertMode, Pipeline};
use std::path::{Path, PathBuf};

pub fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Decodes a quoted-printable body (soft line breaks and `=XX`).
fn qp_decode(s: &str) -> String {
    let joined = s.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'=', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The text and HTML parts of a formatted multipart/alternative message, decoded.
pub fn parts(raw: &str) -> (String, String) {
    let raw = raw.replace("\r\n", "\n");
    let text_at = raw.find("Content-Type: text/plain").expect("a text part");
    let html_at = raw.find("Content-Type: text/html").expect("an HTML part");
    assert!(text_at < html_at, "text before HTML");
    let body = |from: usize, to: usize| {
        let chunk = &raw[from..to];
        let start = chunk.find("\n\n").map(|i| i + 2).unwrap_or(0);
        let end = chunk.rfind("\n--").unwrap_or(chunk.len());
        qp_decode(&chunk[start..end.max(start)])
    };
    let end = raw[html_at..].find("\n--").map(|i| html_at + i + 1).unwrap_or(raw.len());
    let html_end = raw[end..].find('\n').map(|_| raw.len()).unwrap_or(raw.len());
    (body(text_at, html_at), body(html_at, html_end))
}

pub fn headers(raw: &str) -> String {
    let raw = raw.replace("\r\n", "\n");
    raw[..raw.find("\n\n").unwrap_or(raw.len())].to_string()
}

pub fn eml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "eml")).collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// A warehouse of `db` holding Delaware's real bills (tests/fixtures/ocd-scrape/de-153).
async fn delaware(db: &TestDb) -> statehouse::warehouse::Warehouse {
    let wh = db.open().await;
    let p = pipeline(db.dir.path(), "de", &scrape_source("de", &fixture("ocd-scrape/de-153"), None));
    run(&wh, &p, &db.options()).await;
    wh
}

fn sample() -> Pipeline {
    Pipeline::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines/sample.toml")).unwrap()
}

#[tokio::test]
async fn the_sample_run_writes_example_alert_emails_once() {
    for db in TestDb::both().await {
        let wh = db.open().await;
        let b = wh.backend();
        let mut opts = db.options();
        // 4:00 in Los Angeles: the Sacramento lead's 7:00 digest is three hours away.
        opts.alerts_now = Some(at("2026-11-26T12:00:00Z"));
        let p = sample();
        let first = run(&wh, &p, &opts).await;
        assert_eq!(first.status, "succeeded", "{b}: {:?}", first.sources);
        let report = first.alerts.clone().expect("alerts ran");
        assert_eq!(first.alerts_error, None, "{b}");
        let outbox = db.data_dir().join("outbox/sample-coalition");
        let files = eml_files(&outbox);
        // The Wilmington lead (immediate): three new bills matching watched terms, the
        // New York hearing on S 688, which the feed first reported cancelled (Monday), then
        // moved (Tuesday) in the same run: one message that tells both; and Delaware's House
        // Housing Committee hearing on SB 176, with the committee's roster.
        assert_eq!(files.len(), 5, "{b}: {report:?}");
        assert_eq!(report.written, 5, "{b}");
        let mails: Vec<String> = files.iter().map(|f| std::fs::read_to_string(f).unwrap()).collect();
        assert!(!mails.iter().any(|m| headers(m).contains("Hearing cancelled")), "{b}: no contradictory message");
        let moved = mails.iter().find(|m| headers(m).contains("Hearing moved")).expect("a reschedule email");
        let (text, html) = parts(moved);
        assert!(text.contains("was: Monday, February 6, 2017 at 1:00 PM EST"), "{b}: {text}");
        assert!(text.contains("now: Tuesday, February 7, 2017 at 9:30 AM EST"), "{b}: {text}");
        let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            words.contains("The meeting of Monday, February 6, 2017 at 1:00 PM EST was cancelled; the hearing moved to Tuesday, February 7, 2017 at 9:30 AM EST."),
            "{b}: {text}"
        );
        assert!(html.contains("was cancelled; the hearing moved to"), "{b}");
        assert!(text.contains("S 688") && html.contains("S 688"), "{b}");
        assert!(headers(moved).contains("To: \"Pat Rivera\" <pat.rivera@example.org>"), "{b}");
        assert_eq!(headers(moved).matches("List-Unsubscribe:").count(), 1, "{b}");
        let new_bill =
            mails.iter().find(|m| headers(m).contains("New bill SB 4")).expect("SB 4 matches a watched term");
        assert!(parts(new_bill).0.contains("inspector general"), "{b}");
        // Tracked bills show the group's position, in every new-bill email.
        assert!(parts(new_bill).0.contains("Your position: support (group: Wilmington Indivisible)"), "{b}");
        // Wilmington declared its districts: its own legislators in every Delaware alert, and
        // highlighted on the roster of the committee that hears SB 176 (chair first).
        let own = parts(new_bill).0.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            own.contains("YOUR LEGISLATORS - Stephanie Bolden, Representative (district 2, Democratic): 302-"),
            "{b}: {own}"
        );
        let hearing = mails.iter().find(|m| headers(m).contains("Hearing: House Housing")).expect("the SB 176 hearing");
        let words = parts(hearing).0.split_whitespace().collect::<Vec<_>>().join(" ");
        let chair = words.find("Chair: Kendra Johnson (Democratic, district 5), 302-");
        let ortega = words.find(
            "* Josue Ortega (Democratic, district 3), 302-744-4284, josue.ortega@delaware.gov <- YOUR LEGISLATOR",
        );
        assert!(chair.is_some() && chair < ortega, "{b}: {words}");
        assert!(parts(hearing).1.contains("<strong>Josue Ortega</strong> (your legislator)"), "{b}");
        let ab831 = mails.iter().find(|m| headers(m).contains("New bill AB 831")).expect("AB 831 matches a term");
        assert!(parts(ab831).0.contains("Your position: oppose (group: Sacramento Indivisible)"), "{b}");
        assert!(!mails.iter().any(|m| parts(m).0.contains("no position") && headers(m).contains("AB 831")), "{b}");
        // The digest waits for 7:00 in Los Angeles.
        assert_eq!(
            count(
                &wh,
                "SELECT COUNT(*) FROM alert_outbox WHERE recipient = 'sam.okafor@example.org' AND message_id IS NULL"
            )
            .await,
            3,
            "{b}"
        );

        // Later that morning in Los Angeles: one digest with the three, nothing else.
        opts.alerts_now = Some(at("2026-11-26T15:30:00Z"));
        let second = run(&wh, &p, &opts).await;
        assert_eq!(second.changes(), 0, "{b}");
        let files = eml_files(&outbox);
        assert_eq!(files.len(), 6, "{b}: {:?}", second.alerts);
        let digest = std::fs::read_to_string(files.last().unwrap()).unwrap();
        assert!(headers(&digest).contains("3 updates"), "{b}: {}", headers(&digest));
        assert!(headers(&digest).contains("sam.okafor@example.org"), "{b}");

        // Everything read and merged again under another pipeline name: no new alert.
        let mut again = p.clone();
        again.name = "sample-again".into();
        opts.alerts_now = Some(at("2026-11-27T15:30:00Z"));
        let third = run(&wh, &again, &opts).await;
        assert_eq!(third.changes(), 0, "{b}");
        assert_eq!(third.alerts.clone().unwrap().matched, 0, "{b}");
        assert_eq!(eml_files(&outbox).len(), 6, "{b}");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM alert_outbox").await, 8, "{b}");
        wh.close().await;
    }
}

#[tokio::test]
async fn alerts_reach_a_real_smtp_server_exactly_once_even_after_an_outage() {
    let db = TestDb::sqlite();
    let wh = db.open().await;
    let folder = db.dir.path().join("de");
    copy_dir(&fixture("ocd-scrape/de-153"), &folder);
    std::fs::write(db.dir.path().join("coalition.toml"), DE_COALITION).unwrap();
    let p = pipeline(
        db.dir.path(),
        "de",
        &format!("coalitions = [\"coalition.toml\"]\n{}", scrape_source("de", &folder, None)),
    );
    // The port of a server that is down.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut opts = db.options();
    opts.alert_mailer =
        Some(statehouse::mail::Mailer::from_url(&format!("smtp://127.0.0.1:{port}"), "alerts@example.org").unwrap());
    let t0 = Utc::now();
    opts.alerts_now = Some(t0);

    // The first load: a new coalition starts at the ledger's end; nothing to say yet.
    let first = run(&wh, &p, &opts).await;
    assert_eq!(first.alerts.unwrap().matched, 0);

    // SJR 6 moves (a real Delaware roll-call action, appended to the bill's real history).
    let file = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| std::fs::read_to_string(p).unwrap().contains("\"identifier\": \"SJR 6\""))
        .expect("SJR 6");
    let mut bill: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    bill["actions"].as_array_mut().unwrap().push(serde_json::json!({
        "description": "Passed By Senate. Votes: 21 YES",
        "date": "2025-06-30",
        "organization_id": "~{\"classification\": \"upper\"}",
        "classification": ["passage"],
        "related_entities": []
    }));
    std::fs::write(&file, serde_json::to_vec(&bill).unwrap()).unwrap();

    // The SMTP server is down: the alert is kept, the failed attempt recorded.
    let second = run(&wh, &p, &opts).await;
    let a = second.alerts.unwrap();
    assert_eq!((a.matched, a.sent, a.failed), (1, 0, 1), "{a:?}");
    assert_eq!(
        rows(&wh, "SELECT status, attempts FROM alert_messages").await,
        vec![vec!["retrying".to_string(), "1".to_string()]]
    );
    assert_eq!(count(&wh, "SELECT COUNT(*) FROM alert_attempts WHERE NOT ok AND error IS NOT NULL").await, 1);

    // Before the retry is due, nothing is tried.
    opts.alerts_now = Some(t0 + chrono::Duration::minutes(2));
    let early = run(&wh, &p, &opts).await.alerts.unwrap();
    assert_eq!((early.sent, early.failed), (0, 0));

    // The server is back; the retry is due: the alert goes out, once.
    let smtp = SmtpServer::start_on(port);
    opts.alerts_now = Some(t0 + chrono::Duration::minutes(6));
    let third = run(&wh, &p, &opts).await.alerts.unwrap();
    assert_eq!(third.sent, 1, "{third:?}");
    let messages = smtp.messages();
    assert_eq!(messages.len(), 1);
    let raw = &messages[0];
    let h = headers(raw);
    for name in ["From:", "To:", "Subject:", "Date:", "Message-ID:", "List-Unsubscribe:", "List-Unsubscribe-Post:"] {
        assert_eq!(h.matches(&format!("\n{name}")).count() + usize::from(h.starts_with(name)), 1, "{name} in {h}");
    }
    assert!(h.contains("multipart/alternative"), "{h}");
    assert!(h.contains("SJR 6"), "{h}");
    let (text, html) = parts(raw);
    // The real title has an ampersand and an apostrophe: escaped in HTML, plain in text.
    assert!(text.contains("MEDICAID & MEDICAL ASSISTANCE"), "{text}");
    assert!(html.contains("MEDICAID &amp; MEDICAL ASSISTANCE"), "{html}");
    assert!(!html.contains("MEDICAID & MEDICAL"), "unescaped & in HTML");
    assert!(text.contains("Passed By Senate. Votes: 21 YES"), "{text}");
    assert!(text.contains("support"), "{text}");
    assert_eq!(
        rows(&wh, "SELECT status, attempts FROM alert_messages").await,
        vec![vec!["sent".to_string(), "2".to_string()]]
    );

    // Reruns send nothing new.
    opts.alerts_now = Some(t0 + chrono::Duration::hours(2));
    let fourth = run(&wh, &p, &opts).await.alerts.unwrap();
    assert_eq!((fourth.matched, fourth.sent), (0, 0));
    assert_eq!(smtp.messages().len(), 1);
    wh.close().await;
}

#[tokio::test]
async fn digests_go_out_at_each_leads_hour_in_their_own_time_zone() {
    for db in TestDb::both().await {
        // Delaware's real bills, replayed: new bills matching watched terms.
        let wh = delaware(&db).await;
        let b = wh.backend();
        let coalition = Coalition::parse(
            r#"
id = "two-zones"
name = "Two Zones"
start = "beginning"
[[group]]
id = "east"
name = "East"
[[group.lead]]
name = "East Lead"
email = "east@example.org"
timezone = "America/New_York"
delivery = "daily"
digest_hour = 7
[[group]]
id = "west"
name = "West"
[[group.lead]]
name = "West Lead"
email = "west@example.org"
timezone = "America/Los_Angeles"
delivery = "daily"
digest_hour = 7
[watch]
terms = ["school", "inspector general"]
"#,
            Path::new("two-zones.toml"),
        )
        .unwrap();
        let out = db.dir.path().join("out");
        let files = Transport::Files(out.clone());
        let cs = std::slice::from_ref(&coalition);
        // 6:00 in New York, 3:00 in Los Angeles: matched, nothing due.
        let r = engine::process(&wh, cs, AlertMode::DryRun, &files, at("2026-11-26T11:00:00Z")).await.unwrap();
        assert!(r.matched >= 4, "{b}: {r:?}");
        let per_lead = r.matched / 2;
        assert_eq!(r.matched % 2, 0, "{b}: both leads get every new-bill match");
        assert_eq!(eml_files(&out.join("two-zones")).len(), 0, "{b}");
        // 7:30 in New York: the East digest, with all of its alerts.
        let r = engine::process(&wh, cs, AlertMode::DryRun, &files, at("2026-11-26T12:30:00Z")).await.unwrap();
        assert_eq!((r.matched, r.composed, r.written), (0, 1, 1), "{b}: {r:?}");
        let east = std::fs::read_to_string(&eml_files(&out.join("two-zones"))[0]).unwrap();
        assert!(headers(&east).contains("east@example.org"), "{b}");
        assert!(headers(&east).contains(&format!("{per_lead} updates")), "{b}: {}", headers(&east));
        // 7:30 in Los Angeles: the West digest.
        let r = engine::process(&wh, cs, AlertMode::DryRun, &files, at("2026-11-26T15:30:00Z")).await.unwrap();
        assert_eq!((r.composed, r.written), (1, 1), "{b}: {r:?}");
        let west = std::fs::read_to_string(&eml_files(&out.join("two-zones"))[1]).unwrap();
        assert!(headers(&west).contains("west@example.org"), "{b}");
        // The next day: nothing more.
        let r = engine::process(&wh, cs, AlertMode::DryRun, &files, at("2026-11-27T15:30:00Z")).await.unwrap();
        assert_eq!((r.matched, r.composed, r.written), (0, 0, 0), "{b}");
        assert_eq!(
            count(&wh, "SELECT COUNT(*) FROM alert_outbox WHERE message_id IS NULL").await,
            0,
            "{b}: every alert is in a digest"
        );
        wh.close().await;
    }
}

#[tokio::test]
async fn a_sponsor_watch_on_a_family_name_alerts_each_bill_of_each_legislator_of_that_name() {
    for db in TestDb::both().await {
        // Delaware's real bills, replayed. Two legislators are named Smith: Michael F. Smith
        // and Kamela T Smith.
        let wh = delaware(&db).await;
        let b = wh.backend();
        let coalition = Coalition::parse(
            &format!(
                "{}\n[watch]\nsponsors = [\"Smith\"]\n",
                DE_COALITION.replace("id = \"de-watch\"", "id = \"de-watch\"\nstart = \"beginning\"")
            ),
            Path::new("smith.toml"),
        )
        .unwrap();
        let out = db.dir.path().join("out");
        let cs = std::slice::from_ref(&coalition);
        engine::process(&wh, cs, AlertMode::DryRun, &Transport::Files(out.clone()), at("2026-11-26T12:00:00Z"))
            .await
            .unwrap();

        // Each bill with a sponsor of that family name, and which Smith sponsored it.
        let mut expected: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for r in rows(
            &wh,
            "SELECT DISTINCT b.identifier, s.name FROM bill_sponsorships s JOIN bills b ON b.id = s.bill_id \
             WHERE s.name LIKE '% Smith'",
        )
        .await
        {
            expected.entry(r[0].clone()).or_default().push(format!("sponsor: {} (watched \"Smith\")", r[1]));
        }
        let mut got: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for r in rows(&wh, "SELECT alert FROM alert_outbox WHERE rule = 'new_bill'").await {
            let alert: serde_json::Value = serde_json::from_str(&r[0]).unwrap();
            let terms = alert["why"]["terms"].as_array().unwrap().iter().map(|t| t.as_str().unwrap().to_string());
            got.entry(alert["bill"]["identifier"].as_str().unwrap().to_string()).or_default().extend(terms);
        }
        for terms in expected.values_mut().chain(got.values_mut()) {
            terms.sort();
        }
        assert_eq!(got, expected, "{b}");
        let both: std::collections::BTreeSet<&String> = got.values().flatten().collect();
        assert_eq!(
            both.into_iter().collect::<Vec<_>>(),
            ["sponsor: Kamela T Smith (watched \"Smith\")", "sponsor: Michael F. Smith (watched \"Smith\")"],
            "{b}: both legislators named Smith"
        );
        // The email says who sponsored the bill.
        let mail = eml_files(&out.join("de-watch"))
            .iter()
            .map(|f| std::fs::read_to_string(f).unwrap())
            .find(|m| headers(m).contains("New bill HCR 26"))
            .expect("HCR 26, Kamela T Smith's resolution");
        let text = parts(&mail).0.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(text.contains("Matched: sponsor: Kamela T Smith (watched \"Smith\")"), "{b}: {text}");
        wh.close().await;
    }
}

#[tokio::test]
async fn a_hearing_reminder_goes_out_once_per_hearing_time() {
    let db = TestDb::sqlite();
    let wh = db.open().await;
    let mut opts = db.options();
    opts.alerts_now = Some(Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap());
    run(&wh, &sample(), &opts).await;
    let coalition = Coalition::parse(
        r#"
id = "ny-reminders"
name = "NY Reminders"
reminder_days = [3, 1]
[[group]]
id = "albany"
name = "Albany"
[[group.lead]]
name = "Al Bany"
email = "al@example.org"
timezone = "America/New_York"
[[bill]]
jurisdiction = "ny"
bill = "S 688"
session = "2017-2018"
position = "support"
group = "albany"
"#,
        Path::new("r.toml"),
    )
    .unwrap();
    let out = db.dir.path().join("out");
    let files = Transport::Files(out.clone());
    let cs = std::slice::from_ref(&coalition);
    // Saturday 4 February 2017: the Energy and Telecommunications hearing (moved to Tuesday
    // the 7th) is three days away.
    let r = engine::process(&wh, cs, AlertMode::DryRun, &files, at("2017-02-04T15:00:00Z")).await.unwrap();
    assert_eq!((r.matched, r.written), (1, 1), "{r:?}");
    let mail = std::fs::read_to_string(&eml_files(&out.join("ny-reminders"))[0]).unwrap();
    assert!(headers(&mail).contains("Reminder"), "{}", headers(&mail));
    assert!(parts(&mail).0.contains("Tuesday, February 7, 2017 at 9:30 AM EST"), "{}", parts(&mail).0);
    // The coalition's feeds: the hearing in its calendar (in New York time), the alert in Atom.
    let feeds = db.dir.path().join("feeds");
    engine::write_feeds(&wh, cs, &feeds, at("2017-02-04T15:00:00Z")).await.unwrap();
    let ics = std::fs::read_to_string(feeds.join("ny-reminders.ics")).unwrap().replace("\r\n ", "");
    assert!(ics.contains("DTSTART;TZID=America/New_York:20170207T093000"), "{ics}");
    assert!(ics.contains("S 688"), "{ics}");
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 1, "{ics}");
    let atom = std::fs::read_to_string(feeds.join("ny-reminders.atom")).unwrap();
    let doc = roxmltree::Document::parse(&atom).unwrap();
    assert_eq!(doc.descendants().filter(|n| n.has_tag_name("entry")).count(), 1, "{atom}");
    // Later the same day, and the next: the three-day reminder is not sent again.
    for t in ["2017-02-04T20:00:00Z", "2017-02-05T15:00:00Z"] {
        let r = engine::process(&wh, cs, AlertMode::DryRun, &files, at(t)).await.unwrap();
        assert_eq!(r.matched, 0, "{t}: {r:?}");
    }
    // Monday: the one-day reminder.
    let r = engine::process(&wh, cs, AlertMode::DryRun, &files, at("2017-02-06T15:00:00Z")).await.unwrap();
    assert_eq!((r.matched, r.written), (1, 1), "{r:?}");
    // The day of the hearing: none.
    let r = engine::process(&wh, cs, AlertMode::DryRun, &files, at("2017-02-07T12:00:00Z")).await.unwrap();
    assert_eq!(r.matched, 0);
    wh.close().await;
}

#[test]
fn the_preview_shows_what_would_be_sent_and_writes_nothing() {
    let db = TestDb::sqlite();
    let out = statehouse_command(&db)
        .args(["run", &Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines/sample.toml").display().to_string()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("alerts of sample: 8 matched"), "{stdout}");
    // A new coalition file in a pipeline of its own: the preview lists its matches.
    std::fs::write(
        db.dir.path().join("preview-coalition.toml"),
        DE_COALITION
            .replace("de-watch", "preview")
            .replace("id = \"preview\"", "id = \"preview\"\nstart = \"beginning\"")
            + "\n[watch]\nterms = [\"inspector general\"]\n",
    )
    .unwrap();
    let p = pipeline_file(
        db.dir.path(),
        "preview",
        "America/New_York",
        &format!(
            "coalitions = [\"preview-coalition.toml\"]\nalerts = \"dry-run\"\n{}",
            scrape_source("de", &fixture("ocd-scrape/de-153"), None)
        ),
    );
    let out = statehouse_command(&db).args(["alerts", "preview", &p.display().to_string()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("New matches (1)"), "{stdout}");
    assert!(stdout.contains("New bill SB 4"), "{stdout}");
    // Nothing was queued by the preview.
    let out = statehouse_command(&db)
        .args(["query", "SELECT COUNT(*) AS n FROM alert_outbox WHERE coalition_id = 'preview'", "--format", "csv"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "n\n0");
    // `alerts send --dry-run` queues and writes it.
    let out = statehouse_command(&db).args(["alerts", "send", "--dry-run", &p.display().to_string()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 matched"), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(eml_files(&db.data_dir().join("outbox/preview")).len(), 1);
}

#[tokio::test]
async fn a_tracked_bill_moving_alerts_its_actions_roll_call_version_and_sponsor() {
    for db in TestDb::both().await {
        let wh = db.open().await;
        let b = wh.backend();
        // Delaware SB 4 as the scrape had it before its last steps: the House committee report
        // of 25 June, the House roll call of 1 July, the signature, its last amendment version
        // and its last sponsor not there yet (removed from a copy of the real files).
        let folder = db.dir.path().join("de");
        copy_dir(&fixture("ocd-scrape/de-153"), &folder);
        let bill_file = folder.join("bill_405b6cde-ca8e-11f0-8677-32549feb6cd6.json");
        let vote_file = folder.join("vote_event_41de6142-ca8e-11f0-8677-32549feb6cd6.json");
        let full = std::fs::read(&bill_file).unwrap();
        let vote = std::fs::read(&vote_file).unwrap();
        let mut before: serde_json::Value = serde_json::from_slice(&full).unwrap();
        before["actions"].as_array_mut().unwrap().truncate(14);
        before["versions"].as_array_mut().unwrap().pop();
        let last_sponsor =
            before["sponsorships"].as_array_mut().unwrap().pop().unwrap()["name"].as_str().unwrap().to_string();
        std::fs::write(&bill_file, serde_json::to_vec(&before).unwrap()).unwrap();
        std::fs::remove_file(&vote_file).unwrap();
        let no_voter = serde_json::from_slice::<serde_json::Value>(&vote).unwrap()["votes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["option"] == "no")
            .map(|v| v["voter_name"].as_str().unwrap().to_string())
            .unwrap();

        std::fs::write(
            db.dir.path().join("sb4.toml"),
            DE_COALITION
                .replace("SJR 6", "SB 4")
                .replace("unsubscribe = ", "actions = [\"passage\", \"executive-signature\"]\nunsubscribe = "),
        )
        .unwrap();
        let p = pipeline(
            db.dir.path(),
            "de",
            &format!("coalitions = [\"sb4.toml\"]\nalerts = \"dry-run\"\n{}", scrape_source("de", &folder, None)),
        );
        let first = run(&wh, &p, &db.options()).await;
        assert_eq!(first.alerts.clone().unwrap().matched, 0, "{b}: a new coalition starts at the ledger's end");

        // The bill as it is now.
        std::fs::write(&bill_file, &full).unwrap();
        std::fs::write(&vote_file, &vote).unwrap();
        let second = run(&wh, &p, &db.options()).await;
        let a = second.alerts.clone().unwrap();
        assert_eq!(
            rows(&wh, "SELECT rule, COUNT(*) FROM alert_outbox GROUP BY rule ORDER BY rule").await,
            vec![
                vec!["action".to_string(), "2".to_string()],
                vec!["new_version".to_string(), "1".to_string()],
                vec!["roll_call".to_string(), "1".to_string()],
                vec!["sponsor_added".to_string(), "1".to_string()],
            ],
            "{b}: the committee report is filtered out by the coalition's action classes; {a:?}"
        );
        let mails: Vec<String> = eml_files(&db.data_dir().join("outbox/de-watch"))
            .iter()
            .map(|f| std::fs::read_to_string(f).unwrap())
            .collect();
        assert_eq!(mails.len(), 5, "{b}");
        let roll_call = mails.iter().find(|m| headers(m).contains("vote")).expect("a roll-call email");
        let (text, _) = parts(roll_call);
        // Every member, the one "no" against the coalition's support.
        let against = text.split("Against your position").nth(1).expect("an against section");
        assert!(against.contains(&no_voter), "{b}: {text}");
        assert!(text.contains("SB 4: House vote, passed (30–1)"), "{b}: {text}");
        assert!(mails.iter().any(|m| parts(m).0.contains("Signed by Governor")), "{b}");
        assert!(mails.iter().any(|m| headers(m).contains(&last_sponsor) || parts(m).0.contains(&last_sponsor)), "{b}");
        assert!(mails.iter().any(|m| parts(m).0.contains("SA 3 to SB 4")), "{b}");
        // Again: nothing new.
        assert_eq!(run(&wh, &p, &db.options()).await.alerts.unwrap().matched, 0, "{b}");
        wh.close().await;
    }
}

/// The alert engine reads the ledger through two indexes: the partial index of the kinds that
/// concern any coalition (SQLite answers from it alone, without the ledger's rows) and the one
/// of each bill's events. Both reads together are exactly the events a plain scan selects.
#[tokio::test]
async fn the_alert_ledger_read_is_the_plain_scan_and_sqlite_answers_it_from_its_partial_index() {
    use statehouse::warehouse::alerts::{LEDGER_BY_KIND, LedgerFilter};
    use statehouse::warehouse::{Param, QueryResult};
    for db in TestDb::both().await {
        let wh = delaware(&db).await;
        let end = wh.ledger_end().await.unwrap();
        assert!(end > 0, "{}", db.url);
        // Two tracked bills: the two with the most events.
        let QueryResult { rows, .. } = wh
            .fetch(
                "SELECT bill_id FROM change_events WHERE bill_id IS NOT NULL GROUP BY bill_id \
                 ORDER BY COUNT(*) DESC, bill_id LIMIT 2",
                &[],
            )
            .await
            .unwrap();
        let bills: Vec<String> = rows.iter().map(|r| r[0].as_str().unwrap().to_string()).collect();
        assert_eq!(bills.len(), 2, "{}", db.url);
        for introduced in [true, false] {
            let filter = LedgerFilter { introduced, bills: bills.clone() };
            // Read in two spans, as the engine reads a long ledger.
            let mid = end / 2;
            let mut got: Vec<i64> = wh.ledger_after(0, mid, &filter).await.unwrap().iter().map(|e| e.seq).collect();
            got.extend(wh.ledger_after(mid, end, &filter).await.unwrap().iter().map(|e| e.seq));
            let kinds = if introduced { "'bill_introduced', " } else { "" };
            let plain = format!(
                "SELECT seq FROM change_events WHERE kind IN ({kinds}'hearing_scheduled', 'hearing_changed', \
                 'hearing_cancelled', 'agenda_item_added', 'agenda_item_removed') OR bill_id IN ($1, $2) ORDER BY seq"
            );
            let want: Vec<i64> = wh
                .fetch(&plain, &[Param::Text(Some(bills[0].clone())), Param::Text(Some(bills[1].clone()))])
                .await
                .unwrap()
                .rows
                .iter()
                .map(|r| r[0].as_i64().unwrap())
                .collect();
            assert!(want.len() > 10, "{}: {}", db.url, want.len());
            assert_eq!(got, want, "{} introduced={introduced}", db.url);
        }
        if db.url.starts_with("sqlite:") {
            let plan = wh
                .fetch(&format!("EXPLAIN QUERY PLAN {LEDGER_BY_KIND}"), &[Param::Int(Some(0)), Param::Int(Some(end))])
                .await
                .unwrap();
            let detail: Vec<String> = plan.rows.iter().map(|r| r[3].as_str().unwrap_or_default().to_string()).collect();
            assert!(detail.iter().any(|d| d.contains("USING COVERING INDEX change_events_alerts")), "{detail:?}");
        }
    }
}
