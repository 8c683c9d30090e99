//! Shared by the matrix and property tests: the specification of who may do what, written
//! again in plain Rust without looking at Cedar, and a way to ask the authority by action name.
//!
//! Each test binary uses a different part of this module.
#![allow(dead_code)]
#![allow(clippy::unwrap_used, reason = "test support stops loudly at the first surprise")]

use domain::organisation::IsaStanding;
use domain::referral::{EventKind, Route};
use domain::role::Role;
use domain::{FamilyId, OrganisationId, ReferralId, UserId};
use earlyhelp_policy::{AgreedActionFacts, UpdateAgreedAction, ViewAgreedAction};
use earlyhelp_policy::{
    ApplyToJoin, AuthoriseConsentOverride, Authority, ChangeMeetingChair, Denied, FamilyFacts, FindPeopleAcrossFamilies, IssueApiToken,
    ManageCalendar, ManageOrganisation, ManageOrganisations, ManageOwnAccount, ManagePanels, ManageProgramme, ManageUsers, MeetingFacts,
    OpenBreakGlass, PanelMember, PanelRelationship, PrepareAgenda, Principal, RecordAgencyCheck, RecordAttendance, RecordConsent,
    RecordDecision, RecordFamily, RecordMove, RecordPerson, RecordPlan, RecordSharing, ReferralConnection, ReferralFacts, Relationship,
    ReviewBreakGlass, RunsPanel, SignDeclaration, ViewActionNotes, ViewAgendaCopy, ViewAuditLog, ViewClaimsList, ViewClosedSession,
    ViewDashboards, ViewFamiliesDiscussedReport, ViewFamily, ViewFamilyList, ViewIsaRegister, ViewMeeting, ViewPanels, ViewSharingLog,
    ViewStaffDirectory,
};

/// How the asker is connected to the family a column asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connection {
    /// Not at all.
    None,
    /// Lead professional or Team Around the Family.
    WorksWith,
    /// Core member of the panel holding the case.
    PanelCore,
    /// Extended member invited to the case.
    PanelInvited,
    /// Holds open break-glass access.
    BreakGlass,
    /// Made one of the family's open referrals.
    Referred,
    /// Named to sign off the checklist of one of its referrals.
    SignsOff,
    /// Chairs a panel of the locality where one of its referrals waits to be screened.
    Screens,
    /// The family has an urgent concern open with MASH.
    MashEscalation,
    /// Recorded the family.
    Recorded,
}

impl Connection {
    /// The relationship the store would report.
    pub fn relationship(self) -> Relationship {
        Relationship {
            works_with_family: self == Connection::WorksWith,
            panel: match self {
                Connection::PanelCore => PanelRelationship::Core,
                Connection::PanelInvited => PanelRelationship::Invited,
                _ => PanelRelationship::None,
            },
            break_glass: self == Connection::BreakGlass,
            recorded_it: self == Connection::Recorded,
            referrals: ReferralConnection {
                made_one: self == Connection::Referred,
                signs_one_off: self == Connection::SignsOff,
                screens_one: self == Connection::Screens,
                escalated_to_mash: self == Connection::MashEscalation,
            },
        }
    }
}

/// The asker's part in the one referral a column asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// None at all.
    None,
    /// They made it.
    MadeIt,
    /// They are named to sign off its checklist.
    SignsItOff,
    /// They chair a panel of its locality.
    ScreensIt,
    /// They work with its family (lead professional or Team Around the Family).
    WorksWithFamily,
}

/// What a column's action is asked about, beyond the service as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum About {
    /// A system action: the service, the register or the asker's own account.
    Nothing,
    /// A family action, on a family whose consent excludes the asker's organisation or not,
    /// to which the asker has one connection.
    Family {
        /// Whether the family excludes the asker's organisation.
        excluded: bool,
        /// How the asker is connected to the family.
        connection: Connection,
    },
    /// An organisation action, on the asker's own organisation or another.
    Organisation {
        /// Whether the organisation is the asker's own.
        own: bool,
    },
    /// Making a referral for a family by a route.
    NewReferral {
        /// Whether the family excludes the asker's organisation.
        excluded: bool,
        /// How the asker is connected to the family.
        connection: Connection,
        /// The route.
        route: Route,
    },
    /// One meeting, and the asker's place on its panel.
    Meeting(OnPanel),
    /// One agreed action: whether its family excludes the asker's organisation, whether they
    /// own it, whether they run its panel.
    AgreedAction {
        /// Whether its family excludes the asker's organisation.
        excluded: bool,
        /// Whether the asker owns it.
        owns_it: bool,
        /// Whether the asker runs its panel.
        runs: RunsPanel,
    },
    /// An event on one referral.
    Referral {
        /// Whether its family excludes the asker's organisation.
        excluded: bool,
        /// Whether it is an urgent concern.
        urgent: bool,
        /// Its route.
        route: Route,
        /// The asker's part in it.
        part: Part,
        /// What is to happen.
        event: EventKind,
    },
}

/// What a meeting column asks about: the asker's place on the meeting's panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OnPanel {
    /// Whether they run the panel.
    pub runs: RunsPanel,
    /// Whether they represent a member organisation.
    pub member: PanelMember,
    /// Whether they signed the meeting's declaration.
    pub declared: bool,
}

/// One column of the matrix: an action, and what it is asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The action's name in the schema.
    pub action: &'static str,
    /// Short header for the printed table.
    pub header: &'static str,
    /// The family or organisation asked about, for actions on one record.
    pub about: About,
}

/// Every column, in the order the matrix prints them.
pub const COLUMNS: [Column; 113] = [
    Column {
        action: "ViewIsaRegister",
        header: "Register",
        about: About::Nothing,
    },
    Column {
        action: "ViewStaffDirectory",
        header: "Directory",
        about: About::Nothing,
    },
    Column {
        action: "ViewPanels",
        header: "Panels",
        about: About::Nothing,
    },
    Column {
        action: "ManageOwnAccount",
        header: "OwnAcct",
        about: About::Nothing,
    },
    Column {
        action: "ApplyToJoin",
        header: "Apply",
        about: About::Nothing,
    },
    Column {
        action: "ManageOrganisations",
        header: "Orgs",
        about: About::Nothing,
    },
    Column {
        action: "ManageOrganisation",
        header: "Org(othr)",
        about: About::Organisation { own: false },
    },
    Column {
        action: "ManageOrganisation",
        header: "Org(own)",
        about: About::Organisation { own: true },
    },
    Column {
        action: "ManageUsers",
        header: "Users",
        about: About::Nothing,
    },
    Column {
        action: "IssueApiToken",
        header: "Token",
        about: About::Nothing,
    },
    Column {
        action: "ManageCalendar",
        header: "Calendar",
        about: About::Nothing,
    },
    Column {
        action: "ManagePanels",
        header: "SetPanels",
        about: About::Nothing,
    },
    Column {
        action: "ManageProgramme",
        header: "Programme",
        about: About::Nothing,
    },
    Column {
        action: "ViewAuditLog",
        header: "Audit",
        about: About::Nothing,
    },
    Column {
        action: "ViewFamilyList",
        header: "FamList",
        about: About::Nothing,
    },
    Column {
        action: "ViewFamily",
        header: "Fam(none)",
        about: About::Family {
            excluded: false,
            connection: Connection::None,
        },
    },
    Column {
        action: "ViewFamily",
        header: "Fam(work)",
        about: About::Family {
            excluded: false,
            connection: Connection::WorksWith,
        },
    },
    Column {
        action: "ViewFamily",
        header: "Fam(core)",
        about: About::Family {
            excluded: false,
            connection: Connection::PanelCore,
        },
    },
    Column {
        action: "ViewFamily",
        header: "Fam(invt)",
        about: About::Family {
            excluded: false,
            connection: Connection::PanelInvited,
        },
    },
    Column {
        action: "ViewFamily",
        header: "Fam(BG)",
        about: About::Family {
            excluded: false,
            connection: Connection::BreakGlass,
        },
    },
    Column {
        action: "ViewFamily",
        header: "FamX(work)",
        about: About::Family {
            excluded: true,
            connection: Connection::WorksWith,
        },
    },
    Column {
        action: "ViewFamily",
        header: "FamX(BG)",
        about: About::Family {
            excluded: true,
            connection: Connection::BreakGlass,
        },
    },
    Column {
        action: "RecordSharing",
        header: "Share(wk)",
        about: About::Family {
            excluded: false,
            connection: Connection::WorksWith,
        },
    },
    Column {
        action: "RecordSharing",
        header: "ShareX(wk)",
        about: About::Family {
            excluded: true,
            connection: Connection::WorksWith,
        },
    },
    Column {
        action: "AuthoriseConsentOverride",
        header: "Overr(wk)",
        about: About::Family {
            excluded: false,
            connection: Connection::WorksWith,
        },
    },
    Column {
        action: "AuthoriseConsentOverride",
        header: "Overr(no)",
        about: About::Family {
            excluded: false,
            connection: Connection::None,
        },
    },
    Column {
        action: "RecordConsent",
        header: "Cons(core)",
        about: About::Family {
            excluded: false,
            connection: Connection::PanelCore,
        },
    },
    Column {
        action: "RecordConsent",
        header: "Cons(invt)",
        about: About::Family {
            excluded: false,
            connection: Connection::PanelInvited,
        },
    },
    Column {
        action: "OpenBreakGlass",
        header: "OpenBG",
        about: About::Family {
            excluded: false,
            connection: Connection::None,
        },
    },
    Column {
        action: "OpenBreakGlass",
        header: "OpenBGX",
        about: About::Family {
            excluded: true,
            connection: Connection::None,
        },
    },
    Column {
        action: "ViewFamily",
        header: "Fam(ref)",
        about: About::Family {
            excluded: false,
            connection: Connection::Referred,
        },
    },
    Column {
        action: "ViewFamily",
        header: "Fam(sign)",
        about: About::Family {
            excluded: false,
            connection: Connection::SignsOff,
        },
    },
    Column {
        action: "ViewFamily",
        header: "Fam(scrn)",
        about: About::Family {
            excluded: false,
            connection: Connection::Screens,
        },
    },
    Column {
        action: "ViewFamily",
        header: "Fam(mash)",
        about: About::Family {
            excluded: false,
            connection: Connection::MashEscalation,
        },
    },
    Column {
        action: "ViewFamily",
        header: "FamX(ref)",
        about: About::Family {
            excluded: true,
            connection: Connection::Referred,
        },
    },
    Column {
        action: "RecordSharing",
        header: "Share(scr)",
        about: About::Family {
            excluded: false,
            connection: Connection::Screens,
        },
    },
    Column {
        action: "RecordConsent",
        header: "Cons(ref)",
        about: About::Family {
            excluded: false,
            connection: Connection::Referred,
        },
    },
    Column {
        action: "RecordConsent",
        header: "Cons(mash)",
        about: About::Family {
            excluded: false,
            connection: Connection::MashEscalation,
        },
    },
    Column {
        action: "MakeReferral",
        header: "Refer(wk)",
        about: About::NewReferral {
            excluded: false,
            connection: Connection::WorksWith,
            route: Route::Stuck,
        },
    },
    Column {
        action: "MakeReferral",
        header: "ReferUp(wk)",
        about: About::NewReferral {
            excluded: false,
            connection: Connection::WorksWith,
            route: Route::StepUp,
        },
    },
    Column {
        action: "MakeReferral",
        header: "ReferM(wk)",
        about: About::NewReferral {
            excluded: false,
            connection: Connection::WorksWith,
            route: Route::MashDecision,
        },
    },
    Column {
        action: "MakeReferral",
        header: "ReferM(mash)",
        about: About::NewReferral {
            excluded: false,
            connection: Connection::MashEscalation,
            route: Route::MashDecision,
        },
    },
    Column {
        action: "MakeReferral",
        header: "ReferD(wk)",
        about: About::NewReferral {
            excluded: false,
            connection: Connection::WorksWith,
            route: Route::StepDown,
        },
    },
    Column {
        action: "MakeReferral",
        header: "ReferD(no)",
        about: About::NewReferral {
            excluded: false,
            connection: Connection::None,
            route: Route::StepDown,
        },
    },
    Column {
        action: "MakeReferral",
        header: "ReferX(wk)",
        about: About::NewReferral {
            excluded: true,
            connection: Connection::WorksWith,
            route: Route::StepDown,
        },
    },
    Column {
        action: "ChangeReferral",
        header: "Accept(scr)",
        about: About::Referral {
            excluded: false,
            urgent: false,
            route: Route::MashDecision,
            part: Part::ScreensIt,
            event: EventKind::Accept,
        },
    },
    Column {
        action: "ChangeReferral",
        header: "AcceptU(scr)",
        about: About::Referral {
            excluded: false,
            urgent: true,
            route: Route::MashDecision,
            part: Part::ScreensIt,
            event: EventKind::Accept,
        },
    },
    Column {
        action: "ChangeReferral",
        header: "Accept(ref)",
        about: About::Referral {
            excluded: false,
            urgent: false,
            route: Route::MashDecision,
            part: Part::MadeIt,
            event: EventKind::Accept,
        },
    },
    Column {
        action: "ChangeReferral",
        header: "AcceptX(scr)",
        about: About::Referral {
            excluded: true,
            urgent: false,
            route: Route::MashDecision,
            part: Part::ScreensIt,
            event: EventKind::Accept,
        },
    },
    Column {
        action: "ChangeReferral",
        header: "SignDn(sgn)",
        about: About::Referral {
            excluded: false,
            urgent: false,
            route: Route::StepDown,
            part: Part::SignsItOff,
            event: EventKind::SignOff,
        },
    },
    Column {
        action: "ChangeReferral",
        header: "SignUp(sgn)",
        about: About::Referral {
            excluded: false,
            urgent: false,
            route: Route::StepUp,
            part: Part::SignsItOff,
            event: EventKind::SignOff,
        },
    },
    Column {
        action: "ChangeReferral",
        header: "SignDn(no)",
        about: About::Referral {
            excluded: false,
            urgent: false,
            route: Route::StepDown,
            part: Part::None,
            event: EventKind::SignOff,
        },
    },
    Column {
        action: "ChangeReferral",
        header: "AckU(no)",
        about: About::Referral {
            excluded: false,
            urgent: true,
            route: Route::MashDecision,
            part: Part::None,
            event: EventKind::Acknowledge,
        },
    },
    Column {
        action: "ChangeReferral",
        header: "Ack(no)",
        about: About::Referral {
            excluded: false,
            urgent: false,
            route: Route::MashDecision,
            part: Part::None,
            event: EventKind::Acknowledge,
        },
    },
    Column {
        action: "ChangeReferral",
        header: "Resub(ref)",
        about: About::Referral {
            excluded: false,
            urgent: false,
            route: Route::Stuck,
            part: Part::MadeIt,
            event: EventKind::Submit,
        },
    },
    Column {
        action: "ChangeReferral",
        header: "Esc(wk)",
        about: About::Referral {
            excluded: false,
            urgent: false,
            route: Route::Stuck,
            part: Part::WorksWithFamily,
            event: EventKind::Escalate,
        },
    },
    Column {
        action: "ViewFamily",
        header: "Fam(rec)",
        about: About::Family {
            excluded: false,
            connection: Connection::Recorded,
        },
    },
    Column {
        action: "RecordPerson",
        header: "Pers(wk)",
        about: About::Family {
            excluded: false,
            connection: Connection::WorksWith,
        },
    },
    Column {
        action: "RecordPerson",
        header: "Pers(rec)",
        about: About::Family {
            excluded: false,
            connection: Connection::Recorded,
        },
    },
    Column {
        action: "RecordPerson",
        header: "Pers(no)",
        about: About::Family {
            excluded: false,
            connection: Connection::None,
        },
    },
    Column {
        action: "RecordPerson",
        header: "PersX(wk)",
        about: About::Family {
            excluded: true,
            connection: Connection::WorksWith,
        },
    },
    Column {
        action: "RecordMove",
        header: "Move(wk)",
        about: About::Family {
            excluded: false,
            connection: Connection::WorksWith,
        },
    },
    Column {
        action: "RecordMove",
        header: "Move(rec)",
        about: About::Family {
            excluded: false,
            connection: Connection::Recorded,
        },
    },
    Column {
        action: "RecordMove",
        header: "Move(no)",
        about: About::Family {
            excluded: false,
            connection: Connection::None,
        },
    },
    Column {
        action: "RecordMove",
        header: "MoveX(wk)",
        about: About::Family {
            excluded: true,
            connection: Connection::WorksWith,
        },
    },
    Column {
        action: "RecordPlan",
        header: "Plan(wk)",
        about: About::Family {
            excluded: false,
            connection: Connection::WorksWith,
        },
    },
    Column {
        action: "RecordPlan",
        header: "Plan(core)",
        about: About::Family {
            excluded: false,
            connection: Connection::PanelCore,
        },
    },
    Column {
        action: "RecordPlan",
        header: "Plan(rec)",
        about: About::Family {
            excluded: false,
            connection: Connection::Recorded,
        },
    },
    Column {
        action: "RecordPlan",
        header: "PlanX(wk)",
        about: About::Family {
            excluded: true,
            connection: Connection::WorksWith,
        },
    },
    Column {
        action: "AuthoriseConsentOverride",
        header: "Overr(rec)",
        about: About::Family {
            excluded: false,
            connection: Connection::Recorded,
        },
    },
    Column {
        action: "AuthoriseConsentOverride",
        header: "Overr(MASH)",
        about: About::Family {
            excluded: false,
            connection: Connection::MashEscalation,
        },
    },
    Column {
        action: "RecordFamily",
        header: "NewFam",
        about: About::Nothing,
    },
    Column {
        action: "FindPeopleAcrossFamilies",
        header: "FindPpl",
        about: About::Nothing,
    },
    Column {
        action: "ReviewBreakGlass",
        header: "ReviewBG",
        about: About::Nothing,
    },
    Column {
        action: "ViewSharingLog",
        header: "ShareLog",
        about: About::Nothing,
    },
    Column {
        action: "ViewMeeting",
        header: "Mtg(no)",
        about: About::Meeting(OnPanel {
            runs: RunsPanel::None,
            member: PanelMember::None,
            declared: false,
        }),
    },
    Column {
        action: "ViewMeeting",
        header: "Mtg(core)",
        about: About::Meeting(OnPanel {
            runs: RunsPanel::None,
            member: PanelMember::Core,
            declared: false,
        }),
    },
    Column {
        action: "ViewMeeting",
        header: "Mtg(bs)",
        about: About::Meeting(OnPanel {
            runs: RunsPanel::BusinessSupport,
            member: PanelMember::None,
            declared: false,
        }),
    },
    Column {
        action: "PrepareAgenda",
        header: "Agenda(bs)",
        about: About::Meeting(OnPanel {
            runs: RunsPanel::BusinessSupport,
            member: PanelMember::None,
            declared: false,
        }),
    },
    Column {
        action: "PrepareAgenda",
        header: "Agenda(ch)",
        about: About::Meeting(OnPanel {
            runs: RunsPanel::Chair,
            member: PanelMember::None,
            declared: false,
        }),
    },
    Column {
        action: "PrepareAgenda",
        header: "Agenda(core)",
        about: About::Meeting(OnPanel {
            runs: RunsPanel::None,
            member: PanelMember::Core,
            declared: false,
        }),
    },
    Column {
        action: "ChangeMeetingChair",
        header: "Chair(bs)",
        about: About::Meeting(OnPanel {
            runs: RunsPanel::BusinessSupport,
            member: PanelMember::None,
            declared: false,
        }),
    },
    Column {
        action: "ChangeMeetingChair",
        header: "Chair(ch)",
        about: About::Meeting(OnPanel {
            runs: RunsPanel::Chair,
            member: PanelMember::None,
            declared: false,
        }),
    },
    Column {
        action: "ChangeMeetingChair",
        header: "Chair(core)",
        about: About::Meeting(OnPanel {
            runs: RunsPanel::None,
            member: PanelMember::Core,
            declared: true,
        }),
    },
    Column {
        action: "ViewAgendaCopy",
        header: "Copy(core)",
        about: About::Meeting(OnPanel {
            runs: RunsPanel::None,
            member: PanelMember::Core,
            declared: false,
        }),
    },
    Column {
        action: "ViewAgendaCopy",
        header: "Copy(ext)",
        about: About::Meeting(OnPanel {
            runs: RunsPanel::None,
            member: PanelMember::Extended,
            declared: false,
        }),
    },
    Column {
        action: "ViewAgendaCopy",
        header: "Copy(ch)",
        about: About::Meeting(OnPanel {
            runs: RunsPanel::Chair,
            member: PanelMember::None,
            declared: false,
        }),
    },
    Column {
        action: "RecordAgencyCheck",
        header: "Check(ext)",
        about: About::Meeting(OnPanel {
            runs: RunsPanel::None,
            member: PanelMember::Extended,
            declared: false,
        }),
    },
    Column {
        action: "SignDeclaration",
        header: "Sign(core)",
        about: About::Meeting(OnPanel {
            runs: RunsPanel::None,
            member: PanelMember::Core,
            declared: false,
        }),
    },
    Column {
        action: "SignDeclaration",
        header: "Sign(no)",
        about: About::Meeting(OnPanel {
            runs: RunsPanel::None,
            member: PanelMember::None,
            declared: false,
        }),
    },
    Column {
        action: "ViewClosedSession",
        header: "Closed(core)",
        about: About::Meeting(OnPanel {
            runs: RunsPanel::None,
            member: PanelMember::Core,
            declared: false,
        }),
    },
    Column {
        action: "ViewClosedSession",
        header: "Closed(core,d)",
        about: About::Meeting(OnPanel {
            runs: RunsPanel::None,
            member: PanelMember::Core,
            declared: true,
        }),
    },
    Column {
        action: "ViewClosedSession",
        header: "Closed(no,d)",
        about: About::Meeting(OnPanel {
            runs: RunsPanel::None,
            member: PanelMember::None,
            declared: true,
        }),
    },
    Column {
        action: "RecordAttendance",
        header: "Attend(bs)",
        about: About::Meeting(OnPanel {
            runs: RunsPanel::BusinessSupport,
            member: PanelMember::None,
            declared: false,
        }),
    },
    Column {
        action: "RecordAttendance",
        header: "Attend(core)",
        about: About::Meeting(OnPanel {
            runs: RunsPanel::None,
            member: PanelMember::Core,
            declared: true,
        }),
    },
    Column {
        action: "RecordDecision",
        header: "Decide(ch)",
        about: About::Meeting(OnPanel {
            runs: RunsPanel::Chair,
            member: PanelMember::None,
            declared: false,
        }),
    },
    Column {
        action: "RecordDecision",
        header: "Decide(ch,d)",
        about: About::Meeting(OnPanel {
            runs: RunsPanel::Chair,
            member: PanelMember::None,
            declared: true,
        }),
    },
    Column {
        action: "RecordDecision",
        header: "Decide(bs,d)",
        about: About::Meeting(OnPanel {
            runs: RunsPanel::BusinessSupport,
            member: PanelMember::None,
            declared: true,
        }),
    },
    Column {
        action: "ViewAgreedAction",
        header: "Act(own)",
        about: About::AgreedAction {
            excluded: false,
            owns_it: true,
            runs: RunsPanel::None,
        },
    },
    Column {
        action: "ViewAgreedAction",
        header: "ActX(own)",
        about: About::AgreedAction {
            excluded: true,
            owns_it: true,
            runs: RunsPanel::None,
        },
    },
    Column {
        action: "ViewAgreedAction",
        header: "Act(no)",
        about: About::AgreedAction {
            excluded: false,
            owns_it: false,
            runs: RunsPanel::None,
        },
    },
    Column {
        action: "UpdateAgreedAction",
        header: "Upd(bs)",
        about: About::AgreedAction {
            excluded: false,
            owns_it: false,
            runs: RunsPanel::BusinessSupport,
        },
    },
    Column {
        action: "UpdateAgreedAction",
        header: "Upd(ch)",
        about: About::AgreedAction {
            excluded: false,
            owns_it: false,
            runs: RunsPanel::Chair,
        },
    },
    Column {
        action: "UpdateAgreedAction",
        header: "Upd(own)",
        about: About::AgreedAction {
            excluded: false,
            owns_it: true,
            runs: RunsPanel::None,
        },
    },
    Column {
        action: "ViewActionNotes",
        header: "Notes(core)",
        about: About::Meeting(OnPanel {
            runs: RunsPanel::None,
            member: PanelMember::Core,
            declared: false,
        }),
    },
    Column {
        action: "ViewActionNotes",
        header: "Notes(core,d)",
        about: About::Meeting(OnPanel {
            runs: RunsPanel::None,
            member: PanelMember::Core,
            declared: true,
        }),
    },
    Column {
        action: "ViewActionNotes",
        header: "Notes(no,d)",
        about: About::Meeting(OnPanel {
            runs: RunsPanel::None,
            member: PanelMember::None,
            declared: true,
        }),
    },
    Column {
        action: "ViewActionNotes",
        header: "Notes(bs)",
        about: About::Meeting(OnPanel {
            runs: RunsPanel::BusinessSupport,
            member: PanelMember::None,
            declared: false,
        }),
    },
    Column {
        action: "ViewActionNotes",
        header: "Notes(ch)",
        about: About::Meeting(OnPanel {
            runs: RunsPanel::Chair,
            member: PanelMember::None,
            declared: false,
        }),
    },
    Column {
        action: "ViewActionNotes",
        header: "Notes(ext,d)",
        about: About::Meeting(OnPanel {
            runs: RunsPanel::None,
            member: PanelMember::Extended,
            declared: true,
        }),
    },
    Column {
        action: "ViewFamiliesDiscussedReport",
        header: "Discussed",
        about: About::Nothing,
    },
    Column {
        action: "ViewClaimsList",
        header: "Claims",
        about: About::Nothing,
    },
    Column {
        action: "ViewDashboards",
        header: "Dashboards",
        about: About::Nothing,
    },
];

/// Every ISA standing.
pub const STANDINGS: [IsaStanding; 4] = [
    IsaStanding::Current,
    IsaStanding::Pending,
    IsaStanding::Lapsed,
    IsaStanding::Withdrawn,
];

/// The specification, from the brief, as a truth table in plain Rust: `Ok` when the action is
/// allowed, otherwise the rule that should be reported.
///
/// Order of refusals (most useful and least revealing first): the organisation's ISA standing,
/// the administrator's separation from case content, the family's consent, the asker's own
/// organisation (no second factor would lift it), the second factor.
pub fn expected(roles: &[Role], isa: IsaStanding, mfa: bool, column: Column) -> Result<(), &'static str> {
    let holds = |role: Role| roles.contains(&role);
    let works_with_families = roles.iter().any(|r| match r {
        Role::PanelChair
        | Role::BusinessSupport
        | Role::AgencyRepresentative
        | Role::LeadProfessional
        | Role::MashPractitioner
        | Role::CaseSupervisor
        | Role::LocalityManager => true,
        Role::InformationGovernance | Role::Administrator => false,
    });
    let allow_if = |granted: bool| if granted { Ok(()) } else { Err("default-deny") };

    match column.action {
        // Everyone signed in, whatever their role, organisation or second factor.
        "ViewIsaRegister" | "ViewStaffDirectory" | "ViewPanels" | "ManageOwnAccount" | "ApplyToJoin" => Ok(()),

        // One organisation: never one's own, whoever asks; otherwise as for the register.
        "ManageOrganisation" => {
            if column.about == (About::Organisation { own: true }) {
                Err("not-your-own-organisation")
            } else if !mfa {
                Err("admin-actions-need-a-second-factor")
            } else {
                allow_if(holds(Role::Administrator) || holds(Role::InformationGovernance))
            }
        }

        // Powers over the service: need a second factor whoever asks, then the right role.
        "ManageUsers"
        | "IssueApiToken"
        | "ManageCalendar"
        | "ManagePanels"
        | "ManageProgramme"
        | "ManageOrganisations"
        | "ViewAuditLog" => {
            if !mfa {
                return Err("admin-actions-need-a-second-factor");
            }
            allow_if(match column.action {
                "ManageUsers" | "IssueApiToken" | "ManageCalendar" | "ManagePanels" | "ManageProgramme" => holds(Role::Administrator),
                "ManageOrganisations" => holds(Role::Administrator) || holds(Role::InformationGovernance),
                _ => holds(Role::InformationGovernance),
            })
        }

        // Break-glass review and the sharing log across families: information governance,
        // with a second factor.
        "ReviewBreakGlass" | "ViewSharingLog" => {
            if !mfa {
                return Err("admin-actions-need-a-second-factor");
            }
            allow_if(holds(Role::InformationGovernance))
        }

        // The list of families: people who work with families, never administrators.
        "ViewFamilyList" => {
            if isa != IsaStanding::Current {
                Err("isa-signatories-only")
            } else if holds(Role::Administrator) {
                Err("administrators-see-no-case-content")
            } else {
                allow_if(works_with_families)
            }
        }

        // Making a referral: for a family the asker already knows, by a route their role allows.
        "MakeReferral" => {
            let About::NewReferral {
                excluded,
                connection,
                route,
            } = column.about
            else {
                panic!("a referral column must name a family and route")
            };
            if isa != IsaStanding::Current {
                return Err("isa-signatories-only");
            }
            if holds(Role::Administrator) {
                return Err("administrators-see-no-case-content");
            }
            if excluded {
                return Err("consent-exclusion");
            }
            let knows = matches!(
                connection,
                Connection::WorksWith | Connection::PanelCore | Connection::Referred | Connection::Recorded
            ) || (connection == Connection::MashEscalation && holds(Role::MashPractitioner));
            let by_route = match route {
                Route::MashDecision => holds(Role::MashPractitioner),
                Route::Stuck | Route::StepUp => holds(Role::LeadProfessional) || holds(Role::PanelChair),
                Route::StepDown => works_with_families,
            };
            allow_if(knows && by_route)
        }

        // Recording a family, and finding people across families: the front door.
        "RecordFamily" | "FindPeopleAcrossFamilies" => {
            if isa != IsaStanding::Current {
                Err("isa-signatories-only")
            } else if holds(Role::Administrator) {
                Err("administrators-see-no-case-content")
            } else if column.action == "RecordFamily" {
                allow_if(holds(Role::MashPractitioner) || holds(Role::LeadProfessional))
            } else {
                allow_if(holds(Role::MashPractitioner))
            }
        }

        // Moving a referral on: who may fire which event.
        "ChangeReferral" => {
            let About::Referral {
                excluded,
                urgent,
                route,
                part,
                event,
            } = column.about
            else {
                panic!("a referral column must name a referral")
            };
            if isa != IsaStanding::Current {
                return Err("isa-signatories-only");
            }
            if holds(Role::Administrator) {
                return Err("administrators-see-no-case-content");
            }
            if excluded {
                return Err("consent-exclusion");
            }
            allow_if(match event {
                EventKind::Submit | EventKind::Withdraw => part == Part::MadeIt && works_with_families,
                EventKind::SignOff => {
                    part == Part::SignsItOff
                        && ((route == Route::StepDown && holds(Role::CaseSupervisor))
                            || (route == Route::StepUp && holds(Role::LocalityManager)))
                }
                EventKind::Accept | EventKind::Return => part == Part::ScreensIt && !urgent && holds(Role::PanelChair),
                EventKind::Redirect | EventKind::Close => {
                    (part == Part::ScreensIt && !urgent && holds(Role::PanelChair)) || (urgent && holds(Role::MashPractitioner))
                }
                EventKind::Acknowledge => urgent && holds(Role::MashPractitioner),
                EventKind::Escalate => part != Part::None && works_with_families,
            })
        }

        // One family: by connection to it, never by role alone.
        "ViewFamily"
        | "RecordSharing"
        | "OpenBreakGlass"
        | "AuthoriseConsentOverride"
        | "RecordConsent"
        | "RecordPerson"
        | "RecordMove"
        | "RecordPlan" => {
            let About::Family { excluded, connection } = column.about else {
                panic!("a family column must name a family")
            };
            let related =
                works_with_families && matches!(connection, Connection::WorksWith | Connection::PanelCore | Connection::PanelInvited);
            // Referrals bring the people handling them to the family's record.
            let handles_referral = works_with_families
                && match connection {
                    Connection::Referred => true,
                    Connection::SignsOff => holds(Role::CaseSupervisor) || holds(Role::LocalityManager),
                    Connection::Screens => holds(Role::PanelChair),
                    Connection::MashEscalation => holds(Role::MashPractitioner),
                    Connection::Recorded => true,
                    _ => false,
                };
            let sees = related || handles_referral;
            if isa != IsaStanding::Current {
                return Err("isa-signatories-only");
            }
            match column.action {
                "ViewFamily" => {
                    if holds(Role::Administrator) && connection != Connection::BreakGlass {
                        Err("administrators-see-case-content-only-through-break-glass")
                    } else if excluded {
                        Err("consent-exclusion")
                    } else {
                        allow_if(sees || (connection == Connection::BreakGlass && holds(Role::Administrator) && mfa))
                    }
                }
                "AuthoriseConsentOverride" => {
                    let authorises = holds(Role::MashPractitioner) || holds(Role::CaseSupervisor) || holds(Role::LocalityManager);
                    let close = works_with_families
                        && (matches!(
                            connection,
                            Connection::WorksWith
                                | Connection::PanelCore
                                | Connection::PanelInvited
                                | Connection::Referred
                                | Connection::Recorded
                        ) || (connection == Connection::MashEscalation && holds(Role::MashPractitioner)));
                    if holds(Role::Administrator) {
                        Err("administrators-see-no-case-content")
                    } else if excluded {
                        Err("consent-exclusion")
                    } else {
                        allow_if(close && authorises)
                    }
                }
                "RecordConsent" => {
                    let records = holds(Role::MashPractitioner) || holds(Role::LeadProfessional);
                    let close = matches!(
                        connection,
                        Connection::WorksWith | Connection::PanelCore | Connection::Referred | Connection::Recorded
                    ) || (connection == Connection::MashEscalation && holds(Role::MashPractitioner));
                    if holds(Role::Administrator) {
                        Err("administrators-see-no-case-content")
                    } else if excluded {
                        Err("consent-exclusion")
                    } else {
                        allow_if(close && records)
                    }
                }
                "RecordPerson" | "RecordMove" => {
                    let records = holds(Role::MashPractitioner)
                        || holds(Role::LeadProfessional)
                        || holds(Role::PanelChair)
                        || holds(Role::BusinessSupport);
                    let knows = matches!(
                        connection,
                        Connection::WorksWith | Connection::PanelCore | Connection::Referred | Connection::Recorded
                    ) || (connection == Connection::MashEscalation && holds(Role::MashPractitioner));
                    if holds(Role::Administrator) {
                        Err("administrators-see-no-case-content")
                    } else if excluded {
                        Err("consent-exclusion")
                    } else {
                        allow_if(knows && records)
                    }
                }
                "RecordPlan" => {
                    if holds(Role::Administrator) {
                        Err("administrators-see-no-case-content")
                    } else if excluded {
                        Err("consent-exclusion")
                    } else {
                        allow_if(works_with_families && connection == Connection::WorksWith)
                    }
                }
                "RecordSharing" => {
                    if holds(Role::Administrator) {
                        Err("administrators-see-no-case-content")
                    } else if excluded {
                        Err("consent-exclusion")
                    } else {
                        allow_if(sees)
                    }
                }
                _ => {
                    if excluded {
                        Err("consent-exclusion")
                    } else if !mfa {
                        Err("admin-actions-need-a-second-factor")
                    } else {
                        allow_if(holds(Role::Administrator))
                    }
                }
            }
        }

        // Meetings: their panel's people see them; business support and the chairs prepare the
        // agenda; member agencies' representatives get their copy of the list and check it.
        // The families-discussed report: the people who run panels and the locality's manager,
        // never administrators, only while their organisation's ISA is current.
        "ViewFamiliesDiscussedReport" => {
            if isa != IsaStanding::Current {
                Err("isa-signatories-only")
            } else if holds(Role::Administrator) {
                Err("administrators-see-no-case-content")
            } else {
                allow_if(holds(Role::PanelChair) || holds(Role::BusinessSupport) || holds(Role::LocalityManager))
            }
        }

        // The dashboards: the officers who run panels and the locality managers.
        "ViewDashboards" => {
            if isa != IsaStanding::Current {
                Err("isa-signatories-only")
            } else if holds(Role::Administrator) {
                Err("administrators-see-no-case-content")
            } else {
                allow_if(holds(Role::PanelChair) || holds(Role::BusinessSupport) || holds(Role::LocalityManager))
            }
        }

        // The claims list: the chairs and locality managers, on the same terms.
        "ViewClaimsList" => {
            if isa != IsaStanding::Current {
                Err("isa-signatories-only")
            } else if holds(Role::Administrator) {
                Err("administrators-see-no-case-content")
            } else {
                allow_if(holds(Role::PanelChair) || holds(Role::LocalityManager))
            }
        }

        "ViewMeeting" | "PrepareAgenda" | "ChangeMeetingChair" | "ViewAgendaCopy" | "RecordAgencyCheck" | "SignDeclaration"
        | "ViewClosedSession" | "RecordAttendance" | "RecordDecision" | "ViewActionNotes" => {
            let About::Meeting(on) = column.about else {
                panic!("a meeting column must name the asker's place on the panel")
            };
            let placed = on.runs != RunsPanel::None || on.member != PanelMember::None;
            if isa != IsaStanding::Current {
                return Err("isa-signatories-only");
            }
            if holds(Role::Administrator) {
                return Err("administrators-see-no-case-content");
            }
            allow_if(match column.action {
                "ViewMeeting" | "SignDeclaration" => placed && works_with_families,
                "ViewClosedSession" => on.declared && placed && works_with_families,
                "RecordDecision" => on.declared && on.runs == RunsPanel::Chair && holds(Role::PanelChair),
                // The notes follow the closed part, and are also for those who circulate them.
                "ViewActionNotes" => {
                    (on.declared && placed && works_with_families)
                        || (on.runs == RunsPanel::BusinessSupport && holds(Role::BusinessSupport))
                        || (on.runs == RunsPanel::Chair && holds(Role::PanelChair))
                }
                // Who chairs one meeting is business support's to set, not the chairs'.
                "ChangeMeetingChair" => on.runs == RunsPanel::BusinessSupport && holds(Role::BusinessSupport),
                "PrepareAgenda" | "RecordAttendance" => {
                    (on.runs == RunsPanel::BusinessSupport && holds(Role::BusinessSupport))
                        || (on.runs == RunsPanel::Chair && holds(Role::PanelChair))
                }
                _ => on.member != PanelMember::None && works_with_families,
            })
        }

        // Agreed actions: their owners and the panel's business support and chairs follow them
        // up, never across a consent exclusion.
        "ViewAgreedAction" | "UpdateAgreedAction" => {
            let About::AgreedAction { excluded, owns_it, runs } = column.about else {
                panic!("an agreed-action column must name the asker's part in it")
            };
            if isa != IsaStanding::Current {
                return Err("isa-signatories-only");
            }
            if holds(Role::Administrator) {
                return Err("administrators-see-no-case-content");
            }
            if excluded {
                return Err("consent-exclusion");
            }
            allow_if(
                works_with_families
                    && (owns_it
                        || (runs == RunsPanel::BusinessSupport && holds(Role::BusinessSupport))
                        || (runs == RunsPanel::Chair && holds(Role::PanelChair))),
            )
        }

        other => panic!("the specification does not cover {other}"),
    }
}

/// A deterministic organisation id from a small number, so proptest can shrink.
pub fn organisation(n: u16) -> OrganisationId {
    format!("00000000-0000-7000-8000-{n:012x}").parse().unwrap()
}

/// A principal in organisation `organisation(1)`.
pub fn principal(roles: &[Role], isa: IsaStanding, mfa_passed: bool) -> Principal {
    Principal {
        user: UserId::new(),
        organisation: organisation(1),
        roles: roles.to_vec(),
        isa,
        mfa_passed,
    }
}

/// The principal's own organisation, or another one.
pub fn organisation_for(who: &Principal, own: bool) -> OrganisationId {
    if own { who.organisation } else { organisation(998) }
}

/// A family that excludes the principal's organisation, or another one, and to which the
/// principal has the given connection.
pub fn family(who: &Principal, excluded: bool, connection: Connection) -> FamilyFacts {
    let excluded_org = if excluded { who.organisation } else { organisation(999) };
    FamilyFacts {
        id: FamilyId::new(),
        excluded_organisations: vec![excluded_org],
        relationship: connection.relationship(),
    }
}

/// Asks the authority through the typed API, for the action a column names.
pub fn decide(authority: &Authority, who: &Principal, column: Column) -> Result<(), Denied> {
    let f = match column.about {
        About::Family { excluded, connection } => family(who, excluded, connection),
        _ => family(who, false, Connection::None),
    };
    let o = organisation_for(who, column.about == (About::Organisation { own: true }));
    match column.action {
        "ViewIsaRegister" => authority.decide(who, ViewIsaRegister).map(drop),
        "ViewStaffDirectory" => authority.decide(who, ViewStaffDirectory).map(drop),
        "ViewPanels" => authority.decide(who, ViewPanels).map(drop),
        "ManageOwnAccount" => authority.decide(who, ManageOwnAccount).map(drop),
        "ApplyToJoin" => authority.decide(who, ApplyToJoin).map(drop),
        "ManageOrganisations" => authority.decide(who, ManageOrganisations).map(drop),
        "ManageOrganisation" => authority.decide_organisation(who, ManageOrganisation, o).map(drop),
        "ManageUsers" => authority.decide(who, ManageUsers).map(drop),
        "IssueApiToken" => authority.decide(who, IssueApiToken).map(drop),
        "ViewAuditLog" => authority.decide(who, ViewAuditLog).map(drop),
        "ManageCalendar" => authority.decide(who, ManageCalendar).map(drop),
        "ManageProgramme" => authority.decide(who, ManageProgramme).map(drop),
        "ManagePanels" => authority.decide(who, ManagePanels).map(drop),
        "ViewFamilyList" => authority.decide(who, ViewFamilyList).map(drop),
        "ViewFamily" => authority.decide_family(who, ViewFamily, &f).map(drop),
        "RecordSharing" => authority.decide_family(who, RecordSharing, &f).map(drop),
        "OpenBreakGlass" => authority.decide_family(who, OpenBreakGlass, &f).map(drop),
        "AuthoriseConsentOverride" => authority.decide_family(who, AuthoriseConsentOverride, &f).map(drop),
        "RecordConsent" => authority.decide_family(who, RecordConsent, &f).map(drop),
        "ReviewBreakGlass" => authority.decide(who, ReviewBreakGlass).map(drop),
        "ViewSharingLog" => authority.decide(who, ViewSharingLog).map(drop),
        "RecordFamily" => authority.decide(who, RecordFamily).map(drop),
        "FindPeopleAcrossFamilies" => authority.decide(who, FindPeopleAcrossFamilies).map(drop),
        "RecordPerson" => authority.decide_family(who, RecordPerson, &f).map(drop),
        "RecordMove" => authority.decide_family(who, RecordMove, &f).map(drop),
        "RecordPlan" => authority.decide_family(who, RecordPlan, &f).map(drop),
        "MakeReferral" => {
            let About::NewReferral {
                excluded,
                connection,
                route,
            } = column.about
            else {
                panic!("a referral column must name a family and route")
            };
            authority
                .decide_new_referral(who, &family(who, excluded, connection), route)
                .map(drop)
        }
        "ChangeReferral" => {
            let About::Referral {
                excluded,
                urgent,
                route,
                part,
                event,
            } = column.about
            else {
                panic!("a referral column must name a referral")
            };
            let f = family(
                who,
                excluded,
                if part == Part::WorksWithFamily {
                    Connection::WorksWith
                } else {
                    Connection::None
                },
            );
            let referral = ReferralFacts {
                id: ReferralId::new(),
                family: f.id,
                excluded_organisations: f.excluded_organisations.clone(),
                route,
                urgent,
                made_it: part == Part::MadeIt,
                signs_it_off: part == Part::SignsItOff,
                screens_it: part == Part::ScreensIt,
                family_relationship: f.relationship,
            };
            authority.decide_referral_change(who, &referral, event).map(drop)
        }
        "ViewFamiliesDiscussedReport" => authority.decide(who, ViewFamiliesDiscussedReport).map(drop),
        "ViewClaimsList" => authority.decide(who, ViewClaimsList).map(drop),
        "ViewDashboards" => authority.decide(who, ViewDashboards).map(drop),
        "ViewMeeting" | "PrepareAgenda" | "ChangeMeetingChair" | "ViewAgendaCopy" | "RecordAgencyCheck" | "SignDeclaration"
        | "ViewClosedSession" | "RecordAttendance" | "RecordDecision" | "ViewActionNotes" => {
            let About::Meeting(on) = column.about else {
                panic!("a meeting column must name the asker's place on the panel")
            };
            let m = MeetingFacts {
                id: domain::MeetingId::new(),
                runs: on.runs,
                member: on.member,
                declared: on.declared,
            };
            match column.action {
                "ViewMeeting" => authority.decide_meeting(who, ViewMeeting, &m).map(drop),
                "PrepareAgenda" => authority.decide_meeting(who, PrepareAgenda, &m).map(drop),
                "ChangeMeetingChair" => authority.decide_meeting(who, ChangeMeetingChair, &m).map(drop),
                "ViewAgendaCopy" => authority.decide_meeting(who, ViewAgendaCopy, &m).map(drop),
                "SignDeclaration" => authority.decide_meeting(who, SignDeclaration, &m).map(drop),
                "ViewClosedSession" => authority.decide_meeting(who, ViewClosedSession, &m).map(drop),
                "RecordAttendance" => authority.decide_meeting(who, RecordAttendance, &m).map(drop),
                "RecordDecision" => authority.decide_meeting(who, RecordDecision, &m).map(drop),
                "ViewActionNotes" => authority.decide_meeting(who, ViewActionNotes, &m).map(drop),
                _ => authority.decide_meeting(who, RecordAgencyCheck, &m).map(drop),
            }
        }
        "ViewAgreedAction" | "UpdateAgreedAction" => {
            let About::AgreedAction { excluded, owns_it, runs } = column.about else {
                panic!("an agreed-action column must name the asker's part in it")
            };
            let facts = AgreedActionFacts {
                id: domain::AgreedActionId::new(),
                excluded_organisations: vec![if excluded { who.organisation } else { organisation(999) }],
                owns_it,
                runs,
            };
            if column.action == "ViewAgreedAction" {
                authority.decide_agreed_action(who, ViewAgreedAction, &facts).map(drop)
            } else {
                authority.decide_agreed_action(who, UpdateAgreedAction, &facts).map(drop)
            }
        }
        other => panic!("no typed action for {other}"),
    }
}

/// The outcome as the spec states it, for comparing with [`expected`].
pub fn outcome(result: &Result<(), Denied>) -> Result<(), &str> {
    result.as_ref().map(|_| ()).map_err(|d| d.rule.as_str())
}
