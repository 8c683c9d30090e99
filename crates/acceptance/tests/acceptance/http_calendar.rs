//! The working-day calendar and the meetings feed over HTTP, on both engines: an administrator
//! adds a closure day on a meeting's circulation day and its page moves the list a working day
//! earlier, naming the closure; others may read the calendar but not change it; bad input is
//! kept and explained. A member's iCalendar file holds their panels' meetings and no family.

use domain::panel::Cadence;
use domain::role::Role;
use earlyhelp_acceptance::{Page, TestApp, engines};
use time::Weekday;

/// The weekly Tuesday panel and its business-support officer's e-mail.
fn tuesday_panel(app: &TestApp) -> (county::Panel, String) {
    let panel = app
        .county
        .panels
        .iter()
        .find(|p| p.cadence == Cadence::Weekly { weekday: Weekday::Tuesday } && !p.chairs.is_empty())
        .expect("a weekly Tuesday panel")
        .clone();
    let bso = app
        .county
        .staff
        .iter()
        .find(|s| s.id == panel.business_support)
        .unwrap()
        .email
        .to_string();
    (panel, bso)
}

/// The id in the first `href="/meetings/…"` link before `text` on the page.
fn meeting_link(page: &Page, text: &str) -> String {
    let at = page.body.find(text).unwrap_or_else(|| panic!("{text} is on the page"));
    let marker = "href=\"/meetings/";
    let i = page.body[..at].rfind(marker).expect("a meeting link before it") + marker.len();
    page.body[i..i + 36].to_owned()
}

engines!(
    an_administrators_closure_day_on_a_circulation_day_moves_that_list_a_working_day_earlier_and_says_why,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let (_, bso_email) = tuesday_panel(&app);
        let bso = app.signed_in_without_second_factor(&bso_email).await;
        let list = bso.get("/meetings").await;
        let meeting = meeting_link(&list, "Tuesday 15 December 2026");
        // Given the meeting on Tuesday 15 December sends its list on Monday 7 December
        let before = bso.get(&format!("/meetings/{meeting}")).await;
        assert!(before.shows("Monday 7 December 2026 at 12pm"), "{}", before.body);

        // When an administrator with a second factor closes the council that day
        let admin = app.sign_in_with_second_factor(&app.staff_with_role(Role::Administrator)).await;
        let form = admin.get("/calendar").await;
        assert_eq!(form.status, 200);
        assert!(form.shows("Add a closure day"));
        let added = admin
            .post(
                "/calendar",
                &[("csrf", &form.csrf()), ("day", "07/12/2026"), ("reason", "Council offices move")],
            )
            .await;
        assert_eq!(added.status, 303, "{}", added.body);
        let after = admin.get(added.location.as_deref().unwrap()).await;
        assert!(
            after.shows("Closure day added") && after.shows("Council offices move"),
            "{}",
            after.body
        );

        // Then the meeting's list goes to members on Friday 4 December, and the reason names
        // the closure
        let moved = bso.get(&format!("/meetings/{meeting}")).await;
        assert!(moved.shows("Friday 4 December 2026 at 12pm"), "{}", moved.body);
        assert!(moved.shows("not counting Monday 7 December 2026 (local closure day)"));
        // and the meetings list, counted from the stored day, agrees
        assert!(bso.get("/meetings").await.shows("Friday 4 December 2026"));

        // When the administrator removes it, the list goes on Monday 7 December again
        let removed = admin.post("/calendar/2026-12-07/remove", &[("csrf", &after.csrf())]).await;
        assert_eq!(removed.status, 303, "{}", removed.body);
        assert!(
            bso.get(&format!("/meetings/{meeting}"))
                .await
                .shows("Monday 7 December 2026 at 12pm")
        );
    }
);

engines!(
    anyone_signed_in_reads_the_calendar_but_only_an_administrator_changes_it,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let (_, bso_email) = tuesday_panel(&app);
        let bso = app.signed_in_without_second_factor(&bso_email).await;
        // A business-support officer sees the bank holidays and no form
        let page = bso.get("/calendar").await;
        assert_eq!(page.status, 200);
        assert!(page.shows("England and Wales bank holidays in 2026") && page.shows("England and Wales bank holidays in 2027"));
        assert!(page.shows("Boxing Day (substitute day)"));
        assert!(!page.shows("Add a closure day"));
        // and posting one is refused and recorded, changing nothing
        let refused = bso
            .post("/calendar", &[("csrf", &page.csrf()), ("day", "07/12/2026"), ("reason", "Mine")])
            .await;
        assert_eq!(refused.status, 403);
        let db = app.db();
        assert_eq!(db.scalar("SELECT COUNT(*) FROM closure_days").await, 0);
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'access.denied' AND record_id LIKE 'ManageCalendar#%'")
                .await,
            1,
            "the refusal is on record"
        );
    }
);

engines!(
    a_closure_day_that_changes_nothing_or_has_no_reason_is_refused_keeping_what_was_typed,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let admin = app.sign_in_with_second_factor(&app.staff_with_role(Role::Administrator)).await;
        let form = admin.get("/calendar").await;
        let csrf = form.csrf();
        let cases = [
            (
                "28/12/2026",
                "Closed",
                "Monday 28 December 2026 is already not a working day (Boxing Day (substitute day))",
            ),
            (
                "05/12/2026",
                "Closed",
                "Saturday 5 December 2026 is already not a working day (weekend)",
            ),
            ("24/11/2026", "Closed", "The date must be today or in the future"),
            ("31/02/2027", "Closed", "must be a real date"),
            ("08/12/2026", "   ", "Enter why the council is closed that day"),
        ];
        for (day, reason, message) in cases {
            let page = admin.post("/calendar", &[("csrf", &csrf), ("day", day), ("reason", reason)]).await;
            assert_eq!(page.status, 200, "{day}");
            assert!(page.shows(message), "{day}: {}", page.body);
            assert!(page.body.contains(&format!("value=\"{day}\"")), "{day} is kept");
            assert!(page.body.contains("<title>Error:"), "the title says there is an error");
        }
        // A duplicate is refused too
        let ok = admin
            .post("/calendar", &[("csrf", &csrf), ("day", "08/12/2026"), ("reason", "Training day")])
            .await;
        assert_eq!(ok.status, 303);
        let twice = admin
            .post("/calendar", &[("csrf", &csrf), ("day", "08/12/2026"), ("reason", "Training day")])
            .await;
        assert!(twice.shows("Tuesday 8 December 2026 is already a closure day"), "{}", twice.body);
        assert!(twice.body.contains("value=\"Training day\""));
        assert_eq!(app.db().scalar("SELECT COUNT(*) FROM closure_days").await, 1);
    }
);

/// Unfolds RFC 5545 content lines and checks the shape: every line `NAME[;params]:value`,
/// BEGIN and END balanced, one VCALENDAR around everything. Returns the logical lines.
fn parse_ics(text: &str) -> Vec<String> {
    assert!(text.ends_with("\r\n"), "lines end in CRLF");
    let unfolded = text.replace("\r\n ", "");
    let lines: Vec<String> = unfolded.split("\r\n").filter(|l| !l.is_empty()).map(str::to_owned).collect();
    let mut stack = Vec::new();
    for l in &lines {
        let (name, value) = l.split_once(':').unwrap_or_else(|| panic!("a content line: {l}"));
        assert!(
            name.chars().all(|c| c.is_ascii_uppercase() || c == '-' || c == ';' || c == '='),
            "a property name: {name}"
        );
        match name {
            "BEGIN" => stack.push(value.to_owned()),
            "END" => assert_eq!(stack.pop().as_deref(), Some(value), "END matches BEGIN"),
            _ => assert!(!stack.is_empty(), "inside a component"),
        }
    }
    assert!(stack.is_empty());
    assert_eq!(lines.first().map(String::as_str), Some("BEGIN:VCALENDAR"));
    assert_eq!(lines.last().map(String::as_str), Some("END:VCALENDAR"));
    lines
}

engines!(
    a_members_calendar_file_holds_their_panels_meetings_and_nothing_about_any_family,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let (panel, bso_email) = tuesday_panel(&app);
        let bso = app.signed_in_without_second_factor(&bso_email).await;
        // The Meetings page links to it
        assert!(bso.get("/meetings").await.body.contains("href=\"/meetings.ics\""));
        let feed = bso.get("/meetings.ics").await;
        assert_eq!(feed.status, 200);
        let content_type = feed.headers.get("content-type").unwrap().to_str().unwrap();
        assert!(content_type.starts_with("text/calendar"), "{content_type}");
        let lines = parse_ics(&feed.body);

        // One event per meeting of the panels this person has a place on, each with its UID
        let me = app.staff(&bso_email);
        let mine = |p: &county::Panel| {
            p.business_support == me.id || p.chairs.contains(&me.id) || p.members.iter().any(|m| m.organisation == me.organisation)
        };
        let events = lines.iter().filter(|l| *l == "BEGIN:VEVENT").count();
        assert!(events >= 50, "a year of weekly meetings: {events}");
        assert_eq!(lines.iter().filter(|l| l.starts_with("UID:") && l.contains('@')).count(), events);
        let summaries: Vec<&str> = lines.iter().filter_map(|l| l.strip_prefix("SUMMARY:")).collect();
        let escaped = |s: &str| s.replace('\\', "\\\\").replace(';', "\\;").replace(',', "\\,");
        assert!(summaries.contains(&escaped(&panel.name).as_str()));
        for other in app.county.panels.iter().filter(|p| !mine(p)) {
            assert!(!summaries.contains(&escaped(&other.name).as_str()), "{} is not theirs", other.name);
        }
        // The meeting on 15 December 2026 starts in GMT
        assert!(lines.iter().any(|l| l.starts_with("DTSTART:20261215T")));

        // and no family's address or name appears
        let (_, spec) = earlyhelp_acceptance::small_county();
        for f in app.county.families(&spec) {
            assert!(!feed.body.contains(&f.address_line), "no family address");
            assert!(!feed.body.contains(&f.postcode.to_string()), "no family postcode");
        }

        // A cancelled meeting stays in the file, marked cancelled
        let db = app.db();
        db.execute(&format!(
            "UPDATE meetings SET status = 'cancelled', cancel_reason = 'Room flooded' WHERE panel_id = {} AND meeting_date = '2026-12-15'",
            db.uuid_literal(panel.id.0)
        ))
        .await;
        let again = parse_ics(&bso.get("/meetings.ics").await.body);
        assert_eq!(again.iter().filter(|l| *l == "STATUS:CANCELLED").count(), 1);
    }
);
