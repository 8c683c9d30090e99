//! [`Authority`]: the parsed schema and policies, and the one function that asks them.
//!
//! Everything Cedar-specific lives here. The policy files are compiled into the binary, parsed
//! and validated once at start-up; each decision then builds three or four small entities
//! (the user, their organisation, the resource) and asks Cedar.

use crate::actions::{
    ALL_ACTIONS, Action, AgreedActionAction, ChangeReferral, FamilyAction, MakeReferral, MeetingAction, OrganisationAction, ReferralChange,
    ReferralOpening, SystemAction, sealed::SystemResource,
};
use crate::permit::{Denied, Permit};
use crate::principal::{AgreedActionFacts, FamilyFacts, MeetingFacts, Principal, ReferralFacts, Relationship};
use crate::rules;
use cedar_policy::{
    ActionConstraint, Authorizer, Decision, Entities, EntityId, EntityTypeName, EntityUid, PolicyId, PolicySet, Request, Schema,
    ValidationMode, Validator,
};
use cedar_policy_core::ast::{self, Value};
use cedar_policy_core::entities::{Entities as CoreEntities, NoEntitiesSchema, TCComputation};
use cedar_policy_core::extensions::Extensions;
use domain::OrganisationId;
use domain::organisation::IsaStanding;
use domain::referral::{EventKind, Route};
use smol_str::SmolStr;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;
use std::sync::Arc;

/// The Cedar schema, compiled in so the binary needs no files beside it.
pub(crate) const SCHEMA: &str = include_str!("../policies/schema.cedarschema");

/// Every policy file, by name (for error messages) and text. A test checks this list matches
/// the `policies/` directory, so a new file cannot be forgotten here.
pub(crate) const POLICY_FILES: &[(&str, &str)] = &[
    ("everyone.cedar", include_str!("../policies/everyone.cedar")),
    ("administration.cedar", include_str!("../policies/administration.cedar")),
    ("family-data.cedar", include_str!("../policies/family-data.cedar")),
    ("meetings.cedar", include_str!("../policies/meetings.cedar")),
];

/// Why the policies could not be loaded. Every variant is a mistake in `policies/` and fails
/// the test suite before it could reach a deployment.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The schema file does not parse.
    #[error("policies/schema.cedarschema does not parse")]
    Schema(#[source] Box<cedar_policy::CedarSchemaError>),
    /// A policy file does not parse.
    #[error("policies/{file} does not parse")]
    Parse {
        /// The file.
        file: &'static str,
        /// What the parser said.
        #[source]
        source: Box<cedar_policy::ParseErrors>,
    },
    /// A policy has no `@id("…")`, so a denial by it could not be explained.
    #[error("a policy in policies/{file} has no @id(\"…\") annotation:\n{policy}")]
    MissingId {
        /// The file.
        file: &'static str,
        /// The policy's text.
        policy: String,
    },
    /// A file holds a template; templates are not used, every rule is a static policy.
    #[error("policies/{file} holds a template; only static policies are used")]
    Template {
        /// The file.
        file: &'static str,
    },
    /// Two policies share an `@id`.
    #[error("the @id \"{id}\" is used by more than one policy")]
    DuplicateId {
        /// The repeated id.
        id: String,
        /// What Cedar said.
        #[source]
        source: Box<cedar_policy::PolicySetError>,
    },
    /// A policy's `@id` has no entry in [`rules::RULES`], so its denials could not be explained.
    #[error("the policy @id(\"{id}\") has no explanation in rules.rs")]
    Unexplained {
        /// The id missing from the table.
        id: String,
    },
    /// The policies do not type-check against the schema (a misspelt attribute, action or role
    /// set, a comparison of the wrong types).
    #[error("the policies do not validate against the schema:\n{0}")]
    Invalid(String),
    /// The schema's actions could not be turned into entities (to find action groups).
    #[error("the schema's actions could not be read")]
    ActionEntities(#[source] Box<cedar_policy::entities_errors::EntitiesError>),
    /// An action marker type names an action the schema does not declare.
    #[error("the action \"{0}\" is not declared in the schema")]
    UndeclaredAction(&'static str),
    /// An entity type this crate builds is not a valid Cedar name (a typo in this crate).
    #[error("\"{0}\" is not a valid entity type name")]
    TypeName(&'static str),
    /// A policy could not be restated for the one action it is sliced under.
    #[error("the policy @id(\"{id}\") could not be prepared for evaluation: {reason}")]
    Prepare {
        /// The policy.
        id: String,
        /// What went wrong.
        reason: String,
    },
}

/// The entity types requests are built from, parsed once.
#[derive(Debug)]
struct Types {
    user: ast::EntityType,
    organisation: ast::EntityType,
    user_account: ast::EntityType,
    family: ast::EntityType,
    referral: ast::EntityType,
    meeting: ast::EntityType,
    agreed_action: ast::EntityType,
}

/// What a request is about, before it becomes a Cedar entity.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Resource<'a> {
    /// One of the singleton resources for system actions.
    System(SystemResource),
    /// One family.
    Family(&'a FamilyFacts),
    /// One organisation, known only by its id.
    Organisation(OrganisationId),
    /// One family, to be referred by this route.
    NewReferral(&'a FamilyFacts, Route),
    /// One referral, and the event asked about.
    Referral(&'a ReferralFacts, EventKind),
    /// One meeting, and the asker's place on its panel.
    Meeting(&'a MeetingFacts),
    /// One agreed action, and the asker's part in it.
    AgreedAction(&'a AgreedActionFacts),
}

/// One action and the policies that can apply to it.
#[derive(Debug)]
struct ActionPolicies {
    /// `Action::"<name>"`.
    uid: Arc<ast::EntityUID>,
    /// Only the policies whose action scope matches this action. Cedar evaluates every policy
    /// in the set it is given, and a policy for another action can never be satisfied, so
    /// slicing per action at start-up cuts the work per decision without changing any answer
    /// (a test compares sliced and whole-set decisions).
    policies: PolicySet,
}

/// The single place access decisions are made: the policies, parsed and validated once.
///
/// Build one at start-up with [`Authority::new`] and share it (it is `Send + Sync`; wrap it in
/// an `Arc` in the application state). Each decision is independent and needs no lock.
#[derive(Debug)]
pub struct Authority {
    authorizer: Authorizer,
    types: Types,
    actions: HashMap<&'static str, ActionPolicies>,
    service: Arc<ast::EntityUID>,
    isa_register: Arc<ast::EntityUID>,
}

impl Authority {
    /// Parses the schema and the policy files compiled into the binary, names each policy by
    /// its `@id`, checks every id has an explanation, and validates the policies against the
    /// schema. Call once at start-up: a failure here is a broken build, not a runtime state.
    pub fn new() -> Result<Self, PolicyError> {
        let (schema, _warnings) = Schema::from_cedarschema_str(SCHEMA).map_err(|e| PolicyError::Schema(Box::new(e)))?;
        let policies = load_policies()?;
        let validation = Validator::new(schema.clone()).validate(&policies, ValidationMode::Strict);
        if !validation.validation_passed() {
            return Err(PolicyError::Invalid(validation.to_string()));
        }
        Self::from_parts(&schema, &policies)
    }

    /// Builds the authority from a schema and policies already checked (or, in tests,
    /// deliberately broken ones).
    fn from_parts(schema: &Schema, policies: &PolicySet) -> Result<Self, PolicyError> {
        let type_name = |name: &'static str| EntityTypeName::from_str(name).map_err(|_| PolicyError::TypeName(name));
        let core_type = |name: &'static str| type_name(name).map(|t| AsRef::<ast::EntityType>::as_ref(&t).clone());
        let singleton =
            |name: &'static str, id: &str| type_name(name).map(|t| Arc::new(EntityUid::from_type_name_and_id(t, EntityId::new(id)).into()));
        let declared = schema.action_entities().map_err(|e| PolicyError::ActionEntities(Box::new(e)))?;
        let action_type = type_name("Action")?;
        let mut actions = HashMap::new();
        for name in ALL_ACTIONS {
            let uid = EntityUid::from_type_name_and_id(action_type.clone(), EntityId::new(name));
            // The action and any action groups it belongs to: a policy scoped to a group
            // applies to its members.
            let mut names_it: HashSet<&EntityUid> = declared.ancestors(&uid).ok_or(PolicyError::UndeclaredAction(name))?.collect();
            names_it.insert(&uid);
            let mut slice = PolicySet::new();
            for policy in policies.policies() {
                let applies = match policy.action_constraint() {
                    ActionConstraint::Any => true,
                    ActionConstraint::Eq(a) => names_it.contains(&a),
                    ActionConstraint::In(list) => list.iter().any(|a| names_it.contains(a)),
                };
                if applies {
                    slice.add(for_one_action(policy)?).map_err(|e| PolicyError::DuplicateId {
                        id: policy.id().to_string(),
                        source: Box::new(e),
                    })?;
                }
            }
            actions.insert(
                name,
                ActionPolicies {
                    uid: Arc::new(uid.into()),
                    policies: slice,
                },
            );
        }

        Ok(Self {
            service: singleton("Service", "earlyhelp")?,
            isa_register: singleton("IsaRegister", "register")?,
            types: Types {
                user: core_type("User")?,
                organisation: core_type("Organisation")?,
                user_account: core_type("UserAccount")?,
                family: core_type("Family")?,
                referral: core_type("Referral")?,
                meeting: core_type("Meeting")?,
                agreed_action: core_type("AgreedAction")?,
            },
            authorizer: Authorizer::new(),
            actions,
        })
    }

    /// May `who` do `action`, an action on the service rather than on one record?
    ///
    /// Returns the permit the store function for the action requires, or the rule that refused.
    pub fn decide<A: SystemAction>(&self, who: &Principal, _action: A) -> Result<Permit<A>, Denied> {
        self.evaluate(who, A::NAME, Resource::System(A::RESOURCE))?;
        Ok(Permit::grant(who, ()))
    }

    /// May `who` do `action` to this family? The permit names the family, so it cannot be
    /// used for another. A denial's explanation never describes the family.
    pub fn decide_family<A: FamilyAction>(&self, who: &Principal, _action: A, family: &FamilyFacts) -> Result<Permit<A>, Denied> {
        self.evaluate(who, A::NAME, Resource::Family(family))?;
        Ok(Permit::grant(who, family.id))
    }

    /// May `who` do `action` to this organisation (approve it, renew or withdraw its signature,
    /// change its settings)? The permit names the organisation, so it cannot be used for
    /// another; the policies refuse anyone their own organisation.
    pub fn decide_organisation<A: OrganisationAction>(
        &self,
        who: &Principal,
        _action: A,
        organisation: OrganisationId,
    ) -> Result<Permit<A>, Denied> {
        self.evaluate(who, A::NAME, Resource::Organisation(organisation))?;
        Ok(Permit::grant(who, organisation))
    }

    /// May `who` refer this family by `route`? The permit names both, so the store makes
    /// exactly that referral. A denial's explanation never describes the family.
    pub fn decide_new_referral(&self, who: &Principal, family: &FamilyFacts, route: Route) -> Result<Permit<MakeReferral>, Denied> {
        self.evaluate(who, MakeReferral::NAME, Resource::NewReferral(family, route))?;
        Ok(Permit::grant(who, ReferralOpening { family: family.id, route }))
    }

    /// May `who` make `event` happen to this referral? Whether its state allows the event is the
    /// domain's state machine; this decides only who may. The permit names the referral, its
    /// family and the event.
    pub fn decide_referral_change(
        &self,
        who: &Principal,
        referral: &ReferralFacts,
        event: EventKind,
    ) -> Result<Permit<ChangeReferral>, Denied> {
        self.evaluate(who, ChangeReferral::NAME, Resource::Referral(referral, event))?;
        Ok(Permit::grant(
            who,
            ReferralChange {
                referral: referral.id,
                family: referral.family,
                event,
            },
        ))
    }

    /// May `who` do `action` to this meeting? The permit names the meeting, so it cannot be used
    /// for another; the families on its agenda are still decided one by one.
    pub fn decide_meeting<A: MeetingAction>(&self, who: &Principal, _action: A, meeting: &MeetingFacts) -> Result<Permit<A>, Denied> {
        self.evaluate(who, A::NAME, Resource::Meeting(meeting))?;
        Ok(Permit::grant(who, meeting.id))
    }

    /// May `who` do `action` to this agreed action? The permit names the action.
    pub fn decide_agreed_action<A: AgreedActionAction>(
        &self,
        who: &Principal,
        _action: A,
        facts: &AgreedActionFacts,
    ) -> Result<Permit<A>, Denied> {
        self.evaluate(who, A::NAME, Resource::AgreedAction(facts))?;
        Ok(Permit::grant(who, facts.id))
    }

    /// Asks Cedar and turns its answer into ours. Fails closed: a request that cannot be built
    /// or a policy that errors while evaluating refuses access, whatever else applied.
    fn evaluate(&self, who: &Principal, action: &'static str, resource: Resource<'_>) -> Result<(), Denied> {
        let Some(policies) = self.actions.get(action).map(|a| &a.policies) else {
            return Err(Denied::by(rules::EVALUATION_ERROR));
        };
        let (request, entities) = self
            .request(who, action, resource)
            .map_err(|_| Denied::by(rules::EVALUATION_ERROR))?;
        let response = self.authorizer.is_authorized(&request, policies, &entities);
        if response.diagnostics().errors().next().is_some() {
            return Err(Denied::by(rules::EVALUATION_ERROR));
        }
        match response.decision() {
            Decision::Allow => Ok(()),
            Decision::Deny => Err(Denied::by(deciding_rule(response.diagnostics().reason()))),
        }
    }

    /// Builds the Cedar request and the entities it needs, from values rather than expressions:
    /// Cedar's public constructors evaluate every attribute as an expression and recompute the
    /// entity hierarchy, which was more than half of a decision's time, and these entities have
    /// no hierarchy (no entity has a parent). Tests check each request against the schema
    /// through the public constructors (`conforms`).
    pub(crate) fn request(
        &self,
        who: &Principal,
        action: &'static str,
        resource: Resource<'_>,
    ) -> Result<(Request, Entities), Box<dyn std::error::Error + Send + Sync>> {
        let action = Arc::clone(&self.actions.get(action).ok_or("action not declared")?.uid);
        let user = self.types.uid(&self.types.user, who.user);
        let organisation = self.types.uid(&self.types.organisation, who.organisation);

        let mut entities = Vec::with_capacity(3);
        entities.push(entity(
            user.clone(),
            [
                ("organisation", Value::from(organisation.clone())),
                ("roles", Value::set(who.roles.iter().map(|r| Value::from(r.code())), None)),
                ("mfa_passed", Value::from(who.mfa_passed)),
                ("is_practitioner", Value::from(who.roles.iter().any(|r| r.is_practitioner()))),
            ],
        ));
        entities.push(entity(
            organisation.clone(),
            [("isa_current", Value::from(who.isa == IsaStanding::Current))],
        ));

        let context = match resource {
            Resource::Family(family) => context(family_context(&family.relationship)),
            Resource::NewReferral(family, route) => context(
                family_context(&family.relationship)
                    .into_iter()
                    .chain([("route", Value::from(route.code()))]),
            ),
            Resource::Referral(referral, event) => {
                let r = referral.family_relationship;
                context([
                    ("event", Value::from(event.code())),
                    ("made_it", Value::from(referral.made_it)),
                    ("signs_it_off", Value::from(referral.signs_it_off)),
                    ("screens_it", Value::from(referral.screens_it)),
                    ("works_with_family", Value::from(r.works_with_family)),
                    ("panel", Value::from(r.panel.code())),
                ])
            }
            Resource::Meeting(meeting) => context([
                ("runs", Value::from(meeting.runs.code())),
                ("member", Value::from(meeting.member.code())),
                ("declared", Value::from(meeting.declared)),
            ]),
            Resource::AgreedAction(a) => context([("owns_it", Value::from(a.owns_it)), ("runs", Value::from(a.runs.code()))]),
            _ => ast::Context::empty(),
        };
        let resource = match resource {
            Resource::System(SystemResource::Service) => Arc::clone(&self.service),
            Resource::System(SystemResource::IsaRegister) => Arc::clone(&self.isa_register),
            Resource::System(SystemResource::OwnAccount) => {
                let account = self.types.uid(&self.types.user_account, who.user);
                entities.push(entity(
                    account.clone(),
                    [("organisation", Value::from(organisation)), ("holder", Value::from(user.clone()))],
                ));
                Arc::new(account)
            }
            Resource::Family(family) | Resource::NewReferral(family, _) => {
                let id = self.types.uid(&self.types.family, family.id);
                entities.push(entity(
                    id.clone(),
                    [("excluded_organisations", self.excluded(&family.excluded_organisations))],
                ));
                Arc::new(id)
            }
            Resource::Referral(referral, _) => {
                let id = self.types.uid(&self.types.referral, referral.id);
                entities.push(entity(
                    id.clone(),
                    [
                        ("excluded_organisations", self.excluded(&referral.excluded_organisations)),
                        ("route", Value::from(referral.route.code())),
                        ("urgent", Value::from(referral.urgent)),
                    ],
                ));
                Arc::new(id)
            }
            Resource::AgreedAction(a) => {
                let id = self.types.uid(&self.types.agreed_action, a.id);
                entities.push(entity(
                    id.clone(),
                    [("excluded_organisations", self.excluded(&a.excluded_organisations))],
                ));
                Arc::new(id)
            }
            Resource::Meeting(meeting) => {
                let id = self.types.uid(&self.types.meeting, meeting.id);
                entities.push(entity(id.clone(), []));
                Arc::new(id)
            }
            // The asker's own organisation is already an entity, with its standing. Another
            // organisation is named but not described: the policies compare identities only
            // (reading an attribute of it fails to evaluate, which refuses the request).
            Resource::Organisation(other) => Arc::new(self.types.uid(&self.types.organisation, other)),
        };

        let known = |euid: Arc<ast::EntityUID>| ast::EntityUIDEntry::Known { euid, loc: None };
        let request = ast::Request::new_unchecked(known(Arc::new(user)), known(action), known(resource), Some(context));
        let entities = CoreEntities::from_entities(
            entities,
            None::<&NoEntitiesSchema>,
            TCComputation::AssumeAlreadyComputed,
            Extensions::none(),
        )?;
        Ok((Request::from(request), Entities::from(entities)))
    }
}

impl Authority {
    /// A set of organisation references, for a family's consent exclusions.
    fn excluded(&self, organisations: &[OrganisationId]) -> Value {
        Value::set(
            organisations
                .iter()
                .map(|org| Value::from(self.types.uid(&self.types.organisation, *org))),
            None,
        )
    }
}

impl Types {
    /// An entity reference from a typed id.
    fn uid(&self, type_name: &ast::EntityType, id: impl std::fmt::Display) -> ast::EntityUID {
        ast::EntityUID::from_components(type_name.clone(), ast::Eid::new(id.to_string()), None)
    }
}

/// An entity with these attributes and no parents.
fn entity<const N: usize>(uid: ast::EntityUID, attrs: [(&'static str, Value); N]) -> ast::Entity {
    ast::Entity::new_with_attr_partial_value(
        uid,
        attrs.map(|(name, value)| (SmolStr::new_static(name), ast::PartialValue::Value(value))),
        HashSet::new(),
        HashSet::new(),
        [],
    )
}

/// A request context holding these values.
fn context(pairs: impl IntoIterator<Item = (&'static str, Value)>) -> ast::Context {
    ast::Context::Value(Arc::new(
        pairs
            .into_iter()
            .map(|(name, value)| (SmolStr::new_static(name), value))
            .collect::<BTreeMap<_, _>>(),
    ))
}

/// The policy as it applies within one action's slice: the same rule with its action scope
/// dropped. Every policy in a slice already applies to that action, and Cedar would otherwise
/// rebuild the scope's list of actions (up to 25 of them) on every request, which was most of a
/// decision's time.
fn for_one_action(policy: &cedar_policy::Policy) -> Result<cedar_policy::Policy, PolicyError> {
    let failed = |reason: String| PolicyError::Prepare {
        id: policy.id().to_string(),
        reason,
    };
    if matches!(policy.action_constraint(), ActionConstraint::Any) {
        return Ok(policy.clone());
    }
    let mut json = policy.to_json().map_err(|e| failed(e.to_string()))?;
    let scope = json.get_mut("action").ok_or_else(|| failed("no action scope".to_owned()))?;
    *scope = serde_json::json!({ "op": "All" });
    cedar_policy::Policy::from_json(Some(policy.id().clone()), json).map_err(|e| failed(e.to_string()))
}

/// The context of a request about one family: the asker's connection to it.
fn family_context(r: &Relationship) -> [(&'static str, Value); 8] {
    [
        ("works_with_family", Value::from(r.works_with_family)),
        ("panel", Value::from(r.panel.code())),
        ("break_glass", Value::from(r.break_glass)),
        ("recorded_family", Value::from(r.recorded_it)),
        ("made_referral", Value::from(r.referrals.made_one)),
        ("signs_off_referral", Value::from(r.referrals.signs_one_off)),
        ("screens_referral", Value::from(r.referrals.screens_one)),
        ("escalated_to_mash", Value::from(r.referrals.escalated_to_mash)),
    ]
}

/// Of the forbids that applied, the one reported first in [`rules::RULES`]; none means no
/// permit applied, which Cedar denies by default.
fn deciding_rule<'a>(reasons: impl Iterator<Item = &'a PolicyId>) -> &'a str {
    reasons
        .map(AsRef::<str>::as_ref)
        .min_by_key(|id| rules::priority(id))
        .unwrap_or(rules::DEFAULT_DENY)
}

/// Parses every policy file and renames each policy by its `@id`, so Cedar's diagnostics name
/// rules people can look up (and duplicates across files are caught).
fn load_policies() -> Result<PolicySet, PolicyError> {
    let mut set = PolicySet::new();
    for &(file, text) in POLICY_FILES {
        let parsed = PolicySet::from_str(text).map_err(|e| PolicyError::Parse { file, source: Box::new(e) })?;
        if parsed.num_of_templates() > 0 {
            return Err(PolicyError::Template { file });
        }
        for policy in parsed.policies() {
            let id = policy.annotation("id").ok_or_else(|| PolicyError::MissingId {
                file,
                policy: policy.to_string(),
            })?;
            if rules::rule(id).is_none() {
                return Err(PolicyError::Unexplained { id: id.to_owned() });
            }
            set.add(policy.new_id(PolicyId::new(id))).map_err(|e| PolicyError::DuplicateId {
                id: id.to_owned(),
                source: Box::new(e),
            })?;
        }
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::{
        ApplyToJoin, AuthoriseConsentOverride, FindPeopleAcrossFamilies, IssueApiToken, ManageCalendar, ManageOrganisation,
        ManageOrganisations, ManageOwnAccount, ManagePanels, ManageProgramme, ManageUsers, OpenBreakGlass, RecordConsent, RecordFamily,
        RecordMove, RecordPerson, RecordPlan, RecordSharing, ReviewBreakGlass, ViewAuditLog, ViewFamily, ViewFamilyList, ViewIsaRegister,
        ViewPanels, ViewSharingLog, ViewStaffDirectory,
    };
    use crate::actions::{
        ChangeMeetingChair, PrepareAgenda, RecordAgencyCheck, RecordAttendance, RecordDecision, SignDeclaration, UpdateAgreedAction,
        ViewActionNotes, ViewAgendaCopy, ViewAgreedAction, ViewClaimsList, ViewClosedSession, ViewDashboards, ViewFamiliesDiscussedReport,
        ViewMeeting,
    };
    use crate::principal::{PanelRelationship, Relationship};
    use crate::rules::Effect;
    use domain::role::Role;
    use domain::{FamilyId, UserId};

    fn schema() -> Schema {
        Schema::from_cedarschema_str(SCHEMA).unwrap().0
    }

    fn system<A: SystemAction>(_: A) -> (&'static str, Resource<'static>) {
        (A::NAME, Resource::System(A::RESOURCE))
    }

    /// A request for every action, and for the actions on one record each kind of record:
    /// `family` (which may exclude `who`'s organisation), `who`'s own organisation and another.
    fn every_request<'a>(who: &Principal, family: &'a FamilyFacts, referral: &'a ReferralFacts) -> Vec<(&'static str, Resource<'a>)> {
        let requests = vec![
            system(ViewIsaRegister),
            system(ManageOrganisations),
            system(ApplyToJoin),
            system(ManageUsers),
            system(ViewStaffDirectory),
            system(ViewPanels),
            system(ManageOwnAccount),
            system(IssueApiToken),
            system(ViewFamilyList),
            system(ViewAuditLog),
            system(ManageCalendar),
            system(ManagePanels),
            system(ReviewBreakGlass),
            system(ViewSharingLog),
            system(RecordFamily),
            system(FindPeopleAcrossFamilies),
            (RecordPerson::NAME, Resource::Family(family)),
            (RecordMove::NAME, Resource::Family(family)),
            (RecordPlan::NAME, Resource::Family(family)),
            (ViewFamily::NAME, Resource::Family(family)),
            (RecordSharing::NAME, Resource::Family(family)),
            (OpenBreakGlass::NAME, Resource::Family(family)),
            (AuthoriseConsentOverride::NAME, Resource::Family(family)),
            (RecordConsent::NAME, Resource::Family(family)),
            (MakeReferral::NAME, Resource::NewReferral(family, Route::StepDown)),
            (ChangeReferral::NAME, Resource::Referral(referral, EventKind::Accept)),
            (ManageOrganisation::NAME, Resource::Organisation(who.organisation)),
            (ManageOrganisation::NAME, Resource::Organisation(OrganisationId::new())),
            (ViewMeeting::NAME, Resource::Meeting(&A_MEETING)),
            (PrepareAgenda::NAME, Resource::Meeting(&A_MEETING)),
            (ChangeMeetingChair::NAME, Resource::Meeting(&A_MEETING)),
            (ViewAgendaCopy::NAME, Resource::Meeting(&A_MEETING)),
            (RecordAgencyCheck::NAME, Resource::Meeting(&A_MEETING)),
            (SignDeclaration::NAME, Resource::Meeting(&A_MEETING)),
            (ViewClosedSession::NAME, Resource::Meeting(&A_MEETING)),
            (RecordAttendance::NAME, Resource::Meeting(&A_MEETING)),
            (RecordDecision::NAME, Resource::Meeting(&A_MEETING)),
            (ViewAgreedAction::NAME, Resource::AgreedAction(&AN_ACTION)),
            (UpdateAgreedAction::NAME, Resource::AgreedAction(&AN_ACTION)),
            (ViewActionNotes::NAME, Resource::Meeting(&A_MEETING)),
            system(ViewFamiliesDiscussedReport),
            system(ViewClaimsList),
            system(ViewDashboards),
            system(ManageProgramme),
        ];
        let mut covered: Vec<&str> = requests.iter().map(|(action, _)| *action).collect();
        covered.sort_unstable();
        covered.dedup();
        let mut all = ALL_ACTIONS.to_vec();
        all.sort_unstable();
        assert_eq!(covered, all, "every action needs a request here");
        requests
    }

    static A_MEETING: std::sync::LazyLock<MeetingFacts> = std::sync::LazyLock::new(|| MeetingFacts {
        id: domain::MeetingId::new(),
        runs: crate::RunsPanel::BusinessSupport,
        member: crate::PanelMember::Core,
        declared: true,
    });

    static AN_ACTION: std::sync::LazyLock<AgreedActionFacts> = std::sync::LazyLock::new(|| AgreedActionFacts {
        id: domain::AgreedActionId::new(),
        excluded_organisations: vec![OrganisationId::new()],
        owns_it: true,
        runs: crate::RunsPanel::Chair,
    });

    fn a_referral(family: &FamilyFacts, urgent: bool) -> ReferralFacts {
        ReferralFacts {
            id: domain::ReferralId::new(),
            family: family.id,
            excluded_organisations: family.excluded_organisations.clone(),
            route: Route::StepUp,
            urgent,
            made_it: true,
            signs_it_off: true,
            screens_it: true,
            family_relationship: family.relationship,
        }
    }

    fn someone(roles: Vec<Role>, isa: IsaStanding, mfa_passed: bool) -> Principal {
        Principal {
            user: UserId::new(),
            organisation: OrganisationId::new(),
            roles,
            isa,
            mfa_passed,
        }
    }

    #[test]
    fn the_policies_validate_against_the_schema_without_warnings() {
        let policies = load_policies().unwrap();
        let result = Validator::new(schema()).validate(&policies, ValidationMode::Strict);
        assert!(result.validation_passed_without_warnings(), "{result}");
    }

    #[test]
    fn the_authority_loads_from_the_compiled_in_files() {
        Authority::new().unwrap();
    }

    #[test]
    fn every_policy_file_in_the_directory_is_compiled_in() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".cedar"))
            .collect();
        on_disk.sort();
        let mut compiled: Vec<String> = POLICY_FILES.iter().map(|(f, _)| (*f).to_owned()).collect();
        compiled.sort();
        assert_eq!(on_disk, compiled);
    }

    #[test]
    fn every_rule_in_the_table_is_a_policy_with_the_same_effect() {
        let policies = load_policies().unwrap();
        for rule in rules::RULES {
            if [rules::DEFAULT_DENY, rules::EVALUATION_ERROR, rules::FAMILY_NOT_AVAILABLE].contains(&rule.id) {
                continue;
            }
            let policy = policies
                .policy(&PolicyId::new(rule.id))
                .unwrap_or_else(|| panic!("rules.rs names {} but no policy has that @id", rule.id));
            let effect = match policy.effect() {
                cedar_policy::Effect::Permit => Effect::Permit,
                cedar_policy::Effect::Forbid => Effect::Forbid,
            };
            assert_eq!(effect, rule.effect, "{}", rule.id);
        }
    }

    #[test]
    fn the_schema_declares_exactly_the_actions_this_crate_knows() {
        let mut declared: Vec<String> = schema().actions().map(|a| a.id().unescaped().to_owned()).collect();
        declared.sort();
        let mut known: Vec<String> = ALL_ACTIONS.iter().map(|a| (*a).to_owned()).collect();
        known.sort();
        assert_eq!(declared, known);
    }

    /// Rebuilds a request and its entities through Cedar's public, schema-checking constructors.
    fn conforms(schema: &Schema, request: &Request, entities: &Entities) -> Result<(), Box<dyn std::error::Error>> {
        let part = |uid: Option<&EntityUid>| uid.cloned().ok_or("a request part is unknown");
        Request::new(
            part(request.principal())?,
            part(request.action())?,
            part(request.resource())?,
            request.context().ok_or("the context is unknown")?.clone(),
            Some(schema),
        )?;
        Entities::from_entities(entities.iter().cloned(), Some(schema))?;
        Ok(())
    }

    #[test]
    fn every_request_this_crate_builds_fits_the_schema() {
        let authority = Authority::new().unwrap();
        let schema = schema();
        let family = FamilyFacts {
            id: FamilyId::new(),
            excluded_organisations: vec![OrganisationId::new()],
            relationship: Relationship {
                works_with_family: true,
                panel: PanelRelationship::Invited,
                break_glass: true,
                recorded_it: true,
                referrals: crate::ReferralConnection {
                    made_one: true,
                    signs_one_off: true,
                    screens_one: true,
                    escalated_to_mash: true,
                },
            },
        };
        let referral = a_referral(&family, true);
        for who in [
            someone(vec![], IsaStanding::Pending, false),
            someone(Role::ALL.to_vec(), IsaStanding::Current, true),
        ] {
            for (action, resource) in every_request(&who, &family, &referral) {
                let (request, entities) = authority.request(&who, action, resource).unwrap();
                if let Err(e) = conforms(&schema, &request, &entities) {
                    panic!("{action}: {e}");
                }
            }
        }
    }

    #[test]
    fn deciding_with_each_actions_slice_gives_the_same_answers_as_the_whole_set() {
        let authority = Authority::new().unwrap();
        let whole = load_policies().unwrap();
        let mut principals = Vec::new();
        for roles in [vec![], vec![Role::LeadProfessional], vec![Role::Administrator], Role::ALL.to_vec()] {
            for isa in [IsaStanding::Current, IsaStanding::Lapsed] {
                for mfa in [false, true] {
                    principals.push(someone(roles.clone(), isa, mfa));
                }
            }
        }
        for who in &principals {
            let family = FamilyFacts {
                id: FamilyId::new(),
                excluded_organisations: vec![who.organisation],
                relationship: Relationship {
                    panel: PanelRelationship::Core,
                    ..Relationship::default()
                },
            };
            let referral = a_referral(&family, false);
            for (action, resource) in every_request(who, &family, &referral) {
                let (request, entities) = authority.request(who, action, resource).unwrap();
                let sliced = &authority.actions[action].policies;
                let a = authority.authorizer.is_authorized(&request, sliced, &entities);
                let b = authority.authorizer.is_authorized(&request, &whole, &entities);
                assert_eq!(a.decision(), b.decision(), "{action} {who:?}");
                let reasons = |r: &cedar_policy::Response| {
                    let mut ids: Vec<String> = r.diagnostics().reason().map(ToString::to_string).collect();
                    ids.sort();
                    ids
                };
                assert_eq!(reasons(&a), reasons(&b), "{action} {who:?}");
            }
        }
    }

    #[test]
    fn a_forbid_that_fails_to_evaluate_denies_instead_of_being_skipped() {
        // Given a policy set where the only forbid reads an attribute that does not exist:
        // Cedar skips an erroring policy, so on its own the permit would allow.
        let broken = PolicySet::from_str(
            "permit (principal, action, resource);
             forbid (principal, action, resource) when { principal.no_such_attribute };",
        )
        .unwrap();
        let authority = Authority::from_parts(&schema(), &broken).unwrap();
        let who = someone(vec![Role::LeadProfessional], IsaStanding::Current, true);

        let denied = authority.decide(&who, ViewStaffDirectory).unwrap_err();

        assert_eq!(denied.rule, rules::EVALUATION_ERROR);
    }

    #[test]
    fn the_first_rule_in_the_table_is_reported_when_several_forbid() {
        let ids = [PolicyId::new("consent-exclusion"), PolicyId::new("isa-signatories-only")];
        assert_eq!(deciding_rule(ids.iter()), "isa-signatories-only");
        assert_eq!(deciding_rule([].iter()), rules::DEFAULT_DENY);
    }
}
