//! The rules the dashboards share: which months a period covers, how a middle value of days
//! is found, and which counts are too small to show.
//!
//! A dashboard counts families, and a count of one or two families in a locality and month can
//! identify them to someone who knows the area. So every count of families or their referrals
//! is shown only from a threshold up (the council's setting, default five); smaller counts,
//! except zero, are suppressed. Counts of meetings or lists are not about families and are
//! never suppressed.

use time::{Date, Duration, Month};

/// The threshold a council starts with: counts of fewer than five families are suppressed.
pub const DEFAULT_SUPPRESS_BELOW: u32 = 5;

/// The highest threshold a council may set: above this, most monthly figures would vanish.
pub const MAX_SUPPRESS_BELOW: u32 = 20;

/// The smallest count of families a dashboard shows (zero is always shown: it identifies no one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suppression {
    below: u32,
}

impl Default for Suppression {
    fn default() -> Self {
        Self {
            below: DEFAULT_SUPPRESS_BELOW,
        }
    }
}

/// A threshold the settings form refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Enter a whole number from 1 to {MAX_SUPPRESS_BELOW}: counts below it are hidden (1 hides nothing)")]
pub struct SuppressionOutOfRange;

impl Suppression {
    /// Counts below `below` are suppressed; 1 suppresses nothing.
    pub fn new(below: u32) -> Result<Self, SuppressionOutOfRange> {
        if (1..=MAX_SUPPRESS_BELOW).contains(&below) {
            Ok(Self { below })
        } else {
            Err(SuppressionOutOfRange)
        }
    }

    /// The threshold.
    pub fn below(self) -> u32 {
        self.below
    }

    /// The middle of a set of waits, hidden like a count when so few families waited that it
    /// would be one family's own wait.
    pub fn median(self, days: Vec<i64>) -> Wait {
        match self.count(days.len() as u64) {
            Shown::Suppressed => Wait::Hidden,
            Shown::Count(_) => median_days(days).map_or(Wait::NoneYet, Wait::Days),
        }
    }

    /// A count of families as a dashboard may show it.
    pub fn count(self, n: u64) -> Shown {
        if n == 0 || n >= u64::from(self.below) {
            Shown::Count(n)
        } else {
            Shown::Suppressed
        }
    }
}

/// A count as shown: the number, or hidden because it is small enough to identify a family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// The count.
    Count(u64),
    /// Fewer than the threshold, and more than none.
    Suppressed,
}

impl Shown {
    /// The count to chart: a suppressed one is drawn as nothing.
    pub fn charted(self) -> u64 {
        match self {
            Self::Count(n) => n,
            Self::Suppressed => 0,
        }
    }
}

/// A middle wait as shown.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Wait {
    /// No family has got that far yet.
    NoneYet,
    /// Too few families to show.
    Hidden,
    /// The middle wait, in days.
    Days(f64),
}

impl Wait {
    /// The wait to chart: none or hidden is drawn as nothing.
    pub fn charted(self) -> f64 {
        match self {
            Self::Days(d) => d,
            Self::NoneYet | Self::Hidden => 0.0,
        }
    }
}

/// The first day of each of the `n` calendar months up to and including `today`'s, oldest
/// first: the buckets of a dashboard's period.
pub fn months_back(today: Date, n: u8) -> Vec<Date> {
    let mut first = today.replace_day(1).unwrap_or(today);
    let mut out = Vec::with_capacity(usize::from(n));
    for _ in 0..n {
        out.push(first);
        first = (first - Duration::days(1)).replace_day(1).unwrap_or(first);
    }
    out.reverse();
    out
}

/// The first day of each of the `n` calendar quarters up to and including `today`'s, oldest
/// first: the buckets of the quarterly MASH report (seed 003).
pub fn quarters_back(today: Date, n: u8) -> Vec<Date> {
    let month0 = (u8::from(today.month()) - 1) / 3 * 3 + 1;
    let mut first = Date::from_calendar_date(today.year(), Month::try_from(month0).unwrap_or(Month::January), 1).unwrap_or(today);
    let mut out = Vec::with_capacity(usize::from(n));
    for _ in 0..n {
        out.push(first);
        for _ in 0..3 {
            first = (first - Duration::days(1)).replace_day(1).unwrap_or(first);
        }
    }
    out.reverse();
    out
}

/// The first day of the quarter after `quarter`'s.
pub fn next_quarter(quarter: Date) -> Date {
    next_month(next_month(next_month(quarter)))
}

/// The first day of the month after `month`'s.
pub fn next_month(month: Date) -> Date {
    let (y, m) = match month.month() {
        Month::December => (month.year() + 1, Month::January),
        m => (month.year(), m.next()),
    };
    Date::from_calendar_date(y, m, 1).unwrap_or(month)
}

/// The middle value of a set of waits in days (the mean of the two middle ones for an even
/// count); none for no waits. A median, not a mean, so one case that waited months does not
/// make a panel look slow.
pub fn median_days(mut days: Vec<i64>) -> Option<f64> {
    if days.is_empty() {
        return None;
    }
    days.sort_unstable();
    let mid = days.len() / 2;
    Some(if days.len() % 2 == 1 {
        days[mid] as f64
    } else {
        (days[mid - 1] + days[mid]) as f64 / 2.0
    })
}

/// The periods a dashboard offers, in months.
pub const PERIODS: [u8; 3] = [3, 6, 12];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    #[test]
    fn counts_of_one_to_four_families_are_suppressed_and_none_or_five_are_shown() {
        let s = Suppression::default();
        assert_eq!(s.count(0), Shown::Count(0));
        for n in 1..5 {
            assert_eq!(s.count(n), Shown::Suppressed, "{n}");
        }
        assert_eq!(s.count(5), Shown::Count(5));
    }

    #[test]
    fn a_threshold_of_one_suppresses_nothing_and_out_of_range_thresholds_are_refused() {
        let s = Suppression::new(1).unwrap();
        assert_eq!(s.count(1), Shown::Count(1));
        assert_eq!(Suppression::new(0), Err(SuppressionOutOfRange));
        assert_eq!(Suppression::new(21), Err(SuppressionOutOfRange));
    }

    #[test]
    fn the_months_of_a_period_end_with_this_month_and_cross_the_year() {
        assert_eq!(
            months_back(date!(2026 - 02 - 17), 3),
            [date!(2025 - 12 - 01), date!(2026 - 01 - 01), date!(2026 - 02 - 01)]
        );
        assert_eq!(next_month(date!(2025 - 12 - 01)), date!(2026 - 01 - 01));
    }

    #[test]
    fn a_median_of_fewer_waits_than_the_threshold_is_hidden() {
        let s = Suppression::default();
        assert_eq!(s.median(vec![3, 4]), Wait::Hidden);
        assert_eq!(s.median(vec![]), Wait::NoneYet);
        assert_eq!(s.median(vec![1, 2, 3, 4, 5]), Wait::Days(3.0));
    }

    #[test]
    fn the_quarters_of_a_report_end_with_this_quarter() {
        assert_eq!(
            quarters_back(date!(2026 - 12 - 06), 4),
            [
                date!(2026 - 01 - 01),
                date!(2026 - 04 - 01),
                date!(2026 - 07 - 01),
                date!(2026 - 10 - 01)
            ]
        );
        assert_eq!(
            quarters_back(date!(2026 - 02 - 28), 2),
            [date!(2025 - 10 - 01), date!(2026 - 01 - 01)]
        );
        assert_eq!(next_quarter(date!(2026 - 10 - 01)), date!(2027 - 01 - 01));
    }

    #[test]
    fn the_median_wait_is_the_middle_one_or_the_mean_of_the_middle_two() {
        assert_eq!(median_days(vec![]), None);
        assert_eq!(median_days(vec![9, 1, 5]), Some(5.0));
        assert_eq!(median_days(vec![2, 1, 90, 4]), Some(3.0));
    }

    proptest! {
        #[test]
        fn a_shown_count_is_never_between_none_and_the_threshold(n in 0u64..1000, below in 1u32..=20) {
            let s = Suppression::new(below).unwrap();
            if let Shown::Count(c) = s.count(n) {
                prop_assert!(c == 0 || c >= u64::from(below));
                prop_assert_eq!(c, n);
            }
        }

        #[test]
        fn a_period_is_consecutive_months(y in 2000i32..2100, m in 1u8..=12, d in 1u8..=28, n in 1u8..=24) {
            let today = Date::from_calendar_date(y, Month::try_from(m).unwrap(), d).unwrap();
            let months = months_back(today, n);
            prop_assert_eq!(months.len(), usize::from(n));
            prop_assert_eq!(*months.last().unwrap(), today.replace_day(1).unwrap());
            for pair in months.windows(2) {
                prop_assert_eq!(next_month(pair[0]), pair[1]);
            }
        }
    }
}
