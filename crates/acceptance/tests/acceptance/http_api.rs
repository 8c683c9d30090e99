//! The JSON API and operational endpoints, over HTTP on both engines.

use domain::role::Role;
use earlyhelp_acceptance::{TestApp, engines};

async fn token_for(app: &TestApp, role: Role) -> String {
    let email = domain::email::EmailAddress::parse(&app.staff_without_mfa(role)).unwrap();
    let user = app.store.user_id_by_email(&email).await.unwrap().unwrap();
    let token = web::session::new_token();
    app.store
        .create_api_token_from_console(user, "case system", &web::session::token_digest(&token))
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
