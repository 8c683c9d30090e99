//! Referrals: made, moved through the domain's state machine, and listed in the queues of the
//! people who act on them (the chair's screening queue, the case supervisor's or locality
//! manager's sign-off queue, MASH's inbox of urgent concerns, the referrer's own list).
//!
//! The rules live elsewhere: [`domain::referral`] says which event a state allows and refuses
//! the rest with a named reason ("no consent, no panel", "urgent concerns go to MASH"); the
//! policy crate says who may fire which event. This module loads a referral, hands the event to
//! the domain, and writes the new state, its history entry, its audit entry and whatever the
//! change means elsewhere (an accepted case now held by its panel) in one transaction.
//!
//! A queue lists the referrals on which the policy lets the asker fire the queue's event: the
//! SQL narrows the rows (status, locality, named signer) and the policy confirms each one, so a
//! queue can never show a referral its reader may not act on.

use crate::audit::AuditEntry;
use crate::families::{NewSharingEntry, SharingDecision};
use crate::{Store, StoreError};
use domain::consent::ConsentStanding;
use domain::referral::{
    ChecklistItem, EventKind, NewReferral, PanelSlot, PreviousReferral, RedirectTarget, Referral, ReferralEvent, ReferralReason,
    ReferralState, ReferralStatus, Route, TransitionRefused,
};
use domain::role::Role;
use domain::{FamilyId, LocalityId, PanelId, ReferralId, UserId};
use policy::{AuthoriseConsentOverride, Authority, ChangeReferral, MakeReferral, Permit, Principal, ReferralFacts, ViewFamily};
use std::collections::BTreeSet;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// Why a referral could not be made or changed. The first two are the person's to put right;
/// the message says how.
#[derive(Debug, thiserror::Error)]
pub enum ReferralWriteError {
    /// The state machine refused the event.
    #[error(transparent)]
    Refused(#[from] TransitionRefused),
    /// Something on the form does not fit (a signer who cannot sign, a meeting already
    /// circulated); `field` is where the message belongs.
    #[error("{message}")]
    Input {
        /// The form field.
        field: &'static str,
        /// What to put right.
        message: String,
    },
    /// Someone else changed the referral since it was read.
    #[error("someone else changed this referral")]
    Stale,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for ReferralWriteError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(StoreError::Database(e))
    }
}

impl From<serde_json::Error> for ReferralWriteError {
    fn from(e: serde_json::Error) -> Self {
        Self::Store(StoreError::Corrupt(e.to_string()))
    }
}

/// Writes one history row inside the caller's transaction.
macro_rules! insert_history {
    ($tx:ident, $entry:expr, $seq:expr) => {{
        let entry: &domain::referral::HistoryEntry = &$entry;
        sqlx::query(
            "INSERT INTO referral_history (referral_id, seq, event, from_status, to_status, detail, at, by_user_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(entry.referral.0)
        .bind($seq)
        .bind(entry.event.code())
        .bind(entry.from.code())
        .bind(entry.to.code())
        .bind(state_json(&entry.to)?)
        .bind(crate::engine::db_instant(entry.at))
        .bind(entry.by.0)
        .execute(&mut *$tx)
        .await?;
    }};
}

/// Puts accepted referral `$id` on the agenda of `$meeting`, in its route's section, inside the
/// caller's transaction: off any later meeting it was on (a case is on one agenda at a time),
/// and remembered on the referral. The caller has checked the meeting's list is still open.
macro_rules! place_on_agenda {
    ($tx:ident, $id:expr, $meeting:expr, $family:expr, $route:expr, $by:expr, $now:expr, $today:expr) => {{
        let section = domain::meeting::AgendaSection::for_route($route);
        sqlx::query(
            "UPDATE agenda_items SET removed_at = $1, removed_by = $2 WHERE referral_id = $3 AND removed_at IS NULL \
             AND meeting_id IN (SELECT id FROM meetings WHERE meeting_date >= $4)",
        )
        .bind($now)
        .bind($by.0)
        .bind($id.0)
        .bind($today)
        .execute(&mut *$tx)
        .await?;
        sqlx::query("UPDATE referrals SET meeting_id = $1 WHERE id = $2")
            .bind($meeting.0)
            .bind($id.0)
            .execute(&mut *$tx)
            .await?;
        sqlx::query(
            "INSERT INTO agenda_items (id, meeting_id, section, position, family_id, referral_id, minutes, late, added_by, added_at) \
             VALUES ($1, $2, $3, (SELECT COALESCE(MAX(position), 0) + 1 FROM agenda_items WHERE meeting_id = $2 AND section = $3), \
             $4, $5, $6, FALSE, $7, $8)",
        )
        .bind(Uuid::now_v7())
        .bind($meeting.0)
        .bind(section.code())
        .bind($family.0)
        .bind($id.0)
        .bind(i64::from(section.default_minutes()))
        .bind($by.0)
        .bind($now)
        .execute(&mut *$tx)
        .await?;
    }};
}

/// A family's earlier referrals as the re-referral rule weighs them, from their stored
/// (created, closed) pairs.
pub(crate) fn previous_referrals(rows: Vec<(OffsetDateTime, Option<Date>)>) -> Vec<PreviousReferral> {
    rows.into_iter()
        .map(|(created_at, closed_on)| PreviousReferral {
            created_on: domain::clock::london_date(created_at),
            closed_on,
        })
        .collect()
}

fn input(field: &'static str, message: impl Into<String>) -> ReferralWriteError {
    ReferralWriteError::Input {
        field,
        message: message.into(),
    }
}

/// What the referrer writes on the form, beyond the route the permit allows.
#[derive(Debug, Clone)]
pub struct ReferralDetails {
    /// Why, and what help the family needs.
    pub reason: ReferralReason,
    /// An urgent safeguarding concern: it goes to MASH, never to a panel.
    pub urgent: bool,
    /// For a step-down or step-up: the case supervisor or locality manager who signs it off.
    pub sign_off_by: Option<UserId>,
    /// Made without the family's consent, on this override (its permit is passed beside it).
    pub consent_override: Option<domain::consent::ConsentOverride>,
}

/// An event as the person asks for it, with what the form gives. The store adds what the
/// domain needs besides (the family's consent today, for an acceptance).
#[derive(Debug, Clone)]
pub enum ReferralChangeInput {
    /// Send a returned referral again, with the reason rewritten to put right what the chair
    /// asked (`None` keeps it).
    Submit {
        /// The new reason.
        reason: Option<ReferralReason>,
    },
    /// Sign the checklist off with these items ticked.
    SignOff {
        /// The items ticked.
        completed: BTreeSet<ChecklistItem>,
    },
    /// Send it to MASH now.
    Escalate,
    /// MASH takes the concern on.
    Acknowledge,
    /// Accept it for this panel's meeting on this date.
    Accept {
        /// A panel of the referral's locality that the chair chairs.
        panel: PanelId,
        /// One of its meeting dates whose list has not yet gone to members.
        date: Date,
    },
    /// Send it back to the referrer.
    Return {
        /// What to put right.
        reason: String,
    },
    /// Send it elsewhere.
    Redirect {
        /// Where.
        to: RedirectTarget,
        /// Details.
        note: String,
    },
    /// The referrer withdraws it.
    Withdraw {
        /// Why.
        reason: String,
    },
    /// It is finished with.
    Close,
}

impl ReferralChangeInput {
    /// The event kind, for asking the policy before the change is tried.
    pub fn kind(&self) -> EventKind {
        match self {
            Self::Submit { .. } => EventKind::Submit,
            Self::SignOff { .. } => EventKind::SignOff,
            Self::Escalate => EventKind::Escalate,
            Self::Acknowledge => EventKind::Acknowledge,
            Self::Accept { .. } => EventKind::Accept,
            Self::Return { .. } => EventKind::Return,
            Self::Redirect { .. } => EventKind::Redirect,
            Self::Withdraw { .. } => EventKind::Withdraw,
            Self::Close => EventKind::Close,
        }
    }
}

/// Why a member of staff is e-mailed about a referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Notice {
    /// An urgent safeguarding concern is waiting for MASH (acknowledge within 24 hours).
    UrgentConcern,
    /// A referral is waiting for them to screen.
    ToScreen,
    /// A checklist names them to sign it off.
    ToSignOff,
    /// Their referral was returned to them.
    Returned,
    /// Their referral was accepted for a panel meeting.
    Accepted,
    /// Their referral was redirected elsewhere.
    Redirected,
    /// MASH took their urgent concern on.
    Acknowledged,
    /// The meeting their case is on moved, was cancelled, or the case was deferred: it is now
    /// on another date.
    Rescheduled,
    /// The panel decided on their referral: the outcome and the lead professional, or, when
    /// the family's consent excludes their organisation, only that it was considered.
    Decided,
    /// A lead professional brought a stuck plan straight onto the agenda of a panel they chair.
    StuckOnAgenda,
}

impl Notice {
    /// Who is told, as SQL over the referral `r` (and `$1` its id): active accounts at current
    /// signatories whose organisation the family does not exclude. The panel's decision is the
    /// exception: the referrer always hears that their referral was considered (issue 10,
    /// feedback to referrers), and only the referrer whose organisation the family does not
    /// exclude is pointed to the decision (see [`Store::notice_for_delivery`]).
    pub(crate) fn recipients_sql(self) -> String {
        let who = match self {
            Notice::UrgentConcern => "EXISTS (SELECT 1 FROM user_roles ur WHERE ur.user_id = u.id AND ur.role = 'mash_practitioner')",
            Notice::ToScreen => {
                "EXISTS (SELECT 1 FROM panel_chairs pc JOIN panels p ON p.id = pc.panel_id WHERE pc.user_id = u.id AND p.locality_id = r.locality_id)"
            }
            Notice::ToSignOff => "u.id = r.sign_off_by",
            Notice::StuckOnAgenda => "EXISTS (SELECT 1 FROM panel_chairs pc WHERE pc.user_id = u.id AND pc.panel_id = r.panel_id)",
            Notice::Returned | Notice::Accepted | Notice::Redirected | Notice::Acknowledged | Notice::Decided => "u.id = r.referred_by",
            Notice::Rescheduled => {
                "(u.id = r.referred_by OR EXISTS (SELECT 1 FROM family_workers w WHERE w.family_id = r.family_id \
                 AND w.user_id = u.id AND w.role = 'lead_professional' AND w.until IS NULL))"
            }
        };
        let consented = if self == Notice::Decided {
            ""
        } else {
            "AND NOT EXISTS (SELECT 1 FROM family_exclusions x WHERE x.family_id = r.family_id AND x.organisation_id = u.organisation_id) "
        };
        format!(
            "SELECT u.id FROM referrals r, users u JOIN organisations o ON o.id = u.organisation_id \
             WHERE r.id = $1 AND u.active AND o.isa_state = 'signed' AND (o.isa_review_due IS NULL OR o.isa_review_due >= $2) \
             {consented}AND {who}"
        )
    }

    /// The notice a referral's new status calls for, and for changes the referrer's news.
    fn after(status: ReferralStatus, event: EventKind) -> Option<Notice> {
        match (event, status) {
            (_, ReferralStatus::EscalatedToMash) => Some(Notice::UrgentConcern),
            (_, ReferralStatus::AwaitingSignOff) => Some(Notice::ToSignOff),
            (EventKind::Submit | EventKind::SignOff, ReferralStatus::AwaitingScreening) => Some(Notice::ToScreen),
            (EventKind::Return, _) => Some(Notice::Returned),
            (EventKind::Accept, _) => Some(Notice::Accepted),
            (EventKind::Redirect, _) => Some(Notice::Redirected),
            (EventKind::Acknowledge, _) => Some(Notice::Acknowledged),
            _ => None,
        }
    }
}

/// What the worker needs to e-mail one notice: no family details, only the link's referral.
#[derive(Debug, Clone)]
pub struct NoticeDelivery {
    /// Where to send it.
    pub email: domain::email::EmailAddress,
    /// "Dear …".
    pub given_name: String,
    /// The referral, for the link.
    pub referral: ReferralId,
    /// Why.
    pub notice: Notice,
    /// For an acceptance, the meeting date.
    pub meeting_date: Option<Date>,
    /// For the panel's decision, what the referrer may be told of it.
    pub outcome: Option<PanelFeedback>,
}

/// What a referrer is told of the panel's decision on their referral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelFeedback {
    /// The referral, for the link.
    pub referral: ReferralId,
    /// The day they made it.
    pub referred_on: Date,
    /// The day the panel considered it.
    pub considered_on: Date,
    /// The decision, unless the family's consent excludes the referrer's organisation, in
    /// which case they learn nothing more than that it was considered.
    pub decision: Option<FeedbackDecision>,
}

/// The panel's decision as the referrer hears it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackDecision {
    /// The family's address line, as the referrer gave it.
    pub family: (FamilyId, String),
    /// The outcome.
    pub outcome: domain::decision::Outcome,
    /// The lead professional, with their organisation and e-mail, if the panel named one.
    pub lead_professional: Option<(String, String, String)>,
    /// The lead agency, if the panel named one.
    pub lead_organisation: Option<String>,
}

/// Enqueues one e-mail per recipient of `$notice` about referral `$id`, inside the caller's
/// write transaction, skipping the person whose action it was.
macro_rules! enqueue_notices {
    ($tx:ident, $store:expr, $id:expr, $notice:expr, $actor:expr) => {{
        if let Some(notice) = $notice {
            let notice: Notice = notice;
            let recipients: Vec<(Uuid,)> = sqlx::query_as(&notice.recipients_sql())
                .bind($id.0)
                .bind($store.clock.today())
                .fetch_all(&mut *$tx)
                .await?;
            for (user,) in recipients.into_iter().filter(|(u,)| *u != $actor.0) {
                enqueue_job!(
                    $tx,
                    $store,
                    crate::outbox::Job::NotifyReferral {
                        referral: $id,
                        user: UserId(user),
                        notice,
                    },
                    $store.now()
                );
            }
        }
    }};
}

/// A referral a withdrawal of consent ends, ready to write: its new state and history row.
#[derive(Debug)]
pub(crate) struct EndedReferral {
    pub(crate) id: Uuid,
    pub(crate) version: i64,
    pub(crate) status: &'static str,
    pub(crate) state: String,
    pub(crate) closed_on: Date,
    pub(crate) seq: i64,
    pub(crate) event: &'static str,
    pub(crate) from: &'static str,
    pub(crate) detail: String,
    pub(crate) at: OffsetDateTime,
    pub(crate) by: Uuid,
}

/// One referral as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReferralSummary {
    /// The referral.
    pub id: ReferralId,
    /// Its family.
    pub family_id: FamilyId,
    /// The family's first address line, to recognise it.
    pub address_line: String,
    /// How it came.
    pub route: Route,
    /// Where it is.
    pub status: ReferralStatus,
    /// An urgent safeguarding concern.
    pub urgent: bool,
    /// The family was seen within the last twelve months.
    pub re_referral: bool,
    /// The locality it is allocated to.
    pub locality: String,
    /// Who made it.
    pub referred_by: String,
    /// When it was made.
    pub created_at: OffsetDateTime,
    /// When it was escalated to MASH.
    pub escalated_at: Option<OffsetDateTime>,
    /// When MASH must have responded: 24 hours after escalation, or the hours of the step-up
    /// rule of the panel that escalated it.
    pub mash_due: Option<OffsetDateTime>,
    /// The meeting it is accepted for.
    pub meeting_date: Option<Date>,
    /// That meeting, so the referral can link to its agenda.
    pub meeting_id: Option<domain::MeetingId>,
}

/// One state change, as the referral page shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReferralHistoryEntry {
    /// What happened.
    pub event: EventKind,
    /// The status it left.
    pub from: ReferralStatus,
    /// The status it entered.
    pub to: ReferralStatus,
    /// The new state with its data (a reason, a meeting, a redirect).
    pub state: ReferralState,
    /// When.
    pub at: OffsetDateTime,
    /// Who.
    pub by: String,
    /// What else the change kept: the reason a resubmission rewrote.
    pub note: Option<String>,
}

/// One referral in full, for its page.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReferralRecord {
    /// What lists show.
    pub summary: ReferralSummary,
    /// Where it is, with that state's data.
    pub state: ReferralState,
    /// The referrer's words.
    pub reason: String,
    /// The referrer's organisation.
    pub referrer_organisation: String,
    /// The person named to sign off its checklist.
    pub sign_off_by: Option<String>,
    /// The checklist items ticked at sign-off.
    pub checklist: Vec<ChecklistItem>,
    /// The panel it was accepted for.
    pub panel: Option<String>,
    /// Every change, oldest first.
    pub history: Vec<ReferralHistoryEntry>,
    /// The events its state allows (the policy decides who may fire them).
    pub allowed_events: Vec<EventKind>,
    /// For editing: the version read.
    pub version: i64,
    /// When it was made without the family's consent, the override it was made on.
    pub consent_override: Option<ReferralOverride>,
}

/// The override a referral was made on, as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReferralOverride {
    /// The lawful ground.
    pub ground: Option<domain::consent::OverrideGround>,
    /// Why, as written (with the ground's words before it).
    pub justification: String,
    /// Who authorised it.
    pub authorised_by: String,
    /// The day it was decided.
    pub on: Date,
}

/// The referrals waiting for the asker, queue by queue.
#[derive(Debug, Default, serde::Serialize)]
pub struct ReferralQueues {
    /// Awaiting screening in the localities of panels they chair.
    pub screening: Vec<ReferralSummary>,
    /// Step-downs and step-ups naming them to sign the checklist off.
    pub sign_off: Vec<ReferralSummary>,
    /// Urgent concerns with MASH that they may acknowledge or close.
    pub mash: Vec<ReferralSummary>,
    /// Their own referrals that are still open.
    pub mine: Vec<ReferralSummary>,
}

impl ReferralQueues {
    /// How many referrals wait for the asker to act (their own open ones are not counted).
    pub fn waiting(&self) -> usize {
        self.screening.len() + self.sign_off.len() + self.mash.len()
    }
}

/// A panel a chair may accept a referral for, with the meeting proposed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ScreeningPanel {
    /// The panel.
    pub id: PanelId,
    /// Its name.
    pub name: String,
    /// Its next meetings whose lists have not gone to members: (date, case deadline).
    pub meetings: Vec<(Date, Date)>,
}

/// Someone who may be named to sign off a checklist.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Signer {
    /// Their account.
    pub id: UserId,
    /// "Name, organisation".
    pub name: String,
}

const SUMMARY_SELECT: &str = "SELECT r.id, r.family_id, f.address_line, r.route, r.status, r.urgent, r.re_referral, l.name, \
     u.given_name || ' ' || u.family_name, r.created_at, r.escalated_at, r.meeting_date, r.meeting_id, r.mash_due_at \
     FROM referrals r JOIN families f ON f.id = r.family_id JOIN localities l ON l.id = r.locality_id \
     JOIN users u ON u.id = r.referred_by";

type SummaryRow = (
    Uuid,
    Uuid,
    String,
    String,
    String,
    bool,
    bool,
    String,
    String,
    OffsetDateTime,
    Option<OffsetDateTime>,
    Option<Date>,
    Option<Uuid>,
    Option<OffsetDateTime>,
);

fn summary(row: SummaryRow) -> Result<ReferralSummary, StoreError> {
    let (
        id,
        family,
        address_line,
        route,
        status,
        urgent,
        re_referral,
        locality,
        referred_by,
        created_at,
        escalated_at,
        meeting_date,
        meeting_id,
        mash_due_at,
    ) = row;
    Ok(ReferralSummary {
        id: ReferralId(id),
        family_id: FamilyId(family),
        address_line,
        route: crate::error::parse_code(&route, "referral route")?,
        status: crate::error::parse_code(&status, "referral status")?,
        urgent,
        re_referral,
        locality,
        referred_by,
        created_at,
        escalated_at,
        // A panel's step-up sets its own hours; otherwise MASH's 24.
        mash_due: mash_due_at.or(escalated_at.map(domain::referral::mash_acknowledgement_due)),
        meeting_date,
        meeting_id: meeting_id.map(domain::MeetingId),
    })
}

/// Leaves out referrals of families whose consent excludes the asker's organisation (`$2`).
const NOT_EXCLUDED: &str = "NOT EXISTS (SELECT 1 FROM family_exclusions x WHERE x.family_id = r.family_id AND x.organisation_id = $2)";

/// The audit action for an event.
fn audit_action(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Submit => "referral.submit",
        EventKind::SignOff => "referral.sign_off",
        EventKind::Escalate => "referral.escalate",
        EventKind::Acknowledge => "referral.acknowledge",
        EventKind::Accept => "referral.accept",
        EventKind::Return => "referral.return",
        EventKind::Redirect => "referral.redirect",
        EventKind::Withdraw => "referral.withdraw",
        EventKind::Close => "referral.close",
    }
}

/// The state a referral's history row records, as JSON.
pub(crate) fn state_json(state: &ReferralState) -> Result<String, StoreError> {
    serde_json::to_string(state).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// The columns a state sets beside its JSON: the panel date it was accepted for, where it was
/// redirected, and the day it stopped being open.
fn state_columns(state: &ReferralState, today: Date) -> (Option<Date>, Option<&'static str>, Option<Date>) {
    match state {
        ReferralState::AcceptedForPanel {
            slot: PanelSlot::ProposedDate(d),
        } => (Some(*d), None, None),
        ReferralState::Redirected { to, .. } => (None, Some(to.code()), Some(today)),
        ReferralState::Withdrawn { .. } | ReferralState::Closed => (None, None, Some(today)),
        _ => (None, None, None),
    }
}

impl Store {
    /// Makes a referral for the permit's family by the permit's route and submits it at once:
    /// an urgent concern goes straight to MASH, a step-down or step-up waits for its named
    /// signer, anything else joins the screening queue of the family's locality. The locality
    /// follows the family's postcode; a family seen in the last twelve months is flagged as a
    /// re-referral. The referral is a sharing decision (the family's details go to early help
    /// screening or MASH), so it is written to the sharing log too.
    ///
    /// A family without consent to an early help referral may still be referred on a consent
    /// override (safeguarding or the public interest), authorised by the referrer, who must hold
    /// the override's permit for this family: the sharing-log entry then records the override,
    /// its ground and justification, and the referral points at it.
    pub async fn make_referral(
        &self,
        permit: &Permit<MakeReferral>,
        details: &ReferralDetails,
        override_permit: Option<&Permit<AuthoriseConsentOverride>>,
        address: &str,
    ) -> Result<ReferralId, ReferralWriteError> {
        let who = permit.principal();
        let family = permit.family();
        if let Some(o) = &details.consent_override {
            match override_permit {
                Some(p) if p.family() == family && p.principal().user == o.authorised_by() && o.authorised_by() == who.user => {}
                _ => {
                    return Err(StoreError::Corrupt(
                        "a referral without consent needs an override authorised for this family by the referrer".into(),
                    )
                    .into());
                }
            }
        }
        let route = permit.route();
        let now = self.now();
        let today = self.clock.today();
        // An urgent concern never waits for a checklist: it goes to MASH at once.
        let signer_role = route.signed_off_by().filter(|_| !details.urgent);
        match (signer_role, details.sign_off_by) {
            (Some(role), None) => {
                return Err(input(
                    "sign_off_by",
                    format!("Select the {} who will sign off the checklist", role.label().to_lowercase()),
                ));
            }
            (Some(role), Some(signer)) => {
                if signer == who.user {
                    return Err(input("sign_off_by", "Someone other than the referrer must sign off the checklist"));
                }
                if !self.signers(role, Some(family)).await?.iter().any(|s| s.id == signer) {
                    return Err(input(
                        "sign_off_by",
                        format!(
                            "Select a {} from the list (the family’s consent may exclude that person’s organisation)",
                            role.label().to_lowercase()
                        ),
                    ));
                }
            }
            (None, _) => {}
        }
        let sign_off_by = signer_role.and(details.sign_off_by);
        type Previous = (OffsetDateTime, Option<Date>);
        let (locality, previous): (Option<(Uuid,)>, Vec<Previous>) = read!(self, db => {
            let locality = sqlx::query_as("SELECT locality_id FROM families WHERE id = $1").bind(family.0).fetch_optional(db).await?;
            let previous = sqlx::query_as("SELECT created_at, closed_on FROM referrals WHERE family_id = $1")
                .bind(family.0)
                .fetch_all(db)
                .await?;
            (locality, previous)
        });
        let Some((locality,)) = locality else {
            return Err(StoreError::NotFound("family").into());
        };
        let previous = previous_referrals(previous);
        let draft = Referral::draft(NewReferral {
            family,
            route,
            locality: LocalityId(locality),
            urgent: details.urgent,
            re_referral: domain::referral::is_re_referral(&previous, today),
        });
        let (referral, entry) = draft.apply(ReferralEvent::Submit, now, who.user)?;
        let consent = self.consent_standing(family).await?;
        let basis = match domain::referral::check_consent_for_referral(&consent, details.urgent, details.consent_override.as_ref()) {
            Ok(basis) => basis,
            Err(refused) => {
                use domain::referral::ReferralConsentRefused as R;
                let field = match refused {
                    R::OverrideNotNeeded | R::UrgentNeedsNoOverride => "without_consent",
                    R::GroundNotForReferral => "ground",
                    R::Withdrawn | R::ReviewOverdue | R::NotGiven => "urgent",
                };
                return Err(input(field, refused.to_string()));
            }
        };
        let sharing = NewSharingEntry {
            decision: SharingDecision::Shared,
            data_categories: "Referral: the family's details and the reason for referral".to_owned(),
            recipient_organisation: None,
            recipient_user: None,
            recipient_description: if referral.is_urgent() {
                "MASH (urgent safeguarding concern)".to_owned()
            } else {
                "Early help screening for the family's locality".to_owned()
            },
            purpose: if referral.is_urgent() {
                "Safeguarding: an urgent concern sent to MASH".to_owned()
            } else {
                format!("Early help referral ({})", route.label())
            },
            lawful_basis: match basis {
                domain::referral::ReferralBasis::UrgentConcern => "Vital interests (UK GDPR 6(1)(d))".to_owned(),
                domain::referral::ReferralBasis::Consent => "Consent".to_owned(),
                domain::referral::ReferralBasis::ConsentOverride(ground) => format!("Without consent: {}", ground.label()),
            },
            method: "earlyhelp referral".to_owned(),
            decided_on: today,
        };
        let id = referral.id();
        let state = state_json(referral.state())?;
        let sharing_id = Uuid::now_v7();
        write!(self, tx, kind => {
            // The sharing entry first: the referral points at it when made on an override.
            insert_sharing!(tx, now, sharing_id, Some(family), Some(who.user), &sharing, details.consent_override.as_ref());
            sqlx::query(
                "INSERT INTO referrals (id, family_id, route, locality_id, urgent, re_referral, status, state, reason, referred_by, \
                 referrer_organisation_id, sign_off_by, escalated_at, created_at, updated_at, consent_override_entry) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15)",
            )
            .bind(id.0)
            .bind(family.0)
            .bind(route.code())
            .bind(locality)
            .bind(referral.is_urgent())
            .bind(referral.is_re_referral())
            .bind(referral.state().code())
            .bind(&state)
            .bind(details.reason.as_str())
            .bind(who.user.0)
            .bind(who.organisation.0)
            .bind(sign_off_by.map(|u| u.0))
            .bind(referral.is_urgent().then_some(now))
            .bind(now)
            .bind(details.consent_override.is_some().then_some(sharing_id))
            .execute(&mut *tx)
            .await?;
            insert_history!(tx, entry, 1i64);
            enqueue_notices!(tx, self, id, Notice::after(referral.state().status(), EventKind::Submit), who.user);
            let action = if details.consent_override.is_some() { "referral.make_without_consent" } else { "referral.make" };
            audit_append!(tx, self, AuditEntry::new(Some(who.user), action, "referral", Some(id.to_string()))
                .from_address(Some(address.to_owned())));
        });
        if referral.is_urgent() {
            tracing::warn!(referral = %id, "urgent safeguarding concern sent to MASH");
        }
        if details.consent_override.is_some() {
            tracing::warn!(referral = %id, entry = %sharing_id, "referral made without consent on an override");
        }
        Ok(id)
    }

    /// What the policy needs to decide about `who` and one referral. `None` when there is no
    /// such referral, which callers must show exactly as a refusal.
    pub async fn referral_facts(&self, who: &Principal, referral: ReferralId) -> Result<Option<ReferralFacts>, StoreError> {
        type Row = (Uuid, String, bool, bool, bool, bool);
        let row: Option<Row> = read!(self, db => {
            sqlx::query_as(
                "SELECT r.family_id, r.route, r.urgent, r.referred_by = $1, COALESCE(r.sign_off_by = $1, FALSE), \
                 EXISTS (SELECT 1 FROM panels p JOIN panel_chairs pc ON pc.panel_id = p.id \
                         WHERE p.locality_id = r.locality_id AND pc.user_id = $1) \
                 FROM referrals r WHERE r.id = $2",
            )
            .bind(who.user.0)
            .bind(referral.0)
            .fetch_optional(db)
            .await?
        });
        let Some((family, route, urgent, made_it, signs_it_off, screens_it)) = row else {
            return Ok(None);
        };
        let family = FamilyId(family);
        let Some(facts) = self.family_facts(who, family).await? else {
            return Ok(None);
        };
        Ok(Some(ReferralFacts {
            id: referral,
            family,
            excluded_organisations: facts.excluded_organisations,
            route: crate::error::parse_code(&route, "referral route")?,
            urgent,
            made_it,
            signs_it_off,
            screens_it,
            family_relationship: facts.relationship,
        }))
    }

    /// What one referral notice needs, when it runs: `None` when the account is no longer
    /// active (nothing to send).
    pub async fn notice_for_delivery(
        &self,
        referral: ReferralId,
        user: UserId,
        notice: Notice,
    ) -> Result<Option<NoticeDelivery>, StoreError> {
        type Row = (String, String, Option<Date>);
        let row: Option<Row> = read!(self, db => sqlx::query_as(
            "SELECT u.email, u.given_name, r.meeting_date FROM users u, referrals r WHERE u.id = $1 AND r.id = $2 AND u.active",
        )
        .bind(user.0)
        .bind(referral.0)
        .fetch_optional(db)
        .await?);
        let outcome = match (notice, &row) {
            (Notice::Decided, Some(_)) => self.panel_feedback(user, Some(referral)).await?.into_iter().next(),
            _ => None,
        };
        row.map(|(email, given_name, meeting_date)| {
            Ok(NoticeDelivery {
                email: domain::email::EmailAddress::parse(&email).map_err(|_| StoreError::Corrupt("email".into()))?,
                given_name,
                referral,
                notice,
                meeting_date,
                outcome,
            })
        })
        .transpose()
    }

    /// What `referrer` is told of the panels' decisions on the referrals they made, newest
    /// first: one referral's, or those of the last twelve weeks. Whether they hear the
    /// decision or only that it was considered is the family's consent: staff of an
    /// organisation it excludes learn nothing more than what they sent.
    pub async fn panel_feedback(&self, referrer: UserId, referral: Option<ReferralId>) -> Result<Vec<PanelFeedback>, StoreError> {
        type Row = (
            Uuid,
            OffsetDateTime,
            Date,
            bool,
            Uuid,
            String,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let since = self.clock.today() - time::Duration::weeks(12);
        let rows: Vec<Row> = read!(self, db => sqlx::query_as(
            "SELECT r.id, r.created_at, m.meeting_date, \
             EXISTS (SELECT 1 FROM family_exclusions x WHERE x.family_id = r.family_id AND x.organisation_id = u.organisation_id), \
             f.id, f.address_line, d.outcome, lp.given_name || ' ' || lp.family_name, lpo.name, lp.email, lo.name \
             FROM decisions d JOIN referrals r ON r.id = d.referral_id JOIN meetings m ON m.id = d.meeting_id \
             JOIN users u ON u.id = r.referred_by JOIN families f ON f.id = r.family_id \
             LEFT JOIN users lp ON lp.id = d.lead_professional_id LEFT JOIN organisations lpo ON lpo.id = lp.organisation_id \
             LEFT JOIN organisations lo ON lo.id = d.lead_organisation_id \
             WHERE r.referred_by = $1 AND ($2 IS NULL OR r.id = $2) AND ($2 IS NOT NULL OR m.meeting_date >= $3) \
             ORDER BY m.meeting_date DESC, d.decided_at DESC",
        )
        .bind(referrer.0)
        .bind(referral.map(|r| r.0))
        .bind(since)
        .fetch_all(db)
        .await?);
        rows.into_iter()
            .map(
                |(id, created_at, considered_on, excluded, family, address, outcome, lead, lead_org, lead_email, lead_organisation)| {
                    Ok(PanelFeedback {
                        referral: ReferralId(id),
                        referred_on: domain::clock::london_date(created_at),
                        considered_on,
                        decision: if excluded {
                            None
                        } else {
                            Some(FeedbackDecision {
                                family: (FamilyId(family), address),
                                outcome: domain::decision::Outcome::from_code(&outcome)
                                    .ok_or_else(|| StoreError::Corrupt(format!("decision outcome {outcome}")))?,
                                lead_professional: match (lead, lead_org, lead_email) {
                                    (Some(n), Some(o), Some(e)) => Some((n, o, e)),
                                    _ => None,
                                },
                                lead_organisation,
                            })
                        },
                    })
                },
            )
            .collect()
    }

    /// Where a referral stands and its version: what a change's caller is told once it is made,
    /// whether or not they can still see the family.
    pub async fn referral_status(&self, referral: ReferralId) -> Result<Option<(ReferralStatus, i64)>, StoreError> {
        let row: Option<(String, i64)> = read!(self, db => sqlx::query_as("SELECT status, version FROM referrals WHERE id = $1")
            .bind(referral.0).fetch_optional(db).await?);
        row.map(|(s, v)| Ok((crate::error::parse_code(&s, "referral status")?, v)))
            .transpose()
    }

    /// The family a referral is about, to decide whether the asker may see it.
    pub async fn referral_family(&self, referral: ReferralId) -> Result<Option<FamilyId>, StoreError> {
        let row: Option<(Uuid,)> = read!(self, db => sqlx::query_as("SELECT family_id FROM referrals WHERE id = $1")
            .bind(referral.0).fetch_optional(db).await?);
        Ok(row.map(|(f,)| FamilyId(f)))
    }

    /// Moves the permit's referral on by the permit's event, through the domain's state
    /// machine, with the version the person read (a change made meanwhile is refused rather
    /// than overwritten). Accepting puts the case on the chosen panel, so its core members see
    /// it; redirecting to another locality makes a fresh referral in that locality's queue.
    pub async fn change_referral(
        &self,
        permit: &Permit<ChangeReferral>,
        change: &ReferralChangeInput,
        version: i64,
        address: &str,
    ) -> Result<(), ReferralWriteError> {
        if change.kind() != permit.event() {
            return Err(StoreError::Corrupt("a referral permit names another event".into()).into());
        }
        let who = permit.principal();
        let id = permit.referral();
        let now = self.now();
        let today = self.clock.today();
        let (referral, stored_version, old_reason, next_seq) = self.load_referral(id).await?.ok_or(StoreError::NotFound("referral"))?;
        // A resubmission may rewrite the reason; the words it replaces stay in the history.
        let new_reason = match change {
            ReferralChangeInput::Submit { reason: Some(r) } if r.as_str() != old_reason => Some(r.as_str().to_owned()),
            _ => None,
        };
        if referral.family() != permit.family() {
            return Err(StoreError::Corrupt("a referral permit names another family".into()).into());
        }
        if stored_version != version {
            return Err(ReferralWriteError::Stale);
        }
        let consent: ConsentStanding;
        let mut accepted_panel = None;
        let mut accepted_meeting: Option<domain::MeetingId> = None;
        let event = match change {
            ReferralChangeInput::Submit { .. } => ReferralEvent::Submit,
            ReferralChangeInput::SignOff { completed } => ReferralEvent::SignOff { completed },
            ReferralChangeInput::Escalate => ReferralEvent::Escalate,
            ReferralChangeInput::Acknowledge => ReferralEvent::Acknowledge,
            ReferralChangeInput::Accept { panel, date } => {
                let panels = self.screening_panels(who, referral.locality()).await?;
                if !panels.iter().any(|p| p.id == *panel) {
                    return Err(input("panel", "Select one of your panels in the family’s locality"));
                }
                let Some((meeting, _, _)) = self
                    .meetings_taking_cases(*panel, 12)
                    .await?
                    .into_iter()
                    .find(|(_, d, _)| d == date)
                else {
                    return Err(input(
                        "date",
                        "Select one of the panel’s meetings whose list of families has not yet gone to members",
                    ));
                };
                accepted_panel = Some(*panel);
                accepted_meeting = Some(meeting);
                consent = self.consent_standing(referral.family()).await?;
                ReferralEvent::Accept {
                    slot: PanelSlot::ProposedDate(*date),
                    consent: &consent,
                }
            }
            ReferralChangeInput::Return { reason } => ReferralEvent::Return { reason },
            ReferralChangeInput::Redirect { to, note } => {
                // Whether a place may take it is the state machine's; whether the place exists, ours.
                if let RedirectTarget::AnotherLocality(l) = to
                    && !self.localities().await?.iter().any(|(id, _)| id == l)
                {
                    return Err(input("locality", "Select one of the council’s localities"));
                }
                ReferralEvent::Redirect { to: *to, note }
            }
            ReferralChangeInput::Withdraw { reason } => ReferralEvent::Withdraw { reason },
            ReferralChangeInput::Close => ReferralEvent::Close,
        };
        let (next, entry) = referral.apply(event, now, who.user)?;
        // A redirected referral is finished with here: it is closed in the same change (a
        // referral for another locality's panel carries on as a fresh one there), so nobody
        // keeps access to the family through it.
        let (next, closing) = if next.state().status() == ReferralStatus::Redirected {
            let (closed, closing) = next.apply(ReferralEvent::Close, now, who.user)?;
            (closed, Some(closing))
        } else {
            (next, None)
        };
        let sharing = self.sharing_for_change(&referral, change, accepted_panel).await?;
        let state = state_json(next.state())?;
        let (meeting_date, _, closed_on) = state_columns(next.state(), today);
        // Where it was redirected, from the redirect itself (the referral is closed after it).
        let (_, redirected_to, _) = state_columns(&entry.to, today);
        let checklist = match change {
            ReferralChangeInput::SignOff { completed } => Some(completed.iter().map(|c| c.code()).collect::<Vec<_>>().join(" ")),
            _ => None,
        };
        let moved_to = match &entry.to {
            ReferralState::Redirected {
                to: RedirectTarget::AnotherLocality(l),
                ..
            } => Some(*l),
            _ => None,
        };
        let family = referral.family();
        write!(self, tx, kind => {
            let n = sqlx::query(
                "UPDATE referrals SET status = $1, state = $2, urgent = $3, meeting_date = COALESCE($4, meeting_date), \
                 panel_id = COALESCE($5, panel_id), redirected_to = $6, closed_on = $7, checklist = COALESCE($8, checklist), \
                 escalated_at = CASE WHEN $9 THEN $10 ELSE escalated_at END, version = version + 1, updated_at = $10 \
                 WHERE id = $11 AND version = $12",
            )
            .bind(next.state().code())
            .bind(&state)
            .bind(next.is_urgent())
            .bind(meeting_date)
            .bind(accepted_panel.map(|p| p.0))
            .bind(redirected_to)
            .bind(closed_on)
            .bind(checklist.as_deref())
            .bind(permit.event() == EventKind::Escalate)
            .bind(now)
            .bind(id.0)
            .bind(version)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(ReferralWriteError::Stale);
            }
            insert_history!(tx, entry, next_seq);
            if let Some(reason) = &new_reason {
                sqlx::query("UPDATE referrals SET reason = $1 WHERE id = $2").bind(reason).bind(id.0).execute(&mut *tx).await?;
                sqlx::query("UPDATE referral_history SET note = $1 WHERE referral_id = $2 AND seq = $3")
                    .bind(format!("Reason before it was rewritten: {old_reason}"))
                    .bind(id.0)
                    .bind(next_seq)
                    .execute(&mut *tx)
                    .await?;
            }
            if let Some(closing) = &closing {
                insert_history!(tx, closing, next_seq + 1);
            }
            if let Some(entry) = &sharing {
                insert_sharing!(tx, now, Uuid::now_v7(), Some(family), Some(who.user), entry, None);
            }
            enqueue_notices!(tx, self, id, Notice::after(next.state().status(), permit.event()), who.user);
            if let Some(meeting) = accepted_meeting {
                // The list may have gone out since the form was shown: then the case waits.
                let status: Option<(String,)> = sqlx::query_as("SELECT status FROM meetings WHERE id = $1")
                    .bind(meeting.0)
                    .fetch_optional(&mut *tx)
                    .await?;
                if status.as_ref().map(|(s,)| s.as_str()) != Some(domain::meeting::MeetingStatus::Planned.code()) {
                    return Err(input(
                        "date",
                        "The list for that meeting has just gone to members; select the next meeting",
                    ));
                }
                place_on_agenda!(tx, id, meeting, family, referral.route(), who.user, now, today);
            }
            if matches!(next.state().status(), ReferralStatus::Withdrawn | ReferralStatus::Closed) {
                // A referral that ends leaves the agendas of meetings still to come.
                sqlx::query(
                    "UPDATE agenda_items SET removed_at = $1, removed_by = $2 WHERE referral_id = $3 AND removed_at IS NULL \
                     AND meeting_id IN (SELECT id FROM meetings WHERE meeting_date >= $4)",
                )
                .bind(now)
                .bind(who.user.0)
                .bind(id.0)
                .bind(today)
                .execute(&mut *tx)
                .await?;
            }
            if let Some(panel) = accepted_panel {
                // The case is held by one panel at a time: the one that accepted it.
                sqlx::query("UPDATE family_panels SET until = $1 WHERE family_id = $2 AND until IS NULL AND panel_id <> $3")
                    .bind(today)
                    .bind(family.0)
                    .bind(panel.0)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO family_panels (family_id, panel_id, since) SELECT $1, $2, $3 WHERE NOT EXISTS \
                     (SELECT 1 FROM family_panels WHERE family_id = $1 AND panel_id = $2 AND until IS NULL)",
                )
                .bind(family.0)
                .bind(panel.0)
                .bind(today)
                .execute(&mut *tx)
                .await?;
            }
            if let Some(locality) = moved_to {
                let fresh = Referral::draft(NewReferral { locality, ..next.facts() });
                let (fresh, fresh_entry) = fresh.apply(ReferralEvent::Submit, now, who.user)?;
                // A checklist signed off in the first locality stays signed off.
                let ticked: BTreeSet<ChecklistItem> = fresh.route().checklist().iter().copied().collect();
                let signed_off = if fresh.state().status() == ReferralStatus::AwaitingSignOff {
                    Some(fresh.apply(ReferralEvent::SignOff { completed: &ticked }, now, who.user)?)
                } else {
                    None
                };
                let (fresh, signed_entry) = match signed_off {
                    Some((f, e)) => (f, Some(e)),
                    None => (fresh, None),
                };
                sqlx::query(
                    "INSERT INTO referrals (id, family_id, route, locality_id, urgent, re_referral, status, state, reason, referred_by, \
                     referrer_organisation_id, sign_off_by, checklist, created_at, updated_at) \
                     SELECT $1, family_id, route, $2, urgent, re_referral, $3, $4, reason, referred_by, referrer_organisation_id, \
                     sign_off_by, checklist, $5, $5 FROM referrals WHERE id = $6",
                )
                .bind(fresh.id().0)
                .bind(locality.0)
                .bind(fresh.state().code())
                .bind(state_json(fresh.state())?)
                .bind(now)
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
                insert_history!(tx, fresh_entry, 1i64);
                if let Some(e) = &signed_entry {
                    insert_history!(tx, e, 2i64);
                }
                enqueue_notices!(tx, self, fresh.id(), Notice::after(fresh.state().status(), EventKind::Submit), who.user);
            }
            audit_append!(tx, self, AuditEntry::new(Some(who.user), audit_action(permit.event()), "referral", Some(id.to_string()))
                .from_address(Some(address.to_owned())));
        });
        if permit.event() == EventKind::Escalate {
            tracing::warn!(referral = %id, "referral escalated to MASH");
        }
        Ok(())
    }

    /// The sharing a change is (golden rule 7): accepting opens the family to the panel's core
    /// members, escalating sends it to MASH, redirecting sends it elsewhere. Other changes share
    /// nothing new.
    async fn sharing_for_change(
        &self,
        referral: &Referral,
        change: &ReferralChangeInput,
        panel: Option<PanelId>,
    ) -> Result<Option<NewSharingEntry>, StoreError> {
        let today = self.clock.today();
        let entry = |to: String, purpose: &str, basis: &str| NewSharingEntry {
            decision: SharingDecision::Shared,
            data_categories: "Referral: the family's details and the reason for referral".to_owned(),
            recipient_organisation: None,
            recipient_user: None,
            recipient_description: to,
            purpose: purpose.to_owned(),
            lawful_basis: basis.to_owned(),
            method: "earlyhelp referral".to_owned(),
            decided_on: today,
        };
        Ok(match change {
            ReferralChangeInput::Accept { .. } => {
                let name = match panel {
                    Some(p) => read!(self, db => sqlx::query_as::<_, (String,)>("SELECT name FROM panels WHERE id = $1")
                        .bind(p.0).fetch_optional(db).await?)
                    .map(|(n,)| n),
                    None => None,
                };
                Some(entry(
                    format!("Core members of {}", name.unwrap_or_else(|| "the panel".to_owned())),
                    "Discussion of the family at an early help panel",
                    "Consent",
                ))
            }
            ReferralChangeInput::Escalate => Some(entry(
                "MASH (urgent safeguarding concern)".to_owned(),
                "Safeguarding: an urgent concern sent to MASH",
                "Vital interests (UK GDPR 6(1)(d))",
            )),
            ReferralChangeInput::Redirect { to, note } => {
                let place = match to {
                    RedirectTarget::AnotherLocality(_) => "Early help screening for another locality".to_owned(),
                    RedirectTarget::Other if !note.trim().is_empty() => note.trim().to_owned(),
                    other => other.label().to_owned(),
                };
                Some(entry(
                    place,
                    "The referral was redirected to the service that can help",
                    if referral.is_urgent() {
                        "Vital interests (UK GDPR 6(1)(d))"
                    } else {
                        "Consent"
                    },
                ))
            }
            _ => None,
        })
    }

    /// What a withdrawal of consent does to the family's open referrals, worked out through the
    /// state machine: each routine referral is withdrawn (or, once redirected, closed), so that
    /// nobody keeps access to the family through it. Urgent concerns stay with MASH: safeguarding
    /// does not depend on consent. The consent store writes the plan in the withdrawal's own
    /// transaction.
    pub(crate) async fn referrals_ended_by_withdrawal(&self, family: FamilyId, by: UserId) -> Result<Vec<EndedReferral>, StoreError> {
        let ids: Vec<(Uuid,)> = read!(self, db => sqlx::query_as(
            "SELECT id FROM referrals WHERE family_id = $1 AND NOT urgent AND status NOT IN ('withdrawn', 'closed')",
        )
        .bind(family.0)
        .fetch_all(db)
        .await?);
        let now = self.now();
        let today = self.clock.today();
        let mut plan = Vec::new();
        for (id,) in ids {
            let Some((referral, version, _, next_seq)) = self.load_referral(ReferralId(id)).await? else {
                continue;
            };
            let event = if referral.state().status() == ReferralStatus::Redirected {
                ReferralEvent::Close
            } else {
                ReferralEvent::Withdraw {
                    reason: "The family withdrew their consent",
                }
            };
            let Ok((next, entry)) = referral.apply(event, now, by) else {
                continue;
            };
            plan.push(EndedReferral {
                id,
                version,
                status: next.state().code(),
                state: state_json(next.state())?,
                closed_on: today,
                seq: next_seq,
                event: entry.event.code(),
                from: entry.from.code(),
                detail: state_json(&entry.to)?,
                at: crate::engine::db_instant(entry.at),
                by: by.0,
            });
        }
        Ok(plan)
    }

    /// Rebuilds a stored referral: the domain's value, its version, the referrer's reason and
    /// the next history sequence number.
    pub(crate) async fn load_referral(&self, id: ReferralId) -> Result<Option<(Referral, i64, String, i64)>, StoreError> {
        type Row = (Uuid, String, Uuid, bool, bool, String, i64, String, i64);
        let row: Option<Row> = read!(self, db => {
            sqlx::query_as(
                "SELECT r.family_id, r.route, r.locality_id, r.urgent, r.re_referral, r.state, r.version, r.reason, \
                 (SELECT COALESCE(MAX(h.seq), 0) + 1 FROM referral_history h WHERE h.referral_id = r.id) \
                 FROM referrals r WHERE r.id = $1",
            )
            .bind(id.0)
            .fetch_optional(db)
            .await?
        });
        let Some((family, route, locality, urgent, re_referral, state, version, reason, next_seq)) = row else {
            return Ok(None);
        };
        let state: ReferralState = serde_json::from_str(&state).map_err(|e| StoreError::Corrupt(format!("referral {id}: {e}")))?;
        let facts = NewReferral {
            family: FamilyId(family),
            route: crate::error::parse_code(&route, "referral route")?,
            locality: LocalityId(locality),
            urgent,
            re_referral,
        };
        let referral = Referral::restore(id, facts, state).map_err(|e| StoreError::Corrupt(format!("referral {id}: {e}")))?;
        Ok(Some((referral, version, reason, next_seq)))
    }

    /// One referral in full, with its history, for someone who may see its family. The read
    /// is audited.
    pub async fn view_referral(
        &self,
        permit: &Permit<ViewFamily>,
        id: ReferralId,
        address: &str,
    ) -> Result<Option<ReferralRecord>, StoreError> {
        type Extra = (String, String, Option<String>, String, Option<String>, i64);
        type HistoryRow = (String, String, String, String, OffsetDateTime, Option<String>, Option<String>);
        let loaded: Option<(SummaryRow, Extra, Vec<HistoryRow>)> = read!(self, db => {
            let head: Option<SummaryRow> = sqlx::query_as(&format!("{SUMMARY_SELECT} WHERE r.id = $1 AND r.family_id = $2"))
                .bind(id.0)
                .bind(permit.family().0)
                .fetch_optional(db)
                .await?;
            match head {
                None => None,
                Some(head) => {
                    let extra: Extra = sqlx::query_as(
                        "SELECT r.reason, o.name, s.given_name || ' ' || s.family_name || ', ' || so.name, r.checklist, p.name, r.version \
                         FROM referrals r JOIN organisations o ON o.id = r.referrer_organisation_id \
                         LEFT JOIN users s ON s.id = r.sign_off_by LEFT JOIN organisations so ON so.id = s.organisation_id \
                         LEFT JOIN panels p ON p.id = r.panel_id WHERE r.id = $1",
                    )
                    .bind(id.0)
                    .fetch_one(db)
                    .await?;
                    let history = sqlx::query_as(
                        "SELECT h.event, h.from_status, h.to_status, h.detail, h.at, u.given_name || ' ' || u.family_name, h.note \
                         FROM referral_history h LEFT JOIN users u ON u.id = h.by_user_id WHERE h.referral_id = $1 ORDER BY h.seq",
                    )
                    .bind(id.0)
                    .fetch_all(db)
                    .await?;
                    Some((head, extra, history))
                }
            }
        });
        let Some((head, (reason, referrer_organisation, sign_off_by, checklist, panel, version), history)) = loaded else {
            return Ok(None);
        };
        let (referral, ..) = self.load_referral(id).await?.ok_or(StoreError::NotFound("referral"))?;
        type OverrideRow = (Option<String>, Option<String>, Option<String>, Date);
        let consent_override: Option<OverrideRow> = read!(self, db => sqlx::query_as(
            "SELECT s.override_ground, s.override_justification, a.given_name || ' ' || a.family_name, s.decided_on \
             FROM referrals r JOIN sharing_log s ON s.id = r.consent_override_entry \
             LEFT JOIN users a ON a.id = s.override_authorised_by WHERE r.id = $1",
        )
        .bind(id.0)
        .fetch_optional(db)
        .await?);
        let history = history
            .into_iter()
            .map(|(event, from, to, detail, at, by, note)| {
                Ok(ReferralHistoryEntry {
                    note,
                    event: crate::error::parse_code(&event, "referral event")?,
                    from: crate::error::parse_code(&from, "referral status")?,
                    to: crate::error::parse_code(&to, "referral status")?,
                    state: serde_json::from_str(&detail).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    at,
                    by: by.unwrap_or_else(|| "earlyhelp (automatic)".to_owned()),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        self.audit_read(
            AuditEntry::new(Some(permit.principal().user), "referral.view", "referral", Some(id.to_string()))
                .from_address(Some(address.to_owned())),
        )
        .await?;
        Ok(Some(ReferralRecord {
            summary: summary(head)?,
            state: referral.state().clone(),
            reason,
            referrer_organisation,
            sign_off_by,
            checklist: checklist
                .split_whitespace()
                .map(|c| crate::error::parse_code(c, "checklist item"))
                .collect::<Result<_, _>>()?,
            panel,
            history,
            allowed_events: referral.allowed_events(),
            version,
            consent_override: consent_override.map(|(ground, justification, authorised_by, on)| ReferralOverride {
                ground: ground.as_deref().and_then(|g| g.parse().ok()),
                justification: justification.unwrap_or_default(),
                authorised_by: authorised_by.unwrap_or_default(),
                on,
            }),
        }))
    }

    /// A family's referrals, newest first, for its page (part of the family read the permit
    /// was given for, which is audited there).
    pub async fn family_referrals(&self, permit: &Permit<ViewFamily>) -> Result<Vec<ReferralSummary>, StoreError> {
        let rows: Vec<SummaryRow> = read!(self, db => {
            sqlx::query_as(&format!("{SUMMARY_SELECT} WHERE r.family_id = $1 ORDER BY r.created_at DESC, r.id DESC"))
                .bind(permit.family().0)
                .fetch_all(db)
                .await?
        });
        rows.into_iter().map(summary).collect()
    }

    /// The referrals waiting for the asker, each queue confirmed row by row with the policy:
    /// a referral appears only where the asker may fire that queue's event on it.
    pub async fn referral_queues(&self, authority: &Authority, who: &Principal) -> Result<ReferralQueues, StoreError> {
        // Families excluding the asker's organisation are left out before the limit, so they
        // cannot crowd out rows the asker may see; the policy then confirms every row.
        let rows = |sql: String| async move {
            let rows: Vec<SummaryRow> = read!(self, db => {
                sqlx::query_as(&sql).bind(who.user.0).bind(who.organisation.0).fetch_all(db).await?
            });
            rows.into_iter().map(summary).collect::<Result<Vec<_>, StoreError>>()
        };
        let screening = rows(format!(
            "{SUMMARY_SELECT} WHERE r.status = 'awaiting_screening' AND EXISTS (SELECT 1 FROM panels p JOIN panel_chairs pc \
             ON pc.panel_id = p.id WHERE p.locality_id = r.locality_id AND pc.user_id = $1) AND {NOT_EXCLUDED} ORDER BY r.created_at, r.id LIMIT 200"
        ))
        .await?;
        let sign_off = rows(format!(
            "{SUMMARY_SELECT} WHERE r.status = 'awaiting_sign_off' AND r.sign_off_by = $1 AND {NOT_EXCLUDED} ORDER BY r.created_at, r.id LIMIT 200"
        ))
        .await?;
        let mash = rows(format!(
            "{SUMMARY_SELECT} WHERE r.status IN ('escalated_to_mash', 'mash_acknowledged') AND $1 = $1 AND {NOT_EXCLUDED} \
             ORDER BY CASE r.status WHEN 'escalated_to_mash' THEN 0 ELSE 1 END, r.escalated_at, r.id LIMIT 200"
        ))
        .await?;
        let mine = rows(format!(
            "{SUMMARY_SELECT} WHERE r.referred_by = $1 AND r.status NOT IN ('withdrawn', 'closed') AND {NOT_EXCLUDED} ORDER BY r.created_at DESC, r.id LIMIT 200"
        ))
        .await?;
        let mut queues = ReferralQueues::default();
        for (list, event, out) in [
            (screening, EventKind::Accept, &mut queues.screening),
            (sign_off, EventKind::SignOff, &mut queues.sign_off),
        ] {
            for r in list {
                if self.may_change(authority, who, r.id, event).await? {
                    out.push(r);
                }
            }
        }
        for r in mash {
            let event = if r.status == ReferralStatus::EscalatedToMash {
                EventKind::Acknowledge
            } else {
                EventKind::Close
            };
            if self.may_change(authority, who, r.id, event).await? {
                queues.mash.push(r);
            }
        }
        // The referrer's own list: what they made and may still see (an urgent concern they
        // raised stays on it, though only MASH can act on it now).
        for r in mine {
            if self.may_see_family(authority, who, r.family_id).await? {
                queues.mine.push(r);
            }
        }
        Ok(queues)
    }

    /// Whether the policy lets `who` fire `event` on this referral (for queues and buttons).
    pub async fn may_change(
        &self,
        authority: &Authority,
        who: &Principal,
        referral: ReferralId,
        event: EventKind,
    ) -> Result<bool, StoreError> {
        Ok(match self.referral_facts(who, referral).await? {
            Some(facts) => authority.decide_referral_change(who, &facts, event).is_ok(),
            None => false,
        })
    }

    /// Whether the policy lets `who` see this family's record.
    async fn may_see_family(&self, authority: &Authority, who: &Principal, family: FamilyId) -> Result<bool, StoreError> {
        Ok(match self.family_facts(who, family).await? {
            Some(facts) => authority.decide_family(who, ViewFamily, &facts).is_ok(),
            None => false,
        })
    }

    /// The panels of `locality` that `who` chairs, each with its next meetings whose list of
    /// families has not yet gone to members (and the case deadline of each): what a chair may
    /// accept a referral for.
    pub async fn screening_panels(&self, who: &Principal, locality: LocalityId) -> Result<Vec<ScreeningPanel>, StoreError> {
        let rows: Vec<(Uuid, String, String)> = read!(self, db => {
            sqlx::query_as(
                "SELECT p.id, p.name, p.cadence FROM panels p JOIN panel_chairs pc ON pc.panel_id = p.id \
                 WHERE p.locality_id = $1 AND pc.user_id = $2 ORDER BY p.name",
            )
            .bind(locality.0)
            .bind(who.user.0)
            .fetch_all(db)
            .await?
        });
        let mut panels = Vec::with_capacity(rows.len());
        for (id, name, _cadence) in rows {
            let meetings = self
                .meetings_taking_cases(PanelId(id), 6)
                .await?
                .into_iter()
                .map(|(_, date, circulate_by)| (date, circulate_by))
                .collect();
            panels.push(ScreeningPanel {
                id: PanelId(id),
                name,
                meetings,
            });
        }
        Ok(panels)
    }

    /// The locality of a referral, for the chair's accept form.
    pub async fn referral_locality(&self, referral: ReferralId) -> Result<Option<LocalityId>, StoreError> {
        let row: Option<(Uuid,)> = read!(self, db => sqlx::query_as("SELECT locality_id FROM referrals WHERE id = $1")
            .bind(referral.0).fetch_optional(db).await?);
        Ok(row.map(|(l,)| LocalityId(l)))
    }

    /// Every locality by name, for redirecting a referral to another locality's panel.
    pub async fn localities(&self) -> Result<Vec<(LocalityId, String)>, StoreError> {
        let rows: Vec<(Uuid, String)> = read!(self, db => sqlx::query_as("SELECT id, name FROM localities ORDER BY name")
            .fetch_all(db).await?);
        Ok(rows.into_iter().map(|(id, name)| (LocalityId(id), name)).collect())
    }

    /// Active staff of current ISA signatories who hold `role`, and (for a family) whose
    /// organisation the family's consent does not exclude: who may be named to sign off a
    /// checklist.
    pub async fn signers(&self, role: Role, family: Option<FamilyId>) -> Result<Vec<Signer>, StoreError> {
        let rows: Vec<(Uuid, String, String, String)> = read!(self, db => {
            sqlx::query_as(
                "SELECT u.id, u.given_name, u.family_name, o.name FROM users u JOIN user_roles r ON r.user_id = u.id \
                 JOIN organisations o ON o.id = u.organisation_id \
                 WHERE r.role = $1 AND u.active AND o.isa_state = 'signed' AND (o.isa_review_due IS NULL OR o.isa_review_due >= $2) \
                 AND NOT EXISTS (SELECT 1 FROM family_exclusions x WHERE x.family_id = $3 AND x.organisation_id = u.organisation_id) \
                 ORDER BY u.family_name, u.given_name, u.id",
            )
            .bind(role.code())
            .bind(self.clock.today())
            .bind(family.map(|f| f.0))
            .fetch_all(db)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, given, family, organisation)| Signer {
                id: UserId(id),
                name: format!("{given} {family}, {organisation}"),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redirect_records_where_and_when_it_stopped_being_open() {
        let today = time::macros::date!(2026 - 12 - 02);
        let state = ReferralState::Redirected {
            to: RedirectTarget::Mash,
            note: String::new(),
        };
        assert_eq!(state_columns(&state, today), (None, Some("mash"), Some(today)));
        let accepted = ReferralState::AcceptedForPanel {
            slot: PanelSlot::ProposedDate(today),
        };
        assert_eq!(state_columns(&accepted, today), (Some(today), None, None));
    }
}
