//! A synthetic county's recent past at its panels: the meetings of the last weeks, held, with
//! attendance, declarations, decisions on the cases the panels hold and the actions agreed,
//! some of them done and some overdue, so the demo's chairs, business support and agency
//! representatives have a history to look back on and actions to follow up. One meeting of
//! each panel a year ago opened plans that have since closed, so the demo also shows
//! closures, checks that progress held, and families on the claims list.
//!
//! Everything goes through the domain's rules ([`Decision::parse`], [`AgreedAction::parse`],
//! the panel's cadence and deadline rules), so the history is one the product could have made.

use crate::audit::AuditEntry;
use crate::meeting_records::DECLARATION;
use crate::{Store, StoreError};
use domain::decision::{AgreedAction, Decision, DecisionInput, Outcome};
use domain::meeting::{AgendaSection, DeadlineRules};
use domain::panel::Cadence;
use domain::{OrganisationId, UserId};
use time::{Date, Duration, OffsetDateTime, Time};
use uuid::Uuid;

/// Reasons a panel gives, by outcome, in the words panels use.
fn reasons(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::InitiateAssessment => {
            "Needs across school attendance, housing and parental mental health; the family agree to an early help assessment."
        }
        Outcome::UniversalPlus => "Needs are around routines and boundaries at home; a parenting course meets them.",
        Outcome::OrganisationalSupport => "The school already knows the family well and can offer the support needed.",
        Outcome::Close => "Needs are met by the support already in place; the family know how to come back.",
        _ => "Discussed at panel.",
    }
}

/// The actions a panel agrees, in turn.
const ACTIONS: [&str; 4] = [
    "Arrange the first Team Around the Family meeting with the family",
    "Share the attendance record with the lead professional",
    "Offer the family a place on the next parenting course",
    "Check the family's housing application and report back",
];

/// The needs a demo plan starts with: the child's schooling, and one for the whole family.
const DEMO_NEEDS: [(&str, &str, &str); 4] = [
    (
        "housing",
        "Rent arrears of eight weeks; the landlord has served notice",
        "Arrears cleared under a repayment plan and the tenancy secure",
    ),
    (
        "relationships",
        "Frequent arguments at home that the children hear",
        "Parents agree routines and resolve disagreements calmly",
    ),
    (
        "health",
        "Mum's low mood means mornings often go wrong",
        "Mum is getting support from her GP and talking therapies",
    ),
    (
        "financial_stability",
        "Household debts managed by nobody; bills go unopened",
        "A budget in place with advice from the money advice service",
    ),
];

/// How long before today the year-old meeting of each panel was held.
const YEAR_AGO_WEEKS: i64 = 56;

/// Opens the plan a demo decision to assess would have opened, led by the family's lead
/// professional if it has one, with two needs (three for a plan a year old, which the demo
/// then closes); once its first Team Around the Family date has passed, most plans have had
/// their first review and some are left overdue, so the demo shows plans at every stage.
/// Evaluates to the plan, its lead and its needs when one opened. Only for the synthetic
/// history: the product opens plans in `record_decision` (`open_plan!`).
macro_rules! demo_plan {
    ($tx:ident, $family:expr, $decision_id:expr, $decision:expr, $first_taf_on:expr, $held_at:expr, $chair:expr, $today:expr, $turn:expr, $year_old:expr) => {{
        let lead: Option<Uuid> = sqlx::query_scalar(
            "SELECT user_id FROM family_workers WHERE family_id = $1 AND role = 'lead_professional' AND until IS NULL LIMIT 1",
        )
        .bind($family)
        .fetch_optional(&mut *$tx)
        .await?;
        let plan = Uuid::now_v7();
        let opened = insert_plan!(
            $tx,
            plan,
            $family,
            $decision_id,
            lead,
            $decision.lead_organisation.map(|o| o.0),
            $first_taf_on,
            $held_at,
            $chair
        );
        if opened == 1 {
            let child: Option<Uuid> = sqlx::query_scalar(
                "SELECT id FROM people WHERE family_id = $1 AND household_role = 'child' AND merged_into IS NULL ORDER BY date_of_birth LIMIT 1",
            )
            .bind($family)
            .fetch_optional(&mut *$tx)
            .await?;
            let (area, baseline, goal) = DEMO_NEEDS[$turn % DEMO_NEEDS.len()];
            let (third_area, third_baseline, third_goal) = DEMO_NEEDS[($turn + 1) % DEMO_NEEDS.len()];
            let mut needs = vec![
                (Uuid::now_v7(), "education", child, "Attending 78% of sessions this term, often late", "Attending at least 95% and on time"),
                (Uuid::now_v7(), area, None, baseline, goal),
            ];
            if $year_old {
                needs.push((Uuid::now_v7(), third_area, None, third_baseline, third_goal));
            }
            for &(id, area, person, baseline, goal) in &needs {
                sqlx::query(
                    "INSERT INTO plan_needs (id, plan_id, area, person_id, baseline, goal, added_by, added_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(id)
                .bind(plan)
                .bind(area)
                .bind(person)
                .bind(baseline)
                .bind(goal)
                .bind(lead.unwrap_or($chair))
                .bind($held_at)
                .execute(&mut *$tx)
                .await?;
            }
            // Every third plan past its first TAF date has not been reviewed: overdue.
            if $first_taf_on < $today && $turn % 3 != 0 {
                let review = Uuid::now_v7();
                sqlx::query(
                    "INSERT INTO plan_reviews (id, plan_id, held_on, parents_words, child_words, changes, next_on, recorded_by, recorded_at) \
                     VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, $8)",
                )
                .bind(review)
                .bind(plan)
                .bind($first_taf_on)
                .bind("We feel listened to, and the mornings are getting easier")
                .bind("I want to go to school with my friends")
                .bind(domain::plan::default_next_review($first_taf_on, domain::plan::DEFAULT_REVIEW_WEEKS))
                .bind(lead.unwrap_or($chair))
                .bind($first_taf_on.midnight().assume_utc() + Duration::hours(17))
                .execute(&mut *$tx)
                .await?;
                // The lead professional visited the family the week after the meeting.
                let visited = $first_taf_on + Duration::days(7);
                if let (Some(lead), true) = (lead, visited < $today) {
                    sqlx::query(
                        "INSERT INTO family_contacts (id, family_id, user_id, organisation_id, seen_on, how, recorded_at) \
                         SELECT $1, $2, u.id, u.organisation_id, $3, 'home_visit', $4 FROM users u WHERE u.id = $5",
                    )
                    .bind(Uuid::now_v7())
                    .bind($family)
                    .bind(visited)
                    .bind(visited.midnight().assume_utc() + Duration::hours(15))
                    .bind(lead)
                    .execute(&mut *$tx)
                    .await?;
                }
                let progress = [["some", "no_change", "some"], ["significant", "some", "some"]][$turn % 2];
                for ((need, ..), progress) in needs.iter().zip(progress) {
                    sqlx::query("INSERT INTO need_progress (review_id, need_id, progress) VALUES ($1, $2, $3)")
                        .bind(review)
                        .bind(need)
                        .bind(progress)
                        .execute(&mut *$tx)
                        .await?;
                }
            }
            Some((plan, lead.unwrap_or($chair), needs.iter().map(|n| n.0).collect::<Vec<Uuid>>()))
        } else {
            None
        }
    }};
}

/// Closes a year-old demo plan, in turn one of four ways: needs met with progress that held
/// (a family on the claims list), stepped down with its check now due (a task on the lead's
/// home page), stepped up to social care (no check), and needs met with one need slipping
/// back by the check (not a claim).
macro_rules! demo_closure {
    ($tx:ident, $plan:expr, $lead:expr, $needs:expr, $today:expr, $turn:expr) => {{
        let (reason, closed_weeks_ago) = [("needs_met", 30), ("stepped_down", 27), ("stepped_up", 20), ("needs_met", 31)][$turn % 4];
        let closed_on: Date = $today - Duration::weeks(closed_weeks_ago);
        let sustain_due_on = domain::plan_closure::ClosureReason::from_code(reason)
            .filter(|r| r.checks_sustained())
            .map(|_| domain::plan_closure::months_after(closed_on, domain::plan_closure::DEFAULT_SUSTAIN_MONTHS));
        let closed_at = closed_on.midnight().assume_utc() + Duration::hours(16);
        sqlx::query(
            "UPDATE plans SET closed_at = $1, closed_on = $2, closed_reason = $3, closed_by = $4, closing_summary = $5, \
             closing_parents_words = $6, sustain_due_on = $7, version = version + 1 WHERE id = $8",
        )
        .bind(closed_at)
        .bind(closed_on)
        .bind(reason)
        .bind($lead)
        .bind(if reason == "stepped_up" {
            "Concerns about neglect grew over the summer; referred to children's social care with the family's knowledge"
        } else {
            "Mornings are calmer and the children are in school on time; the family know how to ask for help again"
        })
        .bind("We've got our routines back and we know who to call")
        .bind(sustain_due_on)
        .bind($plan)
        .execute(&mut *$tx)
        .await?;
        let statuses: &[&str] = if reason == "stepped_up" {
            &["some", "worse", "no_change"]
        } else {
            &["met", "significant", "significant"]
        };
        for (need, status) in $needs.iter().zip(statuses) {
            sqlx::query("UPDATE plan_needs SET status_at_close = $1 WHERE id = $2")
                .bind(status)
                .bind(need)
                .execute(&mut *$tx)
                .await?;
        }
        // Checks made a few weeks after they fell due, for two of the four endings.
        if let (Some(due), 0 | 3) = (sustain_due_on, $turn % 4) {
            let checked_on = due + Duration::weeks(2);
            sqlx::query("INSERT INTO sustain_checks (plan_id, checked_on, evidence, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5)")
                .bind($plan)
                .bind(checked_on)
                .bind("School census: attendance 96% this term. No police call-outs since the plan closed. Rent account up to date.")
                .bind($lead)
                .bind(checked_on.midnight().assume_utc() + Duration::hours(11))
                .execute(&mut *$tx)
                .await?;
            for (i, need) in $needs.iter().enumerate() {
                sqlx::query("INSERT INTO need_sustained (plan_id, need_id, held) VALUES ($1, $2, $3)")
                    .bind($plan)
                    .bind(need)
                    .bind($turn % 4 == 0 || i != 1)
                    .execute(&mut *$tx)
                    .await?;
            }
        }
    }};
}

impl Store {
    /// Writes the last `weeks` weeks of meetings for every panel, and one meeting a year ago
    /// (see the module's note). Cases are the families each panel holds now, a few per
    /// meeting; the year-old meeting takes first the families `featured_lead` leads, so the
    /// person the demo offers as its lead professional has closed plans to follow up. Returns
    /// how many meetings were written.
    pub async fn load_meeting_history(&self, weeks: i64, featured_lead: Option<UserId>) -> Result<usize, StoreError> {
        let today = self.clock.today();
        let from = today - Duration::weeks(weeks);
        let calendar = self.working_calendar().await?;
        type PanelRow = (Uuid, String, Time, Time, String, Uuid);
        let panels: Vec<PanelRow> = read!(self, db => sqlx::query_as(
            "SELECT p.id, p.cadence, p.starts_at, p.ends_at, p.venue, p.business_support_user_id FROM panels p ORDER BY p.name",
        )
        .fetch_all(db)
        .await?);
        let mut written = 0;
        let (mut closed_plans, mut featured_closed) = (0usize, 0usize);
        for (panel, cadence, starts_at, ends_at, venue, bso) in panels {
            let cadence: Cadence = serde_json::from_str(&cadence).map_err(|e| StoreError::Corrupt(format!("panel cadence: {e}")))?;
            // The year-old meeting first, whose plans have closed since (a family it discussed
            // may have come back since, with a new plan); then newest first, so the meetings
            // people open first have cases when families are few.
            let year_ago = today - Duration::weeks(YEAR_AGO_WEEKS);
            let year_old = cadence
                .dates_between(year_ago, year_ago + Duration::weeks(4))
                .into_iter()
                .find(|d| calendar.is_working_day(*d));
            let mut dates: Vec<Date> = year_old.into_iter().collect();
            dates.extend(
                cadence
                    .dates_between(from, today - Duration::days(1))
                    .into_iter()
                    .rev()
                    .filter(|d| calendar.is_working_day(*d)),
            );
            if dates.is_empty() {
                continue;
            }
            type Seat = (Uuid, String, Option<Uuid>);
            /// A family the panel holds, and whether the featured lead leads it.
            type Held = (Uuid, bool);
            let (chairs, seats, held): (Vec<(Uuid,)>, Vec<Seat>, Vec<Held>) = read!(self, db => {
                let chairs = sqlx::query_as("SELECT user_id FROM panel_chairs WHERE panel_id = $1 ORDER BY turn").bind(panel).fetch_all(db).await?;
                let seats = sqlx::query_as(
                    "SELECT organisation_id, membership, user_id FROM panel_members WHERE panel_id = $1 ORDER BY membership, organisation_id",
                )
                .bind(panel)
                .fetch_all(db)
                .await?;
                let families = sqlx::query_as(
                    "SELECT fp.family_id, EXISTS (SELECT 1 FROM family_workers w WHERE w.family_id = fp.family_id \
                     AND w.user_id = $2 AND w.role = 'lead_professional' AND w.until IS NULL) \
                     FROM family_panels fp WHERE fp.panel_id = $1 AND fp.until IS NULL \
                     AND NOT EXISTS (SELECT 1 FROM agenda_items ai WHERE ai.family_id = fp.family_id) ORDER BY fp.family_id",
                )
                .bind(panel)
                .bind(featured_lead.map(|u| u.0))
                .fetch_all(db)
                .await?;
                (chairs, seats, families)
            });
            let Some(&(chair,)) = chairs.first() else { continue };
            // Two of the featured lead's families come first, to the year-old meeting; the rest
            // follow in a fixed order.
            let mut families: Vec<(Uuid,)> = held.iter().filter(|(_, led)| *led).take(2).map(|(f, _)| (*f,)).collect();
            let first: Vec<Uuid> = families.iter().map(|(f,)| *f).collect();
            families.extend(held.iter().filter(|(f, _)| !first.contains(f)).map(|(f, _)| (*f,)));
            // Named representatives of core members own the actions.
            let owners: Vec<(UserId, OrganisationId)> = seats
                .iter()
                .filter(|(_, m, u)| m == "core" && u.is_some())
                .filter_map(|(o, _, u)| u.map(|u| (UserId(u), OrganisationId(*o))))
                .collect();
            if owners.is_empty() {
                continue;
            }
            let now = self.now();
            let rules = DeadlineRules::default();
            let per_meeting = 3;
            // A family may come back to a later meeting: the cases cycle when families are few.
            let per_meeting = per_meeting.min(families.len());
            let mut next_family = families.iter().cycle();
            write!(self, tx, kind => {
                for (n, date) in dates.iter().enumerate() {
                    let circulate_by = rules.circulate_by(&calendar, *date).map_err(|_| StoreError::Corrupt("meeting date".into()))?;
                    let meeting = Uuid::now_v7();
                    let circulated_at = crate::meetings::circulation_instant(circulate_by);
                    let inserted = sqlx::query(
                        "INSERT INTO meetings (id, panel_id, scheduled_for, meeting_date, starts_at, ends_at, venue, status, circulate_by, \
                         circulated_at, created_at) VALUES ($1, $2, $3, $3, $4, $5, $6, 'circulated', $7, $8, $9) \
                         ON CONFLICT (panel_id, scheduled_for) DO NOTHING",
                    )
                    .bind(meeting)
                    .bind(panel)
                    .bind(date)
                    .bind(starts_at)
                    .bind(ends_at)
                    .bind(&venue)
                    .bind(circulate_by)
                    .bind(circulated_at)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if inserted == 0 {
                        continue;
                    }
                    written += 1;
                    let held_at: OffsetDateTime = date.with_time(starts_at).assume_utc();
                    for who in [chair, bso] {
                        sqlx::query("INSERT INTO declarations (meeting_id, user_id, statement, signed_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
                            .bind(meeting)
                            .bind(who)
                            .bind(DECLARATION)
                            .bind(held_at)
                            .execute(&mut *tx)
                            .await?;
                    }
                    let mut seen = std::collections::BTreeSet::new();
                    for (org, membership, _) in &seats {
                        if !seen.insert(*org) {
                            continue;
                        }
                        let status = if membership == "core" { "present" } else { "apologies" };
                        sqlx::query(
                            "INSERT INTO attendance (meeting_id, organisation_id, status, attendee, recorded_by, recorded_at) VALUES ($1, $2, $3, NULL, $4, $5)",
                        )
                        .bind(meeting)
                        .bind(org)
                        .bind(status)
                        .bind(bso)
                        .bind(held_at)
                        .execute(&mut *tx)
                        .await?;
                    }
                    for k in 0..per_meeting {
                        let Some(&(family,)) = next_family.next() else { break };
                        let item = Uuid::now_v7();
                        sqlx::query(
                            "INSERT INTO agenda_items (id, meeting_id, section, position, family_id, minutes, late, added_by, added_at) \
                             VALUES ($1, $2, $3, $4, $5, 15, FALSE, $6, $7)",
                        )
                        .bind(item)
                        .bind(meeting)
                        .bind(AgendaSection::PlanReviews.code())
                        .bind(i64::try_from(k).unwrap_or(0) + 1)
                        .bind(family)
                        .bind(bso)
                        .bind(held_at)
                        .execute(&mut *tx)
                        .await?;
                        // The year-old meeting decided to assess every case it heard.
                        let outcome = if Some(*date) == year_old {
                            Outcome::InitiateAssessment
                        } else {
                            [Outcome::InitiateAssessment, Outcome::UniversalPlus, Outcome::OrganisationalSupport, Outcome::Close][(n + k) % 4]
                        };
                        let decision = Decision::parse(
                            &DecisionInput {
                                outcome: outcome.code(),
                                reasons: reasons(outcome),
                                lead_organisation: Some(owners[(n + k) % owners.len()].1),
                                lead_professional: None,
                                first_taf_by: Some(*date + Duration::days(14)),
                                service: "Family hub parenting course",
                                review_at: None,
                            },
                            *date,
                        )
                        .map_err(|p| StoreError::Corrupt(format!("demo decision: {p:?}")))?;
                        let decision_id = Uuid::now_v7();
                        sqlx::query(
                            "INSERT INTO decisions (id, meeting_id, agenda_item_id, family_id, outcome, reasons, lead_organisation_id, first_taf_by, \
                             service, decided_by, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                        )
                        .bind(decision_id)
                        .bind(meeting)
                        .bind(item)
                        .bind(family)
                        .bind(decision.outcome.code())
                        .bind(&decision.reasons)
                        .bind(decision.lead_organisation.map(|o| o.0))
                        .bind(decision.first_taf_by)
                        .bind(decision.service.as_deref())
                        .bind(chair)
                        .bind(held_at)
                        .execute(&mut *tx)
                        .await?;
                        if let (Outcome::InitiateAssessment, Some(first_taf_on)) = (decision.outcome, decision.first_taf_by) {
                            let is_year_old = Some(*date) == year_old;
                            let opened = demo_plan!(tx, family, decision_id, &decision, first_taf_on, held_at, chair, today, n + k, is_year_old);
                            if let (Some((plan, lead, needs)), true) = (opened, is_year_old) {
                                // The featured lead's plans take the endings in order (a claim,
                                // then a check due), the rest follow on.
                                let ending = if first.contains(&family) {
                                    featured_closed += 1;
                                    featured_closed - 1
                                } else {
                                    closed_plans += 1;
                                    closed_plans + 1
                                };
                                demo_closure!(tx, plan, lead, needs, today, ending);
                            }
                        }
                        let (owner, owner_org) = owners[(n + 2 * k + 1) % owners.len()];
                        let action = AgreedAction::parse(ACTIONS[(n + k) % ACTIONS.len()], Some(owner), Some(*date + Duration::days(14)), *date)
                            .map_err(|p| StoreError::Corrupt(format!("demo action: {p:?}")))?;
                        // Older actions are done; the most recent are open, and those past their
                        // due date overdue.
                        let done = *date < today - Duration::weeks(4) || (n + k) % 3 == 0;
                        sqlx::query(
                            "INSERT INTO actions (id, meeting_id, agenda_item_id, family_id, description, owner_user_id, organisation_id, due_on, \
                             status, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                        )
                        .bind(Uuid::now_v7())
                        .bind(meeting)
                        .bind(item)
                        .bind(family)
                        .bind(&action.description)
                        .bind(action.owner.0)
                        .bind(owner_org.0)
                        .bind(action.due_on)
                        .bind(if done { "done" } else { "open" })
                        .bind(chair)
                        .bind(held_at)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
            });
        }
        let today = self.clock.today();
        write!(self, tx, kind => {
            // The history joins the rota: every meeting of each panel, past and planned, is
            // chaired by turn, as the migration that added chairs counts them.
            let panels: Vec<(Uuid,)> = sqlx::query_as("SELECT DISTINCT panel_id FROM meetings").fetch_all(&mut *tx).await?;
            for (panel,) in panels {
                assign_chairs_by_turn!(tx, panel, today, true);
            }
            audit_append!(tx, self, AuditEntry::new(None, "county.load_meeting_history", "meetings", None)
                .personal(format!("meetings={written}")));
        });
        Ok(written)
    }
}
