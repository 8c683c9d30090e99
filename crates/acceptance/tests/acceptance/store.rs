//! Store behaviour, on both engines.

use earlyhelp_acceptance::{Engine, MovableClock, TestDb, demo_password_hash, engines, small_county};
use std::sync::Arc;

#[tokio::test]
async fn both_engines_end_with_the_same_tables_and_columns() {
    let clock = Arc::new(MovableClock::new());
    let Some(lite) = TestDb::new(Engine::Sqlite).await else { return };
    let Some(pg) = TestDb::new(Engine::Postgres).await else { return };
    let sqlite = lite.store(clock.clone()).await.schema_outline().await.unwrap();
    let mut postgres = pg.store(clock).await.schema_outline().await.unwrap();
    // PostgreSQL alone queues audit entries for its sequencer (SQLite's one writer chains
    // them in the write transaction).
    postgres.retain(|(table, _)| table != "audit_queue");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres);
}

engines!(a_loaded_county_is_recognised_when_the_database_is_reopened, |db| async move {
    let store = db.store(Arc::new(MovableClock::new())).await;
    assert!(store.loaded_county().await.unwrap().is_none());
    let (county, spec) = small_county();
    store.load_county(&county, &spec, &demo_password_hash()).await.unwrap();
    store.close().await;
    let reopened = db.store(Arc::new(MovableClock::new())).await;
    assert_eq!(reopened.loaded_county().await.unwrap(), Some(spec));
    assert_eq!(reopened.family_count_for_operator().await.unwrap(), 20);
});

engines!(staff_accounts_come_back_with_their_organisation_and_roles, |db| async move {
    let store = db.store(Arc::new(MovableClock::new())).await;
    let (county, spec) = small_county();
    store.load_county(&county, &spec, "hash").await.unwrap();
    let staff = &county.staff[0];
    let account = store.staff_account(staff.id).await.unwrap().unwrap();
    assert_eq!(account.email, staff.email);
    let mut roles = staff.roles.clone();
    roles.sort();
    assert_eq!(account.roles, roles);
    assert_eq!(account.organisation_id, staff.organisation);
    assert!(account.active);
});

engines!(
    a_session_is_found_by_its_digest_and_gone_after_sign_out_everywhere,
    |db| async move {
        let store = db.store(Arc::new(MovableClock::new())).await;
        let (county, spec) = small_county();
        store.load_county(&county, &spec, "hash").await.unwrap();
        let user = county.staff[0].id;
        store.create_session("digest-one", user, false, "127.0.0.1").await.unwrap();
        store.create_session("digest-two", user, true, "127.0.0.1").await.unwrap();
        let s = store.session("digest-two").await.unwrap().unwrap();
        assert_eq!(s.user_id, user);
        assert!(s.mfa_passed);
        let authority = policy::Authority::new().unwrap();
        let account = store.staff_account(user).await.unwrap().unwrap();
        let principal = policy::Principal {
            user,
            organisation: account.organisation_id,
            roles: account.roles.clone(),
            isa: account.organisation_isa.standing(time::macros::date!(2026 - 11 - 25)),
            mfa_passed: true,
        };
        let permit = authority.decide(&principal, policy::ManageOwnAccount).unwrap();
        assert_eq!(store.end_all_sessions(&permit, user).await.unwrap(), 2);
        assert!(store.session("digest-one").await.unwrap().is_none());
    }
);

engines!(sign_in_failures_count_only_inside_the_window, |db| async move {
    let clock = MovableClock::new();
    let store = db.store(Arc::new(clock.clone())).await;
    let subjects = vec!["account:abc".to_owned()];
    for _ in 0..3 {
        store.record_sign_in_failure(&subjects, None, "10.0.0.1").await.unwrap();
    }
    let start = store.clock().now();
    assert_eq!(
        store
            .sign_in_failures_since("account:abc", start - time::Duration::minutes(15))
            .await
            .unwrap(),
        3
    );
    clock.advance(time::Duration::minutes(16));
    let now = store.clock().now();
    assert_eq!(
        store
            .sign_in_failures_since("account:abc", now - time::Duration::minutes(15))
            .await
            .unwrap(),
        0
    );
});

engines!(a_stale_version_is_refused_and_changes_nothing, |db| async move {
    let store = db.store(Arc::new(MovableClock::new())).await;
    let (county, spec) = small_county();
    store.load_county(&county, &spec, "hash").await.unwrap();
    let admin = county
        .staff
        .iter()
        .find(|s| s.roles.contains(&domain::role::Role::Administrator))
        .unwrap();
    let target = county
        .staff
        .iter()
        .find(|s| !s.roles.contains(&domain::role::Role::Administrator))
        .unwrap();
    let account = store.staff_account(admin.id).await.unwrap().unwrap();
    let principal = policy::Principal {
        user: admin.id,
        organisation: admin.organisation,
        roles: account.roles.clone(),
        isa: domain::organisation::IsaStanding::Current,
        mfa_passed: true,
    };
    let authority = policy::Authority::new().unwrap();
    let permit = authority.decide(&principal, policy::ManageUsers).unwrap();
    let before = store.staff_account(target.id).await.unwrap().unwrap();
    store
        .set_roles(&permit, target.id, &[domain::role::Role::LeadProfessional], before.version)
        .await
        .unwrap();
    let err = store
        .set_roles(&permit, target.id, &[domain::role::Role::PanelChair], before.version)
        .await
        .unwrap_err();
    assert!(matches!(err, store::StoreError::StaleVersion(_)));
    let after = store.staff_account(target.id).await.unwrap().unwrap();
    assert_eq!(after.roles, vec![domain::role::Role::LeadProfessional]);
});

engines!(a_second_account_with_the_same_email_is_refused_as_a_duplicate, |db| async move {
    let store = db.store(Arc::new(MovableClock::new())).await;
    let (county, spec) = small_county();
    store.load_county(&county, &spec, "hash").await.unwrap();
    let existing = &county.staff[0];
    let new = store::accounts::NewStaff {
        organisation_id: existing.organisation,
        email: existing.email.clone(),
        given_name: "Sam".into(),
        family_name: "Other".into(),
        job_title: "Worker".into(),
        roles: vec![domain::role::Role::AgencyRepresentative],
        password_hash: Some("hash".into()),
        must_change_password: true,
    };
    let err = store.create_staff_from_console(&new).await.unwrap_err();
    assert!(matches!(err, store::StoreError::Duplicate("email address")), "{err:?}");
});
