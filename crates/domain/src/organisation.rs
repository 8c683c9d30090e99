//! Member organisations and the Information Sharing Agreement (ISA) register.
//!
//! Only staff of an organisation that is a *current* ISA signatory may see family data
//! (seed 000: "discussions at the meeting will be confidential to representatives of
//! organisations which have signed the Protocol"). An organisation applies to join, an
//! administrator approves it as a signatory, and its signature lapses when its review date
//! passes without renewal.

use serde::{Deserialize, Serialize};
use std::str::FromStr;
use time::Date;

/// The kinds of agency that sit on early help panels, from the seeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationKind {
    /// The council's family services / early help service.
    FamilyServices,
    /// Multi-Agency Safeguarding Hub.
    Mash,
    /// Children's centres.
    ChildrensCentre,
    /// Youth service.
    YouthService,
    /// 0–25 disability service.
    DisabilityService,
    /// Health visiting.
    HealthVisiting,
    /// School nursing.
    SchoolNursing,
    /// Midwifery.
    Midwifery,
    /// Child and adolescent mental health services.
    Camhs,
    /// A school or early-years setting.
    School,
    /// Education welfare service.
    EducationWelfare,
    /// Police (safer schools, neighbourhood teams).
    Police,
    /// Community safety.
    CommunitySafety,
    /// Housing.
    Housing,
    /// Jobcentre Plus / DWP.
    Jobcentre,
    /// Substance-misuse service.
    SubstanceMisuse,
    /// Domestic abuse service.
    DomesticAbuse,
    /// Adult social care.
    AdultSocialCare,
    /// Voluntary and community sector.
    Voluntary,
}

impl OrganisationKind {
    /// Every kind, in the order forms list them.
    pub const ALL: [OrganisationKind; 19] = [
        Self::FamilyServices,
        Self::Mash,
        Self::ChildrensCentre,
        Self::YouthService,
        Self::DisabilityService,
        Self::HealthVisiting,
        Self::SchoolNursing,
        Self::Midwifery,
        Self::Camhs,
        Self::School,
        Self::EducationWelfare,
        Self::Police,
        Self::CommunitySafety,
        Self::Housing,
        Self::Jobcentre,
        Self::SubstanceMisuse,
        Self::DomesticAbuse,
        Self::AdultSocialCare,
        Self::Voluntary,
    ];

    /// The stable code stored in the database and used in forms and the API.
    pub fn code(self) -> &'static str {
        match self {
            Self::FamilyServices => "family_services",
            Self::Mash => "mash",
            Self::ChildrensCentre => "childrens_centre",
            Self::YouthService => "youth_service",
            Self::DisabilityService => "disability_service",
            Self::HealthVisiting => "health_visiting",
            Self::SchoolNursing => "school_nursing",
            Self::Midwifery => "midwifery",
            Self::Camhs => "camhs",
            Self::School => "school",
            Self::EducationWelfare => "education_welfare",
            Self::Police => "police",
            Self::CommunitySafety => "community_safety",
            Self::Housing => "housing",
            Self::Jobcentre => "jobcentre",
            Self::SubstanceMisuse => "substance_misuse",
            Self::DomesticAbuse => "domestic_abuse",
            Self::AdultSocialCare => "adult_social_care",
            Self::Voluntary => "voluntary",
        }
    }

    /// The name people use for the kind.
    pub fn label(self) -> &'static str {
        match self {
            Self::FamilyServices => "Family services",
            Self::Mash => "Multi-Agency Safeguarding Hub (MASH)",
            Self::ChildrensCentre => "Children's centre",
            Self::YouthService => "Youth service",
            Self::DisabilityService => "0–25 disability service",
            Self::HealthVisiting => "Health visiting",
            Self::SchoolNursing => "School nursing",
            Self::Midwifery => "Midwifery",
            Self::Camhs => "Child and adolescent mental health (CAMHS)",
            Self::School => "School or early years",
            Self::EducationWelfare => "Education welfare",
            Self::Police => "Police",
            Self::CommunitySafety => "Community safety",
            Self::Housing => "Housing",
            Self::Jobcentre => "Jobcentre Plus",
            Self::SubstanceMisuse => "Substance misuse service",
            Self::DomesticAbuse => "Domestic abuse service",
            Self::AdultSocialCare => "Adult social care",
            Self::Voluntary => "Voluntary and community sector",
        }
    }
}

/// A code that names no organisation kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}” is not a kind of organisation")]
pub struct UnknownOrganisationKind(pub String);

impl FromStr for OrganisationKind {
    type Err = UnknownOrganisationKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.code() == s)
            .ok_or_else(|| UnknownOrganisationKind(s.to_owned()))
    }
}

/// Where an organisation stands with the Information Sharing Agreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum IsaStatus {
    /// Has applied to join; sees no family data until approved.
    Applied {
        /// When the application was made.
        applied_on: Date,
    },
    /// Has signed. The signature lapses after `review_due` unless renewed.
    Signed {
        /// When the agreement was signed.
        signed_on: Date,
        /// Who signed on the organisation's behalf (a job title or name).
        signatory: String,
        /// When the signature must be reviewed.
        review_due: Date,
    },
    /// Was a signatory but has withdrawn or was removed; kept for the record.
    Withdrawn {
        /// When it stopped taking part.
        withdrawn_on: Date,
    },
}

/// The state shown to people, derived from the status and today's date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IsaStanding {
    /// A current signatory: its staff may take part in information sharing.
    Current,
    /// Applied, awaiting approval.
    Pending,
    /// Signed, but the review date has passed.
    Lapsed,
    /// Withdrawn from the agreement.
    Withdrawn,
}

impl IsaStanding {
    /// The stable code used in the API and in tags on pages.
    pub fn code(self) -> &'static str {
        match self {
            Self::Current => "current",
            Self::Pending => "pending",
            Self::Lapsed => "lapsed",
            Self::Withdrawn => "withdrawn",
        }
    }

    /// The word shown on the ISA register.
    pub fn label(self) -> &'static str {
        match self {
            Self::Current => "Current signatory",
            Self::Pending => "Application pending",
            Self::Lapsed => "Lapsed — review overdue",
            Self::Withdrawn => "Withdrawn",
        }
    }
}

/// Why an ISA change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IsaError {
    /// Only a pending application can be approved.
    #[error("Only an organisation whose application is pending can be approved")]
    NotPending,
    /// The review date must come after the signing date.
    #[error("The review date must be after the date the agreement was signed")]
    ReviewBeforeSigning,
    /// Someone must be named as signatory.
    #[error("Enter who signed the agreement")]
    NoSignatory,
    /// Only a signatory can renew.
    #[error("Only an organisation that has signed can have its review renewed")]
    NotSigned,
    /// A signature cannot be recorded before it happens.
    #[error("The date the agreement was signed must be today or in the past")]
    SignedInFuture,
    /// A signature whose review date has already passed would lapse at once.
    #[error("The review date must be in the future")]
    ReviewPassed,
}

impl IsaStatus {
    /// The standing on `today`: a signature whose review date has passed has lapsed.
    pub fn standing(&self, today: Date) -> IsaStanding {
        match self {
            Self::Applied { .. } => IsaStanding::Pending,
            Self::Signed { review_due, .. } if *review_due < today => IsaStanding::Lapsed,
            Self::Signed { .. } => IsaStanding::Current,
            Self::Withdrawn { .. } => IsaStanding::Withdrawn,
        }
    }

    /// Approves a pending application on `today`: the organisation becomes a signatory.
    pub fn approve(&self, signed_on: Date, signatory: &str, review_due: Date, today: Date) -> Result<Self, IsaError> {
        if !matches!(self, Self::Applied { .. }) {
            return Err(IsaError::NotPending);
        }
        Self::signed(signed_on, signatory, review_due, today)
    }

    /// Records a fresh signature on `today` (a renewal after review, or a lapsed signatory
    /// re-signing).
    pub fn renew(&self, signed_on: Date, signatory: &str, review_due: Date, today: Date) -> Result<Self, IsaError> {
        if !matches!(self, Self::Signed { .. }) {
            return Err(IsaError::NotSigned);
        }
        Self::signed(signed_on, signatory, review_due, today)
    }

    fn signed(signed_on: Date, signatory: &str, review_due: Date, today: Date) -> Result<Self, IsaError> {
        let signatory = signatory.trim();
        if signatory.is_empty() {
            return Err(IsaError::NoSignatory);
        }
        if signed_on > today {
            return Err(IsaError::SignedInFuture);
        }
        if review_due <= signed_on {
            return Err(IsaError::ReviewBeforeSigning);
        }
        if review_due <= today {
            return Err(IsaError::ReviewPassed);
        }
        Ok(Self::Signed {
            signed_on,
            signatory: signatory.to_owned(),
            review_due,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_signature_lapses_the_day_after_its_review_date() {
        let s = IsaStatus::Signed {
            signed_on: date!(2025 - 01 - 10),
            signatory: "Head of service".into(),
            review_due: date!(2026 - 01 - 10),
        };
        assert_eq!(s.standing(date!(2026 - 01 - 10)), IsaStanding::Current);
        assert_eq!(s.standing(date!(2026 - 01 - 11)), IsaStanding::Lapsed);
    }

    #[test]
    fn approving_a_pending_application_makes_a_current_signatory() {
        let applied = IsaStatus::Applied {
            applied_on: date!(2026 - 03 - 01),
        };
        assert_eq!(applied.standing(date!(2026 - 03 - 02)), IsaStanding::Pending);
        let signed = applied
            .approve(date!(2026 - 03 - 05), "Director", date!(2027 - 03 - 05), date!(2026 - 03 - 05))
            .unwrap();
        assert_eq!(signed.standing(date!(2026 - 03 - 06)), IsaStanding::Current);
    }

    #[test]
    fn a_signatory_cannot_be_approved_twice() {
        let s = IsaStatus::Signed {
            signed_on: date!(2025 - 01 - 10),
            signatory: "x".into(),
            review_due: date!(2026 - 01 - 10),
        };
        assert_eq!(
            s.approve(date!(2026 - 01 - 01), "y", date!(2027 - 01 - 01), date!(2026 - 01 - 01)),
            Err(IsaError::NotPending)
        );
    }

    #[test]
    fn a_review_date_before_signing_is_refused() {
        let applied = IsaStatus::Applied {
            applied_on: date!(2026 - 03 - 01),
        };
        assert_eq!(
            applied.approve(date!(2026 - 03 - 05), "Director", date!(2026 - 03 - 05), date!(2026 - 03 - 06)),
            Err(IsaError::ReviewBeforeSigning)
        );
        assert_eq!(
            applied.approve(date!(2026 - 03 - 05), "  ", date!(2027 - 03 - 05), date!(2026 - 03 - 06)),
            Err(IsaError::NoSignatory)
        );
    }

    #[test]
    fn a_signature_dated_tomorrow_or_already_due_for_review_is_refused() {
        let applied = IsaStatus::Applied {
            applied_on: date!(2026 - 03 - 01),
        };
        let today = date!(2026 - 03 - 06);
        assert_eq!(
            applied.approve(date!(2026 - 03 - 07), "Director", date!(2027 - 03 - 05), today),
            Err(IsaError::SignedInFuture)
        );
        assert_eq!(
            applied.approve(date!(2025 - 03 - 07), "Director", date!(2026 - 03 - 06), today),
            Err(IsaError::ReviewPassed)
        );
    }

    #[test]
    fn every_kind_code_parses_back() {
        for k in OrganisationKind::ALL {
            assert_eq!(k.code().parse::<OrganisationKind>(), Ok(k));
        }
    }
}
