//! The password rule: long enough, and not one that attackers try first.
//!
//! We follow the NCSC and NIST advice rather than composition rules: at least 12 characters,
//! no upper limit that matters (we stop at 256 to bound hashing cost), and refused if it is a
//! commonly used password — or one with a few digits or symbols stuck on either end, the way
//! people satisfy old rules ("Password2024!"), or made of the person's own e-mail name.
//! The list ships inside the binary (49 000 passwords from zxcvbn-ts, MIT licence).

use std::collections::HashSet;
use std::sync::LazyLock;

/// Shortest password accepted.
pub const MIN_LENGTH: usize = 12;
/// Longest password accepted: beyond this, hashing becomes a way to tire the server.
pub const MAX_LENGTH: usize = 256;

static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../data/common-passwords.txt")
        .lines()
        .filter(|l| !l.is_empty())
        .collect()
});

/// A password that meets the rule. It is never stored: only its hash is.
#[derive(Clone)]
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(…)")
    }
}

/// Why a new password was refused. The messages are shown to the person choosing it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Shorter than [`MIN_LENGTH`].
    #[error("Password must be 12 characters or more")]
    TooShort,
    /// Longer than [`MAX_LENGTH`].
    #[error("Password must be 256 characters or fewer")]
    TooLong,
    /// Found on the list of commonly used passwords (or a small variation of one).
    #[error("This password is too common and easy to guess: choose a different one, such as three random words")]
    Common,
    /// Built from the person's own e-mail name or mostly one repeated character.
    #[error("This password is too easy to guess: do not use your name, email address or repeated characters")]
    Guessable,
}

impl NewPassword {
    /// Checks a proposed password. `personal` holds words an attacker would try for this
    /// person (their e-mail's local part, their name); any of them making up the password is refused.
    pub fn parse(input: &str, personal: &[&str]) -> Result<Self, PasswordError> {
        let chars = input.chars().count();
        if chars < MIN_LENGTH {
            return Err(PasswordError::TooShort);
        }
        if chars > MAX_LENGTH {
            return Err(PasswordError::TooLong);
        }
        let lower = input.to_lowercase();
        let core = lower.trim_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation() || c == ' ');
        if COMMON.contains(lower.as_str()) || (core.len() >= 4 && COMMON.contains(core)) || is_repetition_of_common(core) {
            return Err(PasswordError::Common);
        }
        let distinct: HashSet<char> = lower.chars().collect();
        if distinct.len() < 5 {
            return Err(PasswordError::Guessable);
        }
        for word in personal {
            let w = word.trim().to_lowercase();
            if w.len() >= 4 && (core == w || core.trim_matches(|c: char| !c.is_alphanumeric()) == w) {
                return Err(PasswordError::Guessable);
            }
        }
        Ok(Self(input.to_owned()))
    }

    /// Checks a password chosen for a particular person: their e-mail name and their own
    /// names are the first guesses an attacker makes, so none may make up the password.
    pub fn for_person(
        input: &str,
        email: Option<&crate::email::EmailAddress>,
        given_name: &str,
        family_name: &str,
    ) -> Result<Self, PasswordError> {
        let local = email.map(|e| e.as_str().split('@').next().unwrap_or_default()).unwrap_or_default();
        Self::parse(input, &[local, given_name, family_name])
    }

    /// The password itself, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// "passwordpassword", "qwertyqwerty": a common password typed twice is still common.
fn is_repetition_of_common(core: &str) -> bool {
    let n = core.len();
    (2..=4).any(|k| {
        n.is_multiple_of(k) && {
            let part = &core[..n / k];
            part.len() >= 3 && core == part.repeat(k) && (COMMON.contains(part) || part.chars().all(|c| c.is_ascii_digit()))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_uncommon_passphrase_is_accepted() {
        assert!(NewPassword::parse("lantern orbit marmalade", &[]).is_ok());
    }

    #[test]
    fn eleven_characters_are_too_short() {
        assert_eq!(NewPassword::parse("abcdefghijk", &[]).unwrap_err(), PasswordError::TooShort);
    }

    #[test]
    fn common_passwords_with_digits_and_symbols_added_are_refused() {
        for p in [
            "Password2024!",
            "qwertyuiop123",
            "123qweasdzxc",
            "!!Football1234",
            "passwordpassword",
        ] {
            assert_eq!(NewPassword::parse(p, &[]).unwrap_err(), PasswordError::Common, "{p}");
        }
    }

    #[test]
    fn a_password_made_of_the_users_own_name_is_refused() {
        assert_eq!(
            NewPassword::parse("rowanfairleigh1", &["rowanfairleigh"]).unwrap_err(),
            PasswordError::Guessable
        );
    }

    #[test]
    fn a_password_made_of_the_email_name_is_refused_for_that_person() {
        let email = crate::email::EmailAddress::parse("kit.marlowe@police.example").unwrap();
        assert_eq!(
            NewPassword::for_person("kit.marlowe2024!", Some(&email), "Kit", "Marlowe").unwrap_err(),
            PasswordError::Guessable
        );
        assert!(NewPassword::for_person("tangerine lantern ferry", Some(&email), "Kit", "Marlowe").is_ok());
    }

    #[test]
    fn repeated_characters_are_refused() {
        assert_eq!(NewPassword::parse("aaaaaaaaaaaaaaaaab", &[]).unwrap_err(), PasswordError::Guessable);
    }

    #[test]
    fn debug_output_never_shows_the_password() {
        let p = NewPassword::parse("lantern orbit marmalade", &[]).unwrap();
        assert!(!format!("{p:?}").contains("lantern"));
    }
}
