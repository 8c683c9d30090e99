//! "Forgotten your password?": a single-use link by e-mail that never says whether an
//! account exists, is throttled, ends every session and never skips the second factor.
//! Over HTTP on both engines.

use domain::role::Role;
use earlyhelp_acceptance::{Browser, Page, TestApp, engines};

const PASSWORD: &str = county::DEMO_PASSWORD;
const NEW: &str = "copper kettle orchard";

async fn ask_for_a_link(b: &Browser, email: &str) -> Page {
    b.submit("/sign-in/forgotten-password", "/sign-in/forgotten-password", &[("email", email)])
        .await
}

/// Chooses a password through the link's form (or, when the link shows no form any more,
/// posts it anyway with the sign-in page's CSRF token, as a page left open would).
async fn choose(b: &Browser, link: &str, token: &str, password: &str) -> Page {
    let page = b.get(link).await;
    let csrf = if page.shows("name=\"csrf\"") {
        page.csrf()
    } else {
        b.get("/sign-in").await.csrf()
    };
    b.post(
        "/password-reset",
        &[
            ("csrf", csrf.as_str()),
            ("token", token),
            ("new_password", password),
            ("confirm_password", password),
        ],
    )
    .await
}

/// The page with the one thing that differs by design taken out: the address that was typed.
fn normalised(page: &Page, typed: &str) -> String {
    page.body.replace(typed, "ADDRESS")
}

async fn audit_length(app: &TestApp) -> i64 {
    app.store.verify_audit_chain().await.unwrap().unwrap()
}

engines!(a_reset_link_sets_a_new_password_once, |db| async move {
    let app = TestApp::spawn(db).await;
    let email = app.staff_without_mfa(Role::AgencyRepresentative);
    let sign_in = app.browser().get("/sign-in").await;
    assert!(sign_in.shows("href=\"/sign-in/forgotten-password\""));
    let asked = ask_for_a_link(&app.browser(), &email).await;
    assert_eq!(asked.status, 200);
    assert!(asked.shows("Check your email"));
    assert!(app.mail_to(&email).is_empty(), "nothing is sent inside the request");
    assert_eq!(app.deliver_mail().await, 1);
    assert_eq!(app.mail_to(&email)[0].subject, "Reset your Early Help password");
    let (link, token) = app.link_in_latest_mail_to(&email);
    assert!(link.starts_with("/password-reset?token="), "{link}");

    let b = app.browser();
    assert!(b.get(&link).await.shows("Choose a new password"));
    let done = choose(&b, &link, &token, NEW).await;
    assert_eq!(done.location.as_deref(), Some("/sign-in/password-changed"));
    assert!(b.get("/sign-in/password-changed").await.shows("Your password has been changed"));
    assert_eq!(app.browser().sign_in(&email, NEW).await.status, 303);
    assert!(
        app.browser()
            .sign_in(&email, PASSWORD)
            .await
            .shows(web::pages::sign_in::WRONG_CREDENTIALS)
    );
    assert!(
        choose(&app.browser(), &link, &token, "yet another new password")
            .await
            .shows("This link has stopped working")
    );
});

engines!(password_reset_for_an_unknown_address_looks_the_same, |db| async move {
    let app = TestApp::spawn(db).await;
    let known = app.staff_without_mfa(Role::AgencyRepresentative);
    let unknown = "nobody.here@police.northmere.example";
    let before = audit_length(&app).await;
    let for_known = ask_for_a_link(&app.browser(), &known).await;
    let after_known = audit_length(&app).await;
    let for_unknown = ask_for_a_link(&app.browser(), unknown).await;
    let after_unknown = audit_length(&app).await;

    assert_eq!(for_known.status, for_unknown.status);
    assert_eq!(normalised(&for_known, &known), normalised(&for_unknown, unknown));
    // The same work in the database on both paths (no password hashing on either): one
    // audit entry each, and the throttling counts, so the timing says nothing either.
    assert_eq!(after_known - before, 1);
    assert_eq!(after_unknown - after_known, 1);
    assert_eq!(app.deliver_mail().await, 1);
    assert!(app.mail_to(unknown).is_empty());
});

engines!(a_deactivated_account_is_sent_no_reset_link, |db| async move {
    let app = TestApp::spawn(db).await;
    let email = app.staff_without_mfa(Role::AgencyRepresentative);
    let id = app.staff(&email).id;
    app.db()
        .execute(&format!(
            "UPDATE users SET active = FALSE WHERE id = {}",
            app.db().uuid_literal(id.0)
        ))
        .await;
    let asked = ask_for_a_link(&app.browser(), &email).await;
    assert!(asked.shows("Check your email"), "the answer is the same");
    app.deliver_mail().await;
    assert!(app.mail_to(&email).is_empty());
});

engines!(a_link_sent_before_deactivation_stops_working, |db| async move {
    let app = TestApp::spawn(db).await;
    let email = app.staff_without_mfa(Role::AgencyRepresentative);
    ask_for_a_link(&app.browser(), &email).await;
    app.deliver_mail().await;
    let (link, token) = app.link_in_latest_mail_to(&email);
    let id = app.staff(&email).id;
    app.db()
        .execute(&format!(
            "UPDATE users SET active = FALSE WHERE id = {}",
            app.db().uuid_literal(id.0)
        ))
        .await;
    assert!(
        choose(&app.browser(), &link, &token, NEW)
            .await
            .shows("This link has stopped working")
    );
});

engines!(setting_a_new_password_ends_every_session_of_the_account, |db| async move {
    let app = TestApp::spawn(db).await;
    let email = app.staff_without_mfa(Role::AgencyRepresentative);
    let elsewhere = app.browser();
    assert_eq!(elsewhere.sign_in(&email, PASSWORD).await.status, 303);
    assert_eq!(elsewhere.get("/").await.status, 200);
    ask_for_a_link(&app.browser(), &email).await;
    app.deliver_mail().await;
    let (link, token) = app.link_in_latest_mail_to(&email);
    choose(&app.browser(), &link, &token, NEW).await;
    assert_eq!(elsewhere.get("/").await.location.as_deref(), Some("/sign-in"));
});

engines!(a_password_reset_still_asks_for_the_second_factor, |db| async move {
    let app = TestApp::spawn(db).await;
    let email = app.staff_with_role(Role::Administrator);
    // Enrol their authenticator app, then sign out.
    let enrolled = app.sign_in_with_second_factor(&email).await;
    enrolled.submit("/", "/sign-out", &[]).await;
    ask_for_a_link(&app.browser(), &email).await;
    app.deliver_mail().await;
    let (link, token) = app.link_in_latest_mail_to(&email);
    assert_eq!(
        choose(&app.browser(), &link, &token, NEW).await.location.as_deref(),
        Some("/sign-in/password-changed")
    );

    let b = app.browser();
    assert_eq!(b.sign_in(&email, NEW).await.location.as_deref(), Some("/"));
    assert_eq!(b.get("/").await.location.as_deref(), Some("/sign-in/second-factor"));
    assert_eq!(b.get("/people/new").await.location.as_deref(), Some("/sign-in/second-factor"));
});

engines!(
    reset_requests_are_throttled_per_address_whether_or_not_it_has_an_account,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let known = app.staff_without_mfa(Role::AgencyRepresentative);
        for email in [known.as_str(), "nobody.here@police.northmere.example"] {
            let b = app.browser();
            for i in 0..3 {
                assert!(ask_for_a_link(&b, email).await.shows("Check your email"), "request {i} for {email}");
            }
            let fourth = ask_for_a_link(&b, email).await;
            assert!(fourth.shows(web::pages::account_links::RESET_LOCKED), "{email}");
            assert!(fourth.shows("There is a problem"));
        }
        assert_eq!(app.deliver_mail().await, 3, "the refused request queued nothing");
        app.clock.advance(time::Duration::minutes(16));
        assert!(ask_for_a_link(&app.browser(), &known).await.shows("Check your email"));
    }
);

engines!(reset_requests_are_throttled_per_client, |db| async move {
    let app = TestApp::spawn(db).await;
    let b = app.browser();
    for i in 0..10 {
        let email = format!("made.up{i}@police.northmere.example");
        assert!(ask_for_a_link(&b, &email).await.shows("Check your email"));
    }
    let eleventh = ask_for_a_link(&b, "made.up.again@police.northmere.example").await;
    assert!(eleventh.shows(web::pages::account_links::RESET_LOCKED));
});

engines!(a_reset_link_stops_working_after_an_hour, |db| async move {
    let app = TestApp::spawn(db).await;
    let email = app.staff_without_mfa(Role::AgencyRepresentative);
    ask_for_a_link(&app.browser(), &email).await;
    app.deliver_mail().await;
    let (link, token) = app.link_in_latest_mail_to(&email);
    app.clock.advance(time::Duration::minutes(61));
    assert!(app.browser().get(&link).await.shows("This link has stopped working"));
    assert!(
        choose(&app.browser(), &link, &token, NEW)
            .await
            .shows("This link has stopped working")
    );
    assert_eq!(
        app.browser().sign_in(&email, PASSWORD).await.status,
        303,
        "the password is unchanged"
    );
});

engines!(a_newer_reset_link_stops_the_older_one, |db| async move {
    let app = TestApp::spawn(db).await;
    let email = app.staff_without_mfa(Role::AgencyRepresentative);
    ask_for_a_link(&app.browser(), &email).await;
    app.deliver_mail().await;
    let (old_link, old_token) = app.link_in_latest_mail_to(&email);
    ask_for_a_link(&app.browser(), &email).await;
    app.deliver_mail().await;
    let (new_link, new_token) = app.link_in_latest_mail_to(&email);
    assert!(
        choose(&app.browser(), &old_link, &old_token, NEW)
            .await
            .shows("This link has stopped working")
    );
    assert_eq!(choose(&app.browser(), &new_link, &new_token, NEW).await.status, 303);
});

engines!(a_bad_address_is_shown_again_with_the_error, |db| async move {
    let app = TestApp::spawn(db).await;
    let r = ask_for_a_link(&app.browser(), "not-an-address").await;
    assert!(r.shows("There is a problem") && r.shows("Enter an email address in the correct format"));
    assert!(r.shows("value=\"not-an-address\""));
    assert!(app.store.jobs().await.unwrap().is_empty());
});
