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
use domain::{MeetingId, OrganisationId, UserId};
use serde::Deserialize;
use store::meeting_records::{ActionRecord, DecisionRecord, PossibleOwner};
use store::meetings::{AgendaCase, AgendaItemId, MeetingRecord};
use time::Date;

/// What the decision and action forms send.
#[derive(Deserialize, Default, Clone)]
pub struct DecisionForm {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    reasons: String,
    #[serde(default)]
    lead_organisation: String,
    #[serde(default)]
    lead_professional: String,
    #[serde(default)]
    first_taf_by: String,
    #[serde(default)]
    service: String,
    #[serde(default)]
    review_at: String,
    #[serde(default)]
    action_description: String,
    #[serde(default)]
    action_owner: String,
    #[serde(default)]
    action_due_on: String,
}

#[derive(Template)]
#[template(path = "meeting_closed.html")]
struct ClosedPage {
    chrome: Chrome,
    meeting: MeetingRecord,
    cases: Vec<AgendaCase>,
    decisions: Vec<DecisionRecord>,
    actions: Vec<ActionRecord>,
    may_decide: bool,
    owners: Vec<PossibleOwner>,
    organisations: Vec<(OrganisationId, String)>,
    reviews: Vec<(MeetingId, Date)>,
    outcomes: [Outcome; 7],
    errors: FormErrors,
    failed: Option<(AgendaItemId, DecisionForm)>,
    today: Date,
}

impl ClosedPage {
    fn date(&self, d: &Date) -> String {
        format!("{} {}", d.weekday(), long_date(*d))
    }
    fn decision_for(&self, item: &AgendaItemId) -> Option<&DecisionRecord> {
        self.decisions.iter().find(|d| d.item == *item)
    }
    fn actions_for(&self, item: &AgendaItemId) -> Vec<&ActionRecord> {
        self.actions.iter().filter(|a| a.item.as_ref() == Some(item)).collect()
    }
    fn form_for(&self, item: &AgendaItemId) -> DecisionForm {
        match &self.failed {
            Some((i, f)) if i == item => f.clone(),
            _ => DecisionForm::default(),
        }
    }
    fn error(&self, item: &AgendaItemId, field: &str) -> Option<&str> {
        match &self.failed {
            Some((i, _)) if i == item => self.errors.get(field),
            _ => None,
        }
    }
    /// A field's id: the plain name on the case whose form failed (where the error summary
    /// links), made unique with the item elsewhere.
    fn fid(&self, item: &AgendaItemId, field: &str) -> String {
        match &self.failed {
            Some((i, _)) if i == item => field.to_owned(),
            _ => format!("{field}-{item}"),
        }
    }
    fn overdue(&self, a: &ActionRecord) -> bool {
        domain::decision::is_overdue(a.status, a.due_on, self.today)
    }
    fn age(&self, dob: &Date) -> String {
        domain::family::age_on(*dob, self.today).map_or_else(String::new, |a| a.to_string())
    }
    fn time(&self, t: &time::Time) -> String {
        short_time(*t)
    }
}

async fn closed_page(
    state: &AppState,
    who: &SignedIn,
    id: MeetingId,
    errors: FormErrors,
    failed: Option<(AgendaItemId, DecisionForm)>,
) -> Result<Response, AppError> {
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
    render(&ClosedPage {
        chrome: Chrome::signed_in(state, who, format!("Closed part — {}", meeting.panel_name), "meetings").with_errors(&errors),
        today: state.store.clock().today(),
        meeting,
        cases,
        decisions: session.decisions,
        actions: session.actions,
        may_decide,
        owners,
        organisations,
        reviews,
        outcomes: Outcome::ALL,
        errors,
        failed,
    })
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
            Ok(()) => return Ok(back(id, &format!("/closed#case-{item}"))),
            Err(e) => errors_from(&mut errors, e, "outcome")?,
        },
        Ok(_) => {}
        Err(problems) => {
            for p in problems {
                errors.add(p.field, p.message);
            }
        }
    }
    closed_page(&state, &who, id, errors, Some((item, f))).await
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
                Ok(()) => return Ok(back(id, &format!("/closed#case-{item}"))),
                Err(e) => errors_from(&mut errors, e, "action_description")?,
            },
            Err(problems) => {
                for p in problems {
                    errors.add(p.field, p.message);
                }
            }
        }
    }
    closed_page(&state, &who, id, errors, Some((item, f))).await
}
