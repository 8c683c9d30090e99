//! Secrets the store must be able to read back, sealed at rest: second-factor (TOTP) secrets
//! and the tokens of e-mailed links until their e-mail is sent.
//!
//! A TOTP secret has to be read to check a code, so it cannot be kept as a digest the way
//! passwords and session tokens are. It is sealed with XChaCha20-Poly1305 under a key that
//! lives outside the database in production (`EARLYHELP_SECRETS_KEY_FILE`), with the id of
//! the record it belongs to as associated data: a ciphertext copied onto another account does
//! not open. Sealed values are text, `v1:` then base64 of the 24-byte random nonce and the
//! ciphertext with its tag. A value without the prefix (a secret stored before this version)
//! is never trusted as it stands: [`crate::Store::seal_plaintext_secrets`] seals those at
//! start-up, and reading one afterwards is an error, so someone who can write to the database
//! cannot plant a secret they know.

use crate::StoreError;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::Mac;
use sha2::Sha256;
use uuid::Uuid;

/// The prefix of every value sealed by this version.
pub const SEALED_PREFIX: &str = "v1:";

/// What a sealed value is for: part of the associated data, so a value sealed for one purpose
/// does not open as another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A person's second-factor secret (set up or pending), bound to their user id.
    TotpSecret,
    /// The token of an e-mailed link, bound to the link's id.
    LinkToken,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::TotpSecret => b"earlyhelp/totp-secret/v1",
            Purpose::LinkToken => b"earlyhelp/link-token/v1",
        }
    }
}

/// The key that seals secrets at rest, from the configured file or (with a warning in the
/// documentation) kept in the database. Its `Debug` shows nothing of the key.
#[derive(Clone)]
pub struct SecretsKey {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SecretsKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretsKey(…)")
    }
}

impl SecretsKey {
    /// The key from its 32 bytes. The cipher key is derived from them (HMAC-SHA-256 under a
    /// fixed label), so the same file could one day derive other keys without reuse.
    pub fn from_bytes(master: [u8; 32]) -> Result<Self, StoreError> {
        let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(&master).map_err(|_| StoreError::Corrupt("secrets key".into()))?;
        mac.update(b"earlyhelp/seal/xchacha20poly1305/v1");
        let derived = mac.finalize().into_bytes();
        let cipher = XChaCha20Poly1305::new_from_slice(&derived).map_err(|_| StoreError::Corrupt("secrets key".into()))?;
        Ok(Self { cipher })
    }

    /// Seals `plaintext` for `purpose`, bound to `owner` (the user or link id).
    pub fn seal(&self, purpose: Purpose, owner: Uuid, plaintext: &str) -> Result<String, StoreError> {
        let nonce_bytes: [u8; 24] = rand::random();
        let nonce = XNonce::from(nonce_bytes);
        let aad = associated_data(purpose, owner);
        let sealed = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: &aad,
                },
            )
            .map_err(|_| StoreError::Corrupt("a secret could not be sealed".into()))?;
        let mut out = Vec::with_capacity(24 + sealed.len());
        out.extend_from_slice(&nonce_bytes);
        out.extend_from_slice(&sealed);
        Ok(format!(
            "{SEALED_PREFIX}{}",
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(out)
        ))
    }

    /// Opens a value sealed by [`SecretsKey::seal`] for the same purpose and owner. Anything
    /// else (plain text, another key, another owner, a changed byte) is
    /// [`StoreError::Undecryptable`]: never a value to carry on with.
    pub fn open(&self, purpose: Purpose, owner: Uuid, sealed: &str) -> Result<String, StoreError> {
        let undecryptable = || StoreError::Undecryptable(purpose_name(purpose));
        let body = sealed.strip_prefix(SEALED_PREFIX).ok_or_else(undecryptable)?;
        let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(body)
            .map_err(|_| undecryptable())?;
        if bytes.len() < 24 + 16 {
            return Err(undecryptable());
        }
        let (nonce, ciphertext) = bytes.split_at(24);
        let nonce: [u8; 24] = nonce.try_into().map_err(|_| undecryptable())?;
        let aad = associated_data(purpose, owner);
        let plain = self
            .cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| undecryptable())?;
        String::from_utf8(plain).map_err(|_| undecryptable())
    }
}

fn associated_data(purpose: Purpose, owner: Uuid) -> Vec<u8> {
    let mut aad = purpose.label().to_vec();
    aad.push(0);
    aad.extend_from_slice(owner.as_bytes());
    aad
}

fn purpose_name(purpose: Purpose) -> &'static str {
    match purpose {
        Purpose::TotpSecret => "a second-factor secret",
        Purpose::LinkToken => "an e-mailed link's token",
    }
}

/// Whether a stored value was sealed by this version (rather than kept as plain text by an
/// earlier one).
pub fn is_sealed(value: &str) -> bool {
    value.starts_with(SEALED_PREFIX)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn key(byte: u8) -> SecretsKey {
        SecretsKey::from_bytes([byte; 32]).unwrap()
    }

    #[test]
    fn a_sealed_secret_opens_for_its_owner() {
        let owner = Uuid::now_v7();
        let sealed = key(1).seal(Purpose::TotpSecret, owner, "JBSWY3DPEHPK3PXP").unwrap();
        assert!(is_sealed(&sealed) && !sealed.contains("JBSWY3DPEHPK3PXP"));
        assert_eq!(key(1).open(Purpose::TotpSecret, owner, &sealed).unwrap(), "JBSWY3DPEHPK3PXP");
    }

    #[test]
    fn sealing_twice_gives_different_ciphertexts() {
        let owner = Uuid::now_v7();
        assert_ne!(
            key(1).seal(Purpose::TotpSecret, owner, "A").unwrap(),
            key(1).seal(Purpose::TotpSecret, owner, "A").unwrap()
        );
    }

    #[test]
    fn a_secret_moved_to_another_account_does_not_open() {
        let sealed = key(1).seal(Purpose::TotpSecret, Uuid::now_v7(), "JBSWY3DPEHPK3PXP").unwrap();
        assert!(matches!(
            key(1).open(Purpose::TotpSecret, Uuid::now_v7(), &sealed),
            Err(StoreError::Undecryptable(_))
        ));
    }

    #[test]
    fn a_secret_does_not_open_with_another_key_or_for_another_purpose() {
        let owner = Uuid::now_v7();
        let sealed = key(1).seal(Purpose::TotpSecret, owner, "JBSWY3DPEHPK3PXP").unwrap();
        assert!(key(2).open(Purpose::TotpSecret, owner, &sealed).is_err());
        assert!(key(1).open(Purpose::LinkToken, owner, &sealed).is_err());
    }

    #[test]
    fn plain_text_and_altered_ciphertexts_are_refused() {
        let owner = Uuid::now_v7();
        assert!(key(1).open(Purpose::TotpSecret, owner, "JBSWY3DPEHPK3PXP").is_err());
        let sealed = key(1).seal(Purpose::TotpSecret, owner, "JBSWY3DPEHPK3PXP").unwrap();
        let mut altered = sealed.into_bytes();
        let last = altered.len() - 2;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        assert!(
            key(1)
                .open(Purpose::TotpSecret, owner, &String::from_utf8(altered).unwrap())
                .is_err()
        );
    }
}
