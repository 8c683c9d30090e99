//! Referrals: how a family reaches a panel, as a state machine whose refusals have names.
//!
//! A referral comes by one of four [`Route`]s (seed 001's pathway, seed 004's step-up and
//! step-down): a MASH threshold decision, a step-down from children's social care, a planned
//! step-up, or a practitioner's "stuck" case. Step-downs and step-ups wait for their checklist to
//! be signed off (by a case supervisor and a locality manager respectively) before the chair
//! screens them; the chair then accepts the referral for a panel meeting, returns it, or
//! redirects it.
//!
//! Two rules are kept here so that no page, job or API call can get round them:
//!
//! - **No consent, no panel** (seed 001 §9). [`ReferralEvent::Accept`] carries the family's
//!   [`ConsentStanding`]; without current consent to an early help referral *and* to panel
//!   discussion it is refused with a reason the chair can act on.
//! - **Urgent safeguarding concerns never wait for a panel** (seed 001 §12, seed 004). An urgent
//!   referral is submitted straight to [`ReferralState::EscalatedToMash`], where MASH must
//!   acknowledge it; a concern found later is escalated with [`ReferralEvent::Escalate`]. Once
//!   urgent, a referral can never be accepted for a panel: MASH closes it or redirects it, and if
//!   early help is the answer MASH makes a new, routine referral with the family's consent.
//!
//! Every successful transition returns the new [`Referral`] and a [`HistoryEntry`] for the store
//! to keep; the store writes both in one transaction. Nothing here reads the clock: the instant
//! and the person are passed in. Which roles may fire which event is the policy crate's decision;
//! [`Route::signed_off_by`] only says whom the seeds name.
//!
//! Around the machine: [`is_re_referral`] flags a family seen within the last twelve months, and
//! [`propose_meeting`] picks the next meeting whose case-submission deadline has not passed.

use crate::consent::{ConsentOverride, ConsentStanding, OverrideGround};
use crate::role::Role;
use crate::working_days::{Calendar, OutOfRange};
use crate::{FamilyId, LocalityId, MeetingId, ReferralId, UserId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;
use time::{Date, Duration, Month, OffsetDateTime};

/// How a referral reached early help. Re-referral is not a route but a flag on any route
/// ([`is_re_referral`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// MASH reached a threshold decision of early help, and gathered the family's consent.
    MashDecision,
    /// Step-down from children's social care; its checklist is signed off by a case supervisor.
    StepDown,
    /// Planned step-up from early help towards children's social care; its checklist is signed
    /// off by a locality manager before the panel discusses it.
    StepUp,
    /// A lead practitioner brings back a case whose plan is stuck (seed 001 §12).
    Stuck,
}

impl Route {
    /// Every route, in the order forms list them.
    pub const ALL: [Route; 4] = [Self::MashDecision, Self::StepDown, Self::StepUp, Self::Stuck];

    /// Stable code for storage and the API.
    pub fn code(self) -> &'static str {
        match self {
            Self::MashDecision => "mash_decision",
            Self::StepDown => "step_down",
            Self::StepUp => "step_up",
            Self::Stuck => "stuck",
        }
    }

    /// The name shown on pages.
    pub fn label(self) -> &'static str {
        match self {
            Self::MashDecision => "MASH threshold decision",
            Self::StepDown => "Step-down from children’s social care",
            Self::StepUp => "Planned step-up",
            Self::Stuck => "Stuck case",
        }
    }

    /// The checklist that must be complete before the referral reaches screening (seed 004).
    /// Empty for routes without one.
    pub fn checklist(self) -> &'static [ChecklistItem] {
        use ChecklistItem as C;
        match self {
            Self::StepDown => &[
                C::SingleAssessmentCompleted,
                C::PlanAgreedWithFamily,
                C::FamilyConsentObtained,
                C::HandoverMeetingArranged,
                C::ContingencyPlanIncluded,
            ],
            Self::StepUp => &[
                C::EarlyHelpAssessmentCompleted,
                C::SummaryOfConcerns,
                C::FamilyInformed,
                C::ConsentObtainedOrOverrideAgreed,
            ],
            Self::MashDecision | Self::Stuck => &[],
        }
    }

    /// Whom seed 004 names to sign the checklist off. Informative: the policy crate enforces it.
    pub fn signed_off_by(self) -> Option<Role> {
        match self {
            Self::StepDown => Some(Role::CaseSupervisor),
            Self::StepUp => Some(Role::LocalityManager),
            Self::MashDecision | Self::Stuck => None,
        }
    }
}

/// A code that names no route.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}” is not a referral route")]
pub struct UnknownRoute(pub String);

impl FromStr for Route {
    type Err = UnknownRoute;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|r| r.code() == s)
            .ok_or_else(|| UnknownRoute(s.to_owned()))
    }
}

/// One line of a step-down or step-up checklist, from seed 004.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChecklistItem {
    /// Step-down: children's social care completed a single assessment.
    SingleAssessmentCompleted,
    /// Step-down: one plan for the family, agreed with them, with time-limited outcomes.
    PlanAgreedWithFamily,
    /// Step-down: the family consented before the case is presented to panel.
    FamilyConsentObtained,
    /// Step-down: a handover meeting between social worker, family and early help worker.
    HandoverMeetingArranged,
    /// Step-down: the plan says what to do if concerns rise or the family does not engage.
    ContingencyPlanIncluded,
    /// Step-up: an early help assessment is complete.
    EarlyHelpAssessmentCompleted,
    /// Step-up: a clear summary of the concerns that need escalation.
    SummaryOfConcerns,
    /// Step-up: the family has been told a referral to children's social care is being made.
    FamilyInformed,
    /// Step-up: consent obtained, or an override agreed with children's social care.
    ConsentObtainedOrOverrideAgreed,
}

impl ChecklistItem {
    /// Every item.
    pub const ALL: [ChecklistItem; 9] = [
        Self::SingleAssessmentCompleted,
        Self::PlanAgreedWithFamily,
        Self::FamilyConsentObtained,
        Self::HandoverMeetingArranged,
        Self::ContingencyPlanIncluded,
        Self::EarlyHelpAssessmentCompleted,
        Self::SummaryOfConcerns,
        Self::FamilyInformed,
        Self::ConsentObtainedOrOverrideAgreed,
    ];

    /// Stable code for storage, forms and the API.
    pub fn code(self) -> &'static str {
        match self {
            Self::SingleAssessmentCompleted => "single_assessment_completed",
            Self::PlanAgreedWithFamily => "plan_agreed_with_family",
            Self::FamilyConsentObtained => "family_consent_obtained",
            Self::HandoverMeetingArranged => "handover_meeting_arranged",
            Self::ContingencyPlanIncluded => "contingency_plan_included",
            Self::EarlyHelpAssessmentCompleted => "early_help_assessment_completed",
            Self::SummaryOfConcerns => "summary_of_concerns",
            Self::FamilyInformed => "family_informed",
            Self::ConsentObtainedOrOverrideAgreed => "consent_obtained_or_override_agreed",
        }
    }

    /// The checklist line shown on the sign-off form.
    pub fn label(self) -> &'static str {
        match self {
            Self::SingleAssessmentCompleted => "Single assessment completed",
            Self::PlanAgreedWithFamily => "One plan agreed with the family, with time-limited outcomes",
            Self::FamilyConsentObtained => "Family’s consent obtained",
            Self::HandoverMeetingArranged => "Handover meeting arranged with the family and early help worker",
            Self::ContingencyPlanIncluded => "Contingency plan included",
            Self::EarlyHelpAssessmentCompleted => "Early help assessment completed",
            Self::SummaryOfConcerns => "Clear summary of the concerns that need escalation",
            Self::FamilyInformed => "Family told that a referral to children’s social care is being made",
            Self::ConsentObtainedOrOverrideAgreed => "Consent obtained, or override agreed with children’s social care",
        }
    }
}

/// A code that names no checklist item.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}” is not a checklist item")]
pub struct UnknownChecklistItem(pub String);

impl FromStr for ChecklistItem {
    type Err = UnknownChecklistItem;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|c| c.code() == s)
            .ok_or_else(|| UnknownChecklistItem(s.to_owned()))
    }
}

/// Where an accepted referral will be discussed: a scheduled meeting, or a date the chair has
/// proposed before the meeting exists (meetings are generated a year ahead, but a panel may add
/// an extra one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "slot", content = "value", rename_all = "snake_case")]
pub enum PanelSlot {
    /// A meeting already in the calendar.
    Meeting(MeetingId),
    /// A proposed meeting date.
    ProposedDate(Date),
}

/// Where a chair (or MASH) sends a referral that is not for this panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "to", content = "locality", rename_all = "snake_case")]
pub enum RedirectTarget {
    /// MASH, for a threshold decision (not urgent; urgent concerns are escalated instead).
    Mash,
    /// Children's social care.
    ChildrensSocialCare,
    /// The panel of another locality (the family lives, or has moved, elsewhere).
    AnotherLocality(LocalityId),
    /// A universal or universal-plus service, without a panel.
    UniversalService,
    /// Somewhere else, described in the note.
    Other,
}

impl RedirectTarget {
    /// Stable code for storage and the API (the locality of [`Self::AnotherLocality`] is stored
    /// beside it).
    pub fn code(self) -> &'static str {
        match self {
            Self::Mash => "mash",
            Self::ChildrensSocialCare => "childrens_social_care",
            Self::AnotherLocality(_) => "another_locality",
            Self::UniversalService => "universal_service",
            Self::Other => "other",
        }
    }

    /// The words shown on pages.
    pub fn label(self) -> &'static str {
        match self {
            Self::Mash => "MASH",
            Self::ChildrensSocialCare => "Children’s social care",
            Self::AnotherLocality(_) => "Another locality’s panel",
            Self::UniversalService => "A universal or universal-plus service",
            Self::Other => "Other",
        }
    }

    /// Rebuilds a stored target from its code and, for another locality, the locality.
    pub fn from_code(code: &str, locality: Option<LocalityId>) -> Result<Self, UnknownRedirectTarget> {
        match (code, locality) {
            ("mash", _) => Ok(Self::Mash),
            ("childrens_social_care", _) => Ok(Self::ChildrensSocialCare),
            ("another_locality", Some(l)) => Ok(Self::AnotherLocality(l)),
            ("universal_service", _) => Ok(Self::UniversalService),
            ("other", _) => Ok(Self::Other),
            _ => Err(UnknownRedirectTarget(code.to_owned())),
        }
    }
}

/// A stored redirect target that cannot be rebuilt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}” is not a place a referral can be redirected to (or its locality is missing)")]
pub struct UnknownRedirectTarget(pub String);

/// Where a referral is, with the data that state needs. Change it only through
/// [`Referral::apply`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ReferralState {
    /// Being written; not yet seen by anyone but its author.
    Draft,
    /// A step-down or step-up waiting for its checklist to be signed off.
    AwaitingSignOff,
    /// In the chair's screening queue.
    AwaitingScreening,
    /// An urgent safeguarding concern, in MASH's inbox until acknowledged.
    EscalatedToMash,
    /// MASH has taken the urgent concern on.
    MashAcknowledged,
    /// Accepted for discussion at a panel.
    AcceptedForPanel {
        /// The meeting (or proposed date) it will be discussed at.
        slot: PanelSlot,
    },
    /// Sent back to the referrer to put something right.
    Returned {
        /// What the referrer must put right.
        reason: String,
    },
    /// Sent somewhere other than this panel.
    Redirected {
        /// Where.
        to: RedirectTarget,
        /// Details: the service's name, or why.
        note: String,
    },
    /// The referrer withdrew it.
    Withdrawn {
        /// Why.
        reason: String,
    },
    /// Finished with: discussed and decided, dealt with by MASH, or redirected and done.
    Closed,
}

impl ReferralState {
    /// The state without its data: what lists filter and count by.
    pub fn status(&self) -> ReferralStatus {
        match self {
            Self::Draft => ReferralStatus::Draft,
            Self::AwaitingSignOff => ReferralStatus::AwaitingSignOff,
            Self::AwaitingScreening => ReferralStatus::AwaitingScreening,
            Self::EscalatedToMash => ReferralStatus::EscalatedToMash,
            Self::MashAcknowledged => ReferralStatus::MashAcknowledged,
            Self::AcceptedForPanel { .. } => ReferralStatus::AcceptedForPanel,
            Self::Returned { .. } => ReferralStatus::Returned,
            Self::Redirected { .. } => ReferralStatus::Redirected,
            Self::Withdrawn { .. } => ReferralStatus::Withdrawn,
            Self::Closed => ReferralStatus::Closed,
        }
    }

    /// The stable code stored beside the state's data.
    pub fn code(&self) -> &'static str {
        self.status().code()
    }

    /// The words shown in tags and lists.
    pub fn label(&self) -> &'static str {
        self.status().label()
    }
}

/// The kind of state a referral is in, without its data: stored as a code, shown as a label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferralStatus {
    /// See [`ReferralState::Draft`].
    Draft,
    /// See [`ReferralState::AwaitingSignOff`].
    AwaitingSignOff,
    /// See [`ReferralState::AwaitingScreening`].
    AwaitingScreening,
    /// See [`ReferralState::EscalatedToMash`].
    EscalatedToMash,
    /// See [`ReferralState::MashAcknowledged`].
    MashAcknowledged,
    /// See [`ReferralState::AcceptedForPanel`].
    AcceptedForPanel,
    /// See [`ReferralState::Returned`].
    Returned,
    /// See [`ReferralState::Redirected`].
    Redirected,
    /// See [`ReferralState::Withdrawn`].
    Withdrawn,
    /// See [`ReferralState::Closed`].
    Closed,
}

impl ReferralStatus {
    /// Every status, in the order a referral usually passes through them.
    pub const ALL: [ReferralStatus; 10] = [
        Self::Draft,
        Self::AwaitingSignOff,
        Self::AwaitingScreening,
        Self::EscalatedToMash,
        Self::MashAcknowledged,
        Self::AcceptedForPanel,
        Self::Returned,
        Self::Redirected,
        Self::Withdrawn,
        Self::Closed,
    ];

    /// Stable code for storage and the API.
    pub fn code(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::AwaitingSignOff => "awaiting_sign_off",
            Self::AwaitingScreening => "awaiting_screening",
            Self::EscalatedToMash => "escalated_to_mash",
            Self::MashAcknowledged => "mash_acknowledged",
            Self::AcceptedForPanel => "accepted_for_panel",
            Self::Returned => "returned",
            Self::Redirected => "redirected",
            Self::Withdrawn => "withdrawn",
            Self::Closed => "closed",
        }
    }

    /// The words shown in tags and lists.
    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "Draft",
            Self::AwaitingSignOff => "Awaiting checklist sign-off",
            Self::AwaitingScreening => "Awaiting screening",
            Self::EscalatedToMash => "Escalated to MASH",
            Self::MashAcknowledged => "Acknowledged by MASH",
            Self::AcceptedForPanel => "Accepted for panel",
            Self::Returned => "Returned to referrer",
            Self::Redirected => "Redirected",
            Self::Withdrawn => "Withdrawn",
            Self::Closed => "Closed",
        }
    }

    /// Whether nothing more can happen to a referral in this state.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Withdrawn | Self::Closed)
    }
}

impl fmt::Display for ReferralStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A code that names no referral status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}” is not a referral status")]
pub struct UnknownReferralStatus(pub String);

impl FromStr for ReferralStatus {
    type Err = UnknownReferralStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|r| r.code() == s)
            .ok_or_else(|| UnknownReferralStatus(s.to_owned()))
    }
}

/// Something that happens to a referral, with what it needs to be judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferralEvent<'a> {
    /// The referrer sends it (again, after a return).
    Submit,
    /// The case supervisor or locality manager signs the checklist off, ticking these items.
    SignOff {
        /// The items ticked as done.
        completed: &'a BTreeSet<ChecklistItem>,
    },
    /// A safeguarding concern: to MASH now. Makes the referral urgent for good.
    Escalate,
    /// MASH takes an escalated concern on.
    Acknowledge,
    /// The chair accepts it for a panel (or moves it to another meeting).
    Accept {
        /// The meeting or proposed date.
        slot: PanelSlot,
        /// The family's consent standing today.
        consent: &'a ConsentStanding,
    },
    /// The chair sends it back to the referrer.
    Return {
        /// What the referrer must put right.
        reason: &'a str,
    },
    /// The chair (or MASH, for an acknowledged concern) sends it elsewhere.
    Redirect {
        /// Where.
        to: RedirectTarget,
        /// Details; required when `to` is [`RedirectTarget::Other`].
        note: &'a str,
    },
    /// The referrer withdraws it.
    Withdraw {
        /// Why.
        reason: &'a str,
    },
    /// It is finished with.
    Close,
}

impl ReferralEvent<'_> {
    /// The kind of event, as stored in history and shown as a button.
    pub fn kind(&self) -> EventKind {
        match self {
            Self::Submit => EventKind::Submit,
            Self::SignOff { .. } => EventKind::SignOff,
            Self::Escalate => EventKind::Escalate,
            Self::Acknowledge => EventKind::Acknowledge,
            Self::Accept { .. } => EventKind::Accept,
            Self::Return { .. } => EventKind::Return,
            Self::Redirect { .. } => EventKind::Redirect,
            Self::Withdraw { .. } => EventKind::Withdraw,
            Self::Close => EventKind::Close,
        }
    }
}

/// The kinds of [`ReferralEvent`], without their data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// See [`ReferralEvent::Submit`].
    Submit,
    /// See [`ReferralEvent::SignOff`].
    SignOff,
    /// See [`ReferralEvent::Escalate`].
    Escalate,
    /// See [`ReferralEvent::Acknowledge`].
    Acknowledge,
    /// See [`ReferralEvent::Accept`].
    Accept,
    /// See [`ReferralEvent::Return`].
    Return,
    /// See [`ReferralEvent::Redirect`].
    Redirect,
    /// See [`ReferralEvent::Withdraw`].
    Withdraw,
    /// See [`ReferralEvent::Close`].
    Close,
}

impl EventKind {
    /// Every kind, in the order buttons are shown.
    pub const ALL: [EventKind; 9] = [
        Self::Submit,
        Self::SignOff,
        Self::Escalate,
        Self::Acknowledge,
        Self::Accept,
        Self::Return,
        Self::Redirect,
        Self::Withdraw,
        Self::Close,
    ];

    /// Stable code for history rows and the API.
    pub fn code(self) -> &'static str {
        match self {
            Self::Submit => "submit",
            Self::SignOff => "sign_off",
            Self::Escalate => "escalate",
            Self::Acknowledge => "acknowledge",
            Self::Accept => "accept",
            Self::Return => "return",
            Self::Redirect => "redirect",
            Self::Withdraw => "withdraw",
            Self::Close => "close",
        }
    }

    /// The button text.
    pub fn label(self) -> &'static str {
        match self {
            Self::Submit => "Submit referral",
            Self::SignOff => "Sign off checklist",
            Self::Escalate => "Escalate to MASH now",
            Self::Acknowledge => "Acknowledge",
            Self::Accept => "Accept for panel",
            Self::Return => "Return to referrer",
            Self::Redirect => "Redirect",
            Self::Withdraw => "Withdraw referral",
            Self::Close => "Close",
        }
    }
}

/// A code that names no event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}” is not something that can happen to a referral")]
pub struct UnknownEventKind(pub String);

impl FromStr for EventKind {
    type Err = UnknownEventKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|e| e.code() == s)
            .ok_or_else(|| UnknownEventKind(s.to_owned()))
    }
}

/// Why a transition was refused. Each message is a sentence for the page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionRefused {
    /// Accept or return outside the screening queue.
    #[error("Only a referral awaiting screening can be accepted for a panel or returned; this one is “{current}”")]
    NotAwaitingScreening {
        /// Where the referral is.
        current: ReferralStatus,
    },
    /// The family has not agreed to an early help referral and panel discussion.
    #[error(
        "The family has not agreed to an early help referral and to discussion at panel, so they cannot be accepted for a panel; record their consent first"
    )]
    NoConsentForPanel,
    /// The family withdrew consent.
    #[error("The family withdrew their consent on {}, so they cannot be discussed at a panel", long_date(*on))]
    ConsentWithdrawn {
        /// When.
        on: Date,
    },
    /// The family's consent is past its review date.
    #[error("The family’s consent was due for review on {}; check it with them again before accepting the referral", long_date(*due))]
    ConsentReviewOverdue {
        /// The review date that passed.
        due: Date,
    },
    /// An urgent referral cannot go to a panel.
    #[error("An urgent safeguarding concern goes straight to MASH; it cannot wait for a panel or be placed on an agenda")]
    UrgentConcernsGoToMash,
    /// Sign-off with checklist items not done.
    #[error("The checklist cannot be signed off until it is complete; still to do: {}", item_list(missing))]
    SignOffIncomplete {
        /// The items not ticked, in checklist order.
        missing: Vec<ChecklistItem>,
    },
    /// Sign-off outside the sign-off queue.
    #[error("Only a referral awaiting checklist sign-off can be signed off; this one is “{current}”")]
    NotAwaitingSignOff {
        /// Where the referral is.
        current: ReferralStatus,
    },
    /// Submit after submission.
    #[error("This referral has already been submitted; it is “{current}”")]
    AlreadySubmitted {
        /// Where the referral is.
        current: ReferralStatus,
    },
    /// Acknowledge something MASH was not waiting for.
    #[error("Only an urgent concern waiting for MASH can be acknowledged; this referral is “{current}”")]
    NotEscalated {
        /// Where the referral is.
        current: ReferralStatus,
    },
    /// Escalate something already with MASH.
    #[error("This referral is already with MASH; it is “{current}”")]
    AlreadyWithMash {
        /// Where the referral is.
        current: ReferralStatus,
    },
    /// Redirect outside screening or MASH's handling.
    #[error("Only a referral awaiting screening, or an urgent concern MASH has acknowledged, can be redirected; this one is “{current}”")]
    CannotRedirect {
        /// Where the referral is.
        current: ReferralStatus,
    },
    /// Withdraw an urgent concern.
    #[error("An urgent safeguarding concern cannot be withdrawn; MASH closes or redirects it")]
    UrgentConcernCannotBeWithdrawn,
    /// Withdraw a redirected referral.
    #[error("A referral that is “{current}” cannot be withdrawn; close it instead")]
    CannotWithdraw {
        /// Where the referral is.
        current: ReferralStatus,
    },
    /// Close something still in progress.
    #[error(
        "Only a referral that was accepted for a panel, acknowledged by MASH, returned or redirected can be closed; this one is “{current}”"
    )]
    CannotClose {
        /// Where the referral is.
        current: ReferralStatus,
    },
    /// Anything after withdrawal or closure.
    #[error("This referral is “{current}” and cannot change; make a new referral if the family needs help again")]
    Finished {
        /// Where the referral is.
        current: ReferralStatus,
    },
    /// A return with no reason.
    #[error("Enter why the referral is being returned, so the referrer can put it right")]
    NoReturnReason,
    /// A withdrawal with no reason.
    #[error("Enter why the referral is being withdrawn")]
    NoWithdrawalReason,
    /// A redirect to "other" with no details.
    #[error("Enter where the referral is being redirected to")]
    RedirectNeedsDetails,
    /// A redirect to the locality the referral is already in.
    #[error("The referral is already in that locality; choose a different locality, or accept it here")]
    RedirectToOwnLocality,
    /// A redirect to MASH: a concern for MASH is escalated, which makes it urgent and puts it
    /// in MASH's inbox with its 24-hour clock.
    #[error("To send a referral to MASH, escalate it as an urgent safeguarding concern; MASH takes it from there")]
    EscalateRatherThanRedirectToMash,
    /// An urgent concern redirected to another locality's panel: it can never go to a panel.
    #[error("An urgent concern stays with MASH: redirect it to children’s social care or another service, or close it")]
    UrgentConcernsStayWithMash,
}

/// Why a family cannot be referred to early help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReferralConsentRefused {
    /// The family withdrew consent.
    #[error(
        "The family withdrew their consent, so they cannot be referred to early help. If a child is at risk, mark this as an urgent safeguarding concern for MASH"
    )]
    Withdrawn,
    /// The family's consent is past its review date.
    #[error("The family’s consent is past its review date: check it with them and record it again before referring")]
    ReviewOverdue,
    /// The family has not agreed to an early help referral.
    #[error(
        "The family has not agreed to an early help referral: record their consent first. If a child is at risk, mark this as an urgent safeguarding concern for MASH"
    )]
    NotGiven,
    /// An override was asked for, but the family agreed to an early help referral.
    #[error("The family has agreed to an early help referral, so no override is needed: untick ‘without the family’s consent’")]
    OverrideNotNeeded,
    /// An override was asked for on an urgent concern, which needs none.
    #[error("An urgent safeguarding concern goes to MASH without the family’s consent: untick ‘without the family’s consent’")]
    UrgentNeedsNoOverride,
    /// An override on a ground that is for urgent action, not a routine referral.
    #[error(
        "A referral without consent must be for safeguarding or the public interest; where a life is at risk, mark this as an urgent safeguarding concern for MASH"
    )]
    GroundNotForReferral,
}

/// On what basis a family's details go to early help screening or MASH: what the sharing log
/// records as the referral's lawful basis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferralBasis {
    /// The family agreed to an early help referral.
    Consent,
    /// An urgent safeguarding concern, which goes to MASH whatever the family agreed to.
    UrgentConcern,
    /// Without consent, on a recorded override (safeguarding or the public interest).
    ConsentOverride(OverrideGround),
}

/// No consent, no referral (seed 001 §9): a family's details go to early help screening only
/// with its agreement to an early help referral. Two exceptions: an urgent safeguarding concern
/// goes to MASH whatever the family agreed to, and a routine referral may be made without
/// consent on an override for safeguarding or the public interest (seed 000: "lack of consent
/// can be overridden in the public interest"). An override is refused where it is not needed,
/// so the sharing log never shows an override that overrode nothing.
pub fn check_consent_for_referral(
    consent: &ConsentStanding,
    urgent: bool,
    consent_override: Option<&ConsentOverride>,
) -> Result<ReferralBasis, ReferralConsentRefused> {
    match (urgent, consent.early_help_referral, consent_override) {
        (true, _, Some(_)) => Err(ReferralConsentRefused::UrgentNeedsNoOverride),
        (true, _, None) => Ok(ReferralBasis::UrgentConcern),
        (false, true, Some(_)) => Err(ReferralConsentRefused::OverrideNotNeeded),
        (false, true, None) => Ok(ReferralBasis::Consent),
        (false, false, Some(o)) if OverrideGround::FOR_REFERRAL.contains(&o.ground()) => Ok(ReferralBasis::ConsentOverride(o.ground())),
        (false, false, Some(_)) => Err(ReferralConsentRefused::GroundNotForReferral),
        (false, false, None) => Err(match (consent.withdrawn_on, consent.review_overdue) {
            (Some(_), _) => ReferralConsentRefused::Withdrawn,
            (None, true) => ReferralConsentRefused::ReviewOverdue,
            (None, false) => ReferralConsentRefused::NotGiven,
        }),
    }
}

fn item_list(items: &[ChecklistItem]) -> String {
    items.iter().map(|i| i.label()).collect::<Vec<_>>().join("; ")
}

fn long_date(d: Date) -> String {
    format!("{} {} {}", d.day(), d.month(), d.year())
}

/// One state change, for the store to keep: referral history is never rewritten.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    /// The referral that changed.
    pub referral: ReferralId,
    /// The status it left.
    pub from: ReferralStatus,
    /// The state it entered, with that state's data (reason, meeting, redirect).
    pub to: ReferralState,
    /// What happened.
    pub event: EventKind,
    /// When (passed in; the store's clock).
    pub at: OffsetDateTime,
    /// Who did it.
    pub by: UserId,
}

/// What is known about a referral when it is first written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewReferral {
    /// The family it is about.
    pub family: FamilyId,
    /// How it came.
    pub route: Route,
    /// The locality it was allocated to (from the family's postcode).
    pub locality: LocalityId,
    /// The referrer marked an urgent safeguarding concern: it goes to MASH, not to a panel.
    pub urgent: bool,
    /// The family was seen within the last twelve months ([`is_re_referral`]).
    pub re_referral: bool,
}

/// A stored referral whose facts contradict its state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RestoreError {
    /// Urgent referrals only go through MASH.
    #[error("An urgent referral cannot be “{0}”")]
    UrgentOutsideMash(ReferralStatus),
    /// Only an urgent concern is escalated to MASH (a routine one is redirected there).
    #[error("A referral that is not urgent cannot be “{0}”")]
    NotUrgentAtMash(ReferralStatus),
    /// Only routes with a checklist wait for sign-off.
    #[error("A referral by the route “{}” has no checklist to sign off", .0.label())]
    NoChecklistOnRoute(Route),
}

/// A referral: its facts and where it is. Fields are private so that the state changes only by
/// [`Referral::apply`], which keeps the rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Referral {
    id: ReferralId,
    family: FamilyId,
    route: Route,
    locality: LocalityId,
    urgent: bool,
    re_referral: bool,
    state: ReferralState,
}

impl Referral {
    /// A new draft referral, under a fresh id. Drafts have no history; [`ReferralEvent::Submit`]
    /// is the first entry.
    pub fn draft(new: NewReferral) -> Self {
        Self {
            id: ReferralId::new(),
            family: new.family,
            route: new.route,
            locality: new.locality,
            urgent: new.urgent,
            re_referral: new.re_referral,
            state: ReferralState::Draft,
        }
    }

    /// Rebuilds a stored referral, refusing a combination the machine could never have produced.
    pub fn restore(id: ReferralId, facts: NewReferral, state: ReferralState) -> Result<Self, RestoreError> {
        let status = state.status();
        if facts.urgent
            && matches!(
                status,
                ReferralStatus::AwaitingSignOff
                    | ReferralStatus::AwaitingScreening
                    | ReferralStatus::AcceptedForPanel
                    | ReferralStatus::Returned
            )
        {
            return Err(RestoreError::UrgentOutsideMash(status));
        }
        if !facts.urgent && matches!(status, ReferralStatus::EscalatedToMash | ReferralStatus::MashAcknowledged) {
            return Err(RestoreError::NotUrgentAtMash(status));
        }
        if status == ReferralStatus::AwaitingSignOff && facts.route.checklist().is_empty() {
            return Err(RestoreError::NoChecklistOnRoute(facts.route));
        }
        Ok(Self {
            id,
            family: facts.family,
            route: facts.route,
            locality: facts.locality,
            urgent: facts.urgent,
            re_referral: facts.re_referral,
            state,
        })
    }

    /// The referral's id.
    pub fn id(&self) -> ReferralId {
        self.id
    }
    /// The family it is about.
    pub fn family(&self) -> FamilyId {
        self.family
    }
    /// How it came.
    pub fn route(&self) -> Route {
        self.route
    }
    /// The locality it is allocated to.
    pub fn locality(&self) -> LocalityId {
        self.locality
    }
    /// Whether it is an urgent safeguarding concern (marked so, or escalated later).
    pub fn is_urgent(&self) -> bool {
        self.urgent
    }
    /// Whether the family was seen within the last twelve months.
    pub fn is_re_referral(&self) -> bool {
        self.re_referral
    }
    /// Where it is.
    pub fn state(&self) -> &ReferralState {
        &self.state
    }
    /// Its facts, for storage.
    pub fn facts(&self) -> NewReferral {
        NewReferral {
            family: self.family,
            route: self.route,
            locality: self.locality,
            urgent: self.urgent,
            re_referral: self.re_referral,
        }
    }

    /// The buttons to show: the events this referral's state allows. (An event listed here can
    /// still be refused for its content: a checklist not complete, no consent, a blank reason.)
    pub fn allowed_events(&self) -> Vec<EventKind> {
        allowed_events(&self.state)
            .into_iter()
            .filter(|k| !(self.urgent && *k == EventKind::Accept))
            .collect()
    }

    /// Applies `event` at the instant `at` by `by`: the changed referral and its history entry,
    /// or the named reason it is refused (and `self` is unchanged).
    pub fn apply(&self, event: ReferralEvent<'_>, at: OffsetDateTime, by: UserId) -> Result<(Referral, HistoryEntry), TransitionRefused> {
        let current = self.state.status();
        let kind = event.kind();
        // Urgency is checked before the state so that the chair is told *why* an urgent concern
        // cannot go to panel, wherever it is.
        if kind == EventKind::Accept && self.urgent {
            return Err(TransitionRefused::UrgentConcernsGoToMash);
        }
        gate(kind, current)?;
        let mut urgent = self.urgent;
        let next = match event {
            ReferralEvent::Submit => {
                if self.urgent {
                    ReferralState::EscalatedToMash
                } else if self.route.checklist().is_empty() {
                    ReferralState::AwaitingScreening
                } else {
                    ReferralState::AwaitingSignOff
                }
            }
            ReferralEvent::SignOff { completed } => {
                let missing: Vec<ChecklistItem> = self.route.checklist().iter().copied().filter(|i| !completed.contains(i)).collect();
                if !missing.is_empty() {
                    return Err(TransitionRefused::SignOffIncomplete { missing });
                }
                ReferralState::AwaitingScreening
            }
            ReferralEvent::Escalate => {
                urgent = true;
                ReferralState::EscalatedToMash
            }
            ReferralEvent::Acknowledge => ReferralState::MashAcknowledged,
            ReferralEvent::Accept { slot, consent } => {
                check_consent_for_panel(consent)?;
                ReferralState::AcceptedForPanel { slot }
            }
            ReferralEvent::Return { reason } => {
                let reason = reason.trim();
                if reason.is_empty() {
                    return Err(TransitionRefused::NoReturnReason);
                }
                ReferralState::Returned { reason: reason.to_owned() }
            }
            ReferralEvent::Redirect { to, note } => {
                let note = note.trim();
                if to == RedirectTarget::Other && note.is_empty() {
                    return Err(TransitionRefused::RedirectNeedsDetails);
                }
                if to == RedirectTarget::AnotherLocality(self.locality) {
                    return Err(TransitionRefused::RedirectToOwnLocality);
                }
                if to == RedirectTarget::Mash {
                    return Err(TransitionRefused::EscalateRatherThanRedirectToMash);
                }
                if self.urgent && matches!(to, RedirectTarget::AnotherLocality(_)) {
                    return Err(TransitionRefused::UrgentConcernsStayWithMash);
                }
                ReferralState::Redirected { to, note: note.to_owned() }
            }
            ReferralEvent::Withdraw { reason } => {
                let reason = reason.trim();
                if reason.is_empty() {
                    return Err(TransitionRefused::NoWithdrawalReason);
                }
                ReferralState::Withdrawn { reason: reason.to_owned() }
            }
            ReferralEvent::Close => ReferralState::Closed,
        };
        let entry = HistoryEntry {
            referral: self.id,
            from: current,
            to: next.clone(),
            event: kind,
            at,
            by,
        };
        Ok((
            Referral {
                urgent,
                state: next,
                ..self.clone()
            },
            entry,
        ))
    }
}

fn check_consent_for_panel(consent: &ConsentStanding) -> Result<(), TransitionRefused> {
    if let Some(on) = consent.withdrawn_on {
        return Err(TransitionRefused::ConsentWithdrawn { on });
    }
    if consent.review_overdue
        && let Some(due) = consent.review_due
    {
        return Err(TransitionRefused::ConsentReviewOverdue { due });
    }
    if !consent.allows_panel() {
        return Err(TransitionRefused::NoConsentForPanel);
    }
    Ok(())
}

/// The transition table by state alone: whether `kind` may happen in `current` at all, and the
/// named refusal if not. [`Referral::apply`] and [`allowed_events`] both use it, so the buttons
/// shown can never disagree with the rules.
fn gate(kind: EventKind, current: ReferralStatus) -> Result<(), TransitionRefused> {
    use EventKind as E;
    use ReferralStatus as S;
    use TransitionRefused as R;
    if current.is_final() {
        return Err(R::Finished { current });
    }
    match kind {
        E::Submit if matches!(current, S::Draft | S::Returned) => Ok(()),
        E::Submit => Err(R::AlreadySubmitted { current }),
        E::SignOff if current == S::AwaitingSignOff => Ok(()),
        E::SignOff => Err(R::NotAwaitingSignOff { current }),
        E::Escalate if matches!(current, S::EscalatedToMash | S::MashAcknowledged) => Err(R::AlreadyWithMash { current }),
        E::Escalate => Ok(()),
        E::Acknowledge if current == S::EscalatedToMash => Ok(()),
        E::Acknowledge => Err(R::NotEscalated { current }),
        // Accepting again from AcceptedForPanel moves the case to another meeting (a meeting
        // moved or cancelled); consent is checked again.
        E::Accept if matches!(current, S::AwaitingScreening | S::AcceptedForPanel) => Ok(()),
        E::Return if current == S::AwaitingScreening => Ok(()),
        E::Accept | E::Return => Err(R::NotAwaitingScreening { current }),
        E::Redirect if matches!(current, S::AwaitingScreening | S::MashAcknowledged) => Ok(()),
        E::Redirect => Err(R::CannotRedirect { current }),
        E::Withdraw
            if matches!(
                current,
                S::Draft | S::AwaitingSignOff | S::AwaitingScreening | S::AcceptedForPanel | S::Returned
            ) =>
        {
            Ok(())
        }
        E::Withdraw if matches!(current, S::EscalatedToMash | S::MashAcknowledged) => Err(R::UrgentConcernCannotBeWithdrawn),
        E::Withdraw => Err(R::CannotWithdraw { current }),
        E::Close if matches!(current, S::AcceptedForPanel | S::MashAcknowledged | S::Returned | S::Redirected) => Ok(()),
        E::Close => Err(R::CannotClose { current }),
    }
}

/// The events a referral in `state` can take, in button order: for showing buttons. Content is
/// checked when the event is applied.
pub fn allowed_events(state: &ReferralState) -> Vec<EventKind> {
    let current = state.status();
    EventKind::ALL.into_iter().filter(|&k| gate(k, current).is_ok()).collect()
}

/// How long MASH has to acknowledge an urgent concern. The seeds set 24 hours for a step-up
/// after panel (seed 004); an escalation that skipped the panel is held to no slower a clock.
pub const MASH_ACKNOWLEDGEMENT_WINDOW: Duration = Duration::hours(24);

/// When MASH must have acknowledged a concern escalated at `escalated_at`.
pub fn mash_acknowledgement_due(escalated_at: OffsetDateTime) -> OffsetDateTime {
    escalated_at + MASH_ACKNOWLEDGEMENT_WINDOW
}

/// Whether a concern escalated at `escalated_at` and still unacknowledged at `now` is overdue.
pub fn mash_acknowledgement_overdue(escalated_at: OffsetDateTime, now: OffsetDateTime) -> bool {
    now > mash_acknowledgement_due(escalated_at)
}

/// A referral the family had before, as far as re-referral detection needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreviousReferral {
    /// When it was made.
    pub created_on: Date,
    /// When it was closed, withdrawn or redirected; `None` while it is still open.
    pub closed_on: Option<Date>,
}

/// Whether a new referral made `today` is a re-referral: the family was seen within the last
/// twelve months — a previous referral still open, or closed on or after this day last year
/// (28 February when today is 29 February). Previous referrals dated after today are ignored.
/// A flag for reports (seed 004 measures re-referrals) and for the chair, not a route.
pub fn is_re_referral(previous: &[PreviousReferral], today: Date) -> bool {
    let window_starts = one_year_before(today);
    previous.iter().filter(|p| p.created_on <= today).any(|p| match p.closed_on {
        None => true,
        Some(closed) => closed >= window_starts,
    })
}

fn one_year_before(d: Date) -> Date {
    let year = d.year() - 1;
    Date::from_calendar_date(year, d.month(), d.day())
        .or_else(|_| Date::from_calendar_date(year, Month::February, 28))
        .unwrap_or(Date::MIN)
}

/// A meeting a referral could be accepted for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpcomingMeeting {
    /// The meeting.
    pub id: MeetingId,
    /// The day it meets.
    pub date: Date,
    /// The locality its panel serves.
    pub locality: LocalityId,
    /// The last day a case can be submitted for it.
    pub submission_deadline: Date,
}

impl UpcomingMeeting {
    /// A meeting whose case-submission deadline is `working_days_before` working days before it.
    pub fn new(id: MeetingId, date: Date, locality: LocalityId, calendar: &Calendar, working_days_before: u32) -> Result<Self, OutOfRange> {
        Ok(Self {
            id,
            date,
            locality,
            submission_deadline: submission_deadline(calendar, date, working_days_before)?,
        })
    }
}

/// The last day a case can be submitted for a meeting on `meeting_date`: the day the list of
/// families goes to members, leaving at least `working_days_before` full working days before the
/// meeting (bank holidays and local closures skipped; seed 001: 5). The one counting rule is
/// [`crate::meeting::DeadlineRules::circulate_by`].
pub fn submission_deadline(calendar: &Calendar, meeting_date: Date, working_days_before: u32) -> Result<Date, OutOfRange> {
    crate::meeting::DeadlineRules {
        list_to_members_working_days: working_days_before,
        ..crate::meeting::DeadlineRules::default()
    }
    .circulate_by(calendar, meeting_date)
}

/// How many working days before a meeting the case-submission deadline falls unless a panel
/// says otherwise: the list of families goes to members at least 5 working days before (seeds
/// 000 and 001), so a case screened after that day waits for the next meeting.
pub const CASE_SUBMISSION_WORKING_DAYS: u32 = 5;

/// The date to propose for a referral screened on `today` at a panel meeting on `cadence`: the
/// first meeting (within a year) whose submission deadline is today or later, with that
/// deadline. Used until the panel's meetings are in the calendar.
pub fn propose_date(cadence: &crate::panel::Cadence, calendar: &Calendar, today: Date, working_days_before: u32) -> Option<(Date, Date)> {
    cadence
        .dates_between(today, today + Duration::days(366))
        .into_iter()
        .find_map(|date| match submission_deadline(calendar, date, working_days_before) {
            Ok(deadline) if deadline >= today => Some((date, deadline)),
            _ => None,
        })
}

/// Why the referrer is referring the family and what help they need, in their words: required,
/// and short enough to read aloud at a panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReferralReason(String);

/// The longest reason a referral form takes.
pub const REFERRAL_REASON_MAX: usize = 4000;

/// A reason the form refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReferralReasonError {
    /// Nothing written.
    #[error("Enter why you are referring the family and what help they need")]
    Empty,
    /// Too long for a panel to read.
    #[error("The reason must be {REFERRAL_REASON_MAX} characters or fewer; put the detail in the family’s assessment")]
    TooLong,
}

impl ReferralReason {
    /// Trims and checks the text.
    pub fn parse(text: &str) -> Result<Self, ReferralReasonError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(ReferralReasonError::Empty);
        }
        if text.chars().count() > REFERRAL_REASON_MAX {
            return Err(ReferralReasonError::TooLong);
        }
        Ok(Self(text.to_owned()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The meeting to propose for a referral in `locality` screened on `today`: the earliest
/// meeting of that locality whose submission deadline is today or later (the deadline day itself
/// is still in time). `None` when no meeting in the list qualifies. The list may be in any order.
pub fn propose_meeting(meetings: &[UpcomingMeeting], locality: LocalityId, today: Date) -> Option<&UpcomingMeeting> {
    meetings
        .iter()
        .filter(|m| m.locality == locality && m.submission_deadline >= today && m.date >= today)
        .min_by_key(|m| (m.date, m.id))
}

#[cfg(test)]
mod consent_and_redirect_tests {
    use super::*;

    #[test]
    fn a_routine_referral_needs_consent_to_an_early_help_referral_but_an_urgent_concern_does_not() {
        let none = ConsentStanding::default();
        assert_eq!(
            check_consent_for_referral(&none, false, None),
            Err(ReferralConsentRefused::NotGiven)
        );
        assert_eq!(check_consent_for_referral(&none, true, None), Ok(ReferralBasis::UrgentConcern));
        let withdrawn = ConsentStanding {
            withdrawn_on: Some(time::macros::date!(2026 - 11 - 20)),
            ..ConsentStanding::default()
        };
        assert_eq!(
            check_consent_for_referral(&withdrawn, false, None),
            Err(ReferralConsentRefused::Withdrawn)
        );
        let given = ConsentStanding {
            early_help_referral: true,
            ..ConsentStanding::default()
        };
        assert_eq!(check_consent_for_referral(&given, false, None), Ok(ReferralBasis::Consent));
    }

    fn an_override(ground: OverrideGround) -> ConsentOverride {
        ConsentOverride::new(
            ground,
            "The youngest child is at risk of significant harm and the parents refuse all contact",
            UserId::new(),
            time::macros::datetime!(2026-11-25 10:00 UTC),
        )
        .unwrap()
    }

    #[test]
    fn a_safeguarding_or_public_interest_override_lets_a_routine_referral_be_made_without_consent() {
        let withdrawn = ConsentStanding {
            withdrawn_on: Some(time::macros::date!(2026 - 11 - 20)),
            ..ConsentStanding::default()
        };
        for consent in [ConsentStanding::default(), withdrawn] {
            for ground in [OverrideGround::Safeguarding, OverrideGround::PublicInterest] {
                assert_eq!(
                    check_consent_for_referral(&consent, false, Some(&an_override(ground))),
                    Ok(ReferralBasis::ConsentOverride(ground))
                );
            }
        }
    }

    #[test]
    fn an_override_is_refused_where_it_would_override_nothing() {
        let given = ConsentStanding {
            early_help_referral: true,
            ..ConsentStanding::default()
        };
        let o = an_override(OverrideGround::Safeguarding);
        assert_eq!(
            check_consent_for_referral(&given, false, Some(&o)),
            Err(ReferralConsentRefused::OverrideNotNeeded)
        );
        assert_eq!(
            check_consent_for_referral(&ConsentStanding::default(), true, Some(&o)),
            Err(ReferralConsentRefused::UrgentNeedsNoOverride)
        );
    }

    #[test]
    fn vital_interests_is_for_an_urgent_concern_not_a_routine_referral() {
        assert_eq!(
            check_consent_for_referral(
                &ConsentStanding::default(),
                false,
                Some(&an_override(OverrideGround::VitalInterests))
            ),
            Err(ReferralConsentRefused::GroundNotForReferral)
        );
    }

    fn screening(urgent: bool) -> Referral {
        let facts = NewReferral {
            family: FamilyId::new(),
            route: Route::MashDecision,
            locality: LocalityId::new(),
            urgent,
            re_referral: false,
        };
        let state = if urgent {
            ReferralState::MashAcknowledged
        } else {
            ReferralState::AwaitingScreening
        };
        Referral::restore(ReferralId::new(), facts, state).unwrap()
    }

    #[test]
    fn a_referral_for_mash_is_escalated_not_redirected() {
        let at = time::macros::datetime!(2026-12-01 10:00 UTC);
        let refused = screening(false).apply(
            ReferralEvent::Redirect {
                to: RedirectTarget::Mash,
                note: "",
            },
            at,
            UserId::new(),
        );
        assert_eq!(refused.unwrap_err(), TransitionRefused::EscalateRatherThanRedirectToMash);
    }

    #[test]
    fn an_urgent_concern_is_never_redirected_to_a_locality_panel() {
        let at = time::macros::datetime!(2026-12-01 10:00 UTC);
        let elsewhere = RedirectTarget::AnotherLocality(LocalityId::new());
        let refused = screening(true).apply(ReferralEvent::Redirect { to: elsewhere, note: "" }, at, UserId::new());
        assert_eq!(refused.unwrap_err(), TransitionRefused::UrgentConcernsStayWithMash);
        assert!(
            screening(false)
                .apply(ReferralEvent::Redirect { to: elsewhere, note: "" }, at, UserId::new())
                .is_ok()
        );
    }
}

#[cfg(test)]
mod proposal_tests {
    use super::*;
    use crate::panel::Cadence;
    use time::Weekday;
    use time::macros::date;

    #[test]
    fn a_referral_screened_before_the_deadline_is_proposed_for_this_weeks_panel() {
        // Tuesday 15 December 2026: the list goes out on Monday 7 December, leaving five full
        // working days before the meeting.
        let weekly = Cadence::Weekly { weekday: Weekday::Tuesday };
        let proposed = propose_date(&weekly, &Calendar::england_and_wales(), date!(2026 - 12 - 07), 5);
        assert_eq!(proposed, Some((date!(2026 - 12 - 15), date!(2026 - 12 - 07))));
    }

    #[test]
    fn a_referral_screened_after_the_deadline_waits_for_the_next_meeting() {
        let weekly = Cadence::Weekly { weekday: Weekday::Tuesday };
        let proposed = propose_date(&weekly, &Calendar::england_and_wales(), date!(2026 - 12 - 09), 5);
        assert_eq!(proposed.map(|(d, _)| d), Some(date!(2026 - 12 - 22)));
    }

    #[test]
    fn christmas_bank_holidays_move_the_deadline_earlier() {
        // Tuesday 29 December 2026: Christmas Day (Friday 25th) and the substitute Boxing Day
        // (Monday 28th) are not working days, so the list goes out on Thursday 17th.
        let weekly = Cadence::Weekly { weekday: Weekday::Tuesday };
        let calendar = Calendar::england_and_wales();
        assert_eq!(
            propose_date(&weekly, &calendar, date!(2026 - 12 - 17), 5),
            Some((date!(2026 - 12 - 29), date!(2026 - 12 - 17)))
        );
        // A case screened on Monday 21st misses it and goes to Tuesday 5 January.
        assert_eq!(
            propose_date(&weekly, &calendar, date!(2026 - 12 - 21), 5),
            Some((date!(2027 - 01 - 05), date!(2026 - 12 - 23)))
        );
    }

    #[test]
    fn a_reason_is_required_and_kept_trimmed() {
        assert_eq!(ReferralReason::parse("   "), Err(ReferralReasonError::Empty));
        assert_eq!(
            ReferralReason::parse("  Needs help with school attendance \n").map(|r| r.as_str().to_owned()),
            Ok("Needs help with school attendance".to_owned())
        );
        assert_eq!(
            ReferralReason::parse(&"x".repeat(REFERRAL_REASON_MAX + 1)),
            Err(ReferralReasonError::TooLong)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::{ConsentMethod, ConsentRecord, ConsentScope, ConsentSubject, NewConsent};
    use proptest::prelude::*;
    use time::macros::{date, datetime};

    const AT: OffsetDateTime = datetime!(2026-03-02 10:00 UTC);

    fn facts(route: Route, urgent: bool) -> NewReferral {
        NewReferral {
            family: FamilyId::new(),
            route,
            locality: LocalityId::new(),
            urgent,
            re_referral: false,
        }
    }

    fn consented() -> ConsentStanding {
        ConsentStanding {
            early_help_referral: true,
            panel_discussion: true,
            review_due: Some(date!(2027 - 03 - 01)),
            ..ConsentStanding::default()
        }
    }

    fn everything() -> BTreeSet<ChecklistItem> {
        ChecklistItem::ALL.into_iter().collect()
    }

    fn in_state(route: Route, urgent: bool, state: ReferralState) -> Referral {
        Referral::restore(ReferralId::new(), facts(route, urgent), state).unwrap()
    }

    /// An event of each kind whose content is acceptable, so that only the state decides.
    fn good_event<'a>(kind: EventKind, items: &'a BTreeSet<ChecklistItem>, consent: &'a ConsentStanding) -> ReferralEvent<'a> {
        match kind {
            EventKind::Submit => ReferralEvent::Submit,
            EventKind::SignOff => ReferralEvent::SignOff { completed: items },
            EventKind::Escalate => ReferralEvent::Escalate,
            EventKind::Acknowledge => ReferralEvent::Acknowledge,
            EventKind::Accept => ReferralEvent::Accept {
                slot: PanelSlot::ProposedDate(date!(2026 - 03 - 17)),
                consent,
            },
            EventKind::Return => ReferralEvent::Return {
                reason: "Add the school's name",
            },
            EventKind::Redirect => ReferralEvent::Redirect {
                to: RedirectTarget::UniversalService,
                note: "Children's centre stay-and-play",
            },
            EventKind::Withdraw => ReferralEvent::Withdraw {
                reason: "Family moved out of the county",
            },
            EventKind::Close => ReferralEvent::Close,
        }
    }

    #[test]
    fn every_state_and_event_is_allowed_or_refused_by_name() {
        use ReferralStatus as S;
        use TransitionRefused as R;
        let ok = Ok::<S, R>;
        // Columns in EventKind::ALL order: Submit, SignOff, Escalate, Acknowledge, Accept,
        // Return, Redirect, Withdraw, Close.
        let fin = |current| [(); 9].map(|_| Err(R::Finished { current }));
        let table: Vec<(Referral, [Result<S, R>; 9])> = vec![
            (
                in_state(Route::MashDecision, false, ReferralState::Draft),
                [
                    ok(S::AwaitingScreening),
                    Err(R::NotAwaitingSignOff { current: S::Draft }),
                    ok(S::EscalatedToMash),
                    Err(R::NotEscalated { current: S::Draft }),
                    Err(R::NotAwaitingScreening { current: S::Draft }),
                    Err(R::NotAwaitingScreening { current: S::Draft }),
                    Err(R::CannotRedirect { current: S::Draft }),
                    ok(S::Withdrawn),
                    Err(R::CannotClose { current: S::Draft }),
                ],
            ),
            (
                in_state(Route::StepDown, false, ReferralState::AwaitingSignOff),
                [
                    Err(R::AlreadySubmitted {
                        current: S::AwaitingSignOff,
                    }),
                    ok(S::AwaitingScreening),
                    ok(S::EscalatedToMash),
                    Err(R::NotEscalated {
                        current: S::AwaitingSignOff,
                    }),
                    Err(R::NotAwaitingScreening {
                        current: S::AwaitingSignOff,
                    }),
                    Err(R::NotAwaitingScreening {
                        current: S::AwaitingSignOff,
                    }),
                    Err(R::CannotRedirect {
                        current: S::AwaitingSignOff,
                    }),
                    ok(S::Withdrawn),
                    Err(R::CannotClose {
                        current: S::AwaitingSignOff,
                    }),
                ],
            ),
            (
                in_state(Route::MashDecision, false, ReferralState::AwaitingScreening),
                [
                    Err(R::AlreadySubmitted {
                        current: S::AwaitingScreening,
                    }),
                    Err(R::NotAwaitingSignOff {
                        current: S::AwaitingScreening,
                    }),
                    ok(S::EscalatedToMash),
                    Err(R::NotEscalated {
                        current: S::AwaitingScreening,
                    }),
                    ok(S::AcceptedForPanel),
                    ok(S::Returned),
                    ok(S::Redirected),
                    ok(S::Withdrawn),
                    Err(R::CannotClose {
                        current: S::AwaitingScreening,
                    }),
                ],
            ),
            (
                in_state(Route::MashDecision, true, ReferralState::EscalatedToMash),
                [
                    Err(R::AlreadySubmitted {
                        current: S::EscalatedToMash,
                    }),
                    Err(R::NotAwaitingSignOff {
                        current: S::EscalatedToMash,
                    }),
                    Err(R::AlreadyWithMash {
                        current: S::EscalatedToMash,
                    }),
                    ok(S::MashAcknowledged),
                    Err(R::UrgentConcernsGoToMash),
                    Err(R::NotAwaitingScreening {
                        current: S::EscalatedToMash,
                    }),
                    Err(R::CannotRedirect {
                        current: S::EscalatedToMash,
                    }),
                    Err(R::UrgentConcernCannotBeWithdrawn),
                    Err(R::CannotClose {
                        current: S::EscalatedToMash,
                    }),
                ],
            ),
            (
                in_state(Route::MashDecision, true, ReferralState::MashAcknowledged),
                [
                    Err(R::AlreadySubmitted {
                        current: S::MashAcknowledged,
                    }),
                    Err(R::NotAwaitingSignOff {
                        current: S::MashAcknowledged,
                    }),
                    Err(R::AlreadyWithMash {
                        current: S::MashAcknowledged,
                    }),
                    Err(R::NotEscalated {
                        current: S::MashAcknowledged,
                    }),
                    Err(R::UrgentConcernsGoToMash),
                    Err(R::NotAwaitingScreening {
                        current: S::MashAcknowledged,
                    }),
                    ok(S::Redirected),
                    Err(R::UrgentConcernCannotBeWithdrawn),
                    ok(S::Closed),
                ],
            ),
            (
                in_state(
                    Route::Stuck,
                    false,
                    ReferralState::AcceptedForPanel {
                        slot: PanelSlot::Meeting(MeetingId::new()),
                    },
                ),
                [
                    Err(R::AlreadySubmitted {
                        current: S::AcceptedForPanel,
                    }),
                    Err(R::NotAwaitingSignOff {
                        current: S::AcceptedForPanel,
                    }),
                    ok(S::EscalatedToMash),
                    Err(R::NotEscalated {
                        current: S::AcceptedForPanel,
                    }),
                    ok(S::AcceptedForPanel),
                    Err(R::NotAwaitingScreening {
                        current: S::AcceptedForPanel,
                    }),
                    Err(R::CannotRedirect {
                        current: S::AcceptedForPanel,
                    }),
                    ok(S::Withdrawn),
                    ok(S::Closed),
                ],
            ),
            (
                in_state(Route::MashDecision, false, ReferralState::Returned { reason: "x".into() }),
                [
                    ok(S::AwaitingScreening),
                    Err(R::NotAwaitingSignOff { current: S::Returned }),
                    ok(S::EscalatedToMash),
                    Err(R::NotEscalated { current: S::Returned }),
                    Err(R::NotAwaitingScreening { current: S::Returned }),
                    Err(R::NotAwaitingScreening { current: S::Returned }),
                    Err(R::CannotRedirect { current: S::Returned }),
                    ok(S::Withdrawn),
                    ok(S::Closed),
                ],
            ),
            (
                in_state(
                    Route::MashDecision,
                    false,
                    ReferralState::Redirected {
                        to: RedirectTarget::Mash,
                        note: String::new(),
                    },
                ),
                [
                    Err(R::AlreadySubmitted { current: S::Redirected }),
                    Err(R::NotAwaitingSignOff { current: S::Redirected }),
                    ok(S::EscalatedToMash),
                    Err(R::NotEscalated { current: S::Redirected }),
                    Err(R::NotAwaitingScreening { current: S::Redirected }),
                    Err(R::NotAwaitingScreening { current: S::Redirected }),
                    Err(R::CannotRedirect { current: S::Redirected }),
                    Err(R::CannotWithdraw { current: S::Redirected }),
                    ok(S::Closed),
                ],
            ),
            (
                in_state(Route::MashDecision, false, ReferralState::Withdrawn { reason: "x".into() }),
                fin(S::Withdrawn),
            ),
            (in_state(Route::MashDecision, false, ReferralState::Closed), fin(S::Closed)),
        ];
        assert_eq!(table.len(), ReferralStatus::ALL.len(), "every state has a row");

        let items = everything();
        let consent = consented();
        let by = UserId::new();
        for (referral, row) in &table {
            let from = referral.state().status();
            for (kind, expected) in EventKind::ALL.into_iter().zip(row) {
                let got = referral
                    .apply(good_event(kind, &items, &consent), AT, by)
                    .map(|(r, _)| r.state().status());
                assert_eq!(&got, expected, "{} × {}", from.code(), kind.code());
            }
            let buttons: Vec<EventKind> = EventKind::ALL
                .into_iter()
                .zip(row)
                .filter(|(_, e)| e.is_ok())
                .map(|(k, _)| k)
                .collect();
            assert_eq!(referral.allowed_events(), buttons, "buttons for {}", from.code());
        }
    }

    #[test]
    fn step_down_cannot_reach_screening_before_case_supervisor_signs_off() {
        let draft = Referral::draft(facts(Route::StepDown, false));
        let (submitted, _) = draft.apply(ReferralEvent::Submit, AT, UserId::new()).unwrap();
        assert_eq!(submitted.state(), &ReferralState::AwaitingSignOff);
        assert_eq!(Route::StepDown.signed_off_by(), Some(Role::CaseSupervisor));
        let accept = submitted.apply(
            ReferralEvent::Accept {
                slot: PanelSlot::ProposedDate(date!(2026 - 03 - 10)),
                consent: &consented(),
            },
            AT,
            UserId::new(),
        );
        assert_eq!(
            accept.unwrap_err(),
            TransitionRefused::NotAwaitingScreening {
                current: ReferralStatus::AwaitingSignOff
            }
        );
        let (signed, _) = submitted
            .apply(ReferralEvent::SignOff { completed: &everything() }, AT, UserId::new())
            .unwrap();
        assert_eq!(signed.state(), &ReferralState::AwaitingScreening);
    }

    #[test]
    fn step_up_waits_for_the_locality_managers_sign_off() {
        let draft = Referral::draft(facts(Route::StepUp, false));
        let (submitted, _) = draft.apply(ReferralEvent::Submit, AT, UserId::new()).unwrap();
        assert_eq!(submitted.state(), &ReferralState::AwaitingSignOff);
        assert_eq!(Route::StepUp.signed_off_by(), Some(Role::LocalityManager));
    }

    #[test]
    fn mash_decisions_and_stuck_cases_go_straight_to_screening() {
        for route in [Route::MashDecision, Route::Stuck] {
            let (r, _) = Referral::draft(facts(route, false))
                .apply(ReferralEvent::Submit, AT, UserId::new())
                .unwrap();
            assert_eq!(r.state(), &ReferralState::AwaitingScreening, "{}", route.code());
        }
    }

    #[test]
    fn sign_off_with_items_missing_is_refused_naming_them() {
        let r = in_state(Route::StepUp, false, ReferralState::AwaitingSignOff);
        let ticked: BTreeSet<ChecklistItem> = [ChecklistItem::EarlyHelpAssessmentCompleted, ChecklistItem::FamilyInformed].into();
        let err = r
            .apply(ReferralEvent::SignOff { completed: &ticked }, AT, UserId::new())
            .unwrap_err();
        assert_eq!(
            err,
            TransitionRefused::SignOffIncomplete {
                missing: vec![ChecklistItem::SummaryOfConcerns, ChecklistItem::ConsentObtainedOrOverrideAgreed]
            }
        );
        assert_eq!(
            err.to_string(),
            "The checklist cannot be signed off until it is complete; still to do: Clear summary of the concerns that need escalation; Consent obtained, or override agreed with children’s social care"
        );
    }

    #[test]
    fn an_urgent_concern_goes_straight_to_mash_and_never_to_a_panel() {
        let draft = Referral::draft(facts(Route::MashDecision, true));
        let (escalated, entry) = draft.apply(ReferralEvent::Submit, AT, UserId::new()).unwrap();
        assert_eq!(escalated.state(), &ReferralState::EscalatedToMash);
        assert_eq!(entry.to, ReferralState::EscalatedToMash);
        let accept = ReferralEvent::Accept {
            slot: PanelSlot::ProposedDate(date!(2026 - 03 - 10)),
            consent: &consented(),
        };
        assert_eq!(
            escalated.apply(accept, AT, UserId::new()).unwrap_err(),
            TransitionRefused::UrgentConcernsGoToMash
        );
        let (acknowledged, _) = escalated.apply(ReferralEvent::Acknowledge, AT, UserId::new()).unwrap();
        assert_eq!(
            acknowledged.apply(accept, AT, UserId::new()).unwrap_err(),
            TransitionRefused::UrgentConcernsGoToMash
        );
        assert!(!acknowledged.allowed_events().contains(&EventKind::Accept));
    }

    #[test]
    fn a_concern_found_at_screening_is_escalated_and_stays_urgent() {
        let r = in_state(Route::MashDecision, false, ReferralState::AwaitingScreening);
        let (escalated, _) = r.apply(ReferralEvent::Escalate, AT, UserId::new()).unwrap();
        assert!(escalated.is_urgent());
        assert_eq!(escalated.state(), &ReferralState::EscalatedToMash);
    }

    #[test]
    fn a_family_without_consent_to_panel_discussion_cannot_be_accepted() {
        let r = in_state(Route::MashDecision, false, ReferralState::AwaitingScreening);
        let slot = PanelSlot::ProposedDate(date!(2026 - 03 - 10));
        let referral_only = ConsentStanding {
            early_help_referral: true,
            ..ConsentStanding::default()
        };
        for consent in [ConsentStanding::default(), referral_only] {
            let err = r
                .apply(ReferralEvent::Accept { slot, consent: &consent }, AT, UserId::new())
                .unwrap_err();
            assert_eq!(err, TransitionRefused::NoConsentForPanel);
        }
    }

    #[test]
    fn a_family_who_withdrew_consent_cannot_be_accepted_and_the_page_says_when() {
        let family = FamilyId::new();
        let record = ConsentRecord::record(
            NewConsent {
                family,
                given_by: crate::consent::ConsentGiver::Family,
                given_for: ConsentSubject::WholeFamily,
                given_on: date!(2026 - 01 - 05),
                method: ConsentMethod::Written,
                recorded_by: UserId::new(),
                scopes: [ConsentScope::EarlyHelpReferral, ConsentScope::PanelDiscussion].into(),
                excluded_organisations: BTreeSet::new(),
                readmitted_organisations: BTreeSet::new(),
                review_due: date!(2027 - 01 - 05),
            },
            date!(2026 - 01 - 05),
        )
        .unwrap()
        .withdraw(date!(2026 - 02 - 20), UserId::new(), "Family declined", date!(2026 - 02 - 20))
        .unwrap();
        let standing = ConsentStanding::of([&record], date!(2026 - 03 - 02));
        let r = in_state(Route::MashDecision, false, ReferralState::AwaitingScreening);
        let err = r
            .apply(
                ReferralEvent::Accept {
                    slot: PanelSlot::ProposedDate(date!(2026 - 03 - 10)),
                    consent: &standing,
                },
                AT,
                UserId::new(),
            )
            .unwrap_err();
        assert_eq!(err, TransitionRefused::ConsentWithdrawn { on: date!(2026 - 02 - 20) });
        assert_eq!(
            err.to_string(),
            "The family withdrew their consent on 20 February 2026, so they cannot be discussed at a panel"
        );
    }

    #[test]
    fn consent_past_its_review_date_must_be_checked_before_acceptance() {
        let overdue = ConsentStanding {
            review_due: Some(date!(2026 - 02 - 01)),
            review_overdue: true,
            ..ConsentStanding::default()
        };
        let r = in_state(Route::MashDecision, false, ReferralState::AwaitingScreening);
        let err = r
            .apply(
                ReferralEvent::Accept {
                    slot: PanelSlot::ProposedDate(date!(2026 - 03 - 10)),
                    consent: &overdue,
                },
                AT,
                UserId::new(),
            )
            .unwrap_err();
        assert_eq!(
            err,
            TransitionRefused::ConsentReviewOverdue {
                due: date!(2026 - 02 - 01)
            }
        );
    }

    #[test]
    fn every_transition_records_from_to_event_when_and_who() {
        let r = in_state(Route::MashDecision, false, ReferralState::AwaitingScreening);
        let meeting = MeetingId::new();
        let chair = UserId::new();
        let (accepted, entry) = r
            .apply(
                ReferralEvent::Accept {
                    slot: PanelSlot::Meeting(meeting),
                    consent: &consented(),
                },
                AT,
                chair,
            )
            .unwrap();
        assert_eq!(
            entry,
            HistoryEntry {
                referral: r.id(),
                from: ReferralStatus::AwaitingScreening,
                to: ReferralState::AcceptedForPanel {
                    slot: PanelSlot::Meeting(meeting)
                },
                event: EventKind::Accept,
                at: AT,
                by: chair,
            }
        );
        assert_eq!(accepted.id(), r.id());
        assert_eq!(accepted.state(), &entry.to);
    }

    #[test]
    fn a_return_keeps_the_reason_and_a_blank_one_is_refused() {
        let r = in_state(Route::MashDecision, false, ReferralState::AwaitingScreening);
        assert_eq!(
            r.apply(ReferralEvent::Return { reason: "  " }, AT, UserId::new()).unwrap_err(),
            TransitionRefused::NoReturnReason
        );
        let (returned, _) = r
            .apply(
                ReferralEvent::Return {
                    reason: " No consent form attached ",
                },
                AT,
                UserId::new(),
            )
            .unwrap();
        assert_eq!(
            returned.state(),
            &ReferralState::Returned {
                reason: "No consent form attached".into()
            }
        );
    }

    #[test]
    fn a_resubmitted_step_down_needs_signing_off_again() {
        let r = in_state(Route::StepDown, false, ReferralState::Returned { reason: "x".into() });
        let (again, _) = r.apply(ReferralEvent::Submit, AT, UserId::new()).unwrap();
        assert_eq!(again.state(), &ReferralState::AwaitingSignOff);
    }

    #[test]
    fn a_redirect_elsewhere_needs_details_and_not_to_its_own_locality() {
        let r = in_state(Route::MashDecision, false, ReferralState::AwaitingScreening);
        assert_eq!(
            r.apply(
                ReferralEvent::Redirect {
                    to: RedirectTarget::Other,
                    note: ""
                },
                AT,
                UserId::new()
            )
            .unwrap_err(),
            TransitionRefused::RedirectNeedsDetails
        );
        assert_eq!(
            r.apply(
                ReferralEvent::Redirect {
                    to: RedirectTarget::AnotherLocality(r.locality()),
                    note: ""
                },
                AT,
                UserId::new()
            )
            .unwrap_err(),
            TransitionRefused::RedirectToOwnLocality
        );
        let elsewhere = LocalityId::new();
        let (moved, _) = r
            .apply(
                ReferralEvent::Redirect {
                    to: RedirectTarget::AnotherLocality(elsewhere),
                    note: "Family moved to the north",
                },
                AT,
                UserId::new(),
            )
            .unwrap();
        assert_eq!(
            moved.state(),
            &ReferralState::Redirected {
                to: RedirectTarget::AnotherLocality(elsewhere),
                note: "Family moved to the north".into()
            }
        );
    }

    #[test]
    fn a_stored_urgent_referral_on_a_panel_cannot_be_restored() {
        let slot = PanelSlot::Meeting(MeetingId::new());
        assert_eq!(
            Referral::restore(
                ReferralId::new(),
                facts(Route::MashDecision, true),
                ReferralState::AcceptedForPanel { slot }
            ),
            Err(RestoreError::UrgentOutsideMash(ReferralStatus::AcceptedForPanel))
        );
        assert_eq!(
            Referral::restore(ReferralId::new(), facts(Route::Stuck, false), ReferralState::AwaitingSignOff),
            Err(RestoreError::NoChecklistOnRoute(Route::Stuck))
        );
    }

    #[test]
    fn every_code_parses_back() {
        for s in ReferralStatus::ALL {
            assert_eq!(s.code().parse::<ReferralStatus>(), Ok(s));
        }
        for e in EventKind::ALL {
            assert_eq!(e.code().parse::<EventKind>(), Ok(e));
        }
        for r in Route::ALL {
            assert_eq!(r.code().parse::<Route>(), Ok(r));
        }
        for c in ChecklistItem::ALL {
            assert_eq!(c.code().parse::<ChecklistItem>(), Ok(c));
        }
        let l = LocalityId::new();
        for t in [
            RedirectTarget::Mash,
            RedirectTarget::ChildrensSocialCare,
            RedirectTarget::AnotherLocality(l),
            RedirectTarget::UniversalService,
            RedirectTarget::Other,
        ] {
            assert_eq!(RedirectTarget::from_code(t.code(), Some(l)), Ok(t));
        }
        assert!(RedirectTarget::from_code("another_locality", None).is_err());
        assert!("on_hold".parse::<ReferralStatus>().is_err());
    }

    #[test]
    fn mash_has_twenty_four_hours_to_acknowledge_an_escalation() {
        let at = datetime!(2026-03-02 16:30 UTC);
        assert_eq!(mash_acknowledgement_due(at), datetime!(2026-03-03 16:30 UTC));
        assert!(!mash_acknowledgement_overdue(at, datetime!(2026-03-03 16:30 UTC)));
        assert!(mash_acknowledgement_overdue(at, datetime!(2026-03-03 16:31 UTC)));
    }

    #[test]
    fn a_family_seen_within_twelve_months_is_a_re_referral() {
        let today = date!(2026 - 03 - 02);
        let closed = |on| PreviousReferral {
            created_on: date!(2024 - 01 - 01),
            closed_on: Some(on),
        };
        assert!(!is_re_referral(&[], today));
        assert!(is_re_referral(&[closed(date!(2025 - 03 - 02))], today), "exactly a year ago counts");
        assert!(
            !is_re_referral(&[closed(date!(2025 - 03 - 01))], today),
            "a year and a day does not"
        );
        let open = PreviousReferral {
            created_on: date!(2023 - 06 - 01),
            closed_on: None,
        };
        assert!(
            is_re_referral(&[open], today),
            "a referral still open means the family is being seen"
        );
    }

    #[test]
    fn on_the_twenty_ninth_of_february_the_year_looks_back_to_the_twenty_eighth() {
        let today = date!(2028 - 02 - 29);
        let closed = PreviousReferral {
            created_on: date!(2027 - 01 - 01),
            closed_on: Some(date!(2027 - 02 - 28)),
        };
        assert!(is_re_referral(&[closed], today));
    }

    #[test]
    fn a_previous_referral_dated_after_today_is_ignored() {
        let later = PreviousReferral {
            created_on: date!(2026 - 04 - 01),
            closed_on: None,
        };
        assert!(!is_re_referral(&[later], date!(2026 - 03 - 02)));
    }

    #[test]
    fn the_next_meeting_is_the_first_in_the_locality_whose_deadline_has_not_passed() {
        let cal = Calendar::england_and_wales();
        let here = LocalityId::new();
        let there = LocalityId::new();
        // Tuesday panels; the list goes out leaving 5 full working days before.
        let m = |d, l| UpcomingMeeting::new(MeetingId::new(), d, l, &cal, 5).unwrap();
        let tue_10 = m(date!(2026 - 03 - 10), here);
        let tue_17 = m(date!(2026 - 03 - 17), here);
        let elsewhere = m(date!(2026 - 03 - 12), there);
        assert_eq!(tue_10.submission_deadline, date!(2026 - 03 - 02));
        let meetings = [tue_17, elsewhere, tue_10];
        assert_eq!(
            propose_meeting(&meetings, here, date!(2026 - 03 - 02)),
            Some(&tue_10),
            "deadline day is in time"
        );
        assert_eq!(propose_meeting(&meetings, here, date!(2026 - 03 - 03)), Some(&tue_17));
        assert_eq!(propose_meeting(&meetings, here, date!(2026 - 03 - 11)), None);
    }

    #[test]
    fn a_submission_deadline_skips_the_easter_bank_holidays() {
        // Thursday 9 April 2026; Good Friday 3 April and Easter Monday 6 April are not counted.
        let cal = Calendar::england_and_wales();
        assert_eq!(submission_deadline(&cal, date!(2026 - 04 - 09), 5), Ok(date!(2026 - 03 - 30)));
    }

    // ---- Properties ---------------------------------------------------------------------

    #[derive(Debug, Clone)]
    enum Op {
        Submit,
        SignOff { complete: bool },
        Escalate,
        Acknowledge,
        Accept { consent: usize },
        Return { blank: bool },
        Redirect,
        Withdraw { blank: bool },
        Close,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            Just(Op::Submit),
            any::<bool>().prop_map(|complete| Op::SignOff { complete }),
            Just(Op::Escalate),
            Just(Op::Acknowledge),
            (0usize..5).prop_map(|consent| Op::Accept { consent }),
            (0usize..5).prop_map(|consent| Op::Accept { consent }),
            any::<bool>().prop_map(|blank| Op::Return { blank }),
            Just(Op::Redirect),
            any::<bool>().prop_map(|blank| Op::Withdraw { blank }),
            Just(Op::Close),
        ]
    }

    fn route() -> impl Strategy<Value = Route> {
        proptest::sample::select(Route::ALL.to_vec())
    }

    /// The consent standings a chair might meet: only the first allows a panel.
    fn standings() -> [ConsentStanding; 5] {
        [
            consented(),
            ConsentStanding::default(),
            ConsentStanding {
                early_help_referral: true,
                ..ConsentStanding::default()
            },
            ConsentStanding {
                withdrawn_on: Some(date!(2026 - 02 - 01)),
                ..ConsentStanding::default()
            },
            ConsentStanding {
                review_due: Some(date!(2026 - 02 - 01)),
                review_overdue: true,
                ..ConsentStanding::default()
            },
        ]
    }

    struct Run {
        states: Vec<Referral>,
        history: Vec<HistoryEntry>,
        accepted_with: Vec<ConsentStanding>,
        successes: usize,
    }

    fn run(route: Route, urgent: bool, ops: &[Op]) -> Run {
        let standings = standings();
        let complete = everything();
        let partial: BTreeSet<ChecklistItem> = BTreeSet::new();
        let mut r = Referral::draft(facts(route, urgent));
        let mut out = Run {
            states: vec![r.clone()],
            history: Vec::new(),
            accepted_with: Vec::new(),
            successes: 0,
        };
        for (i, op) in ops.iter().enumerate() {
            let event = match op {
                Op::Submit => ReferralEvent::Submit,
                Op::SignOff { complete: true } => ReferralEvent::SignOff { completed: &complete },
                Op::SignOff { complete: false } => ReferralEvent::SignOff { completed: &partial },
                Op::Escalate => ReferralEvent::Escalate,
                Op::Acknowledge => ReferralEvent::Acknowledge,
                Op::Accept { consent } => ReferralEvent::Accept {
                    slot: PanelSlot::Meeting(MeetingId::new()),
                    consent: &standings[*consent],
                },
                Op::Return { blank } => ReferralEvent::Return {
                    reason: if *blank { "" } else { "Missing school" },
                },
                Op::Redirect => ReferralEvent::Redirect {
                    to: RedirectTarget::Mash,
                    note: "",
                },
                Op::Withdraw { blank } => ReferralEvent::Withdraw {
                    reason: if *blank { " " } else { "Family declined" },
                },
                Op::Close => ReferralEvent::Close,
            };
            let at = AT + Duration::minutes(i64::try_from(i).unwrap_or(0));
            if let Ok((next, entry)) = r.apply(event, at, UserId::new()) {
                if let ReferralEvent::Accept { consent, .. } = event {
                    out.accepted_with.push(consent.clone());
                }
                out.history.push(entry);
                out.successes += 1;
                r = next;
                out.states.push(r.clone());
            }
        }
        out
    }

    proptest! {
        #[test]
        fn no_sequence_of_events_reaches_a_panel_without_consent(route in route(), urgent in any::<bool>(), ops in proptest::collection::vec(op(), 0..30)) {
            let out = run(route, urgent, &ops);
            prop_assert!(out.accepted_with.iter().all(ConsentStanding::allows_panel));
            for (entry, consent) in out.history.iter().filter(|e| e.event == EventKind::Accept).zip(&out.accepted_with) {
                prop_assert_eq!(entry.to.status(), ReferralStatus::AcceptedForPanel);
                prop_assert!(consent.allows_panel());
            }
        }

        #[test]
        fn an_urgent_referral_never_reaches_a_panel(route in route(), urgent in any::<bool>(), ops in proptest::collection::vec(op(), 0..30)) {
            let out = run(route, urgent, &ops);
            let mut been_to_mash = urgent;
            for r in &out.states {
                been_to_mash |= r.state().status() == ReferralStatus::EscalatedToMash;
                prop_assert_eq!(r.is_urgent(), been_to_mash);
                if been_to_mash {
                    prop_assert_ne!(r.state().status(), ReferralStatus::AcceptedForPanel);
                }
            }
        }

        #[test]
        fn history_has_one_entry_per_successful_transition_and_chains(route in route(), urgent in any::<bool>(), ops in proptest::collection::vec(op(), 0..30)) {
            let out = run(route, urgent, &ops);
            prop_assert_eq!(out.history.len(), out.successes);
            for (entry, pair) in out.history.iter().zip(out.states.windows(2)) {
                prop_assert_eq!(entry.from, pair[0].state().status());
                prop_assert_eq!(&entry.to, pair[1].state());
            }
            prop_assert!(out.history.windows(2).all(|w| w[0].at < w[1].at));
        }

        #[test]
        fn every_reachable_referral_can_be_restored_from_its_parts(route in route(), urgent in any::<bool>(), ops in proptest::collection::vec(op(), 0..30)) {
            let out = run(route, urgent, &ops);
            for r in &out.states {
                prop_assert_eq!(&Referral::restore(r.id(), r.facts(), r.state().clone()).unwrap(), r);
            }
        }

        #[test]
        fn the_proposed_meeting_is_the_earliest_in_the_locality_still_open_for_cases(
            offsets in proptest::collection::vec((0i64..60, any::<bool>()), 0..12),
            today_offset in 0i64..60,
            n in 0u32..8,
        ) {
            let cal = Calendar::england_and_wales();
            let start = date!(2026 - 03 - 02);
            let (here, there) = (LocalityId::new(), LocalityId::new());
            let meetings: Vec<UpcomingMeeting> = offsets
                .iter()
                .map(|&(d, mine)| UpcomingMeeting::new(MeetingId::new(), start + Duration::days(d), if mine { here } else { there }, &cal, n).unwrap())
                .collect();
            let today = start + Duration::days(today_offset);
            let open = |m: &&UpcomingMeeting| m.locality == here && m.submission_deadline >= today;
            match propose_meeting(&meetings, here, today) {
                Some(p) => {
                    prop_assert!(open(&p));
                    prop_assert!(meetings.iter().filter(open).all(|m| m.date >= p.date));
                }
                None => prop_assert!(!meetings.iter().any(|m| open(&m))),
            }
        }
    }
}
