//! Form input: CSRF-checked extraction, and errors shown the GOV.UK way (a summary at the top
//! linking to each field, and the message beside the field), with what the person typed kept.

use crate::AppState;
use crate::error::AppError;
use crate::session::check_csrf;
use axum::body::Bytes;
use axum::extract::{FromRef, FromRequest, Request};
use axum_extra::extract::cookie::CookieJar;
use serde::de::DeserializeOwned;

/// Errors found in a submitted form, in the order the fields appear.
#[derive(Debug, Default, Clone)]
pub struct FormErrors(pub Vec<(&'static str, String)>);

impl FormErrors {
    /// Notes a problem with a field (the field's `id`, for the summary's link).
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push((field, message.into()));
    }

    /// The message for a field, if it has one.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|(f, _)| *f == field).map(|(_, m)| m.as_str())
    }

    /// Whether the form was fine.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Records the error of a parse, returning the parsed value if there was no error.
    pub fn check<T, E: std::fmt::Display>(&mut self, field: &'static str, r: Result<T, E>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, e.to_string());
                None
            }
        }
    }
}

/// A form with no fields but its CSRF token: a button that only does one thing (sign out,
/// reset a second factor).
#[derive(Debug, serde::Deserialize)]
pub struct NoFields {}

/// A URL-encoded form whose CSRF token has been checked. `pairs` keeps every field as sent,
/// for repeated fields such as checkboxes.
pub struct CsrfForm<T> {
    /// The form as a typed value.
    pub value: T,
    /// Every name=value pair, in order.
    pub pairs: Vec<(String, String)>,
}

impl<T> CsrfForm<T> {
    /// All values of a repeated field.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }
}

impl<S, T> FromRequest<S> for CsrfForm<T>
where
    AppState: FromRef<S>,
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let jar = CookieJar::from_headers(req.headers());
        let bytes = Bytes::from_request(req, &state)
            .await
            .map_err(|e| AppError::BadRequest(e.to_string()))?;
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&bytes).map_err(|_| AppError::BadRequest("The form could not be read".into()))?;
        let submitted = pairs.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or("");
        check_csrf(&state, &jar, submitted)?;
        let value = serde_urlencoded::from_bytes(&bytes).map_err(|_| AppError::BadRequest("The form could not be read".into()))?;
        Ok(CsrfForm { value, pairs })
    }
}
