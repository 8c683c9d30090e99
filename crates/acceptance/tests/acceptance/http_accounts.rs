//! Signing in and out, throttling, sessions, CSRF and the second factor, over HTTP on both engines.

use domain::clock::Clock;
use domain::role::Role;
use earlyhelp_acceptance::{TestApp, engines};

const PASSWORD: &str = county::DEMO_PASSWORD;

engines!(sign_in_with_the_right_password_reaches_the_home_page, |db| async move {
    let app = TestApp::spawn(db).await;
    let b = app.browser();
    let email = app.staff_without_mfa(Role::AgencyRepresentative);
    let r = b.sign_in(&email, PASSWORD).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location.as_deref(), Some("/"));
    let home = b.get("/").await;
    assert_eq!(home.status, 200);
    assert!(home.shows("Hello, "), "{}", home.body);
});

engines!(a_wrong_password_and_an_unknown_account_get_the_same_answer, |db| async move {
    let app = TestApp::spawn(db).await;
    let b = app.browser();
    let email = app.staff_without_mfa(Role::AgencyRepresentative);
    let wrong = b.sign_in(&email, "not the password at all").await;
    let unknown = b.sign_in("nobody.here@police.northmere.example", "not the password at all").await;
    assert_eq!(wrong.status, 200);
    assert!(wrong.shows(web::pages::sign_in::WRONG_CREDENTIALS));
    assert!(unknown.shows(web::pages::sign_in::WRONG_CREDENTIALS));
    assert!(wrong.shows(&format!("value=\"{email}\"")), "the typed address is kept");
    assert_eq!(wrong.status, unknown.status);
});

engines!(five_failures_lock_the_account_even_for_the_right_password, |db| async move {
    let app = TestApp::spawn(db).await;
    let b = app.browser();
    let email = app.staff_without_mfa(Role::AgencyRepresentative);
    for _ in 0..5 {
        b.sign_in(&email, "wrong password here").await;
    }
    let r = b.sign_in(&email, PASSWORD).await;
    assert_eq!(r.status, 200);
    assert!(r.shows(web::pages::sign_in::LOCKED));
    app.clock.advance(time::Duration::minutes(16));
    assert_eq!(b.sign_in(&email, PASSWORD).await.status, 303, "the lock lifts after the window");
});

engines!(an_unknown_address_locks_the_same_way_so_lockout_reveals_nothing, |db| async move {
    let app = TestApp::spawn(db).await;
    let b = app.browser();
    for _ in 0..5 {
        b.sign_in("no.account@police.northmere.example", "wrong password here").await;
    }
    let r = b.sign_in("no.account@police.northmere.example", "wrong password here").await;
    assert!(r.shows(web::pages::sign_in::LOCKED));
});

engines!(a_form_without_its_csrf_token_is_refused, |db| async move {
    let app = TestApp::spawn(db).await;
    let b = app.browser();
    b.get("/sign-in").await;
    let email = app.staff_without_mfa(Role::AgencyRepresentative);
    let r = b.post("/sign-in", &[("email", email.as_str()), ("password", PASSWORD)]).await;
    assert_eq!(r.status, 403);
    assert!(r.shows("This form has expired"));
    let forged = b
        .post("/sign-in", &[("csrf", "00ff"), ("email", email.as_str()), ("password", PASSWORD)])
        .await;
    assert_eq!(forged.status, 403);
});

engines!(every_page_carries_the_security_headers_and_is_not_cached, |db| async move {
    let app = TestApp::spawn(db).await;
    let b = app.browser();
    let r = b.get("/sign-in").await;
    let h = |n: &str| r.headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(h("content-security-policy").contains("script-src 'self'"));
    assert!(h("content-security-policy").contains("frame-ancestors 'none'"));
    assert!(h("strict-transport-security").starts_with("max-age="));
    assert_eq!(h("x-content-type-options"), "nosniff");
    assert_eq!(h("referrer-policy"), "no-referrer");
    assert_eq!(h("cache-control"), "no-store");
    let cookie = h("set-cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
});

engines!(signing_in_replaces_the_visitor_cookie_with_a_new_session_token, |db| async move {
    let app = TestApp::spawn(db).await;
    let b = app.browser();
    let email = app.staff_without_mfa(Role::AgencyRepresentative);
    let r = b.sign_in(&email, PASSWORD).await;
    let cookies: Vec<String> = r
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::to_owned)
        .collect();
    assert!(cookies.iter().any(|c| c.starts_with("eh_session=") && c.len() > 50));
    assert!(
        cookies.iter().any(|c| c.starts_with("eh_visitor=;")),
        "the pre-sign-in cookie is removed: {cookies:?}"
    );
});

engines!(signing_out_ends_the_session, |db| async move {
    let app = TestApp::spawn(db).await;
    let b = app.browser();
    b.sign_in(&app.staff_without_mfa(Role::AgencyRepresentative), PASSWORD).await;
    let r = b.submit("/", "/sign-out", &[]).await;
    assert_eq!(r.location.as_deref(), Some("/signed-out"));
    assert!(b.get("/signed-out").await.shows("You have signed out"));
    let home = b.get("/").await;
    assert_eq!(home.location.as_deref(), Some("/sign-in"));
});

engines!(a_session_unused_for_thirty_minutes_ends, |db| async move {
    let app = TestApp::spawn(db).await;
    let b = app.browser();
    b.sign_in(&app.staff_without_mfa(Role::AgencyRepresentative), PASSWORD).await;
    app.clock.advance(time::Duration::minutes(29));
    assert_eq!(b.get("/").await.status, 200);
    app.clock.advance(time::Duration::minutes(29));
    assert_eq!(b.get("/").await.status, 200, "using the session pushes back the idle timeout");
    app.clock.advance(time::Duration::minutes(31));
    assert_eq!(b.get("/").await.location.as_deref(), Some("/sign-in"));
});

engines!(a_session_ends_twelve_hours_after_sign_in_however_busy, |db| async move {
    let app = TestApp::spawn(db).await;
    let b = app.browser();
    b.sign_in(&app.staff_without_mfa(Role::AgencyRepresentative), PASSWORD).await;
    for _ in 0..25 {
        app.clock.advance(time::Duration::minutes(29));
        b.get("/").await;
    }
    assert_eq!(b.get("/").await.location.as_deref(), Some("/sign-in"));
});

engines!(sign_out_everywhere_ends_the_other_browsers_sessions, |db| async move {
    let app = TestApp::spawn(db).await;
    let email = app.staff_without_mfa(Role::AgencyRepresentative);
    let laptop = app.browser();
    let phone = app.browser();
    laptop.sign_in(&email, PASSWORD).await;
    phone.sign_in(&email, PASSWORD).await;
    let r = laptop.submit("/account", "/account/sign-out-everywhere", &[]).await;
    assert_eq!(r.location.as_deref(), Some("/sign-in"));
    assert_eq!(phone.get("/").await.location.as_deref(), Some("/sign-in"));
    assert_eq!(laptop.get("/").await.location.as_deref(), Some("/sign-in"));
});

/// The current TOTP code for a base32 secret at the app's clock.
fn code_for(secret: &str, at: time::OffsetDateTime) -> String {
    let totp = totp_rs::Builder::new()
        .with_secret(totp_rs::Secret::try_from_base32(secret).unwrap())
        .build()
        .unwrap();
    totp.generate(at.unix_timestamp() as u64).to_string()
}

fn secret_on(page: &earlyhelp_acceptance::Page) -> String {
    let marker = "<code class=\"app-secret\">";
    let i = page.body.find(marker).expect("the secret on the enrolment page") + marker.len();
    page.body[i..i + page.body[i..].find('<').unwrap()].to_owned()
}

engines!(an_administrator_must_enrol_a_second_factor_before_anything_else, |db| async move {
    let app = TestApp::spawn(db).await;
    let b = app.browser();
    b.sign_in(&app.staff_with_role(Role::Administrator), PASSWORD).await;
    assert_eq!(b.get("/people").await.location.as_deref(), Some("/account/second-factor"));
    let setup = b.get("/account/second-factor").await;
    assert!(setup.shows("data:image/svg+xml;base64,"), "a QR code is shown");
    let secret = secret_on(&setup);
    let wrong = b
        .post("/account/second-factor", &[("csrf", setup.csrf().as_str()), ("code", "000000")])
        .await;
    assert!(wrong.shows("The code is not correct"));
    let code = code_for(&secret, app.clock.now());
    let done = b
        .post(
            "/account/second-factor",
            &[("csrf", setup.csrf().as_str()), ("code", code.as_str())],
        )
        .await;
    assert!(done.shows("Second factor turned on"), "{}", done.body);
    assert_eq!(done.body.matches("<li><code>").count(), 10, "ten recovery codes are shown once");
    assert_eq!(b.get("/people").await.status, 200);
});

engines!(
    after_enrolment_sign_in_asks_for_the_code_and_a_recovery_code_works_once,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let email = app.staff_with_role(Role::Administrator);
        let first = app.browser();
        first.sign_in(&email, PASSWORD).await;
        let setup = first.get("/account/second-factor").await;
        let secret = secret_on(&setup);
        let code = code_for(&secret, app.clock.now());
        let done = first
            .post(
                "/account/second-factor",
                &[("csrf", setup.csrf().as_str()), ("code", code.as_str())],
            )
            .await;
        let marker = "<li><code>";
        let i = done.body.find(marker).unwrap() + marker.len();
        let recovery = done.body[i..i + 11].to_owned();

        let second = app.browser();
        second.sign_in(&email, PASSWORD).await;
        assert_eq!(second.get("/").await.location.as_deref(), Some("/sign-in/second-factor"));
        let r = second
            .submit("/sign-in/second-factor", "/sign-in/second-factor", &[("code", recovery.as_str())])
            .await;
        assert_eq!(r.location.as_deref(), Some("/"));

        let third = app.browser();
        third.sign_in(&email, PASSWORD).await;
        let again = third
            .submit("/sign-in/second-factor", "/sign-in/second-factor", &[("code", recovery.as_str())])
            .await;
        assert!(again.shows("The security code is not correct"), "a recovery code works only once");
        app.clock.advance(time::Duration::seconds(60));
        let code = code_for(&secret, app.clock.now());
        let ok = third
            .submit("/sign-in/second-factor", "/sign-in/second-factor", &[("code", code.as_str())])
            .await;
        assert_eq!(ok.location.as_deref(), Some("/"));
    }
);

engines!(a_security_code_cannot_be_used_twice, |db| async move {
    let app = TestApp::spawn(db).await;
    let email = app.staff_with_role(Role::Administrator);
    let first = app.browser();
    first.sign_in(&email, PASSWORD).await;
    let setup = first.get("/account/second-factor").await;
    let secret = secret_on(&setup);
    let code = code_for(&secret, app.clock.now());
    first
        .post(
            "/account/second-factor",
            &[("csrf", setup.csrf().as_str()), ("code", code.as_str())],
        )
        .await;

    app.clock.advance(time::Duration::seconds(30));
    let code = code_for(&secret, app.clock.now());
    let second = app.browser();
    second.sign_in(&email, PASSWORD).await;
    let ok = second
        .submit("/sign-in/second-factor", "/sign-in/second-factor", &[("code", code.as_str())])
        .await;
    assert_eq!(ok.location.as_deref(), Some("/"));

    let onlooker = app.browser();
    onlooker.sign_in(&email, PASSWORD).await;
    let replay = onlooker
        .submit("/sign-in/second-factor", "/sign-in/second-factor", &[("code", code.as_str())])
        .await;
    assert!(
        replay.shows("The security code is not correct"),
        "a code seen once is refused the second time"
    );
});

engines!(a_second_factor_set_up_by_choice_is_asked_for_at_every_sign_in, |db| async move {
    let app = TestApp::spawn(db).await;
    let email = app.staff_without_mfa(Role::LeadProfessional);
    let first = app.browser();
    first.sign_in(&email, PASSWORD).await;
    assert_eq!(first.get("/").await.status, 200, "not required of this account");
    let setup = first.get("/account/second-factor").await;
    let code = code_for(&secret_on(&setup), app.clock.now());
    first
        .post(
            "/account/second-factor",
            &[("csrf", setup.csrf().as_str()), ("code", code.as_str())],
        )
        .await;

    let later = app.browser();
    later.sign_in(&email, PASSWORD).await;
    assert_eq!(later.get("/").await.location.as_deref(), Some("/sign-in/second-factor"));
    assert_eq!(
        later.get("/account/password").await.location.as_deref(),
        Some("/sign-in/second-factor")
    );
});

engines!(the_session_token_changes_when_the_second_factor_is_passed, |db| async move {
    let app = TestApp::spawn(db).await;
    let b = app.browser();
    let signed_in = b.sign_in(&app.staff_with_role(Role::Administrator), PASSWORD).await;
    let before = signed_in.cookie("eh_session").unwrap();
    let setup = b.get("/account/second-factor").await;
    let code = code_for(&secret_on(&setup), app.clock.now());
    let done = b
        .post(
            "/account/second-factor",
            &[("csrf", setup.csrf().as_str()), ("code", code.as_str())],
        )
        .await;
    let after = done.cookie("eh_session").expect("a new session cookie");
    assert_ne!(before, after);
    assert_eq!(
        b.get_with_cookie("/", &before).await.location.as_deref(),
        Some("/sign-in"),
        "the old token is dead"
    );
    assert_eq!(b.get("/people").await.status, 200);
    assert_eq!(
        b.submit("/", "/sign-out", &[]).await.location.as_deref(),
        Some("/signed-out"),
        "the new page's sign-out form works"
    );
});

engines!(signing_in_again_ends_the_browsers_previous_session, |db| async move {
    let app = TestApp::spawn(db).await;
    let b = app.browser();
    let email = app.staff_without_mfa(Role::AgencyRepresentative);
    let first = b.sign_in(&email, PASSWORD).await.cookie("eh_session").unwrap();
    b.sign_in(&email, PASSWORD).await;
    assert_eq!(b.get_with_cookie("/", &first).await.location.as_deref(), Some("/sign-in"));
});
