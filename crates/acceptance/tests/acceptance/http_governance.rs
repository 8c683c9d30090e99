//! Information governance over HTTP: the sharing log and its export, and break-glass access
//! from opening to review. On both engines.

use domain::organisation::IsaStanding;
use domain::role::Role;
use earlyhelp_acceptance::{TestApp, engines};

/// Someone holding `role` whose organisation is a current signatory.
fn current_staff(app: &TestApp, role: Role) -> String {
    app.county
        .staff
        .iter()
        .find(|s| s.roles.contains(&role) && app.county.isa_standing(s.organisation) == Some(IsaStanding::Current))
        .map(|s| s.email.to_string())
        .expect("someone with that role at a current signatory")
}

engines!(
    information_governance_finds_sharing_in_the_log_and_exports_it_without_live_formulas,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let (_, spec) = earlyhelp_acceptance::small_county();
        let family = app.county.families(&spec).next().unwrap();
        let lead = app.staff_without_mfa(Role::LeadProfessional);
        let user = app.county.staff.iter().find(|s| s.email.as_str() == lead).unwrap().id;
        let db = app.db();
        db.execute(&format!(
        "INSERT INTO family_workers (family_id, user_id, role, since) VALUES ({}, {}, 'lead_professional', '2026-11-01') ON CONFLICT DO NOTHING",
        db.uuid_literal(family.id.0),
        db.uuid_literal(user.0)
    ))
    .await;
        let b = app.browser();
        b.sign_in(&lead, county::DEMO_PASSWORD).await;
        let done = b
            .submit(
                &format!("/families/{}/sharing/new", family.id),
                &format!("/families/{}/sharing", family.id),
                &[
                    ("decision", "shared"),
                    ("data_categories", "=HYPERLINK(\"http://attacker.example\",\"Case summary\")"),
                    ("recipient", "@Housing officer"),
                    ("purpose", "Tenancy support"),
                    ("lawful_basis", "Consent"),
                    ("method", "phone"),
                    ("decided_on", "24/11/2026"),
                ],
            )
            .await;
        assert_eq!(done.status, 303);

        let ig = app
            .sign_in_with_second_factor(&current_staff(&app, Role::InformationGovernance))
            .await;
        let log = ig.get(&format!("/sharing-log?family={}", family.id)).await;
        assert_eq!(log.status, 200, "{}", log.body);
        assert!(log.shows("Tenancy support"));
        let csv = ig.get(&format!("/sharing-log.csv?family={}", family.id)).await;
        assert_eq!(csv.status, 200);
        assert_eq!(csv.headers.get("cache-control").unwrap(), "no-store");
        let mut rows = csv::Reader::from_reader(csv.body.as_bytes());
        let cells: Vec<String> = rows
            .records()
            .flat_map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<_>>())
            .collect();
        assert!(cells.iter().any(|c| c.contains("Tenancy support")));
        for c in &cells {
            assert!(!c.starts_with(['=', '+', '-', '@']), "a live formula in the export: {c}");
        }

        // A practitioner cannot open the register.
        assert_eq!(b.get("/sharing-log").await.status, 403);
        assert_eq!(b.get("/sharing-log.csv").await.status, 403);
    }
);

engines!(
    an_administrator_breaks_glass_with_a_reason_and_information_governance_reviews_it,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let (_, spec) = earlyhelp_acceptance::small_county();
        let admin_email = current_staff(&app, Role::Administrator);
        let admin = app.county.staff.iter().find(|s| s.email.as_str() == admin_email).unwrap();
        let family = app
            .county
            .families(&spec)
            .find(|f| {
                f.involvement
                    .consent
                    .as_ref()
                    .is_none_or(|c| !c.excluded.contains(&admin.organisation))
            })
            .unwrap();
        let b = app.sign_in_with_second_factor(&admin_email).await;

        assert_eq!(
            b.get(&format!("/families/{}", family.id)).await.status,
            403,
            "no case content without break-glass"
        );
        let short = b
            .submit(
                "/break-glass",
                "/break-glass",
                &[("family", &family.id.to_string()), ("reason", "SAR")],
            )
            .await;
        assert!(short.shows("at least 20 characters"));
        assert!(short.shows(&family.id.to_string()), "what was typed is kept");
        let opened = b
            .submit(
                "/break-glass",
                "/break-glass",
                &[
                    ("family", &family.id.to_string()),
                    ("reason", "Subject access request received from the family"),
                ],
            )
            .await;
        assert_eq!(opened.status, 303);
        let page = b.get(&format!("/families/{}", family.id)).await;
        assert_eq!(page.status, 200);
        assert!(page.shows(&family.people[0].given_name));
        // (That the access ends after an hour is checked in the store's tests.)

        let ig = app
            .sign_in_with_second_factor(&current_staff(&app, Role::InformationGovernance))
            .await;
        let list = ig.get("/break-glass").await;
        assert!(list.shows("Subject access request received from the family"));
        assert!(list.shows("To review"));
        let grant = {
            let marker = "action=\"/break-glass/";
            let i = list.body.find(marker).unwrap() + marker.len();
            list.body[i..i + list.body[i..].find('/').unwrap()].to_owned()
        };
        let reviewed = ig
            .submit(
                "/break-glass",
                &format!("/break-glass/{grant}/review"),
                &[("note", "Matches the SAR log entry")],
            )
            .await;
        assert_eq!(reviewed.status, 303);
        assert!(ig.get("/break-glass").await.shows("Matches the SAR log entry"));
    }
);
