//! Organisations and the Information Sharing Agreement register.

use super::{Chrome, long_date, render};
use crate::AppState;
use crate::error::AppError;
use crate::forms::{CsrfForm, FormErrors};
use crate::session::SignedIn;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::OrganisationId;
use domain::organisation::{IsaError, IsaStanding, IsaStatus, OrganisationKind};
use serde::Deserialize;
use store::organisations::{Application, Organisation};
use time::Date;

/// A row of the register as shown.
pub struct RegisterRow {
    /// The organisation.
    pub org: Organisation,
    /// Its standing today.
    pub standing: IsaStanding,
    /// Signed on, if signed.
    pub signed: String,
    /// Review due, if signed.
    pub review: String,
}

/// The GOV.UK tag colour for a standing.
pub fn tag_class(s: &IsaStanding) -> &'static str {
    match s {
        IsaStanding::Current => "govuk-tag--green",
        IsaStanding::Pending => "govuk-tag--blue",
        IsaStanding::Lapsed => "govuk-tag--red",
        IsaStanding::Withdrawn => "govuk-tag--grey",
    }
}

fn row(org: Organisation, today: Date) -> RegisterRow {
    let (signed, review) = match &org.isa {
        IsaStatus::Signed { signed_on, review_due, .. } => (long_date(*signed_on), long_date(*review_due)),
        IsaStatus::Applied { applied_on } => (format!("Applied {}", long_date(*applied_on)), String::new()),
        IsaStatus::Withdrawn { withdrawn_on } => (format!("Withdrew {}", long_date(*withdrawn_on)), String::new()),
    };
    RegisterRow {
        standing: org.isa.standing(today),
        org,
        signed,
        review,
    }
}

#[derive(Template)]
#[template(path = "organisations.html")]
struct RegisterPage {
    chrome: Chrome,
    rows: Vec<RegisterRow>,
    can_manage: bool,
    current: usize,
}

/// The ISA register.
pub async fn register(State(state): State<AppState>, who: SignedIn) -> Result<Response, AppError> {
    let permit = state.require(&who.principal, policy::ViewIsaRegister, &who.address).await?;
    let today = state.store.clock().today();
    let rows: Vec<RegisterRow> = state
        .store
        .list_organisations(&permit)
        .await?
        .into_iter()
        .map(|o| row(o, today))
        .collect();
    render(&RegisterPage {
        chrome: Chrome::signed_in(&state, &who, "Organisations", "organisations"),
        current: rows.iter().filter(|r| r.standing == IsaStanding::Current).count(),
        rows,
        can_manage: state.authority.decide(&who.principal, policy::ManageOrganisations).is_ok(),
    })
}

#[derive(Template)]
#[template(path = "organisation.html")]
struct OrganisationPage {
    chrome: Chrome,
    row: RegisterRow,
    signatory: String,
    can_manage: bool,
    errors: FormErrors,
    form: SignatureForm,
}

fn parse_id(id: &str) -> Result<OrganisationId, AppError> {
    id.parse().map_err(|_| AppError::NotFound)
}

async fn organisation_page(
    state: &AppState,
    who: &SignedIn,
    id: OrganisationId,
    errors: FormErrors,
    form: SignatureForm,
) -> Result<Response, AppError> {
    let permit = state.require(&who.principal, policy::ViewIsaRegister, &who.address).await?;
    let org = state.store.organisation(&permit, id).await?.ok_or(AppError::NotFound)?;
    let signatory = match &org.isa {
        IsaStatus::Signed { signatory, .. } => signatory.clone(),
        _ => String::new(),
    };
    let row = row(org, state.store.clock().today());
    render(&OrganisationPage {
        chrome: Chrome::signed_in(state, who, row.org.name.clone(), "organisations").with_errors(&errors),
        row,
        signatory,
        can_manage: state
            .authority
            .decide_organisation(&who.principal, policy::ManageOrganisation, id)
            .is_ok(),
        errors,
        form,
    })
}

/// One organisation.
pub async fn show(State(state): State<AppState>, who: SignedIn, Path(id): Path<String>) -> Result<Response, AppError> {
    organisation_page(&state, &who, parse_id(&id)?, FormErrors::default(), SignatureForm::default()).await
}

/// What the record-a-signature form sends (approval of an application, or renewal).
#[derive(Deserialize, Default, Clone)]
pub struct SignatureForm {
    #[serde(default)]
    signatory: String,
    #[serde(default)]
    signed_on: String,
    #[serde(default)]
    review_due: String,
    #[serde(default)]
    version: i64,
}

/// Parses a date typed as DD/MM/YYYY or YYYY-MM-DD; `what` names it in the error message,
/// as GOV.UK asks ("Enter the date the agreement was signed").
pub fn parse_date(s: &str, what: &str) -> Result<Date, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err(format!("Enter {what}"));
    }
    let iso = time::macros::format_description!("[year]-[month]-[day]");
    let uk = time::macros::format_description!("[day padding:none]/[month padding:none]/[year]");
    Date::parse(s, uk)
        .or_else(|_| Date::parse(s, iso))
        .map_err(|_| format!("{} must be a real date, like 25/11/2026", capitalise(what)))
}

/// Approves a pending application or renews a signature.
pub async fn record_signature(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<SignatureForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let permit = state
        .require_organisation(&who.principal, policy::ManageOrganisation, id, &who.address)
        .await?;
    let view = state.require(&who.principal, policy::ViewIsaRegister, &who.address).await?;
    let org = state.store.organisation(&view, id).await?.ok_or(AppError::NotFound)?;
    let f = form.value;
    let mut errors = FormErrors::default();
    if f.signatory.trim().is_empty() {
        errors.add("signatory", "Enter who signed the agreement for the organisation");
    }
    let signed_on = errors.check("signed_on", parse_date(&f.signed_on, "the date the agreement was signed"));
    let review_due = errors.check("review_due", parse_date(&f.review_due, "the date the signature is due for review"));
    if let (Some(s), Some(r), true) = (signed_on, review_due, errors.is_empty()) {
        let today = state.store.clock().today();
        let next = match &org.isa {
            IsaStatus::Applied { .. } => org.isa.approve(s, &f.signatory, r, today),
            _ => org.isa.renew(s, &f.signatory, r, today),
        };
        match next {
            Ok(status) => {
                state.store.set_isa_status(&permit, &status, f.version).await?;
                return Ok(Redirect::to(&format!("/organisations/{id}")).into_response());
            }
            Err(e @ IsaError::SignedInFuture) => errors.add("signed_on", e.to_string()),
            Err(e @ IsaError::NoSignatory) => errors.add("signatory", e.to_string()),
            Err(e) => errors.add("review_due", e.to_string()),
        }
    }
    organisation_page(&state, &who, id, errors, f).await
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// What the second-factor switch sends.
#[derive(Deserialize)]
pub struct MfaForm {
    #[serde(default)]
    required: String,
    #[serde(default)]
    version: i64,
}

/// Requires, or stops requiring, a second factor of an organisation's staff.
pub async fn set_mfa(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<MfaForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let permit = state
        .require_organisation(&who.principal, policy::ManageOrganisation, id, &who.address)
        .await?;
    state
        .store
        .set_organisation_mfa(&permit, form.value.required == "yes", form.value.version)
        .await?;
    Ok(Redirect::to(&format!("/organisations/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "organisation_apply.html")]
struct ApplyPage {
    chrome: Chrome,
    errors: FormErrors,
    form: ApplyForm,
    kinds: Vec<(&'static str, &'static str)>,
}

/// What the application form sends.
#[derive(Deserialize, Default, Clone)]
pub struct ApplyForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    secure_email_domain: String,
    #[serde(default)]
    address: String,
}

fn kinds() -> Vec<(&'static str, &'static str)> {
    OrganisationKind::ALL.iter().map(|k| (k.code(), k.label())).collect()
}

/// The form to record an organisation's application to join.
pub async fn apply_form(State(state): State<AppState>, who: SignedIn) -> Result<Response, AppError> {
    state.require(&who.principal, policy::ApplyToJoin, &who.address).await?;
    render(&ApplyPage {
        chrome: Chrome::signed_in(&state, &who, "Record an application to join", "organisations"),
        errors: FormErrors::default(),
        form: ApplyForm::default(),
        kinds: kinds(),
    })
}

/// Records an application; an administrator then approves it on the organisation's page.
pub async fn apply(State(state): State<AppState>, who: SignedIn, form: CsrfForm<ApplyForm>) -> Result<Response, AppError> {
    let permit = state.require(&who.principal, policy::ApplyToJoin, &who.address).await?;
    let f = form.value;
    let mut errors = FormErrors::default();
    if f.name.trim().is_empty() {
        errors.add("name", "Enter the organisation's name");
    }
    let kind = errors.check(
        "kind",
        f.kind
            .parse::<OrganisationKind>()
            .map_err(|_| "Select what kind of organisation it is"),
    );
    let domain = f.secure_email_domain.trim().trim_start_matches('@').to_lowercase();
    if domain.is_empty() {
        errors.add("secure_email_domain", "Enter the domain the organisation's secure email comes from");
    } else if domain::email::EmailAddress::parse(&format!("x@{domain}")).is_err() {
        errors.add(
            "secure_email_domain",
            "Enter a domain like agency.example.org.uk, without the part before the @",
        );
    }
    if f.address.trim().is_empty() {
        errors.add("address", "Enter the organisation's address");
    }
    if let (Some(kind), true) = (kind, errors.is_empty()) {
        let app = Application {
            name: f.name.trim().to_owned(),
            kind,
            secure_email_domain: domain,
            address: f.address.trim().to_owned(),
        };
        match state.store.record_application(&permit, &app).await {
            Ok(id) => return Ok(Redirect::to(&format!("/organisations/{id}")).into_response()),
            Err(store::StoreError::Duplicate(_)) => errors.add("name", "An organisation with this name is already on the register"),
            Err(e) => return Err(e.into()),
        }
    }
    render(&ApplyPage {
        chrome: Chrome::signed_in(&state, &who, "Record an application to join", "organisations").with_errors(&errors),
        errors,
        form: f,
        kinds: kinds(),
    })
}
