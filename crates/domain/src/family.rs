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

/// Why a person cannot be recorded as a child or young person of the household.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AgeRangeRefused {
    /// Aged 20 to 25 with no disability recorded.
    #[error(
        "Early help is for children and young people up to 19, or up to 25 with a disability: record their disability if they have one, or add this person as an adult"
    )]
    NeedsADisability,
    /// Older than 25: early help is not for them, disability or not.
    #[error("Early help is for children and young people up to 25 at most: add this person as an adult")]
    TooOld,
}

/// Whether a person may hold the [`HouseholdRole::Child`] place in a household on `today`:
/// anyone else may be an adult of the household at any age, so only children are checked.
/// Kept apart from [`in_early_help_age_range`] so the refusal can say what to put right.
pub fn check_household_role(role: HouseholdRole, date_of_birth: Date, today: Date, has_disability: bool) -> Result<(), AgeRangeRefused> {
    if role != HouseholdRole::Child || in_early_help_age_range(date_of_birth, today, has_disability) {
        return Ok(());
    }
    if in_early_help_age_range(date_of_birth, today, true) {
        Err(AgeRangeRefused::NeedsADisability)
    } else {
        Err(AgeRangeRefused::TooOld)
    }
}

/// Why a move of house could not be recorded; each message says what to put right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MoveRefused {
    /// The date is after today: a move is recorded once it has happened.
    #[error("The date the family moved must be today or in the past")]
    InTheFuture,
    /// The date is before the family's last recorded move, so the history would be out of order.
    #[error("The date the family moved must be after their last move, on {}", long_date(*.0))]
    BeforeTheLastMove(Date),
    /// The new address is the one already held.
    #[error("This is the family’s address already: enter the address they moved to")]
    SameAddress,
}

/// Checks a move before it is written: dated no later than today and after the last move, and
/// to an address other than the current one (compared as typed, ignoring case and spacing, and
/// by normalised postcode).
pub fn check_move(
    moved_on: Date,
    today: Date,
    last_move: Option<Date>,
    current: (&str, &crate::postcode::Postcode),
    new: (&str, &crate::postcode::Postcode),
) -> Result<(), MoveRefused> {
    if moved_on > today {
        return Err(MoveRefused::InTheFuture);
    }
    if let Some(last) = last_move
        && moved_on < last
    {
        return Err(MoveRefused::BeforeTheLastMove(last));
    }
    let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    if current.1 == new.1 && squash(current.0) == squash(new.0) {
        return Err(MoveRefused::SameAddress);
    }
    Ok(())
}

fn long_date(d: Date) -> String {
    format!("{} {} {}", d.day(), d.month(), d.year())
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

    const TODAY: Date = date!(2026 - 11 - 25);

    #[test]
    fn a_twenty_two_year_old_with_a_disability_counts_as_a_young_person() {
        let born = date!(2004 - 03 - 01);
        assert_eq!(check_household_role(HouseholdRole::Child, born, TODAY, true), Ok(()));
    }

    #[test]
    fn a_twenty_two_year_old_without_a_disability_does_not_count_and_is_told_why() {
        let born = date!(2004 - 03 - 01);
        assert_eq!(
            check_household_role(HouseholdRole::Child, born, TODAY, false),
            Err(AgeRangeRefused::NeedsADisability)
        );
        assert!(AgeRangeRefused::NeedsADisability.to_string().contains("record their disability"));
    }

    #[test]
    fn nineteen_counts_without_a_disability_until_the_twentieth_birthday() {
        let born = date!(2006 - 11 - 26);
        assert_eq!(check_household_role(HouseholdRole::Child, born, TODAY, false), Ok(()));
        let twenty_today = date!(2006 - 11 - 25);
        assert!(check_household_role(HouseholdRole::Child, twenty_today, TODAY, false).is_err());
    }

    #[test]
    fn over_twenty_five_no_one_counts_as_a_young_person_disability_or_not() {
        let born = date!(2000 - 01 - 01);
        assert_eq!(
            check_household_role(HouseholdRole::Child, born, TODAY, true),
            Err(AgeRangeRefused::TooOld)
        );
        assert_eq!(check_household_role(HouseholdRole::Parent, born, TODAY, false), Ok(()));
    }

    #[test]
    fn an_adult_of_the_household_may_be_any_age() {
        let born = date!(2004 - 03 - 01);
        for role in [HouseholdRole::Parent, HouseholdRole::Carer, HouseholdRole::OtherAdult] {
            assert_eq!(check_household_role(role, born, TODAY, false), Ok(()));
        }
    }

    fn pc(s: &str) -> crate::postcode::Postcode {
        crate::postcode::Postcode::parse(s).unwrap()
    }

    #[test]
    fn a_move_must_have_happened_and_come_after_the_last_one() {
        let (old, new) = (pc("NX1 1AA"), pc("NX4 7BB"));
        let current = ("1 Old Road", &old);
        let to = ("2 New Street", &new);
        assert_eq!(
            check_move(date!(2026 - 11 - 26), TODAY, None, current, to),
            Err(MoveRefused::InTheFuture)
        );
        assert_eq!(
            check_move(date!(2026 - 01 - 01), TODAY, Some(date!(2026 - 02 - 01)), current, to),
            Err(MoveRefused::BeforeTheLastMove(date!(2026 - 02 - 01)))
        );
        assert_eq!(check_move(TODAY, TODAY, Some(date!(2026 - 02 - 01)), current, to), Ok(()));
    }

    #[test]
    fn moving_to_the_address_already_held_is_refused_however_it_is_typed() {
        let (a, b) = (pc("NX1 1AA"), pc("nx11aa"));
        assert_eq!(
            check_move(TODAY, TODAY, None, ("1 Old Road", &a), ("1  old road ", &b)),
            Err(MoveRefused::SameAddress)
        );
        assert_eq!(
            check_move(TODAY, TODAY, None, ("1 Old Road", &a), ("Flat 2, 1 Old Road", &b)),
            Ok(())
        );
    }

    #[test]
    fn a_twenty_two_year_old_is_in_scope_only_with_a_disability() {
        let dob = date!(2004 - 01 - 01);
        let today = date!(2026 - 11 - 25);
        assert!(!in_early_help_age_range(dob, today, false));
        assert!(in_early_help_age_range(dob, today, true));
    }
}
