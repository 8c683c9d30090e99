//! Who sees which family: the list's SQL filter agrees with the policy for every member of
//! staff, a consent exclusion hides a family everywhere, and sharing and break-glass leave
//! their records. On both engines.

use domain::organisation::{IsaStanding, OrganisationKind};
use domain::{FamilyId, OrganisationId};
use earlyhelp_acceptance::{MovableClock, TestDb, engines};
use policy::{Authority, OpenBreakGlass, Principal, RecordSharing, ReviewBreakGlass, ViewFamily, ViewFamilyList};
use std::collections::BTreeSet;
use std::sync::Arc;
use store::Store;
use store::families::{FamilySearch, NewSharingEntry, SharingDecision};

/// A county big enough that every kind of connection and exclusion occurs.
fn county() -> (county::County, county::Spec) {
    let spec = county::Spec {
        seed: 11,
        families: 120,
        today: time::macros::date!(2026 - 11 - 25),
    };
    (county::generate(&spec), spec)
}

async fn loaded(db: &TestDb) -> (Store, county::County, county::Spec) {
    let store = db.store(Arc::new(MovableClock::new())).await;
    let (county, spec) = county();
    store.load_county(&county, &spec, "hash").await.unwrap();
    (store, county, spec)
}

fn principal(county: &county::County, staff: &county::Staff) -> Principal {
    Principal {
        user: staff.id,
        organisation: staff.organisation,
        roles: staff.roles.clone(),
        isa: county.isa_standing(staff.organisation).unwrap_or(IsaStanding::Pending),
        mfa_passed: true,
    }
}

fn organisation_of_kind(county: &county::County, kind: OrganisationKind) -> OrganisationId {
    county.organisations.iter().find(|o| o.kind == kind).unwrap().id
}

async fn everything_listed(store: &Store, authority: &Authority, who: &Principal, search: &FamilySearch) -> (BTreeSet<FamilyId>, i64) {
    let Ok(permit) = authority.decide(who, ViewFamilyList) else {
        return (BTreeSet::new(), 0);
    };
    let page = store.list_families(authority, &permit, search, 0, 10_000).await.unwrap();
    (page.families.iter().map(|f| f.id).collect(), page.total)
}

engines!(
    the_family_list_shows_exactly_the_families_the_policy_allows_for_every_member_of_staff,
    |db| async move {
        let (store, county, spec) = loaded(&db).await;
        let authority = Authority::new().unwrap();
        let families: Vec<FamilyId> = county.families(&spec).map(|f| f.id).collect();
        let mut someone_sees_something = false;
        for staff in &county.staff {
            let who = principal(&county, staff);
            let (listed, total) = everything_listed(&store, &authority, &who, &FamilySearch::default()).await;
            assert_eq!(total, listed.len() as i64, "{}: the count matches the rows", staff.email);
            let mut allowed = BTreeSet::new();
            if authority.decide(&who, ViewFamilyList).is_ok() {
                // Asked for all the families at once, the store gives each the same facts
                let batch = store.families_facts(&who, &families).await.unwrap();
                assert_eq!(batch.len(), families.len());
                for id in &families {
                    let facts = store.family_facts(&who, *id).await.unwrap().unwrap();
                    assert_eq!(batch.get(id), Some(&facts), "{}: facts read in a batch differ", staff.email);
                    if authority.decide_family(&who, ViewFamily, &facts).is_ok() {
                        allowed.insert(*id);
                    }
                }
            }
            assert_eq!(listed, allowed, "{}: the list and the policy disagree", staff.email);
            someone_sees_something |= !listed.is_empty();
        }
        assert!(someone_sees_something, "the county connects staff to families");
    }
);

engines!(
    consent_excluding_police_hides_family_from_a_police_officer_who_works_with_it,
    |db| async move {
        let (store, county, spec) = loaded(&db).await;
        let authority = Authority::new().unwrap();
        let police = organisation_of_kind(&county, OrganisationKind::Police);
        let family = county
            .families(&spec)
            .find(|f| {
                f.involvement
                    .consent
                    .as_ref()
                    .is_some_and(|c| c.excluded.contains(&police) && c.withdrawn_on.is_none())
            })
            .expect("a family excluding the police");
        let officer = county
            .staff
            .iter()
            .find(|s| {
                s.organisation == police
                    && s.roles
                        .iter()
                        .any(|r| r.code() == "agency_representative" || r.code() == "lead_professional")
            })
            .expect("a police officer who works with families");
        // Someone connects the officer to the family anyway (say, added to its Team Around the
        // Family before the exclusion was recorded).
        db.execute(&format!(
            "INSERT INTO family_workers (family_id, user_id, role, since) VALUES ({}, {}, 'team_around_the_family', '2026-11-01')",
            db.uuid_literal(family.id.0),
            db.uuid_literal(officer.id.0)
        ))
        .await;
        let who = principal(&county, officer);

        let facts = store.family_facts(&who, family.id).await.unwrap().unwrap();
        assert!(facts.relationship.works_with_family);
        assert_eq!(
            authority.decide_family(&who, ViewFamily, &facts).unwrap_err().rule,
            "consent-exclusion"
        );
        let surname = family.people[0].family_name.clone();
        for search in [
            FamilySearch::default(),
            FamilySearch {
                name: Some(surname.to_uppercase()),
                postcode: None,
            },
            FamilySearch {
                name: None,
                postcode: Some(family.postcode.as_str().to_owned()),
            },
        ] {
            let (listed, total) = everything_listed(&store, &authority, &who, &search).await;
            assert!(!listed.contains(&family.id), "{search:?}");
            assert_eq!(total, listed.len() as i64, "the count does not give the family away");
        }
    }
);

engines!(a_name_search_finds_any_member_of_the_family_in_any_case, |db| async move {
    let (store, county, spec) = loaded(&db).await;
    let authority = Authority::new().unwrap();
    let family = county.families(&spec).find(|f| f.involvement.lead_professional.is_some()).unwrap();
    let lead = county
        .staff
        .iter()
        .find(|s| Some(s.id) == family.involvement.lead_professional)
        .unwrap();
    let who = principal(&county, lead);
    let child = family.people.last().unwrap();
    let search = FamilySearch {
        name: Some(format!(
            "  {} {} ",
            child.given_name.to_lowercase(),
            child.family_name.to_uppercase()
        )),
        postcode: None,
    };
    let (listed, _) = everything_listed(&store, &authority, &who, &search).await;
    assert!(listed.contains(&family.id));
    let nobody = FamilySearch {
        name: Some("%".into()),
        postcode: None,
    };
    assert!(
        everything_listed(&store, &authority, &who, &nobody).await.0.is_empty(),
        "% is a character, not a wildcard"
    );
});

engines!(recording_sharing_adds_to_the_familys_sharing_log, |db| async move {
    let (store, county, spec) = loaded(&db).await;
    let authority = Authority::new().unwrap();
    let family = county.families(&spec).find(|f| f.involvement.lead_professional.is_some()).unwrap();
    let lead = county
        .staff
        .iter()
        .find(|s| Some(s.id) == family.involvement.lead_professional)
        .unwrap();
    let who = principal(&county, lead);
    let facts = store.family_facts(&who, family.id).await.unwrap().unwrap();
    let permit = authority.decide_family(&who, RecordSharing, &facts).unwrap();
    let entry = NewSharingEntry {
        decision: SharingDecision::Shared,
        data_categories: "Case summary".into(),
        recipient_organisation: None,
        recipient_user: None,
        recipient_description: "School designated safeguarding lead".into(),
        purpose: "Planning support at school".into(),
        lawful_basis: "Consent".into(),
        method: "secure_email".into(),
        decided_on: spec.today,
    };
    store.record_sharing(&permit, &entry, None, "10.0.0.9").await.unwrap();

    let view = authority.decide_family(&who, ViewFamily, &facts).unwrap();
    let record = store.view_family(&view, "10.0.0.9").await.unwrap().unwrap();
    assert_eq!(record.sharing.len(), 1);
    assert_eq!(record.sharing[0].recipient, "School designated safeguarding lead");
    assert_eq!(record.sharing[0].decided_by, format!("{} {}", lead.given_name, lead.family_name));
    assert!(store.verify_audit_chain().await.unwrap().is_ok());
});

engines!(break_glass_lasts_an_hour_and_is_listed_for_review, |db| async move {
    let clock = MovableClock::new();
    let store = db.store(Arc::new(clock.clone())).await;
    let (county, spec) = county();
    store.load_county(&county, &spec, "hash").await.unwrap();
    let authority = Authority::new().unwrap();
    let admin = county
        .staff
        .iter()
        .find(|s| s.roles.iter().any(|r| r.code() == "administrator") && county.isa_standing(s.organisation) == Some(IsaStanding::Current))
        .unwrap();
    let who = principal(&county, admin);
    let family = county
        .families(&spec)
        .find(|f| {
            f.involvement
                .consent
                .as_ref()
                .is_none_or(|c| !c.excluded.contains(&admin.organisation))
        })
        .unwrap();

    let facts = store.family_facts(&who, family.id).await.unwrap().unwrap();
    assert!(authority.decide_family(&who, ViewFamily, &facts).is_err());
    let open = authority.decide_family(&who, OpenBreakGlass, &facts).unwrap();
    store
        .open_break_glass(&open, "Subject access request from the family", "10.0.0.1")
        .await
        .unwrap();

    let facts = store.family_facts(&who, family.id).await.unwrap().unwrap();
    assert!(authority.decide_family(&who, ViewFamily, &facts).is_ok());
    clock.advance(time::Duration::minutes(61));
    let facts = store.family_facts(&who, family.id).await.unwrap().unwrap();
    assert!(authority.decide_family(&who, ViewFamily, &facts).is_err(), "expired after an hour");

    let ig = county
        .staff
        .iter()
        .find(|s| s.roles.iter().any(|r| r.code() == "information_governance") && s.id != admin.id)
        .unwrap();
    let review = authority.decide(&principal(&county, ig), ReviewBreakGlass).unwrap();
    let grants = store.break_glass_grants(&review).await.unwrap();
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0].reason, "Subject access request from the family");
    store
        .review_break_glass(&review, grants[0].id, "Checked with the SAR log", "10.0.0.2")
        .await
        .unwrap();
    assert!(
        store.review_break_glass(&review, grants[0].id, "again", "10.0.0.2").await.is_err(),
        "reviewed once"
    );
});
