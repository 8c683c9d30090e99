//! # earlyhelp-county — a synthetic county to run the product against
//!
//! The demo, the tests and the benchmarks all need a council that looks real — localities and
//! postcode districts, member agencies on the Information Sharing Agreement, staff in every
//! role, panels that meet the way the seed documents describe, and families — without a single
//! real person in it. This crate makes one: Northmere Council, whose postcode area "NX" and
//! `.example` e-mail domains belong to no-one. Everything is derived from a [`Spec`]'s seed, so
//! the same spec always gives byte-identical output, and families are generated lazily and
//! independently of each other, so a benchmark can ask for 100 000 of them without holding them
//! all in memory.
//!
//! It touches nothing but the `domain` types it fills in: no database, no clock (the spec says
//! what "today" is). Start reading at [`generate`], then [`County::families`];
//! `county.rs` holds the fixed shape of the council and `family.rs` how a household is drawn.

mod county;
mod family;
mod names;
mod referral;
mod seeded;

pub use referral::{Override, Referral, Stage};

use domain::email::EmailAddress;
use domain::family::HouseholdRole;
use domain::locality::PostcodeArea;
use domain::organisation::{IsaStanding, IsaStatus, OrganisationKind};
use domain::panel::{Cadence, Membership, PanelKind};
use domain::postcode::Postcode;
use domain::role::Role;
use domain::{FamilyId, LocalityId, OrganisationId, PanelId, PersonId, UserId};

/// The one password every demo account shares, so a person trying the demo can sign in as any
/// role from the list on the sign-in page. It meets the product's own password rule (a test
/// checks), because the demo must not need a back door around it.
pub const DEMO_PASSWORD: &str = "northmere-demo-county";

/// What to generate. The seed fixes every random choice; `today` anchors every date (ISA
/// reviews, ages, meeting dates) so a county generated for a test's fixed day never drifts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    /// Fixes every random choice: the same seed gives the same county and families.
    pub seed: u64,
    /// How many families [`County::families`] yields (300 for the demo, 100 000 to benchmark).
    pub families: usize,
    /// The day the county is generated for.
    pub today: time::Date,
}

/// A whole synthetic council: everything the demo needs to start, except the families, which
/// are generated on demand by [`County::families`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct County {
    /// The local authority's name, for page headers and letters.
    pub council_name: String,
    /// The areas panels serve, each with the postcodes that allocate a family to it.
    pub localities: Vec<Locality>,
    /// Member agencies with their ISA standing.
    pub organisations: Vec<Organisation>,
    /// Staff accounts, each belonging to one organisation.
    pub staff: Vec<Staff>,
    /// The panels, forum and complex meeting series.
    pub panels: Vec<Panel>,
    /// The `today` of the spec the county was generated for. ISA standing ("current",
    /// "lapsed") is only meaningful against a date, and [`demo_sign_ins`] must know it.
    pub today: time::Date,
}

/// An area served by one or more panels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locality {
    /// Stable id.
    pub id: LocalityId,
    /// The name people use ("North").
    pub name: String,
    /// Postcode districts ("NX1") and, for a district split between localities, sectors
    /// ("NX4 7"), in normal form: the rows of the postcode → locality table.
    pub postcode_areas: Vec<String>,
}

/// A member agency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    /// Stable id.
    pub id: OrganisationId,
    /// The agency's name.
    pub name: String,
    /// What sort of agency it is.
    pub kind: OrganisationKind,
    /// The domain its secure e-mail uses; its staff's addresses are on it.
    pub secure_email_domain: String,
    /// Postal address, one line.
    pub address: String,
    /// Where it stands with the Information Sharing Agreement.
    pub isa: IsaStatus,
    /// Whether its staff must use a second factor to sign in.
    pub mfa_required: bool,
}

/// A staff account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    /// Stable id.
    pub id: UserId,
    /// The organisation the person signs in for.
    pub organisation: OrganisationId,
    /// Sign-in name, on the organisation's secure domain.
    pub email: EmailAddress,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Job title, as shown on attendance lists.
    pub job_title: String,
    /// What the person does in early help; some hold two (a chair who is also a lead
    /// professional).
    pub roles: Vec<Role>,
}

/// A panel, forum or complex meeting series, configured as the seeds describe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Panel {
    /// Stable id.
    pub id: PanelId,
    /// The name on agendas.
    pub name: String,
    /// Which kind of meeting it is.
    pub kind: PanelKind,
    /// The locality whose families it discusses.
    pub locality: LocalityId,
    /// How often it meets.
    pub cadence: Cadence,
    /// Local start time.
    pub starts_at: time::Time,
    /// Local end time.
    pub ends_at: time::Time,
    /// Where it meets.
    pub venue: String,
    /// Chairs, in the order they take turns (one entry for a panel with a single chair).
    pub chairs: Vec<UserId>,
    /// The business support officer who prepares and circulates its papers.
    pub business_support: UserId,
    /// Member agencies, core or extended, some with a named representative.
    pub members: Vec<PanelMember>,
    /// Read out at the start of each meeting.
    pub conflict_of_interest_statement: String,
}

/// An agency's seat on a panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelMember {
    /// The member agency.
    pub organisation: OrganisationId,
    /// Its named representative, if it has one.
    pub user: Option<UserId>,
    /// Core or extended.
    pub membership: Membership,
    /// The secure mailbox that receives the list of families when the agency has no staff
    /// with accounts.
    pub secure_email: Option<String>,
}

/// A household known to early help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Family {
    /// Stable id.
    pub id: FamilyId,
    /// The locality its postcode allocates it to.
    pub locality: LocalityId,
    /// First line of the address ("14 Alder Road").
    pub address_line: String,
    /// A postcode inside one of the locality's postcode areas.
    pub postcode: Postcode,
    /// Adults first, then children eldest first.
    pub people: Vec<Person>,
    /// Consent, and who works with the family: what decides who may see it.
    pub involvement: Involvement,
    /// Where the family lived before, oldest move first (the last move's new address is the
    /// current one).
    pub moves: Vec<Move>,
}

/// A move of house: the address the family left, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    /// The day the family moved.
    pub moved_on: time::Date,
    /// The first line of the address left.
    pub from_address_line: String,
    /// Its postcode.
    pub from_postcode: Postcode,
    /// The locality that postcode allocated the family to.
    pub from_locality: LocalityId,
}

/// A family's consent and the professionals and panel connected to it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Involvement {
    /// The consent MASH recorded, if the family has given any.
    pub consent: Option<Consent>,
    /// The panel holding the family's case (its locality's), if it has one.
    pub panel: Option<PanelId>,
    /// Extended member agencies of that panel invited to the case.
    pub invited: Vec<OrganisationId>,
    /// The lead professional.
    pub lead_professional: Option<UserId>,
    /// Other members of the Team Around the Family.
    pub team: Vec<UserId>,
    /// Its referrals, oldest first: families at every stage of the pathway.
    pub referrals: Vec<Referral>,
}

/// A consent record as MASH took it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    /// The adult who gave it: an index into the family's people.
    pub given_by: usize,
    /// When.
    pub given_on: time::Date,
    /// Written (true) or verbal.
    pub written: bool,
    /// Organisations the family asked not to share with.
    pub excluded: Vec<OrganisationId>,
    /// When it should be reviewed.
    pub review_due: time::Date,
    /// When it was withdrawn, if it was: sharing stopped then.
    pub withdrawn_on: Option<time::Date>,
}

/// A member of a family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Stable id.
    pub id: PersonId,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Date of birth, relative to the spec's `today`.
    pub date_of_birth: time::Date,
    /// Sex recorded for the person.
    pub sex: Sex,
    /// Their place in the household.
    pub household_role: HouseholdRole,
    /// Has a disability (a young person of 20 to 25 is in early help's range only with one).
    pub has_disability: bool,
}

/// Sex as recorded on the family's record; the generator needs it to pick a fitting given name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    /// Female.
    Female,
    /// Male.
    Male,
}

impl Sex {
    /// Stable code for storage and the API.
    pub fn code(self) -> &'static str {
        match self {
            Self::Female => "female",
            Self::Male => "male",
        }
    }
}

/// Generates the council, its localities, organisations, staff and panels. The result does not
/// depend on `spec.families`: only on the seed and `today`.
pub fn generate(spec: &Spec) -> County {
    county::generate(spec)
}

impl County {
    /// The spec's families, one at a time. Lazy, so 100 000 families never sit in memory at
    /// once; deterministic, so the same spec gives identical families; and family *i* depends
    /// only on the seed, `today` and *i*, so asking for more families only adds to the end.
    ///
    /// The iterator borrows the county (for its localities) but not the spec.
    pub fn families<'a>(&'a self, spec: &Spec) -> impl Iterator<Item = Family> + use<'a> {
        let spec = *spec;
        (0..spec.families).filter_map(move |index| self.family(&spec, index))
    }

    /// Family number `index` of the spec, without generating those before it. `None` only when
    /// the county has no locality with a usable postcode area (a generated county always has).
    pub fn family(&self, spec: &Spec, index: usize) -> Option<Family> {
        let mut family = family::generate(&self.localities, spec, index)?;
        family::moves_and_disability(&self.localities, spec, index, &mut family);
        family.involvement = family::involvement(self, spec, index, &family);
        family.involvement.referrals = referral::referrals(self, spec, index, &family.involvement);
        Some(family)
    }

    /// The postcode → locality table, for allocating a family by postcode with
    /// [`domain::locality::locality_for`].
    pub fn postcode_table(&self) -> Vec<PostcodeArea> {
        self.localities
            .iter()
            .flat_map(|l| {
                l.postcode_areas.iter().map(|prefix| PostcodeArea {
                    prefix: prefix.clone(),
                    locality: l.id,
                })
            })
            .collect()
    }

    /// Where an organisation stands with the ISA on the county's `today`.
    pub fn isa_standing(&self, organisation: OrganisationId) -> Option<IsaStanding> {
        self.organisations
            .iter()
            .find(|o| o.id == organisation)
            .map(|o| o.isa.standing(self.today))
    }
}

/// One demo account per role, for the demo's sign-in page: for each role in [`Role::ALL`], a
/// member of staff who holds it, preferring staff of a current ISA signatory (so the account can
/// actually see family data) and staff who hold only that role (so the demo shows the role on
/// its own), then staff whose organisation does not ask everyone for a second factor (so a
/// newcomer can look around without an authenticator app; administrators and information
/// governance always need one). The business-support officer is the one who supports a panel
/// the demo chair chairs, so the two accounts run the same panel's cycle together. Every
/// account's password is [`DEMO_PASSWORD`].
pub fn demo_sign_ins(county: &County) -> Vec<(Role, EmailAddress)> {
    let best = |role: Role, among: &dyn Fn(&Staff) -> bool| {
        county.staff.iter().filter(|s| s.roles.contains(&role) && among(s)).min_by_key(|s| {
            let current = county.isa_standing(s.organisation) == Some(IsaStanding::Current);
            let org_mfa = county.organisations.iter().any(|o| o.id == s.organisation && o.mfa_required);
            (!current, s.roles.len() != 1, org_mfa)
        })
    };
    let chair = best(Role::PanelChair, &|_| true).map(|s| s.id);
    let supports_the_chair = |s: &Staff| {
        county
            .panels
            .iter()
            .any(|p| p.business_support == s.id && chair.is_some_and(|c| p.chairs.contains(&c)))
    };
    Role::ALL
        .into_iter()
        .filter_map(|role| {
            let chosen = match role {
                Role::BusinessSupport => best(role, &supports_the_chair).or_else(|| best(role, &|_| true)),
                _ => best(role, &|_| true),
            };
            chosen.map(|s| (role, s.email.clone()))
        })
        .collect()
}
