//! The example queries in docs/warehouse.md run, on the backends they are written for, against
//! a warehouse holding the sample data (so the analysts' reference cannot rot).

use crate::common::*;

/// (backend or "both", SQL) for each ```sql block of the examples section.
fn examples() -> Vec<(&'static str, String)> {
    let doc =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/warehouse.md")).unwrap();
    let start = doc.find("## Example queries").expect("an examples section");
    let mut out = Vec::new();
    let mut backend = "both";
    let mut in_sql = false;
    let mut sql = String::new();
    for line in doc[start..].lines() {
        if line.starts_with("**SQLite only") {
            backend = "sqlite";
        } else if line.starts_with("**PostgreSQL only") {
            backend = "postgres";
        } else if line.starts_with("## ") && !line.starts_with("## Example") {
            break;
        }
        if line.trim() == "```sql" {
            in_sql = true;
            sql.clear();
        } else if in_sql && line.trim() == "```" {
            in_sql = false;
            out.push((backend, sql.clone()));
        } else if in_sql {
            sql.push_str(line);
            sql.push('\n');
        }
    }
    out
}

#[tokio::test]
async fn every_example_query_runs() {
    let examples = examples();
    assert!(examples.len() >= 12, "found {} examples", examples.len());
    for db in TestDb::both().await {
        let wh = db.open().await;
        let b = wh.backend();
        let p = pipeline(db.dir.path(), "sample", &sample_sources());
        run(&wh, &p, &db.options()).await;
        let mut ran = 0;
        for (backend, sql) in &examples {
            if *backend == "both" || *backend == b {
                wh.query(sql).await.unwrap_or_else(|e| panic!("{b}: example fails: {e}\n{sql}"));
                ran += 1;
            }
        }
        assert!(ran >= 12, "{b}: {ran}");
        wh.close().await;
    }
}
