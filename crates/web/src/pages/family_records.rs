//! Recording a family and the people in it by hand, with "tell it once": before a person is
//! added, the people already held who are probably the same person are shown, and the person
//! recording must say none of them is before a new record is made.

use super::{Chrome, long_date, render};
use crate::AppState;
use crate::error::AppError;
use crate::forms::{CsrfForm, FormErrors};
use crate::session::SignedIn;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::FamilyId;
use domain::family::HouseholdRole;
use domain::identifiers::{NationalInsuranceNumber, NhsNumber, UniquePupilNumber};
use domain::matching::PersonDetails;
use domain::postcode::Postcode;
use serde::Deserialize;
use store::people::{NewPerson, PossibleMatch, RecordError};

/// What the new-family form sends.
#[derive(Deserialize, Default, Clone)]
pub struct FamilyForm {
    #[serde(default)]
    address_line: String,
    #[serde(default)]
    postcode: String,
}

#[derive(Template)]
#[template(path = "family_new.html")]
struct NewFamilyPage {
    chrome: Chrome,
    errors: FormErrors,
    form: FamilyForm,
}

/// The form to record a new family.
pub async fn new_family_form(State(state): State<AppState>, who: SignedIn) -> Result<Response, AppError> {
    state.require(&who.principal, policy::RecordFamily, &who.address).await?;
    render(&NewFamilyPage {
        chrome: Chrome::signed_in(&state, &who, "Record a new family", "families"),
        errors: FormErrors::default(),
        form: FamilyForm::default(),
    })
}

/// Parses an address as the family and move forms (and the API) send it: the first line,
/// trimmed, and a valid UK postcode. Every problem is added to `errors`.
pub(crate) fn parse_address(errors: &mut FormErrors, address_line: &str, postcode: &str) -> Option<(String, Postcode)> {
    let address_line = address_line.trim();
    if address_line.is_empty() {
        errors.add("address_line", "Enter the first line of the family’s address");
    } else if address_line.chars().count() > 200 {
        errors.add("address_line", "The first line of the address must be 200 characters or fewer");
    }
    let postcode = errors.check("postcode", Postcode::parse(postcode));
    postcode.filter(|_| errors.is_empty()).map(|p| (address_line.to_owned(), p))
}

/// Records the family, then goes on to its first person.
pub async fn record_family(State(state): State<AppState>, who: SignedIn, form: CsrfForm<FamilyForm>) -> Result<Response, AppError> {
    let permit = state.require(&who.principal, policy::RecordFamily, &who.address).await?;
    let f = form.value;
    let mut errors = FormErrors::default();
    if let Some((address_line, postcode)) = parse_address(&mut errors, &f.address_line, &f.postcode) {
        match state.store.record_family(&permit, &address_line, &postcode, &who.address).await {
            Ok(id) => return Ok(Redirect::to(&format!("/families/{id}/people/new")).into_response()),
            Err(e @ RecordError::OutsideTheCouncil(_)) => errors.add("postcode", e.to_string()),
            Err(RecordError::Store(e)) => return Err(e.into()),
        }
    }
    render(&NewFamilyPage {
        chrome: Chrome::signed_in(&state, &who, "Record a new family", "families").with_errors(&errors),
        errors,
        form: f,
    })
}

/// What the new-person form sends (the API fills the same fields from its JSON, so both are
/// checked by [`parse_person`]).
#[derive(Deserialize, Default, Clone)]
pub struct PersonForm {
    #[serde(default)]
    pub(crate) given_name: String,
    #[serde(default)]
    pub(crate) family_name: String,
    #[serde(default)]
    pub(crate) date_of_birth: String,
    #[serde(default)]
    pub(crate) sex: String,
    #[serde(default)]
    pub(crate) household_role: String,
    /// "yes" when the person has a disability.
    #[serde(default)]
    pub(crate) has_disability: String,
    #[serde(default)]
    pub(crate) nhs_number: String,
    #[serde(default)]
    pub(crate) upn: String,
    #[serde(default)]
    pub(crate) national_insurance_number: String,
    /// "yes" once the person recording has checked the suggestions and none is the same person.
    #[serde(default)]
    pub(crate) not_a_duplicate: String,
}

/// Sex as forms offer it: (code, label).
pub(crate) const SEXES: [(&str, &str); 4] = [
    ("female", "Female"),
    ("male", "Male"),
    ("other", "Other"),
    ("not_known", "Not known"),
];

#[derive(Template)]
#[template(path = "person_record_new.html")]
struct NewPersonPage {
    chrome: Chrome,
    family: FamilyId,
    address_line: String,
    errors: FormErrors,
    form: PersonForm,
    sexes: [(&'static str, &'static str); 4],
    roles: Vec<(&'static str, &'static str)>,
    matches: Vec<PossibleMatch>,
}

impl NewPersonPage {
    fn date(&self, d: &time::Date) -> String {
        long_date(*d)
    }
}

async fn person_page(
    state: &AppState,
    who: &SignedIn,
    id: FamilyId,
    errors: FormErrors,
    form: PersonForm,
    matches: Vec<PossibleMatch>,
) -> Result<Response, AppError> {
    let permit = state.require_family(&who.principal, policy::RecordPerson, id, &who.address).await?;
    let heading = state.store.family_heading(&permit).await?.ok_or(AppError::NotFound)?;
    render(&NewPersonPage {
        chrome: Chrome::signed_in(state, who, "Add a person to the family", "families").with_errors(&errors),
        family: id,
        address_line: heading.address_line,
        errors,
        form,
        sexes: SEXES,
        roles: HouseholdRole::ALL.iter().map(|r| (r.code(), r.label())).collect(),
        matches,
    })
}

/// The form to add a person to a family.
pub async fn new_person_form(State(state): State<AppState>, who: SignedIn, Path(id): Path<String>) -> Result<Response, AppError> {
    person_page(
        &state,
        &who,
        FamilyId::from_path(&id),
        FormErrors::default(),
        PersonForm::default(),
        Vec::new(),
    )
    .await
}

/// Parses an optional identifier: empty is "not known", anything else must be valid.
fn optional<T, E: std::fmt::Display>(
    errors: &mut FormErrors,
    field: &'static str,
    raw: &str,
    parse: impl Fn(&str) -> Result<T, E>,
) -> Option<T> {
    if raw.trim().is_empty() {
        None
    } else {
        errors.check(field, parse(raw))
    }
}

/// Parses a person as the form (or the API) gives them: names, a date of birth in the past,
/// sex, a place in the household that fits their age (a child or young person is 0–19, or up
/// to 25 with a disability), and any identifiers, each valid. Every problem goes in `errors`.
pub(crate) fn parse_person(errors: &mut FormErrors, f: &PersonForm, today: time::Date) -> Option<NewPerson> {
    let name = |errors: &mut FormErrors, field: &'static str, value: &str, what: &str| {
        let v = value.trim();
        if v.is_empty() {
            errors.add(field, format!("Enter the person’s {what}"));
        } else if v.chars().count() > 100 {
            errors.add(field, format!("The {what} must be 100 characters or fewer"));
        }
    };
    name(errors, "given_name", &f.given_name, "first name");
    name(errors, "family_name", &f.family_name, "last name");
    let date_of_birth = match super::organisations::parse_date(&f.date_of_birth, "the date of birth") {
        Ok(d) if d > today => {
            errors.add("date_of_birth", "The date of birth must be today or in the past");
            None
        }
        Ok(d) => Some(d),
        Err(message) => {
            errors.add("date_of_birth", message);
            None
        }
    };
    let sex = SEXES.iter().find(|(code, _)| *code == f.sex).map(|(code, _)| *code);
    if sex.is_none() {
        errors.add("sex", "Select the person’s sex, or ‘Not known’");
    }
    let role = f.household_role.parse::<HouseholdRole>().ok();
    if role.is_none() {
        errors.add("household_role", "Select the person’s place in the household");
    }
    // Early help's own age rule: a child or young person is 0–19, or up to 25 with a
    // disability; older than that, the person is an adult of the household.
    let has_disability = f.has_disability == "yes";
    if let (Some(role), Some(born)) = (role, date_of_birth)
        && let Err(refused) = domain::family::check_household_role(role, born, today, has_disability)
    {
        errors.add("date_of_birth", refused.to_string());
    }
    let nhs_number = optional(errors, "nhs_number", &f.nhs_number, NhsNumber::parse);
    let upn = optional(errors, "upn", &f.upn, UniquePupilNumber::parse);
    let national_insurance_number = optional(
        errors,
        "national_insurance_number",
        &f.national_insurance_number,
        NationalInsuranceNumber::parse,
    );
    let (Some(date_of_birth), Some(sex), Some(household_role), true) = (date_of_birth, sex, role, errors.is_empty()) else {
        return None;
    };
    Some(NewPerson {
        given_name: f.given_name.trim().to_owned(),
        family_name: f.family_name.trim().to_owned(),
        date_of_birth,
        sex,
        household_role,
        has_disability,
        nhs_number,
        upn,
        national_insurance_number,
    })
}

/// The people already held who may be `person`, as far as the asker may know of them (the
/// front door's county-wide search for MASH), for tell-it-once.
pub(crate) async fn possible_matches_for(
    state: &AppState,
    principal: &policy::Principal,
    permit: &policy::Permit<policy::RecordPerson>,
    person: &NewPerson,
) -> Result<Vec<PossibleMatch>, AppError> {
    let heading = state.store.family_heading(permit).await?.ok_or(AppError::NotFound)?;
    let details = PersonDetails {
        first_name: person.given_name.clone(),
        surname: person.family_name.clone(),
        date_of_birth: Some(person.date_of_birth),
        postcode: Some(heading.postcode),
        nhs_number: person.nhs_number.clone(),
        upn: person.upn.clone(),
        national_insurance_number: person.national_insurance_number.clone(),
    };
    let across = state.authority.decide(principal, policy::FindPeopleAcrossFamilies).ok();
    Ok(state
        .store
        .possible_matches(&state.authority, principal, across.as_ref(), &details)
        .await?)
}

/// The message beside the tell-it-once suggestions.
pub(crate) const MAY_BE_KNOWN: &str = "This person may already be known to early help: check the people listed, and confirm none of them is the same person before adding a new record";

/// Adds the person, unless people already held may be them and the person recording has not
/// yet said none of them is: then the form comes back with the suggestions.
pub async fn record_person(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<PersonForm>,
) -> Result<Response, AppError> {
    let id = FamilyId::from_path(&id);
    let permit = state.require_family(&who.principal, policy::RecordPerson, id, &who.address).await?;
    let f = form.value;
    let mut errors = FormErrors::default();
    let Some(person) = parse_person(&mut errors, &f, state.store.clock().today()) else {
        return person_page(&state, &who, id, errors, f, Vec::new()).await;
    };
    if f.not_a_duplicate != "yes" {
        let matches = possible_matches_for(&state, &who.principal, &permit, &person).await?;
        if !matches.is_empty() {
            errors.add("not_a_duplicate", MAY_BE_KNOWN);
            return person_page(&state, &who, id, errors, f, matches).await;
        }
    }
    state.store.record_person(&permit, &person, &who.address).await?;
    Ok(Redirect::to(&format!("/families/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "person_merge.html")]
struct MergePage {
    chrome: Chrome,
    family: FamilyId,
    address_line: String,
    person: store::people::PersonSummary,
    candidates: Vec<PossibleMatch>,
    errors: FormErrors,
}

impl MergePage {
    fn date(&self, d: &time::Date) -> String {
        long_date(*d)
    }
}

/// What the merge form sends: the duplicate as "<family id>/<person id>".
#[derive(Deserialize, Default, Clone)]
pub struct MergeForm {
    #[serde(default)]
    duplicate: String,
}

async fn merge_page(
    state: &AppState,
    who: &SignedIn,
    id: FamilyId,
    person: domain::PersonId,
    errors: FormErrors,
) -> Result<Response, AppError> {
    let permit = state.require_family(&who.principal, policy::RecordPerson, id, &who.address).await?;
    let heading = state.store.family_heading(&permit).await?.ok_or(AppError::NotFound)?;
    let (summary, details) = state.store.person_in_family(&permit, person).await?.ok_or(AppError::NotFound)?;
    // Only records in families this person may open, and so correct: merging is not the front
    // door's county-wide search.
    let candidates = state
        .store
        .possible_matches(&state.authority, &who.principal, None, &details)
        .await?
        .into_iter()
        .filter(|m| m.person != person && m.family.is_some())
        .collect();
    render(&MergePage {
        chrome: Chrome::signed_in(state, who, "Merge a duplicate record", "families").with_errors(&errors),
        family: id,
        address_line: heading.address_line,
        person: summary,
        candidates,
        errors,
    })
}

/// The records that may be duplicates of this person, to merge into it.
pub async fn merge_form(
    State(state): State<AppState>,
    who: SignedIn,
    Path((id, person)): Path<(String, String)>,
) -> Result<Response, AppError> {
    merge_page(
        &state,
        &who,
        FamilyId::from_path(&id),
        domain::PersonId::from_path(&person),
        FormErrors::default(),
    )
    .await
}

/// Merges the chosen duplicate into this person, with the history kept.
pub async fn merge(
    State(state): State<AppState>,
    who: SignedIn,
    Path((id, person)): Path<(String, String)>,
    form: CsrfForm<MergeForm>,
) -> Result<Response, AppError> {
    let id = FamilyId::from_path(&id);
    let person = domain::PersonId::from_path(&person);
    let keep = state.require_family(&who.principal, policy::RecordPerson, id, &who.address).await?;
    let mut errors = FormErrors::default();
    let chosen = form
        .value
        .duplicate
        .split_once('/')
        .and_then(|(f, p)| Some((f.parse::<FamilyId>().ok()?, p.parse::<domain::PersonId>().ok()?)));
    match chosen {
        None => errors.add("duplicate", "Select the record that is the same person"),
        Some((family, duplicate)) => {
            let other = state
                .require_family(&who.principal, policy::RecordPerson, family, &who.address)
                .await?;
            match state.store.merge_people((&keep, person), (&other, duplicate), &who.address).await {
                Ok(()) => return Ok(Redirect::to(&format!("/families/{id}")).into_response()),
                Err(store::people::MergeError::Store(e)) => return Err(e.into()),
                Err(e) => errors.add("duplicate", e.to_string()),
            }
        }
    }
    merge_page(&state, &who, id, person, errors).await
}
