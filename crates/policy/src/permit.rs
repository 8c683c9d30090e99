//! The two outcomes of a decision: a [`Permit`] to hand to the store, or a [`Denied`] to show.

use crate::actions::{Action, AgreedActionAction, ChangeReferral, FamilyAction, MakeReferral, MeetingAction, OrganisationAction, sealed};
use crate::principal::Principal;
use crate::rules;
use domain::referral::{EventKind, Route};
use domain::{AgreedActionId, FamilyId, MeetingId, OrganisationId, ReferralId};
use serde::Serialize;
use std::marker::PhantomData;

/// Proof that the policies allowed `who` to do `A` (to one family, for a family action; to one
/// organisation, for an organisation action).
///
/// Store functions that read or change data take a `&Permit<A>`, so a handler that never asked
/// cannot call them. Only this crate can make one: the fields are private and there is no
/// constructor outside [`crate::Authority`]. It is deliberately not `Clone`: a permit belongs to
/// the request that asked for it.
///
/// A permit cannot be forged outside this crate:
///
/// ```compile_fail,E0451
/// use earlyhelp_policy::{Permit, ViewFamily};
/// fn forge() -> Permit<ViewFamily> {
///     Permit { principal: panic!(), target: panic!(), _action: std::marker::PhantomData }
/// }
/// ```
///
/// and a family action cannot be decided without naming the family:
///
/// ```compile_fail,E0277
/// use earlyhelp_policy::{Authority, Principal, ViewFamily};
/// fn skip_the_family(authority: &Authority, who: &Principal) {
///     let _ = authority.decide(who, ViewFamily);
/// }
/// ```
///
/// nor an organisation action without naming the organisation:
///
/// ```compile_fail,E0277
/// use earlyhelp_policy::{Authority, ManageOrganisation, Principal};
/// fn skip_the_organisation(authority: &Authority, who: &Principal) {
///     let _ = authority.decide(who, ManageOrganisation);
/// }
/// ```
///
/// and a permit for the register as a whole names no organisation to change:
///
/// ```compile_fail,E0599
/// use earlyhelp_policy::{ManageOrganisations, Permit};
/// fn any_organisation(permit: &Permit<ManageOrganisations>) {
///     let _ = permit.organisation();
/// }
/// ```
#[derive(Debug)]
pub struct Permit<A: Action> {
    principal: Principal,
    target: <A as sealed::Sealed>::Target,
    _action: PhantomData<fn() -> A>,
}

impl<A: Action> Permit<A> {
    /// Only [`crate::Authority`] calls this, after the policies said yes.
    pub(crate) fn grant(principal: &Principal, target: <A as sealed::Sealed>::Target) -> Self {
        Self {
            principal: principal.clone(),
            target,
            _action: PhantomData,
        }
    }

    /// Who was allowed: the actor for the audit trail and the organisation whose consent
    /// exclusions the store's queries apply.
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// The name of the action allowed, as the audit trail records it.
    pub fn action(&self) -> &'static str {
        A::NAME
    }
}

impl<A: FamilyAction> Permit<A> {
    /// The family this permit was granted for. The store must touch this family and no other.
    pub fn family(&self) -> FamilyId {
        self.target
    }
}

impl<A: OrganisationAction> Permit<A> {
    /// The organisation this permit was granted for (never the asker's own). The store must
    /// change this organisation and no other.
    pub fn organisation(&self) -> OrganisationId {
        self.target
    }
}

impl<A: MeetingAction> Permit<A> {
    /// The meeting this permit was granted for. The store must touch this meeting and no other.
    pub fn meeting(&self) -> MeetingId {
        self.target
    }
}

impl<A: AgreedActionAction> Permit<A> {
    /// The agreed action this permit was granted for.
    pub fn agreed_action(&self) -> AgreedActionId {
        self.target
    }
}

impl Permit<MakeReferral> {
    /// The family the referral may be made for.
    pub fn family(&self) -> FamilyId {
        self.target.family
    }

    /// The route it may come by.
    pub fn route(&self) -> Route {
        self.target.route
    }
}

impl Permit<ChangeReferral> {
    /// The referral that may change. The store must change this referral and no other.
    pub fn referral(&self) -> ReferralId {
        self.target.referral
    }

    /// Its family.
    pub fn family(&self) -> FamilyId {
        self.target.family
    }

    /// The one event allowed.
    pub fn event(&self) -> EventKind {
        self.target.event
    }
}

/// Why a request was refused, for the "why can't I see this?" page and the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{explanation}")]
pub struct Denied {
    /// The `@id` of the policy that decided, [`rules::DEFAULT_DENY`] when no policy permits,
    /// or [`rules::EVALUATION_ERROR`] when the policies could not be evaluated.
    pub rule: String,
    /// One or two plain-English sentences from [`rules::RULES`]. Fixed text: it never names
    /// or describes a family.
    pub explanation: String,
}

impl Denied {
    /// The refusal to show to the person who asked about one family: rules about the asker
    /// (their organisation's ISA standing, the administrator separation, the second factor) are
    /// kept, because they are the same whichever family was asked about; rules that depend on
    /// the family become [`rules::FAMILY_NOT_AVAILABLE`], which is also what an id with no
    /// family behind it gets. Record the original in the audit trail, show this one.
    pub fn for_a_family(self) -> Self {
        match self.rule.as_str() {
            rules::DEFAULT_DENY | "consent-exclusion" => Self::by(rules::FAMILY_NOT_AVAILABLE),
            _ => self,
        }
    }

    /// The denial for a rule, with its explanation from the table.
    pub(crate) fn by(rule_id: &str) -> Self {
        let explanation = rules::rule(rule_id)
            .or_else(|| rules::rule(rules::DEFAULT_DENY))
            .map_or("", |r| r.explanation);
        Self {
            rule: rule_id.to_owned(),
            explanation: explanation.to_owned(),
        }
    }
}
