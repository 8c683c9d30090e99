//! Settings for the web layer, filled in by the binary from its layered configuration.

use std::time::Duration;

/// How the web layer behaves.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The council's name, shown in the header and page titles.
    pub council_name: String,
    /// Whether cookies carry the `Secure` flag. True in production behind HTTPS; the demo on
    /// plain HTTP over loopback turns it off so browsers keep the session cookie.
    pub secure_cookies: bool,
    /// A session unused for this long ends (30 minutes).
    pub idle_timeout: Duration,
    /// A session ends this long after sign-in whatever happens (12 hours).
    pub absolute_timeout: Duration,
    /// Failed sign-ins for one account within the window before it is locked for the window.
    pub account_failure_limit: i64,
    /// Failed sign-ins from one address within the window before it is locked.
    pub address_failure_limit: i64,
    /// The throttling window.
    pub failure_window: Duration,
    /// Reverse proxies whose X-Forwarded-For is believed.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// How long an invitation link works (7 days: long enough to be away for a week).
    pub invitation_valid_for: Duration,
    /// How long a password-reset link works (1 hour: it is used at once or not at all).
    pub password_reset_valid_for: Duration,
    /// Password-reset requests for one address within the throttling window before more are
    /// refused (counted whether or not the address has an account).
    pub reset_address_limit: i64,
    /// Password-reset requests from one client address within the window.
    pub reset_client_limit: i64,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            council_name: "Northmere Council".into(),
            secure_cookies: true,
            idle_timeout: Duration::from_secs(30 * 60),
            absolute_timeout: Duration::from_secs(12 * 60 * 60),
            account_failure_limit: 5,
            address_failure_limit: 20,
            failure_window: Duration::from_secs(15 * 60),
            trusted_proxies: Vec::new(),
            invitation_valid_for: Duration::from_secs(7 * 24 * 60 * 60),
            password_reset_valid_for: Duration::from_secs(60 * 60),
            reset_address_limit: 3,
            reset_client_limit: 10,
        }
    }
}
