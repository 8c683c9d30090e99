//! "Now" and "today", injected. Tests and the demo move time by handing in a different clock;
//! nothing in the product reads the system time directly except [`Clock`] implementations
//! outside this crate.

use time::{Date, Month, OffsetDateTime, Time, UtcOffset, Weekday};

/// A source of the current instant.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current instant, in UTC.
    fn now(&self) -> OffsetDateTime;

    /// Today's date as people in England mean it (Europe/London).
    fn today(&self) -> Date {
        london_date(self.now())
    }
}

/// A clock that always says the same instant: for tests.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub OffsetDateTime);

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        self.0
    }
}

/// The date in Europe/London at an instant. British Summer Time runs from 01:00 UTC on the
/// last Sunday of March to 01:00 UTC on the last Sunday of October; computing it here keeps
/// the binary free of a time-zone database for the one zone it needs.
pub fn london_date(instant: OffsetDateTime) -> Date {
    instant.to_offset(london_offset(instant)).date()
}

/// The Europe/London offset from UTC at an instant: one hour in British Summer Time, none
/// otherwise. For showing instants as people in England read them.
pub fn london_offset(instant: OffsetDateTime) -> UtcOffset {
    let utc = instant.to_offset(UtcOffset::UTC);
    let year = utc.year();
    let starts = last_sunday(year, Month::March)
        .with_time(Time::from_hms(1, 0, 0).unwrap_or(Time::MIDNIGHT))
        .assume_utc();
    let ends = last_sunday(year, Month::October)
        .with_time(Time::from_hms(1, 0, 0).unwrap_or(Time::MIDNIGHT))
        .assume_utc();
    if utc >= starts && utc < ends {
        UtcOffset::from_hms(1, 0, 0).unwrap_or(UtcOffset::UTC)
    } else {
        UtcOffset::UTC
    }
}

/// A date the GOV.UK way: "25 November 2026".
pub fn long_date(d: Date) -> String {
    format!("{} {} {}", d.day(), d.month(), d.year())
}

/// A time of day the GOV.UK way: "9am", "9:30am", "2pm".
pub fn short_time(t: Time) -> String {
    let (h, m) = (t.hour(), t.minute());
    let suffix = if h < 12 { "am" } else { "pm" };
    let h12 = match h % 12 {
        0 => 12,
        x => x,
    };
    if m == 0 {
        format!("{h12}{suffix}")
    } else {
        format!("{h12}:{m:02}{suffix}")
    }
}

/// An instant as people in England read it: "2 December 2026 at 9am" (Europe/London).
pub fn london_moment(instant: OffsetDateTime) -> String {
    let local = instant.to_offset(london_offset(instant));
    format!("{} at {}", long_date(local.date()), short_time(local.time()))
}

fn last_sunday(year: i32, month: Month) -> Date {
    let last_day = time::util::days_in_month(month, year);
    let mut d = Date::from_calendar_date(year, month, last_day).unwrap_or(Date::MIN);
    while d.weekday() != Weekday::Sunday {
        d = d.previous_day().unwrap_or(Date::MIN);
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn an_instant_in_summer_reads_as_london_time() {
        assert_eq!(london_moment(datetime!(2026-07-01 08:30 UTC)), "1 July 2026 at 9:30am");
        assert_eq!(london_moment(datetime!(2026-12-02 09:00 UTC)), "2 December 2026 at 9am");
    }

    #[test]
    fn half_past_midnight_utc_in_summer_is_already_tomorrow_in_london() {
        assert_eq!(london_date(datetime!(2026-07-01 23:30 UTC)), time::macros::date!(2026 - 07 - 02));
    }

    #[test]
    fn half_past_eleven_utc_in_winter_is_still_today_in_london() {
        assert_eq!(london_date(datetime!(2026-12-01 23:30 UTC)), time::macros::date!(2026 - 12 - 01));
    }

    #[test]
    fn summer_time_starts_at_one_in_the_morning_utc_on_the_last_sunday_of_march() {
        // 2026-03-29 is the last Sunday of March.
        assert_eq!(london_date(datetime!(2026-03-28 23:30 UTC)), time::macros::date!(2026 - 03 - 28));
        assert_eq!(london_date(datetime!(2026-03-29 23:30 UTC)), time::macros::date!(2026 - 03 - 30));
    }
}
