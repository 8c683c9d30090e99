//! GOV.UK pages. Each module is one area of the product; each handler parses input, asks the
//! policy, calls the store with the permit and renders a template.

pub mod account;
pub mod account_links;
pub mod actions;
pub mod calendar;
pub mod claims;
pub mod dashboards;
pub mod families;
pub mod family_person;
pub mod family_records;
pub mod governance;
pub mod home;
pub mod meeting_closed;
pub mod meeting_live;
pub mod meeting_notes;
pub mod meetings;
pub mod mfa;
pub mod moves;
pub mod organisations;
pub mod panels;
pub mod people;
pub mod plan_panel;
pub mod plans;
pub mod referrals;
pub mod reports;
pub mod sign_in;
pub mod static_pages;

use crate::AppState;
use crate::error::AppError;
use crate::session::SignedIn;
use askama::Template;
use axum::response::{Html, IntoResponse, Response};

/// The signed-in person as the header shows them.
#[derive(Debug, Clone)]
pub struct NavUser {
    /// Their name.
    pub name: String,
    /// Their organisation.
    pub organisation: String,
}

/// What the page layout needs: title, header, navigation and the CSRF token for its forms.
#[derive(Debug, Clone)]
pub struct Chrome {
    /// The page's own title (the layout adds the service and council).
    pub title: String,
    /// The council's name.
    pub council: String,
    /// Who is signed in, if anyone.
    pub user: Option<NavUser>,
    /// CSRF token for every form on the page.
    pub csrf: String,
    /// Which navigation item is current.
    pub section: &'static str,
    /// Navigation items: (section, href, label).
    pub nav: Vec<(&'static str, &'static str, &'static str)>,
    /// Whether the page shows form errors ("Error:" goes in the title, as GOV.UK advises).
    pub has_errors: bool,
}

const NAV: [(&str, &str, &str); 9] = [
    ("home", "/", "Home"),
    ("families", "/families", "Families"),
    ("referrals", "/referrals", "Referrals"),
    ("meetings", "/meetings", "Meetings"),
    ("actions", "/actions", "Actions"),
    ("panels", "/panels", "Panels"),
    ("organisations", "/organisations", "Organisations"),
    ("people", "/people", "People"),
    ("account", "/account", "My account"),
];

impl Chrome {
    /// Layout for a signed-in page.
    pub fn signed_in(state: &AppState, who: &SignedIn, title: impl Into<String>, section: &'static str) -> Self {
        Self {
            title: title.into(),
            council: state.config.council_name.clone(),
            user: Some(NavUser {
                name: who.account.full_name(),
                organisation: who.account.organisation_name.clone(),
            }),
            csrf: who.csrf.clone(),
            section,
            nav: NAV.to_vec(),
            has_errors: false,
        }
    }

    /// Layout for a page shown after the password but before sign-in is complete (second
    /// factor, forced password change): no navigation, but the person can still sign out.
    pub fn partly_signed_in(state: &AppState, who: &crate::session::PartlySignedIn, title: impl Into<String>) -> Self {
        Self {
            user: Some(NavUser {
                name: who.account.full_name(),
                organisation: who.account.organisation_name.clone(),
            }),
            ..Self::anonymous(state, who.csrf.clone(), title)
        }
    }

    /// Layout for a page shown to someone not signed in.
    pub fn anonymous(state: &AppState, csrf: String, title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            council: state.config.council_name.clone(),
            user: None,
            csrf,
            section: "",
            nav: Vec::new(),
            has_errors: false,
        }
    }

    /// Marks the page as showing errors.
    pub fn with_errors(mut self, errors: &crate::forms::FormErrors) -> Self {
        self.has_errors = !errors.is_empty();
        self
    }
}

/// Renders a template as an HTML response.
pub fn render<T: Template>(t: &T) -> Result<Response, AppError> {
    Ok(Html(t.render()?).into_response())
}

/// Renders a template with a status (a form shown again with errors is a 422? GOV.UK services
/// answer 200 so browsers keep the page; we follow that).
pub fn render_with<T: Template>(status: axum::http::StatusCode, t: &T) -> Result<Response, AppError> {
    Ok((status, Html(t.render()?)).into_response())
}

/// Formats a date the GOV.UK way: "25 November 2026".
pub fn long_date(d: time::Date) -> String {
    domain::clock::long_date(d)
}

/// Formats a time the GOV.UK way: "9am", "9:30am", "2pm".
pub fn short_time(t: time::Time) -> String {
    domain::clock::short_time(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_the_gov_uk_way() {
        assert_eq!(short_time(time::macros::time!(9:00)), "9am");
        assert_eq!(short_time(time::macros::time!(13:30)), "1:30pm");
        assert_eq!(short_time(time::macros::time!(0:00)), "12am");
        assert_eq!(short_time(time::macros::time!(12:00)), "12pm");
    }

    #[test]
    fn dates_read_the_gov_uk_way() {
        assert_eq!(long_date(time::macros::date!(2026 - 11 - 05)), "5 November 2026");
    }
}
