//! The security suite's view of the whole router (issue 9, OWASP ASVS 5.0 level 2).
//!
//! [`ROUTES`] is one table of every route the app serves, pages and API, with its method,
//! whether it changes state and who may use it; a test fails when the router gains a route the
//! table lacks. The other tests walk the table on both engines: security headers on every
//! route, cross-site request forgery refused on every form, nothing changed by any GET, ids
//! of records the caller may not see refused on every route that takes one, and no name from
//! the synthetic county in any log line. Each prints its figure (`cargo nextest run
//! --no-capture` shows it) for `docs/security.md`.

use domain::organisation::IsaStanding;
use domain::role::Role;
use earlyhelp_acceptance::{Browser, Page, TestApp, TestDb, engines};

/// How a route is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Post,
}

/// Who the suite calls a route as, to reach the real page rather than a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum As {
    /// Nobody signed in.
    Visitor,
    /// A lead professional working with one family (no second factor needed).
    Staff,
    /// An administrator who passed a second factor.
    Admin,
    /// An information governance officer who passed a second factor.
    Governance,
    /// An agency system with a bearer token.
    Agency,
    /// A panel chair (no second factor needed): the families-discussed report.
    Chair,
}

/// One route of the router.
#[derive(Debug)]
struct Route {
    method: Method,
    path: &'static str,
    /// Whether a successful request changes what is stored (beyond the audit trail and the
    /// sharing log, which record reads by design).
    changes_state: bool,
    who: As,
}

const fn get(path: &'static str, who: As) -> Route {
    Route {
        method: Method::Get,
        path,
        changes_state: false,
        who,
    }
}

const fn post(path: &'static str, changes_state: bool, who: As) -> Route {
    Route {
        method: Method::Post,
        path,
        changes_state,
        who,
    }
}

/// Every route in `web::router`, pages then API then operational. Keep in the router's order.
const ROUTES: &[Route] = &[
    get("/", As::Staff),
    get("/sign-in", As::Visitor),
    post("/sign-in", true, As::Visitor),
    get("/sign-in/second-factor", As::Admin),
    post("/sign-in/second-factor", true, As::Admin),
    post("/sign-out", true, As::Staff),
    get("/signed-out", As::Visitor),
    get("/sign-in/forgotten-password", As::Visitor),
    post("/sign-in/forgotten-password", true, As::Visitor),
    get("/sign-in/password-changed", As::Visitor),
    get("/password-reset", As::Visitor),
    post("/password-reset", true, As::Visitor),
    get("/invitation", As::Visitor),
    post("/invitation", true, As::Visitor),
    get("/account", As::Staff),
    get("/account/password", As::Staff),
    post("/account/password", true, As::Staff),
    post("/account/sign-out-everywhere", true, As::Staff),
    get("/account/second-factor", As::Staff),
    post("/account/second-factor", true, As::Staff),
    get("/organisations", As::Staff),
    get("/organisations/apply", As::Staff),
    post("/organisations/apply", true, As::Staff),
    get("/organisations/{id}", As::Staff),
    post("/organisations/{id}/isa", true, As::Governance),
    post("/organisations/{id}/second-factor", true, As::Admin),
    get("/people", As::Staff),
    get("/people/new", As::Admin),
    post("/people/new", true, As::Admin),
    get("/people/{id}", As::Staff),
    post("/people/{id}/roles", true, As::Admin),
    post("/people/{id}/active", true, As::Admin),
    post("/people/{id}/reset-second-factor", true, As::Admin),
    post("/people/{id}/invitation", true, As::Admin),
    post("/people/{id}/tokens", true, As::Admin),
    post("/people/{id}/tokens/{token}/revoke", true, As::Admin),
    get("/panels", As::Staff),
    get("/panels/new", As::Admin),
    post("/panels/new", true, As::Admin),
    get("/panels/{id}/edit", As::Admin),
    post("/panels/{id}/edit", true, As::Admin),
    get("/families", As::Staff),
    // A search by name goes in the body, never the URL; it reads, so it changes nothing.
    post("/families", false, As::Staff),
    get("/families/new", As::Staff),
    post("/families/new", true, As::Staff),
    get("/families/{id}", As::Staff),
    get("/families/{id}/people/new", As::Staff),
    post("/families/{id}/people", true, As::Staff),
    get("/families/{id}/people/{person}", As::Staff),
    post("/families/{id}/people/{person}/disability", true, As::Staff),
    get("/families/{id}/move", As::Staff),
    post("/families/{id}/move", true, As::Staff),
    get("/families/{id}/plan", As::Staff),
    post("/families/{id}/plan/needs", true, As::Staff),
    get("/families/{id}/plan/reviews/new", As::Staff),
    post("/families/{id}/plan/reviews", true, As::Staff),
    post("/families/{id}/plan/interval", true, As::Staff),
    post("/families/{id}/contacts", true, As::Staff),
    get("/families/{id}/plan/close", As::Staff),
    post("/families/{id}/plan/close", true, As::Staff),
    get("/families/{id}/plan/sustained", As::Staff),
    post("/families/{id}/plan/sustained", true, As::Staff),
    get("/families/{id}/plan.pdf", As::Staff),
    get("/dashboards", As::Staff),
    get("/dashboards.csv", As::Staff),
    get("/dashboards.xlsx", As::Staff),
    post("/families/{id}/plan/actions", true, As::Staff),
    get("/families/{id}/plan/panel", As::Staff),
    post("/families/{id}/plan/panel", true, As::Staff),
    get("/families/{id}/people/{person}/merge", As::Staff),
    post("/families/{id}/people/{person}/merge", true, As::Staff),
    get("/families/{id}/sharing/new", As::Staff),
    post("/families/{id}/sharing", true, As::Staff),
    get("/families/{id}/consent/new", As::Staff),
    post("/families/{id}/consent", true, As::Staff),
    get("/families/{id}/consent/{consent}/withdraw", As::Staff),
    post("/families/{id}/consent/{consent}/withdraw", true, As::Staff),
    get("/families/{id}/referrals/new", As::Staff),
    post("/families/{id}/referrals", true, As::Staff),
    get("/referrals", As::Staff),
    get("/referrals/{id}", As::Staff),
    post("/referrals/{id}/events/{event}", true, As::Staff),
    get("/meetings", As::Staff),
    get("/meetings.ics", As::Staff),
    get("/meetings/{id}", As::Staff),
    post("/meetings/{id}/items", true, As::Staff),
    post("/meetings/{id}/items/{item}", true, As::Staff),
    post("/meetings/{id}/circulate", true, As::Staff),
    post("/meetings/{id}/move", true, As::Staff),
    post("/meetings/{id}/cancel", true, As::Staff),
    post("/meetings/{id}/chair", true, As::Staff),
    post("/meetings/{id}/declaration", true, As::Staff),
    post("/meetings/{id}/attendance", true, As::Staff),
    get("/meetings/{id}/closed", As::Staff),
    post("/meetings/{id}/closed/{item}/decision", true, As::Staff),
    post("/meetings/{id}/closed/{item}/actions", true, As::Staff),
    get("/meetings/{id}/live", As::Staff),
    post("/meetings/{id}/live/open", true, As::Staff),
    get("/meetings/{id}/live/now", As::Staff),
    get("/meetings/{id}/follow", As::Staff),
    get("/meetings/{id}/copy", As::Staff),
    get("/actions", As::Staff),
    get("/actions/{id}", As::Staff),
    post("/actions/{id}", true, As::Staff),
    post("/meetings/{id}/copy/{item}", true, As::Staff),
    get("/calendar", As::Staff),
    post("/calendar", true, As::Admin),
    post("/calendar/{day}/remove", true, As::Admin),
    get("/meetings/{id}/notes", As::Staff),
    get("/meetings/{id}/notes.pdf", As::Staff),
    post("/meetings/{id}/notes/sent", true, As::Staff),
    get("/reports/families-discussed", As::Chair),
    get("/reports/families-discussed.xlsx", As::Chair),
    get("/reports/families-discussed.csv", As::Chair),
    get("/programme", As::Admin),
    post("/programme", true, As::Admin),
    get("/reports/claims", As::Chair),
    get("/reports/claims.xlsx", As::Chair),
    get("/reports/claims.csv", As::Chair),
    get("/sharing-log", As::Governance),
    get("/sharing-log.csv", As::Governance),
    get("/break-glass", As::Admin),
    post("/break-glass", true, As::Admin),
    post("/break-glass/{id}/review", true, As::Governance),
    get("/accessibility", As::Visitor),
    get("/api", As::Visitor),
    get("/api/openapi.json", As::Visitor),
    get("/api/v1/me", As::Agency),
    get("/api/v1/organisations", As::Agency),
    get("/api/v1/panels", As::Agency),
    get("/api/v1/families", As::Agency),
    post("/api/v1/families", true, As::Agency),
    post("/api/v1/families/search", false, As::Agency),
    get("/api/v1/families/{id}", As::Agency),
    post("/api/v1/families/{id}/people", true, As::Agency),
    get("/api/v1/families/{id}/referrals", As::Agency),
    post("/api/v1/families/{id}/referrals", true, As::Agency),
    get("/api/v1/referrals/{id}", As::Agency),
    post("/api/v1/referrals/{id}/events", true, As::Agency),
    get("/api/v1/meetings/{id}/notes", As::Agency),
    get("/healthz", As::Visitor),
    get("/readyz", As::Visitor),
    get("/assets/{*path}", As::Visitor),
    get("/favicon.ico", As::Visitor),
];

/// The routes the source declares: every `.route("…", …)` in `web::router` and `api::routes`,
/// with the methods named in its handler expression.
fn routes_in_the_source() -> Vec<(Method, String)> {
    let lib = include_str!("../../../web/src/lib.rs");
    // `metrics_router` serves `/metrics` on a separate internal address, not the public app.
    let router = &lib[lib.find("pub fn router").expect("web::router is in lib.rs")..];
    let api = include_str!("../../../web/src/api.rs");
    let mut found = Vec::new();
    for source in [router, api] {
        let chunks: Vec<&str> = source.split(".route(").skip(1).collect();
        for chunk in chunks {
            let Some(rest) = chunk.trim_start().strip_prefix('"') else {
                continue;
            };
            let path = &rest[..rest.find('"').expect("a closing quote")];
            let handlers = &rest[path.len()..];
            if handlers.contains("get(") {
                found.push((Method::Get, path.to_owned()));
            }
            if handlers.contains("post(") {
                found.push((Method::Post, path.to_owned()));
            }
        }
    }
    found
}

#[test]
fn the_route_table_lists_every_route_the_router_serves() {
    let in_source = routes_in_the_source();
    assert!(in_source.len() > 40, "the parser found the router ({} routes)", in_source.len());
    let missing: Vec<_> = in_source
        .iter()
        .filter(|(m, p)| !ROUTES.iter().any(|r| r.method == *m && r.path == p))
        .collect();
    assert!(
        missing.is_empty(),
        "add these routes to ROUTES (and so to every security test): {missing:?}"
    );
    let stale: Vec<_> = ROUTES
        .iter()
        .filter(|r| !in_source.iter().any(|(m, p)| r.method == *m && r.path == p))
        .map(|r| (r.method, r.path))
        .collect();
    assert!(stale.is_empty(), "ROUTES names routes the router no longer has: {stale:?}");
}

/// The people, records and browsers the tests call routes with.
struct World {
    app: TestApp,
    visitor: Browser,
    staff: Browser,
    staff_email: String,
    chair: Browser,
    admin: Browser,
    governance: Browser,
    token: String,
    /// The family the staff member and the agency system work with.
    family: domain::FamilyId,
    organisation: domain::OrganisationId,
    person: domain::UserId,
    grant: String,
    /// A referral of that family, made by the staff member.
    referral: String,
    /// A meeting of the panel the staff member sits on.
    meeting: String,
    /// An action the staff member owns.
    action: String,
    /// A person in that family.
    person_in_family: String,
    /// A panel, for the panel-configuration routes.
    panel: String,
}

/// Someone holding `role` whose organisation is a current signatory.
fn current_staff(app: &TestApp, role: Role) -> String {
    app.county
        .staff
        .iter()
        .find(|s| s.roles.contains(&role) && app.county.isa_standing(s.organisation) == Some(IsaStanding::Current))
        .map(|s| s.email.to_string())
        .expect("someone with that role at a current signatory")
}

fn families(app: &TestApp) -> Vec<county::Family> {
    let (_, spec) = earlyhelp_acceptance::small_county();
    app.county.families(&spec).collect()
}

fn user_id(app: &TestApp, email: &str) -> domain::UserId {
    app.county.staff.iter().find(|s| s.email.as_str() == email).unwrap().id
}

/// Puts the holder of `email` in the family's Team Around the Family.
impl World {
    async fn new(db: TestDb) -> Self {
        let app = TestApp::spawn(db).await;
        let staff_email = app.staff_without_mfa(Role::LeadProfessional);
        let agency_email = app.staff_without_mfa(Role::AgencyRepresentative);
        let admin_email = current_staff(&app, Role::Administrator);
        let admin_id = user_id(&app, &admin_email);
        let admin_org = app.county.staff.iter().find(|s| s.id == admin_id).unwrap().organisation;
        let all = families(&app);
        let family = all[0].id;
        app.connect(&staff_email, family).await;
        app.connect(&agency_email, family).await;

        let token = web::session::new_token();
        app.store
            .create_api_token_from_console(
                user_id(&app, &agency_email),
                "case system",
                &web::session::token_digest(&token),
                app.store.now() + time::Duration::days(30),
            )
            .await
            .unwrap();

        let visitor = app.browser();
        assert_eq!(visitor.get("/sign-in").await.status, 200);
        let staff = app.browser();
        assert_eq!(staff.sign_in(&staff_email, county::DEMO_PASSWORD).await.status, 303);
        let admin = app.sign_in_with_second_factor(&admin_email).await;
        let governance = app
            .sign_in_with_second_factor(&current_staff(&app, Role::InformationGovernance))
            .await;

        // One break-glass opening, for the review route.
        let glass_family = all
            .iter()
            .find(|f| f.involvement.consent.as_ref().is_none_or(|c| !c.excluded.contains(&admin_org)))
            .unwrap()
            .id
            .to_string();
        let opened = admin
            .submit(
                "/break-glass",
                "/break-glass",
                &[
                    ("family", glass_family.as_str()),
                    ("reason", "Subject access request received from the family"),
                ],
            )
            .await;
        assert_eq!(opened.status, 303, "break-glass opened");
        let list = governance.get("/break-glass").await;
        let marker = "action=\"/break-glass/";
        let i = list.body.find(marker).expect("a grant to review") + marker.len();
        let grant = list.body[i..i + list.body[i..].find('/').unwrap()].to_owned();

        // One referral of the staff member's family, for the referral routes.
        let made = staff
            .submit(
                &format!("/families/{family}/referrals/new"),
                &format!("/families/{family}/referrals"),
                &[("route", "stuck"), ("reason", "The plan has stalled")],
            )
            .await;
        assert_eq!(made.status, 303, "referral made: {}", made.body);
        let referral = made.location.unwrap().trim_start_matches("/referrals/").to_owned();

        // A seat on the first panel for the staff member, for the meeting routes: they see its
        // meetings and their organisation's copy of each list, and prepare none.
        let panel = app.county.panels[0].id;
        let seated = app.staff(&staff_email);
        app.db().seat_on_panel(panel, seated.organisation, seated.id, "core").await;
        let meetings = staff.get("/meetings").await;
        let marker = "href=\"/meetings/";
        let i = meetings.body.find(marker).expect("a meeting of the staff member's panel") + marker.len();
        let meeting = meetings.body[i..i + 36].to_owned();
        let signed = staff
            .submit(&format!("/meetings/{meeting}"), &format!("/meetings/{meeting}/declaration"), &[])
            .await;
        assert_eq!(signed.status, 303, "the staff member signs the meeting's declaration");
        // An action the staff member owns, agreed at that meeting about their family.
        let action = uuid::Uuid::now_v7();
        let db = app.db();
        db.execute(&format!(
            "INSERT INTO actions (id, meeting_id, family_id, description, owner_user_id, organisation_id, due_on, status, created_by, created_at) \
             VALUES ({}, {}, {}, 'Arrange a school meeting', {}, {}, '2026-12-20', 'open', {}, '2026-11-25T09:00:00Z')",
            db.uuid_literal(action),
            db.uuid_literal(meeting.parse::<uuid::Uuid>().unwrap()),
            db.uuid_literal(family.0),
            db.uuid_literal(seated.id.0),
            db.uuid_literal(seated.organisation.0),
            db.uuid_literal(seated.id.0),
        ))
        .await;
        let action = action.to_string();
        // The panel decided at that meeting to assess the family, which opened its plan (unless
        // the demo history already had), led by the staff member: for the plan routes.
        let (item, decision, plan) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
        let meeting_id = db.uuid_literal(meeting.parse::<uuid::Uuid>().unwrap());
        let fid = db.uuid_literal(family.0);
        for statement in [
            format!(
                "INSERT INTO agenda_items (id, meeting_id, section, position, family_id, minutes, added_by, added_at) \
                 VALUES ({}, {meeting_id}, 'plan_reviews', 999, {}, 10, {}, '2026-11-25T09:00:00Z')",
                db.uuid_literal(item),
                db.uuid_literal(family.0),
                db.uuid_literal(seated.id.0),
            ),
            format!(
                "INSERT INTO decisions (id, meeting_id, agenda_item_id, family_id, outcome, reasons, lead_organisation_id, \
                 lead_professional_id, first_taf_by, decided_by, decided_at) VALUES ({}, {meeting_id}, {}, {}, 'initiate_assessment', \
                 'Needs at school and home', {}, {}, '2026-12-15', {}, '2026-11-25T09:00:00Z')",
                db.uuid_literal(decision),
                db.uuid_literal(item),
                db.uuid_literal(family.0),
                db.uuid_literal(seated.organisation.0),
                db.uuid_literal(seated.id.0),
                db.uuid_literal(seated.id.0),
            ),
            format!(
                "INSERT INTO plans (id, family_id, decision_id, lead_professional_id, lead_organisation_id, first_taf_on, review_weeks, \
                 opened_at, opened_by) SELECT {}, {fid}, {}, {}, {}, '2026-12-15', 6, '2026-11-25T09:00:00Z', {} \
                 WHERE NOT EXISTS (SELECT 1 FROM plans WHERE family_id = {fid} AND closed_at IS NULL)",
                db.uuid_literal(plan),
                db.uuid_literal(decision),
                db.uuid_literal(seated.id.0),
                db.uuid_literal(seated.organisation.0),
                db.uuid_literal(seated.id.0),
            ),
        ] {
            db.execute(&statement).await;
        }

        // The agency system's account sits on the same panel and signed the meeting's
        // declaration, for the API's action notes.
        let agency = app.staff(&agency_email);
        app.db().seat_on_panel(panel, agency.organisation, agency.id, "core").await;
        app.db()
            .execute(&format!(
                "INSERT INTO declarations (meeting_id, user_id, statement, signed_at) VALUES ({}, {}, 'Signed', '2026-11-25T09:00:00Z')",
                app.db().uuid_literal(meeting.parse::<uuid::Uuid>().unwrap()),
                app.db().uuid_literal(agency.id.0)
            ))
            .await;
        let chair = app.signed_in_without_second_factor(&app.staff_without_mfa(Role::PanelChair)).await;

        let organisation = app.county.organisations.iter().find(|o| o.id != admin_org).unwrap().id;
        let person = user_id(&app, &app.staff_with_role(Role::BusinessSupport));
        World {
            app,
            visitor,
            staff,
            staff_email,
            chair,
            admin,
            governance,
            token,
            family,
            organisation,
            person,
            grant,
            referral,
            meeting,
            action,
            person_in_family: all[0].people[0].id.to_string(),
            panel: panel.to_string(),
        }
    }

    /// The route's path with real ids in it.
    fn path(&self, route: &Route) -> String {
        let id = if route.path.starts_with("/families/") || route.path.starts_with("/api/v1/families/") {
            self.family.to_string()
        } else if route.path.starts_with("/organisations/") {
            self.organisation.to_string()
        } else if route.path.starts_with("/people/") {
            self.person.to_string()
        } else if route.path.starts_with("/referrals/") || route.path.starts_with("/api/v1/referrals/") {
            self.referral.clone()
        } else if route.path.starts_with("/meetings/") || route.path.starts_with("/api/v1/meetings/") {
            self.meeting.clone()
        } else if route.path.starts_with("/actions/") {
            self.action.clone()
        } else if route.path.starts_with("/panels/") {
            self.panel.clone()
        } else {
            self.grant.clone()
        };
        // Tokens and consent records named in a path need not exist for these checks: the
        // pages render without them and the forms refuse them.
        let unknown = "01900000-0000-7000-8000-000000000000";
        route
            .path
            .replace("{id}", &id)
            .replace("{token}", unknown)
            .replace("{consent}", unknown)
            .replace("{item}", unknown)
            .replace("{event}", "close")
            .replace("{day}", "2026-12-07")
            .replace("{person}", &self.person_in_family)
            .replace("{*path}", "app.css")
    }

    fn browser(&self, who: As) -> &Browser {
        match who {
            As::Visitor | As::Agency => &self.visitor,
            As::Staff => &self.staff,
            As::Chair => &self.chair,
            As::Admin => &self.admin,
            As::Governance => &self.governance,
        }
    }

    /// Calls a route the way its users do: pages in their browser, the API with the token
    /// and a JSON body. A form is posted without its fields or token (refused, changing nothing).
    async fn call(&self, route: &Route) -> Page {
        let path = self.path(route);
        let b = self.browser(route.who);
        match (route.method, route.who) {
            (Method::Get, As::Agency) => b.get_with_token(&path, &self.token).await,
            (Method::Get, _) => b.get(&path).await,
            (Method::Post, As::Agency) => {
                b.post_json_with_token(&path, &serde_json::json!({ "name": "Smith" }), &self.token)
                    .await
            }
            (Method::Post, _) => b.post(&path, &[]).await,
        }
    }

    /// A valid CSRF token for the browser of `who` (the password form is on every account).
    async fn csrf(&self, who: As) -> String {
        let page = if who == As::Visitor { "/sign-in" } else { "/account/password" };
        self.browser(who).get(page).await.csrf()
    }
}

/// What is wrong with a response's security headers, if anything.
fn header_problems(path: &str, page: &Page) -> Vec<String> {
    let header = |name: &str| page.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let mut problems = Vec::new();
    let csp = header("content-security-policy");
    let directive = |name: &str| {
        csp.split(';')
            .map(str::trim)
            .find(|d| d.split_whitespace().next() == Some(name))
            .map(str::to_owned)
    };
    match directive("script-src").or_else(|| directive("default-src")) {
        Some(d) if !d.contains("'unsafe-inline'") && !d.contains("'unsafe-eval'") && !d.contains('*') => {}
        other => problems.push(format!("{path}: script-src allows inline or foreign script: {other:?}")),
    }
    for needed in ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"] {
        let name = needed.split(' ').next().unwrap();
        if directive(name).as_deref() != Some(needed) {
            problems.push(format!("{path}: CSP lacks {needed}"));
        }
    }
    let hsts = header("strict-transport-security");
    let max_age: u64 = hsts
        .split(';')
        .find_map(|p| p.trim().strip_prefix("max-age="))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if max_age < 31_536_000 {
        problems.push(format!("{path}: HSTS missing or under a year: {hsts:?}"));
    }
    if header("x-content-type-options") != "nosniff" {
        problems.push(format!("{path}: no nosniff"));
    }
    if !["no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"].contains(&header("referrer-policy").as_str()) {
        problems.push(format!("{path}: Referrer-Policy leaks: {:?}", header("referrer-policy")));
    }
    let no_store = header("cache-control").split(',').any(|d| d.trim() == "no-store");
    if !path.starts_with("/assets/") && !no_store {
        problems.push(format!("{path}: Cache-Control is not no-store: {:?}", header("cache-control")));
    }
    problems
}

engines!(every_route_sends_the_security_headers, |db| async move {
    let world = World::new(db).await;
    let mut problems = Vec::new();
    for route in ROUTES {
        let page = world.call(route).await;
        // Each is called as someone who reaches the route itself, not a sign-in redirect.
        let expected: &[u16] = match route.method {
            Method::Get => &[200],
            // A state-changing call with a body it does not understand is refused, changing nothing.
            Method::Post if route.who == As::Agency && route.changes_state => &[400],
            Method::Post if route.who == As::Agency => &[200],
            Method::Post => &[403],
        };
        if !expected.contains(&page.status) {
            problems.push(format!(
                "{:?} {}: status {} (expected {expected:?})",
                route.method, route.path, page.status
            ));
        }
        problems.extend(header_problems(&world.path(route), &page));
    }
    println!(
        "headers: {} of {} routes carry every security header",
        ROUTES.len() - problems.len().min(ROUTES.len()),
        ROUTES.len()
    );
    assert!(problems.is_empty(), "{problems:#?}");
});

/// The one figure a GET may move: see [`no_get_changes_anything_stored`].
const PENDING_MFA: &str = "users part-way through setting up a second factor";

/// The stored state a request might change, as numbers both engines give alike: row counts,
/// and sums that move when a row is edited in place. The audit trail and the sharing log's
/// entries for the API and for downloads (action notes, reports) are left out: they record
/// reads, so a read adds to them by design.
async fn stored_state(db: &TestDb) -> Vec<(&'static str, i64)> {
    const QUERIES: &[(&str, &str)] = &[
        ("users", "SELECT COUNT(*) FROM users"),
        ("users changed", "SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM users"),
        ("active users", "SELECT COUNT(*) FROM users WHERE active"),
        (
            "users with a second factor",
            "SELECT COUNT(*) FROM users WHERE mfa_secret IS NOT NULL",
        ),
        (PENDING_MFA, "SELECT COUNT(*) FROM users WHERE mfa_pending_secret IS NOT NULL"),
        (
            "users who must change their password",
            "SELECT COUNT(*) FROM users WHERE must_change_password",
        ),
        ("user_roles", "SELECT COUNT(*) FROM user_roles"),
        ("recovery_codes", "SELECT COUNT(*) FROM recovery_codes"),
        ("sessions", "SELECT COUNT(*) FROM sessions"),
        ("api_tokens", "SELECT COUNT(*) FROM api_tokens"),
        ("organisations", "SELECT COUNT(*) FROM organisations"),
        (
            "organisations changed",
            "SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM organisations",
        ),
        ("families", "SELECT COUNT(*) FROM families"),
        ("plans", "SELECT COUNT(*) FROM plans"),
        ("plans changed", "SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM plans"),
        ("plan_needs", "SELECT COUNT(*) FROM plan_needs"),
        ("plan_reviews", "SELECT COUNT(*) FROM plan_reviews"),
        ("settings", "SELECT COUNT(*) FROM settings"),
        ("family_contacts", "SELECT COUNT(*) FROM family_contacts"),
        ("plans closed", "SELECT COUNT(*) FROM plans WHERE closed_at IS NOT NULL"),
        (
            "needs with a status at close",
            "SELECT COUNT(*) FROM plan_needs WHERE status_at_close IS NOT NULL",
        ),
        ("sustain_checks", "SELECT COUNT(*) FROM sustain_checks"),
        ("need_sustained", "SELECT COUNT(*) FROM need_sustained"),
        ("meetings changed", "SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM meetings"),
        ("agenda_items", "SELECT COUNT(*) FROM agenda_items"),
        (
            "agenda items removed",
            "SELECT COUNT(*) FROM agenda_items WHERE removed_at IS NOT NULL",
        ),
        ("agenda_copies", "SELECT COUNT(*) FROM agenda_copies"),
        ("agency_checks", "SELECT COUNT(*) FROM agency_checks"),
        ("declarations", "SELECT COUNT(*) FROM declarations"),
        ("attendance", "SELECT COUNT(*) FROM attendance"),
        ("decisions", "SELECT COUNT(*) FROM decisions"),
        ("actions", "SELECT COUNT(*) FROM actions"),
        ("actions changed", "SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM actions"),
        ("action_updates", "SELECT COUNT(*) FROM action_updates"),
        ("families changed", "SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM families"),
        ("people", "SELECT COUNT(*) FROM people"),
        ("people changed", "SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM people"),
        ("family_moves", "SELECT COUNT(*) FROM family_moves"),
        ("family_workers", "SELECT COUNT(*) FROM family_workers"),
        ("family_exclusions", "SELECT COUNT(*) FROM family_exclusions"),
        ("consents", "SELECT COUNT(*) FROM consents"),
        (
            "sharing_log (recorded by people)",
            "SELECT COUNT(*) FROM sharing_log WHERE method NOT IN ('api', 'download')",
        ),
        ("break_glass", "SELECT COUNT(*) FROM break_glass"),
        (
            "break_glass reviewed",
            "SELECT COUNT(*) FROM break_glass WHERE reviewed_at IS NOT NULL",
        ),
        ("jobs", "SELECT COUNT(*) FROM jobs"),
        ("account_links", "SELECT COUNT(*) FROM account_links"),
        (
            "account links used or superseded",
            "SELECT COUNT(*) FROM account_links WHERE used_at IS NOT NULL OR superseded_at IS NOT NULL",
        ),
        ("throttling counts", "SELECT COUNT(*) FROM sign_in_failures"),
        ("closure_days", "SELECT COUNT(*) FROM closure_days"),
        ("panels", "SELECT COUNT(*) FROM panels"),
        ("panels changed", "SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM panels"),
        ("panel_chairs", "SELECT COUNT(*) FROM panel_chairs"),
        ("panel_members", "SELECT COUNT(*) FROM panel_members"),
        ("meetings", "SELECT COUNT(*) FROM meetings"),
    ];
    let mut out = Vec::new();
    for (name, sql) in QUERIES {
        out.push((*name, scalar(db, sql).await));
    }
    out
}

async fn scalar(db: &TestDb, sql: &str) -> i64 {
    db.scalar(sql).await
}

/// The actions written to the audit trail after entry `after`.
async fn audit_actions_since(db: &TestDb, after: i64) -> Vec<String> {
    let sql = format!("SELECT action FROM audit_log WHERE seq > {after} ORDER BY seq");
    db.audit_settled().await;
    if db.url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
        let v = sqlx::query_scalar(&sql).fetch_all(&pool).await.unwrap();
        pool.close().await;
        v
    } else {
        let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
        let v = sqlx::query_scalar(&sql).fetch_all(&pool).await.unwrap();
        pool.close().await;
        v
    }
}

async fn audit_length(db: &TestDb) -> i64 {
    scalar(db, "SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) FROM audit_log").await
}

/// Audit actions that record a read or a refusal, which a GET may write.
fn records_a_read(action: &str) -> bool {
    action == "access.denied" || action == "sharing.system" || [".view", ".list", ".search", ".export"].iter().any(|s| action.ends_with(s))
}

// One GET writes, by design: the second-factor set-up page stores the secret it shows as
// pending, so that a reload shows the same secret the person has just scanned. It writes only
// when there is no pending secret yet, for the signed-in person's own account, and enables
// nothing until a POST with a correct code. So the first pass over every GET route may move
// that one figure by one; a second pass must change nothing at all.
engines!(no_get_changes_anything_stored, |db| async move {
    let world = World::new(db).await;
    let db = world.app.db();
    let gets: Vec<&Route> = ROUTES.iter().filter(|r| r.method == Method::Get).collect();
    let before = stored_state(db).await;
    let audit_before = audit_length(db).await;
    let mut passes = Vec::new();
    for _ in 0..2 {
        for route in &gets {
            let page = world.call(route).await;
            assert_eq!(page.status, 200, "GET {} as {:?}", route.path, route.who);
        }
        // The audit trail writes in groups; give the last group time to commit.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        passes.push(stored_state(db).await);
    }
    let moved = |from: &[(&str, i64)], to: &[(&str, i64)]| -> Vec<(String, i64, i64)> {
        from.iter()
            .zip(to)
            .filter(|(f, t)| f != t)
            .map(|(f, t)| (f.0.to_owned(), f.1, t.1))
            .collect()
    };
    let first = moved(&before, &passes[0]);
    let second = moved(&passes[0], &passes[1]);
    let writes: Vec<String> = audit_actions_since(db, audit_before)
        .await
        .into_iter()
        .filter(|a| !records_a_read(a))
        .collect();
    println!(
        "GET safety: {} GET routes called twice; {} of {} stored figures moved on the first pass (the pending second-factor secret allowed), {} on the second; {} audit entries other than reads",
        gets.len(),
        first.len(),
        before.len(),
        second.len(),
        writes.len()
    );
    assert!(
        first.iter().all(|(name, from, to)| name == PENDING_MFA && *to == from + 1),
        "a GET changed stored state: {first:?}"
    );
    assert!(second.is_empty(), "a repeated GET changed stored state: {second:?}");
    assert!(writes.is_empty(), "a GET wrote audit entries other than reads: {writes:?}");
});

engines!(every_form_refuses_a_forged_request, |db| async move {
    let world = World::new(db).await;
    let db = world.app.db();
    let forms: Vec<&Route> = ROUTES.iter().filter(|r| r.method == Method::Post && r.who != As::Agency).collect();
    // A token that is valid, but for another browser's session.
    let foreign = world.app.browser().get("/sign-in").await.csrf();
    let before = stored_state(db).await;
    let mut accepted = Vec::new();
    let mut tried = 0;
    for route in &forms {
        let path = world.path(route);
        let b = world.browser(route.who);
        let own = world.csrf(route.who).await;
        let same_host = world.app.base.clone();
        let attempts: Vec<(&str, Page, &str)> = vec![
            ("no token", b.post(&path, &[]).await, "This form has expired"),
            (
                "another session's token",
                b.post(&path, &[("csrf", foreign.as_str())]).await,
                "This form has expired",
            ),
            (
                "a cross-site Origin",
                b.post_with_headers(&path, &[("csrf", own.as_str())], &[("origin", "https://evil.example")])
                    .await,
                "came from another website",
            ),
            (
                "Origin: null",
                b.post_with_headers(&path, &[("csrf", own.as_str())], &[("origin", "null")]).await,
                "came from another website",
            ),
            (
                "Sec-Fetch-Site: cross-site",
                b.post_with_headers(
                    &path,
                    &[("csrf", own.as_str())],
                    &[("sec-fetch-site", "cross-site"), ("origin", same_host.as_str())],
                )
                .await,
                "came from another website",
            ),
        ];
        for (how, page, why) in attempts {
            tried += 1;
            if page.status != 403 || !page.shows(why) {
                accepted.push(format!("POST {} with {how}: {} {}", route.path, page.status, page.body));
            }
        }
    }
    let after = stored_state(db).await;
    println!(
        "CSRF: {} of {tried} forged requests accepted, over {} form routes ({} of them change state)",
        accepted.len(),
        forms.len(),
        forms.iter().filter(|r| r.changes_state).count()
    );
    assert!(accepted.is_empty(), "{accepted:#?}");
    assert_eq!(before, after, "a refused request changed nothing");
});

engines!(a_browser_on_this_site_still_submits_forms, |db| async move {
    // The same-origin check must not refuse the service's own pages.
    let world = World::new(db).await;
    let own = world.csrf(As::Staff).await;
    let origin = world.app.base.clone();
    let family = families(&world.app).into_iter().next().unwrap();
    let name = family.people[0].family_name.clone();
    for headers in [
        vec![("origin", origin.as_str())],
        vec![("sec-fetch-site", "same-origin"), ("origin", origin.as_str())],
        vec![],
    ] {
        let found = world
            .staff
            .post_with_headers("/families", &[("csrf", own.as_str()), ("name", &name), ("postcode", "")], &headers)
            .await;
        assert_eq!(found.status, 200, "{headers:?}");
        assert!(found.shows(&family.address_line));
    }
});

/// Whether a response carries anything of the family: its address or a member's name.
fn shows_family(page: &Page, family: &county::Family) -> bool {
    page.shows(&family.address_line)
        || family
            .people
            .iter()
            .any(|p| page.shows(&format!("{} {}", p.given_name, p.family_name)))
}

engines!(no_id_reaches_a_record_the_caller_may_not_see, |db| async move {
    let world = World::new(db).await;
    let app = &world.app;
    let db = app.db();
    let all = families(app);
    // Which families each caller may see, by the lists they are given.
    let list = world.staff.get("/families").await;
    let api_list = world.visitor.get_with_token("/api/v1/families", &world.token).await.body;
    let hidden_from_staff: Vec<&county::Family> = all.iter().filter(|f| !list.shows(&f.address_line)).collect();
    let hidden_from_agency: Vec<&county::Family> = all.iter().filter(|f| !api_list.contains(&f.id.to_string())).collect();
    assert!(list.shows(&all[0].address_line) && api_list.contains(&all[0].id.to_string()));
    assert!(!hidden_from_staff.is_empty() && !hidden_from_agency.is_empty());

    let staff_csrf = world.csrf(As::Staff).await;
    let before = stored_state(db).await;
    let mut leaks = Vec::new();
    let mut n = 0;
    let mut check = |what: String, page: Page, family: Option<&county::Family>| {
        n += 1;
        let refused = page.status == 403 || page.status == 404;
        if !refused || family.is_some_and(|f| shows_family(&page, f)) {
            leaks.push(format!("{what}: {}", page.status));
        }
    };
    for f in &hidden_from_staff {
        let id = f.id;
        check(
            format!("GET /families/{id}"),
            world.staff.get(&format!("/families/{id}")).await,
            Some(f),
        );
        check(
            format!("GET /families/{id}/sharing/new"),
            world.staff.get(&format!("/families/{id}/sharing/new")).await,
            Some(f),
        );
        let fields = [
            ("csrf", staff_csrf.as_str()),
            ("decision", "shared"),
            ("data_categories", "School attendance"),
            ("recipient", "School nurse"),
            ("purpose", "Planning support"),
            ("lawful_basis", "Consent"),
            ("method", "secure_email"),
            ("decided_on", "2026-11-24"),
        ];
        check(
            format!("POST /families/{id}/sharing"),
            world.staff.post(&format!("/families/{id}/sharing"), &fields).await,
            Some(f),
        );
        check(
            format!("GET /families/{id}/consent/new"),
            world.staff.get(&format!("/families/{id}/consent/new")).await,
            Some(f),
        );
        let consent = [
            ("csrf", staff_csrf.as_str()),
            ("given_by", "family"),
            ("given_on", "24/11/2026"),
            ("method", "written"),
            ("scopes", "early_help_referral"),
            ("review_due", "24/11/2027"),
        ];
        check(
            format!("POST /families/{id}/consent"),
            world.staff.post(&format!("/families/{id}/consent"), &consent).await,
            Some(f),
        );
        let unknown = "01900000-0000-7000-8000-000000000000";
        check(
            format!("GET /families/{id}/consent/…/withdraw"),
            world.staff.get(&format!("/families/{id}/consent/{unknown}/withdraw")).await,
            Some(f),
        );
        check(
            format!("POST /families/{id}/consent/…/withdraw"),
            world
                .staff
                .post(
                    &format!("/families/{id}/consent/{unknown}/withdraw"),
                    &[
                        ("csrf", staff_csrf.as_str()),
                        ("withdrawn_on", "24/11/2026"),
                        ("reason", "Asked to stop"),
                    ],
                )
                .await,
            Some(f),
        );
        check(
            format!("GET /families/{id}/people/new"),
            world.staff.get(&format!("/families/{id}/people/new")).await,
            Some(f),
        );
        check(
            format!("POST /families/{id}/people"),
            world
                .staff
                .post(
                    &format!("/families/{id}/people"),
                    &[
                        ("csrf", staff_csrf.as_str()),
                        ("given_name", "Robin"),
                        ("family_name", "Example"),
                        ("date_of_birth", "1/2/2015"),
                        ("sex", "not_known"),
                        ("household_role", "child"),
                        ("not_a_duplicate", "yes"),
                    ],
                )
                .await,
            Some(f),
        );
        let person = f.people[0].id;
        check(
            format!("GET /families/{id}/people/{person}"),
            world.staff.get(&format!("/families/{id}/people/{person}")).await,
            Some(f),
        );
        check(
            format!("POST /families/{id}/people/{person}/disability"),
            world
                .staff
                .post(
                    &format!("/families/{id}/people/{person}/disability"),
                    &[("csrf", staff_csrf.as_str()), ("has_disability", "yes"), ("version", "1")],
                )
                .await,
            Some(f),
        );
        check(
            format!("GET /families/{id}/move"),
            world.staff.get(&format!("/families/{id}/move")).await,
            Some(f),
        );
        check(
            format!("POST /families/{id}/move"),
            world
                .staff
                .post(
                    &format!("/families/{id}/move"),
                    &[
                        ("csrf", staff_csrf.as_str()),
                        ("address_line", "2 Somewhere Else"),
                        ("postcode", f.postcode.as_str()),
                        ("moved_on", "1/11/2026"),
                        ("version", "1"),
                    ],
                )
                .await,
            Some(f),
        );
        check(
            format!("GET /families/{id}/plan"),
            world.staff.get(&format!("/families/{id}/plan")).await,
            Some(f),
        );
        check(
            format!("POST /families/{id}/plan/needs"),
            world
                .staff
                .post(
                    &format!("/families/{id}/plan/needs"),
                    &[
                        ("csrf", staff_csrf.as_str()),
                        ("area", "education"),
                        ("baseline", "Attending 71% of sessions"),
                        ("goal", "Attending 95%"),
                    ],
                )
                .await,
            Some(f),
        );
        check(
            format!("GET /families/{id}/plan/reviews/new"),
            world.staff.get(&format!("/families/{id}/plan/reviews/new")).await,
            Some(f),
        );
        check(
            format!("POST /families/{id}/plan/reviews"),
            world
                .staff
                .post(
                    &format!("/families/{id}/plan/reviews"),
                    &[("csrf", staff_csrf.as_str()), ("held_on", "1/12/2026"), ("reviews_seen", "0")],
                )
                .await,
            Some(f),
        );
        check(
            format!("POST /families/{id}/contacts"),
            world
                .staff
                .post(
                    &format!("/families/{id}/contacts"),
                    &[("csrf", staff_csrf.as_str()), ("seen_on", "24/11/2026"), ("how", "call")],
                )
                .await,
            Some(f),
        );
        check(
            format!("POST /families/{id}/plan/interval"),
            world
                .staff
                .post(
                    &format!("/families/{id}/plan/interval"),
                    &[("csrf", staff_csrf.as_str()), ("review_weeks", "4"), ("version", "1")],
                )
                .await,
            Some(f),
        );
        check(
            format!("GET /families/{id}/plan/close"),
            world.staff.get(&format!("/families/{id}/plan/close")).await,
            Some(f),
        );
        check(
            format!("POST /families/{id}/plan/close"),
            world
                .staff
                .post(
                    &format!("/families/{id}/plan/close"),
                    &[
                        ("csrf", staff_csrf.as_str()),
                        ("closed_on", "25/11/2026"),
                        ("reason", "moved_away"),
                        ("version", "1"),
                    ],
                )
                .await,
            Some(f),
        );
        check(
            format!("GET /families/{id}/plan/sustained"),
            world.staff.get(&format!("/families/{id}/plan/sustained")).await,
            Some(f),
        );
        check(
            format!("POST /families/{id}/plan/sustained"),
            world
                .staff
                .post(
                    &format!("/families/{id}/plan/sustained"),
                    &[
                        ("csrf", staff_csrf.as_str()),
                        ("checked_on", "25/11/2026"),
                        ("evidence", "Attendance held"),
                    ],
                )
                .await,
            Some(f),
        );
        check(
            format!("POST /families/{id}/plan/actions"),
            world
                .staff
                .post(
                    &format!("/families/{id}/plan/actions"),
                    &[
                        ("csrf", staff_csrf.as_str()),
                        ("action", &uuid::Uuid::now_v7().to_string()),
                        ("need", ""),
                    ],
                )
                .await,
            Some(f),
        );
        check(
            format!("GET /families/{id}/plan.pdf"),
            world.staff.get(&format!("/families/{id}/plan.pdf")).await,
            Some(f),
        );
        check(
            format!("GET /families/{id}/plan/panel"),
            world.staff.get(&format!("/families/{id}/plan/panel")).await,
            Some(f),
        );
        check(
            format!("POST /families/{id}/plan/panel"),
            world
                .staff
                .post(
                    &format!("/families/{id}/plan/panel"),
                    &[
                        ("csrf", staff_csrf.as_str()),
                        ("reason", "The housing support has not started"),
                        ("version", "1"),
                    ],
                )
                .await,
            Some(f),
        );
        check(
            format!("GET /families/{id}/referrals/new"),
            world.staff.get(&format!("/families/{id}/referrals/new")).await,
            Some(f),
        );
        check(
            format!("POST /families/{id}/referrals"),
            world
                .staff
                .post(
                    &format!("/families/{id}/referrals"),
                    &[
                        ("csrf", staff_csrf.as_str()),
                        ("route", "step_down"),
                        ("reason", "Needs support with routines"),
                    ],
                )
                .await,
            Some(f),
        );
        // An administrator sees no case content without breaking glass.
        check(
            format!("GET /families/{id} as an administrator"),
            world.admin.get(&format!("/families/{id}")).await,
            Some(f),
        );
    }
    for f in &hidden_from_agency {
        check(
            format!("GET /api/v1/families/{}", f.id),
            world
                .visitor
                .get_with_token(&format!("/api/v1/families/{}", f.id), &world.token)
                .await,
            Some(f),
        );
        check(
            format!("GET /api/v1/families/{}/referrals", f.id),
            world
                .visitor
                .get_with_token(&format!("/api/v1/families/{}/referrals", f.id), &world.token)
                .await,
            Some(f),
        );
        check(
            format!("POST /api/v1/families/{}/people", f.id),
            world
                .visitor
                .post_json_with_token(
                    &format!("/api/v1/families/{}/people", f.id),
                    &serde_json::json!({
                        "given_name": "Robin", "family_name": "Example", "date_of_birth": "2015-02-01",
                        "sex": "not_known", "household_role": "child", "not_a_duplicate": true
                    }),
                    &world.token,
                )
                .await,
            Some(f),
        );
        check(
            format!("POST /api/v1/families/{}/referrals", f.id),
            world
                .visitor
                .post_json_with_token(
                    &format!("/api/v1/families/{}/referrals", f.id),
                    &serde_json::json!({ "route": "step_down", "reason": "Needs support with routines" }),
                    &world.token,
                )
                .await,
            Some(f),
        );
    }
    // The register and the directory are open to every member by policy
    // (`staff-see-directory-and-register`); changing them is not.
    let staff_org = app
        .county
        .staff
        .iter()
        .find(|s| s.email.as_str() == world.staff_email)
        .unwrap()
        .organisation;
    for o in app.county.organisations.iter().filter(|o| o.id != staff_org) {
        for action in ["isa", "second-factor"] {
            let fields = [
                ("csrf", staff_csrf.as_str()),
                ("signatory", "A. Person"),
                ("signed_on", "2026-11-01"),
                ("review_due", "2027-11-01"),
                ("required", "no"),
                ("version", "1"),
            ];
            check(
                format!("POST /organisations/{}/{action}", o.id),
                world.staff.post(&format!("/organisations/{}/{action}", o.id), &fields).await,
                None,
            );
        }
    }
    for s in app.county.staff.iter().filter(|s| s.organisation != staff_org) {
        for action in ["roles", "active", "reset-second-factor", "invitation"] {
            let fields = [
                ("csrf", staff_csrf.as_str()),
                ("roles", "administrator"),
                ("active", "no"),
                ("version", "1"),
            ];
            check(
                format!("POST /people/{}/{action}", s.id),
                world.staff.post(&format!("/people/{}/{action}", s.id), &fields).await,
                None,
            );
        }
    }
    check(
        format!("POST /break-glass/{}/review", world.grant),
        world
            .staff
            .post(
                &format!("/break-glass/{}/review", world.grant),
                &[("csrf", staff_csrf.as_str()), ("note", "Looks fine to me")],
            )
            .await,
        None,
    );
    // Meetings of the panels the staff member has no seat on: nothing shown, nothing changed.
    for p in app.county.panels.iter().skip(1) {
        let bso = app.county.staff.iter().find(|s| s.id == p.business_support).unwrap();
        let principal = policy::Principal {
            user: bso.id,
            organisation: bso.organisation,
            roles: bso.roles.clone(),
            isa: IsaStanding::Current,
            mfa_passed: false,
        };
        let today = app.store.clock().today();
        let theirs = app
            .store
            .meetings_for(&principal, today, today + time::Duration::weeks(6))
            .await
            .unwrap();
        let of_their_panel = |m: &store::meetings::MeetingListRow| m.facts.runs == policy::RunsPanel::BusinessSupport;
        for m in theirs.iter().filter(|m| of_their_panel(m)).take(2) {
            let id = m.facts.id;
            for path in [
                format!("/meetings/{id}"),
                format!("/meetings/{id}/copy"),
                format!("/meetings/{id}/closed"),
                format!("/meetings/{id}/live"),
                format!("/meetings/{id}/live/now"),
                format!("/meetings/{id}/follow"),
                format!("/meetings/{id}/notes"),
                format!("/meetings/{id}/notes.pdf"),
            ] {
                check(format!("GET {path}"), world.staff.get(&path).await, None);
            }
            let api = format!("/api/v1/meetings/{id}/notes");
            check(format!("GET {api}"), world.visitor.get_with_token(&api, &world.token).await, None);
            for (path, fields) in [
                (format!("/meetings/{id}/circulate"), vec![("csrf", staff_csrf.as_str())]),
                (format!("/meetings/{id}/notes/sent"), vec![("csrf", staff_csrf.as_str())]),
                (
                    format!("/meetings/{id}/live/open"),
                    vec![("csrf", staff_csrf.as_str()), ("item", "")],
                ),
                (
                    format!("/meetings/{id}/items"),
                    vec![
                        ("csrf", staff_csrf.as_str()),
                        ("section", "community_issues"),
                        ("title", "Parks"),
                        ("minutes", "10"),
                        ("version", "1"),
                    ],
                ),
                (
                    format!("/meetings/{id}/cancel"),
                    vec![("csrf", staff_csrf.as_str()), ("reason", "Room double-booked"), ("version", "1")],
                ),
                (
                    format!("/meetings/{id}/move"),
                    vec![("csrf", staff_csrf.as_str()), ("date", "2027-02-02"), ("version", "1")],
                ),
            ] {
                check(format!("POST {path}"), world.staff.post(&path, &fields).await, None);
            }
        }
    }
    let after = stored_state(db).await;
    println!(
        "IDOR: {} of {n} requests for records out of reach returned data or changed them",
        leaks.len()
    );
    assert!(leaks.is_empty(), "{leaks:#?}");
    assert_eq!(before, after, "no refused request changed anything");
});

/// Whether `word` appears in `line` as a whole word.
fn has_word(line: &str, word: &str) -> bool {
    line.match_indices(word).any(|(i, _)| {
        let before = line[..i].chars().next_back();
        let after = line[i + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

engines!(no_name_from_the_county_reaches_a_log_line_or_a_url, |db| async move {
    let logs = earlyhelp_acceptance::logs::captured_logs();
    let world = World::new(db).await;
    let all = families(&world.app);
    let mut urls = Vec::new();

    // A short working session: search by name and postcode, open the family, use the API.
    for f in all.iter().take(5) {
        let person = &f.people[0];
        for (name, postcode) in [
            (person.family_name.as_str(), ""),
            (person.given_name.as_str(), ""),
            ("", f.postcode.as_str()),
        ] {
            let csrf = world.csrf(As::Staff).await;
            let found = world
                .staff
                .post("/families", &[("csrf", csrf.as_str()), ("name", name), ("postcode", postcode)])
                .await;
            assert_eq!(found.status, 200);
            urls.extend(found.location);
            let api = world
                .visitor
                .post_json_with_token(
                    "/api/v1/families/search",
                    &serde_json::json!({ "name": name, "postcode": postcode }),
                    &world.token,
                )
                .await;
            assert_eq!(api.status, 200, "{}", api.body);
        }
    }
    for path in [
        format!("/families/{}", world.family),
        format!("/families/{}/sharing/new", world.family),
        format!("/api/v1/families/{}", world.family),
    ] {
        urls.push(path.clone());
        let page = if path.starts_with("/api/") {
            world.visitor.get_with_token(&path, &world.token).await
        } else {
            world.staff.get(&path).await
        };
        assert_eq!(page.status, 200, "{path}");
        urls.extend(page.location);
    }

    let lines = logs.lines();
    assert!(
        lines.iter().any(|l| l.contains("path=/families")),
        "the app's request logs were captured ({} lines)",
        lines.len()
    );
    let mut names: Vec<String> = Vec::new();
    for f in &all {
        for p in &f.people {
            names.push(format!("{} {}", p.given_name, p.family_name));
            names.push(p.given_name.clone());
            names.push(p.family_name.clone());
        }
        names.push(f.address_line.clone());
    }
    for s in &world.app.county.staff {
        names.push(s.email.to_string());
    }
    names.sort();
    names.dedup();
    let mut found = Vec::new();
    for line in lines.iter().chain(urls.iter()) {
        for name in &names {
            if has_word(line, name) {
                found.push(format!("{name:?} in {line}"));
            }
        }
    }
    println!(
        "logs: {} names or addresses found in {} log lines and {} URLs (checked {} distinct names, addresses and e-mails)",
        found.len(),
        lines.len(),
        urls.len(),
        names.len()
    );
    assert!(found.is_empty(), "{found:#?}");
});
