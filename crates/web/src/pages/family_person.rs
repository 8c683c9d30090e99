//! One person of a family: their details and identifiers, whether they have a disability (which
//! keeps a young person of 20 to 25 in early help's range), and the family's one timeline.
//!
//! The page is the family's, read with the same [`policy::ViewFamily`] permit as the family page
//! and audited as a read of the person; changing the disability needs
//! [`policy::RecordPerson`], with the version read.

use super::{Chrome, long_date, render};
use crate::AppState;
use crate::error::AppError;
use crate::forms::{CsrfForm, FormErrors};
use crate::session::SignedIn;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::timeline::{Entry, EntryKind};
use domain::{FamilyId, PersonId};
use serde::Deserialize;
use store::timeline::{PersonEditError, PersonView};

/// One timeline entry as pages show it: words only, worked out here once for every page.
#[derive(Debug, Clone)]
pub struct TimelineRow {
    /// "25 November 2026".
    pub on: String,
    /// Who did or recorded it.
    pub by: String,
    /// What happened.
    pub heading: String,
    /// More about it, where there is more to say.
    pub detail: Option<String>,
    /// A page to read more, where there is one.
    pub link: Option<String>,
    /// A warning tag for entries information governance watches (sharing without consent).
    pub warning: Option<&'static str>,
}

/// Turns the store's entries (already newest first) into what the timeline lists.
pub(crate) fn timeline_rows(entries: Vec<Entry>) -> Vec<TimelineRow> {
    entries
        .into_iter()
        .map(|e| {
            let heading = e.kind.heading();
            let (detail, link, warning) = match e.kind {
                EntryKind::ReferralMade {
                    referral, without_consent, ..
                } => {
                    let warning = without_consent.is_some().then_some("Without consent");
                    (without_consent, Some(format!("/referrals/{referral}")), warning)
                }
                EntryKind::ReferralChanged { referral, .. } => (None, Some(format!("/referrals/{referral}")), None),
                EntryKind::ConsentGiven { covers, exclusions, .. } => {
                    let mut d = if covers.is_empty() {
                        "Covers nothing yet".to_owned()
                    } else {
                        format!("Covers {}", covers.join(", "))
                    };
                    match exclusions {
                        0 => {}
                        1 => d.push_str("; excludes 1 organisation"),
                        n => d.push_str(&format!("; excludes {n} organisations")),
                    }
                    (Some(d), None, None)
                }
                EntryKind::ConsentWithdrawn { .. } => (None, None, None),
                EntryKind::SharedWithoutConsent { justification, .. } => (Some(justification), None, Some("Without consent")),
                EntryKind::Moved {
                    from_locality,
                    to_locality,
                    ..
                } => (
                    Some(match from_locality {
                        Some(from) => format!("Locality changed from {from} to {to_locality}"),
                        None => format!("Still in {to_locality} locality"),
                    }),
                    None,
                    None,
                ),
                EntryKind::PeopleMerged { .. } => (Some("The duplicate record is kept, marked as merged".to_owned()), None, None),
                EntryKind::PanelDecision { reasons, .. } => (Some(reasons), None, None),
            };
            TimelineRow {
                on: long_date(e.on),
                by: e.by,
                heading,
                detail,
                link,
                warning,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "family_person.html")]
struct PersonPage {
    chrome: Chrome,
    family: FamilyId,
    address_line: String,
    person: PersonView,
    age: String,
    in_range_note: Option<&'static str>,
    timeline: Vec<TimelineRow>,
    may_record_person: bool,
    errors: FormErrors,
}

impl PersonPage {
    fn date(&self, d: &time::Date) -> String {
        long_date(*d)
    }

    fn sex(&self) -> &'static str {
        super::family_records::SEXES
            .iter()
            .find(|(code, _)| *code == self.person.sex)
            .map_or("Not known", |(_, label)| label)
    }
}

async fn person_page(
    state: &AppState,
    who: &SignedIn,
    family: FamilyId,
    person: PersonId,
    errors: FormErrors,
) -> Result<Response, AppError> {
    let (permit, facts) = state
        .require_family_with_facts(&who.principal, policy::ViewFamily, family, &who.address)
        .await?;
    let view = state
        .store
        .view_person(&permit, person, &who.address)
        .await?
        .ok_or(AppError::NotFound)?;
    let address_line = view.address_line.clone();
    let timeline = timeline_rows(state.store.family_timeline(&permit).await?);
    let today = state.store.clock().today();
    let age = domain::family::age_on(view.date_of_birth, today);
    let in_range_note = (view.household_role == domain::family::HouseholdRole::Child
        && view.has_disability
        && !domain::family::in_early_help_age_range(view.date_of_birth, today, false))
    .then_some("In early help’s range because of their disability (up to 25)");
    render(&PersonPage {
        chrome: Chrome::signed_in(state, who, format!("{} {}", view.given_name, view.family_name), "families").with_errors(&errors),
        family,
        address_line,
        age: age.map_or_else(String::new, |a| a.to_string()),
        in_range_note,
        person: view,
        timeline,
        may_record_person: state.authority.decide_family(&who.principal, policy::RecordPerson, &facts).is_ok(),
        errors,
    })
}

/// One person's page: their details, identifiers and the family's timeline.
pub async fn show(State(state): State<AppState>, who: SignedIn, Path((id, person)): Path<(String, String)>) -> Result<Response, AppError> {
    person_page(
        &state,
        &who,
        FamilyId::from_path(&id),
        PersonId::from_path(&person),
        FormErrors::default(),
    )
    .await
}

/// What the disability form sends.
#[derive(Deserialize, Default)]
pub struct DisabilityForm {
    /// "yes" when the person has a disability.
    #[serde(default)]
    has_disability: String,
    /// The version of the person read.
    #[serde(default)]
    version: i64,
}

/// Records whether the person has a disability, with the version read.
pub async fn set_disability(
    State(state): State<AppState>,
    who: SignedIn,
    Path((id, person)): Path<(String, String)>,
    form: CsrfForm<DisabilityForm>,
) -> Result<Response, AppError> {
    let family = FamilyId::from_path(&id);
    let person = PersonId::from_path(&person);
    let permit = state
        .require_family(&who.principal, policy::RecordPerson, family, &who.address)
        .await?;
    let f = form.value;
    match state
        .store
        .set_disability(&permit, person, f.has_disability == "yes", f.version, &who.address)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/families/{family}/people/{person}")).into_response()),
        Err(PersonEditError::Refused(refused)) => {
            let mut errors = FormErrors::default();
            errors.add("has_disability", refused.to_string());
            person_page(&state, &who, family, person, errors).await
        }
        Err(PersonEditError::Stale) => Err(AppError::Stale("person")),
        Err(PersonEditError::Store(e)) => Err(e.into()),
    }
}
