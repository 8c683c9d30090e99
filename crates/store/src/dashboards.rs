//! The dashboards' figures (issue 10): how the panels are doing, month by month, for a locality
//! or a panel or the whole county — referrals by route and re-referrals, how long referrals
//! wait for screening and for the panel's decision, whether lists and action notes went to
//! members on time, the needs improved and sustained on the plans that closed, by outcome
//! area, and the actions overdue now.
//!
//! They are aggregates: no family is named, families whose consent excludes the reader's
//! organisation are not counted, and counts of families small enough to identify one are
//! suppressed by the domain's [`Suppression`] rule at the council's threshold. Who may open
//! them is the policy's [`ViewDashboards`]; every reader who may sees the whole county's
//! figures, narrowed by the filters.

use crate::audit::AuditEntry;
use crate::{Store, StoreError};
use domain::dashboard::{Shown, Suppression, Wait, months_back, next_month, next_quarter, quarters_back};
use domain::{LocalityId, PanelId};
use policy::{Permit, ViewDashboards};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// The settings key of the suppression threshold (set with the programme's rules).
pub(crate) const SUPPRESS_BELOW_KEY: &str = "dashboards.suppress_below";

/// What the reader narrowed the dashboards to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DashboardFilter {
    /// Only this locality's referrals and panels.
    pub locality: Option<LocalityId>,
    /// Only this panel's cases and meetings.
    pub panel: Option<PanelId>,
    /// How many months back, this month included.
    pub months: u8,
}

/// One month's referrals.
#[derive(Debug, Clone)]
pub struct ReferralMonth {
    /// Its first day.
    pub month: Date,
    /// Referrals made, by route: MASH decision, step-down, step-up, stuck case.
    pub by_route: [Shown; 4],
    /// Of them, re-referrals (the family was seen in the twelve months before).
    pub re_referrals: Shown,
    /// The middle wait, in days, from referral to the chair's screening (accepted, returned or
    /// redirected), for referrals made this month that have been screened.
    pub days_to_screening: Wait,
    /// The middle wait, in days, from referral to the panel's decision.
    pub days_to_decision: Wait,
}

/// One month's lists of families: how many meetings' lists went to members, and how many of
/// those by noon on their circulation day.
#[derive(Debug, Clone, Copy)]
pub struct ListsMonth {
    /// Its first day.
    pub month: Date,
    /// Meetings that month whose list went out.
    pub circulated: u64,
    /// Of them, on time.
    pub on_time: u64,
}

/// One month's held meetings and their action notes.
#[derive(Debug, Clone, Copy)]
pub struct NotesMonth {
    /// Its first day.
    pub month: Date,
    /// Meetings held that month.
    pub held: u64,
    /// Of them, whose notes went to members by the panel's deadline.
    pub on_time: u64,
    /// Whose notes went late, or are past the deadline and not yet sent.
    pub late: u64,
}

/// The needs of the plans that closed in the period, in one outcome area.
#[derive(Debug, Clone)]
pub struct NeedsInArea {
    /// The outcome area's headline.
    pub area: String,
    /// Needs in this area on the plans that closed.
    pub closed: Shown,
    /// Of them, with significant progress (or met) at close.
    pub improved: Shown,
    /// Of those, confirmed as lasting when the team went back.
    pub sustained: Shown,
}

/// One quarter's MASH threshold decisions of early help in one locality (seed 003: the early
/// help forums "consider quarterly reports on activity where MASH has recommended a CAF
/// assessment"), and what became of them.
#[derive(Debug, Clone)]
pub struct MashQuarter {
    /// The quarter's first day.
    pub quarter: Date,
    /// The locality.
    pub locality: String,
    /// Referrals MASH made for early help.
    pub referred: Shown,
    /// Of them, accepted for a panel.
    pub accepted: Shown,
    /// Of them, where the panel decided on an early help assessment.
    pub assessed: Shown,
}

/// The actions overdue today at one panel.
#[derive(Debug, Clone)]
pub struct OverdueAtPanel {
    /// The panel.
    pub panel: String,
    /// Open actions past their due date.
    pub overdue: u64,
    /// Open actions in all.
    pub open: u64,
}

/// Every figure the dashboards page shows for one filter.
#[derive(Debug, Clone)]
pub struct Dashboard {
    /// The threshold the counts were suppressed at.
    pub suppression: Suppression,
    /// Referrals, month by month, oldest first.
    pub referrals: Vec<ReferralMonth>,
    /// Lists circulated, month by month.
    pub lists: Vec<ListsMonth>,
    /// Action notes, month by month.
    pub notes: Vec<NotesMonth>,
    /// Needs improved and sustained, by outcome area, on the plans closed in the period.
    pub needs: Vec<NeedsInArea>,
    /// The quarterly MASH report, quarter by quarter and locality by locality.
    pub mash: Vec<MashQuarter>,
    /// Actions overdue today, by panel.
    pub overdue: Vec<OverdueAtPanel>,
}

/// Which of the month starts `at` falls in.
fn bucket(months: &[Date], at: Date) -> Option<usize> {
    months.iter().rposition(|m| *m <= at).filter(|&i| at < next_month(months[i]))
}

impl Store {
    /// The dashboards' figures for `filter`, as the permit's reader may see them. Audited as a
    /// read, or as an export when `exported` (of aggregates: no family is named in the entry,
    /// and none goes to the sharing log).
    pub async fn dashboard(
        &self,
        permit: &Permit<ViewDashboards>,
        filter: DashboardFilter,
        exported: bool,
        address: &str,
    ) -> Result<Dashboard, StoreError> {
        let who = permit.principal();
        let today = self.clock.today();
        let suppression = self.programme_settings().await?.suppression;
        let months = months_back(today, filter.months.clamp(1, 24));
        let from = months[0];
        // A day before the period in UTC: the London month is found row by row below.
        let since = crate::engine::db_instant(from.midnight().assume_utc() - time::Duration::days(1));
        type ReferralRow = (OffsetDateTime, String, bool, Option<OffsetDateTime>, Option<OffsetDateTime>);
        type MeetingRow = (Date, Option<OffsetDateTime>, Date, i64, Option<OffsetDateTime>);
        type OverdueRow = (String, i64, i64);
        type NeedRow = (String, Option<String>, Option<bool>);
        type MashRow = (OffsetDateTime, String, bool, bool);
        let quarters = quarters_back(today, (filter.months.clamp(3, 24) / 3).max(1));
        let mash_since = crate::engine::db_instant(quarters[0].midnight().assume_utc() - time::Duration::days(1));
        let locality = filter.locality.map(|l| l.0);
        let panel = filter.panel.map(|p| p.0);
        type Loaded = (Vec<ReferralRow>, Vec<MeetingRow>, Vec<OverdueRow>, Vec<NeedRow>, Vec<MashRow>);
        let (referrals, meetings, overdue, needs, mash): Loaded = read!(self, db => {
            let referrals = sqlx::query_as(
                "SELECT r.created_at, r.route, r.re_referral, \
                 (SELECT MIN(h.at) FROM referral_history h WHERE h.referral_id = r.id AND h.event IN ('accept', 'return', 'redirect')), \
                 (SELECT MIN(d.decided_at) FROM decisions d WHERE d.referral_id = r.id) \
                 FROM referrals r WHERE r.created_at >= $1 AND ($2 IS NULL OR r.locality_id = $2) AND ($3 IS NULL OR r.panel_id = $3) \
                 AND NOT EXISTS (SELECT 1 FROM family_exclusions x WHERE x.family_id = r.family_id AND x.organisation_id = $4)",
            )
            .bind(since)
            .bind(locality)
            .bind(panel)
            .bind(who.organisation.0)
            .fetch_all(db)
            .await?;
            // The period's meetings, not cancelled: their lists and their action notes.
            let meetings = sqlx::query_as(
                "SELECT m.meeting_date, m.circulated_at, m.circulate_by, p.notes_to_members_days, m.notes_sent_at \
                 FROM meetings m JOIN panels p ON p.id = m.panel_id \
                 WHERE m.meeting_date >= $1 AND m.meeting_date <= $2 AND m.status <> 'cancelled' \
                 AND ($3 IS NULL OR p.locality_id = $3) AND ($4 IS NULL OR p.id = $4)",
            )
            .bind(from)
            .bind(today)
            .bind(locality)
            .bind(panel)
            .fetch_all(db)
            .await?;
            let overdue = sqlx::query_as(
                "SELECT p.name, CAST(SUM(CASE WHEN a.due_on < $1 THEN 1 ELSE 0 END) AS BIGINT), CAST(COUNT(*) AS BIGINT) \
                 FROM actions a JOIN meetings m ON m.id = a.meeting_id JOIN panels p ON p.id = m.panel_id \
                 WHERE a.status = 'open' AND ($2 IS NULL OR p.locality_id = $2) AND ($3 IS NULL OR p.id = $3) \
                 AND NOT EXISTS (SELECT 1 FROM family_exclusions x WHERE x.family_id = a.family_id AND x.organisation_id = $4) \
                 GROUP BY p.name ORDER BY p.name",
            )
            .bind(today)
            .bind(locality)
            .bind(panel)
            .bind(who.organisation.0)
            .fetch_all(db)
            .await?;
            let needs = sqlx::query_as(
                "SELECT a.name, n.status_at_close, ns.held FROM plan_needs n JOIN plans pl ON pl.id = n.plan_id \
                 JOIN outcome_areas a ON a.code = n.area JOIN families f ON f.id = pl.family_id \
                 JOIN decisions d ON d.id = pl.decision_id JOIN meetings m ON m.id = d.meeting_id \
                 LEFT JOIN need_sustained ns ON ns.need_id = n.id \
                 WHERE pl.closed_on >= $1 AND ($2 IS NULL OR f.locality_id = $2) AND ($3 IS NULL OR m.panel_id = $3) \
                 AND NOT EXISTS (SELECT 1 FROM family_exclusions x WHERE x.family_id = pl.family_id AND x.organisation_id = $4) \
                 ORDER BY a.position",
            )
            .bind(from)
            .bind(locality)
            .bind(panel)
            .bind(who.organisation.0)
            .fetch_all(db)
            .await?;
            let mash = sqlx::query_as(
                "SELECT r.created_at, l.name, r.status IN ('accepted_for_panel', 'closed') AND r.panel_id IS NOT NULL, \
                 EXISTS (SELECT 1 FROM decisions d WHERE d.referral_id = r.id AND d.outcome = 'initiate_assessment') \
                 FROM referrals r JOIN localities l ON l.id = r.locality_id \
                 WHERE r.route = 'mash_decision' AND r.created_at >= $1 AND ($2 IS NULL OR r.locality_id = $2) \
                 AND ($3 IS NULL OR r.panel_id = $3) \
                 AND NOT EXISTS (SELECT 1 FROM family_exclusions x WHERE x.family_id = r.family_id AND x.organisation_id = $4) \
                 ORDER BY l.name",
            )
            .bind(mash_since)
            .bind(locality)
            .bind(panel)
            .bind(who.organisation.0)
            .fetch_all(db)
            .await?;
            (referrals, meetings, overdue, needs, mash)
        });

        // Referrals into their months, in London time (a referral made at 00:30 on the first
        // belongs to that month).
        let mut counts = vec![([0u64; 4], 0u64, Vec::new(), Vec::new()); months.len()];
        for (created_at, route, re_referral, screened_at, decided_at) in referrals {
            let made_on = domain::clock::london_date(created_at);
            let Some(i) = bucket(&months, made_on) else { continue };
            let route: domain::referral::Route = route
                .parse()
                .map_err(|e: domain::referral::UnknownRoute| StoreError::Corrupt(e.to_string()))?;
            let slot = domain::referral::Route::ALL.iter().position(|r| *r == route).unwrap_or(0);
            let c = &mut counts[i];
            c.0[slot] += 1;
            c.1 += u64::from(re_referral);
            // A stuck case goes straight onto the agenda: it waits for no screening.
            if let Some(s) = screened_at.filter(|_| route != domain::referral::Route::Stuck) {
                c.2.push((s - created_at).whole_days());
            }
            if let Some(d) = decided_at {
                c.3.push((d - created_at).whole_days());
            }
        }
        let referrals = months
            .iter()
            .zip(counts)
            .map(|(month, (by_route, re, screening, decision))| ReferralMonth {
                month: *month,
                by_route: by_route.map(|n| suppression.count(n)),
                re_referrals: suppression.count(re),
                days_to_screening: suppression.median(screening),
                days_to_decision: suppression.median(decision),
            })
            .collect();

        let mut lists: Vec<ListsMonth> = months
            .iter()
            .map(|m| ListsMonth {
                month: *m,
                circulated: 0,
                on_time: 0,
            })
            .collect();
        let mut notes_by_month: Vec<NotesMonth> = months
            .iter()
            .map(|m| NotesMonth {
                month: *m,
                held: 0,
                on_time: 0,
                late: 0,
            })
            .collect();
        for (meeting_date, circulated_at, circulate_by, notes_days, notes_sent_at) in meetings {
            let Some(i) = bucket(&months, meeting_date) else { continue };
            if let Some(at) = circulated_at {
                lists[i].circulated += 1;
                lists[i].on_time += u64::from(at <= crate::meetings::circulation_instant(circulate_by));
            }
            // A meeting today is not yet held for its notes.
            if meeting_date < today {
                let due = meeting_date + time::Duration::days(notes_days);
                let n = &mut notes_by_month[i];
                n.held += 1;
                match notes_sent_at.map(domain::clock::london_date) {
                    Some(sent) if sent <= due => n.on_time += 1,
                    Some(_) => n.late += 1,
                    None if due < today => n.late += 1,
                    None => {}
                }
            }
        }

        // Needs by outcome area, in the framework's order (the rows come sorted by it).
        let mut areas: Vec<(String, u64, u64, u64)> = Vec::new();
        for (area, at_close, held) in needs {
            if areas.last().is_none_or(|a| a.0 != area) {
                areas.push((area, 0, 0, 0));
            }
            if let Some(a) = areas.last_mut() {
                a.1 += 1;
                let improved = at_close
                    .as_deref()
                    .and_then(domain::plan::Progress::from_code)
                    .is_some_and(|p| p.is_significant());
                a.2 += u64::from(improved);
                a.3 += u64::from(improved && held == Some(true));
            }
        }
        let needs = areas
            .into_iter()
            .map(|(area, closed, improved, sustained)| NeedsInArea {
                area,
                closed: suppression.count(closed),
                improved: suppression.count(improved),
                sustained: suppression.count(sustained),
            })
            .collect();

        // The MASH report: quarter by quarter, each locality with referrals in the quarter.
        let mut by_quarter: std::collections::BTreeMap<(Date, String), (u64, u64, u64)> = std::collections::BTreeMap::new();
        for (created_at, locality_name, accepted, assessed) in mash {
            let made_on = domain::clock::london_date(created_at);
            let Some(q) = quarters.iter().rev().find(|q| **q <= made_on && made_on < next_quarter(**q)) else {
                continue;
            };
            let c = by_quarter.entry((*q, locality_name)).or_default();
            c.0 += 1;
            c.1 += u64::from(accepted);
            c.2 += u64::from(assessed);
        }
        let mash = by_quarter
            .into_iter()
            .map(|((quarter, locality), (referred, accepted, assessed))| MashQuarter {
                quarter,
                locality,
                referred: suppression.count(referred),
                accepted: suppression.count(accepted),
                assessed: suppression.count(assessed),
            })
            .collect();

        let overdue = overdue
            .into_iter()
            .map(|(panel, overdue, open)| OverdueAtPanel {
                panel,
                overdue: u64::try_from(overdue).unwrap_or(0),
                open: u64::try_from(open).unwrap_or(0),
            })
            .collect();

        let action = if exported { "dashboards.export" } else { "dashboards.view" };
        self.audit_read(AuditEntry::new(Some(who.user), action, "dashboards", None).from_address(Some(address.to_owned())))
            .await?;
        Ok(Dashboard {
            suppression,
            referrals,
            lists,
            notes: notes_by_month,
            needs,
            mash,
            overdue,
        })
    }

    /// The panels and localities the filters offer.
    pub async fn dashboard_choices(&self) -> Result<(Vec<(LocalityId, String)>, Vec<(PanelId, String, LocalityId)>), StoreError> {
        let localities = self.localities().await?;
        let panels: Vec<(Uuid, String, Uuid)> = read!(self, db => sqlx::query_as("SELECT id, name, locality_id FROM panels ORDER BY name")
            .fetch_all(db)
            .await?);
        Ok((
            localities,
            panels.into_iter().map(|(p, n, l)| (PanelId(p), n, LocalityId(l))).collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::bucket;
    use time::macros::date;

    #[test]
    fn a_day_falls_in_its_own_month_and_outside_the_period_in_none() {
        let months = [date!(2026 - 10 - 01), date!(2026 - 11 - 01), date!(2026 - 12 - 01)];
        assert_eq!(bucket(&months, date!(2026 - 11 - 30)), Some(1));
        assert_eq!(bucket(&months, date!(2026 - 12 - 01)), Some(2));
        assert_eq!(bucket(&months, date!(2026 - 09 - 30)), None);
        assert_eq!(bucket(&months, date!(2027 - 01 - 01)), None);
    }
}
