//! How one household is drawn. Family *i* has its own random stream keyed by the seed and *i*,
//! so it is the same whether it is the first family generated or the hundred-thousandth, and a
//! benchmark can generate families in any order or in parallel.

use crate::county::postcode_in;
use crate::seeded::{Stream, shift, unix_ms};
use crate::{Consent, County, Family, Involvement, Locality, Person, Sex, Spec, names};
use domain::OrganisationId;
use domain::family::HouseholdRole;
use domain::organisation::OrganisationKind;
use domain::panel::Membership;
use domain::postcode::Postcode;
use domain::role::Role;
use domain::{FamilyId, PersonId};
use time::Date;

/// Milliseconds of synthetic id time each family takes: its own id and up to six people.
const MS_PER_FAMILY: u64 = 8;
/// Days in a year, near enough for the age ranges below.
const YEAR: u64 = 365;
/// The oldest child: 7 300 days is short of 20 years (at least 7 304 days) however the leap
/// years fall, so every child is 19 or under.
const CHILD_MAX_DAYS: u64 = 20 * YEAR;
/// The youngest adult: 20 years are at most 7 305 days, so 7 310 days is always 20 or over.
const ADULT_MIN_DAYS: u64 = 20 * YEAR + 10;
/// The oldest adult: 61 years are at least 22 280 days, so 21 900 days is always 60 or under.
const ADULT_MAX_DAYS: u64 = 60 * YEAR;

pub(crate) fn generate(localities: &[Locality], spec: &Spec, index: usize) -> Option<Family> {
    let n = u64::try_from(index).unwrap_or(u64::MAX);
    // Family ids carry synthetic timestamps starting a year ago, spaced so that a family's own
    // people (at most six) fit before the next family: ids sort in index order.
    let first_ms = unix_ms(shift(spec.today, -365)).saturating_add(n.saturating_mul(MS_PER_FAMILY));
    let mut s = Stream::new(spec.seed, n, b"earlyhelp-family", first_ms);
    let id = FamilyId(s.uuid());

    let locality = localities.get(s.index(localities.len()))?;
    let area = locality.postcode_areas.get(s.index(locality.postcode_areas.len()))?;
    let postcode = Postcode::parse(&postcode_in(area, &mut s)).ok()?;
    let address_line = address(&mut s);

    // Children first, because the adults' ages follow from the eldest child's.
    let children = match s.between(1, 100) {
        1..=55 => 1,
        56..=85 => 2,
        86..=95 => 3,
        _ => 4,
    };
    let mut child_days: Vec<u64> = (0..children).map(|_| s.between(0, CHILD_MAX_DAYS)).collect();
    child_days.sort_unstable_by(|a, b| b.cmp(a));
    let eldest = child_days.first().copied().unwrap_or(0);

    let surname = s.pick(&names::SURNAMES);
    let mut people = Vec::with_capacity(children + 2);

    let first_role = if s.percent(85) {
        HouseholdRole::Parent
    } else {
        HouseholdRole::Carer
    };
    let first_sex = if s.percent(75) { Sex::Female } else { Sex::Male };
    people.push(adult(&mut s, spec.today, first_role, first_sex, surname, eldest));

    let mut other_surname = None;
    if s.percent(50) {
        let role = match s.between(1, 100) {
            1..=75 => first_role,
            76..=85 => HouseholdRole::Carer,
            _ => HouseholdRole::OtherAdult,
        };
        let sex = match (first_sex, s.percent(90)) {
            (Sex::Female, true) | (Sex::Male, false) => Sex::Male,
            _ => Sex::Female,
        };
        let name = if s.percent(70) {
            surname
        } else {
            let other = s.pick(&names::SURNAMES);
            other_surname = Some(other);
            other
        };
        people.push(adult(&mut s, spec.today, role, sex, name, eldest));
    }

    for days in child_days {
        let sex = if s.percent(50) { Sex::Female } else { Sex::Male };
        // Most children share the family's surname; some have the other adult's, or their
        // other parent's who does not live with them.
        let name = if s.percent(85) {
            surname
        } else {
            other_surname.unwrap_or_else(|| s.pick(&names::SURNAMES))
        };
        people.push(person(&mut s, spec.today, HouseholdRole::Child, sex, name, days));
    }

    Some(Family {
        id,
        locality: locality.id,
        address_line,
        postcode,
        people,
        involvement: Involvement::default(),
        moves: Vec::new(),
    })
}

/// The age a young person with a disability is drawn at: 21 years are at most 7 671 days and
/// 22 years at least 8 035, so 7 695 days is always 21, whatever the leap years.
const YOUNG_PERSON_WITH_DISABILITY_DAYS: u64 = 21 * YEAR + 30;

/// Family *i*'s moves of house and any young person with a disability, from streams of their
/// own (so adding them changed none of the households drawn before). About one family in
/// twelve moved in the last year, half of those from another locality; about one in forty has
/// a young person of 21 with a disability still living at home, where an adult is old enough
/// to be their parent and the family has room for another id.
pub(crate) fn moves_and_disability(localities: &[Locality], spec: &Spec, index: usize, family: &mut Family) {
    let n = u64::try_from(index).unwrap_or(u64::MAX);
    let mut s = Stream::new(spec.seed, n, b"earlyhelp-moves!", 0);
    if s.percent(8) {
        let other = localities
            .iter()
            .filter(|l| l.id != family.locality && !l.postcode_areas.is_empty())
            .collect::<Vec<_>>();
        let from = if s.percent(50) && !other.is_empty() {
            other[s.index(other.len())]
        } else {
            localities.iter().find(|l| l.id == family.locality).unwrap_or(&localities[0])
        };
        if let Some(area) = from.postcode_areas.get(s.index(from.postcode_areas.len()))
            && let Ok(from_postcode) = Postcode::parse(&postcode_in(area, &mut s))
        {
            family.moves.push(crate::Move {
                moved_on: shift(spec.today, -i64::try_from(s.between(20, 330)).unwrap_or(60)),
                from_address_line: address(&mut s),
                from_postcode,
                from_locality: from.id,
            });
        }
    }
    // The family's own id and people take at most seven of its eight milliseconds of id time;
    // the young person takes the eighth.
    let first_ms = unix_ms(shift(spec.today, -365)).saturating_add(n.saturating_mul(MS_PER_FAMILY));
    let mut s = Stream::new(spec.seed, n, b"earlyhelp-disabl", first_ms + MS_PER_FAMILY - 1);
    let parent_old_enough = family.people.iter().any(|p| {
        matches!(p.household_role, HouseholdRole::Parent | HouseholdRole::Carer)
            && domain::family::age_on(p.date_of_birth, spec.today).is_some_and(|a| a >= 40)
    });
    if s.percent(3) && parent_old_enough && family.people.len() < 6 {
        let sex = if s.percent(50) { Sex::Female } else { Sex::Male };
        let surname = family.people.first().map_or("Example", |p| {
            names::SURNAMES.iter().find(|n| **n == p.family_name).copied().unwrap_or("Example")
        });
        let mut young = person(
            &mut s,
            spec.today,
            HouseholdRole::Child,
            sex,
            surname,
            YOUNG_PERSON_WITH_DISABILITY_DAYS,
        );
        young.has_disability = true;
        // Adults first, then children eldest first: the young person is the eldest child.
        let at = family
            .people
            .iter()
            .position(|p| p.household_role == HouseholdRole::Child)
            .unwrap_or(family.people.len());
        family.people.insert(at, young);
    }
}

/// Family *i*'s consent and connections, from a stream of its own (so adding them changed none
/// of the households drawn before). Four in five families have consented; of those, about one
/// in eight asked not to share with the police and one in sixteen not with housing, and one in
/// twenty-five later withdrew. A family with live consent has its case on its locality's panel
/// (some with an extended member invited), and most have a lead professional and a small Team
/// Around the Family.
pub(crate) fn involvement(county: &County, spec: &Spec, index: usize, family: &Family) -> Involvement {
    let n = u64::try_from(index).unwrap_or(u64::MAX);
    let mut s = Stream::new(spec.seed, n, b"earlyhelp-consnt", 0);
    if !s.percent(80) {
        return Involvement::default();
    }
    let of_kind = |kind: OrganisationKind| county.organisations.iter().find(|o| o.kind == kind).map(|o| o.id);
    let mut excluded = Vec::new();
    if s.percent(12) {
        excluded.extend(of_kind(OrganisationKind::Police));
    }
    if s.percent(6) {
        excluded.extend(of_kind(OrganisationKind::Housing));
    }
    let given_on = shift(spec.today, -i64::try_from(s.between(7, 330)).unwrap_or(0));
    let adults = family.people.iter().filter(|p| p.household_role != HouseholdRole::Child).count();
    let withdrawn_on = s.percent(4).then(|| shift(given_on, i64::try_from(s.between(1, 5)).unwrap_or(1)));
    let consent = Consent {
        given_by: s.index(adults.max(1)),
        given_on,
        written: s.percent(70),
        excluded: excluded.clone(),
        review_due: shift(given_on, 365),
        withdrawn_on,
    };
    if withdrawn_on.is_some() {
        return Involvement {
            consent: Some(consent),
            ..Involvement::default()
        };
    }
    let mut involvement = Involvement {
        consent: Some(consent),
        ..Involvement::default()
    };
    // Whoever works with the family must belong to an organisation it did not exclude.
    let allowed = |staff: &&crate::Staff| !excluded.contains(&staff.organisation);
    if let Some(panel) = county.panels.iter().find(|p| p.locality == family.locality)
        && s.percent(85)
    {
        involvement.panel = Some(panel.id);
        let extended: Vec<OrganisationId> = panel
            .members
            .iter()
            .filter(|m| m.membership == Membership::Extended && !excluded.contains(&m.organisation))
            .map(|m| m.organisation)
            .collect();
        if !extended.is_empty() && s.percent(20) {
            involvement.invited.push(extended[s.index(extended.len())]);
        }
    }
    let leads: Vec<&crate::Staff> = county
        .staff
        .iter()
        .filter(|st| st.roles.contains(&Role::LeadProfessional))
        .filter(allowed)
        .collect();
    if !leads.is_empty() && s.percent(70) {
        let lead = leads[s.index(leads.len())].id;
        involvement.lead_professional = Some(lead);
        let team: Vec<&crate::Staff> = county
            .staff
            .iter()
            .filter(|st| {
                st.id != lead
                    && st
                        .roles
                        .iter()
                        .any(|r| matches!(r, Role::AgencyRepresentative | Role::LeadProfessional))
            })
            .filter(allowed)
            .collect();
        for _ in 0..s.between(0, 2) {
            let member = team.get(s.index(team.len())).map(|st| st.id);
            if let Some(member) = member
                && !involvement.team.contains(&member)
            {
                involvement.team.push(member);
            }
        }
    }
    involvement
}

/// "14 Alder Road", or for one family in eight "Flat 3, Heron Court".
fn address(s: &mut Stream) -> String {
    if s.percent(12) {
        format!(
            "Flat {}, {} {}",
            s.between(1, 40),
            s.pick(&names::STREET_STEMS),
            s.pick(&names::BLOCKS)
        )
    } else {
        format!(
            "{} {} {}",
            s.between(1, 160),
            s.pick(&names::STREET_STEMS),
            s.pick(&names::STREET_SUFFIXES)
        )
    }
}

/// An adult aged 20 to 60 who could plausibly be the eldest child's parent (17 to 45 years
/// older) or, for a carer, grandparent (at least 36 years older).
fn adult(s: &mut Stream, today: Date, role: HouseholdRole, sex: Sex, surname: &'static str, eldest: u64) -> Person {
    let (lo, hi) = match role {
        HouseholdRole::Carer => (eldest + 36 * YEAR, ADULT_MAX_DAYS),
        HouseholdRole::OtherAdult => (ADULT_MIN_DAYS, ADULT_MAX_DAYS),
        _ => (eldest + 17 * YEAR, eldest + 45 * YEAR),
    };
    let days = s.between(lo.max(ADULT_MIN_DAYS), hi.min(ADULT_MAX_DAYS));
    person(s, today, role, sex, surname, days)
}

fn person(s: &mut Stream, today: Date, role: HouseholdRole, sex: Sex, surname: &'static str, days_old: u64) -> Person {
    let id = PersonId(s.uuid());
    let given = match sex {
        Sex::Female => s.pick(&names::FEMALE_GIVEN),
        Sex::Male => s.pick(&names::MALE_GIVEN),
    };
    Person {
        id,
        given_name: given.to_owned(),
        family_name: surname.to_owned(),
        date_of_birth: shift(today, -i64::try_from(days_old).unwrap_or(0)),
        sex,
        household_role: role,
        has_disability: false,
    }
}
