//! Information governance: the sharing log across families and organisations (searchable and
//! exportable), and break-glass access (opened by administrators, reviewed by information
//! governance).

use super::{Chrome, long_date, render};
use crate::AppState;
use crate::error::AppError;
use crate::forms::{CsrfForm, FormErrors};
use crate::session::SignedIn;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{FamilyId, OrganisationId};
use serde::Deserialize;
use store::families::{BreakGlassGrant, SharingEntry, SharingFilter};

/// Most entries shown on the page; the export has them all (up to the store's cap).
const SHOWN: i64 = 200;

/// The sharing log's filters, in the query string: organisation and family ids and dates,
/// never names.
#[derive(Deserialize, Default, Clone)]
pub struct SharingQuery {
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    family: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

impl SharingQuery {
    fn filter(&self, errors: &mut FormErrors, limit: i64) -> SharingFilter {
        let optional_date = |errors: &mut FormErrors, field: &'static str, value: &str, what: &str| {
            if value.trim().is_empty() {
                None
            } else {
                errors.check(field, super::organisations::parse_date(value, what))
            }
        };
        let organisation = if self.organisation.is_empty() {
            None
        } else {
            errors.check(
                "organisation",
                self.organisation
                    .parse::<OrganisationId>()
                    .map_err(|_| "Select an organisation from the list"),
            )
        };
        let family = if self.family.trim().is_empty() {
            None
        } else {
            errors.check(
                "family",
                self.family
                    .trim()
                    .parse::<FamilyId>()
                    .map_err(|_| "Enter the family's reference as it appears in its page address"),
            )
        };
        SharingFilter {
            organisation,
            family,
            from: optional_date(errors, "from", &self.from, "the first date"),
            to: optional_date(errors, "to", &self.to, "the last date"),
            limit,
        }
    }

    fn as_query(&self) -> String {
        serde_urlencoded::to_string([
            ("organisation", self.organisation.as_str()),
            ("family", self.family.trim()),
            ("from", self.from.trim()),
            ("to", self.to.trim()),
        ])
        .unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "sharing_log.html")]
struct SharingLogPage {
    chrome: Chrome,
    errors: FormErrors,
    query: SharingQuery,
    organisations: Vec<(String, String)>,
    entries: Vec<SharingEntry>,
    export: String,
}

impl SharingLogPage {
    fn date(&self, d: &time::Date) -> String {
        long_date(*d)
    }
}

/// The sharing log across families, filtered by organisation, family and dates.
pub async fn sharing_log(State(state): State<AppState>, who: SignedIn, Query(query): Query<SharingQuery>) -> Result<Response, AppError> {
    let permit = state.require(&who.principal, policy::ViewSharingLog, &who.address).await?;
    let mut errors = FormErrors::default();
    let filter = query.filter(&mut errors, SHOWN);
    let entries = if errors.is_empty() {
        state.store.sharing_register(&permit, &filter, &who.address).await?
    } else {
        Vec::new()
    };
    let register = state.require(&who.principal, policy::ViewIsaRegister, &who.address).await?;
    let organisations = state
        .store
        .list_organisations(&register)
        .await?
        .into_iter()
        .map(|o| (o.id.to_string(), o.name))
        .collect();
    render(&SharingLogPage {
        chrome: Chrome::signed_in(&state, &who, "Sharing log", "").with_errors(&errors),
        errors,
        export: format!("/sharing-log.csv?{}", query.as_query()),
        query,
        organisations,
        entries,
    })
}

/// A spreadsheet cell that cannot run as a formula: text starting with `=`, `+`, `-`, `@`, a
/// tab or a carriage return gets a leading apostrophe (OWASP's advice on CSV injection).
pub fn neutralise(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_owned(),
    }
}

/// The same entries as a CSV file, every cell neutralised against formula injection.
pub async fn sharing_log_csv(
    State(state): State<AppState>,
    who: SignedIn,
    Query(query): Query<SharingQuery>,
) -> Result<Response, AppError> {
    let permit = state.require(&who.principal, policy::ViewSharingLog, &who.address).await?;
    let mut errors = FormErrors::default();
    let filter = query.filter(&mut errors, 100_000);
    if let Some((_, message)) = errors.0.first() {
        return Err(AppError::BadRequest(message.clone()));
    }
    let entries = state.store.sharing_register(&permit, &filter, &who.address).await?;
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "decided_on",
        "decision",
        "family_id",
        "data_categories",
        "recipient",
        "purpose",
        "lawful_basis",
        "method",
        "decided_by",
        "override_justification",
        "override_authorised_by",
    ])
    .map_err(AppError::internal)?;
    for e in entries {
        let row = [
            e.decided_on.to_string(),
            e.decision,
            e.family_id.map(|f| f.to_string()).unwrap_or_default(),
            e.data_categories,
            e.recipient,
            e.purpose,
            e.lawful_basis,
            e.method,
            e.decided_by,
            e.override_justification.unwrap_or_default(),
            e.override_authorised_by.unwrap_or_default(),
        ];
        out.write_record(row.iter().map(|c| neutralise(c))).map_err(AppError::internal)?;
    }
    let body = out.into_inner().map_err(AppError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"sharing-log.csv\""),
        ],
        body,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "break_glass.html")]
struct BreakGlassPage {
    chrome: Chrome,
    errors: FormErrors,
    form: OpenForm,
    may_open: bool,
    grants: Option<Vec<BreakGlassGrant>>,
    /// Sharing without consent, for information governance to review beside break-glass.
    overrides: Option<Vec<SharingEntry>>,
}

impl BreakGlassPage {
    fn date(&self, d: &time::Date) -> String {
        long_date(*d)
    }

    fn when(&self, t: &time::OffsetDateTime) -> String {
        let local = t.to_offset(domain::clock::london_offset(*t));
        format!("{} at {}", long_date(local.date()), super::short_time(local.time()))
    }
}

/// What the break-glass form sends.
#[derive(Deserialize, Default, Clone)]
pub struct OpenForm {
    #[serde(default)]
    family: String,
    #[serde(default)]
    reason: String,
}

async fn break_glass_page(state: &AppState, who: &SignedIn, errors: FormErrors, form: OpenForm) -> Result<Response, AppError> {
    let reviewer = state.authority.decide(&who.principal, policy::ReviewBreakGlass);
    let may_open = state.may_open_break_glass(&who.principal);
    if reviewer.is_err() && !may_open {
        // Neither opens nor reviews: refuse through the policy, so the refusal is explained
        // and audited.
        state.require(&who.principal, policy::ReviewBreakGlass, &who.address).await?;
    }
    let grants = match &reviewer {
        Ok(permit) => Some(state.store.break_glass_grants(permit).await?),
        Err(_) => None,
    };
    // Reviewers who also hold the sharing log see every override beside the break-glass list.
    let overrides = match (reviewer.is_ok(), state.authority.decide(&who.principal, policy::ViewSharingLog)) {
        (true, Ok(permit)) => Some(state.store.consent_overrides(&permit, &who.address).await?),
        _ => None,
    };
    render(&BreakGlassPage {
        chrome: Chrome::signed_in(state, who, "Break-glass access", "").with_errors(&errors),
        errors,
        form,
        may_open,
        grants,
        overrides,
    })
}

/// Administrators open access here; information governance reviews every opening.
pub async fn break_glass(State(state): State<AppState>, who: SignedIn) -> Result<Response, AppError> {
    break_glass_page(&state, &who, FormErrors::default(), OpenForm::default()).await
}

/// Opens an hour's access to one family, with the reason, and goes to its page.
pub async fn open_break_glass(State(state): State<AppState>, who: SignedIn, form: CsrfForm<OpenForm>) -> Result<Response, AppError> {
    let f = form.value;
    let mut errors = FormErrors::default();
    let family = errors.check(
        "family",
        f.family
            .trim()
            .parse::<FamilyId>()
            .map_err(|_| "Enter the family's reference as it appears in its page address"),
    );
    if f.reason.trim().chars().count() < 20 {
        errors.add(
            "reason",
            "Give your reason in at least 20 characters: information governance will review it",
        );
    }
    let Some(family) = family.filter(|_| errors.is_empty()) else {
        return break_glass_page(&state, &who, errors, f).await;
    };
    let permit = state
        .require_family(&who.principal, policy::OpenBreakGlass, family, &who.address)
        .await?;
    state.store.open_break_glass(&permit, f.reason.trim(), &who.address).await?;
    Ok(Redirect::to(&format!("/families/{family}")).into_response())
}

/// What the review form sends.
#[derive(Deserialize, Default)]
pub struct ReviewForm {
    #[serde(default)]
    note: String,
}

/// Records information governance's review of one opening.
pub async fn review_break_glass(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<ReviewForm>,
) -> Result<Response, AppError> {
    let permit = state.require(&who.principal, policy::ReviewBreakGlass, &who.address).await?;
    let id: uuid::Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    let note = form.value.note.trim().to_owned();
    if note.is_empty() {
        let mut errors = FormErrors::default();
        errors.add("note", "Write what you checked and concluded before marking it reviewed");
        return break_glass_page(&state, &who, errors, OpenForm::default()).await;
    }
    state.store.review_break_glass(&permit, id, &note, &who.address).await?;
    Ok(Redirect::to("/break-glass").into_response())
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn cells_that_a_spreadsheet_would_run_as_formulas_are_neutralised() {
        for live in ["=1+1", "+44 20", "-2", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK(\"http://x\")"] {
            assert!(neutralise(live).starts_with('\''), "{live:?}");
        }
        for plain in ["Case summary", "2026-11-25", "", "a=b"] {
            assert_eq!(neutralise(plain), plain);
        }
    }
}
