//! Referrals over HTTP, as the people who make and act on them use the pages: a MASH decision
//! with consent excluding the police reaches a panel and never the police; no consent, no
//! panel; urgent concerns go to MASH and never to an agenda; a step-down waits for the case
//! supervisor named on it. On both engines.

use domain::role::Role;
use earlyhelp_acceptance::{Browser, Page, TestApp, engines};

fn families(app: &TestApp) -> Vec<county::Family> {
    let (_, spec) = earlyhelp_acceptance::small_county();
    app.county.families(&spec).collect()
}

/// Someone holding `role` (and not one of `others`, so that each person in a test is a
/// different person: chairs are often lead professionals too).
fn staff_holding(app: &TestApp, role: Role, others: &[&str]) -> String {
    app.county
        .staff
        .iter()
        .find(|s| {
            s.roles.contains(&role)
                && !others.contains(&s.email.as_str())
                && !s.roles.iter().any(|r| r.always_requires_mfa())
                && app.county.isa_standing(s.organisation) == Some(domain::organisation::IsaStanding::Current)
        })
        .map(|s| s.email.to_string())
        .unwrap()
}

/// A panel with a chair, its chair's e-mail, and a family of its locality whose case no panel
/// holds yet, with consent in force or none at all as asked.
async fn panel_chair_and_family(app: &TestApp, with_consent: bool) -> (county::Panel, String, county::Family) {
    let panel = app.county.panels.iter().find(|p| !p.chairs.is_empty()).unwrap().clone();
    let chair = app.county.staff.iter().find(|s| s.id == panel.chairs[0]).unwrap().email.to_string();
    let family = families(app)
        .into_iter()
        .find(|f| {
            f.locality == panel.locality
                && match &f.involvement.consent {
                    Some(c) => with_consent && c.withdrawn_on.is_none() && c.excluded.is_empty(),
                    None => !with_consent,
                }
        })
        .unwrap();
    let db = app.db();
    for table in ["case_invitations", "family_panels"] {
        db.execute(&format!("DELETE FROM {table} WHERE family_id = {}", db.uuid_literal(family.id.0)))
            .await;
    }
    (panel, chair, family)
}

/// A lead professional working with a family of a chair's locality (with consent in force, or
/// none), signed in: the chair's e-mail, the family, the lead's e-mail and browser.
async fn lead_professional_and_chair(app: &TestApp, with_consent: bool) -> (String, county::Family, String, Browser) {
    let (_, chair_email, family) = panel_chair_and_family(app, with_consent).await;
    let lead_email = staff_holding(app, Role::LeadProfessional, &[&chair_email]);
    app.connect(&lead_email, family.id).await;
    let lead = app.signed_in_without_second_factor(&lead_email).await;
    (chair_email, family, lead_email, lead)
}

/// The referral id in the address the form redirected to.
fn referral_made(page: &Page) -> String {
    assert_eq!(page.status, 303, "the referral was made: {}", page.body);
    let location = page.location.clone().unwrap();
    location.strip_prefix("/referrals/").unwrap().to_owned()
}

/// The value of the first `<option>` of the select named `name`.
fn first_option(page: &Page, name: &str) -> String {
    let at = page.body.find(&format!("name=\"{name}\"")).expect("the select is on the page");
    let rest = &page.body[at..];
    let v = rest.find("value=\"").unwrap() + 7;
    rest[v..v + rest[v..].find('"').unwrap()].to_owned()
}

/// The version of the referral in its page's forms.
fn version(page: &Page) -> String {
    first_option(page, "version")
}

async fn make_referral(b: &Browser, family: domain::FamilyId, fields: &[(&str, &str)]) -> Page {
    b.submit(
        &format!("/families/{family}/referrals/new"),
        &format!("/families/{family}/referrals"),
        fields,
    )
    .await
}

async fn accept(chair: &Browser, referral: &str) -> Page {
    let page = chair.get(&format!("/referrals/{referral}")).await;
    assert_eq!(page.status, 200);
    let meeting = first_option(&page, "meeting");
    chair
        .post(
            &format!("/referrals/{referral}/events/accept"),
            &[("csrf", &page.csrf()), ("version", &version(&page)), ("meeting", &meeting)],
        )
        .await
}

engines!(
    a_mash_decision_excluding_police_reaches_the_panel_and_never_a_police_member,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let (panel, chair_email, family) = panel_chair_and_family(&app, true).await;
        let (police, officer) = app.police_officer();
        // The police sit on this panel as a core member, and the officer knew the family.
        let db = app.db();
        db.execute(&format!(
            "INSERT INTO panel_members (panel_id, organisation_id, user_id, membership) VALUES ({}, {}, NULL, 'core')",
            db.uuid_literal(panel.id.0),
            db.uuid_literal(police.0)
        ))
        .await;
        app.connect(&officer, family.id).await;
        let mash_email = staff_holding(&app, Role::MashPractitioner, &[&chair_email, &officer]);
        app.connect(&mash_email, family.id).await;

        // Given a MASH practitioner records consent excluding the police...
        let mash = app.signed_in_without_second_factor(&mash_email).await;
        let police_id = police.to_string();
        let consent = mash
            .submit(
                &format!("/families/{}/consent/new", family.id),
                &format!("/families/{}/consent", family.id),
                &[
                    ("given_by", "family"),
                    ("given_on", "20/11/2026"),
                    ("method", "written"),
                    ("scopes", "early_help_referral"),
                    ("scopes", "panel_discussion"),
                    ("excluded", police_id.as_str()),
                    ("review_due", "20/11/2027"),
                ],
            )
            .await;
        assert_eq!(consent.status, 303, "{}", consent.body);
        // ...and refers the family on MASH's threshold decision,
        let made = make_referral(
            &mash,
            family.id,
            &[
                ("route", "mash_decision"),
                ("reason", "Attendance has fallen and the parents ask for help with routines"),
            ],
        )
        .await;
        let referral = referral_made(&made);
        let page = mash.get(&format!("/referrals/{referral}")).await;
        assert!(page.shows("Awaiting screening"), "{}", page.body);

        // when the chair accepts it for the panel's next meeting,
        let chair = app.signed_in_without_second_factor(&chair_email).await;
        let queue = chair.get("/referrals").await;
        assert!(queue.shows(&family.address_line), "in the chair's screening queue");
        let accepted = accept(&chair, &referral).await;
        assert_eq!(accepted.status, 303, "{}", accepted.body);
        let page = chair.get(&format!("/referrals/{referral}")).await;
        assert!(page.shows("Accepted for panel"));
        assert!(page.shows(&panel.name));

        // then the panel's business support, a core member, sees the family,
        let support_email = app
            .county
            .staff
            .iter()
            .find(|s| s.id == panel.business_support)
            .unwrap()
            .email
            .to_string();
        let support = app.signed_in_without_second_factor(&support_email).await;
        assert!(support.get("/families").await.shows(&family.address_line));

        // and the police officer, though a core member who once knew the family, sees it nowhere.
        let police = app.signed_in_without_second_factor(&officer).await;
        let list = police.get("/families").await;
        assert!(!list.shows(&family.address_line));
        let search = police
            .submit(
                "/families",
                "/families",
                &[("name", &family.people[0].family_name), ("postcode", "")],
            )
            .await;
        assert!(!search.shows(&family.address_line));
        assert_eq!(police.get(&format!("/families/{}", family.id)).await.status, 403);
        let refused = police.get(&format!("/referrals/{referral}")).await;
        let made_up = police.get(&format!("/referrals/{}", domain::ReferralId::new())).await;
        assert_eq!(refused.status, 403);
        assert_eq!(refused.body, made_up.body, "a refusal does not say the referral exists");
        assert!(!police.get("/referrals").await.shows(&family.address_line));
        assert!(!police.get("/").await.shows(&family.address_line));
    }
);

engines!(
    a_family_without_consent_cannot_be_referred_except_as_an_urgent_concern,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let (_, family, _, lead) = lead_professional_and_chair(&app, false).await;

        let refused = make_referral(
            &lead,
            family.id,
            &[("route", "stuck"), ("reason", "The plan has stalled since the move")],
        )
        .await;
        assert_eq!(refused.status, 200, "the form comes back");
        assert!(
            refused.shows("The family has not agreed to an early help referral"),
            "{}",
            refused.body
        );
        assert!(refused.shows("The plan has stalled since the move"), "what was typed is kept");

        let urgent = make_referral(
            &lead,
            family.id,
            &[("route", "stuck"), ("reason", "A child disclosed harm today"), ("urgent", "yes")],
        )
        .await;
        let referral = referral_made(&urgent);
        assert!(lead.get(&format!("/referrals/{referral}")).await.shows("Escalated to MASH"));
    }
);

engines!(
    a_family_that_agreed_to_a_referral_but_not_to_panel_discussion_cannot_be_accepted,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let (chair_email, family, _, lead) = lead_professional_and_chair(&app, false).await;
        let consent = lead
            .submit(
                &format!("/families/{}/consent/new", family.id),
                &format!("/families/{}/consent", family.id),
                &[
                    ("given_by", "family"),
                    ("given_on", "20/11/2026"),
                    ("method", "verbal"),
                    ("scopes", "early_help_referral"),
                    ("review_due", "20/11/2027"),
                ],
            )
            .await;
        assert_eq!(consent.status, 303, "{}", consent.body);
        let made = make_referral(
            &lead,
            family.id,
            &[("route", "stuck"), ("reason", "The plan has stalled since the move")],
        )
        .await;
        let referral = referral_made(&made);

        let chair = app.signed_in_without_second_factor(&chair_email).await;
        let refused = accept(&chair, &referral).await;

        assert_eq!(refused.status, 200, "the page is shown again with the reason");
        assert!(refused.shows("has not agreed to an early help referral and to discussion at panel"));
        assert!(refused.shows("Awaiting screening"), "nothing changed");
    }
);

engines!(
    withdrawing_consent_ends_the_familys_referrals_and_the_access_they_gave,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let (chair_email, family, _, lead) = lead_professional_and_chair(&app, true).await;
        let made = make_referral(
            &lead,
            family.id,
            &[("route", "stuck"), ("reason", "The plan has stalled since the move")],
        )
        .await;
        let referral = referral_made(&made);
        let chair = app.signed_in_without_second_factor(&chair_email).await;
        assert_eq!(
            chair.get(&format!("/families/{}", family.id)).await.status,
            200,
            "the chair screening it sees the family"
        );

        // The family withdraws consent, recorded by the lead professional.
        let page = lead.get(&format!("/families/{}", family.id)).await;
        let consent = page
            .body
            .find("/withdraw\"")
            .and_then(|i| page.body.get(i - 36..i))
            .expect("a consent in force to withdraw")
            .to_owned();
        let withdrawn = lead
            .submit(
                &format!("/families/{}/consent/{consent}/withdraw", family.id),
                &format!("/families/{}/consent/{consent}/withdraw", family.id),
                &[("withdrawn_on", "25/11/2026"), ("reason", "The family asked us to stop")],
            )
            .await;
        assert_eq!(withdrawn.status, 303, "{}", withdrawn.body);

        assert_eq!(
            chair.get(&format!("/families/{}", family.id)).await.status,
            403,
            "the chair's access ended"
        );
        assert!(!chair.get("/referrals").await.shows(&family.address_line));
        let ended = lead.get(&format!("/referrals/{referral}")).await;
        assert!(ended.shows("Withdrawn"), "{}", ended.body);
        assert!(ended.shows("The family withdrew their consent"));
    }
);

engines!(
    an_urgent_concern_goes_to_mash_and_can_never_be_accepted_for_a_panel,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let (chair_email, family, lead_email, lead) = lead_professional_and_chair(&app, true).await;
        let made = make_referral(
            &lead,
            family.id,
            &[
                ("route", "stuck"),
                ("reason", "A child disclosed harm at school today"),
                ("urgent", "yes"),
            ],
        )
        .await;
        let referral = referral_made(&made);
        assert!(lead.get(&format!("/referrals/{referral}")).await.shows("Escalated to MASH"));

        // The chair never sees it to screen, and cannot accept it by posting the form.
        let chair = app.signed_in_without_second_factor(&chair_email).await;
        assert!(!chair.get("/referrals").await.shows(&family.address_line));
        let csrf = chair.get("/referrals").await.csrf();
        let forced = chair
            .post(
                &format!("/referrals/{referral}/events/accept"),
                &[("csrf", &csrf), ("version", "1"), ("meeting", "x/2026-12-08")],
            )
            .await;
        assert_eq!(forced.status, 403);

        // Any MASH practitioner sees it with the 24-hour clock and acknowledges it.
        let mash = app
            .signed_in_without_second_factor(&staff_holding(&app, Role::MashPractitioner, &[&chair_email, &lead_email]))
            .await;
        let inbox = mash.get("/referrals").await;
        assert!(inbox.shows(&family.address_line), "{}", inbox.body);
        assert!(inbox.shows("acknowledge within 24 hours"));
        let page = mash.get(&format!("/referrals/{referral}")).await;
        let acknowledged = mash
            .post(
                &format!("/referrals/{referral}/events/acknowledge"),
                &[("csrf", &page.csrf()), ("version", &version(&page))],
            )
            .await;
        assert_eq!(acknowledged.status, 303);
        assert!(mash.get(&format!("/referrals/{referral}")).await.shows("Acknowledged by MASH"));
    }
);

engines!(a_step_down_waits_for_the_case_supervisor_named_on_it, |db| async move {
    let app = TestApp::spawn(db).await;
    let (_, chair_email, family) = panel_chair_and_family(&app, true).await;
    let lead_email = staff_holding(&app, Role::LeadProfessional, &[&chair_email]);
    app.connect(&lead_email, family.id).await;
    let supervisor_email = staff_holding(&app, Role::CaseSupervisor, &[&chair_email, &lead_email]);
    let supervisor_id = app.staff(&supervisor_email).id.to_string();
    let lead = app.signed_in_without_second_factor(&lead_email).await;

    let unnamed = make_referral(
        &lead,
        family.id,
        &[("route", "step_down"), ("reason", "Stepping down after the plan ended")],
    )
    .await;
    assert_eq!(unnamed.status, 200);
    assert!(unnamed.shows("Select the case supervisor who will sign off the checklist"));
    assert!(unnamed.shows("Stepping down after the plan ended"), "what was typed is kept");

    let made = make_referral(
        &lead,
        family.id,
        &[
            ("route", "step_down"),
            ("reason", "Stepping down after the plan ended"),
            ("sign_off_by", supervisor_id.as_str()),
        ],
    )
    .await;
    let referral = referral_made(&made);
    let chair = app.signed_in_without_second_factor(&chair_email).await;
    assert!(
        !chair.get("/referrals").await.shows(&family.address_line),
        "not screened before sign-off"
    );

    let supervisor = app.signed_in_without_second_factor(&supervisor_email).await;
    let queue = supervisor.get("/referrals").await;
    assert!(queue.shows(&family.address_line), "{}", queue.body);
    let page = supervisor.get(&format!("/referrals/{referral}")).await;
    let incomplete = supervisor
        .post(
            &format!("/referrals/{referral}/events/sign_off"),
            &[("csrf", &page.csrf()), ("version", &version(&page))],
        )
        .await;
    assert_eq!(incomplete.status, 200);
    assert!(incomplete.shows("The checklist cannot be signed off until it is complete"));

    let mut fields = vec![("csrf".to_owned(), page.csrf()), ("version".to_owned(), version(&page))];
    for item in domain::referral::Route::StepDown.checklist() {
        fields.push(("checklist".to_owned(), item.code().to_owned()));
    }
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let signed = supervisor.post(&format!("/referrals/{referral}/events/sign_off"), &fields).await;
    assert_eq!(signed.status, 303, "{}", signed.body);

    assert!(
        chair.get("/referrals").await.shows(&family.address_line),
        "now in the screening queue"
    );
});

async fn token_for(app: &TestApp, email: &str) -> String {
    let token = web::session::new_token();
    app.store
        .create_api_token_from_console(
            app.staff(email).id,
            "case system",
            &web::session::token_digest(&token),
            app.store.now() + time::Duration::days(30),
        )
        .await
        .unwrap();
    token
}

engines!(
    an_agency_system_refers_a_family_it_works_with_and_follows_the_referral,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let (_, chair_email, family) = panel_chair_and_family(&app, true).await;
        let lead_email = staff_holding(&app, Role::LeadProfessional, &[&chair_email]);
        app.connect(&lead_email, family.id).await;
        let token = token_for(&app, &lead_email).await;
        let b = app.browser();
        let path = format!("/api/v1/families/{}/referrals", family.id);

        // A body with a field the API does not know is refused, and makes nothing.
        let extra = b
            .post_json_with_token(
                &path,
                &serde_json::json!({ "route": "stuck", "reason": "Plan stalled", "panel": "any" }),
                &token,
            )
            .await;
        assert_eq!(extra.status, 400);
        let blank = b
            .post_json_with_token(&path, &serde_json::json!({ "route": "stuck", "reason": "  " }), &token)
            .await;
        assert_eq!(blank.status, 400);
        assert!(blank.body.contains("Enter why you are referring the family"), "{}", blank.body);
        let listed: serde_json::Value = serde_json::from_str(&b.get_with_token(&path, &token).await.body).unwrap();
        assert_eq!(listed.as_array().unwrap().len(), 0);

        let made = b
            .post_json_with_token(
                &path,
                &serde_json::json!({ "route": "stuck", "reason": "The plan has stalled" }),
                &token,
            )
            .await;
        assert_eq!(made.status, 201, "{}", made.body);
        let id = serde_json::from_str::<serde_json::Value>(&made.body).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let detail: serde_json::Value =
            serde_json::from_str(&b.get_with_token(&format!("/api/v1/referrals/{id}"), &token).await.body).unwrap();
        assert_eq!(detail["status"], "awaiting_screening");
        assert_eq!(detail["history"][0]["event"], "submit");

        // The referrer may withdraw it, but not accept it for a panel: that is the chair's.
        let events = format!("/api/v1/referrals/{id}/events");
        let accept = b
            .post_json_with_token(
                &events,
                &serde_json::json!({ "event": "accept", "version": detail["version"], "meeting": "x/2026-12-08" }),
                &token,
            )
            .await;
        assert_eq!(accept.status, 403);
        let stale = b
            .post_json_with_token(
                &events,
                &serde_json::json!({ "event": "withdraw", "version": 99, "reason": "Family moved" }),
                &token,
            )
            .await;
        assert_eq!(stale.status, 409, "a change against an old version is refused");
        let withdrawn = b
            .post_json_with_token(
                &events,
                &serde_json::json!({ "event": "withdraw", "version": detail["version"], "reason": "The family moved away" }),
                &token,
            )
            .await;
        assert_eq!(withdrawn.status, 200, "{}", withdrawn.body);
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&withdrawn.body).unwrap()["status"],
            "withdrawn"
        );
    }
);

engines!(
    the_chair_is_emailed_a_referral_to_screen_and_the_referrer_hears_it_was_accepted,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let (chair_email, family, lead_email, lead) = lead_professional_and_chair(&app, true).await;
        let made = make_referral(
            &lead,
            family.id,
            &[("route", "stuck"), ("reason", "The plan has stalled since the move")],
        )
        .await;
        let referral = referral_made(&made);
        app.deliver_mail().await;

        let to_chair = app.mail_to(&chair_email);
        assert_eq!(to_chair.len(), 1, "one e-mail to the chair");
        assert_eq!(to_chair[0].subject, "Early Help: a referral to screen");
        assert!(to_chair[0].body.contains(&format!("/referrals/{referral}")));
        for person in &family.people {
            assert!(!to_chair[0].body.contains(&person.family_name), "no family details in the e-mail");
        }
        assert!(!to_chair[0].body.contains(&family.address_line));
        assert!(app.mail_to(&lead_email).is_empty(), "nobody is told of their own action");

        let chair = app.signed_in_without_second_factor(&chair_email).await;
        assert_eq!(accept(&chair, &referral).await.status, 303);
        app.deliver_mail().await;
        let to_lead = app.mail_to(&lead_email);
        assert_eq!(to_lead.len(), 1);
        assert_eq!(to_lead[0].subject, "Early Help: your referral was accepted");
        assert!(to_lead[0].body.contains("panel meeting on"));
    }
);

engines!(an_urgent_concern_is_emailed_to_every_mash_practitioner, |db| async move {
    let app = TestApp::spawn(db).await;
    let (_, family, _, lead) = lead_professional_and_chair(&app, true).await;
    let made = make_referral(
        &lead,
        family.id,
        &[
            ("route", "stuck"),
            ("reason", "A child disclosed harm at school today"),
            ("urgent", "yes"),
        ],
    )
    .await;
    referral_made(&made);
    app.deliver_mail().await;
    let mash: Vec<&county::Staff> = app
        .county
        .staff
        .iter()
        .filter(|s| s.roles.contains(&Role::MashPractitioner))
        .collect();
    assert!(!mash.is_empty());
    for m in mash {
        let mail = app.mail_to(m.email.as_str());
        assert_eq!(mail.len(), 1, "{} was told", m.email);
        assert_eq!(mail[0].subject, "Early Help: an urgent safeguarding concern for MASH");
        assert!(mail[0].body.contains("within 24 hours"));
    }
});

engines!(
    a_returned_referral_is_put_right_and_sent_again_with_the_old_words_kept,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let (chair_email, family, _, lead) = lead_professional_and_chair(&app, true).await;
        let made = make_referral(&lead, family.id, &[("route", "stuck"), ("reason", "The plan has stalled")]).await;
        let referral = referral_made(&made);
        let chair = app.signed_in_without_second_factor(&chair_email).await;
        let page = chair.get(&format!("/referrals/{referral}")).await;
        let returned = chair
            .post(
                &format!("/referrals/{referral}/events/return"),
                &[
                    ("csrf", &page.csrf()),
                    ("version", &version(&page)),
                    ("reason", "Please add the family's own view of what would help."),
                ],
            )
            .await;
        assert_eq!(returned.status, 303);

        let page = lead.get(&format!("/referrals/{referral}")).await;
        assert!(page.shows("Returned to referrer"));
        let resent = lead
            .post(
                &format!("/referrals/{referral}/events/submit"),
                &[
                    ("csrf", &page.csrf()),
                    ("version", &version(&page)),
                    (
                        "reason",
                        "The plan has stalled. The parents say they want help with the children's bedtimes.",
                    ),
                ],
            )
            .await;
        assert_eq!(resent.status, 303, "{}", resent.body);
        let page = chair.get(&format!("/referrals/{referral}")).await;
        assert!(page.shows("Awaiting screening"));
        assert!(page.shows("help with the children&#39;s bedtimes") || page.shows("help with the children's bedtimes"));
        assert!(page.shows("Reason before it was rewritten: The plan has stalled"), "{}", page.body);
    }
);
