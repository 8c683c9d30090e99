//! Panel meetings: their deadlines, the agenda's standard order and time slots, and what each
//! member organisation's copy of the list of families holds.
//!
//! Every deadline is counted in working days with the one rule of seed 001 ("circulate screened
//! referrals every Monday afternoon … for the Panel meeting held on the following Tuesday
//! (5 working days)"): **at least N full working days between** the day the list goes out and
//! the day of the meeting. The Monday-for-the-Tuesday-after example leaves Tuesday to Friday and
//! Monday (five full days) between, and that is what [`DeadlineRules::circulate_by`] computes.

use crate::panel::Membership;
use crate::working_days::{Calendar, OutOfRange};
use crate::{FamilyId, OrganisationId, ReferralId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use time::{Date, Duration, Time};

/// A panel's deadline rules, configurable per panel; the defaults are the seeds'.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineRules {
    /// The list of cases goes to members leaving at least this many full working days before
    /// the meeting (seeds 000 and 001: 5). Cases must be accepted by then to be on it.
    pub list_to_members_working_days: u32,
    /// The action notes reach business support within this many working days of the meeting
    /// (seed 003: 3).
    pub notes_to_business_support_working_days: u32,
    /// The action notes reach members within this many calendar days (seed 003: one week).
    pub notes_to_members_days: u32,
    /// A step-up to children's social care is made within this many hours (seed 004: 24).
    pub step_up_hours: u32,
}

impl Default for DeadlineRules {
    fn default() -> Self {
        Self {
            list_to_members_working_days: 5,
            notes_to_business_support_working_days: 3,
            notes_to_members_days: 7,
            step_up_hours: 24,
        }
    }
}

/// The time of day on the circulation day when the list goes out unless business support sends
/// it earlier: seed 001's "Monday lunch time for circulation".
pub const CIRCULATION_TIME: Time = time::macros::time!(12:00);

/// A deadline with the words that explain it, for showing beside the date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    /// The day.
    pub date: Date,
    /// Why that day: the rule, and the days the count skipped that are not plain weekends.
    pub reason: String,
}

/// A meeting's deadlines, computed from its date, its panel's rules and the calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingDeadlines {
    /// The day the list of families goes to members (at [`CIRCULATION_TIME`]); also the last
    /// day a case can be accepted for the meeting.
    pub circulate_by: Deadline,
    /// The day the action notes must reach business support.
    pub notes_to_business_support_by: Deadline,
    /// The day the action notes must reach members.
    pub notes_to_members_by: Deadline,
}

impl DeadlineRules {
    /// The last day the list of families can go out: the latest working day that leaves
    /// [`Self::list_to_members_working_days`] full working days before `meeting`.
    pub fn circulate_by(&self, calendar: &Calendar, meeting: Date) -> Result<Date, OutOfRange> {
        let n = i32::try_from(self.list_to_members_working_days).map_err(|_| OutOfRange)?;
        calendar.add_working_days(meeting, -(n + 1))
    }

    /// Every deadline of a meeting on `meeting`, with its reason.
    pub fn deadlines(&self, calendar: &Calendar, meeting: Date) -> Result<MeetingDeadlines, OutOfRange> {
        let circulate = self.circulate_by(calendar, meeting)?;
        let n = i32::try_from(self.notes_to_business_support_working_days).map_err(|_| OutOfRange)?;
        let notes_bs = calendar.add_working_days(meeting, n)?;
        let notes_members = meeting
            .checked_add(Duration::days(i64::from(self.notes_to_members_days)))
            .ok_or(OutOfRange)?;
        Ok(MeetingDeadlines {
            circulate_by: Deadline {
                date: circulate,
                reason: format!(
                    "At least {} full working days before the meeting{}",
                    self.list_to_members_working_days,
                    skipped(calendar, circulate, meeting)
                ),
            },
            notes_to_business_support_by: Deadline {
                date: notes_bs,
                reason: format!(
                    "Within {} working days of the meeting{}",
                    self.notes_to_business_support_working_days,
                    skipped(calendar, meeting, notes_bs)
                ),
            },
            notes_to_members_by: Deadline {
                date: notes_members,
                reason: format!("Within {} days of the meeting", self.notes_to_members_days),
            },
        })
    }
}

/// ", not counting Monday 25 December (Christmas Day)…" for the holidays and closures strictly
/// between two days; nothing when only weekends were skipped.
fn skipped(calendar: &Calendar, from: Date, to: Date) -> String {
    let mut named = Vec::new();
    let mut d = from;
    while let Some(next) = d.next_day() {
        if next >= to {
            break;
        }
        d = next;
        match calendar.non_working_reason(d) {
            None | Some(crate::working_days::NonWorkingDay::Weekend) => {}
            Some(reason) => named.push(format!("{} {} ({reason})", d.weekday(), crate::clock::long_date(d))),
        }
    }
    if named.is_empty() {
        String::new()
    } else {
        format!(", not counting {}", named.join(", "))
    }
}

/// Where a meeting is in its cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeetingStatus {
    /// In the calendar; the agenda is being built.
    Planned,
    /// The list of families has gone to members.
    Circulated,
    /// Called off; its cases moved to the panel's next meeting.
    Cancelled,
}

impl MeetingStatus {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Planned => "planned",
            Self::Circulated => "circulated",
            Self::Cancelled => "cancelled",
        }
    }

    /// The status from its stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Planned, Self::Circulated, Self::Cancelled]
            .into_iter()
            .find(|s| s.code() == code)
    }

    /// How a page names it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Planned => "Agenda being prepared",
            Self::Circulated => "List sent to members",
            Self::Cancelled => "Cancelled",
        }
    }
}

/// A change to a meeting that the rules may refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MeetingRefused {
    /// The meeting was cancelled.
    #[error("This meeting was cancelled")]
    Cancelled,
    /// The new date is in the past.
    #[error("Choose a date from today onwards")]
    DateInPast,
    /// The new date is not a working day.
    #[error("{0} is not a working day ({1}); choose another date")]
    NotAWorkingDay(String, String),
    /// The meeting already happened.
    #[error("This meeting has already taken place")]
    AlreadyHeld,
    /// After circulation the agenda's order is what members prepared for.
    #[error("The list has gone to members, so the order can no longer change; add a late item instead")]
    OrderFixedAfterCirculation,
    /// The list can be sent only once.
    #[error("The list has already gone to members")]
    AlreadyCirculated,
    /// Nothing to send.
    #[error("There are no cases on the agenda to send")]
    NothingToCirculate,
    /// A case is opened in the room only on the day the meeting takes place.
    #[error("Cases can be opened for discussion on the day of the meeting, {0}")]
    NotMeetingDay(String),
}

/// Whether the chair may open a case for discussion today at a meeting on `date`: on the day
/// itself, unless it was cancelled.
pub fn check_live(status: MeetingStatus, date: Date, today: Date) -> Result<(), MeetingRefused> {
    match status {
        MeetingStatus::Cancelled => Err(MeetingRefused::Cancelled),
        _ if date != today => Err(MeetingRefused::NotMeetingDay(format!(
            "{} {}",
            date.weekday(),
            crate::clock::long_date(date)
        ))),
        _ => Ok(()),
    }
}

/// Whether a meeting on `date` may be moved to `to` today.
pub fn check_move(status: MeetingStatus, date: Date, to: Date, today: Date, calendar: &Calendar) -> Result<(), MeetingRefused> {
    match status {
        MeetingStatus::Cancelled => return Err(MeetingRefused::Cancelled),
        _ if date < today => return Err(MeetingRefused::AlreadyHeld),
        _ => {}
    }
    if to < today {
        return Err(MeetingRefused::DateInPast);
    }
    if let Some(reason) = calendar.non_working_reason(to) {
        return Err(MeetingRefused::NotAWorkingDay(
            format!("{} {}", to.weekday(), crate::clock::long_date(to)),
            reason.to_string(),
        ));
    }
    Ok(())
}

/// Why a meeting is cancelled, as business support writes it: required, and short.
pub fn cancel_reason(raw: &str) -> Result<&str, &'static str> {
    let r = raw.trim();
    if r.is_empty() {
        Err("Enter why the meeting is cancelled")
    } else if r.chars().count() > 500 {
        Err("The reason must be 500 characters or fewer")
    } else {
        Ok(r)
    }
}

/// Whether a meeting on `date` may be cancelled today.
pub fn check_cancel(status: MeetingStatus, date: Date, today: Date) -> Result<(), MeetingRefused> {
    match status {
        MeetingStatus::Cancelled => Err(MeetingRefused::Cancelled),
        _ if date < today => Err(MeetingRefused::AlreadyHeld),
        _ => Ok(()),
    }
}

/// A change business support or a chair makes to one agenda item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgendaChange {
    /// Earlier within its section.
    Up,
    /// Later within its section.
    Down,
    /// A new time slot.
    Minutes(SlotMinutes),
    /// Off the agenda (community issues and other business only).
    Remove,
    /// A case deferred to the panel's next meeting still taking cases.
    ToNextMeeting,
    /// A case to be discussed anonymously (seed 003: "cases can be discussed anonymously if
    /// appropriate"), or no longer.
    Anonymous(bool),
}

/// Why an agenda change is refused: a rule of the meeting, or one about the item itself (shown
/// beside the item).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgendaChangeRefused {
    /// The meeting's state forbids it.
    #[error(transparent)]
    Meeting(#[from] MeetingRefused),
    /// This item cannot be changed this way.
    #[error("{0}")]
    Item(&'static str),
}

/// Whether `change` may be made today to an item (a case when `is_case`) of a meeting on
/// `date` in `status`. Until the meeting has taken place business support may change its
/// agenda; once the list has gone out the order is what members prepared for and stays. A
/// case leaves only by deferral (or when its referral ends), so removal is for open items.
/// The decision to discuss a case anonymously can be made up to the meeting itself.
pub fn check_agenda_change(
    change: &AgendaChange,
    status: MeetingStatus,
    date: Date,
    today: Date,
    is_case: bool,
) -> Result<(), AgendaChangeRefused> {
    match status {
        MeetingStatus::Cancelled => return Err(MeetingRefused::Cancelled.into()),
        _ if date < today => return Err(MeetingRefused::AlreadyHeld.into()),
        _ => {}
    }
    match change {
        AgendaChange::Up | AgendaChange::Down if status == MeetingStatus::Circulated => {
            Err(MeetingRefused::OrderFixedAfterCirculation.into())
        }
        AgendaChange::Remove if is_case => Err(AgendaChangeRefused::Item(
            "A case leaves the agenda when its referral is withdrawn or closed; to discuss it later, defer it to the next meeting",
        )),
        AgendaChange::ToNextMeeting if !is_case => Err(AgendaChangeRefused::Item("Only a case can be deferred to the next meeting")),
        AgendaChange::Anonymous(_) if !is_case => Err(AgendaChangeRefused::Item(
            "Only a case can be discussed anonymously; community issues and other business name no family",
        )),
        _ => Ok(()),
    }
}

/// The name a case discussed anonymously goes by at its meeting: "Family A", "Family B" … "Family
/// Z", then "Family AA". Each case marked takes the first name not already `taken` at that
/// meeting and keeps it, so what members heard, their copies and the action notes agree even
/// when another case is marked later.
pub fn next_anonymous_label<'a>(taken: impl IntoIterator<Item = &'a str>) -> String {
    let taken: BTreeSet<&str> = taken.into_iter().collect();
    (0usize..)
        .map(|n| format!("Family {}", letters(n)))
        .find(|l| !taken.contains(l.as_str()))
        .unwrap_or_else(|| "Family".to_owned())
}

/// 0 → A, 25 → Z, 26 → AA, as spreadsheet columns are named.
fn letters(mut n: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (n % 26) as u8);
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Where the case the chair is discussing stands against its slot: the time left, or how far
/// over it has run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotClock {
    /// Whole seconds left of the slot.
    Left(i64),
    /// Whole seconds past the end of the slot.
    Over(i64),
}

impl SlotClock {
    /// The clock at `now` of a case started at `started` with a slot of `minutes`.
    pub fn at(started: time::OffsetDateTime, minutes: SlotMinutes, now: time::OffsetDateTime) -> Self {
        let end = started + Duration::minutes(i64::from(minutes.get()));
        let left = (end - now).whole_seconds();
        if left >= 0 { Self::Left(left) } else { Self::Over(-left) }
    }

    /// "7 min 5 s left", "2 min over": what the chair's timer shows before its script runs.
    pub fn describe(self) -> String {
        let (secs, tail) = match self {
            Self::Left(s) => (s, "left"),
            Self::Over(s) => (s, "over"),
        };
        let (m, s) = (secs / 60, secs % 60);
        if m == 0 {
            format!("{s} s {tail}")
        } else {
            format!("{m} min {s} s {tail}")
        }
    }
}

impl DeadlineRules {
    /// When a step-up to children's social care decided at `decided` must have been made
    /// (seed 004: within 24 hours of the panel's decision).
    pub fn step_up_due(&self, decided: time::OffsetDateTime) -> time::OffsetDateTime {
        decided + Duration::hours(i64::from(self.step_up_hours))
    }
}

/// The parts of the agenda, in seed 001 §7's standard order with the issue's community items:
/// the open part first (all members), then the closed part (cases), then any other business.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgendaSection {
    /// Community issues: open to every member of the panel; no family is named.
    CommunityIssues,
    /// Discussion and allocation of new early help referrals.
    NewReferrals,
    /// Reviews of plans where progress is not being achieved.
    PlanReviews,
    /// Targeted support for families stepping down from children's social care.
    StepDowns,
    /// Stuck cases and planned step-ups the lead practitioner brings back.
    StuckCases,
    /// Any other business (open; no family is named).
    AnyOtherBusiness,
}

impl AgendaSection {
    /// Every section, in agenda order.
    pub const ALL: [Self; 6] = [
        Self::CommunityIssues,
        Self::NewReferrals,
        Self::PlanReviews,
        Self::StepDowns,
        Self::StuckCases,
        Self::AnyOtherBusiness,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Self::CommunityIssues => "community_issues",
            Self::NewReferrals => "new_referrals",
            Self::PlanReviews => "plan_reviews",
            Self::StepDowns => "step_downs",
            Self::StuckCases => "stuck_cases",
            Self::AnyOtherBusiness => "any_other_business",
        }
    }

    /// The section from its stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Its heading on the agenda.
    pub fn label(self) -> &'static str {
        match self {
            Self::CommunityIssues => "Community issues",
            Self::NewReferrals => "Discussion and allocation of new early help referrals",
            Self::PlanReviews => "Review of support plans where progress is not being achieved",
            Self::StepDowns => "Families stepping down from children’s social care",
            Self::StuckCases => "Stuck cases and planned step-ups",
            Self::AnyOtherBusiness => "Any other business",
        }
    }

    /// Whether the section is in the closed part: case material, for those the access rules
    /// allow and who have signed the meeting's confidentiality declaration.
    pub fn is_closed(self) -> bool {
        matches!(self, Self::NewReferrals | Self::PlanReviews | Self::StepDowns | Self::StuckCases)
    }

    /// The section a referral by `route` is discussed in.
    pub fn for_route(route: crate::referral::Route) -> Self {
        use crate::referral::Route;
        match route {
            Route::MashDecision => Self::NewReferrals,
            Route::StepDown => Self::StepDowns,
            Route::StepUp | Route::Stuck => Self::StuckCases,
        }
    }

    /// Minutes a new item in this section is given until business support changes it.
    pub fn default_minutes(self) -> u32 {
        if self.is_closed() { 15 } else { 10 }
    }
}

/// The fixed opening of every meeting: welcome, introductions and the conflict-of-interest
/// statement read out by the chair.
pub const WELCOME_MINUTES: u32 = 5;

/// Minutes for one agenda item: at least one, at most two hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SlotMinutes(u32);

/// Minutes a form refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Enter the minutes for the item as a whole number from 1 to 120")]
pub struct SlotMinutesError;

impl SlotMinutes {
    /// The minutes, if from 1 to 120.
    pub fn new(minutes: u32) -> Result<Self, SlotMinutesError> {
        if (1..=120).contains(&minutes) {
            Ok(Self(minutes))
        } else {
            Err(SlotMinutesError)
        }
    }

    /// The minutes from a form field.
    pub fn parse(raw: &str) -> Result<Self, SlotMinutesError> {
        raw.trim().parse::<u32>().map_err(|_| SlotMinutesError).and_then(Self::new)
    }

    /// The number of minutes.
    pub fn get(self) -> u32 {
        self.0
    }
}

/// The title of a community issue or an item of other business: no family may be named in the
/// open part, so the form says so; the title is required and short.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemTitle(String);

/// A title a form refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ItemTitleError {
    /// Nothing written.
    #[error("Enter a title for the item")]
    Empty,
    /// Too long for an agenda line.
    #[error("The title must be 200 characters or fewer")]
    TooLong,
}

impl ItemTitle {
    /// A trimmed title of 1 to 200 characters.
    pub fn parse(raw: &str) -> Result<Self, ItemTitleError> {
        let t = raw.trim();
        if t.is_empty() {
            Err(ItemTitleError::Empty)
        } else if t.chars().count() > 200 {
            Err(ItemTitleError::TooLong)
        } else {
            Ok(Self(t.to_owned()))
        }
    }

    /// The title.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One line of an agenda as the timetable needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgendaLine {
    /// Its section.
    pub section: AgendaSection,
    /// Its place within the section (lower first).
    pub position: i64,
    /// Its minutes.
    pub minutes: SlotMinutes,
}

/// Start and end time of each line, in agenda order, after the welcome: the lines are sorted
/// by section then position, and each starts when the one before it ends. Times past midnight
/// stop at 23:59 rather than wrap.
pub fn timetable(starts_at: Time, lines: &[AgendaLine]) -> Vec<(Time, Time)> {
    let mut order: Vec<usize> = (0..lines.len()).collect();
    order.sort_by_key(|&i| (lines[i].section, lines[i].position, i));
    let latest = time::macros::time!(23:59);
    let add = |t: Time, m: u32| -> Time {
        let (h, mm) = (u32::from(t.hour()), u32::from(t.minute()));
        let total = h * 60 + mm + m;
        if total >= 24 * 60 {
            latest
        } else {
            Time::from_hms((total / 60) as u8, (total % 60) as u8, 0).unwrap_or(latest)
        }
    };
    let mut at = add(starts_at, WELCOME_MINUTES);
    let mut slots = vec![(starts_at, starts_at); lines.len()];
    for i in order {
        let end = add(at, lines[i].minutes.get());
        slots[i] = (at, end);
        at = end;
    }
    slots
}

/// One case on the agenda, as circulation needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseOnAgenda<Item> {
    /// The agenda item.
    pub item: Item,
    /// The family discussed.
    pub family: FamilyId,
    /// The referral that brought it, if any.
    pub referral: Option<ReferralId>,
    /// Organisations the family's consent excludes.
    pub excluded: BTreeSet<OrganisationId>,
    /// Extended members invited to this case.
    pub invited: BTreeSet<OrganisationId>,
}

/// What each member organisation's copy of the list of families holds: for a core member every
/// case whose family has not excluded it; for an extended member only the cases it was invited
/// to, on the same condition. An organisation that is on the panel twice counts as core. The
/// copies are keyed by organisation, and every member has one (possibly empty: "no cases for
/// you this time" is itself worth knowing).
pub fn circulation_copies<Item: Clone>(
    cases: &[CaseOnAgenda<Item>],
    members: &[(OrganisationId, Membership)],
) -> BTreeMap<OrganisationId, Vec<Item>> {
    let mut standing: BTreeMap<OrganisationId, Membership> = BTreeMap::new();
    for (org, m) in members {
        let e = standing.entry(*org).or_insert(*m);
        if *m == Membership::Core {
            *e = Membership::Core;
        }
    }
    standing
        .into_iter()
        .map(|(org, membership)| {
            let items = cases
                .iter()
                .filter(|c| !c.excluded.contains(&org))
                .filter(|c| membership == Membership::Core || c.invited.contains(&org))
                .map(|c| c.item.clone())
                .collect();
            (org, items)
        })
        .collect()
}

/// What an agency found when it checked its own systems for a family on the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgencyCheckOutcome {
    /// Not known to the agency.
    NotKnown,
    /// Known, but nothing to add.
    KnownNothingToAdd,
    /// Checked our systems: information to bring to the meeting.
    InformationToBring,
}

impl AgencyCheckOutcome {
    /// Every outcome, in the order the form offers them.
    pub const ALL: [Self; 3] = [Self::NotKnown, Self::KnownNothingToAdd, Self::InformationToBring];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Self::NotKnown => "not_known",
            Self::KnownNothingToAdd => "known_nothing_to_add",
            Self::InformationToBring => "information_to_bring",
        }
    }

    /// The outcome from its stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// How the form and the chair's view say it.
    pub fn label(self) -> &'static str {
        match self {
            Self::NotKnown => "Not known to us",
            Self::KnownNothingToAdd => "Known to us, nothing to add",
            Self::InformationToBring => "Checked our systems: information to bring",
        }
    }
}

/// A note with an agency check: a pointer for the chair, not the information itself, which is
/// brought to the meeting.
pub const AGENCY_CHECK_NOTE_MAX: usize = 500;

/// A note the form refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("The note must be {AGENCY_CHECK_NOTE_MAX} characters or fewer; bring the detail to the meeting")]
pub struct AgencyCheckNoteTooLong;

/// A trimmed agency-check note, empty meaning none.
pub fn agency_check_note(raw: &str) -> Result<Option<String>, AgencyCheckNoteTooLong> {
    let t = raw.trim();
    if t.chars().count() > AGENCY_CHECK_NOTE_MAX {
        Err(AgencyCheckNoteTooLong)
    } else if t.is_empty() {
        Ok(None)
    } else {
        Ok(Some(t.to_owned()))
    }
}

/// The next meeting a cancelled meeting's cases move to: the first of the panel's other
/// meetings after it that is neither cancelled nor circulated (its list can still take them).
pub fn next_meeting_for_moved_cases<M: Copy>(cancelled: Date, others: &[(M, Date, MeetingStatus)]) -> Option<M> {
    others
        .iter()
        .filter(|(_, d, s)| *d > cancelled && *s == MeetingStatus::Planned)
        .min_by_key(|(_, d, _)| *d)
        .map(|(m, _, _)| *m)
}

/// Where a deadline stands on the meeting's page: the business-support officer's check that
/// the notes went out in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineStanding {
    /// Done on or before the deadline.
    Met,
    /// Done after it, or not done and the deadline has passed.
    Late,
    /// Not done yet, and there is still time.
    Due,
}

impl DeadlineStanding {
    /// The standing of a deadline on `today`, given the day it was done, if it was: a deadline
    /// is met by anything done on its own day (people mean "by" a date inclusively).
    pub fn of(deadline: Date, done_on: Option<Date>, today: Date) -> Self {
        match done_on {
            Some(d) if d <= deadline => Self::Met,
            Some(_) => Self::Late,
            None if today > deadline => Self::Late,
            None => Self::Due,
        }
    }

    /// How the meeting's page says it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Met => "met",
            Self::Late => "late",
            Self::Due => "due",
        }
    }
}

/// The dates a report covers, both days included. Parsed once at the boundary: once you hold
/// one, `from` is on or before `until` and the span is at most [`ReportPeriod::MAX_DAYS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportPeriod {
    from: Date,
    until: Date,
}

/// Why a report period was refused, in words for the person who typed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReportPeriodError {
    /// The end is before the start.
    #[error("The end date must be the same as or after the start date")]
    EndsBeforeItStarts,
    /// More than the longest span a report may cover.
    #[error("The report can cover at most 3 years at a time")]
    TooLong,
}

impl ReportPeriod {
    /// The longest span, in days, one report covers: three years, so a download stays a size a
    /// spreadsheet opens and a retention review can still reason about.
    pub const MAX_DAYS: i64 = 3 * 366;

    /// A period from `from` to `until`, both included.
    pub fn new(from: Date, until: Date) -> Result<Self, ReportPeriodError> {
        if until < from {
            return Err(ReportPeriodError::EndsBeforeItStarts);
        }
        if (until - from).whole_days() > Self::MAX_DAYS {
            return Err(ReportPeriodError::TooLong);
        }
        Ok(Self { from, until })
    }

    /// The first day.
    pub fn from(self) -> Date {
        self.from
    }

    /// The last day.
    pub fn until(self) -> Date {
        self.until
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::{date, time};

    fn cal() -> Calendar {
        Calendar::england_and_wales()
    }

    #[test]
    fn the_list_for_a_tuesday_meeting_goes_out_on_the_monday_of_the_week_before() {
        // Seed 001: Monday afternoon for the Tuesday after — five full working days between.
        let rules = DeadlineRules::default();
        assert_eq!(rules.circulate_by(&cal(), date!(2026 - 11 - 24)).unwrap(), date!(2026 - 11 - 16));
        let between = cal().working_days_between(date!(2026 - 11 - 16), date!(2026 - 11 - 24)) - 1;
        assert_eq!(between, 5);
    }

    #[test]
    fn a_bank_holiday_moves_the_circulation_day_back_and_the_reason_names_it() {
        // Meeting Tuesday 2 June 2026; Monday 25 May 2026 is the Spring bank holiday.
        let d = DeadlineRules::default().deadlines(&cal(), date!(2026 - 06 - 02)).unwrap();
        assert_eq!(d.circulate_by.date, date!(2026 - 05 - 22));
        assert!(d.circulate_by.reason.contains("Spring bank holiday"), "{}", d.circulate_by.reason);
        assert!(d.circulate_by.reason.starts_with("At least 5 full working days"));
    }

    #[test]
    fn a_local_closure_day_counts_as_a_day_off() {
        let closed = cal().with_closures([date!(2026 - 11 - 20)]);
        let d = DeadlineRules::default().deadlines(&closed, date!(2026 - 11 - 24)).unwrap();
        assert_eq!(d.circulate_by.date, date!(2026 - 11 - 13));
        assert!(d.circulate_by.reason.contains("local closure day"));
    }

    #[test]
    fn action_notes_are_due_three_working_days_after_and_members_have_them_within_a_week() {
        // Meeting Tuesday 22 December 2026: 25 and 28 December are bank holidays.
        let d = DeadlineRules::default().deadlines(&cal(), date!(2026 - 12 - 22)).unwrap();
        assert_eq!(d.notes_to_business_support_by.date, date!(2026 - 12 - 29));
        assert!(d.notes_to_business_support_by.reason.contains("Christmas Day"));
        assert_eq!(d.notes_to_members_by.date, date!(2026 - 12 - 29));
    }

    #[test]
    fn a_meeting_cannot_move_to_a_bank_holiday_or_the_past_or_once_cancelled() {
        let today = date!(2026 - 12 - 01);
        assert!(matches!(
            check_move(MeetingStatus::Planned, date!(2026 - 12 - 22), date!(2026 - 12 - 28), today, &cal()),
            Err(MeetingRefused::NotAWorkingDay(_, _))
        ));
        assert_eq!(
            check_move(MeetingStatus::Planned, date!(2026 - 12 - 22), date!(2026 - 11 - 30), today, &cal()),
            Err(MeetingRefused::DateInPast)
        );
        assert_eq!(
            check_move(
                MeetingStatus::Cancelled,
                date!(2026 - 12 - 22),
                date!(2026 - 12 - 23),
                today,
                &cal()
            ),
            Err(MeetingRefused::Cancelled)
        );
        assert_eq!(
            check_cancel(MeetingStatus::Planned, date!(2026 - 11 - 24), today),
            Err(MeetingRefused::AlreadyHeld)
        );
        assert_eq!(
            check_move(
                MeetingStatus::Circulated,
                date!(2026 - 12 - 22),
                date!(2026 - 12 - 23),
                today,
                &cal()
            ),
            Ok(())
        );
    }

    #[test]
    fn the_agenda_follows_the_standard_order_open_part_first_and_any_other_business_last() {
        let lines = [
            AgendaLine {
                section: AgendaSection::AnyOtherBusiness,
                position: 0,
                minutes: SlotMinutes::new(10).unwrap(),
            },
            AgendaLine {
                section: AgendaSection::StepDowns,
                position: 0,
                minutes: SlotMinutes::new(15).unwrap(),
            },
            AgendaLine {
                section: AgendaSection::NewReferrals,
                position: 2,
                minutes: SlotMinutes::new(20).unwrap(),
            },
            AgendaLine {
                section: AgendaSection::NewReferrals,
                position: 1,
                minutes: SlotMinutes::new(15).unwrap(),
            },
            AgendaLine {
                section: AgendaSection::CommunityIssues,
                position: 0,
                minutes: SlotMinutes::new(10).unwrap(),
            },
        ];
        let slots = timetable(time!(9:30), &lines);
        assert_eq!(slots[4], (time!(9:35), time!(9:45)), "community issues straight after the welcome");
        assert_eq!(slots[3], (time!(9:45), time!(10:00)));
        assert_eq!(slots[2], (time!(10:00), time!(10:20)));
        assert_eq!(slots[1], (time!(10:20), time!(10:35)));
        assert_eq!(slots[0], (time!(10:35), time!(10:45)), "any other business last");
        assert!(!AgendaSection::CommunityIssues.is_closed() && AgendaSection::StepDowns.is_closed());
    }

    #[test]
    fn slot_minutes_and_titles_refuse_what_an_agenda_cannot_hold() {
        assert_eq!(SlotMinutes::parse("0"), Err(SlotMinutesError));
        assert_eq!(SlotMinutes::parse("121"), Err(SlotMinutesError));
        assert_eq!(SlotMinutes::parse("ten"), Err(SlotMinutesError));
        assert_eq!(SlotMinutes::parse(" 20 ").map(SlotMinutes::get), Ok(20));
        assert_eq!(ItemTitle::parse("   "), Err(ItemTitleError::Empty));
        assert_eq!(ItemTitle::parse(&"x".repeat(201)), Err(ItemTitleError::TooLong));
    }

    fn org(n: u128) -> OrganisationId {
        OrganisationId(uuid::Uuid::from_u128(n))
    }

    #[test]
    fn consent_excluding_an_agency_keeps_the_family_off_that_agencys_copy_only() {
        let police = org(1);
        let health = org(2);
        let case = |n: u128, excluded: &[OrganisationId]| CaseOnAgenda {
            item: n,
            family: FamilyId(uuid::Uuid::from_u128(100 + n)),
            referral: None,
            excluded: excluded.iter().copied().collect(),
            invited: BTreeSet::new(),
        };
        let copies = circulation_copies(
            &[case(1, &[police]), case(2, &[])],
            &[(police, Membership::Core), (health, Membership::Core)],
        );
        assert_eq!(copies[&police], vec![2]);
        assert_eq!(copies[&health], vec![1, 2]);
    }

    #[test]
    fn an_extended_member_gets_only_the_cases_it_was_invited_to() {
        let housing = org(3);
        let invited = CaseOnAgenda {
            item: 1,
            family: FamilyId(uuid::Uuid::from_u128(1)),
            referral: None,
            excluded: BTreeSet::new(),
            invited: [housing].into_iter().collect(),
        };
        let other = CaseOnAgenda {
            item: 2,
            invited: BTreeSet::new(),
            ..invited.clone()
        };
        let copies = circulation_copies(&[invited, other], &[(housing, Membership::Extended)]);
        assert_eq!(copies[&housing], vec![1]);
        let both = circulation_copies(
            &[CaseOnAgenda {
                item: 2,
                family: FamilyId(uuid::Uuid::from_u128(2)),
                referral: None,
                excluded: BTreeSet::new(),
                invited: BTreeSet::new(),
            }],
            &[(housing, Membership::Extended), (housing, Membership::Core)],
        );
        assert_eq!(both[&housing], vec![2], "on the panel as core too, it sees every case");
    }

    #[test]
    fn a_cancelled_meetings_cases_go_to_the_next_meeting_still_taking_cases() {
        let others = [
            (1, date!(2026 - 12 - 01), MeetingStatus::Planned),
            (2, date!(2026 - 12 - 15), MeetingStatus::Circulated),
            (3, date!(2026 - 12 - 29), MeetingStatus::Planned),
            (4, date!(2027 - 01 - 05), MeetingStatus::Planned),
        ];
        assert_eq!(next_meeting_for_moved_cases(date!(2026 - 12 - 08), &others), Some(3));
        assert_eq!(next_meeting_for_moved_cases(date!(2027 - 01 - 05), &others), None);
    }

    proptest! {
        #[test]
        fn the_circulation_day_is_a_working_day_with_exactly_the_rules_full_days_before_the_meeting(
            offset in 0i64..3650, n in 1u32..10
        ) {
            let meeting = date!(2020 - 01 - 01) + Duration::days(offset);
            let rules = DeadlineRules { list_to_members_working_days: n, ..DeadlineRules::default() };
            let c = cal();
            let by = rules.circulate_by(&c, meeting).unwrap();
            prop_assert!(c.is_working_day(by));
            prop_assert!(by < meeting);
            // Full working days strictly between the two.
            let mut full = 0;
            let mut d = by.next_day().unwrap();
            while d < meeting {
                if c.is_working_day(d) { full += 1; }
                d = d.next_day().unwrap();
            }
            prop_assert_eq!(full, n);
        }

        /// The store re-computes only the planned meetings whose circulation day is on or before
        /// a changed closure day and whose date is after it; this is why that is enough.
        #[test]
        fn a_closure_day_moves_a_circulation_day_only_when_it_falls_from_that_day_to_the_eve_of_the_meeting(
            offset in 0i64..3650, closure_offset in -20i64..20, n in 1u32..10
        ) {
            let meeting = date!(2020 - 01 - 01) + Duration::days(offset);
            let closure = meeting + Duration::days(closure_offset);
            let rules = DeadlineRules { list_to_members_working_days: n, ..DeadlineRules::default() };
            let before = rules.circulate_by(&cal(), meeting).unwrap();
            let closed = cal().with_closures([closure]);
            let after = rules.circulate_by(&closed, meeting).unwrap();
            if cal().is_working_day(closure) && before <= closure && closure < meeting {
                prop_assert_eq!(after, cal().add_working_days(before, -1).unwrap());
            } else {
                prop_assert_eq!(after, before);
            }
        }

        #[test]
        fn no_copy_ever_holds_a_family_that_excluded_its_organisation(
            exclusions in proptest::collection::vec(proptest::collection::btree_set(0u128..6, 0..4), 0..12),
            core in proptest::collection::btree_set(0u128..6, 0..6),
        ) {
            let cases: Vec<_> = exclusions.iter().enumerate().map(|(i, ex)| CaseOnAgenda {
                item: i,
                family: FamilyId(uuid::Uuid::from_u128(i as u128)),
                referral: None,
                excluded: ex.iter().map(|&o| org(o)).collect(),
                invited: BTreeSet::new(),
            }).collect();
            let members: Vec<_> = core.iter().map(|&o| (org(o), Membership::Core)).collect();
            let copies = circulation_copies(&cases, &members);
            for (o, items) in &copies {
                for i in items {
                    prop_assert!(!cases[*i].excluded.contains(o));
                }
                let expected = cases.iter().filter(|c| !c.excluded.contains(o)).count();
                prop_assert_eq!(items.len(), expected);
            }
        }
    }

    #[test]
    fn a_deadline_is_met_by_anything_done_on_or_before_its_day() {
        let deadline = date!(2026 - 12 - 18);
        assert_eq!(
            DeadlineStanding::of(deadline, Some(deadline), date!(2027 - 01 - 05)),
            DeadlineStanding::Met
        );
        assert_eq!(
            DeadlineStanding::of(deadline, Some(date!(2026 - 12 - 16)), date!(2026 - 12 - 16)),
            DeadlineStanding::Met
        );
    }

    #[test]
    fn a_deadline_done_after_its_day_or_passed_undone_is_late() {
        let deadline = date!(2026 - 12 - 18);
        assert_eq!(
            DeadlineStanding::of(deadline, Some(date!(2026 - 12 - 21)), date!(2026 - 12 - 21)),
            DeadlineStanding::Late
        );
        assert_eq!(DeadlineStanding::of(deadline, None, date!(2026 - 12 - 19)), DeadlineStanding::Late);
    }

    #[test]
    fn a_deadline_not_yet_done_is_due_until_its_day_ends() {
        let deadline = date!(2026 - 12 - 18);
        assert_eq!(DeadlineStanding::of(deadline, None, deadline), DeadlineStanding::Due);
        assert_eq!(DeadlineStanding::of(deadline, None, date!(2026 - 12 - 01)), DeadlineStanding::Due);
    }

    #[test]
    fn a_report_period_ends_on_or_after_it_starts_and_spans_at_most_three_years() {
        assert!(ReportPeriod::new(date!(2026 - 01 - 01), date!(2026 - 01 - 01)).is_ok());
        assert_eq!(
            ReportPeriod::new(date!(2026 - 02 - 01), date!(2026 - 01 - 31)),
            Err(ReportPeriodError::EndsBeforeItStarts)
        );
        assert_eq!(
            ReportPeriod::new(date!(2020 - 01 - 01), date!(2026 - 01 - 01)),
            Err(ReportPeriodError::TooLong)
        );
    }

    #[test]
    fn anonymous_cases_take_the_first_free_letter_and_keep_it() {
        assert_eq!(next_anonymous_label([]), "Family A");
        assert_eq!(next_anonymous_label(["Family A", "Family B"]), "Family C");
        // Family A was unmarked: the next case marked takes A, and B keeps its name.
        assert_eq!(next_anonymous_label(["Family B"]), "Family A");
        let many: Vec<String> = (0..26).map(|n| format!("Family {}", letters(n))).collect();
        assert_eq!(next_anonymous_label(many.iter().map(String::as_str)), "Family AA");
        assert_eq!(letters(27), "AB");
        assert_eq!(letters(26 * 27), "AAA");
    }

    #[test]
    fn only_a_case_can_be_discussed_anonymously_and_it_can_be_decided_in_the_room() {
        let day = date!(2026 - 12 - 08);
        let anon = AgendaChange::Anonymous(true);
        assert!(check_agenda_change(&anon, MeetingStatus::Circulated, day, day, true).is_ok());
        assert!(matches!(
            check_agenda_change(&anon, MeetingStatus::Circulated, day, day, false),
            Err(AgendaChangeRefused::Item(_))
        ));
        assert_eq!(
            check_agenda_change(&anon, MeetingStatus::Circulated, day, day.next_day().unwrap(), true),
            Err(MeetingRefused::AlreadyHeld.into())
        );
    }

    #[test]
    fn after_circulation_the_order_stays_and_cases_are_deferred_not_removed() {
        let day = date!(2026 - 12 - 08);
        let today = date!(2026 - 12 - 01);
        assert_eq!(
            check_agenda_change(&AgendaChange::Up, MeetingStatus::Circulated, day, today, true),
            Err(MeetingRefused::OrderFixedAfterCirculation.into())
        );
        assert!(check_agenda_change(&AgendaChange::Up, MeetingStatus::Planned, day, today, true).is_ok());
        assert!(matches!(
            check_agenda_change(&AgendaChange::Remove, MeetingStatus::Planned, day, today, true),
            Err(AgendaChangeRefused::Item(_))
        ));
        assert!(check_agenda_change(&AgendaChange::Remove, MeetingStatus::Circulated, day, today, false).is_ok());
        assert!(matches!(
            check_agenda_change(&AgendaChange::ToNextMeeting, MeetingStatus::Planned, day, today, false),
            Err(AgendaChangeRefused::Item(_))
        ));
        assert_eq!(
            check_agenda_change(&AgendaChange::Down, MeetingStatus::Cancelled, day, today, false),
            Err(MeetingRefused::Cancelled.into())
        );
    }

    #[test]
    fn the_slot_clock_counts_down_then_counts_the_overrun() {
        let start = time::macros::datetime!(2026-12-08 10:00 UTC);
        let ten = SlotMinutes::new(10).unwrap();
        let clock = SlotClock::at(start, ten, start + Duration::seconds(175));
        assert_eq!(clock, SlotClock::Left(425));
        assert_eq!(clock.describe(), "7 min 5 s left");
        let over = SlotClock::at(start, ten, start + Duration::minutes(12));
        assert_eq!(over.describe(), "2 min 0 s over");
    }

    #[test]
    fn a_step_up_is_due_within_the_panels_hours_of_the_decision() {
        let decided = time::macros::datetime!(2026-12-08 11:30 UTC);
        assert_eq!(
            DeadlineRules::default().step_up_due(decided),
            time::macros::datetime!(2026-12-09 11:30 UTC)
        );
        let rules = DeadlineRules {
            step_up_hours: 4,
            ..DeadlineRules::default()
        };
        assert_eq!(rules.step_up_due(decided), time::macros::datetime!(2026-12-08 15:30 UTC));
    }

    proptest! {
        #[test]
        fn anonymous_labels_are_never_reused_at_a_meeting(taken in proptest::collection::btree_set(0usize..60, 0..40)) {
            let names: Vec<String> = taken.iter().map(|n| format!("Family {}", letters(*n))).collect();
            let next = next_anonymous_label(names.iter().map(String::as_str));
            prop_assert!(!names.contains(&next));
            prop_assert!(next.starts_with("Family "));
        }
    }
}
