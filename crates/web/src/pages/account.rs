//! My account: details, password, second factor, and signing out everywhere.

use super::{Chrome, render};
use crate::AppState;
use crate::error::AppError;
use crate::forms::{CsrfForm, FormErrors, NoFields};
use crate::passwords;
use crate::session::{self, PartlySignedIn, SignedIn, principal_for};
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use domain::password::NewPassword;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    chrome: Chrome,
    account: store::accounts::StaffAccount,
    recovery_codes_left: i64,
    requires_mfa: bool,
}

/// Your account.
pub async fn show(State(state): State<AppState>, who: SignedIn) -> Result<Response, AppError> {
    let recovery_codes_left = state.store.recovery_codes_left(who.account.id).await?;
    render(&AccountPage {
        chrome: Chrome::signed_in(&state, &who, "Your account", "account"),
        requires_mfa: who.account.requires_mfa(),
        account: who.account,
        recovery_codes_left,
    })
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    chrome: Chrome,
    errors: FormErrors,
    forced: bool,
}

fn password_chrome(state: &AppState, who: &PartlySignedIn, errors: &FormErrors) -> Chrome {
    Chrome::partly_signed_in(state, who, "Change your password").with_errors(errors)
}

/// The change-password form (also where people land when they must choose a new one).
pub async fn password_form(State(state): State<AppState>, who: PartlySignedIn) -> Result<Response, AppError> {
    if who.account.must_pass_second_factor() && !who.mfa_passed {
        return Ok(Redirect::to("/sign-in/second-factor").into_response());
    }
    let errors = FormErrors::default();
    render(&PasswordPage {
        chrome: password_chrome(&state, &who, &errors),
        forced: who.account.must_change_password,
        errors,
    })
}

/// What the change-password form sends.
#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

/// Changes the password after checking the current one; other sessions end.
pub async fn change_password(
    State(state): State<AppState>,
    who: PartlySignedIn,
    form: CsrfForm<PasswordForm>,
) -> Result<Response, AppError> {
    if who.account.must_pass_second_factor() && !who.mfa_passed {
        return Ok(Redirect::to("/sign-in/second-factor").into_response());
    }
    let f = form.value;
    let mut errors = FormErrors::default();
    if f.current_password.is_empty() {
        errors.add("current_password", "Enter your current password");
    } else {
        let stored = state.store.find_sign_in(&who.account.email).await?.and_then(|r| r.password_hash);
        if !passwords::verify(f.current_password, stored).await {
            errors.add("current_password", "Your current password is not correct");
        }
    }
    let new = errors.check(
        "new_password",
        NewPassword::for_person(
            &f.new_password,
            Some(&who.account.email),
            &who.account.given_name,
            &who.account.family_name,
        ),
    );
    if new.is_some() && f.new_password != f.confirm_password {
        errors.add("confirm_password", "The passwords do not match");
    }
    let Some(new) = new.filter(|_| errors.is_empty()) else {
        return render(&PasswordPage {
            chrome: password_chrome(&state, &who, &errors),
            forced: who.account.must_change_password,
            errors,
        });
    };
    let principal = principal_for(&state, &who.account, who.mfa_passed);
    let permit = state.require(&principal, policy::ManageOwnAccount, &who.address).await?;
    let hash = passwords::hash(new.expose().to_owned()).await?;
    state.store.change_own_password(&permit, &hash, &who.token_hash).await?;
    Ok(Redirect::to("/account").into_response())
}

/// Ends every session of this person, on every server.
pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    jar: CookieJar,
    who: SignedIn,
    _form: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let permit = state.require(&who.principal, policy::ManageOwnAccount, &who.address).await?;
    state.store.end_all_sessions(&permit, who.account.id).await?;
    let jar = jar.remove(session::removal_cookie(&state, session::SESSION));
    Ok((jar, Redirect::to("/sign-in")).into_response())
}
