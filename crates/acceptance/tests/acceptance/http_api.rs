//! The JSON API and operational endpoints, over HTTP on both engines.

use domain::role::Role;
use earlyhelp_acceptance::{TestApp, engines};

async fn token_for(app: &TestApp, role: Role) -> String {
    let email = domain::email::EmailAddress::parse(&app.staff_without_mfa(role)).unwrap();
    let user = app.store.user_id_by_email(&email).await.unwrap().unwrap();
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

engines!(an_agency_system_with_a_token_sees_who_it_acts_for, |db| async move {
    let app = TestApp::spawn(db).await;
    let token = token_for(&app, Role::AgencyRepresentative).await;
    let r = app.browser().get_with_token("/api/v1/me", &token).await;
    assert_eq!(r.status, 200);
    let me: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(me["isa_standing"], "current");
    assert!(me["roles"].as_array().unwrap().iter().any(|r| r == "agency_representative"));
    assert_eq!(r.headers.get("cache-control").unwrap(), "no-store");
});

engines!(a_missing_or_unknown_token_gets_a_problem_document, |db| async move {
    let app = TestApp::spawn(db).await;
    let b = app.browser();
    for r in [b.get("/api/v1/me").await, b.get_with_token("/api/v1/me", "not-a-token").await] {
        assert_eq!(r.status, 401);
        assert_eq!(r.headers.get("content-type").unwrap(), "application/problem+json");
        let p: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(p["status"], 401);
    }
});

engines!(the_register_and_panels_are_listed_for_agency_systems, |db| async move {
    let app = TestApp::spawn(db).await;
    let token = token_for(&app, Role::AgencyRepresentative).await;
    let b = app.browser();
    let orgs: serde_json::Value = serde_json::from_str(&b.get_with_token("/api/v1/organisations", &token).await.body).unwrap();
    assert_eq!(orgs.as_array().unwrap().len(), app.county.organisations.len());
    assert_eq!(orgs.as_array().unwrap().iter().filter(|o| o["isa_standing"] == "lapsed").count(), 1);
    let panels: serde_json::Value = serde_json::from_str(&b.get_with_token("/api/v1/panels", &token).await.body).unwrap();
    assert_eq!(panels.as_array().unwrap().len(), app.county.panels.len());
});

engines!(the_openapi_document_describes_every_operation, |db| async move {
    let app = TestApp::spawn(db).await;
    let b = app.browser();
    let doc: serde_json::Value = serde_json::from_str(&b.get("/api/openapi.json").await.body).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in ["/api/v1/me", "/api/v1/organisations", "/api/v1/panels"] {
        assert!(doc["paths"][path]["get"].is_object(), "{path}");
    }
    let reference = b.get("/api").await;
    assert!(reference.shows("/api/v1/organisations"));
});

engines!(health_and_readiness_answer, |db| async move {
    let app = TestApp::spawn(db).await;
    let b = app.browser();
    assert_eq!(b.get("/healthz").await.status, 200);
    let ready = b.get("/readyz").await;
    assert_eq!((ready.status, ready.body.as_str()), (200, "ready"));
    assert_eq!(b.get("/no-such-page").await.status, 404);
    let css = b.get("/assets/app.css").await;
    assert_eq!(css.status, 200);
    assert!(!css.body.contains("GDS Transport"), "the GOV.UK-only font is not used");
});

engines!(
    an_agency_system_reads_a_family_it_works_with_and_the_read_is_in_the_sharing_log,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let token = token_for(&app, Role::AgencyRepresentative).await;
        let (_, spec) = earlyhelp_acceptance::small_county();
        let family = app.county.families(&spec).next().unwrap();
        app.connect(&app.staff_without_mfa(Role::AgencyRepresentative), family.id).await;
        let b = app.browser();

        let list = b.get_with_token("/api/v1/families", &token).await;
        assert_eq!(list.status, 200);
        let list: serde_json::Value = serde_json::from_str(&list.body).unwrap();
        assert!(
            list["families"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["id"] == family.id.to_string())
        );

        let one = b.get_with_token(&format!("/api/v1/families/{}", family.id), &token).await;
        assert_eq!(one.status, 200, "{}", one.body);
        assert_eq!(one.headers.get("cache-control").unwrap(), "no-store");
        let one: serde_json::Value = serde_json::from_str(&one.body).unwrap();
        assert_eq!(one["people"].as_array().unwrap().len(), family.people.len());

        // The read is sharing with the agency, so it is in the family's sharing log.
        let lead = app.staff_without_mfa(Role::LeadProfessional);
        app.connect(&lead, family.id).await;
        let page = app.browser();
        page.sign_in(&lead, county::DEMO_PASSWORD).await;
        let shown = page.get(&format!("/families/{}", family.id)).await;
        assert!(
            shown.shows("Read by the agency&#39;s case system through the API")
                || shown.shows("Read by the agency's case system through the API"),
            "{}",
            shown.body
        );
    }
);

engines!(
    an_agency_system_gets_the_same_refusal_for_a_family_it_may_not_see_and_a_made_up_id,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let token = token_for(&app, Role::AgencyRepresentative).await;
        let (_, spec) = earlyhelp_acceptance::small_county();
        let rep = app
            .county
            .staff
            .iter()
            .find(|s| s.email.as_str() == app.staff_without_mfa(Role::AgencyRepresentative))
            .unwrap();
        let who = policy::Principal {
            user: rep.id,
            organisation: rep.organisation,
            roles: rep.roles.clone(),
            isa: domain::organisation::IsaStanding::Current,
            mfa_passed: false,
        };
        let mut family = None;
        for f in app.county.families(&spec) {
            let facts = app.store.family_facts(&who, f.id).await.unwrap().unwrap();
            if facts.relationship == policy::Relationship::default() {
                family = Some(f);
                break;
            }
        }
        let family = family.expect("a family the representative has no connection to");
        let b = app.browser();
        let unconnected = b.get_with_token(&format!("/api/v1/families/{}", family.id), &token).await;
        let made_up = b
            .get_with_token(&format!("/api/v1/families/{}", domain::FamilyId::new()), &token)
            .await;
        assert_eq!(unconnected.status, 403);
        assert_eq!(made_up.status, 403);
        let problem = |body: &str| {
            let mut v: serde_json::Value = serde_json::from_str(body).unwrap();
            v.as_object_mut().unwrap().remove("instance");
            v
        };
        assert_eq!(problem(&unconnected.body), problem(&made_up.body));
    }
);

engines!(
    a_family_search_by_name_goes_in_the_body_and_extra_fields_are_refused,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let token = token_for(&app, Role::AgencyRepresentative).await;
        let (_, spec) = earlyhelp_acceptance::small_county();
        let family = app.county.families(&spec).next().unwrap();
        app.connect(&app.staff_without_mfa(Role::AgencyRepresentative), family.id).await;
        let client = reqwest::Client::new();
        let search = |body: serde_json::Value| {
            client
                .post(format!("{}/api/v1/families/search", app.base))
                .bearer_auth(&token)
                .json(&body)
                .send()
        };
        let found = search(serde_json::json!({ "name": family.people[0].family_name.to_lowercase() }))
            .await
            .unwrap();
        assert_eq!(found.status(), 200);
        let found: serde_json::Value = found.json().await.unwrap();
        assert!(
            found["families"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["id"] == family.id.to_string())
        );
        let extra = search(serde_json::json!({ "name": "x", "organisation_id": "anything" }))
            .await
            .unwrap();
        assert_eq!(extra.status(), 400);
    }
);

engines!(an_administrator_issues_a_token_that_works_until_it_is_revoked, |db| async move {
    let app = TestApp::spawn(db).await;
    let admin = app.sign_in_with_second_factor(&app.staff_with_role(Role::Administrator)).await;
    let rep = app
        .county
        .staff
        .iter()
        .find(|s| s.email.as_str() == app.staff_without_mfa(Role::AgencyRepresentative))
        .unwrap();
    let person = format!("/people/{}", rep.id);
    let tokens = format!("/people/{}/tokens", rep.id);

    let refused = admin.submit(&person, &tokens, &[("name", ""), ("expires_in_days", "1000")]).await;
    assert!(refused.shows("Enter the name of the agency system"));
    assert!(refused.shows("from 1 to 730"));
    let issued = admin
        .submit(&person, &tokens, &[("name", "Case system"), ("expires_in_days", "30")])
        .await;
    assert_eq!(issued.status, 200);
    let marker = "<code class=\"app-secret\">";
    let i = issued.body.find(marker).unwrap() + marker.len();
    let token = issued.body[i..i + issued.body[i..].find('<').unwrap()].to_owned();

    let b = app.browser();
    assert_eq!(b.get_with_token("/api/v1/me", &token).await.status, 200);
    let page = admin.get(&person).await;
    assert!(page.shows("Case system"));
    assert!(page.shows("Active"));
    let revoke = {
        let marker = "/tokens/";
        let i = page.body.find(marker).unwrap() + marker.len();
        page.body[i..i + page.body[i..].find('/').unwrap()].to_owned()
    };
    let revoked = admin
        .submit(&person, &format!("/people/{}/tokens/{revoke}/revoke", rep.id), &[])
        .await;
    assert_eq!(revoked.status, 303);
    assert_eq!(b.get_with_token("/api/v1/me", &token).await.status, 401);
    assert!(admin.get(&person).await.shows("Revoked"));
});

engines!(an_expired_token_stops_working, |db| async move {
    let app = TestApp::spawn(db).await;
    let token = token_for(&app, Role::AgencyRepresentative).await;
    let b = app.browser();
    assert_eq!(b.get_with_token("/api/v1/me", &token).await.status, 200);
    app.clock.advance(time::Duration::days(31));
    assert_eq!(b.get_with_token("/api/v1/me", &token).await.status, 401);
});
