//! Pages that need no data: health checks, the accessibility statement, 404.

use super::Chrome;
use crate::AppState;
use crate::error::AppError;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;

/// The process is up.
pub async fn healthz() -> &'static str {
    "ok"
}

/// The database answers: load balancers send traffic only when this says ready.
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "accessibility.html")]
struct AccessibilityPage {
    chrome: Chrome,
}

/// The accessibility statement.
pub async fn accessibility(State(state): State<AppState>, jar: CookieJar) -> Result<Response, AppError> {
    let (jar, csrf) = crate::session::ensure_visitor(&state, jar);
    Ok((
        jar,
        super::render(&AccessibilityPage {
            chrome: Chrome::anonymous(&state, csrf, "Accessibility statement"),
        })?,
    )
        .into_response())
}

/// Anything else.
pub async fn not_found() -> AppError {
    AppError::NotFound
}
