//! Headers every response carries, the same-origin check on every state-changing request,
//! and the request span that keeps personal data out of logs.

use axum::extract::Request;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::IntoResponse;
use axum::response::Response;

/// No inline script or style anywhere; images may be data: URLs (the second-factor QR code).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// Adds the security headers, and `Cache-Control: no-store` to everything but the static
/// assets, so no page or API answer with personal data stays in a browser or proxy cache.
pub async fn headers(request: Request, next: Next) -> Response {
    let is_asset = request.uri().path().starts_with("/assets/");
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    h.insert(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static("max-age=31536000; includeSubDomains"),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    );
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    if is_asset {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    } else {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    }
    response
}

/// Refuses a state-changing request that the browser says came from another website, before
/// any handler runs. This is the second guard against cross-site request forgery, beside the
/// per-session token every form carries ([`crate::session::check_csrf`]): it holds even for a
/// form that forgot its token, and it stops login CSRF without needing a visitor cookie.
///
/// Modern browsers send `Sec-Fetch-Site`, computed by the browser itself from the page and
/// the target, so when it is present it decides alone (which also keeps a reverse proxy that
/// rewrites `Host` from breaking sign-in). Older browsers send only `Origin`, which must then
/// name this host. A request with neither is not from a browser that could be tricked into
/// sending it (an agency system, a script): the CSRF token or the bearer token guards it.
pub async fn same_origin(request: Request, next: Next) -> Response {
    if is_cross_site(&request) {
        tracing::warn!("cross-site state-changing request refused");
        let refusal = crate::error::AppError::CrossSite;
        return if request.uri().path().starts_with("/api/") {
            refusal.into_problem()
        } else {
            refusal.into_response()
        };
    }
    next.run(request).await
}

fn is_cross_site(request: &Request) -> bool {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site") {
        // "none": the person started it (a bookmark, the address bar), not another site.
        return !matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return false;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| request.uri().authority().map(|a| a.as_str()));
    // `Origin: null` (a sandboxed frame, a data: URL) has no "://" and is refused too.
    let origin_host = origin.to_str().ok().and_then(|o| o.split_once("://")).map(|(_, rest)| rest);
    match (origin_host, host) {
        (Some(o), Some(h)) => !o.eq_ignore_ascii_case(h),
        _ => true,
    }
}

/// The span for one request: its id, method and path — never the query string, which may
/// hold a name someone searched for.
pub fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
    tracing::info_span!("request", id = %id, method = %request.method(), path = %request.uri().path())
}

/// Counts requests and their duration for `/metrics`, labelled by route template (never the
/// concrete path, which holds ids) and status class.
pub async fn observe(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let method = request.method().to_string();
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    let status = format!("{}xx", response.status().as_u16() / 100);
    metrics::counter!("http_requests_total", "route" => route.clone(), "method" => method.clone(), "status" => status).increment(1);
    metrics::histogram!("http_request_duration_seconds", "route" => route, "method" => method).record(started.elapsed().as_secs_f64());
    response
}
