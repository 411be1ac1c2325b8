//! Hearings keep their identity: an iCalendar feed (Detroit's Board of Education feed, real:
//! tests/fixtures/ics) served from a local HTTP server, then served again with one meeting
//! moved, one cancelled by `STATUS:CANCELLED` and one by "(Cancelled)" in its summary (the
//! edits below, applied to the real file). Each is the same hearing with exactly one change
//! event; nothing else changes and nothing is deleted.

use crate::common::*;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const DETROIT: &str = "ocd-jurisdiction/country:us/state:mi/place:detroit/government";

fn feed() -> String {
    std::fs::read_to_string(fixture("ics/det_board_of_education.ics")).unwrap()
}

/// Replaces `from` with `to` inside the VEVENT with `UID:<uid>` only.
fn edit_event(ics: &str, uid: &str, from: &str, to: &str) -> String {
    let start = ics.find(&format!("UID:{uid}\r\n")).unwrap_or_else(|| panic!("no UID {uid}"));
    let end = start + ics[start..].find("END:VEVENT").unwrap();
    let block = &ics[start..end];
    assert!(block.contains(from), "UID {uid} has no {from:?}");
    format!("{}{}{}", &ics[..start], block.replacen(from, to, 1), &ics[end..])
}

#[tokio::test]
async fn a_moved_and_two_cancelled_meetings_are_the_same_hearings_with_one_change_each() {
    for db in TestDb::both().await {
        let wh = db.open().await;
        let b = wh.backend();
        let server = MockServer::start().await;
        let url = format!("{}/calendar.ics", server.uri());
        let body = format!(
            "[[source]]\nname = \"dps\"\nkind = \"ical\"\nurl = \"{url}\"\njurisdiction = \"{DETROIT}\"\n\
             timezone = \"America/Detroit\"\n"
        );
        let p = pipeline(db.dir.path(), "detroit", &body);

        // 1. The real feed, with an ETag; then a conditional GET answered 304.
        Mock::given(method("GET"))
            .and(path("/calendar.ics"))
            .and(header("if-none-match", "\"v1\""))
            .respond_with(ResponseTemplate::new(304))
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/calendar.ics"))
            .respond_with(ResponseTemplate::new(200).insert_header("ETag", "\"v1\"").set_body_string(feed()))
            .with_priority(5)
            .up_to_n_times(1)
            .mount(&server)
            .await;
        let first = run(&wh, &p, &db.options()).await;
        assert_eq!(first.status, "succeeded", "{b}: {:?}", first.sources);
        let hearings = count(&wh, "SELECT COUNT(*) FROM events").await;
        assert_eq!(hearings, 33, "{b}");
        let scheduled = count(&wh, "SELECT COUNT(*) FROM change_events WHERE kind = 'hearing_scheduled'").await;
        assert_eq!(scheduled, 33, "{b}");
        let second = run(&wh, &p, &db.options()).await;
        assert_eq!((second.sources[0].requests, second.sources[0].unchanged_payloads), (1, 1), "{b}");
        let seq = count(&wh, "SELECT COALESCE(MAX(seq), 0) FROM change_events").await;

        // 2. The feed as it would be after the district moved the Finance Sub Committee of
        // 2019-11-22 from 9:00 to 2:00 PM Eastern into another room, and cancelled two meetings.
        let mut edited = edit_event(&feed(), "8990", "DTSTART:20191122T140000Z", "DTSTART:20191122T190000Z");
        edited = edit_event(&edited, "8990", "DTEND:20191122T153000Z", "DTEND:20191122T203000Z");
        edited = edit_event(&edited, "8990", "12th Floor Conference Ro\r\n om", "5th Floor Board Room");
        edited = edit_event(&edited, "8992", "STATUS:CONFIRMED", "STATUS:CANCELLED");
        edited = edit_event(
            &edited,
            "7875",
            "SUMMARY:Curriculum/Academics Sub-Committee Meeting (Open)",
            "SUMMARY:Curriculum/Academics Sub-Committee Meeting (Open) (Cancelled)",
        );
        server.reset().await;
        Mock::given(method("GET"))
            .and(path("/calendar.ics"))
            .respond_with(ResponseTemplate::new(200).insert_header("ETag", "\"v2\"").set_body_string(edited))
            .mount(&server)
            .await;
        let third = run(&wh, &p, &db.options()).await;
        assert_eq!(third.status, "succeeded", "{b}: {:?}", third.sources);
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM events").await, hearings, "{b}: a hearing was added or lost");
        let changes = rows(
            &wh,
            &format!(
                "SELECT kind, (SELECT upstream_id FROM events e WHERE e.id = c.entity_id) FROM change_events c \
                 WHERE seq > {seq} ORDER BY seq"
            ),
        )
        .await;
        let mut changes: Vec<(String, String)> = changes.into_iter().map(|r| (r[0].clone(), r[1].clone())).collect();
        changes.sort();
        assert_eq!(
            changes,
            vec![
                ("hearing_cancelled".to_string(), "7875".to_string()),
                ("hearing_cancelled".to_string(), "8992".to_string()),
                ("hearing_changed".to_string(), "8990".to_string()),
            ],
            "{b}"
        );
        // The move says what it was and what it is (UTC: 9:00 → 14:00 Detroit time), and the room.
        let moved =
            rows(&wh, &format!("SELECT changes FROM change_events WHERE seq > {seq} AND kind = 'hearing_changed'"))
                .await;
        let moved: serde_json::Value = serde_json::from_str(&moved[0][0]).unwrap();
        let text = moved.to_string();
        assert!(text.contains("2019-11-22T14:00:00") && text.contains("2019-11-22T19:00:00"), "{b}: {text}");
        assert!(text.contains("5th Floor Board Room") && text.contains("12th Floor Conference Room"), "{b}: {text}");
        // The cancelled meeting keeps its name (the marker is not part of it) and its time.
        assert_eq!(
            rows(&wh, "SELECT name, status FROM events WHERE upstream_id = '7875'").await,
            vec![vec!["Curriculum/Academics Sub-Committee Meeting (Open)".to_string(), "cancelled".to_string()]],
            "{b}"
        );
    }
}

/// Each hearing's local start is stored as text in its zone (analysts on SQLite cannot convert
/// zones), for new events by the loader and for older ones when the warehouse is next opened;
/// being derived, it is no change: a rerun records nothing.
#[tokio::test]
async fn a_hearing_carries_its_local_start_as_text() {
    let dir = fixture("ocd-events/ny-agenda-5-2017-v1");
    // The fixture's own local starts (`2017-02-07T12:00:00-05:00` → `2017-02-07 12:00`).
    let mut want: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("event_"))
        .map(|p| {
            let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            // An all-day event has its date alone.
            let start = v["start_date"].as_str().unwrap();
            if start.len() > 10 { start[..16].replacen('T', " ", 1) } else { start.to_string() }
        })
        .collect();
    want.sort();
    assert!(want.len() >= 5, "{want:?}");
    for db in TestDb::both().await {
        let wh = db.open().await;
        let p = pipeline(
            db.dir.path(),
            "ny",
            &scrape_source("ny", &dir, Some("ocd-jurisdiction/country:us/state:ny/government")),
        );
        run(&wh, &p, &db.options()).await;
        let local = |wh: statehouse::warehouse::Warehouse| async move {
            rows(&wh, "SELECT start_local FROM events ORDER BY start_local")
                .await
                .into_iter()
                .map(|r| r[0].clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(local(wh.clone()).await, want, "{}", db.url);
        let upcoming = rows(&wh, "SELECT COUNT(*) FROM upcoming_hearings WHERE start_local IS NOT NULL").await;
        assert_eq!(upcoming[0][0], "0", "{}: 2017's hearings are not upcoming", db.url);
        // Events stored before the column existed are filled when the warehouse is opened.
        wh.execute_all(&[("UPDATE events SET start_local = NULL".into(), vec![])]).await.unwrap();
        wh.close().await;
        let wh = db.open().await;
        assert_eq!(local(wh.clone()).await, want, "{}", db.url);
        let before = count(&wh, "SELECT COUNT(*) FROM change_events").await;
        let report = run(&wh, &p, &db.options()).await;
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM change_events").await, before, "{}: {report:?}", db.url);
    }
}
