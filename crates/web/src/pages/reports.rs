//! The families-discussed report: the spreadsheet business support kept of every family
//! discussed (seed 001 §6: date, panel, decision, lead, actions), now live, with a date range
//! and a panel to narrow it, and downloadable as XLSX and CSV.
//!
//! Opening it is the policy's (`ViewFamiliesDiscussedReport`); its rows are the store's SQL
//! filter (the panels the reader runs or sits on) confirmed family by family with `ViewFamily`,
//! the same rule as every list. A download leaves the system, so each family in it is written
//! to the sharing log.

use super::{Chrome, long_date, render};
use crate::AppState;
use crate::error::AppError;
use crate::forms::FormErrors;
use crate::session::SignedIn;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use domain::PanelId;
use domain::meeting::ReportPeriod;
use serde::Deserialize;
use store::notes::{DiscussedRow, Read, ReportQuery};
use time::{Date, Duration};

/// The report's filters, in the query string: dates and a panel id, never names.
#[derive(Deserialize, Default, Clone)]
pub struct DiscussedQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    panel: String,
}

impl DiscussedQuery {
    /// The query as typed, or the last twelve months to today when a date is left blank.
    fn parse(&self, today: Date, panels: &[(PanelId, String)], errors: &mut FormErrors) -> Option<ReportQuery> {
        let date = |errors: &mut FormErrors, field: &'static str, raw: &str, what: &str, default: Date| {
            if raw.trim().is_empty() {
                Some(default)
            } else {
                errors.check(field, super::organisations::parse_date(raw, what))
            }
        };
        let from = date(errors, "from", &self.from, "the first meeting date", today - Duration::days(365));
        let until = date(errors, "until", &self.until, "the last meeting date", today);
        let panel = if self.panel.trim().is_empty() {
            None
        } else {
            let chosen = self
                .panel
                .trim()
                .parse::<PanelId>()
                .ok()
                .filter(|p| panels.iter().any(|(id, _)| id == p));
            if chosen.is_none() {
                errors.add("panel", "Select one of your panels from the list, or all your panels");
            }
            chosen
        };
        let period = match (from, until) {
            (Some(f), Some(u)) => errors.check("until", ReportPeriod::new(f, u)),
            _ => None,
        };
        match (period, errors.is_empty()) {
            (Some(period), true) => Some(ReportQuery { period, panel }),
            _ => None,
        }
    }

    /// The same filters as a query string, for the download links.
    fn query_string(&self, q: &ReportQuery) -> String {
        let mut s = format!("from={}&until={}", q.period.from(), q.period.until());
        if let Some(p) = q.panel {
            s.push_str(&format!("&panel={p}"));
        }
        s
    }
}

#[derive(Template)]
#[template(path = "families_discussed.html")]
struct ReportPage {
    chrome: Chrome,
    query: DiscussedQuery,
    errors: FormErrors,
    panels: Vec<(PanelId, String)>,
    rows: Vec<DiscussedRow>,
    /// The filters of the rows shown, for the download links; none when the form was refused.
    downloads: Option<String>,
    period: Option<(Date, Date)>,
}

impl ReportPage {
    fn date(&self, d: &Date) -> String {
        long_date(*d)
    }
    fn selected(&self, p: &PanelId) -> bool {
        self.query.panel.trim() == p.to_string()
    }
}

/// What a download is, for its headers and its sharing-log entry.
enum Format {
    Xlsx,
    Csv,
}

/// The report page, with its filters.
pub async fn show(State(state): State<AppState>, who: SignedIn, Query(query): Query<DiscussedQuery>) -> Result<Response, AppError> {
    let permit = state
        .require(&who.principal, policy::ViewFamiliesDiscussedReport, &who.address)
        .await?;
    let panels = state.store.report_panels(&permit).await?;
    let mut errors = FormErrors::default();
    let parsed = query.parse(state.store.clock().today(), &panels, &mut errors);
    let rows = match &parsed {
        Some(q) => {
            let shown = |facts: &policy::FamilyFacts| state.authority.decide_family(&who.principal, policy::ViewFamily, facts).is_ok();
            state.store.families_discussed(&permit, q, shown, &Read::Page, &who.address).await?
        }
        None => Vec::new(),
    };
    render(&ReportPage {
        chrome: Chrome::signed_in(&state, &who, "Families discussed", "meetings").with_errors(&errors),
        downloads: parsed.as_ref().map(|q| query.query_string(q)),
        period: parsed.map(|q| (q.period.from(), q.period.until())),
        query,
        errors,
        panels,
        rows,
    })
}

async fn download(state: &AppState, who: &SignedIn, query: &DiscussedQuery, format: Format) -> Result<Response, AppError> {
    let permit = state
        .require(&who.principal, policy::ViewFamiliesDiscussedReport, &who.address)
        .await?;
    let panels = state.store.report_panels(&permit).await?;
    let mut errors = FormErrors::default();
    let Some(q) = query.parse(state.store.clock().today(), &panels, &mut errors) else {
        let message = errors.0.first().map(|(_, m)| m.clone()).unwrap_or_default();
        return Err(AppError::BadRequest(message));
    };
    let what = match format {
        Format::Xlsx => "Families discussed report (XLSX): meeting, decision, lead and actions",
        Format::Csv => "Families discussed report (CSV): meeting, decision, lead and actions",
    };
    let read = Read::Export(super::meeting_notes::download_sharing(state, who, what));
    let shown = |facts: &policy::FamilyFacts| state.authority.decide_family(&who.principal, policy::ViewFamily, facts).is_ok();
    let rows = state.store.families_discussed(&permit, &q, shown, &read, &who.address).await?;
    let name = format!("families-discussed-{}-to-{}", q.period.from(), q.period.until());
    let (content_type, extension, body) = match format {
        Format::Xlsx => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
            crate::documents::report_xlsx(&rows).map_err(AppError::internal)?,
        ),
        Format::Csv => (
            "text/csv; charset=utf-8",
            "csv",
            crate::documents::report_csv(&rows).map_err(AppError::internal)?,
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

/// The report as an XLSX workbook.
pub async fn xlsx(State(state): State<AppState>, who: SignedIn, Query(query): Query<DiscussedQuery>) -> Result<Response, AppError> {
    download(&state, &who, &query, Format::Xlsx).await
}

/// The report as a CSV file.
pub async fn csv(State(state): State<AppState>, who: SignedIn, Query(query): Query<DiscussedQuery>) -> Result<Response, AppError> {
    download(&state, &who, &query, Format::Csv).await
}
