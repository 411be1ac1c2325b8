//! `statehouse query` as an analyst uses it: every PostgreSQL type printed as its value, the
//! same in table, csv and json; rows written as they come, a page for a table, `--limit`,
//! `--file`, and a reader that leaves early.

use crate::common::*;
use std::io::{BufRead, BufReader};
use std::process::Stdio;

fn statehouse(db: &TestDb, args: &[&str]) -> std::process::Output {
    statehouse_command(db).args(args).output().expect("run statehouse")
}

fn stdout(out: &std::process::Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout.clone()).expect("UTF-8")
}

/// One column of each type `query` reads on PostgreSQL (`warehouse::pg_value`), with the text
/// each prints as in a csv cell.
const ONE_OF_EACH: &[(&str, &str, &str)] = &[
    ("n", "1.50::numeric", "1.50"),
    ("big", "12345678901234567890::numeric", "12345678901234567890"),
    ("sum_bigint", "(SELECT SUM(x::bigint) FROM (VALUES (9223372036854775807), (1)) v(x))", "9223372036854775808"),
    ("avg", "(SELECT AVG(x) FROM (VALUES (1), (2)) v(x))", "1.5000000000000000"),
    ("i2", "2::int2", "2"),
    ("i4", "-3::int4", "-3"),
    ("i8", "9007199254740993::int8", "9007199254740993"),
    ("f4", "0.1::float4", "0.1"),
    ("f8", "2.5::float8", "2.5"),
    ("nan", "'NaN'::float8", "NaN"),
    ("yes", "true", "true"),
    ("t", "'say \"hi\", twice'::text", "\"say \"\"hi\"\", twice\""),
    ("vc", "'v'::varchar", "v"),
    ("ch", "'ab'::char(3)", "ab "),
    ("bytes", "'\\x0aff'::bytea", "\\x0aff"),
    ("d", "'2025-05-22'::date", "2025-05-22"),
    ("tm", "'14:30:05.5'::time", "14:30:05.5"),
    ("ts", "'2025-05-22 14:30:00'::timestamp", "2025-05-22T14:30:00"),
    ("tstz", "'2025-05-22 14:30:00.25+02'::timestamptz", "2025-05-22T12:30:00.250+00:00"),
    ("iv", "'1 day 2 hours'::interval", "1 day 02:00:00"),
    ("id", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
    ("jb", "'{\"b\": [1, null], \"a\": 1}'::jsonb", "\"{\"\"a\"\":1,\"\"b\"\":[1,null]}\""),
    ("js", "'{\"z\": true}'::json", "\"{\"\"z\"\":true}\""),
    ("arr", "ARRAY[1, 2, NULL]", "\"[1,2,null]\""),
    ("tarr", "ARRAY['x', NULL]::text[]", "\"[\"\"x\"\",null]\""),
    ("grid", "ARRAY[[1, 2], [3, 4]]", "\"[[1,2],[3,4]]\""),
    ("empty", "ARRAY[]::int[]", "[]"),
    ("nothing", "NULL::int", ""),
    ("pt", "point(1, 2)", "<point: cast it to text>"),
];

fn one_of_each_sql() -> String {
    let cols: Vec<String> = ONE_OF_EACH.iter().map(|(name, expr, _)| format!("{expr} AS {name}")).collect();
    format!("SELECT {}", cols.join(", "))
}

#[tokio::test]
async fn every_postgres_type_prints_as_its_value_in_each_format() {
    let db = TestDb::postgres().await;
    let out = statehouse(&db, &["init"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let sql = one_of_each_sql();

    let csv = stdout(&statehouse(&db, &["query", &sql, "--format", "csv"]));
    let names: Vec<&str> = ONE_OF_EACH.iter().map(|c| c.0).collect();
    let cells: Vec<&str> = ONE_OF_EACH.iter().map(|c| c.2).collect();
    assert_eq!(csv, format!("{}\n{}\n", names.join(","), cells.join(",")));

    // JSON Lines: one object, its keys in column order.
    let json = stdout(&statehouse(&db, &["query", &sql, "--format", "json"]));
    assert_eq!(
        json,
        concat!(
            r#"{"n":"1.50","big":"12345678901234567890","sum_bigint":"9223372036854775808","avg":"1.5000000000000000","#,
            r#""i2":2,"i4":-3,"i8":9007199254740993,"f4":0.1,"f8":2.5,"nan":"NaN","yes":true,"t":"say \"hi\", twice","#,
            r#""vc":"v","ch":"ab ","bytes":"\\x0aff","d":"2025-05-22","tm":"14:30:05.5","ts":"2025-05-22T14:30:00","#,
            r#""tstz":"2025-05-22T12:30:00.250+00:00","iv":"1 day 02:00:00","id":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11","#,
            r#""jb":{"a":1,"b":[1,null]},"js":{"z":true},"arr":[1,2,null],"tarr":["x",null],"grid":[[1,2],[3,4]],"#,
            r#""empty":[],"nothing":null,"pt":"<point: cast it to text>"}"#,
            "\n"
        )
    );

    // The table shows each value as the csv cell does, unquoted.
    let table = stdout(&statehouse(&db, &["query", &sql]));
    let lines: Vec<&str> = table.lines().collect();
    let row: Vec<&str> =
        lines[3].trim_matches('│').split('┆').map(|c| c.strip_prefix(' ').unwrap_or(c).trim_end()).collect();
    let want: Vec<String> = ONE_OF_EACH
        .iter()
        .map(|c| {
            let cell = c.2;
            match cell.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
                Some(inner) => inner.replace("\"\"", "\""),
                None => cell.trim_end().to_string(),
            }
        })
        .collect();
    assert_eq!(row, want, "{table}");
    assert_eq!(lines.last(), Some(&"(1 rows)"), "{table}");
}

/// PostgreSQL's own text for numerics, intervals and times, next to what `query` reads from
/// the binary form: the same.
#[tokio::test]
async fn numerics_intervals_and_times_read_as_postgres_writes_them() {
    let db = TestDb::postgres().await;
    let wh = db.open().await;
    let cases = [
        ("numeric", "0"),
        ("numeric", "-0.000"),
        ("numeric", "1.50"),
        ("numeric", "-0.01234"),
        ("numeric", "12345678901234567890.123456789"),
        ("numeric", "1e-20"),
        ("numeric", "1e20"),
        ("numeric", "10000"),
        ("numeric", "0.0001"),
        ("numeric", "99999999.99999999"),
        ("numeric", "NaN"),
        ("numeric", "Infinity"),
        ("numeric", "-Infinity"),
        ("interval", "0"),
        ("interval", "1 day 2 hours"),
        ("interval", "-1 day +2 hours"),
        ("interval", "1 year 2 months 3 days 04:05:06.789"),
        ("interval", "-1 year -1 month"),
        ("interval", "-0.5 seconds"),
        ("interval", "36 hours 0.25 seconds"),
        ("interval", "2 days -1 hour"),
        ("interval", "1 mon -1 day"),
        ("interval", "178000000 years"),
        ("interval", "-1 days -02:03:04.000005"),
        ("interval", "1 day -00:00:01"),
        ("time", "00:00:00"),
        ("time", "14:30:05.5"),
        ("time", "23:59:59.999999"),
        ("time", "24:00:00"),
        ("timetz", "14:30:00+02"),
        ("timetz", "14:30:00-03:30"),
        ("date", "2025-05-22"),
        ("date", "1999-12-31"),
        ("date", "infinity"),
    ];
    for (ty, literal) in cases {
        let sql = format!("SELECT '{literal}'::{ty} AS v, '{literal}'::{ty}::text AS t");
        let r = wh.query(&sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        let text = r.rows[0][1].as_str().expect("text").to_string();
        assert_eq!(r.rows[0][0], serde_json::json!(text), "{ty} '{literal}'");
    }
    // Arrays of them, NULLs kept.
    let r = wh
        .query("SELECT ARRAY['1.5'::numeric, NULL, '-2'] AS a, ARRAY['1 day'::interval, '-01:00'] AS b")
        .await
        .unwrap();
    assert_eq!(r.rows[0], vec![serde_json::json!(["1.5", null, "-2"]), serde_json::json!(["1 day", "-01:00:00"])]);
    wh.close().await;
}

/// 250 rows, on either backend, without a warehouse table.
const NUMBERS: &str = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 250) \
                       SELECT i, 'row ' || i AS label FROM n ORDER BY i";

async fn initialized() -> Vec<TestDb> {
    let dbs = TestDb::both().await;
    for db in &dbs {
        let out = statehouse(db, &["init"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    dbs
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test]
async fn a_table_shows_a_page_and_says_what_it_left_out() {
    for db in initialized().await {
        let out = statehouse(&db, &["query", NUMBERS]);
        let table = stdout(&out);
        assert!(table.contains("│ 100 ┆ row 100 │") && !table.contains("row 101"), "{table}");
        assert!(table.ends_with("(100 of 250 rows)\n"), "{table}");
        assert_eq!(
            stderr(&out),
            "150 more rows not shown: --limit 0 shows them all; --format csv or json writes them for other tools\n"
        );

        let out = statehouse(&db, &["query", NUMBERS, "--limit", "0"]);
        let table = stdout(&out);
        assert!(table.contains("│ 250 ┆ row 250 │") && table.ends_with("(250 rows)\n"), "{table}");
        assert_eq!(stderr(&out), "");

        let out = statehouse(&db, &["query", NUMBERS, "--limit", "1"]);
        assert!(stdout(&out).ends_with("(1 of 250 rows)\n"));

        // An empty result still has its header.
        let out = statehouse(&db, &["query", "SELECT identifier, title FROM bills"]);
        let table = stdout(&out);
        assert!(table.contains("│ identifier ┆ title │") && table.ends_with("(0 rows)\n"), "{table}");
    }
}

#[tokio::test]
async fn csv_and_json_write_every_row_unless_limited() {
    for db in initialized().await {
        let out = statehouse(&db, &["query", NUMBERS, "--format", "csv"]);
        let csv = stdout(&out);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 251, "{csv}");
        assert_eq!((lines[0], lines[1], lines[250]), ("i,label", "1,row 1", "250,row 250"));
        assert_eq!(stderr(&out), "");

        let out = statehouse(&db, &["query", NUMBERS, "--format", "json"]);
        let json = stdout(&out);
        assert_eq!(json.lines().count(), 250);
        assert_eq!(json.lines().last(), Some(r#"{"i":250,"label":"row 250"}"#));

        let out = statehouse(&db, &["query", NUMBERS, "--format", "json", "--limit", "2"]);
        assert_eq!(stdout(&out), "{\"i\":1,\"label\":\"row 1\"}\n{\"i\":2,\"label\":\"row 2\"}\n");
        assert_eq!(stderr(&out), "248 more rows not written (--limit 2): --limit 0 writes them all\n");

        let out = statehouse(&db, &["query", "SELECT identifier, title FROM bills", "--format", "csv"]);
        assert_eq!(stdout(&out), "identifier,title\n");
        let out = statehouse(&db, &["query", "SELECT identifier, title FROM bills", "--format", "json"]);
        assert_eq!(stdout(&out), "");
    }
}

#[tokio::test]
async fn the_sql_can_come_from_a_file() {
    for db in initialized().await {
        let file = db.dir.path().join("numbers.sql");
        std::fs::write(&file, format!("-- the first three\n{NUMBERS}\nLIMIT 3;\n")).unwrap();
        let file = file.display().to_string();
        let out = statehouse(&db, &["query", "--file", &file, "--format", "csv"]);
        assert_eq!(stdout(&out), "i,label\n1,row 1\n2,row 2\n3,row 3\n");

        // Exactly one of the SQL and --file.
        let out = statehouse(&db, &["query", "SELECT 1", "--file", &file]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains("cannot be used with"), "{}", stderr(&out));
        let out = statehouse(&db, &["query"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr(&out).contains("required"), "{}", stderr(&out));
        let out = statehouse(&db, &["query", "--file", "no-such.sql"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr(&out).contains("cannot read the SQL file no-such.sql"), "{}", stderr(&out));
    }
}

/// `statehouse query … | head -1`: the reader leaves after one line.
#[tokio::test]
async fn a_reader_that_leaves_ends_the_command_quietly() {
    // Enough rows to fill any pipe buffer many times over.
    let many = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) \
                SELECT i, 'a row long enough to fill the pipe quickly' AS label FROM n";
    for db in initialized().await {
        for format in ["csv", "json"] {
            let mut child = statehouse_command(&db)
                .args(["query", many, "--format", format])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let mut first = String::new();
            BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
            assert!(first.starts_with("i,label") || first.starts_with("{\"i\":1,"), "{first}");
            // The reader is gone (dropped): the next writes fail with a broken pipe.
            let out = child.wait_with_output().unwrap();
            assert_eq!(out.status.code(), Some(0), "{}: {format}: {}", db.url, stderr(&out));
            assert_eq!(stderr(&out), "", "{}: {format}", db.url);
        }
        // The other read-only commands, their output closed before they write.
        for args in [&["query", "SELECT 1 AS one"][..], &["status"], &["search", "school"]] {
            let mut child =
                statehouse_command(&db).args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
            drop(child.stdout.take());
            let out = child.wait_with_output().unwrap();
            assert_eq!(out.status.code(), Some(0), "{}: {args:?}: {}", db.url, stderr(&out));
            assert_eq!(stderr(&out), "", "{}: {args:?}", db.url);
        }
    }
}

/// The first rows are on stdout while the database is still working on the last.
#[tokio::test]
async fn rows_are_written_as_they_come() {
    let db = TestDb::postgres().await;
    assert!(statehouse(&db, &["init"]).status.success());
    // A thousand rows PostgreSQL sends at once (they fill its 8 kB send buffer), written as
    // under 4 kB of CSV (less than one write buffer), then a last row four seconds later.
    let sql = "SELECT i FROM generate_series(1, 1000) AS g(i) UNION ALL SELECT 0 FROM pg_sleep(4)";
    let started = std::time::Instant::now();
    let mut child = statehouse_command(&db)
        .args(["query", sql, "--format", "csv"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let (mut header, mut first) = (String::new(), String::new());
    reader.read_line(&mut header).unwrap();
    reader.read_line(&mut first).unwrap();
    let waited = started.elapsed();
    assert_eq!((header.as_str(), first.as_str()), ("i\n", "1\n"));
    assert!(waited < std::time::Duration::from_secs(4), "the first row came after {waited:?}, with the last");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut reader, &mut rest).unwrap();
    assert_eq!(rest.lines().count(), 1000, "{rest}");
    assert!(rest.ends_with("1000\n0\n"));
    assert!(child.wait().unwrap().success());
}
