//! Commands that only read (`query`, `search`, `status`, `alerts preview`) open the warehouse
//! read-only: the database itself refuses their writes, nothing is created where there is no
//! warehouse, and nothing is migrated.

use crate::common::*;
use statehouse::warehouse::{Param, Warehouse, WarehouseError, refused_as_read_only};
use std::path::Path;

fn statehouse(db: &TestDb, args: &[&str]) -> std::process::Output {
    statehouse_command(db).args(args).output().expect("run statehouse")
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Loads Delaware's 153rd General Assembly (the real scrape) with `statehouse run`.
fn load_delaware(db: &TestDb) {
    let p = pipeline_file(
        db.dir.path(),
        "de",
        "America/New_York",
        &scrape_source("de", &fixture("ocd-scrape/de-153"), None),
    );
    let out = statehouse(db, &["run", &p.display().to_string()]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Every table's row count, read through a read-only connection.
async fn table_counts(wh: &Warehouse) -> Vec<(String, i64)> {
    let list = match wh.backend() {
        "sqlite" => "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
        _ => {
            "SELECT table_name FROM information_schema.tables
              WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
        }
    };
    let mut out = Vec::new();
    for t in rows(wh, list).await {
        let n = count(wh, &format!("SELECT COUNT(*) FROM \"{}\"", t[0])).await;
        out.push((t[0].clone(), n));
    }
    out
}

#[tokio::test]
async fn query_refuses_writes_and_the_ledger_stays_whole() {
    // The statements of issue 13: each succeeded before on the backend marked true.
    // (sql, SQLite refuses it as a write, PostgreSQL does)
    let statements = [
        ("DELETE FROM bills", true, true),
        ("UPDATE bills SET title = 'gone'", true, true),
        // PostgreSQL refuses two statements in one prepared statement before it gets to write.
        ("SELECT 1; DELETE FROM change_events", true, false),
        ("DROP VIEW bill_status", true, true),
        // SQLite has no data-modifying WITH: a syntax error there.
        ("WITH x AS (DELETE FROM change_events RETURNING seq) SELECT COUNT(*) AS n FROM x", false, true),
    ];
    for db in TestDb::both().await {
        load_delaware(&db);
        let wh = Warehouse::open_read_only(&db.url).await.unwrap();
        let b = wh.backend();
        let bills = count(&wh, "SELECT COUNT(*) FROM bills").await;
        let ledger = count(&wh, "SELECT COUNT(*) FROM change_events").await;
        let last_seq = count(&wh, "SELECT MAX(seq) FROM change_events").await;
        assert_eq!(bills, 150, "{b}");
        assert!(ledger > 2000, "{b}: {ledger}");
        for (sql, sqlite_refuses, pg_refuses) in statements {
            let out = statehouse(&db, &["query", sql]);
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{b}: {sql}: {err}");
            if (b == "sqlite" && sqlite_refuses) || (b == "postgres" && pg_refuses) {
                assert!(err.contains("query failed: the warehouse is opened read-only"), "{b}: {sql}: {err}");
            }
        }
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM bills").await, bills, "{b}");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM change_events").await, ledger, "{b}");
        assert_eq!(count(&wh, "SELECT MAX(seq) FROM change_events").await, last_seq, "{b}");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM bill_status").await, bills, "{b}: the view is still there");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM bills WHERE title = 'gone'").await, 0, "{b}");

        // Through the library too: the connection itself is read-only.
        let e =
            wh.execute_all(&[("DELETE FROM runs WHERE id = $1".into(), vec![Param::Int(Some(1))])]).await.unwrap_err();
        assert!(refused_as_read_only(&e), "{b}: {e}");
        assert!(matches!(WarehouseError::from(e), WarehouseError::ReadOnly(_)), "{b}");
        assert_eq!(count(&wh, "SELECT COUNT(*) FROM runs").await, 1, "{b}");
        wh.close().await;

        // Reading still works.
        let out = statehouse(&db, &["query", "SELECT COUNT(*) AS n FROM bills", "--format", "csv"]);
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "n\n150", "{b}: {}", stderr(&out));
        let out = statehouse(&db, &["status"]);
        assert!(out.status.success(), "{b}: {}", stderr(&out));
    }
}

#[test]
fn read_only_commands_on_a_folder_without_a_warehouse_create_nothing() {
    let folder = tempfile::tempdir().unwrap();
    for args in [&["query", "SELECT COUNT(*) FROM bills"][..], &["status"], &["search", "school"]] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_statehouse"))
            .current_dir(folder.path())
            .args(args)
            .env_remove("STATEHOUSE_DATABASE_URL")
            .env_remove("STATEHOUSE_DATA_DIR")
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("there is no warehouse at ./statehouse-data/warehouse.db")
                && err.contains("create one with `statehouse init`"),
            "{args:?}: {err}"
        );
        let left: Vec<_> = std::fs::read_dir(folder.path()).unwrap().collect();
        assert!(left.is_empty(), "{args:?} created {left:?}");
    }
}

#[tokio::test]
async fn an_empty_postgres_database_is_no_warehouse_and_stays_empty() {
    let db = TestDb::postgres().await;
    let out = statehouse(&db, &["query", "SELECT 1 AS one"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("there is no warehouse at") && err.contains("`statehouse init`"), "{err}");
    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    let tables: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(tables, 0, "nothing was created, not even sqlx's migrations table");
    pool.close().await;
}

#[tokio::test]
async fn a_warehouse_older_than_this_build_asks_for_init() {
    for db in TestDb::both().await {
        // A warehouse made by an older build: only the first two migrations applied.
        let folder = if db.url.starts_with("sqlite:") { "sql/sqlite" } else { "sql/postgres" };
        let migrator = sqlx::migrate::Migrator::new(Path::new(env!("CARGO_MANIFEST_DIR")).join(folder)).await.unwrap();
        if db.url.starts_with("sqlite:") {
            let opts: sqlx::sqlite::SqliteConnectOptions = db.url.parse().unwrap();
            let pool = sqlx::SqlitePool::connect_with(opts.create_if_missing(true)).await.unwrap();
            migrator.run_to(2, &pool).await.unwrap();
            pool.close().await;
        } else {
            let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
            migrator.run_to(2, &pool).await.unwrap();
            pool.close().await;
        }
        let out = statehouse(&db, &["query", "SELECT COUNT(*) AS n FROM bills", "--format", "csv"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{}: {err}", db.url);
        assert!(
            err.contains(
                "has an older schema than this statehouse (migrations 3, 4, 5, 6, 7 not applied): run `statehouse init`"
            ),
            "{}: {err}",
            db.url
        );
        // Nothing was migrated by the query; `init` does it, and then the query answers.
        let out = statehouse(&db, &["init"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let out = statehouse(&db, &["query", "SELECT COUNT(*) AS n FROM bills", "--format", "csv"]);
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "n\n0", "{}", stderr(&out));
    }
}

/// A coalition tracking Delaware SJR 6 (stored by a run), and a new one replaying the ledger
/// for a watched term (not stored yet).
fn stored_coalition() -> String {
    DE_COALITION.replace("de-watch", "stored")
}

#[tokio::test]
async fn alerts_preview_writes_nothing() {
    for db in TestDb::both().await {
        let dir = db.dir.path();
        let source = scrape_source("de", &fixture("ocd-scrape/de-153"), None);
        std::fs::write(dir.join("stored-coalition.toml"), stored_coalition()).unwrap();
        let stored = pipeline_file(
            dir,
            "stored",
            "America/New_York",
            &format!("coalitions = [\"stored-coalition.toml\"]\nalerts = \"dry-run\"\n{source}"),
        );
        let out = statehouse(&db, &["run", &stored.display().to_string()]);
        assert!(out.status.success(), "{}", stderr(&out));
        // The stored coalition's file changes after the run (`sync` would rewrite its rows),
        // and a new coalition replays the ledger (`sync` would insert it).
        std::fs::write(
            dir.join("stored-coalition.toml"),
            format!("{}\n[watch]\nterms = [\"inspector general\"]\n", stored_coalition()),
        )
        .unwrap();
        std::fs::write(
            dir.join("fresh-coalition.toml"),
            stored_coalition()
                .replace("stored", "fresh")
                .replace("id = \"fresh\"", "id = \"fresh\"\nstart = \"beginning\"")
                + "\n[watch]\nterms = [\"inspector general\"]\n",
        )
        .unwrap();
        let fresh = pipeline_file(
            dir,
            "fresh",
            "America/New_York",
            &format!("coalitions = [\"fresh-coalition.toml\"]\nalerts = \"dry-run\"\n{source}"),
        );

        let wh = Warehouse::open_read_only(&db.url).await.unwrap();
        let b = wh.backend();
        let coalitions = "SELECT id, name, config_hash, cursor_seq, replay, updated_at FROM coalitions ORDER BY id";
        let before = (table_counts(&wh).await, rows(&wh, coalitions).await);
        assert!(before.0.iter().any(|(t, n)| t == "coalition_bills" && *n == 1), "{b}: {:?}", before.0);
        assert_eq!(before.1.len(), 1, "{b}");

        let out = statehouse(&db, &["alerts", "preview", &stored.display().to_string(), &fresh.display().to_string()]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{b}: {}", stderr(&out));
        // The new coalition replays the ledger: Delaware SB 4 (the Office of Inspector General)
        // is a new bill matching its term; the stored one has seen the whole ledger already.
        assert!(stdout.contains("New matches (1)") && stdout.contains("New bill SB 4"), "{b}: {stdout}");
        assert!(stdout.contains("│ fresh"), "{b}: {stdout}");

        let after = (table_counts(&wh).await, rows(&wh, coalitions).await);
        assert_eq!(before, after, "{b}: the preview wrote");
        wh.close().await;
    }
}
