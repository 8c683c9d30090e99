//! Panels are configuration, not code: a weekly Tuesday panel, a fortnightly Thursday panel
//! with alternating chairs and a monthly forum with core and extended members differ only in
//! the values held here.

use serde::{Deserialize, Serialize};
use std::str::FromStr;
use time::{Date, Weekday};

/// The kinds of meeting in the seeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PanelKind {
    /// An early help multi-agency panel (allocates new referrals, reviews stuck plans).
    MultiAgencyPanel,
    /// A locality and communities panel.
    LocalityAndCommunitiesPanel,
    /// An early help forum (open community part, closed case part).
    EarlyHelpForum,
    /// A complex multi-agency meeting for families with the most complex needs.
    ComplexMultiAgencyMeeting,
}

impl PanelKind {
    /// Every kind.
    pub const ALL: [PanelKind; 4] = [
        Self::MultiAgencyPanel,
        Self::LocalityAndCommunitiesPanel,
        Self::EarlyHelpForum,
        Self::ComplexMultiAgencyMeeting,
    ];

    /// Stable code for storage and the API.
    pub fn code(self) -> &'static str {
        match self {
            Self::MultiAgencyPanel => "multi_agency_panel",
            Self::LocalityAndCommunitiesPanel => "locality_and_communities_panel",
            Self::EarlyHelpForum => "early_help_forum",
            Self::ComplexMultiAgencyMeeting => "complex_multi_agency_meeting",
        }
    }

    /// The name people use.
    pub fn label(self) -> &'static str {
        match self {
            Self::MultiAgencyPanel => "Early help multi-agency panel",
            Self::LocalityAndCommunitiesPanel => "Locality and communities panel",
            Self::EarlyHelpForum => "Early help forum",
            Self::ComplexMultiAgencyMeeting => "Complex multi-agency meeting",
        }
    }
}

/// A code that names no panel kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}” is not a kind of panel")]
pub struct UnknownPanelKind(pub String);

impl FromStr for PanelKind {
    type Err = UnknownPanelKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.code() == s)
            .ok_or_else(|| UnknownPanelKind(s.to_owned()))
    }
}

/// How often a panel meets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "every", rename_all = "snake_case")]
pub enum Cadence {
    /// Every week on this day.
    Weekly {
        /// Day of the week.
        weekday: Weekday,
    },
    /// Every other week on this day, counting from `first`.
    Fortnightly {
        /// Day of the week.
        weekday: Weekday,
        /// A date of one meeting, which fixes which weeks are "on".
        first: Date,
    },
    /// Monthly on the nth such weekday ("second Tuesday").
    MonthlyNthWeekday {
        /// 1 to 4.
        nth: u8,
        /// Day of the week.
        weekday: Weekday,
    },
    /// A list of dates set a year ahead.
    Dates {
        /// The meeting dates.
        dates: Vec<Date>,
    },
}

impl Cadence {
    /// A sentence describing the cadence, for panel pages.
    pub fn describe(&self) -> String {
        match self {
            Self::Weekly { weekday } => format!("Every {weekday}"),
            Self::Fortnightly { weekday, .. } => format!("Every other {weekday}"),
            Self::MonthlyNthWeekday { nth, weekday } => {
                let ord = match nth {
                    1 => "first",
                    2 => "second",
                    3 => "third",
                    _ => "fourth",
                };
                format!("The {ord} {weekday} of each month")
            }
            Self::Dates { dates } => format!("On {} set dates", dates.len()),
        }
    }

    /// The meeting dates from `from` to `until`, both included, in order: what meetings are
    /// generated from and what a referral is proposed for. A fortnightly cadence counts whole
    /// fortnights from its `first` date, before or after it; a "fifth" week never exists
    /// (`nth` above 4 is treated as 4, as [`Cadence::describe`] does).
    pub fn dates_between(&self, from: Date, until: Date) -> Vec<Date> {
        if until < from {
            return Vec::new();
        }
        let days = (from..=until).into_iter_days();
        match self {
            Self::Weekly { weekday } => days.filter(|d| d.weekday() == *weekday).collect(),
            Self::Fortnightly { weekday, first } => days
                .filter(|d| d.weekday() == *weekday && (*d - *first).whole_days().rem_euclid(14) == 0)
                .collect(),
            Self::MonthlyNthWeekday { nth, weekday } => {
                let nth = (*nth).clamp(1, 4);
                days.filter(|d| d.weekday() == *weekday && (d.day() - 1) / 7 + 1 == nth).collect()
            }
            Self::Dates { dates } => {
                let mut within: Vec<Date> = dates.iter().copied().filter(|d| (from..=until).contains(d)).collect();
                within.sort_unstable();
                within.dedup();
                within
            }
        }
    }
}

/// Walks the days of a date range; `time` has no range iterator of its own.
trait DayRange {
    fn into_iter_days(self) -> impl Iterator<Item = Date>;
}

impl DayRange for std::ops::RangeInclusive<Date> {
    fn into_iter_days(self) -> impl Iterator<Item = Date> {
        let (start, end) = self.into_inner();
        std::iter::successors(Some(start), move |d| d.next_day().filter(|n| *n <= end))
    }
}

/// Whether an organisation sits on a panel as a core or an extended member. Closed-session
/// case discussion is for core members and only those extended members invited to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Membership {
    /// Attends every meeting, open and closed parts.
    Core,
    /// Attends the open part, and a closed case only when invited to it.
    Extended,
}

impl Membership {
    /// Stable code for storage.
    pub fn code(self) -> &'static str {
        match self {
            Self::Core => "core",
            Self::Extended => "extended",
        }
    }

    /// Parses a stored code.
    pub fn from_code(s: &str) -> Option<Self> {
        match s {
            "core" => Some(Self::Core),
            "extended" => Some(Self::Extended),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use time::macros::date;

    #[test]
    fn a_weekly_tuesday_panel_meets_every_tuesday_in_the_range() {
        let dates = Cadence::Weekly { weekday: Weekday::Tuesday }.dates_between(date!(2026 - 12 - 01), date!(2026 - 12 - 31));
        assert_eq!(
            dates,
            vec![
                date!(2026 - 12 - 01),
                date!(2026 - 12 - 08),
                date!(2026 - 12 - 15),
                date!(2026 - 12 - 22),
                date!(2026 - 12 - 29)
            ]
        );
    }

    #[test]
    fn a_fortnightly_panel_keeps_its_weeks_before_and_after_its_first_date() {
        let cadence = Cadence::Fortnightly {
            weekday: Weekday::Thursday,
            first: date!(2026 - 12 - 10),
        };
        assert_eq!(
            cadence.dates_between(date!(2026 - 11 - 20), date!(2026 - 12 - 31)),
            vec![date!(2026 - 11 - 26), date!(2026 - 12 - 10), date!(2026 - 12 - 24)]
        );
    }

    #[test]
    fn a_second_tuesday_forum_meets_once_a_month() {
        let cadence = Cadence::MonthlyNthWeekday {
            nth: 2,
            weekday: Weekday::Tuesday,
        };
        assert_eq!(
            cadence.dates_between(date!(2026 - 12 - 01), date!(2027 - 02 - 28)),
            vec![date!(2026 - 12 - 08), date!(2027 - 01 - 12), date!(2027 - 02 - 09)]
        );
    }

    #[test]
    fn a_date_list_gives_only_its_dates_within_the_range_in_order() {
        let cadence = Cadence::Dates {
            dates: vec![
                date!(2027 - 01 - 20),
                date!(2026 - 12 - 16),
                date!(2026 - 11 - 01),
                date!(2026 - 12 - 16),
            ],
        };
        assert_eq!(
            cadence.dates_between(date!(2026 - 12 - 01), date!(2027 - 12 - 31)),
            vec![date!(2026 - 12 - 16), date!(2027 - 01 - 20)]
        );
    }

    #[test]
    fn an_empty_or_backwards_range_has_no_meetings() {
        let weekly = Cadence::Weekly { weekday: Weekday::Tuesday };
        assert!(weekly.dates_between(date!(2026 - 12 - 09), date!(2026 - 12 - 01)).is_empty());
        assert!(weekly.dates_between(date!(2026 - 12 - 02), date!(2026 - 12 - 07)).is_empty());
    }

    proptest::proptest! {
        #[test]
        fn every_generated_date_is_in_range_on_the_cadences_weekday(
            start in 0i64..3000, span in 0i64..400, weekday in 0u8..7, nth in 1u8..5, fortnightly in proptest::bool::ANY,
        ) {
            let from = date!(2020 - 01 - 01) + time::Duration::days(start);
            let until = from + time::Duration::days(span);
            let weekday = Weekday::Monday.nth_next(weekday);
            let cadences = [
                Cadence::Weekly { weekday },
                Cadence::MonthlyNthWeekday { nth, weekday },
                Cadence::Fortnightly { weekday, first: from.next_occurrence(weekday) },
            ];
            for cadence in cadences.iter().filter(|c| fortnightly || !matches!(c, Cadence::Fortnightly { .. })) {
                let dates = cadence.dates_between(from, until);
                proptest::prop_assert!(dates.windows(2).all(|w| w[0] < w[1]));
                for d in &dates {
                    proptest::prop_assert!(*d >= from && *d <= until && d.weekday() == weekday);
                }
                if let Cadence::Weekly { .. } = cadence {
                    proptest::prop_assert!(dates.windows(2).all(|w| (w[1] - w[0]).whole_days() == 7));
                    proptest::prop_assert!(dates.len() as i64 >= (span + 1) / 7);
                }
            }
        }
    }

    #[test]
    fn cadences_describe_themselves_in_words() {
        assert_eq!(Cadence::Weekly { weekday: Weekday::Tuesday }.describe(), "Every Tuesday");
        assert_eq!(
            Cadence::MonthlyNthWeekday {
                nth: 2,
                weekday: Weekday::Tuesday
            }
            .describe(),
            "The second Tuesday of each month"
        );
    }
}
