//! The family's plan: the page that shows it (who leads it, when the Team Around the Family
//! next meets, each need with its baseline and goal) and the form that adds a need. Anyone who
//! may see the family reads its plan; its lead professional and Team Around the Family keep it.

use super::{Chrome, render};
use crate::AppState;
use crate::error::AppError;
use crate::forms::{CsrfForm, FormErrors};
use crate::session::SignedIn;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::plan::{NeedInput, OutcomeArea};
use domain::{FamilyId, PersonId};
use serde::Deserialize;
use store::families::PersonRecord;
use store::plans::{PlanError, PlanView};
use time::Date;

/// What the need form sends.
#[derive(Deserialize, Default, Clone)]
pub struct NeedForm {
    #[serde(default)]
    area: String,
    /// A person's id, or empty for the whole family.
    #[serde(default)]
    concerns: String,
    #[serde(default)]
    baseline: String,
    #[serde(default)]
    goal: String,
}

/// Whether the page follows a need just added.
#[derive(Deserialize, Default)]
pub struct PlanQuery {
    #[serde(default)]
    added: Option<String>,
}

#[derive(Template)]
#[template(path = "family_plan.html")]
struct PlanPage {
    chrome: Chrome,
    family: FamilyId,
    address_line: String,
    postcode: String,
    plan: Option<PlanView>,
    may_record: bool,
    areas: Vec<OutcomeArea>,
    people: Vec<PersonRecord>,
    added: bool,
    errors: FormErrors,
    form: NeedForm,
}

impl PlanPage {
    fn date(&self, d: &Date) -> String {
        super::long_date(*d)
    }
}

async fn plan_page(
    state: &AppState,
    who: &SignedIn,
    id: FamilyId,
    added: bool,
    errors: FormErrors,
    form: NeedForm,
) -> Result<Response, AppError> {
    let (view, facts) = state
        .require_family_with_facts(&who.principal, policy::ViewFamily, id, &who.address)
        .await?;
    let family = state.store.view_family(&view, &who.address).await?.ok_or(AppError::NotFound)?;
    let plan = state.store.family_plan(&view, &who.address).await?;
    let may_record = plan.is_some() && state.authority.decide_family(&who.principal, policy::RecordPlan, &facts).is_ok();
    let areas = if may_record {
        state.store.outcome_areas().await?
    } else {
        Vec::new()
    };
    render(&PlanPage {
        chrome: Chrome::signed_in(state, who, "Family plan", "families").with_errors(&errors),
        family: id,
        address_line: family.address_line,
        postcode: family.postcode,
        plan,
        may_record,
        areas,
        people: family.people,
        added,
        errors,
        form,
    })
}

/// The family's plan, and for those who keep it, the form to add a need.
pub async fn show(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    Query(query): Query<PlanQuery>,
) -> Result<Response, AppError> {
    let added = query.added.as_deref() == Some("yes");
    plan_page(
        &state,
        &who,
        FamilyId::from_path(&id),
        added,
        FormErrors::default(),
        NeedForm::default(),
    )
    .await
}

/// Adds a need to the plan and goes back to it; a need that is not complete comes back with
/// what was typed and every problem.
pub async fn add_need(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<NeedForm>,
) -> Result<Response, AppError> {
    let id = FamilyId::from_path(&id);
    let permit = state.require_family(&who.principal, policy::RecordPlan, id, &who.address).await?;
    let f = form.value;
    let mut errors = FormErrors::default();
    let concerns = match f.concerns.as_str() {
        "" => None,
        raw => match raw.parse::<PersonId>() {
            Ok(p) => Some(p),
            Err(_) => {
                errors.add("concerns", "Select a member of the family, or the whole family");
                None
            }
        },
    };
    if errors.is_empty() {
        let input = NeedInput {
            area: &f.area,
            concerns,
            baseline: &f.baseline,
            goal: &f.goal,
        };
        match state.store.add_need(&permit, &input, &who.address).await {
            Ok(_) => return Ok(Redirect::to(&format!("/families/{id}/plan?added=yes#needs")).into_response()),
            Err(PlanError::Input(problems)) => {
                for p in problems {
                    errors.add(p.field, p.message);
                }
            }
            Err(PlanError::NoOpenPlan) => return Err(AppError::NotFound),
            Err(PlanError::Store(e)) => return Err(e.into()),
        }
    }
    plan_page(&state, &who, id, false, errors, f).await
}
