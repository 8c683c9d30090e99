//! A family moving house: the form, and recording the move, which re-allocates the family's
//! locality by its new postcode. The family page then confirms the move, saying whether the
//! locality (and so the panel area) changed.

use super::{Chrome, render};
use crate::AppState;
use crate::error::AppError;
use crate::forms::{CsrfForm, FormErrors};
use crate::session::SignedIn;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::FamilyId;
use domain::family::MoveRefused;
use serde::Deserialize;
use store::moves::{MoveError, NewMove};
use store::people::RecordError;

/// What the move form sends.
#[derive(Deserialize, Default, Clone)]
pub struct MoveForm {
    #[serde(default)]
    address_line: String,
    #[serde(default)]
    postcode: String,
    #[serde(default)]
    moved_on: String,
    /// The version of the family read.
    #[serde(default)]
    version: i64,
}

#[derive(Template)]
#[template(path = "family_move.html")]
struct MovePage {
    chrome: Chrome,
    family: FamilyId,
    address_line: String,
    postcode: String,
    locality: String,
    errors: FormErrors,
    form: MoveForm,
}

async fn move_page(
    state: &AppState,
    who: &SignedIn,
    id: FamilyId,
    errors: FormErrors,
    form: Option<MoveForm>,
) -> Result<Response, AppError> {
    state.require_family(&who.principal, policy::RecordMove, id, &who.address).await?;
    let view = state.require_family(&who.principal, policy::ViewFamily, id, &who.address).await?;
    let family = state.store.view_family(&view, &who.address).await?.ok_or(AppError::NotFound)?;
    let today = state.store.clock().today();
    // A fresh form carries the version just read; one sent back keeps the version it was
    // filled in against, so a change made meanwhile is still caught.
    let form = form.unwrap_or_else(|| MoveForm {
        moved_on: format!("{}/{}/{}", today.day(), u8::from(today.month()), today.year()),
        version: family.version,
        ..MoveForm::default()
    });
    render(&MovePage {
        chrome: Chrome::signed_in(state, who, "Record a move", "families").with_errors(&errors),
        family: id,
        address_line: family.address_line,
        postcode: family.postcode,
        locality: family.locality,
        errors,
        form,
    })
}

/// The form to record that the family moved.
pub async fn new_move(State(state): State<AppState>, who: SignedIn, Path(id): Path<String>) -> Result<Response, AppError> {
    move_page(&state, &who, FamilyId::from_path(&id), FormErrors::default(), None).await
}

/// Records the move and goes back to the family, whose page confirms it.
pub async fn record_move(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<MoveForm>,
) -> Result<Response, AppError> {
    let id = FamilyId::from_path(&id);
    let permit = state.require_family(&who.principal, policy::RecordMove, id, &who.address).await?;
    let f = form.value;
    let mut errors = FormErrors::default();
    let address = super::family_records::parse_address(&mut errors, &f.address_line, &f.postcode);
    let moved_on = errors.check(
        "moved_on",
        super::organisations::parse_date(&f.moved_on, "the date the family moved"),
    );
    if let (Some((address_line, postcode)), Some(moved_on), true) = (address, moved_on, errors.is_empty()) {
        let new = NewMove {
            address_line,
            postcode,
            moved_on,
        };
        match state.store.move_family(&permit, &new, f.version, &who.address).await {
            Ok(_) => return Ok(Redirect::to(&format!("/families/{id}?moved=yes")).into_response()),
            Err(MoveError::Refused(r)) => {
                let field = match r {
                    MoveRefused::InTheFuture | MoveRefused::BeforeTheLastMove(_) => "moved_on",
                    MoveRefused::SameAddress => "address_line",
                };
                errors.add(field, r.to_string());
            }
            Err(MoveError::Record(e @ RecordError::OutsideTheCouncil(_))) => errors.add("postcode", e.to_string()),
            Err(MoveError::Record(RecordError::Store(e))) => return Err(e.into()),
            Err(MoveError::Stale) => return Err(AppError::Stale("family")),
        }
    }
    move_page(&state, &who, id, errors, Some(f)).await
}
