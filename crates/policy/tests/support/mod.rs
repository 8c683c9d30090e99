//! Shared by the matrix and property tests: the specification of who may do what, written
//! again in plain Rust without looking at Cedar, and a way to ask the authority by action name.
//!
//! Each test binary uses a different part of this module.
#![allow(dead_code)]
#![allow(clippy::unwrap_used, reason = "test support stops loudly at the first surprise")]

use domain::organisation::IsaStanding;
use domain::role::Role;
use domain::{FamilyId, OrganisationId, UserId};
use earlyhelp_policy::{
    ApplyToJoin, Authority, Denied, FamilyFacts, IssueApiToken, ManageOrganisation, ManageOrganisations, ManageOwnAccount, ManageUsers,
    Principal, ViewAuditLog, ViewFamily, ViewFamilyList, ViewIsaRegister, ViewPanels, ViewStaffDirectory,
};

/// What a column's action is asked about, beyond the service as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum About {
    /// A system action: the service, the register or the asker's own account.
    Nothing,
    /// A family action, on a family whose consent excludes the asker's organisation or not.
    Family {
        /// Whether the family excludes the asker's organisation.
        excluded: bool,
    },
    /// An organisation action, on the asker's own organisation or another.
    Organisation {
        /// Whether the organisation is the asker's own.
        own: bool,
    },
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
pub const COLUMNS: [Column; 14] = [
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
        header: "Family",
        about: About::Family { excluded: false },
    },
    Column {
        action: "ViewFamily",
        header: "Fam(excl)",
        about: About::Family { excluded: true },
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
        "ManageUsers" | "IssueApiToken" | "ManageOrganisations" | "ViewAuditLog" => {
            if !mfa {
                return Err("admin-actions-need-a-second-factor");
            }
            allow_if(match column.action {
                "ManageUsers" | "IssueApiToken" => holds(Role::Administrator),
                "ManageOrganisations" => holds(Role::Administrator) || holds(Role::InformationGovernance),
                _ => holds(Role::InformationGovernance),
            })
        }

        // Family data.
        "ViewFamilyList" | "ViewFamily" => {
            if isa != IsaStanding::Current {
                Err("isa-signatories-only")
            } else if holds(Role::Administrator) {
                Err("administrators-see-no-case-content")
            } else if column.about == (About::Family { excluded: true }) {
                Err("consent-exclusion")
            } else {
                allow_if(works_with_families)
            }
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

/// A family that excludes the principal's organisation, or another one.
pub fn family(who: &Principal, excluded: bool) -> FamilyFacts {
    let excluded_org = if excluded { who.organisation } else { organisation(999) };
    FamilyFacts {
        id: FamilyId::new(),
        excluded_organisations: vec![excluded_org],
    }
}

/// Asks the authority through the typed API, for the action a column names.
pub fn decide(authority: &Authority, who: &Principal, column: Column) -> Result<(), Denied> {
    let f = family(who, column.about == (About::Family { excluded: true }));
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
        "ViewFamilyList" => authority.decide(who, ViewFamilyList).map(drop),
        "ViewFamily" => authority.decide_family(who, ViewFamily, &f).map(drop),
        other => panic!("no typed action for {other}"),
    }
}

/// The outcome as the spec states it, for comparing with [`expected`].
pub fn outcome(result: &Result<(), Denied>) -> Result<(), &str> {
    result.as_ref().map(|_| ()).map_err(|d| d.rule.as_str())
}
