//! The GOV.UK Frontend assets, built by `scripts/build-assets.sh` and embedded so the binary
//! is self-contained. Served as files: the CSP allows no inline script or style.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// (path under /assets/, content type, bytes)
const FILES: &[(&str, &str, &[u8])] = &[
    ("app.css", "text/css; charset=utf-8", include_bytes!("../assets/app.css")),
    (
        "govuk-frontend.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/govuk-frontend.min.js"),
    ),
    ("init.js", "text/javascript; charset=utf-8", include_bytes!("../assets/init.js")),
    ("live.js", "text/javascript; charset=utf-8", include_bytes!("../assets/live.js")),
    (
        "images/favicon.svg",
        "image/svg+xml",
        include_bytes!("../assets/images/favicon.svg"),
    ),
];

/// Serves one embedded asset.
pub async fn serve(Path(path): Path<String>) -> Response {
    match FILES.iter().find(|(p, _, _)| *p == path) {
        Some((_, content_type, bytes)) => ([(header::CONTENT_TYPE, *content_type)], *bytes).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Browsers ask for /favicon.ico on their own; answer with the SVG icon.
pub async fn favicon() -> Response {
    serve(Path("images/favicon.svg".to_owned())).await
}
