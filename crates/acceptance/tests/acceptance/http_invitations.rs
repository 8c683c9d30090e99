//! New accounts by invitation: the administrator adds a person, the worker e-mails them a
//! single-use link, and they choose their own password. Over HTTP on both engines.

use domain::organisation::IsaStanding;
use domain::role::Role;
use earlyhelp_acceptance::{Browser, TestApp, engines};

/// A password that passes the rules.
const CHOSEN: &str = "copper kettle orchard";

async fn administrator(app: &TestApp) -> Browser {
    app.sign_in_with_second_factor(&app.staff_with_role(Role::Administrator)).await
}

/// A current signatory whose staff need no second factor.
fn organisation(app: &TestApp) -> &county::Organisation {
    app.county
        .organisations
        .iter()
        .find(|o| !o.mfa_required && app.county.isa_standing(o.id) == Some(IsaStanding::Current))
        .unwrap()
}

/// Adds a person as the administrator; returns their address and id.
async fn invite(app: &TestApp, admin: &Browser, given: &str, family: &str, roles: &[&str]) -> (String, domain::UserId) {
    let org = organisation(app);
    let email = format!("{}.{}@{}", given.to_lowercase(), family.to_lowercase(), org.secure_email_domain);
    let org_id = org.id.to_string();
    let mut fields = vec![
        ("organisation", org_id.as_str()),
        ("given_name", given),
        ("family_name", family),
        ("email", email.as_str()),
        ("job_title", "Youth worker"),
    ];
    fields.extend(roles.iter().map(|r| ("roles", *r)));
    let r = admin.submit("/people/new", "/people/new", &fields).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let id = r.location.unwrap().trim_start_matches("/people/").parse().unwrap();
    (email, id)
}

/// Chooses a password through the link's form (or, when the link shows no form any more,
/// posts it anyway with the sign-in page's CSRF token, as a page left open would).
async fn choose(b: &Browser, link: &str, action: &str, token: &str, password: &str) -> earlyhelp_acceptance::Page {
    let page = b.get(link).await;
    let csrf = if page.shows("name=\"csrf\"") {
        page.csrf()
    } else {
        b.get("/sign-in").await.csrf()
    };
    b.post(
        action,
        &[
            ("csrf", csrf.as_str()),
            ("token", token),
            ("new_password", password),
            ("confirm_password", password),
        ],
    )
    .await
}

engines!(a_new_person_is_emailed_an_invitation_and_never_given_a_password, |db| async move {
    let app = TestApp::spawn(db).await;
    let admin = administrator(&app).await;
    let form = admin.get("/people/new").await;
    assert!(!form.shows("type=\"password\""), "the administrator sets no password");
    let (email, id) = invite(&app, &admin, "Robin", "Ashdown", &["agency_representative"]).await;
    assert!(app.mail_to(&email).is_empty(), "nothing is sent inside the request");

    assert_eq!(app.deliver_mail().await, 1);
    let mail = app.mail_to(&email);
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].subject, "Your Early Help account at Northmere Council");
    assert!(mail[0].body.contains("Hello Robin,"));
    let (link, _) = app.link_in_latest_mail_to(&email);
    assert!(link.starts_with("/invitation?token="), "{link}");
    let account = app.store.staff_account(id).await.unwrap().unwrap();
    assert!(!account.must_change_password);
    assert!(
        app.store
            .find_sign_in(&account.email)
            .await
            .unwrap()
            .unwrap()
            .password_hash
            .is_none()
    );
});

engines!(an_invitation_link_works_once, |db| async move {
    let app = TestApp::spawn(db).await;
    let admin = administrator(&app).await;
    let (email, _) = invite(&app, &admin, "Robin", "Ashdown", &["agency_representative"]).await;
    app.deliver_mail().await;
    let (link, token) = app.link_in_latest_mail_to(&email);

    let robin = app.browser();
    let page = robin.get(&link).await;
    assert_eq!(page.status, 200);
    assert!(page.shows("Choose your password") && page.shows(&email));
    let accepted = choose(&robin, &link, "/invitation", &token, CHOSEN).await;
    assert_eq!(accepted.status, 303);
    assert_eq!(accepted.location.as_deref(), Some("/"));
    assert!(robin.get("/").await.shows("Hello, Robin"), "accepting signs the person in");

    let again = choose(&app.browser(), &link, "/invitation", &token, "another fine password").await;
    assert!(again.shows("This link has stopped working"));
    assert!(app.browser().get(&link).await.shows("This link has stopped working"));
    assert_eq!(
        app.browser().sign_in(&email, CHOSEN).await.status,
        303,
        "the chosen password signs in"
    );
    assert!(
        app.browser()
            .sign_in(&email, "another fine password")
            .await
            .shows(web::pages::sign_in::WRONG_CREDENTIALS)
    );
});

engines!(opening_an_invitation_link_spends_nothing, |db| async move {
    // Mail scanners follow links before people do.
    let app = TestApp::spawn(db).await;
    let admin = administrator(&app).await;
    let (email, _) = invite(&app, &admin, "Robin", "Ashdown", &["agency_representative"]).await;
    app.deliver_mail().await;
    let (link, token) = app.link_in_latest_mail_to(&email);
    for _ in 0..3 {
        assert!(app.browser().get(&link).await.shows("Choose your password"));
    }
    assert_eq!(choose(&app.browser(), &link, "/invitation", &token, CHOSEN).await.status, 303);
});

engines!(an_invitation_stops_working_after_seven_days, |db| async move {
    let app = TestApp::spawn(db).await;
    let admin = administrator(&app).await;
    let (email, _) = invite(&app, &admin, "Robin", "Ashdown", &["agency_representative"]).await;
    app.deliver_mail().await;
    let (link, token) = app.link_in_latest_mail_to(&email);
    app.clock.advance(time::Duration::days(7) + time::Duration::minutes(1));
    assert!(app.browser().get(&link).await.shows("This link has stopped working"));
    let late = choose(&app.browser(), &link, "/invitation", &token, CHOSEN).await;
    assert!(late.shows("This link has stopped working"));
});

engines!(a_new_invitation_stops_the_old_link_working, |db| async move {
    let app = TestApp::spawn(db).await;
    let admin = administrator(&app).await;
    let (email, id) = invite(&app, &admin, "Robin", "Ashdown", &["agency_representative"]).await;
    app.deliver_mail().await;
    let (old_link, old_token) = app.link_in_latest_mail_to(&email);

    let person = admin.get(&format!("/people/{id}")).await;
    assert!(person.shows("Send a new invitation"));
    let resent = admin
        .post(&format!("/people/{id}/invitation"), &[("csrf", person.csrf().as_str())])
        .await;
    assert_eq!(resent.status, 303);
    assert_eq!(app.deliver_mail().await, 1);
    assert_eq!(app.mail_to(&email).len(), 2);
    let (new_link, new_token) = app.link_in_latest_mail_to(&email);
    assert_ne!(old_token, new_token);

    assert!(app.browser().get(&old_link).await.shows("This link has stopped working"));
    assert!(
        choose(&app.browser(), &old_link, "/invitation", &old_token, CHOSEN)
            .await
            .shows("This link has stopped working")
    );
    assert_eq!(
        choose(&app.browser(), &new_link, "/invitation", &new_token, CHOSEN).await.status,
        303
    );
});

engines!(
    the_administrator_sees_whether_the_invitation_was_accepted_but_never_the_link,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let admin = administrator(&app).await;
        let (email, id) = invite(&app, &admin, "Robin", "Ashdown", &["agency_representative"]).await;
        assert!(admin.get(&format!("/people/{id}")).await.shows("Waiting to be sent"));
        app.deliver_mail().await;
        let (link, token) = app.link_in_latest_mail_to(&email);
        let sent = admin.get(&format!("/people/{id}")).await;
        assert!(sent.shows("Sent on 25 November 2026 at 9am; not accepted yet"), "{}", sent.body);
        assert!(!sent.shows(&token));

        choose(&app.browser(), &link, "/invitation", &token, CHOSEN).await;
        let accepted = admin.get(&format!("/people/{id}")).await;
        assert!(accepted.shows("Accepted on 25 November 2026"));
        assert!(!accepted.shows("Send a new invitation"));
        assert!(!accepted.shows(&token));
    }
);

engines!(
    a_person_whose_role_needs_a_second_factor_sets_one_up_after_accepting,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let admin = administrator(&app).await;
        let (email, _) = invite(&app, &admin, "Robin", "Ashdown", &["information_governance"]).await;
        app.deliver_mail().await;
        let (link, token) = app.link_in_latest_mail_to(&email);
        let robin = app.browser();
        assert!(robin.get(&link).await.shows("set up an authenticator app next"));
        assert_eq!(
            choose(&robin, &link, "/invitation", &token, CHOSEN).await.location.as_deref(),
            Some("/")
        );
        assert_eq!(robin.get("/").await.location.as_deref(), Some("/account/second-factor"));
        assert_eq!(robin.get("/sharing-log").await.location.as_deref(), Some("/account/second-factor"));
    }
);

engines!(
    a_password_that_breaks_the_rules_is_refused_and_the_link_still_works,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let admin = administrator(&app).await;
        let (email, _) = invite(&app, &admin, "Robin", "Ashdown", &["agency_representative"]).await;
        app.deliver_mail().await;
        let (link, token) = app.link_in_latest_mail_to(&email);
        let robin = app.browser();
        let short = choose(&robin, &link, "/invitation", &token, "short").await;
        assert_eq!(short.status, 200);
        assert!(short.shows("There is a problem") && short.shows("Password must be 12 characters or more"));
        assert!(short.shows("<title>Error: "));
        let common = choose(&robin, &link, "/invitation", &token, "Password2024!").await;
        assert!(common.shows("This password is too common"));
        let mismatch = robin
            .submit(
                &link,
                "/invitation",
                &[
                    ("token", token.as_str()),
                    ("new_password", CHOSEN),
                    ("confirm_password", "copper kettle"),
                ],
            )
            .await;
        assert!(mismatch.shows("The passwords do not match"));
        assert_eq!(choose(&robin, &link, "/invitation", &token, CHOSEN).await.status, 303);
    }
);

engines!(an_invitation_must_go_to_the_organisations_own_email_domain, |db| async move {
    // Otherwise an administrator could invite a practitioner account to a mailbox they hold.
    let app = TestApp::spawn(db).await;
    let admin = administrator(&app).await;
    let org = organisation(&app);
    let org_id = org.id.to_string();
    let r = admin
        .submit(
            "/people/new",
            "/people/new",
            &[
                ("organisation", org_id.as_str()),
                ("given_name", "Robin"),
                ("family_name", "Ashdown"),
                ("email", "robin.ashdown@mailbox.example"),
                ("job_title", "Youth worker"),
                ("roles", "lead_professional"),
            ],
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.shows(&format!(
        "Enter an email address at {}, the organisation&#39;s secure email domain",
        org.secure_email_domain
    )));
    assert!(r.shows("value=\"robin.ashdown@mailbox.example\""), "what was typed is kept");
    assert!(app.store.jobs().await.unwrap().is_empty());
});

engines!(no_invitation_is_queued_when_the_account_is_not_created, |db| async move {
    let app = TestApp::spawn(db).await;
    let admin = administrator(&app).await;
    let existing = app
        .county
        .staff
        .iter()
        .find(|s| s.organisation == organisation(&app).id)
        .unwrap()
        .clone();
    let org = existing.organisation.to_string();
    let r = admin
        .submit(
            "/people/new",
            "/people/new",
            &[
                ("organisation", org.as_str()),
                ("given_name", "Sam"),
                ("family_name", "Other"),
                ("email", existing.email.as_str()),
                ("job_title", "Worker"),
                ("roles", "agency_representative"),
            ],
        )
        .await;
    assert!(r.shows("Someone already has an account with this email address"));
    assert!(app.store.jobs().await.unwrap().is_empty(), "the job rolled back with the account");
    assert_eq!(app.deliver_mail().await, 0);
});

engines!(a_deactivated_account_cannot_accept_its_invitation, |db| async move {
    let app = TestApp::spawn(db).await;
    let admin = administrator(&app).await;
    let (email, id) = invite(&app, &admin, "Robin", "Ashdown", &["agency_representative"]).await;
    app.deliver_mail().await;
    let (link, token) = app.link_in_latest_mail_to(&email);
    let page = admin.get(&format!("/people/{id}")).await;
    let version = app.store.staff_account(id).await.unwrap().unwrap().version.to_string();
    admin
        .post(
            &format!("/people/{id}/active"),
            &[("csrf", page.csrf().as_str()), ("version", version.as_str()), ("active", "no")],
        )
        .await;
    assert!(app.browser().get(&link).await.shows("This link has stopped working"));
    assert!(
        choose(&app.browser(), &link, "/invitation", &token, CHOSEN)
            .await
            .shows("This link has stopped working")
    );
});

engines!(
    an_invitation_not_yet_sent_when_its_account_is_deactivated_is_never_sent,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let admin = administrator(&app).await;
        let (email, id) = invite(&app, &admin, "Robin", "Ashdown", &["agency_representative"]).await;
        let page = admin.get(&format!("/people/{id}")).await;
        let version = app.store.staff_account(id).await.unwrap().unwrap().version.to_string();
        admin
            .post(
                &format!("/people/{id}/active"),
                &[("csrf", page.csrf().as_str()), ("version", version.as_str()), ("active", "no")],
            )
            .await;
        assert_eq!(app.deliver_mail().await, 1, "the job runs");
        assert!(app.mail_to(&email).is_empty(), "and sends nothing");
        assert!(app.store.jobs().await.unwrap()[0].done_at.is_some());
    }
);

engines!(inviting_and_accepting_log_no_address_name_or_link, |db| async move {
    let logs = earlyhelp_acceptance::logs::captured_logs();
    let app = TestApp::spawn(db).await;
    let admin = administrator(&app).await;
    let (email, _) = invite(&app, &admin, "Robin", "Ashdown", &["agency_representative"]).await;
    app.deliver_mail().await;
    let (link, token) = app.link_in_latest_mail_to(&email);
    let robin = app.browser();
    robin.get(&link).await;
    choose(&robin, &link, "/invitation", &token, CHOSEN).await;
    let lines = logs.lines();
    assert!(lines.iter().any(|l| l.contains("job done")), "the worker's lines were captured");
    for secret in [email.as_str(), "Ashdown", token.as_str()] {
        let found: Vec<&String> = lines.iter().filter(|l| l.contains(secret)).collect();
        assert!(found.is_empty(), "{secret:?} logged: {found:#?}");
    }
});
