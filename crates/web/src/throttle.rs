//! Sign-in throttling: after repeated failures an account, or an address, is locked for the
//! window. Failures are counted per typed address whether or not an account exists, so the
//! lockout itself never reveals which addresses are accounts. Password-reset requests are
//! counted the same way, in the same table, under their own subjects.

use crate::AppState;
use domain::email::EmailAddress;
use sha2::{Digest, Sha256};

/// The throttling subjects for an attempt: the account (by a digest of the typed address, so
/// the table holds no e-mail addresses) and the client address.
pub fn subjects(email: Option<&EmailAddress>, address: &str) -> Vec<String> {
    let mut s = vec![format!("address:{address}")];
    if let Some(e) = email {
        s.push(format!("account:{}", hex::encode(Sha256::digest(e.as_str().as_bytes()))));
    }
    s
}

/// Whether sign-in is locked for this attempt.
pub async fn locked(state: &AppState, email: Option<&EmailAddress>, address: &str) -> Result<bool, store::StoreError> {
    let since = state.store.clock().now() - state.config.failure_window;
    for subject in subjects(email, address) {
        let limit = if subject.starts_with("account:") {
            state.config.account_failure_limit
        } else {
            state.config.address_failure_limit
        };
        if state.store.sign_in_failures_since(&subject, since).await? >= limit {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The throttling subjects of a password-reset request: the typed address (as a digest, like
/// sign-in's) and the client address, each prefixed so they count apart from sign-in failures.
pub fn reset_subjects(email: &EmailAddress, address: &str) -> Vec<String> {
    vec![
        format!("reset-from:{address}"),
        format!("reset:{}", hex::encode(Sha256::digest(email.as_str().as_bytes()))),
    ]
}

/// Whether password-reset requests are locked for this address or client: the same answer
/// whether or not the address has an account.
pub async fn reset_locked(state: &AppState, email: &EmailAddress, address: &str) -> Result<bool, store::StoreError> {
    let since = state.store.clock().now() - state.config.failure_window;
    for subject in reset_subjects(email, address) {
        let limit = if subject.starts_with("reset:") {
            state.config.reset_address_limit
        } else {
            state.config.reset_client_limit
        };
        if state.store.sign_in_failures_since(&subject, since).await? >= limit {
            return Ok(true);
        }
    }
    Ok(false)
}
