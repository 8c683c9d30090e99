//! Closing a family's plan and the evidence that progress lasted: why the plan closed and
//! where each need stood, the check made some months later that the improvement held, and the
//! programme's rule for which families count as significant and sustained progress (the
//! Supporting Families "claim").
//!
//! The rule is configuration (a council sets how many outcome areas and whether every need
//! must count); what it means for one family is decided here, and only here.

use crate::NeedId;
use crate::plan::{PlanProblem, Progress, REVIEW_TEXT_MAX, family_voice, judged, words};
use std::collections::BTreeSet;
use time::{Date, Month};

/// How long after closure the team confirms the improvement held, unless the council sets
/// otherwise: the Supporting Families programme's six months.
pub const DEFAULT_SUSTAIN_MONTHS: u8 = 6;

/// The longest wait a council may set before the check: two years.
pub const MAX_SUSTAIN_MONTHS: u8 = 24;

/// Why a plan closed: the five endings seed 004 and the programme report on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClosureReason {
    /// The needs on the plan were met.
    NeedsMet,
    /// The family's needs grew beyond early help: stepped up to children's social care.
    SteppedUp,
    /// The family no longer needs a plan: stepped down to universal services.
    SteppedDown,
    /// The family stopped taking part.
    Disengaged,
    /// The family moved out of the area.
    MovedAway,
}

impl ClosureReason {
    /// Every reason, in the order the form offers them.
    pub const ALL: [Self; 5] = [
        Self::NeedsMet,
        Self::SteppedDown,
        Self::SteppedUp,
        Self::Disengaged,
        Self::MovedAway,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Self::NeedsMet => "needs_met",
            Self::SteppedUp => "stepped_up",
            Self::SteppedDown => "stepped_down",
            Self::Disengaged => "disengaged",
            Self::MovedAway => "moved_away",
        }
    }

    /// The reason from its stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// How the form and the plan say it.
    pub fn label(self) -> &'static str {
        match self {
            Self::NeedsMet => "Needs met",
            Self::SteppedUp => "Stepped up to children’s social care",
            Self::SteppedDown => "Stepped down to universal services",
            Self::Disengaged => "Family disengaged",
            Self::MovedAway => "Family moved away",
        }
    }

    /// Whether the team goes back, months later, to confirm the improvement held: only when
    /// the plan ended because things got better. A family stepped up, disengaged or gone has
    /// no improvement to confirm.
    pub fn checks_sustained(self) -> bool {
        matches!(self, Self::NeedsMet | Self::SteppedDown)
    }
}

/// A closure as the lead professional typed it, before it is checked.
#[derive(Debug, Clone, Default)]
pub struct ClosureInput<'a> {
    /// The day the plan closed.
    pub closed_on: Option<Date>,
    /// The reason's code.
    pub reason: &'a str,
    /// Each need's status at close, as a progress code.
    pub statuses: Vec<(NeedId, &'a str)>,
    /// What the team would tell whoever picks the family up again.
    pub summary: &'a str,
    /// The parents' own words at the end.
    pub parents_words: &'a str,
    /// The child's own words at the end.
    pub child_words: &'a str,
}

/// A closure, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closure {
    /// The day the plan closed.
    pub closed_on: Date,
    /// Why.
    pub reason: ClosureReason,
    /// Where every need stood.
    pub statuses: Vec<(NeedId, Progress)>,
    /// The closing summary, if any.
    pub summary: Option<String>,
    /// The parents' words, if they gave any.
    pub parents_words: Option<String>,
    /// The child's words, if they gave any.
    pub child_words: Option<String>,
}

/// What a closure is checked against: the plan as it stands.
#[derive(Debug, Clone, Copy)]
pub struct ClosureContext<'a> {
    /// The needs on the plan.
    pub needs: &'a [NeedId],
    /// The day the plan opened.
    pub opened_on: Date,
    /// The day of its last review, if any: a plan closes no earlier.
    pub last_held_on: Option<Date>,
    /// Today: a plan is closed on a day that has come.
    pub today: Date,
}

impl Closure {
    /// Checks a closure against the plan: a real day between the plan's last review (or its
    /// opening) and today, a reason, a status for every need, and the words within their
    /// length. Every problem at once.
    pub fn parse(input: &ClosureInput<'_>, plan: ClosureContext<'_>) -> Result<Self, Vec<PlanProblem>> {
        let mut problems = Vec::new();
        let mut problem = |field: &'static str, need: Option<NeedId>, message| problems.push(PlanProblem { field, need, message });
        match input.closed_on {
            None => problem("closed_on", None, "Enter the date the plan closed"),
            Some(d) if d > plan.today => problem("closed_on", None, "The date the plan closed cannot be in the future"),
            Some(d) if d < plan.opened_on => problem("closed_on", None, "The plan cannot close before it opened"),
            Some(d) if plan.last_held_on.is_some_and(|last| d < last) => {
                problem("closed_on", None, "The plan cannot close before its last review");
            }
            Some(_) => {}
        }
        let reason = ClosureReason::from_code(input.reason);
        if reason.is_none() {
            problem("reason", None, "Select why the plan is closing");
        }
        let statuses = judged(
            &mut problems,
            plan.needs,
            &input.statuses,
            "status",
            "Select where each need stands at close",
        );
        let summary = words(
            &mut problems,
            "summary",
            input.summary,
            "The closing summary must be 4000 characters or fewer",
        );
        let (parents_words, child_words) = family_voice(&mut problems, input.parents_words, input.child_words);
        match (input.closed_on, reason, problems.is_empty()) {
            (Some(closed_on), Some(reason), true) => Ok(Self {
                closed_on,
                reason,
                statuses,
                summary,
                parents_words,
                child_words,
            }),
            _ => Err(problems),
        }
    }

    /// When the team confirms the improvement held, if this closure calls for it.
    pub fn sustain_check_due(&self, months: u8) -> Option<Date> {
        self.reason.checks_sustained().then(|| months_after(self.closed_on, months))
    }
}

/// The same day `months` calendar months on, or the month's last day when it is shorter
/// (31 August and six months is 28 or 29 February).
pub fn months_after(date: Date, months: u8) -> Date {
    let index = i32::from(u8::from(date.month())) - 1 + i32::from(months);
    let year = date.year() + index.div_euclid(12);
    let month = Month::January.nth_next(u8::try_from(index.rem_euclid(12)).unwrap_or(0));
    let day = date.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).unwrap_or(date)
}

/// A sustain-check wait in months, checked: at least one, at most [`MAX_SUSTAIN_MONTHS`].
pub fn sustain_months(months: i64) -> Result<u8, &'static str> {
    match u8::try_from(months) {
        Ok(m) if (1..=MAX_SUSTAIN_MONTHS).contains(&m) => Ok(m),
        _ => Err("Progress is confirmed between 1 and 24 months after the plan closed"),
    }
}

/// The check that progress held, as the lead professional typed it.
#[derive(Debug, Clone, Default)]
pub struct SustainInput<'a> {
    /// The day the team checked.
    pub checked_on: Option<Date>,
    /// For each need, "yes" when the improvement held and "no" when it did not.
    pub held: Vec<(NeedId, &'a str)>,
    /// What shows it: school attendance figures, no further police call-outs, the family's
    /// own account.
    pub evidence: &'a str,
}

/// A sustained-progress check, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SustainCheck {
    /// The day the team checked.
    pub checked_on: Date,
    /// Whether each need's improvement held.
    pub held: Vec<(NeedId, bool)>,
    /// The evidence.
    pub evidence: String,
}

/// What a check is checked against: the closed plan.
#[derive(Debug, Clone, Copy)]
pub struct SustainContext<'a> {
    /// The plan's needs.
    pub needs: &'a [NeedId],
    /// The day the check fell due: "sustained" means it held that long.
    pub due_on: Date,
    /// Today.
    pub today: Date,
}

impl SustainCheck {
    /// Checks the answers: made on or after the day it fell due and not in the future, an
    /// answer for every need, and evidence, without which a claim cannot stand.
    pub fn parse(input: &SustainInput<'_>, plan: SustainContext<'_>) -> Result<Self, Vec<PlanProblem>> {
        let mut problems = Vec::new();
        let mut problem = |field: &'static str, need: Option<NeedId>, message| problems.push(PlanProblem { field, need, message });
        match input.checked_on {
            None => problem("checked_on", None, "Enter the date progress was checked"),
            Some(d) if d > plan.today => problem("checked_on", None, "The date progress was checked cannot be in the future"),
            Some(d) if d < plan.due_on => problem(
                "checked_on",
                None,
                "Progress is confirmed as lasting no sooner than the date the check is due",
            ),
            Some(_) => {}
        }
        let mut held = Vec::with_capacity(plan.needs.len());
        for &need in plan.needs {
            match input.held.iter().find(|(n, _)| *n == need).map(|(_, a)| *a) {
                Some("yes") => held.push((need, true)),
                Some("no") => held.push((need, false)),
                _ => problem("held", Some(need), "Say whether the improvement held for each need"),
            }
        }
        let evidence = input.evidence.trim();
        if evidence.is_empty() {
            problem("evidence", None, "Enter the evidence that shows whether progress held");
        } else if evidence.chars().count() > REVIEW_TEXT_MAX {
            problem("evidence", None, "The evidence must be 4000 characters or fewer");
        }
        match (input.checked_on, problems.is_empty()) {
            (Some(checked_on), true) => Ok(Self {
                checked_on,
                held,
                evidence: evidence.to_owned(),
            }),
            _ => Err(problems),
        }
    }
}

/// The programme's rule for a family to count as significant and sustained progress: the
/// number of outcome areas in which it must show it, and whether every need on the plan must.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimsRule {
    /// Distinct outcome areas with significant progress that held.
    pub min_areas: u8,
    /// Whether every need on the plan must show significant progress that held.
    pub every_need: bool,
}

impl Default for ClaimsRule {
    /// Significant and sustained progress on every need, in at least three outcome areas.
    fn default() -> Self {
        Self {
            min_areas: 3,
            every_need: true,
        }
    }
}

/// One need of a closed plan, as the claims rule weighs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimNeed<'a> {
    /// The need's outcome area code.
    pub area: &'a str,
    /// Where it stood at close.
    pub at_close: Progress,
    /// Whether the check found the improvement held; none when no check has been made.
    pub held: Option<bool>,
}

impl ClaimNeed<'_> {
    /// Whether this need counts: significant progress at close that the check found held.
    pub fn counts(&self) -> bool {
        self.at_close.is_significant() && self.held == Some(true)
    }
}

impl ClaimsRule {
    /// Whether a closed plan's needs meet the rule. A plan with no needs shows nothing.
    pub fn is_met(&self, needs: &[ClaimNeed<'_>]) -> bool {
        let areas: BTreeSet<&str> = needs.iter().filter(|n| n.counts()).map(|n| n.area).collect();
        !needs.is_empty() && areas.len() >= usize::from(self.min_areas) && (!self.every_need || needs.iter().all(ClaimNeed::counts))
    }

    /// The number of areas from its stored setting, checked: between one and the ten
    /// headline outcomes a framework might hold, or more for a council's own.
    pub fn min_areas(value: i64) -> Result<u8, &'static str> {
        match u8::try_from(value) {
            Ok(n) if (1..=30).contains(&n) => Ok(n),
            _ => Err("A claim needs progress in between 1 and 30 outcome areas"),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test should stop loudly at the first surprise")]

    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn context(needs: &[NeedId]) -> ClosureContext<'_> {
        ClosureContext {
            needs,
            opened_on: date!(2026 - 02 - 10),
            last_held_on: Some(date!(2026 - 06 - 01)),
            today: date!(2026 - 07 - 14),
        }
    }

    #[test]
    fn a_plan_closes_with_a_reason_and_every_needs_status() {
        let (one, two) = (NeedId::new(), NeedId::new());
        let closure = Closure::parse(
            &ClosureInput {
                closed_on: Some(date!(2026 - 07 - 13)),
                reason: "needs_met",
                statuses: vec![(two, "significant"), (one, "met")],
                summary: "  Attendance above 95% all term ",
                ..ClosureInput::default()
            },
            context(&[one, two]),
        )
        .unwrap();
        assert_eq!(closure.reason, ClosureReason::NeedsMet);
        assert_eq!(closure.statuses, [(one, Progress::Met), (two, Progress::Significant)]);
        assert_eq!(closure.summary.as_deref(), Some("Attendance above 95% all term"));
        assert_eq!(closure.sustain_check_due(6), Some(date!(2027 - 01 - 13)));
    }

    #[test]
    fn a_closure_with_nothing_chosen_lists_every_problem() {
        let need = NeedId::new();
        let problems = Closure::parse(&ClosureInput::default(), context(&[need])).unwrap_err();
        let fields: Vec<_> = problems.iter().map(|p| (p.field, p.need)).collect();
        assert_eq!(fields, [("closed_on", None), ("reason", None), ("status", Some(need))]);
    }

    #[test]
    fn a_plan_cannot_close_before_its_last_review_or_in_the_future() {
        for day in [date!(2026 - 05 - 31), date!(2026 - 07 - 15)] {
            let problems = Closure::parse(
                &ClosureInput {
                    closed_on: Some(day),
                    reason: "moved_away",
                    ..ClosureInput::default()
                },
                context(&[]),
            )
            .unwrap_err();
            assert_eq!(problems[0].field, "closed_on");
        }
    }

    #[test]
    fn only_a_plan_that_ended_because_things_improved_is_checked_later() {
        let checked: Vec<_> = ClosureReason::ALL.into_iter().filter(|r| r.checks_sustained()).collect();
        assert_eq!(checked, [ClosureReason::NeedsMet, ClosureReason::SteppedDown]);
    }

    #[test]
    fn six_months_after_the_end_of_august_is_the_end_of_february() {
        assert_eq!(months_after(date!(2026 - 08 - 31), 6), date!(2027 - 02 - 28));
        assert_eq!(months_after(date!(2027 - 08 - 31), 6), date!(2028 - 02 - 29));
        assert_eq!(months_after(date!(2026 - 12 - 15), 1), date!(2027 - 01 - 15));
        assert_eq!(months_after(date!(2026 - 01 - 15), 24), date!(2028 - 01 - 15));
    }

    #[test]
    fn a_sustain_check_is_made_once_due_with_evidence_and_an_answer_for_every_need() {
        let (one, two) = (NeedId::new(), NeedId::new());
        let plan = SustainContext {
            needs: &[one, two],
            due_on: date!(2027 - 01 - 13),
            today: date!(2027 - 02 - 01),
        };
        let check = SustainCheck::parse(
            &SustainInput {
                checked_on: Some(date!(2027 - 01 - 20)),
                held: vec![(one, "yes"), (two, "no")],
                evidence: "Attendance 96% this term (school census)",
            },
            plan,
        )
        .unwrap();
        assert_eq!(check.held, [(one, true), (two, false)]);
        let early = SustainCheck::parse(
            &SustainInput {
                checked_on: Some(date!(2027 - 01 - 12)),
                held: vec![(one, "yes")],
                evidence: " ",
            },
            plan,
        )
        .unwrap_err();
        let fields: Vec<_> = early.iter().map(|p| (p.field, p.need)).collect();
        assert_eq!(fields, [("checked_on", None), ("held", Some(two)), ("evidence", None)]);
    }

    fn need(area: &str, at_close: Progress, held: Option<bool>) -> ClaimNeed<'_> {
        ClaimNeed { area, at_close, held }
    }

    #[test]
    fn a_family_with_significant_lasting_progress_in_three_areas_meets_the_default_rule() {
        let rule = ClaimsRule::default();
        let three = [
            need("education", Progress::Met, Some(true)),
            need("health", Progress::Significant, Some(true)),
            need("housing", Progress::Significant, Some(true)),
        ];
        assert!(rule.is_met(&three));
        let two_areas = [three[0], three[1], need("education", Progress::Met, Some(true))];
        assert!(!rule.is_met(&two_areas));
        let one_slipped = [three[0], three[1], need("housing", Progress::Significant, Some(false))];
        assert!(!rule.is_met(&one_slipped));
        let unchecked = [three[0], three[1], need("housing", Progress::Significant, None)];
        assert!(!rule.is_met(&unchecked));
    }

    #[test]
    fn a_council_that_does_not_ask_for_every_need_counts_the_areas_that_held() {
        let rule = ClaimsRule {
            min_areas: 2,
            every_need: false,
        };
        let needs = [
            need("education", Progress::Met, Some(true)),
            need("health", Progress::Significant, Some(true)),
            need("crime", Progress::NoChange, Some(false)),
        ];
        assert!(rule.is_met(&needs));
        assert!(
            !ClaimsRule {
                min_areas: 2,
                every_need: true
            }
            .is_met(&needs)
        );
    }

    fn any_progress() -> impl Strategy<Value = Progress> {
        prop::sample::select(Progress::ALL.to_vec())
    }

    fn any_need() -> impl Strategy<Value = (usize, Progress, Option<bool>)> {
        (0..6usize, any_progress(), prop::option::of(any::<bool>()))
    }

    const AREAS: [&str; 6] = ["education", "health", "crime", "housing", "relationships", "financial_stability"];

    fn claim_needs(raw: &[(usize, Progress, Option<bool>)]) -> Vec<ClaimNeed<'static>> {
        raw.iter().map(|&(a, at_close, held)| need(AREAS[a], at_close, held)).collect()
    }

    proptest! {
        #[test]
        fn a_need_without_significant_lasting_progress_never_helps_a_claim(
            raw in prop::collection::vec(any_need(), 0..8),
            extra in any_need(),
            min_areas in 1u8..5,
            every_need in any::<bool>(),
        ) {
            let rule = ClaimsRule { min_areas, every_need };
            let mut needs = claim_needs(&raw);
            let added = claim_needs(&[extra])[0];
            let before = rule.is_met(&needs);
            needs.push(added);
            if !added.counts() {
                // A need that does not count can only take a claim away, never make one.
                prop_assert!(!rule.is_met(&needs) || before);
                if every_need {
                    prop_assert!(!rule.is_met(&needs));
                }
            }
        }

        #[test]
        fn a_claim_always_shows_lasting_significant_progress_in_enough_areas(
            raw in prop::collection::vec(any_need(), 0..8),
            min_areas in 1u8..5,
            every_need in any::<bool>(),
        ) {
            let rule = ClaimsRule { min_areas, every_need };
            let needs = claim_needs(&raw);
            if rule.is_met(&needs) {
                let areas: BTreeSet<_> = needs.iter().filter(|n| n.counts()).map(|n| n.area).collect();
                prop_assert!(areas.len() >= usize::from(min_areas));
                prop_assert!(needs.iter().all(|n| n.held.is_some() || !every_need));
                prop_assert!(needs.iter().any(|n| n.held == Some(true) && n.at_close.is_significant()));
            }
        }

        #[test]
        fn asking_for_more_areas_or_every_need_never_adds_a_claim(
            raw in prop::collection::vec(any_need(), 0..8),
            min_areas in 1u8..5,
        ) {
            let needs = claim_needs(&raw);
            let loose = ClaimsRule { min_areas, every_need: false };
            let strict = ClaimsRule { min_areas: min_areas + 1, every_need: true };
            prop_assert!(!strict.is_met(&needs) || loose.is_met(&needs));
        }

        #[test]
        fn a_later_day_in_the_month_never_gives_an_earlier_check(day in 1u8..=28, months in 1u8..=24, month in 1u8..=12) {
            let month = Month::try_from(month).unwrap();
            let date = Date::from_calendar_date(2026, month, day).unwrap();
            let due = months_after(date, months);
            prop_assert!(due > date);
            prop_assert_eq!(due.day(), day);
        }
    }
}
