//! Recording families and people by hand over HTTP: the postcode allocates the locality (and
//! one outside the council is refused), identifiers are checked with a message saying what is
//! wrong, and "tell it once" offers the people already held before a duplicate is made, never
//! revealing a person in a family the asker may not see. On both engines.

use domain::role::Role;
use earlyhelp_acceptance::{Browser, Page, TestApp, engines};

fn families(app: &TestApp) -> Vec<county::Family> {
    let (_, spec) = earlyhelp_acceptance::small_county();
    app.county.families(&spec).collect()
}

fn holding(app: &TestApp, role: Role) -> String {
    app.county
        .staff
        .iter()
        .find(|s| s.roles == vec![role] && app.county.isa_standing(s.organisation) == Some(domain::organisation::IsaStanding::Current))
        .map(|s| s.email.to_string())
        .unwrap()
}

/// Records a family at an address in the county's first postcode area; returns its id.
async fn record_family(app: &TestApp, b: &Browser) -> String {
    let area = &app.county.localities[0].postcode_areas[0];
    let postcode = format!("{} 9ZZ", area.split(' ').next().unwrap());
    let made = b
        .submit(
            "/families/new",
            "/families/new",
            &[("address_line", "12 Example Row"), ("postcode", &postcode.to_lowercase())],
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let location = made.location.unwrap();
    location.trim_start_matches("/families/").trim_end_matches("/people/new").to_owned()
}

/// The person ids in a family page's "Merge a duplicate" links, in the order shown.
fn merge_links(page: &Page) -> Vec<String> {
    page.body
        .match_indices("/merge\"")
        .filter_map(|(i, _)| page.body.get(i.checked_sub(36)?..i).map(str::to_owned))
        .collect()
}

async fn add_person(b: &Browser, family: &str, fields: &[(&str, &str)]) -> Page {
    b.submit(
        &format!("/families/{family}/people/new"),
        &format!("/families/{family}/people"),
        fields,
    )
    .await
}

engines!(
    a_mash_practitioner_records_a_family_in_the_locality_its_postcode_names,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let mash = app.signed_in_without_second_factor(&holding(&app, Role::MashPractitioner)).await;

        let outside = mash
            .submit(
                "/families/new",
                "/families/new",
                &[("address_line", "1 Far Away"), ("postcode", "SW1A 1AA")],
            )
            .await;
        assert_eq!(outside.status, 200);
        assert!(
            outside.shows("SW1A 1AA is not in one of the council’s localities"),
            "{}",
            outside.body
        );
        assert!(outside.shows("1 Far Away"), "what was typed is kept");

        let family = record_family(&app, &mash).await;
        let page = mash.get(&format!("/families/{family}")).await;
        assert_eq!(page.status, 200, "whoever recorded the family sees it");
        assert!(page.shows(&app.county.localities[0].name));
        assert!(page.shows("No one has been added to this family yet"));

        // Nobody else has any connection to it yet.
        let other = app.signed_in_without_second_factor(&holding(&app, Role::LeadProfessional)).await;
        assert_eq!(other.get(&format!("/families/{family}")).await.status, 403);
    }
);

engines!(
    an_invalid_nhs_number_is_refused_with_what_is_wrong_and_nothing_is_lost,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let mash = app.signed_in_without_second_factor(&holding(&app, Role::MashPractitioner)).await;
        let family = record_family(&app, &mash).await;

        let refused = add_person(
            &mash,
            &family,
            &[
                ("given_name", "Robin"),
                ("family_name", "Example"),
                ("date_of_birth", "3/4/2016"),
                ("sex", "not_known"),
                ("household_role", "child"),
                ("nhs_number", "943 476 5918"),
            ],
        )
        .await;
        assert_eq!(refused.status, 200);
        assert!(refused.shows("There is a problem"));
        assert!(refused.shows("NHS number"), "{}", refused.body);
        assert!(refused.shows("value=\"Robin\""), "what was typed is kept");
        assert!(refused.shows("value=\"943 476 5918\""));
    }
);

engines!(
    a_person_typed_with_a_typo_and_another_case_is_offered_before_a_duplicate_is_made,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let lead_email = holding(&app, Role::LeadProfessional);
        let family = families(&app).into_iter().find(|f| f.people.len() >= 2).unwrap();
        app.connect(&lead_email, family.id).await;
        let lead = app.signed_in_without_second_factor(&lead_email).await;
        let child = family.people.last().unwrap();
        // One letter changed in the first name, the surname in capitals.
        let mut typo: Vec<char> = child.given_name.chars().collect();
        let last = typo.len() - 1;
        typo[last] = if typo[last] == 'x' { 'y' } else { 'x' };
        let typo: String = typo.into_iter().collect();
        let born = format!(
            "{}/{}/{}",
            child.date_of_birth.day(),
            u8::from(child.date_of_birth.month()),
            child.date_of_birth.year()
        );
        let fields = [
            ("given_name", typo.as_str()),
            ("family_name", &child.family_name.to_uppercase()),
            ("date_of_birth", born.as_str()),
            ("sex", "not_known"),
            ("household_role", "child"),
        ];
        let id = family.id.to_string();

        let offered = add_person(&lead, &id, &fields).await;
        assert_eq!(offered.status, 200);
        assert!(offered.shows("People who may be the same person"));
        assert!(
            offered.shows(&format!("{} {}", child.given_name, child.family_name)),
            "{}",
            offered.body
        );
        assert!(offered.shows("Likely"));
        let before = lead.get(&format!("/families/{id}")).await.body.matches("govuk-table__row").count();

        // Confirming none is the same person adds the record.
        let mut confirmed = fields.to_vec();
        confirmed.push(("not_a_duplicate", "yes"));
        let added = add_person(&lead, &id, &confirmed).await;
        assert_eq!(added.status, 303);
        let after = lead.get(&format!("/families/{id}")).await;
        assert!(after.body.matches("govuk-table__row").count() > before);
    }
);

engines!(
    nobody_learns_of_a_person_in_a_family_they_cannot_see_but_mash_is_told_the_district,
    |db| async move {
        let app = TestApp::spawn(db).await;
        // A family nobody here is connected to, whose consent excludes no one.
        let hidden = families(&app)
            .into_iter()
            .find(|f| {
                f.involvement.consent.as_ref().is_some_and(|c| c.excluded.is_empty())
                    && f.people.len() >= 2
                    && f.involvement.referrals.is_empty()
            })
            .unwrap();
        let child = hidden.people.last().unwrap();
        let born = format!(
            "{}/{}/{}",
            child.date_of_birth.day(),
            u8::from(child.date_of_birth.month()),
            child.date_of_birth.year()
        );
        let fields = [
            ("given_name", child.given_name.as_str()),
            ("family_name", child.family_name.as_str()),
            ("date_of_birth", born.as_str()),
            ("sex", "not_known"),
            ("household_role", "child"),
        ];
        let db = app.db();
        db.execute(&format!(
            "DELETE FROM family_workers WHERE family_id = {}",
            db.uuid_literal(hidden.id.0)
        ))
        .await;
        db.execute(&format!(
            "DELETE FROM family_panels WHERE family_id = {}",
            db.uuid_literal(hidden.id.0)
        ))
        .await;

        // A lead professional records a family too (they meet families first).
        let lead = app.signed_in_without_second_factor(&holding(&app, Role::LeadProfessional)).await;
        let theirs = record_family(&app, &lead).await;
        let page = add_person(&lead, &theirs, &fields).await;
        assert_eq!(page.status, 303, "no suggestion from a family they cannot see: {}", page.body);

        let mash = app.signed_in_without_second_factor(&holding(&app, Role::MashPractitioner)).await;
        let mine = record_family(&app, &mash).await;
        let page = add_person(&mash, &mine, &fields).await;
        assert_eq!(page.status, 200);
        assert!(page.shows(&format!("{} {}", child.given_name, child.family_name)));
        assert!(page.shows("another family: ask MASH before adding"));
        assert!(!page.shows(&hidden.address_line), "MASH sees the district, not the address");
        assert!(page.shows(hidden.postcode.district()));
    }
);

engines!(
    a_duplicate_record_is_merged_into_the_original_with_its_identifiers_and_history_kept,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let mash = app.signed_in_without_second_factor(&holding(&app, Role::MashPractitioner)).await;
        let family = record_family(&app, &mash).await;
        let person = |given: &'static str, nhs: &'static str| {
            vec![
                ("given_name", given),
                ("family_name", "Example"),
                ("date_of_birth", "3/4/2016"),
                ("sex", "not_known"),
                ("household_role", "child"),
                ("nhs_number", nhs),
                ("not_a_duplicate", "yes"),
            ]
        };
        assert_eq!(add_person(&mash, &family, &person("Robin", "")).await.status, 303);
        // The same child typed again with a nickname, now with an NHS number.
        assert_eq!(add_person(&mash, &family, &person("Rob", "943 476 5919")).await.status, 303);
        let page = mash.get(&format!("/families/{family}")).await;
        assert!(page.shows("Robin Example") && page.shows("Rob Example"));
        let ids = merge_links(&page);
        assert_eq!(ids.len(), 2, "a merge link per person");

        // Robin's record offers Rob's as the duplicate, and takes it.
        let form = mash.get(&format!("/families/{family}/people/{}/merge", ids[0])).await;
        assert_eq!(form.status, 200);
        let keep = if form.shows("into Robin Example") { &ids[0] } else { &ids[1] };
        let duplicate = if keep == &ids[0] { &ids[1] } else { &ids[0] };
        let merged = mash
            .submit(
                &format!("/families/{family}/people/{keep}/merge"),
                &format!("/families/{family}/people/{keep}/merge"),
                &[("duplicate", &format!("{family}/{duplicate}"))],
            )
            .await;
        assert_eq!(merged.status, 303, "{}", merged.body);
        let page = mash.get(&format!("/families/{family}")).await;
        assert!(page.shows("Robin Example"));
        assert!(
            !page.body.contains(&format!("/people/{duplicate}\"")),
            "the duplicate is no longer listed among the people"
        );
        assert!(
            page.shows("Duplicate record of Rob Example merged into Robin Example"),
            "the merge is kept in the family's timeline"
        );
        let again = mash
            .submit(
                &format!("/families/{family}/people/{keep}/merge"),
                &format!("/families/{family}/people/{keep}/merge"),
                &[("duplicate", &format!("{family}/{duplicate}"))],
            )
            .await;
        assert_eq!(again.status, 200);
        assert!(again.shows("already been merged"), "{}", again.body);
    }
);

engines!(records_with_different_nhs_numbers_are_not_merged, |db| async move {
    let app = TestApp::spawn(db).await;
    let mash = app.signed_in_without_second_factor(&holding(&app, Role::MashPractitioner)).await;
    let family = record_family(&app, &mash).await;
    for (given, nhs) in [("Robin", "943 476 5919"), ("Robyn", "401 023 2137")] {
        let fields = [
            ("given_name", given),
            ("family_name", "Example"),
            ("date_of_birth", "3/4/2016"),
            ("sex", "not_known"),
            ("household_role", "child"),
            ("nhs_number", nhs),
            ("not_a_duplicate", "yes"),
        ];
        let added = add_person(&mash, &family, &fields).await;
        assert_eq!(added.status, 303, "{}", added.body);
    }
    let page = mash.get(&format!("/families/{family}")).await;
    let ids = merge_links(&page);
    let refused = mash
        .submit(
            &format!("/families/{family}/people/{}/merge", ids[0]),
            &format!("/families/{family}/people/{}/merge", ids[0]),
            &[("duplicate", &format!("{family}/{}", ids[1]))],
        )
        .await;
    assert_eq!(refused.status, 200);
    assert!(refused.shows("different NHS numbers"), "{}", refused.body);
});
