//! Panel meetings: generated from each panel's cadence, their agendas, circulation of the list
//! of families to member organisations, and the agencies' checks of their own systems.
//!
//! The rules are [`domain::meeting`]'s: the deadlines (one counting rule), the agenda's order,
//! what each member organisation's copy holds. This module loads what they need, asks them, and
//! writes the result with its audit entry, sharing-log entries and e-mails in one transaction.
//!
//! Circulation happens once per meeting: when business support sends the list, or at noon on
//! the circulation day by the worker's sweep ([`Store::circulate_due_agendas`]); the update is
//! guarded by the meeting's status, so two app servers racing to send it send it once.

use crate::audit::AuditEntry;
use crate::families::{NewSharingEntry, SharingDecision};
use crate::referrals::Notice;
use crate::{Store, StoreError};
use domain::meeting::{
    AgencyCheckOutcome, AgendaChangeRefused, AgendaLine, AgendaSection, CIRCULATION_TIME, CaseOnAgenda, DeadlineRules, ItemTitle,
    MeetingDeadlines, MeetingRefused, MeetingStatus, SlotMinutes,
};
use domain::panel::{Cadence, Membership};
use domain::working_days::Calendar;
use domain::{FamilyId, MeetingId, OrganisationId, PanelId, ReferralId, UserId};
use policy::{MeetingFacts, PanelMember, Permit, PrepareAgenda, Principal, RecordAgencyCheck, RunsPanel, ViewAgendaCopy, ViewMeeting};
use std::collections::{BTreeMap, BTreeSet};
use time::{Date, Duration, OffsetDateTime, Time};
use uuid::Uuid;

/// Bumps the meeting's version inside a write transaction, refusing a stale form.
macro_rules! bump_version {
    ($tx:ident, $meeting:expr, $version:expr) => {{
        let meeting: MeetingId = $meeting;
        let n = sqlx::query("UPDATE meetings SET version = version + 1 WHERE id = $1 AND version = $2")
            .bind(meeting.0)
            .bind($version)
            .execute(&mut *$tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(MeetingWriteError::Stale);
        }
    }};
}

/// Moves on a meeting's live counter inside a write transaction: attendees following the meeting
/// see the change at their next poll (and get "not modified" until then).
macro_rules! live_moved {
    ($tx:ident, $meeting:expr) => {{
        let meeting: MeetingId = $meeting;
        sqlx::query("UPDATE meetings SET live_seq = live_seq + 1 WHERE id = $1")
            .bind(meeting.0)
            .execute(&mut *$tx)
            .await?;
    }};
}

/// Moves one case to another meeting of the panel inside a write transaction: to the end of its
/// section there, its referral following with the new date, and its referrer and lead
/// professional told.
macro_rules! move_case {
    ($tx:ident, $store:expr, $item:expr, $to:expr, $to_date:expr, $referral:expr, $who:expr) => {{
        let item: AgendaItemId = $item;
        let to: MeetingId = $to;
        let to_date: Date = $to_date;
        let referral: Option<Uuid> = $referral;
        // A case discussed anonymously stays anonymous, under the first name free at the
        // meeting it moves to.
        let label: Option<(Option<String>,)> = sqlx::query_as("SELECT anonymous_label FROM agenda_items WHERE id = $1")
            .bind(item.0)
            .fetch_optional(&mut *$tx)
            .await?;
        if let Some((Some(_),)) = label {
            let taken: Vec<(String,)> = sqlx::query_as(
                "SELECT anonymous_label FROM agenda_items WHERE meeting_id = $1 AND anonymous_label IS NOT NULL",
            )
            .bind(to.0)
            .fetch_all(&mut *$tx)
            .await?;
            let label = domain::meeting::next_anonymous_label(taken.iter().map(|(l,)| l.as_str()));
            sqlx::query("UPDATE agenda_items SET anonymous_label = $1 WHERE id = $2")
                .bind(label)
                .bind(item.0)
                .execute(&mut *$tx)
                .await?;
        }
        sqlx::query(
            "UPDATE agenda_items SET meeting_id = $1, position = (SELECT COALESCE(MAX(a2.position), 0) + 1 FROM agenda_items a2 \
             WHERE a2.meeting_id = $1 AND a2.section = agenda_items.section) WHERE id = $2",
        )
        .bind(to.0)
        .bind(item.0)
        .execute(&mut *$tx)
        .await?;
        if let Some(referral) = referral {
            let accepted = domain::referral::ReferralState::AcceptedForPanel {
                slot: domain::referral::PanelSlot::ProposedDate(to_date),
            };
            sqlx::query(
                "UPDATE referrals SET meeting_id = $1, meeting_date = $2, state = CASE WHEN status = $3 THEN $4 ELSE state END WHERE id = $5",
            )
            .bind(to.0)
            .bind(to_date)
            .bind(accepted.code())
            .bind(crate::referrals::state_json(&accepted)?)
            .bind(referral)
            .execute(&mut *$tx)
            .await?;
            enqueue_notices!($tx, $store, ReferralId(referral), Some(Notice::Rescheduled), $who);
        }
    }};
}

/// The panel's later meetings that can still take cases moved from meeting `$1`: the candidates
/// `domain::meeting::next_meeting_for_moved_cases` chooses from (`$2` is today).
pub(crate) const LATER_MEETINGS_SQL: &str = "SELECT m2.id, m2.meeting_date, m2.status FROM meetings m JOIN meetings m2 ON m2.panel_id = m.panel_id \
     AND m2.id <> m.id WHERE m.id = $1 AND m2.meeting_date > m.meeting_date AND m2.circulate_by >= $2 ORDER BY m2.meeting_date LIMIT 20";

/// Cancels one meeting inside a write transaction, the one way a meeting is cancelled (by
/// business support, or because its panel's cadence changed): marks it cancelled with its
/// reason, and moves its cases to the panel's next meeting still taking cases, found inside the
/// transaction so that a meeting added in it counts, each case's referrer and lead professional
/// told. Evaluates to `None`, changing nothing, when it has cases and no later meeting can take
/// them; otherwise to how many cases moved.
macro_rules! cancel_with_cases {
    ($tx:ident, $store:expr, $meeting:expr, $reason:expr, $who:expr, $now:expr) => {{
        let meeting: MeetingId = $meeting;
        let cases: Vec<(Uuid, Option<Uuid>)> = sqlx::query_as(
            "SELECT id, referral_id FROM agenda_items WHERE meeting_id = $1 AND family_id IS NOT NULL AND removed_at IS NULL",
        )
        .bind(meeting.0)
        .fetch_all(&mut *$tx)
        .await?;
        let later: Vec<(Uuid, Date, String)> = sqlx::query_as($crate::meetings::LATER_MEETINGS_SQL)
            .bind(meeting.0)
            .bind($store.clock.today())
            .fetch_all(&mut *$tx)
            .await?;
        let (date,): (Date,) = sqlx::query_as("SELECT meeting_date FROM meetings WHERE id = $1")
            .bind(meeting.0)
            .fetch_one(&mut *$tx)
            .await?;
        let others: Vec<(Uuid, Date, MeetingStatus)> = later
            .into_iter()
            .filter_map(|(id, d, s)| MeetingStatus::from_code(&s).map(|s| (id, d, s)))
            .collect();
        let next = domain::meeting::next_meeting_for_moved_cases(date, &others)
            .and_then(|id| others.iter().find(|o| o.0 == id).map(|o| (MeetingId(o.0), o.1)));
        if !cases.is_empty() && next.is_none() {
            None
        } else {
            let who: UserId = $who;
            sqlx::query("UPDATE meetings SET status = 'cancelled', cancelled_at = $1, cancelled_by = $2, cancel_reason = $3 WHERE id = $4")
                .bind($now)
                .bind(who.0)
                .bind($reason)
                .bind(meeting.0)
                .execute(&mut *$tx)
                .await?;
            if let Some((to, to_date)) = next {
                for (item, referral) in &cases {
                    let item = AgendaItemId(*item);
                    move_case!($tx, $store, item, to, to_date, *referral, who);
                }
            }
            Some(cases.len())
        }
    }};
}

/// Gives each meeting of panel `$panel` its chair by turn inside a write transaction
/// (`domain::panel_config::chair_by_turn` over the panel's meetings not cancelled, in date
/// order). Fills only meetings with no chair yet, unless `$reassign`, when the planned meetings
/// from today on are given their chair by turn again (the panel's chairs changed); a chair
/// business support swapped on a circulated meeting is never changed.
macro_rules! assign_chairs_by_turn {
    ($tx:ident, $panel:expr, $today:expr, $reassign:expr) => {{
        let panel: Uuid = $panel;
        let today: Date = $today;
        let reassign: bool = $reassign;
        let chairs: Vec<(Uuid,)> = sqlx::query_as("SELECT user_id FROM panel_chairs WHERE panel_id = $1 ORDER BY turn, user_id")
            .bind(panel)
            .fetch_all(&mut *$tx)
            .await?;
        let chairs: Vec<Uuid> = chairs.into_iter().map(|(c,)| c).collect();
        let meetings: Vec<(Uuid, Date, String, Option<Uuid>)> = sqlx::query_as(
            "SELECT id, meeting_date, status, chair_id FROM meetings WHERE panel_id = $1 AND status <> 'cancelled' ORDER BY meeting_date, id",
        )
        .bind(panel)
        .fetch_all(&mut *$tx)
        .await?;
        for (n, (id, date, status, chair)) in meetings.into_iter().enumerate() {
            let by_turn = domain::panel_config::chair_by_turn(&chairs, n).copied();
            let refill = chair.is_none() || (reassign && status == "planned" && date >= today);
            if refill && chair != by_turn {
                sqlx::query("UPDATE meetings SET chair_id = $1 WHERE id = $2")
                    .bind(by_turn)
                    .bind(id)
                    .execute(&mut *$tx)
                    .await?;
            }
        }
    }};
}

/// The planned meetings a panel's cadence asks for from `today` to `through` that have not
/// been generated yet (`existing` holds the cadence dates already generated, whatever became
/// of them), each with its circulation day: what both the daily planning and a change of the
/// panel's cadence add.
pub(crate) fn dates_to_plan(
    cadence: &Cadence,
    rules: &DeadlineRules,
    calendar: &Calendar,
    today: Date,
    through: Date,
    existing: &BTreeSet<Date>,
) -> Vec<(Date, Date)> {
    cadence
        .dates_between(today, through)
        .into_iter()
        .filter(|d| !existing.contains(d))
        .filter_map(|d| rules.circulate_by(calendar, d).ok().map(|c| (d, c)))
        .collect()
}

/// Adds one planned meeting generated for a cadence date; a date already generated is left.
pub(crate) const INSERT_PLANNED_MEETING: &str = "INSERT INTO meetings (id, panel_id, scheduled_for, meeting_date, starts_at, ends_at, \
     venue, status, circulate_by, created_at) VALUES ($1, $2, $3, $3, $4, $5, $6, 'planned', $7, $8) ON CONFLICT (panel_id, scheduled_for) DO NOTHING";

/// An agenda item's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct AgendaItemId(pub Uuid);

impl AgendaItemId {
    /// The id in a URL path or form field; a malformed one names no item.
    pub fn from_path(raw: &str) -> Self {
        Self(raw.parse().unwrap_or(Uuid::nil()))
    }
}

impl std::fmt::Display for AgendaItemId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Why a meeting or its agenda could not be changed. The first two are the person's to put
/// right; the message says how.
#[derive(Debug, thiserror::Error)]
pub enum MeetingWriteError {
    /// The domain's rules refused the change.
    #[error(transparent)]
    Refused(#[from] MeetingRefused),
    /// A field does not fit; `field` is where the message belongs.
    #[error("{message}")]
    Input {
        /// The form field.
        field: &'static str,
        /// What to put right.
        message: String,
    },
    /// Someone else changed the meeting since it was read.
    #[error("someone else changed this meeting")]
    Stale,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for MeetingWriteError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(StoreError::Database(e))
    }
}

pub(crate) fn input(field: &'static str, message: impl Into<String>) -> MeetingWriteError {
    MeetingWriteError::Input {
        field,
        message: message.into(),
    }
}

/// One meeting in a list of meetings, with the facts its row is confirmed with.
#[derive(Debug, Clone)]
pub struct MeetingListRow {
    /// The asker's place on its panel, for the policy.
    pub facts: MeetingFacts,
    /// The panel's name.
    pub panel_name: String,
    /// When.
    pub date: Date,
    /// Start time.
    pub starts_at: Time,
    /// End time, for calendar feeds.
    pub ends_at: Time,
    /// Where.
    pub venue: String,
    /// Where it is in its cycle.
    pub status: MeetingStatus,
    /// The day the list goes to members.
    pub circulate_by: Date,
}

/// One meeting as its page shows it to anyone on the panel: no family is named here.
#[derive(Debug, Clone)]
pub struct MeetingRecord {
    /// Its id.
    pub id: MeetingId,
    /// The panel.
    pub panel_id: PanelId,
    /// The panel's name.
    pub panel_name: String,
    /// The locality the panel serves.
    pub locality_name: String,
    /// When.
    pub date: Date,
    /// Start time.
    pub starts_at: Time,
    /// End time.
    pub ends_at: Time,
    /// Where.
    pub venue: String,
    /// Where it is in its cycle.
    pub status: MeetingStatus,
    /// The deadlines, with their reasons.
    pub deadlines: MeetingDeadlines,
    /// When the list went to members, and who sent it (nobody: the deadline sent it).
    pub circulated: Option<(OffsetDateTime, Option<String>)>,
    /// Why it was cancelled.
    pub cancel_reason: Option<String>,
    /// The date it was first set for, if it moved.
    pub moved_from: Option<Date>,
    /// For optimistic locking of agenda changes.
    pub version: i64,
    /// Read out at the start of the meeting.
    pub conflict_of_interest_statement: String,
    /// The chairs, in turn order.
    pub chairs: Vec<String>,
    /// The business-support officer.
    pub business_support: String,
    /// The open part of the agenda (community issues, any other business), with times.
    pub open_items: Vec<OpenItem>,
    /// When business support marked the action notes sent to members, and who did.
    pub notes_sent: Option<(OffsetDateTime, Option<String>)>,
    /// When the last decision was recorded: the notes are generated from the record, so they
    /// reach business support when the chair has recorded the last case.
    pub notes_ready_at: Option<OffsetDateTime>,
}

/// An agenda item that names no family.
#[derive(Debug, Clone)]
pub struct OpenItem {
    /// Its id.
    pub id: AgendaItemId,
    /// Its section.
    pub section: AgendaSection,
    /// Its title.
    pub title: String,
    /// Minutes given to it.
    pub minutes: SlotMinutes,
    /// Added after the list went out.
    pub late: bool,
    /// Its place within the section.
    pub position: i64,
}

/// A case on the agenda as business support and the chairs see it. `facts` lets the page ask
/// the policy about the family before showing the row.
#[derive(Debug, Clone)]
pub struct AgendaCase {
    /// The agenda item.
    pub id: AgendaItemId,
    /// Its section.
    pub section: AgendaSection,
    /// Its place within the section.
    pub position: i64,
    /// Minutes given to it.
    pub minutes: SlotMinutes,
    /// Added after the list went out.
    pub late: bool,
    /// The name the case goes by at the meeting when it is discussed anonymously ("Family A"):
    /// in the closed part, the live view and the action notes it is shown instead of the
    /// family's names and address.
    pub anonymous: Option<String>,
    /// The family discussed, and what the policy needs to know about it.
    pub facts: policy::FamilyFacts,
    /// The referral that brought it.
    pub referral: Option<ReferralId>,
    /// The family's address and postcode.
    pub address: String,
    /// Its people, children first.
    pub people: Vec<PersonOnList>,
    /// What each agency that checked found: (organisation, outcome, note).
    pub checks: Vec<(String, AgencyCheckOutcome, Option<String>)>,
    /// For a stuck case brought back by its lead professional, the family's plan.
    pub plan: Option<crate::stuck::AttachedPlan>,
}

impl AgendaCase {
    /// The case as the meeting hears it: without names or address when discussed anonymously.
    pub fn in_the_room(mut self) -> Self {
        if self.anonymous.is_some() {
            self.address.clear();
            self.people.clear();
            if let Some(plan) = &mut self.plan {
                plan.what_is_stuck.clear();
                plan.lead_professional = None;
                plan.needs.iter_mut().for_each(|n| n.1 = None);
            }
        }
        self
    }
}

/// One person of a family on a list: what an agency needs to check its own systems.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonOnList {
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Date of birth.
    pub date_of_birth: Date,
    /// Place in the household.
    pub household_role: domain::family::HouseholdRole,
}

/// One member organisation's copy of a meeting's list.
#[derive(Debug, Clone)]
pub struct AgendaCopy {
    /// The organisation.
    pub organisation_name: String,
    /// When it was sent; `None` before circulation.
    pub sent_at: Option<OffsetDateTime>,
    /// The cases on it, in agenda order, with the organisation's own check of each.
    pub cases: Vec<CopyCase>,
}

/// A case on an organisation's copy.
#[derive(Debug, Clone)]
pub struct CopyCase {
    /// The agenda item.
    pub id: AgendaItemId,
    /// Its section.
    pub section: AgendaSection,
    /// Its minutes.
    pub minutes: SlotMinutes,
    /// Its place within the section.
    pub position: i64,
    /// The name the case goes by when it is discussed anonymously; the copy then names no one
    /// (`address` is empty and `people` too).
    pub anonymous: Option<String>,
    /// The family's address and postcode.
    pub address: String,
    /// Its people.
    pub people: Vec<PersonOnList>,
    /// What the organisation recorded, if anything yet.
    pub check: Option<(AgencyCheckOutcome, Option<String>)>,
}

pub use domain::meeting::AgendaChange;

/// A member organisation's copy, ready for the worker to send by secure e-mail.
#[derive(Debug, Clone)]
pub struct CopyDelivery {
    /// The mailbox.
    pub to: domain::email::EmailAddress,
    /// The organisation.
    pub organisation_name: String,
    /// The panel.
    pub panel_name: String,
    /// The meeting.
    pub meeting: MeetingId,
    /// When.
    pub date: Date,
    /// Start time.
    pub starts_at: Time,
    /// Where.
    pub venue: String,
    /// The cases, in agenda order.
    pub cases: Vec<CopyCase>,
}

/// What a link-only notice of a circulated list needs.
#[derive(Debug, Clone)]
pub struct CopyNotice {
    /// Where to send it.
    pub email: domain::email::EmailAddress,
    /// "Dear …".
    pub given_name: String,
    /// The panel.
    pub panel_name: String,
    /// The meeting, for the link.
    pub meeting: MeetingId,
    /// When.
    pub date: Date,
}

/// A person row: (family, given name, family name, date of birth, household role).
type PersonRow = (Uuid, String, String, Date, String);
/// What a meeting's page loads: its head, its chairs' names, its open items.
type MeetingLoad = (
    MeetingHead,
    Vec<(String, String)>,
    Vec<(Uuid, String, i64, String, i64, bool)>,
    Option<(OffsetDateTime,)>,
);
/// What circulation loads: the panel, the cases (item, family, referral), exclusions and
/// invitations (family, organisation), and the member seats.
type CirculationLoad = (
    Option<(Uuid, String)>,
    Vec<(Uuid, Uuid, Option<Uuid>, Option<String>)>,
    Vec<(Uuid, Uuid)>,
    Vec<(Uuid, Uuid)>,
    Vec<(Uuid, String, Option<Uuid>, Option<String>, String)>,
    Vec<(Uuid, Uuid)>,
);

/// A case on a copy: (item, section, position, minutes, family, address, postcode, outcome, note, anonymous name).
type CopyRow = (
    Uuid,
    String,
    i64,
    i64,
    Uuid,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);
/// What a copy loads: the organisation's name, when it was sent, its cases and their people.
type CopyLoad = (Option<(String,)>, Option<(OffsetDateTime,)>, Vec<CopyRow>, Vec<PersonRow>);

/// The head of a meeting's page.
#[derive(sqlx::FromRow)]
struct MeetingHead {
    panel_id: Uuid,
    panel_name: String,
    locality_name: String,
    meeting_date: Date,
    starts_at: Time,
    ends_at: Time,
    venue: String,
    status: String,
    circulated_at: Option<OffsetDateTime>,
    sender_given: Option<String>,
    sender_family: Option<String>,
    cancel_reason: Option<String>,
    moved_from: Option<Date>,
    version: i64,
    conflict_of_interest_statement: String,
    bs_given: String,
    bs_family: String,
    list_to_members_working_days: i64,
    notes_to_business_support_working_days: i64,
    notes_to_members_days: i64,
    step_up_hours: i64,
    notes_sent_at: Option<OffsetDateTime>,
    notes_sender_given: Option<String>,
    notes_sender_family: Option<String>,
}

/// Panel columns the meeting generator and deadlines need.
type PanelPlanRow = (Uuid, String, Time, Time, String, i64, i64, i64, i64);

pub(crate) fn rules_from(list: i64, notes_bs: i64, notes_members: i64, step_up: i64) -> DeadlineRules {
    let n = |v: i64, d: u32| u32::try_from(v).unwrap_or(d);
    let d = DeadlineRules::default();
    DeadlineRules {
        list_to_members_working_days: n(list, d.list_to_members_working_days),
        notes_to_business_support_working_days: n(notes_bs, d.notes_to_business_support_working_days),
        notes_to_members_days: n(notes_members, d.notes_to_members_days),
        step_up_hours: n(step_up, d.step_up_hours),
    }
}

pub(crate) const RULE_COLUMNS: &str =
    "p.list_to_members_working_days, p.notes_to_business_support_working_days, p.notes_to_members_days, p.step_up_hours";

fn status_of(code: &str) -> Result<MeetingStatus, StoreError> {
    MeetingStatus::from_code(code).ok_or_else(|| StoreError::Corrupt(format!("meeting status {code}")))
}

fn section_of(code: &str) -> Result<AgendaSection, StoreError> {
    AgendaSection::from_code(code).ok_or_else(|| StoreError::Corrupt(format!("agenda section {code}")))
}

fn minutes_of(m: i64) -> Result<SlotMinutes, StoreError> {
    u32::try_from(m)
        .ok()
        .and_then(|m| SlotMinutes::new(m).ok())
        .ok_or_else(|| StoreError::Corrupt(format!("agenda minutes {m}")))
}

/// The instant the list goes out on its circulation day: noon in London.
pub fn circulation_instant(day: Date) -> OffsetDateTime {
    let naive = day.with_time(CIRCULATION_TIME);
    let guess = naive.assume_utc();
    naive.assume_offset(domain::clock::london_offset(guess))
}

/// `$1` user, `$2` organisation; `m` the meeting, `p` its panel. Columns: runs as business
/// support, chairs, member standing (0 core, 1 extended, NULL none), declaration signed.
const PLACE_COLUMNS: &str = "p.business_support_user_id = $1, \
     EXISTS (SELECT 1 FROM panel_chairs pc WHERE pc.panel_id = p.id AND pc.user_id = $1), \
     (SELECT CAST(MIN(CASE pm.membership WHEN 'core' THEN 0 ELSE 1 END) AS BIGINT) FROM panel_members pm \
      WHERE pm.panel_id = p.id AND pm.organisation_id = $2 AND (pm.user_id = $1 OR pm.user_id IS NULL)), \
     EXISTS (SELECT 1 FROM declarations d WHERE d.meeting_id = m.id AND d.user_id = $1)";

fn facts_from(id: Uuid, bs: bool, chair: bool, member: Option<i64>, declared: bool) -> MeetingFacts {
    MeetingFacts {
        id: MeetingId(id),
        runs: if bs {
            RunsPanel::BusinessSupport
        } else if chair {
            RunsPanel::Chair
        } else {
            RunsPanel::None
        },
        member: match member {
            Some(0) => PanelMember::Core,
            Some(_) => PanelMember::Extended,
            None => PanelMember::None,
        },
        declared,
    }
}

impl Store {
    /// The working-day calendar every deadline is counted with: England and Wales bank holidays
    /// and the council's own closure days.
    pub async fn working_calendar(&self) -> Result<Calendar, StoreError> {
        let closures: Vec<(Date,)> = read!(self, db => sqlx::query_as("SELECT day FROM closure_days").fetch_all(db).await?);
        Ok(Calendar::england_and_wales().with_closures(closures.into_iter().map(|(d,)| d)))
    }

    /// Generates each panel's meetings from its cadence up to `through`: every cadence date from
    /// today without a meeting generated for it gets one, with its circulation day. Moved and
    /// cancelled meetings keep the date they were generated for, so they are never made again.
    /// Idempotent; the worker runs it daily and the demo at start. Returns how many were added.
    pub async fn plan_meetings(&self, through: Date) -> Result<usize, StoreError> {
        let today = self.clock.today();
        let calendar = self.working_calendar().await?;
        let panels: Vec<PanelPlanRow> = read!(self, db => sqlx::query_as(&format!(
            "SELECT p.id, p.cadence, p.starts_at, p.ends_at, p.venue, {RULE_COLUMNS} FROM panels p ORDER BY p.id"
        ))
        .fetch_all(db)
        .await?);
        // (panel, date, circulation day, start, end, venue) of every meeting to add.
        let mut new: Vec<(Uuid, Date, Date, Time, Time, String)> = Vec::new();
        for (panel, cadence, starts_at, ends_at, venue, list, bs, members, step) in panels {
            let cadence: Cadence = serde_json::from_str(&cadence).map_err(|e| StoreError::Corrupt(format!("panel cadence: {e}")))?;
            let rules = rules_from(list, bs, members, step);
            let existing: Vec<(Date,)> = read!(self, db => sqlx::query_as(
                "SELECT scheduled_for FROM meetings WHERE panel_id = $1 AND scheduled_for >= $2",
            )
            .bind(panel)
            .bind(today)
            .fetch_all(db)
            .await?);
            let existing: BTreeSet<Date> = existing.into_iter().map(|(d,)| d).collect();
            new.extend(
                dates_to_plan(&cadence, &rules, &calendar, today, through, &existing)
                    .into_iter()
                    .map(|(d, c)| (panel, d, c, starts_at, ends_at, venue.clone())),
            );
        }
        if new.is_empty() {
            return Ok(0);
        }
        let now = self.now();
        let added = new.len();
        write!(self, tx, kind => {
            for (panel, date, circulate_by, starts_at, ends_at, venue) in &new {
                sqlx::query(INSERT_PLANNED_MEETING)
                .bind(Uuid::now_v7())
                .bind(panel)
                .bind(date)
                .bind(starts_at)
                .bind(ends_at)
                .bind(venue)
                .bind(circulate_by)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            let panels: BTreeSet<Uuid> = new.iter().map(|m| m.0).collect();
            for panel in panels {
                assign_chairs_by_turn!(tx, panel, today, false);
            }
            audit_append!(tx, self, AuditEntry::new(None, "meeting.plan", "meetings", None)
                .personal(format!("meetings={added}")));
        });
        Ok(added)
    }

    /// The asker's place on the panel of one meeting, for the policy; `None` when there is no
    /// such meeting (refused in the same words as one the asker has no place at).
    pub async fn meeting_facts(&self, who: &Principal, meeting: MeetingId) -> Result<Option<MeetingFacts>, StoreError> {
        let row: Option<(bool, bool, Option<i64>, bool)> = read!(self, db => sqlx::query_as(&format!(
            "SELECT {PLACE_COLUMNS} FROM meetings m JOIN panels p ON p.id = m.panel_id WHERE m.id = $3"
        ))
        .bind(who.user.0)
        .bind(who.organisation.0)
        .bind(meeting.0)
        .fetch_optional(db)
        .await?);
        Ok(row.map(|(bs, chair, member, declared)| facts_from(meeting.0, bs, chair, member, declared)))
    }

    /// The meetings from `from` to `until` of every panel the asker has a place on, soonest
    /// first. The page confirms each row with the policy. Meeting dates are not personal data.
    pub async fn meetings_for(&self, who: &Principal, from: Date, until: Date) -> Result<Vec<MeetingListRow>, StoreError> {
        type Row = (Uuid, bool, bool, Option<i64>, bool, String, Date, Time, Time, String, String, Date);
        let rows: Vec<Row> = read!(self, db => sqlx::query_as(&format!(
            "SELECT m.id, {PLACE_COLUMNS}, p.name, m.meeting_date, m.starts_at, m.ends_at, m.venue, m.status, m.circulate_by \
             FROM meetings m JOIN panels p ON p.id = m.panel_id \
             WHERE m.meeting_date >= $3 AND m.meeting_date <= $4 AND (p.business_support_user_id = $1 \
               OR EXISTS (SELECT 1 FROM panel_chairs pc WHERE pc.panel_id = p.id AND pc.user_id = $1) \
               OR EXISTS (SELECT 1 FROM panel_members pm WHERE pm.panel_id = p.id AND pm.organisation_id = $2 \
                          AND (pm.user_id = $1 OR pm.user_id IS NULL))) \
             ORDER BY m.meeting_date, p.name, m.id"
        ))
        .bind(who.user.0)
        .bind(who.organisation.0)
        .bind(from)
        .bind(until)
        .fetch_all(db)
        .await?);
        rows.into_iter()
            .map(
                |(id, bs, chair, member, declared, panel_name, date, starts_at, ends_at, venue, status, circulate_by)| {
                    Ok(MeetingListRow {
                        facts: facts_from(id, bs, chair, member, declared),
                        panel_name,
                        date,
                        starts_at,
                        ends_at,
                        venue,
                        status: status_of(&status)?,
                        circulate_by,
                    })
                },
            )
            .collect()
    }

    /// The planned meetings the asker runs (as business support or a chair) whose list goes to
    /// members from today to `until`, soonest first: the home page's reminders. One query; the
    /// page confirms each row with `PrepareAgenda`.
    pub async fn lists_due_for(&self, who: &Principal, until: Date) -> Result<Vec<MeetingListRow>, StoreError> {
        type Row = (Uuid, bool, bool, Option<i64>, bool, String, Date, Time, Time, String, Date);
        let rows: Vec<Row> = read!(self, db => sqlx::query_as(&format!(
            "SELECT m.id, {PLACE_COLUMNS}, p.name, m.meeting_date, m.starts_at, m.ends_at, m.venue, m.circulate_by \
             FROM meetings m JOIN panels p ON p.id = m.panel_id \
             WHERE m.status = 'planned' AND m.circulate_by >= $3 AND m.circulate_by <= $4 AND (p.business_support_user_id = $1 \
               OR EXISTS (SELECT 1 FROM panel_chairs pc WHERE pc.panel_id = p.id AND pc.user_id = $1)) \
             ORDER BY m.circulate_by, p.name, m.id"
        ))
        .bind(who.user.0)
        .bind(who.organisation.0)
        .bind(self.clock.today())
        .bind(until)
        .fetch_all(db)
        .await?);
        Ok(rows
            .into_iter()
            .map(
                |(id, bs, chair, member, declared, panel_name, date, starts_at, ends_at, venue, circulate_by)| MeetingListRow {
                    facts: facts_from(id, bs, chair, member, declared),
                    panel_name,
                    date,
                    starts_at,
                    ends_at,
                    venue,
                    status: MeetingStatus::Planned,
                    circulate_by,
                },
            )
            .collect())
    }

    /// One meeting and the open part of its agenda.
    pub async fn meeting(&self, permit: &Permit<ViewMeeting>) -> Result<Option<MeetingRecord>, StoreError> {
        self.meeting_record(permit.meeting()).await
    }

    pub(crate) async fn meeting_record(&self, id: MeetingId) -> Result<Option<MeetingRecord>, StoreError> {
        let loaded: Option<MeetingLoad> = read!(self, db => {
            let head: Option<MeetingHead> = sqlx::query_as(&format!(
                "SELECT p.id AS panel_id, p.name AS panel_name, l.name AS locality_name, m.meeting_date, m.starts_at, m.ends_at, \
                 m.venue, m.status, m.circulated_at, cu.given_name AS sender_given, cu.family_name AS sender_family, m.cancel_reason, \
                 m.moved_from, m.version, p.conflict_of_interest_statement, bu.given_name AS bs_given, bu.family_name AS bs_family, \
                 {RULE_COLUMNS}, m.notes_sent_at, nu.given_name AS notes_sender_given, nu.family_name AS notes_sender_family \
                 FROM meetings m JOIN panels p ON p.id = m.panel_id JOIN localities l ON l.id = p.locality_id \
                 JOIN users bu ON bu.id = p.business_support_user_id LEFT JOIN users cu ON cu.id = m.circulated_by \
                 LEFT JOIN users nu ON nu.id = m.notes_sent_by WHERE m.id = $1"
            ))
            .bind(id.0)
            .fetch_optional(db)
            .await?;
            match head {
                None => None,
                Some(head) => {
                    let chairs = sqlx::query_as(
                        "SELECT u.given_name, u.family_name FROM panel_chairs c JOIN users u ON u.id = c.user_id \
                         WHERE c.panel_id = $1 ORDER BY c.turn",
                    )
                    .bind(head.panel_id)
                    .fetch_all(db)
                    .await?;
                    let items = sqlx::query_as(
                        "SELECT id, section, position, title, minutes, late FROM agenda_items \
                         WHERE meeting_id = $1 AND family_id IS NULL AND removed_at IS NULL ORDER BY position, id",
                    )
                    .bind(id.0)
                    .fetch_all(db)
                    .await?;
                    let last_decision = sqlx::query_as("SELECT decided_at FROM decisions WHERE meeting_id = $1 ORDER BY decided_at DESC LIMIT 1")
                        .bind(id.0)
                        .fetch_optional(db)
                        .await?;
                    Some((head, chairs, items, last_decision))
                }
            }
        });
        let Some((h, chairs, items, last_decision)) = loaded else {
            return Ok(None);
        };
        let calendar = self.working_calendar().await?;
        let rules = rules_from(
            h.list_to_members_working_days,
            h.notes_to_business_support_working_days,
            h.notes_to_members_days,
            h.step_up_hours,
        );
        let deadlines = rules
            .deadlines(&calendar, h.meeting_date)
            .map_err(|_| StoreError::Corrupt("meeting date out of range".into()))?;
        let mut open_items = items
            .into_iter()
            .map(|(iid, section, position, title, minutes, late)| {
                Ok(OpenItem {
                    id: AgendaItemId(iid),
                    section: section_of(&section)?,
                    title,
                    minutes: minutes_of(minutes)?,
                    late,
                    position,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        open_items.sort_by_key(|i| (i.section, i.position));
        let circulated_by = h.sender_given.zip(h.sender_family).map(|(g, f)| format!("{g} {f}"));
        let notes_sent_by = h.notes_sender_given.zip(h.notes_sender_family).map(|(g, f)| format!("{g} {f}"));
        Ok(Some(MeetingRecord {
            id,
            panel_id: PanelId(h.panel_id),
            panel_name: h.panel_name,
            locality_name: h.locality_name,
            date: h.meeting_date,
            starts_at: h.starts_at,
            ends_at: h.ends_at,
            venue: h.venue,
            status: status_of(&h.status)?,
            deadlines,
            circulated: h.circulated_at.map(|at| (at, circulated_by)),
            cancel_reason: h.cancel_reason,
            moved_from: h.moved_from,
            version: h.version,
            conflict_of_interest_statement: h.conflict_of_interest_statement,
            business_support: format!("{} {}", h.bs_given, h.bs_family),
            chairs: chairs.into_iter().map(|(g, f)| format!("{g} {f}")).collect(),
            open_items,
            notes_sent: h.notes_sent_at.map(|at| (at, notes_sent_by)),
            notes_ready_at: last_decision.map(|(at,)| at),
        }))
    }

    /// The cases on a meeting's agenda, in order, for business support and the chairs; the read
    /// is audited. Each comes with its family's facts, so the page shows only the families the
    /// policy lets the reader see (a family whose consent excludes the reader's organisation
    /// stays hidden even from the panel's own officer).
    pub async fn agenda_cases(&self, permit: &Permit<PrepareAgenda>, address: &str) -> Result<Vec<AgendaCase>, StoreError> {
        let meeting = permit.meeting();
        let who = permit.principal();
        let out = self.cases_on(meeting, who).await?;
        self.audit_read(
            AuditEntry::new(Some(who.user), "agenda.view", "meeting", Some(meeting.to_string())).from_address(Some(address.to_owned())),
        )
        .await?;
        Ok(out)
    }

    /// The cases of a meeting as the meeting itself hears them (the closed part, the live view,
    /// the action notes): a case discussed anonymously carries its name at the meeting and no
    /// names, dates of birth or address, so no page or document made from it can show them.
    pub(crate) async fn cases_in_the_room(&self, meeting: MeetingId, who: &Principal) -> Result<Vec<AgendaCase>, StoreError> {
        Ok(self
            .cases_on(meeting, who)
            .await?
            .into_iter()
            .map(AgendaCase::in_the_room)
            .collect())
    }

    /// The cases on a meeting, each with its family's facts for the asker; not audited (the
    /// callers audit the read they make of it).
    pub(crate) async fn cases_on(&self, meeting: MeetingId, who: &Principal) -> Result<Vec<AgendaCase>, StoreError> {
        self.cases_on_filtered(meeting, who, None).await
    }

    /// [`Store::cases_on`], or only the one case `only`.
    pub(crate) async fn cases_on_filtered(
        &self,
        meeting: MeetingId,
        who: &Principal,
        only: Option<AgendaItemId>,
    ) -> Result<Vec<AgendaCase>, StoreError> {
        type Row = (Uuid, String, i64, i64, bool, Uuid, Option<Uuid>, String, String, Option<String>);
        type Check = (Uuid, String, String, Option<String>);
        let (rows, people, checks): (Vec<Row>, Vec<PersonRow>, Vec<Check>) = read!(self, db => {
            let rows = sqlx::query_as(
                "SELECT ai.id, ai.section, ai.position, ai.minutes, ai.late, ai.family_id, ai.referral_id, f.address_line, f.postcode, \
                 ai.anonymous_label FROM agenda_items ai JOIN families f ON f.id = ai.family_id \
                 WHERE ai.meeting_id = $1 AND ai.removed_at IS NULL AND ($2 IS NULL OR ai.id = $2) ORDER BY ai.position, ai.id",
            )
            .bind(meeting.0)
            .bind(only.map(|i| i.0))
            .fetch_all(db)
            .await?;
            let people = sqlx::query_as(
                "SELECT p.family_id, p.given_name, p.family_name, p.date_of_birth, p.household_role FROM people p \
                 WHERE p.merged_into IS NULL AND p.family_id IN (SELECT family_id FROM agenda_items WHERE meeting_id = $1 AND removed_at IS NULL) \
                 ORDER BY p.family_id, CASE p.household_role WHEN 'child' THEN 0 ELSE 1 END, p.date_of_birth, p.id",
            )
            .bind(meeting.0)
            .fetch_all(db)
            .await?;
            let checks = sqlx::query_as(
                "SELECT c.agenda_item_id, o.name, c.outcome, c.note FROM agency_checks c JOIN organisations o ON o.id = c.organisation_id \
                 JOIN agenda_items ai ON ai.id = c.agenda_item_id WHERE ai.meeting_id = $1 ORDER BY o.name",
            )
            .bind(meeting.0)
            .fetch_all(db)
            .await?;
            (rows, people, checks)
        });
        let facts_of = self
            .families_facts(who, &rows.iter().map(|r| FamilyId(r.5)).collect::<Vec<_>>())
            .await?;
        let mut plans = self.plans_on(meeting).await?;
        let mut out = Vec::with_capacity(rows.len());
        for (id, section, position, minutes, late, family, referral, address_line, postcode, anonymous) in rows {
            // (A case's family always exists: the read joins it.)
            let Some(facts) = facts_of.get(&FamilyId(family)).cloned() else {
                continue;
            };
            out.push(AgendaCase {
                id: AgendaItemId(id),
                section: section_of(&section)?,
                position,
                minutes: minutes_of(minutes)?,
                late,
                anonymous,
                facts,
                referral: referral.map(ReferralId),
                address: format!("{address_line}, {postcode}"),
                people: people_of(&people, family)?,
                checks: checks
                    .iter()
                    .filter(|c| c.0 == id)
                    .filter_map(|(_, org, outcome, note)| AgencyCheckOutcome::from_code(outcome).map(|o| (org.clone(), o, note.clone())))
                    .collect(),
                plan: plans.iter().position(|(item, _)| *item == id).map(|i| plans.swap_remove(i).1),
            });
        }
        out.sort_by_key(|c| (c.section, c.position));
        Ok(out)
    }

    /// Adds a community issue or an item of other business to the agenda. After the list has
    /// gone out it is flagged as a late item.
    pub async fn add_agenda_item(
        &self,
        permit: &Permit<PrepareAgenda>,
        section: AgendaSection,
        title: &ItemTitle,
        minutes: SlotMinutes,
        version: i64,
        address: &str,
    ) -> Result<AgendaItemId, MeetingWriteError> {
        if section.is_closed() {
            return Err(input(
                "section",
                "Cases join the agenda when their referral is accepted; add a community issue or other business here",
            ));
        }
        let meeting = permit.meeting();
        let (status, date) = self.meeting_state(meeting).await?;
        if status == MeetingStatus::Cancelled {
            return Err(MeetingRefused::Cancelled.into());
        }
        if date < self.clock.today() {
            return Err(MeetingRefused::AlreadyHeld.into());
        }
        let id = AgendaItemId(Uuid::now_v7());
        let now = self.now();
        let who = permit.principal().user;
        write!(self, tx, kind => {
            bump_version!(tx, meeting, version);
            sqlx::query(
                "INSERT INTO agenda_items (id, meeting_id, section, position, title, minutes, late, added_by, added_at) \
                 VALUES ($1, $2, $3, (SELECT COALESCE(MAX(position), 0) + 1 FROM agenda_items WHERE meeting_id = $2 AND section = $3), \
                 $4, $5, $6, $7, $8)",
            )
            .bind(id.0)
            .bind(meeting.0)
            .bind(section.code())
            .bind(title.as_str())
            .bind(i64::from(minutes.get()))
            .bind(status == MeetingStatus::Circulated)
            .bind(who.0)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            audit_append!(tx, self, AuditEntry::new(Some(who), "agenda.add_item", "meeting", Some(meeting.to_string()))
                .from_address(Some(address.to_owned())));
        });
        Ok(id)
    }

    /// Changes one item of the agenda: its place in its section (only until the list has gone
    /// out: members prepare in that order), its minutes, removes an open item, or defers a case
    /// to the panel's next meeting still taking cases (its referrer and lead professional are
    /// told).
    pub async fn change_agenda_item(
        &self,
        permit: &Permit<PrepareAgenda>,
        item: AgendaItemId,
        change: &AgendaChange,
        version: i64,
        address: &str,
    ) -> Result<(), MeetingWriteError> {
        let meeting = permit.meeting();
        let (status, date) = self.meeting_state(meeting).await?;
        type ItemRow = (String, i64, Option<Uuid>, Option<Uuid>, Option<String>);
        let row: Option<ItemRow> = read!(self, db => sqlx::query_as(
            "SELECT section, position, family_id, referral_id, anonymous_label FROM agenda_items \
             WHERE id = $1 AND meeting_id = $2 AND removed_at IS NULL",
        )
        .bind(item.0)
        .bind(meeting.0)
        .fetch_optional(db)
        .await?);
        let Some((section, position, family, referral, label)) = row else {
            return Err(StoreError::NotFound("agenda item").into());
        };
        domain::meeting::check_agenda_change(change, status, date, self.clock.today(), family.is_some()).map_err(|r| match r {
            AgendaChangeRefused::Meeting(m) => MeetingWriteError::Refused(m),
            AgendaChangeRefused::Item(message) => input("item", message),
        })?;
        let who = permit.principal().user;
        let now = self.now();
        let next = match change {
            AgendaChange::ToNextMeeting => Some(self.next_meeting_taking_cases(meeting).await?.ok_or_else(|| {
                input(
                    "item",
                    "The panel has no later meeting whose list has not yet gone out; add one before deferring this case",
                )
            })?),
            _ => None,
        };
        write!(self, tx, kind => {
            bump_version!(tx, meeting, version);
            match change {
                AgendaChange::Up | AgendaChange::Down => {
                    let up = *change == AgendaChange::Up;
                    let neighbour: Option<(Uuid, i64)> = sqlx::query_as(if up {
                        "SELECT id, position FROM agenda_items WHERE meeting_id = $1 AND section = $2 AND removed_at IS NULL \
                         AND (position < $3 OR (position = $3 AND id < $4)) ORDER BY position DESC, id DESC LIMIT 1"
                    } else {
                        "SELECT id, position FROM agenda_items WHERE meeting_id = $1 AND section = $2 AND removed_at IS NULL \
                         AND (position > $3 OR (position = $3 AND id > $4)) ORDER BY position, id LIMIT 1"
                    })
                    .bind(meeting.0)
                    .bind(&section)
                    .bind(position)
                    .bind(item.0)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if let Some((other, other_position)) = neighbour {
                        // Distinct positions after the swap even where two were equal.
                        let (mine, theirs) = if other_position == position {
                            if up { (position - 1, position) } else { (position + 1, position) }
                        } else {
                            (other_position, position)
                        };
                        sqlx::query("UPDATE agenda_items SET position = $1 WHERE id = $2").bind(mine).bind(item.0).execute(&mut *tx).await?;
                        sqlx::query("UPDATE agenda_items SET position = $1 WHERE id = $2").bind(theirs).bind(other).execute(&mut *tx).await?;
                    }
                }
                AgendaChange::Minutes(m) => {
                    sqlx::query("UPDATE agenda_items SET minutes = $1 WHERE id = $2")
                        .bind(i64::from(m.get()))
                        .bind(item.0)
                        .execute(&mut *tx)
                        .await?;
                }
                AgendaChange::Remove => {
                    sqlx::query("UPDATE agenda_items SET removed_at = $1, removed_by = $2 WHERE id = $3")
                        .bind(now)
                        .bind(who.0)
                        .bind(item.0)
                        .execute(&mut *tx)
                        .await?;
                }
                AgendaChange::ToNextMeeting => {
                    if let Some((to, to_date)) = next {
                        move_case!(tx, self, item, to, to_date, referral, who);
                    }
                }
                AgendaChange::Anonymous(true) if label.is_none() => {
                    let taken: Vec<(String,)> = sqlx::query_as(
                        "SELECT anonymous_label FROM agenda_items WHERE meeting_id = $1 AND anonymous_label IS NOT NULL",
                    )
                    .bind(meeting.0)
                    .fetch_all(&mut *tx)
                    .await?;
                    let label = domain::meeting::next_anonymous_label(taken.iter().map(|(l,)| l.as_str()));
                    sqlx::query("UPDATE agenda_items SET anonymous_label = $1 WHERE id = $2").bind(label).bind(item.0).execute(&mut *tx).await?;
                    live_moved!(tx, meeting);
                }
                AgendaChange::Anonymous(false) if label.is_some() => {
                    sqlx::query("UPDATE agenda_items SET anonymous_label = NULL WHERE id = $1").bind(item.0).execute(&mut *tx).await?;
                    live_moved!(tx, meeting);
                }
                AgendaChange::Anonymous(_) => {}
            }
            audit_append!(tx, self, AuditEntry::new(Some(who), "agenda.change_item", "meeting", Some(meeting.to_string()))
                .from_address(Some(address.to_owned())));
        });
        Ok(())
    }

    /// Moves a meeting to another working day (time and venue stay); its deadlines follow, and
    /// the referrer and lead professional of each case on it are told.
    pub async fn move_meeting(
        &self,
        permit: &Permit<PrepareAgenda>,
        to: Date,
        version: i64,
        address: &str,
    ) -> Result<(), MeetingWriteError> {
        self.move_meeting_by(permit.meeting(), permit.principal().user, to, version, Some(address))
            .await
    }

    /// [`Store::move_meeting`] on behalf of `who`, once allowed.
    pub(crate) async fn move_meeting_by(
        &self,
        meeting: MeetingId,
        who: UserId,
        to: Date,
        version: i64,
        address: Option<&str>,
    ) -> Result<(), MeetingWriteError> {
        let (status, date) = self.meeting_state(meeting).await?;
        let calendar = self.working_calendar().await?;
        domain::meeting::check_move(status, date, to, self.clock.today(), &calendar)?;
        let rules = self.rules_of(meeting).await?;
        let circulate_by = rules
            .circulate_by(&calendar, to)
            .map_err(|_| input("date", "That date is too far away"))?;
        let clash: Option<(Uuid,)> = read!(self, db => sqlx::query_as(
            "SELECT m2.id FROM meetings m JOIN meetings m2 ON m2.panel_id = m.panel_id AND m2.id <> m.id \
             WHERE m.id = $1 AND m2.meeting_date = $2 AND m2.status <> 'cancelled'",
        )
        .bind(meeting.0)
        .bind(to)
        .fetch_optional(db)
        .await?);
        if clash.is_some() {
            return Err(input(
                "date",
                "The panel already meets on that day; cancel one of the two meetings instead",
            ));
        }
        let cases = self.referrals_on(meeting).await?;
        write!(self, tx, kind => {
            bump_version!(tx, meeting, version);
            sqlx::query("UPDATE meetings SET meeting_date = $1, circulate_by = $2, moved_from = COALESCE(moved_from, $3) WHERE id = $4")
                .bind(to)
                .bind(circulate_by)
                .bind(date)
                .bind(meeting.0)
                .execute(&mut *tx)
                .await?;
            for referral in &cases {
                sqlx::query("UPDATE referrals SET meeting_date = $1 WHERE id = $2").bind(to).bind(referral.0).execute(&mut *tx).await?;
                enqueue_notices!(tx, self, *referral, Some(Notice::Rescheduled), who);
            }
            audit_append!(tx, self, AuditEntry::new(Some(who), "meeting.move", "meeting", Some(meeting.to_string()))
                .from_address(address.map(str::to_owned)));
        });
        Ok(())
    }

    /// Cancels a meeting with a reason. Its cases move to the panel's next meeting still taking
    /// cases, and each case's referrer and lead professional are told.
    pub async fn cancel_meeting(
        &self,
        permit: &Permit<PrepareAgenda>,
        reason: &str,
        version: i64,
        address: &str,
    ) -> Result<(), MeetingWriteError> {
        let meeting = permit.meeting();
        let reason = domain::meeting::cancel_reason(reason).map_err(|m| input("reason", m))?;
        let (status, date) = self.meeting_state(meeting).await?;
        domain::meeting::check_cancel(status, date, self.clock.today())?;
        let who = permit.principal().user;
        let now = self.now();
        write!(self, tx, kind => {
            bump_version!(tx, meeting, version);
            if cancel_with_cases!(tx, self, meeting, reason, who, now).is_none() {
                return Err(input(
                    "reason",
                    "The panel has no later meeting whose list has not yet gone out to take this meeting's cases; add one first",
                ));
            }
            audit_append!(tx, self, AuditEntry::new(Some(who), "meeting.cancel", "meeting", Some(meeting.to_string()))
                .from_address(Some(address.to_owned())));
        });
        Ok(())
    }

    /// Sends the list of families to members now, on business support's or a chair's word.
    pub async fn circulate_agenda(&self, permit: &Permit<PrepareAgenda>, address: &str) -> Result<usize, MeetingWriteError> {
        let (status, date) = self.meeting_state(permit.meeting()).await?;
        match status {
            MeetingStatus::Cancelled => return Err(MeetingRefused::Cancelled.into()),
            MeetingStatus::Circulated => return Err(MeetingRefused::AlreadyCirculated.into()),
            MeetingStatus::Planned if date < self.clock.today() => return Err(MeetingRefused::AlreadyHeld.into()),
            MeetingStatus::Planned => {}
        }
        self.circulate(permit.meeting(), Some(permit.principal().user), Some(address)).await
    }

    /// Sends every list whose moment has come (noon on its circulation day, London time) and
    /// that business support has not sent already. The worker calls it on every pass; returns
    /// how many lists went out. A meeting with no cases is marked circulated with empty copies,
    /// so members know there is nothing to check.
    pub async fn circulate_due_agendas(&self) -> Result<usize, StoreError> {
        let now = self.now();
        let today = self.clock.today();
        let due: Vec<(Uuid, Date)> = read!(self, db => sqlx::query_as(
            "SELECT id, circulate_by FROM meetings WHERE status = 'planned' AND circulate_by <= $1 AND meeting_date >= $1 ORDER BY circulate_by, id",
        )
        .bind(today)
        .fetch_all(db)
        .await?);
        let mut sent = 0;
        for (id, day) in due {
            if circulation_instant(day) > now {
                continue;
            }
            match self.circulate(MeetingId(id), None, None).await {
                Ok(_) => sent += 1,
                // Sent meanwhile by business support or another server.
                Err(MeetingWriteError::Refused(MeetingRefused::AlreadyCirculated)) => {}
                Err(MeetingWriteError::Store(e)) => return Err(e),
                Err(other) => return Err(StoreError::Corrupt(other.to_string())),
            }
        }
        Ok(sent)
    }

    /// Makes each member organisation's copy, writes the copies, their sharing-log entries,
    /// the e-mails and the audit entry, and marks the meeting circulated: all or nothing.
    /// Returns the number of copies made.
    async fn circulate(&self, meeting: MeetingId, by: Option<UserId>, address: Option<&str>) -> Result<usize, MeetingWriteError> {
        let today = self.clock.today();
        let (panel, cases, exclusions, invitations, members, representatives): CirculationLoad = read!(self, db => {
            let panel = sqlx::query_as("SELECT p.id, p.name FROM meetings m JOIN panels p ON p.id = m.panel_id WHERE m.id = $1")
                .bind(meeting.0)
                .fetch_optional(db)
                .await?;
            let cases = sqlx::query_as(
                "SELECT id, family_id, referral_id, anonymous_label FROM agenda_items \
                 WHERE meeting_id = $1 AND family_id IS NOT NULL AND removed_at IS NULL ORDER BY position, id",
            )
            .bind(meeting.0)
            .fetch_all(db)
            .await?;
            let exclusions = sqlx::query_as(
                "SELECT x.family_id, x.organisation_id FROM family_exclusions x \
                 WHERE x.family_id IN (SELECT family_id FROM agenda_items WHERE meeting_id = $1 AND removed_at IS NULL)",
            )
            .bind(meeting.0)
            .fetch_all(db)
            .await?;
            let invitations = sqlx::query_as(
                "SELECT ci.family_id, ci.organisation_id FROM case_invitations ci JOIN meetings m ON m.panel_id = ci.panel_id WHERE m.id = $1 \
                 AND ci.family_id IN (SELECT family_id FROM agenda_items WHERE meeting_id = $1 AND removed_at IS NULL)",
            )
            .bind(meeting.0)
            .fetch_all(db)
            .await?;
            // Only current signatories of the ISA receive anything.
            let members = sqlx::query_as(
                "SELECT pm.organisation_id, pm.membership, pm.user_id, pm.secure_email, o.name FROM panel_members pm \
                 JOIN meetings m ON m.panel_id = pm.panel_id JOIN organisations o ON o.id = pm.organisation_id \
                 WHERE m.id = $1 AND o.isa_state = 'signed' AND (o.isa_review_due IS NULL OR o.isa_review_due >= $2)",
            )
            .bind(meeting.0)
            .bind(today)
            .fetch_all(db)
            .await?;
            // The agency representatives of every member organisation, for seats that name
            // no one: told in earlyhelp that their organisation's copy is there.
            let representatives = sqlx::query_as(
                "SELECT DISTINCT u.organisation_id, u.id FROM users u JOIN user_roles r ON r.user_id = u.id \
                 WHERE u.active AND r.role = 'agency_representative' \
                 AND u.organisation_id IN (SELECT pm.organisation_id FROM panel_members pm JOIN meetings m ON m.panel_id = pm.panel_id WHERE m.id = $1) \
                 ORDER BY u.organisation_id, u.id",
            )
            .bind(meeting.0)
            .fetch_all(db)
            .await?;
            (panel, cases, exclusions, invitations, members, representatives)
        });
        let Some((_, panel_name)) = panel else {
            return Err(StoreError::NotFound("meeting").into());
        };
        let on_agenda: Vec<CaseOnAgenda<(Uuid, Uuid, Option<String>)>> = cases
            .iter()
            .map(|(item, family, referral, label)| CaseOnAgenda {
                item: (*item, *family, label.clone()),
                family: FamilyId(*family),
                referral: referral.map(ReferralId),
                excluded: exclusions
                    .iter()
                    .filter(|(f, _)| f == family)
                    .map(|(_, o)| OrganisationId(*o))
                    .collect(),
                invited: invitations
                    .iter()
                    .filter(|(f, _)| f == family)
                    .map(|(_, o)| OrganisationId(*o))
                    .collect(),
            })
            .collect();
        let standing: Vec<(OrganisationId, Membership)> = members
            .iter()
            .filter_map(|(org, m, ..)| Membership::from_code(m).map(|m| (OrganisationId(*org), m)))
            .collect();
        let copies = domain::meeting::circulation_copies(&on_agenda, &standing);
        // How each organisation receives its copy: by secure e-mail when its seat names a
        // mailbox and no account, otherwise in earlyhelp with a link-only e-mail to its people.
        let mut mailbox: BTreeMap<OrganisationId, String> = BTreeMap::new();
        let mut named: BTreeMap<OrganisationId, Vec<Uuid>> = BTreeMap::new();
        let mut names: BTreeMap<OrganisationId, String> = BTreeMap::new();
        for (org, _, user, email, name) in &members {
            let org = OrganisationId(*org);
            names.insert(org, name.clone());
            match (user, email) {
                (Some(u), _) => named.entry(org).or_default().push(*u),
                (None, Some(e)) => {
                    mailbox.insert(org, e.clone());
                }
                (None, None) => {}
            }
        }
        let by_email = |org: &OrganisationId| !named.contains_key(org) && mailbox.contains_key(org);
        let mut reps: BTreeMap<OrganisationId, Vec<Uuid>> = BTreeMap::new();
        for (org, user) in &representatives {
            reps.entry(OrganisationId(*org)).or_default().push(*user);
        }
        // What goes in, in the order one organisation after another would have written it.
        let mut copy_items: Vec<(OrganisationId, Uuid, Option<&str>)> = Vec::new();
        let mut sharing: Vec<(FamilyId, NewSharingEntry)> = Vec::new();
        let mut jobs: Vec<crate::outbox::Job> = Vec::new();
        for (org, items) in &copies {
            let by_email = by_email(org);
            let org_name = names.get(org).cloned().unwrap_or_default();
            for (item, family, label) in items {
                copy_items.push((*org, *item, label.as_deref()));
                // A case to be discussed anonymously goes out as its name at the meeting
                // alone: that is a decision not to share, and is logged as one.
                let (decision, data_categories) = match label {
                    None => (
                        SharingDecision::Shared,
                        "Panel list of families: names, dates of birth and address".to_owned(),
                    ),
                    Some(l) => (
                        SharingDecision::NotShared,
                        format!("Names, dates of birth and address withheld: the case is to be discussed anonymously as {l}"),
                    ),
                };
                sharing.push((
                    FamilyId(*family),
                    NewSharingEntry {
                        decision,
                        data_categories,
                        recipient_organisation: Some(*org),
                        recipient_user: None,
                        recipient_description: format!("{org_name}, member of {panel_name}"),
                        purpose: "Agency checks before the panel meeting".to_owned(),
                        lawful_basis: "Consent".to_owned(),
                        method: if by_email { "secure e-mail" } else { "earlyhelp agenda" }.to_owned(),
                        decided_on: today,
                    },
                ));
            }
            if by_email {
                jobs.push(crate::outbox::Job::SendAgendaCopy {
                    meeting,
                    organisation: *org,
                });
            } else {
                let people = named.get(org).or_else(|| reps.get(org)).map(Vec::as_slice).unwrap_or_default();
                jobs.extend(
                    people
                        .iter()
                        .map(|u| crate::outbox::Job::NotifyAgendaCopy { meeting, user: UserId(*u) }),
                );
            }
        }
        let now = self.now();
        let n = copies.len();
        write!(self, tx, kind => {
            let updated = sqlx::query(
                "UPDATE meetings SET status = 'circulated', circulated_at = $1, circulated_by = $2, version = version + 1 \
                 WHERE id = $3 AND status = 'planned'",
            )
            .bind(now)
            .bind(by.map(|u| u.0))
            .bind(meeting.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if updated == 0 {
                return Err(MeetingRefused::AlreadyCirculated.into());
            }
            // Each table written a few hundred rows to a statement: a 40-case list to 30
            // agencies is over a thousand copy items and as many sharing-log entries.
            let mut q = sqlx::QueryBuilder::new("INSERT INTO agenda_copies (meeting_id, organisation_id, sent_at, method, sent_to) ");
            q.push_values(&copies, |mut b, (org, _)| {
                let by_email = by_email(org);
                b.push_bind(meeting.0)
                    .push_bind(org.0)
                    .push_bind(now)
                    .push_bind(if by_email { "secure_email" } else { "in_app" })
                    .push_bind(if by_email { mailbox.get(org).cloned() } else { None });
            });
            if !copies.is_empty() {
                q.build().execute(&mut *tx).await?;
            }
            for chunk in copy_items.chunks(500) {
                let mut q = sqlx::QueryBuilder::new("INSERT INTO agenda_copy_items (meeting_id, organisation_id, agenda_item_id, anonymous_label) ");
                q.push_values(chunk, |mut b, (org, item, label)| {
                    b.push_bind(meeting.0).push_bind(org.0).push_bind(*item).push_bind(*label);
                });
                q.build().execute(&mut *tx).await?;
            }
            let rows: Vec<(Uuid, Option<FamilyId>, Option<UserId>, &NewSharingEntry)> =
                sharing.iter().map(|(family, entry)| (Uuid::now_v7(), Some(*family), by, entry)).collect();
            insert_sharing_rows!(tx, now, &rows);
            enqueue_jobs!(tx, self, &jobs, now);
            audit_append!(tx, self, AuditEntry::new(by, "meeting.circulate", "meeting", Some(meeting.to_string()))
                .from_address(address.map(str::to_owned)));
        });
        tracing::info!(meeting = %meeting, copies = n, "list of families circulated");
        Ok(n)
    }

    /// The asker's organisation's copy of a meeting's list, with what it recorded so far; the
    /// read is audited. A family whose consent has since excluded the organisation, or whose
    /// case has left the agenda, is no longer shown.
    pub async fn agenda_copy(&self, permit: &Permit<ViewAgendaCopy>, address: &str) -> Result<AgendaCopy, StoreError> {
        let who = permit.principal();
        let meeting = permit.meeting();
        let (organisation_name, sent_at, cases) = self.copy_of(meeting, who.organisation).await?;
        self.audit_read(
            AuditEntry::new(Some(who.user), "agenda_copy.view", "meeting", Some(meeting.to_string()))
                .from_address(Some(address.to_owned())),
        )
        .await?;
        Ok(AgendaCopy {
            organisation_name,
            sent_at,
            cases,
        })
    }

    async fn copy_of(
        &self,
        meeting: MeetingId,
        org: OrganisationId,
    ) -> Result<(String, Option<OffsetDateTime>, Vec<CopyCase>), StoreError> {
        let filter = "FROM agenda_copy_items ci JOIN agenda_items ai ON ai.id = ci.agenda_item_id \
             WHERE ci.meeting_id = $1 AND ci.organisation_id = $2 AND ai.removed_at IS NULL \
             AND NOT EXISTS (SELECT 1 FROM family_exclusions x WHERE x.family_id = ai.family_id AND x.organisation_id = $2)";
        let (name, sent, rows, people): CopyLoad = read!(self, db => {
            let name = sqlx::query_as("SELECT name FROM organisations WHERE id = $1").bind(org.0).fetch_optional(db).await?;
            let sent = sqlx::query_as("SELECT sent_at FROM agenda_copies WHERE meeting_id = $1 AND organisation_id = $2")
                .bind(meeting.0)
                .bind(org.0)
                .fetch_optional(db)
                .await?;
            let rows = sqlx::query_as(
                "SELECT ai.id, ai.section, ai.position, ai.minutes, ai.family_id, f.address_line, f.postcode, ac.outcome, ac.note, \
                 ci.anonymous_label FROM agenda_copy_items ci JOIN agenda_items ai ON ai.id = ci.agenda_item_id JOIN families f ON f.id = ai.family_id \
                 LEFT JOIN agency_checks ac ON ac.agenda_item_id = ai.id AND ac.organisation_id = ci.organisation_id \
                 WHERE ci.meeting_id = $1 AND ci.organisation_id = $2 AND ai.removed_at IS NULL \
                 AND NOT EXISTS (SELECT 1 FROM family_exclusions x WHERE x.family_id = ai.family_id AND x.organisation_id = $2) \
                 ORDER BY ai.position, ai.id",
            )
            .bind(meeting.0)
            .bind(org.0)
            .fetch_all(db)
            .await?;
            let people = sqlx::query_as(&format!(
                "SELECT p.family_id, p.given_name, p.family_name, p.date_of_birth, p.household_role FROM people p \
                 WHERE p.merged_into IS NULL AND p.family_id IN (SELECT ai.family_id {filter}) \
                 ORDER BY p.family_id, CASE p.household_role WHEN 'child' THEN 0 ELSE 1 END, p.date_of_birth, p.id"
            ))
            .bind(meeting.0)
            .bind(org.0)
            .fetch_all(db)
            .await?;
            (name, sent, rows, people)
        });
        let mut cases = rows
            .into_iter()
            .map(
                |(id, section, position, minutes, family, address_line, postcode, outcome, note, anonymous)| {
                    // An anonymous case's copy never carries who the family is.
                    let (address, people) = match anonymous {
                        Some(_) => (String::new(), Vec::new()),
                        None => (format!("{address_line}, {postcode}"), people_of(&people, family)?),
                    };
                    Ok(CopyCase {
                        id: AgendaItemId(id),
                        section: section_of(&section)?,
                        minutes: minutes_of(minutes)?,
                        position,
                        anonymous,
                        address,
                        people,
                        check: outcome.as_deref().and_then(AgencyCheckOutcome::from_code).map(|o| (o, note)),
                    })
                },
            )
            .collect::<Result<Vec<_>, StoreError>>()?;
        cases.sort_by_key(|c| (c.section, c.position));
        Ok((name.map(|(n,)| n).unwrap_or_default(), sent.map(|(s,)| s), cases))
    }

    /// Records what the asker's organisation found for one case on its copy (replacing what it
    /// recorded before). A case not on the organisation's copy is refused as not found.
    pub async fn record_agency_check(
        &self,
        permit: &Permit<RecordAgencyCheck>,
        item: AgendaItemId,
        outcome: AgencyCheckOutcome,
        note: Option<&str>,
        address: &str,
    ) -> Result<(), MeetingWriteError> {
        let who = permit.principal();
        let meeting = permit.meeting();
        let (_, _, cases) = self.copy_of(meeting, who.organisation).await?;
        if !cases.iter().any(|c| c.id == item) {
            return Err(StoreError::NotFound("agenda item").into());
        }
        let (status, date) = self.meeting_state(meeting).await?;
        if status == MeetingStatus::Cancelled {
            return Err(MeetingRefused::Cancelled.into());
        }
        if date < self.clock.today() {
            return Err(MeetingRefused::AlreadyHeld.into());
        }
        let now = self.now();
        write!(self, tx, kind => {
            sqlx::query("DELETE FROM agency_checks WHERE agenda_item_id = $1 AND organisation_id = $2")
                .bind(item.0)
                .bind(who.organisation.0)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO agency_checks (agenda_item_id, organisation_id, outcome, note, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(item.0)
            .bind(who.organisation.0)
            .bind(outcome.code())
            .bind(note)
            .bind(who.user.0)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            audit_append!(tx, self, AuditEntry::new(Some(who.user), "agenda.agency_check", "agenda_item", Some(item.to_string()))
                .from_address(Some(address.to_owned())));
        });
        Ok(())
    }

    /// A member organisation's copy for the secure e-mail, as it stands when the worker sends
    /// it (a family that excluded the organisation meanwhile is left out); `None` when the copy
    /// is no longer to be e-mailed (the mailbox was removed, the meeting cancelled).
    pub async fn copy_for_delivery(&self, meeting: MeetingId, org: OrganisationId) -> Result<Option<CopyDelivery>, StoreError> {
        type Head = (String, Option<String>, String, Date, Time, String, String);
        let head: Option<Head> = read!(self, db => sqlx::query_as(
            "SELECT c.method, c.sent_to, p.name, m.meeting_date, m.starts_at, m.venue, m.status FROM agenda_copies c \
             JOIN meetings m ON m.id = c.meeting_id JOIN panels p ON p.id = m.panel_id \
             WHERE c.meeting_id = $1 AND c.organisation_id = $2",
        )
        .bind(meeting.0)
        .bind(org.0)
        .fetch_optional(db)
        .await?);
        let Some((method, sent_to, panel_name, date, starts_at, venue, status)) = head else {
            return Ok(None);
        };
        if method != "secure_email" || status == MeetingStatus::Cancelled.code() {
            return Ok(None);
        }
        let Some(to) = sent_to.and_then(|s| domain::email::EmailAddress::parse(&s).ok()) else {
            return Ok(None);
        };
        let (organisation_name, _, cases) = self.copy_of(meeting, org).await?;
        Ok(Some(CopyDelivery {
            to,
            organisation_name,
            panel_name,
            meeting,
            date,
            starts_at,
            venue,
            cases,
        }))
    }

    /// What a link-only notice of a circulated list needs; `None` when the account is no longer
    /// active or its organisation no longer a current signatory.
    pub async fn copy_notice_for_delivery(&self, meeting: MeetingId, user: UserId) -> Result<Option<CopyNotice>, StoreError> {
        let row: Option<(String, String, String, Date)> = read!(self, db => sqlx::query_as(
            "SELECT u.email, u.given_name, p.name, m.meeting_date FROM users u JOIN organisations o ON o.id = u.organisation_id, \
             meetings m JOIN panels p ON p.id = m.panel_id \
             WHERE u.id = $1 AND m.id = $2 AND u.active AND m.status = 'circulated' AND o.isa_state = 'signed' \
             AND (o.isa_review_due IS NULL OR o.isa_review_due >= $3)",
        )
        .bind(user.0)
        .bind(meeting.0)
        .bind(self.clock.today())
        .fetch_optional(db)
        .await?);
        Ok(row.and_then(|(email, given_name, panel_name, date)| {
            domain::email::EmailAddress::parse(&email).ok().map(|email| CopyNotice {
                email,
                given_name,
                panel_name,
                meeting,
                date,
            })
        }))
    }

    /// The timetable of the cases and items a reader sees, in agenda order: computed over what
    /// the reader is shown, so a hidden family leaves no gap in the times.
    pub fn timetable_of(starts_at: Time, lines: &[(AgendaSection, i64, SlotMinutes)]) -> Vec<(Time, Time)> {
        let lines: Vec<AgendaLine> = lines
            .iter()
            .map(|(section, position, minutes)| AgendaLine {
                section: *section,
                position: *position,
                minutes: *minutes,
            })
            .collect();
        domain::meeting::timetable(starts_at, &lines)
    }

    pub(crate) async fn meeting_state(&self, meeting: MeetingId) -> Result<(MeetingStatus, Date), StoreError> {
        let row: Option<(String, Date)> = read!(self, db => sqlx::query_as("SELECT status, meeting_date FROM meetings WHERE id = $1")
            .bind(meeting.0).fetch_optional(db).await?);
        let (status, date) = row.ok_or(StoreError::NotFound("meeting"))?;
        Ok((status_of(&status)?, date))
    }

    pub(crate) async fn rules_of(&self, meeting: MeetingId) -> Result<DeadlineRules, StoreError> {
        let row: Option<(i64, i64, i64, i64)> = read!(self, db => sqlx::query_as(&format!(
            "SELECT {RULE_COLUMNS} FROM meetings m JOIN panels p ON p.id = m.panel_id WHERE m.id = $1"
        ))
        .bind(meeting.0)
        .fetch_optional(db)
        .await?);
        let (a, b, c, d) = row.ok_or(StoreError::NotFound("meeting"))?;
        Ok(rules_from(a, b, c, d))
    }

    /// The referrals whose cases are on a meeting.
    async fn referrals_on(&self, meeting: MeetingId) -> Result<Vec<ReferralId>, StoreError> {
        let rows: Vec<(Uuid,)> = read!(self, db => sqlx::query_as(
            "SELECT referral_id FROM agenda_items WHERE meeting_id = $1 AND referral_id IS NOT NULL AND removed_at IS NULL",
        )
        .bind(meeting.0)
        .fetch_all(db)
        .await?);
        Ok(rows.into_iter().map(|(r,)| ReferralId(r)).collect())
    }

    /// The panel's first meeting after this one that can still take cases.
    pub(crate) async fn next_meeting_taking_cases(&self, meeting: MeetingId) -> Result<Option<(MeetingId, Date)>, StoreError> {
        let today = self.clock.today();
        let rows: Vec<(Uuid, Date, String)> = read!(self, db => sqlx::query_as(LATER_MEETINGS_SQL)
        .bind(meeting.0)
        .bind(today)
        .fetch_all(db)
        .await?);
        let (date,): (Date,) = read!(self, db => sqlx::query_as("SELECT meeting_date FROM meetings WHERE id = $1")
            .bind(meeting.0).fetch_one(db).await?);
        let others: Vec<(Uuid, Date, MeetingStatus)> = rows
            .into_iter()
            .filter_map(|(id, d, s)| MeetingStatus::from_code(&s).map(|s| (id, d, s)))
            .collect();
        Ok(domain::meeting::next_meeting_for_moved_cases(date, &others)
            .and_then(|id| others.iter().find(|o| o.0 == id).map(|o| (MeetingId(o.0), o.1))))
    }

    /// The meetings of a panel that can still take a case accepted today: planned, and the day
    /// their list goes out not yet past. `(meeting, date, circulation day)`, soonest first.
    pub async fn meetings_taking_cases(&self, panel: PanelId, limit: i64) -> Result<Vec<(MeetingId, Date, Date)>, StoreError> {
        let rows: Vec<(Uuid, Date, Date)> = read!(self, db => sqlx::query_as(
            "SELECT id, meeting_date, circulate_by FROM meetings WHERE panel_id = $1 AND status = 'planned' AND circulate_by >= $2 \
             ORDER BY meeting_date LIMIT $3",
        )
        .bind(panel.0)
        .bind(self.clock.today())
        .bind(limit)
        .fetch_all(db)
        .await?);
        Ok(rows.into_iter().map(|(m, d, c)| (MeetingId(m), d, c)).collect())
    }
}

impl Store {
    /// Puts referrals accepted for a meeting date (as a county load writes them) on the agenda of
    /// the meeting generated for that date, in the order they were made. Referrals already on a
    /// meeting, and dates with no meeting, are left alone.
    pub async fn attach_accepted_referrals(&self) -> Result<usize, StoreError> {
        type Row = (Uuid, Uuid, String, Uuid, Uuid);
        let rows: Vec<Row> = read!(self, db => sqlx::query_as(
            "SELECT r.id, r.family_id, r.route, m.id, r.referred_by FROM referrals r \
             JOIN meetings m ON m.panel_id = r.panel_id AND m.meeting_date = r.meeting_date AND m.status <> 'cancelled' \
             WHERE r.status = 'accepted_for_panel' AND r.meeting_id IS NULL ORDER BY m.id, r.created_at, r.id",
        )
        .fetch_all(db)
        .await?);
        if rows.is_empty() {
            return Ok(0);
        }
        let now = self.now();
        let n = rows.len();
        write!(self, tx, kind => {
            for (referral, family, route, meeting, by) in &rows {
                let route: domain::referral::Route = crate::error::parse_code(route, "referral route")?;
                let section = AgendaSection::for_route(route);
                sqlx::query("UPDATE referrals SET meeting_id = $1 WHERE id = $2").bind(meeting).bind(referral).execute(&mut *tx).await?;
                sqlx::query(
                    "INSERT INTO agenda_items (id, meeting_id, section, position, family_id, referral_id, minutes, late, added_by, added_at) \
                     VALUES ($1, $2, $3, (SELECT COALESCE(MAX(position), 0) + 1 FROM agenda_items WHERE meeting_id = $2 AND section = $3), \
                     $4, $5, $6, FALSE, $7, $8)",
                )
                .bind(Uuid::now_v7())
                .bind(meeting)
                .bind(section.code())
                .bind(family)
                .bind(referral)
                .bind(i64::from(section.default_minutes()))
                .bind(by)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            audit_append!(tx, self, AuditEntry::new(None, "agenda.attach_accepted", "county", None)
                .personal(format!("cases={n}")));
        });
        Ok(n)
    }
}

/// The people of one family from rows ordered by family.
fn people_of(rows: &[PersonRow], family: Uuid) -> Result<Vec<PersonOnList>, StoreError> {
    rows.iter()
        .filter(|r| r.0 == family)
        .map(|(_, given, surname, dob, role)| {
            Ok(PersonOnList {
                given_name: given.clone(),
                family_name: surname.clone(),
                date_of_birth: *dob,
                household_role: crate::error::parse_code(role, "household role")?,
            })
        })
        .collect()
}

/// The end of the horizon meetings are generated to: a year ahead.
pub fn planning_horizon(today: Date) -> Date {
    today + Duration::days(366)
}
