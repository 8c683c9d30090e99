//! The audit chain: every write leaves an entry, tampering is found at the right entry, and
//! concurrent writers never fork the chain. On both engines.

use earlyhelp_acceptance::{MovableClock, TestDb, engines, small_county};
use std::sync::Arc;
use store::Store;

/// Runs SQL straight against the database, as someone who owns it (not the app) would: first
/// removing the triggers that keep the log append-only, as such a person could.
async fn tamper(db: &TestDb, statements: &[&str]) {
    if db.url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
        for s in [
            "DROP TRIGGER IF EXISTS audit_log_append_only_update",
            "DROP TRIGGER IF EXISTS audit_log_append_only_delete",
        ]
        .iter()
        .chain(statements)
        {
            sqlx::query(s).execute(&pool).await.unwrap();
        }
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
        for s in ["ALTER TABLE audit_log DISABLE TRIGGER USER"].iter().chain(statements) {
            sqlx::query(s).execute(&pool).await.unwrap();
        }
        pool.close().await;
    }
}

/// Runs one statement as the application's own connections would, without touching the
/// triggers; returns the database's error, if any.
async fn as_the_app(db: &TestDb, statement: &str) -> Result<u64, String> {
    let result = if db.url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
        let r = sqlx::query(statement).execute(&pool).await.map(|r| r.rows_affected());
        pool.close().await;
        r
    } else {
        let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
        let r = sqlx::query(statement).execute(&pool).await.map(|r| r.rows_affected());
        pool.close().await;
        r
    };
    result.map_err(|e| e.to_string())
}

/// Recomputes every hash from entry `from` on, as an attacker who knows the algorithm would
/// after changing an entry, so the chain verifies again on its own.
async fn rehash_from(db: &TestDb, from: i64) {
    const SELECT: &str = "SELECT seq, at, actor_user_id, client_address, action, record_type, record_id, outcome, \
                          personal_fields, personal_digest, prev_hash, hash FROM audit_log ORDER BY seq";
    let entries: Vec<store::audit::StoredEntry> = if db.url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
        sqlx::query_as(SELECT).fetch_all(&pool).await.unwrap()
    } else {
        let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
        sqlx::query_as(SELECT).fetch_all(&pool).await.unwrap()
    };
    let mut prev = entries
        .iter()
        .find(|e| e.seq == from - 1)
        .map_or(store::audit::GENESIS.to_owned(), |e| e.hash.clone());
    let mut statements = Vec::new();
    for e in entries.iter().filter(|e| e.seq >= from) {
        let hash = store::audit::entry_hash(
            &prev,
            e.seq,
            e.at,
            e.actor_user_id.map(domain::UserId),
            e.client_address.as_deref(),
            &e.action,
            &e.record_type,
            e.record_id.as_deref(),
            &e.outcome,
            &e.personal_digest,
        );
        statements.push(format!(
            "UPDATE audit_log SET prev_hash = '{prev}', hash = '{hash}' WHERE seq = {}",
            e.seq
        ));
        prev = hash;
    }
    let refs: Vec<&str> = statements.iter().map(String::as_str).collect();
    tamper(db, &refs).await;
}

/// A store with a county loaded and a handful of sign-ins: eleven audit entries (the county's
/// structure and families, its meetings generated, its accepted cases put on their agendas,
/// its recent meeting history, six sign-ins).
async fn store_with_history(db: &TestDb) -> Store {
    let store = db.store(Arc::new(MovableClock::new())).await;
    let (county, spec) = small_county();
    store.load_county(&county, &spec, "hash").await.unwrap();
    for (i, s) in county.staff.iter().take(6).enumerate() {
        store.create_session(&format!("digest-{i}"), s.id, false, "10.1.2.3").await.unwrap();
    }
    assert_eq!(store.verify_audit_chain().await.unwrap(), Ok(11));
    store
}

engines!(an_untouched_chain_verifies, |db| async move {
    let store = store_with_history(&db).await;
    assert!(store.verify_audit_chain().await.unwrap().is_ok());
});

engines!(altering_an_entry_is_found_at_that_entry, |db| async move {
    let store = store_with_history(&db).await;
    tamper(&db, &["UPDATE audit_log SET client_address = '192.0.2.1' WHERE seq = 5"]).await;
    let broken = store.verify_audit_chain().await.unwrap().unwrap_err();
    assert_eq!(broken.seq, 5);
});

engines!(altering_the_personal_fields_is_found_at_that_entry, |db| async move {
    let store = store_with_history(&db).await;
    tamper(&db, &["UPDATE audit_log SET personal_fields = 'organisations=1' WHERE seq = 1"]).await;
    assert_eq!(store.verify_audit_chain().await.unwrap().unwrap_err().seq, 1);
});

engines!(purging_the_personal_fields_keeps_the_chain_verifiable, |db| async move {
    let store = store_with_history(&db).await;
    tamper(&db, &["UPDATE audit_log SET personal_fields = NULL WHERE seq = 1"]).await;
    assert!(store.verify_audit_chain().await.unwrap().is_ok());
});

engines!(removing_an_entry_is_found_where_it_was, |db| async move {
    let store = store_with_history(&db).await;
    tamper(&db, &["DELETE FROM audit_log WHERE seq = 4"]).await;
    assert_eq!(store.verify_audit_chain().await.unwrap().unwrap_err().seq, 5);
});

engines!(removing_an_entry_and_renumbering_the_rest_is_found, |db| async move {
    let store = store_with_history(&db).await;
    // Remove entry 3 and renumber the rest down, so the sequence has no gap.
    tamper(
        &db,
        &[
            "DELETE FROM audit_log WHERE seq = 3",
            "UPDATE audit_log SET seq = seq - 1 WHERE seq > 3",
        ],
    )
    .await;
    assert_eq!(store.verify_audit_chain().await.unwrap().unwrap_err().seq, 3);
});

engines!(inserting_an_entry_is_found_at_the_insertion, |db| async move {
    let store = store_with_history(&db).await;
    tamper(
        &db,
        &[
            "UPDATE audit_log SET seq = seq + 100 WHERE seq >= 4",
            "UPDATE audit_log SET seq = seq - 99 WHERE seq >= 104",
            "INSERT INTO audit_log (seq, at, actor_user_id, client_address, action, record_type, record_id, outcome, \
             personal_fields, personal_digest, prev_hash, hash) \
             SELECT 4, at, actor_user_id, client_address, 'user.create', record_type, record_id, outcome, NULL, personal_digest, hash, hash \
             FROM audit_log WHERE seq = 3",
        ],
    )
    .await;
    assert_eq!(store.verify_audit_chain().await.unwrap().unwrap_err().seq, 4);
});

engines!(reordering_two_entries_is_found_at_the_first_of_them, |db| async move {
    let store = store_with_history(&db).await;
    tamper(
        &db,
        &[
            "UPDATE audit_log SET seq = 1000 WHERE seq = 6",
            "UPDATE audit_log SET seq = 6 WHERE seq = 7",
            "UPDATE audit_log SET seq = 7 WHERE seq = 1000",
        ],
    )
    .await;
    assert_eq!(store.verify_audit_chain().await.unwrap().unwrap_err().seq, 6);
});

engines!(sixteen_concurrent_writers_leave_one_unbroken_chain, |db| async move {
    let store = db.store(Arc::new(MovableClock::new())).await;
    let (county, spec) = small_county();
    store.load_county(&county, &spec, "hash").await.unwrap();
    let user = county.staff[0].id;
    let mut tasks = Vec::new();
    for w in 0..16 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..10 {
                store.create_session(&format!("w{w}-s{i}"), user, false, "10.0.0.1").await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    // 5 county entries (structure, families, meetings, agendas, history) + 160 sign-ins, none lost, one chain.
    assert_eq!(store.verify_audit_chain().await.unwrap(), Ok(165));
});

engines!(four_app_servers_on_one_database_leave_one_unbroken_chain, |db| async move {
    // Four stores with their own pools and group-commit writers, as four `earlyhelp serve`
    // processes would have, writing and recording reads at once.
    let first = db.store(Arc::new(MovableClock::new())).await;
    let (county, spec) = small_county();
    first.load_county(&county, &spec, "hash").await.unwrap();
    let user = county.staff[0].id;
    let mut servers = vec![first];
    for _ in 0..3 {
        servers.push(db.store(Arc::new(MovableClock::new())).await);
    }
    let mut tasks = Vec::new();
    for (n, store) in servers.iter().enumerate() {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..10 {
                store
                    .create_session(&format!("server{n}-s{i}"), user, false, "10.0.0.1")
                    .await
                    .unwrap();
                store
                    .audit_read(store::audit::AuditEntry::new(
                        None,
                        "user.view",
                        "user",
                        Some(format!("server{n}-r{i}")),
                    ))
                    .await
                    .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    // 5 county entries + 40 sign-ins + 40 reads, none lost, one chain, seen alike from every server.
    for store in &servers {
        assert_eq!(store.verify_audit_chain().await.unwrap(), Ok(85));
    }
});

engines!(reads_recorded_by_many_requests_at_once_all_reach_the_chain, |db| async move {
    let store = db.store(Arc::new(MovableClock::new())).await;
    let mut tasks = Vec::new();
    for i in 0..200 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .audit_read(store::audit::AuditEntry::new(
                    None,
                    "user.view",
                    "user",
                    Some(format!("reader-{i}")),
                ))
                .await
                .unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(store.verify_audit_chain().await.unwrap(), Ok(200));
});

engines!(the_application_cannot_change_or_remove_audit_entries, |db| async move {
    let _store = store_with_history(&db).await;
    assert!(
        as_the_app(&db, "UPDATE audit_log SET client_address = '192.0.2.1' WHERE seq = 5")
            .await
            .is_err()
    );
    assert!(
        as_the_app(&db, "UPDATE audit_log SET action = 'nothing', personal_fields = NULL WHERE seq = 5")
            .await
            .is_err()
    );
    assert!(as_the_app(&db, "DELETE FROM audit_log WHERE seq = 8").await.is_err());
    // The one change allowed: a retention purge blanking personal fields.
    assert_eq!(
        as_the_app(&db, "UPDATE audit_log SET personal_fields = NULL WHERE seq = 1").await,
        Ok(1)
    );
});

engines!(a_signed_checkpoint_matches_the_chain_it_was_taken_from, |db| async move {
    let store = store_with_history(&db).await;
    let key = store.stored_checkpoint_key().await.unwrap();
    let checkpoint = store.sign_checkpoint(&key).await.unwrap().unwrap();
    assert_eq!(checkpoint.seq, 11);
    assert!(checkpoint.signature_is_valid());
    // The head is already checkpointed: nothing new to sign.
    assert_eq!(store.sign_checkpoint(&key).await.unwrap(), None);
    let kept = store.checkpoints().await.unwrap();
    assert_eq!(store.verify_checkpoints(&kept, Some(&key.public_key())).await.unwrap(), Ok(1));
});

engines!(
    rewriting_the_chain_with_fresh_hashes_is_caught_by_the_witness_checkpoint,
    |db| async move {
        let store = store_with_history(&db).await;
        let key = store.stored_checkpoint_key().await.unwrap();
        let witness = vec![store.sign_checkpoint(&key).await.unwrap().unwrap()];

        tamper(&db, &["UPDATE audit_log SET client_address = '192.0.2.1' WHERE seq = 3"]).await;
        rehash_from(&db, 3).await;

        assert!(
            store.verify_audit_chain().await.unwrap().is_ok(),
            "the rewritten chain is consistent on its own"
        );
        let broken = store
            .verify_checkpoints(&witness, Some(&key.public_key()))
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(broken.seq, 11);
    }
);

engines!(a_checkpoint_signed_by_another_key_is_refused, |db| async move {
    let store = store_with_history(&db).await;
    let impostor = store::audit::CheckpointKey::from_seed([7; 32]);
    let forged = store.sign_checkpoint(&impostor).await.unwrap().unwrap();
    let genuine = store.stored_checkpoint_key().await.unwrap();
    let broken = store
        .verify_checkpoints(std::slice::from_ref(&forged), Some(&genuine.public_key()))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(broken.seq, 11);
    let mut altered = forged;
    altered.hash = "0".repeat(64);
    assert!(!altered.signature_is_valid());
});

engines!(a_server_follows_when_another_process_moved_the_chain_head, |db| async move {
    // The server knows the head from its own last write; a command-line tool on the same
    // database then appends entries of its own. The server's next entry must follow the tool's.
    let server = db.store(Arc::new(MovableClock::new())).await;
    let (county, spec) = small_county();
    server.load_county(&county, &spec, "hash").await.unwrap();
    let user = county.staff[0].id;
    server.create_session("server-before", user, false, "10.1.2.3").await.unwrap();
    let tool = db.store(Arc::new(MovableClock::new())).await;
    for i in 0..3 {
        tool.create_session(&format!("tool-{i}"), user, false, "127.0.0.1").await.unwrap();
    }
    server.create_session("server-after", user, false, "10.1.2.3").await.unwrap();
    tool.create_session("tool-after", user, false, "127.0.0.1").await.unwrap();
    // 5 county entries, then the server's, the tool's three, the server's and the tool's.
    assert_eq!(server.verify_audit_chain().await.unwrap(), Ok(11));
});

/// On PostgreSQL a write queues its entries for the sequencer and returns once they are chained.
/// A server that stopped between the two leaves entries queued; any server's next run chains them.
#[tokio::test]
async fn entries_left_queued_by_a_server_that_stopped_are_chained_by_another() {
    let Some(db) = TestDb::new(earlyhelp_acceptance::Engine::Postgres).await else {
        return;
    };
    let store = store_with_history(&db).await;
    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    for i in 0..3 {
        sqlx::query(
            "INSERT INTO audit_queue (at, action, record_type, record_id, outcome, personal_fields) \
             VALUES (now(), 'family.view', 'family', $1, 'success', 'viewer=someone')",
        )
        .bind(format!("left-{i}"))
        .execute(&pool)
        .await
        .unwrap();
    }
    let other = db.store(Arc::new(MovableClock::new())).await;
    assert_eq!(other.verify_audit_chain().await.unwrap(), Ok(14));
    let queued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_queue")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(queued, 0);
    let chained: Vec<String> = sqlx::query_scalar("SELECT record_id FROM audit_log WHERE action = 'family.view' ORDER BY seq")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(chained, ["left-0", "left-1", "left-2"]);
    assert_eq!(store.verify_audit_chain().await.unwrap(), Ok(14));
}

engines!(entries_holding_tabs_newlines_quotes_and_backslashes_verify, |db| async move {
    // Verification reads the chain in bulk (JSON from SQLite, COPY text from PostgreSQL): values
    // that need escaping there must come back exactly as written.
    let store = store_with_history(&db).await;
    for (i, awkward) in ["tab\there", "two\nlines\r\n", "back\\slash \\N", "\"quoted\" 'too' ünïcødé", ""]
        .into_iter()
        .enumerate()
    {
        store
            .audit_read(
                store::audit::AuditEntry::new(None, "family.view", "family", Some(format!("awkward\t{i}\\")))
                    .from_address(Some(awkward.to_owned()))
                    .personal(awkward),
            )
            .await
            .unwrap();
    }
    assert_eq!(store.verify_audit_chain().await.unwrap(), Ok(16));
    tamper(&db, &["UPDATE audit_log SET personal_fields = 'back\\slash \\n' WHERE seq = 14"]).await;
    assert_eq!(store.verify_audit_chain().await.unwrap().unwrap_err().seq, 14);
});
