//! UK postcodes. The locality — and so the panel — that a family belongs to follows from the
//! postcode's district ("NX4") or sector ("NX4 7"), so a postcode must be checked and written
//! one way before anything is looked up by it.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A UK postcode in its normal form: upper case, one space before the inward code ("NX4 7QD").
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Postcode(String);

/// Why a postcode was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostcodeError {
    /// Nothing was entered.
    #[error("Enter a postcode")]
    Empty,
    /// Not shaped like a UK postcode.
    #[error("Enter a real postcode, like NX4 7QD")]
    Format,
}

impl Postcode {
    /// Parses a postcode typed in any case, with or without its space.
    pub fn parse(input: &str) -> Result<Self, PostcodeError> {
        let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
        if compact.is_empty() {
            return Err(PostcodeError::Empty);
        }
        if compact.len() < 5 || compact.len() > 7 || !compact.is_ascii() {
            return Err(PostcodeError::Format);
        }
        let (outward, inward) = compact.split_at(compact.len() - 3);
        if !valid_inward(inward) || !valid_outward(outward) {
            return Err(PostcodeError::Format);
        }
        Ok(Self(format!("{outward} {inward}")))
    }

    /// The whole postcode, normalised.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The outward code, e.g. "NX4": the postcode district.
    pub fn district(&self) -> &str {
        self.0.split(' ').next().unwrap_or_default()
    }

    /// The district plus the inward digit, e.g. "NX4 7": the postcode sector.
    pub fn sector(&self) -> &str {
        &self.0[..self.0.len() - 2]
    }
}

fn valid_inward(s: &str) -> bool {
    let b = s.as_bytes();
    // The inward letters never use C, I, K, M, O or V.
    let letter = |c: u8| c.is_ascii_uppercase() && !b"CIKMOV".contains(&c);
    b.len() == 3 && b[0].is_ascii_digit() && letter(b[1]) && letter(b[2])
}

fn valid_outward(s: &str) -> bool {
    let b = s.as_bytes();
    let a = |c: u8| c.is_ascii_uppercase();
    let d = |c: u8| c.is_ascii_digit();
    match b.len() {
        2 => a(b[0]) && d(b[1]),
        3 => a(b[0]) && ((d(b[1]) && (d(b[2]) || a(b[2]))) || (a(b[1]) && d(b[2]))),
        4 => a(b[0]) && a(b[1]) && d(b[2]) && (d(b[3]) || a(b[3])),
        _ => false,
    }
}

impl fmt::Display for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Postcode {
    type Error = PostcodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Postcode> for String {
    fn from(value: Postcode) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn postcodes_are_normalised_to_upper_case_with_one_space() {
        assert_eq!(Postcode::parse(" nx47qd ").unwrap().as_str(), "NX4 7QD");
        assert_eq!(Postcode::parse("ec1a 1bb").unwrap().as_str(), "EC1A 1BB");
        assert_eq!(Postcode::parse("W1A0AX").unwrap().as_str(), "W1A 0AX");
        assert_eq!(Postcode::parse("m1 1ae").unwrap().as_str(), "M1 1AE");
    }

    #[test]
    fn district_and_sector_come_from_the_normal_form() {
        let p = Postcode::parse("nx47qd").unwrap();
        assert_eq!(p.district(), "NX4");
        assert_eq!(p.sector(), "NX4 7");
    }

    #[test]
    fn malformed_postcodes_are_refused() {
        for bad in ["NX4", "12345", "NX4 7QI", "NX4 QQD", "NXXX 7QD", "N 7QD"] {
            assert_eq!(Postcode::parse(bad), Err(PostcodeError::Format), "{bad}");
        }
        assert_eq!(Postcode::parse("  "), Err(PostcodeError::Empty));
    }

    proptest! {
        #[test]
        fn parsing_a_normalised_postcode_gives_it_back(s in "[A-Z]{1,2}[0-9]{1,2} [0-9][ABD-HJLNP-UW-Z]{2}") {
            let p = Postcode::parse(&s).unwrap();
            prop_assert_eq!(p.as_str(), s.as_str());
            prop_assert_eq!(Postcode::parse(&p.as_str().to_lowercase().replace(' ', "")).unwrap(), p);
        }
    }
}
