//! Meetings over HTTP, as business support, chairs and member agencies use the pages: cases
//! accepted for a meeting are on its agenda; the list goes to members at noon on its
//! circulation day, counted around the Christmas bank holidays; each agency's copy (in
//! earlyhelp or by secure e-mail) lacks the families that excluded it; agencies record their
//! checks and the chair sees them; a cancelled meeting's cases move on. On both engines.

use domain::panel::Cadence;
use domain::role::Role;
use earlyhelp_acceptance::{Browser, Page, TestApp, engines};
use time::Weekday;

fn families(app: &TestApp) -> Vec<county::Family> {
    let (_, spec) = earlyhelp_acceptance::small_county();
    app.county.families(&spec).collect()
}

fn email_of(app: &TestApp, user: domain::UserId) -> String {
    app.county.staff.iter().find(|s| s.id == user).unwrap().email.to_string()
}

/// The weekly Tuesday panel: its chair's and business support's e-mails.
fn tuesday_panel(app: &TestApp) -> (county::Panel, String, String) {
    let panel = app
        .county
        .panels
        .iter()
        .find(|p| p.cadence == Cadence::Weekly { weekday: Weekday::Tuesday } && !p.chairs.is_empty())
        .expect("a weekly Tuesday panel")
        .clone();
    let chair = email_of(app, panel.chairs[0]);
    let bso = email_of(app, panel.business_support);
    (panel, chair, bso)
}

/// The id in the first `href="/meetings/…"` link on a row that mentions `text`.
fn meeting_link(page: &Page, text: &str) -> String {
    let at = page.body.find(text).unwrap_or_else(|| panic!("{text} is on the page"));
    let before = &page.body[..at];
    let marker = "href=\"/meetings/";
    let i = before.rfind(marker).expect("a meeting link before it") + marker.len();
    page.body[i..i + 36].to_owned()
}

/// The value of the first field named `name` on the page.
pub(crate) fn field(page: &Page, name: &str) -> String {
    let at = page.body.find(&format!("name=\"{name}\"")).expect("the field is on the page");
    let rest = &page.body[at..];
    let v = rest.find("value=\"").unwrap() + 7;
    rest[v..v + rest[v..].find('"').unwrap()].to_owned()
}

/// Families of the panel's locality with consent in force and no exclusions, whose case no
/// panel holds yet.
async fn free_families(app: &TestApp, panel: &county::Panel, n: usize) -> Vec<county::Family> {
    let found: Vec<county::Family> = families(app)
        .into_iter()
        .filter(|f| {
            f.locality == panel.locality
                && f.involvement
                    .consent
                    .as_ref()
                    .is_some_and(|c| c.withdrawn_on.is_none() && c.excluded.is_empty())
        })
        .take(n)
        .collect();
    assert_eq!(found.len(), n, "the small county has {n} such families");
    let db = app.db();
    for f in &found {
        for table in ["case_invitations", "family_panels"] {
            db.execute(&format!("DELETE FROM {table} WHERE family_id = {}", db.uuid_literal(f.id.0)))
                .await;
        }
    }
    found
}

/// A lead professional refers the family as a stuck case; the chair accepts it for the
/// panel's meeting on `date`.
async fn accepted_for(app: &TestApp, lead: &Browser, chair: &Browser, panel: &county::Panel, family: domain::FamilyId, date: &str) {
    let made = lead
        .submit(
            &format!("/families/{family}/referrals/new"),
            &format!("/families/{family}/referrals"),
            &[("route", "stuck"), ("reason", "The plan has stalled and the family asked for help")],
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let referral = made.location.unwrap();
    let page = chair.get(&referral).await;
    let option = format!("{}/{date}", panel.id);
    assert!(page.body.contains(&option), "the meeting on {date} is offered");
    let accepted = chair
        .post(
            &format!("{referral}/events/accept"),
            &[("csrf", &page.csrf()), ("version", &field(&page, "version")), ("meeting", &option)],
        )
        .await;
    assert_eq!(accepted.status, 303, "{}", accepted.body);
    let _ = app;
}

engines!(
    the_list_goes_out_at_noon_on_its_circulation_day_before_christmas_and_never_to_an_agency_the_family_excluded,
    |db| async move {
        // Given two cases accepted for the meeting on Tuesday 29 December 2026, the police on
        // the panel as a core member and one family whose consent excludes them
        let Meeting {
            app,
            panel,
            meeting,
            kept,
            excluding,
            bso_email,
            officer,
            ..
        } = two_cases_on(db, time::macros::date!(2026 - 12 - 29)).await;
        let db = app.db();
        let (police, _) = app.police_officer();
        // and a voluntary service as an extended member taking its list by secure e-mail and
        // invited to both cases, whose consent the same family excludes too
        let mailbox_seat = panel
            .members
            .iter()
            .find(|m| m.secure_email.is_some())
            .expect("a member taking its list by secure e-mail");
        let mailbox = mailbox_seat.secure_email.clone().unwrap();
        for f in [&kept, &excluding] {
            db.execute(&format!(
                "INSERT INTO case_invitations (family_id, panel_id, organisation_id, invited_at) VALUES ({}, {}, {}, '2026-11-25T09:00:00Z')",
                db.uuid_literal(f.id.0),
                db.uuid_literal(panel.id.0),
                db.uuid_literal(mailbox_seat.organisation.0)
            ))
            .await;
        }
        db.execute(&format!(
            "INSERT INTO family_exclusions (family_id, organisation_id) VALUES ({}, {})",
            db.uuid_literal(excluding.id.0),
            db.uuid_literal(mailbox_seat.organisation.0)
        ))
        .await;

        // When business support opens the meeting
        let bso = app.signed_in_without_second_factor(&bso_email).await;
        let page = bso.get(&format!("/meetings/{meeting}")).await;
        assert_eq!(page.status, 200);
        // Then the list goes out on Thursday 17 December: Christmas Day and the substitute
        // Boxing Day are not working days, and five full working days stay before the meeting
        assert!(page.shows("Thursday 17 December 2026 at 12pm"), "{}", page.body);
        assert!(page.shows("At least 5 full working days before the meeting, not counting"));
        assert!(page.shows("Christmas Day"));
        assert!(
            page.shows(&kept.address_line) && page.shows(&excluding.address_line),
            "both cases are on the agenda"
        );

        // and nothing goes a minute before noon on that day
        let copies = format!(
            "SELECT COUNT(*) FROM agenda_copies WHERE meeting_id = {}",
            db.uuid_literal(meeting.parse::<uuid::Uuid>().unwrap())
        );
        let to_noon = time::macros::datetime!(2026-12-17 11:59 UTC) - app.store.now();
        app.clock.advance(to_noon);
        let mut planned = None;
        app.worker.run_scheduled(&mut planned).await.unwrap();
        assert_eq!(db.scalar(&copies).await, 0, "not sent before noon");
        app.clock.advance(time::Duration::minutes(1));
        app.worker.run_scheduled(&mut planned).await.unwrap();
        assert!(db.scalar(&copies).await > 0, "sent at noon");

        // The police see their copy without the family that excluded them, anywhere
        let police_browser = app.signed_in_without_second_factor(&officer).await;
        let copy = police_browser.get(&format!("/meetings/{meeting}/copy")).await;
        assert_eq!(copy.status, 200, "{}", copy.body);
        assert!(copy.shows(&kept.address_line));
        assert!(!copy.shows(&excluding.address_line));
        for p in &excluding.people {
            assert!(!copy.shows(&format!("{} {}", p.given_name, p.family_name)));
        }
        let open = police_browser.get(&format!("/meetings/{meeting}")).await;
        assert!(
            !open.shows(&excluding.address_line) && !open.shows(&kept.address_line),
            "no case in the open part"
        );

        // and the voluntary service's secure e-mail holds only the family it may see
        app.deliver_mail().await;
        // (Every list due since the test began went out too; this meeting's is the one to read.)
        let mail: Vec<_> = app
            .mail_to(&mailbox)
            .into_iter()
            .filter(|m| m.subject.ends_with("29 December 2026"))
            .collect();
        assert_eq!(mail.len(), 1, "one copy by secure e-mail");
        assert!(mail[0].body.contains(&kept.address_line));
        assert!(!mail[0].body.contains(&excluding.address_line));
        assert!(mail[0].subject.starts_with("OFFICIAL-SENSITIVE"));

        // and each agency's copy is in the sharing log, family by family
        let shared = |family: domain::FamilyId, org: domain::OrganisationId| {
            format!(
                "SELECT COUNT(*) FROM sharing_log WHERE family_id = {} AND recipient_organisation_id = {} \
                 AND purpose = 'Agency checks before the panel meeting'",
                db.uuid_literal(family.0),
                db.uuid_literal(org.0)
            )
        };
        assert_eq!(db.scalar(&shared(kept.id, police)).await, 1);
        assert_eq!(db.scalar(&shared(excluding.id, police)).await, 0);
        assert_eq!(db.scalar(&shared(kept.id, mailbox_seat.organisation)).await, 1);
        assert_eq!(db.scalar(&shared(excluding.id, mailbox_seat.organisation)).await, 0);

        // and the meeting says the list went at the deadline (signed in afresh: weeks passed)
        let bso = app.signed_in_without_second_factor(&bso_email).await;
        let after = bso.get(&format!("/meetings/{meeting}")).await;
        assert!(
            after.shows("List sent to members") && after.shows("at the deadline"),
            "{}",
            after.body
        );
    }
);

/// A planned meeting of the panel that already has cases on its agenda (from the county's
/// accepted referrals), as business support sees it.
async fn meeting_with_cases(bso: &Browser) -> (String, Page) {
    let list = bso.get("/meetings").await;
    let mut rest = list.body.as_str();
    let marker = "href=\"/meetings/";
    while let Some(i) = rest.find(marker) {
        let id = rest[i + marker.len()..i + marker.len() + 36].to_owned();
        rest = &rest[i + marker.len()..];
        let page = bso.get(&format!("/meetings/{id}")).await;
        if page.shows("Agenda being prepared") && page.body.contains("Defer to next meeting") {
            return (id, page);
        }
    }
    panic!("business support has a planned meeting with cases");
}

engines!(
    an_agency_records_what_its_systems_hold_and_the_chair_sees_who_has_information_to_bring,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let (panel, chair_email, bso_email) = tuesday_panel(&app);
        let bso = app.signed_in_without_second_factor(&bso_email).await;
        let (meeting, page) = meeting_with_cases(&bso).await;
        // Given business support sends the list now, before its deadline
        let sent = bso
            .post(
                &format!("/meetings/{meeting}/circulate"),
                &[("csrf", &page.csrf()), ("version", &field(&page, "version"))],
            )
            .await;
        assert_eq!(sent.status, 303, "{}", sent.body);
        let again = bso.get(&format!("/meetings/{meeting}")).await;
        assert!(again.shows("List sent to members") && again.shows(&format!("by {}", app.staff(&bso_email).given_name)));

        // When a core member's named representative opens their copy
        let seat = panel
            .members
            .iter()
            .find(|m| {
                m.membership == domain::panel::Membership::Core
                    && m.user.is_some_and(|u| {
                        let s = app.county.staff.iter().find(|s| s.id == u).unwrap();
                        u != panel.business_support
                            && !panel.chairs.contains(&u)
                            && !s.roles.iter().any(|r| r.always_requires_mfa())
                            && app.county.organisations.iter().any(|o| o.id == s.organisation && !o.mfa_required)
                            && app.county.isa_standing(s.organisation) == Some(domain::organisation::IsaStanding::Current)
                    })
            })
            .expect("a core member with a named representative");
        let rep = app.signed_in_without_second_factor(&email_of(&app, seat.user.unwrap())).await;
        let copy = rep.get(&format!("/meetings/{meeting}/copy")).await;
        assert_eq!(copy.status, 200, "{}", copy.body);
        let marker = format!("action=\"/meetings/{meeting}/copy/");
        let i = copy.body.find(&marker).expect("a case to check") + marker.len();
        let item = copy.body[i..i + 36].to_owned();

        // and saves without saying what they found, they are told, and nothing is saved
        let refused = rep
            .post(
                &format!("/meetings/{meeting}/copy/{item}"),
                &[("csrf", &copy.csrf()), ("note", "Open to us")],
            )
            .await;
        assert_eq!(refused.status, 200);
        assert!(refused.shows("Select what checking your systems found"));
        assert!(refused.body.contains("value=\"Open to us\""), "what was typed is kept");

        // Then saving with an outcome records it, and the chair sees it on the agenda
        let saved = rep
            .post(
                &format!("/meetings/{meeting}/copy/{item}"),
                &[
                    ("csrf", &copy.csrf()),
                    ("outcome", "information_to_bring"),
                    ("note", "Open to the family support team"),
                ],
            )
            .await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        let chair = app.signed_in_without_second_factor(&chair_email).await;
        let agenda = chair.get(&format!("/meetings/{meeting}")).await;
        assert!(agenda.shows("Checked our systems: information to bring — Open to the family support team"));

        // and a case cannot be reordered once the list has gone out
        let up = chair
            .post(
                &format!("/meetings/{meeting}/items/{}", first_item(&agenda, &meeting)),
                &[("csrf", &agenda.csrf()), ("version", &field(&agenda, "version")), ("change", "up")],
            )
            .await;
        assert_eq!(up.status, 200);
        assert!(up.shows("The list has gone to members, so the order can no longer change"));
    }
);

/// The id of the first agenda item with a change form on a meeting page.
fn first_item(page: &Page, meeting: &str) -> String {
    let marker = format!("action=\"/meetings/{meeting}/items/");
    let i = page.body.find(&marker).expect("an agenda item") + marker.len();
    page.body[i..i + 36].to_owned()
}

engines!(
    a_cancelled_meetings_cases_move_to_the_next_meeting_and_their_referrers_are_told,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let (_, _, bso_email) = tuesday_panel(&app);
        let bso = app.signed_in_without_second_factor(&bso_email).await;
        let (meeting, page) = meeting_with_cases(&bso).await;
        let version = field(&page, "version");
        let db = app.db();
        let on = |m: &str| {
            format!(
                "SELECT COUNT(*) FROM agenda_items WHERE family_id IS NOT NULL AND removed_at IS NULL AND meeting_id = {}",
                db.uuid_literal(m.parse::<uuid::Uuid>().unwrap())
            )
        };
        let cases = db.scalar(&on(&meeting)).await;
        assert!(cases > 0);

        // Moving it to a bank holiday is refused with the reason
        let boxing_day = bso
            .post(
                &format!("/meetings/{meeting}/move"),
                &[("csrf", &page.csrf()), ("version", &version), ("date", "28/12/2026")],
            )
            .await;
        assert_eq!(boxing_day.status, 200);
        assert!(boxing_day.shows("is not a working day"), "{}", boxing_day.body);

        // A cancellation needs a reason
        let no_reason = bso
            .post(
                &format!("/meetings/{meeting}/cancel"),
                &[("csrf", &page.csrf()), ("version", &version), ("reason", " ")],
            )
            .await;
        assert!(no_reason.shows("Enter why the meeting is cancelled"));

        // When it is cancelled with one
        let cancelled = bso
            .post(
                &format!("/meetings/{meeting}/cancel"),
                &[
                    ("csrf", &page.csrf()),
                    ("version", &version),
                    ("reason", "The venue is closed for repairs"),
                ],
            )
            .await;
        assert_eq!(cancelled.status, 303, "{}", cancelled.body);
        // Then its cases are on no agenda of it, and on the next meeting's
        assert_eq!(db.scalar(&on(&meeting)).await, 0);
        let after = bso.get(&format!("/meetings/{meeting}")).await;
        assert!(after.shows("Cancelled: The venue is closed for repairs"));
        let moved = db
            .scalar(&format!(
                "SELECT COUNT(*) FROM referrals r JOIN meetings m ON m.id = r.meeting_id WHERE m.status = 'planned' \
                 AND r.meeting_date = m.meeting_date AND r.id IN (SELECT referral_id FROM agenda_items WHERE referral_id IS NOT NULL \
                 AND removed_at IS NULL AND meeting_id IN (SELECT m2.id FROM meetings m2 JOIN meetings c ON c.panel_id = m2.panel_id \
                 WHERE c.id = {} AND m2.meeting_date > c.meeting_date))",
                db.uuid_literal(meeting.parse::<uuid::Uuid>().unwrap())
            ))
            .await;
        assert!(moved >= cases, "the referrals follow their cases");
        // and the referrers hear of the new date
        app.deliver_mail().await;
        let told = app
            .mail
            .sent()
            .into_iter()
            .filter(|m| m.subject == "Early Help: a case you lead on has a new panel date")
            .count();
        assert!(told > 0, "referrers are told");
        // A stale form is refused rather than applied twice
        let stale = bso
            .post(
                &format!("/meetings/{meeting}/cancel"),
                &[("csrf", &page.csrf()), ("version", &version), ("reason", "Again")],
            )
            .await;
        assert!(stale.status == 200 || stale.status == 409, "{}", stale.status);
    }
);

engines!(
    the_closed_part_opens_only_after_the_declaration_and_the_chairs_decisions_move_each_case_on,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let (panel, chair_email, bso_email) = tuesday_panel(&app);
        let bso = app.signed_in_without_second_factor(&bso_email).await;
        let (meeting, _) = meeting_with_cases(&bso).await;
        let chair = app.signed_in_without_second_factor(&chair_email).await;

        // A chair who has not signed the declaration cannot open the closed part
        let refused = chair.get(&format!("/meetings/{meeting}/closed")).await;
        assert_eq!(refused.status, 403, "{}", refused.body);
        // When they sign it, it opens
        let signed = chair
            .submit(&format!("/meetings/{meeting}"), &format!("/meetings/{meeting}/declaration"), &[])
            .await;
        assert_eq!(signed.status, 303);
        let closed = chair.get(&format!("/meetings/{meeting}/closed")).await;
        assert_eq!(closed.status, 200, "{}", closed.body);
        let marker = format!("action=\"/meetings/{meeting}/closed/");
        let mut items = Vec::new();
        let mut rest = closed.body.as_str();
        while let Some(i) = rest.find(&marker) {
            let id = rest[i + marker.len()..i + marker.len() + 36].to_owned();
            if !items.contains(&id) {
                items.push(id);
            }
            rest = &rest[i + marker.len()..];
        }
        assert!(!items.is_empty(), "cases with decision forms");
        let csrf = closed.csrf();

        // An assessment without its lead agency or first TAF date is refused, keeping the reasons
        let incomplete = chair
            .post(
                &format!("/meetings/{meeting}/closed/{}/decision", items[0]),
                &[
                    ("csrf", &csrf),
                    ("outcome", "initiate_assessment"),
                    ("reasons", "Needs across school and home"),
                ],
            )
            .await;
        assert_eq!(incomplete.status, 200);
        assert!(incomplete.shows("Select the lead agency for the assessment"));
        assert!(incomplete.shows("Enter the date of the first Team Around the Family meeting"));
        assert!(incomplete.shows("Needs across school and home"));

        // Escalating a case to MASH moves its referral to MASH's urgent concerns
        let escalated = chair
            .post(
                &format!("/meetings/{meeting}/closed/{}/decision", items[0]),
                &[
                    ("csrf", &csrf),
                    ("outcome", "escalate_to_mash"),
                    ("reasons", "Disclosure at school this week"),
                ],
            )
            .await;
        assert_eq!(escalated.status, 303, "{}", escalated.body);
        let db = app.db();
        let item = |id: &str| db.uuid_literal(id.parse::<uuid::Uuid>().unwrap());
        assert_eq!(
            db.scalar(&format!(
                "SELECT COUNT(*) FROM referrals r JOIN agenda_items ai ON ai.referral_id = r.id WHERE ai.id = {} AND r.status = 'escalated_to_mash'",
                item(&items[0])
            ))
            .await,
            1
        );
        // and the family's timeline tells it, with the reasons
        let case_at = closed.body.find(&format!("/closed/{}/decision", items[0])).unwrap();
        let before = &closed.body[..case_at];
        let f = before.rfind("href=\"/families/").unwrap() + "href=\"/families/".len();
        let family_page = chair.get(&format!("/families/{}", &before[f..f + 36])).await;
        assert!(
            family_page.shows("decided: Escalate to MASH (step up to children’s social care)"),
            "{}",
            family_page.body
        );
        assert!(family_page.shows("Disclosure at school this week"));
        // and a case is decided only once
        let twice = chair
            .post(
                &format!("/meetings/{meeting}/closed/{}/decision", items[0]),
                &[("csrf", &csrf), ("outcome", "close"), ("reasons", "Second thoughts")],
            )
            .await;
        assert!(twice.status == 200 || twice.status == 404, "{}", twice.status);
        assert_eq!(
            db.scalar(&format!(
                "SELECT COUNT(*) FROM decisions WHERE agenda_item_id = {}",
                item(&items[0])
            ))
            .await,
            1
        );

        // An action needs an owner and a due date on or after the meeting
        let owner = panel.members.iter().find_map(|m| m.user).unwrap();
        let no_owner = chair
            .post(
                &format!("/meetings/{meeting}/closed/{}/actions", items[0]),
                &[
                    ("csrf", &csrf),
                    ("action_description", "Share the school's attendance record"),
                    ("action_due_on", "01/01/2020"),
                ],
            )
            .await;
        assert!(no_owner.shows("Select who will do it") && no_owner.shows("The due date must be on or after the meeting"));
        let added = chair
            .post(
                &format!("/meetings/{meeting}/closed/{}/actions", items[0]),
                &[
                    ("csrf", &csrf),
                    ("action_description", "Share the school's attendance record"),
                    ("action_owner", &owner.to_string()),
                    ("action_due_on", "15/01/2027"),
                ],
            )
            .await;
        assert_eq!(added.status, 303, "{}", added.body);
        let after = chair.get(&format!("/meetings/{meeting}/closed")).await;
        assert!(after.shows("Share the school&#39;s attendance record") || after.shows("Share the school's attendance record"));
        assert!(after.shows("Escalate to MASH (step up to children’s social care)"));

        // Business support records attendance, a deputy needing a name
        let page = bso.get(&format!("/meetings/{meeting}")).await;
        let org = panel.members[0].organisation;
        let no_name = bso
            .post(
                &format!("/meetings/{meeting}/attendance"),
                &[("csrf", &page.csrf()), (&format!("status-{org}"), "deputy")],
            )
            .await;
        assert!(no_name.shows("Enter the name of each deputy who attended"));
        let recorded = bso
            .post(
                &format!("/meetings/{meeting}/attendance"),
                &[
                    ("csrf", &page.csrf()),
                    (&format!("status-{org}"), "deputy"),
                    (&format!("attendee-{org}"), "A. Deputy"),
                ],
            )
            .await;
        assert_eq!(recorded.status, 303, "{}", recorded.body);
        assert!(bso.get(&format!("/meetings/{meeting}")).await.shows("A. Deputy"));
    }
);

/// The named representative of one of the panel's core members who is neither its chair nor
/// its business support, and needs no second factor.
fn named_representative(app: &TestApp, panel: &county::Panel) -> domain::UserId {
    panel
        .members
        .iter()
        .filter(|m| m.membership == domain::panel::Membership::Core)
        .filter_map(|m| m.user)
        .find(|u| {
            let s = app.county.staff.iter().find(|s| s.id == *u).unwrap();
            *u != panel.business_support
                && !panel.chairs.contains(u)
                && !s.roles.iter().any(|r| r.always_requires_mfa())
                && app.county.organisations.iter().any(|o| o.id == s.organisation && !o.mfa_required)
                && app.county.isa_standing(s.organisation) == Some(domain::organisation::IsaStanding::Current)
        })
        .expect("a core member with a named representative")
}

engines!(
    an_overdue_action_is_marked_and_its_owner_reminded_weekly_until_it_is_done,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let (panel, chair_email, bso_email) = tuesday_panel(&app);
        let bso = app.signed_in_without_second_factor(&bso_email).await;
        let (meeting, page) = meeting_with_cases(&bso).await;
        let meeting_day = {
            let marker = "Meeting on ";
            let i = page.body.find(marker).unwrap() + marker.len();
            let text = &page.body[i..i + page.body[i..].find('<').unwrap()];
            let (_, day) = text.split_once(' ').unwrap();
            time::Date::parse(
                day,
                time::macros::format_description!("[day padding:none] [month repr:long] [year]"),
            )
            .unwrap()
        };
        let chair = app.signed_in_without_second_factor(&chair_email).await;
        chair
            .submit(&format!("/meetings/{meeting}"), &format!("/meetings/{meeting}/declaration"), &[])
            .await;
        let closed = chair.get(&format!("/meetings/{meeting}/closed")).await;
        let marker = format!("action=\"/meetings/{meeting}/closed/");
        let i = closed.body.find(&marker).unwrap() + marker.len();
        let item = closed.body[i..i + 36].to_owned();
        let owner = named_representative(&app, &panel);
        let owner_email = email_of(&app, owner);
        let due = format!("{}/{}/{}", meeting_day.day(), u8::from(meeting_day.month()), meeting_day.year());
        // Given an action due on the day of the meeting
        let added = chair
            .post(
                &format!("/meetings/{meeting}/closed/{item}/actions"),
                &[
                    ("csrf", &closed.csrf()),
                    ("action_description", "Book the first Team Around the Family meeting"),
                    ("action_owner", &owner.to_string()),
                    ("action_due_on", &due),
                ],
            )
            .await;
        assert_eq!(added.status, 303, "{}", added.body);
        let reminders = || {
            app.mail_to(&owner_email)
                .into_iter()
                .filter(|m| m.subject == "Early Help: an action you own is overdue")
                .count()
        };

        // When two days pass after it was due, its owner is reminded once
        let to = meeting_day.midnight().assume_utc() + time::Duration::days(2) + time::Duration::hours(9) - app.store.now();
        app.clock.advance(to);
        let mut planned = None;
        app.worker.run_scheduled(&mut planned).await.unwrap();
        app.deliver_mail().await;
        assert_eq!(reminders(), 1);
        app.worker.run_scheduled(&mut planned).await.unwrap();
        app.deliver_mail().await;
        assert_eq!(reminders(), 1, "not again the same week");

        // and sees it marked overdue
        let owner_browser = app.signed_in_without_second_factor(&owner_email).await;
        let list = owner_browser.get("/actions").await;
        assert!(
            list.shows("Book the first Team Around the Family meeting") && list.shows("Overdue"),
            "{}",
            list.body
        );
        let marker = "href=\"/actions/";
        let i = list.body.find(marker).unwrap() + marker.len();
        let action = list.body[i..i + 36].to_owned();
        let page = owner_browser.get(&format!("/actions/{action}")).await;
        // An update needs a note, and keeps what was chosen
        let refused = owner_browser
            .post(
                &format!("/actions/{action}"),
                &[
                    ("csrf", &page.csrf()),
                    ("version", &field(&page, "version")),
                    ("status", "done"),
                    ("note", " "),
                ],
            )
            .await;
        assert!(refused.shows("Enter what has happened"));
        let done = owner_browser
            .post(
                &format!("/actions/{action}"),
                &[
                    ("csrf", &page.csrf()),
                    ("version", &field(&page, "version")),
                    ("status", "done"),
                    ("note", "Meeting booked with the family for next week"),
                ],
            )
            .await;
        assert_eq!(done.status, 303, "{}", done.body);
        let after = owner_browser.get(&format!("/actions/{action}")).await;
        assert!(after.shows("Meeting booked with the family for next week") && after.shows(">Done<"));

        // Then a week later no reminder comes: it is done
        app.clock.advance(time::Duration::days(8));
        app.worker.run_scheduled(&mut planned).await.unwrap();
        app.deliver_mail().await;
        assert_eq!(reminders(), 1);
        // and someone with no part in it cannot open it
        let stranger = app
            .county
            .staff
            .iter()
            .find(|s| {
                s.roles.contains(&Role::LeadProfessional)
                    && s.id != owner
                    && s.id != panel.business_support
                    && !panel.chairs.contains(&s.id)
                    && !s.roles.iter().any(|r| r.always_requires_mfa())
                    && app.county.organisations.iter().any(|o| o.id == s.organisation && !o.mfa_required)
            })
            .unwrap()
            .email
            .to_string();
        let stranger = app.signed_in_without_second_factor(&stranger).await;
        assert_eq!(stranger.get(&format!("/actions/{action}")).await.status, 403);
    }
);

engines!(
    business_support_and_chairs_see_on_their_home_page_each_list_going_to_members_in_the_next_five_working_days,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let (panel, chair_email, bso_email) = tuesday_panel(&app);
        // Given today is Wednesday 25 November 2026: the list for Tuesday 8 December goes on
        // Monday 30 November (within five working days), the one for 15 December on 7 December
        let expected = format!(
            "The list for {} on 8 December 2026 goes to members on Monday 30 November 2026 at 12pm",
            panel.name
        );
        for email in [&bso_email, &chair_email] {
            let home = app.signed_in_without_second_factor(email).await.get("/").await;
            assert!(home.shows(&expected), "{email}: {}", home.body);
            assert!(!home.shows("on 15 December 2026 goes to members"));
            // with a link to the meeting
            let link = meeting_link(&home, &expected);
            assert_eq!(link.len(), 36);
        }
        // and someone who does not prepare the panel's agenda sees no such task
        let lead = app
            .county
            .staff
            .iter()
            .find(|s| {
                s.roles.contains(&Role::LeadProfessional)
                    && !s.roles.iter().any(|r| r.always_requires_mfa())
                    && app
                        .county
                        .panels
                        .iter()
                        .all(|p| p.business_support != s.id && !p.chairs.contains(&s.id))
            })
            .expect("a lead professional who runs no panel")
            .email
            .to_string();
        let home = app.signed_in_without_second_factor(&lead).await.get("/").await;
        assert!(!home.shows("goes to members on"), "{}", home.body);
    }
);

/// A Tuesday panel meeting on 8 December 2026 with two accepted cases, the police a core
/// member whose officer may follow it, and the second family excluding the police.
pub(crate) struct Meeting {
    pub(crate) app: TestApp,
    pub(crate) panel: county::Panel,
    pub(crate) meeting: String,
    pub(crate) kept: county::Family,
    pub(crate) excluding: county::Family,
    pub(crate) chair_email: String,
    pub(crate) bso_email: String,
    pub(crate) officer: String,
    /// The lead professional who referred both families.
    pub(crate) referrer: String,
}

pub(crate) async fn meeting_with_two_cases(db: earlyhelp_acceptance::TestDb) -> Meeting {
    two_cases_on(db, time::macros::date!(2026 - 12 - 08)).await
}

/// [`meeting_with_two_cases`] for the panel's meeting on `day`.
async fn two_cases_on(db: earlyhelp_acceptance::TestDb, day: time::Date) -> Meeting {
    let app = TestApp::spawn(db).await;
    let (panel, chair_email, bso_email) = tuesday_panel(&app);
    let [kept, excluding]: [county::Family; 2] = free_families(&app, &panel, 2).await.try_into().unwrap();
    let lead_email = app
        .county
        .staff
        .iter()
        .find(|s| {
            s.roles.contains(&Role::LeadProfessional)
                && s.email.as_str() != chair_email
                && !s.roles.iter().any(|r| r.always_requires_mfa())
                && app.county.isa_standing(s.organisation) == Some(domain::organisation::IsaStanding::Current)
        })
        .unwrap()
        .email
        .to_string();
    for f in [&kept, &excluding] {
        app.connect(&lead_email, f.id).await;
    }
    let lead = app.signed_in_without_second_factor(&lead_email).await;
    let chair = app.signed_in_without_second_factor(&chair_email).await;
    accepted_for(&app, &lead, &chair, &panel, kept.id, &day.to_string()).await;
    accepted_for(&app, &lead, &chair, &panel, excluding.id, &day.to_string()).await;
    let db = app.db();
    let (police, officer) = app.police_officer();
    db.execute(&format!(
        "INSERT INTO panel_members (panel_id, organisation_id, user_id, membership) VALUES ({}, {}, NULL, 'core')",
        db.uuid_literal(panel.id.0),
        db.uuid_literal(police.0)
    ))
    .await;
    db.execute(&format!(
        "INSERT INTO family_exclusions (family_id, organisation_id) VALUES ({}, {})",
        db.uuid_literal(excluding.id.0),
        db.uuid_literal(police.0)
    ))
    .await;
    let bso = app.signed_in_without_second_factor(&bso_email).await;
    let meeting = meeting_link(
        &bso.get("/meetings").await,
        &format!("{} {}", day.weekday(), domain::clock::long_date(day)),
    );
    Meeting {
        app,
        panel,
        meeting,
        kept,
        excluding,
        chair_email,
        bso_email,
        officer,
        referrer: lead_email,
    }
}

/// The id of the agenda item whose decision form follows the family's address on the closed part.
pub(crate) fn item_after(page: &Page, meeting: &str, address: &str) -> String {
    let at = page.body.find(address).unwrap_or_else(|| panic!("{address} is on the closed part"));
    let marker = format!("action=\"/meetings/{meeting}/closed/");
    let i = page.body[at..].find(&marker).expect("a decision form after the case") + at + marker.len();
    page.body[i..i + 36].to_owned()
}

/// A meeting after its closed part: [`meeting_with_two_cases`] with both cases decided and an
/// action agreed on the first.
async fn decided_meeting(db: earlyhelp_acceptance::TestDb) -> Meeting {
    let m = meeting_with_two_cases(db).await;
    let Meeting {
        app,
        panel,
        meeting,
        kept,
        excluding,
        chair_email,
        ..
    } = &m;
    let chair = app.signed_in_without_second_factor(chair_email).await;
    // The chair signs the declaration and decides both cases, agreeing one action
    let signed = chair
        .submit(&format!("/meetings/{meeting}"), &format!("/meetings/{meeting}/declaration"), &[])
        .await;
    assert_eq!(signed.status, 303);
    let closed = chair.get(&format!("/meetings/{meeting}/closed")).await;
    assert_eq!(closed.status, 200, "{}", closed.body);
    let kept_item = item_after(&closed, meeting, &kept.address_line);
    let excluding_item = item_after(&closed, meeting, &excluding.address_line);
    let csrf = closed.csrf();
    for (item, outcome, reasons) in [
        (&kept_item, "close", "Support is in place through the school"),
        (&excluding_item, "step_down", "Universal services meet the needs now"),
    ] {
        let decided = chair
            .post(
                &format!("/meetings/{meeting}/closed/{item}/decision"),
                &[("csrf", &csrf), ("outcome", outcome), ("reasons", reasons)],
            )
            .await;
        assert_eq!(decided.status, 303, "{}", decided.body);
    }
    let owner = panel.members.iter().find_map(|m| m.user).unwrap();
    let added = chair
        .post(
            &format!("/meetings/{meeting}/closed/{kept_item}/actions"),
            &[
                ("csrf", &csrf),
                ("action_description", "Share the school attendance record"),
                ("action_owner", &owner.to_string()),
                ("action_due_on", "15/01/2027"),
            ],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    m
}

/// How many sharing-log entries a family has by one method.
fn shared_by(db: &earlyhelp_acceptance::TestDb, family: domain::FamilyId, method: &str) -> String {
    format!(
        "SELECT COUNT(*) FROM sharing_log WHERE family_id = {} AND method = '{method}'",
        db.uuid_literal(family.0)
    )
}

engines!(
    action_notes_show_each_decision_and_action_as_a_page_a_pdf_and_json_without_the_family_that_excluded_the_reader,
    |db| async move {
        let d = decided_meeting(db).await;
        let (app, meeting) = (&d.app, &d.meeting);
        let db = app.db();
        let officer = app.signed_in_without_second_factor(&d.officer).await;

        // A member who has not signed the declaration is refused the notes
        let refused = officer.get(&format!("/meetings/{meeting}/notes")).await;
        assert_eq!(refused.status, 403, "{}", refused.body);
        let (status, _, _) = officer.get_bytes(&format!("/meetings/{meeting}/notes.pdf")).await;
        assert_eq!(status, 403);

        // When the police officer signs it, the notes open: the decision, its reasons and the action
        let signed = officer
            .submit(&format!("/meetings/{meeting}"), &format!("/meetings/{meeting}/declaration"), &[])
            .await;
        assert_eq!(signed.status, 303);
        let page = officer.get(&format!("/meetings/{meeting}/notes")).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.shows(&d.kept.address_line));
        assert!(page.shows("Close to the panel") && page.shows("Support is in place through the school"));
        assert!(page.shows("Share the school attendance record"));
        assert!(
            page.shows("password-protected attachment"),
            "the page says the PDF is not encrypted"
        );
        // but never the family whose consent excludes the police
        assert!(!page.shows(&d.excluding.address_line));
        assert!(!page.shows("Universal services meet the needs now"));
        for p in &d.excluding.people {
            assert!(!page.shows(&format!("{} {}", p.given_name, p.family_name)));
        }

        // The PDF holds the same, and not the excluded family
        let (status, headers, pdf) = officer.get_bytes(&format!("/meetings/{meeting}/notes.pdf")).await;
        assert_eq!(status, 200);
        assert_eq!(headers.get("content-type").unwrap(), "application/pdf");
        assert!(pdf.starts_with(b"%PDF"), "a PDF");
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("(Close to the panel)"), "the decision is in the PDF's text");
        assert!(text.contains("Action notes"));
        assert!(!text.contains("Step down to universal"), "the excluded family's decision is not");
        assert!(!text.contains("Universal services meet"));

        // and each download is in the sharing log of the families in it, and only theirs
        assert_eq!(db.scalar(&shared_by(db, d.kept.id, "download")).await, 1);
        assert_eq!(db.scalar(&shared_by(db, d.excluding.id, "download")).await, 0);

        // An agency system acting for the officer gets the notes as JSON, also without the family
        let email = domain::email::EmailAddress::parse(&d.officer).unwrap();
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
        let api = app
            .browser()
            .get_with_token(&format!("/api/v1/meetings/{meeting}/notes"), &token)
            .await;
        assert_eq!(api.status, 200, "{}", api.body);
        let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
        let cases = json["cases"].as_array().unwrap();
        let kept = cases
            .iter()
            .find(|c| c["family_id"] == d.kept.id.to_string())
            .expect("the kept family");
        assert_eq!(kept["decision"]["label"], "Close to the panel");
        assert_eq!(kept["actions"][0]["description"], "Share the school attendance record");
        assert_eq!(kept["actions"][0]["due_on"], "2027-01-15");
        assert!(cases.iter().all(|c| c["family_id"] != d.excluding.id.to_string()));
        assert_eq!(db.scalar(&shared_by(db, d.kept.id, "api")).await, 1);
        assert_eq!(db.scalar(&shared_by(db, d.excluding.id, "api")).await, 0);

        // and a lead professional with no place at the meeting is refused
        let outsider = app
            .county
            .staff
            .iter()
            .find(|s| {
                s.roles.contains(&Role::LeadProfessional)
                    && !s.roles.iter().any(|r| r.always_requires_mfa())
                    && app.county.organisations.iter().any(|o| o.id == s.organisation && !o.mfa_required)
                    && app.county.isa_standing(s.organisation) == Some(domain::organisation::IsaStanding::Current)
                    && !d.panel.members.iter().any(|m| m.organisation == s.organisation)
                    && !d.panel.chairs.contains(&s.id)
                    && d.panel.business_support != s.id
            })
            .expect("a lead professional with no place on the panel")
            .email
            .to_string();
        let outsider_browser = app.signed_in_without_second_factor(&outsider).await;
        assert_eq!(outsider_browser.get(&format!("/meetings/{meeting}/notes")).await.status, 403);

        // Every read is in the audit trail
        let audited = |action: &str| format!("SELECT COUNT(*) FROM audit_log WHERE action = '{action}'");
        assert!(db.scalar(&audited("action_notes.view")).await >= 1);
        assert!(db.scalar(&audited("action_notes.export")).await >= 2);
        let _ = (&d.chair_email, &d.bso_email);
    }
);

engines!(
    business_support_marks_the_notes_sent_after_the_meeting_and_the_meeting_shows_both_notes_deadlines_met,
    |db| async move {
        let d = decided_meeting(db).await;
        let (app, meeting) = (&d.app, &d.meeting);
        let bso = app.signed_in_without_second_factor(&d.bso_email).await;
        // Before the meeting both notes deadlines are due, and the notes cannot be marked sent
        let before = bso.get(&format!("/meetings/{meeting}")).await;
        assert!(before.body.contains(">due</strong>"), "{}", before.body);
        let early = bso
            .post(&format!("/meetings/{meeting}/notes/sent"), &[("csrf", &before.csrf())])
            .await;
        assert_eq!(early.status, 200);
        assert!(early.shows("only after the meeting has taken place"));

        // When the meeting has passed, business support marks them sent
        app.clock.advance(time::macros::datetime!(2026-12-09 10:00 UTC) - app.store.now());
        let bso = app.signed_in_without_second_factor(&d.bso_email).await;
        let home = bso.get("/").await;
        assert!(
            home.shows("Send the action notes of") && home.shows("meeting on 8 December 2026 to members by 15 December 2026 (due)"),
            "business support's home page tracks the deadline: {}",
            home.body
        );
        let page = bso.get(&format!("/meetings/{meeting}")).await;
        assert!(page.body.contains(&format!("action=\"/meetings/{meeting}/notes/sent\"")));
        let sent = bso
            .post(&format!("/meetings/{meeting}/notes/sent"), &[("csrf", &page.csrf())])
            .await;
        assert_eq!(sent.status, 303, "{}", sent.body);

        // Then the page says when and by whom, and both deadlines are met
        let after = bso.get(&format!("/meetings/{meeting}")).await;
        assert!(after.shows("Marked sent to members") && after.shows(&format!("by {}", app.staff(&d.bso_email).given_name)));
        assert_eq!(after.body.matches(">met</strong>").count(), 2, "{}", after.body);
        assert!(
            !bso.get("/").await.shows("meeting on 8 December 2026 to members"),
            "the task is done"
        );
        // and marking them again is refused
        let again = bso
            .post(&format!("/meetings/{meeting}/notes/sent"), &[("csrf", &after.csrf())])
            .await;
        assert!(again.shows("already marked as sent"), "{}", again.body);
        // A member agency's representative cannot mark them
        let officer = app.signed_in_without_second_factor(&d.officer).await;
        let refused = officer
            .post(&format!("/meetings/{meeting}/notes/sent"), &[("csrf", &after.csrf())])
            .await;
        assert_eq!(refused.status, 403);
    }
);

engines!(
    the_families_discussed_report_lists_each_decided_family_the_reader_may_see_on_the_page_and_as_xlsx_and_csv,
    |db| async move {
        let d = decided_meeting(db).await;
        let app = &d.app;
        let db = app.db();
        // Given the second family's consent now excludes the chair's organisation
        let chair_org = app.staff(&d.chair_email).organisation;
        db.execute(&format!(
            "INSERT INTO family_exclusions (family_id, organisation_id) VALUES ({}, {})",
            db.uuid_literal(d.excluding.id.0),
            db.uuid_literal(chair_org.0)
        ))
        .await;
        let chair = app.signed_in_without_second_factor(&d.chair_email).await;
        let range = "from=01/12/2026&until=31/12/2026";

        // The chair's report shows the family decided and its action, never the excluded one
        let page = chair.get(&format!("/reports/families-discussed?{range}")).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.shows(&d.kept.address_line) && page.shows("Close to the panel"));
        assert!(page.shows("Share the school attendance record"));
        assert!(!page.shows(&d.excluding.address_line));
        assert!(chair.get("/meetings").await.body.contains("href=\"/reports/families-discussed\""));

        // A date that is not a date, and a range that ends before it starts, are explained
        let bad = chair.get("/reports/families-discussed?from=31/02/2026").await;
        assert_eq!(bad.status, 200);
        assert!(bad.shows("The first meeting date must be a real date"), "{}", bad.body);
        let backwards = chair.get("/reports/families-discussed?from=01/12/2026&until=01/11/2026").await;
        assert!(backwards.shows("The end date must be the same as or after the start date"));

        // The XLSX opens, with its headings and the family's row
        let (status, headers, xlsx) = chair.get_bytes(&format!("/reports/families-discussed.xlsx?{range}")).await;
        assert_eq!(status, 200);
        assert!(headers.get("content-disposition").unwrap().to_str().unwrap().contains(".xlsx"));
        use calamine::Reader;
        let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
        let sheet = book.worksheet_range("Families discussed").unwrap();
        let rows: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
        assert_eq!(rows[0], web::documents::REPORT_HEADINGS.map(str::to_owned).to_vec());
        let kept_address = format!("{}, {}", d.kept.address_line, d.kept.postcode);
        let row = rows.iter().find(|r| r[2] == kept_address).expect("the family's row");
        assert!(!row[1].is_empty(), "the panel is named");
        assert_eq!(row[3], d.kept.id.to_string());
        assert_eq!(row[4], "Close to the panel");
        assert!(row[8].contains("Share the school attendance record"));
        assert!(!rows.iter().any(|r| r[3] == d.excluding.id.to_string()));

        // and so does the CSV
        let (status, _, body) = chair.get_bytes(&format!("/reports/families-discussed.csv?{range}")).await;
        assert_eq!(status, 200);
        let mut reader = csv::Reader::from_reader(body.as_slice());
        assert_eq!(
            reader.headers().unwrap().iter().collect::<Vec<_>>(),
            web::documents::REPORT_HEADINGS.to_vec()
        );
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        let row = records
            .iter()
            .find(|r| &r[3] == d.kept.id.to_string().as_str())
            .expect("the CSV row");
        assert_eq!(&row[0], "2026-12-08");
        assert_eq!(&row[4], "Close to the panel");
        assert!(!records.iter().any(|r| &r[3] == d.excluding.id.to_string().as_str()));

        // Both downloads are in the family's sharing log
        assert_eq!(db.scalar(&shared_by(db, d.kept.id, "download")).await, 2);
        assert_eq!(db.scalar(&shared_by(db, d.excluding.id, "download")).await, 0);

        // A member agency's representative may not open the report or download it
        let officer = app.signed_in_without_second_factor(&d.officer).await;
        assert_eq!(officer.get("/reports/families-discussed").await.status, 403);
        let (status, _, _) = officer.get_bytes(&format!("/reports/families-discussed.xlsx?{range}")).await;
        assert_eq!(status, 403);
        assert!(!officer.get("/meetings").await.body.contains("/reports/families-discussed"));
    }
);

engines!(
    circulation_writes_every_field_of_each_copy_its_sharing_entries_and_the_notices,
    |db| async move {
        let m = meeting_with_two_cases(db).await;
        let (app, meeting) = (&m.app, m.meeting.as_str());
        let db = app.db();
        // A member with no accounts here takes the list at its secure mailbox
        let members: Vec<domain::OrganisationId> = m.panel.members.iter().map(|s| s.organisation).collect();
        let by_mail = app
            .county
            .organisations
            .iter()
            .find(|o| !members.contains(&o.id) && app.county.isa_standing(o.id) == Some(domain::organisation::IsaStanding::Current))
            .expect("a signatory not on the panel");
        db.execute(&format!(
            "INSERT INTO panel_members (panel_id, organisation_id, user_id, membership, secure_email) VALUES ({}, {}, NULL, 'core', 'panel.lists@agency.example')",
            db.uuid_literal(m.panel.id.0),
            db.uuid_literal(by_mail.id.0)
        ))
        .await;
        let bso = app.signed_in_without_second_factor(&m.bso_email).await;
        let bso_id = app.staff(&m.bso_email).id;
        let sent = bso
            .submit(&format!("/meetings/{meeting}"), &format!("/meetings/{meeting}/circulate"), &[])
            .await;
        assert_eq!(sent.status, 303, "{}", sent.body);
        let mid = db.uuid_literal(uuid::Uuid::parse_str(meeting).unwrap());

        // One copy per current member organisation; by secure e-mail only for the mailbox seat
        let copies = db
            .count(&format!("SELECT COUNT(*) FROM agenda_copies WHERE meeting_id = {mid}"))
            .await;
        let member_orgs = db
            .count(&format!(
                "SELECT COUNT(DISTINCT pm.organisation_id) FROM panel_members pm JOIN organisations o ON o.id = pm.organisation_id \
                 WHERE pm.panel_id = {} AND o.isa_state = 'signed' AND (o.isa_review_due IS NULL OR o.isa_review_due >= '2026-11-25')",
                db.uuid_literal(m.panel.id.0)
            ))
            .await;
        assert_eq!(copies, member_orgs);
        let core_orgs = db
            .count(&format!(
                "SELECT COUNT(DISTINCT pm.organisation_id) FROM panel_members pm JOIN organisations o ON o.id = pm.organisation_id \
                 WHERE pm.panel_id = {} AND pm.membership = 'core' AND o.isa_state = 'signed' \
                 AND (o.isa_review_due IS NULL OR o.isa_review_due >= '2026-11-25')",
                db.uuid_literal(m.panel.id.0)
            ))
            .await;
        assert_eq!(
            db.count(&format!(
                "SELECT COUNT(*) FROM agenda_copies WHERE meeting_id = {mid} AND method = 'secure_email' \
                 AND sent_to = 'panel.lists@agency.example' AND organisation_id = {}",
                db.uuid_literal(by_mail.id.0)
            ))
            .await,
            1
        );
        let in_app = db
            .count(&format!(
                "SELECT COUNT(*) FROM agenda_copies WHERE meeting_id = {mid} AND method = 'in_app' AND sent_to IS NULL"
            ))
            .await;
        let mailed = db
            .count(&format!(
                "SELECT COUNT(*) FROM agenda_copies WHERE meeting_id = {mid} AND method = 'secure_email' AND sent_to IS NOT NULL"
            ))
            .await;
        assert_eq!(
            in_app + mailed,
            copies,
            "each copy goes one way or the other, with its mailbox when mailed"
        );
        assert_eq!(
            db.count(&format!(
                "SELECT COUNT(*) FROM jobs WHERE kind = 'send_agenda_copy' AND payload LIKE '%{meeting}%'"
            ))
            .await,
            mailed,
            "one secure e-mail to send per mailed copy"
        );

        // Each family's sharing entries: one per copy that holds it, every field as written
        // for a share the system makes on its own (no consent override)
        for (family, excluded_by) in [(&m.kept, 0), (&m.excluding, 1)] {
            let fid = db.uuid_literal(family.id.0);
            let items = db
                .count(&format!(
                    "SELECT COUNT(*) FROM agenda_copy_items ci JOIN agenda_items ai ON ai.id = ci.agenda_item_id \
                     WHERE ci.meeting_id = {mid} AND ai.family_id = {fid} AND ci.anonymous_label IS NULL"
                ))
                .await;
            assert_eq!(
                items,
                core_orgs - excluded_by,
                "every core member's copy but the excluded police's (no one invited extended members)"
            );
            let exact = db
                .count(&format!(
                    "SELECT COUNT(*) FROM sharing_log s JOIN organisations o ON o.id = s.recipient_organisation_id \
                     JOIN agenda_copies c ON c.meeting_id = {mid} AND c.organisation_id = s.recipient_organisation_id \
                     WHERE s.family_id = {fid} AND s.decision = 'shared' \
                     AND s.data_categories = 'Panel list of families: names, dates of birth and address' \
                     AND s.recipient_user_id IS NULL AND s.recipient_description = o.name || ', member of {}' \
                     AND s.purpose = 'Agency checks before the panel meeting' AND s.lawful_basis = 'Consent' \
                     AND s.method = CASE c.method WHEN 'secure_email' THEN 'secure e-mail' ELSE 'earlyhelp agenda' END \
                     AND s.decided_by = {bso} AND s.recorded_by = {bso} AND s.decided_on = '2026-11-25' \
                     AND s.consent_override = FALSE AND s.override_justification IS NULL AND s.override_authorised_by IS NULL \
                     AND s.override_ground IS NULL AND s.recorded_at IS NOT NULL",
                    m.panel.name.replace('\'', "''"),
                    bso = db.uuid_literal(bso_id.0)
                ))
                .await;
            assert_eq!(exact, items, "every field of every entry");
            let for_checks = db
                .count(&format!(
                    "SELECT COUNT(*) FROM sharing_log WHERE family_id = {fid} AND purpose = 'Agency checks before the panel meeting'"
                ))
                .await;
            assert_eq!(
                for_checks, items,
                "and no others for this list (the referral's own entries are its own)"
            );
        }

        // The notices: the mailbox seat's copy to send, and a link for each representative of
        // an organisation whose seat names no one (the police here)
        let payload = |kind: &str, key: &str, id: uuid::Uuid| {
            format!(
                "SELECT COUNT(*) FROM jobs WHERE kind = '{kind}' AND payload LIKE '%\"{key}\":\"{id}\"%' AND payload LIKE '%{meeting}%' AND attempts = 0"
            )
        };
        assert_eq!(db.count(&payload("send_agenda_copy", "organisation", by_mail.id.0)).await, 1);
        let (police, _) = app.police_officer();
        let named: Vec<domain::UserId> = m
            .panel
            .members
            .iter()
            .filter(|s| s.organisation == police)
            .filter_map(|s| s.user)
            .collect();
        let told: Vec<&county::Staff> = app
            .county
            .staff
            .iter()
            .filter(|s| {
                s.organisation == police
                    && if named.is_empty() {
                        s.roles.contains(&Role::AgencyRepresentative)
                    } else {
                        named.contains(&s.id)
                    }
            })
            .collect();
        assert!(!told.is_empty());
        for officer in told {
            assert_eq!(
                db.count(&payload("notify_agenda_copy", "user", officer.id.0)).await,
                1,
                "each police representative told once"
            );
        }
    }
);
