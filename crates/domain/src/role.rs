//! The roles staff hold, from the brief. A person belongs to one organisation and may hold
//! several roles (a chair is often also a lead professional).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What a member of staff does in the early help process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Screens referrals, checks consent, sets the agenda, chairs, records decisions.
    PanelChair,
    /// Prepares and circulates agendas, records attendance, types up action notes.
    BusinessSupport,
    /// Represents an agency at panel: checks their own systems, brings information, takes actions.
    AgencyRepresentative,
    /// Runs a family's plan and reviews; brings a stuck case back to panel.
    LeadProfessional,
    /// Records consent and threshold decisions in the MASH; receives escalations.
    MashPractitioner,
    /// Signs off step-down checklists.
    CaseSupervisor,
    /// Signs off planned step-up checklists.
    LocalityManager,
    /// Keeps the ISA register, retention schedules and audit review; answers subject access requests.
    InformationGovernance,
    /// Manages accounts and configuration; sees no case content without break-glass.
    Administrator,
}

impl Role {
    /// Every role, in the order pages list them.
    pub const ALL: [Role; 9] = [
        Role::PanelChair,
        Role::BusinessSupport,
        Role::AgencyRepresentative,
        Role::LeadProfessional,
        Role::MashPractitioner,
        Role::CaseSupervisor,
        Role::LocalityManager,
        Role::InformationGovernance,
        Role::Administrator,
    ];

    /// The stable code stored in the database and used in forms and the API.
    pub fn code(self) -> &'static str {
        match self {
            Role::PanelChair => "panel_chair",
            Role::BusinessSupport => "business_support",
            Role::AgencyRepresentative => "agency_representative",
            Role::LeadProfessional => "lead_professional",
            Role::MashPractitioner => "mash_practitioner",
            Role::CaseSupervisor => "case_supervisor",
            Role::LocalityManager => "locality_manager",
            Role::InformationGovernance => "information_governance",
            Role::Administrator => "administrator",
        }
    }

    /// The name people use for the role.
    pub fn label(self) -> &'static str {
        match self {
            Role::PanelChair => "Panel chair / co-ordinator",
            Role::BusinessSupport => "Business support officer",
            Role::AgencyRepresentative => "Agency representative",
            Role::LeadProfessional => "Lead professional",
            Role::MashPractitioner => "MASH practitioner",
            Role::CaseSupervisor => "Case supervisor",
            Role::LocalityManager => "Locality manager",
            Role::InformationGovernance => "Information governance",
            Role::Administrator => "Administrator",
        }
    }

    /// Roles that work with families day to day, and so may see a family they are connected
    /// to. Information governance and administrators keep the system and see no case content
    /// (an administrator only through break-glass), whatever their connection to a family.
    pub fn is_practitioner(self) -> bool {
        !matches!(self, Role::InformationGovernance | Role::Administrator)
    }

    /// Roles whose holders must use a second factor whatever their organisation decides:
    /// an administrator can create accounts, so a stolen password must not be enough.
    pub fn always_requires_mfa(self) -> bool {
        matches!(self, Role::Administrator | Role::InformationGovernance)
    }
}

/// Whether a person must set up a second factor: their organisation requires it of all its
/// staff, or one of their roles always does.
pub fn second_factor_required(roles: &[Role], organisation_requires: bool) -> bool {
    organisation_requires || roles.iter().any(|r| r.always_requires_mfa())
}

/// Whether sign-in must ask for the second factor: whenever it is required, and whenever the
/// person has set one up, even by choice (otherwise the app they set up protects nothing).
pub fn second_factor_asked(roles: &[Role], organisation_requires: bool, set_up: bool) -> bool {
    set_up || second_factor_required(roles, organisation_requires)
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A role code that names no role.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}” is not a role")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.code() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_code_parses_back_to_the_same_role() {
        for role in Role::ALL {
            assert_eq!(role.code().parse::<Role>(), Ok(role));
        }
    }

    #[test]
    fn a_second_factor_set_up_by_choice_is_always_asked_for() {
        let roles = [Role::LeadProfessional];
        assert!(!second_factor_asked(&roles, false, false));
        assert!(second_factor_asked(&roles, false, true));
        assert!(second_factor_asked(&roles, true, false));
        assert!(second_factor_required(&[Role::LeadProfessional, Role::Administrator], false));
    }

    #[test]
    fn administrators_always_need_a_second_factor() {
        assert!(Role::Administrator.always_requires_mfa());
        assert!(!Role::BusinessSupport.always_requires_mfa());
    }
}
