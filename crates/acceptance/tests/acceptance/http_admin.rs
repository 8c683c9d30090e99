//! Administration pages: accounts, roles, the ISA register. Over HTTP on both engines.

use domain::organisation::IsaStanding;
use domain::role::Role;
use earlyhelp_acceptance::{Browser, TestApp, engines};

const PASSWORD: &str = county::DEMO_PASSWORD;

/// Signs in as an administrator and enrols their second factor.
async fn administrator(app: &TestApp) -> Browser {
    app.sign_in_with_second_factor(&app.staff_with_role(Role::Administrator)).await
}

fn organisation_of(app: &TestApp, standing: IsaStanding) -> &county::Organisation {
    app.county
        .organisations
        .iter()
        .find(|o| app.county.isa_standing(o.id) == Some(standing))
        .unwrap()
}

engines!(a_practitioner_cannot_open_the_add_a_person_page_and_is_told_why, |db| async move {
    let app = TestApp::spawn(db).await;
    let b = app.browser();
    b.sign_in(&app.staff_without_mfa(Role::AgencyRepresentative), PASSWORD).await;
    let entries_before = app.store.verify_audit_chain().await.unwrap().unwrap();
    let r = b.get("/people/new").await;
    assert_eq!(r.status, 403);
    assert!(r.shows("Why can't I see this?"));
    assert_eq!(
        app.store.verify_audit_chain().await.unwrap(),
        Ok(entries_before + 1),
        "the refusal is on record"
    );
    assert!(!b.get("/people").await.shows("Add a person"));
});

engines!(
    adding_a_person_with_bad_input_shows_every_error_and_keeps_what_was_typed,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let b = administrator(&app).await;
        let org = organisation_of(&app, IsaStanding::Current).id.to_string();
        let r = b
            .submit(
                "/people/new",
                "/people/new",
                &[
                    ("organisation", org.as_str()),
                    ("given_name", "Robin"),
                    ("family_name", ""),
                    ("email", "robin@"),
                    ("job_title", "Youth worker"),
                ],
            )
            .await;
        assert_eq!(r.status, 200);
        assert!(r.shows("There is a problem"));
        for message in [
            "Enter the person's last name",
            "Enter an email address in the correct format",
            "Select at least one role",
        ] {
            assert!(r.shows(message), "missing: {message}");
        }
        assert!(r.shows("value=\"Robin\"") && r.shows("value=\"robin@\"") && r.shows("value=\"Youth worker\""));
        assert!(r.shows("<title>Error: "));
    }
);

engines!(an_email_already_in_use_is_refused_on_the_form, |db| async move {
    let app = TestApp::spawn(db).await;
    let admin = administrator(&app).await;
    let existing = app.county.staff[3].clone();
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
});

engines!(a_deactivated_person_is_signed_out_and_cannot_sign_in, |db| async move {
    let app = TestApp::spawn(db).await;
    let admin = administrator(&app).await;
    let email = app.staff_without_mfa(Role::AgencyRepresentative);
    let worker = app.browser();
    worker.sign_in(&email, PASSWORD).await;
    let id = app
        .store
        .user_id_by_email(&domain::email::EmailAddress::parse(&email).unwrap())
        .await
        .unwrap()
        .unwrap();
    let page = admin.get(&format!("/people/{id}")).await;
    let version = app.store.staff_account(id).await.unwrap().unwrap().version.to_string();
    let r = admin
        .post(
            &format!("/people/{id}/active"),
            &[("csrf", page.csrf().as_str()), ("version", version.as_str()), ("active", "no")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(worker.get("/").await.location.as_deref(), Some("/sign-in"));
    assert!(
        app.browser()
            .sign_in(&email, PASSWORD)
            .await
            .shows(web::pages::sign_in::WRONG_CREDENTIALS)
    );
});

engines!(
    staff_of_a_lapsed_signatory_are_told_they_cannot_see_family_information,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let lapsed = organisation_of(&app, IsaStanding::Lapsed).id;
        let staff = app
            .county
            .staff
            .iter()
            .find(|s| s.organisation == lapsed && !s.roles.iter().any(|r| r.always_requires_mfa()));
        let Some(staff) = staff else {
            panic!("the demo county has staff at its lapsed signatory")
        };
        let b = app.browser();
        b.sign_in(staff.email.as_str(), PASSWORD).await;
        let home = b.get("/").await;
        assert!(
            home.shows("is not a current signatory of the Information Sharing Agreement"),
            "{}",
            home.body
        );
    }
);

engines!(
    approving_an_application_makes_the_organisation_a_current_signatory,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let admin = administrator(&app).await;
        let pending = organisation_of(&app, IsaStanding::Pending).id;
        let page = admin.get(&format!("/organisations/{pending}")).await;
        assert!(page.shows("Approve the application"));
        let csrf = page.csrf();
        let bad = admin
            .post(
                &format!("/organisations/{pending}/isa"),
                &[
                    ("csrf", csrf.as_str()),
                    ("version", "1"),
                    ("signatory", "Director"),
                    ("signed_on", "31/02/2026"),
                    ("review_due", ""),
                ],
            )
            .await;
        assert!(bad.shows("The date the agreement was signed must be a real date"));
        assert!(bad.shows("Enter the date the signature is due for review"));
        let ok = admin
            .post(
                &format!("/organisations/{pending}/isa"),
                &[
                    ("csrf", csrf.as_str()),
                    ("version", "1"),
                    ("signatory", "Director"),
                    ("signed_on", "20/11/2026"),
                    ("review_due", "20/11/2027"),
                ],
            )
            .await;
        assert_eq!(ok.status, 303, "{}", ok.body);
        assert!(admin.get(&format!("/organisations/{pending}")).await.shows("Current signatory"));
        let stale = admin
            .post(
                &format!("/organisations/{pending}/isa"),
                &[
                    ("csrf", csrf.as_str()),
                    ("version", "1"),
                    ("signatory", "Director"),
                    ("signed_on", "21/11/2026"),
                    ("review_due", "21/11/2027"),
                ],
            )
            .await;
        assert_eq!(stale.status, 409, "a second edit from the old page is refused");
    }
);

engines!(the_panels_page_lists_each_panel_with_its_chairs_and_members, |db| async move {
    let app = TestApp::spawn(db).await;
    let b = app.browser();
    b.sign_in(&app.staff_without_mfa(Role::AgencyRepresentative), PASSWORD).await;
    let page = b.get("/panels").await;
    for p in &app.county.panels {
        assert!(page.shows(&p.name), "{}", p.name);
    }
    assert!(page.shows("Chairs (taking turns)"));
    assert!(page.shows("Every other Thursday, 9am to 11am"));
});

engines!(viewing_someone_elses_details_is_recorded_in_the_audit_trail, |db| async move {
    let app = TestApp::spawn(db).await;
    let b = app.browser();
    b.sign_in(&app.staff_without_mfa(Role::AgencyRepresentative), PASSWORD).await;
    let before = app.store.verify_audit_chain().await.unwrap().unwrap();
    let someone = app.county.staff[5].id;
    assert_eq!(b.get(&format!("/people/{someone}")).await.status, 200);
    assert_eq!(
        app.store.verify_audit_chain().await.unwrap(),
        Ok(before + 1),
        "one entry for the view, and the chain holds"
    );
});

engines!(nobody_can_renew_their_own_organisations_signature, |db| async move {
    let app = TestApp::spawn(db).await;
    let admin = administrator(&app).await;
    let email = domain::email::EmailAddress::parse(&app.staff_with_role(Role::Administrator)).unwrap();
    let id = app.store.user_id_by_email(&email).await.unwrap().unwrap();
    let own = app.store.staff_account(id).await.unwrap().unwrap().organisation_id;
    let page = admin.get(&format!("/organisations/{own}")).await;
    assert!(!page.shows("Record signature"), "no form for their own organisation");
    let r = admin
        .post(
            &format!("/organisations/{own}/isa"),
            &[
                ("csrf", page.csrf().as_str()),
                ("version", "1"),
                ("signatory", "Me"),
                ("signed_on", "20/11/2026"),
                ("review_due", "20/11/2030"),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
    assert!(r.shows("not-your-own-organisation"));
});

engines!(a_corrected_form_still_catches_a_change_made_meanwhile, |db| async move {
    let app = TestApp::spawn(db).await;
    let admin = administrator(&app).await;
    let pending = organisation_of(&app, IsaStanding::Pending).id;
    let page = admin.get(&format!("/organisations/{pending}")).await;
    let csrf = page.csrf();
    let path = format!("/organisations/{pending}/isa");
    // Someone else changes the organisation while this form is open…
    let other = admin
        .post(
            &format!("/organisations/{pending}/second-factor"),
            &[("csrf", csrf.as_str()), ("version", "1"), ("required", "yes")],
        )
        .await;
    assert_eq!(other.status, 303);
    // …this person makes a mistake, and the form comes back carrying the version they loaded.
    let bad = admin
        .post(
            &path,
            &[
                ("csrf", csrf.as_str()),
                ("version", "1"),
                ("signatory", ""),
                ("signed_on", "20/11/2026"),
                ("review_due", "20/11/2027"),
            ],
        )
        .await;
    assert!(bad.shows("name=\"version\" value=\"1\""));
    let corrected = admin
        .post(
            &path,
            &[
                ("csrf", csrf.as_str()),
                ("version", "1"),
                ("signatory", "Director"),
                ("signed_on", "20/11/2026"),
                ("review_due", "20/11/2027"),
            ],
        )
        .await;
    assert_eq!(corrected.status, 409);
});
