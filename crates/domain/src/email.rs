//! E-mail addresses: the sign-in name of staff and where secure e-mail goes.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A syntactically plausible e-mail address, trimmed and lower-cased so that the same person
/// cannot hold two accounts by changing the case of their address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

/// Why an e-mail address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// Nothing was entered.
    #[error("Enter an email address")]
    Empty,
    /// The text is not shaped like name@domain.example.
    #[error("Enter an email address in the correct format, like name@example.org.uk")]
    Format,
}

impl EmailAddress {
    /// Parses what a person typed.
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let s = input.trim().to_lowercase();
        if s.is_empty() {
            return Err(EmailError::Empty);
        }
        let (local, domain) = s.split_once('@').ok_or(EmailError::Format)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        let local_ok = !local.is_empty() && local.len() <= 64 && !local.chars().any(|c| c.is_whitespace() || c == '@' || c.is_control());
        if !domain_ok || !local_ok || s.len() > 254 {
            return Err(EmailError::Format);
        }
        Ok(Self(s))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after the `@`, used to check an address is on an organisation's secure domain.
    pub fn domain(&self) -> &str {
        self.0.split_once('@').map(|(_, d)| d).unwrap_or_default()
    }

    /// Whether the address is at `domain` or one of its subdomains (an organisation's secure
    /// e-mail domain), compared without regard to case.
    pub fn is_on_domain(&self, domain: &str) -> bool {
        let wanted = domain.trim().trim_start_matches('@').to_lowercase();
        let mine = self.domain();
        !wanted.is_empty() && (mine == wanted || mine.strip_suffix(wanted.as_str()).is_some_and(|rest| rest.ends_with('.')))
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = EmailError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<EmailAddress> for String {
    fn from(value: EmailAddress) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_on_its_domain_and_its_subdomains_only() {
        let e = EmailAddress::parse("sam.lee@schools.northmere.example").unwrap();
        assert!(e.is_on_domain("schools.northmere.example"));
        assert!(e.is_on_domain("@Northmere.Example"));
        assert!(!e.is_on_domain("ls.northmere.example"));
        assert!(!e.is_on_domain("police.northmere.example"));
        assert!(!e.is_on_domain(""));
    }

    #[test]
    fn addresses_are_trimmed_and_lower_cased() {
        let e = EmailAddress::parse("  Alex.Example@Family-Services.Example.GOV.UK ").unwrap();
        assert_eq!(e.as_str(), "alex.example@family-services.example.gov.uk");
        assert_eq!(e.domain(), "family-services.example.gov.uk");
    }

    #[test]
    fn text_without_a_domain_is_refused_with_a_format_message() {
        assert_eq!(EmailAddress::parse("alex"), Err(EmailError::Format));
        assert_eq!(EmailAddress::parse("alex@localhost"), Err(EmailError::Format));
        assert_eq!(EmailAddress::parse("a b@x.org"), Err(EmailError::Format));
        assert_eq!(EmailAddress::parse(""), Err(EmailError::Empty));
    }
}
