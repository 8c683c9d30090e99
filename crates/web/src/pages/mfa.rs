//! The second factor: a time-based one-time code from an authenticator app (RFC 6238), with
//! single-use recovery codes for a lost phone. Required for administrators and information
//! governance, and for all staff of organisations that switch it on.

use super::{Chrome, render};
use crate::AppState;
use crate::error::AppError;
use crate::forms::{CsrfForm, FormErrors};
use crate::session::{self, PartlySignedIn, token_digest};
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use totp_rs::{Builder, Secret, Totp};

/// Builds the TOTP checker for a stored base32 secret.
pub fn totp_for(secret_base32: &str, account: &str) -> Result<Totp, AppError> {
    let secret = Secret::try_from_base32(secret_base32).map_err(AppError::internal)?;
    Builder::new()
        .with_secret(secret)
        .with_account_name(account)
        .with_issuer(Some("Early Help"))
        .build()
        .map_err(AppError::internal)
}

fn now_secs(state: &AppState) -> u64 {
    u64::try_from(state.store.clock().now().unix_timestamp()).unwrap_or(0)
}

#[derive(Template)]
#[template(path = "mfa_challenge.html")]
struct ChallengePage {
    chrome: Chrome,
    errors: FormErrors,
}

/// Asks for the code after a correct password.
pub async fn challenge(State(state): State<AppState>, who: PartlySignedIn) -> Result<Response, AppError> {
    if !who.account.mfa_enabled {
        return Ok(Redirect::to("/account/second-factor").into_response());
    }
    render(&ChallengePage {
        chrome: Chrome::partly_signed_in(&state, &who, "Enter your security code"),
        errors: FormErrors::default(),
    })
}

/// What the code form sends.
#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

fn mfa_subject(who: &PartlySignedIn) -> String {
    format!("mfa:{}", who.account.id)
}

/// Checks a code or a recovery code.
pub async fn verify(
    State(state): State<AppState>,
    jar: CookieJar,
    who: PartlySignedIn,
    form: CsrfForm<CodeForm>,
) -> Result<Response, AppError> {
    let typed: String = form.value.code.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    let mut errors = FormErrors::default();
    let since = state.store.clock().now() - state.config.failure_window;
    let subject = mfa_subject(&who);
    if state.store.sign_in_failures_since(&subject, since).await? >= state.config.account_failure_limit {
        errors.add("code", crate::pages::sign_in::LOCKED);
    } else if typed.is_empty() {
        errors.add("code", "Enter the security code from your authenticator app, or a recovery code");
    } else {
        let (secret, _) = state.store.mfa_secrets(who.account.id).await?;
        let secret = secret.ok_or(AppError::NotSignedIn)?;
        let step = if typed.len() == 6 {
            totp_for(&secret, who.account.email.as_str())?.check(&typed, now_secs(&state))
        } else {
            None
        };
        let ok_code = match step {
            Some(step) => state.store.accept_totp_step(who.account.id, step).await?,
            None => false,
        };
        let ok_recovery = !ok_code
            && typed.len() > 6
            && state
                .store
                .use_recovery_code(who.account.id, &token_digest(&typed.to_lowercase()))
                .await?;
        if ok_code || ok_recovery {
            state.store.clear_sign_in_failures(&subject).await?;
            let (jar, new_hash) = session::rotated(&state, jar);
            state
                .store
                .pass_session_mfa(&who.token_hash, &new_hash, who.account.id, &who.address)
                .await?;
            return Ok((jar, Redirect::to("/")).into_response());
        }
        state
            .store
            .record_sign_in_failure(&[subject], Some(who.account.id), &who.address)
            .await?;
        errors.add(
            "code",
            "The security code is not correct, or has expired. Enter the code your app shows now",
        );
    }
    render(&ChallengePage {
        chrome: Chrome::partly_signed_in(&state, &who, "Enter your security code").with_errors(&errors),
        errors,
    })
}

#[derive(Template)]
#[template(path = "mfa_setup.html")]
struct SetupPage {
    chrome: Chrome,
    errors: FormErrors,
    qr_svg_base64: String,
    secret: String,
    already_enabled: bool,
}

/// Enrolment: a new secret shown as a QR code and as text.
pub async fn setup(State(state): State<AppState>, who: PartlySignedIn) -> Result<Response, AppError> {
    if who.account.mfa_enabled {
        if !who.mfa_passed {
            return Ok(Redirect::to("/sign-in/second-factor").into_response());
        }
        return render(&SetupPage {
            chrome: Chrome::partly_signed_in(&state, &who, "Second factor"),
            errors: FormErrors::default(),
            qr_svg_base64: String::new(),
            secret: String::new(),
            already_enabled: true,
        });
    }
    // Keep a secret already shown: after a reload or the back button, the app the person
    // just scanned must still match.
    let secret = match state.store.mfa_secrets(who.account.id).await? {
        (_, Some(pending)) => pending,
        _ => {
            let secret = Secret::generate().to_base32();
            state.store.begin_mfa_enrolment(who.account.id, &secret).await?;
            secret
        }
    };
    setup_page(&state, &who, secret, FormErrors::default())
}

fn setup_page(state: &AppState, who: &PartlySignedIn, secret: String, errors: FormErrors) -> Result<Response, AppError> {
    let totp = totp_for(&secret, who.account.email.as_str())?;
    let url = totp.to_url().map_err(AppError::internal)?;
    let qr = qr_svg_base64(&url)?;
    render(&SetupPage {
        chrome: Chrome::partly_signed_in(state, who, "Set up your second factor").with_errors(&errors),
        errors,
        qr_svg_base64: qr,
        secret,
        already_enabled: false,
    })
}

#[derive(Template)]
#[template(path = "mfa_recovery_codes.html")]
struct RecoveryCodesPage {
    chrome: Chrome,
    codes: Vec<String>,
}

/// Confirms enrolment with a first code, and shows the recovery codes once.
pub async fn confirm_setup(
    State(state): State<AppState>,
    jar: CookieJar,
    who: PartlySignedIn,
    form: CsrfForm<CodeForm>,
) -> Result<Response, AppError> {
    let typed: String = form.value.code.chars().filter(|c| c.is_ascii_digit()).collect();
    let (_, pending) = state.store.mfa_secrets(who.account.id).await?;
    let Some(pending) = pending else {
        return Ok(Redirect::to("/account/second-factor").into_response());
    };
    let totp = totp_for(&pending, who.account.email.as_str())?;
    let step = if typed.len() == 6 {
        totp.check(&typed, now_secs(&state))
    } else {
        None
    };
    let Some(step) = step else {
        let mut errors = FormErrors::default();
        errors.add(
            "code",
            if typed.is_empty() {
                "Enter the 6-digit code from your authenticator app"
            } else {
                "The code is not correct. Enter the 6-digit code your app shows now"
            },
        );
        return setup_page(&state, &who, pending, errors);
    };
    state.store.accept_totp_step(who.account.id, step).await?;
    let codes: Vec<String> = (0..10).map(|_| recovery_code()).collect();
    let hashes: Vec<String> = codes.iter().map(|c| token_digest(&c.replace('-', ""))).collect();
    let (jar, new_hash) = session::rotated(&state, jar);
    state
        .store
        .complete_mfa_enrolment(who.account.id, &hashes, &who.token_hash, &new_hash)
        .await?;
    // The page carries the new session's CSRF token, as the next request will send its cookie.
    let chrome = Chrome {
        csrf: session::csrf_for_jar(&state, &jar),
        ..Chrome::partly_signed_in(&state, &who, "Your recovery codes")
    };
    Ok((jar, render(&RecoveryCodesPage { chrome, codes })?).into_response())
}

/// The otpauth:// address as an SVG QR code, base64 for a data: URL (the CSP allows data:
/// images, never inline markup). SVG keeps a bitmap library out of the build.
fn qr_svg_base64(url: &str) -> Result<String, AppError> {
    use base64::Engine;
    let code = qrcode::QrCode::new(url.as_bytes()).map_err(AppError::internal)?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    Ok(base64::engine::general_purpose::STANDARD.encode(svg))
}

/// A recovery code people can copy by hand: 10 characters from an alphabet without look-alikes.
fn recovery_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let chars: String = (0..10).map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char).collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}
