//! The dashboards: how the panels are doing, as charts with a table of the same figures beside
//! each, filtered by locality, panel and period, and downloadable as CSV and XLSX. Opening them
//! is the policy's (`ViewDashboards`); the figures are aggregates the store has already
//! suppressed where a count could identify a family (see `store::dashboards`).

use super::{Chrome, render};
use crate::AppState;
use crate::charts::{Series, bars, rows as row_chart};
use crate::error::AppError;
use crate::forms::FormErrors;
use crate::session::SignedIn;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use domain::dashboard::{PERIODS, Shown, Suppression, Wait};
use domain::referral::Route;
use domain::{LocalityId, PanelId};
use serde::Deserialize;
use store::dashboards::{Dashboard, DashboardFilter};
use time::Date;

/// The filters as the form sends them.
#[derive(Deserialize, Default, Clone)]
pub struct FilterQuery {
    #[serde(default)]
    locality: String,
    #[serde(default)]
    panel: String,
    #[serde(default)]
    months: String,
}

impl FilterQuery {
    /// The query string that asks for the same figures (for the download links).
    fn query_string(&self) -> String {
        let enc = |s: &str| s.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect::<String>();
        format!(
            "locality={}&panel={}&months={}",
            enc(&self.locality),
            enc(&self.panel),
            enc(&self.months)
        )
    }
}

#[derive(Template)]
#[template(path = "dashboards.html")]
struct DashboardsPage {
    chrome: Chrome,
    errors: FormErrors,
    form: FilterQuery,
    localities: Vec<(LocalityId, String)>,
    panels: Vec<(PanelId, String, LocalityId)>,
    periods: [u8; 3],
    months: u8,
    dashboard: Dashboard,
    routes: [Route; 4],
    referrals_chart: String,
    waits_chart: String,
    lists_chart: String,
    notes_chart: String,
    needs_chart: String,
    mash_chart: String,
    overdue_chart: String,
}

impl DashboardsPage {
    fn month(&self, d: &Date) -> String {
        month_label(*d)
    }
    fn quarter(&self, d: &Date) -> String {
        quarter_label(*d)
    }
    fn count(&self, s: &Shown) -> String {
        shown(*s, self.dashboard.suppression)
    }
    fn days(&self, d: &Wait) -> String {
        days(*d, self.dashboard.suppression)
    }
    fn share(&self, part: &u64, whole: &u64) -> String {
        if *whole == 0 {
            "No lists".to_owned()
        } else {
            format!("{:.0}%", 100.0 * *part as f64 / *whole as f64)
        }
    }
}

fn month_label(d: Date) -> String {
    let name = format!("{}", d.month());
    format!("{} {}", &name[..3], d.year())
}

/// A calendar quarter in words: "Oct to Dec 2026".
fn quarter_label(d: Date) -> String {
    let first = format!("{}", d.month());
    let last = format!("{}", domain::dashboard::next_quarter(d).previous_day().unwrap_or(d).month());
    format!("{} to {} {}", &first[..3], &last[..3], d.year())
}

/// A month under a chart's bars, short enough for twelve of them: "Jan 26".
fn axis_label(d: Date) -> String {
    let name = format!("{}", d.month());
    format!("{} {:02}", &name[..3], d.year().rem_euclid(100))
}

fn shown(s: Shown, suppression: Suppression) -> String {
    match s {
        Shown::Count(n) => n.to_string(),
        Shown::Suppressed => format!("Fewer than {}", suppression.below()),
    }
}

fn days(d: Wait, suppression: Suppression) -> String {
    match d {
        Wait::NoneYet => "None yet".to_owned(),
        Wait::Hidden => format!("Fewer than {} referrals", suppression.below()),
        Wait::Days(d) if d.fract() == 0.0 => format!("{d:.0}"),
        Wait::Days(d) => format!("{d:.1}"),
    }
}

/// The filter the query asks for, or the problems with it (the figures then cover the county
/// over the default period).
fn filter_of(
    q: &FilterQuery,
    localities: &[(LocalityId, String)],
    panels: &[(PanelId, String, LocalityId)],
    errors: &mut FormErrors,
) -> DashboardFilter {
    let locality = match q.locality.as_str() {
        "" => None,
        raw => {
            let found = localities.iter().find(|(l, _)| l.to_string() == raw).map(|(l, _)| *l);
            if found.is_none() {
                errors.add("locality", "Select one of the council’s localities, or all of them");
            }
            found
        }
    };
    let panel = match q.panel.as_str() {
        "" => None,
        raw => {
            let found = panels.iter().find(|(p, _, _)| p.to_string() == raw);
            match found {
                None => {
                    errors.add("panel", "Select one of the panels, or all of them");
                    None
                }
                Some((_, _, l)) if locality.is_some_and(|chosen| chosen != *l) => {
                    errors.add("panel", "Select a panel of the locality chosen, or all panels");
                    None
                }
                Some((p, _, _)) => Some(*p),
            }
        }
    };
    let months = match q.months.as_str() {
        "" => 12,
        raw => match raw.parse::<u8>().ok().filter(|m| PERIODS.contains(m)) {
            Some(m) => m,
            None => {
                errors.add("months", "Select a period of 3, 6 or 12 months");
                12
            }
        },
    };
    DashboardFilter { locality, panel, months }
}

async fn figures(
    state: &AppState,
    who: &SignedIn,
    q: &FilterQuery,
    exported: bool,
) -> Result<(FormErrors, Dashboard, DashboardFilter), AppError> {
    let permit = state.require(&who.principal, policy::ViewDashboards, &who.address).await?;
    let (localities, panels) = state.store.dashboard_choices().await?;
    let mut errors = FormErrors::default();
    let filter = filter_of(q, &localities, &panels, &mut errors);
    let dashboard = state.store.dashboard(&permit, filter, exported, &who.address).await?;
    Ok((errors, dashboard, filter))
}

/// The dashboards page.
pub async fn show(State(state): State<AppState>, who: SignedIn, Query(q): Query<FilterQuery>) -> Result<Response, AppError> {
    let (errors, dashboard, filter) = figures(&state, &who, &q, false).await?;
    let (localities, panels) = state.store.dashboard_choices().await?;
    let months: Vec<String> = dashboard.referrals.iter().map(|r| axis_label(r.month)).collect();
    let referrals_chart = bars(
        "Referrals by route, month by month",
        &months,
        &Route::ALL
            .iter()
            .enumerate()
            .map(|(i, r)| Series {
                name: r.label(),
                values: dashboard.referrals.iter().map(|m| m.by_route[i].charted() as f64).collect(),
            })
            .collect::<Vec<_>>(),
    );
    let waits_chart = bars(
        "Middle wait in days from referral to screening and to decision",
        &months,
        &[
            Series {
                name: "To screening",
                values: dashboard.referrals.iter().map(|m| m.days_to_screening.charted()).collect(),
            },
            Series {
                name: "To the panel’s decision",
                values: dashboard.referrals.iter().map(|m| m.days_to_decision.charted()).collect(),
            },
        ],
    );
    let lists_chart = bars(
        "Lists sent to members, and how many on time",
        &dashboard.lists.iter().map(|l| axis_label(l.month)).collect::<Vec<_>>(),
        &[
            Series {
                name: "Sent",
                values: dashboard.lists.iter().map(|l| l.circulated as f64).collect(),
            },
            Series {
                name: "On time",
                values: dashboard.lists.iter().map(|l| l.on_time as f64).collect(),
            },
        ],
    );
    let notes_chart = bars(
        "Action notes of the meetings held, on time and late",
        &dashboard.notes.iter().map(|n| axis_label(n.month)).collect::<Vec<_>>(),
        &[
            Series {
                name: "Meetings held",
                values: dashboard.notes.iter().map(|n| n.held as f64).collect(),
            },
            Series {
                name: "Notes on time",
                values: dashboard.notes.iter().map(|n| n.on_time as f64).collect(),
            },
            Series {
                name: "Late or overdue",
                values: dashboard.notes.iter().map(|n| n.late as f64).collect(),
            },
        ],
    );
    let needs_chart = row_chart(
        "Needs on the plans that closed, improved and sustained, by outcome area",
        &dashboard.needs.iter().map(|n| n.area.clone()).collect::<Vec<_>>(),
        &[
            Series {
                name: "Needs",
                values: dashboard.needs.iter().map(|n| n.closed.charted() as f64).collect(),
            },
            Series {
                name: "Improved",
                values: dashboard.needs.iter().map(|n| n.improved.charted() as f64).collect(),
            },
            Series {
                name: "Sustained",
                values: dashboard.needs.iter().map(|n| n.sustained.charted() as f64).collect(),
            },
        ],
    );
    let quarters: Vec<Date> = {
        let mut q: Vec<Date> = dashboard.mash.iter().map(|m| m.quarter).collect();
        q.dedup();
        q
    };
    let per_quarter = |pick: fn(&store::dashboards::MashQuarter) -> Shown| -> Vec<f64> {
        quarters
            .iter()
            .map(|q| {
                dashboard
                    .mash
                    .iter()
                    .filter(|m| m.quarter == *q)
                    .map(|m| pick(m).charted() as f64)
                    .sum()
            })
            .collect()
    };
    let mash_chart = bars(
        "MASH referrals for early help each quarter, accepted for panel and assessed",
        &quarters.iter().map(|q| quarter_label(*q)).collect::<Vec<_>>(),
        &[
            Series {
                name: "Referred by MASH",
                values: per_quarter(|m| m.referred),
            },
            Series {
                name: "Accepted for panel",
                values: per_quarter(|m| m.accepted),
            },
            Series {
                name: "Early help assessment agreed",
                values: per_quarter(|m| m.assessed),
            },
        ],
    );
    let overdue_chart = row_chart(
        "Open actions and overdue actions by panel",
        &dashboard.overdue.iter().map(|o| o.panel.clone()).collect::<Vec<_>>(),
        &[
            Series {
                name: "Open",
                values: dashboard.overdue.iter().map(|o| o.open as f64).collect(),
            },
            Series {
                name: "Overdue",
                values: dashboard.overdue.iter().map(|o| o.overdue as f64).collect(),
            },
        ],
    );
    render(&DashboardsPage {
        chrome: Chrome::signed_in(&state, &who, "Dashboards", "meetings").with_errors(&errors),
        errors,
        form: q,
        localities,
        panels,
        periods: PERIODS,
        months: filter.months,
        dashboard,
        routes: Route::ALL,
        referrals_chart,
        waits_chart,
        lists_chart,
        notes_chart,
        needs_chart,
        mash_chart,
        overdue_chart,
    })
}

/// Every figure as rows of measure, period or panel, figure and value: one table for the CSV
/// and the XLSX alike.
fn rows(d: &Dashboard) -> Vec<[String; 4]> {
    let mut out = Vec::new();
    for m in &d.referrals {
        let month = month_label(m.month);
        for (route, n) in Route::ALL.iter().zip(m.by_route) {
            out.push(["Referrals".into(), month.clone(), route.label().into(), shown(n, d.suppression)]);
        }
        out.push([
            "Referrals".into(),
            month.clone(),
            "Re-referrals".into(),
            shown(m.re_referrals, d.suppression),
        ]);
        out.push([
            "Middle wait in days".into(),
            month.clone(),
            "To screening".into(),
            days(m.days_to_screening, d.suppression),
        ]);
        out.push([
            "Middle wait in days".into(),
            month,
            "To the panel’s decision".into(),
            days(m.days_to_decision, d.suppression),
        ]);
    }
    for l in &d.lists {
        let month = month_label(l.month);
        out.push([
            "Lists sent to members".into(),
            month.clone(),
            "Sent".into(),
            l.circulated.to_string(),
        ]);
        out.push(["Lists sent to members".into(), month, "On time".into(), l.on_time.to_string()]);
    }
    for n in &d.notes {
        let month = month_label(n.month);
        out.push(["Action notes".into(), month.clone(), "Meetings held".into(), n.held.to_string()]);
        out.push(["Action notes".into(), month.clone(), "Notes on time".into(), n.on_time.to_string()]);
        out.push(["Action notes".into(), month, "Late or overdue".into(), n.late.to_string()]);
    }
    for n in &d.needs {
        out.push([
            "Needs on closed plans".into(),
            n.area.clone(),
            "Needs".into(),
            shown(n.closed, d.suppression),
        ]);
        out.push([
            "Needs on closed plans".into(),
            n.area.clone(),
            "Improved".into(),
            shown(n.improved, d.suppression),
        ]);
        out.push([
            "Needs on closed plans".into(),
            n.area.clone(),
            "Sustained".into(),
            shown(n.sustained, d.suppression),
        ]);
    }
    for q in &d.mash {
        let at = format!("{}: {}", quarter_label(q.quarter), q.locality);
        out.push([
            "MASH referrals for early help".into(),
            at.clone(),
            "Referred".into(),
            shown(q.referred, d.suppression),
        ]);
        out.push([
            "MASH referrals for early help".into(),
            at.clone(),
            "Accepted for panel".into(),
            shown(q.accepted, d.suppression),
        ]);
        out.push([
            "MASH referrals for early help".into(),
            at,
            "Assessment agreed".into(),
            shown(q.assessed, d.suppression),
        ]);
    }
    for o in &d.overdue {
        out.push(["Actions now".into(), o.panel.clone(), "Open".into(), o.open.to_string()]);
        out.push(["Actions now".into(), o.panel.clone(), "Overdue".into(), o.overdue.to_string()]);
    }
    out
}

/// The headings of the downloaded figures.
pub const HEADINGS: [&str; 4] = ["Measure", "Month or panel", "Figure", "Value"];

async fn download(state: &AppState, who: &SignedIn, q: &FilterQuery, xlsx: bool) -> Result<Response, AppError> {
    let (errors, dashboard, _) = figures(state, who, q, true).await?;
    if let Some((_, message)) = errors.0.first() {
        return Err(AppError::BadRequest(message.clone()));
    }
    let rows = rows(&dashboard);
    let name = format!("dashboards-{}", state.store.clock().today());
    let (content_type, extension, body) = if xlsx {
        (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
            crate::documents::figures_xlsx(&HEADINGS, &rows).map_err(AppError::internal)?,
        )
    } else {
        (
            "text/csv; charset=utf-8",
            "csv",
            crate::documents::figures_csv(&HEADINGS, &rows).map_err(AppError::internal)?,
        )
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

/// The figures as a CSV file.
pub async fn csv(State(state): State<AppState>, who: SignedIn, Query(q): Query<FilterQuery>) -> Result<Response, AppError> {
    download(&state, &who, &q, false).await
}

/// The figures as an XLSX workbook.
pub async fn xlsx(State(state): State<AppState>, who: SignedIn, Query(q): Query<FilterQuery>) -> Result<Response, AppError> {
    download(&state, &who, &q, true).await
}
