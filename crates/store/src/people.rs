//! Families and people recorded by hand: a household and its address (allocated to a locality by
//! the postcode table), the people in it with their identifiers, and "tell it once": before a
//! person is added, the people already held who are probably the same person.
//!
//! Who may see a suggestion is the policy's: people in families the asker may open are shown in
//! full; MASH practitioners, the front door, also see people in any family that does not exclude
//! their organisation, by name, date of birth and postcode district only. Nobody else learns of
//! a person in a family they cannot see.

use crate::audit::AuditEntry;
use crate::{Store, StoreError};
use domain::family::HouseholdRole;
use domain::identifiers::{NationalInsuranceNumber, NhsNumber, UniquePupilNumber};
use domain::locality::PostcodeArea;
use domain::matching::{MatchStrength, PersonDetails};
use domain::postcode::Postcode;
use domain::{FamilyId, LocalityId, PersonId};
use policy::{Authority, FindPeopleAcrossFamilies, Permit, Principal, RecordFamily, RecordPerson, ViewFamily};
use time::Date;
use uuid::Uuid;

/// Why a family or person could not be recorded. `Outside` is the person's to put right.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The postcode is not in any of the council's localities.
    #[error(
        "{0} is not in one of the council’s localities: check the postcode, or refer the family to the early help service of the council they live in"
    )]
    OutsideTheCouncil(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for RecordError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(StoreError::Database(e))
    }
}

/// A person as the form gives them, parsed.
#[derive(Debug, Clone)]
pub struct NewPerson {
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Date of birth.
    pub date_of_birth: Date,
    /// Sex as recorded (`female`, `male`, `other`, `not_known`).
    pub sex: &'static str,
    /// Place in the household.
    pub household_role: HouseholdRole,
    /// NHS number, if known.
    pub nhs_number: Option<NhsNumber>,
    /// Unique Pupil Number, if known.
    pub upn: Option<UniquePupilNumber>,
    /// National Insurance number, if known.
    pub national_insurance_number: Option<NationalInsuranceNumber>,
}

/// A person already held who may be the one being added.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PossibleMatch {
    /// The person.
    pub person: PersonId,
    /// Their family, when the asker may open it (else `None`: ask MASH).
    pub family: Option<FamilyId>,
    /// "Jon Smyth".
    pub name: String,
    /// Date of birth.
    pub date_of_birth: Date,
    /// The first line of the address when the asker may open the family, else the postcode
    /// district only.
    pub place: String,
    /// Likely or possible.
    pub likely: bool,
    /// What the records agree on, in words.
    pub reasons: Vec<&'static str>,
    /// What they disagree on, in words.
    pub conflicts: Vec<&'static str>,
}

/// What a family's new-person form needs to know about the family.
#[derive(Debug, Clone)]
pub struct FamilyHeading {
    /// First line of the address.
    pub address_line: String,
    /// Its postcode.
    pub postcode: Postcode,
}

impl Store {
    /// The postcode table (district or sector → locality), for allocating a family.
    async fn postcode_table(&self) -> Result<Vec<PostcodeArea>, StoreError> {
        let rows: Vec<(String, Uuid)> = read!(self, db => sqlx::query_as("SELECT prefix, locality_id FROM postcode_areas")
            .fetch_all(db).await?);
        Ok(rows
            .into_iter()
            .map(|(prefix, locality)| PostcodeArea {
                prefix,
                locality: LocalityId(locality),
            })
            .collect())
    }

    /// Records a new household at this address. The locality (and so the panels) follows the
    /// postcode through the council's postcode table; a postcode outside it is refused. The
    /// person who records it sees it from then on.
    pub async fn record_family(
        &self,
        permit: &Permit<RecordFamily>,
        address_line: &str,
        postcode: &Postcode,
        address: &str,
    ) -> Result<FamilyId, RecordError> {
        let table = self.postcode_table().await?;
        let Some(locality) = domain::locality::locality_for(postcode, &table) else {
            return Err(RecordError::OutsideTheCouncil(postcode.as_str().to_owned()));
        };
        let id = FamilyId::new();
        let actor = permit.principal().user;
        let now = self.now();
        write!(self, tx, kind => {
            sqlx::query("INSERT INTO families (id, locality_id, address_line, postcode, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(id.0)
                .bind(locality.0)
                .bind(address_line)
                .bind(postcode.as_str())
                .bind(now)
                .bind(actor.0)
                .execute(&mut *tx)
                .await?;
            audit_append!(tx, kind, self, AuditEntry::new(Some(actor), "family.record", "family", Some(id.to_string()))
                .from_address(Some(address.to_owned())));
        });
        Ok(id)
    }

    /// The address of the permit's family, for the heading of its forms (no audited read: the
    /// forms show nothing else of the family).
    pub async fn family_heading(&self, permit: &Permit<RecordPerson>) -> Result<Option<FamilyHeading>, StoreError> {
        let row: Option<(String, String)> = read!(self, db => sqlx::query_as("SELECT address_line, postcode FROM families WHERE id = $1")
            .bind(permit.family().0).fetch_optional(db).await?);
        row.map(|(address_line, postcode)| {
            Ok(FamilyHeading {
                address_line,
                postcode: Postcode::parse(&postcode).map_err(|e| StoreError::Corrupt(format!("family postcode: {e}")))?,
            })
        })
        .transpose()
    }

    /// Adds a person to the permit's family.
    pub async fn record_person(&self, permit: &Permit<RecordPerson>, person: &NewPerson, address: &str) -> Result<PersonId, StoreError> {
        let id = PersonId::new();
        let actor = permit.principal().user;
        let family = permit.family();
        let now = self.now();
        write!(self, tx, kind => {
            sqlx::query(
                "INSERT INTO people (id, family_id, given_name, family_name, date_of_birth, sex, household_role, nhs_number, upn, \
                 national_insurance_number, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(id.0)
            .bind(family.0)
            .bind(person.given_name.trim())
            .bind(person.family_name.trim())
            .bind(person.date_of_birth)
            .bind(person.sex)
            .bind(person.household_role.code())
            .bind(person.nhs_number.as_ref().map(NhsNumber::as_str))
            .bind(person.upn.as_ref().map(UniquePupilNumber::as_str))
            .bind(person.national_insurance_number.as_ref().map(NationalInsuranceNumber::as_str))
            .bind(now)
            .bind(actor.0)
            .execute(&mut *tx)
            .await?;
            audit_append!(tx, kind, self, AuditEntry::new(Some(actor), "person.record", "family", Some(family.to_string()))
                .from_address(Some(address.to_owned())));
        });
        Ok(id)
    }

    /// The people already held who may be `candidate`, most likely first, as far as the asker
    /// may know of them: in families they may open (shown in full), and, with the front door's
    /// permit, in any family not excluding their organisation (name, date of birth and
    /// postcode district only). The comparison is the domain's; the store only gathers a
    /// blocked set (same date of birth, surname, postcode district or identifier).
    pub async fn possible_matches(
        &self,
        authority: &Authority,
        who: &Principal,
        across: Option<&Permit<FindPeopleAcrossFamilies>>,
        candidate: &PersonDetails,
    ) -> Result<Vec<PossibleMatch>, StoreError> {
        type Row = (
            Uuid,
            Uuid,
            String,
            String,
            Date,
            Option<String>,
            Option<String>,
            Option<String>,
            String,
            String,
        );
        let district = candidate.postcode.as_ref().map(|p| format!("{} %", p.district()));
        let rows: Vec<Row> = read!(self, db => {
            sqlx::query_as(
                "SELECT p.id, p.family_id, p.given_name, p.family_name, p.date_of_birth, p.nhs_number, p.upn, \
                 p.national_insurance_number, f.postcode, f.address_line FROM people p JOIN families f ON f.id = p.family_id \
                 WHERE p.merged_into IS NULL AND (p.date_of_birth = $1 OR LOWER(p.family_name) = $2 OR f.postcode LIKE $3 \
                 OR p.nhs_number = $4 OR p.upn = $5 OR p.national_insurance_number = $6) \
                 AND NOT EXISTS (SELECT 1 FROM family_exclusions x WHERE x.family_id = f.id AND x.organisation_id = $7) \
                 ORDER BY p.id LIMIT 2000",
            )
            .bind(candidate.date_of_birth)
            .bind(candidate.surname.trim().to_lowercase())
            .bind(district.as_deref())
            .bind(candidate.nhs_number.as_ref().map(NhsNumber::as_str))
            .bind(candidate.upn.as_ref().map(UniquePupilNumber::as_str))
            .bind(candidate.national_insurance_number.as_ref().map(NationalInsuranceNumber::as_str))
            .bind(who.organisation.0)
            .fetch_all(db)
            .await?
        });
        let existing: Vec<(usize, PersonDetails)> = rows
            .iter()
            .enumerate()
            .map(|(i, (_, _, given, family, dob, nhs, upn, ni, postcode, _))| {
                (
                    i,
                    PersonDetails {
                        first_name: given.clone(),
                        surname: family.clone(),
                        date_of_birth: Some(*dob),
                        postcode: Postcode::parse(postcode).ok(),
                        nhs_number: nhs.as_deref().and_then(|n| NhsNumber::parse(n).ok()),
                        upn: upn.as_deref().and_then(|n| UniquePupilNumber::parse(n).ok()),
                        national_insurance_number: ni.as_deref().and_then(|n| NationalInsuranceNumber::parse(n).ok()),
                    },
                )
            })
            .collect();
        let suggestions = domain::matching::suggest_matches(candidate, existing.iter().map(|(i, p)| (*i, p)));
        let mut out = Vec::new();
        let mut visible: std::collections::HashMap<Uuid, bool> = std::collections::HashMap::new();
        for s in suggestions.into_iter().take(20) {
            let (person, family, given, surname, dob, _, _, _, postcode, address_line) = &rows[s.id];
            let may_open = match visible.get(family) {
                Some(v) => *v,
                None => {
                    let v = match self.family_facts(who, FamilyId(*family)).await? {
                        Some(facts) => authority.decide_family(who, ViewFamily, &facts).is_ok(),
                        None => false,
                    };
                    visible.insert(*family, v);
                    v
                }
            };
            if !may_open && across.is_none() {
                continue;
            }
            out.push(PossibleMatch {
                person: PersonId(*person),
                family: may_open.then_some(FamilyId(*family)),
                name: format!("{given} {surname}"),
                date_of_birth: *dob,
                place: if may_open {
                    format!("{address_line}, {postcode}")
                } else {
                    Postcode::parse(postcode).map(|p| p.district().to_owned()).unwrap_or_default()
                },
                likely: s.strength == MatchStrength::Likely,
                reasons: s.comparison.reasons.iter().map(|r| r.describe()).collect(),
                conflicts: s.comparison.conflicts.iter().map(|c| c.describe()).collect(),
            });
        }
        Ok(out)
    }
}
