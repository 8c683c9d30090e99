//! # earlyhelp-web — the pages, the JSON API and everything between a browser and the store
//!
//! Every request that touches personal data takes one path (see `DESIGN.md`): parse the form
//! or JSON into domain types ([`forms`]), find who is asking ([`session`] for browsers, bearer
//! tokens in [`api`]), ask the policy crate for a `Permit`, hand the permit to the store, and
//! render GOV.UK HTML ([`pages`]) or JSON from the same result. Errors become one
//! [`error::AppError`], rendered in one place as an error page or problem JSON.
//!
//! Security that applies to every response lives in [`security`] (headers, the same-origin
//! check on state-changing requests; the CSRF token itself is in [`session`] and [`forms`]); sign-in
//! throttling in [`throttle`]. Start reading at [`router`].

pub mod api;
pub mod assets;
pub mod charts;
pub mod config;
pub mod documents;
pub mod error;
pub mod forms;
pub mod ical;
pub mod pages;
pub mod passwords;
pub mod security;
pub mod session;
pub mod throttle;

use axum::Router;
use axum::routing::{get, post};
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;

pub use config::WebConfig;

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// Persistence.
    pub store: store::Store,
    /// The one place access is decided.
    pub authority: Arc<policy::Authority>,
    /// Settings for the web layer.
    pub config: Arc<WebConfig>,
    /// Key for CSRF tokens, shared by every app server through the database.
    pub csrf_key: Arc<[u8; 32]>,
}

/// `/metrics` for Prometheus, served on its own (internal) address so that the public
/// listener never exposes operational detail.
pub fn metrics_router(handle: PrometheusHandle) -> Router {
    Router::new().route(
        "/metrics",
        get(move || {
            let handle = handle.clone();
            async move { ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle.render()) }
        }),
    )
}

/// Why the web app could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The access policy files did not load or validate.
    #[error("the access policy did not load: {0}")]
    Policy(#[from] policy::PolicyError),
    /// The database could not give the shared secrets.
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

impl AppState {
    /// Builds the state every handler shares: loads the policy and the shared CSRF key.
    pub async fn new(store: store::Store, config: WebConfig) -> Result<Self, StartError> {
        Ok(Self {
            authority: Arc::new(policy::Authority::new()?),
            csrf_key: Arc::new(store.shared_secret("csrf").await?),
            config: Arc::new(config),
            store,
        })
    }
}

impl AppState {
    /// Asks the policy whether this person may do this; a refusal is written to the audit
    /// trail (who, what, which rule, from where) before it is returned, so attempts to reach
    /// what someone may not see are on record, not only successes.
    pub async fn require<A: policy::SystemAction>(
        &self,
        who: &policy::Principal,
        action: A,
        address: &str,
    ) -> Result<policy::Permit<A>, error::AppError> {
        match self.authority.decide(who, action) {
            Ok(permit) => Ok(permit),
            Err(denied) => Err(self.refused(who, A::NAME, None, denied, address).await),
        }
    }

    /// The same for an action on one organisation (approving or renewing its signature).
    pub async fn require_organisation<A: policy::OrganisationAction>(
        &self,
        who: &policy::Principal,
        action: A,
        organisation: domain::OrganisationId,
        address: &str,
    ) -> Result<policy::Permit<A>, error::AppError> {
        match self.authority.decide_organisation(who, action, organisation) {
            Ok(permit) => Ok(permit),
            Err(denied) => Err(self.refused(who, A::NAME, Some(organisation.to_string()), denied, address).await),
        }
    }

    /// The same for an action on one family. The family's consent and the asker's connection
    /// to it come from the store; an id with no family behind it is decided as a family with
    /// no connection, and a refusal that depends on the family is shown in words that do not
    /// say whether it exists (see [`policy::Denied::for_a_family`]). The audit trail keeps the
    /// rule that really decided.
    pub async fn require_family<A: policy::FamilyAction>(
        &self,
        who: &policy::Principal,
        action: A,
        family: domain::FamilyId,
        address: &str,
    ) -> Result<policy::Permit<A>, error::AppError> {
        Ok(self.require_family_with_facts(who, action, family, address).await?.0)
    }

    /// [`AppState::require_family`], also returning the facts it decided from, so a page that
    /// asks the policy about more actions on the same family (which links to show) need not
    /// read them again.
    pub async fn require_family_with_facts<A: policy::FamilyAction>(
        &self,
        who: &policy::Principal,
        action: A,
        family: domain::FamilyId,
        address: &str,
    ) -> Result<(policy::Permit<A>, policy::FamilyFacts), error::AppError> {
        let facts = self.store.family_facts(who, family).await?.unwrap_or(policy::FamilyFacts {
            id: family,
            excluded_organisations: Vec::new(),
            relationship: policy::Relationship::default(),
        });
        match self.authority.decide_family(who, action, &facts) {
            Ok(permit) => Ok((permit, facts)),
            Err(denied) => match self.refused(who, A::NAME, Some(family.to_string()), denied, address).await {
                error::AppError::Forbidden(d) => Err(error::AppError::Forbidden(d.for_a_family())),
                other => Err(other),
            },
        }
    }

    /// May `who` refer this family by `route`? Refusals are audited and shown, like those of
    /// [`AppState::require_family`], in words that do not say whether the family exists.
    pub async fn require_new_referral(
        &self,
        who: &policy::Principal,
        family: domain::FamilyId,
        route: domain::referral::Route,
        address: &str,
    ) -> Result<policy::Permit<policy::MakeReferral>, error::AppError> {
        let facts = self.store.family_facts(who, family).await?.unwrap_or(policy::FamilyFacts {
            id: family,
            excluded_organisations: Vec::new(),
            relationship: policy::Relationship::default(),
        });
        match self.authority.decide_new_referral(who, &facts, route) {
            Ok(permit) => Ok(permit),
            Err(denied) => match self.refused(who, "MakeReferral", Some(family.to_string()), denied, address).await {
                error::AppError::Forbidden(d) => Err(error::AppError::Forbidden(d.for_a_family())),
                other => Err(other),
            },
        }
    }

    /// May `who` make `event` happen to this referral? A referral that does not exist is
    /// refused exactly as one the asker may not touch.
    pub async fn require_referral_change(
        &self,
        who: &policy::Principal,
        referral: domain::ReferralId,
        event: domain::referral::EventKind,
        address: &str,
    ) -> Result<policy::Permit<policy::ChangeReferral>, error::AppError> {
        let facts = self.store.referral_facts(who, referral).await?.unwrap_or(policy::ReferralFacts {
            id: referral,
            family: domain::FamilyId(uuid::Uuid::nil()),
            excluded_organisations: Vec::new(),
            route: domain::referral::Route::Stuck,
            urgent: false,
            made_it: false,
            signs_it_off: false,
            screens_it: false,
            family_relationship: policy::Relationship::default(),
        });
        match self.authority.decide_referral_change(who, &facts, event) {
            Ok(permit) => Ok(permit),
            Err(denied) => match self
                .refused(who, "ChangeReferral", Some(referral.to_string()), denied, address)
                .await
            {
                error::AppError::Forbidden(d) => Err(error::AppError::Forbidden(d.for_a_family())),
                other => Err(other),
            },
        }
    }

    /// May `who` do `action` to this meeting? A meeting that does not exist is refused in the
    /// same words as one the asker has no place at. Returns the facts too, so a page can ask
    /// about the meeting's other actions (which parts to show) without reading them again.
    pub async fn require_meeting<A: policy::MeetingAction>(
        &self,
        who: &policy::Principal,
        action: A,
        meeting: domain::MeetingId,
        address: &str,
    ) -> Result<(policy::Permit<A>, policy::MeetingFacts), error::AppError> {
        let facts = self.store.meeting_facts(who, meeting).await?.unwrap_or(policy::MeetingFacts {
            id: meeting,
            runs: policy::RunsPanel::None,
            member: policy::PanelMember::None,
            declared: false,
        });
        match self.authority.decide_meeting(who, action, &facts) {
            Ok(permit) => Ok((permit, facts)),
            Err(denied) => Err(self.refused(who, A::NAME, Some(meeting.to_string()), denied, address).await),
        }
    }

    /// May `who` do `action` to this agreed action? One that does not exist is refused in the
    /// same words as one the asker has no part in.
    pub async fn require_agreed_action<A: policy::AgreedActionAction>(
        &self,
        who: &policy::Principal,
        action: A,
        id: domain::AgreedActionId,
        address: &str,
    ) -> Result<(policy::Permit<A>, policy::AgreedActionFacts), error::AppError> {
        let facts = self.store.agreed_action_facts(who, id).await?.unwrap_or(policy::AgreedActionFacts {
            id,
            excluded_organisations: Vec::new(),
            owns_it: false,
            runs: policy::RunsPanel::None,
        });
        match self.authority.decide_agreed_action(who, action, &facts) {
            Ok(permit) => Ok((permit, facts)),
            Err(denied) => match self.refused(who, A::NAME, Some(id.to_string()), denied, address).await {
                error::AppError::Forbidden(d) => Err(error::AppError::Forbidden(d.for_a_family())),
                other => Err(other),
            },
        }
    }

    /// Whether the policies would let `who` open break-glass access to a family at all (asked
    /// about a family that excludes nobody and that they have no connection to): for showing
    /// the form and the link, never for granting access, which `require_family` decides.
    pub fn may_open_break_glass(&self, who: &policy::Principal) -> bool {
        let any_family = policy::FamilyFacts {
            id: domain::FamilyId(uuid::Uuid::nil()),
            excluded_organisations: Vec::new(),
            relationship: policy::Relationship::default(),
        };
        self.authority.decide_family(who, policy::OpenBreakGlass, &any_family).is_ok()
    }

    async fn refused(
        &self,
        who: &policy::Principal,
        action: &str,
        target: Option<String>,
        denied: policy::Denied,
        address: &str,
    ) -> error::AppError {
        let record = match target {
            Some(t) => format!("{action}:{t}#{}", denied.rule),
            None => format!("{action}#{}", denied.rule),
        };
        let entry = store::audit::AuditEntry::new(Some(who.user), "access.denied", "action", Some(record))
            .from_address(Some(address.to_owned()))
            .outcome(store::audit::Outcome::Denied);
        match self.store.audit_read(entry).await {
            Ok(()) => error::AppError::Forbidden(denied),
            Err(e) => e.into(),
        }
    }
}

/// All routes, with the security layers every response passes through.
pub fn router(state: AppState) -> Router {
    let pages = Router::new()
        .route("/", get(pages::home::home))
        .route("/sign-in", get(pages::sign_in::form).post(pages::sign_in::submit))
        .route("/sign-in/second-factor", get(pages::mfa::challenge).post(pages::mfa::verify))
        .route("/sign-out", post(pages::sign_in::sign_out))
        .route("/signed-out", get(pages::sign_in::signed_out))
        .route(
            "/sign-in/forgotten-password",
            get(pages::account_links::forgotten_password_form).post(pages::account_links::request_password_reset),
        )
        .route("/sign-in/password-changed", get(pages::sign_in::password_changed))
        .route(
            "/password-reset",
            get(pages::account_links::password_reset).post(pages::account_links::reset_password),
        )
        .route(
            "/invitation",
            get(pages::account_links::invitation).post(pages::account_links::accept_invitation),
        )
        .route("/account", get(pages::account::show))
        .route(
            "/account/password",
            get(pages::account::password_form).post(pages::account::change_password),
        )
        .route("/account/sign-out-everywhere", post(pages::account::sign_out_everywhere))
        .route("/account/second-factor", get(pages::mfa::setup).post(pages::mfa::confirm_setup))
        .route("/organisations", get(pages::organisations::register))
        .route(
            "/organisations/apply",
            get(pages::organisations::apply_form).post(pages::organisations::apply),
        )
        .route("/organisations/{id}", get(pages::organisations::show))
        .route("/organisations/{id}/isa", post(pages::organisations::record_signature))
        .route("/organisations/{id}/second-factor", post(pages::organisations::set_mfa))
        .route("/people", get(pages::people::list))
        .route("/people/new", get(pages::people::new_form).post(pages::people::create))
        .route("/people/{id}", get(pages::people::show))
        .route("/people/{id}/roles", post(pages::people::set_roles))
        .route("/people/{id}/active", post(pages::people::set_active))
        .route("/people/{id}/reset-second-factor", post(pages::people::reset_mfa))
        .route("/people/{id}/invitation", post(pages::people::resend_invitation))
        .route("/people/{id}/tokens", post(pages::people::issue_token))
        .route("/people/{id}/tokens/{token}/revoke", post(pages::people::revoke_token))
        .route("/panels", get(pages::panels::list))
        .route("/panels/new", get(pages::panels::new_form).post(pages::panels::create))
        .route("/panels/{id}/edit", get(pages::panels::edit_form).post(pages::panels::update))
        .route("/families", get(pages::families::list).post(pages::families::search))
        .route(
            "/families/new",
            get(pages::family_records::new_family_form).post(pages::family_records::record_family),
        )
        .route("/families/{id}", get(pages::families::show))
        .route("/families/{id}/people/new", get(pages::family_records::new_person_form))
        .route("/families/{id}/people", post(pages::family_records::record_person))
        .route("/families/{id}/people/{person}", get(pages::family_person::show))
        .route(
            "/families/{id}/people/{person}/disability",
            post(pages::family_person::set_disability),
        )
        .route("/families/{id}/move", get(pages::moves::new_move).post(pages::moves::record_move))
        .route("/families/{id}/plan", get(pages::plans::show))
        .route("/families/{id}/plan.pdf", get(pages::plans::pdf))
        .route("/families/{id}/plan/needs", post(pages::plans::add_need))
        .route("/families/{id}/plan/actions", post(pages::plans::link_action))
        .route("/families/{id}/plan/reviews/new", get(pages::plans::new_review))
        .route("/families/{id}/plan/reviews", post(pages::plans::record_review))
        .route("/families/{id}/plan/interval", post(pages::plans::set_interval))
        .route(
            "/families/{id}/plan/panel",
            get(pages::plan_panel::new_stuck_case).post(pages::plan_panel::bring_back),
        )
        .route("/families/{id}/contacts", post(pages::families::record_contact))
        .route(
            "/families/{id}/plan/close",
            get(pages::plans::new_closure).post(pages::plans::close),
        )
        .route(
            "/families/{id}/plan/sustained",
            get(pages::plans::new_sustain_check).post(pages::plans::record_sustain_check),
        )
        .route("/programme", get(pages::claims::settings).post(pages::claims::save_settings))
        .route("/reports/claims", get(pages::claims::show))
        .route("/dashboards", get(pages::dashboards::show))
        .route("/dashboards.csv", get(pages::dashboards::csv))
        .route("/dashboards.xlsx", get(pages::dashboards::xlsx))
        .route("/reports/claims.xlsx", get(pages::claims::xlsx))
        .route("/reports/claims.csv", get(pages::claims::csv))
        .route(
            "/families/{id}/people/{person}/merge",
            get(pages::family_records::merge_form).post(pages::family_records::merge),
        )
        .route("/families/{id}/sharing/new", get(pages::families::new_sharing))
        .route("/families/{id}/sharing", post(pages::families::record_sharing))
        .route("/families/{id}/consent/new", get(pages::families::new_consent))
        .route("/families/{id}/consent", post(pages::families::record_consent))
        .route(
            "/families/{id}/consent/{consent}/withdraw",
            get(pages::families::withdraw_consent_form).post(pages::families::withdraw_consent),
        )
        .route("/families/{id}/referrals/new", get(pages::referrals::new_form))
        .route("/families/{id}/referrals", post(pages::referrals::create))
        .route("/referrals", get(pages::referrals::queues))
        .route("/referrals/{id}", get(pages::referrals::show))
        .route("/referrals/{id}/events/{event}", post(pages::referrals::change))
        .route("/meetings", get(pages::meetings::list))
        .route("/meetings.ics", get(pages::meetings::feed))
        .route("/meetings/{id}", get(pages::meetings::show))
        .route("/meetings/{id}/items", post(pages::meetings::add_item))
        .route("/meetings/{id}/items/{item}", post(pages::meetings::change_item))
        .route("/meetings/{id}/circulate", post(pages::meetings::circulate))
        .route("/meetings/{id}/move", post(pages::meetings::move_meeting))
        .route("/meetings/{id}/cancel", post(pages::meetings::cancel))
        .route("/meetings/{id}/chair", post(pages::meetings::change_chair))
        .route("/meetings/{id}/declaration", post(pages::meetings::sign_declaration))
        .route("/meetings/{id}/attendance", post(pages::meetings::record_attendance))
        .route("/meetings/{id}/closed", get(pages::meeting_closed::show))
        .route("/meetings/{id}/closed/{item}/decision", post(pages::meeting_closed::decide))
        .route("/meetings/{id}/closed/{item}/actions", post(pages::meeting_closed::add_action))
        .route("/meetings/{id}/live", get(pages::meeting_live::show))
        .route("/meetings/{id}/live/open", post(pages::meeting_live::open_case))
        .route("/meetings/{id}/live/now", get(pages::meeting_live::now))
        .route("/meetings/{id}/follow", get(pages::meeting_live::follow))
        .route("/meetings/{id}/copy", get(pages::meetings::copy))
        .route("/meetings/{id}/copy/{item}", post(pages::meetings::record_check))
        .route("/actions", get(pages::actions::list))
        .route("/actions/{id}", get(pages::actions::show).post(pages::actions::update))
        .route("/calendar", get(pages::calendar::show).post(pages::calendar::add))
        .route("/calendar/{day}/remove", post(pages::calendar::remove))
        .route("/meetings/{id}/notes", get(pages::meeting_notes::show))
        .route("/meetings/{id}/notes.pdf", get(pages::meeting_notes::pdf))
        .route("/meetings/{id}/notes/sent", post(pages::meeting_notes::mark_sent))
        .route("/reports/families-discussed", get(pages::reports::show))
        .route("/reports/families-discussed.xlsx", get(pages::reports::xlsx))
        .route("/reports/families-discussed.csv", get(pages::reports::csv))
        .route("/sharing-log", get(pages::governance::sharing_log))
        .route("/sharing-log.csv", get(pages::governance::sharing_log_csv))
        .route(
            "/break-glass",
            get(pages::governance::break_glass).post(pages::governance::open_break_glass),
        )
        .route("/break-glass/{id}/review", post(pages::governance::review_break_glass))
        .route("/accessibility", get(pages::static_pages::accessibility))
        .route("/api", get(api::reference));

    Router::new()
        .merge(pages)
        .merge(api::routes())
        .route("/healthz", get(pages::static_pages::healthz))
        .route("/readyz", get(pages::static_pages::readyz))
        .route("/assets/{*path}", get(assets::serve))
        .route("/favicon.ico", get(assets::favicon))
        .fallback(pages::static_pages::not_found)
        .route_layer(axum::middleware::from_fn(security::observe))
        .layer(axum::middleware::from_fn(security::same_origin))
        .layer(axum::middleware::from_fn(security::headers))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(2 * 1024 * 1024))
        .layer(tower_http::request_id::PropagateRequestIdLayer::x_request_id())
        .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(security::request_span))
        .layer(tower_http::request_id::SetRequestIdLayer::x_request_id(
            tower_http::request_id::MakeRequestUuid,
        ))
        .with_state(state)
}
