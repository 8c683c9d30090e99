//! The fixed shape of Northmere: its localities, member agencies, staff posts and panels are
//! written out here as plans, and the seed only chooses names, ids, addresses and dates. A
//! fixed shape keeps the demo recognisable and lets tests speak of "the pending organisation"
//! or "the locality and communities panel" whatever the seed.

use crate::seeded::{Stream, shift, unix_ms};
use crate::{County, Locality, Organisation, Panel, PanelMember, Spec, Staff, names};
use domain::email::EmailAddress;
use domain::organisation::{IsaStatus, OrganisationKind};
use domain::panel::{Cadence, Membership, PanelKind};
use domain::role::Role;
use domain::{LocalityId, OrganisationId, PanelId, UserId};
use std::collections::HashSet;
use time::macros::time;
use time::{Date, Month, Time, Weekday};

const COUNCIL: &str = "Northmere Council";

/// A locality: its name, the town its offices are in, where its panel meets, and its postcode
/// areas. NX4 is split between East and West by sector, as real districts sometimes are.
struct LocalityPlan {
    name: &'static str,
    town: &'static str,
    venue: &'static str,
    areas: &'static [&'static str],
}

const LOCALITIES: [LocalityPlan; 4] = [
    LocalityPlan {
        name: "North",
        town: "Marrowby",
        venue: "Marrowby Family Hub, Meeting Room 1",
        areas: &["NX1", "NX2", "NX3"],
    },
    LocalityPlan {
        name: "South",
        town: "Northmere",
        venue: "Northmere Civic Centre, Committee Room B",
        areas: &["NX5", "NX6"],
    },
    LocalityPlan {
        name: "East",
        town: "Kelby Marsh",
        venue: "Kelby Marsh Children's Centre, Community Room",
        areas: &["NX4 1", "NX4 2", "NX4 3", "NX4 4", "NX7", "NX8"],
    },
    LocalityPlan {
        name: "West",
        town: "Wrenford",
        venue: "Wrenford Library, Learning Suite",
        areas: &["NX4 5", "NX4 6", "NX4 7", "NX4 8", "NX4 9", "NX9", "NX10"],
    },
];

/// Where an organisation is meant to stand with the ISA on `today`.
#[derive(Clone, Copy, PartialEq)]
enum Standing {
    Current,
    Pending,
    Lapsed,
}

struct OrganisationPlan {
    name: &'static str,
    kind: OrganisationKind,
    domain: &'static str,
    /// Who signs the ISA for it.
    signatory: &'static str,
    standing: Standing,
    mfa: bool,
    /// Index into [`LOCALITIES`] of the locality its office is in.
    locality: usize,
}

const fn org(
    name: &'static str,
    kind: OrganisationKind,
    domain: &'static str,
    signatory: &'static str,
    standing: Standing,
    mfa: bool,
    locality: usize,
) -> OrganisationPlan {
    OrganisationPlan {
        name,
        kind,
        domain,
        signatory,
        standing,
        mfa,
        locality,
    }
}

use OrganisationKind as K;
use Standing::{Current, Lapsed, Pending};

/// Twenty agencies, one of every kind and two schools. The voluntary-sector charity has applied
/// and is waiting for approval; the Jobcentre's review date has passed. The MASH, police and
/// CAMHS require a second factor of all their staff; family services leaves it to the roles
/// that always need one (administrators, information governance), so a newcomer to the demo
/// can sign in as a chair or business support officer without an authenticator app.
#[rustfmt::skip]
const ORGANISATIONS: [OrganisationPlan; 20] = [
    org("Northmere Council Family Services", K::FamilyServices, "familyservices.northmere.example", "Director of Children's Services", Current, false, 1),
    org("Northmere Multi-Agency Safeguarding Hub", K::Mash, "mash.northmere.example", "Head of Safeguarding", Current, true, 1),
    org("Northmere Children's Centres", K::ChildrensCentre, "childrenscentres.northmere.example", "Children's Centres Manager", Current, false, 2),
    org("Northmere Youth Service", K::YouthService, "youth.northmere.example", "Head of Youth Services", Current, false, 0),
    org("Northmere 0–25 Disability Service", K::DisabilityService, "disability.northmere.example", "Service Manager", Current, false, 1),
    org("Northmere Community Health NHS Trust — Health Visiting", K::HealthVisiting, "healthvisiting.nmch.nhs.example", "Caldicott Guardian", Current, false, 0),
    org("Northmere Community Health NHS Trust — School Nursing", K::SchoolNursing, "schoolnursing.nmch.nhs.example", "Caldicott Guardian", Current, false, 0),
    org("Northmere and Fenwick Hospitals — Midwifery", K::Midwifery, "midwifery.nfh.nhs.example", "Head of Midwifery", Current, false, 1),
    org("Northmere Partnership Trust — CAMHS", K::Camhs, "camhs.nmpt.nhs.example", "Caldicott Guardian", Current, true, 3),
    org("Alder Bank Primary School", K::School, "alderbank.schools.northmere.example", "Headteacher", Current, false, 0),
    org("Kestrel Vale Academy", K::School, "kestrelvale.schools.northmere.example", "Principal", Current, false, 2),
    org("Northmere Education Welfare Service", K::EducationWelfare, "educationwelfare.northmere.example", "Principal Education Welfare Officer", Current, false, 1),
    org("Northmere Constabulary", K::Police, "police.northmere.example", "Superintendent, Public Protection", Current, true, 1),
    org("Northmere Community Safety Partnership", K::CommunitySafety, "communitysafety.northmere.example", "Community Safety Manager", Current, false, 3),
    org("Northmere Homes", K::Housing, "northmerehomes.example", "Head of Housing Needs", Current, false, 2),
    org("Jobcentre Plus Northmere", K::Jobcentre, "northmere.jobcentre.example", "Partnership Manager", Lapsed, false, 1),
    org("Clearwater Recovery Service", K::SubstanceMisuse, "clearwater-recovery.example", "Service Manager", Current, false, 3),
    org("Safe Harbour Northmere", K::DomesticAbuse, "safeharbour-northmere.example", "Chief Executive", Current, false, 2),
    org("Northmere Adult Social Care", K::AdultSocialCare, "adultcare.northmere.example", "Principal Social Worker", Current, false, 1),
    org("Northmere Families Together", K::Voluntary, "familiestogether.example", "Chair of Trustees", Pending, false, 0),
];

// Indexes into ORGANISATIONS, for the staff plan.
const FS: usize = 0;
const MASH: usize = 1;
const CC: usize = 2;
const YOUTH: usize = 3;
const DIS: usize = 4;
const HV: usize = 5;
const SN: usize = 6;
const MW: usize = 7;
const CAMHS: usize = 8;
const PRIMARY: usize = 9;
const SECONDARY: usize = 10;
const EWS: usize = 11;
const POLICE: usize = 12;
const CSP: usize = 13;
const HOUSING: usize = 14;
const JCP: usize = 15;
const SMS: usize = 16;
const DA: usize = 17;
const ASC: usize = 18;
const VCS: usize = 19;

struct StaffPlan {
    org: usize,
    job_title: &'static str,
    roles: &'static [Role],
}

const fn post(org: usize, job_title: &'static str, roles: &'static [Role]) -> StaffPlan {
    StaffPlan { org, job_title, roles }
}

use Role::{
    Administrator as ADMIN, AgencyRepresentative as REP, BusinessSupport as BSO, CaseSupervisor as SUP, InformationGovernance as IG,
    LeadProfessional as LP, LocalityManager as LM, MashPractitioner as MP, PanelChair as CHAIR,
};

/// Sixty posts. Chairs and business support sit in family services, in the order panels take
/// them (see [`panels`]); one of the locality and communities panel's alternating chairs comes
/// from the youth service, as chairs in the seeds come from more than one agency.
const STAFF: [StaffPlan; 60] = [
    // Family services: chairs, business support, the people who run the service.
    post(FS, "Early help co-ordinator", &[CHAIR, LP]),
    post(FS, "Early help co-ordinator", &[CHAIR]),
    post(FS, "Early help forum lead", &[CHAIR, LP]),
    post(FS, "Complex families co-ordinator", &[CHAIR]),
    post(FS, "Business support officer", &[BSO]),
    post(FS, "Business support officer", &[BSO]),
    post(FS, "Business support officer", &[BSO]),
    post(FS, "Business support officer", &[BSO]),
    post(FS, "Family support worker", &[LP]),
    post(FS, "Family support worker", &[LP]),
    post(FS, "Family support worker", &[LP]),
    post(FS, "Family support worker", &[LP]),
    post(FS, "Early help practitioner", &[REP]),
    post(FS, "Early help team manager", &[SUP]),
    post(FS, "Early help locality manager", &[LM]),
    post(FS, "Information governance officer", &[IG]),
    post(FS, "Systems administrator", &[ADMIN]),
    post(FS, "Systems administrator", &[ADMIN]),
    // The MASH.
    post(MASH, "MASH social worker", &[MP]),
    post(MASH, "MASH social worker", &[MP]),
    post(MASH, "MASH practitioner", &[MP]),
    post(MASH, "MASH team manager", &[MP, SUP]),
    // Agency representatives, some also lead professionals.
    post(CC, "Children's centre family worker", &[REP, LP]),
    post(CC, "Children's centre outreach worker", &[REP]),
    post(YOUTH, "Youth service locality lead", &[CHAIR, LP]),
    post(YOUTH, "Youth worker", &[REP]),
    post(DIS, "Social worker, 0–25 disability", &[REP]),
    post(DIS, "Family support practitioner, 0–25", &[REP, LP]),
    post(HV, "Health visitor", &[REP]),
    post(HV, "Health visitor", &[REP]),
    post(HV, "Health visiting locality lead", &[REP]),
    post(SN, "School nurse", &[REP]),
    post(SN, "School nursing team leader", &[REP]),
    post(MW, "Community midwife", &[REP]),
    post(MW, "Safeguarding midwife", &[REP]),
    post(CAMHS, "Primary mental health worker", &[REP]),
    post(CAMHS, "CAMHS clinical lead", &[REP]),
    post(PRIMARY, "Designated safeguarding lead", &[REP, LP]),
    post(PRIMARY, "Family support worker", &[REP]),
    post(SECONDARY, "Designated safeguarding lead", &[REP]),
    post(SECONDARY, "Pastoral manager", &[REP, LP]),
    post(EWS, "Education welfare officer", &[REP]),
    post(EWS, "Education welfare officer", &[REP]),
    post(POLICE, "Safer schools officer", &[REP]),
    post(POLICE, "Police community support officer", &[REP]),
    post(POLICE, "Neighbourhood sergeant", &[REP]),
    post(CSP, "Community safety officer", &[REP]),
    post(CSP, "Anti-social behaviour caseworker", &[REP]),
    post(HOUSING, "Housing options officer", &[REP]),
    post(HOUSING, "Tenancy sustainment officer", &[REP]),
    post(JCP, "Work coach", &[REP]),
    post(JCP, "Partnership manager", &[REP]),
    post(SMS, "Young people's recovery worker", &[REP]),
    post(SMS, "Family recovery practitioner", &[REP]),
    post(DA, "Independent domestic violence adviser", &[REP]),
    post(DA, "Children and young people's support worker", &[REP]),
    post(ASC, "Social worker", &[REP]),
    post(ASC, "Transitions practitioner", &[REP]),
    post(VCS, "Family mentor co-ordinator", &[REP]),
    post(VCS, "Volunteer family mentor", &[REP]),
];

// Indexes into STAFF of the people panels need.
const CHAIR_WEEKLY: usize = 0;
const CHAIR_LCP_FIRST: usize = 1;
const CHAIR_LCP_SECOND: usize = 24;
const CHAIR_FORUM: usize = 2;
const CHAIR_COMPLEX: usize = 3;
const BSO_FIRST: usize = 4;

/// The forum's statement, after seed 003 in other words: it is open to everyone working in the
/// locality, so it must say plainly that it is neither a shop window nor a commissioning body.
const FORUM_CONFLICT_OF_INTEREST: &str = "This forum is open to practitioners and managers from \
statutory and voluntary services working in the locality. It does not recommend or endorse any \
single provider's services, and it does not discuss commissioning or procurement.";

/// The statement read at a case-discussion panel.
const PANEL_CONFLICT_OF_INTEREST: &str = "Before the closed part of the meeting, members declare \
any personal or professional interest in a family on the agenda and leave the meeting while that \
family is discussed.";

pub(crate) fn generate(spec: &Spec) -> County {
    // Ids count up from a synthetic moment a year or so before `today`, as if the county had
    // been set up then.
    let mut s = Stream::new(spec.seed, 0, b"earlyhelp-county", unix_ms(shift(spec.today, -400)));

    let localities: Vec<Locality> = LOCALITIES
        .iter()
        .map(|plan| Locality {
            id: LocalityId(s.uuid()),
            name: plan.name.to_owned(),
            postcode_areas: plan.areas.iter().map(|a| (*a).to_owned()).collect(),
        })
        .collect();

    let organisations: Vec<Organisation> = ORGANISATIONS.iter().map(|plan| organisation(plan, spec.today, &mut s)).collect();

    let staff = staff(&organisations, &mut s);
    let panels = panels(&localities, &organisations, &staff, spec.today, &mut s);

    County {
        council_name: COUNCIL.to_owned(),
        localities,
        organisations,
        staff,
        panels,
        today: spec.today,
    }
}

fn organisation(plan: &OrganisationPlan, today: Date, s: &mut Stream) -> Organisation {
    let id = OrganisationId(s.uuid());
    let isa = match plan.standing {
        Standing::Pending => IsaStatus::Applied {
            applied_on: shift(today, -(s.between(7, 30) as i64)),
        },
        Standing::Current => {
            // Signed up to 20 months ago for two years: the review is still ahead.
            let signed_on = shift(today, -(s.between(30, 600) as i64));
            IsaStatus::Signed {
                signed_on,
                signatory: plan.signatory.to_owned(),
                review_due: shift(signed_on, 730),
            }
        }
        Standing::Lapsed => {
            // Signed just over two years ago and never reviewed.
            let signed_on = shift(today, -(s.between(740, 800) as i64));
            IsaStatus::Signed {
                signed_on,
                signatory: plan.signatory.to_owned(),
                review_due: shift(signed_on, 730),
            }
        }
    };
    let locality = LOCALITIES.get(plan.locality).unwrap_or(&LOCALITIES[0]);
    let area = locality.areas.get(s.index(locality.areas.len())).copied().unwrap_or("NX1");
    let address = format!(
        "{} {} {}, {} {}",
        s.between(1, 90),
        s.pick(&names::STREET_STEMS),
        s.pick(&names::STREET_SUFFIXES),
        locality.town,
        postcode_in(area, s)
    );
    Organisation {
        id,
        name: plan.name.to_owned(),
        kind: plan.kind,
        secure_email_domain: plan.domain.to_owned(),
        address,
        isa,
        mfa_required: plan.mfa,
    }
}

/// A postcode inside `area`: a district ("NX1") gets a sector digit, a sector ("NX4 7") only
/// the two unit letters. The letters avoid C, I, K, M, O and V, as real inward codes do.
pub(crate) fn postcode_in(area: &str, s: &mut Stream) -> String {
    let (a, b) = (s.inward_letter(), s.inward_letter());
    if area.contains(' ') {
        format!("{area}{a}{b}")
    } else {
        format!("{area} {}{a}{b}", s.between(0, 9))
    }
}

fn staff(organisations: &[Organisation], s: &mut Stream) -> Vec<Staff> {
    let mut taken: HashSet<String> = HashSet::new();
    STAFF
        .iter()
        .filter_map(|plan| {
            let org = organisations.get(plan.org)?;
            let id = UserId(s.uuid());
            let given = if s.percent(50) {
                s.pick(&names::FEMALE_GIVEN)
            } else {
                s.pick(&names::MALE_GIVEN)
            };
            let family = s.pick(&names::SURNAMES);
            let local = format!("{}.{}", email_part(given), email_part(family));
            // firstname.surname, then firstname.surname2, 3… on a collision.
            let address = (1..)
                .map(|n| {
                    if n == 1 {
                        format!("{local}@{}", org.secure_email_domain)
                    } else {
                        format!("{local}{n}@{}", org.secure_email_domain)
                    }
                })
                .find(|a| !taken.contains(a))?;
            let email = EmailAddress::parse(&address).ok()?;
            taken.insert(address);
            Some(Staff {
                id,
                organisation: org.id,
                email,
                given_name: given.to_owned(),
                family_name: family.to_owned(),
                job_title: plan.job_title.to_owned(),
                roles: plan.roles.to_vec(),
            })
        })
        .collect()
}

/// A name as it appears in an e-mail address: lower case, letters and digits only
/// ("O'Brien" → "obrien").
fn email_part(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// One panel of each kind in the seeds, one per locality.
fn panels(localities: &[Locality], organisations: &[Organisation], staff: &[Staff], today: Date, s: &mut Stream) -> Vec<Panel> {
    let user = |i: usize| staff.get(i).map(|p| p.id);
    let members = |seats: &[(usize, Membership)]| -> Vec<PanelMember> {
        seats
            .iter()
            .filter_map(|&(index, membership)| {
                let org = organisations.get(index)?;
                // Core members have a named representative: the agency's first.
                let user = (membership == Membership::Core)
                    .then(|| {
                        staff
                            .iter()
                            .find(|p| p.organisation == org.id && p.roles.contains(&Role::AgencyRepresentative))
                            .map(|p| p.id)
                    })
                    .flatten();
                // The voluntary services sitting as extended members take the list at their secure
                // team mailbox rather than in earlyhelp.
                let by_email = membership == Membership::Extended && matches!(index, DA | SMS);
                Some(PanelMember {
                    organisation: org.id,
                    user,
                    membership,
                    secure_email: by_email.then(|| format!("early-help.panel@{}", org.secure_email_domain)),
                })
            })
            .collect()
    };
    use Membership::{Core, Extended};

    struct Plan {
        kind: PanelKind,
        cadence: Cadence,
        starts_at: Time,
        ends_at: Time,
        chairs: Vec<Option<UserId>>,
        members: Vec<PanelMember>,
        statement: &'static str,
    }

    let plans = [
        Plan {
            kind: PanelKind::MultiAgencyPanel,
            cadence: Cadence::Weekly { weekday: Weekday::Tuesday },
            starts_at: time!(10:00),
            ends_at: time!(12:30),
            chairs: vec![user(CHAIR_WEEKLY)],
            members: members(&[
                (FS, Core),
                (MASH, Core),
                (HV, Core),
                (SN, Core),
                (PRIMARY, Core),
                (SECONDARY, Core),
                (EWS, Core),
                (POLICE, Core),
                (HOUSING, Core),
                (CAMHS, Core),
                (DA, Extended),
                (SMS, Extended),
                (ASC, Extended),
                (JCP, Extended),
            ]),
            statement: PANEL_CONFLICT_OF_INTEREST,
        },
        Plan {
            kind: PanelKind::LocalityAndCommunitiesPanel,
            cadence: Cadence::Fortnightly {
                weekday: Weekday::Thursday,
                first: next_on_or_after(today, Weekday::Thursday),
            },
            starts_at: time!(09:00),
            ends_at: time!(11:00),
            chairs: vec![user(CHAIR_LCP_FIRST), user(CHAIR_LCP_SECOND)],
            members: members(&[
                (FS, Core),
                (YOUTH, Core),
                (CC, Core),
                (HV, Core),
                (SECONDARY, Core),
                (POLICE, Core),
                (CSP, Core),
                (HOUSING, Core),
                (DIS, Extended),
                (SMS, Extended),
                (DA, Extended),
            ]),
            statement: PANEL_CONFLICT_OF_INTEREST,
        },
        Plan {
            kind: PanelKind::EarlyHelpForum,
            cadence: Cadence::MonthlyNthWeekday {
                nth: 2,
                weekday: Weekday::Tuesday,
            },
            starts_at: time!(13:30),
            ends_at: time!(15:30),
            chairs: vec![user(CHAIR_FORUM)],
            members: members(&[
                (FS, Core),
                (CC, Core),
                (YOUTH, Core),
                (HV, Core),
                (PRIMARY, Core),
                (SECONDARY, Core),
                (POLICE, Extended),
                (CSP, Extended),
                (HOUSING, Extended),
                (JCP, Extended),
                (SMS, Extended),
                (DA, Extended),
                (ASC, Extended),
            ]),
            statement: FORUM_CONFLICT_OF_INTEREST,
        },
        Plan {
            kind: PanelKind::ComplexMultiAgencyMeeting,
            cadence: Cadence::Dates {
                dates: third_wednesdays(today, 12),
            },
            starts_at: time!(14:00),
            ends_at: time!(16:00),
            chairs: vec![user(CHAIR_COMPLEX)],
            members: members(&[
                (FS, Core),
                (MASH, Core),
                (CAMHS, Core),
                (POLICE, Core),
                (SMS, Core),
                (DA, Core),
                (ASC, Core),
                (HOUSING, Extended),
                (EWS, Extended),
                (DIS, Extended),
            ]),
            statement: PANEL_CONFLICT_OF_INTEREST,
        },
    ];

    plans
        .into_iter()
        .enumerate()
        .filter_map(|(i, plan)| {
            let locality = localities.get(i)?;
            let venue = LOCALITIES.get(i)?.venue;
            let business_support = user(BSO_FIRST + i)?;
            Some(Panel {
                id: PanelId(s.uuid()),
                name: format!("{} {}", locality.name, plan.kind.label().to_lowercase()),
                kind: plan.kind,
                locality: locality.id,
                cadence: plan.cadence,
                starts_at: plan.starts_at,
                ends_at: plan.ends_at,
                venue: venue.to_owned(),
                chairs: plan.chairs.into_iter().flatten().collect(),
                business_support,
                members: plan.members,
                conflict_of_interest_statement: plan.statement.to_owned(),
            })
        })
        .collect()
}

/// The first `weekday` on or after `date`.
fn next_on_or_after(date: Date, weekday: Weekday) -> Date {
    let ahead = (7 + i64::from(weekday.number_days_from_monday()) - i64::from(date.weekday().number_days_from_monday())) % 7;
    shift(date, ahead)
}

/// The complex meeting's dates for the year ahead, set the way a business support officer would
/// set them: the third Wednesday of each month, starting with the first one after `today`.
fn third_wednesdays(today: Date, count: usize) -> Vec<Date> {
    let (mut year, mut month) = (today.year(), today.month());
    let mut dates = Vec::with_capacity(count);
    // Thirteen months always hold twelve third Wednesdays after `today`.
    for _ in 0..=count {
        if let Ok(first) = Date::from_calendar_date(year, month, 1) {
            let date = shift(next_on_or_after(first, Weekday::Wednesday), 14);
            if date > today && dates.len() < count {
                dates.push(date);
            }
        }
        if month == Month::December {
            year += 1;
        }
        month = month.next();
    }
    dates
}
