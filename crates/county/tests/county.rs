//! The synthetic county's specification: what the demo, the store's tests and the benchmarks may
//! rely on, whatever the seed.

// A test fails by panicking; unwrapping is how these say "this must be there".
#![allow(clippy::unwrap_used, clippy::expect_used)]

use domain::family::{HouseholdRole, age_on};
use domain::locality::locality_for;
use domain::organisation::{IsaStanding, IsaStatus, OrganisationKind};
use domain::panel::{Cadence, Membership, PanelKind};
use domain::password::NewPassword;
use domain::role::Role;
use earlyhelp_county::{County, DEMO_PASSWORD, Family, Panel, Spec, demo_sign_ins, generate};
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};
use time::macros::{date, time};
use time::{Date, Weekday};

const TODAY: Date = date!(2026 - 05 - 14);

fn spec(seed: u64, families: usize) -> Spec {
    Spec {
        seed,
        families,
        today: TODAY,
    }
}

fn demo() -> (Spec, County) {
    let spec = spec(42, 300);
    let county = generate(&spec);
    (spec, county)
}

fn panel(county: &County, kind: PanelKind) -> &Panel {
    county.panels.iter().find(|p| p.kind == kind).unwrap()
}

fn standings(county: &County) -> Vec<IsaStanding> {
    county.organisations.iter().map(|o| o.isa.standing(TODAY)).collect()
}

// ---------------------------------------------------------------- determinism

#[test]
fn same_seed_gives_an_identical_county() {
    let (a, b) = (generate(&spec(7, 0)), generate(&spec(7, 0)));
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
}

#[test]
fn same_seed_gives_identical_families() {
    let spec = spec(7, 500);
    let (a, b) = (generate(&spec), generate(&spec));
    let a: Vec<String> = a.families(&spec).map(|f| format!("{f:?}")).collect();
    let b: Vec<String> = b.families(&spec).map(|f| format!("{f:?}")).collect();
    assert_eq!(a, b);
}

#[test]
fn different_seeds_give_different_families() {
    let (one, two) = (spec(1, 50), spec(2, 50));
    let a: Vec<Family> = generate(&one).families(&one).collect();
    let b: Vec<Family> = generate(&two).families(&two).collect();
    assert!(a.iter().zip(&b).all(|(x, y)| x.id != y.id));
    assert_ne!(
        a.iter().map(|f| &f.address_line).collect::<Vec<_>>(),
        b.iter().map(|f| &f.address_line).collect::<Vec<_>>()
    );
}

#[test]
fn a_family_does_not_depend_on_how_many_families_come_before_it() {
    let (small, large) = (spec(9, 10), spec(9, 1_000));
    let county = generate(&small);
    let first_ten: Vec<Family> = county.families(&large).take(10).collect();
    assert_eq!(county.families(&small).collect::<Vec<_>>(), first_ten);
    assert_eq!(county.family(&large, 777), county.families(&large).nth(777));
}

#[test]
fn the_county_does_not_depend_on_the_number_of_families() {
    assert_eq!(generate(&spec(3, 0)), generate(&spec(3, 100_000)));
}

#[test]
fn families_can_be_iterated_after_the_spec_is_gone() {
    let county = generate(&spec(5, 0));
    let families = county.families(&spec(5, 3));
    assert_eq!(families.count(), 3);
}

// ---------------------------------------------------------------- localities

#[test]
fn there_are_four_localities_each_with_two_to_four_districts() {
    let (_, county) = demo();
    assert_eq!(county.localities.len(), 4);
    for locality in &county.localities {
        let districts: HashSet<&str> = locality.postcode_areas.iter().map(|a| a.split(' ').next().unwrap()).collect();
        assert!((2..=4).contains(&districts.len()), "{}: {districts:?}", locality.name);
        assert!(districts.iter().all(|d| d.starts_with("NX")));
    }
}

#[test]
fn no_postcode_area_belongs_to_two_localities_and_one_district_is_split_by_sector() {
    let (_, county) = demo();
    let table = county.postcode_table();
    let prefixes: HashSet<&str> = table.iter().map(|a| a.prefix.as_str()).collect();
    assert_eq!(prefixes.len(), table.len());
    let split: HashSet<&str> = table
        .iter()
        .filter_map(|a| a.prefix.split_once(' '))
        .map(|(district, _)| district)
        .collect();
    assert!(!split.is_empty());
    for district in split {
        assert!(!prefixes.contains(district), "{district} is listed whole and by sector");
    }
}

// ---------------------------------------------------------------- organisations

#[test]
fn about_twenty_organisations_cover_every_kind_with_two_schools() {
    let (_, county) = demo();
    assert!((18..=24).contains(&county.organisations.len()));
    for kind in OrganisationKind::ALL {
        assert!(county.organisations.iter().any(|o| o.kind == kind), "{kind:?}");
    }
    assert_eq!(
        county.organisations.iter().filter(|o| o.kind == OrganisationKind::School).count(),
        2
    );
}

#[test]
fn exactly_one_organisation_is_pending_and_one_lapsed() {
    let (_, county) = demo();
    let standings = standings(&county);
    assert_eq!(standings.iter().filter(|s| **s == IsaStanding::Pending).count(), 1);
    assert_eq!(standings.iter().filter(|s| **s == IsaStanding::Lapsed).count(), 1);
    assert_eq!(
        standings.iter().filter(|s| **s == IsaStanding::Current).count(),
        county.organisations.len() - 2
    );
    assert!(county.organisations.iter().any(|o| matches!(o.isa, IsaStatus::Applied { .. })));
}

#[test]
fn isa_dates_follow_today_whatever_it_is() {
    for today in [date!(2020 - 02 - 29), date!(2031 - 12 - 31)] {
        let county = generate(&Spec {
            seed: 1,
            families: 0,
            today,
        });
        let standings: Vec<IsaStanding> = county.organisations.iter().map(|o| o.isa.standing(today)).collect();
        assert_eq!(
            standings.iter().filter(|s| **s == IsaStanding::Current).count(),
            county.organisations.len() - 2
        );
    }
}

#[test]
fn the_mash_police_and_camhs_require_a_second_factor_and_family_services_does_not() {
    let (_, county) = demo();
    for o in &county.organisations {
        if matches!(o.kind, OrganisationKind::Mash | OrganisationKind::Police | OrganisationKind::Camhs) {
            assert!(o.mfa_required, "{}", o.name);
        }
        if o.kind == OrganisationKind::FamilyServices {
            assert!(!o.mfa_required, "{}", o.name);
        }
    }
    assert!(county.organisations.iter().any(|o| !o.mfa_required));
}

#[test]
fn organisations_have_distinct_ids_names_and_fictional_secure_domains() {
    let (_, county) = demo();
    let ids: HashSet<_> = county.organisations.iter().map(|o| o.id).collect();
    let names: HashSet<_> = county.organisations.iter().map(|o| &o.name).collect();
    let domains: HashSet<_> = county.organisations.iter().map(|o| &o.secure_email_domain).collect();
    assert_eq!(ids.len(), county.organisations.len());
    assert_eq!(names.len(), county.organisations.len());
    assert_eq!(domains.len(), county.organisations.len());
    assert!(domains.iter().all(|d| d.ends_with(".example")));
    assert!(county.organisations.iter().all(|o| o.address.contains(" NX")));
}

// ---------------------------------------------------------------- staff

#[test]
fn about_sixty_staff_hold_every_role() {
    let (_, county) = demo();
    assert!((50..=70).contains(&county.staff.len()));
    for role in Role::ALL {
        assert!(county.staff.iter().any(|s| s.roles.contains(&role)), "{role:?}");
    }
}

#[test]
fn some_chairs_are_also_lead_professionals() {
    let (_, county) = demo();
    assert!(
        county
            .staff
            .iter()
            .any(|s| s.roles.contains(&Role::PanelChair) && s.roles.contains(&Role::LeadProfessional))
    );
}

#[test]
fn mash_practitioners_work_in_the_mash_and_administrators_in_family_services() {
    let (_, county) = demo();
    let kind = |s: &earlyhelp_county::Staff| {
        county
            .organisations
            .iter()
            .find(|o| o.id == s.organisation)
            .map(|o| o.kind)
            .unwrap()
    };
    for s in &county.staff {
        if s.roles.contains(&Role::MashPractitioner) {
            assert_eq!(kind(s), OrganisationKind::Mash);
        }
        if s.roles.contains(&Role::Administrator) {
            assert_eq!(kind(s), OrganisationKind::FamilyServices);
        }
    }
    let admins = county.staff.iter().filter(|s| s.roles.contains(&Role::Administrator)).count();
    assert!((1..=2).contains(&admins));
}

#[test]
fn agency_representatives_are_spread_across_organisations() {
    let (_, county) = demo();
    let orgs: HashSet<_> = county
        .staff
        .iter()
        .filter(|s| s.roles.contains(&Role::AgencyRepresentative))
        .map(|s| s.organisation)
        .collect();
    assert!(orgs.len() >= 15);
}

#[test]
fn staff_emails_are_unique_lower_case_and_on_their_organisations_domain() {
    for seed in 0..20 {
        let county = generate(&spec(seed, 0));
        let domains: HashMap<_, _> = county.organisations.iter().map(|o| (o.id, &o.secure_email_domain)).collect();
        let emails: HashSet<&str> = county.staff.iter().map(|s| s.email.as_str()).collect();
        assert_eq!(emails.len(), county.staff.len());
        for s in &county.staff {
            let email = s.email.as_str();
            assert_eq!(email, email.to_lowercase());
            assert_eq!(s.email.domain(), domains[&s.organisation].as_str());
            let local = email.split('@').next().unwrap();
            let expected: String = format!("{}.{}", s.given_name, s.family_name)
                .to_lowercase()
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
                .collect();
            assert!(local.starts_with(&expected), "{email}");
            assert!(local[expected.len()..].chars().all(|c| c.is_ascii_digit()), "{email}");
        }
    }
}

#[test]
fn colliding_staff_names_get_a_digit_suffix() {
    // With ten thousand names to choose from, sixty staff collide now and then; some seed shows it.
    let suffixed = (0..500).any(|seed| {
        generate(&spec(seed, 0))
            .staff
            .iter()
            .any(|s| s.email.as_str().split('@').next().unwrap().ends_with(|c: char| c.is_ascii_digit()))
    });
    assert!(suffixed);
}

// ---------------------------------------------------------------- demo sign-in

#[test]
fn every_role_has_a_demo_sign_in_at_a_current_signatory() {
    let (_, county) = demo();
    let sign_ins = demo_sign_ins(&county);
    assert_eq!(sign_ins.iter().map(|(r, _)| *r).collect::<Vec<_>>(), Role::ALL.to_vec());
    for (role, email) in &sign_ins {
        let staff = county.staff.iter().find(|s| &s.email == email).unwrap();
        assert!(staff.roles.contains(role));
        assert_eq!(county.isa_standing(staff.organisation), Some(IsaStanding::Current), "{role:?}");
    }
}

#[test]
fn demo_sign_ins_are_distinct_people() {
    let (_, county) = demo();
    let emails: HashSet<_> = demo_sign_ins(&county).into_iter().map(|(_, e)| e).collect();
    assert_eq!(emails.len(), Role::ALL.len());
}

#[test]
fn the_demo_password_meets_the_password_rule() {
    assert!(NewPassword::parse(DEMO_PASSWORD, &[]).is_ok());
}

// ---------------------------------------------------------------- panels

#[test]
fn there_is_a_panel_of_every_kind() {
    let (_, county) = demo();
    for kind in PanelKind::ALL {
        assert_eq!(county.panels.iter().filter(|p| p.kind == kind).count(), 1, "{kind:?}");
    }
}

#[test]
fn the_multi_agency_panel_meets_every_tuesday() {
    let (_, county) = demo();
    let p = panel(&county, PanelKind::MultiAgencyPanel);
    assert_eq!(p.cadence, Cadence::Weekly { weekday: Weekday::Tuesday });
    assert_eq!(p.chairs.len(), 1);
}

#[test]
fn the_locality_and_communities_panel_meets_fortnightly_on_thursday_morning_with_two_alternating_chairs() {
    let (_, county) = demo();
    let p = panel(&county, PanelKind::LocalityAndCommunitiesPanel);
    let Cadence::Fortnightly {
        weekday: Weekday::Thursday,
        first,
    } = p.cadence
    else {
        panic!("{:?}", p.cadence);
    };
    assert_eq!(first.weekday(), Weekday::Thursday);
    assert!(first >= TODAY);
    assert_eq!((p.starts_at, p.ends_at), (time!(09:00), time!(11:00)));
    assert_eq!(p.chairs.len(), 2);
    assert_ne!(p.chairs[0], p.chairs[1]);
}

#[test]
fn the_forum_meets_on_the_second_tuesday_with_core_and_extended_members() {
    let (_, county) = demo();
    let p = panel(&county, PanelKind::EarlyHelpForum);
    assert_eq!(
        p.cadence,
        Cadence::MonthlyNthWeekday {
            nth: 2,
            weekday: Weekday::Tuesday
        }
    );
    assert!(p.members.iter().any(|m| m.membership == Membership::Core));
    assert!(p.members.iter().any(|m| m.membership == Membership::Extended));
}

#[test]
fn the_forums_conflict_of_interest_statement_rules_out_endorsement_and_procurement_in_its_own_words() {
    let (_, county) = demo();
    let statement = panel(&county, PanelKind::EarlyHelpForum)
        .conflict_of_interest_statement
        .to_lowercase();
    for word in ["endorse", "provider", "commissioning", "procurement"] {
        assert!(statement.contains(word), "{word}");
    }
    assert!(!statement.contains("will not promote or endorse the services of an individual provider"));
}

#[test]
fn the_complex_meeting_has_twelve_set_dates_in_the_year_ahead() {
    let (_, county) = demo();
    let Cadence::Dates { dates } = &panel(&county, PanelKind::ComplexMultiAgencyMeeting).cadence else {
        panic!("not set dates");
    };
    assert_eq!(dates.len(), 12);
    assert!(dates.windows(2).all(|w| w[0] < w[1]));
    assert!(dates.iter().all(|d| *d > TODAY && (*d - TODAY).whole_days() <= 400));
}

#[test]
fn every_panel_has_a_locality_venue_chairs_business_support_and_members_from_known_agencies() {
    let (_, county) = demo();
    let staff: HashMap<_, _> = county.staff.iter().map(|s| (s.id, s)).collect();
    let localities: HashSet<_> = county.localities.iter().map(|l| l.id).collect();
    let orgs: HashSet<_> = county.organisations.iter().map(|o| o.id).collect();
    for p in &county.panels {
        assert!(localities.contains(&p.locality), "{}", p.name);
        assert!(!p.venue.is_empty() && !p.conflict_of_interest_statement.is_empty());
        assert!(p.starts_at < p.ends_at);
        assert!(!p.chairs.is_empty());
        assert!(p.chairs.iter().all(|c| staff[c].roles.contains(&Role::PanelChair)));
        assert!(staff[&p.business_support].roles.contains(&Role::BusinessSupport));
        assert!(p.members.iter().any(|m| m.membership == Membership::Core));
        assert!(p.members.iter().any(|m| m.user.is_some()));
        for m in &p.members {
            assert!(orgs.contains(&m.organisation));
            if let Some(user) = m.user {
                assert_eq!(staff[&user].organisation, m.organisation);
            }
        }
    }
}

#[test]
fn panel_chairs_and_business_support_work_for_current_signatories() {
    let (_, county) = demo();
    for p in &county.panels {
        for user in p.chairs.iter().chain([&p.business_support]) {
            let s = county.staff.iter().find(|s| s.id == *user).unwrap();
            assert_eq!(county.isa_standing(s.organisation), Some(IsaStanding::Current));
        }
    }
}

// ---------------------------------------------------------------- families

#[test]
fn every_family_postcode_falls_in_its_locality() {
    let (spec, county) = demo();
    let table = county.postcode_table();
    for family in county.families(&spec) {
        assert_eq!(locality_for(&family.postcode, &table), Some(family.locality), "{}", family.postcode);
    }
}

#[test]
fn the_spec_gives_exactly_that_many_families_across_every_locality() {
    let (spec, county) = demo();
    let families: Vec<Family> = county.families(&spec).collect();
    assert_eq!(families.len(), 300);
    let localities: HashSet<_> = families.iter().map(|f| f.locality).collect();
    assert_eq!(localities.len(), 4);
}

#[test]
fn families_average_about_three_people_with_one_or_two_adults_and_one_to_four_children_under_twenty() {
    let spec = spec(11, 5_000);
    let county = generate(&spec);
    let mut people = 0;
    for family in county.families(&spec) {
        let children = family.people.iter().filter(|p| p.household_role == HouseholdRole::Child).count();
        let adults = family.people.len() - children;
        let young_people_with_a_disability = family.people.iter().filter(|p| p.has_disability).count();
        assert!((1..=2).contains(&adults));
        assert!((1..=4).contains(&(children - young_people_with_a_disability)));
        assert!(young_people_with_a_disability <= 1);
        people += family.people.len();
    }
    let mean = people as f64 / 5_000.0;
    assert!((2.7..=3.6).contains(&mean), "{mean}");
}

#[test]
fn children_are_nineteen_or_under_or_twenty_one_with_a_disability_and_adults_twenty_to_sixty() {
    let spec = spec(12, 2_000);
    let county = generate(&spec);
    for person in county.families(&spec).flat_map(|f| f.people) {
        let age = age_on(person.date_of_birth, TODAY).unwrap();
        match (person.household_role, person.has_disability) {
            (HouseholdRole::Child, false) => assert!(age <= 19, "{age}"),
            (HouseholdRole::Child, true) => assert_eq!(age, 21),
            _ => assert!((20..=60).contains(&age), "{age}"),
        }
    }
}

#[test]
fn adults_include_parents_carers_and_other_adults() {
    let spec = spec(13, 1_000);
    let roles: HashSet<HouseholdRole> = generate(&spec)
        .families(&spec)
        .flat_map(|f| f.people)
        .map(|p| p.household_role)
        .collect();
    assert_eq!(roles.len(), HouseholdRole::ALL.len());
}

#[test]
fn family_members_mostly_share_a_surname() {
    let spec = spec(14, 1_000);
    let (mut shared, mut people) = (0, 0);
    for family in generate(&spec).families(&spec) {
        let first = family.people[0].family_name.clone();
        shared += family.people.iter().filter(|p| p.family_name == first).count();
        people += family.people.len();
    }
    assert!(shared * 10 >= people * 8, "{shared} of {people}");
    assert!(shared < people, "some families have more than one surname");
}

#[test]
fn addresses_look_like_street_addresses() {
    let (spec, county) = demo();
    for family in county.families(&spec) {
        let first = family.address_line.split([' ', ',']).next().unwrap();
        assert!(first == "Flat" || first.parse::<u32>().is_ok(), "{}", family.address_line);
        assert!(family.address_line.split(' ').count() >= 3);
    }
}

#[test]
fn ids_are_unique_across_the_county_and_its_families() {
    let (spec, county) = demo();
    let mut ids = HashSet::new();
    ids.extend(county.localities.iter().map(|l| l.id.0));
    ids.extend(county.organisations.iter().map(|o| o.id.0));
    ids.extend(county.staff.iter().map(|s| s.id.0));
    ids.extend(county.panels.iter().map(|p| p.id.0));
    let mut expected = ids.len();
    assert_eq!(expected, 4 + county.organisations.len() + county.staff.len() + county.panels.len());
    for family in county.families(&spec) {
        expected += 1 + family.people.len();
        ids.insert(family.id.0);
        ids.extend(family.people.iter().map(|p| p.id.0));
    }
    assert_eq!(ids.len(), expected);
    assert!(ids.iter().all(|id| id.get_version_num() == 7));
}

#[test]
fn family_ids_sort_in_the_order_families_were_generated() {
    let (spec, county) = demo();
    let ids: Vec<_> = county.families(&spec).map(|f| f.id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn sex_codes_are_stable() {
    assert_eq!(earlyhelp_county::Sex::Female.code(), "female");
    assert_eq!(earlyhelp_county::Sex::Male.code(), "male");
}

#[test]
fn one_hundred_thousand_families_generate() {
    let spec = spec(2026, 100_000);
    let county = generate(&spec);
    assert_eq!(county.families(&spec).count(), 100_000);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_family_of_any_seed_is_well_formed(seed in any::<u64>(), index in 0usize..1_000_000, day in 0i64..20_000) {
        let today = date!(1990 - 01 - 01) + time::Duration::days(day);
        let spec = Spec { seed, families: index + 1, today };
        let county = generate(&spec);
        let family = county.family(&spec, index).unwrap();
        prop_assert_eq!(locality_for(&family.postcode, &county.postcode_table()), Some(family.locality));
        for person in &family.people {
            let age = age_on(person.date_of_birth, today).unwrap();
            let in_range = if person.household_role == HouseholdRole::Child {
                domain::family::in_early_help_age_range(person.date_of_birth, today, person.has_disability)
            } else {
                (20..=60).contains(&age)
            };
            prop_assert!(in_range, "{:?} aged {}", person.household_role, age);
        }
    }
}

// ---------------------------------------------------------------- referrals

#[test]
fn the_demo_county_has_families_at_every_stage_of_the_referral_pathway() {
    use domain::referral::Route;
    use earlyhelp_county::Stage;
    let (spec, county) = demo();
    let referrals: Vec<(Family, earlyhelp_county::Referral)> = county
        .families(&spec)
        .flat_map(|f| f.involvement.referrals.clone().into_iter().map(move |r| (f.clone(), r)))
        .collect();
    let count = |p: &dyn Fn(&earlyhelp_county::Referral) -> bool| referrals.iter().filter(|(_, r)| p(r)).count();
    assert!(
        count(&|r| r.route == Route::MashDecision && r.stage == Stage::AwaitingScreening) >= 5,
        "new MASH decisions"
    );
    assert!(
        count(&|r| r.route == Route::StepDown && r.stage == Stage::AwaitingSignOff) >= 3,
        "step-downs awaiting sign-off"
    );
    assert!(
        count(&|r| r.route == Route::StepUp && r.stage == Stage::AwaitingSignOff) >= 1,
        "step-ups awaiting sign-off"
    );
    assert!(count(&|r| matches!(r.stage, Stage::Returned { .. })) >= 1, "returned");
    assert!(
        count(&|r| r.urgent && r.stage == Stage::EscalatedToMash) >= 3,
        "urgent concerns with MASH"
    );
    assert!(
        count(&|r| matches!(r.stage, Stage::AcceptedForPanel { .. })) >= 10,
        "accepted for panel"
    );
    assert!(
        count(&|r| matches!(r.stage, Stage::Closed { .. })) >= 3,
        "closed a while ago, so re-referred now"
    );
    assert!(
        referrals
            .iter()
            .any(|(f, r)| r.stage == Stage::AwaitingScreening && f.involvement.consent.as_ref().is_some_and(|c| !c.excluded.is_empty())),
        "a new referral whose consent excludes an organisation"
    );
}

#[test]
fn the_demo_county_has_families_that_moved_some_from_another_locality() {
    // The tests' county and the one `earlyhelp demo` serves.
    for seed in [42, 2026] {
        let spec = spec(seed, 300);
        let county = generate(&spec);
        let table = county.postcode_table();
        let moved: Vec<Family> = county.families(&spec).filter(|f| !f.moves.is_empty()).collect();
        assert!(moved.len() >= 5, "{} families moved", moved.len());
        assert!(
            moved.iter().any(|f| f.moves[0].from_locality != f.locality),
            "one moved between localities"
        );
        assert!(
            moved.iter().any(|f| f.moves[0].from_locality == f.locality),
            "one moved within its locality"
        );
        for f in &moved {
            let m = &f.moves[0];
            assert_eq!(
                locality_for(&m.from_postcode, &table),
                Some(m.from_locality),
                "the old postcode fits its locality"
            );
            assert!(m.moved_on <= TODAY && m.moved_on > TODAY - time::Duration::days(365));
        }
    }
}

#[test]
fn the_demo_county_has_a_young_person_of_twenty_one_with_a_disability() {
    // The tests' county and the one `earlyhelp demo` serves.
    for seed in [42, 2026] {
        let spec = spec(seed, 300);
        let county = generate(&spec);
        let young: Vec<_> = county
            .families(&spec)
            .flat_map(|f| f.people)
            .filter(|p| p.household_role == HouseholdRole::Child && p.has_disability)
            .collect();
        assert!(!young.is_empty());
        for p in young {
            assert_eq!(age_on(p.date_of_birth, TODAY), Some(21));
            assert!(domain::family::in_early_help_age_range(p.date_of_birth, TODAY, true));
            assert!(!domain::family::in_early_help_age_range(p.date_of_birth, TODAY, false));
        }
    }
}

#[test]
fn the_demo_county_has_a_referral_made_without_consent_on_an_override_by_mash() {
    // The tests' county and the one `earlyhelp demo` serves.
    for seed in [42, 2026] {
        let spec = spec(seed, 300);
        let county = generate(&spec);
        let mash: HashSet<_> = county
            .staff
            .iter()
            .filter(|s| s.roles.contains(&Role::MashPractitioner))
            .map(|s| s.id)
            .collect();
        let overridden: Vec<(Family, earlyhelp_county::Referral)> = county
            .families(&spec)
            .flat_map(|f| {
                f.involvement
                    .referrals
                    .clone()
                    .into_iter()
                    .filter(|r| r.consent_override.is_some())
                    .map(move |r| (f.clone(), r))
            })
            .collect();
        assert!(!overridden.is_empty());
        for (f, r) in overridden {
            assert!(
                f.involvement.consent.as_ref().is_none_or(|c| c.withdrawn_on.is_some()),
                "only where there is no consent"
            );
            assert!(mash.contains(&r.referred_by), "authorised by a MASH practitioner");
            assert!(!r.urgent);
        }
    }
}

#[test]
fn no_referral_is_made_or_signed_off_by_someone_the_family_excluded() {
    let (spec, county) = demo();
    let organisation_of: HashMap<_, _> = county.staff.iter().map(|s| (s.id, s.organisation)).collect();
    for f in county.families(&spec) {
        let excluded = f.involvement.consent.as_ref().map(|c| c.excluded.clone()).unwrap_or_default();
        for r in &f.involvement.referrals {
            assert!(!excluded.contains(&organisation_of[&r.referred_by]));
            if let Some(s) = r.sign_off_by {
                assert!(!excluded.contains(&organisation_of[&s]));
            }
        }
    }
}

#[test]
fn step_downs_name_a_case_supervisor_and_step_ups_a_locality_manager() {
    let (spec, county) = demo();
    let roles: HashMap<_, _> = county.staff.iter().map(|s| (s.id, s.roles.clone())).collect();
    for f in county.families(&spec) {
        for r in &f.involvement.referrals {
            match r.route.signed_off_by() {
                Some(role) => assert!(roles[&r.sign_off_by.unwrap()].contains(&role)),
                None => assert!(r.sign_off_by.is_none()),
            }
        }
    }
}

#[test]
fn the_demo_sign_ins_have_referrals_to_act_on() {
    use earlyhelp_county::Stage;
    // The demo's own seed (`earlyhelp demo`): the README tells a newcomer to sign in as the chair
    // to screen and as the case supervisor to sign off.
    let spec = spec(2026, 300);
    let county = generate(&spec);
    let id_of = |role: Role| {
        let email = demo_sign_ins(&county).into_iter().find(|(r, _)| *r == role).unwrap().1;
        county.staff.iter().find(|s| s.email == email).unwrap().id
    };
    let referrals: Vec<(Family, earlyhelp_county::Referral)> = county
        .families(&spec)
        .flat_map(|f| f.involvement.referrals.clone().into_iter().map(move |r| (f.clone(), r)))
        .collect();
    for role in [Role::CaseSupervisor, Role::LocalityManager] {
        let who = id_of(role);
        assert!(
            referrals
                .iter()
                .any(|(_, r)| r.sign_off_by == Some(who) && r.stage == Stage::AwaitingSignOff),
            "the demo {role:?} has a checklist to sign off"
        );
    }
    let chair = id_of(Role::PanelChair);
    let localities: Vec<_> = county
        .panels
        .iter()
        .filter(|p| p.chairs.contains(&chair))
        .map(|p| p.locality)
        .collect();
    let to_screen = referrals
        .iter()
        .filter(|(f, r)| localities.contains(&f.locality) && r.stage == Stage::AwaitingScreening)
        .count();
    assert!(to_screen >= 2, "the demo chair has referrals to screen ({to_screen})");
}
