//! One marker type per action in `policies/schema.cedarschema`.
//!
//! The type of the action travels in [`crate::Permit`], so a store function that takes a
//! `Permit<ViewFamily>` cannot be handed a permit for something else. The traits are sealed:
//! only this crate can say what an action is and what it is decided against.

use domain::referral::{EventKind, Route};
use domain::{AgreedActionId, FamilyId, MeetingId, OrganisationId, ReferralId};
use std::fmt::Debug;

pub(crate) mod sealed {
    /// What a system action is decided against: a fixed resource, or the caller's own account.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum SystemResource {
        /// `Service::"earlyhelp"`: the service as a whole.
        Service,
        /// `IsaRegister::"register"`: the register of organisations.
        IsaRegister,
        /// `UserAccount::"<the caller's user id>"`: the caller's own account.
        OwnAccount,
    }

    /// Keeps [`super::Action`] closed to other crates, and carries what a permit is scoped to.
    pub trait Sealed {
        /// What a permit for this action names beyond the action: nothing (`()`) for system
        /// actions, the family for family actions, the organisation for organisation actions.
        type Target: Copy + core::fmt::Debug + PartialEq + Send + Sync + 'static;
    }

    /// The resource a system action is decided against.
    pub trait OnSystem {
        /// The resource in the Cedar request.
        const RESOURCE: SystemResource;
    }
}

/// An action from the Cedar schema. Sealed: the set of actions is the schema's.
pub trait Action: sealed::Sealed + Copy + Debug + Send + Sync + 'static {
    /// The action's name in the policies, `Action::"<NAME>"`.
    const NAME: &'static str;
}

/// An action on the service itself rather than on one record; decided with
/// [`crate::Authority::decide`].
pub trait SystemAction: Action + sealed::Sealed<Target = ()> + sealed::OnSystem {}

/// An action on one family; decided with [`crate::Authority::decide_family`], and the permit
/// names that family so it cannot be used to read another.
pub trait FamilyAction: Action + sealed::Sealed<Target = FamilyId> {}

/// An action on one organisation; decided with [`crate::Authority::decide_organisation`], and
/// the permit names that organisation so it cannot be used to change another.
pub trait OrganisationAction: Action + sealed::Sealed<Target = OrganisationId> {}

/// An action on one panel meeting; decided with [`crate::Authority::decide_meeting`], and the
/// permit names that meeting so it cannot be used for another.
pub trait MeetingAction: Action + sealed::Sealed<Target = MeetingId> {}

/// An action on one agreed action of a meeting; decided with
/// [`crate::Authority::decide_agreed_action`], and the permit names that action.
pub trait AgreedActionAction: Action + sealed::Sealed<Target = AgreedActionId> {}

macro_rules! system_action {
    ($(#[$doc:meta])* $name:ident on $resource:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
        pub struct $name;

        impl sealed::Sealed for $name {
            type Target = ();
        }
        impl sealed::OnSystem for $name {
            const RESOURCE: sealed::SystemResource = sealed::SystemResource::$resource;
        }
        impl Action for $name {
            const NAME: &'static str = stringify!($name);
        }
        impl SystemAction for $name {}
    };
}

system_action!(
    /// Read the ISA register: which organisations take part and their standing.
    ViewIsaRegister on IsaRegister
);
system_action!(
    /// Open the organisation-management screens and record applications and new
    /// organisations: work on the register as a whole. Approving, renewing or changing one
    /// organisation is [`ManageOrganisation`], decided against that organisation.
    ManageOrganisations on IsaRegister
);
system_action!(
    /// Put an organisation forward to join the Information Sharing Agreement.
    ApplyToJoin on IsaRegister
);
system_action!(
    /// Create accounts, assign roles, reset a second factor, deactivate accounts.
    ManageUsers on Service
);
system_action!(
    /// See the staff directory: who works where, in which role.
    ViewStaffDirectory on Service
);
system_action!(
    /// See how panels are set up: their names, cadence, chairs and member organisations.
    /// No family data.
    ViewPanels on Service
);
system_action!(
    /// Change one's own password, second factor and contact details (decided against the
    /// caller's own account, so the permit never covers anyone else's).
    ManageOwnAccount on OwnAccount
);
system_action!(
    /// Issue an API token to an agency's own system.
    IssueApiToken on Service
);
system_action!(
    /// Open the list of families. Which rows appear is confirmed family by family with
    /// [`ViewFamily`], after the store has filtered them with the same rules in SQL.
    ViewFamilyList on Service
);
system_action!(
    /// Read the audit trail of who saw and changed what.
    ViewAuditLog on Service
);
system_action!(
    /// Add and remove the council's local closure days. Every deadline is counted with them,
    /// so a closure day moves the day each affected list of families goes to members.
    ManageCalendar on Service
);
system_action!(
    /// Set a panel up or change it (cadence, times, venue, chairs, business support, members,
    /// deadline rules). A change of cadence cancels planned meetings off the new cadence, so it
    /// is an administrator's power with a second factor.
    ManagePanels on Service
);

system_action!(
    /// List break-glass access for information governance to review, and record the review.
    ReviewBreakGlass on Service
);
system_action!(
    /// Search and export the sharing log across families and organisations.
    ViewSharingLog on Service
);
system_action!(
    /// Record a new family (household) and its address.
    RecordFamily on Service
);
system_action!(
    /// Open the families-discussed report (seed 001 §6: the spreadsheet business support keeps
    /// of every family discussed, its decision, lead and actions) and download it. Which rows
    /// appear is confirmed family by family with [`ViewFamily`], after the store has filtered
    /// them to the panels the reader runs or sits on.
    ViewFamiliesDiscussedReport on Service
);
system_action!(
    /// Open the claims list (the families whose closed plans show significant and sustained
    /// progress under the programme's rule, with their evidence) and download it. Each family
    /// on it is confirmed with [`ViewFamily`].
    ViewClaimsList on Service
);
system_action!(
    /// Open the dashboards (counts and times across referrals, meetings and actions, charts
    /// with tables beside them) and download their figures. Only aggregates: counts small
    /// enough to identify a family are suppressed, and families that exclude the reader's
    /// organisation are not counted.
    ViewDashboards on Service
);
system_action!(
    /// Set the programme's rules: how long after closure progress is confirmed, and what a
    /// family's progress must show to be claimed.
    ManageProgramme on Service
);
system_action!(
    /// Look for a person across every family the asker's organisation is not excluded from,
    /// before a duplicate is made ("tell it once" at the front door).
    FindPeopleAcrossFamilies on Service
);

macro_rules! family_action {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
        pub struct $name;

        impl sealed::Sealed for $name {
            type Target = FamilyId;
        }
        impl Action for $name {
            const NAME: &'static str = stringify!($name);
        }
        impl FamilyAction for $name {}
    };
}

family_action!(
    /// See one family's record.
    ViewFamily
);
family_action!(
    /// Add an entry to one family's sharing log, for sharing done outside the system.
    RecordSharing
);
family_action!(
    /// Open time-limited break-glass access to one family, giving a reason.
    OpenBreakGlass
);
family_action!(
    /// Authorise sharing one family's information without its consent, with a justification.
    AuthoriseConsentOverride
);
family_action!(
    /// Record a family's consent, or its withdrawal.
    RecordConsent
);
family_action!(
    /// Add a person to a family, or correct one.
    RecordPerson
);
family_action!(
    /// Record that a family moved house. Its own action, not [`RecordPerson`]'s, because a move
    /// can change the family's locality, and so whose panels and chairs see it.
    RecordMove
);

family_action!(
    /// Keep the family's plan: add its needs and, at each review, their progress. Its own
    /// action because the plan belongs to the people who carry it out, not everyone who may
    /// read the family.
    RecordPlan
);

macro_rules! meeting_action {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
        pub struct $name;

        impl sealed::Sealed for $name {
            type Target = MeetingId;
        }
        impl Action for $name {
            const NAME: &'static str = stringify!($name);
        }
        impl MeetingAction for $name {}
    };
}

meeting_action!(
    /// See one meeting: date, venue, deadlines and the open part of its agenda.
    ViewMeeting
);
meeting_action!(
    /// See and change one meeting's whole agenda, move or cancel the meeting, and send the list
    /// of families to members.
    PrepareAgenda
);
meeting_action!(
    /// Change who chairs one meeting (alternating chairs swap, or one is away): the panel's
    /// business-support officer's call, never an administrator's.
    ChangeMeetingChair
);
meeting_action!(
    /// See one's own organisation's copy of a meeting's list of families.
    ViewAgendaCopy
);
meeting_action!(
    /// Record what checking one's organisation's systems found for a family on its copy.
    RecordAgencyCheck
);
meeting_action!(
    /// Sign a meeting's confidentiality declaration.
    SignDeclaration
);
meeting_action!(
    /// See a meeting's closed part as it happens (after signing its declaration).
    ViewClosedSession
);
meeting_action!(
    /// Read a meeting's action notes (page, PDF, API): for those who may see its closed part
    /// and for those who run the panel and circulate them. Each family in them is still
    /// confirmed with [`ViewFamily`].
    ViewActionNotes
);
meeting_action!(
    /// Record who attended a meeting.
    RecordAttendance
);
meeting_action!(
    /// Record the panel's decision on a case, and the actions agreed.
    RecordDecision
);

macro_rules! agreed_action_action {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
        pub struct $name;

        impl sealed::Sealed for $name {
            type Target = AgreedActionId;
        }
        impl Action for $name {
            const NAME: &'static str = stringify!($name);
        }
        impl AgreedActionAction for $name {}
    };
}

agreed_action_action!(
    /// See one agreed action and its updates.
    ViewAgreedAction
);
agreed_action_action!(
    /// Record progress on one agreed action.
    UpdateAgreedAction
);

/// Approve one organisation's application, renew or withdraw its signature, change its
/// settings. Never one's own organisation: the permit names the organisation it was granted
/// for, and the store must change that one and no other.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ManageOrganisation;

impl sealed::Sealed for ManageOrganisation {
    type Target = OrganisationId;
}
impl Action for ManageOrganisation {
    const NAME: &'static str = "ManageOrganisation";
}
impl OrganisationAction for ManageOrganisation {}

/// What a permit to make a referral names: the family, and the route it may come by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReferralOpening {
    /// The family referred.
    pub family: FamilyId,
    /// The route allowed.
    pub route: Route,
}

/// Make a referral for one family by one route; decided with
/// [`crate::Authority::decide_new_referral`]. The permit names the family and the route, so the
/// store makes exactly that referral.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct MakeReferral;

impl sealed::Sealed for MakeReferral {
    type Target = ReferralOpening;
}
impl Action for MakeReferral {
    const NAME: &'static str = "MakeReferral";
}

/// What a permit to change a referral names: the referral, its family, and the one event allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReferralChange {
    /// The referral.
    pub referral: ReferralId,
    /// Its family.
    pub family: FamilyId,
    /// What may happen to it.
    pub event: EventKind,
}

/// Move one referral on (submit again, sign off, escalate, acknowledge, accept, return,
/// redirect, withdraw, close); decided with [`crate::Authority::decide_referral_change`]. The
/// permit names the referral and the event, so it cannot be spent on another of either.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ChangeReferral;

impl sealed::Sealed for ChangeReferral {
    type Target = ReferralChange;
}
impl Action for ChangeReferral {
    const NAME: &'static str = "ChangeReferral";
}

/// The name of every action, in the order the matrix and pages list them. `Authority::new`
/// checks each is declared in the schema, and a test checks the schema declares no others.
pub const ALL_ACTIONS: [&str; 43] = [
    ViewIsaRegister::NAME,
    ApplyToJoin::NAME,
    ManageOrganisations::NAME,
    ManageOrganisation::NAME,
    ManageUsers::NAME,
    IssueApiToken::NAME,
    ViewAuditLog::NAME,
    ManageCalendar::NAME,
    ManagePanels::NAME,
    ViewStaffDirectory::NAME,
    ViewPanels::NAME,
    ManageOwnAccount::NAME,
    ViewFamilyList::NAME,
    ViewFamily::NAME,
    RecordSharing::NAME,
    OpenBreakGlass::NAME,
    AuthoriseConsentOverride::NAME,
    RecordConsent::NAME,
    ReviewBreakGlass::NAME,
    ViewSharingLog::NAME,
    MakeReferral::NAME,
    ChangeReferral::NAME,
    RecordFamily::NAME,
    RecordPerson::NAME,
    RecordMove::NAME,
    RecordPlan::NAME,
    FindPeopleAcrossFamilies::NAME,
    ViewMeeting::NAME,
    PrepareAgenda::NAME,
    ChangeMeetingChair::NAME,
    ViewAgendaCopy::NAME,
    RecordAgencyCheck::NAME,
    SignDeclaration::NAME,
    ViewClosedSession::NAME,
    RecordAttendance::NAME,
    RecordDecision::NAME,
    ViewAgreedAction::NAME,
    UpdateAgreedAction::NAME,
    ViewActionNotes::NAME,
    ViewFamiliesDiscussedReport::NAME,
    ViewClaimsList::NAME,
    ViewDashboards::NAME,
    ManageProgramme::NAME,
];
