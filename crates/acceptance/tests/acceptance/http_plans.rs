//! Family plans over HTTP: the panel's decision to initiate an assessment opens the family's
//! plan with the lead professional and first Team Around the Family date it named; the lead
//! professional adds needs against the outcomes framework; others who see the family read the
//! plan but cannot change it. On both engines.

use crate::http_meetings::{Meeting, item_after, meeting_with_two_cases};
use domain::role::Role;
use earlyhelp_acceptance::engines;

/// A lead professional of one of the panel's member organisations who needs no second factor.
fn lead_professional_on_panel(m: &Meeting) -> &county::Staff {
    let members: Vec<_> = m.panel.members.iter().map(|p| p.organisation).collect();
    m.app
        .county
        .staff
        .iter()
        .find(|s| {
            s.roles == [Role::LeadProfessional]
                && members.contains(&s.organisation)
                && s.email.as_str() != m.chair_email
                && m.app.county.isa_standing(s.organisation) == Some(domain::organisation::IsaStanding::Current)
                && !s.roles.iter().any(|r| r.always_requires_mfa())
        })
        .expect("a lead professional of a member organisation")
}

/// Opens a plan for the meeting's kept family the way the product does: the chair signs the
/// declaration and records the panel's decision to initiate an assessment, naming a lead
/// professional and the first Team Around the Family date. Any plan the demo history gave the
/// family is removed first. Returns the lead professional.
pub(crate) async fn plan_opened_by_decision(m: &Meeting) -> county::Staff {
    let (app, meeting) = (&m.app, &m.meeting);
    let lead = lead_professional_on_panel(m).clone();
    let chair = app.signed_in_without_second_factor(&m.chair_email).await;
    let signed = chair
        .submit(&format!("/meetings/{meeting}"), &format!("/meetings/{meeting}/declaration"), &[])
        .await;
    assert_eq!(signed.status, 303);
    let closed = chair.get(&format!("/meetings/{meeting}/closed")).await;
    let item = item_after(&closed, meeting, &m.kept.address_line);
    let family = m.kept.id;
    let db = app.db();
    let fid = db.uuid_literal(family.0);
    // The demo history may have opened a plan for the family: start without one.
    for statement in [
        "DELETE FROM need_sustained WHERE plan_id IN (SELECT id FROM plans WHERE family_id = {fid})",
        "DELETE FROM sustain_checks WHERE plan_id IN (SELECT id FROM plans WHERE family_id = {fid})",
        "DELETE FROM need_progress WHERE need_id IN (SELECT n.id FROM plan_needs n JOIN plans p ON p.id = n.plan_id WHERE p.family_id = {fid})",
        "DELETE FROM plan_reviews WHERE plan_id IN (SELECT id FROM plans WHERE family_id = {fid})",
        "DELETE FROM plan_needs WHERE plan_id IN (SELECT id FROM plans WHERE family_id = {fid})",
        "DELETE FROM plans WHERE family_id = {fid}",
    ] {
        db.execute(&statement.replace("{fid}", &fid)).await;
    }

    // Before the decision the family has no plan
    let none = chair.get(&format!("/families/{family}/plan")).await;
    assert_eq!(none.status, 200, "{}", none.body);
    assert!(none.shows("The family has no plan"));

    // The chair records the decision to initiate an assessment, naming the lead professional
    let decided = chair
        .post(
            &format!("/meetings/{meeting}/closed/{item}/decision"),
            &[
                ("csrf", &closed.csrf()),
                ("outcome", "initiate_assessment"),
                ("reasons", "Needs across school and home"),
                ("lead_organisation", &lead.organisation.to_string()),
                ("lead_professional", &lead.id.to_string()),
                ("first_taf_by", "05/01/2027"),
            ],
        )
        .await;
    assert_eq!(decided.status, 303, "{}", decided.body);
    assert_eq!(
        db.scalar(&format!("SELECT COUNT(*) FROM plans WHERE family_id = {fid} AND closed_at IS NULL"))
            .await,
        1
    );
    assert_eq!(db.count("SELECT COUNT(*) FROM audit_log WHERE action = 'plan.open'").await, 1);
    lead
}

engines!(
    a_panel_decision_to_assess_opens_a_plan_that_its_lead_professional_keeps,
    |db| async move {
        let m = meeting_with_two_cases(db).await;
        let app = &m.app;
        let lead = plan_opened_by_decision(&m).await;
        let family = m.kept.id;
        let db = app.db();
        let fid = db.uuid_literal(family.0);
        let needs = format!("SELECT COUNT(*) FROM plan_needs n JOIN plans p ON p.id = n.plan_id WHERE p.family_id = {fid}");
        let reviews = format!("SELECT COUNT(*) FROM plan_reviews r JOIN plans p ON p.id = r.plan_id WHERE p.family_id = {fid}");

        // The lead professional sees the plan: who leads it and when the team first meets
        let browser = app.signed_in_without_second_factor(lead.email.as_str()).await;
        let plan = browser.get(&format!("/families/{family}/plan")).await;
        assert_eq!(plan.status, 200, "{}", plan.body);
        assert!(plan.shows(&format!("{} {}", lead.given_name, lead.family_name)), "{}", plan.body);
        assert!(plan.shows("5 January 2027"));
        assert!(plan.shows("Every 6 weeks"));
        assert!(plan.shows("No needs are on the plan yet"));
        assert!(plan.shows("Getting a good education"), "the framework is offered");

        // A need with nothing typed is refused with every problem, keeping what was typed
        let incomplete = browser
            .post(
                &format!("/families/{family}/plan/needs"),
                &[("csrf", &plan.csrf()), ("goal", "Attending at least 95% of sessions")],
            )
            .await;
        assert_eq!(incomplete.status, 200, "{}", incomplete.body);
        assert!(incomplete.shows("Select the outcome area the need is recorded against"));
        assert!(incomplete.shows("Enter where things stand now"));
        assert!(incomplete.shows("Attending at least 95% of sessions"), "what was typed is kept");
        assert_eq!(db.scalar(&needs).await, 0);

        // A complete need about one child goes on the plan
        let child = m
            .kept
            .people
            .iter()
            .find(|p| p.household_role == domain::family::HouseholdRole::Child)
            .unwrap();
        let added = browser
            .post(
                &format!("/families/{family}/plan/needs"),
                &[
                    ("csrf", &plan.csrf()),
                    ("area", "education"),
                    ("concerns", &child.id.to_string()),
                    ("baseline", "Attending 71% of sessions this term"),
                    ("goal", "Attending at least 95% of sessions"),
                ],
            )
            .await;
        assert_eq!(added.status, 303, "{}", added.body);
        let plan = browser.get(added.location.as_deref().unwrap()).await;
        assert!(plan.shows("The need is added to the plan"));
        assert!(
            plan.shows(&format!("Getting a good education — {} {}", child.given_name, child.family_name)),
            "{}",
            plan.body
        );
        assert!(plan.shows("Attending 71% of sessions this term"));
        assert_eq!(db.count("SELECT COUNT(*) FROM audit_log WHERE action = 'plan.need_added'").await, 1);

        // Once the first TAF date passes without a review, the lead professional's home page says so
        app.clock.advance(time::Duration::days(45));
        let browser = app.signed_in_without_second_factor(lead.email.as_str()).await;
        let overdue = format!("Review the plan for the family at {}", m.kept.address_line);
        let home = browser.get("/").await;
        assert!(home.shows(&overdue), "{}", home.body);

        // A review without progress on each need is refused, keeping what was typed
        let form = browser.get(&format!("/families/{family}/plan/reviews/new")).await;
        assert_eq!(form.status, 200, "{}", form.body);
        let at = form.body.find("name=\"progress-").unwrap() + "name=\"progress-".len();
        let progress = format!("progress-{}", &form.body[at..at + 36]);
        let incomplete = browser
            .post(
                &format!("/families/{family}/plan/reviews"),
                &[
                    ("csrf", &form.csrf()),
                    ("reviews_seen", "0"),
                    ("held_on", "5/1/2027"),
                    ("parents_words", "Mornings are calmer"),
                ],
            )
            .await;
        assert_eq!(incomplete.status, 200, "{}", incomplete.body);
        assert!(incomplete.shows("Select the progress made on each need"));
        assert!(incomplete.shows("Mornings are calmer"));
        assert_eq!(db.scalar(&reviews).await, 0);

        // A complete review records the progress and the family's words, and sets the next date
        let review = [
            ("csrf", form.csrf()),
            ("reviews_seen", "0".to_owned()),
            ("held_on", "5/1/2027".to_owned()),
            (progress.as_str(), "significant".to_owned()),
            ("parents_words", "Mornings are calmer".to_owned()),
            ("child_words", "I like my new teacher".to_owned()),
        ];
        let review: Vec<(&str, &str)> = review.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let reviewed = browser.post(&format!("/families/{family}/plan/reviews"), &review).await;
        assert_eq!(reviewed.status, 303, "{}", reviewed.body);
        let plan = browser.get(reviewed.location.as_deref().unwrap()).await;
        assert!(plan.shows("The review is recorded"));
        assert!(plan.shows("Significant progress"));
        assert!(plan.shows("“I like my new teacher”"));
        assert!(plan.shows("16 February 2027"), "six weeks on: {}", plan.body);
        assert!(!browser.get("/").await.shows(&overdue), "the home page no longer asks for it");
        // The family's copy carries the parents' words, and the child's only when the lead
        // professional chooses to share them
        let (_, _, pdf) = browser.get_bytes(&format!("/families/{family}/plan.pdf")).await;
        let text = pdf_text(&pdf);
        assert!(text.contains("Mornings are calmer"), "{text}");
        assert!(!text.contains("I like my new teacher"), "{text}");
        let (_, _, pdf) = browser.get_bytes(&format!("/families/{family}/plan.pdf?child_words=yes")).await;
        assert!(pdf_text(&pdf).contains("I like my new teacher"));
        // The same form sent again (a second person recording the same meeting) is refused
        let again = browser.post(&format!("/families/{family}/plan/reviews"), &review).await;
        assert_eq!(again.status, 409, "{}", again.body);
        assert_eq!(db.scalar(&reviews).await, 1);

        // The lead professional has the team meet every four weeks from now on; an interval
        // out of range is refused, keeping what was typed
        let plan = browser.get(&format!("/families/{family}/plan")).await;
        let version = plan_version(&plan);
        let refused = browser
            .post(
                &format!("/families/{family}/plan/interval"),
                &[("csrf", &plan.csrf()), ("version", &version), ("review_weeks", "27")],
            )
            .await;
        assert_eq!(refused.status, 200, "{}", refused.body);
        assert!(refused.shows("A plan is reviewed at least every 26 weeks and at most every week"));
        assert!(refused.shows("value=\"27\""));
        let changed = browser
            .post(
                &format!("/families/{family}/plan/interval"),
                &[("csrf", &plan.csrf()), ("version", &version), ("review_weeks", "4")],
            )
            .await;
        assert_eq!(changed.status, 303, "{}", changed.body);
        let plan = browser.get(changed.location.as_deref().unwrap()).await;
        assert!(plan.shows("The review interval is changed"));
        assert!(plan.shows("Every 4 weeks"));
        assert!(plan.shows("16 February 2027"), "the next review keeps its date");

        // Who is involved: the family page lists the lead professional with their e-mail and
        // when their agency last saw the family (the review); a contact recorded moves it on
        let page = browser.get(&format!("/families/{family}")).await;
        assert!(page.shows("Who is involved"));
        assert!(page.shows(lead.email.as_str()), "{}", page.body);
        assert!(page.shows("5 January 2027"), "the review counts as seeing the family");
        let refused = browser
            .post(
                &format!("/families/{family}/contacts"),
                &[("csrf", &page.csrf()), ("seen_on", "10/1/2027")],
            )
            .await;
        assert_eq!(refused.status, 200, "{}", refused.body);
        assert!(refused.shows("The date you saw the family cannot be in the future"));
        assert!(refused.shows("Select how you saw the family"));
        let recorded = browser
            .post(
                &format!("/families/{family}/contacts"),
                &[("csrf", &page.csrf()), ("seen_on", "8/1/2027"), ("how", "home_visit")],
            )
            .await;
        assert_eq!(recorded.status, 303, "{}", recorded.body);
        let page = browser.get(recorded.location.as_deref().unwrap()).await;
        assert!(page.shows("Your contact with the family is recorded"));
        assert!(page.shows("8 January 2027"), "{}", page.body);
        assert_eq!(db.count("SELECT COUNT(*) FROM audit_log WHERE action = 'family.contact'").await, 1);

        // The chair, a core member of the panel, reads the plan but may not change it
        let chair = app.signed_in_without_second_factor(&m.chair_email).await;
        let read = chair.get(&format!("/families/{family}/plan")).await;
        assert_eq!(read.status, 200);
        assert!(read.shows("Attending 71% of sessions this term"));
        assert!(!read.shows("Add the need"), "no form for someone who does not keep the plan");
        let refused = chair
            .post(
                &format!("/families/{family}/plan/needs"),
                &[
                    ("csrf", &read.csrf()),
                    ("area", "housing"),
                    ("baseline", "Rent arrears"),
                    ("goal", "Tenancy secure"),
                ],
            )
            .await;
        assert_eq!(refused.status, 403, "{}", refused.body);
        assert_eq!(db.scalar(&needs).await, 1);
    }
);

engines!(staff_of_an_organisation_the_family_excluded_never_see_its_plan, |db| async move {
    let m = meeting_with_two_cases(db).await;
    let app = &m.app;
    let officer = app.signed_in_without_second_factor(&m.officer).await;
    let page = officer.get(&format!("/families/{}/plan", m.excluding.id)).await;
    assert_eq!(page.status, 403, "{}", page.body);
    assert!(!page.shows(&m.excluding.address_line));
});

/// The need ids of a form's per-need fields (`name="<prefix><need id>"`), in the page's order.
pub(crate) fn need_fields(page: &earlyhelp_acceptance::Page, prefix: &str) -> Vec<String> {
    let marker = format!("name=\"{prefix}");
    let mut ids: Vec<String> = page
        .body
        .match_indices(&marker)
        .map(|(at, _)| page.body[at + marker.len()..at + marker.len() + 36].to_owned())
        .collect();
    ids.dedup();
    ids
}

/// Puts three needs in three outcome areas on the family's plan, as its lead professional.
pub(crate) async fn add_three_needs(browser: &earlyhelp_acceptance::Browser, family: domain::FamilyId) {
    for (area, baseline, goal) in [
        ("education", "Attending 71% of sessions", "Attending at least 95%"),
        ("housing", "Eight weeks of rent arrears", "Arrears cleared and the tenancy secure"),
        ("health", "Low mood most mornings", "Support from the GP and talking therapies"),
    ] {
        let plan = browser.get(&format!("/families/{family}/plan")).await;
        let added = browser
            .post(
                &format!("/families/{family}/plan/needs"),
                &[("csrf", &plan.csrf()), ("area", area), ("baseline", baseline), ("goal", goal)],
            )
            .await;
        assert_eq!(added.status, 303, "{}", added.body);
    }
}

/// The plan version a form on the page was filled in against.
pub(crate) fn plan_version(form: &earlyhelp_acceptance::Page) -> String {
    let marker = "name=\"version\" value=\"";
    let at = form.body.find(marker).unwrap() + marker.len();
    form.body[at..at + form.body[at..].find('"').unwrap()].to_owned()
}

engines!(
    a_closed_plan_whose_progress_held_months_later_reaches_the_claims_list,
    |db| async move {
        let m = meeting_with_two_cases(db).await;
        let app = &m.app;
        let lead = plan_opened_by_decision(&m).await;
        let family = m.kept.id;
        let db = app.db();
        let fid = db.uuid_literal(family.0);
        let open = format!("SELECT COUNT(*) FROM plans WHERE family_id = {fid} AND closed_at IS NULL");
        let browser = app.signed_in_without_second_factor(lead.email.as_str()).await;

        // Three needs in three outcome areas go on the plan
        add_three_needs(&browser, family).await;

        // A closure without a reason or the needs' statuses is refused, keeping what was typed
        let form = browser.get(&format!("/families/{family}/plan/close")).await;
        assert_eq!(form.status, 200, "{}", form.body);
        let statuses = need_fields(&form, "status-");
        assert_eq!(statuses.len(), 3, "one question per need");
        let version = plan_version(&form);
        let incomplete = browser
            .post(
                &format!("/families/{family}/plan/close"),
                &[
                    ("csrf", &form.csrf()),
                    ("version", &version),
                    ("closed_on", "25/11/2026"),
                    ("summary", "Routines are back and the rent is paid"),
                ],
            )
            .await;
        assert_eq!(incomplete.status, 200, "{}", incomplete.body);
        assert!(incomplete.shows("Select why the plan is closing"));
        assert!(incomplete.shows("Select where each need stands at close"));
        assert!(incomplete.shows("Routines are back and the rent is paid"), "what was typed is kept");
        assert_eq!(db.scalar(&open).await, 1, "nothing is closed");

        // The complete closure: needs met, with where each need stands
        let mut closure = vec![
            ("csrf".to_owned(), form.csrf()),
            ("version".to_owned(), version.clone()),
            ("closed_on".to_owned(), "25/11/2026".to_owned()),
            ("reason".to_owned(), "needs_met".to_owned()),
            ("parents_words".to_owned(), "We know who to call now".to_owned()),
        ];
        for (need, status) in statuses.iter().zip(["met", "significant", "significant"]) {
            closure.push((format!("status-{need}"), status.to_owned()));
        }
        let closure: Vec<(&str, &str)> = closure.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let closed = browser.post(&format!("/families/{family}/plan/close"), &closure).await;
        assert_eq!(closed.status, 303, "{}", closed.body);
        let plan = browser.get(closed.location.as_deref().unwrap()).await;
        assert!(plan.shows("The plan is closed"));
        assert!(plan.shows("This plan closed on 25 November 2026: Needs met"), "{}", plan.body);
        assert!(plan.shows("To be checked on or after 25 May 2027"), "six months on: {}", plan.body);
        assert!(plan.shows("“We know who to call now”"));
        assert!(!plan.shows("Record a review"), "a closed plan is not reviewed");
        assert!(!plan.shows("Add the need"), "nor are needs added to it");
        assert_eq!(db.scalar(&open).await, 0);
        assert_eq!(db.count("SELECT COUNT(*) FROM audit_log WHERE action = 'plan.close'").await, 1);
        // The same closure sent again finds nothing open to close
        let again = browser.post(&format!("/families/{family}/plan/close"), &closure).await;
        assert_eq!(again.status, 409, "{}", again.body);
        // Nor does a closed plan take a need or a review sent from a page read before it closed
        let need = browser
            .post(
                &format!("/families/{family}/plan/needs"),
                &[("csrf", &form.csrf()), ("area", "crime"), ("baseline", "b"), ("goal", "g")],
            )
            .await;
        assert_eq!(need.status, 404, "{}", need.body);
        let needs = format!("SELECT COUNT(*) FROM plan_needs n JOIN plans p ON p.id = n.plan_id WHERE p.family_id = {fid}");
        assert_eq!(db.scalar(&needs).await, 3);

        // The check cannot be made before it falls due
        let early = browser.get(&format!("/families/{family}/plan/sustained")).await;
        assert_eq!(early.status, 200, "{}", early.body);
        let held = need_fields(&early, "held-");
        assert_eq!(held.len(), 3);
        let mut check = vec![
            ("csrf".to_owned(), early.csrf()),
            ("checked_on".to_owned(), "25/11/2026".to_owned()),
            (
                "evidence".to_owned(),
                "School census: attendance 96%; rent account clear".to_owned(),
            ),
        ];
        for need in &held {
            check.push((format!("held-{need}"), "yes".to_owned()));
        }
        let pairs: Vec<(&str, &str)> = check.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let refused = browser.post(&format!("/families/{family}/plan/sustained"), &pairs).await;
        assert_eq!(refused.status, 200, "{}", refused.body);
        assert!(refused.shows("Progress is confirmed as lasting no sooner than the date the check is due"));
        assert!(
            refused.shows("School census: attendance 96%; rent account clear"),
            "what was typed is kept"
        );

        // Six months on, the lead professional's home page asks for the check
        app.clock.advance(time::Duration::days(190));
        let browser = app.signed_in_without_second_factor(lead.email.as_str()).await;
        let task = format!("Confirm whether progress held for the family at {}", m.kept.address_line);
        assert!(browser.get("/").await.shows(&task));
        let form = browser.get(&format!("/families/{family}/plan/sustained")).await;
        check[0].1 = form.csrf();
        check[1].1 = "1/6/2027".to_owned();
        // Without an answer for one need and without evidence it is refused
        let partial: Vec<(&str, &str)> = check
            .iter()
            .filter(|(k, _)| k != "evidence" && !k.ends_with(held[2].as_str()))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let refused = browser.post(&format!("/families/{family}/plan/sustained"), &partial).await;
        assert_eq!(refused.status, 200, "{}", refused.body);
        assert!(refused.shows("Say whether the improvement held for each need"));
        assert!(refused.shows("Enter the evidence that shows whether progress held"));
        let checks = format!("SELECT COUNT(*) FROM sustain_checks sc JOIN plans p ON p.id = sc.plan_id WHERE p.family_id = {fid}");
        assert_eq!(db.scalar(&checks).await, 0);
        let full: Vec<(&str, &str)> = check.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let recorded = browser.post(&format!("/families/{family}/plan/sustained"), &full).await;
        assert_eq!(recorded.status, 303, "{}", recorded.body);
        let plan = browser.get(recorded.location.as_deref().unwrap()).await;
        assert!(plan.shows("The check that progress held is recorded"));
        assert!(plan.shows("it is on the claims list"), "{}", plan.body);
        assert!(!browser.get("/").await.shows(&task), "the home page no longer asks for it");
        assert_eq!(db.scalar(&checks).await, 1);

        // The lead professional does not read the claims list; the panel's chair does
        assert_eq!(browser.get("/reports/claims").await.status, 403);
        let chair = app.signed_in_without_second_factor(&m.chair_email).await;
        let list = chair.get("/reports/claims").await;
        assert_eq!(list.status, 200, "{}", list.body);
        assert!(list.shows(&m.kept.address_line), "{}", list.body);
        assert!(list.shows("School census: attendance 96%; rent account clear"));
        // The download carries the evidence, and is written to the family's sharing log
        let shared = format!("SELECT COUNT(*) FROM sharing_log WHERE family_id = {fid}");
        let before = db.scalar(&shared).await;
        let (status, _, body) = chair.get_bytes("/reports/claims.csv").await;
        assert_eq!(status, 200);
        let csv = String::from_utf8(body).unwrap();
        assert!(csv.contains(&family.to_string()), "{csv}");
        assert!(
            csv.contains("Getting a good education; Improved mental and physical health; Secure housing"),
            "{csv}"
        );
        assert_eq!(db.scalar(&shared).await, before + 1);
        let (status, headers, _) = chair.get_bytes("/reports/claims.xlsx").await;
        assert_eq!(status, 200);
        assert!(format!("{headers:?}").contains("spreadsheetml"));
    }
);

engines!(a_plan_that_closed_with_a_need_slipping_back_is_not_claimed, |db| async move {
    let m = meeting_with_two_cases(db).await;
    let app = &m.app;
    let lead = plan_opened_by_decision(&m).await;
    let family = m.kept.id;
    let browser = app.signed_in_without_second_factor(lead.email.as_str()).await;
    add_three_needs(&browser, family).await;
    let form = browser.get(&format!("/families/{family}/plan/close")).await;
    let mut closure = vec![
        ("csrf".to_owned(), form.csrf()),
        ("closed_on".to_owned(), "25/11/2026".to_owned()),
        ("reason".to_owned(), "stepped_down".to_owned()),
    ];
    closure.push(("version".to_owned(), plan_version(&form)));
    for need in need_fields(&form, "status-") {
        closure.push((format!("status-{need}"), "significant".to_owned()));
    }
    let pairs: Vec<(&str, &str)> = closure.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(browser.post(&format!("/families/{family}/plan/close"), &pairs).await.status, 303);
    app.clock.advance(time::Duration::days(190));
    let browser = app.signed_in_without_second_factor(lead.email.as_str()).await;
    let form = browser.get(&format!("/families/{family}/plan/sustained")).await;
    let mut check = vec![
        ("csrf".to_owned(), form.csrf()),
        ("checked_on".to_owned(), "1/6/2027".to_owned()),
        (
            "evidence".to_owned(),
            "Attendance held at 95%; arrears have built up again".to_owned(),
        ),
    ];
    for (i, need) in need_fields(&form, "held-").iter().enumerate() {
        check.push((format!("held-{need}"), if i == 1 { "no" } else { "yes" }.to_owned()));
    }
    let pairs: Vec<(&str, &str)> = check.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let recorded = browser.post(&format!("/families/{family}/plan/sustained"), &pairs).await;
    assert_eq!(recorded.status, 303, "{}", recorded.body);
    let plan = browser.get(recorded.location.as_deref().unwrap()).await;
    assert!(plan.shows("The improvement did not hold"));
    assert!(!plan.shows("it is on the claims list"));
    let chair = app.signed_in_without_second_factor(&m.chair_email).await;
    let list = chair.get("/reports/claims").await;
    assert_eq!(list.status, 200);
    assert!(!list.shows(&m.kept.address_line), "{}", list.body);

    // The chair may not change the programme's rules; an administrator may
    assert_eq!(chair.get("/programme").await.status, 403);
    let admin = app.sign_in_with_second_factor(&app.staff_with_role(Role::Administrator)).await;
    let form = admin.get("/programme").await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.shows("value=\"6\""), "the six months the product ships with");
    // A rule out of range is refused with what was typed, and nothing changes
    let refused = admin
        .post(
            "/programme",
            &[
                ("csrf", &form.csrf()),
                ("sustain_months", "0"),
                ("min_areas", "two"),
                ("every_need", "no"),
                ("suppress_below", "50"),
            ],
        )
        .await;
    assert_eq!(refused.status, 200, "{}", refused.body);
    assert!(refused.shows("Progress is confirmed between 1 and 24 months after the plan closed"));
    assert!(refused.shows("A claim needs progress in between 1 and 30 outcome areas"));
    assert!(refused.shows("value=\"two\""), "what was typed is kept");
    assert!(refused.shows("Enter a whole number from 1 to 20: counts below it are hidden"));
    assert!(!chair.get("/reports/claims").await.shows(&m.kept.address_line));
    // A council that counts the areas that held, two of them, claims the family
    let saved = admin
        .post(
            "/programme",
            &[
                ("csrf", &form.csrf()),
                ("sustain_months", "6"),
                ("min_areas", "2"),
                ("every_need", "no"),
                ("suppress_below", "5"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert!(
        admin
            .get(saved.location.as_deref().unwrap())
            .await
            .shows("The programme rules are saved")
    );
    assert_eq!(
        app.db()
            .count("SELECT COUNT(*) FROM audit_log WHERE action = 'programme.settings'")
            .await,
        1
    );
    let list = chair.get("/reports/claims").await;
    assert!(list.shows(&m.kept.address_line), "{}", list.body);
    assert!(list.shows("in at least 2 outcome areas"));
});

engines!(
    the_referrer_hears_the_panels_decision_and_an_excluded_agency_only_that_it_was_considered,
    |db| async move {
        let m = meeting_with_two_cases(db).await;
        let app = &m.app;
        let db = app.db();
        // The second family was referred by the police officer, whose organisation its
        // consent now excludes
        let officer = app.staff(&m.officer);
        db.execute(&format!(
            "UPDATE referrals SET referred_by = {}, referrer_organisation_id = {} WHERE family_id = {}",
            db.uuid_literal(officer.id.0),
            db.uuid_literal(officer.organisation.0),
            db.uuid_literal(m.excluding.id.0)
        ))
        .await;
        // The panel decides both: an assessment led by a named lead professional, and a step down
        let lead = plan_opened_by_decision(&m).await;
        let chair = app.signed_in_without_second_factor(&m.chair_email).await;
        let closed = chair.get(&format!("/meetings/{}/closed", m.meeting)).await;
        let item = item_after(&closed, &m.meeting, &m.excluding.address_line);
        let decided = chair
            .post(
                &format!("/meetings/{}/closed/{item}/decision", m.meeting),
                &[
                    ("csrf", &closed.csrf()),
                    ("outcome", "step_down"),
                    ("reasons", "Universal services meet the needs now"),
                ],
            )
            .await;
        assert_eq!(decided.status, 303, "{}", decided.body);

        // The referrer is e-mailed that the panel decided; the officer only that their
        // referral was considered; neither e-mail names a family or carries the decision
        app.deliver_mail().await;
        let mails = app.mail_to(&m.referrer);
        let decision = mails
            .iter()
            .find(|e| e.subject == "Early Help: the panel has decided on your referral")
            .expect("the decision is e-mailed");
        assert!(decision.body.contains("on 8 December 2026 and has decided"), "{}", decision.body);
        // The decision itself is read in Early Help, never in an e-mail
        assert!(!decision.body.contains("Initiate an Early Help Assessment"), "{}", decision.body);
        assert!(!decision.body.contains(&lead.family_name));
        let mails = app.mail_to(&m.officer);
        let considered = mails
            .iter()
            .find(|e| e.subject == "Early Help: your referral was considered")
            .expect("the excluded referral is acknowledged");
        assert!(
            considered.body.contains("was considered by the panel on 8 December 2026"),
            "{}",
            considered.body
        );
        for mail in [decision, considered] {
            for family in [&m.kept, &m.excluding] {
                assert!(!mail.body.contains(&family.address_line), "{}", mail.body);
            }
        }
        assert!(!considered.body.contains("Step down"), "the excluded agency learns nothing more");
        assert!(!considered.body.contains("/referrals/"), "nor is it sent to the referral");

        // In earlyhelp their home pages say the same
        let home = app.signed_in_without_second_factor(&m.referrer).await.get("/").await;
        assert!(home.shows("What the panels decided on your referrals"), "{}", home.body);
        assert!(home.shows(&format!("The family at {}, considered on 8 December 2026", m.kept.address_line)));
        assert!(home.shows(&format!(
            "Initiate an Early Help Assessment (CAF); lead professional {} {}",
            lead.given_name, lead.family_name
        )));
        assert_eq!(
            db.count("SELECT COUNT(*) FROM audit_log WHERE action = 'referral.feedback_view'")
                .await,
            1,
            "showing the decision is audited"
        );
        let home = app.signed_in_without_second_factor(&m.officer).await.get("/").await;
        assert!(home.shows("was considered by the panel on 8 December 2026"), "{}", home.body);
        assert!(!home.shows(&m.excluding.address_line), "{}", home.body);
        assert!(!home.shows("Step down to universal services"));
    }
);

engines!(
    a_stuck_plan_goes_back_onto_the_panels_next_agenda_in_one_step_with_the_plan_attached,
    |db| async move {
        let m = meeting_with_two_cases(db).await;
        let app = &m.app;
        let lead = plan_opened_by_decision(&m).await;
        let family = m.kept.id;
        let db = app.db();
        let fid = db.uuid_literal(family.0);
        let stuck = format!("SELECT COUNT(*) FROM referrals WHERE family_id = {fid} AND route = 'stuck' AND plan_id IS NOT NULL");
        let browser = app.signed_in_without_second_factor(lead.email.as_str()).await;
        add_three_needs(&browser, family).await;
        // The meeting that opened the plan has sent its list out: the next one takes the case
        let bso = app.signed_in_without_second_factor(&m.bso_email).await;
        let sent = bso
            .submit(
                &format!("/meetings/{}", m.meeting),
                &format!("/meetings/{}/circulate", m.meeting),
                &[],
            )
            .await;
        assert_eq!(sent.status, 303, "{}", sent.body);

        // The plan offers the lead professional the way back to panel
        let plan = browser.get(&format!("/families/{family}/plan")).await;
        assert!(plan.shows("Bring the plan back to panel: it is stuck"), "{}", plan.body);
        let form = browser.get(&format!("/families/{family}/plan/panel")).await;
        assert_eq!(form.status, 200, "{}", form.body);
        assert!(form.shows(&m.panel.name), "the form says which panel: {}", form.body);
        assert!(form.shows("15 December 2026"), "and which meeting: {}", form.body);
        assert!(form.shows("3 needs, 0 reviews"));
        let version = plan_version(&form);

        // Saying nothing about what is stuck is refused, and nothing is made
        let empty = browser
            .post(
                &format!("/families/{family}/plan/panel"),
                &[("csrf", &form.csrf()), ("version", &version), ("reason", "  ")],
            )
            .await;
        assert_eq!(empty.status, 200, "{}", empty.body);
        assert!(empty.shows("Say what is stuck and what you need from the panel"));
        assert_eq!(db.scalar(&stuck).await, 0);

        // A form that named a meeting whose list has since gone out is refused, saying where
        // the plan would go now
        let why = "The housing support offered in October has not started; the team needs the panel to unblock it";
        let moved_on = browser
            .post(
                &format!("/families/{family}/plan/panel"),
                &[
                    ("csrf", &form.csrf()),
                    ("version", &version),
                    ("reason", why),
                    ("meeting", &m.meeting),
                ],
            )
            .await;
        assert_eq!(moved_on.status, 200, "{}", moved_on.body);
        assert!(
            moved_on.shows("the plan would now go to the meeting on 15 December 2026"),
            "{}",
            moved_on.body
        );
        assert_eq!(db.scalar(&stuck).await, 0);

        // One step puts it on the next agenda, with the plan attached
        let meeting = crate::http_meetings::field(&form, "meeting");
        let brought = browser
            .post(
                &format!("/families/{family}/plan/panel"),
                &[
                    ("csrf", &form.csrf()),
                    ("version", &version),
                    ("reason", why),
                    ("meeting", &meeting),
                ],
            )
            .await;
        assert_eq!(brought.status, 303, "{}", brought.body);
        let plan = browser.get(brought.location.as_deref().unwrap()).await;
        assert!(plan.shows("The plan is on the panel’s next agenda"), "{}", plan.body);
        assert!(plan.shows("Back at panel as a stuck case"));
        assert!(!plan.shows("Bring the plan back to panel: it is stuck"), "it is not offered twice");
        assert_eq!(db.scalar(&stuck).await, 1);
        assert_eq!(
            db.scalar(&format!(
                "SELECT COUNT(*) FROM referrals r JOIN plans p ON p.id = r.plan_id WHERE r.family_id = {fid} \
                 AND r.route = 'stuck' AND r.status = 'accepted_for_panel' AND p.closed_at IS NULL"
            ))
            .await,
            1,
            "the stuck case carries the open plan"
        );
        let next = db
            .scalar(&format!(
                "SELECT COUNT(*) FROM agenda_items ai JOIN referrals r ON r.id = ai.referral_id JOIN meetings mt ON mt.id = ai.meeting_id \
                 WHERE r.family_id = {fid} AND r.route = 'stuck' AND ai.removed_at IS NULL AND mt.meeting_date = '2026-12-15'"
            ))
            .await;
        assert_eq!(next, 1, "on the agenda of the meeting on 15 December");
        assert_eq!(
            db.count("SELECT COUNT(*) FROM audit_log WHERE action = 'plan.bring_back_to_panel'")
                .await,
            1
        );
        assert_eq!(
            db.scalar(&format!(
                "SELECT COUNT(*) FROM sharing_log WHERE family_id = {fid} AND data_categories LIKE 'Stuck case%'"
            ))
            .await,
            1,
            "sharing the plan with the panel is logged"
        );

        // The same form sent again is refused: the plan is already back
        let again = browser
            .post(
                &format!("/families/{family}/plan/panel"),
                &[("csrf", &form.csrf()), ("version", &version), ("reason", why)],
            )
            .await;
        assert_eq!(again.status, 200, "{}", again.body);
        assert!(again.shows("This plan is already back at panel"), "{}", again.body);
        assert_eq!(db.scalar(&stuck).await, 1);

        // The chair is told, by an e-mail that names no family
        app.deliver_mail().await;
        let mails = app.mail_to(&m.chair_email);
        let told = mails
            .iter()
            .find(|e| e.subject == "Early Help: a stuck plan is back on your panel’s agenda")
            .expect("the chair is told");
        assert!(told.body.contains("on the agenda for 15 December 2026"), "{}", told.body);
        assert!(!told.body.contains(&m.kept.address_line));

        // and on the home page
        let chair = app.signed_in_without_second_factor(&m.chair_email).await;
        let home = chair.get("/").await;
        assert!(
            home.shows(&format!(
                "Prepare for the stuck plan of the family at {}: it is on the agenda of {} for 15 December 2026",
                m.kept.address_line, m.panel.name
            )),
            "{}",
            home.body
        );

        // At the meeting the panel reads the case with its plan and what is stuck
        let back = plan.body.find("Back at panel as a stuck case").unwrap();
        let plan_link = back + plan.body[back..].find("href=\"/meetings/").unwrap();
        let next_meeting = plan.body[plan_link + 16..plan_link + 52].to_owned();
        let signed = chair
            .submit(
                &format!("/meetings/{next_meeting}"),
                &format!("/meetings/{next_meeting}/declaration"),
                &[],
            )
            .await;
        assert_eq!(signed.status, 303, "{}", signed.body);
        let closed = chair.get(&format!("/meetings/{next_meeting}/closed")).await;
        assert_eq!(closed.status, 200, "{}", closed.body);
        assert!(closed.shows(&m.kept.address_line) || closed.shows(&m.kept.people[0].family_name));
        assert!(closed.shows("The plan, brought back as stuck"), "{}", closed.body);
        assert!(closed.shows(why));
        assert!(closed.shows("Getting a good education"));
        assert!(closed.shows("Not yet judged"), "no review has judged the needs yet");
    }
);

/// The text a PDF shows, line by line joined with spaces: its uncompressed text operators,
/// written as literal strings or, for text with characters PDF strings escape, in hex.
fn pdf_text(pdf: &[u8]) -> String {
    let raw = String::from_utf8_lossy(pdf);
    raw.lines()
        .filter_map(|l| l.strip_suffix(" Tj"))
        .map(|s| match (s.strip_prefix('('), s.strip_prefix('<')) {
            (Some(lit), _) => lit.trim_end_matches(')').replace("\\(", "(").replace("\\)", ")"),
            (_, Some(hex)) => {
                let hex = hex.trim_end_matches('>');
                let bytes: Vec<u8> = (0..hex.len() / 2)
                    .filter_map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok())
                    .collect();
                String::from_utf8_lossy(&bytes).into_owned()
            }
            _ => String::new(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

engines!(
    the_lead_professional_prints_the_familys_own_plan_in_plain_english,
    |db| async move {
        let m = meeting_with_two_cases(db).await;
        let app = &m.app;
        let lead = plan_opened_by_decision(&m).await;
        let family = m.kept.id;
        let db = app.db();
        let browser = app.signed_in_without_second_factor(lead.email.as_str()).await;
        add_three_needs(&browser, family).await;

        // The plan page offers the family's copy
        let plan = browser.get(&format!("/families/{family}/plan")).await;
        assert!(plan.shows("Print the plan for the family (PDF, in plain English)"));

        // It is a PDF in the family's words: who helps, when the team meets, each need
        let (status, headers, pdf) = browser.get_bytes(&format!("/families/{family}/plan.pdf")).await;
        assert_eq!(status, 200);
        assert_eq!(headers.get("content-type").unwrap(), "application/pdf");
        assert!(pdf.starts_with(b"%PDF"), "a PDF");
        let text = pdf_text(&pdf);
        for words in [
            "Our family plan",
            "Who is helping us",
            "When we meet",
            "What we are working on",
            "Attending at least 95%",
            "Secure housing For the whole family",
            "We have not looked at this together yet",
            "call 999",
        ] {
            assert!(text.contains(words), "{words} is in the family's copy");
        }
        assert!(text.contains(&lead.family_name), "the lead professional is named");
        assert!(!text.contains("Needs across school and home"), "the panel's reasons are not in it");
        assert_eq!(
            db.count("SELECT COUNT(*) FROM audit_log WHERE action = 'plan.family_copy.export'")
                .await,
            1
        );

        // The chair, who reads the plan but does not keep it, cannot print the family's copy
        let chair = app.signed_in_without_second_factor(&m.chair_email).await;
        let (status, _, _) = chair.get_bytes(&format!("/families/{family}/plan.pdf")).await;
        assert_eq!(status, 403);
        assert!(
            !chair
                .get(&format!("/families/{family}/plan"))
                .await
                .shows("Print the plan for the family")
        );
    }
);

engines!(
    an_action_the_panel_agreed_is_linked_to_the_need_it_serves_on_the_plan,
    |db| async move {
        let m = meeting_with_two_cases(db).await;
        let app = &m.app;
        let lead = plan_opened_by_decision(&m).await;
        let family = m.kept.id;
        let db = app.db();
        let browser = app.signed_in_without_second_factor(lead.email.as_str()).await;
        add_three_needs(&browser, family).await;

        // The panel agrees an action for the family, owned by the lead professional
        let chair = app.signed_in_without_second_factor(&m.chair_email).await;
        let closed = chair.get(&format!("/meetings/{}/closed", m.meeting)).await;
        let item = item_after(&closed, &m.meeting, &m.kept.address_line);
        let added = chair
            .post(
                &format!("/meetings/{}/closed/{item}/actions", m.meeting),
                &[
                    ("csrf", &closed.csrf()),
                    ("action_description", "Ask the school for this term's attendance record"),
                    ("action_owner", &lead.id.to_string()),
                    ("action_due_on", "18/12/2026"),
                ],
            )
            .await;
        assert_eq!(added.status, 303, "{}", added.body);

        // The plan lists it as not yet linked, and offers the needs to link it to
        let plan = browser.get(&format!("/families/{family}/plan")).await;
        assert!(plan.shows("Actions not yet linked to a need"), "{}", plan.body);
        assert!(plan.shows("Ask the school for this term"), "{}", plan.body);
        let action = crate::http_meetings::field(&plan, "action");
        let marker = "<option value=\"";
        let at = plan.body.find("name=\"need\"").unwrap();
        let first_need = &plan.body[at..];
        let v = first_need.find(marker).unwrap() + marker.len();
        let education = first_need[v..v + 36].to_owned();

        // Linking it puts it under the need, with who does it and by when
        let linked = browser
            .post(
                &format!("/families/{family}/plan/actions"),
                &[("csrf", &plan.csrf()), ("action", &action), ("need", &education)],
            )
            .await;
        assert_eq!(linked.status, 303, "{}", linked.body);
        let plan = browser.get(linked.location.as_deref().unwrap()).await;
        assert!(plan.shows("The action is linked to the need"));
        assert!(!plan.shows("Actions not yet linked to a need"), "nothing is left to link");
        assert!(plan.shows(&format!("{} {}, ", lead.given_name, lead.family_name)));
        assert!(plan.shows("due 18 December 2026"), "{}", plan.body);
        assert_eq!(
            db.count("SELECT COUNT(*) FROM audit_log WHERE action = 'plan.action_linked'").await,
            1
        );
        // Another member of the Team Around the Family, who neither owns the action nor runs the
        // panel, reads the plan without it: the action is the meeting's, and its policy decides
        app.connect(&m.officer, family).await;
        let colleague = app.signed_in_without_second_factor(&m.officer).await;
        let theirs = colleague.get(&format!("/families/{family}/plan")).await;
        assert_eq!(theirs.status, 200, "{}", theirs.body);
        assert!(!theirs.shows("Ask the school for this term"), "{}", theirs.body);

        // and the family's own copy says who is doing what, for which need
        let (_, _, pdf) = browser.get_bytes(&format!("/families/{family}/plan.pdf")).await;
        let text = pdf_text(&pdf);
        assert!(text.contains("Who is doing what"), "{text}");
        assert!(text.contains("attendance record"), "{text}");
        assert!(text.contains("18 December 2026"), "{text}");
        assert_eq!(
            db.scalar(&format!(
                "SELECT COUNT(*) FROM actions WHERE need_id = {}",
                db.uuid_literal(uuid::Uuid::parse_str(&education).unwrap())
            ))
            .await,
            1
        );

        // A need of another family's plan is refused, and the link stays as it was
        let elsewhere = uuid::Uuid::now_v7().to_string();
        let refused = browser
            .post(
                &format!("/families/{family}/plan/actions"),
                &[("csrf", &plan.csrf()), ("action", &action), ("need", &elsewhere)],
            )
            .await;
        assert_eq!(refused.status, 409, "{}", refused.body);
        // and the chair, who reads the plan but does not keep it, may not link actions
        let by_chair = chair
            .post(
                &format!("/families/{family}/plan/actions"),
                &[("csrf", &closed.csrf()), ("action", &action), ("need", "")],
            )
            .await;
        assert_eq!(by_chair.status, 403, "{}", by_chair.body);
        assert_eq!(
            db.count("SELECT COUNT(*) FROM audit_log WHERE action = 'plan.action_linked'").await,
            1
        );
    }
);
