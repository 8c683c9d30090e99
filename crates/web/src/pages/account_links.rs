//! Pages reached from an e-mailed link, and the request for one: accepting an invitation
//! (choosing a first password), "forgotten your password?" and choosing a new password.
//!
//! The link's token travels in the query string (the request log records paths only) and
//! then in a hidden form field. Opening a link changes nothing, so a mail scanner that
//! follows it cannot spend it; only the form that sets the password does. Nobody here is
//! signed in: holding the token is the proof, and the store checks it in the same
//! transaction that spends it.

use super::{Chrome, render};
use crate::AppState;
use crate::error::AppError;
use crate::forms::{CsrfForm, FormErrors};
use crate::session::{self, ClientAddress};
use crate::{passwords, throttle};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use domain::email::EmailAddress;
use domain::password::NewPassword;
use serde::Deserialize;
use store::links::{LinkHolder, LinkPurpose};

/// Shown when too many reset links were asked for: the same whether or not the address has
/// an account.
pub const RESET_LOCKED: &str = "You have asked for too many links. Wait 15 minutes, then try again.";

/// The token in a link's query string.
#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

#[derive(Template)]
#[template(path = "choose_password.html")]
struct ChoosePasswordPage {
    chrome: Chrome,
    errors: FormErrors,
    action: &'static str,
    heading: &'static str,
    button: &'static str,
    invitation: bool,
    token: String,
    holder: LinkHolder,
}

#[derive(Template)]
#[template(path = "link_not_working.html")]
struct LinkNotWorkingPage {
    chrome: Chrome,
    invitation: bool,
}

fn purpose_of(invitation: bool) -> LinkPurpose {
    if invitation {
        LinkPurpose::Invitation
    } else {
        LinkPurpose::PasswordReset
    }
}

fn choose_password_page(
    state: &AppState,
    jar: CookieJar,
    invitation: bool,
    token: String,
    holder: LinkHolder,
    errors: FormErrors,
) -> Result<Response, AppError> {
    let (jar, csrf) = session::ensure_visitor(state, jar);
    let (action, heading, button) = if invitation {
        ("/invitation", "Choose your password", "Save password and continue")
    } else {
        ("/password-reset", "Choose a new password", "Save new password")
    };
    let page = ChoosePasswordPage {
        chrome: Chrome::anonymous(state, csrf, heading).with_errors(&errors),
        errors,
        action,
        heading,
        button,
        invitation,
        token,
        holder,
    };
    Ok((jar, render(&page)?).into_response())
}

fn link_not_working(state: &AppState, jar: CookieJar, invitation: bool) -> Result<Response, AppError> {
    let (jar, csrf) = session::ensure_visitor(state, jar);
    let page = LinkNotWorkingPage {
        chrome: Chrome::anonymous(state, csrf, "This link has stopped working"),
        invitation,
    };
    Ok((jar, render(&page)?).into_response())
}

async fn open_link(state: &AppState, jar: CookieJar, token: String, invitation: bool) -> Result<Response, AppError> {
    match state.store.link_holder(&token, purpose_of(invitation)).await? {
        Some(holder) => choose_password_page(state, jar, invitation, token, holder, FormErrors::default()),
        None => link_not_working(state, jar, invitation),
    }
}

/// An invitation link: the form to choose a first password.
pub async fn invitation(State(state): State<AppState>, jar: CookieJar, Query(q): Query<TokenQuery>) -> Result<Response, AppError> {
    open_link(&state, jar, q.token, true).await
}

/// A password-reset link: the form to choose a new password.
pub async fn password_reset(State(state): State<AppState>, jar: CookieJar, Query(q): Query<TokenQuery>) -> Result<Response, AppError> {
    open_link(&state, jar, q.token, false).await
}

/// What the choose-a-password form sends.
#[derive(Deserialize)]
pub struct ChoosePasswordForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

/// Checks the new password against the rules; the errors to show, or the password.
fn check_new_password(holder: &LinkHolder, form: &ChoosePasswordForm) -> Result<NewPassword, FormErrors> {
    let mut errors = FormErrors::default();
    let new = errors.check(
        "new_password",
        NewPassword::for_person(&form.new_password, Some(&holder.email), &holder.given_name, &holder.family_name),
    );
    if new.is_some() && form.new_password != form.confirm_password {
        errors.add("confirm_password", "The passwords do not match");
    }
    new.filter(|_| errors.is_empty()).ok_or(errors)
}

/// Accepts an invitation: sets the first password and signs the person in. If their role or
/// organisation needs a second factor, the next page they reach is setting one up.
pub async fn accept_invitation(
    State(state): State<AppState>,
    jar: CookieJar,
    ClientAddress(address): ClientAddress,
    form: CsrfForm<ChoosePasswordForm>,
) -> Result<Response, AppError> {
    let f = form.value;
    // The link is checked before any password is hashed, so a made-up token costs no argon2.
    let Some(holder) = state.store.link_holder(&f.token, LinkPurpose::Invitation).await? else {
        return link_not_working(&state, jar, true);
    };
    let password = match check_new_password(&holder, &f) {
        Ok(p) => p,
        Err(errors) => return choose_password_page(&state, jar, true, f.token, holder, errors),
    };
    let hash = passwords::hash(password.expose().to_owned()).await?;
    let Some(user) = state.store.accept_invitation(&f.token, &hash, &address).await? else {
        return link_not_working(&state, jar, true);
    };
    let jar = session::start_session(&state, jar, user, &address, false).await?;
    Ok((jar, Redirect::to("/")).into_response())
}

/// Sets the new password from a reset link and ends every session of the account. The person
/// then signs in again, second factor included: a reset never passes it for them.
pub async fn reset_password(
    State(state): State<AppState>,
    jar: CookieJar,
    ClientAddress(address): ClientAddress,
    form: CsrfForm<ChoosePasswordForm>,
) -> Result<Response, AppError> {
    let f = form.value;
    let Some(holder) = state.store.link_holder(&f.token, LinkPurpose::PasswordReset).await? else {
        return link_not_working(&state, jar, false);
    };
    let password = match check_new_password(&holder, &f) {
        Ok(p) => p,
        Err(errors) => return choose_password_page(&state, jar, false, f.token, holder, errors),
    };
    let hash = passwords::hash(password.expose().to_owned()).await?;
    if state.store.reset_password(&f.token, &hash, &address).await?.is_none() {
        return link_not_working(&state, jar, false);
    }
    let jar = jar.remove(session::removal_cookie(&state, session::SESSION));
    Ok((jar, Redirect::to("/sign-in/password-changed")).into_response())
}

#[derive(Template)]
#[template(path = "forgotten_password.html")]
struct ForgottenPasswordPage {
    chrome: Chrome,
    errors: FormErrors,
    email: String,
    /// After a request: the "check your email" page instead of the form.
    sent: bool,
}

/// "Forgotten your password?": the form for a reset link.
pub async fn forgotten_password_form(State(state): State<AppState>, jar: CookieJar) -> Result<Response, AppError> {
    let (jar, csrf) = session::ensure_visitor(&state, jar);
    let page = ForgottenPasswordPage {
        chrome: Chrome::anonymous(&state, csrf, "Reset your password"),
        errors: FormErrors::default(),
        email: String::new(),
        sent: false,
    };
    Ok((jar, render(&page)?).into_response())
}

/// What the forgotten-password form sends.
#[derive(Deserialize)]
pub struct ForgottenPasswordForm {
    #[serde(default)]
    email: String,
}

/// Asks for a reset link. The answer is the same whether or not the address has an account,
/// is deactivated or is still waiting for its invitation; only an active account with a
/// password is sent a link, by the worker, after this answer has gone.
pub async fn request_password_reset(
    State(state): State<AppState>,
    jar: CookieJar,
    ClientAddress(address): ClientAddress,
    form: CsrfForm<ForgottenPasswordForm>,
) -> Result<Response, AppError> {
    let typed = form.value.email;
    let mut errors = FormErrors::default();
    let email = errors.check("email", EmailAddress::parse(&typed));
    let mut sent = false;
    if let Some(email) = &email {
        if throttle::reset_locked(&state, email, &address).await? {
            errors.add("email", RESET_LOCKED);
        } else {
            let valid_for = time::Duration::try_from(state.config.password_reset_valid_for).map_err(AppError::internal)?;
            state
                .store
                .request_password_reset(email, &throttle::reset_subjects(email, &address), &address, valid_for)
                .await?;
            sent = true;
        }
    }
    let (jar, csrf) = session::ensure_visitor(&state, jar);
    let title = if sent { "Check your email" } else { "Reset your password" };
    let page = ForgottenPasswordPage {
        chrome: Chrome::anonymous(&state, csrf, title).with_errors(&errors),
        errors,
        email: typed,
        sent,
    };
    Ok((jar, render(&page)?).into_response())
}
