//! Local closure days in the store, on both engines: adding one re-counts the circulation day
//! of exactly the planned meetings it falls before, in the transaction that stores it with its
//! audit entry; removing it puts them back; a circulated meeting keeps the day its list went.

use domain::panel::Cadence;
use domain::working_days::{ClosureReason, ClosureRefused};
use earlyhelp_acceptance::{TestApp, engines};
use store::calendar::CalendarWriteError;
use time::Weekday;
use time::macros::date;

fn admin_permit(app: &TestApp) -> policy::Permit<policy::ManageCalendar> {
    let admin = app
        .county
        .staff
        .iter()
        .find(|s| s.roles.contains(&domain::role::Role::Administrator))
        .unwrap();
    let who = policy::Principal {
        user: admin.id,
        organisation: admin.organisation,
        roles: admin.roles.clone(),
        isa: domain::organisation::IsaStanding::Current,
        mfa_passed: true,
    };
    policy::Authority::new().unwrap().decide(&who, policy::ManageCalendar).unwrap()
}

engines!(
    a_closure_day_moves_the_lists_of_the_planned_meetings_it_falls_before_and_removing_it_moves_them_back,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let db = app.db();
        let panel = app
            .county
            .panels
            .iter()
            .find(|p| p.cadence == Cadence::Weekly { weekday: Weekday::Tuesday })
            .unwrap();
        let due = |meeting: &str| {
            format!(
                "SELECT COUNT(*) FROM meetings WHERE panel_id = {} AND meeting_date = '{meeting}' AND circulate_by = ",
                db.uuid_literal(panel.id.0)
            )
        };
        let is_due = |meeting: &'static str, day: &'static str| {
            let sql = format!("{}'{day}'", due(meeting));
            async move { db.scalar(&sql).await == 1 }
        };
        // Given the Tuesday panel's meetings: 8 December (list already sent on 30 November),
        // 15 December (list due Monday 7 December) and 22 December (due Monday 14 December)
        db.execute(&format!(
            "UPDATE meetings SET status = 'circulated' WHERE panel_id = {} AND meeting_date = '2026-12-08'",
            db.uuid_literal(panel.id.0)
        ))
        .await;
        assert!(is_due("2026-12-08", "2026-11-30").await);
        assert!(is_due("2026-12-15", "2026-12-07").await);
        assert!(is_due("2026-12-22", "2026-12-14").await);

        // When an administrator closes the council on Monday 7 December
        let permit = admin_permit(&app);
        let reason = ClosureReason::parse("Office move").unwrap();
        let added = app
            .store
            .add_closure_day(&permit, date!(2026 - 12 - 07), &reason, "127.0.0.1")
            .await
            .unwrap();

        // Then the 15 December list goes on Friday 4 December; the sent list and the later
        // meeting keep their days
        assert!(is_due("2026-12-15", "2026-12-04").await);
        assert!(is_due("2026-12-08", "2026-11-30").await, "a list already sent is not re-timed");
        assert!(is_due("2026-12-22", "2026-12-14").await);
        assert!(added.meetings >= 1);
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'calendar.add_closure'")
                .await,
            1
        );
        let closures = app.store.closure_days().await.unwrap();
        assert_eq!(closures.len(), 1);
        assert_eq!(closures[0].reason, "Office move");

        // and adding it again is refused, changing nothing
        let again = app
            .store
            .add_closure_day(&permit, date!(2026 - 12 - 07), &reason, "127.0.0.1")
            .await
            .unwrap_err();
        assert!(
            matches!(again, CalendarWriteError::Refused(ClosureRefused::AlreadyClosed(_))),
            "{again}"
        );

        // When it is removed, the list is due on Monday 7 December again
        let removed = app
            .store
            .remove_closure_day(&permit, date!(2026 - 12 - 07), "127.0.0.1")
            .await
            .unwrap();
        assert_eq!(removed.meetings, added.meetings);
        assert!(is_due("2026-12-15", "2026-12-07").await);
        assert!(app.store.closure_days().await.unwrap().is_empty());
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'calendar.remove_closure'")
                .await,
            1
        );
    }
);
