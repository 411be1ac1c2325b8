//! Commands that only read (`query`, `search`, `status`, `scorecard`, `alerts preview`) open the warehouse
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
    // The scorecard's pipeline and coalition files live elsewhere.
    let files = tempfile::tempdir().unwrap();
    std::fs::write(files.path().join("de-watch.toml"), DE_COALITION).unwrap();
    let p = pipeline_file(
        files.path(),
        "de",
        "America/New_York",
        &format!(
            "coalitions = [\"de-watch.toml\"]\nalerts = \"dry-run\"\n{}",
            scrape_source("de", &fixture("ocd-scrape/de-153"), None)
        ),
    );
    let p = p.display().to_string();
    let scorecard = ["scorecard", p.as_str(), "--coalition", "de-watch"];
    for args in [&["query", "SELECT COUNT(*) FROM bills"][..], &["status"], &["search", "school"], &scorecard] {
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
                "has an older schema than this statehouse (migrations 3, 4, 5, 6, 7, 8, 9, 10 not applied): run `statehouse init`"
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

/// The SQL of docs/warehouse.md's section on the analysts' role, as written there.
fn documented_role_sql() -> String {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/warehouse.md")).expect("the docs");
    let start = doc.find("## A read-only role for analysts (PostgreSQL)").expect("the role section");
    let section = &doc[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    let block = section.split("```sql\n").nth(1).expect("a ```sql block");
    block[..block.find("```").expect("the block's end")].to_string()
}

/// A login role made for one test, dropped afterwards even when the test fails (roles belong
/// to the whole cluster, not to the test's database).
struct Role {
    name: String,
    database_url: String,
}

impl Drop for Role {
    fn drop(&mut self) {
        let (name, url) = (self.name.clone(), self.database_url.clone());
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async {
                let Ok(pool) = sqlx::PgPool::connect(&url).await else { return };
                let _ = sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1")
                    .bind(&name)
                    .execute(&pool)
                    .await;
                for sql in [format!("DROP OWNED BY {name}"), format!("DROP ROLE IF EXISTS {name}")] {
                    if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(sql.clone())).execute(&pool).await {
                        eprintln!("cleaning up the test role: {sql}: {e}");
                    }
                }
                pool.close().await;
            });
        })
        .join();
    }
}

/// SQLSTATE 42501, insufficient_privilege: "permission denied for table bills", "must be owner
/// of table bills".
fn denied(r: Result<sqlx::postgres::PgQueryResult, sqlx::Error>, what: &str) {
    match r {
        Ok(_) => panic!("{what}: the analyst could do it"),
        Err(e) => {
            let code = e.as_database_error().and_then(|d| d.code()).map(|c| c.into_owned());
            assert_eq!(code.as_deref(), Some("42501"), "{what}: {e}");
        }
    }
}

#[tokio::test]
async fn the_documented_analyst_role_reads_every_table_and_view_and_writes_none() {
    let db = TestDb::postgres().await;
    load_delaware(&db);
    let mut url = url::Url::parse(&db.url).unwrap();
    let database = url.path().trim_start_matches('/').to_string();
    let role = Role { name: format!("{database}_analyst"), database_url: db.url.clone() };

    // The docs' SQL, run as written, with this test's role and database.
    let sql = regex::Regex::new(r"\banalyst\b")
        .unwrap()
        .replace_all(&documented_role_sql(), role.name.as_str())
        .replace("DATABASE statehouse", &format!("DATABASE {database}"));
    assert!(sql.contains("GRANT SELECT ON ALL TABLES") && sql.contains("ALTER DEFAULT PRIVILEGES"), "{sql}");
    let owner = sqlx::PgPool::connect(&db.url).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone())).execute(&owner).await.unwrap_or_else(|e| panic!("{e}\n{sql}"));
    // A table and a view a later migration might add.
    for ddl in ["CREATE TABLE later_table (id BIGINT PRIMARY KEY)", "CREATE VIEW later_view AS SELECT id FROM bills"] {
        sqlx::query(sqlx::AssertSqlSafe(ddl)).execute(&owner).await.unwrap();
    }
    // Everything there is, listed by the owner (the analyst's information_schema would show
    // only what it may use).
    let relations: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, table_type::text FROM information_schema.tables
          WHERE table_schema = 'public' ORDER BY table_name",
    )
    .fetch_all(&owner)
    .await
    .unwrap();
    let tables: Vec<&str> = relations.iter().filter(|r| r.1 == "BASE TABLE").map(|r| r.0.as_str()).collect();
    let views: Vec<&str> = relations.iter().filter(|r| r.1 == "VIEW").map(|r| r.0.as_str()).collect();
    assert!(tables.len() > 25 && tables.contains(&"bills") && tables.contains(&"later_table"), "{tables:?}");
    assert!(views.contains(&"bill_status") && views.contains(&"later_view"), "{views:?}");

    url.set_username(&role.name).unwrap();
    url.set_password(Some("change-me")).unwrap();
    let mut analyst = <sqlx::PgConnection as sqlx::Connection>::connect(url.as_str()).await.unwrap();
    for (name, _) in &relations {
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM \"{name}\"")))
            .fetch_one(&mut analyst)
            .await
            .unwrap_or_else(|e| panic!("the analyst cannot read {name}: {e}"));
        assert!(n >= 0);
    }
    assert_eq!(sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM bills").fetch_one(&mut analyst).await.unwrap(), 150);
    // Read-only transactions are the role's default, and it may turn them off: the
    // privileges must hold without them.
    let mode: String = sqlx::query_scalar("SHOW default_transaction_read_only").fetch_one(&mut analyst).await.unwrap();
    assert_eq!(mode, "on");
    sqlx::query("SET default_transaction_read_only = off").execute(&mut analyst).await.unwrap();
    for t in &tables {
        let column: String = sqlx::query_scalar(
            "SELECT column_name::text FROM information_schema.columns
              WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position LIMIT 1",
        )
        .bind(t)
        .fetch_one(&owner)
        .await
        .unwrap();
        for stmt in [
            format!("INSERT INTO \"{t}\" DEFAULT VALUES"),
            format!("UPDATE \"{t}\" SET \"{column}\" = \"{column}\""),
            format!("DELETE FROM \"{t}\""),
            format!("TRUNCATE \"{t}\""),
            format!("ALTER TABLE \"{t}\" ADD COLUMN sneaked_in TEXT"),
            format!("DROP TABLE \"{t}\""),
        ] {
            denied(sqlx::query(sqlx::AssertSqlSafe(stmt.clone())).execute(&mut analyst).await, &stmt);
        }
    }
    for v in &views {
        let stmt = format!("DROP VIEW \"{v}\"");
        denied(sqlx::query(sqlx::AssertSqlSafe(stmt.clone())).execute(&mut analyst).await, &stmt);
    }
    denied(sqlx::query("CREATE TABLE mine (id BIGINT)").execute(&mut analyst).await, "CREATE TABLE");
    <sqlx::PgConnection as sqlx::Connection>::close(analyst).await.unwrap();

    // Nothing changed, and statehouse itself works with the analyst's URL.
    assert_eq!(sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM bills").fetch_one(&owner).await.unwrap(), 150);
    owner.close().await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_statehouse"))
        .args(["--database", url.as_str(), "query", "SELECT COUNT(*) AS n FROM bill_status", "--format", "csv"])
        .env_remove("STATEHOUSE_DATABASE_URL")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "n\n150\n", "{}", stderr(&out));
}
