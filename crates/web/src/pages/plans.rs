//! The family's plan: the page that shows it (who leads it, when the Team Around the Family
//! next meets, each need with its baseline and goal), the forms that add a need, record a
//! review, close the plan and, months later, confirm that progress held. Anyone who may see
//! the family reads its plan; its lead professional and Team Around the Family keep it.

use super::{Chrome, render};
use crate::AppState;
use crate::error::AppError;
use crate::forms::{CsrfForm, FormErrors};
use crate::session::SignedIn;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::plan::{NeedInput, OutcomeArea, PlanProblem, Progress, ReviewInput};
use domain::plan_closure::{ClosureInput, ClosureReason, SustainInput};
use domain::{AgreedActionId, FamilyId, NeedId, PersonId};
use serde::Deserialize;
use store::families::PersonRecord;
use store::plan_actions::{LinkActionError, PlanAction};
use store::plans::{PlanChangeError, PlanError, PlanView};
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
    #[serde(default)]
    closed: Option<String>,
    #[serde(default)]
    checked: Option<String>,
    #[serde(default)]
    interval: Option<String>,
    #[serde(default)]
    back: Option<String>,
    #[serde(default)]
    linked: Option<String>,
}

/// What the print form asks: whether the child's own words go in the family's copy.
#[derive(Deserialize, Default)]
pub struct PrintQuery {
    #[serde(default)]
    child_words: Option<String>,
}

/// What the form linking an agreed action to a need sends.
#[derive(Deserialize, Default, Clone)]
pub struct LinkActionForm {
    #[serde(default)]
    action: String,
    /// A need's id, or empty for none.
    #[serde(default)]
    need: String,
}

/// What the review-interval form sends.
#[derive(Deserialize, Default, Clone)]
pub struct IntervalForm {
    #[serde(default)]
    review_weeks: String,
    /// The plan's version when the form was read.
    #[serde(default)]
    version: i64,
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
    /// Whether the reader may bring the open plan back to panel as a stuck case.
    may_bring_back: bool,
    /// The stuck case open for the plan, if it is back at panel.
    back: Option<store::stuck::BackAtPanel>,
    /// The actions agreed for the family since the plan opened.
    actions: Vec<PlanAction>,
    areas: Vec<OutcomeArea>,
    people: Vec<PersonRecord>,
    /// The banner to show: a need added or a review recorded.
    banner: Option<&'static str>,
    errors: FormErrors,
    form: NeedForm,
    /// The review interval as typed, when the form came back with a problem.
    review_weeks: Option<String>,
    today: Date,
}

impl PlanPage {
    fn date(&self, d: &Date) -> String {
        super::long_date(*d)
    }
    /// Whether the reader may record the check that progress held, now.
    fn may_check(&self) -> bool {
        self.may_record
            && self
                .plan
                .as_ref()
                .and_then(|p| p.closure.as_ref())
                .is_some_and(|c| c.sustain_check_due(self.today))
    }
    /// A need's headline: its area and who it concerns.
    fn need_title(&self, need: &NeedId) -> String {
        need_title(self.plan.as_ref(), need)
    }
    /// The actions linked to a need.
    fn actions_for(&self, need: &NeedId) -> Vec<&PlanAction> {
        self.actions.iter().filter(|a| a.need.as_ref() == Some(need)).collect()
    }
    /// The actions linked to no need yet.
    fn unlinked(&self) -> Vec<&PlanAction> {
        self.actions.iter().filter(|a| a.need.is_none()).collect()
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
    missing: Missing,
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
}

async fn plan_page(
    state: &AppState,
    who: &SignedIn,
    id: FamilyId,
    banner: Option<&'static str>,
    errors: FormErrors,
    form: NeedForm,
    review_weeks: Option<String>,
) -> Result<Response, AppError> {
    let (view, facts) = state
        .require_family_with_facts(&who.principal, policy::ViewFamily, id, &who.address)
        .await?;
    let family = state.store.view_family(&view, &who.address).await?.ok_or(AppError::NotFound)?;
    let plan = state.store.family_plan(&view, &who.address).await?;
    let may_record = plan.is_some() && state.authority.decide_family(&who.principal, policy::RecordPlan, &facts).is_ok();
    let open = plan.as_ref().is_some_and(PlanView::is_open);
    let may_bring_back = open
        && state
            .authority
            .decide_new_referral(&who.principal, &facts, domain::referral::Route::Stuck)
            .is_ok();
    let back = if open { state.store.plan_back_at_panel(&view).await? } else { None };
    let actions = match &plan {
        Some(p) => actions_shown(state, who, state.store.plan_actions(&view, p.id).await?).await?,
        None => Vec::new(),
    };
    let areas = if may_record && open {
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
        may_bring_back,
        back,
        actions,
        areas,
        people: family.people,
        banner,
        errors,
        form,
        review_weeks,
        today: state.store.clock().today(),
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
    } else if query.closed.as_deref() == Some("yes") {
        Some("The plan is closed")
    } else if query.checked.as_deref() == Some("yes") {
        Some("The check that progress held is recorded")
    } else if query.interval.as_deref() == Some("yes") {
        Some("The review interval is changed")
    } else if query.linked.as_deref() == Some("yes") {
        Some("The action is linked to the need")
    } else if query.back.as_deref() == Some("yes") {
        Some("The plan is on the panel’s next agenda")
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
        None,
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
    plan_page(&state, &who, id, None, errors, f, None).await
}

/// The plan's actions the reader may see: each is the meeting's own, so the policy's
/// `ViewAgreedAction` decides, action by action (its owner, the panel's chairs and business
/// support), exactly as on the Actions page.
async fn actions_shown(state: &AppState, who: &SignedIn, actions: Vec<PlanAction>) -> Result<Vec<PlanAction>, AppError> {
    let mut shown = Vec::with_capacity(actions.len());
    for a in actions {
        let facts = state.store.agreed_action_facts(&who.principal, a.id).await?;
        if facts.is_some_and(|f| {
            state
                .authority
                .decide_agreed_action(&who.principal, policy::ViewAgreedAction, &f)
                .is_ok()
        }) {
            shown.push(a);
        }
    }
    Ok(shown)
}

/// Links an action agreed for the family to one of its plan's needs (or to none) and goes
/// back to the plan.
pub async fn link_action(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<LinkActionForm>,
) -> Result<Response, AppError> {
    let id = FamilyId::from_path(&id);
    let permit = state.require_family(&who.principal, policy::RecordPlan, id, &who.address).await?;
    let f = form.value;
    let action = f.action.parse::<AgreedActionId>().map_err(|_| AppError::NotFound)?;
    let need = match f.need.as_str() {
        "" => None,
        raw => Some(raw.parse::<NeedId>().map_err(|_| AppError::NotFound)?),
    };
    match state.store.link_action_to_need(&permit, action, need, &who.address).await {
        Ok(()) => Ok(Redirect::to(&format!("/families/{id}/plan?linked=yes#actions")).into_response()),
        // The plan closed, or the need or action left it, since the page was read.
        Err(LinkActionError::NotOnPlan) => Err(AppError::Stale("plan")),
        Err(LinkActionError::Store(e)) => Err(e.into()),
    }
}

/// For the forms that keep a plan: the family's address line and its plan, once the policy
/// has said the reader keeps it (and so may see the family).
async fn plan_to_keep(state: &AppState, who: &SignedIn, id: FamilyId) -> Result<(String, Option<PlanView>), AppError> {
    state.require_family(&who.principal, policy::RecordPlan, id, &who.address).await?;
    let view = state.require_family(&who.principal, policy::ViewFamily, id, &who.address).await?;
    let family = state.store.view_family(&view, &who.address).await?.ok_or(AppError::NotFound)?;
    Ok((family.address_line, state.store.family_plan(&view, &who.address).await?))
}

/// The family's own copy of the plan as a PDF, for its lead professional or Team Around the
/// Family to print or send them. Audited.
pub async fn pdf(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    Query(print): Query<PrintQuery>,
) -> Result<Response, AppError> {
    let id = FamilyId::from_path(&id);
    let keep = state.require_family(&who.principal, policy::RecordPlan, id, &who.address).await?;
    let view = state.require_family(&who.principal, policy::ViewFamily, id, &who.address).await?;
    let family = state.store.view_family(&view, &who.address).await?.ok_or(AppError::NotFound)?;
    let plan = state.store.family_plan(&view, &who.address).await?.ok_or(AppError::NotFound)?;
    // The family's copy says who is doing what for its needs: the actions linked to them.
    let actions: Vec<PlanAction> = actions_shown(&state, &who, state.store.plan_actions(&view, plan.id).await?)
        .await?
        .into_iter()
        .filter(|a| a.need.is_some())
        .collect();
    state.store.record_plan_printed(&keep, &who.address).await?;
    let body = crate::documents::family_plan_pdf(
        &state.config.council_name,
        &format!("{}, {}", family.address_line, family.postcode),
        &family.people,
        &plan,
        &actions,
        print.child_words.as_deref() == Some("yes"),
        state.store.clock().today(),
    );
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"our-family-plan.pdf\"".to_owned(),
            ),
        ],
        body,
    )
        .into_response())
}

async fn review_page(
    state: &AppState,
    who: &SignedIn,
    id: FamilyId,
    errors: FormErrors,
    missing: Missing,
    form: Option<ReviewForm>,
) -> Result<Response, AppError> {
    let (address_line, plan) = plan_to_keep(state, who, id).await?;
    let plan = plan.filter(PlanView::is_open).ok_or(AppError::NotFound)?;
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
        address_line,
        plan,
        errors,
        missing,
        form,
        progress: Progress::ALL,
    })
}

/// The form to record a Team Around the Family review of the plan.
pub async fn new_review(State(state): State<AppState>, who: SignedIn, Path(id): Path<String>) -> Result<Response, AppError> {
    review_page(
        &state,
        &who,
        FamilyId::from_path(&id),
        FormErrors::default(),
        Missing::default(),
        None,
    )
    .await
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
    f.progress = per_need(&form.pairs, "progress-");
    let mut errors = FormErrors::default();
    // An empty date is the domain's to report, with every other problem of the review.
    let held_on = optional_date(&mut errors, "held_on", &f.held_on, "the date the Team Around the Family met");
    let next_on = optional_date(&mut errors, "next_on", &f.next_on, "the date of the next review");
    let mut missing = Missing::default();
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
            Err(PlanChangeError::Input(problems)) => report_problems(problems, &mut errors, &mut missing),
            Err(PlanChangeError::Stale) => return Err(AppError::Stale("plan")),
            Err(PlanChangeError::NoOpenPlan | PlanChangeError::NoCheckDue) => return Err(AppError::NotFound),
            Err(PlanChangeError::Store(e)) => return Err(e.into()),
        }
    }
    review_page(&state, &who, id, errors, missing, Some(f)).await
}

/// What the closure form sends, besides one `status-<need>` field per need.
#[derive(Deserialize, Default, Clone)]
pub struct ClosureForm {
    #[serde(default)]
    closed_on: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    parents_words: String,
    #[serde(default)]
    child_words: String,
    /// The plan's version when the form was read.
    #[serde(default)]
    version: i64,
    /// The status chosen for each need, from the `status-<need>` fields.
    #[serde(skip)]
    statuses: Vec<(NeedId, String)>,
}

impl ClosureForm {
    /// The status chosen for a need, or "" for none.
    fn chosen(&self, need: &NeedId) -> &str {
        self.statuses.iter().find(|(n, _)| n == need).map_or("", |(_, p)| p.as_str())
    }
}

#[derive(Template)]
#[template(path = "family_plan_close.html")]
struct ClosurePage {
    chrome: Chrome,
    family: FamilyId,
    address_line: String,
    plan: PlanView,
    errors: FormErrors,
    missing: Missing,
    form: ClosureForm,
    progress: [Progress; 5],
    reasons: [ClosureReason; 5],
    sustain_months: u8,
}

/// The needs whose answer a form sent back is missing, in the plan's order.
#[derive(Debug, Default)]
struct Missing(Vec<NeedId>);

impl Missing {
    /// Whether this need's answer is missing: its question is marked.
    fn has(&self, need: &NeedId) -> bool {
        self.0.contains(need)
    }
    /// Whether this is the first need whose answer is missing: its first radio takes the id
    /// the error summary links to.
    fn first(&self, need: &NeedId) -> bool {
        self.0.first() == Some(need)
    }
}

/// The per-need answers of a form, from its `<prefix><need>` fields.
fn per_need(pairs: &[(String, String)], prefix: &str) -> Vec<(NeedId, String)> {
    pairs
        .iter()
        .filter_map(|(k, v)| k.strip_prefix(prefix).and_then(|n| n.parse().ok()).map(|n| (n, v.clone())))
        .collect()
}

/// Puts a plan form's problems on the page: a per-need problem once, at the first need it
/// concerns, with every such need marked; the rest against their fields.
fn report_problems(problems: Vec<PlanProblem>, errors: &mut FormErrors, missing: &mut Missing) {
    for p in problems {
        match p.need {
            Some(need) => {
                if missing.0.is_empty() {
                    errors.add(p.field, p.message);
                }
                missing.0.push(need);
            }
            None => errors.add(p.field, p.message),
        }
    }
}

/// A date field as typed: none when empty (the domain reports a missing date with the form's
/// other problems), otherwise the date or a problem against the field.
fn optional_date(errors: &mut FormErrors, field: &'static str, raw: &str, what: &str) -> Option<Date> {
    match raw.trim() {
        "" => None,
        raw => errors.check(field, super::organisations::parse_date(raw, what)),
    }
}

async fn closure_page(
    state: &AppState,
    who: &SignedIn,
    id: FamilyId,
    errors: FormErrors,
    missing: Missing,
    form: Option<ClosureForm>,
) -> Result<Response, AppError> {
    let (address_line, plan) = plan_to_keep(state, who, id).await?;
    let plan = plan.filter(PlanView::is_open).ok_or(AppError::NotFound)?;
    let form = form.unwrap_or_else(|| ClosureForm {
        version: plan.version,
        ..ClosureForm::default()
    });
    render(&ClosurePage {
        chrome: Chrome::signed_in(state, who, "Close the plan", "families").with_errors(&errors),
        family: id,
        address_line,
        sustain_months: state.store.programme_settings().await?.sustain_months,
        plan,
        errors,
        missing,
        form,
        progress: Progress::ALL,
        reasons: ClosureReason::ALL,
    })
}

/// The form to close the plan.
pub async fn new_closure(State(state): State<AppState>, who: SignedIn, Path(id): Path<String>) -> Result<Response, AppError> {
    closure_page(
        &state,
        &who,
        FamilyId::from_path(&id),
        FormErrors::default(),
        Missing::default(),
        None,
    )
    .await
}

/// Closes the plan and goes back to it; a closure that is not complete comes back with what
/// was typed and every problem.
pub async fn close(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<ClosureForm>,
) -> Result<Response, AppError> {
    let id = FamilyId::from_path(&id);
    let permit = state.require_family(&who.principal, policy::RecordPlan, id, &who.address).await?;
    let mut f = form.value;
    f.statuses = per_need(&form.pairs, "status-");
    let mut errors = FormErrors::default();
    let closed_on = optional_date(&mut errors, "closed_on", &f.closed_on, "the date the plan closed");
    let mut missing = Missing::default();
    if errors.is_empty() {
        let input = ClosureInput {
            closed_on,
            reason: &f.reason,
            statuses: f.statuses.iter().map(|(n, p)| (*n, p.as_str())).collect(),
            summary: &f.summary,
            parents_words: &f.parents_words,
            child_words: &f.child_words,
        };
        match state.store.close_plan(&permit, &input, f.version, &who.address).await {
            Ok(_) => return Ok(Redirect::to(&format!("/families/{id}/plan?closed=yes")).into_response()),
            Err(PlanChangeError::Input(problems)) => report_problems(problems, &mut errors, &mut missing),
            // A plan closed since the form was read was closed by someone else.
            Err(PlanChangeError::Stale | PlanChangeError::NoOpenPlan) => return Err(AppError::Stale("plan")),
            Err(PlanChangeError::NoCheckDue) => return Err(AppError::NotFound),
            Err(PlanChangeError::Store(e)) => return Err(e.into()),
        }
    }
    closure_page(&state, &who, id, errors, missing, Some(f)).await
}

/// What the sustained-progress form sends, besides one `held-<need>` field per need.
#[derive(Deserialize, Default, Clone)]
pub struct SustainForm {
    #[serde(default)]
    checked_on: String,
    #[serde(default)]
    evidence: String,
    /// The answer for each need, from the `held-<need>` fields.
    #[serde(skip)]
    held: Vec<(NeedId, String)>,
}

impl SustainForm {
    /// The answer for a need, or "" for none.
    fn chosen(&self, need: &NeedId) -> &str {
        self.held.iter().find(|(n, _)| n == need).map_or("", |(_, p)| p.as_str())
    }
}

#[derive(Template)]
#[template(path = "family_plan_sustained.html")]
struct SustainPage {
    chrome: Chrome,
    family: FamilyId,
    address_line: String,
    plan: PlanView,
    /// The day the check falls due; none when the plan has no check to make (it is still
    /// open, it closed for a reason that calls for none, or the check is made), and the page
    /// says why instead of showing the form.
    due_on: Option<Date>,
    errors: FormErrors,
    missing: Missing,
    form: SustainForm,
}

impl SustainPage {
    fn date(&self, d: &Date) -> String {
        super::long_date(*d)
    }
}

async fn sustain_page(
    state: &AppState,
    who: &SignedIn,
    id: FamilyId,
    errors: FormErrors,
    missing: Missing,
    form: SustainForm,
) -> Result<Response, AppError> {
    let (address_line, plan) = plan_to_keep(state, who, id).await?;
    let plan = plan.ok_or(AppError::NotFound)?;
    // Only a closed plan whose check is still to make has the form; the domain refuses a
    // check dated before it falls due.
    let due_on = plan.closure.as_ref().filter(|c| c.sustain.is_none()).and_then(|c| c.sustain_due_on);
    render(&SustainPage {
        chrome: Chrome::signed_in(state, who, "Confirm whether progress held", "families").with_errors(&errors),
        family: id,
        address_line,
        plan,
        due_on,
        errors,
        missing,
        form,
    })
}

/// The form to confirm whether the improvement on each need held.
pub async fn new_sustain_check(State(state): State<AppState>, who: SignedIn, Path(id): Path<String>) -> Result<Response, AppError> {
    sustain_page(
        &state,
        &who,
        FamilyId::from_path(&id),
        FormErrors::default(),
        Missing::default(),
        SustainForm::default(),
    )
    .await
}

/// Records the check and goes back to the plan; one that is not complete comes back with what
/// was typed and every problem.
pub async fn record_sustain_check(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<SustainForm>,
) -> Result<Response, AppError> {
    let id = FamilyId::from_path(&id);
    let permit = state.require_family(&who.principal, policy::RecordPlan, id, &who.address).await?;
    let mut f = form.value;
    f.held = per_need(&form.pairs, "held-");
    let mut errors = FormErrors::default();
    let checked_on = optional_date(&mut errors, "checked_on", &f.checked_on, "the date progress was checked");
    let mut missing = Missing::default();
    if errors.is_empty() {
        let input = SustainInput {
            checked_on,
            held: f.held.iter().map(|(n, a)| (*n, a.as_str())).collect(),
            evidence: &f.evidence,
        };
        match state.store.record_sustain_check(&permit, &input, &who.address).await {
            Ok(()) => return Ok(Redirect::to(&format!("/families/{id}/plan?checked=yes")).into_response()),
            Err(PlanChangeError::Input(problems)) => report_problems(problems, &mut errors, &mut missing),
            // A check recorded since the form was read was recorded by someone else.
            Err(PlanChangeError::Stale) => return Err(AppError::Stale("plan")),
            // Nothing to check (the plan is open, or closed for a reason that calls for no
            // check, or was checked): the page says which.
            Err(PlanChangeError::NoCheckDue) => {
                return sustain_page(&state, &who, id, FormErrors::default(), Missing::default(), SustainForm::default()).await;
            }
            Err(PlanChangeError::NoOpenPlan) => return Err(AppError::NotFound),
            Err(PlanChangeError::Store(e)) => return Err(e.into()),
        }
    }
    sustain_page(&state, &who, id, errors, missing, f).await
}

/// Changes how often the plan is reviewed and goes back to it; an interval out of range comes
/// back on the plan page with what was typed.
pub async fn set_interval(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<IntervalForm>,
) -> Result<Response, AppError> {
    let id = FamilyId::from_path(&id);
    let permit = state.require_family(&who.principal, policy::RecordPlan, id, &who.address).await?;
    let f = form.value;
    let mut errors = FormErrors::default();
    // Anything that is not a whole number is out of range.
    let weeks = f.review_weeks.trim().parse::<i64>().unwrap_or(0);
    match state.store.set_review_interval(&permit, weeks, f.version, &who.address).await {
        Ok(()) => return Ok(Redirect::to(&format!("/families/{id}/plan?interval=yes")).into_response()),
        Err(PlanChangeError::Input(problems)) => {
            for p in problems {
                errors.add(p.field, p.message);
            }
        }
        Err(PlanChangeError::Stale) => return Err(AppError::Stale("plan")),
        Err(PlanChangeError::NoOpenPlan | PlanChangeError::NoCheckDue) => return Err(AppError::NotFound),
        Err(PlanChangeError::Store(e)) => return Err(e.into()),
    }
    plan_page(&state, &who, id, None, errors, NeedForm::default(), Some(f.review_weeks)).await
}
