//! Sessions: who a browser is, held server-side in the database so any app server can answer.
//!
//! The cookie holds a random 256-bit token; the database holds only its SHA-256 digest. A
//! session ends after 30 minutes unused or 12 hours after sign-in, whichever comes first; the
//! token is replaced at sign-in (no fixation). Visitors who are not signed in get a random
//! visitor cookie so the sign-in form can carry a CSRF token too.

use crate::AppState;
use crate::error::AppError;
use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use base64::Engine;
use domain::UserId;
use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use store::accounts::StaffAccount;

/// A fresh random token for a cookie or an API key: 32 bytes, URL-safe base64.
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The digest of a token, which is all the database keeps.
pub fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Cookie names: with `Secure`, the `__Host-` prefix also pins them to this host and path.
fn cookie_name(state: &AppState, base: &'static str) -> String {
    if state.config.secure_cookies {
        format!("__Host-{base}")
    } else {
        base.to_owned()
    }
}

/// Builds a session or visitor cookie with the flags every cookie here needs.
pub fn build_cookie(state: &AppState, base: &'static str, value: String) -> Cookie<'static> {
    Cookie::build((cookie_name(state, base), value))
        .http_only(true)
        .secure(state.config.secure_cookies)
        .same_site(SameSite::Lax)
        .path("/")
        .build()
}

/// A cookie that deletes the named one.
pub fn removal_cookie(state: &AppState, base: &'static str) -> Cookie<'static> {
    let mut c = build_cookie(state, base, String::new());
    c.make_removal();
    c
}

/// Session cookie base name.
pub const SESSION: &str = "eh_session";
/// Visitor (not signed in) cookie base name.
pub const VISITOR: &str = "eh_visitor";

/// The CSRF token bound to a cookie value: an HMAC under the server key, so it cannot be
/// made without the cookie and cannot be read from another site.
pub fn csrf_token(state: &AppState, cookie_value: &str) -> String {
    let Ok(mut mac) = hmac::Hmac::<Sha256>::new_from_slice(state.csrf_key.as_slice()) else {
        return String::new();
    };
    mac.update(b"csrf:");
    mac.update(cookie_value.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Checks a submitted CSRF token against the one expected for this browser's cookies.
pub fn check_csrf(state: &AppState, jar: &CookieJar, submitted: &str) -> Result<(), AppError> {
    let cookie = jar
        .get(&cookie_name(state, SESSION))
        .or_else(|| jar.get(&cookie_name(state, VISITOR)))
        .ok_or(AppError::Csrf)?;
    let expected = csrf_token(state, cookie.value());
    if !expected.is_empty() && constant_time_eq(expected.as_bytes(), submitted.as_bytes()) {
        Ok(())
    } else {
        Err(AppError::Csrf)
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The CSRF token for whichever cookie the jar will hold after this response.
pub fn csrf_for_jar(state: &AppState, jar: &CookieJar) -> String {
    jar.get(&cookie_name(state, SESSION))
        .or_else(|| jar.get(&cookie_name(state, VISITOR)))
        .map(|c| csrf_token(state, c.value()))
        .unwrap_or_default()
}

/// Makes sure a visitor who is not signed in has a visitor cookie; returns the jar to send
/// back and the CSRF token for the form on the page.
pub fn ensure_visitor(state: &AppState, jar: CookieJar) -> (CookieJar, String) {
    if let Some(c) = jar
        .get(&cookie_name(state, SESSION))
        .or_else(|| jar.get(&cookie_name(state, VISITOR)))
    {
        let token = csrf_token(state, c.value());
        return (jar, token);
    }
    let value = new_token();
    let token = csrf_token(state, &value);
    (jar.add(build_cookie(state, VISITOR, value)), token)
}

/// The address a request came from, for throttling and the audit trail. Behind trusted
/// reverse proxies it is the nearest address in X-Forwarded-For that is not one of them
/// (the right-most untrusted hop: anything left of it the client could have written).
#[derive(Debug, Clone)]
pub struct ClientAddress(pub String);

/// Picks the client address from the peer and the X-Forwarded-For header.
pub fn client_address(peer: Option<std::net::IpAddr>, forwarded_for: Option<&str>, trusted: &[std::net::IpAddr]) -> String {
    let Some(peer) = peer else { return "unknown".into() };
    if !trusted.contains(&peer) {
        return peer.to_string();
    }
    forwarded_for
        .into_iter()
        .flat_map(|h| h.split(',').rev())
        .filter_map(|hop| hop.trim().parse::<std::net::IpAddr>().ok())
        .find(|ip| !trusted.contains(ip))
        .unwrap_or(peer)
        .to_string()
}

impl<S> FromRequestParts<S> for ClientAddress
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ci| ci.0.ip());
        let forwarded = parts.headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
        Ok(ClientAddress(client_address(peer, forwarded, &state.config.trusted_proxies)))
    }
}

#[cfg(test)]
mod tests {
    use super::client_address;

    #[test]
    fn a_direct_client_is_its_own_address_whatever_it_claims() {
        let peer = "203.0.113.9".parse().ok();
        assert_eq!(client_address(peer, Some("10.9.9.9"), &[]), "203.0.113.9");
    }

    #[test]
    fn behind_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client() {
        let proxy = "10.0.0.2".parse().unwrap();
        let forged_then_real = Some("198.51.100.1, 203.0.113.7");
        assert_eq!(client_address(Some(proxy), forged_then_real, &[proxy]), "203.0.113.7");
        assert_eq!(client_address(Some(proxy), None, &[proxy]), "10.0.0.2");
    }
}

/// Someone whose password was accepted: possibly still owing a second factor or a new password.
#[derive(Debug, Clone)]
pub struct PartlySignedIn {
    /// Their account.
    pub account: StaffAccount,
    /// Digest of the session token.
    pub token_hash: String,
    /// Whether they passed the second factor in this session.
    pub mfa_passed: bool,
    /// CSRF token for forms on the page.
    pub csrf: String,
    /// Where the request came from.
    pub address: String,
}

/// Someone fully signed in, with the principal the policy decides on.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// Their account.
    pub account: StaffAccount,
    /// Who they are to the policy.
    pub principal: policy::Principal,
    /// Digest of the session token.
    pub token_hash: String,
    /// CSRF token for forms on the page.
    pub csrf: String,
    /// Where the request came from.
    pub address: String,
}

/// Why a signed-in person cannot go on yet.
pub enum NotYet {
    /// No valid session.
    Error(AppError),
    /// They must set up or pass a second factor, or change their password, first.
    Redirect(&'static str),
}

impl IntoResponse for NotYet {
    fn into_response(self) -> Response {
        match self {
            NotYet::Error(e) => e.into_response(),
            NotYet::Redirect(to) => Redirect::to(to).into_response(),
        }
    }
}

/// Requests a page makes on its own while nobody touches it (the follow view asking every few
/// seconds for the case under discussion): they do not count as activity, so a screen left
/// open on a meeting still signs its user out when the idle timeout passes.
fn is_background_poll(path: &str) -> bool {
    path.starts_with("/meetings/") && path.ends_with("/live/now")
}

impl<S> FromRequestParts<S> for PartlySignedIn
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ClientAddress(address) = ClientAddress::from_request_parts(parts, state)
            .await
            .unwrap_or(ClientAddress("unknown".into()));
        let state = AppState::from_ref(state);
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(cookie) = jar.get(&cookie_name(&state, SESSION)) else {
            return Err(AppError::NotSignedIn);
        };
        let token_hash = token_digest(cookie.value());
        let Some(session) = state.store.session(&token_hash).await? else {
            return Err(AppError::NotSignedIn);
        };
        let now = state.store.clock().now();
        let idle = now - session.last_seen_at > state.config.idle_timeout;
        let expired = now - session.created_at > state.config.absolute_timeout;
        if idle || expired {
            let reason = if idle { "session.idle_timeout" } else { "session.absolute_timeout" };
            state.store.end_session(&token_hash, session.user_id, reason).await?;
            return Err(AppError::NotSignedIn);
        }
        let account = match state.store.staff_account(session.user_id).await? {
            Some(a) if a.active => a,
            _ => {
                state
                    .store
                    .end_session(&token_hash, session.user_id, "session.account_inactive")
                    .await?;
                return Err(AppError::NotSignedIn);
            }
        };
        // Touch at most once a minute: the idle timeout does not need finer time, and it
        // saves a write on every page view. A page's own background poll is not activity.
        if now - session.last_seen_at > time::Duration::MINUTE && !is_background_poll(parts.uri.path()) {
            state.store.touch_session(&token_hash).await?;
        }
        Ok(PartlySignedIn {
            csrf: csrf_token(&state, cookie.value()),
            account,
            token_hash,
            mfa_passed: session.mfa_passed,
            address,
        })
    }
}

impl<S> FromRequestParts<S> for SignedIn
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = NotYet;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let partly = PartlySignedIn::from_request_parts(parts, state).await.map_err(NotYet::Error)?;
        let state = AppState::from_ref(state);
        if partly.account.must_pass_second_factor() && !partly.mfa_passed {
            return Err(NotYet::Redirect(if partly.account.mfa_enabled {
                "/sign-in/second-factor"
            } else {
                "/account/second-factor"
            }));
        }
        if partly.account.must_change_password {
            return Err(NotYet::Redirect("/account/password"));
        }
        let principal = principal_for(&state, &partly.account, partly.mfa_passed);
        Ok(SignedIn {
            principal,
            account: partly.account,
            token_hash: partly.token_hash,
            csrf: partly.csrf,
            address: partly.address,
        })
    }
}

/// Who an account is to the policy, today.
pub fn principal_for(state: &AppState, account: &StaffAccount, mfa_passed: bool) -> policy::Principal {
    policy::Principal {
        user: account.id,
        organisation: account.organisation_id,
        roles: account.roles.clone(),
        isa: account.organisation_isa.standing(state.store.clock().today()),
        mfa_passed,
    }
}

/// Starts a new session for a user and returns the jar carrying its cookie. A session the
/// browser already had ends first, and any visitor cookie is dropped: the new session cookie
/// binds the CSRF token.
pub async fn start_session(state: &AppState, jar: CookieJar, user: UserId, address: &str, mfa_passed: bool) -> Result<CookieJar, AppError> {
    let jar = end_session(state, jar).await?;
    let token = new_token();
    state.store.create_session(&token_digest(&token), user, mfa_passed, address).await?;
    Ok(jar.remove(removal_cookie(state, VISITOR)).add(build_cookie(state, SESSION, token)))
}

/// Moves the current session to a fresh token once the second factor is passed; returns the
/// jar carrying the new cookie and the new token's digest for the store.
pub fn rotated(state: &AppState, jar: CookieJar) -> (CookieJar, String) {
    let token = new_token();
    let digest = token_digest(&token);
    (jar.add(build_cookie(state, SESSION, token)), digest)
}

/// Ends the current session, if any, and returns the jar that clears its cookie.
pub async fn end_session(state: &AppState, jar: CookieJar) -> Result<CookieJar, AppError> {
    if let Some(cookie) = jar.get(&cookie_name(state, SESSION)) {
        let hash = token_digest(cookie.value());
        if let Some(s) = state.store.session(&hash).await? {
            state.store.end_session(&hash, s.user_id, "session.sign_out").await?;
        }
    }
    Ok(jar.remove(removal_cookie(state, SESSION)))
}
