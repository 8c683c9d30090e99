//! A meeting's action notes, generated from what it recorded: as a page to check, as a PDF to
//! circulate, and the form with which business support records that it sent them.
//!
//! Who may read them is the policy's (`ViewActionNotes`: those who may see the closed part, and
//! those who run the panel); each family is still asked of it (`ViewFamily`), so a family whose
//! consent excludes the reader's organisation is in neither the page nor the PDF. Every read
//! is audited; a PDF leaves the system, so each family in it is written to the sharing log.

use super::{Chrome, long_date, render, short_time};
use crate::AppState;
use crate::error::AppError;
use crate::forms::{CsrfForm, FormErrors, NoFields};
use crate::session::SignedIn;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use domain::MeetingId;
use store::families::{NewSharingEntry, SharingDecision};
use store::notes::{ActionNotes, Read};
use time::Date;

#[derive(Template)]
#[template(path = "meeting_notes.html")]
struct NotesPage {
    chrome: Chrome,
    notes: ActionNotes,
    today: Date,
}

impl NotesPage {
    fn date(&self, d: &Date) -> String {
        format!("{} {}", d.weekday(), long_date(*d))
    }
    fn time(&self, t: &time::Time) -> String {
        short_time(*t)
    }
    fn overdue(&self, a: &store::meeting_records::ActionRecord) -> bool {
        domain::decision::is_overdue(a.status, a.due_on, self.today)
    }
}

/// The sharing-log entry for notes taken out of the system by a person (the PDF).
pub(crate) fn download_sharing(state: &AppState, who: &SignedIn, what: &str) -> NewSharingEntry {
    NewSharingEntry {
        decision: SharingDecision::Shared,
        data_categories: what.to_owned(),
        recipient_organisation: Some(who.account.organisation_id),
        recipient_user: Some(who.account.id),
        recipient_description: format!("{} ({}), downloaded", who.account.organisation_name, who.account.full_name()),
        purpose: "Panel business: the record of what the panel decided and agreed, for its members".into(),
        lawful_basis: "As the family's consent and the Information Sharing Agreement allow".into(),
        method: "download".into(),
        decided_on: state.store.clock().today(),
    }
}

/// Reads the notes for `who`, each family confirmed with the policy.
pub(crate) async fn notes_for(
    state: &AppState,
    principal: &policy::Principal,
    id: MeetingId,
    read: &Read,
    address: &str,
) -> Result<ActionNotes, AppError> {
    let (permit, _) = state.require_meeting(principal, policy::ViewActionNotes, id, address).await?;
    let shown = |facts: &policy::FamilyFacts| state.authority.decide_family(principal, policy::ViewFamily, facts).is_ok();
    Ok(state.store.action_notes(&permit, shown, read, address).await?)
}

/// The action notes of one meeting, to check before circulating.
pub async fn show(State(state): State<AppState>, who: SignedIn, Path(id): Path<String>) -> Result<Response, AppError> {
    let notes = notes_for(&state, &who.principal, MeetingId::from_path(&id), &Read::Page, &who.address).await?;
    render(&NotesPage {
        chrome: Chrome::signed_in(
            &state,
            &who,
            format!("Action notes — {} — {}", notes.meeting.panel_name, long_date(notes.meeting.date)),
            "meetings",
        ),
        today: state.store.clock().today(),
        notes,
    })
}

/// The action notes as an A4 PDF. Each family in it is written to the sharing log.
pub async fn pdf(State(state): State<AppState>, who: SignedIn, Path(id): Path<String>) -> Result<Response, AppError> {
    let read = Read::Export(download_sharing(
        &state,
        &who,
        "Action notes (PDF): decision, reasons, lead and actions",
    ));
    let notes = notes_for(&state, &who.principal, MeetingId::from_path(&id), &read, &who.address).await?;
    let body = crate::documents::notes_pdf(&notes);
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"action-notes-{}.pdf\"", notes.meeting.date),
            ),
        ],
        body,
    )
        .into_response())
}

/// Records that business support sent the notes to members, now.
pub async fn mark_sent(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let id = MeetingId::from_path(&id);
    let (permit, _) = state
        .require_meeting(&who.principal, policy::PrepareAgenda, id, &who.address)
        .await?;
    let mut errors = FormErrors::default();
    match state.store.mark_notes_sent(&permit, &who.address).await {
        Ok(_) => return Ok(super::meetings::back(id, "#notes")),
        Err(e) => super::meetings::errors_from(&mut errors, e, "notes")?,
    }
    super::meetings::meeting_page(&state, &who, id, errors, super::meetings::MeetingForm::default()).await
}
