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
    for command in [
        "demo", "serve", "migrate", "seed", "user", "token", "audit", "secrets", "backup", "restore",
    ] {
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

fn earlyhelp_with(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_earlyhelp"));
    command.args(args).env("EARLYHELP_LOG", "warn");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("run earlyhelp")
}

#[test]
fn secrets_new_key_writes_a_key_file_only_the_service_can_read() {
    let dir = TempDir::new();
    let key = dir.0.join("secrets.key");
    let out = ok(&earlyhelp(&["secrets", "new-key", "--out", key.to_str().unwrap()]));
    assert!(out.contains("EARLYHELP_SECRETS_KEY_FILE"), "{out}");
    let text = std::fs::read_to_string(&key).unwrap();
    assert_eq!(text.trim().len(), 64);
    assert!(hex_only(text.trim()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    }
    assert!(fails(&earlyhelp(&["secrets", "new-key", "--out", key.to_str().unwrap()])).contains("must not exist"));
}

fn hex_only(s: &str) -> bool {
    s.chars().all(|c| c.is_ascii_hexdigit())
}

#[test]
fn serve_will_not_start_without_a_public_url_and_somewhere_to_send_mail() {
    let dir = TempDir::new();
    let url = format!("sqlite://{}", dir.0.join("serve.db").display());
    let args = ["serve", "--database-url", url.as_str(), "--addr", "127.0.0.1:0"];
    assert!(fails(&earlyhelp_with(&args, &[])).contains("EARLYHELP_PUBLIC_URL"));
    assert!(
        fails(&earlyhelp_with(
            &args,
            &[("EARLYHELP_PUBLIC_URL", "http://earlyhelp.northmere.example")]
        ))
        .contains("https://"),
        "plain http only for localhost"
    );
    let public = ("EARLYHELP_PUBLIC_URL", "https://earlyhelp.northmere.example");
    assert!(fails(&earlyhelp_with(&args, &[public])).contains("configure outbound e-mail"));
    assert!(
        fails(&earlyhelp_with(
            &args,
            &[
                public,
                ("EARLYHELP_SMTP_URL", "smtp://mail.northmere.example:25"),
                ("EARLYHELP_MAIL_FROM", "Early Help <early-help@northmere.example>"),
            ]
        ))
        .contains("tls=required"),
        "unencrypted SMTP to another host is refused"
    );
    assert!(
        fails(&earlyhelp_with(
            &args,
            &[public, ("EARLYHELP_SMTP_URL", "smtps://mail.northmere.example")]
        ))
        .contains("EARLYHELP_MAIL_FROM")
    );
}

async fn sealed_at_first_start(engine: Engine) {
    let Some(db) = seeded(engine).await else { return };
    // An earlier version kept this person's second-factor secret in plain text.
    let county = county_for(3);
    let id = county.staff[0].id;
    let set = format!(
        "UPDATE users SET mfa_secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' WHERE id = {}",
        db.uuid_literal(id.0)
    );
    db.execute(&set).await;
    let dir = TempDir::new();
    let key = dir.0.join("secrets.key");
    ok(&earlyhelp(&["secrets", "new-key", "--out", key.to_str().unwrap()]));
    ok(&earlyhelp_with(
        &["migrate", "--database-url", &db.url],
        &[("EARLYHELP_SECRETS_KEY_FILE", key.to_str().unwrap())],
    ));
    let get = format!("SELECT mfa_secret FROM users WHERE id = {}", db.uuid_literal(id.0));
    let stored: String = if db.url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
        let v = sqlx::query_scalar(&get).fetch_one(&pool).await.unwrap();
        pool.close().await;
        v
    } else {
        let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
        let v = sqlx::query_scalar(&get).fetch_one(&pool).await.unwrap();
        pool.close().await;
        v
    };
    assert!(stored.starts_with("v1:") && !stored.contains("JBSWY3DP"), "{stored}");
    assert!(ok(&earlyhelp(&["audit", "verify", "--database-url", &db.url])).contains("unbroken"));
}

#[tokio::test]
async fn a_plain_text_second_factor_is_sealed_when_this_version_first_opens_the_database_on_sqlite() {
    sealed_at_first_start(Engine::Sqlite).await;
}

#[tokio::test]
async fn a_plain_text_second_factor_is_sealed_when_this_version_first_opens_the_database_on_postgres() {
    sealed_at_first_start(Engine::Postgres).await;
}
