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

/// One family in a list: enough to recognise it.
#[derive(Serialize, ToSchema)]
pub struct FamilyEntry {
    /// Family id.
    pub id: String,
    /// Its people's names, adults first.
    pub names: String,
    /// First line of the address.
    pub address_line: String,
    /// Postcode.
    pub postcode: String,
    /// Locality.
    pub locality: String,
}

/// A page of families the calling account is connected to.
#[derive(Serialize, ToSchema)]
pub struct FamilyList {
    /// The families on this page.
    pub families: Vec<FamilyEntry>,
    /// How many families match in all.
    pub total: i64,
    /// This page, from 1.
    pub page: i64,
}

/// A search of the families the calling account is connected to. Sent as a POST body, so
/// names never appear in a URL or a log.
#[derive(serde::Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct FamilySearchRequest {
    /// Part of anyone's given or family name, any case.
    #[serde(default)]
    pub name: Option<String>,
    /// The start of the postcode.
    #[serde(default)]
    pub postcode: Option<String>,
    /// The page, from 1.
    #[serde(default)]
    pub page: Option<i64>,
}

/// A person in a family.
#[derive(Serialize, ToSchema)]
pub struct PersonEntry {
    /// Person id.
    pub id: String,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Date of birth, YYYY-MM-DD.
    pub date_of_birth: String,
    /// Household role code: child, parent, carer, other_adult.
    pub household_role: String,
    /// Has a disability (a young person of 20 to 25 is in early help's range only with one).
    pub has_disability: bool,
}

/// One family's record. Reading it is recorded in the audit trail and, as sharing with the
/// calling agency, in the family's sharing log.
#[derive(Serialize, ToSchema)]
pub struct FamilyDetail {
    /// Family id.
    pub id: String,
    /// First line of the address.
    pub address_line: String,
    /// Postcode.
    pub postcode: String,
    /// Locality.
    pub locality: String,
    /// The panel holding its case, if any.
    pub panel: Option<String>,
    /// Its people.
    pub people: Vec<PersonEntry>,
}

/// Families per API page.
const API_PAGE: i64 = 100;

async fn family_list(state: &AppState, caller: &ApiCaller, search: FamilySearchRequest) -> Result<Json<FamilyList>, ApiError> {
    let permit = state.require(&caller.principal, policy::ViewFamilyList, &caller.address).await?;
    let page = search.page.unwrap_or(1).max(1);
    let found = state
        .store
        .list_families(
            &state.authority,
            &permit,
            &store::families::FamilySearch {
                name: search.name,
                postcode: search.postcode,
            },
            (page - 1) * API_PAGE,
            API_PAGE,
        )
        .await?;
    Ok(Json(FamilyList {
        families: found
            .families
            .into_iter()
            .map(|f| FamilyEntry {
                id: f.id.to_string(),
                names: f.names,
                address_line: f.address_line,
                postcode: f.postcode,
                locality: f.locality,
            })
            .collect(),
        total: found.total,
        page,
    }))
}

/// The families the calling account works with or whose cases are on its panels, 100 a page.
#[utoipa::path(get, path = "/api/v1/families", tag = "families", security(("bearer" = [])),
    params(("page" = Option<i64>, Query, description = "Page, from 1")),
    responses((status = 200, body = FamilyList), (status = 401), (status = 403)))]
pub async fn families(
    State(state): State<AppState>,
    caller: ApiCaller,
    axum::extract::Query(q): axum::extract::Query<PageParam>,
) -> Result<Json<FamilyList>, ApiError> {
    family_list(
        &state,
        &caller,
        FamilySearchRequest {
            page: q.page,
            ..Default::default()
        },
    )
    .await
}

/// Which page.
#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct PageParam {
    /// Page, from 1.
    pub page: Option<i64>,
}

/// The same list narrowed by name or postcode (in the body, never the URL).
#[utoipa::path(post, path = "/api/v1/families/search", tag = "families", security(("bearer" = [])),
    request_body = FamilySearchRequest,
    responses((status = 200, body = FamilyList), (status = 400), (status = 401), (status = 403)))]
pub async fn search_families(
    State(state): State<AppState>,
    caller: ApiCaller,
    body: Result<Json<FamilySearchRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<FamilyList>, ApiError> {
    let Json(search) = body.map_err(|e| AppError::BadRequest(e.body_text()))?;
    family_list(&state, &caller, search).await
}

/// One family. The read is audited and written to the family's sharing log as shared with the
/// calling agency. A family the caller may not see and an id with no family behind it get the
/// same 403.
#[utoipa::path(get, path = "/api/v1/families/{id}", tag = "families", security(("bearer" = [])),
    params(("id" = String, Path, description = "Family id")),
    responses((status = 200, body = FamilyDetail), (status = 401), (status = 403)))]
pub async fn family(
    State(state): State<AppState>,
    caller: ApiCaller,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Json<FamilyDetail>, ApiError> {
    let id = domain::FamilyId::from_path(&id);
    let permit = state
        .require_family(&caller.principal, policy::ViewFamily, id, &caller.address)
        .await?;
    let record = state.store.view_family(&permit, &caller.address).await?.ok_or(AppError::NotFound)?;
    state
        .store
        .log_system_sharing(
            id,
            &store::families::NewSharingEntry {
                decision: store::families::SharingDecision::Shared,
                data_categories: "Family record: people, address, panel".into(),
                recipient_organisation: Some(caller.account.organisation_id),
                recipient_user: Some(caller.account.id),
                recipient_description: format!(
                    "{} (case system, as {})",
                    caller.account.organisation_name,
                    caller.account.full_name()
                ),
                purpose: "Read by the agency's case system through the API".into(),
                lawful_basis: "As the family's consent and the Information Sharing Agreement allow".into(),
                method: "api".into(),
                decided_on: state.store.clock().today(),
            },
        )
        .await?;
    Ok(Json(FamilyDetail {
        id: record.id.to_string(),
        address_line: record.address_line,
        postcode: record.postcode,
        locality: record.locality,
        panel: record.panel,
        people: record
            .people
            .into_iter()
            .map(|p| PersonEntry {
                id: p.id.to_string(),
                given_name: p.given_name,
                family_name: p.family_name,
                date_of_birth: p.date_of_birth.to_string(),
                household_role: p.household_role,
                has_disability: p.has_disability,
            })
            .collect(),
    }))
}

/// One referral, as lists show it.
#[derive(Serialize, ToSchema)]
pub struct ReferralEntry {
    /// Referral id.
    pub id: String,
    /// Its family's id.
    pub family_id: String,
    /// Route code: `mash_decision`, `step_down`, `step_up` or `stuck`.
    pub route: String,
    /// Status code, e.g. `awaiting_screening`, `escalated_to_mash`, `accepted_for_panel`.
    pub status: String,
    /// An urgent safeguarding concern (with MASH, never on a panel agenda).
    pub urgent: bool,
    /// The family was referred within the last twelve months.
    pub re_referral: bool,
    /// The locality it is allocated to.
    pub locality: String,
    /// Who made it.
    pub referred_by: String,
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// The panel meeting it is accepted for (YYYY-MM-DD).
    pub meeting_date: Option<String>,
}

impl From<store::referrals::ReferralSummary> for ReferralEntry {
    fn from(r: store::referrals::ReferralSummary) -> Self {
        Self {
            id: r.id.to_string(),
            family_id: r.family_id.to_string(),
            route: r.route.code().to_owned(),
            status: r.status.code().to_owned(),
            urgent: r.urgent,
            re_referral: r.re_referral,
            locality: r.locality,
            referred_by: r.referred_by,
            created_at: rfc3339(r.created_at),
            meeting_date: r.meeting_date.map(|d| d.to_string()),
        }
    }
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// One change in a referral's history.
#[derive(Serialize, ToSchema)]
pub struct ReferralHistoryItem {
    /// Event code.
    pub event: String,
    /// Status left.
    pub from: String,
    /// Status entered.
    pub to: String,
    /// When (RFC 3339).
    pub at: String,
    /// Who.
    pub by: String,
}

/// One referral in full.
#[derive(Serialize, ToSchema)]
pub struct ReferralDetail {
    /// What lists show.
    #[serde(flatten)]
    pub summary: ReferralEntry,
    /// The referrer's words.
    pub reason: String,
    /// The panel it was accepted for.
    pub panel: Option<String>,
    /// The version to send with a change.
    pub version: i64,
    /// Event codes the referral's state allows (the policy decides who may fire them).
    pub allowed_events: Vec<String>,
    /// Every change, oldest first.
    pub history: Vec<ReferralHistoryItem>,
    /// When it was made without the family's consent, the override it was made on.
    pub consent_override: Option<ReferralOverrideEntry>,
}

/// The consent override a referral was made on.
#[derive(Serialize, ToSchema)]
pub struct ReferralOverrideEntry {
    /// `safeguarding` or `public_interest`.
    pub ground: Option<String>,
    /// Why, as written.
    pub justification: String,
    /// Who authorised it.
    pub authorised_by: String,
    /// The day it was decided, YYYY-MM-DD.
    pub decided_on: String,
}

/// A new referral. Unknown fields are refused.
#[derive(serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReferralRequest {
    /// `mash_decision`, `step_down`, `step_up` or `stuck`.
    pub route: String,
    /// Why, and what help the family needs.
    pub reason: String,
    /// An urgent safeguarding concern: it goes to MASH at once.
    #[serde(default)]
    pub urgent: bool,
    /// For a step-down or step-up: the account id of the case supervisor or locality manager
    /// who signs the checklist off.
    #[serde(default)]
    pub sign_off_by: Option<String>,
    /// To refer a family that has not consented, on an override the calling account
    /// authorises (MASH practitioners, case supervisors and locality managers only).
    #[serde(default)]
    pub without_consent: Option<ConsentOverrideRequest>,
}

/// Sharing without the family's consent. Unknown fields are refused.
#[derive(serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentOverrideRequest {
    /// `safeguarding` or `public_interest`.
    pub ground: String,
    /// Why sharing without consent is necessary and proportionate (at least a sentence).
    pub justification: String,
}

/// Something to happen to a referral. Unknown fields are refused.
#[derive(serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferralEventRequest {
    /// Event code: `submit`, `sign_off`, `escalate`, `acknowledge`, `accept`, `return`,
    /// `redirect`, `withdraw` or `close`.
    pub event: String,
    /// The `version` read; a referral changed since is refused with 409.
    pub version: i64,
    /// Why (return, withdraw); for `submit`, the rewritten reason (empty keeps it).
    #[serde(default)]
    pub reason: String,
    /// Details (redirect).
    #[serde(default)]
    pub note: String,
    /// Where (redirect): `childrens_social_care`, `another_locality`, `universal_service` or
    /// `other` (to send one to MASH, escalate it).
    #[serde(default)]
    pub to: String,
    /// The locality id, when redirected to another locality's panel.
    #[serde(default)]
    pub locality: String,
    /// The meeting (accept): `<panel id>/<YYYY-MM-DD>`.
    #[serde(default)]
    pub meeting: String,
    /// Checklist item codes ticked (sign_off).
    #[serde(default)]
    pub checklist: Vec<String>,
}

/// The referral's id, once made.
#[derive(Serialize, ToSchema)]
pub struct ReferralCreated {
    /// Referral id.
    pub id: String,
}

/// Turns the refusals a person could put right into one 400 problem.
fn unprocessable(errors: crate::forms::FormErrors) -> ApiError {
    let text: Vec<String> = errors.0.into_iter().map(|(field, message)| format!("{field}: {message}")).collect();
    ApiError(AppError::BadRequest(text.join("; ")))
}

/// A family's referrals, newest first.
#[utoipa::path(get, path = "/api/v1/families/{id}/referrals", tag = "referrals", security(("bearer" = [])),
    params(("id" = String, Path, description = "Family id")),
    responses((status = 200, body = Vec<ReferralEntry>), (status = 401), (status = 403)))]
pub async fn family_referrals(
    State(state): State<AppState>,
    caller: ApiCaller,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Json<Vec<ReferralEntry>>, ApiError> {
    let id = domain::FamilyId::from_path(&id);
    let permit = state
        .require_family(&caller.principal, policy::ViewFamily, id, &caller.address)
        .await?;
    let list = state.store.family_referrals(&permit).await?;
    state
        .store
        .log_system_sharing(id, &api_sharing(&state, &caller, "Referrals: routes and status"))
        .await?;
    Ok(Json(list.into_iter().map(ReferralEntry::from).collect()))
}

/// The sharing-log entry for an API read by an agency's case system.
fn api_sharing(state: &AppState, caller: &ApiCaller, what: &str) -> store::families::NewSharingEntry {
    store::families::NewSharingEntry {
        decision: store::families::SharingDecision::Shared,
        data_categories: what.to_owned(),
        recipient_organisation: Some(caller.account.organisation_id),
        recipient_user: Some(caller.account.id),
        recipient_description: format!(
            "{} (case system, as {})",
            caller.account.organisation_name,
            caller.account.full_name()
        ),
        purpose: "Read by the agency's case system through the API".into(),
        lawful_basis: "As the family's consent and the Information Sharing Agreement allow".into(),
        method: "api".into(),
        decided_on: state.store.clock().today(),
    }
}

async fn referral_detail(state: &AppState, caller: &ApiCaller, id: domain::ReferralId) -> Result<ReferralDetail, ApiError> {
    let family = state
        .store
        .referral_family(id)
        .await?
        .unwrap_or(domain::FamilyId(uuid::Uuid::nil()));
    let permit = state
        .require_family(&caller.principal, policy::ViewFamily, family, &caller.address)
        .await?;
    let r = state
        .store
        .view_referral(&permit, id, &caller.address)
        .await?
        .ok_or(AppError::NotFound)?;
    state
        .store
        .log_system_sharing(family, &api_sharing(state, caller, "Referral: reason, status and history"))
        .await?;
    Ok(ReferralDetail {
        consent_override: r.consent_override.map(|o| ReferralOverrideEntry {
            ground: o.ground.map(|g| g.code().to_owned()),
            justification: o.justification,
            authorised_by: o.authorised_by,
            decided_on: o.on.to_string(),
        }),
        summary: r.summary.into(),
        reason: r.reason,
        panel: r.panel,
        version: r.version,
        allowed_events: r.allowed_events.iter().map(|e| e.code().to_owned()).collect(),
        history: r
            .history
            .into_iter()
            .map(|h| ReferralHistoryItem {
                event: h.event.code().to_owned(),
                from: h.from.code().to_owned(),
                to: h.to.code().to_owned(),
                at: rfc3339(h.at),
                by: h.by,
            })
            .collect(),
    })
}

/// One referral with its history. The read is audited and written to the family's sharing log.
#[utoipa::path(get, path = "/api/v1/referrals/{id}", tag = "referrals", security(("bearer" = [])),
    params(("id" = String, Path, description = "Referral id")),
    responses((status = 200, body = ReferralDetail), (status = 401), (status = 403)))]
pub async fn referral(
    State(state): State<AppState>,
    caller: ApiCaller,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Json<ReferralDetail>, ApiError> {
    let id = domain::ReferralId::from_path(&id);
    Ok(Json(referral_detail(&state, &caller, id).await?))
}

/// Makes a referral for a family, as the form does: the route must be one the policy allows
/// the calling account; an urgent concern goes to MASH at once.
#[utoipa::path(post, path = "/api/v1/families/{id}/referrals", tag = "referrals", security(("bearer" = [])),
    params(("id" = String, Path, description = "Family id")),
    request_body = NewReferralRequest,
    responses((status = 201, body = ReferralCreated), (status = 400), (status = 401), (status = 403)))]
pub async fn make_referral(
    State(state): State<AppState>,
    caller: ApiCaller,
    axum::extract::Path(id): axum::extract::Path<String>,
    body: Result<Json<NewReferralRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let id = domain::FamilyId::from_path(&id);
    let Json(req) = body.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let mut errors = crate::forms::FormErrors::default();
    let route = errors.check(
        "route",
        req.route
            .parse::<domain::referral::Route>()
            .map_err(|_| "Give the route: mash_decision, step_down, step_up or stuck"),
    );
    let reason = errors.check("reason", domain::referral::ReferralReason::parse(&req.reason));
    let sign_off_by = match req.sign_off_by.as_deref().map(str::parse::<domain::UserId>) {
        Some(Err(_)) => {
            errors.add("sign_off_by", "Give the account id of the person who signs the checklist off");
            None
        }
        Some(Ok(u)) => Some(u),
        None => None,
    };
    let asked = req.without_consent.as_ref().map(|o| crate::pages::referrals::OverrideAsked {
        ground: &o.ground,
        justification: &o.justification,
    });
    let without_consent =
        crate::pages::referrals::consent_override_from(&state, &caller.principal, id, &caller.address, asked, &mut errors).await?;
    let (Some(route), Some(reason), true) = (route, reason, errors.is_empty()) else {
        return Err(unprocessable(errors));
    };
    let permit = state.require_new_referral(&caller.principal, id, route, &caller.address).await?;
    let (override_permit, consent_override) = without_consent.unzip();
    let details = store::referrals::ReferralDetails {
        reason,
        urgent: req.urgent,
        sign_off_by,
        consent_override,
    };
    match state
        .store
        .make_referral(&permit, &details, override_permit.as_ref(), &caller.address)
        .await
    {
        Ok(referral) => Ok((axum::http::StatusCode::CREATED, Json(ReferralCreated { id: referral.to_string() })).into_response()),
        Err(e) => {
            crate::pages::referrals::errors_from(&mut errors, e)?;
            Err(unprocessable(errors))
        }
    }
}

/// A new family (household). Unknown fields are refused.
#[derive(serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFamilyRequest {
    /// First line of the address.
    pub address_line: String,
    /// UK postcode; it decides the family's locality.
    pub postcode: String,
}

/// The family's id and the locality its postcode allocated it to, once recorded.
#[derive(Serialize, ToSchema)]
pub struct FamilyCreated {
    /// Family id.
    pub id: String,
}

/// Records a new family, as the page does: the postcode must be in one of the council's
/// localities. The calling account sees the family from then on (it recorded it).
#[utoipa::path(post, path = "/api/v1/families", tag = "families", security(("bearer" = [])),
    request_body = NewFamilyRequest,
    responses((status = 201, body = FamilyCreated), (status = 400), (status = 401), (status = 403)))]
pub async fn record_family(
    State(state): State<AppState>,
    caller: ApiCaller,
    body: Result<Json<NewFamilyRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(req) = body.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let permit = state.require(&caller.principal, policy::RecordFamily, &caller.address).await?;
    let mut errors = crate::forms::FormErrors::default();
    let Some((address_line, postcode)) = crate::pages::family_records::parse_address(&mut errors, &req.address_line, &req.postcode) else {
        return Err(unprocessable(errors));
    };
    match state.store.record_family(&permit, &address_line, &postcode, &caller.address).await {
        Ok(id) => Ok((axum::http::StatusCode::CREATED, Json(FamilyCreated { id: id.to_string() })).into_response()),
        Err(e @ store::people::RecordError::OutsideTheCouncil(_)) => {
            errors.add("postcode", e.to_string());
            Err(unprocessable(errors))
        }
        Err(store::people::RecordError::Store(e)) => Err(e.into()),
    }
}

/// A new person in a family. Unknown fields are refused.
#[derive(serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPersonRequest {
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Date of birth, YYYY-MM-DD.
    pub date_of_birth: String,
    /// `female`, `male`, `other` or `not_known`.
    pub sex: String,
    /// `child`, `parent`, `carer` or `other_adult`. A child or young person is 0–19, or up to
    /// 25 with a disability.
    pub household_role: String,
    /// Has a disability.
    #[serde(default)]
    pub has_disability: bool,
    /// NHS number (checked with its check digit).
    #[serde(default)]
    pub nhs_number: Option<String>,
    /// Unique Pupil Number (checked with its check letter).
    #[serde(default)]
    pub upn: Option<String>,
    /// National Insurance number.
    #[serde(default)]
    pub national_insurance_number: Option<String>,
    /// Tell it once: `true` once the caller has checked the `possible_matches` a 409 answer
    /// listed and none is this person.
    #[serde(default)]
    pub not_a_duplicate: bool,
}

/// A person already known to early help who may be the one being added.
#[derive(Serialize, ToSchema)]
pub struct PossibleMatchEntry {
    /// Person id.
    pub person: String,
    /// Their family's id, when the caller may see it.
    pub family: Option<String>,
    /// Name.
    pub name: String,
    /// Date of birth, YYYY-MM-DD.
    pub date_of_birth: String,
    /// The address when the caller may see the family, else the postcode district.
    pub place: String,
    /// A likely (rather than possible) match.
    pub likely: bool,
    /// What the records agree on.
    pub reasons: Vec<String>,
}

/// The person's id, once added.
#[derive(Serialize, ToSchema)]
pub struct PersonCreated {
    /// Person id.
    pub id: String,
}

/// Adds a person to a family, as the page does: the same checks of names, date of birth, age
/// range and identifiers, and tell it once — while people already held may be this person, the
/// answer is 409 with them in `possible_matches`, until the request says `not_a_duplicate`.
#[utoipa::path(post, path = "/api/v1/families/{id}/people", tag = "families", security(("bearer" = [])),
    params(("id" = String, Path, description = "Family id")),
    request_body = NewPersonRequest,
    responses((status = 201, body = PersonCreated), (status = 400), (status = 401), (status = 403),
        (status = 409, description = "People already held may be this person: problem details with `possible_matches`")))]
pub async fn record_person(
    State(state): State<AppState>,
    caller: ApiCaller,
    axum::extract::Path(id): axum::extract::Path<String>,
    body: Result<Json<NewPersonRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let id = domain::FamilyId::from_path(&id);
    let Json(req) = body.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let permit = state
        .require_family(&caller.principal, policy::RecordPerson, id, &caller.address)
        .await?;
    let form = crate::pages::family_records::PersonForm {
        given_name: req.given_name,
        family_name: req.family_name,
        date_of_birth: req.date_of_birth,
        sex: req.sex,
        household_role: req.household_role,
        has_disability: if req.has_disability { "yes".into() } else { String::new() },
        nhs_number: req.nhs_number.unwrap_or_default(),
        upn: req.upn.unwrap_or_default(),
        national_insurance_number: req.national_insurance_number.unwrap_or_default(),
        ..Default::default()
    };
    let mut errors = crate::forms::FormErrors::default();
    let Some(person) = crate::pages::family_records::parse_person(&mut errors, &form, state.store.clock().today()) else {
        return Err(unprocessable(errors));
    };
    if !req.not_a_duplicate {
        let matches = crate::pages::family_records::possible_matches_for(&state, &caller.principal, &permit, &person).await?;
        if !matches.is_empty() {
            let listed: Vec<PossibleMatchEntry> = matches
                .into_iter()
                .map(|m| PossibleMatchEntry {
                    person: m.person.to_string(),
                    family: m.family.map(|f| f.to_string()),
                    name: m.name,
                    date_of_birth: m.date_of_birth.to_string(),
                    place: m.place,
                    likely: m.likely,
                    reasons: m.reasons.iter().map(|r| (*r).to_owned()).collect(),
                })
                .collect();
            let body = serde_json::json!({
                "type": "about:blank",
                "title": "This person may already be known",
                "status": 409,
                "detail": format!("{}; send the request again with \"not_a_duplicate\": true once none is", crate::pages::family_records::MAY_BE_KNOWN),
                "possible_matches": listed,
            });
            return Ok((
                axum::http::StatusCode::CONFLICT,
                [(header::CONTENT_TYPE, "application/problem+json")],
                body.to_string(),
            )
                .into_response());
        }
    }
    let person = state.store.record_person(&permit, &person, &caller.address).await?;
    Ok((axum::http::StatusCode::CREATED, Json(PersonCreated { id: person.to_string() })).into_response())
}

/// Moves a referral on by one event, with the `version` read. Who may fire which event is the
/// same policy as the pages; whether the referral's state allows it is the same state machine.
#[utoipa::path(post, path = "/api/v1/referrals/{id}/events", tag = "referrals", security(("bearer" = [])),
    params(("id" = String, Path, description = "Referral id")),
    request_body = ReferralEventRequest,
    responses((status = 200, body = ReferralChanged), (status = 400), (status = 401), (status = 403), (status = 409)))]
pub async fn referral_event(
    State(state): State<AppState>,
    caller: ApiCaller,
    axum::extract::Path(id): axum::extract::Path<String>,
    body: Result<Json<ReferralEventRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<ReferralChanged>, ApiError> {
    let id = domain::ReferralId::from_path(&id);
    let Json(req) = body.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let kind: domain::referral::EventKind = req
        .event
        .parse()
        .map_err(|e: domain::referral::UnknownEventKind| AppError::BadRequest(e.to_string()))?;
    let permit = state.require_referral_change(&caller.principal, id, kind, &caller.address).await?;
    let fields = crate::pages::referrals::ChangeForm {
        version: req.version,
        reason: req.reason,
        note: req.note,
        to: req.to,
        locality: req.locality,
        meeting: req.meeting,
    };
    let mut errors = crate::forms::FormErrors::default();
    let Some(change) = crate::pages::referrals::change_input(kind, &fields, &req.checklist, &mut errors) else {
        return Err(unprocessable(errors));
    };
    if let Err(e) = state.store.change_referral(&permit, &change, fields.version, &caller.address).await {
        crate::pages::referrals::errors_from(&mut errors, e)?;
        return Err(unprocessable(errors));
    }
    // The caller may no longer see the family once the change is made (a withdrawal, a
    // sign-off): the answer says only where the referral now stands.
    let (status, version) = state.store.referral_status(id).await?.ok_or(AppError::NotFound)?;
    Ok(Json(ReferralChanged {
        id: id.to_string(),
        status: status.code().to_owned(),
        version,
    }))
}

/// One member organisation's attendance in a meeting's action notes.
#[derive(Serialize, ToSchema)]
pub struct NotesAttendance {
    /// Organisation name.
    pub organisation: String,
    /// Whether it is a core member.
    pub core: bool,
    /// `present`, `deputy`, `apologies` or `absent`; absent from the record if not recorded.
    pub status: Option<String>,
    /// Who came.
    pub attendee: Option<String>,
}

/// One action agreed on a case.
#[derive(Serialize, ToSchema)]
pub struct NotesAction {
    /// What.
    pub description: String,
    /// Who.
    pub owner: String,
    /// Their organisation.
    pub organisation: String,
    /// By when (YYYY-MM-DD).
    pub due_on: String,
    /// `open`, `done` or `cancelled`.
    pub status: String,
}

/// The panel's decision on a case.
#[derive(Serialize, ToSchema)]
pub struct NotesDecision {
    /// Outcome code, e.g. `initiate_assessment`.
    pub outcome: String,
    /// The outcome in words.
    pub label: String,
    /// Why.
    pub reasons: String,
    /// Lead or supporting organisation.
    pub lead_organisation: Option<String>,
    /// Lead professional.
    pub lead_professional: Option<String>,
    /// First Team Around the Family meeting by (YYYY-MM-DD).
    pub first_taf_by: Option<String>,
    /// Universal-plus service.
    pub service: Option<String>,
    /// Date of the meeting that reviews the case (YYYY-MM-DD).
    pub review_on: Option<String>,
}

/// One case discussed.
#[derive(Serialize, ToSchema)]
pub struct NotesCase {
    /// Family id; absent for a case discussed anonymously.
    pub family_id: Option<String>,
    /// The name a case discussed anonymously went by ("Family A"); absent otherwise.
    pub anonymous_as: Option<String>,
    /// Agenda section code.
    pub section: String,
    /// The family's address and postcode (empty for a case discussed anonymously).
    pub address: String,
    /// The decision, if one was recorded.
    pub decision: Option<NotesDecision>,
    /// Actions agreed.
    pub actions: Vec<NotesAction>,
}

/// A meeting's action notes, as the calling account may see them: families whose consent
/// excludes its organisation are left out.
#[derive(Serialize, ToSchema)]
pub struct ActionNotesDocument {
    /// Meeting id.
    pub meeting_id: String,
    /// Panel name.
    pub panel: String,
    /// Meeting date (YYYY-MM-DD).
    pub date: String,
    /// Venue.
    pub venue: String,
    /// Chairs.
    pub chairs: Vec<String>,
    /// Attendance by member organisation.
    pub attendance: Vec<NotesAttendance>,
    /// The cases discussed, in agenda order.
    pub cases: Vec<NotesCase>,
    /// The open part: community issues and other business.
    pub open_items: Vec<String>,
    /// When business support marked the notes sent to members (RFC 3339).
    pub sent_to_members_at: Option<String>,
}

impl From<store::notes::ActionNotes> for ActionNotesDocument {
    fn from(n: store::notes::ActionNotes) -> Self {
        let m = n.meeting;
        Self {
            meeting_id: m.id.to_string(),
            panel: m.panel_name,
            date: m.date.to_string(),
            venue: m.venue,
            chairs: m.chairs,
            attendance: n
                .attendance
                .into_iter()
                .map(|a| NotesAttendance {
                    organisation: a.organisation_name,
                    core: a.core,
                    status: a.status.map(|s| s.code().to_owned()),
                    attendee: a.attendee,
                })
                .collect(),
            cases: n
                .cases
                .into_iter()
                .map(|c| NotesCase {
                    family_id: c.case.anonymous.is_none().then(|| c.case.facts.id.to_string()),
                    anonymous_as: c.case.anonymous.clone(),
                    section: c.case.section.code().to_owned(),
                    address: c.case.address,
                    decision: c.decision.map(|d| NotesDecision {
                        outcome: d.outcome.code().to_owned(),
                        label: d.outcome.label().to_owned(),
                        reasons: d.reasons,
                        lead_organisation: d.lead_organisation,
                        lead_professional: d.lead_professional,
                        first_taf_by: d.first_taf_by.map(|t| t.to_string()),
                        service: d.service,
                        review_on: d.review_on.map(|r| r.to_string()),
                    }),
                    actions: c
                        .actions
                        .into_iter()
                        .map(|a| NotesAction {
                            description: a.description,
                            owner: a.owner,
                            organisation: a.organisation,
                            due_on: a.due_on.to_string(),
                            status: a.status.code().to_owned(),
                        })
                        .collect(),
                })
                .collect(),
            open_items: m
                .open_items
                .into_iter()
                .map(|i| format!("{}: {}", i.section.label(), i.title))
                .collect(),
            sent_to_members_at: m.notes_sent.map(|(at, _)| rfc3339(at)),
        }
    }
}

/// A meeting's action notes, for a member agency's system: the same policy as the page
/// (the closed part's declaration signed, or running the panel), each family confirmed with
/// `ViewFamily`. The read is audited and each family in it written to the sharing log.
#[utoipa::path(get, path = "/api/v1/meetings/{id}/notes", tag = "meetings", security(("bearer" = [])),
    params(("id" = String, Path, description = "Meeting id")),
    responses((status = 200, body = ActionNotesDocument), (status = 401), (status = 403)))]
pub async fn meeting_notes(
    State(state): State<AppState>,
    caller: ApiCaller,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Json<ActionNotesDocument>, ApiError> {
    let id = domain::MeetingId::from_path(&id);
    let read = store::notes::Read::Export(api_sharing(&state, &caller, "Action notes: decision, reasons, lead and actions"));
    let notes = crate::pages::meeting_notes::notes_for(&state, &caller.principal, id, &read, &caller.address).await?;
    Ok(Json(notes.into()))
}

/// Where a referral stands after a change.
#[derive(Serialize, ToSchema)]
pub struct ReferralChanged {
    /// Referral id.
    pub id: String,
    /// Its status now.
    pub status: String,
    /// Its version now, for the next change.
    pub version: i64,
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
    paths(me, organisations, panels, families, record_family, search_families, family, record_person, family_referrals, make_referral,
        referral, referral_event, meeting_notes),
    components(schemas(Me, OrganisationEntry, PanelEntry, FamilyEntry, FamilyList, FamilySearchRequest, PersonEntry, FamilyDetail,
        NewFamilyRequest, FamilyCreated, NewPersonRequest, PersonCreated, PossibleMatchEntry, ConsentOverrideRequest, ReferralOverrideEntry,
        ReferralEntry, ReferralDetail, ReferralHistoryItem, NewReferralRequest, ReferralEventRequest, ReferralCreated, ReferralChanged,
        ActionNotesDocument, NotesAttendance, NotesCase, NotesDecision, NotesAction)),
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
        .route("/api/v1/families", get(families).post(record_family))
        .route("/api/v1/families/search", axum::routing::post(search_families))
        .route("/api/v1/families/{id}", get(family))
        .route("/api/v1/families/{id}/people", axum::routing::post(record_person))
        .route("/api/v1/families/{id}/referrals", get(family_referrals).post(make_referral))
        .route("/api/v1/referrals/{id}", get(referral))
        .route("/api/v1/referrals/{id}/events", axum::routing::post(referral_event))
        .route("/api/v1/meetings/{id}/notes", get(meeting_notes))
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
