//! What happens at a panel meeting: who attended, what the panel decided for each case and
//! why, and the actions it agreed, each with a named owner and a due date.
//!
//! The outcomes are seed 001's ("initiate a CAF … universal plus intervention … support at an
//! organisational level … escalate to MASH") with the step-down, review and close the issue
//! adds. Each decision records its reasons; an outcome that hands the case to someone names
//! them.

use crate::{MeetingId, OrganisationId, UserId};
use serde::{Deserialize, Serialize};
use time::Date;

/// Whether a member organisation was at a meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Attendance {
    /// Its representative was there.
    Present,
    /// Sent apologies.
    Apologies,
    /// Neither came nor sent apologies.
    Absent,
    /// Someone else came in the representative's place.
    Deputy,
}

impl Attendance {
    /// Every value, in the order the form offers them.
    pub const ALL: [Self; 4] = [Self::Present, Self::Deputy, Self::Apologies, Self::Absent];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Present => "present",
            Self::Apologies => "apologies",
            Self::Absent => "absent",
            Self::Deputy => "deputy",
        }
    }

    /// The value from its stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == code)
    }

    /// How the form and the notes say it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Present => "Present",
            Self::Apologies => "Apologies",
            Self::Absent => "Absent",
            Self::Deputy => "Deputy attended",
        }
    }
}

/// Who came from an organisation, checked against its attendance: a deputy is named, a name
/// is at most 100 characters, an empty name is none.
pub fn attendee(status: Attendance, name: Option<&str>) -> Result<Option<String>, &'static str> {
    let name = name.map(str::trim).filter(|n| !n.is_empty());
    match name {
        Some(n) if n.chars().count() > 100 => Err("A name must be 100 characters or fewer"),
        None if status == Attendance::Deputy => Err("Enter the name of each deputy who attended"),
        other => Ok(other.map(str::to_owned)),
    }
}

/// What the panel decided for a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Initiate an Early Help Assessment (CAF), with a lead agency, a lead professional and a
    /// date for the first Team Around the Family meeting.
    InitiateAssessment,
    /// A universal-plus intervention from a named service.
    UniversalPlus,
    /// Support at an organisational level, by one member organisation.
    OrganisationalSupport,
    /// Escalate to MASH as a safeguarding referral (step up to children's social care): the
    /// 24-hour clock starts and MASH sees it.
    EscalateToMash,
    /// Step down to universal services.
    StepDown,
    /// Bring the case back to a later meeting of the panel.
    ReviewLater,
    /// Close the case to the panel.
    Close,
}

impl Outcome {
    /// Every outcome, in the order the form offers them.
    pub const ALL: [Self; 7] = [
        Self::InitiateAssessment,
        Self::UniversalPlus,
        Self::OrganisationalSupport,
        Self::EscalateToMash,
        Self::StepDown,
        Self::ReviewLater,
        Self::Close,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Self::InitiateAssessment => "initiate_assessment",
            Self::UniversalPlus => "universal_plus",
            Self::OrganisationalSupport => "organisational_support",
            Self::EscalateToMash => "escalate_to_mash",
            Self::StepDown => "step_down",
            Self::ReviewLater => "review_later",
            Self::Close => "close",
        }
    }

    /// The outcome from its stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.code() == code)
    }

    /// How the form, the notes and the report say it.
    pub fn label(self) -> &'static str {
        match self {
            Self::InitiateAssessment => "Initiate an Early Help Assessment (CAF)",
            Self::UniversalPlus => "Universal-plus intervention",
            Self::OrganisationalSupport => "Support at an organisational level",
            Self::EscalateToMash => "Escalate to MASH (step up to children’s social care)",
            Self::StepDown => "Step down to universal services",
            Self::ReviewLater => "Review at a later panel",
            Self::Close => "Close to the panel",
        }
    }

    /// Whether the case's referral ends with this decision. A review keeps it open for the
    /// later meeting; an escalation moves it to MASH.
    pub fn ends_referral(self) -> bool {
        !matches!(self, Self::ReviewLater | Self::EscalateToMash)
    }
}

/// A decision as the chair records it, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// What was decided.
    pub outcome: Outcome,
    /// Why: required, read back in the action notes.
    pub reasons: String,
    /// The lead agency (an assessment) or the organisation giving support.
    pub lead_organisation: Option<OrganisationId>,
    /// The lead professional, for an assessment, if named at the meeting.
    pub lead_professional: Option<UserId>,
    /// The date of the first Team Around the Family meeting, for an assessment.
    pub first_taf_by: Option<Date>,
    /// The service giving a universal-plus intervention.
    pub service: Option<String>,
    /// The later meeting, for a review.
    pub review_at: Option<MeetingId>,
}

/// What the chair typed, before it is checked.
#[derive(Debug, Clone, Default)]
pub struct DecisionInput<'a> {
    /// The outcome's code.
    pub outcome: &'a str,
    /// The reasons.
    pub reasons: &'a str,
    /// The lead or supporting organisation.
    pub lead_organisation: Option<OrganisationId>,
    /// The lead professional.
    pub lead_professional: Option<UserId>,
    /// The first TAF meeting date.
    pub first_taf_by: Option<Date>,
    /// The universal-plus service.
    pub service: &'a str,
    /// The review meeting.
    pub review_at: Option<MeetingId>,
}

/// Something wrong with a decision as typed; `field` says where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DecisionProblem {
    /// The form field.
    pub field: &'static str,
    /// What to put right.
    pub message: &'static str,
}

/// The longest reasons the form takes.
pub const REASONS_MAX: usize = 2000;

impl Decision {
    /// Checks a decision typed at a meeting on `meeting_date`: every problem, not just the first.
    pub fn parse(input: &DecisionInput<'_>, meeting_date: Date) -> Result<Self, Vec<DecisionProblem>> {
        let mut problems = Vec::new();
        let mut problem = |field, message| problems.push(DecisionProblem { field, message });
        let outcome = Outcome::from_code(input.outcome);
        if outcome.is_none() {
            problem("outcome", "Select what the panel decided");
        }
        let reasons = input.reasons.trim();
        if reasons.is_empty() {
            problem("reasons", "Enter the reasons for the decision");
        } else if reasons.chars().count() > REASONS_MAX {
            problem("reasons", "The reasons must be 2000 characters or fewer");
        }
        let service = input.service.trim();
        match outcome {
            Some(Outcome::InitiateAssessment) => {
                if input.lead_organisation.is_none() {
                    problem("lead_organisation", "Select the lead agency for the assessment");
                }
                match input.first_taf_by {
                    None => problem("first_taf_by", "Enter the date of the first Team Around the Family meeting"),
                    Some(d) if d <= meeting_date => problem(
                        "first_taf_by",
                        "The first Team Around the Family meeting must be after this meeting",
                    ),
                    Some(_) => {}
                }
            }
            Some(Outcome::UniversalPlus) if service.is_empty() => {
                problem("service", "Enter the service that will give the intervention");
            }
            Some(Outcome::OrganisationalSupport) if input.lead_organisation.is_none() => {
                problem("lead_organisation", "Select the organisation that will give the support");
            }
            Some(Outcome::ReviewLater) if input.review_at.is_none() => {
                problem("review_at", "Select the meeting that will review the case");
            }
            _ => {}
        }
        match (outcome, problems.is_empty()) {
            (Some(outcome), true) => Ok(Self {
                outcome,
                reasons: reasons.to_owned(),
                lead_organisation: input
                    .lead_organisation
                    .filter(|_| matches!(outcome, Outcome::InitiateAssessment | Outcome::OrganisationalSupport)),
                lead_professional: input.lead_professional.filter(|_| outcome == Outcome::InitiateAssessment),
                first_taf_by: input.first_taf_by.filter(|_| outcome == Outcome::InitiateAssessment),
                service: (outcome == Outcome::UniversalPlus).then(|| service.to_owned()),
                review_at: input.review_at.filter(|_| outcome == Outcome::ReviewLater),
            }),
            _ => Err(problems),
        }
    }
}

/// An action agreed at a meeting, checked: what, who, by when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreedAction {
    /// What is to be done.
    pub description: String,
    /// Who does it.
    pub owner: UserId,
    /// By when.
    pub due_on: Date,
}

impl AgreedAction {
    /// Checks an action typed at a meeting on `meeting_date`.
    pub fn parse(description: &str, owner: Option<UserId>, due_on: Option<Date>, meeting_date: Date) -> Result<Self, Vec<DecisionProblem>> {
        let mut problems = Vec::new();
        let d = description.trim();
        if d.is_empty() {
            problems.push(DecisionProblem {
                field: "action_description",
                message: "Enter what is to be done",
            });
        } else if d.chars().count() > 500 {
            problems.push(DecisionProblem {
                field: "action_description",
                message: "The action must be 500 characters or fewer",
            });
        }
        if owner.is_none() {
            problems.push(DecisionProblem {
                field: "action_owner",
                message: "Select who will do it",
            });
        }
        match due_on {
            None => problems.push(DecisionProblem {
                field: "action_due_on",
                message: "Enter the date it is due, like 15/01/2027",
            }),
            Some(due) if due < meeting_date => problems.push(DecisionProblem {
                field: "action_due_on",
                message: "The due date must be on or after the meeting",
            }),
            Some(_) => {}
        }
        match (owner, due_on, problems.is_empty()) {
            (Some(owner), Some(due_on), true) => Ok(Self {
                description: d.to_owned(),
                owner,
                due_on,
            }),
            _ => Err(problems),
        }
    }
}

/// Where an action stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    /// Still to do.
    Open,
    /// Done.
    Done,
    /// No longer needed.
    Cancelled,
}

impl ActionStatus {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Done => "done",
            Self::Cancelled => "cancelled",
        }
    }

    /// The status from its stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Open, Self::Done, Self::Cancelled].into_iter().find(|s| s.code() == code)
    }

    /// How pages say it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Open => "Open",
            Self::Done => "Done",
            Self::Cancelled => "Cancelled",
        }
    }
}

/// Whether an action is overdue on `today`: still open after its due date.
pub fn is_overdue(status: ActionStatus, due_on: Date, today: Date) -> bool {
    status == ActionStatus::Open && due_on < today
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const MEETING: Date = date!(2026 - 12 - 15);

    fn input(outcome: &str) -> DecisionInput<'_> {
        DecisionInput {
            outcome,
            reasons: "Needs are across school attendance and housing",
            ..DecisionInput::default()
        }
    }

    #[test]
    fn an_assessment_names_its_lead_agency_and_a_first_taf_meeting_after_the_panel() {
        let problems = Decision::parse(&input("initiate_assessment"), MEETING).unwrap_err();
        let fields: Vec<_> = problems.iter().map(|p| p.field).collect();
        assert_eq!(fields, ["lead_organisation", "first_taf_by"]);
        let same_day = DecisionInput {
            lead_organisation: Some(OrganisationId::new()),
            first_taf_by: Some(MEETING),
            ..input("initiate_assessment")
        };
        assert_eq!(Decision::parse(&same_day, MEETING).unwrap_err()[0].field, "first_taf_by");
        let ok = DecisionInput {
            first_taf_by: Some(date!(2027 - 01 - 05)),
            ..same_day
        };
        assert_eq!(Decision::parse(&ok, MEETING).unwrap().outcome, Outcome::InitiateAssessment);
    }

    #[test]
    fn every_decision_records_its_reasons() {
        let none = DecisionInput {
            reasons: "  ",
            ..input("close")
        };
        assert_eq!(Decision::parse(&none, MEETING).unwrap_err()[0].field, "reasons");
        assert!(Decision::parse(&input("close"), MEETING).is_ok());
        assert_eq!(Decision::parse(&input("nonsense"), MEETING).unwrap_err()[0].field, "outcome");
    }

    #[test]
    fn fields_that_do_not_belong_to_the_outcome_are_dropped() {
        let d = Decision::parse(
            &DecisionInput {
                lead_organisation: Some(OrganisationId::new()),
                service: "Parenting course",
                ..input("close")
            },
            MEETING,
        )
        .unwrap();
        assert_eq!((d.lead_organisation, d.service), (None, None));
    }

    #[test]
    fn a_review_needs_its_meeting_and_keeps_the_referral_open_as_an_escalation_does() {
        assert_eq!(Decision::parse(&input("review_later"), MEETING).unwrap_err()[0].field, "review_at");
        assert!(!Outcome::ReviewLater.ends_referral() && !Outcome::EscalateToMash.ends_referral());
        assert!(Outcome::Close.ends_referral() && Outcome::InitiateAssessment.ends_referral());
    }

    #[test]
    fn an_action_has_an_owner_and_a_due_date_on_or_after_the_meeting() {
        let problems = AgreedAction::parse("", None, Some(date!(2026 - 12 - 14)), MEETING).unwrap_err();
        let fields: Vec<_> = problems.iter().map(|p| p.field).collect();
        assert_eq!(fields, ["action_description", "action_owner", "action_due_on"]);
        let ok = AgreedAction::parse(" Book a school meeting ", Some(UserId::new()), Some(MEETING), MEETING).unwrap();
        assert_eq!(ok.description, "Book a school meeting");
    }

    #[test]
    fn a_deputy_is_named_and_a_blank_name_is_none() {
        assert_eq!(
            attendee(Attendance::Deputy, Some("  ")),
            Err("Enter the name of each deputy who attended")
        );
        assert_eq!(attendee(Attendance::Present, Some("  ")), Ok(None));
        assert_eq!(attendee(Attendance::Deputy, Some(" A. Deputy ")), Ok(Some("A. Deputy".to_owned())));
    }

    #[test]
    fn an_open_action_past_its_due_date_is_overdue_and_a_done_one_never_is() {
        assert!(is_overdue(ActionStatus::Open, date!(2026 - 12 - 01), date!(2026 - 12 - 02)));
        assert!(!is_overdue(ActionStatus::Open, date!(2026 - 12 - 02), date!(2026 - 12 - 02)));
        assert!(!is_overdue(ActionStatus::Done, date!(2026 - 12 - 01), date!(2026 - 12 - 02)));
    }
}
