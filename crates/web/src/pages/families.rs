//! Families: the list and search of families the asker is connected to, and one family's page.
//!
//! Names and postcodes are searched with a POST, so they never appear in a URL, a proxy's log
//! or the browser history.

use super::{Chrome, long_date, render};
use crate::AppState;
use crate::error::AppError;
use crate::forms::CsrfForm;
use crate::session::SignedIn;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use domain::FamilyId;
use domain::family::HouseholdRole;
use serde::Deserialize;
use store::families::{FamilyRecord, FamilySearch, FamilySummary};

/// Families per page.
const PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "families.html")]
struct FamiliesPage {
    chrome: Chrome,
    families: Vec<FamilySummary>,
    total: i64,
    name: String,
    postcode: String,
    searched: bool,
    page: i64,
    pages: i64,
}

/// Which page of the unfiltered list.
#[derive(Deserialize, Default)]
pub struct PageQuery {
    #[serde(default)]
    page: Option<i64>,
}

/// What the search form sends.
#[derive(Deserialize, Default, Clone)]
pub struct SearchForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    postcode: String,
}

async fn families_page(state: &AppState, who: &SignedIn, form: SearchForm, page: i64, searched: bool) -> Result<Response, AppError> {
    let permit = state.require(&who.principal, policy::ViewFamilyList, &who.address).await?;
    let search = FamilySearch {
        name: Some(form.name.clone()),
        postcode: Some(form.postcode.clone()),
    };
    let page = page.max(1);
    let found = state
        .store
        .list_families(&state.authority, &permit, &search, (page - 1) * PAGE, PAGE)
        .await?;
    render(&FamiliesPage {
        chrome: Chrome::signed_in(state, who, "Families", "families"),
        pages: (found.total + PAGE - 1) / PAGE,
        families: found.families,
        total: found.total,
        name: form.name,
        postcode: form.postcode,
        searched,
        page,
    })
}

/// The families the asker works with or whose cases are on their panels, a page at a time.
pub async fn list(State(state): State<AppState>, who: SignedIn, Query(q): Query<PageQuery>) -> Result<Response, AppError> {
    families_page(&state, &who, SearchForm::default(), q.page.unwrap_or(1), false).await
}

/// The same list narrowed by name or postcode.
pub async fn search(State(state): State<AppState>, who: SignedIn, form: CsrfForm<SearchForm>) -> Result<Response, AppError> {
    families_page(&state, &who, form.value, 1, true).await
}

#[derive(Template)]
#[template(path = "family.html")]
struct FamilyPage {
    chrome: Chrome,
    family: FamilyRecord,
    today: time::Date,
}

impl FamilyPage {
    fn date(&self, d: &time::Date) -> String {
        long_date(*d)
    }

    fn age(&self, born: &time::Date) -> String {
        domain::family::age_on(*born, self.today).map_or_else(String::new, |a| a.to_string())
    }

    fn household_role(&self, code: &str) -> &'static str {
        HouseholdRole::ALL
            .iter()
            .find(|r| r.code() == code)
            .map_or("Household member", |r| r.label())
    }
}

/// One family: its people, consent, the professionals around it and what was shared.
pub async fn show(State(state): State<AppState>, who: SignedIn, Path(id): Path<String>) -> Result<Response, AppError> {
    // A malformed id is refused in the same words as a family the asker may not see.
    let id: FamilyId = id.parse().unwrap_or(FamilyId(uuid::Uuid::nil()));
    let permit = state.require_family(&who.principal, policy::ViewFamily, id, &who.address).await?;
    let family = state.store.view_family(&permit, &who.address).await?.ok_or(AppError::NotFound)?;
    let title = format!("Family at {}", family.address_line);
    render(&FamilyPage {
        chrome: Chrome::signed_in(&state, &who, title, "families"),
        family,
        today: state.store.clock().today(),
    })
}
