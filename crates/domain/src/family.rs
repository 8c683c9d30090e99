//! Families (households) and the people in them. Issue-level rules (identifiers, matching,
//! merging) grow here; this module holds what every later capability needs.

use serde::{Deserialize, Serialize};
use std::str::FromStr;
use time::Date;

/// A person's place in their household.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HouseholdRole {
    /// A child or young person the early help is for.
    Child,
    /// A parent.
    Parent,
    /// A carer who is not a parent (grandparent, kinship carer, step-parent).
    Carer,
    /// Another adult living in the household.
    OtherAdult,
}

impl HouseholdRole {
    /// Every role.
    pub const ALL: [HouseholdRole; 4] = [Self::Child, Self::Parent, Self::Carer, Self::OtherAdult];

    /// Stable code for storage and the API.
    pub fn code(self) -> &'static str {
        match self {
            Self::Child => "child",
            Self::Parent => "parent",
            Self::Carer => "carer",
            Self::OtherAdult => "other_adult",
        }
    }

    /// The word shown on pages.
    pub fn label(self) -> &'static str {
        match self {
            Self::Child => "Child or young person",
            Self::Parent => "Parent",
            Self::Carer => "Carer",
            Self::OtherAdult => "Other adult",
        }
    }
}

/// A code that names no household role.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}” is not a household role")]
pub struct UnknownHouseholdRole(pub String);

impl FromStr for HouseholdRole {
    type Err = UnknownHouseholdRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.code() == s)
            .ok_or_else(|| UnknownHouseholdRole(s.to_owned()))
    }
}

/// Early help is for children and young people aged 0–19, or up to 25 with a disability
/// (seed 001 §1). Returns whether a person of this birth date is in scope on `today`.
pub fn in_early_help_age_range(date_of_birth: Date, today: Date, has_disability: bool) -> bool {
    let limit = if has_disability { 25 } else { 19 };
    age_on(date_of_birth, today).is_some_and(|age| age <= limit)
}

/// Age in whole years on a date; `None` if born after it.
pub fn age_on(date_of_birth: Date, on: Date) -> Option<u32> {
    if date_of_birth > on {
        return None;
    }
    let mut years = on.year() - date_of_birth.year();
    if (on.month() as u8, on.day()) < (date_of_birth.month() as u8, date_of_birth.day()) {
        years -= 1;
    }
    u32::try_from(years).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn age_counts_whole_years_and_turns_on_the_birthday() {
        assert_eq!(age_on(date!(2010 - 06 - 15), date!(2026 - 06 - 14)), Some(15));
        assert_eq!(age_on(date!(2010 - 06 - 15), date!(2026 - 06 - 15)), Some(16));
        assert_eq!(age_on(date!(2027 - 01 - 01), date!(2026 - 06 - 15)), None);
    }

    #[test]
    fn a_twenty_two_year_old_is_in_scope_only_with_a_disability() {
        let dob = date!(2004 - 01 - 01);
        let today = date!(2026 - 11 - 25);
        assert!(!in_early_help_age_range(dob, today, false));
        assert!(in_early_help_age_range(dob, today, true));
    }
}
