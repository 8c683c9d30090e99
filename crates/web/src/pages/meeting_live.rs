//! The meeting in the room. The chair's live view takes the closed part one case at a time:
//! the case open for discussion with its slot timer, what agencies brought, the decision and
//! the actions, and the way to the next case. Everyone else who signed the declaration can
//! follow the meeting: their page shows the case under discussion and asks every five seconds
//! whether it changed, which costs the server one small read and a "not modified" when it has
//! not. Without JavaScript both pages work as plain pages with a refresh link.
//!
//! The same policy decides as for the closed part: `ViewClosedSession` to follow (and each
//! family still through `ViewFamily`), `RecordDecision` to chair.

use super::meeting_closed::{Back, CaseSheet, DecisionForm, case_name, case_sheet};
use super::meetings::{back, errors_from};
use super::{Chrome, render};
use crate::AppState;
use crate::error::AppError;
use crate::forms::{CsrfForm, FormErrors};
use crate::session::SignedIn;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::MeetingId;
use domain::meeting::SlotClock;
use serde::Deserialize;
use store::meetings::{AgendaCase, AgendaItemId};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Which case the chair is looking at (`?item=`); without it, the case open for discussion,
/// else the first not yet decided.
#[derive(Deserialize, Default)]
pub struct Which {
    #[serde(default)]
    item: String,
}

/// One entry of the live view's list of cases.
struct NavCase {
    id: AgendaItemId,
    name: String,
    decided: bool,
    open: bool,
}

/// The slot timer of the open case.
struct Timer {
    /// When the slot ends, for the script that counts down (RFC 3339).
    ends: String,
    /// What the timer reads when the page is made.
    reads: String,
    /// Whether the slot has run over.
    over: bool,
}

#[derive(Template)]
#[template(path = "meeting_live.html")]
struct LivePage {
    chrome: Chrome,
    sheet: CaseSheet,
    nav: Vec<NavCase>,
    /// The case shown, and its place in the list.
    case: Option<AgendaCase>,
    position: usize,
    /// The case after it, for "next case".
    next: Option<AgendaItemId>,
    /// Whether the case shown is the one open for discussion, and its timer.
    is_open: bool,
    timer: Option<Timer>,
    /// Why cases cannot be opened today, if they cannot.
    not_today: Option<String>,
}

/// The chair's live view of one meeting.
pub async fn show(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    Query(which): Query<Which>,
) -> Result<Response, AppError> {
    let item = (!which.item.is_empty()).then(|| AgendaItemId::from_path(&which.item));
    live_page(&state, &who, MeetingId::from_path(&id), item, FormErrors::default(), None).await
}

/// Renders the live view, showing `item` (or the case the meeting is on) with `errors` from a
/// form that failed and what was entered in it.
pub async fn live_page(
    state: &AppState,
    who: &SignedIn,
    id: MeetingId,
    item: Option<AgendaItemId>,
    errors: FormErrors,
    failed: Option<(AgendaItemId, DecisionForm)>,
) -> Result<Response, AppError> {
    // Only the chair runs the live view; others who may see the closed part follow it (asked
    // before the closed part is read, so the audit trail holds no read that was not shown).
    let (_, facts) = state
        .require_meeting(&who.principal, policy::ViewClosedSession, id, &who.address)
        .await?;
    if state
        .authority
        .decide_meeting(&who.principal, policy::RecordDecision, &facts)
        .is_err()
    {
        return Ok(Redirect::to(&format!("/meetings/{id}/follow")).into_response());
    }
    let (sheet, cases, view, _) = case_sheet(state, who, id, errors, failed, Back::Live).await?;
    let live = state.store.live_state(&view).await?;
    let open = live.open;
    let nav: Vec<NavCase> = cases
        .iter()
        .map(|c| NavCase {
            id: c.id,
            name: case_name(c),
            decided: sheet.decision_for(&c.id).is_some(),
            open: open.is_some_and(|(i, _)| i == c.id),
        })
        .collect();
    let position = item
        .and_then(|i| nav.iter().position(|n| n.id == i))
        .or_else(|| nav.iter().position(|n| n.open))
        .or_else(|| nav.iter().position(|n| !n.decided))
        .unwrap_or(0);
    let case = cases.into_iter().nth(position);
    let next = nav.get(position + 1).map(|n| n.id);
    let now = state.store.now();
    let is_open = case.as_ref().is_some_and(|c| open.is_some_and(|(i, _)| i == c.id));
    let timer = match (&case, open) {
        (Some(c), Some((i, started))) if i == c.id => Some(timer(started, c, now)?),
        _ => None,
    };
    let not_today = domain::meeting::check_live(sheet.meeting.status, sheet.meeting.date, sheet.today)
        .err()
        .map(|e| e.to_string());
    render(&LivePage {
        chrome: Chrome::signed_in(state, who, format!("Live — {}", sheet.meeting.panel_name), "meetings").with_errors(&sheet.errors),
        sheet,
        nav,
        case,
        position,
        next,
        is_open,
        timer,
        not_today,
    })
}

fn timer(started: OffsetDateTime, case: &AgendaCase, now: OffsetDateTime) -> Result<Timer, AppError> {
    let ends = started + time::Duration::minutes(i64::from(case.minutes.get()));
    let clock = SlotClock::at(started, case.minutes, now);
    Ok(Timer {
        ends: ends.format(&Rfc3339).map_err(|e| AppError::Internal(e.to_string()))?,
        reads: clock.describe(),
        over: matches!(clock, SlotClock::Over(_)),
    })
}

/// What the open-case form sends: the case to open, or nothing to close the one open.
#[derive(Deserialize, Default)]
pub struct OpenForm {
    #[serde(default)]
    item: String,
}

/// The chair opens a case for discussion (its timer starts) or closes the one open.
pub async fn open_case(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<OpenForm>,
) -> Result<Response, AppError> {
    let id = MeetingId::from_path(&id);
    let (permit, _) = state
        .require_meeting(&who.principal, policy::RecordDecision, id, &who.address)
        .await?;
    let item = (!form.value.item.is_empty()).then(|| AgendaItemId::from_path(&form.value.item));
    match state.store.open_case(&permit, item, &who.address).await {
        Ok(()) => Ok(match item {
            Some(i) => back(id, &format!("/live?item={i}#case")),
            None => back(id, "/live"),
        }),
        Err(e) => {
            let mut errors = FormErrors::default();
            errors_from(&mut errors, e, "open")?;
            live_page(&state, &who, id, item, errors, None).await
        }
    }
}

/// What an attendee following the meeting sees of the case under discussion: the fragment
/// the follow page holds and the poll replaces.
#[derive(Template)]
#[template(path = "meeting_now.html")]
struct NowFragment {
    /// None: no case open; Some(None): one open that is not on the reader's list.
    case: Option<Option<AgendaCase>>,
    timer: Option<Timer>,
}

impl NowFragment {
    fn name(&self, case: &AgendaCase) -> String {
        case_name(case)
    }
}

#[derive(Template)]
#[template(path = "meeting_follow.html")]
struct FollowPage {
    chrome: Chrome,
    meeting: store::meetings::MeetingRecord,
    etag: String,
    now: String,
}

impl FollowPage {
    fn date(&self) -> String {
        format!("{} {}", self.meeting.date.weekday(), super::long_date(self.meeting.date))
    }
}

/// The strong validator of what a follower sees: the meeting's live counter.
fn etag(seq: i64) -> String {
    format!("\"live-{seq}\"")
}

async fn now_fragment(
    state: &AppState,
    who: &SignedIn,
    view: &policy::Permit<policy::ViewClosedSession>,
) -> Result<(i64, String), AppError> {
    let (live, case) = state
        .store
        .live_case(
            view,
            |f| state.authority.decide_family(&who.principal, policy::ViewFamily, f).is_ok(),
            &who.address,
        )
        .await?;
    let timer = match (&case, live.open) {
        (Some(Some(c)), Some((_, started))) => Some(timer(started, c, state.store.now())?),
        _ => None,
    };
    let html = NowFragment { case, timer }
        .render()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((live.seq, html))
}

/// An attendee's view of the meeting in progress.
pub async fn follow(State(state): State<AppState>, who: SignedIn, Path(id): Path<String>) -> Result<Response, AppError> {
    let id = MeetingId::from_path(&id);
    let (view, facts) = state
        .require_meeting(&who.principal, policy::ViewClosedSession, id, &who.address)
        .await?;
    let record = state.authority.decide_meeting(&who.principal, policy::ViewMeeting, &facts)?;
    let meeting = state.store.meeting(&record).await?.ok_or(AppError::NotFound)?;
    let (seq, now) = now_fragment(&state, &who, &view).await?;
    render(&FollowPage {
        chrome: Chrome::signed_in(&state, &who, format!("Following — {}", meeting.panel_name), "meetings"),
        meeting,
        etag: etag(seq),
        now,
    })
}

/// The case under discussion, as the fragment the follow page polls for every five seconds:
/// "304 Not Modified" while the meeting's live counter has not moved.
pub async fn now(State(state): State<AppState>, who: SignedIn, Path(id): Path<String>, headers: HeaderMap) -> Result<Response, AppError> {
    let id = MeetingId::from_path(&id);
    let (view, _) = state
        .require_meeting(&who.principal, policy::ViewClosedSession, id, &who.address)
        .await?;
    let seq = state.store.live_state(&view).await?.seq;
    let tag = etag(seq);
    let cache = [
        (header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache")),
        (
            header::ETAG,
            HeaderValue::from_str(&tag).map_err(|e| AppError::Internal(e.to_string()))?,
        ),
    ];
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag))
    {
        return Ok((StatusCode::NOT_MODIFIED, cache).into_response());
    }
    let (seq, html) = now_fragment(&state, &who, &view).await?;
    // The counter may have moved between the two reads; name what was rendered.
    let cache = [
        cache[0].clone(),
        (
            header::ETAG,
            HeaderValue::from_str(&etag(seq)).map_err(|e| AppError::Internal(e.to_string()))?,
        ),
    ];
    Ok((
        cache,
        [(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"))],
        html,
    )
        .into_response())
}
