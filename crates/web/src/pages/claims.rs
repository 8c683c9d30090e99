//! The claims list: families whose closed plans show significant progress that lasted, under
//! the programme's rule, with the evidence each claim rests on; downloadable as XLSX and CSV
//! for the council's Supporting Families return.
//!
//! Opening it is the policy's (`ViewClaimsList`); each family on it is confirmed with
//! `ViewFamily`, as for every list. A download leaves the system, so each family in it is
//! written to the sharing log. The rule it applies, and when progress is confirmed, are the
//! programme's rules, which administrators set here too (`ManageProgramme`).

use super::{Chrome, long_date, render};
use crate::AppState;
use crate::error::AppError;
use crate::forms::{CsrfForm, FormErrors};
use crate::session::SignedIn;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use domain::plan_closure::{ClaimsRule, sustain_months};
use serde::Deserialize;
use store::notes::Read;
use store::plans::{ClaimRow, ProgrammeSettings};
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

/// What the programme rules form sends.
#[derive(Deserialize, Default, Clone)]
pub struct SettingsForm {
    #[serde(default)]
    sustain_months: String,
    #[serde(default)]
    min_areas: String,
    /// "yes" when every need must show lasting progress, "no" when enough areas do.
    #[serde(default)]
    every_need: String,
    #[serde(default)]
    suppress_below: String,
}

impl SettingsForm {
    fn from_settings(s: &ProgrammeSettings) -> Self {
        Self {
            sustain_months: s.sustain_months.to_string(),
            min_areas: s.claims.min_areas.to_string(),
            every_need: if s.claims.every_need { "yes" } else { "no" }.to_owned(),
            suppress_below: s.suppression.below().to_string(),
        }
    }

    /// The rules as typed, each checked by the domain; every problem at once.
    fn parse(&self, errors: &mut FormErrors) -> Option<ProgrammeSettings> {
        let number = |raw: &str| raw.trim().parse::<i64>().unwrap_or(-1);
        let months = errors.check("sustain_months", sustain_months(number(&self.sustain_months)));
        let min_areas = errors.check("min_areas", ClaimsRule::min_areas(number(&self.min_areas)));
        let every_need = match self.every_need.as_str() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => {
                errors.add("every_need", "Select whether every need must show lasting progress");
                None
            }
        };
        let suppression = errors.check(
            "suppress_below",
            u32::try_from(number(&self.suppress_below))
                .map_err(|_| domain::dashboard::SuppressionOutOfRange)
                .and_then(domain::dashboard::Suppression::new),
        );
        Some(ProgrammeSettings {
            suppression: suppression?,
            sustain_months: months?,
            claims: ClaimsRule {
                min_areas: min_areas?,
                every_need: every_need?,
            },
        })
    }
}

/// Whether the page follows a save.
#[derive(Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

#[derive(Template)]
#[template(path = "programme.html")]
struct SettingsPage {
    chrome: Chrome,
    errors: FormErrors,
    form: SettingsForm,
    saved: bool,
}

/// The programme's rules, for an administrator to change.
pub async fn settings(State(state): State<AppState>, who: SignedIn, Query(query): Query<SavedQuery>) -> Result<Response, AppError> {
    state.require(&who.principal, policy::ManageProgramme, &who.address).await?;
    let current = state.store.programme_settings().await?;
    render(&SettingsPage {
        chrome: Chrome::signed_in(&state, &who, "Programme rules", "home"),
        errors: FormErrors::default(),
        form: SettingsForm::from_settings(&current),
        saved: query.saved.as_deref() == Some("yes"),
    })
}

/// Saves the rules; rules out of range come back with what was typed and every problem.
pub async fn save_settings(State(state): State<AppState>, who: SignedIn, form: CsrfForm<SettingsForm>) -> Result<Response, AppError> {
    let permit = state.require(&who.principal, policy::ManageProgramme, &who.address).await?;
    let f = form.value;
    let mut errors = FormErrors::default();
    match f.parse(&mut errors) {
        Some(settings) if errors.is_empty() => {
            state.store.set_programme_settings(&permit, &settings, &who.address).await?;
            Ok(Redirect::to("/programme?saved=yes").into_response())
        }
        _ => render(&SettingsPage {
            chrome: Chrome::signed_in(&state, &who, "Programme rules", "home").with_errors(&errors),
            errors,
            form: f,
            saved: false,
        }),
    }
}
