//! People and roles: staff accounts, administered by administrators.

use super::{Chrome, render};
use crate::AppState;
use crate::error::AppError;
use crate::forms::{CsrfForm, FormErrors, NoFields};
use crate::session::SignedIn;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::email::EmailAddress;
use domain::role::Role;
use domain::{OrganisationId, UserId};
use serde::Deserialize;
use store::accounts::{NewStaff, StaffAccount};

#[derive(Template)]
#[template(path = "people.html")]
struct PeoplePage {
    chrome: Chrome,
    people: Vec<StaffAccount>,
    can_manage: bool,
}

/// Everyone with an account, by organisation.
pub async fn list(State(state): State<AppState>, who: SignedIn) -> Result<Response, AppError> {
    let permit = state.require(&who.principal, policy::ViewStaffDirectory, &who.address).await?;
    let people = state.store.list_staff(&permit).await?;
    render(&PeoplePage {
        chrome: Chrome::signed_in(&state, &who, "People and roles", "people"),
        people,
        can_manage: state.authority.decide(&who.principal, policy::ManageUsers).is_ok(),
    })
}

#[derive(Template)]
#[template(path = "person_new.html")]
struct NewPersonPage {
    chrome: Chrome,
    errors: FormErrors,
    form: NewPersonForm,
    organisations: Vec<(String, String)>,
    roles: Vec<(&'static str, &'static str, bool)>,
}

/// What the new-person form sends (roles come as repeated `roles` fields).
#[derive(Deserialize, Default, Clone)]
pub struct NewPersonForm {
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    given_name: String,
    #[serde(default)]
    family_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    job_title: String,
}

/// Every role as a checkbox: (code, label, checked).
fn role_options(checked: impl Fn(Role) -> bool) -> Vec<(&'static str, &'static str, bool)> {
    Role::ALL.iter().map(|r| (r.code(), r.label(), checked(*r))).collect()
}

async fn new_person_page(
    state: &AppState,
    who: &SignedIn,
    errors: FormErrors,
    form: NewPersonForm,
    chosen_roles: Vec<String>,
) -> Result<Response, AppError> {
    let organisations = organisations(state, who)
        .await?
        .into_iter()
        .map(|o| (o.id.to_string(), o.name))
        .collect();
    render(&NewPersonPage {
        chrome: Chrome::signed_in(state, who, "Add a person", "people").with_errors(&errors),
        errors,
        form,
        organisations,
        roles: role_options(|r| chosen_roles.iter().any(|c| c == r.code())),
    })
}

async fn organisations(state: &AppState, who: &SignedIn) -> Result<Vec<store::organisations::Organisation>, AppError> {
    let view = state.require(&who.principal, policy::ViewIsaRegister, &who.address).await?;
    Ok(state.store.list_organisations(&view).await?)
}

/// The form to add a person.
pub async fn new_form(State(state): State<AppState>, who: SignedIn) -> Result<Response, AppError> {
    state.require(&who.principal, policy::ManageUsers, &who.address).await?;
    new_person_page(&state, &who, FormErrors::default(), NewPersonForm::default(), Vec::new()).await
}

/// Creates an account and e-mails the person an invitation to choose their own password. The
/// administrator never sets or sees a password, so cannot sign in as the person; and the
/// address must be at the organisation's secure e-mail domain, so the invitation reaches a
/// mailbox of that organisation rather than one the administrator controls.
pub async fn create(State(state): State<AppState>, who: SignedIn, form: CsrfForm<NewPersonForm>) -> Result<Response, AppError> {
    let permit = state.require(&who.principal, policy::ManageUsers, &who.address).await?;
    let chosen: Vec<String> = form.all("roles").into_iter().map(str::to_owned).collect();
    let f = form.value;
    let mut errors = FormErrors::default();
    let organisation = errors.check(
        "organisation",
        f.organisation
            .parse::<OrganisationId>()
            .map_err(|_| "Select the person's organisation"),
    );
    if f.given_name.trim().is_empty() {
        errors.add("given_name", "Enter the person's first name");
    }
    if f.family_name.trim().is_empty() {
        errors.add("family_name", "Enter the person's last name");
    }
    let mut email = errors.check("email", EmailAddress::parse(&f.email));
    if let (Some(e), Some(org)) = (&email, organisation) {
        let domain = organisations(&state, &who)
            .await?
            .into_iter()
            .find(|o| o.id == org)
            .map(|o| o.secure_email_domain);
        match domain {
            Some(d) if e.is_on_domain(&d) => {}
            Some(d) => {
                errors.add(
                    "email",
                    format!("Enter an email address at {d}, the organisation's secure email domain"),
                );
                email = None;
            }
            None => errors.add("organisation", "Select the person's organisation"),
        }
    }
    if f.job_title.trim().is_empty() {
        errors.add("job_title", "Enter the person's job title");
    }
    let roles: Vec<Role> = chosen.iter().filter_map(|c| c.parse().ok()).collect();
    if roles.is_empty() {
        errors.add("roles", "Select at least one role");
    }
    if let (Some(organisation), Some(email), true) = (organisation, email, errors.is_empty()) {
        let new = NewStaff {
            organisation_id: organisation,
            email,
            given_name: f.given_name.trim().to_owned(),
            family_name: f.family_name.trim().to_owned(),
            job_title: f.job_title.trim().to_owned(),
            roles,
            password_hash: None,
            must_change_password: false,
        };
        let valid_for = time::Duration::try_from(state.config.invitation_valid_for).map_err(AppError::internal)?;
        match state.store.invite_staff(&permit, &new, valid_for).await {
            Ok(id) => return Ok(Redirect::to(&format!("/people/{id}")).into_response()),
            Err(store::StoreError::Duplicate(_)) => errors.add("email", "Someone already has an account with this email address"),
            Err(e) => return Err(e.into()),
        }
    }
    new_person_page(&state, &who, errors, f, chosen).await
}

/// Sends a new invitation to a person who has not yet chosen their password; the link in the
/// earlier one stops working.
pub async fn resend_invitation(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let id = parse_user(&id)?;
    let permit = state.require(&who.principal, policy::ManageUsers, &who.address).await?;
    let valid_for = time::Duration::try_from(state.config.invitation_valid_for).map_err(AppError::internal)?;
    state.store.resend_invitation(&permit, id, valid_for).await?;
    Ok(Redirect::to(&format!("/people/{id}#invitation")).into_response())
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    chrome: Chrome,
    person: StaffAccount,
    can_manage: bool,
    is_self: bool,
    roles: Vec<(&'static str, &'static str, bool)>,
    errors: FormErrors,
    /// The person's API tokens, for those who may issue them.
    tokens: Option<Vec<store::accounts::ApiToken>>,
    token_form: TokenForm,
    now: time::OffsetDateTime,
    /// The person's latest invitation and where it stands, for those who manage accounts.
    invitation: Option<(store::links::InvitationStatus, store::links::InvitationState)>,
}

impl PersonPage {
    fn when(&self, t: &time::OffsetDateTime) -> String {
        domain::clock::london_moment(*t)
    }

    fn invitation_text(&self) -> String {
        use store::links::InvitationState;
        let Some((status, state)) = &self.invitation else {
            return String::new();
        };
        match state {
            InvitationState::Accepted => format!("Accepted on {}", self.when(&status.used_at.unwrap_or(status.created_at))),
            InvitationState::Waiting => format!("Waiting to be sent (made on {})", self.when(&status.created_at)),
            InvitationState::Sent => format!(
                "Sent on {}; not accepted yet. The link stops working on {}.",
                self.when(&status.sent_at.unwrap_or(status.created_at)),
                self.when(&status.expires_at)
            ),
            InvitationState::NotDelivered => "The email could not be sent. Check the email address, then send a new invitation.".to_owned(),
            InvitationState::Expired => format!("Not accepted: the link stopped working on {}.", self.when(&status.expires_at)),
        }
    }

    fn may_resend(&self) -> bool {
        self.can_manage
            && self.person.active
            && self
                .invitation
                .as_ref()
                .is_some_and(|(_, s)| *s != store::links::InvitationState::Accepted)
    }

    fn token_state(&self, t: &store::accounts::ApiToken) -> &'static str {
        if t.revoked_at.is_some() {
            "Revoked"
        } else if t.expires_at.is_some_and(|e| e <= self.now) {
            "Expired"
        } else {
            "Active"
        }
    }
}

/// What the new-token form sends.
#[derive(Deserialize, Default, Clone)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    expires_in_days: String,
}

fn parse_user(id: &str) -> Result<UserId, AppError> {
    id.parse().map_err(|_| AppError::NotFound)
}

async fn person_page(state: &AppState, who: &SignedIn, id: UserId, errors: FormErrors) -> Result<Response, AppError> {
    person_page_with(state, who, id, errors, TokenForm::default()).await
}

async fn person_page_with(
    state: &AppState,
    who: &SignedIn,
    id: UserId,
    errors: FormErrors,
    token_form: TokenForm,
) -> Result<Response, AppError> {
    let permit = state.require(&who.principal, policy::ViewStaffDirectory, &who.address).await?;
    let person = state
        .store
        .view_staff_account(&permit, id, &who.address)
        .await?
        .ok_or(AppError::NotFound)?;
    let tokens = match state.authority.decide(&who.principal, policy::IssueApiToken) {
        Ok(permit) => Some(state.store.api_tokens_of(&permit, id).await?),
        Err(_) => None,
    };
    let now = state.store.now();
    let invitation = match state.authority.decide(&who.principal, policy::ManageUsers) {
        Ok(permit) => state.store.invitation_status(&permit, id).await?.map(|s| {
            let at = s.state(now);
            (s, at)
        }),
        Err(_) => None,
    };
    render(&PersonPage {
        invitation,
        chrome: Chrome::signed_in(state, who, person.full_name(), "people").with_errors(&errors),
        tokens,
        now,
        token_form: TokenForm {
            expires_in_days: if token_form.expires_in_days.is_empty() {
                "365".into()
            } else {
                token_form.expires_in_days
            },
            ..token_form
        },
        can_manage: state.authority.decide(&who.principal, policy::ManageUsers).is_ok(),
        is_self: person.id == who.account.id,
        roles: role_options(|r| person.roles.contains(&r)),
        person,
        errors,
    })
}

/// One person's account.
pub async fn show(State(state): State<AppState>, who: SignedIn, Path(id): Path<String>) -> Result<Response, AppError> {
    person_page(&state, &who, parse_user(&id)?, FormErrors::default()).await
}

/// What the roles and activation forms send.
#[derive(Deserialize)]
pub struct VersionForm {
    #[serde(default)]
    version: i64,
    #[serde(default)]
    active: String,
}

/// Replaces a person's roles.
pub async fn set_roles(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<VersionForm>,
) -> Result<Response, AppError> {
    let id = parse_user(&id)?;
    let permit = state.require(&who.principal, policy::ManageUsers, &who.address).await?;
    let roles: Vec<Role> = form.all("roles").into_iter().filter_map(|c| c.parse().ok()).collect();
    if roles.is_empty() {
        let mut errors = FormErrors::default();
        errors.add("roles", "Select at least one role");
        return person_page(&state, &who, id, errors).await;
    }
    state.store.set_roles(&permit, id, &roles, form.value.version).await?;
    Ok(Redirect::to(&format!("/people/{id}")).into_response())
}

/// Deactivates or reactivates an account. Nobody deactivates themselves (that locks out the
/// last administrator).
pub async fn set_active(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<VersionForm>,
) -> Result<Response, AppError> {
    let id = parse_user(&id)?;
    let permit = state.require(&who.principal, policy::ManageUsers, &who.address).await?;
    if id == who.account.id {
        return Err(AppError::BadRequest(
            "You cannot deactivate your own account. Ask another administrator.".into(),
        ));
    }
    state
        .store
        .set_active(&permit, id, form.value.active == "yes", form.value.version)
        .await?;
    Ok(Redirect::to(&format!("/people/{id}")).into_response())
}

/// Removes a person's second factor so they can set it up again (lost phone).
pub async fn reset_mfa(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let id = parse_user(&id)?;
    let permit = state.require(&who.principal, policy::ManageUsers, &who.address).await?;
    state.store.reset_mfa(&permit, id).await?;
    Ok(Redirect::to(&format!("/people/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "token_issued.html")]
struct TokenIssuedPage {
    chrome: Chrome,
    person: UserId,
    name: String,
    token: String,
    expires: String,
}

/// Issues an API token for an agency system acting as this person, and shows it once.
pub async fn issue_token(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<TokenForm>,
) -> Result<Response, AppError> {
    let id = parse_user(&id)?;
    let permit = state.require(&who.principal, policy::IssueApiToken, &who.address).await?;
    let f = form.value;
    let mut errors = FormErrors::default();
    if f.name.trim().is_empty() {
        errors.add("name", "Enter the name of the agency system the token is for");
    }
    let days = match f.expires_in_days.trim().parse::<i64>() {
        Ok(d) if (1..=730).contains(&d) => Some(d),
        _ => {
            errors.add("expires_in_days", "Enter how many days the token works for, from 1 to 730");
            None
        }
    };
    let (Some(days), true) = (days, errors.is_empty()) else {
        return person_page_with(&state, &who, id, errors, f).await;
    };
    let token = crate::session::new_token();
    let expires_at = state.store.now() + time::Duration::days(days);
    state
        .store
        .create_api_token(&permit, id, f.name.trim(), &crate::session::token_digest(&token), expires_at)
        .await?;
    render(&TokenIssuedPage {
        chrome: Chrome::signed_in(&state, &who, "API token issued", "people"),
        person: id,
        name: f.name.trim().to_owned(),
        token,
        expires: super::long_date(domain::clock::london_date(expires_at)),
    })
}

/// Revokes one API token at once.
pub async fn revoke_token(
    State(state): State<AppState>,
    who: SignedIn,
    Path((id, token)): Path<(String, String)>,
    _form: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let id = parse_user(&id)?;
    let token: domain::ApiTokenId = token.parse().map_err(|_| AppError::NotFound)?;
    let permit = state.require(&who.principal, policy::IssueApiToken, &who.address).await?;
    state.store.revoke_api_token(&permit, id, token).await?;
    Ok(Redirect::to(&format!("/people/{id}#api-tokens")).into_response())
}
