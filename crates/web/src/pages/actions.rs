//! Actions agreed at panel meetings, after the meeting: the list of one's own actions and of
//! those agreed at the panels one runs (overdue ones first and marked), and one action's page
//! with its updates and the form to record progress.

use super::{Chrome, long_date, render};
use crate::AppState;
use crate::error::AppError;
use crate::forms::{CsrfForm, FormErrors};
use crate::session::SignedIn;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::AgreedActionId;
use domain::decision::{ActionStatus, is_overdue};
use serde::Deserialize;
use store::agreed_actions::{ActionListRow, ActionWriteError, AgreedActionRecord};
use time::Date;

#[derive(Template)]
#[template(path = "actions.html")]
struct ActionsPage {
    chrome: Chrome,
    mine: Vec<ActionListRow>,
    followed: Vec<ActionListRow>,
    today: Date,
}

impl ActionsPage {
    fn date(&self, d: &Date) -> String {
        long_date(*d)
    }
    fn overdue(&self, a: &ActionListRow) -> bool {
        is_overdue(a.status, a.due_on, self.today)
    }
}

/// One's own actions, and those of the panels one runs.
pub async fn list(State(state): State<AppState>, who: SignedIn) -> Result<Response, AppError> {
    let rows = state.store.actions_for(&who.principal).await?;
    let (mine, followed): (Vec<_>, Vec<_>) = rows
        .into_iter()
        .filter(|r| {
            state
                .authority
                .decide_agreed_action(&who.principal, policy::ViewAgreedAction, &r.facts)
                .is_ok()
        })
        .partition(|r| r.facts.owns_it);
    render(&ActionsPage {
        chrome: Chrome::signed_in(&state, &who, "Actions", "actions"),
        today: state.store.clock().today(),
        mine,
        followed,
    })
}

#[derive(Template)]
#[template(path = "action.html")]
struct ActionPage {
    chrome: Chrome,
    action: AgreedActionRecord,
    may_update: bool,
    errors: FormErrors,
    form: UpdateForm,
    today: Date,
}

impl ActionPage {
    fn date(&self, d: &Date) -> String {
        long_date(*d)
    }
    fn when(&self, at: &time::OffsetDateTime) -> String {
        domain::clock::london_moment(*at)
    }
    fn overdue(&self) -> bool {
        is_overdue(self.action.status, self.action.due_on, self.today)
    }
    fn statuses(&self) -> [ActionStatus; 3] {
        [ActionStatus::Open, ActionStatus::Done, ActionStatus::Cancelled]
    }
}

/// What the update form sends.
#[derive(Deserialize, Default, Clone)]
pub struct UpdateForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    version: i64,
}

async fn action_page(
    state: &AppState,
    who: &SignedIn,
    id: AgreedActionId,
    errors: FormErrors,
    form: UpdateForm,
) -> Result<Response, AppError> {
    let (permit, facts) = state
        .require_agreed_action(&who.principal, policy::ViewAgreedAction, id, &who.address)
        .await?;
    let action = state.store.agreed_action(&permit, &who.address).await?.ok_or(AppError::NotFound)?;
    let may_update = state
        .authority
        .decide_agreed_action(&who.principal, policy::UpdateAgreedAction, &facts)
        .is_ok();
    let form = if errors.is_empty() {
        UpdateForm {
            status: action.status.code().to_owned(),
            note: String::new(),
            version: action.version,
        }
    } else {
        form
    };
    render(&ActionPage {
        chrome: Chrome::signed_in(state, who, "Action", "actions").with_errors(&errors),
        today: state.store.clock().today(),
        action,
        may_update,
        errors,
        form,
    })
}

/// One action's page.
pub async fn show(State(state): State<AppState>, who: SignedIn, Path(id): Path<String>) -> Result<Response, AppError> {
    action_page(
        &state,
        &who,
        AgreedActionId::from_path(&id),
        FormErrors::default(),
        UpdateForm::default(),
    )
    .await
}

/// Records progress on an action.
pub async fn update(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<UpdateForm>,
) -> Result<Response, AppError> {
    let id = AgreedActionId::from_path(&id);
    let (permit, _) = state
        .require_agreed_action(&who.principal, policy::UpdateAgreedAction, id, &who.address)
        .await?;
    let f = form.value;
    let mut errors = FormErrors::default();
    if let Some(status) = errors.check("status", ActionStatus::from_code(&f.status).ok_or("Select where the action stands")) {
        match state
            .store
            .update_agreed_action(&permit, status, &f.note, f.version, &who.address)
            .await
        {
            Ok(()) => return Ok(Redirect::to(&format!("/actions/{id}")).into_response()),
            Err(ActionWriteError::Input { field, message }) => errors.add(field, message),
            Err(ActionWriteError::Stale) => return Err(AppError::Stale("action")),
            Err(ActionWriteError::Store(e)) => return Err(e.into()),
        }
    }
    action_page(&state, &who, id, errors, f).await
}
