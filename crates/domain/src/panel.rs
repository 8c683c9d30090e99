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
