//! `statehouse export` on the sample's real data, read back by a real client: DuckDB (its
//! Python package, installed by scripts/test). Both backends give the same tables, the same
//! column types and the same rows.

use crate::common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn python() -> PathBuf {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-tools/venv/bin/python");
    assert!(python.exists(), "{} is missing: run scripts/test, which installs DuckDB", python.display());
    python
}

/// Runs DuckDB (Python) on `sql` and returns the rows as JSON arrays.
fn duckdb(sql: &str) -> Vec<Vec<Value>> {
    let script = "import duckdb, json, sys\n\
                  rows = duckdb.sql(sys.argv[1]).fetchall()\n\
                  print(json.dumps([[v if v is None or isinstance(v, (int, float, str, bool)) else str(v) for v in r] for r in rows]))";
    let out = Command::new(python()).args(["-c", script, sql]).output().expect("run duckdb");
    assert!(out.status.success(), "{sql}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// The first ```python block of the exports section of docs/warehouse.md (DuckDB's).
fn docs_duckdb_example() -> String {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/warehouse.md")).unwrap();
    let section = &doc[doc.find("\n## Exports").expect("an exports section")..];
    let start = section.find("```python\n").expect("a python block") + "```python\n".len();
    let end = start + section[start..].find("```").unwrap();
    let code = section[start..end].to_string();
    assert!(code.contains("import duckdb"), "{code}");
    code
}

fn export(db: &TestDb, out: &Path, more: &[&str]) -> Value {
    let mut args = vec!["export", "--out", out.to_str().unwrap()];
    args.extend_from_slice(more);
    let o = statehouse_command(db).args(&args).output().expect("run statehouse");
    assert!(o.status.success(), "{}: {}", db.url, String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(out.join("manifest.json")).expect("a manifest");
    serde_json::from_str(&text).expect("manifest JSON")
}

/// Each table's name → its columns as (name, type).
fn schemas(manifest: &Value) -> BTreeMap<String, Vec<(String, String)>> {
    manifest["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let cols = t["columns"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| (c["name"].as_str().unwrap().to_string(), c["type"].as_str().unwrap().to_string()))
                .collect();
            (t["name"].as_str().unwrap().to_string(), cols)
        })
        .collect()
}

#[tokio::test]
async fn the_export_is_every_table_and_view_typed_and_duckdb_reads_it() {
    let mut by_backend = Vec::new();
    for db in TestDb::both().await {
        let wh = db.open().await;
        let p = pipeline(db.dir.path(), "sample", &sample_sources());
        run(&wh, &p, &db.options()).await;
        let out = db.dir.path().join("export");
        let manifest = export(&db, &out, &[]);
        let seq = count(&wh, "SELECT MAX(seq) FROM change_events").await;
        assert_eq!(manifest["ledger_seq"], seq, "{}", db.url);
        assert_eq!(manifest["schema_version"], 10, "{}", db.url);
        assert_eq!(manifest["format"], "parquet");
        let tables = manifest["tables"].as_array().unwrap();
        let names: Vec<&str> = tables.iter().map(|t| t["name"].as_str().unwrap()).collect();
        for want in ["bills", "bill_actions", "change_events", "votes", "events", "bill_status", "legislator_votes"] {
            assert!(names.contains(&want), "{}: {names:?}", db.url);
        }
        assert!(!names.iter().any(|n| n.contains("fts") || n.starts_with("_sqlx")), "{names:?}");
        // Every file holds the warehouse's rows, as DuckDB counts them; no value was unreadable.
        for t in tables {
            let name = t["name"].as_str().unwrap();
            let file = out.join(t["file"].as_str().unwrap());
            let want = count(&wh, &format!("SELECT COUNT(*) FROM \"{name}\"")).await;
            assert_eq!(t["rows"], want, "{}: {name}", db.url);
            let got = duckdb(&format!("SELECT COUNT(*) FROM read_parquet('{}')", file.display()));
            assert_eq!(got[0][0], want, "{}: {name}", db.url);
            for c in t["columns"].as_array().unwrap() {
                assert!(c.get("unreadable").is_none(), "{}: {name}: {c}", db.url);
            }
        }
        // Typed: dates are dates, moments are UTC timestamps, counts are integers.
        let bills = out.join("bills.parquet").display().to_string();
        let types: BTreeMap<String, String> = duckdb(&format!("DESCRIBE SELECT * FROM read_parquet('{bills}')"))
            .into_iter()
            .map(|r| (r[0].as_str().unwrap().to_string(), r[1].as_str().unwrap().to_string()))
            .collect();
        assert_eq!(types["first_action_date"], "DATE", "{}", db.url);
        assert_eq!(types["created_run_id"], "BIGINT", "{}", db.url);
        let events = out.join("change_events.parquet").display().to_string();
        let types: BTreeMap<String, String> = duckdb(&format!("DESCRIBE SELECT * FROM read_parquet('{events}')"))
            .into_iter()
            .map(|r| (r[0].as_str().unwrap().to_string(), r[1].as_str().unwrap().to_string()))
            .collect();
        assert_eq!(types["recorded_at"], "TIMESTAMP WITH TIME ZONE", "{}", db.url);
        // A join in DuckDB answers as the warehouse does: actions per bill of Delaware's SB 4.
        let actions = out.join("bill_actions.parquet").display().to_string();
        let sql = "SELECT b.identifier, COUNT(*), MIN(a.date) FROM bills b JOIN bill_actions a ON a.bill_id = b.id \
                   WHERE b.identifier = 'SB 4' AND b.jurisdiction_id LIKE '%state:de%' GROUP BY b.identifier";
        let want = rows(&wh, sql).await;
        assert_eq!(want.len(), 1, "{}", db.url);
        let got = duckdb(
            &sql.replace("FROM bills b", &format!("FROM read_parquet('{bills}') b"))
                .replace("JOIN bill_actions a", &format!("JOIN read_parquet('{actions}') a")),
        );
        assert_eq!(got[0][0], want[0][0].as_str(), "{}", db.url);
        assert_eq!(got[0][1].to_string(), want[0][1], "{}", db.url);
        assert_eq!(got[0][2], want[0][2].as_str(), "{}", db.url);

        // The DuckDB example of docs/warehouse.md runs on it as written.
        let o =
            Command::new(python()).args(["-c", &docs_duckdb_example()]).current_dir(db.dir.path()).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(String::from_utf8_lossy(&o.stdout).contains("identifier"), "{}", String::from_utf8_lossy(&o.stdout));

        // CSV: the same counts.
        let csv_out = db.dir.path().join("export-csv");
        let m = export(&db, &csv_out, &["--format", "csv", "--tables", "bills,bill_status"]);
        assert_eq!(m["tables"].as_array().unwrap().len(), 2);
        for t in m["tables"].as_array().unwrap() {
            let file = csv_out.join(t["file"].as_str().unwrap());
            let got = duckdb(&format!("SELECT COUNT(*) FROM read_csv('{}', header = true)", file.display()));
            assert_eq!(got[0][0], t["rows"], "{}: {}", db.url, t["name"]);
        }

        // The ledger after a sequence number: those events only, for an incremental load.
        let since = seq - 25;
        let inc_out = db.dir.path().join("export-since");
        let m = export(&db, &inc_out, &["--since-seq", &since.to_string()]);
        assert_eq!(m["tables"].as_array().unwrap().len(), 1);
        assert_eq!(m["since_seq"], since);
        let file = inc_out.join("change_events.parquet").display().to_string();
        let got = duckdb(&format!("SELECT COUNT(*), MIN(seq), MAX(seq) FROM read_parquet('{file}')"));
        assert_eq!(got[0], vec![Value::from(25), Value::from(since + 1), Value::from(seq)], "{}", db.url);

        // An unknown table is an error that lists the known ones.
        let o = statehouse_command(&db)
            .args(["export", "--out", inc_out.to_str().unwrap(), "--tables", "bils"])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("no table or view \"bils\"") && err.contains("bill_actions"), "{err}");
        by_backend.push(schemas(&manifest));
    }
    // The same tables with the same columns of the same types on both backends.
    assert_eq!(by_backend[0], by_backend[1]);
}
