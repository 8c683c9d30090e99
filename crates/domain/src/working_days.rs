//! Working days in England and Wales. Every deadline in early help is counted in them: the
//! list of families goes to member agencies at least 5 working days before a panel, action
//! notes reach the co-ordinator within 3 working days (seed 001 §6–7).
//!
//! The calendar is computed, not downloaded: the bank-holiday rules of the Banking and
//! Financial Dealings Act 1971 as applied by royal proclamation (with Easter from the
//! anonymous Gregorian algorithm and substitute days when a holiday falls at a weekend),
//! plus the one-off changes proclaimed since 2020. A council adds its own closure days (the
//! days between Christmas and New Year, say) with [`Calendar::with_closures`].
//!
//! Years after the last one-off listed here follow the standing rules; if a future bank
//! holiday is proclaimed or moved, add it to [`ONE_OFF_CHANGES`] (and its test) — until then an
//! administrator can add it as a closure day.

use std::collections::BTreeSet;
use std::fmt;
use time::macros::date;
use time::{Date, Duration, Month, Weekday};

/// A bank holiday: its date and the name it is published under.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct BankHoliday {
    /// The day it is taken (for a substitute day, the weekday it moved to).
    pub date: Date,
    /// The name people know it by, e.g. "Boxing Day (substitute day)".
    pub name: &'static str,
}

/// Why a day is not a working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonWorkingDay {
    /// Saturday or Sunday.
    Weekend,
    /// An England and Wales bank holiday, with its name.
    BankHoliday(&'static str),
    /// A day the council's administrator has marked as closed.
    LocalClosure,
}

impl fmt::Display for NonWorkingDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Weekend => f.write_str("weekend"),
            Self::BankHoliday(name) => f.write_str(name),
            Self::LocalClosure => f.write_str("local closure day"),
        }
    }
}

/// A count of working days ran past the first or last date the calendar can hold (the years
/// −9999 and 9999): only a nonsense input can get there, but a deadline must never wrap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("That date is too far in the past or future to count working days")]
pub struct OutOfRange;

/// The England and Wales working-day calendar with a council's own closure days.
///
/// Cheap to clone and to query: bank holidays are computed from the rules on demand, so the
/// calendar needs no table of years and works for any year.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    closures: BTreeSet<Date>,
}

impl Calendar {
    /// Weekends and England and Wales bank holidays, no local closures.
    pub fn england_and_wales() -> Self {
        Self::default()
    }

    /// Adds local closure days (set by an administrator). Closures that fall on a weekend or
    /// bank holiday change nothing.
    pub fn with_closures(mut self, closures: impl IntoIterator<Item = Date>) -> Self {
        self.closures.extend(closures);
        self
    }

    /// The local closure days, in date order.
    pub fn closures(&self) -> impl Iterator<Item = Date> + '_ {
        self.closures.iter().copied()
    }

    /// The England and Wales bank holidays in a year, in date order, with their names.
    pub fn bank_holidays_in(&self, year: i32) -> Vec<BankHoliday> {
        bank_holidays_in(year)
    }

    /// Why `date` is not a working day, or `None` if it is one. Pages use this to explain a
    /// deadline ("Monday 25 May is the Spring bank holiday").
    pub fn non_working_reason(&self, date: Date) -> Option<NonWorkingDay> {
        if matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday) {
            return Some(NonWorkingDay::Weekend);
        }
        if let Some(h) = bank_holidays_in(date.year()).into_iter().find(|h| h.date == date) {
            return Some(NonWorkingDay::BankHoliday(h.name));
        }
        if self.closures.contains(&date) {
            return Some(NonWorkingDay::LocalClosure);
        }
        None
    }

    /// Whether offices are open on `date`: not a weekend, bank holiday or local closure.
    pub fn is_working_day(&self, date: Date) -> bool {
        self.non_working_reason(date).is_none()
    }

    /// `date` if it is a working day, otherwise the first working day after it: when a
    /// deadline that falls on a closed day can be met.
    pub fn next_working_day_on_or_after(&self, date: Date) -> Result<Date, OutOfRange> {
        let mut d = date;
        while !self.is_working_day(d) {
            d = d.next_day().ok_or(OutOfRange)?;
        }
        Ok(d)
    }

    /// `date` if it is a working day, otherwise the last working day before it.
    pub fn previous_working_day_on_or_before(&self, date: Date) -> Result<Date, OutOfRange> {
        let mut d = date;
        while !self.is_working_day(d) {
            d = d.previous_day().ok_or(OutOfRange)?;
        }
        Ok(d)
    }

    /// The `n`th working day after `date` (or, for negative `n`, the `|n|`th working day before
    /// it); `date` itself is never counted, and need not be a working day. `n = 0` gives `date`
    /// unchanged.
    ///
    /// "5 working days before the meeting" is `add_working_days(meeting, -5)`: for a Monday
    /// meeting with no holidays, the Monday before. "Within 3 working days of the meeting" is
    /// `add_working_days(meeting, 3)`.
    pub fn add_working_days(&self, date: Date, n: i32) -> Result<Date, OutOfRange> {
        let step = |d: Date| if n > 0 { d.next_day() } else { d.previous_day() };
        let mut d = date;
        let mut remaining = n.unsigned_abs();
        while remaining > 0 {
            d = step(d).ok_or(OutOfRange)?;
            if self.is_working_day(d) {
                remaining -= 1;
            }
        }
        Ok(d)
    }

    /// The number of working days after `from` up to and including `to`; negative when `to`
    /// is before `from` (then it is minus the count after `to` up to and including `from`).
    ///
    /// So `working_days_between(d, add_working_days(d, n)) == n` for every `n ≥ 0`, and for
    /// negative `n` too when `d` is itself a working day; and it is antisymmetric. Used to
    /// check a deadline was met ("sent 4 working days before the meeting — late").
    pub fn working_days_between(&self, from: Date, to: Date) -> i64 {
        if to < from {
            return -self.working_days_between(to, from);
        }
        let mut count = 0i64;
        let mut d = from;
        while d < to {
            match d.next_day() {
                Some(next) => d = next,
                None => break,
            }
            if self.is_working_day(d) {
                count += 1;
            }
        }
        count
    }
}

/// Why a day cannot be added to the council's closure days. Each message says what to put right.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClosureRefused {
    /// A weekend or bank holiday is already not a working day; closing it would change nothing.
    #[error("{day} is already not a working day ({reason})")]
    AlreadyNotAWorkingDay {
        /// The day, in words.
        day: String,
        /// The weekend or the bank holiday's name.
        reason: String,
    },
    /// Deadlines already counted with a past day must keep their explanation.
    #[error("The date must be today or in the future")]
    InThePast,
    /// The day is a closure day already.
    #[error("{0} is already a closure day")]
    AlreadyClosed(String),
}

impl Calendar {
    /// Whether `day` may become a local closure day, given `today`: a working day (not a
    /// weekend, bank holiday or closure already), today or later. Checked before it is stored so
    /// the list of closure days only holds days that change a deadline.
    pub fn check_new_closure(&self, day: Date, today: Date) -> Result<(), ClosureRefused> {
        let words = || format!("{} {}", day.weekday(), crate::clock::long_date(day));
        if day < today {
            return Err(ClosureRefused::InThePast);
        }
        match self.non_working_reason(day) {
            None => Ok(()),
            Some(NonWorkingDay::LocalClosure) => Err(ClosureRefused::AlreadyClosed(words())),
            Some(reason) => Err(ClosureRefused::AlreadyNotAWorkingDay {
                day: words(),
                reason: reason.to_string(),
            }),
        }
    }
}

/// Why the council is closed on a day, as the calendar page shows it: "Council offices closed
/// between Christmas and New Year". Never empty; short enough for a table cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosureReason(String);

/// What is wrong with a typed closure reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ClosureReasonError {
    /// Nothing typed.
    #[error("Enter why the council is closed that day")]
    Empty,
    /// More than [`ClosureReason::MAX_CHARS`] characters.
    #[error("The reason must be 200 characters or fewer")]
    TooLong,
}

impl ClosureReason {
    /// The longest reason kept.
    pub const MAX_CHARS: usize = 200;

    /// Trims the typed reason and checks it is there and not too long.
    pub fn parse(raw: &str) -> Result<Self, ClosureReasonError> {
        let s = raw.trim();
        if s.is_empty() {
            Err(ClosureReasonError::Empty)
        } else if s.chars().count() > Self::MAX_CHARS {
            Err(ClosureReasonError::TooLong)
        } else {
            Ok(Self(s.to_owned()))
        }
    }

    /// The reason as typed, trimmed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Easter Sunday in the Gregorian calendar, by the anonymous algorithm (Meeus/Jones/Butcher),
/// which needs no table and is exact for every Gregorian year.
pub fn easter_sunday(year: i32) -> Date {
    let y = year;
    let a = y.rem_euclid(19);
    let b = y.div_euclid(100);
    let c = y.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c.div_euclid(4);
    let k = c.rem_euclid(4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l).div_euclid(451);
    let month = (h + l - 7 * m + 114).div_euclid(31);
    let day = (h + l - 7 * m + 114).rem_euclid(31) + 1;
    // The algorithm only ever gives 22 March to 25 April.
    let month = if month == 3 { Month::March } else { Month::April };
    ymd(y, month, u8::try_from(day).unwrap_or(1))
}

/// A date known to exist; at the edges of the representable range it saturates rather than
/// panicking (bank holidays of the year 9999 are not a real concern).
fn ymd(year: i32, month: Month, day: u8) -> Date {
    Date::from_calendar_date(year, month, day).unwrap_or(if year < 0 { Date::MIN } else { Date::MAX })
}

fn first_weekday_of(year: i32, month: Month, weekday: Weekday) -> Date {
    let mut d = ymd(year, month, 1);
    while d.weekday() != weekday {
        d += Duration::DAY;
    }
    d
}

fn last_weekday_of(year: i32, month: Month, weekday: Weekday) -> Date {
    let mut d = ymd(year, month, time::util::days_in_month(month, year));
    while d.weekday() != weekday {
        d -= Duration::DAY;
    }
    d
}

/// One way a year's bank holidays differ from the standing rules: a holiday added, or moved
/// from the date the rules give.
#[derive(Debug, Clone, Copy)]
pub struct OneOffChange {
    /// The date the standing rules give that is not a bank holiday this year.
    pub instead_of: Option<Date>,
    /// The day taken instead, or an extra holiday, with its published name.
    pub date: Date,
    /// The published name.
    pub name: &'static str,
}

/// The one-off changes to England and Wales bank holidays since 2020, by royal proclamation.
/// A new proclamation is one more entry here (and a line in the published-list test).
pub const ONE_OFF_CHANGES: &[OneOffChange] = &[
    OneOffChange {
        instead_of: Some(date!(2020 - 05 - 04)),
        date: date!(2020 - 05 - 08),
        name: "Early May bank holiday (VE day)",
    },
    OneOffChange {
        instead_of: Some(date!(2022 - 05 - 30)),
        date: date!(2022 - 06 - 02),
        name: "Spring bank holiday",
    },
    OneOffChange {
        instead_of: None,
        date: date!(2022 - 06 - 03),
        name: "Platinum Jubilee bank holiday",
    },
    OneOffChange {
        instead_of: None,
        date: date!(2022 - 09 - 19),
        name: "Bank Holiday for the State Funeral of Queen Elizabeth II",
    },
    OneOffChange {
        instead_of: None,
        date: date!(2023 - 05 - 08),
        name: "Bank holiday for the coronation of King Charles III",
    },
];

/// The England and Wales bank holidays in `year`, in date order, with their published names.
pub fn bank_holidays_in(year: i32) -> Vec<BankHoliday> {
    let mut days = Vec::with_capacity(10);
    let h = |date, name| BankHoliday { date, name };

    // New Year's Day, or the Monday after when it falls at a weekend.
    let new_year = ymd(year, Month::January, 1);
    match new_year.weekday() {
        Weekday::Saturday => days.push(h(ymd(year, Month::January, 3), "New Year’s Day (substitute day)")),
        Weekday::Sunday => days.push(h(ymd(year, Month::January, 2), "New Year’s Day (substitute day)")),
        _ => days.push(h(new_year, "New Year’s Day")),
    }

    let easter = easter_sunday(year);
    days.push(h(easter - Duration::days(2), "Good Friday"));
    days.push(h(easter + Duration::DAY, "Easter Monday"));
    days.push(h(first_weekday_of(year, Month::May, Weekday::Monday), "Early May bank holiday"));
    days.push(h(last_weekday_of(year, Month::May, Weekday::Monday), "Spring bank holiday"));
    days.push(h(last_weekday_of(year, Month::August, Weekday::Monday), "Summer bank holiday"));

    // Christmas and Boxing Day; when either falls at a weekend the holiday moves to the next
    // weekday not already a holiday.
    let christmas = ymd(year, Month::December, 25);
    match christmas.weekday() {
        Weekday::Friday => {
            days.push(h(christmas, "Christmas Day"));
            days.push(h(ymd(year, Month::December, 28), "Boxing Day (substitute day)"));
        }
        Weekday::Saturday => {
            days.push(h(ymd(year, Month::December, 27), "Christmas Day (substitute day)"));
            days.push(h(ymd(year, Month::December, 28), "Boxing Day (substitute day)"));
        }
        Weekday::Sunday => {
            days.push(h(ymd(year, Month::December, 26), "Boxing Day"));
            days.push(h(ymd(year, Month::December, 27), "Christmas Day (substitute day)"));
        }
        _ => {
            days.push(h(christmas, "Christmas Day"));
            days.push(h(ymd(year, Month::December, 26), "Boxing Day"));
        }
    }

    for change in ONE_OFF_CHANGES.iter().filter(|c| c.date.year() == year) {
        if let Some(moved) = change.instead_of {
            days.retain(|d| d.date != moved);
        }
        days.push(h(change.date, change.name));
    }
    days.sort();
    days
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The England and Wales bank holidays for 2020–2027 as published by the UK government.
    const PUBLISHED: &[(Date, &str)] = &[
        (date!(2020 - 01 - 01), "New Year’s Day"),
        (date!(2020 - 04 - 10), "Good Friday"),
        (date!(2020 - 04 - 13), "Easter Monday"),
        (date!(2020 - 05 - 08), "Early May bank holiday (VE day)"),
        (date!(2020 - 05 - 25), "Spring bank holiday"),
        (date!(2020 - 08 - 31), "Summer bank holiday"),
        (date!(2020 - 12 - 25), "Christmas Day"),
        (date!(2020 - 12 - 28), "Boxing Day (substitute day)"),
        (date!(2021 - 01 - 01), "New Year’s Day"),
        (date!(2021 - 04 - 02), "Good Friday"),
        (date!(2021 - 04 - 05), "Easter Monday"),
        (date!(2021 - 05 - 03), "Early May bank holiday"),
        (date!(2021 - 05 - 31), "Spring bank holiday"),
        (date!(2021 - 08 - 30), "Summer bank holiday"),
        (date!(2021 - 12 - 27), "Christmas Day (substitute day)"),
        (date!(2021 - 12 - 28), "Boxing Day (substitute day)"),
        (date!(2022 - 01 - 03), "New Year’s Day (substitute day)"),
        (date!(2022 - 04 - 15), "Good Friday"),
        (date!(2022 - 04 - 18), "Easter Monday"),
        (date!(2022 - 05 - 02), "Early May bank holiday"),
        (date!(2022 - 06 - 02), "Spring bank holiday"),
        (date!(2022 - 06 - 03), "Platinum Jubilee bank holiday"),
        (date!(2022 - 08 - 29), "Summer bank holiday"),
        (date!(2022 - 09 - 19), "Bank Holiday for the State Funeral of Queen Elizabeth II"),
        (date!(2022 - 12 - 26), "Boxing Day"),
        (date!(2022 - 12 - 27), "Christmas Day (substitute day)"),
        (date!(2023 - 01 - 02), "New Year’s Day (substitute day)"),
        (date!(2023 - 04 - 07), "Good Friday"),
        (date!(2023 - 04 - 10), "Easter Monday"),
        (date!(2023 - 05 - 01), "Early May bank holiday"),
        (date!(2023 - 05 - 08), "Bank holiday for the coronation of King Charles III"),
        (date!(2023 - 05 - 29), "Spring bank holiday"),
        (date!(2023 - 08 - 28), "Summer bank holiday"),
        (date!(2023 - 12 - 25), "Christmas Day"),
        (date!(2023 - 12 - 26), "Boxing Day"),
        (date!(2024 - 01 - 01), "New Year’s Day"),
        (date!(2024 - 03 - 29), "Good Friday"),
        (date!(2024 - 04 - 01), "Easter Monday"),
        (date!(2024 - 05 - 06), "Early May bank holiday"),
        (date!(2024 - 05 - 27), "Spring bank holiday"),
        (date!(2024 - 08 - 26), "Summer bank holiday"),
        (date!(2024 - 12 - 25), "Christmas Day"),
        (date!(2024 - 12 - 26), "Boxing Day"),
        (date!(2025 - 01 - 01), "New Year’s Day"),
        (date!(2025 - 04 - 18), "Good Friday"),
        (date!(2025 - 04 - 21), "Easter Monday"),
        (date!(2025 - 05 - 05), "Early May bank holiday"),
        (date!(2025 - 05 - 26), "Spring bank holiday"),
        (date!(2025 - 08 - 25), "Summer bank holiday"),
        (date!(2025 - 12 - 25), "Christmas Day"),
        (date!(2025 - 12 - 26), "Boxing Day"),
        (date!(2026 - 01 - 01), "New Year’s Day"),
        (date!(2026 - 04 - 03), "Good Friday"),
        (date!(2026 - 04 - 06), "Easter Monday"),
        (date!(2026 - 05 - 04), "Early May bank holiday"),
        (date!(2026 - 05 - 25), "Spring bank holiday"),
        (date!(2026 - 08 - 31), "Summer bank holiday"),
        (date!(2026 - 12 - 25), "Christmas Day"),
        (date!(2026 - 12 - 28), "Boxing Day (substitute day)"),
        (date!(2027 - 01 - 01), "New Year’s Day"),
        (date!(2027 - 03 - 26), "Good Friday"),
        (date!(2027 - 03 - 29), "Easter Monday"),
        (date!(2027 - 05 - 03), "Early May bank holiday"),
        (date!(2027 - 05 - 31), "Spring bank holiday"),
        (date!(2027 - 08 - 30), "Summer bank holiday"),
        (date!(2027 - 12 - 27), "Christmas Day (substitute day)"),
        (date!(2027 - 12 - 28), "Boxing Day (substitute day)"),
    ];

    #[test]
    fn computed_bank_holidays_match_the_published_list_for_2020_to_2027() {
        let cal = Calendar::england_and_wales();
        for year in 2020..=2027 {
            let computed: Vec<(Date, &str)> = cal.bank_holidays_in(year).into_iter().map(|h| (h.date, h.name)).collect();
            let published: Vec<(Date, &str)> = PUBLISHED.iter().copied().filter(|(d, _)| d.year() == year).collect();
            assert_eq!(computed, published, "{year}");
        }
    }

    #[test]
    fn every_published_bank_holiday_is_a_non_working_day_with_its_name() {
        let cal = Calendar::england_and_wales();
        for &(d, name) in PUBLISHED {
            assert_eq!(cal.non_working_reason(d), Some(NonWorkingDay::BankHoliday(name)), "{d}");
        }
    }

    #[test]
    fn the_weekdays_a_one_off_moved_a_holiday_away_from_are_working_days() {
        let cal = Calendar::england_and_wales();
        assert!(cal.is_working_day(date!(2020 - 05 - 04)), "early May 2020 moved to VE day");
        assert!(cal.is_working_day(date!(2022 - 05 - 30)), "spring 2022 moved to 2 June");
    }

    #[test]
    fn easter_sunday_is_computed_for_known_years() {
        for (year, easter) in [
            (1818, date!(1818 - 03 - 22)),
            (1943, date!(1943 - 04 - 25)),
            (2000, date!(2000 - 04 - 23)),
            (2019, date!(2019 - 04 - 21)),
            (2024, date!(2024 - 03 - 31)),
            (2025, date!(2025 - 04 - 20)),
            (2038, date!(2038 - 04 - 25)),
            (2285, date!(2285 - 03 - 22)),
        ] {
            assert_eq!(easter_sunday(year), easter, "{year}");
        }
    }

    #[test]
    fn weekends_are_not_working_days() {
        let cal = Calendar::england_and_wales();
        assert_eq!(cal.non_working_reason(date!(2026 - 11 - 28)), Some(NonWorkingDay::Weekend));
        assert_eq!(cal.non_working_reason(date!(2026 - 11 - 29)), Some(NonWorkingDay::Weekend));
        assert!(cal.is_working_day(date!(2026 - 11 - 30)));
    }

    #[test]
    fn a_local_closure_day_is_not_a_working_day() {
        let cal = Calendar::england_and_wales().with_closures([date!(2026 - 12 - 29), date!(2026 - 12 - 30)]);
        assert_eq!(cal.non_working_reason(date!(2026 - 12 - 29)), Some(NonWorkingDay::LocalClosure));
        assert_eq!(cal.next_working_day_on_or_after(date!(2026 - 12 - 24)), Ok(date!(2026 - 12 - 24)));
        assert_eq!(cal.add_working_days(date!(2026 - 12 - 24), 1), Ok(date!(2026 - 12 - 31)));
        assert_eq!(cal.add_working_days(date!(2026 - 12 - 24), 2), Ok(date!(2027 - 01 - 04)));
    }

    #[test]
    fn five_working_days_before_a_meeting_after_the_spring_bank_holiday_skips_it() {
        // Meeting Thursday 28 May 2026; Monday 25 May is the Spring bank holiday.
        let cal = Calendar::england_and_wales();
        assert_eq!(cal.add_working_days(date!(2026 - 05 - 28), -5), Ok(date!(2026 - 05 - 20)));
        assert_eq!(cal.working_days_between(date!(2026 - 05 - 20), date!(2026 - 05 - 28)), 5);
    }

    #[test]
    fn five_working_days_before_a_monday_meeting_with_no_holidays_is_the_monday_before() {
        let cal = Calendar::england_and_wales();
        assert_eq!(cal.add_working_days(date!(2026 - 11 - 16), -5), Ok(date!(2026 - 11 - 09)));
    }

    #[test]
    fn three_working_days_after_a_meeting_before_easter_skip_good_friday_and_easter_monday() {
        // Meeting Wednesday 1 April 2026; Good Friday 3 April, Easter Monday 6 April.
        let cal = Calendar::england_and_wales();
        assert_eq!(cal.add_working_days(date!(2026 - 04 - 01), 3), Ok(date!(2026 - 04 - 08)));
    }

    #[test]
    fn adding_zero_working_days_leaves_the_date_alone() {
        let cal = Calendar::england_and_wales();
        assert_eq!(cal.add_working_days(date!(2026 - 12 - 25), 0), Ok(date!(2026 - 12 - 25)));
    }

    #[test]
    fn the_next_working_day_after_christmas_2027_is_wednesday_29th() {
        let cal = Calendar::england_and_wales();
        assert_eq!(cal.next_working_day_on_or_after(date!(2027 - 12 - 25)), Ok(date!(2027 - 12 - 29)));
        assert_eq!(
            cal.previous_working_day_on_or_before(date!(2027 - 12 - 28)),
            Ok(date!(2027 - 12 - 24))
        );
    }

    #[test]
    fn counting_past_the_last_representable_date_is_an_error_not_a_panic() {
        let cal = Calendar::england_and_wales();
        assert_eq!(cal.add_working_days(Date::MAX, 1), Err(OutOfRange));
        assert_eq!(cal.add_working_days(Date::MIN, -1), Err(OutOfRange));
    }

    fn any_date() -> impl Strategy<Value = Date> {
        // 1990–2060: wide enough to cover every kind of year, narrow enough to stay fast.
        (0i32..25_567).prop_map(|offset| date!(1990 - 01 - 01) + Duration::days(i64::from(offset)))
    }

    fn closures() -> impl Strategy<Value = Vec<Date>> {
        proptest::collection::vec(any_date(), 0..20)
    }

    #[test]
    fn a_working_day_from_today_on_may_become_a_closure_day() {
        let c = Calendar::england_and_wales();
        let today = date!(2026 - 12 - 02);
        assert_eq!(c.check_new_closure(today, today), Ok(()));
        assert_eq!(c.check_new_closure(date!(2026 - 12 - 29), today), Ok(()));
    }

    #[test]
    fn a_weekend_or_bank_holiday_is_refused_as_already_not_a_working_day() {
        let c = Calendar::england_and_wales();
        let today = date!(2026 - 12 - 02);
        let boxing = c.check_new_closure(date!(2026 - 12 - 28), today).unwrap_err();
        assert_eq!(
            boxing.to_string(),
            "Monday 28 December 2026 is already not a working day (Boxing Day (substitute day))"
        );
        let saturday = c.check_new_closure(date!(2026 - 12 - 05), today).unwrap_err();
        assert!(saturday.to_string().ends_with("is already not a working day (weekend)"));
    }

    #[test]
    fn a_past_day_or_one_already_closed_is_refused() {
        let today = date!(2026 - 12 - 02);
        let c = Calendar::england_and_wales().with_closures([date!(2026 - 12 - 30)]);
        assert_eq!(c.check_new_closure(date!(2026 - 12 - 01), today), Err(ClosureRefused::InThePast));
        assert_eq!(
            c.check_new_closure(date!(2026 - 12 - 30), today),
            Err(ClosureRefused::AlreadyClosed("Wednesday 30 December 2026".into()))
        );
    }

    #[test]
    fn a_closure_reason_is_trimmed_and_must_be_there_and_short() {
        assert_eq!(
            ClosureReason::parse("  Staff training day ").unwrap().as_str(),
            "Staff training day"
        );
        assert_eq!(ClosureReason::parse("   "), Err(ClosureReasonError::Empty));
        assert_eq!(ClosureReason::parse(&"x".repeat(201)), Err(ClosureReasonError::TooLong));
        assert!(ClosureReason::parse(&"é".repeat(200)).is_ok(), "counted in characters, not bytes");
    }

    proptest! {
        #[test]
        fn adding_a_non_zero_number_of_working_days_lands_on_a_working_day(d in any_date(), n in -60i32..60, c in closures()) {
            prop_assume!(n != 0);
            let cal = Calendar::england_and_wales().with_closures(c);
            prop_assert!(cal.is_working_day(cal.add_working_days(d, n).unwrap()));
        }

        #[test]
        fn going_back_n_then_forward_n_gives_the_start_days_next_working_day(d in any_date(), n in 1i32..60, c in closures()) {
            let cal = Calendar::england_and_wales().with_closures(c);
            let there = cal.add_working_days(d, -n).unwrap();
            prop_assert_eq!(cal.add_working_days(there, n).unwrap(), cal.next_working_day_on_or_after(d).unwrap());
        }

        #[test]
        fn going_forward_n_then_back_n_gives_the_start_days_previous_working_day(d in any_date(), n in 1i32..60, c in closures()) {
            let cal = Calendar::england_and_wales().with_closures(c);
            let there = cal.add_working_days(d, n).unwrap();
            prop_assert_eq!(cal.add_working_days(there, -n).unwrap(), cal.previous_working_day_on_or_before(d).unwrap());
        }

        #[test]
        fn from_a_working_day_adding_then_subtracting_returns_to_it(d in any_date(), n in -60i32..60) {
            let cal = Calendar::england_and_wales();
            let start = cal.next_working_day_on_or_after(d).unwrap();
            let there = cal.add_working_days(start, n).unwrap();
            prop_assert_eq!(cal.add_working_days(there, -n).unwrap(), start);
        }

        #[test]
        fn working_days_between_counts_what_add_working_days_added(d in any_date(), n in -60i32..60, c in closures()) {
            let cal = Calendar::england_and_wales().with_closures(c);
            let start = if n >= 0 { d } else { cal.next_working_day_on_or_after(d).unwrap() };
            let there = cal.add_working_days(start, n).unwrap();
            prop_assert_eq!(cal.working_days_between(start, there), i64::from(n));
        }

        #[test]
        fn working_days_between_is_antisymmetric(a in any_date(), days in 0i64..200) {
            let cal = Calendar::england_and_wales();
            let b = a + Duration::days(days);
            prop_assert_eq!(cal.working_days_between(a, b), -cal.working_days_between(b, a));
        }

        #[test]
        fn a_later_start_or_more_days_never_gives_an_earlier_date(d in any_date(), later in 0i64..30, n in -60i32..60, more in 0i32..30) {
            let cal = Calendar::england_and_wales();
            let e = d + Duration::days(later);
            prop_assert!(cal.add_working_days(d, n).unwrap() <= cal.add_working_days(e, n).unwrap());
            prop_assert!(cal.add_working_days(d, n).unwrap() <= cal.add_working_days(d, n + more).unwrap());
        }

        #[test]
        fn every_year_has_eight_standing_bank_holidays_all_on_weekdays(year in 1980i32..2200) {
            prop_assume!(!(2020..=2023).contains(&year));
            let days = bank_holidays_in(year);
            prop_assert_eq!(days.len(), 8);
            prop_assert!(days.iter().all(|h| !matches!(h.date.weekday(), Weekday::Saturday | Weekday::Sunday)));
            prop_assert!(days.windows(2).all(|w| w[0].date < w[1].date));
        }
    }
}
