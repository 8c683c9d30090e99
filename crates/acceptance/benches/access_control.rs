//! The access-control figures issue 4 asks for, measured on this machine in one run:
//!
//! - authorization decision latency, p50 and p99, through the public API (target p99 < 50 µs);
//! - audit append throughput with 16 concurrent writers, on SQLite and on PostgreSQL;
//! - what the audit trail costs a write: the same write with and without its audit entry
//!   (target: under 20 % fewer writes per second with it);
//! - `audit verify` speed as a ratio to `sha256sum` over the same bytes (target at least 0.5).
//!
//! Run with `bench/access-control/run` (or `cargo bench -p earlyhelp-acceptance --bench
//! access_control`); it prints a table and writes `bench/results/access-control.md`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "a bench stops loudly at the first surprise"
)]

mod common;

use common::{commit, loadavg, machine};
use domain::organisation::IsaStanding;
use domain::role::Role;
use domain::{FamilyId, OrganisationId, UserId};
use earlyhelp_acceptance::{Engine, MovableClock, TestDb};
use policy::{Authority, FamilyFacts, PanelRelationship, Principal, Relationship, ViewFamily};
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::Store;

const WRITERS: usize = 16;
const WRITES_PER_WRITER: usize = 150;
const VERIFY_ENTRIES: usize = 100_000;
const ROUNDS: usize = 7;

fn median(mut figures: Vec<f64>) -> f64 {
    figures.sort_by(f64::total_cmp);
    figures[figures.len() / 2]
}

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let mut report = String::new();
    let _ = writeln!(report, "# Access control and audit: measured figures\n");
    let _ = writeln!(
        report,
        "Produced by `bench/access-control/run` on {} ({} cores), commit {}, load average {} at the start. Each figure \
         is from one run on this machine.\n",
        machine(),
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        commit(),
        loadavg()
    );

    let (p50, p99, max) = decision_latency();
    let _ = writeln!(report, "## Authorization decision latency (target p99 under 50 µs)\n");
    let _ = writeln!(report, "| decisions | p50 | p99 | max |\n| --- | --- | --- | --- |");
    let _ = writeln!(report, "| 200 000 ViewFamily | {p50:.1} µs | {p99:.1} µs | {max:.1} µs |\n");

    let _ = writeln!(report, "## Audit appends and what the audit trail costs a write\n");
    let _ = writeln!(
        report,
        "{WRITERS} concurrent writers, {} writes each, {ROUNDS} rounds of each kind alternating, the median shown. \
         \"With audit\" is `Store::create_session` (the session row and its audit entry in one transaction; on \
         PostgreSQL returning once the sequencer has chained the entry); \"without\" is the same INSERT in the same kind \
         of transaction on the same engine and pool settings, with no audit entry.\n",
        WRITES_PER_WRITER
    );
    let _ = writeln!(
        report,
        "| engine | with audit (writes/s) | without (writes/s) | cost of audit | audit verify (entries/s) | verify MB/s | sha256sum MB/s | ratio |\n| --- | --- | --- | --- | --- | --- | --- | --- |"
    );
    // `EARLYHELP_BENCH_ENGINE=sqlite` (or `postgres`) measures one engine only, for quick
    // comparisons while working on it.
    let only = std::env::var("EARLYHELP_BENCH_ENGINE").ok();
    for engine in [Engine::Sqlite, Engine::Postgres] {
        let name = if engine == Engine::Sqlite { "sqlite" } else { "postgres" };
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        let row = runtime.block_on(audit_figures(engine));
        let _ = writeln!(report, "{row}");
    }
    let _ = writeln!(
        report,
        "\nTargets: cost of audit under 20 %; verify at least 0.5 × sha256sum's throughput over the same bytes \
         (the bytes each entry's hash covers, written to a file for sha256sum)."
    );
    println!("{report}");
    if only.is_some() {
        eprintln!("one engine only: bench/results/access-control.md left as it was");
        return;
    }
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/results/access-control.md");
    std::fs::write(&out, report).unwrap();
    eprintln!("written to {}", out.display());
}

fn decision_latency() -> (f64, f64, f64) {
    let authority = Authority::new().unwrap();
    let who = Principal {
        user: UserId::new(),
        organisation: OrganisationId::new(),
        roles: vec![Role::LeadProfessional, Role::PanelChair],
        isa: IsaStanding::Current,
        mfa_passed: true,
    };
    let family = FamilyFacts {
        id: FamilyId::new(),
        excluded_organisations: (0..3).map(|_| OrganisationId::new()).collect(),
        relationship: Relationship {
            panel: PanelRelationship::Core,
            ..Relationship::default()
        },
    };
    for _ in 0..10_000 {
        let _ = authority.decide_family(&who, ViewFamily, &family);
    }
    let mut samples: Vec<Duration> = (0..200_000)
        .map(|_| {
            let started = Instant::now();
            let permit = authority.decide_family(&who, ViewFamily, &family);
            let took = started.elapsed();
            assert!(permit.is_ok());
            took
        })
        .collect();
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q) as usize].as_secs_f64() * 1e6;
    (at(0.50), at(0.99), at(1.0))
}

async fn audit_figures(engine: Engine) -> String {
    let name = match engine {
        Engine::Sqlite => "SQLite",
        Engine::Postgres => "PostgreSQL",
    };
    let db = TestDb::new(engine).await.expect("a database for the bench");
    let store = db.store(Arc::new(MovableClock::new())).await;
    let (county, spec) = earlyhelp_acceptance::small_county();
    store.load_county(&county, &spec, "hash").await.unwrap();
    let user = county.staff[0].id;

    // Alternate the two, and take each one's median: the machine's speed drifts between runs
    // by more than the difference being measured.
    let mut with_audit = Vec::new();
    let mut without = Vec::new();
    for round in 0..ROUNDS {
        with_audit.push(
            writes_per_second(&store, user, move |store, i| async move {
                store
                    .create_session(&format!("with-{round}-{i}"), user, false, "10.0.0.1")
                    .await
                    .unwrap();
            })
            .await,
        );
        without.push(raw_writes_per_second(&db, user, round).await);
    }
    eprintln!("{name}: with audit {with_audit:.0?}, without {without:.0?} writes/s by round");
    let (with_audit, without) = (median(with_audit), median(without));
    let cost = 100.0 * (1.0 - with_audit / without);

    // Grow the chain, then time verification against sha256sum over the same bytes.
    let mut tasks = Vec::new();
    for t in 0..64 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..VERIFY_ENTRIES / 64 {
                store
                    .audit_read(store::audit::AuditEntry::new(
                        None,
                        "family.view",
                        "family",
                        Some(format!("{t}-{i}")),
                    ))
                    .await
                    .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let started = Instant::now();
    let entries = store.verify_audit_chain().await.unwrap().unwrap();
    let verify_secs = started.elapsed().as_secs_f64();
    let bytes = chain_bytes(&db).await;
    let file = std::env::temp_dir().join(format!("earlyhelp-audit-bytes-{}", std::process::id()));
    std::fs::write(&file, &bytes).unwrap();
    let started = Instant::now();
    let status = std::process::Command::new("sha256sum").arg(&file).output().unwrap();
    let sha_secs = started.elapsed().as_secs_f64();
    assert!(status.status.success());
    let _ = std::fs::remove_file(&file);
    let mb = bytes.len() as f64 / 1e6;
    let verify_mbs = mb / verify_secs;
    let sha_mbs = mb / sha_secs;
    format!(
        "| {name} | {with_audit:.0} | {without:.0} | {cost:.1} % | {:.0} | {verify_mbs:.1} | {sha_mbs:.1} | {:.2} |",
        entries as f64 / verify_secs,
        verify_mbs / sha_mbs
    )
}

async fn writes_per_second<F, Fut>(store: &Store, _user: UserId, write: F) -> f64
where
    F: Fn(Store, usize) -> Fut + Copy + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..WRITERS {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..WRITES_PER_WRITER {
                write(store.clone(), w * WRITES_PER_WRITER + i).await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    (WRITERS * WRITES_PER_WRITER) as f64 / started.elapsed().as_secs_f64()
}

/// The same session INSERT in the same kind of transaction, without the audit entry.
async fn raw_writes_per_second(db: &TestDb, user: UserId, round: usize) -> f64 {
    let insert = "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, mfa_passed, client_address) \
                  VALUES ($1, $2, $3, $3, FALSE, '10.0.0.1')";
    let now = time::OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    let started = Instant::now();
    if db.url.starts_with("sqlite") {
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(db.url.trim_start_matches("sqlite://"))
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .unwrap();
        let mut tasks = Vec::new();
        for w in 0..WRITERS {
            let pool = pool.clone();
            tasks.push(tokio::spawn(async move {
                // As the store's writer runs a write transaction (`store::audit::SqliteTx`).
                for i in 0..WRITES_PER_WRITER {
                    let mut conn = pool.acquire().await.unwrap();
                    sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await.unwrap();
                    sqlx::query(insert)
                        .bind(format!("raw-{round}-{w}-{i}"))
                        .bind(user.0)
                        .bind(now)
                        .execute(&mut *conn)
                        .await
                        .unwrap();
                    sqlx::query("COMMIT").execute(&mut *conn).await.unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    } else {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(8)
            .connect(&db.url)
            .await
            .unwrap();
        let mut tasks = Vec::new();
        for w in 0..WRITERS {
            let pool = pool.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..WRITES_PER_WRITER {
                    let mut tx = pool.begin().await.unwrap();
                    sqlx::query(insert)
                        .bind(format!("raw-{round}-{w}-{i}"))
                        .bind(user.0)
                        .bind(now)
                        .execute(&mut *tx)
                        .await
                        .unwrap();
                    tx.commit().await.unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    }
    (WRITERS * WRITES_PER_WRITER) as f64 / started.elapsed().as_secs_f64()
}

/// The bytes each entry's hash covers, end to end: what verification hashes.
async fn chain_bytes(db: &TestDb) -> Vec<u8> {
    const SELECT: &str = "SELECT seq, at, actor_user_id, client_address, action, record_type, record_id, outcome, \
                          personal_fields, personal_digest, prev_hash, hash FROM audit_log ORDER BY seq";
    let entries: Vec<store::audit::StoredEntry> = if db.url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
        sqlx::query_as(SELECT).fetch_all(&pool).await.unwrap()
    } else {
        let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
        sqlx::query_as(SELECT).fetch_all(&pool).await.unwrap()
    };
    let mut bytes = Vec::new();
    for e in entries {
        for field in [
            e.prev_hash.as_bytes(),
            &e.seq.to_be_bytes(),
            &(e.at.unix_timestamp_nanos() / 1000).to_be_bytes(),
            e.actor_user_id.map(|a| a.to_string()).unwrap_or_default().as_bytes(),
            e.client_address.as_deref().unwrap_or("").as_bytes(),
            e.action.as_bytes(),
            e.record_type.as_bytes(),
            e.record_id.as_deref().unwrap_or("").as_bytes(),
            e.outcome.as_bytes(),
            e.personal_digest.as_bytes(),
        ] {
            bytes.extend_from_slice(&(field.len() as u64).to_be_bytes());
            bytes.extend_from_slice(field);
        }
    }
    bytes
}
