//! `statehouse query` as an analyst uses it: every PostgreSQL type printed as its value, the
//! same in table, csv and json.

use crate::common::*;

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

    let json = stdout(&statehouse(&db, &["query", &sql, "--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(
        v,
        serde_json::json!([{
            "n": "1.50", "big": "12345678901234567890", "sum_bigint": "9223372036854775808",
            "avg": "1.5000000000000000", "i2": 2, "i4": -3, "i8": 9007199254740993_i64, "f4": 0.1,
            "f8": 2.5, "nan": "NaN", "yes": true, "t": "say \"hi\", twice", "vc": "v", "ch": "ab ",
            "bytes": "\\x0aff", "d": "2025-05-22", "tm": "14:30:05.5", "ts": "2025-05-22T14:30:00",
            "tstz": "2025-05-22T12:30:00.250+00:00", "iv": "1 day 02:00:00",
            "id": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "jb": {"a": 1, "b": [1, null]},
            "js": {"z": true}, "arr": [1, 2, null], "tarr": ["x", null], "grid": [[1, 2], [3, 4]],
            "empty": [], "nothing": null, "pt": "<point: cast it to text>"
        }])
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
