//! Families: the list and search of families the asker is connected to, and one family's page.
//!
//! Names and postcodes are searched with a POST, so they never appear in a URL, a proxy's log
//! or the browser history.

use super::{Chrome, long_date, render};
use crate::AppState;
use crate::error::AppError;
use crate::forms::{CsrfForm, FormErrors};
use crate::session::SignedIn;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::FamilyId;
use domain::family::HouseholdRole;
use serde::Deserialize;
use store::families::{FamilyRecord, FamilySearch, FamilySummary};

/// Families per page.
const PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "families.html")]
struct FamiliesPage {
    chrome: Chrome,
    families: Vec<FamilySummary>,
    total: i64,
    name: String,
    postcode: String,
    searched: bool,
    page: i64,
    pages: i64,
    may_record_family: bool,
}

/// Which page of the unfiltered list.
#[derive(Deserialize, Default)]
pub struct PageQuery {
    #[serde(default)]
    page: Option<i64>,
}

/// What the search form sends.
#[derive(Deserialize, Default, Clone)]
pub struct SearchForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    postcode: String,
}

async fn families_page(state: &AppState, who: &SignedIn, form: SearchForm, page: i64, searched: bool) -> Result<Response, AppError> {
    let permit = state.require(&who.principal, policy::ViewFamilyList, &who.address).await?;
    let search = FamilySearch {
        name: Some(form.name.clone()),
        postcode: Some(form.postcode.clone()),
    };
    let page = page.max(1);
    let found = state
        .store
        .list_families(&state.authority, &permit, &search, (page - 1) * PAGE, PAGE)
        .await?;
    render(&FamiliesPage {
        chrome: Chrome::signed_in(state, who, "Families", "families"),
        pages: (found.total + PAGE - 1) / PAGE,
        families: found.families,
        total: found.total,
        name: form.name,
        postcode: form.postcode,
        searched,
        page,
        may_record_family: state.authority.decide(&who.principal, policy::RecordFamily).is_ok(),
    })
}

/// The families the asker works with or whose cases are on their panels, a page at a time.
pub async fn list(State(state): State<AppState>, who: SignedIn, Query(q): Query<PageQuery>) -> Result<Response, AppError> {
    families_page(&state, &who, SearchForm::default(), q.page.unwrap_or(1), false).await
}

/// The same list narrowed by name or postcode.
pub async fn search(State(state): State<AppState>, who: SignedIn, form: CsrfForm<SearchForm>) -> Result<Response, AppError> {
    families_page(&state, &who, form.value, 1, true).await
}

#[derive(Template)]
#[template(path = "family.html")]
struct FamilyPage {
    chrome: Chrome,
    family: FamilyRecord,
    today: time::Date,
    may_record_sharing: bool,
    may_record_consent: bool,
    may_refer: bool,
    may_record_person: bool,
    may_record_move: bool,
    /// Whether the reader keeps the plan and so records contact with the family.
    may_record_contact: bool,
    /// The contact form's problems and what was typed, when it came back.
    errors: FormErrors,
    contact_form: ContactForm,
    /// Whether the page follows a contact just recorded.
    contact_recorded: bool,
    contact_kinds: [domain::plan::ContactKind; 5],
    referrals: Vec<store::referrals::ReferralSummary>,
    moves: Vec<store::moves::FamilyMove>,
    /// The move just recorded, for the confirmation banner.
    just_moved: Option<store::moves::FamilyMove>,
    timeline: Vec<super::family_person::TimelineRow>,
}

/// What the family page's address may carry: `moved=yes` after a move was recorded.
#[derive(Deserialize, Default)]
pub struct ShowQuery {
    #[serde(default)]
    moved: String,
    #[serde(default)]
    contact: String,
}

/// What the contact form sends.
#[derive(Deserialize, Default, Clone)]
pub struct ContactForm {
    #[serde(default)]
    seen_on: String,
    #[serde(default)]
    how: String,
}

impl FamilyPage {
    fn date(&self, d: &time::Date) -> String {
        long_date(*d)
    }

    fn age(&self, born: &time::Date) -> String {
        domain::family::age_on(*born, self.today).map_or_else(String::new, |a| a.to_string())
    }

    fn household_role(&self, code: &str) -> &'static str {
        HouseholdRole::ALL
            .iter()
            .find(|r| r.code() == code)
            .map_or("Household member", |r| r.label())
    }
}

/// One family: its people, consent, the professionals around it, what was shared, where it has
/// lived, and its timeline.
pub async fn show(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    Query(query): Query<ShowQuery>,
) -> Result<Response, AppError> {
    let contact_recorded = query.contact == "yes";
    family_page(
        &state,
        &who,
        &id,
        &query,
        FormErrors::default(),
        ContactForm::default(),
        contact_recorded,
    )
    .await
}

async fn family_page(
    state: &AppState,
    who: &SignedIn,
    id: &str,
    query: &ShowQuery,
    errors: FormErrors,
    contact_form: ContactForm,
    contact_recorded: bool,
) -> Result<Response, AppError> {
    // A malformed id is refused in the same words as a family the asker may not see.
    let id = FamilyId::from_path(id);
    let (permit, facts) = state
        .require_family_with_facts(&who.principal, policy::ViewFamily, id, &who.address)
        .await?;
    let family = state.store.view_family(&permit, &who.address).await?.ok_or(AppError::NotFound)?;
    let title = format!("Family at {}", family.address_line);
    // Which links to show: the policy asked about the same facts the permit was granted on.
    let may_record_sharing = state.authority.decide_family(&who.principal, policy::RecordSharing, &facts).is_ok();
    let may_record_consent = state.authority.decide_family(&who.principal, policy::RecordConsent, &facts).is_ok();
    let may_refer = domain::referral::Route::ALL
        .into_iter()
        .any(|r| state.authority.decide_new_referral(&who.principal, &facts, r).is_ok());
    let may_record_person = state.authority.decide_family(&who.principal, policy::RecordPerson, &facts).is_ok();
    let may_record_move = state.authority.decide_family(&who.principal, policy::RecordMove, &facts).is_ok();
    let may_record_contact = state.authority.decide_family(&who.principal, policy::RecordPlan, &facts).is_ok();
    let referrals = state.store.family_referrals(&permit).await?;
    let moves = state.store.family_moves(&permit).await?;
    let timeline = super::family_person::timeline_rows(state.store.family_timeline(&permit).await?);
    render(&FamilyPage {
        chrome: Chrome::signed_in(state, who, title, "families").with_errors(&errors),
        family,
        today: state.store.clock().today(),
        may_record_sharing,
        may_record_consent,
        may_refer,
        may_record_person,
        may_record_move,
        may_record_contact,
        errors,
        contact_form,
        contact_recorded,
        contact_kinds: domain::plan::ContactKind::ALL,
        referrals,
        just_moved: if query.moved == "yes" { moves.first().cloned() } else { None },
        moves,
        timeline,
    })
}

/// Records that the asker saw the family and goes back to its page; a contact that is not
/// complete comes back with what was typed and every problem.
pub async fn record_contact(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<ContactForm>,
) -> Result<Response, AppError> {
    let family = FamilyId::from_path(&id);
    let permit = state
        .require_family(&who.principal, policy::RecordPlan, family, &who.address)
        .await?;
    let f = form.value;
    let mut errors = FormErrors::default();
    let seen_on = match f.seen_on.trim() {
        "" => None,
        raw => errors.check("seen_on", super::organisations::parse_date(raw, "the date you saw the family")),
    };
    if errors.is_empty() {
        match state.store.record_contact(&permit, seen_on, &f.how, &who.address).await {
            Ok(()) => return Ok(Redirect::to(&format!("/families/{family}?contact=yes#who-is-involved")).into_response()),
            Err(store::plans::PlanChangeError::Input(problems)) => {
                for p in problems {
                    errors.add(p.field, p.message);
                }
            }
            Err(store::plans::PlanChangeError::Store(e)) => return Err(e.into()),
            Err(_) => return Err(AppError::NotFound),
        }
    }
    family_page(&state, &who, &id, &ShowQuery::default(), errors, f, false).await
}

/// How information can be shared outside the system, as the form offers it: (code, label).
const METHODS: [(&str, &str); 6] = [
    ("secure_email", "Secure email"),
    ("phone", "Telephone"),
    ("meeting", "In a meeting"),
    ("letter", "Letter"),
    ("in_person", "In person"),
    ("other", "Another way"),
];

/// Lawful bases practitioners choose from (UK GDPR article 6, and consent).
const LAWFUL_BASES: [&str; 5] = [
    "Consent",
    "Public task (UK GDPR 6(1)(e))",
    "Legal obligation (UK GDPR 6(1)(c))",
    "Vital interests (UK GDPR 6(1)(d))",
    "Legitimate interests (UK GDPR 6(1)(f))",
];

#[derive(Template)]
#[template(path = "family_sharing_new.html")]
struct NewSharingPage {
    chrome: Chrome,
    family: FamilyId,
    address_line: String,
    errors: FormErrors,
    form: SharingForm,
    methods: [(&'static str, &'static str); 6],
    lawful_bases: [&'static str; 5],
    grounds: Vec<(&'static str, &'static str)>,
    may_override: bool,
}

/// What the sharing form sends.
#[derive(Deserialize, Default, Clone)]
pub struct SharingForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    data_categories: String,
    #[serde(default)]
    recipient: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    lawful_basis: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    decided_on: String,
    #[serde(default)]
    without_consent: String,
    #[serde(default)]
    ground: String,
    #[serde(default)]
    justification: String,
}

async fn sharing_page(state: &AppState, who: &SignedIn, id: FamilyId, errors: FormErrors, form: SharingForm) -> Result<Response, AppError> {
    let view = state.require_family(&who.principal, policy::ViewFamily, id, &who.address).await?;
    let family = state.store.view_family(&view, &who.address).await?.ok_or(AppError::NotFound)?;
    let facts = state.store.family_facts(&who.principal, id).await?;
    let may_override = facts.is_some_and(|f| {
        state
            .authority
            .decide_family(&who.principal, policy::AuthoriseConsentOverride, &f)
            .is_ok()
    });
    render(&NewSharingPage {
        chrome: Chrome::signed_in(state, who, "Record sharing", "families").with_errors(&errors),
        family: id,
        address_line: family.address_line,
        errors,
        form,
        methods: METHODS,
        lawful_bases: LAWFUL_BASES,
        grounds: domain::consent::OverrideGround::ALL.iter().map(|g| (g.code(), g.label())).collect(),
        may_override,
    })
}

/// The form to record sharing done outside the system (golden rule 7).
pub async fn new_sharing(State(state): State<AppState>, who: SignedIn, Path(id): Path<String>) -> Result<Response, AppError> {
    let id = FamilyId::from_path(&id);
    state
        .require_family(&who.principal, policy::RecordSharing, id, &who.address)
        .await?;
    let today = state.store.clock().today();
    let form = SharingForm {
        decision: "shared".into(),
        decided_on: format!("{}/{}/{}", today.day(), u8::from(today.month()), today.year()),
        ..SharingForm::default()
    };
    sharing_page(&state, &who, id, FormErrors::default(), form).await
}

/// Records it, with the override's justification when shared without consent.
pub async fn record_sharing(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<SharingForm>,
) -> Result<Response, AppError> {
    let id = FamilyId::from_path(&id);
    let permit = state
        .require_family(&who.principal, policy::RecordSharing, id, &who.address)
        .await?;
    let f = form.value;
    let mut errors = FormErrors::default();
    let decision = match f.decision.as_str() {
        "shared" => Some(store::families::SharingDecision::Shared),
        "not_shared" => Some(store::families::SharingDecision::NotShared),
        _ => {
            errors.add("decision", "Select whether the information was shared");
            None
        }
    };
    let required = |errors: &mut FormErrors, field: &'static str, value: &str, message: &str| {
        if value.trim().is_empty() {
            errors.add(field, message);
        }
    };
    required(&mut errors, "data_categories", &f.data_categories, "Enter what information it was");
    required(&mut errors, "recipient", &f.recipient, "Enter who it was shared with");
    required(&mut errors, "purpose", &f.purpose, "Enter why it was shared");
    if !LAWFUL_BASES.contains(&f.lawful_basis.as_str()) {
        errors.add("lawful_basis", "Select the lawful basis");
    }
    if !METHODS.iter().any(|(code, _)| *code == f.method) {
        errors.add("method", "Select how it was shared");
    }
    let today = state.store.clock().today();
    let decided_on = match super::organisations::parse_date(&f.decided_on, "the date it was decided") {
        Ok(d) if d > today => {
            errors.add("decided_on", "The date it was decided must be today or in the past");
            None
        }
        Ok(d) => Some(d),
        Err(message) => {
            errors.add("decided_on", message);
            None
        }
    };
    let without_consent = f.without_consent == "yes";
    let mut override_permit = None;
    let mut consent_override = None;
    if without_consent {
        match state.require_family(&who.principal, policy::AuthoriseConsentOverride, id, &who.address).await {
            Ok(p) => override_permit = Some(p),
            Err(AppError::Forbidden(_)) => errors.add(
                "without_consent",
                "Only a MASH practitioner, case supervisor or locality manager can authorise sharing without consent: ask one of them to record it",
            ),
            Err(other) => return Err(other),
        }
        let ground = f.ground.parse::<domain::consent::OverrideGround>().ok();
        if ground.is_none() {
            errors.add("ground", "Select why it was shared without consent");
        }
        if let Some(ground) = ground {
            consent_override = errors.check(
                "justification",
                domain::consent::ConsentOverride::new(ground, &f.justification, who.principal.user, state.store.now()),
            );
        }
    }
    let (Some(decision), Some(decided_on), true) = (decision, decided_on, errors.is_empty()) else {
        return sharing_page(&state, &who, id, errors, f).await;
    };
    let entry = store::families::NewSharingEntry {
        decision,
        data_categories: f.data_categories.trim().to_owned(),
        recipient_organisation: None,
        recipient_user: None,
        recipient_description: f.recipient.trim().to_owned(),
        purpose: f.purpose.trim().to_owned(),
        lawful_basis: f.lawful_basis.clone(),
        method: f.method.clone(),
        decided_on,
    };
    let with_override = override_permit.as_ref().zip(consent_override.as_ref());
    state.store.record_sharing(&permit, &entry, with_override, &who.address).await?;
    Ok(axum::response::Redirect::to(&format!("/families/{id}#sharing-log")).into_response())
}

#[derive(Template)]
#[template(path = "family_consent_new.html")]
struct NewConsentPage {
    chrome: Chrome,
    family: FamilyId,
    address_line: String,
    errors: FormErrors,
    form: ConsentForm,
    /// (person id, name and place in the household) for each adult.
    adults: Vec<(String, String)>,
    /// (organisation id, name, excluded?) for every organisation.
    organisations: Vec<(String, String, bool)>,
    scopes: Vec<(&'static str, &'static str, bool)>,
}

/// What the consent form sends (repeated `scopes` and `excluded` come from the pairs).
#[derive(Deserialize, Default, Clone)]
pub struct ConsentForm {
    #[serde(default)]
    given_by: String,
    #[serde(default)]
    given_on: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    review_due: String,
}

#[allow(clippy::too_many_arguments)]
async fn consent_page(
    state: &AppState,
    who: &SignedIn,
    id: FamilyId,
    errors: FormErrors,
    form: ConsentForm,
    scopes: &[String],
    excluded: &[String],
) -> Result<Response, AppError> {
    let view = state.require_family(&who.principal, policy::ViewFamily, id, &who.address).await?;
    let family = state.store.view_family(&view, &who.address).await?.ok_or(AppError::NotFound)?;
    let register = state.require(&who.principal, policy::ViewIsaRegister, &who.address).await?;
    let organisations = state
        .store
        .list_organisations(&register)
        .await?
        .into_iter()
        .map(|o| {
            let id = o.id.to_string();
            let chosen = excluded.contains(&id);
            (id, o.name, chosen)
        })
        .collect();
    let adults = family
        .people
        .iter()
        .filter(|p| p.household_role != HouseholdRole::Child.code())
        .map(|p| (p.id.to_string(), format!("{} {}", p.given_name, p.family_name)))
        .collect();
    let scope_options = [
        ("early_help_referral", "An early help referral"),
        ("panel_discussion", "Discussion of the family at a panel"),
    ]
    .into_iter()
    .map(|(code, label)| (code, label, scopes.iter().any(|s| s == code)))
    .collect();
    render(&NewConsentPage {
        chrome: Chrome::signed_in(state, who, "Record consent", "families").with_errors(&errors),
        family: id,
        address_line: family.address_line,
        errors,
        form,
        adults,
        organisations,
        scopes: scope_options,
    })
}

/// The form to record a family's consent.
pub async fn new_consent(State(state): State<AppState>, who: SignedIn, Path(id): Path<String>) -> Result<Response, AppError> {
    let id = FamilyId::from_path(&id);
    state
        .require_family(&who.principal, policy::RecordConsent, id, &who.address)
        .await?;
    let today = state.store.clock().today();
    let form = ConsentForm {
        given_on: format!("{}/{}/{}", today.day(), u8::from(today.month()), today.year()),
        ..ConsentForm::default()
    };
    let scopes = vec!["early_help_referral".to_owned(), "panel_discussion".to_owned()];
    consent_page(&state, &who, id, FormErrors::default(), form, &scopes, &[]).await
}

/// Records it through the domain's rules; its exclusions apply at once.
pub async fn record_consent(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<ConsentForm>,
) -> Result<Response, AppError> {
    use domain::consent::{ConsentGiver, ConsentMethod, ConsentScope, ConsentSubject, NewConsent};
    let id = FamilyId::from_path(&id);
    let permit = state
        .require_family(&who.principal, policy::RecordConsent, id, &who.address)
        .await?;
    let scopes: Vec<String> = form.all("scopes").into_iter().map(str::to_owned).collect();
    let excluded: Vec<String> = form.all("excluded").into_iter().map(str::to_owned).collect();
    let f = form.value;
    let mut errors = FormErrors::default();
    let view = state.require_family(&who.principal, policy::ViewFamily, id, &who.address).await?;
    let family = state.store.view_family(&view, &who.address).await?.ok_or(AppError::NotFound)?;
    let (giver, given_by_name) = if f.given_by == "family" {
        (Some(ConsentGiver::Family), "The family".to_owned())
    } else {
        match family
            .people
            .iter()
            .find(|p| p.id.to_string() == f.given_by && p.household_role != HouseholdRole::Child.code())
        {
            Some(p) => (
                Some(ConsentGiver::Person(p.id)),
                format!("{} {} ({})", p.given_name, p.family_name, household_label(&p.household_role)),
            ),
            None => {
                errors.add("given_by", "Select who gave consent");
                (None, String::new())
            }
        }
    };
    let given_on = errors.check(
        "given_on",
        super::organisations::parse_date(&f.given_on, "the date consent was given"),
    );
    let method = if f.method.is_empty() {
        errors.add("method", "Select how consent was given");
        None
    } else {
        errors.check(
            "method",
            f.method.parse::<ConsentMethod>().map_err(|_| "Select how consent was given"),
        )
    };
    let review_due = errors.check(
        "review_due",
        super::organisations::parse_date(&f.review_due, "the date to review consent"),
    );
    let scope_set = scopes.iter().filter_map(|s| s.parse::<ConsentScope>().ok()).collect();
    let excluded_set = excluded.iter().filter_map(|o| o.parse::<domain::OrganisationId>().ok()).collect();
    if let (Some(given_by), Some(given_on), Some(method), Some(review_due), true) = (giver, given_on, method, review_due, errors.is_empty())
    {
        let new = NewConsent {
            family: id,
            given_by,
            given_for: ConsentSubject::WholeFamily,
            given_on,
            method,
            recorded_by: who.principal.user,
            scopes: scope_set,
            excluded_organisations: excluded_set,
            readmitted_organisations: Default::default(),
            review_due,
        };
        match state.store.record_consent(&permit, new, &given_by_name, &who.address).await {
            Ok(_) => return Ok(axum::response::Redirect::to(&format!("/families/{id}#consent")).into_response()),
            Err(store::consent::ConsentWriteError::Rules(e)) => errors.add(consent_error_field(&e), e.to_string()),
            Err(store::consent::ConsentWriteError::Store(e)) => return Err(e.into()),
        }
    }
    consent_page(&state, &who, id, errors, f, &scopes, &excluded).await
}

/// "parent", "carer"… for a stored household role code.
fn household_label(code: &str) -> String {
    HouseholdRole::ALL
        .iter()
        .find(|r| r.code() == code)
        .map_or_else(|| "household member".to_owned(), |r| r.label().to_lowercase())
}

/// Which field a consent rule's refusal belongs beside.
fn consent_error_field(e: &domain::consent::ConsentError) -> &'static str {
    use domain::consent::ConsentError as E;
    match e {
        E::GivenInFuture => "given_on",
        E::ReviewNotAfterGiven => "review_due",
        E::ExcludedAndReadmitted | E::SharingWithExcluded => "excluded",
        _ => "scopes",
    }
}

#[derive(Template)]
#[template(path = "family_consent_withdraw.html")]
struct WithdrawConsentPage {
    chrome: Chrome,
    family: FamilyId,
    consent: String,
    address_line: String,
    errors: FormErrors,
    form: WithdrawForm,
}

/// What the withdrawal form sends.
#[derive(Deserialize, Default, Clone)]
pub struct WithdrawForm {
    #[serde(default)]
    withdrawn_on: String,
    #[serde(default)]
    reason: String,
}

async fn withdraw_page(
    state: &AppState,
    who: &SignedIn,
    id: FamilyId,
    consent: String,
    errors: FormErrors,
    form: WithdrawForm,
) -> Result<Response, AppError> {
    let view = state.require_family(&who.principal, policy::ViewFamily, id, &who.address).await?;
    let family = state.store.view_family(&view, &who.address).await?.ok_or(AppError::NotFound)?;
    render(&WithdrawConsentPage {
        chrome: Chrome::signed_in(state, who, "Record that consent was withdrawn", "families").with_errors(&errors),
        family: id,
        consent,
        address_line: family.address_line,
        errors,
        form,
    })
}

/// The form to record a withdrawal.
pub async fn withdraw_consent_form(
    State(state): State<AppState>,
    who: SignedIn,
    Path((id, consent)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id = FamilyId::from_path(&id);
    state
        .require_family(&who.principal, policy::RecordConsent, id, &who.address)
        .await?;
    let today = state.store.clock().today();
    let form = WithdrawForm {
        withdrawn_on: format!("{}/{}/{}", today.day(), u8::from(today.month()), today.year()),
        ..WithdrawForm::default()
    };
    withdraw_page(&state, &who, id, consent, FormErrors::default(), form).await
}

/// Records the withdrawal: sharing stops at once.
pub async fn withdraw_consent(
    State(state): State<AppState>,
    who: SignedIn,
    Path((id, consent)): Path<(String, String)>,
    form: CsrfForm<WithdrawForm>,
) -> Result<Response, AppError> {
    let id = FamilyId::from_path(&id);
    let permit = state
        .require_family(&who.principal, policy::RecordConsent, id, &who.address)
        .await?;
    let consent_id: domain::ConsentId = consent.parse().map_err(|_| AppError::NotFound)?;
    let f = form.value;
    let mut errors = FormErrors::default();
    let on = errors.check(
        "withdrawn_on",
        super::organisations::parse_date(&f.withdrawn_on, "the date consent was withdrawn"),
    );
    if let (Some(on), true) = (on, errors.is_empty()) {
        match state.store.withdraw_consent(&permit, consent_id, on, &f.reason, &who.address).await {
            Ok(()) => return Ok(axum::response::Redirect::to(&format!("/families/{id}#consent")).into_response()),
            Err(store::consent::ConsentWriteError::Rules(e)) => {
                let field = if matches!(e, domain::consent::ConsentError::NoWithdrawalReason) {
                    "reason"
                } else {
                    "withdrawn_on"
                };
                errors.add(field, e.to_string());
            }
            Err(store::consent::ConsentWriteError::Store(e)) => return Err(e.into()),
        }
    }
    withdraw_page(&state, &who, id, consent, errors, f).await
}
