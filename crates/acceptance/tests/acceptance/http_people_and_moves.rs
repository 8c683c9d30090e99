//! The rest of families and people over HTTP: a person's page with the family's one timeline,
//! families moving house (the postcode re-allocates the locality, the old address is kept),
//! the disability that keeps a young person of 20 to 25 in early help's range, referrals made
//! without consent on an override, and recording families and people through the API. On both
//! engines.

use domain::organisation::IsaStanding;
use domain::role::Role;
use earlyhelp_acceptance::{Browser, Page, TestApp, engines};

/// Someone holding only `role`, at a current signatory.
fn holding(app: &TestApp, role: Role) -> String {
    app.county
        .staff
        .iter()
        .find(|s| s.roles == vec![role] && app.county.isa_standing(s.organisation) == Some(IsaStanding::Current))
        .map(|s| s.email.to_string())
        .unwrap()
}

/// Someone holding `role` whose organisation is a current signatory.
fn current_staff(app: &TestApp, role: Role) -> String {
    app.county
        .staff
        .iter()
        .find(|s| s.roles.contains(&role) && app.county.isa_standing(s.organisation) == Some(IsaStanding::Current))
        .map(|s| s.email.to_string())
        .unwrap()
}

/// A postcode the county's table allocates to locality `n`.
fn postcode_in(app: &TestApp, n: usize) -> String {
    let area = &app.county.localities[n].postcode_areas[0];
    if area.contains(' ') {
        format!("{area}ZZ")
    } else {
        format!("{area} 9ZZ")
    }
}

/// Records a family in locality `n`; returns its id.
async fn record_family(app: &TestApp, b: &Browser, n: usize) -> String {
    let made = b
        .submit(
            "/families/new",
            "/families/new",
            &[("address_line", "12 Example Row"), ("postcode", &postcode_in(app, n))],
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let location = made.location.unwrap();
    location.trim_start_matches("/families/").trim_end_matches("/people/new").to_owned()
}

async fn add_person(b: &Browser, family: &str, fields: &[(&str, &str)]) -> Page {
    b.submit(
        &format!("/families/{family}/people/new"),
        &format!("/families/{family}/people"),
        fields,
    )
    .await
}

/// The ids of the people linked from a family page, in the order shown.
fn person_links(page: &Page, family: &str) -> Vec<String> {
    let marker = format!("href=\"/families/{family}/people/");
    page.body
        .match_indices(&marker)
        .filter_map(|(i, _)| page.body.get(i + marker.len()..i + marker.len() + 36).map(str::to_owned))
        .filter(|id| id.parse::<uuid::Uuid>().is_ok())
        .collect()
}

/// The value of the hidden input named `name`.
fn hidden(page: &Page, name: &str) -> String {
    let at = page
        .body
        .find(&format!("name=\"{name}\" value=\""))
        .expect("the field is on the page");
    let rest = &page.body[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_owned()
}

async fn move_family(b: &Browser, family: &str, fields: &[(&str, &str)]) -> Page {
    let form = b.get(&format!("/families/{family}/move")).await;
    assert_eq!(form.status, 200, "{}", form.body);
    let version = hidden(&form, "version");
    let mut all = vec![("csrf", form.csrf()), ("version", version)];
    all.extend(fields.iter().map(|(k, v)| (*k, (*v).to_owned())));
    let all: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
    b.post(&format!("/families/{family}/move"), &all).await
}

engines!(
    a_person_page_shows_their_identifiers_and_the_familys_timeline_newest_first,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let mash = app.signed_in_without_second_factor(&holding(&app, Role::MashPractitioner)).await;
        let family = record_family(&app, &mash, 0).await;
        let added = add_person(
            &mash,
            &family,
            &[
                ("given_name", "Robin"),
                ("family_name", "Example"),
                ("date_of_birth", "3/4/2016"),
                ("sex", "not_known"),
                ("household_role", "child"),
                ("nhs_number", "9434765919"),
                ("not_a_duplicate", "yes"),
            ],
        )
        .await;
        assert_eq!(added.status, 303, "{}", added.body);
        let consent = mash
            .submit(
                &format!("/families/{family}/consent/new"),
                &format!("/families/{family}/consent"),
                &[
                    ("given_by", "family"),
                    ("given_on", "20/11/2026"),
                    ("method", "written"),
                    ("scopes", "early_help_referral"),
                    ("scopes", "panel_discussion"),
                    ("review_due", "20/11/2027"),
                ],
            )
            .await;
        assert_eq!(consent.status, 303, "{}", consent.body);
        let referral = mash
            .submit(
                &format!("/families/{family}/referrals/new"),
                &format!("/families/{family}/referrals"),
                &[("route", "mash_decision"), ("reason", "Threshold decision: early help")],
            )
            .await;
        assert_eq!(referral.status, 303, "{}", referral.body);

        let family_page = mash.get(&format!("/families/{family}")).await;
        let person = person_links(&family_page, &family)
            .into_iter()
            .next()
            .expect("a link to the person's page");
        let audited = "SELECT COUNT(*) FROM audit_log WHERE action = 'person.view'";
        let before = app.db().count(audited).await;
        let page = mash.get(&format!("/families/{family}/people/{person}")).await;

        assert_eq!(page.status, 200, "{}", page.body);
        assert_eq!(app.db().count(audited).await, before + 1, "the read is in the audit trail");
        assert!(page.shows("Robin Example"));
        assert!(page.shows("943 476 5919"), "the NHS number as NHS Digital writes it");
        let referral_at = page
            .body
            .find("Referral made: MASH threshold decision")
            .expect("the referral is on the timeline");
        let consent_at = page
            .body
            .find("Consent given by The family")
            .expect("the consent is on the timeline");
        assert!(referral_at < consent_at, "newest first: the referral came after the consent");
        assert!(page.shows("Covers an early help referral, discussion at a panel"));
        assert!(
            family_page.shows("Referral made: MASH threshold decision"),
            "the family page shows the same timeline"
        );
    }
);

engines!(a_person_in_another_family_is_not_shown_under_this_one, |db| async move {
    let app = TestApp::spawn(db).await;
    let mash = app.signed_in_without_second_factor(&holding(&app, Role::MashPractitioner)).await;
    let one = record_family(&app, &mash, 0).await;
    let other = record_family(&app, &mash, 0).await;
    let fields = [
        ("given_name", "Robin"),
        ("family_name", "Example"),
        ("date_of_birth", "3/4/2016"),
        ("sex", "not_known"),
        ("household_role", "child"),
        ("not_a_duplicate", "yes"),
    ];
    assert_eq!(add_person(&mash, &one, &fields).await.status, 303);
    let person = person_links(&mash.get(&format!("/families/{one}")).await, &one).remove(0);
    let wrong = mash.get(&format!("/families/{other}/people/{person}")).await;
    assert_eq!(wrong.status, 404, "a permit for one family cannot open a person of another");
});

engines!(moving_to_a_postcode_in_another_locality_moves_the_family, |db| async move {
    let app = TestApp::spawn(db).await;
    let mash = app.signed_in_without_second_factor(&holding(&app, Role::MashPractitioner)).await;
    let family = record_family(&app, &mash, 0).await;
    let (from, to) = (app.county.localities[0].name.clone(), app.county.localities[1].name.clone());

    let moved = move_family(
        &mash,
        &family,
        &[
            ("address_line", "3 New Street"),
            ("postcode", &postcode_in(&app, 1)),
            ("moved_on", "20/11/2026"),
        ],
    )
    .await;

    assert_eq!(moved.status, 303, "{}", moved.body);
    let page = mash.get(moved.location.as_deref().unwrap()).await;
    assert!(page.shows("The family’s move to 3 New Street"), "{}", page.body);
    assert!(page.shows(&format!("The family’s locality changed from {from} to {to}")));
    assert!(page.shows("Previous addresses"));
    assert!(page.shows("12 Example Row"), "the old address is kept");
    assert!(
        page.shows(&format!("Locality changed from {from} to {to}")),
        "and the timeline says so"
    );
    let again = mash.get(&format!("/families/{family}")).await;
    assert!(!again.shows("The family’s move to"), "the confirmation is shown once");
    assert!(again.shows(&to));
});

engines!(moving_within_the_locality_keeps_it_and_says_so, |db| async move {
    let app = TestApp::spawn(db).await;
    let mash = app.signed_in_without_second_factor(&holding(&app, Role::MashPractitioner)).await;
    let family = record_family(&app, &mash, 0).await;
    let moved = move_family(
        &mash,
        &family,
        &[
            ("address_line", "Flat 2, 40 Other Road"),
            ("postcode", &postcode_in(&app, 0)),
            ("moved_on", "20/11/2026"),
        ],
    )
    .await;
    assert_eq!(moved.status, 303, "{}", moved.body);
    let page = mash.get(moved.location.as_deref().unwrap()).await;
    assert!(page.shows(&format!("The family is still in {} locality", app.county.localities[0].name)));
});

engines!(
    a_referral_waiting_to_be_screened_goes_with_the_family_to_its_new_locality,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let mash = app.signed_in_without_second_factor(&holding(&app, Role::MashPractitioner)).await;
        let family = record_family(&app, &mash, 0).await;
        let referred = mash
            .submit(
                &format!("/families/{family}/referrals/new"),
                &format!("/families/{family}/referrals"),
                &[
                    ("route", "mash_decision"),
                    ("reason", "Threshold decision: early help"),
                    ("without_consent", "yes"),
                    ("ground", "safeguarding"),
                    (
                        "justification",
                        "The children are at risk and the parents refuse any contact with services",
                    ),
                ],
            )
            .await;
        let referral = referred.location.clone().expect("the referral was made");
        let moved = move_family(
            &mash,
            &family,
            &[
                ("address_line", "3 New Street"),
                ("postcode", &postcode_in(&app, 1)),
                ("moved_on", "20/11/2026"),
            ],
        )
        .await;
        assert_eq!(moved.status, 303, "{}", moved.body);
        let page = mash.get(&referral).await;
        assert!(
            page.shows(&format!("{} · ", app.county.localities[1].name)),
            "the referral is now for the new locality's chairs: {}",
            page.body
        );
    }
);

engines!(
    a_move_dated_in_the_future_or_outside_the_council_is_refused_and_what_was_typed_is_kept,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let mash = app.signed_in_without_second_factor(&holding(&app, Role::MashPractitioner)).await;
        let family = record_family(&app, &mash, 0).await;

        let future = move_family(
            &mash,
            &family,
            &[
                ("address_line", "3 New Street"),
                ("postcode", &postcode_in(&app, 1)),
                ("moved_on", "1/1/2027"),
            ],
        )
        .await;
        assert_eq!(future.status, 200);
        assert!(future.shows("The date the family moved must be today or in the past"));
        assert!(future.shows("value=\"3 New Street\""), "what was typed is kept");

        let outside = move_family(
            &mash,
            &family,
            &[("address_line", "1 Far Away"), ("postcode", "SW1A 1AA"), ("moved_on", "20/11/2026")],
        )
        .await;
        assert!(
            outside.shows("SW1A 1AA is not in one of the council’s localities"),
            "{}",
            outside.body
        );

        let same = move_family(
            &mash,
            &family,
            &[
                ("address_line", "12 example row"),
                ("postcode", &postcode_in(&app, 0)),
                ("moved_on", "20/11/2026"),
            ],
        )
        .await;
        assert!(same.shows("This is the family’s address already"), "{}", same.body);
        assert!(
            !mash.get(&format!("/families/{family}")).await.shows("Previous addresses"),
            "nothing was moved"
        );
    }
);

engines!(a_move_made_on_a_stale_page_is_refused_not_overwritten, |db| async move {
    let app = TestApp::spawn(db).await;
    let mash = app.signed_in_without_second_factor(&holding(&app, Role::MashPractitioner)).await;
    let family = record_family(&app, &mash, 0).await;
    let form = mash.get(&format!("/families/{family}/move")).await;
    let stale_version = hidden(&form, "version");
    let first = move_family(
        &mash,
        &family,
        &[
            ("address_line", "3 New Street"),
            ("postcode", &postcode_in(&app, 1)),
            ("moved_on", "20/11/2026"),
        ],
    )
    .await;
    assert_eq!(first.status, 303);
    let stale = mash
        .post(
            &format!("/families/{family}/move"),
            &[
                ("csrf", &form.csrf()),
                ("version", &stale_version),
                ("address_line", "9 Other Way"),
                ("postcode", &postcode_in(&app, 0)),
                ("moved_on", "21/11/2026"),
            ],
        )
        .await;
    assert_eq!(stale.status, 409);
    assert!(stale.shows("Someone else changed this family"));
    assert!(mash.get(&format!("/families/{family}")).await.shows("3 New Street"));
});

engines!(
    a_twenty_two_year_old_is_added_as_a_young_person_only_with_a_disability,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let mash = app.signed_in_without_second_factor(&holding(&app, Role::MashPractitioner)).await;
        let family = record_family(&app, &mash, 0).await;
        let mut fields = vec![
            ("given_name", "Sam"),
            ("family_name", "Example"),
            ("date_of_birth", "1/3/2004"),
            ("sex", "not_known"),
            ("household_role", "child"),
            ("not_a_duplicate", "yes"),
        ];

        let refused = add_person(&mash, &family, &fields).await;
        assert_eq!(refused.status, 200);
        assert!(refused.shows("record their disability if they have one"), "{}", refused.body);
        assert!(refused.shows("value=\"Sam\""), "what was typed is kept");

        fields.push(("has_disability", "yes"));
        assert_eq!(add_person(&mash, &family, &fields).await.status, 303);
        let page = mash.get(&format!("/families/{family}")).await;
        let person = person_links(&page, &family).remove(0);
        let person_page = mash.get(&format!("/families/{family}/people/{person}")).await;
        assert!(person_page.shows("Has a disability"));
        assert!(person_page.shows("In early help’s range because of their disability"));

        // Taking the disability away would leave a 22-year-old child outside the range.
        let undo = mash
            .post(
                &format!("/families/{family}/people/{person}/disability"),
                &[("csrf", &person_page.csrf()), ("version", &hidden(&person_page, "version"))],
            )
            .await;
        assert_eq!(undo.status, 200);
        assert!(undo.shows("record their disability if they have one"), "{}", undo.body);
        assert!(
            mash.get(&format!("/families/{family}/people/{person}"))
                .await
                .shows("In early help’s range")
        );
    }
);

engines!(
    a_mash_practitioner_refers_a_family_without_consent_on_a_safeguarding_override,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let mash = app.signed_in_without_second_factor(&holding(&app, Role::MashPractitioner)).await;
        let family = record_family(&app, &mash, 0).await;
        let form = format!("/families/{family}/referrals/new");
        let action = format!("/families/{family}/referrals");
        let justification = "The children are at risk and the parents refuse any contact with services";

        assert!(mash.get(&form).await.shows("Refer without the family’s consent"));
        let no_ground = mash
            .submit(
                &form,
                &action,
                &[
                    ("route", "mash_decision"),
                    ("reason", "Threshold decision: early help"),
                    ("without_consent", "yes"),
                    ("justification", "Risk"),
                ],
            )
            .await;
        assert_eq!(no_ground.status, 200);
        assert!(no_ground.shows("Select why the family is being referred without their consent"));
        assert!(
            no_ground.shows("The justification must be at least 30 characters"),
            "{}",
            no_ground.body
        );
        assert!(no_ground.shows("Threshold decision: early help"), "what was typed is kept");

        let made = mash
            .submit(
                &form,
                &action,
                &[
                    ("route", "mash_decision"),
                    ("reason", "Threshold decision: early help"),
                    ("without_consent", "yes"),
                    ("ground", "safeguarding"),
                    ("justification", justification),
                ],
            )
            .await;
        assert_eq!(made.status, 303, "{}", made.body);

        let audited = app
            .db()
            .count("SELECT COUNT(*) FROM audit_log WHERE action = 'referral.make_without_consent'")
            .await;
        assert_eq!(audited, 1, "the override is in the audit trail");
        let referral = mash.get(made.location.as_deref().unwrap()).await;
        assert!(referral.shows("Made without the family’s consent"));
        assert!(referral.shows(justification));
        let page = mash.get(&format!("/families/{family}")).await;
        assert!(page.shows("Referral made: MASH threshold decision, without the family’s consent"));
        assert!(page.shows("Shared without consent:"), "the sharing log has the override");

        let governance = app
            .sign_in_with_second_factor(&current_staff(&app, Role::InformationGovernance))
            .await;
        let review = governance.get("/break-glass").await;
        assert!(review.shows("Sharing without consent"));
        assert!(review.shows(justification), "information governance sees every override");
        assert!(review.shows(&family));
    }
);

engines!(
    an_override_is_refused_to_someone_who_may_not_authorise_one_and_where_consent_was_given,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let mash = app.signed_in_without_second_factor(&holding(&app, Role::MashPractitioner)).await;
        let family = record_family(&app, &mash, 0).await;
        let lead_email = holding(&app, Role::LeadProfessional);
        app.connect(&lead_email, family.parse().unwrap()).await;
        let lead = app.signed_in_without_second_factor(&lead_email).await;
        let fields = [
            ("route", "stuck"),
            ("reason", "The plan has stalled"),
            ("without_consent", "yes"),
            ("ground", "public_interest"),
            (
                "justification",
                "Serious crime is being committed in the household against the children",
            ),
        ];
        let form = format!("/families/{family}/referrals/new");
        let action = format!("/families/{family}/referrals");
        assert!(!lead.get(&form).await.shows("Refer without the family’s consent"), "not offered");
        let refused = lead.submit(&form, &action, &fields).await;
        assert_eq!(refused.status, 200);
        assert!(
            refused.shows(
                "Only a MASH practitioner, case supervisor or locality manager can authorise a referral without the family’s consent"
            ),
            "{}",
            refused.body
        );

        let consent = mash
            .submit(
                &format!("/families/{family}/consent/new"),
                &format!("/families/{family}/consent"),
                &[
                    ("given_by", "family"),
                    ("given_on", "20/11/2026"),
                    ("method", "verbal"),
                    ("scopes", "early_help_referral"),
                    ("review_due", "20/11/2027"),
                ],
            )
            .await;
        assert_eq!(consent.status, 303);
        let mut mash_fields = fields.to_vec();
        mash_fields[0] = ("route", "mash_decision");
        let not_needed = mash.submit(&form, &action, &mash_fields).await;
        assert_eq!(not_needed.status, 200);
        assert!(not_needed.shows("no override is needed"), "{}", not_needed.body);
    }
);

/// An API token for the holder of `email`.
async fn token_for(app: &TestApp, email: &str) -> String {
    let user = app.county.staff.iter().find(|s| s.email.as_str() == email).unwrap().id;
    let token = web::session::new_token();
    app.store
        .create_api_token_from_console(
            user,
            "case system",
            &web::session::token_digest(&token),
            app.store.now() + time::Duration::days(30),
        )
        .await
        .unwrap();
    token
}

engines!(
    the_api_records_a_family_and_its_people_with_the_checks_the_pages_make,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let email = holding(&app, Role::MashPractitioner);
        let token = token_for(&app, &email).await;
        let api = app.browser();

        let unknown = api
            .post_json_with_token(
                "/api/v1/families",
                &serde_json::json!({ "address_line": "1 Api Street", "postcode": postcode_in(&app, 0), "colour": "red" }),
                &token,
            )
            .await;
        assert_eq!(unknown.status, 400, "unknown fields are refused");
        assert!(unknown.body.contains("colour"), "{}", unknown.body);
        let outside = api
            .post_json_with_token(
                "/api/v1/families",
                &serde_json::json!({ "address_line": "1 Api Street", "postcode": "SW1A 1AA" }),
                &token,
            )
            .await;
        assert_eq!(outside.status, 400);
        assert_eq!(
            outside.headers.get("content-type").and_then(|v| v.to_str().ok()),
            Some("application/problem+json")
        );
        assert!(
            outside.body.contains("postcode: SW1A 1AA is not in one of the council"),
            "{}",
            outside.body
        );

        let made = api
            .post_json_with_token(
                "/api/v1/families",
                &serde_json::json!({ "address_line": "1 Api Street", "postcode": postcode_in(&app, 0) }),
                &token,
            )
            .await;
        assert_eq!(made.status, 201, "{}", made.body);
        let family = serde_json::from_str::<serde_json::Value>(&made.body).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();

        let person = |nhs: &str, confirmed: bool| {
            serde_json::json!({
                "given_name": "Robin", "family_name": "Example", "date_of_birth": "2016-04-03", "sex": "not_known",
                "household_role": "child", "nhs_number": nhs, "not_a_duplicate": confirmed
            })
        };
        let people = format!("/api/v1/families/{family}/people");
        let bad = api.post_json_with_token(&people, &person("943 476 5918", true), &token).await;
        assert_eq!(bad.status, 400);
        assert!(bad.body.contains("nhs_number: "), "{}", bad.body);
        let first = api.post_json_with_token(&people, &person("943 476 5919", false), &token).await;
        assert_eq!(first.status, 201, "{}", first.body);

        let again = api.post_json_with_token(&people, &person("943 476 5919", false), &token).await;
        assert_eq!(again.status, 409, "tell it once: {}", again.body);
        let problem: serde_json::Value = serde_json::from_str(&again.body).unwrap();
        assert_eq!(problem["possible_matches"][0]["name"], "Robin Example");
        let confirmed = api.post_json_with_token(&people, &person("", true), &token).await;
        assert_eq!(confirmed.status, 201, "{}", confirmed.body);

        let detail = api.get_with_token(&format!("/api/v1/families/{family}"), &token).await;
        assert_eq!(detail.status, 200);
        assert!(detail.body.contains("Robin"));
    }
);

engines!(the_api_refers_a_family_without_consent_only_on_an_override, |db| async move {
    let app = TestApp::spawn(db).await;
    let email = holding(&app, Role::MashPractitioner);
    let token = token_for(&app, &email).await;
    let api = app.browser();
    let made = api
        .post_json_with_token(
            "/api/v1/families",
            &serde_json::json!({ "address_line": "1 Api Street", "postcode": postcode_in(&app, 0) }),
            &token,
        )
        .await;
    let family = serde_json::from_str::<serde_json::Value>(&made.body).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let referrals = format!("/api/v1/families/{family}/referrals");
    let plain = serde_json::json!({ "route": "mash_decision", "reason": "Threshold decision: early help" });
    let refused = api.post_json_with_token(&referrals, &plain, &token).await;
    assert_eq!(refused.status, 400);
    assert!(
        refused.body.contains("has not agreed to an early help referral"),
        "{}",
        refused.body
    );

    let with_override = serde_json::json!({
        "route": "mash_decision", "reason": "Threshold decision: early help",
        "without_consent": { "ground": "public_interest", "justification": "Serious crime is being committed in the household against the children" }
    });
    let made = api.post_json_with_token(&referrals, &with_override, &token).await;
    assert_eq!(made.status, 201, "{}", made.body);
    let id = serde_json::from_str::<serde_json::Value>(&made.body).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let detail: serde_json::Value =
        serde_json::from_str(&api.get_with_token(&format!("/api/v1/referrals/{id}"), &token).await.body).unwrap();
    assert_eq!(detail["consent_override"]["ground"], "public_interest");
});
