//! Bringing a stuck plan back to panel in one step (seed 001 §12): the lead professional says
//! what is stuck and what they need from the panel, and the case goes onto the next agenda of
//! the panel holding it, with the plan attached. Who may do it is the policy's decision for a
//! stuck-case referral; the store puts it on the agenda (see `store::stuck`).

use super::{Chrome, render};
use crate::AppState;
use crate::error::AppError;
use crate::forms::{CsrfForm, FormErrors};
use crate::session::SignedIn;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::FamilyId;
use domain::referral::{ReferralReason, ReferralReasonError, Route};
use serde::Deserialize;
use store::plans::PlanView;
use store::referrals::ReferralWriteError;
use store::stuck::{BackAtPanel, NextPanel};
use time::Date;

/// What the form sends.
#[derive(Deserialize, Default, Clone)]
pub struct StuckForm {
    #[serde(default)]
    reason: String,
    /// The plan's version when the form was read.
    #[serde(default)]
    version: i64,
    /// The meeting the form said the plan would go to.
    #[serde(default)]
    meeting: String,
}

#[derive(Template)]
#[template(path = "family_plan_panel.html")]
struct StuckPage {
    chrome: Chrome,
    family: FamilyId,
    address_line: String,
    plan: PlanView,
    /// Where it would go today; none when the panel has no meeting still taking cases.
    next: Option<NextPanel>,
    /// The stuck case already open for the plan, if any.
    back: Option<BackAtPanel>,
    errors: FormErrors,
    form: StuckForm,
}

impl StuckPage {
    fn date(&self, d: &Date) -> String {
        super::long_date(*d)
    }
}

async fn stuck_page(
    state: &AppState,
    who: &SignedIn,
    id: FamilyId,
    errors: FormErrors,
    form: Option<StuckForm>,
) -> Result<Response, AppError> {
    state.require_new_referral(&who.principal, id, Route::Stuck, &who.address).await?;
    let view = state.require_family(&who.principal, policy::ViewFamily, id, &who.address).await?;
    let family = state.store.view_family(&view, &who.address).await?.ok_or(AppError::NotFound)?;
    let plan = state
        .store
        .family_plan(&view, &who.address)
        .await?
        .filter(PlanView::is_open)
        .ok_or(AppError::NotFound)?;
    let form = form.unwrap_or_else(|| StuckForm {
        version: plan.version,
        ..StuckForm::default()
    });
    render(&StuckPage {
        chrome: Chrome::signed_in(state, who, "Bring the plan back to panel", "families").with_errors(&errors),
        family: id,
        address_line: family.address_line,
        next: state.store.next_panel_for_plan(id).await?,
        back: state.store.plan_back_at_panel(&view).await?,
        plan,
        errors,
        form,
    })
}

/// The form to bring the plan back to panel, saying where it will go.
pub async fn new_stuck_case(State(state): State<AppState>, who: SignedIn, Path(id): Path<String>) -> Result<Response, AppError> {
    stuck_page(&state, &who, FamilyId::from_path(&id), FormErrors::default(), None).await
}

/// Puts the plan on the next agenda and goes back to it; what cannot be done comes back on the
/// form, with what was typed.
pub async fn bring_back(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<StuckForm>,
) -> Result<Response, AppError> {
    let id = FamilyId::from_path(&id);
    let permit = state.require_new_referral(&who.principal, id, Route::Stuck, &who.address).await?;
    let f = form.value;
    let mut errors = FormErrors::default();
    match ReferralReason::parse(&f.reason) {
        Err(ReferralReasonError::Empty) => errors.add("reason", "Say what is stuck and what you need from the panel"),
        Err(e) => errors.add("reason", e.to_string()),
        Ok(reason) => match state
            .store
            .bring_plan_to_panel(
                &permit,
                &store::stuck::StuckCase {
                    what_is_stuck: &reason,
                    plan_version: f.version,
                    meeting_shown: f.meeting.parse().ok(),
                },
                &who.address,
            )
            .await
        {
            Ok(_) => return Ok(Redirect::to(&format!("/families/{id}/plan?back=yes")).into_response()),
            Err(ReferralWriteError::Input { field, message }) => errors.add(field, message),
            // The family's consent no longer covers discussion at a panel.
            Err(ReferralWriteError::Refused(r)) => errors.add("reason", r.to_string()),
            Err(ReferralWriteError::Stale) => return Err(AppError::Stale("plan")),
            Err(ReferralWriteError::Store(e)) => return Err(e.into()),
        },
    }
    stuck_page(&state, &who, id, errors, Some(f)).await
}
