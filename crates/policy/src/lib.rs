//! # earlyhelp-policy — who may see and do what
//!
//! This crate is the only place access decisions are made. The rules are Cedar policies that a
//! person can read, in `policies/*.cedar`, checked against `policies/schema.cedarschema`; this
//! crate compiles them into the binary, parses them once, and answers one question: may this
//! member of staff do this?
//!
//! The answer is a value, not a boolean:
//!
//! - yes is a [`Permit<A>`], a capability only this crate can construct. Store functions that
//!   read or change data take one as an argument, so a handler that forgot to ask does not
//!   compile, a `Permit<ViewFamily>` names the one family it was granted for, and a
//!   `Permit<ManageOrganisation>` the one organisation.
//! - no is a [`Denied`], carrying the `@id` of the rule that decided and a plain-English
//!   sentence for the "why can't I see this?" page, from the table in [`rules`].
//!
//! ```
//! use earlyhelp_policy::{Authority, Principal, ViewStaffDirectory, ManageUsers};
//! use domain::{OrganisationId, UserId, organisation::IsaStanding, role::Role};
//!
//! let authority = Authority::new()?; // once, at start-up
//! let who = Principal {
//!     user: UserId::new(),
//!     organisation: OrganisationId::new(),
//!     roles: vec![Role::LeadProfessional],
//!     isa: IsaStanding::Current,
//!     mfa_passed: false,
//! };
//! assert!(authority.decide(&who, ViewStaffDirectory).is_ok());
//! let denied = authority.decide(&who, ManageUsers).unwrap_err();
//! assert_eq!(denied.rule, "admin-actions-need-a-second-factor");
//! # Ok::<(), earlyhelp_policy::PolicyError>(())
//! ```
//!
//! Six questions, by what the action is about: [`Authority::decide`] for the service as a
//! whole ([`SystemAction`]), [`Authority::decide_family`] for one family ([`FamilyAction`]),
//! [`Authority::decide_organisation`] for one organisation ([`OrganisationAction`]), and for
//! referrals [`Authority::decide_new_referral`] (one family, one route) and
//! [`Authority::decide_referral_change`] (one referral, one event of its state machine), and
//! [`Authority::decide_meeting`] for one panel meeting ([`MeetingAction`]).
//!
//! It may touch: the domain crate's ids, roles and ISA standing, and Cedar. No database, no
//! clock, no I/O: the web layer tells it who is asking ([`Principal`]) and what it knows about
//! the family ([`FamilyFacts`]); the store filters lists with the same rules in SQL and a
//! property test proves the two agree.
//!
//! Start reading at the policies themselves (`policies/family-data.cedar` holds the rules that
//! matter most), then [`Authority`] for how a decision is made, and [`rules`] for what people
//! are told. `tests/matrix.rs` checks every role × action × ISA standing × second factor ×
//! consent exclusion × own or other organisation against a specification written separately
//! in plain Rust, and prints the table:
//! `cargo test -p earlyhelp-policy --test matrix -- --nocapture print_matrix`.

mod actions;
mod authority;
mod permit;
mod principal;
pub mod rules;

pub use actions::{
    ALL_ACTIONS, Action, AgreedActionAction, ApplyToJoin, AuthoriseConsentOverride, ChangeMeetingChair, ChangeReferral, FamilyAction,
    FindPeopleAcrossFamilies, IssueApiToken, MakeReferral, ManageCalendar, ManageOrganisation, ManageOrganisations, ManageOwnAccount,
    ManagePanels, ManageProgramme, ManageUsers, MeetingAction, OpenBreakGlass, OrganisationAction, PrepareAgenda, RecordAgencyCheck,
    RecordAttendance, RecordConsent, RecordDecision, RecordFamily, RecordMove, RecordPerson, RecordPlan, RecordSharing, ReferralChange,
    ReferralOpening, ReviewBreakGlass, SignDeclaration, SystemAction, UpdateAgreedAction, ViewActionNotes, ViewAgendaCopy,
    ViewAgreedAction, ViewAuditLog, ViewClaimsList, ViewClosedSession, ViewDashboards, ViewFamiliesDiscussedReport, ViewFamily,
    ViewFamilyList, ViewIsaRegister, ViewMeeting, ViewPanels, ViewSharingLog, ViewStaffDirectory,
};
pub use authority::{Authority, PolicyError};
pub use permit::{Denied, Permit};
pub use principal::{
    AgreedActionFacts, FamilyFacts, MeetingFacts, PanelMember, PanelRelationship, Principal, ReferralConnection, ReferralFacts,
    Relationship, RunsPanel,
};
