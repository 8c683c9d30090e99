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

engines!(
    a_panel_decision_to_assess_opens_a_plan_that_its_lead_professional_keeps,
    |db| async move {
        let m = meeting_with_two_cases(db).await;
        let (app, meeting) = (&m.app, &m.meeting);
        let lead = lead_professional_on_panel(&m).clone();
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
            "DELETE FROM need_progress WHERE need_id IN (SELECT n.id FROM plan_needs n JOIN plans p ON p.id = n.plan_id WHERE p.family_id = {fid})",
            "DELETE FROM plan_reviews WHERE plan_id IN (SELECT id FROM plans WHERE family_id = {fid})",
            "DELETE FROM plan_needs WHERE plan_id IN (SELECT id FROM plans WHERE family_id = {fid})",
            "DELETE FROM plans WHERE family_id = {fid}",
        ] {
            db.execute(&statement.replace("{fid}", &fid)).await;
        }
        let needs = format!("SELECT COUNT(*) FROM plan_needs n JOIN plans p ON p.id = n.plan_id WHERE p.family_id = {fid}");
        let reviews = format!("SELECT COUNT(*) FROM plan_reviews r JOIN plans p ON p.id = r.plan_id WHERE p.family_id = {fid}");

        // Before the decision the family has no plan
        let none = chair.get(&format!("/families/{family}/plan")).await;
        assert_eq!(none.status, 200, "{}", none.body);
        assert!(none.shows("The family has no open plan"));

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
        // The same form sent again (a second person recording the same meeting) is refused
        let again = browser.post(&format!("/families/{family}/plan/reviews"), &review).await;
        assert_eq!(again.status, 409, "{}", again.body);
        assert_eq!(db.scalar(&reviews).await, 1);

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
