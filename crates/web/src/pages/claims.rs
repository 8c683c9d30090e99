//! The claims list: families whose closed plans show significant progress that lasted, under
//! the programme's rule, with the evidence each claim rests on; downloadable as XLSX and CSV
//! for the council's Supporting Families return.
//!
//! Opening it is the policy's (`ViewClaimsList`); each family on it is confirmed with
//! `ViewFamily`, as for every list. A download leaves the system, so each family in it is
//! written to the sharing log.

use super::{Chrome, long_date, render};
use crate::AppState;
use crate::error::AppError;
use crate::session::SignedIn;
use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use domain::plan_closure::ClaimsRule;
use store::notes::Read;
use store::plans::ClaimRow;
use time::Date;

#[derive(Template)]
#[template(path = "claims.html")]
struct ClaimsPage {
    chrome: Chrome,
    rows: Vec<ClaimRow>,
    rule: ClaimsRule,
    sustain_months: u8,
}

impl ClaimsPage {
    fn date(&self, d: &Date) -> String {
        long_date(*d)
    }
}

/// The list, with the rule it applies in words.
pub async fn show(State(state): State<AppState>, who: SignedIn) -> Result<Response, AppError> {
    let permit = state.require(&who.principal, policy::ViewClaimsList, &who.address).await?;
    let settings = state.store.programme_settings().await?;
    let shown = |facts: &policy::FamilyFacts| state.authority.decide_family(&who.principal, policy::ViewFamily, facts).is_ok();
    let rows = state.store.claims(&permit, shown, &Read::Page, &who.address).await?;
    render(&ClaimsPage {
        chrome: Chrome::signed_in(&state, &who, "Claims list", "meetings"),
        rows,
        rule: settings.claims,
        sustain_months: settings.sustain_months,
    })
}

/// What a download is, for its headers and its sharing-log entry.
enum Format {
    Xlsx,
    Csv,
}

async fn download(state: &AppState, who: &SignedIn, format: Format) -> Result<Response, AppError> {
    let permit = state.require(&who.principal, policy::ViewClaimsList, &who.address).await?;
    let what = match format {
        Format::Xlsx => "Claims list (XLSX): plan dates, closure, outcome areas and the evidence that progress lasted",
        Format::Csv => "Claims list (CSV): plan dates, closure, outcome areas and the evidence that progress lasted",
    };
    let sharing = store::families::NewSharingEntry {
        purpose: "Supporting Families programme: the evidence of significant and sustained progress for the council's claim".into(),
        ..super::meeting_notes::download_sharing(state, who, what)
    };
    let shown = |facts: &policy::FamilyFacts| state.authority.decide_family(&who.principal, policy::ViewFamily, facts).is_ok();
    let rows = state.store.claims(&permit, shown, &Read::Export(sharing), &who.address).await?;
    let name = format!("claims-{}", state.store.clock().today());
    let (content_type, extension, body) = match format {
        Format::Xlsx => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
            crate::documents::claims_xlsx(&rows).map_err(AppError::internal)?,
        ),
        Format::Csv => (
            "text/csv; charset=utf-8",
            "csv",
            crate::documents::claims_csv(&rows).map_err(AppError::internal)?,
        ),
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.{extension}\"")),
        ],
        body,
    )
        .into_response())
}

/// The list as an XLSX workbook.
pub async fn xlsx(State(state): State<AppState>, who: SignedIn) -> Result<Response, AppError> {
    download(&state, &who, Format::Xlsx).await
}

/// The list as a CSV file.
pub async fn csv(State(state): State<AppState>, who: SignedIn) -> Result<Response, AppError> {
    download(&state, &who, Format::Csv).await
}
