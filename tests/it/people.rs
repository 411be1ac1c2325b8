//! Open States' people repository (`openstates_people`): legislators, their seats and offices,
//! committee rosters, and voters linked to them. Real files for four states, both backends.

use crate::common::*;
use serde::Deserialize;
use std::path::{Path, PathBuf};

const DE: &str = "ocd-jurisdiction/country:us/state:de/government";
const IL: &str = "ocd-jurisdiction/country:us/state:il/government";

fn people_source(name: &str, path: &Path) -> String {
    format!("[[source]]\nname = \"{name}\"\nkind = \"openstates_people\"\npath = \"{}\"\n", path.display())
}

/// What the test itself reads from the YAML files, to count against the warehouse.
#[derive(Deserialize)]
struct Person {
    id: String,
    #[serde(default)]
    roles: Vec<serde::de::IgnoredAny>,
    #[serde(default)]
    offices: Vec<Office>,
}

#[derive(Deserialize)]
struct Office {
    #[serde(default)]
    voice: Option<String>,
}

#[derive(Deserialize)]
struct Committee {
    id: String,
    #[serde(default)]
    members: Vec<Member>,
}

#[derive(Deserialize)]
struct Member {
    name: String,
    #[serde(default)]
    person_id: Option<String>,
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(yaml_files(&p));
        } else if p.extension().is_some_and(|x| x == "yml") {
            out.push(p);
        }
    }
    out.sort();
    out
}

struct Expected {
    people: usize,
    roles: usize,
    offices: usize,
    phones: usize,
    committees: usize,
    memberships: usize,
}

fn expected(dir: &Path) -> Expected {
    let mut e = Expected { people: 0, roles: 0, offices: 0, phones: 0, committees: 0, memberships: 0 };
    let mut ids = std::collections::BTreeSet::new();
    for f in yaml_files(dir) {
        let text = std::fs::read_to_string(&f).unwrap();
        if f.parent().unwrap().ends_with("committees") {
            let c: Committee = serde_saphyr::from_str(&text).unwrap_or_else(|err| panic!("{}: {err}", f.display()));
            e.committees += 1;
            let members: std::collections::BTreeSet<String> =
                c.members.iter().map(|m| m.person_id.clone().unwrap_or_else(|| m.name.to_lowercase())).collect();
            e.memberships += members.len();
            assert!(c.id.starts_with("ocd-organization/"));
        } else {
            let p: Person = serde_saphyr::from_str(&text).unwrap_or_else(|err| panic!("{}: {err}", f.display()));
            assert!(ids.insert(p.id.clone()), "{} twice", p.id);
            e.people += 1;
            e.roles += p.roles.len();
            e.offices += p.offices.len();
            e.phones += p.offices.iter().filter(|o| o.voice.is_some()).count();
        }
    }
    e
}

#[tokio::test]
async fn four_states_load_every_legislator_seat_office_and_member_and_a_rerun_writes_nothing() {
    let dir = fixture("openstates-people");
    let want = expected(&dir);
    assert!(want.people > 1800 && want.memberships > 4000, "the fixture: {} people", want.people);
    for db in TestDb::both().await {
        let wh = db.open().await;
        let b = wh.backend().to_string();
        let p = pipeline(db.dir.path(), "people", &people_source("people", &dir));
        let report = run(&wh, &p, &db.options()).await;
        assert_eq!(report.status, "succeeded", "[{b}] {:?}", report.warnings);
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM people").await as usize, want.people, "[{b}] people");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM person_roles").await as usize, want.roles, "[{b}] seats");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM person_offices").await as usize, want.offices, "[{b}] offices");
        assert_eq!(
            count(&wh, "SELECT COUNT(*) FROM person_offices WHERE voice IS NOT NULL").await as usize,
            want.phones,
            "[{b}] phone numbers"
        );
        assert_eq!(
            count(&wh, "SELECT COUNT(*) FROM organizations WHERE classification = 'committee'").await as usize,
            want.committees,
            "[{b}] committees"
        );
        assert_eq!(
            count(&wh, "SELECT COUNT(*) FROM committee_memberships").await as usize,
            want.memberships,
            "[{b}] memberships"
        );
        // Every member named by id is a person the files hold.
        assert_eq!(
            count(
                &wh,
                "SELECT COUNT(*) FROM committee_memberships m WHERE m.person_id IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM people p WHERE p.id = m.person_id)"
            )
            .await,
            0,
            "[{b}] members without a person"
        );
        // The ledger: one event per person and per member.
        assert_eq!(
            count(&wh, "SELECT COUNT(*) FROM change_events WHERE kind = 'person_added'").await as usize,
            want.people,
            "[{b}]"
        );
        assert_eq!(
            count(&wh, "SELECT COUNT(*) FROM change_events WHERE kind = 'membership_added'").await as usize,
            want.memberships,
            "[{b}]"
        );
        // Former legislators are marked so, and are not among the current ones.
        let retired = yaml_files(&dir).iter().filter(|f| f.parent().unwrap().ends_with("retired")).count();
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM people WHERE former = TRUE").await as usize, retired, "[{b}]");
        let current = yaml_files(&dir).iter().filter(|f| f.parent().unwrap().ends_with("legislature")).count();
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM legislators").await as usize, current, "[{b}] legislators view");

        // The views: a Delaware representative with her capitol phone; a roster chair first.
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
            "SELECT name, role, district FROM committee_rosters
              WHERE committee_id = 'ocd-organization/c415ff7a-e944-40a8-bb7e-280e1330bc1d'",
        )
        .await;
        assert_eq!(housing.len(), 13, "[{b}]");
        assert_eq!(housing[0][..2], ["Kendra Johnson".to_string(), "chair".to_string()], "[{b}] {housing:?}");
        assert_eq!(housing[1][..2], ["Larry Lambert".to_string(), "vice chair".to_string()], "[{b}] {housing:?}");
        assert!(housing.iter().all(|r| !r[2].is_empty()), "[{b}] every member has a district: {housing:?}");

        // The same files again, read from another folder: not one change.
        let copy = db.dir.path().join("copy");
        copy_dir(&dir, &copy);
        let seq = count(&wh, "SELECT COALESCE(MAX(seq), 0) FROM change_events").await;
        let p2 = pipeline(db.dir.path(), "people2", &people_source("people", &copy));
        let again = run(&wh, &p2, &db.options()).await;
        assert_eq!(again.status, "succeeded", "[{b}]");
        assert_eq!(
            count(&wh, &format!("SELECT COUNT(*) FROM change_events WHERE seq > {seq}")).await,
            0,
            "[{b}] a rerun wrote changes"
        );
        wh.close().await;
    }
}

#[tokio::test]
async fn a_new_chair_is_one_pair_of_membership_changes_and_one_committee_changed_alert() {
    use crate::alerts::{at, eml_files, parts};
    use statehouse::alerts::config::Coalition;
    use statehouse::alerts::engine::{self, Transport};
    use statehouse::config::AlertMode;
    for db in TestDb::both().await {
        let wh = db.open().await;
        let b = wh.backend().to_string();
        let dir = db.dir.path().join("people");
        copy_dir(&fixture("openstates-people/de"), &dir.join("de"));
        let sources =
            [scrape_source("de", &fixture("ocd-scrape/de-153"), None), people_source("people", &dir)].concat();
        let p = pipeline(db.dir.path(), "people", &sources);
        assert_eq!(run(&wh, &p, &db.options()).await.status, "succeeded", "[{b}]");
        // A coalition following SB 176, whose latest referral is to the House Housing Committee.
        let coalition = Coalition::parse(
            r#"
id = "de-housing"
name = "Delaware Housing Coalition"
start = "beginning"
[[group]]
id = "dover"
name = "Dover Indivisible"
[[group.lead]]
name = "Dee Lead"
email = "dee@example.org"
timezone = "America/New_York"
[[bill]]
jurisdiction = "de"
bill = "SB 176"
session = "153"
position = "support"
group = "dover"
"#,
            Path::new("de-housing.toml"),
        )
        .unwrap();
        let cs = std::slice::from_ref(&coalition);
        let out = db.dir.path().join("out");
        let files = Transport::Files(out.clone());
        engine::process(&wh, cs, AlertMode::DryRun, &files, at("2026-01-05T15:00:00Z")).await.unwrap();
        let before = eml_files(&out.join("de-housing")).len();
        let seq = count(&wh, "SELECT COALESCE(MAX(seq), 0) FROM change_events").await;

        // Bill Carson becomes chair of Housing; Kendra Johnson stays on as a member.
        let file = dir.join("de/committees/lower-Housing-c415ff7a-e944-40a8-bb7e-280e1330bc1d.yml");
        let text = std::fs::read_to_string(&file).unwrap();
        let text = text
            .replace("- name: Kendra Johnson\n  role: chair", "- name: Kendra Johnson\n  role: member")
            .replace("- name: Bill Carson\n  role: member", "- name: Bill Carson\n  role: chair");
        std::fs::write(&file, text).unwrap();
        assert_eq!(run(&wh, &p, &db.options()).await.status, "succeeded", "[{b}]");
        let changes =
            rows(&wh, &format!("SELECT kind, entity_type, changes FROM change_events WHERE seq > {seq} ORDER BY seq"))
                .await;
        assert_eq!(changes.len(), 2, "[{b}] {changes:?}");
        for c in &changes {
            assert_eq!(c[..2], ["membership_changed".to_string(), "membership".to_string()], "[{b}] {changes:?}");
            let v: serde_json::Value = serde_json::from_str(&c[2]).unwrap();
            assert_eq!(v["committee"], "Housing", "[{b}] {v}");
            assert_eq!(v["organization_id"], HOUSING, "[{b}] {v}");
        }
        let roles: Vec<(String, String, String)> = changes
            .iter()
            .map(|c| {
                let v: serde_json::Value = serde_json::from_str(&c[2]).unwrap();
                (v["member"].as_str().unwrap().to_string(), v["role"]["old"].to_string(), v["role"]["new"].to_string())
            })
            .collect();
        assert!(roles.contains(&("Kendra Johnson".into(), "\"chair\"".into(), "\"member\"".into())), "[{b}] {roles:?}");
        assert!(roles.contains(&("Bill Carson".into(), "\"member\"".into(), "\"chair\"".into())), "[{b}] {roles:?}");
        let chair = rows(
            &wh,
            &format!("SELECT name FROM committee_rosters WHERE committee_id = '{HOUSING}' AND role = 'chair'"),
        )
        .await;
        assert_eq!(chair, [["Bill Carson"]], "[{b}]");

        // One alert tells both changes.
        let r = engine::process(&wh, cs, AlertMode::DryRun, &files, at("2026-01-06T15:00:00Z")).await.unwrap();
        assert_eq!((r.matched, r.written), (1, 1), "[{b}] {r:?}");
        let mails = eml_files(&out.join("de-housing"));
        assert_eq!(mails.len(), before + 1, "[{b}]");
        let newest = mails
            .iter()
            .map(|f| std::fs::read_to_string(f).unwrap())
            .find(|m| m.contains("Committee change"))
            .unwrap_or_else(|| panic!("[{b}] no committee_changed alert"));
        let text = parts(&newest).0.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(text.contains("Committee: House Housing"), "[{b}] {text}");
        assert!(text.contains("- Bill Carson is now chair (was member)"), "[{b}] {text}");
        assert!(text.contains("- Kendra Johnson is now member (was chair)"), "[{b}] {text}");
        assert!(text.contains("It holds the bill: Assigned to Housing Committee in House"), "[{b}] {text}");
        // Nothing new: nothing more.
        let r = engine::process(&wh, cs, AlertMode::DryRun, &files, at("2026-01-07T15:00:00Z")).await.unwrap();
        assert_eq!(r.matched, 0, "[{b}] {r:?}");
        wh.close().await;
    }
}

/// Linked share of a jurisdiction's vote records, counted here from the rows.
async fn linked_share(wh: &statehouse::warehouse::Warehouse, jurisdiction: &str) -> (i64, i64) {
    let all = count(
        wh,
        &format!(
            "SELECT COUNT(*) FROM vote_records r JOIN votes v ON v.id = r.vote_id WHERE v.jurisdiction_id = '{jurisdiction}'"
        ),
    )
    .await;
    let linked = count(
        wh,
        &format!(
            "SELECT COUNT(*) FROM vote_records r JOIN votes v ON v.id = r.vote_id
              WHERE v.jurisdiction_id = '{jurisdiction}' AND r.person_id IS NOT NULL"
        ),
    )
    .await;
    (linked, all)
}

#[tokio::test]
async fn delaware_and_illinois_roll_calls_link_to_their_legislators_whichever_loads_first() {
    let people = people_source("people", &fixture("openstates-people"));
    let scrapes = [
        scrape_source("de", &fixture("ocd-scrape/de-153"), None),
        scrape_source("il", &fixture("ocd-scrape/il-104th-windycivi"), None),
    ]
    .concat();
    // SQLite loads the people first (voters linked as they load); PostgreSQL last (relinked).
    for (db, sources) in
        TestDb::both().await.into_iter().zip([format!("{people}{scrapes}"), format!("{scrapes}{people}")])
    {
        let wh = db.open().await;
        let b = wh.backend().to_string();
        let p = pipeline(db.dir.path(), "linked", &sources);
        let report = run(&wh, &p, &db.options()).await;
        assert_eq!(report.status, "succeeded", "[{b}]");
        for j in [DE, IL] {
            let (linked, all) = linked_share(&wh, j).await;
            assert!(all > 3000, "[{b}] {j}: {all} vote records");
            assert!(linked * 100 >= all * 98, "[{b}] {j}: {linked} of {all} linked");
            let view =
                rows(&wh, &format!("SELECT vote_records, linked FROM voter_links WHERE jurisdiction_id = '{j}'")).await;
            assert_eq!(view, [[all.to_string(), linked.to_string()]], "[{b}] voter_links");
        }
        // Illinois prints family names; the House's "Stava-Murray" is Anne Stava, whose other
        // names hold it, and a senator is never linked from a House roll call.
        let stava = rows(
            &wh,
            "SELECT DISTINCT p.name FROM vote_records r JOIN people p ON p.id = r.person_id WHERE r.voter_name = 'Stava-Murray'",
        )
        .await;
        assert_eq!(stava, [["Anne Stava"]], "[{b}]");
        assert_eq!(
            count(
                &wh,
                "SELECT COUNT(*) FROM vote_records r JOIN votes v ON v.id = r.vote_id
                  WHERE r.person_id IS NOT NULL AND v.organization IN ('upper', 'lower')
                    AND NOT EXISTS (SELECT 1 FROM person_roles s WHERE s.person_id = r.person_id AND s.chamber = v.organization)"
            )
            .await,
            0,
            "[{b}] a voter linked to someone who never sat in that chamber"
        );
        // Sponsors too.
        let sponsors = count(
            &wh,
            &format!(
                "SELECT COUNT(*) FROM bill_sponsorships s JOIN bills b ON b.id = s.bill_id
                  WHERE b.jurisdiction_id = '{DE}' AND s.entity_type = 'person' AND s.person_id IS NOT NULL"
            ),
        )
        .await;
        assert!(sponsors > 100, "[{b}] Delaware sponsors linked: {sponsors}");
        wh.close().await;
    }
}

const HOUSING: &str = "ocd-organization/c415ff7a-e944-40a8-bb7e-280e1330bc1d";

/// A group's own representative on the House Housing Committee: the first plain member by
/// name, with the district the test declares for the group.
async fn housing_member(wh: &statehouse::warehouse::Warehouse) -> (String, String, String, String) {
    let r = rows(
        wh,
        &format!(
            "SELECT person_id, name, district, phone FROM committee_rosters
              WHERE committee_id = '{HOUSING}' AND role = 'member' ORDER BY name LIMIT 1"
        ),
    )
    .await;
    let [id, name, district, phone] = &r[0][..] else { panic!("{r:?}") };
    (id.clone(), name.clone(), district.clone(), phone.clone())
}

#[tokio::test]
async fn a_reminder_lists_the_committee_roster_chair_first_and_the_groups_own_member_and_a_roll_call_puts_them_first() {
    use crate::alerts::{at, eml_files, headers, parts};
    use statehouse::alerts::config::Coalition;
    use statehouse::alerts::engine::{self, Transport};
    use statehouse::config::AlertMode;
    for db in TestDb::both().await {
        let wh = db.open().await;
        let b = wh.backend().to_string();
        // Delaware's bills and roll calls, its legislators and committees, and the House
        // Housing Committee's meetings (derived from the bills' real "Reported Out of
        // Committee" actions: tests/fixtures/ocd-events/derive_de.py).
        // The House's roll call on SB 176 arrives in a later run than the bill (a roll call
        // loaded with its bill is the bill's history, not news).
        let scrape = db.dir.path().join("de-153");
        copy_dir(&fixture("ocd-scrape/de-153"), &scrape);
        let house_vote = "vote_event_c3659f06-ca8d-11f0-8677-32549feb6cd6.json";
        std::fs::remove_file(scrape.join(house_vote)).unwrap();
        let sources = [
            scrape_source("de", &scrape, None),
            people_source("de-people", &fixture("openstates-people/de")),
            scrape_source("de-hearings", &fixture("ocd-events/de-house-housing-2025"), Some(DE)),
        ]
        .concat();
        let p = pipeline(db.dir.path(), "de", &sources);
        assert_eq!(run(&wh, &p, &db.options()).await.status, "succeeded", "[{b}]");
        std::fs::copy(fixture("ocd-scrape/de-153").join(house_vote), scrape.join(house_vote)).unwrap();
        assert_eq!(run(&wh, &p, &db.options()).await.status, "succeeded", "[{b}]");
        let (member_id, member, district, phone) = housing_member(&wh).await;
        assert!(!phone.is_empty(), "[{b}] {member} has a phone");
        let coalition = Coalition::parse(
            &format!(
                r#"
id = "de-housing"
name = "Delaware Housing Coalition"
start = "beginning"
reminder_days = [1]
actions = ["passage"]
[[group]]
id = "dover"
name = "Dover Indivisible"
districts = {{ de = {{ lower = ["{district}"] }} }}
[[group.lead]]
name = "Dee Lead"
email = "dee@example.org"
timezone = "America/New_York"
[[bill]]
jurisdiction = "de"
bill = "SB 176"
session = "153"
position = "support"
group = "dover"
"#
            ),
            Path::new("de-housing.toml"),
        )
        .unwrap();
        let out = db.dir.path().join("out");
        let files = Transport::Files(out.clone());
        // Monday 16 June 2025: the Housing Committee meets the next day on SB 176.
        let r = engine::process(
            &wh,
            std::slice::from_ref(&coalition),
            AlertMode::DryRun,
            &files,
            at("2025-06-16T15:00:00Z"),
        )
        .await
        .unwrap();
        assert!(r.written >= 2, "[{b}] {r:?}");
        let mails: Vec<String> =
            eml_files(&out.join("de-housing")).iter().map(|f| std::fs::read_to_string(f).unwrap()).collect();
        let reminder =
            mails.iter().find(|m| headers(m).contains("Reminder")).unwrap_or_else(|| panic!("[{b}] no reminder"));
        let (text, html) = parts(reminder);
        // The roster, chair first with a phone number; the group's own member marked. (The
        // text part is wrapped at 72 columns: compared with its whitespace folded.)
        let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let roster = flat(&text[text.find("Who sits on").unwrap_or_else(|| panic!("[{b}] no roster: {text}"))..]);
        let chair = roster.find("Chair: Kendra Johnson (Democratic, district 5), 302-");
        let vice = roster.find("Vice chair: Larry Lambert");
        let mine = roster.find(&format!("* {member} (Democratic, district {district}), {phone}"));
        assert!(chair.is_some() && chair < vice && vice < mine, "[{b}] {roster}");
        assert_eq!(roster.matches("<- YOUR LEGISLATOR").count(), 1, "[{b}] {roster}");
        let after_mine = &roster[mine.unwrap()..];
        assert!(
            after_mine.find("<- YOUR LEGISLATOR") < after_mine[2..].find(" * ").or(Some(usize::MAX)),
            "[{b}] {roster}"
        );
        let yours = flat(&text[text.find("YOUR LEGISLATORS").unwrap_or_else(|| panic!("[{b}] {text}"))..]);
        assert!(
            yours.starts_with(&format!(
                "YOUR LEGISLATORS - {member}, Representative (district {district}, Democratic): {phone}"
            )),
            "[{b}] {yours}"
        );
        // The HTML: the chair's row first, the member's row highlighted.
        let table = &html[html.find("class=\"roster\"").unwrap_or_else(|| panic!("[{b}] {html}"))..];
        let first_row = &table[table.find("<tr").unwrap()..table.find("</tr>").unwrap()];
        assert!(
            first_row.contains("Chair") && first_row.contains("Kendra Johnson") && first_row.contains("302-"),
            "[{b}] {first_row}"
        );
        let highlighted: Vec<&str> = table.split("<tr").filter(|r| r.contains("class=\"yours\"")).collect();
        assert_eq!(highlighted.len(), 1, "[{b}] {table}");
        assert!(highlighted[0].contains(&format!("<strong>{member}</strong>")), "[{b}] {}", highlighted[0]);

        // The House's roll call on SB 176: the group's representative first, with what to do.
        let option = rows(
            &wh,
            &format!(
                "SELECT r.option, r.voter_name FROM vote_records r JOIN votes v ON v.id = r.vote_id
                  WHERE v.bill_identifier = 'SB 176' AND v.organization = 'lower' AND r.person_id = '{member_id}'"
            ),
        )
        .await;
        assert_eq!(option.len(), 1, "[{b}] {member}'s House vote on SB 176: {option:?}");
        // (The roll call prints the name its own way: "William J. Carson" for Bill Carson.)
        let (option, voter) = (option[0][0].clone(), option[0][1].clone());
        // (The coalition replays the whole ledger: the roll call's alert went out in the same pass.)
        let roll_call = mails
            .iter()
            .find(|m| {
                parts(m).0.contains("Roll call in") && parts(m).0.contains("2025") && parts(m).0.contains("House")
            })
            .unwrap_or_else(|| {
                panic!(
                    "[{b}] no House roll call alert: {:?}",
                    mails
                        .iter()
                        .map(|m| headers(m).lines().filter(|l| l.starts_with("Subject")).collect::<String>())
                        .collect::<Vec<_>>()
                )
            });
        let (text, html) = parts(roll_call);
        let vote = flat(&text[text.find("Roll call in").unwrap()..]);
        let what =
            if option == "yes" { "with your position: thank them" } else { "against your position: ask them why" };
        let first_group = vote.find("(1):").zip(vote.find("With your position").or(vote.find("Against your position")));
        assert!(vote.contains(&format!("Your legislators (1): - {voter} voted {option}, {what}")), "[{b}] {vote}");
        assert!(first_group.is_some_and(|(yours, others)| yours < others), "[{b}] {vote}");
        assert!(html.contains(&format!("<li>{voter} voted {option}, {what}</li>")), "[{b}]");
        wh.close().await;
    }
}

/// Delaware's legislators and its House Housing Committee written as Open States *scraper*
/// files (`person_<uuid>.json`, `organization_<uuid>.json`), derived at test time from the
/// real people files: a scrape's ids are UUIDs, not `ocd-person/…`, so the warehouse knows
/// these people and this committee under derived ids until the people repository arrives.
fn scrape_people(out: &Path) -> usize {
    #[derive(Deserialize)]
    struct Role {
        #[serde(rename = "type")]
        role_type: String,
        #[serde(default)]
        district: Option<String>,
    }
    #[derive(Deserialize)]
    struct P {
        id: String,
        name: String,
        #[serde(default)]
        roles: Vec<Role>,
    }
    std::fs::create_dir_all(out).unwrap();
    let mut n = 0;
    for f in yaml_files(&fixture("openstates-people/de/legislature")) {
        let p: P = serde_saphyr::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        let role = p.roles.last().expect("a seat");
        let uuid = p.id.trim_start_matches("ocd-person/");
        let person = serde_json::json!({
            "_id": uuid, "name": p.name,
            "roles": [{"type": role.role_type, "district": role.district}],
        });
        std::fs::write(out.join(format!("person_{uuid}.json")), person.to_string()).unwrap();
        n += 1;
    }
    let committee = serde_json::json!({
        "_id": "c415ff7a-e944-40a8-bb7e-280e1330bc1d", "name": "Housing", "classification": "committee",
        "parent_id": "~{\"classification\": \"lower\"}",
    });
    std::fs::write(out.join("organization_c415ff7a-e944-40a8-bb7e-280e1330bc1d.json"), committee.to_string()).unwrap();
    n
}

#[tokio::test]
async fn people_and_committees_known_under_derived_ids_merge_into_open_states_ones_and_stay_merged() {
    for db in TestDb::both().await {
        let wh = db.open().await;
        let b = wh.backend().to_string();
        let scraped = db.dir.path().join("de-scraped-people");
        let derived = scrape_people(&scraped);
        let scrape = [
            scrape_source("de", &fixture("ocd-scrape/de-153"), None),
            scrape_source("de-people-scrape", &scraped, Some(DE)),
        ]
        .concat();
        let p = pipeline(db.dir.path(), "scraped", &scrape);
        assert_eq!(run(&wh, &p, &db.options()).await.status, "succeeded", "[{b}]");
        let derived_ids = "SELECT COUNT(*) FROM people WHERE id NOT LIKE 'ocd-person/%'";
        assert_eq!(count(&wh, derived_ids).await as usize, derived, "[{b}] the scrape's people, under derived ids");
        let linked_before = count(&wh, "SELECT COUNT(*) FROM vote_records WHERE person_id IS NOT NULL").await;
        assert!(linked_before > 1000, "[{b}] {linked_before}");

        // The people repository arrives: every derived person and the committee merge.
        let seq = count(&wh, "SELECT COALESCE(MAX(seq), 0) FROM change_events").await;
        let p2 = pipeline(db.dir.path(), "people", &people_source("people", &fixture("openstates-people/de")));
        assert_eq!(run(&wh, &p2, &db.options()).await.status, "succeeded", "[{b}]");
        assert_eq!(count(&wh, derived_ids).await, 0, "[{b}] derived people left");
        assert_eq!(
            count(&wh, &format!("SELECT COUNT(*) FROM change_events WHERE seq > {seq} AND kind = 'person_merged'"))
                .await as usize,
            derived,
            "[{b}]"
        );
        assert_eq!(
            count(&wh, "SELECT COUNT(*) FROM entity_merges WHERE entity_type = 'person'").await as usize,
            derived,
            "[{b}]"
        );
        assert_eq!(
            rows(&wh, "SELECT alias_id, into_id FROM entity_merges WHERE entity_type = 'organization'").await,
            [["ocd-organization/de/committee/housing".to_string(), HOUSING.to_string()]],
            "[{b}]"
        );
        assert_eq!(
            count(&wh, "SELECT COUNT(*) FROM organizations WHERE id = 'ocd-organization/de/committee/housing'").await,
            0,
            "[{b}]"
        );
        // Every vote record linked before is linked still, to the canonical person.
        assert_eq!(
            count(
                &wh,
                "SELECT COUNT(*) FROM vote_records WHERE person_id IS NOT NULL AND person_id NOT LIKE 'ocd-person/%'"
            )
            .await,
            0,
            "[{b}] records linked to a merged id"
        );
        assert!(
            count(&wh, "SELECT COUNT(*) FROM vote_records WHERE person_id IS NOT NULL").await >= linked_before,
            "[{b}]"
        );
        let merged_one = rows(
            &wh,
            "SELECT m.alias_id, p.name FROM entity_merges m JOIN people p ON p.id = m.into_id
              WHERE m.into_id = 'ocd-person/e9301c44-8042-4031-8ed0-4731c64a5a66'",
        )
        .await;
        assert_eq!(merged_one.len(), 1, "[{b}] {merged_one:?}");
        assert_eq!(merged_one[0][1], "Alonna Berry", "[{b}]");

        // The scrape's people delivered again (from another folder, so read again): read as
        // the canonical people, they change nothing and bring no derived row back.
        let again = db.dir.path().join("again");
        copy_dir(&scraped, &again);
        let seq = count(&wh, "SELECT COALESCE(MAX(seq), 0) FROM change_events").await;
        let p3 = pipeline(db.dir.path(), "again", &scrape_source("de-people-scrape", &again, Some(DE)));
        assert_eq!(run(&wh, &p3, &db.options()).await.status, "succeeded", "[{b}]");
        assert_eq!(count(&wh, derived_ids).await, 0, "[{b}]");
        let after =
            rows(&wh, &format!("SELECT kind, entity_id, changes FROM change_events WHERE seq > {seq} LIMIT 5")).await;
        assert!(after.is_empty(), "[{b}] {after:?}");
        wh.close().await;
    }
}
