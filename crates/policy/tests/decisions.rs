//! The access rules as behaviours, one per test, in the words of the brief.

#![allow(clippy::unwrap_used, reason = "a test or bench should stop loudly at the first surprise")]

use domain::organisation::IsaStanding;
use domain::role::Role;
use domain::{FamilyId, OrganisationId, UserId};
use earlyhelp_policy::{
    AuthoriseConsentOverride, Authority, FamilyFacts, IssueApiToken, ManageOrganisation, ManageOrganisations, ManageOwnAccount,
    ManageUsers, OpenBreakGlass, PanelRelationship, Principal, RecordMove, Relationship, ViewAuditLog, ViewFamily, ViewFamilyList,
    ViewIsaRegister, ViewPanels, ViewStaffDirectory, rules,
};

fn authority() -> Authority {
    Authority::new().unwrap()
}

fn staff(roles: &[Role], isa: IsaStanding) -> Principal {
    Principal {
        user: UserId::new(),
        organisation: OrganisationId::new(),
        roles: roles.to_vec(),
        isa,
        mfa_passed: true,
    }
}

/// A family the asker works with (as its lead professional or in its Team Around the Family),
/// whose consent excludes these organisations.
fn family_excluding(organisations: &[OrganisationId]) -> FamilyFacts {
    connected(
        organisations,
        Relationship {
            works_with_family: true,
            ..Relationship::default()
        },
    )
}

fn connected(organisations: &[OrganisationId], relationship: Relationship) -> FamilyFacts {
    FamilyFacts {
        id: FamilyId::new(),
        excluded_organisations: organisations.to_vec(),
        relationship,
    }
}

fn on_panel(panel: PanelRelationship) -> Relationship {
    Relationship {
        panel,
        ..Relationship::default()
    }
}

fn with_break_glass() -> Relationship {
    Relationship {
        break_glass: true,
        ..Relationship::default()
    }
}

#[test]
fn staff_of_a_current_signatory_see_families_that_do_not_exclude_them() {
    let authority = authority();
    let lead = staff(&[Role::LeadProfessional], IsaStanding::Current);
    let family = family_excluding(&[OrganisationId::new()]);

    assert!(authority.decide(&lead, ViewFamilyList).is_ok());
    assert!(authority.decide_family(&lead, ViewFamily, &family).is_ok());
}

#[test]
fn staff_of_a_lapsed_signatory_see_no_family_data() {
    let authority = authority();
    let lead = staff(&[Role::LeadProfessional], IsaStanding::Lapsed);

    let list = authority.decide(&lead, ViewFamilyList).unwrap_err();
    let one = authority.decide_family(&lead, ViewFamily, &family_excluding(&[])).unwrap_err();

    assert_eq!(list.rule, "isa-signatories-only");
    assert_eq!(one.rule, "isa-signatories-only");
}

#[test]
fn staff_of_a_pending_applicant_or_withdrawn_organisation_see_no_family_data() {
    let authority = authority();
    for isa in [IsaStanding::Pending, IsaStanding::Withdrawn] {
        let chair = staff(&[Role::PanelChair], isa);

        let denied = authority.decide_family(&chair, ViewFamily, &family_excluding(&[])).unwrap_err();

        assert_eq!(denied.rule, "isa-signatories-only", "{isa:?}");
    }
}

#[test]
fn consent_excluding_police_hides_family_from_police() {
    let authority = authority();
    let police = staff(&[Role::AgencyRepresentative], IsaStanding::Current);
    let family = family_excluding(&[police.organisation]);

    let denied = authority.decide_family(&police, ViewFamily, &family).unwrap_err();

    assert_eq!(denied.rule, "consent-exclusion");
}

#[test]
fn consent_excluding_police_still_shares_with_health() {
    let authority = authority();
    let police = staff(&[Role::AgencyRepresentative], IsaStanding::Current);
    let health_visitor = staff(&[Role::AgencyRepresentative], IsaStanding::Current);
    let family = family_excluding(&[police.organisation]);

    assert!(authority.decide_family(&health_visitor, ViewFamily, &family).is_ok());
}

#[test]
fn a_lapsed_signatory_hears_about_the_lapse_not_about_the_familys_consent() {
    let authority = authority();
    let police = staff(&[Role::AgencyRepresentative], IsaStanding::Lapsed);
    let family = family_excluding(&[police.organisation]);

    let denied = authority.decide_family(&police, ViewFamily, &family).unwrap_err();

    assert_eq!(denied.rule, "isa-signatories-only");
}

#[test]
fn denial_explanations_never_describe_the_family() {
    let authority = authority();
    let police = staff(&[Role::AgencyRepresentative], IsaStanding::Current);
    let other_agency = OrganisationId::new();
    let one = family_excluding(&[police.organisation, other_agency]);
    let another = family_excluding(&[police.organisation]);

    let first = authority.decide_family(&police, ViewFamily, &one).unwrap_err();
    let second = authority.decide_family(&police, ViewFamily, &another).unwrap_err();

    assert_eq!(first, second, "the explanation must not depend on the family");
    for id in [one.id.to_string(), other_agency.to_string(), police.organisation.to_string()] {
        assert!(!first.explanation.contains(&id));
    }
    assert!(!first.explanation.is_empty());
}

#[test]
fn administrators_cannot_view_family_content() {
    let authority = authority();
    let admin = staff(&[Role::Administrator], IsaStanding::Current);

    let list = authority.decide(&admin, ViewFamilyList).unwrap_err();
    let one = authority.decide_family(&admin, ViewFamily, &family_excluding(&[])).unwrap_err();

    assert_eq!(list.rule, "administrators-see-no-case-content");
    assert_eq!(one.rule, "administrators-see-case-content-only-through-break-glass");
}

#[test]
fn an_administrator_who_also_leads_cases_still_sees_no_case_content_on_that_account() {
    let authority = authority();
    let both = staff(&[Role::Administrator, Role::LeadProfessional], IsaStanding::Current);

    let denied = authority.decide_family(&both, ViewFamily, &family_excluding(&[])).unwrap_err();

    assert_eq!(denied.rule, "administrators-see-case-content-only-through-break-glass");
}

#[test]
fn a_practitioner_with_no_connection_to_the_family_does_not_see_it() {
    let authority = authority();
    let lead = staff(&[Role::LeadProfessional, Role::PanelChair], IsaStanding::Current);

    let denied = authority
        .decide_family(&lead, ViewFamily, &connected(&[], Relationship::default()))
        .unwrap_err();

    assert_eq!(denied.rule, rules::DEFAULT_DENY);
}

#[test]
fn core_members_of_the_panel_holding_the_case_see_it_and_uninvited_extended_members_do_not() {
    let authority = authority();
    let rep = staff(&[Role::AgencyRepresentative], IsaStanding::Current);

    assert!(
        authority
            .decide_family(&rep, ViewFamily, &connected(&[], on_panel(PanelRelationship::Core)))
            .is_ok()
    );
    assert!(
        authority
            .decide_family(&rep, ViewFamily, &connected(&[], on_panel(PanelRelationship::Invited)))
            .is_ok()
    );
    assert!(
        authority
            .decide_family(&rep, ViewFamily, &connected(&[], on_panel(PanelRelationship::None)))
            .is_err()
    );
}

#[test]
fn break_glass_lets_an_administrator_with_a_second_factor_see_the_family() {
    let authority = authority();
    let mut admin = staff(&[Role::Administrator], IsaStanding::Current);
    admin.mfa_passed = true;

    assert!(
        authority
            .decide_family(&admin, ViewFamily, &connected(&[], with_break_glass()))
            .is_ok()
    );
    admin.mfa_passed = false;
    assert!(
        authority
            .decide_family(&admin, ViewFamily, &connected(&[], with_break_glass()))
            .is_err()
    );
}

#[test]
fn break_glass_never_overrides_a_consent_exclusion() {
    let authority = authority();
    let mut admin = staff(&[Role::Administrator], IsaStanding::Current);
    admin.mfa_passed = true;
    let family = connected(&[admin.organisation], with_break_glass());

    assert_eq!(
        authority.decide_family(&admin, ViewFamily, &family).unwrap_err().rule,
        "consent-exclusion"
    );
    assert_eq!(
        authority.decide_family(&admin, OpenBreakGlass, &family).unwrap_err().rule,
        "consent-exclusion"
    );
}

#[test]
fn only_administrators_with_a_second_factor_open_break_glass() {
    let authority = authority();
    let mut admin = staff(&[Role::Administrator], IsaStanding::Current);
    admin.mfa_passed = false;
    let lead = staff(&[Role::LeadProfessional], IsaStanding::Current);
    let family = connected(&[], Relationship::default());

    assert_eq!(
        authority.decide_family(&admin, OpenBreakGlass, &family).unwrap_err().rule,
        "admin-actions-need-a-second-factor"
    );
    admin.mfa_passed = true;
    assert!(authority.decide_family(&admin, OpenBreakGlass, &family).is_ok());
    assert!(authority.decide_family(&lead, OpenBreakGlass, &family_excluding(&[])).is_err());
}

#[test]
fn information_governance_sees_no_case_content() {
    let authority = authority();
    let ig = staff(&[Role::InformationGovernance], IsaStanding::Current);

    let denied = authority.decide_family(&ig, ViewFamily, &family_excluding(&[])).unwrap_err();

    assert_eq!(denied.rule, rules::DEFAULT_DENY);
}

#[test]
fn admin_actions_need_a_second_factor() {
    let authority = authority();
    let admin = Principal {
        mfa_passed: false,
        ..staff(&[Role::Administrator], IsaStanding::Current)
    };
    let ig = Principal {
        mfa_passed: false,
        ..staff(&[Role::InformationGovernance], IsaStanding::Current)
    };

    for denied in [
        authority.decide(&admin, ManageUsers).unwrap_err(),
        authority.decide(&admin, ManageOrganisations).unwrap_err(),
        authority.decide(&admin, IssueApiToken).unwrap_err(),
        authority.decide(&ig, ViewAuditLog).unwrap_err(),
        authority
            .decide_organisation(&admin, ManageOrganisation, OrganisationId::new())
            .unwrap_err(),
        authority
            .decide_organisation(&ig, ManageOrganisation, OrganisationId::new())
            .unwrap_err(),
    ] {
        assert_eq!(denied.rule, "admin-actions-need-a-second-factor");
    }
}

#[test]
fn administrators_with_a_second_factor_run_accounts_organisations_and_tokens() {
    let authority = authority();
    let admin = staff(&[Role::Administrator], IsaStanding::Current);

    assert!(authority.decide(&admin, ManageUsers).is_ok());
    assert!(authority.decide(&admin, ManageOrganisations).is_ok());
    assert!(authority.decide(&admin, IssueApiToken).is_ok());
}

#[test]
fn information_governance_reviews_the_audit_trail_and_administrators_do_not() {
    let authority = authority();
    let ig = staff(&[Role::InformationGovernance], IsaStanding::Current);
    let admin = staff(&[Role::Administrator], IsaStanding::Current);

    assert!(authority.decide(&ig, ViewAuditLog).is_ok());
    assert!(authority.decide(&ig, ManageOrganisations).is_ok());
    assert_eq!(authority.decide(&ig, ManageUsers).unwrap_err().rule, rules::DEFAULT_DENY);
    assert_eq!(authority.decide(&admin, ViewAuditLog).unwrap_err().rule, rules::DEFAULT_DENY);
}

#[test]
fn practitioners_cannot_manage_users_even_with_a_second_factor() {
    let authority = authority();
    let chair = staff(&[Role::PanelChair], IsaStanding::Current);

    let denied = authority.decide(&chair, ManageUsers).unwrap_err();

    assert_eq!(denied.rule, rules::DEFAULT_DENY);
}

#[test]
fn everyone_signed_in_sees_the_directory_and_register_and_manages_their_own_account() {
    let authority = authority();
    let nobody_special = Principal {
        mfa_passed: false,
        ..staff(&[], IsaStanding::Withdrawn)
    };

    assert!(authority.decide(&nobody_special, ViewStaffDirectory).is_ok());
    assert!(authority.decide(&nobody_special, ViewIsaRegister).is_ok());
    let own = authority.decide(&nobody_special, ManageOwnAccount).unwrap();
    assert_eq!(own.principal().user, nobody_special.user);
}

#[test]
fn everyone_signed_in_sees_how_panels_are_set_up() {
    let authority = authority();
    let nobody_special = Principal {
        mfa_passed: false,
        ..staff(&[], IsaStanding::Withdrawn)
    };

    assert!(authority.decide(&nobody_special, ViewPanels).is_ok());
}

#[test]
fn information_governance_cannot_approve_their_own_organisation() {
    let authority = authority();
    let ig = staff(&[Role::InformationGovernance], IsaStanding::Lapsed);
    let without_second_factor = Principal {
        mfa_passed: false,
        ..ig.clone()
    };

    let denied = authority.decide_organisation(&ig, ManageOrganisation, ig.organisation).unwrap_err();
    // A second factor would not help, so that is not what they are told.
    let also_denied = authority
        .decide_organisation(&without_second_factor, ManageOrganisation, ig.organisation)
        .unwrap_err();

    assert_eq!(denied.rule, "not-your-own-organisation");
    assert_eq!(also_denied.rule, "not-your-own-organisation");
    assert_eq!(rules::rule(&denied.rule).unwrap().explanation, denied.explanation);
    // Opening the register's screens is still theirs: only the organisation itself is refused.
    assert!(authority.decide(&ig, ManageOrganisations).is_ok());
}

#[test]
fn an_administrator_cannot_renew_their_own_organisation_either() {
    let authority = authority();
    let admin = staff(&[Role::Administrator, Role::InformationGovernance], IsaStanding::Current);

    let denied = authority
        .decide_organisation(&admin, ManageOrganisation, admin.organisation)
        .unwrap_err();

    assert_eq!(denied.rule, "not-your-own-organisation");
}

#[test]
fn an_administrator_may_renew_another_organisation() {
    let authority = authority();
    let admin = staff(&[Role::Administrator], IsaStanding::Current);
    let ig = staff(&[Role::InformationGovernance], IsaStanding::Current);
    let lapsed_agency = OrganisationId::new();

    assert!(authority.decide_organisation(&admin, ManageOrganisation, lapsed_agency).is_ok());
    assert!(authority.decide_organisation(&ig, ManageOrganisation, lapsed_agency).is_ok());
}

#[test]
fn practitioners_cannot_manage_another_organisation() {
    let authority = authority();
    let chair = staff(&[Role::PanelChair], IsaStanding::Current);

    let denied = authority
        .decide_organisation(&chair, ManageOrganisation, OrganisationId::new())
        .unwrap_err();

    assert_eq!(denied.rule, rules::DEFAULT_DENY);
}

#[test]
fn a_permit_names_the_organisation_it_was_granted_for() {
    let authority = authority();
    let ig = staff(&[Role::InformationGovernance], IsaStanding::Current);
    let applicant = OrganisationId::new();

    let permit = authority.decide_organisation(&ig, ManageOrganisation, applicant).unwrap();

    assert_eq!(permit.principal(), &ig);
    assert_eq!(permit.organisation(), applicant);
    assert_ne!(permit.organisation(), ig.organisation);
    assert_eq!(permit.action(), "ManageOrganisation");
}

#[test]
fn a_permit_says_who_was_allowed_what() {
    let authority = authority();
    let lead = staff(&[Role::LeadProfessional], IsaStanding::Current);
    let family = family_excluding(&[]);

    let permit = authority.decide_family(&lead, ViewFamily, &family).unwrap();

    assert_eq!(permit.principal(), &lead);
    assert_eq!(permit.family(), family.id);
    assert_eq!(permit.action(), "ViewFamily");
}

#[test]
fn every_denial_comes_with_an_explanation_from_the_rules_table() {
    let authority = authority();
    let admin = staff(&[Role::Administrator], IsaStanding::Lapsed);

    let denied = authority.decide(&admin, ViewFamilyList).unwrap_err();

    assert_eq!(rules::rule(&denied.rule).unwrap().explanation, denied.explanation);
    assert_eq!(denied.to_string(), denied.explanation);
}

#[test]
fn one_authority_can_be_shared_by_every_request() {
    fn shared<T: Send + Sync + 'static>() {}
    shared::<Authority>();
}

#[test]
fn mash_case_supervisors_and_locality_managers_may_override_consent_and_panel_chairs_may_not() {
    let a = authority();
    let family = family_excluding(&[]);
    for role in [Role::MashPractitioner, Role::CaseSupervisor, Role::LocalityManager] {
        assert!(
            a.decide_family(&staff(&[role], IsaStanding::Current), AuthoriseConsentOverride, &family)
                .is_ok(),
            "{role:?}"
        );
    }
    for role in [
        Role::PanelChair,
        Role::LeadProfessional,
        Role::AgencyRepresentative,
        Role::BusinessSupport,
    ] {
        assert!(
            a.decide_family(&staff(&[role], IsaStanding::Current), AuthoriseConsentOverride, &family)
                .is_err(),
            "{role:?}"
        );
    }
}

#[test]
fn mash_may_override_consent_for_a_family_it_recorded_at_the_front_door() {
    let recorded = connected(
        &[],
        Relationship {
            recorded_it: true,
            ..Relationship::default()
        },
    );
    let mash = staff(&[Role::MashPractitioner], IsaStanding::Current);
    assert!(authority().decide_family(&mash, AuthoriseConsentOverride, &recorded).is_ok());
    assert!(
        authority()
            .decide_family(&mash, AuthoriseConsentOverride, &connected(&[], Relationship::default()))
            .is_err(),
        "but not for a family it has no connection to"
    );
}

#[test]
fn a_family_excluding_an_organisation_cannot_be_moved_by_its_staff() {
    let lead = staff(&[Role::LeadProfessional], IsaStanding::Current);
    assert!(authority().decide_family(&lead, RecordMove, &family_excluding(&[])).is_ok());
    let denied = authority()
        .decide_family(&lead, RecordMove, &family_excluding(&[lead.organisation]))
        .unwrap_err();
    assert_eq!(denied.rule, "consent-exclusion");
}
