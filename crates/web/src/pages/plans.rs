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
use domain::plan::{NeedInput, OutcomeArea, Progress, ReviewInput};
use domain::{FamilyId, NeedId, PersonId};
use serde::Deserialize;
use store::families::PersonRecord;
use store::plans::{PlanError, PlanView, ReviewError};
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

/// Whether the page follows a need just added or a review just recorded.
#[derive(Deserialize, Default)]
pub struct PlanQuery {
    #[serde(default)]
    added: Option<String>,
    #[serde(default)]
    reviewed: Option<String>,
}

/// What the review form sends, besides one `progress-<need>` field per need.
#[derive(Deserialize, Default, Clone)]
pub struct ReviewForm {
    #[serde(default)]
    held_on: String,
    #[serde(default)]
    parents_words: String,
    #[serde(default)]
    child_words: String,
    #[serde(default)]
    changes: String,
    #[serde(default)]
    next_on: String,
    /// How many reviews the plan had when the form was read.
    #[serde(default)]
    reviews_seen: i64,
    /// The progress chosen for each need, from the `progress-<need>` fields.
    #[serde(skip)]
    progress: Vec<(NeedId, String)>,
}

impl ReviewForm {
    /// The progress chosen for a need, or "" for none.
    fn chosen(&self, need: &NeedId) -> &str {
        self.progress.iter().find(|(n, _)| n == need).map_or("", |(_, p)| p.as_str())
    }
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
    /// The banner to show: a need added or a review recorded.
    banner: Option<&'static str>,
    errors: FormErrors,
    form: NeedForm,
}

impl PlanPage {
    fn date(&self, d: &Date) -> String {
        super::long_date(*d)
    }
    /// A need's headline: its area and who it concerns.
    fn need_title(&self, need: &NeedId) -> String {
        need_title(self.plan.as_ref(), need)
    }
}

/// A need's headline ("Getting a good education — Sam Example"), for the reviews that judged it.
fn need_title(plan: Option<&PlanView>, need: &NeedId) -> String {
    plan.and_then(|p| p.needs.iter().find(|n| n.id == *need))
        .map_or_else(String::new, |n| match &n.concerns {
            Some(who) => format!("{} — {who}", n.area),
            None => format!("{} — the whole family", n.area),
        })
}

#[derive(Template)]
#[template(path = "family_plan_review.html")]
struct ReviewPage {
    chrome: Chrome,
    family: FamilyId,
    address_line: String,
    plan: PlanView,
    errors: FormErrors,
    /// The needs whose progress is missing.
    missing: Vec<NeedId>,
    form: ReviewForm,
    progress: [Progress; 5],
}

impl ReviewPage {
    fn date(&self, d: &Date) -> String {
        super::long_date(*d)
    }
    fn form_date(&self, d: &Date) -> String {
        format!("{}/{}/{}", d.day(), u8::from(d.month()), d.year())
    }
    fn is_missing(&self, need: &NeedId) -> bool {
        self.missing.contains(need)
    }
    /// Whether this is the first need whose progress is missing: its first radio takes the id
    /// the error summary links to.
    fn first_missing(&self, need: &NeedId) -> bool {
        self.missing.first() == Some(need)
    }
}

async fn plan_page(
    state: &AppState,
    who: &SignedIn,
    id: FamilyId,
    banner: Option<&'static str>,
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
        banner,
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
    let banner = if query.added.as_deref() == Some("yes") {
        Some("The need is added to the plan")
    } else if query.reviewed.as_deref() == Some("yes") {
        Some("The review is recorded")
    } else {
        None
    };
    plan_page(
        &state,
        &who,
        FamilyId::from_path(&id),
        banner,
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
    plan_page(&state, &who, id, None, errors, f).await
}

async fn review_page(
    state: &AppState,
    who: &SignedIn,
    id: FamilyId,
    errors: FormErrors,
    missing: Vec<NeedId>,
    form: Option<ReviewForm>,
) -> Result<Response, AppError> {
    state.require_family(&who.principal, policy::RecordPlan, id, &who.address).await?;
    let view = state.require_family(&who.principal, policy::ViewFamily, id, &who.address).await?;
    let family = state.store.view_family(&view, &who.address).await?.ok_or(AppError::NotFound)?;
    let plan = state.store.family_plan(&view, &who.address).await?.ok_or(AppError::NotFound)?;
    // A fresh form offers the date due and counts the reviews just read; one sent back keeps
    // what was typed and the count it was filled in against.
    let form = form.unwrap_or_else(|| ReviewForm {
        held_on: String::new(),
        reviews_seen: i64::try_from(plan.reviews.len()).unwrap_or(i64::MAX),
        ..ReviewForm::default()
    });
    render(&ReviewPage {
        chrome: Chrome::signed_in(state, who, "Record a review", "families").with_errors(&errors),
        family: id,
        address_line: family.address_line,
        plan,
        errors,
        missing,
        form,
        progress: Progress::ALL,
    })
}

/// The form to record a Team Around the Family review of the plan.
pub async fn new_review(State(state): State<AppState>, who: SignedIn, Path(id): Path<String>) -> Result<Response, AppError> {
    review_page(&state, &who, FamilyId::from_path(&id), FormErrors::default(), Vec::new(), None).await
}

/// Records the review and goes back to the plan; a review that is not complete comes back
/// with what was typed and every problem.
pub async fn record_review(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<ReviewForm>,
) -> Result<Response, AppError> {
    let id = FamilyId::from_path(&id);
    let permit = state.require_family(&who.principal, policy::RecordPlan, id, &who.address).await?;
    let mut f = form.value;
    f.progress = form
        .pairs
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("progress-").and_then(|n| n.parse().ok()).map(|n| (n, v.clone())))
        .collect();
    let mut errors = FormErrors::default();
    // An empty date is the domain's to report, with every other problem of the review.
    let held_on = match f.held_on.trim() {
        "" => None,
        raw => errors.check(
            "held_on",
            super::organisations::parse_date(raw, "the date the Team Around the Family met"),
        ),
    };
    let next_on = match f.next_on.trim() {
        "" => None,
        raw => errors.check("next_on", super::organisations::parse_date(raw, "the date of the next review")),
    };
    let mut missing = Vec::new();
    if errors.is_empty() {
        let input = ReviewInput {
            held_on,
            progress: f.progress.iter().map(|(n, p)| (*n, p.as_str())).collect(),
            parents_words: &f.parents_words,
            child_words: &f.child_words,
            changes: &f.changes,
            next_on,
        };
        match state.store.record_review(&permit, &input, f.reviews_seen, &who.address).await {
            Ok(()) => return Ok(Redirect::to(&format!("/families/{id}/plan?reviewed=yes#reviews")).into_response()),
            Err(ReviewError::Input(problems)) => {
                for p in problems {
                    match p.need {
                        Some(need) => {
                            if missing.is_empty() {
                                errors.add(p.field, p.message);
                            }
                            missing.push(need);
                        }
                        None => errors.add(p.field, p.message),
                    }
                }
            }
            Err(ReviewError::Stale) => return Err(AppError::Stale("plan")),
            Err(ReviewError::NoOpenPlan) => return Err(AppError::NotFound),
            Err(ReviewError::Store(e)) => return Err(e.into()),
        }
    }
    review_page(&state, &who, id, errors, missing, Some(f)).await
}
