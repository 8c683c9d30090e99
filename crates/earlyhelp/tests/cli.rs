//! The command line as an operator uses it: seed, accounts, tokens, audit verification, backup
//! and restore. Runs the real binary.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use earlyhelp_acceptance::{Engine, TempDir, TestDb};
use std::process::{Command, Output};

fn earlyhelp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_earlyhelp"))
        .args(args)
        .env("EARLYHELP_LOG", "warn")
        .output()
        .expect("run earlyhelp")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn fails(out: &Output) -> String {
    assert!(
        !out.status.success(),
        "should have failed: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn help_lists_every_command() {
    let help = ok(&earlyhelp(&["--help"]));
    for command in ["demo", "serve", "migrate", "seed", "user", "token", "audit", "backup", "restore"] {
        assert!(help.contains(command), "{command} missing from --help");
    }
    let user = ok(&earlyhelp(&["user", "--help"]));
    assert!(user.contains("create") && user.contains("reset-mfa"));
}

async fn seeded(engine: Engine) -> Option<TestDb> {
    let db = TestDb::new(engine).await?;
    let out = ok(&earlyhelp(&["seed", "--database-url", &db.url, "--families", "50", "--seed", "3"]));
    assert!(out.contains("Loaded 50 families"), "{out}");
    Some(db)
}

fn county_for(seed: u64) -> county::County {
    county::generate(&county::Spec {
        seed,
        families: 0,
        today: time_today(),
    })
}

fn time_today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

async fn count(url: &str, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    if url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        let (n,): (i64,) = sqlx::query_as(&sql).fetch_one(&pool).await.unwrap();
        pool.close().await;
        n
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        let (n,): (i64,) = sqlx::query_as(&sql).fetch_one(&pool).await.unwrap();
        pool.close().await;
        n
    }
}

async fn operator_commands(engine: Engine) {
    let Some(db) = seeded(engine).await else { return };
    assert!(fails(&earlyhelp(&["seed", "--database-url", &db.url])).contains("already holds a county"));

    let county = county_for(3);
    let org = county.organisations[0].name.clone();
    let create = |password: &str, organisation: &str| {
        earlyhelp(&[
            "user",
            "create",
            "--database-url",
            &db.url,
            "--email",
            "first.admin@familyservices.northmere.example",
            "--given-name",
            "First",
            "--family-name",
            "Admin",
            "--job-title",
            "Systems lead",
            "--organisation",
            organisation,
            "--roles",
            "administrator,information_governance",
            "--password",
            password,
        ])
    };
    assert!(fails(&create("password123", &org)).contains("12 characters"));
    assert!(fails(&create("violet harbour compass", "No Such Organisation")).contains("no organisation called"));
    assert!(ok(&create("violet harbour compass", &org)).contains("must choose a new password"));
    assert!(fails(&create("violet harbour compass", &org)).contains("already in use"));

    let token = ok(&earlyhelp(&[
        "token",
        "create",
        "--database-url",
        &db.url,
        "--user",
        "first.admin@familyservices.northmere.example",
    ]));
    assert_eq!(token.trim().len(), 43, "a 256-bit URL-safe token");
    assert!(
        fails(&earlyhelp(&[
            "token",
            "create",
            "--database-url",
            &db.url,
            "--user",
            "first.admin@familyservices.northmere.example",
            "--expires-in-days",
            "0",
        ]))
        .contains("expires-in-days")
    );
    assert!(
        fails(&earlyhelp(&[
            "token",
            "create",
            "--database-url",
            &db.url,
            "--user",
            "nobody@nowhere.example"
        ]))
        .contains("no account")
    );
    assert!(
        ok(&earlyhelp(&[
            "user",
            "reset-mfa",
            "--database-url",
            &db.url,
            "--email",
            "first.admin@familyservices.northmere.example"
        ]))
        .contains("removed")
    );

    assert!(ok(&earlyhelp(&["audit", "verify", "--database-url", &db.url])).contains("unbroken"));
    assert!(ok(&earlyhelp(&["audit", "checkpoint", "--database-url", &db.url])).contains("Signed a checkpoint"));
    let dir = TempDir::new();
    let witness = dir.0.join("witness.jsonl");
    ok(&earlyhelp(&[
        "audit",
        "checkpoints",
        "--database-url",
        &db.url,
        "--out",
        witness.to_str().unwrap(),
    ]));
    let kept: serde_json::Value = serde_json::from_str(std::fs::read_to_string(&witness).unwrap().lines().next().unwrap()).unwrap();
    let public_key = kept["public_key"].as_str().unwrap().to_owned();
    let verified = ok(&earlyhelp(&[
        "audit",
        "verify",
        "--database-url",
        &db.url,
        "--witness",
        witness.to_str().unwrap(),
        "--public-key",
        &public_key,
    ]));
    assert!(verified.contains("witness's 1"), "{verified}");
    let wrong_key = "ab".repeat(32);
    assert!(
        fails(&earlyhelp(&[
            "audit",
            "verify",
            "--database-url",
            &db.url,
            "--witness",
            witness.to_str().unwrap(),
            "--public-key",
            &wrong_key,
        ]))
        .contains("not validly signed")
    );

    // The application's own connection cannot change an entry; someone who owns the database
    // can, by removing the guard first, and verification finds it.
    let alter = "UPDATE audit_log SET action = 'nothing.to.see' WHERE seq = 3";
    if db.url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
        assert!(sqlx::query(alter).execute(&pool).await.is_err());
        sqlx::query("DROP TRIGGER audit_log_append_only_update")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query(alter).execute(&pool).await.unwrap();
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
        assert!(sqlx::query(alter).execute(&pool).await.is_err());
        sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER USER")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query(alter).execute(&pool).await.unwrap();
        pool.close().await;
    }
    assert!(fails(&earlyhelp(&["audit", "verify", "--database-url", &db.url])).contains("broken at entry 3"));
}

#[tokio::test]
async fn operator_commands_work_on_sqlite() {
    operator_commands(Engine::Sqlite).await;
}

#[tokio::test]
async fn operator_commands_work_on_postgres() {
    operator_commands(Engine::Postgres).await;
}

#[tokio::test]
async fn a_sqlite_backup_restores_with_nothing_lost() {
    let Some(db) = seeded(Engine::Sqlite).await else { return };
    let dir = TempDir::new();
    let backup = dir.0.join("backup.db");
    let restored = dir.0.join("restored.db");
    ok(&earlyhelp(&["backup", "--database-url", &db.url, "--to", backup.to_str().unwrap()]));
    assert!(fails(&earlyhelp(&["backup", "--database-url", &db.url, "--to", backup.to_str().unwrap()])).contains("already exists"));
    ok(&earlyhelp(&[
        "restore",
        "--from",
        backup.to_str().unwrap(),
        "--to",
        restored.to_str().unwrap(),
    ]));
    let restored_url = format!("sqlite://{}", restored.display());
    for table in ["families", "people", "users", "organisations", "panels", "audit_log"] {
        assert_eq!(count(&db.url, table).await, count(&restored_url, table).await, "{table}");
    }
    assert!(ok(&earlyhelp(&["audit", "verify", "--database-url", &restored_url])).contains("unbroken"));
}

/// PostgreSQL is backed up with its own tools (docs/operations.md); this proves the documented
/// commands round-trip everything, audit chain included.
#[tokio::test]
async fn a_postgres_dump_restores_with_nothing_lost() {
    let Some(db) = seeded(Engine::Postgres).await else { return };
    let Some(target) = TestDb::new(Engine::Postgres).await else {
        return;
    };
    let dir = TempDir::new();
    let dump = dir.0.join("earlyhelp.dump");
    let status = Command::new("pg_dump")
        .args(["--format=custom", "--no-owner", "--file", dump.to_str().unwrap(), &db.url])
        .status()
        .expect("pg_dump");
    assert!(status.success());
    let status = Command::new("pg_restore")
        .args(["--no-owner", "--dbname", &target.url, dump.to_str().unwrap()])
        .status()
        .expect("pg_restore");
    assert!(status.success());
    for table in ["families", "people", "users", "organisations", "panels", "audit_log"] {
        assert_eq!(count(&db.url, table).await, count(&target.url, table).await, "{table}");
    }
    assert!(ok(&earlyhelp(&["audit", "verify", "--database-url", &target.url])).contains("unbroken"));
}
