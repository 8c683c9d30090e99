//! Panel configuration over HTTP, on both engines: an administrator with a second factor sets a
//! panel up and changes it through the form; every problem comes back beside its field with
//! what was typed kept; a change of cadence cancels the planned meetings no longer on it and
//! moves their cases on, never touching a circulated meeting; a stale form loses nothing;
//! alternating chairs take turns and business support swaps the chair of one meeting. Nobody
//! else may do any of it.

use domain::panel::{Cadence, Membership};
use domain::role::Role;
use earlyhelp_acceptance::{Browser, Page, TestApp, engines};
use time::Weekday;

fn email_of(app: &TestApp, user: domain::UserId) -> String {
    app.county.staff.iter().find(|s| s.id == user).unwrap().email.to_string()
}

fn panel_where(app: &TestApp, cadence: impl Fn(&Cadence) -> bool) -> county::Panel {
    app.county
        .panels
        .iter()
        .find(|p| cadence(&p.cadence) && !p.chairs.is_empty())
        .expect("such a panel in the county")
        .clone()
}

fn tuesday_panel(app: &TestApp) -> county::Panel {
    panel_where(app, |c| *c == Cadence::Weekly { weekday: Weekday::Tuesday })
}

/// The value of the first field named `name` on the page.
fn field(page: &Page, name: &str) -> String {
    let at = page.body.find(&format!("name=\"{name}\"")).expect("the field is on the page");
    let rest = &page.body[at..];
    let v = rest.find("value=\"").unwrap() + 7;
    rest[v..v + rest[v..].find('"').unwrap()].to_owned()
}

/// The panel form's fields for a county panel as it stands, meeting weekly on `weekday`.
fn fields_of(panel: &county::Panel, weekday: &str) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = vec![
        ("name".into(), panel.name.clone()),
        ("kind".into(), panel.kind.code().into()),
        ("locality".into(), panel.locality.to_string()),
        ("cadence".into(), "weekly".into()),
        ("weekday".into(), weekday.into()),
        ("starts_at".into(), "10:00".into()),
        ("ends_at".into(), "12:30".into()),
        ("venue".into(), panel.venue.clone()),
        ("business_support".into(), panel.business_support.to_string()),
        ("statement".into(), panel.conflict_of_interest_statement.clone()),
        ("list_days".into(), "5".into()),
        ("notes_bs_days".into(), "3".into()),
        ("notes_members_days".into(), "7".into()),
        ("step_up_hours".into(), "24".into()),
    ];
    for (i, chair) in panel.chairs.iter().enumerate() {
        f.push((format!("chair_{}", i + 1), chair.to_string()));
    }
    for m in &panel.members {
        f.push((format!("seat_{}", m.organisation), m.membership.code().into()));
        if let Some(u) = m.user {
            f.push((format!("rep_{}", m.organisation), u.to_string()));
        }
        if let Some(e) = &m.secure_email {
            f.push((format!("mailbox_{}", m.organisation), e.clone()));
        }
    }
    f
}

/// Sets (replaces or adds) one field.
fn with(mut fields: Vec<(String, String)>, name: &str, value: &str) -> Vec<(String, String)> {
    fields.retain(|(k, _)| k != name);
    fields.push((name.into(), value.into()));
    fields
}

async fn post_form(b: &Browser, path: &str, csrf: &str, fields: &[(String, String)]) -> Page {
    let mut all: Vec<(&str, &str)> = vec![("csrf", csrf)];
    all.extend(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    b.post(path, &all).await
}

async fn admin(app: &TestApp) -> Browser {
    let email = app
        .county
        .staff
        .iter()
        .find(|s| {
            s.roles.contains(&Role::Administrator)
                && app.county.isa_standing(s.organisation) == Some(domain::organisation::IsaStanding::Current)
        })
        .unwrap()
        .email
        .to_string();
    app.sign_in_with_second_factor(&email).await
}

fn panel_sql(app: &TestApp, panel: domain::PanelId) -> String {
    app.db().uuid_literal(panel.0)
}

engines!(
    administrator_sets_up_a_panel_with_alternating_chairs_who_then_chair_its_meetings_in_turn,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let admin = admin(&app).await;
        let template = panel_where(&app, |c| matches!(c, Cadence::Fortnightly { .. }));
        assert_eq!(template.chairs.len(), 2, "the county's fortnightly panel has two chairs");
        // Given the form, offered from the panels page
        let panels = admin.get("/panels").await;
        assert!(panels.shows("Set up a panel"), "{}", panels.body);
        let form = admin.get("/panels/new").await;
        assert_eq!(form.status, 200);
        assert!(form.shows("Chairs, in the order they take turns"));
        // When the administrator sets up a second panel for the locality meeting every
        // Wednesday, online, with the two chairs taking turns
        let fields = with(
            with(
                with(fields_of(&template, "wednesday"), "name", "Riverside Wednesday panel"),
                "online",
                "yes",
            ),
            "venue",
            "",
        );
        let saved = post_form(&admin, "/panels/new", &form.csrf(), &fields).await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        let after = admin.get(saved.location.as_deref().unwrap()).await;
        assert!(after.shows("Riverside Wednesday panel saved."), "{}", after.body);
        assert!(after.shows("Every Wednesday, 10am to 12:30pm"));

        // Then its meetings are planned a year ahead, online, and its chairs alternate
        let db = app.db();
        let id = db
            .scalar("SELECT COUNT(*) FROM panels WHERE name = 'Riverside Wednesday panel' AND venue = 'Online' AND version = 1")
            .await;
        assert_eq!(id, 1);
        let meetings = db
            .scalar(
                "SELECT COUNT(*) FROM meetings m JOIN panels p ON p.id = m.panel_id WHERE p.name = 'Riverside Wednesday panel' \
                 AND m.status = 'planned' AND m.venue = 'Online'",
            )
            .await;
        assert!(meetings >= 52, "{meetings} meetings");
        for (turn, chair) in template.chairs.iter().enumerate() {
            let chaired = db
                .scalar(&format!(
                    "SELECT COUNT(*) FROM meetings m JOIN panels p ON p.id = m.panel_id WHERE p.name = 'Riverside Wednesday panel' \
                     AND m.chair_id = {}",
                    db.uuid_literal(chair.0)
                ))
                .await;
            assert!((chaired - meetings / 2).abs() <= 1, "chair {turn} chairs {chaired} of {meetings}");
        }
        let first_two_differ = db
            .scalar(
                "SELECT COUNT(DISTINCT chair_id) FROM (SELECT m.chair_id FROM meetings m JOIN panels p ON p.id = m.panel_id \
                 WHERE p.name = 'Riverside Wednesday panel' ORDER BY m.meeting_date LIMIT 2) t",
            )
            .await;
        assert_eq!(first_two_differ, 2, "consecutive meetings have different chairs");
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'panel.create'").await,
            1,
            "the change is on record"
        );
    }
);

engines!(
    a_refused_panel_form_says_every_problem_beside_its_field_and_keeps_what_was_typed,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let admin = admin(&app).await;
        let panel = tuesday_panel(&app);
        let form = admin.get("/panels/new").await;
        let mailbox_org = panel
            .members
            .iter()
            .find(|m| m.membership == Membership::Extended)
            .unwrap()
            .organisation;
        let mut fields = with(fields_of(&panel, "tuesday"), "name", "Second Tuesday panel");
        fields = with(fields, "starts_at", "14:00");
        fields = with(fields, "ends_at", "13:00");
        fields = with(fields, "list_days", "50");
        fields = with(fields, &format!("mailbox_{mailbox_org}"), "not an address");
        fields.retain(|(k, _)| !k.starts_with("chair_"));
        let page = post_form(&admin, "/panels/new", &form.csrf(), &fields).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("<title>Error:"), "the title says there is an error");
        for (anchor, message) in [
            ("#ends_at", "The end time must be after the start time"),
            ("#chairs", "Choose at least one chair"),
            ("#members", "secure mailbox as an email address"),
            (
                "#list_days",
                "The number of working days before the meeting must be a whole number from 1 to 20",
            ),
        ] {
            assert!(page.shows(message), "{message}: {}", page.body);
            assert!(page.body.contains(&format!("href=\"{anchor}\"")), "the summary links to {anchor}");
        }
        // and everything typed is still there
        assert!(page.body.contains("value=\"Second Tuesday panel\""));
        assert!(page.body.contains("value=\"14:00\"") && page.body.contains("value=\"50\""));
        assert!(page.body.contains("value=\"not an address\""));
        // Nothing was saved
        assert_eq!(
            app.db()
                .scalar("SELECT COUNT(*) FROM panels WHERE name = 'Second Tuesday panel'")
                .await,
            0
        );
        // A name already taken is refused beside the name
        let taken = post_form(&admin, "/panels/new", &form.csrf(), &fields_of(&panel, "tuesday")).await;
        assert_eq!(taken.status, 200);
        assert!(taken.shows("A panel with this name already exists"), "{}", taken.body);
    }
);

engines!(
    administrator_changing_cadence_cancels_off_cadence_meetings_and_moves_their_cases,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let panel = tuesday_panel(&app);
        let p = panel_sql(&app, panel.id);
        let db = app.db();
        let today = "'2026-11-25'";
        let cases_on = |status: &str| {
            format!(
                "SELECT COUNT(*) FROM agenda_items ai JOIN meetings m ON m.id = ai.meeting_id WHERE m.panel_id = {p} \
                 AND ai.family_id IS NOT NULL AND ai.removed_at IS NULL AND m.meeting_date > {today} AND m.status = '{status}'"
            )
        };
        // Given business support has sent the list of the panel's first planned meeting with cases
        let first_with_cases: i64 = db
            .scalar(&format!(
                "SELECT COUNT(*) FROM meetings m WHERE m.panel_id = {p} AND m.status = 'planned' AND m.meeting_date > {today} \
                 AND EXISTS (SELECT 1 FROM agenda_items ai WHERE ai.meeting_id = m.id AND ai.family_id IS NOT NULL)"
            ))
            .await;
        assert!(
            first_with_cases >= 2,
            "the county has planned meetings with cases ({first_with_cases})"
        );
        let bso = app.signed_in_without_second_factor(&email_of(&app, panel.business_support)).await;
        let circulated = {
            let list = bso.get("/meetings").await;
            let marker = "href=\"/meetings/";
            let mut rest = list.body.as_str();
            let mut found = None;
            while let Some(i) = rest.find(marker) {
                let id = rest[i + marker.len()..i + marker.len() + 36].to_owned();
                rest = &rest[i + marker.len()..];
                let page = bso.get(&format!("/meetings/{id}")).await;
                if page.shows(&panel.name) && page.shows("Agenda being prepared") && page.body.contains("Defer to next meeting") {
                    let sent = bso.post(&format!("/meetings/{id}/circulate"), &[("csrf", &page.csrf())]).await;
                    assert_eq!(sent.status, 303, "{}", sent.body);
                    found = Some(id);
                    break;
                }
            }
            found.expect("a planned meeting with cases")
        };
        let circulated_sql = db.uuid_literal(circulated.parse::<uuid::Uuid>().unwrap());
        let circulated_cases = db
            .scalar(&format!(
                "SELECT COUNT(*) FROM agenda_items WHERE meeting_id = {circulated_sql} AND family_id IS NOT NULL AND removed_at IS NULL"
            ))
            .await;
        let planned_before = db
            .scalar(&format!(
                "SELECT COUNT(*) FROM meetings WHERE panel_id = {p} AND status = 'planned' AND meeting_date > {today}"
            ))
            .await;
        let planned_cases = db.scalar(&cases_on("planned")).await;
        assert!(planned_cases > 0);

        // When an administrator moves the panel from Tuesdays to Thursdays, 2pm to 4pm
        let admin = admin(&app).await;
        let form = admin.get(&format!("/panels/{}/edit", panel.id)).await;
        assert_eq!(form.status, 200, "{}", form.body);
        assert!(
            form.body.contains(&format!("value=\"{}\"", panel.name)),
            "the form starts from the panel"
        );
        let fields = with(
            with(
                with(
                    with(fields_of(&panel, "thursday"), "version", &field(&form, "version")),
                    "starts_at",
                    "14:00",
                ),
                "ends_at",
                "16:00",
            ),
            "venue",
            "Riverside Family Hub, room 2",
        );
        let saved = post_form(&admin, &format!("/panels/{}/edit", panel.id), &form.csrf(), &fields).await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        let notice = admin.get(saved.location.as_deref().unwrap()).await;
        assert!(notice.shows("no longer on its cadence cancelled"), "{}", notice.body);

        // Then every planned Tuesday meeting is cancelled, saying why, and holds no case
        let cancelled = db
            .scalar(&format!(
                "SELECT COUNT(*) FROM meetings WHERE panel_id = {p} AND status = 'cancelled' AND cancel_reason LIKE '%no longer meets%'"
            ))
            .await;
        assert_eq!(cancelled, planned_before, "each planned meeting off the new cadence");
        assert_eq!(db.scalar(&cases_on("cancelled")).await, 0, "a cancelled meeting keeps no case");
        // and their cases are on the Thursday meetings, which take the new time and venue
        assert_eq!(db.scalar(&cases_on("planned")).await, planned_cases, "no case is lost");
        let thursdays = db
            .scalar(&format!(
                "SELECT COUNT(*) FROM meetings WHERE panel_id = {p} AND status = 'planned' AND meeting_date > {today} \
                 AND venue = 'Riverside Family Hub, room 2'"
            ))
            .await;
        assert!(thursdays >= 52, "{thursdays} Thursday meetings");
        assert_eq!(
            db.scalar(&format!(
                "SELECT COUNT(*) FROM meetings WHERE panel_id = {p} AND status = 'planned' AND venue <> 'Riverside Family Hub, room 2' \
                 AND meeting_date > {today}"
            ))
            .await,
            0
        );
        // and the circulated meeting is as it was
        assert_eq!(
            db.scalar(&format!(
                "SELECT COUNT(*) FROM meetings WHERE id = {circulated_sql} AND status = 'circulated' AND venue = '{}'",
                panel.venue
            ))
            .await,
            1
        );
        assert_eq!(
            db.scalar(&format!(
                "SELECT COUNT(*) FROM agenda_items WHERE meeting_id = {circulated_sql} AND family_id IS NOT NULL AND removed_at IS NULL"
            ))
            .await,
            circulated_cases
        );
        // and the referrers and leads hear of the new date
        app.deliver_mail().await;
        let told = app
            .mail
            .sent()
            .into_iter()
            .filter(|m| m.subject == "Early Help: a case you lead on has a new panel date")
            .count();
        assert!(told > 0, "leads are told");
        assert_eq!(db.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'panel.update'").await, 1);

        // When the administrator changes their mind and moves it back to Tuesdays
        let form = admin.get(&format!("/panels/{}/edit", panel.id)).await;
        let back = post_form(
            &admin,
            &format!("/panels/{}/edit", panel.id),
            &form.csrf(),
            &with(fields_of(&panel, "tuesday"), "version", &field(&form, "version")),
        )
        .await;
        assert_eq!(back.status, 303, "{}", back.body);
        // Then the Tuesday meetings the first change cancelled are planned again, with the cases
        let planned_again = db
            .scalar(&format!(
                "SELECT COUNT(*) FROM meetings WHERE panel_id = {p} AND status = 'planned' AND meeting_date > {today}"
            ))
            .await;
        assert_eq!(planned_again, planned_before, "the Tuesday meetings are back, no more");
        assert_eq!(db.scalar(&cases_on("planned")).await, planned_cases, "no case is lost");
        assert_eq!(
            db.scalar(&format!(
                "SELECT COUNT(*) FROM meetings WHERE panel_id = {p} AND status = 'planned' AND chair_id IS NULL"
            ))
            .await,
            0,
            "each has its chair"
        );
    }
);

engines!(business_support_cannot_edit_panel, |db| async move {
    let app = TestApp::spawn(db).await;
    let panel = tuesday_panel(&app);
    let bso = app.signed_in_without_second_factor(&email_of(&app, panel.business_support)).await;
    // The panels page offers them nothing to change
    let list = bso.get("/panels").await;
    assert_eq!(list.status, 200);
    assert!(!list.shows("Set up a panel") && !list.body.contains("/edit\""));
    // and the form and its post are refused, and the refusal recorded
    assert_eq!(bso.get(&format!("/panels/{}/edit", panel.id)).await.status, 403);
    assert_eq!(bso.get("/panels/new").await.status, 403);
    let refused = post_form(
        &bso,
        &format!("/panels/{}/edit", panel.id),
        &list.csrf(),
        &with(fields_of(&panel, "thursday"), "version", "1"),
    )
    .await;
    assert_eq!(refused.status, 403);
    let db = app.db();
    assert_eq!(
        db.scalar(&format!(
            "SELECT COUNT(*) FROM panels WHERE id = {} AND version = 1",
            db.uuid_literal(panel.id.0)
        ))
        .await,
        1,
        "the panel is unchanged"
    );
    assert!(
        db.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'access.denied' AND record_id LIKE 'ManagePanels#%'")
            .await
            >= 3
    );
    // An administrator without a second factor is refused too
    let admin_email = app
        .county
        .staff
        .iter()
        .find(|s| s.roles.contains(&Role::Administrator))
        .unwrap()
        .email
        .to_string();
    let unverified = app.browser();
    unverified.sign_in(&admin_email, county::DEMO_PASSWORD).await;
    assert_ne!(unverified.get("/panels/new").await.status, 200);
});

engines!(stale_panel_version_is_refused_and_nothing_is_lost, |db| async move {
    let app = TestApp::spawn(db).await;
    let panel = tuesday_panel(&app);
    // (one administrator in two tabs: the same as two administrators, as far as versions go)
    let first = admin(&app).await;
    let second = &first;
    let path = format!("/panels/{}/edit", panel.id);
    // Given the same panel opened twice
    let a = first.get(&path).await;
    let b = second.get(&path).await;
    let version = field(&a, "version");
    assert_eq!(version, field(&b, "version"));
    // When the first renames it
    let renamed = post_form(
        &first,
        &path,
        &a.csrf(),
        &with(
            with(fields_of(&panel, "tuesday"), "version", &version),
            "name",
            "Riverside panel (renamed)",
        ),
    )
    .await;
    assert_eq!(renamed.status, 303, "{}", renamed.body);
    // and then, from the form opened before, its venue is changed
    let stale = post_form(
        second,
        &path,
        &b.csrf(),
        &with(with(fields_of(&panel, "tuesday"), "version", &version), "venue", "The Old Library"),
    )
    .await;
    // Then that save is refused, saying someone else changed it, keeping what was typed
    assert_eq!(stale.status, 409, "{}", stale.body);
    assert!(
        stale.shows("Someone else changed this panel while you were editing it"),
        "{}",
        stale.body
    );
    assert!(stale.body.contains("value=\"The Old Library\""));
    assert!(stale.body.contains("href=\"#panel\""), "the summary links to the message");
    // and the first change stands, the second not applied
    let db = app.db();
    let id = db.uuid_literal(panel.id.0);
    assert_eq!(
        db.scalar(&format!(
            "SELECT COUNT(*) FROM panels WHERE id = {id} AND name = 'Riverside panel (renamed)' AND venue <> 'The Old Library'"
        ))
        .await,
        1
    );
    // Saving again, having been told, applies it
    let again = post_form(
        second,
        &path,
        &stale.csrf(),
        &with(
            with(
                with(fields_of(&panel, "tuesday"), "version", &field(&stale, "version")),
                "venue",
                "The Old Library",
            ),
            "name",
            "Riverside panel (renamed)",
        ),
    )
    .await;
    assert_eq!(again.status, 303, "{}", again.body);
    assert_eq!(
        db.scalar(&format!(
            "SELECT COUNT(*) FROM panels WHERE id = {id} AND venue = 'The Old Library'"
        ))
        .await,
        1
    );
});

engines!(
    business_support_swaps_the_chair_of_one_meeting_and_a_chair_cannot,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let panel = panel_where(&app, |c| matches!(c, Cadence::Fortnightly { .. }));
        let [lead, co] = [panel.chairs[0], panel.chairs[1]];
        let name = |u: domain::UserId| {
            let s = app.county.staff.iter().find(|s| s.id == u).unwrap();
            format!("{} {}", s.given_name, s.family_name)
        };
        let db = app.db();
        let p = panel_sql(&app, panel.id);
        // Given the panel's next two meetings, chaired in turn
        let first: i64 = db
            .scalar(&format!(
                "SELECT COUNT(*) FROM meetings WHERE panel_id = {p} AND status <> 'cancelled' AND chair_id IS NULL"
            ))
            .await;
        assert_eq!(first, 0, "every meeting has its chair");
        let bso = app.signed_in_without_second_factor(&email_of(&app, panel.business_support)).await;
        let list = bso.get("/meetings").await;
        let at = list.body.find(&panel.name).expect("the panel's meetings are listed");
        let marker = "href=\"/meetings/";
        let i = list.body[..at].rfind(marker).unwrap() + marker.len();
        let meeting = list.body[i..i + 36].to_owned();
        let page = bso.get(&format!("/meetings/{meeting}")).await;
        assert!(page.shows("Chair of this meeting"), "{}", page.body);
        assert!(page.shows("Change the chair of this meeting"));
        let chair_now = if page.shows(&format!(
            "Chair of this meeting</dt><dd class=\"govuk-summary-list__value\">{}",
            name(lead)
        )) {
            lead
        } else {
            co
        };
        let other = if chair_now == lead { co } else { lead };
        // When business support swaps in the other chair
        let swapped = bso
            .post(
                &format!("/meetings/{meeting}/chair"),
                &[
                    ("csrf", &page.csrf()),
                    ("version", &field(&page, "version")),
                    ("chair", &other.to_string()),
                ],
            )
            .await;
        assert_eq!(swapped.status, 303, "{}", swapped.body);
        // Then the meeting's page names them
        let after = bso.get(&format!("/meetings/{meeting}")).await;
        assert!(
            after.shows(&format!(
                "Chair of this meeting</dt><dd class=\"govuk-summary-list__value\">{}",
                name(other)
            )),
            "{}",
            after.body
        );
        // and someone who is not one of the panel's chairs cannot be swapped in
        let outsider = app.county.staff.iter().find(|s| !panel.chairs.contains(&s.id)).unwrap().id;
        let refused = bso
            .post(
                &format!("/meetings/{meeting}/chair"),
                &[
                    ("csrf", &after.csrf()),
                    ("version", &field(&after, "version")),
                    ("chair", &outsider.to_string()),
                ],
            )
            .await;
        assert_eq!(refused.status, 200);
        assert!(refused.shows("Choose one of the panel’s chairs"), "{}", refused.body);
        // and a chair may not change it themselves
        let chair = app.signed_in_without_second_factor(&email_of(&app, lead)).await;
        let own = chair.get(&format!("/meetings/{meeting}")).await;
        assert_eq!(own.status, 200);
        assert!(!own.shows("Change the chair of this meeting"));
        let forbidden = chair
            .post(
                &format!("/meetings/{meeting}/chair"),
                &[
                    ("csrf", &own.csrf()),
                    ("version", &field(&own, "version")),
                    ("chair", &lead.to_string()),
                ],
            )
            .await;
        assert_eq!(forbidden.status, 403);
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'meeting.change_chair'")
                .await,
            1
        );
    }
);

engines!(
    the_migration_back_fills_each_meetings_chair_by_turn_as_planning_does,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let db = app.db();
        // Given the county's meetings, past and planned, chaired by the store's rota
        let alternating = db
            .scalar("SELECT COUNT(DISTINCT m.chair_id) FROM meetings m JOIN panel_chairs c ON c.panel_id = m.panel_id AND c.turn = 1")
            .await;
        assert!(alternating >= 2, "a panel with two chairs has meetings chaired by each");
        db.execute("CREATE TABLE chairs_by_store AS SELECT id, chair_id FROM meetings WHERE status <> 'cancelled'")
            .await;
        // When the chairs are cleared and the migration's back-fill runs
        db.execute("UPDATE meetings SET chair_id = NULL").await;
        let migration = include_str!("../../../store/migrations/sqlite/0014_meeting_chairs.sql");
        let back_fill = &migration[migration.find("UPDATE meetings").unwrap()..];
        assert_eq!(
            back_fill,
            &include_str!("../../../store/migrations/postgres/0014_meeting_chairs.sql")[include_str!(
                "../../../store/migrations/postgres/0014_meeting_chairs.sql"
            )
            .find("UPDATE meetings")
            .unwrap()..],
            "both engines back-fill with the same statement"
        );
        db.execute(back_fill.trim().trim_end_matches(';')).await;
        // Then every meeting not cancelled has the chair the store gave it
        let differ = db
            .scalar(
                "SELECT COUNT(*) FROM meetings m JOIN chairs_by_store s ON s.id = m.id \
                 WHERE NOT (m.chair_id = s.chair_id OR (m.chair_id IS NULL AND s.chair_id IS NULL))",
            )
            .await;
        assert_eq!(differ, 0);
        assert!(db.scalar("SELECT COUNT(*) FROM chairs_by_store WHERE chair_id IS NOT NULL").await > 0);
    }
);

engines!(
    a_meeting_moved_past_its_cadence_date_survives_a_change_that_keeps_the_cadence,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let panel = tuesday_panel(&app);
        let bso = app.signed_in_without_second_factor(&email_of(&app, panel.business_support)).await;
        // Given business support moved the meeting of Tuesday 1 December to Thursday 3 December
        let list = bso.get("/meetings").await;
        let at = list.body.find("Tuesday 1 December 2026").expect("the meeting is listed");
        let marker = "href=\"/meetings/";
        let i = list.body[..at].rfind(marker).unwrap() + marker.len();
        let meeting = list.body[i..i + 36].to_owned();
        let page = bso.get(&format!("/meetings/{meeting}")).await;
        let moved = bso
            .post(
                &format!("/meetings/{meeting}/move"),
                &[
                    ("csrf", &page.csrf()),
                    ("version", &field(&page, "version")),
                    ("date", "03/12/2026"),
                ],
            )
            .await;
        assert_eq!(moved.status, 303, "{}", moved.body);
        // and it is now Wednesday 2 December, after the day it was first set for
        app.clock.advance(time::Duration::days(7));
        // When an administrator renames the panel, keeping its cadence
        let admin = admin(&app).await;
        let form = admin.get(&format!("/panels/{}/edit", panel.id)).await;
        let saved = post_form(
            &admin,
            &format!("/panels/{}/edit", panel.id),
            &form.csrf(),
            &with(
                with(fields_of(&panel, "tuesday"), "version", &field(&form, "version")),
                "name",
                "Riverside panel (renamed)",
            ),
        )
        .await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        // Then the moved meeting still takes place, and nothing was cancelled
        let db = app.db();
        let id = db.uuid_literal(meeting.parse::<uuid::Uuid>().unwrap());
        assert_eq!(
            db.scalar(&format!("SELECT COUNT(*) FROM meetings WHERE id = {id} AND status = 'planned'"))
                .await,
            1
        );
        assert_eq!(
            db.scalar(&format!(
                "SELECT COUNT(*) FROM meetings WHERE panel_id = {} AND cancel_reason LIKE '%no longer meets%'",
                panel_sql(&app, panel.id)
            ))
            .await,
            0
        );
    }
);
