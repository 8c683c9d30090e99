//! A family's timeline: everything that happened to its record, newest first, each entry dated
//! and saying who — the one view a practitioner reads before a panel, and what the family can be
//! shown when they ask what is held about them.
//!
//! An [`Entry`] is one happening of one [`EntryKind`]. The kinds are a closed enum so that a
//! page must say how it shows each one, and a new capability (panel decisions, plans) adds a
//! kind here and the compiler finds every place that must show it. The store gathers entries
//! from the records each kind lives in; [`newest_first`] is the one ordering rule.

use crate::consent::OverrideGround;
use crate::referral::{EventKind, ReferralStatus, Route};
use crate::{ConsentId, ReferralId};
use serde::Serialize;
use time::{Date, OffsetDateTime};

/// What happened, with what the timeline shows of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EntryKind {
    /// A referral was made.
    ReferralMade {
        /// The referral, for its page.
        referral: ReferralId,
        /// How it came.
        route: Route,
        /// An urgent safeguarding concern, sent to MASH.
        urgent: bool,
        /// Made without consent: the override's justification, as written.
        without_consent: Option<String>,
    },
    /// A referral moved on (screened, signed off, returned, withdrawn…).
    ReferralChanged {
        /// The referral, for its page.
        referral: ReferralId,
        /// What happened.
        event: EventKind,
        /// Where it went.
        to: ReferralStatus,
    },
    /// The family gave consent.
    ConsentGiven {
        /// The record.
        consent: ConsentId,
        /// Who gave it, in words ("The family", "Ruth Okafor (parent)").
        given_by: String,
        /// What it covers, in words.
        covers: Vec<&'static str>,
        /// How many organisations it excludes.
        exclusions: usize,
    },
    /// The family withdrew consent; sharing stopped.
    ConsentWithdrawn {
        /// The record withdrawn.
        consent: ConsentId,
    },
    /// Information was shared without consent, on an override recorded on the sharing form (a
    /// referral made on one is shown as the referral).
    SharedWithoutConsent {
        /// The lawful ground.
        ground: Option<OverrideGround>,
        /// Who it went to.
        recipient: String,
        /// Why, as written.
        justification: String,
    },
    /// The family moved house.
    Moved {
        /// The new address (first line and postcode).
        to: String,
        /// The locality it left, when the move changed locality.
        from_locality: Option<String>,
        /// The locality the family is in after the move.
        to_locality: String,
    },
    /// A panel decided on the family's case.
    PanelDecision {
        /// The panel.
        panel: String,
        /// What it decided.
        outcome: crate::decision::Outcome,
        /// Why, as recorded.
        reasons: String,
    },
    /// A duplicate person record was merged into one of the family's people.
    PeopleMerged {
        /// The name on the record kept.
        kept: String,
        /// The name on the duplicate.
        duplicate: String,
    },
}

impl EntryKind {
    /// The heading the timeline shows for the entry.
    pub fn heading(&self) -> String {
        match self {
            Self::ReferralMade {
                route,
                urgent,
                without_consent,
                ..
            } => {
                let mut h = if *urgent {
                    "Urgent safeguarding concern sent to MASH".to_owned()
                } else {
                    format!("Referral made: {}", route.label())
                };
                if without_consent.is_some() {
                    h.push_str(", without the family’s consent");
                }
                h
            }
            Self::ReferralChanged { event, to, .. } => format!("{}: {}", happened(*event), to.label().to_lowercase()),
            Self::ConsentGiven { given_by, .. } => format!("Consent given by {given_by}"),
            Self::ConsentWithdrawn { .. } => "Consent withdrawn: sharing stopped".to_owned(),
            Self::SharedWithoutConsent { recipient, .. } => format!("Shared without consent with {recipient}"),
            Self::Moved { to, .. } => format!("Moved to {to}"),
            Self::PanelDecision { panel, outcome, .. } => format!("{panel} decided: {}", outcome.label()),
            Self::PeopleMerged { kept, duplicate } => format!("Duplicate record of {duplicate} merged into {kept}"),
        }
    }
}

/// A referral event in the past tense, as the timeline tells it.
fn happened(event: EventKind) -> &'static str {
    match event {
        EventKind::Submit => "Referral sent",
        EventKind::SignOff => "Referral checklist signed off",
        EventKind::Escalate => "Referral escalated to MASH",
        EventKind::Acknowledge => "Urgent concern acknowledged by MASH",
        EventKind::Accept => "Referral accepted for a panel",
        EventKind::Return => "Referral returned to the referrer",
        EventKind::Redirect => "Referral redirected",
        EventKind::Withdraw => "Referral withdrawn",
        EventKind::Close => "Referral closed",
    }
}

/// One dated happening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The day it happened, as people mean it (consent given on, moved on, the London date of
    /// a referral change).
    pub on: Date,
    /// The instant, where the record keeps one; orders entries within a day.
    pub at: Option<OffsetDateTime>,
    /// Who did or recorded it ("earlyhelp (automatic)" for the system's own changes).
    pub by: String,
    /// What happened.
    pub kind: EntryKind,
}

/// Orders a timeline newest first: by day, then by instant where both have one. Entries of the
/// same moment keep the order they were gathered in, so a referral made and its first change
/// read in the order they happened when reversed.
pub fn newest_first(mut entries: Vec<Entry>) -> Vec<Entry> {
    // A stable sort on the reversed key: later days first; within a day, later instants
    // first, and entries without an instant (a date only) after those with one.
    entries.sort_by(|a, b| b.on.cmp(&a.on).then_with(|| b.at.cmp(&a.at)));
    entries
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_panel_decision_reads_as_the_panel_deciding() {
        let kind = EntryKind::PanelDecision {
            panel: "North early help panel".to_owned(),
            outcome: crate::decision::Outcome::Close,
            reasons: "Needs met".to_owned(),
        };
        assert_eq!(kind.heading(), "North early help panel decided: Close to the panel");
    }

    use super::*;
    use time::macros::{date, datetime};

    fn moved(on: Date, at: Option<OffsetDateTime>, to: &str) -> Entry {
        Entry {
            on,
            at,
            by: "A. Worker".into(),
            kind: EntryKind::Moved {
                to: to.into(),
                from_locality: None,
                to_locality: "North".into(),
            },
        }
    }

    #[test]
    fn the_timeline_reads_newest_first_by_day_then_by_time() {
        let entries = vec![
            moved(date!(2026 - 01 - 01), None, "first"),
            moved(date!(2026 - 03 - 01), Some(datetime!(2026-03-01 09:00 UTC)), "third"),
            moved(date!(2026 - 03 - 01), Some(datetime!(2026-03-01 15:00 UTC)), "fourth"),
            moved(date!(2026 - 02 - 01), None, "second"),
        ];
        let order: Vec<String> = newest_first(entries).into_iter().map(|e| e.kind.heading()).collect();
        assert_eq!(order, ["Moved to fourth", "Moved to third", "Moved to second", "Moved to first"]);
    }

    #[test]
    fn a_referral_made_without_consent_says_so_in_its_heading() {
        let kind = EntryKind::ReferralMade {
            referral: ReferralId::new(),
            route: Route::Stuck,
            urgent: false,
            without_consent: Some("The children are at risk and the parents refuse contact".into()),
        };
        assert_eq!(kind.heading(), "Referral made: Stuck case, without the family’s consent");
    }
}
