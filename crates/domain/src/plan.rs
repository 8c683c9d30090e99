//! The family's plan: one plan for the family (seed 004), opened when the panel decides to
//! initiate an Early Help Assessment, its needs recorded against an outcomes framework, and
//! reviewed by the Team Around the Family at a fixed interval until it closes.
//!
//! The rules here are the ones a lead professional would check by hand: what a need must say
//! before it goes on the plan, and when the next review is due.

use crate::PersonId;
use time::{Date, Duration};

/// How often the Team Around the Family reviews the plan unless the panel says otherwise
/// (seed 004: reviews "built in", six-weekly in most councils).
pub const DEFAULT_REVIEW_WEEKS: u8 = 6;

/// The longest review interval a plan may have: a plan reviewed less often than every six
/// months is not being monitored.
pub const MAX_REVIEW_WEEKS: u8 = 26;

/// The longest text a need's baseline or goal may hold.
pub const NEED_TEXT_MAX: usize = 2000;

/// One area of the outcomes framework a need is recorded against: a headline outcome with the
/// descriptors that say what it covers. The framework is configuration (a council adds its
/// own areas); the Supporting Families headline outcomes ship with the product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeArea {
    /// The stored code, stable across renames.
    pub code: String,
    /// The headline, as the plan shows it.
    pub name: String,
    /// What the area covers, to help a worker choose it.
    pub descriptors: Vec<String>,
}

/// A need as the worker typed it, before it is checked.
#[derive(Debug, Clone, Default)]
pub struct NeedInput<'a> {
    /// The outcome area's code.
    pub area: &'a str,
    /// The family member it concerns; none for the whole family.
    pub concerns: Option<PersonId>,
    /// Where things stand now.
    pub baseline: &'a str,
    /// What good looks like: the change the family and the team are working towards.
    pub goal: &'a str,
}

/// A need, checked: it names an area of the framework, says where things stand and what good
/// looks like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    /// The outcome area's code.
    pub area: String,
    /// The family member it concerns; none for the whole family.
    pub concerns: Option<PersonId>,
    /// Where things stand now.
    pub baseline: String,
    /// What good looks like.
    pub goal: String,
}

/// Something wrong with a need as typed; `field` names the form field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct NeedProblem {
    /// The form field.
    pub field: &'static str,
    /// What to put right, in words for the person typing.
    pub message: &'static str,
}

impl Need {
    /// Checks a need against the framework's areas and the family's members: every problem at
    /// once, so the form can show them all.
    pub fn parse(input: &NeedInput<'_>, areas: &[OutcomeArea], members: &[PersonId]) -> Result<Self, Vec<NeedProblem>> {
        let mut problems = Vec::new();
        let mut problem = |field, message| problems.push(NeedProblem { field, message });
        if !areas.iter().any(|a| a.code == input.area) {
            problem("area", "Select the outcome area the need is recorded against");
        }
        if input.concerns.is_some_and(|p| !members.contains(&p)) {
            problem("concerns", "Select a member of the family, or the whole family");
        }
        let baseline = input.baseline.trim();
        if baseline.is_empty() {
            problem("baseline", "Enter where things stand now");
        } else if baseline.chars().count() > NEED_TEXT_MAX {
            problem("baseline", "Where things stand now must be 2000 characters or fewer");
        }
        let goal = input.goal.trim();
        if goal.is_empty() {
            problem("goal", "Enter what good looks like");
        } else if goal.chars().count() > NEED_TEXT_MAX {
            problem("goal", "What good looks like must be 2000 characters or fewer");
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Self {
            area: input.area.to_owned(),
            concerns: input.concerns,
            baseline: baseline.to_owned(),
            goal: goal.to_owned(),
        })
    }
}

/// A review interval in weeks, checked: at least one week, at most [`MAX_REVIEW_WEEKS`].
pub fn review_weeks(weeks: i64) -> Result<u8, &'static str> {
    match u8::try_from(weeks) {
        Ok(w) if (1..=MAX_REVIEW_WEEKS).contains(&w) => Ok(w),
        _ => Err("A plan is reviewed at least every 26 weeks and at most every week"),
    }
}

/// When the Team Around the Family next meets about the plan: the first meeting on the date
/// the panel set, then one interval after the last review held.
pub fn next_review_due(first_taf_on: Date, last_review_on: Option<Date>, interval_weeks: u8) -> Date {
    match last_review_on {
        Some(last) => last.saturating_add(Duration::weeks(i64::from(interval_weeks))),
        None => first_taf_on,
    }
}

/// Whether the review due on `due` is overdue on `today`: the day itself is still on time.
pub fn review_overdue(due: Date, today: Date) -> bool {
    today > due
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test should stop loudly at the first surprise")]

    use super::*;
    use time::macros::date;

    fn framework() -> Vec<OutcomeArea> {
        vec![OutcomeArea {
            code: "education".into(),
            name: "Getting a good education".into(),
            descriptors: vec!["Good attendance at school".into()],
        }]
    }

    #[test]
    fn a_need_names_an_area_says_where_things_stand_and_what_good_looks_like() {
        let child = PersonId::new();
        let need = Need::parse(
            &NeedInput {
                area: "education",
                concerns: Some(child),
                baseline: "  Attending 71% of sessions this term ",
                goal: "Attending at least 95%",
            },
            &framework(),
            &[child],
        )
        .unwrap();
        assert_eq!(need.baseline, "Attending 71% of sessions this term");
        assert_eq!(need.concerns, Some(child));
    }

    #[test]
    fn a_need_with_nothing_typed_lists_every_problem() {
        let problems = Need::parse(&NeedInput::default(), &framework(), &[]).unwrap_err();
        let fields: Vec<_> = problems.iter().map(|p| p.field).collect();
        assert_eq!(fields, ["area", "baseline", "goal"]);
    }

    #[test]
    fn a_need_cannot_concern_someone_outside_the_family() {
        let problems = Need::parse(
            &NeedInput {
                area: "education",
                concerns: Some(PersonId::new()),
                baseline: "b",
                goal: "g",
            },
            &framework(),
            &[PersonId::new()],
        )
        .unwrap_err();
        assert_eq!(problems[0].field, "concerns");
    }

    #[test]
    fn a_need_longer_than_the_limit_is_refused_not_cut() {
        let long = "x".repeat(NEED_TEXT_MAX + 1);
        let problems = Need::parse(
            &NeedInput {
                area: "education",
                concerns: None,
                baseline: &long,
                goal: "g",
            },
            &framework(),
            &[],
        )
        .unwrap_err();
        assert_eq!(problems[0].field, "baseline");
    }

    #[test]
    fn the_first_review_is_the_first_taf_meeting_then_one_interval_after_the_last() {
        let first = date!(2026 - 03 - 02);
        assert_eq!(next_review_due(first, None, 6), first);
        assert_eq!(next_review_due(first, Some(date!(2026 - 03 - 04)), 6), date!(2026 - 04 - 15));
    }

    #[test]
    fn a_review_is_overdue_only_after_its_day() {
        let due = date!(2026 - 04 - 15);
        assert!(!review_overdue(due, due));
        assert!(review_overdue(due, date!(2026 - 04 - 16)));
    }

    #[test]
    fn review_intervals_run_from_one_week_to_six_months() {
        assert_eq!(review_weeks(6), Ok(6));
        assert!(review_weeks(0).is_err());
        assert!(review_weeks(27).is_err());
        assert!(review_weeks(-6).is_err());
    }
}
