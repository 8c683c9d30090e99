//! The demo county's referrals: families at every stage of the pathway (issue 5), drawn from
//! the seed like everything else. This module only says *what happened* (route, who, when, how
//! far it went); the store replays those events through the domain's state machine when it
//! loads them, so every stored referral is one the rules could have produced.

use crate::seeded::{Stream, shift};
use crate::{County, Involvement, Spec};
use domain::consent::OverrideGround;
use domain::referral::Route;
use domain::role::Role;
use domain::{PanelId, ReferralId, UserId};
use time::Date;

/// A referral in the synthetic county.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referral {
    /// Stable id.
    pub id: ReferralId,
    /// How it came.
    pub route: Route,
    /// An urgent safeguarding concern for MASH.
    pub urgent: bool,
    /// Who made it.
    pub referred_by: UserId,
    /// The case supervisor or locality manager named to sign off its checklist.
    pub sign_off_by: Option<UserId>,
    /// The day it was made.
    pub made_on: Date,
    /// The referrer's words.
    pub reason: &'static str,
    /// How far it has gone.
    pub stage: Stage,
    /// Made without the family's consent, on this override (authorised by the referrer).
    pub consent_override: Option<Override>,
}

/// A consent override a synthetic referral was made on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Override {
    /// The lawful ground.
    pub ground: OverrideGround,
    /// Why, as the MASH practitioner wrote it.
    pub justification: &'static str,
}

/// How far a synthetic referral has gone along the pathway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// A step-down or step-up waiting for its checklist to be signed off.
    AwaitingSignOff,
    /// In the chair's screening queue.
    AwaitingScreening,
    /// Sent back to the referrer.
    Returned {
        /// What to put right.
        reason: &'static str,
    },
    /// An urgent concern waiting for MASH.
    EscalatedToMash,
    /// Accepted for a meeting of the family's panel.
    AcceptedForPanel {
        /// The panel.
        panel: PanelId,
        /// The meeting date.
        meeting: Date,
    },
    /// Discussed and closed on this day.
    Closed {
        /// When.
        on: Date,
    },
}

const REASONS: [&str; 8] = [
    "School attendance has fallen below 85% this term and the parents have asked for help with morning routines.",
    "Parents are separating and the children's behaviour at home and school has changed; the family would like support.",
    "The family is in rent arrears and at risk of losing their tenancy; the eldest child is caring for a younger sibling.",
    "Health visitor concerned about the baby's weight and the mother's low mood; mother agrees to support.",
    "Young person going missing overnight twice this month; parents want help to keep them safe.",
    "Father's drinking has increased since losing work; the family asks for help before things get worse.",
    "Neighbour disputes and police call-outs for anti-social behaviour; the family want a fresh start.",
    "The child has been waiting for an assessment of additional needs and the parents are struggling to cope.",
];

const RETURN_REASONS: [&str; 3] = [
    "Please add the family's own view of what would help.",
    "The consent form does not say whether the family agrees to discussion at panel.",
    "Please say which services are already working with the family.",
];

const STUCK: &str =
    "The Team Around the Family has met twice and the plan is stuck: the family has not taken up the housing support offered.";

const URGENT: &str = "A child disclosed at school today that they were hurt at home.";

const OVERRIDE_REASON: &str = "MASH threshold decision: early help. The parents decline all contact, but the children's school reports neglect that early help could address.";

const OVERRIDE_JUSTIFICATION: &str = "The school reports the younger children arriving hungry and unwashed most days; the parents refuse to engage, and waiting for consent would leave the neglect unaddressed.";

/// The referrals of one family, oldest first.
pub(crate) fn referrals(county: &County, spec: &Spec, index: usize, involvement: &Involvement) -> Vec<Referral> {
    let n = u64::try_from(index).unwrap_or(u64::MAX);
    let mut s = Stream::new(spec.seed, n, b"earlyhelp-refrls", 0);
    let excluded: &[domain::OrganisationId] = involvement.consent.as_ref().map_or(&[], |c| &c.excluded);
    let holding = |role: Role| -> Vec<UserId> {
        county
            .staff
            .iter()
            .filter(|st| st.roles.contains(&role) && !excluded.contains(&st.organisation))
            .map(|st| st.id)
            .collect()
    };
    let pick = |s: &mut Stream, people: &[UserId]| people.get(s.index(people.len())).copied();
    let today = spec.today;
    let consented = involvement.consent.as_ref().is_some_and(|c| c.withdrawn_on.is_none());
    let mut out = Vec::new();

    // Families without consent: now and then an urgent concern, which needs none.
    if !consented {
        if s.percent(4)
            && let Some(by) = pick(&mut s, &holding(Role::LeadProfessional))
        {
            out.push(Referral {
                id: ReferralId(s.uuid()),
                route: Route::Stuck,
                urgent: true,
                referred_by: by,
                sign_off_by: None,
                made_on: today,
                reason: URGENT,
                stage: Stage::EscalatedToMash,
                consent_override: None,
            });
        }
        // Now and then MASH refers a family that has not consented, on a safeguarding
        // override, from a stream of its own (so adding it changed no other referral).
        let mut o = Stream::new(spec.seed, n, b"earlyhelp-overrd", 0);
        if out.is_empty()
            && o.percent(6)
            && let Some(by) = pick(&mut o, &holding(Role::MashPractitioner))
        {
            out.push(Referral {
                id: ReferralId(o.uuid()),
                route: Route::MashDecision,
                urgent: false,
                referred_by: by,
                sign_off_by: None,
                made_on: shift(today, -i64::try_from(o.between(0, 4)).unwrap_or(0)),
                reason: OVERRIDE_REASON,
                stage: Stage::AwaitingScreening,
                consent_override: Some(Override {
                    ground: OverrideGround::Safeguarding,
                    justification: OVERRIDE_JUSTIFICATION,
                }),
            });
        }
        return out;
    }
    let reason = REASONS[s.index(REASONS.len())];
    let lead = involvement
        .lead_professional
        .or_else(|| pick(&mut s, &holding(Role::LeadProfessional)));

    // A case a panel already holds came by an accepted referral, for its next meeting; some
    // were referred before and closed; some stuck cases come back to the panel.
    if let Some(panel) = involvement.panel {
        let Some(p) = county.panels.iter().find(|p| p.id == panel) else {
            return out;
        };
        let Some(by) = pick(&mut s, &holding(Role::MashPractitioner)) else {
            return out;
        };
        let roll = s.between(0, 100);
        let made_on = shift(today, -i64::try_from(s.between(3, 20)).unwrap_or(3));
        if (55..70).contains(&roll) {
            let before = shift(today, -i64::try_from(s.between(200, 300)).unwrap_or(240));
            out.push(Referral {
                id: ReferralId(s.uuid()),
                route: Route::MashDecision,
                urgent: false,
                referred_by: by,
                sign_off_by: None,
                made_on: before,
                reason,
                stage: Stage::Closed { on: shift(before, 30) },
                consent_override: None,
            });
        }
        if roll < 70
            // Spread over the next few meetings: the first may already have had its list sent.
            && let Some(meeting) = {
                let dates = p.cadence.dates_between(today, shift(today, 60));
                let i = s.index(dates.len().min(5));
                dates.get(i).copied()
            }
        {
            out.push(Referral {
                id: ReferralId(s.uuid()),
                route: Route::MashDecision,
                urgent: false,
                referred_by: by,
                sign_off_by: None,
                made_on,
                reason,
                stage: Stage::AcceptedForPanel { panel, meeting },
                consent_override: None,
            });
        } else if (70..84).contains(&roll)
            && let Some(lead) = lead
        {
            let stage = if roll < 78 {
                Stage::AwaitingScreening
            } else {
                Stage::Returned {
                    reason: RETURN_REASONS[s.index(RETURN_REASONS.len())],
                }
            };
            out.push(Referral {
                id: ReferralId(s.uuid()),
                route: Route::Stuck,
                urgent: false,
                referred_by: lead,
                sign_off_by: None,
                made_on: shift(today, -1),
                reason: STUCK,
                stage,
                consent_override: None,
            });
        }
        return out;
    }

    let roll = s.between(0, 100);
    let made_on = shift(today, -i64::try_from(s.between(0, 6)).unwrap_or(0));
    let mash = pick(&mut s, &holding(Role::MashPractitioner));
    let supervisor = pick(&mut s, &holding(Role::CaseSupervisor));
    let manager = pick(&mut s, &holding(Role::LocalityManager));
    let agency = pick(&mut s, &holding(Role::AgencyRepresentative));
    let referral = |route, urgent, referred_by: Option<UserId>, sign_off_by, made_on, reason, stage, s: &mut Stream| {
        referred_by.map(|by| Referral {
            id: ReferralId(s.uuid()),
            route,
            urgent,
            referred_by: by,
            sign_off_by,
            made_on,
            reason,
            stage,
            consent_override: None,
        })
    };
    let made = match roll {
        // New MASH threshold decisions waiting to be screened.
        0..25 => referral(
            Route::MashDecision,
            false,
            mash,
            None,
            made_on,
            reason,
            Stage::AwaitingScreening,
            &mut s,
        ),
        // Step-downs from children's social care waiting for the case supervisor.
        25..42 => referral(
            Route::StepDown,
            false,
            agency,
            supervisor,
            made_on,
            reason,
            Stage::AwaitingSignOff,
            &mut s,
        ),
        // Planned step-ups waiting for the locality manager.
        42..54 => referral(Route::StepUp, false, lead, manager, made_on, reason, Stage::AwaitingSignOff, &mut s),
        // Stuck cases returned to their lead professional.
        54..62 => {
            let why = RETURN_REASONS[s.index(RETURN_REASONS.len())];
            referral(
                Route::Stuck,
                false,
                lead,
                None,
                made_on,
                reason,
                Stage::Returned { reason: why },
                &mut s,
            )
        }
        // Urgent concerns with MASH, some already past their 24 hours.
        62..72 => {
            // Some raised yesterday, so their 24 hours have run out.
            let raised = shift(today, -i64::try_from(s.between(0, 1)).unwrap_or(0));
            referral(Route::Stuck, true, lead, None, raised, URGENT, Stage::EscalatedToMash, &mut s)
        }
        // Re-referrals: a referral closed eight months ago, and a new one now.
        72..82 => {
            let before = shift(today, -i64::try_from(s.between(200, 300)).unwrap_or(240));
            let old = referral(
                Route::MashDecision,
                false,
                mash,
                None,
                before,
                reason,
                Stage::Closed { on: shift(before, 30) },
                &mut s,
            );
            out.extend(old);
            referral(
                Route::MashDecision,
                false,
                mash,
                None,
                made_on,
                reason,
                Stage::AwaitingScreening,
                &mut s,
            )
        }
        _ => None,
    };
    out.extend(made);
    out
}
