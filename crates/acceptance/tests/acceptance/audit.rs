//! The audit chain: every write leaves an entry, tampering is found at the right entry, and
//! concurrent writers never fork the chain. On both engines.

use earlyhelp_acceptance::{MovableClock, TestDb, engines, small_county};
use std::sync::Arc;
use store::Store;

/// Runs SQL straight against the database, as someone with database access (not the app) would.
async fn tamper(db: &TestDb, statements: &[&str]) {
    if db.url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
        for s in statements {
            sqlx::query(s).execute(&pool).await.unwrap();
        }
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
        for s in statements {
            sqlx::query(s).execute(&pool).await.unwrap();
        }
        pool.close().await;
    }
}

/// A store with a county loaded and a handful of sign-ins: about eight audit entries.
async fn store_with_history(db: &TestDb) -> Store {
    let store = db.store(Arc::new(MovableClock::new())).await;
    let (county, spec) = small_county();
    store.load_county(&county, &spec, "hash").await.unwrap();
    for (i, s) in county.staff.iter().take(6).enumerate() {
        store.create_session(&format!("digest-{i}"), s.id, false, "10.1.2.3").await.unwrap();
    }
    assert_eq!(store.verify_audit_chain().await.unwrap(), Ok(8));
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
    // 2 county entries + 160 sign-ins, none lost, one chain.
    assert_eq!(store.verify_audit_chain().await.unwrap(), Ok(162));
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
