//! Families over HTTP: the list, search and family page show a family only to those connected
//! to it, and a refusal never says whether the family exists. On both engines.

use domain::organisation::IsaStanding;
use domain::role::Role;
use earlyhelp_acceptance::{TestApp, engines};

/// The constabulary and one of its officers who works with families, signed in without a
/// second factor (the constabulary asks for one; these tests are not about that).
async fn police_officer(app: &TestApp) -> (domain::OrganisationId, String) {
    let (police, officer) = app.police_officer();
    let db = app.db();
    db.execute(&format!(
        "UPDATE organisations SET mfa_required = FALSE WHERE id = {}",
        db.uuid_literal(police.0)
    ))
    .await;
    (police, officer)
}

fn families(app: &TestApp) -> Vec<county::Family> {
    let (_, spec) = earlyhelp_acceptance::small_county();
    app.county.families(&spec).collect()
}

engines!(a_lead_professional_finds_their_family_by_name_and_opens_its_page, |db| async move {
    let app = TestApp::spawn(db).await;
    let email = app.staff_without_mfa(Role::LeadProfessional);
    let family = families(&app)
        .into_iter()
        .find(|f| f.involvement.consent.as_ref().is_some_and(|c| c.withdrawn_on.is_none()))
        .unwrap();
    app.connect(&email, family.id).await;
    let b = app.browser();
    b.sign_in(&email, county::DEMO_PASSWORD).await;

    let list = b.get("/families").await;
    assert_eq!(list.status, 200);
    assert!(list.shows(&family.address_line));
    let child = family.people.last().unwrap();
    let found = b
        .submit(
            "/families",
            "/families",
            &[("name", &child.given_name.to_uppercase()), ("postcode", "")],
        )
        .await;
    assert!(found.shows(&family.address_line), "{}", found.body);

    let page = b.get(&format!("/families/{}", family.id)).await;
    assert_eq!(page.status, 200);
    assert!(page.shows(&child.given_name));
    assert!(page.shows("Sharing log"));
    assert_eq!(page.headers.get("cache-control").unwrap(), "no-store");
});

engines!(
    a_family_excluding_police_is_refused_to_police_exactly_as_a_made_up_id_is,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let (police, officer) = police_officer(&app).await;
        let family = families(&app).into_iter().next().unwrap();
        app.connect(&officer, family.id).await;
        // The family's consent now excludes the police.
        let db = app.db();
        db.execute(&format!(
            "INSERT INTO family_exclusions (family_id, organisation_id) VALUES ({}, {})",
            db.uuid_literal(family.id.0),
            db.uuid_literal(police.0)
        ))
        .await;
        let b = app.browser();
        let signed_in = b.sign_in(&officer, county::DEMO_PASSWORD).await;
        assert!(signed_in.status < 400, "signed in");

        let refused = b.get(&format!("/families/{}", family.id)).await;
        let made_up = b.get(&format!("/families/{}", domain::FamilyId::new())).await;
        let malformed = b.get("/families/not-an-id").await;
        assert_eq!(refused.status, 403);
        assert_eq!(made_up.status, 403);
        assert_eq!(malformed.status, 403);
        assert!(!refused.shows(&family.address_line));
        assert_eq!(refused.body, made_up.body, "the refusal does not tell the two apart");
        assert_eq!(refused.body, malformed.body);
        assert!(refused.shows("Either there is no record with this reference"));

        let list = b.get("/families").await;
        assert!(!list.shows(&family.address_line));
        let search = b
            .submit(
                "/families",
                "/families",
                &[("name", &family.people[0].family_name), ("postcode", "")],
            )
            .await;
        assert!(!search.shows(&family.address_line));
    }
);

engines!(staff_of_a_lapsed_signatory_are_told_why_they_see_no_families, |db| async move {
    let app = TestApp::spawn(db).await;
    let b = app.browser();
    let lapsed = app
        .county
        .staff
        .iter()
        .find(|s| {
            app.county.isa_standing(s.organisation) == Some(domain::organisation::IsaStanding::Lapsed)
                && s.roles.contains(&Role::AgencyRepresentative)
                && !s.roles.iter().any(|r| r.always_requires_mfa())
                && !app.county.organisations.iter().any(|o| o.id == s.organisation && o.mfa_required)
        })
        .map(|s| s.email.to_string())
        .expect("the county has a lapsed signatory with an agency representative");
    b.sign_in(&lapsed, county::DEMO_PASSWORD).await;
    let list = b.get("/families").await;
    assert_eq!(list.status, 403);
    assert!(list.shows("Information Sharing Agreement"));
});

engines!(
    a_lead_professional_records_sharing_and_it_appears_in_the_sharing_log,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let email = app.staff_without_mfa(Role::LeadProfessional);
        let family = families(&app).into_iter().next().unwrap();
        app.connect(&email, family.id).await;
        let b = app.browser();
        b.sign_in(&email, county::DEMO_PASSWORD).await;
        let form = format!("/families/{}/sharing/new", family.id);
        let action = format!("/families/{}/sharing", family.id);
        let fields = |purpose: &'static str| {
            vec![
                ("decision", "shared"),
                ("data_categories", "Case summary"),
                ("recipient", "Designated safeguarding lead, Northmere Academy"),
                ("purpose", purpose),
                ("lawful_basis", "Consent"),
                ("method", "secure_email"),
                ("decided_on", "24/11/2026"),
            ]
        };

        // A missing purpose is refused, and what was typed is kept.
        let refused = b.submit(&form, &action, &fields("")).await;
        assert_eq!(refused.status, 200);
        assert!(refused.shows("There is a problem"));
        assert!(refused.shows("Enter why it was shared"));
        assert!(refused.shows("Designated safeguarding lead, Northmere Academy"));

        let done = b.submit(&form, &action, &fields("Planning support in school")).await;
        assert_eq!(done.status, 303, "{}", done.body);
        let page = b.get(&format!("/families/{}", family.id)).await;
        assert!(page.shows("Planning support in school"));
        assert!(page.shows("Designated safeguarding lead, Northmere Academy"));
    }
);

engines!(
    sharing_without_consent_needs_an_authorising_role_and_a_real_justification,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let family = families(&app).into_iter().next().unwrap();
        let lead = app.staff_without_mfa(Role::LeadProfessional);
        app.connect(&lead, family.id).await;
        let b = app.browser();
        b.sign_in(&lead, county::DEMO_PASSWORD).await;
        let form = format!("/families/{}/sharing/new", family.id);
        let action = format!("/families/{}/sharing", family.id);
        let mut fields = vec![
            ("decision", "shared"),
            ("data_categories", "Chronology"),
            ("recipient", "Police public protection unit"),
            ("purpose", "Risk to a child"),
            ("lawful_basis", "Vital interests (UK GDPR 6(1)(d))"),
            ("method", "phone"),
            ("decided_on", "24/11/2026"),
            ("without_consent", "yes"),
            ("ground", "safeguarding"),
            (
                "justification",
                "Immediate risk of significant harm to the youngest child, parents unreachable",
            ),
        ];
        let lead_holds_an_authorising_role = app.county.staff.iter().find(|s| s.email.as_str() == lead).is_some_and(|s| {
            s.roles
                .iter()
                .any(|r| matches!(r, Role::MashPractitioner | Role::CaseSupervisor | Role::LocalityManager))
        });
        if !lead_holds_an_authorising_role {
            let refused = b.submit(&form, &action, &fields).await;
            assert!(refused.shows("Only a MASH practitioner, case supervisor or locality manager can authorise"));
        }

        let supervisor = app.staff_without_mfa(Role::CaseSupervisor);
        app.connect(&supervisor, family.id).await;
        let b = app.browser();
        b.sign_in(&supervisor, county::DEMO_PASSWORD).await;
        fields.retain(|(k, _)| *k != "justification");
        fields.push(("justification", "Risk"));
        let short = b.submit(&form, &action, &fields).await;
        assert!(short.shows("There is a problem"), "{}", short.body);
        fields.retain(|(k, _)| *k != "justification");
        fields.push((
            "justification",
            "Immediate risk of significant harm to the youngest child, parents unreachable",
        ));
        let done = b.submit(&form, &action, &fields).await;
        assert_eq!(done.status, 303, "{}", done.body);
        let page = b.get(&format!("/families/{}", family.id)).await;
        assert!(page.shows("Shared without consent:"));
        assert!(page.shows("parents unreachable"));
    }
);

engines!(
    consent_recorded_excluding_the_police_hides_the_family_from_a_police_officer_at_once,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let (police, officer) = police_officer(&app).await;
        let lead = app.staff_without_mfa(Role::LeadProfessional);
        let family = families(&app)
            .into_iter()
            .find(|f| {
                f.involvement
                    .consent
                    .as_ref()
                    .is_some_and(|c| c.withdrawn_on.is_none() && !c.excluded.contains(&police))
            })
            .unwrap();
        app.connect(&officer, family.id).await;
        app.connect(&lead, family.id).await;
        let police_browser = app.browser();
        police_browser.sign_in(&officer, county::DEMO_PASSWORD).await;
        assert_eq!(
            police_browser.get(&format!("/families/{}", family.id)).await.status,
            200,
            "the officer works with the family"
        );

        let b = app.browser();
        b.sign_in(&lead, county::DEMO_PASSWORD).await;
        let form = format!("/families/{}/consent/new", family.id);
        let action = format!("/families/{}/consent", family.id);
        let adult = family
            .people
            .iter()
            .find(|p| p.household_role != domain::family::HouseholdRole::Child)
            .unwrap();
        let police_id = police.to_string();
        let adult_id = adult.id.to_string();
        // A review date before the date given is refused beside the field, keeping the choices.
        let refused = b
            .submit(
                &form,
                &action,
                &[
                    ("given_by", adult_id.as_str()),
                    ("given_on", "20/11/2026"),
                    ("method", "written"),
                    ("scopes", "early_help_referral"),
                    ("scopes", "panel_discussion"),
                    ("excluded", police_id.as_str()),
                    ("review_due", "01/11/2026"),
                ],
            )
            .await;
        assert!(refused.shows("There is a problem"), "{}", refused.body);
        assert!(
            refused.body.contains(&format!("value=\"{police_id}\" checked")),
            "the exclusion is kept"
        );
        let done = b
            .submit(
                &form,
                &action,
                &[
                    ("given_by", adult_id.as_str()),
                    ("given_on", "20/11/2026"),
                    ("method", "written"),
                    ("scopes", "early_help_referral"),
                    ("scopes", "panel_discussion"),
                    ("excluded", police_id.as_str()),
                    ("review_due", "20/11/2027"),
                ],
            )
            .await;
        assert_eq!(done.status, 303, "{}", done.body);

        let page = police_browser.get(&format!("/families/{}", family.id)).await;
        assert_eq!(page.status, 403);
        assert!(!police_browser.get("/families").await.shows(&family.address_line));
        assert!(
            b.get(&format!("/families/{}", family.id)).await.shows("Northmere Constabulary"),
            "the lead sees the exclusion"
        );
    }
);

engines!(
    withdrawing_consent_stops_sharing_with_other_organisations_at_once,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let lead = app.staff_without_mfa(Role::LeadProfessional);
        let lead_org = app.county.staff.iter().find(|s| s.email.as_str() == lead).unwrap().organisation;
        let other = app
            .county
            .staff
            .iter()
            .find(|s| {
                s.organisation != lead_org
                    && s.roles.contains(&Role::AgencyRepresentative)
                    && app.county.isa_standing(s.organisation) == Some(IsaStanding::Current)
                    && !app.county.organisations.iter().any(|o| o.id == s.organisation && o.mfa_required)
                    && !s.roles.iter().any(|r| r.always_requires_mfa())
            })
            .unwrap()
            .email
            .to_string();
        let family = families(&app)
            .into_iter()
            .find(|f| f.involvement.consent.as_ref().is_some_and(|c| c.withdrawn_on.is_none()))
            .unwrap();
        app.connect(&lead, family.id).await;
        app.connect(&other, family.id).await;
        let agency = app.browser();
        agency.sign_in(&other, county::DEMO_PASSWORD).await;
        assert_eq!(agency.get(&format!("/families/{}", family.id)).await.status, 200);

        let b = app.browser();
        b.sign_in(&lead, county::DEMO_PASSWORD).await;
        let page = b.get(&format!("/families/{}", family.id)).await;
        // The consent id sits between "/consent/" and "/withdraw" in the withdraw link.
        let i = page.body.find("/withdraw").unwrap();
        let start = page.body[..i].rfind('/').unwrap() + 1;
        let consent = page.body[start..i].to_owned();
        let form = format!("/families/{}/consent/{consent}/withdraw", family.id);
        let blank = b.submit(&form, &form, &[("withdrawn_on", "25/11/2026"), ("reason", "")]).await;
        assert!(blank.shows("There is a problem"), "a reason is needed: {}", blank.body);
        let done = b
            .submit(
                &form,
                &form,
                &[("withdrawn_on", "25/11/2026"), ("reason", "The family no longer wants support")],
            )
            .await;
        assert_eq!(done.status, 303, "{}", done.body);

        assert_eq!(
            agency.get(&format!("/families/{}", family.id)).await.status,
            403,
            "other organisations stop seeing the family"
        );
        let kept = b.get(&format!("/families/{}", family.id)).await;
        assert_eq!(kept.status, 200, "the recording organisation keeps its record");
        assert!(kept.shows("Withdrawn 25 November 2026"));
    }
);
