//! Panels as configured: when they meet, who chairs, who sits on them.

use super::{Chrome, render, short_time};
use crate::AppState;
use crate::error::AppError;
use crate::session::SignedIn;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use store::panels::PanelSummary;

#[derive(Template)]
#[template(path = "panels.html")]
struct PanelsPage {
    chrome: Chrome,
    panels: Vec<(PanelSummary, String)>,
}

/// Every panel with its cadence, chairs and members.
pub async fn list(State(state): State<AppState>, who: SignedIn) -> Result<Response, AppError> {
    let permit = state.require(&who.principal, policy::ViewPanels, &who.address).await?;
    let panels = state
        .store
        .list_panels(&permit)
        .await?
        .into_iter()
        .map(|p| {
            let when = format!("{}, {} to {}", p.cadence.describe(), short_time(p.starts_at), short_time(p.ends_at));
            (p, when)
        })
        .collect();
    render(&PanelsPage {
        chrome: Chrome::signed_in(&state, &who, "Panels", "panels"),
        panels,
    })
}
