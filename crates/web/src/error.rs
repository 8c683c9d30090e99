//! One error type for the web layer, rendered in one place: a GOV.UK error page for people,
//! problem details JSON (RFC 9457) for agency systems. A 500 shows a reference id that is in
//! the log, never the cause.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

/// What went wrong while handling a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No valid session: sign in first.
    #[error("You need to sign in")]
    NotSignedIn,
    /// The policy refused; carries the rule that decided.
    #[error("{}", .0.explanation)]
    Forbidden(policy::Denied),
    /// Nothing at this address (or nothing this person may know exists).
    #[error("If you typed the web address, check it is correct. If you pasted the web address, check you copied the entire address.")]
    NotFound,
    /// The form's CSRF token was missing or wrong (often a page left open too long).
    #[error("This form has expired. Go back, refresh the page and try again.")]
    Csrf,
    /// A browser said a state-changing request came from another website (its `Origin` or
    /// `Sec-Fetch-Site` header): a forged request, refused before any handler runs.
    #[error(
        "This request came from another website, so it was not carried out. If you were using Early Help, go back to the service and try again from its own page."
    )]
    CrossSite,
    /// Someone else changed the record since this person opened it.
    #[error("Someone else changed this {0} while you were editing it. Go back to see their change, then make yours again.")]
    Stale(&'static str),
    /// A request the server cannot use (bad id in a URL, malformed JSON).
    #[error("{0}")]
    BadRequest(String),
    /// Anything else; the reference is logged with the cause.
    #[error("Sorry, there is a problem with the service (reference {0})")]
    Internal(String),
}

impl AppError {
    /// Logs an unexpected failure under a fresh reference and returns the error to show.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        let reference = uuid::Uuid::now_v7().simple().to_string()[20..].to_owned();
        tracing::error!(reference = %reference, error = %cause, "internal error");
        AppError::Internal(reference)
    }

    /// The HTTP status for this error.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotSignedIn => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) | AppError::Csrf | AppError::CrossSite => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Stale(_) => StatusCode::CONFLICT,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn title(&self) -> &'static str {
        match self {
            AppError::NotSignedIn => "You need to sign in",
            AppError::Forbidden(_) => "You do not have access to this page",
            AppError::NotFound => "Page not found",
            AppError::Csrf => "This form has expired",
            AppError::CrossSite => "This request came from another website",
            AppError::Stale(_) => "Someone else changed this",
            AppError::BadRequest(_) => "There is a problem with your request",
            AppError::Internal(_) => "Sorry, there is a problem with the service",
        }
    }

    /// Renders as problem details JSON, for the API.
    pub fn into_problem(self) -> Response {
        let status = self.status();
        let rule = match &self {
            AppError::Forbidden(d) => Some(d.rule.clone()),
            _ => None,
        };
        let body = serde_json::json!({
            "type": "about:blank",
            "title": self.title(),
            "status": status.as_u16(),
            "detail": self.to_string(),
            "rule": rule,
        });
        (status, [(header::CONTENT_TYPE, "application/problem+json")], body.to_string()).into_response()
    }
}

impl From<store::StoreError> for AppError {
    fn from(e: store::StoreError) -> Self {
        match e {
            store::StoreError::NotFound(_) => AppError::NotFound,
            store::StoreError::StaleVersion(what) => AppError::Stale(what),
            other => AppError::internal(other),
        }
    }
}

impl From<policy::Denied> for AppError {
    fn from(d: policy::Denied) -> Self {
        AppError::Forbidden(d)
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::internal(e)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: String,
    rule: Option<String>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if matches!(self, AppError::NotSignedIn) {
            return Redirect::to("/sign-in").into_response();
        }
        let status = self.status();
        let page = ErrorPage {
            title: self.title(),
            message: self.to_string(),
            rule: match &self {
                AppError::Forbidden(d) => Some(d.rule.clone()),
                _ => None,
            },
        };
        match page.render() {
            Ok(html) => (status, axum::response::Html(html)).into_response(),
            Err(_) => (status, self.to_string()).into_response(),
        }
    }
}

/// What a panel form says when someone else saved the panel first: nothing is lost, because
/// the form comes back with everything the person typed.
pub const STALE_PANEL: &str = "Someone else changed this panel while you were editing it, so nothing was saved. \
     Your changes are still below; check the panels page for theirs, then save again to apply yours.";

/// Puts each problem with a panel's configuration beside its field, or the stale-form message
/// at the top of a form that keeps what was typed; anything else is an error page. Returns the
/// status to show the form again with: 200 for a refusal to put right, 409 for a stale form.
pub(crate) fn panel_form_errors(errors: &mut crate::forms::FormErrors, e: store::panels::PanelWriteError) -> Result<StatusCode, AppError> {
    use store::panels::PanelWriteError;
    match e {
        PanelWriteError::Invalid(problems) => {
            for p in problems.0 {
                errors.add(p.field.id(), p.message);
            }
            Ok(StatusCode::OK)
        }
        PanelWriteError::Stale => {
            errors.add("panel", STALE_PANEL);
            Ok(StatusCode::CONFLICT)
        }
        PanelWriteError::Store(e) => Err(e.into()),
    }
}

/// Puts a refused change of a meeting's chair beside the chair field; a stale page or a store
/// failure is an error page.
pub(crate) fn chair_change_errors(errors: &mut crate::forms::FormErrors, e: store::panels::ChairChangeError) -> Result<(), AppError> {
    use store::panels::ChairChangeError;
    match e {
        ChairChangeError::NotAChair | ChairChangeError::Refused(_) => errors.add("chair", e.to_string()),
        ChairChangeError::Stale => return Err(AppError::Stale("meeting")),
        ChairChangeError::Store(e) => return Err(e.into()),
    }
    Ok(())
}
