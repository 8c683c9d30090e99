//! Panel meetings: the list of one's meetings, a meeting's page (its deadlines, the open part of
//! its agenda, and for business support and the chairs the whole agenda with the controls to
//! prepare it and send the list of families), and a member organisation's copy of the list with
//! the form to record what checking its own systems found.
//!
//! What each person sees is asked of the policy: the meeting (`ViewMeeting`), the whole agenda
//! (`PrepareAgenda`, then `ViewFamily` for each family on it), the organisation's copy
//! (`ViewAgendaCopy`, made without the families that excluded the organisation).

use super::{Chrome, long_date, render, short_time};
use crate::AppState;
use crate::error::AppError;
use crate::forms::{CsrfForm, FormErrors};
use crate::session::SignedIn;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::MeetingId;
use domain::meeting::{AgencyCheckOutcome, AgendaSection, DeadlineStanding, ItemTitle, MeetingStatus, SlotMinutes};
use serde::Deserialize;
use store::meetings::{AgendaCase, AgendaChange, AgendaCopy, AgendaItemId, MeetingListRow, MeetingRecord, MeetingWriteError};
use time::{Date, Duration, Time};

#[derive(Template)]
#[template(path = "meetings.html")]
struct MeetingsPage {
    chrome: Chrome,
    upcoming: Vec<MeetingListRow>,
    past: Vec<MeetingListRow>,
    today: Date,
    /// Whether the reader may open the families-discussed report.
    reports: bool,
    /// Whether the reader may open the claims list.
    claims: bool,
    /// Whether the reader may open the dashboards.
    dashboards: bool,
}

impl MeetingsPage {
    fn date(&self, d: &Date) -> String {
        format!("{} {}", d.weekday(), long_date(*d))
    }
    fn time(&self, t: &Time) -> String {
        short_time(*t)
    }
}

/// The meetings of the panels one has a place on: the next twelve weeks, and the last four.
pub async fn list(State(state): State<AppState>, who: SignedIn) -> Result<Response, AppError> {
    let today = state.store.clock().today();
    let rows = state
        .store
        .meetings_for(&who.principal, today - Duration::weeks(4), today + Duration::weeks(12))
        .await?;
    let (past, upcoming): (Vec<_>, Vec<_>) = rows
        .into_iter()
        .filter(|r| {
            state
                .authority
                .decide_meeting(&who.principal, policy::ViewMeeting, &r.facts)
                .is_ok()
        })
        .partition(|r| r.date < today);
    render(&MeetingsPage {
        chrome: Chrome::signed_in(&state, &who, "Meetings", "meetings"),
        upcoming,
        past: past.into_iter().rev().collect(),
        today,
        reports: state.authority.decide(&who.principal, policy::ViewFamiliesDiscussedReport).is_ok(),
        claims: state.authority.decide(&who.principal, policy::ViewClaimsList).is_ok(),
        dashboards: state.authority.decide(&who.principal, policy::ViewDashboards).is_ok(),
    })
}

/// The signed-in person's meetings as an iCalendar file, from four weeks ago to a year ahead:
/// the rows of the meetings list, each confirmed with `ViewMeeting`, with the panel, time and
/// venue only — nothing about any family. (A feed calendar apps poll, with a secret token in
/// its address, would need its own revocable credential; not built yet.)
pub async fn feed(State(state): State<AppState>, who: SignedIn, headers: axum::http::HeaderMap) -> Result<Response, AppError> {
    let today = state.store.clock().today();
    let rows = state
        .store
        .meetings_for(&who.principal, today - Duration::weeks(4), today + Duration::days(366))
        .await?;
    // The host the person reached us on names the UIDs: stable for one service address, and
    // only the characters a host name has, so a forged header cannot break the file.
    let host: String = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("earlyhelp")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
        .take(253)
        .collect();
    let scheme = if state.config.secure_cookies { "https" } else { "http" };
    let events: Vec<crate::ical::Event> = rows
        .into_iter()
        .filter(|r| {
            state
                .authority
                .decide_meeting(&who.principal, policy::ViewMeeting, &r.facts)
                .is_ok()
        })
        .map(|r| crate::ical::Event {
            uid: format!("{}@{host}", r.facts.id),
            date: r.date,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            summary: r.panel_name,
            location: r.venue,
            url: format!("{scheme}://{host}/meetings/{}", r.facts.id),
            cancelled: r.status == MeetingStatus::Cancelled,
        })
        .collect();
    let body = crate::ical::calendar(
        &format!("Early help meetings — {}", state.config.council_name),
        state.store.now(),
        &events,
    );
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (axum::http::header::CONTENT_DISPOSITION, "attachment; filename=\"meetings.ics\""),
        ],
        body,
    )
        .into_response())
}

/// A line of the agenda as the page shows it.
struct Line {
    section: AgendaSection,
    position: i64,
    starts: Time,
    ends: Time,
    minutes: SlotMinutes,
    late: bool,
    item: AgendaItemId,
    /// A community issue's or other business's title.
    title: Option<String>,
    /// A case, when the reader may see its family.
    case: Option<AgendaCase>,
}

#[derive(Template)]
#[template(path = "meeting.html")]
struct MeetingPage {
    chrome: Chrome,
    meeting: MeetingRecord,
    errors: FormErrors,
    form: MeetingForm,
    prepares: bool,
    has_copy: bool,
    lines: Vec<Line>,
    today: Date,
    open_sections: [AgendaSection; 2],
    /// When the reader signed the declaration, if they have.
    signed_at: Option<time::OffsetDateTime>,
    /// Whether the reader may sign it (and has not).
    may_sign: bool,
    /// Whether the reader may open the closed part.
    closed_part: bool,
    /// Whether the reader records the decisions (and so chairs the live view).
    decides: bool,
    attendance: Vec<store::meeting_records::AttendanceRow>,
    records_attendance: bool,
    attendance_choices: [domain::decision::Attendance; 4],
    declaration: &'static str,
    /// Whether the reader may read the action notes.
    reads_notes: bool,
    /// Who chairs this meeting, and the panel's chairs.
    chair: store::panels::MeetingChair,
    /// Whether the reader may change who chairs it (the panel's business support).
    changes_chair: bool,
    /// Where the two notes deadlines stand today.
    notes_to_business_support: DeadlineStanding,
    notes_to_members: DeadlineStanding,
}

impl MeetingPage {
    fn date(&self, d: &Date) -> String {
        format!("{} {}", d.weekday(), long_date(*d))
    }
    fn time(&self, t: &Time) -> String {
        short_time(*t)
    }
    fn when(&self, at: &time::OffsetDateTime) -> String {
        domain::clock::london_moment(*at)
    }
    fn age(&self, dob: &Date) -> String {
        domain::family::age_on(*dob, self.today).map_or_else(String::new, |a| a.to_string())
    }
    fn tag(&self, s: &DeadlineStanding) -> &'static str {
        match s {
            DeadlineStanding::Met => "govuk-tag--green",
            DeadlineStanding::Late => "govuk-tag--red",
            DeadlineStanding::Due => "govuk-tag--blue",
        }
    }
    fn editable(&self) -> bool {
        self.meeting.status != MeetingStatus::Cancelled && self.meeting.date >= self.today
    }
    fn reorderable(&self) -> bool {
        self.editable() && self.meeting.status == MeetingStatus::Planned
    }
    fn section_lines(&self, section: &AgendaSection) -> Vec<&Line> {
        self.lines.iter().filter(|l| l.section == *section).collect()
    }
    fn sections(&self) -> [AgendaSection; 6] {
        AgendaSection::ALL
    }
    fn circulation_moment(&self) -> String {
        format!(
            "{} at {}",
            self.date(&self.meeting.deadlines.circulate_by.date),
            short_time(domain::meeting::CIRCULATION_TIME)
        )
    }
}

/// What the meeting page's forms send.
#[derive(Deserialize, Default, Clone)]
pub struct MeetingForm {
    #[serde(default)]
    section: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    change: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    chair: String,
    #[serde(default)]
    version: i64,
}

pub(crate) async fn meeting_page(
    state: &AppState,
    who: &SignedIn,
    id: MeetingId,
    errors: FormErrors,
    form: MeetingForm,
) -> Result<Response, AppError> {
    let (view, facts) = state.require_meeting(&who.principal, policy::ViewMeeting, id, &who.address).await?;
    let meeting = state.store.meeting(&view).await?.ok_or(AppError::NotFound)?;
    let prepare = state.authority.decide_meeting(&who.principal, policy::PrepareAgenda, &facts).ok();
    let has_copy = state
        .authority
        .decide_meeting(&who.principal, policy::ViewAgendaCopy, &facts)
        .is_ok();
    let cases = match &prepare {
        Some(permit) => state
            .store
            .agenda_cases(permit, &who.address)
            .await?
            .into_iter()
            // Each family is the policy's to show: one whose consent excludes the reader's
            // organisation stays hidden, and leaves no gap in the times below.
            .filter(|c| state.authority.decide_family(&who.principal, policy::ViewFamily, &c.facts).is_ok())
            .collect(),
        None => Vec::new(),
    };
    let mut lines: Vec<Line> = meeting
        .open_items
        .iter()
        .map(|i| Line {
            section: i.section,
            position: i.position,
            starts: meeting.starts_at,
            ends: meeting.starts_at,
            minutes: i.minutes,
            late: i.late,
            item: i.id,
            title: Some(i.title.clone()),
            case: None,
        })
        .chain(cases.into_iter().map(|c| Line {
            section: c.section,
            position: c.position,
            starts: meeting.starts_at,
            ends: meeting.starts_at,
            minutes: c.minutes,
            late: c.late,
            item: c.id,
            title: None,
            case: Some(c),
        }))
        .collect();
    let slots = store::Store::timetable_of(
        meeting.starts_at,
        &lines.iter().map(|l| (l.section, l.position, l.minutes)).collect::<Vec<_>>(),
    );
    for (line, (starts, ends)) in lines.iter_mut().zip(slots) {
        line.starts = starts;
        line.ends = ends;
    }
    lines.sort_by_key(|l| (l.section, l.starts));
    let form = MeetingForm {
        version: meeting.version,
        ..form
    };
    let signed_at = state.store.declaration_signed(&view).await?;
    let may_sign = signed_at.is_none()
        && state
            .authority
            .decide_meeting(&who.principal, policy::SignDeclaration, &facts)
            .is_ok();
    let closed_part = state
        .authority
        .decide_meeting(&who.principal, policy::ViewClosedSession, &facts)
        .is_ok();
    let records_attendance = state
        .authority
        .decide_meeting(&who.principal, policy::RecordAttendance, &facts)
        .is_ok();
    let decides = state
        .authority
        .decide_meeting(&who.principal, policy::RecordDecision, &facts)
        .is_ok();
    let attendance = state.store.attendance(&view).await?;
    let reads_notes = state
        .authority
        .decide_meeting(&who.principal, policy::ViewActionNotes, &facts)
        .is_ok();
    let chair = state.store.meeting_chair(&view).await?;
    let changes_chair = state
        .authority
        .decide_meeting(&who.principal, policy::ChangeMeetingChair, &facts)
        .is_ok();
    let today = state.store.clock().today();
    // The notes are generated from the record, so they reach business support when the last
    // decision is recorded; they reach members when business support marks them sent.
    let notes_to_business_support = DeadlineStanding::of(
        meeting.deadlines.notes_to_business_support_by.date,
        meeting.notes_ready_at.map(domain::clock::london_date),
        today,
    );
    let notes_to_members = DeadlineStanding::of(
        meeting.deadlines.notes_to_members_by.date,
        meeting.notes_sent.as_ref().map(|(at, _)| domain::clock::london_date(*at)),
        today,
    );
    render(&MeetingPage {
        chair,
        changes_chair,
        reads_notes,
        notes_to_business_support,
        notes_to_members,
        signed_at,
        may_sign,
        closed_part,
        decides,
        attendance,
        records_attendance,
        attendance_choices: domain::decision::Attendance::ALL,
        declaration: store::meeting_records::DECLARATION,
        chrome: Chrome::signed_in(
            state,
            who,
            format!("{} — {}", meeting.panel_name, long_date(meeting.date)),
            "meetings",
        )
        .with_errors(&errors),
        today: state.store.clock().today(),
        meeting,
        errors,
        form,
        prepares: prepare.is_some(),
        has_copy,
        lines,
        open_sections: [AgendaSection::CommunityIssues, AgendaSection::AnyOtherBusiness],
    })
}

/// One meeting's page.
pub async fn show(State(state): State<AppState>, who: SignedIn, Path(id): Path<String>) -> Result<Response, AppError> {
    meeting_page(
        &state,
        &who,
        MeetingId::from_path(&id),
        FormErrors::default(),
        MeetingForm::default(),
    )
    .await
}

/// Puts a refusal the person can act on beside its field; anything else is an error page.
pub(crate) fn errors_from(errors: &mut FormErrors, e: MeetingWriteError, field: &'static str) -> Result<(), AppError> {
    match e {
        MeetingWriteError::Refused(r) => errors.add(field, r.to_string()),
        MeetingWriteError::Input { field: f, message } => errors.add(if f == "item" || f == "section" { field } else { f }, message),
        MeetingWriteError::Stale => return Err(AppError::Stale("meeting")),
        MeetingWriteError::Store(store::StoreError::NotFound(_)) => return Err(AppError::NotFound),
        MeetingWriteError::Store(e) => return Err(e.into()),
    }
    Ok(())
}

pub(crate) fn back(id: MeetingId, anchor: &str) -> Response {
    Redirect::to(&format!("/meetings/{id}{anchor}")).into_response()
}

/// The meeting a business-support form names, and the asker's permit to prepare it.
async fn preparing(state: &AppState, who: &SignedIn, id: &str) -> Result<(MeetingId, policy::Permit<policy::PrepareAgenda>), AppError> {
    let id = MeetingId::from_path(id);
    let (permit, _) = state
        .require_meeting(&who.principal, policy::PrepareAgenda, id, &who.address)
        .await?;
    Ok((id, permit))
}

/// Where a business-support form ends: back on the meeting page (at `at.1`, an anchor) when the
/// change was made (`done` is `Some(Ok)`), otherwise the page again with what went wrong beside
/// the field `at.0` and everything entered kept. `done` is `None` when the form itself was
/// refused.
async fn settle<T>(
    state: &AppState,
    who: &SignedIn,
    id: MeetingId,
    done: Option<Result<T, MeetingWriteError>>,
    at: (&'static str, &str),
    mut errors: FormErrors,
    form: MeetingForm,
) -> Result<Response, AppError> {
    match done {
        Some(Ok(_)) => return Ok(back(id, at.1)),
        Some(Err(e)) => errors_from(&mut errors, e, at.0)?,
        None => {}
    }
    meeting_page(state, who, id, errors, form).await
}

/// Adds a community issue or other business to the agenda.
pub async fn add_item(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<MeetingForm>,
) -> Result<Response, AppError> {
    let (id, permit) = preparing(&state, &who, &id).await?;
    let f = form.value;
    let mut errors = FormErrors::default();
    let section = errors.check(
        "item-section",
        AgendaSection::from_code(&f.section)
            .filter(|s| !s.is_closed())
            .ok_or("Select community issues or any other business"),
    );
    let title = errors.check("item-title", ItemTitle::parse(&f.title));
    let minutes = errors.check("item-minutes", SlotMinutes::parse(&f.minutes));
    let done = match (section, title, minutes) {
        (Some(section), Some(title), Some(minutes)) => Some(
            state
                .store
                .add_agenda_item(&permit, section, &title, minutes, f.version, &who.address)
                .await,
        ),
        _ => None,
    };
    settle(&state, &who, id, done, ("item-title", "#agenda"), errors, f).await
}

/// Moves, retimes, removes, defers or makes anonymous one agenda item.
pub async fn change_item(
    State(state): State<AppState>,
    who: SignedIn,
    Path((id, item)): Path<(String, String)>,
    form: CsrfForm<MeetingForm>,
) -> Result<Response, AppError> {
    let (id, permit) = preparing(&state, &who, &id).await?;
    let item = AgendaItemId::from_path(&item);
    let f = form.value;
    let mut errors = FormErrors::default();
    let change = match f.change.as_str() {
        "up" => Some(AgendaChange::Up),
        "down" => Some(AgendaChange::Down),
        "remove" => Some(AgendaChange::Remove),
        "defer" => Some(AgendaChange::ToNextMeeting),
        "anonymous" => Some(AgendaChange::Anonymous(true)),
        "named" => Some(AgendaChange::Anonymous(false)),
        "minutes" => errors.check("agenda", SlotMinutes::parse(&f.minutes)).map(AgendaChange::Minutes),
        _ => return Err(AppError::BadRequest("That is not a change this page makes".into())),
    };
    let done = match change {
        Some(change) => Some(
            state
                .store
                .change_agenda_item(&permit, item, &change, f.version, &who.address)
                .await,
        ),
        None => None,
    };
    settle(&state, &who, id, done, ("agenda", "#agenda"), errors, f).await
}

/// Changes who chairs this meeting: one of the panel's chairs, chosen by its business support.
pub async fn change_chair(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<MeetingForm>,
) -> Result<Response, AppError> {
    let id = MeetingId::from_path(&id);
    let (permit, _) = state
        .require_meeting(&who.principal, policy::ChangeMeetingChair, id, &who.address)
        .await?;
    let f = form.value;
    let mut errors = FormErrors::default();
    match f.chair.parse::<domain::UserId>() {
        Err(_) => errors.add("chair", "Choose who chairs this meeting"),
        Ok(chair) => match state.store.change_meeting_chair(&permit, chair, f.version, &who.address).await {
            Ok(()) => return Ok(back(id, "#chair")),
            Err(e) => crate::error::chair_change_errors(&mut errors, e)?,
        },
    }
    meeting_page(&state, &who, id, errors, f).await
}

/// Sends the list of families to members now.
pub async fn circulate(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<MeetingForm>,
) -> Result<Response, AppError> {
    let (id, permit) = preparing(&state, &who, &id).await?;
    let done = state.store.circulate_agenda(&permit, &who.address).await;
    settle(&state, &who, id, Some(done), ("circulate", ""), FormErrors::default(), form.value).await
}

/// Moves the meeting to another day.
pub async fn move_meeting(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<MeetingForm>,
) -> Result<Response, AppError> {
    let (id, permit) = preparing(&state, &who, &id).await?;
    let f = form.value;
    let mut errors = FormErrors::default();
    let done = match errors.check(
        "move-date",
        super::organisations::parse_date(&f.date, "the new date of the meeting"),
    ) {
        Some(date) => Some(state.store.move_meeting(&permit, date, f.version, &who.address).await),
        None => None,
    };
    settle(&state, &who, id, done, ("move-date", ""), errors, f).await
}

/// Cancels the meeting; its cases move to the next one.
pub async fn cancel(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<MeetingForm>,
) -> Result<Response, AppError> {
    let (id, permit) = preparing(&state, &who, &id).await?;
    let f = form.value;
    let done = state.store.cancel_meeting(&permit, &f.reason, f.version, &who.address).await;
    settle(&state, &who, id, Some(done), ("cancel-reason", ""), FormErrors::default(), f).await
}

/// Signs the meeting's confidentiality declaration, then opens the closed part.
pub async fn sign_declaration(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    _form: CsrfForm<MeetingForm>,
) -> Result<Response, AppError> {
    let id = MeetingId::from_path(&id);
    let (permit, _) = state
        .require_meeting(&who.principal, policy::SignDeclaration, id, &who.address)
        .await?;
    state.store.sign_declaration(&permit, &who.address).await?;
    Ok(Redirect::to(&format!("/meetings/{id}/closed")).into_response())
}

/// Records attendance: one `status-<organisation>` and `attendee-<organisation>` per seat.
pub async fn record_attendance(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<MeetingForm>,
) -> Result<Response, AppError> {
    let id = MeetingId::from_path(&id);
    let (permit, _) = state
        .require_meeting(&who.principal, policy::RecordAttendance, id, &who.address)
        .await?;
    let mut errors = FormErrors::default();
    let mut rows = Vec::new();
    for (name, value) in &form.pairs {
        let Some(org) = name.strip_prefix("status-") else { continue };
        if value.is_empty() {
            continue;
        }
        let Ok(org) = org.parse::<domain::OrganisationId>() else {
            return Err(AppError::BadRequest("The attendance form could not be read".into()));
        };
        let Some(status) = domain::decision::Attendance::from_code(value) else {
            return Err(AppError::BadRequest("The attendance form could not be read".into()));
        };
        let typed = form
            .pairs
            .iter()
            .find(|(k, _)| k == &format!("attendee-{org}"))
            .map(|(_, v)| v.as_str());
        let Some(attendee) = errors.check("attendance", domain::decision::attendee(status, typed)) else {
            continue;
        };
        rows.push((org, status, attendee));
    }
    if errors.is_empty() {
        match state.store.record_attendance(&permit, &rows, &who.address).await {
            Ok(()) => return Ok(back(id, "#attendance")),
            Err(e) => errors_from(&mut errors, e, "attendance")?,
        }
    }
    meeting_page(&state, &who, id, errors, form.value).await
}

#[derive(Template)]
#[template(path = "meeting_copy.html")]
struct CopyPage {
    chrome: Chrome,
    meeting: MeetingRecord,
    copy: AgendaCopy,
    may_record: bool,
    errors: FormErrors,
    failed: Option<(AgendaItemId, CheckForm)>,
    outcomes: [AgencyCheckOutcome; 3],
    today: Date,
}

impl CopyPage {
    fn date(&self, d: &Date) -> String {
        format!("{} {}", d.weekday(), long_date(*d))
    }
    fn when(&self, at: &time::OffsetDateTime) -> String {
        domain::clock::london_moment(*at)
    }
    fn dob(&self, d: &Date) -> String {
        long_date(*d)
    }
    fn chosen(&self, item: &AgendaItemId, current: Option<&(AgencyCheckOutcome, Option<String>)>, outcome: &AgencyCheckOutcome) -> bool {
        match &self.failed {
            Some((i, f)) if i == item => f.outcome == outcome.code(),
            _ => current.is_some_and(|(o, _)| o == outcome),
        }
    }
    fn note(&self, item: &AgendaItemId, current: Option<&(AgencyCheckOutcome, Option<String>)>) -> String {
        match &self.failed {
            Some((i, f)) if i == item => f.note.clone(),
            _ => current.and_then(|(_, n)| n.clone()).unwrap_or_default(),
        }
    }
    fn error_for(&self, item: &AgendaItemId) -> Option<&str> {
        match &self.failed {
            Some((i, _)) if i == item => self.errors.0.first().map(|(_, m)| m.as_str()),
            _ => None,
        }
    }
    fn open(&self) -> bool {
        self.meeting.status != MeetingStatus::Cancelled && self.meeting.date >= self.today
    }
}

/// What the agency-check form sends.
#[derive(Deserialize, Default, Clone)]
pub struct CheckForm {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    note: String,
}

async fn copy_page(
    state: &AppState,
    who: &SignedIn,
    id: MeetingId,
    errors: FormErrors,
    failed: Option<(AgendaItemId, CheckForm)>,
) -> Result<Response, AppError> {
    let (permit, facts) = state
        .require_meeting(&who.principal, policy::ViewAgendaCopy, id, &who.address)
        .await?;
    let view = state.authority.decide_meeting(&who.principal, policy::ViewMeeting, &facts)?;
    let meeting = state.store.meeting(&view).await?.ok_or(AppError::NotFound)?;
    let copy = state.store.agenda_copy(&permit, &who.address).await?;
    let may_record = state
        .authority
        .decide_meeting(&who.principal, policy::RecordAgencyCheck, &facts)
        .is_ok();
    render(&CopyPage {
        chrome: Chrome::signed_in(state, who, format!("List of families — {}", meeting.panel_name), "meetings").with_errors(&errors),
        today: state.store.clock().today(),
        meeting,
        copy,
        may_record,
        errors,
        failed,
        outcomes: AgencyCheckOutcome::ALL,
    })
}

/// One's organisation's copy of a meeting's list of families.
pub async fn copy(State(state): State<AppState>, who: SignedIn, Path(id): Path<String>) -> Result<Response, AppError> {
    copy_page(&state, &who, MeetingId::from_path(&id), FormErrors::default(), None).await
}

/// Records what checking the organisation's systems found for one family on its copy.
pub async fn record_check(
    State(state): State<AppState>,
    who: SignedIn,
    Path((id, item)): Path<(String, String)>,
    form: CsrfForm<CheckForm>,
) -> Result<Response, AppError> {
    let id = MeetingId::from_path(&id);
    let item = AgendaItemId::from_path(&item);
    let (permit, _) = state
        .require_meeting(&who.principal, policy::RecordAgencyCheck, id, &who.address)
        .await?;
    let f = form.value;
    let mut errors = FormErrors::default();
    let outcome = errors.check(
        "check",
        AgencyCheckOutcome::from_code(&f.outcome).ok_or("Select what checking your systems found"),
    );
    let note = errors.check("check", domain::meeting::agency_check_note(&f.note));
    if let (Some(outcome), Some(note)) = (outcome, note) {
        match state
            .store
            .record_agency_check(&permit, item, outcome, note.as_deref(), &who.address)
            .await
        {
            Ok(()) => return Ok(Redirect::to(&format!("/meetings/{id}/copy#case-{item}")).into_response()),
            Err(e) => errors_from(&mut errors, e, "check")?,
        }
    }
    copy_page(&state, &who, id, errors, Some((item, f))).await
}
