//! The family's plan: one plan for the family (seed 004), opened when the panel decides to
//! initiate an Early Help Assessment, its needs recorded against an outcomes framework, and
//! reviewed by the Team Around the Family at a fixed interval until it closes.
//!
//! The rules here are the ones a lead professional would check by hand: what a need must say
//! before it goes on the plan, and when the next review is due.

use crate::{NeedId, PersonId};
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
/// the panel set, then the date the last review set.
pub fn next_review_due(first_taf_on: Date, last_review_set: Option<Date>) -> Date {
    last_review_set.unwrap_or(first_taf_on)
}

/// The date a review offers for the next one: one interval after it.
pub fn default_next_review(held_on: Date, interval_weeks: u8) -> Date {
    held_on.saturating_add(Duration::weeks(i64::from(interval_weeks)))
}

/// Whether the review due on `due` is overdue on `today`: the day itself is still on time.
pub fn review_overdue(due: Date, today: Date) -> bool {
    today > due
}

/// How a need has moved since the plan began, as the Team Around the Family judges it at a
/// review. "Significant" is the Supporting Families word for progress that counts. The order
/// is the scale's: worse is least, met is most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Progress {
    /// Things are worse than at the baseline.
    Worse,
    /// No change from the baseline.
    NoChange,
    /// Some progress, not yet significant.
    Some,
    /// Significant progress towards what good looks like.
    Significant,
    /// What good looks like has been reached.
    Met,
}

impl Progress {
    /// Every value, in the order the form offers them.
    pub const ALL: [Self; 5] = [Self::Worse, Self::NoChange, Self::Some, Self::Significant, Self::Met];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Worse => "worse",
            Self::NoChange => "no_change",
            Self::Some => "some",
            Self::Significant => "significant",
            Self::Met => "met",
        }
    }

    /// The value from its stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == code)
    }

    /// Whether this is progress the programme counts: significant, or the need met.
    pub fn is_significant(self) -> bool {
        self >= Self::Significant
    }

    /// How the form and the plan say it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Worse => "Worse than at the start",
            Self::NoChange => "No change",
            Self::Some => "Some progress",
            Self::Significant => "Significant progress",
            Self::Met => "Met",
        }
    }

    /// How the family's own copy of the plan says it: plain words, not the programme's scale.
    pub fn for_the_family(self) -> &'static str {
        match self {
            Self::Worse => "Things have got harder",
            Self::NoChange => "No change yet",
            Self::Some => "Some progress",
            Self::Significant => "Good progress",
            Self::Met => "Done: we got there",
        }
    }
}

/// The longest text the family's words or the changes to the plan may hold at a review.
pub const REVIEW_TEXT_MAX: usize = 4000;

/// A Team Around the Family review as the lead professional typed it, before it is checked.
#[derive(Debug, Clone, Default)]
pub struct ReviewInput<'a> {
    /// The day the team met.
    pub held_on: Option<Date>,
    /// The needs the form judged, and the progress code chosen for each.
    pub progress: Vec<(NeedId, &'a str)>,
    /// The parents' own words.
    pub parents_words: &'a str,
    /// The child's own words.
    pub child_words: &'a str,
    /// What changes to the plan the team agreed.
    pub changes: &'a str,
    /// The date of the next review; none takes one interval after this one.
    pub next_on: Option<Date>,
}

/// A review, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    /// The day the team met.
    pub held_on: Date,
    /// Progress on every need.
    pub progress: Vec<(NeedId, Progress)>,
    /// The parents' own words, if they gave any.
    pub parents_words: Option<String>,
    /// The child's own words, if they gave any.
    pub child_words: Option<String>,
    /// Changes to the plan, if any.
    pub changes: Option<String>,
    /// When the team next meets.
    pub next_on: Date,
}

/// What a review is checked against: the plan as it stands.
#[derive(Debug, Clone, Copy)]
pub struct ReviewContext<'a> {
    /// The needs on the plan.
    pub needs: &'a [NeedId],
    /// The day the plan opened: a review cannot come before it.
    pub opened_on: Date,
    /// The day of the last review, if any: a new one comes after it.
    pub last_held_on: Option<Date>,
    /// Today: a review is recorded once it has been held.
    pub today: Date,
    /// The plan's review interval.
    pub interval_weeks: u8,
}

/// Something wrong with a review, a closure or a sustained-progress check as typed: `field`
/// names the form field, and for a per-need field `need` says which need's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PlanProblem {
    /// The form field.
    pub field: &'static str,
    /// The need whose answer is missing.
    pub need: Option<NeedId>,
    /// What to put right.
    pub message: &'static str,
}

impl Review {
    /// Checks a review against the plan: held on a real day between the plan's last review (or
    /// its opening) and today, progress judged for every need, the family's words and the
    /// changes within their length, and a next date after this one.
    pub fn parse(input: &ReviewInput<'_>, plan: ReviewContext<'_>) -> Result<Self, Vec<PlanProblem>> {
        let mut problems = Vec::new();
        let mut problem = |field: &'static str, need: Option<NeedId>, message| problems.push(PlanProblem { field, need, message });
        match input.held_on {
            None => problem("held_on", None, "Enter the date the Team Around the Family met"),
            Some(d) if d > plan.today => problem(
                "held_on",
                None,
                "A review is recorded once it has been held: the date cannot be in the future",
            ),
            Some(d) if d < plan.opened_on => problem("held_on", None, "The review cannot be before the plan opened"),
            Some(d) if plan.last_held_on.is_some_and(|last| d <= last) => {
                problem("held_on", None, "The review must be after the plan’s last review");
            }
            Some(_) => {}
        }
        let progress = judged(
            &mut problems,
            plan.needs,
            &input.progress,
            "progress",
            "Select the progress made on each need",
        );
        let (parents_words, child_words) = family_voice(&mut problems, input.parents_words, input.child_words);
        let changes = words(
            &mut problems,
            "changes",
            input.changes,
            "The changes to the plan must be 4000 characters or fewer",
        );
        let next_on = input
            .held_on
            .map(|held| input.next_on.unwrap_or_else(|| default_next_review(held, plan.interval_weeks)));
        if let (Some(held), Some(next)) = (input.held_on, next_on)
            && next <= held
        {
            problems.push(PlanProblem {
                field: "next_on",
                need: None,
                message: "The next review must be after this one",
            });
        }
        match (input.held_on, next_on, problems.is_empty()) {
            (Some(held_on), Some(next_on), true) => Ok(Self {
                held_on,
                progress,
                parents_words,
                child_words,
                changes,
                next_on,
            }),
            _ => Err(problems),
        }
    }
}

/// The progress chosen for every need, in the plan's order; a missing or unknown answer is a
/// problem against that need, so the form can mark each one.
pub(crate) fn judged(
    problems: &mut Vec<PlanProblem>,
    needs: &[NeedId],
    chosen: &[(NeedId, &str)],
    field: &'static str,
    message: &'static str,
) -> Vec<(NeedId, Progress)> {
    let mut out = Vec::with_capacity(needs.len());
    for &need in needs {
        match chosen
            .iter()
            .find(|(n, _)| *n == need)
            .and_then(|(_, code)| Progress::from_code(code))
        {
            Some(p) => out.push((need, p)),
            None => problems.push(PlanProblem {
                field,
                need: Some(need),
                message,
            }),
        }
    }
    out
}

/// A free-text answer trimmed, none when blank; one over [`REVIEW_TEXT_MAX`] is refused
/// rather than cut.
pub(crate) fn words(problems: &mut Vec<PlanProblem>, field: &'static str, value: &str, too_long: &'static str) -> Option<String> {
    let value = value.trim();
    if value.chars().count() > REVIEW_TEXT_MAX {
        problems.push(PlanProblem {
            field,
            need: None,
            message: too_long,
        });
    }
    (!value.is_empty()).then(|| value.to_owned())
}

/// The parents' and the child's own words, as [`words`] checks them: the family's voice at a
/// review and at closure.
pub(crate) fn family_voice(problems: &mut Vec<PlanProblem>, parents: &str, child: &str) -> (Option<String>, Option<String>) {
    (
        words(
            problems,
            "parents_words",
            parents,
            "The parents’ words must be 4000 characters or fewer",
        ),
        words(problems, "child_words", child, "The child’s words must be 4000 characters or fewer"),
    )
}

/// How a professional saw the family, for "who is involved".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactKind {
    /// A visit to the family's home.
    HomeVisit,
    /// At the child's school or nursery.
    School,
    /// At a clinic, surgery or hub.
    Clinic,
    /// A telephone or video call.
    Call,
    /// At a meeting about the family.
    Meeting,
}

impl ContactKind {
    /// Every kind, in the order the form offers them.
    pub const ALL: [Self; 5] = [Self::HomeVisit, Self::School, Self::Clinic, Self::Call, Self::Meeting];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Self::HomeVisit => "home_visit",
            Self::School => "school",
            Self::Clinic => "clinic",
            Self::Call => "call",
            Self::Meeting => "meeting",
        }
    }

    /// How the form says it.
    pub fn label(self) -> &'static str {
        match self {
            Self::HomeVisit => "Home visit",
            Self::School => "At school or nursery",
            Self::Clinic => "At a clinic, surgery or family hub",
            Self::Call => "Telephone or video call",
            Self::Meeting => "At a meeting about the family",
        }
    }

    /// The kind from its stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// Checks a contact as typed: a day that has come, no more than a year ago (older contact is
/// not news to anyone), and how. Every problem at once.
pub fn contact(seen_on: Option<Date>, how: &str, today: Date) -> Result<(Date, ContactKind), Vec<PlanProblem>> {
    let mut problems = Vec::new();
    let mut problem = |field, message| {
        problems.push(PlanProblem {
            field,
            need: None,
            message,
        })
    };
    match seen_on {
        None => problem("seen_on", "Enter the date you saw the family"),
        Some(d) if d > today => problem("seen_on", "The date you saw the family cannot be in the future"),
        Some(d) if d < today.saturating_sub(Duration::days(366)) => {
            problem("seen_on", "Record contact from the last year; older contact is in your own records");
        }
        Some(_) => {}
    }
    let kind = ContactKind::from_code(how);
    if kind.is_none() {
        problem("how", "Select how you saw the family");
    }
    match (seen_on, kind, problems.is_empty()) {
        (Some(d), Some(k), true) => Ok((d, k)),
        _ => Err(problems),
    }
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
    fn the_first_review_is_the_first_taf_meeting_then_the_date_the_last_review_set() {
        let first = date!(2026 - 03 - 02);
        assert_eq!(next_review_due(first, None), first);
        assert_eq!(next_review_due(first, Some(date!(2026 - 04 - 20))), date!(2026 - 04 - 20));
        assert_eq!(default_next_review(date!(2026 - 03 - 04), 6), date!(2026 - 04 - 15));
    }

    fn context(needs: &[NeedId]) -> ReviewContext<'_> {
        ReviewContext {
            needs,
            opened_on: date!(2026 - 02 - 10),
            last_held_on: Some(date!(2026 - 03 - 02)),
            today: date!(2026 - 04 - 14),
            interval_weeks: 6,
        }
    }

    #[test]
    fn a_review_judges_every_need_and_offers_the_next_date_one_interval_on() {
        let (one, two) = (NeedId::new(), NeedId::new());
        let review = Review::parse(
            &ReviewInput {
                held_on: Some(date!(2026 - 04 - 13)),
                progress: vec![(one, "significant"), (two, "no_change")],
                parents_words: " We are getting up on time now ",
                next_on: None,
                ..ReviewInput::default()
            },
            context(&[one, two]),
        )
        .unwrap();
        assert_eq!(review.progress, [(one, Progress::Significant), (two, Progress::NoChange)]);
        assert_eq!(review.parents_words.as_deref(), Some("We are getting up on time now"));
        assert_eq!(review.child_words, None);
        assert_eq!(review.next_on, date!(2026 - 05 - 25));
    }

    #[test]
    fn a_review_missing_a_need_or_dated_wrongly_lists_every_problem() {
        let (one, two) = (NeedId::new(), NeedId::new());
        let problems = Review::parse(
            &ReviewInput {
                held_on: Some(date!(2026 - 03 - 02)),
                progress: vec![(one, "met")],
                ..ReviewInput::default()
            },
            context(&[one, two]),
        )
        .unwrap_err();
        let fields: Vec<_> = problems.iter().map(|p| (p.field, p.need)).collect();
        assert_eq!(fields, [("held_on", None), ("progress", Some(two))]);
    }

    #[test]
    fn a_review_cannot_be_recorded_before_it_is_held_or_set_its_next_date_before_itself() {
        let future = Review::parse(
            &ReviewInput {
                held_on: Some(date!(2026 - 04 - 15)),
                ..ReviewInput::default()
            },
            context(&[]),
        )
        .unwrap_err();
        assert_eq!(future[0].field, "held_on");
        let backwards = Review::parse(
            &ReviewInput {
                held_on: Some(date!(2026 - 04 - 13)),
                next_on: Some(date!(2026 - 04 - 13)),
                ..ReviewInput::default()
            },
            context(&[]),
        )
        .unwrap_err();
        assert_eq!(backwards[0].field, "next_on");
    }

    #[test]
    fn a_review_is_overdue_only_after_its_day() {
        let due = date!(2026 - 04 - 15);
        assert!(!review_overdue(due, due));
        assert!(review_overdue(due, date!(2026 - 04 - 16)));
    }

    #[test]
    fn contact_is_recorded_for_a_day_in_the_last_year_with_how() {
        let today = date!(2026 - 12 - 04);
        assert_eq!(contact(Some(today), "home_visit", today), Ok((today, ContactKind::HomeVisit)));
        let fields = |r: Result<_, Vec<PlanProblem>>| r.unwrap_err().iter().map(|p| p.field).collect::<Vec<_>>();
        assert_eq!(fields(contact(None, "", today)), ["seen_on", "how"]);
        assert_eq!(fields(contact(Some(date!(2026 - 12 - 05)), "call", today)), ["seen_on"]);
        assert_eq!(fields(contact(Some(date!(2025 - 11 - 01)), "call", today)), ["seen_on"]);
    }

    #[test]
    fn review_intervals_run_from_one_week_to_six_months() {
        assert_eq!(review_weeks(6), Ok(6));
        assert!(review_weeks(0).is_err());
        assert!(review_weeks(27).is_err());
        assert!(review_weeks(-6).is_err());
    }
}
