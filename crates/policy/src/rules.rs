//! Every rule the policies can name, with the sentence people read about it.
//!
//! Each `@id("…")` in `policies/*.cedar` must have an entry here ([`crate::Authority::new`]
//! refuses to start otherwise), so the "why can't I see this?" page never shows a bare rule id.
//! The sentences are fixed text: they never mention a family, a person or a consent choice by
//! name, so showing one cannot leak what the record would have shown.
//!
//! The order of [`RULES`] matters: when several forbids apply at once, the one listed first is
//! the one reported. Organisational reasons come before the family's consent, so a member of a
//! lapsed signatory learns about the lapse (which they can fix) and nothing about the family.
//! A refusal no second factor can lift comes before the second factor, so nobody signs in
//! again only to be refused for another reason.

use serde::Serialize;

/// The rule reported when no policy permits the request: Cedar denies by default.
pub const DEFAULT_DENY: &str = "default-deny";

/// The rule reported when the policies could not be evaluated for this request (a bug, caught
/// in tests). Access fails closed: an evaluation error never grants anything.
pub const EVALUATION_ERROR: &str = "evaluation-error";

/// What a refusal to show one family says when the deciding rule depends on the family itself
/// (its consent, or the asker having no connection to it). Naming that rule would tell the
/// asker the family exists, or that it excluded their organisation; a made-up id must be
/// refused with exactly the same words. See [`crate::Denied::for_a_family`].
pub const FAMILY_NOT_AVAILABLE: &str = "family-not-available";

/// Whether a rule grants or refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// A `permit` policy: what it allows.
    Permit,
    /// A `forbid` policy, or one of the built-in denials: why access is refused.
    Forbid,
}

/// One named rule and its plain-English explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// The policy's `@id`, or [`DEFAULT_DENY`] / [`EVALUATION_ERROR`].
    pub id: &'static str,
    /// Whether the rule grants or refuses.
    pub effect: Effect,
    /// For a forbid: why access was refused and what the person can do about it.
    /// For a permit: what it allows. One or two sentences, no family details.
    pub explanation: &'static str,
}

/// Every rule, refusals first in the order they are reported, then grants.
pub const RULES: &[Rule] = &[
    Rule {
        id: "isa-signatories-only",
        effect: Effect::Forbid,
        explanation: "Only staff of organisations that are current signatories of the \
            Information Sharing Agreement can see family information, and your organisation's \
            agreement is not current. Your information governance lead can check the ISA \
            register and renew or complete the agreement.",
    },
    Rule {
        id: "administrators-see-no-case-content",
        effect: Effect::Forbid,
        explanation: "Administrator accounts manage accounts and settings and never show case \
            content, so that no one can grant themselves access to families. If you also work \
            with families, use your practitioner account.",
    },
    Rule {
        id: "administrators-see-case-content-only-through-break-glass",
        effect: Effect::Forbid,
        explanation: "Administrator accounts do not show case content. If you must see one \
            family's record (a data incident or a subject access request), open break-glass \
            access with your reason: it lasts an hour and information governance reviews it.",
    },
    Rule {
        id: "consent-exclusion",
        effect: Effect::Forbid,
        explanation: "This record is not shared with your organisation. Information is shared \
            only in line with the consent given for it. If you believe you need it to keep a \
            child safe, speak to the panel chair or the MASH.",
    },
    Rule {
        id: "not-your-own-organisation",
        effect: Effect::Forbid,
        explanation: "Nobody can approve, renew or change the settings of their own \
            organisation: an administrator or information governance officer of another \
            organisation must do it.",
    },
    Rule {
        id: "admin-actions-need-a-second-factor",
        effect: Effect::Forbid,
        explanation: "Managing accounts, organisations, API tokens, closure days and the audit trail needs a \
            second factor. Sign out and sign in again with your authenticator app.",
    },
    Rule {
        id: DEFAULT_DENY,
        effect: Effect::Forbid,
        explanation: "Nothing you hold allows this: family records are open to the people who \
            work with the family (its lead professional and Team Around the Family) and to the \
            members of the panel that holds its case. If you need it for your work, ask the \
            lead professional or the panel chair to add you; for other pages, ask your \
            organisation's administrator to review your roles.",
    },
    Rule {
        id: FAMILY_NOT_AVAILABLE,
        effect: Effect::Forbid,
        explanation: "A family's record is open to the people who work with the family (its \
            lead professional and Team Around the Family) and to the members of the panel that \
            holds its case, and only where the family's consent allows sharing with their \
            organisation. Either there is no record with this reference, or one of these does \
            not apply to you. If you need it to keep a child safe, speak to the panel chair or \
            the MASH.",
    },
    Rule {
        id: EVALUATION_ERROR,
        effect: Effect::Forbid,
        explanation: "The service could not check your access just now, so it has not been \
            given. Try again; if this keeps happening, tell the service desk.",
    },
    Rule {
        id: "staff-see-directory-and-register",
        effect: Effect::Permit,
        explanation: "Everyone signed in can see the staff directory and the register of \
            organisations that have signed the Information Sharing Agreement.",
    },
    Rule {
        id: "staff-see-panels",
        effect: Effect::Permit,
        explanation: "Everyone signed in can see how panels are set up: their names, how often \
            they meet, who chairs them and which organisations sit on them. This shows no \
            family information.",
    },
    Rule {
        id: "panel-members-see-their-meetings",
        effect: Effect::Permit,
        explanation: "The chairs, the business-support officer and the representatives of the \
            organisations that sit on a panel see its meetings: dates, venue, deadlines and the \
            open part of the agenda.",
    },
    Rule {
        id: "business-support-and-chairs-prepare-the-agenda",
        effect: Effect::Permit,
        explanation: "A panel's business-support officer and its chairs prepare the agenda of \
            its meetings, move or cancel a meeting, and send the list of families to members.",
    },
    Rule {
        id: "business-support-sets-who-chairs-a-meeting",
        effect: Effect::Permit,
        explanation: "A panel's business-support officer changes who chairs one of its \
            meetings, when alternating chairs swap or one is away.",
    },
    Rule {
        id: "member-agencies-check-their-list",
        effect: Effect::Permit,
        explanation: "The representative of an organisation that sits on a panel sees the \
            organisation's copy of each meeting's list of families, and records what checking \
            the organisation's own systems found.",
    },
    Rule {
        id: "attendees-sign-the-declaration",
        effect: Effect::Permit,
        explanation: "Everyone with a place at a meeting signs its confidentiality declaration \
            before the closed part.",
    },
    Rule {
        id: "the-closed-part-needs-the-declaration",
        effect: Effect::Permit,
        explanation: "The closed part of a meeting, where cases are discussed, is open to those \
            with a place at it who have signed its confidentiality declaration. Sign it on the \
            meeting's page.",
    },
    Rule {
        id: "business-support-and-chairs-record-attendance",
        effect: Effect::Permit,
        explanation: "A panel's business-support officer and its chairs record who attended \
            each meeting.",
    },
    Rule {
        id: "the-chair-records-decisions",
        effect: Effect::Permit,
        explanation: "The chair records the panel's decisions and the actions agreed, having \
            signed the meeting's confidentiality declaration.",
    },
    Rule {
        id: "owners-and-the-panel-follow-up-actions",
        effect: Effect::Permit,
        explanation: "The owner of an action agreed at a panel sees and updates it, and so do \
            the panel's business-support officer and chairs, unless the family's consent \
            excludes their organisation.",
    },
    Rule {
        id: "the-action-notes-follow-the-closed-part",
        effect: Effect::Permit,
        explanation: "A meeting's action notes are for those who may see its closed part (a \
            place at the meeting and its confidentiality declaration signed) and for the \
            business-support officer and chairs who check and circulate them. Families whose \
            consent does not cover your organisation are left out of your copy.",
    },
    Rule {
        id: "panel-officers-read-the-families-discussed-report",
        effect: Effect::Permit,
        explanation: "Panel chairs, business-support officers and locality managers read and \
            download the report of families discussed at the panels they run or sit on. It \
            shows only families you may see.",
    },
    Rule {
        id: "panel-chairs-and-locality-managers-read-the-claims-list",
        effect: Effect::Permit,
        explanation: "Panel chairs and locality managers read and download the claims list: \
            families whose closed plans show significant progress that lasted, with the \
            evidence. It shows only families you may see.",
    },
    Rule {
        id: "panel-officers-read-the-dashboards",
        effect: Effect::Permit,
        explanation: "Panel chairs, business-support officers and locality managers read the \
            dashboards and download their figures. They count only families you may see, and \
            hide numbers small enough to identify a family.",
    },
    Rule {
        id: "own-account-only",
        effect: Effect::Permit,
        explanation: "Everyone can change their own password, second factor and contact details.",
    },
    Rule {
        id: "members-may-propose-an-organisation",
        effect: Effect::Permit,
        explanation: "Everyone signed in can put an organisation forward to join the \
            Information Sharing Agreement; an administrator or information governance approves it.",
    },
    Rule {
        id: "administrators-run-accounts-and-organisations",
        effect: Effect::Permit,
        explanation: "Administrators create accounts (the person is e-mailed an invitation to \
            choose their own password), deactivate them, assign roles, reset second factors, keep \
            the list of organisations and issue API tokens.",
    },
    Rule {
        id: "administrators-keep-the-working-day-calendar",
        effect: Effect::Permit,
        explanation: "Administrators add and remove the council's local closure days. Every \
            deadline is counted in working days without them, so adding one moves the day the \
            list of families goes to members for each planned meeting it falls before.",
    },
    Rule {
        id: "administrators-set-the-programme-rules",
        effect: Effect::Permit,
        explanation: "Administrators set the programme's rules: when progress is confirmed \
            after a plan closes, and what a claim must show.",
    },
    Rule {
        id: "administrators-set-panels-up",
        effect: Effect::Permit,
        explanation: "Administrators set panels up and change them: when they meet, where, \
            who chairs them in turn, their business support and member organisations. Changing \
            when a panel meets cancels the planned meetings no longer on its cadence and moves \
            their cases to the next meeting.",
    },
    Rule {
        id: "information-governance-keeps-register-and-audit",
        effect: Effect::Permit,
        explanation: "Information governance approves and renews organisations' agreements and \
            reviews the audit trail.",
    },
    Rule {
        id: "practitioners-open-the-family-list",
        effect: Effect::Permit,
        explanation: "People who work with families (chairs, business support, agency \
            representatives, lead professionals, MASH practitioners, case supervisors and \
            locality managers) can search the families they are connected to.",
    },
    Rule {
        id: "professionals-working-with-the-family",
        effect: Effect::Permit,
        explanation: "The family's lead professional and the members of its Team Around the \
            Family see its record.",
    },
    Rule {
        id: "panel-core-members-see-their-cases",
        effect: Effect::Permit,
        explanation: "The chairs, business-support officer and named core representatives of \
            the panel that holds a family's case see its closed-session material.",
    },
    Rule {
        id: "invited-extended-members-see-that-case",
        effect: Effect::Permit,
        explanation: "Staff of an extended member agency see a case when their agency is \
            invited to it.",
    },
    Rule {
        id: "break-glass-with-a-stated-reason",
        effect: Effect::Permit,
        explanation: "An administrator with open break-glass access to a family sees its \
            record until the access expires; every view is audited and reviewed.",
    },
    Rule {
        id: "safeguarding-leads-authorise-sharing-without-consent",
        effect: Effect::Permit,
        explanation: "MASH practitioners, case supervisors and locality managers may authorise \
            sharing a family's information without its consent, for safeguarding or the public \
            interest, with a justification kept in the sharing log. Panel chairs may not: they \
            check consent when they screen a referral.",
    },
    Rule {
        id: "mash-and-lead-professionals-record-consent",
        effect: Effect::Permit,
        explanation: "MASH practitioners and lead professionals record a family's consent, and \
            its withdrawal, for families they work with or whose case their panel holds.",
    },
    Rule {
        id: "whoever-recorded-the-family-sees-it",
        effect: Effect::Permit,
        explanation: "The person who recorded a family (MASH at the front door, usually) sees \
            what they entered about it.",
    },
    Rule {
        id: "mash-and-lead-professionals-record-families",
        effect: Effect::Permit,
        explanation: "MASH practitioners and lead professionals record new families and their \
            addresses.",
    },
    Rule {
        id: "people-who-know-the-family-record-its-people",
        effect: Effect::Permit,
        explanation: "People are added to a family, or corrected, by MASH practitioners, lead \
            professionals, chairs and business support who work with the family, whose panel \
            holds its case, or who recorded or referred it.",
    },
    Rule {
        id: "people-who-know-the-family-record-its-moves",
        effect: Effect::Permit,
        explanation: "A family's move of house is recorded by MASH practitioners, lead \
            professionals, chairs and business support who work with the family, whose panel \
            holds its case, or who recorded or referred it.",
    },
    Rule {
        id: "the-team-around-the-family-keeps-its-plan",
        effect: Effect::Permit,
        explanation: "A family's plan is kept by its lead professional and the members of its \
            Team Around the Family. Others who may see the family read the plan but do not \
            change it.",
    },
    Rule {
        id: "mash-finds-people-across-families",
        effect: Effect::Permit,
        explanation: "Before a new person is recorded, MASH practitioners check every family \
            their organisation is not excluded from for the same person, so that families tell \
            their story once. Only names, dates of birth and postcodes are shown.",
    },
    Rule {
        id: "people-handling-a-referral-see-the-family",
        effect: Effect::Permit,
        explanation: "While a referral is open, the person who made it, the case supervisor or \
            locality manager named to sign off its checklist, the chairs of the panels of its \
            locality (from screening until it is closed) and MASH practitioners (while an urgent \
            concern is open) see the family's record.",
    },
    Rule {
        id: "practitioners-refer-families-they-know",
        effect: Effect::Permit,
        explanation: "People who already know a family (its lead professional and Team Around \
            the Family, the core members of its panel, whoever referred it before, or MASH while \
            a concern is open) may refer it: MASH records its threshold decisions, lead \
            professionals and chairs bring back stuck cases and plan step-ups, and practitioners \
            step cases down from children's social care.",
    },
    Rule {
        id: "referrers-resubmit-or-withdraw",
        effect: Effect::Permit,
        explanation: "The person who made a referral can send it again after it was returned, or \
            withdraw it.",
    },
    Rule {
        id: "named-signers-sign-off-checklists",
        effect: Effect::Permit,
        explanation: "A step-down checklist is signed off by the case supervisor named on it, \
            and a planned step-up checklist by the locality manager named on it.",
    },
    Rule {
        id: "chairs-screen-referrals-for-their-locality",
        effect: Effect::Permit,
        explanation: "Panel chairs screen the referrals of their panels' localities: they accept \
            one for a meeting, return it to the referrer, redirect it, and close it once it has \
            been dealt with. Urgent safeguarding concerns go to MASH instead.",
    },
    Rule {
        id: "mash-handles-urgent-concerns",
        effect: Effect::Permit,
        explanation: "MASH practitioners acknowledge urgent safeguarding concerns, and redirect \
            or close them once dealt with.",
    },
    Rule {
        id: "anyone-involved-escalates-a-safeguarding-concern",
        effect: Effect::Permit,
        explanation: "Anyone involved with a referral or the family who sees a safeguarding \
            concern can send it to MASH at once.",
    },
    Rule {
        id: "administrators-may-break-glass",
        effect: Effect::Permit,
        explanation: "Administrators may open time-limited break-glass access to one family, \
            giving their reason.",
    },
];

/// The rule with this id, if there is one.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// Where a rule sits in the reporting order; unknown ids sort last.
pub(crate) fn priority(id: &str) -> usize {
    RULES.iter().position(|r| r.id == id).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_id_is_listed_once() {
        for (i, r) in RULES.iter().enumerate() {
            assert_eq!(priority(r.id), i, "{} is listed twice", r.id);
        }
    }

    #[test]
    fn refusals_are_listed_before_grants() {
        let first_permit = RULES.iter().position(|r| r.effect == Effect::Permit).unwrap();
        assert!(RULES[first_permit..].iter().all(|r| r.effect == Effect::Permit));
    }

    #[test]
    fn the_built_in_denials_have_explanations() {
        assert_eq!(rule(DEFAULT_DENY).unwrap().effect, Effect::Forbid);
        assert_eq!(rule(EVALUATION_ERROR).unwrap().effect, Effect::Forbid);
    }
}
