//! Signing in and out.

use super::{Chrome, render};
use crate::AppState;
use crate::error::AppError;
use crate::forms::{CsrfForm, FormErrors, NoFields};
use crate::session::{self, ClientAddress};
use crate::{passwords, throttle};
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use domain::email::EmailAddress;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    chrome: Chrome,
    errors: FormErrors,
    email: String,
    notice: Option<&'static str>,
}

/// Shown for a wrong address or password: the same words either way, so the page never says
/// whether an account exists.
pub const WRONG_CREDENTIALS: &str = "Enter a correct email address and password";
/// Shown while sign-in is locked after repeated failures.
pub const LOCKED: &str = "You have tried to sign in too many times. Wait 15 minutes, then try again.";

/// The sign-in form.
pub async fn form(State(state): State<AppState>, jar: CookieJar) -> Result<Response, AppError> {
    let (jar, csrf) = session::ensure_visitor(&state, jar);
    let page = SignInPage {
        chrome: Chrome::anonymous(&state, csrf, "Sign in"),
        errors: FormErrors::default(),
        email: String::new(),
        notice: None,
    };
    Ok((jar, render(&page)?).into_response())
}

/// What the sign-in form sends.
#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// Checks the password, throttling repeated failures, and starts a session.
pub async fn submit(
    State(state): State<AppState>,
    jar: CookieJar,
    ClientAddress(address): ClientAddress,
    form: CsrfForm<SignInForm>,
) -> Result<Response, AppError> {
    let SignInForm { email: typed, password } = form.value;
    let mut errors = FormErrors::default();
    let email = errors.check("email", EmailAddress::parse(&typed));
    if password.is_empty() {
        errors.add("password", "Enter your password");
    }
    let again = |errors: FormErrors, notice: Option<&'static str>, jar: CookieJar| -> Result<Response, AppError> {
        let (jar, csrf) = session::ensure_visitor(&state, jar);
        let page = SignInPage {
            chrome: Chrome::anonymous(&state, csrf, "Sign in").with_errors(&errors),
            errors,
            email: typed.clone(),
            notice,
        };
        Ok((jar, render(&page)?).into_response())
    };
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return again(errors, None, jar);
    };
    if throttle::locked(&state, Some(&email), &address).await? {
        return again(FormErrors::default(), Some(LOCKED), jar);
    }
    let record = state.store.find_sign_in(&email).await?;
    let stored = record.as_ref().filter(|r| r.active).and_then(|r| r.password_hash.clone());
    if !passwords::verify(password, stored).await {
        state
            .store
            .record_sign_in_failure(&throttle::subjects(Some(&email), &address), record.map(|r| r.id), &address)
            .await?;
        let mut errors = FormErrors::default();
        errors.add("email", WRONG_CREDENTIALS);
        return again(errors, None, jar);
    }
    let Some(record) = record else {
        return Err(AppError::internal("verified password without an account"));
    };
    for subject in throttle::subjects(Some(&email), &address)
        .iter()
        .filter(|s| s.starts_with("account:"))
    {
        state.store.clear_sign_in_failures(subject).await?;
    }
    let jar = session::start_session(&state, jar, record.id, &address, false).await?;
    Ok((jar, Redirect::to("/")).into_response())
}

/// Ends this session, then shows the signed-out page (a redirect, so refreshing it is harmless).
pub async fn sign_out(State(state): State<AppState>, jar: CookieJar, _form: CsrfForm<NoFields>) -> Result<Response, AppError> {
    let jar = session::end_session(&state, jar).await?;
    Ok((jar, Redirect::to("/signed-out")).into_response())
}

/// The sign-in form with a note that the person has signed out.
pub async fn signed_out(State(state): State<AppState>, jar: CookieJar) -> Result<Response, AppError> {
    let (jar, csrf) = session::ensure_visitor(&state, jar);
    let page = SignInPage {
        chrome: Chrome::anonymous(&state, csrf, "Signed out"),
        errors: FormErrors::default(),
        email: String::new(),
        notice: Some("You have signed out"),
    };
    Ok((jar, render(&page)?).into_response())
}

/// The sign-in form after a password reset: every session ended, so the person signs in again
/// with the new password (and their second factor, if they have one).
pub async fn password_changed(State(state): State<AppState>, jar: CookieJar) -> Result<Response, AppError> {
    let (jar, csrf) = session::ensure_visitor(&state, jar);
    let page = SignInPage {
        chrome: Chrome::anonymous(&state, csrf, "Password changed"),
        errors: FormErrors::default(),
        email: String::new(),
        notice: Some("Your password has been changed. Sign in with your new password."),
    };
    Ok((jar, render(&page)?).into_response())
}
