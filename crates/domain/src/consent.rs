//! Consent: what a family agreed to, how, and what they refused.
//!
//! Seed 001 §9 is the rule this module keeps: "If the family do not consent to an Early Help
//! referral, they will not be discussed". Consent is sought by MASH, which also gives the family
//! the chance to exclude organisations they do not want involved; families may withdraw it at any
//! time, and then their details are kept only for a limited time (§10).
//!
//! A [`ConsentRecord`] is one conversation with the family, kept for ever as it was recorded
//! (withdrawal is added to it, never replaces it). [`ConsentStanding::of`] reduces all of a
//! family's records to what may be done *today*; every screen, agenda and circulation asks the
//! standing, never an individual record. The rules of that reduction, chosen to fail safe:
//!
//! - **The family's most recent word wins.** Records are read in the order they were given
//!   (date, then the time-ordered id). The latest record decides what is agreed; a withdrawal of
//!   *any* record dated on or after the latest consent stops everything, and an earlier record
//!   never comes back to life when a later one is withdrawn.
//! - **A record lapses the day after its review date**, as an ISA signature does
//!   ([`crate::organisation`]): consent that was due to be checked with the family and was not is
//!   not treated as current. The standing says so, so the page can ask for a review.
//! - **Exclusions are never lifted by silence.** An organisation the family excluded stays
//!   excluded — through later records that did not mention it, lapse and withdrawal — until a
//!   later record explicitly readmits it ([`NewConsent::readmitted_organisations`]).
//!
//! Sharing *without* consent (safeguarding, vital interests, public interest) is a
//! [`ConsentOverride`]: a value holding the ground and a written justification. Who may make one
//! is the policy crate's decision, not this one's.

use crate::{ConsentId, FamilyId, OrganisationId, PersonId, UserId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;
use time::{Date, OffsetDateTime};

/// Who gave consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "by", content = "person", rename_all = "snake_case")]
pub enum ConsentGiver {
    /// The family as a whole (the usual case when MASH speaks to the household).
    Family,
    /// A named person in the family: a parent, carer, or a young person consenting for themselves.
    Person(PersonId),
}

/// Whom consent was given for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "for", content = "people", rename_all = "snake_case")]
pub enum ConsentSubject {
    /// Everyone in the household.
    WholeFamily,
    /// Only the listed people (never empty: [`NewConsent`] refuses an empty list).
    People(BTreeSet<PersonId>),
}

/// How consent was given. Seed 001 §9: explicit consent for sensitive information; verbal consent
/// over the telephone to MASH is the common case and is as valid when recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentMethod {
    /// Signed, on paper or electronically.
    Written,
    /// Said aloud, to a practitioner who recorded it.
    Verbal,
}

impl ConsentMethod {
    /// Every method, in the order forms list them.
    pub const ALL: [ConsentMethod; 2] = [Self::Written, Self::Verbal];

    /// Stable code for storage, forms and the API.
    pub fn code(self) -> &'static str {
        match self {
            Self::Written => "written",
            Self::Verbal => "verbal",
        }
    }

    /// The word shown on pages.
    pub fn label(self) -> &'static str {
        match self {
            Self::Written => "Written",
            Self::Verbal => "Verbal",
        }
    }
}

/// A code that names no consent method.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}” is not a way of giving consent; choose written or verbal")]
pub struct UnknownConsentMethod(pub String);

impl FromStr for ConsentMethod {
    type Err = UnknownConsentMethod;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|m| m.code() == s)
            .ok_or_else(|| UnknownConsentMethod(s.to_owned()))
    }
}

/// One thing a family can agree to. Consent is specific: agreeing to a referral is not agreeing
/// to be discussed by a room of agencies, so each is asked and recorded separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "scope", content = "organisation", rename_all = "snake_case")]
pub enum ConsentScope {
    /// A referral to early help (an Early Help Assessment / CAF). Without it, nothing else.
    EarlyHelpReferral,
    /// Being discussed at a multi-agency panel, and member agencies checking their records.
    PanelDiscussion,
    /// Sharing with one named service outside the panel (a referral on to it, say).
    SharingWith(OrganisationId),
}

impl ConsentScope {
    /// Stable code for storage and the API: `early_help_referral`, `panel_discussion`, or
    /// `sharing_with:<organisation id>`.
    pub fn code(&self) -> String {
        match self {
            Self::EarlyHelpReferral => "early_help_referral".to_owned(),
            Self::PanelDiscussion => "panel_discussion".to_owned(),
            Self::SharingWith(org) => format!("sharing_with:{org}"),
        }
    }

    /// The words shown on pages (the organisation's name is the page's to add).
    pub fn label(&self) -> &'static str {
        match self {
            Self::EarlyHelpReferral => "Referral to early help",
            Self::PanelDiscussion => "Discussion at a multi-agency panel",
            Self::SharingWith(_) => "Sharing with a named service",
        }
    }
}

/// A code that names no consent scope.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}” is not something a family can consent to")]
pub struct UnknownConsentScope(pub String);

impl FromStr for ConsentScope {
    type Err = UnknownConsentScope;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "early_help_referral" => Ok(Self::EarlyHelpReferral),
            "panel_discussion" => Ok(Self::PanelDiscussion),
            _ => s
                .strip_prefix("sharing_with:")
                .and_then(|id| id.parse::<OrganisationId>().ok())
                .map(Self::SharingWith)
                .ok_or_else(|| UnknownConsentScope(s.to_owned())),
        }
    }
}

impl fmt::Display for ConsentScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// What a practitioner enters to record consent: the form, before it is checked.
/// [`ConsentRecord::record`] turns it into a record or says what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewConsent {
    /// The family the consent belongs to.
    pub family: FamilyId,
    /// Who gave it.
    pub given_by: ConsentGiver,
    /// Whom it was given for.
    pub given_for: ConsentSubject,
    /// The day it was given.
    pub given_on: Date,
    /// Written or verbal.
    pub method: ConsentMethod,
    /// The member of staff who recorded it (usually a MASH practitioner).
    pub recorded_by: UserId,
    /// What it covers. Duplicates are harmless (it is a set).
    pub scopes: BTreeSet<ConsentScope>,
    /// Organisations the family does not want involved. Naming one twice is harmless.
    pub excluded_organisations: BTreeSet<OrganisationId>,
    /// Organisations an earlier record excluded that the family now agrees may be involved.
    /// The only way an exclusion ends: leaving an organisation out of a new record does not.
    pub readmitted_organisations: BTreeSet<OrganisationId>,
    /// When the consent must be checked again with the family; it lapses the day after.
    pub review_due: Date,
}

/// The family withdrew consent: kept on the record it withdraws, which is never deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Withdrawal {
    /// The day the family withdrew; sharing stops from this day and the retention clock starts.
    pub on: Date,
    /// The member of staff who recorded the withdrawal.
    pub recorded_by: UserId,
    /// Why, in the family's words where they gave them.
    pub reason: String,
}

/// Why consent (or its withdrawal) could not be recorded. Each message says what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsentError {
    /// Nothing was ticked.
    #[error("Select what the family has agreed to")]
    NoScopes,
    /// Panel discussion or sharing without a referral makes no sense and would let a family be
    /// discussed without the consent seed 001 §9 requires.
    #[error("Consent to discussion at panel or to sharing with a service needs consent to an early help referral as well")]
    ScopeWithoutReferral,
    /// "For listed people" with nobody listed.
    #[error("Select the people the consent is for, or choose the whole family")]
    NoPeople,
    /// Consent cannot be recorded before it is given.
    #[error("The date consent was given must be today or in the past")]
    GivenInFuture,
    /// The review date must follow the date given.
    #[error("The review date must be after the date consent was given")]
    ReviewNotAfterGiven,
    /// An organisation both excluded and readmitted on the same form.
    #[error("An organisation cannot be both excluded and readmitted; remove it from one of the lists")]
    ExcludedAndReadmitted,
    /// The family excluded an organisation and also agreed to sharing with it.
    #[error("The family excluded an organisation that the consent also allows sharing with; remove it from one of the lists")]
    SharingWithExcluded,
    /// A withdrawal dated before the consent it withdraws.
    #[error("The date consent was withdrawn must be on or after the date it was given")]
    WithdrawalBeforeGiven,
    /// A withdrawal dated tomorrow.
    #[error("The date consent was withdrawn must be today or in the past")]
    WithdrawalInFuture,
    /// No reason entered for a withdrawal.
    #[error("Enter why consent was withdrawn, or “No reason given” if the family gave none")]
    NoWithdrawalReason,
    /// A record can be withdrawn only once; the first withdrawal stands.
    #[error("This consent was already withdrawn on {0}")]
    AlreadyWithdrawn(Date),
}

/// One recorded conversation in which a family gave consent. Holding one means its dates and
/// scopes are coherent; it is never edited, only withdrawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsentRecord {
    id: ConsentId,
    family: FamilyId,
    given_by: ConsentGiver,
    given_for: ConsentSubject,
    given_on: Date,
    method: ConsentMethod,
    recorded_by: UserId,
    scopes: BTreeSet<ConsentScope>,
    excluded_organisations: BTreeSet<OrganisationId>,
    readmitted_organisations: BTreeSet<OrganisationId>,
    review_due: Date,
    withdrawal: Option<Withdrawal>,
}

impl ConsentRecord {
    /// Records consent given on or before `today`, under a fresh id.
    pub fn record(new: NewConsent, today: Date) -> Result<Self, ConsentError> {
        if new.given_on > today {
            return Err(ConsentError::GivenInFuture);
        }
        Self::restore(ConsentId::new(), new, None)
    }

    /// Rebuilds a stored record, checking every rule that does not depend on today's date
    /// (a record given "in the future" when stored cannot be, once that day has passed).
    pub fn restore(id: ConsentId, new: NewConsent, withdrawal: Option<Withdrawal>) -> Result<Self, ConsentError> {
        if new.scopes.is_empty() {
            return Err(ConsentError::NoScopes);
        }
        if !new.scopes.contains(&ConsentScope::EarlyHelpReferral) {
            return Err(ConsentError::ScopeWithoutReferral);
        }
        if matches!(&new.given_for, ConsentSubject::People(p) if p.is_empty()) {
            return Err(ConsentError::NoPeople);
        }
        if new.review_due <= new.given_on {
            return Err(ConsentError::ReviewNotAfterGiven);
        }
        if !new.excluded_organisations.is_disjoint(&new.readmitted_organisations) {
            return Err(ConsentError::ExcludedAndReadmitted);
        }
        if new
            .scopes
            .iter()
            .any(|s| matches!(s, ConsentScope::SharingWith(o) if new.excluded_organisations.contains(o)))
        {
            return Err(ConsentError::SharingWithExcluded);
        }
        if let Some(w) = &withdrawal {
            check_withdrawal(new.given_on, w)?;
        }
        Ok(Self {
            id,
            family: new.family,
            given_by: new.given_by,
            given_for: new.given_for,
            given_on: new.given_on,
            method: new.method,
            recorded_by: new.recorded_by,
            scopes: new.scopes,
            excluded_organisations: new.excluded_organisations,
            readmitted_organisations: new.readmitted_organisations,
            review_due: new.review_due,
            withdrawal,
        })
    }

    /// Records the family's withdrawal of this consent. The record stays, with the withdrawal
    /// added; from `on`, [`ConsentStanding::of`] gives nothing.
    pub fn withdraw(&self, on: Date, recorded_by: UserId, reason: &str, today: Date) -> Result<Self, ConsentError> {
        if let Some(w) = &self.withdrawal {
            return Err(ConsentError::AlreadyWithdrawn(w.on));
        }
        if on > today {
            return Err(ConsentError::WithdrawalInFuture);
        }
        let withdrawal = Withdrawal {
            on,
            recorded_by,
            reason: reason.trim().to_owned(),
        };
        check_withdrawal(self.given_on, &withdrawal)?;
        Ok(Self {
            withdrawal: Some(withdrawal),
            ..self.clone()
        })
    }

    /// The day the limited retention period of seed 001 §10 starts counting: the withdrawal date
    /// for a withdrawn consent, `None` while it stands. How long the period is, is the retention
    /// schedule's business.
    pub fn retention_clock_starts_on(&self) -> Option<Date> {
        self.withdrawal.as_ref().map(|w| w.on)
    }

    /// Whether this record, on its own, is in force on `today`: given, not withdrawn, not past
    /// its review date. (A family's standing also depends on their other records.)
    pub fn is_live_on(&self, today: Date) -> bool {
        self.given_on <= today && today <= self.review_due && !self.withdrawn_by(today)
    }

    fn withdrawn_by(&self, today: Date) -> bool {
        self.withdrawal.as_ref().is_some_and(|w| w.on <= today)
    }

    /// The record's id.
    pub fn id(&self) -> ConsentId {
        self.id
    }
    /// The family it belongs to.
    pub fn family(&self) -> FamilyId {
        self.family
    }
    /// Who gave it.
    pub fn given_by(&self) -> ConsentGiver {
        self.given_by
    }
    /// Whom it was given for.
    pub fn given_for(&self) -> &ConsentSubject {
        &self.given_for
    }
    /// The day it was given.
    pub fn given_on(&self) -> Date {
        self.given_on
    }
    /// Written or verbal.
    pub fn method(&self) -> ConsentMethod {
        self.method
    }
    /// Who recorded it.
    pub fn recorded_by(&self) -> UserId {
        self.recorded_by
    }
    /// What it covers.
    pub fn scopes(&self) -> &BTreeSet<ConsentScope> {
        &self.scopes
    }
    /// Organisations the family excluded in this conversation.
    pub fn excluded_organisations(&self) -> &BTreeSet<OrganisationId> {
        &self.excluded_organisations
    }
    /// Organisations an earlier exclusion named that the family now readmits.
    pub fn readmitted_organisations(&self) -> &BTreeSet<OrganisationId> {
        &self.readmitted_organisations
    }
    /// When it must be reviewed with the family.
    pub fn review_due(&self) -> Date {
        self.review_due
    }
    /// The withdrawal, if the family withdrew this consent.
    pub fn withdrawal(&self) -> Option<&Withdrawal> {
        self.withdrawal.as_ref()
    }

    /// Back to the form's values (for storage, or to start a renewal pre-filled).
    pub fn to_new(&self) -> NewConsent {
        NewConsent {
            family: self.family,
            given_by: self.given_by,
            given_for: self.given_for.clone(),
            given_on: self.given_on,
            method: self.method,
            recorded_by: self.recorded_by,
            scopes: self.scopes.clone(),
            excluded_organisations: self.excluded_organisations.clone(),
            readmitted_organisations: self.readmitted_organisations.clone(),
            review_due: self.review_due,
        }
    }
}

fn check_withdrawal(given_on: Date, w: &Withdrawal) -> Result<(), ConsentError> {
    if w.on < given_on {
        return Err(ConsentError::WithdrawalBeforeGiven);
    }
    if w.reason.trim().is_empty() {
        return Err(ConsentError::NoWithdrawalReason);
    }
    Ok(())
}

/// What a family's consent allows today: the one answer screening, agendas and circulation ask.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentStanding {
    /// The family currently agrees to an early help referral.
    pub early_help_referral: bool,
    /// The family currently agrees to be discussed at panel.
    pub panel_discussion: bool,
    /// Services outside the panel the family currently agrees to sharing with.
    pub sharing_with: BTreeSet<OrganisationId>,
    /// Organisations that must never receive this family's information (kept through withdrawal
    /// and lapse; ended only by an explicit readmission).
    pub excluded_organisations: BTreeSet<OrganisationId>,
    /// The review date of the family's latest consent, if it has not been withdrawn.
    pub review_due: Option<Date>,
    /// The latest consent's review date has passed, so it no longer counts: ask the family again.
    pub review_overdue: bool,
    /// The family withdrew consent on this day, and has not given it again since.
    pub withdrawn_on: Option<Date>,
    /// The record the standing comes from, for the page to link to.
    pub current_record: Option<ConsentId>,
}

impl ConsentStanding {
    /// Reduces a family's consent records (in any order) to what they allow on `today`.
    /// Records dated after `today` are ignored. See the module documentation for the rules.
    pub fn of<'a>(records: impl IntoIterator<Item = &'a ConsentRecord>, today: Date) -> Self {
        let mut given: Vec<&ConsentRecord> = records.into_iter().filter(|r| r.given_on <= today).collect();
        given.sort_by_key(|r| (r.given_on, r.id));

        let mut excluded = BTreeSet::new();
        for r in &given {
            excluded.extend(r.excluded_organisations.iter().copied());
            for o in &r.readmitted_organisations {
                excluded.remove(o);
            }
        }

        let Some(latest) = given.last() else {
            return Self {
                excluded_organisations: excluded,
                ..Self::default()
            };
        };
        // The most recent withdrawal of any record, if it came on or after the latest consent:
        // a family who says "stop" means all of it, whichever record the practitioner picked.
        let withdrawn_on = given
            .iter()
            .filter_map(|r| r.withdrawal.as_ref())
            .map(|w| w.on)
            .filter(|&on| on <= today && on >= latest.given_on)
            .max();
        if withdrawn_on.is_some() {
            return Self {
                excluded_organisations: excluded,
                withdrawn_on,
                current_record: Some(latest.id),
                ..Self::default()
            };
        }
        let review_overdue = latest.review_due < today;
        let counts = |scope: ConsentScope| !review_overdue && latest.scopes.contains(&scope);
        let sharing_with = if review_overdue {
            BTreeSet::new()
        } else {
            latest
                .scopes
                .iter()
                .filter_map(|s| match s {
                    ConsentScope::SharingWith(o) if !excluded.contains(o) => Some(*o),
                    _ => None,
                })
                .collect()
        };
        Self {
            early_help_referral: counts(ConsentScope::EarlyHelpReferral),
            panel_discussion: counts(ConsentScope::EarlyHelpReferral) && counts(ConsentScope::PanelDiscussion),
            sharing_with,
            excluded_organisations: excluded,
            review_due: Some(latest.review_due),
            review_overdue,
            withdrawn_on: None,
            current_record: Some(latest.id),
        }
    }

    /// Whether the family may be accepted for, and discussed at, a panel: consent to an early
    /// help referral and to panel discussion, both current (seed 001 §9).
    pub fn allows_panel(&self) -> bool {
        self.early_help_referral && self.panel_discussion
    }

    /// Whether a member organisation may receive this family's details for a panel: the family
    /// agreed to panel discussion and did not exclude that organisation.
    pub fn may_share_at_panel_with(&self, organisation: OrganisationId) -> bool {
        self.allows_panel() && !self.excluded_organisations.contains(&organisation)
    }
}

/// The lawful ground for sharing without consent (seed 001 §9; seed 004, information sharing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverrideGround {
    /// A child is suffering, or is likely to suffer, significant harm; asking for consent would
    /// increase the risk.
    Safeguarding,
    /// To protect someone's vital interests when consent cannot be given.
    VitalInterests,
    /// A public interest strong enough to outweigh the duty of confidence (preventing serious
    /// crime, say).
    PublicInterest,
}

impl OverrideGround {
    /// Every ground, in the order forms list them.
    pub const ALL: [OverrideGround; 3] = [Self::Safeguarding, Self::VitalInterests, Self::PublicInterest];

    /// The grounds on which a routine referral may be made without consent. Vital interests
    /// (a life at risk) is not one: that is an urgent concern for MASH, which needs no override.
    pub const FOR_REFERRAL: [OverrideGround; 2] = [Self::Safeguarding, Self::PublicInterest];

    /// Stable code for storage and the API.
    pub fn code(self) -> &'static str {
        match self {
            Self::Safeguarding => "safeguarding",
            Self::VitalInterests => "vital_interests",
            Self::PublicInterest => "public_interest",
        }
    }

    /// The words shown on pages and in the sharing log.
    pub fn label(self) -> &'static str {
        match self {
            Self::Safeguarding => "Safeguarding: risk of significant harm to a child",
            Self::VitalInterests => "Vital interests: consent cannot be given",
            Self::PublicInterest => "Public interest",
        }
    }
}

/// A code that names no override ground.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}” is not a ground for sharing without consent")]
pub struct UnknownOverrideGround(pub String);

impl FromStr for OverrideGround {
    type Err = UnknownOverrideGround;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|g| g.code() == s)
            .ok_or_else(|| UnknownOverrideGround(s.to_owned()))
    }
}

/// Why an override could not be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OverrideError {
    /// No justification at all.
    #[error("Enter why information must be shared without the family’s consent")]
    NoJustification,
    /// A justification too short to explain anything ("risk", "see notes").
    #[error(
        "The justification must be at least {min} characters, explaining why sharing without consent is necessary and proportionate; it has {given}"
    )]
    JustificationTooShort {
        /// The minimum, [`ConsentOverride::MIN_JUSTIFICATION_CHARS`].
        min: usize,
        /// How many characters were entered (after trimming).
        given: usize,
    },
}

/// A decision to share without consent. The shape only: whether the person authorising it may
/// do so is decided by the policy crate, and the sharing-log entry is written by the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsentOverride {
    ground: OverrideGround,
    justification: String,
    authorised_by: UserId,
    authorised_at: OffsetDateTime,
}

impl ConsentOverride {
    /// The fewest characters a justification may have: enough for a sentence saying what the
    /// risk is and why consent is not being sought, which is what an auditor will ask.
    pub const MIN_JUSTIFICATION_CHARS: usize = 30;

    /// Checks and builds an override. The justification is trimmed; its length is counted in
    /// characters, not bytes.
    pub fn new(
        ground: OverrideGround,
        justification: &str,
        authorised_by: UserId,
        authorised_at: OffsetDateTime,
    ) -> Result<Self, OverrideError> {
        let justification = justification.trim();
        if justification.is_empty() {
            return Err(OverrideError::NoJustification);
        }
        let given = justification.chars().count();
        if given < Self::MIN_JUSTIFICATION_CHARS {
            return Err(OverrideError::JustificationTooShort {
                min: Self::MIN_JUSTIFICATION_CHARS,
                given,
            });
        }
        Ok(Self {
            ground,
            justification: justification.to_owned(),
            authorised_by,
            authorised_at,
        })
    }

    /// The lawful ground.
    pub fn ground(&self) -> OverrideGround {
        self.ground
    }
    /// Why consent was overridden, as written.
    pub fn justification(&self) -> &str {
        &self.justification
    }
    /// Who authorised it.
    pub fn authorised_by(&self) -> UserId {
        self.authorised_by
    }
    /// When it was authorised.
    pub fn authorised_at(&self) -> OffsetDateTime {
        self.authorised_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::Duration;
    use time::macros::{date, datetime};

    fn form(family: FamilyId, given_on: Date) -> NewConsent {
        NewConsent {
            family,
            given_by: ConsentGiver::Family,
            given_for: ConsentSubject::WholeFamily,
            given_on,
            method: ConsentMethod::Verbal,
            recorded_by: UserId::new(),
            scopes: [ConsentScope::EarlyHelpReferral, ConsentScope::PanelDiscussion].into(),
            excluded_organisations: BTreeSet::new(),
            readmitted_organisations: BTreeSet::new(),
            review_due: given_on + Duration::days(365),
        }
    }

    fn given(on: Date) -> ConsentRecord {
        ConsentRecord::record(form(FamilyId::new(), on), on).unwrap()
    }

    #[test]
    fn a_family_with_no_records_has_no_consent() {
        let s = ConsentStanding::of([], date!(2026 - 03 - 01));
        assert!(!s.allows_panel());
        assert_eq!(s, ConsentStanding::default());
    }

    #[test]
    fn consent_to_referral_and_panel_allows_panel_discussion() {
        let r = given(date!(2026 - 03 - 01));
        let s = ConsentStanding::of([&r], date!(2026 - 03 - 02));
        assert!(s.early_help_referral && s.panel_discussion && s.allows_panel());
        assert_eq!(s.review_due, Some(date!(2027 - 03 - 01)));
        assert_eq!(s.current_record, Some(r.id()));
    }

    #[test]
    fn consent_to_a_referral_alone_does_not_allow_panel_discussion() {
        let mut f = form(FamilyId::new(), date!(2026 - 03 - 01));
        f.scopes = [ConsentScope::EarlyHelpReferral].into();
        let r = ConsentRecord::record(f, date!(2026 - 03 - 01)).unwrap();
        let s = ConsentStanding::of([&r], date!(2026 - 03 - 01));
        assert!(s.early_help_referral);
        assert!(!s.panel_discussion);
        assert!(!s.allows_panel());
    }

    #[test]
    fn panel_discussion_without_a_referral_is_refused() {
        let mut f = form(FamilyId::new(), date!(2026 - 03 - 01));
        f.scopes = [ConsentScope::PanelDiscussion].into();
        assert_eq!(
            ConsentRecord::record(f, date!(2026 - 03 - 01)),
            Err(ConsentError::ScopeWithoutReferral)
        );
    }

    #[test]
    fn consent_with_nothing_ticked_is_refused() {
        let mut f = form(FamilyId::new(), date!(2026 - 03 - 01));
        f.scopes.clear();
        assert_eq!(ConsentRecord::record(f, date!(2026 - 03 - 01)), Err(ConsentError::NoScopes));
    }

    #[test]
    fn consent_for_listed_people_with_nobody_listed_is_refused() {
        let mut f = form(FamilyId::new(), date!(2026 - 03 - 01));
        f.given_for = ConsentSubject::People(BTreeSet::new());
        assert_eq!(ConsentRecord::record(f, date!(2026 - 03 - 01)), Err(ConsentError::NoPeople));
    }

    #[test]
    fn consent_dated_tomorrow_is_refused() {
        let f = form(FamilyId::new(), date!(2026 - 03 - 02));
        assert_eq!(ConsentRecord::record(f, date!(2026 - 03 - 01)), Err(ConsentError::GivenInFuture));
    }

    #[test]
    fn a_review_date_on_or_before_the_date_given_is_refused() {
        let mut f = form(FamilyId::new(), date!(2026 - 03 - 01));
        f.review_due = date!(2026 - 03 - 01);
        assert_eq!(
            ConsentRecord::record(f.clone(), date!(2026 - 03 - 01)),
            Err(ConsentError::ReviewNotAfterGiven)
        );
        f.review_due = date!(2026 - 02 - 01);
        let err = ConsentRecord::record(f, date!(2026 - 03 - 01)).unwrap_err();
        assert_eq!(err.to_string(), "The review date must be after the date consent was given");
    }

    #[test]
    fn an_organisation_named_twice_in_the_exclusions_is_kept_once() {
        let police = OrganisationId::new();
        let mut f = form(FamilyId::new(), date!(2026 - 03 - 01));
        f.excluded_organisations = [police, police].into_iter().collect();
        let r = ConsentRecord::record(f, date!(2026 - 03 - 01)).unwrap();
        assert_eq!(r.excluded_organisations().len(), 1);
    }

    #[test]
    fn sharing_with_an_excluded_organisation_is_refused() {
        let housing = OrganisationId::new();
        let mut f = form(FamilyId::new(), date!(2026 - 03 - 01));
        f.excluded_organisations = [housing].into();
        f.scopes.insert(ConsentScope::SharingWith(housing));
        assert_eq!(
            ConsentRecord::record(f, date!(2026 - 03 - 01)),
            Err(ConsentError::SharingWithExcluded)
        );
    }

    #[test]
    fn an_organisation_both_excluded_and_readmitted_is_refused() {
        let housing = OrganisationId::new();
        let mut f = form(FamilyId::new(), date!(2026 - 03 - 01));
        f.excluded_organisations = [housing].into();
        f.readmitted_organisations = [housing].into();
        assert_eq!(
            ConsentRecord::record(f, date!(2026 - 03 - 01)),
            Err(ConsentError::ExcludedAndReadmitted)
        );
    }

    #[test]
    fn an_excluded_organisation_may_not_receive_the_family_at_panel() {
        let police = OrganisationId::new();
        let school = OrganisationId::new();
        let mut f = form(FamilyId::new(), date!(2026 - 03 - 01));
        f.excluded_organisations = [police].into();
        let r = ConsentRecord::record(f, date!(2026 - 03 - 01)).unwrap();
        let s = ConsentStanding::of([&r], date!(2026 - 03 - 05));
        assert!(!s.may_share_at_panel_with(police));
        assert!(s.may_share_at_panel_with(school));
    }

    #[test]
    fn withdrawal_stops_everything_from_its_date_and_the_record_stays() {
        let r = given(date!(2026 - 03 - 01));
        let w = r
            .withdraw(date!(2026 - 04 - 10), UserId::new(), "Family moving away", date!(2026 - 04 - 10))
            .unwrap();
        let before = ConsentStanding::of([&w], date!(2026 - 04 - 09));
        assert!(before.allows_panel(), "withdrawal is not backdated");
        let after = ConsentStanding::of([&w], date!(2026 - 04 - 10));
        assert!(!after.early_help_referral && !after.panel_discussion && after.sharing_with.is_empty());
        assert_eq!(after.withdrawn_on, Some(date!(2026 - 04 - 10)));
        assert_eq!(after.review_due, None);
        assert_eq!(w.id(), r.id());
        assert_eq!(w.scopes(), r.scopes());
        assert_eq!(w.withdrawal().map(|x| x.reason.as_str()), Some("Family moving away"));
    }

    #[test]
    fn withdrawing_the_latest_record_does_not_bring_an_earlier_one_back() {
        let family = FamilyId::new();
        let first = ConsentRecord::record(form(family, date!(2026 - 01 - 05)), date!(2026 - 01 - 05)).unwrap();
        let second = ConsentRecord::record(form(family, date!(2026 - 03 - 01)), date!(2026 - 03 - 01)).unwrap();
        let second = second
            .withdraw(date!(2026 - 04 - 01), UserId::new(), "No longer wants help", date!(2026 - 04 - 01))
            .unwrap();
        let s = ConsentStanding::of([&first, &second], date!(2026 - 04 - 02));
        assert!(!s.allows_panel());
        assert_eq!(s.withdrawn_on, Some(date!(2026 - 04 - 01)));
    }

    #[test]
    fn withdrawing_an_older_record_after_the_latest_was_given_stops_everything() {
        let family = FamilyId::new();
        let first = ConsentRecord::record(form(family, date!(2026 - 01 - 05)), date!(2026 - 01 - 05)).unwrap();
        let second = ConsentRecord::record(form(family, date!(2026 - 03 - 01)), date!(2026 - 03 - 01)).unwrap();
        let first = first
            .withdraw(
                date!(2026 - 04 - 01),
                UserId::new(),
                "Said stop on the phone",
                date!(2026 - 04 - 01),
            )
            .unwrap();
        assert!(!ConsentStanding::of([&first, &second], date!(2026 - 04 - 02)).allows_panel());
    }

    #[test]
    fn consent_given_again_after_a_withdrawal_counts() {
        let family = FamilyId::new();
        let first = ConsentRecord::record(form(family, date!(2026 - 01 - 05)), date!(2026 - 01 - 05))
            .unwrap()
            .withdraw(date!(2026 - 02 - 01), UserId::new(), "Not now", date!(2026 - 02 - 01))
            .unwrap();
        let again = ConsentRecord::record(form(family, date!(2026 - 05 - 01)), date!(2026 - 05 - 01)).unwrap();
        let s = ConsentStanding::of([&again, &first], date!(2026 - 05 - 02));
        assert!(s.allows_panel());
        assert_eq!(s.withdrawn_on, None);
        assert_eq!(s.current_record, Some(again.id()));
    }

    #[test]
    fn the_later_record_decides_what_is_agreed() {
        let family = FamilyId::new();
        let both = ConsentRecord::record(form(family, date!(2026 - 01 - 05)), date!(2026 - 01 - 05)).unwrap();
        let mut narrower = form(family, date!(2026 - 02 - 05));
        narrower.scopes = [ConsentScope::EarlyHelpReferral].into();
        let narrower = ConsentRecord::record(narrower, date!(2026 - 02 - 05)).unwrap();
        let s = ConsentStanding::of([&narrower, &both], date!(2026 - 02 - 06));
        assert!(s.early_help_referral);
        assert!(!s.panel_discussion, "the family narrowed their consent");
    }

    #[test]
    fn exclusions_outlive_a_later_record_that_does_not_mention_them() {
        let family = FamilyId::new();
        let police = OrganisationId::new();
        let housing = OrganisationId::new();
        let mut first = form(family, date!(2026 - 01 - 05));
        first.excluded_organisations = [police].into();
        let first = ConsentRecord::record(first, date!(2026 - 01 - 05)).unwrap();
        let mut second = form(family, date!(2026 - 03 - 05));
        second.excluded_organisations = [housing].into();
        let second = ConsentRecord::record(second, date!(2026 - 03 - 05)).unwrap();
        let s = ConsentStanding::of([&first, &second], date!(2026 - 03 - 06));
        assert_eq!(s.excluded_organisations, [police, housing].into());
    }

    #[test]
    fn exclusions_are_kept_after_withdrawal() {
        let police = OrganisationId::new();
        let mut f = form(FamilyId::new(), date!(2026 - 01 - 05));
        f.excluded_organisations = [police].into();
        let r = ConsentRecord::record(f, date!(2026 - 01 - 05))
            .unwrap()
            .withdraw(date!(2026 - 02 - 01), UserId::new(), "No reason given", date!(2026 - 02 - 01))
            .unwrap();
        assert_eq!(
            ConsentStanding::of([&r], date!(2026 - 02 - 02)).excluded_organisations,
            [police].into()
        );
    }

    #[test]
    fn only_an_explicit_readmission_ends_an_exclusion() {
        let family = FamilyId::new();
        let police = OrganisationId::new();
        let mut first = form(family, date!(2026 - 01 - 05));
        first.excluded_organisations = [police].into();
        let first = ConsentRecord::record(first, date!(2026 - 01 - 05)).unwrap();
        let mut second = form(family, date!(2026 - 03 - 05));
        second.readmitted_organisations = [police].into();
        let second = ConsentRecord::record(second, date!(2026 - 03 - 05)).unwrap();
        let s = ConsentStanding::of([&first, &second], date!(2026 - 03 - 06));
        assert!(s.excluded_organisations.is_empty());
        assert!(s.may_share_at_panel_with(police));
    }

    #[test]
    fn consent_lapses_the_day_after_its_review_date() {
        let mut f = form(FamilyId::new(), date!(2026 - 01 - 05));
        f.review_due = date!(2026 - 07 - 05);
        let r = ConsentRecord::record(f, date!(2026 - 01 - 05)).unwrap();
        let on_review_day = ConsentStanding::of([&r], date!(2026 - 07 - 05));
        assert!(on_review_day.allows_panel() && !on_review_day.review_overdue);
        let day_after = ConsentStanding::of([&r], date!(2026 - 07 - 06));
        assert!(!day_after.allows_panel());
        assert!(day_after.review_overdue);
        assert_eq!(day_after.review_due, Some(date!(2026 - 07 - 05)));
        assert!(r.is_live_on(date!(2026 - 07 - 05)) && !r.is_live_on(date!(2026 - 07 - 06)));
    }

    #[test]
    fn a_record_dated_after_today_does_not_count_yet() {
        let r = given(date!(2026 - 03 - 01));
        assert!(!ConsentStanding::of([&r], date!(2026 - 02 - 28)).allows_panel());
    }

    #[test]
    fn sharing_with_a_named_service_is_listed_in_the_standing() {
        let camhs = OrganisationId::new();
        let mut f = form(FamilyId::new(), date!(2026 - 01 - 05));
        f.scopes.insert(ConsentScope::SharingWith(camhs));
        let r = ConsentRecord::record(f, date!(2026 - 01 - 05)).unwrap();
        assert_eq!(ConsentStanding::of([&r], date!(2026 - 01 - 06)).sharing_with, [camhs].into());
    }

    #[test]
    fn a_withdrawal_before_the_consent_was_given_is_refused() {
        let r = given(date!(2026 - 03 - 01));
        assert_eq!(
            r.withdraw(date!(2026 - 02 - 28), UserId::new(), "x", date!(2026 - 03 - 05)),
            Err(ConsentError::WithdrawalBeforeGiven)
        );
        assert_eq!(
            r.withdraw(date!(2026 - 03 - 06), UserId::new(), "x", date!(2026 - 03 - 05)),
            Err(ConsentError::WithdrawalInFuture)
        );
        assert_eq!(
            r.withdraw(date!(2026 - 03 - 05), UserId::new(), "   ", date!(2026 - 03 - 05)),
            Err(ConsentError::NoWithdrawalReason)
        );
    }

    #[test]
    fn a_consent_can_be_withdrawn_only_once() {
        let r = given(date!(2026 - 03 - 01))
            .withdraw(date!(2026 - 03 - 02), UserId::new(), "Stop", date!(2026 - 03 - 02))
            .unwrap();
        assert_eq!(
            r.withdraw(date!(2026 - 03 - 03), UserId::new(), "Stop", date!(2026 - 03 - 03)),
            Err(ConsentError::AlreadyWithdrawn(date!(2026 - 03 - 02)))
        );
    }

    #[test]
    fn the_retention_clock_starts_on_the_day_of_withdrawal() {
        let r = given(date!(2026 - 03 - 01));
        assert_eq!(r.retention_clock_starts_on(), None);
        let w = r
            .withdraw(date!(2026 - 03 - 20), UserId::new(), "Stop", date!(2026 - 03 - 25))
            .unwrap();
        assert_eq!(w.retention_clock_starts_on(), Some(date!(2026 - 03 - 20)));
    }

    #[test]
    fn a_stored_record_is_restored_with_its_withdrawal() {
        let r = given(date!(2026 - 03 - 01))
            .withdraw(date!(2026 - 03 - 02), UserId::new(), "Stop", date!(2026 - 03 - 02))
            .unwrap();
        let back = ConsentRecord::restore(r.id(), r.to_new(), r.withdrawal().cloned()).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn every_scope_code_parses_back() {
        let org = OrganisationId::new();
        for s in [
            ConsentScope::EarlyHelpReferral,
            ConsentScope::PanelDiscussion,
            ConsentScope::SharingWith(org),
        ] {
            assert_eq!(s.code().parse::<ConsentScope>(), Ok(s));
        }
        assert!("sharing_with:not-a-uuid".parse::<ConsentScope>().is_err());
        for m in ConsentMethod::ALL {
            assert_eq!(m.code().parse::<ConsentMethod>(), Ok(m));
        }
        for g in OverrideGround::ALL {
            assert_eq!(g.code().parse::<OverrideGround>(), Ok(g));
        }
    }

    #[test]
    fn an_override_needs_a_justification_of_a_sentence() {
        let at = datetime!(2026-03-01 10:00 UTC);
        let by = UserId::new();
        assert_eq!(
            ConsentOverride::new(OverrideGround::Safeguarding, "  ", by, at),
            Err(OverrideError::NoJustification)
        );
        let short = ConsentOverride::new(OverrideGround::Safeguarding, " risk ", by, at).unwrap_err();
        assert_eq!(
            short,
            OverrideError::JustificationTooShort {
                min: ConsentOverride::MIN_JUSTIFICATION_CHARS,
                given: 4
            }
        );
        assert!(short.to_string().contains("at least 30 characters"));
        let ok = ConsentOverride::new(
            OverrideGround::Safeguarding,
            "  Child disclosed an injury at school; asking the parent would increase the risk.  ",
            by,
            at,
        )
        .unwrap();
        assert_eq!(ok.ground(), OverrideGround::Safeguarding);
        assert!(ok.justification().starts_with("Child disclosed"));
        assert_eq!(ok.authorised_by(), by);
    }

    #[test]
    fn justification_length_is_counted_in_characters_not_bytes() {
        // 30 characters, each two bytes in UTF-8.
        let text: String = "é".repeat(30);
        assert!(
            ConsentOverride::new(
                OverrideGround::PublicInterest,
                &text,
                UserId::new(),
                datetime!(2026-03-01 10:00 UTC)
            )
            .is_ok()
        );
    }

    fn arb_date() -> impl Strategy<Value = Date> {
        (0i64..400).prop_map(|d| date!(2026 - 01 - 01) + Duration::days(d))
    }

    proptest! {
        /// Whatever a family's history, a withdrawal dated on or after their latest consent means
        /// nothing may be shared, and every exclusion ever made (none readmitted here) is kept.
        #[test]
        fn a_withdrawal_after_the_latest_consent_always_stops_sharing(
            gifts in proptest::collection::vec((arb_date(), any::<bool>(), 0u8..4), 1..6),
            withdraw_idx in any::<proptest::sample::Index>(),
            gap in 0i64..30,
        ) {
            let family = FamilyId::new();
            let orgs: Vec<OrganisationId> = (0..4).map(|_| OrganisationId::new()).collect();
            let mut records: Vec<ConsentRecord> = gifts.iter().map(|&(on, exclude, which)| {
                let mut f = form(family, on);
                if exclude { f.excluded_organisations.insert(orgs[usize::from(which)]); }
                ConsentRecord::record(f, on).unwrap()
            }).collect();
            let latest = records.iter().map(|r| r.given_on()).max().unwrap();
            let on = latest + Duration::days(gap);
            let i = withdraw_idx.index(records.len());
            records[i] = records[i].withdraw(on, UserId::new(), "Stop", on).unwrap();
            let s = ConsentStanding::of(&records, on);
            prop_assert!(!s.early_help_referral && !s.panel_discussion && s.sharing_with.is_empty());
            let all_excluded: BTreeSet<_> = records.iter().flat_map(|r| r.excluded_organisations().iter().copied()).collect();
            prop_assert_eq!(s.excluded_organisations, all_excluded);
        }

        /// The standing never depends on the order the store happens to return records in.
        #[test]
        fn the_standing_does_not_depend_on_the_order_of_records(
            days in proptest::collection::vec(arb_date(), 1..6),
            today in arb_date(),
        ) {
            let family = FamilyId::new();
            let records: Vec<ConsentRecord> = days.iter().map(|&on| ConsentRecord::record(form(family, on), on).unwrap()).collect();
            let mut reversed = records.clone();
            reversed.reverse();
            prop_assert_eq!(ConsentStanding::of(&records, today), ConsentStanding::of(&reversed, today));
        }

        /// Without a readmission, no organisation a family ever excluded may receive them at
        /// panel, whatever else the family agreed to later.
        #[test]
        fn an_exclusion_is_respected_until_readmitted(
            gifts in proptest::collection::vec((arb_date(), proptest::collection::btree_set(0usize..5, 0..3)), 1..6),
            today in arb_date(),
        ) {
            let family = FamilyId::new();
            let orgs: Vec<OrganisationId> = (0..5).map(|_| OrganisationId::new()).collect();
            let records: Vec<ConsentRecord> = gifts.iter().map(|(on, excluded)| {
                let mut f = form(family, *on);
                f.excluded_organisations = excluded.iter().map(|&i| orgs[i]).collect();
                ConsentRecord::record(f, *on).unwrap()
            }).collect();
            let s = ConsentStanding::of(&records, today);
            for r in records.iter().filter(|r| r.given_on() <= today) {
                for o in r.excluded_organisations() {
                    prop_assert!(!s.may_share_at_panel_with(*o));
                }
            }
        }
    }
}
