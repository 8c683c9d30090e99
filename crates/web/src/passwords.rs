//! Password hashing with argon2id (OWASP's minimum parameters, the crate's defaults), off the
//! async threads because each hash takes tens of milliseconds by design.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use std::sync::LazyLock;

/// A hash of a random password, verified against when an account does not exist so that a
/// wrong address takes as long to refuse as a wrong password (no account discovery by timing).
static DUMMY_HASH: LazyLock<Option<String>> = LazyLock::new(|| {
    let random: [u8; 16] = rand::random();
    Argon2::default().hash_password(&random).ok().map(|h| h.to_string())
});

/// Hashes a new password.
pub async fn hash(password: String) -> Result<String, crate::error::AppError> {
    tokio::task::spawn_blocking(move || Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string()))
        .await
        .map_err(crate::error::AppError::internal)?
        .map_err(crate::error::AppError::internal)
}

/// Checks a password against a stored hash; with no hash, spends the same time and says no.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let real = stored.is_some();
        let Some(hash) = stored.or_else(|| DUMMY_HASH.clone()) else {
            return false;
        };
        let Ok(parsed) = PasswordHash::new(&hash) else {
            return false;
        };
        Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok() && real
    })
    .await
    .unwrap_or(false)
}
