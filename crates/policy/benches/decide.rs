//! How long one access decision takes, end to end through the public API: building the
//! entities for the request, Cedar's evaluation, and turning the answer into a permit or denial.
//! The target is a p99 under 50 µs, so a page listing 50 families can confirm every row.
//!
//! `cargo bench -p earlyhelp-policy`

#![allow(clippy::unwrap_used, reason = "a test or bench should stop loudly at the first surprise")]

use divan::Bencher;
use domain::organisation::IsaStanding;
use domain::role::Role;
use domain::{FamilyId, OrganisationId, UserId};
use earlyhelp_policy::{Authority, FamilyFacts, ManageUsers, Principal, Relationship, ViewFamily, ViewStaffDirectory};

fn main() {
    divan::main();
}

fn lead_professional() -> Principal {
    Principal {
        user: UserId::new(),
        organisation: OrganisationId::new(),
        roles: vec![Role::LeadProfessional, Role::PanelChair],
        isa: IsaStanding::Current,
        mfa_passed: true,
    }
}

/// A family excluding `n` organisations, none of them the asker's.
fn family(n: usize) -> FamilyFacts {
    FamilyFacts {
        id: FamilyId::new(),
        excluded_organisations: (0..n).map(|_| OrganisationId::new()).collect(),
        relationship: Relationship {
            works_with_family: true,
            ..Relationship::default()
        },
    }
}

#[divan::bench]
fn staff_directory_permitted(bencher: Bencher) {
    let authority = Authority::new().unwrap();
    let who = lead_professional();
    bencher.bench(|| authority.decide(divan::black_box(&who), ViewStaffDirectory).is_ok());
}

#[divan::bench]
fn manage_users_denied(bencher: Bencher) {
    let authority = Authority::new().unwrap();
    let who = lead_professional();
    bencher.bench(|| authority.decide(divan::black_box(&who), ManageUsers).is_err());
}

#[divan::bench(args = [0, 3, 20])]
fn view_family(bencher: Bencher, excluded: usize) {
    let authority = Authority::new().unwrap();
    let who = lead_professional();
    let family = family(excluded);
    bencher.bench(|| {
        authority
            .decide_family(divan::black_box(&who), ViewFamily, divan::black_box(&family))
            .is_ok()
    });
}

#[divan::bench]
fn view_family_refused_by_consent(bencher: Bencher) {
    let authority = Authority::new().unwrap();
    let who = lead_professional();
    let family = FamilyFacts {
        id: FamilyId::new(),
        excluded_organisations: vec![who.organisation],
        relationship: Relationship::default(),
    };
    bencher.bench(|| {
        authority
            .decide_family(divan::black_box(&who), ViewFamily, divan::black_box(&family))
            .is_err()
    });
}

#[divan::bench]
fn start_up(bencher: Bencher) {
    bencher.bench(Authority::new);
}
