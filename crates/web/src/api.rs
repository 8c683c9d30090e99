//! The JSON API for agency systems, under `/api/v1`, with bearer tokens and the same policy
//! decisions as the pages. The OpenAPI 3.1 document is at `/api/openapi.json`; `/api` is a
//! readable reference generated from it.

use crate::AppState;
use crate::error::AppError;
use crate::session::{principal_for, token_digest};
use askama::Template;
use axum::extract::{FromRef, FromRequestParts, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

/// An API error: the same errors as the pages, rendered as problem details JSON.
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.into_problem()
    }
}

/// An agency system calling with a bearer token; it acts as the user the token was issued to.
pub struct ApiCaller {
    /// The account the token belongs to.
    pub account: store::accounts::StaffAccount,
    /// Where the call came from, for the audit trail.
    pub address: String,
    /// Who the caller is to the policy. A token is not a second factor, so an agency system
    /// never counts as having passed one: administrative actions stay out of its reach.
    pub principal: policy::Principal,
}

impl<S> FromRequestParts<S> for ApiCaller
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let crate::session::ClientAddress(address) = crate::session::ClientAddress::from_request_parts(parts, state)
            .await
            .unwrap_or(crate::session::ClientAddress("unknown".into()));
        let state = AppState::from_ref(state);
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(ApiError(AppError::NotSignedIn))?;
        let user = state
            .store
            .api_token_user(&token_digest(token.trim()))
            .await?
            .ok_or(ApiError(AppError::NotSignedIn))?;
        let account = state
            .store
            .staff_account(user)
            .await?
            .filter(|a| a.active)
            .ok_or(ApiError(AppError::NotSignedIn))?;
        let principal = principal_for(&state, &account, false);
        Ok(ApiCaller {
            account,
            principal,
            address,
        })
    }
}

/// The calling account.
#[derive(Serialize, ToSchema)]
pub struct Me {
    /// Account id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Organisation id.
    pub organisation_id: String,
    /// Organisation name.
    pub organisation: String,
    /// The organisation's ISA standing today: current, pending, lapsed or withdrawn.
    pub isa_standing: String,
    /// Role codes.
    pub roles: Vec<String>,
}

/// One organisation on the ISA register.
#[derive(Serialize, ToSchema)]
pub struct OrganisationEntry {
    /// Organisation id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Kind code, e.g. `police`.
    pub kind: String,
    /// ISA standing today.
    pub isa_standing: String,
    /// Review date of its signature (YYYY-MM-DD), if signed.
    pub review_due: Option<String>,
}

/// One panel.
#[derive(Serialize, ToSchema)]
pub struct PanelEntry {
    /// Panel id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Kind code.
    pub kind: String,
    /// Locality name.
    pub locality: String,
    /// When it meets, in words.
    pub meets: String,
    /// Venue.
    pub venue: String,
}

/// Who am I?
#[utoipa::path(get, path = "/api/v1/me", tag = "account", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, description = "Missing or unknown token")))]
pub async fn me(caller: ApiCaller) -> Result<Json<Me>, ApiError> {
    let a = caller.account;
    Ok(Json(Me {
        id: a.id.to_string(),
        name: a.full_name(),
        organisation_id: a.organisation_id.to_string(),
        organisation: a.organisation_name,
        isa_standing: caller.principal.isa.code().to_owned(),
        roles: a.roles.iter().map(|r| r.code().to_owned()).collect(),
    }))
}

/// The ISA register.
#[utoipa::path(get, path = "/api/v1/organisations", tag = "organisations", security(("bearer" = [])),
    responses((status = 200, body = [OrganisationEntry]), (status = 401), (status = 403)))]
pub async fn organisations(State(state): State<AppState>, caller: ApiCaller) -> Result<Json<Vec<OrganisationEntry>>, ApiError> {
    let permit = state.require(&caller.principal, policy::ViewIsaRegister, &caller.address).await?;
    let today = state.store.clock().today();
    let list = state.store.list_organisations(&permit).await?;
    Ok(Json(
        list.into_iter()
            .map(|o| OrganisationEntry {
                id: o.id.to_string(),
                kind: o.kind.code().to_owned(),
                isa_standing: o.isa.standing(today).code().to_owned(),
                review_due: match &o.isa {
                    domain::organisation::IsaStatus::Signed { review_due, .. } => Some(review_due.to_string()),
                    _ => None,
                },
                name: o.name,
            })
            .collect(),
    ))
}

/// Panels and when they meet.
#[utoipa::path(get, path = "/api/v1/panels", tag = "panels", security(("bearer" = [])),
    responses((status = 200, body = [PanelEntry]), (status = 401), (status = 403)))]
pub async fn panels(State(state): State<AppState>, caller: ApiCaller) -> Result<Json<Vec<PanelEntry>>, ApiError> {
    let permit = state.require(&caller.principal, policy::ViewPanels, &caller.address).await?;
    let list = state.store.list_panels(&permit).await?;
    Ok(Json(
        list.into_iter()
            .map(|p| PanelEntry {
                id: p.id.to_string(),
                kind: p.kind.code().to_owned(),
                locality: p.locality_name,
                meets: p.cadence.describe(),
                venue: p.venue,
                name: p.name,
            })
            .collect(),
    ))
}

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        if let Some(c) = openapi.components.as_mut() {
            c.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// The OpenAPI description of the API.
#[derive(OpenApi)]
#[openapi(
    info(title = "Early Help API", description = "For agency systems of Information Sharing Agreement signatories. Tokens are issued with `earlyhelp token create --user EMAIL`; every call is decided by the same access policy as the pages. A token acts as its account without a second factor, so administrative actions are never open to it."),
    paths(me, organisations, panels),
    components(schemas(Me, OrganisationEntry, PanelEntry)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// The routes under `/api`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/openapi.json", get(openapi_json))
        .route("/api/v1/me", get(me))
        .route("/api/v1/organisations", get(organisations))
        .route("/api/v1/panels", get(panels))
}

async fn openapi_json() -> Response {
    match ApiDoc::openapi().to_pretty_json() {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(e) => AppError::internal(e).into_problem(),
    }
}

/// One operation as the reference page lists it.
pub struct Operation {
    /// HTTP method.
    pub method: String,
    /// Path.
    pub path: String,
    /// Summary.
    pub summary: String,
}

#[derive(Template)]
#[template(path = "api.html")]
struct ApiPage {
    chrome: crate::pages::Chrome,
    operations: Vec<Operation>,
}

/// A readable reference generated from the OpenAPI document.
pub async fn reference(State(state): State<AppState>, jar: axum_extra::extract::cookie::CookieJar) -> Result<Response, AppError> {
    let doc = ApiDoc::openapi();
    let mut operations = Vec::new();
    for (path, item) in doc.paths.paths.iter() {
        for (method, op) in [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("DELETE", &item.delete),
        ] {
            if let Some(op) = op {
                operations.push(Operation {
                    method: method.into(),
                    path: path.clone(),
                    summary: op.summary.clone().or_else(|| op.description.clone()).unwrap_or_default(),
                });
            }
        }
    }
    let (jar, csrf) = crate::session::ensure_visitor(&state, jar);
    Ok((
        jar,
        crate::pages::render(&ApiPage {
            chrome: crate::pages::Chrome::anonymous(&state, csrf, "API for agency systems"),
            operations,
        })?,
    )
        .into_response())
}
