//! The meeting in the room over HTTP: the chair opens cases one at a time on the meeting day
//! and their slot timer runs; attendees following the meeting see the case under discussion
//! change, and get "not modified" while it has not; a case discussed anonymously goes out and
//! is heard as "Family A" without names; a step-up decided at the panel gives MASH the panel's
//! hours. On both engines.

use super::http_meetings::{field, item_after, meeting_with_two_cases};
use domain::role::Role;
use earlyhelp_acceptance::{Browser, Page, TestApp, engines};

async fn sign_declaration(who: &Browser, meeting: &str) {
    let signed = who
        .submit(&format!("/meetings/{meeting}"), &format!("/meetings/{meeting}/declaration"), &[])
        .await;
    assert_eq!(signed.status, 303, "{}", signed.body);
}

/// The agenda item the live view's list links to just before `name`.
fn live_item(page: &Page, meeting: &str, name: &str) -> String {
    let at = page.body.find(name).unwrap_or_else(|| panic!("{name} is in the live view"));
    let marker = format!("href=\"/meetings/{meeting}/live?item=");
    let i = page.body[..at].rfind(&marker).expect("a link to the case") + marker.len();
    page.body[i..i + 36].to_owned()
}

async fn open(chair: &Browser, meeting: &str, item: &str) -> Page {
    let live = chair.get(&format!("/meetings/{meeting}/live")).await;
    chair
        .post(&format!("/meetings/{meeting}/live/open"), &[("csrf", &live.csrf()), ("item", item)])
        .await
}

/// A MASH practitioner of a current signatory who holds no other role.
fn mash_practitioner(app: &TestApp) -> String {
    app.county
        .staff
        .iter()
        .find(|s| {
            s.roles == vec![Role::MashPractitioner]
                && app.county.isa_standing(s.organisation) == Some(domain::organisation::IsaStanding::Current)
        })
        .map(|s| s.email.to_string())
        .expect("a MASH practitioner")
}

/// Whether the page names anyone in the family.
fn people_named(page: &Page, family: &county::Family) -> bool {
    family
        .people
        .iter()
        .any(|p| page.body.contains(&format!("{} {}", p.given_name, p.family_name)))
}

engines!(
    chair_opens_cases_on_the_meeting_day_and_followers_see_the_change_only_when_it_moves,
    |db| async move {
        let m = meeting_with_two_cases(db).await;
        let (app, meeting) = (&m.app, m.meeting.as_str());
        let chair = app.signed_in_without_second_factor(&m.chair_email).await;
        sign_declaration(&chair, meeting).await;

        // Before the day the live view works for decisions, but no case can be opened
        let early = chair.get(&format!("/meetings/{meeting}/live")).await;
        assert_eq!(early.status, 200, "{}", early.body);
        assert!(early.shows("Cases can be opened for discussion on the day of the meeting, Tuesday 8 December 2026"));
        let item = live_item(&early, meeting, &m.kept.address_line);
        let refused = open(&chair, meeting, &item).await;
        assert_eq!(refused.status, 200, "the live view again, with the reason");
        assert!(refused.shows("on the day of the meeting"), "{}", refused.body);

        // The meeting day: 09:30 in London
        app.clock.advance(time::Duration::days(13) + time::Duration::minutes(30));
        let chair = app.signed_in_without_second_factor(&m.chair_email).await;
        let officer = app.signed_in_without_second_factor(&m.officer).await;
        sign_declaration(&officer, meeting).await;

        // An attendee who does not chair is sent to follow the meeting
        let sent = officer.get(&format!("/meetings/{meeting}/live")).await;
        assert_eq!(sent.status, 303);
        assert_eq!(sent.location.as_deref(), Some(format!("/meetings/{meeting}/follow").as_str()));
        let follow = officer.get(&format!("/meetings/{meeting}/follow")).await;
        assert_eq!(follow.status, 200, "{}", follow.body);
        assert!(follow.shows("No case is open for discussion at the moment"));
        let now = format!("/meetings/{meeting}/live/now");
        let first = officer.get(&now).await;
        assert_eq!(first.status, 200);
        let tag = first.headers.get("etag").unwrap().to_str().unwrap().to_owned();
        let unchanged = officer.get_with_headers(&now, &[("If-None-Match", &tag)]).await;
        assert_eq!(unchanged.status, 304, "nothing moved");
        assert!(unchanged.body.is_empty());

        // The chair opens the first case: its timer starts, and followers see it
        let opened = open(&chair, meeting, &item).await;
        assert_eq!(opened.status, 303, "{}", opened.body);
        let live = chair.get(opened.location.as_deref().unwrap().split('#').next().unwrap()).await;
        assert!(live.shows("15 min 0 s left"), "{}", live.body);
        assert!(live.shows("Close this case"));
        let moved = officer.get_with_headers(&now, &[("If-None-Match", &tag)]).await;
        assert_eq!(moved.status, 200);
        assert!(moved.shows("Now discussing: Family at"), "{}", moved.body);
        assert!(
            people_named(&moved, &m.kept),
            "the family's names are shown to a member its consent allows"
        );
        let tag2 = moved.headers.get("etag").unwrap().to_str().unwrap().to_owned();
        assert_ne!(tag, tag2);
        assert_eq!(officer.get_with_headers(&now, &[("If-None-Match", &tag2)]).await.status, 304);

        // Twenty minutes on, the slot has run over
        app.clock.advance(time::Duration::minutes(20));
        let late = chair.get(&format!("/meetings/{meeting}/live?item={item}")).await;
        assert!(late.shows(" over"), "{}", late.body);

        // A case whose family excluded the police is open: the officer learns only that
        let other = live_item(&late, meeting, &m.excluding.address_line);
        assert_eq!(open(&chair, meeting, &other).await.status, 303);
        let hidden = officer.get(&now).await;
        assert!(hidden.shows("not on your organisation’s list"), "{}", hidden.body);
        assert!(!hidden.shows(&m.excluding.address_line));
        assert!(!people_named(&hidden, &m.excluding));

        // Someone with no place at the meeting is refused, and so is an unsigned member
        let bso = app.signed_in_without_second_factor(&m.bso_email).await;
        assert_eq!(bso.get(&now).await.status, 403, "business support has not signed the declaration");
        let stranger = app.signed_in_without_second_factor(&mash_practitioner(app)).await;
        assert_eq!(stranger.get(&now).await.status, 403);

        // Closing the case: nothing is open
        let live = chair.get(&format!("/meetings/{meeting}/live")).await;
        let closed = chair
            .post(&format!("/meetings/{meeting}/live/open"), &[("csrf", &live.csrf()), ("item", "")])
            .await;
        assert_eq!(closed.status, 303);
        assert!(officer.get(&now).await.shows("No case is open"));
    }
);

engines!(
    a_case_marked_anonymous_before_circulation_goes_out_without_names_and_is_family_a_at_the_meeting,
    |db| async move {
        let m = meeting_with_two_cases(db).await;
        let (app, meeting) = (&m.app, m.meeting.as_str());
        let db = app.db();
        let bso = app.signed_in_without_second_factor(&m.bso_email).await;
        let page = bso.get(&format!("/meetings/{meeting}")).await;
        let at = page.body.find(&m.kept.address_line).unwrap();
        let marker = format!("action=\"/meetings/{meeting}/items/");
        let i = page.body[at..].find(&marker).unwrap() + at + marker.len();
        let item = page.body[i..i + 36].to_owned();
        let marked = bso
            .post(
                &format!("/meetings/{meeting}/items/{item}"),
                &[
                    ("csrf", &page.csrf()),
                    ("version", &field(&page, "version")),
                    ("change", "anonymous"),
                ],
            )
            .await;
        assert_eq!(marked.status, 303, "{}", marked.body);
        let page = bso.get(&format!("/meetings/{meeting}")).await;
        assert!(
            page.shows("Discussed anonymously as Family A"),
            "business support still sees who it is"
        );
        assert!(page.shows(&m.kept.address_line));

        let sent = bso
            .submit(&format!("/meetings/{meeting}"), &format!("/meetings/{meeting}/circulate"), &[])
            .await;
        assert_eq!(sent.status, 303, "{}", sent.body);

        // The police copy: Family A with nothing to check, no names or address
        let officer = app.signed_in_without_second_factor(&m.officer).await;
        let copy = officer.get(&format!("/meetings/{meeting}/copy")).await;
        assert_eq!(copy.status, 200, "{}", copy.body);
        assert!(copy.shows("Family A"));
        assert!(copy.shows("nothing to check beforehand"));
        assert!(!copy.shows(&m.kept.address_line));
        assert!(!people_named(&copy, &m.kept));
        // Not sharing is a decision, logged as one
        let withheld = db
            .count(&format!(
                "SELECT COUNT(*) FROM sharing_log WHERE family_id = {} AND decision = 'not_shared' AND data_categories LIKE '%anonymously as Family A%'",
                db.uuid_literal(m.kept.id.0)
            ))
            .await;
        assert!(withheld >= 1, "each member's copy logged a decision not to share");

        // In the closed part the case is Family A, for the chair too
        let chair = app.signed_in_without_second_factor(&m.chair_email).await;
        sign_declaration(&chair, meeting).await;
        let closed = chair.get(&format!("/meetings/{meeting}/closed")).await;
        assert!(closed.shows("Family A"));
        assert!(!closed.shows(&m.kept.address_line));
        assert!(!people_named(&closed, &m.kept));
        assert!(closed.shows(&m.excluding.address_line), "the other case is discussed by name");
        let decided = chair
            .post(
                &format!("/meetings/{meeting}/closed/{item}/decision"),
                &[
                    ("csrf", &closed.csrf()),
                    ("outcome", "close"),
                    ("reasons", "Advice given to the referrer"),
                    ("back", "live"),
                ],
            )
            .await;
        assert_eq!(decided.status, 303, "{}", decided.body);
        assert!(
            decided.location.unwrap().contains("/live?item="),
            "the chair returns to the live view"
        );

        // The action notes name Family A only, as a page and as JSON
        let notes = chair.get(&format!("/meetings/{meeting}/notes")).await;
        assert_eq!(notes.status, 200, "{}", notes.body);
        assert!(notes.shows("Family A"));
        assert!(!notes.shows(&m.kept.address_line));
        assert!(!people_named(&notes, &m.kept));
        // and so does the families-discussed report, as a page and a spreadsheet row
        let report = chair.get("/reports/families-discussed?from=08/12/2026&until=08/12/2026").await;
        assert_eq!(report.status, 200, "{}", report.body);
        assert!(report.shows("Family A (discussed anonymously)"), "{}", report.body);
        assert!(!report.shows(&m.kept.address_line));
        let csv = chair.get("/reports/families-discussed.csv?from=08/12/2026&until=08/12/2026").await;
        assert!(csv.body.contains("Family A (discussed anonymously)") && !csv.body.contains(&m.kept.address_line));

        // Marking a case after the meeting is refused
        app.clock.advance(time::Duration::days(14));
        let bso = app.signed_in_without_second_factor(&m.bso_email).await;
        let page = bso.get(&format!("/meetings/{meeting}")).await;
        let refused = bso
            .post(
                &format!("/meetings/{meeting}/items/{item}"),
                // The page offers no change once the meeting is held; a form kept open tries anyway
                &[("csrf", &page.csrf()), ("version", "0"), ("change", "named")],
            )
            .await;
        assert_eq!(refused.status, 200);
        assert!(refused.shows("This meeting has already taken place"), "{}", refused.body);
    }
);

engines!(
    a_step_up_decided_at_the_panel_is_due_within_the_panels_hours_and_mash_sees_that_clock,
    |db| async move {
        let m = meeting_with_two_cases(db).await;
        let (app, meeting) = (&m.app, m.meeting.as_str());
        let db = app.db();
        db.execute("UPDATE panels SET step_up_hours = 4").await;
        let chair = app.signed_in_without_second_factor(&m.chair_email).await;
        sign_declaration(&chair, meeting).await;
        let closed = chair.get(&format!("/meetings/{meeting}/closed")).await;
        let item = item_after(&closed, meeting, &m.kept.address_line);
        let decided = chair
            .post(
                &format!("/meetings/{meeting}/closed/{item}/decision"),
                &[
                    ("csrf", &closed.csrf()),
                    ("outcome", "escalate_to_mash"),
                    ("reasons", "New information suggests significant harm"),
                ],
            )
            .await;
        assert_eq!(decided.status, 303, "{}", decided.body);
        let closed = chair.get(&format!("/meetings/{meeting}/closed")).await;
        // Decided at 09:00 UTC on 25 November: due at 13:00 London time
        assert!(closed.shows("Step up by"), "{}", closed.body);
        assert!(closed.shows("25 November 2026 at 1pm"), "{}", closed.body);
        assert!(closed.shows("within 4 hours of the decision"));

        let mash = app.signed_in_without_second_factor(&mash_practitioner(app)).await;
        let queue = mash.get("/referrals").await;
        assert!(queue.shows("acknowledge within 4 hours"), "{}", queue.body);
    }
);

/// Business support changes one agenda item of `meeting`: the form on the meeting page just
/// after the family's address.
async fn change_case(bso: &Browser, meeting: &str, address: &str, change: &str) -> Page {
    let page = bso.get(&format!("/meetings/{meeting}")).await;
    let at = page.body.find(address).unwrap_or_else(|| panic!("{address} is on the agenda"));
    let marker = format!("action=\"/meetings/{meeting}/items/");
    let i = page.body[at..].find(&marker).unwrap() + at + marker.len();
    let item = page.body[i..i + 36].to_owned();
    bso.post(
        &format!("/meetings/{meeting}/items/{item}"),
        &[("csrf", &page.csrf()), ("version", &field(&page, "version")), ("change", change)],
    )
    .await
}

/// The anonymous name the meeting page gives the case at `address`, if any.
fn anonymous_name(page: &Page, address: &str) -> Option<String> {
    let at = page.body.find(&format!("Family at {address}"))?;
    // The case's own cell of the agenda table
    let cell = &page.body[page.body[..at].rfind("<td")?..at];
    let tag = "Discussed anonymously as ";
    let i = cell.find(tag)? + tag.len();
    Some(cell[i..].split('<').next().unwrap_or("").to_owned())
}

engines!(
    an_anonymous_case_takes_the_first_free_name_and_keeps_being_anonymous_when_deferred,
    |db| async move {
        let m = meeting_with_two_cases(db).await;
        let (app, meeting) = (&m.app, m.meeting.as_str());
        let bso = app.signed_in_without_second_factor(&m.bso_email).await;
        for f in [&m.kept, &m.excluding] {
            assert_eq!(change_case(&bso, meeting, &f.address_line, "anonymous").await.status, 303);
        }
        let page = bso.get(&format!("/meetings/{meeting}")).await;
        assert_eq!(anonymous_name(&page, &m.kept.address_line).as_deref(), Some("Family A"));
        assert_eq!(anonymous_name(&page, &m.excluding.address_line).as_deref(), Some("Family B"));

        // Discussed by name after all, then anonymously again: the first free name, A
        assert_eq!(change_case(&bso, meeting, &m.kept.address_line, "named").await.status, 303);
        let page = bso.get(&format!("/meetings/{meeting}")).await;
        assert_eq!(anonymous_name(&page, &m.kept.address_line), None);
        assert_eq!(
            anonymous_name(&page, &m.excluding.address_line).as_deref(),
            Some("Family B"),
            "B keeps its name"
        );
        assert_eq!(change_case(&bso, meeting, &m.kept.address_line, "anonymous").await.status, 303);

        // Both deferred to the next meeting: each stays anonymous under a name free there
        for f in [&m.excluding, &m.kept] {
            assert_eq!(change_case(&bso, meeting, &f.address_line, "defer").await.status, 303);
        }
        let list = bso.get("/meetings").await;
        let at = list.body.find("Tuesday 15 December 2026").expect("the next meeting is listed");
        let marker = "href=\"/meetings/";
        let i = list.body[..at].rfind(marker).unwrap() + marker.len();
        let next = list.body[i..i + 36].to_owned();
        let page = bso.get(&format!("/meetings/{next}")).await;
        assert_eq!(anonymous_name(&page, &m.excluding.address_line).as_deref(), Some("Family A"));
        assert_eq!(anonymous_name(&page, &m.kept.address_line).as_deref(), Some("Family B"));
    }
);

engines!(a_follow_view_left_open_still_signs_its_user_out_when_idle, |db| async move {
    let m = meeting_with_two_cases(db).await;
    let (app, meeting) = (&m.app, m.meeting.as_str());
    let officer = app.signed_in_without_second_factor(&m.officer).await;
    sign_declaration(&officer, meeting).await;
    assert_eq!(officer.get(&format!("/meetings/{meeting}/follow")).await.status, 200);
    let now = format!("/meetings/{meeting}/live/now");

    // The page polls on its own for twenty minutes, then for fifteen more: the polls are
    // answered, but they are not activity, so the idle timeout (30 minutes) still runs
    app.clock.advance(time::Duration::minutes(20));
    assert_eq!(officer.get(&now).await.status, 200);
    app.clock.advance(time::Duration::minutes(15));
    let out = officer.get(&now).await;
    assert_eq!(out.status, 303, "signed out: nobody used the page for 35 minutes");
    assert!(out.location.unwrap_or_default().starts_with("/sign-in"), "sent to sign in again");
});
