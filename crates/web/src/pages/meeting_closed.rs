//! The closed part of a meeting, case by case: the families the reader may see, what each
//! agency brought, and for the chair the decision form and the actions agreed.
//!
//! It opens only after the reader has signed the meeting's confidentiality declaration
//! (`ViewClosedSession`), and each family is still asked of the policy (`ViewFamily`), so a
//! family whose consent excludes the reader's organisation is not in it.

use super::meetings::{back, errors_from};
use super::{Chrome, long_date, render, short_time};
use crate::AppState;
use crate::error::AppError;
use crate::forms::{CsrfForm, FormErrors};
use crate::session::SignedIn;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use domain::decision::{AgreedAction, Decision, DecisionInput, Outcome};
use domain::meeting::DeadlineRules;
use domain::{MeetingId, OrganisationId, UserId};
use policy::{MeetingFacts, Permit, ViewClosedSession};
use serde::Deserialize;
use store::meeting_records::{ActionRecord, DecisionRecord, PossibleOwner};
use store::meetings::{AgendaCase, AgendaItemId, MeetingRecord};
use time::Date;

/// What the decision and action forms send.
#[derive(Deserialize, Default, Clone)]
pub struct DecisionForm {
    #[serde(default)]
    pub(crate) outcome: String,
    #[serde(default)]
    pub(crate) reasons: String,
    #[serde(default)]
    pub(crate) lead_organisation: String,
    #[serde(default)]
    pub(crate) lead_professional: String,
    #[serde(default)]
    pub(crate) first_taf_by: String,
    #[serde(default)]
    pub(crate) service: String,
    #[serde(default)]
    pub(crate) review_at: String,
    #[serde(default)]
    pub(crate) action_description: String,
    #[serde(default)]
    pub(crate) action_owner: String,
    #[serde(default)]
    pub(crate) action_due_on: String,
    /// The page the form was posted from ([`Back`]).
    #[serde(default)]
    pub(crate) back: String,
}

/// Where a decision or action form was posted from, so the chair returns there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Back {
    /// The closed part, every case on one page.
    Closed,
    /// The live view, one case at a time.
    Live,
}

impl Back {
    fn from_form(raw: &str) -> Self {
        if raw == "live" { Self::Live } else { Self::Closed }
    }
    /// The value of the form's hidden `back` field.
    pub fn code(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::Live => "live",
        }
    }
}

/// What the closed part and the live view show of each case, and the chair's forms for it:
/// shared so the two pages cannot drift apart (`meeting_case.html` renders one case of it).
pub struct CaseSheet {
    /// The meeting.
    pub meeting: MeetingRecord,
    /// Decisions recorded so far.
    pub decisions: Vec<DecisionRecord>,
    /// Actions agreed so far.
    pub actions: Vec<ActionRecord>,
    /// Whether the reader records decisions (the chair), and so sees the forms.
    pub may_decide: bool,
    /// Who may own an action or lead, for the forms.
    pub owners: Vec<PossibleOwner>,
    /// Their organisations, for the lead-agency choice.
    pub organisations: Vec<(OrganisationId, String)>,
    /// Later meetings a case can be reviewed at.
    pub reviews: Vec<(MeetingId, Date)>,
    /// Every outcome, in the order the form offers them.
    pub outcomes: [Outcome; 7],
    /// What was wrong with the last form sent.
    pub errors: FormErrors,
    /// The case whose form failed, and what was entered (kept, never lost).
    pub failed: Option<(AgendaItemId, DecisionForm)>,
    /// Today, for ages and overdue actions.
    pub today: Date,
    /// The panel's deadline rules (the step-up clock).
    pub rules: DeadlineRules,
    /// Which page the forms return to.
    pub back: Back,
}

impl CaseSheet {
    /// A date as the page writes it.
    pub fn date(&self, d: &Date) -> String {
        format!("{} {}", d.weekday(), long_date(*d))
    }
    /// The decision on one case, if recorded.
    pub fn decision_for(&self, item: &AgendaItemId) -> Option<&DecisionRecord> {
        self.decisions.iter().find(|d| d.item == *item)
    }
    /// The actions agreed on one case.
    pub fn actions_for(&self, item: &AgendaItemId) -> Vec<&ActionRecord> {
        self.actions.iter().filter(|a| a.item.as_ref() == Some(item)).collect()
    }
    /// What a case's form holds: what was entered if it failed, else nothing.
    pub fn form_for(&self, item: &AgendaItemId) -> DecisionForm {
        match &self.failed {
            Some((i, f)) if i == item => f.clone(),
            _ => DecisionForm::default(),
        }
    }
    /// The error for one field of one case's form.
    pub fn error(&self, item: &AgendaItemId, field: &str) -> Option<&str> {
        match &self.failed {
            Some((i, _)) if i == item => self.errors.get(field),
            _ => None,
        }
    }
    /// A field's id: the plain name on the case whose form failed (where the error summary
    /// links), made unique with the item elsewhere.
    pub fn fid(&self, item: &AgendaItemId, field: &str) -> String {
        match &self.failed {
            Some((i, _)) if i == item => field.to_owned(),
            _ => format!("{field}-{item}"),
        }
    }
    /// Whether an action is past its due date and not done.
    pub fn overdue(&self, a: &ActionRecord) -> bool {
        domain::decision::is_overdue(a.status, a.due_on, self.today)
    }
    /// A child's age today.
    pub fn age(&self, dob: &Date) -> String {
        domain::family::age_on(*dob, self.today).map_or_else(String::new, |a| a.to_string())
    }
    /// A time as the page writes it.
    pub fn time(&self, t: &time::Time) -> String {
        short_time(*t)
    }
    /// How the meeting speaks of a case: its anonymous name, or the family's address.
    pub fn name(&self, case: &AgendaCase) -> String {
        case_name(case)
    }
    /// For a step-up, when children's social care must have it: the panel's hours from the
    /// decision (seed 004: 24).
    pub fn step_up_due(&self, d: &DecisionRecord) -> Option<String> {
        (d.outcome == Outcome::EscalateToMash).then(|| domain::clock::london_moment(self.rules.step_up_due(d.decided.1)))
    }
}

/// How the meeting speaks of a case: "Family A" when discussed anonymously, else its address.
pub fn case_name(case: &AgendaCase) -> String {
    match &case.anonymous {
        Some(label) => label.clone(),
        None => format!("Family at {}", case.address),
    }
}

#[derive(Template)]
#[template(path = "meeting_closed.html")]
struct ClosedPage {
    chrome: Chrome,
    sheet: CaseSheet,
    cases: Vec<AgendaCase>,
}

/// The closed part as `who` may see it: the cases whose families the policy lets them see,
/// with the chair's forms when they record decisions. Shared with the live view.
pub async fn case_sheet(
    state: &AppState,
    who: &SignedIn,
    id: MeetingId,
    errors: FormErrors,
    failed: Option<(AgendaItemId, DecisionForm)>,
    back: Back,
) -> Result<(CaseSheet, Vec<AgendaCase>, Permit<ViewClosedSession>, MeetingFacts), AppError> {
    let (permit, facts) = state
        .require_meeting(&who.principal, policy::ViewClosedSession, id, &who.address)
        .await?;
    let view = state.authority.decide_meeting(&who.principal, policy::ViewMeeting, &facts)?;
    let meeting = state.store.meeting(&view).await?.ok_or(AppError::NotFound)?;
    let session = state.store.closed_session(&permit, &who.address).await?;
    let cases: Vec<AgendaCase> = session
        .cases
        .into_iter()
        .filter(|c| state.authority.decide_family(&who.principal, policy::ViewFamily, &c.facts).is_ok())
        .collect();
    let may_decide = state
        .authority
        .decide_meeting(&who.principal, policy::RecordDecision, &facts)
        .is_ok();
    let owners = if may_decide {
        state.store.possible_owners(id, None).await?
    } else {
        Vec::new()
    };
    let mut organisations: Vec<(OrganisationId, String)> = owners.iter().map(|o| (o.organisation_id, o.organisation.clone())).collect();
    organisations.dedup();
    let reviews = if may_decide {
        state.store.review_meetings(id).await?
    } else {
        Vec::new()
    };
    let sheet = CaseSheet {
        today: state.store.clock().today(),
        meeting,
        decisions: session.decisions,
        actions: session.actions,
        may_decide,
        owners,
        organisations,
        reviews,
        outcomes: Outcome::ALL,
        errors,
        failed,
        rules: session.rules,
        back,
    };
    Ok((sheet, cases, permit, facts))
}

async fn closed_page(
    state: &AppState,
    who: &SignedIn,
    id: MeetingId,
    errors: FormErrors,
    failed: Option<(AgendaItemId, DecisionForm)>,
) -> Result<Response, AppError> {
    let (sheet, cases, _, _) = case_sheet(state, who, id, errors, failed, Back::Closed).await?;
    render(&ClosedPage {
        chrome: Chrome::signed_in(state, who, format!("Closed part — {}", sheet.meeting.panel_name), "meetings").with_errors(&sheet.errors),
        sheet,
        cases,
    })
}

/// Shows the page a decision or action form came from again, with what went wrong.
async fn page_again(
    state: &AppState,
    who: &SignedIn,
    id: MeetingId,
    errors: FormErrors,
    failed: (AgendaItemId, DecisionForm),
) -> Result<Response, AppError> {
    match Back::from_form(&failed.1.back) {
        Back::Closed => closed_page(state, who, id, errors, Some(failed)).await,
        Back::Live => super::meeting_live::live_page(state, who, id, Some(failed.0), errors, Some(failed)).await,
    }
}

/// Where the chair goes once a decision or action is recorded.
fn after(id: MeetingId, item: AgendaItemId, form: &DecisionForm) -> Response {
    match Back::from_form(&form.back) {
        Back::Closed => back(id, &format!("/closed#case-{item}")),
        Back::Live => back(id, &format!("/live?item={item}#case")),
    }
}

/// The closed part of one meeting.
pub async fn show(State(state): State<AppState>, who: SignedIn, Path(id): Path<String>) -> Result<Response, AppError> {
    closed_page(&state, &who, MeetingId::from_path(&id), FormErrors::default(), None).await
}

fn optional_date(errors: &mut FormErrors, field: &'static str, raw: &str, what: &str) -> Option<Date> {
    if raw.trim().is_empty() {
        None
    } else {
        errors.check(field, super::organisations::parse_date(raw, what))
    }
}

/// Records the panel's decision on one case.
pub async fn decide(
    State(state): State<AppState>,
    who: SignedIn,
    Path((id, item)): Path<(String, String)>,
    form: CsrfForm<DecisionForm>,
) -> Result<Response, AppError> {
    let id = MeetingId::from_path(&id);
    let item = AgendaItemId::from_path(&item);
    let (permit, facts) = state
        .require_meeting(&who.principal, policy::RecordDecision, id, &who.address)
        .await?;
    let view = state.authority.decide_meeting(&who.principal, policy::ViewMeeting, &facts)?;
    let meeting = state.store.meeting(&view).await?.ok_or(AppError::NotFound)?;
    let f = form.value;
    let mut errors = FormErrors::default();
    let first_taf_by = optional_date(
        &mut errors,
        "first_taf_by",
        &f.first_taf_by,
        "the date of the first Team Around the Family meeting",
    );
    let input = DecisionInput {
        outcome: &f.outcome,
        reasons: &f.reasons,
        lead_organisation: f.lead_organisation.parse().ok(),
        lead_professional: f.lead_professional.parse::<UserId>().ok(),
        first_taf_by,
        service: &f.service,
        review_at: f.review_at.parse().ok(),
    };
    match Decision::parse(&input, meeting.date) {
        Ok(decision) if errors.is_empty() => match state.store.record_decision(&permit, item, &decision, &who.address).await {
            Ok(()) => return Ok(after(id, item, &f)),
            Err(e) => errors_from(&mut errors, e, "outcome")?,
        },
        Ok(_) => {}
        Err(problems) => {
            for p in problems {
                errors.add(p.field, p.message);
            }
        }
    }
    page_again(&state, &who, id, errors, (item, f)).await
}

/// Records an action agreed on one case.
pub async fn add_action(
    State(state): State<AppState>,
    who: SignedIn,
    Path((id, item)): Path<(String, String)>,
    form: CsrfForm<DecisionForm>,
) -> Result<Response, AppError> {
    let id = MeetingId::from_path(&id);
    let item = AgendaItemId::from_path(&item);
    let (permit, facts) = state
        .require_meeting(&who.principal, policy::RecordDecision, id, &who.address)
        .await?;
    let view = state.authority.decide_meeting(&who.principal, policy::ViewMeeting, &facts)?;
    let meeting = state.store.meeting(&view).await?.ok_or(AppError::NotFound)?;
    let f = form.value;
    let mut errors = FormErrors::default();
    let due = optional_date(&mut errors, "action_due_on", &f.action_due_on, "the date the action is due");
    if errors.is_empty() {
        match AgreedAction::parse(&f.action_description, f.action_owner.parse::<UserId>().ok(), due, meeting.date) {
            Ok(action) => match state.store.add_action(&permit, item, &action, &who.address).await {
                Ok(()) => return Ok(after(id, item, &f)),
                Err(e) => errors_from(&mut errors, e, "action_description")?,
            },
            Err(problems) => {
                for p in problems {
                    errors.add(p.field, p.message);
                }
            }
        }
    }
    page_again(&state, &who, id, errors, (item, f)).await
}
