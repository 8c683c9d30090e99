//! Property tests: random principals and families, rules that must hold for all of them.

#![allow(clippy::unwrap_used, reason = "a test or bench should stop loudly at the first surprise")]

mod support;

use domain::organisation::IsaStanding;
use domain::role::Role;
use domain::{FamilyId, UserId};
use earlyhelp_policy::{
    Authority, FamilyFacts, ManageOrganisation, PanelRelationship, Principal, Relationship, ViewFamily, ViewFamilyList,
};
use proptest::prelude::*;
use std::sync::LazyLock;
use support::{COLUMNS, decide, expected, organisation, outcome};

static AUTHORITY: LazyLock<Authority> = LazyLock::new(|| Authority::new().unwrap());

fn standing() -> impl Strategy<Value = IsaStanding> {
    prop::sample::select(support::STANDINGS.to_vec())
}

fn roles() -> impl Strategy<Value = Vec<Role>> {
    prop::sample::subsequence(Role::ALL.to_vec(), 0..=Role::ALL.len())
}

fn principal_in(organisation_number: u16) -> impl Strategy<Value = Principal> {
    (roles(), standing(), any::<bool>()).prop_map(move |(roles, isa, mfa_passed)| Principal {
        user: UserId::new(),
        organisation: organisation(organisation_number),
        roles,
        isa,
        mfa_passed,
    })
}

/// Any connection the asker may have to a family.
fn relationship() -> impl Strategy<Value = Relationship> {
    (
        any::<bool>(),
        prop::sample::select(vec![PanelRelationship::None, PanelRelationship::Core, PanelRelationship::Invited]),
        any::<bool>(),
        prop::array::uniform4(any::<bool>()),
    )
        .prop_map(
            |(works_with_family, panel, break_glass, [made_one, signs_one_off, screens_one, escalated_to_mash])| Relationship {
                works_with_family,
                panel,
                break_glass,
                recorded_it: made_one && signs_one_off,
                referrals: earlyhelp_policy::ReferralConnection {
                    made_one,
                    signs_one_off,
                    screens_one,
                    escalated_to_mash,
                },
            },
        )
}

/// A family excluding some random organisations (numbered 2..200, never the principal's 1),
/// to which the asker has some random connection.
fn family_excluding_others() -> impl Strategy<Value = FamilyFacts> {
    (prop::collection::vec(2u16..200, 0..6), relationship()).prop_map(|(others, relationship)| FamilyFacts {
        id: FamilyId::new(),
        excluded_organisations: others.into_iter().map(organisation).collect(),
        relationship,
    })
}

proptest! {
    #[test]
    fn staff_of_an_excluded_organisation_never_see_the_family(
        who in principal_in(1),
        mut family in family_excluding_others(),
        position in any::<prop::sample::Index>(),
    ) {
        let at = position.index(family.excluded_organisations.len() + 1);
        family.excluded_organisations.insert(at, who.organisation);

        prop_assert!(AUTHORITY.decide_family(&who, ViewFamily, &family).is_err());
    }

    #[test]
    fn staff_of_an_organisation_that_is_not_a_current_signatory_see_no_family_data(
        who in principal_in(1).prop_filter("not current", |p| p.isa != IsaStanding::Current),
        family in family_excluding_others(),
    ) {
        let list = AUTHORITY.decide(&who, ViewFamilyList).unwrap_err();
        let one = AUTHORITY.decide_family(&who, ViewFamily, &family).unwrap_err();

        prop_assert_eq!(list.rule.as_str(), "isa-signatories-only");
        prop_assert_eq!(one.rule.as_str(), "isa-signatories-only");
    }

    #[test]
    fn exclusions_of_other_organisations_do_not_change_the_decision(
        who in principal_in(1),
        family in family_excluding_others(),
    ) {
        let untouched = FamilyFacts { excluded_organisations: vec![], ..family.clone() };

        prop_assert_eq!(
            AUTHORITY.decide_family(&who, ViewFamily, &family).map(drop),
            AUTHORITY.decide_family(&who, ViewFamily, &untouched).map(drop)
        );
    }

    #[test]
    fn any_set_of_roles_is_decided_as_the_specification_says(who in principal_in(1)) {
        for column in COLUMNS {
            let actual = decide(&AUTHORITY, &who, column);
            prop_assert_eq!(
                outcome(&actual),
                expected(&who.roles, who.isa, who.mfa_passed, column),
                "{:?} {:?} mfa={} {} {:?}",
                who.roles, who.isa, who.mfa_passed, column.action, column.about
            );
        }
    }

    #[test]
    fn a_family_permit_names_the_family_it_was_granted_for(family in family_excluding_others()) {
        let who = Principal {
            user: UserId::new(),
            organisation: organisation(1),
            roles: vec![Role::LeadProfessional],
            isa: IsaStanding::Current,
            mfa_passed: false,
        };

        let family = FamilyFacts { relationship: Relationship { works_with_family: true, ..family.relationship }, ..family };
        let permit = AUTHORITY.decide_family(&who, ViewFamily, &family).unwrap();

        prop_assert_eq!(permit.family(), family.id);
        prop_assert_eq!(permit.principal(), &who);
    }

    #[test]
    fn nobody_may_manage_their_own_organisation_whatever_their_roles(who in principal_in(1)) {
        let denied = AUTHORITY.decide_organisation(&who, ManageOrganisation, who.organisation).unwrap_err();

        prop_assert_eq!(denied.rule.as_str(), "not-your-own-organisation");
    }

    #[test]
    fn an_organisation_permit_names_the_organisation_it_was_granted_for(other in 2u16..200) {
        let who = Principal {
            user: UserId::new(),
            organisation: organisation(1),
            roles: vec![Role::InformationGovernance],
            isa: IsaStanding::Current,
            mfa_passed: true,
        };

        let permit = AUTHORITY.decide_organisation(&who, ManageOrganisation, organisation(other)).unwrap();

        prop_assert_eq!(permit.organisation(), organisation(other));
        prop_assert_eq!(permit.principal(), &who);
    }
}
