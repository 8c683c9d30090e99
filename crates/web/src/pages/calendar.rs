//! The working-day calendar: the England and Wales bank holidays of this year and next and the
//! council's local closure days, which every deadline is counted without. Anyone signed in may
//! read it (chairs use it to explain a deadline); administrators with a second factor add and
//! remove closure days (`ManageCalendar`), and each change re-counts the day the list of
//! families goes to members for every planned meeting it affects.

use super::{Chrome, long_date, render};
use crate::AppState;
use crate::error::AppError;
use crate::forms::{CsrfForm, FormErrors};
use crate::session::SignedIn;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::working_days::{BankHoliday, Calendar, ClosureReason};
use serde::Deserialize;
use store::calendar::{CalendarWriteError, ClosureDay};
use time::Date;

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    chrome: Chrome,
    closures: Vec<ClosureDay>,
    years: Vec<(i32, Vec<BankHoliday>)>,
    may_manage: bool,
    errors: FormErrors,
    form: ClosureForm,
    today: Date,
    notice: Option<String>,
}

impl CalendarPage {
    fn date(&self, d: &Date) -> String {
        format!("{} {}", d.weekday(), long_date(*d))
    }
}

/// What the add form sends.
#[derive(Deserialize, Default, Clone)]
pub struct ClosureForm {
    #[serde(default)]
    day: String,
    #[serde(default)]
    reason: String,
}

/// What a change reports back after its redirect.
#[derive(Deserialize, Default)]
pub struct ChangedQuery {
    /// "added" or "removed".
    #[serde(default)]
    changed: Option<String>,
    /// How many meetings' lists moved.
    #[serde(default)]
    retimed: Option<usize>,
}

async fn calendar_page(
    state: &AppState,
    who: &SignedIn,
    errors: FormErrors,
    form: ClosureForm,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let today = state.store.clock().today();
    let calendar = Calendar::england_and_wales();
    let years = [today.year(), today.year() + 1]
        .into_iter()
        .map(|y| (y, calendar.bank_holidays_in(y)))
        .collect();
    let closures = state
        .store
        .closure_days()
        .await?
        .into_iter()
        .filter(|c| c.day.year() >= today.year())
        .collect();
    render(&CalendarPage {
        chrome: Chrome::signed_in(state, who, "Working-day calendar", "meetings").with_errors(&errors),
        closures,
        years,
        may_manage: state.authority.decide(&who.principal, policy::ManageCalendar).is_ok(),
        errors,
        form,
        today,
        notice,
    })
}

/// The calendar, with a banner saying what the last change did.
pub async fn show(State(state): State<AppState>, who: SignedIn, Query(q): Query<ChangedQuery>) -> Result<Response, AppError> {
    let notice = q.changed.as_deref().and_then(|c| {
        let what = match c {
            "added" => "Closure day added",
            "removed" => "Closure day removed",
            _ => return None,
        };
        Some(match q.retimed.unwrap_or(0) {
            0 => format!("{what}. No planned meeting’s list changes day."),
            1 => format!("{what}. 1 planned meeting’s list now goes to members on another day."),
            n => format!("{what}. {n} planned meetings’ lists now go to members on another day."),
        })
    });
    calendar_page(&state, &who, FormErrors::default(), ClosureForm::default(), notice).await
}

/// Adds a closure day.
pub async fn add(State(state): State<AppState>, who: SignedIn, form: CsrfForm<ClosureForm>) -> Result<Response, AppError> {
    let permit = state.require(&who.principal, policy::ManageCalendar, &who.address).await?;
    let f = form.value;
    let mut errors = FormErrors::default();
    let day = errors.check("day", super::organisations::parse_date(&f.day, "the day the council is closed"));
    let reason = errors.check("reason", ClosureReason::parse(&f.reason));
    if let (Some(day), Some(reason)) = (day, reason) {
        match state.store.add_closure_day(&permit, day, &reason, &who.address).await {
            Ok(r) => return Ok(Redirect::to(&format!("/calendar?changed=added&retimed={}", r.meetings)).into_response()),
            Err(CalendarWriteError::Store(e)) => return Err(e.into()),
            Err(e) => errors.add("day", e.to_string()),
        }
    }
    calendar_page(&state, &who, errors, f, None).await
}

/// Removes a closure day that has not yet passed.
pub async fn remove(
    State(state): State<AppState>,
    who: SignedIn,
    Path(day): Path<String>,
    form: CsrfForm<ClosureForm>,
) -> Result<Response, AppError> {
    let permit = state.require(&who.principal, policy::ManageCalendar, &who.address).await?;
    let day = Date::parse(&day, time::macros::format_description!("[year]-[month]-[day]")).map_err(|_| AppError::NotFound)?;
    let mut errors = FormErrors::default();
    match state.store.remove_closure_day(&permit, day, &who.address).await {
        Ok(r) => return Ok(Redirect::to(&format!("/calendar?changed=removed&retimed={}", r.meetings)).into_response()),
        Err(CalendarWriteError::NotClosed) => return Err(AppError::NotFound),
        Err(CalendarWriteError::Store(e)) => return Err(e.into()),
        Err(e) => errors.add("closures", e.to_string()),
    }
    calendar_page(&state, &who, errors, form.value, None).await
}
