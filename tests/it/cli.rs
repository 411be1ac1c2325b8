//! The `statehouse` binary as an operator and an analyst use it.

use crate::common::*;

fn statehouse(db: &TestDb, args: &[&str]) -> std::process::Output {
    statehouse_command(db).args(args).output().expect("run statehouse")
}

#[test]
fn run_query_and_status() {
    let db = TestDb::sqlite();
    let p = pipeline_file(
        db.dir.path(),
        "de",
        "America/New_York",
        &scrape_source("de", &fixture("ocd-scrape/de-153"), None),
    );
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
