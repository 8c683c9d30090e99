//! What the policies are told about the person asking and the family asked about.
//!
//! Both are plain facts the web layer already has (from the session and the store); this crate
//! turns them into Cedar entities for each request.

use domain::organisation::IsaStanding;
use domain::referral::Route;
use domain::role::Role;
use domain::{AgreedActionId, FamilyId, MeetingId, OrganisationId, ReferralId, UserId};

/// The signed-in member of staff a decision is about, as the web layer knows them from the
/// session or API token. It is the only input about the person: the policies see nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The account; recorded in the audit trail as the actor.
    pub user: UserId,
    /// The organisation the person works for: the unit of the ISA and of consent exclusions.
    pub organisation: OrganisationId,
    /// The roles the account holds (a chair is often also a lead professional).
    pub roles: Vec<Role>,
    /// The organisation's standing on the ISA register today; only `Current` lets its staff
    /// see family data.
    pub isa: IsaStanding,
    /// Whether this session was confirmed with a second factor; admin actions need it.
    pub mfa_passed: bool,
}

impl Principal {
    /// Whether the person holds `role`.
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// What the policies need to know about one family: which it is, which organisations its
/// consent excludes, and how the person asking is connected to it. Nothing else about the
/// family reaches the policy engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilyFacts {
    /// The family asked about; a permit for it names this id and no other.
    pub id: FamilyId,
    /// Organisations the family's consent says must not receive its information.
    pub excluded_organisations: Vec<OrganisationId>,
    /// The asker's connection to the family, which is what grants access.
    pub relationship: Relationship,
}

/// How the person asking is connected to one family, as the store finds it for this request.
/// The default is no connection at all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Relationship {
    /// They are the family's lead professional or in its Team Around the Family.
    pub works_with_family: bool,
    /// Their place on the panel that holds the family's case.
    pub panel: PanelRelationship,
    /// They hold unexpired break-glass access to this family.
    pub break_glass: bool,
    /// They recorded the family (entered what is held about it).
    pub recorded_it: bool,
    /// Their part in the family's open referrals.
    pub referrals: ReferralConnection,
}

/// How the person asking takes part in a family's open referrals (those not withdrawn or
/// closed), as the store finds it for this request. These connections bring people to a family
/// before any panel holds its case.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReferralConnection {
    /// They made one of the family's open referrals.
    pub made_one: bool,
    /// They are named to sign off the checklist of one awaiting sign-off.
    pub signs_one_off: bool,
    /// They chair a panel of the locality where one is with the panels: waiting to be screened,
    /// or screened and not yet closed (returned, redirected, accepted).
    pub screens_one: bool,
    /// The family has an urgent concern open with MASH (counts only for MASH practitioners).
    pub escalated_to_mash: bool,
}

/// What the policies need to know about one referral and the person asking about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralFacts {
    /// The referral; a permit for it names this id and no other.
    pub id: ReferralId,
    /// Its family.
    pub family: FamilyId,
    /// Organisations the family's consent excludes.
    pub excluded_organisations: Vec<OrganisationId>,
    /// How it came.
    pub route: Route,
    /// Whether it is an urgent safeguarding concern.
    pub urgent: bool,
    /// The asker made it.
    pub made_it: bool,
    /// The asker is named to sign off its checklist.
    pub signs_it_off: bool,
    /// The asker chairs a panel of its locality.
    pub screens_it: bool,
    /// The asker's connection to its family (lead professional, Team Around the Family, panel).
    pub family_relationship: Relationship,
}

/// The asker's place on the panel that holds a family's case.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum PanelRelationship {
    /// Not on that panel (or the family's case is on no panel).
    #[default]
    None,
    /// A chair, the business-support officer or a named core representative: sees the
    /// panel's closed-session case material.
    Core,
    /// Staff of an extended member agency invited to this family's case.
    Invited,
}

impl PanelRelationship {
    /// The value the policies compare `context.panel` with.
    pub fn code(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Core => "core",
            Self::Invited => "invited",
        }
    }
}

/// What the policies need to know about one meeting: which it is, and the asker's place on its
/// panel as the store finds it for this request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeetingFacts {
    /// The meeting; a permit for it names this id and no other.
    pub id: MeetingId,
    /// Whether the asker runs the panel (business support or a chair).
    pub runs: RunsPanel,
    /// Whether the asker represents a member organisation of the panel.
    pub member: PanelMember,
    /// Whether the asker has signed this meeting's confidentiality declaration.
    pub declared: bool,
}

/// The asker's part in running a panel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum RunsPanel {
    /// Neither its business support nor a chair.
    #[default]
    None,
    /// Its business-support officer.
    BusinessSupport,
    /// One of its chairs.
    Chair,
}

impl RunsPanel {
    /// The value the policies compare `context.runs` with.
    pub fn code(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::BusinessSupport => "business_support",
            Self::Chair => "chair",
        }
    }
}

/// Whether the asker represents an organisation that sits on a panel: staff of a member
/// organisation with no named representative, or its named representative.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum PanelMember {
    /// Not a member's representative.
    #[default]
    None,
    /// Of a core member organisation: every case on the list, bar exclusions.
    Core,
    /// Of an extended member organisation: the cases it is invited to.
    Extended,
}

impl PanelMember {
    /// The value the policies compare `context.member` with.
    pub fn code(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Core => "core",
            Self::Extended => "extended",
        }
    }
}

/// What the policies need to know about one agreed action: which it is, its family's consent
/// exclusions, and the asker's part in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreedActionFacts {
    /// The action; a permit for it names this id and no other.
    pub id: AgreedActionId,
    /// Organisations its family's consent excludes.
    pub excluded_organisations: Vec<OrganisationId>,
    /// The asker owns it.
    pub owns_it: bool,
    /// Whether the asker runs the panel whose meeting agreed it.
    pub runs: RunsPanel,
}
