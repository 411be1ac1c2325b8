//! Coalition scorecards on real roll calls (Delaware's 153rd General Assembly, Illinois' 104th),
//! both backends: the `legislator_scorecards` view and `statehouse scorecard` equal what this
//! test counts itself from `votes`, `vote_records`, `people` and the coalition's positions.
//!
//! People: the legislators of Open States' people files (tests/fixtures/openstates-people),
//! loaded by the `openstates_people` source; the warehouse links voters to them by name
//! (`warehouse::people`), and the voters it leaves unlinked are what the command reports as
//! left out.

use crate::common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const DE: &str = "ocd-jurisdiction/country:us/state:de/government";
const IL: &str = "ocd-jurisdiction/country:us/state:il/government";

/// The coalition's bills: (jurisdiction, bill, session, assigned group, its position, other
/// groups' positions). Two groups disagree on SB 49, HB 3800 and SB 121 (Dover only watches
/// it); HB 38 is on watch alone; every bill has roll calls.
type TrackedBill =
    (&'static str, &'static str, &'static str, &'static str, &'static str, &'static [(&'static str, &'static str)]);

const BILLS: &[TrackedBill] = &[
    (DE, "SB 49", "153", "dover", "support", &[("wilmington", "oppose")]),
    (DE, "HB 116", "153", "dover", "oppose", &[]),
    (DE, "SB 121", "153", "wilmington", "support", &[("dover", "watch")]),
    (DE, "HB 38", "153", "dover", "watch", &[]),
    (IL, "HB 3800", "104th", "dover", "support", &[("wilmington", "oppose")]),
    (IL, "SB 1814", "104th", "wilmington", "oppose", &[]),
];

fn coalition_toml() -> String {
    let mut s = String::from(
        "id = \"fair-votes\"\nname = \"Fair Votes & Families\"\nunsubscribe = \"https://example.org/u\"\n\n\
         [[group]]\nid = \"dover\"\nname = \"Dover <Indivisible>\"\n\n\
         [[group]]\nid = \"wilmington\"\nname = \"Wilmington Families\"\n\n",
    );
    for (j, bill, session, group, position, others) in BILLS {
        s.push_str(&format!(
            "[[bill]]\njurisdiction = \"{j}\"\nbill = \"{bill}\"\nsession = \"{session}\"\nposition = \"{position}\"\ngroup = \"{group}\"\n"
        ));
        if !others.is_empty() {
            let list: Vec<String> = others.iter().map(|(g, p)| format!("{g} = \"{p}\"")).collect();
            s.push_str(&format!("positions = {{ {} }}\n", list.join(", ")));
        }
        s.push('\n');
    }
    s
}

/// The person files (current and former legislators) of Open States' people folders.
fn person_files(people: &Path) -> usize {
    let mut n = 0;
    for state in std::fs::read_dir(people).unwrap() {
        let state = state.unwrap().path();
        for folder in ["legislature", "retired"] {
            if let Ok(list) = std::fs::read_dir(state.join(folder)) {
                n += list.count();
            }
        }
    }
    n
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Passage,
    Committee,
    Procedural,
}

/// What each of these real roll calls was, from its motion as the scrapes write it: Delaware's
/// floor roll calls name the majority they need; Illinois' name the reading or concurrence,
/// else the committee, with the amendment voted on when it was one.
fn kind(jurisdiction: &str, motion: &str) -> Kind {
    if jurisdiction == DE {
        assert!(["SM", "2/3", "3/5", "3/4"].contains(&motion), "a Delaware motion not seen before: {motion}");
        Kind::Passage
    } else if motion == "Third Reading" || motion.starts_with("Concurrence") {
        Kind::Passage
    } else if motion.contains(", Amendment") {
        Kind::Procedural
    } else {
        Kind::Committee
    }
}

/// Whose positions: each bill's assigned group's, or one group's.
fn position(group: Option<&str>, jurisdiction: &str, bill: &str) -> Option<&'static str> {
    let (_, _, _, assigned, p, others) = BILLS.iter().find(|b| b.0 == jurisdiction && b.1 == bill)?;
    let p = match group {
        None => Some(*p),
        Some(g) if g == *assigned => Some(*p),
        Some(g) => others.iter().find(|(o, _)| *o == g).map(|(_, p)| *p),
    };
    p.filter(|p| *p != "watch")
}

#[derive(Default)]
struct Expected {
    /// The view's columns, as strings (NULL empty), in the command's order.
    lines: Vec<Vec<String>>,
    unlinked_records: usize,
    unlinked_voters: usize,
    /// Bills with a counted roll call → (position, roll calls).
    bills: BTreeMap<String, (&'static str, usize)>,
}

/// The scorecard counted here, from the rows.
async fn expected(
    wh: &statehouse::warehouse::Warehouse,
    group: Option<&str>,
    all_votes: bool,
    session: Option<&str>,
    watch_counts: bool,
) -> Expected {
    let records = rows(
        wh,
        "SELECT v.id, v.jurisdiction_id, v.session, b.identifier, v.motion, r.person_id, r.voter_name, r.option
         FROM votes v JOIN bills b ON b.id = v.bill_id JOIN vote_records r ON r.vote_id = v.id",
    )
    .await;
    let people: BTreeMap<String, Vec<String>> = rows(wh, "SELECT id, name, chamber, district, party FROM people")
        .await
        .into_iter()
        .map(|r| (r[0].clone(), r))
        .collect();
    let mut tally: BTreeMap<(String, String), [i64; 3]> = BTreeMap::new();
    let mut out = Expected::default();
    let mut voters = BTreeSet::new();
    let mut roll_calls: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in &records {
        let [vote, jurisdiction, sess, bill, motion, person, voter, option] = &r[..] else { unreachable!() };
        let pos = if watch_counts && bill == "HB 38" { Some("support") } else { position(group, jurisdiction, bill) };
        let Some(pos) = pos else { continue };
        let k = kind(jurisdiction, motion);
        if !(k == Kind::Passage || (all_votes && k == Kind::Committee)) || session.is_some_and(|s| s != sess) {
            continue;
        }
        roll_calls.entry(bill.clone()).or_default().insert(vote.clone());
        out.bills.insert(bill.clone(), (pos, 0));
        if !people.contains_key(person) {
            out.unlinked_records += 1;
            voters.insert(voter.clone());
            continue;
        }
        let side = match (pos, option.as_str()) {
            ("support", "yes") | ("oppose", "no") => 0,
            ("support", "no") | ("oppose", "yes") => 1,
            _ => 2,
        };
        tally.entry((jurisdiction.clone(), person.clone())).or_default()[side] += 1;
    }
    for (bill, votes) in roll_calls {
        out.bills.get_mut(&bill).unwrap().1 = votes.len();
    }
    out.unlinked_voters = voters.len();
    let mut lines: Vec<(u8, Option<f64>, Vec<String>)> = tally
        .into_iter()
        .map(|((jurisdiction, person), [with, against, absent])| {
            let p = &people[&person];
            let score = (with + against > 0).then(|| (1000.0 * with as f64 / (with + against) as f64).round() / 10.0);
            let rank = match p[2].as_str() {
                "upper" => 0,
                "lower" => 1,
                "legislature" => 2,
                "" => 4,
                _ => 3,
            };
            let line = vec![
                "fair-votes".to_string(),
                jurisdiction,
                person.clone(),
                p[1].clone(),
                p[2].clone(),
                p[3].clone(),
                p[4].clone(),
                with.to_string(),
                against.to_string(),
                absent.to_string(),
                score.map(|s| serde_json::json!(s).to_string()).unwrap_or_default(),
            ];
            (rank, score, line)
        })
        .collect();
    // By jurisdiction, chamber, then score (best first, none last), then name.
    lines.sort_by(|a, b| {
        a.2[1]
            .cmp(&b.2[1])
            .then(a.0.cmp(&b.0))
            .then(a.2[4].cmp(&b.2[4]))
            .then(b.1.is_some().cmp(&a.1.is_some()))
            .then(b.1.unwrap_or(0.0).total_cmp(&a.1.unwrap_or(0.0)))
            .then(a.2[3].cmp(&b.2[3]))
            .then(a.2[2].cmp(&b.2[2]))
    });
    out.lines = lines.into_iter().map(|l| l.2).collect();
    out
}

/// A CSV text's records (RFC 4180 quoting, as `output` writes it).
fn csv_records(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let (mut record, mut field, mut quoted, mut chars) = (Vec::new(), String::new(), false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                out.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    out
}

/// `statehouse scorecard` with these options: (status, stdout, stderr).
fn scorecard(db: &TestDb, pipeline: &Path, more: &[&str]) -> (Option<i32>, String, String) {
    let out = statehouse_command(db)
        .args(["scorecard", &pipeline.display().to_string(), "--coalition", "fair-votes"])
        .args(more)
        .output()
        .expect("run statehouse");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// "note: N vote records by M voter names not linked …" → (N, M); (0, 0) without the note.
fn left_out(stderr: &str) -> (usize, usize) {
    let Some(note) = stderr.lines().find(|l| l.contains("not linked to a legislator")) else { return (0, 0) };
    let words: Vec<&str> = note.split_whitespace().collect();
    (words[1].parse().unwrap(), words[5].parse().unwrap())
}

fn escaped(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#x27;")
}

#[tokio::test]
async fn scorecards_count_each_legislators_votes_against_the_coalitions_positions() {
    for db in TestDb::both().await {
        let wh = db.open().await;
        let b = wh.backend();
        let people = fixture("openstates-people");
        let written = person_files(&people);
        std::fs::write(db.dir.path().join("fair-votes.toml"), coalition_toml()).unwrap();
        let sources = [
            format!("[[source]]\nname = \"people\"\nkind = \"openstates_people\"\npath = \"{}\"\n", people.display()),
            scrape_source("de", &fixture("ocd-scrape/de-153"), None),
            scrape_source("il", &fixture("ocd-scrape/il-104th-windycivi"), None),
        ]
        .concat();
        let path = pipeline_file(
            db.dir.path(),
            "scorecard",
            "America/New_York",
            &format!("coalitions = [\"fair-votes.toml\"]\nalerts = \"dry-run\"\n{sources}"),
        );
        let p = statehouse::config::Pipeline::load(&path).unwrap();
        let report = run(&wh, &p, &db.options()).await;
        assert_eq!(report.status, "succeeded", "{b}: {report:?}");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM people").await, written as i64, "{b}");

        // Every real roll call is of the kind its motion says.
        let kinds =
            rows(&wh, "SELECT v.jurisdiction_id, v.motion, k.kind FROM votes v JOIN vote_kinds k ON k.vote_id = v.id")
                .await;
        assert_eq!(kinds.len(), 249 + 83, "{b}");
        for k in &kinds {
            let want = match kind(&k[0], &k[1]) {
                Kind::Passage => "passage",
                Kind::Committee => "committee",
                Kind::Procedural => "procedural",
            };
            assert_eq!(k[2], want, "{b}: {k:?}");
        }
        let il = |kind: &str| kinds.iter().filter(|k| k[0] == IL && k[2] == kind).count();
        assert_eq!((il("passage"), il("committee"), il("procedural")), (38, 30, 15), "{b}: as docs/scorecards.md says");

        // The view: final passage, each bill's assigned group's position.
        let default = expected(&wh, None, false, None, false).await;
        let linked = count(&wh, "SELECT COUNT(DISTINCT person_id) FROM vote_records WHERE person_id IS NOT NULL").await;
        assert!(linked > 20 && default.lines.len() > 20, "{b}: {linked} people linked, {} lines", default.lines.len());
        let mut view = rows(
            &wh,
            "SELECT coalition_id, jurisdiction_id, person_id, name, chamber, district, party, votes_with, votes_against, absent, score
             FROM legislator_scorecards",
        )
        .await;
        view.sort();
        let mut want = default.lines.clone();
        want.sort();
        assert_eq!(view, want, "{b}: the view");
        // Scores differ: some legislators voted against the coalition.
        assert!(want.iter().any(|l| l[8] != "0") && want.iter().any(|l| l[7] != "0"), "{b}");

        // The command: the same lines, in order, and what it left out.
        for (opts, group, all_votes, session) in [
            (vec![], None, false, None),
            (vec!["--all-votes"], None, true, None),
            (vec!["--group", "wilmington"], Some("wilmington"), false, None),
            (vec!["--group", "dover", "--all-votes"], Some("dover"), true, None),
            (vec!["--session", "153"], None, false, Some("153")),
        ] {
            let want = expected(&wh, group, all_votes, session, false).await;
            let (status, stdout, stderr) = scorecard(&db, &path, &[&["--format", "csv"][..], &opts[..]].concat());
            assert_eq!(status, Some(0), "{b} {opts:?}: {stderr}");
            let records = csv_records(&stdout);
            assert_eq!(records[0], statehouse::scorecard::COLUMNS, "{b} {opts:?}");
            assert_eq!(records[1..], want.lines[..], "{b} {opts:?}");
            assert_eq!(left_out(&stderr), (want.unlinked_records, want.unlinked_voters), "{b} {opts:?}: {stderr}");
        }
        // Each option changes what is counted on this data.
        let all = expected(&wh, None, true, None, false).await;
        assert!(all.bills["HB 3800"].1 > default.bills["HB 3800"].1, "{b}: Illinois' committee votes count too");
        let wilmington = expected(&wh, Some("wilmington"), false, None, false).await;
        assert_eq!(wilmington.bills["SB 49"].0, "oppose", "{b}");
        assert!(!wilmington.bills.contains_key("HB 116"), "{b}: Wilmington does not follow HB 116");
        assert_ne!(wilmington.lines, default.lines, "{b}");
        let dover = expected(&wh, Some("dover"), false, None, false).await;
        assert!(!dover.bills.contains_key("SB 121"), "{b}: Dover only watches SB 121");
        // The watched bill has passage roll calls by linked legislators, and is not counted.
        let watched = expected(&wh, None, false, None, true).await;
        assert!(watched.bills["HB 38"].1 > 0 && watched.lines != default.lines, "{b}");
        assert!(!default.bills.contains_key("HB 38"), "{b}");

        // A table: the bills, then the legislators.
        let (status, table, _) = scorecard(&db, &path, &[]);
        assert_eq!(status, Some(0), "{b}");
        assert!(table.starts_with("Fair Votes & Families scorecard"), "{b}: {table}");
        assert!(table.contains("SB 49") && !table.contains("HB 38 "), "{b}: {table}");

        // The page: self-contained, escaped, the bills and every legislator.
        let (status, page, stderr) = scorecard(&db, &path, &["--format", "html", "--group", "dover"]);
        assert_eq!(status, Some(0), "{b}: {stderr}");
        assert!(page.starts_with("<!DOCTYPE html>") && page.contains("@media print"), "{b}");
        assert!(!page.contains("http://") && !page.contains("https://"), "{b}: no link, no external asset");
        assert!(!page.contains("<script") && !page.contains("<link") && !page.contains("src="), "{b}");
        assert!(page.contains("<h1>Fair Votes &amp; Families scorecard</h1>"), "{b}");
        assert!(page.contains("Dover &lt;Indivisible&gt;") && !page.contains("<Indivisible>"), "{b}");
        // Two states' legislators: each chamber's table is named with its state.
        assert!(page.contains("<h2>DE Senate</h2>") && page.contains("<h2>IL House</h2>"), "{b}: {page}");
        for bill in dover.bills.keys() {
            assert!(page.contains(&format!("<td>{bill}</td>")), "{b}: {bill}");
        }
        assert!(!page.contains("<td>HB 38</td>") && !page.contains("<td>SB 121</td>"), "{b}");
        for line in &dover.lines {
            assert!(page.contains(&format!("<td>{}</td>", escaped(&line[3]))), "{b}: {}", line[3]);
        }
        let (records, voters) = (dover.unlinked_records, dover.unlinked_voters);
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        let note =
            format!("{records} vote record{} by {voters} voter name{} not linked", plural(records), plural(voters));
        assert_eq!(page.contains(&note), records > 0, "{b}: {note}");

        // Mistakes are errors naming what exists.
        let (status, _, stderr) = scorecard(&db, &path, &["--group", "newark"]);
        assert_eq!(status, Some(2), "{b}");
        assert!(stderr.contains("no group \"newark\"") && stderr.contains("dover, wilmington"), "{b}: {stderr}");
        let other = statehouse_command(&db)
            .args(["scorecard", &path.display().to_string(), "--coalition", "nope"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&other.stderr);
        assert_eq!(other.status.code(), Some(2), "{b}");
        assert!(stderr.contains("no coalition \"nope\"") && stderr.contains("fair-votes"), "{b}: {stderr}");
        wh.close().await;
    }
}

/// What a roll call was (`vote_kinds`), for the classes and motions sources write.
#[tokio::test]
async fn vote_kinds_tell_final_passage_from_committee_votes_and_procedural_motions() {
    let cases: &[(&str, Option<&str>, &str, &str)] = &[
        // (motion_classification, organization, motion, kind)
        ("[\"passage\"]", Some("upper"), "Final Passage", "passage"),
        ("[\"passage\"]", None, "On the bill", "passage"),
        ("[\"passage\"]", Some("Committee on Finance"), "Do pass", "committee"),
        ("[\"committee-passage-favorable\"]", Some("lower"), "Do pass", "committee"),
        ("[\"amendment-passage\"]", Some("lower"), "Floor amendment 3", "procedural"),
        ("[\"reading-2\"]", Some("upper"), "Second reading", "procedural"),
        ("[]", Some("upper"), "SM", "passage"),
        ("[]", Some("lower"), "2/3", "passage"),
        ("[]", Some("upper"), "Third Reading", "passage"),
        ("[]", Some("upper"), "Senate: Third reading Passed", "passage"),
        ("[]", Some("lower"), "Passed as amended", "passage"),
        ("[]", None, "Passed", "passage"),
        ("[]", Some("lower"), "Concurrence, Amendment 1", "passage"),
        ("[]", Some("upper"), "Adopt conference committee report", "passage"),
        ("[]", Some("lower"), "Third Reading, Amendment 1", "procedural"),
        ("[]", Some("lower"), "Motion to Table", "procedural"),
        ("[]", Some("upper"), "Motion to reconsider", "procedural"),
        ("[]", Some("upper"), "Motion to suspend the rules", "procedural"),
        ("[]", Some("lower"), "Second Reading", "procedural"),
        ("[]", Some("upper"), "Veto override", "procedural"),
        ("[]", Some("lower"), "Motion to amend", "procedural"),
        ("[]", Some("Appropriations"), "Do pass as amended", "committee"),
        ("[]", Some("Finance Committee"), "Approved", "committee"),
        ("[]", Some("lower"), "Do Pass", "committee"),
        ("[]", Some("lower"), "Insurance", "committee"),
        ("[]", Some("City Council"), "Adopted", "passage"),
    ];
    for db in TestDb::both().await {
        let wh = db.open().await;
        let b = wh.backend();
        let mut stmts = vec![(
            "INSERT INTO organizations (id, jurisdiction_id, name, classification, content_hash, created_run_id, updated_run_id) \
             VALUES ('org-council', 'j', 'City Council', 'legislature', 'h', 1, 1)"
                .to_string(),
            vec![],
        )];
        for (i, (classes, organization, motion, _)) in cases.iter().enumerate() {
            stmts.push((
                "INSERT INTO votes (id, jurisdiction_id, session, motion, motion_classification, result, organization, \
                 yes_count, no_count, abstain_count, absent_count, excused_count, not_voting_count, other_count, \
                 content_hash, bundle_hash, created_run_id, updated_run_id) \
                 VALUES ($1, 'j', 's', $2, $3, 'pass', $4, 0, 0, 0, 0, 0, 0, 0, 'h', 'h', 1, 1)"
                    .to_string(),
                vec![
                    statehouse::warehouse::Param::text(format!("vote-{i:02}")),
                    statehouse::warehouse::Param::text(*motion),
                    statehouse::warehouse::Param::text(*classes),
                    statehouse::warehouse::Param::Text(organization.map(str::to_string)),
                ],
            ));
        }
        wh.execute_all(&stmts).await.unwrap();
        let got = rows(&wh, "SELECT vote_id, kind FROM vote_kinds ORDER BY vote_id").await;
        for (i, (classes, organization, motion, want)) in cases.iter().enumerate() {
            assert_eq!(got[i][1], *want, "{b}: {classes} {organization:?} {motion:?}");
        }
        wh.close().await;
    }
}
