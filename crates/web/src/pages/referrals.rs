//! Referrals: the form per route (from the family's page), the queues of the people who act on
//! them (screening, checklist sign-off, MASH's urgent concerns, the referrer's own), and one
//! referral's page with its history and the actions its state allows and the policy grants.
//!
//! Every button shown was asked of the policy for this person and this referral; every action
//! is asked again when it is posted, and the domain's state machine has the last word on
//! whether the referral's state allows it.

use super::{Chrome, long_date, render};
use crate::AppState;
use crate::error::AppError;
use crate::forms::{CsrfForm, FormErrors};
use crate::session::SignedIn;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::referral::{ChecklistItem, EventKind, RedirectTarget, ReferralReason, ReferralState, Route};
use domain::role::Role;
use domain::{FamilyId, LocalityId, ReferralId};
use serde::Deserialize;
use store::referrals::{ReferralChangeInput, ReferralDetails, ReferralQueues, ReferralRecord, ReferralWriteError, ScreeningPanel, Signer};

/// What the referral form sends.
#[derive(Deserialize, Default, Clone)]
pub struct ReferralForm {
    #[serde(default)]
    route: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    urgent: String,
    #[serde(default)]
    sign_off_by: String,
    /// "yes" to refer without the family's consent, on an override.
    #[serde(default)]
    without_consent: String,
    /// The override's ground: `safeguarding` or `public_interest`.
    #[serde(default)]
    ground: String,
    /// Why consent is being overridden.
    #[serde(default)]
    justification: String,
}

#[derive(Template)]
#[template(path = "referral_new.html")]
struct NewReferralPage {
    chrome: Chrome,
    family: FamilyId,
    address_line: String,
    errors: FormErrors,
    form: ReferralForm,
    /// (code, label, hint) for each route this person may use.
    routes: Vec<(&'static str, &'static str, &'static str)>,
    supervisors: Vec<Signer>,
    managers: Vec<Signer>,
    /// Whether this person may authorise a referral without consent.
    may_override: bool,
    /// (code, label) of the grounds a referral may be made on without consent.
    grounds: Vec<(&'static str, &'static str)>,
}

fn route_hint(route: Route) -> &'static str {
    match route {
        Route::MashDecision => "MASH reached a threshold decision of early help and gathered the family’s consent.",
        Route::StepDown => "A case leaving children’s social care. A case supervisor signs off the step-down checklist first.",
        Route::StepUp => "A planned step-up towards children’s social care. A locality manager signs off the checklist first.",
        Route::Stuck => "The family’s plan is stuck and needs the panel again.",
    }
}

async fn new_page(state: &AppState, who: &SignedIn, id: FamilyId, errors: FormErrors, form: ReferralForm) -> Result<Response, AppError> {
    let view = state.require_family(&who.principal, policy::ViewFamily, id, &who.address).await?;
    let family = state.store.view_family(&view, &who.address).await?.ok_or(AppError::NotFound)?;
    let facts = state.store.family_facts(&who.principal, id).await?;
    let routes: Vec<_> = Route::ALL
        .into_iter()
        .filter(|r| {
            facts
                .as_ref()
                .is_some_and(|f| state.authority.decide_new_referral(&who.principal, f, *r).is_ok())
        })
        .map(|r| (r.code(), r.label(), route_hint(r)))
        .collect();
    if routes.is_empty() {
        // Nothing this person may refer by: ask the policy once more so the refusal is audited.
        state
            .require_new_referral(&who.principal, id, Route::StepDown, &who.address)
            .await?;
    }
    render(&NewReferralPage {
        chrome: Chrome::signed_in(state, who, "Make a referral", "families").with_errors(&errors),
        family: id,
        address_line: family.address_line,
        errors,
        form,
        routes,
        supervisors: state.store.signers(Role::CaseSupervisor, Some(id)).await?,
        managers: state.store.signers(Role::LocalityManager, Some(id)).await?,
        may_override: facts.as_ref().is_some_and(|f| {
            state
                .authority
                .decide_family(&who.principal, policy::AuthoriseConsentOverride, f)
                .is_ok()
        }),
        grounds: domain::consent::OverrideGround::FOR_REFERRAL
            .iter()
            .map(|g| (g.code(), g.label()))
            .collect(),
    })
}

/// The referral form for one family.
pub async fn new_form(State(state): State<AppState>, who: SignedIn, Path(id): Path<String>) -> Result<Response, AppError> {
    new_page(
        &state,
        &who,
        FamilyId::from_path(&id),
        FormErrors::default(),
        ReferralForm::default(),
    )
    .await
}

/// Makes the referral, or shows the form again with what was typed and what to put right.
pub async fn create(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<ReferralForm>,
) -> Result<Response, AppError> {
    let id = FamilyId::from_path(&id);
    let f = form.value;
    let mut errors = FormErrors::default();
    let route = errors.check(
        "route",
        f.route.parse::<Route>().map_err(|_| "Select how the family is being referred"),
    );
    let reason = errors.check("reason", ReferralReason::parse(&f.reason));
    let sign_off_by = f.sign_off_by.parse::<domain::UserId>().ok();
    let without_consent = consent_override(&state, &who.principal, id, &who.address, &f, &mut errors).await?;
    if let (Some(route), Some(reason), true) = (route, reason, errors.is_empty()) {
        let permit = state.require_new_referral(&who.principal, id, route, &who.address).await?;
        let (override_permit, consent_override) = without_consent.unzip();
        let details = ReferralDetails {
            reason,
            urgent: f.urgent == "yes",
            sign_off_by,
            consent_override,
        };
        match state
            .store
            .make_referral(&permit, &details, override_permit.as_ref(), &who.address)
            .await
        {
            Ok(referral) => return Ok(Redirect::to(&format!("/referrals/{referral}")).into_response()),
            Err(e) => errors_from(&mut errors, e)?,
        }
    }
    new_page(&state, &who, id, errors, f).await
}

/// The words refusing an override to someone who may not authorise one.
pub(crate) const NOT_AN_AUTHORISER: &str = "Only a MASH practitioner, case supervisor or locality manager can authorise a referral without the family’s consent: ask one of them to make it, or record the family’s consent first";

/// What a form or request gives for a referral without consent, as typed.
pub(crate) struct OverrideAsked<'a> {
    /// The ground's code.
    pub(crate) ground: &'a str,
    /// The justification.
    pub(crate) justification: &'a str,
}

/// The override a referral form (or API request) asks for, checked: the asker must be allowed
/// to authorise it for this family (asked of the policy, so a refusal is audited), and give a
/// ground a referral may be made on and a justification of a sentence. `None` when no override
/// was asked for or something must be put right (then `errors` says what).
pub(crate) async fn consent_override_from(
    state: &AppState,
    principal: &policy::Principal,
    family: FamilyId,
    address: &str,
    asked: Option<OverrideAsked<'_>>,
    errors: &mut FormErrors,
) -> Result<Option<(policy::Permit<policy::AuthoriseConsentOverride>, domain::consent::ConsentOverride)>, AppError> {
    let Some(OverrideAsked { ground, justification }) = asked else {
        return Ok(None);
    };
    let permit = match state
        .require_family(principal, policy::AuthoriseConsentOverride, family, address)
        .await
    {
        Ok(p) => Some(p),
        Err(AppError::Forbidden(_)) => {
            errors.add("without_consent", NOT_AN_AUTHORISER);
            None
        }
        Err(other) => return Err(other),
    };
    let ground = ground
        .parse::<domain::consent::OverrideGround>()
        .ok()
        .filter(|g| domain::consent::OverrideGround::FOR_REFERRAL.contains(g));
    if ground.is_none() {
        errors.add(
            "ground",
            "Select why the family is being referred without their consent: safeguarding or the public interest",
        );
    }
    // The justification is checked whether or not a ground was chosen, so every problem is
    // listed at once.
    let checked = errors.check(
        "justification",
        domain::consent::ConsentOverride::new(
            ground.unwrap_or(domain::consent::OverrideGround::Safeguarding),
            justification,
            principal.user,
            state.store.now(),
        ),
    );
    let made = checked.filter(|_| ground.is_some());
    Ok(permit.zip(made))
}

async fn consent_override(
    state: &AppState,
    principal: &policy::Principal,
    family: FamilyId,
    address: &str,
    f: &ReferralForm,
    errors: &mut FormErrors,
) -> Result<Option<(policy::Permit<policy::AuthoriseConsentOverride>, domain::consent::ConsentOverride)>, AppError> {
    let asked = (f.without_consent == "yes").then_some(OverrideAsked {
        ground: &f.ground,
        justification: &f.justification,
    });
    consent_override_from(state, principal, family, address, asked, errors).await
}

/// Puts a refusal the person can act on beside its field; anything else is an error page.
pub(crate) fn errors_from(errors: &mut FormErrors, e: ReferralWriteError) -> Result<(), AppError> {
    match e {
        ReferralWriteError::Refused(r) => errors.add("event", r.to_string()),
        ReferralWriteError::Input { field, message } => errors.add(field, message),
        ReferralWriteError::Stale => return Err(AppError::Stale("referral")),
        ReferralWriteError::Store(e) => return Err(e.into()),
    }
    Ok(())
}

#[derive(Template)]
#[template(path = "referrals.html")]
struct QueuesPage {
    chrome: Chrome,
    queues: ReferralQueues,
    now: time::OffsetDateTime,
}

impl QueuesPage {
    fn date(&self, d: &time::Date) -> String {
        long_date(*d)
    }

    /// "due in 5 hours" or "overdue by 2 hours" for MASH's 24-hour clock.
    fn mash_clock(&self, due: &Option<time::OffsetDateTime>) -> String {
        mash_clock(*due, self.now)
    }
}

fn mash_clock(due: Option<time::OffsetDateTime>, now: time::OffsetDateTime) -> String {
    let Some(due) = due else {
        return String::new();
    };
    let hours = |d: time::Duration| {
        let h = d.whole_hours().max(1);
        if h == 1 { "1 hour".to_owned() } else { format!("{h} hours") }
    };
    if due >= now {
        format!("acknowledge within {}", hours(due - now))
    } else {
        format!("overdue by {}", hours(now - due))
    }
}

/// The referrals waiting for the signed-in person.
pub async fn queues(State(state): State<AppState>, who: SignedIn) -> Result<Response, AppError> {
    state.require(&who.principal, policy::ViewFamilyList, &who.address).await?;
    let queues = state.store.referral_queues(&state.authority, &who.principal).await?;
    render(&QueuesPage {
        chrome: Chrome::signed_in(&state, &who, "Referrals", "referrals"),
        queues,
        now: state.store.now(),
    })
}

#[derive(Template)]
#[template(path = "referral.html")]
struct ReferralPage {
    chrome: Chrome,
    referral: ReferralRecord,
    /// The events this person may fire now, in button order.
    actions: Vec<EventKind>,
    errors: FormErrors,
    /// Which action's form the errors belong to.
    failed: Option<EventKind>,
    form: ChangeForm,
    panels: Vec<ScreeningPanel>,
    localities: Vec<(String, String)>,
    checklist: Vec<(&'static str, &'static str, bool)>,
    now: time::OffsetDateTime,
}

impl ReferralPage {
    fn date(&self, d: &time::Date) -> String {
        long_date(*d)
    }

    fn when(&self, t: &time::OffsetDateTime) -> String {
        let local = t.to_offset(domain::clock::london_offset(*t));
        format!("{} at {}", long_date(local.date()), super::short_time(local.time()))
    }

    fn mash_clock(&self) -> String {
        mash_clock(self.referral.summary.mash_due, self.now)
    }

    fn detail(&self, state: &ReferralState) -> String {
        state_detail(state, self)
    }
}

/// The words a state's data adds in the history ("Returned: the consent form is missing").
fn state_detail(state: &ReferralState, page: &ReferralPage) -> String {
    match state {
        ReferralState::AcceptedForPanel { slot } => match slot {
            domain::referral::PanelSlot::ProposedDate(d) => format!("for the meeting on {}", page.date(d)),
            domain::referral::PanelSlot::Meeting(_) => "for a scheduled meeting".to_owned(),
        },
        ReferralState::Returned { reason } => reason.clone(),
        ReferralState::Redirected { to, note } => {
            let place = match to {
                RedirectTarget::AnotherLocality(l) => page
                    .localities
                    .iter()
                    .find(|(id, _)| *id == l.to_string())
                    .map_or_else(|| to.label().to_owned(), |(_, n)| format!("{n} locality")),
                other => other.label().to_owned(),
            };
            if note.is_empty() { place } else { format!("{place}: {note}") }
        }
        ReferralState::Withdrawn { reason } => reason.clone(),
        _ => String::new(),
    }
}

/// What any of the action forms may send.
#[derive(Deserialize, Default, Clone)]
pub struct ChangeForm {
    /// The version of the referral the person read.
    #[serde(default)]
    pub version: i64,
    /// Why (return, withdraw).
    #[serde(default)]
    pub reason: String,
    /// Details (redirect).
    #[serde(default)]
    pub note: String,
    /// Where to (redirect): a redirect target code.
    #[serde(default)]
    pub to: String,
    /// Which locality, when redirected to another locality's panel.
    #[serde(default)]
    pub locality: String,
    /// "<panel id>/<YYYY-MM-DD>" (accept).
    #[serde(default)]
    pub meeting: String,
}

#[allow(clippy::too_many_arguments)]
async fn referral_page(
    state: &AppState,
    who: &SignedIn,
    id: ReferralId,
    errors: FormErrors,
    failed: Option<EventKind>,
    form: ChangeForm,
    ticked: &[String],
) -> Result<Response, AppError> {
    // Seeing a referral is seeing its family: the same permit, the same refusal.
    let family = state.store.referral_family(id).await?.unwrap_or(FamilyId(uuid::Uuid::nil()));
    let view = state
        .require_family(&who.principal, policy::ViewFamily, family, &who.address)
        .await?;
    let referral = state
        .store
        .view_referral(&view, id, &who.address)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut actions = Vec::new();
    if let Some(facts) = state.store.referral_facts(&who.principal, id).await? {
        for kind in &referral.allowed_events {
            if state.authority.decide_referral_change(&who.principal, &facts, *kind).is_ok() {
                actions.push(*kind);
            }
        }
    }
    // The decision the person came to make first; escalating to MASH, a warning, last.
    actions.sort_by_key(|k| match k {
        EventKind::Accept | EventKind::SignOff | EventKind::Acknowledge | EventKind::Submit => 0,
        EventKind::Return | EventKind::Redirect => 1,
        EventKind::Close | EventKind::Withdraw => 2,
        EventKind::Escalate => 3,
    });
    let panels = if actions.contains(&EventKind::Accept) {
        let locality = state.store.referral_locality(id).await?.ok_or(AppError::NotFound)?;
        state.store.screening_panels(&who.principal, locality).await?
    } else {
        Vec::new()
    };
    let localities = state
        .store
        .localities()
        .await?
        .into_iter()
        .map(|(id, name)| (id.to_string(), name))
        .collect();
    let checklist = referral
        .summary
        .route
        .checklist()
        .iter()
        .map(|c| (c.code(), c.label(), ticked.iter().any(|t| t == c.code())))
        .collect();
    let form = if failed.is_none() {
        ChangeForm {
            version: referral.version,
            ..form
        }
    } else {
        form
    };
    let title = format!("Referral: family at {}", referral.summary.address_line);
    render(&ReferralPage {
        chrome: Chrome::signed_in(state, who, title, "referrals").with_errors(&errors),
        referral,
        actions,
        errors,
        failed,
        form,
        panels,
        localities,
        checklist,
        now: state.store.now(),
    })
}

/// One referral: what was asked, where it is, its history and what can be done next.
pub async fn show(State(state): State<AppState>, who: SignedIn, Path(id): Path<String>) -> Result<Response, AppError> {
    referral_page(
        &state,
        &who,
        ReferralId::from_path(&id),
        FormErrors::default(),
        None,
        ChangeForm::default(),
        &[],
    )
    .await
}

/// Fires one event on the referral: asked of the policy, then of the state machine.
pub async fn change(
    State(state): State<AppState>,
    who: SignedIn,
    Path((id, event)): Path<(String, String)>,
    form: CsrfForm<ChangeForm>,
) -> Result<Response, AppError> {
    let id = ReferralId::from_path(&id);
    let kind: EventKind = event.parse().map_err(|_| AppError::NotFound)?;
    let ticked: Vec<String> = form.all("checklist").into_iter().map(str::to_owned).collect();
    let f = form.value;
    let permit = state.require_referral_change(&who.principal, id, kind, &who.address).await?;
    let mut errors = FormErrors::default();
    let change = change_input(kind, &f, &ticked, &mut errors);
    if let Some(change) = change {
        match state.store.change_referral(&permit, &change, f.version, &who.address).await {
            Ok(()) => {
                // After signing off, closing or withdrawing, the person may no longer be
                // connected to the family: back to their queues rather than to a refusal.
                let family = permit.family();
                let still_sees = match state.store.family_facts(&who.principal, family).await? {
                    Some(facts) => state.authority.decide_family(&who.principal, policy::ViewFamily, &facts).is_ok(),
                    None => false,
                };
                let to = if still_sees {
                    format!("/referrals/{id}")
                } else {
                    "/referrals".to_owned()
                };
                return Ok(Redirect::to(&to).into_response());
            }
            Err(e) => errors_from(&mut errors, e)?,
        }
    }
    let errors = FormErrors(
        errors
            .0
            .into_iter()
            .map(|(field, message)| (anchor(kind, field), message))
            .collect(),
    );
    referral_page(&state, &who, id, errors, Some(kind), f, &ticked).await
}

/// The change a person asks for, from the fields a form or a JSON body sends: the one place
/// both turn text into a [`ReferralChangeInput`]. `None`, with `errors` filled in, when a field
/// cannot be read.
pub(crate) fn change_input(kind: EventKind, f: &ChangeForm, ticked: &[String], errors: &mut FormErrors) -> Option<ReferralChangeInput> {
    match kind {
        EventKind::Submit if f.reason.trim().is_empty() => Some(ReferralChangeInput::Submit { reason: None }),
        EventKind::Submit => match ReferralReason::parse(&f.reason) {
            Ok(r) => Some(ReferralChangeInput::Submit { reason: Some(r) }),
            Err(e) => {
                errors.add("reason", e.to_string());
                None
            }
        },
        EventKind::SignOff => Some(ReferralChangeInput::SignOff {
            completed: ticked.iter().filter_map(|t| t.parse::<ChecklistItem>().ok()).collect(),
        }),
        EventKind::Escalate => Some(ReferralChangeInput::Escalate),
        EventKind::Acknowledge => Some(ReferralChangeInput::Acknowledge),
        EventKind::Accept => {
            let parsed = f.meeting.split_once('/').and_then(|(panel, date)| {
                Some((
                    panel.parse().ok()?,
                    time::Date::parse(date, &time::format_description::well_known::Iso8601::DATE).ok()?,
                ))
            });
            match parsed {
                Some((panel, date)) => Some(ReferralChangeInput::Accept { panel, date }),
                None => {
                    errors.add("meeting", "Select the meeting to discuss the family at");
                    None
                }
            }
        }
        EventKind::Return => Some(ReferralChangeInput::Return { reason: f.reason.clone() }),
        EventKind::Redirect => {
            let locality = f.locality.parse::<LocalityId>().ok();
            match RedirectTarget::from_code(&f.to, locality) {
                Ok(to) => Some(ReferralChangeInput::Redirect { to, note: f.note.clone() }),
                Err(_) if f.to == "another_locality" => {
                    errors.add("locality", "Select the locality to send the referral to");
                    None
                }
                Err(_) => {
                    errors.add("to", "Select where to redirect the referral");
                    None
                }
            }
        }
        EventKind::Withdraw => Some(ReferralChangeInput::Withdraw { reason: f.reason.clone() }),
        EventKind::Close => Some(ReferralChangeInput::Close),
    }
}

/// Where on the referral page an error belongs: each action has its own form, so the same
/// field ("reason") appears under several names.
fn anchor(kind: EventKind, field: &str) -> &'static str {
    match (kind, field) {
        (EventKind::Accept, _) => "accept-meeting",
        (EventKind::Return, _) => "return-reason",
        (EventKind::Redirect, "locality") => "redirect-locality",
        (EventKind::Redirect, "note") => "redirect-note",
        (EventKind::Redirect, _) => "redirect-to",
        (EventKind::Withdraw, _) => "withdraw-reason",
        (EventKind::SignOff, _) => "sign_off-checklist",
        (EventKind::Submit, _) => "submit-reason",
        (EventKind::Escalate, _) => "escalate-button",
        (EventKind::Acknowledge, _) => "acknowledge-button",
        (EventKind::Close, _) => "close-button",
    }
}
