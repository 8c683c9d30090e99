//! National identifiers that agencies use for the same person: the NHS number (health), the
//! Unique Pupil Number (schools) and the National Insurance number (adults, DWP and HMRC).
//!
//! They matter to early help for two reasons. An identifier is the strongest evidence that two
//! records are the same person ("tell it once", see [`crate::matching`]), and a mistyped one is
//! worse than none: it links a family's record to a stranger's. So each is parsed once, at the
//! boundary, with its check digit or format rules, and a refusal says in plain English what is
//! wrong so that the person at the keyboard can put it right.
//!
//! Each type keeps one normal form (digits or upper-case letters, no spaces), which is what is
//! stored and what serde writes; `Display` shows the form people read aloud.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Removes the separators people type inside identifiers (spaces, hyphens) so that
/// "943 476 5919" and "943-476-5919" mean the same number.
fn compact(input: &str) -> String {
    input.chars().filter(|c| !c.is_whitespace() && *c != '-').collect()
}

// ---------------------------------------------------------------------------------------------
// NHS number
// ---------------------------------------------------------------------------------------------

/// An NHS number (England and Wales; also Scotland's CHI and Northern Ireland's H&C numbers,
/// which share the format): ten digits whose last is a modulus-11 check digit.
///
/// Rules applied, following NHS Digital's published validation:
/// - exactly ten digits once spaces and hyphens are removed;
/// - the first nine digits are weighted 10, 9, …, 2 and summed; the check digit is
///   11 − (sum mod 11), with 11 meaning 0; a result of 10 means no valid NHS number begins
///   with those nine digits;
/// - numbers made of one repeated digit (0000000000, 1111111111, …) are refused, our choice
///   rather than NHS Digital's rule: every one of them passes the check-digit test (the nine
///   weights sum to 54, and 54·d leaves a check digit of d), they are what people type when the
///   real number is not known, and a placeholder shared by many records is the worst possible
///   matching key. None falls in the English and Welsh ranges (400–499 and 600–799 million);
///   the chance that a Scottish or Northern Irish one was genuinely issued is negligible.
///
/// No range is enforced: a child who moved from Scotland or Northern Ireland keeps a number
/// from those ranges, and the 999 range is the one NHS Digital reserves for test data (our
/// synthetic data uses it). Because every weight differs and none is a multiple of 11, any
/// single mistyped digit and any swap of two different digits is always detected.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NhsNumber(String);

/// Why an NHS number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NhsNumberError {
    /// Nothing was entered.
    #[error("Enter an NHS number")]
    Empty,
    /// Something other than digits, spaces and hyphens.
    #[error("An NHS number must contain only numbers, like 943 476 5919")]
    NotDigits,
    /// Too few or too many digits.
    #[error("An NHS number is 10 digits long; this one has {0}")]
    Length(usize),
    /// One digit repeated ten times: never issued, usually a placeholder.
    #[error("An NHS number cannot be the same digit repeated; enter the person's real NHS number or leave it blank")]
    RepeatedDigit,
    /// The first nine digits give a check digit of 10, so no NHS number starts with them.
    #[error("This is not a valid NHS number: no NHS number starts with these digits — check it was typed correctly")]
    NoValidCheckDigit,
    /// The last digit is not the one the first nine call for.
    #[error("The NHS number's check digit does not match — check it was typed correctly")]
    CheckDigit,
}

/// The modulus-11 check digit for the first nine digits of an NHS number, or `None` when the
/// rule gives 10 (no number can start with those digits).
fn nhs_check_digit(first_nine: &[u8]) -> Option<u8> {
    let sum: u32 = first_nine.iter().zip((2..=10u32).rev()).map(|(&d, w)| u32::from(d) * w).sum();
    match 11 - (sum % 11) {
        11 => Some(0),
        10 => None,
        c => u8::try_from(c).ok(),
    }
}

impl NhsNumber {
    /// Parses an NHS number as typed: spaces and hyphens anywhere are ignored.
    pub fn parse(input: &str) -> Result<Self, NhsNumberError> {
        let s = compact(input);
        if s.is_empty() {
            return Err(NhsNumberError::Empty);
        }
        if !s.chars().all(|c| c.is_ascii_digit()) {
            return Err(NhsNumberError::NotDigits);
        }
        if s.len() != 10 {
            return Err(NhsNumberError::Length(s.len()));
        }
        let digits: Vec<u8> = s.bytes().map(|b| b - b'0').collect();
        if digits.iter().all(|&d| d == digits[0]) {
            return Err(NhsNumberError::RepeatedDigit);
        }
        match nhs_check_digit(&digits[..9]) {
            None => Err(NhsNumberError::NoValidCheckDigit),
            Some(c) if c != digits[9] => Err(NhsNumberError::CheckDigit),
            Some(_) => Ok(Self(s)),
        }
    }

    /// Completes nine digits (each 0–9) with their check digit. For generating synthetic
    /// people: there is no other honest way to make a valid number.
    pub fn from_first_nine(first_nine: [u8; 9]) -> Result<Self, NhsNumberError> {
        if first_nine.iter().any(|&d| d > 9) {
            return Err(NhsNumberError::NotDigits);
        }
        let check = nhs_check_digit(&first_nine).ok_or(NhsNumberError::NoValidCheckDigit)?;
        let s: String = first_nine
            .iter()
            .chain(std::iter::once(&check))
            .map(|d| char::from(b'0' + d))
            .collect();
        Self::parse(&s)
    }

    /// The ten digits with no spaces: the stored form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NhsNumber {
    /// Shown as NHS Digital asks: 3-3-4 digits separated by spaces ("943 476 5919").
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", &self.0[..3], &self.0[3..6], &self.0[6..])
    }
}

impl FromStr for NhsNumber {
    type Err = NhsNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for NhsNumber {
    type Error = NhsNumberError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<NhsNumber> for String {
    fn from(value: NhsNumber) -> Self {
        value.0
    }
}

// ---------------------------------------------------------------------------------------------
// Unique Pupil Number
// ---------------------------------------------------------------------------------------------

/// The 23 letters the DfE uses for UPN check letters and temporary-UPN final letters, in the
/// order of their values 0–22. I, O and S are left out because they look like 1, 0 and 5.
const UPN_LETTERS: &[u8; 23] = b"ABCDEFGHJKLMNPQRTUVWXYZ";

/// A Unique Pupil Number, the DfE's identifier for a pupil in an English school: 13
/// characters, a check letter then twelve more.
///
/// Rules applied, following the DfE's UPN guidance:
/// - character 1 is the check letter;
/// - characters 2–4 are the local authority's number and 5–12 are digits;
/// - character 13 is a digit for a permanent UPN, or a letter (not I, O or S) for a temporary
///   UPN, which a school issues while it waits for the real one;
/// - the check letter is found by weighting characters 2–13 by 2–13 (a letter in position 13
///   counts as its value in A=0, B=1, … Z=22 skipping I, O, S), taking the sum modulo 23 and
///   reading the letter with that value.
///
/// Input may be in either case and contain spaces; the normal form is upper case. The local
/// authority number is not checked against the DfE's list, which changes as councils merge.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UniquePupilNumber(String);

/// Why a Unique Pupil Number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpnError {
    /// Nothing was entered.
    #[error("Enter a unique pupil number")]
    Empty,
    /// Too few or too many characters.
    #[error("A unique pupil number is 13 characters long; this one has {0}")]
    Length(usize),
    /// The first character is not a letter.
    #[error("A unique pupil number starts with a letter, like A123456789012")]
    FirstCharacter,
    /// Characters 2 to 12 are not all digits.
    #[error("Characters 2 to 12 of a unique pupil number must be numbers")]
    MiddleDigits,
    /// The last character is neither a digit nor an allowed letter.
    #[error("The last character of a unique pupil number must be a number, or a letter other than I, O or S for a temporary number")]
    LastCharacter,
    /// The first letter is not the one the other twelve characters call for.
    #[error("The unique pupil number's check letter does not match — check it was typed correctly")]
    CheckLetter,
}

fn upn_value(c: u8) -> Option<u32> {
    UPN_LETTERS.iter().position(|&l| l == c).and_then(|p| u32::try_from(p).ok())
}

/// The check letter for characters 2–13 of a UPN (already checked to be well-formed).
fn upn_check_letter(rest: &[u8]) -> u8 {
    let sum: u32 = rest
        .iter()
        .zip(2u32..)
        .map(|(&c, w)| if c.is_ascii_digit() { u32::from(c - b'0') } else { upn_value(c).unwrap_or(0) } * w)
        .sum();
    // `sum % 23` is always below 23, so the index is always in range.
    UPN_LETTERS[(sum % 23) as usize]
}

impl UniquePupilNumber {
    /// Parses a UPN as typed: any case, spaces ignored.
    pub fn parse(input: &str) -> Result<Self, UpnError> {
        let s = compact(input).to_ascii_uppercase();
        if s.is_empty() {
            return Err(UpnError::Empty);
        }
        let n = s.chars().count();
        if n != 13 {
            return Err(UpnError::Length(n));
        }
        if !s.starts_with(|c: char| c.is_ascii_uppercase()) {
            return Err(UpnError::FirstCharacter);
        }
        let b = s.as_bytes();
        Self::check_rest(&b[1..])?;
        if upn_check_letter(&b[1..]) != b[0] {
            return Err(UpnError::CheckLetter);
        }
        Ok(Self(s))
    }

    /// Checks characters 2–13 (as bytes; anything not ASCII fails a check here).
    fn check_rest(rest: &[u8]) -> Result<(), UpnError> {
        if rest.len() != 12 || !rest[..11].iter().all(u8::is_ascii_digit) {
            return Err(UpnError::MiddleDigits);
        }
        let last = rest[11];
        if !(last.is_ascii_digit() || upn_value(last).is_some()) {
            return Err(UpnError::LastCharacter);
        }
        Ok(())
    }

    /// Puts the check letter in front of the twelve characters that follow it (eleven digits
    /// then a digit, or a letter for a temporary UPN). For generating synthetic pupils.
    pub fn with_check_letter(rest: &str) -> Result<Self, UpnError> {
        let rest = compact(rest).to_ascii_uppercase();
        let n = rest.chars().count();
        if n != 12 {
            return Err(UpnError::Length(n + 1));
        }
        Self::check_rest(rest.as_bytes())?;
        let check = char::from(upn_check_letter(rest.as_bytes()));
        Self::parse(&format!("{check}{rest}"))
    }

    /// Whether this is a temporary UPN (ends in a letter), to be replaced by the permanent one
    /// when the school receives it.
    pub fn is_temporary(&self) -> bool {
        self.0.as_bytes()[12].is_ascii_uppercase()
    }

    /// The three-digit number of the local authority that issued it (characters 2–4).
    pub fn local_authority_number(&self) -> &str {
        &self.0[1..4]
    }

    /// The thirteen characters, upper case: the stored and shown form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UniquePupilNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for UniquePupilNumber {
    type Err = UpnError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for UniquePupilNumber {
    type Error = UpnError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<UniquePupilNumber> for String {
    fn from(value: UniquePupilNumber) -> Self {
        value.0
    }
}

// ---------------------------------------------------------------------------------------------
// National Insurance number
// ---------------------------------------------------------------------------------------------

/// A National Insurance number: two prefix letters, six digits and a suffix letter A–D.
///
/// There is no check digit, so only HMRC's allocation rules can be applied (HMRC manual
/// NIM39110):
/// - neither prefix letter is D, F, I, Q, U or V;
/// - the second prefix letter is not O;
/// - the prefixes BG, GB, NK, KN, TN, NT and ZZ are never allocated (TN marks a temporary
///   reference, not a number);
/// - the suffix is A, B, C or D. A number written without its suffix is refused: the suffix is
///   part of the number on every letter HMRC and DWP send.
///
/// Note that HMRC's own documentation example, QQ 12 34 56 C, is deliberately invalid (Q is
/// never used) and is refused here too.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NationalInsuranceNumber(String);

/// Why a National Insurance number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NationalInsuranceNumberError {
    /// Nothing was entered.
    #[error("Enter a National Insurance number")]
    Empty,
    /// Not two letters, six digits and a letter.
    #[error("Enter a National Insurance number in the correct format, like AB 12 34 56 C: two letters, six numbers, then A, B, C or D")]
    Format,
    /// A prefix letter HMRC never uses.
    #[error("A National Insurance number never starts with {0}: the letters D, F, I, Q, U and V are not used, and O is not used second")]
    PrefixLetter(String),
    /// One of the prefixes HMRC never allocates.
    #[error("A National Insurance number never starts with {0}: BG, GB, KN, NK, NT, TN and ZZ are not used")]
    UnallocatedPrefix(String),
    /// A suffix other than A–D.
    #[error("The last letter of a National Insurance number is A, B, C or D")]
    Suffix,
}

impl NationalInsuranceNumber {
    /// Parses a National Insurance number as typed: any case, spaces and hyphens ignored.
    pub fn parse(input: &str) -> Result<Self, NationalInsuranceNumberError> {
        let s = compact(input).to_ascii_uppercase();
        if s.is_empty() {
            return Err(NationalInsuranceNumberError::Empty);
        }
        let b = s.as_bytes();
        let shaped = b.len() == 9
            && b[..2].iter().all(u8::is_ascii_uppercase)
            && b[2..8].iter().all(u8::is_ascii_digit)
            && b[8].is_ascii_uppercase();
        if !shaped {
            return Err(NationalInsuranceNumberError::Format);
        }
        let prefix = &s[..2];
        const NEVER: &[u8] = b"DFIQUV";
        if NEVER.contains(&b[0]) || NEVER.contains(&b[1]) || b[1] == b'O' {
            return Err(NationalInsuranceNumberError::PrefixLetter(prefix.to_owned()));
        }
        if ["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"].contains(&prefix) {
            return Err(NationalInsuranceNumberError::UnallocatedPrefix(prefix.to_owned()));
        }
        if !(b'A'..=b'D').contains(&b[8]) {
            return Err(NationalInsuranceNumberError::Suffix);
        }
        Ok(Self(s))
    }

    /// The nine characters, upper case, no spaces: the stored form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NationalInsuranceNumber {
    /// Shown in pairs as on HMRC letters: "AB 12 34 56 C".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.0;
        write!(f, "{} {} {} {} {}", &s[..2], &s[2..4], &s[4..6], &s[6..8], &s[8..])
    }
}

impl FromStr for NationalInsuranceNumber {
    type Err = NationalInsuranceNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for NationalInsuranceNumber {
    type Error = NationalInsuranceNumberError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<NationalInsuranceNumber> for String {
    fn from(value: NationalInsuranceNumber) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // --- NHS number ---

    #[test]
    fn an_nhs_number_typed_with_spaces_or_hyphens_is_stored_as_ten_digits_and_shown_3_3_4() {
        for typed in ["943 476 5919", "9434765919", "943-476-5919", " 94347 65919 "] {
            let n = NhsNumber::parse(typed).unwrap();
            assert_eq!(n.as_str(), "9434765919");
            assert_eq!(n.to_string(), "943 476 5919");
        }
    }

    #[test]
    fn an_nhs_number_with_the_wrong_check_digit_is_refused_with_advice_to_check_the_typing() {
        let err = NhsNumber::parse("943 476 5918").unwrap_err();
        assert_eq!(err, NhsNumberError::CheckDigit);
        assert_eq!(
            err.to_string(),
            "The NHS number's check digit does not match — check it was typed correctly"
        );
    }

    #[test]
    fn nine_digits_whose_check_digit_would_be_ten_never_make_an_nhs_number() {
        // 000 000 006: the ninth digit has weight 2, so the sum is 12; 12 mod 11 = 1 and
        // 11 − 1 = 10, which is not a digit.
        assert_eq!(nhs_check_digit(&[0, 0, 0, 0, 0, 0, 0, 0, 6]), None);
        for last in 0..=9 {
            assert_eq!(
                NhsNumber::parse(&format!("000000006{last}")),
                Err(NhsNumberError::NoValidCheckDigit)
            );
        }
    }

    #[test]
    fn an_nhs_number_of_one_repeated_digit_is_refused_even_when_its_check_digit_works() {
        for d in 0..=9 {
            assert_eq!(nhs_check_digit(&[d; 9]), Some(d), "{d} repeated satisfies modulus 11");
            let s = d.to_string().repeat(10);
            assert_eq!(NhsNumber::parse(&s), Err(NhsNumberError::RepeatedDigit), "{s}");
        }
    }

    #[test]
    fn an_nhs_number_of_the_wrong_length_or_with_letters_says_so() {
        assert_eq!(NhsNumber::parse("943 476 591"), Err(NhsNumberError::Length(9)));
        assert_eq!(NhsNumber::parse("943 476 59190"), Err(NhsNumberError::Length(11)));
        assert_eq!(NhsNumber::parse("943 476 591O"), Err(NhsNumberError::NotDigits));
        assert_eq!(NhsNumber::parse("   "), Err(NhsNumberError::Empty));
        assert_eq!(
            NhsNumberError::Length(9).to_string(),
            "An NHS number is 10 digits long; this one has 9"
        );
    }

    #[test]
    fn an_nhs_number_is_serialised_as_its_ten_digits_and_checked_when_read_back() {
        let n = NhsNumber::parse("943 476 5919").unwrap();
        assert_eq!(serde_json::to_string(&n).unwrap(), "\"9434765919\"");
        assert_eq!(serde_json::from_str::<NhsNumber>("\"943 476 5919\"").unwrap(), n);
        assert!(serde_json::from_str::<NhsNumber>("\"9434765918\"").is_err());
    }

    fn valid_nhs_number() -> impl Strategy<Value = NhsNumber> {
        proptest::array::uniform9(0u8..=9).prop_filter_map("check digit 10 or repeated digit", |d| NhsNumber::from_first_nine(d).ok())
    }

    proptest! {
        #[test]
        fn every_valid_nhs_number_parses_back_from_its_stored_and_shown_forms(n in valid_nhs_number()) {
            prop_assert_eq!(&NhsNumber::parse(n.as_str()).unwrap(), &n);
            prop_assert_eq!(&NhsNumber::parse(&n.to_string()).unwrap(), &n);
            let json = serde_json::to_string(&n).unwrap();
            prop_assert_eq!(serde_json::from_str::<NhsNumber>(&json).unwrap(), n);
        }

        #[test]
        fn changing_any_single_digit_of_an_nhs_number_is_always_detected(
            n in valid_nhs_number(), position in 0usize..10, change in 1u8..=9,
        ) {
            let mut digits = n.as_str().as_bytes().to_vec();
            digits[position] = b'0' + (digits[position] - b'0' + change) % 10;
            let typo = String::from_utf8(digits).unwrap();
            prop_assert!(NhsNumber::parse(&typo).is_err(), "{} accepted as a typo of {}", typo, n);
        }

        #[test]
        fn swapping_any_two_different_digits_of_an_nhs_number_is_always_detected(
            n in valid_nhs_number(), i in 0usize..10, j in 0usize..10,
        ) {
            // Positions i and j carry weights that differ by 1–9, never a multiple of 11, so the
            // weighted sum always changes; adjacent swaps are the common typing slip.
            let mut digits = n.as_str().as_bytes().to_vec();
            prop_assume!(digits[i] != digits[j]);
            digits.swap(i, j);
            let typo = String::from_utf8(digits).unwrap();
            prop_assert!(NhsNumber::parse(&typo).is_err(), "{} accepted as a transposition of {}", typo, n);
        }
    }

    // --- Unique Pupil Number ---

    #[test]
    fn a_upn_with_the_right_check_letter_is_accepted_in_either_case_and_stored_upper_case() {
        // Characters 2–13 of A000000000001 weight to 13·1 = 13 mod 23 → P; so P000000000001.
        let upn = UniquePupilNumber::parse("p000 0000 0000 1").unwrap();
        assert_eq!(upn.as_str(), "P000000000001");
        assert!(!upn.is_temporary());
        assert_eq!(upn.local_authority_number(), "000");
    }

    #[test]
    fn a_upn_whose_check_letter_is_worked_by_hand_is_valid() {
        // 8·2 + 0·3 + 1·4 + 2·5 + 1·10 + 1·13 = 53; 53 mod 23 = 7, the eighth letter: H.
        let upn = UniquePupilNumber::parse("H801200001001").unwrap();
        assert_eq!(upn.local_authority_number(), "801");
    }

    #[test]
    fn the_example_upn_other_validators_use_is_valid_and_a_changed_check_letter_is_not() {
        // 8·2 + 1·4 + 2·5 + 5·10 + 1·13 = 93; 93 mod 23 = 1: B.
        assert!(UniquePupilNumber::parse("B801200005001").is_ok());
        assert_eq!(UniquePupilNumber::parse("A801200005001"), Err(UpnError::CheckLetter));
    }

    #[test]
    fn a_temporary_upn_ending_in_a_letter_is_accepted_and_known_to_be_temporary() {
        let upn = UniquePupilNumber::with_check_letter("80120000100A").unwrap();
        assert!(upn.is_temporary());
        assert_eq!(UniquePupilNumber::parse(&upn.as_str().to_lowercase()).unwrap(), upn);
    }

    #[test]
    fn a_upn_with_the_wrong_check_letter_is_refused_with_advice_to_check_the_typing() {
        let err = UniquePupilNumber::parse("A801200001001").unwrap_err();
        assert_eq!(err, UpnError::CheckLetter);
        assert_eq!(
            err.to_string(),
            "The unique pupil number's check letter does not match — check it was typed correctly"
        );
    }

    #[test]
    fn malformed_upns_are_refused_with_what_is_wrong() {
        assert_eq!(UniquePupilNumber::parse(""), Err(UpnError::Empty));
        assert_eq!(UniquePupilNumber::parse("H80120000100"), Err(UpnError::Length(12)));
        assert_eq!(UniquePupilNumber::parse("1801200001001"), Err(UpnError::FirstCharacter));
        assert_eq!(UniquePupilNumber::parse("H8012000X1001"), Err(UpnError::MiddleDigits));
        assert_eq!(UniquePupilNumber::parse("H80120000100I"), Err(UpnError::LastCharacter));
        assert_eq!(UniquePupilNumber::parse("H80120000100S"), Err(UpnError::LastCharacter));
    }

    fn valid_upn() -> impl Strategy<Value = UniquePupilNumber> {
        "[0-9]{11}[0-9ABCDEFGHJKLMNPQRTUVWXYZ]".prop_map(|rest| UniquePupilNumber::with_check_letter(&rest).unwrap())
    }

    proptest! {
        #[test]
        fn every_valid_upn_parses_back_in_either_case_and_through_serde(upn in valid_upn()) {
            prop_assert_eq!(&UniquePupilNumber::parse(&upn.as_str().to_lowercase()).unwrap(), &upn);
            let json = serde_json::to_string(&upn).unwrap();
            prop_assert_eq!(json, format!("\"{}\"", upn.as_str()));
        }

        #[test]
        fn changing_any_single_digit_of_a_upn_is_always_detected(
            upn in valid_upn(), position in 1usize..12, change in 1u8..=9,
        ) {
            // Weights 2–12 on the digit positions are never multiples of 23, so a changed
            // digit always changes the check letter.
            let mut chars = upn.as_str().as_bytes().to_vec();
            chars[position] = b'0' + (chars[position] - b'0' + change) % 10;
            let typo = String::from_utf8(chars).unwrap();
            prop_assert_eq!(UniquePupilNumber::parse(&typo), Err(UpnError::CheckLetter));
        }

        #[test]
        fn swapping_two_different_adjacent_digits_of_a_upn_is_always_detected(
            upn in valid_upn(), position in 1usize..11,
        ) {
            // Adjacent weights differ by 1, so the sum changes by the difference of the
            // digits (1–9), never a multiple of 23.
            let mut chars = upn.as_str().as_bytes().to_vec();
            prop_assume!(chars[position] != chars[position + 1]);
            chars.swap(position, position + 1);
            let typo = String::from_utf8(chars).unwrap();
            prop_assert_eq!(UniquePupilNumber::parse(&typo), Err(UpnError::CheckLetter));
        }
    }

    // --- National Insurance number ---

    #[test]
    fn a_national_insurance_number_is_stored_without_spaces_and_shown_in_pairs() {
        for typed in ["AB 12 34 56 C", "ab123456c", "Ab-12-34-56-c"] {
            let n = NationalInsuranceNumber::parse(typed).unwrap();
            assert_eq!(n.as_str(), "AB123456C");
            assert_eq!(n.to_string(), "AB 12 34 56 C");
        }
    }

    #[test]
    fn prefix_letters_hmrc_never_uses_are_refused() {
        for bad in [
            "DA123456A",
            "AD123456A",
            "QQ123456C",
            "UA123456A",
            "AV123456A",
            "IA123456A",
            "AF123456A",
            "AO123456A",
        ] {
            assert!(
                matches!(
                    NationalInsuranceNumber::parse(bad),
                    Err(NationalInsuranceNumberError::PrefixLetter(_))
                ),
                "{bad}"
            );
        }
        // O is allowed as the first letter.
        assert!(NationalInsuranceNumber::parse("OA123456A").is_ok());
    }

    #[test]
    fn prefixes_hmrc_never_allocates_are_refused_and_named() {
        for prefix in ["BG", "GB", "NK", "KN", "TN", "NT", "ZZ"] {
            let err = NationalInsuranceNumber::parse(&format!("{prefix}123456A")).unwrap_err();
            assert_eq!(err, NationalInsuranceNumberError::UnallocatedPrefix(prefix.to_owned()));
            assert!(
                err.to_string()
                    .starts_with(&format!("A National Insurance number never starts with {prefix}"))
            );
        }
    }

    #[test]
    fn the_suffix_must_be_a_to_d_and_cannot_be_left_off() {
        assert_eq!(
            NationalInsuranceNumber::parse("AB123456E"),
            Err(NationalInsuranceNumberError::Suffix)
        );
        assert_eq!(
            NationalInsuranceNumber::parse("AB123456"),
            Err(NationalInsuranceNumberError::Format)
        );
        assert_eq!(
            NationalInsuranceNumber::parse("AB12345C"),
            Err(NationalInsuranceNumberError::Format)
        );
        assert_eq!(NationalInsuranceNumber::parse(" "), Err(NationalInsuranceNumberError::Empty));
    }

    fn valid_nino() -> impl Strategy<Value = String> {
        "[ABCEGHJKLMNOPRSTWXYZ][ABCEGHJKLMNPRSTWXYZ][0-9]{6}[A-D]".prop_filter("unallocated prefix", |s| {
            !["BG", "GB", "NK", "KN", "TN", "NT", "ZZ"].contains(&&s[..2])
        })
    }

    proptest! {
        #[test]
        fn every_allocatable_national_insurance_number_parses_from_its_shown_form_and_serde(s in valid_nino()) {
            let n = NationalInsuranceNumber::parse(&s).unwrap();
            prop_assert_eq!(n.as_str(), s.as_str());
            prop_assert_eq!(&NationalInsuranceNumber::parse(&n.to_string().to_lowercase()).unwrap(), &n);
            let json = serde_json::to_string(&n).unwrap();
            prop_assert_eq!(serde_json::from_str::<NationalInsuranceNumber>(&json).unwrap(), n);
        }
    }
}
