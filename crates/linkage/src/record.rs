//! The person record as an agency sends it, and the parsed values comparisons work on.
//!
//! Parsing happens here, once, at the boundary: a [`BirthDate`] is a real calendar date, a
//! [`PostcodeParts`] knows its sector and district. Comparisons never see raw text.

use serde::{Deserialize, Serialize};

/// One person as a data set describes them. Empty strings mean "not given".
///
/// Every field but the id is optional in practice: extracts routinely lack identifiers, sex or
/// a date of birth, and a missing value must count as neither agreement nor disagreement.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The supplying system's own id, echoed in the output so a link can be traced back.
    pub record_id: String,
    /// Given name as written (any case, any punctuation).
    pub first_name: String,
    /// Family name as written.
    pub surname: String,
    /// Date of birth, if known and valid.
    pub dob: Option<BirthDate>,
    /// Sex as recorded (`M`/`F`/…); anything else counts as unknown.
    pub sex: String,
    /// First line(s) of the address: house number and street.
    pub address_line: String,
    /// Postcode, any spacing.
    pub postcode: String,
    /// NHS number (or another national identifier), any spacing.
    pub nhs_number: String,
}

/// A calendar date of birth. Constructed only through [`BirthDate::new`] or
/// [`BirthDate::parse`], so every value is a real date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BirthDate {
    year: u16,
    month: u8,
    day: u8,
}

/// Why a date of birth was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// Not `YYYY-MM-DD` or `YYYYMMDD`.
    #[error("expected a date as YYYY-MM-DD")]
    Format,
    /// Well-formed but not a day of the calendar (e.g. 2019-02-30).
    #[error("{0:04}-{1:02}-{2:02} is not a calendar date")]
    NoSuchDay(u16, u8, u8),
}

impl BirthDate {
    /// A date from its parts; fails for days the calendar does not have.
    pub fn new(year: u16, month: u8, day: u8) -> Result<Self, DateError> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) || year == 0 {
            return Err(DateError::NoSuchDay(year, month, day));
        }
        Ok(Self { year, month, day })
    }

    /// Parses `YYYY-MM-DD` (the CSV format) or `YYYYMMDD` (common in exports).
    pub fn parse(text: &str) -> Result<Self, DateError> {
        let t = text.trim();
        let digits: String = match t.len() {
            10 if t.as_bytes()[4] == b'-' && t.as_bytes()[7] == b'-' => t.chars().filter(|c| *c != '-').collect(),
            8 => t.to_owned(),
            _ => return Err(DateError::Format),
        };
        if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DateError::Format);
        }
        let num = |r: std::ops::Range<usize>| digits[r].parse::<u16>().map_err(|_| DateError::Format);
        let year = num(0..4)?;
        let month = u8::try_from(num(4..6)?).map_err(|_| DateError::Format)?;
        let day = u8::try_from(num(6..8)?).map_err(|_| DateError::Format)?;
        Self::new(year, month, day)
    }

    /// The year, for blocking on year of birth.
    pub fn year(self) -> u16 {
        self.year
    }

    /// The month, 1–12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month.
    pub fn day(self) -> u8 {
        self.day
    }

    /// The eight digits `YYYYMMDD`, for the one-digit-different comparison (a keying slip).
    pub fn digits(self) -> [u8; 8] {
        let y = self.year;
        [
            (y / 1000 % 10) as u8,
            (y / 100 % 10) as u8,
            (y / 10 % 10) as u8,
            (y % 10) as u8,
            self.month / 10,
            self.month % 10,
            self.day / 10,
            self.day % 10,
        ]
    }

    /// A compact key (days are unique per date) for blocking and hashing.
    pub fn key(self) -> u32 {
        u32::from(self.year) * 10_000 + u32::from(self.month) * 100 + u32::from(self.day)
    }
}

impl std::fmt::Display for BirthDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => 29,
        2 => 28,
        _ => 31,
    }
}

/// A postcode split into the parts the comparison levels use.
///
/// UK postcodes have an outward code (district, e.g. `NM4`) and an inward code (`2AB`); the
/// sector is the district plus the inward digit (`NM4 2`). A neighbour in the same sector is
/// much more likely than a random person to be the same person who moved a few streets.
/// Codes that are not UK-shaped (FEBRL's Australian four digits, say) keep only the full value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostcodeParts {
    /// Upper case, no spaces.
    pub full: String,
    /// `NM42` for `NM4 2AB`; `None` when the code is not UK-shaped.
    pub sector: Option<String>,
    /// `NM4` for `NM4 2AB`; `None` when the code is not UK-shaped.
    pub district: Option<String>,
}

impl PostcodeParts {
    /// Parses any spacing and case; `None` for an empty value.
    pub fn parse(raw: &str) -> Option<Self> {
        let full: String = raw
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if full.is_empty() {
            return None;
        }
        let b = full.as_bytes();
        let uk = (5..=7).contains(&b.len())
            && b[0].is_ascii_alphabetic()
            && b[b.len() - 3].is_ascii_digit()
            && b[b.len() - 2].is_ascii_alphabetic()
            && b[b.len() - 1].is_ascii_alphabetic();
        let (sector, district) = if uk {
            let outward = &full[..full.len() - 3];
            (
                Some(format!("{outward}{}", &full[full.len() - 3..full.len() - 2])),
                Some(outward.to_owned()),
            )
        } else {
            (None, None)
        };
        Some(Self { full, sector, district })
    }
}

/// Upper-case letters only: "O'Brien-Smith " and "OBRIEN SMITH" are the same name.
pub fn normalise_name(raw: &str) -> String {
    raw.chars().filter(|c| c.is_alphabetic()).flat_map(char::to_uppercase).collect()
}

/// Street words written two ways in practice; both sides are rewritten to the long form so
/// "12 Oak Rd" and "12 Oak Road" are the same address.
const STREET_ABBREVIATIONS: &[(&str, &str)] = &[
    ("RD", "ROAD"),
    ("ST", "STREET"),
    ("AVE", "AVENUE"),
    ("AV", "AVENUE"),
    ("LN", "LANE"),
    ("CL", "CLOSE"),
    ("DR", "DRIVE"),
    ("CRES", "CRESCENT"),
    ("CT", "COURT"),
    ("PL", "PLACE"),
    ("GDNS", "GARDENS"),
    ("TER", "TERRACE"),
    ("TCE", "TERRACE"),
    ("SQ", "SQUARE"),
    ("FLT", "FLAT"),
];

/// The words and numbers of an address line, upper case, abbreviations expanded, sorted and
/// without repeats, so that order and punctuation do not matter.
pub fn address_tokens(raw: &str) -> Vec<String> {
    let mut tokens: Vec<String> = raw
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(|t| {
            let up = t.to_uppercase();
            STREET_ABBREVIATIONS
                .iter()
                .find(|(short, _)| *short == up)
                .map_or(up, |(_, long)| (*long).to_owned())
        })
        .collect();
    tokens.sort();
    tokens.dedup();
    tokens
}

/// Digits of an identifier; `None` when there are none. Spacing and dashes are presentation.
pub fn normalise_identifier(raw: &str) -> Option<u64> {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    digits.parse().ok()
}

/// `M`, `F`, or unknown (`None`): other codes say nothing comparable about the person.
pub fn normalise_sex(raw: &str) -> Option<u8> {
    match raw.trim().chars().next().map(|c| c.to_ascii_uppercase()) {
        Some('M') => Some(b'M'),
        Some('F') => Some(b'F'),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_of_birth_must_be_a_calendar_day() {
        assert!(BirthDate::parse("2019-02-29").is_err());
        assert!(BirthDate::parse("2020-02-29").is_ok());
        assert!(BirthDate::parse("2020-13-01").is_err());
        assert!(BirthDate::parse("01/02/2020").is_err());
        assert_eq!(BirthDate::parse("20200102"), BirthDate::parse("2020-01-02"));
    }

    #[test]
    fn a_uk_postcode_has_a_sector_and_district() {
        let p = PostcodeParts::parse("nm4 2ab").unwrap();
        assert_eq!(p.full, "NM42AB");
        assert_eq!(p.sector.as_deref(), Some("NM42"));
        assert_eq!(p.district.as_deref(), Some("NM4"));
        let other = PostcodeParts::parse("2615").unwrap();
        assert_eq!(other.sector, None);
        assert!(PostcodeParts::parse("  ").is_none());
    }

    #[test]
    fn address_tokens_ignore_order_case_and_abbreviation() {
        assert_eq!(address_tokens("12 Oak Rd"), address_tokens("12, OAK ROAD"));
    }
}
