//! The dashboards over HTTP: the panels' officers read referrals by route, waits, lists sent
//! on time and overdue actions, filtered by locality, panel and period, with a table of the
//! figures beside each chart and downloads of them; counts small enough to identify a family
//! are hidden at the council's threshold, and families that exclude the reader's organisation
//! are not counted. On both engines.

use crate::http_meetings::meeting_with_two_cases;
use crate::http_plans::{add_three_needs, need_fields, plan_opened_by_decision, plan_version};
use domain::role::Role;
use earlyhelp_acceptance::{Browser, engines};

/// The CSV's referral counts for one month, by figure.
async fn referrals_in(browser: &Browser, month: &str) -> Vec<(String, String)> {
    let (status, headers, csv) = browser.get_bytes("/dashboards.csv?months=3").await;
    assert_eq!(status, 200);
    assert_eq!(headers.get("content-type").unwrap(), "text/csv; charset=utf-8");
    let text = String::from_utf8(csv).unwrap();
    assert!(text.starts_with("Measure,Month or panel,Figure,Value"), "{text}");
    text.lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            (cells.len() == 4 && cells[0] == "Referrals" && cells[1] == month).then(|| (cells[2].to_owned(), cells[3].to_owned()))
        })
        .collect()
}

fn total(rows: &[(String, String)]) -> i64 {
    rows.iter()
        .filter(|(figure, _)| figure != "Re-referrals")
        .map(|(_, v)| v.parse::<i64>().unwrap_or_else(|_| panic!("{v} is a number at threshold 1")))
        .sum()
}

engines!(
    dashboards_count_referrals_by_month_and_hide_counts_small_enough_to_identify_a_family,
    |db| async move {
        let m = meeting_with_two_cases(db).await;
        let app = &m.app;
        let db = app.db();
        // A plan with three needs closes: two improved, one not
        let lead = plan_opened_by_decision(&m).await;
        let keeper = app.signed_in_without_second_factor(lead.email.as_str()).await;
        add_three_needs(&keeper, m.kept.id).await;
        let form = keeper.get(&format!("/families/{}/plan/close", m.kept.id)).await;
        let mut closure = vec![
            ("csrf".to_owned(), form.csrf()),
            ("version".to_owned(), plan_version(&form)),
            ("closed_on".to_owned(), "25/11/2026".to_owned()),
            ("reason".to_owned(), "needs_met".to_owned()),
        ];
        for (need, status) in need_fields(&form, "status-").iter().zip(["met", "significant", "no_change"]) {
            closure.push((format!("status-{need}"), status.to_owned()));
        }
        let closure: Vec<(&str, &str)> = closure.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let closed = keeper.post(&format!("/families/{}/plan/close", m.kept.id), &closure).await;
        assert_eq!(closed.status, 303, "{}", closed.body);

        let chair = app.signed_in_without_second_factor(&m.chair_email).await;
        let org = db.uuid_literal(app.staff(&m.chair_email).organisation.0);

        // The page has each measure, as a chart with its table
        let page = chair.get("/dashboards").await;
        assert_eq!(page.status, 200, "{}", page.body);
        for heading in [
            "Referrals by route",
            "Time from referral to screening and decision",
            "Lists sent to members on time",
            "Action notes on time",
            "Needs improved and sustained, by outcome area",
            "Quarterly report: MASH referrals for early help",
            "Actions overdue now",
        ] {
            assert!(page.shows(heading), "{heading}");
        }
        assert!(page.shows("<svg class=\"app-chart\""), "charts are drawn");
        assert!(page.shows("(the table gives the figures)</title>"));
        assert!(page.shows("Counts of fewer than 5 families are hidden"));
        assert!(chair.get("/meetings").await.shows("href=\"/dashboards\""), "Meetings links to them");

        // With nothing hidden, November's referrals add up to those the chair's organisation
        // is not excluded from
        db.execute("INSERT INTO settings (key, value) VALUES ('dashboards.suppress_below', '1')")
            .await;
        let counted = |extra: &str| {
            format!(
                "SELECT COUNT(*) FROM referrals r WHERE r.created_at >= '2026-11-01' AND r.created_at < '2026-12-01' \
                 AND NOT EXISTS (SELECT 1 FROM family_exclusions x WHERE x.family_id = r.family_id AND x.organisation_id = {org}){extra}"
            )
        };
        let expected = db.scalar(&counted("")).await;
        assert!(expected > 0, "the test county has referrals this month");
        let rows = referrals_in(&chair, "Nov 2026").await;
        assert_eq!(rows.len(), 5, "four routes and the re-referrals: {rows:?}");
        assert_eq!(total(&rows), expected);

        // and the needs on the plans closed in the period add up, area by area, to the needs
        // of the plans that closed since September
        let (_, _, csv) = chair.get_bytes("/dashboards.csv?months=3").await;
        let csv = String::from_utf8(csv).unwrap();
        let needs: i64 = csv
            .lines()
            .filter_map(|l| {
                let cells: Vec<&str> = l.split(',').collect();
                (cells.len() == 4 && cells[0] == "Needs on closed plans" && cells[2] == "Needs").then(|| cells[3].parse::<i64>().unwrap())
            })
            .sum();
        let closed_needs = db
            .scalar(&format!(
                "SELECT COUNT(*) FROM plan_needs n JOIN plans p ON p.id = n.plan_id WHERE p.closed_on >= '2026-09-01' \
                 AND NOT EXISTS (SELECT 1 FROM family_exclusions x WHERE x.family_id = p.family_id AND x.organisation_id = {org})"
            ))
            .await;
        assert!(closed_needs >= 3, "the plan just closed is counted");
        assert_eq!(needs, closed_needs, "{csv}");
        let improved: i64 = csv
            .lines()
            .filter_map(|l| {
                let cells: Vec<&str> = l.split(',').collect();
                (cells.len() == 4 && cells[0] == "Needs on closed plans" && cells[2] == "Improved")
                    .then(|| cells[3].parse::<i64>().unwrap())
            })
            .sum();
        let significant = db
            .scalar(&format!(
                "SELECT COUNT(*) FROM plan_needs n JOIN plans p ON p.id = n.plan_id WHERE p.closed_on >= '2026-09-01' \
                 AND n.status_at_close IN ('significant', 'met') \
                 AND NOT EXISTS (SELECT 1 FROM family_exclusions x WHERE x.family_id = p.family_id AND x.organisation_id = {org})"
            ))
            .await;
        assert!(significant >= 2);
        assert_eq!(improved, significant);
        // and MASH's referrals for early help this quarter add up, locality by locality
        let referred: i64 = csv
            .lines()
            .filter_map(|l| {
                let cells: Vec<&str> = l.split(',').collect();
                (cells.len() == 4
                    && cells[0] == "MASH referrals for early help"
                    && cells[1].starts_with("Oct to Dec 2026: ")
                    && cells[2] == "Referred")
                    .then(|| cells[3].parse::<i64>().unwrap())
            })
            .sum();
        let this_quarter = db
            .scalar(&format!(
                "SELECT COUNT(*) FROM referrals r WHERE r.route = 'mash_decision' AND r.created_at >= '2026-10-01' \
                 AND r.created_at < '2027-01-01' \
                 AND NOT EXISTS (SELECT 1 FROM family_exclusions x WHERE x.family_id = r.family_id AND x.organisation_id = {org})"
            ))
            .await;
        assert!(this_quarter > 0, "MASH referred families this quarter");
        assert_eq!(referred, this_quarter, "{csv}");

        // A family whose consent now excludes the chair's organisation drops out of the counts
        let kept = db.uuid_literal(m.kept.id.0);
        let its_own = db
            .scalar(&format!(
                "SELECT COUNT(*) FROM referrals WHERE family_id = {kept} AND created_at >= '2026-11-01' AND created_at < '2026-12-01'"
            ))
            .await;
        assert!(its_own > 0);
        db.execute(&format!(
            "INSERT INTO family_exclusions (family_id, organisation_id) VALUES ({kept}, {org})"
        ))
        .await;
        assert_eq!(total(&referrals_in(&chair, "Nov 2026").await), expected - its_own);

        // At a threshold of 20, every count between none and 20 is hidden
        db.execute("UPDATE settings SET value = '20' WHERE key = 'dashboards.suppress_below'")
            .await;
        let hidden = referrals_in(&chair, "Nov 2026").await;
        for (figure, value) in &hidden {
            let shown = value.parse::<i64>().map(|n| n == 0 || n >= 20);
            assert!(shown.unwrap_or(value == "Fewer than 20"), "{figure}: {value}");
        }
        assert!(hidden.iter().any(|(_, v)| v == "Fewer than 20"), "{hidden:?}");
        assert!(chair.get("/dashboards").await.shows("Fewer than 20"));

        // A period the form does not offer is refused, on the page and for a download
        let wrong = chair.get("/dashboards?months=7").await;
        assert_eq!(wrong.status, 200);
        assert!(wrong.shows("Select a period of 3, 6 or 12 months"));
        assert_eq!(chair.get_bytes("/dashboards.csv?months=7").await.0, 400);
        // The XLSX holds the same figures
        let (status, headers, xlsx) = chair.get_bytes("/dashboards.xlsx?months=6").await;
        assert_eq!(status, 200);
        assert_eq!(
            headers.get("content-type").unwrap(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        assert!(xlsx.starts_with(b"PK"), "a workbook");
        assert!(db.count("SELECT COUNT(*) FROM audit_log WHERE action = 'dashboards.view'").await >= 3);
        assert!(db.count("SELECT COUNT(*) FROM audit_log WHERE action = 'dashboards.export'").await >= 4);

        // An agency's representative and an administrator do not open them
        let officer = app.signed_in_without_second_factor(&m.officer).await;
        assert_eq!(officer.get("/dashboards").await.status, 403);
        assert!(!officer.get("/meetings").await.shows("href=\"/dashboards\""));
        let admin = app.sign_in_with_second_factor(&app.staff_with_role(Role::Administrator)).await;
        assert_eq!(admin.get("/dashboards").await.status, 403);
        assert_eq!(admin.get_bytes("/dashboards.csv").await.0, 403);
    }
);
