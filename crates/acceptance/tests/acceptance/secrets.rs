//! Second-factor secrets sealed at rest: never in plain text in the database, bound to their
//! account, sealed at start-up if an earlier version stored them plainly, and a clear error
//! (never a way round the second factor) when they do not open. On both engines.

use domain::clock::Clock;
use domain::role::Role;
use earlyhelp_acceptance::{Browser, TestApp, TestDb, engines};
use std::sync::Arc;

const PASSWORD: &str = county::DEMO_PASSWORD;
/// A base32 secret someone might plant: its codes are easy to compute.
const PLANTED: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

async fn column(db: &TestDb, user: domain::UserId, column: &str) -> Option<String> {
    let sql = format!("SELECT {column} FROM users WHERE id = {}", db.uuid_literal(user.0));
    if db.url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
        let v: Option<String> = sqlx::query_scalar(&sql).fetch_one(&pool).await.unwrap();
        pool.close().await;
        v
    } else {
        let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
        let v: Option<String> = sqlx::query_scalar(&sql).fetch_one(&pool).await.unwrap();
        pool.close().await;
        v
    }
}

/// Gives `user` a second factor with this secret stored in plain text, as a database owner
/// (or an earlier version of the service) could.
async fn store_in_plain_text(db: &TestDb, user: domain::UserId, secret: &str) {
    db.execute(&format!(
        "UPDATE users SET mfa_secret = '{secret}', mfa_enabled_at = '2026-11-01T09:00:00Z' WHERE id = {}",
        db.uuid_literal(user.0)
    ))
    .await;
}

fn code(app: &TestApp, secret: &str) -> String {
    let totp = totp_rs::Builder::new()
        .with_secret(totp_rs::Secret::try_from_base32(secret).unwrap())
        .build()
        .unwrap();
    totp.generate(u64::try_from(app.clock.now().unix_timestamp()).unwrap()).to_string()
}

/// Signs in with the password and answers the security-code page with `code`.
async fn sign_in_with_code(app: &TestApp, email: &str, code: &str) -> (Browser, earlyhelp_acceptance::Page) {
    let b = app.browser();
    assert_eq!(b.sign_in(email, PASSWORD).await.status, 303);
    assert_eq!(b.get("/").await.location.as_deref(), Some("/sign-in/second-factor"));
    let r = b
        .submit("/sign-in/second-factor", "/sign-in/second-factor", &[("code", code)])
        .await;
    (b, r)
}

engines!(second_factor_secrets_are_sealed_in_the_database, |db| async move {
    let app = TestApp::spawn(db).await;
    let email = app.staff_with_role(Role::Administrator);
    let id = app.staff(&email).id;
    let b = app.browser();
    b.sign_in(&email, PASSWORD).await;
    let setup = b.get("/account/second-factor").await;
    let marker = "<code class=\"app-secret\">";
    let i = setup.body.find(marker).unwrap() + marker.len();
    let secret = setup.body[i..i + setup.body[i..].find('<').unwrap()].to_owned();
    let pending = column(app.db(), id, "mfa_pending_secret").await.unwrap();
    assert!(pending.starts_with("v1:") && !pending.contains(&secret), "{pending}");

    let code = code(&app, &secret);
    b.post(
        "/account/second-factor",
        &[("csrf", setup.csrf().as_str()), ("code", code.as_str())],
    )
    .await;
    let stored = column(app.db(), id, "mfa_secret").await.unwrap();
    assert!(stored.starts_with("v1:") && !stored.contains(&secret), "{stored}");
    assert_eq!(b.get("/people/new").await.status, 200, "the sealed secret works");
});

engines!(
    a_secret_an_earlier_version_stored_in_plain_text_is_sealed_at_start_up_and_still_works,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let email = app.staff_with_role(Role::Administrator);
        let id = app.staff(&email).id;
        store_in_plain_text(app.db(), id, PLANTED).await;
        assert_eq!(app.store.seal_plaintext_secrets().await.unwrap(), 1);
        assert_eq!(
            app.store.seal_plaintext_secrets().await.unwrap(),
            0,
            "sealing again changes nothing"
        );
        let stored = column(app.db(), id, "mfa_secret").await.unwrap();
        assert!(stored.starts_with("v1:") && !stored.contains(PLANTED));

        let (b, r) = sign_in_with_code(&app, &email, &code(&app, PLANTED)).await;
        assert_eq!(r.location.as_deref(), Some("/"), "{}", r.body);
        assert_eq!(b.get("/people/new").await.status, 200);
    }
);

engines!(
    a_secret_planted_in_plain_text_after_start_up_is_refused_not_trusted,
    |db| async move {
        // Someone who can write to the database but has not the key must not be able to give an
        // account a second factor they know.
        let app = TestApp::spawn(db).await;
        let email = app.staff_with_role(Role::Administrator);
        let id = app.staff(&email).id;
        app.sign_in_with_second_factor(&email).await;
        store_in_plain_text(app.db(), id, PLANTED).await;

        let (b, r) = sign_in_with_code(&app, &email, &code(&app, PLANTED)).await;
        assert_eq!(r.status, 500, "a clear error");
        assert!(r.shows("Sorry, there is a problem with the service"));
        assert_eq!(
            b.get("/").await.location.as_deref(),
            Some("/sign-in/second-factor"),
            "not past the second factor"
        );
    }
);

engines!(a_sealed_secret_copied_to_another_account_does_not_open, |db| async move {
    let app = TestApp::spawn(db).await;
    let admin = app.staff_with_role(Role::Administrator);
    let governance = app
        .county
        .staff
        .iter()
        .find(|s| s.roles.contains(&Role::InformationGovernance) && s.email.as_str() != admin)
        .unwrap()
        .email
        .to_string();
    app.sign_in_with_second_factor(&admin).await;
    let sealed = column(app.db(), app.staff(&admin).id, "mfa_secret").await.unwrap();
    app.db()
        .execute(&format!(
            "UPDATE users SET mfa_secret = '{sealed}', mfa_enabled_at = '2026-11-01T09:00:00Z' WHERE id = {}",
            app.db().uuid_literal(app.staff(&governance).id.0)
        ))
        .await;
    let (b, r) = sign_in_with_code(&app, &governance, "123456").await;
    assert_eq!(r.status, 500);
    assert_eq!(b.get("/").await.location.as_deref(), Some("/sign-in/second-factor"));
});

engines!(a_store_with_another_key_cannot_read_second_factors, |db| async move {
    let app = TestApp::spawn(db).await;
    let email = app.staff_with_role(Role::Administrator);
    app.sign_in_with_second_factor(&email).await;
    let other = app
        .db()
        .store_without_secrets_key(Arc::new(app.clock.clone()))
        .await
        .with_secrets_key(store::secrets::SecretsKey::from_bytes([9; 32]).unwrap());
    let err = other.mfa_secrets(app.staff(&email).id).await.unwrap_err();
    assert!(matches!(err, store::StoreError::Undecryptable(_)), "{err:?}");
});
